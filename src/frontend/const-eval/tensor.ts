/**
 * Helpers shared by the constant-evaluation kernels: element access, tensor construction, broadcasting.
 * Elements are numbers, except for int64/uint64 which are bigints. Splats stay splats whenever the
 * result is a splat; a dense result larger than MAX_FOLD_ELEMENTS is refused (the kernel returns
 * undefined and the node stays a runtime node).
 */
import { Codes } from '../../diagnostics/codes.js';
import type { DetailCode } from '../../diagnostics/codes.js';
import type { Location } from '../../diagnostics/diagnostic.js';
import { InputError } from '../../diagnostics/errors.js';
import type { ConstData, ConstTensor, DType } from '../../ir/graph.js';
import { elementCountOf } from '../../ir/graph.js';
import { broadcastAll } from '../shape-inference/broadcast.js';
import type { NodeView, ValueInfo } from '../shape-inference/types.js';

/** Largest dense tensor (elements) that constant folding materialises. */
export const MAX_FOLD_ELEMENTS = 1 << 22;

export type Scalar = number | bigint;
export type DenseValues = Extract<ConstData, { kind: 'dense' }>['values'];

export interface KernelContext {
  readonly node: NodeView;
  readonly opsetVersion: number;
  readonly file?: string;
}

/**
 * A constant-evaluation kernel. `inputs[i]` is undefined for an omitted optional input; otherwise its
 * `value` is set (except for Shape and Size, which only read the shape). Returns one tensor per node
 * output, or undefined when the kernel declines to fold (the node then stays a runtime node).
 */
export type ConstKernel = (
  ctx: KernelContext,
  inputs: readonly (ValueInfo | undefined)[],
) => readonly ConstTensor[] | undefined;

/** A signal thrown inside a kernel to decline folding (caught by the folding driver). */
export class CannotFold extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CannotFold';
  }
}

/** Where a diagnostic about the kernel's node points. */
export function where(ctx: KernelContext): Location {
  return { ...(ctx.file !== undefined ? { file: ctx.file } : {}), node: ctx.node.name, opType: ctx.node.opType };
}

export function fail(ctx: KernelContext, code: DetailCode, message: string): InputError {
  return InputError.one(code, message, where(ctx));
}

export function is64(dtype: DType): boolean {
  return dtype === 'int64' || dtype === 'uint64';
}

export function isFloat(dtype: DType): boolean {
  return (
    dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16' || dtype.startsWith('float8')
  );
}

/** The constant value of input `i`, or a CannotFold when it is not constant. */
export function valueOf(inputs: readonly (ValueInfo | undefined)[], i: number): ConstTensor | undefined {
  const v = inputs[i];
  if (v === undefined) return undefined;
  if (!v.value) throw new CannotFold(`input ${i} is not constant`);
  return v.value;
}

export function required(ctx: KernelContext, inputs: readonly (ValueInfo | undefined)[], i: number): ConstTensor {
  const v = valueOf(inputs, i);
  if (!v) throw fail(ctx, Codes.MalformedGraph, `node '${ctx.node.name}' (${ctx.node.opType}) lacks its input ${i}`);
  return v;
}

/** Elements of `t` in row-major order (a splat is expanded, up to MAX_FOLD_ELEMENTS). */
export function elements(t: ConstTensor): ArrayLike<Scalar> {
  const d = t.data;
  if (d.kind === 'dense') return d.values as ArrayLike<Scalar>;
  if (d.kind === 'strings') throw new CannotFold('string tensor');
  const n = elementCountOf(t.shape);
  if (n > MAX_FOLD_ELEMENTS) throw new CannotFold('splat too large to expand');
  return new Array<Scalar>(n).fill(d.value);
}

/** Converts an element to the representation of `dtype` (bigint for 64-bit integers). */
export function convert(v: Scalar, dtype: DType): Scalar {
  if (is64(dtype)) {
    if (typeof v === 'bigint') return dtype === 'int64' ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v);
    if (!Number.isFinite(v)) throw new CannotFold('non-finite value cast to an integer');
    const b = BigInt(Math.trunc(v));
    return dtype === 'int64' ? BigInt.asIntN(64, b) : BigInt.asUintN(64, b);
  }
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (dtype === 'bool') return n !== 0 && !Number.isNaN(n) ? 1 : 0;
  if (dtype === 'float16') return roundToFloat16(n);
  if (dtype === 'bfloat16') return roundToBfloat16(n);
  if (isFloat(dtype)) return n;
  if (!Number.isFinite(n)) throw new CannotFold('non-finite value cast to an integer');
  return Math.trunc(n);
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The nearest bfloat16 value (round to nearest even on the float32 bits). */
export function roundToBfloat16(x: number): number {
  if (Number.isNaN(x)) return x;
  F32[0] = x;
  const bits = U32[0] as number;
  const rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000;
  U32[0] = rounded >>> 0;
  return F32[0] as number;
}

