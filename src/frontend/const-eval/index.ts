/**
 * The constant-evaluation kernels by op type (default ONNX domain only). Every kernel here is
 * deterministic; ops without a kernel (Random*, Conv, ...) are never folded.
 */
import { isDefaultOnnxDomain } from '../shape-inference/registry.js';
import { ELEMENTWISE_KERNELS } from './elementwise.js';
import { MOVEMENT_KERNELS } from './movement.js';
import { QUANT_KERNELS } from './quant.js';
import type { ConstKernel } from './tensor.js';

export type { ConstKernel, KernelContext } from './tensor.js';
export { CannotFold, MAX_FOLD_ELEMENTS } from './tensor.js';

const KERNELS: ReadonlyMap<string, ConstKernel> = new Map([...ELEMENTWISE_KERNELS, ...MOVEMENT_KERNELS, ...QUANT_KERNELS]);

/** The kernel that evaluates `opType` on constants, or undefined when memplan cannot fold it. */
export function constKernelFor(opType: string, domain: string): ConstKernel | undefined {
  if (!isDefaultOnnxDomain(domain)) return undefined;
  return KERNELS.get(opType);
}

/** Ops whose result depends only on the static shape of their input, not on its value. */
export const SHAPE_ONLY_OPS: ReadonlySet<string> = new Set(['Shape', 'Size']);

/** Op types that have a constant kernel (sorted; for documentation and tests). */
export function foldableOps(): string[] {
  return [...KERNELS.keys()].sort();
}
