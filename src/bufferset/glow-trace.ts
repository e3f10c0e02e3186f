/**
 * Reader of PyTorch Glow's allocator test trace (MemoryAllocatorTestModels.txt): per model
 * `MODEL <name>`, `ALIGN <bytes>`, then `ALLOC <id> <size>` / `FREE <id>` events, then `MEM <bytes>`
 * (Glow's own result) and `EFF <ratio>` (lower bound / MEM). Lines starting with `#` are comments.
 *
 * Each ALLOC or FREE event is one step (counted from 0 within a model); a buffer lives from its ALLOC
 * step to its FREE step, inclusive. Sizes are rounded up to the alignment, as Glow's allocator does
 * (`getAlignedSize`), so that MEM and the lower bound are comparable with memplan's figures.
 */
import type { BufferInfo, Pool } from '../../planner/types.js';
import { DEFAULT_POOL_NAME } from './buffer-set-json.js';
import { bad, isPowerOfTwo } from './validate.js';

/** One model of a Glow trace. */
export interface GlowModel {
  readonly name: string;
  /** The ALIGN value: every offset and (rounded) size is a multiple of it. */
  readonly alignmentBytes: number;
  /** Buffers in ALLOC order; sizes rounded up to alignmentBytes; each carries alignmentBytes. */
  readonly buffers: BufferInfo[];
  /** One unbounded pool `sram` with the model's alignment. */
  readonly pools: Pool[];
  /** Glow's published arena size (MEM), or null when the model gives none. */
  readonly expectedMemBytes: number | null;
  /** Glow's published efficiency (EFF = lower bound / MEM), or null. */
  readonly expectedEff: number | null;
}

interface Draft {
  name: string;
  line: number;
  alignmentBytes: number | null;
  step: number;
  /** Live buffer id -> index into buffers. */
  open: Map<string, number>;
  buffers: { name: string; size: number; start: number; end: number }[];
  ids: Set<string>;
  mem: number | null;
  eff: number | null;
}

/** Parses a Glow ALLOC/FREE trace into its models. Throws InputError MP601 naming the line on any problem. */
export function parseGlowTrace(text: string, fileName: string): GlowModel[] {
  const file = fileName;
  const models: GlowModel[] = [];
  const names = new Set<string>();
  let current: Draft | null = null;

  const finish = (draft: Draft): void => {
    if (draft.alignmentBytes === null) bad(`model '${draft.name}' (line ${draft.line}) has no ALIGN line`, { file });
    const leaked = [...draft.open.keys()];
    if (leaked.length > 0) bad(`model '${draft.name}': buffer ${leaked[0]} is allocated but never freed`, { file, buffer: leaked[0] });
    const align = draft.alignmentBytes;
    models.push({
      name: draft.name,
      alignmentBytes: align,
      buffers: draft.buffers.map((b) => ({
        name: b.name,
        sizeBytes: Math.ceil(b.size / align) * align,
        alignmentBytes: align,
        start: b.start,
        end: b.end,
      })),
      pools: [{ name: DEFAULT_POOL_NAME, sizeBytes: null, alignmentBytes: align }],
      expectedMemBytes: draft.mem,
      expectedEff: draft.eff,
    });
  };

  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    const keyword = words[0] ?? '';
    const args = words.slice(1);
    const want = (count: number): void => {
      if (args.length !== count) bad(`line ${lineNo}: ${keyword} takes ${count} argument${count === 1 ? '' : 's'}, got ${args.length}`, { file });
    };
    if (keyword === 'MODEL') {
      want(1);
      if (current) finish(current);
      const name = args[0] as string;
      if (names.has(name)) bad(`line ${lineNo}: duplicate model name '${name}'`, { file });
      names.add(name);
      current = { name, line: lineNo, alignmentBytes: null, step: 0, open: new Map(), buffers: [], ids: new Set(), mem: null, eff: null };
      return;
    }
    if (!current) bad(`line ${lineNo}: ${keyword} before the first MODEL line`, { file });
    const model: Draft = current;
    switch (keyword) {
      case 'ALIGN': {
        want(1);
        const value = integer(args[0], lineNo, 'ALIGN', file);
        if (!isPowerOfTwo(value)) bad(`line ${lineNo}: ALIGN must be a power of two, got ${value}`, { file });
        if (model.step > 0) bad(`line ${lineNo}: ALIGN after the first ALLOC/FREE of model '${model.name}'`, { file });
        model.alignmentBytes = value;
        return;
      }
      case 'ALLOC': {
        want(2);
        const id = args[0] as string;
        if (model.ids.has(id)) bad(`line ${lineNo}: buffer ${id} is allocated twice in model '${model.name}'`, { file, buffer: id });
        const size = integer(args[1], lineNo, 'ALLOC size', file, id);
        model.ids.add(id);
        model.open.set(id, model.buffers.length);
        model.buffers.push({ name: id, size, start: model.step, end: -1 });
        model.step++;
        return;
      }
      case 'FREE': {
        want(1);
        const id = args[0] as string;
        const live = model.open.get(id);
        if (live === undefined) bad(`line ${lineNo}: FREE of buffer ${id} that is not allocated in model '${model.name}'`, { file, buffer: id });
        model.open.delete(id);
        const buffer = model.buffers[live];
        if (buffer) buffer.end = model.step;
        model.step++;
        return;
      }
      case 'MEM':
        want(1);
        model.mem = integer(args[0], lineNo, 'MEM', file);
        return;
      case 'EFF': {
        want(1);
        const value = Number(args[0]);
        if (!/^\d+(\.\d+)?$/.test(args[0] as string) || !Number.isFinite(value)) bad(`line ${lineNo}: EFF must be a decimal ratio, got "${args[0]}"`, { file });
        model.eff = value;
        return;
      }
      default:
        bad(`line ${lineNo}: unknown keyword "${keyword}" (expected MODEL, ALIGN, ALLOC, FREE, MEM or EFF)`, { file });
    }
  });
  if (current) finish(current);
  if (models.length === 0) bad('no MODEL line: not a Glow allocation trace', { file });
  return models;
}

function integer(text: string | undefined, lineNo: number, what: string, file: string, buffer?: string): number {
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    bad(`line ${lineNo}: ${what} must be a non-negative integer, got "${text ?? ''}"`, buffer !== undefined ? { file, buffer } : { file });
  }
  return value;
}
