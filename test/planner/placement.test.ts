import { describe, expect, it } from 'vitest';
import { buildPoolProblem, MAX_SINGLE_SPILL_ROUNDS, placeAndSpill, placePool, type PlacementOptions } from '../../planner/placement.js';
import { membersOf, moveCost, poolChoices, poolOf } from '../../planner/pool-choice.js';
import { buildConflictGraph } from '../../planner/conflict-graph.js';
import { PlannerError } from '../../planner/errors.js';
import { greedySizePack } from '../../planner/greedy-size.js';
import type { PackProblem, PackResult, PackStrategy } from '../../planner/problem.js';
import type { BufferInfo, Pool } from '../../planner/types.js';

const SRAM_DRAM: Pool[] = [
  { name: 'sram', sizeBytes: 100, alignmentBytes: 16 },
  { name: 'dram', sizeBytes: null },
];
const UNALIGNED: Pool[] = [
  { name: 'sram', sizeBytes: 100 },
  { name: 'dram', sizeBytes: null },
];

function options(strategy: PackStrategy, strategyName = 'test'): PlacementOptions {
  return { strategy, strategyName, deadlineMs: Date.now() + 60_000, context: { seed: 1, nodeBudget: 1000 } };
}

/** A strategy that stacks the items in index order (no reuse at all), counting its calls per capacity. */
function stacking(calls: Map<number | null, number>): PackStrategy {
  return (problem: PackProblem): PackResult => {
    calls.set(problem.capacityBytes, (calls.get(problem.capacityBytes) ?? 0) + 1);
    const offsets: number[] = [];
    let top = 0;
    for (const it of problem.items) {
      offsets.push(top);
      top += it.sizeBytes;
    }
    return { offsets, usedBytes: top, optimal: false };
  };
}

describe('pool choices', () => {
  it('drops bounded pools too small for a buffer alone, keeps the first listed pool, prices moves', () => {
    const buffers: BufferInfo[] = [
      { name: 'big', sizeBytes: 150, start: 0, end: 0 },
      { name: 'small', sizeBytes: 10, start: 0, end: 0 },
      { name: 'dear', sizeBytes: 10, start: 0, end: 0, spillCostByPool: { dram: 1000 } },
      { name: 'pinned', sizeBytes: 10, start: 0, end: 0, poolCandidates: ['sram'] },
    ];
    const pc = poolChoices(buffers, SRAM_DRAM);
    expect(pc.candidates).toEqual([[1], [0, 1], [0, 1], [0]]);
    expect(pc.firstChoice).toEqual([0, 0, 0, 0]);
    const choice = [0, 0, 0, 0];
    expect(buffers.map((_, i) => poolOf(pc, choice, i))).toEqual([1, 0, 0, 0]);
    expect(buffers.map((_, i) => moveCost(pc, choice, i))).toEqual([Infinity, 10, 1000, Infinity]);
    expect(membersOf(pc, choice, 0)).toEqual([1, 2, 3]);
    expect(membersOf(pc, [0, 1, 0, 1], 0)).toEqual([2]);
  });
});

