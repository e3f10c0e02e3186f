/**
 * End to end: the HTML report of real models rendered by Debian's chromium, headless. The page must
 * load without console errors (its Content-Security-Policy turns any network or script attempt into
 * one), the browser's DOM must hold every chart and buffer rectangle, and the screenshot (saved under
 * test-artifacts/) must show the charts' colours.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/pipeline.js';
import { applyOverrides, DEFAULT_TARGET } from '../../src/schedule/target.js';
import type { AnalysisReport } from '../../reports/analysis-model.js';
import { renderHtml } from '../../reports/html.js';
import { CAPACITY_COLOUR, kindColour } from '../../reports/svg-memory-map.js';
import { countColour, decodePng, findChromium, isPng, runChromium } from '../helpers/browser.js';
import { sharedModel } from '../helpers/shared-data.js';
import { missingDependency, requireDependency, skipWithout } from '../helpers/system-deps.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts');
const work = mkdtempSync(join(tmpdir(), 'memplan-html-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function chromium(): string {
  requireDependency('chromium');
  return findChromium()!;
}

const CASES = [
  { id: 'resnet8-64k', file: join(ROOT, 'fixtures/models/resnet8.onnx'), sramBytes: 65536 },
  // A real torchvision network at a size where one layer does not fit: failures and overflow render too.
  { id: 'mnasnet0_5_96-16k', file: sharedModel('torchvision/mnasnet0_5_96.onnx'), sramBytes: 16384 },
] as const;

describe.skipIf(skipWithout('chromium'))('HTML report in headless chromium', () => {
  it('finds chromium (install Debian\u2019s chromium if this fails)', () => {
    expect(missingDependency('chromium')).toBeUndefined();
  });

  it.each(CASES)('renders the report of $id without console errors', async ({ id, file, sramBytes }) => {
    const binary = chromium();
    expect(existsSync(file), `model file ${file} is missing`).toBe(true);
    const { report } = await analyzeModel(new Uint8Array(readFileSync(file)), {
      modelName: file.split('/').pop()!,
      target: applyOverrides(DEFAULT_TARGET, { sramBytes }),
    });
    const t0 = performance.now();
    const html = renderHtml(report);
    const renderMs = performance.now() - t0;
    const dir = join(work, id);
    mkdirSync(dir, { recursive: true });
    const page = join(dir, 'report.html');
    writeFileSync(page, html);

    const dom = runChromium(binary, page, ['--dump-dom']);
    expect(dom.exitCode, dom.stderr).toBe(0);
    expect(dom.consoleLines, 'console output of the page').toEqual([]);
    checkDom(dom.stdout, report);

    const png = join(dir, 'report.png');
    const shot = runChromium(binary, page, [`--screenshot=${png}`]);
    expect(shot.exitCode, shot.stderr).toBe(0);
    expect(shot.consoleLines, 'console output of the page').toEqual([]);
    expect(existsSync(png), `no screenshot: ${shot.stderr}`).toBe(true);
    const bytes = readFileSync(png);
    expect(isPng(bytes)).toBe(true);
    expect(statSync(png).size).toBeGreaterThan(30_000);
    const image = decodePng(bytes);
    expect([image.width, image.height]).toEqual([1400, 2000]);
    // The charts are on screen: the activation blue and the capacity red are painted (a blank or
    // unstyled page has neither).
    expect(countColour(image, kindColour('activation'))).toBeGreaterThan(5_000);
    expect(countColour(image, CAPACITY_COLOUR, 40)).toBeGreaterThan(200);
    if (!report.fits) expect(countColour(image, '#c62828', 10), 'the red "does not fit" badge').toBeGreaterThan(100);

    mkdirSync(ARTIFACTS, { recursive: true });
    copyFileSync(png, join(ARTIFACTS, `html-report-${id}.png`));
    copyFileSync(page, join(ARTIFACTS, `html-report-${id}.html`));
    writeFileSync(join(ARTIFACTS, `html-report-${id}.txt`), `${report.buffers.length} buffers, ${report.layers.length} layers, ${html.length} characters of HTML, rendered in ${renderMs.toFixed(1)} ms\n`);
  });

  it.each(CASES)('shows every column of the per-layer table of $id in a 1400 px window (it scrolls, never clips)', async ({ id, file, sramBytes }) => {
    const binary = chromium();
    expect(existsSync(file), `model file ${file} is missing`).toBe(true);
    const { report } = await analyzeModel(new Uint8Array(readFileSync(file)), {
      modelName: file.split('/').pop()!,
      target: applyOverrides(DEFAULT_TARGET, { sramBytes }),
    });
    const html = renderHtml(report);
    const dir = join(work, `${id}-layout`);
    mkdirSync(dir, { recursive: true });
    // The report forbids scripts (CSP); this copy, for the test only, measures the laid-out table.
    const measured = join(dir, 'measured.html');
    writeFileSync(measured, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</body>', `<script>${MEASURE}</script></body>`));
    const run = runChromium(binary, measured, ['--dump-dom']);
    expect(run.exitCode, run.stderr).toBe(0);
    const m = /data-layout="([^"]*)"/.exec(run.stdout);
    expect(m, 'the measuring script did not run').not.toBeNull();
    const layout = JSON.parse(m![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Layout;
    expect(layout.viewportWidth).toBe(1400);
    expect(layout.columns.map((c) => c.head)).toEqual(expect.arrayContaining(['Schedule', 'Fits', 'Cores', 'Cycles']));
    // Nothing sticks out of the scroll box, and the box needs no sideways scrolling at this width.
    for (const c of layout.columns) {
      expect(c.left, c.head).toBeGreaterThanOrEqual(layout.box.left - 1);
      expect(c.right, c.head).toBeLessThanOrEqual(layout.box.right + 1);
    }
    expect(layout.box.right).toBeLessThanOrEqual(1400);
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth + 1);
    // A narrower window scrolls the table instead of clipping it.
    const narrow = runChromium(binary, measured, ['--dump-dom'], { windowSize: '900,1200' });
    const n = JSON.parse(/data-layout="([^"]*)"/.exec(narrow.stdout)![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Layout;
    expect(n.overflowX).toBe('auto');
    expect(n.scrollWidth).toBeGreaterThan(n.clientWidth);

    // The artifact: the table alone, as the browser lays it out at 1400 px.
    const only = join(dir, 'layers.html');
    const section = html.slice(html.indexOf('<h2 id="layers">'), html.indexOf('</table></div>') + '</table></div>'.length);
    writeFileSync(only, html.slice(0, html.indexOf('<body>') + '<body>'.length) + section + '</body></html>');
    const png = join(dir, 'layers.png');
    const shot = runChromium(binary, only, [`--screenshot=${png}`]);
    expect(shot.exitCode, shot.stderr).toBe(0);
    const image = decodePng(readFileSync(png));
    expect(image.width).toBe(1400);
    expect(countColour(image, '#f3f3f3', 2), 'the grey head row of the table').toBeGreaterThan(20_000);
    mkdirSync(ARTIFACTS, { recursive: true });
    copyFileSync(png, join(ARTIFACTS, `html-layers-${id}-1400px.png`));
    writeFileSync(join(ARTIFACTS, `html-layers-${id}-1400px.json`), `${JSON.stringify(layout, null, 2)}\n`);
  });

  it('catches console errors of a broken page (the check above can fail)', () => {
    const binary = chromium();
    const page = join(work, 'broken.html');
    writeFileSync(page, '<!DOCTYPE html><html><body><svg><rect width="10" height="10"/></svg><script>notAFunction();</script></body></html>');
    const run = runChromium(binary, page, ['--dump-dom'], { windowSize: '200,200' });
    expect(run.exitCode).toBe(0);
    expect(run.consoleLines.join('\n')).toMatch(/Uncaught ReferenceError/);
  });
});

interface Layout {
  readonly viewportWidth: number;
  readonly box: { readonly left: number; readonly right: number };
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly overflowX: string;
  readonly columns: readonly { readonly head: string; readonly left: number; readonly right: number }[];
}

/** Runs in the page: the per-layer table's scroll box and every column head's laid-out edges. */
const MEASURE = `
const box = document.querySelector('.wide');
const r = box.getBoundingClientRect();
const columns = [...box.querySelectorAll('thead th')].map((th) => { const b = th.getBoundingClientRect(); return { head: th.textContent, left: b.left, right: b.right }; });
document.body.setAttribute('data-layout', JSON.stringify({ viewportWidth: innerWidth, box: { left: r.left, right: r.right }, scrollWidth: box.scrollWidth, clientWidth: box.clientWidth, overflowX: getComputedStyle(box).overflowX, columns }));
`;

/** The browser parsed every chart, every buffer rectangle and every layer row. */
function checkDom(dom: string, report: AnalysisReport): void {
  expect(dom).toMatch(/^<!DOCTYPE html>/i);
  expect(dom.match(/<svg [^>]*class="memory-map"/g) ?? []).toHaveLength(report.pools.length);
  expect(dom.match(/<svg [^>]*class="bar-chart"/g) ?? []).toHaveLength(1);
  const placed = report.buffers.filter((b) => b.pool !== undefined && b.offset !== undefined).length;
  expect(dom.match(/<rect [^>]*><title>/g) ?? []).toHaveLength(placed);
  expect(dom.match(/<g class="layer( fail)?"><title>/g) ?? []).toHaveLength(report.layers.length);
  expect(dom.match(/<tr class="fail">/g) ?? []).toHaveLength(report.layers.filter((l) => !l.fits).length);
  expect(dom.includes('id="failures"')).toBe(report.failures.length > 0);
}
