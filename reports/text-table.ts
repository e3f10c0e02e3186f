/**
 * The one table style of memplan's terminal output (the analysis, `--show buffers`, `memplan plan`,
 * `memplan diff`): borderless columns two spaces apart under a dashed rule, as GNU ld and Vela print
 * theirs. A table can be fitted into a terminal width: shrinkable columns (names) are cut with an
 * ellipsis first, then the least important columns are left out, and the caller is told which.
 */

export interface TextColumn {
  readonly head: string;
  readonly align?: 'left' | 'right';
  /** Lower is more important; columns are left out from the highest priority number down. 0 = never. */
  readonly priority?: number;
  /** A column that may be cut (long names) down to this many characters, as a last resort. */
  readonly minWidth?: number;
  /** How far such a column is cut before any other column is left out (default minWidth). */
  readonly softMinWidth?: number;
}

export interface FittedTable {
  readonly text: string;
  /** Heads of the columns left out to fit the width, in column order. */
  readonly hidden: readonly string[];
  /** True when some cell was cut with an ellipsis. */
  readonly cut: boolean;
}

const GAP = '  ';
const ELLIPSIS = '\u2026';

/** Renders every column at its natural width. */
export function renderTextTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[]): string {
  return fitTextTable(columns, rows, Infinity).text;
}

/** Renders the table within `maxWidth` characters per line (see the file comment). */
export function fitTextTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[], maxWidth: number): FittedTable {
  const natural = columns.map((c, i) => Math.max(c.head.length, ...rows.map((r) => (r[i] ?? '').length)));
  let shown = columns.map((_, i) => i);
  const widths = [...natural];
  const total = () => shown.reduce((a, i) => a + widths[i]!, 0) + GAP.length * Math.max(0, shown.length - 1);
  // First cut long names to their soft minimum, then leave out the least important columns, and only
  // then cut names down to their hard minimum.
  // One character at a time from the widest candidate, so several long-name columns even out.
  const shrink = (limit: (c: TextColumn) => number | undefined) => {
    const floor = (i: number) => Math.max(limit(columns[i]!) ?? Infinity, columns[i]!.head.length);
    while (total() > maxWidth) {
      const candidates = shown.filter((i) => widths[i]! > floor(i));
      if (candidates.length === 0) return;
      const widest = candidates.reduce((x, y) => (widths[y]! > widths[x]! ? y : x));
      widths[widest] = widths[widest]! - 1;
    }
  };
  for (;;) {
    shrink((c) => c.softMinWidth ?? c.minWidth);
    if (total() <= maxWidth) break;
    const droppable = shown.filter((i) => (columns[i]!.priority ?? 0) > 0);
    if (droppable.length === 0) break;
    // The least important column goes first; among equals, the rightmost.
    const drop = droppable.reduce((a, b) => ((columns[b]!.priority ?? 0) >= (columns[a]!.priority ?? 0) ? b : a));
    shown = shown.filter((i) => i !== drop);
    for (const i of shown) widths[i] = natural[i]!;
  }
  shrink((c) => c.minWidth);
  let cut = false;
  const line = (cells: readonly string[]) =>
    shown
      .map((i, k) => {
        const w = widths[i]!;
        let s = cells[i] ?? '';
        if (s.length > w) {
          s = shorten(s, w);
          cut = true;
        }
        const last = k === shown.length - 1;
        return columns[i]!.align === 'right' ? s.padStart(w) : last ? s : s.padEnd(w);
      })
      .join(GAP)
      .trimEnd();
  const lines = [line(columns.map((c) => c.head)), shown.map((i) => '-'.repeat(widths[i]!)).join(GAP), ...rows.map(line)];
  return {
    text: lines.join('\n'),
    hidden: columns.flatMap((c, i) => (shown.includes(i) ? [] : [c.head])),
    cut,
  };
}

/** Cuts the middle of a long name (keeping a quarter from its start and the more telling end) to `width` characters. */
export function shorten(s: string, width: number): string {
  if (s.length <= width) return s;
  if (width <= 1) return ELLIPSIS.slice(0, width);
  const head = Math.floor((width - 1) / 4);
  return `${s.slice(0, head)}${ELLIPSIS}${s.slice(s.length - (width - 1 - head))}`;
}

/**
 * Wraps words into lines of at most `width` characters, continuation lines indented by `indent`
 * (a word longer than a line gets a line of its own).
 */
export function wrapText(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const next = current === '' ? `${lines.length === 0 ? '' : indent}${word}` : `${current} ${word}`;
    if (next.length > width && current !== '') {
      lines.push(current);
      current = `${indent}${word}`;
    } else current = next;
  }
  if (current !== '') lines.push(current);
  return lines;
}
