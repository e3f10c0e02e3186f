/**
 * The system packages the suite needs (Debian names), how to tell whether each is there, and what
 * to say when it is not. A missing package is a failing test that names the package to install;
 * `npm run setup` (.ci/setup) installs all of them.
 *
 * The only way to skip instead is the environment variable MEMPLAN_ALLOW_SKIP, a comma-separated list
 * of the optional packages a developer chooses to do without (`MEMPLAN_ALLOW_SKIP=chromium`). CI never
 * sets it. gcc and make cannot be skipped: half of the suite compiles and runs generated C.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type SystemDependency = 'gcc' | 'make' | 'libonnx-testdata' | 'chromium';

/** The environment variable that may name optional packages whose tests are skipped when missing. */
export const ALLOW_SKIP_ENV = 'MEMPLAN_ALLOW_SKIP';

/** Packages that MEMPLAN_ALLOW_SKIP may name. */
export const SKIPPABLE: readonly SystemDependency[] = ['libonnx-testdata', 'chromium'];

/** Where Debian's libonnx-testdata package installs its test folders (suites: node, pytorch-converted, ...). */
export const LIBONNX_TESTDATA_ROOT = '/usr/share/libonnx-testdata/data';

/** The single-operator suite of libonnx-testdata. */
export const LIBONNX_TESTDATA_NODE_DIR = join(LIBONNX_TESTDATA_ROOT, 'node');

const INSTALL_HINT = '`npm run setup` installs every system package the tests need';

/** The first executable called one of `names` on PATH, or undefined. */
export function findOnPath(names: readonly string[], pathVar = process.env.PATH ?? ''): string | undefined {
  for (const name of names) {
    for (const dir of pathVar.split(delimiter)) {
      if (!dir) continue;
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** The C compiler the tests use: $CC, else gcc. */
export function cCompilerName(): string {
  return process.env.CC && process.env.CC.trim() !== '' ? process.env.CC : 'gcc';
}

/** Why `dep` is unusable here (one sentence naming the Debian package), or undefined when it is present. */
export function missingDependency(dep: SystemDependency): string | undefined {
  switch (dep) {
    case 'gcc': {
      const cc = cCompilerName();
      const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
      if (!r.error && r.status === 0) return undefined;
      return `the C compiler '${cc}' was not found or does not run: install Debian's gcc (apt-get install -y gcc); ${INSTALL_HINT}`;
    }
    case 'make':
      return findOnPath(['make']) ? undefined : `make was not found on PATH: install Debian's make (apt-get install -y make); ${INSTALL_HINT}`;
    case 'libonnx-testdata':
      return existsSync(LIBONNX_TESTDATA_NODE_DIR)
        ? undefined
        : `${LIBONNX_TESTDATA_NODE_DIR} is missing: install Debian's libonnx-testdata (apt-get install -y libonnx-testdata); ${INSTALL_HINT}`;
    case 'chromium':
      return findOnPath(['chromium', 'chromium-browser'])
        ? undefined
        : `chromium was not found on PATH (looked for 'chromium' and 'chromium-browser'): install Debian's chromium (apt-get install -y chromium); ${INSTALL_HINT}`;
  }
}

/** The packages MEMPLAN_ALLOW_SKIP names; throws on a name that cannot be skipped, so a typo is not a silent skip. */
export function allowedSkips(env: string | undefined = process.env[ALLOW_SKIP_ENV]): ReadonlySet<SystemDependency> {
  const names = (env ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!(SKIPPABLE as readonly string[]).includes(n)) {
      throw new Error(`${ALLOW_SKIP_ENV} names '${n}', which cannot be skipped; it may list only ${SKIPPABLE.join(', ')}`);
    }
  }
  return new Set(names as SystemDependency[]);
}

/**
 * For `describe.skipIf`: true only when `dep` is missing AND MEMPLAN_ALLOW_SKIP names it. Otherwise
 * false, and the suite runs (and fails through requireDependency when the package is missing).
 */
export function skipWithout(dep: SystemDependency): boolean {
  return missingDependency(dep) !== undefined && allowedSkips().has(dep);
}

/** Throws the install message when `dep` is missing. Call it at the start of each suite that needs it. */
export function requireDependency(dep: SystemDependency): void {
  const missing = missingDependency(dep);
  if (missing !== undefined) throw new Error(missing);
}

/**
 * The libonnx-testdata folder of `suite`, for listing test cases while a file is collected: throws the
 * install message when the package is missing, unless MEMPLAN_ALLOW_SKIP names it (then the suite using
 * it is skipped through skipWithout, and this returns the path for an empty listing).
 */
export function libonnxTestdataDir(suite = 'node'): string {
  if (!skipWithout('libonnx-testdata')) requireDependency('libonnx-testdata');
  return join(LIBONNX_TESTDATA_ROOT, suite);
}
