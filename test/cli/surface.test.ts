/**
 * The command line as a user meets it, through runCli with relative paths (run from the repository
 * root) and a fixed version string, so the goldens hold no absolute path and survive a release:
 * the default table as the terminal would show it, the usage errors, `plan` and `diff` in each
 * format, the provenance recorded in the JSON report and the stderr line naming what was written.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RESNET8 = 'fixtures/models/resnet8.onnx';
const KWS = 'fixtures/models/kws-dscnn.onnx';

async function run(argv: string[], files: Record<string, string | Uint8Array> = {}, stdoutColumns?: number) {
  process.chdir(ROOT);
  const m = memoryHost(files);
  const host = stdoutColumns === undefined ? m.host : { ...m.host, stdoutColumns };
  const { exitCode } = await runCli(argv, host, { memplanVersion: 'test-version' });
  return { exitCode, stdout: m.stdout, stderr: m.stderr, written: m.written };
}

const maxLine = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

describe('the default table through the CLI', () => {
  it.each([80, 120])('a %i-column terminal', async (cols) => {
    const r = await run([RESNET8, '--sram', '32K'], {}, cols);
    expect(r.exitCode).toBe(0);
    expect(maxLine(r.stdout)).toBeLessThanOrEqual(cols);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/ memplan test-version: memplan fixtures\/models\/resnet8\.onnx --sram 32K; model resnet8\.onnx sha256 [0-9a-f]{16} /);
    await expect(r.stdout).toMatchFileSnapshot(`../goldens/cli/resnet8-32k.w${cols}.txt`);
  });
  it('not a terminal: laid out for 120 columns', async () => {
    const r = await run([RESNET8, '--sram', '32K']);
    expect(r.stdout).toBe((await run([RESNET8, '--sram', '32K'], {}, 120)).stdout);
  });
  it('result lines: fit, spill to DRAM, overflow, no DRAM (fits and overflows)', async () => {
    const lines = [];
    for (const argv of [[KWS, '--sram', '64K'], [RESNET8, '--sram', '32K'], [RESNET8, '--sram', '4K'], [RESNET8, '--sram', '256'], [KWS, '--sram', '64K', '--dram', '0'], [RESNET8, '--sram', '32K', '--dram', '0']]) {
      const r = await run(argv, {}, 200);
      lines.push(`$ memplan ${argv.join(' ')}\n${r.stdout.trimEnd().split('\n').at(-1)}\nexit ${r.exitCode}`);
    }
    await expect(`${lines.join('\n\n')}\n`).toMatchFileSnapshot('../goldens/cli/result-lines.txt');
  });
});

describe('usage errors', () => {
  const cases: string[][] = [
    ['plan'],
    ['diff', 'a.json'],
    ['diff'],
    [RESNET8, KWS],
    [RESNET8, 'extra'],
    ['plan', 'b.json', 'c.json'],
    ['diff', 'a.json', 'b.json', 'c.json'],
    [RESNET8, '--sramm', '64K'],
    [RESNET8, '--verbos'],
    ['plan', 'b.json', '--sram', '64K'],
    ['plna', 'b.json'],
    ['help', 'nope'],
    [],
  ];
  it('each is one line on stderr, exit 2, nothing on stdout', async () => {
    const out: string[] = [];
    for (const argv of cases) {
      const r = await run(argv);
      expect(r.exitCode, argv.join(' ')).toBe(2);
      expect(r.stdout, argv.join(' ')).toBe('');
      expect(r.stderr, argv.join(' ')).toMatch(/^error MP1\d\d: [^\n]+\n$/);
      out.push(`$ memplan ${argv.join(' ')}\n${r.stderr}`);
    }
    await expect(out.join('\n')).toMatchFileSnapshot('../goldens/cli/usage-errors.txt');
  });
  it('help for a subcommand: memplan help plan = memplan plan --help', async () => {
    const a = await run(['help', 'plan']);
    const b = await run(['plan', '--help']);
    expect(a.exitCode).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(/--capacity/);
    await expect(a.stdout).toMatchFileSnapshot('../goldens/cli/help-plan.txt');
    const d = await run(['help', 'diff']);
    expect(d.stdout).toMatch(/--all/);
    await expect(d.stdout).toMatchFileSnapshot('../goldens/cli/help-diff.txt');
  });
});

describe('memplan plan', () => {
  const set = JSON.stringify({
    pools: [{ name: 'sram', sizeBytes: null, alignment: 16 }, { name: 'dram', sizeBytes: null }],
    buffers: [
      { name: 'a', sizeBytes: 512, start: 0, end: 1 },
      { name: 'b', sizeBytes: 512, start: 1, end: 2, pools: ['sram', 'dram'] },
      { name: 'c', sizeBytes: 256, start: 2, end: 3 },
      { name: 'tile', sizeBytes: 100, conflicts: ['a'] },
    ],
  });
  it('table and csv, with --capacity', async () => {
    const t = await run(['plan', 'b.json', '--capacity', 'sram=1K'], { 'b.json': set });
    expect(t.exitCode).toBe(0);
    expect(t.stdout).toMatch(/^sram +\d+ \([\d.]+ K?i?B\) +1024 /m);
    await expect(t.stdout).toMatchFileSnapshot('../goldens/cli/plan-capacity.txt');
    const c = await run(['plan', 'b.json', '--capacity', 'sram=1K', '--format', 'csv'], { 'b.json': set });
    expect(c.stdout.split('\r\n')[0]).toBe('set,buffer,pool,offset_bytes,end_bytes,size_bytes,start_step,end_step');
    expect(c.stdout.trimEnd().split('\r\n')).toHaveLength(5);
    await expect(c.stdout).toMatchFileSnapshot('../goldens/cli/plan-capacity.csv');
  });
  it('a capacity too small fails the gate; an unknown pool is a usage error', async () => {
    const small = await run(['plan', 'b.json', '--capacity', 'sram=600', '--capacity', 'dram=256'], { 'b.json': set });
    expect(small.exitCode).toBe(1);
    const bad = await run(['plan', 'b.json', '--capacity', 'l2=1K'], { 'b.json': set });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^error MP101: --capacity names pool 'l2', which the buffer set does not have \(pools: 'sram', 'dram'\)/);
  });
});

describe('memplan diff', () => {
  it('table, --all and markdown', async () => {
    // The baseline schedule (one layer per node) changes more layers than the diff lists by default.
    const a = (await run([RESNET8, '--no-graph-opt', '--sram', '32K', '--format', 'json'])).stdout;
    const b = (await run([RESNET8, '--no-graph-opt', '--sram', '24K', '--cores', '2', '--format', 'json'])).stdout;
    const files = { 'old.json': a, 'new.json': b };
    const t = await run(['diff', 'old.json', 'new.json'], files);
    expect(t.exitCode).toBe(0);
    expect(t.stdout).toMatch(/^estimated cycles +\d+ +\d+ +-\d+ \(-[\d.]+%\)$/m);
    expect(t.stdout).toMatch(/^DMA bytes \(in \+ out\) /m);
    expect(t.stdout).toMatch(/^peak live activations /m);
    expect(t.stdout).toMatch(/\(1 more layer changed; memplan diff --all lists every one\)/);
    await expect(t.stdout).toMatchFileSnapshot('../goldens/cli/diff.txt');
    const all = await run(['diff', 'old.json', 'new.json', '--all'], files);
    expect(all.stdout).not.toMatch(/more layers? changed/);
    expect(all.stdout).toMatch(/^21 layers changed:$/m);
    const md = await run(['diff', 'old.json', 'new.json', '--format', 'markdown', '--all'], files);
    expect(md.stdout).toMatch(/^### memplan diff: `resnet8\.onnx` -> `resnet8\.onnx`: still fits$/m);
    expect(md.stdout).toMatch(/^\| Layer \| Change \| Old SRAM \| New SRAM \| SRAM change \| Old cycles \| New cycles \| Old DMA \| New DMA \| Fits \|$/m);
    await expect(md.stdout).toMatchFileSnapshot('../goldens/cli/diff.md');
  });
});

describe('reports record where they come from', () => {
  it('version, command line, model and target file hashes; one stderr line says where they went', async () => {
    const target = readFileSync(path.join(ROOT, 'fixtures/targets/tiny-mcu-128k.json'));
    const r = await run([KWS, '--target', 'fixtures/targets/tiny-mcu-128k.json', '--report', 'out', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const json = JSON.parse(r.stdout);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 16);
    expect(json.provenance).toEqual({
      memplanVersion: 'test-version',
      commandLine: 'memplan fixtures/models/kws-dscnn.onnx --target fixtures/targets/tiny-mcu-128k.json --report out --format json',
      modelSha256: sha(readFileSync(path.join(ROOT, KWS))),
      targetFile: { name: 'tiny-mcu-128k.json', sha256: sha(target) },
    });
    expect(r.stderr).toBe('memplan: reports written to out/ (report.html, report.md, report.json, report.csv, buffers.json)\n');
    for (const f of ['report.md', 'report.html']) expect(String(r.written.get(path.join('out', f)))).toContain('test-version');
  });
  it('the default version is package.json\u2019s', async () => {
    const m = memoryHost();
    await runCli([KWS, '--format', 'json'], m.host);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(JSON.parse(m.stdout).provenance.memplanVersion).toBe(pkg.version);
  });
});
