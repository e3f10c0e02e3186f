/** Shared by the buffer-set reader tests: the InputError a call throws. */
import { expect } from 'vitest';
import { InputError } from '../../src/diagnostics/errors.js';

/** Runs `run` and returns the InputError it throws; fails the test when it throws nothing or something else. */
export function inputErrorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}
