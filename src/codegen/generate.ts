/**
 * generateC(input): every file of an --emit-c directory, as text, in a fixed order:
 *   model.h, model.c                 the model (pools, buffers at fixed offsets, one function per layer)
 *   model_weights.h, model_weights.c constant tensors (dense arrays; constant-filled ones as a value)
 *   model_support.h, model_support.c tensor views and their DMA / kernel glue (same for every model)
 *   memplan_kernels.[ch], memplan_hooks.h, memplan_hooks_host.c   the C runtime, copied verbatim
 *   model_host.c, Makefile           the host runner and its build
 *   README.md                        the files, building and running, porting hooks and kernels
 * Deterministic: the same input gives byte-identical files. Throws UnsupportedError (MP701)
 * naming the node when an operator has no kernel.
 */
import type { CodegenInput } from './input.js';
import { readRuntimeFiles } from './runtime-files.js';
import { CodegenContext } from './context.js';
import { emitHeader } from './emit-header.js';
import { emitSource } from './emit-source.js';
import { emitWeights } from './emit-weights.js';
import { emitRunner } from './emit-runner.js';
import { emitMakefile } from './emit-makefile.js';
import { emitReadme } from './emit-readme.js';
import { SUPPORT_C, SUPPORT_H } from './support-c.js';

export interface GeneratedFile {
  readonly name: string;
  readonly text: string;
}

export interface GeneratedC {
  readonly files: readonly GeneratedFile[];
}

export type { CodegenInput } from './input.js';

export interface GenerateOptions {
  /** Model name shown in comments (default: the input's modelName). */
  readonly modelName?: string;
}

export function generateC(input: CodegenInput, options: GenerateOptions = {}): GeneratedC {
  const ctx = new CodegenContext(input);
  const modelName = options.modelName ?? input.modelName;
  // model.c first: it decides which weights are used.
  const source = emitSource(ctx, modelName);
  const header = emitHeader(ctx, modelName);
  const weights = emitWeights(ctx);
  const files: GeneratedFile[] = [
    { name: 'model.h', text: header },
    { name: 'model.c', text: source },
    { name: 'model_weights.h', text: weights.header },
    { name: 'model_weights.c', text: weights.source },
    { name: 'model_support.h', text: SUPPORT_H },
    { name: 'model_support.c', text: SUPPORT_C },
    ...readRuntimeFiles(),
    { name: 'model_host.c', text: emitRunner(ctx) },
    { name: 'Makefile', text: emitMakefile() },
    { name: 'README.md', text: emitReadme(ctx, modelName) },
  ];
  return { files };
}
