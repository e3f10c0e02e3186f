/** The graph-optimization flags through the whole CLI: --dram 0 (with and without --no-depth-first), --no-graph-opt, --order file. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RESNET8 = path.join(ROOT, 'fixtures/models/resnet8.onnx');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(ROOT, 'reports/analysis.schema.json'), 'utf8')) as object);

async function run(argv: string[]) {
  const m = memoryHost({});
  const { exitCode } = await runCli(argv, m.host);
  return { exitCode, stdout: m.stdout, stderr: m.stderr };
}

describe('graph-optimization flags', () => {
  it('--dram 0: no DRAM pool, every activation in SRAM; the gate and --min-sram answer as usual', async () => {
    const fits = await run([RESNET8, '--dram', '0', '--sram', '1M', '--format', 'json', '--min-sram']);
    expect(fits.exitCode).toBe(0);
    const json = JSON.parse(fits.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.target.dramBytes).toBe(0);
    expect(json.pools.map((p: { name: string }) => p.name)).toEqual(['sram']);
    expect(json.buffers.every((b: { pool: string }) => b.pool === 'sram')).toBe(true);
    const min = json.minSramBytes as number;
    // 1 MiB holds every whole tensor: layer by layer, no segment.
    expect(json.layers.some((l: { segment?: unknown }) => l.segment !== undefined)).toBe(false);
    // Depth-first segments run resnet8's first layers band by band: below the whole-tensor peak.
    expect(min).toBeLessThan(json.optimizedPeakBytes);
    const atMin = JSON.parse((await run([RESNET8, '--dram', '0', '--sram', String(min), '--format', 'json'])).stdout);
    expect(atMin.fits).toBe(true);
    expect(atMin.layers.some((l: { segment?: unknown }) => l.segment !== undefined)).toBe(true);
    // Without them, every activation is a whole tensor: at least the optimized graph-level peak.
    const whole = JSON.parse((await run([RESNET8, '--dram', '0', '--sram', '1M', '--format', 'json', '--min-sram', '--no-depth-first'])).stdout);
    expect(validate(whole), JSON.stringify(validate.errors)).toBe(true);
    expect(whole.layers.some((l: { segment?: unknown }) => l.segment !== undefined)).toBe(false);
    expect(whole.minSramBytes).toBeGreaterThanOrEqual(json.optimizedPeakBytes);
    expect((await run([RESNET8, '--dram', '0', '--sram', String(min)])).exitCode).toBe(0);
    const over = await run([RESNET8, '--dram', '0', '--sram', String(min - 16)]);
    expect(over.exitCode).toBe(1);
    expect(over.stderr).toMatch(/^error MP401: does not fit: memory 'sram' needs \d+ bytes/);
    expect((await run([RESNET8, '--dram', '0'])).stdout).toMatch(/no global memory/);
  });

  it('--no-graph-opt: one layer per node and the baseline peak; --order file keeps the model order', async () => {
    const off = JSON.parse((await run([RESNET8, '--no-graph-opt', '--format', 'json'])).stdout);
    expect(off.optimizedPeakBytes).toBe(off.peakLiveBytes);
    expect(off.graphOptimizations).toMatchObject({ enabled: false, order: 'file' });
    expect(off.layers.every((l: { nodes: string[] }) => l.nodes.length === 1)).toBe(true);
    const on = JSON.parse((await run([RESNET8, '--format', 'json'])).stdout);
    expect(on.layers.length).toBeLessThan(off.layers.length);
    expect(on.layers.flatMap((l: { nodes: string[] }) => l.nodes).sort()).toEqual(off.layers.flatMap((l: { nodes: string[] }) => l.nodes).sort());
    const file = JSON.parse((await run([RESNET8, '--order', 'file', '--format', 'json'])).stdout);
    expect(file.graphOptimizations.order).toBe('file');
    // The file's order: layers follow the model's order of their last node (a fused residual Add
    // may come several nodes after its head).
    const fileIndex = new Map(off.layers.map((l: { nodes: string[] }, i: number) => [l.nodes[0]!, i]));
    const lastIndex = file.layers.map((l: { nodes: string[] }) => fileIndex.get(l.nodes[l.nodes.length - 1]!) as number);
    expect(lastIndex).toEqual([...lastIndex].sort((a: number, b: number) => a - b));
    expect(lastIndex.length).toBe(new Set(lastIndex).size);
  });
});
