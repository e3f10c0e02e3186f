/**
 * The planner's own errors. The planner is a stand-alone library: it throws PlannerError with a
 * stable machine-readable `kind` and structured details, and leaves it to its caller to turn them
 * into user-facing messages (memplan's CLI maps them to MPnnn diagnostics in
 * src/diagnostics/planner-errors.ts).
 */
import type { PlanIssue } from './verify.js';

/**
 * What went wrong:
 * - `invalid-input`: the buffers or pools break the contract (planner/types.ts); `details` names
 *   the buffer and/or pool;
 * - `unknown-strategy`: a strategy name that is not registered; `details` gives it and the valid ones;
 * - `verification-failed`: the plan the planner built fails verifyPlan (a bug); `details.issues`;
 * - `internal`: another broken invariant of the planner (a bug).
 */
export type PlannerErrorKind = 'invalid-input' | 'unknown-strategy' | 'verification-failed' | 'internal';

/** Structured facts about a PlannerError; which fields are set depends on the kind. */
export interface PlannerErrorDetails {
  /** The buffer at fault (invalid-input). */
  readonly buffer?: string;
  /** The pool at fault (invalid-input). */
  readonly pool?: string;
  /** The unknown strategy name (unknown-strategy). */
  readonly strategy?: string;
  /** Every registered strategy name, in registry order (unknown-strategy). */
  readonly validStrategies?: readonly string[];
  /** What verifyPlan found, in its order (verification-failed). */
  readonly issues?: readonly PlanIssue[];
}

/** The one error type the planner throws. `message` is one sentence without a code. */
export class PlannerError extends Error {
  readonly kind: PlannerErrorKind;
  readonly details: PlannerErrorDetails;
  constructor(kind: PlannerErrorKind, message: string, details: PlannerErrorDetails = {}) {
    super(message);
    this.name = 'PlannerError';
    this.kind = kind;
    this.details = details;
  }
}
