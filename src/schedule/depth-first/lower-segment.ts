/**
 * A segment node -> one layer of the loop IR:
 *
 *   loop b in 0..bands-1 {
 *     shift <line buffer> by S rows        (one per intermediate; skipped when b = 0)
 *     compute <member>(input windows) -> <its new rows>   (one per member, in order)
 *   }
 *
 * Intermediates live in line buffers (tiles with a `lines` window); the segment's input and output are
 * whole activation buffers read and written in place. Every window is affine in b (geometry.ts).
 *
 * Weights the cores cannot read (a target memory with coreAccess false holding the weights): before
 * the band loop, every weight the members' kernels read (and their fused chains') is DMA'd once into
 * an SRAM copy of its own that lives for the segment (part of its scratch); the members read those.
 */
import type { Graph, OpNode } from '../../ir/graph.js';
import { byteSize, elementCountOf } from '../../ir/graph.js';
import type { LayerSchedule, LayerStats, LoopBuffer, LoopStmt, Operand, Stmt, TileRange } from '../../ir/loop.js';
import { InternalError } from '../../diagnostics/errors.js';
import type { LowerContext } from '../lower-layer.js';
import { weightsViaDma } from '../target.js';
import { runtimeWeights } from '../templates/weights.js';
import type { PatchGeometry, SegmentGeometry, TileGeometry } from './geometry.js';
import { macsPerPixel, patchExtraMacs, patchGeometry, readColumns, readWindow, segmentGeometry, largestWindow, tileExtraMacs, tileGeometry, tileRegionBuffers } from './geometry.js';
import type { MemberInfo } from './members.js';
import { foldPads, memberInfo, readsWhole, segmentDims } from './members.js';
import { alignLag, segmentLagBytes, segmentStaging } from './overlay.js';
import type { SegmentStats, StagingStats } from '../../ir/loop.js';

const BAND = 'b';
const PATCH = 'p';

export interface LoweredSegmentFigures {
  readonly members: readonly MemberInfo[];
  readonly geometry: SegmentGeometry;
  /** Patch mode: the column windows. */
  readonly patch?: PatchGeometry;
  /** Tiles mode: the row and column windows (`geometry` then has no line buffers). */
  readonly tiles?: TileGeometry;
  /** Row dim and column dim of each tensor of the segment (NCHW: 2, 3; NHWC: 1, 2). */
  readonly dims: (tensor: string) => readonly [number, number];
}

/** Row and column dims of the members' tensors (2 and 3 for a tensor none of them names). */
function dimsOfMembers(members: readonly MemberInfo[]): (tensor: string) => readonly [number, number] {
  const map = segmentDims(members);
  return (t) => map.get(t) ?? [2, 3];
}

/** Members and geometry of a segment node (recomputed from the node: the graph is the source of truth). */
export function segmentFigures(ctx: Pick<LowerContext, 'graph'>, node: OpNode, streamedInput = false): LoweredSegmentFigures {
  const seg = node.segment;
  if (!seg) throw new InternalError(`node '${node.name}' is not a segment`);
  const infos = seg.members.map((m) => memberInfo(ctx.graph, m));
  if (infos.some((m) => m === undefined)) throw new InternalError(`segment '${node.name}' has a member that cannot run band by band`);
  // PADs folded into the convolutions that read them (members.ts): as chooseSegments computed them.
  const members = foldPads(infos as MemberInfo[]);
  const dims = dimsOfMembers(members);
  const heightOf = (t: string) => ctx.graph.tensors.get(t)?.shape[dims(t)[0]] ?? 1;
  const widthOf = (t: string) => ctx.graph.tensors.get(t)?.shape[dims(t)[1]] ?? 1;
  if (seg.tileRows !== undefined) {
    const tiles = tileGeometry(members, seg.tileRows, seg.patchCols ?? 1, heightOf, widthOf);
    if (!tiles) throw new InternalError(`segment '${node.name}' has no tile geometry`);
    return { members: members, geometry: { bandRows: seg.tileRows, bands: tiles.rows.patches, tensors: new Map() }, tiles, dims };
  }
  const geometry = segmentGeometry(members, seg.bandRows, heightOf, streamedInput ? node.inputs[0] : undefined);
  if (!geometry) throw new InternalError(`segment '${node.name}' has no band geometry${streamedInput ? ' with its input streamed from DRAM' : ''}`);
  if (seg.patchCols === undefined) return { members: members, geometry, dims };
  const patch = patchGeometry(members, seg.patchCols, widthOf);
  if (!patch) throw new InternalError(`segment '${node.name}' has no patch geometry`);
  return { members: members, geometry, patch, dims };
}

