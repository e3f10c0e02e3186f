/**
 * Per shared .tflite model (issue 11): the baseline peak (DESIGN.md's liveness convention), TFLite
 * Micro's GreedyMemoryPlanner arena on the same lifetimes (tflm-greedy.ts; plus its persistent
 * variable tensors), and memplan's SRAM plan (the whole analysis with SRAM large enough to hold
 * everything, so the plan is the SRAM a no-DRAM deployment needs). memplan's plan must never be larger.
 */
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import Table from 'cli-table3';
import { repoRoot } from './bench-util.js';
import { analyzeModel } from '../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../src/schedule/target.js';
import { tflmGreedyArenaBytes } from './tflm-greedy.js';

export interface TfliteBenchRow {
  readonly model: string;
  readonly baselinePeakBytes: number;
  /** The peak of what runs after the graph optimizations (a PAD folded into a convolution never exists): memplan's lower bound. */
  readonly optimizedPeakBytes: number;
  readonly tflmArenaBytes: number;
  readonly memplanSramBytes: number;
}

export function sharedTfliteModels(): string[] {
  const dir = path.join(repoRoot(), '..', 'shared', 'models', 'tflite');
  const top = readdirSync(dir).filter((f) => f.endsWith('.tflite'));
  const seanet = readdirSync(path.join(dir, 'seanet')).filter((f) => f.endsWith('.tflite')).map((f) => `seanet/${f}`);
  return [...top, ...seanet].sort().map((f) => path.join(dir, f));
}

export async function benchTflite(file: string): Promise<TfliteBenchRow> {
  const bytes = readFileSync(file);
  const target = applyOverrides(DEFAULT_TARGET, { sramBytes: 64 * 1024 * 1024 });
  const a = await analyzeModel(bytes, { modelName: path.basename(file), target });
  const buffers = a.liveness.intervals.map((iv) => ({ name: iv.tensor, sizeBytes: iv.sizeBytes, firstStep: iv.startStep, lastStep: iv.endStep }));
  const stateBytes = [...(a.graph.states?.values() ?? [])].reduce((s, t) => s + Math.ceil(t.sizeBytes / 16) * 16, 0);
  const sram = a.plan.pools.find((p) => p.name === a.bufferSet.poolOfScope.sram)?.usedBytes ?? 0;
  return {
    model: path.relative(path.join(repoRoot(), '..', 'shared', 'models', 'tflite'), file),
    baselinePeakBytes: a.report.peakLiveBytes,
    optimizedPeakBytes: a.report.optimizedPeakBytes,
    tflmArenaBytes: tflmGreedyArenaBytes(buffers) + stateBytes,
    memplanSramBytes: sram,
  };
}

export async function runTfliteBench(): Promise<string> {
  const table = new Table({ head: ['model', 'baseline peak (B)', 'TFLM greedy arena (B)', 'memplan SRAM plan (B)', 'memplan <= TFLM'] });
  let worse = 0;
  for (const f of sharedTfliteModels()) {
    const r = await benchTflite(f);
    const ok = r.memplanSramBytes <= r.tflmArenaBytes;
    if (!ok) worse++;
    table.push([r.model, r.baselinePeakBytes, r.tflmArenaBytes, r.memplanSramBytes, ok ? 'yes' : 'NO']);
  }
  return `${table.toString()}\n${worse === 0 ? 'memplan\'s SRAM plan is never larger than TFLite Micro\'s arena.' : `memplan is larger on ${worse} model(s)`}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('bench', 'tflite-bench.js'))) {
  runTfliteBench().then((s) => process.stdout.write(s));
}
