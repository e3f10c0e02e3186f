/**
 * C for TFLite-domain layers (integer and float tensors as the file types them): one call of
 * memplan_kernels_int.h per operator, with every quantization parameter computed here at generation
 * time (quant-params.ts) and written as constants. Operands must be whole tensors in memory the core
 * can address (activation buffers or whole-tensor tiles); anything else raises MP701 naming the node.
 */
import { constNumbers } from '../../frontend/shape-inference/util.js';
import type { ConstTensor, OpNode, TensorInfo } from '../../ir/graph.js';
import type { LayerSchedule } from '../../ir/loop.js';
import type { CWriter } from '../c-writer.js';
import type { CodegenContext } from '../context.js';
import { unsupported } from '../context.js';
import { activationRange, intRange, quantizeMultiplier, scaleOf, softmaxParams, zeroPointOf } from './quant-params.js';
import { cTypeOf } from './c-types.js';
import { axisAttr, floatAttr, intAttr, stringAttr } from '../../ir/attributes.js';
import { resolvePad, stridedSliceBounds, stridedSliceMasks, tflitePad, tflitePadding } from '../../ir/geometry.js';

/** What the layer emitter gives: C pointer expressions (any pointer type) of the operand buffers by tensor. */
export interface TfliteEmit {
  readonly ctx: CodegenContext;
  readonly w: CWriter;
  readonly node: OpNode;
  readonly layer: LayerSchedule;
  readonly pointers: ReadonlyMap<string, string>;
  /**
   * Set when the layer runs on windows (tiles, per-core blocks): tensor -> `mpg_view` variable of its
   * window; `pointers` then give each window's first element. Unset: every operand is whole.
   */
  readonly views?: ReadonlyMap<string, string>;
  /**
   * A member of a depth-first segment (with `views`): each window is a block of rows and columns of an
   * NHWC tensor (channels whole and dense, rows and columns at their buffer's strides, starts in
   * tensor coordinates), or of the NCHW input of a TRANSPOSE.
   */
  readonly segment?: boolean;
  /**
   * A segment's convolution reading the input of a PAD folded into it (VALID padding, the pad value
   * the input's zero point): these rows and columns of padding before the input are added to its own.
   */
  readonly foldedPad?: { readonly top: number; readonly left: number };
}

/** Ops a segment member may be (schedule/depth-first/members.ts). */
const SEGMENT_OPS: ReadonlySet<string> = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'ADD', 'SUB', 'MUL', 'PAD', 'PADV2', 'TRANSPOSE']);

/** Ops whose integer kernel runs on a window (the splits of schedule/templates/integer.ts). */
export const TFLITE_WINDOWED_OPS: ReadonlySet<string> = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'FULLY_CONNECTED', 'ADD', 'SUB', 'MUL',
  'RELU', 'RELU6', 'RELU_N1_TO_1', 'LEAKY_RELU', 'QUANTIZE', 'DEQUANTIZE', 'SOFTMAX', 'PAD', 'PADV2', 'TRANSPOSE', 'MEAN']);

/** Typed pointer to tensor input/output `name`: an operand buffer, a weight array or a state buffer. */
function ptr(e: TfliteEmit, name: string, ctype: string): string {
  const p = e.pointers.get(name);
  if (p !== undefined) return `((${ctype} *)(void *)${p})`;
  const wt = e.ctx.kernelWeight(e.node, name);
  if (wt) return `((const ${ctype} *)${wt.cName})`;
  if (e.ctx.graph.states?.has(name) && e.ctx.hasPlacement(name)) {
    const pl = e.ctx.placement(name);
    return `((${ctype} *)(void *)(${pl.pool.cName} + ${pl.offsetBytes}))`;
  }
  return unsupported(e.node, `tensor '${name}' has no buffer`);
}

function act(e: TfliteEmit, name: string): TensorInfo {
  const t = e.ctx.graph.tensors.get(name) ?? e.ctx.graph.states?.get(name);
  if (!t) unsupported(e.node, `tensor '${name}' is not an activation`);
  return t;
}

/** The first input and output activations; `quantized` names those that must be quantized per tensor (x checked first). */
function io(e: TfliteEmit, quantized: '' | 'x' | 'y' | 'xy' = ''): { x: TensorInfo; y: TensorInfo } {
  const x = act(e, e.node.inputs[0]!);
  const y = act(e, e.node.outputs[0]!);
  if (quantized.includes('x')) requireQuant(e, x);
  if (quantized.includes('y')) requireQuant(e, y);
  return { x, y };
}

/** Typed pointers to the first input and the first output. */
function inPtr(e: TfliteEmit, ctype: string): string {
  return ptr(e, e.node.inputs[0]!, ctype);
}
function outPtr(e: TfliteEmit, ctype: string): string {
  return ptr(e, e.node.outputs[0]!, ctype);
}

function weight(e: TfliteEmit, i: number, what: string): ConstTensor {
  const name = e.node.inputs[i] ?? '';
  const t = e.ctx.graph.weights.get(name);
  if (!t) unsupported(e.node, `${what} (input ${i}) must be a constant`);
  return t;
}

function constInts(e: TfliteEmit, i: number, what: string): number[] {
  const t = weight(e, i, what);
  if (t.data.kind !== 'dense') unsupported(e.node, `${what} must be dense`);
  return constNumbers(t);
}

/** TFLite's padding before the first element (SAME puts the odd element at the end). */
function padBefore(inSize: number, outSize: number, kernel: number, stride: number, dilation: number, padding: string): number {
  return resolvePad(tflitePadding(padding), inSize, outSize, kernel, stride, dilation)[0];
}

function bitsOf(e: TfliteEmit, t: TensorInfo): number {
  switch (t.dtype) {
    case 'int8': return 8;
    case 'int16': return 16;
    case 'int32': return 32;
    default: return unsupported(e.node, `tensor '${t.name}' is ${t.dtype}; this kernel takes int8, int16 or int32`);
  }
}

function requireQuant(e: TfliteEmit, t: TensorInfo): void {
  if (!t.quantization) unsupported(e.node, `tensor '${t.name}' (${t.dtype}) has no quantization`);
  if (t.quantization.scales.length !== 1) unsupported(e.node, `tensor '${t.name}' is quantized per channel; activations must be per tensor`);
}

function call(e: TfliteEmit, expr: string): void {
  e.w.line(`MPG_CHECK(${expr});`);
}

