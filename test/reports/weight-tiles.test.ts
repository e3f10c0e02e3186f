/**
 * weightTileBytes in the reports: on the DMA-only-DRAM target (fixtures/targets/dsp-dma-only.json)
 * every layer carries it in the JSON (valid against the schema), it equals the bytes of the layer's
 * weight-tile buffers that the verified plan placed in SRAM, and the table, Markdown, HTML and CSV show
 * it; on a target whose cores read the weights nothing changes (no field, no column). Bad coreAccess in
 * a target file is exit 2 with one line.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';
import type { AnalysisReport } from '../../reports/analysis-model.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const RESNET8 = path.join(REPO_ROOT, 'fixtures/models/resnet8.onnx');
const DSP = path.join(REPO_ROOT, 'fixtures/targets/dsp-dma-only.json');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(REPO_ROOT, 'reports/analysis.schema.json'), 'utf8')) as object);

async function run(argv: readonly string[], files: Record<string, string> = {}) {
  const m = memoryHost(files);
  const { exitCode } = await runCli(argv, m.host);
  return { exitCode, stdout: m.stdout, stderr: m.stderr, written: m.written };
}

describe('weightTileBytes', () => {
  it('JSON: every layer has it on the DMA-only target; it is the bytes of the weight tiles placed in SRAM', async () => {
    const r = await run([RESNET8, '--target', DSP, '--cores', '1', '--sram', '128K', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const a = JSON.parse(r.stdout) as AnalysisReport;
    expect(validate(a), JSON.stringify(validate.errors)).toBe(true);
    expect(a.target.weightsDmaFrom).toBe('dram');
    for (const l of a.layers) {
      expect(l.weightTileBytes, l.name).toBeTypeOf('number');
      expect(l.weightTileBytes!, l.name).toBeLessThanOrEqual(l.scratchBytes);
      // The layer's weight-tile buffers (`<layer>.wK`, each copy a buffer), all placed in sram by the plan.
      const tiles = a.buffers.filter((b) => b.name.startsWith(`${l.name}.w`) && /^\.w\d+(#\d+|@core\d+)*$/.test(b.name.slice(l.name.length)));
      expect(tiles.every((b) => b.pool === 'sram'), l.name).toBe(true);
      expect(tiles.reduce((s, b) => s + b.sizeBytes, 0), l.name).toBe(l.weightTileBytes);
    }
    const conv = a.layers.filter((l) => l.op === 'Conv');
    expect(conv.length).toBeGreaterThan(0);
    for (const l of conv) expect(l.weightTileBytes!, l.name).toBeGreaterThan(0);
    // Layers without weights have none; the weight DMA is in dmaInBytes (every activation is resident at 128K).
    expect(a.layers.find((l) => l.op === 'Softmax')!.weightTileBytes).toBe(0);
    expect(a.layers.find((l) => l.op === 'Gemm')!.dmaInBytes).toBeGreaterThanOrEqual(10 * 64 * 4 + 10 * 4);
  });

  it('a target whose cores read the weights: no field, no column, the same figures as before', async () => {
    const r = await run([RESNET8, '--format', 'json']);
    const a = JSON.parse(r.stdout) as AnalysisReport;
    expect(a.target.weightsDmaFrom).toBeUndefined();
    expect(a.layers.some((l) => 'weightTileBytes' in l)).toBe(false);
    const t = await run([RESNET8, '--verbose']);
    expect(t.stdout).not.toContain('Wt tiles');
    expect(t.stdout).toContain('in flash');
  });

  it('table, Markdown, HTML and CSV show the weight tiles', async () => {
    const t = await run([RESNET8, '--target', DSP, '--verbose']);
    expect(t.exitCode).toBe(0);
    expect(t.stdout).toMatch(/ Wt tiles /);
    expect(t.stdout.replace(/\s+/g, ' ')).toMatch(/weights 303\.54 KiB in dram, DMA'd into sram tiles \(at most [\d.]+ KiB per layer\)/);
    const r = await run([RESNET8, '--target', DSP, '--report', 'out']);
    expect(r.exitCode).toBe(0);
    const file = (name: string) => String(r.written.get(path.normalize(`out/${name}`)));
    const json = JSON.parse(file('report.json')) as AnalysisReport;
    const conv0 = json.layers.find((l) => l.name === 'conv0')!;
    expect(file('report.md')).toMatch(/\| Scratch \| Weight tiles \| SRAM \|/);
    expect(file('report.md')).toContain(`| ${conv0.scratchBytes} | ${conv0.weightTileBytes} | ${conv0.sramBytes} |`);
    expect(file('report.html')).toContain('<th>Weight tile bytes</th>');
    const csv = file('report.csv').split('\r\n');
    const head = csv[0]!.split(',');
    expect(head.slice(9, 12)).toEqual(['scratch_bytes', 'weight_tile_bytes', 'double_buffer_bytes']);
    const row = csv.find((l) => l.startsWith('0,conv0,'))!.split(',');
    expect(Number(row[10])).toBe(conv0.weightTileBytes);
  });

  it('a bad coreAccess is exit 2, one line, empty stdout', async () => {
    const target = JSON.stringify({ memories: [{ name: 's', kind: 'sram', sizeBytes: 65536 }, { name: 'd', kind: 'global', coreAccess: 'sometimes' }], weightsMemory: 'd' });
    const r = await run([RESNET8, '--target', 't.json'], { 't.json': target });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error MP501: target file memories\[1\]\.coreAccess must be true or false \(file t\.json\)\n$/);
    const gone = await run([RESNET8, '--target', DSP, '--dram', '0']);
    expect(gone.exitCode).toBe(2);
    expect(gone.stderr).toMatch(/^error MP501: [^\n]*holds its weights in memory 'dram', which --dram 0 would remove[^\n]*\n$/);
  });

  it('an SRAM too small for one input channel of one output channel of a layer\'s weights: the usual overflow (exit 1) naming the layer', async () => {
    // At 4K the layers split input channels (their weight tiles hold slices of both channel dims) and
    // fit; at 600 B s1_conv2's smallest tile (one row of one input channel, its 3 x 3 weights, the
    // accumulator row) does not.
    expect((await run([RESNET8, '--target', DSP, '--cores', '1', '--sram', '4K', '--format', 'json'])).exitCode).toBe(0);
    const r = await run([RESNET8, '--target', DSP, '--cores', '1', '--sram', '600', '--format', 'json']);
    expect(r.exitCode).toBe(1);
    const a = JSON.parse(r.stdout) as AnalysisReport;
    expect(a.fits).toBe(false);
    expect(a.failures.some((f) => f.layer === 's1_conv2' && f.memory === 'sram')).toBe(true);
  });
});