/** MACs of the members that recompute another layer's output (OpNode.recomputeOf), when there are any. */
export function recomputeMacs(members: readonly MemberInfo[]): number {
  return members.reduce((sum, m) => sum + (m.node.recomputeOf !== undefined ? Math.round(m.macsPerRow * m.height) : 0), 0);
}

function recomputeStats(members: readonly MemberInfo[]): { recomputeMacs?: number } {
  const macs = recomputeMacs(members);
  return macs > 0 ? { recomputeMacs: macs } : {};
}

/** Elements of one row of a line buffer of `tensor` (its clamped patch width in patch mode). */
function lineRowElements(ctx: Pick<LowerContext, 'graph'>, tensor: string, patch: PatchGeometry | undefined, dims: readonly [number, number]): number {
  const t = ctx.graph.tensors.get(tensor)!;
  const row = t.elementCount / t.shape[dims[0]]!;
  if (!patch) return row;
  const cols = patch.tensors.get(tensor)!;
  return (row / t.shape[dims[1]]!) * Math.min(cols.extent, cols.limit);
}

/** The weights a segment's members read at run time (each once), with their bytes: DMA'd into SRAM when the cores cannot read them. */
export function segmentWeights(graph: Graph, members: readonly OpNode[]): { readonly tensor: string; readonly bytes: number }[] {
  const names: string[] = [];
  for (const m of members) for (const w of runtimeWeights(m, graph)) if (!names.includes(w)) names.push(w);
  return names.map((tensor) => {
    const w = graph.weights.get(tensor)!;
    return { tensor, bytes: byteSize(w.dtype, elementCountOf(w.shape)) };
  });
}

/**
 * Bytes of a segment's scratch: its line buffers (its intermediates', and its input's and output's when
 * they stream from / to DRAM) and, with `dmaWeights`, the SRAM copies of its members' weights.
 */
export function segmentScratchBytes(ctx: Pick<LowerContext, 'graph' | 'elementBytes'>, node: OpNode, streamIn: boolean, streamOut: boolean, dmaWeights = false): number {
  const weights = dmaWeights ? segmentWeights(ctx.graph, node.segment?.members ?? []).reduce((a, w) => a + w.bytes, 0) : 0;
  return weights + lineBufferBytesOf(ctx, node, streamIn, streamOut);
}

function lineBufferBytesOf(ctx: Pick<LowerContext, 'graph' | 'elementBytes'>, node: OpNode, streamIn: boolean, streamOut: boolean): number {
  if (node.segment?.tileRows !== undefined) {
    // Tiles are chosen only without DRAM: their input and output are whole in SRAM.
    const { members, tiles, dims } = segmentFigures(ctx, node);
    return tileRegionBuffers(members, tiles!, (t) => pixelBytes(ctx, t, node.outputs[0]!, dims(t))).peakBytes;
  }
  if (streamIn && !canStreamInput(ctx, node)) return lineBufferBytesOf(ctx, node, false, streamOut);
  // Patch segments are chosen only without DRAM: their input and output are always whole in SRAM.
  if (node.segment?.patchCols !== undefined && (streamIn || streamOut)) return lineBufferBytesOf(ctx, node, false, false);
  const { members, geometry, patch, dims } = segmentFigures(ctx, node, streamIn);
  const output = node.outputs[0]!;
  const rowBytes = (t: string) => lineRowElements(ctx, t, patch, dims(t)) * ctx.elementBytes(output);
  let bytes = 0;
  for (const m of members.slice(0, -1)) bytes += geometry.tensors.get(m.output)!.lineRows * rowBytes(m.output);
  if (streamIn) bytes += geometry.tensors.get(node.inputs[0]!)!.lineRows * rowBytes(node.inputs[0]!);
  if (streamOut) bytes += geometry.tensors.get(output)!.newRows * rowBytes(output);
  return bytes;
}

/** Bytes of one element position (every channel of one row and column) of a segment tensor. */
function pixelBytes(ctx: Pick<LowerContext, 'graph' | 'elementBytes'>, tensor: string, output: string, dims: readonly [number, number]): number {
  const t = ctx.graph.tensors.get(tensor)!;
  return (t.elementCount / (t.shape[dims[0]]! * (t.shape[dims[1]] ?? 1))) * ctx.elementBytes(output);
}

