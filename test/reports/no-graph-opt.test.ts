/**
 * --no-graph-opt reproduces the report memplan gave before graph optimizations existed: the frozen
 * copies in test/goldens/baseline/ are that output, byte for byte, once the fields added since
 * (optimizedPeakBytes, graphOptimizations, per-layer nodes, the optimized-peak line) are removed.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GOLDEN_CASES, analyzeGoldenCase, goldenStem } from '../helpers/golden-cases.js';
import { renderJson } from '../../reports/json.js';
import { renderTable } from '../../reports/table.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe.each(GOLDEN_CASES)('--no-graph-opt on $model at $sram bytes, $cores core(s)', (c) => {
  const stem = goldenStem(c);
  const analysis = analyzeGoldenCase(c, { graphOpt: false });

  it('JSON equals the baseline golden without the new fields', async () => {
    const report = (await analysis).report;
    expect(report.optimizedPeakBytes).toBe(report.peakLiveBytes);
    expect(report.graphOptimizations.savedBytes.every((s) => s.bytes === 0)).toBe(true);
    expect(report.layers.every((l) => l.nodes.length === 1 && l.nodes[0] === l.name)).toBe(true);
    const json = JSON.parse(renderJson(report)) as Record<string, unknown> & { layers: Record<string, unknown>[] };
    delete json['optimizedPeakBytes'];
    delete json['graphOptimizations'];
    delete json['peakNode'];
    for (const l of json.layers) delete l['nodes'];
    expect(`${JSON.stringify(json, null, 2)}\n`).toBe(readFileSync(path.join(ROOT, `test/goldens/baseline/${stem}.json`), 'utf8'));
  });

  it('table equals the baseline golden without the optimized-peak line', async () => {
    // The optimized-peak line may wrap: drop it and its continuation lines (up to the blank line after it).
    const lines = renderTable((await analysis).report).split('\n');
    const from = lines.findIndex((line) => line.startsWith('Optimized peak'));
    expect(from).toBeGreaterThan(0);
    let to = from;
    while (to < lines.length && lines[to] !== '') to++;
    const text = [...lines.slice(0, from), ...lines.slice(to)].join('\n');
    expect(text).toBe(readFileSync(path.join(ROOT, `test/goldens/baseline/${stem}.table.txt`), 'utf8'));
  });
});
