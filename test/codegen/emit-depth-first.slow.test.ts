/**
 * Slow suite (MEMPLAN_SLOW=1): generated C of depth-first segments on whole models against
 * onnxruntime-web. With no DRAM at exactly minSramBytes in poison mode: mnasnet0_5_96 (its first
 * segment runs column patches or line buffers: the acceptance size <= 156672 bytes; with 2-D tiles,
 * the default, 115888 bytes, its first segment's NCHW output staged channels-last over the dead part
 * of its input, then copied into place), mobilenet_v2_224 in float with 2-D tiles (665440 bytes, the
 * same staging), mnasnet0_5_96 with line buffers
 * only, squeezenet1_1_96 (segments through its Fire modules' Concats); more seeded random chains in both
 * modes; and with DRAM (resnet8, mnasnet0_5_96, squeezenet1_1_96), where intermediates
 * that would travel to DRAM stay in line buffers and the segment's input and output stream by DMA.
 * The MAC counter build shows the extra MACs counted equal those reported (0 for line buffers).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRandomChain } from '../../fixtures/models/df-chain.js';
import type { Analysis } from '../../src/pipeline.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { REPO_ROOT, sharedModel } from '../helpers/shared-data.js';
import { checkModel, countedMacs, expectStaging, memberMacs } from './depth-first-c.js';

const tmp = makeTempDir('memplan-emit-df-slow-');
afterAll(() => removeDir(tmp));

describe('depth-first segments through generated C: whole models', () => {
  it('mnasnet0_5_96 with column patches allowed at minSramBytes (<= 156672 bytes: 149376, its staged first segment in line buffers)', async () => {
    const { a, cfg } = await checkModel(sharedModel('torchvision/mnasnet0_5_96.onnx'), 'mnasnet-patches', tmp, true, false);
    expect(cfg.sramBytes!).toBe(149376);
    expect(a.report.layers[0]!.segment?.overlay?.staging).toBeDefined();
    expect(expectStaging(a)).toBeGreaterThan(0);
  }, 900_000);

  it('mnasnet0_5_96 with 2-D tiles at minSramBytes (115888 bytes, the default; 147440 with the plain overlay, 149632 without)', async () => {
    const { a, cfg } = await checkModel(sharedModel('torchvision/mnasnet0_5_96.onnx'), 'mnasnet-tiles', tmp);
    expect(cfg.sramBytes!).toBe(115888);
    expect(a.report.layers[0]!.segment!.overlay?.lagBytes).toBe(3120);
    expect(a.report.layers[0]!.segment!.overlay?.staging?.outputOffsetBytes).toBe(33744);
    expect(expectStaging(a)).toBe(1);
    const tiled = a.report.layers.filter((l) => l.segment?.mode === 'tiles');
    expect(tiled.length).toBeGreaterThan(0);
    expect(tiled.every((l) => l.segment!.extraMacs > 0)).toBe(true);
  }, 900_000);

  it('mobilenet_v2_224 (float) with 2-D tiles at minSramBytes (665440 bytes: 4 x the int8 figure 166368 less 32; 755520 with the plain overlay, 758528 without)', async () => {
    const { a, cfg } = await checkModel(sharedModel('torchvision/mobilenet_v2_224.onnx'), 'mobilenet-tiles', tmp);
    expect(cfg.sramBytes!).toBe(665440);
    expect(a.report.layers[0]!.segment!.overlay?.lagBytes).toBe(7264);
    expect(a.report.layers[0]!.segment!.overlay?.staging).toMatchObject({ outputOffsetBytes: 93088, copyBytes: 100352, copyCycles: 12544 });
    expect(expectStaging(a)).toBe(1);
    const first = a.report.layers[0]!;
    expect(first.segment?.mode).toBe('tiles');
    expect([first.segment!.tileRows, first.segment!.patchCols]).toEqual([1, 1]);
  }, 1_800_000);

  for (const [model, patches] of [['mnasnet0_5_96.onnx', false], ['squeezenet1_1_96.onnx', true]] as const) {
    it(`${model}${patches ? '' : ', line buffers only'}`, async () => {
      await checkModel(sharedModel(`torchvision/${model}`), `${model}-${patches}`, tmp, patches);
    }, 900_000);
  }

  it('seeded random chains, both modes', async () => {
    mkdirSync(tmp, { recursive: true });
    for (const seed of [2, 8]) {
      const file = path.join(tmp, `chain${seed}.onnx`);
      writeFileSync(file, buildRandomChain(seed));
      const probe = await analyzeFile(file, { label: 'probe', sramBytes: 64 << 20, dramBytes: 0 });
      if (!probe.report.layers.some((l) => l.segment)) continue;
      await checkModel(file, `chain${seed}`, tmp);
      await checkModel(file, `chain${seed}-lines`, tmp, false);
    }
    for (const seed of [3, 5, 13]) {
      const file = path.join(tmp, `chain${seed}.onnx`);
      writeFileSync(file, buildRandomChain(seed));
      await checkModel(file, `chain${seed}-lines`, tmp, false);
    }
  }, 900_000);

  it('with DRAM: intermediates that would travel to DRAM stay in line buffers; input and output stream by DMA', async () => {
    const mnasnet = sharedModel('torchvision/mnasnet0_5_96.onnx');
    const resnet8 = path.join(REPO_ROOT, 'fixtures/models/resnet8.onnx');
    for (const [file, cfg] of [
      // Within the default --max-slowdown 10%.
      [resnet8, { label: 'resnet8, DRAM, 32K SRAM, poison', sramBytes: 32 * 1024, poison: true }],
      // Every segment, however slow its estimate (--max-slowdown 1000%).
      [mnasnet, { label: 'mnasnet, DRAM, 64K SRAM, poison', sramBytes: 64 * 1024, poison: true, maxSlowdown: 10 }],
      [mnasnet, { label: 'mnasnet, DRAM, 56K SRAM, 4 cores', sramBytes: 56 * 1024, cores: 4, maxSlowdown: 10 }],
      // Segments through SqueezeNet's Fire modules (Concat members; one ends at a Concat whose output
      // streams out by DMA).
      [sharedModel('torchvision/squeezenet1_1_96.onnx'), { label: 'squeezenet, DRAM, 64K SRAM, poison', sramBytes: 64 * 1024, poison: true, maxSlowdown: 10 }],
    ] as [string, Config][]) {
      const a = await analyzeFile(file, cfg);
      const off = await analyzeFile(file, { ...cfg, depthFirst: false });
      expect(a.report.fits).toBe(true);
      const segs = a.report.layers.filter((l) => l.segment);
      expect(segs.length).toBeGreaterThan(0);
      // With DRAM, segments run line buffers (no recomputation).
      for (const l of segs) expect(l.segment!.mode).toBe('line-buffer');
      const dma = (x: Analysis) => x.report.layers.reduce((s, l) => s + l.dmaInBytes + l.dmaOutBytes, 0);
      expect(dma(a)).toBeLessThan(dma(off));
      // Some segment streams its input or output through DRAM.
      expect(segs.some((l) => l.dmaInBytes + l.dmaOutBytes > 0)).toBe(true);
      const feeds = inputsFor(a, 9);
      const ref = await ortReference(file, feeds, a.graph.outputs);
      const name = `${path.basename(file)}-dram-${cfg.sramBytes}`;
      const got = buildAndRun(a, path.join(tmp, name), cfg, feeds.map((f) => f.data));
      got.forEach((g, i) => expect(`${cfg.label}: ${compare(g, ref[i]!).worst}`).toBe(`${cfg.label}: `));
      const counted = countedMacs(a, path.join(tmp, `${name}-macs`), feeds.map((f) => f.data));
      expect(counted).toBe(memberMacs(a));
    }
  }, 900_000);
});
