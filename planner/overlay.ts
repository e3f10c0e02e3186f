/**
 * Overlay groups (BufferInfo.overlay): a target buffer X and the buffers that overlay it, each at a
 * fixed distance r from X. planMemory collapses each group into one unit that every step of the
 * pipeline (pool choice, placement, spill, put-back) handles as a single buffer; singletons are
 * units of one buffer and behave exactly as before.
 *
 * Layout of a unit in pool k. Let A be the largest effective alignment of its members in k (X's
 * offset must be a multiple of every member's alignment, since each r is a multiple of both
 * alignments of its pair: so of A), and base = the lowest r (or 0), rounded down to a multiple of
 * A. The unit's offset O is X's offset plus base, a multiple of A and >= 0 exactly when every
 * member's offset is; member m sits at O + d(m), d(m) = r(m) - base; the unit's size is the top of
 * its members, max(d(m) + size(m)), so that usedBytes stays max(offset + size).
 *
 * Zones. Two units conflict when any pair of their members conflicts, the exempt overlay–target
 * pairs excepted. Member m of unit u at O_u + d(m) and member m' of v at O_v + d(m') overlap exactly
 * when O_u - O_v lies in [d(m') - d(m) - size(m) + 1, d(m') + size(m') - d(m)): the union of those
 * ranges over the conflicting member pairs is the pair's forbidden zones (PackProblem.zones), exact
 * even when a neighbor fits in a gap between members.
 */
import type { ConflictGraph } from './conflict-graph.js';
import { PlannerError } from './errors.js';
import { liveSumBound, cliqueBound, type SizedInterval } from './lower-bound.js';
import type { LivePiece, PackItem, Zone } from './problem.js';
import type { BufferInfo, Pool } from './types.js';

export interface OverlayUnits {
  /** The buffers as given to planMemory. */
  readonly original: readonly BufferInfo[];
  /** unitOf[g]: the unit of buffer g. */
  readonly unitOf: readonly number[];
  /** memberIndex[g]: the position of buffer g in members[unitOf[g]]. */
  readonly memberIndex: readonly number[];
  /** members[u]: buffer indices of unit u, its target first, then its overlays in input order. */
  readonly members: readonly (readonly number[])[];
  /** rel[g]: the offset of buffer g relative to its unit's target (0 for the target). */
  readonly rel: readonly number[];
  /** The units as buffers: a singleton is its own BufferInfo; a group a synthetic one (see groupBuffer). */
  readonly buffers: readonly BufferInfo[];
  /** The unit-level conflict graph. */
  readonly graph: ConflictGraph;
  /** The buffer-level conflict graph without the exempt overlay–target pairs (ascending lists). */
  readonly memberNeighbors: readonly (readonly number[])[];
  /** pieces[u]: live bytes by step of group u (undefined for singletons and untimed groups). */
  readonly pieces: readonly (readonly LivePiece[] | undefined)[];
}

/** A unit's layout in one pool. */
export interface UnitLayout {
  readonly alignmentBytes: number;
  readonly sizeBytes: number;
  /** d[x]: the offset of members[u][x] above the unit's offset. */
  readonly d: readonly number[];
}

/** True when some buffer overlays another. */
export function hasOverlays(buffers: readonly BufferInfo[]): boolean {
  return buffers.some((b) => b.overlay !== undefined);
}

/**
 * Builds the units of a validated buffer list (planner/validate.ts) and its buffer-level conflict
 * graph. Throws PlannerError invalid-input when two members of one group conflict (they are not an
 * overlay–target pair) yet their fixed places overlap: no placement could separate them.
 */
