/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, nothing loaded from the
 * network) with the summary, the failures, a memory map per pool, the per-layer SRAM chart, the
 * per-layer table and the buffers live at each pool's worst step. Pure: report in, HTML text out.
 */
import type { AnalysisReport, ReportPool } from './analysis-model.js';
import { escapeXml as esc } from './escape.js';
import { describeHeadroom, describeTarget, describeWeights, overhead, planLine, regionUsedBytes } from './summary.js';
import { renderSvgBarChart } from './svg-bar-chart.js';
import { renderSvgMemoryMap } from './svg-memory-map.js';
import { formatBytes, formatPercent } from './units.js';
import { minSramCyclesNote, recomputeLine, resultLine, verdictParagraph } from './verdict.js';

export function renderHtml(report: AnalysisReport): string {
  const verdict = report.fits ? 'fits' : 'does not fit';
  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push('<html lang="en">');
  out.push('<head>');
  out.push('<meta charset="utf-8">');
  // Nothing may be loaded or run: the page is self-contained, and a browser reports any attempt.
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`);
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${esc(`memplan: ${report.model} ${verdict}`)}</title>`);
  out.push(`<style>\n${CSS}</style>`);
  out.push('</head>');
  out.push('<body>');
  out.push(`<h1>memplan: ${esc(report.model)} <span class="verdict ${report.fits ? 'ok' : 'bad'}">${verdict}</span></h1>`);
  out.push(summary(report));
  if (report.failures.length > 0) out.push(failures(report));
  out.push('<h2 id="memory-maps">Memory maps</h2>');
  out.push('<p class="note">One rectangle per buffer: x is its lifetime on the schedule\u2019s timeline (ticks at layer steps), y its offset in the pool (0 at the bottom). Hover a rectangle for its name, kind, size, lifetime and offset. The shaded, dashed column is the pool\u2019s worst step; a red tint marks addresses past the capacity.</p>');
  for (const pool of report.pools) {
    out.push(`<section class="pool"><h3>${esc(pool.name)}</h3>`);
    out.push(`<div class="chart">${renderSvgMemoryMap(report, pool.name, { inline: true })}</div></section>`);
  }
  out.push('<h2 id="sram-per-layer">SRAM per layer</h2>');
  out.push(`<div class="chart">${renderSvgBarChart(report, { inline: true })}</div>`);
  out.push(layerTable(report));
  out.push(worstSteps(report));
  out.push(unplaced(report));
  out.push('<footer>Written by memplan. Sizes in KiB are 1024 bytes; exact bytes in the tables and on hover.</footer>');
  out.push('</body>');
  out.push('</html>');
  return `${out.filter((s) => s !== '').join('\n')}\n`;
}

function summary(report: AnalysisReport): string {
  const out: string[] = ['<h2 id="summary">Summary</h2>', `<p class="result">${esc(resultLine(report))}</p>`, `<p>${esc(verdictParagraph(report))}</p>`, '<dl class="facts">'];
  const fact = (term: string, value: string) => out.push(`<dt>${esc(term)}</dt><dd>${value}</dd>`);
  fact('Model', esc(report.model));
  const p = report.provenance;
  if (p) {
    fact('Model SHA-256', `<code>${esc(p.modelSha256)}</code>`);
    if (p.targetFile) fact('Target file', `${esc(p.targetFile.name)}, SHA-256 <code>${esc(p.targetFile.sha256)}</code>`);
    fact('memplan', esc(p.memplanVersion));
    fact('Command line', `<code>${esc(p.commandLine)}</code>`);
  }
  fact('Target', esc(describeTarget(report)));
  const headroom = describeHeadroom(report.headroom);
  if (headroom !== undefined) fact('Headroom', esc(headroom));
  const resident = describeWeights(report);
  if (resident !== undefined) fact('Weights resident', esc(resident));
  fact('Plan', esc(`${planLine(report)}; double buffering ${report.doubleBuffer ? 'on' : 'off'}`));
  fact('Fits', report.fits ? 'yes' : '<strong class="bad">no</strong>');
  fact('Peak live activations', esc(`${bytes(report.peakLiveBytes)} at step ${report.peakStep}${layerName(report, report.peakStep)}`));
  fact('Optimized peak', esc(`${bytes(report.optimizedPeakBytes)} (graph optimizations ${report.graphOptimizations.enabled ? 'on' : 'off'})`));
  fact('Weights', esc(bytes(report.weightBytes)));
  if (report.minSramBytes !== undefined) fact('Smallest SRAM that fits', esc(`${bytes(report.minSramBytes)}${minSramCyclesNote(report)}`));
  const recompute = recomputeLine(report);
  if (recompute !== undefined) fact('Recomputed', esc(recompute.replace(/^Recomputed: /, '')));
  out.push('</dl>');
  out.push('<table class="pools"><thead><tr><th>Memory region</th><th>Used</th><th>Size</th><th>% used</th><th></th><th>Lower bound</th><th>Overhead</th></tr></thead><tbody>');
  for (const p of report.pools) out.push(poolRow(p));
  out.push('</tbody></table>');
  return out.join('\n');
}