function arr(ctype: string, name: string, values: readonly number[]): string {
  return `static const ${ctype} ${name}[${Math.max(1, values.length)}] = {${values.length === 0 ? '0' : values.join(', ')}};`;
}

/** The integer kernel of each TFLite operator (the op table's 'int' kernel rows). */
const KERNELS: Readonly<Record<string, (e: TfliteEmit, op: string) => void>> = {
  CONV_2D: conv, DEPTHWISE_CONV_2D: conv, TRANSPOSE_CONV: conv, FULLY_CONNECTED: fullyConnected,
  ADD: (e) => addSub(e, false), SUB: (e) => addSub(e, true), MUL: mul,
  AVERAGE_POOL_2D: (e) => pool(e, true), MAX_POOL_2D: (e) => pool(e, false), MEAN: mean,
  RESHAPE: copy, SQUEEZE: copy, EXPAND_DIMS: copy, TRANSPOSE: transpose, STRIDED_SLICE: stridedSlice, CONCATENATION: concatenation,
  PAD: (e) => pad(e, false), PADV2: (e) => pad(e, true),
  SOFTMAX: softmax, QUANTIZE: quantize, DEQUANTIZE: dequantize, LEAKY_RELU: leakyRelu, RELU: relu, RELU6: relu, RELU_N1_TO_1: relu,
  SVDF: svdf,
};

/** TFLite operators with an integer C kernel. */
export const TFLITE_KERNEL_OPS: readonly string[] = Object.keys(KERNELS);

export function emitTfliteCompute(e: TfliteEmit): void {
  const op = e.node.opType;
  const kernel = Object.hasOwn(KERNELS, op) ? KERNELS[op] : undefined;
  if (!kernel) unsupported(e.node, `no integer C kernel for TFLite ${op}`);
  if (e.views && !TFLITE_WINDOWED_OPS.has(op)) unsupported(e.node, `the integer ${op} kernel runs on whole tensors only, but the schedule splits it into tiles`);
  if (e.segment) {
    if (!SEGMENT_OPS.has(op)) unsupported(e.node, `the integer ${op} kernel cannot run in a depth-first segment`);
    if (op === 'ADD' || op === 'SUB' || op === 'MUL') {
      segmentRows(e, (row) => kernel(row, op));
      return;
    }
    kernel(e, op);
    return;
  }
  // Dense windows, except a 1-row conv's input window of columns (rows of it are in_row apart) and a
  // conv's output window of channels (pixels out_px apart, rows out_row apart).
  // MEAN checks its own windows (a window of channels, pixels a stride apart).
  if (e.views && op !== 'TRANSPOSE' && op !== 'MEAN') {
    const from = new Map<string, number>();
    if ((op === 'CONV_2D' || op === 'DEPTHWISE_CONV_2D') && act(e, e.node.outputs[0]!).shape[1] === 1) from.set(e.node.inputs[0]!, 2);
    if (channelWindow(e)) {
      from.set(e.node.outputs[0]!, 3);
      if (op === 'DEPTHWISE_CONV_2D') from.set(e.node.inputs[0]!, 3);
    }
    requireDense(e, 0, from);
  }
  kernel(e, op);
}

function perChannelMultipliers(e: TfliteEmit, x: TensorInfo, filter: ConstTensor, y: TensorInfo, channels: number): { m: number[]; s: number[] } {
  const fq = filter.quantization;
  if (!fq) unsupported(e.node, 'the filter has no quantization');
  const inScale = scaleOf(x.quantization, 'input');
  const outScale = scaleOf(y.quantization, 'output');
  const m: number[] = [];
  const s: number[] = [];
  for (let c = 0; c < channels; c++) {
    const fs = fq.scales.length === 1 ? fq.scales[0]! : fq.scales[c]!;
    const q = quantizeMultiplier((inScale * fs) / outScale);
    m.push(q.multiplier);
    s.push(q.shift);
  }
  return { m, s };
}

/** Bias pointer arguments: int32 bias for int8 layers; int64 (or int32) for int16 ones. */
function biasArgs(e: TfliteEmit, i: number, int16: boolean): string {
  const name = e.node.inputs[i] ?? '';
  const b = name === '' ? undefined : e.ctx.graph.weights.get(name);
  if (name !== '' && !b) unsupported(e.node, 'a bias that is not a constant');
  if (!int16) {
    if (b && b.dtype !== 'int32') unsupported(e.node, `an int8 layer with a ${b.dtype} bias`);
    return b ? ptr(e, name, 'int32_t') : 'NULL';
  }
  if (!b) return 'NULL, NULL';
  if (b.dtype === 'int64') return `${ptr(e, name, 'int64_t')}, NULL`;
  if (b.dtype === 'int32') return `NULL, ${ptr(e, name, 'int32_t')}`;
  return unsupported(e.node, `an int16 layer with a ${b.dtype} bias`);
}

