/**
 * Element-wise kernels: unary activations and math (mpg_unary with the runtime op and its two
 * parameters), Clip with constant or run-time bounds, Gelu, and the broadcasting binary ops
 * (mpg_binary; Sum, Mean, Max and Min over any number of inputs).
 */
import type { OpNode } from '../../ir/graph.js';
import { floatAttr, intAttr, stringAttr } from '../../ir/attributes.js';
import { cFloat } from '../c-literals.js';
import { unsupported } from '../context.js';
import type { Emit } from './operands.js';
import { check, inputView, scalarOf } from './operands.js';

/** ONNX unary ops -> runtime op and its (a, b) parameters. */
const UNARY: Record<string, (n: OpNode) => [string, number, number]> = {
  Relu: () => ['MP_UN_RELU', 0, 0],
  LeakyRelu: (n) => ['MP_UN_LEAKYRELU', floatAttr(n, 'alpha', 0.01), 0],
  Sigmoid: () => ['MP_UN_SIGMOID', 0, 0],
  HardSigmoid: (n) => ['MP_UN_HARDSIGMOID', floatAttr(n, 'alpha', 0.2), floatAttr(n, 'beta', 0.5)],
  HardSwish: () => ['MP_UN_HARDSWISH', 0, 0],
  Tanh: () => ['MP_UN_TANH', 0, 0],
  Sqrt: () => ['MP_UN_SQRT', 0, 0],
  Exp: () => ['MP_UN_EXP', 0, 0],
  Log: () => ['MP_UN_LOG', 0, 0],
  Abs: () => ['MP_UN_ABS', 0, 0],
  Neg: () => ['MP_UN_NEG', 0, 0],
  Reciprocal: () => ['MP_UN_RECIPROCAL', 0, 0],
  Erf: () => ['MP_UN_ERF', 0, 0],
  Floor: () => ['MP_UN_FLOOR', 0, 0],
  Ceil: () => ['MP_UN_CEIL', 0, 0],
  Elu: (n) => ['MP_UN_ELU', floatAttr(n, 'alpha', 1), 0],
  Selu: (n) => ['MP_UN_SELU', floatAttr(n, 'alpha', 1.67326319217681884765625), floatAttr(n, 'gamma', 1.05070102214813232421875)],
  Softplus: () => ['MP_UN_SOFTPLUS', 0, 0],
  Softsign: () => ['MP_UN_SOFTSIGN', 0, 0],
  Sign: () => ['MP_UN_SIGN', 0, 0],
  Round: () => ['MP_UN_ROUND', 0, 0],
  Sin: () => ['MP_UN_SIN', 0, 0],
  Cos: () => ['MP_UN_COS', 0, 0],
  Tan: () => ['MP_UN_TAN', 0, 0],
  Asin: () => ['MP_UN_ASIN', 0, 0],
  Acos: () => ['MP_UN_ACOS', 0, 0],
  Atan: () => ['MP_UN_ATAN', 0, 0],
  Sinh: () => ['MP_UN_SINH', 0, 0],
  Cosh: () => ['MP_UN_COSH', 0, 0],
  Asinh: () => ['MP_UN_ASINH', 0, 0],
  Acosh: () => ['MP_UN_ACOSH', 0, 0],
  Atanh: () => ['MP_UN_ATANH', 0, 0],
  ThresholdedRelu: (n) => ['MP_UN_THRESHOLDEDRELU', floatAttr(n, 'alpha', 1), 0],
  Celu: (n) => ['MP_UN_CELU', floatAttr(n, 'alpha', 1), 0],
  Mish: () => ['MP_UN_MISH', 0, 0],
  Shrink: (n) => ['MP_UN_SHRINK', floatAttr(n, 'lambd', 0.5), floatAttr(n, 'bias', 0)],
  Identity: () => ['MP_UN_IDENTITY', 0, 0],
  Dropout: () => ['MP_UN_IDENTITY', 0, 0],
};

