/**
 * Depth-first segments (issue 10: line-buffer, column-patch and 2-D tile modes) in the scheduled IR.
 *
 * The walk below executes a segment layer's loop IR the way the generated C does (emit-layer.ts:
 * windows clamped to the tensor, line buffers holding [b*stride + offset, + rows), shifts between
 * bands; in patch segments a patch loop around the band loop, line buffers holding the patch's
 * columns) and checks, for seeded random chains of Conv / depthwise / pools / Relu with odd sizes,
 * strides, paddings and a residual Add, and for the segments memplan picks in real models:
 *  - line-buffer segments compute every element of every member's output exactly once, so the MACs
 *    executed equal the members' own MACs (extra MACs 0, as reported); patch segments compute every
 *    element at least once and execute exactly the members' MACs plus the extra MACs reported;
 *  - every element a member reads was computed before (in the same patch), is still in its line
 *    buffer, and covers the rows and columns its output needs (the kernel's halo);
 *  - rows and columns are written inside the line buffer's window.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { renderJson } from '../../reports/json.js';
import { buildConcatTail, buildFireChain, buildRandomChain } from '../../fixtures/models/df-chain.js';
import type { LayerSchedule, LoopStmt, TileRange } from '../../src/ir/loop.js';
import type { Analysis, AnalyzeOptions } from '../../src/pipeline.js';
import { analyzeModel } from '../../src/pipeline.js';
import { segmentFigures } from '../../src/schedule/depth-first/index.js';
import { alignLag, segmentLagBytes, segmentStaging } from '../../src/schedule/depth-first/overlay.js';
import { foldPads, memberInfo } from '../../src/schedule/depth-first/members.js';
import { importTflite } from '../../src/frontend/tflite/import-tflite.js';
import { importOnnx } from '../../src/frontend/import-onnx.js';
import type { Graph, OpNode } from '../../src/ir/graph.js';
import { segmentGeometry, tileExtraMacs, tileGeometry, tileRegionBuffers } from '../../src/schedule/depth-first/geometry.js';
import { applyOverrides, DEFAULT_TARGET } from '../../src/schedule/target.js';
import { REPO_ROOT, sharedModel } from '../helpers/shared-data.js';

// No DRAM. With room for every whole tensor the layer-by-layer schedule is kept ('choice' below);
// one byte less than the whole-tensor plan needs, and the depth-first segments run.
const NO_DRAM_ROOMY = applyOverrides(DEFAULT_TARGET, { sramBytes: 64 << 20, dramBytes: 0 });

/** --dram 0 at one byte less than the layer-by-layer plan needs: the segmented schedule. */
async function analyzeTight(bytes: Uint8Array, options: Omit<AnalyzeOptions, 'target'>): Promise<Analysis> {
  const whole = await analyzeModel(bytes, { ...options, target: NO_DRAM_ROOMY, depthFirst: false });
  const need = whole.report.pools.find((p) => p.name === whole.bufferSet.poolOfScope.sram)!.usedBytes;
  return analyzeModel(bytes, { ...options, target: applyOverrides(NO_DRAM_ROOMY, { sramBytes: need - 1 }) });
}

function clamp(r: TileRange, b: number): [number, number] {
  const s = b * r.stride + r.offset;
  const lo = Math.max(0, s);
  const hi = Math.min(r.limit, s + r.extent);
  return [lo, Math.max(lo, hi)];
}

/**
 * Executes a segment layer's loop IR (a patch loop around the band loop for patch segments); returns
 * the MACs executed. Throws on the first violation.
 */
