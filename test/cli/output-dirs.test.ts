/**
 * --report DIR and --emit-c DIR that cannot be written: an existing file, a path under a file, a
 * directory without write permission and a place where directories cannot be made (/proc). Each is
 * exit 2 with one line naming the path and the reason, found before the model is even read (so a long
 * analysis never fails at its end), never a hang (Node's recursive mkdir loops forever under /proc)
 * and never exit 3.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { Host } from '../../src/host.js';
import { nodeHost } from '../../src/host.js';
import { evalInHostProcess, removeHostModule } from '../helpers/host-process.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const KWS = path.join(REPO_ROOT, 'fixtures/models/kws-dscnn.onnx');
const work = mkdtempSync(path.join(tmpdir(), 'memplan-outdir-'));
afterAll(() => {
  removeHostModule();
  chmodSync(path.join(work, 'locked'), 0o755);
  rmSync(work, { recursive: true, force: true });
});
const file = path.join(work, 'a-file');
writeFileSync(file, 'not a directory\n');
const locked = path.join(work, 'locked');
mkdirSync(locked);
chmodSync(locked, 0o555);
chmodSync(work, 0o755);

/** The real file system, with stdout and stderr captured and every model read recorded. */
function capturingHost() {
  const base = nodeHost();
  const reads: string[] = [];
  let stdout = '';
  let stderr = '';
  const host: Host = {
    ...base,
    readFile: (f) => (reads.push(f), base.readFile(f)),
    // A regression must fail here, not hang the suite in Node's recursive mkdir under /proc.
    mkdirp: (d) => {
      if (path.resolve(d).startsWith('/proc/')) throw new Error(`mkdirp('${d}') reached: the output folder was not checked first`);
      base.mkdirp(d);
    },
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  };
  return { host, reads, out: () => stdout, err: () => stderr };
}

const FLAGS = ['--report', '--emit-c'] as const;
const CASES: readonly (readonly [string, string, RegExp])[] = [
  ['an existing file', file, /: it is a file, not a directory/],
  ['a path under a file', path.join(file, 'out'), new RegExp(`: '${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' is a file, not a directory`)],
  ['a directory under /proc', '/proc/nope', /: cannot create 'nope' in '\/proc': cannot create files there \(ENOENT\)/],
  ['a deeper path under /proc', '/proc/nope/deeper', /: cannot create 'nope' in '\/proc'/],
];

describe('the file-system host', () => {
  it('mkdirp under /proc fails at once with ENOENT instead of looping (Node\u2019s recursive mkdirSync never returns there)', () => {
    const r = evalInHostProcess(`host.mkdirp('/proc/nope/deeper')`, { timeoutMs: 20_000 });
    expect(r.timedOut, 'mkdirp hung').toBe(false);
    expect(r.result).toEqual({ error: 'ENOENT' });
  });

  it('finds a directory without write permission unwritable (as an unprivileged user when run as root)', () => {
    const asUser = process.getuid?.() === 0 ? 65534 : undefined;
    const r = evalInHostProcess(`[host.outputDirProblem(${JSON.stringify(locked)}), host.outputDirProblem(${JSON.stringify(path.join(locked, 'out'))})]`, {
      ...(asUser !== undefined ? { asUser } : {}),
    });
    expect(r.stderr).toBe('');
    expect(r.result).toEqual([
      'the directory is not writable: permission denied (EACCES)',
      `cannot create 'out' in '${locked}': permission denied (EACCES)`,
    ]);
    expect(readdirSync(locked)).toEqual([]);
  });

  it('finds a writable directory, and a new path below one, writable, and creates nothing', () => {
    const r = evalInHostProcess(`[host.outputDirProblem(${JSON.stringify(work)}), host.outputDirProblem(${JSON.stringify(path.join(work, 'x', 'y'))})]`);
    expect(r.result).toEqual([null, null]);
    expect(readdirSync(work).sort()).toEqual(['a-file', 'locked']);
  });
});

describe.each(FLAGS)('%s DIR that cannot be written', (flag) => {
  it.each(CASES)('%s: exit 2, one line naming the path and the reason, before the model is read', async (_label, dir, reason) => {
    const c = capturingHost();
    const t0 = performance.now();
    const r = await runCli([KWS, flag, dir], c.host);
    const elapsedMs = performance.now() - t0;
    expect(r.exitCode).toBe(2);
    expect(c.out()).toBe('');
    expect(c.err()).toMatch(new RegExp(`^error MP101: cannot write to '${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`));
    expect(c.err()).toMatch(reason);
    expect(c.err()).toContain(`(flag ${flag})`);
    expect(c.err().split('\n')).toHaveLength(2);
    expect(c.reads).toEqual([]);
    expect(elapsedMs).toBeLessThan(1000);
  });

  it('a directory without write permission: exit 2 naming it', async () => {
    // Root may write anywhere, so the real check runs as an unprivileged user below; here the host answers as it would.
    const c = capturingHost();
    const host: Host = { ...c.host, outputDirProblem: (d) => (d === locked ? 'the directory is not writable: permission denied (EACCES)' : c.host.outputDirProblem(d)) };
    const r = await runCli([KWS, flag, locked], host);
    expect(r.exitCode).toBe(2);
    expect(c.err()).toBe(`error MP101: cannot write to '${locked}': the directory is not writable: permission denied (EACCES) (flag ${flag})\n`);
    expect(c.reads).toEqual([]);
  });
  it('a new nested directory is created and written', async () => {
    const c = capturingHost();
    const dir = path.join(work, `new-${flag.slice(2)}`, 'nested');
    const r = await runCli([KWS, flag, dir], c.host);
    expect(r.exitCode, c.err()).toBe(0);
    expect(readdirSync(dir).length).toBeGreaterThan(3);
  });
});
