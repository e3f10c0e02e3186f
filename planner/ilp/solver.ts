/** What every MIP solver adapter returns (glpk-solver.ts, highs-solver.ts). */
import type { IlpModel } from './ilp-model.js';

export type IlpStatus = 'optimal' | 'feasible' | 'infeasible' | 'unknown';

export interface IlpSolution {
  /** optimal: proven; feasible: a solution, not proven; infeasible: proven none; unknown: no solution, no proof. */
  readonly status: IlpStatus;
  /** Variable values when status is optimal or feasible; empty otherwise. */
  readonly values: Readonly<Record<string, number>>;
}

export interface IlpSolveOptions {
  /** Wall-clock limit for the solver, in milliseconds (at least 1). */
  readonly timeLimitMs: number;
}

export type IlpSolver = (model: IlpModel, options: IlpSolveOptions) => Promise<IlpSolution>;
