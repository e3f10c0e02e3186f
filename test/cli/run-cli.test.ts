/** End-to-end CLI runs in memory: exit codes, streams, reports, determinism, every command. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';
import { sharedPath } from '../helpers/shared-data.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const KWS = path.join(ROOT, 'fixtures/models/kws-dscnn.onnx');
const RESNET8 = path.join(ROOT, 'fixtures/models/resnet8.onnx');
const FCN = path.join(ROOT, 'fixtures/models/fcn-symbolic.onnx');

async function run(argv: string[], files: Record<string, string | Uint8Array> = {}) {
  const m = memoryHost(files);
  const { exitCode } = await runCli(argv, m.host);
  return { exitCode, stdout: m.stdout, stderr: m.stderr, written: m.written };
}

describe('memplan MODEL', () => {
  it('fits: exit 0, the table on stdout, nothing on stderr', async () => {
    const r = await run([KWS, '--sram', '64K']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/kws-dscnn\.onnx: target generic-dsp, 1 core, sram 64 KiB \(65536 bytes\)/);
    expect(r.stdout).toMatch(/^fits: sram [\d.]+ KiB of 64 KiB \([\d.]+%\); nothing in dram; weights [\d.]+ KiB in flash$/m);
  });

  it('overflow: exit 1, one line naming memory, layer, needed and available bytes; reports still written', async () => {
    // (With reduction splits, input-channel slices into an accumulator, resnet8 streams through 640 bytes;
    // its fc Gemm splits K and fits 256 bytes, so 5 layers fail besides s1_conv2.)
    const r = await run([RESNET8, '--sram', '256', '--format', 'json', '--report', 'out']);
    expect(r.exitCode).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error MP401: does not fit: layer 's1_conv2' \(step 2\) needs 640 bytes of 'sram' even with its smallest tile, but 256 bytes are available; the smallest SRAM that works is 640 bytes; 5 more in the report/);
    const json = JSON.parse(r.stdout);
    expect(json.fits).toBe(false);
    expect(json.minSramBytes).toBe(640);
    // Failures in step order; the line names the worst one.
    expect(json.failures[0]).toMatchObject({ code: 'MP401', memory: 'sram', layer: 'conv0', neededBytes: 512, availableBytes: 256 });
    expect(json.failures[2]).toMatchObject({ code: 'MP401', memory: 'sram', layer: 's1_conv2', neededBytes: 640, availableBytes: 256 });
    for (const f of ['report.html', 'report.json', 'report.md', 'report.csv', 'buffers.json']) expect(r.written.has(path.join('out', f)), f).toBe(true);
    // The smallest SRAM the report names does fit.
    // (s1_conv2 streams its residual's tile too: the Add is fused into it.)
    expect((await run([RESNET8, '--sram', '640'])).exitCode).toBe(0);
    expect((await run([RESNET8, '--sram', '639'])).exitCode).toBe(1);
  });

  it('headroom: fails when the plan cannot keep the asked share free', async () => {
    const ok = await run([RESNET8, '--sram', '64K', '--headroom', '10%', '--format', 'json']);
    expect(ok.exitCode).toBe(0);
    const sram = JSON.parse(ok.stdout).pools.find((p: { name: string }) => p.name === 'sram');
    expect(sram.usedBytes).toBeLessThanOrEqual(Math.floor(65536 * 0.9));
    const bad = await run([RESNET8, '--sram', '640', '--headroom', '10%']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^error MP403: .*576 bytes are available \(--headroom 10% keeps 640 - 576 bytes free\)/);
  });

  it('bad input: exit 2, one line, empty stdout', async () => {
    for (const argv of [[path.join(ROOT, 'nope.onnx')], ['x.onnx', '--sram', 'lots']]) {
      const r = await run(argv, { 'x.onnx': new Uint8Array([1, 2, 3]) });
      expect(r.exitCode).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error MP\d{3}: [^\n]*\n$/);
    }
  });

  it('symbolic dimensions: exit 2 naming the input, fixed by --input', async () => {
    const r = await run([FCN]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/image/);
    expect(r.stderr).toMatch(/--input/);
    const ok = await run([FCN, '--input', 'image=1x3x32x32', '--format', 'json']);
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(ok.stdout).peakLiveBytes).toBe(65536);
  });

  it('--dtype int8 sizes float activations as one byte', async () => {
    const r = await run([KWS, '--dtype', 'int8', '--format', 'json']);
    expect(JSON.parse(r.stdout).peakLiveBytes).toBe(16000);
  });

  it('every format is deterministic, byte for byte', async () => {
    for (const format of ['table', 'json', 'markdown', 'csv']) {
      const a = await run([RESNET8, '--sram', '32K', '--cores', '2', '--format', format]);
      const b = await run([RESNET8, '--sram', '32K', '--cores', '2', '--format', format]);
      expect(a.stdout.length).toBeGreaterThan(100);
      expect(b.stdout).toBe(a.stdout);
    }
  });

  it('--min-sram reports the smallest SRAM that fits', async () => {
    const r = await run([RESNET8, '--sram', '256K', '--min-sram', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).minSramBytes).toBe(640);
  });

  it('shows progress on stderr only when it is a terminal', async () => {
    const quiet = await run([RESNET8, '--min-sram', '--format', 'json']);
    expect(quiet.stderr).toBe('');
    const m = memoryHost();
    const tty = { ...m.host, stderrIsTty: true };
    const { exitCode } = await runCli([RESNET8, '--min-sram', '--format', 'json'], tty);
    expect(exitCode).toBe(0);
    expect(m.stderr).toMatch(/\rmin-sram: bisecting: best \d+ bytes, lower bound \d+ bytes/);
    // The line is cleared at the end, so the terminal is left clean.
    expect(m.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(JSON.parse(m.stdout).minSramBytes).toBe(640);
  });

  it('a target file is used and named in the report', async () => {
    const target = JSON.stringify({ name: 'tiny-mcu', cores: 1, memories: [{ name: 'tcm', kind: 'sram', sizeBytes: 20480 }, { name: 'ext', kind: 'global' }] });
    const r = await run([KWS, '--target', 't.json', '--format', 'json'], { 't.json': target });
    expect(r.exitCode).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.target).toEqual({ name: 'tiny-mcu', cores: 1, sramBytes: 20480, dramBytes: null, sramName: 'tcm', dramName: 'ext' });
    expect(json.pools.map((p: { name: string }) => p.name)).toEqual(['tcm', 'ext']);
    const bad = await run([KWS, '--target', 't.json'], { 't.json': '{"memories": 3}' });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^error MP501: target file 'memories' must be a non-empty array \(file t\.json\)\n$/);
  });
});

describe('memplan plan', () => {
  const set = JSON.stringify({
    pools: [{ name: 'sram', sizeBytes: 1024, alignment: 16 }],
    buffers: [
      { name: 'a', sizeBytes: 512, start: 0, end: 1 },
      { name: 'b', sizeBytes: 512, start: 1, end: 2 },
      { name: 'c', sizeBytes: 256, start: 2, end: 3 },
    ],
  });
  it('plans a DESIGN.md buffer set and prints the plan JSON', async () => {
    const r = await run(['plan', 'b.json', '--format', 'json'], { 'b.json': set });
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ schemaVersion: 1, fits: true, optimal: true, pools: [{ name: 'sram', sizeBytes: 1024, usedBytes: 1024, lowerBoundBytes: 1024 }] });
    expect(plan.allocations).toHaveLength(3);
  });
  it('exit 1 when a bounded pool is too small', async () => {
    const r = await run(['plan', 'b.json'], { 'b.json': set.replace('1024', '768') });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error MP401: does not fit/);
  });
  it('reads MiniMalloc CSV and Glow traces', async () => {
    const csv = await run(['plan', sharedPath('planner-bench/minimalloc-challenging/example.input.12.csv'), '--format', 'json']);
    expect(csv.exitCode).toBe(0);
    const ex = JSON.parse(csv.stdout);
    expect(ex.allocations).toHaveLength(5);
    expect(ex.pools[0]).toMatchObject({ sizeBytes: 12, usedBytes: 12, lowerBoundBytes: 12 });
    const glow = 'MODEL m\nALIGN 64\nALLOC 1 100\nALLOC 2 64\nFREE 1\nALLOC 3 64\nFREE 2\nFREE 3\nMEM 192\nEFF 1\n';
    const g = await run(['plan', 'g.txt', '--format', 'json'], { 'g.txt': glow });
    expect(g.exitCode).toBe(0);
    expect(JSON.parse(g.stdout)[0]).toMatchObject({ model: 'm', fits: true });
  });
});

describe('memplan dump and diff', () => {
  it('dumps the graph and the schedule deterministically', async () => {
    const g = await run(['dump', KWS, '--stage', 'graph']);
    expect(g.stdout).toMatch(/^graph /);
    const s1 = await run(['dump', RESNET8, '--sram', '16K', '--cores', '2']);
    const s2 = await run(['dump', RESNET8, '--sram', '16K', '--cores', '2']);
    expect(s1.stdout).toMatch(/parallel\(cores\)/);
    expect(s1.stdout).toMatch(/dma-start/);
    expect(s2.stdout).toBe(s1.stdout);
  });

  it('diff of two reports at different SRAM sizes and options', async () => {
    const big = (await run([RESNET8, '--sram', '64K', '--format', 'json'])).stdout;
    const small = (await run([RESNET8, '--sram', '16K', '--no-double-buffer', '--format', 'json'])).stdout;
    const tooSmall = (await run([RESNET8, '--sram', '256', '--format', 'json'])).stdout;
    const files = { 'big.json': big, 'small.json': small, 'tiny.json': tooSmall };
    const d = await run(['diff', 'big.json', 'small.json'], files);
    expect(d.exitCode).toBe(0);
    expect(d.stdout).toMatch(/^memplan diff: resnet8\.onnx -> resnet8\.onnx: still fits\n/);
    expect(d.stdout).toMatch(/^sram used +64 KiB of 64 KiB +16 KiB of 16 KiB +-48 KiB$/m);
    expect(d.stdout).toMatch(/^\S+ +changed +[\d.]+ KiB +[\d.]+ KiB +-[\d.]+ KiB +\d+ +\d+ +[\d.]+ K?i?B +[\d.]+ K?i?B +yes$/m);
    const worse = await run(['diff', 'small.json', 'tiny.json', '--format', 'markdown'], files);
    expect(worse.exitCode).toBe(1);
    expect(worse.stdout).toMatch(/NO LONGER FITS/);
    expect(worse.stderr).toMatch(/^error MP401: /);
    const junk = await run(['diff', 'big.json', 'junk.json'], { ...files, 'junk.json': '{"a":1}' });
    expect(junk.exitCode).toBe(2);
    expect(junk.stdout).toBe('');
  });
});
