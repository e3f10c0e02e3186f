/**
 * peakLiveBytes equals the published figures of ../shared/models/README.md for every model it lists,
 * and the README lists every ONNX file of the folders it describes (so a model added to the folder or
 * to the README is taken in, never silently left out).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { importOnnx } from '../../src/frontend/import-onnx.js';
import { graphLiveness } from '../../src/liveness/graph-liveness.js';
import { sharedFiles, sharedModel } from '../helpers/shared-data.js';

interface PublishedRow {
  readonly file: string;
  readonly dir: string;
  readonly tensors: number;
  readonly peak: number;
}

/** Parses the README's tables: `| file | activation tensors | peak live bytes |` under `## dir/`. */
export function publishedFigures(readme: string): PublishedRow[] {
  const rows: PublishedRow[] = [];
  let dir = '';
  for (const line of readme.split('\n')) {
    const h = /^## ([\w-]+)\//.exec(line);
    if (h) dir = h[1]!;
    const m = /^\| ([\w.-]+\.onnx) \| (\d+) \| (\d+) \|$/.exec(line.trim());
    if (m) rows.push({ file: m[1]!, dir, tensors: Number(m[2]), peak: Number(m[3]) });
  }
  return rows;
}

describe('peakLiveBytes of the shared models', () => {
  const rows = publishedFigures(readFileSync(sharedModel('README.md'), 'utf8'));
  const dirs = [...new Set(rows.map((r) => r.dir))].sort();

  it('the README has a row for every ONNX file of the folders it describes, and a file for every row', () => {
    expect(dirs).toEqual(['light', 'torchvision']);
    const files = dirs.flatMap((d) => sharedFiles(path.join('models', d), '.onnx').map((f) => `${d}/${path.basename(f)}`));
    expect(rows.map((r) => `${r.dir}/${r.file}`).sort()).toEqual(files.sort());
    // The parser reads the 15 rows the README had when this was written; more are welcome.
    expect(rows.length).toBeGreaterThanOrEqual(15);
  });

  it.each(rows.map((r) => [`${r.dir}/${r.file}`, r] as const))('%s', (_f, r) => {
    const graph = importOnnx(readFileSync(sharedModel(`${r.dir}/${r.file}`)), { fileName: r.file });
    const lv = graphLiveness(graph);
    expect(lv.peakLiveBytes).toBe(r.peak);
    expect(lv.intervals.length).toBe(r.tensors);
    // --dtype int8: every float32 activation shrinks by 4.
    expect(graphLiveness(graph, 'int8').peakLiveBytes).toBe(r.peak / 4);
  });
});
