/**
 * Golden files for the renderers on two fixture models (regenerate on purpose with `npm run test:update`
 * and review the diff like code). The JSON is also validated against reports/analysis.schema.json.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { analyzeModel } from '../../src/pipeline.js';
import { DEFAULT_TARGET } from '../../src/schedule/target.js';
import { renderTable } from '../../reports/table.js';
import { renderJson } from '../../reports/json.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { renderCsv } from '../../reports/csv.js';
import { renderSvgBarChart } from '../../reports/svg-bar-chart.js';
import { renderSvgMemoryMap } from '../../reports/svg-memory-map.js';
import { GOLDEN_CASES, analyzeGoldenCase, goldenStem } from '../helpers/golden-cases.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const schema = JSON.parse(readFileSync(path.join(ROOT, 'reports/analysis.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

describe.each(GOLDEN_CASES)('golden reports: $model at $sram bytes, $cores core(s)', (c) => {
  const stem = goldenStem(c);
  const analysis = analyzeGoldenCase(c);

  it('table', async () => {
    await expect(renderTable((await analysis).report)).toMatchFileSnapshot(`../goldens/${stem}.table.txt`);
  });
  it('markdown', async () => {
    await expect(renderMarkdown((await analysis).report)).toMatchFileSnapshot(`../goldens/${stem}.md`);
  });
  it('csv', async () => {
    await expect(renderCsv((await analysis).report)).toMatchFileSnapshot(`../goldens/${stem}.csv`);
  });
  it('svg memory maps and bar chart', async () => {
    const r = (await analysis).report;
    for (const p of r.pools) await expect(renderSvgMemoryMap(r, p.name)).toMatchFileSnapshot(`../goldens/${stem}.${p.name}.svg`);
    await expect(renderSvgBarChart(r)).toMatchFileSnapshot(`../goldens/${stem}.layers.svg`);
  });

  it('json, valid against the schema', async () => {
    const json = renderJson((await analysis).report);
    const ok = validate(JSON.parse(json));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    await expect(json).toMatchFileSnapshot(`../goldens/${stem}.json`);
  });
});

describe('schema', () => {
  it('rejects a report with a fractional byte count or a missing field', async () => {
    const a = await analyzeModel(readFileSync(path.join(ROOT, 'fixtures/models/kws-dscnn.onnx')), { modelName: 'kws-dscnn.onnx', target: DEFAULT_TARGET });
    const good = JSON.parse(renderJson(a.report)) as Record<string, unknown>;
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, peakLiveBytes: 1.5 })).toBe(false);
    const { fits: _drop, ...missing } = good;
    expect(validate(missing)).toBe(false);
  });
});
