/**
 * Which storage (buffer) holds each tensor, and at which byte offset: a union-find forest whose
 * edges carry offsets. A root is a storage; every member sits at a fixed offset inside it. Views,
 * Concat slices, Split pieces and in-place outputs are all the same operation: place one storage
 * inside another.
 */
import { assert } from '../diagnostics/errors.js';

interface Link {
  readonly parent: string;
  /** Offset of this tensor inside `parent`, in bytes. */
  readonly offsetBytes: number;
}

/** Where a tensor lives: its storage (root tensor name) and its byte offset there. */
export interface Placement {
  readonly storage: string;
  readonly offsetBytes: number;
}

export class StorageForest {
  private readonly links = new Map<string, Link>();
  private readonly sizes = new Map<string, number>();
  private readonly membersOf = new Map<string, string[]>();

  /** Adds a tensor as its own storage. */
  add(tensor: string, sizeBytes: number): void {
    this.sizes.set(tensor, sizeBytes);
    this.membersOf.set(tensor, [tensor]);
  }

  has(tensor: string): boolean {
    return this.sizes.has(tensor);
  }

  sizeOf(tensor: string): number {
    return this.sizes.get(tensor) ?? 0;
  }

  find(tensor: string): Placement {
    let offsetBytes = 0;
    let t = tensor;
    for (let link = this.links.get(t); link; link = this.links.get(t)) {
      offsetBytes += link.offsetBytes;
      t = link.parent;
    }
    return { storage: t, offsetBytes };
  }

  /** Tensors held by a storage (its root first, then in insertion order). */
  members(storage: string): readonly string[] {
    return this.membersOf.get(storage) ?? [];
  }

  /** Bytes a storage spans: max(offset + size) over its members (members never start below 0). */
  extentBytes(storage: string): number {
    let end = 0;
    for (const m of this.members(storage)) end = Math.max(end, this.find(m).offsetBytes + this.sizeOf(m));
    return end;
  }

  /** True when every member of the storage of `tensor` covers exactly the bytes of `tensor`. */
  isPureAliasOf(tensor: string): boolean {
    const { storage, offsetBytes } = this.find(tensor);
    const size = this.sizeOf(tensor);
    return this.members(storage).every((m) => this.find(m).offsetBytes === offsetBytes && this.sizeOf(m) === size);
  }

  /**
   * Places the storage of `tensor` so that `tensor` sits at `offsetBytes` inside the storage of
   * `host`. The caller has checked that this is sound (no overlap of live data); the forest only
   * checks that nothing lands below offset 0.
   */
  place(tensor: string, host: string, offsetBytes: number): void {
    const a = this.find(tensor);
    const h = this.find(host);
    assert(a.storage !== h.storage, `place: '${tensor}' already shares storage with '${host}'`);
    const rootOffset = h.offsetBytes + offsetBytes - a.offsetBytes;
    assert(rootOffset >= 0, `place: '${tensor}' would start below its host '${host}'`);
    this.links.set(a.storage, { parent: h.storage, offsetBytes: rootOffset });
    this.membersOf.get(h.storage)!.push(...this.members(a.storage));
    this.membersOf.delete(a.storage);
  }

  /** Every storage root, in insertion order. */
  storages(): string[] {
    return [...this.membersOf.keys()];
  }

  /** A copy (the order search tries in-place merges without touching the static forest). */
  clone(): StorageForest {
    const c = new StorageForest();
    for (const [k, v] of this.links) c.links.set(k, v);
    for (const [k, v] of this.sizes) c.sizes.set(k, v);
    for (const [k, v] of this.membersOf) c.membersOf.set(k, [...v]);
    return c;
  }
}
