/**
 * Locates the C runtime (kernels, hook header, host hooks) that generated code ships with.
 *
 * The files live in src/codegen/runtime/ and are never compiled by tsc, so from the compiled module
 * (dist/src/codegen/runtime-files.js) we resolve back to the source tree: dist/src/codegen -> repo root
 * -> src/codegen/runtime. From src/ (vitest, tsx) the directory sits next to this module.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RuntimeFile {
  /** File name to use in the output directory. */
  readonly name: string;
  /** Absolute path of the file in this package. */
  readonly path: string;
}

const NAMES = ['memplan_kernels.h', 'memplan_kernels.c', 'memplan_kernels_int.h', 'memplan_kernels_int.c', 'memplan_kernels_qlinear.h', 'memplan_kernels_qlinear.c', 'memplan_hooks.h', 'memplan_hooks_host.c'] as const;

function runtimeDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'runtime'), resolve(here, '..', '..', '..', 'src', 'codegen', 'runtime')];
  for (const dir of candidates) {
    if (existsSync(join(dir, 'memplan_kernels.h'))) return dir;
  }
  throw new Error(`memplan C runtime not found (looked in ${candidates.join(', ')})`);
}

/** Absolute path of the directory holding the C runtime sources. */
export const RUNTIME_DIR: string = runtimeDir();

/** The C runtime files, in a fixed order: headers before the sources that include them. */
export const RUNTIME_FILES: readonly RuntimeFile[] = NAMES.map((name) => ({ name, path: join(RUNTIME_DIR, name) }));
