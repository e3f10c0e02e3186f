import { describe, it, expect } from 'vitest';
import { planMemory, verifyPlan } from '../../planner/index.js';
import type { Allocation, BufferInfo, PlanResult, Pool } from '../../planner/index.js';

const pools: Pool[] = [
  { name: 'sram', sizeBytes: 256, alignmentBytes: 16 },
  { name: 'dram', sizeBytes: null },
];
const buffers: BufferInfo[] = [
  { name: 'a', sizeBytes: 64, start: 0, end: 1 },
  { name: 'b', sizeBytes: 32, start: 1, end: 2 },
  { name: 'c', sizeBytes: 48, start: 2, end: 3, alignmentBytes: 32 },
  { name: 't', sizeBytes: 16, conflicts: ['a', 'c'] },
  { name: 'd', sizeBytes: 100, start: 0, end: 3, poolCandidates: ['dram'] },
];

async function goodPlan(): Promise<PlanResult> {
  return planMemory(buffers, pools, { strategy: 'exact' });
}

function withAllocation(plan: PlanResult, name: string, change: Partial<Allocation>): PlanResult {
  return { ...plan, allocations: plan.allocations.map((a) => (a.name === name ? { ...a, ...change } : a)) };
}

function messages(plan: PlanResult): string {
  return verifyPlan(buffers, pools, plan).map((i) => `${i.rule} ${i.message}`).join('\n');
}

