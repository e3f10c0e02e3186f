/**
 * Which nodes may join a depth-first segment, and the rows each reads: spatial layers over NCHW
 * tensors of batch 1 (Conv of any group, max/average pools, element-wise ops, with their fused
 * chains) whose output rows follow their input rows (the row split of their tiling template),
 * channel Concats (each operand's band copied into its channels of the output's band), and
 * integer TFLite layers over NHWC tensors of batch 1 (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D,
 * MAX_POOL_2D with their fused activations, ADD / SUB / MUL of same-shaped operands, PAD of the
 * spatial dims, and a TRANSPOSE that turns an NCHW tensor into NHWC). Every tensor names its own row
 * and column dims (`dims`): 2 and 3 for NCHW, 1 and 2 for NHWC.
 */
import { constNumbers } from '../../frontend/shape-inference/util.js';
import type { Graph, OpNode } from '../../ir/graph.js';
import { fusedResiduals } from '../../ir/graph.js';
import { TFLITE_DOMAIN } from '../../frontend/tflite/import-tflite.js';
import { classifyLayer } from '../templates/index.js';
import { axisAttr, intAttr, intsAttr, stringAttr } from '../../ir/attributes.js';
import { resolvePad, tfliteRowWindow, windowAttrs, windowKernel, windowSpan } from '../../ir/geometry.js';
import type { MemberRows, RowRelation } from './geometry.js';

export interface MemberInfo extends MemberRows {
  readonly node: OpNode;
  /** Columns of the output tensor (1 for a rank-3 tensor). */
  readonly width: number;
  /**
   * Per input (same order as `inputs`): the columns each output column reads (patch segments), or
   * undefined when the member cannot run on a column patch (1-D tensors, a count_include_pad average
   * pool, an operand broadcast along the columns but not the rows). A span of 0: read whole (only the
   * segment's input may be, and only when it has one column).
   */
  readonly cols: readonly (RowRelation | undefined)[];
  /** Rows of the output tensor. */
  readonly height: number;
  /** MACs (element operations for element-wise ops) per output row. */
  readonly macsPerRow: number;
  /** Row dim and column dim of the output and of every input (NCHW: [2, 3]; NHWC: [1, 2]). */
  readonly dims: ReadonlyMap<string, readonly [number, number]>;
  /**
   * A TFLite PAD of the rows and columns whose padded elements read as zero through a convolution
   * (the pad value is the zero point, as the input's): `foldPads` may fold it into the VALID
   * convolution that reads it.
   */
  readonly foldablePad?: { readonly top: number; readonly left: number };
  /** A TFLite CONV_2D / DEPTHWISE_CONV_2D with VALID padding (a foldable PAD may fold into it). */
  readonly validConv?: boolean;
  /**
   * Set by `foldPads`: this convolution reads the input of the PAD `node` (folded away) with its
   * padding: `top` rows and `left` columns more, read as zero.
   */
  readonly foldedPad?: { readonly node: string; readonly top: number; readonly left: number };
}

/**
 * The members of a run as the segment computes them: a foldable PAD read by exactly one VALID
 * convolution of the run (and by nothing else in it) folds into it, so its padded tensor never
 * exists: the convolution reads the PAD's input with the padding added to its own (padded elements
 * contribute zero to the sums, as the kernel's out-of-bounds taps do). A PAD that is the run's last
 * member stays (its output is the segment's).
 */
