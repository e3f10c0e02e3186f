/**
 * Tile choice for one layer under an SRAM budget. Enumerates tile sizes of the family's splits,
 * prices each (SRAM footprint, DMA bytes, estimated cycles) and picks the cheapest that fits:
 * the fewest estimated cycles (the default target gives costs), then the fewest DMA bytes, then the
 * smallest footprint. Pure arithmetic: no IR is built here (lower-layer.ts does that).
 */
import type { Follow, OperandSpec, SplitDim, TilingFamily } from './templates/family.js';
import type { TargetSpec } from './target.js';

export interface TilingContext {
  readonly family: TilingFamily;
  /** True when the tensor lives in SRAM for the whole layer (no tile needed). */
  readonly isResident: (tensor: string) => boolean;
  /** Bytes per element of a tensor (after --dtype). */
  readonly elementBytes: (tensor: string) => number;
  readonly target: TargetSpec;
  /** Cores available to this layer. */
  readonly cores: number;
  readonly doubleBuffer: boolean;
  /** Per-core local memory capacity, when the target has one (per-core tiles then go there). */
  readonly localBytes: number | null;
}

/** One operand window of a chosen tiling. */
export interface WindowPlan {
  readonly tensor: string;
  readonly role: 'in' | 'out';
  /** Loop depth of its DMA: -1 = loaded once before the loops; i = inside loop i. */
  readonly depth: number;
  /** Shape of the largest window (one copy). */
  readonly shape: readonly number[];
  readonly bytes: number;
  readonly copies: number;
  readonly perCore: boolean;
  /** Executions of its DMA and total bytes moved (exact, clamped windows). */
  readonly executions: number;
  readonly totalBytes: number;
  /** The follows per loop (aligned with TilingOption.loops). */
  readonly follows: readonly (Follow | undefined)[];
  /**
   * The output's accumulator tile of a reduction split: float32 partial sums of one output window
   * (4 bytes an element), in SRAM across the reduction loop, moved to the output's home once after
   * the last slice (an SRAM-to-SRAM copy when the output is resident).
   */
  readonly accumulator?: boolean;
}

export interface LoopPlan {
  readonly dim: number;
  readonly loopVar: string;
  readonly tileSize: number;
  readonly iterations: number;
  /** Index into family.splits. */
  readonly split: number;
  /** A reduction loop (input channels / K): the innermost loop, accumulating into the output's accumulator tile. */
  readonly reduction?: boolean;
}

/** The figures the choice compares, for any tiling. */
export interface TilingFigures {
  /** Tile size per split (family.splits order). */
  readonly sizes: readonly number[];
  readonly doubleBuffered: boolean;
  readonly sramBytes: number;
  /** Per-core bytes in local memory (0 without local memory). */
  readonly localBytes: number;
  /** dmaInBytes + dmaOutBytes. */
  readonly dmaBytes: number;
  readonly cycles: number;
  readonly tileCount: number;
  /** SRAM bytes of accumulator tiles (part of sramBytes or localBytes; 0 without a reduction split). */
  readonly accumulatorBytes: number;
}

/** A tiling in full: its loops and windows, as lower-layer.ts needs them. */
export interface TilingOption extends TilingFigures {
  /** Loops that iterate more than once, outermost first. */
  readonly loops: readonly LoopPlan[];
  readonly coresUsed: number;
  /** Windows of operands that are not resident (each needs a tile buffer). */
  readonly windows: readonly WindowPlan[];
  readonly dmaInBytes: number;
  readonly dmaOutBytes: number;
  readonly cyclesSingleBuffered: number;
}

/** Cycles per tile for the loop, the kernel call and programming its DMA descriptors. */
const LOOP_OVERHEAD_CYCLES = 100;

/** Distinct tile sizes for a dimension: multiples of the quantum, from whole down to one quantum. */
export function tileSizes(extent: number, quantum: number): number[] {
  const units = Math.ceil(extent / quantum);
  const set = new Set<number>();
  for (let k = 1; k <= units; k++) set.add(Math.min(extent, quantum * Math.ceil(units / k)));
  return [...set].sort((a, b) => b - a);
}

