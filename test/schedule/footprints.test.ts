/**
 * Hand-computed footprints (README of each case in the comments) for small layers: the halo of a
 * row tile, double buffering, and per-core copies on 1 and 4 cores.
 */
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../helpers/graph-builder.js';
import { classifyLayer } from '../../src/schedule/templates/index.js';
import type { TilingFamily } from '../../src/schedule/templates/family.js';
import { chooseTiling, compareOptions, enumerateOptions, priceTiling, quickCost, streamedOperands, sumClamped, tileSizes } from '../../src/schedule/tiling.js';
import type { TileChoiceResult, TilingContext, TilingOption } from '../../src/schedule/tiling.js';

/** The reference choice: the best of every enumerated option within the budget, and the smallest. */
/** The reference choice: the best option that fits, splitting a reduction only when no other option fits. */
function chooseFrom(options: readonly TilingOption[], budgetBytes: number, localCapacity: number | null): TileChoiceResult {
  let smallest = options[0]!;
  let chosen: TilingOption | undefined;
  let chosenSplit: TilingOption | undefined;
  for (const o of options) {
    const need = o.sramBytes + o.localBytes;
    const best = smallest.sramBytes + smallest.localBytes;
    if (need < best || (need === best && compareOptions(o, smallest) < 0)) smallest = o;
    const fits = o.sramBytes <= budgetBytes && (localCapacity === null || o.localBytes <= localCapacity);
    const reduction = o.loops.some((l) => l.reduction);
    if (fits && !reduction && (!chosen || compareOptions(o, chosen) < 0)) chosen = o;
    if (fits && reduction && (!chosenSplit || compareOptions(o, chosenSplit) < 0)) chosenSplit = o;
  }
  chosen ??= chosenSplit;
  return chosen ? { chosen, smallest } : { smallest };
}
import { DEFAULT_TARGET } from '../../src/schedule/target.js';
import type { Graph } from '../../src/ir/graph.js';

function familyOf(graph: Graph, step = 0): TilingFamily {
  const k = classifyLayer({ node: graph.nodes[step]!, graph });
  if (k.kind !== 'compute') throw new Error('expected a compute layer');
  return k.family;
}

function ctxOf(family: TilingFamily, opts: { cores?: number; resident?: string[]; local?: number | null; doubleBuffer?: boolean } = {}): TilingContext {
  const resident = new Set(opts.resident ?? []);
  return {
    family,
    isResident: (t) => resident.has(t),
    elementBytes: () => 4,
    target: { ...DEFAULT_TARGET, cores: opts.cores ?? 1 },
    cores: opts.cores ?? 1,
    doubleBuffer: opts.doubleBuffer ?? true,
    localBytes: opts.local ?? null,
  };
}

// Conv 3x3, stride 1, pad 1: x 1x8x16x16 -> y 1x16x16x16, float32.
const conv = buildGraph({
  inputs: ['x'],
  outputs: ['y'],
  tensors: { x: { shape: [1, 8, 16, 16] }, y: { shape: [1, 16, 16, 16] } },
  weights: { w: [16, 8, 3, 3] },
  nodes: [{ name: 'conv', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: { pads: { type: 'ints', value: [1, 1, 1, 1] }, kernel_shape: { type: 'ints', value: [3, 3] } } }],
});

