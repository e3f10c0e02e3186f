/**
 * Tiling families of integer layers (TFLite, NHWC; quantized ONNX, NCHW). The integer kernels
 * (codegen/int) run on a window when its elements are one dense block in the kernel's own layout, up
 * to a plane stride for the NCHW window kernels. So these families split only where that holds, and
 * reuse the float families' arithmetic (halo follows, element-wise follows) wherever they can:
 *  - 'int-window' (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D; QConv, QMaxPool): output
 *    rows, the input window carrying the halo (batch 1); TFLite CONV_2D and DEPTHWISE_CONV_2D also
 *    their output channels, as a last resort (withChannelSplit);
 *  - 'int-elementwise' (ADD, SUB, MUL, activations, QUANTIZE, DEQUANTIZE; QAdd, QMul, QClip, QLookup,
 *    QuantizeLinear, DequantizeLinear) and 'int-axis' (SOFTMAX, over its last axis): the outermost
 *    output dimension larger than one (everything before it has extent 1, so every window is one run);
 *  - 'int-gemm' (FULLY_CONNECTED, QGemm): the output's rows when there are several (A follows them),
 *    else its columns (units) with B constant;
 *  - 'int-global-pool' (QGlobalAveragePool): channels (batch 1);
 *  - 'int-pad' (PAD, PADV2): output rows (NHWC dim 1, batch 1); the input window is the rows the
 *    block copies (none when the block is all padding);
 *  - 'int-transpose' (TRANSPOSE): the outermost output dim larger than one; the input window is that
 *    dim's source dim (a strided window: the copy goes through mpg_permute, any strides);
 *  - 'int-reduce' (MEAN): a reduction over adjacent axes that end just before the last axis (H, W of
 *    NHWC): the last axis (channels), which is kept; a tile's input window is every reduced position of
 *    its channels (pixels a stride apart: mpq_mean_px_s8).
 * Anything else is one whole tile.
 */
import { constNumbers } from '../../frontend/shape-inference/util.js';
import type { Follow, SplitDim, TemplateInput, TilingFamily } from './family.js';
import { activationInputs, activationOutputs, identityFollow, shapeOf, wholeFamily } from './family.js';
import { convFamily, globalPoolFamily, poolFamily } from './conv-pool.js';
import { elementwiseFamily } from './elementwise.js';
import { intAttr } from '../../ir/attributes.js';
import { tfliteRowWindow, tfliteSplitDim, windowSpan } from '../../ir/geometry.js';
import { TFLITE_OP_DOMAIN } from '../../ir/op-table.js';

/** Keeps the splits of a family that `keep` accepts (the operands' follows with them). */
function onlySplits(f: TilingFamily, keep: (s: SplitDim) => boolean): TilingFamily {
  const idx = f.splits.map((s, i) => (keep(s) ? i : -1)).filter((i) => i >= 0);
  const pick = <T>(xs: readonly T[]) => idx.map((i) => xs[i]!);
  return {
    ...f,
    splits: pick(f.splits),
    inputs: f.inputs.map((o) => ({ ...o, follows: pick(o.follows) })),
    outputs: f.outputs.map((o) => ({ ...o, follows: pick(o.follows) })),
  };
}

function batchOne(input: TemplateInput): boolean {
  const outs = activationOutputs(input);
  const x = input.node.inputs[0] ?? '';
  return outs.length === 1 && input.graph.tensors.has(x) && shapeOf(input, x)[0] === 1 && shapeOf(input, outs[0]!)[0] === 1;
}

