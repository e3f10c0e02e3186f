/**
 * Each quantized ONNX operator memplan reads as an integer layer (QLinearConv, QLinearMatMul,
 * ConvInteger, MatMulInteger, onnxruntime's QLinearAdd/QLinearMul/QLinearSigmoid/QLinearGlobalAveragePool,
 * and the QDQ patterns around Conv, Gemm, MatMul, Add, Mul, Sigmoid,
 * GlobalAveragePool, MaxPool, Concat, Relu/Clip, Reshape/Flatten) on a hand-built graph: the import
 * folds it into the expected memplan.qlinear node, and the generated C (gcc) equals onnxruntime-web
 * within 1 LSB of the output's quantization (int32 outputs exactly).
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, attr, tensor } from '../../fixtures/onnx-writer.js';
import type { ElemType } from '../../fixtures/onnx-writer.js';
import { createPrng, uniformFloats } from '../../fixtures/models/random.js';
import { QLINEAR_DOMAIN } from '../../src/frontend/qdq/fold-qdq.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeBytes, buildTyped, maxLsbDiff, ortTyped, outputLsb } from './qdq-helpers.js';
import type { IntArray } from './tflite-host.js';

const tmp = makeTempDir('memplan-qlinear-ops-');
afterAll(() => removeDir(tmp));

type InType = 'float32' | 'uint8' | 'int8';
interface Case {
  readonly name: string;
  /** Graph inputs (name, type, shape). */
  readonly inputs: readonly (readonly [string, InType, readonly number[]])[];
  readonly outputType: ElemType;
  /** memplan.qlinear op types the import must produce. */
  readonly expectOps: readonly string[];
  readonly build: (g: OnnxGraphBuilder, p: Params) => void;
  readonly opset?: number;
}

/** Seeded constants for a case's weights. */
class Params {
  private readonly prng = createPrng(77);
  floats(n: number, lo: number, hi: number): Float32Array {
    return uniformFloats(this.prng, n, lo, hi);
  }
  ints(n: number, lo: number, hi: number): number[] {
    return Array.from(this.floats(n, lo, hi + 1), (v) => Math.min(hi, Math.floor(v)));
  }
}

function f32(v: number): number {
  return Math.fround(v);
}

/** x float -> QuantizeLinear -> DequantizeLinear: the name of the float tensor that dequantizes it. */
function qdq(g: OnnxGraphBuilder, x: string, scale: number, zp: number, type: 'uint8' | 'int8' = 'uint8'): string {
  g.initializer(`${x}_s`, tensor.float32([], [f32(scale)]));
  g.initializer(`${x}_z`, type === 'uint8' ? tensor.uint8([], [zp]) : tensor.int8([], [zp]));
  g.node('QuantizeLinear', [x, `${x}_s`, `${x}_z`], [`${x}_q`]);
  g.node('DequantizeLinear', [`${x}_q`, `${x}_s`, `${x}_z`], [`${x}_dq`]);
  return `${x}_dq`;
}

/** Per-channel int8 weights behind a DequantizeLinear (axis), and an optional int32 bias for input scale sx. */
function qweight(g: OnnxGraphBuilder, p: Params, name: string, dims: number[], axis: number): { w: string; scales: number[] } {
  const count = dims.reduce((a, b) => a * b, 1);
  const channels = dims[axis]!;
  const scales = Array.from(p.floats(channels, 0.002, 0.02), f32);
  g.initializer(`${name}_q`, tensor.int8(dims, p.ints(count, -127, 127)));
  g.initializer(`${name}_s`, tensor.float32([channels], scales));
  g.initializer(`${name}_z`, tensor.int8([channels], new Int8Array(channels)));
  g.node('DequantizeLinear', [`${name}_q`, `${name}_s`, `${name}_z`], [name], { attributes: { axis: attr.int(axis) } });
  return { w: name, scales };
}

function qbias(g: OnnxGraphBuilder, p: Params, name: string, sx: number, wScales: number[]): string {
  const n = wScales.length;
  g.initializer(`${name}_q`, tensor.int32([n], p.ints(n, -4000, 4000)));
  g.initializer(`${name}_s`, tensor.float32([n], wScales.map((s) => f32(f32(sx) * s))));
  g.initializer(`${name}_z`, tensor.int32([n], new Int32Array(n)));
  g.node('DequantizeLinear', [`${name}_q`, `${name}_s`, `${name}_z`], [name], { attributes: { axis: attr.int(0) } });
  return name;
}

