import { describe, it, expect } from 'vitest';
import { planMemory, verifyPlan, PlannerError, STRATEGY_NAMES } from '../../planner/index.js';
import type { BufferInfo, PlanResult, Pool, StrategyName } from '../../planner/index.js';
import { randomOverlayBuffers } from './random-instances.js';
import { bruteForceOverlayOptimum } from './brute-force.js';

const GREEDY: StrategyName[] = ['greedy-size', 'greedy-conflicts', 'greedy-breadth', 'greedy-lifetime', 'best-fit'];
const SRAM: Pool[] = [{ name: 'sram', sizeBytes: null }];

/** X 100 B live [0,1]; Y 40 B live [1,5] overlays X at -10; Z 90 B live [2,5]. */
const EXAMPLE: BufferInfo[] = [
  { name: 'X', sizeBytes: 100, start: 0, end: 1 },
  { name: 'Y', sizeBytes: 40, start: 1, end: 5, overlay: { buffer: 'X', offsetBytes: -10 } },
  { name: 'Z', sizeBytes: 90, start: 2, end: 5 },
];

function offsetOf(plan: PlanResult, name: string): number {
  return plan.allocations.find((a) => a.name === name)!.offsetBytes;
}

async function checked(buffers: BufferInfo[], pools: Pool[], strategy: StrategyName, timeLimitMs = 2000): Promise<PlanResult> {
  const plan = await planMemory(buffers, pools, { strategy, timeLimitMs });
  expect(verifyPlan(buffers, pools, plan)).toEqual([]);
  for (const u of plan.pools) expect(u.usedBytes).toBeGreaterThanOrEqual(u.lowerBoundBytes);
  for (const b of buffers) {
    if (b.overlay === undefined) continue;
    const y = plan.allocations.find((a) => a.name === b.name);
    const x = plan.allocations.find((a) => a.name === b.overlay!.buffer);
    expect(y === undefined, `${b.name} placed iff its target is`).toBe(x === undefined);
    if (y !== undefined && x !== undefined) {
      expect(y.pool).toBe(x.pool);
      expect(y.offsetBytes).toBe(x.offsetBytes + b.overlay.offsetBytes);
    }
  }
  return plan;
}

describe('overlay buffers: the example', () => {
  it('every strategy places Y at X - 10 and verifies', async () => {
    for (const s of STRATEGY_NAMES) {
      const plan = await checked(EXAMPLE, SRAM, s);
      expect(offsetOf(plan, 'Y'), s).toBe(offsetOf(plan, 'X') - 10);
      expect(plan.pools[0]!.lowerBoundBytes, s).toBe(130);
    }
  });

  it('the default, exact and ILP strategies reach the optimum 130 (140 without the overlay)', async () => {
    for (const s of ['auto', 'exact', 'ilp'] as const) {
      const plan = await checked(EXAMPLE, SRAM, s);
      expect(plan.pools[0]!.usedBytes, s).toBe(130);
      expect(plan.optimal, s).toBe(true);
    }
    const plain = EXAMPLE.map(({ overlay: _overlay, ...b }) => b);
    const without = await checked(plain, SRAM, 'exact');
    expect(without.pools[0]!.usedBytes).toBe(140);
    expect(bruteForceOverlayOptimum(EXAMPLE)).toBe(130);
    expect(bruteForceOverlayOptimum(plain)).toBe(140);
  });

  it('a neighbor of only the upper member fits in the gap under it (exact zones, not hulls)', async () => {
    // X [0,40) overlaid by Y at +60 (Y [60,100)); W 20 B conflicts with Y only, V 50 B with X only.
    const buffers: BufferInfo[] = [
      { name: 'X', sizeBytes: 40, start: 0, end: 2 },
      { name: 'Y', sizeBytes: 40, start: 2, end: 4, overlay: { buffer: 'X', offsetBytes: 60 } },
      { name: 'W', sizeBytes: 60, start: 3, end: 4 },
      { name: 'V', sizeBytes: 20, start: 0, end: 1 },
    ];
    expect(bruteForceOverlayOptimum(buffers)).toBe(100);
    for (const s of ['auto', 'exact', 'ilp'] as const) {
      const plan = await checked(buffers, SRAM, s);
      expect(plan.pools[0]!.usedBytes, s).toBe(100);
    }
  });

  it('two overlays of one target still conflict with each other', async () => {
    const buffers: BufferInfo[] = [
      { name: 'X', sizeBytes: 64, start: 0, end: 1 },
      { name: 'A', sizeBytes: 32, start: 1, end: 3, overlay: { buffer: 'X', offsetBytes: 0 } },
      { name: 'B', sizeBytes: 32, start: 1, end: 3, overlay: { buffer: 'X', offsetBytes: 32 } },
    ];
    const plan = await checked(buffers, SRAM, 'auto');
    expect(plan.pools[0]!.usedBytes).toBe(64);
    const clash = buffers.map((b) => (b.name === 'B' ? { ...b, overlay: { buffer: 'X', offsetBytes: 16 } } : b));
    await expect(planMemory(clash, SRAM)).rejects.toMatchObject({ kind: 'invalid-input' });
  });
});

