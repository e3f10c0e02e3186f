/** Test helpers for TFLite models through generated C: analyze, emit, make, run on typed raw files. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { generateC } from '../../src/codegen/generate.js';
import { make, writeGenerated } from '../helpers/ort-reference.js';

export const TFLITE_DIR = path.resolve(import.meta.dirname, '../../../shared/models/tflite');

export type IntArray = Int8Array | Int16Array | Int32Array | Float32Array | Uint8Array;

/** Analyzes a .tflite with SRAM large enough for every tensor (integer layers run on whole tensors). */
export async function analyzeTflite(file: string, sramBytes = 16 * 1024 * 1024): Promise<Analysis> {
  return analyzeModel(readFileSync(file), { modelName: path.basename(file), target: applyOverrides(DEFAULT_TARGET, { sramBytes }) });
}

/** Emits, builds (make model_host, plus extra make arguments such as CFLAGS=...) and returns a runner. */
export function buildTflite(analysis: Analysis, dir: string, makeArgs: readonly string[] = [], program: 'model_host' | 'model_host_poison' = 'model_host'): (inputs: readonly IntArray[]) => Buffer[] {
  writeGenerated(generateC(toCodegenInput(analysis)), dir);
  make(dir, [program, ...makeArgs]);
  return typedRunner(analysis, dir, program);
}

/** Runs a built host program on inputs in each graph tensor's own type; returns each output's raw bytes. */
export function typedRunner(analysis: Analysis, dir: string, program = 'model_host'): (inputs: readonly IntArray[]) => Buffer[] {
  return (inputs) => {
    const ins = inputs.map((x, i) => {
      const p = path.join(dir, `in${i}.bin`);
      writeFileSync(p, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
      return p;
    });
    const outs = analysis.graph.outputs.map((_, i) => path.join(dir, `out${i}.bin`));
    const r = spawnSync(path.join(dir, program), [...ins, ...outs], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${program} failed (status ${r.status}): ${r.stderr}`);
    return outs.map((p) => readFileSync(p));
  };
}

/** Comma-separated integers (the seanet CSV files). */
export function readCsvInts(file: string): number[] {
  return readFileSync(file, 'utf8').trim().split(/[,\s]+/).filter((s) => s !== '').map(Number);
}
