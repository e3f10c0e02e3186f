import { describe, expect, it } from 'vitest';
import { lowestFreeOffset, putBack } from '../../planner/put-back.js';
import { poolChoices } from '../../planner/pool-choice.js';
import { buildConflictGraph } from '../../planner/conflict-graph.js';
import { buildOverlayUnits } from '../../planner/overlay.js';
import type { BufferInfo, Pool } from '../../planner/types.js';

const SRAM_DRAM: Pool[] = [
  { name: 'sram', sizeBytes: 100 },
  { name: 'dram', sizeBytes: null },
];

/** putBack on buffers with the given choice and per-pool offsets (by buffer name). */
function run(buffers: BufferInfo[], pools: Pool[], choice: number[], offsetsByPool: Record<string, number>[]) {
  const index = new Map(buffers.map((b, i) => [b.name, i]));
  const offsets = offsetsByPool.map((o) => new Map(Object.entries(o).map(([name, off]) => [index.get(name)!, off])));
  const result = putBack(poolChoices(buffers, pools), buildConflictGraph(buffers).neighbors, choice, offsets);
  const byName = (m: ReadonlyMap<number, number>) => Object.fromEntries([...m].sort((x, y) => x[0] - y[0]).map(([i, off]) => [buffers[i]!.name, off]));
  return { choice: result.choice, offsets: result.offsets.map(byName), changedPools: [...result.changedPools].sort(), inputOffsets: offsets };
}

describe('putBack', () => {
  it('moves a spilled buffer back to the lowest free offset of its first pool when it fits', () => {
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 60, start: 0, end: 0 },
      { name: 'b', sizeBytes: 30, start: 1, end: 1 },
      { name: 'c', sizeBytes: 50, start: 1, end: 1 },
    ];
    const r = run(buffers, SRAM_DRAM, [0, 0, 1], [{ a: 0, b: 0 }, { c: 0 }]);
    expect(r.choice).toEqual([0, 0, 0]);
    expect(r.offsets).toEqual([{ a: 0, b: 0, c: 30 }, {}]);
    expect(r.changedPools).toEqual([0, 1]);
  });

  it('leaves it where it is when it would end beyond the pool, and changes nothing', () => {
    const buffers: BufferInfo[] = [
      { name: 'b', sizeBytes: 60, start: 1, end: 1 },
      { name: 'c', sizeBytes: 50, start: 1, end: 1 },
    ];
    const r = run(buffers, SRAM_DRAM, [0, 1], [{ b: 0 }, { c: 0 }]);
    expect(r.choice).toEqual([0, 1]);
    expect(r.offsets).toEqual([{ b: 0 }, { c: 0 }]);
    expect(r.changedPools).toEqual([]);
  });

  it('tries the most costly buffer first (then the larger, then by name)', () => {
    // x and y both fit in sram's free 40 bytes, but not together: the one with the higher DRAM cost wins.
    const buffers: BufferInfo[] = [
      { name: 'p', sizeBytes: 60, start: 0, end: 0 },
      { name: 'x', sizeBytes: 40, start: 0, end: 0, spillCostByPool: { dram: 10 } },
      { name: 'y', sizeBytes: 30, start: 0, end: 0, spillCostByPool: { dram: 500 } },
    ];
    const r = run(buffers, SRAM_DRAM, [0, 1, 1], [{ p: 0 }, { x: 0, y: 40 }]);
    expect(r.choice).toEqual([0, 1, 0]);
    expect(r.offsets).toEqual([{ p: 0, y: 60 }, { x: 0 }]);
    // Equal costs: the larger goes first.
    const plain = buffers.map(({ spillCostByPool, ...b }) => b);
    expect(run(plain, SRAM_DRAM, [0, 1, 1], [{ p: 0 }, { x: 0, y: 40 }]).choice).toEqual([0, 0, 1]);
  });

  it('places an unplaced buffer when a candidate has room after all', () => {
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 60, start: 0, end: 0, poolCandidates: ['sram'] },
      { name: 'u', sizeBytes: 40, start: 0, end: 0, poolCandidates: ['sram'] },
    ];
    const r = run(buffers, SRAM_DRAM, [0, 1], [{ a: 0 }, {}]);
    expect(r.choice).toEqual([0, 0]);
    expect(r.offsets).toEqual([{ a: 0, u: 60 }, {}]);
    expect(r.changedPools).toEqual([0]);
  });

  it('does not modify its inputs', () => {
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 60, start: 0, end: 0 },
      { name: 'c', sizeBytes: 30, start: 1, end: 1 },
    ];
    const choice = [0, 1];
    const r = run(buffers, SRAM_DRAM, choice, [{ a: 0 }, { c: 0 }]);
    expect(r.choice).toEqual([0, 0]);
    expect(choice).toEqual([0, 1]);
    expect(r.inputOffsets.map((m) => [...m])).toEqual([[[0, 0]], [[1, 0]]]);
  });
});

