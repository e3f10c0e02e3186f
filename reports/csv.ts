import type { AnalysisReport } from './analysis-model.js';

const COLUMNS = ['step', 'layer', 'op', 'output_shape', 'output_bytes', 'live_bytes', 'sram_bytes', 'scratch_bytes', 'fits'] as const;

/** One row per layer with exact bytes (RFC 4180 quoting). */
export function renderCsv(report: AnalysisReport): string {
  const lines = [COLUMNS.join(',')];
  for (const l of report.layers) {
    lines.push(
      [l.step, l.name, l.op, l.outputShape, l.outputBytes, l.liveBytes, l.sramBytes, l.scratchBytes, l.fits ? 'yes' : 'no']
        .map((v) => csvField(String(v)))
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
