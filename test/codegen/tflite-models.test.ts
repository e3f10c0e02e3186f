/**
 * Shared TFLite models through generated C (memplan --emit-c, make, model_host):
 *  - person_detect on testdata/person.bmp and no_person.bmp: the person score wins on the first and
 *    loses on the second (TFLite Micro's own test). The image goes in as TFLite Micro's example feeds
 *    it: the BMP's pixel bytes, top row first, copied into the int8 input (generate_cc_arrays.py
 *    writes img.tobytes(); the test memcpy's them into input->data.int8);
 *  - hello_world int8 (every input), micro_speech and MobileNetV2-224 int8 against TensorFlow Lite's
 *    interpreter with its reference kernels (fixtures/tflite-reference/reference.json, made by
 *    make-reference.py). Layer by layer on MobileNetV2, TFLite's reference TRANSPOSE, PAD, CONV_2D,
 *    DEPTHWISE_CONV_2D, ADD and MEAN equal the default build (TFLite Micro's double rounding, also
 *    checked bit for bit by the seanet goldens); only its FULLY_CONNECTED rounds once (as a
 *    TFLITE_SINGLE_ROUNDING build does): hello_world (dense layers only) is compared with the
 *    -DMPQ_SINGLE_ROUNDING build, MobileNetV2's last layer within 1 LSB.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { TFLITE_DIR, analyzeTflite, buildTflite } from './tflite-host.js';
import { analyzeModel } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';

const tmp = makeTempDir('memplan-tflite-');
afterAll(() => removeDir(tmp));
const SINGLE_ROUNDING = 'CFLAGS=-std=c99 -O2 -Wall -Wextra -Werror -DMPQ_SINGLE_ROUNDING';

interface Reference {
  readonly cases: readonly { readonly model: string; readonly seeds?: readonly number[]; readonly outputs: readonly (readonly number[])[] }[];
}
const reference = JSON.parse(readFileSync(new URL('../../fixtures/tflite-reference/reference.json', import.meta.url), 'utf8')) as Reference;
const refOf = (model: string) => reference.cases.find((c) => c.model === model)!;

/** make-reference.py's input formula. */
function formulaInput(n: number, seed: number): Int8Array {
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 7919 + seed * 104729) % 256) - 128;
  return x;
}

function formulaInput16(n: number, seed: number): Int16Array {
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 7919 + seed * 104729) % 65536) - 32768;
  return x;
}

function int8s(b: Buffer): number[] {
  return Array.from(new Int8Array(b.buffer, b.byteOffset, b.byteLength));
}

/** The 96x96 grey BMP's pixels top row first, as TFLite Micro's example copies them into int8. */
function bmpInput(file: string): Int8Array {
  const b = readFileSync(file);
  expect(b.length).toBe(1078 + 96 * 96);
  const out = new Int8Array(96 * 96);
  for (let r = 0; r < 96; r++) for (let c = 0; c < 96; c++) out[r * 96 + c] = (b[1078 + (95 - r) * 96 + c]! << 24) >> 24;
  return out;
}

