/**
 * Message templates per diagnostic code (src/diagnostics/codes.ts): every code has one, parameters are
 * named and filled, errors made with `.of` / `.one` carry the template's text, and the text is what
 * memplan printed before templates existed (the CLI goldens check it end to end).
 */
import { describe, expect, it } from 'vitest';
import { Codes, TEMPLATES, formatMessage } from '../../src/diagnostics/codes.js';
import { ConfigError, InputError, InternalError, UnsupportedError } from '../../src/diagnostics/errors.js';
import { formatDiagnostic } from '../../src/diagnostics/diagnostic.js';
import { parseSize } from '../../src/cli/sizes.js';

describe('message templates', () => {
  it('every code has exactly one template, and every template belongs to a code', () => {
    expect(Object.keys(TEMPLATES).sort()).toEqual(Object.values(Codes).sort());
  });

  it('templates name their parameters; the parameter names are words', () => {
    for (const [code, template] of Object.entries(TEMPLATES)) {
      const names = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
      expect(names.length, code).toBeGreaterThan(0);
      for (const n of names) expect(n, code).toMatch(/^[a-z][A-Za-z]*$/);
    }
  });

  it('formatMessage fills every named parameter', () => {
    expect(formatMessage(Codes.BadSize, { text: '12Q', flag: '--sram', rule: 'expected bytes' })).toBe("invalid size '12Q' for --sram: expected bytes");
    expect(formatMessage(Codes.UnsupportedIrVersion, { version: 2, min: 3, max: 10 })).toBe('ONNX IR version 2 is not supported (supported: 3 to 10)');
    expect(formatMessage(Codes.DoesNotFit, { detail: "memory 'sram' needs 9 bytes but has 8" })).toBe("does not fit: memory 'sram' needs 9 bytes but has 8");
    expect(formatMessage(Codes.ShapeMismatch, { detail: 'Concat of shapes [1] and [2]' })).toBe('Concat of shapes [1] and [2]');
  });

  it('errors carry the filled template as their diagnostic', () => {
    const e = UnsupportedError.of(Codes.CodegenUnsupported, { forNode: " for node 'n' (Foo)", why: 'no kernel' }, { node: 'n', opType: 'Foo' });
    expect(formatDiagnostic(e.diagnostics[0]!)).toBe("error MP701: cannot generate C for node 'n' (Foo): no kernel (node 'n', op Foo)");
    expect(ConfigError.of(Codes.BadTarget, { problem: 'is not UTF-8 text' }, { file: 't.json' }).message).toBe('error MP501: target file is not UTF-8 text (file t.json)');
    expect(InputError.one(Codes.MalformedGraph, 'two nodes write x').diagnostics[0]!.message).toBe('two nodes write x');
    expect(new InternalError('no node').diagnostics[0]).toEqual({ code: 'MP901', severity: 'error', message: 'no node' });
  });

  it('a caller through its template prints what it printed before', () => {
    expect(() => parseSize('12Q', '--sram')).toThrow(/^error MP102: invalid size '12Q' for --sram: expected bytes or a number with K, M or G \(e\.g\. 256K\) \(flag --sram\)$/);
    expect(() => parseSize('0', '--dram')).toThrow(/^error MP102: invalid size '0' for --dram: must be a positive whole number of bytes below 2\^53 \(flag --dram\)$/);
  });
});
