/**
 * Compute statements: one runtime kernel call (or a few) per op, on the views of its operands.
 * Weights are the constant arrays of model_weights.c (dense) or a value (splat, kept compact).
 * Ops without a kernel raise MP701 naming the node; nothing is ever emitted as a guess.
 */
import type { ConstTensor, OpNode } from '../ir/graph.js';
import type { LayerSchedule, Stmt } from '../ir/loop.js';
import type { CWriter } from './c-writer.js';
import { safeComment } from './c-writer.js';
import { cFloat } from './c-literals.js';
import type { CodegenContext, WeightRef } from './context.js';
import { unsupported } from './context.js';
import { floatAttr, floatsAttr, intAttr, intsAttr, stringAttr } from '../ir/attributes.js';
import { resolvePads, sliceBounds, windowAttrs } from '../ir/geometry.js';

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

/** ONNX reduce ops -> runtime reduction. */
const REDUCE: Record<string, string> = {
  ReduceSum: 'MP_RED_SUM', ReduceMean: 'MP_RED_MEAN', ReduceMax: 'MP_RED_MAX', ReduceMin: 'MP_RED_MIN', ReduceProd: 'MP_RED_PROD',
  ReduceL1: 'MP_RED_L1', ReduceL2: 'MP_RED_L2', ReduceLogSum: 'MP_RED_LOGSUM', ReduceLogSumExp: 'MP_RED_LOGSUMEXP',
  ReduceSumSquare: 'MP_RED_SUMSQUARE',
};

/** Ops emitted by this module (for tests and the conformance count). */
export const SUPPORTED_OPS: readonly string[] = [
  ...Object.keys(UNARY), ...Object.keys(BINARY), 'Clip', 'Gelu', 'Mod', 'Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'GlobalMaxPool', 'BatchNormalization', 'Gemm', 'MatMul', 'Softmax', 'LogSoftmax', 'LRN', ...Object.keys(REDUCE),
  'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Concat', 'Pad', 'Slice', 'Gather', 'Expand', 'Tile', 'Resize',
  'Upsample', 'Cast',
].sort();

/** A scalar float from a constant (first element; splat value). */
function scalarOf(t: ConstTensor): number {
  if (t.data.kind === 'splat') return Number(t.data.value);
  if (t.data.kind === 'dense') {
    const v = t.data.values[0];
    return v === undefined ? 0 : Number(v);
  }
  throw new Error('string constant');
}

/** Every element of a numeric constant as a number (a splat expanded); throws on strings. */
function numbersOf(t: ConstTensor): number[] {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.kind === 'splat') return Array.from({ length: count }, () => Number((t.data as { value: number | bigint }).value));
  if (t.data.kind === 'dense') return Array.from(t.data.values as ArrayLike<number | bigint>, (v) => Number(v));
  throw new Error('string constant');
}

interface Emit {
  readonly ctx: CodegenContext;
  readonly w: CWriter;
  readonly node: OpNode;
  readonly layer: LayerSchedule;
  /** Activation input tensor -> view variable. */
  readonly views: ReadonlyMap<string, string>;
  readonly outs: readonly string[];
  readonly fresh: () => string;
}

export function emitCompute(
  ctx: CodegenContext,
  w: CWriter,
  node: OpNode,
  layer: LayerSchedule,
  views: ReadonlyMap<string, string>,
  outs: readonly string[],
  fresh: () => string,
): void {
  const e: Emit = { ctx, w, node, layer, views, outs, fresh };
  const op = node.domain === '' || node.domain === 'ai.onnx' ? node.opType : `${node.domain}.${node.opType}`;
  for (const o of node.outputs.slice(1)) {
    // A second output nobody reads (e.g. Dropout's mask) is left unwritten.
    const read = ctx.graph.outputs.includes(o) || ctx.graph.nodes.some((m) => m.inputs.includes(o));
    if (o !== '' && ctx.graph.tensors.has(o) && read) unsupported(node, `output '${o}' is read, but only the first output has a kernel`);
  }
  if (UNARY[op]) return unary(e, ...UNARY[op](node));
  if (BINARY[op]) return binary(e, op);
  switch (op) {
    case 'Clip':
      return clip(e);
    case 'Gelu':
      return unary(e, stringAttr(node, 'approximate', 'none') === 'tanh' ? 'MP_UN_GELU_TANH' : 'MP_UN_GELU', 0, 0);
    case 'Mod':
      if (intAttr(node, 'fmod', 0) !== 1) unsupported(node, 'integer Mod (fmod=0) has no float kernel');
      return binary(e, 'Mod');
    case 'Conv':
      return conv(e);
    case 'MaxPool':
    case 'AveragePool':
      return pool(e, op);
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return globalPool(e, op === 'GlobalMaxPool');
    case 'BatchNormalization':
      return batchnorm(e);
    case 'Gemm':
    case 'MatMul':
      return gemm(e, op);
    case 'Softmax':
    case 'LogSoftmax':
      return softmax(e, op === 'LogSoftmax');
    case 'LRN':
      return lrn(e);
    case 'Reshape':
    case 'Flatten':
    case 'Squeeze':
    case 'Unsqueeze':
      return flatCopy(e);
    case 'Transpose':
      return transpose(e);
    case 'Pad':
      return pad(e);
    case 'Slice':
      return slice(e);
    case 'Gather':
      return gather(e);
    case 'Expand':
      return expand(e);
    case 'Tile':
      return tile(e);
    case 'Resize':
    case 'Upsample':
      return resize(e);
    case 'Concat':
      return concat(e);
    case 'Cast':
      if (e.ctx.tensor(node.outputs[0]!).dtype !== 'float32') unsupported(node, 'Cast to a type other than float32');
      return flatCopy(e);
    default:
      if (op.startsWith('Reduce')) return reduce(e, op);
      unsupported(node, 'no C kernel for this operator');
  }
}

