/**
 * Helpers of the integer depth-first tests (emit-depth-first-int.test.ts, .slow.test.ts): TFLite
 * graphs cut and shrunk to a small input (so that a model's first segment runs in the default suite),
 * analyses with no DRAM at the smallest SRAM, and builds of the generated C (poison, MAC counter)
 * whose output bytes must equal those of the same graph's C without segments.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import type { Graph, OpNode, TensorInfo } from '../../src/ir/graph.js';
import { byteSize } from '../../src/ir/graph.js';
import { TFLITE_SHAPES } from '../../src/frontend/tflite/shapes.js';
import { importTflite } from '../../src/frontend/tflite/import-tflite.js';
import { analyzeGraph, toCodegenInput } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { generateC } from '../../src/codegen/generate.js';
import { make, writeGenerated } from '../helpers/ort-reference.js';
import type { IntArray } from './tflite-host.js';
import { typedRunner } from './tflite-host.js';
import { countedMacs, memberMacs, reportedExtraMacs } from './depth-first-c.js';

/** A .tflite file's graph. */
export function tfliteGraph(file: string): Graph {
  return importTflite(readFileSync(file), { fileName: path.basename(file) });
}

/**
 * The graph's nodes up to `last` (inclusive, by name; from `first` when given, whose first input
 * becomes the graph's input), with input `inputShape` and every activation shape propagated by the
 * TFLite shape functions; the last node's output is the graph's output.
 */
export function cutTflite(g: Graph, last: string, inputShape: readonly number[], first?: string): Graph {
  const end = g.nodes.findIndex((n) => n.name === last);
  const start = first === undefined ? 0 : g.nodes.findIndex((n) => n.name === first);
  if (end < 0 || start < 0) throw new Error(`no node '${end < 0 ? last : first}'`);
  const nodes = g.nodes.slice(start, end + 1).map((n, step) => ({ ...n, step }));
  // From a later node on: its first input is the graph's input.
  const input = start === 0 ? g.inputs[0]! : nodes[0]!.inputs[0]!;
  const shapes = new Map<string, readonly number[]>([[input, inputShape]]);
  for (const n of nodes) {
    const fn = TFLITE_SHAPES.get(n.opType);
    if (!fn) throw new Error(`no shape function for ${n.opType}`);
    const inputs = n.inputs.map((name) => {
      if (name === '') return undefined;
      const w = g.weights.get(name);
      if (w) return { shape: w.shape, ...(w.data.kind === 'dense' && (w.dtype === 'int32' || w.dtype === 'int64') ? { ints: Array.from(w.data.values as ArrayLike<number | bigint>, Number) } : {}) };
      const s = shapes.get(name);
      if (!s) throw new Error(`'${name}' is read before it is computed`);
      return { shape: s };
    });
    const outs = fn({ opName: n.opType, attrs: n.attributes, inputs, declared: n.outputs.map((o) => g.tensors.get(o)?.shape ?? []) });
    n.outputs.forEach((o, i) => shapes.set(o, outs[i]!));
  }
  const output = nodes[nodes.length - 1]!.outputs[0]!;
  const tensors = new Map<string, TensorInfo>();
  for (const [name, shape] of shapes) {
    const t = g.tensors.get(name)!;
    const elementCount = shape.reduce((a, b) => a * b, 1);
    tensors.set(name, { ...t, shape, elementCount, sizeBytes: byteSize(t.dtype, elementCount), kind: name === output ? 'output' : name === input ? 'input' : t.kind === 'output' ? 'activation' : t.kind });
  }
  const used = new Set(nodes.flatMap((n: OpNode) => n.inputs));
  const weights = new Map([...g.weights].filter(([name]) => used.has(name)));
  const weightBytes = [...weights.values()].reduce((a, w) => a + byteSize(w.dtype, w.shape.reduce((x, y) => x * y, 1)), 0);
  return { ...g, nodes, inputs: [input], outputs: [output], tensors, weights, weightBytes };
}

/**
 * The graph with a MAX_POOL_2D (3x3, stride 1) and an AVERAGE_POOL_2D (3x3, stride 2), both SAME,
 * inserted after node `after` (its consumers read the average pool's output instead); the pools keep
 * the quantization of `after`'s output (as TFLite's integer pools require). Shapes: cutTflite's.
 */
