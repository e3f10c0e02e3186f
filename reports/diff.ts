/**
 * Differences between two analysis reports, for a terminal or a pull-request comment: whether it
 * still fits, the peak live bytes, used bytes per pool, estimated cycles and DMA traffic, then every
 * layer whose SRAM, fit, cycles or DMA bytes changed (the largest SRAM growth first). A truncated
 * layer list always says how many more changed and how to see them.
 */
import type { AnalysisReport, ReportLayer } from './analysis-model.js';
import { formatBytes } from './units.js';
import type { TextColumn } from './text-table.js';
import { renderTextTable } from './text-table.js';

export interface PoolDelta {
  readonly name: string;
  readonly oldUsedBytes: number | null;
  readonly newUsedBytes: number | null;
  readonly oldSizeBytes: number | null;
  readonly newSizeBytes: number | null;
}

/** A whole-model figure before and after. */
export interface TotalDelta {
  readonly old: number;
  readonly new: number;
}

export interface LayerDelta {
  readonly name: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly oldSramBytes: number | null;
  readonly newSramBytes: number | null;
  /** new - old SRAM bytes (an added layer counts from 0, a removed one to 0). */
  readonly deltaBytes: number;
  readonly oldFits: boolean | null;
  readonly newFits: boolean | null;
  readonly oldCycles: number | null;
  readonly newCycles: number | null;
  /** DMA bytes in + out. */
  readonly oldDmaBytes: number | null;
  readonly newDmaBytes: number | null;
}

export interface ReportDiff {
  readonly oldModel: string;
  readonly newModel: string;
  readonly oldFits: boolean;
  readonly newFits: boolean;
  readonly peakLiveBytes: TotalDelta;
  readonly cycles: TotalDelta;
  /** DMA bytes in + out over all layers. */
  readonly dmaBytes: TotalDelta;
  readonly pools: readonly PoolDelta[];
  /** Layers whose SRAM, fit, cycles or DMA bytes changed, added or removed; largest growth first. */
  readonly layers: readonly LayerDelta[];
}

const sum = (layers: readonly ReportLayer[], f: (l: ReportLayer) => number) => layers.reduce((a, l) => a + f(l), 0);
const dma = (l: ReportLayer) => l.dmaInBytes + l.dmaOutBytes;

export function diffReports(oldR: AnalysisReport, newR: AnalysisReport): ReportDiff {
  const poolNames = [...new Set([...oldR.pools.map((p) => p.name), ...newR.pools.map((p) => p.name)])];
  const pools = poolNames.map((name) => {
    const o = oldR.pools.find((p) => p.name === name);
    const n = newR.pools.find((p) => p.name === name);
    return { name, oldUsedBytes: o?.usedBytes ?? null, newUsedBytes: n?.usedBytes ?? null, oldSizeBytes: o?.sizeBytes ?? null, newSizeBytes: n?.sizeBytes ?? null };
  });
  const oldLayers = new Map(oldR.layers.map((l) => [l.name, l]));
  const newLayers = new Map(newR.layers.map((l) => [l.name, l]));
  const layers: LayerDelta[] = [];
  const delta = (o: ReportLayer | undefined, n: ReportLayer | undefined, change: LayerDelta['change']): LayerDelta => ({
    name: (n ?? o)!.name,
    change,
    oldSramBytes: o?.sramBytes ?? null,
    newSramBytes: n?.sramBytes ?? null,
    deltaBytes: (n?.sramBytes ?? 0) - (o?.sramBytes ?? 0),
    oldFits: o?.fits ?? null,
    newFits: n?.fits ?? null,
    oldCycles: o?.cycles ?? null,
    newCycles: n?.cycles ?? null,
    oldDmaBytes: o ? dma(o) : null,
    newDmaBytes: n ? dma(n) : null,
  });
  for (const l of newR.layers) {
    const o = oldLayers.get(l.name);
    if (!o) layers.push(delta(undefined, l, 'added'));
    else if (o.sramBytes !== l.sramBytes || o.fits !== l.fits || o.cycles !== l.cycles || dma(o) !== dma(l)) layers.push(delta(o, l, 'changed'));
  }
  for (const o of oldR.layers) if (!newLayers.has(o.name)) layers.push(delta(o, undefined, 'removed'));
  layers.sort((a, b) => b.deltaBytes - a.deltaBytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    oldModel: oldR.model,
    newModel: newR.model,
    oldFits: oldR.fits,
    newFits: newR.fits,
    peakLiveBytes: { old: oldR.peakLiveBytes, new: newR.peakLiveBytes },
    cycles: { old: sum(oldR.layers, (l) => l.cycles), new: sum(newR.layers, (l) => l.cycles) },
    dmaBytes: { old: sum(oldR.layers, dma), new: sum(newR.layers, dma) },
    pools,
    layers,
  };
}

export interface DiffTextOptions {
  /** Layers listed before the "more changed" note (default 20); Infinity with `--all`. */
  readonly maxLayers?: number;
  /** Markdown for a pull-request comment instead of terminal text. */
  readonly markdown?: boolean;
}

