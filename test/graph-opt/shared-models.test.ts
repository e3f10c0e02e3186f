/**
 * Acceptance figures of issue 9: optimizedPeakBytes at or below the independent figures, and the
 * baseline (peakLiveBytes) unchanged, on the shared models.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { importOnnx } from '../../src/frontend/import-onnx.js';
import { graphLiveness } from '../../src/liveness/graph-liveness.js';
import { optimizeGraph } from '../../src/graph-opt/optimize-graph.js';
import { sharedModel } from '../helpers/shared-data.js';


const FIGURES: readonly [string, string, number][] = [
  ['torchvision', 'mnasnet0_5_96', 294912],
  ['torchvision', 'squeezenet1_1_96', 700928],
  ['torchvision', 'efficientnet_b0_96', 1105920],
  ['torchvision', 'regnet_x_400mf_96', 663552],
  ['torchvision', 'mobilenet_v2_224', 6021120],
  ['light', 'light_bvlc_alexnet', 2239488],
  ['light', 'light_densenet121', 7225344],
  ['light', 'light_inception_v1', 4646400],
  ['light', 'light_inception_v2', 4014080],
  ['light', 'light_resnet50', 7225344],
  ['light', 'light_shufflenet', 2885120],
  ['light', 'light_squeezenet', 3928576],
  ['light', 'light_vgg19', 25690112],
  ['light', 'light_zfnet512', 9124608],
];

describe('optimizedPeakBytes on the shared models', () => {
  it.each(FIGURES)('%s/%s <= %i', (dir, name, figure) => {
    const file = sharedModel(`${dir}/${name}.onnx`);
    const graph = importOnnx(readFileSync(file), { fileName: `${name}.onnx` });
    const baseline = graphLiveness(graph).peakLiveBytes;
    const o = optimizeGraph(graph);
    expect(o.peakBytes).toBeLessThanOrEqual(figure);
    expect(o.baselinePeakBytes).toBe(baseline);
    expect(optimizeGraph(graph, { enabled: false }).peakBytes).toBe(baseline);
    // The savings add up to the difference, and the file order is never beaten by a worse search.
    expect(Object.values(o.savedBytes).reduce((a, b) => a + b, 0)).toBe(baseline - o.peakBytes);
    expect(o.peakBytes).toBeLessThanOrEqual(o.order.fileOrderPeakBytes);
    // Every layer's nodes, together, are the graph's nodes, each once.
    expect(o.layers.flatMap((l) => l.nodeIndices).sort((a, b) => a - b)).toEqual(graph.nodes.map((_, i) => i));
  });
});
