/**
 * The torchvision models (real numerics, seeded random weights) through generated C against
 * onnxruntime-web, in the default-suite configurations. The full matrix (64K DRAM streaming,
 * 4 cores, double buffering on and off, poison) is emit-matrix.slow.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortRun } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';

const DIR = '/work/shared/models/torchvision';
const MODELS = ['mnasnet0_5_96.onnx', 'squeezenet1_1_96.onnx', 'regnet_x_400mf_96.onnx', 'efficientnet_b0_96.onnx'];
const tmp = makeTempDir('memplan-emit-tv-');
afterAll(() => removeDir(tmp));

const CONFIGS: Config[] = [
  { label: 'default 256K' },
  { label: '64K cores4 poison', sramBytes: 64 * 1024, cores: 4, poison: true },
];

describe.skipIf(!existsSync(DIR))('torchvision models through generated C', () => {
  for (const model of MODELS) {
    it(`${model}`, async () => {
      const path = join(DIR, model);
      const bytes = new Uint8Array(readFileSync(path));
      let ref: Float32Array[] | undefined;
      for (const cfg of CONFIGS) {
        const a = await analyzeFile(path, cfg);
        const feeds = inputsFor(a, 11);
        ref ??= await ortRun(bytes, feeds, a.graph.outputs);
        const got = buildAndRun(a, join(tmp, `${model}-${cfg.label.replace(/\W+/g, '_')}`), cfg, feeds.map((f) => f.data));
        got.forEach((g, i) => {
          const c = compare(g, ref![i]!);
          expect(`${cfg.label}: ${c.worst}`).toBe(`${cfg.label}: `);
        });
      }
    }, 300_000);
  }
});
