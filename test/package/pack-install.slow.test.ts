/**
 * The package as a user gets it (slow: `npm run test:slow`): `npm pack` (which runs `prepare`, the
 * build), `npm install` of the tarball into an empty folder (from npm's local cache where it can), then
 * the installed `memplan` analyses a fixture model, prints its version and writes C code with its
 * runtime. Slow because it builds and installs: about a minute.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared-data.js';

const work = mkdtempSync(path.join(tmpdir(), 'memplan-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: readonly string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

describe('npm pack, install into an empty folder, run', () => {
  it('the installed memplan analyses kws-dscnn.onnx, prints its version and emits C', () => {
    const pack = run('npm', ['pack', '--pack-destination', work, '--json', '--loglevel=error'], REPO_ROOT);
    expect(pack.status, pack.stderr).toBe(0);
    const tarball = path.join(work, (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string }[])[0]!.filename);
    expect(existsSync(tarball)).toBe(true);

    const app = path.join(work, 'app');
    mkdirSync(app);
    const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], app);
    expect(install.status, install.stderr).toBe(0);
    const bin = path.join(app, 'node_modules', '.bin', 'memplan');
    expect(existsSync(bin)).toBe(true);
    expect(existsSync(path.join(app, 'node_modules', 'memplan', 'test'))).toBe(false);

    const version = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
    const v = run(bin, ['--version'], app);
    expect(v.stdout).toBe(`${version}\n`);

    const model = path.join(REPO_ROOT, 'fixtures/models/kws-dscnn.onnx');
    const a = run(bin, [model, '--sram', '64K'], app);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^kws-dscnn\.onnx: target generic-dsp/);
    expect(a.stdout).toMatch(/\nfits: sram [^\n]*\n$/);

    const c = run(bin, [model, '--sram', '16K', '--emit-c', path.join(app, 'c')], app);
    expect(c.status, c.stderr).toBe(0);
    expect(readdirSync(path.join(app, 'c'))).toEqual(expect.arrayContaining(['Makefile', 'model.c', 'memplan_kernels.c', 'memplan_hooks.h']));
  }, 600_000);
});
