/**
 * Builds a layer's loop nest from its chosen tiling: DMA in before the loops (windows that follow
 * no loop), inside the loop they follow, compute on the tiles, DMA out, a barrier after parallel work.
 */
import type { OpNode, Graph } from '../ir/graph.js';
import type { BufferKind, LayerSchedule, LayerStats, LoopBuffer, Operand, Region, Stmt, TileRange } from '../ir/loop.js';
import { axisAttr } from '../ir/attributes.js';
import type { Follow, OperandSpec, TilingFamily } from './templates/family.js';
import type { TilingOption, WindowPlan } from './tiling.js';
import type { TargetSpec } from './target.js';

export interface LowerContext {
  readonly graph: Graph;
  readonly target: TargetSpec;
  /** Tensor -> activation buffer name (views share their source's buffer). */
  readonly bufferOf: (tensor: string) => string;
  readonly elementBytes: (tensor: string) => number;
  /** Scope for per-core tiles: 'local' when the target has per-core memory. */
  readonly perCoreScope: 'sram' | 'local';
}

function rangesOf(follows: readonly (Follow | undefined)[], option: TilingOption): TileRange[] {
  const out: TileRange[] = [];
  follows.forEach((f, i) => {
    if (!f) return;
    const l = option.loops[i]!;
    out.push({ dim: f.dim, loopVar: l.loopVar, stride: f.stride(l.tileSize), offset: f.offset, extent: f.extent(l.tileSize), limit: f.limit });
  });
  return out.sort((a, b) => a.dim - b.dim);
}

/** Region of an operand for the chosen loops (resident operands are read in place). */
function regionOf(o: OperandSpec, option: TilingOption): Region {
  const follows = option.loops.map((l) => o.follows[l.split]);
  return { tensor: o.tensor, ranges: rangesOf(follows, option) };
}

export function lowerComputeLayer(
  node: OpNode,
  family: TilingFamily,
  option: TilingOption,
  ctx: LowerContext,
  stats: Omit<LayerStats, 'fits'> & { readonly fits: boolean },
): LayerSchedule {
  const windowOf = new Map<string, WindowPlan>();
  for (const w of option.windows) windowOf.set(`${w.role}:${w.tensor}`, w);
  const buffers: LoopBuffer[] = [];
  const tileName = new Map<string, string>();
  let inIndex = 0;
  let outIndex = 0;
  let weightIndex = 0;
  for (const w of option.windows) {
    const weight = isWeightOperand(ctx.graph, w.tensor);
    const name = `${node.name}.${weight ? `w${weightIndex++}` : w.role === 'in' ? `in${inIndex++}` : w.accumulator ? `acc${outIndex++}` : `out${outIndex++}`}`;
    tileName.set(`${w.role}:${w.tensor}`, name);
    const dtype = w.accumulator ? 'float32' : weight ? ctx.graph.weights.get(w.tensor)!.dtype : ctx.graph.tensors.get(w.tensor)!.dtype;
    const kind: BufferKind = w.accumulator ? 'accumulator' : 'tile';
    buffers.push({
      name,
      kind,
      scope: w.perCore ? ctx.perCoreScope : 'sram',
      dtype,
      shape: w.shape,
      sizeBytes: w.bytes,
      copies: w.copies,
      perCore: w.perCore,
      tensor: w.tensor,
      ...(weight ? { weight: true as const } : {}),
    });
  }
  const channels = Math.max(1, ctx.target.dma.channels);
  let token = 0;
  const operand = (o: OperandSpec, role: 'in' | 'out'): Operand => {
    const region = regionOf(o, option);
    const tile = tileName.get(`${role}:${o.tensor}`);
    return { buffer: tile ?? ctx.bufferOf(o.tensor), region };
  };
  const dmaPair = (o: OperandSpec, role: 'in' | 'out'): Stmt[] => {
    const w = windowOf.get(`${role}:${o.tensor}`)!;
    const tile = tileName.get(`${role}:${o.tensor}`)!;
    const region = regionOf(o, option);
    const home: Operand = { buffer: ctx.bufferOf(o.tensor), region };
    const local: Operand = { buffer: tile, region };
    const tok = `${node.name}.dma${token++}`;
    // An accumulator moves the output's own elements (4 bytes each in the tile).
    const bytes = w.accumulator ? w.shape.reduce((a, b) => a * b, 1) * ctx.elementBytes(o.tensor) : w.bytes;
    return [
      {
        kind: 'dma-start',
        token: tok,
        channel: (token - 1) % channels,
        direction: role,
        src: role === 'in' ? home : local,
        dst: role === 'in' ? local : home,
        bytes,
      },
      { kind: 'dma-wait', token: tok },
    ];
  };
  const streamedIn = (depth: number) => family.inputs.filter((o) => windowOf.get(`in:${o.tensor}`)?.depth === depth);
  const L = option.loops.length;
  const reduction = L > 0 && option.loops[L - 1]!.reduction === true ? option.loops[L - 1]! : undefined;
  const compute: Stmt = {
    kind: 'compute',
    op: node.opType,
    inputs: family.inputs.map((o) => operand(o, 'in')),
    outputs: family.outputs.map((o) => operand(o, 'out')),
    macs: Math.round(family.totalMacs / option.tileCount),
    ...(reduction ? { accumulate: { loopVar: reduction.loopVar, iterations: reduction.iterations, dim: reduction.dim } } : {}),
  };
  // Outputs move after the innermost loop, or after the reduction loop (from the accumulator).
  const outDepth = reduction ? L - 2 : L - 1;
  const outs = family.outputs.filter((o) => windowOf.has(`out:${o.tensor}`)).flatMap((o) => dmaPair(o, 'out'));
  const build = (depth: number): Stmt[] => {
    const pre = streamedIn(depth).flatMap((o) => dmaPair(o, 'in'));
    if (depth === L - 1) return [...pre, compute, ...(depth === outDepth ? outs : [])];
    const l = option.loops[depth + 1]!;
    return [
      ...pre,
      {
        kind: 'loop',
        loopVar: l.loopVar,
        extent: l.iterations,
        parallel: depth + 1 === 0 && option.coresUsed > 1 ? 'cores' : 'serial',
        pipelined: option.doubleBuffered && depth + 1 === option.loops.length - 1,
        body: build(depth + 1),
      },
      ...(depth === outDepth ? outs : []),
    ];
  };
  const body = build(-1);
  if (option.coresUsed > 1) body.push({ kind: 'barrier' });
  const reads = family.inputs.map((o) => o.tensor).filter((t) => !isWeightOperand(ctx.graph, t));
  const writes = family.outputs.map((o) => o.tensor);
  return {
    step: node.step,
    name: node.name,
    op: node.opType,
    template: family.template,
    reads,
    writes,
    buffers,
    body,
    tile: {
      splits: option.loops.map((l) => ({ dim: l.dim, extent: family.splits[l.split]!.extent, size: l.tileSize, ...(l.reduction ? { reduction: true } : {}) })),
      tileCount: option.tileCount,
      doubleBuffered: option.doubleBuffered,
      cores: option.coresUsed,
    },
    stats,
  };
}