const BINARY: Record<string, string> = {
  Add: 'MP_BIN_ADD',
  Sub: 'MP_BIN_SUB',
  Mul: 'MP_BIN_MUL',
  Div: 'MP_BIN_DIV',
  Pow: 'MP_BIN_POW',
  Max: 'MP_BIN_MAX',
  Min: 'MP_BIN_MIN',
  PRelu: 'MP_BIN_PRELU',
  Sum: 'MP_BIN_ADD',
  Mean: 'MP_BIN_ADD',
};

/** The emitter of each op (the op table's 'elementwise' kernel rows). */
export const ELEMENTWISE_KERNELS: Readonly<Record<string, (e: Emit) => void>> = {
  ...Object.fromEntries(Object.entries(UNARY).map(([op, params]) => [op, (e: Emit) => unary(e, ...params(e.node))])),
  ...Object.fromEntries(Object.keys(BINARY).map((op) => [op, (e: Emit) => binary(e, op)])),
  Clip: clip,
  Gelu: (e) => unary(e, stringAttr(e.node, 'approximate', 'none') === 'tanh' ? 'MP_UN_GELU_TANH' : 'MP_UN_GELU', 0, 0),
  Mod: (e) => {
    if (intAttr(e.node, 'fmod', 0) !== 1) unsupported(e.node, 'integer Mod (fmod=0) has no float kernel');
    binary(e, 'Mod');
  },
};

function unary(e: Emit, op: string, a: number, b: number): void {
  const x = inputView(e, 0);
  check(e, `mpg_unary(${op}, ${cFloat(a)}, ${cFloat(b)}, &${x}, &${e.outs[0]})`);
}

function clip(e: Emit): void {
  const n = e.node;
  let lo = -Infinity;
  let hi = Infinity;
  if (n.attributes.has('min') || n.attributes.has('max')) {
    lo = floatAttr(n, 'min', -Infinity);
    hi = floatAttr(n, 'max', Infinity);
  }
  const runtime: string[] = [cFloat(lo), cFloat(hi)];
  for (const [i, set] of [[1, (v: number) => (lo = v)], [2, (v: number) => (hi = v)]] as const) {
    const name = n.inputs[i] ?? '';
    if (name === '') continue;
    const view = e.views.get(name);
    if (view !== undefined) {
      // A bound computed at run time: one value, read when the layer runs.
      runtime[i - 1] = `${view}.data[0]`;
      continue;
    }
    const wref = e.ctx.graph.weights.get(name);
    if (!wref) unsupported(n, `Clip bound '${name}' is neither an activation nor a constant`);
    set(scalarOf(wref));
    runtime[i - 1] = cFloat(i === 1 ? lo : hi);
  }
  const x = inputView(e, 0);
  check(e, `mpg_unary(MP_UN_CLIP, ${runtime[0]}, ${runtime[1]}, &${x}, &${e.outs[0]})`);
}

function binary(e: Emit, op: string): void {
  const y = e.outs[0]!;
  const inputs = e.node.inputs.filter((i) => i !== '');
  if (op === 'Sum' || op === 'Mean' || op === 'Max' || op === 'Min') {
    if (inputs.length === 1) {
      check(e, `mpg_copy(&${inputView(e, 0, y)}, &${y})`);
      return;
    }
  }
  if (inputs.length < 2) unsupported(e.node, `${op} needs two inputs`);
  const kop = op === 'Mod' ? 'MP_BIN_MOD_FMOD' : BINARY[op]!;
  const a = inputView(e, 0, y);
  const b = inputView(e, 1, y);
  check(e, `mpg_binary(${kop}, &${a}, &${b}, &${y})`);
  for (let i = 2; i < e.node.inputs.length; i++) {
    if ((e.node.inputs[i] ?? '') === '') continue;
    const c = inputView(e, i, y);
    check(e, `mpg_binary(${kop}, &${y}, &${c}, &${y})`);
  }
  if (op === 'Mean') check(e, `mpg_unary(MP_UN_SCALE, ${cFloat(1 / inputs.length)}, 0.0f, &${y}, &${y})`);
}