describe('hand-computed footprints', () => {
  it('conv row tiles carry a halo of kernel-1 rows', () => {
    const fam = familyOf(conv);
    expect(fam.template).toBe('conv');
    // Rows and output channels, then input channels (a reduction split, used only when nothing else fits).
    expect(fam.splits.map((s) => [s.dim, s.extent])).toEqual([[2, 16], [1, 16], [1, 8]]);
    expect(fam.splits.map((s) => s.reduction === true)).toEqual([false, false, true]);
    // Tile: 4 output rows x all 16 channels. Input window: (4-1)*1 + (3-1)*1 + 1 = 6 rows x 8 ch x 16 cols x 4 B = 3072 B.
    // Output tile: 4 x 16 x 16 x 4 B = 4096 B. Single buffered: 7168 B.
    const single = priceTiling(ctxOf(fam), [4, 16], false);
    expect(single.windows.map((w) => [w.tensor, w.bytes, w.copies])).toEqual([['x', 3072, 1], ['y', 4096, 1]]);
    expect(single.sramBytes).toBe(7168);
    expect(single.tileCount).toBe(4);
    // Input rows read: tile 0 [-1,5) -> 5, tiles 1-2: 6 each, tile 3 [11,17) -> 5: 22 rows x 8 x 16 x 4 B.
    expect(single.dmaInBytes).toBe(22 * 8 * 16 * 4);
    expect(single.dmaOutBytes).toBe(16 * 16 * 16 * 4);
    // Double buffered: both tiles twice for the pipelined loop: 14336 B.
    const db = priceTiling(ctxOf(fam), [4, 16], true);
    expect(db.sramBytes).toBe(14336);
    expect(db.doubleBuffered).toBe(true);
    expect(db.cycles).toBeLessThan(db.cyclesSingleBuffered);
  });

  it('conv on 4 cores keeps one set of tiles per core', () => {
    const fam = familyOf(conv);
    const four = priceTiling(ctxOf(fam, { cores: 4 }), [4, 16], true);
    expect(four.coresUsed).toBe(4);
    expect(four.windows.every((w) => w.perCore)).toBe(true);
    expect(four.sramBytes).toBe(4 * 14336);
    // With per-core local memory the tiles move there: 14336 B per core, nothing in shared SRAM.
    const local = priceTiling(ctxOf(fam, { cores: 4, local: 32768 }), [4, 16], true);
    expect(local.localBytes).toBe(14336);
    expect(local.sramBytes).toBe(0);
  });

  it('a channel tile of a plain conv re-reads the input window for every channel tile', () => {
    const fam = familyOf(conv);
    // 8 rows x 8 channels: input window (8-1)+2+1 = 10 rows, all 8 input channels: 10*8*16*4 = 5120 B, loaded in the
    // row loop (it does not follow the channel loop); output 8*8*16*4 = 4096 B.
    const o = priceTiling(ctxOf(fam), [8, 8], false);
    expect(o.windows.map((w) => [w.tensor, w.depth, w.bytes])).toEqual([['x', 0, 5120], ['y', 1, 4096]]);
    // Rows read: [-1,9)->9, [7,17)->9 = 18 rows, once per row tile.
    expect(o.dmaInBytes).toBe(18 * 8 * 16 * 4);
  });

  it('resident operands need no tile', () => {
    const fam = familyOf(conv);
    const o = priceTiling(ctxOf(fam, { resident: ['x'] }), [4, 16], true);
    expect(o.windows.map((w) => w.tensor)).toEqual(['y']);
    expect(o.sramBytes).toBe(2 * 4096);
    expect(o.dmaInBytes).toBe(0);
  });

  it('depthwise conv tiles input channels with the output channels', () => {
    const g = buildGraph({
      inputs: ['x'],
      outputs: ['y'],
      tensors: { x: { shape: [1, 32, 10, 10] }, y: { shape: [1, 32, 5, 5] } },
      weights: { w: [32, 1, 3, 3] },
      nodes: [{ name: 'dw', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: { group: { type: 'int', value: 32 }, strides: { type: 'ints', value: [2, 2] }, pads: { type: 'ints', value: [1, 1, 1, 1] } } }],
    });
    const fam = familyOf(g);
    expect(fam.template).toBe('conv-depthwise');
    // 2 output rows x 8 channels: input (2-1)*2 + 2 + 1 = 5 rows x 8 ch x 10 x 4 B = 1600 B; output 2*8*5*4 = 320 B.
    const o = priceTiling(ctxOf(fam), [2, 8], false);
    expect(o.windows.map((w) => [w.tensor, w.shape, w.bytes])).toEqual([['x', [1, 8, 5, 10], 1600], ['y', [1, 8, 2, 5], 320]]);
  });

  it('max pool 3x3 stride 2 with padding', () => {
    const g = buildGraph({
      inputs: ['x'],
      outputs: ['y'],
      tensors: { x: { shape: [1, 16, 15, 15] }, y: { shape: [1, 16, 8, 8] } },
      nodes: [{ name: 'pool', op: 'MaxPool', inputs: ['x'], outputs: ['y'], attributes: { kernel_shape: { type: 'ints', value: [3, 3] }, strides: { type: 'ints', value: [2, 2] }, pads: { type: 'ints', value: [1, 1, 1, 1] } } }],
    });
    const fam = familyOf(g);
    // 2 rows x 16 channels: window (2-1)*2 + 3 = 5 rows: 5*16*15*4 = 4800 B; output 2*16*8*4 = 1024 B; double: 11648 B.
    const o = priceTiling(ctxOf(fam), [2, 16], true);
    expect(o.sramBytes).toBe(2 * (4800 + 1024));
    // Row windows: [-1,4)->4, [3,8)->5, [7,12)->5, [11,16)->4: 18 rows.
    expect(o.dmaInBytes).toBe(18 * 16 * 15 * 4);
  });

  it('dense layer: A follows the rows, the output both splits', () => {
    const g = buildGraph({
      inputs: ['a'],
      outputs: ['y'],
      tensors: { a: { shape: [4, 64] }, y: { shape: [4, 32] } },
      weights: { w: [64, 32], b: [32] },
      nodes: [{ name: 'fc', op: 'Gemm', inputs: ['a', 'w', 'b'], outputs: ['y'] }],
    });
    const fam = familyOf(g);
    expect(fam.totalMacs).toBe(4 * 32 * 64);
    // m=2, n=16: A window 2x64x4 = 512 B loaded per row tile; output 2x16x4 = 128 B.
    const o = priceTiling(ctxOf(fam), [2, 16], false);
    expect(o.windows.map((w) => [w.tensor, w.depth, w.bytes])).toEqual([['a', 0, 512], ['y', 1, 128]]);
    expect(o.dmaInBytes).toBe(4 * 64 * 4);
    const four = priceTiling(ctxOf(fam, { cores: 4 }), [1, 32], true);
    // 4 row tiles over 4 cores; no inner loop, so the row loop is the pipelined one: A 256 B and out 128 B, twice, per core.
    expect(four.coresUsed).toBe(4);
    expect(four.sramBytes).toBe(4 * 2 * (256 + 128));
  });
});

