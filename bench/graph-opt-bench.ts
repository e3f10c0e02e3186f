/**
 * Graph optimizations (issue 9), per shared model: the baseline peak (peakLiveBytes) and the optimized
 * peak with their ratio, the bytes each kind of optimization saved, the time of the memory-aware
 * order search (searchOrder on the layers optimizeGraph searches, median of several in-process runs)
 * and of all graph optimizations, and the search's share of the whole CLI run (`memplan MODEL
 * --format json` in a fresh node process, median). Target: the search under 10% on DenseNet-121.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Table from 'cli-table3';
import { repoRoot } from './bench-util.js';
import { importOnnx } from '../src/frontend/import-onnx.js';
import { optimizeGraph } from '../src/graph-opt/optimize-graph.js';
import { OPTIMIZATION_KINDS } from '../src/graph-opt/layer-graph.js';
import { LayerBuilder } from '../src/graph-opt/layer-builder.js';
import { LAYER_PASSES } from '../src/graph-opt/passes/index.js';
import { buildMemoryProblem } from '../src/graph-opt/memory-model.js';
import { searchOrder } from '../src/graph-opt/order-search.js';

const RUNS = Number(process.env['MEMPLAN_BENCH_RUNS'] ?? 5);

const MODELS: readonly [string, string][] = [
  ['torchvision', 'mnasnet0_5_96'],
  ['torchvision', 'squeezenet1_1_96'],
  ['torchvision', 'efficientnet_b0_96'],
  ['torchvision', 'regnet_x_400mf_96'],
  ['torchvision', 'mobilenet_v2_224'],
  ['torchvision', 'vit_tiny_32'],
  ['light', 'light_bvlc_alexnet'],
  ['light', 'light_densenet121'],
  ['light', 'light_inception_v1'],
  ['light', 'light_inception_v2'],
  ['light', 'light_resnet50'],
  ['light', 'light_shufflenet'],
  ['light', 'light_squeezenet'],
  ['light', 'light_vgg19'],
  ['light', 'light_zfnet512'],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeMs(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function runGraphOptBench(): string {
  const root = repoRoot();
  const cli = path.join(root, 'dist/src/cli/main.js');
  const table = new Table({
    head: ['model', 'layers', 'baseline peak', 'optimized peak', 'ratio', ...OPTIMIZATION_KINDS.map((k) => `saved ${k}`), 'order', 'search (ms)', 'graph-opt (ms)', 'CLI (ms)', 'search share'],
    style: { head: [], border: [] },
  });
  for (const [dir, name] of MODELS) {
    const file = path.join(root, '..', 'shared', 'models', dir, `${name}.onnx`);
    if (!existsSync(file)) {
      table.push([name, `missing ${path.relative(root, file)}`]);
      continue;
    }
    const graph = importOnnx(readFileSync(file), { fileName: `${name}.onnx` });
    const o = optimizeGraph(graph);
    // The search alone, on the same layers and storages optimizeGraph searches (default passes).
    const b = new LayerBuilder(graph, 'as-is');
    for (const pass of LAYER_PASSES) pass.run(b);
    const layers = b.finish();
    const problem = buildMemoryProblem(layers, b.forest, graph.inputs, graph.outputs);
    // optimizeGraph searches once more without copy-free Concat when a Concat was made copy-free
    // (it keeps the better schedule): the share counts every search it runs.
    const searches = b.records.some((r) => r.pass === 'copy-free-concat') ? 2 : 1;
    const searchMs = searches * median(Array.from({ length: RUNS }, () => timeMs(() => searchOrder(problem))));
    const optMs = median(Array.from({ length: RUNS }, () => timeMs(() => optimizeGraph(graph))));
    const cliMs = median(
      Array.from({ length: Math.max(1, Math.min(RUNS, 3)) }, () =>
        timeMs(() => spawnSync(process.execPath, [cli, file, '--format', 'json'], { cwd: root, stdio: 'ignore' })),
      ),
    );
    table.push([
      name,
      `${o.layers.length}/${graph.nodes.length}`,
      String(o.baselinePeakBytes),
      String(o.peakBytes),
      `${(o.baselinePeakBytes / Math.max(1, o.peakBytes)).toFixed(2)}x`,
      ...OPTIMIZATION_KINDS.map((k) => String(o.savedBytes[k])),
      o.order.method,
      `${searchMs.toFixed(1)}${searches > 1 ? ' (2 runs)' : ''}`,
      optMs.toFixed(1),
      cliMs.toFixed(0),
      `${((100 * searchMs) / cliMs).toFixed(1)}%`,
    ]);
  }
  return `${table.toString()}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(runGraphOptBench());
}
