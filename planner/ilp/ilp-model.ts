/**
 * The offset-packing problem of one pool as a mixed-integer linear program, as plain data, so that it can
 * be checked without a solver and handed to any MIP solver (glpk-solver.ts, highs-solver.ts).
 *
 * Units. Every quantity is divided by a unit `unitBytes` chosen so that nothing optimal is lost: let G be
 * the GCD of the sizes. Some optimal packing is "canonical" (every buffer at 0 or at the aligned top of a
 * conflicting buffer below it: drop buffers in offset order as low as they go). Alignments are powers of
 * two, so in such a packing every offset is a multiple of G when every alignment divides G, and otherwise
 * of gcd(G, the alignments that do not divide G) (the largest power of two dividing G). That is the unit.
 *
 * Variables (names are solver-safe):
 *   k<i>      integer >= 0, offset of item i = k<i> * stride<i> units, stride<i> = max(1, alignment / unit),
 *             so alignment holds by construction; zero-size items get no variable (offset 0).
 *   z<i>_<j>  binary, one per conflicting pair i < j with both sizes > 0: 1 = i lies below j.
 *   peak      the high-water mark in units; the objective minimises it.
 * Constraints:
 *   top<i>:     stride<i> k<i> + size<i> <= peak
 *   below<i>_<j>: stride<i> k<i> - stride<j> k<j> + M z <= M - size<i>     (z = 1: i + size<i> <= j)
 *   above<i>_<j>: stride<j> k<j> - stride<i> k<i> - M z <= -size<j>        (z = 0: j + size<j> <= i)
 * Bounds: lowerBound <= peak <= peakMax, where peakMax is the capacity when the problem is bounded, and
 * strictly below `upperBoundBytes` when an incumbent is known (the MIP then looks only for a better plan,
 * so "infeasible" proves the incumbent optimal). Big-M = peakMax, which is valid because every offset plus
 * its size is at most peak <= peakMax.
 * Overlay groups (PackProblem.zones): one binary per forbidden zone of a pair instead
 * (addZoneConstraints), and the unit also divides every zone end.
 */
import type { PackProblem } from '../problem.js';

export type IlpVariableKind = 'integer' | 'binary' | 'continuous';

export interface IlpVariable {
  readonly name: string;
  readonly kind: IlpVariableKind;
  readonly lower: number;
  /** Inclusive upper bound (finite: the model always bounds every variable). */
  readonly upper: number;
}

export interface IlpTerm {
  readonly variable: string;
  readonly coef: number;
}

/** lower <= sum(coef * variable) <= upper; an absent side is unbounded. */
export interface IlpConstraint {
  readonly name: string;
  readonly terms: readonly IlpTerm[];
  readonly lower?: number;
  readonly upper?: number;
}

export interface IlpModel {
  readonly variables: readonly IlpVariable[];
  readonly constraints: readonly IlpConstraint[];
  /** Minimise sum(coef * variable). */
  readonly objective: readonly IlpTerm[];
  /** Bytes per model unit. */
  readonly unitBytes: number;
  /** Per item: the offset variable (null for zero-size items, whose offset is 0) and its stride in units. */
  readonly offsetVariables: readonly (string | null)[];
  readonly strideUnits: readonly number[];
  readonly peakVariable: string;
  /** Bounds of the peak, in units. */
  readonly peakLowerUnits: number;
  readonly peakUpperUnits: number;
  /** True when the bounds alone leave no solution (peakUpper < peakLower or an item taller than peakUpper). */
  readonly triviallyInfeasible: boolean;
}