function conv(e: TfliteEmit, op: string): void {
  const n = e.node;
  const transposed = op === 'TRANSPOSE_CONV';
  const xName = n.inputs[transposed ? 2 : 0]!;
  const x = act(e, xName);
  const y = act(e, n.outputs[0]!);
  const filter = weight(e, 1, 'the filter');
  requireQuant(e, x);
  requireQuant(e, y);
  if (filter.dtype !== 'int8') unsupported(e.node, `a ${filter.dtype} filter (int8 expected)`);
  const int16 = x.dtype === 'int16';
  if (!int16 && x.dtype !== 'int8') unsupported(e.node, `${x.dtype} activations`);
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const [, OH, OW, OC] = y.shape as [number, number, number, number];
  const [, KH, KW, KC] = filter.shape as [number, number, number, number];
  const sh = intAttr(n, 'stride_h', 1), sw = intAttr(n, 'stride_w', 1);
  const dh = intAttr(n, 'dilation_h', 1), dw = intAttr(n, 'dilation_w', 1);
  const padding = stringAttr(n, 'padding', 'SAME');
  // TRANSPOSE_CONV pads as the forward conv from output to input would.
  // A folded PAD (padding EXPLICIT) gives its top and left pads; the kernel skips the positions outside the input.
  const padH = transposed ? padBefore(OH, H, KH, sh, 1, padding) : tflitePad(n, 1, H, OH, KH, sh, dh)[0];
  const padW = transposed ? padBefore(OW, W, KW, sw, 1, padding) : tflitePad(n, 2, W, OW, KW, sw, dw)[0];
  const { m, s } = perChannelMultipliers(e, x, filter, y, OC);
  const [amin, amax] = activationRange(stringAttr(n, 'fused_activation', 'NONE'), y);
  const kc = op === 'DEPTHWISE_CONV_2D' ? 1 : KC;
  e.w.line(arr('int32_t', 'mult', m));
  e.w.line(arr('int32_t', 'shift', s));
  e.w.line(`${e.views ? '' : 'const '}mpq_conv_params p = {${N}, ${H}, ${W}, ${C}, ${OH}, ${OW}, ${OC}, ${KH}, ${KW}, ${kc}, ${sh}, ${sw}, ${dh}, ${dw}, ${padH}, ${padW}, ${op === 'DEPTHWISE_CONV_2D' ? OC / C : 1}, ${int16 ? 0 : -zeroPointOf(x.quantization)}, ${zeroPointOf(y.quantization)}, ${amin}, ${amax}, mult, shift, 0, 0};`);
  if (e.segment) segmentWindow(e, xName, n.outputs[0]!, padH + (e.foldedPad?.top ?? 0), padW + (e.foldedPad?.left ?? 0), sh, sw, C, OC);
  else if (e.views) {
    if (OH > 1) rowWindow(e, xName, n.outputs[0]!, padH, sh);
    else columnWindow(e, xName, n.outputs[0]!, padW, sw);
  }
  const xt = int16 ? 'int16_t' : 'int8_t';
  if (channelWindow(e)) {
    // A window of output channels [c0, c0 + ext) (the filter and bias read in place at the channel
    // offset, or, weights the cores cannot read, tiles that hold the window's channels): each output
    // pixel out_px apart, rows out_row apart; the filter rows, biases, multipliers and shifts from the
    // window's first channel.
    const vy = e.views!.get(n.outputs[0]!)!;
    e.w.line(`const long c0 = ${vy}.start[3];`);
    e.w.line(`if (${vy}.stride[3] != 1) return MP_EPARAM;`);
    e.w.line(`p.out_c = ${vy}.ext[3]; p.out_row = ${vy}.stride[1]; p.multiplier = mult + c0; p.shift = shift + c0;`);
    const first = (name: string) => {
      const v = e.views!.get(name);
      return v === undefined ? 'c0' : `(c0 - ${v}.start[0])`;
    };
    const bias = biasArgs(e, 2, int16).split(', ').map((b) => (b === 'NULL' ? b : `${b} + ${first(n.inputs[2]!)}`)).join(', ');
    if (op === 'DEPTHWISE_CONV_2D') {
      // Depth multiplier one: the input window holds the same channels, pixels in_px apart; the
      // filter [1][KH][KW][C]: a tile of the window's channels only (taps ext apart), or the whole
      // filter read in place from the window's first channel (taps C apart).
      const vx = e.views!.get(xName)!;
      const vw = e.views!.get(n.inputs[1]!);
      e.w.line(`if (${vx}.stride[3] != 1 || ${vx}.start[3] != c0 || ${vx}.ext[3] != p.out_c${vw === undefined ? '' : ` || ${vw}.start[3] != c0 || ${vw}.ext[3] != p.out_c`}) return MP_EPARAM; /* the tile's channels */`);
      e.w.line(`p.in_c = ${vx}.ext[3]; p.in_row = ${vx}.stride[1];`);
      const w0 = vw === undefined ? `${ptr(e, n.inputs[1]!, 'int8_t')} + c0` : ptr(e, n.inputs[1]!, 'int8_t');
      const wpx = vw === undefined ? OC : 0;
      call(e, `mpq_dwconv_px_${int16 ? 's16' : 's8'}(&p, ${vx}.stride[2], ${vy}.stride[2], ${wpx}, ${ptr(e, xName, xt)}, ${w0}, ${bias}, ${outPtr(e, xt)})`);
      return;
    }
    call(e, `mpq_conv_px_${int16 ? 's16' : 's8'}(&p, ${vy}.stride[2], ${ptr(e, xName, xt)}, ${ptr(e, n.inputs[1]!, 'int8_t')} + ${first(n.inputs[1]!)} * ${KH * KW * KC}, ${bias}, ${outPtr(e, xt)})`);
    return;
  }
  const fn = op === 'CONV_2D' ? 'mpq_conv' : op === 'DEPTHWISE_CONV_2D' ? 'mpq_dwconv' : 'mpq_tconv';
  const biasIndex = transposed ? 3 : 2;
  let bias = biasArgs(e, biasIndex, int16);
  if (transposed && int16) bias = bias.split(', ')[0]!; // tconv_s16 takes an int64 bias only
  if (transposed && int16 && bias !== 'NULL' && !bias.includes('int64_t')) unsupported(e.node, 'an int16 transpose conv with an int32 bias');
  call(e, `${fn}_${int16 ? 's16' : 's8'}(&p, ${ptr(e, xName, xt)}, ${ptr(e, n.inputs[1]!, 'int8_t')}, ${bias}, ${outPtr(e, xt)})`);
}

/** A CONV_2D or DEPTHWISE_CONV_2D on windows of its output channels (NHWC dim 3: the channel split of DMA'd weights, schedule/templates/weights.ts). */
function channelWindow(e: TfliteEmit): boolean {
  return e.views !== undefined && !e.segment && (e.node.opType === 'CONV_2D' || e.node.opType === 'DEPTHWISE_CONV_2D') && e.layer.tile.splits.some((s) => s.dim === 3 && !s.reduction && s.size < s.extent);
}

