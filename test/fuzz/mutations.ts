/**
 * Seeded byte-level mutations of model files: each returns a new array and never touches its
 * input. The kinds mirror what real corruption looks like (a short download, flipped bits, a
 * buffer written twice, zero-filled pages) plus bytes that break protobuf lengths on purpose.
 */
import type { Prng } from '../../fixtures/models/random.js';

export const MUTATION_KINDS = [
  'truncate',
  'bit-flip',
  'insert-garbage',
  'zero-range',
  'duplicate-range',
  'overwrite-random',
  'varint-max',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface Mutation {
  readonly kind: MutationKind;
  /** Short description with offsets, for failure messages. */
  readonly what: string;
  readonly bytes: Uint8Array;
}

/** A range length, biased towards short ones: 1..max, roughly log-uniform. */
function rangeLength(prng: Prng, max: number): number {
  return Math.max(1, Math.min(max, Math.floor(Math.exp(prng.next() * Math.log(max + 1)))));
}

/** Chooses the offset a mutation starts at (uniform by default). */
export type OffsetPicker = (prng: Prng, length: number) => number;

const uniformOffset: OffsetPicker = (prng, length) => prng.int(length);

export function mutate(input: Uint8Array, kind: MutationKind, prng: Prng, pick: OffsetPicker = uniformOffset): Mutation {
  const n = input.length;
  switch (kind) {
    case 'truncate': {
      const at = prng.int(n);
      return { kind, what: `truncate to ${at} of ${n} bytes`, bytes: input.slice(0, at) };
    }
    case 'bit-flip': {
      const out = input.slice();
      const flips = 1 + prng.int(8);
      const where: number[] = [];
      for (let i = 0; i < flips; i++) {
        const at = pick(prng, n);
        const bit = prng.int(8);
        out[at] = (out[at] ?? 0) ^ (1 << bit);
        where.push(at * 8 + bit);
      }
      return { kind, what: `flip bits ${where.join(',')}`, bytes: out };
    }
    case 'insert-garbage': {
      const at = pick(prng, n + 1);
      const len = rangeLength(prng, 64);
      const garbage = Uint8Array.from({ length: len }, () => prng.int(256));
      const out = new Uint8Array(n + len);
      out.set(input.subarray(0, at), 0);
      out.set(garbage, at);
      out.set(input.subarray(at), at + len);
      return { kind, what: `insert ${len} random bytes at ${at}`, bytes: out };
    }
    case 'zero-range': {
      const at = pick(prng, n);
      const len = Math.min(n - at, rangeLength(prng, 512));
      const out = input.slice();
      out.fill(0, at, at + len);
      return { kind, what: `zero ${len} bytes at ${at}`, bytes: out };
    }
    case 'duplicate-range': {
      const at = pick(prng, n);
      const len = Math.min(n - at, rangeLength(prng, 512));
      const to = pick(prng, n + 1);
      const out = new Uint8Array(n + len);
      out.set(input.subarray(0, to), 0);
      out.set(input.subarray(at, at + len), to);
      out.set(input.subarray(to), to + len);
      return { kind, what: `copy ${len} bytes from ${at} to ${to}`, bytes: out };
    }
    case 'overwrite-random': {
      const at = pick(prng, n);
      const len = Math.min(n - at, rangeLength(prng, 32));
      const out = input.slice();
      for (let i = at; i < at + len; i++) out[i] = prng.int(256);
      return { kind, what: `overwrite ${len} bytes at ${at}`, bytes: out };
    }
    case 'varint-max': {
      // 0xff bytes continue a varint: lengths and int64 fields (dims!) become huge or overlong.
      const at = pick(prng, n);
      const len = Math.min(n - at, 1 + prng.int(10));
      const out = input.slice();
      out.fill(0xff, at, at + len);
      if (prng.int(2) === 0 && at + len < n) out[at + len] = 0x01;
      return { kind, what: `0xff x${len} at ${at}`, bytes: out };
    }
  }
}
