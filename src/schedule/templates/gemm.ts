/** Gemm and MatMul: split output rows (M) and columns (N); A follows the rows, B the columns. */
import type { Follow, OperandSpec, TemplateInput, TilingFamily } from './family.js';
import { activationOutputs, identityFollow, shapeOf, wholeFamily } from './family.js';
import { intAttr } from '../../ir/attributes.js';

export function gemmFamily(input: TemplateInput): TilingFamily {
  const node = input.node;
  const outs = activationOutputs(input);
  const ys = outs[0] !== undefined ? shapeOf(input, outs[0]) : [];
  const R = ys.length;
  const a = node.inputs[0] ?? '';
  const b = node.inputs[1] ?? '';
  const c = node.opType === 'Gemm' ? (node.inputs[2] ?? '') : '';
  const as = shapeOf(input, a);
  const bs = input.graph.tensors.get(b)?.shape ?? input.graph.weights.get(b)?.shape ?? [];
  // Batched MatMul with a real batch is computed whole; the common [1.., M, K] x [K, N] case tiles.
  if (outs.length !== 1 || R < 2 || ys.slice(0, R - 2).some((d) => d !== 1) || as.length < 2 || bs.length < 2) {
    return wholeFamily(input, 'gemm');
  }
  const transA = node.opType === 'Gemm' ? intAttr(node, 'transA', 0) : 0;
  const transB = node.opType === 'Gemm' ? intAttr(node, 'transB', 0) : 0;
  const M = ys[R - 2]!, N = ys[R - 1]!;
  const K = transA ? as[as.length - 2]! : as[as.length - 1]!;
  const splits = [
    ...(M > 1 ? [{ dim: R - 2, extent: M, quantum: 1, loopVar: 'm' }] : []),
    ...(N > 1 ? [{ dim: R - 1, extent: N, quantum: 1, loopVar: 'n' }] : []),
  ];
  const operand = (tensor: string, rowsDim: number | undefined, colsDim: number | undefined): OperandSpec => {
    const shape = shapeOf(input, tensor);
    return {
      tensor,
      shape,
      follows: splits.map((s): Follow | undefined => {
        const d = s.dim === R - 2 ? rowsDim : colsDim;
        return d !== undefined && shape[d] === s.extent ? identityFollow(d, s.extent) : undefined;
      }),
    };
  };
  const inputs: OperandSpec[] = [];
  if (input.graph.tensors.has(a)) inputs.push(operand(a, transA ? as.length - 1 : as.length - 2, undefined));
  if (input.graph.tensors.has(b) && b !== a) inputs.push(operand(b, undefined, transB ? bs.length - 2 : bs.length - 1));
  if (c !== '' && input.graph.tensors.has(c)) {
    const cs = shapeOf(input, c);
    inputs.push(operand(c, cs.length >= 2 ? cs.length - 2 : undefined, cs.length >= 1 ? cs.length - 1 : undefined));
  }
  return {
    template: 'gemm',
    splits,
    inputs,
    outputs: [{ tensor: outs[0]!, shape: ys, follows: splits.map((s) => identityFollow(s.dim, s.extent)) }],
    totalMacs: M * N * K,
  };
}
