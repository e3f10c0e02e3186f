/**
 * Gemm and MatMul: split output rows (M) and columns (N), and the batch dims of a batched MatMul
 * (attention: batch and heads); A follows the rows and its batch dims, B the columns and its batch
 * dims (a broadcast batch dim of extent 1 is read whole). When even the smallest output tile does not
 * fit, a 2-D product with a constant B (MatMul, or Gemm without transA and with a constant or no C)
 * also splits K (a reduction, accumulated in an accumulator tile).
 */
import type { Follow, OperandSpec, SplitDim, TemplateInput, TilingFamily } from './family.js';
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
  if (outs.length !== 1 || R < 2 || as.length < 2 || bs.length < 2) return wholeFamily(input, 'gemm');
  const transA = node.opType === 'Gemm' ? intAttr(node, 'transA', 0) : 0;
  const transB = node.opType === 'Gemm' ? intAttr(node, 'transB', 0) : 0;
  const M = ys[R - 2]!, N = ys[R - 1]!;
  const K = transA ? as[as.length - 2]! : as[as.length - 1]!;
  const batched = ys.slice(0, R - 2).some((d) => d !== 1);
  // Batch dims (at most two, outermost first), then rows and columns.
  const batchSplits: SplitDim[] = [];
  ys.slice(0, R - 2).forEach((d, dim) => {
    if (d > 1 && batchSplits.length < 2) batchSplits.push({ dim, extent: d, quantum: 1, loopVar: `b${batchSplits.length}` });
  });
  // K of a 2-D product with a constant B (the only activation operand is A, not transposed; Gemm's C
  // constant or absent, added with alpha after the last slice).
  const kSplit = !batched && !transA && K > 1 && input.graph.weights.has(b) && !input.graph.tensors.has(b) && !input.graph.tensors.has(c);
  const splits: SplitDim[] = [
    ...batchSplits,
    ...(M > 1 ? [{ dim: R - 2, extent: M, quantum: 1, loopVar: 'm' }] : []),
    ...(N > 1 ? [{ dim: R - 1, extent: N, quantum: 1, loopVar: 'n' }] : []),
    ...(kSplit ? [{ dim: as.length - 1, extent: K, quantum: 1, loopVar: 'k', reduction: true }] : []),
  ];
  const operand = (tensor: string, rowsDim: number | undefined, colsDim: number | undefined, kDim: number | undefined): OperandSpec => {
    const shape = shapeOf(input, tensor);
    return {
      tensor,
      shape,
      follows: splits.map((s): Follow | undefined => {
        if (s.reduction) return kDim !== undefined ? identityFollow(kDim, K) : undefined;
        if (s.dim < R - 2) {
          // A batch dim, right-aligned; a broadcast one (extent 1) is read whole.
          const d = s.dim - (R - shape.length);
          return d >= 0 && d < shape.length - 2 && shape[d] === s.extent ? identityFollow(d, s.extent) : undefined;
        }
        const d = s.dim === R - 2 ? rowsDim : colsDim;
        return d !== undefined && shape[d] === s.extent ? identityFollow(d, s.extent) : undefined;
      }),
    };
  };
  const inputs: OperandSpec[] = [];
  if (input.graph.tensors.has(a)) inputs.push(operand(a, transA ? as.length - 1 : as.length - 2, undefined, as.length - 1));
  if (input.graph.tensors.has(b) && b !== a) inputs.push(operand(b, undefined, transB ? bs.length - 2 : bs.length - 1, undefined));
  if (c !== '' && input.graph.tensors.has(c)) {
    const cs = shapeOf(input, c);
    inputs.push(operand(c, cs.length >= 2 ? cs.length - 2 : undefined, cs.length >= 1 ? cs.length - 1 : undefined, undefined));
  }
  const batch = ys.slice(0, R - 2).reduce((p, d) => p * d, 1);
  return {
    template: 'gemm',
    splits,
    inputs,
    outputs: [{ tensor: outs[0]!, shape: ys, follows: splits.map((s) => (s.reduction ? undefined : identityFollow(s.dim, s.extent))) }],
    totalMacs: batch * M * N * K,
  };
}
