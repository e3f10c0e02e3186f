/** The fuzz harness itself: it catches hangs, and its contract check rejects what it should. */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CliRunner, contractViolation } from './cli-runner.js';
import type { CliOutcome } from './cli-runner.js';

const runner = new CliRunner();
afterAll(() => runner.close());

describe('CliRunner', () => {
  it('reports a synchronous endless loop as a hang, then runs memplan again in a fresh worker', async () => {
    const hang = await runner.run(['__fuzz_harness_spin__'], {}, { timeoutMs: 1000 });
    expect(hang.kind).toBe('hang');
    expect(contractViolation(hang)).toMatch(/hang/);
    const kws = new Uint8Array(readFileSync(new URL('../../fixtures/models/kws-dscnn.onnx', import.meta.url)));
    const ok = await runner.run(['kws.onnx', '--sram', '64K'], { 'kws.onnx': kws }, { timeoutMs: 30_000 });
    expect(ok.kind === 'exit' ? ok.exitCode : ok.kind).toBe(0);
  }, 60_000);
});

describe('contractViolation', () => {
  const exit = (exitCode: number, stderr = '', stdout = '', elapsedMs = 10): CliOutcome => ({ kind: 'exit', exitCode, stdout, stderr, elapsedMs });
  it.each([
    ['exit 0 with a report', exit(0, '', 'table\n'), undefined],
    ['exit 1 with a report and a message', exit(1, 'error MP401: does not fit\n', 'table\n'), undefined],
    ['exit 2 with one coded line', exit(2, 'error MP201: not an ONNX model (file x.onnx)\n'), undefined],
    ['exit 3 (internal error)', exit(3, 'internal error: boom\n'), /exit code 3/],
    ['exit 2 with two lines', exit(2, 'error MP201: a\nerror MP202: b\n'), /exactly one/],
    ['exit 2 with a stack trace', exit(2, 'error MP201: a\n    at foo (x.ts:1:1)\n'), /exactly one/],
    ['exit 2 without a code', exit(2, 'error: something\n'), /exactly one/],
    ['exit 2 without a final newline', exit(2, 'error MP201: a'), /exactly one/],
    ['exit 2 with output on stdout', exit(2, 'error MP201: a\n', 'partial'), /stdout/],
    ['a run of 6 s (slow, not hung)', exit(0, '', '', 6000), undefined],
    ['a run over the hang limit', exit(0, '', '', 60_001), /hang/],
    ['a throw out of runCli', { kind: 'threw', error: 'TypeError: x', elapsedMs: 1 } as CliOutcome, /threw/],
  ])('%s', (_what, outcome, expected) => {
    const v = contractViolation(outcome);
    if (expected === undefined) expect(v).toBeUndefined();
    else expect(v).toMatch(expected);
  });
});
