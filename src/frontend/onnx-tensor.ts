/**
 * ONNX TensorProto / AttributeProto -> memplan constants and attributes.
 *
 * Dense data keeps its natural typed array: float32 -> Float32Array, int64 -> BigInt64Array, and so on.
 * float16, bfloat16 and the float8 types are widened to Float32Array (their values, not their bits);
 * int4/uint4 are unpacked to one Int8Array/Uint8Array element each; bool is a Uint8Array of 0/1.
 * Complex tensors are not supported as constants (UnsupportedError MP307).
 */
import type { onnx } from 'onnx-proto';
import { Codes } from '../diagnostics/codes.js';
import type { Location } from '../diagnostics/diagnostic.js';
import { InputError, InternalError, UnsupportedError } from '../diagnostics/errors.js';
import type { AttrValue, ConstData, ConstTensor, DType } from '../ir/graph.js';
import { byteSize, dtypeBits, elementCountOf } from '../ir/graph.js';

/** A protobufjs 64-bit integer (Long) as the decoder produces it, or a plain number. */
export type LongLike = number | { readonly low: number; readonly high: number; readonly unsigned: boolean };

const ONNX_DTYPES: readonly (DType | undefined)[] = [
  undefined, 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16',
  'float64', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16', 'float8e4m3fn', 'float8e4m3fnuz',
  'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4',
];

/** Maps an ONNX TensorProto.DataType code to a memplan dtype; unknown codes -> UnsupportedError MP307. */
export function dtypeFromOnnx(code: number, where?: Location): DType {
  const dtype = Number.isInteger(code) && code >= 0 ? ONNX_DTYPES[code] : undefined;
  if (dtype === undefined) {
    throw UnsupportedError.one(Codes.UnsupportedDtype, `unknown or undefined ONNX element type ${code}`, where);
  }
  return dtype;
}

/** Exact value of a 64-bit integer as a bigint. */
export function longToBigInt(v: LongLike): bigint {
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned ? bits : BigInt.asIntN(64, bits);
}

/** Value of a 64-bit integer as a number (may round when past 2^53; callers that need exactness check). */
export function longToNumber(v: LongLike): number {
  if (typeof v === 'number') return v;
  const high = v.unsigned ? v.high >>> 0 : v.high;
  return high * 4294967296 + (v.low >>> 0);
}

/**
 * Validates ONNX dims (non-negative, element count and bytes within Number.MAX_SAFE_INTEGER) and returns
 * them as numbers.
 */
export function dimsFromProto(dims: readonly LongLike[], dtype: DType, what: string, where?: Location): number[] {
  const shape: number[] = [];
  let count = 1n;
  for (const d of dims) {
    const big = longToBigInt(d);
    if (big < 0n) {
      throw InputError.one(Codes.BadDimension, `${what} has a negative dimension ${big}`, where);
    }
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw InputError.one(Codes.TooLarge, `${what} has a dimension ${big} past 2^53`, where);
    }
    shape.push(Number(big));
    count *= big;
  }
  const bits = BigInt(dtypeBits(dtype));
  if (count > BigInt(Number.MAX_SAFE_INTEGER) || (count * bits + 7n) / 8n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw InputError.one(Codes.TooLarge, `${what} has ${count} elements: its size passes 2^53 bytes`, where);
  }
  return shape;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** An aligned copy of `raw` with `width`-byte little-endian words in host order. */
function alignedCopy(raw: Uint8Array, width: number): ArrayBuffer {
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  if (!LITTLE_ENDIAN && width > 1) {
    for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  }
  return copy.buffer;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function bfloat16ToFloat(h: number): number {
  const f = new Float32Array(new Uint32Array([(h & 0xffff) << 16]).buffer);
  return f[0] as number;
}

/** Decodes an 8-bit float of the given layout (ONNX float8 types). */
function float8ToFloat(byte: number, dtype: DType): number {
  const e4m3 = dtype === 'float8e4m3fn' || dtype === 'float8e4m3fnuz';
  const fnuz = dtype === 'float8e4m3fnuz' || dtype === 'float8e5m2fnuz';
  const mantBits = e4m3 ? 3 : 2;
  const expBits = e4m3 ? 4 : 5;
  const bias = (e4m3 ? 7 : 15) + (fnuz ? 1 : 0);
  const b = byte & 0xff;
  if (fnuz && b === 0x80) return NaN;
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> mantBits) & ((1 << expBits) - 1);
  const mant = b & ((1 << mantBits) - 1);
  if (!fnuz) {
    if (e4m3 && exp === 15 && mant === 7) return NaN;
    if (!e4m3 && exp === 31) return mant === 0 ? sign * Infinity : NaN;
  }
  if (exp === 0) return sign * mant * 2 ** (1 - bias - mantBits);
  return sign * (1 + mant / (1 << mantBits)) * 2 ** (exp - bias);
}

