/**
 * vit_tiny_32 at --sram 64K with DRAM through generated C (issue 10, point 3): before the op tilings
 * its attention MatMul needed 134160 bytes even with its smallest tile; now every Transpose, Slice,
 * Concat, reduction and batched MatMul streams in tiles. Compared with onnxruntime-web (with the probe
 * output of ortReference: the final LayerNorm, every token), in poison mode, on 1 and 4 cores. Slow
 * (generated C of a whole transformer): run with `npm run test:slow`.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { sharedModel } from '../helpers/shared-data.js';
import { checkLayer } from '../helpers/schedule-invariants.js';

const tmp = makeTempDir('memplan-emit-vit-');
afterAll(() => removeDir(tmp));

describe('vit_tiny_32 at 64K with DRAM through generated C', () => {
  const file = sharedModel('torchvision/vit_tiny_32.onnx');
  for (const cores of [1, 4]) {
    it(`${cores} core(s), poison`, async () => {
      const cfg: Config = { label: `64K ${cores}c`, sramBytes: 64 * 1024, cores, poison: true };
      const a = await analyzeFile(file, cfg);
      expect(a.report.fits).toBe(true);
      // The attention layers stream in tiles: batched MatMuls, Transposes, Slices.
      const tiled = new Set(a.schedule.layers.filter((l) => l.tile.tileCount > 1 || l.tile.cores > 1).map((l) => l.op));
      for (const op of ['MatMul', 'Transpose', 'Slice', 'Concat']) expect(tiled).toContain(op);
      for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
      const feeds = inputsFor(a, 21);
      const ref = await ortReference(file, feeds, a.graph.outputs);
      const got = buildAndRun(a, join(tmp, `c${cores}`), cfg, feeds.map((f) => f.data));
      got.forEach((g, i) => expect(`${a.graph.outputs[i]}: ${compare(g, ref[i]!).worst}`).toBe(`${a.graph.outputs[i]}: `));
    }, 600_000);
  }
});