/** Whether the segment's input can stream through a line buffer (no member reads it whole along the rows). */
export function canStreamInput(ctx: Pick<LowerContext, 'graph'>, node: OpNode): boolean {
  const seg = node.segment;
  if (!seg) return false;
  const infos = seg.members.map((m) => memberInfo(ctx.graph, m));
  if (infos.some((m) => m === undefined)) return false;
  const members = foldPads(infos as MemberInfo[]);
  const dims = dimsOfMembers(members);
  return segmentGeometry(members, seg.bandRows, (t) => ctx.graph.tensors.get(t)?.shape[dims(t)[0]] ?? 1, node.inputs[0]) !== undefined;
}

/**
 * `isResident(tensor)`: whether the segment's input / output is a whole tensor in SRAM. One in DRAM
 * streams through a line buffer: the input's new rows arrive by DMA at the start of each band, the
 * output's rows leave by DMA at its end.
 */
export function lowerSegmentLayer(node: OpNode, ctx: LowerContext, residentBytes: number, capacity: number | null, isResident: (tensor: string) => boolean = () => true): LayerSchedule {
  const input = node.inputs[0]!;
  const output = node.outputs[0]!;
  const streamIn = !isResident(input);
  const streamOut = !isResident(output);
  const overlay = segmentOverlay(node, ctx, streamIn || streamOut);
  // The pair written over each other takes max(lag + |input|, |output|) bytes, not their sum (with
  // staging: lag + |input| for the input, the staging buffer and the output).
  if (overlay) residentBytes -= overlay.savedBytes;
  if (node.segment?.tileRows !== undefined) {
    if (streamIn || streamOut) throw new InternalError(`tiles segment '${node.name}' needs its input and output whole in SRAM (tiles are chosen only without DRAM)`);
    return withOverlayStats(withStaging(lowerTilesLayer(node, ctx, residentBytes, capacity), node, ctx, capacity), overlay);
  }
  return withOverlayStats(withStaging(lowerBandLayer(node, ctx, residentBytes, capacity, streamIn, streamOut), node, ctx, capacity), overlay);
}

/** A lowered segment layer, with the stats of its staging buffer when it has one. */
interface Staged {
  readonly layer: LayerSchedule;
  readonly staging?: StagingStats;
}

/** The staging buffer of a segment's output (overlay.ts Staging). */
function stagingName(node: OpNode): string {
  return `${node.name}.stage`;
}

/**
 * Channels-last staging (node.segment.staging): the last member writes its windows into the staging
 * buffer (the whole output, channels-last) instead of the output's home; after the iteration loop
 * one copy moves the buffer into the output (NHWC -> NCHW). Its bytes moved cost cycles like a shift's.
 */
function withStaging(layer: LayerSchedule, node: OpNode, ctx: LowerContext, capacity: number | null): Staged {
  if (!node.segment?.staging) return { layer };
  const output = node.outputs[0]!;
  const home = ctx.bufferOf(output);
  const t = ctx.graph.tensors.get(output)!;
  const name = stagingName(node);
  const bytes = ctx.elementBytes(output) * t.elementCount;
  const stage: LoopBuffer = { name, kind: 'tile', scope: 'sram', dtype: t.dtype, shape: [...t.shape], sizeBytes: bytes, copies: 1, perCore: false, tensor: output, channelsLast: true };
  const last = node.segment.members[node.segment.members.length - 1]!.name;
  let rewritten = 0;
  const redirect = (body: readonly Stmt[]): Stmt[] =>
    body.map((st) => {
      if (st.kind === 'loop') return { ...st, body: redirect(st.body) };
      if (st.kind !== 'compute' || st.node !== last) return st;
      rewritten++;
      return { ...st, outputs: st.outputs.map((o) => (o.buffer === home && o.region.tensor === output ? { ...o, buffer: name } : o)) };
    });
  const body = redirect(layer.body);
  if (rewritten !== 1) throw new InternalError(`segment '${node.name}': staging needs exactly one statement of its last member '${last}' (found ${rewritten})`);
  const whole = { tensor: output, ranges: [] };
  const copy: Stmt = { kind: 'copy', src: { buffer: name, region: whole }, dst: { buffer: home, region: whole }, bytes };
  const copyCycles = Math.round(bytes / Math.max(1, ctx.target.dma.bytesPerCycle));
  const cycles = layer.stats.cycles + copyCycles;
  const sramBytes = layer.stats.sramBytes + bytes;
  return {
    layer: {
      ...layer,
      buffers: [...layer.buffers, stage],
      body: [...body, copy],
      stats: { ...layer.stats, scratchBytes: layer.stats.scratchBytes + bytes, sramBytes, cycles, cyclesSingleBuffered: cycles, fits: capacity === null || sramBytes <= capacity },
    },
    staging: { buffer: name, outputOffsetBytes: node.segment.staging.outputOffsetBytes, copyBytes: bytes, copyCycles },
  };
}