export interface IlpModelOptions {
  /** usedBytes of a known packing: the model then asks for peak < upperBoundBytes. */
  readonly upperBoundBytes?: number;
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** The unit (bytes) all sizes and canonical offsets are multiples of; see the file comment. */
export function ilpUnitBytes(problem: PackProblem): number {
  let sizeGcd = 0;
  for (const item of problem.items) sizeGcd = gcd(sizeGcd, item.sizeBytes);
  // Overlay groups: zone ends too (the tops and bottoms of members inside a group).
  for (const list of problem.zones ?? []) for (const zones of list) for (const [lo, hi] of zones) sizeGcd = gcd(gcd(sizeGcd, lo - 1), hi);
  if (sizeGcd === 0) return 1;
  let unit = sizeGcd;
  for (const item of problem.items) {
    if (item.sizeBytes > 0 && sizeGcd % item.alignmentBytes !== 0) unit = gcd(unit, item.alignmentBytes);
  }
  return unit;
}

/** Builds the MIP of one pool's packing problem. Pure: same problem, same model. */
export function buildIlpModel(problem: PackProblem, options: IlpModelOptions = {}): IlpModel {
  const items = problem.items;
  const unit = ilpUnitBytes(problem);
  const sizeUnits = items.map((item) => item.sizeBytes / unit);
  const strideUnits = items.map((item) => Math.max(1, item.alignmentBytes / unit));

  // Without an incumbent, stacking every item (with its alignment padding) is a feasible packing.
  let stackUnits = 0;
  items.forEach((_, i) => {
    if ((sizeUnits[i] as number) > 0) stackUnits += (sizeUnits[i] as number) + (strideUnits[i] as number) - 1;
  });
  let peakUpper = stackUnits;
  if (options.upperBoundBytes !== undefined) peakUpper = Math.min(peakUpper, Math.ceil(options.upperBoundBytes / unit) - 1);
  if (problem.capacityBytes !== null) peakUpper = Math.min(peakUpper, Math.floor(problem.capacityBytes / unit));
  const peakLower = Math.ceil(problem.lowerBoundBytes / unit);
  const bigM = Math.max(peakUpper, 0);

  const variables: IlpVariable[] = [];
  const constraints: IlpConstraint[] = [];
  const offsetVariables: (string | null)[] = [];
  let triviallyInfeasible = peakUpper < peakLower;
  const peak = 'peak';

  items.forEach((_, i) => {
    const size = sizeUnits[i] as number;
    const stride = strideUnits[i] as number;
    if (size === 0) {
      offsetVariables.push(null);
      return;
    }
    const name = `k${i}`;
    offsetVariables.push(name);
    const maxSteps = Math.floor((bigM - size) / stride);
    if (maxSteps < 0) triviallyInfeasible = true;
    variables.push({ name, kind: 'integer', lower: 0, upper: Math.max(0, maxSteps) });
    constraints.push({ name: `top${i}`, terms: [{ variable: name, coef: stride }, { variable: peak, coef: -1 }], upper: -size });
  });

  if (problem.zones !== undefined) addZoneConstraints(problem, problem.zones, unit, offsetVariables, strideUnits, bigM, variables, constraints);
  else items.forEach((_, i) => {
    const si = sizeUnits[i] as number;
    if (si === 0) return;
    for (const j of problem.neighbors[i] ?? []) {
      if (j <= i) continue;
      const sj = sizeUnits[j] as number;
      if (sj === 0) continue;
      const z = `z${i}_${j}`;
      const ki = offsetVariables[i] as string;
      const kj = offsetVariables[j] as string;
      const ai = strideUnits[i] as number;
      const aj = strideUnits[j] as number;
      variables.push({ name: z, kind: 'binary', lower: 0, upper: 1 });
      constraints.push({
        name: `below${i}_${j}`,
        terms: [{ variable: ki, coef: ai }, { variable: kj, coef: -aj }, { variable: z, coef: bigM }],
        upper: bigM - si,
      });
      constraints.push({
        name: `above${i}_${j}`,
        terms: [{ variable: kj, coef: aj }, { variable: ki, coef: -ai }, { variable: z, coef: -bigM }],
        upper: -sj,
      });
    }
  });

  variables.push({ name: peak, kind: 'integer', lower: peakLower, upper: Math.max(peakLower, peakUpper) });
  return {
    variables,
    constraints,
    objective: [{ variable: peak, coef: 1 }],
    unitBytes: unit,
    offsetVariables,
    strideUnits,
    peakVariable: peak,
    peakLowerUnits: peakLower,
    peakUpperUnits: peakUpper,
    triviallyInfeasible,
  };
}

/**
 * Overlay groups (PackProblem.zones): the offsets of a conflicting pair i < j must keep
 * δ = offset(i) - offset(j) out of each zone [lo, hi), one binary z per zone (z = 1: δ <= lo - 1,
 * z = 0: δ >= hi), named z<i>_<j> when the pair has one zone and z<i>_<j>_<t> otherwise:
 *   below<i>_<j>[_<t>]: stride<i> k<i> - stride<j> k<j> + M z <= M + (lo - 1)
 *   above<i>_<j>[_<t>]: stride<j> k<j> - stride<i> k<i> - M z <= -hi
 * On ordinary items (one zone [1 - size<i>, size<j>)) these are the constraints above. M = peakMax
 * stays valid: every zone end comes from two members, so lo - 1 >= -size<i> and hi <= size<j>.
 */
function addZoneConstraints(
  problem: PackProblem,
  zones: NonNullable<PackProblem['zones']>,
  unit: number,
  offsetVariables: readonly (string | null)[],
  strideUnits: readonly number[],
  bigM: number,
  variables: IlpVariable[],
  constraints: IlpConstraint[],
): void {
  problem.items.forEach((_, i) => {
    const ki = offsetVariables[i];
    if (ki === null || ki === undefined) return;
    problem.neighbors[i]!.forEach((j, k) => {
      if (j <= i) return;
      const kj = offsetVariables[j];
      if (kj === null || kj === undefined) return;
      const list = zones[i]![k]!;
      const ai = strideUnits[i] as number;
      const aj = strideUnits[j] as number;
      list.forEach(([lo, hi], t) => {
        const suffix = list.length === 1 ? `${i}_${j}` : `${i}_${j}_${t}`;
        const z = `z${suffix}`;
        variables.push({ name: z, kind: 'binary', lower: 0, upper: 1 });
        constraints.push({
          name: `below${suffix}`,
          terms: [{ variable: ki, coef: ai }, { variable: kj, coef: -aj }, { variable: z, coef: bigM }],
          upper: bigM + (lo - 1) / unit,
        });
        constraints.push({
          name: `above${suffix}`,
          terms: [{ variable: kj, coef: aj }, { variable: ki, coef: -ai }, { variable: z, coef: -bigM }],
          upper: -hi / unit,
        });
      });
    });
  });
}

/** Reads item offsets (bytes) out of a solver's variable values. */
export function decodeOffsets(model: IlpModel, values: Readonly<Record<string, number>>): number[] {
  return model.offsetVariables.map((name, i) => {
    if (name === null) return 0;
    const steps = Math.round(values[name] ?? 0);
    return steps * (model.strideUnits[i] as number) * model.unitBytes;
  });
}
