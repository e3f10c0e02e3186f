/**
 * Seeded mutations of the JSON inputs memplan reads besides models: buffer sets
 * (`memplan plan FILE`) and target files (`--target FILE`). Same contract as for models: exit 0,
 * 1 or 2 without a hang, and exit 2 is one `error MPnnn:` line with nothing on stdout.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrng } from '../../fixtures/models/random.js';
import { CliRunner, contractViolation } from './cli-runner.js';
import { mutateJson } from './json-mutations.js';

const SEED = Number(process.env.MEMPLAN_FUZZ_SEED ?? 0x15011);
const SCALE = Number(process.env.MEMPLAN_FUZZ_SCALE ?? 1);
const buffers = (f: string) => readFileSync(new URL(`../../fixtures/buffers/${f}`, import.meta.url), 'utf8');
const kws = new Uint8Array(readFileSync(new URL('../../fixtures/models/kws-dscnn.onnx', import.meta.url)));

const BUFFER_SETS = ['tflm-greedy-basics.json', 'tvm-usmp-fanout.json', 'vela-verify-allocation.json', 'xla-best-fit.json', 'tvm-hill-climb-five.json'];
const TARGETS = [
  JSON.stringify({ name: 'tiny-mcu', cores: 1, memories: [{ name: 'tcm', kind: 'sram', sizeBytes: 20480 }, { name: 'ext', kind: 'global' }] }),
  JSON.stringify({
    name: 'dual-dsp',
    cores: 2,
    memories: [
      { name: 'l2', kind: 'sram', sizeBytes: 131072, bandwidthBytesPerCycle: 16, latencyCycles: 2 },
      { name: 'l1', kind: 'local', sizeBytes: 16384, perCore: true, bandwidthBytesPerCycle: 32, latencyCycles: 1 },
      { name: 'dram', kind: 'global', sizeBytes: null, bandwidthBytesPerCycle: 4, latencyCycles: 100 },
    ],
    dma: { channels: 2, bytesPerCycle: 8, setupCycles: 32 },
    macsPerCycle: 16,
    alignmentBytes: 16,
  }),
];

const runner = new CliRunner();
beforeAll(() => runner.start(), 60_000);
afterAll(() => runner.close());

async function campaign(runs: number, make: (i: number) => { what: string; argv: string[]; files: Record<string, string | Uint8Array> }) {
  const failures: string[] = [];
  const histogram = new Map<string, number>();
  for (let i = 0; i < runs; i++) {
    const { what, argv, files } = make(i);
    const o = await runner.runWithRetry(argv, files);
    const key = o.kind !== 'exit' ? o.kind : o.exitCode === 2 ? (/^error (MP\d{3})/.exec(o.stderr)?.[1] ?? 'exit 2') : `exit ${o.exitCode}`;
    histogram.set(key, (histogram.get(key) ?? 0) + 1);
    const v = contractViolation(o);
    if (v) failures.push(`run ${i} (${what}) argv ${argv.join(' ')}: ${v}`);
  }
  return { failures, histogram };
}

describe('mutated JSON inputs', () => {
  it('buffer sets for `memplan plan`', async () => {
    const prng = createPrng(SEED);
    const { failures, histogram } = await campaign(300 * SCALE, (i) => {
      const file = BUFFER_SETS[i % BUFFER_SETS.length]!;
      const m = mutateJson(buffers(file), prng);
      const strategy = ['greedy-size', 'greedy-conflicts', 'auto', 'hill-climb'][i % 4]!;
      return { what: `${file}: ${m.what}`, argv: ['plan', 'b.json', '--strategy', strategy, '--time-limit', '1', '--format', i % 2 ? 'json' : 'table'], files: { 'b.json': m.text } };
    });
    console.log(`buffer-set fuzz: ${JSON.stringify(Object.fromEntries([...histogram].sort()))}`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect([...histogram.keys()].some((k) => k.startsWith('MP6'))).toBe(true);
    expect((histogram.get('exit 0') ?? 0) + (histogram.get('exit 1') ?? 0)).toBeGreaterThan(0);
  }, 300_000 * SCALE);

  it('target files for `--target`', async () => {
    const prng = createPrng(SEED + 1);
    const { failures, histogram } = await campaign(200 * SCALE, (i) => {
      const m = mutateJson(TARGETS[i % TARGETS.length]!, prng);
      return { what: m.what, argv: ['kws.onnx', '--target', 't.json', '--format', i % 2 ? 'json' : 'table'], files: { 'kws.onnx': kws, 't.json': m.text } };
    });
    console.log(`target fuzz: ${JSON.stringify(Object.fromEntries([...histogram].sort()))}`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect([...histogram.keys()].some((k) => k.startsWith('MP5'))).toBe(true);
    expect((histogram.get('exit 0') ?? 0) + (histogram.get('exit 1') ?? 0)).toBeGreaterThan(0);
  }, 300_000 * SCALE);
});
