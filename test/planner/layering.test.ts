/**
 * The planner is a stand-alone library (DESIGN.md): no file under planner/ imports anything outside
 * planner/ but Node's built-in modules and the planner's own npm dependencies (the MIP solvers).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PLANNER = path.join(ROOT, 'planner');
/** npm packages the planner may import (each behind one adapter file in planner/ilp/). */
const PLANNER_PACKAGES: readonly string[] = ['glpk.js', 'highs'];

/** Every .ts file below `dir`, as absolute paths in sorted order. */
function tsFilesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** The package a bare specifier names: `glpk.js/node` -> `glpk.js`, `@scope/x/y` -> `@scope/x`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * The imports of `source` (a file at `file`) that leave planner/: static imports and re-exports,
 * side-effect imports, dynamic import() and require() calls with a literal specifier.
 */
function importsLeavingPlanner(file: string, source: string): string[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((specifier) => {
      if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
        const target = path.resolve(path.dirname(file), specifier);
        return path.relative(PLANNER, target).startsWith('..') || path.isAbsolute(path.relative(PLANNER, target));
      }
      if (specifier.startsWith('node:')) return false;
      if (builtinModules.includes(specifier)) return false;
      return !PLANNER_PACKAGES.includes(packageOf(specifier));
    });
}

describe('planner layering', () => {
  const files = tsFilesBelow(PLANNER);

  it('finds the planner sources', () => {
    expect(files.map((f) => path.relative(ROOT, f))).toContain('planner/plan-memory.ts');
    expect(files.map((f) => path.relative(ROOT, f))).toContain('planner/ilp/glpk-solver.ts');
  });

  it('no file under planner/ imports from outside planner/', () => {
    const leaving = files.flatMap((f) =>
      importsLeavingPlanner(f, readFileSync(f, 'utf8')).map((specifier) => `${path.relative(ROOT, f)} imports '${specifier}'`),
    );
    expect(leaving).toEqual([]);
  });

  it('the npm packages it may import are dependencies of memplan', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of PLANNER_PACKAGES) expect(Object.keys(pkg.dependencies)).toContain(name);
  });

  it('the check sees every kind of import that leaves planner/', () => {
    const file = path.join(PLANNER, 'ilp', 'example.ts');
    const source = [
      "import { Codes } from '../../src/diagnostics/codes.js';",
      "import type { Table } from '../../reports/table.js';",
      "export { x } from '../../src/x.js';",
      "import '../../bench/side-effect.js';",
      "const m = await import('../../src/pipeline.js');",
      "import yargs from 'yargs';",
      "import { ok } from '../place-in-order.js';",
      "import { alsoOk } from './ilp-model.js';",
      "import GLPK from 'glpk.js/node';",
      "import highs from 'highs';",
      "import { readFileSync } from 'node:fs';",
      "import * as path from 'path';",
    ].join('\n');
    expect(importsLeavingPlanner(file, source)).toEqual([
      '../../src/diagnostics/codes.js',
      '../../reports/table.js',
      '../../src/x.js',
      '../../bench/side-effect.js',
      '../../src/pipeline.js',
      'yargs',
    ]);
  });
});
