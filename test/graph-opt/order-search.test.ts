/** The memory-aware order: exact on small DAGs, bounded beyond, never worse than the file's order. */
import { describe, expect, it } from 'vitest';
import { optimizeGraph } from '../../src/graph-opt/optimize-graph.js';
import { buildMemoryProblem, evaluateOrder } from '../../src/graph-opt/memory-model.js';
import { cutLayers, searchOrder } from '../../src/graph-opt/order-search.js';
import { LayerBuilder } from '../../src/graph-opt/layer-builder.js';
import { buildGraph } from '../helpers/graph-builder.js';
import type { NodeSpec, TensorSpec } from '../helpers/graph-builder.js';

/**
 * x -> big (4 KiB) -> ... and a small side branch from x that the file runs last: running the side
 * branch first frees x before the big tensors exist.
 */
function sideBranchGraph() {
  const tensors: Record<string, TensorSpec> = {
    x: { shape: [1, 64, 4, 4] },
    a: { shape: [1, 256, 4, 4] },
    b: { shape: [1, 256, 4, 4] },
    c: { shape: [1, 16, 4, 4] },
    s: { shape: [1, 16, 4, 4] },
    y: { shape: [1, 32, 4, 4] },
  };
  const nodes: NodeSpec[] = [
    { name: 'up', op: 'Conv', inputs: ['x', 'w1'], outputs: ['a'] },
    { name: 'mid', op: 'Conv', inputs: ['a', 'w2'], outputs: ['b'] },
    { name: 'down', op: 'Conv', inputs: ['b', 'w3'], outputs: ['c'] },
    { name: 'side', op: 'MaxPool', inputs: ['x'], outputs: ['s'] },
    { name: 'cat', op: 'Concat', inputs: ['c', 's'], outputs: ['y'], attributes: { axis: { type: 'int', value: 1 } } },
  ];
  return buildGraph({ inputs: ['x'], outputs: ['y'], tensors, nodes, weights: { w1: [256, 64, 1, 1], w2: [256, 256, 1, 1], w3: [16, 256, 1, 1] } });
}

describe('order search', () => {
  it('runs the side branch early when that lowers the peak; --order file keeps the model order', () => {
    const g = sideBranchGraph();
    const searched = optimizeGraph(g);
    const file = optimizeGraph(g, { order: 'file' });
    expect(searched.peakBytes).toBeLessThan(file.peakBytes);
    expect(searched.order.method).toBe('exact');
    expect(searched.order.fileOrderPeakBytes).toBeGreaterThanOrEqual(searched.peakBytes);
    expect(searched.layers.findIndex((l) => l.name === 'side')).toBeLessThan(searched.layers.findIndex((l) => l.name === 'mid'));
    expect(file.layers.map((l) => l.name)).toEqual(['up', 'mid', 'down', 'side', 'cat']);
    expect(searched.savedBytes.order).toBe(file.peakBytes - searched.peakBytes);
  });

  it('a beam of width 1 is deterministic, bounded, and never worse than the file order', () => {
    const g = sideBranchGraph();
    const b = new LayerBuilder(g, 'as-is');
    const layers = b.finish();
    const p = buildMemoryProblem(layers, b.forest, g.inputs, g.outputs);
    const file = evaluateOrder(p, layers.map((_, i) => i)).peakBytes;
    const narrow = searchOrder(p, 1);
    expect(narrow.method).toBe('beam');
    expect(narrow.peakBytes).toBeLessThanOrEqual(file);
    expect(searchOrder(p, 1)).toEqual(narrow);
    expect(evaluateOrder(p, narrow.order).peakBytes).toBe(narrow.peakBytes);
  });

  it('cut layers: every other layer is an ancestor or a descendant', () => {
    const g = sideBranchGraph();
    const b = new LayerBuilder(g, 'as-is');
    const layers = b.finish();
    const p = buildMemoryProblem(layers, b.forest, g.inputs, g.outputs);
    // Only the Concat joins both branches; 'up', 'mid', 'down' and 'side' are not cuts.
    expect(cutLayers(p).map((i) => layers[i]!.name)).toEqual(['cat']);
  });
});