/** The view of node input i: an activation view, or a weight view (dense or splat) built here. */
function inputView(e: Emit, i: number, outView?: string): string {
  const name = e.node.inputs[i] ?? '';
  if (name === '') unsupported(e.node, `input ${i} is missing`);
  const v = e.views.get(name);
  if (v !== undefined) return v;
  const wref = e.ctx.weight(name);
  if (!wref) unsupported(e.node, `input '${name}' is neither an activation operand nor a weight`);
  requireFloat(e, wref);
  const shape = wref.tensor.shape.length === 0 ? [1] : [...wref.tensor.shape];
  const R = shape.length;
  const t = e.fresh();
  if (wref.tensor.data.kind === 'splat') {
    e.w.line(`static const float ${t}_value[1] = {${wref.cName}_VALUE};`);
    e.w.line(`mpg_view ${t};`);
    // One value broadcast along every dim (extent 1, stride 0), whatever window of the output is computed.
    e.w.line(`const long ${t}_ex[${R}] = {${shape.map(() => '1').join(', ')}};`);
    e.w.line(`mpg_view_splat(&${t}, ${t}_value, ${R}, ${t}_ex); /* ${safeComment(name)}: one value for all ${shape.reduce((a, b) => a * b, 1)} elements */`);
    return t;
  }
  e.w.line(`mpg_view ${t};`);
  e.w.line(`const long ${t}_full[${R}] = {${shape.join(', ')}};`);
  e.w.line(`long ${t}_st[${R}] = {${shape.map(() => '0').join(', ')}};`);
  e.w.line(`long ${t}_ex[${R}] = {${shape.join(', ')}};`);
  if (outView !== undefined) {
    // A weight dim that matches a split output dim is read at the output's window.
    const outShape = e.ctx.shapeOf(e.node.outputs[0]!);
    const off = outShape.length - R;
    for (let d = 0; d < R; d++) {
      if (shape[d]! > 1 && d + off >= 0 && shape[d] === outShape[d + off]) {
        e.w.line(`${t}_st[${d}] = ${outView}.start[${d + off}];`);
        e.w.line(`${t}_ex[${d}] = ${outView}.ext[${d + off}];`);
      }
    }
  }
  e.w.line(`mpg_view_in(&${t}, (float *)${wref.cName}, ${R}, ${t}_full, ${t}_st, ${t}_ex); /* weight ${safeComment(name)} */`);
  return t;
}

/**
 * A whole-tensor float pointer for input i: a dense weight array, or an activation operand whose
 * window is the whole tensor (checked at run time). Splat weights return undefined.
 */
function wholePointer(e: Emit, i: number, what: string): { ptr: string; splat?: string; shape: readonly number[] } | undefined {
  const name = e.node.inputs[i] ?? '';
  if (name === '') return undefined;
  const v = e.views.get(name);
  if (v !== undefined) {
    e.w.line(`if (!mpg_is_whole(&${v})) return MP_EPARAM; /* ${what} is read whole */`);
    return { ptr: `${v}.data`, shape: e.ctx.shapeOf(name) };
  }
  const wref = e.ctx.weight(name);
  if (!wref) unsupported(e.node, `${what} '${name}' is neither an activation nor a weight`);
  requireFloat(e, wref);
  if (wref.tensor.data.kind === 'splat') return { ptr: 'NULL', splat: `${wref.cName}_VALUE`, shape: wref.tensor.shape };
  return { ptr: wref.cName, shape: wref.tensor.shape };
}

function requireFloat(e: Emit, w: WeightRef): void {
  if (w.tensor.dtype !== 'float32') unsupported(e.node, `weight '${w.name}' is ${w.tensor.dtype}; only float32 weights have kernels`);
}

function check(e: Emit, call: string): void {
  e.w.line(`MPG_CHECK(${call});`);
}

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

/** Spatial attributes of conv and pools for 1-D (rank 3, mapped to kh x 1) and 2-D (rank 4). */
interface Spatial {
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly pt: number;
  readonly pl: number;
  readonly pb: number;
  readonly pr: number;
}