export function foldPads(members: readonly MemberInfo[]): MemberInfo[] {
  const out: (MemberInfo | undefined)[] = [...members];
  for (let i = 0; i < members.length - 1; i++) {
    const pad = members[i]!;
    if (!pad.foldablePad) continue;
    const readers = members.map((m, j) => (m.inputs.some((x) => x.tensor === pad.output) ? j : -1)).filter((j) => j >= 0);
    if (readers.length !== 1 || readers[0]! <= i) continue;
    const j = readers[0]!;
    const conv = out[j]!;
    if (!conv.validConv || conv.foldedPad || conv.inputs.length !== 1 || conv.inputs[0]!.tensor !== pad.output) continue;
    const source = pad.inputs[0]!.tensor;
    const r = conv.inputs[0]!.rows;
    const c = conv.cols[0]!;
    const dims = new Map(conv.dims);
    dims.delete(pad.output);
    dims.set(source, pad.dims.get(source)!);
    out[j] = {
      ...conv,
      inputs: [{ tensor: source, rows: { stride: r.stride, pad: r.pad + pad.foldablePad.top, span: r.span } }],
      cols: [{ stride: c.stride, pad: c.pad + pad.foldablePad.left, span: c.span }],
      dims,
      foldedPad: { node: pad.node.name, top: pad.foldablePad.top, left: pad.foldablePad.left },
    };
    out[i] = undefined;
  }
  return out.filter((m): m is MemberInfo => m !== undefined);
}

const NCHW: readonly [number, number] = [2, 3];
const NHWC: readonly [number, number] = [1, 2];

/**
 * Row and column dims of every tensor the members read or write (the first member naming it wins;
 * chooseSegments admits no layer that would give a tensor other dims than an earlier layer did).
 */
export function segmentDims(members: readonly { readonly dims: ReadonlyMap<string, readonly [number, number]> }[]): Map<string, readonly [number, number]> {
  const out = new Map<string, readonly [number, number]>();
  for (const m of members) for (const [t, d] of m.dims) if (!out.has(t)) out.set(t, d);
  return out;
}

const TEMPLATES: ReadonlySet<string> = new Set(['conv', 'conv-depthwise', 'conv-grouped', 'pool', 'elementwise']);

/** The member view of a node, or undefined when it cannot run band by band. */
export function memberInfo(graph: Graph, node: OpNode): MemberInfo | undefined {
  if (node.segment) return undefined;
  if (node.domain === TFLITE_DOMAIN) return tfliteMemberInfo(graph, node);
  if (node.opType === 'Concat' && node.domain === '') return concatMemberInfo(graph, node);
  const kind = classifyLayer({ node, graph });
  if (kind.kind !== 'compute') return undefined;
  const fam = kind.family;
  if (!TEMPLATES.has(fam.template) || fam.outputs.length !== 1) return undefined;
  const out = fam.outputs[0]!;
  const ys = out.shape;
  if (ys.length !== 4 || ys[0] !== 1 || graph.tensors.get(out.tensor)?.dtype !== 'float32') return undefined;
  const split = fam.splits.findIndex((s) => s.dim === 2 && !s.reduction);
  if (split < 0) return undefined;
  // A fused chain may read its own intermediates, weights, and residual operands (a fused residual
  // Add), which the family lists as inputs read at the output's rows.
  if (node.fused && node.fused.length > 0) {
    const own = new Set<string>([...node.fused.flatMap((f) => f.outputs), ...fusedResiduals(node, graph)]);
    const head = node.fusedInput ?? node.fused[0]!.inputs.find((n) => n !== '' && !graph.weights.has(n));
    if (head !== undefined) own.add(head);
    for (const f of node.fused) {
      for (const i of f.inputs) if (i !== '' && graph.tensors.has(i) && !own.has(i)) return undefined;
    }
  }
  const inputs: { tensor: string; rows: RowRelation }[] = [];
  const cols: (RowRelation | undefined)[] = [];
  const width = ys[3] ?? 1;
  const windowCols = fam.template === 'elementwise' ? undefined : windowColumns(graph, node, ys);
  for (const o of fam.inputs) {
    const f = o.follows[split];
    const t = graph.tensors.get(o.tensor);
    if (!t || t.dtype !== 'float32') return undefined;
    if (!f) {
      // Read whole along the rows (a broadcast operand): allowed only for the segment's input, which
      // the caller checks by giving it no row relation.
      inputs.push({ tensor: o.tensor, rows: { stride: 0, pad: 0, span: 0 } });
      cols.push(ys.length === 4 && (o.shape.length < 4 || o.shape[3] === 1) ? { stride: 0, pad: 0, span: 0 } : undefined);
      continue;
    }
    if (f.dim !== 2 || o.shape.length !== 4) return undefined;
    inputs.push({ tensor: o.tensor, rows: { stride: f.stride(1), pad: -f.offset, span: f.extent(1) } });
    // The kernel's input reads a window of columns; any other operand (an element-wise operand, a
    // fused residual) follows the output's columns one to one when it has the output's width.
    if (o.tensor === node.inputs[0] && fam.template !== 'elementwise') cols.push(windowCols);
    else cols.push(ys.length === 4 && o.shape[3] === width ? { stride: 1, pad: 0, span: 1 } : undefined);
  }
  const height = ys[2]!;
  const dims = new Map<string, readonly [number, number]>([[out.tensor, NCHW], ...inputs.map((i) => [i.tensor, NCHW] as const)]);
  return { node, output: out.tensor, inputs, cols, height, width, macsPerRow: fam.totalMacs / height, dims };
}