export function withPools(g: Graph, after: string): Graph {
  const at = g.nodes.findIndex((n) => n.name === after);
  if (at < 0) throw new Error(`no node '${after}'`);
  const x = g.nodes[at]!.outputs[0]!;
  const t = g.tensors.get(x)!;
  const mid = `${after}.maxpool`;
  const out = `${after}.avgpool`;
  const pool = (name: string, opType: string, input: string, output: string, stride: number): OpNode => ({
    name,
    opType,
    domain: g.nodes[at]!.domain,
    inputs: [input],
    outputs: [output],
    attributes: new Map([
      ['layout', { type: 'string', value: 'NHWC' }],
      ['padding', { type: 'string', value: 'SAME' }],
      ['stride_w', { type: 'int', value: stride }],
      ['stride_h', { type: 'int', value: stride }],
      ['filter_w', { type: 'int', value: 3 }],
      ['filter_h', { type: 'int', value: 3 }],
      ['fused_activation', { type: 'string', value: 'NONE' }],
    ]),
    step: 0,
  });
  const nodes = [
    ...g.nodes.slice(0, at + 1),
    pool(`MAX_POOL_2D_${after}`, 'MAX_POOL_2D', x, mid, 1),
    pool(`AVERAGE_POOL_2D_${after}`, 'AVERAGE_POOL_2D', mid, out, 2),
    ...g.nodes.slice(at + 1).map((n) => ({ ...n, inputs: n.inputs.map((i) => (i === x ? out : i)) })),
  ].map((n, step) => ({ ...n, step }));
  const tensors = new Map(g.tensors);
  tensors.set(mid, { ...t, name: mid, kind: 'activation' });
  tensors.set(out, { ...t, name: out, kind: 'activation' });
  return { ...g, nodes, tensors };
}

export interface IntAnalysisOptions {
  readonly sramBytes: number;
  readonly cores?: number;
  readonly depthFirst?: boolean;
  readonly patches?: boolean;
  readonly tiles?: boolean;
  readonly findMinSram?: boolean;
}

/** The graph planned with no DRAM. */
export function analyzeNoDram(g: Graph, name: string, o: IntAnalysisOptions): Promise<Analysis> {
  return analyzeGraph(g, {
    modelName: name,
    target: applyOverrides(DEFAULT_TARGET, { sramBytes: o.sramBytes, dramBytes: 0, cores: o.cores ?? 1 }),
    depthFirst: o.depthFirst ?? true,
    ...(o.patches !== undefined ? { depthFirstPatches: o.patches } : {}),
    ...(o.tiles !== undefined ? { depthFirstTiles: o.tiles } : {}),
    ...(o.findMinSram ? { findMinSram: true } : {}),
  });
}

/** The smallest SRAM with no DRAM (the failing probe's minSramBytes, as the CLI's --min-sram finds it). */
export async function minSramNoDram(g: Graph, name: string, o: Omit<IntAnalysisOptions, 'sramBytes'> = {}): Promise<number> {
  const probe = await analyzeNoDram(g, name, { ...o, sramBytes: 16 });
  expect(probe.report.fits).toBe(false);
  const min = probe.report.minSramBytes;
  if (min === undefined) throw new Error(`${name}: no SRAM size fits with --dram 0`);
  return min;
}

/** Builds the generated C (extra make arguments) and runs it on the inputs: each output's raw bytes. */
export function runC(a: Analysis, dir: string, inputs: readonly IntArray[], program: 'model_host' | 'model_host_poison' | 'model_host_asan' = 'model_host', makeArgs: readonly string[] = []): Buffer[] {
  writeGenerated(generateC(toCodegenInput(a)), dir);
  make(dir, [program, ...makeArgs]);
  return typedRunner(a, dir, program)(inputs);
}

/** An int8 input of n elements (make-reference.py's formula). */
export function int8Input(n: number, seed: number): Int8Array {
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 7919 + seed * 104729) % 256) - 128;
  return x;
}

/**
 * Segments that write their output over the dead part of their input (schedule/depth-first/overlay.ts):
 * in the plan, each output sits exactly its lag before its input, and the two overlap. Returns how many.
 */
export function overlaysInPlan(a: Analysis): number {
  let n = 0;
  for (const l of a.schedule.layers) {
    const o = l.segment?.overlay;
    if (!o) continue;
    const x = a.plan.allocations.find((q) => q.name === o.input)!;
    const y = a.plan.allocations.find((q) => q.name === o.output)!;
    expect(x.pool).toBe(y.pool);
    expect(y.offsetBytes, `${l.name}: '${o.output}' ${o.lagBytes} bytes before '${o.input}'`).toBe(x.offsetBytes - o.lagBytes);
    expect(y.offsetBytes < x.offsetBytes + x.sizeBytes && x.offsetBytes < y.offsetBytes + y.sizeBytes, `${l.name}: '${o.output}' overlaps '${o.input}'`).toBe(true);
    n++;
  }
  return n;
}

/**
 * The segmented analysis's C in poison mode gives the same output bytes as `reference` (the C of
 * the graph without segments), and its MAC counter build counts the members' MACs plus exactly the
 * extra MACs the report gives.
 */
export function expectSameAsUnsegmented(a: Analysis, reference: readonly Buffer[], dir: string, inputs: readonly IntArray[]): void {
  expect(a.report.fits, a.report.failures.map((f) => `${f.code}: ${f.message}`).join('; ')).toBe(true);
  const got = runC(a, dir, inputs, 'model_host_poison', ['poison']);
  expect(got.length).toBe(reference.length);
  got.forEach((g, i) => expect(g.equals(reference[i]!), `output ${i} differs from the unsegmented C`).toBe(true));
  expect(countedMacs(a, `${dir}-macs`, inputs)).toBe(memberMacs(a) + reportedExtraMacs(a));
}
