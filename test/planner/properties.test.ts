import { describe, it, expect } from 'vitest';
import { planMemory, verifyPlan, STRATEGY_NAMES } from '../../planner/index.js';
import type { BufferInfo, Pool, StrategyName } from '../../planner/index.js';
import { randomBuffers, type InstanceKind } from './random-instances.js';
import { bruteForceOptimum } from './brute-force.js';

const FAST: StrategyName[] = ['greedy-size', 'greedy-conflicts', 'greedy-breadth', 'greedy-lifetime', 'best-fit', 'hill-climb'];
const KINDS: InstanceKind[] = ['intervals', 'conflicts', 'mixed'];

async function checkPlan(buffers: BufferInfo[], pools: Pool[], strategy: StrategyName, timeLimitMs = 2000) {
  const plan = await planMemory(buffers, pools, { strategy, timeLimitMs });
  expect(verifyPlan(buffers, pools, plan)).toEqual([]);
  for (const u of plan.pools) expect(u.usedBytes).toBeGreaterThanOrEqual(u.lowerBoundBytes);
  expect(plan.strategy).toBe(strategy);
  return plan;
}

describe('every strategy gives verified plans on random instances', () => {
  it('lists the strategies under test', () => {
    for (const s of [...FAST, 'exact', 'auto']) expect(STRATEGY_NAMES).toContain(s);
  });

  for (const kind of KINDS) {
    it(`fast strategies, ${kind}, 600 instances`, async () => {
      for (let seed = 1; seed <= 600; seed++) {
        const buffers = randomBuffers(seed, { kind, count: 2 + (seed % 30), alignments: seed % 3 === 0 });
        const pools: Pool[] = [{ name: 'sram', sizeBytes: null, alignmentBytes: seed % 4 === 0 ? 16 : 1 }];
        const used = new Map<StrategyName, number>();
        for (const s of FAST) used.set(s, (await checkPlan(buffers, pools, s)).pools[0]!.usedBytes);
        // hill-climb starts from the best greedy order, so it is never worse than first fit by size.
        expect(used.get('hill-climb')!).toBeLessThanOrEqual(used.get('greedy-size')!);
      }
    });
  }

  it('exact and auto on 300 mixed instances never lose to the greedies', async () => {
    for (let seed = 1000; seed < 1300; seed++) {
      const kind = KINDS[seed % 3]!;
      const buffers = randomBuffers(seed, { kind, count: 3 + (seed % 14), alignments: seed % 2 === 0 });
      const pools: Pool[] = [{ name: 'sram', sizeBytes: null }];
      const greedy = (await checkPlan(buffers, pools, 'greedy-size')).pools[0]!.usedBytes;
      const exact = await checkPlan(buffers, pools, 'exact', 3000);
      expect(exact.pools[0]!.usedBytes).toBeLessThanOrEqual(greedy);
      if (seed % 10 === 0) {
        const auto = await checkPlan(buffers, pools, 'auto', 3000);
        expect(auto.pools[0]!.usedBytes).toBeLessThanOrEqual(greedy);
        if (exact.optimal) expect(auto.pools[0]!.usedBytes).toBe(exact.pools[0]!.usedBytes);
      }
    }
  });
});

describe('exact equals a brute-force optimum on small instances', () => {
  for (const kind of KINDS) {
    it(`${kind}: 250 instances of 1 to 8 buffers`, async () => {
      let greedyMissed = 0; // instances where first fit by size is not optimal: the test has teeth
      for (let seed = 1; seed <= 250; seed++) {
        const count = 1 + (seed % 8);
        const buffers = randomBuffers(seed * 7 + kind.length, { kind, count, steps: 5, maxSize: 40, alignments: seed % 2 === 0 });
        const poolAlignment = seed % 5 === 0 ? 8 : 1;
        const pools: Pool[] = [{ name: 'sram', sizeBytes: null, alignmentBytes: poolAlignment }];
        const plan = await checkPlan(buffers, pools, 'exact', 10_000);
        const optimum = bruteForceOptimum(buffers, poolAlignment);
        expect(plan.pools[0]!.usedBytes, `seed ${seed}`).toBe(optimum);
        expect(plan.optimal, `seed ${seed}`).toBe(true);
        const greedy = await planMemory(buffers, pools, { strategy: 'greedy-size' });
        if (greedy.pools[0]!.usedBytes > optimum) greedyMissed++;
      }
      expect(greedyMissed).toBeGreaterThan(5);
    });
  }

  it('exact with a capacity finds a packing exactly when the optimum fits', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const buffers = randomBuffers(seed + 5000, { kind: KINDS[seed % 3]!, count: 2 + (seed % 7), steps: 4, maxSize: 30 });
      const optimum = bruteForceOptimum(buffers);
      for (const cap of [optimum, optimum - 1]) {
        if (cap < 0) continue;
        const pools: Pool[] = [{ name: 'sram', sizeBytes: cap }];
        const plan = await planMemory(buffers, pools, { strategy: 'exact', timeLimitMs: 10_000 });
        expect(verifyPlan(buffers, pools, plan)).toEqual([]);
        expect(plan.fits, `seed ${seed} cap ${cap}`).toBe(cap >= optimum);
      }
    }
  });
});
