/**
 * In-place candidates (cf. TinyEngine, Vela): an element-wise layer may write its output over an
 * operand of the same shape and size (unary ops, binary ops over same-shaped operands, broadcasting
 * ops whose output has that operand's shape). Whether it does depends on the order: the operand's
 * storage must die at that layer and hold no graph input or output, which the memory model decides.
 */
import type { LayerBuilder } from '../layer-builder.js';
import type { LayerPass } from './pass.js';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export const inPlace: LayerPass = {
  name: 'in-place',
  kind: 'in-place',
  run(b: LayerBuilder): void {
    b.graph.nodes.forEach((node, i) => {
      const tr = b.traits(i);
      if (!tr.elementwise || !tr.inPlaceSafe || !b.isAlone(i)) return;
      const outs = b.outputsOf(i);
      if (outs.length !== 1) return;
      const out = outs[0]!;
      const o = b.tensor(out)!;
      // Channel-affine ops read their data operand only; the others may overwrite any operand.
      const operands = tr.elementwise === 'channel-affine' ? [node.inputs[0] ?? ''] : b.activationInputsOf(i);
      for (const t of operands) {
        const x = b.tensor(t);
        if (!x || b.gone.has(t) || x.dtype !== o.dtype || !sameShape(x.shape, o.shape) || b.sizeBytes(t) !== b.sizeBytes(out)) continue;
        b.addInPlaceCandidate(i, out, t);
      }
    });
  },
};
