/**
 * TfliteModel -> Graph IR. Constant tensors (with buffer data) are weights, variable tensors are
 * state (Graph.states), every other tensor an operator reads or writes is an activation. Steps are
 * the operators in the file's order; an operator reading a tensor that a later one produces is a
 * cycle (TFLite files are stored in execution order). Operators are TFLite-domain nodes
 * (domain 'tflite', op type = the builtin name, NHWC layout), their options become attributes and
 * their output shapes are checked against the file's (shapes.ts). Every problem is a one-line
 * MemplanError (exit 2).
 */
import type { AttrValue, ConstData, ConstTensor, DType, Graph, OpNode, Quantization, TensorInfo, TensorKind } from '../../ir/graph.js';
import { byteSize, elementCountOf } from '../../ir/graph.js';
import { TFLITE_OP_DOMAIN } from '../../ir/op-table.js';
import type { Location } from '../../diagnostics/diagnostic.js';
import { InputError, UnsupportedError } from '../../diagnostics/errors.js';
import { Codes } from '../../diagnostics/codes.js';
import { FlatbufferError } from './flatbuffer.js';
import type { TfliteModel, TfliteOperator, TfliteTensor } from './decode-tflite.js';
import { decodeTflite } from './decode-tflite.js';
import { attributesOf } from './options.js';
import type { OperandView } from './shapes.js';
import { ShapeError, TFLITE_SHAPES } from './shapes.js';

export interface TfliteImportOptions {
  /** Shown in diagnostics. */
  readonly fileName: string;
}

/** The domain of every node imported from TFLite (the op table's TFLite rows). */
export const TFLITE_DOMAIN = TFLITE_OP_DOMAIN;

/** TensorType enum -> dtype (types memplan cannot hold are absent). */
const TENSOR_TYPES: ReadonlyMap<number, DType> = new Map<number, DType>([
  [0, 'float32'], [1, 'float16'], [2, 'int32'], [3, 'uint8'], [4, 'int64'], [6, 'bool'], [7, 'int16'],
  [8, 'complex64'], [9, 'int8'], [10, 'float64'], [11, 'complex128'], [12, 'uint64'], [15, 'uint32'],
  [16, 'uint16'], [17, 'int4'], [18, 'bfloat16'],
]);

const TYPE_NAMES: readonly string[] = ['FLOAT32', 'FLOAT16', 'INT32', 'UINT8', 'INT64', 'STRING', 'BOOL', 'INT16', 'COMPLEX64', 'INT8', 'FLOAT64',
  'COMPLEX128', 'UINT64', 'RESOURCE', 'VARIANT', 'UINT32', 'UINT16', 'INT4', 'BFLOAT16'];

/** Largest tensor memplan accepts (bytes): 2^40, far beyond any chip, small enough to stay exact. */
const MAX_TENSOR_BYTES = 2 ** 40;

/** Decodes and imports a `.tflite` file. */
export function importTflite(bytes: Uint8Array, options: TfliteImportOptions): Graph {
  const file: Location = { file: options.fileName };
  let model: TfliteModel;
  try {
    model = decodeTflite(bytes);
    return new TfliteImporter(model, options.fileName).run();
  } catch (e) {
    if (e instanceof FlatbufferError) throw InputError.one(Codes.BadTflite, `corrupt TFLite file: ${printable(e.message)}`, file);
    if (e instanceof RangeError) throw InputError.one(Codes.BadTflite, `corrupt TFLite file: ${printable(e.message)}`, file);
    throw e;
  }
}

function printable(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > 300 ? `${escaped.slice(0, 300)}...` : escaped;
}

class TfliteImporter {
  private readonly file: Location;
  /** Unique graph name of each tensor index. */
  private readonly names: string[] = [];
  private readonly weights = new Map<string, ConstTensor>();
  private readonly states = new Map<string, TensorInfo>();
  private readonly tensors = new Map<string, TensorInfo>();
  /** Integer contents of int32/int64 constants (for shape functions), by tensor index. */
  private readonly constInts = new Map<number, number[]>();

