/**
 * An independent checker of plans. It shares no code with the strategies: it re-derives every
 * conflict from the buffers (interval overlap by a sweep, explicit conflicts from the lists) and
 * checks each rule of the contract (overlays included: the relation of each pair, and its exemption
 * from the non-overlap rule, come from the BufferInfos alone). It returns one PlanIssue per broken rule; an empty list means
 * the plan is valid. (memplan reports each issue as diagnostic MP404.)
 */
import type { Allocation, BufferInfo, PlanResult, Pool } from './types.js';

/** The rule of the plan contract an issue breaks (stable, machine-readable). */
export type PlanRule =
  /** An allocation or the unplaced list names a buffer that was not given. */
  | 'unknown-buffer'
  /** A buffer is allocated twice, listed twice as unplaced, or both. */
  | 'placed-twice'
  /** A buffer is neither allocated nor listed as unplaced. */
  | 'not-placed'
  /** An allocation or a pool figure names a pool that was not given. */
  | 'unknown-pool'
  /** A buffer is placed in a pool that is not one of its candidates. */
  | 'not-a-candidate'
  /** An allocation's size differs from the buffer's. */
  | 'wrong-size'
  /** An offset is negative or not a safe integer. */
  | 'bad-offset'
  /** An offset is not a multiple of the buffer's (else the pool's) alignment. */
  | 'misaligned'
  /** A buffer ends beyond its bounded pool. */
  | 'out-of-bounds'
  /** Two conflicting buffers overlap in one pool. */
  | 'overlap'
  /**
   * A buffer with an overlay is not at its target's offset plus the overlay distance in the
   * target's pool (or one of the two is unplaced, or the target is unknown).
   */
  | 'overlay'
  /** A pool's reported figures (used bytes, size, lower bound, presence) are wrong. */
  | 'pool-figures'
  /** The plan's `fits` flag contradicts its allocations. */
  | 'fits-flag';

/** One broken rule of a plan, with the buffer and pool it concerns when there is one. */
export interface PlanIssue {
  readonly rule: PlanRule;
  /** One sentence naming what is wrong. */
  readonly message: string;
  readonly buffer?: string;
  readonly pool?: string;
}