function fullyConnected(e: TfliteEmit): void {
  const n = e.node;
  const { x, y } = io(e);
  const wt = weight(e, 1, 'the weights');
  requireQuant(e, x);
  requireQuant(e, y);
  if (wt.dtype !== 'int8') unsupported(n, `${wt.dtype} weights (int8 expected)`);
  const int16 = x.dtype === 'int16';
  const [units, depth] = wt.shape as [number, number];
  const batches = x.elementCount / depth;
  const perChannel = (wt.quantization?.scales.length ?? 1) > 1;
  const { m, s } = perChannelMultipliers(e, x, wt, y, perChannel ? units : 1);
  const [amin, amax] = activationRange(stringAttr(n, 'fused_activation', 'NONE'), y);
  e.w.line(arr('int32_t', 'mult', m));
  e.w.line(arr('int32_t', 'shift', s));
  e.w.line(`${e.views ? '' : 'const '}mpq_fc_params p = {${batches}, ${depth}, ${units}, ${int16 ? 0 : -zeroPointOf(x.quantization)}, ${-zeroPointOf(wt.quantization)}, ${zeroPointOf(y.quantization)}, ${amin}, ${amax}, mult, shift, ${perChannel ? 1 : 0}};`);
  const xt = int16 ? 'int16_t' : 'int8_t';
  if (!e.views) {
    call(e, `mpq_fc_${int16 ? 's16' : 's8'}(&p, ${inPtr(e, xt)}, ${ptr(e, n.inputs[1]!, 'int8_t')}, ${biasArgs(e, 2, int16)}, ${outPtr(e, xt)})`);
    return;
  }
  // A window of rows (all units) or of units (one row): units [u0, u0 + units) use their weight rows,
  // biases and multipliers; the input rows are those of the output window.
  const vy = e.views.get(n.outputs[0]!)!;
  const R = y.shape.length;
  e.w.line(`const long u0 = ${vy}.start[${R - 1}];`);
  e.w.line(`p.units = ${vy}.ext[${R - 1}];`);
  e.w.line(`p.batches = p.units > 0 ? mpg_count(&${vy}) / p.units : 0;`);
  e.w.line(`if (p.batches * ${depth} != mpg_count(&${e.views.get(n.inputs[0]!)!})) return MP_EPARAM; /* the input rows are the output's */`);
  if (perChannel) e.w.line('p.multiplier = mult + u0; p.shift = shift + u0;');
  // A weight or bias in an SRAM tile (weights the cores cannot read) holds the units of its window
  // (all of them, or those of the tile when it follows the split): its pointer is the window's first unit.
  const first = (name: string) => {
    const v = e.views?.get(name);
    return v === undefined ? 'u0' : `(u0 - ${v}.start[0])`;
  };
  const bias = biasArgs(e, 2, int16).split(', ').map((b) => (b === 'NULL' ? b : `${b} + ${first(n.inputs[2]!)}`)).join(', ');
  call(e, `mpq_fc_${int16 ? 's16' : 's8'}(&p, ${inPtr(e, xt)}, ${ptr(e, n.inputs[1]!, 'int8_t')} + ${first(n.inputs[1]!)} * ${depth}, ${bias}, ${outPtr(e, xt)})`);
}

function shape6(s: readonly number[]): number[] {
  return [...Array.from({ length: 6 - s.length }, () => 1), ...s];
}

/** A binary operand: an activation or a constant (weights are fine as the second operand of ADD/MUL). */
function operandInfo(e: TfliteEmit, name: string): { dtype: string; shape: readonly number[]; q: TensorInfo['quantization'] } {
  const t = e.ctx.graph.tensors.get(name);
  if (t) return { dtype: t.dtype, shape: t.shape, q: t.quantization };
  const c = e.ctx.graph.weights.get(name);
  if (c) return { dtype: c.dtype, shape: c.shape, q: c.quantization };
  return unsupported(e.node, `operand '${name}' is unknown`);
}

function binaryHeader(e: TfliteEmit): { a: ReturnType<typeof operandInfo>; b: ReturnType<typeof operandInfo>; y: TensorInfo; ct: string } {
  const n = e.node;
  const a = operandInfo(e, n.inputs[0]!);
  const b = operandInfo(e, n.inputs[1]!);
  const y = act(e, n.outputs[0]!);
  requireQuant(e, y);
  if (a.dtype !== y.dtype || b.dtype !== y.dtype) unsupported(n, `mixed operand types ${a.dtype}, ${b.dtype} -> ${y.dtype}`);
  if (y.dtype !== 'int8' && y.dtype !== 'int16') unsupported(n, `${y.dtype} arithmetic`);
  e.w.line(`${e.views ? '' : 'const '}mpq_bcast s = {{${shape6(a.shape).join(', ')}}, {${shape6(b.shape).join(', ')}}, {${shape6(y.shape).join(', ')}}};`);
  if (e.views) binaryWindow(e, 's.a', 's.b', 's.y');
  if (e.segment) {
    // One row of the window per call (segmentRows): its columns and channels are one dense run.
    for (const [field, name] of [['s.a', n.inputs[0]!], ['s.b', n.inputs[1]!], ['s.y', n.outputs[0]!]] as const) if (e.views!.has(name)) e.w.line(`${field}[3] = 1;`);
  }
  return { a, b, y, ct: y.dtype === 'int8' ? 'int8_t' : 'int16_t' };
}

function addSub(e: TfliteEmit, subtract: boolean): void {
  const n = e.node;
  const { a, b, y, ct } = binaryHeader(e);
  const sa = scaleOf(a.q, 'input 0');
  const sb = scaleOf(b.q, 'input 1');
  const leftShift = y.dtype === 'int16' ? 15 : 20;
  const twiceMax = 2 * Math.max(sa, sb);
  const m1 = quantizeMultiplier(sa / twiceMax);
  const m2 = quantizeMultiplier(sb / twiceMax);
  const mo = quantizeMultiplier(twiceMax / (2 ** leftShift * scaleOf(y.quantization, 'output')));
  const [amin, amax] = activationRange(stringAttr(n, 'fused_activation', 'NONE'), y);
  e.w.line(`const mpq_arith_params p = {${-zeroPointOf(a.q)}, ${-zeroPointOf(b.q)}, ${zeroPointOf(y.quantization)}, ${leftShift}, ${m1.multiplier}, ${m2.multiplier}, ${mo.multiplier}, ${m1.shift}, ${m2.shift}, ${mo.shift}, ${amin}, ${amax}};`);
  call(e, `mpq_add_${ct === 'int8_t' ? 's8' : 's16'}(&p, &s, ${inPtr(e, ct)}, ${ptr(e, n.inputs[1]!, ct)}, ${outPtr(e, ct)}, ${subtract ? 1 : 0})`);
}