function walkSegment(a: Analysis, layer: LayerSchedule): number {
  const node = a.graph.nodes[layer.step]!;
  const { members, dims } = segmentFigures(a, node);
  const relOf = new Map(members.map((m) => [m.node.name, m]));
  const lines = new Map(layer.buffers.map((b) => [b.name, b]));
  // The loop nest, then (channels-last staging) the copy of the whole staging buffer into the output.
  const staging = layer.segment!.overlay?.staging;
  expect(layer.body.length).toBe(staging ? 2 : 1);
  if (staging) {
    const copy = layer.body[1]!;
    expect(copy.kind === 'copy' ? [copy.src.buffer, copy.src.region.ranges.length, copy.dst.buffer, copy.dst.region.ranges.length] : copy.kind).toEqual([staging.buffer, 0, layer.segment!.overlay!.output, 0]);
    expect(lines.get(staging.buffer)?.channelsLast).toBe(true);
  }
  const outer = layer.body[0] as LoopStmt;
  expect(outer.kind).toBe('loop');
  const tiled = layer.segment!.mode === 'tiles';
  const patched = layer.segment!.mode === 'patches' || tiled;
  const loop = patched ? (outer.body[0] as LoopStmt) : outer;
  if (patched) {
    // Patches: the patch loop around the band loop; tiles: the row-tile loop around the column-tile loop.
    expect(outer.loopVar).toBe(tiled ? 'b' : 'p');
    expect(outer.extent).toBe(tiled ? layer.segment!.rowTiles : layer.segment!.patches);
    expect(outer.body.length).toBe(1);
    if (tiled) {
      expect(loop.loopVar).toBe('p');
      expect(loop.extent).toBe(layer.segment!.patches);
      // Region buffers: a window of the tile, never shifted.
      for (const b of layer.buffers) expect(b.lines?.region ?? b.channelsLast).toBe(true);
    }
  }
  const patches = tiled ? layer.segment!.patches! : patched ? outer.extent : 1;
  const bandsOf = tiled ? 1 : loop.extent;
  // Rows and columns: dims 2 and 3 of NCHW tensors, 1 and 2 of NHWC ones (integer TFLite members).
  const widthOf = (t: string) => a.graph.tensors.get(t)!.shape[dims(t)[1]] ?? 1;
  const heightOf = (t: string) => a.graph.tensors.get(t)!.shape[dims(t)[0]]!;
  // Times each element (row * width + column) of each tensor the segment produces was computed.
  const computed = new Map<string, number[]>();
  for (const m of members) computed.set(m.output, new Array<number>(m.height * widthOf(m.output)).fill(0));
  let macs = 0;
  const windowOf = (buffer: string, b: number): [number, number] | undefined => {
    const l = lines.get(buffer)?.lines;
    return l ? [b * l.stride + l.offset, b * l.stride + l.offset + l.rows] : undefined;
  };
  const colWindowOf = (buffer: string, p: number): [number, number] | undefined => {
    const c = lines.get(buffer)?.lines?.cols;
    return c ? clamp(c, p) : undefined;
  };
  const colsOf = (ranges: readonly TileRange[], tensor: string, p: number): [number, number] => {
    const r = ranges.find((x) => x.dim === dims(tensor)[1]);
    return r ? clamp(r, p) : [0, widthOf(tensor)];
  };
  // (row tile, patch) pairs in execution order; for line buffers and patches, the bands inside each patch.
  const outerIters: [number, number][] = [];
  if (tiled) for (let b = 0; b < layer.segment!.rowTiles!; b++) for (let p = 0; p < patches; p++) outerIters.push([b, p]);
  else for (let p = 0; p < patches; p++) outerIters.push([0, p]);
  for (const [tileRow, p] of outerIters) {
    // Elements computed in this patch or tile (line buffers are refilled patch by patch; region buffers tile by tile).
    const done = new Map<string, Uint8Array>();
    for (const m of members) done.set(m.output, new Uint8Array(m.height * widthOf(m.output)));
    for (let band = 0; band < bandsOf; band++) {
      const b = tiled ? tileRow : band;
      for (const s of loop.body) {
        if (s.kind === 'shift') {
          expect(lines.get(s.buffer)?.lines?.stride).toBe(s.rows);
          continue;
        }
        if (s.kind === 'dma-wait') continue;
        if (s.kind === 'dma-start') {
          expect(patched).toBe(false);
          // A streamed input's new rows arrive in its line buffer; the output's rows leave from theirs.
          const r = s.src.region.ranges[0]!;
          const [st, en] = clamp(r, b);
          const lineSide = s.direction === 'in' ? s.dst.buffer : s.src.buffer;
          const w = windowOf(lineSide, b)!;
          if (en > st && (st < w[0] || en > w[1])) throw new Error(`band ${b}: DMA ${s.direction} of rows [${st}, ${en}) outside the line buffer [${w[0]}, ${w[1]})`);
          const t = s.src.region.tensor;
          const W = widthOf(t);
          if (s.direction === 'in') {
            const d = done.get(t) ?? done.set(t, new Uint8Array(r.limit * W)).get(t)!;
            for (let row = st; row < en; row++) for (let c = 0; c < W; c++) d[row * W + c] = 1;
          } else {
            for (let row = st; row < en; row++) if (computed.get(t)![row * W] !== 1) throw new Error(`band ${b}: row ${row} of ${t} leaves before it is computed`);
          }
          continue;
        }
        if (s.kind !== 'compute') throw new Error(`unexpected ${s.kind} in a segment band`);
        const member = relOf.get(s.node!)!;
        const out = s.outputs[0]!;
        const r = out.region.ranges.find((x) => x.dim === dims(out.region.tensor)[0])!;
        const cr = out.region.ranges.find((x) => x.dim === dims(out.region.tensor)[1]);
        expect(cr !== undefined).toBe(patched);
        const [st, en] = clamp(r, b);
        const [cs, ce] = colsOf(out.region.ranges, out.region.tensor, p);
        if (en === st || ce === cs) continue;
        const w = windowOf(out.buffer, b);
        if (w && (st < w[0] || en > w[1])) throw new Error(`band ${b}: ${s.node} writes rows [${st}, ${en}) outside its line buffer [${w[0]}, ${w[1]})`);
        const cw = colWindowOf(out.buffer, p);
        if (cw && (cs < cw[0] || ce > cw[1])) throw new Error(`patch ${p}: ${s.node} writes columns [${cs}, ${ce}) outside its line buffer [${cw[0]}, ${cw[1]})`);
        member.inputs.forEach((mi, k) => {
          const input = s.inputs.find((o) => o.region.tensor === mi.tensor)!;
          const ir = input.region.ranges.find((x) => x.dim === dims(mi.tensor)[0]);
          if (!ir) return; // read whole (the segment's input)
          const [ist, ien] = clamp(ir, b);
          const rel = mi.rows;
          // The rows the kernel needs for output rows [st, en), clamped to the input.
          const need0 = Math.max(0, st * rel.stride - rel.pad);
          const need1 = Math.min(ir.limit, (en - 1) * rel.stride - rel.pad + rel.span);
          if (need0 < ist || need1 > ien) throw new Error(`band ${b}: ${s.node} reads [${ist}, ${ien}) of ${mi.tensor} but needs [${need0}, ${need1})`);
          const [ics, ice] = colsOf(input.region.ranges, mi.tensor, p);
          const cols = member.cols[k];
          let c0 = ics;
          let c1 = ice;
          if (patched) {
            expect(cols).toBeDefined();
            c0 = Math.max(0, cs * cols!.stride - cols!.pad);
            c1 = Math.min(widthOf(mi.tensor), (ce - 1) * cols!.stride - cols!.pad + cols!.span);
            if (c0 < ics || c1 > ice) throw new Error(`patch ${p}: ${s.node} reads columns [${ics}, ${ice}) of ${mi.tensor} but needs [${c0}, ${c1})`);
          }
          const iw = windowOf(input.buffer, b);
          if (iw && (ist < iw[0] || ien > iw[1])) throw new Error(`band ${b}: ${s.node} reads rows [${ist}, ${ien}) outside the line buffer [${iw[0]}, ${iw[1]})`);
          const icw = colWindowOf(input.buffer, p);
          if (icw && (ics < icw[0] || ice > icw[1])) throw new Error(`patch ${p}: ${s.node} reads columns [${ics}, ${ice}) outside the line buffer [${icw[0]}, ${icw[1]})`);
          const d = done.get(mi.tensor);
          const W = widthOf(mi.tensor);
          if (d) {
            for (let row = need0; row < need1; row++) {
              for (let c = c0; c < c1; c++) if (d[row * W + c] !== 1) throw new Error(`patch ${p} band ${b}: ${s.node} reads (${row}, ${c}) of ${mi.tensor} before this patch computed it`);
            }
          }
        });
        const W = widthOf(out.region.tensor);
        const total = computed.get(out.region.tensor)!;
        const d = done.get(out.region.tensor)!;
        for (let row = st; row < en; row++) {
          for (let c = cs; c < ce; c++) {
            total[row * W + c]! += 1;
            d[row * W + c] = 1;
          }
        }
        macs += cr ? (s.macs / (r.extent * cr.extent)) * (en - st) * (ce - cs) : (s.macs / r.extent) * (en - st);
      }
    }
  }
  for (const [t, counts] of computed) {
    const bad = counts.findIndex((c) => (patched ? c < 1 : c !== 1));
    if (bad >= 0) throw new Error(`element ${bad} of ${t} (${heightOf(t)}x${widthOf(t)}) computed ${counts[bad]} times`);
  }
  return macs;
}

/**
 * A segment that writes its output Y over the dead part of its input X (overlay.ts): executes its
 * loop IR as walkSegment does and checks byte by byte, every byte of every window enumerated
 * through the tensors' layouts, that with Y at offset(X) - lag no byte of X is overwritten before
 * a statement that reads it (a statement that reads X and writes Y counts as reading after), and
 * that one alignment unit less would overwrite a byte read in the same iteration or a later one.
 * When the plan placed both, Y sits exactly lag bytes before X. Returns the overlays checked.
 */
