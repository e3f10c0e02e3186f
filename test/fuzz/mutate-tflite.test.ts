/**
 * Seeded mutations of real .tflite files (../shared/models/tflite) through the whole CLI: every run
 * ends with exit 0, 1 or 2, within the time limit, and an exit 2 with exactly one `error MPnnn:` line
 * (cli-runner.ts's contract). Plus a non-TFLite file named .tflite, handled as what it is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliRunner, contractViolation } from './cli-runner.js';
import { tfliteMutants } from './tflite-mutations.js';

const shared = (f: string) => new URL(`../../../shared/models/tflite/${f}`, import.meta.url);
const CORPUS: readonly { name: string; runs: number }[] = [
  { name: 'hello_world_int8.tflite', runs: 160 },
  { name: 'micro_speech_quantized.tflite', runs: 120 },
  { name: 'keyword_scrambled.tflite', runs: 120 },
  { name: 'seanet/conv0.tflite', runs: 80 },
  { name: 'seanet/add0.tflite', runs: 80 },
  { name: 'person_detect.tflite', runs: 40 },
];
const SEED = Number(process.env.MEMPLAN_FUZZ_SEED ?? 0x7f13);
const runner = new CliRunner();
const histogram = new Map<string, number>();
const failures: string[] = [];
let total = 0;

beforeAll(() => runner.start(), 60_000);
afterAll(() => runner.close());

describe('mutated .tflite files', () => {
  it.each(CORPUS.map((c) => [c.name, c] as const))('%s', async (name, entry) => {
    const url = shared(name);
    if (!existsSync(url)) throw new Error(`missing ${url.pathname}: the shared TFLite models are needed`);
    const original = new Uint8Array(readFileSync(url));
    const file = name.replace('/', '_');
    const clean = await runner.runWithRetry([file, '--sram', '64K', '--format', 'json'], { [file]: original });
    expect(contractViolation(clean)).toBeUndefined();
    expect(clean.kind === 'exit' ? clean.exitCode : -1).toBeLessThan(2);
    let i = 0;
    for (const m of tfliteMutants(original, name, SEED)) {
      if (i >= entry.runs) break;
      const argv = [file, '--sram', '64K', '--format', i % 2 === 0 ? 'json' : 'table'];
      const o = await runner.runWithRetry(argv, { [file]: m.bytes });
      total++;
      const key = o.kind === 'exit' ? `exit ${o.exitCode}` : o.kind;
      histogram.set(key, (histogram.get(key) ?? 0) + 1);
      const v = contractViolation(o);
      if (v) failures.push(`${name} mutant ${i} (${m.what}): ${v}`);
      i++;
    }
    expect(failures.filter((f) => f.startsWith(`${name} `)).slice(0, 10)).toEqual([]);
  }, 300_000);

  it('person_detect mutants with --dram 0 --min-sram (integer depth-first segments chosen and lowered)', async () => {
    const url = shared('person_detect.tflite');
    if (!existsSync(url)) throw new Error(`missing ${url.pathname}: the shared TFLite models are needed`);
    const original = new Uint8Array(readFileSync(url));
    const bad: string[] = [];
    let i = 0;
    let fit = 0;
    for (const m of tfliteMutants(original, 'person_detect.tflite', SEED + 1)) {
      if (i >= 40) break;
      const o = await runner.runWithRetry(['pd.tflite', '--dram', '0', '--sram', '16K', '--min-sram', '--format', 'json'], { 'pd.tflite': m.bytes });
      const v = contractViolation(o);
      if (v) bad.push(`mutant ${i} (${m.what}): ${v}`);
      if (o.kind === 'exit' && o.exitCode < 2) fit++;
      i++;
    }
    expect(bad.slice(0, 10)).toEqual([]);
    expect(fit).toBeGreaterThan(0);
  }, 300_000);

  it('ran at least 500 mutants; most rejected with exit 2, some still valid', () => {
    console.log(`tflite fuzz: ${total} mutants; ${JSON.stringify(Object.fromEntries([...histogram].sort()))}`);
    expect(total).toBeGreaterThanOrEqual(500);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(histogram.get('exit 2') ?? 0).toBeGreaterThan(total / 4);
    expect((histogram.get('exit 0') ?? 0) + (histogram.get('exit 1') ?? 0)).toBeGreaterThan(total / 20);
  });

  it('a non-TFLite file named .tflite is handled as what it is', async () => {
    const onnx = new Uint8Array(readFileSync(new URL('../../fixtures/models/kws-dscnn.onnx', import.meta.url)));
    const asOnnx = await runner.runWithRetry(['model.tflite', '--format', 'json'], { 'model.tflite': onnx });
    expect(asOnnx.kind === 'exit' ? asOnnx.exitCode : -1).toBe(0);
    const text = await runner.runWithRetry(['notes.tflite'], { 'notes.tflite': 'just some text, not a model\n' });
    expect(contractViolation(text)).toBeUndefined();
    expect(text.kind === 'exit' ? [text.exitCode, text.stdout] : []).toEqual([2, '']);
  });

  it('a TFLite file named .onnx is read as TFLite; a custom operator is exit 2 naming it', async () => {
    const hello = new Uint8Array(readFileSync(shared('hello_world_int8.tflite')));
    const named = await runner.runWithRetry(['hello.onnx', '--format', 'json'], { 'hello.onnx': hello });
    expect(named.kind === 'exit' ? named.exitCode : -1).toBe(0);
    // Rename FULLY_CONNECTED's operator code into CUSTOM with custom_code: patch the code bytes.
    const patched = withCustomOp(hello);
    const custom = await runner.runWithRetry(['c.tflite'], { 'c.tflite': patched });
    expect(contractViolation(custom)).toBeUndefined();
    expect(custom.kind === 'exit' ? custom.stderr : '').toMatch(/^error MP301: custom operator 'ethos-u'/);
  });
});

/**
 * hello_world_int8 with its operator code turned into CUSTOM 'ethos-u': the file is rebuilt with a
 * new OperatorCode table appended (builtin_code 32, custom_code "ethos-u") and the operator_codes
 * vector's first slot pointed at it.
 */