export function intWindowFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  if (!batchOne(input) || shapeOf(input, node.inputs[0]!).length !== 4) return wholeFamily(input, 'int-window');
  if (node.domain !== TFLITE_OP_DOMAIN) {
    // NCHW (QConv, QMaxPool): the float conv/pool families, rows only.
    const f = node.opType === 'QMaxPool' ? poolFamily(input) : convFamily(input);
    return { ...onlySplits(f, (s) => s.dim === 2), template: `int-${f.template}` };
  }
  const x = node.inputs[0]!;
  const y = activationOutputs(input)[0]!;
  const xs = shapeOf(input, x);
  const ys = shapeOf(input, y);
  if (xs.length !== 4 || ys.length !== 4) return wholeFamily(input, 'int-window');
  // Rows; a convolution with one output row (a 1-D signal as NHWC, e.g. audio) splits its columns.
  const dim = tfliteSplitDim(node, ys);
  const win = tfliteRowWindow(input, xs[dim]!, ys[dim]!, dim);
  if (!win) return wholeFamily(input, 'int-window');
  const OH = ys[dim]!;
  const splits: SplitDim[] = OH > 1 ? [{ dim, extent: OH, quantum: 1, loopVar: dim === 1 ? 'r' : 'w' }] : [];
  const rows: Follow = {
    dim,
    extent: (t) => windowSpan(t, win.kernel, win.stride, win.dilation),
    stride: (t) => t * win.stride,
    offset: -win.pad,
    limit: xs[dim]!,
  };
  const conv = node.opType === 'CONV_2D' || node.opType === 'DEPTHWISE_CONV_2D';
  const ws = conv ? (input.graph.weights.get(node.inputs[1] ?? '')?.shape ?? []) : [];
  const perOutput = node.opType === 'CONV_2D' ? (ws[1] ?? 1) * (ws[2] ?? 1) * (ws[3] ?? 1) : conv ? (ws[1] ?? 1) * (ws[2] ?? 1) : win.kernel * intAttr(node, 'filter_w', 1);
  return withChannelSplit(input, {
    template: node.opType === 'CONV_2D' ? 'int-conv' : node.opType === 'DEPTHWISE_CONV_2D' ? 'int-conv-depthwise' : 'int-pool',
    splits,
    inputs: activationInputs(input).map((t) => ({ tensor: t, shape: shapeOf(input, t), follows: splits.map(() => (t === x ? rows : undefined)) })),
    outputs: [{ tensor: y, shape: ys, follows: splits.map((s) => identityFollow(s.dim, s.extent)) }],
    totalMacs: ys.reduce((a, b) => a * b, 1) * perOutput,
  });
}

/**
 * A TFLite CONV_2D (batch 1, not grouped) or DEPTHWISE_CONV_2D (depth multiplier one) also splits its
 * output channels (NHWC dim 3), after its rows, as a last resort (SplitDim.lastResort): a tile's
 * filter rows, biases and multipliers are those of its channels (read in place at the channel offset,
 * or DMA'd into SRAM tiles when the cores cannot read the weights: templates/weights.ts, which makes
 * the split an ordinary one). The CONV_2D input window keeps all its channels, the depthwise one has
 * the tile's channels; the output window is a channel slice of each pixel (the kernels' pixel strides).
 */
function withChannelSplit(input: TemplateInput, family: TilingFamily): TilingFamily {
  const node = input.node;
  const conv = node.opType === 'CONV_2D' && family.template === 'int-conv';
  const depthwise = node.opType === 'DEPTHWISE_CONV_2D' && family.template === 'int-conv-depthwise';
  if ((!conv && !depthwise) || family.outputs.length !== 1) return family;
  const ys = family.outputs[0]!.shape;
  const x = node.inputs[0] ?? '';
  const xs = shapeOf(input, x);
  const ws = input.graph.weights.get(node.inputs[1] ?? '')?.shape ?? [];
  const OC = ys[3] ?? 1;
  if (ys.length !== 4 || ys[0] !== 1 || xs.length !== 4 || ws.length !== 4 || OC < 2) return family;
  // Not grouped (CONV_2D); a depth multiplier of one (DEPTHWISE_CONV_2D: the input follows the channels).
  if (conv ? ws[0] !== OC || ws[3] !== xs[3] : ws[0] !== 1 || ws[3] !== OC || xs[3] !== OC) return family;
  if (family.splits.some((s) => s.dim === 3)) return family;
  const split: SplitDim = { dim: 3, extent: OC, quantum: 1, loopVar: 'c', lastResort: true };
  return {
    ...family,
    splits: [...family.splits, split],
    inputs: family.inputs.map((o) => ({ ...o, follows: [...o.follows, depthwise && o.tensor === x ? identityFollow(3, OC) : undefined] })),
    outputs: family.outputs.map((o) => ({ ...o, follows: [...o.follows, identityFollow(3, OC)] })),
  };
}

