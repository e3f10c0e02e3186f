/**
 * Compute statements: one runtime kernel call (or a few) per op, on the views of its operands.
 * Weights are the constant arrays of model_weights.c (dense) or a value (splat, kept compact).
 * The op table (ir/op-table.ts) names each op's kernel family; one file per family emits it.
 * Ops without a kernel raise MP701 naming the node; nothing is ever emitted as a guess.
 */
import type { KernelFamilyId } from '../../ir/op-table.js';
import { cKernelOps, opEntry } from '../../ir/op-table.js';
import { unsupported } from '../context.js';
import { CONV_POOL_KERNELS } from './conv-pool.js';
import { DATA_MOVEMENT_KERNELS } from './data-movement.js';
import { ELEMENTWISE_KERNELS } from './elementwise.js';
import { GEMM_KERNELS } from './gemm.js';
import { NORMALIZATION_KERNELS } from './normalization.js';
import type { Emit } from './operands.js';
import { REDUCE_KERNELS } from './reduce.js';

export type { Emit } from './operands.js';

/** The emitters of each float kernel family by op ('int' is codegen/int/emit-tflite.ts, 'qlinear' codegen/int/emit-qlinear.ts). */
export const KERNEL_FAMILIES: Readonly<Record<Exclude<KernelFamilyId, 'int' | 'qlinear'>, Readonly<Record<string, (e: Emit) => void>>>> = {
  elementwise: ELEMENTWISE_KERNELS,
  'conv-pool': CONV_POOL_KERNELS,
  gemm: GEMM_KERNELS,
  normalization: NORMALIZATION_KERNELS,
  reduce: REDUCE_KERNELS,
  'data-movement': DATA_MOVEMENT_KERNELS,
};

/** Ops whose emitters accumulate one slice of a reduction split (Emit.accumulate). */
const ACCUMULATING: ReadonlySet<string> = new Set(['Conv', 'MatMul', 'Gemm']);

/** Ops with a float C kernel (for tests and the conformance count): the op table's kernel rows. */
export const SUPPORTED_OPS: readonly string[] = cKernelOps();

/** Emits the compute of `e.node` on the views of its operands. */
export function emitCompute(e: Emit): void {
  const { ctx, node } = e;
  for (const o of node.outputs.slice(1)) {
    // A second output nobody reads (e.g. Dropout's mask) is left unwritten.
    const read = ctx.graph.outputs.includes(o) || ctx.graph.nodes.some((m) => m.inputs.includes(o));
    if (o !== '' && ctx.graph.tensors.has(o) && read) unsupported(node, `output '${o}' is read, but only the first output has a kernel`);
  }
  const family = opEntry(node.opType, node.domain)?.kernel;
  const emit = family === undefined || family === 'int' || family === 'qlinear' ? undefined : KERNEL_FAMILIES[family][node.opType];
  if (!emit) unsupported(node, 'no C kernel for this operator');
  if (e.accumulate && !ACCUMULATING.has(node.opType)) unsupported(node, `a reduction split of ${node.opType} has no C kernel (give more SRAM)`);
  emit(e);
}
