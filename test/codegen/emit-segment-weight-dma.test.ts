/**
 * Depth-first segments on a target whose cores cannot read the weights (fixtures/targets/dsp-dma-only.json):
 * a run that the layer-by-layer schedule spills to DRAM becomes a line-buffer segment, and its members'
 * weights (and biases) are DMA'd once per segment run into SRAM copies that live for the segment
 * (scratch of the segment layer, placed and checked by the planner, counted in the chooser's budget).
 *  - MnasNet 0.5 (96x96) at 128K on 1 core (default --max-slowdown) and at 64K on 4 cores
 *    (--max-slowdown 1000%), poison mode: the C equals onnxruntime-web;
 *  - model.c names a weight array only as the source of a DMA (weight-dma-c.ts);
 *  - the segment layers hold one SRAM copy per member weight, their bytes in the scratch, the DMA bytes
 *    and weightTileBytes; the schedule passes the invariant checks.
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { REPO_ROOT, sharedModel } from '../helpers/shared-data.js';
import { checkLayer } from '../helpers/schedule-invariants.js';
import { toCodegenInput } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { generateC } from '../../src/codegen/generate.js';
import { parseTarget } from '../../src/schedule/target.js';
import { runtimeWeights } from '../../src/schedule/templates/weights.js';
import { weightArrayUses } from './weight-dma-c.js';

const DSP = parseTarget(readFileSync(path.join(REPO_ROOT, 'fixtures/targets/dsp-dma-only.json'), 'utf8'), 'dsp-dma-only.json');
const tmp = makeTempDir('memplan-segment-weight-dma-');
afterAll(() => removeDir(tmp));

const dmaBytes = (a: Analysis) => a.schedule.layers.reduce((s, l) => s + l.stats.dmaInBytes + l.stats.dmaOutBytes, 0);
const cycles = (a: Analysis) => a.schedule.layers.reduce((s, l) => s + l.stats.cycles, 0);

describe('depth-first segments with DMA\'d weights', () => {
  const CONFIGS: Config[] = [
    { label: 'mnasnet 128K 1 core poison', target: DSP, sramBytes: 128 * 1024, cores: 1, poison: true },
    { label: 'mnasnet 64K 4 cores poison (max-slowdown 1000%)', target: DSP, sramBytes: 64 * 1024, cores: 4, poison: true, maxSlowdown: 10 },
  ];
  for (const cfg of CONFIGS) {
    it(`${cfg.label}: spilled runs become segments whose members read SRAM copies of their weights; the C matches onnxruntime-web`, async () => {
      const file = sharedModel('torchvision/mnasnet0_5_96.onnx');
      const a = await analyzeFile(file, cfg);
      const off = await analyzeFile(file, { ...cfg, depthFirst: false });
      expect(a.report.fits).toBe(true);
      const segs = a.schedule.layers.filter((l) => l.template === 'segment');
      expect(segs.length).toBeGreaterThan(0);
      for (const l of segs) {
        const node = a.graph.nodes[l.step]!;
        const want = [...new Set(node.segment!.members.flatMap((m) => runtimeWeights(m, a.graph)))].sort();
        const copies = l.buffers.filter((b) => b.weight);
        // One SRAM copy per weight the members read, the whole tensor, in the segment's scratch.
        expect(copies.map((b) => b.tensor).sort()).toEqual(want);
        const bytes = copies.reduce((s, b) => s + b.sizeBytes, 0);
        for (const b of copies) expect(b.sizeBytes).toBe(a.graph.weights.get(b.tensor!)!.shape.reduce((p, d) => p * d, 1) * 4);
        expect(l.stats.weightTileBytes).toBe(bytes);
        expect(l.stats.scratchBytes).toBe(l.segment!.lineBufferBytes + bytes);
        expect(l.stats.dmaInBytes).toBeGreaterThanOrEqual(bytes);
        expect(checkLayer(l, a.graph)).toEqual([]);
      }
      // Less DMA than the layer-by-layer schedule: the intermediates stay in line buffers.
      expect(dmaBytes(a)).toBeLessThan(dmaBytes(off));
      console.log(`${cfg.label} | segments ${segs.length} | SRAM used ${a.report.pools[0]!.usedBytes} vs ${off.report.pools[0]!.usedBytes} | DMA ${dmaBytes(a)} vs ${dmaBytes(off)} | cycles ${cycles(a)} vs ${cycles(off)}`);
      const gen = generateC(toCodegenInput(a));
      const uses = weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text);
      expect(uses.kernelReads).toEqual([]);
      const feeds = inputsFor(a, 9);
      const ref = await ortReference(file, feeds, a.graph.outputs);
      const got = buildAndRun(a, path.join(tmp, cfg.label.replace(/\W+/g, '_')), cfg, feeds.map((f) => f.data));
      got.forEach((g, i) => expect(`${cfg.label}: ${compare(g, ref[i]!).worst}`).toBe(`${cfg.label}: `));
    }, 600_000);
  }
});