/** The outermost output dim larger than one, when every dim before it is one (so windows are single runs). */
function outerSplit(f: TilingFamily, ys: readonly number[], allowed: (dim: number) => boolean): TilingFamily {
  const first = ys.findIndex((d) => d > 1);
  return onlySplits(f, (s) => s.dim === first && allowed(s.dim));
}

export function intElementwiseFamily(input: TemplateInput): TilingFamily {
  const outs = activationOutputs(input);
  if (outs.length !== 1) return wholeFamily(input, 'int-elementwise');
  const ys = shapeOf(input, outs[0]!);
  const f = elementwiseFamily(input);
  // A constant operand that varies along the split would be read at the window too: keep it whole.
  const varies = (dim: number) =>
    input.node.inputs.some((name) => {
      const ws = input.graph.weights.get(name)?.shape;
      const k = ws ? dim - (ys.length - ws.length) : -1;
      return ws !== undefined && k >= 0 && ws[k]! > 1;
    });
  return { ...outerSplit(f, ys, (d) => !varies(d)), template: 'int-elementwise' };
}

/** SOFTMAX (last axis): rows of the last axis. */
export function intAxisFamily(input: TemplateInput): TilingFamily {
  const outs = activationOutputs(input);
  if (outs.length !== 1) return wholeFamily(input, 'int-softmax');
  const ys = shapeOf(input, outs[0]!);
  const f = elementwiseFamily(input);
  return { ...outerSplit(f, ys, (d) => d < ys.length - 1), template: 'int-softmax', totalMacs: f.totalMacs * 8 };
}

export function intGemmFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const outs = activationOutputs(input);
  const a = node.inputs[0] ?? '';
  const b = node.inputs[1] ?? '';
  if (outs.length !== 1 || !input.graph.tensors.has(a)) return wholeFamily(input, 'int-gemm');
  const ys = shapeOf(input, outs[0]!);
  const as = shapeOf(input, a);
  const bw = input.graph.weights.get(b);
  const R = ys.length;
  if (R < 2 || ys.slice(0, R - 2).some((d) => d !== 1)) return wholeFamily(input, 'int-gemm');
  const M = ys[R - 2]!, N = ys[R - 1]!;
  // FULLY_CONNECTED's weights are [units][depth]; QGemm's B is [K][N] or [N][K] (transB).
  const K = node.domain === TFLITE_OP_DOMAIN ? (bw?.shape[1] ?? 0) : (as[as.length - 1] ?? 0);
  const totalMacs = M * N * K;
  const whole = (): TilingFamily => wholeFamily(input, 'int-gemm', totalMacs);
  const ins = activationInputs(input);
  if (M > 1) {
    // Rows: A must be [.., M, K] with its leading dims one (rows of A are rows of Y).
    if (as.length < 2 || as[as.length - 2] !== M || as.slice(0, -2).some((d) => d !== 1)) return whole();
    const split: SplitDim = { dim: R - 2, extent: M, quantum: 1, loopVar: 'm' };
    return {
      template: 'int-gemm',
      splits: [split],
      inputs: ins.map((t) => ({ tensor: t, shape: shapeOf(input, t), follows: [t === a ? identityFollow(as.length - 2, M) : undefined] })),
      outputs: [{ tensor: outs[0]!, shape: ys, follows: [identityFollow(R - 2, M)] }],
      totalMacs,
    };
  }
  if (N > 1 && bw && ins.length === 1) {
    const split: SplitDim = { dim: R - 1, extent: N, quantum: 1, loopVar: 'n' };
    return {
      template: 'int-gemm',
      splits: [split],
      inputs: ins.map((t) => ({ tensor: t, shape: shapeOf(input, t), follows: [undefined] })),
      outputs: [{ tensor: outs[0]!, shape: ys, follows: [identityFollow(R - 1, N)] }],
      totalMacs,
    };
  }
  return whole();
}

export function intGlobalPoolFamily(input: TemplateInput): TilingFamily {
  if (!batchOne(input)) return wholeFamily(input, 'int-pool');
  return { ...globalPoolFamily(input), template: 'int-global-pool' };
}

