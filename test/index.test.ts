/** The package entry point (package.json "exports") resolves and exposes the pipeline. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as memplan from '../src/index.js';

describe('public API', () => {
  it('analyzes a model through the exported functions', async () => {
    const bytes = readFileSync(path.resolve(import.meta.dirname, '../fixtures/models/kws-dscnn.onnx'));
    const a = await memplan.analyzeModel(bytes, { modelName: 'kws-dscnn.onnx', target: memplan.applyOverrides(memplan.DEFAULT_TARGET, { sramBytes: 65536 }) });
    expect(a.report.peakLiveBytes).toBe(64000);
    expect(memplan.verifyPlan(a.bufferSet.buffers, a.bufferSet.pools, a.plan)).toEqual([]);
    expect(memplan.renderJson(a.report)).toContain('"schemaVersion": 1');
  });
  it('package.json exports point at the compiled entry', () => {
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../package.json'), 'utf8'));
    expect(pkg.exports['.']).toBe('./dist/src/index.js');
    expect(pkg.bin.memplan).toBe('dist/src/cli/main.js');
  });
});
