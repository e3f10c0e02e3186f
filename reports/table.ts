/**
 * The terminal report. By default it is short and fits the terminal, as GNU ld's
 * `--print-memory-usage` and Vela's summary are: the memory regions, a verdict paragraph, a compact
 * per-layer table that leaves out the less important columns when the width is small, and the result
 * line. `verbose` shows every column with a legend of the schedule notation, the detail lines and
 * what is live at each pool's worst step; `show: 'buffers'` lists every buffer's memory, offset,
 * size, lifetime and kind (Vela's `--verbose-allocation`). Returns text; never prints.
 */
import type { AnalysisReport, ReportLayer } from './analysis-model.js';
import { formatBytes, formatPercent } from './units.js';
import { describeHeadroom, describeTarget, describeWeights, poolRow, POOL_HEADER } from './summary.js';
import type { TextColumn } from './text-table.js';
import { fitTextTable, renderTextTable, wrapText } from './text-table.js';
import { detailLines, optimizedPeakLine, provenanceLine, recomputeLine, resultLine, verdictParagraph } from './verdict.js';

export interface TableOptions {
  /** Terminal width in characters (the default table fits it); default 120. */
  readonly widthChars?: number;
  /** Every column, the legend, the detail lines and the live buffers at each worst step. */
  readonly verbose?: boolean;
  /** `layers` (default): the per-layer table; `buffers`: every buffer's placement; `all`: both. */
  readonly show?: 'layers' | 'buffers' | 'all';
  /** Rows of each worst-step table in verbose mode (default 10). */
  readonly maxLiveRows?: number;
}

/** The narrowest width the table is laid out for; narrower terminals get this. */
const MIN_WIDTH = 60;

export function renderTable(report: AnalysisReport, options: TableOptions = {}): string {
  const width = Math.max(MIN_WIDTH, options.widthChars ?? 120);
  const verbose = options.verbose ?? false;
  const show = options.show ?? 'layers';
  const out: string[] = [];
  out.push(...wrapText(`${report.model}: ${describeTarget(report)}`, width, ''));
  const headroom = describeHeadroom(report.headroom);
  if (headroom !== undefined) out.push(...wrapText(headroom, width, ''));
  const weights = describeWeights(report);
  if (weights !== undefined) out.push(...wrapText(weights, width, ''));
  const prov = provenanceLine(report);
  if (prov) out.push(...wrapText(prov, width, ''));
  out.push('');
  out.push(regionTable(report));
  out.push('');
  out.push(...wrapText(verdictParagraph(report), width));
  if (verbose) {
    out.push('');
    out.push(...detailLines(report).flatMap((l) => wrapText(l, width)));
  } else {
    out.push(...wrapText(optimizedPeakLine(report), width));
    const recompute = recomputeLine(report);
    if (recompute !== undefined) out.push(...wrapText(recompute, width));
  }
  if (show !== 'buffers') {
    out.push('');
    if (verbose) {
      out.push(renderTextTable(withWeightColumn(report, VERBOSE_COLUMNS, 10), report.layers.map((l) => withWeightCell(report, verboseRow(report, l), l, 10))));
      out.push('');
      out.push(...legend(report, width));
    } else {
      const t = fitTextTable(withWeightColumn(report, COMPACT_COLUMNS, 6), report.layers.map((l) => withWeightCell(report, compactRow(report, l), l, 6)), width);
      out.push(t.text);
      const notes: string[] = [];
      if (t.hidden.length > 0) notes.push(`columns left out at ${width} characters: ${t.hidden.join(', ')}`);
      if (t.cut) notes.push('long names cut in the middle (\u2026)');
      notes.push('--verbose shows every column with a legend, --show buffers every buffer, --format csv exact bytes');
      out.push(...wrapText(`(${notes.join('; ')})`, width));
    }
  }
  if (show !== 'layers') {
    out.push('');
    out.push(bufferTable(report));
  }
  if (verbose) out.push(...liveAtWorst(report, options.maxLiveRows ?? 10));
  out.push('');
  out.push(...wrapText(resultLine(report), width, '  '));
  return `${out.join('\n')}\n`;
}

/** The ld-style memory-region summary. */
export function regionTable(report: AnalysisReport): string {
  const cols: TextColumn[] = POOL_HEADER.map((head, i) => ({ head, align: i === 0 ? 'left' : 'right' }));
  return renderTextTable(cols, report.pools.map((p) => poolRow(p)));
}