/** Elements of the window along a follow for tile i (clamped to the tensor). */
function clampedExtent(f: Follow, t: number, i: number): number {
  const start = i * f.stride(t) + f.offset;
  const end = start + f.extent(t);
  return Math.max(0, Math.min(f.limit, end) - Math.max(0, start));
}

/** Sum of clampedExtent over iterations 0..n-1: interior windows in closed form, the clamped ends one by one. */
export function sumClamped(f: Follow, t: number, iterations: number): number {
  const st = f.stride(t);
  const e = f.extent(t);
  if (st <= 0) {
    let s = 0;
    for (let i = 0; i < iterations; i++) s += clampedExtent(f, t, i);
    return s;
  }
  const first = f.offset < 0 ? Math.ceil(-f.offset / st) : 0; // first i whose window starts inside
  const last = Math.floor((f.limit - f.offset - e) / st); // last i whose window ends inside
  const lo = Math.min(iterations, Math.max(0, first));
  const hi = Math.min(iterations - 1, last);
  let s = 0;
  if (hi >= lo) {
    s += (hi - lo + 1) * e;
    for (let i = 0; i < lo; i++) s += clampedExtent(f, t, i);
    for (let i = Math.max(hi + 1, lo); i < iterations; i++) s += clampedExtent(f, t, i);
  } else {
    for (let i = 0; i < iterations; i++) s += clampedExtent(f, t, i);
  }
  return s;
}

/** Core counts a layer may use: all of them, then halving down to one (per-core copies cost SRAM). */
export function coreChoices(cores: number): number[] {
  const out: number[] = [];
  for (let c = cores; c >= 1; c = c === 1 ? 0 : Math.ceil(c / 2)) if (!out.includes(c)) out.push(c);
  return out;
}

/**
 * A split priced only when no tiling that keeps it whole fits: a reduction split, or a last-resort
 * output split (SplitDim.lastResort).
 */
function deferred(s: SplitDim): boolean {
  return s.reduction === true || s.lastResort === true;
}

/**
 * Every option (feasible or not) of a family on every core count: the exhaustive reference. Options
 * that split a reduction or a last-resort split come after the others (the choice takes one only when
 * none of the others fits).
 */
export function enumerateOptions(ctx: TilingContext): TilingOption[] {
  return (['output', 'reduction'] as const).flatMap((phase) =>
    coreChoices(ctx.cores).flatMap((cores) => {
      const c = { ...ctx, cores };
      return candidates(c, phase).map(({ sizes, doubleBuffer }) => measure(c, streamedOperands(c), sizes, doubleBuffer, true));
    }),
  );
}

/** True when the tiling splits a reduction (its reduction split has more than one tile). */
export function splitsReduction(family: TilingFamily, sizes: readonly number[]): boolean {
  return family.splits.some((s, i) => s.reduction === true && sizes[i]! < s.extent);
}

/** True when the tiling splits a reduction or a last-resort split (what only the second phase prices). */
export function splitsDeferred(family: TilingFamily, sizes: readonly number[]): boolean {
  return family.splits.some((s, i) => deferred(s) && sizes[i]! < s.extent);
}

/**
 * The tilings worth pricing: one whole tile when nothing streams on one core, else every combination
 * of tile sizes, single and (when allowed and there is a loop to pipeline) double buffered. Phase
 * 'output' keeps every reduction (and last-resort split) whole; phase 'reduction' lists only the
 * tilings that split one.
 */
function candidates(ctx: TilingContext, phase: 'output' | 'reduction' = 'output'): { sizes: number[]; doubleBuffer: boolean }[] {
  const fam = ctx.family;
  const hasReduction = fam.splits.some(deferred);
  if (phase === 'reduction' && !hasReduction) return [];
  if (phase === 'output' && streamedOperands(ctx).length === 0 && ctx.cores <= 1) return [{ sizes: fam.splits.map((s) => s.extent), doubleBuffer: false }];
  const out: { sizes: number[]; doubleBuffer: boolean }[] = [];
  const lists = fam.splits.map((s) => {
    if (!deferred(s)) return tileSizes(s.extent, s.quantum);
    return phase === 'output' ? [s.extent] : tileSizes(s.extent, s.quantum).filter((t) => t < s.extent);
  });
  for (const sizes of cartesian(lists)) {
    out.push({ sizes, doubleBuffer: false });
    // Double buffering needs a loop: some split with more than one tile.
    if (ctx.doubleBuffer && fam.splits.some((s, i) => sizes[i]! < s.extent)) out.push({ sizes, doubleBuffer: true });
  }
  return out;
}

