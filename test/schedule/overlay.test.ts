/**
 * A segment's output written over the dead part of its input (schedule/depth-first/overlay.ts): the
 * lag D against a brute-force simulation, byte by byte, of the segment's iterations. Every byte of
 * every window is enumerated through the layout (row-major strides, every dim), each Y byte written
 * at iteration j lands on X byte y - D, and no X byte may be overwritten before (or in) the last
 * iteration that reads it. D must pass, D - 1 (and D minus one alignment unit, once aligned) must not:
 * the lag is the smallest safe one, in line-buffer, patch and tiles modes, NHWC and NCHW, with a
 * residual member that reads X beside the kernel.
 */
import { describe, expect, it } from 'vitest';
import type { MemberCols, RowRelation } from '../../src/schedule/depth-first/geometry.js';
import { patchGeometry, segmentGeometry, tileGeometry } from '../../src/schedule/depth-first/geometry.js';
import type { SegmentConfig, SegmentIteration, TensorLayout } from '../../src/schedule/depth-first/overlay.js';
import { alignLag, channelsLastLayout, overlayLagBytes, segmentIterations, segmentLagBytes, segmentStaging } from '../../src/schedule/depth-first/overlay.js';

type Member = MemberCols & { readonly height: number };

const K3S1: RowRelation = { stride: 1, pad: 1, span: 3 };
const K3S2: RowRelation = { stride: 2, pad: 1, span: 3 };
const ONE: RowRelation = { stride: 1, pad: 0, span: 1 };

interface Case {
  readonly name: string;
  readonly members: readonly Member[];
  /** [height, width, channels] of every tensor. */
  readonly sizes: ReadonlyMap<string, readonly [number, number, number]>;
}

/** X (12x10) -> 3x3 stride 1 -> A -> 3x3 stride 2 -> Y (6x5). */
const STRIDED: Case = {
  name: 'conv, strided conv',
  members: [
    { output: 'a', inputs: [{ tensor: 'x', rows: K3S1 }], cols: [K3S1], width: 10, height: 12 },
    { output: 'y', inputs: [{ tensor: 'a', rows: K3S2 }], cols: [K3S2], width: 5, height: 6 },
  ],
  sizes: new Map([['x', [12, 10, 3]], ['a', [12, 10, 5]], ['y', [6, 5, 4]]] as const),
};

/** X (12x10) -> 3x3 -> A; Y = A + X (a residual member reads X at the output's rows and columns). */
const RESIDUAL: Case = {
  name: 'conv, residual add of the input',
  members: [
    { output: 'a', inputs: [{ tensor: 'x', rows: K3S1 }], cols: [K3S1], width: 10, height: 12 },
    { output: 'y', inputs: [{ tensor: 'a', rows: ONE }, { tensor: 'x', rows: ONE }], cols: [ONE, ONE], width: 10, height: 12 },
  ],
  sizes: new Map([['x', [12, 10, 3]], ['a', [12, 10, 3]], ['y', [12, 10, 3]]] as const),
};

function layout(c: Case, t: string, nhwc: boolean, elementBytes: number): TensorLayout {
  const [h, w, ch] = c.sizes.get(t)!;
  return nhwc ? { shape: [1, h, w, ch], dims: [1, 2], elementBytes } : { shape: [1, ch, h, w], dims: [2, 3], elementBytes };
}

/** Every byte of a window (rows x columns, every other dim whole), enumerated element by element. */
function bytesOf(t: TensorLayout, rows: readonly [number, number], cols: readonly [number, number]): number[] {
  const out: number[] = [];
  const idx = new Array<number>(t.shape.length).fill(0);
  const range = (d: number): [number, number] => (d === t.dims[0] ? [rows[0], rows[1]] : d === t.dims[1] ? [cols[0], cols[1]] : [0, t.shape[d]!]);
  const visit = (d: number): void => {
    if (d === t.shape.length) {
      let element = 0;
      for (let k = 0; k < t.shape.length; k++) element = element * t.shape[k]! + idx[k]!;
      for (let b = 0; b < t.elementBytes; b++) out.push(element * t.elementBytes + b);
      return;
    }
    const [lo, hi] = range(d);
    for (let i = lo; i < hi; i++) {
      idx[d] = i;
      visit(d + 1);
    }
  };
  visit(0);
  return out;
}

/** The first violation (an X byte overwritten by Y at or before an iteration that reads it) with Y at offset(X) - lag, or undefined. */
function violation(iterations: readonly SegmentIteration[], x: TensorLayout, y: TensorLayout, lag: number): string | undefined {
  const xBytes = x.shape.reduce((a, b) => a * b, 1) * x.elementBytes;
  const writtenAt = new Array<number>(xBytes).fill(Infinity);
  iterations.forEach((it, j) => {
    if (!it.write) return;
    for (const yb of bytesOf(y, it.write.rows, it.write.cols)) {
      const xb = yb - lag;
      if (xb >= 0 && xb < xBytes) writtenAt[xb] = Math.min(writtenAt[xb]!, j);
    }
  });
  for (let k = 0; k < iterations.length; k++) {
    for (const r of iterations[k]!.reads) {
      for (const xb of bytesOf(x, r.rows, r.cols)) if (writtenAt[xb]! <= k) return `X byte ${xb} read in iteration ${k}, overwritten in iteration ${writtenAt[xb]}`;
    }
  }
  return undefined;
}

