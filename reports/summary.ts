/** Summary lines shared by the text renderers. */
import type { AnalysisReport, ReportPool } from './analysis-model.js';
import { formatBytes, formatPercent } from './units.js';

export function describeTarget(report: AnalysisReport): string {
  const t = report.target;
  const size = (b: number | null) => (b === null ? 'unbounded' : b === 0 ? 'none' : `${formatBytes(b)} (${b} bytes)`);
  return `target ${t.name}, ${t.cores} core${t.cores === 1 ? '' : 's'}, sram ${size(t.sramBytes)}, dram ${size(t.dramBytes)}, activations ${report.dtype}`;
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

export const POOL_HEADER = ['Memory region', 'Used', 'Size', '% used', 'Lower bound', 'Overhead'];

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
