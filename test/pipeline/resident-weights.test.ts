/**
 * Weights count against the memory that holds them (the target's `weightsMemory`):
 *  - in the shared SRAM (fixtures/targets/mcu-weights-in-sram.json): the activations get the rest of
 *    it, so the smallest SRAM is exactly the flash run's plus the weights (fits there, not one byte
 *    below; with --headroom, of the allowed part), and a one-byte-short SRAM fails the gate (exit 1)
 *    naming the memory and the weights;
 *  - in the DRAM (dsp-dma-only.json): the DRAM must hold the weights plus its activation pool: it fits
 *    at exactly that sum and fails (exit 1) one byte below, also when the weights alone do not fit;
 *  - in flash (no weightsMemory): no `weightBytes` field, the same plan as before.
 * The JSON gives the weights per memory (`pools[].weightBytes`), the table a "Weights:" line and Used
 * Size with them; the generated C does not change.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import type { TargetSpec } from '../../src/schedule/target.js';
import { applyOverrides, parseTarget } from '../../src/schedule/target.js';
import { generateC } from '../../src/codegen/generate.js';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';
import type { AnalysisReport } from '../../reports/analysis-model.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(path.join(REPO_ROOT, 'reports/analysis.schema.json'), 'utf8')) as object);
const modelPath = (f: string) => path.join(REPO_ROOT, 'fixtures/models', f);
const targetText = (f: string) => readFileSync(path.join(REPO_ROOT, 'fixtures/targets', f), 'utf8');
const target = (f: string): TargetSpec => parseTarget(targetText(f), f);

/** The same target with its weights in flash (no weightsMemory). */
function inFlash(t: TargetSpec): TargetSpec {
  const { weightsMemory: _w, ...rest } = t;
  return rest;
}

function analyze(model: string, t: TargetSpec, findMinSram = false): Promise<Analysis> {
  return analyzeModel(readFileSync(modelPath(model)), { modelName: model, target: t, findMinSram });
}

async function cli(argv: readonly string[], files: Record<string, string> = {}) {
  const m = memoryHost(files);
  const { exitCode } = await runCli([...argv, '--format', 'json'], m.host);
  return { exitCode, report: JSON.parse(m.stdout) as AnalysisReport, line: m.stderr };
}

describe('weights in the shared SRAM', () => {
  it.each(['resnet8.onnx', 'kws-dscnn.onnx'])('%s: the smallest SRAM is the flash run\'s plus the weights, exactly', async (model) => {
    const t = target('mcu-weights-in-sram.json');
    const withWeights = await analyze(model, t, true);
    const flash = await analyze(model, inFlash(t), true);
    // The weights the run holds (BatchNormalization folded into the Conv weights: kws-dscnn's are fewer than the file's).
    const w = withWeights.graph.weightBytes;
    expect(w).toBeGreaterThan(0);
    const sram = withWeights.report.pools.find((p) => p.name === 'sram')!;
    expect(sram.weightBytes).toBe(w);
    expect(flash.report.pools.every((p) => !('weightBytes' in p))).toBe(true);
    const min = withWeights.report.minSramBytes!;
    expect(min).toBe(flash.report.minSramBytes! + w);
    expect((await analyze(model, applyOverrides(t, { sramBytes: min }))).report.fits).toBe(true);
    expect((await analyze(model, applyOverrides(t, { sramBytes: min - 1 }))).report.fits).toBe(false);
    // The activations see the same SRAM as the flash run with the weights' bytes less: the same schedule and plan.
    const at = await analyze(model, applyOverrides(t, { sramBytes: min }));
    const flashAt = await analyze(model, applyOverrides(inFlash(t), { sramBytes: min - w }));
    expect(at.report.pools.map((p) => p.usedBytes)).toEqual(flashAt.report.pools.map((p) => p.usedBytes));
    expect(at.report.layers.map((l) => l.schedule)).toEqual(flashAt.report.layers.map((l) => l.schedule));
    // The C is the flash run's: the weights stay const arrays.
    expect(generateC(toCodegenInput(at)).files).toEqual(generateC(toCodegenInput(flashAt)).files);
  }, 120_000);

  it('with --headroom 10%: the weights come out of the allowed 90%; the smallest SRAM is still exact', async () => {
    const t = target('mcu-weights-in-sram.json');
    const opts = (sramBytes?: number) => ({ modelName: 'resnet8.onnx', target: sramBytes === undefined ? t : applyOverrides(t, { sramBytes }), headroom: 0.1 });
    const bytes = readFileSync(modelPath('resnet8.onnx'));
    const a = await analyzeModel(bytes, { ...opts(), findMinSram: true });
    const min = a.report.minSramBytes!;
    // floor(0.9 * min) - 310824 bytes of weights leave the 640 bytes resnet8's smallest tiles need.
    expect(min).toBe(Math.ceil((310824 + 640) / 0.9));
    expect((await analyzeModel(bytes, opts(min))).report.fits).toBe(true);
    expect((await analyzeModel(bytes, opts(min - 1))).report.fits).toBe(false);
  }, 120_000);

  it('the CLI: exit 0 at the smallest SRAM, exit 1 one byte below, naming sram and the weights', async () => {
    const files = { 't.json': targetText('mcu-weights-in-sram.json') };
    const probe = await cli([modelPath('resnet8.onnx'), '--target', 't.json', '--min-sram'], files);
    expect(probe.exitCode).toBe(0);
    const min = probe.report.minSramBytes!;
    const w = probe.report.pools.find((p) => p.name === 'sram')!.weightBytes!;
    expect(w).toBe(310824);
    const ok = await cli([modelPath('resnet8.onnx'), '--target', 't.json', '--sram', String(min)], files);
    expect(ok.exitCode).toBe(0);
    const sram = ok.report.pools.find((p) => p.name === 'sram')!;
    expect(sram.usedBytes + sram.weightBytes!).toBeLessThanOrEqual(min);
    const short = await cli([modelPath('resnet8.onnx'), '--target', 't.json', '--sram', String(min - 1)], files);
    expect(short.exitCode).toBe(1);
    expect(short.report.fits).toBe(false);
    expect(short.line).toMatch(/^error MP401: .*'sram'.*weights: 310824 bytes resident in 'sram'.*pool 'sram'\)\n$/);
    // pools[].weightBytes is in the schema (which allows no unknown field).
    for (const r of [ok.report, short.report]) expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
  }, 120_000);

  it('the table says where the weights are and counts them in Used Size', async () => {
    const m = memoryHost({ 't.json': targetText('mcu-weights-in-sram.json') });
    expect((await runCli([modelPath('resnet8.onnx'), '--target', 't.json'], m.host)).exitCode).toBe(0);
    expect(m.stdout).toContain('Weights: 310824 bytes resident in sram for the whole run; its activations get the other 213464 of 524288 bytes');
    // 196608 bytes of activations + 310824 of weights = 507432 bytes = 495.54 KiB, 96.8% of 512 KiB.
    expect(m.stdout).toMatch(/^sram\s+495\.54 KiB\s+512 KiB\s+96\.8%/m);
  });
});

