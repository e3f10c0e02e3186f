/**
 * Structure-aware mutations: decode a model, change one thing a careless exporter or a bad edit
 * could change (an op type, an attribute, a dimension, a wire, the node order, a data type),
 * and encode it again. The result is always valid protobuf, so it reaches the importer, shape
 * inference and the planner instead of dying in the decoder like most byte-level mutants.
 */
import onnxProto from 'onnx-proto';
import type { onnx } from 'onnx-proto';
import type { Prng } from '../../fixtures/models/random.js';

const { ModelProto } = onnxProto.onnx;

export const GRAPH_MUTATION_KINDS = [
  'delete-node',
  'change-op-type',
  'drop-node-input',
  'add-node-input',
  'change-int-attribute',
  'change-ints-attribute',
  'delete-attribute',
  'change-initializer-dims',
  'change-input-dims',
  'change-data-type',
  'rename-node-output',
  'duplicate-node',
  'swap-nodes',
  'change-opset',
  'add-node-output',
  'change-float-attribute',
  'change-string-attribute',
  'change-int64-data',
] as const;
export type GraphMutationKind = (typeof GRAPH_MUTATION_KINDS)[number];

const OP_TYPES = [
  'Relu', 'Conv', 'Gemm', 'MatMul', 'Add', 'Mul', 'Concat', 'Reshape', 'Flatten', 'Transpose', 'Softmax',
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'BatchNormalization', 'Slice', 'Split', 'Squeeze', 'Unsqueeze',
  'Pad', 'Resize', 'Gather', 'Shape', 'Cast', 'Expand', 'ReduceMean', 'Identity', 'Dropout', 'LRN', 'Sum',
  'Where', 'Clip', 'ConstantOfShape', 'Constant', 'If', 'Loop', 'NotAnOp',
];

const FLOATS = [Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1e30, 0.5];
const STRINGS = ['SAME_UPPER', 'SAME_LOWER', 'VALID', 'NOTSET', 'bogus', '', 'nearest', 'linear', 'constant', 'reflect'];

/** Interesting integers: edge values that break naive shape code. */
const INTS = [0, 1, -1, 2, 3, -2, 7, 64, 1000, -1000, 2 ** 31 - 1, -(2 ** 31), 2 ** 40];

const pick = <T>(prng: Prng, xs: readonly T[]): T | undefined => (xs.length === 0 ? undefined : xs[prng.int(xs.length)]);

interface Mutable {
  model: onnx.IModelProto;
  graph: onnx.IGraphProto;
  nodes: onnx.INodeProto[];
  tensors: string[];
}

function interestingInt(prng: Prng): number {
  return prng.next() < 0.7 ? pick(prng, INTS)! : prng.int(20) - 5;
}

