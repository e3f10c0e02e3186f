/**
 * Depth-first segments (issue 10), per model: the smallest SRAM (`--min-sram`, exact) without
 * depth-first segments, with line-buffer segments only, with column patches too, and with 2-D tiles too (the default),
 * with no DRAM (`--dram 0`), and with and without segments with an unbounded DRAM; the extra compute
 * of the segments (halo columns of patch segments, halo rows and columns of tiles; line buffers recompute nothing); the estimated
 * cycles at each smallest SRAM with no DRAM; the segments chosen and the milliseconds the choice took.
 * and the smallest SRAM with DRAM when the weights live in a DRAM the cores cannot read (weight tiles DMA'd).
 * Standalone: `npm run build && node dist/bench/depth-first-bench.js [model ...]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import Table from 'cli-table3';
import { repoRoot } from './bench-util.js';
import type { Analysis } from '../src/pipeline.js';
import { analyzeModel } from '../src/pipeline.js';
import type { DtypeMode } from '../src/liveness/graph-liveness.js';
import type { Stmt } from '../src/ir/loop.js';
import { applyOverrides, DEFAULT_TARGET } from '../src/schedule/target.js';

interface BenchModel {
  readonly label: string;
  readonly file: string;
  readonly dtype: DtypeMode;
  /** The target for `--dram 0 --min-sram` with segments, if it names one. */
  readonly targetBytes?: number;
}

const MODELS: readonly BenchModel[] = [
  { label: 'mnasnet0_5_96', file: 'torchvision/mnasnet0_5_96.onnx', dtype: 'as-is', targetBytes: 156672 },
  { label: 'squeezenet1_1_96', file: 'torchvision/squeezenet1_1_96.onnx', dtype: 'as-is' },
  { label: 'efficientnet_b0_96', file: 'torchvision/efficientnet_b0_96.onnx', dtype: 'as-is', targetBytes: 359424 },
  { label: 'regnet_x_400mf_96', file: 'torchvision/regnet_x_400mf_96.onnx', dtype: 'as-is' },
  { label: 'mobilenet_v2_224 int8', file: 'torchvision/mobilenet_v2_224.onnx', dtype: 'int8', targetBytes: 176128 },
  { label: 'light_densenet121 int8', file: 'light/light_densenet121.onnx', dtype: 'int8' },
  // Integer TFLite (NHWC; the first segment reads the NCHW graph input through its TRANSPOSE).
  { label: 'mobilenet_v2_quantized .tflite', file: 'tflite/mobilenet_v2_quantized_1x3x224x224.tflite', dtype: 'as-is', targetBytes: 176128 },
  { label: 'person_detect .tflite', file: 'tflite/person_detect.tflite', dtype: 'as-is' },
];

const NO_DRAM = applyOverrides(DEFAULT_TARGET, { sramBytes: 16, dramBytes: 0 });
const WITH_DRAM = applyOverrides(DEFAULT_TARGET, { sramBytes: 16 });
/** The same, with the weights in that DRAM and the cores unable to read it (weight tiles DMA'd into SRAM). */
const DMA_WEIGHTS = { ...WITH_DRAM, memories: WITH_DRAM.memories.map((m) => (m.kind === 'global' ? { ...m, coreAccess: false } : m)), weightsMemory: 'dram' };

/** A change in percent with its sign: +8%, -16%, +0%. */
function signedPct(pct: number): string {
  const r = Math.round(pct);
  return `${r < 0 ? '' : '+'}${r}%`;
}

/** MACs of every compute statement times the iterations of its loops. */
function totalMacs(a: Analysis): number {
  const walk = (body: readonly Stmt[], times: number): number =>
    body.reduce((s, st) => s + (st.kind === 'loop' ? walk(st.body, times * st.extent) : st.kind === 'compute' ? st.macs * times : 0), 0);
  return a.schedule.layers.reduce((s, l) => s + walk(l.body, 1), 0);
}

async function minSram(bytes: Uint8Array, m: BenchModel, target: typeof NO_DRAM, depthFirst: boolean, patches = true, tiles = patches): Promise<{ bytes: number | undefined; analysis: Analysis | undefined; ms: number }> {
  const t0 = performance.now();
  const opts = { modelName: path.basename(m.file), dtype: m.dtype, depthFirst, depthFirstPatches: patches, depthFirstTiles: tiles };
  const probe = await analyzeModel(bytes, { ...opts, target, findMinSram: true });
  const min = probe.report.minSramBytes;
  const analysis = min === undefined ? undefined : await analyzeModel(bytes, { ...opts, target: applyOverrides(target, { sramBytes: min }) });
  return { bytes: min, analysis, ms: performance.now() - t0 };
}

const kib = (b: number | undefined) => (b === undefined ? '-' : `${b} (${(b / 1024).toFixed(1)} KiB)`);