/**
 * The overlay a segment node records (chooseSegments decided it is eligible), checked: its lag is
 * recomputed from the members' windows as lowered here, and must be the one chosen.
 */
function segmentOverlay(node: OpNode, ctx: LowerContext, streamed: boolean): { readonly stats: NonNullable<SegmentStats['overlay']>; readonly savedBytes: number } | undefined {
  const lag = node.segment?.overlayLagBytes;
  if (lag === undefined) return undefined;
  if (streamed) throw new InternalError(`segment '${node.name}' writes its output over its input, which needs both whole in SRAM`);
  const input = node.inputs[0]!;
  const output = node.outputs[0]!;
  const { members, geometry, patch, tiles, dims } = segmentFigures(ctx, node);
  const heightOf = (t: string) => ctx.graph.tensors.get(t)!.shape[dims(t)[0]]!;
  const widthOf = (t: string) => ctx.graph.tensors.get(t)!.shape[dims(t)[1]] ?? 1;
  const layout = (t: string) => ({ shape: ctx.graph.tensors.get(t)!.shape, dims: dims(t), elementBytes: ctx.elementBytes(t) });
  const config = { geometry, ...(patch ? { patch } : {}), ...(tiles ? { tiles } : {}) };
  const x = ctx.elementBytes(input) * ctx.graph.tensors.get(input)!.elementCount;
  const y = ctx.elementBytes(output) * ctx.graph.tensors.get(output)!.elementCount;
  const staging = node.segment?.staging;
  if (staging) {
    const again = segmentStaging({ members, input, output, config, heightOf, widthOf }, layout(input), layout(output), ctx.target.alignmentBytes);
    if (!again || again.lagBytes !== lag || again.lagBytes !== staging.lagBytes || again.outputOffsetBytes !== staging.outputOffsetBytes) {
      throw new InternalError(`segment '${node.name}': staging (lag ${staging.lagBytes}, output at +${staging.outputOffsetBytes}) chosen, ${again ? `lag ${again.lagBytes}, output at +${again.outputOffsetBytes}` : 'none possible'} as lowered`);
    }
    // The layer counts the staging buffer as scratch (|output| bytes): input, output and staging take lag + |input|.
    return { stats: { input: ctx.bufferOf(input), output: ctx.bufferOf(output), lagBytes: lag }, savedBytes: 2 * y - lag };
  }
  const exact = segmentLagBytes({ members, input, output, config, heightOf, widthOf }, layout(input), layout(output));
  if (alignLag(exact, ctx.target.alignmentBytes) !== lag) throw new InternalError(`segment '${node.name}': overlay lag ${lag} chosen, ${alignLag(exact, ctx.target.alignmentBytes)} as lowered`);
  return { stats: { input: ctx.bufferOf(input), output: ctx.bufferOf(output), lagBytes: lag }, savedBytes: x + y - Math.max(lag + x, y) };
}

function withOverlayStats({ layer, staging }: Staged, overlay: { readonly stats: NonNullable<SegmentStats['overlay']> } | undefined): LayerSchedule {
  if (staging && !overlay) throw new InternalError(`segment '${layer.name}' stages its output without an overlay`);
  if (!overlay || !layer.segment) return layer;
  return { ...layer, segment: { ...layer.segment, overlay: { ...overlay.stats, ...(staging ? { staging } : {}) } } };
}

