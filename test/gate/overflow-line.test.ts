/**
 * The gate's one stderr line names the same memory, worst step and layer as the JSON's
 * `pools[].worst`, for the shared SRAM, DRAM and a per-core local memory; the failures of an
 * overflowing pool point at that step too, and the per-layer `fits` cells agree with both. The
 * smallest SRAM that fits is said once, on the line, not once per failing layer.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';
import type { AnalysisReport } from '../../reports/analysis-model.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const model = (f: string) => path.join(REPO_ROOT, 'fixtures/models', f);

/** quad-dsp-l1 with each core's local memory cut to `localBytes`. */
function smallLocalTarget(localBytes: number): string {
  const t = JSON.parse(readFileSync(path.join(REPO_ROOT, 'fixtures/targets/quad-dsp-l1.json'), 'utf8')) as { memories: { kind: string; sizeBytes: number }[] };
  for (const m of t.memories) if (m.kind === 'local') m.sizeBytes = localBytes;
  return JSON.stringify(t);
}

async function gate(argv: readonly string[], files: Record<string, string> = {}) {
  const m = memoryHost(files);
  const { exitCode } = await runCli([...argv, '--format', 'json'], m.host);
  return { exitCode, report: JSON.parse(m.stdout) as AnalysisReport, line: m.stderr };
}

const CASES: readonly { readonly label: string; readonly kind: string; readonly argv: readonly string[]; readonly files?: Record<string, string>; readonly memory: string }[] = [
  // (Reduction splits stream resnet8 through 640 bytes and kws-dscnn through 516: smaller sizes here.)
  { label: 'SRAM: layers whose smallest tile does not fit', kind: 'sram', argv: [model('resnet8.onnx'), '--sram', '256'], memory: 'sram' },
  { label: 'SRAM: kws-dscnn at 256 bytes', kind: 'sram', argv: [model('kws-dscnn.onnx'), '--sram', '256'], memory: 'sram' },
  // Was: the line named step 8 (the layer with the most resident bytes), the JSON step 3.
  { label: 'DRAM: resnet8 with 32 KiB of DRAM', kind: 'global', argv: [model('resnet8.onnx'), '--sram', '64K', '--dram', '32K'], memory: 'dram' },
  { label: 'DRAM: kws-dscnn with 16 KiB of DRAM', kind: 'global', argv: [model('kws-dscnn.onnx'), '--sram', '16K', '--dram', '16K'], memory: 'dram' },
  // Was: reported against the shared SRAM 'l2' ("needs 16384 bytes ... but 16384 bytes are available").
  { label: 'local: 128 bytes of L1 per core', kind: 'local', argv: [model('resnet8.onnx'), '--target', 'l1-128.json', '--sram', '16K'], files: { 'l1-128.json': smallLocalTarget(128) }, memory: 'l1' },
  { label: 'local: 256 bytes of L1 per core', kind: 'local', argv: [model('resnet8.onnx'), '--target', 'l1-256.json', '--sram', '64K'], files: { 'l1-256.json': smallLocalTarget(256) }, memory: 'l1' },
];

describe('the overflow line agrees with the JSON', () => {
  it('covers every pool kind', () => {
    expect([...new Set(CASES.map((c) => c.kind))].sort()).toEqual(['global', 'local', 'sram']);
  });

  it.each(CASES)('$label', async ({ argv, files, memory }) => {
    const { exitCode, report, line } = await gate(argv, files);
    expect(exitCode).toBe(1);
    expect(line.split('\n')).toHaveLength(2);
    const where = /\(file ([^,]+), layer '([^']*)', pool '([^']+)'\)\n$/.exec(line);
    expect(where, line).not.toBeNull();
    const [, file, layer, pool] = where!;
    expect(file).toBe(report.model);
    expect(pool).toBe(memory);
    const worst = report.pools.find((p) => p.name === pool)!.worst;
    expect(layer).toBe(worst.layer);
    expect(line).toContain(`step ${worst.step}`);
    expect(line).toContain(`'${worst.layer}'`);
    // Every failure of an overflowing pool (not a single layer) points at the pool's worst step.
    for (const f of report.failures) {
      if (!f.message.startsWith(`does not fit: memory '${f.memory}'`)) continue;
      const w = report.pools.find((p) => p.name === f.memory)!.worst;
      expect([f.step, f.layer]).toEqual([w.step, w.layer]);
    }
    // The fits cells: every layer a failure names, and the pool's worst step, say no.
    const notFitting = new Set(report.layers.filter((l) => !l.fits).map((l) => l.step));
    for (const f of report.failures) expect(notFitting.has(f.step), `step ${f.step} (${f.layer})`).toBe(true);
    expect(notFitting.has(worst.step)).toBe(true);
    // The smallest SRAM that fits: on the line once, in no failure message.
    expect(report.minSramBytes).toBeDefined();
    expect(line.match(/smallest SRAM/g)).toHaveLength(1);
    expect(line).toContain(`the smallest SRAM that works is ${report.minSramBytes} bytes`);
    for (const f of report.failures) expect(f.message).not.toContain('smallest SRAM');
  });

  it('a run that fits marks every layer as fitting and prints nothing on stderr', async () => {
    const m = memoryHost();
    const { exitCode } = await runCli([model('resnet8.onnx'), '--target', 'l1.json', '--format', 'json'], { ...m.host, readFile: (f) => (f === 'l1.json' ? new TextEncoder().encode(smallLocalTarget(65536)) : m.host.readFile(f)) });
    expect(exitCode).toBe(0);
    expect(m.stderr).toBe('');
    expect((JSON.parse(m.stdout) as AnalysisReport).layers.every((l) => l.fits)).toBe(true);
  });
});
