/**
 * Memory-aware layer order (Serenity, Ahn et al., MLSys 2020): dynamic programming over the sets of
 * completed layers, where the value of a set is the smallest peak of any order that completes it
 * (the live bytes after a set depend on the set only). The layer DAG is divided at cut layers (every
 * other layer is an ancestor or a descendant), whose segments are searched independently. While a
 * level of the search holds at most `widthLimit` sets the search is exact; beyond that it keeps the
 * `widthLimit` best sets (lowest peak, then fewest live bytes, then the set's key): a bounded,
 * deterministic beam. The file's order is always a candidate, so the result is never worse.
 */
import type { MemoryProblem } from './memory-model.js';
import { evaluateOrder, stepLayer } from './memory-model.js';

export interface OrderSearchResult {
  readonly order: readonly number[];
  readonly peakBytes: number;
  readonly method: 'exact' | 'beam';
  readonly states: number;
  readonly fileOrderPeakBytes: number;
}

interface State {
  readonly key: string;
  readonly bits: Uint32Array;
  readonly peakBytes: number;
  readonly memBytes: number;
  readonly path: readonly number[];
}

export const DEFAULT_WIDTH_LIMIT = 2048;

/** Layers that split the DAG: every other layer is an ancestor or a descendant. Indices ascending. */
export function cutLayers(p: MemoryProblem): number[] {
  const n = p.layers.length;
  const words = Math.ceil(n / 32);
  const anc: Uint32Array[] = [];
  const ancCount: number[] = [];
  for (let v = 0; v < n; v++) {
    const a = new Uint32Array(words);
    for (const u of p.preds[v]!) {
      const au = anc[u]!;
      for (let w = 0; w < words; w++) a[w]! |= au[w]!;
      a[u >> 5]! |= 1 << (u & 31);
    }
    anc.push(a);
    let c = 0;
    for (let w = 0; w < words; w++) c += popcount(a[w]!);
    ancCount.push(c);
  }
  // Descendant counts: how many layers have v as an ancestor.
  const descCount = new Array<number>(n).fill(0);
  for (let u = 0; u < n; u++) {
    const a = anc[u]!;
    for (let w = 0; w < words; w++) {
      let bits = a[w]!;
      while (bits !== 0) {
        const low = bits & -bits;
        descCount[w * 32 + (31 - Math.clz32(low))]! += 1;
        bits ^= low;
      }
    }
  }
  const cuts: number[] = [];
  for (let v = 0; v < n; v++) if (ancCount[v]! + descCount[v]! + 1 === n) cuts.push(v);
  return cuts;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Best order of the layers `seg` (ascending, a topological order) given that every layer before
 * seg[0] ran and none after, starting with `memBytes` live.
 */
function searchSegment(p: MemoryProblem, seg: readonly number[], memBytes: number, adjustFirst: number, widthLimit: number, stats: { states: number; beam: boolean }): State {
  const k = seg.length;
  const words = Math.ceil(k / 32);
  const lo = seg[0]!;
  const hi = seg[k - 1]!;
  const local = new Map(seg.map((l, i) => [l, i] as const));
  const predsLocal = seg.map((l) => p.preds[l]!.filter((q) => q >= lo).map((q) => local.get(q)!));
  let level: State[] = [{ key: '', bits: new Uint32Array(words), peakBytes: 0, memBytes, path: [] }];
  for (let depth = 0; depth < k; depth++) {
    const next = new Map<string, State>();
    for (const s of level) {
      const done = (l: number) => {
        if (l < lo) return true;
        if (l > hi) return false;
        const i = local.get(l);
        return i !== undefined && (s.bits[i >> 5]! & (1 << (i & 31))) !== 0;
      };
      for (let i = 0; i < k; i++) {
        if ((s.bits[i >> 5]! & (1 << (i & 31))) !== 0) continue;
        if (!predsLocal[i]!.every((q) => (s.bits[q >> 5]! & (1 << (q & 31))) !== 0)) continue;
        const r = stepLayer(p, seg[i]!, done, s.memBytes);
        stats.states += 1;
        const bits = s.bits.slice();
        bits[i >> 5]! |= 1 << (i & 31);
        const key = keyOf(bits);
        const peakBytes = Math.max(s.peakBytes, r.peakBytes);
        const prev = next.get(key);
        if (prev && prev.peakBytes <= peakBytes) continue;
        const after = r.afterBytes - (s.path.length === 0 ? adjustFirst : 0);
        next.set(key, { key, bits, peakBytes, memBytes: after, path: [...s.path, seg[i]!] });
      }
    }
    level = [...next.values()];
    if (level.length > widthLimit) {
      stats.beam = true;
      level.sort((a, b) => a.peakBytes - b.peakBytes || a.memBytes - b.memBytes || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      level = level.slice(0, widthLimit);
    }
  }
  return level[0]!;
}

function keyOf(bits: Uint32Array): string {
  let s = '';
  for (let w = 0; w < bits.length; w++) s += bits[w]!.toString(36) + ',';
  return s;
}

/** The best order found, never worse than the file's order (layer indices 0..n-1 ascending). */
export function searchOrder(p: MemoryProblem, widthLimit = DEFAULT_WIDTH_LIMIT): OrderSearchResult {
  const n = p.layers.length;
  const fileOrder = Array.from({ length: n }, (_, i) => i);
  const file = evaluateOrder(p, fileOrder);
  const cuts = new Set(cutLayers(p));
  const unreadInputBytes = p.isInput.reduce((a, yes, s) => (yes && p.readers[s]!.length === 0 && !p.isOutput[s] ? a + p.sizeBytes[s]! : a), 0);
  const stats = { states: 0, beam: false };
  const order: number[] = [];
  let mem = p.initialBytes;
  let peak = 0;
  let seg: number[] = [];
  const flush = () => {
    if (seg.length === 0) return;
    const best = searchSegment(p, seg, mem, order.length === 0 ? unreadInputBytes : 0, widthLimit, stats);
    order.push(...best.path);
    mem = best.memBytes;
    peak = Math.max(peak, best.peakBytes);
    seg = [];
  };
  for (let l = 0; l < n; l++) {
    if (cuts.has(l)) {
      flush();
      seg = [l];
      flush();
    } else {
      seg.push(l);
    }
  }
  flush();
  const method = stats.beam ? 'beam' : 'exact';
  if (n === 0 || peak >= file.peakBytes) return { order: fileOrder, peakBytes: file.peakBytes, method, states: stats.states, fileOrderPeakBytes: file.peakBytes };
  return { order, peakBytes: peak, method, states: stats.states, fileOrderPeakBytes: file.peakBytes };
}
