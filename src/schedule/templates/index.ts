/** Chooses the template of a layer. */
import type { TemplateInput, TilingFamily } from './family.js';
import { wholeFamily } from './family.js';
import { fusedResiduals } from '../../ir/graph.js';
import { convFamily, globalPoolFamily, poolFamily } from './conv-pool.js';
import { gemmFamily } from './gemm.js';
import { axisFamily, elementwiseFamily } from './elementwise.js';
import { concatFamily, padFamily, reduceFamily, resizeFamily, sliceFamily, transposeFamily } from './data-movement.js';
import { intAxisFamily, intElementwiseFamily, intGemmFamily, intGlobalPoolFamily, intPadFamily, intReduceFamily, intTransposeFamily, intWindowFamily } from './integer.js';
import type { TilingFamilyId } from '../../ir/op-table.js';
import { opEntry } from '../../ir/op-table.js';

export type LayerKind = { readonly kind: 'view'; readonly source: string } | { readonly kind: 'copy' } | { readonly kind: 'compute'; readonly family: TilingFamily };

/**
 * The layer kind of a node from its op table row: a view (the output is the input's bytes: no code,
 * no buffer), a copy (only moves bytes: DMA copies, no compute, no scratch), or a computed layer
 * with the tiling family of its row. A view or copy op whose operands do not allow it is computed
 * as one whole tile.
 */
export function classifyLayer(input: TemplateInput): LayerKind {
  const node = input.node;
  const tiling = opEntry(node.opType, node.domain)?.tiling ?? 'whole';
  const outs = node.outputs.filter((o) => o !== '' && input.graph.tensors.has(o));
  const data = node.inputs[0] ?? '';
  if (tiling === 'view' && outs.length === 1 && input.graph.tensors.has(data)) {
    const a = input.graph.tensors.get(data)!;
    const b = input.graph.tensors.get(outs[0]!)!;
    // Dropout with its mask output used is not a view; a view must keep dtype and byte size.
    const maskUsed = node.opType === 'Dropout' && node.outputs.length > 1 && node.outputs[1] !== '' && input.graph.tensors.has(node.outputs[1]!);
    if (!maskUsed && a.dtype === b.dtype && a.sizeBytes === b.sizeBytes) return { kind: 'view', source: data };
  }
  if (tiling === 'copy' && outs.length === 1 && node.inputs.every((i) => i === '' || input.graph.tensors.has(i))) return { kind: 'copy' };
  return { kind: 'compute', family: withResiduals(input, FAMILIES[tiling](input)) };
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

/** The template of each tiling family (view and copy layers that cannot be either are whole). */
const FAMILIES: Readonly<Record<TilingFamilyId, (input: TemplateInput) => TilingFamily>> = {
  whole: (input) => wholeFamily(input, 'whole'),
  view: (input) => wholeFamily(input, 'whole'),
  copy: (input) => (input.node.opType === 'Concat' ? concatFamily(input) : wholeFamily(input, 'whole')),
  transpose: transposeFamily,
  slice: sliceFamily,
  pad: padFamily,
  resize: resizeFamily,
  reduce: reduceFamily,
  elementwise: elementwiseFamily,
  axis: axisFamily,
  conv: convFamily,
  pool: poolFamily,
  'global-pool': globalPoolFamily,
  gemm: gemmFamily,
  'int-window': intWindowFamily,
  'int-elementwise': intElementwiseFamily,
  'int-axis': intAxisFamily,
  'int-gemm': intGemmFamily,
  'int-global-pool': intGlobalPoolFamily,
  'int-pad': intPadFamily,
  'int-transpose': intTransposeFamily,
  'int-reduce': intReduceFamily,
};
