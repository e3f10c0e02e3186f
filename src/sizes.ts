/**
 * Memory sizes as people write them (DESIGN.md "Sizes"): `256K` = `256KiB` = 262144 bytes,
 * `1M` = 1048576, a plain number is bytes; units are binary and case-insensitive. Shared by the
 * command line and target files, so both accept the same text.
 */

const UNIT_BYTES: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
};

/** Why a size text was rejected. */
export type SizeProblem = 'syntax' | 'range';

/** Bytes of a size text, or the problem: not a size (`syntax`), or not a positive safe integer (`range`). */
export function sizeBytesOf(text: string): number | SizeProblem {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const scale = UNIT_BYTES[m?.[2]?.toLowerCase() ?? ''];
  if (!m || scale === undefined) return 'syntax';
  const bytes = Number(m[1]) * scale;
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : 'range';
}
