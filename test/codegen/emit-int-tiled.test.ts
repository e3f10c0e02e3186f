/**
 * Integer layers tiled like float ones: TFLite and quantized ONNX models planned at a small SRAM with
 * DRAM behind it, so that their integer layers run on DMA tiles (halo windows of output rows, single
 * and double buffered), per-core blocks on 4 cores and whole-tensor tiles moved by DMA. The generated
 * C, built in poison mode (dead buffers are overwritten), must give the same bytes as the untiled
 * generated C (itself checked against TFLite's interpreter, TFLite Micro's goldens and
 * onnxruntime-web elsewhere), or the reference outputs directly:
 *  - seanet tests (conv0-9, add0-5, int16x8) at their smallest SRAM: the golden CSV bit for bit
 *    (row tiles with halos, column tiles of the 1-row convolutions, element-wise tiles); six by
 *    default, all 16 with MEMPLAN_SLOW=1 (npm run test:slow);
 *  - micro_speech at 4K of SRAM on 4 cores: TFLite's interpreter's outputs, in poison mode and once
 *    under AddressSanitizer + UndefinedBehaviorSanitizer;
 *  - the keyword model (QUANTIZE, SVDF state, dense, int16 softmax) at its smallest SRAM on 4 cores:
 *    the untiled C's bytes.
 *  - person_detect at 16K on 4 cores on both test images (no channel splits: rows fit), and at its
 *    smallest SRAM on 1 and 4 cores (DEPTHWISE_CONV_2D channel windows with the filters read in
 *    place), QDQ SqueezeNet (uint8) at 64K on 4 cores: the untiled C's bytes.
 * MobileNetV2-224 int8 and the other QDQ torchvision models are in emit-int-tiled.slow.test.ts.
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { SEANET, TFLITE_DIR, seanetCases, seanetInputs, seanetMismatches } from './tflite-host.js';
import { K, analyzeAt, buildProgram, expectSameBytes, integerTiling, minSramWithDram } from './int-tiled-helpers.js';
import { generateC } from '../../src/codegen/generate.js';
import { toCodegenInput } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import type { LayerSchedule, Stmt } from '../../src/ir/loop.js';
import { sharedModel } from '../helpers/shared-data.js';
import { seededFloats } from '../helpers/ort-reference.js';
import { qdqOf } from './qdq-helpers.js';

const tmp = makeTempDir('memplan-int-tiled-');
afterAll(() => removeDir(tmp));

interface Reference {
  readonly cases: readonly { readonly model: string; readonly seeds?: readonly number[]; readonly outputs: readonly (readonly number[])[] }[];
}
const reference = JSON.parse(readFileSync(new URL('../../fixtures/tflite-reference/reference.json', import.meta.url), 'utf8')) as Reference;

/** make-reference.py's input formula (the reference outputs are for these inputs). */
function formulaInput(n: number, seed: number): Int8Array {
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 7919 + seed * 104729) % 256) - 128;
  return x;
}

/** The 96x96 grey BMP's pixels top row first, as TFLite Micro's example copies them into int8. */
function bmpInput(file: string): Int8Array {
  const b = readFileSync(file);
  const out = new Int8Array(96 * 96);
  for (let r = 0; r < 96; r++) for (let c = 0; c < 96; c++) out[r * 96 + c] = (b[1078 + (95 - r) * 96 + c]! << 24) >> 24;
  return out;
}

describe('seanet single-operator tests tiled at their smallest SRAM (DRAM behind it), poison: the golden CSV bit for bit', () => {
  // A fixed representative six by default (row tiles, column tiles, strides, element-wise); all 16 with MEMPLAN_SLOW=1.
  const all = seanetCases();
  const names = process.env.MEMPLAN_SLOW ? all : all.filter((n) => ['add1', 'add5', 'conv0', 'conv2', 'conv4', 'conv9'].includes(n));
  it('has the 16 tests (conv0-9, add0-5)', () => {
    expect(all).toEqual([...Array.from({ length: 6 }, (_, i) => `add${i}`), ...Array.from({ length: 10 }, (_, i) => `conv${i}`)].sort());
  });
  it.each(names)('%s', async (name) => {
    const file = path.join(SEANET, `${name}.tflite`);
    const sram = await minSramWithDram(file, name, 4);
    const analysis = await analyzeAt(file, name, sram, 4);
    expect(analysis.report.fits).toBe(true);
    const t = integerTiling(analysis);
    // Every operand lives in DRAM at this size: the layer runs on int16 tiles moved by DMA, of output
    // rows (conv0-3), of output columns (conv4-9: one output row), of the outermost dim (add0-5).
    expect(t.dma).toBe(1);
    expect(t.split).toBe(1);
    const run = buildProgram(analysis, path.join(tmp, `seanet-${name}`), 'model_host_poison');
    const [out] = run(seanetInputs(name));
    expect(seanetMismatches(name, out!)).toEqual([]);
  }, 120_000);
});

/** Layers of a template that split their output channels (NHWC dim 3). */
function channelSplit(a: Analysis, template: string): string[] {
  return a.schedule.layers.filter((l) => l.template === template && l.tile.splits.some((sp) => sp.dim === 3 && sp.size < sp.extent)).map((l) => l.name);
}