export function buildOverlayUnits(buffers: readonly BufferInfo[], pools: readonly Pool[], graph: ConflictGraph): OverlayUnits {
  const n = buffers.length;
  const index = new Map<string, number>();
  buffers.forEach((b, g) => index.set(b.name, g));
  const targetOf = buffers.map((b, g) => (b.overlay === undefined ? g : index.get(b.overlay.buffer)!));
  const rel = buffers.map((b) => b.overlay?.offsetBytes ?? 0);
  const unitOfTarget = new Map<number, number>();
  const members: number[][] = [];
  const unitOf = new Array<number>(n).fill(-1);
  for (let g = 0; g < n; g++) {
    const t = targetOf[g]!;
    let u = unitOfTarget.get(t);
    if (u === undefined) {
      u = members.length;
      unitOfTarget.set(t, u);
      members.push([t]);
    }
    unitOf[g] = u;
    if (g !== t) members[u]!.push(g);
  }
  for (let u = 0; u < members.length; u++) unitOf[members[u]![0]!] = u;
  const memberIndex = new Array<number>(n).fill(0);
  members.forEach((list) => list.forEach((g, x) => (memberIndex[g] = x)));

  // Exempt pairs: an overlay and its target.
  const exempt = (g: number, h: number): boolean => (targetOf[g] === h && g !== h) || (targetOf[h] === g && g !== h);
  const memberNeighbors = graph.neighbors.map((list, g) => list.filter((h) => !exempt(g, h)));

  const unitNeighbors: number[][] = members.map(() => []);
  for (let g = 0; g < n; g++) {
    const u = unitOf[g]!;
    for (const h of memberNeighbors[g]!) {
      const v = unitOf[h]!;
      if (v !== u) {
        unitNeighbors[u]!.push(v);
        continue;
      }
      if (h < g) continue;
      const sg = buffers[g]!.sizeBytes;
      const sh = buffers[h]!.sizeBytes;
      if (sg > 0 && sh > 0 && rel[g]! < rel[h]! + sh && rel[h]! < rel[g]! + sg) {
        throw new PlannerError(
          'invalid-input',
          `buffers '${buffers[g]!.name}' and '${buffers[h]!.name}' conflict but their overlays of '${buffers[members[u]![0]!]!.name}' make them overlap`,
          { buffer: buffers[h]!.name },
        );
      }
    }
  }
  for (const list of unitNeighbors) {
    list.sort((a, b) => a - b);
    let w = 0;
    for (let r = 0; r < list.length; r++) if (w === 0 || list[r] !== list[w - 1]) list[w++] = list[r]!;
    list.length = w;
  }

  const pieces = members.map((list) => (list.length > 1 ? livePieces(list.map((g) => buffers[g]!), list.map((g) => rel[g]!)) : undefined));
  const unitBuffers = members.map((list) => (list.length === 1 ? buffers[list[0]!]! : groupBuffer(buffers, pools, list, rel)));
  return {
    original: buffers,
    unitOf,
    memberIndex,
    members,
    rel,
    buffers: unitBuffers,
    // Pools without a group keep packLowerBound, on the same edges as the buffers'.
    graph: { neighbors: unitNeighbors, hasExplicitEdges: graph.hasExplicitEdges },
    memberNeighbors,
    pieces,
  };
}

/**
 * The synthetic buffer of a group: the target's name and candidates, the members' common interval
 * hull, the size of its layout without alignment, and the members' summed cost in each pool.
 */
function groupBuffer(buffers: readonly BufferInfo[], pools: readonly Pool[], list: readonly number[], rel: readonly number[]): BufferInfo {
  const target = buffers[list[0]!]!;
  const timed = list.every((g) => buffers[g]!.start !== undefined && buffers[g]!.end !== undefined);
  let lo = 0;
  let hi = 0;
  for (const g of list) {
    lo = Math.min(lo, rel[g]!);
    hi = Math.max(hi, rel[g]! + buffers[g]!.sizeBytes);
  }
  const candidates = target.poolCandidates ?? pools.map((p) => p.name);
  const first = candidates[0]!;
  const cost: Record<string, number> = {};
  for (const p of candidates) {
    let c = 0;
    for (const g of list) {
      const b = buffers[g]!;
      c += b.spillCostByPool?.[p] ?? (p === first ? 0 : b.sizeBytes);
    }
    cost[p] = c;
  }
  return {
    name: target.name,
    sizeBytes: hi - lo,
    ...(timed
      ? { start: Math.min(...list.map((g) => buffers[g]!.start!)), end: Math.max(...list.map((g) => buffers[g]!.end!)) }
      : { conflicts: [] }),
    poolCandidates: candidates,
    spillCostByPool: cost,
    kind: 'overlay-group',
  };
}

/**
 * Live bytes by step of a group whose members all have intervals: between consecutive interval
 * boundaries, the length of the union of the ranges of the members live there. Undefined when a
 * member has no interval.
 */
export function livePieces(members: readonly BufferInfo[], rel: readonly number[]): LivePiece[] | undefined {
  if (!members.every((b) => b.start !== undefined && b.end !== undefined)) return undefined;
  const points = [...new Set(members.flatMap((b) => [b.start!, b.end! + 1]))].sort((a, b) => a - b);
  const out: LivePiece[] = [];
  for (let s = 0; s + 1 < points.length; s++) {
    const a = points[s]!;
    const ranges: [number, number][] = [];
    members.forEach((b, x) => {
      if (b.sizeBytes > 0 && b.start! <= a && a <= b.end!) ranges.push([rel[x]!, rel[x]! + b.sizeBytes]);
    });
    const bytes = unionLength(ranges);
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.end === a - 1 && prev.bytes === bytes) out[out.length - 1] = { ...prev, end: points[s + 1]! - 1 };
    else if (bytes > 0) out.push({ start: a, end: points[s + 1]! - 1, bytes });
  }
  return out;
}