function mul(e: TfliteEmit): void {
  const n = e.node;
  const { a, b, y, ct } = binaryHeader(e);
  const mo = quantizeMultiplier((scaleOf(a.q, 'input 0') * scaleOf(b.q, 'input 1')) / scaleOf(y.quantization, 'output'));
  const [amin, amax] = activationRange(stringAttr(n, 'fused_activation', 'NONE'), y);
  e.w.line(`const mpq_arith_params p = {${-zeroPointOf(a.q)}, ${-zeroPointOf(b.q)}, ${zeroPointOf(y.quantization)}, 0, 0, 0, ${mo.multiplier}, 0, 0, ${mo.shift}, ${amin}, ${amax}};`);
  call(e, `mpq_mul_${ct === 'int8_t' ? 's8' : 's16'}(&p, &s, ${inPtr(e, ct)}, ${ptr(e, n.inputs[1]!, ct)}, ${outPtr(e, ct)})`);
}

function pool(e: TfliteEmit, avg: boolean): void {
  const n = e.node;
  const { x, y } = io(e, 'y');
  if (x.dtype !== y.dtype || (x.dtype !== 'int8' && x.dtype !== 'int16')) unsupported(n, `${x.dtype} -> ${y.dtype} pooling`);
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const [, OH, OW] = y.shape as [number, number, number, number];
  const kh = intAttr(n, 'filter_h', 1), kw = intAttr(n, 'filter_w', 1);
  const sh = intAttr(n, 'stride_h', 1), sw = intAttr(n, 'stride_w', 1);
  const padding = stringAttr(n, 'padding', 'SAME');
  const [amin, amax] = activationRange(stringAttr(n, 'fused_activation', 'NONE'), y);
  e.w.line(`${e.views ? '' : 'const '}mpq_pool_params p = {${N}, ${H}, ${W}, ${C}, ${OH}, ${OW}, ${kh}, ${kw}, ${sh}, ${sw}, ${padBefore(H, OH, kh, sh, 1, padding)}, ${padBefore(W, OW, kw, sw, 1, padding)}, ${amin}, ${amax}, 0, 0};`);
  if (e.segment) segmentWindow(e, n.inputs[0]!, n.outputs[0]!, padBefore(H, OH, kh, sh, 1, padding), padBefore(W, OW, kw, sw, 1, padding), sh, sw, C, C);
  else if (e.views) rowWindow(e, n.inputs[0]!, n.outputs[0]!, padBefore(H, OH, kh, sh, 1, padding), sh);
  const ct = x.dtype === 'int8' ? 'int8_t' : 'int16_t';
  call(e, `mpq_${avg ? 'avgpool' : 'maxpool'}_${ct === 'int8_t' ? 's8' : 's16'}(&p, ${inPtr(e, ct)}, ${outPtr(e, ct)})`);
}

function copy(e: TfliteEmit): void {
  const n = e.node;
  const { x, y } = io(e);
  if (x.sizeBytes !== y.sizeBytes) unsupported(n, 'a reshape that changes the byte size');
  e.w.line(`memmove(${outPtr(e, 'uint8_t')}, ${inPtr(e, 'uint8_t')}, ${y.sizeBytes});`);
}

function softmax(e: TfliteEmit): void {
  const n = e.node;
  const { x, y } = io(e, 'xy');
  if (x.dtype !== 'int8' || (y.dtype !== 'int8' && y.dtype !== 'int16')) unsupported(n, `${x.dtype} -> ${y.dtype} softmax (int8 -> int8 or int16 supported)`);
  const bits = y.dtype === 'int8' ? 8 : 16;
  if (zeroPointOf(y.quantization) !== -(2 ** (bits - 1)) || Math.abs(scaleOf(y.quantization, 'output') * 2 ** bits - 1) > 1e-3) {
    unsupported(n, `an ${y.dtype} softmax output must have scale 1/${2 ** bits} and zero point ${-(2 ** (bits - 1))} (TFLite's requirement)`);
  }
  const depth = x.shape[x.shape.length - 1] ?? 1;
  const sp = softmaxParams(floatAttr(n, 'beta', 1), scaleOf(x.quantization, 'input'));
  call(e, `mpq_softmax_s8(${e.views ? `mpg_count(&${e.views.get(n.outputs[0]!)!}) / ${depth}` : x.elementCount / depth}, ${depth}, ${inPtr(e, 'int8_t')}, ${outPtr(e, cTypeOf(y.dtype))}, ${bits}, ${sp.multiplier}, ${sp.leftShift}, ${sp.diffMin})`);
}

function quantize(e: TfliteEmit): void {
  const { x, y } = io(e, 'y');
  const yb = bitsOf(e, y);
  const yt = cTypeOf(y.dtype);
  if (x.dtype === 'float32') {
    call(e, `mpq_quantize_f32(${count(e, y)}, ${inPtr(e, 'float')}, ${outPtr(e, yt)}, ${yb}, ${Math.fround(scaleOf(y.quantization, 'output')).toPrecision(9)}f, ${zeroPointOf(y.quantization)})`);
    return;
  }
  requireQuant(e, x);
  const q = quantizeMultiplier(scaleOf(x.quantization, 'input') / scaleOf(y.quantization, 'output'));
  call(e, `mpq_requantize(${count(e, y)}, ${inPtr(e, cTypeOf(x.dtype))}, ${bitsOf(e, x)}, ${outPtr(e, yt)}, ${yb}, ${zeroPointOf(x.quantization)}, ${zeroPointOf(y.quantization)}, ${q.multiplier}, ${q.shift})`);
}

function dequantize(e: TfliteEmit): void {
  const n = e.node;
  const { x, y } = io(e, 'x');
  if (y.dtype !== 'float32') unsupported(n, `dequantize to ${y.dtype}`);
  call(e, `mpq_dequantize(${count(e, y)}, ${inPtr(e, cTypeOf(x.dtype))}, ${bitsOf(e, x)}, ${outPtr(e, 'float')}, ${Math.fround(scaleOf(x.quantization, 'input')).toPrecision(9)}f, ${zeroPointOf(x.quantization)})`);
}

function relu(e: TfliteEmit, op: string): void {
  const n = e.node;
  const { x, y } = io(e, 'xy');
  if (scaleOf(x.quantization, 'in') !== scaleOf(y.quantization, 'out') || zeroPointOf(x.quantization) !== zeroPointOf(y.quantization)) {
    unsupported(n, `${op} that also rescales`);
  }
  const [amin, amax] = activationRange(op, y);
  call(e, `mpq_clamp(${count(e, y)}, ${inPtr(e, cTypeOf(x.dtype))}, ${outPtr(e, cTypeOf(y.dtype))}, ${bitsOf(e, y)}, ${amin}, ${amax})`);
}