function spatial(e: Emit, kernel: readonly number[]): Spatial {
  const n = e.node;
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const sd = xs.length - 2;
  if (sd !== 1 && sd !== 2) unsupported(n, `${sd}-D spatial ${n.opType} has no kernel (1-D and 2-D only)`);
  const { strides, dilations: dil, autoPad, pads } = windowAttrs(n, sd);
  const { begin, end } = resolvePads(autoPad, { inSizes: xs.slice(2), outSizes: ys.slice(2), kernel, strides, dilations: dil, pads });
  if (sd === 1) {
    return { kh: kernel[0]!, kw: 1, sh: strides[0]!, sw: 1, dh: dil[0]!, dw: 1, pt: begin[0]!, pl: 0, pb: end[0]!, pr: 0 };
  }
  return { kh: kernel[0]!, kw: kernel[1]!, sh: strides[0]!, sw: strides[1]!, dh: dil[0]!, dw: dil[1]!, pt: begin[0]!, pl: begin[1]!, pb: end[0]!, pr: end[1]! };
}

function windows(e: Emit, x: string, y: string): [string, string] {
  const xw = `${x}_w`;
  const yw = `${y}_w`;
  e.w.line(`mp_window ${xw}, ${yw};`);
  check(e, `mpg_window(&${x}, &${xw})`);
  check(e, `mpg_window(&${y}, &${yw})`);
  return [xw, yw];
}

function conv(e: Emit): void {
  const n = e.node;
  const x = e.views.get(n.inputs[0]!);
  if (x === undefined) unsupported(n, 'Conv input must be an activation');
  const wt = wholePointer(e, 1, 'the weight');
  if (!wt) unsupported(n, 'Conv needs weights');
  const s = spatial(e, intsAttr(n, 'kernel_shape') ?? wt.shape.slice(2));
  const group = intAttr(n, 'group', 1);
  const bias = wholePointer(e, 2, 'the bias');
  const [xw, yw] = windows(e, x, e.outs[0]!);
  e.w.line(`const mp_conv_params p = {${s.kh}, ${s.kw}, ${s.sh}, ${s.sw}, ${s.dh}, ${s.dw}, ${s.pt}, ${s.pl}, ${group}, {MP_ACT_NONE, 0.0f, 0.0f}};`);
  if (wt.splat !== undefined) {
    e.w.comment('every weight is the same value: sum the window, then scale');
    check(e, `mpg_conv_splat(&${xw}, &${yw}, ${wt.splat}, ${bias && bias.splat === undefined ? bias.ptr : 'NULL'}, ${bias?.splat ?? '0.0f'}, &p)`);
    return;
  }
  check(e, `mp_conv2d(&${xw}, &${yw}, ${wt.ptr}, ${bias && bias.splat === undefined ? bias.ptr : 'NULL'}, &p)`);
  if (bias?.splat !== undefined) {
    e.w.comment(`bias ${n.inputs[2]} is one value for every channel: added after the convolution`);
    check(e, `mpg_unary(MP_UN_SCALE, 1.0f, ${bias.splat}, &${e.outs[0]}, &${e.outs[0]})`);
  }
}

function pool(e: Emit, op: string): void {
  const n = e.node;
  const kernel = intsAttr(n, 'kernel_shape');
  if (!kernel) unsupported(n, 'kernel_shape is required');
  const s = spatial(e, kernel);
  const x = e.views.get(n.inputs[0]!);
  if (x === undefined) unsupported(n, 'pool input must be an activation');
  if (op === 'AveragePool' && (s.dh !== 1 || s.dw !== 1)) unsupported(n, 'dilated AveragePool');
  const [xw, yw] = windows(e, x, e.outs[0]!);
  const cip = op === 'AveragePool' ? intAttr(n, 'count_include_pad', 0) : 0;
  e.w.line(`const mp_pool_params p = {${s.kh}, ${s.kw}, ${s.sh}, ${s.sw}, ${s.dh}, ${s.dw}, ${s.pt}, ${s.pl}, ${s.pb}, ${s.pr}, ${cip}};`);
  check(e, `${op === 'MaxPool' ? 'mp_maxpool2d' : 'mp_avgpool2d'}(&${xw}, &${yw}, &p)`);
}

function globalPool(e: Emit, isMax: boolean): void {
  const x = inputView(e, 0);
  check(e, `mpg_global_pool(${isMax ? 1 : 0}, &${x}, &${e.outs[0]})`);
}

function batchnorm(e: Emit): void {
  const n = e.node;
  const eps = floatAttr(n, 'epsilon', 1e-5);
  const x = inputView(e, 0);
  const refs = [1, 2, 3, 4].map((i) => e.ctx.graph.weights.get(n.inputs[i] ?? ''));
  if (refs.every((r) => r !== undefined && r.dtype === 'float32' && r.data.kind === 'splat')) {
    const [scale, bias, mean, vr] = refs.map((r) => scalarOf(r!)) as [number, number, number, number];
    const f = Math.fround;
    const a = f(f(scale) / f(Math.sqrt(f(f(vr) + f(eps)))));
    const b = f(f(bias) - f(f(mean) * a));
    e.w.comment(`scale, bias, mean and var are one value each: y = ${a} * x + ${b}`);
    check(e, `mpg_unary(MP_UN_SCALE, ${cFloat(a)}, ${cFloat(b)}, &${x}, &${e.outs[0]})`);
    return;
  }
  const ptrs = ['scale', 'bias', 'mean', 'var'].map((what, k) => {
    const p = wholePointer(e, k + 1, `the ${what}`);
    if (!p || p.splat !== undefined) unsupported(n, `BatchNormalization ${what} must be a dense tensor when the others are`);
    return p.ptr;
  });
  check(e, `mpg_batchnorm(&${x}, &${e.outs[0]}, ${ptrs.join(', ')}, ${cFloat(eps)})`);
}

