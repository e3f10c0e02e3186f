import { describe, expect, it } from 'vitest';
import { spillByLiveBytes, spillByPacking } from '../../planner/spill.js';
import { buildConflictGraph } from '../../planner/conflict-graph.js';
import { packLowerBound } from '../../planner/lower-bound.js';
import type { PackItem, PackProblem } from '../../planner/problem.js';

/** A buffer of a test problem: name, size, and an inclusive interval and/or conflicts. */
interface Row {
  readonly name: string;
  readonly sizeBytes: number;
  readonly start?: number;
  readonly end?: number;
  readonly conflicts?: readonly string[];
}

function problem(rows: readonly Row[], capacityBytes: number): PackProblem {
  const graph = buildConflictGraph(rows);
  const items: PackItem[] = rows.map((r, index) => ({
    index,
    name: r.name,
    sizeBytes: r.sizeBytes,
    alignmentBytes: 1,
    ...(r.start !== undefined && r.end !== undefined ? { start: r.start, end: r.end } : {}),
  }));
  return { items, neighbors: graph.neighbors, capacityBytes, lowerBoundBytes: packLowerBound(items, graph.neighbors, graph.hasExplicitEdges) };
}

/** (name, start, end, size) rows. */
function timed(rows: readonly (readonly [string, number, number, number])[]): Row[] {
  return rows.map(([name, start, end, sizeBytes]) => ({ name, start, end, sizeBytes }));
}

/** The names of the chosen items. */
function names(p: PackProblem, locals: readonly number[]): string[] {
  return locals.map((l) => p.items[l]!.name);
}

/** Default move costs: the size of each item (moving to a pool that is not its first). */
function sizes(p: PackProblem): number[] {
  return p.items.map((it) => it.sizeBytes);
}

describe('spillByLiveBytes (phase A: live bytes per step above the capacity)', () => {
  const cases: { why: string; rows: Row[]; capacityBytes: number; costs?: number[]; expected: string[] }[] = [
    {
      why: 'nothing moves when no step exceeds the capacity',
      rows: timed([['a', 0, 1, 60], ['b', 1, 2, 40], ['c', 2, 2, 60]]),
      capacityBytes: 100,
      expected: [],
    },
    {
      why: 'the smallest buffer that relieves the overflow, ties by name',
      rows: timed([['b', 0, 0, 40], ['a', 0, 0, 40], ['c', 0, 0, 50]]),
      capacityBytes: 100,
      expected: ['a'],
    },
    {
      why: 'one long buffer rather than one buffer per overflowing step',
      rows: timed([['p0', 0, 0, 50], ['s0', 0, 0, 30], ['long', 0, 1, 30], ['s1', 1, 1, 30], ['p1', 1, 1, 50]]),
      capacityBytes: 100,
      expected: ['long'],
    },
    {
      why: 'cost per byte of excess removed, from the move costs',
      rows: timed([['a', 0, 0, 40], ['b', 0, 0, 40], ['c', 0, 0, 50]]),
      capacityBytes: 100,
      costs: [1000, 10, 1000],
      expected: ['b'],
    },
    {
      why: 'a free move first; a move that would leave a buffer unplaced last',
      rows: timed([['a', 0, 0, 40], ['b', 0, 0, 40], ['c', 0, 0, 50]]),
      capacityBytes: 100,
      costs: [Infinity, 40, 0],
      expected: ['c'],
    },
    {
      why: 'the worst step first, then the next, in the order chosen',
      rows: timed([['x', 0, 0, 80], ['y', 0, 0, 80], ['u', 1, 1, 60], ['v', 1, 1, 50]]),
      capacityBytes: 100,
      expected: ['x', 'v'],
    },
    {
      why: 'buffers with conflicts only and empty buffers are not counted per step',
      rows: [{ name: 'a', sizeBytes: 80, conflicts: ['b'] }, { name: 'b', sizeBytes: 80, conflicts: [] }, { name: 'z', sizeBytes: 0, start: 0, end: 0 }],
      capacityBytes: 100,
      expected: [],
    },
  ];
  it.each(cases)('$why', ({ rows, capacityBytes, costs, expected }) => {
    const p = problem(rows, capacityBytes);
    expect(names(p, spillByLiveBytes(p, capacityBytes, costs ?? sizes(p)))).toEqual(expected);
  });

  it('does not modify the problem', () => {
    const p = problem(timed([['a', 0, 0, 40], ['b', 0, 0, 40], ['c', 0, 0, 50]]), 100);
    const before = JSON.stringify(p);
    spillByLiveBytes(p, 100, sizes(p));
    expect(JSON.stringify(p)).toBe(before);
  });
});

describe('spillByPacking (phase B: the packing overflows, no step does)', () => {
  // a and b conflict; packed at 0 and 60, b ends 20 bytes above the capacity of 100.
  const conflicting: Row[] = [
    { name: 'a', sizeBytes: 60, conflicts: ['b'] },
    { name: 'b', sizeBytes: 60, conflicts: [] },
    { name: 'c', sizeBytes: 30, conflicts: [] },
  ];

  it('nothing moves when the packing fits', () => {
    const p = problem(conflicting, 200);
    expect(spillByPacking(p, [0, 60, 0], 200, sizes(p), false)).toEqual([]);
  });

  it('takes the best of the buffers above the capacity and their neighbors (ties by name)', () => {
    const p = problem(conflicting, 100);
    // b (above) and a (its neighbor) both remove 20 bytes for 60: a wins on its name; c is not a candidate.
    expect(names(p, spillByPacking(p, [0, 60, 0], 100, sizes(p), false))).toEqual(['a']);
    expect(names(p, spillByPacking(p, [0, 60, 0], 100, [60, 5, 1], false))).toEqual(['b']);
  });

  it('with moveAll, every non-empty buffer above the capacity', () => {
    const rows: Row[] = [...conflicting, { name: 'z', sizeBytes: 0, conflicts: [] }];
    const p = problem(rows, 100);
    expect(names(p, spillByPacking(p, [0, 60, 90, 150], 100, sizes(p), true))).toEqual(['b', 'c']);
  });

  it('never picks an empty buffer', () => {
    const p = problem([{ name: 'z', sizeBytes: 0, conflicts: [] }], 100);
    expect(spillByPacking(p, [150], 100, sizes(p), false)).toEqual([]);
  });
});