function lowerBandLayer(node: OpNode, ctx: LowerContext, residentBytes: number, capacity: number | null, streamIn: boolean, streamOut: boolean): LayerSchedule {
  const input = node.inputs[0]!;
  const output = node.outputs[0]!;
  const { members, geometry, patch, dims } = segmentFigures(ctx, node, streamIn);
  if (patch && (streamIn || streamOut)) throw new InternalError(`patch segment '${node.name}' needs its input and output whole in SRAM (patches are chosen only without DRAM)`);
  const colRange = (tensor: string, w: { stride: number; offset: number; extent: number; limit: number }): TileRange => ({ dim: dims(tensor)[1], loopVar: PATCH, ...w });
  const lineOf = new Map<string, LoopBuffer>();
  const lineBuffer = (tensor: string, name: string, rows: number, offset: number) => {
    const t = ctx.graph.tensors.get(tensor)!;
    const shape = [...t.shape];
    const [rowDim, colDim] = dims(tensor);
    shape[rowDim] = rows;
    const cols = patch?.tensors.get(tensor);
    if (cols) shape[colDim] = Math.min(cols.extent, cols.limit);
    // Every tensor of a segment has the output's element type (members.ts), so the intermediates
    // (which have no liveness interval of their own) take the output's element size (4 for float32,
    // or 1 under --dtype int8; 1 or 2 for integer TFLite tensors).
    const rowBytes = lineRowElements(ctx, tensor, patch, dims(tensor)) * ctx.elementBytes(output);
    const stride = geometry.tensors.get(tensor)!.newRows;
    lineOf.set(tensor, {
      name,
      kind: 'tile',
      scope: 'sram',
      dtype: t.dtype,
      shape,
      sizeBytes: rows * rowBytes,
      copies: 1,
      perCore: false,
      tensor,
      lines: { dim: rowDim, loopVar: BAND, stride, offset, rows, ...(cols ? { cols: colRange(tensor, cols) } : {}) },
    });
  };
  if (streamIn) {
    const rows = geometry.tensors.get(input)!;
    lineBuffer(input, `${node.name}.in`, rows.lineRows, rows.lowOffset);
  }
  members.slice(0, -1).forEach((m, i) => {
    const rows = geometry.tensors.get(m.output)!;
    lineBuffer(m.output, `${node.name}.lines${i}`, rows.lineRows, rows.lowOffset);
  });
  if (streamOut) {
    const rows = geometry.tensors.get(output)!;
    lineBuffer(output, `${node.name}.out`, rows.newRows, rows.newOffset);
  }
  // Weights the cores cannot read: one SRAM copy each for the segment, DMA'd in before the band loop
  // (spread over the channels, one transfer in flight per channel).
  const weightOf = new Map<string, LoopBuffer>();
  const weightDma: Stmt[] = [];
  const pending: string[] = [];
  let weightBytes = 0;
  const channelCycles = new Array<number>(Math.max(1, ctx.target.dma.channels)).fill(0);
  if (weightsViaDma(ctx.target) !== undefined) {
    segmentWeights(ctx.graph, node.segment?.members ?? []).forEach(({ tensor, bytes }, i) => {
      const w = ctx.graph.weights.get(tensor)!;
      const name = `${node.name}.w${i}`;
      weightOf.set(tensor, { name, kind: 'tile', scope: 'sram', dtype: w.dtype, shape: [...w.shape], sizeBytes: bytes, copies: 1, perCore: false, tensor, weight: true });
      const region = { tensor, ranges: [] };
      const token = `${node.name}.dmaw${i}`;
      const channel = i % channelCycles.length;
      if (pending.length === channelCycles.length) weightDma.push({ kind: 'dma-wait', token: pending.shift()! });
      weightDma.push({ kind: 'dma-start', token, channel, direction: 'in', src: { buffer: ctx.bufferOf(tensor), region }, dst: { buffer: name, region }, bytes });
      pending.push(token);
      weightBytes += bytes;
      channelCycles[channel] = channelCycles[channel]! + ctx.target.dma.setupCycles + bytes / ctx.target.dma.bytesPerCycle;
    });
  }
  for (const token of pending) weightDma.push({ kind: 'dma-wait', token });
  const weightCycles = Math.max(...channelCycles);
  const heightOf = (t: string) => ctx.graph.tensors.get(t)!.shape[dims(t)[0]]!;
  const newRowsRegion = (tensor: string) => {
    const r = geometry.tensors.get(tensor)!;
    return { tensor, ranges: [{ dim: dims(tensor)[0], loopVar: BAND, stride: r.newRows, offset: r.newOffset, extent: r.newRows, limit: heightOf(tensor) }] };
  };
  const body: Stmt[] = [];
  let shiftBytes = 0;
  for (const b of lineOf.values()) {
    const rows = geometry.tensors.get(b.tensor!)!;
    if (b.lines!.rows > rows.newRows) {
      body.push({ kind: 'shift', buffer: b.name, rows: rows.newRows });
      shiftBytes += (b.sizeBytes / b.lines!.rows) * (b.lines!.rows - rows.newRows);
    }
  }
  const channels = Math.max(1, ctx.target.dma.channels);
  let dmaInBytes = 0;
  let dmaOutBytes = 0;
  let dmaCycles = 0;
  const rowBytesOf = (t: string) => lineOf.get(t)!.sizeBytes / lineOf.get(t)!.lines!.rows;
  if (streamIn) {
    const region = newRowsRegion(input);
    const bytes = geometry.tensors.get(input)!.newRows * rowBytesOf(input);
    body.push(
      { kind: 'dma-start', token: `${node.name}.dma0`, channel: 0, direction: 'in', src: { buffer: ctx.bufferOf(input), region }, dst: { buffer: lineOf.get(input)!.name, region }, bytes },
      { kind: 'dma-wait', token: `${node.name}.dma0` },
    );
    dmaInBytes = heightOf(input) * rowBytesOf(input);
    dmaCycles += geometry.bands * ctx.target.dma.setupCycles + dmaInBytes / ctx.target.dma.bytesPerCycle;
  }
  let macs = 0;
  const widthOf = (t: string) => ctx.graph.tensors.get(t)!.shape[dims(t)[1]] ?? 1;
  for (const m of members) {
    const outRows = geometry.tensors.get(m.output)!;
    const outCols = patch?.tensors.get(m.output);
    const inputs: Operand[] = m.inputs.map((i, k) => {
      const buffer = lineOf.get(i.tensor)?.name ?? ctx.bufferOf(i.tensor);
      if (readsWhole(i.rows)) return { buffer, region: { tensor: i.tensor, ranges: [] } };
      const w = readWindow(outRows, i.rows);
      const rows: TileRange = { dim: dims(i.tensor)[0], loopVar: BAND, stride: w.stride, offset: w.offset, extent: w.extent, limit: heightOf(i.tensor) };
      // Patch mode: the columns this member reads for its output's window (with the halo).
      const cols = outCols && m.cols[k] && m.cols[k]!.span > 0 ? [colRange(i.tensor, readColumns(outCols, m.cols[k]!, widthOf(i.tensor)))] : [];
      return { buffer, region: { tensor: i.tensor, ranges: [rows, ...cols] } };
    });
    const out: Operand = {
      buffer: lineOf.get(m.output)?.name ?? ctx.bufferOf(m.output),
      region: {
        tensor: m.output,
        ranges: [{ dim: dims(m.output)[0], loopVar: BAND, stride: outRows.newRows, offset: outRows.newOffset, extent: outRows.newRows, limit: m.height }, ...(outCols ? [colRange(m.output, outCols)] : [])],
      },
    };
    // MACs of one execution: the band's rows over the (unclamped) patch window.
    const execMacs = outCols ? macsPerPixel(m) * outRows.newRows * outCols.extent : Math.round(m.macsPerRow * outRows.newRows);
    // The member's weights in their SRAM copies (weights the cores cannot read), after its activations.
    const weights: Operand[] = weightOf.size === 0 ? [] : runtimeWeights(m.node, ctx.graph).map((t) => ({ buffer: weightOf.get(t)!.name, region: { tensor: t, ranges: [] } }));
    body.push({ kind: 'compute', op: m.node.opType, node: m.node.name, inputs: [...inputs, ...weights], outputs: [out], macs: execMacs });
    macs += m.macsPerRow * m.height;
  }
  const extraMacs = patch ? patchExtraMacs(members, patch) : 0;
  macs += extraMacs;
  if (streamOut) {
    const region = newRowsRegion(output);
    const bytes = geometry.tensors.get(output)!.newRows * rowBytesOf(output);
    body.push(
      { kind: 'dma-start', token: `${node.name}.dma1`, channel: 1 % channels, direction: 'out', src: { buffer: lineOf.get(output)!.name, region }, dst: { buffer: ctx.bufferOf(output), region }, bytes },
      { kind: 'dma-wait', token: `${node.name}.dma1` },
    );
    dmaOutBytes = heightOf(output) * rowBytesOf(output);
    dmaCycles += geometry.bands * ctx.target.dma.setupCycles + dmaOutBytes / ctx.target.dma.bytesPerCycle;
  }
  const lineBufferBytes = [...lineOf.values()].reduce((a, b) => a + b.sizeBytes, 0);
  const copyBytesPerCycle = Math.max(1, ctx.target.dma.bytesPerCycle);
  // DMA waits right after each start (no overlap with compute yet): the cycles add up.
  const patches = patch?.patches ?? 1;
  const cycles = Math.round(macs / ctx.target.macsPerCycle + (patches * shiftBytes * Math.max(0, geometry.bands - 1)) / copyBytesPerCycle + dmaCycles + weightCycles);
  const bandLoop: LoopStmt = { kind: 'loop', loopVar: BAND, extent: geometry.bands, parallel: 'serial', pipelined: false, body };
  const reads = node.inputs.filter((t) => t !== '');
  return {
    step: node.step,
    name: node.name,
    op: node.opType,
    template: 'segment',
    reads,
    writes: [output],
    buffers: [...lineOf.values(), ...weightOf.values()],
    body: [
      ...weightDma,
      ...(patch ? [{ kind: 'loop', loopVar: PATCH, extent: patch.patches, parallel: 'serial', pipelined: false, body: [bandLoop] } satisfies LoopStmt] : [bandLoop]),
    ],
    tile: {
      splits: [{ dim: dims(output)[0], extent: heightOf(output), size: geometry.bandRows }, ...(patch ? [{ dim: dims(output)[1], extent: widthOf(output), size: patch.patchCols }] : [])],
      tileCount: geometry.bands * patches,
      doubleBuffered: false,
      cores: 1,
    },
    stats: {
      ...segmentStats(residentBytes, lineBufferBytes + weightBytes, Math.round(dmaInBytes) + weightBytes, Math.round(dmaOutBytes), cycles, capacity),
      ...(weightsViaDma(ctx.target) !== undefined ? { weightTileBytes: weightBytes } : {}),
    },
    segment: {
      members: memberNames(node),
      bandRows: geometry.bandRows,
      bands: geometry.bands,
      extraMacs,
      ...recomputeStats(members),
      mode: patch ? 'patches' : 'line-buffer',
      lineBufferBytes,
      ...(patch ? { patches: patch.patches, patchCols: patch.patchCols } : {}),
    },
  };
}