export function verifyPlan(buffers: readonly BufferInfo[], pools: readonly Pool[], plan: PlanResult): PlanIssue[] {
  const out: PlanIssue[] = [];
  const fail = (rule: PlanRule, message: string, buffer?: string, pool?: string): void => {
    out.push({ rule, message, ...(buffer !== undefined ? { buffer } : {}), ...(pool !== undefined ? { pool } : {}) });
  };
  const bufferByName = new Map<string, BufferInfo>();
  for (const b of buffers) bufferByName.set(b.name, b);
  const poolByName = new Map<string, Pool>();
  for (const p of pools) poolByName.set(p.name, p);

  // Every buffer placed exactly once or listed as unplaced, nothing else.
  const seen = new Map<string, Allocation>();
  for (const a of plan.allocations) {
    const b = bufferByName.get(a.name);
    if (b === undefined) {
      fail('unknown-buffer', `allocation of unknown buffer '${a.name}'`, a.name);
      continue;
    }
    if (seen.has(a.name)) {
      fail('placed-twice', `buffer '${a.name}' is allocated more than once`, a.name);
      continue;
    }
    seen.set(a.name, a);
  }
  const unplaced = new Set<string>();
  for (const name of plan.unplaced) {
    if (!bufferByName.has(name)) fail('unknown-buffer', `unplaced list names unknown buffer '${name}'`, name);
    if (unplaced.has(name)) fail('placed-twice', `buffer '${name}' is listed twice as unplaced`, name);
    if (seen.has(name)) fail('placed-twice', `buffer '${name}' is both allocated and unplaced`, name);
    unplaced.add(name);
  }
  for (const b of buffers) {
    if (!seen.has(b.name) && !unplaced.has(b.name)) fail('not-placed', `buffer '${b.name}' is neither allocated nor listed as unplaced`, b.name);
  }

  // Per-allocation rules.
  const valid: Allocation[] = [];
  for (const a of seen.values()) {
    const b = bufferByName.get(a.name)!;
    const pool = poolByName.get(a.pool);
    if (pool === undefined) {
      fail('unknown-pool', `buffer '${a.name}' is placed in unknown pool '${a.pool}'`, a.name, a.pool);
      continue;
    }
    const candidates = b.poolCandidates ?? pools.map((p) => p.name);
    if (!candidates.includes(a.pool)) fail('not-a-candidate', `buffer '${a.name}' is placed in pool '${a.pool}', which is not one of its candidates`, a.name, a.pool);
    if (a.sizeBytes !== b.sizeBytes) fail('wrong-size', `buffer '${a.name}' is allocated ${a.sizeBytes} bytes but needs ${b.sizeBytes}`, a.name, a.pool);
    if (!Number.isSafeInteger(a.offsetBytes) || a.offsetBytes < 0) {
      fail('bad-offset', `buffer '${a.name}' has an invalid offset ${a.offsetBytes}`, a.name, a.pool);
      continue;
    }
    const alignment = b.alignmentBytes ?? pool.alignmentBytes ?? 1;
    if (a.offsetBytes % alignment !== 0) fail('misaligned', `buffer '${a.name}' at offset ${a.offsetBytes} is not aligned to ${alignment} bytes`, a.name, a.pool);
    if (pool.sizeBytes !== null && a.offsetBytes + b.sizeBytes > pool.sizeBytes) {
      fail('out-of-bounds', `buffer '${a.name}' ends at ${a.offsetBytes + b.sizeBytes}, beyond pool '${a.pool}' (${pool.sizeBytes} bytes)`, a.name, a.pool);
    }
    valid.push(a);
  }

  // Overlaps within one pool: intervals by a sweep over start steps, then explicit conflicts.
  const overlapsInMemory = (x: Allocation, y: Allocation): boolean => {
    const xs = bufferByName.get(x.name)!.sizeBytes;
    const ys = bufferByName.get(y.name)!.sizeBytes;
    return xs > 0 && ys > 0 && x.offsetBytes < y.offsetBytes + ys && y.offsetBytes < x.offsetBytes + xs;
  };
  // Overlays: each at its target's offset plus its distance, in the same pool; the pair is then
  // exempt from the non-overlap rule (every other conflict of either buffer stands).
  const exempt = new Set<string>();
  const pairKey = (x: string, y: string): string => (x < y ? `${x}\u0000${y}` : `${y}\u0000${x}`);
  for (const b of buffers) {
    const o = b.overlay;
    if (o === undefined) continue;
    exempt.add(pairKey(b.name, o.buffer));
    if (!bufferByName.has(o.buffer)) {
      fail('overlay', `buffer '${b.name}' overlays unknown buffer '${o.buffer}'`, b.name);
      continue;
    }
    const y = seen.get(b.name);
    const x = seen.get(o.buffer);
    if (y === undefined && x === undefined) continue;
    if (y === undefined || x === undefined) {
      fail('overlay', `buffer '${b.name}' overlays '${o.buffer}' but only '${y === undefined ? o.buffer : b.name}' is placed`, b.name);
      continue;
    }
    if (y.pool !== x.pool) {
      fail('overlay', `buffer '${b.name}' is in pool '${y.pool}' but overlays '${o.buffer}' in pool '${x.pool}'`, b.name, y.pool);
      continue;
    }
    if (y.offsetBytes !== x.offsetBytes + o.offsetBytes) {
      fail(
        'overlay',
        `buffer '${b.name}' is at offset ${y.offsetBytes} but overlays '${o.buffer}' (offset ${x.offsetBytes}) at ${o.offsetBytes} bytes: expected ${x.offsetBytes + o.offsetBytes}`,
        b.name,
        y.pool,
      );
    }
  }

  const reported = new Set<string>();
  const report = (x: Allocation, y: Allocation, why: string): void => {
    const key = pairKey(x.name, y.name);
    if (exempt.has(key)) return;
    if (reported.has(key)) return;
    reported.add(key);
    fail('overlap', `buffers '${x.name}' and '${y.name}' ${why} but overlap in pool '${x.pool}' (offsets ${x.offsetBytes} and ${y.offsetBytes})`, x.name, x.pool);
  };
  const timed = valid.filter((a) => {
    const b = bufferByName.get(a.name)!;
    return b.start !== undefined && b.end !== undefined;
  });
  timed.sort((x, y) => bufferByName.get(x.name)!.start! - bufferByName.get(y.name)!.start!);
  const live = new Map<string, Allocation[]>(); // per pool: allocations whose interval may still be live
  for (const a of timed) {
    const start = bufferByName.get(a.name)!.start!;
    const list = (live.get(a.pool) ?? []).filter((o) => bufferByName.get(o.name)!.end! >= start);
    for (const o of list) if (overlapsInMemory(a, o)) report(a, o, 'are live at the same step');
    list.push(a);
    live.set(a.pool, list);
  }
  for (const a of valid) {
    for (const other of bufferByName.get(a.name)!.conflicts ?? []) {
      const o = seen.get(other);
      if (o === undefined || o.pool !== a.pool || !poolByName.has(o.pool)) continue;
      if (overlapsInMemory(a, o)) report(a, o, 'conflict');
    }
  }

  // Pool figures.
  const usedByPool = new Map<string, number>();
  for (const a of valid) usedByPool.set(a.pool, Math.max(usedByPool.get(a.pool) ?? 0, a.offsetBytes + a.sizeBytes));
  const listed = new Set<string>();
  for (const u of plan.pools) {
    const pool = poolByName.get(u.name);
    if (pool === undefined) {
      fail('unknown-pool', `plan reports unknown pool '${u.name}'`, undefined, u.name);
      continue;
    }
    if (listed.has(u.name)) fail('pool-figures', `plan reports pool '${u.name}' more than once`, undefined, u.name);
    listed.add(u.name);
    const used = usedByPool.get(u.name) ?? 0;
    if (u.usedBytes !== used) fail('pool-figures', `pool '${u.name}' reports ${u.usedBytes} used bytes but its buffers reach ${used}`, undefined, u.name);
    if (u.sizeBytes !== pool.sizeBytes) fail('pool-figures', `pool '${u.name}' reports size ${String(u.sizeBytes)} but is ${String(pool.sizeBytes)}`, undefined, u.name);
    if (u.lowerBoundBytes > u.usedBytes) fail('pool-figures', `pool '${u.name}' reports a lower bound ${u.lowerBoundBytes} above its used bytes ${u.usedBytes}`, undefined, u.name);
  }
  for (const p of pools) if (!listed.has(p.name)) fail('pool-figures', `plan does not report pool '${p.name}'`, undefined, p.name);
  const overflow = pools.some((p) => p.sizeBytes !== null && (usedByPool.get(p.name) ?? 0) > p.sizeBytes);
  const fits = plan.unplaced.length === 0 && !overflow;
  if (plan.fits !== fits) fail('fits-flag', `plan says fits=${plan.fits} but ${fits ? 'everything is placed within capacity' : 'something is unplaced or over capacity'}`);
  return out;
}