describe('overlay buffers: random instances', () => {
  it('every strategy verifies; exact and ILP never lose to a greedy and equal a brute force on tiny instances', async () => {
    let greedyMissed = 0;
    let grouped = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const poolAlignment = seed % 4 === 0 ? 8 : 1;
      const kind = (['intervals', 'mixed', 'conflicts'] as const)[seed % 3]!;
      const buffers = randomOverlayBuffers(seed, { kind, count: 2 + (seed % 5), steps: 5, maxSize: 24, alignments: seed % 3 === 0, poolAlignment, overlayShare: 0.6 });
      if (buffers.some((b) => b.overlay !== undefined)) grouped++;
      const pools: Pool[] = [{ name: 'sram', sizeBytes: null, alignmentBytes: poolAlignment }];
      const used = new Map<string, number>();
      for (const s of STRATEGY_NAMES) used.set(s, (await checked(buffers, pools, s, 3000)).pools[0]!.usedBytes);
      const optimum = bruteForceOverlayOptimum(buffers, poolAlignment);
      const exact = await planMemory(buffers, pools, { strategy: 'exact', timeLimitMs: 5000 });
      expect(exact.pools[0]!.usedBytes, `seed ${seed}`).toBe(optimum);
      expect(exact.optimal, `seed ${seed}`).toBe(true);
      expect(used.get('ilp'), `seed ${seed}`).toBe(optimum);
      expect(used.get('auto'), `seed ${seed}`).toBe(optimum);
      for (const g of GREEDY) expect(used.get(g)!).toBeGreaterThanOrEqual(optimum);
      if (Math.min(...GREEDY.map((g) => used.get(g)!)) > optimum) greedyMissed++;
    }
    expect(grouped).toBeGreaterThan(80);
    expect(greedyMissed).toBeGreaterThan(3);
  });

  it('larger instances with two pools and a bounded SRAM: every strategy verifies, exact never loses', async () => {
    for (let seed = 200; seed < 230; seed++) {
      const buffers = randomOverlayBuffers(seed, { kind: seed % 2 === 0 ? 'intervals' : 'mixed', count: 6 + (seed % 15), alignments: seed % 3 === 0, overlayShare: 0.5 });
      const pools: Pool[] = [
        { name: 'sram', sizeBytes: 150 + (seed % 5) * 40 },
        { name: 'dram', sizeBytes: null },
      ];
      const used = new Map<string, number>();
      for (const s of STRATEGY_NAMES) {
        const plan = await checked(buffers, pools, s, 400);
        expect(plan.fits).toBe(true);
        used.set(s, plan.pools[0]!.usedBytes + plan.pools[1]!.usedBytes);
      }
      const single: Pool[] = [{ name: 'sram', sizeBytes: null }];
      const exact = (await checked(buffers, single, 'exact', 400)).pools[0]!.usedBytes;
      const ilp = (await checked(buffers, single, 'ilp', 400)).pools[0]!.usedBytes;
      for (const g of GREEDY) {
        const greedy = (await checked(buffers, single, g)).pools[0]!.usedBytes;
        expect(exact, `seed ${seed} ${g}`).toBeLessThanOrEqual(greedy);
        expect(ilp, `seed ${seed} ${g}`).toBeLessThanOrEqual(greedy);
      }
    }
  });
});