/**
 * A tiles segment:
 *
 *   loop b in 0..rowTiles-1 { loop p in 0..colTiles-1 {
 *     compute <member>(its inputs' windows for the tile) -> <its window for the tile>   (in order)
 *   } }
 *
 * Each intermediate lives in a region buffer that holds its window of the current tile only (no
 * shifts, nothing kept from one tile to the next): the planner may overlap the region buffers of
 * members that do not overlap, so the scratch is the busiest member's buffers.
 */
/** A segment layer's stats: SRAM is the resident buffers plus its scratch; single-buffered, on one core. */
function segmentStats(residentBytes: number, scratchBytes: number, dmaInBytes: number, dmaOutBytes: number, cycles: number, capacity: number | null): LayerStats {
  const sramBytes = residentBytes + scratchBytes;
  return {
    residentBytes,
    scratchBytes,
    localBytes: 0,
    sramBytes,
    dmaInBytes,
    dmaOutBytes,
    cycles,
    cyclesSingleBuffered: cycles,
    doubleBufferBytes: 0,
    fits: capacity === null || sramBytes <= capacity,
  };
}

/** The node names a segment runs (a PAD folded into a convolution too), each member followed by the nodes fused into it. */
function memberNames(node: OpNode): string[] {
  return (node.segment?.members ?? []).flatMap((m) => [m.name, ...(m.fused ?? []).map((f) => f.name)]);
}

