/**
 * Seeded mutation fuzzing of real model files through the whole CLI. Every run must end with exit
 * 0, 1 or 2 (never a throw out of runCli, never exit 3 = internal error), never hang, and
 * an exit 2 must come with exactly one `error MPnnn:` line on stderr and nothing on stdout.
 *
 * Corpus: memplan's own fixture models, five "light" ONNX Model Zoo graphs from
 * ../shared/models/light (weights as ConstantOfShape, so nearly every byte is graph structure)
 * and the two smallest torchvision exports (real float weights, opset 13). Larger graphs (light
 * ResNet-50, ShuffleNet, DenseNet) are left out: a near-valid mutant of them is analysed in full,
 * which takes seconds, and the point here is the many ways a file can be broken.
 * Mutations favour structure: 80% of offsets fall outside initializer raw_data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRunner, contractViolation } from './cli-runner.js';
import { mutants } from './mutations.js';
import type { MutationKind } from './mutations.js';
import { pathToFileURL } from 'node:url';
import { sharedModel } from '../helpers/shared-data.js';

interface CorpusEntry {
  readonly name: string;
  readonly url: URL;
  /** Extra flags the unmutated model needs (symbolic inputs). */
  readonly flags: readonly string[];
  /** Number of mutated runs of this model. */
  readonly runs: number;
}

const fixture = (f: string) => new URL(`../../fixtures/models/${f}`, import.meta.url);
const shared = (f: string) => pathToFileURL(sharedModel(f));

const CORPUS: readonly CorpusEntry[] = [
  { name: 'kws-dscnn.onnx', url: fixture('kws-dscnn.onnx'), flags: [], runs: 210 },
  { name: 'resnet8.onnx', url: fixture('resnet8.onnx'), flags: [], runs: 105 },
  { name: 'mlp-batch.onnx', url: fixture('mlp-batch.onnx'), flags: ['--input', 'x=2x64'], runs: 140 },
  { name: 'reshape-chain.onnx', url: fixture('reshape-chain.onnx'), flags: [], runs: 175 },
  { name: 'fcn-symbolic.onnx', url: fixture('fcn-symbolic.onnx'), flags: ['--input', 'image=1x3x16x24'], runs: 175 },
  { name: 'light_bvlc_alexnet.onnx', url: shared('light/light_bvlc_alexnet.onnx'), flags: [], runs: 210 },
  { name: 'light_zfnet512.onnx', url: shared('light/light_zfnet512.onnx'), flags: [], runs: 105 },
  { name: 'light_vgg19.onnx', url: shared('light/light_vgg19.onnx'), flags: [], runs: 70 },
  { name: 'light_squeezenet.onnx', url: shared('light/light_squeezenet.onnx'), flags: [], runs: 70 },
  { name: 'light_inception_v1.onnx', url: shared('light/light_inception_v1.onnx'), flags: [], runs: 140 },
  { name: 'squeezenet1_1_96.onnx', url: shared('torchvision/squeezenet1_1_96.onnx'), flags: [], runs: 140 },
  { name: 'mnasnet0_5_96.onnx', url: shared('torchvision/mnasnet0_5_96.onnx'), flags: [], runs: 70 },
];
const FORMATS = ['table', 'json', 'markdown', 'csv'] as const;
/** Longer campaigns: MEMPLAN_FUZZ_SEED=7 MEMPLAN_FUZZ_SCALE=10 npx vitest run test/fuzz/mutate-models.test.ts */
const SEED = Number(process.env.MEMPLAN_FUZZ_SEED ?? 0x5eed2026);
const SCALE = Number(process.env.MEMPLAN_FUZZ_SCALE ?? 1);

const runner = new CliRunner();
const histogram = new Map<string, number>();
const byKind = new Map<MutationKind, Map<number, number>>();
const codes = new Map<string, number>();
const failures: string[] = [];
const retried: string[] = [];
let slowest = 0;
let total = 0;
let started = 0;

beforeAll(async () => {
  await runner.start();
  started = performance.now();
}, 60_000);
afterAll(() => runner.close());

