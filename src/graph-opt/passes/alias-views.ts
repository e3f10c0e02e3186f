/**
 * Views (Reshape, Flatten, Squeeze, Unsqueeze, Identity, inference Dropout): the output is the input's
 * bytes reinterpreted, so it joins the input's storage at offset 0 and the layer emits no code.
 */
import type { LayerBuilder } from '../layer-builder.js';
import type { LayerPass } from './pass.js';

export const aliasViews: LayerPass = {
  name: 'alias-views',
  kind: 'alias',
  run(b: LayerBuilder): void {
    b.graph.nodes.forEach((node, i) => {
      if (!b.traits(i).view || !b.isAlone(i)) return;
      const src = node.inputs[0] ?? '';
      const outs = b.outputsOf(i);
      // A used second output (Dropout's mask) makes it a compute op.
      if (outs.length !== 1 || outs[0] !== node.outputs[0]) return;
      const out = outs[0]!;
      const a = b.tensor(src);
      const o = b.tensor(out);
      if (!a || !o || b.gone.has(src) || a.dtype !== o.dtype || b.sizeBytes(src) !== b.sizeBytes(out)) return;
      if (b.forest.find(out).storage === b.forest.find(src).storage) return;
      b.forest.place(out, src, 0);
      b.markNoCode(i);
      b.record('alias-views', 'alias', [i]);
    });
  },
};