describe('weights in the DRAM', () => {
  // dsp-dma-only holds its weights in DRAM (16M); resnet8 at 16K of SRAM puts activations there too.
  const argv = (dram: number | string) => [modelPath('resnet8.onnx'), '--target', 't.json', '--sram', '16K', '--dram', String(dram)];
  const files = { 't.json': targetText('dsp-dma-only.json') };

  it('fits when the DRAM holds the weights plus its activation pool, exactly; exit 1 one byte below', async () => {
    const roomy = await cli(argv('16M'), files);
    expect(roomy.exitCode).toBe(0);
    const dram = roomy.report.pools.find((p) => p.name === 'dram')!;
    expect(dram.weightBytes).toBe(310824);
    expect(dram.usedBytes).toBeGreaterThan(0);
    const need = dram.usedBytes + dram.weightBytes!;
    const exact = await cli(argv(need), files);
    expect(exact.exitCode).toBe(0);
    expect(exact.report.pools.find((p) => p.name === 'dram')!.usedBytes).toBe(dram.usedBytes);
    const short = await cli(argv(need - 1), files);
    expect(short.exitCode).toBe(1);
    expect(short.line).toContain(`memory 'dram' needs ${need} bytes but has ${need - 1}`);
    expect(short.line).toContain("weights: 310824 bytes resident in 'dram'");
    expect(short.report.failures.map((f) => [f.memory, f.neededBytes, f.availableBytes])).toEqual([['dram', need, need - 1]]);
  }, 120_000);

  it('fails when the weights alone exceed the DRAM', async () => {
    const r = await cli(argv(310823), files);
    expect(r.exitCode).toBe(1);
    expect(r.line).toMatch(/memory 'dram' needs \d+ bytes but has 310823/);
  }, 120_000);

  it('without weightsMemory the same DRAM only holds activations: one byte short of the weights still fits', async () => {
    const t = JSON.parse(targetText('dsp-dma-only.json')) as Record<string, unknown>;
    delete t['weightsMemory'];
    delete (t['memories'] as Record<string, unknown>[])[1]!['coreAccess'];
    const roomy = await cli(argv('16M'), { 't.json': JSON.stringify(t) });
    const used = roomy.report.pools.find((p) => p.name === 'dram')!.usedBytes;
    expect(roomy.report.pools.every((p) => !('weightBytes' in p))).toBe(true);
    const r = await cli(argv(used), { 't.json': JSON.stringify(t) });
    expect(r.exitCode).toBe(0);
  }, 120_000);
});
