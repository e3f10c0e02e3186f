/** Shared by the frontend tests: the MemplanError that `f` throws and what it says. */
import { expect } from 'vitest';
import { MemplanError } from '../../src/diagnostics/errors.js';

export interface Failure {
  readonly code: string;
  readonly message: string;
  readonly flag?: string | undefined;
  readonly node?: string | undefined;
}

/**
 * Runs `f` and returns the code, the one-line message (checked to hold no newline) and the flag and
 * node of the first diagnostic of the MemplanError it throws; anything else is rethrown.
 */
export function failure(f: () => unknown): Failure {
  const e = errorOf(f);
  expect(e.message).not.toContain('\n');
  const d = e.diagnostics[0];
  return { code: d?.code ?? '', message: e.message, flag: d?.location?.flag, node: d?.location?.node };
}

/** The MemplanError that `f` throws; anything else is rethrown, and no error at all is a failure. */
export function errorOf(f: () => unknown): MemplanError {
  try {
    f();
  } catch (e) {
    if (e instanceof MemplanError) return e;
    throw e;
  }
  throw new Error('expected a MemplanError');
}
