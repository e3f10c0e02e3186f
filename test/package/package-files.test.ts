/**
 * What `npm pack` ships (listed without building: `npm pack --dry-run --ignore-scripts`): the compiled
 * code, the C runtime, the JSON schema and the README, never the tests, benchmarks, fixtures or CI
 * scripts; and a `prepare` script, so that installing from git builds dist/. The slow suite packs,
 * installs and runs the package for real (pack-install.slow.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  files: string[];
  bin: Record<string, string>;
};

describe('the npm package', () => {
  it('builds dist/ on install from git (prepare) and lists what it ships (files)', () => {
    expect(pkg.scripts['prepare']).toBe('tsc -p tsconfig.json');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/src/', 'src/codegen/runtime/', 'reports/analysis.schema.json', 'README.md']));
    expect(pkg.bin['memplan']).toBe('dist/src/cli/main.js');
  });

  it('ships the runtime, the schema and the README, and no tests, benchmarks, fixtures or CI files', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of ['README.md', 'package.json', 'reports/analysis.schema.json', 'src/codegen/runtime/memplan_kernels.c', 'src/codegen/runtime/memplan_hooks.h']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(test|bench|fixtures|\.ci|dist\/bench|dist\/fixtures|dist\/test|node_modules)\//.test(f))).toEqual([]);
    // TypeScript sources stay out; only the C runtime of src/ ships (npm adds every README.md by itself).
    expect(files.filter((f) => f.startsWith('src/') && !f.startsWith('src/codegen/runtime/') && !f.endsWith('/README.md'))).toEqual([]);
  });
});
