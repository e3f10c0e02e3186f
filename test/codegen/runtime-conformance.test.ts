/**
 * Per-kernel conformance of the C runtime against Debian's libonnx-testdata single-operator tests.
 *
 * For every test whose one node is an operator with a C kernel, the node is lowered to a C call on
 * full-tensor windows (constant-like inputs such as Gather indices, Pad pads, Resize scales are baked
 * into the call as the code generator bakes constants), the drivers of all tests are compiled into one
 * program, which runs them all on raw little-endian input files (in one process; a run that is not
 * clean is repeated with one process per test, to name the failing ones), and their outputs are
 * compared with the expected outputs (|diff| <= 1e-4 + 1e-3*|ref|; integer outputs exactly). The
 * quantized ONNX operators (QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger) run on the kernels
 * codegen emits for them (memplan_kernels_qlinear.h), with the multipliers computed as codegen does.
 * A test the kernels cannot express (an unsupported attribute or dtype) is counted as unsupported with
 * its reason; every supported test must pass, and must also run clean in an ASan+UBSan build.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import type { AttrValue, ConstTensor } from '../../src/ir/graph.js';
import { attributesFromProto, longToNumber, tensorFromProto } from '../../src/frontend/onnx-tensor.js';
import { runtimeDir, runtimeFiles } from '../../src/codegen/runtime-files.js';
import { resolvePads, transposedOutputSize } from '../../src/ir/geometry.js';
import { compileC, makeTempDir, removeDir, runProgram, SANITIZE_FLAGS, STRICT_FLAGS } from '../helpers/c-build.js';
import { libonnxTestdataDir, skipWithout } from '../helpers/system-deps.js';

const DATA_DIR = libonnxTestdataDir();
/** False only when libonnx-testdata is missing and MEMPLAN_ALLOW_SKIP names it (otherwise a missing package fails above). */
const HAVE_DATA = !skipWithout('libonnx-testdata');

type IoType = 'f32' | 's8' | 'u8' | 'i32';

interface Tensor {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly values: ArrayLike<number | bigint>;
}

interface NodeCase {
  readonly name: string;
  readonly op: string;
  readonly opset: number;
  readonly attrs: ReadonlyMap<string, AttrValue>;
  /** Node inputs in order; undefined for an omitted optional input. */
  readonly inputs: readonly (Tensor | undefined)[];
  /** Expected node outputs in order. */
  readonly outputs: readonly Tensor[];
}

class Unsupported extends Error {}
function unsupported(why: string): never {
  throw new Unsupported(why);
}

// ---------------------------------------------------------------------------------------------------
// Loading

function toTensor(t: ConstTensor): Tensor {
  if (t.data.kind !== 'dense') unsupported(`${t.dtype} tensor`);
  return { dtype: t.dtype, shape: t.shape, values: t.data.values as ArrayLike<number | bigint> };
}

function loadCase(name: string): NodeCase | string {
  const dir = join(DATA_DIR, name);
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(join(dir, 'model.onnx')));
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length !== 1) return 'not a single-node test';
  const node = graph.node![0]!;
  if (node.domain && node.domain !== 'ai.onnx') return `domain ${node.domain}`;
  let opset = 0;
  for (const o of model.opsetImport ?? []) {
    if (!o.domain || o.domain === 'ai.onnx') opset = longToNumber(o.version ?? 0);
  }
  const values = new Map<string, Tensor>();
  for (const init of graph.initializer ?? []) values.set(init.name ?? '', toTensor(tensorFromProto(init)));
  const runtimeInputs = (graph.input ?? []).filter((v) => !values.has(v.name ?? ''));
  const setDir = join(dir, 'test_data_set_0');
  for (let i = 0; i < runtimeInputs.length; i++) {
    const file = join(setDir, `input_${i}.pb`);
    if (!existsSync(file)) return 'missing input file';
    const t = tensorFromProto(onnxProto.onnx.TensorProto.decode(readFileSync(file)));
    values.set(runtimeInputs[i]!.name ?? '', toTensor(t));
  }
  const outputs: Tensor[] = [];
  const graphOutputs = graph.output ?? [];
  for (const out of node.output ?? []) {
    const j = graphOutputs.findIndex((g) => g.name === out);
    if (out === '') continue;
    if (j < 0) return 'node output is not a graph output';
    const t = tensorFromProto(onnxProto.onnx.TensorProto.decode(readFileSync(join(setDir, `output_${j}.pb`))));
    outputs.push(toTensor(t));
  }
  const inputs = (node.input ?? []).map((n) => (n === '' ? undefined : values.get(n)));
  return { name, op: node.opType ?? '', opset, attrs: attributesFromProto(node.attribute), inputs, outputs };
}

// ---------------------------------------------------------------------------------------------------
// Attribute and C helpers

function attrInt(c: NodeCase, name: string, dflt: number): number {
  const a = c.attrs.get(name);
  if (a === undefined) return dflt;
  if (a.type !== 'int') unsupported(`attribute ${name} is ${a.type}`);
  return a.value;
}
function attrFloat(c: NodeCase, name: string, dflt: number): number {
  const a = c.attrs.get(name);
  if (a === undefined) return dflt;
  if (a.type !== 'float') unsupported(`attribute ${name} is ${a.type}`);
  return a.value;
}
function attrString(c: NodeCase, name: string, dflt: string): string {
  const a = c.attrs.get(name);
  if (a === undefined) return dflt;
  if (a.type !== 'string') unsupported(`attribute ${name} is ${a.type}`);
  return a.value;
}
function attrInts(c: NodeCase, name: string): number[] | undefined {
  const a = c.attrs.get(name);
  if (a === undefined) return undefined;
  if (a.type !== 'ints') unsupported(`attribute ${name} is ${a.type}`);
  return [...a.value];
}
function attrFloats(c: NodeCase, name: string): number[] | undefined {
  const a = c.attrs.get(name);
  if (a === undefined) return undefined;
  if (a.type !== 'floats') unsupported(`attribute ${name} is ${a.type}`);
  return [...a.value];
}
function onlyAttrs(c: NodeCase, allowed: readonly string[]): void {
  for (const k of c.attrs.keys()) if (!allowed.includes(k)) unsupported(`attribute ${k}`);
}

function nums(t: Tensor): number[] {
  return Array.from(t.values as ArrayLike<number | bigint>, (v) => Number(v));
}
function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
function cFloat(v: number): string {
  if (Number.isNaN(v)) return 'NAN';
  if (v === Infinity) return 'INFINITY';
  if (v === -Infinity) return '(-INFINITY)';
  const s = Math.fround(v).toPrecision(9);
  return /[.e]/.test(s) ? `${s}f` : `${s}.0f`;
}
function cLongs(a: readonly number[]): string {
  return a.length === 0 ? '(const long *)0' : `(const long[]){${a.map((v) => `${v}L`).join(', ')}}`;
}
function cInts(a: readonly number[]): string {
  return `(const int[]){${a.join(', ')}}`;
}
function cFloats(a: readonly number[]): string {
  return `(const float[]){${a.map(cFloat).join(', ')}}`;
}
const F = (i: number): string => `((float *)in[${i}])`;
const FO = (j: number): string => `((float *)out[${j}])`;

function input(c: NodeCase, i: number): Tensor {
  const t = c.inputs[i];
  if (t === undefined) unsupported(`input ${i} missing`);
  return t;
}
function requireFloat(c: NodeCase, idx: readonly number[]): void {
  for (const i of idx) {
    const t = c.inputs[i];
    if (t !== undefined && t.dtype !== 'float32') unsupported(`input ${i} is ${t.dtype}`);
  }
  for (const o of c.outputs) if (o.dtype !== 'float32') unsupported(`output is ${o.dtype}`);
}
function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) unsupported(`axis ${axis} out of range`);
  return a;
}