function cartesian(lists: readonly (readonly number[])[]): number[][] {
  let acc: number[][] = [[]];
  for (const l of lists) acc = acc.flatMap((prefix) => l.map((v) => [...prefix, v]));
  return acc;
}

/** Prices one given tiling (tile size per split; a split left out is whole) of the context's layer. */
export function priceTiling(ctx: TilingContext, sizes: readonly number[], doubleBuffer: boolean): TilingOption {
  return measure(ctx, streamedOperands(ctx), ctx.family.splits.map((s, i) => sizes[i] ?? s.extent), doubleBuffer, true);
}

/**
 * Measures a tiling: loops, windows of the streamed operands, SRAM footprint, exact DMA bytes (clamped
 * windows) and estimated cycles. With `detail` false it builds no arrays (the choice calls it for
 * every candidate); with `detail` true it also returns the loops and windows.
 *
 * Cycles: per tile, compute = macs / macsPerCycle, DMA = setup + bytes / bytesPerCycle for each window
 * moved in the innermost loop (the DMA engine's channels are shared by the cores); double buffered, the
 * larger of the two per tile plus the first tile's transfer, else their sum; windows moved in outer
 * loops or before them add their DMA time; each tile costs a fixed loop overhead.
 */
function measure(ctx: TilingContext, streamed: readonly { o: OperandSpec; role: 'in' | 'out' }[], sizes: readonly number[], doubleBuffer: boolean, detail: false): TilingFigures;
function measure(ctx: TilingContext, streamed: readonly { o: OperandSpec; role: 'in' | 'out' }[], sizes: readonly number[], doubleBuffer: boolean, detail: true): TilingOption;
function measure(
  ctx: TilingContext,
  streamed: readonly { o: OperandSpec; role: 'in' | 'out' }[],
  sizes: readonly number[],
  doubleBuffer: boolean,
  detail: boolean,
): TilingFigures | TilingOption {
  const fam = ctx.family;
  const t = ctx.target;
  // Loops: the splits with more than one tile, outermost first (as split indices).
  const loopSplits: number[] = [];
  let tileCount = 1;
  fam.splits.forEach((s, i) => {
    const it = Math.ceil(s.extent / sizes[i]!);
    if (it > 1) {
      loopSplits.push(i);
      tileCount *= it;
    }
  });
  const L = loopSplits.length;
  const iterationsOf = (l: number) => Math.ceil(fam.splits[loopSplits[l]!]!.extent / sizes[loopSplits[l]!]!);
  // A reduction loop is innermost (its split is the family's last); its slices accumulate into one
  // accumulator tile, so it never runs in parallel, and the output moves after it, one loop out.
  const reductionLoop = L > 0 && fam.splits[loopSplits[L - 1]!]!.reduction === true;
  const outDepth = reductionLoop ? L - 2 : L - 1;
  const coresUsed = L > 0 && !(reductionLoop && L === 1) ? Math.min(ctx.cores, iterationsOf(0)) : 1;
  const pipelined = doubleBuffer && L > 0;
  const contention = coresUsed / Math.min(coresUsed, t.dma.channels);
  let sramBytes = 0;
  let localBytes = 0;
  let dmaInBytes = 0;
  let dmaOutBytes = 0;
  let innerDma = 0;
  let outerCycles = 0;
  let accumulatorBytes = 0;
  const windows: WindowPlan[] = [];
  // With a reduction loop every output gets an accumulator tile, resident or not.
  const operands = reductionLoop
    ? [...streamed, ...fam.outputs.filter((o) => !streamed.some((s) => s.o === o)).map((o) => ({ o, role: 'out' as const }))]
    : streamed;
  for (const { o, role } of operands) {
    const accumulator = reductionLoop && role === 'out';
    const moves = !accumulator || !ctx.isResident(o.tensor);
    const eb = accumulator ? 4 : ctx.elementBytes(o.tensor);
    let depth = -1;
    for (let l = 0; l < L; l++) if (o.follows[loopSplits[l]!]) depth = l;
    if (role === 'out') depth = outDepth;
    // The window: followed dims are one tile's extent (at most the dim), the others whole.
    let elems = 1;
    let total = 1;
    for (let dim = 0; dim < o.shape.length; dim++) {
      const d = o.shape[dim]!;
      const l = followingLoop(o, loopSplits, dim);
      if (l < 0) {
        elems *= d;
        total *= d;
      } else {
        elems *= Math.min(d, o.follows[loopSplits[l]!]!.extent(sizes[loopSplits[l]!]!));
      }
    }
    // Exact elements moved: followed dims sum their clamped windows; loops up to the DMA's depth that
    // the window does not follow reload it every iteration.
    let executions = 1;
    for (let l = 0; l <= depth; l++) {
      const f = o.follows[loopSplits[l]!];
      const it = iterationsOf(l);
      executions *= it;
      total *= f ? sumClamped(f, sizes[loopSplits[l]!]!, it) : it;
    }
    const bytes = elems * eb;
    const copies = pipelined && depth === L - 1 && depth >= 0 ? 2 : 1;
    // An accumulator inside the reduction's enclosing loops is per core when those run in parallel.
    const perCore = coresUsed > 1 && depth >= 0;
    if (perCore && ctx.localBytes !== null) localBytes += bytes * copies;
    else sramBytes += bytes * copies * (perCore ? coresUsed : 1);
    if (accumulator) accumulatorBytes += bytes * copies * (perCore && ctx.localBytes === null ? coresUsed : 1);
    // Bytes moved: the output's own element size (an accumulator of a resident output is copied in SRAM).
    const totalBytes = total * ctx.elementBytes(o.tensor);
    if (moves && role === 'in') dmaInBytes += totalBytes;
    else if (moves) dmaOutBytes += totalBytes;
    const cyc = executions * t.dma.setupCycles + totalBytes / t.dma.bytesPerCycle;
    if (depth === L - 1 && depth >= 0) innerDma += cyc;
    else outerCycles += cyc * (perCore ? contention / coresUsed : 1);
    if (detail) {
      const follows = loopSplits.map((split) => o.follows[split]);
      const shape = o.shape.map((d, dim) => {
        const l = followingLoop(o, loopSplits, dim);
        return l < 0 ? d : Math.min(d, o.follows[loopSplits[l]!]!.extent(sizes[loopSplits[l]!]!));
      });
      windows.push({ tensor: o.tensor, role, depth, shape, bytes, copies, perCore, executions, totalBytes, follows, ...(accumulator ? { accumulator } : {}) });
    }
  }
  const computePerTile = fam.totalMacs / tileCount / t.macsPerCycle;
  const dmaPerTile = (innerDma / tileCount) * contention;
  const cyclesWith = (overlap: boolean) =>
    Math.round(outerCycles + (overlap ? dmaPerTile : 0) + (tileCount / coresUsed) * ((overlap ? Math.max(dmaPerTile, computePerTile) : dmaPerTile + computePerTile) + LOOP_OVERHEAD_CYCLES));
  const cycles = cyclesWith(pipelined);
  const figures: TilingFigures = { sizes, doubleBuffered: pipelined, sramBytes, localBytes, dmaBytes: dmaInBytes + dmaOutBytes, cycles, tileCount, accumulatorBytes };
  if (!detail) return figures;
  const loops: LoopPlan[] = loopSplits.map((split, l) => {
    const s = fam.splits[split]!;
    return { dim: s.dim, loopVar: s.loopVar, tileSize: sizes[split]!, iterations: iterationsOf(l), split, ...(s.reduction ? { reduction: true } : {}) };
  });
  return { ...figures, loops, coresUsed, windows, dmaInBytes, dmaOutBytes, cyclesSingleBuffered: pipelined ? cyclesWith(false) : cycles };
}

