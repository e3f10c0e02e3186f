/**
 * The terminal table: the default layout at 80 and 120 columns (never wider), `--verbose` with its
 * legend, `--show buffers`, and the result line for a fit, a spill to DRAM, an overflow and a target
 * without DRAM. Goldens under test/goldens/table/ (regenerate on purpose with `npm run test:update`).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeModel } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import type { AnalysisReport } from '../../reports/analysis-model.js';
import { renderTable } from '../../reports/table.js';
import { resultLine, verdictParagraph } from '../../reports/verdict.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function report(model: string, sramBytes: number, cores = 1): Promise<AnalysisReport> {
  const a = await analyzeModel(readFileSync(path.join(ROOT, 'fixtures/models', model)), {
    modelName: model,
    target: applyOverrides(DEFAULT_TARGET, { sramBytes, cores }),
    strategy: 'auto',
    timeLimitMs: 2000,
  });
  return a.report;
}

const maxLine = (text: string) => Math.max(...text.split('\n').map((l) => l.length));
/** The text with every run of white space as one space (wrapped sentences read as one line). */
const flat = (text: string) => text.replace(/\s+/g, ' ');

const CASES = [
  { id: 'kws-dscnn-64k', model: 'kws-dscnn.onnx', sram: 65536, cores: 1 },
  { id: 'resnet8-32k', model: 'resnet8.onnx', sram: 32768, cores: 1 },
  { id: 'resnet8-4k', model: 'resnet8.onnx', sram: 4096, cores: 1 },
  { id: 'resnet8-64k-4c', model: 'resnet8.onnx', sram: 65536, cores: 4 },
] as const;

describe.each(CASES)('table of $id', ({ id, model, sram, cores }) => {
  const r = report(model, sram, cores);
  it.each([80, 120])('fits %i columns', async (width) => {
    const text = renderTable(await r, { widthChars: width });
    expect(maxLine(text)).toBeLessThanOrEqual(width);
    await expect(text).toMatchFileSnapshot(`../goldens/table/${id}.w${width}.txt`);
  });
  it('--verbose: every column and the legend', async () => {
    const text = renderTable(await r, { verbose: true, widthChars: 120 });
    expect(text).toMatch(/Legend:/);
    expect(flat(text)).toMatch(/Scratch INCLUDES the double-buffer bytes/);
    for (const head of ['Output shape', 'Dbl buf', 'Local', 'Cycles 1-buf', 'Cores']) expect(text).toContain(head);
    await expect(text).toMatchFileSnapshot(`../goldens/table/${id}.verbose.txt`);
  });
  it('--show buffers: every buffer with memory, offset, size, lifetime and kind', async () => {
    const rep = await r;
    const text = renderTable(rep, { show: 'buffers', widthChars: 120 });
    const rows = text.split('\n').filter((l) => /^\S+ +(\d+|-) +(\d+|-) +\d+ +[\d.]+ +\S+ +\S/.test(l));
    expect(rows).toHaveLength(rep.buffers.length);
    for (const b of rep.buffers) {
      const row = rows.find((l) => l.endsWith(` ${b.name}`) && l.startsWith(`${b.pool ?? '(unplaced)'} `));
      expect(row, b.name).toBeDefined();
      expect(row!.split(/ +/).slice(1, 4)).toEqual([String(b.offset), String((b.offset ?? 0) + b.sizeBytes), String(b.sizeBytes)]);
    }
    await expect(text).toMatchFileSnapshot(`../goldens/table/${id}.buffers.txt`);
  });
});

