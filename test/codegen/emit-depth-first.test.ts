/**
 * Generated C of depth-first segments (issue 10, line-buffer mode) against onnxruntime-web, with no
 * DRAM (--dram 0) at exactly minSramBytes and in poison mode (a line buffer or activation used past
 * its lifetime reads NaN): a hand-built chain with odd sizes (Conv 3x3 s1 -> Relu -> depthwise 3x3 s2
 * -> Conv 1x1 -> MaxPool), the same with a residual block inside the chain, seeded random chains, mnasnet0_5_96 and
 * squeezenet1_1_96. The MAC counter build (-DMP_COUNT_MACS) shows that the segments compute every
 * output row of every member exactly once: the MACs counted equal the members' own.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDfChain, buildRandomChain } from '../../fixtures/models/df-chain.js';
import { generateC } from '../../src/codegen/generate.js';
import { segmentFigures } from '../../src/schedule/depth-first/index.js';
import type { Analysis } from '../../src/pipeline.js';
import { toCodegenInput } from '../../src/pipeline.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, make, ortReference, writeGenerated } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { REPO_ROOT, sharedModel } from '../helpers/shared-data.js';

const tmp = makeTempDir('memplan-emit-df-');
afterAll(() => removeDir(tmp));

/** --dram 0 at the smallest SRAM the whole pipeline fits in, poison mode. */
async function atMinSram(file: string, depthFirst = true): Promise<{ cfg: Config; analysis: Analysis }> {
  const probe = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0, depthFirst });
  const need = probe.report.minSramBytes;
  if (need === undefined) throw new Error(`${file}: no SRAM size fits with --dram 0`);
  const cfg: Config = { label: `no DRAM, ${need} bytes SRAM, poison${depthFirst ? '' : ', no depth-first'}`, sramBytes: need, dramBytes: 0, poison: true, depthFirst };
  const analysis = await analyzeFile(file, cfg);
  expect(analysis.report.fits).toBe(true);
  return { cfg, analysis };
}

/** Sum of the MACs of every member of every segment (each member's whole output, once). */
function memberMacs(a: Analysis): number {
  let total = 0;
  for (const node of a.graph.nodes) {
    if (!node.segment) continue;
    for (const m of segmentFigures(a, node).members) total += m.macsPerRow * m.height;
  }
  return total;
}

