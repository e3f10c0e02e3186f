/** Summary lines shared by the text renderers. */
import type { AnalysisReport, ReportHeadroom, ReportPool } from './analysis-model.js';
import { formatBytes, formatPercent } from './units.js';

export function describeTarget(report: AnalysisReport): string {
  const t = report.target;
  const size = (b: number | null) => (b === null ? 'unbounded' : b === 0 ? 'none' : `${formatBytes(b)} (${b} bytes)`);
  const headroom = report.headroom.percent > 0 ? `, headroom ${report.headroom.percent}%` : '';
  const dram = t.dramName === null ? 'no global memory' : `${t.dramName} ${size(t.dramBytes)}`;
  return `target ${t.name}, ${t.cores} core${t.cores === 1 ? '' : 's'}, ${t.sramName} ${size(t.sramBytes)}, ${dram}, activations ${report.dtype}${headroom}`;
}

/**
 * What --headroom did, in one sentence ("Headroom 10%: planned into 58982 of 65536 bytes of sram; against
 * no headroom, 12288 bytes of activations moved to DRAM, +24576 bytes of DMA, +3072 cycles"), or
 * undefined without headroom.
 */
export function describeHeadroom(h: ReportHeadroom): string | undefined {
  if (h.percent <= 0) return undefined;
  const pools = (h.pools ?? []).map((p) => `${p.allowedBytes} of ${p.sizeBytes} bytes of ${p.name}`).join(', ');
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n}`;
  return `Headroom ${h.percent}%: planned into ${pools}; against no headroom, ${h.movedToDramBytes ?? 0} bytes of activations moved to DRAM, ${signed(h.extraDmaBytes ?? 0)} bytes of DMA, ${signed(h.extraCycles ?? 0)} cycles`;
}

/**
 * Where the weights sit when the target's weightsMemory is the shared SRAM or the DRAM ("Weights: 3700000
 * bytes resident in sram for the whole run; its activations get the other 1048576 of 4748576 bytes"), or
 * undefined (weights in flash).
 */
export function describeWeights(report: AnalysisReport): string | undefined {
  const p = report.pools.find((x) => x.weightBytes !== undefined);
  if (!p) return undefined;
  const w = p.weightBytes!;
  // With --headroom, of the bytes it allows.
  const allowed = report.headroom.pools?.find((h) => h.name === p.name)?.allowedBytes;
  const size = allowed ?? p.sizeBytes;
  const of = allowed !== undefined ? `the ${allowed} bytes --headroom allows of ${p.sizeBytes}` : `${p.sizeBytes} bytes`;
  const rest = size === null ? 'the rest (unbounded)' : w > size ? `nothing: the weights alone exceed ${allowed !== undefined ? of : `its ${of}`}` : `the other ${size - w} of ${of}`;
  return `Weights: ${w} bytes resident in ${p.name} for the whole run; its activations get ${rest}`;
}

/** Plan overhead over the lower bound, as Vela prints it ("+1.25%"). */
export function overhead(pool: { readonly usedBytes: number; readonly lowerBoundBytes: number }): string {
  if (pool.lowerBoundBytes === 0) return pool.usedBytes === 0 ? '+0.00%' : '-';
  return `+${((100 * (pool.usedBytes - pool.lowerBoundBytes)) / pool.lowerBoundBytes).toFixed(2)}%`;
}

/** Bytes of a memory in use: its activation plan, plus the weights resident there (weightsMemory). */
export function regionUsedBytes(pool: ReportPool): number {
  return pool.usedBytes + (pool.weightBytes ?? 0);
}

/** A memory's row: Used Size and Lower bound count the weights resident there; the overhead is the plan's. */
export function poolRow(pool: ReportPool): string[] {
  const w = pool.weightBytes ?? 0;
  return [
    pool.name,
    formatBytes(regionUsedBytes(pool)),
    pool.sizeBytes === null ? 'unbounded' : formatBytes(pool.sizeBytes),
    formatPercent(regionUsedBytes(pool), pool.sizeBytes),
    formatBytes(pool.lowerBoundBytes + w),
    overhead(pool),
  ];
}

/** GNU ld's `--print-memory-usage` heads, then the lower bound and the plan's overhead over it (Vela). */
export const POOL_HEADER = ['Memory region', 'Used Size', 'Region Size', '%age Used', 'Lower bound', 'Overhead'];

export function planLine(report: AnalysisReport): string {
  return `strategy ${report.strategy}, ${report.optimal ? 'proven optimal' : 'not proven optimal'}`;
}

/** `; saved: fusion 147456, order 0` (bytes per kind), or `; graph optimizations off`. */
export function savingsLine(report: AnalysisReport): string {
  const g = report.graphOptimizations;
  if (!g.enabled) return '; graph optimizations off (--no-graph-opt)';
  const parts = g.savedBytes.filter((s) => s.bytes !== 0).map((s) => `${s.kind} ${s.bytes}`);
  return `; saved: ${parts.length > 0 ? `${parts.join(', ')} bytes` : 'nothing'}; ${g.layerCount} layers, order ${g.order}`;
}
