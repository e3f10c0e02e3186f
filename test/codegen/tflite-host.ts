/** Test helpers for TFLite models through generated C: analyze, emit, make, run on typed raw files. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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

/** TFLite Micro's seanet single-operator tests (int16 conv0-9, add0-5) in ../shared/models/tflite/seanet. */
export const SEANET = path.join(TFLITE_DIR, 'seanet');

/** The seanet case names, sorted; fails naming the folder when the shared models are missing. */
export function seanetCases(): string[] {
  if (!existsSync(SEANET)) throw new Error(`missing ${SEANET}: the shared TFLite models (../shared/models/tflite/seanet) are needed`);
  return readdirSync(SEANET).filter((f) => f.endsWith('.tflite')).map((f) => f.replace(/\.tflite$/, '')).sort();
}

/** A seanet case's inputs, in graph order. */
export function seanetInputs(name: string): Int16Array[] {
  const inputs: Int16Array[] = [];
  for (let i = 0; existsSync(path.join(SEANET, `${name}_input${i}_int16.csv`)); i++) {
    inputs.push(Int16Array.from(readCsvInts(path.join(SEANET, `${name}_input${i}_int16.csv`))));
  }
  return inputs;
}

/** Where an int16 output differs from the case's golden CSV (at most 10 places); [] when bit for bit equal. */
export function seanetMismatches(name: string, out: Buffer): string[] {
  const got = Array.from(new Int16Array(out.buffer, out.byteOffset, out.byteLength / 2));
  const golden = readCsvInts(path.join(SEANET, `${name}_golden_int16.csv`));
  if (got.length !== golden.length) return [`${got.length} values, golden has ${golden.length}`];
  return got.flatMap((v, i) => (v === golden[i] ? [] : [`[${i}] ${v} != ${golden[i]}`])).slice(0, 10);
}
