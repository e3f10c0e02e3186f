/**
 * Helpers shared by the per-op shape functions: errors that name the node, typed attribute access,
 * required inputs, reading small constant inputs (axes, shapes, pads) and axis normalisation.
 */
import { Codes } from '../../diagnostics/codes.js';
import type { DetailCode } from '../../diagnostics/codes.js';
import type { Location } from '../../diagnostics/diagnostic.js';
import { InputError, UnsupportedError } from '../../diagnostics/errors.js';
import type { AttrValue, ConstTensor } from '../../ir/graph.js';
import { byteSize, elementCountOf } from '../../ir/graph.js';
import { strictAttr } from '../../ir/attributes.js';
import type { InferContext, OutputType, ValueInfo } from './types.js';

export type Inputs = readonly (ValueInfo | undefined)[];

/** Where a diagnostic about this node points. */
export function where(ctx: InferContext): Location {
  return { node: ctx.node.name, opType: ctx.node.opType };
}

/** Throws an InputError with `code` naming the node. */
export function fail(ctx: InferContext, code: DetailCode, message: string): never {
  throw InputError.one(code, message, where(ctx));
}

/** Throws an UnsupportedError (MP301) naming the node: a mode or attribute value memplan does not size. */
export function unsupported(ctx: InferContext, message: string): never {
  throw UnsupportedError.one(Codes.UnsupportedOp, message, where(ctx));
}

/** Throws the error for an input that must be constant but is computed at run time. */
export function dataDependent(ctx: InferContext, what: string): never {
  throw UnsupportedError.one(
    Codes.SymbolicDim,
    `shape of output depends on run-time data: ${what} of ${ctx.node.opType} node '${ctx.node.name}' is not a constant`,
    where(ctx),
  );
}

// ---------------------------------------------------------------- attributes

/** Throws MP306 for an attribute of the wrong type, naming the node, the attribute and both types. */
function badType(ctx: InferContext, name: string): (expected: string, got: AttrValue) => never {
  return (expected, got) => fail(ctx, Codes.BadAttribute, `attribute '${name}' must be ${expected}, got ${got.type}`);
}

export function attrInt(ctx: InferContext, name: string, fallback: number): number;
export function attrInt(ctx: InferContext, name: string): number | undefined;
export function attrInt(ctx: InferContext, name: string, fallback?: number): number | undefined {
  return strictAttr(ctx.node, name, 'int', badType(ctx, name)) ?? fallback;
}

export function attrString(ctx: InferContext, name: string, fallback: string): string;
export function attrString(ctx: InferContext, name: string): string | undefined;
export function attrString(ctx: InferContext, name: string, fallback?: string): string | undefined {
  return strictAttr(ctx.node, name, 'string', badType(ctx, name)) ?? fallback;
}

export function attrInts(ctx: InferContext, name: string): readonly number[] | undefined {
  return strictAttr(ctx.node, name, 'ints', badType(ctx, name));
}

export function attrFloats(ctx: InferContext, name: string): readonly number[] | undefined {
  return strictAttr(ctx.node, name, 'floats', badType(ctx, name));
}

export function attrTensor(ctx: InferContext, name: string): ConstTensor | undefined {
  return strictAttr(ctx.node, name, 'tensor', badType(ctx, name));
}

// ---------------------------------------------------------------- inputs

/** Input `i`, which the op requires. */
export function requireInput(ctx: InferContext, inputs: Inputs, i: number, label: string): ValueInfo {
  const v = inputs[i];
  if (v === undefined) return fail(ctx, Codes.MalformedGraph, `required input ${i} (${label}) is missing`);
  return v;
}

/** Input `i` with an exact rank. */
export function requireRank(ctx: InferContext, v: ValueInfo, rank: number, label: string): ValueInfo {
  if (v.shape.length !== rank) {
    fail(ctx, Codes.ShapeMismatch, `${label} must have rank ${rank}, got shape [${v.shape.join(', ')}]`);
  }
  return v;
}

