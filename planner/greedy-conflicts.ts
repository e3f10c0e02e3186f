/** `greedy-conflicts`: first fit by decreasing number of conflicts (TVM's greedy_by_conflicts). */
import type { PackStrategy } from './problem.js';
import { byConflictsDesc, firstFitBy, resultOf } from './orders.js';

export const greedyConflictsPack: PackStrategy = (problem) =>
  resultOf(problem, firstFitBy(problem, byConflictsDesc(problem)));
