/**
 * SVG memory map of one pool: x = the schedule's timeline (statement slots, with layer-step ticks),
 * y = address (offset 0 at the bottom), one rectangle per placed buffer coloured by kind, a dashed
 * line at the pool's capacity, a dotted line at its lower bound and the worst step marked.
 * Pure: report in, SVG text out. Coordinates are rounded to 0.1 px so thousands of buffers stay small.
 */
import type { AnalysisReport, ReportBuffer, ReportPool } from './analysis-model.js';
import { escapeXml, px } from './escape.js';
import { formatBytes, formatPercent } from './units.js';

export interface SvgOptions {
  /**
   * Standalone (default): a complete SVG document with its XML namespace, for a .svg file.
   * Inline: the same drawing without the namespace declaration, for embedding in HTML
   * (the HTML parser puts <svg> in the SVG namespace by itself).
   */
  readonly inline?: boolean;
}

/** Buffer kinds in legend order, with their fill colours: the activation family in blues. */
export const KIND_COLOURS: ReadonlyMap<string, string> = new Map([
  ['input', '#1f4e79'],
  ['activation', '#4e79a7'],
  ['output', '#9ecae9'],
  ['tile', '#f28e2b'],
  ['double-buffer', '#b07aa1'],
  ['scratch', '#59a14f'],
  ['accumulator', '#e15759'],
]);
const OTHER_COLOUR = '#9d9d9d';
export const CAPACITY_COLOUR = '#d62728';

export function kindColour(kind: string): string {
  return KIND_COLOURS.get(kind) ?? OTHER_COLOUR;
}

/** Plot geometry shared by the memory map and the bar chart. */
export const FRAME = { width: 1200, left: 84, right: 24, top: 60, plotHeight: 380, bottom: 46 } as const;
export const PLOT_WIDTH = FRAME.width - FRAME.left - FRAME.right;
export const FRAME_HEIGHT = FRAME.top + FRAME.plotHeight + FRAME.bottom;
const PLOT_BOTTOM = FRAME.top + FRAME.plotHeight;

/**
 * The first statement slot of every layer step (from the report), plus the end of the timeline as the
 * last entry (one past the last slot any buffer lives in, at least one past the last layer's start).
 */
export function layerSlots(report: AnalysisReport): number[] {
  const starts = report.layers.map((l) => l.startSlot);
  let end = starts.length === 0 ? 1 : starts[starts.length - 1]! + 1;
  for (const b of report.buffers) end = Math.max(end, b.endSlot + 1);
  return [...starts, end];
}

/** Every k-th step gets a labelled tick, k from 1-2-5 so that labels are at least 36 px apart. */
export function tickEvery(count: number, widthPx: number): number {
  for (const mantissa of [1, 10, 100, 1000, 10000, 100000]) {
    for (const k of [1, 2, 5]) if ((widthPx / Math.max(1, count)) * k * mantissa >= 36) return k * mantissa;
  }
  return 1000000;
}

/** Byte ticks at a power-of-two step: 4 to 8 of them up to `maxBytes`. */
export function byteTicks(maxBytes: number): number[] {
  const step = 2 ** Math.max(0, Math.ceil(Math.log2(Math.max(1, maxBytes) / 6)));
  const ticks: number[] = [];
  for (let v = 0; v <= maxBytes; v += step) ticks.push(v);
  return ticks;
}

/** The opening tag, accessible title and shared style of a chart. */
export function svgOpen(options: SvgOptions | undefined, cssClass: string, title: string): string {
  const ns = options?.inline ? '' : ' xmlns="http://www.w3.org/2000/svg"';
  return (
    `<svg${ns} class="${cssClass}" viewBox="0 0 ${FRAME.width} ${FRAME_HEIGHT}" width="${FRAME.width}" height="${FRAME_HEIGHT}" ` +
    `role="img" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">\n` +
    `<title>${escapeXml(title)}</title>\n` +
    `<rect x="0" y="0" width="${FRAME.width}" height="${FRAME_HEIGHT}" fill="#ffffff"/>\n`
  );
}

/** Legend swatches in one row starting at (x, y); widths estimated from the label lengths. */
export function legend(entries: readonly { readonly label: string; readonly colour: string; readonly dashed?: boolean }[], x0: number, y: number): string {
  let x = x0;
  const out: string[] = [];
  for (const e of entries) {
    if (e.dashed) out.push(`<line x1="${px(x)}" y1="${px(y - 4)}" x2="${px(x + 14)}" y2="${px(y - 4)}" stroke="${e.colour}" stroke-width="2" stroke-dasharray="4 3"/>`);
    else out.push(`<rect x="${px(x)}" y="${px(y - 10)}" width="12" height="12" fill="${e.colour}"/>`);
    out.push(`<text x="${px(x + 18)}" y="${px(y)}">${escapeXml(e.label)}</text>`);
    x += 30 + e.label.length * 6.6;
  }
  return out.join('\n');
}

/**
 * Step ticks and labels along the x axis; `xOfStep(s)` is the left edge of step s. Steps can have
 * uneven widths (slots), so a tick is skipped when it would come closer than 30 px to the last one.
 */