/** y float -> QuantizeLinear -> DequantizeLinear -> graph output `out`. */
function qout(g: OnnxGraphBuilder, y: string, scale: number, zp: number, out = 'out', type: 'uint8' | 'int8' = 'uint8'): void {
  g.initializer(`${y}_s`, tensor.float32([], [f32(scale)]));
  g.initializer(`${y}_z`, type === 'uint8' ? tensor.uint8([], [zp]) : tensor.int8([], [zp]));
  g.node('QuantizeLinear', [y, `${y}_s`, `${y}_z`], [`${y}_q`]);
  g.node('DequantizeLinear', [`${y}_q`, `${y}_s`, `${y}_z`], [out]);
}

const CASES: Case[] = [
  {
    name: 'QLinearConv uint8 x, per-channel int8 w, bias, stride 2, pads',
    inputs: [['x', 'uint8', [1, 6, 9, 9]]],
    outputType: 'uint8',
    expectOps: ['QConv'],
    build: (g, p) => {
      g.initializer('xs', tensor.float32([], [f32(0.021)]));
      g.initializer('xz', tensor.uint8([], [117]));
      g.initializer('w', tensor.int8([8, 6, 3, 3], p.ints(8 * 6 * 9, -127, 127)));
      g.initializer('ws', tensor.float32([8], Array.from(p.floats(8, 0.002, 0.01), f32)));
      g.initializer('wz', tensor.int8([8], new Int8Array(8)));
      g.initializer('ys', tensor.float32([], [f32(0.057)]));
      g.initializer('yz', tensor.uint8([], [131]));
      g.initializer('b', tensor.int32([8], p.ints(8, -3000, 3000)));
      g.node('QLinearConv', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], ['out'], { attributes: { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) } });
    },
  },
  {
    name: 'QLinearConv int8 depthwise, per-tensor w, no bias, dilation 2',
    inputs: [['x', 'int8', [1, 4, 10, 10]]],
    outputType: 'int8',
    expectOps: ['QConv'],
    build: (g, p) => {
      g.initializer('xs', tensor.float32([], [f32(0.03)]));
      g.initializer('xz', tensor.int8([], [-5]));
      g.initializer('w', tensor.int8([4, 1, 3, 3], p.ints(36, -127, 127)));
      g.initializer('ws', tensor.float32([], [f32(0.011)]));
      g.initializer('wz', tensor.int8([], [0]));
      g.initializer('ys', tensor.float32([], [f32(0.08)]));
      g.initializer('yz', tensor.int8([], [3]));
      g.node('QLinearConv', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], ['out'], { attributes: { kernel_shape: attr.ints([3, 3]), group: attr.int(4), dilations: attr.ints([2, 2]), pads: attr.ints([2, 2, 2, 2]) } });
    },
  },
  {
    name: 'QLinearMatMul uint8',
    inputs: [['x', 'uint8', [3, 16]]],
    outputType: 'uint8',
    expectOps: ['QGemm'],
    build: (g, p) => {
      g.initializer('xs', tensor.float32([], [f32(0.02)]));
      g.initializer('xz', tensor.uint8([], [128]));
      g.initializer('w', tensor.uint8([16, 8], p.ints(128, 0, 255)));
      g.initializer('ws', tensor.float32([], [f32(0.004)]));
      g.initializer('wz', tensor.uint8([], [120]));
      g.initializer('ys', tensor.float32([], [f32(0.05)]));
      g.initializer('yz', tensor.uint8([], [100]));
      g.node('QLinearMatMul', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], ['out']);
    },
  },
  {
    name: 'ConvInteger uint8 with zero points',
    inputs: [['x', 'uint8', [1, 3, 7, 7]]],
    outputType: 'int32',
    expectOps: ['QConv'],
    build: (g, p) => {
      g.initializer('w', tensor.uint8([5, 3, 3, 3], p.ints(135, 0, 255)));
      g.initializer('xz', tensor.uint8([], [12]));
      g.initializer('wz', tensor.uint8([], [130]));
      g.node('ConvInteger', ['x', 'w', 'xz', 'wz'], ['out'], { attributes: { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) } });
    },
  },
  {
    name: 'MatMulInteger uint8 x int8',
    inputs: [['x', 'uint8', [4, 12]]],
    outputType: 'int32',
    expectOps: ['QGemm'],
    build: (g, p) => {
      g.initializer('w', tensor.int8([12, 6], p.ints(72, -128, 127)));
      g.initializer('xz', tensor.uint8([], [9]));
      g.node('MatMulInteger', ['x', 'w', 'xz'], ['out']);
    },
  },
  {
    name: "onnxruntime's QLinearAdd, QLinearMul (broadcast), QLinearSigmoid and QLinearGlobalAveragePool (com.microsoft)",
    inputs: [['a', 'uint8', [1, 6, 5, 5]], ['b', 'uint8', [1, 6, 1, 1]]],
    outputType: 'uint8',
    expectOps: ['QAdd', 'QMul', 'QLookup', 'QGlobalAveragePool'],
    opset: 13,
    build: (g) => {
      const ms = { domain: 'com.microsoft' };
      const q = (name: string, scale: number, zp: number) => {
        g.initializer(`${name}_s`, tensor.float32([], [f32(scale)]));
        g.initializer(`${name}_z`, tensor.uint8([], [zp]));
        return [`${name}_s`, `${name}_z`];
      };
      const [as, az] = q('a', 0.02, 128), [bs, bz] = q('b', 0.015, 100), [cs, cz] = q('c', 0.03, 120);
      g.node('QLinearAdd', ['a', as!, az!, 'b', bs!, bz!, cs!, cz!], ['c'], ms);
      const [ds, dz] = q('d', 0.01, 90);
      g.node('QLinearMul', ['c', cs!, cz!, 'b', bs!, bz!, ds!, dz!], ['d'], ms);
      const [es, ez] = q('e', 1 / 256, 0);
      g.node('QLinearSigmoid', ['d', ds!, dz!, es!, ez!], ['e'], ms);
      const [os, oz] = q('out', 0.002, 10);
      g.node('QLinearGlobalAveragePool', ['e', es!, ez!, os!, oz!], ['out'], { ...ms, attributes: { channels_last: attr.int(0) } });
    },
  },
  {
    name: 'QDQ Conv + per-channel weights + bias + Clip(0, 6)',
    inputs: [['x', 'float32', [1, 5, 8, 8]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QConv', 'DequantizeLinear'],
    build: (g, p) => {
      const x = qdq(g, 'x', 2 / 255, 128);
      const { w, scales } = qweight(g, p, 'w', [7, 5, 3, 3], 0);
      const b = qbias(g, p, 'b', 2 / 255, scales);
      g.node('Conv', [x, w, b], ['c'], { attributes: { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) } });
      g.initializer('lo', tensor.float32([], [0]));
      g.initializer('hi', tensor.float32([], [6]));
      g.node('Clip', ['c', 'lo', 'hi'], ['r']);
      qout(g, 'r', 0.01, 0);
    },
  },
  {
    name: 'QDQ Gemm transB with per-channel weights and bias, int8 activations',
    inputs: [['x', 'float32', [2, 24]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QGemm', 'DequantizeLinear'],
    build: (g, p) => {
      const x = qdq(g, 'x', 2 / 255, 0, 'int8');
      const { w, scales } = qweight(g, p, 'w', [10, 24], 0);
      const b = qbias(g, p, 'b', 2 / 255, scales);
      g.node('Gemm', [x, w, b], ['y'], { attributes: { transB: attr.int(1) } });
      qout(g, 'y', 0.03, -3, 'out', 'int8');
    },
  },
  {
    name: 'QDQ MatMul 3-D activations by a per-column weight, then Relu',
    inputs: [['x', 'float32', [1, 5, 16]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QGemm', 'DequantizeLinear'],
    build: (g, p) => {
      const x = qdq(g, 'x', 2 / 255, 127);
      const { w } = qweight(g, p, 'w', [16, 12], 1);
      g.node('MatMul', [x, w], ['y']);
      g.node('Relu', ['y'], ['r']);
      qout(g, 'r', 0.02, 0);
    },
  },
  {
    name: 'QDQ Add with broadcasting and Relu',
    inputs: [['a', 'float32', [1, 4, 6, 6]], ['b', 'float32', [1, 4, 1, 1]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QuantizeLinear', 'QAdd', 'DequantizeLinear'],
    build: (g) => {
      const a = qdq(g, 'a', 2 / 255, 128);
      const b = qdq(g, 'b', 1.5 / 255, 120);
      g.node('Add', [a, b], ['y']);
      g.node('Relu', ['y'], ['r']);
      qout(g, 'r', 2.6 / 255, 0);
    },
  },
  {
    name: 'QDQ Mul, int8',
    inputs: [['a', 'float32', [2, 3, 5]], ['b', 'float32', [2, 3, 5]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QuantizeLinear', 'QMul', 'DequantizeLinear'],
    build: (g) => {
      const a = qdq(g, 'a', 2 / 255, 0, 'int8');
      const b = qdq(g, 'b', 2 / 255, 10, 'int8');
      g.node('Mul', [a, b], ['y']);
      qout(g, 'y', 1 / 255, -20, 'out', 'int8');
    },
  },
  {
    name: 'QDQ GlobalAveragePool',
    inputs: [['x', 'float32', [1, 16, 7, 7]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QGlobalAveragePool', 'DequantizeLinear'],
    build: (g) => {
      const x = qdq(g, 'x', 2 / 255, 128);
      g.node('GlobalAveragePool', [x], ['y']);
      qout(g, 'y', 0.3 / 255, 130);
    },
  },
  {
    name: 'QDQ MaxPool (same parameters) then MaxPool requantized, ceil mode',
    inputs: [['x', 'float32', [1, 3, 9, 9]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QMaxPool', 'QMaxPool', 'DequantizeLinear'],
    build: (g) => {
      const x = qdq(g, 'x', 2 / 255, 128);
      g.node('MaxPool', [x], ['m'], { attributes: { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) } });
      const m = qdq(g, 'm', 2 / 255, 128);
      g.node('MaxPool', [m], ['y'], { attributes: { kernel_shape: attr.ints([2, 2]), pads: attr.ints([1, 1, 0, 0]) } });
      qout(g, 'y', 1.3 / 255, 40);
    },
  },
  {
    name: 'QDQ Concat of inputs with different parameters',
    inputs: [['a', 'float32', [1, 2, 4, 4]], ['b', 'float32', [1, 3, 4, 4]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QuantizeLinear', 'QConcat', 'DequantizeLinear'],
    build: (g) => {
      const a = qdq(g, 'a', 2 / 255, 128);
      const b = qdq(g, 'b', 1 / 255, 60);
      g.node('Concat', [a, b], ['y'], { attributes: { axis: attr.int(1) } });
      qout(g, 'y', 2.2 / 255, 110);
    },
  },
  {
    name: 'QDQ Sigmoid (table) times its input (SiLU), int8',
    inputs: [['x', 'float32', [1, 4, 5, 5]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QLookup', 'QMul', 'DequantizeLinear'],
    build: (g) => {
      const x = qdq(g, 'x', 2 / 255, 0, 'int8');
      g.node('Sigmoid', [x], ['s']);
      const s = qdq(g, 's', 1 / 255, -128, 'int8');
      g.node('Mul', [x, s], ['y']);
      qout(g, 'y', 1.1 / 255, -40, 'out', 'int8');
    },
  },
  {
    name: 'QDQ Relu alone (rescaling) and Flatten as a view',
    inputs: [['x', 'float32', [1, 3, 2, 2]]],
    outputType: 'float32',
    expectOps: ['QuantizeLinear', 'QClip', 'Flatten', 'DequantizeLinear'],
    build: (g) => {
      const x = qdq(g, 'x', 2 / 255, 128);
      g.node('Relu', [x], ['r']);
      const r = qdq(g, 'r', 1 / 255, 0);
      g.node('Flatten', [r], ['y']);
      qout(g, 'y', 1 / 255, 0);
    },
  },
];

function feedsOf(c: Case): { feeds: Record<string, ort.Tensor>; raw: IntArray[] } {
  const feeds: Record<string, ort.Tensor> = {};
  const raw: IntArray[] = [];
  c.inputs.forEach(([name, type, shape], i) => {
    const count = shape.reduce((a, b) => a * b, 1);
    const u = uniformFloats(createPrng(31 + i), count, 0, 1);
    const data = type === 'float32' ? Float32Array.from(u, (v) => 2 * v - 1) : type === 'uint8' ? Uint8Array.from(u, (v) => Math.floor(v * 256)) : Int8Array.from(u, (v) => Math.floor(v * 256) - 128);
    feeds[name] = new ort.Tensor(type, data, [...shape]);
    raw.push(data);
  });
  return { feeds, raw };
}

function typedOutput(b: Buffer, type: ElemType): IntArray {
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  switch (type) {
    case 'float32': return new Float32Array(ab);
    case 'int32': return new Int32Array(ab);
    case 'int8': return new Int8Array(ab);
    default: return new Uint8Array(ab);
  }
}

describe('quantized ONNX operators through generated C against onnxruntime-web', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const g = new OnnxGraphBuilder('q');
      for (const [name, type, shape] of c.inputs) g.input(name, type, shape);
      c.build(g, new Params());
      g.output('out', c.outputType);
      const bytes = g.encode({ opset: c.opset ?? 13, extraOpsets: { 'com.microsoft': 1 } });
      const a = await analyzeBytes(bytes, 'q.onnx');
      // Folded into integer layers: exactly the expected memplan.qlinear nodes (and views) run.
      expect(a.sourceGraph.nodes.map((n) => n.opType)).toEqual(c.expectOps);
      for (const n of a.sourceGraph.nodes) if (n.opType !== 'Flatten') expect(n.domain).toBe(QLINEAR_DOMAIN);
      const { feeds, raw } = feedsOf(c);
      const [want] = await ortTyped(bytes, feeds, ['out']);
      const run = buildTyped(a, path.join(tmp, c.name.replace(/\W+/g, '_')));
      const got = typedOutput(run(raw)[0]!, c.outputType);
      const lsb = c.outputType === 'float32' ? outputLsb(a, 'out') : 1;
      const diff = maxLsbDiff(got, want!, lsb);
      if (c.outputType === 'int32') expect(diff).toBe(0);
      else expect(diff).toBeLessThanOrEqual(1);
    });
  }
});
