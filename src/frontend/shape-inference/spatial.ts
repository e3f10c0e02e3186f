/**
 * Output sizes of sliding windows (convolution and pooling): kernel, strides, dilations, explicit pads,
 * auto_pad (NOTSET, SAME_UPPER, SAME_LOWER, VALID) and ceil_mode.
 */
import { Codes } from '../../diagnostics/codes.js';
import type { InferContext } from './types.js';
import { attrInts, attrString, fail, fmt, intsOr, unsupported } from './util.js';

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

export function readAutoPad(ctx: InferContext): AutoPad {
  const v = attrString(ctx, 'auto_pad', 'NOTSET');
  if (v === '' || v === 'NOTSET') return 'NOTSET';
  if (v === 'SAME_UPPER' || v === 'SAME_LOWER' || v === 'VALID') return v;
  return unsupported(ctx, `auto_pad '${v}' is not supported`);
}

/** The `pads` attribute as begin and end lists (zeros when absent). */
export function readPads(ctx: InferContext, spatialRank: number): { begin: number[]; end: number[] } {
  const pads = attrInts(ctx, 'pads');
  if (pads === undefined) return { begin: new Array<number>(spatialRank).fill(0), end: new Array<number>(spatialRank).fill(0) };
  if (pads.length !== 2 * spatialRank) {
    fail(ctx, Codes.BadAttribute, `attribute 'pads' has ${pads.length} values, expected ${2 * spatialRank}`);
  }
  if (pads.some((p) => p < 0)) fail(ctx, Codes.BadAttribute, `attribute 'pads' ${fmt(pads)} has a negative value`);
  return { begin: pads.slice(0, spatialRank), end: pads.slice(spatialRank) };
}

export interface WindowParams {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
}

/** Reads strides and dilations (default 1) for `spatialRank` dimensions and checks they are positive. */
export function readStridesDilations(ctx: InferContext, spatialRank: number): { strides: number[]; dilations: number[] } {
  const strides = intsOr(ctx, 'strides', spatialRank, 1);
  const dilations = intsOr(ctx, 'dilations', spatialRank, 1);
  if (strides.some((s) => s < 1)) fail(ctx, Codes.BadAttribute, `attribute 'strides' ${fmt(strides)} must be positive`);
  if (dilations.some((d) => d < 1)) fail(ctx, Codes.BadAttribute, `attribute 'dilations' ${fmt(dilations)} must be positive`);
  return { strides, dilations };
}

/**
 * Output spatial dims of a window sliding over `input` (spatial dims only).
 * ceil_mode rounds the window count up, but a window that would start in the end padding is dropped.
 */
export function windowOutput(
  ctx: InferContext,
  input: readonly number[],
  p: WindowParams,
  ceilMode: boolean,
): number[] {
  const n = input.length;
  const autoPad = readAutoPad(ctx);
  const pads = autoPad === 'NOTSET' ? readPads(ctx, n) : undefined;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const size = input[i] as number;
    const k = p.kernel[i] as number;
    const s = p.strides[i] as number;
    const effK = ((k - 1) * (p.dilations[i] as number)) + 1;
    let o: number;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') o = Math.ceil(size / s);
    else if (autoPad === 'VALID') o = Math.floor((size - effK) / s) + 1;
    else {
      const pb = pads?.begin[i] ?? 0;
      const padded = size + pb + (pads?.end[i] ?? 0);
      const span = padded - effK;
      if (span < 0) o = 0;
      else if (ceilMode) {
        o = Math.ceil(span / s) + 1;
        if ((o - 1) * s >= size + pb) o -= 1;
      } else o = Math.floor(span / s) + 1;
    }
    if (o < 1) {
      fail(ctx, Codes.BadDimension, `kernel ${fmt(p.kernel)} does not fit input ${fmt(input)} (output dimension ${i} would be ${o})`);
    }
    out.push(o);
  }
  return out;
}
