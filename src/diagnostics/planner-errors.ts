/**
 * Where the planner meets memplan's diagnostics: the stand-alone planner (planner/) throws
 * PlannerError and reports PlanIssue; here they become the MPnnn diagnostics, error classes and
 * messages memplan has always shown.
 * - invalid-input        -> InputError MP601 at the buffer and/or pool
 * - unknown-strategy     -> ConfigError MP101 at flag --strategy
 * - verification-failed  -> InternalError listing the first issues as MP404 diagnostics
 * - internal             -> InternalError
 */
import { PlannerError } from '../../planner/errors.js';
import type { PlanIssue } from '../../planner/verify.js';
import { Codes, formatMessage } from './codes.js';
import type { Diagnostic, Location } from './diagnostic.js';
import { formatDiagnostic } from './diagnostic.js';
import { ConfigError, InputError, InternalError, type MemplanError } from './errors.js';

/** How many verification issues an internal error quotes. */
const QUOTED_ISSUES = 5;

/** A verification issue as diagnostic MP404, located at its buffer and/or pool. */
export function planIssueToDiagnostic(issue: PlanIssue): Diagnostic {
  const location: Location = {
    ...(issue.buffer !== undefined ? { buffer: issue.buffer } : {}),
    ...(issue.pool !== undefined ? { pool: issue.pool } : {}),
  };
  const located = issue.buffer !== undefined || issue.pool !== undefined;
  return { code: Codes.VerifyFailed, severity: 'error', message: formatMessage(Codes.VerifyFailed, { issue: issue.message }), ...(located ? { location } : {}) };
}

/** The memplan error a PlannerError stands for. */
export function fromPlannerError(e: PlannerError): MemplanError | InternalError {
  const { buffer, pool } = e.details;
  switch (e.kind) {
    case 'invalid-input':
      return InputError.one(Codes.BadBufferSet, e.message, {
        ...(buffer !== undefined ? { buffer } : {}),
        ...(pool !== undefined ? { pool } : {}),
      });
    case 'unknown-strategy':
      return ConfigError.one(Codes.BadFlag, e.message, { flag: '--strategy' });
    case 'verification-failed': {
      const quoted = (e.details.issues ?? []).slice(0, QUOTED_ISSUES).map((i) => formatDiagnostic(planIssueToDiagnostic(i)));
      return new InternalError(`plan failed verification: ${quoted.join('; ')}`);
    }
    case 'internal':
      return new InternalError(e.message);
  }
}

/**
 * For `.catch(rethrowPlannerError)` on planner calls: rethrows a PlannerError as its memplan
 * error, anything else unchanged.
 */
export function rethrowPlannerError(e: unknown): never {
  throw e instanceof PlannerError ? fromPlannerError(e) : e;
}
