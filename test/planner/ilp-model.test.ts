import { describe, expect, it } from 'vitest';
import { buildIlpModel, decodeOffsets, ilpUnitBytes } from '../../planner/ilp/ilp-model.js';
import type { IlpModel } from '../../planner/ilp/ilp-model.js';
import { modelToLpText } from '../../planner/ilp/highs-solver.js';
import type { PackProblem } from '../../planner/problem.js';
import { problemOf as intervals } from './ilp-problems.js';

/** Values of every variable for given offsets (bytes), with order binaries chosen from the offsets. */
function assignment(model: IlpModel, problem: PackProblem, offsetsBytes: readonly number[]): Record<string, number> {
  const values: Record<string, number> = {};
  let peak = 0;
  problem.items.forEach((item, i) => {
    const name = model.offsetVariables[i];
    if (name) values[name] = offsetsBytes[i]! / model.unitBytes / model.strideUnits[i]!;
    if (item.sizeBytes > 0) peak = Math.max(peak, offsetsBytes[i]! + item.sizeBytes);
  });
  values[model.peakVariable] = peak / model.unitBytes;
  for (const v of model.variables) {
    const m = /^z(\d+)_(\d+)$/.exec(v.name);
    if (m) values[v.name] = offsetsBytes[Number(m[1])]! < offsetsBytes[Number(m[2])]! ? 1 : 0;
  }
  return values;
}

function satisfied(model: IlpModel, values: Record<string, number>): boolean {
  for (const v of model.variables) {
    const x = values[v.name]!;
    if (!Number.isInteger(x) || x < v.lower || x > v.upper) return false;
  }
  return model.constraints.every((c) => {
    const sum = c.terms.reduce((t, term) => t + term.coef * values[term.variable]!, 0);
    return (c.lower === undefined || sum >= c.lower) && (c.upper === undefined || sum <= c.upper);
  });
}

describe('ilpUnitBytes', () => {
  it.each([
    ['the GCD of sizes when alignments divide it', [[64, 1, 0, 0], [128, 16, 0, 0], [192, 64, 0, 0]], 64],
    ['the power of two of the GCD when an alignment exceeds it', [[96, 1, 0, 0], [192, 64, 0, 0]], 32],
    ['1 for coprime sizes', [[3, 1, 0, 0], [5, 1, 0, 0]], 1],
    ['1 when every size is 0', [[0, 8, 0, 0]], 1],
    ['the GCD ignoring zero sizes', [[0, 1, 0, 0], [48, 16, 0, 0], [96, 16, 0, 0]], 48],
  ] as const)('is %s', (_label, rows, unit) => {
    expect(ilpUnitBytes(intervals(rows))).toBe(unit);
  });
});

describe('buildIlpModel', () => {
  const problem = intervals([
    [64, 64, 0, 1],
    [128, 64, 1, 2],
    [64, 64, 3, 3],
    [0, 1, 0, 3],
  ]);

  it('has one offset variable per non-empty item, order binaries only for conflicting pairs, and a peak', () => {
    const model = buildIlpModel(problem);
    expect(model.unitBytes).toBe(64);
    expect(model.offsetVariables).toEqual(['k0', 'k1', 'k2', null]);
    expect(model.variables.filter((v) => v.kind === 'binary').map((v) => v.name)).toEqual(['z0_1']);
    expect(model.constraints.map((c) => c.name)).toEqual(['top0', 'top1', 'top2', 'below0_1', 'above0_1']);
    expect(model.objective).toEqual([{ variable: 'peak', coef: 1 }]);
    // Lower bound as a cut on the peak; without an incumbent or capacity the peak is at most the stack.
    expect(model.peakLowerUnits).toBe(3);
    expect(model.peakUpperUnits).toBe(4);
    expect(model.variables.find((v) => v.name === 'peak')).toEqual({ name: 'peak', kind: 'integer', lower: 3, upper: 4 });
    expect(model.triviallyInfeasible).toBe(false);
  });

  it('asks for a strictly smaller peak than an incumbent, and bounds the peak by the capacity', () => {
    expect(buildIlpModel(problem, { upperBoundBytes: 256 }).peakUpperUnits).toBe(3);
    expect(buildIlpModel(problem, { upperBoundBytes: 250 }).peakUpperUnits).toBe(3);
    expect(buildIlpModel(problem, { upperBoundBytes: 192 }).triviallyInfeasible).toBe(true);
    const capped = intervals([[64, 64, 0, 1], [128, 64, 1, 2]], 200);
    expect(buildIlpModel(capped).peakUpperUnits).toBe(3);
    expect(buildIlpModel(intervals([[64, 64, 0, 1], [128, 64, 1, 2]], 150)).triviallyInfeasible).toBe(true);
    // An item taller than the capacity cannot be placed at all.
    expect(buildIlpModel(intervals([[256, 1, 0, 0]], 128)).triviallyInfeasible).toBe(true);
  });

  it('uses offset strides so that every offset is aligned', () => {
    const model = buildIlpModel(intervals([[32, 128, 0, 1], [64, 1, 0, 1], [96, 32, 1, 2]]));
    expect(model.unitBytes).toBe(32);
    expect(model.strideUnits).toEqual([4, 1, 1]);
    const offsets = decodeOffsets(model, { k0: 3, k1: 5, k2: 1 });
    expect(offsets).toEqual([384, 160, 32]);
  });

  it('accepts every valid packing and rejects every overlapping one (checked without a solver)', () => {
    const p = intervals([[2, 1, 0, 2], [3, 1, 1, 3], [1, 2, 2, 4], [2, 1, 0, 4]]);
    const model = buildIlpModel(p);
    let valid = 0;
    let invalid = 0;
    for (let a = 0; a <= 6; a++) for (let b = 0; b <= 6; b++) for (let c = 0; c <= 6; c += 2) for (let d = 0; d <= 6; d++) {
      const offsets = [a, b, c, d];
      const overlap = p.neighbors.some((ns, i) => ns.some((j) => offsets[i]! < offsets[j]! + p.items[j]!.sizeBytes && offsets[j]! < offsets[i]! + p.items[i]!.sizeBytes));
      const peak = Math.max(...p.items.map((it, i) => offsets[i]! + it.sizeBytes));
      if (peak > model.peakUpperUnits * model.unitBytes) continue;
      const values = assignment(model, p, offsets);
      // Overlap must violate the model for either order of each pair; try both orders.
      const ok = satisfied(model, values) || model.variables.filter((v) => v.kind === 'binary').some((z) => satisfied(model, { ...values, [z.name]: 1 - values[z.name]! }));
      if (overlap) {
        expect(ok).toBe(false);
        invalid++;
      } else {
        expect(ok).toBe(true);
        expect(decodeOffsets(model, values)).toEqual(offsets);
        valid++;
      }
    }
    expect(valid).toBeGreaterThan(10);
    expect(invalid).toBeGreaterThan(10);
  });

  it('is deterministic and writes LP text for HiGHS', () => {
    expect(buildIlpModel(problem)).toEqual(buildIlpModel(problem));
    const text = modelToLpText(buildIlpModel(problem));
    expect(text).toContain('Minimize\n obj: 1 peak\nSubject To\n top0: 1 k0 - 1 peak <= -1\n');
    expect(text).toContain(' below0_1: 1 k0 - 1 k1 + 4 z0_1 <= 3\n above0_1: 1 k1 - 1 k0 - 4 z0_1 <= -2\n');
    expect(text).toContain('Bounds\n 0 <= k0 <= 3\n');
    expect(text).toMatch(/General\n k0\n k1\n k2\n peak\nBinary\n z0_1\nEnd\n$/);
  });
});

