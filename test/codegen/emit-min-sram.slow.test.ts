/**
 * Slow suite (MEMPLAN_SLOW=1): generated C against onnxruntime-web at the sizes issue 10 names, for
 * every torchvision model at 96x96, vit_tiny_32 and mobilenet_v2_224:
 * - with no DRAM (--dram 0) at exactly the minSramBytes that `--dram 0 --min-sram` reports (the
 *   pipeline with findMinSram from the default SRAM size, depth-first segments on, as the CLI runs
 *   it): the plan fits there and not one byte below, and the C built in poison mode matches;
 * - at --sram 16K with DRAM, on 1 core and on 4 cores, in poison mode (mnasnet's global ReduceMean,
 *   mobilenet_v2's 1x1 projections and vit_tiny_32's attention fit there through reduction splits and
 *   op tiles);
 * - squeezenet1_1_96 with no DRAM at its minSramBytes on 1 and 4 cores (segments through its Fire
 *   modules' Concats);
 * - and one of them (mnasnet0_5_96 with no DRAM at its minSramBytes: 2-D tiles segments) under
 *   AddressSanitizer + UndefinedBehaviorSanitizer.
 * Each case logs a table line: model | configuration | SRAM bytes | max abs diff.
 */
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/pipeline.js';
import { analyzeModel } from '../../src/pipeline.js';
import { applyOverrides, DEFAULT_TARGET } from '../../src/schedule/target.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, modelBytes, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { sharedModel } from '../helpers/shared-data.js';

const MODELS = ['efficientnet_b0_96', 'mnasnet0_5_96', 'mobilenet_v2_224', 'regnet_x_400mf_96', 'squeezenet1_1_96', 'vit_tiny_32'];

const tmp = makeTempDir('memplan-emit-min-sram-');
afterAll(() => removeDir(tmp));

/**
 * What `memplan MODEL --dram 0 --min-sram` reports as the smallest SRAM (default target, default SRAM
 * size), for the model as compiled: vit_tiny_32 with its probe output (PROBES), which leaves its size
 * unchanged (232960 bytes, as the plain model).
 */
async function cliMinSram(file: string, cores?: number): Promise<number> {
  const a = await analyzeModel(modelBytes(file), {
    modelName: basename(file),
    target: applyOverrides(DEFAULT_TARGET, { dramBytes: 0, ...(cores !== undefined ? { cores } : {}) }),
    doubleBuffer: true,
    findMinSram: true,
  });
  const min = a.report.minSramBytes;
  if (min === undefined) throw new Error(`${basename(file)}: --dram 0 --min-sram found no size`);
  return min;
}

const refs = new Map<string, Promise<Float32Array[]>>();

/** Builds and runs the C of an analysis that fits, compares every output with onnxruntime-web, logs a table line. */
async function check(file: string, a: Analysis, cfg: Config, tag: string): Promise<void> {
  const name = basename(file, '.onnx');
  expect(a.report.fits, a.report.failures.map((f) => `${f.code}: ${f.message}`).join('; ')).toBe(true);
  const feeds = inputsFor(a, 31);
  if (!refs.has(file)) refs.set(file, ortReference(file, feeds, a.graph.outputs));
  const ref = await refs.get(file)!;
  const got = buildAndRun(a, join(tmp, `${name}-${tag}`), cfg, feeds.map((f) => f.data));
  const segments = a.report.layers.filter((l) => l.segment);
  got.forEach((g, i) => {
    const c = compare(g, ref[i]!);
    console.log(
      `${name} | ${cfg.label} | SRAM ${cfg.sramBytes} | segments ${segments.length} (patches ${segments.filter((l) => l.segment!.mode === 'patches').length}) | tiled ${a.schedule.layers.filter((l) => l.tile.tileCount > 1).length} | parallel ${a.schedule.layers.filter((l) => l.tile.cores > 1).length} | output ${i} max abs ${c.maxAbs.toExponential(2)}`,
    );
    expect(`${cfg.label}: ${c.worst}`).toBe(`${cfg.label}: `);
  });
}

describe('generated C at the issue-10 sizes against onnxruntime-web', () => {
  for (const name of MODELS) {
    const file = sharedModel(`torchvision/${name}.onnx`);
    describe(name, () => {
      it('--dram 0 at the --min-sram size, poison', async () => {
        const min = await cliMinSram(file);
        const cfg: Config = { label: `no DRAM, --min-sram size, poison`, sramBytes: min, dramBytes: 0, poison: true };
        const a = await analyzeFile(file, cfg);
        const below = await analyzeFile(file, { ...cfg, sramBytes: min - 1 });
        expect(below.report.fits).toBe(false);
        // The failing run finds the same smallest size without being asked.
        expect(below.report.minSramBytes).toBe(min);
        await check(file, a, cfg, 'nodram-min');
      }, 1_800_000);

      for (const cores of [1, 4]) {
        it(`--sram 16K with DRAM, ${cores} core${cores > 1 ? 's' : ''}, poison`, async () => {
          const cfg: Config = { label: `DRAM, 16K SRAM, ${cores} core${cores > 1 ? 's' : ''}, poison`, sramBytes: 16 * 1024, cores, poison: true };
          await check(file, await analyzeFile(file, cfg), cfg, `16k-${cores}`);
        }, 1_800_000);
      }
    });
  }

  // Segments run through SqueezeNet's Fire modules (their channel Concats are members): 114272 bytes
  // (whole input 110592 + 3680: the first segment stages its NCHW output channels-last 1120 bytes
  // before the input; 147008 before staging), within issue 10's ratio target 258176 (304704 while
  // Concats were no members: a Fire module's Concat output stayed whole).
  it('squeezenet1_1_96: --dram 0 at the --min-sram size with segments through the Fire modules, 1 and 4 cores, poison', async () => {
    const file = sharedModel('torchvision/squeezenet1_1_96.onnx');
    for (const cores of [1, 4]) {
      const min = await cliMinSram(file, cores);
      expect(min).toBe(114272);
      const cfg: Config = { label: `no DRAM, --min-sram size, ${cores} core${cores > 1 ? 's' : ''}, poison`, sramBytes: min, dramBytes: 0, cores, poison: true };
      const a = await analyzeFile(file, cfg);
      expect(a.report.layers.some((l) => l.segment && l.nodes.includes('/features/features.3/Concat'))).toBe(true);
      expect((await analyzeFile(file, { ...cfg, sramBytes: min - 1 })).report.fits).toBe(false);
      await check(file, a, cfg, `nodram-min-fire-${cores}`);
    }
  }, 1_800_000);

  it('ASan + UBSan: mnasnet0_5_96 with --dram 0 at the --min-sram size (2-D tiles segments)', async () => {
    const file = sharedModel('torchvision/mnasnet0_5_96.onnx');
    const min = await cliMinSram(file);
    const cfg: Config = { label: 'ASan + UBSan, no DRAM, --min-sram size', sramBytes: min, dramBytes: 0, asan: true };
    const a = await analyzeFile(file, cfg);
    expect(a.report.layers.some((l) => l.segment?.mode === 'tiles')).toBe(true);
    await check(file, a, cfg, 'asan-nodram-min');
  }, 1_800_000);
});
