/** `greedy-lifetime`: first fit by start step, longest lifetime first (in the spirit of Vela's linear allocator). */
import type { PackStrategy } from './problem.js';
import { byLifetime, firstFitBy, resultOf } from './orders.js';

export const greedyLifetimePack: PackStrategy = (problem) => resultOf(problem, firstFitBy(problem, byLifetime(problem)));
