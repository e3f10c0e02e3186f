/**
 * The only importer of the `highs` package (HiGHS compiled to WebAssembly): writes the IlpModel as CPLEX
 * LP text and solves it with HiGHS's MIP solver, output off, relative gap 0 (so "Optimal" is a proof),
 * under a time limit. A fresh solver per call keeps no state between calls.
 */
import highsImport from 'highs';
import type { Highs } from 'highs';
import type { IlpModel, IlpTerm } from './ilp-model.js';
import type { IlpSolution, IlpSolveOptions, IlpStatus } from './solver.js';

function linear(terms: readonly IlpTerm[]): string {
  return terms.map((t, i) => `${i === 0 ? (t.coef < 0 ? '- ' : '') : t.coef < 0 ? ' - ' : ' + '}${Math.abs(t.coef)} ${t.variable}`).join('');
}

/** The model as CPLEX LP text (ranged rows become two rows `<name>_lo` and `<name>_hi`). */
export function modelToLpText(model: IlpModel): string {
  const lines: string[] = ['Minimize', ` obj: ${linear(model.objective)}`, 'Subject To'];
  for (const c of model.constraints) {
    const body = linear(c.terms);
    if (c.lower !== undefined && c.upper !== undefined && c.lower !== c.upper) {
      lines.push(` ${c.name}_lo: ${body} >= ${c.lower}`, ` ${c.name}_hi: ${body} <= ${c.upper}`);
    } else if (c.lower !== undefined && c.upper !== undefined) {
      lines.push(` ${c.name}: ${body} = ${c.upper}`);
    } else if (c.upper !== undefined) {
      lines.push(` ${c.name}: ${body} <= ${c.upper}`);
    } else if (c.lower !== undefined) {
      lines.push(` ${c.name}: ${body} >= ${c.lower}`);
    }
  }
  lines.push('Bounds');
  for (const v of model.variables) {
    if (v.kind !== 'binary') lines.push(` ${v.lower} <= ${v.name} <= ${v.upper}`);
  }
  const generals = model.variables.filter((v) => v.kind === 'integer').map((v) => v.name);
  const binaries = model.variables.filter((v) => v.kind === 'binary').map((v) => v.name);
  if (generals.length > 0) lines.push('General', ...generals.map((name) => ` ${name}`));
  if (binaries.length > 0) lines.push('Binary', ...binaries.map((name) => ` ${name}`));
  lines.push('End', '');
  return lines.join('\n');
}

/**
 * The package is CommonJS-typed but loaded through its ESM build; TypeScript (NodeNext) sees the loader as
 * the `default` property of the default import, Node gives the loader itself. Accept both.
 */
function loader(): () => Promise<Highs> {
  const imported = highsImport as unknown as { default?: unknown };
  return (typeof imported === 'function' ? imported : imported.default) as () => Promise<Highs>;
}

/** Solves the model with HiGHS. */
export async function solveWithHighs(model: IlpModel, options: IlpSolveOptions): Promise<IlpSolution> {
  const highs = await loader()();
  const solution = highs.solve(modelToLpText(model), {
    output_flag: false,
    log_to_console: false,
    mip_rel_gap: 0,
    time_limit: Math.max(1, options.timeLimitMs) / 1000,
  });
  const values: Record<string, number> = {};
  let complete = true;
  for (const v of model.variables) {
    const column = solution.Columns[v.name] as { Primal?: number } | undefined;
    const primal = column?.Primal;
    if (typeof primal === 'number' && Number.isFinite(primal)) values[v.name] = primal;
    else complete = false;
  }
  let status: IlpStatus;
  if (solution.Status === 'Optimal' && complete) status = 'optimal';
  else if (solution.Status === 'Infeasible') status = 'infeasible';
  else if (complete && Number.isFinite(solution.ObjectiveValue)) status = 'feasible';
  else status = 'unknown';
  return { status, values: status === 'optimal' || status === 'feasible' ? values : {} };
}
