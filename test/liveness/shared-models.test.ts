/** peakLiveBytes equals the published figures of ../shared/models/README.md for all 13 models. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { importOnnx } from '../../src/frontend/import-onnx.js';
import { graphLiveness } from '../../src/liveness/graph-liveness.js';

const SHARED = path.resolve(import.meta.dirname, '../../../shared/models');

/** Parses the README's tables: `| file | activation tensors | peak live bytes |`. */
function publishedFigures(): { file: string; dir: string; tensors: number; peak: number }[] {
  const text = readFileSync(path.join(SHARED, 'README.md'), 'utf8');
  const rows: { file: string; dir: string; tensors: number; peak: number }[] = [];
  let dir = '';
  for (const line of text.split('\n')) {
    const h = /^## (\w+)\//.exec(line);
    if (h) dir = h[1]!;
    const m = /^\| ([\w.]+\.onnx) \| (\d+) \| (\d+) \|$/.exec(line.trim());
    if (m) rows.push({ file: m[1]!, dir, tensors: Number(m[2]), peak: Number(m[3]) });
  }
  return rows;
}

describe('peakLiveBytes of the shared models', () => {
  const rows = publishedFigures();
  it('the README lists 13 models', () => {
    expect(rows).toHaveLength(13);
  });
  it.each(rows.map((r) => [r.file, r] as const))('%s', (_f, r) => {
    const graph = importOnnx(readFileSync(path.join(SHARED, r.dir, r.file)), { fileName: r.file });
    const lv = graphLiveness(graph);
    expect(lv.peakLiveBytes).toBe(r.peak);
    expect(lv.intervals.length).toBe(r.tensors);
    // --dtype int8: every float32 activation shrinks by 4.
    expect(graphLiveness(graph, 'int8').peakLiveBytes).toBe(r.peak / 4);
  });
});
