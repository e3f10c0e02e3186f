/**
 * C identifiers from model names: sanitized (anything outside [A-Za-z0-9_] becomes `_`, runs
 * collapsed, a leading digit prefixed), with collisions resolved deterministically by a numeric
 * suffix in order of first request.
 */

const C_KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern',
  'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', '_Bool',
  '_Complex', '_Imaginary', 'main',
]);

export function sanitize(name: string, maxLength = 48, leadingDigitOk = false): string {
  let s = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = 'x';
  if (!leadingDigitOk && /^[0-9]/.test(s)) s = `n${s}`;
  // Long names keep their end, which tells tensors of one block apart (`..._Conv_output_0`).
  if (s.length > maxLength) {
    // Cut at a word boundary when there is one in the kept tail.
    const tail = s.slice(s.length - maxLength);
    const cut = tail.indexOf('_');
    s = (cut >= 0 && cut < maxLength / 2 ? tail.slice(cut + 1) : tail).replace(/^_+/, '');
  }
  if (!leadingDigitOk && /^[0-9]/.test(s)) s = `n${s}`;
  return s;
}

/** Hands out unique C identifiers `<prefix><sanitized name>` per original name. */
export class NameTable {
  private readonly byKey = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(private readonly prefix: string, reserved: Iterable<string> = [], private readonly maxLength = 48) {
    for (const r of reserved) this.used.add(r);
  }

  get(name: string): string {
    const known = this.byKey.get(name);
    if (known !== undefined) return known;
    const base = `${this.prefix}${sanitize(name, this.maxLength, this.prefix !== '')}`;
    let id = C_KEYWORDS.has(base) ? `${base}_` : base;
    for (let k = 2; this.used.has(id); k++) id = `${base}_${k}`;
    this.used.add(id);
    this.byKey.set(name, id);
    return id;
  }
}
