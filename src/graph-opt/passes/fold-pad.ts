/**
 * A constant-zero Pad folds into the padding of the next Conv (or AveragePool counting the padding):
 * the padded tensor never exists; the consumer's layer starts with the Pad. A Pad with a non-zero
 * value, another mode, padding on the batch or channel axes, or more than one consumer stays.
 */
import { constNumbers } from '../../frontend/shape-inference/util.js';
import { floatAttr, intAttr, intsAttr, stringAttr } from '../../ir/attributes.js';
import type { LayerBuilder } from '../layer-builder.js';
import type { LayerPass } from './pass.js';

/** The Pad's `pads` (begin..., end...) when it is a constant-mode zero pad of the spatial axes only. */
export function zeroSpatialPads(b: LayerBuilder, i: number): number[] | undefined {
  const node = b.node(i);
  if (stringAttr(node, 'mode', 'constant') !== 'constant') return undefined;
  let pads: number[] | undefined;
  const attr = intsAttr(node, 'pads');
  if (attr) pads = [...attr];
  else if (node.inputs[1] && b.graph.weights.has(node.inputs[1])) pads = constNumbers(b.graph.weights.get(node.inputs[1])!);
  if (!pads) return undefined;
  let value = floatAttr(node, 'value', 0);
  const vIn = node.inputs[2] ?? '';
  if (vIn !== '') {
    const w = b.graph.weights.get(vIn);
    if (!w) return undefined;
    value = constNumbers(w)[0] ?? 0;
  }
  if (value !== 0 || (node.inputs[3] ?? '') !== '') return undefined;
  const rank = pads.length / 2;
  if (rank < 3 || pads.some((p) => p < 0)) return undefined;
  // Batch and channel axes unpadded.
  if (pads[0] !== 0 || pads[1] !== 0 || pads[rank] !== 0 || pads[rank + 1] !== 0) return undefined;
  return pads;
}

export const foldPad: LayerPass = {
  name: 'fold-pad',
  kind: 'fusion',
  run(b: LayerBuilder): void {
    b.graph.nodes.forEach((node, i) => {
      if (!b.traits(i).pad || !b.isAlone(i) || !zeroSpatialPads(b, i)) return;
      const outs = b.outputsOf(i);
      if (outs.length !== 1 || b.isGraphOutput(outs[0]!) || !b.tensor(node.inputs[0] ?? '')) return;
      const cons = b.consumersOf(outs[0]!);
      if (cons.length !== 1) return;
      const c = cons[0]!;
      const cNode = b.node(c);
      if (!b.traits(c).acceptsZeroPad || cNode.inputs[0] !== outs[0] || b.layerIdOf(c) !== c) return;
      if (stringAttr(cNode, 'auto_pad', 'NOTSET') !== 'NOTSET') return;
      if (cNode.opType === 'AveragePool' && intAttr(cNode, 'count_include_pad', 0) !== 1) return;
      b.mergeLayers(i, c);
      b.remove(outs[0]!);
      b.record('fold-pad', 'fusion', [i, c]);
    });
  },
};