type NumericArray = Extract<ConstData, { kind: 'dense' }>['values'];

function mismatch(name: string, got: number, want: number, shape: readonly number[], where?: Location): InputError {
  return InputError.one(
    Codes.MalformedGraph,
    `tensor '${name}' holds ${got} elements but its dims [${shape.join(',')}] need ${want}`,
    where,
  );
}

/** True when a TensorProto keeps its data in an external file. */
export function hasExternalData(t: onnx.ITensorProto): boolean {
  return t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0;
}

/** Reads a TensorProto (initializer, Constant value, attribute tensor) into a ConstTensor. */
export function tensorFromProto(t: onnx.ITensorProto, where?: Location): ConstTensor {
  const name = t.name ?? '';
  const label = name === '' ? 'a constant tensor' : `tensor '${name}'`;
  if (hasExternalData(t)) {
    throw UnsupportedError.of(Codes.ExternalData, { what: label }, where);
  }
  if (t.segment) {
    throw UnsupportedError.one(Codes.MalformedGraph, `${label} is a segment of a tensor; segments are not supported`, where);
  }
  const dtype = dtypeFromOnnx(t.dataType ?? 0, where);
  const shape = dimsFromProto(t.dims ?? [], dtype, label, where);
  const count = elementCountOf(shape);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  return { dtype, shape, data: decodeData(t, dtype, shape, count, raw, name, where) };
}

function decodeData(
  t: onnx.ITensorProto,
  dtype: DType,
  shape: readonly number[],
  count: number,
  raw: Uint8Array | undefined,
  name: string,
  where?: Location,
): ConstData {
  const width = dtype === 'int4' || dtype === 'uint4' ? 0.5 : byteSize(dtype, 1);
  if (dtype === 'string') {
    const strings = t.stringData ?? [];
    if (strings.length !== count) throw mismatch(name, strings.length, count, shape, where);
    const decoder = new TextDecoder();
    return { kind: 'strings', values: strings.map((s) => decoder.decode(s)) };
  }
  if (dtype === 'complex64' || dtype === 'complex128') {
    throw UnsupportedError.one(Codes.UnsupportedDtype, `constant '${name}' has complex type ${dtype}`, where);
  }
  if (raw) {
    const need = Math.ceil(count * width);
    if (raw.length !== need) {
      throw InputError.one(
        Codes.MalformedGraph,
        `tensor '${name}' has ${raw.length} bytes of raw data but its dims [${shape.join(',')}] of ${dtype} need ${need}`,
        where,
      );
    }
    return { kind: 'dense', values: fromRaw(raw, dtype, count) };
  }
  return { kind: 'dense', values: fromTyped(t, dtype, count, shape, name, where) };
}

function fromRaw(raw: Uint8Array, dtype: DType, count: number): NumericArray {
  switch (dtype) {
    case 'float32': return new Float32Array(alignedCopy(raw, 4));
    case 'float64': return new Float64Array(alignedCopy(raw, 8));
    case 'int8': return new Int8Array(alignedCopy(raw, 1));
    case 'uint8': return new Uint8Array(alignedCopy(raw, 1));
    case 'bool': return Uint8Array.from(raw, (b) => (b !== 0 ? 1 : 0));
    case 'int16': return new Int16Array(alignedCopy(raw, 2));
    case 'uint16': return new Uint16Array(alignedCopy(raw, 2));
    case 'int32': return new Int32Array(alignedCopy(raw, 4));
    case 'uint32': return new Uint32Array(alignedCopy(raw, 4));
    case 'int64': return new BigInt64Array(alignedCopy(raw, 8));
    case 'uint64': return new BigUint64Array(alignedCopy(raw, 8));
    case 'float16': return Float32Array.from(new Uint16Array(alignedCopy(raw, 2)), halfToFloat);
    case 'bfloat16': return Float32Array.from(new Uint16Array(alignedCopy(raw, 2)), bfloat16ToFloat);
    case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz':
      return Float32Array.from(raw, (b) => float8ToFloat(b, dtype));
    case 'int4': case 'uint4': return unpack4(raw, count, dtype === 'int4');
    default: throw new InternalError(`no raw decoding for ${dtype}`);
  }
}

function unpack4(bytes: ArrayLike<number>, count: number, signed: boolean): Int8Array | Uint8Array {
  const out = signed ? new Int8Array(count) : new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const b = (bytes[i >> 1] ?? 0) & 0xff;
    const nib = i & 1 ? b >> 4 : b & 0x0f;
    out[i] = signed && nib >= 8 ? nib - 16 : nib;
  }
  return out;
}

