/**
 * Tile choice for one layer under an SRAM budget. Enumerates tile sizes of the family's splits,
 * prices each (SRAM footprint, DMA bytes, estimated cycles) and picks the cheapest that fits:
 * the fewest estimated cycles (the default target gives costs), then the fewest DMA bytes, then the
 * smallest footprint. Pure arithmetic: no IR is built here (lower-layer.ts does that).
 */
import type { Follow, OperandSpec, TilingFamily } from './templates/family.js';
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
}

export interface LoopPlan {
  readonly dim: number;
  readonly loopVar: string;
  readonly tileSize: number;
  readonly iterations: number;
  /** Index into family.splits. */
  readonly split: number;
}

export interface TilingOption {
  /** Tile size per split (family.splits order). */
  readonly sizes: readonly number[];
  /** Loops that iterate more than once, outermost first. */
  readonly loops: readonly LoopPlan[];
  readonly tileCount: number;
  readonly coresUsed: number;
  readonly doubleBuffered: boolean;
  /** Windows of operands that are not resident (each needs a tile buffer). */
  readonly windows: readonly WindowPlan[];
  readonly sramBytes: number;
  /** Per-core bytes in local memory (0 without local memory). */
  readonly localBytes: number;
  readonly dmaInBytes: number;
  readonly dmaOutBytes: number;
  readonly cycles: number;
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

/** Every option (feasible or not) of a family, for the given context. */
/** Core counts a layer may use: all of them, then halving down to one (per-core copies cost SRAM). */
export function coreChoices(cores: number): number[] {
  const out: number[] = [];
  for (let c = cores; c >= 1; c = c === 1 ? 0 : Math.ceil(c / 2)) if (!out.includes(c)) out.push(c);
  return out;
}

export function enumerateOptions(ctx: TilingContext): TilingOption[] {
  return coreChoices(ctx.cores).flatMap((cores) => enumerateOptionsOn({ ...ctx, cores }));
}

function enumerateOptionsOn(ctx: TilingContext): TilingOption[] {
  const fam = ctx.family;
  const streamed = streamedOperands(ctx);
  const sizeLists = fam.splits.map((s) => tileSizes(s.extent, s.quantum));
  if (streamed.length === 0 && ctx.cores <= 1) {
    // Nothing to stream on one core: compute the layer as one tile, straight from SRAM.
    return [price(ctx, fam.splits.map((s) => s.extent), [], false)];
  }
  const out: TilingOption[] = [];
  const combos = cartesian(sizeLists);
  for (const sizes of combos) {
    out.push(price(ctx, sizes, streamed, false));
    if (ctx.doubleBuffer) {
      const db = price(ctx, sizes, streamed, true);
      if (db.doubleBuffered) out.push(db);
    }
  }
  return out;
}

function cartesian(lists: readonly (readonly number[])[]): number[][] {
  let acc: number[][] = [[]];
  for (const l of lists) acc = acc.flatMap((prefix) => l.map((v) => [...prefix, v]));
  return acc;
}

interface Geometry {
  readonly sizes: readonly number[];
  readonly loops: readonly LoopPlan[];
  readonly tileCount: number;
  readonly coresUsed: number;
  readonly pipelined: boolean;
  readonly windows: readonly (Omit<WindowPlan, 'executions' | 'totalBytes'> & { readonly spec: OperandSpec })[];
  readonly sramBytes: number;
  readonly localBytes: number;
}

/** Loops, windows and SRAM footprint of a tiling (cheap: no DMA sums, no cycles). */
function geometry(
  ctx: TilingContext,
  sizes: readonly number[],
  streamed: readonly { o: OperandSpec; role: 'in' | 'out' }[],
  doubleBuffer: boolean,
): Geometry {
  const fam = ctx.family;
  const loops: LoopPlan[] = [];
  fam.splits.forEach((s, i) => {
    const t = sizes[i]!;
    const iterations = Math.ceil(s.extent / t);
    if (iterations > 1) loops.push({ dim: s.dim, loopVar: s.loopVar, tileSize: t, iterations, split: i });
  });
  const tileCount = loops.reduce((a, l) => a * l.iterations, 1);
  const coresUsed = loops.length > 0 ? Math.min(ctx.cores, loops[0]!.iterations) : 1;
  const pipelined = doubleBuffer && loops.length > 0;
  const windows = streamed.map(({ o, role }) => {
    const follows = loops.map((l) => o.follows[l.split]);
    let depth = -1;
    follows.forEach((f, i) => {
      if (f) depth = i;
    });
    if (role === 'out') depth = loops.length - 1;
    const shape = o.shape.map((d, dim) => {
      const li = follows.findIndex((f) => f?.dim === dim);
      return li >= 0 ? Math.min(d, follows[li]!.extent(loops[li]!.tileSize)) : d;
    });
    const elems = shape.reduce((a, b) => a * b, 1);
    const copies = pipelined && depth === loops.length - 1 && depth >= 0 ? 2 : 1;
    return { spec: o, tensor: o.tensor, role, depth, shape, bytes: elems * ctx.elementBytes(o.tensor), copies, perCore: coresUsed > 1 && depth >= 0, follows };
  });
  let sramBytes = 0;
  let localBytes = 0;
  for (const w of windows) {
    const one = w.bytes * w.copies;
    if (w.perCore && ctx.localBytes !== null) localBytes += one;
    else sramBytes += one * (w.perCore ? coresUsed : 1);
  }
  return { sizes, loops, tileCount, coresUsed, pipelined, windows, sramBytes, localBytes };
}

/** DMA bytes (exact, clamped windows) and estimated cycles of a tiling. */
function priceGeometry(ctx: TilingContext, g: Geometry): TilingOption {
  const windows: WindowPlan[] = g.windows.map((w) => {
    const o = w.spec;
    const eb = ctx.elementBytes(o.tensor);
    // Exact elements moved: followed dims sum their clamped windows; loops up to the DMA's depth
    // that the window does not follow reload it every iteration.
    let total = o.shape.reduce((a, d, dim) => (w.follows.some((f) => f?.dim === dim) ? a : a * d), 1);
    let executions = 1;
    for (let i = 0; i <= w.depth; i++) {
      const f = w.follows[i];
      const l = g.loops[i]!;
      executions *= l.iterations;
      total *= f ? sumClamped(f, l.tileSize, l.iterations) : l.iterations;
    }
    return {
      tensor: w.tensor, role: w.role, depth: w.depth, shape: w.shape, bytes: w.bytes, copies: w.copies,
      perCore: w.perCore, executions, totalBytes: total * eb, follows: w.follows,
    };
  });
  const dmaInBytes = windows.filter((w) => w.role === 'in').reduce((a, w) => a + w.totalBytes, 0);
  const dmaOutBytes = windows.filter((w) => w.role === 'out').reduce((a, w) => a + w.totalBytes, 0);
  const cycles = estimateCycles(ctx, g.loops, g.tileCount, g.coresUsed, windows, g.pipelined);
  const cyclesSingleBuffered = g.pipelined ? estimateCycles(ctx, g.loops, g.tileCount, g.coresUsed, windows, false) : cycles;
  return {
    sizes: g.sizes,
    loops: g.loops,
    tileCount: g.tileCount,
    coresUsed: g.coresUsed,
    doubleBuffered: g.pipelined,
    windows,
    sramBytes: g.sramBytes,
    localBytes: g.localBytes,
    dmaInBytes,
    dmaOutBytes,
    cycles,
    cyclesSingleBuffered,
  };
}

/** Prices one given tiling (tile size per split) of the context's layer. */
export function priceTiling(ctx: TilingContext, sizes: readonly number[], doubleBuffer: boolean): TilingOption {
  return price(ctx, sizes, streamedOperands(ctx), doubleBuffer);
}

function price(
  ctx: TilingContext,
  sizes: readonly number[],
  streamed: readonly { o: OperandSpec; role: 'in' | 'out' }[],
  doubleBuffer: boolean,
): TilingOption {
  return priceGeometry(ctx, geometry(ctx, sizes, streamed, doubleBuffer));
}

/**
 * Cycle estimate. Per tile: compute = macs / macsPerCycle / (cores working), DMA = setup + bytes /
 * bytesPerCycle for each window moved in that tile (the DMA engine's channels are shared by the cores).
 * Double buffered: the larger of DMA and compute per tile, plus the first tile's transfer; else the sum.
 */
function estimateCycles(
  ctx: TilingContext,
  loops: readonly LoopPlan[],
  tileCount: number,
  cores: number,
  windows: readonly WindowPlan[],
  pipelined: boolean,
): number {
  const t = ctx.target;
  const dmaCycles = (w: WindowPlan) => w.executions * t.dma.setupCycles + w.totalBytes / t.dma.bytesPerCycle;
  const contention = cores / Math.min(cores, t.dma.channels);
  const inner = windows.filter((w) => w.depth === loops.length - 1 && w.depth >= 0);
  const outer = windows.filter((w) => !(w.depth === loops.length - 1 && w.depth >= 0));
  const tilesPerCore = tileCount / cores;
  const computePerTile = ctx.family.totalMacs / tileCount / t.macsPerCycle;
  const dmaPerTile = (inner.reduce((a, w) => a + dmaCycles(w), 0) / tileCount) * contention;
  const outerCycles = outer.reduce((a, w) => a + dmaCycles(w) * (w.perCore ? contention / cores : 1), 0);
  const perTile = pipelined ? Math.max(dmaPerTile, computePerTile) : dmaPerTile + computePerTile;
  const prologue = pipelined ? dmaPerTile : 0;
  return Math.round(outerCycles + prologue + tilesPerCore * (perTile + LOOP_OVERHEAD_CYCLES));
}

/** Orders options: fewest cycles, then fewest DMA bytes, smallest footprint, fewest tiles. */
export function compareOptions(a: TilingOption, b: TilingOption): number {
  return (
    a.cycles - b.cycles ||
    a.dmaInBytes + a.dmaOutBytes - (b.dmaInBytes + b.dmaOutBytes) ||
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
}

/** Chooses the best option whose SRAM footprint fits `budgetBytes` (and local memory, if any). */
export function chooseTiling(ctx: TilingContext, budgetBytes: number): TileChoiceResult {
  let chosen: TilingOption | undefined;
  let smallest: TilingOption | undefined;
  for (const cores of coreChoices(ctx.cores)) {
    const r = chooseTilingOn({ ...ctx, cores }, budgetBytes);
    if (r.chosen && (!chosen || compareOptions(r.chosen, chosen) < 0)) chosen = r.chosen;
    const need = (o: TilingOption) => o.sramBytes + o.localBytes;
    if (!smallest || need(r.smallest) < need(smallest) || (need(r.smallest) === need(smallest) && compareOptions(r.smallest, smallest) < 0)) smallest = r.smallest;
  }
  return chosen ? { chosen, smallest: smallest! } : { smallest: smallest! };
}

function chooseTilingOn(ctx: TilingContext, budgetBytes: number): TileChoiceResult {
  const fam = ctx.family;
  const streamed = streamedOperands(ctx);
  if (streamed.length === 0 && ctx.cores <= 1) {
    const whole = price(ctx, fam.splits.map((s) => s.extent), [], false);
    return { chosen: whole, smallest: whole };
  }
  // Exhaustive over tile sizes, with an allocation-free cost (quickCost mirrors geometry + price;
  // a test checks they agree); only the winner is built in full.
  const sizeLists = fam.splits.map((s) => tileSizes(s.extent, s.quantum));
  const localCap = ctx.localBytes;
  const variants = ctx.doubleBuffer ? [false, true] : [false];
  let best: QuickCost | undefined;
  for (const sizes of cartesian(sizeLists)) {
    for (const db of variants) {
      const q = quickCost(ctx, streamed, sizes, db);
      if (db && !q.doubleBuffered) continue;
      if (q.sramBytes > budgetBytes || (localCap !== null && q.localBytes > localCap)) continue;
      if (!best || compareQuick(q, best) < 0) best = q;
    }
  }
  // Footprints never grow as tiles shrink: the smallest tiles, single-buffered, need the least SRAM.
  const smallest = price(ctx, sizeLists.map((l) => l[l.length - 1]!), streamed, false);
  return best ? { chosen: price(ctx, best.sizes, streamed, best.doubleBuffered), smallest } : { smallest };
}

/** The figures of a tiling that the choice compares, computed without building windows. */
export interface QuickCost {
  readonly sizes: readonly number[];
  readonly doubleBuffered: boolean;
  readonly sramBytes: number;
  readonly localBytes: number;
  readonly dmaBytes: number;
  readonly cycles: number;
  readonly tileCount: number;
}

function compareQuick(a: QuickCost, b: QuickCost): number {
  return (
    a.cycles - b.cycles ||
    a.dmaBytes - b.dmaBytes ||
    a.sramBytes + a.localBytes - (b.sramBytes + b.localBytes) ||
    a.tileCount - b.tileCount ||
    Number(a.doubleBuffered) - Number(b.doubleBuffered) ||
    compareSizes(b.sizes, a.sizes)
  );
}

export function quickCost(
  ctx: TilingContext,
  streamed: readonly { o: OperandSpec; role: 'in' | 'out' }[],
  sizes: readonly number[],
  doubleBuffer: boolean,
): QuickCost {
  const fam = ctx.family;
  const t = ctx.target;
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
  const coresUsed = L > 0 ? Math.min(ctx.cores, Math.ceil(fam.splits[loopSplits[0]!]!.extent / sizes[loopSplits[0]!]!)) : 1;
  const pipelined = doubleBuffer && L > 0;
  const contention = coresUsed / Math.min(coresUsed, t.dma.channels);
  let sramBytes = 0;
  let localBytes = 0;
  let dmaBytes = 0;
  let innerDma = 0;
  let outerCycles = 0;
  for (const { o, role } of streamed) {
    const eb = ctx.elementBytes(o.tensor);
    let depth = -1;
    for (let l = 0; l < L; l++) if (o.follows[loopSplits[l]!]) depth = l;
    if (role === 'out') depth = L - 1;
    let elems = 1;
    let total = 1;
    for (let dim = 0; dim < o.shape.length; dim++) {
      const d = o.shape[dim]!;
      let followedAt = -1;
      for (let l = 0; l < L; l++) if (o.follows[loopSplits[l]!]?.dim === dim) followedAt = l;
      if (followedAt < 0) {
        elems *= d;
        total *= d;
      } else {
        const f = o.follows[loopSplits[followedAt]!]!;
        elems *= Math.min(d, f.extent(sizes[loopSplits[followedAt]!]!));
      }
    }
    let executions = 1;
    for (let l = 0; l <= depth; l++) {
      const split = loopSplits[l]!;
      const f = o.follows[split];
      const size = sizes[split]!;
      const it = Math.ceil(fam.splits[split]!.extent / size);
      executions *= it;
      total *= f ? sumClamped(f, size, it) : it;
    }
    const bytes = elems * eb;
    const copies = pipelined && depth === L - 1 && depth >= 0 ? 2 : 1;
    const perCore = coresUsed > 1 && depth >= 0;
    if (perCore && ctx.localBytes !== null) localBytes += bytes * copies;
    else sramBytes += bytes * copies * (perCore ? coresUsed : 1);
    const totalBytes = total * eb;
    dmaBytes += totalBytes;
    const cyc = executions * t.dma.setupCycles + totalBytes / t.dma.bytesPerCycle;
    if (depth === L - 1 && depth >= 0) innerDma += cyc;
    else outerCycles += cyc * (perCore ? contention / coresUsed : 1);
  }
  const computePerTile = fam.totalMacs / tileCount / t.macsPerCycle;
  const dmaPerTile = (innerDma / tileCount) * contention;
  const perTile = pipelined ? Math.max(dmaPerTile, computePerTile) : dmaPerTile + computePerTile;
  const prologue = pipelined ? dmaPerTile : 0;
  const cycles = Math.round(outerCycles + prologue + (tileCount / coresUsed) * (perTile + LOOP_OVERHEAD_CYCLES));
  return { sizes, doubleBuffered: pipelined, sramBytes, localBytes, dmaBytes, cycles, tileCount };
}

export function streamedOperands(ctx: TilingContext): { o: OperandSpec; role: 'in' | 'out' }[] {
  const fam = ctx.family;
  return [...fam.inputs.map((o) => ({ o, role: 'in' as const })), ...fam.outputs.map((o) => ({ o, role: 'out' as const }))].filter(
    ({ o }) => !ctx.isResident(o.tensor),
  );
}

/** chooseTiling over options enumerated before (exhaustive; used by tests to check chooseTiling). */
export function chooseFrom(options: readonly TilingOption[], budgetBytes: number, localCapacity: number | null): TileChoiceResult {
  let smallest = options[0]!;
  let chosen: TilingOption | undefined;
  for (const o of options) {
    const need = o.sramBytes + o.localBytes;
    const best = smallest.sramBytes + smallest.localBytes;
    if (need < best || (need === best && compareOptions(o, smallest) < 0)) smallest = o;
    const fits = o.sramBytes <= budgetBytes && (localCapacity === null || o.localBytes <= localCapacity);
    if (fits && (!chosen || compareOptions(o, chosen) < 0)) chosen = o;
  }
  return chosen ? { chosen, smallest } : { smallest };
}
