/**
 * Contiguous Split and Slice become views: when every dimension before the split axis is 1, each
 * output is a contiguous block of the input, so it joins the input's storage at its byte offset and
 * the layer emits no code. A Slice qualifies when it cuts one axis with step 1 (or none); a Gather when
 * its indices are constant and consecutive (a scalar index, e.g. ViT's class token `x[:, 0]`, takes one
 * row: a view of that row).
 */
import type { ConstTensor } from '../../ir/graph.js';
import { elementCountOf } from '../../ir/graph.js';
import { axisAttr, intsAttr } from '../../ir/attributes.js';
import { sliceBounds } from '../../ir/geometry.js';
import { constNumbers } from '../../frontend/shape-inference/util.js';
import type { LayerBuilder } from '../layer-builder.js';
import type { LayerPass } from './pass.js';
import { movable } from './copy-free-concat.js';

/** Byte offset of each output inside the input, or undefined when an output is not a contiguous block. */
function splitOffsets(b: LayerBuilder, i: number, src: string, outs: readonly string[]): number[] | undefined {
  const x = b.tensor(src)!;
  const axis = axisAttr(b.node(i), x.shape.length);
  if (axis < 0 || axis >= x.shape.length || x.shape.slice(0, axis).some((d) => d !== 1)) return undefined;
  const offsets: number[] = [];
  let at = 0;
  for (const o of outs) {
    offsets.push(at);
    at += b.sizeBytes(o);
  }
  return at === b.sizeBytes(src) ? offsets : undefined;
}

function constInts(b: LayerBuilder, name: string | undefined): number[] | undefined {
  if (name === undefined || name === '') return undefined;
  const w: ConstTensor | undefined = b.graph.weights.get(name);
  return w ? constNumbers(w) : undefined;
}

function sliceOffset(b: LayerBuilder, i: number, src: string, out: string): number | undefined {
  const x = b.tensor(src)!;
  const y = b.tensor(out)!;
  const node = b.node(i);
  const fromInputs = b.graph.opsetVersion >= 10;
  const starts = fromInputs ? constInts(b, node.inputs[1]) : intsAttr(node, 'starts');
  const axes = fromInputs ? constInts(b, node.inputs[3]) : intsAttr(node, 'axes');
  const steps = fromInputs ? constInts(b, node.inputs[4]) : undefined;
  if (!starts || x.shape.length !== y.shape.length) return undefined;
  const cut = x.shape.flatMap((d, k) => (d !== y.shape[k] ? [k] : []));
  if (cut.length === 0) return 0;
  if (cut.length !== 1) return undefined;
  const d = cut[0]!;
  if (x.shape.slice(0, d).some((n) => n !== 1)) return undefined;
  const axisList = (axes ?? starts.map((_, k) => k)).map((a) => (a < 0 ? a + x.shape.length : a));
  const k = axisList.indexOf(d);
  if (k < 0 || (steps?.[k] ?? 1) !== 1) return undefined;
  const dim = x.shape[d]!;
  const start = sliceBounds(dim, starts[k]!, dim, 1).start;
  const inner = elementCountOf(x.shape.slice(d + 1));
  return (start * inner * b.sizeBytes(src)) / Math.max(1, x.elementCount);
}

/**
 * Gather with constant, consecutive ascending indices (a scalar or a 1-D list) along an axis with only
 * 1s before it: the output is the block of rows [first, first + count) of the input.
 */
function gatherOffset(b: LayerBuilder, i: number, src: string, out: string): number | undefined {
  const x = b.tensor(src)!;
  const node = b.node(i);
  const w = b.graph.weights.get(node.inputs[1] ?? '');
  if (!w || w.shape.length > 1) return undefined;
  const axis = axisAttr(node, x.shape.length);
  if (axis < 0 || axis >= x.shape.length || x.shape.slice(0, axis).some((d) => d !== 1)) return undefined;
  const dim = x.shape[axis]!;
  const idx = constNumbers(w).map((v) => (v < 0 ? v + dim : v));
  if (idx.length === 0 || idx.some((v, k) => !Number.isInteger(v) || v < 0 || v >= dim || v !== idx[0]! + k)) return undefined;
  const rowBytes = b.sizeBytes(src) / dim;
  if (b.sizeBytes(out) !== idx.length * rowBytes) return undefined;
  return idx[0]! * rowBytes;
}

export const splitViews: LayerPass = {
  name: 'split-views',
  kind: 'concat',
  run(b: LayerBuilder): void {
    if (!b.options.sliceViews) return;
    b.graph.nodes.forEach((node, i) => {
      const gather = node.opType === 'Gather' && node.domain === '';
      if (!(b.traits(i).split || gather) || !b.isAlone(i)) return;
      const src = node.inputs[0] ?? '';
      const x = b.tensor(src);
      const outs = node.outputs.filter((o) => o !== '');
      if (!x || b.gone.has(src) || outs.length === 0 || outs.some((o) => !b.tensor(o) || b.tensor(o)!.dtype !== x.dtype)) return;
      const offsets =
        node.opType === 'Slice' ? [sliceOffset(b, i, src, outs[0]!)] : gather ? [gatherOffset(b, i, src, outs[0]!)] : splitOffsets(b, i, src, outs);
      if (!offsets || offsets.some((o) => o === undefined || !Number.isInteger(o))) return;
      if (outs.some((o) => !movable(b, o) || b.forest.find(o).storage === b.forest.find(src).storage)) return;
      outs.forEach((o, k) => b.forest.place(o, src, offsets[k]!));
      b.markNoCode(i);
      b.record('split-views', 'concat', [i]);
    });
  },
};
