/**
 * The item orders of the greedy strategies. Every comparator ends with the name (then the index,
 * for equal names, which planMemory never produces) so that each sort is total and deterministic.
 * Items without an interval sort as if they started at step 0 with a lifetime of 0 steps.
 */
import type { PackItem, PackProblem, PackResult } from './problem.js';
import { placeFirstFit, type Placement } from './place-in-order.js';

export type ItemComparator = (a: number, b: number) => number;

function startOf(it: PackItem): number {
  return it.start ?? 0;
}

function lifetimeOf(it: PackItem): number {
  return it.start !== undefined && it.end !== undefined ? it.end - it.start : 0;
}

function byName(p: PackProblem, a: number, b: number): number {
  const na = p.items[a]!.name;
  const nb = p.items[b]!.name;
  return na < nb ? -1 : na > nb ? 1 : a - b;
}

/** TFLite Micro GreedyMemoryPlanner: size descending, then first-use step ascending, then name. */
export function bySizeDesc(p: PackProblem): ItemComparator {
  return (a, b) =>
    p.items[b]!.sizeBytes - p.items[a]!.sizeBytes ||
    startOf(p.items[a]!) - startOf(p.items[b]!) ||
    byName(p, a, b);
}

/** TVM greedy_by_conflicts: number of conflicts descending, then size descending, then name. */
export function byConflictsDesc(p: PackProblem): ItemComparator {
  return (a, b) =>
    p.neighbors[b]!.length - p.neighbors[a]!.length ||
    p.items[b]!.sizeBytes - p.items[a]!.sizeBytes ||
    byName(p, a, b);
}

/** TFLite arena planner, breadth first: start step ascending, then size descending, then name. */
export function byBreadth(p: PackProblem): ItemComparator {
  return (a, b) =>
    startOf(p.items[a]!) - startOf(p.items[b]!) ||
    p.items[b]!.sizeBytes - p.items[a]!.sizeBytes ||
    byName(p, a, b);
}

/** Vela-like: start step ascending, then longest lifetime first, then size descending, then name. */
export function byLifetime(p: PackProblem): ItemComparator {
  return (a, b) =>
    startOf(p.items[a]!) - startOf(p.items[b]!) ||
    lifetimeOf(p.items[b]!) - lifetimeOf(p.items[a]!) ||
    p.items[b]!.sizeBytes - p.items[a]!.sizeBytes ||
    byName(p, a, b);
}

/** XLA GlobalDecreasingSizeBestFitHeap: size descending, then longest lifetime, then name. */
export function bySizeThenLifetime(p: PackProblem): ItemComparator {
  return (a, b) =>
    p.items[b]!.sizeBytes - p.items[a]!.sizeBytes ||
    lifetimeOf(p.items[b]!) - lifetimeOf(p.items[a]!) ||
    byName(p, a, b);
}

/** The item indices sorted by `compare`. */
export function sortedOrder(p: PackProblem, compare: ItemComparator): number[] {
  return Array.from({ length: p.items.length }, (_, i) => i).sort(compare);
}

/** A PackResult from a placement (optimal when it meets the lower bound). */
export function resultOf(p: PackProblem, placement: Placement): PackResult {
  return {
    offsets: placement.offsets,
    usedBytes: placement.usedBytes,
    optimal: placement.usedBytes <= p.lowerBoundBytes,
  };
}

/** First fit in the order given by `compare`. */
export function firstFitBy(p: PackProblem, compare: ItemComparator): Placement {
  return placeFirstFit(p, sortedOrder(p, compare));
}
