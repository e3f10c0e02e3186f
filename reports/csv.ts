import type { AnalysisReport } from './analysis-model.js';

const COLUMNS = [
  'step', 'layer', 'op', 'output_shape', 'schedule', 'cores', 'output_bytes', 'live_bytes', 'resident_bytes', 'scratch_bytes',
  'double_buffer_bytes', 'local_bytes', 'sram_bytes', 'dma_in_bytes', 'dma_out_bytes', 'cycles', 'cycles_single_buffered', 'fits',
] as const;

/** One row per layer with exact bytes (RFC 4180 quoting). */
export function renderCsv(report: AnalysisReport): string {
  // Weights the cores cannot read (target.weightsDmaFrom): weight_tile_bytes after scratch_bytes.
  const wt = report.target.weightsDmaFrom !== undefined;
  const head: string[] = [...COLUMNS];
  if (wt) head.splice(10, 0, 'weight_tile_bytes');
  const lines = [head.join(',')];
  for (const l of report.layers) {
    lines.push(
      [
        l.step, l.name, l.op, l.outputShape, l.schedule, l.cores, l.outputBytes, l.liveBytes, l.residentBytes, l.scratchBytes,
        ...(wt ? [l.weightTileBytes ?? 0] : []), l.doubleBufferBytes, l.localBytes, l.sramBytes, l.dmaInBytes, l.dmaOutBytes, l.cycles, l.cyclesSingleBuffered, l.fits ? 'yes' : 'no',
      ]
        .map((v) => csvField(String(v)))
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
