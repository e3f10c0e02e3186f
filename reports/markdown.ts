import type { AnalysisReport } from './analysis-model.js';
import { formatBytes, formatPercent } from './units.js';
import { describeHeadroom, describeTarget, describeWeights, planLine, poolRow, POOL_HEADER, savingsLine } from './summary.js';
import { minSramCyclesNote, recomputeLine, resultLine, verdictParagraph } from './verdict.js';

/** Markdown ready to paste into a pull request. */
export function renderMarkdown(report: AnalysisReport): string {
  const out: string[] = [];
  out.push(`## memplan: ${escapeCell(report.model)} ${report.fits ? 'fits' : 'does not fit'}`);
  out.push('');
  out.push(`**${escapeCell(resultLine(report))}**`);
  out.push('');
  out.push(`${describeTarget(report)}; ${planLine(report)}.`);
  out.push('');
  out.push(escapeCell(verdictParagraph(report)));
  out.push('');
  const headroom = describeHeadroom(report.headroom);
  if (headroom !== undefined) out.push(`${escapeCell(headroom)}.`, '');
  const weights = describeWeights(report);
  if (weights !== undefined) out.push(`${escapeCell(weights)}.`, '');
  out.push(row(POOL_HEADER));
  out.push(row(POOL_HEADER.map((_, i) => (i === 0 ? '---' : '---:'))));
  for (const p of report.pools) out.push(row(poolRow(p)));
  out.push('');
  out.push(`Peak live activations: **${formatBytes(report.peakLiveBytes)}** (${report.peakLiveBytes} bytes) at step ${report.peakStep}; weights ${formatBytes(report.weightBytes)}.`);
  out.push('');
  out.push(`Optimized peak: **${formatBytes(report.optimizedPeakBytes)}** (${report.optimizedPeakBytes} bytes)${savingsLine(report)}.`);
  if (report.minSramBytes !== undefined) out.push(`Smallest SRAM that fits: ${formatBytes(report.minSramBytes)} (${report.minSramBytes} bytes)${minSramCyclesNote(report)}.`);
  const recompute = recomputeLine(report);
  if (recompute !== undefined) out.push(`${escapeCell(recompute)}.`);
  for (const f of report.failures) out.push(`\n**${f.code}**: ${escapeCell(f.message)}`);
  for (const p of report.pools) {
    if (p.worst.buffers.length === 0) continue;
    const top = p.worst.buffers.slice(0, 5).map((b) => `\`${escapeCell(b.name)}\` ${b.sizeBytes} B`).join(', ');
    out.push(`\nLive in ${escapeCell(p.name)} at step ${p.worst.step} (\`${escapeCell(p.worst.layer)}\`, ${p.worst.liveBytes} bytes): ${top}${p.worst.buffers.length > 5 ? ', ...' : ''}`);
  }
  out.push('');
  out.push('<details><summary>Per-layer footprint</summary>');
  out.push('');
  // Weights the cores cannot read: a 'Weight tiles' column after Scratch.
  const wt = report.target.weightsDmaFrom !== undefined;
  const head = ['Step', 'Layer', 'Op', 'Output shape', 'Schedule', 'Resident', 'Scratch', ...(wt ? ['Weight tiles'] : []), 'SRAM', 'SRAM %', 'DMA in', 'DMA out', 'Cycles', 'Fits'];
  out.push(row(head));
  out.push(row(['---:', '---', '---', '---', '---', '---:', '---:', ...(wt ? ['---:'] : []), '---:', '---:', '---:', '---:', '---:', '---']));
  for (const l of report.layers) {
    out.push(
      row([
        String(l.step), l.name, l.op, l.outputShape, l.schedule, String(l.residentBytes), String(l.scratchBytes), ...(wt ? [String(l.weightTileBytes ?? 0)] : []), String(l.sramBytes),
        formatPercent(l.sramBytes, report.target.sramBytes), String(l.dmaInBytes), String(l.dmaOutBytes), String(l.cycles), l.fits ? 'yes' : '**no**',
      ]),
    );
  }
  out.push('');
  out.push('</details>');
  const p = report.provenance;
  if (p) {
    out.push('');
    out.push(`<sub>memplan ${escapeCell(p.memplanVersion)}: \`${p.commandLine.replace(/`/g, "'")}\`; model sha256 ${p.modelSha256}${p.targetFile ? `; target ${escapeCell(p.targetFile.name)} sha256 ${p.targetFile.sha256}` : ''}</sub>`);
  }
  return `${out.join('\n')}\n`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
