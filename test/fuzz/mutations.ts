/**
 * Seeded byte-level mutations of model files: each returns a new array and never touches its
 * input. The kinds mirror what real corruption looks like (a short download, flipped bits, a
 * buffer written twice, zero-filled pages) plus bytes that break protobuf lengths on purpose.
 */
import onnxProto from 'onnx-proto';
import { createPrng } from '../../fixtures/models/random.js';
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

/** Offsets inside initializer raw_data (weights) are picked only 20% of the time. */
export function structurePicker(bytes: Uint8Array): OffsetPicker {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const spans = (model.graph?.initializer ?? [])
    .map((t) => t.rawData ?? new Uint8Array(0))
    .filter((r) => r.length > 0)
    .map((r) => [r.byteOffset, r.byteOffset + r.length] as const)
    .sort((a, b) => a[0] - b[0]);
  return pickerAvoiding(spans, bytes.length);
}

/**
 * An offset picker that lands inside `spans` (data: weights, buffers) only 20% of the time, so most
 * mutations hit structure. `spans` are sorted [start, end) byte ranges of a file of `fileBytes` bytes.
 */
export function pickerAvoiding(spans: readonly (readonly [number, number])[], fileBytes: number): OffsetPicker {
  const segments: [number, number][] = [];
  let at = 0;
  for (const [s, e] of spans) {
    if (s > at) segments.push([at, s]);
    at = Math.max(at, e);
  }
  if (at < fileBytes) segments.push([at, fileBytes]);
  const structural = segments.reduce((n, [s, e]) => n + e - s, 0);
  return (prng: Prng, length: number) => {
    if (structural === 0 || prng.next() < 0.2) return prng.int(length);
    let k = prng.int(structural);
    for (const [s, e] of segments) {
      if (k < e - s) return Math.min(s + k, length - 1);
      k -= e - s;
    }
    return prng.int(length);
  };
}

/** FNV-1a of a file name: each corpus file gets its own stream for one campaign seed. */
function nameHash(name: string): number {
  return [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);
}

/**
 * The endless, deterministic sequence of mutants of one file for one seed: mutant i uses kind
 * i mod 7. The fuzz test and `write-mutant.mjs` (which reproduces a failing run) share it.
 */
export function* mutants(original: Uint8Array, name: string, seed: number): Generator<Mutation & { readonly index: number }> {
  const pick = structurePicker(original);
  const prng = createPrng(seed ^ nameHash(name));
  for (let index = 0; ; index++) {
    yield { index, ...mutate(original, MUTATION_KINDS[index % MUTATION_KINDS.length]!, prng, pick) };
  }
}