/** The nearest IEEE half-precision value (round to nearest even; overflow gives infinity). */
export function roundToFloat16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  // Spacing of half values around a: 2^(e-10) for normals, 2^-24 for subnormals.
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  e = Math.max(e, -14);
  const ulp = 2 ** (e - 10);
  const q = a / ulp;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 !== 0) r -= 1; // ties to even
  return Math.sign(x) * r * ulp;
}

/** Allocates the typed array that holds `n` elements of `dtype`. */
export function allocate(dtype: DType, n: number): DenseValues {
  if (n > MAX_FOLD_ELEMENTS) throw new CannotFold('result too large to fold');
  switch (dtype) {
    case 'float32': case 'float16': case 'bfloat16':
    case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz':
      return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int8': case 'int4': return new Int8Array(n);
    case 'uint8': case 'uint4': case 'bool': return new Uint8Array(n);
    case 'int16': return new Int16Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'int32': return new Int32Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'uint64': return new BigUint64Array(n);
    default: throw new CannotFold(`no constant folding for ${dtype}`);
  }
}

/** A dense tensor of `dtype` from elements (converted to the dtype). */
export function dense(dtype: DType, shape: readonly number[], values: ArrayLike<Scalar>): ConstTensor {
  const out = allocate(dtype, values.length);
  const w = out as unknown as Scalar[];
  for (let i = 0; i < values.length; i++) w[i] = convert(values[i] as Scalar, dtype);
  return { dtype, shape: [...shape], data: { kind: 'dense', values: out } };
}

export function splat(dtype: DType, shape: readonly number[], value: Scalar): ConstTensor {
  return { dtype, shape: [...shape], data: { kind: 'splat', value: convert(value, dtype) } };
}

/** Same data, new shape (element count unchanged). */
export function reshaped(t: ConstTensor, shape: readonly number[]): ConstTensor {
  return { dtype: t.dtype, shape: [...shape], data: t.data };
}

/** Integer elements of a (small) tensor as numbers, e.g. a shape or axes input. */
export function intList(t: ConstTensor): number[] {
  return Array.from(elements(t), (v) => (typeof v === 'bigint' ? Number(v) : v));
}

export function scalarOf(t: ConstTensor): Scalar {
  if (elementCountOf(t.shape) !== 1) throw new CannotFold('expected one element');
  return elements(t)[0] as Scalar;
}

/** Normalises a possibly negative axis for a tensor of `rank`; out of range -> InputError MP306. */
export function normAxis(ctx: KernelContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) {
    throw fail(ctx, Codes.BadAttribute, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

/** Numpy-style broadcast of shapes (the shape-inference rule); incompatible -> InputError MP303. */
export function broadcastShapes(ctx: KernelContext, shapes: readonly (readonly number[])[]): number[] {
  return broadcastAll(shapes, where(ctx));
}

/** For each output element, the flat index into a tensor of `shape` broadcast to `outShape`. */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array | Float64Array {
  const n = elementCountOf(outShape);
  if (n > MAX_FOLD_ELEMENTS) throw new CannotFold('result too large to fold');
  const idx = new Float64Array(n);
  const rank = outShape.length;
  const inStrides = stridesOf(shape);
  const eff = outShape.map((_, j) => {
    const i = j - (rank - shape.length);
    return i >= 0 && shape[i] !== 1 ? (inStrides[i] as number) : 0;
  });
  const counter = new Array<number>(rank).fill(0);
  let flat = 0;
  for (let k = 0; k < n; k++) {
    idx[k] = flat;
    for (let j = rank - 1; j >= 0; j--) {
      counter[j] = (counter[j] as number) + 1;
      flat += eff[j] as number;
      if ((counter[j] as number) < (outShape[j] as number)) break;
      flat -= (eff[j] as number) * (outShape[j] as number);
      counter[j] = 0;
    }
  }
  return idx;
}
