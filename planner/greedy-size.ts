/** `greedy-size`: first fit by decreasing size (TFLite Micro's GreedyMemoryPlanner). */
import type { PackStrategy } from './problem.js';
import { bySizeDesc, firstFitBy, resultOf } from './orders.js';

export const greedySizePack: PackStrategy = (problem) => resultOf(problem, firstFitBy(problem, bySizeDesc(problem)));