function checkOverlays(a: Analysis): number {
  let checked = 0;
  for (const layer of a.schedule.layers) {
    const o = layer.segment?.overlay;
    if (!o) continue;
    checked++;
    const node = a.graph.nodes[layer.step]!;
    const x = node.inputs[0]!;
    const y = node.outputs[0]!;
    expect(a.schedule.bufferOfTensor.get(x)).toBe(o.input);
    expect(a.schedule.bufferOfTensor.get(y)).toBe(o.output);
    const { dims } = segmentFigures(a, node);
    const layout = (t: string) => {
      const tensor = a.graph.tensors.get(t)!;
      const size = a.liveness.intervals.find((iv) => iv.tensor === t)!.sizeBytes;
      return { shape: tensor.shape, dims: dims(t), eb: size / tensor.elementCount, bytes: size, order: tensor.shape.map((_, d) => d) };
    };
    const lx = layout(x);
    // Channels-last staging: Y's windows are written into the staging buffer in NHWC order.
    const ly = o.staging ? { ...layout(y), order: [0, 2, 3, 1] } : layout(y);
    const written = o.staging?.buffer ?? o.output;
    {
      // The chooser stages only when that is smaller than the plain overlay (and than no overlay).
      const f = segmentFigures(a, node);
      const config = { geometry: f.geometry, ...(f.patch ? { patch: f.patch } : {}), ...(f.tiles ? { tiles: f.tiles } : {}) };
      const hOf = (t: string) => a.graph.tensors.get(t)!.shape[dims(t)[0]]!;
      const wOf = (t: string) => a.graph.tensors.get(t)!.shape[dims(t)[1]] ?? 1;
      const tl = (l: ReturnType<typeof layout>) => ({ shape: l.shape, dims: l.dims, elementBytes: l.eb });
      const alignment = a.bufferSet.pools[0]?.alignmentBytes ?? 1;
      const plain = alignLag(segmentLagBytes({ members: f.members, input: x, output: y, config, heightOf: hOf, widthOf: wOf }, tl(lx), tl(layout(y))), alignment);
      const staged = node.segment!.members.at(-1)!.opType !== 'Concat' ? segmentStaging({ members: f.members, input: x, output: y, config, heightOf: hOf, widthOf: wOf }, tl(lx), tl(layout(y)), alignment) : undefined;
      const plainPair = Math.min(Math.max(plain + lx.bytes, ly.bytes), lx.bytes + ly.bytes);
      const stages = staged !== undefined && staged.lagBytes + lx.bytes < plainPair;
      expect(o.staging !== undefined, `${layer.name}: plain lag ${plain}, staged ${JSON.stringify(staged)}`).toBe(stages);
      if (stages) expect([o.lagBytes, o.staging!.outputOffsetBytes]).toEqual([staged.lagBytes, staged.outputOffsetBytes]);
      else expect(o.lagBytes).toBe(plain);
    }
    if (o.staging) {
      expect(layer.buffers.find((b) => b.name === o.staging!.buffer)?.channelsLast).toBe(true);
      expect(o.staging.outputOffsetBytes % (a.bufferSet.pools[0]?.alignmentBytes ?? 1)).toBe(0);
      // The staging buffer ends where the output starts, at the latest; the output ends inside X.
      expect(o.staging.outputOffsetBytes).toBeGreaterThanOrEqual(ly.bytes - o.lagBytes);
      expect(o.staging.outputOffsetBytes + ly.bytes).toBeLessThanOrEqual(lx.bytes);
    }
    /** Every byte of a window of a tensor (rows and columns from its ranges at iteration (b, p), every other dim whole). */
    const bytesOf = (l: ReturnType<typeof layout>, ranges: readonly TileRange[], b: number, p: number): number[] => {
      const out: number[] = [];
      const box = l.shape.map((n, d): [number, number] => {
        const r = ranges.find((q) => q.dim === d);
        return r ? clamp(r, r.loopVar === 'p' ? p : b) : [0, n];
      });
      const idx = new Array<number>(l.shape.length).fill(0);
      const visit = (d: number): void => {
        if (d === l.shape.length) {
          let e = 0;
          for (const k of l.order) e = e * l.shape[k]! + idx[k]!;
          for (let q = 0; q < l.eb; q++) out.push(e * l.eb + q);
          return;
        }
        for (let i = box[d]![0]; i < box[d]![1]; i++) {
          idx[d] = i;
          visit(d + 1);
        }
      };
      visit(0);
      return out;
    };
    // The loops as walkSegment runs them: (b, p) pairs in execution order.
    const outer = layer.body[0] as LoopStmt;
    const inner = layer.segment!.mode === 'line-buffer' ? outer : (outer.body[0] as LoopStmt);
    const iters: [number, number][] = [];
    for (let i = 0; i < outer.extent; i++) {
      for (let j = 0; j < (inner === outer ? 1 : inner.extent); j++) {
        if (layer.segment!.mode === 'tiles') iters.push([i, j]);
        else if (layer.segment!.mode === 'patches') iters.push([j, i]);
        else iters.push([i, 0]);
      }
    }
    // Statement order (t) and iteration (i) of every read of X and write of Y.
    const events: { t: number; i: number; read: boolean; bytes: number[] }[] = [];
    let t = 0;
    iters.forEach(([b, p], i) => {
      for (const s of inner.body) {
        t++;
        if (s.kind !== 'compute') continue;
        // A statement's writes first: a kernel reading X while it writes Y may read after writing.
        for (const op of s.outputs) if (op.buffer === written) events.push({ t, i, read: false, bytes: bytesOf(ly, op.region.ranges, b, p) });
        for (const op of s.inputs) if (op.buffer === o.input) events.push({ t, i, read: true, bytes: bytesOf(lx, op.region.ranges, b, p) });
      }
    });
    /** The first X byte overwritten at or before a read of it (by statement, or by iteration), with Y at offset(X) - lag. */
    const violation = (lag: number, byIteration: boolean): string | undefined => {
      const writtenAt = new Array<number>(lx.bytes).fill(Infinity);
      // By iteration: an iteration's writes before its reads (the lag's model: a member may read X after the last one wrote Y).
      const order = byIteration ? [...events].sort((u, v) => u.i - v.i || Number(u.read) - Number(v.read)) : events;
      for (const e of order) {
        const when = byIteration ? e.i : e.t;
        if (e.read) {
          for (const xb of e.bytes) if (writtenAt[xb]! <= when) return `X byte ${xb} read at ${when}, overwritten at ${writtenAt[xb]}`;
        } else {
          for (const yb of e.bytes) {
            const xb = yb - lag;
            if (xb >= 0 && xb < lx.bytes && writtenAt[xb] === Infinity) writtenAt[xb] = when;
          }
        }
      }
      return undefined;
    };
    const align = a.bufferSet.pools[0]?.alignmentBytes ?? 1;
    expect(o.lagBytes % align).toBe(0);
    expect(violation(o.lagBytes, false), `${layer.name}: lag ${o.lagBytes}`).toBeUndefined();
    expect(violation(o.lagBytes, true), `${layer.name}: lag ${o.lagBytes} by iteration`).toBeUndefined();
    if (o.lagBytes > 0) expect(violation(o.lagBytes - align, true), `${layer.name}: lag ${o.lagBytes} - ${align}`).toBeDefined();
    // The pair takes fewer bytes than side by side.
    expect(Math.max(o.lagBytes + lx.bytes, ly.bytes)).toBeLessThan(lx.bytes + ly.bytes);
    // The buffer set asks the planner for it; a plan that placed both honours it.
    const by = a.bufferSet.buffers.find((q) => q.name === o.output)!;
    const ax = a.plan.allocations.find((q) => q.name === o.input);
    const ay = a.plan.allocations.find((q) => q.name === o.output);
    const placed = (n: string) => !a.plan.unplaced.includes(n);
    if (o.staging) {
      // The staging buffer before X, the output after the staging buffer's end (overlay.ts Staging).
      expect(by.overlay).toEqual({ buffer: o.input, offsetBytes: o.staging.outputOffsetBytes });
      expect(a.bufferSet.buffers.find((q) => q.name === o.staging!.buffer)!.overlay).toEqual({ buffer: o.input, offsetBytes: -o.lagBytes });
      const as = a.plan.allocations.find((q) => q.name === o.staging!.buffer);
      if (ax && ay && as && placed(o.input) && placed(o.output) && placed(o.staging.buffer)) {
        expect([as.offsetBytes, ay.offsetBytes]).toEqual([ax.offsetBytes - o.lagBytes, ax.offsetBytes + o.staging.outputOffsetBytes]);
      }
      continue;
    }
    expect(by.overlay).toEqual({ buffer: o.input, offsetBytes: -o.lagBytes });
    if (ax && ay && placed(o.input) && placed(o.output)) expect(ay.offsetBytes).toBe(ax.offsetBytes - o.lagBytes);
  }
  return checked;
}