function leakyRelu(e: TfliteEmit): void {
  const n = e.node;
  const { x, y } = io(e, 'xy');
  const sx = scaleOf(x.quantization, 'input');
  const sy = scaleOf(y.quantization, 'output');
  // TFLite computes alpha * scale in float (params->alpha is a float) before the division in double.
  const alpha = quantizeMultiplier((sx * Math.fround(floatAttr(n, 'alpha', 0.2))) / sy);
  const identity = quantizeMultiplier(sx / sy);
  call(e, `mpq_leaky_relu(${count(e, y)}, ${inPtr(e, cTypeOf(x.dtype))}, ${outPtr(e, cTypeOf(y.dtype))}, ${bitsOf(e, y)}, ${zeroPointOf(x.quantization)}, ${zeroPointOf(y.quantization)}, ${identity.multiplier}, ${identity.shift}, ${alpha.multiplier}, ${alpha.shift})`);
}

function elemBytes(e: TfliteEmit, t: TensorInfo): number {
  const b = t.sizeBytes / Math.max(1, t.elementCount);
  if (b !== 1 && b !== 2 && b !== 4) unsupported(e.node, `${t.dtype} elements`);
  return b;
}

function pad(e: TfliteEmit, v2: boolean): void {
  const n = e.node;
  const { x, y } = io(e);
  const p = constInts(e, 1, 'paddings');
  const r = x.shape.length;
  let value = x.quantization ? zeroPointOf(y.quantization) : 0;
  if (v2 && (n.inputs[2] ?? '') !== '') value = constInts(e, 2, 'the constant value')[0] ?? value;
  if (x.dtype === 'float32' && value !== 0) unsupported(n, 'a float pad with a non-zero value');
  if (e.segment) {
    // A window of the padded tensor from the window of the input it covers (channels whole).
    if (r !== 4 || p[0] !== 0 || p[1] !== 0 || p[6] !== 0 || p[7] !== 0) unsupported(n, 'a segment PAD pads the rows and columns of an NHWC tensor only');
    call(e, `mpg_pad_window(&${e.views!.get(n.inputs[0]!)!}, &${e.views!.get(n.outputs[0]!)!}, ${p[2]}, ${p[4]}, ${value})`);
    return;
  }
  const c = e.views ? '' : 'const ';
  e.w.line(`${c}long xd[${r}] = {${x.shape.join(', ')}};`);
  e.w.line(`${c}long before[${r}] = {${x.shape.map((_, i) => p[2 * i]).join(', ')}};`);
  e.w.line(`${c}long after[${r}] = {${x.shape.map((_, i) => p[2 * i + 1]).join(', ')}};`);
  if (e.views) {
    // A block of output rows: the input rows it copies (the window, maybe none), the padding rows
    // above them in the block, and the rest of the block below them.
    const vx = e.views.get(n.inputs[0]!)!;
    const vy = e.views.get(n.outputs[0]!)!;
    e.w.line(`xd[1] = ${vx}.ext[1];`);
    e.w.line(`before[1] = ${vx}.ext[1] > 0 ? ${vx}.start[1] + ${p[2]} - ${vy}.start[1] : ${vy}.ext[1];`);
    e.w.line(`after[1] = ${vy}.ext[1] - before[1] - xd[1];`);
  }
  call(e, `mpq_pad(${r}, xd, before, after, ${inPtr(e, 'uint8_t')}, ${outPtr(e, 'uint8_t')}, ${elemBytes(e, x)}, ${value})`);
}

function transpose(e: TfliteEmit): void {
  const n = e.node;
  const x = act(e, n.inputs[0]!);
  const perm = constInts(e, 1, 'perm');
  const r = x.shape.length;
  if (e.views) {
    // A window of the output and the matching (strided) window of the input: an element copy by strides.
    e.w.line(`const int perm[${r}] = {${perm.join(', ')}};`);
    call(e, `mpg_permute(&${e.views.get(n.inputs[0]!)!}, &${e.views.get(n.outputs[0]!)!}, perm)`);
    return;
  }
  e.w.line(`const long xd[${r}] = {${x.shape.join(', ')}};`);
  e.w.line(`const int perm[${r}] = {${perm.join(', ')}};`);
  call(e, `mpq_transpose(${r}, xd, perm, ${inPtr(e, 'uint8_t')}, ${outPtr(e, 'uint8_t')}, ${elemBytes(e, x)})`);
}

function stridedSlice(e: TfliteEmit): void {
  const n = e.node;
  const x = act(e, n.inputs[0]!);
  const begin = constInts(e, 1, 'begin');
  const end = constInts(e, 2, 'end');
  const strides = constInts(e, 3, 'strides');
  const r = x.shape.length;
  const starts: number[] = [];
  const counts: number[] = [];
  const steps: number[] = [];
  const masks = stridedSliceMasks(n);
  for (let i = 0; i < r; i++) {
    const b = stridedSliceBounds(x.shape[i]!, begin[i]!, end[i]!, strides[i]!, i, masks);
    starts.push(b.start);
    steps.push(b.step);
    counts.push(b.count);
  }
  e.w.line(`const long xd[${r}] = {${x.shape.join(', ')}};`);
  e.w.line(`const long start[${r}] = {${starts.join(', ')}};`);
  e.w.line(`const long stride[${r}] = {${steps.join(', ')}};`);
  e.w.line(`const long count[${r}] = {${counts.join(', ')}};`);
  call(e, `mpq_strided_slice(${r}, xd, start, stride, count, ${inPtr(e, 'uint8_t')}, ${outPtr(e, 'uint8_t')}, ${elemBytes(e, x)})`);
}

function concatenation(e: TfliteEmit): void {
  const n = e.node;
  const y = act(e, n.outputs[0]!);
  const axis = axisAttr(n, y.shape.length);
  const ins = n.inputs.map((i) => act(e, i));
  for (const t of ins) {
    if (t.quantization && y.quantization && (scaleOf(t.quantization, 'in') !== scaleOf(y.quantization, 'out') || zeroPointOf(t.quantization) !== zeroPointOf(y.quantization))) {
      unsupported(n, 'a concatenation that rescales its inputs');
    }
  }
  const outer = y.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = y.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  e.w.line(`const void *const xs[${ins.length}] = {${n.inputs.map((i) => ptr(e, i, 'const uint8_t')).join(', ')}};`);
  e.w.line(`const long lens[${ins.length}] = {${ins.map((t) => t.shape[axis]).join(', ')}};`);
  call(e, `mpq_concat(${ins.length}, xs, lens, ${outer}, ${inner}, ${outPtr(e, 'uint8_t')}, ${elemBytes(e, y)})`);
}

