/**
 * Two-pass recompute of squeeze-excitation blocks (schedule/depth-first/recompute.ts) and the pieces
 * it is built from: side inputs read whole (choose.ts), the GlobalAveragePool split into row means,
 * the transformed graph (clones, tensors, aliases, source steps), the greedy choice by trial.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildSeBlock } from '../../fixtures/models/df-chain.js';
import { renderJson } from '../../reports/json.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { renderTable } from '../../reports/table.js';
import { importModelFile } from '../../src/frontend/import-model.js';
import { lowerGraph } from '../../src/graph-opt/lower-graph.js';
import { optimizeGraph } from '../../src/graph-opt/optimize-graph.js';
import { graphLiveness } from '../../src/liveness/graph-liveness.js';
import { analyzeModel } from '../../src/pipeline.js';
import { applyDepthFirst, chooseSegmentsDetailed, findSeBlocks, RECOMPUTE_SUFFIX, recomputeGraph, ROWS_SUFFIX } from '../../src/schedule/depth-first/index.js';
import { aliasMaps, chooseWithRecompute } from '../../src/schedule/depth-first/recompute.js';
import { applyOverrides, DEFAULT_TARGET } from '../../src/schedule/target.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

function lowered() {
  const g = importModelFile(buildSeBlock(), { fileName: 'df-se.onnx' });
  return lowerGraph(optimizeGraph(g, { dtype: 'as-is', enabled: true, order: 'search' }));
}

describe('two-pass recompute of squeeze-excitation blocks', () => {
  it('finds the block and its producer chains, and transforms the graph', () => {
    const l = lowered();
    const names = l.graph.nodes.map((n) => n.name);
    expect(names).toEqual(['conv1', 'dw2', 'gap', 'fc1', 'fc2', 'scale', 'project']);
    // The Mul is computed in place on T.
    expect(l.aliases.get('scale')?.storage).toBe('relu2');
    const blocks = findSeBlocks(l.graph);
    expect(blocks.map((b) => [b.gap, b.mul, b.tensor, b.chains, b.span])).toEqual([[2, 5, 'relu2', [[1], [0, 1]], [0, 6]]]);
    const t = recomputeGraph(l.graph, l.aliases, blocks, new Map([[0, 1]]));
    expect(t.graph.nodes.map((n) => n.name)).toEqual(['conv1', 'dw2', `gap${ROWS_SUFFIX}`, 'gap', 'fc1', 'fc2', `conv1${RECOMPUTE_SUFFIX}`, `dw2${RECOMPUTE_SUFFIX}`, 'scale', 'project']);
    expect(t.graph.nodes.map((n) => n.step)).toEqual(t.graph.nodes.map((_, i) => i));
    expect(t.sourceSteps).toEqual([[0], [1], [2], [2], [3], [4], [0], [1], [5], [6]]);
    // Row means: AveragePool over [1, W] windows into 1x16x27x1, the GlobalAveragePool reads them.
    const rows = t.graph.nodes[2]!;
    expect([rows.opType, rows.inputs, rows.attributes.get('kernel_shape')?.value, rows.attributes.get('strides')?.value]).toEqual(['AveragePool', ['relu2'], [1, 23], [1, 23]]);
    expect(t.graph.tensors.get(rows.outputs[0]!)?.shape).toEqual([1, 16, 27, 1]);
    expect(t.graph.tensors.get(rows.outputs[0]!)?.sizeBytes).toBe(16 * 27 * 4);
    expect(t.graph.nodes[3]!.inputs).toEqual([rows.outputs[0]]);
    // The clones: same weights, their own tensors, the first reads X (the input); the Mul reads T'.
    const [c1, c2, mul] = [t.graph.nodes[6]!, t.graph.nodes[7]!, t.graph.nodes[8]!];
    expect([c1.recomputeOf, c2.recomputeOf, mul.recomputeOf]).toEqual(['conv1', 'dw2', undefined]);
    expect(c1.inputs.slice(1)).toEqual(l.graph.nodes[0]!.inputs.slice(1));
    expect(c1.inputs[0]).toBe('input');
    expect(c2.inputs[0]).toBe(c1.outputs[0]);
    expect(mul.inputs).toEqual(['fc2.sigmoid', c2.outputs[0]]);
    for (const o of [...c1.outputs, ...c2.outputs]) expect(t.graph.tensors.get(o)?.sizeBytes).toBe(16 * 27 * 23 * 4);
    // The Mul's in-place output follows the recomputed T; the original graph's map is unchanged.
    expect(t.aliases.get('scale')?.storage).toBe(c2.outputs[0]);
    expect(l.aliases.get('scale')?.storage).toBe('relu2');
    // T is read by the row pool alone: it dies there.
    const lv = graphLiveness(t.graph, 'as-is');
    expect(lv.intervals.find((iv) => iv.tensor === 'relu2')?.endStep).toBe(2);
  });

  it('side inputs: the second pass reads the scale whole, and is chosen only without streaming', () => {
    const l = lowered();
    const t = recomputeGraph(l.graph, l.aliases, findSeBlocks(l.graph), new Map([[0, 1]]));
    const lv = graphLiveness(t.graph, 'as-is');
    const maps = aliasMaps(t.aliases);
    const chosen = chooseSegmentsDetailed(t.graph, lv, maps.roots, { patches: false, tiles: false });
    const spans = chosen.segments.map((s) => [s.first, s.last, s.input, s.sides ?? [], s.output]);
    expect(spans).toEqual([
      [0, 2, 'input', [], `relu2${ROWS_SUFFIX}`],
      [6, 9, 'input', ['fc2.sigmoid'], 'project'],
    ]);
    // The footprint of the second pass counts the scale (live across it) and the input.
    const second = chosen.segments[1]!;
    const lineBytes = [...second.lineBytes.values()].reduce((a, b) => a + b, 0);
    expect(second.footprintBytes).toBe(lv.intervals.find((iv) => iv.tensor === 'input')!.sizeBytes + 16 * 4 + 8 * 27 * 23 * 4 + lineBytes);
    expect(chosen.peakBytes).toBe(Math.max(...chosen.segments.map((s) => s.footprintBytes), ...[3, 4, 5].map((s) => lv.liveBytesByStep[s]!)));
    // Streaming (with DRAM): no segment reads a side input.
    const streamed = chooseSegmentsDetailed(t.graph, lv, maps.roots, { streaming: { isSpilled: () => true, budgetBytes: 1 << 20 } });
    expect(streamed.segments.length).toBeGreaterThan(0);
    expect(streamed.segments.every((s) => !s.sides && !s.members.some((m) => m.node.opType === 'Mul'))).toBe(true);
    // The segment node reads the input and the scale: liveness keeps the scale until it runs.
    const applied = applyDepthFirst(l.graph, graphLiveness(l.graph, 'as-is'), new Map([...l.aliases].map(([k, p]) => [k, p.storage])), { enabled: true, noDram: true, patches: false, placements: l.aliases, dtype: 'as-is' });
    const node = applied.graph.nodes.find((n) => n.segment?.members.some((m) => m.name === 'scale'))!;
    expect(node.inputs).toEqual(['input', 'fc2.sigmoid']);
    expect(applied.liveness.intervals.find((iv) => iv.tensor === 'fc2.sigmoid')?.endStep).toBe(node.step);
    expect(applied.sourceSteps).toEqual([[0, 1, 2], [2], [3], [4], [0, 1, 5, 6]]);
    expect(applied.placements?.get('scale')?.storage).toBe(`relu2${RECOMPUTE_SUFFIX}`);
  });

  it('the greedy choice keeps the transform only where it lowers the peak, deterministically', () => {
    const l = lowered();
    const lv = graphLiveness(l.graph, 'as-is');
    const opts = { patches: true, tiles: true };
    const r = chooseWithRecompute(l.graph, lv, l.aliases, opts, 'as-is', false);
    const plain = chooseSegmentsDetailed(l.graph, lv, aliasMaps(l.aliases).roots, opts);
    expect([...r.transforms]).toEqual([[0, 1]]);
    expect(r.chosen.peakBytes).toBeLessThan(plain.peakBytes);
    // The short chain (recompute the depthwise only, from conv1's whole output) does not lower it as much.
    const short = recomputeGraph(l.graph, l.aliases, findSeBlocks(l.graph), new Map([[0, 0]]));
    const shortPeak = chooseSegmentsDetailed(short.graph, graphLiveness(short.graph, 'as-is'), aliasMaps(short.aliases).roots, opts).peakBytes;
    expect(shortPeak).toBeGreaterThan(r.chosen.peakBytes);
    const again = chooseWithRecompute(l.graph, lv, l.aliases, opts, 'as-is', false);
    expect(JSON.stringify(again.chosen.segments.map((s) => [s.first, s.last, s.footprintBytes, s.geometry.bandRows]))).toBe(JSON.stringify(r.chosen.segments.map((s) => [s.first, s.last, s.footprintBytes, s.geometry.bandRows])));
  });

  it('reports the recomputed MACs (JSON valid against the schema, a text line); none without recompute', async () => {
    const target = applyOverrides(DEFAULT_TARGET, { sramBytes: 16, dramBytes: 0 });
    const probe = await analyzeModel(buildSeBlock(), { modelName: 'df-se.onnx', target, findMinSram: true, depthFirstPatches: false });
    const a = await analyzeModel(buildSeBlock(), { modelName: 'df-se.onnx', target: applyOverrides(target, { sramBytes: probe.report.minSramBytes! }), depthFirstPatches: false });
    expect(a.report.fits).toBe(true);
    const seg = a.report.layers.filter((l) => l.segment?.recomputeMacs !== undefined);
    expect(seg.length).toBe(1);
    // conv1 (3 -> 16, 3x3) and dw2 (16, 3x3) over 27x23 outputs.
    expect(seg[0]!.segment!.recomputeMacs).toBe(27 * 23 * 16 * 27 + 27 * 23 * 16 * 9);
    const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(REPO_ROOT, 'reports/analysis.schema.json'), 'utf8')) as object);
    const json = JSON.parse(renderJson(a.report)) as { layers: { segment?: { recomputeMacs?: number } }[] };
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.layers.filter((l) => l.segment?.recomputeMacs).length).toBe(1);
    expect(renderTable(a.report, {}).replace(/\s+/g, ' ')).toContain(`Recomputed: ${seg[0]!.segment!.recomputeMacs} MACs in 1 segment (second passes over squeeze-excitation blocks`);
    expect(renderMarkdown(a.report)).toContain(`Recomputed: ${seg[0]!.segment!.recomputeMacs} MACs in 1 segment`);
    const off = await analyzeModel(buildSeBlock(), { modelName: 'df-se.onnx', target, findMinSram: true, depthFirstPatches: false, depthFirstRecompute: false });
    expect(off.report.minSramBytes!).toBeGreaterThan(probe.report.minSramBytes!);
    expect(off.report.layers.some((l) => l.segment?.recomputeMacs !== undefined)).toBe(false);
    expect(renderTable(off.report, {})).not.toContain('Recomputed:');
  });
});
