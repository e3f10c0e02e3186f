/**
 * Reader of the buffer-set JSON of DESIGN.md (input of `memplan plan`, written by `--report`).
 *
 * Field mapping: `start`/`end` (inclusive steps) -> start/end, `alignment` -> alignmentBytes,
 * `pools` (of a buffer) -> poolCandidates, pool `alignment` -> alignmentBytes, pool `sizeBytes: null` =
 * unbounded. Optional buffer fields `kind` (string) and `spillCostByPool` ({pool: cost}) pass through,
 * and so does `overlay` ({buffer, offsetBytes}: placed at that buffer's offset plus offsetBytes, the
 * two exempt from the non-overlap rule; see BufferInfo.overlay). The reader checks its shape, its
 * target (another buffer of the file, itself no overlay); the planner checks the rest (alignment,
 * pools, overlapping conflicting overlays of one target), each an MP601 too.
 *
 * When the file has no `pools`, the buffer set gets one unbounded pool named `sram` (DEFAULT_POOL_NAME),
 * so that a bare list of buffers asks "how small an arena do these need".
 *
 * Validation is strict inside `buffers` and `pools` (unknown fields are typos and are rejected) and
 * tolerant at the top level (other keys such as comments or metadata are ignored). Every problem is an
 * InputError MP601 naming the file, the buffer or pool, and the field.
 */
import type { BufferInfo, Pool } from '../../planner/types.js';
import type { Location } from '../diagnostics/diagnostic.js';
import { bad, isByteCount, isPlainObject, isPowerOfTwo, show } from './validate.js';

/** A parsed buffer set: what planMemory takes. */
export interface BufferSet {
  readonly buffers: BufferInfo[];
  readonly pools: Pool[];
}

/** Name of the single unbounded pool used when a file lists no pools. */
export const DEFAULT_POOL_NAME = 'sram';

const POOL_KEYS = new Set(['name', 'sizeBytes', 'alignment']);
const BUFFER_KEYS = new Set(['name', 'sizeBytes', 'start', 'end', 'alignment', 'conflicts', 'pools', 'kind', 'spillCostByPool', 'overlay']);
const OVERLAY_KEYS = new Set(['buffer', 'offsetBytes']);

/** Parses and validates DESIGN.md buffer-set JSON. Throws InputError MP601 on any problem. */
export function parseBufferSetJson(text: string, fileName: string): BufferSet {
  const file = fileName;
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    bad(`not valid JSON: ${reason}`, { file });
  }
  if (!isPlainObject(root)) bad(`the top level must be an object with "buffers", got ${show(root)}`, { file });
  const pools = parsePools(root['pools'], file);
  const poolNames = new Set(pools.map((pool) => pool.name));
  const rawBuffers = root['buffers'];
  if (!Array.isArray(rawBuffers)) bad(`"buffers" must be an array, got ${show(rawBuffers)}`, { file });

  const buffers: BufferInfo[] = [];
  const seen = new Set<string>();
  rawBuffers.forEach((raw, position) => {
    const buffer = parseBuffer(raw, position, file, poolNames);
    if (seen.has(buffer.name)) bad(`duplicate buffer name '${buffer.name}' (buffers[${position}].name)`, { file, buffer: buffer.name });
    seen.add(buffer.name);
    buffers.push(buffer);
  });
  for (const buffer of buffers) {
    for (const other of buffer.conflicts ?? []) {
      if (!seen.has(other)) bad(`conflicts names unknown buffer '${other}'`, { file, buffer: buffer.name });
      if (other === buffer.name) bad(`conflicts lists the buffer itself`, { file, buffer: buffer.name });
    }
  }
  const byName = new Map(buffers.map((b) => [b.name, b] as const));
  for (const buffer of buffers) {
    const overlay = buffer.overlay;
    if (overlay === undefined) continue;
    const at = { file, buffer: buffer.name };
    if (overlay.buffer === buffer.name) bad(`overlay.buffer names the buffer itself`, at);
    const target = byName.get(overlay.buffer);
    if (target === undefined) bad(`overlay.buffer names unknown buffer '${overlay.buffer}'`, at);
    if (target.overlay !== undefined) bad(`overlay.buffer names '${target.name}', which itself overlays '${target.overlay.buffer}' (no chains of overlays)`, at);
  }
  return { buffers, pools };
}

