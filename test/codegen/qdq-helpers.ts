/**
 * Helpers of the quantized ONNX tests: a QDQ model (fixtures/quantize-qdq.ts) through memplan's
 * generated C against onnxruntime-web, compared in LSBs of the output's quantization.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-web';
import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { quantizeQdq } from '../../fixtures/quantize-qdq.js';
import type { QuantizeOptions } from '../../fixtures/quantize-qdq.js';
import { generateC } from '../../src/codegen/generate.js';
import { make, seededFloats, writeGenerated } from '../helpers/ort-reference.js';
import type { IntArray } from './tflite-host.js';
import { typedRunner } from './tflite-host.js';

ort.env.wasm.numThreads = 1;

/** A QDQ version of a float model file (deterministic: seeded calibration). */
export async function qdqOf(file: string, options: QuantizeOptions = {}): Promise<Uint8Array> {
  return quantizeQdq(new Uint8Array(readFileSync(file)), options);
}

/** Analysis with SRAM large enough for every tensor (integer layers run on whole tensors). */
export async function analyzeBytes(bytes: Uint8Array, name: string, sramBytes = 64 * 1024 * 1024): Promise<Analysis> {
  return analyzeModel(bytes, { modelName: name, target: applyOverrides(DEFAULT_TARGET, { sramBytes }) });
}

/**
 * Emits, builds (make reuses cached objects) and returns a runner that takes and
 * gives each graph tensor in its own type (raw little-endian files).
 */
export function buildTyped(analysis: Analysis, dir: string): (inputs: readonly IntArray[]) => Buffer[] {
  writeGenerated(generateC(toCodegenInput(analysis)), dir);
  make(dir, ['model_host']);
  return typedRunner(analysis, dir);
}

/**
 * onnxruntime's session options of the reference: the default optimizations, plus
 * `session.qdqisint8allowed = 1`. Without it onnxruntime fuses QDQ Conv/MatMul into its integer
 * kernels only for uint8 activations on x86 and wasm, and runs int8 ones as float Conv/MatMul on
 * dequantized values (its ARM builds, like a deployment, fuse both): the flag makes the int8
 * reference the integer network too.
 */
export const ORT_OPTIONS: ort.InferenceSession.SessionOptions = { extra: { session: { qdqisint8allowed: '1' } } };

/** Runs the model in onnxruntime-web on typed inputs; outputs as raw typed arrays. */
export async function ortTyped(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, outputs: readonly string[]): Promise<IntArray[]> {
  const session = await ort.InferenceSession.create(bytes, ORT_OPTIONS);
  try {
    const r = await session.run(feeds, [...outputs]);
    return outputs.map((o) => r[o]!.data as IntArray);
  } finally {
    await session.release();
  }
}

/** Scale of the quantized tensor a float graph output is dequantized from (1 when it is not). */
export function outputLsb(a: Analysis, output: string): number {
  const dq = a.graph.nodes.find((n) => n.outputs.includes(output) && n.opType === 'DequantizeLinear');
  const t = dq ? a.graph.tensors.get(dq.inputs[0]!) : a.graph.tensors.get(output);
  return t?.quantization?.scales[0] ?? 1;
}

/** Largest |got - want| in units of `lsb`. */
export function maxLsbDiff(got: ArrayLike<number>, want: ArrayLike<number>, lsb: number): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let m = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i]! - want[i]!) / lsb;
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export interface QdqRun {
  readonly analysis: Analysis;
  /** Max difference per output in LSBs of the output quantization. */
  readonly lsb: number[];
}

/** Float model file -> QDQ -> memplan C (gcc) vs onnxruntime-web on one seeded input. */
export async function runQdqModel(file: string, dir: string, options: QuantizeOptions = {}): Promise<QdqRun> {
  const bytes = await qdqOf(file, options);
  const analysis = await analyzeBytes(bytes, path.basename(file));
  const feeds: Record<string, ort.Tensor> = {};
  const inputs = analysis.graph.inputs.map((name, i) => {
    const t = analysis.graph.tensors.get(name)!;
    const data = seededFloats(t.elementCount, 11 + i);
    feeds[name] = new ort.Tensor('float32', data, [...t.shape]);
    return data;
  });
  const want = await ortTyped(bytes, feeds, analysis.graph.outputs);
  const run = buildTyped(analysis, dir);
  const got = run(inputs).map((b) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  const lsb = analysis.graph.outputs.map((o, i) => maxLsbDiff(got[i]!, want[i] as Float32Array, outputLsb(analysis, o)));
  return { analysis, lsb };
}
