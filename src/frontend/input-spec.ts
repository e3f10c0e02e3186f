/**
 * `--input NAME=1x3x48x192`: fixes the shape of a graph input (its symbolic dimensions).
 */
import { Codes } from '../diagnostics/codes.js';
import { ConfigError } from '../diagnostics/errors.js';

export interface InputSpec {
  readonly name: string;
  readonly shape: number[];
}

/**
 * Parses `NAME=D1xD2x...` (dims are positive integers; `NAME=` alone would be a scalar and is written
 * `NAME=scalar`). The name is everything before the last '=' so that names containing '=' still work.
 * Errors -> ConfigError MP103 naming the flag.
 */
export function parseInputSpec(text: string): InputSpec {
  const bad = (why: string): ConfigError =>
    ConfigError.one(Codes.BadInputSpec, `bad --input value '${text}': ${why} (expected NAME=1x3x48x192)`, {
      flag: '--input',
    });
  const eq = text.lastIndexOf('=');
  if (eq < 0) throw bad("no '='");
  const name = text.slice(0, eq);
  const dims = text.slice(eq + 1).trim();
  if (name === '') throw bad('the input name is empty');
  if (dims === 'scalar') return { name, shape: [] };
  if (dims === '') throw bad('no dimensions');
  const shape = dims.split(/[xX]/).map((part) => {
    if (!/^\d+$/.test(part)) throw bad(`dimension '${part}' is not a positive integer`);
    const d = Number(part);
    if (d < 1) throw bad('dimensions must be at least 1');
    if (!Number.isSafeInteger(d)) throw bad(`dimension ${part} is too large`);
    return d;
  });
  return { name, shape };
}

/** Parses several `--input` values into a map; the same name twice -> ConfigError MP103. */
export function parseInputSpecs(texts: readonly string[]): ReadonlyMap<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  for (const t of texts) {
    const spec = parseInputSpec(t);
    if (out.has(spec.name)) {
      throw ConfigError.one(Codes.BadInputSpec, `--input gives input '${spec.name}' twice`, { flag: '--input' });
    }
    out.set(spec.name, spec.shape);
  }
  return out;
}
