/**
 * Tiling families of the ops that only move or gather elements, and of reductions (issue 10, point 3):
 * Transpose, Slice, Pad, Concat (a computed Concat: some operand is a constant), Resize/Upsample along
 * their unscaled dimensions, and the Reduce* ops along their kept dimensions. Each splits output
 * dimensions; an input window follows a split through the op's index map (the permutation, the slice
 * start and step, the pad offset). A layer whose attributes do not allow a split is one whole tile.
 */
import type { Graph, OpNode } from '../../ir/graph.js';
import type { Follow, OperandSpec, SplitDim, TemplateInput, TilingFamily } from './family.js';
import { activationInputs, activationOutputs, identityFollow, shapeOf, splitDims, wholeFamily } from './family.js';
import { axisAttr, floatsAttr, intAttr, intsAttr, stringAttr } from '../../ir/attributes.js';
import { sliceBounds } from '../../ir/geometry.js';

/** Numbers of a constant input (undefined when absent or not numeric). */
export function constNumbers(graph: Graph, name: string | undefined): number[] | undefined {
  if (name === undefined || name === '') return undefined;
  const t = graph.weights.get(name);
  if (!t) return undefined;
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.kind === 'splat') return Array.from({ length: count }, () => Number((t.data as { value: number | bigint }).value));
  if (t.data.kind === 'dense') return Array.from(t.data.values as ArrayLike<number | bigint>, (v) => Number(v));
  return undefined;
}

/** A family with the output's splits, and the data input's follows given per split. */
function build(input: TemplateInput, template: string, splits: readonly SplitDim[], follow: (s: SplitDim) => Follow | undefined): TilingFamily {
  const outs = activationOutputs(input);
  const out = outs[0]!;
  const ys = shapeOf(input, out);
  const data = input.node.inputs[0] ?? '';
  const inputs: OperandSpec[] = activationInputs(input).map((t) => ({
    tensor: t,
    shape: shapeOf(input, t),
    follows: splits.map((s) => (t === data ? follow(s) : undefined)),
  }));
  return {
    template,
    splits,
    inputs,
    outputs: [{ tensor: out, shape: ys, follows: splits.map((s) => identityFollow(s.dim, s.extent)) }],
    totalMacs: ys.reduce((a, b) => a * b, 1),
  };
}

/** The only activation input is the data (other inputs are constants), one output. */
function dataOnly(input: TemplateInput): boolean {
  const ins = activationInputs(input);
  return activationOutputs(input).length === 1 && ins.length === 1 && ins[0] === input.node.inputs[0];
}

/** Transpose: output dim d reads input dim perm[d]. */
export function transposeFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  if (!dataOnly(input)) return wholeFamily(input, 'transpose');
  const xs = shapeOf(input, node.inputs[0]!);
  const ys = shapeOf(input, activationOutputs(input)[0]!);
  const R = xs.length;
  const perm = intsAttr(node, 'perm') ?? [...Array(R).keys()].reverse();
  if (perm.length !== R || ys.length !== R) return wholeFamily(input, 'transpose');
  const splits = splitDims(ys, transposeSplitOrder(ys));
  return build(input, 'transpose', splits, (s) => identityFollow(perm[s.dim]!, xs[perm[s.dim]!]!));
}

/**
 * The dims a Transpose splits first (two are split): the largest extents but the innermost, outer
 * first on a tie, then the innermost. Outer-first alone splits only the window grid of a 6-D window
 * partition ([1, 2, 2, 7, 7, C] in a Swin), whose smallest tile is then a whole window of every channel.
 */
function transposeSplitOrder(ys: readonly number[]): number[] {
  const R = ys.length;
  const outer = [...Array(Math.max(R - 1, 0)).keys()].filter((d) => ys[d]! > 1);
  const best = [...outer].sort((a, b) => ys[b]! - ys[a]! || a - b).slice(0, 2).sort((a, b) => a - b);
  return [...best, ...[...Array(R).keys()].filter((d) => !best.includes(d))];
}

