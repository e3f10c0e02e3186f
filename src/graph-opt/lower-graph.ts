/**
 * OptimizedGraph -> the Graph the scheduler and the C generator run: one node per layer, in the
 * chosen order. A fused layer becomes its anchor node with the rest of the chain in `fused`; a
 * BatchNormalization right after a Conv is folded into the Conv's weights and bias; a folded zero
 * Pad becomes padding of the Conv or pool; in-place outputs and views become buffer aliases.
 */
import type { AttrValue, ConstTensor, Graph, OpNode } from '../ir/graph.js';
import { byteSize, elementCountOf } from '../ir/graph.js';
import { assert } from '../diagnostics/errors.js';
import { constNumbers } from '../frontend/shape-inference/util.js';
import { opTraits } from '../ir/op-traits.js';
import { floatAttr, intAttr, intsAttr, intsAttrOr } from '../ir/attributes.js';
import { EXPLICIT_PADDING, tflitePad } from '../ir/geometry.js';
import { TFLITE_OP_DOMAIN } from '../ir/op-table.js';
import type { OptimizedGraph, OptLayer, Placement } from './layer-graph.js';

export interface LoweredGraph {
  /** One node per layer of `optimized.layers`, in that order (node i is layer i). */
  readonly graph: Graph;
  /**
   * Tensor -> the storage (root tensor) whose buffer holds it, and its byte offset there: in-place
   * outputs and views at offset 0, Concat operands and Split/Slice pieces at their slice's offset.
   */
  readonly aliases: ReadonlyMap<string, Placement>;
  /** Names of the nodes that move no data (copy-free Concat, Split/Slice views): they emit no code. */
  readonly noCode: ReadonlySet<string>;
}

/** Lowers the optimized layers; the graph itself comes back unchanged when nothing was rewritten. */
export function lowerGraph(optimized: OptimizedGraph): LoweredGraph {
  const src = optimized.graph;
  const weights = new Map(src.weights);
  const nodes: OpNode[] = optimized.layers.map((layer, step) => lowerLayer(src, layer, step, weights));
  const aliases = new Map<string, Placement>();
  for (const [tensor, p] of optimized.placement) {
    if (p.storage === tensor) continue;
    assert(p.offsetBytes >= 0, `lowerGraph: '${tensor}' sits below its storage '${p.storage}'`);
    aliases.set(tensor, p);
  }
  const noCode = new Set(optimized.layers.flatMap((l, i) => (l.noCode ? [nodes[i]!.name] : [])));
  const identity = nodes.every((n, i) => n === src.nodes[i]);
  if (identity) return { graph: src, aliases, noCode };
  let weightBytes = 0;
  const used = new Set(nodes.flatMap((n) => [...n.inputs, ...(n.fused ?? []).flatMap((f) => f.inputs)]));
  for (const o of src.outputs) used.add(o);
  const kept = new Map([...weights].filter(([name]) => used.has(name)));
  for (const w of kept.values()) weightBytes += byteSize(w.dtype, elementCountOf(w.shape));
  return { graph: { ...src, nodes, weights: kept, weightBytes: kept.size === src.weights.size ? src.weightBytes : weightBytes }, aliases, noCode };
}

function lowerLayer(g: Graph, layer: OptLayer, step: number, weights: Map<string, ConstTensor>): OpNode {
  let nodes = layer.nodeIndices.map((i) => g.nodes[i]!);
  if (nodes.length === 1) return nodes[0]!.step === step ? nodes[0]! : { ...nodes[0]!, step };
  let anchor = nodes[0]!;
  // A folded Pad: its spatial pads join the next node's pads; the node reads the Pad's input.
  if (opTraits(anchor.opType, anchor.domain).pad) {
    const pad = anchor;
    anchor = foldPadInto(g, pad, nodes[1]!);
    nodes = [anchor, ...nodes.slice(2)];
  }
  let chain = nodes.slice(1);
  let head = anchor.outputs[0]!;
  // A BatchNormalization right after a Conv: folded into the Conv's weights and bias.
  const bn = chain[0];
  if (anchor.opType === 'Conv' && bn?.opType === 'BatchNormalization') {
    const folded = foldBatchNorm(g, anchor, bn, weights);
    if (folded) {
      anchor = folded;
      chain = chain.slice(1);
      head = bn.outputs[0]!;
    }
  }
  const last = nodes[nodes.length - 1]!;
  const output = layer.writes[0] ?? last.outputs[0]!;
  return { ...anchor, outputs: [output], step, ...(chain.length > 0 ? { fused: chain, fusedInput: head } : {}) };
}

function foldPadInto(g: Graph, pad: OpNode, next: OpNode): OpNode {
  if (pad.domain === TFLITE_OP_DOMAIN) return foldTflitePadInto(g, pad, next);
  const attr = intsAttr(pad, 'pads');
  const pads = attr ? [...attr] : constNumbers(g.weights.get(pad.inputs[1] ?? '')!);
  const rank = pads.length / 2;
  const spatial = rank - 2;
  const base = intsAttrOr(next, 'pads', 2 * spatial, 0);
  const merged = base.map((p, k) => p + (k < spatial ? pads[2 + k]! : pads[rank + 2 + (k - spatial)]!));
  const attributes = new Map<string, AttrValue>(next.attributes);
  attributes.set('pads', { type: 'ints', value: merged });
  return { ...next, inputs: [pad.inputs[0]!, ...next.inputs.slice(1)], attributes };
}

