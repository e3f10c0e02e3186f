/**
 * C for quantized ONNX layers (the `memplan.qlinear` nodes of frontend/qdq/fold-qdq.ts): one call of
 * memplan_kernels_qlinear.h per node, with onnxruntime's arithmetic. The requantization multipliers
 * are computed here as onnxruntime computes them, in float32: (x_scale * w_scale[c]) / y_scale.
 * Operands are whole tensors in memory the core can address (like the TFLite layers); anything else
 * raises MP701 naming the node.
 */
import type { ConstTensor, OpNode, Quantization } from '../../ir/graph.js';
import { cFloat } from '../c-literals.js';
import { unsupported } from '../context.js';
import type { TfliteEmit } from './emit-tflite.js';
import { binaryWindow } from './emit-tflite.js';

type QEmit = TfliteEmit;

const f32 = Math.fround;

interface Operand {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly q: Quantization | undefined;
  readonly weight?: ConstTensor;
}

function operand(e: QEmit, name: string): Operand {
  const t = e.ctx.graph.tensors.get(name);
  if (t) return { name, dtype: t.dtype, shape: t.shape, q: t.quantization };
  const w = e.ctx.graph.weights.get(name);
  if (w) return { name, dtype: w.dtype, shape: w.shape, q: w.quantization, weight: w };
  return unsupported(e.node, `operand '${name}' is unknown`);
}

function typeCode(e: QEmit, dtype: string): string {
  switch (dtype) {
    case 'uint8': return 'MPQL_U8';
    case 'int8': return 'MPQL_S8';
    case 'int32': return 'MPQL_S32';
    default: return unsupported(e.node, `${dtype} operands (int8, uint8 or int32 expected)`);
  }
}

function ptr(e: QEmit, name: string, ctype = 'void'): string {
  const p = e.pointers.get(name);
  if (p !== undefined) return `((${ctype} *)(void *)${p})`;
  const w = e.ctx.kernelWeight(e.node, name);
  if (w) return `((const ${ctype} *)${w.cName})`;
  return unsupported(e.node, `tensor '${name}' has no buffer`);
}

function perTensor(e: QEmit, o: Operand): { scale: number; zp: number } {
  if (!o.q || o.q.scales.length !== 1) unsupported(e.node, `'${o.name}' must be quantized per tensor`);
  return { scale: f32(o.q.scales[0]!), zp: o.q.zeroPoints[0] ?? 0 };
}

function intAttr(n: OpNode, name: string, d: number): number {
  const a = n.attributes.get(name);
  return a && a.type === 'int' ? a.value : d;
}
function intsAttr(n: OpNode, name: string): number[] | undefined {
  const a = n.attributes.get(name);
  return a && a.type === 'ints' ? [...a.value] : undefined;
}
function strAttr(n: OpNode, name: string, d: string): string {
  const a = n.attributes.get(name);
  return a && a.type === 'string' ? a.value : d;
}

/** The output clamp act_min, act_max (fused Relu/Clip), else the output type's range. */
function clampOf(e: QEmit, y: Operand): string {
  const [lo, hi] = y.dtype === 'uint8' ? [0, 255] : y.dtype === 'int8' ? [-128, 127] : [-2147483647 - 1, 2147483647];
  const min = intAttr(e.node, 'act_min', lo);
  const max = intAttr(e.node, 'act_max', hi);
  return `${min === -2147483648 ? '(-2147483647 - 1)' : min}, ${max}`;
}

function call(e: QEmit, expr: string): void {
  e.w.line(`MPG_CHECK(${expr});`);
}

function floats(name: string, values: readonly number[]): string {
  return `static const float ${name}[${Math.max(1, values.length)}] = {${values.length === 0 ? '0.0f' : values.map(cFloat).join(', ')}};`;
}
function ints(name: string, values: readonly number[]): string {
  return `static const int32_t ${name}[${Math.max(1, values.length)}] = {${values.length === 0 ? '0' : values.join(', ')}};`;
}

/** onnxruntime's per-channel multipliers: (x_scale * w_scale[c]) / y_scale, each step in float32. */
function multipliers(xScale: number, w: Quantization, yScale: number): number[] {
  return w.scales.map((s) => f32(f32(xScale * f32(s)) / yScale));
}

/** Ops whose kernel runs on a window (the splits of schedule/templates/integer.ts). */
export const QLINEAR_WINDOWED_OPS: ReadonlySet<string> = new Set(['QConv', 'QGemm', 'QAdd', 'QMul', 'QGlobalAveragePool', 'QMaxPool', 'QClip', 'QLookup', 'QuantizeLinear', 'DequantizeLinear']);