/** Every element of a constant as a JS number (int64 beyond 2^53 loses precision, fine for clamps). */
export function constNumbers(t: ConstTensor): number[] {
  const n = elementCountOf(t.shape);
  const data = t.data;
  if (data.kind === 'splat') return new Array<number>(n).fill(Number(data.value));
  if (data.kind === 'strings') return [];
  const out = new Array<number>(data.values.length);
  for (let i = 0; i < data.values.length; i++) out[i] = Number(data.values[i]);
  return out;
}

/** Most elements a shape function reads from one constant input (shapes, axes, pads, conditions). */
export const MAX_CONST_INPUT_ELEMENTS = 1 << 22;

/** The values of constant input `i` (e.g. a shape, axes or pads), or a data-dependence error. */
export function constInput(ctx: InferContext, inputs: Inputs, i: number, label: string): number[] {
  const v = requireInput(ctx, inputs, i, label);
  if (v.value === undefined) return dataDependent(ctx, `input ${i} (${label})`);
  if (v.value.data.kind === 'strings') return fail(ctx, Codes.ShapeMismatch, `input ${i} (${label}) must be numeric`);
  const count = elementCountOf(v.value.shape);
  if (count > MAX_CONST_INPUT_ELEMENTS) {
    unsupported(ctx, `input ${i} (${label}) has ${count} elements, more than the ${MAX_CONST_INPUT_ELEMENTS} memplan reads`);
  }
  return constNumbers(v.value);
}

/** Like constInput but requires integers that fit a safe JS number. */
export function constIntInput(ctx: InferContext, inputs: Inputs, i: number, label: string): number[] {
  const values = constInput(ctx, inputs, i, label);
  for (const x of values) {
    if (!Number.isSafeInteger(x)) fail(ctx, Codes.BadDimension, `input ${i} (${label}) holds ${x}, not an integer`);
  }
  return values;
}

// ---------------------------------------------------------------- axes and dims

/** Normalises `axis` in [-rank, rank) to [0, rank). */
export function normalizeAxis(ctx: InferContext, axis: number, rank: number, label = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    fail(ctx, Codes.BadAttribute, `${label} ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises a list of axes and rejects duplicates. */
export function normalizeAxes(ctx: InferContext, axes: readonly number[], rank: number, label = 'axes'): number[] {
  const out = axes.map((a) => normalizeAxis(ctx, a, rank, label));
  if (new Set(out).size !== out.length) fail(ctx, Codes.BadAttribute, `${label} [${axes.join(', ')}] repeat an axis`);
  return out;
}

/** Checks that every output dimension is a non-negative safe integer. */
export function checkDims(ctx: InferContext, shape: readonly number[], label = 'output'): readonly number[] {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      fail(ctx, Codes.BadDimension, `${label} dimension ${d} is invalid in [${shape.join(', ')}]`);
    }
  }
  return shape;
}

/**
 * Checks an inferred output: every dimension a non-negative safe integer (MP304), and the element
 * count and byte size within 2^53 (MP305).
 */
export function checkOutput(ctx: InferContext, index: number, out: OutputType): void {
  for (const d of out.shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      fail(ctx, Codes.BadDimension, `output ${index} would have an invalid dimension ${d} in ${fmt(out.shape)}`);
    }
  }
  const count = elementCountOf(out.shape);
  if (count > Number.MAX_SAFE_INTEGER || byteSize(out.dtype, count) > Number.MAX_SAFE_INTEGER) {
    fail(ctx, Codes.TooLarge, `output ${index} of shape ${fmt(out.shape)} would pass 2^53 bytes`);
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The integer-valued attribute list, or `fallback` repeated `n` times. */
export function intsOr(ctx: InferContext, name: string, n: number, fallback: number): number[] {
  const v = attrInts(ctx, name);
  if (v === undefined) return new Array<number>(n).fill(fallback);
  if (v.length !== n) fail(ctx, Codes.BadAttribute, `attribute '${name}' has ${v.length} values, expected ${n}`);
  return [...v];
}
