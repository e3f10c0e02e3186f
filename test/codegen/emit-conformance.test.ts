/**
 * Per-operator conformance of generated C. With MEMPLAN_SLOW=1 (`npm run test:slow`) every
 * single-operator test of Debian's
 * libonnx-testdata whose operators all have C kernels goes model -> analysis -> generated C ->
 * host runner, and its outputs must be within |diff| <= 1e-4 + 1e-3*|ref| of the expected ones.
 * Tests memplan declines with a user-facing error (a MemplanError: data-dependent shapes, an
 * operator without a kernel (MP701) ...) or whose inputs are not float32 are counted as not covered;
 * any other exception (an InternalError, a TypeError: a bug in memplan) is a failure, and every
 * covered test must pass. The default suite runs every fifth covered test (a fixed subset).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateC } from '../../src/codegen/generate.js';
import { SUPPORTED_OPS } from '../../src/codegen/ops/index.js';
import { OnnxProto } from '../../src/frontend/onnx-decode.js';
import { tensorFromProto } from '../../src/frontend/onnx-tensor.js';
import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import { DEFAULT_TARGET } from '../../src/schedule/target.js';
import { compileC, compileObjects, makeTempDir, removeDir } from '../helpers/c-build.js';
import { compare, runHost } from '../helpers/ort-reference.js';
import { InternalError, UnsupportedError, isUserError } from '../../src/diagnostics/errors.js';
import { libonnxTestdataDir, skipWithout } from '../helpers/system-deps.js';

const DATA = libonnxTestdataDir();
const tmp = makeTempDir('memplan-emit-conf-');
afterAll(() => removeDir(tmp));
const SUPPORTED = new Set(SUPPORTED_OPS);
const FLAGS = ['-std=c99', '-O1', '-Wall', '-Wextra', '-Werror', '-DMP_HOST_DMA_MAX_INFLIGHT=4096'];

function floats(path: string): Float32Array | undefined {
  const t = tensorFromProto(OnnxProto.TensorProto.decode(readFileSync(path)));
  if (t.dtype !== 'float32') return undefined;
  if (t.data.kind === 'dense') return Float32Array.from(t.data.values as Float32Array);
  if (t.data.kind === 'splat') return new Float32Array(t.shape.reduce((a, b) => a * b, 1)).fill(Number(t.data.value));
  return undefined;
}

const FULL = Boolean(process.env.MEMPLAN_SLOW);

/**
 * What an exception from analysis or C generation means for a conformance test: a MemplanError is
 * memplan declining the model with a one-line message (not covered); anything else is a bug (failed).
 */
export function classifyException(e: unknown): 'not covered' | 'failed' {
  return isUserError(e) ? 'not covered' : 'failed';
}

describe('conformance outcome of an exception', () => {
  it('counts an InternalError or any non-MemplanError as a failure, a MemplanError as not covered', () => {
    expect(classifyException(new InternalError('broken invariant'))).toBe('failed');
    expect(classifyException(new TypeError('x is undefined'))).toBe('failed');
    expect(classifyException('a string')).toBe('failed');
    expect(classifyException(UnsupportedError.of('MP701', { forNode: " for node 'n' (X)", why: 'no C kernel' }))).toBe('not covered');
  });
});

describe.skipIf(skipWithout('libonnx-testdata'))('libonnx-testdata through generated C', () => {
  it(FULL ? 'every covered single-operator test passes' : 'a fixed fifth of the covered single-operator tests pass', async () => {
    const runtime = join(tmp, 'runtime');
    let runtimeObjects: string[] | undefined;
    const passed: string[] = [];
    const failed: string[] = [];
    let notCovered = 0;
    let covered = 0;
    for (const name of readdirSync(DATA).sort()) {
      const dir = join(DATA, name);
      const modelPath = join(dir, 'model.onnx');
      const set = join(dir, 'test_data_set_0');
      if (!existsSync(modelPath) || !existsSync(set)) continue;
      const bytes = new Uint8Array(readFileSync(modelPath));
      const model = OnnxProto.ModelProto.decode(bytes);
      const ops = (model.graph?.node ?? []).map((n) => n.opType ?? '');
      if (ops.length === 0 || !ops.every((o) => SUPPORTED.has(o))) {
        notCovered++;
        continue;
      }
      let gen;
      let analysis;
      try {
        analysis = await analyzeModel(bytes, { modelName: name, target: DEFAULT_TARGET });
        gen = generateC(toCodegenInput(analysis));
      } catch (e) {
        if (classifyException(e) === 'failed') failed.push(`${name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        else notCovered++;
        continue;
      }
      const inputs: Float32Array[] = [];
      const wants: Float32Array[] = [];
      let ok = true;
      analysis.graph.inputs.forEach((_, i) => {
        const f = existsSync(join(set, `input_${i}.pb`)) ? floats(join(set, `input_${i}.pb`)) : undefined;
        if (!f) ok = false;
        else inputs.push(f);
      });
      analysis.graph.outputs.forEach((_, i) => {
        const f = existsSync(join(set, `output_${i}.pb`)) ? floats(join(set, `output_${i}.pb`)) : undefined;
        if (!f) ok = false;
        else wants.push(f);
      });
      if (!ok || analysis.graph.inputs.length === 0) {
        notCovered++;
        continue;
      }
      if (!FULL && covered++ % 5 !== 0) continue;
      const out = join(tmp, name);
      mkdirSync(out, { recursive: true });
      for (const f of gen.files) writeFileSync(join(out, f.name), f.text);
      // The runtime and support sources are the same for every model: compiled once.
      runtimeObjects ??= compileObjects({
        sources: ['memplan_kernels', 'memplan_hooks_host', 'model_support'].map((f) => join(out, `${f}.c`)), outDir: runtime, flags: FLAGS,
      });
      try {
        compileC({
          sources: [join(out, 'model.c'), join(out, 'model_weights.c'), join(out, 'model_host.c'), ...runtimeObjects],
          output: join(out, 'host'), includeDirs: [out], flags: [...FLAGS, '-DMP_POISON', '-pthread'], libs: ['-lm'],
        });
        const got = runHost(join(out, 'host'), out, inputs, wants.map((w) => w.length));
        const bad = got.map((g, i) => compare(g, wants[i]!)).find((c) => !c.ok);
        if (bad) failed.push(`${name}: ${bad.worst}`);
        else passed.push(name);
      } catch (e) {
        failed.push(`${name}: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`);
      }
    }
    console.log(`libonnx-testdata through generated C: ${passed.length} passed, ${failed.length} failed, ${notCovered} not covered`);
    console.log(`passed: ${passed.join(' ')}`);
    if (failed.length > 0) console.log(`failed:\n${failed.join('\n')}`);
    expect(passed.length).toBeGreaterThan(FULL ? 240 : 45);
    expect(failed).toEqual([]);
  }, 1_800_000);
});
