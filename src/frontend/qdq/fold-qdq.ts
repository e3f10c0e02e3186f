/**
 * Quantized ONNX -> integer layers, as a deployment runs them (onnxruntime's QDQ fusions):
 *
 *  - QDQ format: `DequantizeLinear -> op -> [Relu | Clip] -> QuantizeLinear` around Conv, Gemm, MatMul,
 *    Add, Mul, GlobalAveragePool, MaxPool, Concat, Relu/Clip, Sigmoid/Tanh (a 256-entry table) becomes one integer node of the
 *    `memplan.qlinear` domain that reads the quantized tensors directly: the DequantizeLinear of a
 *    constant weight (folded at import into a float weight that remembers its integers,
 *    ConstTensor.dequantizedFrom) gives back the int8 weights and the int32 bias; a fused Relu/Clip
 *    becomes the clamp of the requantization. Reshape/Flatten between a DequantizeLinear and a
 *    QuantizeLinear with the same parameters become views of the integer tensor.
 *  - QLinearConv, QLinearMatMul, ConvInteger and MatMulInteger read from the file, and onnxruntime's
 *    contrib QLinearAdd, QLinearMul, QLinearGlobalAveragePool and QLinearSigmoid (com.microsoft), become
 *    the same nodes (their scale and zero-point inputs move to the tensors' quantization).
 *  - The QuantizeLinear / DequantizeLinear nodes left over (a float op between them, the graph's float
 *    input and output) become `memplan.qlinear` QuantizeLinear / DequantizeLinear runtime nodes; those
 *    whose float result nobody reads any more are dropped.
 *
 * Every integer activation then carries its quantization (scale, zero point) and is planned at its
 * integer size. Nodes keep the name of the float op they replace. Deterministic; never changes a
 * graph without QuantizeLinear/DequantizeLinear/QLinear/Integer nodes.
 */
import type { AttrValue, ConstTensor, DType, Graph, OpNode, Quantization, TensorInfo } from '../../ir/graph.js';
import { byteSize, elementCountOf } from '../../ir/graph.js';

/** Domain of the integer nodes made here (op types: QConv, QGemm, QAdd, QMul, QGlobalAveragePool, QMaxPool, QConcat, QClip, QLookup, QuantizeLinear, DequantizeLinear). */
import { QLINEAR_OP_DOMAIN } from '../../ir/op-table.js';

/** The domain of the integer layers this pass makes (the op table's rows for them). */
export const QLINEAR_DOMAIN = QLINEAR_OP_DOMAIN;