/**
 * The checks every `pools[i]` and `buffers[i]` entry opens with: an object, a non-empty string `name`,
 * and no field outside `known`. Returns the entry's fields, its name, and its location for messages.
 */
function namedEntry<L extends Location>(
  raw: unknown,
  where: string,
  known: ReadonlySet<string>,
  file: string,
  locate: (name: string) => L,
): { fields: Record<string, unknown>; name: string; location: L } {
  if (!isPlainObject(raw)) bad(`${where} must be an object, got ${show(raw)}`, { file });
  const name = raw['name'];
  if (typeof name !== 'string' || name.length === 0) bad(`${where}.name must be a non-empty string, got ${show(name)}`, { file });
  const location = locate(name);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) bad(`${where} has unknown field "${key}" (known: ${[...known].join(', ')})`, location);
  }
  return { fields: raw, name, location };
}

function parsePools(raw: unknown, file: string): Pool[] {
  if (raw === undefined) return [{ name: DEFAULT_POOL_NAME, sizeBytes: null }];
  if (!Array.isArray(raw)) bad(`"pools" must be an array, got ${show(raw)}`, { file });
  if (raw.length === 0) bad(`"pools" is empty: list at least one pool, or leave "pools" out for one unbounded pool`, { file });
  const pools: Pool[] = [];
  const seen = new Set<string>();
  raw.forEach((item, position) => {
    const where = `pools[${position}]`;
    const { fields: entry, name, location } = namedEntry(item, where, POOL_KEYS, file, (pool) => ({ file, pool }));
    if (seen.has(name)) bad(`duplicate pool name '${name}'`, location);
    seen.add(name);
    if (!('sizeBytes' in entry)) bad(`${where}.sizeBytes is missing (use null for an unbounded pool)`, location);
    const sizeBytes = entry['sizeBytes'];
    if (sizeBytes !== null && !isByteCount(sizeBytes)) {
      bad(`${where}.sizeBytes must be null or an integer from 0 to 2^53-1, got ${show(sizeBytes)}`, location);
    }
    const alignment = entry['alignment'];
    if (alignment !== undefined && !isPowerOfTwo(alignment)) {
      bad(`${where}.alignment must be a power of two, got ${show(alignment)}`, location);
    }
    pools.push({ name, sizeBytes, ...(alignment !== undefined ? { alignmentBytes: alignment } : {}) });
  });
  return pools;
}