/**
 * A channel Concat (NCHW, batch 1, axis 1) of float32 tensors of the output's rows and columns: each
 * output row (column) is the same row (column) of every operand, so the member copies the band (patch,
 * tile window) of each operand into its channels of the output's band. Inside a segment its operands
 * are line or region buffers of their own: the copy-free placement of the operands in the output's
 * buffer (graph-opt/passes/copy-free-concat.ts) no longer applies there. Its "MACs" are the elements
 * it copies.
 */
function concatMemberInfo(graph: Graph, node: OpNode): MemberInfo | undefined {
  if (node.fused && node.fused.length > 0) return undefined;
  const outs = node.outputs.filter((o) => o !== '');
  const y = graph.tensors.get(outs[0] ?? '');
  if (outs.length !== 1 || !y || y.dtype !== 'float32' || y.shape.length !== 4 || y.shape[0] !== 1) return undefined;
  if (!y.shape.every((d) => Number.isInteger(d) && d > 0)) return undefined;
  if (axisAttr(node, 4) !== 1) return undefined;
  const operands = node.inputs.filter((t) => t !== '');
  if (operands.length === 0 || new Set(operands).size !== operands.length) return undefined;
  let channels = 0;
  for (const t of operands) {
    const x = graph.tensors.get(t);
    if (!x || x.dtype !== 'float32' || x.shape.length !== 4 || x.shape[0] !== 1 || x.shape[2] !== y.shape[2] || x.shape[3] !== y.shape[3]) return undefined;
    channels += x.shape[1]!;
  }
  if (channels !== y.shape[1]) return undefined;
  const [, c, height, width] = y.shape as [number, number, number, number];
  return {
    node,
    output: y.name,
    inputs: operands.map((tensor) => ({ tensor, rows: ONE })),
    cols: operands.map(() => ONE),
    height,
    width,
    macsPerRow: c * width,
    dims: new Map<string, readonly [number, number]>([[y.name, NCHW], ...operands.map((t) => [t, NCHW] as const)]),
  };
}

/** Integer element types a TFLite member may hold (segment buffers take the real element size). */
const INT_TYPES: ReadonlySet<string> = new Set(['int8', 'uint8', 'int16']);
const TFLITE_WINDOW_OPS: ReadonlySet<string> = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'AVERAGE_POOL_2D', 'MAX_POOL_2D']);
const TFLITE_BINARY_OPS: ReadonlySet<string> = new Set(['ADD', 'SUB', 'MUL']);
const ONE: RowRelation = { stride: 1, pad: 0, span: 1 };

/** Constant elements of input `i` (dense), or undefined. */
function constValues(graph: Graph, node: OpNode, i: number): number[] | undefined {
  const w = graph.weights.get(node.inputs[i] ?? '');
  if (!w || w.data.kind !== 'dense') return undefined;
  return constNumbers(w);
}