export function intPadFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const x = node.inputs[0] ?? '';
  const outs = activationOutputs(input);
  const pads = input.graph.weights.get(node.inputs[1] ?? '');
  if (!batchOne(input) || !pads || pads.data.kind !== 'dense') return wholeFamily(input, 'int-pad');
  const xs = shapeOf(input, x);
  const ys = shapeOf(input, outs[0]!);
  if (xs.length < 2 || ys[1]! <= 1) return wholeFamily(input, 'int-pad');
  const values = constNumbers(pads);
  if (values.length !== 2 * xs.length || !Number.isInteger(values[2]) || values[0] !== 0 || values[1] !== 0) return wholeFamily(input, 'int-pad');
  const before = values[2]!;
  const rows: Follow = { dim: 1, extent: (t) => t, stride: (t) => t, offset: -before, limit: xs[1]! };
  const split: SplitDim = { dim: 1, extent: ys[1]!, quantum: 1, loopVar: 'r' };
  return {
    template: 'int-pad',
    splits: [split],
    inputs: activationInputs(input).map((t) => ({ tensor: t, shape: shapeOf(input, t), follows: [t === x ? rows : undefined] })),
    outputs: [{ tensor: outs[0]!, shape: ys, follows: [identityFollow(1, ys[1]!)] }],
    totalMacs: ys.reduce((a, b) => a * b, 1),
  };
}

export function intTransposeFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const x = node.inputs[0] ?? '';
  const outs = activationOutputs(input);
  const perm = input.graph.weights.get(node.inputs[1] ?? '');
  if (outs.length !== 1 || !input.graph.tensors.has(x) || !perm || perm.data.kind !== 'dense') return wholeFamily(input, 'int-transpose');
  const p = constNumbers(perm);
  const ys = shapeOf(input, outs[0]!);
  const xs = shapeOf(input, x);
  const d = ys.findIndex((e) => e > 1);
  if (d < 0 || p.length !== ys.length || xs[p[d]!] !== ys[d]) return wholeFamily(input, 'int-transpose');
  const split: SplitDim = { dim: d, extent: ys[d]!, quantum: 1, loopVar: 'i' };
  return {
    template: 'int-transpose',
    splits: [split],
    inputs: [{ tensor: x, shape: xs, follows: [identityFollow(p[d]!, ys[d]!)] }],
    outputs: [{ tensor: outs[0]!, shape: ys, follows: [identityFollow(d, ys[d]!)] }],
    totalMacs: ys.reduce((a, b) => a * b, 1),
  };
}

/**
 * TFLite MEAN over adjacent axes ending at the one before the last (NHWC H and W, say): the output's
 * last dim (the input's last, never reduced) splits; each tile reads all reduced positions of its
 * channels and writes their means. Other axis sets are one whole tile.
 */
export function intReduceFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const x = node.inputs[0] ?? '';
  const outs = activationOutputs(input);
  const axesT = input.graph.weights.get(node.inputs[1] ?? '');
  const ins = activationInputs(input);
  if (outs.length !== 1 || ins.length !== 1 || ins[0] !== x || !axesT || axesT.data.kind !== 'dense') return wholeFamily(input, 'int-reduce');
  const xs = shapeOf(input, x);
  const ys = shapeOf(input, outs[0]!);
  const R = xs.length;
  const axes = [...new Set(constNumbers(axesT).map((a) => (a < 0 ? a + R : a)))].sort((a, b) => a - b);
  const adjacent = axes.every((a, i) => i === 0 || a === axes[i - 1]! + 1);
  const C = xs[R - 1] ?? 1;
  const totalMacs = xs.reduce((a, b) => a * b, 1);
  if (R < 2 || axes.length === 0 || !adjacent || axes[axes.length - 1] !== R - 2 || axes[0]! < 0 || ys[ys.length - 1] !== C || C < 2) return wholeFamily(input, 'int-reduce', totalMacs);
  const split: SplitDim = { dim: ys.length - 1, extent: C, quantum: 1, loopVar: 'c' };
  return {
    template: 'int-reduce',
    splits: [split],
    inputs: [{ tensor: x, shape: xs, follows: [identityFollow(R - 1, C)] }],
    outputs: [{ tensor: outs[0]!, shape: ys, follows: [identityFollow(ys.length - 1, C)] }],
    totalMacs,
  };
}