describe('mutated real models', () => {
  it.each(CORPUS.map((c) => [c.name, c] as const))('%s', async (name, entry) => {
    if (!existsSync(entry.url)) throw new Error(`corpus file missing: ${entry.url.pathname}`);
    const original = new Uint8Array(readFileSync(entry.url));
    // The unmutated model analyses cleanly: the mutants start from a working input.
    const clean = await runner.runWithRetry([name, '--sram', '64K', ...entry.flags], { [name]: original });
    expect(contractViolation(clean)).toBeUndefined();
    expect(clean.kind === 'exit' ? clean.exitCode : -1, clean.kind === 'exit' ? clean.stderr : '').toBeLessThan(2);

    for (const m of mutants(original, name, SEED)) {
      const i = m.index;
      if (i >= entry.runs * SCALE) break;
      const kind = m.kind;
      const format = FORMATS[i % FORMATS.length]!;
      // Vary the paths a mutant goes through: reports on disk, int8 sizing, two cores.
      const extra = [...(i % 5 === 0 ? ['--report', 'out'] : []), ...(i % 3 === 1 ? ['--dtype', 'int8'] : []), ...(i % 7 === 2 ? ['--cores', '2'] : [])];
      const argv = [name, '--sram', '64K', '--format', format, ...extra, ...entry.flags];
      const o = await runner.runWithRetry(argv, { [name]: m.bytes });
      total++;
      if (o.retried) retried.push(`${name} run ${i} (${m.what}): ${o.kind} after ${Math.round(o.elapsedMs)} ms on retry`);
      if (o.kind !== 'hang') slowest = Math.max(slowest, o.elapsedMs);
      const key = o.kind === 'exit' ? `exit ${o.exitCode}` : o.kind;
      histogram.set(key, (histogram.get(key) ?? 0) + 1);
      const perKind = byKind.get(kind) ?? new Map<number, number>();
      if (o.kind === 'exit') perKind.set(o.exitCode, (perKind.get(o.exitCode) ?? 0) + 1);
      byKind.set(kind, perKind);
      if (o.kind === 'exit' && o.exitCode === 2) {
        const code = /^error (MP\d{3})/.exec(o.stderr)?.[1] ?? '?';
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      const violation = contractViolation(o);
      if (violation) {
        failures.push(
          `${name} run ${i} (${m.what}) argv ${argv.join(' ')}: ${violation}` +
            ` [reproduce: node test/fuzz/write-mutant.mjs ${entry.url.pathname} ${SEED} ${i}]`,
        );
      }
    }
    expect(failures.filter((f) => f.startsWith(`${name} `)).slice(0, 10)).toEqual([]);
  }, 180_000 * SCALE);

  it('ran at least 1000 mutants, most of them rejected with exit 2 and some still valid', () => {
    const seconds = (performance.now() - started) / 1000;
    const kinds = [...byKind].map(([k, h]) => `${k} ${JSON.stringify(Object.fromEntries([...h].sort((a, b) => a[0] - b[0])))}`);
    console.log(`fuzz: ${total} mutants in ${seconds.toFixed(1)} s; ${JSON.stringify(Object.fromEntries([...histogram].sort()))}\n  exit-2 codes ${JSON.stringify(Object.fromEntries([...codes].sort()))}\n  ${kinds.join('\n  ')}`);
    console.log(`  slowest run ${Math.round(slowest)} ms; ${retried.length} retried after missing 5 s${retried.map((r) => `\n    ${r}`).join('')}`);
    if (process.env.MEMPLAN_FUZZ_SCALE) for (const f of failures) console.log(f.slice(0, 400));
    expect(total).toBeGreaterThanOrEqual(1000);
    expect(failures.slice(0, 20)).toEqual([]);
    // The mutations really corrupt the files (many exit 2) without destroying every one.
    expect(histogram.get('exit 2') ?? 0).toBeGreaterThan(total / 4);
    expect((histogram.get('exit 0') ?? 0) + (histogram.get('exit 1') ?? 0)).toBeGreaterThan(total / 20);
  });
});
