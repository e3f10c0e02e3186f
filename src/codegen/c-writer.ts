/**
 * A small writer for C source text: lines, indentation, blocks and comments. Every generated C
 * statement goes through it, so the output is consistently indented and deterministic.
 */
export class CWriter {
  private readonly out: string[] = [];
  private depth = 0;

  constructor(private readonly indentUnit = '  ') {}

  /** One line at the current indentation (an empty string writes an empty line). */
  line(text = ''): this {
    this.out.push(text === '' ? '' : `${this.indentUnit.repeat(this.depth)}${text}`);
    return this;
  }

  lines(texts: readonly string[]): this {
    for (const t of texts) this.line(t);
    return this;
  }

  blank(): this {
    if (this.out.length > 0 && this.out[this.out.length - 1] !== '') this.out.push('');
    return this;
  }

  /** `head {` ... `}` (with an optional text after the brace, e.g. `;` or ` while (x);`). */
  block(head: string, body: () => void, tail = ''): this {
    this.line(`${head} {`);
    this.depth++;
    body();
    this.depth--;
    this.line(`}${tail}`);
    return this;
  }

  /** A bare `{ ... }` scope. */
  scope(body: () => void): this {
    this.line('{');
    this.depth++;
    body();
    this.depth--;
    this.line('}');
    return this;
  }

  /** A `//`-free C89 comment: one line, or a block comment for several lines. */
  comment(text: string | readonly string[]): this {
    const ls = (typeof text === 'string' ? text.split('\n') : [...text]).map(safeComment);
    if (ls.length === 1) return this.line(`/* ${ls[0]} */`);
    this.line('/*');
    for (const l of ls) this.line(l === '' ? ' *' : ` * ${l}`);
    this.line(' */');
    return this;
  }

  indent(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  /** Appends text produced elsewhere (already indented, e.g. a large initializer). */
  raw(text: string): this {
    this.out.push(text);
    return this;
  }

  toString(): string {
    return `${this.out.join('\n')}\n`;
  }
}

/** Makes text safe inside a C block comment (no `*` `/` pair can close it early). */
export function safeComment(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/\/\*/g, '/ *');
}

/** A C string literal for arbitrary text (ASCII-escaped). */
export function cString(text: string): string {
  let s = '"';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') s += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f && ch !== '?') s += ch;
    else if (ch === '\n') s += '\\n';
    else if (c < 0x80) s += `\\${c.toString(8).padStart(3, '0')}`;
    else for (const b of new TextEncoder().encode(ch)) s += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${s}"`;
}