function mean(e: TfliteEmit): void {
  const n = e.node;
  const { x, y } = io(e, 'xy');
  if (x.dtype !== 'int8') unsupported(n, `${x.dtype} mean`);
  const axes = constInts(e, 1, 'axes').map((a) => (a < 0 ? a + x.shape.length : a)).sort((a, b) => a - b);
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1]! + 1) unsupported(n, 'a mean over non-adjacent axes');
  const first = axes[0]!, last = axes[axes.length - 1]!;
  const outer = x.shape.slice(0, first).reduce((a, b) => a * b, 1);
  const count = x.shape.slice(first, last + 1).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(last + 1).reduce((a, b) => a * b, 1);
  // TFLite's integer mean: the multiplier of input_scale / output_scale, divided by the count with
  // extra precision (a left shift of up to floor(log2(count)) bits, at most 32 and 31 + shift).
  const q = quantizeMultiplier(scaleOf(x.quantization, 'input') / scaleOf(y.quantization, 'output'));
  const reduction = Math.min(Math.floor(Math.log2(count)), 32, 31 + q.shift);
  const multiplier = Number((BigInt(q.multiplier) << BigInt(reduction)) / BigInt(count));
  const tail = `${zeroPointOf(x.quantization)}, ${zeroPointOf(y.quantization)}, 0, ${multiplier}, ${q.shift - reduction}`;
  if (!e.views) {
    call(e, `mpq_mean_s8(${outer}, ${count}, ${inner}, ${inPtr(e, 'int8_t')}, ${outPtr(e, 'int8_t')}, ${tail})`);
    return;
  }
  // A window of the last dim (schedule/templates/integer.ts 'int-reduce': the reduced axes end just
  // before it): the same channels [c0, c0 + ext) of x and y, every other dim whole; x's positions
  // (outer and reduced dims) one stride apart, y's outer positions likewise.
  const R = x.shape.length;
  const Ry = y.shape.length;
  if (last !== R - 2) unsupported(n, 'a mean on a window of channels reduces the axes just before the last');
  const vx = e.views.get(n.inputs[0]!)!;
  const vy = e.views.get(n.outputs[0]!)!;
  const nested = (v: string, dims: number) =>
    Array.from({ length: dims }, (_, d) => `(${v}.ext[${d}] == 1 || ${v}.stride[${d}] == ${v}.stride[${d + 1}] * ${v}.ext[${d + 1}])`);
  const checks = [
    `${vx}.stride[${R - 1}] != 1`,
    `${vy}.stride[${Ry - 1}] != 1`,
    `${vx}.ext[${R - 1}] != ${vy}.ext[${Ry - 1}]`,
    `${vx}.start[${R - 1}] != ${vy}.start[${Ry - 1}]`,
    `mpg_count(&${vx}) != ${outer * count} * ${vx}.ext[${R - 1}]`,
    `mpg_count(&${vy}) != ${outer} * ${vy}.ext[${Ry - 1}]`,
  ];
  const strides = [...nested(vx, R - 2), ...nested(vy, Ry - 2)];
  if (strides.length > 0) checks.push(`!(${strides.join(' && ')})`);
  e.w.line(`if (${checks.join(' || ')}) return MP_EPARAM; /* one window of channels, every position */`);
  const opx = Ry >= 2 ? `${vy}.stride[${Ry - 2}]` : '0';
  call(e, `mpq_mean_px_s8(${outer}, ${count}, ${vx}.ext[${R - 1}], ${vx}.stride[${R - 2}], ${opx}, ${inPtr(e, 'int8_t')}, ${outPtr(e, 'int8_t')}, ${tail})`);
}

function svdf(e: TfliteEmit): void {
  const n = e.node;
  const { x, y } = io(e);
  const wf = weight(e, 1, 'weights_feature');
  const wt = weight(e, 2, 'weights_time');
  const stateName = n.inputs[4]!;
  const state = act(e, stateName);
  requireQuant(e, x);
  requireQuant(e, y);
  requireQuant(e, state);
  if (x.dtype !== 'int8' || wf.dtype !== 'int8' || wt.dtype !== 'int16' || state.dtype !== 'int16') {
    unsupported(n, `SVDF with ${x.dtype} input, ${wf.dtype}/${wt.dtype} weights and ${state.dtype} state (int8/int8/int16/int16 supported)`);
  }
  const rank = intAttr(n, 'rank', 1);
  const [filters, inputSize] = wf.shape as [number, number];
  const memory = wt.shape[1]!;
  const batches = x.shape[0]!;
  const a = quantizeMultiplier((scaleOf(x.quantization, 'input') * scaleOf(wf.quantization, 'weights_feature')) / scaleOf(state.quantization, 'state'));
  const b = quantizeMultiplier((scaleOf(state.quantization, 'state') * scaleOf(wt.quantization, 'weights_time')) / scaleOf(y.quantization, 'output'));
  const biasName = n.inputs[3] ?? '';
  e.w.line(`const mpq_svdf_params p = {${batches}, ${inputSize}, ${filters}, ${memory}, ${rank}, ${filters / rank}, ${zeroPointOf(x.quantization)}, ${zeroPointOf(y.quantization)}, ${a.multiplier}, ${b.multiplier}, ${a.shift}, ${b.shift}, -128, 127};`);
  call(e, `mpq_svdf_s8(&p, ${inPtr(e, 'int8_t')}, ${ptr(e, n.inputs[1]!, 'int8_t')}, ${ptr(e, n.inputs[2]!, 'int16_t')}, ${biasName === '' ? 'NULL' : ptr(e, biasName, 'int32_t')}, ${ptr(e, stateName, 'int16_t')}, ${outPtr(e, 'int8_t')})`);
}

/** Integer ranges are also needed by tests. */
export { intRange };

/** Elements the kernel computes: the output window's (windowed) or the whole output's. */
function count(e: TfliteEmit, y: TensorInfo): string {
  const v = e.views?.get(y.name);
  return v === undefined ? `${y.elementCount}` : `mpg_count(&${v})`;
}

