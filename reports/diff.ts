/**
 * Differences between two analysis reports, for a pull-request comment:
 * per-pool used bytes, per-layer SRAM, and whether each fits.
 */
import type { AnalysisReport } from './analysis-model.js';
import { formatBytes } from './units.js';

export interface PoolDelta {
  readonly name: string;
  readonly oldUsedBytes: number | null;
  readonly newUsedBytes: number | null;
  readonly oldSizeBytes: number | null;
  readonly newSizeBytes: number | null;
}

export interface LayerDelta {
  readonly name: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly oldSramBytes: number | null;
  readonly newSramBytes: number | null;
  readonly deltaBytes: number;
  readonly oldFits: boolean | null;
  readonly newFits: boolean | null;
}

export interface ReportDiff {
  readonly oldModel: string;
  readonly newModel: string;
  readonly oldFits: boolean;
  readonly newFits: boolean;
  readonly pools: readonly PoolDelta[];
  /** Layers whose SRAM or fit changed, added or removed; largest growth first. */
  readonly layers: readonly LayerDelta[];
}

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
  for (const l of newR.layers) {
    const o = oldLayers.get(l.name);
    if (!o) layers.push({ name: l.name, change: 'added', oldSramBytes: null, newSramBytes: l.sramBytes, deltaBytes: l.sramBytes, oldFits: null, newFits: l.fits });
    else if (o.sramBytes !== l.sramBytes || o.fits !== l.fits) {
      layers.push({ name: l.name, change: 'changed', oldSramBytes: o.sramBytes, newSramBytes: l.sramBytes, deltaBytes: l.sramBytes - o.sramBytes, oldFits: o.fits, newFits: l.fits });
    }
  }
  for (const o of oldR.layers) {
    if (!newLayers.has(o.name)) layers.push({ name: o.name, change: 'removed', oldSramBytes: o.sramBytes, newSramBytes: null, deltaBytes: -o.sramBytes, oldFits: o.fits, newFits: null });
  }
  layers.sort((a, b) => b.deltaBytes - a.deltaBytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { oldModel: oldR.model, newModel: newR.model, oldFits: oldR.fits, newFits: newR.fits, pools, layers };
}

function signed(bytes: number): string {
  return `${bytes >= 0 ? '+' : '-'}${formatBytes(Math.abs(bytes))}`;
}

function of(size: number | null): string {
  return size === null ? '' : ` of ${formatBytes(size)}`;
}

/** Plain lines, one per change: "layer conv_12 grows by 12 KiB; SRAM 231 KiB -> 243 KiB of 256 KiB". */
export function renderDiffText(d: ReportDiff, options: { readonly maxLayers?: number; readonly markdown?: boolean } = {}): string {
  const code = (s: string) => (options.markdown ? `\`${s.replace(/`/g, "'")}\`` : s);
  const bullet = options.markdown ? '- ' : '';
  const out: string[] = [];
  const verdict = d.newFits ? (d.oldFits ? 'still fits' : 'now fits') : d.oldFits ? 'NO LONGER FITS' : 'still does not fit';
  out.push(`${options.markdown ? '### ' : ''}memplan diff: ${code(d.oldModel)} -> ${code(d.newModel)}: ${verdict}`);
  for (const p of d.pools) {
    if (p.oldUsedBytes === null) out.push(`${bullet}${p.name}: new pool, ${formatBytes(p.newUsedBytes ?? 0)}${of(p.newSizeBytes)}`);
    else if (p.newUsedBytes === null) out.push(`${bullet}${p.name}: pool removed (was ${formatBytes(p.oldUsedBytes)}${of(p.oldSizeBytes)})`);
    else {
      const delta = p.newUsedBytes - p.oldUsedBytes;
      out.push(`${bullet}${p.name} ${formatBytes(p.oldUsedBytes)}${of(p.oldSizeBytes)} -> ${formatBytes(p.newUsedBytes)}${of(p.newSizeBytes)} (${delta === 0 ? 'unchanged' : signed(delta)})`);
    }
  }
  const max = options.maxLayers ?? 20;
  for (const l of d.layers.slice(0, max)) {
    const size = d.pools[0]?.newSizeBytes ?? null;
    if (l.change === 'added') out.push(`${bullet}layer ${code(l.name)} added: SRAM ${formatBytes(l.newSramBytes ?? 0)}${of(size)}`);
    else if (l.change === 'removed') out.push(`${bullet}layer ${code(l.name)} removed (was ${formatBytes(l.oldSramBytes ?? 0)})`);
    else {
      const verb = l.deltaBytes > 0 ? `grows by ${formatBytes(l.deltaBytes)}` : l.deltaBytes < 0 ? `shrinks by ${formatBytes(-l.deltaBytes)}` : 'keeps its size';
      const fit = l.oldFits !== l.newFits ? (l.newFits ? ', now fits' : ', NO LONGER FITS') : '';
      out.push(`${bullet}layer ${code(l.name)} ${verb}; SRAM ${formatBytes(l.oldSramBytes ?? 0)} -> ${formatBytes(l.newSramBytes ?? 0)}${of(size)}${fit}`);
    }
  }
  if (d.layers.length > max) out.push(`${bullet}(${d.layers.length - max} more layers changed)`);
  if (d.layers.length === 0) out.push(`${bullet}no layer changed`);
  return `${out.join('\n')}\n`;
}

export function renderDiffJson(d: ReportDiff): string {
  return `${JSON.stringify({ schemaVersion: 1, ...d }, null, 2)}\n`;
}
