/**
 * Search budgets in nodes rather than milliseconds, so that a search cut short gives the same plan
 * on every run: planMemory turns its time limit into a node budget (NODES_PER_MS per millisecond)
 * and passes it with the deadline; the deadline then only guards against a machine much slower
 * than assumed. A strategy called without a budget derives one from the time left.
 */
import type { PackContext } from './problem.js';

/** Search nodes per millisecond of time limit (about what `exact` does on one shared core). */
export const NODES_PER_MS = 40;

/** A PackContext that may carry a node budget for the searches (`exact`, and `auto` through it). */
export interface BudgetedContext extends PackContext {
  readonly nodeBudget?: number;
}

/** The node budget of a context: its own, else the time left times NODES_PER_MS. */
export function nodeBudgetOf(context: PackContext): number {
  const own = (context as BudgetedContext).nodeBudget;
  if (own !== undefined) return Math.max(0, Math.floor(own));
  return Math.max(0, Math.floor((context.deadlineMs - Date.now()) * NODES_PER_MS));
}
