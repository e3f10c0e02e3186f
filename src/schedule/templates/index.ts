/** Chooses the template of a layer. */
import type { TemplateInput, TilingFamily } from './family.js';
import { wholeFamily } from './family.js';
import { fusedResiduals } from '../../ir/graph.js';
import { convFamily, globalPoolFamily, poolFamily } from './conv-pool.js';
import { gemmFamily } from './gemm.js';
import { AXIS_OPS, ELEMENTWISE_OPS, axisFamily, elementwiseFamily } from './elementwise.js';

/** Ops whose output is the input's memory reinterpreted: no code, no buffer. */
export const VIEW_OPS: ReadonlySet<string> = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);

/** Ops that only move bytes between buffers: DMA copies, no compute, no scratch. */
export const COPY_OPS: ReadonlySet<string> = new Set(['Concat']);

export type LayerKind = { readonly kind: 'view'; readonly source: string } | { readonly kind: 'copy' } | { readonly kind: 'compute'; readonly family: TilingFamily };

export function classifyLayer(input: TemplateInput): LayerKind {
  const node = input.node;
  const op = node.domain === '' ? node.opType : `${node.domain}.${node.opType}`;
  const outs = node.outputs.filter((o) => o !== '' && input.graph.tensors.has(o));
  const data = node.inputs[0] ?? '';
  if (VIEW_OPS.has(op) && outs.length === 1 && input.graph.tensors.has(data)) {
    const a = input.graph.tensors.get(data)!;
    const b = input.graph.tensors.get(outs[0]!)!;
    // Dropout with its mask output used is not a view; a view must keep dtype and byte size.
    const maskUsed = op === 'Dropout' && node.outputs.length > 1 && node.outputs[1] !== '' && input.graph.tensors.has(node.outputs[1]!);
    if (!maskUsed && a.dtype === b.dtype && a.sizeBytes === b.sizeBytes) return { kind: 'view', source: data };
  }
  if (COPY_OPS.has(op) && outs.length === 1 && node.inputs.every((i) => i === '' || input.graph.tensors.has(i))) return { kind: 'copy' };
  return { kind: 'compute', family: withResiduals(input, familyOf(input, op)) };
}

/**
 * A fused residual Add reads its operand at the output's elements: one more input whose window
 * follows the output's splits one to one (it has the output's shape).
 */
function withResiduals(input: TemplateInput, family: TilingFamily): TilingFamily {
  const residuals = fusedResiduals(input.node, input.graph);
  const out = family.outputs[0];
  if (residuals.length === 0 || !out) return family;
  return { ...family, inputs: [...family.inputs, ...residuals.map((t) => ({ tensor: t, shape: out.shape, follows: out.follows }))] };
}

function familyOf(input: TemplateInput, op: string): TilingFamily {
  switch (op) {
    case 'Conv':
      return convFamily(input);
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool':
      return poolFamily(input);
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'GlobalLpPool':
      return globalPoolFamily(input);
    case 'Gemm':
    case 'MatMul':
      return gemmFamily(input);
    default:
      if (ELEMENTWISE_OPS.has(op)) return elementwiseFamily(input);
      if (AXIS_OPS.has(op)) return axisFamily(input);
      return wholeFamily(input, 'whole');
  }
}
