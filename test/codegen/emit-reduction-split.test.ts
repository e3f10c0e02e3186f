/**
 * Reduction splits through generated C (issue 10, point 2): a Conv whose smallest output tile does not
 * fit is tiled over its input channels too, accumulating float32 partial sums in an accumulator tile
 * that stays in SRAM while the input-channel slices stream by DMA; bias, the fused activation and a
 * fused residual Add are applied once, after the last slice. A small hand-built model, forced into
 * reduction splits by a small SRAM with DRAM, compared with onnxruntime-web in poison mode, on 1 and
 * 4 cores. The schedule passes the independent invariant checks (every output element finished
 * exactly once, DMA windows inside their tensors and tiles). Gemm (transB 0 and 1, alpha, beta, C) splits K
 * too: alpha and C are applied after the last slice (mpg_gemm_finish).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, attr, tensor } from '../../fixtures/onnx-writer.js';
import { analyzeModel } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import type { LayerSchedule } from '../../src/ir/loop.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { buildAndRun, compare, ortRun, seededFloats } from '../helpers/ort-reference.js';
import { checkCopies, checkLayer } from '../helpers/schedule-invariants.js';

const tmp = makeTempDir('memplan-emit-reduction-');
afterAll(() => removeDir(tmp));

const weights = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * 0.3);

/**
 * x[1,24,10,10] -> Conv 3x3 (24->16, bias) + Relu -> a; Conv 3x3 (16->16, bias) on a -> c2;
 * Conv 3x3 (24->16) on x, + c2 (a fused residual) + Relu -> y.
 */
function model(): Uint8Array {
  const g = new OnnxGraphBuilder('reduction');
  g.input('x', 'float32', [1, 24, 10, 10]);
  g.initializer('w1', tensor.float32([16, 24, 3, 3], weights(16 * 24 * 9, 1)));
  g.initializer('b1', tensor.float32([16], weights(16, 2)));
  g.node('Conv', ['x', 'w1', 'b1'], ['c1'], { name: 'c1', attributes: { pads: attr.ints([1, 1, 1, 1]) } });
  g.node('Relu', ['c1'], ['a'], { name: 'relu1' });
  g.initializer('w0', tensor.float32([16, 24, 3, 3], weights(16 * 24 * 9, 5)));
  g.node('Conv', ['x', 'w0'], ['r'], { name: 'c0', attributes: { pads: attr.ints([1, 1, 1, 1]) } });
  g.initializer('w2', tensor.float32([16, 16, 3, 3], weights(16 * 16 * 9, 3)));
  g.initializer('b2', tensor.float32([16], weights(16, 4)));
  g.node('Conv', ['a', 'w2', 'b2'], ['c2'], { name: 'c2', attributes: { pads: attr.ints([1, 1, 1, 1]) } });
  g.node('Add', ['c2', 'r'], ['s'], { name: 'residual' });
  g.node('Relu', ['s'], ['y'], { name: 'relu2' });
  g.output('y', 'float32', [1, 16, 10, 10]);
  return g.encode({ opset: 13 });
}

async function analyze(bytes: Uint8Array, o: { sramBytes: number; dramBytes?: number; cores?: number }): Promise<Analysis> {
  return analyzeModel(bytes, { modelName: 'reduction.onnx', target: applyOverrides(DEFAULT_TARGET, o), doubleBuffer: true });
}

const reductionOf = (l: LayerSchedule) => l.tile.splits.find((s) => s.reduction);

