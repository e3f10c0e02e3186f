/**
 * Conformance: every node test of Debian's libonnx-testdata whose ops memplan supports must infer the
 * dtype and shape of each expected output. A missing package fails this file (it is not skipped),
 * unless MEMPLAN_ALLOW_SKIP names libonnx-testdata (test/helpers/system-deps.ts).
 */
import { describe, expect, it } from 'vitest';
import { SUPPORTED_OPS } from '../../src/frontend/shape-inference/registry.js';
import type { ConformanceSummary } from '../helpers/onnx-testdata.js';
import { formatSummary, LIBONNX_TESTDATA_DIR, runConformance } from '../helpers/onnx-testdata.js';
import { skipWithout } from '../helpers/system-deps.js';

const SKIP = skipWithout('libonnx-testdata');
const NOTHING: ConformanceSummary = { total: 0, covered: 0, agreeing: 0, results: [] };

/**
 * Covered tests whose expected output memplan does not (and should not) reproduce, with the reason.
 * Asserted exactly: a test that starts agreeing must be removed from here.
 */
const EXPECTED_DISAGREEMENTS: ReadonlyMap<string, string> = new Map([
  // ONNX 1.12's test data stores bfloat16 tensors as uint16 (numpy has no bfloat16); the op's
  // output type is bfloat16 (Cast 'to' = 16, CastLike's target is a bfloat16 tensor).
  ['test_cast_FLOAT_to_BFLOAT16', 'expected output stored as uint16 instead of bfloat16'],
  ['test_castlike_FLOAT_to_BFLOAT16_expanded', 'expected output stored as uint16 instead of bfloat16'],
]);

/** Floor on the number of covered tests, so that losing an op's coverage fails loudly. */
const MIN_COVERED = 875;

const summary = SKIP ? NOTHING : runConformance();
const disagreeing = summary.results.filter((r) => r.status === 'disagree');
const unsupported = summary.results.filter((r) => r.status === 'unsupported' || r.status === 'non-tensor');

describe.skipIf(SKIP)(`libonnx-testdata: ${summary.total} tests, ${summary.covered} covered, ${summary.agreeing} agree`, () => {
  it(`covers at least ${MIN_COVERED} tests`, () => {
    expect(summary.total).toBeGreaterThan(900);
    expect(summary.covered).toBeGreaterThanOrEqual(MIN_COVERED);
  });

  it('agrees on every covered test except the expected disagreements', () => {
    const unexpected = disagreeing.filter((r) => !EXPECTED_DISAGREEMENTS.has(r.name));
    expect(unexpected.map((r) => `${r.name}: ${r.detail}`), formatSummary(summary)).toEqual([]);
  });

  it('still disagrees on every listed test (remove a test that starts agreeing)', () => {
    expect(disagreeing.map((r) => r.name).sort()).toEqual([...EXPECTED_DISAGREEMENTS.keys()].sort());
  });

  it(`lists the ${unsupported.length} tests it does not cover, each with an op memplan cannot size`, () => {
    for (const r of unsupported) {
      expect(r.detail).not.toBe('');
      if (r.status === 'unsupported') {
        expect(r.ops.some((op) => !SUPPORTED_OPS.includes(op))).toBe(true);
      }
    }
  });
});

/**
 * The package's other suites: small PyTorch exports (operators and converted layers) and a few
 * hand-built models. Every covered test must agree; the floors are today's coverage.
 */
const OTHER_SUITES: readonly (readonly [string, number])[] = [
  ['pytorch-operator', 35],
  ['pytorch-converted', 82],
  ['simple', 7],
];

describe.skipIf(SKIP).each(OTHER_SUITES)('libonnx-testdata %s', (suite, minCovered) => {
  const s = SKIP ? NOTHING : runConformance(LIBONNX_TESTDATA_DIR.replace(/node$/, suite));
  it(`covers at least ${minCovered} tests and agrees on every covered one`, () => {
    expect(s.covered).toBeGreaterThanOrEqual(minCovered);
    expect(s.results.filter((r) => r.status === 'disagree').map((r) => `${r.name}: ${r.detail}`), formatSummary(s)).toEqual([]);
  });
});
