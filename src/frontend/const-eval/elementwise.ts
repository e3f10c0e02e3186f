/**
 * Elementwise constant kernels with ONNX (numpy) broadcasting: arithmetic, comparison, logic, Where,
 * Min/Max, unary math and Cast. Splat inputs give a splat result.
 */
import { Codes } from '../../diagnostics/codes.js';
import type { ConstTensor, DType } from '../../ir/graph.js';
import { dtypeFromOnnx } from '../onnx-tensor.js';
import type { ConstKernel, KernelContext, Scalar } from './tensor.js';
import {
  allocate, broadcastIndex, broadcastShapes, CannotFold, convert, elements, fail, isFloat, required,
  splat, where,
} from './tensor.js';
import { intAttr } from '../../ir/attributes.js';

type Fn = (values: readonly Scalar[], dtype: DType) => Scalar;

/** Applies `fn` elementwise over broadcast inputs; the result has `outDtype`. */
function mapBroadcast(
  ctx: KernelContext,
  tensors: readonly ConstTensor[],
  outDtype: DType,
  fn: (values: readonly Scalar[]) => Scalar,
): ConstTensor {
  const outShape = broadcastShapes(ctx, tensors.map((t) => t.shape));
  if (tensors.every((t) => t.data.kind === 'splat')) {
    const vals = tensors.map((t) => (t.data as { value: Scalar }).value);
    return splat(outDtype, outShape, fn(vals));
  }
  const sources = tensors.map((t) => elements(t));
  const indices = tensors.map((t) => broadcastIndex(t.shape, outShape));
  const n = indices[0]?.length ?? 1;
  const out = allocate(outDtype, n) as unknown as Scalar[];
  const args = new Array<Scalar>(tensors.length);
  for (let k = 0; k < n; k++) {
    for (let a = 0; a < tensors.length; a++) args[a] = (sources[a] as ArrayLike<Scalar>)[(indices[a] as ArrayLike<number>)[k] as number] as Scalar;
    out[k] = convert(fn(args), outDtype);
  }
  return { dtype: outDtype, shape: outShape, data: { kind: 'dense', values: out as unknown as Float32Array } };
}

function sameDtype(ctx: KernelContext, tensors: readonly ConstTensor[]): DType {
  const d = tensors[0]?.dtype;
  if (d === undefined) throw fail(ctx, Codes.MalformedGraph, `node '${ctx.node.name}' has no inputs`);
  for (const t of tensors) {
    if (t.dtype !== d) {
      throw fail(ctx, Codes.ShapeMismatch, `inputs have different element types (${d} and ${t.dtype})`);
    }
  }
  if (d === 'string' || d === 'complex64' || d === 'complex128') throw new CannotFold(`no arithmetic on ${d}`);
  return d;
}

const num = (v: Scalar): number => (typeof v === 'bigint' ? Number(v) : v);

function arith(op: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'Mod'): Fn {
  return ([a, b], dtype) => {
    if (typeof a === 'bigint' && typeof b === 'bigint') {
      switch (op) {
        case 'Add': return a + b;
        case 'Sub': return a - b;
        case 'Mul': return a * b;
        case 'Div': if (b === 0n) throw new CannotFold('integer division by zero'); return a / b;
        case 'Pow': if (b < 0n || b > 64n) throw new CannotFold('integer power out of range'); return a ** b;
        case 'Mod': if (b === 0n) throw new CannotFold('integer modulo by zero'); { const r = a % b; return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r; }
      }
    }
    const x = num(a as Scalar);
    const y = num(b as Scalar);
    const integer = !isFloat(dtype);
    switch (op) {
      case 'Add': return x + y;
      case 'Sub': return x - y;
      case 'Mul': return integer && (dtype === 'int32' || dtype === 'uint32') ? Math.imul(x, y) : x * y;
      case 'Div':
        if (integer) {
          if (y === 0) throw new CannotFold('integer division by zero');
          return Math.trunc(x / y);
        }
        return x / y;
      case 'Pow': return x ** y;
      case 'Mod':
        if (integer) {
          if (y === 0) throw new CannotFold('integer modulo by zero');
          const r = x % y;
          return r !== 0 && r < 0 !== y < 0 ? r + y : r;
        }
        throw new CannotFold('float Mod');
    }
  };
}

