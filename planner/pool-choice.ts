/**
 * Which pools each buffer may go to, and what a move costs. Buffers and pools are referred to by
 * their index in the planMemory input; a pool assignment is `choice[i]`, an index into buffer i's
 * candidate list (at or past its end: the buffer is unplaced).
 */
import type { BufferInfo, Pool } from './types.js';
import { unitLayout, type OverlayUnits, type UnitLayout } from './overlay.js';

export interface PoolChoices {
  readonly buffers: readonly BufferInfo[];
  readonly pools: readonly Pool[];
  /**
   * candidates[i]: the pool indices buffer i may use, in order of preference, without the bounded
   * pools too small to hold it alone.
   */
  readonly candidates: readonly (readonly number[])[];
  /** firstChoice[i]: the index of buffer i's first listed pool (even when too small for it). */
  readonly firstChoice: readonly number[];
  /**
   * Present when some buffer overlays another: `buffers` are then the units of planner/overlay.ts
   * (one per group or ordinary buffer), and layouts[i][k] is unit i's layout in pool k.
   */
  readonly overlay?: {
    readonly units: OverlayUnits;
    readonly layouts: readonly (readonly UnitLayout[])[];
  };
}

/** The candidate pools of every buffer (input validated: every named pool exists). */
export function poolChoices(buffers: readonly BufferInfo[], pools: readonly Pool[], units?: OverlayUnits): PoolChoices {
  const poolIndex = new Map<string, number>();
  pools.forEach((p, k) => poolIndex.set(p.name, k));
  const unitBuffers = units?.buffers ?? buffers;
  const layouts = units === undefined ? undefined : unitBuffers.map((_, i) => pools.map((p) => unitLayout(units, p, i)));
  const candidates = unitBuffers.map((b, i) => {
    const names = b.poolCandidates ?? pools.map((p) => p.name);
    return names.map((name) => poolIndex.get(name)!).filter((k) => {
      const cap = pools[k]!.sizeBytes;
      return cap === null || (layouts?.[i]![k]!.sizeBytes ?? b.sizeBytes) <= cap;
    });
  });
  const firstChoice = unitBuffers.map((b) => poolIndex.get((b.poolCandidates ?? [pools[0]!.name])[0]!)!);
  return {
    buffers: unitBuffers,
    pools,
    candidates,
    firstChoice,
    ...(units !== undefined && layouts !== undefined ? { overlay: { units, layouts } } : {}),
  };
}

/** The size of buffer (or unit) i in pool k: its layout's size for overlay units. */
export function sizeIn(pc: PoolChoices, i: number, k: number): number {
  return pc.overlay?.layouts[i]![k]!.sizeBytes ?? pc.buffers[i]!.sizeBytes;
}

/** The pool buffer i is assigned to under `choice`; -1 when it is unplaced. */
export function poolOf(pc: PoolChoices, choice: readonly number[], i: number): number {
  return pc.candidates[i]![choice[i]!] ?? -1;
}

/** The alignment of buffer i in pool k: its own, else the pool's, else 1. */
export function alignmentIn(pc: PoolChoices, i: number, k: number): number {
  const layout = pc.overlay?.layouts[i]![k];
  if (layout !== undefined) return layout.alignmentBytes;
  return pc.buffers[i]!.alignmentBytes ?? pc.pools[k]!.alignmentBytes ?? 1;
}

/** The cost of buffer i in pool k: its spillCostByPool entry, else 0 in its first pool and its size elsewhere. */
export function costIn(pc: PoolChoices, i: number, k: number): number {
  const b = pc.buffers[i]!;
  return b.spillCostByPool?.[pc.pools[k]!.name] ?? (k === pc.firstChoice[i] ? 0 : b.sizeBytes);
}

/** The cost of moving buffer i from its pool to its next candidate (Infinity: it would become unplaced). */
export function moveCost(pc: PoolChoices, choice: readonly number[], i: number): number {
  const next = pc.candidates[i]![choice[i]! + 1];
  if (next === undefined) return Infinity;
  return Math.max(0, costIn(pc, i, next) - costIn(pc, i, poolOf(pc, choice, i)));
}

/** The members of pool k under `choice`: buffer indices, ascending. */
export function membersOf(pc: PoolChoices, choice: readonly number[], k: number): number[] {
  const members: number[] = [];
  for (let i = 0; i < pc.buffers.length; i++) if (poolOf(pc, choice, i) === k) members.push(i);
  return members;
}
