/**
 * --headroom N%: keep N% of every bounded memory (shared SRAM, each core's local memory, DRAM) free.
 * memplan plans into the remaining (100 - N)% of each, rounded down to whole bytes, so activations that
 * would have been resident in the reserved part are streamed from DRAM instead; the gate fails (MP403)
 * when even the reduced sizes do not fit. The report records the percentage, the reduced sizes, and what
 * keeping the headroom cost against the same run without it: activation bytes moved from SRAM to DRAM,
 * extra DMA traffic and extra estimated cycles.
 */
import type { ScheduledModel } from './ir/loop.js';
import type { ScopedBufferSet } from './liveness/extract.js';
import type { TargetSpec } from './schedule/target.js';
import type { ReportHeadroom } from '../reports/analysis-model.js';

/** The bytes of a memory of `sizeBytes` that may be planned into with `headroom` (0..1) kept free. */
export function allowedBytes(sizeBytes: number, headroom: number): number {
  return headroom <= 0 ? sizeBytes : Math.max(1, Math.floor(sizeBytes * (1 - headroom) + 1e-9));
}

/** The target memplan plans into: every bounded memory reduced to its allowed bytes. */
export function withHeadroom(target: TargetSpec, headroom: number): TargetSpec {
  if (headroom <= 0) return target;
  return {
    ...target,
    memories: target.memories.map((m) => (m.sizeBytes === null ? m : { ...m, sizeBytes: allowedBytes(m.sizeBytes, headroom) })),
  };
}

/** What one pipeline run produced, as far as the headroom comparison needs it. */
export interface RunFigures {
  readonly schedule: ScheduledModel;
  readonly bufferSet: ScopedBufferSet;
}

const ACTIVATION_KINDS = new Set(['activation', 'input', 'output']);

/**
 * The headroom record of a report: `planned` is the run with the headroom, `full` the same run at the
 * memories' full sizes (undefined when there is no headroom).
 */
export function headroomRecord(target: TargetSpec, headroom: number, planned: RunFigures, full: RunFigures | undefined): ReportHeadroom {
  const percent = Math.round(headroom * 100 * 1e6) / 1e6;
  if (headroom <= 0 || full === undefined) return { percent: 0 };
  const inGlobal = (run: RunFigures): ReadonlyMap<string, number> =>
    new Map(
      run.bufferSet.buffers
        .filter((b) => ACTIVATION_KINDS.has(b.kind ?? 'activation') && b.poolCandidates?.[0] === run.bufferSet.poolOfScope.global)
        .map((b) => [b.name, b.sizeBytes] as const),
    );
  const before = inGlobal(full);
  let movedToDramBytes = 0;
  for (const [name, size] of inGlobal(planned)) if (!before.has(name)) movedToDramBytes += size;
  const sum = (run: RunFigures, f: (l: ScheduledModel['layers'][number]) => number) => run.schedule.layers.reduce((a, l) => a + f(l), 0);
  const dma = (l: ScheduledModel['layers'][number]) => l.stats.dmaInBytes + l.stats.dmaOutBytes;
  return {
    percent,
    pools: target.memories
      .filter((m) => m.sizeBytes !== null)
      .map((m) => ({ name: m.name, sizeBytes: m.sizeBytes!, allowedBytes: allowedBytes(m.sizeBytes!, headroom) })),
    movedToDramBytes,
    extraDmaBytes: sum(planned, dma) - sum(full, dma),
    extraCycles: sum(planned, (l) => l.stats.cycles) - sum(full, (l) => l.stats.cycles),
  };
}
