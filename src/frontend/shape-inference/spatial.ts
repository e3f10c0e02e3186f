/**
 * Output sizes of sliding windows (convolution and pooling): kernel, strides, dilations, explicit pads,
 * auto_pad (NOTSET, SAME_UPPER, SAME_LOWER, VALID) and ceil_mode.
 */
import { Codes } from '../../diagnostics/codes.js';
import type { AutoPad } from '../../ir/geometry.js';
import { windowOutputSize } from '../../ir/geometry.js';
import type { InferContext } from './types.js';
import { attrInts, attrString, fail, fmt, intsOr, unsupported } from './util.js';

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
 * Output spatial dims of a window sliding over `input` (spatial dims only; ir/geometry's windowOutputSize
 * per dimension), with the attributes read strictly and a window that does not fit reported.
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
    const o = windowOutputSize(autoPad, input[i]!, p.kernel[i]!, p.strides[i]!, p.dilations[i]!, pads?.begin[i] ?? 0, pads?.end[i] ?? 0, ceilMode);
    if (o < 1) {
      fail(ctx, Codes.BadDimension, `kernel ${fmt(p.kernel)} does not fit input ${fmt(input)} (output dimension ${i} would be ${o})`);
    }
    out.push(o);
  }
  return out;
}
