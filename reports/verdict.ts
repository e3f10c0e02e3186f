/**
 * What an analysis comes to, in words: the result line (`fits: sram 63 KiB of 64 KiB (98.4%); ...`),
 * the verdict paragraph (fits or not, where the activations live, the worst layer, the smallest SRAM)
 * and the detail lines. Every renderer uses these, so the table, Markdown and HTML say the same thing.
 * Memories are named as the target names them (`l2`, `psram`, ...).
 */
import type { AnalysisReport, ReportFailure, ReportLayer, ReportPool } from './analysis-model.js';
import { formatBytes, formatPercent } from './units.js';
import { regionUsedBytes, savingsLine } from './summary.js';

/** The shared SRAM pool of the report (the target's name for it). */
export function sramPool(report: AnalysisReport): ReportPool | undefined {
  return report.pools.find((p) => p.name === report.target.sramName);
}

/** The global-memory pool (DRAM, PSRAM, ...); undefined when the plan put nothing there. */
export function dramPool(report: AnalysisReport): ReportPool | undefined {
  const name = report.target.dramName;
  return name === null ? undefined : report.pools.find((p) => p.name === name);
}

/** False when the chip has no global memory for activations (no such memory, or `--dram 0`). */
export function hasDram(report: AnalysisReport): boolean {
  return report.target.dramName !== null && report.target.dramBytes !== 0;
}

/** The failure that is the most bytes over, then the earliest step. */
export function worstFailure(report: AnalysisReport): ReportFailure | undefined {
  return [...report.failures].sort((a, b) => b.neededBytes - b.availableBytes - (a.neededBytes - a.availableBytes) || a.step - b.step)[0];
}

/** The layer that needs the most SRAM (the earliest on ties). */
export function worstLayer(report: AnalysisReport): ReportLayer | undefined {
  let best: ReportLayer | undefined;
  for (const l of report.layers) if (!best || l.sramBytes > best.sramBytes) best = l;
  return best;
}

function used(pool: ReportPool, perCore = false): string {
  const size = pool.sizeBytes === null ? '' : ` of ${formatBytes(pool.sizeBytes)}${perCore ? ' per core' : ''} (${formatPercent(pool.usedBytes, pool.sizeBytes)})`;
  return `${pool.name} ${formatBytes(pool.usedBytes)}${size}`;
}

/** One line that states what happened, for the end of the table and for CI logs. */
export function resultLine(report: AnalysisReport): string {
  const sram = sramPool(report);
  const dram = dramPool(report);
  const parts: string[] = [];
  const worst = worstFailure(report);
  if (report.fits) parts.push(`fits: ${sram ? used(sram) : `${report.target.sramName} unused`}`);
  else if (worst) parts.push(`DOES NOT FIT: ${failureSummary(worst)}${report.failures.length > 1 ? ` (+${report.failures.length - 1} more)` : ''}`);
  for (const p of report.pools) {
    if (p === sram || p === dram) continue;
    parts.push(used(p, true));
  }
  if (!hasDram(report)) parts.push(`no ${report.target.dramName ?? 'DRAM'}: every activation in ${report.target.sramName}`);
  else if (!dram || dram.usedBytes === 0) parts.push(`nothing in ${report.target.dramName}`);
  else parts.push(`${dram.name} ${formatBytes(dram.usedBytes)} of activations${dram.sizeBytes === null ? '' : ` (${formatPercent(dram.usedBytes, dram.sizeBytes)} of ${formatBytes(dram.sizeBytes)})`}`);
  if (report.target.weightsDmaFrom !== undefined) {
    const most = Math.max(0, ...report.layers.map((l) => l.weightTileBytes ?? 0));
    parts.push(`weights ${formatBytes(report.weightBytes)} in ${report.target.weightsDmaFrom}, DMA'd into ${report.target.sramName} tiles (at most ${formatBytes(most)} per layer)`);
  } else parts.push(`weights ${formatBytes(report.weightBytes)} in flash`);
  if (!report.fits && report.minSramBytes !== undefined) parts.push(`smallest ${report.target.sramName} that fits: ${formatBytes(report.minSramBytes)}`);
  return parts.join('; ');
}

/** A failure in a few words: `layer 'x' needs 6.13 KiB of sram, 4 KiB available`. */
export function failureSummary(f: ReportFailure): string {
  const over = `${formatBytes(f.neededBytes)} of ${f.memory}, ${formatBytes(f.availableBytes)} available`;
  return /smallest tile/.test(f.message) ? `layer '${f.layer}' needs ${over} (smallest tile)` : `${f.memory} needs ${formatBytes(f.neededBytes)} of ${formatBytes(f.availableBytes)} (worst layer '${f.layer}')`;
}

const ACTIVATION_KINDS = new Set(['input', 'output', 'activation']);

/**
 * The verdict paragraph: fits or not, where the activations live, the worst layer, the smallest
 * SRAM. One string; callers wrap it.
 */