/** Slice (opset 10+: constant starts/ends/axes/steps; before: attributes) with positive steps. */
export function sliceFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  if (!dataOnly(input)) return wholeFamily(input, 'slice');
  const g = input.graph;
  const xs = shapeOf(input, node.inputs[0]!);
  const ys = shapeOf(input, activationOutputs(input)[0]!);
  const R = xs.length;
  const old = g.opsetVersion < 10;
  const starts = old ? intsAttr(node, 'starts') : constNumbers(g, node.inputs[1]);
  const ends = old ? intsAttr(node, 'ends') : constNumbers(g, node.inputs[2]);
  if (!starts || !ends || ys.length !== R) return wholeFamily(input, 'slice');
  const axes = (old ? intsAttr(node, 'axes') : constNumbers(g, node.inputs[3])) ?? starts.map((_, k) => k);
  const steps = old ? undefined : constNumbers(g, node.inputs[4]);
  const start = new Array<number>(R).fill(0);
  const step = new Array<number>(R).fill(1);
  for (let k = 0; k < axes.length; k++) {
    const a = axes[k]! < 0 ? axes[k]! + R : axes[k]!;
    const st = steps?.[k] ?? 1;
    if (st <= 0 || a < 0 || a >= R) return wholeFamily(input, 'slice');
    start[a] = sliceBounds(xs[a]!, starts[k]!, ends[k]!, st).start;
    step[a] = st;
  }
  const splits = splitDims(ys, [...Array(R).keys()]);
  return build(input, 'slice', splits, (s) => {
    const st = step[s.dim]!;
    return { dim: s.dim, extent: (t) => (t - 1) * st + 1, stride: (t) => t * st, offset: start[s.dim]!, limit: xs[s.dim]! };
  });
}

/** The begin pads of every dim (undefined when not constant). */
export function padBegins(graph: Graph, node: OpNode, rank: number): { begin: number[]; end: number[] } | undefined {
  const pads = intsAttr(node, 'pads') ?? (graph.opsetVersion < 11 ? intsAttr(node, 'paddings') : constNumbers(graph, node.inputs[1]));
  if (!pads) return undefined;
  const axesIn = graph.opsetVersion >= 11 ? constNumbers(graph, node.inputs[3]) : undefined;
  if (graph.opsetVersion >= 11 && (node.inputs[3] ?? '') !== '' && !axesIn) return undefined;
  const axes = (axesIn ?? [...Array(rank).keys()]).map((a) => (a < 0 ? a + rank : a));
  if (pads.length !== 2 * axes.length) return undefined;
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, k) => {
    begin[a] = pads[k]!;
    end[a] = pads[k + axes.length]!;
  });
  return { begin, end };
}

/**
 * Pad: output element y reads input element y - begin. Constant mode splits any dim (a window that
 * falls in the padding reads nothing there); the other modes split only dims without padding.
 */
export function padFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  if (!dataOnly(input)) return wholeFamily(input, 'pad');
  const xs = shapeOf(input, node.inputs[0]!);
  const ys = shapeOf(input, activationOutputs(input)[0]!);
  const R = xs.length;
  const p = padBegins(input.graph, node, R);
  if (!p || ys.length !== R || p.begin.some((b) => b < 0) || p.end.some((e) => e < 0)) return wholeFamily(input, 'pad');
  const constant = stringAttr(node, 'mode', 'constant') === 'constant';
  const allowed = [...Array(R).keys()].filter((d) => constant || (p.begin[d] === 0 && p.end[d] === 0));
  const splits = splitDims(ys, allowed);
  return build(input, 'pad', splits, (s) => ({ dim: s.dim, extent: (t) => t, stride: (t) => t, offset: -p.begin[s.dim]!, limit: xs[s.dim]! }));
}

/**
 * A computed Concat (some operand is a constant, so it cannot be DMA copies of activations): split
 * the dims other than the axis; every activation operand follows them one to one.
 */
export function concatFamily(input: TemplateInput): TilingFamily {
  const outs = activationOutputs(input);
  if (outs.length !== 1) return wholeFamily(input, 'concat-compute');
  const ys = shapeOf(input, outs[0]!);
  const R = ys.length;
  const axis = axisAttr(input.node, R);
  const splits = splitDims(ys, [...Array(R).keys()].filter((d) => d !== axis));
  const inputs: OperandSpec[] = activationInputs(input).map((t) => {
    const shape = shapeOf(input, t);
    return { tensor: t, shape, follows: splits.map((s) => (shape[s.dim] === s.extent ? identityFollow(s.dim, s.extent) : undefined)) };
  });
  if (inputs.some((o) => o.follows.some((f) => f === undefined))) return wholeFamily(input, 'concat-compute');
  return {
    template: 'concat-compute',
    splits,
    inputs,
    outputs: [{ tensor: outs[0]!, shape: ys, follows: splits.map((s) => identityFollow(s.dim, s.extent)) }],
    totalMacs: ys.reduce((a, b) => a * b, 1),
  };
}