function configs(c: Case): { readonly name: string; readonly config: SegmentConfig }[] {
  const heightOf = (t: string) => c.sizes.get(t)![0];
  const widthOf = (t: string) => c.sizes.get(t)![1];
  const out: { name: string; config: SegmentConfig }[] = [];
  for (const bandRows of [1, 2, 3]) out.push({ name: `line buffers, ${bandRows} row(s) per band`, config: { geometry: segmentGeometry(c.members, bandRows, heightOf)! } });
  for (const [r, col] of [[1, 2], [2, 3], [3, 1]] as const) {
    const tiles = tileGeometry(c.members, r, col, heightOf, widthOf)!;
    out.push({ name: `tiles ${r}x${col}`, config: { geometry: { bandRows: r, bands: tiles.rows.patches, tensors: new Map() }, tiles } });
  }
  const geometry = segmentGeometry(c.members, 1, heightOf)!;
  out.push({ name: 'patches of 2 columns', config: { geometry, patch: patchGeometry(c.members, 2, widthOf)! } });
  return out;
}

describe('overlay lag: the smallest D for which no byte of X is overwritten before its last read', () => {
  for (const c of [STRIDED, RESIDUAL]) {
    for (const nhwc of [true, false]) {
      for (const elementBytes of [1, 4]) {
        it(`${c.name}, ${nhwc ? 'NHWC' : 'NCHW'}, ${elementBytes}-byte elements`, () => {
          const x = layout(c, 'x', nhwc, elementBytes);
          const y = layout(c, 'y', nhwc, elementBytes);
          const heightOf = (t: string) => c.sizes.get(t)![0];
          const widthOf = (t: string) => c.sizes.get(t)![1];
          const yBytes = y.shape.reduce((a, b) => a * b, 1) * elementBytes;
          for (const { name, config } of configs(c)) {
            const iterations = segmentIterations({ members: c.members, input: 'x', output: 'y', config, heightOf, widthOf });
            const lag = overlayLagBytes(iterations, x, y);
            expect(segmentLagBytes({ members: c.members, input: 'x', output: 'y', config, heightOf, widthOf }, x, y), name).toBe(lag);
            // Every iteration reads X (the first member reads it), and the output is written in full.
            expect(iterations.every((it) => it.reads.length === c.members.filter((m) => m.inputs.some((i) => i.tensor === 'x')).length), name).toBe(true);
            expect(violation(iterations, x, y, lag), `${name}: D = ${lag}`).toBeUndefined();
            expect(lag, name).toBeGreaterThan(0);
            expect(violation(iterations, x, y, lag - 1), `${name}: D - 1 = ${lag - 1}`).toBeDefined();
            for (const alignment of [4, 16]) {
              const aligned = alignLag(lag, alignment);
              expect(aligned % alignment).toBe(0);
              expect(violation(iterations, x, y, aligned), `${name}: aligned D = ${aligned}`).toBeUndefined();
              expect(violation(iterations, x, y, aligned - alignment), `${name}: aligned D - ${alignment}`).toBeDefined();
            }
            // Row-order modes over NHWC lag a few rows behind; patches (columns outer) and NCHW (rows
            // spread over the channel planes) do not free X in the order Y fills: D about |Y| or more.
            if (nhwc && !config.patch) expect(lag, name).toBeLessThanOrEqual(yBytes / 2);
            if (config.patch) expect(lag, name).toBeGreaterThan(yBytes / 2);
          }
        });
      }
    }
  }

  it('NCHW rows spread over the channel planes: a larger lag than NHWC for the same loop', () => {
    const c = STRIDED;
    const heightOf = (t: string) => c.sizes.get(t)![0];
    const widthOf = (t: string) => c.sizes.get(t)![1];
    const config: SegmentConfig = { geometry: segmentGeometry(c.members, 1, heightOf)! };
    const nhwc = segmentLagBytes({ members: c.members, input: 'x', output: 'y', config, heightOf, widthOf }, layout(c, 'x', true, 1), layout(c, 'y', true, 1));
    const nchw = segmentLagBytes({ members: c.members, input: 'x', output: 'y', config, heightOf, widthOf }, layout(c, 'x', false, 1), layout(c, 'y', false, 1));
    expect(nchw).toBeGreaterThan(nhwc);
  });

  it('an input read whole by a member never dies before the end: D covers the whole output', () => {
    const c: Case = {
      ...STRIDED,
      members: [STRIDED.members[0]!, { ...STRIDED.members[1]!, inputs: [...STRIDED.members[1]!.inputs, { tensor: 'x', rows: { stride: 0, pad: 0, span: 0 } }], cols: [K3S2, { stride: 0, pad: 0, span: 0 }] }],
    };
    const heightOf = (t: string) => c.sizes.get(t)![0];
    const widthOf = (t: string) => c.sizes.get(t)![1];
    const y = layout(c, 'y', true, 1);
    const lag = segmentLagBytes({ members: c.members, input: 'x', output: 'y', config: { geometry: segmentGeometry(c.members, 1, heightOf)! }, heightOf, widthOf }, layout(c, 'x', true, 1), y);
    expect(lag).toBe(y.shape.reduce((a, b) => a * b, 1));
  });
});