/** 2-D geometry of a 1-D or 2-D conv/pool: kernel, strides, dilations, leading and trailing pads. */
interface Geo {
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; pb: number; pr: number;
}
function geometry(c: NodeCase, xShape: readonly number[], yShape: readonly number[], kernel: readonly number[]): Geo {
  const sp = xShape.length - 2;
  if (sp !== 1 && sp !== 2) unsupported(`${sp}-D spatial`);
  const strides = attrInts(c, 'strides') ?? new Array(sp).fill(1);
  const dil = attrInts(c, 'dilations') ?? new Array(sp).fill(1);
  const autoPad = attrString(c, 'auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) unsupported(`auto_pad ${autoPad}`);
  // The padding memplan's codegen uses (src/ir/geometry.ts), checked here against ONNX's reference outputs.
  const { begin, end } = resolvePads(autoPad, {
    inSizes: xShape.slice(2), outSizes: yShape.slice(2), kernel, strides, dilations: dil, pads: attrInts(c, 'pads'),
  });
  if (sp === 1) {
    return { kh: 1, kw: kernel[0]!, sh: 1, sw: strides[0]!, dh: 1, dw: dil[0]!, pt: 0, pl: begin[0]!, pb: 0, pr: end[0]! };
  }
  return {
    kh: kernel[0]!, kw: kernel[1]!, sh: strides[0]!, sw: strides[1]!, dh: dil[0]!, dw: dil[1]!,
    pt: begin[0]!, pl: begin[1]!, pb: end[0]!, pr: end[1]!,
  };
}
/** NCHW dims of a 3-D (N, C, W) or 4-D tensor. */
function nchw(shape: readonly number[]): [number, number, number, number] {
  if (shape.length === 3) return [shape[0]!, shape[1]!, 1, shape[2]!];
  if (shape.length === 4) return [shape[0]!, shape[1]!, shape[2]!, shape[3]!];
  return unsupported(`rank ${shape.length} tensor for a 2-D kernel`);
}
function windows(x: readonly number[], y: readonly number[], xExpr: string, yExpr: string): string {
  const [n, c, h, w] = nchw(x);
  const [yn, yc, yh, yw] = nchw(y);
  return `  mp_window x = mp_window_full(${xExpr}, ${n}, ${c}, ${h}, ${w});\n` +
    `  mp_window y = mp_window_full(${yExpr}, ${yn}, ${yc}, ${yh}, ${yw});\n`;
}

// ---------------------------------------------------------------------------------------------------
// Lowering: one node -> the body of `static int case_K(void **in, void **out)`

type Lowering = (c: NodeCase) => string;

const UNARY: Record<string, { op: string; a?: (c: NodeCase) => number; b?: (c: NodeCase) => number; attrs?: string[] }> = {
  Relu: { op: 'MP_UN_RELU' },
  LeakyRelu: { op: 'MP_UN_LEAKYRELU', a: (c) => attrFloat(c, 'alpha', 0.01), attrs: ['alpha'] },
  Sigmoid: { op: 'MP_UN_SIGMOID' },
  HardSigmoid: {
    op: 'MP_UN_HARDSIGMOID', a: (c) => attrFloat(c, 'alpha', 0.2), b: (c) => attrFloat(c, 'beta', 0.5),
    attrs: ['alpha', 'beta'],
  },
  HardSwish: { op: 'MP_UN_HARDSWISH' },
  Tanh: { op: 'MP_UN_TANH' },
  Sqrt: { op: 'MP_UN_SQRT' },
  Exp: { op: 'MP_UN_EXP' },
  Log: { op: 'MP_UN_LOG' },
  Abs: { op: 'MP_UN_ABS' },
  Neg: { op: 'MP_UN_NEG' },
  Reciprocal: { op: 'MP_UN_RECIPROCAL' },
  Erf: { op: 'MP_UN_ERF' },
  Floor: { op: 'MP_UN_FLOOR' },
  Ceil: { op: 'MP_UN_CEIL' },
  Elu: { op: 'MP_UN_ELU', a: (c) => attrFloat(c, 'alpha', 1.0), attrs: ['alpha'] },
  Selu: {
    op: 'MP_UN_SELU', a: (c) => attrFloat(c, 'alpha', 1.67326319217681884765625),
    b: (c) => attrFloat(c, 'gamma', 1.05070102214813232421875), attrs: ['alpha', 'gamma'],
  },
  Softplus: { op: 'MP_UN_SOFTPLUS' },
  Softsign: { op: 'MP_UN_SOFTSIGN' },
  Sign: { op: 'MP_UN_SIGN' },
  Round: { op: 'MP_UN_ROUND' },
  Sin: { op: 'MP_UN_SIN' },
  Cos: { op: 'MP_UN_COS' },
  Tan: { op: 'MP_UN_TAN' },
  Asin: { op: 'MP_UN_ASIN' },
  Acos: { op: 'MP_UN_ACOS' },
  Atan: { op: 'MP_UN_ATAN' },
  Sinh: { op: 'MP_UN_SINH' },
  Cosh: { op: 'MP_UN_COSH' },
  Asinh: { op: 'MP_UN_ASINH' },
  Acosh: { op: 'MP_UN_ACOSH' },
  Atanh: { op: 'MP_UN_ATANH' },
  ThresholdedRelu: { op: 'MP_UN_THRESHOLDEDRELU', a: (c) => attrFloat(c, 'alpha', 1.0), attrs: ['alpha'] },
  Celu: { op: 'MP_UN_CELU', a: (c) => attrFloat(c, 'alpha', 1.0), attrs: ['alpha'] },
  Mish: { op: 'MP_UN_MISH' },
  Gelu: {
    op: 'MP_UN_GELU', attrs: ['approximate'],
  },
  Shrink: {
    op: 'MP_UN_SHRINK', a: (c) => attrFloat(c, 'lambd', 0.5), b: (c) => attrFloat(c, 'bias', 0), attrs: ['lambd', 'bias'],
  },
};

function lowerUnary(c: NodeCase): string {
  const u = UNARY[c.op]!;
  onlyAttrs(c, u.attrs ?? []);
  requireFloat(c, [0]);
  let op = u.op;
  if (c.op === 'Gelu') {
    const approx = attrString(c, 'approximate', 'none');
    if (approx === 'tanh') op = 'MP_UN_GELU_TANH';
    else if (approx !== 'none') unsupported(`approximate ${approx}`);
  }
  const n = count(input(c, 0).shape);
  return `  return mp_unary(${op}, ${F(0)}, ${FO(0)}, ${n}L, ${cFloat(u.a ? u.a(c) : 0)}, ${cFloat(u.b ? u.b(c) : 0)});\n`;
}

function lowerClip(c: NodeCase): string {
  requireFloat(c, [0, 1, 2]);
  let lo = -Infinity;
  let hi = Infinity;
  if (c.opset < 11) {
    onlyAttrs(c, ['min', 'max']);
    lo = attrFloat(c, 'min', -Infinity);
    hi = attrFloat(c, 'max', Infinity);
  } else {
    onlyAttrs(c, []);
    if (c.inputs[1]) lo = nums(c.inputs[1])[0]!;
    if (c.inputs[2]) hi = nums(c.inputs[2])[0]!;
  }
  const n = count(input(c, 0).shape);
  return `  return mp_unary(MP_UN_CLIP, ${F(0)}, ${FO(0)}, ${n}L, ${cFloat(lo)}, ${cFloat(hi)});\n`;
}

function lowerDropout(c: NodeCase): string {
  requireFloat(c, [0]);
  if (c.outputs.length > 1) unsupported('mask output');
  if (c.inputs[2] && nums(c.inputs[2])[0] !== 0) unsupported('training mode');
  onlyAttrs(c, ['seed', 'ratio', 'is_test']);
  const n = count(input(c, 0).shape);
  return `  return mp_unary(MP_UN_IDENTITY, ${F(0)}, ${FO(0)}, ${n}L, 0.0f, 0.0f);\n`;
}

const BINARY: Record<string, string> = {
  Add: 'MP_BIN_ADD', Sub: 'MP_BIN_SUB', Mul: 'MP_BIN_MUL', Div: 'MP_BIN_DIV', Pow: 'MP_BIN_POW',
  Max: 'MP_BIN_MAX', Min: 'MP_BIN_MIN', Sum: 'MP_BIN_ADD', Mean: 'MP_BIN_ADD', PRelu: 'MP_BIN_PRELU',
  Mod: 'MP_BIN_MOD_FMOD',
};

function lowerBinary(c: NodeCase): string {
  const op = BINARY[c.op]!;
  if (c.op === 'Mod') {
    onlyAttrs(c, ['fmod']);
    if (attrInt(c, 'fmod', 0) !== 1) unsupported('integer Mod');
  } else {
    onlyAttrs(c, []);
  }
  const idx = c.inputs.map((_, i) => i);
  requireFloat(c, idx);
  const y = c.outputs[0]!.shape;
  const rank = y.length;
  const total = count(y);
  const strides = (t: Tensor): number[] => {
    if (t.shape.length > rank) unsupported('input rank above output rank');
    const s = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const id = d - (rank - t.shape.length);
      if (id >= 0 && t.shape[id] !== 1) s[d] = acc;
      if (id >= 0) acc *= t.shape[id]!;
    }
    return s;
  };
  const outStrides = strides({ dtype: 'float32', shape: y, values: [] });
  const n = c.inputs.length;
  if (n === 1) {
    return `  mp_copy2d(${FO(0)}, ${F(0)}, 1, ${total}L, ${total}L, ${total}L);\n  return 0;\n`;
  }
  let body = '';
  body += `  int rc = mp_binary(${op}, ${rank}, ${cLongs(y)}, ${F(0)}, ${cLongs(strides(input(c, 0)))}, ` +
    `${F(1)}, ${cLongs(strides(input(c, 1)))}, ${FO(0)}, 0, ${total}L);\n`;
  for (let i = 2; i < n; i++) {
    body += `  if (rc == 0) rc = mp_binary(${op}, ${rank}, ${cLongs(y)}, ${FO(0)}, ${cLongs(outStrides)}, ` +
      `${F(i)}, ${cLongs(strides(input(c, i)))}, ${FO(0)}, 0, ${total}L);\n`;
  }
  if (c.op === 'Mean') {
    body += `  if (rc == 0) rc = mp_unary(MP_UN_SCALE, ${FO(0)}, ${FO(0)}, ${total}L, ${cFloat(1 / n)}, 0.0f);\n`;
  }
  return `${body}  return rc;\n`;
}

