/**
 * Which nodes may join a depth-first segment, and the rows each reads: spatial layers over NCHW
 * tensors of batch 1 (Conv of any group, max/average pools, element-wise ops, with their fused
 * chains) whose output rows follow their input rows (the row split of their tiling template).
 */
import type { Graph, OpNode } from '../../ir/graph.js';
import { fusedResiduals } from '../../ir/graph.js';
import { TFLITE_DOMAIN } from '../../frontend/tflite/import-tflite.js';
import { classifyLayer } from '../templates/index.js';
import { intAttr, intsAttr } from '../../ir/attributes.js';
import { resolvePad, windowAttrs, windowKernel, windowSpan } from '../../ir/geometry.js';
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
}

const TEMPLATES: ReadonlySet<string> = new Set(['conv', 'conv-depthwise', 'conv-grouped', 'pool', 'elementwise']);

/** The member view of a node, or undefined when it cannot run band by band. */
export function memberInfo(graph: Graph, node: OpNode): MemberInfo | undefined {
  if (node.domain === TFLITE_DOMAIN || node.segment) return undefined;
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
  return { node, output: out.tensor, inputs, cols, height, width, macsPerRow: fam.totalMacs / height };
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
