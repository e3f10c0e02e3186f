/**
 * Bad files and bad flag values: every one ends with exit 2 and exactly one `error MPnnn:` line on
 * stderr naming what is wrong (the file or the flag), nothing on stdout, no hang.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrng } from '../../fixtures/models/random.js';
import { CliRunner, contractViolation } from './cli-runner.js';
import type { CliOutcome } from './cli-runner.js';

const runner = new CliRunner();
beforeAll(() => runner.start(), 60_000);
afterAll(() => runner.close());

const kws = new Uint8Array(readFileSync(new URL('../../fixtures/models/kws-dscnn.onnx', import.meta.url)));
const prng = createPrng(0xbad);
const randomBytes = Uint8Array.from({ length: 4096 }, () => prng.int(256));

function expectExit2(o: CliOutcome, code: RegExp, mentions: string): void {
  expect(contractViolation(o)).toBeUndefined();
  expect(o.kind).toBe('exit');
  if (o.kind !== 'exit') return;
  expect(o.exitCode, o.stderr).toBe(2);
  expect(o.stderr).toMatch(code);
  expect(o.stderr).toContain(mentions);
}

describe('bad files', () => {
  it.each([
    ['an empty file', 'empty.onnx', new Uint8Array(0)],
    ['a text file', 'notes.onnx', 'This is not a model.\nIt is a text file with two lines.\n'],
    ['a JSON file', 'model.json', '{"graph": {"node": []}}\n'],
    ['4 KiB of seeded random bytes', 'random.onnx', randomBytes],
    ['a file of 0xff bytes', 'ff.onnx', new Uint8Array(256).fill(0xff)],
    ['a model cut after its first 100 bytes', 'cut.onnx', kws.slice(0, 100)],
  ])('%s -> exit 2 naming the file', async (_what, name, content) => {
    expectExit2(await runner.runWithRetry([name, '--sram', '64K'], { [name]: content }), /^error MP2\d\d: /, name);
  });

  it('a missing file -> exit 2 (MP104) naming it', async () => {
    expectExit2(await runner.runWithRetry(['no-such-model.onnx', '--sram', '64K'], {}), /^error MP104: /, 'no-such-model.onnx');
  });

  it('a directory -> exit 2 (MP104) naming it', async () => {
    const dir = new URL('../../fixtures/models', import.meta.url).pathname;
    expectExit2(await runner.runWithRetry([dir, '--sram', '64K'], {}, { readThrough: true }), /^error MP104: /, 'models');
  });
});

describe('bad flag values', () => {
  const model = { 'kws.onnx': kws };
  it.each([
    [['--sram', 'abc'], '--sram'],
    [['--sram', '-1'], '--sram'],
    [['--sram', '0'], '--sram'],
    [['--sram', '12Q'], '--sram'],
    [['--sram', '1e400'], '--sram'],
    [['--sram'], '--sram'],
    [['--dram', 'lots'], '--dram'],
    [['--cores', '0'], '--cores'],
    [['--cores', '1.5'], '--cores'],
    [['--cores', 'many'], '--cores'],
    [['--format', 'xml'], '--format'],
    [['--strategy', 'nope'], '--strategy'],
    [['--dtype', 'int3'], '--dtype'],
    [['--foo'], '--foo'],
    [['--foo', 'bar'], '--foo'],
    [['--input', 'bad'], '--input'],
    [['--input', 'x=1xax3'], '--input'],
    [['--input', 'x=1x0x3'], '--input'],
    [['--input', '=1x3'], '--input'],
    [['--time-limit', '-3'], '--time-limit'],
    [['--time-limit', 'soon'], '--time-limit'],
    [['--seed', '-1'], '--seed'],
  ])('%j -> exit 2 naming %s', async (flags, flag) => {
    const o = await runner.runWithRetry(['kws.onnx', ...flags], model);
    expectExit2(o, /^error MP1\d\d: /, flag);
  });

  it('no model at all -> exit 2 with a usage message', async () => {
    const o = await runner.runWithRetry([], {});
    expectExit2(o, /^error MP1\d\d: /, 'model');
  });
});
