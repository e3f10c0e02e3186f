/**
 * Shared by emit-depth-first.test.ts (hand-built chains, default suite) and
 * emit-depth-first.slow.test.ts (whole models): generated C of depth-first segments with no DRAM at
 * exactly minSramBytes in poison mode against onnxruntime-web, and the MAC counter build.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { generateC } from '../../src/codegen/generate.js';
import { segmentFigures } from '../../src/schedule/depth-first/index.js';
import type { Analysis } from '../../src/pipeline.js';
import { toCodegenInput } from '../../src/pipeline.js';
import { analyzeFile, buildAndRun, compare, inputsFor, make, ortReference, writeGenerated } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';

/** --dram 0 at the smallest SRAM the whole pipeline fits in, poison mode. */
export async function atMinSram(file: string, depthFirst = true, patches = true, tiles = patches, recompute = true): Promise<{ cfg: Config; analysis: Analysis }> {
  const probe = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0, depthFirst, patches, tiles, recompute });
  const need = probe.report.minSramBytes;
  if (need === undefined) throw new Error(`${file}: no SRAM size fits with --dram 0`);
  const modes = (patches ? (tiles ? '' : ', no 2-D tiles') : tiles ? ', line buffers and 2-D tiles' : ', line buffers only') + (recompute ? '' : ', no recompute');
  const cfg: Config = { label: `no DRAM, ${need} bytes SRAM, poison${depthFirst ? modes : ', no depth-first'}`, sramBytes: need, dramBytes: 0, poison: true, depthFirst, patches, tiles, recompute };
  const analysis = await analyzeFile(file, cfg);
  expect(analysis.report.fits).toBe(true);
  return { cfg, analysis };
}

/** Sum of the MACs of every member of every segment (each member's whole output, once). */
export function memberMacs(a: Analysis): number {
  let total = 0;
  for (const node of a.graph.nodes) {
    if (!node.segment) continue;
    for (const m of segmentFigures(a, node).members) total += m.macsPerRow * m.height;
  }
  return total;
}

/** The extra MACs the report gives for the segments (halo columns of patch segments, halo rows and columns of tiles; 0 for line buffers). */
export function reportedExtraMacs(a: Analysis): number {
  return a.report.layers.reduce((s, l) => s + (l.segment?.extraMacs ?? 0), 0);
}

/**
 * Builds the runner with -DMP_COUNT_MACS, runs it on the inputs (raw little-endian elements of any
 * type: float32 models, integer TFLite models), and returns the MACs the segments counted.
 */
export function countedMacs(a: Analysis, dir: string, inputs: readonly ArrayBufferView[]): number {
  writeGenerated(generateC(toCodegenInput(a)), dir);
  make(dir, ['model_host', 'CFLAGS=-std=c99 -O2 -Wall -Wextra -Werror -DMP_COUNT_MACS']);
  const ins = inputs.map((x, i) => {
    const p = path.join(dir, `in${i}.bin`);
    writeFileSync(p, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    return p;
  });
  const outs = a.graph.outputs.map((_, i) => path.join(dir, `out${i}.bin`));
  const r = spawnSync(path.join(dir, 'model_host'), [...ins, ...outs], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const m = /segment MACs (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no MAC count in: ${r.stderr}`);
  return Number(m[1]);
}

/**
 * At minSramBytes with --dram 0, poison mode: the C matches onnxruntime-web, and the MACs counted
 * in the generated code are the members' own plus exactly the extra MACs reported (0 for line-buffer
 * segments: every output element computed once).
 */
export async function checkModel(file: string, name: string, tmp: string, patches = true, tiles = patches): Promise<{ a: Analysis; cfg: Config }> {
  const { cfg, analysis } = await atMinSram(file, true, patches, tiles);
  const segments = analysis.report.layers.filter((l) => l.segment);
  expect(segments.length).toBeGreaterThan(0);
  for (const l of segments) if (l.segment!.mode === 'line-buffer') expect(l.segment!.extraMacs).toBe(0);
  const feeds = inputsFor(analysis, 7);
  const ref = await ortReference(file, feeds, analysis.graph.outputs);
  const dir = path.join(tmp, name);
  const got = buildAndRun(analysis, dir, cfg, feeds.map((f) => f.data));
  got.forEach((g, i) => expect(`${cfg.label}: ${compare(g, ref[i]!).worst}`).toBe(`${cfg.label}: `));
  // The same outputs without poison, and the MACs counted in the generated code.
  const counted = countedMacs(analysis, path.join(tmp, `${name}-macs`), feeds.map((f) => f.data));
  expect(counted).toBe(memberMacs(analysis) + reportedExtraMacs(analysis));
  return { a: analysis, cfg };
}

/**
 * Segments with channels-last staging (overlay.ts Staging), checked in the plan: the staging buffer
 * (channels-last, the whole output) sits lagBytes before the input, the output outputOffsetBytes after
 * it, the two apart, the output inside the input; the copy is the layer's last statement. Returns the
 * number of staged segments.
 */
export function expectStaging(a: Analysis): number {
  let staged = 0;
  for (const l of a.schedule.layers) {
    const o = l.segment?.overlay;
    if (!o?.staging) continue;
    staged++;
    const at = (name: string) => a.plan.allocations.find((x) => x.name === name)!;
    const x = at(o.input);
    const y = at(o.output);
    const s = at(o.staging.buffer);
    expect(l.buffers.find((b) => b.name === o.staging!.buffer)?.channelsLast).toBe(true);
    expect([s.pool, y.pool]).toEqual([x.pool, x.pool]);
    expect(s.offsetBytes).toBe(x.offsetBytes - o.lagBytes);
    expect(y.offsetBytes).toBe(x.offsetBytes + o.staging.outputOffsetBytes);
    expect(s.offsetBytes + s.sizeBytes).toBeLessThanOrEqual(y.offsetBytes);
    expect(y.offsetBytes + y.sizeBytes).toBeLessThanOrEqual(x.offsetBytes + x.sizeBytes);
    expect(s.offsetBytes + s.sizeBytes).toBeGreaterThan(x.offsetBytes); // S overlaps X
    expect(s.sizeBytes).toBe(y.sizeBytes);
    const last = l.body[l.body.length - 1]!;
    expect(last.kind === 'copy' ? [last.src.buffer, last.dst.buffer, last.bytes] : last.kind).toEqual([o.staging.buffer, o.output, y.sizeBytes]);
    expect(o.staging.copyBytes).toBe(y.sizeBytes);
    expect(o.staging.copyCycles).toBeGreaterThan(0);
  }
  return staged;
}