  constructor(private readonly model: TfliteModel, private readonly fileName: string) {
    this.file = { file: fileName };
  }

  run(): Graph {
    const m = this.model;
    const used = new Set<number>();
    const check = (i: number, where: string) => {
      if (!Number.isInteger(i) || i < 0 || i >= m.tensors.length) throw this.bad(`${where} names tensor ${i}; the subgraph has ${m.tensors.length}`);
      used.add(i);
    };
    m.inputs.forEach((i) => check(i, 'a graph input'));
    m.outputs.forEach((i) => check(i, 'a graph output'));
    for (const op of m.operators) {
      op.inputs.forEach((i) => i !== -1 && check(i, `operator ${op.index} (${op.opName})`));
      op.outputs.forEach((i) => check(i, `operator ${op.index} (${op.opName})`));
    }
    this.nameTensors();
    // Classify: constants, state, graph inputs; then walk the operators in order.
    const isConst = new Set<number>();
    for (const i of [...used].sort((a, b) => a - b)) {
      const t = m.tensors[i]!;
      const data = t.buffer > 0 ? m.bufferData(t.buffer) : undefined;
      if (t.buffer >= m.bufferCount && t.buffer > 0) throw this.bad(`tensor '${this.names[i]}' names buffer ${t.buffer}; the file has ${m.bufferCount}`);
      if (data && data.length > 0) {
        if (t.isVariable) throw this.bad(`variable tensor '${this.names[i]}' has constant data`);
        this.addWeight(t, data);
        isConst.add(i);
      } else if (t.isVariable) {
        this.states.set(this.names[i]!, this.info(t, 'activation'));
      }
    }
    const available = new Set<number>([...isConst, ...[...used].filter((i) => m.tensors[i]!.isVariable)]);
    const inputs: string[] = [];
    for (const i of m.inputs) {
      if (isConst.has(i) || m.tensors[i]!.isVariable) continue;
      if (available.has(i)) throw this.bad(`graph input '${this.names[i]}' is listed twice`);
      available.add(i);
      inputs.push(this.names[i]!);
      this.tensors.set(this.names[i]!, this.info(m.tensors[i]!, 'input'));
    }
    const outputs = m.outputs.map((i) => this.names[i]!);
    const outputSet = new Set(m.outputs);
    const producerOf = new Map<number, number>();
    for (const op of m.operators) for (const o of op.outputs) if (!producerOf.has(o)) producerOf.set(o, op.index);
    const nodes: OpNode[] = [];
    for (const op of m.operators) nodes.push(this.node(op, available, producerOf, outputSet, isConst));
    for (const i of m.outputs) {
      if (isConst.has(i)) throw this.bad(`graph output '${this.names[i]}' is a constant`);
      if (!available.has(i) || m.tensors[i]!.isVariable) throw InputError.one(Codes.DanglingInput, `graph output '${this.names[i]}' is produced by no operator`, this.file);
    }
    let weightBytes = 0;
    for (const w of this.weights.values()) weightBytes += byteSize(w.dtype, elementCountOf(w.shape));
    return {
      name: m.description,
      irVersion: m.version,
      opsetVersion: 0,
      inputs,
      outputs,
      nodes,
      tensors: this.tensors,
      weights: this.weights,
      weightBytes,
      ...(this.states.size > 0 ? { states: this.states } : {}),
      format: 'tflite',
    };
  }

  private bad(message: string, location: Location = this.file): InputError {
    return InputError.one(Codes.BadTflite, printable(message), location);
  }

  /** Unique names: the file's name, `#<index>` appended on a clash, `tensor_<index>` when empty. */
  private nameTensors(): void {
    const seen = new Set<string>();
    this.model.tensors.forEach((t, i) => {
      let name = t.name === '' ? `tensor_${i}` : printable(t.name);
      if (seen.has(name)) name = `${name}#${i}`;
      while (seen.has(name)) name = `${name}_`;
      seen.add(name);
      this.names.push(name);
    });
  }