/** Bytes of the union of half-open ranges [lo, hi) (sorts `ranges` in place). */
export function unionLength(ranges: [number, number][]): number {
  ranges.sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur = -Infinity;
  for (const [lo, hi] of ranges) {
    const from = Math.max(lo, cur);
    if (hi > from) total += hi - from;
    cur = Math.max(cur, hi);
  }
  return total;
}

/** The layout of unit u in pool k (see the file comment). */
export function unitLayout(ov: OverlayUnits, pool: Pool, u: number): UnitLayout {
  const list = ov.members[u]!;
  let align = 1;
  let minRel = 0;
  for (const g of list) {
    align = Math.max(align, ov.original[g]!.alignmentBytes ?? pool.alignmentBytes ?? 1);
    minRel = Math.min(minRel, ov.rel[g]!);
  }
  const base = Math.floor(minRel / align) * align;
  const d = list.map((g) => ov.rel[g]! - base);
  let size = 0;
  list.forEach((g, x) => {
    size = Math.max(size, d[x]! + ov.original[g]!.sizeBytes);
  });
  return { alignmentBytes: align, sizeBytes: size, d };
}

/**
 * The zones of unit u against each unit in `others` (a map unit -> anything), in pool layouts
 * `layouts` (indexed by unit): for δ = O_u - O_v, sorted and merged.
 */
export function zonesOfUnit(ov: OverlayUnits, layouts: readonly (UnitLayout | undefined)[], u: number): Map<number, Zone[]> {
  const byUnit = new Map<number, [number, number][]>();
  const lu = layouts[u]!;
  ov.members[u]!.forEach((g, x) => {
    const sg = ov.original[g]!.sizeBytes;
    if (sg === 0) return;
    const dg = lu.d[x]!;
    for (const h of ov.memberNeighbors[g]!) {
      const v = ov.unitOf[h]!;
      if (v === u) continue;
      const lv = layouts[v];
      if (lv === undefined) continue;
      const sh = ov.original[h]!.sizeBytes;
      if (sh === 0) continue;
      const dh = lv.d[ov.memberIndex[h]!]!;
      let list = byUnit.get(v);
      if (list === undefined) byUnit.set(v, (list = []));
      list.push([dh - dg - sg + 1, dh + sh - dg]);
    }
  });
  const out = new Map<number, Zone[]>();
  for (const [v, list] of byUnit) out.set(v, mergeZones(list));
  return out;
}

/** Sorts and merges overlapping or adjacent half-open ranges. */
export function mergeZones(list: [number, number][]): Zone[] {
  list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [lo, hi] of list) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** True when `delta` lies in one of the (sorted) zones. */
export function inZones(zones: readonly Zone[], delta: number): boolean {
  for (const [lo, hi] of zones) {
    if (delta < lo) return false;
    if (delta < hi) return true;
  }
  return false;
}

/**
 * The lowest multiple of `alignment` at or above `from` (>= 0) that lies in none of the forbidden
 * ranges [lo, hi) (absolute offsets, any order).
 */
export function lowestAllowed(forbidden: [number, number][], alignment: number, from = 0): number {
  forbidden.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = alignUpTo(Math.max(0, from), alignment);
  for (const [lo, hi] of forbidden) {
    if (at < lo) break;
    if (hi > at) at = alignUpTo(hi, alignment);
  }
  return at;
}

function alignUpTo(value: number, alignment: number): number {
  if (alignment <= 1) return value;
  const r = ((value % alignment) + alignment) % alignment;
  return r === 0 ? value : value + alignment - r;
}

/**
 * A valid lower bound of a pool holding overlay groups: the larger of the live-sum bound over the
 * items' live pieces (a group counts the union of its members live at a step, not their sum: its
 * members may overlap) and a clique bound over the members (exempt pairs removed, so every clique
 * found is one of pairwise conflicting blocks that must be stacked).
 */
export function overlayLowerBound(ov: OverlayUnits, items: readonly PackItem[], unitIndex: readonly number[]): number {
  const timed: SizedInterval[] = [];
  for (const it of items) {
    if (it.pieces !== undefined) for (const p of it.pieces) timed.push({ sizeBytes: p.bytes, start: p.start, end: p.end });
    else if (it.start !== undefined && it.end !== undefined && ov.members[unitIndex[it.index]!]!.length === 1) timed.push(it);
  }
  const live = liveSumBound(timed).bytes;
  const memberList: number[] = [];
  for (const u of unitIndex) for (const g of ov.members[u]!) memberList.push(g);
  memberList.sort((a, b) => a - b);
  const local = new Map<number, number>();
  memberList.forEach((g, l) => local.set(g, l));
  const neighbors = memberList.map((g) => {
    const out: number[] = [];
    for (const h of ov.memberNeighbors[g]!) {
      const l = local.get(h);
      if (l !== undefined) out.push(l);
    }
    return out.sort((a, b) => a - b);
  });
  return Math.max(live, cliqueBound(memberList.map((g) => ov.original[g]!.sizeBytes), neighbors));
}
