/**
 * TFLite PAD folded into the next convolution (graph-opt's fold-pad), on a small hand-built int8
 * graph with the cases that fold and those that must not:
 *  - PAD (rows and columns, zero point 5) -> DEPTHWISE_CONV_2D 3x3 stride 2 VALID: folds, pads 1,1,1,1;
 *  - PADV2 asymmetric (bottom and right only, constant = the zero point) -> CONV_2D 3x3 stride 2 VALID:
 *    folds, pads 0,0,1,1;
 *  - PAD (top 2 rows) -> CONV_2D 3x3 SAME: folds, the SAME pads resolved on the padded input plus the PAD's;
 *  - PADV2 whose constant is not the zero point, PAD of the channels, PAD -> AVERAGE_POOL_2D and PAD
 *    with two consumers: stay;
 *  - float32: PAD and PADV2 of 0.0 fold, PADV2 of 1.0 stays; int8 whose PAD output is quantized unlike
 *    its input stays.
 * The lowered convolutions read the unpadded tensor with explicit pads; TFLite's shape function gives
 * them the same output shapes; the graph-level peak drops. The generated C (whole tensors; tiled at a
 * small SRAM with DRAM behind it, poison, 1 and 4 cores) gives the bytes of --no-graph-opt's C.
 * MobileNetV2-224's 18 PADs: emit-tflite-fold-pad.slow.test.ts (and tflite-models.test.ts against TFLite).
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConstTensor, Graph } from '../../src/ir/graph.js';
import { analyzeGraph } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { TFLITE_SHAPES } from '../../src/frontend/tflite/shapes.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { buildProgram, expectSameBytes, integerTiling } from './int-tiled-helpers.js';
import type { Spec } from './tflite-graph.js';
import { bias, filter, int8s, tfliteGraph } from './tflite-graph.js';

const tmp = makeTempDir('memplan-fold-pad-');
afterAll(() => removeDir(tmp));

const K = 1024;
const ZP = 5;

function paddings(p: number[][]): ConstTensor {
  return { dtype: 'int32', shape: [4, 2], data: { kind: 'dense', values: Int32Array.from(p.flat()) } };
}

function scalar(v: number): ConstTensor {
  return { dtype: 'int8', shape: [1], data: { kind: 'dense', values: Int8Array.of(v) }, quantization: { scales: [0.05], zeroPoints: [ZP] } };
}

/**
 * x [1,24,24,4] -> c1 CONV_2D 1x1 -> a [1,24,24,8] -> PAD 1,1 -> ap -> DW 3x3 s2 VALID -> b [1,12,12,8]
 *   -> PADV2 0,1 (value ZP) -> bp [1,13,13,8] -> CONV 3x3 s2 VALID -> c [1,6,6,8]
 *   -> PAD top 2 -> cp [1,8,6,8] -> CONV 3x3 SAME -> d [1,8,6,8]
 *   -> PADV2 1,1 value 0 (not ZP) -> dp [1,10,8,8] -> DW 3x3 VALID -> e [1,8,6,8]
 *   -> PAD channels -> ep [1,8,6,10] -> CONV 1x1 -> f [1,8,6,8]
 *   -> PAD 1,1 -> fp [1,10,8,8] -> AVERAGE_POOL_2D 3x3 VALID -> g [1,8,6,8]
 *   -> PAD 1,1 -> gp [1,10,8,8] -> DW 3x3 VALID -> h [1,8,6,8], and MAX_POOL_2D 3x3 VALID -> k [1,8,6,8]
 *   -> ADD(h, k) -> out [1,8,6,8] (zero point -1)
 */
