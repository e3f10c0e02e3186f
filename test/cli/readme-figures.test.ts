/**
 * The figures README.md quotes from memplan's own output are what the command it names prints: the
 * result line of `memplan fixtures/models/resnet8.onnx --sram 32K` and the legend's schedule example
 * of `--verbose`. (Benchmark and slow-test figures name `npm run bench`, `npm run bench:planner` and
 * `npm run test:slow`; the test checks those names are there.)
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\s*\n\s*/g, ' ');

/** Runs a command as README writes it (`memplan ...`, paths relative to the repository). */
async function stdoutOf(command: string): Promise<string> {
  const argv = command.split(' ').slice(1).map((a) => (a.startsWith('fixtures/') ? path.join(ROOT, a) : a));
  const m = memoryHost({});
  const { exitCode } = await runCli(argv, m.host);
  expect(exitCode, m.stderr).toBe(0);
  return m.stdout;
}

describe('README figures', () => {
  it('the result line is the one its command prints', async () => {
    const command = 'memplan fixtures/models/resnet8.onnx --sram 32K';
    const line = (await stdoutOf(command)).trimEnd().split('\n').at(-1)!;
    expect(line).toMatch(/^fits: /);
    expect(README).toContain(`e.g. \`${line}\` (\`${command}\`)`);
  });

  it("the schedule notation example is the verbose legend's", async () => {
    const command = 'memplan fixtures/models/kws-dscnn.onnx --sram 64K --verbose';
    const example = /Example\s+(\S.*?) = /.exec(await stdoutOf(command))?.[1];
    expect(example).toBeDefined();
    expect(README).toContain(`(\`${example}\`, the legend's example in \`${command}\`)`);
  });

  it('measured figures name the command that prints them', () => {
    const measured = README.slice(README.indexOf('## Measured'), README.indexOf('## Known limits'));
    for (const command of ['npm run bench', 'npm run bench:planner', 'npm run test:slow']) expect(measured).toContain(`(\`${command}\`)`);
  });
});