export function stepAxis(count: number, xOfStep: (step: number) => number, label: string): string {
  const out: string[] = [];
  const every = tickEvery(count, PLOT_WIDTH);
  let last = Number.NEGATIVE_INFINITY;
  for (let s = 0; s < count; s += every) {
    const x = xOfStep(s);
    if (x - last < 30) continue;
    last = x;
    out.push(`<line x1="${px(x)}" y1="${FRAME.top}" x2="${px(x)}" y2="${PLOT_BOTTOM + 4}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${px(x)}" y="${PLOT_BOTTOM + 17}" text-anchor="middle" fill="#444">${s}</text>`);
  }
  out.push(`<text x="${px(FRAME.left + PLOT_WIDTH / 2)}" y="${FRAME_HEIGHT - 8}" text-anchor="middle" fill="#444">${escapeXml(label)}</text>`);
  return out.join('\n');
}

/** Byte ticks, labels and gridlines along the y axis, scaled to `maxBytes` at the top of the plot. */
export function byteAxis(maxBytes: number, label: string): string {
  const out: string[] = [];
  for (const v of byteTicks(maxBytes)) {
    const y = px(PLOT_BOTTOM - (v / maxBytes) * FRAME.plotHeight);
    out.push(`<line x1="${FRAME.left - 4}" y1="${y}" x2="${FRAME.left + PLOT_WIDTH}" y2="${y}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${FRAME.left - 7}" y="${y}" dy="4" text-anchor="end" fill="#444">${escapeXml(formatBytes(v))}</text>`);
  }
  const cy = px(FRAME.top + FRAME.plotHeight / 2);
  out.push(`<text x="14" y="${cy}" transform="rotate(-90 14 ${cy})" text-anchor="middle" fill="#444">${escapeXml(label)}</text>`);
  return out.join('\n');
}

/** A horizontal limit line across the plot with a label above its right (or left) end. */
export function limitLine(y: number, colour: string, dash: string, label: string, anchor: 'start' | 'end'): string {
  const lx = anchor === 'end' ? FRAME.left + PLOT_WIDTH - 4 : FRAME.left + 4;
  return (
    `<line x1="${FRAME.left}" y1="${px(y)}" x2="${FRAME.left + PLOT_WIDTH}" y2="${px(y)}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="${dash}"/>\n` +
    `<text x="${px(lx)}" y="${px(y - 4)}" text-anchor="${anchor}" fill="${colour}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(label)}</text>`
  );
}

/** Smallest drawn size of a rectangle, so that tiny buffers stay visible and can be hovered. */
export const MIN_RECT_PX = 0.5;

