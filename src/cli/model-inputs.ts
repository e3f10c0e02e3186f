/**
 * What the commands that read a model (analyze, dump) share: the model's bytes, the target from
 * --target/--sram/--dram/--cores, and the pipeline options from the model flags.
 */
import * as path from 'node:path';
import type { Host } from '../host.js';
import type { AnalyzeCommand, DumpCommand } from './args.js';
import { readInputFile, readTextFile } from './command-context.js';
import type { AnalyzeOptions } from '../pipeline.js';
import { DEFAULT_TARGET, applyOverrides, parseTarget } from '../schedule/target.js';
import type { TargetSpec } from '../schedule/target.js';
import { ConfigError } from '../diagnostics/errors.js';
import { Codes } from '../diagnostics/codes.js';

/** The model's bytes and the pipeline options from the model flags. */
export function pipelineInputs(cmd: Omit<DumpCommand, 'kind' | 'stage'>, host: Host): { bytes: Uint8Array; options: AnalyzeOptions } {
  const modelName = path.basename(cmd.model);
  const target = loadTarget(cmd, host);
  const bytes = readInputFile(host, cmd.model);
  return {
    bytes,
    options: {
      modelName,
      target,
      inputShapes: new Map(cmd.inputs.map((i) => [i.name, i.shape] as const)),
      dtype: cmd.dtype,
      strategy: cmd.strategy,
      seed: cmd.seed,
      doubleBuffer: cmd.doubleBuffer,
      graphOpt: cmd.graphOpt,
      depthFirst: cmd.depthFirst,
      ...(cmd.maxSlowdown !== undefined ? { maxSlowdown: cmd.maxSlowdown } : {}),
      order: cmd.order,
      ...(cmd.timeLimitMs !== undefined ? { timeLimitMs: cmd.timeLimitMs } : {}),
    },
  };
}

export function loadTarget(cmd: Pick<AnalyzeCommand, 'targetFile' | 'sramBytes' | 'dramBytes' | 'cores'>, host: Host): TargetSpec {
  let target = DEFAULT_TARGET;
  if (cmd.targetFile !== undefined) {
    const text = readTextFile(host, cmd.targetFile, (file) => ConfigError.of(Codes.BadTarget, { problem: 'is not UTF-8 text' }, { file }));
    target = parseTarget(text, path.basename(cmd.targetFile));
  }
  return applyOverrides(target, {
    ...(cmd.sramBytes !== undefined ? { sramBytes: cmd.sramBytes } : {}),
    ...(cmd.dramBytes !== undefined ? { dramBytes: cmd.dramBytes } : {}),
    ...(cmd.cores !== undefined ? { cores: cmd.cores } : {}),
  });
}
