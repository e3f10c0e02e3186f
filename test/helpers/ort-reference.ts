/**
 * Test helpers for generated C: onnxruntime-web reference outputs, seeded inputs, the
 * |diff| <= 1e-4 + 1e-3*|ref| comparison, and building / running an --emit-c directory.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import type { GeneratedC } from '../../src/codegen/generate.js';
import { createPrng, uniformFloats } from '../../fixtures/models/random.js';

ort.env.wasm.numThreads = 1;

/** Deterministic uniform floats in [lo, hi) (the fixtures' mulberry32 generator). */
export function seededFloats(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  return uniformFloats(createPrng(seed), count, lo, hi);
}

export interface Feed {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Runs the model in onnxruntime-web (wasm, one thread) and returns the named outputs. */
export async function ortRun(bytes: Uint8Array, feeds: readonly Feed[], outputs: readonly string[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const f: Record<string, ort.Tensor> = {};
    for (const x of feeds) f[x.name] = new ort.Tensor('float32', x.data, [...x.shape]);
    const r = await session.run(f, [...outputs]);
    return outputs.map((o) => {
      const t = r[o];
      if (!t) throw new Error(`onnxruntime-web gave no output '${o}'`);
      return new Float32Array(t.data as Float32Array);
    });
  } finally {
    await session.release();
  }
}

/**
 * Extra graph outputs ("probes") for models whose own outputs cannot show a wrong result. torchvision
 * initialises ViT's classification head to zeros, so vit_tiny_32's logits are 0 whatever the encoder
 * computes: a kernel that computed one token of 65 passed for months. The probe compares the final
 * LayerNorm output, every token.
 */
export const PROBES: ReadonlyMap<string, readonly string[]> = new Map([['vit_tiny_32.onnx', ['/encoder/ln/Add_1_output_0']]]);

/** The model file's bytes, with its probe tensors (PROBES) added as float graph outputs. */
export function modelBytes(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  const probes = PROBES.get(basename(path));
  if (!probes) return bytes;
  const { ModelProto } = onnxProto.onnx;
  const model = ModelProto.decode(bytes);
  const graph = model.graph!;
  for (const name of probes) {
    if (!(graph.node ?? []).some((n) => (n.output ?? []).includes(name))) throw new Error(`probe '${name}' is not a tensor of ${basename(path)}`);
    (graph.output ??= []).push({ name, type: { tensorType: { elemType: 1 } } });
  }
  return new Uint8Array(ModelProto.encode(model).finish());
}

/**
 * onnxruntime-web's outputs for a model file (with its probes), refusing a reference that cannot
 * catch a wrong result: when every output is one repeated value, the comparison proves nothing.
 */
export async function ortReference(path: string, feeds: readonly Feed[], outputs: readonly string[]): Promise<Float32Array[]> {
  const ref = await ortRun(modelBytes(path), feeds, outputs);
  if (ref.every((r) => r.every((v) => v === r[0]))) {
    throw new Error(`${basename(path)}: every reference output is constant, so comparing with it cannot catch a wrong result; add a probe output in PROBES (test/helpers/ort-reference.ts)`);
  }
  return ref;
}

export interface Comparison {
  readonly ok: boolean;
  readonly maxAbs: number;
  readonly maxRel: number;
  readonly worst: string;
}

/** Every element within |diff| <= 1e-4 + 1e-3*|ref| (NaN never passes). */
export function compare(got: Float32Array, ref: Float32Array): Comparison {
  let ok = got.length === ref.length;
  let maxAbs = 0;
  let maxRel = 0;
  let worst = ok ? '' : `length ${got.length} != ${ref.length}`;
  for (let i = 0; i < Math.min(got.length, ref.length); i++) {
    const d = Math.abs(got[i]! - ref[i]!);
    const bad = !(d <= 1e-4 + 1e-3 * Math.abs(ref[i]!));
    if (Number.isNaN(d) || d > maxAbs) maxAbs = Number.isNaN(d) ? Infinity : d;
    const rel = d / Math.max(Math.abs(ref[i]!), 1e-12);
    if (rel > maxRel && Math.abs(ref[i]!) > 1e-3) maxRel = rel;
    if (bad && ok) {
      ok = false;
      worst = `element ${i}: got ${got[i]}, want ${ref[i]}`;
    }
  }
  return { ok, maxAbs, maxRel, worst };
}

/** Writes the generated files into dir (created). */
export function writeGenerated(gen: GeneratedC, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of gen.files) writeFileSync(join(dir, f.name), f.text);
}

