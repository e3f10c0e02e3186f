/**
 * Spill: which buffers leave a bounded pool whose packing overflows, so that the fewest bytes (or
 * the least spill cost) move. Both functions work on the pool's PackProblem and return item
 * indices; `moveCosts[l]` is the cost of moving item l to its next candidate pool (Infinity when it
 * would become unplaced). A candidate is ranked by excess bytes removed per unit of cost, then by
 * bytes removed, then by lower cost, then by name. An overlay group (one item) counts the bytes of
 * its members live at each step (PackItem.pieces) and moves as one.
 */
import type { LivePiece, PackProblem } from './problem.js';

interface Candidate {
  readonly local: number;
  /** Excess bytes the move removes. */
  readonly benefit: number;
  readonly cost: number;
  readonly ratio: number;
}

function candidate(local: number, benefit: number, cost: number): Candidate {
  return { local, benefit, cost, ratio: cost === Infinity ? -1 / benefit : cost === 0 ? Infinity : benefit / cost };
}

function better(problem: PackProblem, a: Candidate, b: Candidate): boolean {
  if (a.ratio !== b.ratio) return a.ratio > b.ratio;
  if (a.benefit !== b.benefit) return a.benefit > b.benefit;
  if (a.cost !== b.cost) return a.cost < b.cost;
  return problem.items[a.local]!.name < problem.items[b.local]!.name;
}

/**
 * Phase A: until no step's live bytes exceed `capacityBytes`, repeatedly take the step with the
 * largest excess and move the best item live there (preferring one item that covers the excess over
 * several smaller ones). Only items with an interval and a size count. Returns the chosen items in
 * the order chosen; empty when no step exceeds the capacity.
 */
export function spillByLiveBytes(problem: PackProblem, capacityBytes: number, moveCosts: readonly number[]): number[] {
  const { items } = problem;
  const timed: number[] = [];
  items.forEach((it, local) => {
    if (it.start !== undefined && it.sizeBytes > 0) timed.push(local);
  });
  if (timed.length === 0) return [];
  // Live spans of each item: its interval at its size, or an overlay group's live pieces.
  const spans = (l: number): readonly LivePiece[] => {
    const it = items[l]!;
    return it.pieces ?? [{ start: it.start!, end: it.end!, bytes: it.sizeBytes }];
  };
  // Segments between the distinct interval boundaries; excess[s] = live bytes above the capacity.
  const points = [...new Set(timed.flatMap((l) => spans(l).flatMap((p) => [p.start, p.end + 1])))].sort((a, b) => a - b);
  const seg = new Map<number, number>();
  points.forEach((p, s) => seg.set(p, s));
  const excess = new Float64Array(points.length);
  for (const l of timed) {
    for (const p of spans(l)) for (let s = seg.get(p.start)!; s < seg.get(p.end + 1)!; s++) excess[s] = excess[s]! + p.bytes;
  }
  for (let s = 0; s < excess.length; s++) excess[s] = Math.max(0, excess[s]! - capacityBytes);

  const chosen = new Set<number>();
  for (;;) {
    let worst = -1;
    for (let s = 0; s < excess.length; s++) if (excess[s]! > 0 && (worst < 0 || excess[s]! > excess[worst]!)) worst = s;
    if (worst < 0) break;
    let pick: Candidate | undefined;
    for (const l of timed) {
      if (chosen.has(l)) continue;
      let live = false;
      let benefit = 0;
      for (const p of spans(l)) {
        const lo = seg.get(p.start)!;
        const hi = seg.get(p.end + 1)!;
        if (worst >= lo && worst < hi) live = true;
        for (let s = lo; s < hi; s++) benefit += Math.min(p.bytes, excess[s]!);
      }
      if (!live) continue;
      const c = candidate(l, benefit, moveCosts[l]!);
      if (pick === undefined || better(problem, c, pick)) pick = c;
    }
    if (pick === undefined) break;
    chosen.add(pick.local);
    for (const p of spans(pick.local)) {
      for (let s = seg.get(p.start)!; s < seg.get(p.end + 1)!; s++) excess[s] = Math.max(0, excess[s]! - p.bytes);
    }
  }
  return [...chosen];
}

/**
 * Phase B, for a packing that overflows although no step does (fragmentation, or conflict lists):
 * the items placed above the capacity and their neighbors are the candidates, each worth the
 * largest overflow it touches. Returns the best one; with `moveAll`, every non-empty item above the
 * capacity instead (the rest of this packing then fits).
 */
export function spillByPacking(
  problem: PackProblem,
  offsets: readonly number[],
  capacityBytes: number,
  moveCosts: readonly number[],
  moveAll: boolean,
): number[] {
  const { items } = problem;
  const over: number[] = [];
  items.forEach((it, l) => {
    if (offsets[l]! + it.sizeBytes > capacityBytes) over.push(l);
  });
  if (moveAll) return over.filter((l) => items[l]!.sizeBytes > 0);
  const excessAt = new Map<number, number>();
  for (const o of over) {
    const e = offsets[o]! + items[o]!.sizeBytes - capacityBytes;
    for (const l of [o, ...problem.neighbors[o]!]) excessAt.set(l, Math.max(excessAt.get(l) ?? 0, e));
  }
  let pick: Candidate | undefined;
  for (const [l, e] of excessAt) {
    const size = items[l]!.sizeBytes;
    if (size === 0) continue;
    const c = candidate(l, Math.min(size, e), moveCosts[l]!);
    if (pick === undefined || better(problem, c, pick)) pick = c;
  }
  return pick === undefined ? [] : [pick.local];
}
