/**
 * Bit-exact integer C: every shared seanet single-operator test (int16 activations, int8 weights,
 * TFLite Micro's golden outputs) through memplan --emit-c, make and model_host; the output equals
 * the golden CSV element for element.
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { SEANET, analyzeTflite, buildTflite, seanetCases, seanetInputs, seanetMismatches } from './tflite-host.js';

const tmp = makeTempDir('memplan-seanet-');
afterAll(() => removeDir(tmp));

describe('seanet single-operator tests through generated C, bit for bit', () => {
  const names = seanetCases();
  it('has the 16 tests (conv0-9, add0-5)', () => {
    expect(names).toEqual([...Array.from({ length: 6 }, (_, i) => `add${i}`), ...Array.from({ length: 10 }, (_, i) => `conv${i}`)].sort());
  });
  it.each(names)('%s', async (name) => {
    const analysis = await analyzeTflite(path.join(SEANET, `${name}.tflite`));
    const run = buildTflite(analysis, path.join(tmp, name));
    const inputs = seanetInputs(name);
    expect(inputs.length).toBe(analysis.graph.inputs.length);
    const [out] = run(inputs);
    expect(seanetMismatches(name, out!)).toEqual([]);
  }, 120_000);
});
