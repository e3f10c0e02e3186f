/**
 * Mutations of real .tflite files: the byte-level kinds of mutations.ts with offsets that favour the
 * flatbuffer's structure (80% outside buffer data), plus targeted edits that a byte flip rarely hits:
 * offsets pointing out of the file, operators swapped into a cycle, absurd and negative dimensions.
 */
import { createPrng } from '../../fixtures/models/random.js';
import type { Prng } from '../../fixtures/models/random.js';
import { MUTATION_KINDS, mutate, pickerAvoiding } from './mutations.js';
import type { Mutation, OffsetPicker } from './mutations.js';

/** Minimal flatbuffer navigation for the targeted edits (positions, not values). */
export class FbPos {
  readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u32(p: number): number {
    return this.dv.getUint32(p, true);
  }
  /** Position of field `id` of the table at `t` (undefined when absent). */
  field(t: number, id: number): number | undefined {
    const vt = t - this.dv.getInt32(t, true);
    if (4 + 2 * id >= this.dv.getUint16(vt, true)) return undefined;
    const off = this.dv.getUint16(vt + 4 + 2 * id, true);
    return off === 0 ? undefined : t + off;
  }
  /** Target of the offset field `id`. */
  ref(t: number, id: number): number | undefined {
    const p = this.field(t, id);
    return p === undefined ? undefined : p + this.u32(p);
  }
  /** Positions of the offset slots of a vector of tables, and their targets. */
  tables(t: number, id: number): { slot: number; table: number }[] {
    const v = this.ref(t, id);
    if (v === undefined) return [];
    return Array.from({ length: this.u32(v) }, (_, i) => ({ slot: v + 4 + 4 * i, table: v + 4 + 4 * i + this.u32(v + 4 + 4 * i) }));
  }
  root(): number {
    return this.u32(0);
  }
  subgraph(): number {
    return this.tables(this.root(), 2)[0]!.table;
  }
  /** [start, end) of every buffer's data. */
  dataSpans(): [number, number][] {
    return this.tables(this.root(), 4).flatMap(({ table }) => {
      const d = this.ref(table, 0);
      return d === undefined ? [] : [[d + 4, d + 4 + this.u32(d)] as [number, number]];
    });
  }
}

function structurePicker(bytes: Uint8Array): OffsetPicker {
  const spans = new FbPos(bytes).dataSpans().sort((x, y) => x[0] - y[0]);
  return pickerAvoiding(spans, bytes.length);
}

/** Targeted edits of a valid file; each returns a corrupted copy. */
export function targeted(original: Uint8Array, prng: Prng): { what: string; bytes: Uint8Array } {
  const out = original.slice();
  const fb = new FbPos(out);
  const sg = fb.subgraph();
  const tensors = fb.tables(sg, 0);
  const ops = fb.tables(sg, 3);
  const choice = prng.int(6);
  const setU32 = (p: number, v: number) => fb.dv.setUint32(p, v >>> 0, true);
  switch (choice) {
    case 0: {
      // An offset slot of a table vector pointing past the end of the file (or far before it).
      const slots = [...tensors, ...ops];
      const s = slots[prng.int(slots.length)]!;
      const v = prng.next() < 0.5 ? out.length + prng.int(1 << 20) : 0xfffffff0;
      setU32(s.slot, v);
      return { what: `table offset at ${s.slot} set to ${v}`, bytes: out };
    }
    case 1: {
      // A vtable offset (the i32 at a table's start) pointing outside the file.
      const t = tensors[prng.int(tensors.length)]!.table;
      fb.dv.setInt32(t, prng.next() < 0.5 ? -0x7ffffff0 : 0x7ffffff0, true);
      return { what: `vtable offset of table ${t} out of range`, bytes: out };
    }
    case 2: {
      // Two operators swapped: an operator now reads a tensor produced after it (a cycle).
      if (ops.length < 2) return { what: 'root offset past the end', bytes: (setU32(0, out.length + 8), out) };
      const i = prng.int(ops.length - 1);
      const a = ops[i]!;
      const b = ops[i + 1]!;
      setU32(a.slot, b.table - a.slot);
      setU32(b.slot, a.table - b.slot);
      return { what: `operators ${i} and ${i + 1} swapped`, bytes: out };
    }
    case 3: {
      // An absurd or negative dimension in a tensor's shape.
      const t = tensors[prng.int(tensors.length)]!.table;
      const shape = fb.ref(t, 0);
      if (shape === undefined || fb.u32(shape) === 0) return { what: 'root offset 0', bytes: (setU32(0, 0), out) };
      const k = prng.int(fb.u32(shape));
      const v = [0x7fffffff, -1, -0x80000000, 1 << 20, 0][prng.int(5)]!;
      fb.dv.setInt32(shape + 4 + 4 * k, v, true);
      return { what: `tensor at ${t}: dim ${k} set to ${v}`, bytes: out };
    }
    case 4: {
      // A vector length far beyond the file.
      const t = tensors[prng.int(tensors.length)]!.table;
      const shape = fb.ref(t, 0) ?? fb.ref(sg, 1)!;
      setU32(shape, 0x7fffffff);
      return { what: `vector length at ${shape} set to 2^31-1`, bytes: out };
    }
    default: {
      // An operator input index out of range, or an operator reading its own output.
      const op = ops[prng.int(ops.length)]!.table;
      const ins = fb.ref(op, 1)!;
      const outs = fb.ref(op, 2)!;
      const self = prng.next() < 0.5;
      const v = self ? fb.dv.getInt32(outs + 4, true) : tensors.length + prng.int(1000);
      fb.dv.setInt32(ins + 4, v, true);
      return { what: self ? `operator at ${op} reads its own output` : `operator at ${op} reads tensor ${v}`, bytes: out };
    }
  }
}

/** FNV-1a of a file name: each corpus file gets its own stream for one campaign seed. */
function nameHash(name: string): number {
  return [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);
}

/** Deterministic mutants of a .tflite file: the 7 byte-level kinds in turn, every 8th a targeted edit. */
export function* tfliteMutants(original: Uint8Array, name: string, seed: number): Generator<Mutation | { kind: 'targeted'; what: string; bytes: Uint8Array }> {
  const pick = structurePicker(original);
  const prng = createPrng(seed ^ nameHash(name));
  for (let index = 0; ; index++) {
    if (index % 8 === 7) yield { kind: 'targeted', ...targeted(original, prng) };
    else yield mutate(original, MUTATION_KINDS[index % MUTATION_KINDS.length]!, prng, pick);
  }
}
