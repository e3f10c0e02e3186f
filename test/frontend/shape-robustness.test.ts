/**
 * Every shape function, fed seeded random inputs and attributes, either returns valid output types or
 * throws a MemplanError (a diagnostic with a code): never a TypeError, RangeError or a NaN dimension.
 */
import { describe, it } from 'vitest';
import { isUserError } from '../../src/diagnostics/errors.js';
import type { AttrValue, DType } from '../../src/ir/graph.js';
import { shapeFunctionFor, SUPPORTED_OPS } from '../../src/frontend/shape-inference/registry.js';
import type { ValueInfo } from '../../src/frontend/shape-inference/types.js';

/** A small seeded generator (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DTYPES: readonly DType[] = ['float32', 'int64', 'uint8', 'int8', 'bool', 'int32'];
const INT_ATTRS = ['axis', 'keepdims', 'group', 'transA', 'transB', 'blocksize', 'ceil_mode', 'to', 'allowzero',
  'noop_with_empty_axes', 'hidden_size', 'num_outputs', 'start', 'end', 'k', 'layout', 'batch_dims', 'size', 'num_groups',
  'output_height', 'output_width', 'broadcast', 'onesided', 'output_datatype', 'dtype', 'stash_type'];
const INTS_ATTRS = ['axes', 'perm', 'pads', 'strides', 'dilations', 'kernel_shape', 'split', 'starts', 'ends', 'shape',
  'output_padding', 'output_shape', 'ngram_indexes', 'pooled_shape', 'value_ints'];
const STRING_ATTRS: Record<string, readonly string[]> = {
  auto_pad: ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID', 'BOGUS'],
  mode: ['constant', 'reflect', 'edge', 'DCR', 'CRD', 'nearest', 'weird'],
  reduction: ['none', 'mean', 'sum', 'max'],
  direction: ['forward', 'bidirectional', 'sideways'],
  equation: ['ij,jk->ik', 'ii', '...i,i', 'ab->ba', 'i,j->ij', 'x..y', ''],
  keep_aspect_ratio_policy: ['stretch', 'not_larger', 'not_smaller', 'odd'],
};

function trial(rand: () => number, opType: string): void {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const inputs: (ValueInfo | undefined)[] = [];
  const n = int(0, 9);
  // Inputs mostly derive from one base shape (a suffix, a 1 here and there) so that some are compatible.
  const base = Array.from({ length: int(1, 5) }, () => int(1, 4));
  const derived = (): number[] => {
    const s = rand() < 0.5 ? [...base] : base.slice(int(0, base.length));
    if (rand() < 0.3 && s.length > 0) s[int(0, s.length - 1)] = pick([1, 0, 3]);
    return s;
  };
  for (let i = 0; i < n; i++) {
    if (rand() < 0.15) { inputs.push(undefined); continue; }
    const shape = rand() < 0.7 ? derived() : Array.from({ length: int(0, 5) }, () => int(0, 4));
    const dtype = pick(DTYPES);
    const count = shape.reduce((a, b) => a * b, 1);
    if (rand() < 0.5) {
      const values = BigInt64Array.from({ length: count }, () => BigInt(int(-4, 9)));
      inputs.push({ dtype: 'int64', shape, value: { dtype: 'int64', shape, data: { kind: 'dense', values } } });
    } else if (rand() < 0.2) {
      const values = Float32Array.from({ length: count }, () => (rand() - 0.3) * 4);
      inputs.push({ dtype: 'float32', shape, value: { dtype: 'float32', shape, data: { kind: 'dense', values } } });
    } else inputs.push({ dtype, shape });
  }
  const attributes = new Map<string, AttrValue>();
  for (let i = int(0, 5); i > 0; i--) {
    const r = rand();
    if (r < 0.4) attributes.set(pick(INT_ATTRS), { type: 'int', value: int(-3, 8) });
    else if (r < 0.75) attributes.set(pick(INTS_ATTRS), { type: 'ints', value: Array.from({ length: int(0, 6) }, () => int(-3, 8)) });
    else if (r < 0.9) {
      const name = pick(Object.keys(STRING_ATTRS));
      attributes.set(name, { type: 'string', value: pick(STRING_ATTRS[name] as readonly string[]) });
    } else attributes.set(pick(['scales', 'alpha', 'value_float']), { type: 'floats', value: [rand() * 3, rand() * 3, 1, 2] });
  }
  const node = {
    name: `${opType}_0`, opType, domain: '',
    inputs: inputs.map((v, i) => (v === undefined ? '' : `in${i}`)),
    outputs: Array.from({ length: int(1, 4) }, (_, i) => `out${i}`),
    attributes,
  };
  const fn = shapeFunctionFor(opType, '');
  if (fn === undefined) throw new Error(`no shape function for ${opType}`);
  try {
    const out = fn({ node, opsetVersion: pick([6, 9, 11, 13, 17, 18]) }, inputs);
    for (const t of out) {
      if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${opType} gave [${t.shape.join(', ')}]`);
    }
  } catch (e) {
    if (!isUserError(e)) {
      throw new Error(`${opType} threw ${String(e)} for inputs ${JSON.stringify(inputs.map((v) => v && [v.dtype, v.shape]))} ` +
        `attributes ${JSON.stringify([...attributes], (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`);
    }
    const code = e.diagnostics[0]?.code ?? '';
    if (!/^MP\d{3}$/.test(code)) throw new Error(`${opType} threw a diagnostic without a code: ${e.message}`);
  }
}

describe('shape functions on random inputs', () => {
  it.each([...SUPPORTED_OPS])('%s never crashes', (opType) => {
    const rand = prng([...opType].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
    for (let i = 0; i < 200; i++) trial(rand, opType);
  });
});
