import { describe, expect, it } from 'vitest';
import { ilpGlpkPack, ilpHighsPack, ilpPack, MAX_ILP_PAIRS } from '../../planner/ilp/ilp-strategy.js';
import { solveWithHighs } from '../../planner/ilp/highs-solver.js';
import { solveWithGlpk } from '../../planner/ilp/glpk-solver.js';
import { buildIlpModel } from '../../planner/ilp/ilp-model.js';
import { firstFitOffsets, isValidPlacement, peakBytes } from '../../planner/ilp/first-fit.js';
import type { PackProblem, PackResult } from '../../planner/problem.js';
import { problemOf } from './ilp-problems.js';

const later = (): number => Date.now() + 20_000;

/** Exhaustive minimum peak over all aligned offsets (small instances only). */
function bruteForce(problem: PackProblem): number {
  const items = problem.items;
  let best = items.reduce((t, it) => t + it.sizeBytes + it.alignmentBytes, 0);
  const offsets: number[] = [];
  const visit = (i: number, peak: number): void => {
    if (peak >= best) return;
    if (i === items.length) {
      best = peak;
      return;
    }
    const item = items[i]!;
    for (let offset = 0; offset + item.sizeBytes < best; offset += item.alignmentBytes) {
      const clash = (problem.neighbors[i] ?? []).some((j) => j < i && item.sizeBytes > 0 && items[j]!.sizeBytes > 0 && offset < offsets[j]! + items[j]!.sizeBytes && offsets[j]! < offset + item.sizeBytes);
      if (clash) continue;
      offsets[i] = offset;
      visit(i + 1, item.sizeBytes > 0 ? Math.max(peak, offset + item.sizeBytes) : peak);
    }
  };
  visit(0, 0);
  return best;
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomProblem(seed: number): PackProblem {
  const rnd = random(seed);
  const n = 3 + Math.floor(rnd() * 4);
  const rows: [number, number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const start = Math.floor(rnd() * 5);
    rows.push([1 + Math.floor(rnd() * 4), rnd() < 0.25 ? 2 : 1, start, start + Math.floor(rnd() * 4)]);
  }
  const extra: [number, number][] = rnd() < 0.5 ? [[0, n - 1]] : [];
  return problemOf(rows, null, extra);
}

function check(problem: PackProblem, result: PackResult): void {
  expect(isValidPlacement(problem, result.offsets)).toBe(true);
  expect(result.usedBytes).toBe(peakBytes(problem, result.offsets));
  expect(result.usedBytes).toBeGreaterThanOrEqual(problem.lowerBoundBytes);
}

describe.each([
  ['glpk', ilpGlpkPack],
  ['highs', ilpHighsPack],
])('ilp strategy (%s)', (_solver, strategy) => {
  it('agrees with brute force on 40 seeded random instances, and proves optimality', async () => {
    let improved = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const problem = randomProblem(seed);
      const result = await strategy(problem, { seed: 1, deadlineMs: later() });
      check(problem, result);
      expect(result.usedBytes).toBe(bruteForce(problem));
      expect(result.optimal).toBe(true);
      if (result.usedBytes < peakBytes(problem, firstFitOffsets(problem))) improved++;
    }
    // The MIP is not just returning its first fit.
    expect(improved).toBeGreaterThan(0);
  });

  it('beats first fit where first fit is known to be poor', async () => {
    // First-fit decreasing puts the 3 at 0 and the two 2s at 3 and 5 (peak 7); the optimum is 5.
    const problem = problemOf([[3, 1, 0, 1], [2, 1, 1, 2], [2, 1, 0, 0], [2, 1, 2, 3], [3, 1, 3, 3]]);
    expect(peakBytes(problem, firstFitOffsets(problem))).toBeGreaterThan(bruteForce(problem));
    const result = await strategy(problem, { seed: 1, deadlineMs: later() });
    check(problem, result);
    expect(result.usedBytes).toBe(bruteForce(problem));
    expect(result.optimal).toBe(true);
  });

  it('handles no items, zero-size items and alignment', async () => {
    expect(await strategy({ items: [], neighbors: [], capacityBytes: null, lowerBoundBytes: 0 }, { seed: 1, deadlineMs: later() })).toEqual({ offsets: [], usedBytes: 0, optimal: true });
    const problem = problemOf([[0, 1, 0, 3], [48, 64, 0, 1], [16, 1, 0, 2], [64, 64, 1, 2]]);
    const result = await strategy(problem, { seed: 1, deadlineMs: later() });
    check(problem, result);
    expect(result.usedBytes).toBe(bruteForce(problem));
    expect(result.optimal).toBe(true);
  });

  it('proves a bounded pool infeasible and returns its best packing', async () => {
    const problem = problemOf([[4, 1, 0, 1], [4, 1, 1, 2], [4, 1, 0, 2]], 11, [[0, 1]]);
    expect(problem.lowerBoundBytes).toBe(12);
    const result = await strategy(problem, { seed: 1, deadlineMs: later() });
    check(problem, result);
    // The lower bound already shows 11 is too small: the model is infeasible by its bounds.
    expect(result.infeasible).toBe(true);
    expect(result.optimal).toBe(true);
    const tight = problemOf([[3, 1, 0, 1], [2, 1, 1, 2], [2, 1, 0, 0], [2, 1, 2, 3], [3, 1, 3, 3], [1, 1, 0, 3]], 5);
    const r2 = await strategy(tight, { seed: 1, deadlineMs: later() });
    check(tight, r2);
    expect(r2.infeasible).toBe(true);
    expect(r2.optimal).toBe(false);
    expect(bruteForce(tight)).toBeGreaterThan(5);
  });

  it('finds a packing within capacity when first fit exceeds it', async () => {
    const problem = problemOf([[3, 1, 0, 1], [2, 1, 1, 2], [2, 1, 0, 0], [2, 1, 2, 3], [3, 1, 3, 3]], 5);
    const result = await strategy(problem, { seed: 1, deadlineMs: later() });
    check(problem, result);
    expect(result.usedBytes).toBeLessThanOrEqual(5);
    expect(result.infeasible).toBeUndefined();
  });

  it('proves an optimal incumbent optimal and keeps it', async () => {
    const problem = problemOf([[3, 1, 0, 1], [2, 1, 1, 2], [2, 1, 0, 0], [2, 1, 2, 3], [3, 1, 3, 3]]);
    const incumbentOffsets = [0, 3, 3, 0, 2];
    expect(isValidPlacement(problem, incumbentOffsets)).toBe(true);
    const result = await strategy(problem, { seed: 1, deadlineMs: later(), upperBoundBytes: 5, incumbentOffsets });
    expect(result).toEqual({ offsets: incumbentOffsets, usedBytes: 5, optimal: true });
  });

  it('ignores an invalid incumbent, and returns its best plan unproven when the deadline has passed', async () => {
    const problem = problemOf([[3, 1, 0, 1], [2, 1, 1, 2], [2, 1, 0, 0], [2, 1, 2, 3], [3, 1, 3, 3]]);
    const bogus = await strategy(problem, { seed: 1, deadlineMs: later(), upperBoundBytes: 3, incumbentOffsets: [0, 0, 0, 0, 0] });
    check(problem, bogus);
    expect(bogus.usedBytes).toBe(5);
    expect(bogus.optimal).toBe(true);
    // A bound known elsewhere (without its plan) narrows the search and still allows a proof.
    const narrowed = await strategy(problem, { seed: 1, deadlineMs: later(), upperBoundBytes: 6 });
    check(problem, narrowed);
    expect(narrowed).toMatchObject({ usedBytes: 5, optimal: true });
    const late = await strategy(problem, { seed: 1, deadlineMs: Date.now() - 1 });
    check(problem, late);
    expect(late.offsets).toEqual(firstFitOffsets(problem));
    expect(late.optimal).toBe(false);
  });

  it('returns its first fit unproven, without a solver, when the model would be too large', async () => {
    // 210 items all live at step 0: 21,945 pairs, above the limit; first fit stacks them.
    const rows = Array.from({ length: 210 }, (_, i) => [1 + (i % 7), 1, 0, 1 + (i % 3)] as const);
    const problem = problemOf(rows);
    expect(problem.neighbors.reduce((t, n) => t + n.length, 0) / 2).toBeGreaterThan(MAX_ILP_PAIRS);
    const start = Date.now();
    const result = await strategy({ ...problem, lowerBoundBytes: 1 }, { seed: 1, deadlineMs: later() });
    expect(Date.now() - start).toBeLessThan(2000);
    expect(result.offsets).toEqual(firstFitOffsets(problem));
    expect(result.optimal).toBe(false);
  });

  it('is deterministic', async () => {
    const problem = randomProblem(7);
    const a = await strategy(problem, { seed: 1, deadlineMs: later() });
    const b = await strategy(problem, { seed: 1, deadlineMs: later() });
    expect(a).toEqual(b);
  });
});

describe('solver adapters', () => {
  it('the registered ilp strategy is the HiGHS one', () => {
    expect(ilpPack).toBe(ilpHighsPack);
  });

  it('report proven infeasibility and optimality the same way', async () => {
    const problem = problemOf([[3, 1, 0, 1], [2, 1, 1, 2], [2, 1, 0, 0], [2, 1, 2, 3], [3, 1, 3, 3]]);
    const open = buildIlpModel(problem);
    const closed = buildIlpModel({ ...problem, lowerBoundBytes: 3 }, { upperBoundBytes: 5 });
    for (const solve of [solveWithGlpk, solveWithHighs]) {
      const best = await solve(open, { timeLimitMs: 10_000 });
      expect(best.status).toBe('optimal');
      expect(best.values['peak']).toBe(5);
      const none = await solve(closed, { timeLimitMs: 10_000 });
      expect(none.status).toBe('infeasible');
      expect(none.values).toEqual({});
    }
  });
});