function withCustomOp(original: Uint8Array): Uint8Array {
  const pad = (n: number) => (4 - (n % 4)) % 4;
  const base = original.length + pad(original.length);
  // Appended: vtable (4 fields: 12 bytes) | table: soffset, custom_code offset, builtin_code | string.
  const vt = base;
  const table = vt + 12;
  const str = table + 12;
  const text = new TextEncoder().encode('ethos-u');
  const out = new Uint8Array(str + 4 + text.length + 1 + 3);
  out.set(original);
  const dv = new DataView(out.buffer);
  dv.setUint16(vt, 12, true); // vtable bytes
  dv.setUint16(vt + 2, 12, true); // table bytes
  dv.setUint16(vt + 4, 0, true); // deprecated_builtin_code: absent
  dv.setUint16(vt + 6, 4, true); // custom_code at +4
  dv.setUint16(vt + 8, 0, true); // version: absent
  dv.setUint16(vt + 10, 8, true); // builtin_code at +8
  dv.setInt32(table, table - vt, true);
  dv.setUint32(table + 4, str - (table + 4), true);
  dv.setInt32(table + 8, 32, true);
  dv.setUint32(str, text.length, true);
  out.set(text, str + 4);
  // Point operator_codes[*] at the new table.
  const root = dv.getUint32(0, true);
  const rvt = root - dv.getInt32(root, true);
  const codesField = root + dv.getUint16(rvt + 4 + 2 * 1, true);
  const codes = codesField + dv.getUint32(codesField, true);
  for (let i = 0; i < dv.getUint32(codes, true); i++) dv.setUint32(codes + 4 + 4 * i, table - (codes + 4 + 4 * i), true);
  return out;
}