/**
 * The member view of an integer TFLite layer (NHWC, batch 1, every activation of one integer type),
 * or undefined. Rows are dim 1 and columns dim 2 of every NHWC tensor; a TRANSPOSE member reads its
 * input's rows and columns at the dims its permutation takes them from (NCHW: 2 and 3).
 */
function tfliteMemberInfo(graph: Graph, node: OpNode): MemberInfo | undefined {
  if (node.fused && node.fused.length > 0) return undefined;
  const kind = classifyLayer({ node, graph });
  if (kind.kind !== 'compute') return undefined;
  const outs = node.outputs.filter((o) => o !== '');
  if (outs.length !== 1) return undefined;
  const y = graph.tensors.get(outs[0]!);
  const x = graph.tensors.get(node.inputs[0] ?? '');
  if (!y || !x || y.shape.length !== 4 || y.shape[0] !== 1 || !INT_TYPES.has(y.dtype) || x.dtype !== y.dtype || x.shape.length !== 4 || x.shape[0] !== 1) return undefined;
  if (!y.shape.every((d) => Number.isInteger(d) && d > 0) || !x.shape.every((d) => Number.isInteger(d) && d > 0)) return undefined;
  const ys = y.shape;
  const xs = x.shape;
  const height = ys[1]!;
  const width = ys[2]!;
  const totalMacs = kind.family.totalMacs;
  const base = { node, output: y.name, height, width, macsPerRow: totalMacs / height };
  const nhwc = (names: string[]) => new Map<string, readonly [number, number]>([[y.name, NHWC], ...names.map((t) => [t, NHWC] as const)]);
  if (TFLITE_WINDOW_OPS.has(node.opType)) {
    if (xs[3] === undefined || (node.opType !== 'DEPTHWISE_CONV_2D' && node.opType !== 'CONV_2D' && xs[3] !== ys[3])) return undefined;
    const rw = tfliteRowWindow({ node, graph }, xs[1]!, ys[1]!, 1);
    const cw = tfliteRowWindow({ node, graph }, xs[2]!, ys[2]!, 2);
    if (!rw || !cw || rw.pad < 0 || cw.pad < 0) return undefined;
    const others = node.inputs.slice(1).filter((t) => t !== '' && graph.tensors.has(t));
    if (others.length > 0) return undefined; // weights only
    const rows = { stride: rw.stride, pad: rw.pad, span: windowSpan(1, rw.kernel, rw.stride, rw.dilation) };
    const cols = { stride: cw.stride, pad: cw.pad, span: windowSpan(1, cw.kernel, cw.stride, cw.dilation) };
    const validConv = (node.opType === 'CONV_2D' || node.opType === 'DEPTHWISE_CONV_2D') && stringAttr(node, 'padding', 'SAME') === 'VALID';
    return { ...base, inputs: [{ tensor: x.name, rows }], cols: [cols], dims: nhwc([x.name]), ...(validConv ? { validConv } : {}) };
  }
  if (TFLITE_BINARY_OPS.has(node.opType)) {
    const inputs: { tensor: string; rows: RowRelation }[] = [];
    for (const name of node.inputs.slice(0, 2)) {
      const t = graph.tensors.get(name);
      if (t) {
        if (t.dtype !== y.dtype || t.shape.length !== 4 || t.shape.some((d, k) => d !== ys[k])) return undefined;
        if (!inputs.some((i) => i.tensor === name)) inputs.push({ tensor: name, rows: ONE });
        continue;
      }
      // A constant operand must not vary along the rows or columns (it is read whole).
      const w = graph.weights.get(name);
      if (!w) return undefined;
      const r = w.shape.length;
      if ((r >= 3 && w.shape[r - 3]! > 1) || (r >= 2 && w.shape[r - 2]! > 1) || r > 4) return undefined;
    }
    if (inputs.length === 0) return undefined;
    return { ...base, inputs, cols: inputs.map(() => ONE), dims: nhwc(inputs.map((i) => i.tensor)) };
  }
  if (node.opType === 'PAD' || node.opType === 'PADV2') {
    const p = constValues(graph, node, 1);
    if (!p || p.length !== 8 || p.some((v) => !Number.isInteger(v) || v < 0)) return undefined;
    if (p[0] !== 0 || p[1] !== 0 || p[6] !== 0 || p[7] !== 0) return undefined; // spatial padding only
    if (xs[3] !== ys[3] || xs[1]! + p[2]! + p[3]! !== ys[1] || xs[2]! + p[4]! + p[5]! !== ys[2]) return undefined;
    // The kernel's pad value (codegen/int/emit-tflite.ts): the output's zero point, or PADV2's constant.
    const zp = y.quantization?.zeroPoints[0] ?? 0;
    const value = node.opType === 'PADV2' && (node.inputs[2] ?? '') !== '' ? constValues(graph, node, 2)?.[0] : zp;
    const sameQuant = x.quantization !== undefined && y.quantization !== undefined && x.quantization.scales.length === 1 && y.quantization.scales.length === 1 &&
      x.quantization.scales[0] === y.quantization.scales[0] && x.quantization.zeroPoints[0] === zp;
    const foldable = sameQuant && value === zp && (y.dtype !== 'int16' || zp === 0);
    return {
      ...base,
      inputs: [{ tensor: x.name, rows: { stride: 1, pad: p[2]!, span: 1 } }],
      cols: [{ stride: 1, pad: p[4]!, span: 1 }],
      dims: nhwc([x.name]),
      ...(foldable ? { foldablePad: { top: p[2]!, left: p[4]! } } : {}),
    };
  }
  if (node.opType === 'TRANSPOSE') {
    const perm = constValues(graph, node, 1);
    if (!perm || perm.length !== 4 || perm[0] !== 0 || new Set(perm).size !== 4 || perm.some((d) => !Number.isInteger(d) || d < 0 || d > 3)) return undefined;
    if (perm.some((d, k) => xs[d] !== ys[k])) return undefined;
    // Output rows (dim 1) and columns (dim 2) come from input dims perm[1] and perm[2].
    const dims = new Map<string, readonly [number, number]>([[y.name, NHWC], [x.name, [perm[1]!, perm[2]!]]]);
    return { ...base, inputs: [{ tensor: x.name, rows: ONE }], cols: [ONE], dims };
  }
  return undefined;
}

