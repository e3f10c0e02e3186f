import { describe, it, expect } from 'vitest';
import { planMemory, verifyPlan } from '../../planner/index.js';
import type { BufferInfo, PlanResult, Pool } from '../../planner/index.js';
import { randomBuffers } from './random-instances.js';

const SRAM_DRAM: Pool[] = [
  { name: 'sram', sizeBytes: 100 },
  { name: 'dram', sizeBytes: null },
];

function inPool(plan: PlanResult, pool: string): string[] {
  return plan.allocations.filter((a) => a.pool === pool).map((a) => a.name).sort();
}

async function plan(buffers: BufferInfo[], pools: Pool[], strategy: 'auto' | 'greedy-size' | 'exact' = 'auto') {
  const p = await planMemory(buffers, pools, { strategy, timeLimitMs: 2000 });
  expect(verifyPlan(buffers, pools, p)).toEqual([]);
  return p;
}

describe('multi-pool placement', () => {
  it('keeps everything in the preferred pool when it fits', async () => {
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 60, start: 0, end: 1 },
      { name: 'b', sizeBytes: 40, start: 1, end: 2 },
      { name: 'c', sizeBytes: 60, start: 2, end: 3 },
    ];
    const p = await plan(buffers, SRAM_DRAM);
    expect(inPool(p, 'sram')).toEqual(['a', 'b', 'c']);
    expect(p.pools[0]!.usedBytes).toBe(100);
    expect(p.fits).toBe(true);
    expect(p.optimal).toBe(true);
  });

  it('spills the smallest buffer that relieves the overflow, not the last to arrive', async () => {
    // Arrival order (TVM) keeps a and b and spills c: 50 bytes. Spilling a or b moves 40.
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 40, start: 0, end: 0 },
      { name: 'b', sizeBytes: 40, start: 0, end: 0 },
      { name: 'c', sizeBytes: 50, start: 0, end: 0 },
    ];
    for (const strategy of ['auto', 'greedy-size', 'exact'] as const) {
      const p = await plan(buffers, SRAM_DRAM, strategy);
      expect(inPool(p, 'dram')).toEqual(['a']);
      expect(p.pools[0]!.usedBytes).toBeLessThanOrEqual(100);
      expect(p.fits).toBe(true);
      expect(p.optimal).toBe(false);
    }
  });

  it('spills one long-lived buffer instead of one buffer per overflowing step', async () => {
    // Steps 0 and 1 each exceed 100 by 10. Spilling 'long' (30 B) fixes both; s0+s1 would be 60 B.
    const buffers: BufferInfo[] = [
      { name: 'p0', sizeBytes: 50, start: 0, end: 0 },
      { name: 's0', sizeBytes: 30, start: 0, end: 0 },
      { name: 'long', sizeBytes: 30, start: 0, end: 1 },
      { name: 's1', sizeBytes: 30, start: 1, end: 1 },
      { name: 'p1', sizeBytes: 50, start: 1, end: 1 },
    ];
    const p = await plan(buffers, SRAM_DRAM);
    expect(inPool(p, 'dram')).toEqual(['long']);
  });

  it('follows spillCostByPool when given', async () => {
    const dear = { dram: 1000 };
    const buffers: BufferInfo[] = [
      { name: 'a', sizeBytes: 40, start: 0, end: 0, spillCostByPool: dear },
      { name: 'b', sizeBytes: 40, start: 0, end: 0, spillCostByPool: { dram: 10 } },
      { name: 'c', sizeBytes: 50, start: 0, end: 0, spillCostByPool: dear },
    ];
    const p = await plan(buffers, SRAM_DRAM);
    expect(inPool(p, 'dram')).toEqual(['b']);
  });

  it('spills only buffers that may move, and respects candidate order', async () => {
    const buffers: BufferInfo[] = [
      { name: 'pinned', sizeBytes: 60, start: 0, end: 0, poolCandidates: ['sram'] },
      { name: 'free', sizeBytes: 45, start: 0, end: 0 },
      { name: 'dramOnly', sizeBytes: 500, start: 0, end: 0, poolCandidates: ['dram'] },
    ];
    const p = await plan(buffers, SRAM_DRAM);
    expect(inPool(p, 'sram')).toEqual(['pinned']);
    expect(inPool(p, 'dram')).toEqual(['dramOnly', 'free']);
  });

  it('reports buffers that fit no candidate pool as unplaced, never exceeding a bounded pool', async () => {
    const buffers: BufferInfo[] = [
      { name: 'huge', sizeBytes: 150, start: 0, end: 1, poolCandidates: ['sram'] },
      { name: 'x', sizeBytes: 70, start: 0, end: 0, poolCandidates: ['sram'] },
      { name: 'y', sizeBytes: 60, start: 0, end: 0, poolCandidates: ['sram'] },
      { name: 'z', sizeBytes: 10, start: 3, end: 3 },
    ];
    const p = await plan(buffers, SRAM_DRAM);
    expect(p.fits).toBe(false);
    expect(p.optimal).toBe(false);
    expect(p.unplaced).toContain('huge');
    expect(p.unplaced.length).toBe(2); // x or y cannot stay either
    expect(p.pools[0]!.usedBytes).toBeLessThanOrEqual(100);
    expect(p.allocations.map((a) => a.name)).toContain('z');
  });

  it('puts a spilled buffer back when a later spill made room (local improvement)', async () => {
    // Step 0: A+X+Y = 120 (excess 20); step 1: Y+B = 115 (excess 15). The greedy first spills X
    // (best ratio at step 0), then Y for step 1; Y alone fixes both, so X must come back.
    const buffers: BufferInfo[] = [
      { name: 'A', sizeBytes: 50, start: 0, end: 0 },
      { name: 'X', sizeBytes: 25, start: 0, end: 0 },
      { name: 'Y', sizeBytes: 45, start: 0, end: 1 },
      { name: 'B', sizeBytes: 70, start: 1, end: 1 },
    ];
    const p = await plan(buffers, SRAM_DRAM, 'greedy-size');
    expect(inPool(p, 'dram')).toEqual(['Y']);
    expect(inPool(p, 'sram')).toEqual(['A', 'B', 'X']);
  });

  it('spills one buffer when the packing overflows though no clique does (conflict lists)', async () => {
    // A 5-cycle of 3-byte buffers: every clique is an edge (6 bytes) but an odd cycle needs 9.
    const buffers: BufferInfo[] = ['v0', 'v1', 'v2', 'v3', 'v4'].map((name, i) => ({
      name,
      sizeBytes: 3,
      conflicts: [`v${(i + 1) % 5}`],
    }));
    const pools: Pool[] = [
      { name: 'sram', sizeBytes: 8 },
      { name: 'dram', sizeBytes: null },
    ];
    const progress: string[] = [];
    const p = await planMemory(buffers, pools, { onProgress: (i) => progress.push(i.phase) });
    expect(verifyPlan(buffers, pools, p)).toEqual([]);
    expect(inPool(p, 'dram').length).toBe(1);
    expect(p.pools[0]!.usedBytes).toBe(6);
    expect(p.pools[0]!.lowerBoundBytes).toBe(6);
    expect(p.fits).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('spills one buffer per odd cycle, also past the one-at-a-time rounds', async () => {
    // Twelve independent 5-cycles of 3-byte buffers in an 8-byte SRAM: each cycle needs 9 bytes.
    const buffers: BufferInfo[] = [];
    for (let c = 0; c < 12; c++) {
      for (let i = 0; i < 5; i++) buffers.push({ name: `c${c}v${i}`, sizeBytes: 3, conflicts: [`c${c}v${(i + 1) % 5}`] });
    }
    const pools: Pool[] = [
      { name: 'sram', sizeBytes: 8 },
      { name: 'dram', sizeBytes: null },
    ];
    const p = await planMemory(buffers, pools, { strategy: 'greedy-size' });
    expect(verifyPlan(buffers, pools, p)).toEqual([]);
    expect(p.fits).toBe(true);
    expect(inPool(p, 'dram').length).toBe(12);
    expect(p.pools[0]!.usedBytes).toBeLessThanOrEqual(8);
  });

  it('never exceeds bounded pools on random multi-pool instances', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const buffers = randomBuffers(seed, { kind: seed % 2 === 0 ? 'intervals' : 'mixed', count: 5 + (seed % 25), alignments: true });
      const pools: Pool[] = [
        { name: 'local', sizeBytes: 40 + (seed % 7) * 20, alignmentBytes: 8 },
        { name: 'sram', sizeBytes: 100 + (seed % 5) * 50 },
        { name: 'dram', sizeBytes: null },
      ];
      const p = await planMemory(buffers, pools, { strategy: seed % 3 === 0 ? 'auto' : 'greedy-size', timeLimitMs: 300 });
      expect(verifyPlan(buffers, pools, p)).toEqual([]);
      expect(p.fits).toBe(true);
      for (const u of p.pools) if (u.sizeBytes !== null) expect(u.usedBytes).toBeLessThanOrEqual(u.sizeBytes);
    }
  });
});
