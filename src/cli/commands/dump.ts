/** `memplan dump MODEL --stage graph|schedule|buffers`: prints an intermediate stage, deterministically. */
import type { Host } from '../../host.js';
import type { DumpCommand } from '../args.js';
import type { CliResult } from '../command-context.js';
import { analyzeModel } from '../../pipeline.js';
import { importModelFile } from '../../frontend/import-model.js';
import { printGraph, printSchedule } from '../../ir/print.js';
import { bufferSetToJson } from '../../bufferset/index.js';
import { pipelineInputs } from '../model-inputs.js';
import { printLayers } from '../../graph-opt/print-layers.js';

export async function runDump(cmd: DumpCommand, host: Host): Promise<CliResult> {
  const { bytes, options } = pipelineInputs(cmd, host);
  if (cmd.stage === 'graph') {
    host.stdout(printGraph(importModelFile(bytes, { fileName: options.modelName, ...(options.inputShapes ? { inputShapes: options.inputShapes } : {}) })));
    return { exitCode: 0 };
  }
  const a = await analyzeModel(bytes, options);
  if (cmd.stage === 'layers') host.stdout(printLayers(a.optimized));
  else if (cmd.stage === 'schedule') host.stdout(printSchedule(a.schedule));
  else {
    host.stdout(bufferSetToJson(a.bufferSet.buffers, a.bufferSet.pools.map((p) => ({ ...p, sizeBytes: a.bufferSet.capacities.get(p.name) ?? null }))));
  }
  return { exitCode: 0 };
}