/** Windowed: every activation operand's window must be one dense run (what the kernels index). */
function requireDense(e: TfliteEmit, from: number, fromOf: ReadonlyMap<string, number> = new Map()): void {
  const vs = [...e.views!].map(([t, v]) => `!mpg_dense_from(&${v}, ${fromOf.get(t) ?? from})`);
  e.w.line(`if (${[...new Set(vs)].join(' || ')}) return MP_EPARAM; /* the kernel indexes dense windows */`);
}

/**
 * A segment member's window layer (NHWC, batch 1): the kernel sees the input window (rows and columns,
 * channels whole) as the whole input, the output window as the whole output, each row at its buffer's
 * row stride (in_row, out_row); the top and left padding move by where the windows start.
 */
function segmentWindow(e: TfliteEmit, x: string, y: string, padH: number, padW: number, sh: number, sw: number, inC: number, outC: number): void {
  const vx = e.views!.get(x)!;
  const vy = e.views!.get(y)!;
  e.w.line(`if (${vx}.ext[0] != 1 || ${vy}.ext[0] != 1 || ${vx}.ext[3] != ${inC} || ${vy}.ext[3] != ${outC} || ${vx}.stride[3] != 1 || ${vy}.stride[3] != 1 || ${vx}.stride[2] != ${inC} || ${vy}.stride[2] != ${outC}) return MP_EPARAM; /* channels whole and dense */`);
  e.w.line(`p.in_h = ${vx}.ext[1]; p.in_w = ${vx}.ext[2];`);
  e.w.line(`p.out_h = ${vy}.ext[1]; p.out_w = ${vy}.ext[2];`);
  e.w.line(`p.pad_h = ${padH} + ${vx}.start[1] - ${vy}.start[1] * ${sh};`);
  e.w.line(`p.pad_w = ${padW} + ${vx}.start[2] - ${vy}.start[2] * ${sw};`);
  e.w.line(`p.in_row = ${vx}.stride[1]; p.out_row = ${vy}.stride[1];`);
}

/**
 * A segment member's element-wise op, one row of its windows at a time (rows [0, ext[1]) of the
 * output window; each operand's row r at its own row stride): `body` emits the kernel call.
 */
function segmentRows(e: TfliteEmit, body: (row: TfliteEmit) => void): void {
  const vy = e.views!.get(e.node.outputs[0]!)!;
  const operands = [...new Set([...e.node.inputs.slice(0, 2), e.node.outputs[0]!])].filter((t) => e.views!.has(t));
  const dense = operands.map((t) => `${e.views!.get(t)!}.stride[3] != 1 || ${e.views!.get(t)!}.stride[2] != ${e.views!.get(t)!}.ext[3]`);
  e.w.line(`if (${dense.join(' || ')}) return MP_EPARAM; /* each row of a window is one dense run */`);
  e.w.block(`for (long r_ = 0; r_ < ${vy}.ext[1]; r_++)`, () => {
    const pointers = new Map(e.pointers);
    for (const t of operands) {
      const v = e.views!.get(t)!;
      pointers.set(t, `((unsigned char *)${v}.ptr + r_ * ${v}.stride[1] * ${v}.esize)`);
    }
    body({ ...e, pointers });
  });
}

/**
 * A conv with one output row (NHWC, batch 1) on a block of output columns: the input window's columns
 * from its first one, each input row in_row elements after the previous (the full row in a home
 * buffer, the window's in a tile); the left padding moves like the top padding of a row block.
 */
function columnWindow(e: TfliteEmit, x: string, y: string, pad: number, stride: number): void {
  const vx = e.views!.get(x)!;
  const vy = e.views!.get(y)!;
  e.w.line(`if (${vx}.ext[0] != 1 || ${vy}.ext[0] != 1 || ${vx}.ext[1] != ${vx}.full[1]) return MP_EPARAM;`);
  e.w.line(`p.in_w = ${vx}.ext[2];`);
  e.w.line(`p.out_w = ${vy}.ext[2];`);
  e.w.line(`p.pad_w = ${pad} + ${vx}.start[2] - ${vy}.start[2] * ${stride};`);
  e.w.line(`p.in_row = ${vx}.stride[1];`);
}

/**
 * A window layer on a block of output rows (NHWC, batch 1): the kernel sees the input window as the
 * whole input (its rows, from the window's first row) and the output window as the whole output; the
 * top padding moves by the rows between the window's first input row and where the first output row
 * of the block starts reading.
 */
function rowWindow(e: TfliteEmit, x: string, y: string, pad: number, stride: number): void {
  const vx = e.views!.get(x)!;
  const vy = e.views!.get(y)!;
  e.w.line(`if (${vx}.ext[0] != 1 || ${vy}.ext[0] != 1) return MP_EPARAM;`);
  e.w.line(`p.in_h = ${vx}.ext[1];`);
  e.w.line(`p.out_h = ${vy}.ext[1];`);
  e.w.line(`p.pad_h = ${pad} + ${vx}.start[1] - ${vy}.start[1] * ${stride};`);
}

/**
 * Broadcast shapes of a binary op on windows: each operand's and the output's window extents
 * (right-aligned in 6 dims); a constant operand with a dimension the output window splits is read
 * from the window's start (windows split only the outermost dimension, so it stays one run).
 */
export function binaryWindow(e: TfliteEmit, a: string, b: string, y: string): void {
  const vy = e.views!.get(e.node.outputs[0]!)!;
  const R = e.ctx.shapeOf(e.node.outputs[0]!).length;
  for (let k = 0; k < R; k++) e.w.line(`${y}[${6 - R + k}] = ${vy}.ext[${k}];`);
  [a, b].forEach((field, i) => {
    const name = e.node.inputs[i]!;
    const v = e.views!.get(name);
    if (v !== undefined) {
      const r = e.ctx.shapeOf(name).length;
      for (let k = 0; k < r; k++) e.w.line(`${field}[${6 - r + k}] = ${v}.ext[${k}];`);
      return;
    }
    const ws = e.ctx.graph.weights.get(name)?.shape ?? [];
    const ys = e.ctx.shapeOf(e.node.outputs[0]!);
    for (let k = 0; k < ws.length; k++) {
      const yk = k + R - ws.length;
      if (ws[k]! > 1 && yk >= 0 && ws[k] === ys[yk]) unsupported(e.node, `constant operand '${name}' varies along a dimension the tiles split`);
    }
  });
}
