/**
 * Live bytes with overlays (src/liveness/overlay-live.ts): a buffer placed at a fixed distance from
 * another counts the union of their bytes where both are live, never less than either; without
 * overlays the figure is the planner's live-sum bound.
 */
import { describe, expect, it } from 'vitest';
import type { BufferInfo } from '../../planner/types.js';
import { liveBytesBySlot, liveSumWithOverlays } from '../../src/liveness/overlay-live.js';
import { createPrng, liveSumBound } from '../../planner/index.js';

describe('live bytes with overlays', () => {
  it('an output written 10 bytes before its input: the union where both live, each alone elsewhere', () => {
    const buffers: BufferInfo[] = [
      { name: 'x', sizeBytes: 100, start: 0, end: 5 },
      { name: 'y', sizeBytes: 30, start: 5, end: 9, overlay: { buffer: 'x', offsetBytes: -10 } },
      { name: 't', sizeBytes: 7, start: 5, end: 5 },
    ];
    expect(liveBytesBySlot(buffers)).toEqual([[0, 100], [5, 117], [6, 30], [10, 0]]);
    expect(liveSumWithOverlays(buffers)).toEqual({ bytes: 117, step: 5 });
    // Past the input's end: the output sticks out, the union grows.
    const out: BufferInfo[] = [buffers[0]!, { ...buffers[1]!, sizeBytes: 130, overlay: { buffer: 'x', offsetBytes: -20 } }];
    expect(liveSumWithOverlays(out)).toEqual({ bytes: 130, step: 5 });
    // Apart (a lag larger than the output): no saving.
    const apart: BufferInfo[] = [buffers[0]!, { ...buffers[1]!, overlay: { buffer: 'x', offsetBytes: -30 } }];
    expect(liveSumWithOverlays(apart)).toEqual({ bytes: 130, step: 5 });
  });

  it('without overlays: the planner\'s live-sum bound, on random interval sets', () => {
    const rng = createPrng(7);
    for (let k = 0; k < 50; k++) {
      const buffers: BufferInfo[] = Array.from({ length: 1 + Math.floor(rng.next() * 12) }, (_, i) => {
        const start = Math.floor(rng.next() * 10);
        return { name: `b${i}`, sizeBytes: 1 + Math.floor(rng.next() * 100), start, end: start + Math.floor(rng.next() * 5) };
      });
      expect(liveSumWithOverlays(buffers)).toEqual(liveSumBound(buffers));
    }
  });
});
