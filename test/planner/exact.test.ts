import { describe, it, expect } from 'vitest';
import { exactPack } from '../../planner/exact.js';
import { autoPack } from '../../planner/auto.js';
import { buildConflictGraph, packLowerBound, createPrng } from '../../planner/index.js';
import type { PackProblem } from '../../planner/index.js';
import type { BudgetedContext } from '../../planner/search-budget.js';

function intervalProblem(rows: [number, number, number][], capacityBytes: number | null): PackProblem {
  const bufs = rows.map(([start, end, sizeBytes], i) => ({ name: `r${i}`, start, end, sizeBytes }));
  const g = buildConflictGraph(bufs);
  const items = bufs.map((b, index) => ({ index, name: b.name, sizeBytes: b.sizeBytes, alignmentBytes: 1, start: b.start, end: b.end }));
  return { items, neighbors: g.neighbors, capacityBytes, lowerBoundBytes: packLowerBound(items, g.neighbors, false) };
}

function overlaps(p: PackProblem, offsets: readonly number[]): boolean {
  for (let i = 0; i < p.items.length; i++) {
    for (const j of p.neighbors[i]!) {
      const a = offsets[i]!;
      const b = offsets[j]!;
      if (a < b + p.items[j]!.sizeBytes && b < a + p.items[i]!.sizeBytes) return true;
    }
  }
  return false;
}

// a=[1,3]x3, b=[0,1]x2, c=[1,2]x3, d=[3,5]x4: optimum 8 (see plan-memory.test.ts).
const ROWS: [number, number, number][] = [[1, 3, 3], [0, 1, 2], [1, 2, 3], [3, 5, 4]];

/** A dense seeded instance of 300 buffers that exact cannot finish quickly. */
function denseRows(): [number, number, number][] {
  const rng = createPrng(3);
  const rows: [number, number, number][] = [];
  for (let i = 0; i < 300; i++) {
    const s = rng.nextInt(300);
    rows.push([s, s + 1 + rng.nextInt(120), 1 + rng.nextInt(5000)]);
  }
  return rows;
}

describe('exact', () => {
  it('proves infeasibility below the optimum at a capacity', async () => {
    const r = await exactPack(intervalProblem(ROWS, 7), { seed: 1, deadlineMs: Date.now() + 5000 });
    expect(r.infeasible).toBe(true);
    expect(r.optimal).toBe(false);
  });

  it('fits at the optimum and says so', async () => {
    const p = intervalProblem(ROWS, 8);
    const r = await exactPack(p, { seed: 1, deadlineMs: Date.now() + 5000 });
    expect(r.usedBytes).toBe(8);
    expect(r.optimal).toBe(true);
    expect(r.infeasible).toBeUndefined();
    expect(overlaps(p, r.offsets)).toBe(false);
  });

  it('starts from an incumbent and never returns anything worse', async () => {
    const p = intervalProblem(ROWS, null);
    const incumbentOffsets = [0, 6, 3, 3]; // a@0 c@3 d@3 b@6: 8, already optimal
    const r = await exactPack(p, { seed: 1, deadlineMs: Date.now() + 5000, incumbentOffsets, upperBoundBytes: 8 });
    expect(r.usedBytes).toBe(8);
    expect(r.offsets).toEqual(incumbentOffsets);
  });

  it('returns its best packing so far at the deadline', async () => {
    // A dense random instance that exact cannot finish in 150 ms.
    const p = intervalProblem(denseRows(), null);
    const t0 = Date.now();
    const r = await exactPack(p, { seed: 1, deadlineMs: Date.now() + 150 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.usedBytes).toBeGreaterThanOrEqual(p.lowerBoundBytes);
    expect(overlaps(p, r.offsets)).toBe(false);
    if (r.usedBytes > p.lowerBoundBytes) expect(r.optimal).toBe(false);
  });

  it('a search cut short by its node budget gives the same packing every time', async () => {
    const p = intervalProblem(denseRows(), null);
    const context: BudgetedContext = { seed: 1, deadlineMs: Date.now() + 60_000, nodeBudget: 2000 };
    const one = await exactPack(p, context);
    const two = await exactPack(p, { ...context });
    expect(one.optimal).toBe(false);
    expect(two).toEqual(one);
  });

  it('auto reports the exact proof', async () => {
    const r = await autoPack(intervalProblem(ROWS, null), { seed: 1, deadlineMs: Date.now() + 5000 });
    expect(r.usedBytes).toBe(8);
    expect(r.optimal).toBe(true);
  });
});
