/**
 * Structure-aware fuzzing: seeded edits of decoded models (op types, attributes, dimensions,
 * wiring, node order, data types, opset), encoded back to valid protobuf, through the whole CLI.
 * Whatever the edit, memplan ends with exit 0, 1 or 2, never hangs (never exit 3, an internal
 * error), and exit 2 is one `error MPnnn:` line with nothing on stdout.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrng } from '../../fixtures/models/random.js';
import { CliRunner, contractViolation } from './cli-runner.js';
import { mutateGraph } from './graph-mutations.js';
import { pathToFileURL } from 'node:url';
import { sharedModel } from '../helpers/shared-data.js';
import { quantizeQdq } from '../../fixtures/quantize-qdq.js';

const fixture = (f: string) => new URL(`../../fixtures/models/${f}`, import.meta.url);
const shared = (f: string) => pathToFileURL(sharedModel(f));

const CORPUS = [
  { name: 'kws-dscnn.onnx', url: fixture('kws-dscnn.onnx'), flags: [] as string[], runs: 120 },
  { name: 'resnet8.onnx', url: fixture('resnet8.onnx'), flags: [], runs: 120 },
  { name: 'mlp-batch.onnx', url: fixture('mlp-batch.onnx'), flags: ['--input', 'x=2x64'], runs: 80 },
  { name: 'reshape-chain.onnx', url: fixture('reshape-chain.onnx'), flags: [], runs: 120 },
  { name: 'fcn-symbolic.onnx', url: fixture('fcn-symbolic.onnx'), flags: ['--input', 'image=1x3x16x24'], runs: 80 },
  { name: 'light_bvlc_alexnet.onnx', url: shared('light/light_bvlc_alexnet.onnx'), flags: [], runs: 80 },
  { name: 'light_inception_v1.onnx', url: shared('light/light_inception_v1.onnx'), flags: [], runs: 60 },
  { name: 'mnasnet0_5_96.onnx', url: shared('torchvision/mnasnet0_5_96.onnx'), flags: [], runs: 40 },
  // QDQ SqueezeNet (fixtures/quantize-qdq.ts, made in beforeAll): mutations of the QDQ folding's input.
  { name: 'squeezenet1_1_96.qdq.onnx', url: undefined, flags: [], runs: 60 },
];
const SEED = Number(process.env.MEMPLAN_FUZZ_SEED ?? 0x6a7f);
const SCALE = Number(process.env.MEMPLAN_FUZZ_SCALE ?? 1);

const runner = new CliRunner();
const histogram = new Map<string, number>();
const failures: string[] = [];
let total = 0;
let started = 0;
let qdqModel: Uint8Array;
beforeAll(async () => {
  qdqModel = await quantizeQdq(new Uint8Array(readFileSync(sharedModel('torchvision/squeezenet1_1_96.onnx'))));
  await runner.start();
  started = performance.now();
}, 60_000);
afterAll(() => runner.close());

describe('structure-mutated real models', () => {
  it.each(CORPUS.map((c) => [c.name, c] as const))('%s', async (name, entry) => {
    const original = entry.url ? new Uint8Array(readFileSync(entry.url)) : qdqModel;
    const prng = createPrng(SEED ^ [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261));
    for (let i = 0; i < entry.runs * SCALE; i++) {
      const m = mutateGraph(original, prng);
      const extra = [...(i % 5 === 0 ? ['--report', 'out'] : []), ...(i % 3 === 1 ? ['--dtype', 'int8'] : []), ...(i % 7 === 2 ? ['--cores', '2'] : [])];
      const argv = [name, '--sram', '64K', '--format', i % 2 === 0 ? 'json' : 'table', ...extra, ...entry.flags];
      const o = await runner.runWithRetry(argv, { [name]: m.bytes });
      total++;
      const key = o.kind !== 'exit' ? o.kind : o.exitCode === 2 ? (/^error (MP\d{3})/.exec(o.stderr)?.[1] ?? 'exit 2') : `exit ${o.exitCode}`;
      histogram.set(key, (histogram.get(key) ?? 0) + 1);
      const v = contractViolation(o);
      if (v) failures.push(`${name} run ${i} (${m.what}) argv ${argv.join(' ')}: ${v}`);
    }
    expect(failures.filter((f) => f.startsWith(`${name} `)).slice(0, 10)).toEqual([]);
  }, 300_000 * SCALE);

  it('ran the planned mutants, reaching both accepted and rejected models', () => {
    const seconds = (performance.now() - started) / 1000;
    console.log(`graph fuzz: ${total} mutants in ${seconds.toFixed(1)} s; ${JSON.stringify(Object.fromEntries([...histogram].sort()))}`);
    if (process.env.MEMPLAN_FUZZ_SCALE) for (const f of failures) console.log(f.slice(0, 400));
    expect(total).toBe(CORPUS.reduce((n, c) => n + c.runs, 0) * SCALE);
    const rejected = [...histogram].filter(([k]) => k.startsWith('MP')).reduce((n, [, c]) => n + c, 0);
    expect(rejected).toBeGreaterThan(total / 5);
    expect((histogram.get('exit 0') ?? 0) + (histogram.get('exit 1') ?? 0)).toBeGreaterThan(total / 10);
  });
});
