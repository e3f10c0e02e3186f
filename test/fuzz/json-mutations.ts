/**
 * Seeded mutations of JSON inputs (buffer sets, target files): JSON-aware edits (a value replaced
 * by a wrong type or an absurd number, a key deleted or added, an array element duplicated or
 * dropped) and text edits (truncation, a deleted or inserted character).
 */
import type { Prng } from '../../fixtures/models/random.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Raw JSON texts spliced in as values; some are numbers JSON.parse turns into Infinity. */
const WEIRD_VALUES = [
  'null', '-1', '0', '0.5', '1e400', '-1e400', '9007199254740993', '1152921504606846976', '"x"', '""',
  '[]', '{}', 'true', '[null]', '"sram"', '3', '1024', '-0',
];

const pick = <T>(prng: Prng, xs: readonly T[]): T => xs[prng.int(xs.length)]!;

/** Every container (object or array) in the document, with a path for the description. */
function containers(v: Json, path: string, out: { path: string; value: Json[] | { [k: string]: Json } }[]): void {
  if (v === null || typeof v !== 'object') return;
  out.push({ path, value: v });
  if (Array.isArray(v)) v.forEach((x, i) => containers(x, `${path}[${i}]`, out));
  else for (const [k, x] of Object.entries(v)) containers(x, `${path}.${k}`, out);
}

const PLACEHOLDER = '__memplan_fuzz_value__';

export function mutateJson(text: string, prng: Prng): { what: string; text: string } {
  const r = prng.int(10);
  if (r === 0) {
    const at = prng.int(text.length);
    return { what: `truncate at ${at}`, text: text.slice(0, at) };
  }
  if (r === 1) {
    const at = prng.int(text.length);
    const ch = pick(prng, ['{', '}', '[', ']', ',', ':', '"', '0', '-', ' ', '\u0000', 'é']);
    return prng.next() < 0.5
      ? { what: `delete char ${at}`, text: text.slice(0, at) + text.slice(at + 1) }
      : { what: `insert ${JSON.stringify(ch)} at ${at}`, text: text.slice(0, at) + ch + text.slice(at) };
  }
  const doc = JSON.parse(text) as Json;
  const all: { path: string; value: Json[] | { [k: string]: Json } }[] = [];
  containers(doc, '$', all);
  const target = pick(prng, all);
  const c = target.value;
  const op = prng.int(4);
  let what: string;
  if (Array.isArray(c)) {
    if (c.length > 0 && op === 0) {
      const i = prng.int(c.length);
      c.splice(i, 1);
      what = `${target.path}: drop element ${i}`;
    } else if (c.length > 0 && op === 1) {
      const i = prng.int(c.length);
      c.splice(prng.int(c.length + 1), 0, structuredClone(c[i]!));
      what = `${target.path}: duplicate element ${i}`;
    } else {
      const i = prng.int(c.length + 1);
      c.splice(i, c.length > i ? 1 : 0, PLACEHOLDER);
      what = `${target.path}[${i}]: weird value`;
    }
  } else {
    const keys = Object.keys(c);
    if (keys.length > 0 && op === 0) {
      const k = pick(prng, keys);
      delete c[k];
      what = `${target.path}: delete key ${k}`;
    } else if (op === 1) {
      const k = prng.next() < 0.5 && keys.length > 0 ? pick(prng, keys) : pick(prng, ['extra', 'sizeBytes', 'alignment', 'conflicts', 'pools', 'start', 'end', 'cores']);
      c[k] = PLACEHOLDER;
      what = `${target.path}.${k}: weird value`;
    } else {
      if (keys.length === 0) return { what: `${target.path}: unchanged`, text };
      const k = pick(prng, keys);
      c[k] = PLACEHOLDER;
      what = `${target.path}.${k}: weird value`;
    }
  }
  const value = pick(prng, WEIRD_VALUES);
  return { what: `${what} ${value}`, text: JSON.stringify(doc, null, 1).replace(`"${PLACEHOLDER}"`, value) };
}