function binary(op: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'Mod'): ConstKernel {
  const fn = arith(op);
  return (ctx, inputs) => {
    const a = required(ctx, inputs, 0);
    const b = required(ctx, inputs, 1);
    if (op === 'Mod' && intAttr(ctx.node, 'fmod', 0) !== 0) throw new CannotFold('fmod');
    // Pow allows a different exponent type; the result has the base's type.
    const dtype = op === 'Pow' ? a.dtype : sameDtype(ctx, [a, b]);
    return [mapBroadcast(ctx, [a, b], dtype, (v) => fn(v, dtype))];
  };
}

function compare(op: 'Equal' | 'Less' | 'Greater' | 'LessOrEqual' | 'GreaterOrEqual'): ConstKernel {
  return (ctx, inputs) => {
    const a = required(ctx, inputs, 0);
    const b = required(ctx, inputs, 1);
    sameDtype(ctx, [a, b]);
    return [
      mapBroadcast(ctx, [a, b], 'bool', ([x, y]) => {
        const p = x as Scalar;
        const q = y as Scalar;
        switch (op) {
          case 'Equal': return p === q ? 1 : 0;
          case 'Less': return p < q ? 1 : 0;
          case 'Greater': return p > q ? 1 : 0;
          case 'LessOrEqual': return p <= q ? 1 : 0;
          case 'GreaterOrEqual': return p >= q ? 1 : 0;
        }
      }),
    ];
  };
}

function logic(op: 'And' | 'Or' | 'Xor'): ConstKernel {
  return (ctx, inputs) => {
    const a = required(ctx, inputs, 0);
    const b = required(ctx, inputs, 1);
    return [
      mapBroadcast(ctx, [a, b], 'bool', ([x, y]) => {
        const p = num(x as Scalar) !== 0;
        const q = num(y as Scalar) !== 0;
        return (op === 'And' ? p && q : op === 'Or' ? p || q : p !== q) ? 1 : 0;
      }),
    ];
  };
}

const notKernel: ConstKernel = (ctx, inputs) => {
  const a = required(ctx, inputs, 0);
  return [mapBroadcast(ctx, [a], 'bool', ([x]) => (num(x as Scalar) !== 0 ? 0 : 1))];
};

const whereKernel: ConstKernel = (ctx, inputs) => {
  const c = required(ctx, inputs, 0);
  const x = required(ctx, inputs, 1);
  const y = required(ctx, inputs, 2);
  const dtype = sameDtype(ctx, [x, y]);
  return [mapBroadcast(ctx, [c, x, y], dtype, ([p, a, b]) => (num(p as Scalar) !== 0 ? (a as Scalar) : (b as Scalar)))];
};

function minMax(op: 'Min' | 'Max'): ConstKernel {
  return (ctx, inputs) => {
    const ts = inputs.map((_, i) => required(ctx, inputs, i));
    const dtype = sameDtype(ctx, ts);
    return [
      mapBroadcast(ctx, ts, dtype, (vals) => {
        let best = vals[0] as Scalar;
        for (const v of vals) {
          if (typeof v === 'number' && Number.isNaN(v)) return NaN;
          if (op === 'Min' ? v < best : v > best) best = v;
        }
        return best;
      }),
    ];
  };
}

