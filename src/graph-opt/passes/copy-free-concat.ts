/**
 * Copy-free Concat (cf. Serenity's concat rewriting, TFLite's in-place concat): when every operand is
 * a contiguous block of the output (all dimensions before the axis are 1: the channel axis with batch
 * 1, or the outermost axis), each operand's storage moves into its slice of the output, so producers
 * write straight there and the Concat emits no code. An operand that is a graph input or output, that
 * appears twice, whose storage holds more than its own bytes (a view into something else), or whose
 * quantization differs from the output's (an integer Concat that rescales) keeps the copy.
 */
import { assert } from '../../diagnostics/errors.js';
import type { TensorInfo } from '../../ir/graph.js';
import { axisAttr } from '../../ir/attributes.js';
import type { LayerBuilder } from '../layer-builder.js';
import type { LayerPass } from './pass.js';

/** True when the tensor's storage is exactly its bytes and holds no graph input or output. */
export function movable(b: LayerBuilder, t: string): boolean {
  const { storage, offsetBytes } = b.forest.find(t);
  if (offsetBytes !== 0 || b.forest.extentBytes(storage) !== b.sizeBytes(t)) return false;
  return b.forest.members(storage).every((m) => !b.isGraphInput(m) && !b.isGraphOutput(m));
}

/** Equal quantization (or none on both): the operand's integers are the output's as they are. */
function sameQuantization(a: TensorInfo, b: TensorInfo): boolean {
  const qa = a.quantization;
  const qb = b.quantization;
  if (!qa || !qb) return qa === qb;
  return qa.scales.length === qb.scales.length && qa.scales.every((s, k) => s === qb.scales[k] && qa.zeroPoints[k] === qb.zeroPoints[k]);
}

export const copyFreeConcat: LayerPass = {
  name: 'copy-free-concat',
  kind: 'concat',
  run(b: LayerBuilder): void {
    if (!b.options.sliceViews) return;
    b.graph.nodes.forEach((node, i) => {
      if (!b.traits(i).concat || !b.isAlone(i)) return;
      const outs = b.outputsOf(i);
      if (outs.length !== 1) return;
      const out = outs[0]!;
      const o = b.tensor(out)!;
      const axis = axisAttr(b.node(i), o.shape.length);
      if (axis < 0 || axis >= o.shape.length || o.shape.slice(0, axis).some((d) => d !== 1)) return;
      const operands = node.inputs.filter((t) => t !== '');
      if (operands.length === 0 || new Set(operands).size !== operands.length) return;
      const outStorage = b.forest.find(out).storage;
      for (const t of operands) {
        const ti = b.tensor(t);
        if (!ti || b.gone.has(t) || ti.dtype !== o.dtype || !sameQuantization(ti, o) || !movable(b, t)) return;
        if (b.forest.find(t).storage === outStorage) return;
      }
      let offsetBytes = 0;
      for (const t of operands) {
        b.forest.place(t, out, offsetBytes);
        offsetBytes += b.sizeBytes(t);
      }
      assert(offsetBytes === b.sizeBytes(out), `copy-free-concat: slices of '${out}' do not add up`);
      b.markNoCode(i);
      b.record('copy-free-concat', 'concat', [i]);
    });
  },
};
