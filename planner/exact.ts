/**
 * `exact`: branch and bound over canonical placements, in the spirit of MiniMalloc (Moffitt,
 * ASPLOS 2023), written for memplan's problem (intervals and/or explicit conflicts, alignment).
 *
 * Canonical placements. Take any packing and let every buffer "fall" (in increasing offset order)
 * to the lowest aligned offset above its already fallen neighbors: nothing overlaps and nothing
 * rises. So some optimal packing has every buffer at 0 or at the aligned top of a conflicting
 * buffer placed before it, and listing buffers by (offset, rank) gives an order in which each one
 * sits exactly at `minOffset` = aligned max top of its placed neighbors. The search builds such
 * lists: at each node it may place any unplaced buffer at its `minOffset`, provided (offset, rank)
 * does not go below the last placed buffer's (symmetry breaking: every packing is built once).
 *
 * Pruning (each a necessary condition, so the search stays complete):
 * - sections: sets of pairwise conflicting buffers (the live set at each start step for
 *   intervals; a greedy clique cover for buffers that only give conflicts). The unplaced members
 *   of a section stack above the section's floor (the top of its placed members), above the last
 *   placed offset, and above the smallest minOffset among them: max(...) + their bytes must fit.
 * - dominance: placing a buffer at or above the lowest top any unplaced buffer could reach
 *   (min over unplaced of minOffset + size) leaves a gap that buffer could fill by moving down,
 *   giving a packing the search builds elsewhere; skip it.
 * - decomposition (intervals only): once no unplaced buffer crosses a section boundary, the two
 *   sides are independent; each side is solved on its own, and a failure on one side fails the
 *   branch without trying the other side's variants.
 * Search order: candidates by (minOffset, rank) where rank comes from a preorder (W longest
 * lifetime, A largest area, T largest section total: WAT, TAW, TWA), either kept through the
 * search or recomputed for each independent part with the current section totals. These six
 * variants are tried round robin with a node limit that doubles, as MiniMalloc does, until a
 * packing is found, one run ends without hitting its limit (a proof that none exists), or the
 * deadline passes.
 *
 * Minimising (no capacity, or after fitting one): start from the incumbent (the best heuristic),
 * first try the lower bound itself with a small budget, then repeatedly ask for a packing below
 * the best one found. A proof that none exists below the best proves it optimal.
 * Budget: a number of search nodes (planner/search-budget.ts), so that a search cut short
 * returns the same plan on every run; the deadline is a safety net.
 *
 * A pool with overlay groups (PackProblem.zones) is searched by planner/exact-zones.ts instead.
 */
import type { PackContext, PackProblem, PackResult, PackStrategy } from './problem.js';
import { bySizeDesc, byBreadth, byLifetime, sortedOrder } from './orders.js';
import { alignUp, placeFirstFit, usedBytesOf } from './place-in-order.js';
import { nodeBudgetOf } from './search-budget.js';
import { exactZonesSearch } from './exact-zones.js';

/** Above this many buffers to search, `exact` returns the incumbent (the recursion depth is the count). */
export const EXACT_MAX_ITEMS = 2500;

type Outcome = 'found' | 'infeasible' | 'aborted' | 'timeout';

interface Prepared {
  /** Items the search places (others: zero size or no neighbor, placed at 0). */
  readonly searched: readonly number[];
  readonly size: Float64Array;
  readonly align: Float64Array;
  readonly neighbors: readonly (readonly number[])[];
  readonly sections: readonly (readonly number[])[];
  readonly itemSections: readonly (readonly number[])[];
  readonly sectionTotal0: Float64Array;
  readonly preorders: readonly (readonly number[])[];
  /** The heuristic of each preorder (letters: T total, W width, A area). */
  readonly heuristics: readonly string[];
  /** Lifetime in steps (or number of conflicts) per item. */
  readonly width: Float64Array;
  /**
   * Time mode: every searched item has an interval and every edge is an interval overlap. Then
   * sections are the live sets at consecutive start steps, item i spans sections
   * secLo[i]..secHi[i], and a boundary no unplaced item crosses splits the problem in two.
   */
  readonly timeMode: boolean;
  readonly secLo: Int32Array;
  readonly secHi: Int32Array;
}