describe('buildIlpModel with overlay zones', () => {
  // Item 0: a group of two 20-byte members at 0 and 60 (80 bytes of hull). Item 1 (40 bytes)
  // conflicts with both members: offset(0) - offset(1) must avoid [-19, 40) (lower member) and
  // [-79, -20) (upper member), two zones with a gap at -20 (item 1 between the members). Item 2
  // (20 bytes) conflicts with the upper member only: one zone [-79, -40).
  const problem: PackProblem = {
    items: [
      { index: 0, name: 'g', sizeBytes: 80, alignmentBytes: 1 },
      { index: 1, name: 'a', sizeBytes: 40, alignmentBytes: 1 },
      { index: 2, name: 'b', sizeBytes: 20, alignmentBytes: 1 },
    ],
    neighbors: [[1, 2], [0], [0]],
    capacityBytes: null,
    lowerBoundBytes: 80,
    zones: [
      [
        [
          [-79, -20],
          [-19, 40],
        ],
        [[-79, -40]],
      ],
      [
        [
          [-39, 20],
          [21, 80],
        ],
      ],
      [[[41, 80]]],
    ],
  };
  const values = (offsets: number[], z: Record<string, number>): Record<string, number> => ({
    k0: offsets[0]! / 20,
    k1: offsets[1]! / 20,
    k2: offsets[2]! / 20,
    peak: Math.max(offsets[0]! + 80, offsets[1]! + 40, offsets[2]! + 20) / 20,
    ...z,
  });

  it('has one binary per zone of a pair and a unit dividing every zone end', () => {
    const model = buildIlpModel(problem);
    expect(model.unitBytes).toBe(20);
    expect(model.variables.filter((v) => v.kind === 'binary').map((v) => v.name)).toEqual(['z0_1_0', 'z0_1_1', 'z0_2']);
    expect(model.constraints.map((c) => c.name)).toEqual(['top0', 'top1', 'top2', 'below0_1_0', 'above0_1_0', 'below0_1_1', 'above0_1_1', 'below0_2', 'above0_2']);
  });

  it('accepts a between the members and b under the upper one, and rejects a on a member', () => {
    const model = buildIlpModel(problem);
    // g at 0 (members [0,20) and [60,80)), a at 20 ([20,60)), b at 0 (conflicts with [60,80) only): 80 bytes.
    expect(satisfied(model, values([0, 20, 0], { z0_1_0: 0, z0_1_1: 1, z0_2: 0 }))).toBe(true);
    // a at 40 ([40,80)) meets the upper member, whatever the binaries say.
    for (const z0 of [0, 1]) for (const z1 of [0, 1]) expect(satisfied(model, values([0, 40, 0], { z0_1_0: z0, z0_1_1: z1, z0_2: 0 }))).toBe(false);
  });
});
