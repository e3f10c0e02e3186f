import Table from 'cli-table3';
import type { AnalysisReport } from './analysis-model.js';
import { formatBytes, formatPercent } from './units.js';
import { describeTarget, planLine, poolRow, POOL_HEADER } from './summary.js';

const PLAIN = { head: [] as string[], border: [] as string[] };

/** Terminal report: per-layer table, memory summary, and what is live at the worst step. */
export function renderTable(report: AnalysisReport, options: { readonly maxLiveRows?: number } = {}): string {
  const sram = report.target.sramBytes;
  const layers = new Table({
    head: ['Step', 'Layer', 'Op', 'Output shape', 'Output', 'Live', 'SRAM', 'SRAM %', 'Fits'],
    style: PLAIN,
    colAligns: ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'left'],
  });
  for (const l of report.layers) {
    layers.push([
      String(l.step), l.name, l.op, l.outputShape, formatBytes(l.outputBytes), formatBytes(l.liveBytes),
      formatBytes(l.sramBytes), formatPercent(l.sramBytes, sram), l.fits ? 'yes' : 'NO',
    ]);
  }
  const pools = new Table({ head: POOL_HEADER, style: PLAIN, colAligns: ['left', 'right', 'right', 'right', 'right', 'right'] });
  for (const p of report.pools) pools.push(poolRow(p));

  const out: string[] = [];
  out.push(`${report.model}: ${describeTarget(report)}`);
  out.push(layers.toString());
  out.push(pools.toString());
  const peakLayer = report.layers[report.peakStep]?.name ?? '-';
  out.push(`Peak live activations: ${formatBytes(report.peakLiveBytes)} (${report.peakLiveBytes} bytes) at step ${report.peakStep} (${peakLayer})`);
  out.push(`Weights (read-only): ${formatBytes(report.weightBytes)} (${report.weightBytes} bytes)`);
  out.push(`Plan: ${planLine(report)}`);
  const maxRows = options.maxLiveRows ?? 10;
  if (report.liveAtPeak.length > 0) {
    const live = new Table({ head: ['Live at worst step', 'Bytes', 'Steps'], style: PLAIN, colAligns: ['left', 'right', 'left'] });
    for (const b of report.liveAtPeak.slice(0, maxRows)) live.push([b.name, String(b.sizeBytes), `${b.startStep}..${b.endStep}`]);
    out.push(live.toString());
    if (report.liveAtPeak.length > maxRows) out.push(`(${report.liveAtPeak.length - maxRows} more buffers live at step ${report.peakStep})`);
  }
  out.push(report.fits ? 'Result: fits' : `Result: DOES NOT FIT (${report.failures.map((f) => f.message).join('; ')})`);
  return `${out.join('\n')}\n`;
}
