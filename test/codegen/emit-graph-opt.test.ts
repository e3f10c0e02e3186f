/**
 * Generated C of the optimized graph (fused chains, BatchNormalization folded into Conv weights,
 * in-place outputs, the memory-aware order) against onnxruntime-web, in the default suite for two
 * torchvision models: with no DRAM (--dram 0) at exactly the SRAM the plan needs, in poison mode;
 * and with DRAM at 64K SRAM on 4 cores. The full matrix is in emit-matrix.slow.test.ts.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeFile, buildAndRun, compare, inputsFor, ortReference } from '../helpers/ort-reference.js';
import type { Config } from '../helpers/ort-reference.js';

const DIR = path.resolve(import.meta.dirname, '../../../shared/models/torchvision');
const tmp = makeTempDir('memplan-emit-gopt-');
afterAll(() => removeDir(tmp));

/** --dram 0 at the smallest SRAM the plan fits in (found by a first run that does not fit). */
async function noDramConfig(file: string, shapes?: ReadonlyMap<string, readonly number[]>): Promise<Config> {
  const probe = await analyzeFile(file, { label: 'probe', sramBytes: 16, dramBytes: 0 }, shapes);
  const need = probe.report.minSramBytes;
  if (need === undefined) throw new Error(`${file}: no SRAM size fits with --dram 0`);
  return { label: `no DRAM, ${need} bytes SRAM, poison`, sramBytes: need, dramBytes: 0, poison: true };
}

describe('optimized graphs through generated C', () => {
  for (const model of ['mnasnet0_5_96.onnx', 'efficientnet_b0_96.onnx']) {
    it(model, async () => {
      const file = path.join(DIR, model);
      if (!existsSync(file)) throw new Error(`missing ${file}: the shared torchvision models are needed`);
      const configs = [await noDramConfig(file), { label: '64K 4 cores poison', sramBytes: 64 * 1024, cores: 4, poison: true }];
      let ref: Float32Array[] | undefined;
      for (const cfg of configs) {
        const a = await analyzeFile(file, cfg);
        expect(a.report.fits).toBe(true);
        expect(a.report.graphOptimizations.enabled).toBe(true);
        if (cfg.dramBytes === 0) {
          // Every activation is in SRAM; the plan needs at least the graph-level accounting of whole
          // tensors (or the planner's alignment above it) unless depth-first segments run some layers
          // band by band (test/codegen/emit-depth-first.test.ts), which brings it below.
          expect(a.report.pools.map((p) => p.name)).toEqual(['sram']);
          if (!a.report.layers.some((l) => l.segment)) expect(cfg.sramBytes).toBeGreaterThanOrEqual(a.report.optimizedPeakBytes);
          expect(cfg.sramBytes).toBeLessThan(a.report.peakLiveBytes);
        }
        const feeds = inputsFor(a, 5);
        ref ??= await ortReference(file, feeds, a.graph.outputs);
        const got = buildAndRun(a, path.join(tmp, `${model}-${cfg.label.replace(/\W+/g, '_')}`), cfg, feeds.map((f) => f.data));
        got.forEach((g, i) => expect(`${cfg.label}: ${compare(g, ref![i]!).worst}`).toBe(`${cfg.label}: `));
      }
    }, 600_000);
  }
});
