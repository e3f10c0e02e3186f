/**
 * An internal error is a bug, not bad input: runCli prints one line saying so and exits 3, for an
 * InternalError (MP901, a MemplanError with its own exit path) and for any other exception alike.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';
import type { Host } from '../../src/host.js';
import { InputError, InternalError, MemplanError, isUserError } from '../../src/diagnostics/errors.js';

/** Runs `memplan --version` with a stdout that throws `error`. */
async function runThrowing(error: unknown) {
  const m = memoryHost({});
  const host: Host = { ...m.host, stdout: () => { throw error; } };
  const { exitCode } = await runCli(['--version'], host);
  return { exitCode, stderr: m.stderr, stdout: m.stdout };
}

describe('internal errors', () => {
  it('InternalError is a MemplanError with code MP901, but not a user error', () => {
    const e = new InternalError('layer 3 has no matching node');
    expect(e).toBeInstanceOf(MemplanError);
    expect(e.diagnostics).toEqual([{ code: 'MP901', severity: 'error', message: 'layer 3 has no matching node' }]);
    expect(e.message).toBe('internal error: layer 3 has no matching node');
    expect(isUserError(e)).toBe(false);
    expect(isUserError(InputError.one('MP201', 'not ONNX'))).toBe(true);
    expect(isUserError(new Error('x'))).toBe(false);
  });

  it('an InternalError: exit 3, one line saying it is a bug (the prefix once), nothing on stdout', async () => {
    const r = await runThrowing(new InternalError('broken\ninvariant'));
    expect(r.exitCode).toBe(3);
    expect(r.exitCode).toBe(EXIT_CODES.internalError);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('internal error: broken invariant (this is a bug in memplan; please report it)\n');
  });

  it('any other exception is told the same way', async () => {
    const r = await runThrowing(new TypeError("cannot read 'x' of undefined"));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toBe("internal error: cannot read 'x' of undefined (this is a bug in memplan; please report it)\n");
  });

  it('a user error stays exit 2 with its diagnostic line', async () => {
    const r = await runThrowing(InputError.one('MP201', 'not an ONNX model', { file: 'x.onnx' }));
    expect(r.exitCode).toBe(EXIT_CODES.badInput);
    expect(r.stderr).toBe('error MP201: not an ONNX model (file x.onnx)\n');
  });
});
