/**
 * TFLite MEAN tiled along its kept last axis (schedule/templates/integer.ts 'int-reduce'): a mean over
 * H and W of an NHWC tensor splits its channels; each tile DMAs in a window of every pixel's channels
 * of the tile (pixels a stride apart in the home buffer, dense in the tile) and writes that many
 * means (mpq_mean_px_s8). A hand-built int8 graph (CONV_2D -> two MEANs: keep_dims with a new scale,
 * and without keep_dims, axes given negative and unordered; a third MEAN over H alone stays whole):
 *  - the schedule splits the two MEANs' channels, their input tiles [1, 7, 7, Ct] moved by DMA,
 *    double-buffered where that fits; the mean over H is one whole tile;
 *  - the generated C, in poison mode, gives the bytes of the untiled C (whose MEAN equals TFLite's
 *    interpreter on MobileNetV2, tflite-models.test.ts), tiled with DRAM behind the SRAM on 1 and 4
 *    cores, and on the DMA-only target (fixtures/targets/dsp-dma-only.json) on 1 and 4 cores: at the
 *    smallest SRAM, at 2K (double-buffered tiles of channels) and at 64K (4 cores: blocks of channels
 *    read in place from the resident input, pixels a stride apart).
 * MobileNetV2-224 int8 (MEAN_81) at its smallest SRAM: emit-weight-dma.slow.test.ts and
 * emit-int-tiled.slow.test.ts.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import type { Analysis } from '../../src/pipeline.js';
import { analyzeGraph } from '../../src/pipeline.js';
import type { TargetSpec } from '../../src/schedule/target.js';
import { DEFAULT_TARGET, applyOverrides, parseTarget } from '../../src/schedule/target.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { checkLayer } from '../helpers/schedule-invariants.js';
import { K, buildProgram, expectSameBytes } from './int-tiled-helpers.js';
import { bias, filter, int8s, tfliteGraph } from './tflite-graph.js';

const tmp = makeTempDir('memplan-int-reduce-');
afterAll(() => removeDir(tmp));

const DSP = parseTarget(readFileSync(path.join(REPO_ROOT, 'fixtures/targets/dsp-dma-only.json'), 'utf8'), 'dsp-dma-only.json');

function axes(values: number[]) {
  return { dtype: 'int32' as const, shape: [values.length], data: { kind: 'dense' as const, values: Int32Array.from(values) } };
}

/**
 * x [1,7,7,24] -> CONV_2D 1x1 -> a [1,7,7,160] -> MEAN axes (-3,-2) keep_dims -> m [1,1,1,160] (scale 0.03, zp -2)
 *                                            -> MEAN axes (2,1)              -> n [1,160]
 * x -> MEAN axes (1) keep_dims -> h [1,1,7,24] (when `rows`: not tiled)
 */
function model(rows = false): Graph {
  return tfliteGraph(
    {
      inputs: ['x'],
      outputs: rows ? ['m', 'n', 'h'] : ['m', 'n'],
      tensors: {
        x: { shape: [1, 7, 7, 24], zp: -3 },
        a: { shape: [1, 7, 7, 160], zp: 5 },
        m: { shape: [1, 1, 1, 160], zp: -2, scale: 0.03 },
        n: { shape: [1, 160], zp: 5 },
        h: { shape: [1, 1, 7, 24], zp: 1, scale: 0.04 },
      },
      consts: { w: filter([160, 1, 1, 24], 0, 1), b: bias(160, 1), hw: axes([-3, -2]), wh: axes([2, 1]), rows: axes([1]) },
      nodes: [
        { name: 'conv', op: 'CONV_2D', inputs: ['x', 'w', 'b'], outputs: ['a'], attrs: { padding: 'VALID', fused_activation: 'RELU' } },
        { name: 'mean_keep', op: 'MEAN', inputs: ['a', 'hw'], outputs: ['m'], attrs: { keep_dims: 1 } },
        { name: 'mean_flat', op: 'MEAN', inputs: ['a', 'wh'], outputs: ['n'], attrs: { keep_dims: 0 } },
        ...(rows ? [{ name: 'mean_rows', op: 'MEAN', inputs: ['x', 'rows'], outputs: ['h'], attrs: { keep_dims: 1 } }] : []),
      ],
    },
    false,
    'int-reduce',
  );
}

function analyze(target: TargetSpec, sramBytes: number, cores: number, rows = false): Promise<Analysis> {
  return analyzeGraph(model(rows), { modelName: 'int-reduce.tflite', target: applyOverrides(target, { sramBytes, cores }) });
}

/** The smallest SRAM at which the graph fits on that target and core count. */
async function minSram(target: TargetSpec, cores: number): Promise<number> {
  const a = await analyzeGraph(model(), { modelName: 'int-reduce.tflite', target: applyOverrides(target, { sramBytes: 16, cores }), findMinSram: true });
  expect(a.report.fits).toBe(false);
  return a.report.minSramBytes!;
}

