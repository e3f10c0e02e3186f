/**
 * One entry point for `memplan plan FILE`: recognises the format and returns the buffer sets the file
 * holds (one for buffer-set JSON and MiniMalloc CSV, one per model for a Glow trace).
 */
import type { BufferInfo, Pool } from '../../planner/types.js';
import { parseBufferSetJson } from './buffer-set-json.js';
import { detectBufferSetFormat } from './detect.js';
import type { BufferSetFormat } from './detect.js';
import { parseGlowTrace } from './glow-trace.js';
import { parseMiniMallocCsv } from './minimalloc-csv.js';
import { baseName } from './validate.js';

export interface NamedBufferSet {
  /** The file's base name, or the model name for a Glow trace. */
  readonly name: string;
  readonly buffers: BufferInfo[];
  readonly pools: Pool[];
  /** The result another tool published for this set (Glow's MEM), when the file gives one. */
  readonly publishedBytes: number | null;
}

export interface BufferSetFile {
  readonly format: BufferSetFormat;
  readonly sets: NamedBufferSet[];
}

/** Reads any supported buffer-set file. Throws InputError MP601 on any problem. */
export function readBufferSets(text: string, fileName: string): BufferSetFile {
  const format = detectBufferSetFormat(text, fileName);
  if (format === 'glow-trace') {
    const sets = parseGlowTrace(text, fileName).map((model) => ({
      name: model.name,
      buffers: model.buffers,
      pools: model.pools,
      publishedBytes: model.expectedMemBytes,
    }));
    return { format, sets };
  }
  const set = format === 'json' ? parseBufferSetJson(text, fileName) : parseMiniMallocCsv(text, fileName);
  return { format, sets: [{ name: baseName(fileName), buffers: set.buffers, pools: set.pools, publishedBytes: null }] };
}
