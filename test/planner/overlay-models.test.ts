/**
 * Overlay buffer sets from real models (test/planner/data, written by memplan's --report with
 * depth-first segments): the planner's figures with and without the overlays.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { planMemory, verifyPlan, STRATEGY_NAMES } from '../../planner/index.js';
import type { BufferInfo } from '../../planner/index.js';
import { parseBufferSetJson } from '../../src/bufferset/index.js';

function load(name: string) {
  const file = path.join(import.meta.dirname, 'data', name);
  return parseBufferSetJson(readFileSync(file, 'utf8'), name);
}

const withoutOverlays = (buffers: readonly BufferInfo[]): BufferInfo[] => buffers.map(({ overlay: _overlay, ...b }) => b);

describe('overlay buffer sets of real models', () => {
  it('MobileNetV2 int8: the overlay saves 23264 bytes, 189632 -> 166368 (the lower bound), in every search strategy', async () => {
    const { buffers, pools } = load('mobilenet-v2-int8-overlay.json');
    expect(buffers.filter((b) => b.overlay !== undefined)).toHaveLength(1);
    for (const s of STRATEGY_NAMES) {
      const plan = await planMemory(buffers, pools, { strategy: s, timeLimitMs: 5000 });
      expect(verifyPlan(buffers, pools, plan)).toEqual([]);
      expect(plan.fits, s).toBe(true);
      expect(plan.pools[0]!.lowerBoundBytes, s).toBe(166368);
      if (s === 'auto' || s === 'exact' || s === 'ilp' || s === 'hill-climb') expect(plan.pools[0]!.usedBytes, s).toBe(166368);
    }
    const plain = await planMemory(withoutOverlays(buffers), pools);
    expect(plain.pools[0]!.usedBytes).toBe(189632);
  });

  it('squeezenet: fixed distances can cost more than they save (158192, proven, against 147008 without)', async () => {
    const { buffers, pools } = load('squeezenet-overlays.json');
    const plan = await planMemory(buffers, pools, { strategy: 'ilp', timeLimitMs: 10_000 });
    expect(plan.pools[0]!.usedBytes).toBe(158192);
    expect(plan.optimal).toBe(true);
    const auto = await planMemory(buffers, pools, { timeLimitMs: 10_000 });
    expect(auto.pools[0]!.usedBytes).toBe(158192);
    const plain = await planMemory(withoutOverlays(buffers), pools);
    expect(plain.pools[0]!.usedBytes).toBe(147008);
  });
});
