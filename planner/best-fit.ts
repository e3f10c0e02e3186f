/**
 * `best-fit`: decreasing size (then longest lifetime), each buffer in the smallest free gap among
 * its placed neighbors (XLA's GlobalDecreasingSizeBestFitHeap, TFLite's arena best fit).
 */
import type { PackStrategy } from './problem.js';
import { bySizeThenLifetime, resultOf, sortedOrder } from './orders.js';
import { placeBestFit } from './place-in-order.js';

export const bestFitPack: PackStrategy = (problem) =>
  resultOf(problem, placeBestFit(problem, sortedOrder(problem, bySizeThenLifetime(problem))));
