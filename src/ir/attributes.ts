/**
 * Typed attribute readers, the one place every stage reads node attributes through (shape inference,
 * constant folding, graph rewrites, tiling templates, codegen, both importers' domains).
 *
 * Two flavours:
 *  - lenient (`intAttr`, `floatAttr`, `stringAttr`, `intsAttr`, `floatsAttr`): an absent attribute
 *    or one of another type gives the typed default. Stages after shape inference use these: the
 *    graph they read has passed the strict checks already.
 *  - strict (`strictAttr`): an attribute of the wrong type calls `onBadType`, which throws the
 *    caller's diagnostic (shape inference names the node and the expected type).
 *
 * Conversions are the same in both: an int is accepted where a float is read, a single int where a
 * list of ints is read, and ints where a list of floats is read.
 */
import type { AttrValue } from './graph.js';

/** Anything that carries attributes: a node, or the attribute map itself. */
export type AttrSource = ReadonlyMap<string, AttrValue> | { readonly attributes: ReadonlyMap<string, AttrValue> };

/** The kinds a reader asks for, with the wording a diagnostic uses for each. */
export type AttrKind = 'int' | 'float' | 'string' | 'ints' | 'floats' | 'tensor';

export const ATTR_KIND_WORDING: Readonly<Record<AttrKind, string>> = {
  int: 'an integer',
  float: 'a float',
  string: 'a string',
  ints: 'a list of integers',
  floats: 'a list of floats',
  tensor: 'a tensor',
};

type KindValue = {
  int: number;
  float: number;
  string: string;
  ints: readonly number[];
  floats: readonly number[];
  tensor: Extract<AttrValue, { type: 'tensor' }>['value'];
};

function mapOf(src: AttrSource): ReadonlyMap<string, AttrValue> {
  return src instanceof Map ? src : (src as { readonly attributes: ReadonlyMap<string, AttrValue> }).attributes;
}

/** The raw attribute, if present. */
export function attrOf(src: AttrSource, name: string): AttrValue | undefined {
  return mapOf(src).get(name);
}

/** `a` read as `kind` (with the conversions above), or undefined when its type does not convert. */
function convert<K extends AttrKind>(a: AttrValue, kind: K): KindValue[K] | undefined {
  switch (kind) {
    case 'int':
      return (a.type === 'int' ? a.value : undefined) as KindValue[K] | undefined;
    case 'float':
      return (a.type === 'float' || a.type === 'int' ? a.value : undefined) as KindValue[K] | undefined;
    case 'string':
      return (a.type === 'string' ? a.value : undefined) as KindValue[K] | undefined;
    case 'ints':
      return (a.type === 'ints' ? a.value : a.type === 'int' ? [a.value] : undefined) as KindValue[K] | undefined;
    case 'floats':
      return (a.type === 'floats' || a.type === 'ints' ? a.value : a.type === 'float' || a.type === 'int' ? [a.value] : undefined) as KindValue[K] | undefined;
    case 'tensor':
      return (a.type === 'tensor' ? a.value : undefined) as KindValue[K] | undefined;
  }
  return undefined;
}

/**
 * The attribute as `kind`; undefined when absent. Present with a type that does not convert:
 * `onBadType(expected wording, attribute)` (which throws the caller's diagnostic).
 */
export function strictAttr<K extends AttrKind>(src: AttrSource, name: string, kind: K, onBadType: (expected: string, got: AttrValue) => never): KindValue[K] | undefined {
  const a = attrOf(src, name);
  if (a === undefined) return undefined;
  const v = convert(a, kind);
  return v === undefined ? onBadType(ATTR_KIND_WORDING[kind], a) : v;
}

/** The attribute as `kind`, or undefined (absent or of another type). */
export function lenientAttr<K extends AttrKind>(src: AttrSource, name: string, kind: K): KindValue[K] | undefined {
  const a = attrOf(src, name);
  return a === undefined ? undefined : convert(a, kind);
}

export function intAttr(src: AttrSource, name: string, dflt: number): number {
  return lenientAttr(src, name, 'int') ?? dflt;
}

/** A float attribute (an int one is accepted too). */
export function floatAttr(src: AttrSource, name: string, dflt: number): number {
  return lenientAttr(src, name, 'float') ?? dflt;
}

export function stringAttr(src: AttrSource, name: string, dflt: string): string {
  return lenientAttr(src, name, 'string') ?? dflt;
}

/** A list of ints (a single int reads as a list of one); undefined when absent. */
export function intsAttr(src: AttrSource, name: string): readonly number[] | undefined {
  return lenientAttr(src, name, 'ints');
}

/** A list of floats (ints and single values convert); undefined when absent. */
export function floatsAttr(src: AttrSource, name: string): readonly number[] | undefined {
  return lenientAttr(src, name, 'floats');
}

/** An `axis` int attribute (default `dflt`) of a tensor of `rank`, a negative one counted from the end. */
export function axisAttr(src: AttrSource, rank: number, dflt = 0): number {
  const axis = intAttr(src, 'axis', dflt);
  return axis < 0 ? axis + rank : axis;
}

/** `intsAttr`, or `dflt` repeated `n` times when absent. */
export function intsAttrOr(src: AttrSource, name: string, n: number, dflt: number): number[] {
  const v = intsAttr(src, name);
  return v === undefined ? new Array<number>(n).fill(dflt) : [...v];
}
