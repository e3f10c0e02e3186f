/**
 * Re-viewing data: Reshape (0 copies, -1 infers, allowzero), Flatten, Squeeze, Unsqueeze (axes as
 * attribute before opset 13, input after), Transpose, DepthToSpace, SpaceToDepth.
 */
import { Codes } from '../../diagnostics/codes.js';
import { elementCountOf } from '../../ir/graph.js';
import type { InferContext, ShapeFn } from './types.js';
import {
  attrInt, attrInts, attrString, constIntInput, fail, fmt, type Inputs, normalizeAxes,
  requireInput, requireRank, unsupported,
} from './util.js';

/** The output shape of a Reshape of `input` to `target` (ONNX rules for 0 and -1). */
export function reshapeShape(ctx: InferContext, input: readonly number[], target: readonly number[], allowZero: boolean): number[] {
  let inferAt = -1;
  const out = target.map((v, i) => {
    if (v === -1) {
      if (inferAt >= 0) fail(ctx, Codes.ShapeMismatch, `target shape ${fmt(target)} has more than one -1`);
      inferAt = i;
      return 1;
    }
    if (v === 0 && !allowZero) {
      if (i >= input.length) fail(ctx, Codes.ShapeMismatch, `target shape ${fmt(target)} copies dimension ${i} that input ${fmt(input)} lacks`);
      return input[i] as number;
    }
    if (v < 0) fail(ctx, Codes.BadDimension, `target shape ${fmt(target)} has invalid dimension ${v}`);
    return v;
  });
  const total = elementCountOf(input);
  if (inferAt >= 0) {
    if (allowZero && target.includes(0)) fail(ctx, Codes.ShapeMismatch, `target shape ${fmt(target)} mixes 0 and -1 with allowzero`);
    const known = elementCountOf(out);
    if (known === 0 || total % known !== 0) {
      fail(ctx, Codes.ShapeMismatch, `cannot reshape ${fmt(input)} (${total} elements) to ${fmt(target)}`);
    }
    out[inferAt] = total / known;
  } else if (elementCountOf(out) !== total) {
    fail(ctx, Codes.ShapeMismatch, `cannot reshape ${fmt(input)} (${total} elements) to ${fmt(target)}`);
  }
  return out;
}

const reshape: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  let target: readonly number[] | undefined;
  if (ctx.opsetVersion >= 5) target = constIntInput(ctx, inputs, 1, 'shape');
  else target = attrInts(ctx, 'shape');
  if (target === undefined) return fail(ctx, Codes.BadAttribute, `attribute 'shape' is required`);
  return [{ dtype: x.dtype, shape: reshapeShape(ctx, x.shape, target, attrInt(ctx, 'allowzero', 0) !== 0) }];
};

const flatten: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  const rank = x.shape.length;
  const raw = attrInt(ctx, 'axis', 1);
  if (raw < -rank || raw > rank) fail(ctx, Codes.BadAttribute, `axis ${raw} is out of range for rank ${rank}`);
  const axis = raw < 0 ? raw + rank : raw;
  return [{ dtype: x.dtype, shape: [elementCountOf(x.shape.slice(0, axis)), elementCountOf(x.shape.slice(axis))] }];
};

/** Axes from input 1 when the node has it (opset 13+), else from the attribute. */
function axesOf(ctx: InferContext, inputs: Inputs): readonly number[] | undefined {
  return inputs[1] !== undefined ? constIntInput(ctx, inputs, 1, 'axes') : attrInts(ctx, 'axes');
}

const squeeze: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  const given = axesOf(ctx, inputs);
  if (given === undefined || given.length === 0) return [{ dtype: x.dtype, shape: x.shape.filter((d) => d !== 1) }];
  const axes = new Set(normalizeAxes(ctx, given, x.shape.length));
  for (const a of axes) {
    if (x.shape[a] !== 1) fail(ctx, Codes.ShapeMismatch, `cannot squeeze axis ${a} of size ${x.shape[a]} in ${fmt(x.shape)}`);
  }
  return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.has(i)) }];
};

const unsqueeze: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  const given = axesOf(ctx, inputs);
  if (given === undefined) return fail(ctx, Codes.BadAttribute, 'axes are required');
  const outRank = x.shape.length + given.length;
  const axes = new Set(normalizeAxes(ctx, given, outRank));
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < outRank; i++) out.push(axes.has(i) ? 1 : (x.shape[next++] as number));
  return [{ dtype: x.dtype, shape: out }];
};

const transpose: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'data');
  const rank = x.shape.length;
  const perm = attrInts(ctx, 'perm') ?? x.shape.map((_, i) => rank - 1 - i);
  if (perm.length !== rank) fail(ctx, Codes.BadAttribute, `perm ${fmt(perm)} does not match rank ${rank}`);
  const axes = normalizeAxes(ctx, perm, rank, 'perm');
  return [{ dtype: x.dtype, shape: axes.map((a) => x.shape[a] as number) }];
};

function blockSize(ctx: InferContext): number {
  const b = attrInt(ctx, 'blocksize');
  if (b === undefined || b < 1) return fail(ctx, Codes.BadAttribute, `attribute 'blocksize' must be a positive integer`);
  return b;
}

const depthToSpace: ShapeFn = (ctx, inputs) => {
  const x = requireRank(ctx, requireInput(ctx, inputs, 0, 'input'), 4, 'input');
  const b = blockSize(ctx);
  const mode = attrString(ctx, 'mode', 'DCR');
  if (mode !== 'DCR' && mode !== 'CRD') unsupported(ctx, `mode '${mode}' is not supported`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (c % (b * b) !== 0) fail(ctx, Codes.ShapeMismatch, `channels ${c} are not divisible by blocksize^2 ${b * b}`);
  return [{ dtype: x.dtype, shape: [n, c / (b * b), h * b, w * b] }];
};

const spaceToDepth: ShapeFn = (ctx, inputs) => {
  const x = requireRank(ctx, requireInput(ctx, inputs, 0, 'input'), 4, 'input');
  const b = blockSize(ctx);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (h % b !== 0 || w % b !== 0) fail(ctx, Codes.ShapeMismatch, `spatial size ${h}x${w} is not divisible by blocksize ${b}`);
  return [{ dtype: x.dtype, shape: [n, c * b * b, h / b, w / b] }];
};

export const RESHAPE_OPS: Readonly<Record<string, ShapeFn>> = {
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Transpose: transpose,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
};
