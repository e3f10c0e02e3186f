/**
 * bytes -> TfliteModel: the parts of a `.tflite` flatbuffer (schema ../shared/tflite-schema/schema.fbs,
 * root table Model, identifier TFL3) that memplan uses, as plain data. Field ids below are the
 * schema's field order (union fields count twice: type, then value). Only the first subgraph is
 * the model; the others are bodies of control-flow ops (unsupported).
 */
import type { Table } from './flatbuffer.js';
import { FlatBuffer, FlatbufferError } from './flatbuffer.js';
import { BUILTIN_OPERATORS } from './builtin-operators.js';

export interface TfliteQuantization {
  readonly scales: readonly number[];
  readonly zeroPoints: readonly number[];
  readonly quantizedDimension: number;
}

export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  /** TensorType enum value. */
  readonly type: number;
  readonly shape: readonly number[];
  /** Index into Model.buffers (0: the empty sentinel buffer). */
  readonly buffer: number;
  readonly quantization?: TfliteQuantization;
  readonly isVariable: boolean;
}

export interface TfliteOperator {
  readonly index: number;
  /** Builtin operator name (BUILTIN_OPERATORS), or 'CUSTOM'. */
  readonly opName: string;
  /** custom_code of a custom operator. */
  readonly customCode?: string;
  /** Tensor indices; -1 marks an omitted optional input. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** BuiltinOptions union type (0 = none) and its table. */
  readonly optionsType: number;
  readonly options?: Table;
}

export interface TfliteModel {
  readonly version: number;
  readonly description: string;
  readonly subgraphCount: number;
  readonly tensors: readonly TfliteTensor[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly operators: readonly TfliteOperator[];
  /** The constant data of buffer `i` (undefined or empty: no data). */
  readonly bufferData: (i: number) => Uint8Array | undefined;
  readonly bufferCount: number;
}

/** A file is TFLite when bytes 4..8 hold the identifier `TFL3`. */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
}

/** Most tensors, operators or dims a file may declare (far above any real model; keeps corrupt files cheap). */
const MAX_COUNT = 1 << 20;

/** Decodes the model; throws FlatbufferError on any structural problem. */
export function decodeTflite(bytes: Uint8Array): TfliteModel {
  const fb = new FlatBuffer(bytes);
  if (!isTflite(bytes)) throw new FlatbufferError('the file identifier at byte 4 is not TFL3');
  const model = fb.root();
  const version = model.scalar(0, 'u32', 0, 'version');
  const opcodeCount = count(model.tableCount(1, 'operator_codes'), 'operator codes');
  const opcodes: { name: string; custom?: string }[] = [];
  for (let i = 0; i < opcodeCount; i++) {
    const oc = model.tableAt(1, i, 'operator_codes');
    const deprecated = oc.scalar(0, 'i8', 0, 'deprecated_builtin_code');
    const code = Math.max(deprecated, oc.scalar(3, 'i32', 0, 'builtin_code'));
    const custom = oc.string(1, 'custom_code');
    const name = code === 32 ? 'CUSTOM' : (BUILTIN_OPERATORS.get(code) ?? `builtin code ${code}`);
    opcodes.push(custom !== undefined && code === 32 ? { name, custom } : { name });
  }
  const subgraphCount = count(model.tableCount(2, 'subgraphs'), 'subgraphs');
  if (subgraphCount === 0) throw new FlatbufferError('the model has no subgraph');
  const sg = model.tableAt(2, 0, 'subgraphs');
  const tensorCount = count(sg.tableCount(0, 'tensors'), 'tensors');
  const tensors: TfliteTensor[] = [];
  for (let i = 0; i < tensorCount; i++) tensors.push(readTensor(sg.tableAt(0, i, 'tensors'), i));
  const operatorCount = count(sg.tableCount(3, 'operators'), 'operators');
  const operators: TfliteOperator[] = [];
  for (let i = 0; i < operatorCount; i++) {
    const op = sg.tableAt(3, i, 'operators');
    const opcodeIndex = op.scalar(0, 'u32', 0, 'opcode_index');
    const oc = opcodes[opcodeIndex];
    if (!oc) throw new FlatbufferError(`operator ${i} names operator code ${opcodeIndex} of ${opcodes.length}`);
    const optionsType = op.scalar(3, 'u8', 0, 'builtin_options_type');
    const options = optionsType !== 0 ? op.table(4, 'builtin_options') : undefined;
    operators.push({
      index: i,
      opName: oc.name,
      ...(oc.custom !== undefined ? { customCode: oc.custom } : {}),
      inputs: indexList(op.scalars(1, 'i32', 'inputs') ?? []),
      outputs: indexList(op.scalars(2, 'i32', 'outputs') ?? []),
      optionsType,
      ...(options ? { options } : {}),
    });
  }
  const bufferCount = model.tableCount(4, 'buffers');
  return {
    version,
    description: model.string(3, 'description') ?? '',
    subgraphCount,
    tensors,
    inputs: indexList(sg.scalars(1, 'i32', 'inputs') ?? []),
    outputs: indexList(sg.scalars(2, 'i32', 'outputs') ?? []),
    operators,
    bufferCount,
    bufferData: (i) => {
      if (i <= 0 || i >= bufferCount) return undefined;
      const b = model.tableAt(4, i, 'buffers');
      const data = b.bytes(0, 'data');
      if (data && data.length > 0) return data;
      // Large models keep buffer data after the flatbuffer: `offset` from the file start and `size`.
      const offset = b.scalar(1, 'u64', 0, 'offset');
      const size = b.scalar(2, 'u64', 0, 'size');
      if (offset <= 1 || size === 0) return undefined;
      fb.check(offset, size, `buffer ${i} data`);
      return bytes.subarray(offset, offset + size);
    },
  };
}

function count(n: number, what: string): number {
  if (n > MAX_COUNT) throw new FlatbufferError(`the file declares ${n} ${what} (more than ${MAX_COUNT})`);
  return n;
}

function indexList(v: readonly number[]): number[] {
  if (v.length > MAX_COUNT) throw new FlatbufferError(`an index list has ${v.length} entries`);
  return [...v];
}

function readTensor(t: Table, index: number): TfliteTensor {
  const shape = t.scalars(0, 'i32', 'shape') ?? [];
  if (shape.length > 16) throw new FlatbufferError(`tensor ${index} has rank ${shape.length}`);
  const q = t.table(4, 'quantization');
  let quantization: TfliteQuantization | undefined;
  if (q) {
    const scales = q.scalars(2, 'f32', 'scale') ?? [];
    const zeroPoints = q.scalars(3, 'i64', 'zero_point') ?? [];
    if (scales.length > 0) {
      if (scales.length > MAX_COUNT) throw new FlatbufferError(`tensor ${index} has ${scales.length} scales`);
      quantization = { scales, zeroPoints, quantizedDimension: q.scalar(6, 'i32', 0, 'quantized_dimension') };
    }
  }
  return {
    index,
    name: t.string(3, 'name') ?? '',
    type: t.scalar(1, 'i8', 0, 'type'),
    shape,
    buffer: t.scalar(2, 'u32', 0, 'buffer'),
    ...(quantization ? { quantization } : {}),
    isVariable: t.scalar(5, 'bool', 0, 'is_variable') !== 0,
  };
}
