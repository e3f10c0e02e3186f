/**
 * Lower bounds on the bytes a pool needs.
 * - Live-sum bound (intervals): the largest sum of sizes of the buffers live at one step.
 *   Buffers live at one step pairwise conflict, so no packing can do better.
 * - Clique bound (any conflict graph): the weight of a clique found by a greedy search. Any clique
 *   is a valid bound (its buffers must be stacked), so a heuristic search stays a valid bound even
 *   when it misses the maximum clique.
 * For a mixed set the bound is the larger of the two (both are valid on the union of the edges).
 * Pools with overlay groups use overlayLowerBound (planner/overlay.ts): a group counts the union of
 * its members live at a step, never their sum, and cliques are sought among the members.
 */
import type { PackItem } from './problem.js';

/** What the bounds need of a buffer. */
export interface SizedInterval {
  readonly sizeBytes: number;
  readonly start?: number;
  readonly end?: number;
}

/** The live-sum bound and the step where it is reached (-1 when no buffer has an interval). */
export interface LiveSumBound {
  readonly bytes: number;
  readonly step: number;
}

/** Max over steps of the sum of sizes of the buffers whose inclusive interval contains the step. */
export function liveSumBound(items: readonly SizedInterval[]): LiveSumBound {
  const events: number[] = []; // pairs (step*2 + kind, index); kind 0 = end+1 (leave), 1 = start (enter)
  const steps: number[] = [];
  const deltas: number[] = [];
  for (const it of items) {
    if (it.start === undefined || it.end === undefined) continue;
    steps.push(it.start, it.end + 1);
    deltas.push(it.sizeBytes, -it.sizeBytes);
  }
  for (let k = 0; k < steps.length; k++) events.push(k);
  // At one step, leaving buffers go before entering ones (end is inclusive, end+1 is free).
  events.sort((a, b) => steps[a]! - steps[b]! || deltas[a]! - deltas[b]!);
  let live = 0;
  let best = 0;
  let bestStep = -1;
  for (const k of events) {
    live += deltas[k]!;
    if (live > best) {
      best = live;
      bestStep = steps[k]!;
    }
  }
  return { bytes: best, step: bestStep };
}

/**
 * Weight of a heavy clique found greedily: from each of the heaviest start vertices (and from
 * `seedClique` when given), repeatedly add the heaviest vertex adjacent to every member.
 * `neighbors` must hold ascending indices. The work is capped, so the result is a valid bound
 * that may be below the maximum clique weight on large dense graphs.
 */
export function cliqueBound(
  sizes: readonly number[],
  neighbors: readonly (readonly number[])[],
  seedClique?: readonly number[],
): number {
  const n = sizes.length;
  if (n === 0) return 0;
  let best = 0;
  for (const s of sizes) best = Math.max(best, s);
  let budget = 4_000_000;

  const grow = (start: readonly number[]): number => {
    let weight = 0;
    for (const v of start) weight += sizes[v]!;
    // candidates: common neighbors of every start vertex
    let cand: number[] = [...(neighbors[start[0]!] ?? [])];
    for (let k = 1; k < start.length && cand.length > 0; k++) cand = intersect(cand, neighbors[start[k]!]!);
    const inStart = new Set(start);
    cand = cand.filter((v) => !inStart.has(v));
    while (cand.length > 0 && budget > 0) {
      let pick = cand[0]!;
      for (const v of cand) if (sizes[v]! > sizes[pick]!) pick = v;
      weight += sizes[pick]!;
      budget -= cand.length + neighbors[pick]!.length;
      cand = intersect(cand, neighbors[pick]!);
    }
    return weight;
  };

  if (seedClique !== undefined && seedClique.length > 0) best = Math.max(best, grow(seedClique));
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => sizes[b]! * (neighbors[b]!.length + 1) - sizes[a]! * (neighbors[a]!.length + 1) || a - b,
  );
  for (const v of order) {
    if (budget <= 0) break;
    best = Math.max(best, grow([v]));
  }
  return best;
}

/** Intersection of two ascending arrays. */
function intersect(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/**
 * The lower bound of a single-pool problem. When every edge of the graph comes from interval
 * overlap (`explicitEdges` false and every item has an interval) the live-sum bound is exact for
 * the clique number and is returned alone; otherwise the clique search (seeded with the worst
 * step's live set) is run as well and the larger bound is returned.
 */
export function packLowerBound(
  items: readonly PackItem[],
  neighbors: readonly (readonly number[])[],
  explicitEdges: boolean,
): number {
  const live = liveSumBound(items);
  const allIntervals = items.every((it) => it.start !== undefined && it.end !== undefined);
  if (allIntervals && !explicitEdges) return live.bytes;
  const seed: number[] = [];
  if (live.step >= 0) {
    for (const it of items) {
      if (it.start !== undefined && it.end !== undefined && it.start <= live.step && live.step <= it.end) {
        seed.push(it.index);
      }
    }
  }
  return Math.max(
    live.bytes,
    cliqueBound(
      items.map((it) => it.sizeBytes),
      neighbors,
      seed,
    ),
  );
}