/**
 * A TFLite PAD folded into the next CONV_2D / DEPTHWISE_CONV_2D: the convolution's own padding
 * (SAME or VALID, resolved on the padded input) plus the PAD's rows and columns become explicit pads
 * (top, left, bottom, right); it reads the PAD's input. The output shape stays.
 */
function foldTflitePadInto(g: Graph, pad: OpNode, next: OpNode): OpNode {
  const p = constNumbers(g.weights.get(pad.inputs[1] ?? '')!);
  const padded = g.tensors.get(pad.outputs[0]!)!.shape;
  const out = g.tensors.get(next.outputs[0]!)!.shape;
  const ws = g.weights.get(next.inputs[1] ?? '')!.shape;
  const own = ([1, 2] as const).map((dim) => {
    const hw = dim === 1 ? 'h' : 'w';
    return tflitePad(next, dim, padded[dim]!, out[dim]!, ws[dim]!, intAttr(next, `stride_${hw}`, 1), intAttr(next, `dilation_${hw}`, 1));
  });
  const pads = [own[0]![0] + p[2]!, own[1]![0] + p[4]!, own[0]![1] + p[3]!, own[1]![1] + p[5]!];
  const attributes = new Map<string, AttrValue>(next.attributes);
  attributes.set('padding', { type: 'string', value: EXPLICIT_PADDING });
  attributes.set('pads', { type: 'ints', value: pads });
  return { ...next, inputs: [pad.inputs[0]!, ...next.inputs.slice(1)], attributes };
}

function floats(t: ConstTensor, count: number): Float32Array {
  const v = constNumbers(t);
  if (v.length === count) return Float32Array.from(v);
  if (v.length === 1) return new Float32Array(count).fill(v[0]!);
  return new Float32Array(0);
}

/** Conv(W, B) then BatchNormalization -> Conv(W * s, (B - mean) * s + beta), s = scale / sqrt(var + eps). */
function foldBatchNorm(g: Graph, conv: OpNode, bn: OpNode, weights: Map<string, ConstTensor>): OpNode | undefined {
  const w = g.weights.get(conv.inputs[1] ?? '');
  const params = [1, 2, 3, 4].map((i) => g.weights.get(bn.inputs[i] ?? ''));
  if (!w || w.dtype !== 'float32' || w.data.kind === 'strings' || params.some((p) => !p || p.dtype !== 'float32')) return undefined;
  const m = w.shape[0] ?? 0;
  const perFilter = m === 0 ? 0 : elementCountOf(w.shape) / m;
  const [scale, beta, mean, variance] = params.map((p) => floats(p!, m)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  if ([scale, beta, mean, variance].some((a) => a.length !== m)) return undefined;
  const biasName = conv.inputs[2] ?? '';
  const b0 = biasName === '' ? new Float32Array(m) : g.weights.get(biasName) ? floats(g.weights.get(biasName)!, m) : undefined;
  if (!b0 || b0.length !== m) return undefined;
  const eps = floatAttr(bn, 'epsilon', 1e-5);
  const f = Math.fround;
  const s = scale.map((x, k) => f(x / f(Math.sqrt(f(variance[k]! + eps)))));
  const wName = `${conv.name}::bn_folded_weight`;
  const bName = `${conv.name}::bn_folded_bias`;
  const biasT = biasName === '' ? undefined : g.weights.get(biasName);
  if (w.data.kind === 'splat' && params.every((p) => p!.data.kind === 'splat') && (!biasT || biasT.data.kind === 'splat')) {
    // Constant-filled weights stay one value each (the light models' ConstantOfShape weights).
    weights.set(wName, { dtype: 'float32', shape: w.shape, data: { kind: 'splat', value: f(Number(w.data.value) * s[0]!) } });
    weights.set(bName, { dtype: 'float32', shape: [m], data: { kind: 'splat', value: f(f(f(b0[0]! - mean[0]!) * s[0]!) + beta[0]!) } });
    return { ...conv, inputs: [conv.inputs[0]!, wName, bName] };
  }
  const wIn = floats(w, elementCountOf(w.shape));
  const wOut = new Float32Array(wIn.length);
  for (let k = 0; k < m; k++) for (let j = 0; j < perFilter; j++) wOut[k * perFilter + j] = f(wIn[k * perFilter + j]! * s[k]!);
  const bOut = b0.map((b, k) => f(f(f(b - mean[k]!) * s[k]!) + beta[k]!));
  weights.set(wName, { dtype: 'float32', shape: w.shape, data: { kind: 'dense', values: wOut } });
  weights.set(bName, { dtype: 'float32', shape: [m], data: { kind: 'dense', values: bOut } });
  return { ...conv, inputs: [conv.inputs[0]!, wName, bName] };
}
