/**
 * A tiling family: how a layer's output can be split into tiles, and which window of each operand a
 * tile needs. Templates (one file per op family) describe families; tiling.ts chooses a tile size and
 * lower-layer.ts builds the loop nest. Everything here is in elements unless a name says bytes.
 */
import type { Graph, OpNode } from '../../ir/graph.js';

/** An output dimension that may be split into tiles. */
export interface SplitDim {
  /** Dimension index in the output. */
  readonly dim: number;
  readonly extent: number;
  /** Tile sizes must be multiples of this (the last tile may be partial). */
  readonly quantum: number;
  readonly loopVar: string;
  /**
   * A reduction split (input channels of Conv, K of Gemm/MatMul): `dim` is then the reduced
   * dimension of the first input, not an output dimension. The output does not follow it: each
   * output tile accumulates its partial sums over the slices in an accumulator tile (float32) that
   * stays in SRAM; bias, activation and fused steps are applied once, after the last slice. A
   * reduction split is always the last (innermost) split, and is used only when no tiling without it
   * fits (tiling.ts).
   */
  readonly reduction?: boolean;
  /**
   * An output split priced only when no tiling that keeps it whole fits (as a reduction split is,
   * but with no accumulator): the output channels of an integer convolution whose cores read its
   * weights in place, which lowers the layer's smallest footprint but re-reads nothing the row
   * splits do not. Always the last split.
   */
  readonly lastResort?: boolean;
}

/** How one dimension of an operand's window follows a split: start = i * stride(t) + offset. */
export interface Follow {
  readonly dim: number;
  /** Window extent along `dim` for output tile size t. */
  readonly extent: (t: number) => number;
  /** Start advance per tile for tile size t. */
  readonly stride: (t: number) => number;
  readonly offset: number;
  /** Size of the operand along `dim` (the window is clamped to [0, limit)). */
  readonly limit: number;
}

/** An activation operand and how its window follows each split (undefined: not split along it). */
export interface OperandSpec {
  readonly tensor: string;
  readonly shape: readonly number[];
  /** follows[i] for splits[i]. */
  readonly follows: readonly (Follow | undefined)[];
}

export interface TilingFamily {
  readonly template: string;
  readonly splits: readonly SplitDim[];
  readonly inputs: readonly OperandSpec[];
  readonly outputs: readonly OperandSpec[];
  /** Multiply-accumulates (or element operations) of the whole layer. */
  readonly totalMacs: number;
}

/** What a template sees of a layer. */
export interface TemplateInput {
  readonly node: OpNode;
  readonly graph: Graph;
}

/** Activation (non-weight) inputs of a node, deduplicated, in order. */
export function activationInputs(input: TemplateInput): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of input.node.inputs) {
    if (name !== '' && input.graph.tensors.has(name) && !seen.has(name)) {
      seen.add(name);
      out.push(name);
    }
  }
  return out;
}

export function activationOutputs(input: TemplateInput): string[] {
  return input.node.outputs.filter((n) => n !== '' && input.graph.tensors.has(n));
}

export function shapeOf(input: TemplateInput, tensor: string): readonly number[] {
  return input.graph.tensors.get(tensor)?.shape ?? [];
}

/** A window that follows an output split one to one. */
export function identityFollow(dim: number, limit: number): Follow {
  return { dim, extent: (t) => t, stride: (t) => t, offset: 0, limit };
}

/** The family of a layer computed as one whole tile (no split). */
export function wholeFamily(input: TemplateInput, template = 'whole', totalMacs?: number): TilingFamily {
  const outs = activationOutputs(input);
  const elems = outs.reduce((s, t) => s + (input.graph.tensors.get(t)?.elementCount ?? 0), 0);
  return {
    template,
    splits: [],
    inputs: activationInputs(input).map((t) => ({ tensor: t, shape: shapeOf(input, t), follows: [] })),
    outputs: outs.map((t) => ({ tensor: t, shape: shapeOf(input, t), follows: [] })),
    totalMacs: totalMacs ?? elems,
  };
}

/** Output dims worth splitting: up to two of `preferred` with extent > 1, outermost first. */
export function splitDims(shape: readonly number[], preferred: readonly number[]): SplitDim[] {
  const vars = ['i', 'j', 'k'];
  const out: SplitDim[] = [];
  for (const dim of preferred) {
    const extent = shape[dim];
    if (extent !== undefined && extent > 1 && out.length < 2) out.push({ dim, extent, quantum: 1, loopVar: vars[out.length]! });
  }
  return out;
}