export function emitQlinearCompute(e: QEmit): void {
  if (e.views) {
    if (!QLINEAR_WINDOWED_OPS.has(e.node.opType)) unsupported(e.node, `the integer ${e.node.opType} kernel runs on whole tensors only, but the schedule splits it into tiles`);
    // Window layers index each channel plane (rows of whole width) from a plane stride; the others a dense run.
    const from = e.node.opType === 'QConv' || e.node.opType === 'QMaxPool' ? 2 : 0;
    const vs = [...new Set(e.views.values())];
    e.w.line(`if (${vs.map((v) => `!mpg_dense_from(&${v}, ${from})`).join(' || ')}) return MP_EPARAM; /* the kernel indexes dense windows */`);
  }
  switch (e.node.opType) {
    case 'QConv': return conv(e);
    case 'QGemm': return gemm(e);
    case 'QAdd':
    case 'QMul': return binary(e, e.node.opType === 'QMul');
    case 'QGlobalAveragePool': return globalAvgPool(e);
    case 'QMaxPool': return maxPool(e);
    case 'QConcat': return concat(e);
    case 'QClip': return clip(e);
    case 'QLookup': return lookup(e);
    case 'QuantizeLinear': return quantize(e);
    case 'DequantizeLinear': return dequantize(e);
    default: unsupported(e.node, `no integer C kernel for ${e.node.opType}`);
  }
}

/** Pads (top, left) of a 1-D or 2-D window op, honouring auto_pad. */
function window2d(e: QEmit, xs: readonly number[], ys: readonly number[], kernel: readonly number[]) {
  const n = e.node;
  const sd = xs.length - 2;
  if (sd !== 1 && sd !== 2) unsupported(n, `${sd}-D spatial layers (1-D and 2-D only)`);
  const strides = intsAttr(n, 'strides') ?? Array(sd).fill(1);
  const dil = intsAttr(n, 'dilations') ?? Array(sd).fill(1);
  const autoPad = strAttr(n, 'auto_pad', 'NOTSET');
  let pads = intsAttr(n, 'pads') ?? Array(2 * sd).fill(0);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = Array(2 * sd).fill(0);
    for (let d = 0; d < sd; d++) {
      const total = Math.max(0, (ys[2 + d]! - 1) * strides[d]! + (kernel[d]! - 1) * dil[d]! + 1 - xs[2 + d]!);
      const small = Math.floor(total / 2);
      pads[d] = autoPad === 'SAME_UPPER' ? small : total - small;
    }
  } else if (autoPad === 'VALID') pads = Array(2 * sd).fill(0);
  const h = sd === 2 ? xs[2]! : 1, w = sd === 2 ? xs[3]! : xs[2]!;
  const oh = sd === 2 ? ys[2]! : 1, ow = sd === 2 ? ys[3]! : ys[2]!;
  const kh = sd === 2 ? kernel[0]! : 1, kw = sd === 2 ? kernel[1]! : kernel[0]!;
  const sh = sd === 2 ? strides[0]! : 1, sw = sd === 2 ? strides[1]! : strides[0]!;
  const dh = sd === 2 ? dil[0]! : 1, dw = sd === 2 ? dil[1]! : dil[0]!;
  const pt = sd === 2 ? pads[0]! : 0, pl = sd === 2 ? pads[1]! : pads[0]!;
  return { h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl };
}

function conv(e: QEmit): void {
  const n = e.node;
  const x = operand(e, n.inputs[0]!);
  const w = operand(e, n.inputs[1]!);
  const y = operand(e, n.outputs[0]!);
  if (!w.weight || !w.q) unsupported(n, 'the weights must be a quantized constant');
  const xq = perTensor(e, x);
  const integerOut = y.dtype === 'int32';
  const yq = integerOut ? { scale: 1, zp: 0 } : perTensor(e, y);
  const win = window2d(e, x.shape, y.shape, w.shape.slice(2));
  const mult = integerOut ? [0] : multipliers(xq.scale, w.q, yq.scale);
  e.w.line(floats('mult', mult));
  e.w.line(ints('wzp', w.q.zeroPoints));
  const group = intAttr(n, 'group', 1);
  e.w.line(`${e.views ? '' : 'const '}mpql_conv_params p = {${x.shape[0]}, ${x.shape[1]}, ${win.h}, ${win.w}, ${y.shape[1]}, ${win.oh}, ${win.ow}, ${win.kh}, ${win.kw}, ${group}, ${win.sh}, ${win.sw}, ${win.dh}, ${win.dw}, ${win.pt}, ${win.pl}, ${typeCode(e, x.dtype)}, ${typeCode(e, w.dtype)}, ${typeCode(e, y.dtype)}, ${xq.zp}, ${yq.zp}, wzp, ${w.q.zeroPoints.length}, mult, ${mult.length}, ${clampOf(e, y)}, 0, 0};`);
  if (e.views) planeRows(e, x.name, y.name, win.pt, win.sh);
  const b = n.inputs[2] ?? '';
  call(e, `mpql_conv(&p, ${ptr(e, x.name)}, ${ptr(e, w.name)}, ${b === '' ? 'NULL' : ptr(e, b, 'int32_t')}, ${ptr(e, y.name)})`);
}

