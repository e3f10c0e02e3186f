/**
 * Weight operands (issue 10 point 4): when the memory holding the weights cannot be read by the cores
 * (a target memory with `coreAccess: false`, e.g. a DSP's DRAM that only the DMA reaches), every
 * weight a kernel reads at run time becomes one more input operand of its layer's tiling family. The
 * tiling then treats it like a streamed activation: a tile buffer in SRAM, DMA'd in before the compute
 * that reads it, double-buffered when that fits, per core when its loop runs on several cores, and
 * counted in the footprint, the DMA bytes and the cycles.
 *
 * Which slice a tile holds:
 *  - Conv weight [OC][IC/g][k..]: the output channels of the tile on dim 0 (they follow the channel
 *    split) and, with a reduction split, the input channels of the slice on dim 1; bias [OC]: the
 *    output channels only (the whole tensor when the layer is not split over output channels);
 *  - Gemm/MatMul constant B: the output columns of the tile (N dim of B) and, with a reduction split,
 *    the K rows of the slice (K dim of B); Gemm's C: whole;
 *  - the constant operands of element-wise ops (Add, Mul, PRelu, ...) and of the element-wise steps
 *    fused into a Conv/Gemm: the window of the output they broadcast to (right-aligned, like ONNX
 *    broadcasting: a dim of the weight that equals a split output dim follows it);
 *  - BatchNormalization's scale, bias, mean and var (also when fused): whole;
 *  - the float constants of any other op (Concat, LayerNormalization, Where, ...): as element-wise;
 *  - TFLite FULLY_CONNECTED weights [units][depth] and bias [units]: the units of the tile (dim 0) when
 *    the layer splits its output columns;
 *  - TFLite CONV_2D filter [OC][KH][KW][IC] and bias [OC]: the output channels of the tile (dim 0);
 *    DEPTHWISE_CONV_2D filter [1][KH][KW][OC] (dim 3) and bias [OC]: likewise; with DMA'd weights these
 *    layers also split their output channels (withIntChannelSplit);
 *  - other integer conv / fully-connected filters and biases (TFLite, quantized ONNX): whole.
 * Weights used only when generating code (shapes, axes, pads, Clip bounds, splat values that become
 * constants in the code) are not read from memory at run time and get no tile.
 */
import type { Graph, OpNode } from '../../ir/graph.js';
import type { Follow, OperandSpec, TilingFamily } from './family.js';
import { identityFollow } from './family.js';
import { intAttr } from '../../ir/attributes.js';
import { TFLITE_OP_DOMAIN } from '../../ir/op-table.js';

/** Element-wise ops whose constant operands a kernel reads at run time (mpg_binary). */
const BINARY_OPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'PRelu', 'Sum', 'Mean', 'Mod']);
/** Ops whose constant inputs after the first are parameters the code generator reads (bounds, scales, pads). */
const PARAMETER_OPS = new Set(['Clip', 'Resize', 'Upsample', 'Pad', 'Reshape', 'Slice', 'Expand', 'Tile', 'Squeeze', 'Unsqueeze', 'Split', 'TopK', 'ConstantOfShape', 'Range']);
/** Integer ops whose constant operands (filters, biases) a kernel reads at run time. */
const INT_WEIGHT_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'TRANSPOSE_CONV', 'SVDF', 'QConv', 'QGemm', 'QMatMul']);

/** A dense weight (splat weights are one value: a constant in the code, never read from memory). */
function denseWeight(graph: Graph, name: string): boolean {
  const w = graph.weights.get(name);
  return name !== '' && w !== undefined && !graph.tensors.has(name) && w.data.kind === 'dense';
}