function lowerTilesLayer(node: OpNode, ctx: LowerContext, residentBytes: number, capacity: number | null): LayerSchedule {
  const output = node.outputs[0]!;
  const { members, geometry, tiles, dims } = segmentFigures(ctx, node);
  const g = tiles!;
  const heightOf = (t: string) => ctx.graph.tensors.get(t)!.shape[dims(t)[0]]!;
  const widthOf = (t: string) => ctx.graph.tensors.get(t)!.shape[dims(t)[1]] ?? 1;
  const rowRange = (t: string, w: { stride: number; offset: number; extent: number; limit: number }): TileRange => ({ dim: dims(t)[0], loopVar: BAND, ...w });
  const colRange = (t: string, w: { stride: number; offset: number; extent: number; limit: number }): TileRange => ({ dim: dims(t)[1], loopVar: PATCH, ...w });
  const regions = tileRegionBuffers(members, g, (t) => pixelBytes(ctx, t, output, dims(t)));
  const regionOf = new Map<string, LoopBuffer>();
  members.slice(0, -1).forEach((m, i) => {
    const t = ctx.graph.tensors.get(m.output)!;
    const rows = g.rows.tensors.get(m.output)!;
    const cols = g.cols.tensors.get(m.output)!;
    const shape = [...t.shape];
    const bytes = regions.buffers.get(m.output)!.bytes;
    shape[dims(m.output)[0]] = largestWindow(rows, g.rows.patches);
    shape[dims(m.output)[1]] = largestWindow(cols, g.cols.patches);
    regionOf.set(m.output, {
      name: `${node.name}.tile${i}`,
      kind: 'tile',
      scope: 'sram',
      dtype: t.dtype,
      shape,
      sizeBytes: bytes,
      copies: 1,
      perCore: false,
      tensor: m.output,
      lines: { dim: dims(m.output)[0], loopVar: BAND, stride: rows.stride, offset: rows.offset, rows: rows.extent, cols: colRange(m.output, cols), region: true },
    });
  });
  const body: Stmt[] = [];
  let macs = 0;
  for (const m of members) {
    const outRows = g.rows.tensors.get(m.output)!;
    const outCols = g.cols.tensors.get(m.output)!;
    const inputs: Operand[] = m.inputs.map((i, k) => {
      const buffer = regionOf.get(i.tensor)?.name ?? ctx.bufferOf(i.tensor);
      if (readsWhole(i.rows)) return { buffer, region: { tensor: i.tensor, ranges: [] } };
      const rows = rowRange(i.tensor, readColumns(outRows, i.rows, heightOf(i.tensor)));
      const c = m.cols[k];
      const cols = c && c.span > 0 ? [colRange(i.tensor, readColumns(outCols, c, widthOf(i.tensor)))] : [];
      return { buffer, region: { tensor: i.tensor, ranges: [rows, ...cols] } };
    });
    const out: Operand = { buffer: regionOf.get(m.output)?.name ?? ctx.bufferOf(m.output), region: { tensor: m.output, ranges: [rowRange(m.output, outRows), colRange(m.output, outCols)] } };
    body.push({ kind: 'compute', op: m.node.opType, node: m.node.name, inputs, outputs: [out], macs: macsPerPixel(m) * outRows.extent * outCols.extent });
    macs += m.macsPerRow * m.height;
  }
  const extraMacs = tileExtraMacs(members, g);
  macs += extraMacs;
  const scratchBytes = regions.peakBytes;
  const cycles = Math.round(macs / ctx.target.macsPerCycle);
  const colLoop: LoopStmt = { kind: 'loop', loopVar: PATCH, extent: g.cols.patches, parallel: 'serial', pipelined: false, body };
  return {
    step: node.step,
    name: node.name,
    op: node.opType,
    template: 'segment',
    reads: node.inputs.filter((t) => t !== ''),
    writes: [output],
    buffers: [...regionOf.values()],
    body: [{ kind: 'loop', loopVar: BAND, extent: g.rows.patches, parallel: 'serial', pipelined: false, body: [colLoop] }],
    tile: {
      splits: [
        { dim: dims(output)[0], extent: heightOf(output), size: g.rows.patchCols },
        { dim: dims(output)[1], extent: widthOf(output), size: g.cols.patchCols },
      ],
      tileCount: g.rows.patches * g.cols.patches,
      doubleBuffered: false,
      cores: 1,
    },
    stats: segmentStats(residentBytes, scratchBytes, 0, 0, cycles, capacity),
    segment: {
      members: memberNames(node),
      bandRows: geometry.bandRows,
      bands: geometry.bands,
      extraMacs,
      ...recomputeStats(members),
      mode: 'tiles',
      lineBufferBytes: scratchBytes,
      patches: g.cols.patches,
      patchCols: g.cols.patchCols,
      tileRows: g.rows.patchCols,
      rowTiles: g.rows.patches,
    },
  };
}

