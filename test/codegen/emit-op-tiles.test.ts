/**
 * Tiles for the ops that were computed whole (issue 10, point 3) through generated C: Transpose,
 * Slice (strided), Pad (constant), a Concat with a constant operand, Resize along its unscaled
 * channels, ReduceMean along its kept dims, an attention block (batched MatMul of two activations,
 * Softmax, batched MatMul again), a batched MatMul with a constant B, and a 2-D MatMul whose K is split
 * (a reduction with an accumulator tile). A small hand-built model at a small SRAM with DRAM, so that
 * every one of them is split; compared with onnxruntime-web in poison mode on 1 and 4 cores. The
 * schedule passes the independent invariant checks.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, attr, tensor } from '../../fixtures/onnx-writer.js';
import { generateC } from '../../src/codegen/generate.js';
import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { buildAndRun, compare, ortRun, seededFloats } from '../helpers/ort-reference.js';
import { checkCopies, checkLayer } from '../helpers/schedule-invariants.js';

const tmp = makeTempDir('memplan-emit-op-tiles-');
afterAll(() => removeDir(tmp));

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 5.3 + i * 0.9) * 0.4);

/** Input x [1,8,6,10] of `dtype`, Transpose (perm 0,2,1,3) -> t1, strided Slice -> s1 [1,6,3,10], and the Pad pads (1x6x5x13). */
function transposeSliceAndPads(g: OnnxGraphBuilder, dtype: 'float32' | 'int32'): void {
  g.input('x', dtype, [1, 8, 6, 10]);
  g.node('Transpose', ['x'], ['t1'], { name: 'transpose', attributes: { perm: attr.ints([0, 2, 1, 3]) } }); // 1x6x8x10
  g.initializer('s_st', tensor.int64([1], [1]));
  g.initializer('s_en', tensor.int64([1], [7]));
  g.initializer('s_ax', tensor.int64([1], [2]));
  g.initializer('s_sp', tensor.int64([1], [2]));
  g.node('Slice', ['t1', 's_st', 's_en', 's_ax', 's_sp'], ['s1'], { name: 'slice' }); // 1x6x3x10
  g.initializer('pads', tensor.int64([8], [0, 0, 1, 2, 0, 0, 1, 1]));
}

function model(): Uint8Array {
  const g = new OnnxGraphBuilder('op-tiles');
  transposeSliceAndPads(g, 'float32');
  g.initializer('pval', tensor.float32([], [0.5]));
  g.node('Pad', ['s1', 'pads', 'pval'], ['p1'], { name: 'pad' }); // 1x6x5x13
  g.initializer('extra', tensor.float32([1, 6, 5, 3], values(90, 1)));
  g.node('Concat', ['p1', 'extra'], ['c1'], { name: 'concat', attributes: { axis: attr.int(3) } }); // 1x6x5x16
  g.initializer('scales', tensor.float32([4], [1, 1, 2, 1]));
  g.node('Resize', ['c1', '', 'scales'], ['r1'], { name: 'resize', attributes: { mode: attr.string('nearest') } }); // 1x6x10x16
  g.node('ReduceMean', ['r1'], ['m1'], { name: 'mean', attributes: { axes: attr.ints([3]), keepdims: attr.int(1) } }); // 1x6x10x1
  g.node('Sub', ['r1', 'm1'], ['d1'], { name: 'sub' });
  g.initializer('qshape', tensor.int64([3], [6, 10, 16]));
  g.node('Reshape', ['d1', 'qshape'], ['q'], { name: 'reshape_q' });
  g.node('Transpose', ['q'], ['k'], { name: 'transpose_k', attributes: { perm: attr.ints([0, 2, 1]) } }); // 6x16x10
  g.node('MatMul', ['q', 'k'], ['att'], { name: 'scores' }); // 6x10x10
  g.node('Softmax', ['att'], ['sm'], { name: 'softmax', attributes: { axis: attr.int(-1) } });
  g.node('MatMul', ['sm', 'q'], ['o'], { name: 'context' }); // 6x10x16
  g.initializer('wo', tensor.float32([16, 12], values(192, 2)));
  g.node('MatMul', ['o', 'wo'], ['w'], { name: 'project' }); // 6x10x12
  g.initializer('fshape', tensor.int64([2], [1, 720]));
  g.node('Reshape', ['w', 'fshape'], ['f'], { name: 'flatten' });
  g.initializer('wk', tensor.float32([720, 8], values(5760, 3)));
  g.node('MatMul', ['f', 'wk'], ['h'], { name: 'head' }); // 1x8: K = 720
  g.initializer('hb', tensor.float32([8], values(8, 4)));
  g.node('Add', ['h', 'hb'], ['y'], { name: 'bias' });
  g.output('y', 'float32', [1, 8]);
  g.output('sm', 'float32', [6, 10, 10]);
  return g.encode({ opset: 13 });
}

