/**
 * The name-to-function registry of per-op shape functions (default ONNX domain, plus onnxruntime's
 * quantized contrib ops of com.microsoft).
 * Adding an op means one entry in its family's table.
 */
import { assert } from '../../diagnostics/errors.js';
import { CONCAT_SPLIT_OPS } from './concat-split.js';
import { CONV_OPS } from './conv.js';
import { EINSUM_OPS } from './einsum.js';
import { ELEMENTWISE_OPS } from './elementwise.js';
import { GATHER_OPS } from './gather.js';
import { GEMM_OPS } from './gemm.js';
import { LOSS_OPS } from './loss.js';
import { MS_QUANT_OPS } from './ms-quant.js';
import { NORMALIZATION_OPS } from './normalization.js';
import { PAD_RESIZE_OPS } from './pad-resize.js';
import { POOL_OPS } from './pool.js';
import { QUANT_OPS } from './quant.js';
import { RECURRENT_OPS } from './recurrent.js';
import { REDUCE_SHAPE_OPS } from './reduce.js';
import { RESHAPE_OPS } from './reshape.js';
import { SIGNAL_OPS } from './signal.js';
import { SLICE_OPS } from './slice.js';
import { TENSOR_OPS } from './tensor-ops.js';
import type { ShapeFn } from './types.js';
import { checkOutput } from './util.js';

const FAMILIES: readonly Readonly<Record<string, ShapeFn>>[] = [
  ELEMENTWISE_OPS, CONV_OPS, POOL_OPS, GEMM_OPS, NORMALIZATION_OPS, REDUCE_SHAPE_OPS, CONCAT_SPLIT_OPS,
  SLICE_OPS, RESHAPE_OPS, PAD_RESIZE_OPS, GATHER_OPS, TENSOR_OPS, QUANT_OPS, RECURRENT_OPS,
  EINSUM_OPS, LOSS_OPS, SIGNAL_OPS,
];

/** Wraps a shape function so that every output it returns is validated (dimensions and size). */
function checked(fn: ShapeFn): ShapeFn {
  return (ctx, inputs) => {
    const out = fn(ctx, inputs);
    out.forEach((t, i) => checkOutput(ctx, i, t));
    return out;
  };
}

function buildTable(): ReadonlyMap<string, ShapeFn> {
  const table = new Map<string, ShapeFn>();
  for (const family of FAMILIES) {
    for (const [op, fn] of Object.entries(family)) {
      assert(!table.has(op), `shape function for ${op} registered twice`);
      table.set(op, checked(fn));
    }
  }
  return table;
}

const TABLE = buildTable();

/** Every op type with a shape function, sorted. */
export const SUPPORTED_OPS: readonly string[] = Object.freeze([...TABLE.keys()].sort());

/** True for the default ONNX domain ('' or 'ai.onnx'). */
export function isDefaultOnnxDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** onnxruntime's quantized contrib ops (com.microsoft), read as integer layers (frontend/qdq). */
const MS_TABLE: ReadonlyMap<string, ShapeFn> = new Map(Object.entries(MS_QUANT_OPS).map(([op, fn]) => [op, checked(fn)]));

/** The shape function of `opType` in `domain`, or undefined when memplan cannot size it. */
export function shapeFunctionFor(opType: string, domain: string): ShapeFn | undefined {
  if (domain === 'com.microsoft') return MS_TABLE.get(opType);
  if (!isDefaultOnnxDomain(domain)) return undefined;
  return TABLE.get(opType);
}
