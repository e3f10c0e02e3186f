/**
 * QDQ ONNX versions of the torchvision models (fixtures/quantize-qdq.ts: seeded calibration, per-channel
 * int8 weights, uint8 activations) planned by memplan at their integer sizes and run through the
 * generated C (gcc), against onnxruntime-web within 1 LSB of the output's quantization.
 * SqueezeNet here; every torchvision model (and int8 activations) in emit-qdq.slow.test.ts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, decodeModel, tensor } from '../../fixtures/onnx-writer.js';
import { QLINEAR_DOMAIN } from '../../src/frontend/qdq/fold-qdq.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { sharedModel } from '../helpers/shared-data.js';
import * as ort from 'onnxruntime-web';
import { seededFloats } from '../helpers/ort-reference.js';
import { analyzeBytes, buildTyped, maxLsbDiff, ortTyped, outputLsb, qdqOf, runQdqModel } from './qdq-helpers.js';

const MODEL = sharedModel('torchvision/squeezenet1_1_96.onnx');
const tmp = makeTempDir('memplan-emit-qdq-');
afterAll(() => removeDir(tmp));

let qdq: Uint8Array;
beforeAll(async () => {
  qdq = await qdqOf(MODEL);
}, 120_000);

describe('the quantizer (fixtures/quantize-qdq.ts)', () => {
  it('writes the same bytes every run', async () => {
    const again = await qdqOf(MODEL);
    expect(Buffer.compare(Buffer.from(again), Buffer.from(qdq))).toBe(0);
  }, 120_000);

  it('writes per-channel int8 weights and uint8 activations in QDQ form (int8 activations on request)', async () => {
    const m = decodeModel(qdq);
    const inits = new Map(m.graph!.initializer!.map((t) => [t.name, t]));
    const convs = m.graph!.node!.filter((n) => n.opType === 'Conv');
    expect(convs.length).toBe(26);
    for (const c of convs) {
      const dq = m.graph!.node!.find((n) => n.output![0] === c.input![1]);
      expect(dq?.opType).toBe('DequantizeLinear');
      const w = inits.get(dq!.input![0]!)!;
      const s = inits.get(dq!.input![1]!)!;
      expect(w.dataType).toBe(3); // int8
      expect(Number(s.dims![0])).toBe(Number(w.dims![0])); // one scale per output channel
      expect(Number(dq!.attribute!.find((a) => a.name === 'axis')?.i ?? 1)).toBe(0);
    }
    const qs = m.graph!.node!.filter((n) => n.opType === 'QuantizeLinear');
    expect(qs.length).toBeGreaterThan(26);
    for (const q of qs) expect(inits.get(q.input![2]!)!.dataType).toBe(2); // uint8 zero point
    const int8 = decodeModel(await qdqOf(MODEL, { activations: 'int8' }));
    const i8 = new Map(int8.graph!.initializer!.map((t) => [t.name, t]));
    for (const q of int8.graph!.node!.filter((n) => n.opType === 'QuantizeLinear')) expect(i8.get(q.input![2]!)!.dataType).toBe(3);
  }, 120_000);
});

describe('QDQ SqueezeNet in memplan', () => {
  it('folds every QDQ pattern into integer layers and plans activations at their integer sizes', async () => {
    const a = await analyzeBytes(qdq, 'squeezenet1_1_96.qdq.onnx');
    const float = await analyzeBytes(new Uint8Array(readFileSync(MODEL)), 'squeezenet1_1_96.onnx');
    const ops = a.sourceGraph.nodes.map((n) => `${n.domain === QLINEAR_DOMAIN ? 'q:' : ''}${n.opType}`);
    // One QuantizeLinear of the float input, one DequantizeLinear of the output; everything between is integer.
    expect(ops.filter((o) => o === 'q:QuantizeLinear').length).toBe(1);
    expect(ops.filter((o) => o === 'q:DequantizeLinear').length).toBe(1);
    expect(ops.filter((o) => o === 'q:QConv').length).toBe(26);
    expect(ops.filter((o) => !o.startsWith('q:'))).toEqual(['Flatten']);
    for (const n of a.sourceGraph.nodes) {
      if (n.opType === 'DequantizeLinear') continue;
      for (const o of n.outputs) {
        const t = a.sourceGraph.tensors.get(o)!;
        expect(t.dtype).toBe('uint8');
        expect(t.sizeBytes).toBe(t.elementCount);
        expect(t.quantization?.scales.length).toBe(1);
      }
    }
    // Weights are int8 (plus int32 biases and the float scales, which live in generated code).
    expect(a.report.weightBytes).toBeLessThan(float.report.weightBytes / 3);
    // The peak holds one-byte tensors only: at most a quarter of the float model's (less: a Relu fused
    // into its Conv's requantization never keeps a second copy alive).
    for (const live of a.report.liveAtPeak) {
      const t = a.sourceGraph.tensors.get(live.name)!;
      expect(live.sizeBytes).toBe(t.elementCount);
    }
    expect(a.report.peakLiveBytes).toBeLessThanOrEqual(float.report.peakLiveBytes / 4);
  }, 120_000);

  it('generated C equals onnxruntime-web within 1 LSB', async () => {
    const r = await runQdqModel(MODEL, path.join(tmp, 'squeezenet'));
    expect(r.lsb.length).toBe(1);
    expect(r.lsb[0]).toBeLessThanOrEqual(1);
  }, 300_000);
});

describe('graph optimizations on integer layers', () => {
  it('an integer element-wise layer (QMul of SiLU) writes its output over a dying operand', async () => {
    // int8 input x -> SiLU (table, then QMul) -> global average pool -> float output: the peak is at
    // the QMul (x, sigmoid(x) and the product, 2 KiB each) until the product overwrites sigmoid(x).
    const g = new OnnxGraphBuilder('silu');
    g.input('x_q', 'int8', [1, 8, 16, 16]);
    const params = (t: string, scale: number, zp: number): [string, string] => {
      g.initializer(`${t}_s`, tensor.float32([], [scale]));
      g.initializer(`${t}_z`, tensor.int8([], [zp]));
      return [`${t}_s`, `${t}_z`];
    };
    const qdq = (t: string, scale: number, zp: number): string => {
      const [s, z] = params(t, scale, zp);
      g.node('QuantizeLinear', [t, s, z], [`${t}_q`]);
      g.node('DequantizeLinear', [`${t}_q`, s, z], [`${t}_d`]);
      return `${t}_d`;
    };
    const [xs, xz] = params('x', 2 / 255, 0);
    g.node('DequantizeLinear', ['x_q', xs, xz], ['x_d']);
    g.node('Sigmoid', ['x_d'], ['s']);
    const sd = qdq('s', 1 / 255, -128);
    g.node('Mul', ['x_d', sd], ['m']);
    const md = qdq('m', 1.2 / 255, -30);
    g.node('GlobalAveragePool', [md], ['p']);
    qdq('p', 1 / 255, -50);
    g.output('p_d', 'float32');
    const a = await analyzeBytes(g.encode(), 'silu.onnx');
    expect(a.sourceGraph.nodes.map((n) => n.opType)).toEqual(['QLookup', 'QMul', 'QGlobalAveragePool', 'DequantizeLinear']);
    expect(a.report.peakLiveBytes).toBe(3 * 2048);
    const inPlace = a.report.graphOptimizations.savedBytes.find((k) => k.kind === 'in-place')!;
    expect(inPlace.bytes).toBe(2048);
    expect(a.report.optimizedPeakBytes).toBe(2 * 2048);
    // The generated C with the product written over sigmoid(x) still equals onnxruntime-web.
    const x = Int8Array.from(seededFloats(2048, 5), (v) => Math.round(v * 127));
    const [want] = await ortTyped(g.encode(), { x_q: new ort.Tensor('int8', x, [1, 8, 16, 16]) }, ['p_d']);
    const [got] = buildTyped(a, path.join(tmp, 'silu'))([x]);
    const f = new Float32Array(got!.buffer.slice(got!.byteOffset, got!.byteOffset + got!.byteLength));
    expect(maxLsbDiff(f, want!, outputLsb(a, 'p_d'))).toBeLessThanOrEqual(1);
  }, 120_000);
});