/** A weight operand (weights the cores cannot read are tiled like activations; templates/weights.ts). */
export function isWeightOperand(graph: Graph, tensor: string): boolean {
  return graph.weights.has(tensor) && !graph.tensors.has(tensor);
}

/**
 * A view: the output is the input's memory; nothing runs. Copy-free Concat and Split/Slice views are
 * views too: every operand already sits in its slice of one buffer.
 */
export function lowerViewLayer(node: OpNode, source: string, ctx: LowerContext, stats: LayerStats): LayerSchedule {
  const outs = node.outputs.filter((o) => o !== '' && ctx.graph.tensors.has(o));
  const ins = [...new Set(node.inputs.filter((i) => i !== '' && ctx.graph.tensors.has(i)))];
  return {
    step: node.step,
    name: node.name,
    op: node.opType,
    template: 'view',
    reads: ins.length > 1 ? ins : [source],
    writes: outs,
    buffers: [],
    body: [],
    tile: { splits: [], tileCount: 1, doubleBuffered: false, cores: 1 },
    stats,
    aliasOf: ctx.bufferOf(source),
  };
}

/** Concat as DMA copies of each input into its slice of the output; no compute, no scratch. */
export function lowerCopyLayer(
  node: OpNode,
  ctx: LowerContext,
  isGlobal: (tensor: string) => boolean,
  residentBytes: number,
  capacity: number | null,
): LayerSchedule {
  const out = node.outputs[0]!;
  const outShape = ctx.graph.tensors.get(out)!.shape;
  const R = outShape.length;
  const axis = axisAttr(node, R);
  const body: Stmt[] = [];
  let offset = 0;
  let dmaIn = 0;
  let dmaOut = 0;
  let cycles = 0;
  const channels = Math.max(1, ctx.target.dma.channels);
  const inputs = node.inputs.filter((i) => i !== '');
  inputs.forEach((name, i) => {
    const t = ctx.graph.tensors.get(name)!;
    const extent = t.shape[axis] ?? 1;
    const bytes = t.elementCount * ctx.elementBytes(name);
    const tok = `${node.name}.dma${i}`;
    body.push({
      kind: 'dma-start',
      token: tok,
      channel: i % channels,
      direction: 'copy',
      src: { buffer: ctx.bufferOf(name), region: { tensor: name, ranges: [] } },
      dst: { buffer: ctx.bufferOf(out), region: { tensor: out, ranges: [{ dim: axis, loopVar: '', stride: 0, offset, extent, limit: outShape[axis] ?? 1 }] } },
      bytes,
    });
    offset += extent;
    if (isGlobal(name)) dmaIn += bytes;
    if (isGlobal(out)) dmaOut += bytes;
    cycles += ctx.target.dma.setupCycles + bytes / ctx.target.dma.bytesPerCycle;
  });
  inputs.forEach((_, i) => body.push({ kind: 'dma-wait', token: `${node.name}.dma${i}` }));
  return {
    step: node.step,
    name: node.name,
    op: node.opType,
    template: 'concat',
    reads: inputs,
    writes: [out],
    buffers: [],
    body,
    tile: { splits: [], tileCount: 1, doubleBuffered: false, cores: 1 },
    stats: {
      residentBytes,
      scratchBytes: 0,
      localBytes: 0,
      sramBytes: residentBytes,
      dmaInBytes: dmaIn,
      dmaOutBytes: dmaOut,
      cycles: Math.round(cycles),
      cyclesSingleBuffered: Math.round(cycles),
      doubleBufferBytes: 0,
      fits: capacity === null || residentBytes <= capacity,
    },
  };
}
