/**
 * Bit-exact integer C: every shared seanet single-operator test (int16 activations, int8 weights,
 * TFLite Micro's golden outputs) through memplan --emit-c, make and model_host; the output equals
 * the golden CSV element for element.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { TFLITE_DIR, analyzeTflite, buildTflite, readCsvInts } from './tflite-host.js';

const SEANET = path.join(TFLITE_DIR, 'seanet');
const tmp = makeTempDir('memplan-seanet-');
afterAll(() => removeDir(tmp));

function cases(): string[] {
  if (!existsSync(SEANET)) throw new Error(`missing ${SEANET}: the shared TFLite models (../shared/models/tflite/seanet) are needed`);
  return readdirSync(SEANET).filter((f) => f.endsWith('.tflite')).map((f) => f.replace(/\.tflite$/, '')).sort();
}

describe('seanet single-operator tests through generated C, bit for bit', () => {
  const names = cases();
  it('has the 16 tests (conv0-9, add0-5)', () => {
    expect(names).toEqual([...Array.from({ length: 6 }, (_, i) => `add${i}`), ...Array.from({ length: 10 }, (_, i) => `conv${i}`)].sort());
  });
  it.each(names)('%s', async (name) => {
    const analysis = await analyzeTflite(path.join(SEANET, `${name}.tflite`));
    const run = buildTflite(analysis, path.join(tmp, name));
    const inputs: Int16Array[] = [];
    for (let i = 0; existsSync(path.join(SEANET, `${name}_input${i}_int16.csv`)); i++) {
      inputs.push(Int16Array.from(readCsvInts(path.join(SEANET, `${name}_input${i}_int16.csv`))));
    }
    expect(inputs.length).toBe(analysis.graph.inputs.length);
    const [out] = run(inputs);
    const got = Array.from(new Int16Array(out!.buffer, out!.byteOffset, out!.byteLength / 2));
    const golden = readCsvInts(path.join(SEANET, `${name}_golden_int16.csv`));
    expect(got.length).toBe(golden.length);
    const mismatches = got.flatMap((v, i) => (v === golden[i] ? [] : [`[${i}] ${v} != ${golden[i]}`]));
    expect(mismatches.slice(0, 10)).toEqual([]);
  }, 120_000);
});
