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
