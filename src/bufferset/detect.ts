/**
 * Recognises which buffer-set format a file holds, from its content first and its name second.
 */
import { bad } from './validate.js';

export type BufferSetFormat = 'json' | 'minimalloc-csv' | 'glow-trace';

/**
 * `json` when the first non-blank character is `{`; `minimalloc-csv` when the first non-blank line is a
 * CSV header holding `id`, `lower`, `upper` and `size`; `glow-trace` when the first line that is neither
 * blank nor a `#` comment starts with MODEL. Otherwise the extension decides (.json, .csv, .txt/.trace);
 * failing that, InputError MP601.
 */
export function detectBufferSetFormat(text: string, fileName: string): BufferSetFormat {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{')) return 'json';
  const lines = trimmed.split(/\r?\n/).map((line) => line.trim());
  const first = lines.find((line) => line !== '') ?? '';
  const cells = first.toLowerCase().split(',').map((cell) => cell.trim());
  if (['id', 'lower', 'upper', 'size'].every((name) => cells.includes(name))) return 'minimalloc-csv';
  const firstStatement = lines.find((line) => line !== '' && !line.startsWith('#')) ?? '';
  if (/^MODEL\s/.test(firstStatement)) return 'glow-trace';
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'minimalloc-csv';
  if (lower.endsWith('.txt') || lower.endsWith('.trace')) return 'glow-trace';
  return bad(
    'unrecognised buffer-set format: expected buffer-set JSON, MiniMalloc CSV (id,lower,upper,size) or a Glow ALLOC/FREE trace',
    { file: fileName },
  );
}