describe('tile choice', () => {
  it('tileSizes lists whole-to-quantum multiples', () => {
    expect(tileSizes(10, 1)).toEqual([10, 5, 4, 3, 2, 1]);
    expect(tileSizes(64, 16)).toEqual([64, 32, 16]);
  });

  it('sumClamped equals the window-by-window sum', () => {
    for (const [t, k, s, pad, H] of [[4, 3, 1, 1, 16], [3, 7, 2, 3, 31], [1, 1, 1, 0, 5], [5, 11, 4, 5, 17], [7, 3, 1, 0, 7]] as const) {
      const f = { dim: 2, extent: (x: number) => Math.min((x - 1) * s + k, H), stride: (x: number) => x * s, offset: -pad, limit: H };
      const out = Math.ceil(((H + 2 * pad - k) / s + 1) / 1);
      const n = Math.ceil(out / t);
      let brute = 0;
      for (let i = 0; i < n; i++) {
        const a = i * t * s - pad;
        brute += Math.max(0, Math.min(H, a + f.extent(t)) - Math.max(0, a));
      }
      expect(sumClamped(f, t, n)).toBe(brute);
    }
  });

  it('the allocation-free cost agrees with the full pricing on every option', () => {
    const fam = familyOf(conv);
    for (const cores of [1, 4]) {
      for (const local of [null, 65536]) {
        for (const resident of [[], ['x'], ['y']]) {
          const ctx = ctxOf(fam, { cores, local, resident });
          for (const o of enumerateOptions(ctx)) {
            const q = quickCost({ ...ctx, cores: o.coresUsed }, streamedOperands(ctx), o.sizes, o.doubleBuffered);
            expect([q.sramBytes, q.localBytes, q.dmaBytes, q.cycles, q.tileCount, q.doubleBuffered]).toEqual([
              o.sramBytes, o.localBytes, o.dmaInBytes + o.dmaOutBytes, o.cycles, o.tileCount, o.doubleBuffered,
            ]);
          }
        }
      }
    }
  });

  it('the search picks as well as the exhaustive enumeration, within the budget', () => {
    const fam = familyOf(conv);
    for (const cores of [1, 4]) {
      for (const budget of [3000, 6000, 7168, 12000, 20000, 40000, 100000, 300000]) {
        const ctx = ctxOf(fam, { cores });
        const fast = chooseTiling(ctx, budget);
        const full = chooseFrom(enumerateOptions(ctx), budget, null);
        expect(fast.smallest.sramBytes).toBe(full.smallest.sramBytes);
        expect(Boolean(fast.chosen)).toBe(Boolean(full.chosen));
        if (fast.chosen && full.chosen) {
          expect(fast.chosen.sramBytes).toBeLessThanOrEqual(budget);
          expect(fast.chosen.cycles).toBe(full.chosen.cycles);
        }
      }
    }
  });
});