/** Checks every segment layer of an analysis; returns how many there are. */
function checkSegments(a: Analysis): number {
  const layers = a.schedule.layers.filter((l) => l.segment);
  for (const l of layers) {
    const { members } = segmentFigures(a, a.graph.nodes[l.step]!);
    const own = members.reduce((s, m) => s + m.macsPerRow * m.height, 0);
    // Line buffers compute every element once; patches exactly the extra MACs they report.
    expect(walkSegment(a, l)).toBeCloseTo(own + l.segment!.extraMacs, 6);
    if (l.segment!.mode === 'line-buffer') expect(l.segment!.extraMacs).toBe(0);
    // Scratch: the line (region) buffers and a staging buffer (the whole output, channels-last).
    expect(l.stats.scratchBytes).toBe(l.segment!.lineBufferBytes + (l.segment!.overlay?.staging?.copyBytes ?? 0));
  }
  return layers.length;
}

describe('segment geometry', () => {
  it('a 3x3 stride-1 consumer keeps two rows and computes one new row per band', () => {
    const rel = { stride: 1, pad: 1, span: 3 };
    const g = segmentGeometry(
      [
        { output: 'a', inputs: [{ tensor: 'x', rows: rel }] },
        { output: 'b', inputs: [{ tensor: 'a', rows: rel }] },
      ],
      1,
      () => 10,
    )!;
    // b's band 0 needs a's rows [-1, 2): one prologue band computes a's row 0.
    expect(g.bands).toBe(11);
    expect(g.tensors.get('a')).toEqual({ newRows: 1, newOffset: 0, lowOffset: -2, lineRows: 3 });
    expect(g.tensors.get('b')).toEqual({ newRows: 1, newOffset: -1, lowOffset: -1, lineRows: 1 });
  });

  it('a stride-2 consumer makes its producer advance two rows per band', () => {
    const g = segmentGeometry(
      [
        { output: 'a', inputs: [{ tensor: 'x', rows: { stride: 1, pad: 1, span: 3 } }] },
        { output: 'b', inputs: [{ tensor: 'a', rows: { stride: 2, pad: 1, span: 3 } }] },
      ],
      2,
      (t) => (t === 'a' ? 15 : 8),
    )!;
    expect(g.tensors.get('a')!.newRows).toBe(4);
    expect(g.tensors.get('a')!.lineRows).toBe(5);
  });

  it('refuses a tensor read at two row rates, and an intermediate nobody reads', () => {
    const id = { stride: 1, pad: 0, span: 1 };
    const two = { stride: 2, pad: 0, span: 1 };
    expect(
      segmentGeometry(
        [
          { output: 'a', inputs: [{ tensor: 'x', rows: id }] },
          { output: 'b', inputs: [{ tensor: 'a', rows: id }] },
          { output: 'c', inputs: [{ tensor: 'a', rows: two }, { tensor: 'b', rows: two }] },
        ],
        1,
        () => 8,
      ),
    ).toBeDefined();
    expect(
      segmentGeometry(
        [
          { output: 'a', inputs: [{ tensor: 'x', rows: id }] },
          { output: 'b', inputs: [{ tensor: 'a', rows: id }] },
          { output: 'c', inputs: [{ tensor: 'a', rows: two }, { tensor: 'b', rows: id }] },
        ],
        1,
        () => 8,
      ),
    ).toBeUndefined();
    expect(segmentGeometry([{ output: 'a', inputs: [{ tensor: 'x', rows: id }] }, { output: 'b', inputs: [{ tensor: 'x', rows: id }] }], 1, () => 8)).toBeUndefined();
  });
});

describe('tile geometry (2-D tiles)', () => {
  it('two 3x3 stride-1 convs on 10x10 in tiles of one output element: windows, extra MACs, region buffers', () => {
    const rel = { stride: 1, pad: 1, span: 3 };
    const members = [
      { output: 'a', inputs: [{ tensor: 'x', rows: rel }], cols: [rel], width: 10, height: 10, macsPerRow: 10 * 9 },
      { output: 'b', inputs: [{ tensor: 'a', rows: rel }], cols: [rel], width: 10, height: 10, macsPerRow: 10 * 9 },
    ];
    const g = tileGeometry(members, 1, 1, () => 10, () => 10)!;
    expect([g.rows.patches, g.cols.patches]).toEqual([10, 10]);
    // Tile (b, p) computes a's rows [b - 1, b + 2) x columns [p - 1, p + 2), clamped: the halo in both dimensions.
    expect(g.rows.tensors.get('a')).toEqual({ stride: 1, offset: -1, extent: 3, limit: 10 });
    expect(g.cols.tensors.get('a')).toEqual({ stride: 1, offset: -1, extent: 3, limit: 10 });
    expect(g.rows.tensors.get('b')).toEqual({ stride: 1, offset: 0, extent: 1, limit: 10 });
    // a: 28 rows (3 per tile, 2 at each border) times 28 columns computed, of 10 x 10; b: each element once.
    expect(tileExtraMacs(members, g)).toBe(9 * (28 * 28 - 100));
    // One region buffer (a's 3x3 window), live from a to b.
    const r = tileRegionBuffers(members, g, () => 4 * 8);
    expect(r.buffers.get('a')).toEqual({ bytes: 9 * 32, first: 0, last: 1 });
    expect(r.peakBytes).toBe(9 * 32);
  });

  it('region buffers of members that do not overlap are not live together', () => {
    const rel = { stride: 1, pad: 1, span: 3 };
    const one = { stride: 1, pad: 0, span: 1 };
    const members = [
      { output: 'a', inputs: [{ tensor: 'x', rows: rel }], cols: [rel], width: 8, height: 8, macsPerRow: 8 },
      { output: 'b', inputs: [{ tensor: 'a', rows: one }], cols: [one], width: 8, height: 8, macsPerRow: 8 },
      { output: 'c', inputs: [{ tensor: 'b', rows: one }], cols: [one], width: 8, height: 8, macsPerRow: 8 },
      { output: 'd', inputs: [{ tensor: 'c', rows: one }], cols: [one], width: 8, height: 8, macsPerRow: 8 },
    ];
    const g = tileGeometry(members, 2, 2, () => 8, () => 8)!;
    const r = tileRegionBuffers(members, g, () => 1);
    // a, b, c hold 2x2 windows (4 bytes each); at most two of them are live at once (a and b at b, b and c at c).
    expect([...r.buffers.values()].map((x) => [x.bytes, x.first, x.last])).toEqual([[4, 0, 1], [4, 1, 2], [4, 2, 3]]);
    expect(r.peakBytes).toBe(8);
    expect(tileExtraMacs(members, g)).toBe(0);
  });
});

