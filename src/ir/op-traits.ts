/**
 * Operator traits for graph rewrites. Rewrites ask for a trait ("is this element-wise?", "can it fuse
 * after a conv?") instead of listing op names; the traits of each op are a column of the op table
 * (op-table.ts), so a new op joins every rewrite by its row there.
 */
import type { OpTraits } from './op-table.js';
import { opEntry } from './op-table.js';

export type { OpTraits } from './op-table.js';

const NONE: OpTraits = {};

/** Traits of an op: its row of the op table (none for unknown domains and ops). */
export function opTraits(opType: string, domain = ''): OpTraits {
  return opEntry(opType, domain)?.traits ?? NONE;
}
