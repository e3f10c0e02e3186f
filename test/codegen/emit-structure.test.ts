/**
 * Properties of the generated files: pool macros equal the plan, no allocation calls anywhere,
 * byte-identical output for the same input, readable names and per-layer comments, MP701 for an
 * operator without a kernel, the runner's error handling, and a clean ASan + UBSan run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateC } from '../../src/codegen/generate.js';
import type { Stmt } from '../../src/ir/loop.js';
import { emitC } from '../../src/cli/commands/codegen.js';
import { analyzeGraph, toCodegenInput } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { memoryHost } from '../../src/host.js';
import { buildGraph } from '../helpers/graph-builder.js';
import { makeTempDir, removeDir, runProgram } from '../helpers/c-build.js';
import { analyzeFile, compare, inputsFor, make, ortReference, runHost, writeGenerated } from '../helpers/ort-reference.js';

const FIX = join(process.cwd(), 'fixtures/models');
const tmp = makeTempDir('memplan-emit-structure-');
afterAll(() => removeDir(tmp));

function file(gen: ReturnType<typeof generateC>, name: string): string {
  const f = gen.files.find((x) => x.name === name);
  if (!f) throw new Error(`no ${name}`);
  return f.text;
}

describe('generated files', () => {
  it('pool size macros equal the plan used bytes; buffers are pool + the planned offset', async () => {
    for (const cfg of [{ label: 'a' }, { label: 'b', sramBytes: 32 * 1024, cores: 4 }]) {
      const a = await analyzeFile(join(FIX, 'resnet8.onnx'), cfg);
      const gen = generateC(toCodegenInput(a));
      const h = file(gen, 'model.h');
      for (const p of a.plan.pools) {
        expect(h).toContain(`#define MP_POOL_${p.name.toUpperCase()}_BYTES ${p.usedBytes}\n`);
      }
      const c = file(gen, 'model.c');
      for (const al of a.plan.allocations.filter((x) => !x.name.includes('@'))) {
        expect(c).toMatch(new RegExp(`\\(mp_pool_${al.pool} \\+ ${al.offsetBytes}\\)\\) /\\* ${al.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`));
      }
      for (const al of a.plan.allocations.filter((x) => x.name.includes('@'))) {
        expect(c).toContain(`${al.offsetBytes}`);
      }
    }
  });

  it('no generated file allocates memory', async () => {
    const a = await analyzeFile(join(FIX, 'kws-dscnn.onnx'), { label: 'x', sramBytes: 32 * 1024, cores: 2 });
    const gen = generateC(toCodegenInput(a));
    expect(gen.files.map((f) => f.name)).toEqual([
      'model.h', 'model.c', 'model_weights.h', 'model_weights.c', 'model_support.h', 'model_support.c',
      'memplan_kernels.h', 'memplan_kernels.c', 'memplan_kernels_int.h', 'memplan_kernels_int.c', 'memplan_kernels_qlinear.h', 'memplan_kernels_qlinear.c', 'memplan_hooks.h', 'memplan_hooks_host.c', 'model_host.c', 'Makefile', 'README.md',
    ]);
    for (const f of gen.files) {
      expect(f.text, f.name).not.toMatch(/\b(malloc|calloc|realloc|alloca|free)\s*\(/);
    }
  });

  it('two generations are byte-identical', async () => {
    const cfg = { label: 'x', sramBytes: 32 * 1024, cores: 2 };
    const one = generateC(toCodegenInput(await analyzeFile(join(FIX, 'resnet8.onnx'), cfg)));
    const two = generateC(toCodegenInput(await analyzeFile(join(FIX, 'resnet8.onnx'), cfg)));
    expect(two.files.length).toBe(one.files.length);
    one.files.forEach((f, i) => {
      expect(two.files[i]!.name).toBe(f.name);
      expect(two.files[i]!.text === f.text, f.name).toBe(true);
    });
  });

  it('names come from the model and every layer has a comment with op, shapes and tiles', async () => {
    // Layer by layer (at 32K with DRAM depth-first would run conv0 .. s1_conv2 as one segment, checked below).
    const a = await analyzeFile(join(FIX, 'resnet8.onnx'), { label: 'x', sramBytes: 32 * 1024, depthFirst: false });
    const c = file(generateC(toCodegenInput(a)), 'model.c');
    expect(c).toContain('static int layer_0_conv0(void)');
    expect(c).toMatch(/#define B_s1_relu2 \(\(float \*\)\(mp_pool_/);
    expect(c).toContain('Layer 0: conv0 (Conv) [conv]');
    expect(c).toMatch(/inputs: {2}input float32\[1x3x32x32\]/);
    expect(c).toMatch(/tiles: dim \d: \d+ of \d+/);
    expect(c).toContain('mp_dma_start'.replace('mp_', 'mpg_'));
    expect(c).toContain('prefetch the next tile into the other slot');
    for (const l of a.schedule.layers) expect(c).toContain(`Layer ${l.step}: ${l.name} (${l.op})`);
    const df = await analyzeFile(join(FIX, 'resnet8.onnx'), { label: 'x', sramBytes: 32 * 1024 });
    const dc = file(generateC(toCodegenInput(df)), 'model.c');
    const segments = df.schedule.layers.filter((l) => l.segment);
    expect(segments.length).toBeGreaterThan(0);
    for (const l of df.schedule.layers) expect(dc).toContain(`Layer ${l.step}: ${l.name} (${l.op})`);
  });

  it('per-core tiles and parallel loops use mp_parallel_for_cores with per-core offsets', async () => {
    const a = await analyzeFile(join(FIX, 'resnet8.onnx'), { label: 'x', sramBytes: 32 * 1024, cores: 4 });
    const c = file(generateC(toCodegenInput(a)), 'model.c');
    const parallel = a.schedule.layers.filter((l) => l.tile.cores > 1);
    expect(parallel.length).toBeGreaterThan(0);
    expect(c).toContain('mp_parallel_for_cores(');
    expect(c).toMatch(/\(core\) == 0 \? \d+ : \(core\) == 1 \? \d+/);
  });

  it('an operator without a kernel is MP701 naming the node, and nothing is written', async () => {
    const g = buildGraph({
      inputs: ['x'],
      outputs: ['y'],
      tensors: { x: { shape: [1, 4, 8, 8] }, y: { shape: [1, 4, 8, 8] } },
      nodes: [{ name: 'weird_node', op: 'NonMaxSuppressionish', inputs: ['x'], outputs: ['y'] }],
    });
    const a = await analyzeGraph(g, { modelName: 'g.onnx', target: DEFAULT_TARGET });
    expect(() => generateC(toCodegenInput(a))).toThrow(/MP701.*weird_node.*NonMaxSuppressionish/);
    const mh = memoryHost();
    expect(() => emitC(toCodegenInput(a), '/out', mh.host)).toThrow(/MP701/);
    expect(mh.written.size).toBe(0);
  });

  it('emitC writes every file through the host', async () => {
    const a = await analyzeFile(join(FIX, 'kws-dscnn.onnx'), { label: 'x' });
    const mh = memoryHost();
    const names = emitC(toCodegenInput(a), '/out/c', mh.host);
    expect(names).toContain('Makefile');
    for (const n of names) expect(mh.written.has(join('/out/c', n))).toBe(true);
  });

  it('the runner checks its arguments and file sizes; ASan + UBSan run clean with 4 cores and poison', async () => {
    const path = join(FIX, 'kws-dscnn.onnx');
    const cfg = { label: 'asan', sramBytes: 32 * 1024, cores: 4 };
    const a = await analyzeFile(path, cfg);
    const dir = join(tmp, 'asan');
    writeGenerated(generateC(toCodegenInput(a)), dir);
    make(dir, ['model_host_asan']);
    const exe = join(dir, 'model_host_asan');
    const usage = runProgram(exe, []);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/usage: .* in0\.bin out0\.bin/);
    const short = join(dir, 'short.bin');
    (await import('node:fs')).writeFileSync(short, Buffer.alloc(12));
    const bad = runProgram(exe, [short, join(dir, 'o.bin')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/must hold exactly \d+ bytes/);
    const feeds = inputsFor(a, 3);
    const ref = await ortReference(path, feeds, a.graph.outputs);
    const got = runHost(exe, dir, feeds.map((f) => f.data), a.graph.outputs.map((o) => a.graph.tensors.get(o)!.elementCount));
    expect(compare(got[0]!, ref[0]!).worst).toBe('');
  }, 180_000);
});

describe('targets with per-core local memory', () => {
  it('local tiles live in one pool instance per core and the results match', async () => {
    const path = join(FIX, 'resnet8.onnx');
    const base = applyOverrides(DEFAULT_TARGET, { sramBytes: 48 * 1024, cores: 2 });
    const target = { ...base, memories: [...base.memories, { name: 'l1', kind: 'local' as const, sizeBytes: 16 * 1024, perCore: true, bandwidthBytesPerCycle: 32, latencyCycles: 1 }] };
    const { analyzeModel } = await import('../../src/pipeline.js');
    const a = await analyzeModel(new Uint8Array(readFileSync(path)), { modelName: 'resnet8.onnx', target });
    const gen = generateC(toCodegenInput(a));
    const c = file(gen, 'model.c');
    const hasLocal = a.schedule.layers.some((l) => l.buffers.some((b) => b.scope === 'local'));
    expect(hasLocal).toBe(true);
    expect(c).toMatch(/uint8_t mp_pool_l1\[MP_CORES\]\[MP_POOL_L1_BYTES\]/);
    expect(c).toMatch(/\(mp_pool_l1\[core\] \+ \d+\)/);
    const dir = join(tmp, 'local');
    writeGenerated(gen, dir);
    make(dir, ['model_host_poison']);
    const feeds = inputsFor(a, 9);
    const ref = await ortReference(path, feeds, a.graph.outputs);
    const got = runHost(join(dir, 'model_host_poison'), dir, feeds.map((f) => f.data), [10]);
    expect(compare(got[0]!, ref[0]!).worst).toBe('');
  }, 120_000);
});

describe('the host checks make a wrong plan or schedule fail loudly', () => {
  const path = join(FIX, 'resnet8.onnx');
  const cfg = { label: 'x', sramBytes: 32 * 1024 };

  // One analysis and one onnxruntime reference for every variant (the mutations copy, never modify).
  let baseline: Promise<{ a: Awaited<ReturnType<typeof analyzeFile>>; feeds: ReturnType<typeof inputsFor>; ref: Float32Array[] }> | undefined;
  const analysed = () => (baseline ??= (async () => {
    const a = await analyzeFile(path, cfg);
    const feeds = inputsFor(a, 4);
    const ref = await ortReference(path, feeds, a.graph.outputs);
    return { a, feeds, ref };
  })());

  async function runVariant(label: string, mutate: (a: Awaited<ReturnType<typeof analyzeFile>>) => Awaited<ReturnType<typeof analyzeFile>>) {
    const { a, feeds, ref } = await analysed();
    const dir = join(tmp, label);
    writeGenerated(generateC(toCodegenInput(mutate(a))), dir);
    make(dir, ['model_host_poison']);
    const got = runHost(join(dir, 'model_host_poison'), dir, feeds.map((f) => f.data), [10]);
    return compare(got[0]!, ref[0]!);
  }

  it('the unmodified plan and schedule pass', async () => {
    expect((await runVariant('sound', (a) => a)).worst).toBe('');
  }, 60_000);

  it('two live activations at the same offset corrupt the result', async () => {
    const c = await runVariant('overlap', (a) => {
      const live = a.bufferSet.buffers.filter((b) => b.kind !== 'tile' && b.kind !== 'double-buffer' && b.kind !== 'scratch');
      const alloc = new Map(a.plan.allocations.map((x) => [x.name, x]));
      let victim: string | undefined;
      let host: string | undefined;
      for (const x of live) {
        for (const y of live) {
          if (x === y || alloc.get(x.name)?.pool !== alloc.get(y.name)?.pool) continue;
          if ((x.start ?? 0) < (y.start ?? 0) && (x.end ?? 0) > (y.start ?? 0) && x.sizeBytes === y.sizeBytes) {
            victim = y.name;
            host = x.name;
          }
        }
      }
      expect(victim).toBeDefined();
      const allocations = a.plan.allocations.map((x) => (x.name === victim ? { ...x, offsetBytes: alloc.get(host!)!.offsetBytes } : x));
      return { ...a, plan: { ...a.plan, allocations } };
    });
    expect(c.ok).toBe(false);
  }, 60_000);

  it('reading a tile before waiting for its DMA corrupts the result', async () => {
    const c = await runVariant('early-read', (a) => {
      let moved = 0;
      const fix = (body: readonly Stmt[]): Stmt[] => {
        const waits = body.filter((s) => s.kind === 'dma-wait' && body.some((t) => t.kind === 'dma-start' && t.token === s.token && t.direction === 'in'));
        const rest = body.filter((s) => !waits.includes(s)).map((s) => (s.kind === 'loop' ? { ...s, body: fix(s.body) } : s));
        moved += waits.length;
        return [...rest, ...waits];
      };
      const layers = a.schedule.layers.map((l) => ({ ...l, body: fix(l.body) }));
      expect(moved).toBeGreaterThan(0);
      return { ...a, schedule: { ...a.schedule, layers } };
    });
    expect(c.ok).toBe(false);
  }, 60_000);
});

describe('names that are not C identifiers', () => {
  it('comments, strings and identifiers stay valid C; the result is right', async () => {
    const x = 'in put*/ "x" ??= /*';
    const mid = '1/*mid*/';
    const y = 'out\\put';
    const g = buildGraph({
      inputs: [x],
      outputs: [y],
      tensors: { [x]: { shape: [1, 2, 3, 4] }, [mid]: { shape: [1, 2, 3, 4] }, [y]: { shape: [1, 2, 3, 4] } },
      nodes: [
        { name: 'int', op: 'Relu', inputs: [x], outputs: [mid] },
        { name: 'weird */ "node" ??=', op: 'Neg', inputs: [mid], outputs: [y] },
      ],
    });
    const a = await analyzeGraph(g, { modelName: 'we*/ird.onnx', target: DEFAULT_TARGET });
    const dir = join(tmp, 'weird');
    writeGenerated(generateC(toCodegenInput(a)), dir);
    make(dir, ['model_host_poison']);
    const input = Float32Array.from({ length: 24 }, (_, i) => (i % 5) - 2.5);
    const got = runHost(join(dir, 'model_host_poison'), dir, [input], [24]);
    expect(Array.from(got[0]!)).toEqual(Array.from(input, (v) => -Math.max(v, 0)));
  }, 60_000);
});
