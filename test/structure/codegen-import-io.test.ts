/**
 * Importing codegen reads no file: every module below src/codegen/ is imported in a child process
 * whose node:fs functions record each call; the C runtime is found only when code asks for it.
 * (Module hooks run on their own thread in Node 20, so the TypeScript loader's own reads are not seen.)
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, tsFilesBelow } from '../helpers/import-graph.js';

/** Imports `modules`, then runs `after` (a JS expression using `m`, the last module); prints the fs calls seen in each phase. */
function fsCallsOnImport(modules: readonly string[], after: string): { onImport: string[]; afterwards: string[] } {
  const loader = pathToFileURL(path.join(ROOT, 'test', 'fuzz', 'ts-loader.mjs')).href;
  const urls = modules.map((m) => pathToFileURL(path.join(ROOT, m)).href);
  const script = `
    import { register, syncBuiltinESMExports } from 'node:module';
    import fs from 'node:fs';
    register(${JSON.stringify(loader)});
    const calls = [];
    for (const name of ['readFileSync', 'existsSync', 'statSync', 'lstatSync', 'readdirSync', 'openSync', 'accessSync', 'realpathSync', 'readFile', 'stat', 'readdir', 'open']) {
      const real = fs[name];
      fs[name] = function (...args) { calls.push(name + ' ' + String(args[0])); return real.apply(this, args); };
    }
    syncBuiltinESMExports();
    let m;
    for (const url of ${JSON.stringify(urls)}) m = await import(url);
    const onImport = calls.splice(0);
    ${after};
    process.stdout.write(JSON.stringify({ onImport, afterwards: calls }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { onImport: string[]; afterwards: string[] };
}

describe('codegen does no file I/O when imported', () => {
  const modules = tsFilesBelow('src/codegen');

  it('imports every codegen module without touching the file system; finding the runtime later does', () => {
    expect(modules).toContain('src/codegen/generate.ts');
    expect(modules).toContain('src/codegen/runtime-files.ts');
    const last = 'src/codegen/runtime-files.ts';
    const { onImport, afterwards } = fsCallsOnImport([...modules.filter((m) => m !== last), last], 'm.readRuntimeFiles()');
    expect(onImport).toEqual([]);
    // The recorder sees the calls a lazy lookup makes (so an empty list above means something).
    expect(afterwards.some((c) => c.startsWith('existsSync ') && c.endsWith('memplan_kernels.h'))).toBe(true);
    expect(afterwards.some((c) => c.startsWith('readFileSync ') && c.endsWith('memplan_hooks_host.c'))).toBe(true);
  });
});