describe('verifyPlan', () => {
  it('accepts the planner output', async () => {
    const plan = await goodPlan();
    expect(verifyPlan(buffers, pools, plan)).toEqual([]);
    expect(plan.allocations.map((a) => a.name)).toEqual(['a', 'b', 'c', 't', 'd']);
  });

  it('catches two live buffers overlapping', async () => {
    const plan = await goodPlan();
    const a = plan.allocations.find((x) => x.name === 'a')!;
    const bad = withAllocation(plan, 'b', { offsetBytes: a.offsetBytes });
    expect(messages(bad)).toMatch(/overlap buffers '(a|b)' and '(a|b)' are live at the same step but overlap/);
  });

  it('catches an explicit conflict overlapping', async () => {
    const plan = await goodPlan();
    const c = plan.allocations.find((x) => x.name === 'c')!;
    const bad = withAllocation(plan, 't', { offsetBytes: c.offsetBytes });
    expect(messages(bad)).toMatch(/'(t|c)' and '(t|c)' conflict but overlap/);
  });

  it('catches misalignment (buffer alignment, else pool alignment)', async () => {
    const plan = await goodPlan();
    expect(messages(withAllocation(plan, 'c', { offsetBytes: 208 }))).toMatch(/'c' at offset 208 is not aligned to 32/);
    expect(messages(withAllocation(plan, 'b', { offsetBytes: 200 }))).toMatch(/'b' at offset 200 is not aligned to 16/);
  });

  it('names the rule, the buffer and the pool of each issue', async () => {
    const plan = await goodPlan();
    expect(verifyPlan(buffers, pools, withAllocation(plan, 'c', { offsetBytes: 208 }))).toEqual([
      { rule: 'misaligned', message: "buffer 'c' at offset 208 is not aligned to 32 bytes", buffer: 'c', pool: 'sram' },
      { rule: 'pool-figures', message: `pool 'sram' reports ${plan.pools[0]!.usedBytes} used bytes but its buffers reach 256`, pool: 'sram' },
    ]);
    expect(verifyPlan(buffers, pools, { ...plan, pools: plan.pools.filter((p) => p.name !== 'dram') })).toEqual([
      { rule: 'pool-figures', message: "plan does not report pool 'dram'", pool: 'dram' },
    ]);
    expect(verifyPlan(buffers, pools, { ...plan, fits: false })).toEqual([
      { rule: 'fits-flag', message: 'plan says fits=false but everything is placed within capacity' },
    ]);
  });

  it('catches a buffer beyond a bounded pool and negative offsets', async () => {
    const plan = await goodPlan();
    expect(messages(withAllocation(plan, 'b', { offsetBytes: 240 }))).toMatch(/'b' ends at 272, beyond pool 'sram'/);
    expect(messages(withAllocation(plan, 'b', { offsetBytes: -16 }))).toMatch(/invalid offset -16/);
  });

  it('catches missing, duplicated and unknown allocations', async () => {
    const plan = await goodPlan();
    const missing = { ...plan, allocations: plan.allocations.filter((a) => a.name !== 'b') };
    expect(messages(missing)).toMatch(/'b' is neither allocated nor listed as unplaced/);
    const twice = { ...plan, allocations: [...plan.allocations, plan.allocations[0]!] };
    expect(messages(twice)).toMatch(/'a' is allocated more than once/);
    const unknown = { ...plan, allocations: [...plan.allocations, { name: 'zz', pool: 'sram', offsetBytes: 0, sizeBytes: 1 }] };
    expect(messages(unknown)).toMatch(/unknown buffer 'zz'/);
    const both = { ...plan, unplaced: ['a'], fits: false };
    expect(messages(both)).toMatch(/'a' is both allocated and unplaced/);
  });

  it('catches wrong pools and wrong sizes', async () => {
    const plan = await goodPlan();
    expect(messages(withAllocation(plan, 'd', { pool: 'sram', offsetBytes: 0 }))).toMatch(/'d' is placed in pool 'sram', which is not one of its candidates/);
    expect(messages(withAllocation(plan, 'a', { pool: 'flash' }))).toMatch(/unknown pool 'flash'/);
    expect(messages(withAllocation(plan, 'a', { sizeBytes: 32 }))).toMatch(/'a' is allocated 32 bytes but needs 64/);
  });

  it('catches wrong pool figures and a wrong fits flag', async () => {
    const plan = await goodPlan();
    const wrongUsed = { ...plan, pools: plan.pools.map((p) => (p.name === 'sram' ? { ...p, usedBytes: p.usedBytes + 1 } : p)) };
    expect(messages(wrongUsed)).toMatch(/pool 'sram' reports \d+ used bytes but its buffers reach \d+/);
    const noPool = { ...plan, pools: plan.pools.filter((p) => p.name !== 'dram') };
    expect(messages(noPool)).toMatch(/does not report pool 'dram'/);
    expect(messages({ ...plan, pools: [...plan.pools, plan.pools[0]!] })).toMatch(/reports pool 'sram' more than once/);
    expect(messages({ ...plan, fits: false })).toMatch(/plan says fits=false/);
    const badBound = { ...plan, pools: plan.pools.map((p) => (p.name === 'sram' ? { ...p, lowerBoundBytes: p.usedBytes + 1 } : p)) };
    expect(messages(badBound)).toMatch(/lower bound \d+ above its used bytes/);
  });

  it('checks 20,000 buffers and finds one misplaced (a sweep, not all pairs; speed: npm run bench:planner)', () => {
    const n = 20_000;
    const many: BufferInfo[] = [];
    const allocations: Allocation[] = [];
    for (let i = 0; i < n; i++) {
      many.push({ name: `m${i}`, sizeBytes: 16, start: i, end: i + 3 });
      allocations.push({ name: `m${i}`, pool: 'dram', offsetBytes: (i % 4) * 16, sizeBytes: 16 });
    }
    const plan: PlanResult = {
      strategy: 'test',
      fits: true,
      optimal: true,
      pools: [
        { name: 'sram', sizeBytes: 256, usedBytes: 0, lowerBoundBytes: 0 },
        { name: 'dram', sizeBytes: null, usedBytes: 64, lowerBoundBytes: 64 },
      ],
      allocations,
      unplaced: [],
    };
    expect(verifyPlan(many, pools, plan)).toEqual([]);
    const broken = { ...plan, allocations: allocations.map((a, i) => (i === 12_345 ? { ...a, offsetBytes: ((i + 1) % 4) * 16 } : a)) };
    expect(verifyPlan(many, pools, broken).length).toBeGreaterThan(0);
  });
});
