import Table from 'cli-table3';
import type { AnalysisReport } from './analysis-model.js';
import { formatBytes, formatPercent } from './units.js';
import { describeTarget, planLine, poolRow, POOL_HEADER, savingsLine } from './summary.js';

/** No colours, no rules between rows: stable text for terminals, logs and golden files. */
const COMPACT = {
  style: { head: [] as string[], border: [] as string[] },
  chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
};

/**
 * Terminal report: the per-layer table, a summary per memory in the style of
 * `ld --print-memory-usage` with the lower bound and the plan's overhead over it, and the buffers
 * live at each pool's worst step, largest first (what to shrink to make it fit).
 */
export function renderTable(report: AnalysisReport, options: { readonly maxLiveRows?: number } = {}): string {
  const sram = report.target.sramBytes;
  const layers = new Table({
    ...COMPACT,
    head: ['Step', 'Layer', 'Op', 'Output shape', 'Schedule', 'Resident', 'Scratch', 'SRAM', 'SRAM %', 'DMA in', 'DMA out', 'Cycles', 'Fits'],
    colAligns: ['right', 'left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  });
  for (const l of report.layers) {
    layers.push([
      String(l.step), l.name, l.op, l.outputShape, l.schedule, formatBytes(l.residentBytes), formatBytes(l.scratchBytes),
      formatBytes(l.sramBytes), formatPercent(l.sramBytes, sram), formatBytes(l.dmaInBytes), formatBytes(l.dmaOutBytes),
      String(l.cycles), l.fits ? 'yes' : 'NO',
    ]);
  }
  const pools = new Table({ ...COMPACT, head: POOL_HEADER, colAligns: ['left', 'right', 'right', 'right', 'right', 'right'] });
  for (const p of report.pools) pools.push(poolRow(p));

  const out: string[] = [];
  out.push(`${report.model}: ${describeTarget(report)}`);
  out.push(layers.toString());
  out.push(pools.toString());
  const peakLayer = report.peakNode ?? report.layers[report.peakStep]?.name ?? '-';
  out.push(`Peak live activations (graph level, no tiling): ${formatBytes(report.peakLiveBytes)} (${report.peakLiveBytes} bytes) at step ${report.peakStep} (${peakLayer})`);
  out.push(`Optimized peak (fusion, in place, aliases, copy-free Concat, order): ${formatBytes(report.optimizedPeakBytes)} (${report.optimizedPeakBytes} bytes)${savingsLine(report)}`);
  out.push(`Weights (read-only): ${formatBytes(report.weightBytes)} (${report.weightBytes} bytes)`);
  const saved = report.layers.reduce((a, l) => a + (l.cyclesSingleBuffered - l.cycles), 0);
  const dbBytes = Math.max(0, ...report.layers.map((l) => l.doubleBufferBytes));
  out.push(`Estimated cycles: ${report.layers.reduce((a, l) => a + l.cycles, 0)}; double buffering ${report.doubleBuffer ? `on (saves ${saved} cycles, costs up to ${dbBytes} bytes of SRAM in one layer)` : 'off'}`);
  out.push(`Plan: ${planLine(report)}`);
  if (report.minSramBytes !== undefined) out.push(`Smallest SRAM that fits: ${formatBytes(report.minSramBytes)} (${report.minSramBytes} bytes)`);
  const maxRows = options.maxLiveRows ?? 10;
  for (const p of report.pools) {
    if (p.worst.buffers.length === 0) continue;
    const live = new Table({ ...COMPACT, head: [`Live in ${p.name} at step ${p.worst.step} (${p.worst.layer})`, 'Kind', 'Bytes'], colAligns: ['left', 'left', 'right'] });
    for (const b of p.worst.buffers.slice(0, maxRows)) live.push([b.name, b.kind, String(b.sizeBytes)]);
    out.push(live.toString());
    if (p.worst.buffers.length > maxRows) out.push(`(${p.worst.buffers.length - maxRows} more buffers live there, ${p.worst.liveBytes} bytes in all)`);
  }
  out.push(report.fits ? 'Result: fits' : `Result: DOES NOT FIT (${report.failures.map((f) => f.message).join('; ')})`);
  return `${out.join('\n')}\n`;
}