/** The first loop whose split the operand follows along `dim`, or -1. */
function followingLoop(o: OperandSpec, loopSplits: readonly number[], dim: number): number {
  for (let l = 0; l < loopSplits.length; l++) if (o.follows[loopSplits[l]!]?.dim === dim) return l;
  return -1;
}

/** Orders tilings: fewest cycles, then fewest DMA bytes, smallest footprint, fewest tiles. */
export function compareOptions(a: TilingFigures, b: TilingFigures): number {
  return (
    a.cycles - b.cycles ||
    a.dmaBytes - b.dmaBytes ||
    a.sramBytes + a.localBytes - (b.sramBytes + b.localBytes) ||
    a.tileCount - b.tileCount ||
    Number(a.doubleBuffered) - Number(b.doubleBuffered) ||
    compareSizes(b.sizes, a.sizes)
  );
}

function compareSizes(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export interface TileChoiceResult {
  /** The chosen option, or undefined when none fits the budget. */
  readonly chosen?: TilingOption;
  /** The option with the smallest SRAM footprint (what the layer needs at least). */
  readonly smallest: TilingOption;
  /**
   * The smallest option that keeps every reduction and last-resort split whole (absent when the
   * family has neither, or when it is `smallest`): what the layer needs without accumulating partial
   * sums or splitting its last-resort dim.
   */
  readonly smallestWhole?: TilingOption;
}

/**
 * Chooses the best option whose SRAM footprint fits `budgetBytes` (and local memory, if any). A
 * reduction (or a last-resort split) is split only when no tiling that keeps it whole fits.
 */
export function chooseTiling(ctx: TilingContext, budgetBytes: number): TileChoiceResult {
  let chosen: TilingOption | undefined;
  let smallest: TilingOption | undefined;
  let smallestWhole: TilingOption | undefined;
  const need = (o: TilingFigures) => o.sramBytes + o.localBytes;
  for (const phase of ['output', 'reduction'] as const) {
    if (phase === 'reduction') smallestWhole = smallest;
    // Once a tiling without a reduction split fits, the reduction phase only prices its smallest tiles.
    const search = !chosen;
    for (const cores of coreChoices(ctx.cores)) {
      const r = chooseTilingOn({ ...ctx, cores }, search ? budgetBytes : -1, phase);
      if (!r) continue;
      if (r.chosen && (!chosen || compareOptions(r.chosen, chosen) < 0)) chosen = r.chosen;
      if (!smallest || need(r.smallest) < need(smallest) || (need(r.smallest) === need(smallest) && compareOptions(r.smallest, smallest) < 0)) smallest = r.smallest;
    }
  }
  const whole = smallestWhole && smallestWhole !== smallest ? { smallestWhole } : {};
  return chosen ? { chosen, smallest: smallest!, ...whole } : { smallest: smallest!, ...whole };
}

/**
 * The smallest tiles of a phase: each split's smallest size (the last candidate of `candidates`, whose
 * lists run from whole tiles down to the smallest), or undefined when the phase has no candidate.
 */
function smallestSizes(ctx: TilingContext, phase: 'output' | 'reduction'): number[] | undefined {
  const fam = ctx.family;
  if (phase === 'reduction' && !fam.splits.some(deferred)) return undefined;
  if (phase === 'output' && streamedOperands(ctx).length === 0 && ctx.cores <= 1) return fam.splits.map((s) => s.extent);
  const sizes: number[] = [];
  for (const s of fam.splits) {
    const list = !deferred(s) || phase === 'reduction' ? tileSizes(s.extent, s.quantum) : [s.extent];
    const last = list[list.length - 1]!;
    if (deferred(s) && phase === 'reduction' && last >= s.extent) return undefined;
    sizes.push(last);
  }
  return sizes;
}

/**
 * Calls `visit` on the candidates of `candidates(ctx, phase)` in the same order without listing them,
 * one group at a time: a group is the candidates that share the tile sizes of every split but the
 * last; `from` (given those sizes and the last split's sizes) says at which of the last split's sizes
 * the group starts (the list's length skips the whole group).
 */
function forEachCandidate(
  ctx: TilingContext,
  phase: 'output' | 'reduction',
  from: (prefix: readonly number[], tails: readonly number[]) => number,
  visit: (sizes: number[], doubleBuffer: boolean) => void,
): void {
  const fam = ctx.family;
  if (phase === 'reduction' && !fam.splits.some(deferred)) return;
  if (phase === 'output' && streamedOperands(ctx).length === 0 && ctx.cores <= 1) {
    visit(fam.splits.map((s) => s.extent), false);
    return;
  }
  const lists = fam.splits.map((s) => {
    if (!deferred(s)) return tileSizes(s.extent, s.quantum);
    return phase === 'output' ? [s.extent] : tileSizes(s.extent, s.quantum).filter((t) => t < s.extent);
  });
  if (lists.some((l) => l.length === 0)) return;
  const n = lists.length;
  if (n === 0) {
    visit([], false);
    return;
  }
  const tails = lists[n - 1]!;
  const idx = new Array<number>(n - 1).fill(0);
  for (;;) {
    // One group: the prefix's sizes, then the last split's sizes from `from` on.
    const head = idx.map((k, i) => lists[i]![k]!);
    for (let j = from(head, tails); j < tails.length; j++) {
      const sizes = [...head, tails[j]!];
      visit(sizes, false);
      if (ctx.doubleBuffer && fam.splits.some((s, i) => sizes[i]! < s.extent)) visit(sizes, true);
    }
    // Next prefix (the last split is iterated inside the group).
    let d = n - 2;
    while (d >= 0 && idx[d] === lists[d]!.length - 1) idx[d--] = 0;
    if (d < 0) return;
    idx[d]!++;
  }
}

/** Exhaustive over the candidates on a fixed core count; only the winner is measured in detail. */
function chooseTilingOn(ctx: TilingContext, budgetBytes: number, phase: 'output' | 'reduction'): TileChoiceResult | undefined {
  const streamed = streamedOperands(ctx);
  // The last candidate has the smallest tiles (lists run from whole tiles down to the smallest);
  // without a budget only those are priced.
  const least = smallestSizes(ctx, phase);
  if (!least) return undefined;
  // Footprints never grow as tiles shrink: the smallest tiles, single-buffered, need the least SRAM.
  const smallest = measure(ctx, streamed, least, false, true);
  if (budgetBytes < 0) return { smallest };
  const fits = (q: TilingFigures) => q.sramBytes <= budgetBytes && (ctx.localBytes === null || q.localBytes <= ctx.localBytes);
  // Reduction phase: the candidates come in groups of equal output tiles, the reduction slice
  // shrinking last (its split is the last). Within a group the loops are the same, so the footprint
  // only shrinks with the slice: the slices that fit are those from the largest that fits on (found
  // by bisection, single-buffered); a group where even the smallest slice does not fit is skipped
  // (exact shortcuts: only candidates that cannot fit are left out).
  const from =
    phase === 'output'
      ? () => 0
      : (prefix: readonly number[], tails: readonly number[]) => {
          let lo = 0;
          let hi = tails.length; // the first fitting slice is in [lo, hi]; hi = none fits
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (fits(measure(ctx, streamed, [...prefix, tails[mid]!], false, false))) hi = mid;
            else lo = mid + 1;
          }
          return lo;
        };
  let best: TilingFigures | undefined;
  // Double buffering only adds copies: when the single-buffered tiles do not fit, neither do they.
  let singleFits = false;
  forEachCandidate(ctx, phase, from, (sizes, doubleBuffer) => {
    if (doubleBuffer && !singleFits) return;
    const q = measure(ctx, streamed, sizes, doubleBuffer, false);
    const ok = fits(q);
    if (!doubleBuffer) singleFits = ok;
    if (ok && (!best || compareOptions(q, best) < 0)) best = q;
  });
  return best ? { chosen: measure(ctx, streamed, best.sizes, best.doubleBuffered, true), smallest } : { smallest };
}

/** The figures of one tiling without building its windows (what the choice compares). */
export function quickCost(
  ctx: TilingContext,
  streamed: readonly { o: OperandSpec; role: 'in' | 'out' }[],
  sizes: readonly number[],
  doubleBuffer: boolean,
): TilingFigures {
  return measure(ctx, streamed, sizes, doubleBuffer, false);
}

export function streamedOperands(ctx: TilingContext): { o: OperandSpec; role: 'in' | 'out' }[] {
  const fam = ctx.family;
  return [...fam.inputs.map((o) => ({ o, role: 'in' as const })), ...fam.outputs.map((o) => ({ o, role: 'out' as const }))].filter(
    ({ o }) => !ctx.isResident(o.tensor),
  );
}