describe('lowestFreeOffset', () => {
  const sizes = [10, 20, 0, 16];
  const cases: { why: string; size: number; align: number; placed: [number, number][]; expected: number }[] = [
    { why: 'no neighbor placed: 0', size: 8, align: 1, placed: [], expected: 0 },
    { why: 'an empty buffer: 0', size: 0, align: 64, placed: [[0, 0], [1, 10]], expected: 0 },
    { why: 'above the neighbors', size: 8, align: 1, placed: [[0, 0], [1, 10]], expected: 30 },
    { why: 'in a gap that is large enough', size: 8, align: 1, placed: [[0, 0], [1, 40]], expected: 10 },
    { why: 'past a gap that is too small', size: 31, align: 1, placed: [[0, 0], [1, 40]], expected: 60 },
    { why: 'aligned up after a neighbor', size: 8, align: 16, placed: [[0, 0]], expected: 16 },
    { why: 'empty neighbors take no room', size: 8, align: 1, placed: [[2, 0]], expected: 0 },
    { why: 'unordered neighbors', size: 4, align: 1, placed: [[3, 40], [0, 0], [1, 10]], expected: 30 },
  ];
  it.each(cases)('$why', ({ size, align, placed, expected }) => {
    const offsets = new Map(placed);
    expect(lowestFreeOffset(size, align, [0, 1, 2, 3], (h) => sizes[h]!, offsets)).toBe(expected);
  });
});

describe('putBack with overlay groups', () => {
  it('moves a group back whole, at the lowest offset clear of its neighbors\' zones', () => {
    // Group: X [0,40) and Y overlaying it at +60 ([60,100)), 100 bytes; W (40 B, live with Y only)
    // sits at 10 in sram. Clear of W: the group's Y must avoid [10,50), X avoids nothing (not live
    // with W), so offset 0 puts Y at [60,100): it fits the 100-byte sram.
    const buffers: BufferInfo[] = [
      { name: 'X', sizeBytes: 40, start: 0, end: 1 },
      { name: 'Y', sizeBytes: 40, start: 1, end: 3, overlay: { buffer: 'X', offsetBytes: 60 } },
      { name: 'W', sizeBytes: 40, start: 2, end: 3 },
    ];
    const graph = buildConflictGraph(buffers);
    const units = buildOverlayUnits(buffers, SRAM_DRAM, graph);
    expect(units.members).toEqual([[0, 1], [2]]);
    const pc = poolChoices(buffers, SRAM_DRAM, units);
    // Unit 0 (the group) was spilled to dram; W stays in sram at 10.
    const r = putBack(pc, units.graph.neighbors, [1, 0], [new Map([[1, 10]]), new Map([[0, 0]])]);
    expect(r.choice).toEqual([0, 0]);
    expect([...r.offsets[0]!].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 0],
      [1, 10],
    ]);
    expect(r.offsets[1]!.size).toBe(0);
    // W at 50 instead ([50,90)): Y would meet it at offsets 0 to 29, and from 30 on Y ends past 100.
    const stay = putBack(pc, units.graph.neighbors, [1, 0], [new Map([[1, 50]]), new Map([[0, 0]])]);
    expect(stay.choice).toEqual([1, 0]);
  });
});
