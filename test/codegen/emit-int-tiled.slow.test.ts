/**
 * The big integer models tiled (MEMPLAN_SLOW=1; each builds its C twice): at a small SRAM with DRAM
 * behind it, on 4 cores, in poison mode, the generated C gives the same bytes as the untiled generated
 * C (checked against TFLite's interpreter, TFLite Micro's example and onnxruntime-web elsewhere):
 *  - MobileNetV2-224 int8 at 64K (its input TRANSPOSE, convolutions with their explicit PADs folded
 *    in, residual ADDs, MEAN and dense layer tiled), and at its smallest SRAM with DRAM on 1 and 4
 *    cores (8120 B on both: CONV_2D_13's input row of 56x144 with one output channel of a row; 37632 B
 *    with rows only, DEPTHWISE_CONV_2D_8's three input rows of 112x96 with an output row; 64000 B
 *    while MEAN_81 was computed whole): MEAN_81 on tiles of channels, convolutions on windows of
 *    output channels, their filters read in place;
 *  - QDQ SqueezeNet 1.1 (int8 activations), MnasNet 0.5, EfficientNet-B0 and RegNetX-400MF
 *    at 64K (QConv rows with plane strides, QMaxPool, QAdd/QMul, QLookup, QGlobalAveragePool channels,
 *    QGemm columns, QuantizeLinear/DequantizeLinear tiled).
 * person_detect and QDQ SqueezeNet (uint8) are in the default suite (emit-int-tiled.test.ts).
 * Prints one line per model: the integer layers split, on DMA tiles, on several cores, double buffered.
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { sharedModel } from '../helpers/shared-data.js';
import { seededFloats } from '../helpers/ort-reference.js';
import { TFLITE_DIR } from './tflite-host.js';
import { qdqOf } from './qdq-helpers.js';
import { K, analyzeAt, buildProgram, expectSameBytes, integerTiling, minSramWithDram } from './int-tiled-helpers.js';
import type { IntegerTiling } from './int-tiled-helpers.js';

const tmp = makeTempDir('memplan-int-tiled-slow-');
afterAll(() => removeDir(tmp));

function report(name: string, t: IntegerTiling, ms: number): void {
  console.log(`${name}: ${t.split} integer layers split, ${t.dma} on DMA tiles, ${t.parallel} on several cores, ${t.doubleBuffered} double-buffered (${(ms / 1000).toFixed(1)} s)`);
}

function formulaInput(n: number, seed: number): Int8Array {
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 7919 + seed * 104729) % 256) - 128;
  return x;
}

describe('TFLite models tiled at a small SRAM with DRAM, poison: the untiled C\'s bytes', () => {
  let whole: ReturnType<typeof buildProgram> | undefined;
  it('MobileNetV2-224 int8 at 64K', async () => {
    const t0 = Date.now();
    const file = path.join(TFLITE_DIR, 'mobilenet_v2_quantized_1x3x224x224.tflite');
    const a = await analyzeAt(file, 'mobilenet_v2.tflite', 64 * K, 4);
    expect(a.report.fits).toBe(true);
    const t = integerTiling(a);
    expect(t.splitOps).toEqual(['ADD', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'MEAN', 'TRANSPOSE']);
    expect(t.dma).toBeGreaterThanOrEqual(40);
    const run = buildProgram(a, path.join(tmp, 'mnv2'), 'model_host_poison');
    const run0 = buildProgram(await analyzeAt(file, 'mobilenet_v2.tflite', 16 * 1024 * K), path.join(tmp, 'mnv2-whole'), 'model_host');
    for (const seed of [1, 2]) {
      const x = formulaInput(3 * 224 * 224, seed);
      expectSameBytes(run([x]), run0([x]));
    }
    report('MobileNetV2-224 int8 64K', t, Date.now() - t0);
  }, 900_000);

  for (const cores of [1, 4]) {
    it(`MobileNetV2-224 int8 at its smallest SRAM with DRAM, ${cores} core(s): MEAN_81 on tiles of channels, convolutions on windows of output channels`, async () => {
      const t0 = Date.now();
      const file = path.join(TFLITE_DIR, 'mobilenet_v2_quantized_1x3x224x224.tflite');
      const min = await minSramWithDram(file, 'mobilenet_v2.tflite', cores);
      expect(min).toBe(8120);
      const a = await analyzeAt(file, 'mobilenet_v2.tflite', min, cores);
      expect(a.report.fits).toBe(true);
      const mean = a.schedule.layers.find((l) => l.name === 'MEAN_81')!;
      const split = mean.tile.splits.find((s) => s.dim === 3)!;
      expect(split.size).toBeLessThan(1280);
      // Each tile DMAs in the 7x7 pixels of its channels.
      expect(mean.buffers.find((b) => b.kind === 'tile' && b.tensor === mean.reads[0])?.shape).toEqual([1, 7, 7, split.size]);
      const channels = (template: string) => a.schedule.layers.filter((l) => l.template === template && l.tile.splits.some((sp) => sp.dim === 3 && sp.size < sp.extent)).length;
      expect(channels('int-conv')).toBeGreaterThan(5);
      expect(channels('int-conv-depthwise')).toBeGreaterThan(5);
      const run = buildProgram(a, path.join(tmp, `mnv2-min-${cores}`), 'model_host_poison');
      whole ??= buildProgram(await analyzeAt(file, 'mobilenet_v2.tflite', 16 * 1024 * K), path.join(tmp, 'mnv2-whole-min'), 'model_host');
      const x = formulaInput(3 * 224 * 224, 3);
      expectSameBytes(run([x]), whole([x]));
      report(`MobileNetV2-224 int8 at ${min} B, ${cores} core(s)`, integerTiling(a), Date.now() - t0);
    }, 900_000);
  }
});

describe('QDQ torchvision models tiled at 64K on 4 cores, poison: the untiled C\'s bytes', () => {
  const cases: readonly [string, 'uint8' | 'int8'][] = [
    ['squeezenet1_1_96.onnx', 'int8'],
    ['mnasnet0_5_96.onnx', 'uint8'],
    ['efficientnet_b0_96.onnx', 'uint8'],
    ['regnet_x_400mf_96.onnx', 'uint8'],
  ];
  it.each(cases)('%s, %s activations', async (model, activations) => {
    const t0 = Date.now();
    const bytes = await qdqOf(sharedModel(`torchvision/${model}`), activations === 'int8' ? { activations: 'int8' } : {});
    const a = await analyzeAt(bytes, model, 64 * K, 4);
    expect(a.report.fits).toBe(true);
    const t = integerTiling(a);
    expect(t.splitOps).toEqual(expect.arrayContaining(['QConv', 'QuantizeLinear']));
    expect(t.dma).toBeGreaterThanOrEqual(3);
    expect(t.parallel).toBeGreaterThanOrEqual(20);
    const dir = path.join(tmp, `${model}-${activations}`);
    const run = buildProgram(a, dir, 'model_host_poison');
    const run0 = buildProgram(await analyzeAt(bytes, model, 64 * 1024 * K), `${dir}-whole`, 'model_host');
    const input = a.graph.tensors.get(a.graph.inputs[0]!)!;
    const x = seededFloats(input.elementCount, 11);
    expectSameBytes(run([x]), run0([x]));
    report(`${model} ${activations} 64K`, t, Date.now() - t0);
  }, 900_000);
});