function model(): Graph {
  const act = (shape: number[], zp = ZP) => ({ shape, zp });
  return tfliteGraph({
    inputs: ['x'],
    outputs: ['out'],
    tensors: {
      x: act([1, 24, 24, 4], -3), a: act([1, 24, 24, 8]), ap: act([1, 26, 26, 8]), b: act([1, 12, 12, 8]), bp: act([1, 13, 13, 8]),
      c: act([1, 6, 6, 8]), cp: act([1, 8, 6, 8]), d: act([1, 8, 6, 8]), dp: act([1, 10, 8, 8]), e: act([1, 8, 6, 8]),
      ep: act([1, 8, 6, 10]), f: act([1, 8, 6, 8]), fp: act([1, 10, 8, 8]), g: act([1, 8, 6, 8]), gp: act([1, 10, 8, 8]),
      h: act([1, 8, 6, 8]), k: act([1, 8, 6, 8]), out: act([1, 8, 6, 8], -1),
    },
    consts: {
      w1: filter([8, 1, 1, 4], 0, 1), b1: bias(8, 1),
      p1: paddings([[0, 0], [1, 1], [1, 1], [0, 0]]),
      w2: filter([1, 3, 3, 8], 3, 2), b2: bias(8, 2),
      p2: paddings([[0, 0], [0, 1], [0, 1], [0, 0]]), v2: scalar(ZP),
      w3: filter([8, 3, 3, 8], 0, 3), b3: bias(8, 3),
      p3: paddings([[0, 0], [2, 0], [0, 0], [0, 0]]),
      w4: filter([8, 3, 3, 8], 0, 4), b4: bias(8, 4),
      p4: paddings([[0, 0], [1, 1], [1, 1], [0, 0]]), v4: scalar(0),
      w5: filter([1, 3, 3, 8], 3, 5), b5: bias(8, 5),
      p5: paddings([[0, 0], [0, 0], [0, 0], [1, 1]]),
      w6: filter([8, 1, 1, 10], 0, 6), b6: bias(8, 6),
      p6: paddings([[0, 0], [1, 1], [1, 1], [0, 0]]),
      p7: paddings([[0, 0], [1, 1], [1, 1], [0, 0]]),
      w8: filter([1, 3, 3, 8], 3, 8), b8: bias(8, 8),
    },
    nodes: [
      { name: 'c1', op: 'CONV_2D', inputs: ['x', 'w1', 'b1'], outputs: ['a'], attrs: { padding: 'VALID', fused_activation: 'RELU' } },
      { name: 'pad_a', op: 'PAD', inputs: ['a', 'p1'], outputs: ['ap'] },
      { name: 'dw_b', op: 'DEPTHWISE_CONV_2D', inputs: ['ap', 'w2', 'b2'], outputs: ['b'], attrs: { padding: 'VALID', stride_h: 2, stride_w: 2, depth_multiplier: 1 } },
      { name: 'pad_b', op: 'PADV2', inputs: ['b', 'p2', 'v2'], outputs: ['bp'] },
      { name: 'conv_c', op: 'CONV_2D', inputs: ['bp', 'w3', 'b3'], outputs: ['c'], attrs: { padding: 'VALID', stride_h: 2, stride_w: 2 } },
      { name: 'pad_c', op: 'PAD', inputs: ['c', 'p3'], outputs: ['cp'] },
      { name: 'conv_d', op: 'CONV_2D', inputs: ['cp', 'w4', 'b4'], outputs: ['d'], attrs: { padding: 'SAME' } },
      { name: 'pad_d', op: 'PADV2', inputs: ['d', 'p4', 'v4'], outputs: ['dp'] },
      { name: 'dw_e', op: 'DEPTHWISE_CONV_2D', inputs: ['dp', 'w5', 'b5'], outputs: ['e'], attrs: { padding: 'VALID', depth_multiplier: 1 } },
      { name: 'pad_e', op: 'PAD', inputs: ['e', 'p5'], outputs: ['ep'] },
      { name: 'conv_f', op: 'CONV_2D', inputs: ['ep', 'w6', 'b6'], outputs: ['f'], attrs: { padding: 'VALID' } },
      { name: 'pad_f', op: 'PAD', inputs: ['f', 'p6'], outputs: ['fp'] },
      { name: 'avg_g', op: 'AVERAGE_POOL_2D', inputs: ['fp'], outputs: ['g'], attrs: { padding: 'VALID', filter_h: 3, filter_w: 3 } },
      { name: 'pad_g', op: 'PAD', inputs: ['g', 'p7'], outputs: ['gp'] },
      { name: 'dw_h', op: 'DEPTHWISE_CONV_2D', inputs: ['gp', 'w8', 'b8'], outputs: ['h'], attrs: { padding: 'VALID', depth_multiplier: 1 } },
      { name: 'max_k', op: 'MAX_POOL_2D', inputs: ['gp'], outputs: ['k'], attrs: { padding: 'VALID', filter_h: 3, filter_w: 3 } },
      { name: 'add', op: 'ADD', inputs: ['h', 'k'], outputs: ['out'] },
    ],
  });
}

