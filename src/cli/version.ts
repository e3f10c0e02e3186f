/**
 * memplan's version: the `version` of its own package.json, found by walking up from this module
 * (src/cli/ when run from the sources, dist/src/cli/ when built or installed), so `--version` and the
 * reports can never drift from the published package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from '../diagnostics/errors.js';

/** The version string of the memplan package this module belongs to. */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'memplan' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new InternalError('memplan package.json not found above the running module');
    dir = parent;
  }
}