describe('halo windows taller than the input', () => {
  it('a 5x5 conv with pad 2 on a 2-row input reads both rows for every output row', () => {
    const g = buildGraph({
      inputs: ['x'],
      outputs: ['y'],
      tensors: { x: { shape: [1, 4, 2, 6] }, y: { shape: [1, 4, 2, 6] } },
      weights: { w: [4, 1, 5, 5] },
      nodes: [{ name: 'dw5', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: { group: { type: 'int', value: 4 }, pads: { type: 'ints', value: [2, 2, 2, 2] } } }],
    });
    const fam = familyOf(g);
    // One output row: rows [r-2, r+3) clamped to [0, 2): both input rows, 2*4*6*4 = 192 B in the tile.
    const o = priceTiling(ctxOf(fam), [1, 4], false);
    expect(o.windows[0]).toMatchObject({ tensor: 'x', shape: [1, 4, 2, 6], bytes: 192 });
    // Both output rows read both input rows: 4 rows x 4 ch x 6 x 4 B.
    expect(o.dmaInBytes).toBe(4 * 4 * 6 * 4);
    const q = quickCost(ctxOf(fam), streamedOperands(ctxOf(fam)), [1, 4], false);
    expect(q.dmaBytes).toBe(o.dmaInBytes + o.dmaOutBytes);
  });
});

describe('element-wise tiling of every element-wise kernel', () => {
  // Tan ... Atanh have C kernels (mpg_unary) but the template's own op list lacked them, so they got the
  // whole-tensor template: one tile of 16 KiB in and out instead of row tiles.
  it.each(['Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Sin', 'Relu'])('%s splits like any element-wise op', (op) => {
    const g = buildGraph({
      inputs: ['x'],
      outputs: ['y'],
      tensors: { x: { shape: [1, 4, 32, 32] }, y: { shape: [1, 4, 32, 32] } },
      nodes: [{ name: 'f', op, inputs: ['x'], outputs: ['y'] }],
    });
    const fam = familyOf(g);
    expect(fam.template).toBe('elementwise');
    expect(fam.splits.map((s) => [s.dim, s.extent])).toEqual([[1, 4], [2, 32]]);
  });
});
