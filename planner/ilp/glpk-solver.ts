/**
 * The only importer of glpk.js: solves an IlpModel with GLPK's branch-and-cut (glp_intopt), presolver on,
 * messages off, under a time limit. glpk.js v5's Node entry loads the WebAssembly module asynchronously and
 * then solves synchronously; a fresh instance per call keeps no state between calls.
 */
import GLPK from 'glpk.js/node';
import type { IlpModel } from './ilp-model.js';
import type { IlpSolution, IlpSolveOptions, IlpStatus } from './solver.js';

/** Solves the model with GLPK. */
export async function solveWithGlpk(model: IlpModel, options: IlpSolveOptions): Promise<IlpSolution> {
  const glpk = await GLPK();
  const bounds = (lower: number | undefined, upper: number | undefined): { type: number; lb: number; ub: number } => {
    if (lower !== undefined && upper !== undefined) {
      return lower === upper ? { type: glpk.GLP_FX, lb: lower, ub: upper } : { type: glpk.GLP_DB, lb: lower, ub: upper };
    }
    if (lower !== undefined) return { type: glpk.GLP_LO, lb: lower, ub: 0 };
    if (upper !== undefined) return { type: glpk.GLP_UP, lb: 0, ub: upper };
    return { type: glpk.GLP_FR, lb: 0, ub: 0 };
  };
  const lp = {
    name: 'pack',
    objective: { direction: glpk.GLP_MIN, name: 'peak', vars: model.objective.map((t) => ({ name: t.variable, coef: t.coef })) },
    subjectTo: model.constraints.map((c) => ({
      name: c.name,
      vars: c.terms.map((t) => ({ name: t.variable, coef: t.coef })),
      bnds: bounds(c.lower, c.upper),
    })),
    bounds: model.variables.filter((v) => v.kind !== 'binary').map((v) => ({ name: v.name, ...bounds(v.lower, v.upper) })),
    binaries: model.variables.filter((v) => v.kind === 'binary').map((v) => v.name),
    generals: model.variables.filter((v) => v.kind === 'integer').map((v) => v.name),
  };
  const result = glpk.solve(lp, {
    msglev: glpk.GLP_MSG_OFF,
    presol: true,
    tmlim: Math.max(1, options.timeLimitMs) / 1000,
  });
  const code = result.result.status;
  let status: IlpStatus;
  if (code === glpk.GLP_OPT) status = 'optimal';
  else if (code === glpk.GLP_FEAS) status = 'feasible';
  else if (code === glpk.GLP_NOFEAS) status = 'infeasible';
  else status = 'unknown';
  const values = status === 'optimal' || status === 'feasible' ? { ...result.result.vars } : {};
  return { status, values };
}