describe('segment loop IR computes every row once (line buffers), at least once (patches, tiles)', () => {
  it('seeded random chains with odd sizes, strides, paddings, pools and residual blocks', async () => {
    let segments = 0;
    const modes = new Map<string, number>();
    for (let seed = 1; seed <= 24; seed++) {
      const a = await analyzeTight(buildRandomChain(seed), { modelName: `chain${seed}.onnx` });
      segments += checkSegments(a);
      for (const l of a.report.layers) if (l.segment) modes.set(l.segment.mode, (modes.get(l.segment.mode) ?? 0) + 1);
      // 2-D tiles only beside line buffers (no column patches): tiles segments whenever they are the smallest.
      const t = await analyzeTight(buildRandomChain(seed), { modelName: `chain${seed}.onnx`, depthFirstPatches: false, depthFirstTiles: true });
      checkSegments(t);
      for (const l of t.report.layers) if (l.segment?.mode === 'tiles') modes.set('tiles only', (modes.get('tiles only') ?? 0) + 1);
    }
    // Most chains get a segment (the wide middle costs more than line buffers).
    expect(segments).toBeGreaterThanOrEqual(12);
    expect(modes.get('tiles only') ?? 0).toBeGreaterThanOrEqual(8);
    expect(modes.get('tiles') ?? 0).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('the segments chosen in real models', async () => {
    for (const [file, dtype] of [
      [sharedModel('torchvision/mnasnet0_5_96.onnx'), 'as-is'],
      [sharedModel('torchvision/squeezenet1_1_96.onnx'), 'as-is'],
      [path.join(REPO_ROOT, 'fixtures/models/kws-dscnn.onnx'), 'as-is'],
      // Concat members: Fire modules, and a segment that ends at a Concat.
      [buildFireChain(), 'as-is'],
      [buildConcatTail(), 'as-is'],
      [path.join(REPO_ROOT, 'fixtures/models/resnet8.onnx'), 'int8'],
      // Integer TFLite (NHWC rows and columns; PADs folded into convolutions; TRANSPOSE of an NCHW input).
      [sharedModel('tflite/person_detect.tflite'), 'as-is'],
      [sharedModel('tflite/mobilenet_v2_quantized_1x3x224x224.tflite'), 'as-is'],
    ] as const) {
      const bytes = typeof file === 'string' ? new Uint8Array(readFileSync(file)) : file;
      const name = typeof file === 'string' ? path.basename(file) : 'built.onnx';
      const a = await analyzeTight(bytes, { modelName: name, dtype });
      expect(checkSegments(a), name).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('choice', () => {
  it('lowers the --dram 0 SRAM peak, and --no-depth-first keeps the whole-tensor schedule', async () => {
    const bytes = new Uint8Array(readFileSync(sharedModel('torchvision/mnasnet0_5_96.onnx')));
    const on = await analyzeTight(bytes, { modelName: 'mnasnet0_5_96.onnx' });
    const off = await analyzeModel(bytes, { modelName: 'mnasnet0_5_96.onnx', target: NO_DRAM_ROOMY, depthFirst: false });
    const used = (x: Analysis) => x.report.pools.find((p) => p.name === x.bufferSet.poolOfScope.sram)!.usedBytes;
    expect(off.report.layers.some((l) => l.segment)).toBe(false);
    expect(off.schedule.layers.every((l) => l.template !== 'segment')).toBe(true);
    expect(used(off)).toBe(off.report.optimizedPeakBytes);
    expect(used(on)).toBeLessThan(used(off));
    // A segment's layer lists every model node it runs; together the layers still list every node once.
    const nodes = (x: Analysis) => x.report.layers.flatMap((l) => l.nodes);
    expect(nodes(on)).toEqual(nodes(off));
    // Deterministic.
    const again = await analyzeTight(bytes, { modelName: 'mnasnet0_5_96.onnx' });
    expect(JSON.stringify(again.report)).toBe(JSON.stringify(on.report));
    // With room for every whole tensor, no segment: they would only cost cycles.
    const roomy = await analyzeModel(bytes, { modelName: 'mnasnet0_5_96.onnx', target: NO_DRAM_ROOMY });
    expect(roomy.report.fits).toBe(true);
    expect(roomy.report.layers.some((l) => l.segment)).toBe(false);
    expect(JSON.stringify(roomy.report.layers)).toBe(JSON.stringify((await analyzeModel(bytes, { modelName: 'mnasnet0_5_96.onnx', target: NO_DRAM_ROOMY, depthFirst: false })).report.layers));
  }, 120_000);

  it('with DRAM: segments only where the layer-by-layer schedule sends the intermediates to DRAM', async () => {
    const bytes = new Uint8Array(readFileSync(sharedModel('torchvision/mnasnet0_5_96.onnx')));
    const at = (sramBytes: number, depthFirst = true, maxSlowdown = 10) =>
      analyzeModel(bytes, { modelName: 'mnasnet0_5_96.onnx', target: applyOverrides(DEFAULT_TARGET, { sramBytes }), depthFirst, maxSlowdown });
    // Roomy SRAM: every activation is resident, nothing would travel to DRAM.
    expect((await at(4 << 20)).report.layers.some((l) => l.segment)).toBe(false);
    // Within the default --max-slowdown 10%, none of mnasnet's segments is kept (each costs more in
    // line-buffer shifts and unoverlapped DMA than the layer-by-layer tiles it replaces)...
    expect((await at(65536, true, 0.1)).report.layers.some((l) => l.segment)).toBe(false);
    // ...with --max-slowdown 1000%, every run whose intermediates travel to DRAM is.
    const on = await at(65536);
    const off = await at(65536, false);
    const spilled = new Set(off.schedule.activations.filter((a) => a.scope === 'global').map((a) => a.name));
    const segs = on.schedule.layers.filter((l) => l.segment);
    expect(segs.length).toBeGreaterThan(0);
    for (const l of segs) {
      const { members } = segmentFigures(on, on.graph.nodes[l.step]!);
      for (const m of members.slice(0, -1)) expect(spilled.has(off.schedule.bufferOfTensor.get(m.output) ?? m.output), m.output).toBe(true);
    }
    const dma = (a: Analysis) => a.report.layers.reduce((s, l) => s + l.dmaInBytes + l.dmaOutBytes, 0);
    expect(dma(on)).toBeLessThan(dma(off));
    expect(checkSegments(on)).toBe(segs.length);
  }, 120_000);

  it('with DRAM, --max-slowdown bounds each segment\'s estimated cycles by the layers it replaces', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(REPO_ROOT, 'fixtures/models/resnet8.onnx')));
    const target = applyOverrides(DEFAULT_TARGET, { sramBytes: 32768 });
    const off = await analyzeModel(bytes, { modelName: 'resnet8.onnx', target, depthFirst: false });
    for (const maxSlowdown of [0, 0.05, 0.1]) {
      const on = await analyzeModel(bytes, { modelName: 'resnet8.onnx', target, maxSlowdown });
      for (const l of on.report.layers.filter((x) => x.segment)) {
        const before = off.report.layers.filter((x) => l.nodes.includes(x.nodes[0]!)).reduce((s, x) => s + x.cycles, 0);
        expect(l.cycles).toBeLessThanOrEqual(before * (1 + maxSlowdown));
      }
      if (maxSlowdown === 0.1) expect(on.report.layers.some((x) => x.segment)).toBe(true);
    }
  }, 120_000);
});

describe('acceptance sizes with --dram 0 --min-sram (issue 10)', () => {
  const minSram = async (file: string, dtype: 'as-is' | 'int8', patches = true, tiles = patches) => {
    const a = await analyzeModel(new Uint8Array(readFileSync(file)), {
      modelName: path.basename(file),
      target: applyOverrides(DEFAULT_TARGET, { sramBytes: 16, dramBytes: 0 }),
      dtype,
      findMinSram: true,
      depthFirstPatches: patches,
      depthFirstTiles: tiles,
    });
    return { a, min: a.report.minSramBytes! };
  };

  it('mnasnet0_5_96: <= 156672 bytes (its whole input 110592 + a quarter of the rest of its optimized peak 294912)', async () => {
    const { a, min } = await minSram(sharedModel('torchvision/mnasnet0_5_96.onnx'), 'as-is');
    expect(a.report.optimizedPeakBytes).toBe(294912);
    expect(min).toBeLessThanOrEqual(110592 + (294912 - 110592) / 4);
    // The first segment's output is NCHW: written in place it would lag most of the output (its rows
    // spread over the channel planes: 34672 of 36864 bytes in tiles, 147440 in all). Staged
    // channels-last (overlay.ts Staging) its rows are contiguous: the staging buffer lags the input by
    // 3120 bytes in tiles, the output is copied after the loop 33744 bytes into the dead input.
    // Line buffers alone (full-width rows): 149376 (182496 with the plain overlay); with column
    // patches too, line buffers stay the smallest (149376; patches took 150192 before).
    expect((await minSram(sharedModel('torchvision/mnasnet0_5_96.onnx'), 'as-is', false)).min).toBe(149376);
    const patches = await minSram(sharedModel('torchvision/mnasnet0_5_96.onnx'), 'as-is', true, false);
    expect(patches.min).toBe(149376);
    expect(patches.a.report.layers[0]!.segment?.overlay?.staging).toBeDefined();
    expect(checkSegments(patches.a)).toBeGreaterThan(0);
    expect(checkOverlays(patches.a)).toBeGreaterThan(0);
    // With 2-D tiles (the default): 115888 (147440 with the plain overlay, 149632 without), one output element per tile.
    expect(min).toBe(115888);
    const first = a.report.layers[0]!;
    expect(first.segment?.mode).toBe('tiles');
    expect(first.segment!.overlay!.lagBytes).toBe(3120);
    expect(first.segment!.overlay!.staging).toMatchObject({ outputOffsetBytes: 33744, copyBytes: 36864, copyCycles: 4608 });
    expect(first.sramBytes).toBe(110592 + 3120 + first.segment!.lineBufferBytes);
    expect(checkOverlays(a)).toBeGreaterThan(0);
    expect(first.segment!.rowTiles! * first.segment!.patches!).toBe(24 * 24);
    expect(first.segment!.extraMacs).toBeGreaterThan(0);
    expect(checkSegments(a)).toBeGreaterThan(0);
    // The analysis JSON with patch and tiles segments is valid against the schema.
    const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(REPO_ROOT, 'reports/analysis.schema.json'), 'utf8')) as object);
    for (const x of [a, patches.a]) expect(validate(JSON.parse(renderJson(x.report))), JSON.stringify(validate.errors)).toBe(true);
  }, 180_000);

  it('squeezenet1_1_96: 147008 bytes (target: its whole input 110592 + a quarter of the rest of its optimized peak 700928), segments through the Fire modules\' Concats', async () => {
    const file = sharedModel('torchvision/squeezenet1_1_96.onnx');
    const { a, min } = await minSram(file, 'as-is');
    expect(a.report.optimizedPeakBytes).toBe(700928);
    expect(min).toBeLessThanOrEqual(110592 + (700928 - 110592) / 4);
    // 147008 before channels-last staging (the plain overlay's choice, 144896 bytes, did not plan at
    // every step; the choice without overlays ran). Staged, the first segment's NCHW output lags its
    // input by 1120 bytes in tiles: 114272.
    expect(min).toBe(114272);
    expect(a.report.layers[0]!.segment?.overlay?.staging).toMatchObject({ outputOffsetBytes: 32736, copyBytes: 33856 });
    expect(a.report.layers[0]!.segment!.overlay!.lagBytes).toBe(1120);
    expect(checkOverlays(a)).toBeGreaterThan(0);
    const at = await analyzeModel(new Uint8Array(readFileSync(file)), { modelName: path.basename(file), target: applyOverrides(DEFAULT_TARGET, { sramBytes: min, dramBytes: 0 }) });
    expect(at.report.fits).toBe(true);
    // Line buffers alone: 154880 with staging (183648 with plain overlays, 186432 without; 304704
    // while a Fire module's Concat output stayed whole: (64 + 64 + 16) channels x 23 x 23 x 4 bytes).
    const lines = await minSram(file, 'as-is', false);
    expect(lines.min).toBe(154880);
    expect(checkOverlays(lines.a)).toBeGreaterThan(0);
    // Segments run squeeze -> expand 1x1, expand 3x3 -> Concat -> (MaxPool ceil_mode ->) next squeeze.
    const segs = a.report.layers.filter((l) => l.segment);
    expect(segs.some((l) => l.nodes.includes('/features/features.3/Concat') && l.nodes.includes('/features/features.4/squeeze/Conv'))).toBe(true);
    expect(segs.some((l) => l.nodes.includes('/features/features.4/Concat') && l.nodes.includes('/features/features.5/MaxPool'))).toBe(true);
    expect(checkSegments(a)).toBeGreaterThan(0);
  }, 180_000);

  it('mobilenet_v2_224 --dtype int8: 166368 bytes with 2-D tiles and channels-last staging (MCUNetV2: 176128)', async () => {
    const { a, min } = await minSram(sharedModel('torchvision/mobilenet_v2_224.onnx'), 'int8');
    // Was 288512 with line buffers only, 192152 with column patches, 189632 before outputs were written
    // over the dead part of their input. The peak is the first segment (features.0 .. features.4) in
    // 2-D tiles of one output element of its 28x28x32 output: the whole 224x224x3 int8 input (150528
    // bytes, live until the segment ends), its output written 24336 bytes before it (NCHW: the rows
    // of the output spread over its 32 channel planes, so the last plane is written while the input's
    // first rows are still read; the overlay saves only 25088 - 24336 = 752 bytes) and 14016 bytes of
    // region buffers at the busiest member, features.2's stride-2 depthwise: its 11x11 window of the
    // 96-channel expansion (11616) and its 5x5x96 output (2400). 188880 in all. (The same network as
    // an NHWC .tflite reaches 166368: its output rows are contiguous, the lag 1824 bytes.)
    //
    // Why 176128 cannot be reached while the input stays whole (a contract: graph inputs and outputs
    // stay whole tensors) and the output next to it: 150528 + 25088 = 175616 leaves 512 bytes below 176128, yet the smallest
    // tile of a segment ending at 28x28x32 has features.4's stride-2 depthwise read a 3x3x144 window
    // (1296 bytes) and write 1x1x144 (144): at least 177056. Cutting earlier leaves a whole 56x56x24
    // (75264) or larger output next to the input. Cutting deeper, at 14x14x64 (12544, leaving 13056):
    // one output element of it needs a 37x37 window of features.0's 32-channel output (43808 bytes)
    // in tiles, and 117224 bytes of patch-wide line buffers in lockstep bands. (MCUNetV2's 172 KB is
    // the later, layer-by-layer stage: 28x28x32 + 28x28x192 = 175616 bytes.)
    //
    // Channels-last staging (overlay.ts Staging) reaches it: the last member writes its windows into a
    // staging buffer in NHWC order, 1824 bytes before the input (the .tflite's lag), and one copy after
    // the loop moves it into the NCHW output, placed 23264 bytes into the then dead input: 150528 +
    // 1824 + 14016 = 166368, as the NHWC .tflite; the copy costs 25088 bytes moved (3136 cycles).
    expect(min).toBe(166368);
    expect(min).toBeLessThanOrEqual(176128);
    const first = a.report.layers[0]!;
    expect(first.segment?.mode).toBe('tiles');
    expect([first.segment!.tileRows, first.segment!.patchCols, first.segment!.rowTiles, first.segment!.patches]).toEqual([1, 1, 28, 28]);
    expect(first.sramBytes).toBe(min);
    expect(first.segment!.lineBufferBytes).toBe(11 * 11 * 96 + 5 * 5 * 96);
    expect(first.segment!.overlay!.lagBytes).toBe(1824);
    expect(first.segment!.overlay!.staging).toMatchObject({ outputOffsetBytes: 23264, copyBytes: 25088, copyCycles: 3136 });
    expect(first.sramBytes - first.segment!.lineBufferBytes).toBe(150528 + 1824);
    expect(checkOverlays(a)).toBeGreaterThan(0);
    // The halo recomputed in both dimensions costs MACs (reported, and counted in the cycles).
    expect(first.segment!.extraMacs).toBeGreaterThan(0);
    expect(first.cycles).toBeGreaterThanOrEqual(Math.round(first.segment!.extraMacs / DEFAULT_TARGET.macsPerCycle));
    expect(checkSegments(a)).toBeGreaterThan(0);
    // Without tiles (column patches over patch-wide line buffers): 191928 (192136 with plain overlays, 192152 without).
    expect((await minSram(sharedModel('torchvision/mobilenet_v2_224.onnx'), 'int8', true, false)).min).toBe(191928);
  }, 180_000);

  it('mobilenet_v2_quantized .tflite (integer, NHWC, NCHW input): 166368 bytes, its first segment\'s output written over the dead rows of its input (1505280 without segments, 2451840 without the PAD fold)', async () => {
    const file = sharedModel('tflite/mobilenet_v2_quantized_1x3x224x224.tflite');
    const { a, min } = await minSram(file, 'as-is');
    // The model as the file has it: a TRANSPOSE of the 1x3x224x224 input to NHWC, then every 3x3
    // convolution behind an explicit PAD (VALID padding), int8 throughout.
    const g = importTflite(readFileSync(file), { fileName: path.basename(file) });
    expect(g.nodes[0]!.opType).toBe('TRANSPOSE');
    expect(g.nodes.filter((n) => n.opType === 'PAD').length).toBeGreaterThan(10);
    // The graph optimizations fold every PAD into its convolution (fold-pad): the layer-by-layer
    // peak is DEPTHWISE_CONV_2D_8's 112x112x96 input and 56x56x96 output.
    expect(a.report.peakLiveBytes).toBe(2451840);
    expect(a.report.optimizedPeakBytes).toBe(112 * 112 * 96 + 56 * 56 * 96);
    // 189632 before the overlay (the input and the output side by side), within MCUNetV2's 176128 now.
    expect(min).toBe(166368);
    expect(min).toBeLessThanOrEqual(176128);
    // The first segment starts with the TRANSPOSE: its rows and columns are the input's dims 2 and 3,
    // so the input stays whole (150528 bytes) and its transposed copy never exists; the PADs are folded
    // into the convolutions that read them (their padded tensors never exist either). 2-D tiles of one
    // output element of CONV_2D_18's 28x28x32 output, as for the float model: the busiest member is
    // DEPTHWISE_CONV_2D_8 with its 11x11x96 window of CONV_2D_6's output and its 5x5x96 output. The
    // row tiles consume the input's rows in order (8 input rows per output row, plus the halo) while
    // the NHWC output's rows (896 bytes each) fill in order: the output sits 1824 bytes before the
    // input, overlapping all of it but those bytes: 150528 + 1824 + 14016 = 166368.
    const first = a.report.layers[0]!;
    expect(first.nodes[0]).toBe('TRANSPOSE_0');
    expect(first.nodes.at(-1)).toBe('CONV_2D_18');
    expect(first.nodes).toContain('ADD_14');
    expect(first.segment?.mode).toBe('tiles');
    expect([first.segment!.tileRows, first.segment!.patchCols, first.segment!.rowTiles, first.segment!.patches]).toEqual([1, 1, 28, 28]);
    expect(first.segment!.lineBufferBytes).toBe(11 * 11 * 96 + 5 * 5 * 96);
    expect(first.sramBytes).toBe(min);
    expect(first.segment!.overlay).toEqual({ input: a.schedule.bufferOfTensor.get(a.graph.inputs[0]!), output: a.schedule.bufferOfTensor.get(a.graph.nodes[0]!.outputs[0]!), lagBytes: 1824 });
    expect(first.sramBytes - first.segment!.lineBufferBytes).toBe(150528 + 1824);
    // The pool's worst step is that segment, with that many bytes live (the pair counted once).
    expect(a.report.pools[0]!.worst.step).toBe(0);
    expect(a.report.pools[0]!.worst.liveBytes).toBe(min);
    const members = segmentFigures(a, a.graph.nodes[0]!).members.map((m) => m.node.opType);
    expect(members).not.toContain('PAD');
    expect(checkOverlays(a)).toBeGreaterThan(0);
    expect(first.segment!.extraMacs).toBeGreaterThan(0);
    expect(checkSegments(a)).toBeGreaterThan(0);
    // Line buffers only: 242144 (291872 before overlays; full-width line buffers next to the whole
    // input). Column patches without tiles reached 193032 before overlays (bench/depth-first-bench.ts;
    // too slow to search here).
    const lines = await minSram(file, 'as-is', false, false);
    expect(lines.min).toBe(242144);
    expect(checkOverlays(lines.a)).toBeGreaterThan(0);
  }, 180_000);

  it('mobilenet_v2_quantized .tflite: segments write their NHWC output over the dead part of their input (checked byte by byte on the loop IR)', async () => {
    const file = sharedModel('tflite/mobilenet_v2_quantized_1x3x224x224.tflite');
    const a = await analyzeModel(new Uint8Array(readFileSync(file)), { modelName: path.basename(file), target: applyOverrides(DEFAULT_TARGET, { sramBytes: 170_000, dramBytes: 0 }) });
    const over = a.report.layers.filter((l) => l.segment?.overlay);
    // The first segment reads the NCHW input through its TRANSPOSE member in row tiles: the input's
    // rows die in the order the NHWC output's rows are written, a row of tiles (and its halo) behind.
    const first = a.report.layers[0]!;
    expect(first.segment?.overlay?.input).toBe(a.schedule.bufferOfTensor.get(a.graph.inputs[0]!));
    expect(first.segment!.overlay!.lagBytes).toBeLessThan(2 * 28 * 32 * 2);
    // Its resident bytes count the pair once: the input, the lag, and nothing else.
    expect(first.residentBytes).toBe(150528 + first.segment!.overlay!.lagBytes);
    expect(checkOverlays(a)).toBe(over.length);
    expect(checkSegments(a)).toBeGreaterThan(0);
    // The report says so: the JSON (valid against the schema) and the buffers table.
    const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(REPO_ROOT, 'reports/analysis.schema.json'), 'utf8')) as object);
    const json = JSON.parse(renderJson(a.report)) as { buffers: { name: string; overlay?: { buffer: string; offsetBytes: number } }[] };
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.buffers.find((b) => b.name === first.segment!.overlay!.output)?.overlay).toEqual({ buffer: first.segment!.overlay!.input, offsetBytes: -first.segment!.overlay!.lagBytes });
  }, 120_000);

  it('person_detect .tflite: 12616 bytes (16728 without overlays, 55296 without segments)', async () => {
    const file = sharedModel('tflite/person_detect.tflite');
    const { a, min } = await minSram(file, 'as-is');
    expect(min).toBe(12616);
    expect(a.report.optimizedPeakBytes).toBe(55296);
    // The first segment (tiles) writes its output 496 bytes before its input (the 96x96 grey image);
    // the second one, chosen anew under the lower peak, runs in column patches.
    expect(a.report.layers.filter((l) => l.segment).map((l) => l.segment!.mode)).toEqual(['tiles', 'patches']);
    expect(a.report.layers[0]!.segment!.overlay!.lagBytes).toBe(496);
    expect(a.report.layers[0]!.sramBytes).toBe(min);
    expect(checkSegments(a)).toBe(2);
    expect(checkOverlays(a)).toBe(1);
  }, 120_000);
});