export function verdictParagraph(report: AnalysisReport): string {
  const s: string[] = [];
  const sramName = report.target.sramName;
  const sram = sramPool(report);
  const dram = dramPool(report);
  if (report.fits) {
    let use = `${sramName} is not used`;
    const used = sram ? regionUsedBytes(sram) : 0;
    const withWeights = sram?.weightBytes !== undefined ? `, ${formatBytes(sram.weightBytes)} of it weights` : '';
    if (sram && sram.sizeBytes === null) use = `${sramName} holds ${formatBytes(used)}${withWeights}`;
    else if (sram) use = `${sramName} is ${formatPercent(used, sram.sizeBytes)} used (${formatBytes(used)} of ${formatBytes(sram.sizeBytes!)}${withWeights})`;
    s.push(`It fits: every buffer has a fixed place, and ${use}.`);
  } else {
    const w = worstFailure(report)!;
    const more = report.failures.length > 1 ? ` (${report.failures.length - 1} more ${report.failures.length === 2 ? 'failure' : 'failures'} in the report)` : '';
    s.push(`It does NOT fit: ${w.message.replace(/^does not fit: /, '')}${more}.`);
  }
  const acts = report.buffers.filter((b) => ACTIVATION_KINDS.has(b.kind));
  const inSram = acts.filter((b) => b.pool === sramName);
  const elsewhere = acts.filter((b) => b.pool !== sramName && b.pool !== undefined);
  if (elsewhere.length === 0) {
    s.push(`All ${acts.length} activation buffers stay resident in ${sramName}${hasDram(report) ? '' : ` (the target has no ${report.target.dramName ?? 'global memory'})`}.`);
  } else {
    const where = dram ? dram.name : (elsewhere[0]!.pool ?? '');
    s.push(
      `${inSram.length} of ${acts.length} activation buffers stay resident in ${sramName}; ${elsewhere.length} live in ${where} (${formatBytes(dram?.usedBytes ?? 0)} planned) and their layers stream tiles through ${sramName} by DMA.`,
    );
  }
  const worst = worstLayer(report);
  if (worst) {
    const pct = formatPercent(worst.sramBytes, report.target.sramBytes);
    s.push(`Worst layer: ${worst.name} (step ${worst.step}, ${worst.op}) needs ${formatBytes(worst.sramBytes)} of ${sramName}${pct === '-' ? '' : ` (${pct})`}.`);
  }
  if (report.minSramBytes !== undefined) s.push(`Smallest ${sramName} that fits: ${formatBytes(report.minSramBytes)} (${report.minSramBytes} bytes)${minSramCyclesNote(report)}.`);
  else s.push(`Smallest ${sramName}: run with --min-sram to find it.`);
  return s.join(' ');
}

/**
 * The work depth-first segments do twice (squeeze-excitation blocks recomputed in a second pass), or
 * undefined when none does.
 */
export function recomputeLine(report: AnalysisReport): string | undefined {
  const segs = report.layers.filter((l) => (l.segment?.recomputeMacs ?? 0) > 0);
  if (segs.length === 0) return undefined;
  const macs = segs.reduce((a, l) => a + l.segment!.recomputeMacs!, 0);
  const halo = report.layers.reduce((a, l) => a + (l.segment?.extraMacs ?? 0), 0);
  return `Recomputed: ${macs} MACs in ${segs.length} segment${segs.length === 1 ? '' : 's'} (second passes over squeeze-excitation blocks, so the tensor the scale multiplies never exists whole)${halo > 0 ? `; halo recompute ${halo} MACs` : ''}`;
}

/**
 * Detail lines under the verdict: peak live activations, weights, cycles and double buffering, the
 * plan. A list, so later figures (graph optimizations, savings) are one more line.
 */
export function detailLines(report: AnalysisReport): string[] {
  const peakLayer = report.peakNode ?? '-';
  const saved = report.layers.reduce((a, l) => a + (l.cyclesSingleBuffered - l.cycles), 0);
  const dbBytes = Math.max(0, ...report.layers.map((l) => l.doubleBufferBytes));
  return [
    `Peak live activations (graph level, no tiling): ${formatBytes(report.peakLiveBytes)} (${report.peakLiveBytes} bytes) at step ${report.peakStep} (${peakLayer})`,
    optimizedPeakLine(report),
    ...(recomputeLine(report) !== undefined ? [recomputeLine(report)!] : []),
    `Weights (read-only): ${formatBytes(report.weightBytes)} (${report.weightBytes} bytes)`,
    `Estimated cycles: ${report.layers.reduce((a, l) => a + l.cycles, 0)}; double buffering ${report.doubleBuffer ? `on (saves ${saved} cycles, costs up to ${dbBytes} bytes of ${report.target.sramName} in one layer)` : 'off'}`,
    `Plan: strategy ${report.strategy}, ${report.optimal ? 'proven optimal' : 'not proven optimal'}`,
  ];
}

/** The graph-level peak after memplan's graph optimizations, with the bytes each kind saved. */
export function optimizedPeakLine(report: AnalysisReport): string {
  return `Optimized peak (fusion, in place, aliases, copy-free Concat, order): ${formatBytes(report.optimizedPeakBytes)} (${report.optimizedPeakBytes} bytes)${savingsLine(report)}`;
}

/** `memplan 0.1.0: memplan model.onnx --sram 64K; model sha256 0123456789abcdef` (empty without provenance). */
export function provenanceLine(report: AnalysisReport): string {
  const p = report.provenance;
  if (!p) return '';
  const target = p.targetFile ? `; target ${p.targetFile.name} sha256 ${p.targetFile.sha256}` : '';
  return `memplan ${p.memplanVersion}: ${p.commandLine}; model ${report.model} sha256 ${p.modelSha256}${target}`;
}

/** "; about N cycles there, M with roomy SRAM (+x%)" when the cycles at the smallest SRAM are known. */
export function minSramCyclesNote(report: Pick<AnalysisReport, 'minSramCycles' | 'roomySramCycles'>): string {
  const at = report.minSramCycles;
  const roomy = report.roomySramCycles;
  if (at === undefined || roomy === undefined) return '';
  const pct = roomy > 0 ? ` (${at >= roomy ? '+' : ''}${(((at - roomy) / roomy) * 100).toFixed(1)}%)` : '';
  return `; estimated ${at} cycles there, ${roomy} with roomy SRAM${pct}`;
}
