/** Hand-built TFLite-domain graphs (int8 or float32 activations) for tests of the stages after import. */
import type { AttrValue, ConstTensor, Graph, OpNode, TensorInfo } from '../../src/ir/graph.js';
import { byteSize, elementCountOf } from '../../src/ir/graph.js';

/** Deterministic int8 values in [-100, 100]. */
export function int8s(n: number, seed: number): Int8Array {
  const x = new Int8Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i * 7919 + seed * 104729) % 201) - 100;
  return x;
}

export interface Spec {
  readonly tensors: Record<string, { shape: number[]; zp: number; scale?: number }>;
  readonly nodes: readonly { name: string; op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, string | number> }[];
  readonly consts: Record<string, ConstTensor>;
  readonly inputs: string[];
  readonly outputs: string[];
}

/** A TFLite-domain graph; float32 activations (no quantization) when `float`. */
export function tfliteGraph(s: Spec, float = false, name = 'fold-pad'): Graph {
  const tensors = new Map<string, TensorInfo>();
  for (const [name, t] of Object.entries(s.tensors)) {
    const n = elementCountOf(t.shape);
    const kind = s.inputs.includes(name) ? 'input' : s.outputs.includes(name) ? 'output' : 'activation';
    if (float) tensors.set(name, { name, dtype: 'float32', shape: t.shape, elementCount: n, sizeBytes: 4 * n, kind });
    else tensors.set(name, { name, dtype: 'int8', shape: t.shape, elementCount: n, sizeBytes: n, kind, quantization: { scales: [t.scale ?? 0.05], zeroPoints: [t.zp] } });
  }
  const nodes: OpNode[] = s.nodes.map((n, step) => ({
    name: n.name,
    opType: n.op,
    domain: 'tflite',
    inputs: n.inputs,
    outputs: n.outputs,
    attributes: new Map<string, AttrValue>(Object.entries(n.attrs ?? {}).map(([k, v]) => [k, typeof v === 'string' ? { type: 'string', value: v } : { type: 'int', value: v }])),
    step,
  }));
  const weights = new Map(Object.entries(s.consts));
  const weightBytes = [...weights.values()].reduce((a, w) => a + byteSize(w.dtype, elementCountOf(w.shape)), 0);
  return { name, irVersion: 0, opsetVersion: 0, inputs: s.inputs, outputs: s.outputs, nodes, tensors, weights, weightBytes, format: 'tflite' };
}

export function filter(shape: number[], axis: number, seed: number): ConstTensor {
  const n = elementCountOf(shape);
  const channels = shape[axis]!;
  return {
    dtype: 'int8',
    shape,
    data: { kind: 'dense', values: int8s(n, seed) },
    quantization: { scales: Array.from({ length: channels }, (_, c) => 0.01 + 0.002 * c), zeroPoints: Array.from({ length: channels }, () => 0), axis },
  };
}

export function bias(n: number, seed: number): ConstTensor {
  return { dtype: 'int32', shape: [n], data: { kind: 'dense', values: Int32Array.from({ length: n }, (_, i) => ((i * 31 + seed * 17) % 200) - 100) } };
}
