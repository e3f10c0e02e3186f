/** Builds small Graph IR values by hand for tests of the stages after import. */
import type { AttrValue, DType, Graph, OpNode, TensorInfo, TensorKind } from '../../src/ir/graph.js';
import { byteSize, elementCountOf } from '../../src/ir/graph.js';

export interface TensorSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
}

export interface NodeSpec {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Record<string, AttrValue>;
}

export function buildGraph(spec: {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly tensors: Record<string, TensorSpec>;
  readonly nodes: readonly NodeSpec[];
  /** Constant inputs (weights) by name: shape only, value splat 0.5. */
  readonly weights?: Record<string, readonly number[]>;
}): Graph {
  const weights = new Map(
    Object.entries(spec.weights ?? {}).map(([name, shape]) => [name, { dtype: 'float32' as const, shape, data: { kind: 'splat' as const, value: 0.5 } }]),
  );
  const weightBytes = [...weights.values()].reduce((a, w) => a + 4 * elementCountOf(w.shape), 0);
  const tensors = new Map<string, TensorInfo>();
  for (const [name, t] of Object.entries(spec.tensors)) {
    const dtype = t.dtype ?? 'float32';
    const elementCount = elementCountOf(t.shape);
    const kind: TensorKind = spec.inputs.includes(name) ? 'input' : spec.outputs.includes(name) ? 'output' : 'activation';
    tensors.set(name, { name, dtype, shape: t.shape, elementCount, sizeBytes: byteSize(dtype, elementCount), kind });
  }
  const nodes: OpNode[] = spec.nodes.map((n, step) => ({
    name: n.name,
    opType: n.op,
    domain: '',
    inputs: n.inputs,
    outputs: n.outputs,
    attributes: new Map(Object.entries(n.attributes ?? {})),
    step,
  }));
  return { name: 'test', irVersion: 8, opsetVersion: 13, inputs: spec.inputs, outputs: spec.outputs, nodes, tensors, weights, weightBytes };
}
