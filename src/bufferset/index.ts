/** Buffer-set readers and writers: DESIGN.md JSON, MiniMalloc CSV, Glow traces, plan JSON. */
export { parseBufferSetJson, DEFAULT_POOL_NAME } from './buffer-set-json.js';
export type { BufferSet } from './buffer-set-json.js';
export { parseMiniMallocCsv, capacityFromFileName } from './minimalloc-csv.js';
export { parseGlowTrace } from './glow-trace.js';
export type { GlowModel } from './glow-trace.js';
export { detectBufferSetFormat } from './detect.js';
export type { BufferSetFormat } from './detect.js';
export { planToJson } from './plan-json.js';
export { bufferSetToJson } from './buffer-set-to-json.js';
export { readBufferSets } from './read-buffer-sets.js';
export type { BufferSetFile, NamedBufferSet } from './read-buffer-sets.js';
