/**
 * The torchvision models (real numerics, seeded random weights) through generated C against
 * onnxruntime-web, in the default-suite configurations. The full matrix (64K DRAM streaming,
 * 4 cores, double buffering on and off, poison) is emit-matrix.slow.test.ts.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortRun } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { sharedFiles } from '../helpers/shared-data.js';

/** Every ONNX file of ../shared/models/torchvision (a model added there is taken in). */
const MODELS = sharedFiles('models/torchvision', '.onnx');
const tmp = makeTempDir('memplan-emit-tv-');
afterAll(() => removeDir(tmp));

const CONFIGS: Config[] = [
  { label: 'default 256K' },
  { label: '64K cores4 poison', sramBytes: 64 * 1024, cores: 4, poison: true },
];

describe('torchvision models through generated C', () => {
  it('finds the torchvision models', () => {
    expect(MODELS.map((f) => basename(f))).toContain('mnasnet0_5_96.onnx');
  });
  for (const path of MODELS) {
    const model = basename(path);
    it(`${model}`, async () => {
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