function prepare(problem: PackProblem): Prepared {
  const n = problem.items.length;
  const size = new Float64Array(n);
  const align = new Float64Array(n);
  problem.items.forEach((it, i) => {
    size[i] = it.sizeBytes;
    align[i] = Math.max(1, it.alignmentBytes);
  });
  // Only neighbors of nonzero size matter.
  const neighbors = problem.neighbors.map((list) => list.filter((j) => size[j]! > 0));
  const searched: number[] = [];
  for (let i = 0; i < n; i++) if (size[i]! > 0 && neighbors[i]!.length > 0) searched.push(i);
  const inSearch = new Uint8Array(n);
  for (const i of searched) inSearch[i] = 1;

  const sections: number[][] = [];
  // Interval sections: the live set at each distinct start step.
  const timed = searched.filter((i) => problem.items[i]!.start !== undefined && problem.items[i]!.end !== undefined);
  const it = (i: number) => problem.items[i]!;
  const timeMode =
    timed.length === searched.length &&
    searched.every((i) => neighbors[i]!.every((j) => it(j).start !== undefined && it(j).start! <= it(i).end! && it(i).start! <= it(j).end!));
  timed.sort((a, b) => problem.items[a]!.start! - problem.items[b]!.start! || a - b);
  const secLo = new Int32Array(n).fill(-1);
  const secHi = new Int32Array(n).fill(-1);
  let active: number[] = [];
  for (let k = 0; k < timed.length; ) {
    const step = problem.items[timed[k]!]!.start!;
    active = active.filter((a) => problem.items[a]!.end! >= step);
    while (k < timed.length && problem.items[timed[k]!]!.start! === step) active.push(timed[k++]!);
    if (timeMode || active.length > 1) {
      const sIdx = sections.length;
      sections.push(active.slice());
      for (const a of active) {
        if (secLo[a] === -1) secLo[a] = sIdx;
        secHi[a] = sIdx;
      }
    }
  }
  // Clique cover for buffers that give only conflicts (and for edges intervals do not explain).
  const covered = new Uint8Array(n);
  for (const s of sections) for (const i of s) covered[i] = 1;
  const byWeight = searched.slice().sort((a, b) => size[b]! - size[a]! || a - b);
  for (const start of byWeight) {
    if (covered[start] === 1) continue;
    const clique = [start];
    let cand = neighbors[start]!.filter((j) => inSearch[j] === 1);
    while (cand.length > 0) {
      let pick = cand[0]!;
      for (const v of cand) if (size[v]! > size[pick]!) pick = v;
      clique.push(pick);
      const nb = neighbors[pick]!;
      cand = cand.filter((v) => v !== pick && binaryHas(nb, v));
    }
    for (const v of clique) covered[v] = 1;
    sections.push(clique);
  }
  const itemSections: number[][] = Array.from({ length: n }, () => []);
  const sectionTotal0 = new Float64Array(sections.length);
  sections.forEach((members, s) => {
    for (const i of members) {
      itemSections[i]!.push(s);
      sectionTotal0[s] = sectionTotal0[s]! + size[i]!;
    }
  });

  // Static preorders: T = largest section total, W = longest lifetime (else most conflicts), A = area.
  const total = new Float64Array(n);
  const width = new Float64Array(n);
  for (const i of searched) {
    let t = size[i]!;
    for (const s of itemSections[i]!) t = Math.max(t, sectionTotal0[s]!);
    total[i] = t;
    const it = problem.items[i]!;
    width[i] = it.start !== undefined && it.end !== undefined ? it.end - it.start + 1 : neighbors[i]!.length;
  }
  const key = (c: string, i: number): number => (c === 'T' ? total[i]! : c === 'W' ? width[i]! : width[i]! * size[i]!);
  const heuristics = ['WAT', 'TAW', 'TWA'];
  const preorders = heuristics.map((h) => sortedByHeuristic(searched, h, key));
  return { searched, size, align, neighbors, sections, itemSections, sectionTotal0, preorders, heuristics, width, timeMode, secLo, secHi };
}

