/**
 * Seeded random command lines: valid and invalid flags, values, repeats, `--flag=value` forms and
 * stray positionals, on a real model. Whatever the mix, memplan ends with exit 0, 1 or 2 within
 * the time limit, and an exit 2 is one `error MPnnn:` line naming a flag, the file or the usage.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrng } from '../../fixtures/models/random.js';
import type { Prng } from '../../fixtures/models/random.js';
import { CliRunner, contractViolation } from './cli-runner.js';

const RUNS = 400;

const kws = new Uint8Array(readFileSync(new URL('../../fixtures/models/kws-dscnn.onnx', import.meta.url)));
const fcn = new Uint8Array(readFileSync(new URL('../../fixtures/models/fcn-symbolic.onnx', import.meta.url)));

const pickFrom = <T>(prng: Prng, xs: readonly T[]): T => xs[prng.int(xs.length)]!;

/** Values for each flag: [plausible, wrong]. */
const FLAG_VALUES: Readonly<Record<string, readonly [readonly string[], readonly string[]]>> = {
  '--sram': [['64K', '256KiB', '1M', '32000', '1', '16k'], ['0', '-1', 'abc', '1.5.2K', '9999999999999999999', '', '64 K x', '0x100']],
  '--dram': [['8M', '1G'], ['lots', '0']],
  '--cores': [['1', '2', '4'], ['0', '-2', '1.5', 'x', '100000']],
  '--input': [['image=1x3x32x32', 'image=1x3x8x8', 'image=2x3x16x16', 'input=1x1x49x10'], ['bad', 'image=1x3x0x8', 'image=', '=1x1', 'image=1x3x32', 'image=1x3x32x32x1']],
  '--dtype': [['as-is', 'int8', 'float32'], ['int4', '']],
  '--strategy': [['auto', 'greedy-size', 'greedy-conflicts', 'greedy-breadth', 'hill-climb'], ['nope', '']],
  '--time-limit': [['1', '0.5'], ['-3', '0', 'soon', '1e9']],
  '--seed': [['1', '42'], ['-1', 'x']],
  '--format': [['table', 'json', 'markdown', 'csv'], ['xml', '']],
  '--foo': [[], ['bar']],
  '-x': [[], []],
  '--emit-c': [[], ['out']],
};

function randomArgv(prng: Prng): { argv: string[]; files: Record<string, Uint8Array | string> } {
  const files: Record<string, Uint8Array | string> = { 'kws.onnx': kws, 'fcn.onnx': fcn, 'text.onnx': 'not a model\n' };
  const argv: string[] = [];
  const model = prng.next() < 0.9 ? pickFrom(prng, ['kws.onnx', 'kws.onnx', 'fcn.onnx', 'fcn.onnx', 'text.onnx', 'missing.onnx']) : undefined;
  if (model !== undefined) argv.push(model);
  // fcn.onnx has a symbolic height and width: usually fix them.
  if (model === 'fcn.onnx' && prng.next() < 0.8) argv.push('--input', `image=1x3x${8 * (1 + prng.int(6))}x${8 * (1 + prng.int(6))}`);
  const flags = Object.keys(FLAG_VALUES);
  const common = flags.filter((f) => FLAG_VALUES[f]![0].length > 0 && f !== '--input');
  const count = prng.int(5);
  for (let i = 0; i < count; i++) {
    const flag = prng.next() < 0.9 ? pickFrom(prng, common) : pickFrom(prng, flags);
    const [good, bad] = FLAG_VALUES[flag]!;
    const values = good.length > 0 && prng.next() < 0.85 ? good : bad;
    const form = prng.int(10);
    if (values.length === 0 || form === 0) argv.push(flag);
    else if (form === 1) argv.push(`${flag}=${pickFrom(prng, values)}`);
    else argv.push(flag, pickFrom(prng, values));
  }
  if (prng.next() < 0.05) argv.push(pickFrom(prng, ['extra.onnx', '--', '-']));
  // Strategies that search run to their time limit; keep it short so a slow run means a bug.
  if (argv.some((a) => /hill-climb|auto/.test(a)) && !argv.some((a) => a.startsWith('--time-limit'))) argv.push('--time-limit', '1');
  return { argv, files };
}

const runner = new CliRunner();
beforeAll(() => runner.start(), 60_000);
afterAll(() => runner.close());

describe('random command lines', () => {
  it(`${RUNS} seeded command lines keep the exit-code contract`, async () => {
    const prng = createPrng(0xa59);
    const failures: string[] = [];
    const histogram = new Map<number | string, number>();
    for (let i = 0; i < RUNS; i++) {
      const { argv, files } = randomArgv(prng);
      const o = await runner.runWithRetry(argv, files);
      const key = o.kind === 'exit' ? o.exitCode : o.kind;
      histogram.set(key, (histogram.get(key) ?? 0) + 1);
      const v = contractViolation(o);
      if (v) failures.push(`run ${i}: memplan ${argv.map((a) => JSON.stringify(a)).join(' ')}: ${v}`);
    }
    console.log(`random argv: ${RUNS} runs, exit codes ${JSON.stringify(Object.fromEntries(histogram))}`);
    expect(failures.slice(0, 20)).toEqual([]);
    // The generator reaches both accepted and rejected command lines.
    expect(histogram.get(2) ?? 0).toBeGreaterThan(RUNS / 4);
    expect((histogram.get(0) ?? 0) + (histogram.get(1) ?? 0)).toBeGreaterThan(RUNS / 10);
  }, 300_000);
});