function gemm(e: QEmit): void {
  const n = e.node;
  const a = operand(e, n.inputs[0]!);
  const b = operand(e, n.inputs[1]!);
  const y = operand(e, n.outputs[0]!);
  if (!b.q || b.shape.length !== 2) unsupported(n, 'B must be a quantized 2-D matrix');
  const transB = intAttr(n, 'transB', 0) !== 0;
  const K = transB ? b.shape[1]! : b.shape[0]!;
  const N = transB ? b.shape[0]! : b.shape[1]!;
  const count = a.shape.reduce((p, d) => p * d, 1);
  if (a.shape[a.shape.length - 1] !== K) unsupported(n, `A's last dimension is not ${K}`);
  const aq = perTensor(e, a);
  const integerOut = y.dtype === 'int32';
  const yq = integerOut ? { scale: 1, zp: 0 } : perTensor(e, y);
  const mult = integerOut ? [0] : multipliers(aq.scale, b.q, yq.scale);
  e.w.line(floats('mult', mult));
  e.w.line(ints('bzp', b.q.zeroPoints));
  e.w.line(`${e.views ? '' : 'const '}mpql_gemm_params p = {${count / K}, ${K}, ${N}, ${transB ? 1 : 0}, ${typeCode(e, a.dtype)}, ${typeCode(e, b.dtype)}, ${typeCode(e, y.dtype)}, ${aq.zp}, ${yq.zp}, bzp, ${b.q.zeroPoints.length}, mult, ${mult.length}, ${clampOf(e, y)}, 0};`);
  const bias = n.inputs[2] ?? '';
  if (!e.views) {
    call(e, `mpql_gemm(&p, ${ptr(e, a.name)}, ${ptr(e, b.name)}, ${bias === '' ? 'NULL' : ptr(e, bias, 'int32_t')}, ${ptr(e, y.name)})`);
    return;
  }
  // A window of rows (every column) or of columns [n0, n0 + n) of one row: B's columns, the biases,
  // zero points and multipliers of those columns; B's rows keep their full length.
  const vy = e.views.get(y.name)!;
  const R = y.shape.length;
  e.w.line(`const long n0 = ${vy}.start[${R - 1}];`);
  e.w.line(`p.n = ${vy}.ext[${R - 1}];`);
  e.w.line(`p.m = p.n > 0 ? mpg_count(&${vy}) / p.n : 0;`);
  e.w.line(`p.b_ld = ${transB ? K : N};`);
  e.w.line(`if (p.m * ${K} != mpg_count(&${e.views.get(a.name)!})) return MP_EPARAM; /* A's rows are the output's */`);
  if (b.q.zeroPoints.length > 1) e.w.line('p.b_zero_point = bzp + n0;');
  if (mult.length > 1) e.w.line('p.multiplier = mult + n0;');
  const bPtr = `((const uint8_t *)${ptr(e, b.name)} + (n0 * ${transB ? K : 1}) * ${b.dtype === 'int32' ? 4 : 1})`;
  call(e, `mpql_gemm(&p, ${ptr(e, a.name)}, ${bPtr}, ${bias === '' ? 'NULL' : `${ptr(e, bias, 'int32_t')} + n0`}, ${ptr(e, y.name)})`);
}

function shape6(s: readonly number[]): number[] {
  return [...Array.from({ length: 6 - s.length }, () => 1), ...s];
}