export async function runDepthFirstBench(only: readonly string[] = []): Promise<string> {
  const root = repoRoot();
  const table = new Table({
    head: [
      'model',
      'min SRAM --dram 0',
      'line buffers',
      '+ patches',
      '+ tiles',
      'saved',
      'issue target',
      'min SRAM with DRAM',
      'with depth-first',
      'weights DMA only',
      'segments (patches, tiles)',
      'overlays: lag (B)',
      'extra compute (+ patches)',
      'extra compute (+ tiles)',
      'cycles --dram 0',
      'line buffers',
      '+ patches',
      '+ tiles',
      'choose (ms)',
      'total (s)',
    ],
    style: { head: [], border: [] },
  });
  for (const m of MODELS) {
    if (only.length > 0 && !only.some((o) => m.label.includes(o))) continue;
    const file = path.join(root, '..', 'shared', 'models', m.file);
    if (!existsSync(file)) {
      table.push([m.label, { colSpan: 19, content: `missing ../shared/models/${m.file}` }]);
      continue;
    }
    const bytes = new Uint8Array(readFileSync(file));
    const t0 = performance.now();
    const offNoDram = await minSram(bytes, m, NO_DRAM, false);
    const linesNoDram = await minSram(bytes, m, NO_DRAM, true, false);
    const patchesNoDram = await minSram(bytes, m, NO_DRAM, true, true, false);
    const onNoDram = await minSram(bytes, m, NO_DRAM, true);
    const offDram = await minSram(bytes, m, WITH_DRAM, false);
    const onDram = await minSram(bytes, m, WITH_DRAM, true);
    const dmaWeights = await minSram(bytes, m, DMA_WEIGHTS, true);
    const on = onNoDram.analysis;
    const seg = on?.report.layers.filter((l) => l.segment) ?? [];
    // The MACs executed include the extra ones (halo, and recomputed squeeze-excitation chains): the layers' own = executed - extra - recomputed.
    const extraPct = (a: Analysis | undefined) => {
      if (!a) return '-';
      const extra = a.report.layers.reduce((s, l) => s + (l.segment?.extraMacs ?? 0), 0);
      const recompute = a.report.layers.reduce((s, l) => s + (l.segment?.recomputeMacs ?? 0), 0);
      const macs = totalMacs(a) - extra - recompute;
      if (macs <= 0) return '-';
      const pct = (x: number) => `${((100 * x) / macs).toFixed(1)}%`;
      return recompute > 0 ? `${pct(extra + recompute)} (recompute ${pct(recompute)})` : pct(extra);
    };
    const cycles = (a: Analysis | undefined) => (a ? a.report.layers.reduce((s, l) => s + l.cycles, 0) : undefined);
    const saved = offNoDram.bytes !== undefined && onNoDram.bytes !== undefined ? `${(100 * (1 - onNoDram.bytes / offNoDram.bytes)).toFixed(1)}%` : '-';
    const target = m.targetBytes === undefined ? '-' : `${m.targetBytes} ${onNoDram.bytes !== undefined && onNoDram.bytes <= m.targetBytes ? 'met' : 'not met'}`;
    table.push([
      m.label,
      kib(offNoDram.bytes),
      kib(linesNoDram.bytes),
      kib(patchesNoDram.bytes),
      kib(onNoDram.bytes),
      saved,
      target,
      kib(offDram.bytes),
      kib(onDram.bytes),
      dmaWeights.bytes !== undefined && offDram.bytes !== undefined ? `${kib(dmaWeights.bytes)} ${signedPct(100 * (dmaWeights.bytes / offDram.bytes - 1))}` : kib(dmaWeights.bytes),
      `${seg.length} (${seg.filter((l) => l.segment!.mode === 'patches').length}, ${seg.filter((l) => l.segment!.mode === 'tiles').length}); ${seg.reduce((s, l) => s + l.segment!.members.length, 0)} nodes`,
      seg.some((l) => l.segment!.overlay) ? seg.filter((l) => l.segment!.overlay).map((l) => `${l.step}: ${l.segment!.overlay!.lagBytes}`).join(', ') : '-',
      extraPct(patchesNoDram.analysis),
      extraPct(on),
      String(cycles(offNoDram.analysis) ?? '-'),
      String(cycles(linesNoDram.analysis) ?? '-'),
      String(cycles(patchesNoDram.analysis) ?? '-'),
      String(cycles(on) ?? '-'),
      on ? on.depthFirst.chooseMs.toFixed(1) : '-',
      ((performance.now() - t0) / 1000).toFixed(1),
    ]);
  }
  return `${table.toString()}\n` +
    'min SRAM: --min-sram (exact: fits at N, not at N-1) on the default target; "with DRAM": unbounded DRAM (segments only\n' +
    'where intermediates would travel to DRAM, within --max-slowdown 10%). cycles: the per-layer estimates summed at the\n' +
    'smallest SRAM with --dram 0 (no depth-first, line-buffer segments only, column patches too, 2-D tiles too: the\n' +
    'default). extra compute: MACs beyond the layers\' own, in % of them (halo columns of patch segments, halo rows and\n' +
    'columns of tiles segments; line-buffer segments recompute nothing; "recompute": the second passes over squeeze-excitation\n' +
    'blocks, their producer chains run again), with column patches and with tiles too.\n' +
    'segments (patches, tiles): segments chosen with --dram 0 by default (of which patch and tiles segments) and the\n' +
    'nodes they run. overlays: the segments (step: lag in bytes) that write their output over the dead part of their\n' +
    'input, the output that many bytes before the input (the pair takes max(lag + input, output) bytes). weights DMA only: the smallest SRAM with DRAM when the weights live in that DRAM and the cores\n' +
    'cannot read it (coreAccess false: weight tiles DMA\'d into SRAM; streaming segments hold SRAM copies of their members\'\n' +
    'weights), and how much more than with readable weights and no segments.\n';
}

const entry = process.argv[1];
if (entry !== undefined && /depth-first-bench\.js$/.test(entry)) {
  process.stdout.write(await runDepthFirstBench(process.argv.slice(2)));
}