function gemm(e: Emit, op: string): void {
  const n = e.node;
  const isGemm = op === 'Gemm';
  const transA = isGemm ? intAttr(n, 'transA', 0) : 0;
  const transB = isGemm ? intAttr(n, 'transB', 0) : 0;
  const alpha = isGemm ? floatAttr(n, 'alpha', 1) : 1;
  const beta = isGemm ? floatAttr(n, 'beta', 1) : 1;
  const aName = n.inputs[0] ?? '';
  const bName = n.inputs[1] ?? '';
  const a = e.views.get(aName);
  if (a === undefined) unsupported(n, 'the A operand must be an activation');
  if (!isGemm && e.views.has(bName) && e.layer.tile.splits.length === 0) return batchedMatmul(e, a, e.views.get(bName)!);
  const as = e.ctx.shapeOf(aName);
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const M = ys[ys.length - 2] ?? 1;
  if (transA && M !== 1) return gemmTransA(e, a, transB, alpha, beta);
  const bView = e.views.get(bName);
  const bref = bView === undefined ? e.ctx.weight(bName) : undefined;
  if (bView === undefined && !bref) unsupported(n, 'the B operand must be an activation or a weight');
  if (bref) requireFloat(e, bref);
  if ((bref ? bref.tensor.shape : e.ctx.shapeOf(bName)).length !== 2) unsupported(n, 'B must be a matrix');
  const K = transA ? as[as.length - 2]! : as[as.length - 1]!;
  const N = ys[ys.length - 1]!;
  let c = 'NULL';
  let cRows = 1;
  let cCols = 1;
  const cName = isGemm ? (n.inputs[2] ?? '') : '';
  if (cName !== '' && e.views.has(cName)) {
    const cv = e.views.get(cName)!;
    const cs = e.ctx.shapeOf(cName);
    [cRows, cCols] = matrixDims(cs);
    if ((cCols !== 1 && cCols !== N) || (cRows !== 1 && cRows !== M) || cs.length > 2) unsupported(n, 'C does not broadcast to [M][N]');
    e.w.line(`if (!mpg_is_whole(&${cv})) return MP_EPARAM; /* C is read whole */`);
    c = `${cv}.data`;
  } else if (cName !== '') {
    const cref = e.ctx.weight(cName);
    if (!cref) unsupported(n, 'the C operand must be constant');
    requireFloat(e, cref);
    [cRows, cCols] = matrixDims(cref.tensor.shape);
    if ((cCols !== 1 && cCols !== N) || (cRows !== 1 && cRows !== M)) unsupported(n, 'C does not broadcast to [M][N]');
    if (cref.tensor.data.kind === 'splat') {
      const t = e.fresh();
      e.w.line(`static const float ${t}_c[1] = {${cref.cName}_VALUE};`);
      c = `${t}_c`;
      cRows = 1;
      cCols = 1;
    } else c = cref.cName;
  }
  // A with transA and one row is the same memory as A without it.
  if (bView !== undefined) {
    // B's window follows the output columns; a column window of a resident B is not contiguous.
    const colSplit = e.layer.tile.splits.some((sp) => sp.dim === ys.length - 1);
    const bResident = !e.ctx.isTile(bufferOfView(e, bName));
    if (colSplit && bResident && !transB) unsupported(n, 'a column tile of a resident activation B has no contiguous kernel layout');
    check(e, `mpg_gemm_view_b(&${a}, &${bView}, ${transB}, ${c}, ${cRows}, ${cCols}, &${e.outs[0]}, ${K}, ${cFloat(alpha)}, ${cFloat(beta)})`);
    return;
  }
  if (bref!.tensor.data.kind === 'splat') {
    check(e, `mpg_gemm_splat_b(&${a}, ${bref!.cName}_VALUE, ${c}, ${cRows}, ${cCols}, &${e.outs[0]}, ${K}, ${cFloat(alpha)}, ${cFloat(beta)})`);
    return;
  }
  const bArr = transB ? bref!.cName : e.ctx.transposedWeight(bName).cName;
  if (!transB) e.w.comment(`B (${bName}) is stored transposed as [${N}][${K}] for the kernel`);
  check(e, `mpg_gemm_b(&${a}, ${bArr}, 1, ${N}, ${c}, ${cRows}, ${cCols}, &${e.outs[0]}, ${K}, ${cFloat(alpha)}, ${cFloat(beta)})`);
}

