/**
 * Seeded mutations of real model files (truncation, bit flips, inserted garbage, zeroed ranges):
 * importOnnx must either succeed or throw a MemplanError with a one-line message, never anything else.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemplanError, isUserError } from '../../src/diagnostics/errors.js';
import { importOnnx } from '../../src/frontend/import-onnx.js';
import { sharedModel } from '../helpers/shared-data.js';
import { LIBONNX_TESTDATA_ROOT, requireDependency, skipWithout } from '../helpers/system-deps.js';

const MODELS = ['torchvision/mnasnet0_5_96.onnx', 'light/light_squeezenet.onnx', 'light/light_shufflenet.onnx'];

/** A small deterministic generator (LCG), so every run mutates the same way. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function mutate(orig: Uint8Array, rnd: () => number): Uint8Array {
  const b = Uint8Array.from(orig);
  const at = (): number => Math.floor(rnd() * b.length);
  switch (Math.floor(rnd() * 4)) {
    case 0:
      return b.subarray(0, at());
    case 1:
      for (let k = 0; k < 1 + rnd() * 8; k++) {
        const i = at();
        b[i] = (b[i] as number) ^ (1 << Math.floor(rnd() * 8));
      }
      return b;
    case 2: {
      const i = at();
      const garbage = Uint8Array.from({ length: 1 + Math.floor(rnd() * 16) }, () => Math.floor(rnd() * 256));
      const out = new Uint8Array(b.length + garbage.length);
      out.set(b.subarray(0, i));
      out.set(garbage, i);
      out.set(b.subarray(i), i + garbage.length);
      return out;
    }
    default: {
      const i = at();
      b.fill(0, i, i + 1 + Math.floor(rnd() * 64));
      return b;
    }
  }
}

describe('importOnnx on mutated models', () => {
  it('300 seeded mutations end in a graph or a one-line MemplanError', () => {
    const rnd = prng(20261125);
    const originals = MODELS.map((m) => readFileSync(sharedModel(m)));
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const bytes = mutate(originals[i % originals.length] as Uint8Array, rnd);
      let outcome = 'ok';
      try {
        importOnnx(bytes, { fileName: 'mutated.onnx' });
      } catch (e) {
        if (!isUserError(e)) throw new Error(`mutation ${i}: ${String(e)}`, { cause: e });
        expect(e.message).not.toMatch(/[\n\r]/);
        expect(e.message).toContain('mutated.onnx');
        outcome = e.diagnostics[0]?.code ?? '?';
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // Truncation and garbage must be recognised as such at least sometimes.
    expect(outcomes.get('MP201') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('MP202') ?? 0).toBeGreaterThan(0);
  });

  it('random bytes and text are not ONNX', () => {
    const rnd = prng(7);
    for (let i = 0; i < 50; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rnd() * 2000) }, () => Math.floor(rnd() * 256));
      expect(() => importOnnx(bytes, { fileName: 'r.onnx' })).toThrow(MemplanError);
      expect(() => importOnnx(bytes, { fileName: 'r.onnx' })).not.toThrow(/^internal error/);
    }
    expect(() => importOnnx(new TextEncoder().encode('{"not": "onnx"}\n'), { fileName: 't.onnx' })).toThrow(/MP20[12]/);
  });
});

const TESTDATA = LIBONNX_TESTDATA_ROOT;

describe.skipIf(skipWithout('libonnx-testdata'))('importOnnx on every libonnx-testdata model', () => {
  it('imports or fails with a MemplanError, never anything else', () => {
    requireDependency('libonnx-testdata');
    const outcomes = new Map<string, number>();
    for (const suite of readdirSync(TESTDATA).sort()) {
      for (const test of readdirSync(join(TESTDATA, suite)).sort()) {
        const file = join(TESTDATA, suite, test, 'model.onnx');
        if (!existsSync(file)) continue;
        let outcome = 'ok';
        try {
          importOnnx(readFileSync(file), { fileName: test });
        } catch (e) {
          if (!isUserError(e)) throw new Error(`${suite}/${test}: ${String(e)}`, { cause: e });
          expect(e.message).not.toMatch(/[\n\r]/);
          outcome = e.diagnostics[0]?.code ?? '?';
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    }
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(700);
    // Opset 1 and 6 models of the pytorch suites are out of the supported 7..21 range.
    expect(outcomes.get('MP204') ?? 0).toBeGreaterThan(100);
  });
});