describe('placement', () => {
  it('builds one pool problem: local items, pool alignment, induced conflicts, capacity and bound', () => {
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 40, start: 0, end: 1 },
      { name: 'b', sizeBytes: 30, start: 1, end: 2, alignmentBytes: 4 },
      { name: 't', sizeBytes: 20, conflicts: ['a'] },
    ];
    const pc = poolChoices(buffers, SRAM_DRAM);
    const p = buildPoolProblem(pc, buildConflictGraph(buffers), 0, [1, 2]);
    expect(p.items).toEqual([
      { index: 0, name: 'b', sizeBytes: 30, alignmentBytes: 4, start: 1, end: 2 },
      { index: 1, name: 't', sizeBytes: 20, alignmentBytes: 16 },
    ]);
    expect(p.neighbors).toEqual([[], []]);
    expect(p.capacityBytes).toBe(100);
    expect(p.lowerBoundBytes).toBe(30);
  });

  it('rejects a strategy that returns the wrong number of offsets as an internal error', async () => {
    const buffers: BufferInfo[] = [{ name: 'a', sizeBytes: 4, start: 0, end: 0 }];
    const pc = poolChoices(buffers, SRAM_DRAM);
    const broken: PackStrategy = () => ({ offsets: [], usedBytes: 0, optimal: false });
    const err = await placePool(pc, buildConflictGraph(buffers), [0], 0, options(broken, 'broken'), Date.now() + 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlannerError);
    expect(err).toMatchObject({ kind: 'internal', message: 'strategy broken returned 0 offsets for 1 buffers' });
  });

  // a and b share step 1 and fill the 100 bytes exactly; with a 16-byte alignment b starts at 64.
  it.each([
    { why: 'keeps everything in the first pool when it fits', pools: UNALIGNED, choice: [0, 0], members: [[0, 1], []], spilled: false },
    { why: 'spills when the pool alignment makes the packing overflow', pools: SRAM_DRAM, choice: [0, 1], members: [[0], [1]], spilled: true },
  ])('$why', async ({ pools, choice, members, spilled }) => {
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 60, start: 0, end: 1 },
      { name: 'b', sizeBytes: 40, start: 1, end: 2 },
    ];
    const r = await placeAndSpill(poolChoices(buffers, pools), buildConflictGraph(buffers), options(greedySizePack));
    expect(r.choice).toEqual(choice);
    expect(r.spilled).toBe(spilled);
    expect(r.plans.map((p) => p.members)).toEqual(members);
  });

  it('spills what the spill step chooses and re-plans both pools', async () => {
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 40, start: 0, end: 0 },
      { name: 'b', sizeBytes: 40, start: 0, end: 0 },
      { name: 'c', sizeBytes: 50, start: 0, end: 0 },
    ];
    const r = await placeAndSpill(poolChoices(buffers, UNALIGNED), buildConflictGraph(buffers), options(greedySizePack));
    expect(r.choice).toEqual([1, 0, 0]);
    expect(r.spilled).toBe(true);
    expect(r.plans.map((p) => p.members)).toEqual([[1, 2], [0]]);
    expect(r.plans[0]!.result.usedBytes).toBeLessThanOrEqual(100);
  });

  it(`moves one buffer per round for ${MAX_SINGLE_SPILL_ROUNDS} rounds, then all that overflow at once`, async () => {
    // Twelve 10-byte buffers at different steps, packed without reuse: only the packing overflows.
    const buffers: BufferInfo[] = Array.from({ length: 12 }, (_, i) => ({ name: `b${String(i).padStart(2, '0')}`, sizeBytes: 10, start: i, end: i }));
    const pools: Pool[] = [{ name: 'sram', sizeBytes: 20 }, { name: 'dram', sizeBytes: null }];
    const calls = new Map<number | null, number>();
    const r = await placeAndSpill(poolChoices(buffers, pools), buildConflictGraph(buffers), options(stacking(calls)));
    // 8 single moves leave 4 buffers (40 bytes); the 9th round moves the 2 above 20 bytes.
    expect(r.choice.filter((c) => c === 1)).toHaveLength(MAX_SINGLE_SPILL_ROUNDS + 2);
    expect(r.plans[0]!.members).toHaveLength(2);
    expect(r.plans[0]!.result.usedBytes).toBe(20);
    expect(calls.get(20)).toBe(MAX_SINGLE_SPILL_ROUNDS + 2);
  });

  it('reports an overflow with nothing to spill as an internal error', async () => {
    const buffers: BufferInfo[] = [{ name: 'z', sizeBytes: 0, start: 0, end: 0 }];
    const above: PackStrategy = () => ({ offsets: [500], usedBytes: 500, optimal: false });
    const err = await placeAndSpill(poolChoices(buffers, SRAM_DRAM), buildConflictGraph(buffers), options(above)).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'internal', message: "pool 'sram' overflows but nothing can be spilled" });
  });
});
