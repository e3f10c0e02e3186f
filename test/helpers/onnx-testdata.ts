/**
 * Runs memplan's shape functions over Debian's libonnx-testdata node tests
 * (/usr/share/libonnx-testdata/data/node/<test>/{model.onnx, test_data_set_0/{input,output}_N.pb})
 * and compares each inferred output dtype and shape with the expected output tensor.
 *
 * Graph inputs get the dtype, shape and value of their input_N.pb (data-dependent inputs such as a
 * Reshape target are inputs in these tests), initializers are constants. Every node's shape function
 * runs; in a multi-node test, constant kernels (src/frontend/const-eval) give the values of
 * intermediate tensors, as the importer's folding does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemplanError } from '../../src/diagnostics/errors.js';
import type { ConstTensor } from '../../src/ir/graph.js';
import { constKernelFor } from '../../src/frontend/const-eval/index.js';
import { OnnxProto } from '../../src/frontend/onnx-decode.js';
import { attributesFromProto, dtypeFromOnnx, longToNumber, tensorFromProto } from '../../src/frontend/onnx-tensor.js';
import { shapeFunctionFor } from '../../src/frontend/shape-inference/registry.js';
import { LIBONNX_TESTDATA_NODE_DIR, requireDependency } from './system-deps.js';
import type { NodeView, OutputType, ValueInfo } from '../../src/frontend/shape-inference/types.js';

export const LIBONNX_TESTDATA_DIR = LIBONNX_TESTDATA_NODE_DIR;

export type CaseStatus =
  /** Every output agrees in dtype and shape. */
  | 'agree'
  /** An output differs, or a shape function threw. */
  | 'disagree'
  /** A node's op (or domain) has no shape function. */
  | 'unsupported'
  /** A graph input or output is a sequence, optional or map, not a tensor. */
  | 'non-tensor';

export interface CaseResult {
  readonly name: string;
  readonly status: CaseStatus;
  /** Op types of the graph's nodes, in order (domain-qualified outside the default domain). */
  readonly ops: readonly string[];
  /** Why it disagrees or is not covered. */
  readonly detail: string;
}

export interface ConformanceSummary {
  readonly total: number;
  readonly covered: number;
  readonly agreeing: number;
  readonly results: readonly CaseResult[];
}

function isDefault(domain: string | null | undefined): boolean {
  return !domain || domain === 'ai.onnx';
}

function readTensor(path: string): ConstTensor {
  return tensorFromProto(OnnxProto.TensorProto.decode(readFileSync(path)));
}

function fmt(t: { dtype: string; shape: readonly number[] }): string {
  return `${t.dtype}[${t.shape.join(',')}]`;
}

function pbFiles(dir: string, prefix: string): string[] {
  const names = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.pb'));
  return names.sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)));
}

/** Runs one test directory. */
export function runCase(dir: string, name: string): CaseResult {
  const model = OnnxProto.ModelProto.decode(readFileSync(join(dir, 'model.onnx')));
  const graph = model.graph;
  if (!graph) return { name, status: 'disagree', ops: [], detail: 'model has no graph' };
  const nodes = graph.node ?? [];
  const ops = nodes.map((n) => (isDefault(n.domain) ? (n.opType ?? '') : `${n.domain}:${n.opType}`));
  const missing = nodes.filter((n) => shapeFunctionFor(n.opType ?? '', n.domain ?? '') === undefined);
  if (missing.length > 0) {
    const names = [...new Set(missing.map((n) => (isDefault(n.domain) ? n.opType : `${n.domain}:${n.opType}`)))];
    return { name, status: 'unsupported', ops, detail: `no shape function for ${names.join(', ')}` };
  }
  const initNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const runtimeInputs = (graph.input ?? []).filter((v) => !initNames.has(v.name ?? ''));
  const notTensor = [...runtimeInputs, ...(graph.output ?? [])].filter((v) => !v.type?.tensorType);
  if (notTensor.length > 0) {
    return { name, status: 'non-tensor', ops, detail: `non-tensor graph value ${notTensor.map((v) => v.name).join(', ')}` };
  }
  const setDir = join(dir, 'test_data_set_0');
  const inputFiles = pbFiles(setDir, 'input_');
  const outputFiles = pbFiles(setDir, 'output_');
  if (inputFiles.length !== runtimeInputs.length || outputFiles.length !== (graph.output ?? []).length) {
    return { name, status: 'disagree', ops, detail: 'test data files do not match the graph inputs and outputs' };
  }

  const known = new Map<string, ValueInfo>();
  for (const t of graph.initializer ?? []) {
    const value = tensorFromProto(t);
    known.set(t.name ?? '', { dtype: value.dtype, shape: value.shape, value });
  }
  runtimeInputs.forEach((v, i) => {
    const value = readTensor(join(setDir, inputFiles[i] as string));
    known.set(v.name ?? '', { dtype: value.dtype, shape: value.shape, value });
  });
  const opsetVersion = longToNumber(
    (model.opsetImport ?? []).find((o) => isDefault(o.domain))?.version ?? 1,
  );

  try {
    nodes.forEach((n, index) => {
      const node: NodeView = {
        name: n.name || `${n.opType}_${index}`,
        opType: n.opType ?? '',
        domain: n.domain ?? '',
        inputs: n.input ?? [],
        outputs: n.output ?? [],
        attributes: attributesFromProto(n.attribute),
      };
      const inputs = node.inputs.map((i) => {
        if (i === '') return undefined;
        const v = known.get(i);
        if (v === undefined) throw new Error(`input '${i}' of node '${node.name}' is unknown`);
        return v;
      });
      const ctx = { node, opsetVersion };
      const types = (shapeFunctionFor(node.opType, node.domain) as NonNullable<ReturnType<typeof shapeFunctionFor>>)(ctx, inputs);
      if (types.length < node.outputs.filter((o) => o !== '').length) {
        throw new Error(`node '${node.name}' (${node.opType}) gave ${types.length} output types for ${node.outputs.length} outputs`);
      }
      const values = foldValues(node, opsetVersion, inputs, types);
      node.outputs.forEach((o, k) => {
        const t = types[k] as OutputType;
        if (o !== '') known.set(o, { dtype: t.dtype, shape: t.shape, ...(values?.[k] ? { value: values[k] } : {}) });
      });
    });
  } catch (e) {
    const msg = e instanceof MemplanError ? e.message : `unexpected ${String(e)}`;
    return { name, status: 'disagree', ops, detail: msg };
  }

  const diffs: string[] = [];
  (graph.output ?? []).forEach((o, i) => {
    const expected = OnnxProto.TensorProto.decode(readFileSync(join(setDir, outputFiles[i] as string)));
    const want = { dtype: dtypeFromOnnx(expected.dataType ?? 0), shape: (expected.dims ?? []).map(longToNumber) };
    const got = known.get(o.name ?? '');
    if (got === undefined) diffs.push(`output ${o.name} was not inferred`);
    else if (got.dtype !== want.dtype || got.shape.join(',') !== want.shape.join(',') || got.shape.length !== want.shape.length) {
      diffs.push(`output ${i} '${o.name}': inferred ${fmt(got)}, expected ${fmt(want)}`);
    }
  });
  return diffs.length === 0
    ? { name, status: 'agree', ops, detail: '' }
    : { name, status: 'disagree', ops, detail: diffs.join('; ') };
}

