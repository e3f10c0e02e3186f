/**
 * Weights the cores cannot read, the heavy cases (slow: `npm run test:slow`, or
 * `MEMPLAN_SLOW=1 npx vitest run test/codegen/emit-weight-dma.slow.test.ts`): on
 * fixtures/targets/dsp-dma-only.json (weights in a DRAM only the DMA reaches), every torchvision model
 * of ../shared/models/torchvision at 96x96 through generated C against onnxruntime-web on 1 core at
 * the target's 256K (SqueezeNet and EfficientNet-B0 with depth-first segments there) and on 4 cores at
 * 64K in poison mode, and at their smallest SRAM on 1 core (reduction splits with weight tiles of
 * input-channel / K slices), vit_tiny_32 at its smallest SRAM; MnasNet under ASan + UBSan at 64K on 4
 * cores, at 128K with depth-first segments and at 4K with reduction splits; the generated model.c names
 * weight arrays only as DMA sources; and a QDQ (int8) SqueezeNet whose outputs are bit-identical to
 * the same model on a target whose cores read the weights (that one is checked against onnxruntime in
 * emit-qdq.test.ts); MobileNetV2 int8 (.tflite) at its smallest SRAM with integer weight tiles (units of
 * FULLY_CONNECTED, output channels of CONV_2D), bit-identical to its C reading the weights in place.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference, seededFloats } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { REPO_ROOT, sharedFiles, sharedModel } from '../helpers/shared-data.js';
import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import { generateC } from '../../src/codegen/generate.js';
import { DEFAULT_TARGET, applyOverrides, parseTarget } from '../../src/schedule/target.js';
import { buildTflite } from './tflite-host.js';
import { analyzeBytes, buildTyped, qdqOf } from './qdq-helpers.js';
import { weightArrayUses } from './weight-dma-c.js';

const K = 1024;
/**
 * The DMA-only DSP with 64 MiB of DRAM instead of the fixture's 16: the DRAM holds the weights for
 * the whole run (test/pipeline/resident-weights.test.ts), and these float32 models' weights take up
 * to 20 MB (RegNetX), more than 16 MiB.
 */
const DSP = applyOverrides(parseTarget(readFileSync(join(REPO_ROOT, 'fixtures/targets/dsp-dma-only.json'), 'utf8'), 'dsp-dma-only.json'), { dramBytes: 64 * K * K });
/**
 * mobilenet_v2_224 (224x224, 1000 classes) takes minutes per configuration: emit-matrix.slow.test.ts
 * covers it. vit_tiny_32 runs at its own smallest SRAM below: its QKV projections are MatMuls with a
 * batch of 65 that this base computes whole, so their 192 KiB of weights must sit in SRAM at once.
 */
const MODELS = sharedFiles('models/torchvision', '.onnx').filter((f) => basename(f) !== 'mobilenet_v2_224.onnx' && basename(f) !== 'vit_tiny_32.onnx');
const CONFIGS: Config[] = [
  { label: 'dsp-dma-only 256K 1 core', target: DSP, cores: 1 },
  { label: 'dsp-dma-only 64K 4 cores poison', target: DSP, sramBytes: 64 * K, cores: 4, poison: true },
];

const tmp = makeTempDir('memplan-weight-dma-slow-');
afterAll(() => removeDir(tmp));

