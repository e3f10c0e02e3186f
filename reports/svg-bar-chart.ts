/**
 * SVG bar chart of the SRAM each layer needs: resident activations, tiles and per-core scratch, and
 * double buffers stacked, against the SRAM capacity; layers that do not fit are highlighted.
 * Pure: report in, SVG text out.
 */
import type { AnalysisReport, ReportLayer } from './analysis-model.js';
import { escapeXml, px } from './escape.js';
import type { SvgOptions } from './svg-memory-map.js';
import { byteAxis, CAPACITY_COLOUR, FRAME, kindColour, legend, limitLine, PLOT_WIDTH, stepAxis, svgOpen } from './svg-memory-map.js';
import { formatBytes, formatPercent } from './units.js';

const FAIL_COLOUR = '#d62728';

/** The stacked segments of a bar, bottom to top: what `sramBytes` is made of (resident + scratch). */
const SEGMENTS = [
  { label: 'resident activations', colour: kindColour('activation') },
  { label: 'tiles and scratch', colour: kindColour('tile') },
  { label: 'double buffers', colour: kindColour('double-buffer') },
] as const;

/** Bytes of each segment of a layer's bar, in SEGMENTS order. */
export function barSegmentBytes(layer: ReportLayer): [number, number, number] {
  const doubleBuffers = Math.min(layer.doubleBufferBytes, layer.scratchBytes);
  return [layer.residentBytes, layer.scratchBytes - doubleBuffers, doubleBuffers];
}

export function renderSvgBarChart(report: AnalysisReport, options?: SvgOptions): string {
  const layers = report.layers;
  const capacity = report.target.sramBytes;
  const topBytes = layers.reduce((m, l) => Math.max(m, l.sramBytes, l.residentBytes + l.scratchBytes), Math.max(1, capacity ?? 0));
  const slotWidth = PLOT_WIDTH / Math.max(1, layers.length);
  const gap = slotWidth >= 6 ? slotWidth * 0.15 : 0;
  const xOfStep = (s: number) => FRAME.left + s * slotWidth;
  const bottom = FRAME.top + FRAME.plotHeight;
  const scale = FRAME.plotHeight / topBytes;
  const failing = layers.filter((l) => !l.fits).length;

  const out: string[] = [svgOpen(options, 'bar-chart', 'SRAM use per layer')];
  const sramName = report.target.sramName;
  const cap = capacity === null ? `${sramName} (unbounded)` : `${sramName} ${formatBytes(capacity)}`;
  const fails = failing === 0 ? 'every layer fits' : `${failing} layer${failing === 1 ? '' : 's'} do${failing === 1 ? 'es' : ''} not fit`;
  out.push(`<text x="${FRAME.left}" y="20" font-size="14" font-weight="600">${escapeXml(`SRAM per layer against ${cap}: ${fails}`)}</text>`);
  out.push(legend([
    ...SEGMENTS.map((s) => ({ label: s.label, colour: s.colour })),
    ...(capacity !== null ? [{ label: 'capacity', colour: CAPACITY_COLOUR, dashed: true }] : []),
    ...(failing > 0 ? [{ label: 'does not fit', colour: '#fbd5d5' }] : []),
  ], FRAME.left, 42));
  out.push(stepAxis(layers.length, xOfStep, 'layer step'));
  out.push(byteAxis(topBytes, 'SRAM bytes'));

  out.push('<g class="bars">');
  for (const l of layers) {
    const x = xOfStep(l.step);
    const parts: string[] = [];
    if (!l.fits) parts.push(`<rect class="fail" x="${px(x)}" y="${FRAME.top}" width="${px(Math.max(0.5, slotWidth))}" height="${FRAME.plotHeight}" fill="#fbd5d5"/>`);
    let stacked = 0;
    barSegmentBytes(l).forEach((bytes, i) => {
      if (bytes <= 0) return;
      const y0 = bottom - stacked * scale;
      const y1 = bottom - (stacked + bytes) * scale;
      const stroke = l.fits ? '' : ` stroke="${FAIL_COLOUR}" stroke-width="1"`;
      parts.push(`<rect x="${px(x + gap / 2)}" y="${px(y1)}" width="${px(Math.max(0.5, slotWidth - gap))}" height="${px(Math.max(0.5, y0 - y1))}" fill="${SEGMENTS[i]!.colour}"${stroke}/>`);
      stacked += bytes;
    });
    // A transparent column makes the whole height of a thin bar hoverable.
    parts.push(`<rect x="${px(x)}" y="${FRAME.top}" width="${px(Math.max(0.5, slotWidth))}" height="${FRAME.plotHeight}" fill="#ffffff" fill-opacity="0"/>`);
    out.push(`<g class="layer${l.fits ? '' : ' fail'}"><title>${escapeXml(describeLayer(l, capacity))}</title>${parts.join('')}</g>`);
  }
  out.push('</g>');
  if (layers.length === 0) out.push(`<text x="${px(FRAME.left + PLOT_WIDTH / 2)}" y="${px(FRAME.top + FRAME.plotHeight / 2)}" text-anchor="middle" fill="#666">no layers</text>`);
  if (capacity !== null) out.push(limitLine(bottom - capacity * scale, CAPACITY_COLOUR, '6 4', `capacity ${formatBytes(capacity)}`, 'end'));
  out.push(`<rect x="${FRAME.left}" y="${FRAME.top}" width="${PLOT_WIDTH}" height="${FRAME.plotHeight}" fill="none" stroke="#888888"/>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The hover text of a layer's bar. */
export function describeLayer(l: ReportLayer, capacity: number | null): string {
  const share = capacity === null ? '' : ` (${formatPercent(l.sramBytes, capacity)} of ${formatBytes(capacity)})`;
  return [
    `step ${l.step}: ${l.name} (${l.op})`,
    `SRAM ${l.sramBytes} bytes${share}${l.fits ? '' : ': does not fit'}`,
    `resident ${l.residentBytes} bytes, scratch ${l.scratchBytes} bytes (double buffers ${l.doubleBufferBytes} bytes)`,
    `schedule ${l.schedule}`,
  ].join('\n');
}