/** Rows and columns of Gemm's C as it broadcasts to [M][N]: its last two dims, 1 where absent. */
function matrixDims(cs: readonly number[]): [number, number] {
  return [cs.length >= 2 ? cs[cs.length - 2]! : 1, cs.length >= 1 ? cs[cs.length - 1]! : 1];
}

/** Gemm with transA and several rows: computed whole by mp_gemm (A is [K][M]). */
function gemmTransA(e: Emit, a: string, transB: number, alpha: number, beta: number): void {
  const n = e.node;
  if (e.layer.tile.splits.length > 0) unsupported(n, 'a tiled Gemm with transA');
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const as = e.ctx.shapeOf(n.inputs[0]!);
  const [M, N] = [ys[0]!, ys[1]!];
  const K = as[0]!;
  const b = wholePointer(e, 1, 'B');
  if (!b || b.splat !== undefined) unsupported(n, 'a constant-filled B with transA');
  const c = wholePointer(e, 2, 'C');
  if (c?.splat !== undefined) unsupported(n, 'a constant-filled C with transA');
  const cs = c ? (e.views.has(n.inputs[2]!) ? e.ctx.shapeOf(n.inputs[2]!) : [...c.shape]) : [];
  const [cRows, cCols] = matrixDims(cs);
  const y = e.outs[0]!;
  e.w.line(`if (!mpg_is_whole(&${a}) || !mpg_is_whole(&${y})) return MP_EPARAM;`);
  e.w.line(`{ const mp_act none = {MP_ACT_NONE, 0.0f, 0.0f}; mp_gemm(${a}.data, ${b.ptr}, ${c ? c.ptr : 'NULL'}, ${y}.data, ${M}, ${N}, ${K}, 1, ${transB}, ${cFloat(alpha)}, ${cFloat(beta)}, ${cRows}, ${cCols}, 0, ${M}, none); }`);
}

/** MatMul of two activations computed whole, with ONNX batch broadcasting (mp_matmul). */
function batchedMatmul(e: Emit, a: string, b: string): void {
  const n = e.node;
  const as = e.ctx.tensor(n.inputs[0]!).shape;
  const bs = e.ctx.tensor(n.inputs[1]!).shape;
  if (as.length === 0 || bs.length === 0) unsupported(n, 'MatMul of scalars');
  const aM = as.length === 1 ? [1, as[0]!] : as.slice(-2);
  const bM = bs.length === 1 ? [bs[0]!, 1] : bs.slice(-2);
  const [M, K] = aM as [number, number];
  const N = bM[1]!;
  if (bM[0] !== K) unsupported(n, 'inner dimensions differ');
  const aBatch = as.length > 2 ? as.slice(0, -2) : [];
  const bBatch = bs.length > 2 ? bs.slice(0, -2) : [];
  const rank = Math.max(aBatch.length, bBatch.length);
  if (rank > 8) unsupported(n, 'more than 8 batch dims');
  const batch: number[] = [];
  const aStr: number[] = [];
  const bStr: number[] = [];
  const stridesOf = (dims: readonly number[], inner: number) => {
    const st: number[] = [];
    let acc = inner;
    for (let d = dims.length - 1; d >= 0; d--) {
      st[d] = acc;
      acc *= dims[d]!;
    }
    return st;
  };
  const aS = stridesOf(aBatch, M * K);
  const bS = stridesOf(bBatch, K * N);
  for (let d = 0; d < rank; d++) {
    const ad = d - (rank - aBatch.length);
    const bd = d - (rank - bBatch.length);
    const ae = ad >= 0 ? aBatch[ad]! : 1;
    const be = bd >= 0 ? bBatch[bd]! : 1;
    batch.push(Math.max(ae, be));
    aStr.push(ae === 1 ? 0 : aS[ad]!);
    bStr.push(be === 1 ? 0 : bS[bd]!);
  }
  const t = e.fresh();
  const arr = (xs: number[]) => (xs.length === 0 ? '{0}' : `{${xs.join(', ')}}`);
  e.w.line(`const long ${t}_batch[${Math.max(1, rank)}] = ${arr(batch)};`);
  e.w.line(`const long ${t}_as[${Math.max(1, rank)}] = ${arr(aStr)};`);
  e.w.line(`const long ${t}_bs[${Math.max(1, rank)}] = ${arr(bStr)};`);
  e.w.line(`const mp_act ${t}_act = {MP_ACT_NONE, 0.0f, 0.0f};`);
  e.w.line(`if (!mpg_is_whole(&${a}) || !mpg_is_whole(&${b}) || !mpg_is_whole(&${e.outs[0]})) return MP_EPARAM;`);
  check(e, `mp_matmul(${a}.data, ${b}.data, ${e.outs[0]}.data, ${rank}, ${t}_batch, ${t}_as, ${t}_bs, ${M}, ${N}, ${K}, ${t}_act)`);
}

/** The buffer holding an activation operand in this layer's compute statement. */
function bufferOfView(e: Emit, tensor: string): string {
  const find = (body: readonly Stmt[]): string | undefined => {
    for (const st of body) {
      if (st.kind === 'compute') {
        const o = st.inputs.find((x) => x.region.tensor === tensor);
        if (o) return o.buffer;
      } else if (st.kind === 'loop') {
        const r = find(st.body);
        if (r) return r;
      }
    }
    return undefined;
  };
  return find(e.layer.body) ?? '';
}

