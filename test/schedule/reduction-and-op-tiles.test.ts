/**
 * Issue 10, points 2 and 3, at the planning level on real models: light_densenet121 at --sram 64K with
 * DRAM fits thanks to reduction splits (its 3x3 convs over 128 channels needed 86240 bytes even with
 * their smallest output tile), and vit_tiny_32 at 64K fits thanks to the tiles of Transpose, Slice,
 * Concat, reductions and batched MatMul (its attention MatMul needed 134160 bytes). Every layer passes
 * the independent invariant checks; the accumulator tiles show in the per-layer footprint, the
 * schedule column and the buffer list. Plus the families of ops the C tests do not reach (no C kernel
 * or another mode): LayerNormalization, Pad in reflect mode, a reduction without keepdims.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { classifyLayer } from '../../src/schedule/templates/index.js';
import { buildGraph } from '../helpers/graph-builder.js';
import { sharedModel } from '../helpers/shared-data.js';
import { checkCopies, checkLayer } from '../helpers/schedule-invariants.js';
import type { TilingFamily } from '../../src/schedule/templates/family.js';
import type { Graph } from '../../src/ir/graph.js';

async function at64k(file: string) {
  const path = sharedModel(file);
  return analyzeModel(new Uint8Array(readFileSync(path)), { modelName: path, target: applyOverrides(DEFAULT_TARGET, { sramBytes: 64 * 1024 }) });
}

describe('real models at --sram 64K with DRAM', () => {
  it('light_densenet121 fits, its wide 3x3 convs split input channels into an accumulator', async () => {
    const a = await at64k('light/light_densenet121.onnx');
    expect(a.report.failures).toEqual([]);
    expect(a.report.fits).toBe(true);
    const n21 = a.schedule.layers.find((l) => l.name === 'n21')!;
    expect(n21.tile.splits.find((s) => s.reduction)).toMatchObject({ dim: 1, extent: 128 });
    const acc = n21.buffers.filter((b) => b.kind === 'accumulator');
    expect(acc).toHaveLength(1);
    const row = a.report.layers.find((l) => l.name === 'n21')!;
    expect(row.accumulatorBytes).toBe(acc[0]!.sizeBytes * acc[0]!.copies);
    expect(row.sramBytes).toBeLessThanOrEqual(65536);
    expect(row.schedule).toMatch(/k1:\d+\/128/);
    expect(a.report.buffers.filter((b) => b.kind === 'accumulator').length).toBeGreaterThan(0);
    for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
    expect(checkCopies(a.schedule, a.bufferSet)).toEqual([]);
  }, 120_000);

  it('vit_tiny_32 fits, its attention streaming in tiles', async () => {
    const a = await at64k('torchvision/vit_tiny_32.onnx');
    expect(a.report.failures).toEqual([]);
    expect(a.report.fits).toBe(true);
    const mm = a.schedule.layers.find((l) => l.name === '/encoder/layers/encoder_layer_0/self_attention/MatMul_1')!;
    expect(mm.tile.tileCount).toBeGreaterThan(1);
    expect(mm.stats.sramBytes).toBeLessThanOrEqual(65536);
    const templates = new Set(a.schedule.layers.map((l) => l.template));
    for (const t of ['transpose', 'slice', 'concat-compute', 'reduce', 'gemm', 'softmax']) expect(templates).toContain(t);
    for (const l of a.schedule.layers) expect(checkLayer(l, a.graph)).toEqual([]);
  }, 120_000);
});

function familyOf(graph: Graph): TilingFamily {
  const k = classifyLayer({ node: graph.nodes[0]!, graph });
  if (k.kind !== 'compute') throw new Error('expected a compute layer');
  return k.family;
}

describe('families of the ops computed whole before', () => {
  it('LayerNormalization splits the dims before its axis only', () => {
    const g = buildGraph({
      inputs: ['x'],
      outputs: ['y'],
      tensors: { x: { shape: [2, 65, 128] }, y: { shape: [2, 65, 128] } },
      weights: { s: [128], b: [128] },
      nodes: [{ name: 'ln', op: 'LayerNormalization', inputs: ['x', 's', 'b'], outputs: ['y'], attributes: { axis: { type: 'int', value: -1 } } }],
    });
    const f = familyOf(g);
    expect(f.template).toBe('layernorm');
    expect(f.splits.map((s) => s.dim)).toEqual([0, 1]);
  });

  it('Pad in reflect mode splits only the dims it does not pad; constant mode any dim, shifted by the pad', () => {
    const pad = (mode: string) =>
      familyOf(
        buildGraph({
          inputs: ['x'],
          outputs: ['y'],
          tensors: { x: { shape: [1, 4, 8, 8] }, y: { shape: [1, 4, 10, 8] } },
          weights: {},
          nodes: [{ name: 'pad', op: 'Pad', inputs: ['x'], outputs: ['y'], attributes: { mode: { type: 'string', value: mode }, pads: { type: 'ints', value: [0, 0, 1, 0, 0, 0, 1, 0] } } }],
        }),
      );
    expect(pad('reflect').splits.map((s) => s.dim)).toEqual([1, 3]);
    const c = pad('constant');
    expect(c.splits.map((s) => s.dim)).toEqual([1, 2]);
    const rows = c.inputs[0]!.follows[1]!;
    expect([rows.dim, rows.offset, rows.limit, rows.extent(3), rows.stride(3)]).toEqual([2, -1, 8, 3, 3]);
  });

  it("Transpose splits its two largest outer dims: a Swin window partition's tile is not a whole window of every channel", () => {
    const transpose = (x: number[], perm: number[]) =>
      familyOf(
        buildGraph({
          inputs: ['x'],
          outputs: ['y'],
          tensors: { x: { shape: x }, y: { shape: perm.map((p) => x[p]!) } },
          weights: {},
          nodes: [{ name: 't', op: 'Transpose', inputs: ['x'], outputs: ['y'], attributes: { perm: { type: 'ints', value: perm } } }],
        }),
      );
    // [1, 2, 7, 2, 7, 192] -> [1, 2, 2, 7, 7, 192]: before, the 2x2 window grid was split (smallest
    // tile 7*7*192 floats, 37632 bytes in and again out); now the window's rows and columns.
    const w = transpose([1, 2, 7, 2, 7, 192], [0, 1, 3, 2, 4, 5]);
    expect(w.splits.map((s) => [s.dim, s.extent])).toEqual([
      [3, 7],
      [4, 7],
    ]);
    expect(w.inputs[0]!.follows.map((f) => f!.dim)).toEqual([2, 4]);
    // The usual 4-D attention transposes keep their outer-first splits.
    expect(transpose([1, 197, 3, 64], [0, 2, 1, 3]).splits.map((s) => s.dim)).toEqual([1, 2]);
    // The innermost dim is split only when fewer than two outer dims are larger than 1.
    expect(transpose([1, 1, 5, 64], [0, 1, 3, 2]).splits.map((s) => s.dim)).toEqual([2, 3]);
  });

  it('a reduction without keepdims splits a kept dim and maps it back to the input', () => {
    const g = buildGraph({
      inputs: ['x'],
      outputs: ['y'],
      tensors: { x: { shape: [1, 6, 10] }, y: { shape: [1, 6] } },
      weights: {},
      nodes: [{ name: 'sum', op: 'ReduceSum', inputs: ['x'], outputs: ['y'], attributes: { axes: { type: 'ints', value: [2] }, keepdims: { type: 'int', value: 0 } } }],
    });
    const f = familyOf(g);
    expect(f.template).toBe('reduce');
    expect(f.splits).toMatchObject([{ dim: 1, extent: 6 }]);
    expect(f.inputs[0]!.follows[0]!.dim).toBe(1);
  });
});