const TRIGGERS = new Set(['QuantizeLinear', 'DequantizeLinear', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger']);
/** onnxruntime's contrib ops: op type -> [internal op, (scale, zero point) input pairs of the data inputs, of the output]. */
const MS_OPS: ReadonlyMap<string, readonly [string, readonly (readonly [number, number, number])[], readonly [number, number]]> = new Map([
  ['QLinearAdd', ['QAdd', [[0, 1, 2], [3, 4, 5]], [6, 7]]],
  ['QLinearMul', ['QMul', [[0, 1, 2], [3, 4, 5]], [6, 7]]],
  ['QLinearGlobalAveragePool', ['QGlobalAveragePool', [[0, 1, 2]], [3, 4]]],
  ['QLinearSigmoid', ['QLookup', [[0, 1, 2]], [3, 4]]],
] as const);

function isDefault(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

function isIntType(d: DType): boolean {
  return d === 'int8' || d === 'uint8';
}

function numbers(t: ConstTensor): number[] {
  if (t.data.kind === 'splat') return Array.from({ length: elementCountOf(t.shape) }, () => Number(t.data.kind === 'splat' ? t.data.value : 0));
  if (t.data.kind === 'dense') return Array.from(t.data.values as ArrayLike<number | bigint>, Number);
  return [];
}

function attrNumber(n: OpNode, name: string, d: number): number {
  const a = n.attributes.get(name);
  return a && (a.type === 'int' || a.type === 'float') ? a.value : d;
}

function intRange(d: DType): [number, number] {
  return d === 'uint8' ? [0, 255] : d === 'int8' ? [-128, 127] : [-2147483648, 2147483647];
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function foldQdq(g: Graph): Graph {
  if (!g.nodes.some((n) => (isDefault(n.domain) && TRIGGERS.has(n.opType)) || (n.domain === 'com.microsoft' && MS_OPS.has(n.opType)))) return g;
  return new QdqFolder(g).run();
}

/** The QuantizeLinear (after an optional fused activation) that a layer's output goes through, and its clamp range. */
type OutputChain = { q: OpNode; act?: OpNode; y: string; lo: number; hi: number };

class QdqFolder {
  private readonly producer = new Map<string, OpNode>();
  private readonly readers = new Map<string, OpNode[]>();
  private readonly outputs: Set<string>;
  /** Quantization of integer activations, by tensor. */
  private readonly tq = new Map<string, Quantization>();
  /** Integer weights with their quantization, under new names (`<float weight>::int`, `<weight>::int`). */
  private readonly newWeights = new Map<string, ConstTensor>();
  private readonly removed = new Set<OpNode>();
  private readonly replaced = new Map<OpNode, OpNode>();

  constructor(private readonly g: Graph) {
    this.outputs = new Set(g.outputs);
    for (const n of g.nodes) {
      for (const o of n.outputs) if (o !== '') this.producer.set(o, n);
      for (const i of n.inputs) if (i !== '') this.readers.set(i, [...(this.readers.get(i) ?? []), n]);
    }
  }

  run(): Graph {
    const g = this.g;
    this.collectParams();
    for (const n of g.nodes) {
      if (this.removed.has(n) || this.replaced.has(n)) continue;
      if (isDefault(n.domain)) this.tryFold(n);
      else if (n.domain === 'com.microsoft' && MS_OPS.has(n.opType)) this.fromContrib(n);
    }
    // What is left of the Q/DQ nodes becomes integer conversion nodes.
    const staged: OpNode[] = [];
    for (const n of g.nodes) {
      if (this.removed.has(n)) continue;
      const r = this.replaced.get(n);
      if (r) {
        staged.push(r);
        continue;
      }
      if (isDefault(n.domain) && (n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear') && this.convertible(n)) {
        staged.push({ ...n, domain: QLINEAR_DOMAIN, inputs: [n.inputs[0]!], attributes: new Map() });
        continue;
      }
      staged.push(n);
    }
    // DequantizeLinear nodes whose float output nobody reads any more (the op was folded).
    let nodes = staged;
    for (;;) {
      const read = new Set(nodes.flatMap((n) => n.inputs));
      const next = nodes.filter((n) => !(n.domain === QLINEAR_DOMAIN && n.opType === 'DequantizeLinear' && !read.has(n.outputs[0]!) && !this.outputs.has(n.outputs[0]!)));
      if (next.length === nodes.length) break;
      nodes = next;
    }
    nodes = nodes.map((n, step) => ({ ...n, step }));
    return this.rebuild(nodes);
  }

  /** Per-tensor parameters of every QuantizeLinear output and DequantizeLinear input. */
  private collectParams(): void {
    for (const n of this.g.nodes) {
      if (!isDefault(n.domain)) continue;
      if (n.opType === 'QuantizeLinear') {
        const y = this.g.tensors.get(n.outputs[0]!);
        const p = this.params(n, 1, 2, y?.dtype);
        if (y && p && isIntType(y.dtype)) this.tq.set(y.name, p);
      } else if (n.opType === 'DequantizeLinear') {
        const x = this.g.tensors.get(n.inputs[0]!);
        const p = this.params(n, 1, 2, x?.dtype);
        if (x && p && isIntType(x.dtype) && !this.tq.has(x.name)) this.tq.set(x.name, p);
      } else if (n.opType === 'QLinearConv' || n.opType === 'QLinearMatMul') {
        const x = this.g.tensors.get(n.inputs[0]!);
        const y = this.g.tensors.get(n.outputs[0]!);
        const px = this.params(n, 1, 2, x?.dtype);
        const py = this.params(n, 6, 7, y?.dtype);
        if (x && px && !this.tq.has(x.name)) this.tq.set(x.name, px);
        if (y && py) this.tq.set(y.name, py);
      }
    }
  }

  /** Per-tensor (scale, zero point) from constant inputs `si`, `zi` of a node; undefined otherwise. */
  private params(n: OpNode, si: number, zi: number, _dtype: DType | undefined): Quantization | undefined {
    const s = this.g.weights.get(n.inputs[si] ?? '');
    if (!s || elementCountOf(s.shape) !== 1 || s.dtype !== 'float32') return undefined;
    const zName = n.inputs[zi] ?? '';
    const z = zName === '' ? undefined : this.g.weights.get(zName);
    if (zName !== '' && (!z || elementCountOf(z.shape) !== 1)) return undefined;
    return { scales: [numbers(s)[0]!], zeroPoints: [z ? numbers(z)[0]! : 0] };
  }

  /** A Q/DQ node that can run as an integer conversion: per-tensor parameters on an int8/uint8 tensor. */
  private convertible(n: OpNode): boolean {
    const t = n.opType === 'QuantizeLinear' ? n.outputs[0]! : n.inputs[0]!;
    const q = this.tq.get(t);
    const own = this.params(n, 1, 2, undefined);
    // The node's own parameters must be the tensor's (a DequantizeLinear may differ from its Q's).
    if (!q || !own || own.scales[0] !== q.scales[0] || own.zeroPoints[0] !== q.zeroPoints[0]) return false;
    return n.opType === 'QuantizeLinear' ? this.g.tensors.get(n.inputs[0]!)?.dtype === 'float32' : this.g.tensors.get(n.outputs[0]!)?.dtype === 'float32';
  }

  private liveReaders(t: string): OpNode[] {
    return (this.readers.get(t) ?? []).filter((r) => !this.removed.has(r));
  }

  /** The integer activation a float tensor dequantizes (the input of its runtime DequantizeLinear). */
  private actSource(t: string): string | undefined {
    const p = this.producer.get(t);
    if (!p || !isDefault(p.domain) || p.opType !== 'DequantizeLinear' || !this.convertible(p)) return undefined;
    return p.inputs[0]!;
  }

  /** The integer weight behind a float weight folded from DequantizeLinear (registered under a new name). */
  private weightSource(t: string, types: readonly DType[]): string | undefined {
    const w = this.g.weights.get(t);
    const src = w?.dequantizedFrom;
    if (!src || !types.includes(src.dtype)) return undefined;
    const name = `${t}::int`;
    this.newWeights.set(name, src);
    return name;
  }

  /** Either source: an integer activation, or a per-tensor integer weight. */
  private operandSource(t: string): string | undefined {
    const a = this.actSource(t);
    if (a !== undefined) return a;
    const w = this.g.weights.get(t)?.dequantizedFrom;
    if (w && isIntType(w.dtype) && w.quantization?.scales.length === 1) return this.weightSource(t, [w.dtype]);
    return undefined;
  }

  /**
   * `t` -> [Relu | Clip] -> QuantizeLinear, each the only reader: the clamp of the activation and the
   * quantized output.
   */
  private outputChain(t: string): OutputChain | undefined {
    let cur = t;
    let act: OpNode | undefined;
    const only = (x: string): OpNode | undefined => {
      const r = this.liveReaders(x);
      return r.length === 1 && !this.outputs.has(x) ? r[0] : undefined;
    };
    const first = only(cur);
    if (first && isDefault(first.domain) && (first.opType === 'Relu' || first.opType === 'Clip')) {
      act = first;
      cur = first.outputs[0]!;
    }
    const q = only(cur);
    if (!q || !isDefault(q.domain) || q.opType !== 'QuantizeLinear' || !this.tq.has(q.outputs[0]!)) return undefined;
    const y = q.outputs[0]!;
    const range = this.clampOf(act, y);
    if (!range) return undefined;
    const [lo, hi] = range;
    return { q, ...(act ? { act } : {}), y, lo, hi };
  }

  /** The integer clamp of a Relu/Clip (none: the type's range) quantized with y's parameters. */
  private clampOf(act: OpNode | undefined, y: string): [number, number] | undefined {
    const yq = this.tq.get(y)!;
    const [qmin, qmax] = intRange(this.g.tensors.get(y)!.dtype);
    if (!act) return [qmin, qmax];
    const s = yq.scales[0]!;
    const z = yq.zeroPoints[0]!;
    let fmin = 0;
    let fmax = Infinity;
    if (act.opType === 'Clip') {
      const c = (i: number, attr: string, d: number): number | undefined => {
        const name = act.inputs[i] ?? '';
        if (name === '') return attrNumber(act, attr, d);
        const w = this.g.weights.get(name);
        return w ? numbers(w)[0] : undefined;
      };
      const a = c(1, 'min', -Infinity);
      const b = c(2, 'max', Infinity);
      if (a === undefined || b === undefined) return undefined;
      fmin = a;
      fmax = b;
    }
    const q = (f: number) => (Number.isFinite(f) ? z + roundHalfEven(Math.fround(f / s)) : f);
    const lo = Math.max(qmin, q(fmin));
    const hi = Math.min(qmax, q(fmax));
    return lo <= hi ? [lo, hi] : undefined;
  }

  private fold(n: OpNode, opType: string, inputs: string[], chain: NonNullable<ReturnType<QdqFolder['outputChain']>>, extra: Record<string, AttrValue> = {}, keepAttrs = true): void {
    const attributes = new Map<string, AttrValue>(keepAttrs ? n.attributes : []);
    for (const [k, v] of Object.entries(extra)) attributes.set(k, v);
    attributes.set('act_min', { type: 'int', value: chain.lo });
    attributes.set('act_max', { type: 'int', value: chain.hi });
    this.replaced.set(n, { name: n.name, opType, domain: QLINEAR_DOMAIN, inputs, outputs: [chain.y], attributes, step: n.step });
    this.removed.add(chain.q);
    if (chain.act) this.removed.add(chain.act);
  }

  /** A one-input layer reading a DequantizeLinear output and feeding a QuantizeLinear chain: its integer input and that chain. */
  private unaryChain(n: OpNode): { x: string; chain: OutputChain } | undefined {
    const x = this.actSource(n.inputs[0]!);
    if (x === undefined) return undefined;
    const chain = this.outputChain(n.outputs[0]!);
    return chain ? { x, chain } : undefined;
  }

  private tryFold(n: OpNode): void {
    switch (n.opType) {
      case 'Conv': {
        const x = this.actSource(n.inputs[0]!);
        const w = this.weightSource(n.inputs[1]!, ['int8', 'uint8']);
        const bName = n.inputs[2] ?? '';
        const b = bName === '' ? '' : this.weightSource(bName, ['int32']);
        if (x === undefined || w === undefined || b === undefined) return;
        if (!this.perChannelOk(w, 0)) return;
        const chain = this.outputChain(n.outputs[0]!);
        if (chain) this.fold(n, 'QConv', b === '' ? [x, w] : [x, w, b], chain);
        return;
      }
      case 'Gemm':
      case 'MatMul': {
        const gemm = n.opType === 'Gemm';
        if (gemm && (attrNumber(n, 'alpha', 1) !== 1 || attrNumber(n, 'beta', 1) !== 1 || attrNumber(n, 'transA', 0) !== 0)) return;
        const transB = gemm ? attrNumber(n, 'transB', 0) : 0;
        const a = this.actSource(n.inputs[0]!);
        const w = this.weightSource(n.inputs[1]!, ['int8', 'uint8']);
        const bName = gemm ? n.inputs[2] ?? '' : '';
        const b = bName === '' ? '' : this.weightSource(bName, ['int32']);
        if (a === undefined || w === undefined || b === undefined) return;
        const wt = this.newWeights.get(w)!;
        if (wt.shape.length !== 2 || !this.perChannelOk(w, transB ? 0 : 1)) return;
        if (b !== '' && this.newWeights.get(b)!.shape.length !== 1) return;
        const chain = this.outputChain(n.outputs[0]!);
        if (chain) this.fold(n, 'QGemm', b === '' ? [a, w] : [a, w, b], chain, { transB: { type: 'int', value: transB } }, false);
        return;
      }
      case 'Add':
      case 'Mul': {
        const a = this.operandSource(n.inputs[0]!);
        const b = this.operandSource(n.inputs[1]!);
        if (a === undefined || b === undefined) return;
        const chain = this.outputChain(n.outputs[0]!);
        if (chain) this.fold(n, n.opType === 'Add' ? 'QAdd' : 'QMul', [a, b], chain, {}, false);
        return;
      }
      case 'GlobalAveragePool':
      case 'MaxPool': {
        if (n.outputs.filter((o) => o !== '').length !== 1) return;
        const u = this.unaryChain(n);
        if (!u) return;
        if (n.opType === 'MaxPool' && this.g.tensors.get(u.x)!.dtype !== this.g.tensors.get(u.chain.y)!.dtype) return;
        this.fold(n, `Q${n.opType}`, [u.x], u.chain);
        return;
      }
      case 'Concat': {
        const xs = n.inputs.map((i) => this.actSource(i));
        if (xs.some((x) => x === undefined)) return;
        const chain = this.outputChain(n.outputs[0]!);
        if (chain) this.fold(n, 'QConcat', xs as string[], chain);
        return;
      }
      case 'Relu':
      case 'Clip': {
        const x = this.actSource(n.inputs[0]!);
        if (x === undefined) return;
        // The op itself is the activation: QClip requantizes and clamps.
        const r = this.liveReaders(n.outputs[0]!);
        const q = r[0];
        if (r.length !== 1 || this.outputs.has(n.outputs[0]!) || !q || !isDefault(q.domain) || q.opType !== 'QuantizeLinear' || !this.tq.has(q.outputs[0]!)) return;
        const range = this.clampOf(n, q.outputs[0]!);
        if (range) this.fold(n, 'QClip', [x], { q, y: q.outputs[0]!, lo: range[0], hi: range[1] }, {}, false);
        return;
      }
      case 'Sigmoid':
      case 'Tanh': {
        // A table of the 256 results (onnxruntime's QLinearSigmoid is a lookup table too).
        const u = this.unaryChain(n);
        if (!u || u.chain.act) return;
        this.fold(n, 'QLookup', [u.x], u.chain, { function: { type: 'string', value: n.opType } }, false);
        return;
      }
      case 'Reshape':
      case 'Flatten': {
        const u = this.unaryChain(n);
        if (!u || u.chain.act) return;
        const { x, chain } = u;
        const xq = this.tq.get(x)!;
        const yq = this.tq.get(chain.y)!;
        if (this.g.tensors.get(x)!.dtype !== this.g.tensors.get(chain.y)!.dtype || xq.scales[0] !== yq.scales[0] || xq.zeroPoints[0] !== yq.zeroPoints[0]) return;
        // A view of the integer tensor (same op, integer operands).
        this.replaced.set(n, { ...n, inputs: [x, ...n.inputs.slice(1)], outputs: [chain.y] });
        this.removed.add(chain.q);
        return;
      }
      case 'QLinearConv':
      case 'QLinearMatMul':
        return this.fromQLinear(n);
      case 'ConvInteger':
      case 'MatMulInteger':
        return this.fromInteger(n);
      default:
        return;
    }
  }

  /** A weight quantized per tensor, or per channel along `axis`, with zero points all 0 when per channel. */
  private perChannelOk(w: string, axis: number): boolean {
    const q = this.newWeights.get(w)?.quantization;
    if (!q) return false;
    if (q.scales.length === 1) return true;
    return q.axis === axis && q.zeroPoints.every((z) => z === 0);
  }

  /** Quantization of a constant input `i` as a weight's (possibly per channel along axis). */
  private weightWithParams(n: OpNode, wi: number, si: number, zi: number, axis: number): string | undefined {
    const w = this.g.weights.get(n.inputs[wi] ?? '');
    const s = this.g.weights.get(n.inputs[si] ?? '');
    const zName = n.inputs[zi] ?? '';
    const z = zName === '' ? undefined : this.g.weights.get(zName);
    if (!w || !s || (zName !== '' && !z) || !isIntType(w.dtype)) return undefined;
    const scales = numbers(s);
    const zeroPoints = z ? numbers(z) : scales.map(() => 0);
    if (zeroPoints.length !== scales.length) return undefined;
    const name = `${n.inputs[wi]}::int`;
    this.newWeights.set(name, { ...w, quantization: scales.length === 1 ? { scales, zeroPoints } : { scales, zeroPoints, axis } });
    return name;
  }

  private fromQLinear(n: OpNode): void {
    const conv = n.opType === 'QLinearConv';
    const x = n.inputs[0]!;
    const y = n.outputs[0]!;
    if (!this.tq.has(x) || !this.tq.has(y)) return;
    const w = this.weightWithParams(n, 3, 4, 5, conv ? 0 : 1);
    if (w === undefined || !this.perChannelOk(w, conv ? 0 : 1)) return;
    if (!conv && this.newWeights.get(w)!.shape.length !== 2) return;
    const bName = conv ? n.inputs[8] ?? '' : '';
    let b = '';
    if (bName !== '') {
      const bt = this.g.weights.get(bName);
      if (!bt || bt.dtype !== 'int32') return;
      b = bName;
    }
    const [lo, hi] = intRange(this.g.tensors.get(y)!.dtype);
    const attributes = new Map<string, AttrValue>(conv ? n.attributes : []);
    if (!conv) attributes.set('transB', { type: 'int', value: 0 });
    attributes.set('act_min', { type: 'int', value: lo });
    attributes.set('act_max', { type: 'int', value: hi });
    this.replaced.set(n, { name: n.name, opType: conv ? 'QConv' : 'QGemm', domain: QLINEAR_DOMAIN, inputs: b === '' ? [x, w] : [x, w, b], outputs: [y], attributes, step: n.step });
  }

  /** onnxruntime's QLinearAdd/QLinearMul/QLinearGlobalAveragePool/QLinearSigmoid: parameters move to the tensors. */
  private fromContrib(n: OpNode): void {
    const [op, ins, out] = MS_OPS.get(n.opType)!;
    const y = this.g.tensors.get(n.outputs[0]!);
    const py = this.params(n, out[0], out[1], y?.dtype);
    if (!y || !py || !isIntType(y.dtype)) return;
    const inputs: string[] = [];
    for (const [i, si, zi] of ins) {
      const name = n.inputs[i] ?? '';
      const t = this.g.tensors.get(name);
      const p = this.params(n, si, zi, t?.dtype);
      if (!t || !p || !isIntType(t.dtype)) return;
      const known = this.tq.get(name);
      if (known && (known.scales[0] !== p.scales[0] || known.zeroPoints[0] !== p.zeroPoints[0])) return;
      this.tq.set(name, p);
      inputs.push(name);
    }
    if (n.opType === 'QLinearGlobalAveragePool' && attrNumber(n, 'channels_last', 0) !== 0) return;
    this.tq.set(y.name, py);
    const [lo, hi] = intRange(y.dtype);
    const attributes = new Map<string, AttrValue>([['act_min', { type: 'int', value: lo }], ['act_max', { type: 'int', value: hi }]]);
    if (op === 'QLookup') attributes.set('function', { type: 'string', value: 'Sigmoid' });
    this.replaced.set(n, { name: n.name, opType: op, domain: QLINEAR_DOMAIN, inputs, outputs: [y.name], attributes, step: n.step });
  }

  /** ConvInteger(x, w, x_zp?, w_zp?) / MatMulInteger(a, b, a_zp?, b_zp?): int32 accumulators. */
  private fromInteger(n: OpNode): void {
    const conv = n.opType === 'ConvInteger';
    const x = n.inputs[0]!;
    const xt = this.g.tensors.get(x);
    const wt = this.g.weights.get(n.inputs[1]!);
    if (!xt || !wt || !isIntType(xt.dtype) || !isIntType(wt.dtype)) return;
    const zx = (n.inputs[2] ?? '') === '' ? 0 : this.g.weights.get(n.inputs[2]!);
    const zw = (n.inputs[3] ?? '') === '' ? 0 : this.g.weights.get(n.inputs[3]!);
    if (zx === undefined || zw === undefined) return;
    const zxs = zx === 0 ? [0] : numbers(zx);
    const zws = zw === 0 ? [0] : numbers(zw);
    if (zxs.length !== 1) return;
    if (!conv && wt.shape.length !== 2) return;
    if (!this.tq.has(x)) this.tq.set(x, { scales: [1], zeroPoints: [zxs[0]!] });
    else if (this.tq.get(x)!.zeroPoints[0] !== zxs[0]) return;
    const name = `${n.inputs[1]}::int`;
    this.newWeights.set(name, { ...wt, quantization: zws.length === 1 ? { scales: [1], zeroPoints: zws } : { scales: zws.map(() => 1), zeroPoints: zws, axis: conv ? 0 : 1 } });
    const attributes = new Map<string, AttrValue>(conv ? n.attributes : []);
    if (!conv) attributes.set('transB', { type: 'int', value: 0 });
    this.replaced.set(n, { name: n.name, opType: conv ? 'QConv' : 'QGemm', domain: QLINEAR_DOMAIN, inputs: [x, name], outputs: [n.outputs[0]!], attributes, step: n.step });
  }

  private rebuild(nodes: OpNode[]): Graph {
    const g = this.g;
    const tensors = new Map<string, TensorInfo>();
    const add = (name: string): void => {
      const t = g.tensors.get(name);
      if (!t || tensors.has(name)) return;
      const q = isIntType(t.dtype) ? this.tq.get(name) : undefined;
      tensors.set(name, q ? { ...t, quantization: q } : t);
    };
    for (const i of g.inputs) add(i);
    for (const n of nodes) for (const o of n.outputs) if (o !== '') add(o);
    const weights = new Map<string, ConstTensor>();
    const addWeight = (name: string): void => {
      if (name === '' || weights.has(name)) return;
      const w = this.newWeights.get(name) ?? g.weights.get(name);
      if (w) weights.set(name, w);
    };
    for (const n of nodes) for (const i of n.inputs) addWeight(i);
    for (const o of g.outputs) addWeight(o);
    let weightBytes = 0;
    for (const w of weights.values()) weightBytes += byteSize(w.dtype, elementCountOf(w.shape));
    return { ...g, nodes, tensors, weights, weightBytes };
  }
}
