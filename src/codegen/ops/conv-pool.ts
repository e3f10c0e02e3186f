/** Window kernels over NC[H]W: Conv (grouped, depthwise, splat weights), MaxPool, AveragePool and the global pools. */
import { intAttr, intsAttr } from '../../ir/attributes.js';
import { resolvePads, windowAttrs, windowKernel } from '../../ir/geometry.js';
import { unsupported } from '../context.js';
import type { Emit } from './operands.js';
import { check, inputView, wholePointer } from './operands.js';

/** The emitter of each op (the op table's 'conv-pool' kernel rows). */
export const CONV_POOL_KERNELS: Readonly<Record<string, (e: Emit) => void>> = {
  Conv: conv,
  MaxPool: (e) => pool(e, 'MaxPool'),
  AveragePool: (e) => pool(e, 'AveragePool'),
  GlobalAveragePool: (e) => globalPool(e, false),
  GlobalMaxPool: (e) => globalPool(e, true),
};

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
  // Weights the cores cannot read: the weight and/or bias are SRAM tiles of the tile's output channels.
  const wTile = e.views.get(n.inputs[1] ?? '');
  const bTile = e.views.get(n.inputs[2] ?? '');
  if ((wTile !== undefined || bTile !== undefined) && e.ctx.weightsDmaFrom !== undefined) return convFromTiles(e, x, wTile, bTile);
  const wt = wholePointer(e, 1, 'the weight');
  if (!wt) unsupported(n, 'Conv needs weights');
  const s = spatial(e, windowKernel(n, wt.shape)!);
  const group = intAttr(n, 'group', 1);
  const bias = wholePointer(e, 2, 'the bias');
  const [xw, yw] = windows(e, x, e.outs[0]!);
  e.w.line(`const mp_conv_params p = {${s.kh}, ${s.kw}, ${s.sh}, ${s.sw}, ${s.dh}, ${s.dw}, ${s.pt}, ${s.pl}, ${group}, {MP_ACT_NONE, 0.0f, 0.0f}};`);
  if (e.accumulate) {
    // One slice of input channels added into the accumulator tile (a reduction split).
    if (wt.splat !== undefined) unsupported(n, 'a reduction split of a Conv with constant-filled weights');
    e.w.comment(`input channels [${xw}.c0, ${xw}.c0 + ${xw}.c) added into the accumulator`);
    check(e, `mp_conv2d_slice(&${xw}, &${yw}, ${wt.ptr}, ${bias && bias.splat === undefined ? bias.ptr : 'NULL'}, &p, ${e.accumulate.first}, ${e.accumulate.last})`);
    if (bias?.splat !== undefined) {
      e.w.block(`if ${e.accumulate.last}`, () => check(e, `mpg_unary(MP_UN_SCALE, 1.0f, ${bias.splat}, &${e.outs[0]}, &${e.outs[0]})`));
    }
    return;
  }
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

/**
 * Conv reading its weight and bias from SRAM tiles (DMA'd in: the cores cannot read the weights'
 * memory). A tile holds the output channels of the tile being computed (or all of them): the kernel
 * gets windows rebased to the tile's first channel (mpg_conv_rebase) and the tiles' pointers.
 */
function convFromTiles(e: Emit, x: string, wTile: string | undefined, bTile: string | undefined): void {
  const n = e.node;
  const base = (wTile ?? bTile)!;
  const wShape = e.ctx.shapeOf(n.inputs[1]!);
  const wt = wTile === undefined ? wholePointer(e, 1, 'the weight') : undefined;
  const biasName = n.inputs[2] ?? '';
  const bias = bTile === undefined && biasName !== '' ? wholePointer(e, 2, 'the bias') : undefined;
  const s = spatial(e, windowKernel(n, wShape)!);
  const group = intAttr(n, 'group', 1);
  const [xw, yw] = windows(e, x, e.outs[0]!);
  e.w.line(`const mp_conv_params p = {${s.kh}, ${s.kw}, ${s.sh}, ${s.sw}, ${s.dh}, ${s.dw}, ${s.pt}, ${s.pl}, ${group}, {MP_ACT_NONE, 0.0f, 0.0f}};`);
  e.w.line('mp_window xr, yr;');
  e.w.line('mp_conv_params pr;');
  if (wTile !== undefined && bTile !== undefined) {
    e.w.line(`if (${bTile}.start[0] != ${wTile}.start[0] || ${bTile}.ext[0] != ${wTile}.ext[0]) return MP_EPARAM; /* the bias tile holds the weight tile's channels */`);
  }
  e.w.comment(`the weight${bTile !== undefined ? ' and bias' : ''} tile${bTile !== undefined && wTile !== undefined ? 's hold' : ' holds'} output channels [start, start + ext) of dim 0: the kernel sees those channels only`);
  check(e, `mpg_conv_rebase(&${xw}, &${yw}, &p, ${base}.start[0], ${base}.ext[0], &xr, &yr, &pr)`);
  const biasPtr = bTile !== undefined ? `${bTile}.data` : bias && bias.splat === undefined ? bias.ptr : 'NULL';
  if (e.accumulate) {
    // One slice of input channels added into the accumulator tile (a reduction split): the weight
    // tile holds the slice's input channels (dim 1) of its output channels.
    if (wTile === undefined) unsupported(n, 'a reduction split of a Conv with constant-filled weights');
    e.w.comment(`the weight tile also holds input channels [start, start + ext) of dim 1: the slice [${xw}.c0, ${xw}.c0 + ${xw}.c), added into the accumulator`);
    check(e, `mpg_conv_rebase_in(&xr, ${wTile}.start[1], ${wTile}.ext[1])`);
    check(e, `mp_conv2d_slice(&xr, &yr, ${wTile}.data, ${biasPtr}, &pr, ${e.accumulate.first}, ${e.accumulate.last})`);
    if (bias?.splat !== undefined) {
      e.w.block(`if ${e.accumulate.last}`, () => check(e, `mpg_unary(MP_UN_SCALE, 1.0f, ${bias.splat}, &${e.outs[0]}, &${e.outs[0]})`));
    }
    return;
  }
  if (wt?.splat !== undefined) {
    check(e, `mpg_conv_splat(&xr, &yr, ${wt.splat}, ${biasPtr}, ${bias?.splat ?? '0.0f'}, &pr)`);
    return;
  }
  if (wt !== undefined) unsupported(n, 'a dense Conv weight without its SRAM tile');
  check(e, `mp_conv2d(&xr, &yr, ${wTile}.data, ${biasPtr}, &pr)`);
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