/** Runs make in dir; throws with the output on failure. */
export function make(dir: string, args: readonly string[] = []): void {
  const r = spawnSync('make', ['-s', '-C', dir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(missingDependency('make') ?? r.error.message, { cause: r.error });
  if (r.status !== 0) throw new Error(`make ${args.join(' ')} in ${dir} failed:\n${r.stdout}${r.stderr}`.slice(0, 20000));
}

/**
 * Objects that do not depend on the schedule (the weights, large and slow to compile, and the
 * runtime) are cached in os.tmpdir() under the SHA-256 of their source text and the Makefile
 * (content addressed, so a stale object can never be used).
 */
export const OBJECT_CACHE = join(tmpdir(), 'memplan-object-cache');

const CACHED_OBJECTS: readonly [string, string][] = [
  ['model_weights.o', 'model_weights.c'],
  ['memplan_kernels.o', 'memplan_kernels.c'],
  ['model_support.o', 'model_support.c'],
  ['memplan_kernels_int.o', 'memplan_kernels_int.c'],
  ['memplan_kernels_qlinear.o', 'memplan_kernels_qlinear.c'],
  ['memplan_hooks_host.o', 'memplan_hooks_host.c'],
  ['memplan_hooks_host_poison.o', 'memplan_hooks_host.c'],
  ['memplan_kernels.asan.o', 'memplan_kernels.c'],
  ['model_support.asan.o', 'model_support.c'],
  ['memplan_hooks_host.asan.o', 'memplan_hooks_host.c'],
];

function objectKey(dir: string, obj: string, src: string): string {
  const h = createHash('sha256');
  h.update(obj).update('\0').update(readFileSync(join(dir, 'Makefile'))).update('\0');
  for (const f of ['memplan_kernels.h', 'memplan_hooks.h', 'model_support.h', 'model_weights.h', 'memplan_kernels_int.h', 'memplan_kernels_qlinear.h']) {
    if (existsSync(join(dir, f))) h.update(readFileSync(join(dir, f)));
    h.update('\0');
  }
  return h.update(readFileSync(join(dir, src))).digest('hex');
}

/** Copies cached objects matching dir's sources into dir (timestamped now, so make keeps them). */
export function reuseObjects(dir: string): void {
  const now = new Date();
  for (const [obj, src] of CACHED_OBJECTS) {
    const cached = join(OBJECT_CACHE, `${objectKey(dir, obj, src)}.o`);
    if (!existsSync(cached)) continue;
    copyFileSync(cached, join(dir, obj));
    utimesSync(join(dir, obj), now, now);
  }
}

/** Stores dir's schedule-independent objects in the cache. */
export function rememberObjects(dir: string): void {
  mkdirSync(OBJECT_CACHE, { recursive: true });
  for (const [obj, src] of CACHED_OBJECTS) {
    if (!existsSync(join(dir, obj))) continue;
    const cached = join(OBJECT_CACHE, `${objectKey(dir, obj, src)}.o`);
    if (existsSync(cached)) continue;
    const tmp = `${cached}.${process.pid}.tmp`;
    copyFileSync(join(dir, obj), tmp);
    renameSync(tmp, cached);
  }
}

/** Runs a built runner on the inputs; returns the outputs (throws with stderr on failure). */
export function runHost(program: string, dir: string, inputs: readonly Float32Array[], outputSizes: readonly number[]): Float32Array[] {
  const ins = inputs.map((x, i) => {
    const p = join(dir, `in${i}.bin`);
    writeFileSync(p, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    return p;
  });
  const outs = outputSizes.map((_, i) => join(dir, `out${i}.bin`));
  const r = spawnSync(program, [...ins, ...outs], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${program} failed (status ${r.status}, signal ${r.signal}):\n${r.stdout}${r.stderr}`.slice(0, 20000));
  return outs.map((p, i) => {
    const b = readFileSync(p);
    const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    if (f.length !== outputSizes[i]) throw new Error(`output ${i}: ${f.length} floats, expected ${outputSizes[i]}`);
    return f;
  });
}

// ---- one model, one configuration: analyse, generate, build, run, compare ----------------------

import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import type { Analysis } from '../../src/pipeline.js';
import { generateC } from '../../src/codegen/generate.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { basename } from 'node:path';
import { missingDependency } from './system-deps.js';

export interface Config {
  readonly label: string;
  readonly sramBytes?: number;
  /** 0 = no DRAM (--dram 0). */
  readonly dramBytes?: number;
  readonly cores?: number;
  readonly doubleBuffer?: boolean;
  readonly poison?: boolean;
  readonly asan?: boolean;
}

export async function analyzeFile(path: string, cfg: Config, inputShapes?: ReadonlyMap<string, readonly number[]>): Promise<Analysis> {
  const bytes = modelBytes(path);
  const target = applyOverrides(DEFAULT_TARGET, {
    ...(cfg.sramBytes !== undefined ? { sramBytes: cfg.sramBytes } : {}),
    ...(cfg.dramBytes !== undefined ? { dramBytes: cfg.dramBytes } : {}),
    ...(cfg.cores !== undefined ? { cores: cfg.cores } : {}),
  });
  return analyzeModel(bytes, {
    modelName: basename(path),
    target,
    ...(inputShapes ? { inputShapes } : {}),
    doubleBuffer: cfg.doubleBuffer ?? true,
  });
}

export interface RunOutcome {
  readonly analysis: Analysis;
  readonly outputs: Float32Array[];
  readonly dir: string;
}

/** Generates, builds (reusing a cached weights object) and runs one configuration. */
export function buildAndRun(analysis: Analysis, dir: string, cfg: Config, inputs: readonly Float32Array[]): Float32Array[] {
  writeGenerated(generateC(toCodegenInput(analysis)), dir);
  reuseObjects(dir);
  const target = cfg.asan ? 'model_host_asan' : cfg.poison ? 'model_host_poison' : 'model_host';
  make(dir, [target]);
  rememberObjects(dir);
  const sizes = analysis.graph.outputs.map((o) => analysis.graph.tensors.get(o)!.elementCount);
  return runHost(join(dir, target), dir, inputs, sizes);
}

/** Seeded inputs for the graph inputs of an analysis (uniform in [-1, 1)). */
export function inputsFor(analysis: Analysis, seed: number): Feed[] {
  return analysis.graph.inputs.map((name, i) => {
    const t = analysis.graph.tensors.get(name)!;
    return { name, shape: t.shape, data: seededFloats(t.elementCount, seed + i) };
  });
}
