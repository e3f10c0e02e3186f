/**
 * Conv (incl. grouped and depthwise), pooling and global pooling: split output rows (first spatial
 * dimension) and channels; the input window of a row tile carries the halo the kernel needs.
 */
import type { Follow, TemplateInput, TilingFamily } from './family.js';
import { activationInputs, activationOutputs, identityFollow, shapeOf, wholeFamily } from './family.js';
import { intAttr, intsAttr } from '../../ir/attributes.js';
import { resolvePad, windowAttrs, windowSpan } from '../../ir/geometry.js';

/** The window of input rows (first spatial dim) a tile of output rows reads, with its halo and top padding. */
function rowFollow(input: TemplateInput, inShape: readonly number[], outShape: readonly number[], kernel: number): Follow {
  const a = windowAttrs(input.node, inShape.length - 2);
  const stride = a.strides[0]!;
  const dilation = a.dilations[0]!;
  const H = inShape[2]!;
  const [pad] = resolvePad(a.autoPad, H, outShape[2]!, kernel, stride, dilation, [a.pads[0]!, 0]);
  return {
    dim: 2,
    // Unclamped: with a negative offset the window must reach past the top padding (the tile buffer
    // itself holds at most H rows; windows are clamped to [0, H) when moved).
    extent: (t) => windowSpan(t, kernel, stride, dilation),
    stride: (t) => t * stride,
    offset: -pad,
    limit: H,
  };
}

/** Conv/QLinearConv-free float conv over NC[H][W] (1-D and 2-D spatial). */
export function convFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const ins = activationInputs(input);
  const outs = activationOutputs(input);
  const x = node.inputs[0] ?? '';
  const w = node.inputs[1] ?? '';
  const xs = shapeOf(input, x);
  const ys = outs[0] !== undefined ? shapeOf(input, outs[0]) : [];
  const ws = input.graph.weights.get(w)?.shape ?? input.graph.tensors.get(w)?.shape;
  if (!input.graph.tensors.has(x) || outs.length !== 1 || ys.length < 3 || ys.length > 4 || xs.length !== ys.length || !ws) {
    return wholeFamily(input, 'conv');
  }
  const group = intAttr(node, 'group', 1);
  const N = ys[0]!, OC = ys[1]!, IC = xs[1]!;
  const kernel = ws[2] ?? 1;
  const kElems = ws.slice(2).reduce((a, b) => a * b, 1);
  const spatialOut = ys.slice(2).reduce((a, b) => a * b, 1);
  const totalMacs = N * OC * spatialOut * (IC / group) * kElems;
  // Channel tiles of a grouped conv must hold whole groups of output channels.
  const ocPerGroup = OC / group;
  const icPerGroup = IC / group;
  const splits = [
    ...(ys[2]! > 1 ? [{ dim: 2, extent: ys[2]!, quantum: 1, loopVar: 'r' }] : []),
    ...(OC > 1 ? [{ dim: 1, extent: OC, quantum: group > 1 ? ocPerGroup : 1, loopVar: 'c' }] : []),
    // Input channels (a reduction): only for an ungrouped conv with constant weights.
    ...(group === 1 && IC > 1 && input.graph.weights.has(w) ? [{ dim: 1, extent: IC, quantum: 1, loopVar: 'k', reduction: true }] : []),
  ];
  const follows = splits.map((s): Follow | undefined => {
    if (s.reduction) return identityFollow(1, IC);
    if (s.dim === 2) return rowFollow(input, xs, ys, kernel);
    if (group === 1) return undefined;
    const ratio = icPerGroup / ocPerGroup;
    return { dim: 1, extent: (t) => t * ratio, stride: (t) => t * ratio, offset: 0, limit: IC };
  });
  return {
    template: group === 1 ? 'conv' : group === IC && IC === OC ? 'conv-depthwise' : 'conv-grouped',
    splits,
    inputs: ins.map((t) => ({ tensor: t, shape: shapeOf(input, t), follows: t === x ? follows : splits.map(() => undefined) })),
    outputs: [{ tensor: outs[0]!, shape: ys, follows: splits.map((s) => (s.reduction ? undefined : identityFollow(s.dim, s.extent))) }],
    totalMacs,
  };
}

/** MaxPool / AveragePool / LpPool: like a depthwise conv with the kernel from the attributes. */
export function poolFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const x = node.inputs[0] ?? '';
  const outs = activationOutputs(input);
  const xs = shapeOf(input, x);
  const ys = outs[0] !== undefined ? shapeOf(input, outs[0]) : [];
  const kernelShape = intsAttr(node, 'kernel_shape');
  if (!input.graph.tensors.has(x) || ys.length < 3 || ys.length > 4 || xs.length !== ys.length || !kernelShape) {
    return wholeFamily(input, 'pool');
  }
  const C = ys[1]!;
  const kElems = kernelShape.reduce((a, b) => a * b, 1);
  const totalMacs = ys.reduce((a, b) => a * b, 1) * kElems;
  const splits = [
    ...(ys[2]! > 1 ? [{ dim: 2, extent: ys[2]!, quantum: 1, loopVar: 'r' }] : []),
    ...(C > 1 ? [{ dim: 1, extent: C, quantum: 1, loopVar: 'c' }] : []),
  ];
  const follows = splits.map((s): Follow => (s.dim === 2 ? rowFollow(input, xs, ys, kernelShape[0]!) : identityFollow(1, C)));
  return {
    template: 'pool',
    splits,
    inputs: [{ tensor: x, shape: xs, follows }],
    outputs: outs.map((t) => ({ tensor: t, shape: shapeOf(input, t), follows: splits.map((s) => identityFollow(s.dim, s.extent)) })),
    totalMacs,
  };
}

/** GlobalAveragePool / GlobalMaxPool: split channels; each tile reads whole planes of its channels. */
export function globalPoolFamily(input: TemplateInput): TilingFamily {
  const x = input.node.inputs[0] ?? '';
  const outs = activationOutputs(input);
  const xs = shapeOf(input, x);
  if (!input.graph.tensors.has(x) || outs.length !== 1 || xs.length < 3) return wholeFamily(input, 'pool');
  const C = xs[1]!;
  const splits = C > 1 ? [{ dim: 1, extent: C, quantum: 1, loopVar: 'c' }] : [];
  return {
    template: 'pool',
    splits,
    inputs: [{ tensor: x, shape: xs, follows: splits.map(() => identityFollow(1, C)) }],
    outputs: [{ tensor: outs[0]!, shape: shapeOf(input, outs[0]!), follows: splits.map(() => identityFollow(1, C)) }],
    totalMacs: xs.reduce((a, b) => a * b, 1),
  };
}
