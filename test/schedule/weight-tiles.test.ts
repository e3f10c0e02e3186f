/**
 * Weights the cores cannot read (issue 10 point 4): the target's `coreAccess` and `weightsMemory`,
 * weight operands of the tiling families, hand-computed weight-tile footprints (bytes, DMA bytes,
 * double buffering), the chooser splitting output channels further when the weight tile does not fit,
 * then input channels (a reduction split: the weight tile holds the slice's input channels), and the
 * overflow when even one input channel of one output channel does not.
 */
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../helpers/graph-builder.js';
import { classifyLayer } from '../../src/schedule/templates/index.js';
import { withWeightOperands } from '../../src/schedule/templates/weights.js';
import type { TilingFamily } from '../../src/schedule/templates/family.js';
import { chooseTiling, priceTiling } from '../../src/schedule/tiling.js';
import type { TilingContext } from '../../src/schedule/tiling.js';
import { DEFAULT_TARGET, applyOverrides, parseTarget, weightsViaDma } from '../../src/schedule/target.js';
import type { Graph } from '../../src/ir/graph.js';

/** The graph with every weight dense (the builder's weights are splat values, which need no tile). */
function dense(g: Graph): Graph {
  const weights = new Map(
    [...g.weights].map(([n, w]) => [n, { ...w, data: { kind: 'dense' as const, values: new Float32Array(w.shape.reduce((a, b) => a * b, 1)) } }]),
  );
  return { ...g, weights };
}

function familyOf(graph: Graph, withWeights: boolean, step = 0): TilingFamily {
  const node = graph.nodes[step]!;
  const k = classifyLayer({ node, graph });
  if (k.kind !== 'compute') throw new Error('expected a compute layer');
  return withWeights ? withWeightOperands(node, graph, k.family) : k.family;
}

function ctxOf(family: TilingFamily, opts: { cores?: number; doubleBuffer?: boolean } = {}): TilingContext {
  return {
    family,
    isResident: () => false,
    elementBytes: () => 4,
    target: { ...DEFAULT_TARGET, cores: opts.cores ?? 1 },
    cores: opts.cores ?? 1,
    doubleBuffer: opts.doubleBuffer ?? true,
    localBytes: null,
  };
}

// Conv 3x3, pad 1: x 1x8x16x16 -> y 1x16x16x16, weight 16x8x3x3 (4608 B), bias 16 (64 B).
const conv = dense(
  buildGraph({
    inputs: ['x'],
    outputs: ['y'],
    tensors: { x: { shape: [1, 8, 16, 16] }, y: { shape: [1, 16, 16, 16] } },
    weights: { w: [16, 8, 3, 3], b: [16] },
    nodes: [{ name: 'conv', op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attributes: { pads: { type: 'ints', value: [1, 1, 1, 1] }, kernel_shape: { type: 'ints', value: [3, 3] } } }],
  }),
);

// Gemm x 4x32 . B 32x24 (transB 0) + C 24 -> y 4x24.
const gemm = dense(
  buildGraph({
    inputs: ['x'],
    outputs: ['y'],
    tensors: { x: { shape: [4, 32] }, y: { shape: [4, 24] } },
    weights: { B: [32, 24], C: [24] },
    nodes: [{ name: 'fc', op: 'Gemm', inputs: ['x', 'B', 'C'], outputs: ['y'] }],
  }),
);

const DSP = JSON.stringify({
  name: 'dsp',
  memories: [
    { name: 'sram', kind: 'sram', sizeBytes: 65536 },
    { name: 'dram', kind: 'global', coreAccess: false },
  ],
  weightsMemory: 'dram',
});