function fromTyped(
  t: onnx.ITensorProto,
  dtype: DType,
  count: number,
  shape: readonly number[],
  name: string,
  where?: Location,
): NumericArray {
  const check = (len: number, want = count): void => {
    if (len !== want) throw mismatch(name, len, want, shape, where);
  };
  switch (dtype) {
    case 'float32': { const d = t.floatData ?? []; check(d.length); return Float32Array.from(d); }
    case 'float64': { const d = t.doubleData ?? []; check(d.length); return Float64Array.from(d); }
    case 'int64': { const d = t.int64Data ?? []; check(d.length); return BigInt64Array.from(d, longToBigInt); }
    case 'uint64': { const d = t.uint64Data ?? []; check(d.length); return BigUint64Array.from(d, (v) => BigInt.asUintN(64, longToBigInt(v))); }
    case 'uint32': { const d = t.uint64Data ?? []; check(d.length); return Uint32Array.from(d, longToNumber); }
    default: break;
  }
  const d = t.int32Data ?? [];
  if (dtype === 'int4' || dtype === 'uint4') {
    check(d.length, Math.ceil(count / 2));
    return unpack4(d, count, dtype === 'int4');
  }
  check(d.length);
  switch (dtype) {
    case 'int8': return Int8Array.from(d);
    case 'uint8': return Uint8Array.from(d);
    case 'bool': return Uint8Array.from(d, (v) => (v !== 0 ? 1 : 0));
    case 'int16': return Int16Array.from(d);
    case 'uint16': return Uint16Array.from(d);
    case 'int32': return Int32Array.from(d);
    case 'float16': return Float32Array.from(d, halfToFloat);
    case 'bfloat16': return Float32Array.from(d, bfloat16ToFloat);
    case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz':
      return Float32Array.from(d, (b) => float8ToFloat(b, dtype));
    default:
      throw UnsupportedError.one(Codes.UnsupportedDtype, `constant '${name}' has unsupported type ${dtype}`, where);
  }
}

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** Converts a node's attributes; tensors are decoded, graphs are kept as their GraphProto. */
export function attributesFromProto(
  attrs: readonly onnx.IAttributeProto[] | null | undefined,
  where?: Location,
): ReadonlyMap<string, AttrValue> {
  const out = new Map<string, AttrValue>();
  const decoder = new TextDecoder();
  for (const a of attrs ?? []) {
    const name = a.name ?? '';
    if (out.has(name)) {
      throw InputError.one(Codes.BadAttribute, `attribute '${name}' is given twice`, where);
    }
    const type = a.type || inferAttrType(a);
    let v: AttrValue;
    switch (type) {
      case ATTR.FLOAT: v = { type: 'float', value: a.f ?? 0 }; break;
      case ATTR.INT: v = { type: 'int', value: longToNumber(a.i ?? 0) }; break;
      case ATTR.STRING: v = { type: 'string', value: decoder.decode(a.s ?? new Uint8Array()) }; break;
      case ATTR.TENSOR:
        v = { type: 'tensor', value: tensorFromProto(a.t ?? {}, where) };
        break;
      case ATTR.GRAPH: v = { type: 'graph', value: a.g ?? {} }; break;
      case ATTR.FLOATS: v = { type: 'floats', value: [...(a.floats ?? [])] }; break;
      case ATTR.INTS: v = { type: 'ints', value: (a.ints ?? []).map(longToNumber) }; break;
      case ATTR.STRINGS: v = { type: 'strings', value: (a.strings ?? []).map((s) => decoder.decode(s)) }; break;
      default: v = { type: 'other', value: a }; break;
    }
    out.set(name, v);
  }
  return out;
}

/** Old models (IR < 0.0.2 era exporters) leave `type` unset; infer it from the field that is set. */
function inferAttrType(a: onnx.IAttributeProto): number {
  if ((a.floats?.length ?? 0) > 0) return ATTR.FLOATS;
  if ((a.ints?.length ?? 0) > 0) return ATTR.INTS;
  if ((a.strings?.length ?? 0) > 0) return ATTR.STRINGS;
  if (a.t) return ATTR.TENSOR;
  if (a.g) return ATTR.GRAPH;
  if (a.s && a.s.length > 0) return ATTR.STRING;
  if (a.i !== undefined && a.i !== null && longToNumber(a.i) !== 0) return ATTR.INT;
  if (a.f !== undefined && a.f !== null && a.f !== 0) return ATTR.FLOAT;
  return 0;
}