/** Columns (second spatial dim) a conv / pool output column reads of its input, or undefined. */
function windowColumns(graph: Graph, node: OpNode, ys: readonly number[]): RowRelation | undefined {
  const xs = graph.tensors.get(node.inputs[0] ?? '')?.shape;
  if (!xs || xs.length !== 4 || ys.length !== 4) return undefined;
  if (node.opType === 'AveragePool' && intAttr(node, 'count_include_pad', 0) !== 0) return undefined;
  if (node.opType !== 'Conv' && node.opType !== 'MaxPool' && node.opType !== 'AveragePool') return undefined;
  const kernel = windowKernel(node, graph.weights.get(node.inputs[1] ?? '')?.shape ?? graph.tensors.get(node.inputs[1] ?? '')?.shape);
  if (!kernel || kernel.length !== 2) return undefined;
  const a = windowAttrs(node, 2);
  if (node.opType !== 'Conv' && !intsAttr(node, 'kernel_shape')) return undefined;
  const [pad] = resolvePad(a.autoPad, xs[3]!, ys[3]!, kernel[1]!, a.strides[1]!, a.dilations[1]!, [a.pads[1]!, a.pads[3]!]);
  return { stride: a.strides[1]!, pad, span: windowSpan(1, kernel[1]!, a.strides[1]!, a.dilations[1]!) };
}

/** True when the relation reads whole tensors along the rows (not allowed for intermediates). */
export function readsWhole(r: RowRelation): boolean {
  return r.span === 0;
}
