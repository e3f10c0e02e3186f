/**
 * The QDQ folding of the ONNX import (src/frontend/qdq/fold-qdq.ts) on hand-built graphs: which
 * patterns become memplan.qlinear integer nodes, what they read (the int8 weights and int32 bias
 * behind the folded DequantizeLinear), the clamp of a fused Relu/Clip, the quantization and the
 * integer sizes of the activations, and what is left alone.
 */
import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, attr, tensor } from '../../fixtures/onnx-writer.js';
import { importOnnx } from '../../src/frontend/import-onnx.js';
import { QLINEAR_DOMAIN } from '../../src/frontend/qdq/fold-qdq.js';

function qdqConv(extra: (g: OnnxGraphBuilder) => void, clip = true): Uint8Array {
  const g = new OnnxGraphBuilder('q');
  g.input('x', 'float32', [1, 2, 4, 4]);
  g.initializer('xs', tensor.float32([], [0.02]));
  g.initializer('xz', tensor.uint8([], [128]));
  g.node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq']);
  g.node('DequantizeLinear', ['xq', 'xs', 'xz'], ['xd']);
  g.initializer('wq', tensor.int8([3, 2, 1, 1], [1, -2, 3, -4, 5, -6]));
  g.initializer('ws', tensor.float32([3], [0.5, 0.25, 0.125]));
  g.initializer('wz', tensor.int8([3], [0, 0, 0]));
  g.node('DequantizeLinear', ['wq', 'ws', 'wz'], ['wd'], { attributes: { axis: attr.int(0) } });
  g.initializer('bq', tensor.int32([3], [10, 20, 30]));
  g.initializer('bs', tensor.float32([3], [0.01, 0.005, 0.0025]));
  g.node('DequantizeLinear', ['bq', 'bs'], ['bd'], { attributes: { axis: attr.int(0) } });
  g.node('Conv', ['xd', 'wd', 'bd'], ['c'], { attributes: { kernel_shape: attr.ints([1, 1]) } });
  let y = 'c';
  if (clip) {
    g.initializer('lo', tensor.float32([], [0]));
    g.initializer('hi', tensor.float32([], [1]));
    g.node('Clip', ['c', 'lo', 'hi'], ['r']);
    y = 'r';
  }
  g.initializer('ys', tensor.float32([], [0.01]));
  g.initializer('yz', tensor.uint8([], [10]));
  g.node('QuantizeLinear', [y, 'ys', 'yz'], ['yq']);
  g.node('DequantizeLinear', ['yq', 'ys', 'yz'], ['out']);
  extra(g);
  g.output('out', 'float32');
  return g.encode({ opset: 13 });
}

