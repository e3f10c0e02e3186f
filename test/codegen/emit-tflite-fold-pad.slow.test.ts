/**
 * MobileNetV2-224 int8 (TFLite, MEMPLAN_SLOW=1): its 18 explicit PADs fold into the next convolution
 * (graph-opt's fold-pad), and the generated C gives the bytes of --no-graph-opt's C (the PADs kept,
 * itself within 1 LSB of TFLite's interpreter in tflite-models.test.ts): whole tensors, and tiled at
 * 64K of SRAM with DRAM behind it in poison mode on 1 and 4 cores. The graph-level peak with no DRAM
 * drops from 2451840 bytes (PAD_7: 112x112x96 and its padded 114x114x96) to 1505280 (the stride-2
 * depthwise layer after it: its 112x112x96 input and 56x56x96 output).
 * The light case (hand-built graph, kept and folded PADs) is emit-tflite-fold-pad.test.ts.
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { TFLITE_DIR } from './tflite-host.js';
import { K, buildProgram, expectSameBytes, integerTiling } from './int-tiled-helpers.js';

const tmp = makeTempDir('memplan-fold-pad-slow-');
afterAll(() => removeDir(tmp));

const file = path.join(TFLITE_DIR, 'mobilenet_v2_quantized_1x3x224x224.tflite');

function analyze(graphOpt: boolean, sramBytes: number, cores = 1, dramBytes?: number): Promise<Analysis> {
  const target = applyOverrides(DEFAULT_TARGET, { sramBytes, cores, ...(dramBytes !== undefined ? { dramBytes } : {}) });
  return analyzeModel(readFileSync(file), { modelName: 'mobilenet_v2.tflite', graphOpt, target });
}

function formulaInput(n: number, seed: number): Int8Array {
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 7919 + seed * 104729) % 256) - 128;
  return x;
}

describe('MobileNetV2-224 int8 with its PADs folded into the convolutions', () => {
  it('graph level, no DRAM: 18 folds, peak 2451840 -> 1505280 bytes', async () => {
    const on = await analyze(true, 16 * 1024 * K, 1, 0);
    const off = await analyze(false, 16 * 1024 * K, 1, 0);
    expect(on.optimized.rewrites.filter((r) => r.pass === 'fold-pad')).toHaveLength(18);
    expect(on.graph.nodes.filter((n) => n.opType === 'PAD')).toEqual([]);
    expect(off.graph.nodes.filter((n) => n.opType === 'PAD')).toHaveLength(18);
    expect(off.report.optimizedPeakBytes).toBe(2451840);
    expect(on.report.optimizedPeakBytes).toBe(1505280);
    expect(on.report.optimizedPeakBytes).toBe(112 * 112 * 96 + 56 * 56 * 96);
  }, 300_000);

  it('the C gives --no-graph-opt\'s bytes: whole, and at 64K with DRAM on 1 and 4 cores, poison', async () => {
    const t0 = Date.now();
    const run0 = buildProgram(await analyze(false, 16 * 1024 * K), path.join(tmp, 'off'), 'model_host');
    const runs = [buildProgram(await analyze(true, 16 * 1024 * K), path.join(tmp, 'on'), 'model_host')];
    for (const cores of [1, 4]) {
      const a = await analyze(true, 64 * K, cores);
      expect(a.report.fits).toBe(true);
      const t = integerTiling(a);
      expect(t.splitOps).toEqual(expect.arrayContaining(['CONV_2D', 'DEPTHWISE_CONV_2D']));
      expect(t.splitOps).not.toContain('PAD');
      // The convolutions that read a folded PAD run on row tiles, or band by band inside the streaming
      // depth-first segments chosen with DRAM (1 core: 16 segments; their members are the segment
      // node's, at the segment's step).
      const layers = a.graph.nodes.flatMap((n, step) => (n.segment ? n.segment.members.map((m) => ({ m, step })) : [{ m: n, step }]));
      const folded = layers.filter(({ m }) => m.attributes.get('padding')?.value === 'EXPLICIT');
      expect(folded).toHaveLength(18);
      expect(folded.filter(({ step }) => a.graph.nodes[step]!.segment !== undefined || a.schedule.layers[step]!.tile.tileCount > 1).length).toBeGreaterThanOrEqual(10);
      runs.push(buildProgram(a, path.join(tmp, `tiled-${cores}`), 'model_host_poison'));
    }
    for (const seed of [1, 2]) {
      const x = formulaInput(3 * 224 * 224, seed);
      const want = run0([x]);
      for (const run of runs) expectSameBytes(run([x]), want);
    }
    console.log(`MobileNetV2-224 fold-pad C: 4 builds equal --no-graph-opt (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }, 900_000);
});
