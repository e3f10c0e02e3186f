/**
 * --headroom N%: the `%` is required (`0.1` used to be taken as 0.1%), the value is recorded in every
 * report (table header, JSON `headroom`, Markdown, HTML), and the report states what keeping it free
 * cost against the same run without it: activation bytes moved to DRAM, DMA bytes and cycles, checked
 * here against a second run without headroom.
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
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(REPO_ROOT, 'reports/analysis.schema.json'), 'utf8')) as object);

async function run(argv: readonly string[]) {
  const m = memoryHost();
  const { exitCode } = await runCli(argv, m.host);
  return { exitCode, stdout: m.stdout, stderr: m.stderr, written: m.written };
}

describe('--headroom', () => {
  it.each([['0.1'], ['10'], ['10 percent'], ['100%'], ['%']])('rejects %s: exit 2, one line, empty stdout', async (value) => {
    const r = await run([RESNET8, '--headroom', value]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^error MP101: invalid value '${value.replace(/[.%+-]/g, '\\$&')}' for --headroom: expected a percentage with its % sign.*\\(flag --headroom\\)\\n$`));
  });

  it('says how to write a bare number', async () => {
    expect((await run([RESNET8, '--headroom', '0.1'])).stderr).toContain("(write the percent sign: '0.1%' keeps 0.1% free)");
  });

  it('is explained in --help', async () => {
    const r = await run(['--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('keep N% of every bounded memory (SRAM, local, DRAM) free');
  });

  // On the baseline schedule (--no-graph-opt), where 10% headroom at 64K does move activations to DRAM.
  it('records 10% and its cost in the JSON, checked against a run without headroom', async () => {
    const withH = await run([RESNET8, '--no-graph-opt', '--sram', '64K', '--headroom', '10%', '--format', 'json']);
    const without = await run([RESNET8, '--no-graph-opt', '--sram', '64K', '--format', 'json']);
    expect(withH.exitCode).toBe(0);
    const a = JSON.parse(withH.stdout) as AnalysisReport;
    const b = JSON.parse(without.stdout) as AnalysisReport;
    expect(validate(a), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(b), JSON.stringify(validate.errors)).toBe(true);
    expect(b.headroom).toEqual({ percent: 0 });
    const inSram = new Set(b.buffers.filter((x) => x.pool === 'sram').map((x) => x.name));
    const moved = a.buffers
      .filter((x) => ['activation', 'input', 'output'].includes(x.kind) && x.pool === 'dram' && inSram.has(x.name))
      .reduce((s, x) => s + x.sizeBytes, 0);
    const cycles = (r: AnalysisReport) => r.layers.reduce((s, l) => s + l.cycles, 0);
    const dma = (r: AnalysisReport) => r.layers.reduce((s, l) => s + l.dmaInBytes + l.dmaOutBytes, 0);
    expect(a.headroom).toEqual({
      percent: 10,
      pools: [{ name: 'sram', sizeBytes: 65536, allowedBytes: 58982 }],
      movedToDramBytes: moved,
      extraDmaBytes: dma(a) - dma(b),
      extraCycles: cycles(a) - cycles(b),
    });
    // At 64K resnet8 keeps its 64 KiB activations resident; 10% headroom moves some to DRAM, at a cost.
    expect(moved).toBeGreaterThan(0);
    expect(a.headroom.extraCycles).toBeGreaterThan(0);
    // The plan stays inside the allowed 90%.
    expect(a.pools.find((p) => p.name === 'sram')!.usedBytes).toBeLessThanOrEqual(58982);
  });

  it('is recorded in the table header, Markdown and HTML, with what it cost', async () => {
    const table = await run([RESNET8, '--no-graph-opt', '--sram', '64K', '--headroom', '10%', '--report', 'out']);
    const json = JSON.parse((await run([RESNET8, '--no-graph-opt', '--sram', '64K', '--headroom', '10%', '--format', 'json'])).stdout) as AnalysisReport;
    const h = json.headroom;
    const sentence = `Headroom 10%: planned into 58982 of 65536 bytes of sram; against no headroom, ${h.movedToDramBytes} bytes of activations moved to DRAM, +${h.extraDmaBytes} bytes of DMA, +${h.extraCycles} cycles`;
    const [header] = table.stdout.split('\n');
    expect(header).toMatch(/^resnet8\.onnx: target generic-dsp, .*, headroom 10%$/);
    // The sentence follows the header, wrapped to the table's width.
    const paragraph = table.stdout.split('\n\n')[0]!.split('\n').slice(1).join(' ');
    expect(paragraph.startsWith(sentence)).toBe(true);
    const md = String(table.written.get(path.join('out', 'report.md')));
    expect(md).toContain(', headroom 10%;');
    expect(md).toContain(`${sentence}.`);
    const html = String(table.written.get(path.join('out', 'report.html')));
    expect(html).toContain(`<dt>Headroom</dt><dd>${sentence}</dd>`);
    expect(html).toContain(', headroom 10%');
    expect(JSON.parse(String(table.written.get(path.join('out', 'report.json')))).headroom).toEqual(h);
  });

  it('without --headroom, the text reports say nothing about it and the JSON says 0', async () => {
    const r = await run([RESNET8, '--sram', '64K', '--report', 'out']);
    expect(r.stdout).not.toMatch(/headroom/i);
    expect(JSON.parse(String(r.written.get(path.join('out', 'report.json')))).headroom).toEqual({ percent: 0 });
  });
});

describe('--version', () => {
  it("prints package.json's version", async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await run(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });
});
