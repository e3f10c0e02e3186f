/** Reductions over any set of axes (mp_reduce on contiguous operands). */
import { intAttr, intsAttr } from '../../ir/attributes.js';
import { unsupported } from '../context.js';
import type { Emit } from './operands.js';
import { check, inputView, numbersOf } from './operands.js';

/** ONNX reduce ops -> runtime reduction. */
const REDUCE: Record<string, string> = {
  ReduceSum: 'MP_RED_SUM', ReduceMean: 'MP_RED_MEAN', ReduceMax: 'MP_RED_MAX', ReduceMin: 'MP_RED_MIN', ReduceProd: 'MP_RED_PROD',
  ReduceL1: 'MP_RED_L1', ReduceL2: 'MP_RED_L2', ReduceLogSum: 'MP_RED_LOGSUM', ReduceLogSumExp: 'MP_RED_LOGSUMEXP',
  ReduceSumSquare: 'MP_RED_SUMSQUARE',
};
/** The emitter of each op (the op table's 'reduce' kernel rows). */
export const REDUCE_KERNELS: Readonly<Record<string, (e: Emit) => void>> = Object.fromEntries(
  Object.keys(REDUCE).map((op) => [op, (e: Emit) => reduce(e, op)]),
);

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
  if (e.layer.tile.splits.length > 0) {
    e.w.line(`if (!mpg_contiguous(&${x}) || !mpg_contiguous(&${e.outs[0]})) return MP_EPARAM;`);
    // A tile along a kept dim: the window of x (contiguous) reduced as a tensor of its own extents.
    e.w.comment('a tile along a kept dim: x\'s window is reduced as a tensor of its extents');
    check(e, `mp_reduce(${kop}, ${x}.data, ${e.outs[0]}.data, ${R}, ${x}.ext, ${mask}u)`);
    return;
  }
  e.w.line(`const long ${t}_shape[${R}] = {${xs.join(', ')}};`);
  e.w.line(`if (!mpg_contiguous(&${x}) || !mpg_contiguous(&${e.outs[0]})) return MP_EPARAM;`);
  check(e, `mp_reduce(${kop}, ${x}.data, ${e.outs[0]}.data, ${R}, ${t}_shape, ${mask}u)`);
}

