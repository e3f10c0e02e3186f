/** `greedy-breadth`: first fit in breadth-first order, by start step then size (TFLite's arena planner). */
import type { PackStrategy } from './problem.js';
import { byBreadth, firstFitBy, resultOf } from './orders.js';

export const greedyBreadthPack: PackStrategy = (problem) => resultOf(problem, firstFitBy(problem, byBreadth(problem)));