async function analyze(bytes: Uint8Array, o: { sramBytes: number; dramBytes?: number; cores?: number }): Promise<Analysis> {
  return analyzeModel(bytes, { modelName: 'op-tiles.onnx', target: applyOverrides(DEFAULT_TARGET, o), doubleBuffer: true });
}

const SPLIT = ['transpose', 'slice', 'pad', 'concat', 'resize', 'mean', 'transpose_k', 'scores', 'context', 'project', 'head'];

describe('tiles of Transpose, Slice, Pad, Concat, Resize, reductions and batched MatMul through generated C', () => {
  const bytes = model();
  const x = seededFloats(480, 9);
  let ref: Float32Array[] | undefined;
  const reference = async () => (ref ??= await ortRun(bytes, [{ name: 'x', shape: [1, 8, 6, 10], data: x }], ['y', 'sm']));

  it('roomy SRAM: one whole tile each; small SRAM: every one of them split', async () => {
    const roomy = await analyze(bytes, { sramBytes: 256 * 1024 });
    for (const name of SPLIT) expect(roomy.schedule.layers.find((l) => l.name === name)!.tile.tileCount).toBe(1);
    const a = await analyze(bytes, { sramBytes: 2048 });
    expect(a.report.fits).toBe(true);
    const byName = new Map(a.schedule.layers.map((l) => [l.name, l]));
    for (const name of SPLIT) expect([name, byName.get(name)!.tile.tileCount > 1]).toEqual([name, true]);
    expect(byName.get('transpose')!.template).toBe('transpose');
    expect(byName.get('concat')!.template).toBe('concat-compute');
    // Resize splits channels only (the rows are resized); the reduction a kept dim.
    expect(byName.get('resize')!.tile.splits.map((s) => s.dim)).toEqual([1]);
    expect(byName.get('mean')!.tile.splits.map((s) => s.dim)).toEqual([1]);
    // The attention MatMuls split batch (heads) and rows.
    expect(byName.get('scores')!.tile.splits.some((s) => s.dim === 0 || s.dim === 1)).toBe(true);
    // The head's K (720) is a reduction split with an accumulator tile.
    const head = byName.get('head')!;
    expect(head.tile.splits.find((s) => s.reduction)).toMatchObject({ dim: 1, extent: 720 });
    expect(head.buffers.some((b) => b.kind === 'accumulator')).toBe(true);
    expect(a.report.layers.find((l) => l.name === 'head')!.accumulatorBytes).toBeGreaterThan(0);
    for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
    expect(checkCopies(a.schedule, a.bufferSet)).toEqual([]);
  });

  for (const cores of [1, 4]) {
    it(`with DRAM at 1.5 KiB, ${cores} core(s), poison: matches onnxruntime-web`, async () => {
      const a = await analyze(bytes, { sramBytes: 1536, cores });
      expect(a.report.fits).toBe(true);
      for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
      if (cores > 1) expect(a.schedule.layers.filter((l) => l.tile.cores > 1).length).toBeGreaterThan(3);
      const got = buildAndRun(a, join(tmp, `c${cores}`), { label: `op tiles ${cores}c`, poison: true }, [x]);
      const want = await reference();
      got.forEach((g, i) => expect(`output ${i}: ${compare(g, want[i]!).worst}`).toBe(`output ${i}: `));
    }, 120_000);
  }
});

/**
 * The new op families plan any element type (they only move elements), but their C kernels are
 * float32 ones: an ONNX Transpose / Slice / Pad / Concat over int32 tensors is split like a float one
 * and refused by the generator (MP701), never handed to a float kernel. The integer TFLite TRANSPOSE
 * and PAD keep their own families (int-transpose, int-pad).
 */
