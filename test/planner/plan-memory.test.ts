import { describe, it, expect } from 'vitest';
import { planMemory, verifyPlan, STRATEGY_NAMES } from '../../planner/index.js';
import type { BufferInfo, Pool, StrategyName } from '../../planner/index.js';
import { PlannerError } from '../../planner/errors.js';
import { randomBuffers } from './random-instances.js';

const ONE_POOL: Pool[] = [{ name: 'arena', sizeBytes: null }];

/** (start, end, size) rows, inclusive steps. */
function table(rows: readonly (readonly [number, number, number])[]): BufferInfo[] {
  return rows.map(([start, end, sizeBytes], i) => ({ name: `t${i}`, start, end, sizeBytes }));
}

describe('hand-computed (start, end, size) tables, Vela style', () => {
  const cases: { rows: [number, number, number][]; expected: number; why: string }[] = [
    { rows: [[0, 1, 100], [1, 2, 50], [2, 3, 100]], expected: 150, why: 'first and last reuse the same bytes' },
    { rows: [[0, 0, 10], [1, 1, 20], [2, 2, 30]], expected: 30, why: 'nothing overlaps in time' },
    { rows: [[0, 5, 10], [0, 5, 20], [0, 5, 30]], expected: 60, why: 'everything live at once' },
    // MiniMalloc's example (half-open [0,3) [3,9) [0,9) [9,21) [0,21) made inclusive), capacity 12.
    { rows: [[0, 2, 4], [3, 8, 4], [0, 8, 4], [9, 20, 4], [0, 20, 4]], expected: 12, why: 'MiniMalloc example' },
    // Two long buffers around a hole: 40 at [0,3], 40 at [2,5]; 30 at [0,1] and 30 at [4,5].
    { rows: [[0, 3, 40], [2, 5, 40], [0, 1, 30], [4, 5, 30]], expected: 80, why: 'the 30s fit beside the 40s' },
  ];
  for (const c of cases) {
    it(`${c.why}: ${c.expected} bytes`, async () => {
      const buffers = table(c.rows);
      for (const strategy of ['exact', 'auto', 'hill-climb'] as const) {
        const plan = await planMemory(buffers, ONE_POOL, { strategy });
        expect(plan.pools[0]!.usedBytes, strategy).toBe(c.expected);
        expect(plan.optimal, strategy).toBe(true);
      }
      for (const strategy of ['greedy-size', 'greedy-conflicts', 'greedy-breadth', 'greedy-lifetime', 'best-fit'] as const) {
        const plan = await planMemory(buffers, ONE_POOL, { strategy });
        expect(plan.pools[0]!.usedBytes).toBeGreaterThanOrEqual(c.expected);
      }
    });
  }

  it('first fit by size needs 9 where 8 is optimal', async () => {
    // a=[1,3]x3, b=[0,1]x2, c=[1,2]x3, d=[3,5]x4. Live sums 2, 8, 6, 7: bound 8.
    // Size order d, a, c, b puts d@0, a@4, c@0, then b clashes with c [0,3) and a [4,7): b@7, peak 9.
    // Optimal: a@0, c@3, d@3, b@6 (c ends before d starts): peak 8.
    const buffers = table([[1, 3, 3], [0, 1, 2], [1, 2, 3], [3, 5, 4]]);
    const greedy = await planMemory(buffers, ONE_POOL, { strategy: 'greedy-size' });
    expect(greedy.pools[0]!.usedBytes).toBe(9);
    expect(greedy.optimal).toBe(false);
    for (const strategy of ['exact', 'auto', 'hill-climb'] as const) {
      const plan = await planMemory(buffers, ONE_POOL, { strategy });
      expect(plan.pools[0]!.usedBytes).toBe(8);
      expect(plan.optimal).toBe(true);
    }
  });

  it('respects pool and buffer alignment', async () => {
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 10, start: 0, end: 1 },
      { name: 'b', sizeBytes: 10, start: 0, end: 1 },
      { name: 'c', sizeBytes: 1, start: 0, end: 1, alignmentBytes: 64 },
    ];
    const plan = await planMemory(buffers, [{ name: 'arena', sizeBytes: null, alignmentBytes: 16 }], { strategy: 'exact' });
    // a, b at 0 and 16 (pool alignment), c at 64 (its own alignment): 65. Or c at 0, a/b at 16/32: 42.
    expect(plan.pools[0]!.usedBytes).toBe(42);
    expect(plan.allocations.find((x) => x.name === 'c')!.offsetBytes % 64).toBe(0);
  });
});

