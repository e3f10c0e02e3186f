/**
 * The import graph of src/, planner/ and reports/ (test/helpers/import-graph.ts): the planner is a
 * stand-alone library, no two modules import each other (directly or round a loop), and codegen
 * takes its input as data instead of importing the pipeline.
 */
import { describe, expect, it } from 'vitest';
import { cyclesOf, importGraph, resolveSpecifier, summary } from '../helpers/import-graph.js';
import type { ImportGraph } from '../helpers/import-graph.js';

const graph = importGraph();

/** The module-level imports of `from`-modules (a path prefix) that reach `to`-modules. */
function importsFromTo(g: ImportGraph, from: (m: string) => boolean, to: (m: string) => boolean): string[] {
  return [...g.edges].flatMap(([m, tos]) => (from(m) ? tos.filter(to).map((t) => `${m} -> ${t}`) : []));
}

describe('import graph', () => {
  it('covers src/, planner/ and reports/', () => {
    expect(graph.edges.has('src/pipeline.ts')).toBe(true);
    expect(graph.edges.has('planner/plan-memory.ts')).toBe(true);
    expect(graph.edges.has('reports/table.ts')).toBe(true);
    expect(graph.edges.get('src/cli/main.ts')).toContain('src/cli/run-cli.ts');
    // Printed for the record (the note of issue 13 quotes it).
    expect(summary(graph)).toMatch(/^modules: \d+\n/);
  });

  it('planner/ imports no module outside planner/', () => {
    expect(importsFromTo(graph, (m) => m.startsWith('planner/'), (t) => !t.startsWith('planner/') && !t.startsWith('pkg:'))).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('src/cli commands never import the CLI entry point (run-cli.ts)', () => {
    expect(importsFromTo(graph, (m) => m.startsWith('src/cli/commands/'), (t) => t === 'src/cli/run-cli.ts')).toEqual([]);
  });

  it('src/codegen imports neither the pipeline nor the CLI (it takes a CodegenInput)', () => {
    const codegen = (m: string) => m.startsWith('src/codegen/');
    expect(importsFromTo(graph, codegen, (t) => t === 'src/pipeline.ts' || t.startsWith('src/cli/'))).toEqual([]);
    expect(graph.edges.get('src/codegen/generate.ts')).toContain('src/codegen/input.ts');
  });

  it('the pipeline composes stages: the report is built in reports/build-analysis.ts', () => {
    const fromPipeline = graph.edges.get('src/pipeline.ts') ?? [];
    expect(fromPipeline.filter((t) => t.startsWith('reports/'))).toEqual(['reports/analysis-model.ts', 'reports/build-analysis.ts']);
    expect(fromPipeline.filter((t) => t.startsWith('src/gate') || t.startsWith('src/ir/print'))).toEqual([]);
  });

  it('resolves specifiers the way the compiler does', () => {
    expect(resolveSpecifier('src/cli/main.ts', './run-cli.js')).toBe('src/cli/run-cli.ts');
    expect(resolveSpecifier('src/pipeline.ts', '../planner/index.js')).toBe('planner/index.ts');
    expect(resolveSpecifier('src/pipeline.ts', 'node:fs')).toBe('pkg:node:fs');
  });

  it('finds cycles, including self-imports, and only real ones', () => {
    const g: ImportGraph = {
      edges: new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', ['c.ts', 'pkg:x']],
        ['c.ts', ['a.ts']],
        ['d.ts', ['d.ts']],
        ['e.ts', ['a.ts', 'f.ts']],
        ['f.ts', []],
      ]),
    };
    expect(cyclesOf(g)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
  });
});
