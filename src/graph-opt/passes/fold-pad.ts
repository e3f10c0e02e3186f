/**
 * A constant-zero Pad folds into the padding of the next Conv (or AveragePool counting the padding):
 * the padded tensor never exists; the consumer's layer starts with the Pad. A Pad with a non-zero
 * value, another mode, padding on the batch or channel axes, or more than one consumer stays.
 *
 * TFLite (NHWC): a PAD / PADV2 of the rows and columns only whose value is the real zero (the zero
 * point; PAD always pads with it, PADV2 with its constant) and whose input and output share their
 * quantization folds into a CONV_2D / DEPTHWISE_CONV_2D reading it as input 0, which then pads
 * explicitly (lower-graph.ts; geometry.ts EXPLICIT_PADDING). TFLite's integer convolutions skip the
 * positions outside their input, exactly the zero point's contribution, so the fold is bit-exact.
 */
import { constNumbers } from '../../frontend/shape-inference/util.js';
import { floatAttr, intAttr, intsAttr, stringAttr } from '../../ir/attributes.js';
import { EXPLICIT_PADDING } from '../../ir/geometry.js';
import type { TensorInfo } from '../../ir/graph.js';
import { TFLITE_OP_DOMAIN } from '../../ir/op-table.js';
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

/** Same scale and zero point (per tensor), or both unquantized. */
function sameQuantization(a: TensorInfo, b: TensorInfo): boolean {
  const qa = a.quantization;
  const qb = b.quantization;
  if (!qa || !qb) return !qa && !qb;
  if (qa.scales.length !== 1 || qb.scales.length !== 1) return false;
  return qa.scales[0] === qb.scales[0] && (qa.zeroPoints[0] ?? 0) === (qb.zeroPoints[0] ?? 0);
}

/**
 * A TFLite PAD / PADV2's pads as ONNX's (begin..., end...) over NHWC when it pads rows and columns
 * only, with the real zero: the zero point of a quantized tensor (input and output quantized alike),
 * 0 of a float one.
 */
export function tfliteZeroSpatialPads(b: LayerBuilder, i: number): number[] | undefined {
  const node = b.node(i);
  const x = b.tensor(node.inputs[0] ?? '');
  const y = b.tensor(node.outputs[0] ?? '');
  const p = b.graph.weights.get(node.inputs[1] ?? '');
  if (!x || !y || !p || x.shape.length !== 4 || x.dtype !== y.dtype || !sameQuantization(x, y)) return undefined;
  const paddings = constNumbers(p);
  if (paddings.length !== 8 || paddings.some((v) => !Number.isSafeInteger(v) || v < 0)) return undefined;
  // [[b0, e0], [b1, e1], [b2, e2], [b3, e3]]: batch (dim 0) and channels (dim 3) unpadded.
  if (paddings[0] !== 0 || paddings[1] !== 0 || paddings[6] !== 0 || paddings[7] !== 0) return undefined;
  const zero = y.quantization ? (y.quantization.zeroPoints[0] ?? 0) : 0;
  const vIn = node.opType === 'PADV2' ? (node.inputs[2] ?? '') : '';
  if (vIn !== '') {
    const v = b.graph.weights.get(vIn);
    if (!v || constNumbers(v)[0] !== zero) return undefined;
  }
  return [0, paddings[2]!, paddings[4]!, 0, 0, paddings[3]!, paddings[5]!, 0];
}

export const foldPad: LayerPass = {
  name: 'fold-pad',
  kind: 'fusion',
  run(b: LayerBuilder): void {
    b.graph.nodes.forEach((node, i) => {
      const tflite = node.domain === TFLITE_OP_DOMAIN;
      if (!b.traits(i).pad || !b.isAlone(i) || !(tflite ? tfliteZeroSpatialPads(b, i) : zeroSpatialPads(b, i))) return;
      const outs = b.outputsOf(i);
      if (outs.length !== 1 || b.isGraphOutput(outs[0]!) || !b.tensor(node.inputs[0] ?? '')) return;
      const cons = b.consumersOf(outs[0]!);
      if (cons.length !== 1) return;
      const c = cons[0]!;
      const cNode = b.node(c);
      if (!b.traits(c).acceptsZeroPad || cNode.inputs[0] !== outs[0] || cNode.inputs.indexOf(outs[0]!, 1) >= 0 || b.layerIdOf(c) !== c) return;
      if (tflite && (cNode.domain !== TFLITE_OP_DOMAIN || stringAttr(cNode, 'padding', 'SAME') === EXPLICIT_PADDING)) return;
      if (!tflite && stringAttr(cNode, 'auto_pad', 'NOTSET') !== 'NOTSET') return;
      if (cNode.opType === 'AveragePool' && intAttr(cNode, 'count_include_pad', 0) !== 1) return;
      b.mergeLayers(i, c);
      b.remove(outs[0]!);
      b.record('fold-pad', 'fusion', [i, c]);
    });
  },
};
