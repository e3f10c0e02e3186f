/** Validation of planner inputs: every problem is a PlannerError `invalid-input` naming the buffer or pool. */
import { PlannerError } from './errors.js';
import type { BufferInfo, Pool } from './types.js';

function isPowerOfTwo(x: number): boolean {
  return Number.isSafeInteger(x) && x >= 1 && (x & (x - 1)) === 0 && x <= 2 ** 30;
}

function bad(message: string, location: { buffer?: string; pool?: string }): never {
  throw new PlannerError('invalid-input', message, location);
}

/** Throws PlannerError `invalid-input` on the first invalid pool or buffer. */
export function validatePlanInputs(buffers: readonly BufferInfo[], pools: readonly Pool[]): void {
  if (pools.length === 0) bad('no pools are given: at least one memory pool is needed', {});
  const poolNames = new Set<string>();
  for (const p of pools) {
    if (typeof p.name !== 'string' || p.name === '') bad('a pool has an empty name', {});
    if (poolNames.has(p.name)) bad(`pool '${p.name}' is defined twice`, { pool: p.name });
    poolNames.add(p.name);
    if (p.sizeBytes !== null && (!Number.isSafeInteger(p.sizeBytes) || p.sizeBytes < 0)) {
      bad(`pool '${p.name}' has an invalid size ${String(p.sizeBytes)} (a non-negative integer or null)`, { pool: p.name });
    }
    if (p.alignmentBytes !== undefined && !isPowerOfTwo(p.alignmentBytes)) {
      bad(`pool '${p.name}' has alignment ${p.alignmentBytes}, which is not a power of two`, { pool: p.name });
    }
  }
  const names = new Set<string>();
  for (const b of buffers) {
    if (typeof b.name !== 'string' || b.name === '') bad('a buffer has an empty name', {});
    const at = { buffer: b.name };
    if (names.has(b.name)) bad(`buffer '${b.name}' is defined twice`, at);
    names.add(b.name);
    if (!Number.isSafeInteger(b.sizeBytes) || b.sizeBytes < 0) {
      bad(`buffer '${b.name}' has an invalid size ${String(b.sizeBytes)} (a non-negative integer number of bytes)`, at);
    }
    if (b.alignmentBytes !== undefined && !isPowerOfTwo(b.alignmentBytes)) {
      bad(`buffer '${b.name}' has alignment ${b.alignmentBytes}, which is not a power of two`, at);
    }
    const hasStart = b.start !== undefined;
    const hasEnd = b.end !== undefined;
    if (hasStart !== hasEnd) bad(`buffer '${b.name}' gives ${hasStart ? 'a start' : 'an end'} step without ${hasStart ? 'an end' : 'a start'} step`, at);
    if (hasStart && hasEnd) {
      if (!Number.isSafeInteger(b.start) || !Number.isSafeInteger(b.end)) {
        bad(`buffer '${b.name}' has non-integer steps ${String(b.start)}..${String(b.end)}`, at);
      }
      if (b.start! > b.end!) bad(`buffer '${b.name}' starts at step ${b.start} after it ends at step ${b.end}`, at);
    }
    if (!hasStart && b.conflicts === undefined) bad(`buffer '${b.name}' gives neither a live interval nor a conflicts list`, at);
    if (b.poolCandidates !== undefined) {
      if (b.poolCandidates.length === 0) bad(`buffer '${b.name}' has an empty list of candidate pools`, at);
      const seen = new Set<string>();
      for (const p of b.poolCandidates) {
        if (!poolNames.has(p)) bad(`buffer '${b.name}' names an unknown pool '${p}'`, { buffer: b.name, pool: p });
        if (seen.has(p)) bad(`buffer '${b.name}' lists pool '${p}' twice`, { buffer: b.name, pool: p });
        seen.add(p);
      }
    }
    if (b.spillCostByPool !== undefined) {
      for (const [p, cost] of Object.entries(b.spillCostByPool)) {
        if (!poolNames.has(p)) bad(`buffer '${b.name}' gives a spill cost for an unknown pool '${p}'`, { buffer: b.name, pool: p });
        if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
          bad(`buffer '${b.name}' has an invalid spill cost ${String(cost)} for pool '${p}'`, { buffer: b.name, pool: p });
        }
      }
    }
  }
  validateOverlays(buffers, pools);
}

/** The effective candidate pool names of a buffer. */
function candidateNames(b: BufferInfo, pools: readonly Pool[]): readonly string[] {
  return b.poolCandidates ?? pools.map((p) => p.name);
}

/**
 * Overlay rules (planner/types.ts): a known target other than itself, a safe-integer distance, no
 * chains (a target that overlays another buffer; this also rules out cycles), the same candidate
 * pools, and a distance that keeps both buffers aligned in every candidate pool.
 */
function validateOverlays(buffers: readonly BufferInfo[], pools: readonly Pool[]): void {
  const byName = new Map<string, BufferInfo>();
  for (const b of buffers) byName.set(b.name, b);
  const poolByName = new Map<string, Pool>();
  for (const p of pools) poolByName.set(p.name, p);
  for (const b of buffers) {
    const o = b.overlay;
    if (o === undefined) continue;
    const at = { buffer: b.name };
    if (o === null || typeof o !== 'object' || typeof o.buffer !== 'string') bad(`buffer '${b.name}' has an overlay without a target buffer name`, at);
    if (o.buffer === b.name) bad(`buffer '${b.name}' overlays itself`, at);
    const target = byName.get(o.buffer);
    if (target === undefined) bad(`buffer '${b.name}' overlays an unknown buffer '${o.buffer}'`, at);
    if (typeof o.offsetBytes !== 'number' || !Number.isSafeInteger(o.offsetBytes)) {
      bad(`buffer '${b.name}' has an overlay distance ${String(o.offsetBytes)} that is not a safe integer number of bytes`, at);
    }
    if (target.overlay !== undefined) {
      bad(`buffer '${b.name}' overlays '${target.name}', which itself overlays '${target.overlay.buffer}' (chains and cycles of overlays are not allowed)`, at);
    }
    const mine = candidateNames(b, pools);
    const theirs = candidateNames(target, pools);
    if (mine.length !== theirs.length || mine.some((p, k) => p !== theirs[k])) {
      bad(`buffer '${b.name}' overlays '${target.name}' but their candidate pools differ (${mine.join(', ')} against ${theirs.join(', ')})`, at);
    }
    for (const name of mine) {
      const pool = poolByName.get(name)!;
      for (const x of [b, target]) {
        const alignment = x.alignmentBytes ?? pool.alignmentBytes ?? 1;
        if (o.offsetBytes % alignment !== 0) {
          bad(
            `buffer '${b.name}' overlays '${target.name}' at ${o.offsetBytes} bytes, not a multiple of the ${alignment}-byte alignment of '${x.name}' in pool '${name}'`,
            { buffer: b.name, pool: name },
          );
        }
      }
    }
  }
}
