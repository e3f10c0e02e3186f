/**
 * Fusion (cf. onnxruntime's conv_activation_fusion, TVM's FuseOps): a fusion anchor (Conv, Gemm, ...)
 * followed by a chain of single-consumer nodes becomes one layer; the intermediate tensors never exist.
 * The chain may hold fusible element-wise steps whose other operands are constants (activations,
 * BatchNormalization, Add/Mul by a constant), x * f(x) gates (SiLU, PyTorch's HardSwish), and one
 * residual Add of a same-shaped activation that the layer reads nowhere else. The output never
 * overwrites the residual in place: the head's kernel writes its result before the chain reads the
 * residual at the same elements.
 */
import type { LayerBuilder } from '../layer-builder.js';
import type { LayerPass } from './pass.js';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

type Step = { readonly nodes: number[]; readonly output: string; readonly residual?: string } | undefined;

/** The next step of a chain after tensor `t` inside layer `layerId`, or undefined. */
function nextStep(b: LayerBuilder, anchor: number, t: string, hasResidual: boolean): Step {
  if (b.isGraphOutput(t)) return undefined;
  const ti = b.tensor(t)!;
  const cons = b.consumersOf(t);
  const sameAsT = (o: string) => {
    const x = b.tensor(o);
    return x !== undefined && x.dtype === ti.dtype && sameShape(x.shape, ti.shape);
  };
  if (cons.length === 1) {
    const c = cons[0]!;
    const tr = b.traits(c);
    if (!tr.fusible || !b.isAlone(c)) return undefined;
    const outs = b.outputsOf(c);
    if (outs.length !== 1 || !sameAsT(outs[0]!)) return undefined;
    const node = b.node(c);
    if (node.outputs.slice(1).some((o) => b.tensor(o) !== undefined)) return undefined;
    const others = node.inputs.filter((x, k) => x !== '' && !(x === t && k === node.inputs.indexOf(t)));
    if (tr.elementwise === 'binary') {
      if (node.inputs.length !== 2 || others.length !== 1) return undefined;
      const other = others[0]!;
      if (b.isWeight(other)) return { nodes: [c], output: outs[0]! };
      // A residual operand: a same-shaped activation produced outside this chain.
      if (!b.options.fuseResidual || hasResidual || other === t || !sameAsT(other) || b.gone.has(other)) return undefined;
      // Read once by the layer: the kernel's own inputs have other windows (halos) than the residual's.
      if (b.layerNodes(anchor).some((n) => b.node(n).inputs.includes(other))) return undefined;
      return { nodes: [c], output: outs[0]!, residual: other };
    }
    // Unary and channel-affine steps: every other operand is a constant.
    if (node.inputs[0] !== t || !others.every((x) => b.isWeight(x))) return undefined;
    return { nodes: [c], output: outs[0]! };
  }
  if (cons.length === 2) {
    // x * f(x): f is a fusible unary step whose only consumer is the multiply of x by it.
    const [p, q] = cons as [number, number];
    for (const [f, m] of [[p, q], [q, p]] as const) {
      const tf = b.traits(f);
      if (tf.elementwise !== 'unary' || !tf.fusible || !b.traits(m).multiplies) continue;
      if (!b.isAlone(f) || !b.isAlone(m)) continue;
      const fNode = b.node(f);
      const fOut = b.outputsOf(f);
      if (fNode.inputs[0] !== t || fOut.length !== 1 || !fNode.inputs.slice(1).every((x) => x === '' || b.isWeight(x))) continue;
      const u = fOut[0]!;
      if (b.isGraphOutput(u) || b.consumersOf(u).length !== 1 || b.consumersOf(u)[0] !== m) continue;
      const mNode = b.node(m);
      const mOut = b.outputsOf(m);
      const ins = [...mNode.inputs].sort();
      if (mNode.inputs.length !== 2 || ins[0] !== [t, u].sort()[0] || ins[1] !== [t, u].sort()[1]) continue;
      if (mOut.length !== 1 || !sameAsT(mOut[0]!) || !sameAsT(u)) continue;
      return { nodes: [f, m], output: mOut[0]! };
    }
  }
  return undefined;
}

export const fuseChain: LayerPass = {
  name: 'fuse-chain',
  kind: 'fusion',
  run(b: LayerBuilder): void {
    b.graph.nodes.forEach((_, a) => {
      if (!b.traits(a).fusionAnchor || !b.isAlone(a)) return;
      const outs = b.outputsOf(a);
      if (outs.length !== 1) return;
      let t = outs[0]!;
      let residual: string | undefined;
      const fused: number[] = [];
      for (let step = nextStep(b, a, t, false); step; step = nextStep(b, a, t, residual !== undefined)) {
        for (const n of step.nodes) b.appendToLayer(a, n);
        fused.push(...step.nodes);
        b.remove(t);
        for (const n of step.nodes) for (const o of b.outputsOf(n)) if (o !== step.output) b.remove(o);
        t = step.output;
        if (step.residual !== undefined) residual = step.residual;
      }
      if (fused.length === 0) return;
      b.record('fuse-chain', 'fusion', [a, ...fused]);
    });
  },
};
