/**
 * Bytes live per slot when some buffers overlay others (BufferInfo.overlay: placed at a fixed
 * distance from another buffer, overlapping it: a depth-first segment's output written over the dead
 * part of its input). Buffers tied by overlays form a cluster whose members sit at fixed offsets from
 * each other: at a slot where several of them are live they take the union of their byte ranges, not
 * the sum of their sizes. Without overlays this is the plain live sum (planner/lower-bound.ts).
 */
import type { BufferInfo } from '../../planner/types.js';
import { unionLength } from '../../planner/overlay.js';

/** A change of the live sum from `slot` on. */
interface Delta {
  readonly slot: number;
  readonly bytes: number;
}

/** Offset of each overlaid buffer relative to the root of its cluster, and the root. */
function clusters(buffers: readonly BufferInfo[]): Map<string, { readonly root: string; readonly offset: number }> {
  const byName = new Map(buffers.map((b) => [b.name, b]));
  const out = new Map<string, { root: string; offset: number }>();
  const place = (b: BufferInfo, depth: number): { root: string; offset: number } => {
    const known = out.get(b.name);
    if (known) return known;
    const base = b.overlay && depth < 64 ? byName.get(b.overlay.buffer) : undefined;
    const under = base ? place(base, depth + 1) : undefined;
    const at = under ? { root: under.root, offset: under.offset + b.overlay!.offsetBytes } : { root: b.name, offset: 0 };
    out.set(b.name, at);
    return at;
  };
  for (const b of buffers) if (b.overlay) place(b, 0);
  return out;
}

/** The live-sum deltas of buffers with intervals, overlapping overlays counted once. */
export function liveDeltas(buffers: readonly BufferInfo[]): Delta[] {
  const withInterval = buffers.filter((b) => b.start !== undefined && b.end !== undefined);
  const out: Delta[] = [];
  for (const b of withInterval) out.push({ slot: b.start!, bytes: b.sizeBytes }, { slot: b.end! + 1, bytes: -b.sizeBytes });
  const at = clusters(withInterval);
  if (at.size === 0) return out;
  // Per cluster: between consecutive boundaries of its members' intervals, the bytes the overlaps save.
  const members = new Map<string, BufferInfo[]>();
  for (const b of withInterval) {
    const root = at.get(b.name)?.root;
    if (root === undefined) continue;
    (members.get(root) ?? members.set(root, []).get(root)!).push(b);
  }
  for (const [root, list] of members) {
    const rootBuffer = withInterval.find((b) => b.name === root);
    if (rootBuffer && !list.includes(rootBuffer)) list.push(rootBuffer);
    const cuts = [...new Set(list.flatMap((b) => [b.start!, b.end! + 1]))].sort((a, b) => a - b);
    for (let k = 0; k + 1 < cuts.length; k++) {
      const live = list.filter((b) => b.start! <= cuts[k]! && cuts[k]! <= b.end!);
      if (live.length < 2) continue;
      const offset = (b: BufferInfo) => at.get(b.name)?.offset ?? 0;
      const saved = live.reduce((s, b) => s + b.sizeBytes, 0) - unionLength(live.map((b) => [offset(b), offset(b) + b.sizeBytes]));
      if (saved > 0) out.push({ slot: cuts[k]!, bytes: -saved }, { slot: cuts[k + 1]!, bytes: saved });
    }
  }
  return out;
}

/** Live bytes at every slot where they change, in slot order: [slot, bytes from that slot on]. */
export function liveBytesBySlot(buffers: readonly BufferInfo[]): [number, number][] {
  const sum = new Map<number, number>();
  for (const d of liveDeltas(buffers)) sum.set(d.slot, (sum.get(d.slot) ?? 0) + d.bytes);
  let live = 0;
  return [...sum.keys()].sort((a, b) => a - b).map((slot) => [slot, (live += sum.get(slot)!)] as [number, number]);
}

/** The largest live sum (overlays counted as the union of their bytes) and its first slot (-1 when none). */
export function liveSumWithOverlays(buffers: readonly BufferInfo[]): { readonly bytes: number; readonly step: number } {
  let best = 0;
  let step = -1;
  for (const [slot, bytes] of liveBytesBySlot(buffers)) {
    if (bytes > best) {
      best = bytes;
      step = slot;
    }
  }
  return { bytes: best, step };
}