/**
 * One dim to split so that a window of the whole remaining dims is contiguous in its home tensor:
 * the outermost allowed dim with extent > 1, when every dim before it has extent 1.
 */
function contiguousSplit(shape: readonly number[], allowed: (d: number) => boolean): SplitDim[] {
  for (let d = 0; d < shape.length; d++) {
    if (shape[d]! === 1) continue;
    return allowed(d) ? [{ dim: d, extent: shape[d]!, quantum: 1, loopVar: 'i' }] : [];
  }
  return [];
}

/** The scale Resize / Upsample applies along each dim (from scales, or sizes over the input). */
export function resizeScales(graph: Graph, node: OpNode, xs: readonly number[], ys: readonly number[]): number[] {
  const R = xs.length;
  let scales: number[] | undefined;
  if (node.opType === 'Upsample') scales = floatsAttr(node, 'scales') ? [...floatsAttr(node, 'scales')!] : constNumbers(graph, node.inputs[1]);
  else if (graph.opsetVersion < 11) scales = constNumbers(graph, node.inputs[1]);
  else {
    const sc = constNumbers(graph, node.inputs[2]);
    scales = sc && sc.length > 0 ? sc : undefined;
  }
  if (!scales || scales.length !== R) scales = ys.map((d, i) => d / xs[i]!);
  return scales;
}

/** Resize / Upsample: split one leading dim that is not resized (scale 1, same extent): channels of NCHW. */
export function resizeFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const outs = activationOutputs(input);
  const data = node.inputs[0] ?? '';
  const ins = activationInputs(input);
  if (outs.length !== 1 || ins.length !== 1 || ins[0] !== data || node.attributes.has('axes')) return wholeFamily(input, 'resize');
  const xs = shapeOf(input, data);
  const ys = shapeOf(input, outs[0]!);
  if (xs.length !== ys.length) return wholeFamily(input, 'resize');
  const scales = resizeScales(input.graph, node, xs, ys);
  const splits = contiguousSplit(ys, (d) => xs[d] === ys[d] && scales[d] === 1);
  return build(input, 'resize', splits, (s) => identityFollow(s.dim, xs[s.dim]!));
}

/** The reduced axes of a Reduce* node (undefined when they are not constant). */
export function reducedAxes(graph: Graph, node: OpNode, rank: number): number[] | undefined {
  let axes: number[] | undefined = intsAttr(node, 'axes') ? [...intsAttr(node, 'axes')!] : undefined;
  const axesInput = node.inputs[1] ?? '';
  if (axesInput !== '') {
    axes = constNumbers(graph, axesInput);
    if (!axes) return undefined;
  }
  if (!axes || axes.length === 0) axes = intAttr(node, 'noop_with_empty_axes', 0) === 1 ? [] : [...Array(rank).keys()];
  return axes.map((a) => (a < 0 ? a + rank : a));
}

/** Reduce*: split one kept dim (outermost with extent > 1, only size-1 dims before it). */
export function reduceFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const outs = activationOutputs(input);
  const data = node.inputs[0] ?? '';
  if (outs.length !== 1 || !activationInputs(input).every((t) => t === data)) return wholeFamily(input, 'reduce');
  const xs = shapeOf(input, data);
  const ys = shapeOf(input, outs[0]!);
  const R = xs.length;
  const axes = reducedAxes(input.graph, node, R);
  if (!axes || axes.length === 0) return wholeFamily(input, 'reduce');
  const keep = intAttr(node, 'keepdims', 1) !== 0;
  // Output dim -> input dim.
  const kept = [...Array(R).keys()].filter((d) => keep || !axes.includes(d));
  if (kept.length !== ys.length) return wholeFamily(input, 'reduce');
  // Only a kept, unreduced input dim with size-1 dims before it (a contiguous window of the input too).
  const splits = contiguousSplit(ys, (d) => !axes.includes(kept[d]!) && xs.slice(0, kept[d]!).every((e) => e === 1));
  return { ...build(input, 'reduce', splits, (s) => identityFollow(kept[s.dim]!, xs[kept[s.dim]!]!)), totalMacs: xs.reduce((a, b) => a * b, 1) };
}
