/**
 * scheduleGraph's parts, each on its own: buffer groups (views and aliases share a buffer), the
 * residency round (which groups stay in SRAM beside the reservations) and the tiling round (tiles
 * under the SRAM left at each step; a layer that does not fit asks for a reservation, then fails).
 */
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../helpers/graph-builder.js';
import { graphLiveness } from '../../src/liveness/graph-liveness.js';
import { classifyLayer } from '../../src/schedule/templates/index.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import type { TargetSpec } from '../../src/schedule/target.js';
import { bufferGroups, residencyRound, tilingRound } from '../../src/schedule/schedule-graph.js';
import type { BufferGroup, TilingRoundInput } from '../../src/schedule/schedule-graph.js';

// x -> Relu -> a -> Relu -> y, every tensor 1x8x16x16 float32 (8192 bytes).
const chain = buildGraph({
  inputs: ['x'],
  outputs: ['y'],
  tensors: { x: { shape: [1, 8, 16, 16] }, a: { shape: [1, 8, 16, 16] }, y: { shape: [1, 8, 16, 16] } },
  nodes: [
    { name: 'r0', op: 'Relu', inputs: ['x'], outputs: ['a'] },
    { name: 'r1', op: 'Relu', inputs: ['a'], outputs: ['y'] },
  ],
});
const kinds = chain.nodes.map((node) => classifyLayer({ node, graph: chain }));
const liveness = graphLiveness(chain, 'as-is');

function group(name: string, sizeBytes: number, startStep: number, endStep: number): BufferGroup {
  return { name, members: [name], offsets: new Map([[name, 0]]), sizeBytes, startStep, endStep, kind: 'activation' };
}

describe('bufferGroups', () => {
  it('one group per live tensor, sorted by first step, then name', () => {
    const { groups } = bufferGroups(chain, liveness, kinds);
    expect(groups.map((g) => [g.name, g.sizeBytes, g.startStep, g.endStep])).toEqual([
      ['a', 8192, 0, 1],
      ['x', 8192, 0, 0],
      ['y', 8192, 1, 1],
    ]);
  });

  it('an alias joins its host: one buffer over the union of the lifetimes', () => {
    const { groups, groupOf } = bufferGroups(chain, liveness, kinds, new Map([['y', { storage: 'a', offsetBytes: 0 }]]));
    expect(groups.map((g) => [g.name, [...g.members], g.startStep, g.endStep, g.kind])).toEqual([
      ['a', ['a', 'y'], 0, 1, 'output'],
      ['x', ['x'], 0, 0, 'input'],
    ]);
    expect(groupOf.get('y')?.name).toBe('a');
  });
});

describe('residencyRound', () => {
  const at = (sramBytes: number, extra: Partial<Parameters<typeof applyOverrides>[1]> = {}): TargetSpec => applyOverrides(DEFAULT_TARGET, { sramBytes, ...extra });
  const g1 = group('g1', 8192, 0, 1);
  const g2 = group('g2', 8192, 1, 2);

  it('keeps what fits in SRAM: of two groups that meet at step 1, one', async () => {
    const resident = await residencyRound({ groups: [g1, g2], reservations: new Map(), target: at(10000) });
    expect(resident.size).toBe(1);
    expect(await residencyRound({ groups: [g1, g2], reservations: new Map(), target: at(16384) })).toEqual(new Set(['g1', 'g2']));
  });

  it('a reservation at a step pushes the groups live there to DRAM', async () => {
    expect(await residencyRound({ groups: [g1, g2], reservations: new Map([[1, 4096]]), target: at(10000) })).toEqual(new Set());
    // A reservation larger than the SRAM is left out (the tiling round reports that layer).
    expect((await residencyRound({ groups: [g1, g2], reservations: new Map([[1, 20000]]), target: at(10000) })).size).toBe(1);
  });

  it('without DRAM, or with an unbounded SRAM, every group is resident', async () => {
    expect(await residencyRound({ groups: [g1, g2], reservations: new Map([[1, 4096]]), target: at(10000, { dramBytes: 0 }) })).toEqual(new Set(['g1', 'g2']));
    const unbounded: TargetSpec = { ...DEFAULT_TARGET, memories: DEFAULT_TARGET.memories.map((m) => (m.kind === 'sram' ? { ...m, sizeBytes: null } : m)) };
    expect(await residencyRound({ groups: [g1, g2], reservations: new Map(), target: unbounded })).toEqual(new Set(['g1', 'g2']));
  });
});

describe('tilingRound', () => {
  const base = (sramBytes: number, over: Partial<TilingRoundInput> = {}): TilingRoundInput => ({
    graph: chain,
    kinds,
    isResident: () => false,
    residentLive: [0, 0, 0],
    reservations: new Map(),
    target: applyOverrides(DEFAULT_TARGET, { sramBytes }),
    doubleBuffer: true,
    elementBytes: () => 4,
    ...over,
  });
  // The smallest SRAM a streamed Relu layer needs here (its smallest tiles).
  const smallest = tilingRound(base(1)).choices[0]!.sramBytes;

  it('with room, every layer gets a tiling and nothing changes', () => {
    const r = tilingRound(base(1 << 20));
    expect(r.choices.every((c) => c !== undefined)).toBe(true);
    expect(r.failures).toEqual([]);
    expect(r.raise.size).toBe(0);
  });

  it('a layer squeezed by resident buffers asks for a reservation of its smallest tiles', () => {
    const capacity = 4 * smallest;
    const r = tilingRound(base(capacity, { residentLive: [capacity, 0, 0] }));
    expect(r.raise).toEqual(new Map([[0, smallest]]));
    expect(r.failures).toEqual([]);
    expect(r.choices[0]!.sramBytes).toBe(smallest);
  });

  it('a layer that already had its reservation fails, with the resident bytes it met', () => {
    const capacity = 4 * smallest;
    const r = tilingRound(base(capacity, { residentLive: [capacity, 0, 0], reservations: new Map([[0, smallest]]) }));
    expect(r.raise.size).toBe(0);
    expect(r.failures).toEqual([{ step: 0, layer: 'r0', scope: 'sram', neededBytes: smallest + capacity, availableBytes: capacity }]);
  });

  it('a layer whose smallest tiles exceed the SRAM itself fails at once', () => {
    const r = tilingRound(base(smallest - 1));
    expect(r.raise.size).toBe(0);
    expect(r.failures.map((f) => [f.layer, f.scope, f.neededBytes, f.availableBytes])).toEqual([
      ['r0', 'sram', smallest, smallest - 1],
      ['r1', 'sram', smallest, smallest - 1],
    ]);
  });

  it('memoizes choices across rounds in the cache it is given', () => {
    const cache = new Map();
    tilingRound(base(1 << 20, { cache }));
    expect(cache.size).toBe(2);
    tilingRound(base(1 << 20, { cache }));
    expect(cache.size).toBe(2);
  });
});