/** Builds the runner with -DMP_COUNT_MACS, runs it, and returns the MACs the segments counted. */
function countedMacs(a: Analysis, dir: string, inputs: readonly Float32Array[]): number {
  writeGenerated(generateC(toCodegenInput(a)), dir);
  make(dir, ['model_host', 'CFLAGS=-std=c99 -O2 -Wall -Wextra -Werror -DMP_COUNT_MACS']);
  const ins = inputs.map((x, i) => {
    const p = path.join(dir, `in${i}.bin`);
    writeFileSync(p, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    return p;
  });
  const outs = a.graph.outputs.map((_, i) => path.join(dir, `out${i}.bin`));
  const r = spawnSync(path.join(dir, 'model_host'), [...ins, ...outs], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const m = /segment MACs (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no MAC count in: ${r.stderr}`);
  return Number(m[1]);
}

async function checkModel(file: string, name: string): Promise<{ a: Analysis; cfg: Config }> {
  const { cfg, analysis } = await atMinSram(file);
  const segments = analysis.report.layers.filter((l) => l.segment);
  expect(segments.length).toBeGreaterThan(0);
  for (const l of segments) expect(l.segment!.extraMacs).toBe(0);
  const feeds = inputsFor(analysis, 7);
  const ref = await ortReference(file, feeds, analysis.graph.outputs);
  const dir = path.join(tmp, name);
  const got = buildAndRun(analysis, dir, cfg, feeds.map((f) => f.data));
  got.forEach((g, i) => expect(`${cfg.label}: ${compare(g, ref[i]!).worst}`).toBe(`${cfg.label}: `));
  // The same outputs without poison, and the MACs counted in the generated code.
  const counted = countedMacs(analysis, path.join(tmp, `${name}-macs`), feeds.map((f) => f.data));
  expect(counted).toBe(memberMacs(analysis));
  return { a: analysis, cfg };
}

describe('depth-first segments through generated C', () => {
  for (const residual of [false, true]) {
    it(`hand-built chain${residual ? ' with a residual block' : ''}`, async () => {
      mkdirSync(tmp, { recursive: true });
      const file = path.join(tmp, residual ? 'df-chain-residual.onnx' : 'df-chain.onnx');
      writeFileSync(file, buildDfChain({ residual }));
      const { a, cfg } = await checkModel(file, residual ? 'chain-res' : 'chain');
      // The plain chain is one segment (input and output whole, every intermediate in line buffers);
      // with the residual block, the block runs inside a segment: pw3's rows are read by conv4 (with
      // its halo) and by add4 (a band later), from one line buffer.
      const segs = a.report.layers.filter((l) => l.segment).map((l) => l.nodes);
      if (residual) expect(segs).toContainEqual(['pw3', 'conv4', 'add4', 'pool5']);
      else expect(segs).toEqual([['conv1', 'relu1', 'dw2', 'pw3', 'pool5']]);
      const off = await atMinSram(file, false);
      expect(cfg.sramBytes!).toBeLessThan(off.cfg.sramBytes!);
      // The buffers of a segment layer: only its line buffers besides the whole input and output.
      const layer = a.schedule.layers.find((l) => l.segment)!;
      expect(layer.buffers.every((b) => b.lines !== undefined && b.scope === 'sram')).toBe(true);
    }, 300_000);
  }

  it('seeded random chains (strides, paddings, average and max pools, residual blocks)', async () => {
    mkdirSync(tmp, { recursive: true });
    let checked = 0;
    for (const seed of [2, 3, 5, 8, 13]) {
      const file = path.join(tmp, `chain${seed}.onnx`);
      writeFileSync(file, buildRandomChain(seed));
      // An SRAM too small for the whole tensors: the segmented schedule (if any segment lowers the peak).
      const probe = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0 });
      if (!probe.report.layers.some((l) => l.segment)) continue;
      await checkModel(file, `chain${seed}`);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  }, 600_000);

  it('with DRAM: intermediates that would travel to DRAM stay in line buffers; input and output stream by DMA', async () => {
    const mnasnet = sharedModel('torchvision/mnasnet0_5_96.onnx');
    const resnet8 = path.join(REPO_ROOT, 'fixtures/models/resnet8.onnx');
    for (const [file, cfg] of [
      // Within the default --max-slowdown 10%.
      [resnet8, { label: 'resnet8, DRAM, 32K SRAM, poison', sramBytes: 32 * 1024, poison: true }],
      // Every segment, however slow its estimate (--max-slowdown 1000%).
      [mnasnet, { label: 'mnasnet, DRAM, 64K SRAM, poison', sramBytes: 64 * 1024, poison: true, maxSlowdown: 10 }],
      [mnasnet, { label: 'mnasnet, DRAM, 56K SRAM, 4 cores', sramBytes: 56 * 1024, cores: 4, maxSlowdown: 10 }],
    ] as [string, Config][]) {
      const a = await analyzeFile(file, cfg);
      const off = await analyzeFile(file, { ...cfg, depthFirst: false });
      expect(a.report.fits).toBe(true);
      const segs = a.report.layers.filter((l) => l.segment);
      expect(segs.length).toBeGreaterThan(0);
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

  for (const model of ['mnasnet0_5_96.onnx', 'squeezenet1_1_96.onnx']) {
    it(model, async () => {
      const file = sharedModel(`torchvision/${model}`);
      await checkModel(file, model);
    }, 900_000);
  }
});
