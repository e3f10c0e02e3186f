/** TFLite Micro's greedy planner as restated for the benchmark, and memplan's SRAM plan against it. */
import { describe, expect, it } from 'vitest';
import { tflmGreedyArenaBytes } from '../../../bench/tflm-greedy.js';
import { benchTflite, sharedTfliteModels } from '../../../bench/tflite-bench.js';

describe('tflmGreedyArenaBytes', () => {
  it('places largest first at the lowest non-overlapping offset (16-byte aligned)', () => {
    // a [0,1] 100 -> 112 bytes at 0; b [1,2] 50 -> 64 at 112; c [2,3] 60 -> 64 at 0 (a is dead).
    expect(tflmGreedyArenaBytes([
      { name: 'a', sizeBytes: 100, firstStep: 0, lastStep: 1 },
      { name: 'b', sizeBytes: 50, firstStep: 1, lastStep: 2 },
      { name: 'c', sizeBytes: 60, firstStep: 2, lastStep: 3 },
    ])).toBe(176);
  });
  it('puts a buffer below a live one when the gap there is free', () => {
    // Largest first puts x at 0; y overlaps x and goes above (64); z overlaps only y and fits at 0.
    expect(tflmGreedyArenaBytes([
      { name: 'x', sizeBytes: 64, firstStep: 0, lastStep: 1 },
      { name: 'y', sizeBytes: 48, firstStep: 1, lastStep: 2 },
      { name: 'z', sizeBytes: 32, firstStep: 2, lastStep: 3 },
    ])).toBe(112);
  });
});

describe('memplan against TFLite Micro on every shared .tflite', () => {
  it.each(sharedTfliteModels().map((f) => [f.replace(/.*tflite\//, ''), f] as const))('%s', async (_name, file) => {
    const r = await benchTflite(file);
    expect(r.memplanSramBytes).toBeLessThanOrEqual(r.tflmArenaBytes);
    // Never below the peak of what runs (MobileNetV2's folded PADs put that below the baseline).
    expect(r.memplanSramBytes).toBeGreaterThanOrEqual(r.optimizedPeakBytes);
    expect(r.optimizedPeakBytes).toBeLessThanOrEqual(r.baselinePeakBytes);
  }, 60_000);
});
