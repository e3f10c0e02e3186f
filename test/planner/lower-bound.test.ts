import { describe, it, expect } from 'vitest';
import { liveSumBound, cliqueBound, packLowerBound, buildConflictGraph } from '../../planner/index.js';
import type { PackItem } from '../../planner/index.js';
import { PlannerError } from '../../planner/errors.js';

describe('liveSumBound', () => {
  it('is the largest live sum over steps (inclusive ends)', () => {
    expect(liveSumBound([]).bytes).toBe(0);
    expect(liveSumBound([{ sizeBytes: 10, start: 0, end: 1 }, { sizeBytes: 5, start: 1, end: 1 }])).toEqual({ bytes: 15, step: 1 });
    // Touching intervals: [0,1] and [2,3] never coexist.
    expect(liveSumBound([{ sizeBytes: 10, start: 0, end: 1 }, { sizeBytes: 7, start: 2, end: 3 }]).bytes).toBe(10);
    // Buffers without an interval are ignored.
    expect(liveSumBound([{ sizeBytes: 99 }, { sizeBytes: 7, start: 2, end: 3 }]).bytes).toBe(7);
  });
});

describe('cliqueBound', () => {
  it('finds the heavy triangle in a conflict graph', () => {
    // 0-1-2 triangle (5+6+7=18), 3 linked to 0 only (size 10: edge weight 15).
    const sizes = [5, 6, 7, 10];
    const neighbors = [[1, 2, 3], [0, 2], [0, 1], [0]];
    expect(cliqueBound(sizes, neighbors)).toBe(18);
  });
  it('is never above the true maximum clique on a 5-cycle (max clique = one edge)', () => {
    const sizes = [3, 3, 3, 3, 3];
    const neighbors = [[1, 4], [0, 2], [1, 3], [2, 4], [0, 3]];
    expect(cliqueBound(sizes, neighbors)).toBe(6);
  });
});

describe('packLowerBound on mixed sets', () => {
  it('takes the larger of the live-sum and clique bounds', () => {
    const items: PackItem[] = [
      { index: 0, name: 'a', sizeBytes: 10, alignmentBytes: 1, start: 0, end: 0 },
      { index: 1, name: 'b', sizeBytes: 10, alignmentBytes: 1, start: 1, end: 1 },
      { index: 2, name: 'c', sizeBytes: 30, alignmentBytes: 1 },
    ];
    // c conflicts with a and b (explicit); a and b do not conflict: bound = 40.
    const g = buildConflictGraph([
      { name: 'a', start: 0, end: 0 },
      { name: 'b', start: 1, end: 1 },
      { name: 'c', conflicts: ['a', 'b'] },
    ]);
    expect(g.hasExplicitEdges).toBe(true);
    expect(packLowerBound(items, g.neighbors, g.hasExplicitEdges)).toBe(40);
  });
});

describe('buildConflictGraph', () => {
  it('is symmetric, sorted and free of duplicates', () => {
    const g = buildConflictGraph([
      { name: 'a', start: 0, end: 2 },
      { name: 'b', start: 2, end: 3, conflicts: ['a', 'a'] },
      { name: 'c', start: 4, end: 5, conflicts: ['a'] },
      { name: 'd', conflicts: ['c', 'd'] },
    ]);
    expect(g.neighbors).toEqual([[1, 2], [0], [0, 3], [2]]);
    expect(g.hasExplicitEdges).toBe(true);
    expect(buildConflictGraph([{ name: 'a', start: 0, end: 2 }, { name: 'b', start: 1, end: 1, conflicts: ['a'] }]).hasExplicitEdges).toBe(false);
  });

  it('rejects unknown names in conflicts (invalid-input)', () => {
    try {
      buildConflictGraph([{ name: 'a', conflicts: ['ghost'] }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PlannerError);
      expect((e as PlannerError).kind).toBe('invalid-input');
      expect((e as PlannerError).details).toEqual({ buffer: 'a' });
      expect((e as PlannerError).message).toMatch(/'a' lists an unknown buffer 'ghost'/);
    }
  });

  it('builds the graph of 10,000 interval buffers (speed: npm run bench:planner)', () => {
    const bufs = Array.from({ length: 10_000 }, (_, i) => ({ name: `b${i}`, start: i, end: i + 20 }));
    const g = buildConflictGraph(bufs);
    expect(g.neighbors[5000]!.length).toBe(40);
  });
});
