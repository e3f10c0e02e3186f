/** C element types of the dtypes generated code handles, and C literals of integer constants. */
import type { DType } from '../../ir/graph.js';
import { InternalError } from '../../diagnostics/errors.js';

const C_TYPES: Partial<Record<DType, string>> = {
  float32: 'float', int8: 'int8_t', uint8: 'uint8_t', int16: 'int16_t', uint16: 'uint16_t',
  int32: 'int32_t', uint32: 'uint32_t', int64: 'int64_t', uint64: 'uint64_t', bool: 'uint8_t',
};

/** The C type of one element of `dtype` (throws for types generated code cannot hold). */
export function cTypeOf(dtype: DType | string): string {
  const t = C_TYPES[dtype as DType];
  if (!t) throw new InternalError(`no C type for ${dtype}`);
  return t;
}

export function hasCType(dtype: DType | string): boolean {
  return C_TYPES[dtype as DType] !== undefined;
}

/** A C literal of an integer value of `dtype` (64-bit values with their macro, the minimum spelled safely). */
export function cIntLiteral(v: number | bigint, dtype: DType): string {
  const big = BigInt(v);
  if (dtype === 'int64') return big === -(2n ** 63n) ? '(-INT64_C(9223372036854775807) - 1)' : `INT64_C(${big})`;
  if (dtype === 'uint64') return `UINT64_C(${big})`;
  if (dtype === 'int32' && big === -(2n ** 31n)) return '(-2147483647 - 1)';
  if (dtype === 'uint32') return `${big}u`;
  return `${big}`;
}