function softmax(e: Emit, log: boolean): void {
  const n = e.node;
  const R = e.ctx.shapeOf(n.inputs[0]!).length;
  const opset13 = e.ctx.graph.opsetVersion >= 13;
  const raw = intAttr(n, 'axis', opset13 ? -1 : 1);
  const axis = raw < 0 ? raw + R : raw;
  const x = inputView(e, 0);
  check(e, `mpg_softmax(&${x}, &${e.outs[0]}, ${axis}, ${opset13 ? 0 : 1}, ${log ? 1 : 0})`);
}

function lrn(e: Emit): void {
  const n = e.node;
  const x = inputView(e, 0);
  check(e, `mpg_lrn(&${x}, &${e.outs[0]}, ${intAttr(n, 'size', 1)}, ${cFloat(floatAttr(n, 'alpha', 1e-4))}, ${cFloat(floatAttr(n, 'beta', 0.75))}, ${cFloat(floatAttr(n, 'bias', 1))})`);
}

function reduce(e: Emit, op: string): void {
  const n = e.node;
  const kop = REDUCE[op];
  if (!kop) unsupported(n, 'no C kernel for this operator');
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const R = xs.length;
  let axes: number[] | undefined = intsAttr(n, 'axes') ? [...intsAttr(n, 'axes')!] : undefined;
  const axesInput = n.inputs[1] ?? '';
  if (axesInput !== '') {
    const t = e.ctx.graph.weights.get(axesInput);
    if (!t) unsupported(n, 'reduction axes must be constant');
    axes = numbersOf(t);
  }
  if (!axes || axes.length === 0) {
    if (intAttr(n, 'noop_with_empty_axes', 0) === 1) axes = [];
    else axes = [...Array(R).keys()];
  }
  let mask = 0;
  for (const a of axes) mask |= 1 << (a < 0 ? a + R : a);
  const x = inputView(e, 0);
  const t = e.fresh();
  e.w.line(`const long ${t}_shape[${R}] = {${xs.join(', ')}};`);
  e.w.line(`if (!mpg_contiguous(&${x}) || !mpg_contiguous(&${e.outs[0]})) return MP_EPARAM;`);
  check(e, `mp_reduce(${kop}, ${x}.data, ${e.outs[0]}.data, ${R}, ${t}_shape, ${mask}u)`);
}

function flatCopy(e: Emit): void {
  const x = inputView(e, 0);
  const y = e.outs[0]!;
  const count = e.ctx.tensor(e.node.outputs[0]!).elementCount;
  e.w.line(`if (!mpg_contiguous(&${x}) || !mpg_contiguous(&${y})) return MP_EPARAM;`);
  e.w.line(`mp_copy2d(${y}.data, ${x}.data, 1, ${count}, ${count}, ${count});`);
}

function transpose(e: Emit): void {
  const n = e.node;
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const R = xs.length;
  const perm = intsAttr(n, 'perm') ?? [...Array(R).keys()].reverse();
  const x = inputView(e, 0);
  const y = e.outs[0]!;
  const t = e.fresh();
  e.w.line(`const long ${t}_shape[${R}] = {${xs.join(', ')}};`);
  e.w.line(`const int ${t}_perm[${R}] = {${perm.join(', ')}};`);
  e.w.line(`if (!mpg_contiguous(&${x}) || !mpg_contiguous(&${y})) return MP_EPARAM;`);
  check(e, `mp_transpose(${x}.data, ${y}.data, ${R}, ${t}_shape, ${t}_perm)`);
}

/** The whole-tensor views of the input (activation) and the output, checked whole at run time. */
function wholeInOut(e: Emit): [string, string] {
  const x = e.views.get(e.node.inputs[0] ?? '');
  if (x === undefined) unsupported(e.node, 'the data input must be an activation');
  const y = e.outs[0]!;
  e.w.line(`if (!mpg_is_whole(&${x}) || !mpg_is_whole(&${y})) return MP_EPARAM;`);
  return [x, y];
}

/** Constant input i (undefined when the input is absent; MP701 when it is not a constant). */
function constInput(e: Emit, i: number, what: string): ConstTensor | undefined {
  const name = e.node.inputs[i] ?? '';
  if (name === '') return undefined;
  const t = e.ctx.graph.weights.get(name);
  if (!t) unsupported(e.node, `${what} must be constant`);
  return t;
}

/** Integer values of a constant input (undefined when the input is absent). */
function constInts(e: Emit, i: number, what: string): number[] | undefined {
  const t = constInput(e, i, what);
  return t && numbersOf(t);
}

function constFloats(e: Emit, i: number, what: string): number[] | undefined {
  const t = constInput(e, i, what);
  if (!t) return undefined;
  if (t.data.kind !== 'splat' && t.data.kind !== 'dense') unsupported(e.node, `${what} is not numeric`);
  return numbersOf(t);
}

