/**
 * Output-channel splits of integer TFLite convolutions whose cores read the weights in place (the
 * default target, DRAM behind the SRAM): a last resort, taken only when no tiling of rows fits. A
 * hand-built int8 graph (CONV_2D 1x1 -> DEPTHWISE_CONV_2D 3x3 SAME -> CONV_2D 3x3 stride 2 SAME):
 *  - with room for rows, nothing splits its channels (the row tilings and their C are those of before);
 *  - at its smallest SRAM the depthwise layer (three input rows of 8x96 do not fit beside an output
 *    row) and the last CONV_2D (one output channel beside its three input rows) split their output
 *    channels; no weight is copied into SRAM: the kernels read the filter rows (CONV_2D: rows of
 *    [OC][KH][KW][IC]; depthwise: taps of [1][KH][KW][OC], OC apart), biases and multipliers at the
 *    window's first channel (mpq_conv_px_s8, mpq_dwconv_px_s8 with wpx = OC);
 *  - the smallest SRAM is exact (fits, not one byte below) and smaller than with rows only;
 *  - the generated C, poison, on 1 and 4 cores, gives the untiled C's bytes.
 * person_detect at its smallest SRAM: emit-int-tiled.test.ts; MobileNetV2: emit-int-tiled.slow.test.ts.
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import type { Analysis } from '../../src/pipeline.js';
import { analyzeGraph, toCodegenInput } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { generateC } from '../../src/codegen/generate.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { checkLayer } from '../helpers/schedule-invariants.js';
import { K, buildProgram, expectSameBytes } from './int-tiled-helpers.js';
import { bias, filter, int8s, tfliteGraph } from './tflite-graph.js';

const tmp = makeTempDir('memplan-int-channels-');
afterAll(() => removeDir(tmp));

/** x [1,8,8,64] -> CONV_2D 1x1 -> a [1,8,8,96] -> DW 3x3 SAME -> b [1,8,8,96] -> CONV_2D 3x3 s2 SAME -> c [1,4,4,32]. */
function model(): Graph {
  return tfliteGraph(
    {
      inputs: ['x'],
      outputs: ['c'],
      tensors: { x: { shape: [1, 8, 8, 64], zp: -3 }, a: { shape: [1, 8, 8, 96], zp: 5 }, b: { shape: [1, 8, 8, 96], zp: 2, scale: 0.04 }, c: { shape: [1, 4, 4, 32], zp: -1, scale: 0.06 } },
      consts: { w1: filter([96, 1, 1, 64], 0, 1), b1: bias(96, 1), w2: filter([1, 3, 3, 96], 3, 2), b2: bias(96, 2), w3: filter([32, 3, 3, 96], 0, 3), b3: bias(32, 3) },
      nodes: [
        { name: 'conv1', op: 'CONV_2D', inputs: ['x', 'w1', 'b1'], outputs: ['a'], attrs: { padding: 'VALID', fused_activation: 'RELU' } },
        { name: 'dw', op: 'DEPTHWISE_CONV_2D', inputs: ['a', 'w2', 'b2'], outputs: ['b'], attrs: { padding: 'SAME', depth_multiplier: 1, fused_activation: 'RELU6' } },
        { name: 'conv3', op: 'CONV_2D', inputs: ['b', 'w3', 'b3'], outputs: ['c'], attrs: { padding: 'SAME', stride_h: 2, stride_w: 2 } },
      ],
    },
    false,
    'int-channels',
  );
}

function analyze(sramBytes: number, cores: number, findMinSram = false): Promise<Analysis> {
  return analyzeGraph(model(), { modelName: 'int-channels.tflite', target: applyOverrides(DEFAULT_TARGET, { sramBytes, cores }), ...(findMinSram ? { findMinSram } : {}) });
}

/** Layers that split their output channels, by name: the tile of channels. */
function channelTiles(a: Analysis): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of a.schedule.layers) {
    const s = l.tile.splits.find((x) => x.dim === 3 && x.size < x.extent);
    if (s) out[l.name] = s.size;
  }
  return out;
}

describe('integer convolutions split their output channels as a last resort when the cores read the weights', () => {
  it('with room for rows nothing splits its channels; at the smallest SRAM the depthwise layer and the last CONV_2D do, exact, below the rows-only floor', async () => {
    const roomy = await analyze(8 * K, 1);
    expect(roomy.report.fits).toBe(true);
    expect(roomy.schedule.layers.some((l) => l.tile.tileCount > 1)).toBe(true);
    expect(channelTiles(roomy)).toEqual({});
    const probe = await analyze(16, 1, true);
    const min = probe.report.minSramBytes!;
    // Rows only, the floor would be the depthwise layer's three input rows and one output row (2304 + 768 B).
    expect(min).toBeLessThan(2304 + 768);
    const at = await analyze(min, 1);
    expect(at.report.fits).toBe(true);
    expect((await analyze(min - 1, 1)).report.fits).toBe(false);
    expect(Object.keys(channelTiles(at)).sort()).toEqual(['conv3', 'dw']);
    for (const l of at.schedule.layers) {
      expect(checkLayer(l, at.graph)).toEqual([]);
      expect(l.buffers.filter((b) => b.weight === true)).toEqual([]);
    }
  });

  let whole: ReturnType<typeof buildProgram> | undefined;
  for (const cores of [1, 4]) {
    it(`${cores} core(s) at the smallest SRAM, poison: the untiled C's bytes`, async () => {
      const min = (await analyze(16, cores, true)).report.minSramBytes!;
      const a = await analyze(min, cores);
      expect(a.report.fits).toBe(true);
      expect(Object.keys(channelTiles(a))).toEqual(expect.arrayContaining(['conv3', 'dw']));
      const modelC = generateC(toCodegenInput(a)).files.find((f) => f.name === 'model.c')!.text;
      expect(modelC).toContain('mpq_conv_px_s8(');
      expect(modelC).toContain('mpq_dwconv_px_s8(');
      whole ??= buildProgram(await analyze(1024 * K, 1), path.join(tmp, 'whole'), 'model_host');
      const run = buildProgram(a, path.join(tmp, `min-${cores}`), 'model_host_poison');
      for (const seed of [1, 2]) {
        const x = int8s(8 * 8 * 64, seed);
        const want = whole([x]);
        expect(new Set(new Int8Array(want[0]!)).size).toBeGreaterThan(8);
        expectSameBytes(run([x]), want);
      }
    }, 240_000);
  }
});
