/** Training losses that appear in inference graphs: NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss. */
import { Codes } from '../../diagnostics/codes.js';
import type { OutputType, ShapeFn } from './types.js';
import { attrString, fail, fmt, requireInput, sameShape, unsupported } from './util.js';

/**
 * input/scores [N, C, d1...], target/labels [N, d1...], optional weight [C]. The loss is [N, d1...]
 * with reduction 'none', else a scalar. SoftmaxCrossEntropyLoss may also output log_prob like scores.
 */
const loss: ShapeFn = (ctx, inputs) => {
  const scores = requireInput(ctx, inputs, 0, 'input');
  const target = requireInput(ctx, inputs, 1, 'target');
  if (scores.shape.length < 2) fail(ctx, Codes.ShapeMismatch, `input must have rank >= 2, got ${fmt(scores.shape)}`);
  const expected = [scores.shape[0] as number, ...scores.shape.slice(2)];
  if (!sameShape(target.shape, expected)) {
    fail(ctx, Codes.ShapeMismatch, `target ${fmt(target.shape)} must have shape ${fmt(expected)} for input ${fmt(scores.shape)}`);
  }
  const weight = inputs[2];
  if (weight !== undefined && (weight.shape.length !== 1 || weight.shape[0] !== scores.shape[1])) {
    fail(ctx, Codes.ShapeMismatch, `weight ${fmt(weight.shape)} must have shape [${scores.shape[1]}]`);
  }
  const reduction = attrString(ctx, 'reduction', 'mean');
  if (reduction !== 'none' && reduction !== 'mean' && reduction !== 'sum') unsupported(ctx, `reduction '${reduction}' is not supported`);
  const out: OutputType[] = [{ dtype: scores.dtype, shape: reduction === 'none' ? expected : [] }];
  if (ctx.node.outputs.length > 1) out.push({ dtype: scores.dtype, shape: scores.shape });
  return out;
};

export const LOSS_OPS: Readonly<Record<string, ShapeFn>> = {
  NegativeLogLikelihoodLoss: loss,
  SoftmaxCrossEntropyLoss: loss,
};