function longArray(e: Emit, name: string, vs: readonly number[]): string {
  e.w.line(`const long ${name}[${Math.max(1, vs.length)}] = {${vs.length === 0 ? '0' : vs.join(', ')}};`);
  return name;
}

function pad(e: Emit): void {
  const n = e.node;
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const R = xs.length;
  const pads = intsAttr(n, 'pads') ? [...intsAttr(n, 'pads')!] : constInts(e, 1, 'pads');
  if (!pads) unsupported(n, 'pads are required');
  const axes = constInts(e, 3, 'axes')?.map((a) => (a < 0 ? a + R : a)) ?? [...Array(R).keys()];
  const begin = Array(R).fill(0);
  axes.forEach((a, k) => (begin[a] = pads[k]!));
  const modes: Record<string, string> = { constant: 'MP_PAD_CONSTANT', reflect: 'MP_PAD_REFLECT', edge: 'MP_PAD_EDGE', wrap: 'MP_PAD_WRAP' };
  const mode = modes[stringAttr(n, 'mode', 'constant')];
  if (!mode) unsupported(n, `pad mode '${stringAttr(n, 'mode', 'constant')}'`);
  const value = n.attributes.has('value') ? floatAttr(n, 'value', 0) : (constFloats(e, 2, 'constant_value')?.[0] ?? 0);
  const [x, y] = wholeInOut(e);
  const t = e.fresh();
  longArray(e, `${t}_xs`, xs);
  longArray(e, `${t}_begin`, begin);
  longArray(e, `${t}_ys`, ys);
  check(e, `mp_pad(${x}.data, ${y}.data, ${R}, ${t}_xs, ${t}_begin, ${t}_ys, ${mode}, ${cFloat(value)})`);
}

function slice(e: Emit): void {
  const n = e.node;
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const R = xs.length;
  const old = e.ctx.graph.opsetVersion < 10;
  const starts = old ? intsAttr(n, 'starts') : constInts(e, 1, 'starts');
  const ends = old ? intsAttr(n, 'ends') : constInts(e, 2, 'ends');
  if (!starts || !ends) unsupported(n, 'starts and ends are required');
  const axes = (old ? intsAttr(n, 'axes') : constInts(e, 3, 'axes')) ?? starts.map((_, k) => k);
  const stepsIn = old ? undefined : constInts(e, 4, 'steps');
  const st = Array(R).fill(0);
  const steps = Array(R).fill(1);
  axes.forEach((a0, k) => {
    const a = a0 < 0 ? a0 + R : a0;
    const step = stepsIn?.[k] ?? 1;
    st[a] = sliceBounds(xs[a]!, starts[k]!, ends[k]!, step).start;
    steps[a] = step;
  });
  const [x, y] = wholeInOut(e);
  const t = e.fresh();
  longArray(e, `${t}_xs`, xs);
  longArray(e, `${t}_st`, st);
  longArray(e, `${t}_steps`, steps);
  longArray(e, `${t}_ys`, ys);
  check(e, `mp_slice(${x}.data, ${y}.data, ${R}, ${t}_xs, ${t}_st, ${t}_steps, ${t}_ys)`);
}

function gather(e: Emit): void {
  const n = e.node;
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const R = xs.length;
  const raw = intAttr(n, 'axis', 0);
  const axis = raw < 0 ? raw + R : raw;
  const idx = constInts(e, 1, 'indices');
  if (!idx) unsupported(n, 'indices are required');
  const outer = xs.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = xs.slice(axis + 1).reduce((a, b) => a * b, 1);
  const [x, y] = wholeInOut(e);
  const t = e.fresh();
  e.w.line(`static const int64_t ${t}_idx[${Math.max(1, idx.length)}] = {${idx.length === 0 ? '0' : idx.join(', ')}};`);
  check(e, `mp_gather(${x}.data, ${y}.data, ${outer}, ${xs[axis]}, ${inner}, ${t}_idx, ${idx.length})`);
}

function expand(e: Emit): void {
  const n = e.node;
  const xs = e.ctx.tensor(n.inputs[0]!).shape;
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const R = ys.length;
  const strides: number[] = [];
  let acc = 1;
  const own: number[] = [];
  for (let d = xs.length - 1; d >= 0; d--) {
    own[d] = acc;
    acc *= xs[d]!;
  }
  for (let d = 0; d < R; d++) {
    const xd = d - (R - xs.length);
    strides.push(xd < 0 || xs[xd] === 1 ? 0 : own[xd]!);
  }
  const [x, y] = wholeInOut(e);
  const t = e.fresh();
  longArray(e, `${t}_xstr`, strides);
  longArray(e, `${t}_ys`, ys);
  check(e, `mp_expand(${x}.data, ${t}_xstr, ${y}.data, ${R}, ${t}_ys)`);
}

function tile(e: Emit): void {
  const n = e.node;
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const [x, y] = wholeInOut(e);
  const t = e.fresh();
  longArray(e, `${t}_xs`, xs);
  longArray(e, `${t}_ys`, ys);
  check(e, `mp_tile(${x}.data, ${y}.data, ${xs.length}, ${t}_xs, ${t}_ys)`);
}

