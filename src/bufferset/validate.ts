/**
 * Small shared checks for the buffer-set readers: every failure is an InputError MP601 naming the file,
 * the buffer or pool, and the field.
 */
import { Codes } from '../diagnostics/codes.js';
import type { Location } from '../diagnostics/diagnostic.js';
import { InputError } from '../diagnostics/errors.js';

/** Throws InputError MP601 with a one-line message. */
export function bad(message: string, location: Location): never {
  throw InputError.one(Codes.BadBufferSet, message, location);
}

/** Short rendering of a JSON value for messages (never more than 40 characters). */
export function show(value: unknown): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for integers in [0, 2^53 - 1]. */
export function isByteCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** True for a positive power of two that is a safe integer. */
export function isPowerOfTwo(value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) return false;
  let power = 1;
  while (power < value) power *= 2;
  return power === value;
}

/** The last path component of a file name, for capacity parsing. */
export function baseName(fileName: string): string {
  const parts = fileName.split(/[\\/]/);
  return parts[parts.length - 1] ?? fileName;
}