/** Applies one mutation in place; returns a description, or undefined when it did not apply. */
function apply(m: Mutable, kind: GraphMutationKind, prng: Prng): string | undefined {
  const { graph, nodes } = m;
  const i = prng.int(Math.max(1, nodes.length));
  const node = nodes[i];
  switch (kind) {
    case 'delete-node':
      if (!node) return undefined;
      nodes.splice(i, 1);
      return `delete node ${i} (${node.opType})`;
    case 'change-op-type': {
      if (!node) return undefined;
      const op = pick(prng, OP_TYPES)!;
      const was = node.opType;
      node.opType = op;
      return `node ${i} ${was} -> ${op}`;
    }
    case 'drop-node-input': {
      if (!node?.input?.length) return undefined;
      const k = prng.int(node.input.length);
      node.input.splice(k, 1);
      return `node ${i} (${node.opType}) loses input ${k}`;
    }
    case 'add-node-input': {
      if (!node) return undefined;
      const t = pick(prng, m.tensors) ?? 'x';
      (node.input ??= []).push(prng.next() < 0.2 ? '' : t);
      return `node ${i} (${node.opType}) gains input '${t}'`;
    }
    case 'change-int-attribute':
    case 'change-ints-attribute': {
      const wantInts = kind === 'change-ints-attribute';
      const candidates = (node?.attribute ?? []).filter((a) => (wantInts ? a.type === 7 : a.type === 2));
      const a = pick(prng, candidates);
      if (!a) return undefined;
      if (wantInts) {
        const ints = [...(a.ints ?? [])];
        const r = prng.int(3);
        if (r === 0 && ints.length > 0) ints[prng.int(ints.length)] = interestingInt(prng);
        else if (r === 1) ints.pop();
        else ints.push(interestingInt(prng));
        a.ints = ints;
      } else {
        a.i = interestingInt(prng);
      }
      return `node ${i} (${node?.opType}) attribute ${a.name} = ${wantInts ? JSON.stringify(a.ints) : String(a.i)}`;
    }
    case 'delete-attribute': {
      const attrs = node?.attribute ?? [];
      if (attrs.length === 0) return undefined;
      const [a] = attrs.splice(prng.int(attrs.length), 1);
      return `node ${i} (${node?.opType}) loses attribute ${a?.name}`;
    }
    case 'change-initializer-dims': {
      const t = pick(prng, graph.initializer ?? []);
      if (!t) return undefined;
      const dims = [...(t.dims ?? [])];
      if (dims.length > 0 && prng.next() < 0.6) dims[prng.int(dims.length)] = interestingInt(prng);
      else if (prng.next() < 0.5) dims.pop();
      else dims.push(interestingInt(prng));
      t.dims = dims;
      return `initializer ${t.name} dims ${JSON.stringify(dims.map(Number))}`;
    }
    case 'change-input-dims': {
      const v = pick(prng, graph.input ?? []);
      const dims = v?.type?.tensorType?.shape?.dim;
      if (!v || !dims || dims.length === 0) return undefined;
      const k = prng.int(dims.length);
      const r = prng.int(4);
      if (r === 0) dims[k] = { dimParam: 'N' };
      else if (r === 1) dims[k] = {};
      else if (r === 2) dims.splice(k, 1);
      else dims[k] = { dimValue: interestingInt(prng) };
      return `input ${v.name} dim ${k} changed (${r})`;
    }
    case 'change-data-type': {
      const dt = prng.int(22);
      if (prng.next() < 0.5) {
        const t = pick(prng, graph.initializer ?? []);
        if (!t) return undefined;
        t.dataType = dt;
        return `initializer ${t.name} data type ${dt}`;
      }
      const v = pick(prng, graph.input ?? []);
      if (!v?.type?.tensorType) return undefined;
      v.type.tensorType.elemType = dt;
      return `input ${v.name} elem type ${dt}`;
    }
    case 'rename-node-output': {
      if (!node?.output?.length) return undefined;
      const k = prng.int(node.output.length);
      const to = prng.next() < 0.5 ? (pick(prng, m.tensors) ?? '') : `renamed_${prng.int(1000)}`;
      node.output[k] = to;
      return `node ${i} (${node.opType}) output ${k} -> '${to}'`;
    }
    case 'duplicate-node': {
      if (!node) return undefined;
      nodes.splice(prng.int(nodes.length + 1), 0, structuredClone(node));
      return `duplicate node ${i} (${node.opType})`;
    }
    case 'swap-nodes': {
      const j = prng.int(Math.max(1, nodes.length));
      if (!node || !nodes[j] || i === j) return undefined;
      [nodes[i], nodes[j]] = [nodes[j]!, node];
      return `swap nodes ${i} and ${j}`;
    }
    case 'add-node-output': {
      if (!node) return undefined;
      (node.output ??= []).push(`extra_${prng.int(1000)}`);
      return `node ${i} (${node.opType}) gains an output`;
    }
    case 'change-float-attribute': {
      const a = pick(prng, (node?.attribute ?? []).filter((x) => x.type === 1));
      if (!a) return undefined;
      a.f = pick(prng, FLOATS)!;
      return `node ${i} (${node?.opType}) attribute ${a.name} = ${a.f}`;
    }
    case 'change-string-attribute': {
      const a = pick(prng, (node?.attribute ?? []).filter((x) => x.type === 3));
      const value = pick(prng, STRINGS)!;
      if (a) a.s = new TextEncoder().encode(value);
      else if (node) (node.attribute ??= []).push({ name: pick(prng, ['auto_pad', 'mode', 'coordinate_transformation_mode'])!, type: 3, s: new TextEncoder().encode(value) });
      else return undefined;
      return `node ${i} (${node?.opType}) string attribute = '${value}'`;
    }
    case 'change-int64-data': {
      // Shape targets, axes, indices: in initializers or in Constant nodes.
      const tensors = [
        ...(graph.initializer ?? []),
        ...nodes.flatMap((n) => (n.attribute ?? []).map((a) => a.t).filter((t): t is onnx.ITensorProto => !!t)),
      ].filter((t) => t.dataType === 7 && (t.rawData?.length ?? 0) >= 8);
      const t = pick(prng, tensors);
      if (!t?.rawData) return undefined;
      const data = new Uint8Array(t.rawData);
      const k = prng.int(data.length / 8);
      new DataView(data.buffer).setBigInt64(k * 8, BigInt(interestingInt(prng)), true);
      t.rawData = data;
      return `int64 tensor ${t.name || '(constant)'} element ${k} changed`;
    }
    case 'change-opset': {
      const o = (m.model.opsetImport ?? []).find((x) => (x.domain ?? '') === '');
      if (!o) return undefined;
      o.version = 1 + prng.int(24);
      return `opset ${o.version}`;
    }
  }
}

export interface GraphMutant {
  readonly what: string;
  readonly bytes: Uint8Array;
}

/** Decodes `original`, applies 1 to 3 structure mutations, and encodes the result. */
export function mutateGraph(original: Uint8Array, prng: Prng): GraphMutant {
  const model = ModelProto.toObject(ModelProto.decode(original), { longs: Number }) as onnx.IModelProto;
  const graph = model.graph ?? {};
  model.graph = graph;
  const nodes = (graph.node ??= []);
  const tensors = [
    ...(graph.input ?? []).map((v) => v.name ?? ''),
    ...(graph.initializer ?? []).map((t) => t.name ?? ''),
    ...nodes.flatMap((n) => n.output ?? []),
  ].filter((t) => t !== '');
  const m: Mutable = { model, graph, nodes, tensors };
  const done: string[] = [];
  const count = 1 + prng.int(3);
  for (let tries = 0; done.length < count && tries < 20; tries++) {
    const what = apply(m, pick(prng, GRAPH_MUTATION_KINDS)!, prng);
    if (what) done.push(what);
  }
  return { what: done.join('; '), bytes: new Uint8Array(ModelProto.encode(model).finish()) };
}
