/**
 * A Swin-T at 96x96 (test/helpers/swin-t.ts: torchvision's swin_t op graph, real widths, depths
 * scaled to [2,2,1,1]) at --sram 64K with DRAM on the default target (issue 10: "a held-out Swin-T at
 * 96x96 will be checked at 64K too"): it fits, every layer's schedule passes the invariant checks, and
 * the generated C matches onnxruntime-web in poison mode on 1 and 4 cores. Slow (a 50 MB model's C):
 * run with `npm run test:slow`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeModel } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { analyzeFile, buildAndRun, compare, inputsFor, modelBytes, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { checkLayer } from '../helpers/schedule-invariants.js';
import { swinT } from '../helpers/swin-t.js';

const tmp = makeTempDir('memplan-emit-swin-');
afterAll(() => removeDir(tmp));

describe('Swin-T 96x96 at 64K with DRAM through generated C', () => {
  const file = join(tmp, 'swin_t_96.onnx');
  writeFileSync(file, swinT());

  it('fits at 64K; the smallest SRAM and the largest layers', async () => {
    const target = applyOverrides(DEFAULT_TARGET, { sramBytes: 64 * 1024 });
    const a = await analyzeModel(modelBytes(file), { modelName: 'swin_t_96.onnx', target, doubleBuffer: true, findMinSram: true });
    expect(a.report.fits).toBe(true);
    const min = a.report.minSramBytes!;
    expect(min).toBeLessThanOrEqual(64 * 1024);
    const largest = [...a.report.layers].sort((x, y) => y.sramBytes - x.sramBytes).slice(0, 5);
    for (const l of largest) expect(l.sramBytes).toBeLessThanOrEqual(64 * 1024);
    // The window partitions, roll slices and pads stream in tiles, as do the attention MatMuls (the
    // roll and patch-merging Concats join activations: their operands' producers write into them, no
    // kernel of their own; the q/k/v Gathers are views).
    const tiled = new Set(a.schedule.layers.filter((l) => l.tile.tileCount > 1).map((l) => l.op));
    for (const op of ['MatMul', 'Transpose', 'Slice', 'Pad', 'Softmax', 'LayerNormalization']) expect(tiled).toContain(op);
    for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
    console.log(`swin_t_96 at 64K: minSramBytes ${min}; largest layers ${largest.map((l) => `${l.name} ${l.sramBytes}`).join(', ')}`);
  }, 600_000);

  for (const cores of [1, 4]) {
    it(`${cores} core(s), poison: matches onnxruntime-web`, async () => {
      const cfg: Config = { label: `64K ${cores}c`, sramBytes: 64 * 1024, cores, poison: true };
      const a = await analyzeFile(file, cfg);
      expect(a.report.fits).toBe(true);
      for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
      const feeds = inputsFor(a, 31);
      const ref = await ortReference(file, feeds, a.graph.outputs);
      const got = buildAndRun(a, join(tmp, `c${cores}`), cfg, feeds.map((f) => f.data));
      got.forEach((g, i) => expect(`${a.graph.outputs[i]}: ${compare(g, ref[i]!).worst}`).toBe(`${a.graph.outputs[i]}: `));
    }, 900_000);
  }
});
