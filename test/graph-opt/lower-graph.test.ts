/** lowerGraph: the optimized layers as the graph the scheduler and the C generator run. */
import { describe, expect, it } from 'vitest';
import type { ConstTensor } from '../../src/ir/graph.js';
import { optimizeGraph } from '../../src/graph-opt/optimize-graph.js';
import { lowerGraph } from '../../src/graph-opt/lower-graph.js';
import { buildGraph } from '../helpers/graph-builder.js';

const dense = (shape: number[], values: number[]): ConstTensor => ({ dtype: 'float32', shape, data: { kind: 'dense', values: Float32Array.from(values) } });

function convBnRelu() {
  const g = buildGraph({
    inputs: ['x'],
    outputs: ['y'],
    tensors: { x: { shape: [1, 1, 2, 2] }, c: { shape: [1, 2, 2, 2] }, b: { shape: [1, 2, 2, 2] }, y: { shape: [1, 2, 2, 2] } },
    nodes: [
      { name: 'conv', op: 'Conv', inputs: ['x', 'w', 'bias'], outputs: ['c'] },
      { name: 'bn', op: 'BatchNormalization', inputs: ['c', 's', 'beta', 'mean', 'var'], outputs: ['b'], attributes: { epsilon: { type: 'float', value: 0 } } },
      { name: 'relu', op: 'Relu', inputs: ['b'], outputs: ['y'] },
    ],
  });
  const weights = new Map<string, ConstTensor>([
    ['w', dense([2, 1, 1, 1], [2, 3])],
    ['bias', dense([2], [1, -1])],
    ['s', dense([2], [1, 2])],
    ['beta', dense([2], [0.5, 0])],
    ['mean', dense([2], [1, 1])],
    ['var', dense([2], [4, 1])],
  ]);
  return { ...g, weights };
}

describe('lowerGraph', () => {
  it('one node per layer: BatchNormalization folded into the Conv, the Relu left in the fused chain', () => {
    const o = optimizeGraph(convBnRelu());
    const { graph } = lowerGraph(o);
    expect(graph.nodes).toHaveLength(1);
    const conv = graph.nodes[0]!;
    expect(conv.outputs).toEqual(['y']);
    expect(conv.fused?.map((n) => n.opType)).toEqual(['Relu']);
    // s = scale / sqrt(var): [0.5, 2]; W' = W * s; B' = (B - mean) * s + beta.
    const w = graph.weights.get(conv.inputs[1]!)!;
    const b = graph.weights.get(conv.inputs[2]!)!;
    expect(w.data.kind === 'dense' && Array.from(w.data.values as Float32Array)).toEqual([1, 6]);
    expect(b.data.kind === 'dense' && Array.from(b.data.values as Float32Array)).toEqual([0.5, -4]);
    expect(graph.weights.has('s')).toBe(false);
  });

  it('is the identity with the optimizations off', () => {
    const g = convBnRelu();
    expect(lowerGraph(optimizeGraph(g, { enabled: false })).graph).toBe(g);
  });

  it('in-place outputs become aliases of the buffer they overwrite', () => {
    const g = buildGraph({
      inputs: ['x'],
      outputs: ['y'],
      tensors: { x: { shape: [4] }, a: { shape: [4] }, b: { shape: [4] }, y: { shape: [4] } },
      nodes: [
        { name: 'n', op: 'Neg', inputs: ['x'], outputs: ['a'] },
        { name: 's', op: 'Sigmoid', inputs: ['a'], outputs: ['b'] },
        { name: 't', op: 'Tanh', inputs: ['b'], outputs: ['y'] },
      ],
    });
    expect(lowerGraph(optimizeGraph(g)).aliases).toEqual(new Map([['b', { storage: 'a', offsetBytes: 0 }]]));
  });
});