describe('integer TFLite members', () => {
  const graph = importTflite(readFileSync(sharedModel('tflite/mobilenet_v2_quantized_1x3x224x224.tflite')), { fileName: 'mobilenet_v2_quantized_1x3x224x224.tflite' });
  const node = (name: string) => graph.nodes.find((n) => n.name === name)!;
  const withWeight = (n: OpNode, input: number, values: number[]): Graph => {
    const name = `${n.name}.test${input}`;
    const weights = new Map(graph.weights);
    weights.set(name, { dtype: 'int32', shape: [values.length / 2, 2], data: { kind: 'dense', values: Int32Array.from(values) } });
    const inputs = [...n.inputs];
    inputs[input] = name;
    return { ...graph, weights, nodes: graph.nodes.map((m) => (m === n ? { ...m, inputs } : m)) };
  };

  it('rows and columns per tensor: NHWC dims 1 and 2, the TRANSPOSE\'s NCHW input dims 2 and 3', () => {
    const t = memberInfo(graph, node('TRANSPOSE_0'))!;
    expect(t.dims.get(graph.inputs[0]!)).toEqual([2, 3]);
    expect(t.dims.get(t.output)).toEqual([1, 2]);
    expect([t.height, t.width]).toEqual([224, 224]);
    const dw = memberInfo(graph, node('DEPTHWISE_CONV_2D_8'))!;
    expect(dw.inputs[0]!.rows).toEqual({ stride: 2, pad: 0, span: 3 });
    expect(dw.validConv).toBe(true);
    const pad = memberInfo(graph, node('PAD_7'))!;
    expect(pad.foldablePad).toEqual({ top: 1, left: 1 });
    const add = memberInfo(graph, node('ADD_14'))!;
    expect(add.inputs.map((i) => i.rows)).toEqual([{ stride: 1, pad: 0, span: 1 }, { stride: 1, pad: 0, span: 1 }]);
  });

  it('folds a PAD into the VALID convolution that reads it: the padding moves to the convolution\'s input relation', () => {
    const pad = memberInfo(graph, node('PAD_3'))!;
    const dw = memberInfo(graph, node('DEPTHWISE_CONV_2D_4'))!;
    const folded = foldPads([pad, dw]);
    expect(folded.length).toBe(1);
    expect(folded[0]!.inputs[0]!.tensor).toBe(pad.inputs[0]!.tensor);
    expect(folded[0]!.inputs[0]!.rows).toEqual({ stride: 1, pad: dw.inputs[0]!.rows.pad + pad.foldablePad!.top, span: 3 });
    expect(folded[0]!.foldedPad?.node).toBe('PAD_3');
    // A PAD that is the run's last member stays.
    expect(foldPads([memberInfo(graph, node('CONV_2D_2'))!, pad]).length).toBe(2);
  });

  it('anything a segment cannot run is no member (no exception)', () => {
    // PAD of the channels; a TRANSPOSE that moves the batch; constants missing.
    const g2 = withWeight(node('PAD_3'), 1, [0, 0, 1, 1, 1, 1, 0, 2]);
    expect(memberInfo(g2, g2.nodes.find((n) => n.name === 'PAD_3')!)).toBeUndefined();
    const t = node('TRANSPOSE_0');
    const g3 = withWeight(t, 1, [1, 0, 2, 3]);
    expect(memberInfo(g3, g3.nodes.find((n) => n.name === 'TRANSPOSE_0')!)).toBeUndefined();
    const noWeights: Graph = { ...graph, weights: new Map() };
    for (const n of graph.nodes) expect(() => memberInfo(noWeights, n)).not.toThrow();
    // Layers that are not spatial (the classifier's FULLY_CONNECTED, the MEAN) are no members.
    for (const n of graph.nodes.filter((x) => x.opType === 'FULLY_CONNECTED' || x.opType === 'MEAN')) expect(memberInfo(graph, n)).toBeUndefined();
  });
});