describe('QDQ folding', () => {
  it('turns DequantizeLinear -> Conv -> Clip -> QuantizeLinear into one integer conv on int8 weights', () => {
    const graph = importOnnx(qdqConv(() => {}), { fileName: 'q.onnx' });
    expect(graph.nodes.map((n) => `${n.domain}:${n.opType}`)).toEqual([
      `${QLINEAR_DOMAIN}:QuantizeLinear`, `${QLINEAR_DOMAIN}:QConv`, `${QLINEAR_DOMAIN}:DequantizeLinear`,
    ]);
    const conv = graph.nodes[1]!;
    expect(conv.name).toBe('Conv_4');
    expect(conv.inputs[0]).toBe('xq');
    expect(conv.outputs).toEqual(['yq']);
    const w = graph.weights.get(conv.inputs[1]!)!;
    expect(w.dtype).toBe('int8');
    expect(w.quantization).toEqual({ scales: [0.5, 0.25, 0.125], zeroPoints: [0, 0, 0], axis: 0 });
    const b = graph.weights.get(conv.inputs[2]!)!;
    expect(b.dtype).toBe('int32');
    // Clip(0, 1) quantized with scale 0.01 and zero point 10: [10, 110].
    expect(conv.attributes.get('act_min')).toEqual({ type: 'int', value: 10 });
    expect(conv.attributes.get('act_max')).toEqual({ type: 'int', value: 110 });
    for (const name of ['xq', 'yq']) {
      const t = graph.tensors.get(name)!;
      expect(t.dtype).toBe('uint8');
      expect(t.sizeBytes).toBe(t.elementCount);
    }
    expect(graph.tensors.get('xq')!.quantization).toEqual({ scales: [Math.fround(0.02)], zeroPoints: [128] });
    expect(graph.tensors.get('yq')!.quantization).toEqual({ scales: [Math.fround(0.01)], zeroPoints: [10] });
    // The float intermediates are gone: only the float input and output and the integer tensors remain.
    expect([...graph.tensors.keys()].sort()).toEqual(['out', 'x', 'xq', 'yq']);
    // Weights: the int8 weights and int32 bias, not their float versions (scales and zero points are
    // quantization parameters now, written into the generated code as constants).
    expect([...graph.weights.values()].map((t) => t.dtype).sort()).toEqual(['int32', 'int8']);
    expect(graph.weightBytes).toBe(6 + 12);
  });

  it('keeps a float op whose output is read by more than its QuantizeLinear (the float value is needed)', () => {
    const graph = importOnnx(qdqConv((g) => {
      g.node('Relu', ['c'], ['side']);
      g.output('side', 'float32');
    }, false), { fileName: 'q.onnx' });
    const ops = graph.nodes.map((n) => `${n.domain === QLINEAR_DOMAIN ? 'q:' : ''}${n.opType}`);
    expect(ops).toEqual(['q:QuantizeLinear', 'q:DequantizeLinear', 'Conv', 'q:QuantizeLinear', 'q:DequantizeLinear', 'Relu']);
    // The float conv reads the dequantized input and the float weights.
    const conv = graph.nodes[2]!;
    expect(graph.tensors.get(conv.inputs[0]!)!.dtype).toBe('float32');
    expect(graph.weights.get(conv.inputs[1]!)!.dtype).toBe('float32');
  });

  it('leaves a DequantizeLinear whose parameters differ from its QuantizeLinear\'s as an ONNX node', () => {
    const g = new OnnxGraphBuilder('q');
    g.input('x', 'float32', [1, 4]);
    g.initializer('s1', tensor.float32([], [0.02]));
    g.initializer('s2', tensor.float32([], [0.04]));
    g.initializer('z', tensor.uint8([], [0]));
    g.node('QuantizeLinear', ['x', 's1', 'z'], ['q']);
    g.node('DequantizeLinear', ['q', 's2', 'z'], ['y']);
    g.output('y', 'float32');
    const graph = importOnnx(g.encode(), { fileName: 'q.onnx' });
    expect(graph.nodes.map((n) => `${n.domain}:${n.opType}`)).toEqual([`${QLINEAR_DOMAIN}:QuantizeLinear`, ':DequantizeLinear']);
    expect(graph.tensors.get('q')!.quantization).toEqual({ scales: [Math.fround(0.02)], zeroPoints: [0] });
  });

  it('leaves a model without quantization nodes untouched', () => {
    const g = new OnnxGraphBuilder('f');
    g.input('x', 'float32', [1, 4]);
    g.node('Relu', ['x'], ['y']);
    g.output('y', 'float32');
    const graph = importOnnx(g.encode(), { fileName: 'f.onnx' });
    expect(graph.nodes.map((n) => `${n.domain}:${n.opType}`)).toEqual([':Relu']);
    expect(graph.tensors.get('y')!.quantization).toBeUndefined();
  });

  it('reads QLinearConv scale and zero-point inputs as the quantization of its tensors', () => {
    const g = new OnnxGraphBuilder('q');
    g.input('x', 'int8', [1, 1, 3, 3]);
    g.initializer('xs', tensor.float32([], [0.5]));
    g.initializer('xz', tensor.int8([], [-3]));
    g.initializer('w', tensor.int8([2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
    g.initializer('ws', tensor.float32([2], [0.1, 0.2]));
    g.initializer('wz', tensor.int8([2], [0, 0]));
    g.initializer('ys', tensor.float32([], [0.25]));
    g.initializer('yz', tensor.int8([], [4]));
    g.node('QLinearConv', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], ['y'], { attributes: { kernel_shape: attr.ints([2, 2]) } });
    g.output('y', 'int8');
    const graph = importOnnx(g.encode(), { fileName: 'q.onnx' });
    expect(graph.nodes.map((n) => `${n.domain}:${n.opType}`)).toEqual([`${QLINEAR_DOMAIN}:QConv`]);
    expect(graph.tensors.get('x')!.quantization).toEqual({ scales: [0.5], zeroPoints: [-3] });
    expect(graph.tensors.get('y')!.quantization).toEqual({ scales: [0.25], zeroPoints: [4] });
    const w = graph.weights.get(graph.nodes[0]!.inputs[1]!)!;
    expect(w.quantization).toEqual({ scales: [Math.fround(0.1), Math.fround(0.2)], zeroPoints: [0, 0], axis: 0 });
    expect(graph.nodes[0]!.attributes.get('act_min')).toEqual({ type: 'int', value: -128 });
    expect(graph.nodes[0]!.attributes.get('act_max')).toEqual({ type: 'int', value: 127 });
  });
});