function binary(e: QEmit, mul: boolean): void {
  const n = e.node;
  const a = operand(e, n.inputs[0]!);
  const b = operand(e, n.inputs[1]!);
  const y = operand(e, n.outputs[0]!);
  if (a.shape.length > 6 || b.shape.length > 6 || y.shape.length > 6) unsupported(n, 'more than 6 dimensions');
  const aq = perTensor(e, a), bq = perTensor(e, b), yq = perTensor(e, y);
  e.w.line(`${e.views ? '' : 'const '}mpql_binary_params p = {{${shape6(a.shape).join(', ')}}, {${shape6(b.shape).join(', ')}}, {${shape6(y.shape).join(', ')}}, ${typeCode(e, a.dtype)}, ${typeCode(e, b.dtype)}, ${typeCode(e, y.dtype)}, ${cFloat(aq.scale)}, ${cFloat(bq.scale)}, ${cFloat(yq.scale)}, ${aq.zp}, ${bq.zp}, ${yq.zp}, ${clampOf(e, y)}};`);
  if (e.views) binaryWindow(e, 'p.a_shape', 'p.b_shape', 'p.y_shape');
  call(e, `mpql_${mul ? 'mul' : 'add'}(&p, ${ptr(e, a.name)}, ${ptr(e, b.name)}, ${ptr(e, y.name)})`);
}

function globalAvgPool(e: QEmit): void {
  const n = e.node;
  const x = operand(e, n.inputs[0]!);
  const y = operand(e, n.outputs[0]!);
  const xq = perTensor(e, x), yq = perTensor(e, y);
  const nc = x.shape[0]! * x.shape[1]!;
  const hw = x.shape.slice(2).reduce((p, d) => p * d, 1);
  // x_scale / (y_scale * hw), in float32 (the mean's division folded into the multiplier).
  const mult = f32(xq.scale / f32(yq.scale * hw));
  call(e, `mpql_global_avgpool(${e.views ? `mpg_count(&${e.views.get(y.name)!})` : nc}, ${hw}, ${ptr(e, x.name)}, ${typeCode(e, x.dtype)}, ${xq.zp}, ${ptr(e, y.name)}, ${typeCode(e, y.dtype)}, ${cFloat(mult)}, ${yq.zp}, ${clampOf(e, y)})`);
}

function maxPool(e: QEmit): void {
  const n = e.node;
  const x = operand(e, n.inputs[0]!);
  const y = operand(e, n.outputs[0]!);
  const xq = perTensor(e, x), yq = perTensor(e, y);
  const kernel = intsAttr(n, 'kernel_shape');
  if (!kernel) unsupported(n, 'no kernel_shape');
  const win = window2d(e, x.shape, y.shape, kernel);
  const same = xq.scale === yq.scale && xq.zp === yq.zp ? 1 : 0;
  e.w.line(`${e.views ? '' : 'const '}mpql_maxpool_params p = {${x.shape[0]}, ${x.shape[1]}, ${win.h}, ${win.w}, ${win.oh}, ${win.ow}, ${win.kh}, ${win.kw}, ${win.sh}, ${win.sw}, ${win.dh}, ${win.dw}, ${win.pt}, ${win.pl}, ${typeCode(e, x.dtype)}, ${same}, ${cFloat(xq.scale)}, ${cFloat(yq.scale)}, ${xq.zp}, ${yq.zp}, ${clampOf(e, y)}, 0, 0};`);
  if (e.views) planeRows(e, x.name, y.name, win.pt, win.sh);
  call(e, `mpql_maxpool(&p, ${ptr(e, x.name)}, ${ptr(e, y.name)})`);
}

function concat(e: QEmit): void {
  const n = e.node;
  const y = operand(e, n.outputs[0]!);
  const yq = perTensor(e, y);
  let axis = intAttr(n, 'axis', 0);
  if (axis < 0) axis += y.shape.length;
  const xs = n.inputs.map((i) => operand(e, i));
  const outer = y.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = y.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const qs = xs.map((x) => perTensor(e, x));
  e.w.line(`const void *const xs[${xs.length}] = {${xs.map((x) => ptr(e, x.name, 'const void')).join(', ')}};`);
  e.w.line(`static const long lens[${xs.length}] = {${xs.map((x) => x.shape[axis]).join(', ')}};`);
  e.w.line(`static const int types[${xs.length}] = {${xs.map((x) => typeCode(e, x.dtype)).join(', ')}};`);
  e.w.line(floats('scales', qs.map((q) => q.scale)));
  e.w.line(ints('zps', qs.map((q) => q.zp)));
  call(e, `mpql_concat(${xs.length}, xs, lens, types, scales, zps, ${outer}, ${inner}, ${ptr(e, y.name)}, ${typeCode(e, y.dtype)}, ${cFloat(yq.scale)}, ${yq.zp}, ${clampOf(e, y)})`);
}

function clip(e: QEmit): void {
  const n = e.node;
  const x = operand(e, n.inputs[0]!);
  const y = operand(e, n.outputs[0]!);
  const xq = perTensor(e, x), yq = perTensor(e, y);
  const count = countOf(e, y);
  call(e, `mpql_requantize_copy(${count}, ${ptr(e, x.name)}, ${typeCode(e, x.dtype)}, ${cFloat(xq.scale)}, ${xq.zp}, ${ptr(e, y.name)}, ${typeCode(e, y.dtype)}, ${cFloat(yq.scale)}, ${yq.zp}, ${clampOf(e, y)})`);
}