function parseBuffer(item: unknown, position: number, file: string, poolNames: ReadonlySet<string>): BufferInfo {
  const where = `buffers[${position}]`;
  const { fields: raw, name, location } = namedEntry(item, where, BUFFER_KEYS, file, (buffer) => ({ file, buffer }));
  if (!('sizeBytes' in raw)) bad(`${where}.sizeBytes is missing`, location);
  const sizeBytes = raw['sizeBytes'];
  if (!isByteCount(sizeBytes)) bad(`${where}.sizeBytes must be an integer from 0 to 2^53-1, got ${show(sizeBytes)}`, location);

  const start = raw['start'];
  const end = raw['end'];
  if ((start === undefined) !== (end === undefined)) {
    bad(`${where} gives ${start === undefined ? '"end" without "start"' : '"start" without "end"'}`, location);
  }
  if (start !== undefined && !isByteCount(start)) bad(`${where}.start must be a non-negative integer step, got ${show(start)}`, location);
  if (end !== undefined && !isByteCount(end)) bad(`${where}.end must be a non-negative integer step, got ${show(end)}`, location);
  if (typeof start === 'number' && typeof end === 'number' && start > end) {
    bad(`${where} has start ${start} after end ${end} (the interval is inclusive)`, location);
  }

  const conflicts = raw['conflicts'];
  if (conflicts !== undefined) {
    if (!Array.isArray(conflicts) || !conflicts.every((c) => typeof c === 'string')) {
      bad(`${where}.conflicts must be an array of buffer names, got ${show(conflicts)}`, location);
    }
  }
  if (start === undefined && conflicts === undefined) {
    bad(`${where} gives neither an interval ("start"/"end") nor "conflicts"`, location);
  }

  const alignment = raw['alignment'];
  if (alignment !== undefined && !isPowerOfTwo(alignment)) bad(`${where}.alignment must be a power of two, got ${show(alignment)}`, location);

  const candidates = raw['pools'];
  if (candidates !== undefined) {
    if (!Array.isArray(candidates) || candidates.length === 0 || !candidates.every((c) => typeof c === 'string')) {
      bad(`${where}.pools must be a non-empty array of pool names, got ${show(candidates)}`, location);
    }
    const unique = new Set<string>();
    for (const pool of candidates) {
      if (!poolNames.has(pool)) bad(`${where}.pools names unknown pool '${pool}'`, { ...location, pool });
      if (unique.has(pool)) bad(`${where}.pools lists pool '${pool}' twice`, { ...location, pool });
      unique.add(pool);
    }
  }

  const kind = raw['kind'];
  if (kind !== undefined && typeof kind !== 'string') bad(`${where}.kind must be a string, got ${show(kind)}`, location);

  const spill = raw['spillCostByPool'];
  let spillCostByPool: Record<string, number> | undefined;
  if (spill !== undefined) {
    if (!isPlainObject(spill)) bad(`${where}.spillCostByPool must be an object {pool: cost}, got ${show(spill)}`, location);
    spillCostByPool = {};
    for (const [pool, cost] of Object.entries(spill)) {
      if (!poolNames.has(pool)) bad(`${where}.spillCostByPool names unknown pool '${pool}'`, { ...location, pool });
      if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
        bad(`${where}.spillCostByPool.${pool} must be a finite number >= 0, got ${show(cost)}`, { ...location, pool });
      }
      spillCostByPool[pool] = cost;
    }
  }

  const rawOverlay = raw['overlay'];
  let overlay: { buffer: string; offsetBytes: number } | undefined;
  if (rawOverlay !== undefined) {
    if (!isPlainObject(rawOverlay)) bad(`${where}.overlay must be an object {buffer, offsetBytes}, got ${show(rawOverlay)}`, location);
    for (const key of Object.keys(rawOverlay)) {
      if (!OVERLAY_KEYS.has(key)) bad(`${where}.overlay has unknown field "${key}" (known: buffer, offsetBytes)`, location);
    }
    const target = rawOverlay['buffer'];
    if (typeof target !== 'string' || target.length === 0) bad(`${where}.overlay.buffer must be a buffer name, got ${show(target)}`, location);
    const offset = rawOverlay['offsetBytes'];
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) {
      bad(`${where}.overlay.offsetBytes must be an integer from -(2^53-1) to 2^53-1, got ${show(offset)}`, location);
    }
    overlay = { buffer: target, offsetBytes: offset };
  }

  return {
    name,
    sizeBytes,
    ...(alignment !== undefined ? { alignmentBytes: alignment } : {}),
    ...(typeof start === 'number' && typeof end === 'number' ? { start: start, end: end } : {}),
    ...(conflicts !== undefined ? { conflicts: [...(conflicts as string[])] } : {}),
    ...(candidates !== undefined ? { poolCandidates: [...(candidates as string[])] } : {}),
    ...(spillCostByPool !== undefined ? { spillCostByPool } : {}),
    ...(kind !== undefined ? { kind } : {}),
    ...(overlay !== undefined ? { overlay } : {}),
  };
}
