/** Shared by the frontend tests: what a MemplanError thrown by `f` says. */
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
  try {
    f();
  } catch (e) {
    if (!(e instanceof MemplanError)) throw e;
    expect(e.message).not.toContain('\n');
    const d = e.diagnostics[0];
    return { code: d?.code ?? '', message: e.message, flag: d?.location?.flag, node: d?.location?.node };
  }
  throw new Error('expected a MemplanError');
}
