/**
 * A brute-force optimum for tiny buffer sets, independent of the planner's code: try every order
 * of the buffers, put each at its lowest aligned offset clear of the already placed buffers it
 * conflicts with, keep the smallest peak. (Some order gives an optimum: list any optimal packing
 * by offset; placing in that order at lowest offsets never goes above it.)
 */
import type { BufferInfo } from '../../planner/types.js';

function conflicts(a: BufferInfo, b: BufferInfo): boolean {
  if (a.start !== undefined && b.start !== undefined && a.start <= b.end! && b.start <= a.end!) return true;
  return (a.conflicts ?? []).includes(b.name) || (b.conflicts ?? []).includes(a.name);
}

export function bruteForceOptimum(buffers: readonly BufferInfo[], poolAlignment = 1): number {
  const n = buffers.length;
  const conf: boolean[][] = buffers.map((a) => buffers.map((b) => a !== b && conflicts(a, b)));
  const align = buffers.map((b) => b.alignmentBytes ?? poolAlignment);
  const offs = new Array<number>(n).fill(-1);
  let best = Infinity;
  const used = new Array<boolean>(n).fill(false);
  const rec = (depth: number, peak: number): void => {
    if (peak >= best) return;
    if (depth === n) {
      best = peak;
      return;
    }
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const size = buffers[i]!.sizeBytes;
      let at = 0;
      if (size > 0) {
        // Lowest aligned offset clear of placed conflicting buffers: retry until stable.
        let moved = true;
        while (moved) {
          moved = false;
          for (let j = 0; j < n; j++) {
            if (!used[j] || !conf[i]![j] || buffers[j]!.sizeBytes === 0) continue;
            const lo = offs[j]!;
            const hi = lo + buffers[j]!.sizeBytes;
            if (at < hi && lo < at + size) {
              at = Math.ceil(hi / align[i]!) * align[i]!;
              moved = true;
            }
          }
        }
      }
      used[i] = true;
      offs[i] = at;
      rec(depth + 1, Math.max(peak, at + size));
      used[i] = false;
      offs[i] = -1;
    }
  };
  rec(0, 0);
  return n === 0 ? 0 : best;
}

/**
 * A brute-force optimum for tiny buffer sets with overlays (BufferInfo.overlay), written from the
 * contract alone: every group (a target and the buffers that overlay it) takes every offset of its
 * target up to the best peak found (a multiple of every member's alignment, with every member at
 * an offset >= 0), and every pair of buffers that conflict, an overlay and its target excepted,
 * must not overlap. Depth first over the groups with the peak as a bound. Single pool.
 */
export function bruteForceOverlayOptimum(buffers: readonly BufferInfo[], poolAlignment = 1): number {
  const n = buffers.length;
  if (n === 0) return 0;
  const index = new Map(buffers.map((b, i) => [b.name, i] as const));
  const target = buffers.map((b, i) => (b.overlay === undefined ? i : index.get(b.overlay.buffer)!));
  const rel = buffers.map((b) => b.overlay?.offsetBytes ?? 0);
  const exempt = (i: number, j: number): boolean => (target[i] === j && i !== j) || (target[j] === i && i !== j);
  const conf: boolean[][] = buffers.map((a, i) => buffers.map((b, j) => i !== j && !exempt(i, j) && conflicts(a, b)));
  const groups: number[][] = [];
  const groupOf = new Map<number, number[]>();
  buffers.forEach((_, i) => {
    let g = groupOf.get(target[i]!);
    if (g === undefined) {
      g = [];
      groupOf.set(target[i]!, g);
      groups.push(g);
    }
    g.push(i);
  });
  // An upper bound: stack every group.
  let best = 0;
  for (const g of groups) {
    const lo = Math.min(0, ...g.map((i) => rel[i]!));
    const hi = Math.max(...g.map((i) => rel[i]! + buffers[i]!.sizeBytes));
    best += hi - lo + 64;
  }
  best += 1;
  const off = new Array<number>(n).fill(-1);
  const rec = (k: number, peak: number): void => {
    if (peak >= best) return;
    if (k === groups.length) {
      best = peak;
      return;
    }
    const g = groups[k]!;
    const align = Math.max(...g.map((i) => buffers[i]!.alignmentBytes ?? poolAlignment));
    const minRel = Math.min(0, ...g.map((i) => rel[i]!));
    for (let x = 0; x < best; x += align) {
      if (x + minRel < 0) continue;
      let top = peak;
      let ok = true;
      for (const i of g) {
        const at = x + rel[i]!;
        const size = buffers[i]!.sizeBytes;
        top = Math.max(top, at + size);
        for (let j = 0; j < n && ok; j++) {
          if (off[j]! < 0 || !conf[i]![j] || size === 0 || buffers[j]!.sizeBytes === 0) continue;
          if (at < off[j]! + buffers[j]!.sizeBytes && off[j]! < at + size) ok = false;
        }
        if (!ok) break;
      }
      if (!ok || top >= best) continue;
      for (const i of g) off[i] = x + rel[i]!;
      rec(k + 1, top);
      for (const i of g) off[i] = -1;
    }
  };
  rec(0, 0);
  return best;
}