describe('planMemory', () => {
  it('gives the same plan twice, byte for byte, for every strategy', async () => {
    const buffers = randomBuffers(42, { kind: 'mixed', count: 14, alignments: true });
    const pools: Pool[] = [
      { name: 'sram', sizeBytes: 300, alignmentBytes: 8 },
      { name: 'dram', sizeBytes: null },
    ];
    for (const strategy of STRATEGY_NAMES.filter((s) => s !== 'ilp') as StrategyName[]) {
      const one = await planMemory(buffers, pools, { strategy, timeLimitMs: 3000 });
      const two = await planMemory(buffers, pools, { strategy, timeLimitMs: 3000 });
      expect(JSON.stringify(two), strategy).toBe(JSON.stringify(one));
    }
  });

  it('lists allocations in input order and names the strategy asked', async () => {
    const buffers = table([[2, 3, 8], [0, 1, 16], [1, 2, 4]]);
    const plan = await planMemory(buffers, ONE_POOL);
    expect(plan.strategy).toBe('auto');
    expect(plan.allocations.map((a) => a.name)).toEqual(['t0', 't1', 't2']);
    expect(plan.pools).toEqual([{ name: 'arena', sizeBytes: null, usedBytes: 20, lowerBoundBytes: 20 }]);
    expect(plan.optimal).toBe(true);
  });

  it('handles an empty buffer list and zero-sized buffers', async () => {
    const empty = await planMemory([], ONE_POOL);
    expect(empty).toMatchObject({ fits: true, optimal: true, allocations: [], unplaced: [] });
    const zero = await planMemory(table([[0, 1, 0], [0, 1, 8]]), ONE_POOL, { strategy: 'greedy-size' });
    expect(zero.pools[0]!.usedBytes).toBe(8);
  });

  describe('rejects bad input (invalid-input) naming the culprit', () => {
    const ok: BufferInfo = { name: 'ok', sizeBytes: 4, start: 0, end: 0 };
    const okAt = { buffer: 'ok' };
    const cases: { what: string; buffers: BufferInfo[]; pools?: Pool[]; message: RegExp; details: { buffer?: string; pool?: string } }[] = [
      { what: 'duplicate names', buffers: [ok, { ...ok }], message: /buffer 'ok' is defined twice/, details: okAt },
      { what: 'non-integer size', buffers: [{ ...ok, sizeBytes: 1.5 }], message: /'ok' has an invalid size 1.5/, details: okAt },
      { what: 'negative size', buffers: [{ ...ok, sizeBytes: -1 }], message: /'ok' has an invalid size -1/, details: okAt },
      { what: 'alignment not a power of two', buffers: [{ ...ok, alignmentBytes: 12 }], message: /'ok' has alignment 12, which is not a power of two/, details: okAt },
      { what: 'start after end', buffers: [{ ...ok, start: 3, end: 1 }], message: /'ok' starts at step 3 after it ends at step 1/, details: okAt },
      { what: 'start without end', buffers: [{ name: 'ok', sizeBytes: 4, start: 3 }], message: /'ok' gives a start step without an end step/, details: okAt },
      { what: 'neither interval nor conflicts', buffers: [{ name: 'ok', sizeBytes: 4 }], message: /'ok' gives neither a live interval nor a conflicts list/, details: okAt },
      { what: 'unknown pool in candidates', buffers: [{ ...ok, poolCandidates: ['flash'] }], message: /'ok' names an unknown pool 'flash'/, details: { buffer: 'ok', pool: 'flash' } },
      { what: 'unknown conflict', buffers: [{ ...ok, conflicts: ['nope'] }], message: /'ok' lists an unknown buffer 'nope'/, details: okAt },
      { what: 'no pools', buffers: [ok], pools: [], message: /no pools/, details: {} },
      { what: 'bad pool alignment', buffers: [ok], pools: [{ name: 'p', sizeBytes: 10, alignmentBytes: 3 }], message: /pool 'p' has alignment 3/, details: { pool: 'p' } },
    ];
    for (const c of cases) {
      it(c.what, async () => {
        const err = await planMemory(c.buffers, c.pools ?? ONE_POOL).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(PlannerError);
        expect((err as PlannerError).kind).toBe('invalid-input');
        expect((err as PlannerError).details).toEqual(c.details);
        expect((err as PlannerError).message).toMatch(c.message);
      });
    }
  });

  it('plans 10,000 interval buffers with each greedy at or above the lower bound (speed: npm run bench:planner)', async () => {
    const buffers: BufferInfo[] = [];
    for (let i = 0; i < 10_000; i++) {
      buffers.push({ name: `b${i}`, sizeBytes: 64 + ((i * 7919) % 4096), start: i, end: i + 1 + ((i * 31) % 40) });
    }
    const { buildConflictGraph, packLowerBound } = await import('../../planner/index.js');
    const { greedySizePack } = await import('../../planner/greedy-size.js');
    const { greedyConflictsPack } = await import('../../planner/greedy-conflicts.js');
    const { greedyBreadthPack } = await import('../../planner/greedy-breadth.js');
    const { greedyLifetimePack } = await import('../../planner/greedy-lifetime.js');
    const { bestFitPack } = await import('../../planner/best-fit.js');
    const g = buildConflictGraph(buffers);
    const items = buffers.map((b, index) => ({ index, name: b.name, sizeBytes: b.sizeBytes, alignmentBytes: 16, start: b.start!, end: b.end! }));
    const problem = { items, neighbors: g.neighbors, capacityBytes: null, lowerBoundBytes: packLowerBound(items, g.neighbors, false) };
    for (const pack of [greedySizePack, greedyConflictsPack, greedyBreadthPack, greedyLifetimePack, bestFitPack]) {
      const r = await pack(problem, { seed: 1, deadlineMs: Date.now() + 10_000 });
      expect(r.usedBytes).toBeGreaterThanOrEqual(problem.lowerBoundBytes);
    }
    // The whole pipeline (graph, bound, plan, verification) on the same buffers.
    const plan = await planMemory(buffers, [{ name: 'arena', sizeBytes: null, alignmentBytes: 16 }], { strategy: 'greedy-size' });
    expect(verifyPlan(buffers, [{ name: 'arena', sizeBytes: null, alignmentBytes: 16 }], plan)).toEqual([]);
  });
});