function signedBytes(d: number): string {
  return d === 0 ? 'unchanged' : `${d > 0 ? '+' : '-'}${formatBytes(Math.abs(d))}`;
}

function signedCount(d: number, of: number): string {
  if (d === 0) return 'unchanged';
  const pct = of > 0 ? ` (${d > 0 ? '+' : '-'}${((100 * Math.abs(d)) / of).toFixed(1)}%)` : '';
  return `${d > 0 ? '+' : '-'}${Math.abs(d)}${pct}`;
}

const opt = (v: number | null, f: (x: number) => string) => (v === null ? '-' : f(v));
const ofSize = (size: number | null) => (size === null ? '' : ` of ${formatBytes(size)}`);

/** The diff as terminal text (the analysis table style) or as Markdown ready for a PR comment. */
export function renderDiffText(d: ReportDiff, options: DiffTextOptions = {}): string {
  const md = options.markdown ?? false;
  const verdict = d.newFits ? (d.oldFits ? 'still fits' : 'now fits') : d.oldFits ? 'NO LONGER FITS' : 'still does not fit';
  const code = (s: string) => (md ? `\`${s.replace(/`/g, "'")}\`` : s);
  const out: string[] = [];
  out.push(`${md ? '### ' : ''}memplan diff: ${code(d.oldModel)} -> ${code(d.newModel)}: ${md && !d.newFits ? `**${verdict}**` : verdict}`);
  out.push('');
  const totals: string[][] = [];
  for (const p of d.pools) {
    const size = p.newSizeBytes ?? p.oldSizeBytes;
    totals.push([
      `${p.name} used`,
      p.oldUsedBytes === null ? '(none)' : `${formatBytes(p.oldUsedBytes)}${ofSize(p.oldSizeBytes)}`,
      p.newUsedBytes === null ? '(removed)' : `${formatBytes(p.newUsedBytes)}${ofSize(size)}`,
      p.oldUsedBytes === null || p.newUsedBytes === null ? (p.oldUsedBytes === null ? 'new pool' : 'pool removed') : signedBytes(p.newUsedBytes - p.oldUsedBytes),
    ]);
  }
  totals.push(['peak live activations', formatBytes(d.peakLiveBytes.old), formatBytes(d.peakLiveBytes.new), signedBytes(d.peakLiveBytes.new - d.peakLiveBytes.old)]);
  totals.push(['estimated cycles', String(d.cycles.old), String(d.cycles.new), signedCount(d.cycles.new - d.cycles.old, d.cycles.old)]);
  totals.push(['DMA bytes (in + out)', formatBytes(d.dmaBytes.old), formatBytes(d.dmaBytes.new), signedBytes(d.dmaBytes.new - d.dmaBytes.old)]);
  const totalHead = ['', 'Old', 'New', 'Change'];
  out.push(table(totalHead, ['left', 'right', 'right', 'right'], totals, md));
  out.push('');
  if (d.layers.length === 0) {
    out.push('No layer changed.');
    return `${out.join('\n')}\n`;
  }
  const max = options.maxLayers ?? 20;
  const shown = d.layers.slice(0, max);
  out.push(`${d.layers.length} layer${d.layers.length === 1 ? '' : 's'} changed${shown.length < d.layers.length ? `, the ${shown.length} largest SRAM changes first` : ''}:`);
  out.push('');
  const rows = shown.map((l) => [
    md ? code(l.name) : l.name,
    l.change,
    opt(l.oldSramBytes, formatBytes),
    opt(l.newSramBytes, formatBytes),
    l.change === 'changed' ? signedBytes(l.deltaBytes) : '',
    opt(l.oldCycles, String),
    opt(l.newCycles, String),
    opt(l.oldDmaBytes, formatBytes),
    opt(l.newDmaBytes, formatBytes),
    l.newFits === null ? '-' : l.newFits ? (l.oldFits === false ? 'yes (was NO)' : 'yes') : l.oldFits === true ? 'NO (was yes)' : 'NO',
  ]);
  out.push(
    table(
      ['Layer', 'Change', 'Old SRAM', 'New SRAM', 'SRAM change', 'Old cycles', 'New cycles', 'Old DMA', 'New DMA', 'Fits'],
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
      rows,
      md,
    ),
  );
  if (shown.length < d.layers.length) {
    out.push('');
    const more = d.layers.length - shown.length;
    out.push(`(${more} more layer${more === 1 ? '' : 's'} changed; memplan diff --all lists every one)`);
  }
  return `${out.join('\n')}\n`;
}

function table(head: readonly string[], align: readonly ('left' | 'right')[], rows: readonly (readonly string[])[], md: boolean): string {
  if (!md) return renderTextTable(head.map((h, i): TextColumn => ({ head: h, align: align[i]! })), rows);
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(head), line(align.map((a) => (a === 'right' ? '---:' : '---'))), ...rows.map(line)].join('\n');
}

export function renderDiffJson(d: ReportDiff): string {
  return `${JSON.stringify({ schemaVersion: 1, ...d }, null, 2)}\n`;
}