function quantize(e: QEmit): void {
  const n = e.node;
  const x = operand(e, n.inputs[0]!);
  const y = operand(e, n.outputs[0]!);
  if (x.dtype !== 'float32') unsupported(n, `QuantizeLinear of ${x.dtype}`);
  const yq = perTensor(e, y);
  const count = countOf(e, y);
  call(e, `mpql_quantize(${count}, ${ptr(e, x.name, 'float')}, ${ptr(e, y.name)}, ${typeCode(e, y.dtype)}, ${cFloat(yq.scale)}, ${yq.zp})`);
}

function dequantize(e: QEmit): void {
  const n = e.node;
  const x = operand(e, n.inputs[0]!);
  const y = operand(e, n.outputs[0]!);
  if (y.dtype !== 'float32') unsupported(n, `DequantizeLinear to ${y.dtype}`);
  const xq = perTensor(e, x);
  const count = countOf(e, y);
  call(e, `mpql_dequantize(${count}, ${ptr(e, x.name)}, ${typeCode(e, x.dtype)}, ${cFloat(xq.scale)}, ${xq.zp}, ${ptr(e, y.name, 'float')})`);
}

/**
 * Sigmoid/Tanh on integers through a table of the 256 possible results, computed here: each input
 * code dequantized in float32, the function in double rounded to float32, quantized as QuantizeLinear
 * does (division by the scale, round half to even, saturation).
 */
function lookup(e: QEmit): void {
  const n = e.node;
  const x = operand(e, n.inputs[0]!);
  const y = operand(e, n.outputs[0]!);
  const xq = perTensor(e, x), yq = perTensor(e, y);
  const a = n.attributes.get('function');
  const fn = a && a.type === 'string' ? a.value : '';
  const f = fn === 'Sigmoid' ? (v: number) => 1 / (1 + Math.exp(-v)) : fn === 'Tanh' ? Math.tanh : unsupported(n, `no table for ${fn}`);
  const [lo, hi] = y.dtype === 'uint8' ? [0, 255] : y.dtype === 'int8' ? [-128, 127] : unsupported(n, `${y.dtype} output`);
  const first = x.dtype === 'uint8' ? 0 : x.dtype === 'int8' ? -128 : unsupported(n, `${x.dtype} input`);
  const table: number[] = [];
  for (let q = first; q < first + 256; q++) {
    const v = f32(f32(q - xq.zp) * xq.scale);
    const r = f32(f32(f(v)) / yq.scale);
    const rounded = Math.abs(r % 1) === 0.5 ? 2 * Math.round(r / 2) : Math.round(r);
    table.push(Math.min(hi, Math.max(lo, rounded + yq.zp)));
  }
  e.w.line(ints('table', table));
  const count = countOf(e, y);
  call(e, `mpql_lookup(${count}, ${ptr(e, x.name)}, ${typeCode(e, x.dtype)}, table, ${ptr(e, y.name)}, ${typeCode(e, y.dtype)})`);
}

/** Elements computed: the output window's (windowed) or the whole output's. */
function countOf(e: QEmit, y: Operand): string {
  const v = e.views?.get(y.name);
  return v === undefined ? `${y.shape.reduce((a, b) => a * b, 1)}` : `mpg_count(&${v})`;
}

/**
 * A window layer (NCHW, batch 1) on a block of output rows: the kernel sees the windows as whole
 * tensors of their rows, each channel plane `plane` elements after the previous one (the window's
 * stride: the full tensor's in a home buffer, the tile's in a tile); the top padding moves by the rows
 * between the input window's first row and where the block's first output row starts reading.
 */
function planeRows(e: QEmit, x: string, y: string, pad: number, stride: number): void {
  const vx = e.views!.get(x)!;
  const vy = e.views!.get(y)!;
  e.w.line(`if (${vx}.ext[0] != 1 || ${vy}.ext[0] != 1) return MP_EPARAM;`);
  e.w.line(`p.h = ${vx}.ext[2];`);
  e.w.line(`p.oh = ${vy}.ext[2];`);
  e.w.line(`p.pad_top = ${pad} + ${vx}.start[2] - ${vy}.start[2] * ${stride};`);
  e.w.line(`p.x_plane = ${vx}.stride[1];`);
  e.w.line(`p.y_plane = ${vy}.stride[1];`);
}