function lowerConv(c: NodeCase): string {
  onlyAttrs(c, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
  requireFloat(c, [0, 1, 2]);
  const x = input(c, 0).shape;
  const w = input(c, 1).shape;
  const y = c.outputs[0]!.shape;
  const g = geometry(c, x, y, attrInts(c, 'kernel_shape') ?? w.slice(2));
  const bias = c.inputs[2] ? F(2) : '(const float *)0';
  return windows(x, y, F(0), FO(0)) +
    `  mp_conv_params p = {${g.kh}, ${g.kw}, ${g.sh}, ${g.sw}, ${g.dh}, ${g.dw}, ${g.pt}, ${g.pl}, ` +
    `${attrInt(c, 'group', 1)}, {MP_ACT_NONE, 0.0f, 0.0f}};\n` +
    `  return mp_conv2d(&x, &y, ${F(1)}, ${bias}, &p);\n`;
}

function lowerConvTranspose(c: NodeCase): string {
  onlyAttrs(c, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides', 'output_padding', 'output_shape']);
  requireFloat(c, [0, 1, 2]);
  const x = input(c, 0).shape;
  const w = input(c, 1).shape;
  const y = c.outputs[0]!.shape;
  const sp = x.length - 2;
  if (sp !== 1 && sp !== 2) unsupported(`${sp}-D spatial`);
  const kernel = attrInts(c, 'kernel_shape') ?? w.slice(2);
  const strides = attrInts(c, 'strides') ?? new Array(sp).fill(1);
  const dil = attrInts(c, 'dilations') ?? new Array(sp).fill(1);
  const outPad = attrInts(c, 'output_padding') ?? new Array(sp).fill(0);
  const autoPad = attrString(c, 'auto_pad', 'NOTSET');
  let begin: number[];
  const pads = attrInts(c, 'pads');
  if (pads !== undefined && attrInts(c, 'output_shape') === undefined && autoPad === 'NOTSET') {
    begin = pads.slice(0, sp);
  } else {
    // total padding from the actual output size; SAME_UPPER puts the smaller half first.
    begin = [];
    for (let d = 0; d < sp; d++) {
      const total = transposedOutputSize(x[2 + d]!, kernel[d]!, strides[d]!, dil[d]!, 0, 0, outPad[d]!) - y[2 + d]!;
      if (autoPad === 'SAME_UPPER') begin.push(Math.floor(total / 2));
      else begin.push(total - Math.floor(total / 2));
    }
  }
  const g = sp === 1
    ? [1, kernel[0], 1, strides[0], 1, dil[0], 0, begin[0]]
    : [kernel[0], kernel[1], strides[0], strides[1], dil[0], dil[1], begin[0], begin[1]];
  const bias = c.inputs[2] ? F(2) : '(const float *)0';
  return windows(x, y, F(0), FO(0)) +
    `  mp_conv_params p = {${g.join(', ')}, ${attrInt(c, 'group', 1)}, {MP_ACT_NONE, 0.0f, 0.0f}};\n` +
    `  return mp_conv_transpose2d(&x, &y, ${F(1)}, ${bias}, &p);\n`;
}

function lowerPool(c: NodeCase): string {
  const isMax = c.op === 'MaxPool';
  onlyAttrs(c, ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'strides', 'count_include_pad', 'storage_order']);
  if (c.outputs.length > 1) unsupported('Indices output');
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const y = c.outputs[0]!.shape;
  const kernel = attrInts(c, 'kernel_shape');
  if (!kernel) unsupported('no kernel_shape');
  const g = geometry(c, x, y, kernel);
  const cip = isMax ? 0 : attrInt(c, 'count_include_pad', 0);
  return windows(x, y, F(0), FO(0)) +
    `  mp_pool_params p = {${g.kh}, ${g.kw}, ${g.sh}, ${g.sw}, ${g.dh}, ${g.dw}, ${g.pt}, ${g.pl}, ${g.pb}, ${g.pr}, ${cip}};\n` +
    `  return ${isMax ? 'mp_maxpool2d' : 'mp_avgpool2d'}(&x, &y, &p);\n`;
}

function lowerGlobalPool(c: NodeCase): string {
  onlyAttrs(c, []);
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const nc = x[0]! * x[1]!;
  const hw = count(x.slice(2));
  const fn = c.op === 'GlobalAveragePool' ? 'mp_global_avgpool' : 'mp_global_maxpool';
  return `  ${fn}(${F(0)}, ${FO(0)}, ${nc}L, ${hw}L);\n  return 0;\n`;
}

function lowerBatchNorm(c: NodeCase): string {
  onlyAttrs(c, ['epsilon', 'momentum', 'spatial', 'training_mode', 'is_test']);
  if (attrInt(c, 'training_mode', 0) !== 0 || c.outputs.length > 1) unsupported('training mode');
  if (attrInt(c, 'spatial', 1) !== 1) unsupported('spatial=0');
  requireFloat(c, [0, 1, 2, 3, 4]);
  const x = input(c, 0).shape;
  const hw = count(x.slice(2));
  return `  mp_batchnorm(${F(0)}, ${FO(0)}, ${x[0]}L, ${x[1]}L, ${hw}L, ${F(1)}, ${F(2)}, ${F(3)}, ${F(4)}, ` +
    `${cFloat(attrFloat(c, 'epsilon', 1e-5))});\n  return 0;\n`;
}

function lowerInstanceNorm(c: NodeCase): string {
  onlyAttrs(c, ['epsilon']);
  requireFloat(c, [0, 1, 2]);
  const x = input(c, 0).shape;
  return `  mp_instancenorm(${F(0)}, ${FO(0)}, ${x[0]}L, ${x[1]}L, ${count(x.slice(2))}L, ${F(1)}, ${F(2)}, ` +
    `${cFloat(attrFloat(c, 'epsilon', 1e-5))});\n  return 0;\n`;
}

function lowerLrn(c: NodeCase): string {
  onlyAttrs(c, ['size', 'alpha', 'beta', 'bias']);
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  return `  mp_lrn(${F(0)}, ${FO(0)}, ${x[0]}L, ${x[1]}L, ${count(x.slice(2))}L, ${attrInt(c, 'size', 1)}L, ` +
    `${cFloat(attrFloat(c, 'alpha', 1e-4))}, ${cFloat(attrFloat(c, 'beta', 0.75))}, ${cFloat(attrFloat(c, 'bias', 1))});\n  return 0;\n`;
}

function lowerGemm(c: NodeCase): string {
  onlyAttrs(c, ['alpha', 'beta', 'transA', 'transB', 'broadcast']);
  requireFloat(c, [0, 1, 2]);
  const a = input(c, 0).shape;
  const b = input(c, 1).shape;
  const transA = attrInt(c, 'transA', 0);
  const transB = attrInt(c, 'transB', 0);
  const M = transA ? a[1]! : a[0]!;
  const K = transA ? a[0]! : a[1]!;
  const N = transB ? b[0]! : b[1]!;
  let cr = 1;
  let cc = 1;
  const cT = c.inputs[2];
  if (cT) {
    if (cT.shape.length === 1) cc = cT.shape[0]!;
    else if (cT.shape.length === 2) [cr, cc] = [cT.shape[0]!, cT.shape[1]!];
  }
  return `  mp_act act = {MP_ACT_NONE, 0.0f, 0.0f};\n` +
    `  mp_gemm(${F(0)}, ${F(1)}, ${cT ? F(2) : '(const float *)0'}, ${FO(0)}, ${M}L, ${N}L, ${K}L, ${transA}, ${transB}, ` +
    `${cFloat(attrFloat(c, 'alpha', 1))}, ${cFloat(attrFloat(c, 'beta', 1))}, ${cr}L, ${cc}L, 0L, ${M}L, act);\n  return 0;\n`;
}

function lowerMatMul(c: NodeCase): string {
  onlyAttrs(c, []);
  requireFloat(c, [0, 1]);
  return `  mp_act act = {MP_ACT_NONE, 0.0f, 0.0f};\n` +
    `  return mp_matmul(${F(0)}, ${F(1)}, ${FO(0)}, ${matmulGeometry(input(c, 0).shape, input(c, 1).shape)}, act);\n`;
}

function lowerSoftmax(c: NodeCase): string {
  onlyAttrs(c, ['axis']);
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const axis = normAxis(attrInt(c, 'axis', c.opset < 13 ? 1 : -1), x.length);
  const outer = count(x.slice(0, axis));
  let len: number;
  let inner: number;
  if (c.opset < 13) {
    len = count(x.slice(axis));
    inner = 1;
  } else {
    len = x[axis]!;
    inner = count(x.slice(axis + 1));
  }
  return `  mp_softmax(${F(0)}, ${FO(0)}, ${outer}L, ${len}L, ${inner}L, ${c.op === 'LogSoftmax' ? 1 : 0});\n  return 0;\n`;
}

function lowerConcat(c: NodeCase): string {
  onlyAttrs(c, ['axis']);
  requireFloat(c, c.inputs.map((_, i) => i));
  const y = c.outputs[0]!.shape;
  const axis = normAxis(attrInt(c, 'axis', 1), y.length);
  const outer = count(y.slice(0, axis));
  const yInner = count(y.slice(axis));
  let body = '';
  let offset = 0;
  c.inputs.forEach((t, i) => {
    const xi = count(input(c, i).shape.slice(axis));
    body += `  mp_concat_part(${F(i)}, ${FO(0)}, ${outer}L, ${xi}L, ${yInner}L, ${offset}L);\n`;
    offset += xi;
    void t;
  });
  return `${body}  return 0;\n`;
}

function lowerTranspose(c: NodeCase): string {
  onlyAttrs(c, ['perm']);
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const perm = attrInts(c, 'perm') ?? x.map((_, i) => x.length - 1 - i);
  return `  return mp_transpose(${F(0)}, ${FO(0)}, ${x.length}, ${cLongs(x)}, ${cInts(perm)});\n`;
}

function lowerPad(c: NodeCase): string {
  requireFloat(c, [0, 2]);
  const x = input(c, 0).shape;
  const rank = x.length;
  let pads: number[];
  let value = 0;
  let mode: string;
  if (c.opset < 11) {
    onlyAttrs(c, ['pads', 'mode', 'value', 'paddings']);
    pads = attrInts(c, 'pads') ?? attrInts(c, 'paddings') ?? unsupported('no pads');
    value = attrFloat(c, 'value', 0);
    mode = attrString(c, 'mode', 'constant');
  } else {
    onlyAttrs(c, ['mode']);
    mode = attrString(c, 'mode', 'constant');
    const p = nums(input(c, 1));
    if (c.inputs[2]) value = nums(c.inputs[2])[0]!;
    const axesT = c.inputs[3];
    if (axesT) {
      const axes = nums(axesT).map((a) => normAxis(a, rank));
      pads = new Array(2 * rank).fill(0);
      axes.forEach((a, i) => {
        pads[a] = p[i]!;
        pads[a + rank] = p[i + axes.length]!;
      });
    } else {
      pads = p;
    }
  }
  const modes: Record<string, string> = {
    constant: 'MP_PAD_CONSTANT', reflect: 'MP_PAD_REFLECT', edge: 'MP_PAD_EDGE', wrap: 'MP_PAD_WRAP',
  };
  if (!modes[mode]) unsupported(`mode ${mode}`);
  return `  return mp_pad(${F(0)}, ${FO(0)}, ${rank}, ${cLongs(x)}, ${cLongs(pads.slice(0, rank))}, ` +
    `${cLongs(c.outputs[0]!.shape)}, ${modes[mode]}, ${cFloat(value)});\n`;
}

function lowerResize(c: NodeCase): string {
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const y = c.outputs[0]!.shape;
  const rank = x.length;
  let mode: string;
  let coord: string;
  let nearest: string;
  let scales: number[] | undefined;
  let cubicA = -0.75;
  let exclude = 0;
  if (c.op === 'Upsample' || c.opset < 11) {
    onlyAttrs(c, ['mode', 'scales', 'height_scale', 'width_scale']);
    mode = attrString(c, 'mode', 'nearest');
    coord = 'asymmetric';
    nearest = 'floor';
    scales = attrFloats(c, 'scales') ?? (c.inputs[1] ? nums(c.inputs[1]) : undefined);
  } else {
    onlyAttrs(c, [
      'mode', 'coordinate_transformation_mode', 'nearest_mode', 'cubic_coeff_a', 'exclude_outside',
      'extrapolation_value', 'antialias', 'keep_aspect_ratio_policy',
    ]);
    mode = attrString(c, 'mode', 'nearest');
    coord = attrString(c, 'coordinate_transformation_mode', 'half_pixel');
    nearest = attrString(c, 'nearest_mode', 'round_prefer_floor');
    cubicA = attrFloat(c, 'cubic_coeff_a', -0.75);
    exclude = attrInt(c, 'exclude_outside', 0);
    if (attrInt(c, 'antialias', 0) !== 0) unsupported('antialias');
    if (attrString(c, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') unsupported('keep_aspect_ratio_policy');
    const s = c.inputs[2];
    const sizes = c.inputs[3];
    if (s && s.shape[0] !== 0) scales = nums(s);
    else if (sizes && sizes.shape[0] !== 0) scales = nums(sizes).map((v, d) => Math.fround(v / x[d]!));
  }
  if (!scales || scales.length !== rank) unsupported('no scales for every dim');
  const modes: Record<string, string> = {
    nearest: 'MP_RESIZE_NEAREST', linear: 'MP_RESIZE_LINEAR', bilinear: 'MP_RESIZE_LINEAR', cubic: 'MP_RESIZE_CUBIC',
  };
  const coords: Record<string, string> = {
    half_pixel: 'MP_COORD_HALF_PIXEL', asymmetric: 'MP_COORD_ASYMMETRIC', align_corners: 'MP_COORD_ALIGN_CORNERS',
    pytorch_half_pixel: 'MP_COORD_PYTORCH_HALF_PIXEL', tf_half_pixel_for_nn: 'MP_COORD_TF_HALF_PIXEL_FOR_NN',
    half_pixel_symmetric: 'MP_COORD_HALF_PIXEL_SYMMETRIC',
  };
  const nearests: Record<string, string> = {
    round_prefer_floor: 'MP_NEAREST_ROUND_PREFER_FLOOR', round_prefer_ceil: 'MP_NEAREST_ROUND_PREFER_CEIL',
    floor: 'MP_NEAREST_FLOOR', ceil: 'MP_NEAREST_CEIL',
  };
  if (!modes[mode]) unsupported(`mode ${mode}`);
  if (!coords[coord]) unsupported(`coordinate_transformation_mode ${coord}`);
  if (!nearests[nearest]) unsupported(`nearest_mode ${nearest}`);
  return `  return mp_resize(${F(0)}, ${FO(0)}, ${rank}, ${cLongs(x)}, ${cLongs(y)}, ${cFloats(scales)}, ` +
    `${modes[mode]}, ${coords[coord]}, ${nearests[nearest]}, ${cFloat(cubicA)}, ${exclude});\n`;
}

const REDUCE: Record<string, string> = {
  ReduceSum: 'MP_RED_SUM', ReduceMean: 'MP_RED_MEAN', ReduceMax: 'MP_RED_MAX', ReduceMin: 'MP_RED_MIN',
  ReduceProd: 'MP_RED_PROD', ReduceL1: 'MP_RED_L1', ReduceL2: 'MP_RED_L2', ReduceLogSum: 'MP_RED_LOGSUM',
  ReduceLogSumExp: 'MP_RED_LOGSUMEXP', ReduceSumSquare: 'MP_RED_SUMSQUARE',
};

function lowerReduce(c: NodeCase): string {
  onlyAttrs(c, ['axes', 'keepdims', 'noop_with_empty_axes']);
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const rank = x.length;
  let axes = attrInts(c, 'axes');
  if (axes === undefined && c.inputs[1]) axes = nums(c.inputs[1]);
  let mask = 0;
  if (axes === undefined || axes.length === 0) {
    if (attrInt(c, 'noop_with_empty_axes', 0) === 0) mask = (1 << rank) - 1;
  } else {
    for (const a of axes) mask |= 1 << normAxis(a, rank);
  }
  return `  return mp_reduce(${REDUCE[c.op]}, ${F(0)}, ${FO(0)}, ${rank}, ${cLongs(x)}, ${mask}u);\n`;
}

function lowerSlice(c: NodeCase): string {
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const rank = x.length;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (c.opset < 10) {
    onlyAttrs(c, ['starts', 'ends', 'axes']);
    starts = attrInts(c, 'starts') ?? unsupported('no starts');
    ends = attrInts(c, 'ends') ?? unsupported('no ends');
    axes = attrInts(c, 'axes');
  } else {
    onlyAttrs(c, []);
    starts = nums(input(c, 1));
    ends = nums(input(c, 2));
    if (c.inputs[3]) axes = nums(c.inputs[3]);
    if (c.inputs[4]) steps = nums(c.inputs[4]);
  }
  const st = new Array<number>(rank).fill(0);
  const sp = new Array<number>(rank).fill(1);
  const len = [...x];
  (axes ?? starts.map((_, i) => i)).forEach((a0, i) => {
    const a = normAxis(a0, rank);
    const dim = x[a]!;
    const step = steps ? steps[i]! : 1;
    if (step === 0) unsupported('step 0');
    let s = starts[i]!;
    let e = ends[i]!;
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    st[a] = s;
    sp[a] = step;
    len[a] = Math.max(0, Math.ceil((e - s) / step));
  });
  const y = c.outputs[0]!.shape;
  if (len.join(',') !== y.join(',')) unsupported(`computed shape [${len}] differs from [${y}]`);
  return `  return mp_slice(${F(0)}, ${FO(0)}, ${rank}, ${cLongs(x)}, ${cLongs(st)}, ${cLongs(sp)}, ${cLongs(y)});\n`;
}

function lowerGather(c: NodeCase): string {
  onlyAttrs(c, ['axis']);
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const ind = input(c, 1);
  if (ind.dtype !== 'int64' && ind.dtype !== 'int32') unsupported(`indices ${ind.dtype}`);
  const axis = normAxis(attrInt(c, 'axis', 0), x.length);
  const idx = nums(ind);
  const list = idx.length === 0 ? '(const int64_t *)0' : `(const int64_t[]){${idx.map((v) => `INT64_C(${v})`).join(', ')}}`;
  return `  return mp_gather(${F(0)}, ${FO(0)}, ${count(x.slice(0, axis))}L, ${x[axis]}L, ${count(x.slice(axis + 1))}L, ` +
    `${list}, ${idx.length}L);\n`;
}

function quantLayout(c: NodeCase, x: readonly number[], scale: Tensor): [number, number, number] {
  // A scalar (or one-element) scale is per tensor; a 1-D scale of x[axis] elements is per axis.
  if (count(scale.shape) === 1) return [1, 1, count(x)];
  if (scale.shape.length !== 1) unsupported('blocked quantization');
  const axis = normAxis(attrInt(c, 'axis', 1), x.length);
  if (scale.shape[0] !== x[axis]) unsupported('scale length differs from the axis');
  return [count(x.slice(0, axis)), x[axis]!, count(x.slice(axis + 1))];
}

function lowerQuantize(c: NodeCase): string {
  onlyAttrs(c, ['axis', 'saturate']);
  const x = input(c, 0);
  if (x.dtype !== 'float32') unsupported(`input ${x.dtype}`);
  const scale = input(c, 1);
  if (scale.dtype !== 'float32') unsupported(`scale ${scale.dtype}`);
  const zp = c.inputs[2];
  const outType = c.outputs[0]!.dtype;
  if (outType !== 'int8' && outType !== 'uint8') unsupported(`output ${outType}`);
  const [o, a, i] = quantLayout(c, x.shape, scale);
  const s8 = outType === 'int8';
  const zpExpr = zp ? `(const ${s8 ? 'int8_t' : 'uint8_t'}[]){${nums(zp).join(', ')}}` : `(const ${s8 ? 'int8_t' : 'uint8_t'} *)0`;
  return `  ${s8 ? 'mp_quantize_s8' : 'mp_quantize_u8'}(${F(0)}, (${s8 ? 'int8_t' : 'uint8_t'} *)out[0], ${o}L, ${a}L, ${i}L, ` +
    `${cFloats(nums(scale))}, ${zpExpr});\n  return 0;\n`;
}

function lowerDequantize(c: NodeCase): string {
  onlyAttrs(c, ['axis']);
  const q = input(c, 0);
  if (q.dtype !== 'int8' && q.dtype !== 'uint8') unsupported(`input ${q.dtype}`);
  const scale = input(c, 1);
  if (scale.dtype !== 'float32' || c.outputs[0]!.dtype !== 'float32') unsupported('non-float32 scale or output');
  const zp = c.inputs[2];
  const s8 = q.dtype === 'int8';
  const t = s8 ? 'int8_t' : 'uint8_t';
  const [o, a, i] = quantLayout(c, q.shape, scale);
  const zpExpr = zp ? `(const ${t}[]){${nums(zp).join(', ')}}` : `(const ${t} *)0`;
  return `  ${s8 ? 'mp_dequantize_s8' : 'mp_dequantize_u8'}((const ${t} *)in[0], ${FO(0)}, ${o}L, ${a}L, ${i}L, ` +
    `${cFloats(nums(scale))}, ${zpExpr});\n  return 0;\n`;
}

/** Batch geometry of a MatMul: [M, N, K, rank, shape, a strides, b strides]. */
function matmulGeometry(aShape: readonly number[], bShape: readonly number[]): string {
  let a = [...aShape];
  let b = [...bShape];
  if (a.length === 1) a = [1, a[0]!];
  if (b.length === 1) b = [b[0]!, 1];
  const M = a[a.length - 2]!;
  const K = a[a.length - 1]!;
  const N = b[b.length - 1]!;
  const ab = a.slice(0, -2);
  const bb = b.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const shape: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  let accA = M * K;
  let accB = K * N;
  for (let d = rank - 1; d >= 0; d--) {
    const da = d - (rank - ab.length) >= 0 ? ab[d - (rank - ab.length)]! : 1;
    const db = d - (rank - bb.length) >= 0 ? bb[d - (rank - bb.length)]! : 1;
    shape[d] = Math.max(da, db);
    sa[d] = da === 1 ? 0 : accA;
    sb[d] = db === 1 ? 0 : accB;
    accA *= da;
    accB *= db;
  }
  return `${rank}, ${cLongs(shape)}, ${cLongs(sa)}, ${cLongs(sb)}, ${M}L, ${N}L, ${K}L`;
}

// Quantized ONNX: the kernels of memplan_kernels_qlinear.h that codegen emits (src/codegen/int/emit-qlinear.ts),
// with their parameters computed as codegen computes them.

const f32 = Math.fround;

/** The MPQL_* type code and element size of an integer operand. */
function qlType(t: Tensor | undefined, what: string): { code: string; size: number } {
  if (!t) unsupported(`${what} missing`);
  if (t.dtype === 'uint8') return { code: 'MPQL_U8', size: 1 };
  if (t.dtype === 'int8') return { code: 'MPQL_S8', size: 1 };
  if (t.dtype === 'int32') return { code: 'MPQL_S32', size: 4 };
  return unsupported(`${what} is ${t.dtype}`);
}
/** The type's full range: the clamp of a layer with no fused activation (codegen's clampOf). */
function qlRange(code: string): string {
  return code === 'MPQL_U8' ? '0, 255' : code === 'MPQL_S8' ? '-128, 127' : '(-2147483647 - 1), 2147483647';
}
/** A per-tensor scale or zero point (the default when the input is omitted). */
function perTensor(t: Tensor | undefined, what: string, dflt: number): number {
  if (!t) return dflt;
  if (count(t.shape) !== 1) unsupported(`per-axis ${what}`);
  return nums(t)[0]!;
}

interface QlWeights {
  /** Requantization multipliers, one or one per output channel / column: codegen's multipliers(). */
  readonly mult: number[];
  readonly zps: number[];
}

/**
 * Multipliers (x_scale * w_scale[c]) / y_scale in float32, as codegen (and onnxruntime) compute them;
 * [0] for an int32 output (the accumulators themselves).
 */
function qlWeights(xScale: number, wScale: Tensor | undefined, wZp: Tensor | undefined, yScale: number | undefined): QlWeights {
  const ws = wScale ? nums(wScale) : [1];
  const zps = wZp ? nums(wZp) : [0];
  if (zps.length !== 1 && wScale && zps.length !== ws.length) unsupported('w zero points and scales differ in length');
  const mult = yScale === undefined ? [0] : ws.map((s) => f32(f32(f32(xScale) * f32(s)) / f32(yScale)));
  return { mult, zps };
}

function lowerQlConv(c: NodeCase, xi: number, wi: number, bias: Tensor | undefined, q: {
  xScale: number; xZp: number; wScale: Tensor | undefined; wZp: Tensor | undefined; yScale: number | undefined; yZp: number;
}): string {
  onlyAttrs(c, ['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
  const x = input(c, xi);
  const w = input(c, wi);
  const y = c.outputs[0]!;
  if (bias && bias.dtype !== 'int32') unsupported(`bias ${bias.dtype}`);
  const g = geometry(c, x.shape, y.shape, attrInts(c, 'kernel_shape') ?? w.shape.slice(2));
  const [n, ch, h, wd] = nchw(x.shape);
  const [, m, oh, ow] = nchw(y.shape);
  const yt = qlType(y, 'y').code;
  const { mult, zps } = qlWeights(q.xScale, q.wScale, q.wZp, q.yScale);
  return `  static const float mult[] = {${mult.map(cFloat).join(', ')}};\n` +
    `  static const int32_t wzp[] = {${zps.join(', ')}};\n` +
    `  const mpql_conv_params p = {${n}, ${ch}, ${h}, ${wd}, ${m}, ${oh}, ${ow}, ${g.kh}, ${g.kw}, ${attrInt(c, 'group', 1)}, ` +
    `${g.sh}, ${g.sw}, ${g.dh}, ${g.dw}, ${g.pt}, ${g.pl}, ${qlType(x, 'x').code}, ${qlType(w, 'w').code}, ${yt}, ` +
    `${q.xZp}, ${q.yZp}, wzp, ${zps.length}, mult, ${mult.length}, ${qlRange(yt)}, 0, 0};\n` + // planes 0: whole tensors
    `  return mpql_conv(&p, in[${xi}], in[${wi}], ${bias ? `(const int32_t *)in[${c.inputs.indexOf(bias)}]` : '(const int32_t *)0'}, out[0]);\n`;
}

function lowerQLinearConv(c: NodeCase): string {
  // x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B
  const xScale = perTensor(c.inputs[1], 'x scale', 1);
  return lowerQlConv(c, 0, 3, c.inputs[8], {
    xScale, xZp: perTensor(c.inputs[2], 'x zero point', 0), wScale: c.inputs[4], wZp: c.inputs[5],
    yScale: perTensor(c.inputs[6], 'y scale', 1), yZp: perTensor(c.inputs[7], 'y zero point', 0),
  });
}

function lowerConvInteger(c: NodeCase): string {
  // x, w, x_zero_point, w_zero_point
  if (c.outputs[0]!.dtype !== 'int32') unsupported(`output ${c.outputs[0]!.dtype}`);
  return lowerQlConv(c, 0, 1, undefined, {
    xScale: 1, xZp: perTensor(c.inputs[2], 'x zero point', 0), wScale: undefined, wZp: c.inputs[3], yScale: undefined, yZp: 0,
  });
}

/** A MatMul's M, N, K and the element offsets of A, B and Y for each broadcast batch. */
function matmulBatches(aShape: readonly number[], bShape: readonly number[]): { M: number; N: number; K: number; batches: [number, number, number][] } {
  const a = aShape.length === 1 ? [1, aShape[0]!] : [...aShape];
  const b = bShape.length === 1 ? [bShape[0]!, 1] : [...bShape];
  const M = a[a.length - 2]!;
  const K = a[a.length - 1]!;
  const N = b[b.length - 1]!;
  if (b[b.length - 2] !== K) unsupported('inner dimensions differ');
  const ab = a.slice(0, -2);
  const bb = b.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const da = (d: number) => (d - (rank - ab.length) >= 0 ? ab[d - (rank - ab.length)]! : 1);
  const db = (d: number) => (d - (rank - bb.length) >= 0 ? bb[d - (rank - bb.length)]! : 1);
  const shape = Array.from({ length: rank }, (_, d) => Math.max(da(d), db(d)));
  const batches: [number, number, number][] = [];
  for (let i = 0; i < count(shape); i++) {
    let rest = i;
    let ai = 0;
    let bi = 0;
    let aStride = 1;
    let bStride = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const k = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      if (da(d) !== 1) ai += k * aStride;
      if (db(d) !== 1) bi += k * bStride;
      aStride *= da(d);
      bStride *= db(d);
    }
    batches.push([ai * M * K, bi * K * N, i * M * N]);
  }
  return { M, N, K, batches };
}

function lowerQlMatMul(c: NodeCase, ai: number, bi: number, q: {
  aScale: number; aZp: number; bScale: Tensor | undefined; bZp: Tensor | undefined; yScale: number | undefined; yZp: number;
}): string {
  onlyAttrs(c, []);
  const a = input(c, ai);
  const b = input(c, bi);
  const y = c.outputs[0]!;
  const { M, N, K, batches } = matmulBatches(a.shape, b.shape);
  const [at, bt, yt] = [qlType(a, 'a'), qlType(b, 'b'), qlType(y, 'y')];
  const { mult, zps } = qlWeights(q.aScale, q.bScale, q.bZp, q.yScale);
  if ((mult.length !== 1 && mult.length !== N) || (zps.length !== 1 && zps.length !== N)) unsupported('b quantized along another axis than the columns');
  let body = `  static const float mult[] = {${mult.map(cFloat).join(', ')}};\n` +
    `  static const int32_t bzp[] = {${zps.join(', ')}};\n` +
    `  const mpql_gemm_params p = {${M}, ${K}, ${N}, 0, ${at.code}, ${bt.code}, ${yt.code}, ${q.aZp}, ${q.yZp}, bzp, ${zps.length}, ` +
    `mult, ${mult.length}, ${qlRange(yt.code)}, 0};\n  int rc = 0;\n`; // b_ld 0: b is not a column window
  for (const [ao, bo, yo] of batches) {
    body += `  if (rc == 0) rc = mpql_gemm(&p, (const unsigned char *)in[${ai}] + ${ao * at.size}, (const unsigned char *)in[${bi}] + ${bo * bt.size}, ` +
      `(const int32_t *)0, (unsigned char *)out[0] + ${yo * yt.size});\n`;
  }
  return `${body}  return rc;\n`;
}

function lowerQLinearMatMul(c: NodeCase): string {
  // a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point
  return lowerQlMatMul(c, 0, 3, {
    aScale: perTensor(c.inputs[1], 'a scale', 1), aZp: perTensor(c.inputs[2], 'a zero point', 0), bScale: c.inputs[4], bZp: c.inputs[5],
    yScale: perTensor(c.inputs[6], 'y scale', 1), yZp: perTensor(c.inputs[7], 'y zero point', 0),
  });
}

function lowerMatMulInteger(c: NodeCase): string {
  // a, b, a_zero_point, b_zero_point
  if (c.outputs[0]!.dtype !== 'int32') unsupported(`output ${c.outputs[0]!.dtype}`);
  return lowerQlMatMul(c, 0, 1, { aScale: 1, aZp: perTensor(c.inputs[2], 'a zero point', 0), bScale: undefined, bZp: c.inputs[3], yScale: undefined, yZp: 0 });
}

function lowerLayerNorm(c: NodeCase): string {
  onlyAttrs(c, ['axis', 'epsilon', 'stash_type']);
  requireFloat(c, [0, 1, 2]);
  if (attrInt(c, 'stash_type', 1) !== 1) unsupported('stash_type');
  const x = input(c, 0).shape;
  const axis = normAxis(attrInt(c, 'axis', -1), x.length);
  const outer = count(x.slice(0, axis));
  const inner = count(x.slice(axis));
  const sc = count(input(c, 1).shape);
  const bc = c.inputs[2] ? count(c.inputs[2].shape) : 0;
  if ((sc !== inner && sc !== 1) || (bc !== 0 && bc !== inner && bc !== 1)) unsupported('partial broadcast of scale/bias');
  const mean = c.outputs.length > 1 ? FO(1) : '(float *)0';
  const inv = c.outputs.length > 2 ? FO(2) : '(float *)0';
  return `  mp_layernorm(${F(0)}, ${FO(0)}, ${outer}L, ${inner}L, ${F(1)}, ${sc}L, ${c.inputs[2] ? F(2) : '(const float *)0'}, ` +
    `${bc}L, ${cFloat(attrFloat(c, 'epsilon', 1e-5))}, ${mean}, ${inv});\n  return 0;\n`;
}

function broadcastStrides(shape: readonly number[], rank: number): number[] {
  const s = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    const id = d - (rank - shape.length);
    if (id >= 0 && shape[id] !== 1) s[d] = acc;
    if (id >= 0) acc *= shape[id]!;
  }
  return s;
}

function lowerExpand(c: NodeCase): string {
  onlyAttrs(c, []);
  requireFloat(c, [0]);
  const y = c.outputs[0]!.shape;
  const x = input(c, 0).shape;
  if (x.length > y.length) unsupported('input rank above output rank');
  return `  return mp_expand(${F(0)}, ${cLongs(broadcastStrides(x, y.length))}, ${FO(0)}, ${y.length}, ${cLongs(y)});\n`;
}

function lowerTile(c: NodeCase): string {
  onlyAttrs(c, []);
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const reps = nums(input(c, 1));
  const y = x.map((d, i) => d * reps[i]!);
  if (y.join(',') !== c.outputs[0]!.shape.join(',')) unsupported('repeats do not give the output shape');
  return `  return mp_tile(${F(0)}, ${FO(0)}, ${x.length}, ${cLongs(x)}, ${cLongs(y)});\n`;
}

function lowerSplit(c: NodeCase): string {
  onlyAttrs(c, ['axis', 'split', 'num_outputs']);
  requireFloat(c, [0]);
  const x = input(c, 0).shape;
  const axis = normAxis(attrInt(c, 'axis', 0), x.length);
  let body = '  int rc = 0;\n';
  let start = 0;
  c.outputs.forEach((o, j) => {
    const starts = x.map((_, d) => (d === axis ? start : 0));
    body += `  if (rc == 0) rc = mp_slice(${F(0)}, ${FO(j)}, ${x.length}, ${cLongs(x)}, ${cLongs(starts)}, ` +
      `${cLongs(x.map(() => 1))}, ${cLongs(o.shape)});\n`;
    start += o.shape[axis]!;
  });
  if (start !== x[axis]) unsupported('outputs do not cover the input');
  return `${body}  return rc;\n`;
}

function lowerDepthSpace(c: NodeCase): string {
  onlyAttrs(c, ['blocksize', 'mode']);
  requireFloat(c, [0]);
  const [n, ch, h, w] = input(c, 0).shape as [number, number, number, number];
  const b = attrInt(c, 'blocksize', 1);
  let shape: number[];
  let perm: number[];
  if (c.op === 'SpaceToDepth') {
    shape = [n, ch, h / b, b, w / b, b];
    perm = [0, 3, 5, 1, 2, 4];
  } else if (attrString(c, 'mode', 'DCR') === 'DCR') {
    shape = [n, b, b, ch / (b * b), h, w];
    perm = [0, 3, 4, 1, 5, 2];
  } else {
    shape = [n, ch / (b * b), b, b, h, w];
    perm = [0, 1, 4, 2, 5, 3];
  }
  return `  return mp_transpose(${F(0)}, ${FO(0)}, 6, ${cLongs(shape)}, ${cInts(perm)});\n`;
}

const LOWERINGS: Record<string, Lowering> = {
  LayerNormalization: lowerLayerNorm, Expand: lowerExpand, Tile: lowerTile, Split: lowerSplit,
  DepthToSpace: lowerDepthSpace, SpaceToDepth: lowerDepthSpace,
  QLinearConv: lowerQLinearConv, ConvInteger: lowerConvInteger, QLinearMatMul: lowerQLinearMatMul,
  MatMulInteger: lowerMatMulInteger,
  Conv: lowerConv, ConvTranspose: lowerConvTranspose, MaxPool: lowerPool, AveragePool: lowerPool,
  GlobalAveragePool: lowerGlobalPool, GlobalMaxPool: lowerGlobalPool, BatchNormalization: lowerBatchNorm,
  InstanceNormalization: lowerInstanceNorm, LRN: lowerLrn, Gemm: lowerGemm, MatMul: lowerMatMul,
  Softmax: lowerSoftmax, LogSoftmax: lowerSoftmax, Concat: lowerConcat, Transpose: lowerTranspose, Pad: lowerPad,
  Resize: lowerResize, Upsample: lowerResize, Slice: lowerSlice, Gather: lowerGather, Clip: lowerClip,
  Dropout: lowerDropout, QuantizeLinear: lowerQuantize, DequantizeLinear: lowerDequantize,
};
for (const op of Object.keys(UNARY)) LOWERINGS[op] = lowerUnary;
for (const op of Object.keys(BINARY)) LOWERINGS[op] = lowerBinary;
for (const op of Object.keys(REDUCE)) LOWERINGS[op] = lowerReduce;

// ---------------------------------------------------------------------------------------------------
// Driver

function ioType(dtype: string): IoType | undefined {
  const types: Record<string, IoType> = { float32: 'f32', int8: 's8', uint8: 'u8', int32: 'i32' };
  return types[dtype];
}

interface Prepared {
  readonly c: NodeCase;
  readonly body: string;
  /** Node inputs loaded at run time (float32/int8/uint8), by node input index. */
  readonly runtime: readonly { index: number; type: IoType; count: number }[];
  readonly outs: readonly { type: IoType; count: number }[];
}

function driverSource(cases: readonly Prepared[]): string {
  const parts: string[] = [
    '#include "memplan_kernels.h"',
    '#include "memplan_kernels_qlinear.h"',
    '#include <math.h>',
    '#include <stdint.h>',
    '#include <stdio.h>',
    '#include <stdlib.h>',
    '#include <string.h>',
    '',
    'typedef int (*case_fn)(void **in, void **out);',
    'typedef struct { case_fn fn; int nin; int in_index[16]; long in_bytes[16]; int nout; long out_bytes[8]; } case_info;',
    '',
  ];
  cases.forEach((p, k) => {
    parts.push(`/* ${p.c.name}: ${p.c.op} */`, `static int case_${k}(void **in, void **out) {`);
    parts.push('  (void)in;\n  (void)out;');
    parts.push(p.body.trimEnd(), '}', '');
  });
  const size = (t: IoType): number => (t === 'f32' || t === 'i32' ? 4 : 1);
  parts.push('static const case_info CASES[] = {');
  for (const [k, p] of cases.entries()) {
    const idx = p.runtime.map((r) => r.index);
    const bytes = p.runtime.map((r) => r.count * size(r.type));
    const ob = p.outs.map((o) => o.count * size(o.type));
    const pad = (a: number[]): string => `{${[...a, 0].join(', ')}}`;
    parts.push(`  {case_${k}, ${idx.length}, ${pad(idx)}, ${pad(bytes)}, ${ob.length}, ${pad(ob)}},`);
  }
  parts.push('};', '');
  parts.push(String.raw`
static void *read_file(const char *path, long bytes) {
  FILE *f = fopen(path, "rb");
  void *p = malloc(bytes > 0 ? (size_t)bytes : 1);
  if (f == NULL || p == NULL) { fprintf(stderr, "cannot read %s\n", path); exit(3); }
  if (bytes > 0 && fread(p, 1, (size_t)bytes, f) != (size_t)bytes) { fprintf(stderr, "short file %s\n", path); exit(3); }
  fclose(f);
  return p;
}

/* Runs case k on DIR/case_k/in_*.bin, writing DIR/case_k/out_*.bin; 0, or the kernel's error (reported). */
static int run_case(int k, const char *dir) {
  void *in[16];
  void *out[8];
  char path[4096];
  const case_info *ci = &CASES[k];
  int i, rc;
  for (i = 0; i < 16; i++) in[i] = NULL;
  for (i = 0; i < ci->nin; i++) {
    snprintf(path, sizeof path, "%s/case_%d/in_%d.bin", dir, k, ci->in_index[i]);
    in[ci->in_index[i]] = read_file(path, ci->in_bytes[i]);
  }
  for (i = 0; i < ci->nout; i++) {
    out[i] = malloc(ci->out_bytes[i] > 0 ? (size_t)ci->out_bytes[i] : 1);
    if (out[i] == NULL) exit(3);
    memset(out[i], 0xA5, (size_t)ci->out_bytes[i]);
  }
  rc = ci->fn(in, out);
  if (rc != 0) fprintf(stderr, "kernel returned %d\n", rc);
  for (i = 0; i < ci->nout; i++) {
    FILE *f;
    if (rc == 0) {
      snprintf(path, sizeof path, "%s/case_%d/out_%d.bin", dir, k, i);
      f = fopen(path, "wb");
      if (f == NULL || fwrite(out[i], 1, (size_t)ci->out_bytes[i], f) != (size_t)ci->out_bytes[i]) exit(3);
      fclose(f);
    }
    free(out[i]);
  }
  for (i = 0; i < 16; i++) free(in[i]);
  return rc;
}

/* conformance DIR K...: runs the cases in order, in one process; exit 4 if a kernel returned an error. */
int main(int argc, char **argv) {
  int a, k, failed = 0;
  if (argc < 3) { fprintf(stderr, "usage: conformance DIR CASE...\n"); return 2; }
  for (a = 2; a < argc; a++) {
    k = atoi(argv[a]);
    if (k < 0 || k >= (int)(sizeof CASES / sizeof CASES[0])) { fprintf(stderr, "no case %d\n", k); return 2; }
    if (run_case(k, argv[1]) != 0) failed = 1;
  }
  return failed ? 4 : 0;
}
`);
  return parts.join('\n');
}

function rawBytes(t: Tensor): Buffer {
  const v = t.values as unknown as ArrayBufferView;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function readOutput(file: string, type: IoType): ArrayLike<number> {
  const b = readFileSync(file);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  if (type === 'f32') return new Float32Array(ab);
  if (type === 'i32') return new Int32Array(ab);
  return type === 's8' ? new Int8Array(ab) : new Uint8Array(ab);
}

function compare(got: ArrayLike<number>, want: Tensor): string | undefined {
  const exp = want.values as ArrayLike<number>;
  if (got.length !== exp.length) return `length ${got.length} != ${exp.length}`;
  const exact = want.dtype !== 'float32';
  for (let i = 0; i < exp.length; i++) {
    const g = got[i]!;
    const r = Number(exp[i]!);
    if (Number.isNaN(r) && Number.isNaN(g)) continue;
    if (g === r) continue;
    if (!exact && Math.abs(g - r) <= 1e-4 + 1e-3 * Math.abs(r)) continue;
    return `element ${i}: got ${g}, expected ${r}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------

interface OpStats { total: number; supported: number; passed: number; notes: string[] }

const stats = new Map<string, OpStats>();
const prepared: Prepared[] = [];
const failures: string[] = [];
const sanitizerFailures: string[] = [];
let work = '';
let program = '';

function statsFor(op: string): OpStats {
  let s = stats.get(op);
  if (!s) {
    s = { total: 0, supported: 0, passed: 0, notes: [] };
    stats.set(op, s);
  }
  return s;
}

beforeAll(() => {
  if (!HAVE_DATA) return;
  for (const name of readdirSync(DATA_DIR).sort()) {
    if (!existsSync(join(DATA_DIR, name, 'model.onnx'))) continue;
    let c: NodeCase | string;
    try {
      c = loadCase(name);
    } catch {
      continue;
    }
    if (typeof c === 'string') continue;
    const lower = LOWERINGS[c.op];
    if (!lower) continue;
    const s = statsFor(c.op);
    s.total++;
    try {
      const body = lower(c);
      const runtime: { index: number; type: IoType; count: number }[] = [];
      c.inputs.forEach((t, index) => {
        const type = t ? ioType(t.dtype) : undefined;
        if (t && type) runtime.push({ index, type, count: count(t.shape) });
      });
      const outs = c.outputs.map((o) => {
        const type = ioType(o.dtype);
        if (!type) unsupported(`output ${o.dtype}`);
        return { type, count: count(o.shape) };
      });
      prepared.push({ c, body, runtime, outs });
      s.supported++;
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      s.notes.push(`${name}: ${e.message}`);
    }
  }
  work = makeTempDir('memplan-conformance-');
  const src = join(work, 'conformance.c');
  writeFileSync(src, driverSource(prepared));
  program = join(work, 'conformance');
  const kernels = runtimeFiles().filter((f) => f.name === 'memplan_kernels.c' || f.name === 'memplan_kernels_qlinear.c').map((f) => f.path);
  compileC({ sources: [src, ...kernels], output: program, includeDirs: [runtimeDir()], flags: STRICT_FLAGS });
  const sanitized = join(work, 'conformance_san');
  compileC({
    sources: [src, ...kernels], output: sanitized, includeDirs: [runtimeDir()], flags: [...STRICT_FLAGS, ...SANITIZE_FLAGS],
  });
  const ks = prepared.map((_, k) => k);
  prepared.forEach((p, k) => {
    const dir = join(work, `case_${k}`);
    mkdirSync(dir);
    for (const r of p.runtime) writeFileSync(join(dir, `in_${r.index}.bin`), rawBytes(p.c.inputs[r.index]!));
  });
  // Every case in one process (a process per case cost most of this file's time, ASan's start-up
  // above all). A run that is not clean is repeated case by case, each in its own process, so that
  // every failure names its case.
  // The sanitized build first (its outputs are overwritten by the plain build's below).
  const san = runProgram(sanitized, [work, ...ks.map(String)]);
  if (san.status !== 0 || san.stderr !== '') {
    for (const k of ks) {
      const one = runProgram(sanitized, [work, String(k)]);
      if (one.status !== 0 || one.stderr !== '') {
        sanitizerFailures.push(`${prepared[k]!.c.name}: exit ${one.status} ${one.signal ?? ''} ${one.stderr.trim().slice(0, 2000)}`);
      }
    }
    if (sanitizerFailures.length === 0) sanitizerFailures.push(`all cases in one process: exit ${san.status} ${san.signal ?? ''} ${san.stderr.trim().slice(0, 2000)}`);
  }
  const all = runProgram(program, [work, ...ks.map(String)]);
  const runFailed = new Map<number, string>();
  if (all.status !== 0) {
    for (const k of ks) {
      const one = runProgram(program, [work, String(k)]);
      if (one.status !== 0) runFailed.set(k, `exit ${one.status} ${one.signal ?? ''} ${one.stderr.trim()}`);
    }
    if (runFailed.size === 0) failures.push(`all cases in one process: exit ${all.status} ${all.signal ?? ''} ${all.stderr.trim().slice(0, 2000)}`);
  }
  prepared.forEach((p, k) => {
    const dir = join(work, `case_${k}`);
    const s = statsFor(p.c.op);
    if (runFailed.has(k)) {
      failures.push(`${p.c.name}: ${runFailed.get(k)}`);
      return;
    }
    for (let j = 0; j < p.outs.length; j++) {
      const diff = compare(readOutput(join(dir, `out_${j}.bin`), p.outs[j]!.type), p.c.outputs[j]!);
      if (diff !== undefined) {
        failures.push(`${p.c.name}: output ${j} ${diff}`);
        return;
      }
    }
    s.passed++;
  });
  const rows = [...stats.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = rows.map(([op, s]) => `${op.padEnd(22)} ${s.passed}/${s.supported}/${s.total}`);
  const totals = rows.reduce((a, [, s]) => [a[0]! + s.passed, a[1]! + s.supported, a[2]! + s.total], [0, 0, 0]);
  console.log(
    `libonnx-testdata conformance (passed/supported/total per op)\n${lines.join('\n')}\n` +
    `TOTAL ${totals.join('/')}\nunsupported:\n${rows.flatMap(([, s]) => s.notes).join('\n')}\n` +
    `failures:\n${failures.join('\n')}`,
  );
}, 120_000);

afterAll(() => {
  if (work) removeDir(work);
});

describe.skipIf(!HAVE_DATA)('C kernels against libonnx-testdata', () => {
  it('every supported single-operator test passes', () => {
    expect(prepared.length).toBeGreaterThan(200);
    expect(failures).toEqual([]);
  });

  it('every supported test runs clean under AddressSanitizer + UndefinedBehaviorSanitizer', () => {
    expect(sanitizerFailures).toEqual([]);
  });

  it('the core operators of CNNs are covered by passing tests', () => {
    for (const op of ['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'Gemm', 'MatMul', 'Add', 'Relu', 'Softmax', 'Concat',
      'BatchNormalization', 'GlobalAveragePool', 'Transpose', 'Pad', 'Resize', 'ReduceMean', 'Gather', 'Slice']) {
      const s = stats.get(op);
      expect(s, op).toBeDefined();
      expect(s!.passed, op).toBeGreaterThan(0);
    }
  });
});