describe('the default table', () => {
  it('opens with the ld-style region summary and the verdict, and ends with the result line', async () => {
    const text = renderTable(await report('resnet8.onnx', 32768), { widthChars: 120 });
    const lines = text.split('\n');
    const region = lines.findIndex((l) => /^Memory region +Used Size +Region Size +%age Used/.test(l));
    expect(region).toBeGreaterThan(0);
    expect(region).toBeLessThan(4);
    // A depth-first segment (conv0 .. s1_conv2, the fused residual inside) keeps s1's intermediates out of DRAM (192 -> 128 KiB).
    expect(flat(text)).toMatch(/It fits: .* live in dram .* Worst layer: s2_conv2 \(step 3, Conv\)/);
    expect(lines.at(-2)).toBe('fits: sram 32 KiB of 32 KiB (100.0%); dram 128 KiB of activations; weights 303.54 KiB in flash');
  });
  it('narrower widths drop the less important columns, and say so', async () => {
    const r = await report('resnet8.onnx', 32768);
    expect(renderTable(r, { widthChars: 120 })).toMatch(/^Step +Layer +Op +Schedule/m);
    const narrow = renderTable(r, { widthChars: 80 });
    expect(narrow).not.toMatch(/Schedule  /);
    expect(narrow).toMatch(/columns left out at 80 characters: .*Schedule/s);
  });
});

describe('result line', () => {
  it('fit, spill to DRAM, overflow', async () => {
    expect(resultLine(await report('kws-dscnn.onnx', 65536))).toBe('fits: sram 62.5 KiB of 64 KiB (97.7%); nothing in dram; weights 95.3 KiB in flash');
    expect(resultLine(await report('resnet8.onnx', 32768))).toBe('fits: sram 32 KiB of 32 KiB (100.0%); dram 128 KiB of activations; weights 303.54 KiB in flash');
    // Reduction splits (input channels, with an accumulator tile) fit resnet8 in 640 bytes with DRAM
    // (its fc Gemm splits K too: it fits in 256 B, so 5 more layers fail besides s1_conv2, not 6).
    expect(resultLine(await report('resnet8.onnx', 256))).toBe(
      "DOES NOT FIT: layer 's1_conv2' needs 640 B of sram, 256 B available (smallest tile) (+5 more); dram 192 KiB of activations; weights 303.54 KiB in flash; smallest sram that fits: 640 B",
    );
  });

  it('a plan without a DRAM pool (a target without global memory, or --dram 0)', async () => {
    const r = await report('kws-dscnn.onnx', 65536);
    const noDram: AnalysisReport = { ...r, target: { ...r.target, dramName: null, dramBytes: null }, pools: r.pools.filter((p) => p.name === 'sram') };
    expect(resultLine(noDram)).toBe('fits: sram 62.5 KiB of 64 KiB (97.7%); no DRAM: every activation in sram; weights 95.3 KiB in flash');
    const dramZero: AnalysisReport = { ...r, target: { ...r.target, dramBytes: 0 } };
    expect(resultLine(dramZero)).toBe('fits: sram 62.5 KiB of 64 KiB (97.7%); no dram: every activation in sram; weights 95.3 KiB in flash');
    expect(verdictParagraph(dramZero)).toMatch(/All \d+ activation buffers stay resident in sram \(the target has no dram\)\./);
  });

  it('uses the target\u2019s memory names', async () => {
    const a = await analyzeModel(readFileSync(path.join(ROOT, 'fixtures/models/resnet8.onnx')), {
      modelName: 'resnet8.onnx',
      target: {
        ...DEFAULT_TARGET,
        memories: [
          { ...DEFAULT_TARGET.memories[0]!, name: 'tcm', sizeBytes: 32768 },
          { ...DEFAULT_TARGET.memories[1]!, name: 'psram', sizeBytes: 2 << 20 },
        ],
      },
    });
    const text = renderTable(a.report);
    expect(resultLine(a.report)).toBe('fits: tcm 32 KiB of 32 KiB (100.0%); psram 128 KiB of activations (6.3% of 2 MiB); weights 303.54 KiB in flash');
    expect(text).toMatch(/tcm 32 KiB \(32768 bytes\), psram 2 MiB/);
    expect(text.replace(/--[a-z-]+/g, '')).not.toMatch(/\b(sram|dram)\b/);
  });
});
