/**
 * Depth-first segments with weights the cores cannot read (fixtures/targets/dsp-dma-only.json): the
 * members' weights are SRAM copies that live for the segment, so the chooser counts them in its budget
 * (ChooseOptions.streaming.memberBytes), the scheduler in the segment's reservation
 * (segmentScratchBytes with dmaWeights) and the lowered segment in its scratch, its DMA and its buffers.
 * The generated C is checked against onnxruntime-web in test/codegen/emit-segment-weight-dma.test.ts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { chooseSegments, segmentScratchBytes, segmentWeights } from '../../src/schedule/depth-first/index.js';
import { applyOverrides, parseTarget } from '../../src/schedule/target.js';
import { byteSize } from '../../src/ir/graph.js';
import type { OpNode } from '../../src/ir/graph.js';
import { REPO_ROOT, sharedModel } from '../helpers/shared-data.js';

const DSP = parseTarget(readFileSync(path.join(REPO_ROOT, 'fixtures/targets/dsp-dma-only.json'), 'utf8'), 'dsp-dma-only.json');
const MNASNET = () => new Uint8Array(readFileSync(sharedModel('torchvision/mnasnet0_5_96.onnx')));

const analyze = (sramBytes: number, depthFirst: boolean): Promise<Analysis> =>
  analyzeModel(MNASNET(), { modelName: 'mnasnet0_5_96.onnx', target: applyOverrides(DSP, { sramBytes, cores: 1 }), depthFirst });

describe('depth-first segments with DMA\'d weights: budgets', () => {
  it('the chooser counts the members\' weights in its budget', async () => {
    const off = await analyze(128 * 1024, false);
    const spilled = new Set(off.schedule.activations.filter((a) => a.scope === 'global').map((a) => a.name));
    const isSpilled = (t: string) => spilled.has(off.schedule.bufferOfTensor.get(t) ?? t);
    const weightBytes = (members: readonly OpNode[]) => segmentWeights(off.graph, members).reduce((s, w) => s + w.bytes, 0);
    const budgetBytes = 16 * 1024;
    const plain = chooseSegments(off.graph, off.liveness, new Map(), { streaming: { isSpilled, budgetBytes } });
    const counted = chooseSegments(off.graph, off.liveness, new Map(), { streaming: { isSpilled, budgetBytes, memberBytes: weightBytes } });
    expect(plain.length).toBeGreaterThan(0);
    expect(counted.length).toBeGreaterThan(0);
    // Without the weights some choice would not fit the budget once they are added.
    expect(plain.some((c) => c.footprintBytes + weightBytes(c.members.map((m) => m.node)) > budgetBytes)).toBe(true);
    for (const c of counted) {
      const w = weightBytes(c.members.map((m) => m.node));
      expect(w).toBeGreaterThan(0);
      expect(c.footprintBytes).toBeLessThanOrEqual(budgetBytes);
      expect(c.footprintBytes).toBeGreaterThan(w + [...c.lineBytes.values()].reduce((s, b) => s + b, 0));
    }
    // Weights alone over the budget: no segment.
    expect(chooseSegments(off.graph, off.liveness, new Map(), { streaming: { isSpilled, budgetBytes, memberBytes: () => budgetBytes } })).toEqual([]);
  }, 120_000);

  it('a segment\'s weight copies: one per weight its members read, whole, in its scratch, reservation and DMA', async () => {
    const a = await analyze(128 * 1024, true);
    const segs = a.schedule.layers.filter((l) => l.template === 'segment');
    expect(segs.length).toBeGreaterThan(0);
    for (const l of segs) {
      const node = a.graph.nodes[l.step]!;
      const weights = segmentWeights(a.graph, node.segment!.members);
      // Conv weights and biases: each read by one member, none shared.
      expect(weights.length).toBeGreaterThanOrEqual(node.segment!.members.length);
      for (const w of weights) expect(w.bytes).toBe(byteSize('float32', a.graph.weights.get(w.tensor)!.shape.reduce((p, d) => p * d, 1)));
      const bytes = weights.reduce((s, w) => s + w.bytes, 0);
      const copies = l.buffers.filter((b) => b.weight);
      expect(copies.map((b) => [b.tensor, b.sizeBytes, b.copies, b.scope])).toEqual(weights.map((w) => [w.tensor, w.bytes, 1, 'sram']));
      expect(l.stats.scratchBytes).toBe(l.segment!.lineBufferBytes + bytes);
      const elementBytes = () => 4;
      expect(segmentScratchBytes({ graph: a.graph, elementBytes }, node, true, true, true)).toBe(segmentScratchBytes({ graph: a.graph, elementBytes }, node, true, true) + bytes);
      // The copies are DMA'd in once, before the band loop, from the weights' own memory.
      const dma = l.body.filter((s) => s.kind === 'dma-start');
      expect(dma.map((s) => (s.kind === 'dma-start' ? [s.src.region.tensor, s.dst.buffer, s.bytes] : []))).toEqual(weights.map((w, i) => [w.tensor, copies[i]!.name, w.bytes]));
      expect(l.stats.dmaInBytes).toBeGreaterThanOrEqual(bytes);
      // The planner placed every copy in SRAM, live for the segment's step.
      for (const b of copies) expect(a.report.buffers.find((x) => x.name === b.name)).toMatchObject({ pool: 'sram', startStep: l.step, endStep: l.step });
    }
    expect(a.report.fits).toBe(true);
  }, 120_000);
});