/** The weights of one node (not its fused chain) a kernel reads at run time: name -> how its window follows the family's splits. */
function nodeWeights(node: OpNode, graph: Graph, family: TilingFamily, outShape: readonly number[]): Map<string, readonly (Follow | undefined)[]> {
  const out = new Map<string, readonly (Follow | undefined)[]>();
  const whole = () => family.splits.map(() => undefined);
  const add = (i: number, follows: (shape: readonly number[]) => readonly (Follow | undefined)[]) => {
    const name = node.inputs[i] ?? '';
    if (!denseWeight(graph, name) || out.has(name)) return;
    out.set(name, follows(graph.weights.get(name)!.shape));
  };
  const R = outShape.length;
  // A weight dim that equals a split output dim (right-aligned) is read at the output's window.
  // A reduction split (input channels / K) is not an output dim: such weights are whole along it.
  const broadcast = (shape: readonly number[]) =>
    family.splits.map((s): Follow | undefined => {
      if (s.reduction) return undefined;
      const d = s.dim - (R - shape.length);
      return d >= 0 && shape[d] === s.extent && s.extent > 1 ? identityFollow(d, s.extent) : undefined;
    });
  if (node.domain !== '') {
    if (node.opType === 'CONV_2D' && family.template === 'int-conv') {
      // Filter [OC][KH][KW][IC] and bias [OC]: the output channels of the tile (dim 0), the channel
      // split withIntChannelSplit adds (NHWC output dim 3).
      const channels = (shape: readonly number[]) =>
        family.splits.map((s): Follow | undefined => (!s.reduction && s.dim === 3 && R === 4 && shape[0] === s.extent && s.extent > 1 ? identityFollow(0, s.extent) : undefined));
      add(1, channels);
      add(2, channels);
    }
    if (node.opType === 'DEPTHWISE_CONV_2D' && family.template === 'int-conv-depthwise') {
      // Filter [1][KH][KW][OC] (dim 3) and bias [OC] (dim 0): the channels of the tile.
      const along = (d: number) => (shape: readonly number[]) =>
        family.splits.map((s): Follow | undefined => (!s.reduction && s.dim === 3 && R === 4 && shape[d] === s.extent && s.extent > 1 ? identityFollow(d, s.extent) : undefined));
      add(1, along(3));
      add(2, along(0));
    }
    if (node.opType === 'FULLY_CONNECTED') {
      // Weights [units][depth] and bias [units]: the units of the tile (dim 0) when the layer splits
      // its output columns (one row); whole otherwise.
      const units = (shape: readonly number[]) =>
        family.splits.map((s): Follow | undefined => (!s.reduction && s.dim === R - 1 && R >= 1 && shape[0] === s.extent && s.extent > 1 ? identityFollow(0, s.extent) : undefined));
      add(1, units);
      add(2, units);
    }
    if (INT_WEIGHT_OPS.has(node.opType)) node.inputs.forEach((_, i) => i > 0 && add(i, whole));
    return out;
  }
  switch (node.opType) {
    case 'Conv': {
      // Output channels: weight dim 0 and bias dim 0 follow the channel split (output dim 1). Input
      // channels (the reduction split, dim 1 of the input): weight dim 1 follows the slice.
      const channels = (shape: readonly number[]) =>
        family.splits.map((s): Follow | undefined => (!s.reduction && s.dim === 1 && shape[0] === s.extent ? identityFollow(0, s.extent) : undefined));
      add(1, (shape) =>
        family.splits.map((s, i): Follow | undefined => (s.reduction ? (shape[1] === s.extent ? identityFollow(1, s.extent) : undefined) : channels(shape)[i])),
      );
      add(2, channels);
      break;
    }
    case 'ConvTranspose':
      add(1, whole);
      add(2, whole);
      break;
    case 'Gemm':
    case 'MatMul': {
      const transB = node.opType === 'Gemm' ? intAttr(node, 'transB', 0) : 0;
      add(1, (shape) =>
        family.splits.map((s): Follow | undefined => {
          if (shape.length !== 2) return undefined;
          // K rows of B (columns with transB) follow the reduction slice.
          if (s.reduction) return shape[transB ? 1 : 0] === s.extent ? identityFollow(transB ? 1 : 0, s.extent) : undefined;
          if (s.dim !== R - 1) return undefined;
          const d = transB ? 0 : 1;
          return shape[d] === s.extent ? identityFollow(d, s.extent) : undefined;
        }),
      );
      if (node.opType === 'Gemm') add(2, whole);
      break;
    }
    case 'BatchNormalization':
      for (let i = 1; i <= 4; i++) add(i, whole);
      break;
    default:
      if (BINARY_OPS.has(node.opType)) node.inputs.forEach((_, i) => add(i, broadcast));
      else if (!PARAMETER_OPS.has(node.opType)) {
        // Any other op (Concat, LayerNormalization, Where, ...): its float constants are data its kernel reads.
        node.inputs.forEach((name, i) => graph.weights.get(name)?.dtype === 'float32' && add(i, broadcast));
      }
  }
  return out;
}

/**
 * A TFLite CONV_2D or DEPTHWISE_CONV_2D whose weights are DMA'd splits its output channels like its
 * rows (templates/integer.ts gives the split, a last resort when the cores read the weights in place):
 * a tile's filter rows and biases are then those of its channels, so a layer whose whole filter does
 * not fit in SRAM still runs, and the chooser weighs channel tiles against row tiles.
 */
function withIntChannelSplit(node: OpNode, family: TilingFamily): TilingFamily {
  if (node.opType !== 'CONV_2D' && node.opType !== 'DEPTHWISE_CONV_2D') return family;
  if (!family.splits.some((s) => s.lastResort === true && s.dim === 3)) return family;
  return { ...family, splits: family.splits.map((s) => (s.lastResort === true && s.dim === 3 ? { dim: s.dim, extent: s.extent, quantum: s.quantum, loopVar: s.loopVar } : s)) };
}

/** The family with one more input operand per run-time weight of the node and of its fused chain. */
export function withWeightOperands(node: OpNode, graph: Graph, base: TilingFamily): TilingFamily {
  const family = node.domain === TFLITE_OP_DOMAIN ? withIntChannelSplit(node, base) : base;
  const outShape = family.outputs[0]?.shape ?? [];
  const weights = new Map(nodeWeights(node, graph, family, outShape));
  for (const f of node.fused ?? []) {
    for (const [name, follows] of nodeWeights(f, graph, family, outShape)) if (!weights.has(name)) weights.set(name, follows);
  }
  if (weights.size === 0) return family;
  const extra: OperandSpec[] = [...weights].map(([tensor, follows]) => ({ tensor, shape: graph.weights.get(tensor)!.shape, follows }));
  return { ...family, inputs: [...family.inputs, ...extra] };
}

/**
 * The weights a kernel reads at run time for a node and its fused chain, each once, in order (what a
 * depth-first segment's member needs in SRAM when the cores cannot read the weights).
 */
export function runtimeWeights(node: OpNode, graph: Graph): string[] {
  const whole: TilingFamily = { template: 'whole', splits: [], inputs: [], outputs: [], totalMacs: 0 };
  const names = [...nodeWeights(node, graph, whole, [])].map(([name]) => name);
  for (const f of node.fused ?? []) for (const [name] of nodeWeights(f, graph, whole, [])) if (!names.includes(name)) names.push(name);
  return names;
}
