/**
 * Weights the cores cannot read (fixtures/targets/dsp-dma-only.json: the weights live in a DRAM that
 * only the DMA reaches): the generated C DMAs every weight tile into SRAM with the activation hooks
 * and its kernels read only the tiles.
 *  - resnet8 against onnxruntime-web: 1 core, 4 cores in poison mode, and 24K of SRAM on 1 core (weight
 *    tiles of a few output channels, double-buffered, activations streamed from DRAM too); kws-dscnn at
 *    8K on 4 cores (depthwise weight tiles of a few channels);
 *  - the generated model.c names a weight array only as the source of a DMA (a kernel reading the
 *    DRAM weights would have to name the array: this fails then);
 *  - integer models (TFLite): micro_speech (int8) and keyword_scrambled (SVDF, int16) equal TFLite's
 *    interpreter with their filters DMA'd; integer weight tiles that follow the splits: micro_speech
 *    at 8020 B (FULLY_CONNECTED's units) equals TFLite's interpreter on 1 and 4 cores; person_detect at
 *    its smallest SRAM (2568 B on 1 core; CONV_2D and DEPTHWISE_CONV_2D output-channel windows) and at
 *    16K (channel windows of resident activations) equals the C reading its weights in place; seanet
 *    conv1/conv4/conv9 (int16x8) with output-channel filter tiles equal their golden CSV.
 * The torchvision models, 4 cores and ASan/UBSan are in emit-weight-dma.slow.test.ts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference, ortRun, seededFloats } from '../helpers/ort-reference.js';
import { OnnxGraphBuilder, attr, tensor } from '../../fixtures/onnx-writer.js';
import type { Config } from '../helpers/ort-reference.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import { generateC } from '../../src/codegen/generate.js';
import { DEFAULT_TARGET, applyOverrides, parseTarget } from '../../src/schedule/target.js';
import { SEANET, TFLITE_DIR, buildTflite, seanetInputs, seanetMismatches } from './tflite-host.js';
import { weightArrayUses } from './weight-dma-c.js';
import { checkLayer } from '../helpers/schedule-invariants.js';

const RESNET8 = path.join(REPO_ROOT, 'fixtures/models/resnet8.onnx');
const DSP = parseTarget(readFileSync(path.join(REPO_ROOT, 'fixtures/targets/dsp-dma-only.json'), 'utf8'), 'dsp-dma-only.json');
const tmp = makeTempDir('memplan-weight-dma-');
afterAll(() => removeDir(tmp));

const CONFIGS: Config[] = [
  { label: 'dsp-dma-only 1 core', target: DSP, cores: 1 },
  { label: 'dsp-dma-only 4 cores poison', target: DSP, cores: 4, poison: true },
  { label: 'dsp-dma-only 24K 1 core poison', target: DSP, cores: 1, sramBytes: 24 * 1024, poison: true },
];

describe('weights DMA\'d into SRAM tiles: generated C', () => {
  let ref: Promise<Float32Array[]> | undefined;
  for (const cfg of CONFIGS) {
    it(`resnet8 ${cfg.label}: matches onnxruntime-web; weight arrays are only DMA sources`, async () => {
      const a = await analyzeFile(RESNET8, cfg);
      expect(a.report.fits).toBe(true);
      const conv = a.report.layers.filter((l) => l.op === 'Conv');
      expect(conv.every((l) => (l.weightTileBytes ?? 0) > 0)).toBe(true);
      const gen = generateC(toCodegenInput(a));
      const text = (name: string) => gen.files.find((f) => f.name === name)!.text;
      const uses = weightArrayUses(text('model.c'), text('model_weights.h'));
      expect(uses.kernelReads).toEqual([]);
      // Every weight of every Conv and the Gemm is DMA'd (two float weights per layer here).
      expect(new Set(uses.dmaSources).size).toBe(2 * (conv.length + 1));
      const feeds = inputsFor(a, 7);
      ref ??= ortReference(RESNET8, feeds, a.graph.outputs);
      const got = buildAndRun(a, path.join(tmp, cfg.label.replace(/\W+/g, '_')), cfg, feeds.map((f) => f.data));
      const want = await ref;
      got.forEach((g, i) => expect(`${cfg.label}: ${compare(g, want[i]!).worst}`).toBe(`${cfg.label}: `));
    }, 300_000);
  }

  // Reduction splits with DMA'd weights: a Conv weight tile holds the output channels of its tile
  // (dim 0) and the input channels of the slice (dim 1); the bias tile the output channels only.
  for (const cores of [1, 4]) {
    it(`reduction splits with DMA'd weights: resnet8 at 4K on ${cores} core(s), poison: weight tiles hold input-channel slices; the C matches`, async () => {
      const cfg: Config = { label: `dsp 4K ${cores} core poison`, target: DSP, cores, sramBytes: 4 * 1024, poison: true };
      const a = await analyzeFile(RESNET8, cfg);
      expect(a.report.fits).toBe(true);
      const split = a.schedule.layers.filter((l) => l.tile.splits.some((s) => s.reduction));
      expect(split.length).toBeGreaterThan(0);
      for (const l of split) {
        const red = l.tile.splits.find((s) => s.reduction)!;
        const node = a.graph.nodes.find((n) => n.name === l.name)!;
        const ws = a.graph.weights.get(node.inputs[1]!)!.shape;
        const w = l.buffers.find((b) => b.weight && b.tensor === node.inputs[1])!;
        // The weight tile holds the slice's input channels, not all of them.
        expect([l.name, w.shape[1]]).toEqual([l.name, red.size]);
        expect(red.size).toBeLessThan(ws[1]!);
        expect(w.sizeBytes).toBe(w.shape.reduce((p, d) => p * d, 1) * 4);
        const out = l.tile.splits.find((s) => s.dim === 1 && !s.reduction);
        expect(w.shape[0]).toBe(out ? out.size : ws[0]);
        // The bias tile follows the output channels only.
        const b = l.buffers.find((x) => x.weight && x.tensor === node.inputs[2]);
        if (b) expect(b.shape).toEqual([w.shape[0]]);
        expect(l.stats.accumulatorBytes ?? 0).toBeGreaterThan(0);
      }
      if (cores > 1) expect(split.some((l) => l.tile.cores > 1)).toBe(true);
      for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
      const gen = generateC(toCodegenInput(a));
      const modelC = gen.files.find((f) => f.name === 'model.c')!.text;
      expect(modelC).toContain('mpg_conv_rebase_in(');
      expect(weightArrayUses(modelC, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
      const feeds = inputsFor(a, 7);
      const want = await ortReference(RESNET8, feeds, a.graph.outputs);
      const got = buildAndRun(a, path.join(tmp, `dsp-4k-${cores}`), cfg, feeds.map((f) => f.data));
      got.forEach((g, i) => expect(compare(g, want[i]!).worst).toBe(''));
    }, 300_000);
  }

  // MatMul / Gemm with a constant B: the B tile holds the K rows of the slice (K columns of a Gemm's
  // transposed B) and the output columns of the tile. MatMul: the Add's constant (fused) is whole per
  // output tile and applied after the last slice; Gemm (transB, alpha, beta, C): alpha and C after
  // the last slice (mpg_gemm_finish), C's tile whole.
  const productModel = (op: 'MatMul' | 'Gemm'): Uint8Array => {
    const g = new OnnxGraphBuilder(`${op}-k`);
    const vals = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 3.7 + i * 0.61) * 0.2);
    g.input('x', 'float32', [8, 512]);
    g.initializer('c', tensor.float32([40], vals(40, 2)));
    if (op === 'MatMul') {
      g.initializer('B', tensor.float32([512, 40], vals(512 * 40, 1)));
      g.node('MatMul', ['x', 'B'], ['m'], { name: 'mm' });
      g.node('Add', ['m', 'c'], ['s'], { name: 'add' });
    } else {
      g.initializer('B', tensor.float32([40, 512], vals(512 * 40, 1)));
      g.node('Gemm', ['x', 'B', 'c'], ['s'], { name: 'mm', attributes: { transB: attr.int(1), alpha: attr.float(0.75), beta: attr.float(1.25) } });
    }
    g.node('Relu', ['s'], ['y'], { name: 'relu' });
    g.output('y', 'float32', [8, 40]);
    return g.encode({ opset: 13 });
  };
  for (const op of ['MatMul', 'Gemm'] as const) {
    for (const cores of [1, 4]) {
      it(`reduction splits with DMA'd weights: a ${op} splits K (512) at ${cores === 1 ? '1.5K' : '4K'} on ${cores} core(s), poison; B's tile holds the slice's K; the C matches`, async () => {
        const bytes = productModel(op);
        const cfg: Config = { label: `${op} ${cores}c`, poison: true };
        const a = await analyzeModel(bytes, { modelName: `${op}-k.onnx`, target: applyOverrides(DSP, { sramBytes: cores === 1 ? 1536 : 4096, cores }), doubleBuffer: true });
        expect(a.report.fits).toBe(true);
        const mm = a.schedule.layers.find((l) => l.op === op)!;
        const red = mm.tile.splits.find((s) => s.reduction)!;
        expect(red).toMatchObject({ dim: 1, extent: 512 });
        expect(red.size).toBeLessThan(512);
        const cols = mm.tile.splits.find((s) => s.dim === 1 && !s.reduction);
        const b = mm.buffers.find((x) => x.weight && x.tensor === 'B')!;
        expect(b.shape).toEqual(op === 'MatMul' ? [red.size, cols ? cols.size : 40] : [cols ? cols.size : 40, red.size]);
        if (op === 'Gemm') expect(mm.buffers.find((x) => x.weight && x.tensor === 'c')!.shape).toEqual([40]);
        if (cores > 1) expect(mm.tile.cores).toBeGreaterThan(1);
        for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
        const gen = generateC(toCodegenInput(a));
        const modelC = gen.files.find((f) => f.name === 'model.c')!.text;
        expect(modelC).toContain('mpg_gemm_slice_view(');
        if (op === 'Gemm') expect(modelC).toContain('mpg_gemm_finish(');
        expect(weightArrayUses(modelC, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
        const x = seededFloats(8 * 512, 11);
        const [want] = await ortRun(bytes, [{ name: 'x', shape: [8, 512], data: x }], ['y']);
        const [got] = buildAndRun(a, path.join(tmp, `${op}-${cores}`), cfg, [x]);
        expect(compare(got!, want!).worst).toBe('');
      }, 300_000);
    }
  }

  it('kws-dscnn at 8K on 4 cores, poison (depthwise weight tiles of a few channels: grouped mpg_conv_rebase): matches onnxruntime-web', async () => {
    const file = path.join(REPO_ROOT, 'fixtures/models/kws-dscnn.onnx');
    const cfg: Config = { label: 'kws 8K 4 cores poison', target: DSP, sramBytes: 8 * 1024, cores: 4, poison: true };
    const a = await analyzeFile(file, cfg);
    expect(a.report.fits).toBe(true);
    const dw = a.schedule.layers.filter((l) => l.template === 'conv-depthwise');
    expect(dw.length).toBeGreaterThan(0);
    // Depthwise layers split over channels: their weight tiles hold fewer than all 64 channels.
    expect(dw.every((l) => l.buffers.some((b) => b.weight && b.shape[0]! < 64))).toBe(true);
    const gen = generateC(toCodegenInput(a));
    expect(weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
    const feeds = inputsFor(a, 3);
    const want = await ortReference(file, feeds, a.graph.outputs);
    const got = buildAndRun(a, path.join(tmp, 'kws'), cfg, feeds.map((f) => f.data));
    got.forEach((g, i) => expect(compare(g, want[i]!).worst).toBe(''));
  }, 300_000);

  it('the check sees kernels reading weight arrays: on a target whose cores read the weights they do', async () => {
    const a = await analyzeFile(RESNET8, { label: 'default' });
    const gen = generateC(toCodegenInput(a));
    const uses = weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text);
    expect(uses.dmaSources).toEqual([]);
    expect(uses.kernelReads.some((l) => /^MPG_CHECK\(mp_conv2d\(.*mpw_/.test(l))).toBe(true);
  });

  it('at 24K the chooser splits output channels so that weight tiles fit, double-buffered where they fit', async () => {
    const a = await analyzeFile(RESNET8, CONFIGS[2]!);
    const s3 = a.schedule.layers.find((l) => l.name === 's3_conv2')!;
    const wt = s3.buffers.filter((b) => b.weight);
    expect(wt.map((b) => b.tensor).sort()).toEqual(['s3_conv2.bias', 's3_conv2.weight'].sort());
    const w = wt.find((b) => b.tensor === 's3_conv2.weight')!;
    // 64 output channels of 64 x 3 x 3 floats (147456 B) do not fit 24K: a slice of the channels.
    expect(w.shape[0]).toBeLessThan(64);
    expect(w.sizeBytes).toBe(w.shape[0]! * 64 * 9 * 4);
    expect(a.report.layers.find((l) => l.name === 's3_conv2')!.weightTileBytes).toBe(wt.reduce((s, b) => s + b.sizeBytes * b.copies, 0));
  });
});

describe('integer layers with DMA-only weights', () => {
  interface Reference {
    readonly cases: readonly { readonly model: string; readonly seeds?: readonly number[]; readonly outputs: readonly (readonly number[])[] }[];
  }
  const reference = JSON.parse(readFileSync(path.join(REPO_ROOT, 'fixtures/tflite-reference/reference.json'), 'utf8')) as Reference;
  const formulaInput = (n: number, seed: number) => Int8Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % 256) - 128);
  const formulaInput16 = (n: number, seed: number) => Int16Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % 65536) - 32768);

  it('keyword_scrambled (SVDF with state, int16 activations, fully connected): equals TFLite\'s interpreter, 4 cores', async () => {
    const file = path.join(TFLITE_DIR, 'keyword_scrambled.tflite');
    const analysis = await analyzeModel(readFileSync(file), { modelName: 'keyword_scrambled.tflite', target: DSP });
    expect(analysis.report.layers.filter((l) => (l.weightTileBytes ?? 0) > 0).map((l) => l.op)).toEqual(expect.arrayContaining(['SVDF', 'FULLY_CONNECTED']));
    const gen = generateC(toCodegenInput(analysis));
    expect(weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
    const run = buildTflite(analysis, path.join(tmp, 'keyword'));
    const ref = reference.cases.find((c) => c.model === 'keyword_scrambled.tflite')!;
    ref.seeds!.forEach((seed, k) => {
      const out = run([formulaInput16(96, seed)])[0]!;
      expect(Array.from(new Int32Array(out.buffer, out.byteOffset, out.byteLength / 4))).toEqual(ref.outputs[k]);
    });
  }, 300_000);

  it('micro_speech (int8 conv and fully connected): equals TFLite\'s interpreter, filters DMA\'d into SRAM tiles, poison', async () => {
    const file = path.join(TFLITE_DIR, 'micro_speech_quantized.tflite');
    const analysis = await analyzeModel(readFileSync(file), { modelName: 'micro_speech_quantized.tflite', target: applyOverrides(DSP, { cores: 1 }) });
    expect(analysis.report.fits).toBe(true);
    const tiled = analysis.report.layers.filter((l) => (l.weightTileBytes ?? 0) > 0).map((l) => l.op);
    expect(tiled).toEqual(expect.arrayContaining(['DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']));
    const gen = generateC(toCodegenInput(analysis));
    const uses = weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text);
    expect(uses.kernelReads).toEqual([]);
    expect(uses.dmaSources.length).toBeGreaterThan(0);
    const run = buildTflite(analysis, path.join(tmp, 'speech'), [], 'model_host_poison');
    const ref = reference.cases.find((c) => c.model === 'micro_speech_quantized.tflite')!;
    ref.seeds!.forEach((seed, k) => {
      const out = run([formulaInput(1960, seed)])[0]!;
      expect(Array.from(new Int8Array(out.buffer, out.byteOffset, out.byteLength))).toEqual(ref.outputs[k]);
    });
  }, 300_000);

  // person_detect at its smallest SRAM on this target (2568 B; 68096 B before integer weight tiles):
  // its CONV_2D and DEPTHWISE_CONV_2D layers split their output channels (NHWC dim 3, often with their
  // rows too), their filter and bias tiles holding the tile's channels and the kernels reading and
  // writing a channel window of each pixel (mpq_conv_px_s8, mpq_dwconv_px_s8). The output equals the C
  // of the same model whose cores read the weights in place (the default target), byte for byte.
  describe('person_detect at its smallest SRAM: CONV_2D and DEPTHWISE_CONV_2D output-channel windows with filter tiles', () => {
    const file = path.join(TFLITE_DIR, 'person_detect.tflite');
    const inputs = [formulaInput(96 * 96, 1), formulaInput(96 * 96, 2)];
    let want: Promise<string[]> | undefined;
    const readable = async () => {
      const a = await analyzeModel(readFileSync(file), { modelName: 'person_detect.tflite', target: applyOverrides(DEFAULT_TARGET, { cores: 1 }) });
      const run = buildTflite(a, path.join(tmp, 'person-readable'));
      return inputs.map((x) => run([x])[0]!.toString('hex'));
    };
    for (const cores of [1, 4]) {
      it(`${cores} core(s) at the smallest SRAM (2568 B on 1 core), poison: the bytes of the C that reads its weights in place`, async () => {
        // At the smallest SRAM for that core count (per-core tiles on 4 cores need more).
        const probe = await analyzeModel(readFileSync(file), { modelName: 'person_detect.tflite', target: applyOverrides(DSP, { cores }), findMinSram: true });
        const min = probe.report.minSramBytes!;
        if (cores === 1) expect(min).toBe(2568);
        const analysis = await analyzeModel(readFileSync(file), { modelName: 'person_detect.tflite', target: applyOverrides(DSP, { cores, sramBytes: min }) });
        expect(analysis.report.fits).toBe(true);
        const split = (template: string) => analysis.schedule.layers.filter((l) => l.template === template && l.tile.splits.some((s) => s.dim === 3 && s.size < s.extent));
        expect(split('int-conv').length).toBeGreaterThan(3);
        expect(split('int-conv-depthwise').length).toBeGreaterThan(3);
        for (const l of analysis.schedule.layers) expect(checkLayer(l, analysis.graph)).toEqual([]);
        const gen = generateC(toCodegenInput(analysis));
        const modelC = gen.files.find((f) => f.name === 'model.c')!.text;
        expect(modelC).toContain('mpq_conv_px_s8(');
        expect(modelC).toContain('mpq_dwconv_px_s8(');
        expect(weightArrayUses(modelC, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
        want ??= readable();
        const run = buildTflite(analysis, path.join(tmp, `person-${cores}`), [], 'model_host_poison');
        expect(inputs.map((x) => run([x])[0]!.toString('hex'))).toEqual(await want);
      }, 300_000);
    }
    it('16K on 1 core, poison: channel windows of activations resident in SRAM (pixels wider than the window: the kernels\' pixel strides); the in-place C\'s bytes', async () => {
      const analysis = await analyzeModel(readFileSync(file), { modelName: 'person_detect.tflite', target: applyOverrides(DSP, { cores: 1, sramBytes: 16 * 1024 }) });
      expect(analysis.report.fits).toBe(true);
      // Channel-split layers whose input and output windows sit in their resident buffers (no tile).
      const resident = (template: string) =>
        analysis.schedule.layers.filter((l) => {
          const node = analysis.graph.nodes.find((n) => n.name === l.name)!;
          const tiled = new Set(l.buffers.map((b) => b.tensor));
          return l.template === template && l.tile.splits.some((s) => s.dim === 3 && s.size < s.extent) && !tiled.has(node.inputs[0]) && !tiled.has(node.outputs[0]);
        });
      expect(resident('int-conv').length).toBeGreaterThan(3);
      expect(resident('int-conv-depthwise').length).toBeGreaterThan(3);
      want ??= readable();
      const run = buildTflite(analysis, path.join(tmp, 'person-16k'), [], 'model_host_poison');
      expect(inputs.map((x) => run([x])[0]!.toString('hex'))).toEqual(await want);
    }, 300_000);
  });

  // int16x8 convolutions (TFLite Micro's seanet tests) at their smallest SRAM on this target: each
  // splits its output channels down to one (filter tiles of one channel), with row tiles (conv1) or
  // column tiles of a 1-row conv (conv4, conv9): mpq_conv_px_s16. The golden CSV bit for bit.
  for (const [name, cores] of [['conv1', 1], ['conv4', 1], ['conv9', 4]] as const) {
    it(`seanet ${name} (int16x8) at its smallest SRAM on ${cores} core(s), poison: output-channel filter tiles; the golden CSV`, async () => {
      const file = path.join(SEANET, `${name}.tflite`);
      const probe = await analyzeModel(readFileSync(file), { modelName: `${name}.tflite`, target: applyOverrides(DSP, { cores }), findMinSram: true });
      const analysis = await analyzeModel(readFileSync(file), { modelName: `${name}.tflite`, target: applyOverrides(DSP, { cores, sramBytes: probe.report.minSramBytes! }) });
      expect(analysis.report.fits).toBe(true);
      const conv = analysis.schedule.layers.find((l) => l.template === 'int-conv')!;
      expect(conv.tile.splits.some((s) => s.dim === 3 && s.size < s.extent)).toBe(true);
      const gen = generateC(toCodegenInput(analysis));
      expect(gen.files.find((f) => f.name === 'model.c')!.text).toContain('mpq_conv_px_s16(');
      const run = buildTflite(analysis, path.join(tmp, `seanet-${name}`), [], 'model_host_poison');
      expect(seanetMismatches(name, run(seanetInputs(name))[0]!)).toEqual([]);
    }, 300_000);
  }

  // At 8020 B (micro_speech's smallest SRAM on this target, 1 core) FULLY_CONNECTED (4 units of 4000)
  // splits its units: its weight tile holds the rows [units][4000] of the tile's units and its bias
  // tile their biases; the kernel reads the tiles and writes the output's column window.
  for (const cores of [1, 4]) {
    it(`micro_speech at 8020 B on ${cores} core(s), poison: FULLY_CONNECTED's weight tiles hold the units of its tile; equals TFLite's interpreter`, async () => {
      const file = path.join(TFLITE_DIR, 'micro_speech_quantized.tflite');
      const analysis = await analyzeModel(readFileSync(file), { modelName: 'micro_speech_quantized.tflite', target: applyOverrides(DSP, { cores, sramBytes: 8020 }) });
      expect(analysis.report.fits).toBe(true);
      const fc = analysis.schedule.layers.find((l) => l.template === 'int-gemm')!;
      const split = fc.tile.splits.find((s) => s.dim === 1)!;
      expect(split.size).toBeLessThan(split.extent);
      // Weights [4][4000] int8 and bias [4] int32: a tile of u units is u * (4000 + 4) bytes, each copy.
      const tiles = fc.buffers.filter((b) => b.weight);
      expect(tiles.length).toBeGreaterThanOrEqual(2);
      expect(tiles.reduce((sum, b) => sum + b.sizeBytes, 0) % 4004).toBe(0);
      expect(analysis.report.layers.find((l) => l.op === 'FULLY_CONNECTED')!.weightTileBytes).toBeLessThan(4 * 4004);
      for (const l of analysis.schedule.layers) expect(checkLayer(l, analysis.graph)).toEqual([]);
      const gen = generateC(toCodegenInput(analysis));
      expect(weightArrayUses(gen.files.find((f) => f.name === 'model.c')!.text, gen.files.find((f) => f.name === 'model_weights.h')!.text).kernelReads).toEqual([]);
      const run = buildTflite(analysis, path.join(tmp, `speech-fc-${cores}`), [], 'model_host_poison');
      const ref = reference.cases.find((c) => c.model === 'micro_speech_quantized.tflite')!;
      ref.seeds!.forEach((seed, k) => {
        const out = run([formulaInput(1960, seed)])[0]!;
        expect(Array.from(new Int8Array(out.buffer, out.byteOffset, out.byteLength))).toEqual(ref.outputs[k]);
      });
    }, 300_000);
  }
});
