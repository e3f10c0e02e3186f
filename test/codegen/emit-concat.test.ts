/**
 * Copy-free Concat, Split/Slice views and a fused residual Add through generated C, on a small
 * hand-built model against onnxruntime-web: producers write into their slice of the Concat output,
 * the Split and Slice pieces are read at their offsets inside it, a Conv adds a residual read from
 * one of those pieces, and a Concat on a non-contiguous axis keeps its copy. Checked with no DRAM at
 * exactly the SRAM the plan needs, and with DRAM at a size that tiles every layer (tiles DMA'd to
 * and from their slices) on 2 cores, both in poison mode. A wrong slice offset must show.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, attr, tensor } from '../../fixtures/onnx-writer.js';
import { analyzeModel } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { buildAndRun, compare, ortRun, seededFloats } from '../helpers/ort-reference.js';

const tmp = makeTempDir('memplan-emit-concat-');
afterAll(() => removeDir(tmp));

const weights = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * 0.5);

function model(): Uint8Array {
  const g = new OnnxGraphBuilder('concat');
  g.input('x', 'float32', [1, 4, 8, 8]);
  g.initializer('w1', tensor.float32([4, 4, 1, 1], weights(16, 1)));
  g.initializer('b1', tensor.float32([4], weights(4, 2)));
  g.node('Conv', ['x', 'w1', 'b1'], ['a'], { name: 'c1' });
  g.node('Relu', ['a'], ['ar'], { name: 'relu1' });
  g.initializer('w2', tensor.float32([6, 4, 3, 3], weights(216, 3)));
  g.node('Conv', ['x', 'w2'], ['b'], { name: 'c2', attributes: { pads: attr.ints([1, 1, 1, 1]) } });
  g.node('Concat', ['ar', 'b'], ['cat'], { name: 'cat', attributes: { axis: attr.int(1) } }); // 1x10x8x8
  g.initializer('parts', tensor.int64([2], [3, 7]));
  g.node('Split', ['cat', 'parts'], ['p', 'q'], { name: 'split', attributes: { axis: attr.int(1) } });
  g.initializer('w3', tensor.float32([3, 7, 3, 3], weights(189, 4)));
  g.node('Conv', ['q', 'w3'], ['r'], { name: 'c3', attributes: { pads: attr.ints([1, 1, 1, 1]) } });
  g.node('Add', ['r', 'p'], ['s'], { name: 'residual' });
  g.node('Relu', ['s'], ['t'], { name: 'relu3' });
  g.initializer('st', tensor.int64([1], [1]));
  g.initializer('en', tensor.int64([1], [4]));
  g.initializer('ax', tensor.int64([1], [1]));
  g.node('Slice', ['cat', 'st', 'en', 'ax'], ['sl'], { name: 'slice' }); // channels 1..3
  g.node('Mul', ['t', 'sl'], ['y'], { name: 'mul' });
  g.node('Concat', ['t', 'y'], ['z'], { name: 'rows', attributes: { axis: attr.int(2) } }); // 1x3x16x8: a copy
  g.output('z', 'float32', [1, 3, 16, 8]);
  return g.encode({ opset: 13 });
}

async function analyze(bytes: Uint8Array, o: { sramBytes: number; dramBytes?: number; cores?: number }): Promise<Analysis> {
  return analyzeModel(bytes, { modelName: 'concat.onnx', target: applyOverrides(DEFAULT_TARGET, o) });
}

describe('copy-free Concat, Split/Slice views and a fused residual through generated C', () => {
  const bytes = model();
  const x = seededFloats(256, 11);
  let ref: Float32Array | undefined;
  const reference = async () => (ref ??= (await ortRun(bytes, [{ name: 'x', shape: [1, 4, 8, 8], data: x }], ['z']))[0]!);

  it('the passes fire, and the schedule places producers in their slices', async () => {
    const a = await analyze(bytes, { sramBytes: 256 * 1024 });
    const passes = a.optimized.rewrites.map((r) => r.pass);
    expect(passes).toContain('copy-free-concat');
    expect(passes).toContain('split-views');
    expect(a.optimized.rewrites.find((r) => r.pass === 'copy-free-concat')!.nodes).toEqual(['cat']);
    expect(a.optimized.layers.map((l) => l.nodes)).toContainEqual(['c3', 'residual', 'relu3']);
    const s = a.schedule;
    const cat = s.bufferOfTensor.get('cat')!;
    for (const t of ['ar', 'b', 'p', 'q', 'sl']) expect(s.bufferOfTensor.get(t)).toBe(cat);
    // Byte offsets inside the Concat output: a 4-channel slice of 8x8 floats is 1024 bytes.
    expect(['ar', 'b', 'p', 'q', 'sl'].map((t) => s.offsetOfTensor?.get(t) ?? 0)).toEqual([0, 1024, 0, 768, 256]);
    const byName = new Map(s.layers.map((l) => [l.name, l]));
    expect(byName.get('cat')!.template).toBe('view');
    expect(byName.get('split')!.template).toBe('view');
    expect(byName.get('slice')!.template).toBe('view');
    // The Concat on rows is not contiguous: it keeps its copy.
    expect(byName.get('rows')!.template).toBe('concat');
    // One buffer from the first producer to the last reader of any piece.
    const buf = a.bufferSet.buffers.find((b) => b.name === cat)!;
    expect(buf.sizeBytes).toBe(10 * 64 * 4);
    expect(a.report.layers.find((l) => l.name === 'cat')!.nodes).toEqual(['cat']);
  });

  it('no DRAM at the SRAM the plan needs, poison', async () => {
    const probe = await analyze(bytes, { sramBytes: 16, dramBytes: 0 });
    const need = probe.report.minSramBytes!;
    expect(need).toBeGreaterThanOrEqual(probe.report.optimizedPeakBytes);
    const a = await analyze(bytes, { sramBytes: need, dramBytes: 0 });
    expect(a.report.fits).toBe(true);
    const [got] = buildAndRun(a, join(tmp, 'nodram'), { label: 'no DRAM', poison: true }, [x]);
    expect(compare(got!, await reference()).worst).toBe('');
  }, 120_000);

  it('with DRAM, tiles DMA\'d to and from their slices, on 2 cores, poison', async () => {
    const a = await analyze(bytes, { sramBytes: 1024, cores: 2 });
    expect(a.report.fits).toBe(true);
    const tiled = a.schedule.layers.filter((l) => l.tile.tileCount > 1).map((l) => l.name);
    expect(tiled).toEqual(expect.arrayContaining(['c2', 'c3']));
    expect(a.schedule.activations.find((b) => b.name === a.schedule.bufferOfTensor.get('cat'))!.scope).toBe('global');
    const [got] = buildAndRun(a, join(tmp, 'tiled'), { label: 'tiled', poison: true }, [x]);
    expect(compare(got!, await reference()).worst).toBe('');
  }, 120_000);

  it('a wrong slice offset shows in the outputs', async () => {
    const a = await analyze(bytes, { sramBytes: 256 * 1024 });
    const offsets = new Map(a.schedule.offsetOfTensor);
    offsets.set('b', 0); // the second producer over the first one's slice
    const wrong: Analysis = { ...a, schedule: { ...a.schedule, offsetOfTensor: offsets } };
    const [got] = buildAndRun(wrong, join(tmp, 'wrong'), { label: 'wrong', poison: true }, [x]);
    expect(compare(got!, await reference()).worst).not.toBe('');
  }, 120_000);
});
