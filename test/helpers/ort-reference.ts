/**
 * Test helpers for generated C: onnxruntime-web reference outputs, seeded inputs, the
 * |diff| <= 1e-4 + 1e-3*|ref| comparison, and building / running an --emit-c directory.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
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

/**
 * Runs make in dir (throws with the output on failure), reusing object files from OBJECT_CACHE:
 * before make, every object the Makefile builds from a source of dir (X.o, X.asan.o, the poison
 * hooks) whose key is cached is copied in (timestamped now, so make keeps it); after make, the
 * objects it built are stored. The runtime (the same sources for every model) and the weights (large)
 * compile once, not once per build.
 */
export function make(dir: string, args: readonly string[] = []): void {
  const objects = cacheableObjects(dir, args);
  reuseObjects(dir, objects);
  const r = spawnSync('make', ['-s', '-C', dir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(missingDependency('make') ?? r.error.message, { cause: r.error });
  if (r.status !== 0) throw new Error(`make ${args.join(' ')} in ${dir} failed:\n${r.stdout}${r.stderr}`.slice(0, 20000));
  rememberObjects(dir, objects);
}

/**
 * The object cache: content addressed (an object's key is the SHA-256 of everything its compilation
 * reads, below), so a stale object can never be used. MEMPLAN_OBJECT_CACHE moves it (a cold run).
 */
export const OBJECT_CACHE = process.env.MEMPLAN_OBJECT_CACHE || join(tmpdir(), 'memplan-object-cache');

interface CachedObject {
  readonly obj: string;
  readonly key: string;
}

let compilerId: string | undefined;

/** The compiler make runs ($CC, else cc) and its version, so a compiler upgrade misses the cache. */
function compilerIdentity(): string {
  if (compilerId === undefined) {
    const cc = process.env.CC || 'cc';
    const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    compilerId = `${cc}\0${r.stdout ?? ''}`;
  }
  return compilerId;
}

/** The quoted includes of a source, transitively, that are files of dir (system headers are <...>). */
function localIncludes(dir: string, src: string): string[] {
  const seen = new Set<string>([src]);
  const queue = [src];
  while (queue.length > 0) {
    const text = readFileSync(join(dir, queue.shift()!), 'utf8');
    for (const m of text.matchAll(/^\s*#\s*include\s*"([^"]+)"/gm)) {
      const h = m[1]!;
      if (!seen.has(h) && existsSync(join(dir, h))) {
        seen.add(h);
        queue.push(h);
      }
    }
  }
  return [...seen].sort();
}

/**
 * The objects make may build from dir's sources, with their keys: the object's name (its flags
 * come from the Makefile rule for that name), the Makefile, the make variables given on the command
 * line (CFLAGS=..., KERNEL_FLAGS=...), the compiler, and the source with every local header it includes.
 */
function cacheableObjects(dir: string, args: readonly string[]): CachedObject[] {
  const base = createHash('sha256')
    .update(readFileSync(join(dir, 'Makefile')))
    .update('\0')
    .update(args.filter((a) => a.includes('=')).join('\0'))
    .update('\0')
    .update(compilerIdentity())
    .digest('hex');
  const out: CachedObject[] = [];
  for (const src of readdirSync(dir).filter((f) => f.endsWith('.c')).sort()) {
    const h = createHash('sha256').update(base);
    for (const f of localIncludes(dir, src)) h.update('\0').update(f).update('\0').update(readFileSync(join(dir, f)));
    const sourceKey = h.digest('hex');
    const stem = src.slice(0, -2);
    const objs = [`${stem}.o`, `${stem}.asan.o`, ...(stem === 'memplan_hooks_host' ? ['memplan_hooks_host_poison.o'] : [])];
    for (const obj of objs) out.push({ obj, key: createHash('sha256').update(obj).update('\0').update(sourceKey).digest('hex') });
  }
  return out;
}

function reuseObjects(dir: string, objects: readonly CachedObject[]): void {
  const now = new Date();
  for (const { obj, key } of objects) {
    const cached = join(OBJECT_CACHE, `${key}.o`);
    if (existsSync(join(dir, obj)) || !existsSync(cached)) continue;
    copyFileSync(cached, join(dir, obj));
    utimesSync(join(dir, obj), now, now);
  }
}

function rememberObjects(dir: string, objects: readonly CachedObject[]): void {
  mkdirSync(OBJECT_CACHE, { recursive: true });
  for (const { obj, key } of objects) {
    const cached = join(OBJECT_CACHE, `${key}.o`);
    if (!existsSync(join(dir, obj)) || existsSync(cached)) continue;
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
import type { TargetSpec } from '../../src/schedule/target.js';
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
  /** Depth-first segments (default on, as the CLI; false = --no-depth-first). */
  readonly depthFirst?: boolean;
  /** false: line-buffer segments only (no column patches). */
  readonly patches?: boolean;
  /** false: no 2-D tiles (default: `patches`). */
  readonly tiles?: boolean;
  /** false: no two-pass recompute of squeeze-excitation blocks (default on). */
  readonly recompute?: boolean;
  /** --max-slowdown as a fraction (default 0.1). */
  readonly maxSlowdown?: number;
  /** The target before the overrides above (default: the built-in DEFAULT_TARGET). */
  readonly target?: TargetSpec;
}

export async function analyzeFile(path: string, cfg: Config, inputShapes?: ReadonlyMap<string, readonly number[]>): Promise<Analysis> {
  const bytes = modelBytes(path);
  const target = applyOverrides(cfg.target ?? DEFAULT_TARGET, {
    ...(cfg.sramBytes !== undefined ? { sramBytes: cfg.sramBytes } : {}),
    ...(cfg.dramBytes !== undefined ? { dramBytes: cfg.dramBytes } : {}),
    ...(cfg.cores !== undefined ? { cores: cfg.cores } : {}),
  });
  return analyzeModel(bytes, {
    modelName: basename(path),
    target,
    ...(inputShapes ? { inputShapes } : {}),
    doubleBuffer: cfg.doubleBuffer ?? true,
    ...(cfg.depthFirst !== undefined ? { depthFirst: cfg.depthFirst } : {}),
    ...(cfg.patches !== undefined ? { depthFirstPatches: cfg.patches } : {}),
    ...(cfg.tiles !== undefined ? { depthFirstTiles: cfg.tiles } : {}),
    ...(cfg.recompute !== undefined ? { depthFirstRecompute: cfg.recompute } : {}),
    ...(cfg.maxSlowdown !== undefined ? { maxSlowdown: cfg.maxSlowdown } : {}),
  });
}

export interface RunOutcome {
  readonly analysis: Analysis;
  readonly outputs: Float32Array[];
  readonly dir: string;
}

/** Generates, builds (reusing cached objects: make) and runs one configuration. */
export function buildAndRun(analysis: Analysis, dir: string, cfg: Config, inputs: readonly Float32Array[]): Float32Array[] {
  writeGenerated(generateC(toCodegenInput(analysis)), dir);
  const target = cfg.asan ? 'model_host_asan' : cfg.poison ? 'model_host_poison' : 'model_host';
  make(dir, [target]);
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
