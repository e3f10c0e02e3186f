/**
 * Reader of MiniMalloc's CSV (github.com/google/minimalloc): a header naming the columns `id`, `lower`,
 * `upper`, `size` (any order; MiniMalloc's own files use `id,lower,upper,size`), then one buffer a row.
 * Lifetimes are HALF-OPEN `[lower, upper)`; memplan's are inclusive, so start = lower, end = upper - 1.
 *
 * The capacity is taken from the file name when it has the form `NAME.CAPACITY.csv`
 * (e.g. `A.1048576.csv`): the single pool `sram` then has sizeBytes CAPACITY; otherwise it is unbounded.
 */
import type { BufferInfo, Pool } from '../../planner/types.js';
import type { BufferSet } from './buffer-set-json.js';
import { DEFAULT_POOL_NAME } from './buffer-set-json.js';
import { bad, baseName } from './validate.js';

const COLUMNS = ['id', 'lower', 'upper', 'size'] as const;

/** The capacity encoded in a MiniMalloc file name (`X.1048576.csv`), or null. */
export function capacityFromFileName(fileName: string): number | null {
  const match = /\.(\d+)\.csv$/i.exec(baseName(fileName));
  if (!match || match[1] === undefined) return null;
  const capacity = Number(match[1]);
  return Number.isSafeInteger(capacity) ? capacity : null;
}

/** Parses MiniMalloc CSV. Throws InputError MP601 naming the line and the buffer on any problem. */
export function parseMiniMallocCsv(text: string, fileName: string): BufferSet {
  const file = fileName;
  const lines = text.split(/\r?\n/);
  let lineIndex = 0;
  while (lineIndex < lines.length && (lines[lineIndex] ?? '').trim() === '') lineIndex++;
  if (lineIndex >= lines.length) bad('empty CSV: expected the header id,lower,upper,size', { file });
  const header = (lines[lineIndex] ?? '').split(',').map((cell) => cell.trim().toLowerCase());
  const column = new Map<string, number>();
  header.forEach((name, index) => {
    if (column.has(name)) bad(`line ${lineIndex + 1}: the header names column "${name}" twice`, { file });
    column.set(name, index);
  });
  for (const name of COLUMNS) {
    if (!column.has(name)) bad(`line ${lineIndex + 1}: the header lacks column "${name}" (expected id,lower,upper,size)`, { file });
  }
  const at = (name: (typeof COLUMNS)[number]): number => column.get(name) as number;

  const buffers: BufferInfo[] = [];
  const seen = new Set<string>();
  for (let index = lineIndex + 1; index < lines.length; index++) {
    const line = (lines[index] ?? '').trim();
    if (line === '') continue;
    const lineNo = index + 1;
    const cells = line.split(',').map((cell) => cell.trim());
    if (cells.length !== header.length) bad(`line ${lineNo}: expected ${header.length} fields, got ${cells.length}`, { file });
    const id = cells[at('id')] ?? '';
    if (id === '') bad(`line ${lineNo}: empty id`, { file });
    const location = { file, buffer: id };
    if (seen.has(id)) bad(`line ${lineNo}: duplicate id '${id}'`, location);
    seen.add(id);
    const lower = integerCell(cells[at('lower')], 'lower', lineNo, location);
    const upper = integerCell(cells[at('upper')], 'upper', lineNo, location);
    const size = integerCell(cells[at('size')], 'size', lineNo, location);
    if (upper <= lower) bad(`line ${lineNo}: upper ${upper} must exceed lower ${lower} (the interval is half-open)`, location);
    buffers.push({ name: id, sizeBytes: size, start: lower, end: upper - 1 });
  }
  const pools: Pool[] = [{ name: DEFAULT_POOL_NAME, sizeBytes: capacityFromFileName(fileName) }];
  return { buffers, pools };
}

function integerCell(cell: string | undefined, field: string, lineNo: number, location: { file: string; buffer: string }): number {
  const text = cell ?? '';
  if (!/^\d+$/.test(text)) bad(`line ${lineNo}: ${field} must be a non-negative integer, got "${text}"`, location);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) bad(`line ${lineNo}: ${field} ${text} is past 2^53-1`, location);
  return value;
}