describe('Concat members', () => {
  const graph = importOnnx(buildFireChain(), { fileName: 'df-fire.onnx' });
  const concat = graph.nodes.find((n) => n.name === 'fire2.concat')!;

  it('a channel Concat: every operand read at the output rows and columns, one to one; element copies as its MACs', () => {
    const m = memberInfo(graph, concat)!;
    expect(m.inputs).toEqual([
      { tensor: 'fire2.expand1x1.relu', rows: { stride: 1, pad: 0, span: 1 } },
      { tensor: 'fire2.expand3x3.relu', rows: { stride: 1, pad: 0, span: 1 } },
    ]);
    expect(m.cols).toEqual([{ stride: 1, pad: 0, span: 1 }, { stride: 1, pad: 0, span: 1 }]);
    expect([m.height, m.width, m.macsPerRow]).toEqual([11, 9, 64 * 9]);
    // axis -3 is the channel axis too.
    expect(memberInfo(graph, { ...concat, attributes: new Map([['axis', { type: 'int', value: -3 }]]) })).toBeDefined();
  });

  it('no member: a Concat along the rows or columns, a repeated operand, a fused chain', () => {
    for (const axis of [0, 2, 3, -1]) expect(memberInfo(graph, { ...concat, attributes: new Map([['axis', { type: 'int', value: axis }]]) })).toBeUndefined();
    expect(memberInfo(graph, { ...concat, inputs: [concat.inputs[0]!, concat.inputs[0]!] })).toBeUndefined();
    expect(memberInfo(graph, { ...concat, fused: [graph.nodes.find((n) => n.opType === 'Relu')!] })).toBeUndefined();
  });
});
