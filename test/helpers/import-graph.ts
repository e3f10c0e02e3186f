/**
 * The module import graph of memplan's sources (src/, planner/, reports/), read with TypeScript's
 * preprocessor: static imports and re-exports (type-only ones included: they still tie modules
 * together), side-effect imports, dynamic import() and require() with a literal specifier.
 * Relative specifiers are resolved to the .ts file they name (`./x.js` -> `./x.ts`); bare ones
 * (npm packages, node: built-ins) are kept as `pkg:<name>`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The top folders whose modules the graph covers. */
export const SOURCE_FOLDERS: readonly string[] = ['src', 'planner', 'reports'];

export interface ImportGraph {
  /** Module (path relative to the repository, with /) -> the modules and packages it imports, sorted. */
  readonly edges: ReadonlyMap<string, readonly string[]>;
}

/** Every .ts file below `dir` (relative to ROOT, with /), sorted. */
export function tsFilesBelow(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => toPosix(path.join(dir, f)))
    .sort();
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** The specifiers `source` imports, in source order. */
export function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** What a specifier imported from `file` (relative to ROOT) names: a module path relative to ROOT, or `pkg:<name>`. */
export function resolveSpecifier(file: string, specifier: string): string {
  if (!specifier.startsWith('.') && !path.isAbsolute(specifier)) return `pkg:${specifier}`;
  const abs = path.resolve(ROOT, path.dirname(file), specifier);
  const candidates = [abs.replace(/\.js$/, '.ts'), abs, `${abs}.ts`, path.join(abs, 'index.ts')];
  const found = candidates.find((c) => c.endsWith('.ts') && existsSync(c)) ?? candidates.find((c) => existsSync(c)) ?? abs;
  return toPosix(path.relative(ROOT, found));
}

/** The graph of the given modules (relative paths); `read` gives a module's source (default: the file). */
export function importGraph(
  files: readonly string[] = SOURCE_FOLDERS.flatMap(tsFilesBelow),
  read: (file: string) => string = (f) => readFileSync(path.join(ROOT, f), 'utf8'),
): ImportGraph {
  const edges = new Map<string, string[]>();
  for (const f of files) edges.set(f, [...new Set(specifiersOf(read(f)).map((s) => resolveSpecifier(f, s)))].sort());
  return { edges };
}

/** The top folder of a module path (`src/cli/x.ts` -> `src/cli` below src/, else the first segment). */
export function areaOf(module: string): string {
  if (module.startsWith('pkg:')) return module;
  const parts = module.split('/');
  if (parts[0] === 'src' && parts.length > 2) return `src/${parts[1]}`;
  if (parts[0] === 'src') return `src/${parts[1]!.replace(/\.ts$/, '')}`;
  return parts[0]!;
}

/**
 * Every import cycle among modules, as strongly connected components with more than one module
 * (or a module importing itself), each listed sorted, the components sorted by their first module.
 */
export function cyclesOf(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.edges.get(v) ?? []) {
      if (!graph.edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.edges.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.edges.keys()].sort()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
}

/** Area -> area edges (`src/cli -> src/pipeline`), with the number of module-level imports behind each, sorted. */
export function areaEdges(graph: ImportGraph, { packages = false } = {}): string[] {
  const count = new Map<string, number>();
  for (const [from, tos] of graph.edges) {
    for (const to of tos) {
      if (!packages && to.startsWith('pkg:')) continue;
      const a = areaOf(from);
      const b = areaOf(to);
      if (a === b) continue;
      const key = `${a} -> ${b}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
  }
  return [...count].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([k, n]) => `${k} (${n})`);
}

/** The graph between areas (src/cli, src/ir, planner, reports, ...): one node per area, package imports left out. */
export function areaGraph(graph: ImportGraph): ImportGraph {
  const edges = new Map<string, Set<string>>();
  for (const [from, tos] of graph.edges) {
    const a = areaOf(from);
    const set = edges.get(a) ?? new Set<string>();
    edges.set(a, set);
    for (const to of tos) if (!to.startsWith('pkg:') && areaOf(to) !== a) set.add(areaOf(to));
  }
  return { edges: new Map([...edges].map(([k, v]) => [k, [...v].sort()])) };
}

/** A printable summary: area edges, module cycles, then cycles between areas. */
export function summary(graph: ImportGraph): string {
  const cycles = cyclesOf(graph);
  const areaCycles = cyclesOf(areaGraph(graph));
  return [
    `modules: ${graph.edges.size}`,
    'area edges (module imports):',
    ...areaEdges(graph).map((e) => `  ${e}`),
    `module cycles: ${cycles.length}`,
    ...cycles.map((c) => `  ${c.join(' <-> ')}`),
    `area cycles: ${areaCycles.length}`,
    ...areaCycles.map((c) => `  ${c.join(' <-> ')}`),
    '',
  ].join('\n');
}
