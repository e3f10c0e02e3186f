/**
 * Constant folding of one node (DESIGN.md liveness convention): a node fed only by constants is
 * evaluated at import time and its outputs become constants (weights when a runtime node reads them).
 * `Shape` and `Size` only need the static shape of their input, so they always fold.
 *
 * A node whose inputs are all constant but whose op has no constant kernel (e.g. Conv, Dropout,
 * RandomNormal) is kept as a runtime node: correct, only less folded. A kernel may also decline (a
 * dense result past MAX_FOLD_ELEMENTS, integer division by zero, NaN cast to an integer): the node then
 * stays a runtime node as well.
 */
import { Codes } from '../diagnostics/codes.js';
import type { Location } from '../diagnostics/diagnostic.js';
import { InputError, InternalError } from '../diagnostics/errors.js';
import type { ConstTensor, DType } from '../ir/graph.js';
import { dtypeBits, elementCountOf } from '../ir/graph.js';
import { CannotFold, constKernelFor, SHAPE_ONLY_OPS } from './const-eval/index.js';
import type { KernelContext } from './const-eval/index.js';
import type { ValueInfo } from './shape-inference/types.js';

/**
 * Checks that a shape is made of non-negative integers whose element count and byte size stay within
 * Number.MAX_SAFE_INTEGER. Negative or fractional dims -> InputError MP304; too large -> MP305.
 */
export function checkShape(shape: readonly number[], dtype: DType, what: string, where: Location): void {
  let count = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw InputError.one(Codes.BadDimension, `${what} has an invalid dimension ${d} (shape [${shape.join(',')}])`, where);
    }
    count *= d;
  }
  const bits = dtypeBits(dtype);
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(Math.ceil((count * bits) / 8))) {
    throw InputError.one(
      Codes.TooLarge,
      `${what} of shape [${shape.join(',')}] (${dtype}) passes 2^53 bytes`,
      where,
    );
  }
}

/** True when the folding driver has a kernel for this op and enough constant inputs to run it. */
export function canFold(opType: string, domain: string, inputs: readonly (ValueInfo | undefined)[]): boolean {
  return constKernelFor(opType, domain) !== undefined && inputsKnown(opType, inputs);
}

/** True when the inputs a kernel reads are known: the shape of input 0 for Shape/Size, else every value. */
function inputsKnown(opType: string, inputs: readonly (ValueInfo | undefined)[]): boolean {
  if (SHAPE_ONLY_OPS.has(opType)) return inputs[0] !== undefined;
  return inputs.every((v) => v === undefined || v.value !== undefined);
}

/**
 * Evaluates a node on constant inputs. Returns one ConstTensor per node output, or undefined when the
 * node cannot be folded (see the file comment). Bad attributes or inputs -> InputError naming the node.
 */
export function tryFold(ctx: KernelContext, inputs: readonly (ValueInfo | undefined)[]): readonly ConstTensor[] | undefined {
  const { node } = ctx;
  const kernel = constKernelFor(node.opType, node.domain);
  if (!kernel || !inputsKnown(node.opType, inputs)) return undefined;
  let outputs: readonly ConstTensor[] | undefined;
  try {
    outputs = kernel(ctx, inputs);
  } catch (e) {
    if (e instanceof CannotFold) return undefined;
    throw e;
  }
  if (!outputs) return undefined;
  const where: Location = { ...(ctx.file !== undefined ? { file: ctx.file } : {}), node: node.name, opType: node.opType };
  const last = node.outputs.reduce((a, o, i) => (o !== '' ? i : a), -1);
  if (outputs.length <= last) {
    throw InputError.one(
      Codes.MalformedGraph,
      `node '${node.name}' declares ${node.outputs.length} outputs but ${node.opType} produces ${outputs.length}`,
      where,
    );
  }
  outputs.forEach((t, i) => {
    checkShape(t.shape, t.dtype, `output ${i} of node '${node.name}'`, where);
    if (t.data.kind !== 'splat') {
      const n = t.data.values.length;
      if (n !== elementCountOf(t.shape)) {
        throw new InternalError(`constant kernel for ${node.opType} made ${n} elements for shape [${t.shape.join(',')}]`);
      }
    }
  });
  return outputs;
}