const COMPACT_COLUMNS: readonly TextColumn[] = [
  { head: 'Step', align: 'right' },
  { head: 'Layer', minWidth: 12, softMinWidth: 24 },
  { head: 'Op', priority: 3 },
  { head: 'Schedule', priority: 5 },
  { head: 'Resident', align: 'right', priority: 6 },
  { head: 'Scratch', align: 'right', priority: 6 },
  { head: 'SRAM', align: 'right' },
  { head: 'SRAM %', align: 'right', priority: 2 },
  { head: 'DMA in', align: 'right', priority: 4 },
  { head: 'DMA out', align: 'right', priority: 4 },
  { head: 'Cycles', align: 'right', priority: 7 },
  { head: 'Fits' },
];

/** With weights DMA'd into SRAM tiles (target.weightsDmaFrom), a 'Wt tiles' column after Scratch. */
function withWeightColumn(report: AnalysisReport, columns: readonly TextColumn[], at: number): readonly TextColumn[] {
  if (report.target.weightsDmaFrom === undefined) return columns;
  return [...columns.slice(0, at), { head: 'Wt tiles', align: 'right', priority: 5 }, ...columns.slice(at)];
}

function withWeightCell(report: AnalysisReport, row: string[], l: ReportLayer, at: number): string[] {
  if (report.target.weightsDmaFrom === undefined) return row;
  return [...row.slice(0, at), formatBytes(l.weightTileBytes ?? 0), ...row.slice(at)];
}

function compactRow(report: AnalysisReport, l: ReportLayer): string[] {
  return [
    String(l.step), l.name, l.op, l.schedule, formatBytes(l.residentBytes), formatBytes(l.scratchBytes), formatBytes(l.sramBytes),
    formatPercent(l.sramBytes, report.target.sramBytes), formatBytes(l.dmaInBytes), formatBytes(l.dmaOutBytes), String(l.cycles), l.fits ? 'yes' : 'NO',
  ];
}

const VERBOSE_COLUMNS: readonly TextColumn[] = [
  { head: 'Step', align: 'right' }, { head: 'Layer' }, { head: 'Op' }, { head: 'Output shape' }, { head: 'Schedule' },
  { head: 'Cores', align: 'right' }, { head: 'Output', align: 'right' }, { head: 'Live', align: 'right' },
  { head: 'Resident', align: 'right' }, { head: 'Scratch', align: 'right' }, { head: 'Dbl buf', align: 'right' },
  { head: 'Local', align: 'right' }, { head: 'SRAM', align: 'right' }, { head: 'SRAM %', align: 'right' },
  { head: 'DMA in', align: 'right' }, { head: 'DMA out', align: 'right' }, { head: 'Cycles', align: 'right' },
  { head: 'Cycles 1-buf', align: 'right' }, { head: 'Fits' },
];

function verboseRow(report: AnalysisReport, l: ReportLayer): string[] {
  return [
    String(l.step), l.name, l.op, l.outputShape, l.schedule, String(l.cores), formatBytes(l.outputBytes), formatBytes(l.liveBytes),
    formatBytes(l.residentBytes), formatBytes(l.scratchBytes), formatBytes(l.doubleBufferBytes), formatBytes(l.localBytes),
    formatBytes(l.sramBytes), formatPercent(l.sramBytes, report.target.sramBytes), formatBytes(l.dmaInBytes), formatBytes(l.dmaOutBytes),
    String(l.cycles), String(l.cyclesSingleBuffered), l.fits ? 'yes' : 'NO',
  ];
}

