/**
 * Builds the conflict graph of a buffer set: two buffers conflict when their inclusive step
 * intervals share a step, or when either lists the other in `conflicts` (symmetric).
 * Interval conflicts come from a sweep over start steps, so the cost is proportional to the
 * number of conflicting pairs, not to n^2.
 */
import { PlannerError } from './errors.js';

/** What the conflict graph needs to know of a buffer. */
export interface ConflictSource {
  readonly name: string;
  readonly start?: number;
  readonly end?: number;
  readonly conflicts?: readonly string[];
}

/** The conflict graph: ascending neighbor indices per buffer, plus whether explicit conflicts were given. */
export interface ConflictGraph {
  readonly neighbors: readonly (readonly number[])[];
  /** True when at least one explicit conflict adds an edge that interval overlap alone would not give. */
  readonly hasExplicitEdges: boolean;
}

/** True when both buffers have an interval and the intervals share a step. */
function intervalsOverlap(a: ConflictSource, b: ConflictSource): boolean {
  if (a.start === undefined || a.end === undefined) return false;
  if (b.start === undefined || b.end === undefined) return false;
  return a.start <= b.end && b.start <= a.end;
}

/**
 * Builds the symmetric conflict graph of `buffers` (indices follow the input order).
 * Throws PlannerError `invalid-input` when a conflict names an unknown buffer.
 */
export function buildConflictGraph(buffers: readonly ConflictSource[]): ConflictGraph {
  const n = buffers.length;
  const adjacency: number[][] = [];
  for (let i = 0; i < n; i++) adjacency.push([]);

  // Interval edges: sweep the buffers by start step, keeping the ones still live.
  const withInterval: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = buffers[i]!;
    if (b.start !== undefined && b.end !== undefined) withInterval.push(i);
  }
  withInterval.sort((x, y) => buffers[x]!.start! - buffers[y]!.start! || x - y);
  let active: number[] = [];
  for (const i of withInterval) {
    const start = buffers[i]!.start!;
    let keep = 0;
    for (let k = 0; k < active.length; k++) {
      const a = active[k]!;
      if (buffers[a]!.end! >= start) active[keep++] = a;
    }
    active.length = keep;
    for (const a of active) {
      adjacency[a]!.push(i);
      adjacency[i]!.push(a);
    }
    active.push(i);
  }

  // Explicit edges.
  let hasExplicitEdges = false;
  let byName: Map<string, number> | undefined;
  for (let i = 0; i < n; i++) {
    const conflicts = buffers[i]!.conflicts;
    if (conflicts === undefined || conflicts.length === 0) continue;
    if (byName === undefined) {
      byName = new Map();
      for (let k = 0; k < n; k++) byName.set(buffers[k]!.name, k);
    }
    for (const other of conflicts) {
      const j = byName.get(other);
      if (j === undefined) {
        throw new PlannerError(
          'invalid-input',
          `buffer '${buffers[i]!.name}' lists an unknown buffer '${other}' in its conflicts`,
          { buffer: buffers[i]!.name },
        );
      }
      if (j === i) continue;
      if (intervalsOverlap(buffers[i]!, buffers[j]!)) continue;
      adjacency[i]!.push(j);
      adjacency[j]!.push(i);
      hasExplicitEdges = true;
    }
  }

  for (const list of adjacency) sortUnique(list);
  return { neighbors: adjacency, hasExplicitEdges };
}

/** Sorts ascending and removes duplicates in place. */
function sortUnique(list: number[]): void {
  if (list.length < 2) return;
  list.sort((a, b) => a - b);
  let w = 1;
  for (let r = 1; r < list.length; r++) {
    if (list[r] !== list[w - 1]) list[w++] = list[r]!;
  }
  list.length = w;
}

/**
 * The subgraph induced by `members` (indices into `neighbors`), renumbered 0..members.length-1
 * in the order of `members`. Neighbor lists stay ascending when `members` is ascending.
 */
export function inducedSubgraph(
  neighbors: readonly (readonly number[])[],
  members: readonly number[],
): number[][] {
  const local = new Map<number, number>();
  members.forEach((g, k) => local.set(g, k));
  return members.map((g) => {
    const out: number[] = [];
    for (const h of neighbors[g] ?? []) {
      const k = local.get(h);
      if (k !== undefined) out.push(k);
    }
    out.sort((a, b) => a - b);
    return out;
  });
}
