/**
 * The gate's verdict in a report: the failures of a run (layers that do not fit even with their
 * smallest tile, pools whose plan exceeds their capacity) and which layers do not fit. Every failure
 * of a pool names that pool's worst step and layer, the ones the JSON gives in `pools[].worst`.
 */
import type { ScopedBufferSet } from '../src/liveness/extract.js';
import type { LayerFailure } from '../src/schedule/schedule-graph.js';
import type { ReportFailure, ReportPool } from './analysis-model.js';
import type { Codes } from '../src/diagnostics/codes.js';
import { formatMessage } from '../src/diagnostics/codes.js';
import { liveDeltas } from '../src/liveness/overlay-live.js';

export interface PoolOverflow {
  readonly pool: string;
  readonly usedBytes: number;
  readonly capacity: number;
}

/**
 * The report's failures: one per layer that does not fit (in the shared SRAM or, per core, in its
 * local memory), then one per overflowing pool that no layer failure already accounts for.
 */
export function gateFailures(
  run: { readonly failures: readonly LayerFailure[]; readonly overflows: readonly PoolOverflow[] },
  pools: readonly ReportPool[],
  options: { readonly code: typeof Codes.DoesNotFit | typeof Codes.Headroom; readonly poolOfScope: ScopedBufferSet['poolOfScope']; readonly note: (pool: string) => string },
): ReportFailure[] {
  const failures: ReportFailure[] = run.failures.map((f) => {
    const memory = options.poolOfScope[f.scope];
    const perCore = f.scope === 'local' ? ' per core' : '';
    return {
      code: options.code,
      memory,
      step: f.step,
      layer: f.layer,
      neededBytes: f.neededBytes,
      availableBytes: f.availableBytes,
      message: formatMessage(options.code, {
        detail: `layer '${f.layer}' (step ${f.step}) needs ${f.neededBytes} bytes of '${memory}'${perCore} even with its smallest tile, but ${f.availableBytes} bytes are available${options.note(memory)}`,
      }),
    };
  });
  for (const o of run.overflows) {
    if (failures.some((f) => f.memory === o.pool)) continue;
    const worst = pools.find((p) => p.name === o.pool)?.worst;
    const step = worst?.step ?? 0;
    const layer = worst?.layer ?? '';
    failures.push({
      code: options.code,
      memory: o.pool,
      step,
      layer,
      neededBytes: o.usedBytes,
      availableBytes: o.capacity,
      message: formatMessage(options.code, {
        detail: `memory '${o.pool}' needs ${o.usedBytes} bytes but has ${o.capacity} (worst step ${step}, layer '${layer}', ${worst?.liveBytes ?? 0} bytes live there)${options.note(o.pool)}`,
      }),
    });
  }
  return failures;
}

/** Steps at which some bounded pool has more bytes live than its capacity. */
export function overfullSteps(bufferSet: ScopedBufferSet, stepOf: (slot: number) => number): ReadonlySet<number> {
  const out = new Set<number>();
  for (const [pool, capacity] of bufferSet.capacities) {
    if (capacity === null) continue;
    // Buffers written over each other (BufferInfo.overlay) count the union of their bytes.
    const delta = new Map<number, number>();
    const inPool = bufferSet.buffers.filter((b) => b.poolCandidates?.[0] === pool).map((b) => (b.start === undefined ? { ...b, start: 0, end: b.end ?? 0 } : b.end === undefined ? { ...b, end: b.start } : b));
    for (const d of liveDeltas(inPool)) delta.set(d.slot, (delta.get(d.slot) ?? 0) + d.bytes);
    const slots = [...delta.keys()].sort((a, b) => a - b);
    let live = 0;
    slots.forEach((slot, i) => {
      live += delta.get(slot)!;
      if (live <= capacity) return;
      const last = (slots[i + 1] ?? slot + 1) - 1;
      for (let s = stepOf(slot); s <= stepOf(last); s++) out.add(s);
    });
  }
  return out;
}
