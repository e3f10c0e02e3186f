/**
 * A small, bounds-checked FlatBuffers reader: exactly the accessors the TFLite importer needs
 * (tables, scalar fields, vectors of scalars / tables, strings, unions). Every offset is checked
 * against the buffer before it is followed; a bad offset throws FlatbufferError (the importer turns
 * it into a one-line input error). No recursion depends on file data, so a corrupt file cannot make
 * the reader loop or overflow the stack: a table's position is only ever reached through an offset
 * read from its parent, and vectors are walked by index.
 *
 * Format (flatbuffers.dev "internals"): the file starts with a u32 offset to the root table; a table
 * starts with an i32 giving (table - vtable); the vtable holds u16 vtable bytes, u16 table bytes and
 * one u16 offset per field (0 = absent, use the default). Offsets to tables, vectors and strings are
 * u32, relative to where they are stored. Vectors and strings start with a u32 element count.
 */

export class FlatbufferError extends Error {}

/** Bytes of one element of each scalar kind. */
const SCALAR_BYTES = { u8: 1, i8: 1, bool: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, i64: 8, u64: 8 } as const;
export type ScalarKind = keyof typeof SCALAR_BYTES;

export class FlatBuffer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throws unless [pos, pos + n) lies inside the buffer. */
  check(pos: number, n: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || n < 0 || pos + n > this.bytes.length) {
      throw new FlatbufferError(`${what} at byte ${pos} (${n} bytes) lies outside the ${this.bytes.length}-byte file`);
    }
  }

  scalar(pos: number, kind: ScalarKind, what: string): number {
    this.check(pos, SCALAR_BYTES[kind], what);
    const v = this.view;
    switch (kind) {
      case 'u8': return v.getUint8(pos);
      case 'bool': return v.getUint8(pos) !== 0 ? 1 : 0;
      case 'i8': return v.getInt8(pos);
      case 'u16': return v.getUint16(pos, true);
      case 'i16': return v.getInt16(pos, true);
      case 'u32': return v.getUint32(pos, true);
      case 'i32': return v.getInt32(pos, true);
      case 'f32': return v.getFloat32(pos, true);
      case 'i64': return Number(v.getBigInt64(pos, true));
      case 'u64': return Number(v.getBigUint64(pos, true));
    }
  }

  /** The root table (the u32 offset at byte 0). */
  root(): Table {
    return this.table(this.scalar(0, 'u32', 'root offset'), 'root table');
  }

  /** The 4-character file identifier at bytes 4..8, or '' when the file is shorter. */
  identifier(): string {
    if (this.bytes.length < 8) return '';
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }

  table(pos: number, what: string): Table {
    this.check(pos, 4, what);
    const vtable = pos - this.scalar(pos, 'i32', `${what} vtable offset`);
    const vtableBytes = this.scalar(vtable, 'u16', `${what} vtable`);
    const tableBytes = this.scalar(vtable + 2, 'u16', `${what} vtable`);
    if (vtableBytes < 4 || vtableBytes % 2 !== 0) throw new FlatbufferError(`${what} has a bad vtable size ${vtableBytes}`);
    this.check(vtable, vtableBytes, `${what} vtable`);
    this.check(pos, Math.max(4, tableBytes), what);
    return new Table(this, pos, vtable, vtableBytes, tableBytes, what);
  }

  /** Follows the u32 offset stored at `pos`. */
  deref(pos: number, what: string): number {
    return pos + this.scalar(pos, 'u32', what);
  }

  /** Start and element count of the vector at `pos` (elements of `elemBytes` each are checked). */
  vector(pos: number, elemBytes: number, what: string): { start: number; length: number } {
    const length = this.scalar(pos, 'u32', `${what} length`);
    this.check(pos + 4, length * elemBytes, what);
    return { start: pos + 4, length };
  }
}

/** One table: field accessors by field id (the schema's field order, union type fields included). */
export class Table {
  constructor(
    readonly fb: FlatBuffer,
    readonly pos: number,
    private readonly vtable: number,
    private readonly vtableBytes: number,
    private readonly tableBytes: number,
    readonly what: string,
  ) {}

  /** Byte position of field `id`, or undefined when absent. */
  private field(id: number, size: number, name: string): number | undefined {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vtableBytes) return undefined;
    const off = this.fb.scalar(this.vtable + slot, 'u16', `${this.what} vtable`);
    if (off === 0) return undefined;
    if (off + size > this.tableBytes) throw new FlatbufferError(`${this.what} field '${name}' lies outside its table`);
    return this.pos + off;
  }

  has(id: number): boolean {
    return this.field(id, 0, 'field') !== undefined;
  }

  scalar(id: number, kind: ScalarKind, dflt: number, name: string): number {
    const p = this.field(id, SCALAR_BYTES[kind], name);
    return p === undefined ? dflt : this.fb.scalar(p, kind, `${this.what}.${name}`);
  }

  table(id: number, name: string): Table | undefined {
    const p = this.field(id, 4, name);
    return p === undefined ? undefined : this.fb.table(this.fb.deref(p, `${this.what}.${name}`), `${this.what}.${name}`);
  }

  string(id: number, name: string): string | undefined {
    const p = this.field(id, 4, name);
    if (p === undefined) return undefined;
    const { start, length } = this.fb.vector(this.fb.deref(p, `${this.what}.${name}`), 1, `${this.what}.${name}`);
    return new TextDecoder('utf-8', { fatal: false }).decode(this.fb.bytes.subarray(start, start + length));
  }

  /** A vector of scalars as numbers (undefined when absent). */
  scalars(id: number, kind: ScalarKind, name: string): number[] | undefined {
    const p = this.field(id, 4, name);
    if (p === undefined) return undefined;
    const size = SCALAR_BYTES[kind];
    const { start, length } = this.fb.vector(this.fb.deref(p, `${this.what}.${name}`), size, `${this.what}.${name}`);
    const out = new Array<number>(length);
    for (let i = 0; i < length; i++) out[i] = this.fb.scalar(start + i * size, kind, `${this.what}.${name}`);
    return out;
  }

  /** The raw bytes of a [ubyte] vector (a view, not a copy), or undefined when absent. */
  bytes(id: number, name: string): Uint8Array | undefined {
    const p = this.field(id, 4, name);
    if (p === undefined) return undefined;
    const { start, length } = this.fb.vector(this.fb.deref(p, `${this.what}.${name}`), 1, `${this.what}.${name}`);
    return this.fb.bytes.subarray(start, start + length);
  }

  /** Number of elements of a vector of tables (0 when absent). */
  tableCount(id: number, name: string): number {
    const p = this.field(id, 4, name);
    if (p === undefined) return 0;
    return this.fb.vector(this.fb.deref(p, `${this.what}.${name}`), 4, `${this.what}.${name}`).length;
  }

  /** Element `i` of a vector of tables. */
  tableAt(id: number, i: number, name: string): Table {
    const p = this.field(id, 4, name);
    if (p === undefined) throw new FlatbufferError(`${this.what} has no '${name}'`);
    const { start, length } = this.fb.vector(this.fb.deref(p, `${this.what}.${name}`), 4, `${this.what}.${name}`);
    if (i < 0 || i >= length) throw new FlatbufferError(`${this.what}.${name}[${i}] is out of range (length ${length})`);
    const elem = start + 4 * i;
    return this.fb.table(this.fb.deref(elem, `${name}[${i}]`), `${name}[${i}]`);
  }
}
