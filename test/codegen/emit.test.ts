/**
 * Generated C end to end on the fixture models: generate, build with -Wall -Wextra -Werror, run,
 * compare with onnxruntime-web.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';

const FIX = join(process.cwd(), 'fixtures/models');
const tmp = makeTempDir('memplan-emit-');
afterAll(() => removeDir(tmp));

const CONFIGS: Config[] = [
  { label: 'default' },
  { label: 'sram32k', sramBytes: 32 * 1024 },
  { label: 'sram32k-nodb', sramBytes: 32 * 1024, doubleBuffer: false },
  { label: 'cores4', cores: 4, sramBytes: 32 * 1024, poison: true },
];

describe('fixture models through generated C', () => {
  for (const model of ['resnet8.onnx', 'kws-dscnn.onnx']) {
    for (const cfg of CONFIGS) {
      it(`${model} ${cfg.label}`, async () => {
        const path = join(FIX, model);
        const a = await analyzeFile(path, cfg);
        const feeds = inputsFor(a, 7);
        const ref = await ortReference(path, feeds, a.graph.outputs);
        const got = buildAndRun(a, join(tmp, `${model}-${cfg.label}`), cfg, feeds.map((f) => f.data));
        got.forEach((g, i) => {
          const c = compare(g, ref[i]!);
          expect(c.worst).toBe('');
          expect(c.ok).toBe(true);
        });
      });
    }
  }
});
