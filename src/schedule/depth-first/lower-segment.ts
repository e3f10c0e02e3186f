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
 */
import type { OpNode } from '../../ir/graph.js';
import type { LayerSchedule, LoopBuffer, Operand, Stmt } from '../../ir/loop.js';
import { InternalError } from '../../diagnostics/errors.js';
import type { LowerContext } from '../lower-layer.js';
import type { SegmentGeometry } from './geometry.js';
import { readWindow, segmentGeometry } from './geometry.js';
import type { MemberInfo } from './members.js';
import { memberInfo, readsWhole } from './members.js';

const BAND = 'b';

export interface LoweredSegmentFigures {
  readonly members: readonly MemberInfo[];
  readonly geometry: SegmentGeometry;
}

/** Members and geometry of a segment node (recomputed from the node: the graph is the source of truth). */
export function segmentFigures(ctx: Pick<LowerContext, 'graph'>, node: OpNode): LoweredSegmentFigures {
  const seg = node.segment;
  if (!seg) throw new InternalError(`node '${node.name}' is not a segment`);
  const members = seg.members.map((m) => memberInfo(ctx.graph, m));
  if (members.some((m) => m === undefined)) throw new InternalError(`segment '${node.name}' has a member that cannot run band by band`);
  const geometry = segmentGeometry(members as MemberInfo[], seg.bandRows, (t) => ctx.graph.tensors.get(t)?.shape[2] ?? 1);
  if (!geometry) throw new InternalError(`segment '${node.name}' has no band geometry`);
  return { members: members as MemberInfo[], geometry };
}

export function lowerSegmentLayer(node: OpNode, ctx: LowerContext, residentBytes: number, capacity: number | null): LayerSchedule {
  const { members, geometry } = segmentFigures(ctx, node);
  const output = node.outputs[0]!;
  const lineOf = new Map<string, LoopBuffer>();
  members.slice(0, -1).forEach((m, i) => {
    const t = ctx.graph.tensors.get(m.output)!;
    const rows = geometry.tensors.get(m.output)!;
    const shape = [...t.shape];
    shape[2] = rows.lineRows;
    // Every tensor of a segment is float32 (members.ts), so the intermediates (which have no liveness
    // interval of their own) take the output's element size (4, or 1 under --dtype int8).
    const rowBytes = (t.elementCount / t.shape[2]!) * ctx.elementBytes(output);
    lineOf.set(m.output, {
      name: `${node.name}.lines${i}`,
      kind: 'tile',
      scope: 'sram',
      dtype: t.dtype,
      shape,
      sizeBytes: rows.lineRows * rowBytes,
      copies: 1,
      perCore: false,
      tensor: m.output,
      lines: { dim: 2, loopVar: BAND, stride: rows.newRows, offset: rows.lowOffset, rows: rows.lineRows },
    });
  });
  const heightOf = (t: string) => ctx.graph.tensors.get(t)!.shape[2]!;
  const body: Stmt[] = [];
  let shiftBytes = 0;
  for (const b of lineOf.values()) {
    const rows = geometry.tensors.get(b.tensor!)!;
    if (rows.lineRows > rows.newRows) {
      body.push({ kind: 'shift', buffer: b.name, rows: rows.newRows });
      shiftBytes += (b.sizeBytes / b.lines!.rows) * (rows.lineRows - rows.newRows);
    }
  }
  let macs = 0;
  for (const m of members) {
    const outRows = geometry.tensors.get(m.output)!;
    const inputs: Operand[] = m.inputs.map((i) => {
      const buffer = lineOf.get(i.tensor)?.name ?? ctx.bufferOf(i.tensor);
      if (readsWhole(i.rows)) return { buffer, region: { tensor: i.tensor, ranges: [] } };
      const w = readWindow(outRows, i.rows);
      return { buffer, region: { tensor: i.tensor, ranges: [{ dim: 2, loopVar: BAND, stride: w.stride, offset: w.offset, extent: w.extent, limit: heightOf(i.tensor) }] } };
    });
    const out: Operand = {
      buffer: lineOf.get(m.output)?.name ?? ctx.bufferOf(m.output),
      region: { tensor: m.output, ranges: [{ dim: 2, loopVar: BAND, stride: outRows.newRows, offset: outRows.newOffset, extent: outRows.newRows, limit: m.height }] },
    };
    body.push({ kind: 'compute', op: m.node.opType, node: m.node.name, inputs, outputs: [out], macs: Math.round(m.macsPerRow * outRows.newRows) });
    macs += m.macsPerRow * m.height;
  }
  const lineBufferBytes = [...lineOf.values()].reduce((a, b) => a + b.sizeBytes, 0);
  const copyBytesPerCycle = Math.max(1, ctx.target.dma.bytesPerCycle);
  const cycles = Math.round(macs / ctx.target.macsPerCycle + (shiftBytes * Math.max(0, geometry.bands - 1)) / copyBytesPerCycle);
  const sramBytes = residentBytes + lineBufferBytes;
  const reads = [node.inputs[0]!];
  return {
    step: node.step,
    name: node.name,
    op: node.opType,
    template: 'segment',
    reads,
    writes: [output],
    buffers: [...lineOf.values()],
    body: [{ kind: 'loop', loopVar: BAND, extent: geometry.bands, parallel: 'serial', pipelined: false, body }],
    tile: { splits: [{ dim: 2, extent: heightOf(output), size: geometry.bandRows }], tileCount: geometry.bands, doubleBuffered: false, cores: 1 },
    stats: {
      residentBytes,
      scratchBytes: lineBufferBytes,
      localBytes: 0,
      sramBytes,
      dmaInBytes: 0,
      dmaOutBytes: 0,
      cycles,
      cyclesSingleBuffered: cycles,
      doubleBufferBytes: 0,
      fits: capacity === null || sramBytes <= capacity,
    },
    segment: {
      members: members.flatMap((m) => [m.node.name, ...(m.node.fused ?? []).map((f) => f.name)]),
      bandRows: geometry.bandRows,
      bands: geometry.bands,
      extraMacs: 0,
      mode: 'line-buffer',
      lineBufferBytes,
    },
  };
}