/** A copy of `items` by decreasing key(letter) for each letter of `heuristic` in turn, then by index. */
function sortedByHeuristic(items: readonly number[], heuristic: string, key: (letter: string, i: number) => number): number[] {
  return items.slice().sort((a, b) => {
    for (const c of heuristic) {
      const d = key(c, b) - key(c, a);
      if (d !== 0) return d;
    }
    return a - b;
  });
}

function binaryHas(sorted: readonly number[], v: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = sorted[mid]!;
    if (x === v) return true;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** One decision search at a capacity, with one preorder and a node limit. */
class Search {
  readonly offset: Float64Array;
  readonly minOff: Float64Array;
  readonly floor: Float64Array;
  readonly total: Float64Array;
  readonly rank: Int32Array;
  /** cut[k]: unplaced items spanning sections k and k+1 (time mode only). */
  readonly cut: Int32Array;
  nodes = 0;
  private readonly order: readonly number[];
  // Undo logs: idx >= 0 -> minOff[idx]; idx < 0 -> floor[-idx-1].
  private readonly logIdx: number[] = [];
  private readonly logVal: number[] = [];
  private readonly placedStack: number[] = [];

  constructor(
    private readonly p: Prepared,
    private readonly capacity: number,
    preorder: readonly number[],
    private readonly heuristic: string,
    private readonly rerank: boolean,
    private readonly nodeLimit: number,
    private readonly deadlineMs: number,
  ) {
    const n = p.size.length;
    this.order = preorder;
    this.offset = new Float64Array(n).fill(-1);
    this.minOff = new Float64Array(n);
    this.floor = new Float64Array(p.sections.length);
    this.total = Float64Array.from(p.sectionTotal0);
    this.rank = new Int32Array(n).fill(-1);
    preorder.forEach((i, r) => {
      this.rank[i] = r;
    });
    this.cut = new Int32Array(Math.max(0, p.sections.length - 1));
    if (p.timeMode) {
      for (const i of p.searched) for (let k = p.secLo[i]!; k < p.secHi[i]!; k++) this.cut[k] = this.cut[k]! + 1;
    }
  }

  run(): Outcome {
    for (let s = 0; s < this.total.length; s++) if (this.total[s]! > this.capacity) return 'infeasible';
    if (!this.p.timeMode) return this.node(0, this.total.length - 1, this.order, 0, -1);
    return this.solveParts(0, this.total.length - 1, this.order);
  }

  /** Splits sections lo..hi at uncrossed boundaries and solves each part in turn (time mode). */
  private solveParts(lo: number, hi: number, items: readonly number[]): Outcome {
    const placedMark = this.placedStack.length;
    const logMark = this.logIdx.length;
    let a = lo;
    for (let k = lo; k <= hi; k++) {
      if (k < hi && this.cut[k] !== 0) continue;
      const partItems = items.filter((i) => this.offset[i]! < 0 && this.p.secLo[i]! >= a && this.p.secHi[i]! <= k);
      if (partItems.length > 0) {
        // Re-rank the part by the heuristic with the current section totals (restored afterwards).
        const saved = partItems.map((i) => this.rank[i]!);
        const ordered = this.rerank ? this.reorder(partItems) : partItems.slice().sort((x, y) => this.rank[x]! - this.rank[y]!);
        ordered.forEach((i, r) => {
          this.rank[i] = r;
        });
        const r = this.node(a, k, ordered, 0, -1);
        partItems.forEach((i, x) => {
          this.rank[i] = saved[x]!;
        });
        if (r !== 'found') {
          if (r === 'infeasible') this.undoTo(placedMark, logMark);
          return r;
        }
      }
      a = k + 1;
    }
    return 'found';
  }

  /** `items` sorted by this search's heuristic, T taken from the current section totals. */
  private reorder(items: readonly number[]): number[] {
    const { size, width, secLo, secHi } = this.p;
    const t = new Map<number, number>();
    for (const i of items) {
      let m = 0;
      for (let s = secLo[i]!; s <= secHi[i]!; s++) if (this.total[s]! > m) m = this.total[s]!;
      t.set(i, m);
    }
    const key = (c: string, i: number): number => (c === 'T' ? t.get(i)! : c === 'W' ? width[i]! : width[i]! * size[i]!);
    return sortedByHeuristic(items, this.heuristic, key);
  }

  private node(lo: number, hi: number, items: readonly number[], lastOff: number, lastRank: number): Outcome {
    if (++this.nodes > this.nodeLimit) return 'aborted';
    if ((this.nodes & 511) === 0 && Date.now() >= this.deadlineMs) return 'timeout';
    const { size } = this.p;
    const cands: number[] = [];
    let minHeight = Infinity;
    let remaining = 0;
    for (const i of items) {
      if (this.offset[i]! >= 0) continue;
      remaining++;
      const mo = this.minOff[i]!;
      const h = mo + size[i]!;
      if (h < minHeight) minHeight = h;
      if (mo > lastOff || (mo === lastOff && this.rank[i]! > lastRank)) cands.push(i);
    }
    if (remaining === 0) return 'found';
    // Candidates by (minOffset, rank), through numeric keys (offsets and ranks are small integers).
    const stride = items.length + 1;
    const keys = new Float64Array(cands.length);
    if (this.capacity * stride < 2 ** 52) {
      for (let k = 0; k < cands.length; k++) keys[k] = this.minOff[cands[k]!]! * stride + this.rank[cands[k]!]!;
      keys.sort();
    } else {
      cands.sort((a, b) => this.minOff[a]! - this.minOff[b]! || this.rank[a]! - this.rank[b]!);
      for (let k = 0; k < cands.length; k++) keys[k] = this.rank[cands[k]!]!;
    }
    for (let k = 0; k < keys.length; k++) {
      const i = items[keys[k]! % stride]!;
      const off = this.minOff[i]!;
      if (off >= minHeight) break;
      if (off + size[i]! > this.capacity) continue;
      const placedMark = this.placedStack.length;
      const logMark = this.logIdx.length;
      const split = this.apply(i, off);
      let r: Outcome = 'infeasible';
      if (this.check(lo, hi, off)) {
        r = split ? this.solveParts(lo, hi, items) : this.node(lo, hi, items, off, this.rank[i]!);
      }
      if (r === 'found') return r;
      this.undoTo(placedMark, logMark);
      if (r !== 'infeasible') return r;
    }
    return 'infeasible';
  }

  /** Places i at off, logging every change; true when a section boundary became uncrossed. */
  private apply(i: number, off: number): boolean {
    const { size, align, neighbors, itemSections } = this.p;
    this.offset[i] = off;
    this.placedStack.push(i);
    const top = off + size[i]!;
    for (const j of neighbors[i]!) {
      if (this.offset[j]! >= 0 || this.minOff[j]! >= top) continue;
      const v = alignUp(top, align[j]!);
      if (v <= this.minOff[j]!) continue;
      this.logIdx.push(j);
      this.logVal.push(this.minOff[j]!);
      this.minOff[j] = v;
    }
    for (const s of itemSections[i]!) {
      this.total[s] = this.total[s]! - size[i]!;
      if (this.floor[s]! < top) {
        this.logIdx.push(-s - 1);
        this.logVal.push(this.floor[s]!);
        this.floor[s] = top;
      }
    }
    let split = false;
    if (this.p.timeMode) {
      for (let k = this.p.secLo[i]!; k < this.p.secHi[i]!; k++) {
        const c = this.cut[k]! - 1;
        this.cut[k] = c;
        if (c === 0) split = true;
      }
    }
    return split;
  }

  /** Undoes every placement and change made after the marks. */
  private undoTo(placedMark: number, logMark: number): void {
    const { size, itemSections } = this.p;
    for (let k = this.logIdx.length - 1; k >= logMark; k--) {
      const idx = this.logIdx[k]!;
      if (idx >= 0) this.minOff[idx] = this.logVal[k]!;
      else this.floor[-idx - 1] = this.logVal[k]!;
    }
    this.logIdx.length = logMark;
    this.logVal.length = logMark;
    for (let k = this.placedStack.length - 1; k >= placedMark; k--) {
      const i = this.placedStack[k]!;
      for (const s of itemSections[i]!) this.total[s] = this.total[s]! + size[i]!;
      if (this.p.timeMode) for (let c = this.p.secLo[i]!; c < this.p.secHi[i]!; c++) this.cut[c] = this.cut[c]! + 1;
      this.offset[i] = -1;
    }
    this.placedStack.length = placedMark;
  }

  /**
   * Section inference: the unplaced members of each section stack above max(floor, lastOff) and
   * above the smallest minOffset among them, so both plus their bytes must fit the capacity.
   */
  private check(lo: number, hi: number, lastOff: number): boolean {
    const cap = this.capacity;
    const floor = this.floor;
    const total = this.total;
    const sections = this.p.sections;
    const offset = this.offset;
    const minOff = this.minOff;
    for (let s = lo; s <= hi; s++) {
      const t = total[s]!;
      if (t === 0) continue;
      const f = floor[s]!;
      if ((f > lastOff ? f : lastOff) + t > cap) return false;
      // Some unplaced member must be able to start at or below cap - t.
      const need = cap - t;
      let ok = false;
      for (const j of sections[s]!) {
        if (offset[j]! < 0 && minOff[j]! <= need) {
          ok = true;
          break;
        }
      }
      if (!ok) return false;
    }
    return true;
  }
}

/**
 * Decides whether the searched items fit in `capacity`: round robin over the preorder variants
 * with doubling node limits, within `maxNodes` nodes and the deadline.
 */
function decide(
  p: Prepared,
  capacity: number,
  deadlineMs: number,
  maxNodes: number,
): { outcome: Outcome; nodes: number; offsets?: Float64Array } {
  const n = Math.max(1, p.searched.length);
  let limit = n;
  let spent = 0;
  for (;;) {
    limit *= 2;
    for (let v = 0; v < 2 * p.preorders.length; v++) {
      const h = v >> 1;
      const rerank = p.timeMode && (v & 1) === 0;
      if ((v & 1) === 1 && !p.timeMode) continue;
      const pre = p.preorders[h]!;
      const budget = Math.min(limit, maxNodes - spent);
      if (budget <= 0) return { outcome: 'aborted', nodes: spent };
      const s = new Search(p, capacity, pre, p.heuristics[h]!, rerank, budget, deadlineMs);
      const r = s.run();
      spent += Math.min(s.nodes, budget);
      if (r === 'found') return { outcome: r, nodes: spent, offsets: s.offset };
      if (r === 'infeasible' || r === 'timeout') return { outcome: r, nodes: spent };
      if (Date.now() >= deadlineMs) return { outcome: 'timeout', nodes: spent };
    }
  }
}

interface Best {
  offsets: number[];
  used: number;
}

function fromSearch(problem: PackProblem, p: Prepared, offs: Float64Array): Best {
  const offsets = new Array<number>(problem.items.length).fill(0);
  for (const i of p.searched) offsets[i] = offs[i]!;
  return { offsets, used: usedBytesOf(problem, offsets) };
}

function incumbentOf(problem: PackProblem, context: PackContext): Best {
  const n = problem.items.length;
  if (context.incumbentOffsets !== undefined && context.incumbentOffsets.length === n) {
    const offsets = context.incumbentOffsets.slice();
    return { offsets, used: usedBytesOf(problem, offsets) };
  }
  let best: Best | undefined;
  for (const cmp of [bySizeDesc(problem), byBreadth(problem), byLifetime(problem)]) {
    const pl = placeFirstFit(problem, sortedOrder(problem, cmp));
    if (best === undefined || pl.usedBytes < best.used) best = { offsets: pl.offsets, used: pl.usedBytes };
  }
  return best!;
}

/** The exact strategy (see the file comment). */
export function exactSearch(problem: PackProblem, context: PackContext): PackResult {
  // Overlay groups: a search whose candidates cover them (planner/exact-zones.ts).
  if (problem.zones !== undefined) return exactZonesSearch(problem, problem.zones, context);
  const n = problem.items.length;
  if (n === 0) return { offsets: [], usedBytes: 0, optimal: true };
  let best = incumbentOf(problem, context);
  let lb = problem.lowerBoundBytes;
  for (const it of problem.items) lb = Math.max(lb, it.sizeBytes);
  const done = (optimal: boolean, infeasible = false): PackResult => ({
    offsets: best.offsets,
    usedBytes: best.used,
    optimal: optimal || best.used <= problem.lowerBoundBytes,
    ...(infeasible ? { infeasible: true } : {}),
  });
  if (best.used <= lb) return done(true);
  let toSearch = 0;
  problem.items.forEach((it, i) => {
    if (it.sizeBytes > 0 && problem.neighbors[i]!.length > 0) toSearch++;
  });
  if (toSearch > EXACT_MAX_ITEMS) return done(false);
  const p = prepare(problem);
  const deadline = context.deadlineMs;
  const budget = nodeBudgetOf(context);
  let spent = 0;
  /** Takes a packing the search found as the new best, and reports progress. */
  const adopt = (offsets: Float64Array): void => {
    best = fromSearch(problem, p, offsets);
    context.onProgress?.({ phase: 'exact', bestBytes: best.used, lowerBoundBytes: problem.lowerBoundBytes });
  };
  const cap = problem.capacityBytes;

  // 1. Fit the capacity when the incumbent does not.
  if (cap !== null && best.used > cap) {
    if (cap < lb) return done(false, true);
    const r = decide(p, cap, deadline, budget - spent);
    spent += r.nodes;
    if (r.outcome === 'infeasible') return done(false, true);
    if (r.outcome !== 'found') return done(false);
    adopt(r.offsets!);
  }
  // 2. The lower bound itself, with a small budget (it is often reachable, e.g. Glow's models).
  let knownBelow = lb; // every packing uses at least this
  if (best.used > lb) {
    const r = decide(p, lb, deadline, Math.min(200_000 + 200 * p.searched.length, Math.floor((budget - spent) / 4)));
    spent += r.nodes;
    if (r.outcome === 'found') {
      adopt(r.offsets!);
      return done(true);
    }
    if (r.outcome === 'infeasible') knownBelow = lb + 1;
  }
  // 3. Tighten: ask for a packing strictly below the best one.
  while (best.used > knownBelow) {
    if (Date.now() >= deadline) return done(false);
    const r = decide(p, best.used - 1, deadline, budget - spent);
    spent += r.nodes;
    if (r.outcome === 'found') {
      adopt(r.offsets!);
      continue;
    }
    if (r.outcome === 'infeasible') return done(true);
    return done(false);
  }
  return done(true);
}

export const exactPack: PackStrategy = (problem, context) => exactSearch(problem, context);