function analyze(graphOpt: boolean, sramBytes: number, cores = 1, dramBytes?: number): Promise<Analysis> {
  return analyzeGraph(model(), { modelName: 'fold-pad.tflite', graphOpt, target: applyOverrides(DEFAULT_TARGET, { sramBytes, cores, ...(dramBytes !== undefined ? { dramBytes } : {}) }) });
}

describe('TFLite PAD folded into the next convolution', () => {
  it('the importer\'s shape functions accept the hand-built graph (every declared shape is what the op computes)', () => {
    const g = model();
    const operand = (t: string) => {
      const w = g.weights.get(t);
      if (!w) return { shape: g.tensors.get(t)!.shape };
      return { shape: w.shape, ...(w.dtype === 'int32' && w.data.kind === 'dense' ? { ints: Array.from(w.data.values as Int32Array) } : {}) };
    };
    for (const n of g.nodes) {
      const out = TFLITE_SHAPES.get(n.opType)!({ opName: n.opType, attrs: n.attributes, inputs: n.inputs.map(operand), declared: [] });
      expect(out[0], n.name).toEqual(g.tensors.get(n.outputs[0]!)!.shape);
    }
  });

  it('folds PAD and PADV2 of the zero point into DEPTHWISE_CONV_2D and CONV_2D, nothing else; explicit pads give the same shapes', async () => {
    const a = await analyze(true, 16 * 1024 * K, 1, 0);
    const folds = a.optimized.rewrites.filter((r) => r.pass === 'fold-pad').map((r) => r.nodes);
    expect(folds).toEqual([['pad_a', 'dw_b'], ['pad_b', 'conv_c'], ['pad_c', 'conv_d']]);
    const byName = new Map(a.graph.nodes.map((n) => [n.name, n]));
    // Kept: a PADV2 of another value, a PAD of the channels, a PAD before a pool, a PAD with two consumers.
    for (const kept of ['pad_d', 'pad_e', 'pad_f', 'pad_g']) expect(byName.has(kept), kept).toBe(true);
    const expectPads: Record<string, { input: string; pads: number[] }> = {
      dw_b: { input: 'a', pads: [1, 1, 1, 1] },
      conv_c: { input: 'b', pads: [0, 0, 1, 1] },
      // SAME on the 8x6 padded input (3x3, stride 1): 1 each side; plus the PAD's 2 top rows.
      conv_d: { input: 'c', pads: [3, 1, 1, 1] },
    };
    for (const [name, want] of Object.entries(expectPads)) {
      const n = byName.get(name)!;
      expect(n.inputs[0], name).toBe(want.input);
      expect(n.attributes.get('padding'), name).toEqual({ type: 'string', value: 'EXPLICIT' });
      expect(n.attributes.get('pads'), name).toEqual({ type: 'ints', value: want.pads });
      const shape = TFLITE_SHAPES.get(n.opType)!({
        opName: n.opType,
        attrs: n.attributes,
        inputs: n.inputs.map((t) => ({ shape: a.graph.tensors.get(t)?.shape ?? a.graph.weights.get(t)!.shape })),
        declared: [],
      });
      expect(shape[0], name).toEqual(a.graph.tensors.get(n.outputs[0]!)!.shape);
    }
    // The padded tensors of the folds are gone; the kept PADs' outputs are still there.
    const live = new Set(a.graph.nodes.flatMap((n) => n.outputs));
    expect(['ap', 'bp', 'cp'].filter((t) => live.has(t))).toEqual([]);
    expect(['dp', 'ep', 'fp', 'gp'].every((t) => live.has(t))).toBe(true);
    const off = await analyze(false, 16 * 1024 * K, 1, 0);
    expect(off.optimized.rewrites).toEqual([]);
    expect(off.graph.nodes.filter((n) => n.opType === 'PAD' || n.opType === 'PADV2')).toHaveLength(7);
    // a + ap (24x24x8 + 26x26x8) at pad_a is the unfolded peak; folded, x + a (24x24x4 + 24x24x8) at c1.
    expect(off.report.optimizedPeakBytes).toBe(4608 + 5408);
    expect(a.report.optimizedPeakBytes).toBe(2304 + 4608);
  });

  it('float32: a PAD (value 0) folds into CONV_2D, a PADV2 of 1.0 stays; a PAD whose input and output quantization differ stays', async () => {
    const f32 = (shape: number[], v = 0): ConstTensor => ({ dtype: 'float32', shape, data: { kind: 'splat', value: v } });
    const spec = (padValue: number): Spec => ({
      inputs: ['x'],
      outputs: ['y', 'z'],
      tensors: { x: { shape: [1, 8, 8, 4], zp: 0 }, xp: { shape: [1, 10, 10, 4], zp: 0 }, y: { shape: [1, 8, 8, 4], zp: 0 }, xq: { shape: [1, 10, 10, 4], zp: 0 }, z: { shape: [1, 8, 8, 4], zp: 0 } },
      consts: { p: paddings([[0, 0], [1, 1], [1, 1], [0, 0]]), v: f32([1], padValue), w: f32([4, 3, 3, 4], 0.5), b: f32([4]), w2: f32([4, 3, 3, 4], 0.25) },
      nodes: [
        { name: 'pad', op: 'PADV2', inputs: ['x', 'p', 'v'], outputs: ['xp'] },
        { name: 'conv', op: 'CONV_2D', inputs: ['xp', 'w', 'b'], outputs: ['y'], attrs: { padding: 'VALID' } },
        { name: 'pad2', op: 'PAD', inputs: ['x', 'p'], outputs: ['xq'] },
        { name: 'conv2', op: 'CONV_2D', inputs: ['xq', 'w2', 'b'], outputs: ['z'], attrs: { padding: 'VALID' } },
      ],
    });
    const folds = async (g: Graph) => {
      const a = await analyzeGraph(g, { modelName: 'f.tflite', target: applyOverrides(DEFAULT_TARGET, { sramBytes: 1024 * K, dramBytes: 0 }) });
      return a.optimized.rewrites.filter((r) => r.pass === 'fold-pad').map((r) => r.nodes[0]);
    };
    expect(await folds(tfliteGraph(spec(0), true))).toEqual(['pad', 'pad2']);
    expect(await folds(tfliteGraph(spec(1), true))).toEqual(['pad2']);
    // int8 with the PAD's output quantized unlike its input (zero point 6 vs 5): the real zeros differ, no fold.
    const q = spec(0);
    const mixed: Spec = { ...q, tensors: { ...q.tensors, x: { shape: [1, 8, 8, 4], zp: 5 }, xp: { shape: [1, 10, 10, 4], zp: 6 }, xq: { shape: [1, 10, 10, 4], zp: 5 } }, consts: { ...q.consts, v: scalar(6) } };
    expect(await folds(tfliteGraph(mixed))).toEqual(['pad2']);
  });

  it('the generated C gives --no-graph-opt\'s bytes: whole tensors, and tiled at a small SRAM with DRAM (poison) on 1 and 4 cores', async () => {
    const run0 = buildProgram(await analyze(false, 16 * 1024 * K), path.join(tmp, 'off'), 'model_host');
    const whole = await analyze(true, 16 * 1024 * K);
    expect(whole.optimized.rewrites.filter((r) => r.pass === 'fold-pad')).toHaveLength(3);
    const runs = [buildProgram(whole, path.join(tmp, 'on'), 'model_host')];
    const split = new Set<string>();
    for (const cores of [1, 4]) {
      const tiled = await analyze(true, 1 * K, cores);
      expect(tiled.report.fits).toBe(true);
      const t = integerTiling(tiled);
      expect(t.splitOps).toEqual(expect.arrayContaining(['CONV_2D', 'DEPTHWISE_CONV_2D']));
      expect(t.dma).toBeGreaterThanOrEqual(3);
      if (cores === 4) expect(t.parallel).toBeGreaterThanOrEqual(3);
      for (const l of tiled.schedule.layers) if (l.tile.tileCount > 1) split.add(l.name);
      runs.push(buildProgram(tiled, path.join(tmp, `tiled-${cores}`), 'model_host_poison'));
    }
    // Each folded convolution runs on row tiles (halo windows starting in its explicit top padding) somewhere.
    expect(['dw_b', 'conv_c', 'conv_d'].filter((n) => !split.has(n))).toEqual([]);
    for (const seed of [1, 2, 3]) {
      const x = int8s(24 * 24 * 4, seed);
      const want = run0([x]);
      // Not all padding: the output varies with the input.
      expect(new Set(new Int8Array(want[0]!)).size).toBeGreaterThan(4);
      for (const run of runs) expectSameBytes(run([x]), want);
    }
  }, 300_000);
});
