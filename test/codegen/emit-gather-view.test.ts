/**
 * Gather with constant consecutive indices along an axis with only 1s before it (ViT's class token
 * `x[:, 0]`) is a view: the output is a contiguous block of rows of the input, so it joins the input's
 * storage at that block's offset and emits no code (split-views). Computed whole, vit_tiny_32's
 * class-token Gather needed the whole [1, 65, 128] tensor in SRAM (33280 bytes) even with DRAM.
 * A scalar index, a negative one and a consecutive list become views; non-consecutive indices keep
 * their copy. Through generated C against onnxruntime-web with no DRAM at the SRAM the plan needs and
 * with DRAM on 2 cores, both in poison mode; a wrong row offset must show.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, attr, tensor } from '../../fixtures/onnx-writer.js';
import { analyzeModel } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { buildAndRun, compare, ortRun, seededFloats } from '../helpers/ort-reference.js';

const tmp = makeTempDir('memplan-emit-gather-view-');
afterAll(() => removeDir(tmp));

const OUTPUTS = ['y0', 'y1', 'y2', 'y3'];

function model(): Uint8Array {
  const g = new OnnxGraphBuilder('gather-view');
  g.input('x', 'float32', [1, 5, 8]);
  g.node('Relu', ['x'], ['a'], { name: 'relu' });
  g.initializer('i2', tensor.int64([], [2]));
  g.node('Gather', ['a', 'i2'], ['g'], { name: 'row2', attributes: { axis: attr.int(1) } }); // [1, 8]
  g.initializer('im1', tensor.int64([], [-1]));
  g.node('Gather', ['a', 'im1'], ['l'], { name: 'last', attributes: { axis: attr.int(1) } }); // row 4
  g.initializer('i13', tensor.int64([3], [1, 2, 3]));
  g.node('Gather', ['a', 'i13'], ['m'], { name: 'rows13', attributes: { axis: attr.int(1) } }); // [1, 3, 8]
  g.initializer('i02', tensor.int64([2], [0, 2]));
  g.node('Gather', ['a', 'i02'], ['k'], { name: 'rows02', attributes: { axis: attr.int(1) } }); // a copy
  g.node('Sigmoid', ['g'], ['y0'], { name: 'o0' });
  g.node('Neg', ['l'], ['y1'], { name: 'o1' });
  g.node('Tanh', ['m'], ['y2'], { name: 'o2' });
  g.node('Exp', ['k'], ['y3'], { name: 'o3' });
  g.output('y0', 'float32', [1, 8]);
  g.output('y1', 'float32', [1, 8]);
  g.output('y2', 'float32', [1, 3, 8]);
  g.output('y3', 'float32', [1, 2, 8]);
  return g.encode({ opset: 13 });
}

async function analyze(bytes: Uint8Array, o: { sramBytes: number; dramBytes?: number; cores?: number }): Promise<Analysis> {
  return analyzeModel(bytes, { modelName: 'gather-view.onnx', target: applyOverrides(DEFAULT_TARGET, o) });
}

describe('Gather of consecutive constant rows is a view', () => {
  const bytes = model();
  const x = seededFloats(40, 5);
  let ref: Float32Array[] | undefined;
  const reference = async () => (ref ??= await ortRun(bytes, [{ name: 'x', shape: [1, 5, 8], data: x }], OUTPUTS));
  const check = async (a: Analysis, name: string) => {
    const got = buildAndRun(a, join(tmp, name), { label: name, poison: true }, [x]);
    const want = await reference();
    return got.map((g, i) => compare(g, want[i]!).worst);
  };

  it('scalar, negative and consecutive indices become views at their row offsets; others keep the copy', async () => {
    const a = await analyze(bytes, { sramBytes: 256 * 1024 });
    expect(a.optimized.rewrites.filter((r) => r.pass === 'split-views').flatMap((r) => r.nodes).sort()).toEqual(['last', 'row2', 'rows13']);
    const s = a.schedule;
    const buf = s.bufferOfTensor.get('a')!;
    for (const t of ['g', 'l', 'm']) expect(s.bufferOfTensor.get(t)).toBe(buf);
    expect(s.bufferOfTensor.get('k')).not.toBe(buf);
    // A row of 8 floats is 32 bytes.
    expect(['g', 'l', 'm'].map((t) => s.offsetOfTensor?.get(t) ?? 0)).toEqual([64, 128, 32]);
    const byName = new Map(s.layers.map((l) => [l.name, l]));
    for (const n of ['row2', 'last', 'rows13']) expect(byName.get(n)!.template).toBe('view');
    expect(byName.get('rows02')!.template).not.toBe('view');
  });

  it('no DRAM at the SRAM the plan needs, poison', async () => {
    const probe = await analyze(bytes, { sramBytes: 16, dramBytes: 0 });
    const a = await analyze(bytes, { sramBytes: probe.report.minSramBytes!, dramBytes: 0 });
    expect(a.report.fits).toBe(true);
    expect(await check(a, 'nodram')).toEqual(OUTPUTS.map(() => ''));
  }, 120_000);

  it('with DRAM on 2 cores, poison', async () => {
    const a = await analyze(bytes, { sramBytes: 256, cores: 2 });
    expect(a.report.fits, a.report.failures.map((f) => f.message).join('; ')).toBe(true);
    expect(await check(a, 'dram')).toEqual(OUTPUTS.map(() => ''));
  }, 120_000);

  it('a wrong row offset shows in the outputs', async () => {
    const a = await analyze(bytes, { sramBytes: 256 * 1024 });
    const offsets = new Map(a.schedule.offsetOfTensor);
    offsets.set('g', 0); // row 0 instead of row 2
    const wrong: Analysis = { ...a, schedule: { ...a.schedule, offsetOfTensor: offsets } };
    expect((await check(wrong, 'wrong'))[0]).not.toBe('');
  }, 120_000);
});
