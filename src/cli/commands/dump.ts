/** `memplan dump MODEL --stage graph|schedule|buffers`: prints an intermediate stage, deterministically. */
import * as path from 'node:path';
import type { Host } from '../../host.js';
import type { DumpCommand } from '../args.js';
import type { CliResult } from '../run-cli.js';
import { readInputFile } from '../run-cli.js';
import { analyzeModel } from '../../pipeline.js';
import { importOnnx } from '../../frontend/import-onnx.js';
import { printGraph, printSchedule } from '../../ir/print.js';
import { bufferSetToJson } from '../../bufferset/index.js';
import { loadTarget } from './analyze.js';

export async function runDump(cmd: DumpCommand, host: Host): Promise<CliResult> {
  const modelName = path.basename(cmd.model);
  const target = loadTarget(cmd, host);
  const bytes = readInputFile(host, cmd.model);
  const inputShapes = new Map(cmd.inputs.map((i) => [i.name, i.shape] as const));
  if (cmd.stage === 'graph') {
    host.stdout(printGraph(importOnnx(bytes, { fileName: modelName, inputShapes })));
    return { exitCode: 0 };
  }
  const a = await analyzeModel(bytes, {
    modelName,
    target,
    inputShapes,
    dtype: cmd.dtype,
    strategy: cmd.strategy,
    seed: cmd.seed,
    doubleBuffer: cmd.doubleBuffer,
    ...(cmd.timeLimitMs !== undefined ? { timeLimitMs: cmd.timeLimitMs } : {}),
  });
  if (cmd.stage === 'schedule') host.stdout(printSchedule(a.schedule));
  else {
    host.stdout(bufferSetToJson(a.bufferSet.buffers, a.bufferSet.pools.map((p) => ({ ...p, sizeBytes: a.bufferSet.capacities.get(p.name) ?? null }))));
  }
  return { exitCode: 0 };
}
