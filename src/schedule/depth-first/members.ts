/**
 * Which nodes may join a depth-first segment, and the rows each reads: spatial layers over NCHW
 * tensors of batch 1 (Conv of any group, max/average pools, element-wise ops, with their fused
 * chains) whose output rows follow their input rows (the row split of their tiling template).
 */
import type { Graph, OpNode } from '../../ir/graph.js';
import { fusedResiduals } from '../../ir/graph.js';
import { TFLITE_DOMAIN } from '../../frontend/tflite/import-tflite.js';
import { classifyLayer } from '../templates/index.js';
import type { MemberRows, RowRelation } from './geometry.js';

export interface MemberInfo extends MemberRows {
  readonly node: OpNode;
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
  const split = fam.splits.findIndex((s) => s.dim === 2);
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
  for (const o of fam.inputs) {
    const f = o.follows[split];
    const t = graph.tensors.get(o.tensor);
    if (!t || t.dtype !== 'float32') return undefined;
    if (!f) {
      // Read whole along the rows (a broadcast operand): allowed only for the segment's input, which
      // the caller checks by giving it no row relation.
      inputs.push({ tensor: o.tensor, rows: { stride: 0, pad: 0, span: 0 } });
      continue;
    }
    if (f.dim !== 2 || o.shape.length !== 4) return undefined;
    inputs.push({ tensor: o.tensor, rows: { stride: f.stride(1), pad: -f.offset, span: f.extent(1) } });
  }
  const height = ys[2]!;
  return { node, output: out.tensor, inputs, height, macsPerRow: fam.totalMacs / height };
}

/** True when the relation reads whole tensors along the rows (not allowed for intermediates). */
export function readsWhole(r: RowRelation): boolean {
  return r.span === 0;
}
