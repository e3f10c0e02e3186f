/**
 * memplan is never worse than the published results of the public planner tests it transcribes
 * (fixtures/buffers/index.json): with the default strategy, every pool's usedBytes is at most (or below,
 * when the test only gives a strict bound) the published figure, at least the lower bound, and the plan
 * passes verifyPlan.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planMemory, verifyPlan } from '../../planner/index.js';
import { parseBufferSetJson } from '../../src/bufferset/index.js';

interface FixtureEntry {
  readonly id: string;
  readonly file: string;
  readonly source: { readonly project: string; readonly repo: string; readonly path: string; readonly test: string; readonly license: string };
  readonly published: { readonly usedBytesByPool: Readonly<Record<string, number>>; readonly relation: 'at-most' | 'below'; readonly what: string };
}

const DIR = join(process.cwd(), 'fixtures', 'buffers');
const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { fixtures: FixtureEntry[] };

describe('public planner fixtures', () => {
  it('index names every fixture file once or more, each with its source', () => {
    expect(index.fixtures.length).toBeGreaterThanOrEqual(20);
    const projects = new Set(index.fixtures.map((f) => f.source.project));
    expect([...projects].sort()).toEqual(['Apache TVM (USMP)', 'Arm Ethos-U Vela', 'TensorFlow Lite', 'TensorFlow Lite Micro', 'XLA']);
    for (const f of index.fixtures) {
      expect(f.source.repo).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(f.source.license).toBe('Apache-2.0');
      expect(Object.keys(f.published.usedBytesByPool).length).toBeGreaterThan(0);
    }
    expect(new Set(index.fixtures.map((f) => f.id)).size).toBe(index.fixtures.length);
  });

  it.each(index.fixtures.map((f) => [f.id, f] as const))('%s: the default strategy matches or beats the published result', async (_id, fixture) => {
    const { buffers, pools } = parseBufferSetJson(readFileSync(join(DIR, fixture.file), 'utf8'), fixture.file);
    const plan = await planMemory(buffers, pools, { timeLimitMs: 5000 });
    expect(verifyPlan(buffers, pools, plan)).toEqual([]);
    expect(plan.fits).toBe(true);
    expect(plan.unplaced).toEqual([]);
    for (const pool of plan.pools) {
      expect(pool.usedBytes).toBeGreaterThanOrEqual(pool.lowerBoundBytes);
    }
    for (const [poolName, published] of Object.entries(fixture.published.usedBytesByPool)) {
      const used = plan.pools.find((p) => p.name === poolName)?.usedBytes ?? 0;
      if (fixture.published.relation === 'below') expect(used).toBeLessThan(published);
      else expect(used).toBeLessThanOrEqual(published);
    }
    // Same input, same plan.
    expect(await planMemory(buffers, pools, { timeLimitMs: 5000 })).toEqual(plan);
  });
});
