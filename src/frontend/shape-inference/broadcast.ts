/**
 * ONNX (numpy-style) multidirectional broadcasting: shapes are aligned on their last dimension; two
 * dimensions are compatible when equal or when one of them is 1 (a 1 against a 0 gives 0).
 */
import { Codes } from '../../diagnostics/codes.js';
import type { Location } from '../../diagnostics/diagnostic.js';
import { InputError } from '../../diagnostics/errors.js';
import { fmt } from './util.js';

/** The broadcast shape of `a` and `b`; throws InputError MP303 at `where` when they are incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[], where: Location): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw InputError.one(Codes.ShapeMismatch, `shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together`, where);
    }
  }
  return out;
}

/** Broadcast of any number of shapes (left to right). */
export function broadcastAll(shapes: readonly (readonly number[])[], where: Location): number[] {
  let out: number[] = [];
  for (const s of shapes) out = broadcastShapes(out, s, where);
  return out;
}

/**
 * Unidirectional broadcasting: `b` must broadcast to `target` without changing it (used by Gemm's C and
 * PRelu's slope). Throws InputError MP303 otherwise.
 */
export function checkUnidirectional(target: readonly number[], b: readonly number[], where: Location): void {
  let ok = b.length <= target.length;
  for (let i = 1; ok && i <= b.length; i++) {
    const db = b[b.length - i];
    const dt = target[target.length - i];
    if (db !== dt && db !== 1) ok = false;
  }
  if (!ok) {
    throw InputError.one(Codes.ShapeMismatch, `shape ${fmt(b)} cannot be broadcast to ${fmt(target)}`, where);
  }
}
