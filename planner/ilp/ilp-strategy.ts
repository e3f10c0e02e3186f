/**
 * The `ilp` strategy: the MIP of ilp-model.ts solved by HiGHS (default) or glpk.js under the deadline.
 *
 * Why HiGHS by default: on the Glow models where first fit misses the lower bound (9 of 79), with 5 s
 * each, HiGHS reaches and proves the bound on 9 of 9 (6.7 s in all) and glpk on 6 of 9 (14.1 s: the
 * three ResNet v2 ONNX models time out); glpk is faster on the easy ones (60 ms against 250-1000 ms) but
 * overshoots its time limit by up to 4.5 s on the MiniMalloc instances, HiGHS stays within it.
 *
 * It starts from the best plan it holds (ctx.incumbentOffsets when valid, else its own first fit). When
 * that plan fits, the MIP asks only for a strictly smaller peak, so a proof of infeasibility proves the
 * incumbent optimal; when it does not fit a bounded pool, the MIP asks for any packing within capacity,
 * and a proof of infeasibility sets `infeasible`. `optimal` is true only on a solver's proof (or when the
 * result meets the lower bound). When the solver returns no solution, the incumbent is returned.
 */
import type { PackContext, PackProblem, PackResult, PackStrategy } from '../problem.js';
import { firstFitOffsets, isValidPlacement, peakBytes } from './first-fit.js';
import { buildIlpModel, decodeOffsets } from './ilp-model.js';
import { bestHeuristicPlacement } from '../exact-zones.js';
import { solveWithGlpk } from './glpk-solver.js';
import { solveWithHighs } from './highs-solver.js';
import type { IlpSolver } from './solver.js';

/**
 * Largest number of conflicting pairs (order binaries) the strategy hands to a solver. Beyond it the
 * model takes longer to write and load than any time limit we use, and no MIP solver closes the gap;
 * the strategy then returns its incumbent unproven.
 */
export const MAX_ILP_PAIRS = 20_000;

/** Builds an ILP strategy around a solver adapter. */
export function createIlpStrategy(solver: IlpSolver): PackStrategy {
  return async (problem: PackProblem, ctx: PackContext): Promise<PackResult> => {
    const n = problem.items.length;
    if (n === 0) return { offsets: [], usedBytes: 0, optimal: true };

    let incumbent = ctx.incumbentOffsets && isValidPlacement(problem, ctx.incumbentOffsets) ? [...ctx.incumbentOffsets] : null;
    let incumbentBytes = incumbent ? peakBytes(problem, incumbent) : Infinity;
    // With overlay groups, start from the best greedy placement (never worse than a greedy).
    const own = problem.zones !== undefined ? bestHeuristicPlacement(problem).offsets : firstFitOffsets(problem);
    const ownBytes = peakBytes(problem, own);
    if (ownBytes < incumbentBytes) {
      incumbent = own;
      incumbentBytes = ownBytes;
    }
    const best = incumbent as number[];
    const lowerBound = problem.lowerBoundBytes;
    const result = (offsets: number[], usedBytes: number, optimal: boolean, infeasible = false): PackResult => ({
      offsets,
      usedBytes,
      optimal: optimal || usedBytes <= lowerBound,
      ...(infeasible ? { infeasible } : {}),
    });
    const overCapacity = problem.capacityBytes !== null && incumbentBytes > problem.capacityBytes;
    if (incumbentBytes <= lowerBound) return result(best, incumbentBytes, true, overCapacity);

    const fitsAlready = problem.capacityBytes === null || incumbentBytes <= problem.capacityBytes;
    // A bound known elsewhere without its plan still tightens the model (peak <= that bound).
    let boundBytes = fitsAlready ? incumbentBytes : undefined;
    const outside = ctx.upperBoundBytes;
    const outsideOnly = outside !== undefined && outside < incumbentBytes && outside >= lowerBound;
    if (outsideOnly) boundBytes = outside + 1;

    let pairs = 0;
    for (const list of problem.neighbors) pairs += list.length;
    if (pairs / 2 > MAX_ILP_PAIRS) return result(best, incumbentBytes, false);

    const model = buildIlpModel(problem, boundBytes !== undefined ? { upperBoundBytes: boundBytes } : {});
    const timeLimitMs = ctx.deadlineMs - Date.now();
    if (model.triviallyInfeasible || timeLimitMs <= 0) {
      const proven = model.triviallyInfeasible && !outsideOnly;
      return result(best, incumbentBytes, proven && fitsAlready, proven && !fitsAlready);
    }
    ctx.onProgress?.({ phase: 'ilp', bestBytes: incumbentBytes, lowerBoundBytes: lowerBound });
    // Solvers check their clock between nodes and overshoot a little; keep a margin.
    const solution = await solver(model, { timeLimitMs: Math.max(1, Math.floor(timeLimitMs * 0.9) - 20) });
    if (solution.status === 'optimal' || solution.status === 'feasible') {
      const offsets = decodeOffsets(model, solution.values);
      const used = peakBytes(problem, offsets);
      const withinCapacity = problem.capacityBytes === null || used <= problem.capacityBytes;
      if (isValidPlacement(problem, offsets) && withinCapacity && used < incumbentBytes) {
        // Optimal within peak <= bound is optimal overall: any better packing also lies within the bound.
        return result(offsets, used, solution.status === 'optimal');
      }
      return result(best, incumbentBytes, false);
    }
    if (solution.status === 'infeasible' && !outsideOnly) {
      // Nothing strictly better exists (or nothing fits the capacity).
      return result(best, incumbentBytes, fitsAlready, !fitsAlready);
    }
    return result(best, incumbentBytes, false);
  };
}

/** The ILP strategy with glpk.js as the solver. */
export const ilpGlpkPack: PackStrategy = createIlpStrategy(solveWithGlpk);

/** The ILP strategy with HiGHS as the solver. */
export const ilpHighsPack: PackStrategy = createIlpStrategy(solveWithHighs);

/** The registered `ilp` strategy: HiGHS (see the file comment for why). */
export const ilpPack: PackStrategy = ilpHighsPack;