function unary(op: 'Floor' | 'Ceil' | 'Sqrt' | 'Neg' | 'Abs' | 'Reciprocal' | 'Relu' | 'Exp' | 'Log' | 'Sign'): ConstKernel {
  return (ctx, inputs) => {
    const a = required(ctx, inputs, 0);
    const dtype = sameDtype(ctx, [a]);
    const floatOnly = op === 'Floor' || op === 'Ceil' || op === 'Sqrt' || op === 'Reciprocal' || op === 'Exp' || op === 'Log';
    if (floatOnly && !isFloat(dtype)) throw new CannotFold(`${op} of ${dtype}`);
    return [
      mapBroadcast(ctx, [a], dtype, ([x]) => {
        const v = x as Scalar;
        if (typeof v === 'bigint') {
          switch (op) {
            case 'Neg': return -v;
            case 'Abs': return v < 0n ? -v : v;
            case 'Relu': return v < 0n ? 0n : v;
            case 'Sign': return v > 0n ? 1n : v < 0n ? -1n : 0n;
            default: throw new CannotFold(`${op} of int64`);
          }
        }
        switch (op) {
          case 'Floor': return Math.floor(v);
          case 'Ceil': return Math.ceil(v);
          case 'Sqrt': return Math.sqrt(v);
          case 'Neg': return -v;
          case 'Abs': return Math.abs(v);
          case 'Reciprocal': return 1 / v;
          case 'Relu': return Math.max(0, v);
          case 'Exp': return Math.exp(v);
          case 'Log': return Math.log(v);
          case 'Sign': return Math.sign(v);
        }
      }),
    ];
  };
}

const castKernel: ConstKernel = (ctx, inputs) => {
  const a = required(ctx, inputs, 0);
  const to = ctx.node.attributes.get('to');
  if (!to || to.type !== 'int') throw fail(ctx, Codes.BadAttribute, "Cast needs an integer attribute 'to'");
  const dtype = dtypeFromOnnx(to.value, where(ctx));
  if (a.dtype === 'string' || dtype === 'string') throw new CannotFold('string Cast');
  if (a.data.kind === 'splat') return [splat(dtype, a.shape, castValue(a.data.value, dtype))];
  const src = elements(a);
  const out = allocate(dtype, src.length) as unknown as Scalar[];
  for (let i = 0; i < src.length; i++) out[i] = convert(castValue(src[i] as Scalar, dtype), dtype);
  return [{ dtype, shape: [...a.shape], data: { kind: 'dense', values: out as unknown as Float32Array } }];
};

/** Cast semantics: float -> integer truncates toward zero; NaN/inf to an integer cannot be folded. */
function castValue(v: Scalar, dtype: DType): Scalar {
  if (typeof v === 'number' && !isFloat(dtype) && dtype !== 'bool' && !Number.isFinite(v)) {
    throw new CannotFold('non-finite value cast to an integer');
  }
  return v;
}

export const ELEMENTWISE_KERNELS: ReadonlyMap<string, ConstKernel> = new Map<string, ConstKernel>([
  ['Add', binary('Add')],
  ['Sub', binary('Sub')],
  ['Mul', binary('Mul')],
  ['Div', binary('Div')],
  ['Pow', binary('Pow')],
  ['Mod', binary('Mod')],
  ['Equal', compare('Equal')],
  ['Less', compare('Less')],
  ['Greater', compare('Greater')],
  ['LessOrEqual', compare('LessOrEqual')],
  ['GreaterOrEqual', compare('GreaterOrEqual')],
  ['And', logic('And')],
  ['Or', logic('Or')],
  ['Xor', logic('Xor')],
  ['Not', notKernel],
  ['Where', whereKernel],
  ['Min', minMax('Min')],
  ['Max', minMax('Max')],
  ['Floor', unary('Floor')],
  ['Ceil', unary('Ceil')],
  ['Sqrt', unary('Sqrt')],
  ['Neg', unary('Neg')],
  ['Abs', unary('Abs')],
  ['Reciprocal', unary('Reciprocal')],
  ['Relu', unary('Relu')],
  ['Exp', unary('Exp')],
  ['Log', unary('Log')],
  ['Sign', unary('Sign')],
  ['Cast', castKernel],
]);
