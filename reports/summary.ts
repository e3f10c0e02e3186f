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

/** Plan overhead over the lower bound, as Vela prints it ("+1.25%"). */
export function overhead(pool: { readonly usedBytes: number; readonly lowerBoundBytes: number }): string {
  if (pool.lowerBoundBytes === 0) return pool.usedBytes === 0 ? '+0.00%' : '-';
  return `+${((100 * (pool.usedBytes - pool.lowerBoundBytes)) / pool.lowerBoundBytes).toFixed(2)}%`;
}

export function poolRow(pool: ReportPool): string[] {
  return [
    pool.name,
    formatBytes(pool.usedBytes),
    pool.sizeBytes === null ? 'unbounded' : formatBytes(pool.sizeBytes),
    formatPercent(pool.usedBytes, pool.sizeBytes),
    formatBytes(pool.lowerBoundBytes),
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
