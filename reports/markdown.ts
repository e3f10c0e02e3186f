import type { AnalysisReport } from './analysis-model.js';
import { formatBytes, formatPercent } from './units.js';
import { describeTarget, planLine, poolRow, POOL_HEADER } from './summary.js';

/** Markdown ready to paste into a pull request. */
export function renderMarkdown(report: AnalysisReport): string {
  const out: string[] = [];
  out.push(`## memplan: ${escapeCell(report.model)} ${report.fits ? 'fits' : 'does not fit'}`);
  out.push('');
  out.push(`${describeTarget(report)}; ${planLine(report)}.`);
  out.push('');
  out.push(row(POOL_HEADER));
  out.push(row(POOL_HEADER.map((_, i) => (i === 0 ? '---' : '---:'))));
  for (const p of report.pools) out.push(row(poolRow(p)));
  out.push('');
  out.push(`Peak live activations: **${formatBytes(report.peakLiveBytes)}** (${report.peakLiveBytes} bytes) at step ${report.peakStep}; weights ${formatBytes(report.weightBytes)}.`);
  for (const f of report.failures) out.push(`\n**${f.code}**: ${escapeCell(f.message)}`);
  out.push('');
  out.push('<details><summary>Per-layer footprint</summary>');
  out.push('');
  const head = ['Step', 'Layer', 'Op', 'Output shape', 'Output bytes', 'Live bytes', 'SRAM bytes', 'SRAM %', 'Fits'];
  out.push(row(head));
  out.push(row(['---:', '---', '---', '---', '---:', '---:', '---:', '---:', '---']));
  for (const l of report.layers) {
    out.push(row([String(l.step), l.name, l.op, l.outputShape, String(l.outputBytes), String(l.liveBytes), String(l.sramBytes), formatPercent(l.sramBytes, report.target.sramBytes), l.fits ? 'yes' : '**no**']));
  }
  out.push('');
  out.push('</details>');
  return `${out.join('\n')}\n`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
