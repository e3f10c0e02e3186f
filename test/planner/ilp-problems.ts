/**
 * Interval PackProblems for the ILP tests, built without the planner's own graph or bound code:
 * neighbors by pairwise overlap, lower bound = the live sum at each start step.
 */
import type { PackProblem } from '../../planner/problem.js';

/** [size, alignment, start, end] -> interval problem; extra = extra conflicting pairs. */
export function problemOf(rows: readonly (readonly [number, number, number, number])[], capacityBytes: number | null = null, extra: readonly [number, number][] = []): PackProblem {
  const items = rows.map(([sizeBytes, alignmentBytes, start, end], index) => ({ index, name: `b${index}`, sizeBytes, alignmentBytes, start, end }));
  const sets = items.map((a) => new Set(items.filter((b) => b !== a && a.start <= b.end && b.start <= a.end).map((b) => b.index)));
  for (const [i, j] of extra) {
    sets[i]!.add(j);
    sets[j]!.add(i);
  }
  const neighbors = sets.map((s) => [...s].sort((x, y) => x - y));
  let lowerBoundBytes = 0;
  for (const a of items) lowerBoundBytes = Math.max(lowerBoundBytes, items.filter((b) => b.start <= a.start && a.start <= b.end).reduce((t, b) => t + b.sizeBytes, 0));
  for (const [i, j] of extra) lowerBoundBytes = Math.max(lowerBoundBytes, items[i]!.sizeBytes + items[j]!.sizeBytes);
  return { items, neighbors, capacityBytes, lowerBoundBytes };
}
