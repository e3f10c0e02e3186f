/** Normalisations: BatchNormalization (inference), Softmax / LogSoftmax along an axis, LRN, LayerNormalization. */
import { axisAttr, floatAttr, intAttr } from '../../ir/attributes.js';
import { cFloat } from '../c-literals.js';
import { unsupported } from '../context.js';
import type { Emit } from './operands.js';
import { check, inputView, scalarOf, wholePointer } from './operands.js';

/** The emitter of each op (the op table's 'normalization' kernel rows). */
export const NORMALIZATION_KERNELS: Readonly<Record<string, (e: Emit) => void>> = {
  BatchNormalization: batchnorm,
  Softmax: (e) => softmax(e, false),
  LogSoftmax: (e) => softmax(e, true),
  LRN: lrn,
  LayerNormalization: layernorm,
};

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

function softmax(e: Emit, log: boolean): void {
  const n = e.node;
  const R = e.ctx.shapeOf(n.inputs[0]!).length;
  const opset13 = e.ctx.graph.opsetVersion >= 13;
  const axis = axisAttr(n, R, opset13 ? -1 : 1);
  const x = inputView(e, 0);
  check(e, `mpg_softmax(&${x}, &${e.outs[0]}, ${axis}, ${opset13 ? 0 : 1}, ${log ? 1 : 0})`);
}

/** LayerNormalization (opset 17) over dims axis..: scale and bias hold one value per normalised element, or one value. */
function layernorm(e: Emit): void {
  const n = e.node;
  const xs = e.ctx.shapeOf(n.inputs[0]!);
  const axis = axisAttr(n, xs.length, -1);
  const len = xs.slice(axis).reduce((a, b) => a * b, 1);
  if (n.outputs.filter((o) => o !== '').length > 1) unsupported(n, 'LayerNormalization with its Mean / InvStdDev outputs');
  if (intAttr(n, 'stash_type', 1) !== 1) unsupported(n, 'LayerNormalization with stash_type other than 1');
  const param = (i: number, what: string): [string, number] => {
    const p = wholePointer(e, i, what);
    if (!p) return ['NULL', 0];
    const count = p.shape.reduce((a, b) => a * b, 1);
    if (count !== len && count !== 1) unsupported(n, `LayerNormalization ${what} of shape [${p.shape.join(', ')}] (a broadcast other than one value per normalised element)`);
    // A splat weight is one value (a #define): passed as a one-element array.
    return p.splat !== undefined ? [`(const float[]){${p.splat}}`, 1] : [p.ptr, count];
  };
  const [s, sc] = param(1, 'the scale');
  const [b, bc] = param(2, 'the bias');
  const x = inputView(e, 0);
  check(e, `mpg_layernorm(&${x}, &${e.outs[0]}, ${axis}, ${cFloat(floatAttr(n, 'epsilon', 1e-5))}, ${s}, ${sc}L, ${b}, ${bc}L)`);
}

function lrn(e: Emit): void {
  const n = e.node;
  const x = inputView(e, 0);
  check(e, `mpg_lrn(&${x}, &${e.outs[0]}, ${intAttr(n, 'size', 1)}, ${cFloat(floatAttr(n, 'alpha', 1e-4))}, ${cFloat(floatAttr(n, 'beta', 0.75))}, ${cFloat(floatAttr(n, 'bias', 1))})`);
}
