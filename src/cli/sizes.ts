import { ConfigError } from '../diagnostics/errors.js';
import { Codes } from '../diagnostics/codes.js';

const UNIT_BYTES: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  k: 1024, kb: 1024, kib: 1024,
  m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
};

/**
 * Parses a memory size: `256K` = `256KiB` = 262144 bytes, `1M` = 1048576, a plain number is bytes.
 * Units are binary and case-insensitive. The result is a positive safe integer.
 */
export function parseSize(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m?.[2]?.toLowerCase() ?? '';
  const scale = UNIT_BYTES[unit];
  if (!m || scale === undefined) {
    throw ConfigError.one(Codes.BadSize, `invalid size '${text}' for ${flag}: expected bytes or a number with K, M or G (e.g. 256K)`, { flag });
  }
  const bytes = Number(m[1]) * scale;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw ConfigError.one(Codes.BadSize, `invalid size '${text}' for ${flag}: must be a positive whole number of bytes below 2^53`, { flag });
  }
  return bytes;
}