function resize(e: Emit): void {
  const n = e.node;
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const R = xs.length;
  const opset = e.ctx.graph.opsetVersion;
  let scales: number[] | undefined;
  if (n.opType === 'Upsample') scales = (floatsAttr(n, 'scales') ? [...floatsAttr(n, 'scales')!] : constFloats(e, 1, 'scales'));
  else if (opset < 11) scales = constFloats(e, 1, 'scales');
  else {
    const sc = constFloats(e, 2, 'scales');
    scales = sc && sc.length > 0 ? sc : undefined;
  }
  if (!scales || scales.length !== R) scales = ys.map((d, i) => d / xs[i]!);
  if (e.ctx.graph.weights.has(n.inputs[1] ?? '') && n.opType === 'Resize' && opset >= 11) {
    const roi = constFloats(e, 1, 'roi');
    if (roi && roi.length > 0 && stringAttr(n, 'coordinate_transformation_mode', 'half_pixel') === 'tf_crop_and_resize') unsupported(n, 'tf_crop_and_resize');
  }
  const modeName = stringAttr(n, 'mode', 'nearest');
  const mode = modeName === 'nearest' ? 'MP_RESIZE_NEAREST' : modeName === 'linear' || modeName === 'bilinear' ? 'MP_RESIZE_LINEAR' : modeName === 'cubic' ? 'MP_RESIZE_CUBIC' : undefined;
  if (!mode) unsupported(n, `resize mode '${modeName}'`);
  const coords: Record<string, string> = {
    half_pixel: 'MP_COORD_HALF_PIXEL', asymmetric: 'MP_COORD_ASYMMETRIC', align_corners: 'MP_COORD_ALIGN_CORNERS',
    pytorch_half_pixel: 'MP_COORD_PYTORCH_HALF_PIXEL', tf_half_pixel_for_nn: 'MP_COORD_TF_HALF_PIXEL_FOR_NN',
    half_pixel_symmetric: 'MP_COORD_HALF_PIXEL_SYMMETRIC',
  };
  const coordName = n.opType === 'Upsample' || opset < 11 ? 'asymmetric' : stringAttr(n, 'coordinate_transformation_mode', 'half_pixel');
  const coord = coords[coordName];
  if (!coord) unsupported(n, `coordinate_transformation_mode '${coordName}'`);
  const nearests: Record<string, string> = { round_prefer_floor: 'MP_NEAREST_ROUND_PREFER_FLOOR', round_prefer_ceil: 'MP_NEAREST_ROUND_PREFER_CEIL', floor: 'MP_NEAREST_FLOOR', ceil: 'MP_NEAREST_CEIL' };
  const nearest = nearests[n.opType === 'Upsample' || opset < 11 ? 'floor' : stringAttr(n, 'nearest_mode', 'round_prefer_floor')];
  if (!nearest) unsupported(n, 'nearest_mode');
  if (n.attributes.has('antialias') && intAttr(n, 'antialias', 0) !== 0) unsupported(n, 'antialias');
  if (n.attributes.has('axes')) unsupported(n, 'Resize axes');
  if (stringAttr(n, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') unsupported(n, 'keep_aspect_ratio_policy');
  const [x, y] = wholeInOut(e);
  const t = e.fresh();
  longArray(e, `${t}_xs`, xs);
  longArray(e, `${t}_ys`, ys);
  e.w.line(`const float ${t}_scales[${R}] = {${scales.map(cFloat).join(', ')}};`);
  check(e, `mp_resize(${x}.data, ${y}.data, ${R}, ${t}_xs, ${t}_ys, ${t}_scales, ${mode}, ${coord}, ${nearest}, ${cFloat(floatAttr(n, 'cubic_coeff_a', -0.75))}, ${intAttr(n, 'exclude_outside', 0)})`);
}

/** Concat computed (some input is a constant): each input copied into its columns of the output. */
function concat(e: Emit): void {
  const n = e.node;
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const R = ys.length;
  const raw = intAttr(n, 'axis', 0);
  const axis = raw < 0 ? raw + R : raw;
  const y = e.outs[0]!;
  e.w.line(`if (!mpg_is_whole(&${y})) return MP_EPARAM;`);
  const outer = ys.slice(0, axis).reduce((a, b) => a * b, 1);
  const yInner = ys.slice(axis).reduce((a, b) => a * b, 1);
  let offset = 0;
  n.inputs.forEach((name, i) => {
    if (name === '') return;
    const p = wholePointer(e, i, `input ${i}`);
    if (!p || p.splat !== undefined) unsupported(n, 'a constant-filled Concat input');
    const s = e.views.has(name) ? e.ctx.shapeOf(name) : [...p.shape];
    const xInner = s.slice(axis).reduce((a, b) => a * b, 1);
    e.w.line(`mp_concat_part(${p.ptr}, ${y}.data, ${outer}, ${xInner}, ${yInner}, ${offset});`);
    offset += xInner;
  });
}
