/**
 * Test helpers: compile C with the system compiler into a temporary directory and run the result.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cCompilerName, missingDependency } from './system-deps.js';

/** Flags every test build uses. */
export const STRICT_FLAGS = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-O1'] as const;
export const SANITIZE_FLAGS = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g'] as const;

/** The C compiler: $CC, else gcc. */
export function cCompiler(): string {
  return cCompilerName();
}

/** A fresh temporary directory (caller removes it with removeDir). */
export function makeTempDir(prefix = 'memplan-c-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface CompileOptions {
  readonly sources: readonly string[];
  readonly output: string;
  readonly includeDirs?: readonly string[];
  readonly flags?: readonly string[];
  readonly libs?: readonly string[];
}

/** Compiles and links; throws with the compiler's output on failure. */
export function compileC(opts: CompileOptions): void {
  const args = [
    ...(opts.flags ?? STRICT_FLAGS),
    ...(opts.includeDirs ?? []).map((d) => `-I${d}`),
    ...opts.sources,
    '-o',
    opts.output,
    ...(opts.libs ?? ['-lm']),
  ];
  runCompiler(args);
}

/** Runs the C compiler; throws with its output on failure. */
function runCompiler(args: readonly string[]): void {
  const r = spawnSync(cCompiler(), args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // A missing compiler is a failure that names the package to install, not a bare ENOENT.
  if (r.error) throw new Error(missingDependency('gcc') ?? r.error.message, { cause: r.error });
  if (r.status !== 0) {
    throw new Error(`${cCompiler()} ${args.join(' ')} failed (status ${r.status}):\n${r.stdout}${r.stderr}`);
  }
}

/**
 * Compiles each source to an object file in outDir (created), without linking, so several programs
 * built with the same flags can share them; returns the object paths. Throws like compileC.
 */
export function compileObjects(opts: { readonly sources: readonly string[]; readonly outDir: string; readonly includeDirs?: readonly string[]; readonly flags?: readonly string[] }): string[] {
  mkdirSync(opts.outDir, { recursive: true });
  return opts.sources.map((src) => {
    const obj = join(opts.outDir, `${basename(src).replace(/\.c$/, '')}.o`);
    runCompiler([...(opts.flags ?? STRICT_FLAGS), ...(opts.includeDirs ?? []).map((d) => `-I${d}`), '-c', src, '-o', obj]);
    return obj;
  });
}

export interface RunResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program and returns its status and output (never throws on a non-zero exit). */
export function runProgram(program: string, args: readonly string[] = [], env?: NodeJS.ProcessEnv): RunResult {
  const r = spawnSync(program, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: env ? { ...process.env, ...env } : process.env,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
