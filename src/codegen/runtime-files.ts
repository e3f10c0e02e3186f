/**
 * Locates the C runtime (kernels, hook header, host hooks) that generated code ships with.
 *
 * The files live in src/codegen/runtime/ and are never compiled by tsc, so from the compiled module
 * (dist/src/codegen/runtime-files.js) we resolve back to the source tree: dist/src/codegen -> repo root
 * -> src/codegen/runtime. From src/ (vitest, tsx) the directory sits next to this module.
 * Nothing is looked up when the module is imported: the first call finds the directory (and fails
 * there, with a MemplanError, if the package lost its runtime).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../diagnostics/errors.js';

export interface RuntimeFile {
  /** File name to use in the output directory. */
  readonly name: string;
  /** Absolute path of the file in this package. */
  readonly path: string;
}

const NAMES = ['memplan_kernels.h', 'memplan_kernels.c', 'memplan_kernels_int.h', 'memplan_kernels_int.c', 'memplan_kernels_qlinear.h', 'memplan_kernels_qlinear.c', 'memplan_hooks.h', 'memplan_hooks_host.c'] as const;

let found: string | undefined;

/** Absolute path of the directory holding the C runtime sources (found on first use). */
export function runtimeDir(): string {
  found ??= locateRuntimeDir();
  return found;
}

function locateRuntimeDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'runtime'), resolve(here, '..', '..', '..', 'src', 'codegen', 'runtime')];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'memplan_kernels.h'))) return dir;
  }
  throw new InternalError(`memplan C runtime not found (looked in ${candidates.join(', ')})`);
}

/** The C runtime files, in a fixed order: headers before the sources that include them. */
export function runtimeFiles(): readonly RuntimeFile[] {
  const dir = runtimeDir();
  return NAMES.map((name) => ({ name, path: join(dir, name) }));
}

/** The C runtime files with their text, in runtimeFiles()'s order. */
export function readRuntimeFiles(): { readonly name: string; readonly text: string }[] {
  return runtimeFiles().map((f) => ({ name: f.name, text: readFileSync(f.path, 'utf8') }));
}