  private dtypeOf(t: TfliteTensor): DType {
    const d = TENSOR_TYPES.get(t.type);
    if (!d) {
      throw UnsupportedError.one(Codes.UnsupportedDtype, `tensor '${this.names[t.index]}' has type ${TYPE_NAMES[t.type] ?? `code ${t.type}`}, which memplan does not support`, this.file);
    }
    return d;
  }

  private shapeOf(t: TfliteTensor): number[] {
    const name = this.names[t.index]!;
    for (const d of t.shape) {
      if (d < 0) throw InputError.one(Codes.BadDimension, `tensor '${name}' has dimension ${d} (dynamic shapes are not supported)`, this.file);
    }
    const bytes = byteSize(this.dtypeOf(t), elementCountOf(t.shape));
    if (!Number.isSafeInteger(bytes) || bytes > MAX_TENSOR_BYTES) {
      throw InputError.one(Codes.TooLarge, `tensor '${name}' of shape [${t.shape.join(',')}] needs more than 2^40 bytes`, this.file);
    }
    return [...t.shape];
  }

  private quantization(t: TfliteTensor, shape: readonly number[]): Quantization | undefined {
    const q = t.quantization;
    if (!q) return undefined;
    const name = this.names[t.index]!;
    const zeroPoints = q.zeroPoints.length === 0 ? q.scales.map(() => 0) : q.zeroPoints;
    if (zeroPoints.length !== q.scales.length) throw this.bad(`tensor '${name}' has ${q.scales.length} scales but ${zeroPoints.length} zero points`);
    if (q.scales.length === 1) return { scales: q.scales, zeroPoints };
    // Converters write a bias's quantized_dimension as the filter's (3) on a rank-1 tensor.
    const axis = shape.length === 1 ? 0 : q.quantizedDimension;
    if (axis < 0 || axis >= shape.length || shape[axis] !== q.scales.length) {
      throw this.bad(`tensor '${name}' has ${q.scales.length} per-channel scales on dimension ${axis} of [${shape.join(',')}]`);
    }
    return { scales: q.scales, zeroPoints, axis };
  }

  private info(t: TfliteTensor, kind: TensorKind): TensorInfo {
    const dtype = this.dtypeOf(t);
    const shape = this.shapeOf(t);
    const elementCount = elementCountOf(shape);
    const quantization = this.quantization(t, shape);
    return { name: this.names[t.index]!, dtype, shape, elementCount, sizeBytes: byteSize(dtype, elementCount), kind, ...(quantization ? { quantization } : {}) };
  }

  private addWeight(t: TfliteTensor, data: Uint8Array): void {
    const name = this.names[t.index]!;
    const dtype = this.dtypeOf(t);
    const shape = this.shapeOf(t);
    const count = elementCountOf(shape);
    const bytes = byteSize(dtype, count);
    if (data.length !== bytes) throw this.bad(`constant tensor '${name}' [${shape.join(',')}] ${dtype} needs ${bytes} bytes; its buffer holds ${data.length}`);
    const copy = new Uint8Array(data); // aligned copy
    let values: Extract<ConstData, { kind: 'dense' }>['values'];
    switch (dtype) {
      case 'float32': values = new Float32Array(copy.buffer, 0, count); break;
      case 'float64': values = new Float64Array(copy.buffer, 0, count); break;
      case 'int8': values = new Int8Array(copy.buffer, 0, count); break;
      case 'uint8': case 'bool': values = copy; break;
      case 'int16': values = new Int16Array(copy.buffer, 0, count); break;
      case 'uint16': case 'float16': case 'bfloat16': values = new Uint16Array(copy.buffer, 0, count); break;
      case 'int32': values = new Int32Array(copy.buffer, 0, count); break;
      case 'uint32': values = new Uint32Array(copy.buffer, 0, count); break;
      case 'int64': values = new BigInt64Array(copy.buffer, 0, count); break;
      case 'uint64': values = new BigUint64Array(copy.buffer, 0, count); break;
      default:
        throw UnsupportedError.one(Codes.UnsupportedDtype, `constant tensor '${name}' has type ${dtype}, which memplan cannot hold as a weight`, this.file);
    }
    if (dtype === 'int32' || dtype === 'int64') this.constInts.set(t.index, Array.from(values as ArrayLike<number | bigint>, Number));
    const quantization = this.quantization(t, shape);
    this.weights.set(name, { dtype, shape, data: { kind: 'dense', values }, ...(quantization ? { quantization } : {}) });
  }

