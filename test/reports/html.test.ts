import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/pipeline.js';
import { applyOverrides, DEFAULT_TARGET } from '../../src/schedule/target.js';
import type { AnalysisReport, ReportBuffer, ReportLayer } from '../../reports/analysis-model.js';
import { escapeXml, px } from '../../reports/escape.js';
import { renderHtml } from '../../reports/html.js';
import { renderSvgBarChart } from '../../reports/svg-bar-chart.js';
import { FRAME, layerSlots, PLOT_WIDTH, renderSvgMemoryMap } from '../../reports/svg-memory-map.js';

// ---- a tiny markup parser: enough to check structure, escaping and geometry ----

interface Element {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: Element[];
  text: string;
}

const VOID = new Set(['meta', 'br', 'wbr', 'link', 'img', 'input', 'hr']);

/** Parses HTML/SVG as written by the renderers; throws on unbalanced tags or a raw '<' or '&' in text. */
function parse(markup: string): Element {
  const root: Element = { tag: '#root', attrs: {}, children: [], text: '' };
  const stack: Element[] = [root];
  const token = /<!DOCTYPE[^>]*>|<\/([a-zA-Z][\w-]*)\s*>|<([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = token.exec(markup))) {
    const top = stack[stack.length - 1]!;
    if (m[6]) throw new Error(`raw '<' at ${m.index}: ${markup.slice(m.index, m.index + 40)}`);
    if (m[5] !== undefined) {
      const bad = /&(?!(?:amp|lt|gt|quot|#39);)/.exec(m[5]);
      if (bad && top.tag !== 'style') throw new Error(`raw '&' in text: ${m[5].slice(0, 60)}`);
      top.text += m[5];
    } else if (m[1]) {
      if (top.tag !== m[1]) throw new Error(`</${m[1]}> closes <${top.tag}>`);
      stack.pop();
    } else if (m[2]) {
      const attrs: Record<string, string> = {};
      for (const a of m[3]!.matchAll(/([\w:-]+)="([^"]*)"/g)) {
        if (/&(?!(?:amp|lt|gt|quot|#39);)/.test(a[2]!)) throw new Error(`raw '&' in attribute ${a[1]}`);
        attrs[a[1]!] = a[2]!;
      }
      const el: Element = { tag: m[2], attrs, children: [], text: '' };
      top.children.push(el);
      if (!m[4] && !VOID.has(m[2])) stack.push(el);
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.tag}>`);
  return root;
}

function all(el: Element, pred: (e: Element) => boolean, acc: Element[] = []): Element[] {
  for (const c of el.children) {
    if (pred(c)) acc.push(c);
    all(c, pred, acc);
  }
  return acc;
}

function unescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

const titleOf = (e: Element) => unescape(e.children.find((c) => c.tag === 'title')?.text ?? '');
const num = (e: Element, a: string) => Number(e.attrs[a]);

// ---- a hand-made report: 3 layers on 8 slots (0-1, 2-5, 6-7) ----

function layer(step: number, name: string, over: Partial<ReportLayer> = {}): ReportLayer {
  return {
    step, startSlot: [0, 2, 6][step] ?? 0, name, op: 'Conv', nodes: [name], outputShape: '1x8x4x4', outputBytes: 512, liveBytes: 768, sramBytes: 700, scratchBytes: 300, residentBytes: 400,
    localBytes: 0, doubleBufferBytes: 100, dmaInBytes: 0, dmaOutBytes: 0, cycles: 1000, cyclesSingleBuffered: 1200, schedule: 'conv x2 db', cores: 1, fits: true,
    ...over,
  };
}

function buf(name: string, kind: string, sizeBytes: number, slots: [number, number], steps: [number, number], pool?: string, offset?: number): ReportBuffer {
  return { name, kind, sizeBytes, startSlot: slots[0], endSlot: slots[1], startStep: steps[0], endStep: steps[1], ...(pool !== undefined ? { pool, offset } : {}) };
}

const NASTY = `<b>&"x'`;

function report(over: Partial<AnalysisReport> = {}): AnalysisReport {
  return {
    schemaVersion: 1,
    model: 'tiny.onnx',
    target: { name: 'test-chip', cores: 1, sramBytes: 1024, dramBytes: null, sramName: 'sram', dramName: 'dram' },
    dtype: 'as-is', strategy: 'greedy-size', optimal: false, fits: true,
    peakLiveBytes: 768, peakStep: 1, optimizedPeakBytes: 768, weightBytes: 4096, stateBytes: 0, doubleBuffer: true, headroom: { percent: 0 },
    graphOptimizations: { enabled: true, order: 'exact', layerCount: 3, savedBytes: [] },
    pools: [
      { name: 'sram', sizeBytes: 1024, usedBytes: 1024, lowerBoundBytes: 768, worst: { step: 1, layer: 'conv1', liveBytes: 768, buffers: [{ name: 'b', kind: 'tile', sizeBytes: 512 }, { name: 'a', kind: 'input', sizeBytes: 256 }] } },
      { name: 'dram', sizeBytes: null, usedBytes: 4096, lowerBoundBytes: 4096, worst: { step: 0, layer: 'conv0', liveBytes: 4096, buffers: [{ name: 'big', kind: 'activation', sizeBytes: 4096 }] } },
    ],
    layers: [layer(0, 'conv0'), layer(1, 'conv1'), layer(2, 'conv2')],
    liveAtPeak: [{ name: 'a', sizeBytes: 256, startStep: 0, endStep: 1 }],
    buffers: [
      buf('a', 'input', 256, [0, 3], [0, 1], 'sram', 0),
      buf('b', 'tile', 512, [2, 5], [1, 1], 'sram', 256),
      buf('c', 'double-buffer', 256, [6, 7], [2, 2], 'sram', 768),
      buf('d', 'activation', 256, [0, 1], [0, 0], 'sram', 768),
      buf('big', 'activation', 4096, [0, 7], [0, 2], 'dram', 0),
      buf('lost', 'scratch', 64, [6, 6], [2, 2]),
    ],
    failures: [],
    ...over,
  };
}

const BOTTOM = FRAME.top + FRAME.plotHeight;
const close = (actual: number, expected: number, tol = 0.051) => expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tol);

describe('renderSvgMemoryMap', () => {
  it('draws one rectangle per placed buffer of the pool, with x = slots and y = offset from the bottom', () => {
    const r = report();
    const svg = parse(renderSvgMemoryMap(r, 'sram')).children[0]!;
    expect(svg.tag).toBe('svg');
    expect(svg.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    const group = all(svg, (e) => e.tag === 'g' && e.attrs.class === 'buffers')[0]!;
    const rects = group.children.filter((c) => c.tag === 'rect');
    const placed = r.buffers.filter((b) => b.pool === 'sram');
    expect(rects.map((e) => titleOf(e).split('\n')[0])).toEqual(placed.map((b) => b.name));
    const scale = FRAME.plotHeight / 1024; // capacity = used = 1024
    const xScale = PLOT_WIDTH / 8;
    for (const [i, b] of placed.entries()) {
      const e = rects[i]!;
      close(num(e, 'height'), b.sizeBytes * scale);
      close(num(e, 'y') + num(e, 'height'), BOTTOM - b.offset! * scale, 0.1);
      close(num(e, 'x'), FRAME.left + b.startSlot * xScale);
      close(num(e, 'width'), (b.endSlot + 1 - b.startSlot) * xScale);
      const title = titleOf(e);
      expect(title).toContain(`${b.kind}, ${b.sizeBytes} bytes`);
      expect(title).toContain(`offset ${b.offset}`);
      expect(title).toContain(b.startStep === b.endStep ? `step ${b.startStep}` : `steps ${b.startStep}\u2013${b.endStep}`);
    }
    // Colours by kind: the tile and the double buffer differ from each other and from the activation family.
    const fills = rects.map((e) => e.attrs.fill);
    expect(new Set(fills).size).toBe(4);
  });

  it('scales to the used bytes when the plan overflows and puts the capacity line below the top', () => {
    const r = report({ pools: [{ ...report().pools[0]!, sizeBytes: 512, usedBytes: 1024 }] });
    const svg = parse(renderSvgMemoryMap(r, 'sram'));
    const cap = all(svg, (e) => e.tag === 'line' && e.attrs['stroke-dasharray'] === '6 4' && e.attrs.y1 === e.attrs.y2 && num(e, 'x2') - num(e, 'x1') === PLOT_WIDTH);
    expect(cap).toHaveLength(1);
    close(num(cap[0]!, 'y1'), BOTTOM - 512 * (FRAME.plotHeight / 1024));
    expect(all(svg, (e) => e.tag === 'text' && e.text === 'capacity 512 B')).toHaveLength(1);
    // Scaled to 1024: the top buffer reaches the top of the plot.
    const tops = all(svg, (e) => e.tag === 'rect' && e.children.some((c) => c.tag === 'title')).map((e) => num(e, 'y'));
    close(Math.min(...tops), FRAME.top);
  });

  it('scales to the capacity when it is larger than the used bytes', () => {
    const base = report();
    const r = report({ pools: [{ ...base.pools[0]!, sizeBytes: 4096 }] });
    const svg = parse(renderSvgMemoryMap(r, 'sram'));
    const cap = all(svg, (e) => e.tag === 'line' && e.attrs['stroke-dasharray'] === '6 4' && e.attrs.y1 === e.attrs.y2);
    close(num(cap[0]!, 'y1'), FRAME.top);
    const b = all(svg, (e) => e.tag === 'rect' && titleOf(e).startsWith('b\n'))[0]!;
    close(num(b, 'height'), 512 * (FRAME.plotHeight / 4096));
  });

  it('has no capacity line for an unbounded pool, marks the lower bound and the worst step, and lists only present kinds', () => {
    const text = renderSvgMemoryMap(report(), 'dram');
    const svg = parse(text);
    expect(all(svg, (e) => e.tag === 'line' && e.attrs['stroke-dasharray'] === '6 4')).toHaveLength(0);
    expect(text).toContain('lower bound 4 KiB');
    expect(text).toContain('worst: step 0 (conv0), 4 KiB live');
    const worst = all(svg, (e) => e.attrs.class === 'worst')[0]!;
    const starts = layerSlots(report());
    close(num(worst, 'x'), FRAME.left);
    close(num(worst, 'width'), (starts[1]! / 8) * PLOT_WIDTH);
    const legendLabels = all(svg, (e) => e.tag === 'text').map((e) => e.text);
    expect(legendLabels).toContain('activation');
    expect(legendLabels).not.toContain('tile');
  });

  it('takes the layer boundaries on the slot timeline from the report', () => {
    expect(layerSlots(report())).toEqual([0, 2, 6, 8]);
    // Without buffers the timeline ends one slot after the last layer's start.
    expect(layerSlots(report({ buffers: [] }))).toEqual([0, 2, 6, 7]);
    const gap = [buf('x', 'activation', 16, [0, 1], [0, 0], 'sram', 0), buf('y', 'activation', 16, [0, 5], [0, 1], 'sram', 16), buf('z', 'activation', 16, [6, 7], [2, 2], 'sram', 0)];
    expect(layerSlots(report({ buffers: gap }))).toEqual([0, 2, 6, 8]);
  });

  it.each([
    ['resnet8.onnx', 65536, 1],
    ['kws-dscnn.onnx', 16384, 1],
    ['resnet8.onnx', 65536, 4],
  ])('finds the real layer boundaries of %s (SRAM %i, %i cores) and draws every placed buffer', async (file, sramBytes, cores) => {
    const a = await analyzeModel(new Uint8Array(readFileSync(new URL(`../../fixtures/models/${file}`, import.meta.url))), {
      modelName: file,
      target: applyOverrides(DEFAULT_TARGET, { sramBytes, cores }),
    });
    expect(layerSlots(a.report)).toEqual(a.bufferSet.layerStart);
    for (const pool of a.report.pools) {
      const svg = renderSvgMemoryMap(a.report, pool.name);
      const rects = all(parse(svg), (e) => e.tag === 'rect' && e.children.some((c) => c.tag === 'title'));
      expect(rects.map((e) => titleOf(e).split('\n')[0])).toEqual(a.report.buffers.filter((b) => b.pool === pool.name).map((b) => b.name));
    }
  });

  it('keeps a tiny buffer visible and rounds coordinates to 0.1 px', () => {
    const r = report({ pools: [{ ...report().pools[1]!, usedBytes: 1 << 30, lowerBoundBytes: 1 << 30 }], buffers: [buf('huge', 'activation', (1 << 30) - 16, [0, 7], [0, 2], 'dram', 16), buf('tiny', 'scratch', 16, [6, 6], [2, 2], 'dram', 0)] });
    const text = renderSvgMemoryMap(r, 'dram');
    const tiny = all(parse(text), (e) => e.tag === 'rect' && titleOf(e).startsWith('tiny\n'))[0]!;
    expect(num(tiny, 'height')).toBeGreaterThanOrEqual(0.5);
    close(num(tiny, 'y') + num(tiny, 'height'), BOTTOM, 0.1);
    for (const v of text.matchAll(/ (?:x|y|width|height|x1|x2|y1|y2)="(-?[\d.]+)"/g)) expect(v[1]).toMatch(/^-?\d+(\.\d)?$/);
  });

  it('renders an empty pool and rejects an unknown pool', () => {
    const r = report({ buffers: [] });
    expect(renderSvgMemoryMap(r, 'sram')).toContain('no buffers placed in this pool');
    expect(() => renderSvgMemoryMap(r, 'nope')).toThrow(RangeError);
  });

  it('leaves out the namespace when inlined', () => {
    expect(renderSvgMemoryMap(report(), 'sram', { inline: true })).not.toContain('xmlns');
  });

  it('stays small and fast with thousands of buffers', () => {
    const n = 2000;
    const buffers = Array.from({ length: n }, (_, i) => buf(`t${i}`, i % 3 === 0 ? 'tile' : 'activation', 1000 + (i % 7) * 16, [i, i + 3], [i, i + 3], 'sram', (i % 50) * 1200));
    const layers = Array.from({ length: n + 4 }, (_, i) => layer(i, `l${i}`));
    const pool = { name: 'sram', sizeBytes: 65536, usedBytes: 60000, lowerBoundBytes: 50000, worst: { step: 10, layer: 'l10', liveBytes: 50000, buffers: [] } };
    const r = report({ pools: [pool], layers, buffers });
    const t0 = performance.now();
    const text = renderSvgMemoryMap(r, 'sram');
    expect(performance.now() - t0).toBeLessThan(500);
    expect(text.match(/<rect [^>]*><title>/g)).toHaveLength(n);
    expect(text.length / n).toBeLessThan(200);
  });
});

describe('renderSvgBarChart', () => {
  it('stacks resident, scratch and double buffers per layer against the capacity line and highlights failing layers', () => {
    const r = report({ layers: [layer(0, 'conv0'), layer(1, 'conv1', { sramBytes: 1500, residentBytes: 1000, scratchBytes: 500, doubleBufferBytes: 0, fits: false }), layer(2, 'conv2')] });
    const svg = parse(renderSvgBarChart(r));
    const topBytes = 1500;
    const scale = FRAME.plotHeight / topBytes;
    const groups = all(svg, (e) => e.tag === 'g' && (e.attrs.class ?? '').startsWith('layer'));
    expect(groups).toHaveLength(3);
    for (const [i, g] of groups.entries()) {
      const l = r.layers[i]!;
      expect(titleOf(g)).toContain(`step ${l.step}: ${l.name} (Conv)`);
      expect(titleOf(g)).toContain(`SRAM ${l.sramBytes} bytes`);
      const bars = g.children.filter((c) => c.tag === 'rect' && c.attrs['fill-opacity'] !== '0' && c.attrs.class !== 'fail');
      const stacked = bars.reduce((s, b) => s + num(b, 'height'), 0);
      close(stacked, (l.residentBytes + l.scratchBytes) * scale, 0.15);
      close(Math.max(...bars.map((b) => num(b, 'y') + num(b, 'height'))), BOTTOM, 0.1);
      expect(g.attrs.class === 'layer fail').toBe(!l.fits);
    }
    expect(groups[0]!.children.filter((c) => c.tag === 'rect' && c.attrs['fill-opacity'] !== '0')).toHaveLength(3);
    expect(all(groups[1]!, (e) => e.attrs.class === 'fail')).toHaveLength(1);
    expect(titleOf(groups[1]!)).toContain('does not fit');
    const cap = all(svg, (e) => e.tag === 'line' && e.attrs['stroke-dasharray'] === '6 4' && e.attrs.y1 === e.attrs.y2);
    expect(cap).toHaveLength(1);
    close(num(cap[0]!, 'y1'), BOTTOM - 1024 * scale);
    expect(renderSvgBarChart(r)).toContain('1 layer does not fit');
  });

  it('draws no capacity line for unbounded SRAM', () => {
    const r = report({ target: { name: 't', cores: 1, sramBytes: null, dramBytes: null, sramName: 'sram', dramName: 'dram' } });
    expect(renderSvgBarChart(r)).not.toContain('stroke-dasharray="6 4"');
  });
});

describe('renderHtml', () => {
  it('is deterministic and self-contained', () => {
    const a = renderHtml(report());
    expect(renderHtml(report())).toBe(a);
    for (const forbidden of ['http://', 'https://', 'src=', 'href=', 'url(', '@import', '<script', '<link', '<iframe', '<object', '<img']) expect(a).not.toContain(forbidden);
    expect(a.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(a).not.toMatch(/\/(?:tmp|work|home)\//);
    expect(a).not.toMatch(/20\d\d-\d\d-\d\d/);
  });

  it('has the summary, a memory map per pool, the bar chart, the layer table and the worst-step lists', () => {
    const html = renderHtml(report());
    const doc = parse(html);
    expect(all(doc, (e) => e.tag === 'svg' && e.attrs.class === 'memory-map')).toHaveLength(2);
    expect(all(doc, (e) => e.tag === 'svg' && e.attrs.class === 'bar-chart')).toHaveLength(1);
    const poolRows = all(doc, (e) => e.tag === 'table' && e.attrs.class === 'pools')[0]!;
    const cells = all(poolRows, (e) => e.tag === 'td' || e.tag === 'th').map((e) => e.text);
    expect(cells).toEqual(expect.arrayContaining(['sram', '1 KiB', '100.0%', '768 B', '+33.33%', 'dram', 'unbounded']));
    const layerRows = all(all(doc, (e) => e.tag === 'table' && e.attrs.class === 'layers')[0]!, (e) => e.tag === 'tr');
    expect(layerRows).toHaveLength(1 + 3);
    expect(html).toContain('sram: step 1 (layer conv1), 768 bytes live of 1 KiB');
    expect(html).toContain('Unplaced buffers (1)');
    expect(html).toContain('strategy greedy-size, not proven optimal');
    expect(html).not.toContain('id="failures"');
    const slashy = renderHtml(report({ layers: [layer(0, '/layers/layers.8/Conv'), layer(1, 'conv1'), layer(2, 'conv2')] }));
    expect(slashy).toContain('<td class="name">/<wbr>layers/<wbr>layers.8/<wbr>Conv</td>');
  });

  it('lists the failures and marks failing layers', () => {
    const failure = { code: 'MP401', memory: 'sram', step: 1, layer: 'conv1', neededBytes: 1500, availableBytes: 1024, message: "does not fit: layer 'conv1' (step 1) needs 1500 bytes of 'sram'" };
    const r = report({ fits: false, failures: [failure], layers: [layer(0, 'conv0'), layer(1, 'conv1', { fits: false }), layer(2, 'conv2')], minSramBytes: 1536 });
    const html = renderHtml(r);
    const doc = parse(html);
    const items = all(all(doc, (e) => e.tag === 'ul' && e.attrs.class === 'failures')[0]!, (e) => e.tag === 'li');
    expect(items).toHaveLength(1);
    expect(unescape(html)).toContain(failure.message);
    expect(html).toContain('needs 1500 bytes, 1024 available, 476 bytes short');
    expect(all(doc, (e) => e.tag === 'tr' && e.attrs.class === 'fail')).toHaveLength(1);
    expect(html).toContain('does not fit</span>');
    expect(html).toContain('1.5 KiB (1536 bytes)');
  });

  it('escapes every model-provided string', () => {
    const r = report({
      model: `${NASTY}.onnx`,
      target: { name: NASTY, cores: 1, sramBytes: 1024, dramBytes: null, sramName: `sram${NASTY}`, dramName: `dram${NASTY}` },
      strategy: NASTY,
      pools: report().pools.map((p) => ({ ...p, name: `${p.name}${NASTY}`, worst: { ...p.worst, layer: NASTY, buffers: p.worst.buffers.map((b) => ({ ...b, name: NASTY, kind: NASTY })) } })),
      layers: report().layers.map((l) => ({ ...l, name: NASTY, op: NASTY, outputShape: NASTY, schedule: NASTY })),
      buffers: report().buffers.map((b) => ({ ...b, name: `${b.name}${NASTY}`, kind: NASTY, ...(b.pool ? { pool: `${b.pool}${NASTY}` } : {}) })),
      liveAtPeak: [{ name: NASTY, sizeBytes: 256, startStep: 0, endStep: 1 }],
      failures: [{ code: NASTY, memory: NASTY, step: 1, layer: NASTY, neededBytes: 2, availableBytes: 1, message: `bad ${NASTY}` }],
    });
    const html = renderHtml(r);
    expect(html).not.toContain('<b>');
    expect(html).not.toContain(`&"x`);
    expect(html).toContain(escapeXml(NASTY));
    const doc = parse(html); // throws on any raw '<' or '&' or an unbalanced tag
    const tags = new Set(all(doc, () => true).map((e) => e.tag));
    expect(tags.has('b')).toBe(false);
    // The names survive the round trip in hover titles.
    const rects = all(doc, (e) => e.tag === 'rect' && titleOf(e).startsWith(`a${NASTY}\n`));
    expect(rects).toHaveLength(1);
    for (const pool of r.pools) expect(() => parse(renderSvgMemoryMap(r, pool.name))).not.toThrow();
  });

  it('replaces characters XML forbids', () => {
    expect(escapeXml('a\u0001b\u0000c\ud800d\t\n')).toBe('a\ufffdb\ufffdc\ufffdd\t\n');
    expect(escapeXml('\ud83d\ude00')).toBe('\ud83d\ude00');
    expect(px(-0.04)).toBe('0');
    expect(px(12.345)).toBe('12.3');
    expect(px(7)).toBe('7');
  });
});
