/**
 * The diagnostic catalogue is the set of codes memplan really reports: every code in
 * src/diagnostics/codes.ts is used by some module of src/ (the planner's errors reach the user
 * through src/diagnostics/planner-errors.ts), codes are unique, and codegen throws MemplanError
 * subclasses (UnsupportedError MP701, InternalError MP901), never a plain Error.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Codes } from '../../src/diagnostics/codes.js';
import { ROOT, tsFilesBelow } from '../helpers/import-graph.js';

const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const sources = ['src', 'planner', 'reports'].flatMap(tsFilesBelow).filter((f) => f !== 'src/diagnostics/codes.ts');
const text = new Map(sources.map((f) => [f, read(f)]));

/** The source files that name a code (as Codes.Name). */
function usersOf(name: string): string[] {
  const re = new RegExp(`\\bCodes\\.${name}\\b`);
  return sources.filter((f) => re.test(text.get(f)!));
}

describe('diagnostic codes', () => {
  it('every code is used somewhere in src/ (no dead codes)', () => {
    const unused = Object.keys(Codes).filter((name) => usersOf(name).length === 0);
    expect(unused).toEqual([]);
  });

  it('the check sees a use', () => {
    expect(usersOf('CodegenUnsupported')).toContain('src/codegen/context.ts');
    expect(usersOf('NoSuchCode')).toEqual([]);
  });

  it('codes are unique and well formed', () => {
    const values = Object.values(Codes);
    expect(new Set(values).size).toBe(values.length);
    for (const v of values) expect(v).toMatch(/^MP[1-9]\d\d$/);
  });

  it('codegen throws no plain Error', () => {
    const plain = tsFilesBelow('src/codegen').filter((f) => /\b(new Error|throw Error)\(/.test(read(f)));
    expect(plain).toEqual([]);
  });
});