function poolRow(p: ReportPool): string {
  const used = regionUsedBytes(p);
  const share = p.sizeBytes === null || p.sizeBytes <= 0 ? null : used / p.sizeBytes;
  const meter = share === null ? '' : `<span class="meter${share > 1 ? ' over' : ''}"><span style="width:${Math.min(100, Math.round(share * 1000) / 10)}%"></span></span>`;
  const cells = [
    `<th scope="row">${esc(p.name)}</th>`,
    num(used, formatBytes(used)),
    p.sizeBytes === null ? '<td class="n">unbounded</td>' : num(p.sizeBytes, formatBytes(p.sizeBytes)),
    `<td class="n${share !== null && share > 1 ? ' bad' : ''}">${esc(formatPercent(used, p.sizeBytes))}</td>`,
    `<td>${meter}</td>`,
    num(p.lowerBoundBytes + (p.weightBytes ?? 0), formatBytes(p.lowerBoundBytes + (p.weightBytes ?? 0))),
    `<td class="n">${esc(overhead(p))}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

function failures(report: AnalysisReport): string {
  const out = ['<h2 id="failures">Does not fit</h2>', '<ul class="failures">'];
  for (const f of report.failures) {
    const short = f.neededBytes - f.availableBytes;
    const detail = `memory ${f.memory}, step ${f.step} (layer ${f.layer}): needs ${f.neededBytes} bytes, ${f.availableBytes} available${short > 0 ? `, ${short} bytes short` : ''}`;
    out.push(`<li><strong>${esc(f.code)}</strong> ${esc(f.message)}<br><span class="note">${esc(detail)}</span></li>`);
  }
  out.push('</ul>');
  return out.join('\n');
}

/**
 * The columns that answer "does it fit" come first (name, op, schedule, SRAM, fits), the detail
 * after; exact bytes everywhere. The table is as wide as the window and scrolls sideways when a
 * model's names are longer still, so no column is ever clipped.
 */
const LAYER_HEAD = ['Step', 'Layer', 'Op', 'Schedule', 'SRAM bytes', 'SRAM %', 'Fits', 'Output shape', 'Output bytes', 'Live bytes', 'Resident bytes', 'Scratch bytes', 'Double-buffer bytes', 'Local bytes', 'DMA in bytes', 'DMA out bytes', 'Cycles', 'Cores'];

function layerTable(report: AnalysisReport): string {
  const out = [
    '<h2 id="layers">Per-layer footprint</h2>',
    '<p class="note">Schedule: TEMPLATE dN:S/E ... xT db = output dimension N (NCHW) cut into tiles of S of its E elements, T tiles, double-buffered DMA. Scratch bytes include the double-buffer bytes.</p>',
    '<div class="wide"><table class="layers">',
  ];
  // Weights the cores cannot read: a 'Weight tile bytes' column after 'Scratch bytes'.
  const wt = report.target.weightsDmaFrom !== undefined;
  const head = wt ? [...LAYER_HEAD.slice(0, 12), 'Weight tile bytes', ...LAYER_HEAD.slice(12)] : LAYER_HEAD;
  out.push(`<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>`);
  for (const l of report.layers) {
    const cells = [
      `<td class="n">${l.step}</td>`,
      `<td class="name">${nameCell(l.name)}</td>`,
      `<td>${esc(l.op)}</td>`,
      `<td class="sched">${esc(l.schedule)}</td>`,
      `<td class="n">${l.sramBytes}</td>`,
      `<td class="n">${esc(formatPercent(l.sramBytes, report.target.sramBytes))}</td>`,
      `<td>${l.fits ? 'yes' : '<strong>no</strong>'}</td>`,
      `<td>${esc(l.outputShape)}</td>`,
      ...[l.outputBytes, l.liveBytes, l.residentBytes, l.scratchBytes, ...(wt ? [l.weightTileBytes ?? 0] : []), l.doubleBufferBytes, l.localBytes, l.dmaInBytes, l.dmaOutBytes, l.cycles, l.cores].map(
        (b) => `<td class="n">${b}</td>`,
      ),
    ];
    out.push(`<tr${l.fits ? '' : ' class="fail"'}>${cells.join('')}</tr>`);
  }
  out.push('</tbody></table></div>');
  return out.join('\n');
}

function worstSteps(report: AnalysisReport): string {
  const out = ['<h2 id="worst-steps">What is live at the worst step</h2>', '<p class="note">Largest first: what to shrink to make it fit.</p>'];
  for (const p of report.pools) {
    const w = p.worst;
    out.push(`<h3>${esc(`${p.name}: step ${w.step} (layer ${w.layer}), ${bytes(w.liveBytes)} live${p.sizeBytes === null ? '' : ` of ${formatBytes(p.sizeBytes)}`}`)}</h3>`);
    if (w.buffers.length === 0) {
      out.push('<p class="note">Nothing is live in this pool.</p>');
      continue;
    }
    out.push('<table class="live"><thead><tr><th>Buffer</th><th>Kind</th><th>Bytes</th><th>Size</th><th>Share of live</th></tr></thead><tbody>');
    for (const b of w.buffers) {
      out.push(`<tr><td class="name">${nameCell(b.name)}</td><td>${esc(b.kind)}</td><td class="n">${b.sizeBytes}</td><td class="n">${esc(formatBytes(b.sizeBytes))}</td><td class="n">${esc(formatPercent(b.sizeBytes, w.liveBytes))}</td></tr>`);
    }
    out.push('</tbody></table>');
  }
  if (report.liveAtPeak.length > 0) {
    out.push(`<h3>${esc(`Activations live at the liveness peak: step ${report.peakStep}${layerName(report, report.peakStep)}, ${bytes(report.peakLiveBytes)}`)}</h3>`);
    out.push('<table class="live"><thead><tr><th>Tensor buffer</th><th>Bytes</th><th>Size</th><th>Live steps</th></tr></thead><tbody>');
    for (const b of report.liveAtPeak) {
      out.push(`<tr><td class="name">${nameCell(b.name)}</td><td class="n">${b.sizeBytes}</td><td class="n">${esc(formatBytes(b.sizeBytes))}</td><td class="n">${b.startStep}\u2013${b.endStep}</td></tr>`);
    }
    out.push('</tbody></table>');
  }
  return out.join('\n');
}

function unplaced(report: AnalysisReport): string {
  const missing = report.buffers.filter((b) => b.pool === undefined || b.offset === undefined);
  if (missing.length === 0) return '';
  const out = [`<h2 id="unplaced">Unplaced buffers (${missing.length})</h2>`, '<table class="live"><thead><tr><th>Buffer</th><th>Kind</th><th>Bytes</th><th>Live steps</th></tr></thead><tbody>'];
  for (const b of missing) out.push(`<tr><td class="name">${nameCell(b.name)}</td><td>${esc(b.kind)}</td><td class="n">${b.sizeBytes}</td><td class="n">${b.startStep}\u2013${b.endStep}</td></tr>`);
  out.push('</tbody></table>');
  return out.join('\n');
}

/** A name, escaped, with a break opportunity after every slash. */
function nameCell(name: string): string {
  return esc(name).replace(/\//g, '/<wbr>');
}

function bytes(n: number): string {
  return n < 1024 ? `${n} bytes` : `${formatBytes(n)} (${n} bytes)`;
}

function num(n: number, human: string): string {
  return `<td class="n" title="${n} bytes">${esc(human)}</td>`;
}

function layerName(report: AnalysisReport, step: number): string {
  // The baseline's peak step counts model nodes; with graph optimizations the layers are fewer.
  if (step === report.peakStep && report.peakNode) return ` (${report.peakNode})`;
  const l = report.layers[step];
  return l ? ` (${l.name})` : '';
}

const CSS = `:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1f; background: #fff; margin: 24px auto; padding: 0 16px; max-width: 1240px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.verdict { font-size: 14px; padding: 2px 10px; border-radius: 10px; vertical-align: middle; }
.bad { color: #c62828; }
.verdict.ok { background: #2e7d32; color: #fff; }
.verdict.bad { background: #c62828; color: #fff; }
.note { color: #555; font-size: 13px; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0 0 12px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name, td.sched { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
td.name { min-width: 14em; max-width: 36em; overflow-wrap: anywhere; }
/* Long ONNX names break after their slashes first (<wbr>). */
td.sched { min-width: 12em; }
tr.fail td { background: #fdecea; }
.meter { display: inline-block; width: 120px; height: 10px; background: #e8eef5; border-radius: 5px; overflow: hidden; vertical-align: middle; }
.meter > span { display: block; height: 100%; background: #4e79a7; }
.meter.over > span { background: #c62828; }
ul.failures li { margin-bottom: 6px; }
.chart { overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; display: block; }
/* The per-layer table may use the whole window (not only the text column) and scrolls sideways, with
   a visible scroll bar, when it is wider still. */
.wide { overflow: auto; max-height: 80vh; width: calc(100vw - 48px); position: relative; left: 50%; transform: translateX(-50%); scrollbar-width: auto; }
table.layers { font-size: 12px; }
.layers th, .layers td { padding: 3px 5px; }
.layers th { white-space: normal; min-width: 3em; }
.result { font-weight: 600; }
footer { margin-top: 32px; color: #777; font-size: 12px; }
`;
