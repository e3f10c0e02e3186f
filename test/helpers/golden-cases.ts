/**
 * The fixture runs whose reports are kept as golden files (test/goldens/<stem>.*): the full report
 * goldens and the --no-graph-opt baseline share them.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeModel } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface GoldenCase {
  readonly model: string;
  readonly sram: number;
  readonly cores: number;
}

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { model: 'kws-dscnn.onnx', sram: 16384, cores: 1 },
  { model: 'resnet8.onnx', sram: 32768, cores: 1 },
  { model: 'resnet8.onnx', sram: 65536, cores: 4 },
];

/** `kws-dscnn-16k-1c`: the golden files' base name. */
export function goldenStem(c: GoldenCase): string {
  return `${c.model.replace('.onnx', '')}-${c.sram / 1024}k-${c.cores}c`;
}

/** Analyzes a golden case's fixture model the way the goldens were made (auto strategy, 2 s). */
export function analyzeGoldenCase(c: GoldenCase, options: { readonly graphOpt?: boolean } = {}): Promise<Analysis> {
  return analyzeModel(readFileSync(path.join(ROOT, 'fixtures/models', c.model)), {
    modelName: c.model,
    target: applyOverrides(DEFAULT_TARGET, { sramBytes: c.sram, cores: c.cores }),
    strategy: 'auto',
    timeLimitMs: 2000,
    ...(options.graphOpt !== undefined ? { graphOpt: options.graphOpt } : {}),
  });
}