describe('overlay buffers: spill and put-back move a group as one', () => {
  it('a group that does not fit the SRAM moves to DRAM whole', async () => {
    const buffers: BufferInfo[] = [
      { name: 'X', sizeBytes: 100, start: 0, end: 1 },
      { name: 'Y', sizeBytes: 40, start: 1, end: 5, overlay: { buffer: 'X', offsetBytes: -10 } },
      { name: 'Z', sizeBytes: 90, start: 2, end: 5 },
      { name: 'W', sizeBytes: 60, start: 0, end: 5 },
    ];
    const pools: Pool[] = [
      { name: 'sram', sizeBytes: 160 },
      { name: 'dram', sizeBytes: null },
    ];
    for (const s of STRATEGY_NAMES) {
      const plan = await checked(buffers, pools, s);
      expect(plan.fits, s).toBe(true);
      const poolOf = (n: string): string => plan.allocations.find((a) => a.name === n)!.pool;
      expect(poolOf('X'), s).toBe(poolOf('Y'));
      // Live bytes: W + the group (110 at step 1) = 170 > 160, so something must move.
      expect(plan.allocations.some((a) => a.pool === 'dram'), s).toBe(true);
    }
  });

  it('a group that fits alone takes a bounded pool; one that is larger than the pool never does', async () => {
    const buffers: BufferInfo[] = [
      { name: 'X', sizeBytes: 100, start: 0, end: 1 },
      { name: 'Y', sizeBytes: 40, start: 1, end: 5, overlay: { buffer: 'X', offsetBytes: 90 } },
    ];
    // The group spans 130 bytes (Y from 90 to 130): a 120-byte SRAM cannot hold it.
    const pools: Pool[] = [
      { name: 'sram', sizeBytes: 120 },
      { name: 'dram', sizeBytes: null },
    ];
    const plan = await checked(buffers, pools, 'auto');
    expect(plan.allocations.map((a) => a.pool)).toEqual(['dram', 'dram']);
    const roomy = await checked(buffers, [{ name: 'sram', sizeBytes: 130 }, pools[1]!], 'auto');
    expect(roomy.allocations.map((a) => [a.pool, a.offsetBytes])).toEqual([
      ['sram', 0],
      ['sram', 90],
    ]);
  });
});

describe('overlay buffers: verifyPlan', () => {
  const pools: Pool[] = [
    { name: 'sram', sizeBytes: null },
    { name: 'dram', sizeBytes: null },
  ];
  const buffers: BufferInfo[] = [
    { name: 'X', sizeBytes: 100, start: 0, end: 1 },
    { name: 'Y', sizeBytes: 40, start: 1, end: 5, overlay: { buffer: 'X', offsetBytes: -10 } },
    { name: 'Z', sizeBytes: 90, start: 2, end: 5 },
  ];
  const good: PlanResult = {
    strategy: 'exact',
    fits: true,
    optimal: true,
    pools: [
      { name: 'sram', sizeBytes: null, usedBytes: 130, lowerBoundBytes: 130 },
      { name: 'dram', sizeBytes: null, usedBytes: 0, lowerBoundBytes: 0 },
    ],
    allocations: [
      { name: 'X', pool: 'sram', offsetBytes: 10, sizeBytes: 100 },
      { name: 'Y', pool: 'sram', offsetBytes: 0, sizeBytes: 40 },
      { name: 'Z', pool: 'sram', offsetBytes: 40, sizeBytes: 90 },
    ],
    unplaced: [],
  };
  const rules = (plan: PlanResult): string[] => verifyPlan(buffers, pools, plan).map((i) => i.rule);
  const moved = (name: string, change: object): PlanResult => ({
    ...good,
    allocations: good.allocations.map((a) => (a.name === name ? { ...a, ...change } : a)),
  });

  it('accepts the overlapping pair at the right distance', () => {
    expect(verifyPlan(buffers, pools, good)).toEqual([]);
  });

  it('catches a wrong relative offset (and the overlap it no longer excuses elsewhere)', () => {
    const bad = moved('Y', { offsetBytes: 20 });
    expect(rules(bad)).toContain('overlay');
    expect(verifyPlan(buffers, pools, bad).find((i) => i.rule === 'overlay')!.message).toMatch(/expected 0/);
  });

  it('catches an overlay pair in different pools', () => {
    const bad: PlanResult = {
      ...moved('Y', { pool: 'dram', offsetBytes: 0 }),
      pools: [
        { name: 'sram', sizeBytes: null, usedBytes: 130, lowerBoundBytes: 130 },
        { name: 'dram', sizeBytes: null, usedBytes: 40, lowerBoundBytes: 0 },
      ],
    };
    expect(rules(bad)).toEqual(['overlay']);
  });

  it('still catches an overlay overlapping a third conflicting buffer', () => {
    const bad = moved('Z', { offsetBytes: 30 });
    const issues = verifyPlan(buffers, pools, { ...bad, pools: [{ ...good.pools[0]!, usedBytes: 120, lowerBoundBytes: 0 }, good.pools[1]!] });
    expect(issues.map((i) => i.rule)).toEqual(['overlap']);
    expect(issues[0]!.message).toMatch(/'(Y|Z)' and '(Y|Z)' are live at the same step/);
  });

  it('catches an overlay placed without its target', () => {
    const bad: PlanResult = { ...good, allocations: good.allocations.filter((a) => a.name !== 'X'), unplaced: ['X'] };
    expect(rules(bad)).toContain('overlay');
  });
});