describe('DMA-only weights: generated C against onnxruntime-web', () => {
  it('finds the torchvision models', () => {
    expect(MODELS.map((f) => basename(f))).toEqual(expect.arrayContaining(['mnasnet0_5_96.onnx', 'squeezenet1_1_96.onnx', 'efficientnet_b0_96.onnx', 'regnet_x_400mf_96.onnx']));
  });
  for (const file of MODELS) {
    const name = basename(file);
    let ref: Promise<Float32Array[]> | undefined;
    for (const cfg of CONFIGS) {
      it(`${name} ${cfg.label}`, async () => {
        const a = await analyzeFile(file, cfg);
        expect(a.report.fits).toBe(true);
        expect(a.report.layers.some((l) => (l.weightTileBytes ?? 0) > 0)).toBe(true);
        const gen = generateC(toCodegenInput(a));
        const uses = weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text);
        expect(uses.kernelReads).toEqual([]);
        const feeds = inputsFor(a, 5);
        ref ??= ortReference(file, feeds, a.graph.outputs);
        const got = buildAndRun(a, join(tmp, `${name}-${cfg.label.replace(/\W+/g, '_')}`), cfg, feeds.map((f) => f.data));
        const want = await ref;
        got.forEach((g, i) => {
          const c = compare(g, want[i]!);
          const most = Math.max(...a.report.layers.map((l) => l.weightTileBytes ?? 0));
          console.log(`${name} | ${cfg.label} | sram used ${a.report.pools[0]!.usedBytes} | largest weightTileBytes ${most} | max abs ${c.maxAbs.toExponential(2)}`);
          expect(`${cfg.label}: ${c.worst}`).toBe(`${cfg.label}: `);
        });
      }, 900_000);
    }
  }

  // At the smallest SRAM (1 core, no depth-first) the layers split their reductions (input channels,
  // K of the classifier Gemm) with weight tiles that hold the slice's input channels / K only. Not
  // RegNetX: its smallest SRAM (20032 B) is set by a grouped conv, which has no reduction split, and
  // no layer needs one there.
  for (const file of MODELS.filter((f) => basename(f) !== 'regnet_x_400mf_96.onnx')) {
    const name = basename(file);
    it(`${name} at its smallest SRAM on the DMA-only target, 1 core, no depth-first, poison: reduction splits with sliced weight tiles; matches onnxruntime-web`, async () => {
      const probe = await analyzeFile(file, { label: 'probe', target: DSP, sramBytes: 16, cores: 1, depthFirst: false });
      const need = probe.report.minSramBytes!;
      const cfg: Config = { label: `dsp-dma-only ${need} 1 core poison`, target: DSP, sramBytes: need, cores: 1, poison: true, depthFirst: false };
      const a = await analyzeFile(file, cfg);
      expect(a.report.fits).toBe(true);
      const split = a.schedule.layers.filter((l) => l.tile.splits.some((s) => s.reduction && s.size < s.extent));
      expect(split.length).toBeGreaterThan(0);
      const gen = generateC(toCodegenInput(a));
      expect(weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
      const feeds = inputsFor(a, 5);
      const ref = await ortReference(file, feeds, a.graph.outputs);
      const got = buildAndRun(a, join(tmp, `${name}-min`), cfg, feeds.map((f) => f.data));
      console.log(`${name} | ${cfg.label} | ${split.length} layers split a reduction | max abs ${compare(got[0]!, ref[0]!).maxAbs.toExponential(2)}`);
      got.forEach((g, i) => expect(compare(g, ref[i]!).worst).toBe(''));
    }, 900_000);
  }

  it('vit_tiny_32 at its smallest SRAM on the DMA-only target (the qkv MatMul tiled over columns: its weight tiles hold whole columns of B and bias), 4 cores, poison', async () => {
    const file = sharedModel('torchvision/vit_tiny_32.onnx');
    const probe = await analyzeFile(file, { label: 'probe', target: DSP, sramBytes: 16, cores: 4 });
    const need = probe.report.minSramBytes!;
    const cfg: Config = { label: `dsp-dma-only ${need} 4 cores poison`, target: DSP, sramBytes: need, cores: 4, poison: true };
    const a = await analyzeFile(file, cfg);
    expect(a.report.fits).toBe(true);
    const qkv = a.report.layers.find((l) => l.name.endsWith('encoder_layer_0/self_attention/MatMul'))!;
    // B [128, 384] and bias [384], float32: a tile holds some of the 384 columns (128 + 1 floats each), all copies.
    const column = 128 * 4 + 4;
    expect(qkv.weightTileBytes! % column).toBe(0);
    expect(qkv.weightTileBytes!).toBeLessThan(384 * column);
    const gen = generateC(toCodegenInput(a));
    expect(weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
    const feeds = inputsFor(a, 5);
    const ref = await ortReference(file, feeds, a.graph.outputs);
    const got = buildAndRun(a, join(tmp, 'vit'), cfg, feeds.map((f) => f.data));
    console.log(`vit_tiny_32.onnx | ${cfg.label} | max abs ${compare(got[0]!, ref[0]!).maxAbs.toExponential(2)}`);
    got.forEach((g, i) => expect(compare(g, ref[i]!).worst).toBe(''));
  }, 900_000);

  it('ASan + UBSan: MnasNet at 64K on 4 cores, weights DMA\'d, poison on', async () => {
    const file = sharedModel('torchvision/mnasnet0_5_96.onnx');
    const cfg: Config = { label: 'asan', target: DSP, sramBytes: 64 * K, cores: 4, asan: true };
    const a = await analyzeFile(file, cfg);
    const feeds = inputsFor(a, 5);
    const ref = await ortReference(file, feeds, a.graph.outputs);
    const got = buildAndRun(a, join(tmp, 'asan'), cfg, feeds.map((f) => f.data));
    expect(compare(got[0]!, ref[0]!).worst).toBe('');
  }, 900_000);

  it('ASan + UBSan: MnasNet at 128K on 1 core with depth-first segments (members read SRAM copies of their weights) and at 4K with reduction splits (sliced weight tiles), poison on', async () => {
    const file = sharedModel('torchvision/mnasnet0_5_96.onnx');
    for (const sramBytes of [128 * K, 4 * K]) {
      const cfg: Config = { label: `asan ${sramBytes}`, target: DSP, sramBytes, cores: 1, asan: true };
      const a = await analyzeFile(file, cfg);
      expect(a.report.fits).toBe(true);
      if (sramBytes === 128 * K) expect(a.schedule.layers.some((l) => l.template === 'segment' && l.buffers.some((b) => b.weight))).toBe(true);
      else expect(a.schedule.layers.some((l) => l.tile.splits.some((s) => s.reduction) && l.buffers.some((b) => b.weight))).toBe(true);
      const feeds = inputsFor(a, 5);
      const ref = await ortReference(file, feeds, a.graph.outputs);
      const got = buildAndRun(a, join(tmp, `asan-${sramBytes}`), cfg, feeds.map((f) => f.data));
      expect(compare(got[0]!, ref[0]!).worst).toBe('');
    }
  }, 900_000);

  it('QDQ SqueezeNet (int8 QConv, QGemm): bit-identical with its weights DMA\'d and read in place', async () => {
    const bytes = await qdqOf(sharedModel('torchvision/squeezenet1_1_96.onnx'));
    const inPlace = await analyzeBytes(bytes, 'squeezenet_qdq.onnx');
    const dma = await analyzeModel(bytes, { modelName: 'squeezenet_qdq.onnx', target: applyOverrides(DSP, { cores: 1, sramBytes: 1024 * K }) });
    expect(dma.report.fits).toBe(true);
    expect(dma.report.layers.filter((l) => (l.weightTileBytes ?? 0) > 0).length).toBeGreaterThan(10);
    const gen = generateC(toCodegenInput(dma));
    expect(weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
    const t = inPlace.graph.tensors.get(inPlace.graph.inputs[0]!)!;
    const x = seededFloats(t.elementCount, 3);
    const want = buildTyped(inPlace, join(tmp, 'qdq-in-place'))([x]);
    const got = buildTyped(dma, join(tmp, 'qdq-dma'))([x]);
    expect(got.map((b) => b.toString('hex'))).toEqual(want.map((b) => b.toString('hex')));
  }, 900_000);
});

/**
 * MobileNetV2 int8 (.tflite, 224x224) on the DMA-only target at its smallest SRAM (8664 B on 1 core, set
 * by the 1x1 CONV_2D_69/74/79: one input row of 7x960 with one filter row; 64000 B while MEAN_81 was
 * computed whole, 1285281 B before integer weight tiles): FULLY_CONNECTED_83 splits its 1000 units,
 * the CONV_2D and DEPTHWISE_CONV_2D layers their output channels, their weight and bias tiles holding
 * the tile's units / channels, and MEAN_81 its channels (7x7 windows of a few channels DMA'd in). The
 * generated C (poison) gives the bytes of the C whose cores read the weights in place.
 */
describe('MobileNetV2 int8 (.tflite) at its smallest SRAM on the DMA-only target', () => {
  const file = sharedModel('tflite/mobilenet_v2_quantized_1x3x224x224.tflite');
  const input = Int8Array.from({ length: 3 * 224 * 224 }, (_, i) => ((i * 7919 + 104729) % 256) - 128);
  let want: Promise<string> | undefined;
  for (const cores of [1, 4]) {
    it(`${cores} core(s), poison: integer weight tiles of units and output channels, MEAN tiles of channels; the in-place C's bytes`, async () => {
      const bytes = readFileSync(file);
      const probe = await analyzeModel(bytes, { modelName: 'mobilenet_v2_quantized', target: applyOverrides(DSP, { cores }), findMinSram: true });
      const min = probe.report.minSramBytes!;
      if (cores === 1) expect(min).toBe(8664);
      const a = await analyzeModel(bytes, { modelName: 'mobilenet_v2_quantized', target: applyOverrides(DSP, { cores, sramBytes: min }) });
      expect(a.report.fits).toBe(true);
      const fc = a.schedule.layers.find((l) => l.name === 'FULLY_CONNECTED_83')!;
      expect(fc.tile.splits.some((s) => s.dim === 1 && s.size < s.extent)).toBe(true);
      expect(a.schedule.layers.filter((l) => l.template === 'int-conv' && l.tile.splits.some((s) => s.dim === 3 && s.size < s.extent)).length).toBeGreaterThan(10);
      const mean = a.schedule.layers.find((l) => l.name === 'MEAN_81')!;
      expect(mean.tile.splits.some((s) => s.dim === 3 && s.size < s.extent)).toBe(true);
      const gen = generateC(toCodegenInput(a));
      expect(weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
      want ??= (async () => {
        const plain = await analyzeModel(bytes, { modelName: 'mobilenet_v2_quantized', target: applyOverrides(DEFAULT_TARGET, { cores: 1 }) });
        return buildTflite(plain, join(tmp, 'mnv2-int8-in-place'))([input])[0]!.toString('hex');
      })();
      const got = buildTflite(a, join(tmp, `mnv2-int8-dma-${cores}`), [], 'model_host_poison')([input])[0]!.toString('hex');
      expect(got).toBe(await want);
    }, 1_800_000);
  }
});
