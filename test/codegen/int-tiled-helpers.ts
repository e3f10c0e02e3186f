/**
 * Helpers of the tiled integer tests: analyses at a small SRAM with DRAM behind it (so integer layers
 * really run on DMA tiles, per-core blocks and double buffers), a census of what the schedule did to
 * the integer layers, and builds of the generated C (poison or ASan).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import type { Stmt } from '../../src/ir/loop.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { generateC } from '../../src/codegen/generate.js';
import { TFLITE_OP_DOMAIN, QLINEAR_OP_DOMAIN } from '../../src/ir/op-table.js';
import { make, writeGenerated } from '../helpers/ort-reference.js';
import type { IntArray } from './tflite-host.js';
import { typedRunner } from './tflite-host.js';

export const K = 1024;

/** Analysis at `sramBytes` of SRAM with the default target's DRAM, on `cores` cores. */
export async function analyzeAt(model: string | Uint8Array, name: string, sramBytes: number, cores = 1): Promise<Analysis> {
  const bytes = typeof model === 'string' ? readFileSync(model) : model;
  return analyzeModel(bytes, { modelName: name, target: applyOverrides(DEFAULT_TARGET, { sramBytes, cores }) });
}

/** The smallest SRAM (bytes) at which the model's pipeline fits with DRAM behind it. */
export async function minSramWithDram(model: string | Uint8Array, name: string, cores = 1): Promise<number> {
  const probe = await analyzeAt(model, name, 16, cores);
  expect(probe.report.fits).toBe(false);
  return probe.report.minSramBytes!;
}

/** What the schedule did to the integer layers (TFLite and quantized ONNX domains). */
export interface IntegerTiling {
  /** Integer layers split into more than one tile. */
  readonly split: number;
  /** Integer layers with a non-float tile moved by DMA. */
  readonly dma: number;
  /** Integer layers run on more than one core. */
  readonly parallel: number;
  readonly doubleBuffered: number;
  /** Names of the split layers' ops, deduplicated and sorted. */
  readonly splitOps: readonly string[];
}

function statements(body: readonly Stmt[]): Stmt[] {
  return body.flatMap((s) => (s.kind === 'loop' ? [s, ...statements(s.body)] : [s]));
}

export function integerTiling(a: Analysis): IntegerTiling {
  let split = 0, dma = 0, parallel = 0, doubleBuffered = 0;
  const ops = new Set<string>();
  for (const l of a.schedule.layers) {
    const node = a.graph.nodes[l.step]!;
    if (node.domain !== TFLITE_OP_DOMAIN && node.domain !== QLINEAR_OP_DOMAIN) continue;
    if (l.tile.tileCount > 1) {
      split++;
      ops.add(l.op);
    }
    const tiles = new Set(l.buffers.filter((b) => b.kind === 'tile' && b.dtype !== 'float32').map((b) => b.name));
    if (statements(l.body).some((s) => s.kind === 'dma-start' && (tiles.has(s.src.buffer) || tiles.has(s.dst.buffer)))) dma++;
    if (l.tile.cores > 1) parallel++;
    if (l.tile.doubleBuffered) doubleBuffered++;
  }
  return { split, dma, parallel, doubleBuffered, splitOps: [...ops].sort() };
}

export type Program = 'model_host' | 'model_host_poison' | 'model_host_asan';

/** Emits the analysis's C into dir, builds `program` (make() reuses cached objects) and returns a typed runner. */
export function buildProgram(a: Analysis, dir: string, program: Program, makeArgs: readonly string[] = []): (inputs: readonly IntArray[]) => Buffer[] {
  writeGenerated(generateC(toCodegenInput(a)), dir);
  make(dir, [program, ...makeArgs]);
  return typedRunner(a, dir, program);
}

/** Bytes of every output equal (reports the first differing output and element count). */
export function expectSameBytes(got: readonly Buffer[], want: readonly Buffer[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const differing = g.length === want[i]!.length ? g.reduce((n, v, k) => n + (v === want[i]![k] ? 0 : 1), 0) : -1;
    expect({ output: i, differingBytes: differing }).toEqual({ output: i, differingBytes: 0 });
  });
}
