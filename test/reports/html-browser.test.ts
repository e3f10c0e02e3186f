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

  it('catches console errors of a broken page (the check above can fail)', () => {
    const binary = chromium();
    const page = join(work, 'broken.html');
    writeFileSync(page, '<!DOCTYPE html><html><body><svg><rect width="10" height="10"/></svg><script>notAFunction();</script></body></html>');
    const run = runChromium(binary, page, ['--dump-dom'], { windowSize: '200,200' });
    expect(run.exitCode).toBe(0);
    expect(run.consoleLines.join('\n')).toMatch(/Uncaught ReferenceError/);
  });
});

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