describe('TFLite models tiled on 4 cores', () => {
  let personWhole: ReturnType<typeof buildProgram> | undefined;
  const speech = path.join(TFLITE_DIR, 'micro_speech_quantized.tflite');
  const ref = reference.cases.find((c) => c.model === 'micro_speech_quantized.tflite')!;

  it('micro_speech at 4K of SRAM: DMA tiles and per-core blocks of its integer layers, poison: TFLite\'s outputs', async () => {
    const analysis = await analyzeAt(speech, 'micro_speech.tflite', 4 * K, 4);
    expect(analysis.report.fits).toBe(true);
    const t = integerTiling(analysis);
    expect(t.splitOps).toEqual(['DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);
    expect(t.dma).toBeGreaterThanOrEqual(2);
    expect(t.parallel).toBeGreaterThanOrEqual(2);
    const run = buildProgram(analysis, path.join(tmp, 'speech'), 'model_host_poison');
    ref.seeds!.forEach((seed, k) => expect(Array.from(new Int8Array(run([formulaInput(1960, seed)])[0]!))).toEqual(ref.outputs[k]));
  }, 300_000);

  it('micro_speech tiled under AddressSanitizer + UndefinedBehaviorSanitizer: TFLite\'s outputs', async () => {
    const analysis = await analyzeAt(speech, 'micro_speech.tflite', 4 * K, 4);
    const run = buildProgram(analysis, path.join(tmp, 'speech-asan'), 'model_host_asan');
    ref.seeds!.forEach((seed, k) => expect(Array.from(new Int8Array(run([formulaInput(1960, seed)])[0]!))).toEqual(ref.outputs[k]));
  }, 300_000);

  it('person_detect at 16K on both test images: the untiled C\'s bytes (the person score wins on person.bmp only)', async () => {
    const t0 = Date.now();
    const file = path.join(TFLITE_DIR, 'person_detect.tflite');
    const a = await analyzeAt(file, 'person_detect.tflite', 16 * K, 4);
    expect(a.report.fits).toBe(true);
    const t = integerTiling(a);
    expect(t.splitOps).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D']);
    // Rows fit: no convolution splits its output channels (a last resort with readable weights).
    expect([...channelSplit(a, 'int-conv'), ...channelSplit(a, 'int-conv-depthwise')]).toEqual([]);
    expect(t.dma).toBeGreaterThanOrEqual(8);
    expect(t.parallel).toBeGreaterThanOrEqual(20);
    expect(t.doubleBuffered).toBeGreaterThanOrEqual(3);
    const run = buildProgram(a, path.join(tmp, 'person'), 'model_host_poison');
    const run0 = buildProgram(await analyzeAt(file, 'person_detect.tflite', 16 * 1024 * K), path.join(tmp, 'person-whole'), 'model_host');
    for (const image of ['person.bmp', 'no_person.bmp']) {
      const x = bmpInput(path.join(TFLITE_DIR, 'testdata', image));
      const got = run([x]);
      expectSameBytes(got, run0([x]));
      const [noPerson, person] = Array.from(new Int8Array(got[0]!));
      if (image === 'person.bmp') expect(person).toBeGreaterThan(noPerson!);
      else expect(person).toBeLessThan(noPerson!);
    }
    console.log(`person_detect 16K: ${t.split} integer layers split, ${t.dma} on DMA tiles, ${t.parallel} on several cores, ${t.doubleBuffered} double-buffered (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, 600_000);

  // With readable weights a convolution splits its output channels only as a last resort (when no
  // tiling of rows fits): none at 16K; at the smallest SRAM (2560 B on 1 core, 3072 B with rows only,
  // set now by AVERAGE_POOL_2D_27, computed whole) DEPTHWISE_CONV_2D layers run on windows of
  // channels, reading their filter's taps (OC apart), biases and multipliers in place at the window's
  // first channel, and reading and writing a channel slice of each pixel (mpq_dwconv_px_s8).
  for (const cores of [1, 4]) {
    it(`person_detect at its smallest SRAM on ${cores} core(s), poison, readable weights: output-channel windows; the untiled C's bytes on both images`, async () => {
      const file = path.join(TFLITE_DIR, 'person_detect.tflite');
      const sram = await minSramWithDram(file, 'person_detect.tflite', cores);
      if (cores === 1) expect(sram).toBe(2560);
      const a = await analyzeAt(file, 'person_detect.tflite', sram, cores);
      expect(a.report.fits).toBe(true);
      // Its depthwise layers (rows of all channels do not fit); CONV_2D windows of channels: emit-int-channel-split.test.ts.
      expect(channelSplit(a, 'int-conv-depthwise').length).toBeGreaterThanOrEqual(3);
      // No weight tiles: the cores read the filters where they are stored.
      expect(a.schedule.layers.flatMap((l) => l.buffers.filter((b) => b.weight === true))).toEqual([]);
      const gen = generateC(toCodegenInput(a));
      const modelC = gen.files.find((f) => f.name === 'model.c')!.text;
      expect(modelC).toContain('mpq_dwconv_px_s8(');
      const run = buildProgram(a, path.join(tmp, `person-min-${cores}`), 'model_host_poison');
      personWhole ??= buildProgram(await analyzeAt(file, 'person_detect.tflite', 16 * 1024 * K), path.join(tmp, 'person-whole-min'), 'model_host');
      for (const image of ['person.bmp', 'no_person.bmp']) {
        const x = bmpInput(path.join(TFLITE_DIR, 'testdata', image));
        expectSameBytes(run([x]), personWhole([x]));
      }
    }, 600_000);
  }

  it('keyword_scrambled (int16 input, SVDF state) at its smallest SRAM, 4 cores: the untiled C\'s bytes', async () => {
    const file = path.join(TFLITE_DIR, 'keyword_scrambled.tflite');
    const sram = await minSramWithDram(file, 'keyword.tflite', 4);
    const analysis = await analyzeAt(file, 'keyword.tflite', sram, 4);
    expect(analysis.report.fits).toBe(true);
    // Its SVDF state (persistent, in SRAM) sets the smallest SRAM, and every activation fits beside it:
    // no DMA here, but QUANTIZE and the dense layers run in per-core blocks.
    const t = integerTiling(analysis);
    expect(t.splitOps).toEqual(['FULLY_CONNECTED', 'QUANTIZE']);
    expect(t.parallel).toBeGreaterThanOrEqual(5);
    const whole = await analyzeAt(file, 'keyword.tflite', 16 * 1024 * K);
    expect(integerTiling(whole).split).toBe(0);
    const run = buildProgram(analysis, path.join(tmp, 'keyword'), 'model_host_poison');
    const run0 = buildProgram(whole, path.join(tmp, 'keyword-whole'), 'model_host');
    for (const seed of [1, 2, 3]) {
      const x = new Int16Array(96);
      for (let i = 0; i < x.length; i++) x[i] = ((i * 7919 + seed * 104729) % 65536) - 32768;
      expectSameBytes(run([x]), run0([x]));
    }
  }, 300_000);
});

describe('quantized ONNX tiled', () => {
  it('QDQ SqueezeNet 1.1 (uint8) at 64K on 4 cores, poison: the untiled C\'s bytes', async () => {
    const t0 = Date.now();
    const bytes = await qdqOf(sharedModel('torchvision/squeezenet1_1_96.onnx'));
    const a = await analyzeAt(bytes, 'squeezenet.qdq.onnx', 64 * K, 4);
    expect(a.report.fits).toBe(true);
    const t = integerTiling(a);
    expect(t.splitOps).toEqual(['DequantizeLinear', 'QConv', 'QGlobalAveragePool', 'QMaxPool', 'QuantizeLinear']);
    expect(t.dma).toBeGreaterThanOrEqual(5);
    expect(t.parallel).toBeGreaterThanOrEqual(20);
    expect(t.doubleBuffered).toBeGreaterThanOrEqual(3);
    const run = buildProgram(a, path.join(tmp, 'squeezenet'), 'model_host_poison');
    const run0 = buildProgram(await analyzeAt(bytes, 'squeezenet.qdq.onnx', 64 * 1024 * K), path.join(tmp, 'squeezenet-whole'), 'model_host');
    const input = a.graph.tensors.get(a.graph.inputs[0]!)!;
    for (const seed of [11, 12]) {
      const x = seededFloats(input.elementCount, seed);
      expectSameBytes(run([x]), run0([x]));
    }
    console.log(`QDQ SqueezeNet 64K: ${t.split} integer layers split, ${t.dma} on DMA tiles, ${t.parallel} on several cores, ${t.doubleBuffered} double-buffered (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, 600_000);
});

describe('an integer op without a windowed kernel', () => {
  it('is refused with MP701 naming the node when a schedule splits it (SVDF given a window of its input)', async () => {
    const file = path.join(TFLITE_DIR, 'keyword_scrambled.tflite');
    const a = await analyzeAt(file, 'keyword.tflite', 16 * 1024 * K);
    const step = a.schedule.layers.findIndex((l) => l.op === 'SVDF');
    const layer = a.schedule.layers[step]!;
    const input = a.graph.nodes[step]!.inputs[0]!;
    const split = (body: readonly Stmt[]): Stmt[] =>
      body.map((st) =>
        st.kind !== 'compute'
          ? st
          : { ...st, inputs: st.inputs.map((o) => (o.region.tensor !== input ? o : { ...o, region: { ...o.region, ranges: [{ dim: 0, loopVar: '', stride: 0, offset: 0, extent: 1, limit: 1 }] } })) },
      );
    const layers: LayerSchedule[] = a.schedule.layers.map((l, i) => (i === step ? { ...l, body: split(l.body) } : l));
    const corrupted = { ...a, schedule: { ...a.schedule, layers } };
    expect(() => generateC(toCodegenInput(a))).not.toThrow();
    expect(() => generateC(toCodegenInput(corrupted))).toThrow(new RegExp(`MP701.*'${layer.name}' \\(SVDF\\).*whole tensors only`));
  });
});
