/**
 * Slow suite (MEMPLAN_SLOW=1): MobileNetV2 int8 (.tflite, 1x3x224x224 NCHW input) with no DRAM at
 * exactly the smallest SRAM that `--dram 0 --min-sram` reports, 166368 bytes (189632 without the
 * overlay, 2451840 without segments): the first segment runs TRANSPOSE_0 .. CONV_2D_18 in 2-D tiles
 * of one output element of its 28x28x32 output, the PADs folded into the VALID convolutions that read
 * them, the residual ADD inside, and writes its output 1824 bytes before its input, over the input's
 * rows it has read for the last time. The generated C in poison mode (the input poisoned when it dies,
 * but for the bytes the output holds), on 1 and on 4 cores (segments run on one core, in order), gives
 * the same output bytes as the C without segments, and its MAC counter build counts the members' MACs
 * plus the extra MACs reported; one byte less does not fit.
 * With DRAM at 64000 bytes on 1 core, line-buffer segments stream their input and output rows by DMA
 * (PADs folded into the depthwise convolutions): the same bytes.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { TFLITE_DIR } from './tflite-host.js';
import { analyzeModel } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { analyzeNoDram, expectSameAsUnsegmented, int8Input, overlaysInPlan, runC, tfliteGraph } from './df-int-helpers.js';

const tmp = makeTempDir('memplan-emit-df-int-slow-');
afterAll(() => removeDir(tmp));

describe('MobileNetV2 int8 (.tflite) through generated C at its --dram 0 --min-sram size', () => {
  const g = tfliteGraph(path.join(TFLITE_DIR, 'mobilenet_v2_quantized_1x3x224x224.tflite'));
  const input = int8Input(3 * 224 * 224, 1);
  for (const cores of [1, 4]) {
    it(`${cores} core${cores > 1 ? 's' : ''}, poison: the unsegmented C's bytes`, async () => {
      // As the CLI finds it: from the default SRAM size, with findMinSram.
      const probe = await analyzeNoDram(g, 'mobilenet_v2_quantized', { sramBytes: 256 * 1024, cores, findMinSram: true });
      const min = probe.report.minSramBytes!;
      expect(min).toBe(166368);
      const a = await analyzeNoDram(g, 'mobilenet_v2_quantized', { sramBytes: min, cores });
      expect((await analyzeNoDram(g, 'mobilenet_v2_quantized', { sramBytes: min - 1, cores })).report.fits).toBe(false);
      const first = a.report.layers[0]!;
      expect(first.nodes[0]).toBe('TRANSPOSE_0');
      expect(first.nodes.at(-1)).toBe('CONV_2D_18');
      expect(first.nodes).toContain('ADD_14');
      expect(first.segment!.mode).toBe('tiles');
      expect([first.segment!.tileRows, first.segment!.patchCols, first.segment!.rowTiles, first.segment!.patches]).toEqual([1, 1, 28, 28]);
      // The input, the lag before it where the output starts, and the busiest member's region buffers:
      // DEPTHWISE_CONV_2D_8's 11x11x96 window of CONV_2D_6's output (PAD_7 folded) and its 5x5x96 output.
      expect(first.segment!.lineBufferBytes).toBe(11 * 11 * 96 + 5 * 5 * 96);
      expect(first.segment!.overlay!.lagBytes).toBe(1824);
      expect(first.sramBytes - first.segment!.lineBufferBytes).toBe(150528 + 1824);
      expect(overlaysInPlan(a)).toBe(1);
      const plain = await analyzeNoDram(g, 'mobilenet_v2_quantized', { sramBytes: 8 << 20, cores, depthFirst: false });
      const ref = runC(plain, path.join(tmp, `plain-${cores}`), [input]);
      expectSameAsUnsegmented(a, ref, path.join(tmp, `min-${cores}`), [input]);
      console.log(`mobilenet_v2_quantized | ${cores} core(s) | SRAM ${min} | extra MACs ${first.segment!.extraMacs} | cycles ${first.cycles}`);
    }, 1_800_000);
  }

  it('with DRAM at 64000 bytes of SRAM, 1 core, poison: line-buffer segments streaming by DMA give the unsegmented C\'s bytes', async () => {
    const bytes = readFileSync(path.join(TFLITE_DIR, 'mobilenet_v2_quantized_1x3x224x224.tflite'));
    const target = applyOverrides(DEFAULT_TARGET, { sramBytes: 64000, cores: 1 });
    const a = await analyzeModel(bytes, { modelName: 'mobilenet_v2_quantized', target });
    const plain = await analyzeModel(bytes, { modelName: 'mobilenet_v2_quantized', target, depthFirst: false });
    const segments = a.report.layers.filter((l) => l.segment);
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.some((l) => l.dmaInBytes > 0 && l.nodes.some((n) => n.startsWith('PAD_')))).toBe(true);
    expectSameAsUnsegmented(a, runC(plain, path.join(tmp, 'dram-plain'), [input]), path.join(tmp, 'dram'), [input]);
  }, 1_800_000);
});