describe('TFLite models through generated C', () => {
  it('person_detect: the person score wins on person.bmp and loses on no_person.bmp', async () => {
    const analysis = await analyzeTflite(path.join(TFLITE_DIR, 'person_detect.tflite'));
    const run = buildTflite(analysis, path.join(tmp, 'person'));
    // Output [no person, person] (TFLite Micro's kNotAPersonIndex = 0, kPersonIndex = 1).
    const [person] = run([bmpInput(path.join(TFLITE_DIR, 'testdata', 'person.bmp'))]).map(int8s);
    const [noPerson] = run([bmpInput(path.join(TFLITE_DIR, 'testdata', 'no_person.bmp'))]).map(int8s);
    expect(person![1]).toBeGreaterThan(person![0]!);
    expect(noPerson![1]).toBeLessThan(noPerson![0]!);
  }, 300_000);

  it('hello_world int8: every input equals TFLite\'s interpreter', async () => {
    const analysis = await analyzeTflite(path.join(TFLITE_DIR, 'hello_world_int8.tflite'));
    const run = buildTflite(analysis, path.join(tmp, 'hello'), [SINGLE_ROUNDING]);
    const got = Array.from({ length: 256 }, (_, v) => int8s(run([Int8Array.of(v - 128)])[0]!));
    expect(got).toEqual(refOf('hello_world_int8.tflite').outputs);
  }, 300_000);

  it('micro_speech: equals TFLite\'s interpreter on seeded inputs', async () => {
    const ref = refOf('micro_speech_quantized.tflite');
    const analysis = await analyzeTflite(path.join(TFLITE_DIR, 'micro_speech_quantized.tflite'));
    const run = buildTflite(analysis, path.join(tmp, 'speech'));
    ref.seeds!.forEach((seed, k) => expect(int8s(run([formulaInput(1960, seed)])[0]!)).toEqual(ref.outputs[k]));
  }, 300_000);

  it('micro_speech with no DRAM at the SRAM its plan needs (RESHAPE a view, in place where it may), poison: still equal', async () => {
    const ref = refOf('micro_speech_quantized.tflite');
    const file = path.join(TFLITE_DIR, 'micro_speech_quantized.tflite');
    const probe = await analyzeModel(readFileSync(file), { modelName: 'm.tflite', target: applyOverrides(DEFAULT_TARGET, { sramBytes: 16, dramBytes: 0 }) });
    const need = probe.report.minSramBytes!;
    const analysis = await analyzeModel(readFileSync(file), { modelName: 'm.tflite', target: applyOverrides(DEFAULT_TARGET, { sramBytes: need, dramBytes: 0 }) });
    expect(analysis.report.fits).toBe(true);
    expect(analysis.schedule.layers.filter((l) => l.op === 'RESHAPE').every((l) => l.template === 'view')).toBe(true);
    const run = buildTflite(analysis, path.join(tmp, 'speech-nodram'), [], 'model_host_poison');
    ref.seeds!.forEach((seed, k) => expect(int8s(run([formulaInput(1960, seed)])[0]!)).toEqual(ref.outputs[k]));
  }, 300_000);

  it('keyword_scrambled (QUANTIZE, SVDF with state, dense, int16 softmax): equals TFLite\'s interpreter', async () => {
    const ref = refOf('keyword_scrambled.tflite');
    const analysis = await analyzeTflite(path.join(TFLITE_DIR, 'keyword_scrambled.tflite'));
    expect(analysis.report.stateBytes).toBeGreaterThan(0);
    const run = buildTflite(analysis, path.join(tmp, 'keyword'));
    ref.seeds!.forEach((seed, k) => {
      const out = run([formulaInput16(96, seed)])[0]!;
      expect(Array.from(new Int32Array(out.buffer, out.byteOffset, out.byteLength / 4))).toEqual(ref.outputs[k]);
    });
  }, 300_000);

  it('MobileNetV2-224 int8: TFLite\'s interpreter within 1 LSB (its dense layer rounds once), same top class', async () => {
    const ref = refOf('mobilenet_v2_quantized_1x3x224x224.tflite');
    const analysis = await analyzeTflite(path.join(TFLITE_DIR, 'mobilenet_v2_quantized_1x3x224x224.tflite'));
    // Poison build: its residual ADDs run in place over a dying operand.
    const run = buildTflite(analysis, path.join(tmp, 'mnv2'), [], 'model_host_poison');
    ref.seeds!.forEach((seed, k) => {
      const got = int8s(run([formulaInput(3 * 224 * 224, seed)])[0]!);
      const want = ref.outputs[k]!;
      expect(got.length).toBe(1000);
      const argmax = (xs: readonly number[]) => xs.indexOf(Math.max(...xs));
      expect(argmax(got)).toBe(argmax(want));
      const diffs = got.map((v, i) => Math.abs(v - want[i]!));
      expect(Math.max(...diffs)).toBeLessThanOrEqual(1);
      expect(diffs.filter((d) => d !== 0).length).toBeLessThan(20);
    });
  }, 600_000);
});
