/**
 * The shared-data and system-package helpers: one place finds ../shared from the repository root,
 * nothing in the repository names a machine-absolute path, and a missing piece is a failure that
 * says what to install (a skip only through MEMPLAN_ALLOW_SKIP, for the packages it may name).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, SHARED_DIR, packageFile, sharedFiles, sharedModel, sharedPath } from './shared-data.js';
import { ALLOW_SKIP_ENV, allowedSkips, findOnPath, missingDependency, SKIPPABLE } from './system-deps.js';

describe('shared data helper', () => {
  it('finds the repository root from its own location and ../shared beside it', () => {
    expect(JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).name).toBe('memplan');
    expect(SHARED_DIR).toBe(path.join(path.dirname(REPO_ROOT), 'shared'));
    expect(sharedModel('README.md')).toBe(path.join(SHARED_DIR, 'models', 'README.md'));
  });

  it('throws naming the missing file and where it looked', () => {
    expect(() => sharedPath('models/no-such-model.onnx')).toThrow(
      `shared data ../shared/models/no-such-model.onnx is missing (looked for ${path.join(SHARED_DIR, 'models/no-such-model.onnx')}`,
    );
    expect(() => sharedFiles('no-such-folder', '.onnx')).toThrow(/\.\.\/shared\/no-such-folder is missing/);
    expect(() => packageFile('@nobody/nothing/model.onnx')).toThrow('the devDependency @nobody/nothing is not installed (run npm ci)');
  });

  it('lists one kind of file: the .tflite models beside the .onnx ones are left out, not an error', () => {
    const onnx = sharedFiles('models/torchvision', '.onnx');
    expect(onnx.length).toBeGreaterThanOrEqual(6);
    expect(onnx.every((f) => f.endsWith('.onnx'))).toBe(true);
    expect(sharedFiles('models/tflite', '.onnx')).toEqual([]);
  });

  it('nothing tracked in the repository names a machine-absolute path to the shared data', () => {
    const files = execFileSync('git', ['ls-files', '-z', '--', 'test', 'bench', 'src', 'planner', 'reports', 'fixtures', '.ci', 'package.json', 'vitest.config.ts'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && /\.(ts|mjs|js|json|sh)$|^\.ci\//.test(f) && existsSync(path.join(REPO_ROOT, f)));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((f) => /['"`]\/work\/|\/work\/shared/.test(readFileSync(path.join(REPO_ROOT, f), 'utf8')));
    // This file names the pattern it looks for only inside a regular expression.
    expect(offenders.filter((f) => f !== 'test/helpers/shared-data.test.ts')).toEqual([]);
  });
});

describe('system packages', () => {
  it('names the Debian package to install for each missing tool', () => {
    expect(findOnPath(['gcc'], '/nonexistent-dir')).toBeUndefined();
    const saved = process.env.PATH;
    const savedCc = process.env.CC;
    try {
      process.env.PATH = '/nonexistent-dir';
      process.env.CC = 'memplan-no-such-cc';
      expect(missingDependency('make')).toMatch(/install Debian's make \(apt-get install -y make\)/);
      expect(missingDependency('chromium')).toMatch(/install Debian's chromium \(apt-get install -y chromium\)/);
      expect(missingDependency('gcc')).toMatch(/'memplan-no-such-cc' was not found .*install Debian's gcc/);
    } finally {
      process.env.PATH = saved;
      if (savedCc === undefined) delete process.env.CC;
      else process.env.CC = savedCc;
    }
  });

  it('MEMPLAN_ALLOW_SKIP may name only the optional packages; a typo or gcc is an error, not a skip', () => {
    expect([...allowedSkips('chromium, libonnx-testdata')].sort()).toEqual(['chromium', 'libonnx-testdata']);
    expect([...allowedSkips('')]).toEqual([]);
    expect(() => allowedSkips('gcc')).toThrow(`${ALLOW_SKIP_ENV} names 'gcc', which cannot be skipped; it may list only ${SKIPPABLE.join(', ')}`);
    expect(() => allowedSkips('chromum')).toThrow(/cannot be skipped/);
  });

  it('CI sets no skip: .ci/run never mentions MEMPLAN_ALLOW_SKIP', () => {
    for (const f of ['.ci/run', '.ci/setup']) expect(readFileSync(path.join(REPO_ROOT, f), 'utf8')).not.toContain(ALLOW_SKIP_ENV);
  });
});
