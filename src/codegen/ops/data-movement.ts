/**
 * Data movement: reshapes and casts as flat copies, Transpose, Concat with constant inputs, Pad,
 * Slice, Gather, Expand, Tile and Resize/Upsample (whole tensors, checked whole at run time).
 */
import { axisAttr, floatAttr, floatsAttr, intAttr, intsAttr, stringAttr } from '../../ir/attributes.js';
import { sliceBounds } from '../../ir/geometry.js';
import { cFloat } from '../c-literals.js';
import { unsupported } from '../context.js';
import type { Emit } from './operands.js';
import { check, constFloats, constInts, inputView, longArray, wholeInOut, wholePointer } from './operands.js';

/** The emitter of each op (the op table's 'data-movement' kernel rows). */
export const DATA_MOVEMENT_KERNELS: Readonly<Record<string, (e: Emit) => void>> = {
  Reshape: flatCopy,
  Flatten: flatCopy,
  Squeeze: flatCopy,
  Unsqueeze: flatCopy,
  Cast: (e) => {
    if (e.ctx.tensor(e.node.outputs[0]!).dtype !== 'float32') unsupported(e.node, 'Cast to a type other than float32');
    flatCopy(e);
  },
  Transpose: transpose,
  Pad: pad,
  Slice: slice,
  Gather: gather,
  Expand: expand,
  Tile: tile,
  Resize: resize,
  Upsample: resize,
  Concat: concat,
};

function flatCopy(e: Emit): void {
  const x = inputView(e, 0);
  const y = e.outs[0]!;
  const count = e.ctx.tensor(e.node.outputs[0]!).elementCount;
  e.w.line(`if (!mpg_contiguous(&${x}) || !mpg_contiguous(&${y})) return MP_EPARAM;`);
  e.w.line(`mp_copy2d(${y}.data, ${x}.data, 1, ${count}, ${count}, ${count});`);
}

/** True when the layer is split into tiles (the kernels then work on windows of x and y). */
function tiled(e: Emit): boolean {
  return e.layer.tile.splits.length > 0;
}

function transpose(e: Emit): void {
  const n = e.node;
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const R = xs.length;
  const perm = intsAttr(n, 'perm') ?? [...Array(R).keys()].reverse();
  const x = inputView(e, 0);
  const y = e.outs[0]!;
  const t = e.fresh();
  if (tiled(e)) {
    e.w.line(`const int ${t}_perm[${R}] = {${perm.join(', ')}};`);
    check(e, `mpg_transpose(&${x}, &${y}, ${t}_perm)`);
    return;
  }
  e.w.line(`const long ${t}_shape[${R}] = {${xs.join(', ')}};`);
  e.w.line(`const int ${t}_perm[${R}] = {${perm.join(', ')}};`);
  e.w.line(`if (!mpg_contiguous(&${x}) || !mpg_contiguous(&${y})) return MP_EPARAM;`);
  check(e, `mp_transpose(${x}.data, ${y}.data, ${R}, ${t}_shape, ${t}_perm)`);
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
  if (tiled(e)) {
    const t = e.fresh();
    longArray(e, `${t}_begin`, begin);
    check(e, `mpg_pad(&${inputView(e, 0)}, &${e.outs[0]}, ${t}_begin, ${mode}, ${cFloat(value)})`);
    return;
  }
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
  if (tiled(e)) {
    if (steps.some((s) => s <= 0)) unsupported(n, 'a tiled Slice with a negative step');
    const t = e.fresh();
    longArray(e, `${t}_st`, st);
    longArray(e, `${t}_steps`, steps);
    check(e, `mpg_slice(&${inputView(e, 0)}, &${e.outs[0]}, ${t}_st, ${t}_steps)`);
    return;
  }
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
  const axis = axisAttr(n, R);
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
  if (tiled(e)) {
    // Split only along dims that are not resized (scale 1): each window is a smaller resize of its own.
    for (const s of e.layer.tile.splits) if (scales[s.dim] !== 1) unsupported(n, `a tile split along resized dim ${s.dim}`);
    const x = inputView(e, 0);
    const y = e.outs[0]!;
    const t = e.fresh();
    e.w.line(`if (!mpg_contiguous(&${x}) || !mpg_contiguous(&${y})) return MP_EPARAM;`);
    e.w.line(`const float ${t}_scales[${R}] = {${scales.map(cFloat).join(', ')}};`);
    check(e, `mp_resize(${x}.data, ${y}.data, ${R}, ${x}.ext, ${y}.ext, ${t}_scales, ${mode}, ${coord}, ${nearest}, ${cFloat(floatAttr(n, 'cubic_coeff_a', -0.75))}, ${intAttr(n, 'exclude_outside', 0)})`);
    return;
  }
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
  const axis = axisAttr(n, R);
  const y = e.outs[0]!;
  if (tiled(e)) {
    // A tile along the other dims: each input's window (a weight read at the output's window) in its place.
    let at = 0;
    n.inputs.forEach((name, i) => {
      if (name === '') return;
      const v = e.views.get(name) ?? inputView(e, i, y);
      check(e, `mpg_concat_part(&${v}, &${y}, ${axis}, ${at})`);
      at += e.views.has(name) ? e.ctx.shapeOf(name)[axis]! : (e.ctx.graph.weights.get(name)!.shape[axis] ?? 1);
    });
    return;
  }
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