describe('target: coreAccess and weightsMemory', () => {
  it('coreAccess defaults to true; weights need DMA only when their memory has coreAccess false', () => {
    const t = parseTarget(DSP, 'dsp.json');
    expect(t.memories.map((m) => m.coreAccess ?? true)).toEqual([true, false]);
    expect(weightsViaDma(t)?.name).toBe('dram');
    expect(weightsViaDma(DEFAULT_TARGET)).toBeUndefined();
    const readable = JSON.parse(DSP) as { memories: { coreAccess?: boolean }[] };
    delete readable.memories[1]!.coreAccess;
    expect(weightsViaDma(parseTarget(JSON.stringify(readable), 'dsp.json'))).toBeUndefined();
    // --dram resizes the DRAM and keeps it DMA-only.
    expect(weightsViaDma(applyOverrides(t, { dramBytes: 1 << 20 }))?.sizeBytes).toBe(1 << 20);
  });

  it.each([
    ['a non-boolean coreAccess', { memories: [{ name: 's', kind: 'sram', sizeBytes: 1 }, { name: 'd', kind: 'global', coreAccess: 'no' }] }, /'?memories\[1\]\.coreAccess must be true or false/],
    ['coreAccess false on SRAM', { memories: [{ name: 's', kind: 'sram', sizeBytes: 1, coreAccess: false }] }, /memories\[0\]\.coreAccess false is for a global memory/],
    ['weightsMemory naming no memory', { memories: [{ name: 's', kind: 'sram', sizeBytes: 1 }], weightsMemory: 'flash' }, /'weightsMemory' must name one of the memories \("s"\)/],
    ['weightsMemory not a string', { memories: [{ name: 's', kind: 'sram', sizeBytes: 1 }], weightsMemory: 3 }, /'weightsMemory' must name one of the memories/],
  ])('rejects %s with one MP501 line', (_label, value, pattern) => {
    expect(() => parseTarget(JSON.stringify(value), 't.json')).toThrow(pattern);
    expect(() => parseTarget(JSON.stringify(value), 't.json')).toThrow(/^error MP501: target file [^\n]* \(file t\.json\)$/);
  });

  it('--dram 0 cannot remove the memory that holds the weights', () => {
    expect(() => applyOverrides(parseTarget(DSP, 'dsp.json'), { dramBytes: 0 })).toThrow(/^error MP501: .*holds its weights in memory 'dram', which --dram 0 would remove/);
  });
});

describe('weight operands of the tiling families', () => {
  it('Conv: weight and bias follow the output-channel split along their dim 0; the weight follows the input-channel (reduction) split along its dim 1', () => {
    const fam = familyOf(conv, true);
    // Rows, output channels, input channels (the reduction: dim 1 of x, not an output dim).
    expect(fam.splits.map((s) => [s.dim, s.reduction === true])).toEqual([[2, false], [1, false], [1, true]]);
    const w = fam.inputs.find((o) => o.tensor === 'w')!;
    const b = fam.inputs.find((o) => o.tensor === 'b')!;
    expect(w.follows.map((f) => f?.dim)).toEqual([undefined, 0, 1]);
    expect(w.follows.map((f) => f?.limit)).toEqual([undefined, 16, 8]);
    expect(b.follows.map((f) => f?.dim)).toEqual([undefined, 0, undefined]);
    // Without coreAccess false nothing changes: weights are not operands.
    expect(familyOf(conv, false).inputs.map((o) => o.tensor)).toEqual(['x']);
  });

  it('splat weights are values in the code: no tile', () => {
    const splat = buildGraph({
      inputs: ['x'], outputs: ['y'], tensors: { x: { shape: [1, 8, 16, 16] }, y: { shape: [1, 16, 16, 16] } }, weights: { w: [16, 8, 3, 3] },
      nodes: [{ name: 'conv', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: { pads: { type: 'ints', value: [1, 1, 1, 1] }, kernel_shape: { type: 'ints', value: [3, 3] } } }],
    });
    expect(familyOf(splat, true).inputs.map((o) => o.tensor)).toEqual(['x']);
  });

  it('Gemm: B follows the output columns (its N dim) and the K slice (its K dim), C is whole', () => {
    const fam = familyOf(gemm, true);
    // Rows, columns, K (the reduction: dim 1 of x).
    expect(fam.splits.map((s) => [s.dim, s.reduction === true])).toEqual([[0, false], [1, false], [1, true]]);
    expect(fam.inputs.find((o) => o.tensor === 'B')!.follows.map((f) => f?.dim)).toEqual([undefined, 1, 0]);
    expect(fam.inputs.find((o) => o.tensor === 'C')!.follows).toEqual([undefined, undefined, undefined]);
    // A K slice of 8: the B tile holds 8 rows of the 6 columns (192 B), A 2 rows of 8 (64 B).
    const k = priceTiling(ctxOf(fam), [2, 6, 8], false);
    expect(k.windows.filter((w) => w.tensor !== 'y').map((w) => [w.tensor, w.shape, w.bytes])).toEqual([
      ['x', [2, 8], 64],
      ['B', [8, 6], 192],
      ['C', [24], 96],
    ]);
    // 2 rows x 6 columns, K whole: B tile 32x6 x 4 B = 768, C whole 96, A 2x32 = 256, Y 2x6 = 48.
    const o = priceTiling(ctxOf(fam), [2, 6, 32], false);
    expect(o.windows.map((w) => [w.tensor, w.shape, w.bytes, w.copies])).toEqual([
      ['x', [2, 32], 256, 1],
      ['B', [32, 6], 768, 1],
      ['C', [24], 96, 1],
      ['y', [2, 6], 48, 1],
    ]);
    // B is reloaded for each of the 2 row tiles: 2 x 3072 B; C once.
    expect(o.windows.find((w) => w.tensor === 'B')!.totalBytes).toBe(2 * 32 * 24 * 4);
    expect(o.windows.find((w) => w.tensor === 'C')!.totalBytes).toBe(96);
  });
});

describe('weight tile footprints (hand-computed)', () => {
  it('4 rows x 4 channels: the weight tile holds 4 output channels, reloaded for every row tile', () => {
    const fam = familyOf(conv, true);
    const o = priceTiling(ctxOf(fam), [4, 4], false);
    // x: 6 rows x 8 ch x 16 x 4 B = 3072; w: 4 x 8 x 3 x 3 x 4 B = 1152; b: 16; y: 4 x 4 x 16 x 4 B = 1024.
    expect(o.windows.map((w) => [w.tensor, w.bytes, w.copies])).toEqual([['x', 3072, 1], ['w', 1152, 1], ['b', 16, 1], ['y', 1024, 1]]);
    expect(o.sramBytes).toBe(3072 + 1152 + 16 + 1024);
    // 4 row tiles x 4 channel tiles: the weight and bias are DMA'd 16 times, all of them per row tile.
    const w = o.windows.find((x) => x.tensor === 'w')!;
    expect([w.depth, w.executions, w.totalBytes]).toEqual([1, 16, 4 * 4608]);
    const withoutWeights = priceTiling(ctxOf(familyOf(conv, false)), [4, 4], false);
    expect(o.dmaInBytes - withoutWeights.dmaInBytes).toBe(4 * 4608 + 4 * 64);
    // The weight DMA costs cycles like activation DMA: its bytes and setups are in the estimate.
    expect(o.cycles).toBeGreaterThan(withoutWeights.cycles);
  });

  it('double-buffered: the weight and bias tiles of the pipelined channel loop exist twice', () => {
    const o = priceTiling(ctxOf(familyOf(conv, true)), [4, 4], true);
    expect(o.doubleBuffered).toBe(true);
    expect(o.windows.map((w) => [w.tensor, w.copies])).toEqual([['x', 1], ['w', 2], ['b', 2], ['y', 2]]);
    expect(o.sramBytes).toBe(3072 + 2 * 1152 + 2 * 16 + 2 * 1024);
  });

  it('not split over channels: the whole weight tensor, loaded once before the loops (single copy)', () => {
    const o = priceTiling(ctxOf(familyOf(conv, true)), [4, 16], true);
    const w = o.windows.find((x) => x.tensor === 'w')!;
    expect([w.depth, w.bytes, w.copies, w.totalBytes]).toEqual([-1, 4608, 1, 4608]);
  });

  it('4 cores over the row loop: each core has its own weight tile (x4 in SRAM)', () => {
    const o = priceTiling(ctxOf(familyOf(conv, true), { cores: 4 }), [4, 4], false);
    expect(o.coresUsed).toBe(4);
    const w = o.windows.find((x) => x.tensor === 'w')!;
    expect(w.perCore).toBe(true);
    expect(o.sramBytes).toBe(4 * (3072 + 1152 + 16 + 1024));
  });

  it('splits output channels further when the weight tile does not fit, then input channels (reduction) below one output channel', () => {
    const fam = familyOf(conv, true);
    // One output row of x needs 3 rows x 8 x 16 x 4 B = 1536; y 1 row x c x 64 B; w c x 288 B; b 4c B.
    // Whole channels (c = 16): 1536 + 1024 + 4608 + 64 = 7232 B. Budget 4000 B: the channels must be split.
    const r = chooseTiling(ctxOf(fam, { doubleBuffer: false }), 4000);
    expect(r.chosen).toBeDefined();
    const c = r.chosen!.sizes[1]!;
    expect(c).toBeLessThan(16);
    expect(r.chosen!.sramBytes).toBeLessThanOrEqual(4000);
    const wt = r.chosen!.windows.find((x) => x.tensor === 'w')!;
    expect(wt.bytes).toBe(c * 8 * 9 * 4);
    // Every channel in one tile fits the budget without weight tiles, not with them.
    expect(priceTiling(ctxOf(familyOf(conv, false)), [1, 16], false).sramBytes).toBe(1536 + 1024);
    expect(priceTiling(ctxOf(fam), [1, 16], false).sramBytes).toBe(7232);
    // The smallest tiling that keeps the input channels whole: 1 row x 1 channel: x 1536 + w 288 +
    // b 4 + y 64 = 1892 B. One byte less: only a reduction split fits.
    expect(r.smallestWhole?.sramBytes ?? r.smallest.sramBytes).toBe(1536 + 288 + 4 + 64);
    const whole = chooseTiling(ctxOf(fam, { doubleBuffer: false }), 1892).chosen!;
    expect(whole.loops.some((l) => l.reduction)).toBe(false);
    const sliced = chooseTiling(ctxOf(fam, { doubleBuffer: false }), 1891).chosen!;
    const k = sliced.loops.find((l) => l.reduction)!.tileSize;
    expect(k).toBeLessThan(8);
    // The weight tile holds the slice's k input channels of its output channels (dim 0, dim 1).
    const [oc, ic] = sliced.windows.find((x) => x.tensor === 'w')!.shape;
    expect(ic).toBe(k);
    expect(sliced.windows.find((x) => x.tensor === 'w')!.bytes).toBe(oc! * k * 9 * 4);
    expect(sliced.windows.find((x) => x.tensor === 'b')!.shape).toEqual([oc]);
    // The smallest of all: 1 row x 1 output channel x 1 input channel: x 3 rows x 1 x 16 x 4 = 192,
    // w 36, b 4, the float32 accumulator of y 64 = 296 B; one byte less fits nothing.
    expect(r.smallest.sramBytes).toBe(192 + 36 + 4 + 64);
    expect(chooseTiling(ctxOf(fam, { doubleBuffer: false }), 296).chosen).toBeDefined();
    const none = chooseTiling(ctxOf(fam, { doubleBuffer: false }), 295);
    expect(none.chosen).toBeUndefined();
    expect(none.smallest.windows.find((x) => x.tensor === 'w')!.bytes).toBe(36);
  });
});