describe('reduction splits (input channels of Conv) through generated C', () => {
  const bytes = model();
  const x = seededFloats(2400, 5);
  let ref: Float32Array | undefined;
  const reference = async () => (ref ??= (await ortRun(bytes, [{ name: 'x', shape: [1, 24, 10, 10], data: x }], ['y']))[0]!);

  it('splits input channels only when no output tile fits, with an accumulator tile in the footprint', async () => {
    // Roomy SRAM: no reduction split anywhere.
    const roomy = await analyze(bytes, { sramBytes: 64 * 1024 });
    expect(roomy.schedule.layers.some((l) => reductionOf(l))).toBe(false);
    // The smallest output tile of c1 reads all 24 input channels of 3 rows: 24*3*10*4 = 2880 bytes;
    // c2's, 16 channels of 3 rows, the output row and the residual's: 1920 + 40 + 40 bytes.
    const a = await analyze(bytes, { sramBytes: 1536 });
    expect(a.report.fits).toBe(true);
    const c1 = a.schedule.layers.find((l) => l.name === 'c1')!;
    const red = reductionOf(c1)!;
    expect(red).toMatchObject({ dim: 1, extent: 24 });
    expect(red.size).toBeLessThan(24);
    const acc = c1.buffers.find((b) => b.kind === 'accumulator')!;
    expect(acc.dtype).toBe('float32');
    expect(acc.sizeBytes).toBe(acc.shape.reduce((p, d) => p * d, 1) * 4);
    expect(c1.stats.accumulatorBytes).toBe(acc.sizeBytes * acc.copies);
    // The report shows the accumulator: per-layer bytes, the k split in the schedule, its buffer kind.
    const row = a.report.layers.find((l) => l.name === 'c1')!;
    expect(row.accumulatorBytes).toBe(acc.sizeBytes);
    expect(row.schedule).toMatch(/ k1:\d+\/24/);
    expect(a.report.buffers.find((b) => b.name === acc.name)!.kind).toBe('accumulator');
    for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
    expect(checkCopies(a.schedule, a.bufferSet)).toEqual([]);
  });

  for (const cores of [1, 4]) {
    it(`with DRAM at 1.5 KiB, ${cores} core(s), poison: matches onnxruntime-web`, async () => {
      const a = await analyze(bytes, { sramBytes: 1536, cores });
      expect(a.report.fits).toBe(true);
      const split = a.schedule.layers.filter((l) => reductionOf(l)).map((l) => l.name);
      // c0 carries the fused residual Add (of c2's output) and Relu: applied after its last slice.
      expect(split).toEqual(expect.arrayContaining(['c1', 'c0', 'c2']));
      expect(a.report.layers.find((l) => l.name === 'c0')!.nodes).toEqual(['c0', 'residual', 'relu2']);
      if (cores > 1) expect(a.schedule.layers.some((l) => reductionOf(l) && l.tile.cores > 1)).toBe(true);
      for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
      const [got] = buildAndRun(a, join(tmp, `c${cores}`), { label: `reduction ${cores}c`, poison: true }, [x]);
      expect(compare(got!, await reference()).worst).toBe('');
    }, 120_000);
  }
});

/** x[8,512] -> Gemm (B [40,512] transposed, C [40], alpha 0.75, beta 1.25) -> Relu -> y. */
function gemmModel(transB: number): Uint8Array {
  const g = new OnnxGraphBuilder('gemm-k');
  g.input('x', 'float32', [8, 512]);
  g.initializer('B', tensor.float32(transB ? [40, 512] : [512, 40], weights(512 * 40, 6)));
  g.initializer('C', tensor.float32([40], weights(40, 7)));
  g.node('Gemm', ['x', 'B', 'C'], ['s'], { name: 'gemm', attributes: { transB: attr.int(transB), alpha: attr.float(0.75), beta: attr.float(1.25) } });
  g.node('Relu', ['s'], ['y'], { name: 'relu' });
  g.output('y', 'float32', [8, 40]);
  return g.encode({ opset: 13 });
}

describe('reduction splits (K of Gemm) through generated C', () => {
  const x = seededFloats(8 * 512, 9);
  for (const transB of [0, 1]) {
    for (const cores of [1, 4]) {
      it(`Gemm transB ${transB}, alpha and beta, with DRAM at ${cores === 1 ? '1.5' : '2'} KiB, ${cores} core(s), poison: K split, alpha * sum + beta * C after the last slice; matches onnxruntime-web`, async () => {
        const bytes = gemmModel(transB);
        const a = await analyze(bytes, { sramBytes: cores === 1 ? 1536 : 2048, cores });
        expect(a.report.fits).toBe(true);
        const gemm = a.schedule.layers.find((l) => l.op === 'Gemm')!;
        expect(reductionOf(gemm)).toMatchObject({ dim: 1, extent: 512 });
        if (cores > 1) expect(gemm.tile.cores).toBeGreaterThan(1);
        for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
        const [want] = await ortRun(bytes, [{ name: 'x', shape: [8, 512], data: x }], ['y']);
        const [got] = buildAndRun(a, join(tmp, `gemm-t${transB}-c${cores}`), { label: `gemm ${transB} ${cores}c`, poison: true }, [x]);
        expect(compare(got!, want!).worst).toBe('');
      }, 120_000);
    }
  }
});