describe('ONNX data-movement ops over integer tensors', () => {
  function intModel(): Uint8Array {
    const g = new OnnxGraphBuilder('int-moves');
    transposeSliceAndPads(g, 'int32');
    g.node('Pad', ['s1', 'pads'], ['p1'], { name: 'pad' }); // 1x6x5x13
    g.initializer('extra', tensor.int32([1, 6, 5, 3], Array.from({ length: 90 }, (_, i) => i - 45)));
    g.node('Concat', ['p1', 'extra'], ['y'], { name: 'concat', attributes: { axis: attr.int(3) } }); // 1x6x5x16
    g.output('y', 'int32', [1, 6, 5, 16]);
    return g.encode({ opset: 13 });
  }

  it('are split by the float families and refused by the C generator (MP701), not run by float kernels', async () => {
    const a = await analyze(intModel(), { sramBytes: 1024 });
    expect(a.report.fits).toBe(true);
    const byName = new Map(a.schedule.layers.map((l) => [l.name, l]));
    for (const [name, template] of [['transpose', 'transpose'], ['slice', 'slice'], ['pad', 'pad'], ['concat', 'concat-compute']] as const) {
      expect([name, byName.get(name)!.template, byName.get(name)!.tile.tileCount > 1]).toEqual([name, template, true]);
    }
    for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
    expect(() => generateC(toCodegenInput(a))).toThrow(/MP701.*is int32; generated code handles float32 tensors only/);
  });
});

/**
 * LayerNormalization (opset 17) in C, tiled along its rows, after a Pad whose end padding is wider
 * than a tile (a Swin's pad of 24 up to 28: some tiles lie wholly in the padding and read no input).
 * Both were found on a Swin-T at 64K: LayerNormalization had no C kernel (MP701), and the invariant
 * check refused the Pad's empty input windows.
 */
describe('LayerNormalization and a Pad with tiles wholly in the padding, through generated C', () => {
  function lnModel(): Uint8Array {
    const g = new OnnxGraphBuilder('pad-ln');
    g.input('x', 'float32', [1, 5, 6, 16]);
    g.initializer('pads', tensor.int64([8], [0, 0, 0, 0, 0, 4, 3, 0]));
    g.node('Pad', ['x', 'pads'], ['p'], { name: 'pad' }); // 1x9x9x16
    g.initializer('scale', tensor.float32([16], values(16, 5).map((v) => 1 + v)));
    g.initializer('bias', tensor.float32([16], values(16, 6)));
    g.node('LayerNormalization', ['p', 'scale', 'bias'], ['n'], { name: 'ln', attributes: { axis: attr.int(-1), epsilon: attr.float(1e-5) } });
    g.initializer('half', tensor.float32([], [0.5]));
    g.node('LayerNormalization', ['n', 'half'], ['y'], { name: 'ln_splat', attributes: { axis: attr.int(-1) } }); // scale one value, no bias
    g.output('y', 'float32', [1, 9, 9, 16]);
    return g.encode({ opset: 17 });
  }
  const bytes = lnModel();
  const x = seededFloats(480, 11);

  for (const cores of [1, 4]) {
    it(`with DRAM at 1.5 KiB, ${cores} core(s), poison: matches onnxruntime-web`, async () => {
      const a = await analyze(bytes, { sramBytes: 1536, cores });
      expect(a.report.fits).toBe(true);
      const byName = new Map(a.schedule.layers.map((l) => [l.name, l]));
      for (const name of ['pad', 'ln', 'ln_splat']) expect([name, byName.get(name)!.tile.tileCount > 1]).toEqual([name, true]);
      // Some Pad tile reads no input: its rows (5..8) or columns (6..8) lie in the padding only.
      const inPadding = (size: number, from: number) => Array.from({ length: Math.ceil(9 / size) }, (_, k) => k * size).some((start) => start >= from);
      const splits = byName.get('pad')!.tile.splits;
      expect(splits.some((s) => (s.dim === 1 && inPadding(s.size, 5)) || (s.dim === 2 && inPadding(s.size, 6)))).toBe(true);
      for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
      const got = buildAndRun(a, join(tmp, `ln${cores}`), { label: `ln ${cores}c`, poison: true }, [x]);
      const [want] = await ortRun(bytes, [{ name: 'x', shape: [1, 5, 6, 16], data: x }], ['y']);
      expect(compare(got[0]!, want!).worst).toBe('');
    }, 120_000);
  }
});