describe('overlay buffers: invalid input', () => {
  const base: BufferInfo[] = [
    { name: 'X', sizeBytes: 64, start: 0, end: 1 },
    { name: 'Y', sizeBytes: 32, start: 1, end: 2 },
    { name: 'Z', sizeBytes: 16, start: 0, end: 2 },
  ];
  const pools: Pool[] = [
    { name: 'sram', sizeBytes: 1024, alignmentBytes: 4 },
    { name: 'dram', sizeBytes: null },
  ];
  const withOverlay = (name: string, overlay: unknown, extra: Partial<BufferInfo> = {}): BufferInfo[] =>
    base.map((b) => (b.name === name ? ({ ...b, ...extra, overlay } as BufferInfo) : b));
  const cases: [string, BufferInfo[], RegExp][] = [
    ['a self-overlay', withOverlay('Y', { buffer: 'Y', offsetBytes: 0 }), /overlays itself/],
    ['an unknown target', withOverlay('Y', { buffer: 'nope', offsetBytes: 0 }), /unknown buffer 'nope'/],
    ['a distance that is not an integer', withOverlay('Y', { buffer: 'X', offsetBytes: 1.5 }), /not a safe integer/],
    ['a distance beyond the safe integers', withOverlay('Y', { buffer: 'X', offsetBytes: 2 ** 60 }), /not a safe integer/],
    ['a distance that is not a multiple of the pool alignment', withOverlay('Y', { buffer: 'X', offsetBytes: -6 }), /4-byte alignment/],
    ['a distance that is not a multiple of the target alignment', withOverlay('X', { buffer: 'Y', offsetBytes: 8 }, { alignmentBytes: 16 }), /16-byte alignment of 'X'/],
    ['different candidate pools', withOverlay('Y', { buffer: 'X', offsetBytes: 0 }, { poolCandidates: ['dram'] }), /candidate pools differ/],
    [
      'a chain',
      base.map((b) =>
        b.name === 'Y' ? { ...b, overlay: { buffer: 'X', offsetBytes: 0 } } : b.name === 'Z' ? { ...b, overlay: { buffer: 'Y', offsetBytes: 0 } } : b,
      ),
      /itself overlays 'X'/,
    ],
    [
      'a cycle',
      base.map((b) =>
        b.name === 'Y' ? { ...b, overlay: { buffer: 'X', offsetBytes: 0 } } : b.name === 'X' ? { ...b, overlay: { buffer: 'Y', offsetBytes: 0 } } : b,
      ),
      /chains and cycles/,
    ],
    ['an overlay without a target name', withOverlay('Y', { offsetBytes: 0 }), /without a target buffer name/],
  ];
  for (const [what, buffers, message] of cases) {
    it(`rejects ${what}`, async () => {
      const err = await planMemory(buffers, pools).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PlannerError);
      expect((err as PlannerError).kind).toBe('invalid-input');
      expect((err as PlannerError).message).toMatch(message);
    });
  }
});
