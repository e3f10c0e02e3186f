/**
 * The torchvision models (real numerics, seeded random weights) through generated C against
 * onnxruntime-web, in the default-suite configurations. The full matrix (64K DRAM streaming,
 * 4 cores, double buffering on and off, poison) is emit-matrix.slow.test.ts.
 */
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { sharedFiles } from '../helpers/shared-data.js';

/**
 * Every ONNX file of ../shared/models/torchvision (a model added there is taken in), except the ones
 * too slow for the default suite: those run in emit-matrix.slow.test.ts (`npm run test:slow`), which
 * takes in every file.
 */
const SLOW_ONLY: ReadonlyMap<string, string> = new Map([['mobilenet_v2_224.onnx', '224x224 with 1000 classes: minutes of C build and run per configuration']]);
const ALL = sharedFiles('models/torchvision', '.onnx');
const MODELS = ALL.filter((f) => !SLOW_ONLY.has(basename(f)));
const tmp = makeTempDir('memplan-emit-tv-');
afterAll(() => removeDir(tmp));

const CONFIGS: Config[] = [
  { label: 'default 256K' },
  { label: '64K cores4 poison', sramBytes: 64 * 1024, cores: 4, poison: true },
];

describe('torchvision models through generated C', () => {
  it('finds the torchvision models, and every slow-only one is still there', () => {
    expect(MODELS.map((f) => basename(f))).toContain('mnasnet0_5_96.onnx');
    for (const name of SLOW_ONLY.keys()) expect(ALL.map((f) => basename(f))).toContain(name);
  });
  for (const path of MODELS) {
    const model = basename(path);
    let ref: Promise<Float32Array[]> | undefined;
    for (const cfg of CONFIGS) {
      it(`${model} ${cfg.label}`, async () => {
        const a = await analyzeFile(path, cfg);
        const feeds = inputsFor(a, 11);
        ref ??= ortReference(path, feeds, a.graph.outputs);
        const got = buildAndRun(a, join(tmp, `${model}-${cfg.label.replace(/\W+/g, '_')}`), cfg, feeds.map((f) => f.data));
        const want = await ref;
        got.forEach((g, i) => {
          const c = compare(g, want[i]!);
          expect(`${cfg.label}: ${c.worst}`).toBe(`${cfg.label}: `);
        });
      }, 300_000);
    }
  }
});
