import { describe, expect, it } from 'vitest';
import { PlannerError } from '../../planner/errors.js';
import type { PlanIssue } from '../../planner/verify.js';
import { planMemory } from '../../planner/index.js';
import { fromPlannerError, planIssueToDiagnostic, rethrowPlannerError } from '../../src/diagnostics/planner-errors.js';
import { ConfigError, InputError, InternalError, MemplanError } from '../../src/diagnostics/errors.js';
import { formatDiagnostic } from '../../src/diagnostics/diagnostic.js';

describe('planner errors as memplan diagnostics', () => {
  it('invalid input becomes InputError MP601 at the buffer and pool', () => {
    const e = fromPlannerError(new PlannerError('invalid-input', "buffer 'x' names an unknown pool 'flash'", { buffer: 'x', pool: 'flash' }));
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).diagnostics).toEqual([
      { code: 'MP601', severity: 'error', message: "buffer 'x' names an unknown pool 'flash'", location: { buffer: 'x', pool: 'flash' } },
    ]);
    expect(e.message).toBe("error MP601: buffer 'x' names an unknown pool 'flash' (buffer 'x', pool 'flash')");
  });

  it('invalid input without a culprit keeps an empty location', () => {
    const e = fromPlannerError(new PlannerError('invalid-input', 'no pools are given: at least one memory pool is needed')) as InputError;
    expect(e.diagnostics[0]).toEqual({ code: 'MP601', severity: 'error', message: 'no pools are given: at least one memory pool is needed', location: {} });
    expect(e.message).toBe('error MP601: no pools are given: at least one memory pool is needed');
  });

  it('an unknown strategy becomes ConfigError MP101 at --strategy', () => {
    const e = fromPlannerError(new PlannerError('unknown-strategy', "unknown strategy 'magic'; valid strategies: auto", { strategy: 'magic', validStrategies: ['auto'] }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toBe("error MP101: unknown strategy 'magic'; valid strategies: auto (flag --strategy)");
  });

  it('a failed verification becomes an InternalError quoting the first five issues as MP404', () => {
    const issues: PlanIssue[] = [
      { rule: 'misaligned', message: "buffer 'c' at offset 8 is not aligned to 32 bytes", buffer: 'c', pool: 'sram' },
      { rule: 'fits-flag', message: 'plan says fits=false but everything is placed within capacity' },
      ...['d', 'e', 'f', 'g'].map((b): PlanIssue => ({ rule: 'not-placed', message: `buffer '${b}' is neither allocated nor listed as unplaced`, buffer: b })),
    ];
    const e = fromPlannerError(new PlannerError('verification-failed', 'plan failed verification', { issues }));
    expect(e).toBeInstanceOf(InternalError);
    // A MemplanError with its own code and exit path (3, not 2: src/cli/run-cli.ts).
    expect(e).toBeInstanceOf(MemplanError);
    expect(e.diagnostics.map((d) => d.code)).toEqual(['MP901']);
    expect(e.message).toBe(
      "internal error: plan failed verification: error MP404: buffer 'c' at offset 8 is not aligned to 32 bytes (buffer 'c', pool 'sram'); " +
        'error MP404: plan says fits=false but everything is placed within capacity; ' +
        "error MP404: buffer 'd' is neither allocated nor listed as unplaced (buffer 'd'); " +
        "error MP404: buffer 'e' is neither allocated nor listed as unplaced (buffer 'e'); " +
        "error MP404: buffer 'f' is neither allocated nor listed as unplaced (buffer 'f')",
    );
  });

  it('an internal planner error becomes an InternalError with the same sentence', () => {
    const e = fromPlannerError(new PlannerError('internal', "pool 'sram' overflows but nothing can be spilled"));
    expect(e).toBeInstanceOf(InternalError);
    expect(e.message).toBe("internal error: pool 'sram' overflows but nothing can be spilled");
  });

  it('a verification issue is diagnostic MP404, located only when it names a buffer or pool', () => {
    expect(planIssueToDiagnostic({ rule: 'pool-figures', message: "plan does not report pool 'dram'", pool: 'dram' })).toEqual({
      code: 'MP404',
      severity: 'error',
      message: "plan does not report pool 'dram'",
      location: { pool: 'dram' },
    });
    const unlocated = planIssueToDiagnostic({ rule: 'fits-flag', message: 'plan says fits=true but something is unplaced or over capacity' });
    expect(unlocated).not.toHaveProperty('location');
    expect(formatDiagnostic(unlocated)).toBe('error MP404: plan says fits=true but something is unplaced or over capacity');
  });

  it('rethrowPlannerError maps planner errors and passes everything else through', async () => {
    const mapped = await planMemory([{ name: 'a', sizeBytes: 4, start: 0, end: 0, conflicts: ['ghost'] }], [{ name: 'sram', sizeBytes: null }])
      .catch(rethrowPlannerError)
      .then(() => undefined, (e: unknown) => e);
    expect(mapped).toBeInstanceOf(InputError);
    expect((mapped as InputError).message).toBe("error MP601: buffer 'a' lists an unknown buffer 'ghost' in its conflicts (buffer 'a')");
    const other = new RangeError('not a planner error');
    expect(() => rethrowPlannerError(other)).toThrow(other);
  });
});