/** The memory map of one pool of the report. Throws RangeError when the report has no such pool. */
export function renderSvgMemoryMap(report: AnalysisReport, poolName: string, options?: SvgOptions): string {
  const pool = report.pools.find((p) => p.name === poolName);
  if (!pool) throw new RangeError(`no pool '${poolName}' in the report (pools: ${report.pools.map((p) => `'${p.name}'`).join(', ')})`);
  const placed = report.buffers.filter((b): b is ReportBuffer & { offset: number } => b.pool === poolName && b.offset !== undefined);
  const starts = layerSlots(report);
  const slots = starts[starts.length - 1]!;
  const steps = report.layers.length;
  const topBytes = placed.reduce((m, b) => Math.max(m, b.offset + b.sizeBytes), Math.max(1, pool.usedBytes, pool.sizeBytes ?? 0));
  const xOfSlot = (slot: number) => FRAME.left + (slot / slots) * PLOT_WIDTH;
  const yOfBytes = (bytes: number) => PLOT_BOTTOM - (bytes / topBytes) * FRAME.plotHeight;

  const out: string[] = [svgOpen(options, 'memory-map', `Memory map of pool ${pool.name}`)];
  out.push(`<text x="${FRAME.left}" y="20" font-size="14" font-weight="600">${escapeXml(headline(pool))}</text>`);
  const kinds = [...new Set(placed.map((b) => b.kind))].sort(byLegendOrder);
  out.push(legend([
    ...kinds.map((k) => ({ label: k, colour: kindColour(k) })),
    ...(pool.sizeBytes !== null ? [{ label: 'capacity', colour: CAPACITY_COLOUR, dashed: true }] : []),
    { label: 'lower bound', colour: '#555555', dashed: true },
  ], FRAME.left, 42));

  // Alternate layer bands when they are wide enough to read, then axes.
  if (steps > 0 && steps <= 80) {
    for (let s = 1; s < steps; s += 2) {
      out.push(`<rect x="${px(xOfSlot(starts[s]!))}" y="${FRAME.top}" width="${px(xOfSlot(starts[s + 1]!) - xOfSlot(starts[s]!))}" height="${FRAME.plotHeight}" fill="#f4f4f4"/>`);
    }
  }
  out.push(stepAxis(steps, (s) => xOfSlot(starts[s]!), 'layer step (x spans the schedule\u2019s statement slots)'));
  out.push(byteAxis(topBytes, 'offset (0 at the bottom)'));

  // Addresses past the capacity, tinted when the plan overflows.
  if (pool.sizeBytes !== null && topBytes > pool.sizeBytes) {
    out.push(`<rect class="overflow" x="${FRAME.left}" y="${FRAME.top}" width="${PLOT_WIDTH}" height="${px(yOfBytes(pool.sizeBytes) - FRAME.top)}" fill="${CAPACITY_COLOUR}" fill-opacity="0.08"/>`);
  }
  // The worst step, behind the buffers.
  const worstStep = Math.min(Math.max(0, pool.worst.step), Math.max(0, steps - 1));
  const wx0 = xOfSlot(steps > 0 ? starts[worstStep]! : 0);
  const wx1 = xOfSlot(steps > 0 ? starts[worstStep + 1]! : slots);
  if (placed.length > 0) {
    out.push(`<rect class="worst" x="${px(wx0)}" y="${FRAME.top}" width="${px(Math.max(MIN_RECT_PX, wx1 - wx0))}" height="${FRAME.plotHeight}" fill="#facc15" fill-opacity="0.35"/>`);
  }

  // A hairline of white between neighbouring buffers, inherited by every rectangle.
  out.push('<g class="buffers" stroke="#ffffff" stroke-width="0.4">');
  for (const b of placed) {
    const x0 = xOfSlot(b.startSlot);
    const w = Math.max(MIN_RECT_PX, xOfSlot(b.endSlot + 1) - x0);
    const h = Math.max(MIN_RECT_PX, (b.sizeBytes / topBytes) * FRAME.plotHeight);
    const y = yOfBytes(b.offset) - h;
    out.push(`<rect x="${px(x0)}" y="${px(y)}" width="${px(w)}" height="${px(h)}" fill="${kindColour(b.kind)}"><title>${escapeXml(describeBuffer(b))}</title></rect>`);
  }
  out.push('</g>');
  if (placed.length === 0) {
    out.push(`<text x="${px(FRAME.left + PLOT_WIDTH / 2)}" y="${px(FRAME.top + FRAME.plotHeight / 2)}" text-anchor="middle" fill="#666">no buffers placed in this pool</text>`);
  }

  // Limits and the worst-step label on top.
  out.push(limitLine(yOfBytes(pool.lowerBoundBytes), '#555555', '2 3', `lower bound ${formatBytes(pool.lowerBoundBytes)}`, 'start'));
  if (pool.sizeBytes !== null) out.push(limitLine(yOfBytes(pool.sizeBytes), CAPACITY_COLOUR, '6 4', `capacity ${formatBytes(pool.sizeBytes)}`, 'end'));
  if (placed.length > 0) {
    out.push(`<rect x="${px(wx0)}" y="${FRAME.top}" width="${px(Math.max(MIN_RECT_PX, wx1 - wx0))}" height="${FRAME.plotHeight}" fill="none" stroke="#a16207" stroke-width="1.5" stroke-dasharray="3 2"/>`);
    const label = `worst: step ${pool.worst.step} (${pool.worst.layer}), ${formatBytes(pool.worst.liveBytes)} live`;
    const right = wx1 > FRAME.left + PLOT_WIDTH * 0.6;
    out.push(
      `<text x="${px(right ? wx0 - 3 : wx1 + 3)}" y="${FRAME.top + 28}" text-anchor="${right ? 'end' : 'start'}" fill="#7a5b00" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(label)}</text>`,
    );
  }
  out.push(`<rect x="${FRAME.left}" y="${FRAME.top}" width="${PLOT_WIDTH}" height="${FRAME.plotHeight}" fill="none" stroke="#888888"/>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function headline(pool: ReportPool): string {
  const size = pool.sizeBytes === null ? 'unbounded' : formatBytes(pool.sizeBytes);
  const share = pool.sizeBytes === null ? '' : ` (${formatPercent(pool.usedBytes, pool.sizeBytes)})`;
  return `${pool.name}: ${formatBytes(pool.usedBytes)} used of ${size}${share}, lower bound ${formatBytes(pool.lowerBoundBytes)}`;
}

/** The hover text of a buffer: name, kind, size, lifetime, offset. */
export function describeBuffer(b: ReportBuffer): string {
  const steps = b.startStep === b.endStep ? `step ${b.startStep}` : `steps ${b.startStep}\u2013${b.endStep}`;
  const slots = b.startSlot === b.endSlot ? `slot ${b.startSlot}` : `slots ${b.startSlot}\u2013${b.endSlot}`;
  const where = b.offset === undefined ? 'unplaced' : `offset ${b.offset} (0x${b.offset.toString(16)})`;
  return `${b.name}\n${b.kind}, ${b.sizeBytes} bytes (${formatBytes(b.sizeBytes)})\n${steps} (${slots})\n${where}`;
}

function byLegendOrder(a: string, b: string): number {
  const order = [...KIND_COLOURS.keys()];
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || (a < b ? -1 : a > b ? 1 : 0);
}