/** Values of a node's outputs when every input is constant and a constant kernel exists. */
function foldValues(
  node: NodeView,
  opsetVersion: number,
  inputs: readonly (ValueInfo | undefined)[],
  types: readonly OutputType[],
): readonly (ConstTensor | undefined)[] | undefined {
  const kernel = constKernelFor(node.opType, node.domain);
  if (kernel === undefined) return undefined;
  const shapeOnly = node.opType === 'Shape' || node.opType === 'Size';
  if (!shapeOnly && inputs.some((v) => v !== undefined && v.value === undefined)) return undefined;
  let values: readonly ConstTensor[] | undefined;
  try {
    values = kernel({ node, opsetVersion }, inputs);
  } catch (e) {
    if (e instanceof MemplanError) throw e;
    return undefined;
  }
  values?.forEach((v, k) => {
    const t = types[k];
    if (t !== undefined && (t.dtype !== v.dtype || t.shape.join(',') !== v.shape.join(','))) {
      throw new Error(`folded ${node.opType} output ${k} is ${fmt(v)} but the shape function says ${fmt(t)}`);
    }
  });
  return values;
}

/** Runs every test directory under `root` (throws when the directory is missing). */
export function runConformance(root: string = LIBONNX_TESTDATA_DIR): ConformanceSummary {
  requireDependency('libonnx-testdata');
  if (!existsSync(root)) throw new Error(`${root} is missing although libonnx-testdata is installed (a suite it does not ship?)`);
  const results = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'model.onnx')))
    .sort()
    .map((d) => runCase(join(root, d), d));
  const covered = results.filter((r) => r.status === 'agree' || r.status === 'disagree').length;
  const agreeing = results.filter((r) => r.status === 'agree').length;
  return { total: results.length, covered, agreeing, results };
}

/** A short text summary (for the bench or a failing assertion). */
export function formatSummary(s: ConformanceSummary): string {
  const by = (status: CaseStatus): readonly CaseResult[] => s.results.filter((r) => r.status === status);
  const missing = new Map<string, number>();
  for (const r of by('unsupported')) {
    for (const op of new Set(r.ops)) {
      if (!r.detail.includes(op)) continue;
      missing.set(op, (missing.get(op) ?? 0) + 1);
    }
  }
  const lines = [
    `libonnx-testdata: ${s.total} tests, ${s.covered} covered, ${s.agreeing} agree, ` +
      `${by('disagree').length} disagree, ${by('unsupported').length} unsupported op, ${by('non-tensor').length} non-tensor`,
    ...by('disagree').map((r) => `  disagree ${r.name}: ${r.detail}`),
    `  not covered, by op: ${[...missing].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([op, n]) => `${op} ${n}`).join(', ')}`,
    ...by('non-tensor').map((r) => `  not covered ${r.name}: ${r.detail}`),
  ];
  return lines.join('\n');
}