/** What each verbose column and the schedule notation mean, in the target's memory names. */
export function legend(report: AnalysisReport, width: number): string[] {
  const sram = report.target.sramName;
  const dram = report.target.dramName ?? 'global memory';
  const entries: [string, string][] = [
    ['Schedule', `TEMPLATE [dN:S/E ...] [xT] [db]. TEMPLATE is how the layer is lowered: conv, conv-depthwise, conv-grouped, pool, gemm, elementwise, softmax, concat, copy, view (no code: the output is the input's memory) or whole (one tile). dN:S/E: output dimension N (NCHW: 0 batch, 1 channels, 2 height, 3 width) is cut into tiles of S of its E elements (several dN: cut along each). xT: T tiles in all, shared among the layer's Cores. db: the tiles' DMA is double-buffered (the next tile loads while this one computes). No dN: the layer runs as one whole tile, its tensors resident in ${sram}.`],
    ['Example', 'conv-depthwise d2:8/24 d1:2/48 x72 db = a depthwise convolution computed 8 of 24 output rows by 2 of 48 channels at a time, 72 tiles, double-buffered.'],
    ['Output', 'bytes of the layer\u2019s outputs; Live: activation bytes live at this step (the graph-level liveness convention).'],
    ['Resident', `activation bytes that stay in ${sram} during this step (the others live in ${dram} and stream by DMA).`],
    ['Scratch', `the layer\u2019s own buffers in ${sram}: tiles, per-core copies and double buffers. Scratch INCLUDES the double-buffer bytes; Dbl buf shows them alone (what --no-double-buffer would save).`],
    ['SRAM', `Resident + Scratch: what this step needs in ${sram}; SRAM %: share of ${sram}'s size. Local: per-core local memory, per core.`],
    ['DMA in/out', `bytes copied from ${dram} into ${sram} tiles and back${report.target.weightsDmaFrom !== undefined ? ', weight tiles included' : ''}.`],
    ...(report.target.weightsDmaFrom !== undefined
      ? ([['Wt tiles', `the cores cannot read ${report.target.weightsDmaFrom}, where the weights live: bytes of the layer\u2019s weight tiles DMA'd into ${sram} (included in Scratch, double buffers included).`]] as [string, string][])
      : []),
    ['Cycles', 'estimated cycles of the schedule (compute and DMA overlap when double-buffered); Cycles 1-buf: the same tiles without double buffering.'],
  ];
  const out = ['Legend:'];
  for (const [term, text] of entries) {
    const lines = wrapText(text, width - 14);
    lines.forEach((l, i) => out.push(`  ${(i === 0 ? term : '').padEnd(12)}${l}`));
  }
  return out;
}

const BUFFER_COLUMNS: readonly TextColumn[] = [
  { head: 'Memory' }, { head: 'Offset', align: 'right' }, { head: 'End', align: 'right' }, { head: 'Size', align: 'right' },
  { head: 'Live steps', align: 'right' }, { head: 'Kind' }, { head: 'Buffer' },
];

/**
 * Every buffer's placement (Vela's `--verbose-allocation`): memory, offset, end (exclusive), size in
 * exact bytes, the steps it is live (inclusive) and its kind; by memory, then offset, then name.
 */
export function bufferTable(report: AnalysisReport): string {
  const poolIndex = new Map(report.pools.map((p, i) => [p.name, i]));
  const rows = [...report.buffers]
    .sort(
      (a, b) =>
        (poolIndex.get(a.pool ?? '') ?? Infinity) - (poolIndex.get(b.pool ?? '') ?? Infinity) ||
        (a.offset ?? 0) - (b.offset ?? 0) ||
        a.startSlot - b.startSlot ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    )
    .map((b) => [
      b.pool ?? '(unplaced)',
      b.offset === undefined ? '-' : String(b.offset),
      b.offset === undefined ? '-' : String(b.offset + b.sizeBytes),
      String(b.sizeBytes),
      b.startStep === b.endStep ? String(b.startStep) : `${b.startStep}..${b.endStep}`,
      b.kind,
      // An output written over the dead part of its input sits at a fixed distance from it, overlapping it.
      b.overlay ? `${b.name} (over ${b.overlay.buffer} at ${b.overlay.offsetBytes >= 0 ? '+' : ''}${b.overlay.offsetBytes})` : b.name,
    ]);
  return `Buffers (${report.buffers.length}; offsets and sizes in bytes):\n${renderTextTable(BUFFER_COLUMNS, rows)}`;
}

function liveAtWorst(report: AnalysisReport, maxRows: number): string[] {
  const out: string[] = [];
  for (const p of report.pools) {
    if (p.worst.buffers.length === 0) continue;
    out.push('');
    out.push(`Live in ${p.name} at its worst step ${p.worst.step} (${p.worst.layer}), ${p.worst.liveBytes} bytes, largest first:`);
    const rows = p.worst.buffers.slice(0, maxRows).map((b) => [b.name, b.kind, String(b.sizeBytes)]);
    out.push(renderTextTable([{ head: 'Buffer' }, { head: 'Kind' }, { head: 'Bytes', align: 'right' }], rows));
    if (p.worst.buffers.length > maxRows) out.push(`(${p.worst.buffers.length - maxRows} more buffers live there; --show buffers lists every buffer)`);
  }
  return out;
}