/** The MEAN layers split along their last output dim, and how (tile of channels, input tile shape, double buffering). */
function channelSplits(a: Analysis): Record<string, { size: number; extent: number; inTile: readonly number[] | undefined; doubleBuffered: boolean; cores: number }> {
  const out: Record<string, { size: number; extent: number; inTile: readonly number[] | undefined; doubleBuffered: boolean; cores: number }> = {};
  for (const l of a.schedule.layers) {
    if (l.op !== 'MEAN') continue;
    const outRank = a.graph.tensors.get(l.writes[0]!)!.shape.length;
    const s = l.tile.splits.find((x) => x.dim === outRank - 1 && x.size < x.extent);
    if (!s) continue;
    const inTile = l.buffers.find((b) => b.kind === 'tile' && b.tensor === 'a')?.shape;
    out[l.name] = { size: s.size, extent: s.extent, inTile, doubleBuffered: l.tile.doubleBuffered, cores: l.tile.cores };
  }
  return out;
}

describe('TFLite MEAN tiled along its channels', () => {
  it('splits the channels of a mean over H and W (keep_dims or not); a mean over H alone stays whole', async () => {
    // 2K: the whole mean over H (1176 + 168 B) fits, a whole mean over H and W (7840 + 160 B) does not.
    const a = await analyze(DEFAULT_TARGET, 2 * K, 1, true);
    expect(a.report.fits, a.report.failures.map((f) => f.message).join('; ')).toBe(true);
    const templates = Object.fromEntries(a.schedule.layers.map((l) => [l.name, l.template]));
    expect(templates).toMatchObject({ mean_keep: 'int-reduce', mean_flat: 'int-reduce', mean_rows: 'int-reduce' });
    const splits = channelSplits(a);
    expect(Object.keys(splits).sort()).toEqual(['mean_flat', 'mean_keep']);
    for (const [name, s] of Object.entries(splits)) {
      expect(s.extent, name).toBe(160);
      // Every pixel of the tile's channels: a strided window of the home buffer, dense in the tile.
      expect(s.inTile, name).toEqual([1, 7, 7, s.size]);
    }
    // Tiles of channels, two at a time (the next tile's DMA overlaps the mean of this one).
    expect(Object.values(splits).every((s) => s.doubleBuffered)).toBe(true);
    const rows = a.schedule.layers.find((l) => l.name === 'mean_rows')!;
    expect(rows.tile.tileCount).toBe(1);
    for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
  });

  const CONFIGS: readonly { label: string; target: TargetSpec; cores: number }[] = [
    { label: 'default target (DRAM behind the SRAM), 1 core', target: DEFAULT_TARGET, cores: 1 },
    { label: 'default target (DRAM behind the SRAM), 4 cores', target: DEFAULT_TARGET, cores: 4 },
    { label: 'dsp-dma-only, 1 core', target: DSP, cores: 1 },
    { label: 'dsp-dma-only, 4 cores', target: DSP, cores: 4 },
  ];
  let want: ((x: Int8Array) => Buffer[]) | undefined;
  const whole = async () => {
    const a = await analyze(DEFAULT_TARGET, 1024 * K, 1);
    expect(Object.keys(channelSplits(a))).toEqual([]);
    const run = buildProgram(a, path.join(tmp, 'whole'), 'model_host');
    return (x: Int8Array) => run([x]);
  };
  for (const cfg of CONFIGS) {
    it(`${cfg.label}, at the smallest SRAM, at 2K and at 64K, poison: the untiled C's bytes`, async () => {
      want ??= await whole();
      const min = await minSram(cfg.target, cfg.cores);
      expect(min).toBeLessThan(2 * K);
      for (const sram of [min, 2 * K, 64 * K]) {
        const a = await analyze(cfg.target, sram, cfg.cores);
        expect(a.report.fits).toBe(true);
        const splits = channelSplits(a);
        if (sram < 64 * K || cfg.cores > 1) expect(Object.keys(splits).sort(), `${sram} B`).toEqual(['mean_flat', 'mean_keep']);
        if (cfg.cores === 4 && sram >= 2 * K) expect(Object.values(splits).every((s) => s.cores > 1)).toBe(true);
        // 64K on 4 cores: the input is resident and each core reads its channels in place (pixels 160 apart).
        if (cfg.cores === 4 && sram === 64 * K) expect(Object.values(splits).every((s) => s.inTile === undefined)).toBe(true);
        if (cfg.cores === 1 && sram === 64 * K) expect(splits).toEqual({});
        for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
        const run = buildProgram(a, path.join(tmp, `${cfg.label.replace(/\W+/g, '_')}-${sram}`), 'model_host_poison');
        for (const seed of [1, 2]) {
          const x = int8s(7 * 7 * 24, seed);
          const ref = want(x);
          // The means vary with the channel (not a constant output).
          expect(new Set(new Int8Array(ref[0]!)).size).toBeGreaterThan(4);
          expectSameBytes(run([x]), ref);
        }
      }
    }, 240_000);
  }
});
