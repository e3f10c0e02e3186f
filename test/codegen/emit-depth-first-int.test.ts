/**
 * Depth-first segments of integer TFLite layers (NHWC) through generated C, with no DRAM at exactly
 * the smallest SRAM: the C built in poison mode (dead buffers overwritten) gives the same output
 * bytes as the C of the same graph without segments (--no-depth-first), and the MAC counter build
 * (-DMP_COUNT_MACS) counts the members' MACs plus exactly the extra MACs reported (halo rows and
 * columns of patches and tiles; none for line buffers). The generated C of the unsegmented integer
 * layers is itself checked against TFLite's interpreter and TFLite Micro's goldens elsewhere
 * (tflite-models.test.ts, tflite-seanet.test.ts).
 *  - MobileNetV2 int8's front (TRANSPOSE of the NCHW input, PAD, CONV_2D, DEPTHWISE_CONV_2D, the
 *    residual ADD, up to CONV_2D_18) cut from the .tflite and shrunk to a 1x3x40x40 input: in 2-D
 *    tiles (the default choice), column patches and line buffers; the PADs fold into the VALID
 *    convolutions that read them;
 *    segments write their NHWC output over the dead part of their input (the first one over the NCHW
 *    graph input), the plan overlapping each pair (poison spares the bytes the live output holds);
 *  - the same under AddressSanitizer + UndefinedBehaviorSanitizer (every mode);
 *  - max and average pools (3x3 SAME, strides 1 and 2) inserted after its first convolution, in
 *    segments of every mode;
 *  - its blocks CONV_2D_9 .. CONV_2D_18 and CONV_2D_10 .. CONV_2D_18 (the residual ADD_14 in tiles
 *    segments, reading a tensor computed in the segment and one computed in it, or the segment's input);
 *  - the same cut after PAD_7, so that a PAD is a segment's last member and runs on windows;
 *  - person_detect (CONV_2D, DEPTHWISE_CONV_2D; tiles, with an overlay, and column patches) on 1 and 4 cores, and at 8K
 *    with DRAM, where line-buffer segments stream their input and output rows by DMA.
 * The whole 224x224 model is in emit-depth-first-int.slow.test.ts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { TFLITE_DIR } from './tflite-host.js';
import { analyzeModel } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { analyzeNoDram, cutTflite, expectSameAsUnsegmented, int8Input, minSramNoDram, overlaysInPlan, runC, tfliteGraph, withPools } from './df-int-helpers.js';

const tmp = makeTempDir('memplan-emit-df-int-');
afterAll(() => removeDir(tmp));

const MOBILENET = path.join(TFLITE_DIR, 'mobilenet_v2_quantized_1x3x224x224.tflite');

describe('integer depth-first segments through generated C (--dram 0, smallest SRAM, poison)', () => {
  const front = cutTflite(tfliteGraph(MOBILENET), 'CONV_2D_18', [1, 3, 40, 40]);
  const input = int8Input(3 * 40 * 40, 5);
  const reference = (async () => {
    const plain = await analyzeNoDram(front, 'mobilenet-front', { sramBytes: 16 << 20, depthFirst: false });
    return runC(plain, path.join(tmp, 'front-plain'), [input]);
  })();

  for (const mode of ['tiles', 'patches', 'line-buffer'] as const) {
    it(`MobileNetV2 int8 front at 40x40: ${mode}`, async () => {
      const o = mode === 'tiles' ? {} : mode === 'patches' ? { patches: true, tiles: false } : { patches: false, tiles: false };
      const min = await minSramNoDram(front, 'mobilenet-front', o);
      const a = await analyzeNoDram(front, 'mobilenet-front', { ...o, sramBytes: min });
      const below = await analyzeNoDram(front, 'mobilenet-front', { ...o, sramBytes: min - 1 });
      expect(below.report.fits).toBe(false);
      const segments = a.report.layers.filter((l) => l.segment);
      const first = segments[0]!;
      // With patches and tiles the first segment starts with the TRANSPOSE of the graph input (NCHW
      // rows and columns read as NHWC ones): the input stays whole, its transposed copy never exists.
      // (Line buffers only: the full-width line buffers of the transposed rows would cost more.)
      if (mode !== 'line-buffer') expect(first.nodes[0]).toBe('TRANSPOSE_0');
      expect(first.segment!.mode).toBe(mode);
      expect(first.nodes).toContain('PAD_1');
      if (mode !== 'line-buffer') expect(first.segment!.extraMacs).toBeGreaterThan(0);
      for (const l of segments) if (l.segment!.mode === 'line-buffer') expect(l.segment!.extraMacs).toBe(0);
      // Segments write their NHWC output over the dead part of their input (the first one over the
      // NCHW graph input it reads through the TRANSPOSE): the plan overlaps each pair, and the C in
      // poison mode (the input poisoned when it dies, minus the bytes the output holds) still
      // gives the unsegmented bytes.
      expect(overlaysInPlan(a)).toBeGreaterThanOrEqual(1);
      if (mode !== 'line-buffer') expect(first.segment!.overlay?.input).toBe(a.schedule.bufferOfTensor.get(front.inputs[0]!));
      expectSameAsUnsegmented(a, await reference, path.join(tmp, `front-${mode}`), [input]);
    }, 300_000);
  }

  it('MobileNetV2 int8 front at 40x40 under AddressSanitizer + UndefinedBehaviorSanitizer, every mode', async () => {
    for (const o of [{}, { patches: true, tiles: false }, { patches: false, tiles: false }]) {
      const min = await minSramNoDram(front, 'mobilenet-front', o);
      const a = await analyzeNoDram(front, 'mobilenet-front', { ...o, sramBytes: min });
      expect(overlaysInPlan(a)).toBeGreaterThan(0);
      const got = runC(a, path.join(tmp, `front-asan-${Object.keys(o).length}-${String(o.patches)}`), [input], 'model_host_asan', ['asan']);
      expect(got[0]!.equals((await reference)[0]!)).toBe(true);
    }
  }, 300_000);

  it('max and average pools (3x3 SAME, strides 1 and 2) inside segments, every mode', async () => {
    const g = cutTflite(withPools(tfliteGraph(MOBILENET), 'CONV_2D_2'), 'CONV_2D_9', [1, 3, 64, 64]);
    const x = int8Input(3 * 64 * 64, 11);
    const plain = await analyzeNoDram(g, 'mobilenet-pools', { sramBytes: 16 << 20, depthFirst: false });
    const ref = runC(plain, path.join(tmp, 'pools-plain'), [x]);
    const seen = new Set<string>();
    // With column patches but no tiles, with line buffers and tiles only, with line buffers only (by
    // default tiles: since segments write their output over their dead input, the default choice here
    // takes tiles, no longer column patches).
    for (const o of [{ patches: true, tiles: false }, { patches: false, tiles: true }, { patches: false, tiles: false }]) {
      const min = await minSramNoDram(g, 'mobilenet-pools', o);
      const a = await analyzeNoDram(g, 'mobilenet-pools', { ...o, sramBytes: min });
      for (const l of a.report.layers) if (l.segment) for (const n of l.nodes) if (n.includes('POOL')) seen.add(`${l.segment.mode} ${n.replace(/_CONV_2D_2$/, '')}`);
      expectSameAsUnsegmented(a, ref, path.join(tmp, `pools-${Object.keys(o).length}-${String(o.tiles)}`), [x]);
    }
    expect([...seen].sort()).toEqual(['line-buffer AVERAGE_POOL_2D', 'line-buffer MAX_POOL_2D', 'patches AVERAGE_POOL_2D', 'patches MAX_POOL_2D', 'tiles AVERAGE_POOL_2D', 'tiles MAX_POOL_2D']);
  }, 300_000);

  it('the residual ADD_14 inside tiles segments: both operands computed in the segment, or one the segment\'s input', async () => {
    for (const [first, shape] of [['CONV_2D_9', [1, 24, 24, 96]], ['CONV_2D_10', [1, 16, 16, 24]]] as const) {
      const g = cutTflite(tfliteGraph(MOBILENET), 'CONV_2D_18', shape, first);
      const x = int8Input(shape.reduce((p: number, d: number) => p * d, 1), 13);
      const plain = await analyzeNoDram(g, 'mobilenet-add', { sramBytes: 16 << 20, depthFirst: false });
      const ref = runC(plain, path.join(tmp, `add-plain-${first}`), [x]);
      const min = await minSramNoDram(g, 'mobilenet-add');
      const a = await analyzeNoDram(g, 'mobilenet-add', { sramBytes: min });
      const seg = a.report.layers.find((l) => l.segment)!;
      expect(seg.segment!.mode).toBe('tiles');
      expect(seg.nodes[0]).toBe(first);
      expect(seg.nodes).toContain('ADD_14');
      expectSameAsUnsegmented(a, ref, path.join(tmp, `add-${first}`), [x]);
    }
  }, 300_000);

  it('MobileNetV2 int8 front cut after PAD_7 (a PAD as the segment\'s last member, on windows)', async () => {
    const g = cutTflite(tfliteGraph(MOBILENET), 'PAD_7', [1, 3, 24, 24]);
    const x = int8Input(3 * 24 * 24, 9);
    const plain = await analyzeNoDram(g, 'mobilenet-pad', { sramBytes: 16 << 20, depthFirst: false });
    const ref = runC(plain, path.join(tmp, 'pad-plain'), [x]);
    const min = await minSramNoDram(g, 'mobilenet-pad');
    const a = await analyzeNoDram(g, 'mobilenet-pad', { sramBytes: min });
    const last = a.report.layers.filter((l) => l.segment).at(-1)!;
    expect(last.nodes.at(-1)).toBe('PAD_7');
    expectSameAsUnsegmented(a, ref, path.join(tmp, 'pad'), [x]);
  }, 300_000);

  for (const cores of [1, 4]) {
    it(`person_detect on ${cores} core${cores > 1 ? 's' : ''}: 12616 bytes (16728 without overlays, 55296 without segments)`, async () => {
      const g = tfliteGraph(path.join(TFLITE_DIR, 'person_detect.tflite'));
      const x = int8Input(96 * 96, 3);
      const plain = await analyzeNoDram(g, 'person_detect', { sramBytes: 16 << 20, depthFirst: false, cores });
      const ref = runC(plain, path.join(tmp, `pd-plain-${cores}`), [x]);
      expect(await minSramNoDram(g, 'person_detect', { depthFirst: false, cores })).toBe(55296);
      const min = await minSramNoDram(g, 'person_detect', { cores });
      expect(min).toBe(12616);
      const a = await analyzeNoDram(g, 'person_detect', { sramBytes: min, cores });
      expect((await analyzeNoDram(g, 'person_detect', { sramBytes: min - 1, cores })).report.fits).toBe(false);
      expect(a.report.layers.filter((l) => l.segment).map((l) => l.segment!.mode)).toEqual(['tiles', 'patches']);
      // Segments run their iterations serially on one core, also with 4 cores: the first writes its
      // output over the dead part of the input image.
      expect(overlaysInPlan(a)).toBe(1);
      expectSameAsUnsegmented(a, ref, path.join(tmp, `pd-${cores}`), [x]);
    }, 300_000);
  }

  it('person_detect at 8K with DRAM on 1 core: line-buffer segments streaming their input and output by DMA', async () => {
    const bytes = readFileSync(path.join(TFLITE_DIR, 'person_detect.tflite'));
    const target = applyOverrides(DEFAULT_TARGET, { sramBytes: 8192, cores: 1 });
    const a = await analyzeModel(bytes, { modelName: 'person_detect', target });
    const plain = await analyzeModel(bytes, { modelName: 'person_detect', target, depthFirst: false });
    const segments = a.report.layers.filter((l) => l.segment);
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.some((l) => l.dmaInBytes > 0)).toBe(true);
    expect(segments.some((l) => l.dmaOutBytes > 0)).toBe(true);
    const x = int8Input(96 * 96, 4);
    expectSameAsUnsegmented(a, runC(plain, path.join(tmp, 'pd-dram-plain'), [x]), path.join(tmp, 'pd-dram'), [x]);
  }, 300_000);
});