  private node(op: TfliteOperator, available: Set<number>, producerOf: ReadonlyMap<number, number>, outputSet: ReadonlySet<number>, isConst: ReadonlySet<number>): OpNode {
    const name = `${op.opName === 'CUSTOM' ? (op.customCode ?? 'CUSTOM') : op.opName}_${op.index}`;
    const where: Location = { file: this.fileName, node: printable(name), opType: printable(op.opName === 'CUSTOM' ? `CUSTOM '${op.customCode ?? ''}'` : op.opName) };
    if (op.opName === 'CUSTOM') {
      throw UnsupportedError.one(Codes.UnsupportedOp, `custom operator '${printable(op.customCode ?? '')}' is not supported (it runs outside TFLite's builtin kernels)`, where);
    }
    const shapeFn = TFLITE_SHAPES.get(op.opName);
    if (!shapeFn) throw UnsupportedError.one(Codes.UnsupportedOp, `TFLite operator ${op.opName} is not supported`, where);
    if (op.outputs.length === 0) throw this.bad(`operator ${op.index} (${op.opName}) has no output`, where);
    const m = this.model;
    for (const i of op.inputs) {
      if (i === -1 || available.has(i)) continue;
      const p = producerOf.get(i);
      if (p !== undefined) {
        throw InputError.one(Codes.GraphCycle, `operator ${op.index} reads '${this.names[i]}' before operator ${p} produces it (a cycle, or operators out of order)`, where);
      }
      throw InputError.one(Codes.DanglingInput, `operator ${op.index} reads '${this.names[i]}', which is no graph input, constant or operator output`, where);
    }
    for (const o of op.outputs) {
      if (available.has(o)) {
        const why = isConst.has(o) ? 'a constant' : m.tensors[o]!.isVariable ? 'a variable tensor' : 'already defined';
        throw this.bad(`operator ${op.index} (${op.opName}) writes '${this.names[o]}', which is ${why}`, where);
      }
      available.add(o);
      this.tensors.set(this.names[o]!, this.info(m.tensors[o]!, outputSet.has(o) ? 'output' : 'activation'));
    }
    const attributes = attributesOf(op.opName, op.optionsType, op.options);
    this.checkShapes(op, attributes, where);
    return {
      name,
      opType: op.opName,
      domain: TFLITE_DOMAIN,
      inputs: op.inputs.map((i) => (i === -1 ? '' : this.names[i]!)),
      outputs: op.outputs.map((i) => this.names[i]!),
      attributes,
      step: op.index,
    };
  }

  private checkShapes(op: TfliteOperator, attrs: ReadonlyMap<string, AttrValue>, where: Location): void {
    const m = this.model;
    const views: (OperandView | undefined)[] = op.inputs.map((i) => {
      if (i === -1) return undefined;
      const ints = this.constInts.get(i);
      return { shape: this.shapeOf(m.tensors[i]!), ...(ints ? { ints } : {}) };
    });
    const declared = op.outputs.map((o) => this.shapeOf(m.tensors[o]!));
    let expected: (readonly number[])[];
    try {
      expected = TFLITE_SHAPES.get(op.opName)!({ opName: op.opName, attrs, inputs: views, declared });
    } catch (e) {
      if (e instanceof ShapeError) throw InputError.one(Codes.ShapeMismatch, printable(e.message), where);
      throw e;
    }
    expected.forEach((s, k) => {
      const d = declared[k];
      if (d === undefined) throw this.bad(`operator ${op.index} (${op.opName}) has ${declared.length} outputs, expected ${expected.length}`, where);
      if (d.length !== s.length || d.some((x, j) => x !== s[j])) {
        throw InputError.one(Codes.ShapeMismatch, `output '${this.names[op.outputs[k]!]}' is declared [${d.join(',')}], the operator computes [${s.join(',')}]`, where);
      }
    });
  }
}
