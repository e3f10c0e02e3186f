import { ConfigError } from '../diagnostics/errors.js';
import { Codes } from '../diagnostics/codes.js';
import { sizeBytesOf } from '../sizes.js';

/**
 * Parses a memory size given for `flag`: `256K` = `256KiB` = 262144 bytes, `1M` = 1048576, a plain
 * number is bytes. Units are binary and case-insensitive. The result is a positive safe integer.
 */
export function parseSize(text: string, flag: string): number {
  const bytes = sizeBytesOf(text);
  if (bytes === 'syntax') {
    throw ConfigError.of(Codes.BadSize, { text, flag, rule: 'expected bytes or a number with K, M or G (e.g. 256K)' }, { flag });
  }
  if (bytes === 'range') {
    throw ConfigError.of(Codes.BadSize, { text, flag, rule: 'must be a positive whole number of bytes below 2^53' }, { flag });
  }
  return bytes;
}
