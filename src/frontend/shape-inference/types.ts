/**
 * The contract between the importer and the per-op shape functions.
 * A shape function sees one node and what is known of its inputs, and returns the dtype and static
 * shape of each output. It throws InputError / UnsupportedError (src/diagnostics/errors.ts) with a
 * code from src/diagnostics/codes.ts and a location naming the node and op.
 */
import type { ConstTensor, DType, OpNode } from '../../ir/graph.js';

/** What is known of one input. */
export interface ValueInfo {
  readonly dtype: DType;
  /** Static dimensions, outermost first. */
  readonly shape: readonly number[];
  /** The value, when the input is a constant (initializer, Constant, or folded). */
  readonly value?: ConstTensor;
}

/** The node as the shape function sees it (an OpNode before it has a step). */
export type NodeView = Pick<OpNode, 'name' | 'opType' | 'domain' | 'inputs' | 'outputs' | 'attributes'>;

export interface InferContext {
  readonly node: NodeView;
  /** Default-domain opset version of the model. */
  readonly opsetVersion: number;
}

/** Inferred type of one output. */
export interface OutputType {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/**
 * `inputs[i]` is undefined for an omitted optional input (name '').
 * Returns one OutputType per declared node output (omitted outputs may be given any type).
 */
export type ShapeFn = (context: InferContext, inputs: readonly (ValueInfo | undefined)[]) => readonly OutputType[];