/**
 * Channels-last staging of an NCHW output (overlay.ts Staging): the staging buffer S (Y in NHWC
 * order) at offset(X) - D_s, Y copied after the loop to offset(X) + E. D_s against the same
 * brute-force walk with S's layout (smallest safe, aligned); E the smallest aligned offset at which Y
 * starts after S ends, and staging refused when Y would not end inside X.
 */
describe('channels-last staging: the staging buffer\'s lag and the output\'s offset', () => {
  const heightOf = (c: Case) => (t: string) => c.sizes.get(t)![0];
  const widthOf = (c: Case) => (t: string) => c.sizes.get(t)![1];
  const bytes = (t: TensorLayout) => t.shape.reduce((a, b) => a * b, 1) * t.elementBytes;

  it('the NHWC layout of an NCHW tensor; none for NHWC or other ranks', () => {
    expect(channelsLastLayout({ shape: [1, 4, 6, 5], dims: [2, 3], elementBytes: 4 })).toEqual({ shape: [1, 6, 5, 4], dims: [1, 2], elementBytes: 4 });
    expect(channelsLastLayout({ shape: [1, 6, 5, 4], dims: [1, 2], elementBytes: 1 })).toBeUndefined();
    expect(channelsLastLayout({ shape: [1, 4, 6], dims: [2, 3], elementBytes: 1 })).toBeUndefined();
  });

  for (const elementBytes of [1, 4]) {
    for (const alignment of [1, 4, 16]) {
      it(`conv, strided conv, NCHW, ${elementBytes}-byte elements, alignment ${alignment}`, () => {
        const c = STRIDED;
        const x = layout(c, 'x', false, elementBytes);
        const y = layout(c, 'y', false, elementBytes);
        const s = channelsLastLayout(y)!;
        let staged = 0;
        for (const { name, config } of configs(c)) {
          const staging = segmentStaging({ members: c.members, input: 'x', output: 'y', config, heightOf: heightOf(c), widthOf: widthOf(c) }, x, y, alignment);
          const iterations = segmentIterations({ members: c.members, input: 'x', output: 'y', config, heightOf: heightOf(c), widthOf: widthOf(c) });
          const exact = overlayLagBytes(iterations, x, s);
          if (!staging) {
            // Refused only when Y cannot end inside X after S.
            expect(alignLag(Math.max(0, bytes(s) - alignLag(exact, alignment)), alignment) + bytes(y), name).toBeGreaterThan(bytes(x));
            continue;
          }
          staged++;
          const { lagBytes: d, outputOffsetBytes: e } = staging;
          expect(d, name).toBe(alignLag(exact, alignment));
          // The staging buffer written in NHWC order never overwrites an X byte before its last read.
          expect(violation(iterations, x, s, d), `${name}: D_s = ${d}`).toBeUndefined();
          if (d > 0) expect(violation(iterations, x, s, d - alignment), `${name}: D_s - ${alignment}`).toBeDefined();
          // S = [X - D_s, X - D_s + |S|) ends at or before Y = [X + E, X + E + |Y|), which ends inside X.
          expect([d % alignment, e % alignment], name).toEqual([0, 0]);
          expect(e, name).toBeGreaterThanOrEqual(bytes(s) - d);
          expect(e - alignment, name).toBeLessThan(Math.max(1, bytes(s) - d));
          expect(e + bytes(y), name).toBeLessThanOrEqual(bytes(x));
          // Row-order modes: S lags X by a few rows, less than the plain NCHW overlay's Y.
          if (!config.patch) expect(exact, name).toBeLessThan(segmentLagBytes({ members: c.members, input: 'x', output: 'y', config, heightOf: heightOf(c), widthOf: widthOf(c) }, x, y));
        }
        // |Y| is a third of |X| here: every configuration stages.
        expect(staged).toBe(configs(c).length);
      });
    }
  }

  it('refused when the output cannot sit inside the input after the staging buffer (a residual block: |Y| = |X|)', () => {
    const c = RESIDUAL;
    const x = layout(c, 'x', false, 4);
    const y = layout(c, 'y', false, 4);
    for (const { name, config } of configs(c)) expect(segmentStaging({ members: c.members, input: 'x', output: 'y', config, heightOf: heightOf(c), widthOf: widthOf(c) }, x, y, 4), name).toBeUndefined();
  });

  it('never for an NHWC output', () => {
    const c = STRIDED;
    for (const { name, config } of configs(c)) {
      expect(segmentStaging({ members: c.members, input: 'x', output: 'y', config, heightOf: heightOf(c), widthOf: widthOf(c) }, layout(c, 'x', true, 1), layout(c, 'y', true, 1), 1), name).toBeUndefined();
    }
  });
});
