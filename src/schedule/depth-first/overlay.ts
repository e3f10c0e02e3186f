/**
 * A depth-first segment's output written over the dead part of its input (cf. TinyEngine's in-place
 * depthwise convolution, MCUNet's patch inference): the segment consumes its input X in row order
 * while it writes its output Y in row order, so Y can sit at a fixed distance D before X,
 * offset(Y) = offset(X) - D, overlapping X. The pair then needs max(D + |X|, |Y|) bytes instead of
 * |X| + |Y|.
 *
 * D (the lag) comes from the segment's iterations in execution order (line-buffer mode: bands;
 * tiles mode: row tiles outer, column tiles inner; patch mode: patches outer, bands inner), each
 * with the window of Y its last member writes and the windows of X its members read (rows x
 * columns, every other dim whole, clamped to the tensors). A Y byte y written in iteration j lands
 * on X byte y - D; it must not hit an X byte read in iteration j or later (the same iteration counts:
 * the last member may read X while it writes Y). With W(i) = one past the highest Y byte written in
 * iterations <= i and R(i) = the lowest X byte read in iterations >= i, the smallest such D is
 * max_i (W(i) - R(i)), at least 0 (every pair j <= k is covered by i = j). The extremes of a window
 * follow from the layout's strides: its first element is the lowest byte, its last element's last
 * byte the highest. NHWC rows are contiguous, so D stays small; NCHW rows spread over the channel
 * planes, and D comes out about the size of Y (no gain, correctly). For those, Staging (below): the
 * last member writes Y channels-last into a staging buffer S (lagging X by a small D_s, its rows
 * contiguous), copied into Y after the loop, Y placed inside the then dead X after S.
 */
import type { ColumnWindow, MemberCols, PatchGeometry, SegmentGeometry, TileGeometry } from './geometry.js';
import { readColumns, readWindow } from './geometry.js';

/** A tensor's layout: row-major over `shape`, with its row and column dims and element size. */
export interface TensorLayout {
  readonly shape: readonly number[];
  /** Row dim and column dim (NCHW: 2, 3; NHWC: 1, 2). */
  readonly dims: readonly [number, number];
  readonly elementBytes: number;
}

/** Half-open index range [lo, hi); empty when hi <= lo. */
export type Range = readonly [number, number];

/** A window of a tensor: rows x columns, every other dim whole. */
export interface Window {
  readonly rows: Range;
  readonly cols: Range;
}

/** One iteration of a segment: the window of Y written (if any) and the windows of X read. */
export interface SegmentIteration {
  readonly write?: Window;
  readonly reads: readonly Window[];
}

/** Byte strides of a row-major layout. */
function byteStrides(t: TensorLayout): number[] {
  const strides = new Array<number>(t.shape.length).fill(0);
  let s = t.elementBytes;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= t.shape[d]!;
  }
  return strides;
}

/** The byte extremes of a layout's windows: lo = r0 * row + c0 * col; end = (r1 - 1) * row + (c1 - 1) * col + rest. */
interface ByteMap {
  readonly row: number;
  readonly col: number;
  /** The last element's last byte over every other dim, plus one. */
  readonly rest: number;
}

function byteMap(t: TensorLayout): ByteMap {
  const strides = byteStrides(t);
  let rest = t.elementBytes;
  for (let d = 0; d < t.shape.length; d++) if (d !== t.dims[0] && d !== t.dims[1]) rest += (t.shape[d]! - 1) * strides[d]!;
  return { row: strides[t.dims[0]]!, col: strides[t.dims[1]]!, rest };
}

/** Lowest byte and one past the highest byte of a (non-empty) window. */
export function windowBytes(t: TensorLayout, w: Window): { readonly lo: number; readonly end: number } {
  const m = byteMap(t);
  return { lo: w.rows[0] * m.row + w.cols[0] * m.col, end: (w.rows[1] - 1) * m.row + (w.cols[1] - 1) * m.col + m.rest };
}

/** The smallest lag D in bytes (not aligned) for which no Y write lands on an X byte read then or later. */
export function overlayLagBytes(iterations: readonly SegmentIteration[], x: TensorLayout, y: TensorLayout): number {
  return lagOf(iterations.length, (visit) => iterations.forEach((it, i) => {
    if (it.write) visit.write(i, it.write.rows[0], it.write.rows[1], it.write.cols[0], it.write.cols[1]);
    for (const r of it.reads) visit.read(i, r.rows[0], r.rows[1], r.cols[0], r.cols[1]);
  }), x, y);
}

/** Receives an iteration's windows: rows [r0, r1) x columns [c0, c1), clamped (possibly empty). */
interface WindowVisitor {
  write(i: number, r0: number, r1: number, c0: number, c1: number): void;
  read(i: number, r0: number, r1: number, c0: number, c1: number): void;
}

/** Scratch arrays of lagOf, reused (the chooser evaluates thousands of configurations). */
let scratch = { writeEnd: new Float64Array(0), readLo: new Float64Array(0) };

/** max_i (W(i) - R(i)), at least 0, over `count` iterations that `walk` visits. */
function lagOf(count: number, walk: (visit: WindowVisitor) => void, x: TensorLayout, y: TensorLayout): number {
  const mx = byteMap(x);
  const my = byteMap(y);
  if (scratch.readLo.length < count) scratch = { writeEnd: new Float64Array(count), readLo: new Float64Array(count) };
  const { writeEnd, readLo } = scratch;
  writeEnd.fill(-Infinity, 0, count);
  readLo.fill(Infinity, 0, count);
  walk({
    write(i, r0, r1, c0, c1) {
      if (r1 > r0 && c1 > c0) writeEnd[i] = Math.max(writeEnd[i]!, (r1 - 1) * my.row + (c1 - 1) * my.col + my.rest);
    },
    read(i, r0, r1, c0, c1) {
      if (r1 > r0 && c1 > c0) readLo[i] = Math.min(readLo[i]!, r0 * mx.row + c0 * mx.col);
    },
  });
  // R(i): the lowest X byte read in iterations >= i.
  for (let i = count - 2; i >= 0; i--) readLo[i] = Math.min(readLo[i]!, readLo[i + 1]!);
  let w = -Infinity;
  let lag = 0;
  for (let i = 0; i < count; i++) {
    w = Math.max(w, writeEnd[i]!);
    lag = Math.max(lag, w - readLo[i]!);
  }
  return lag;
}

/** D rounded up to the alignment (a power of two, or 1). */
export function alignLag(lagBytes: number, alignmentBytes: number): number {
  const a = Math.max(1, alignmentBytes);
  return Math.ceil(lagBytes / a) * a;
}

/** What the iterations need of a member (MemberInfo has it). */
export type OverlayMember = MemberCols & { readonly height: number };

/** A segment configuration: line buffers (geometry), column patches, or 2-D tiles. */
export interface SegmentConfig {
  readonly geometry: SegmentGeometry;
  readonly patch?: PatchGeometry;
  readonly tiles?: TileGeometry;
}

/**
 * A segment configuration to walk: its members, the input X they read and the output Y the last one
 * writes, the configuration, and the rows (`heightOf`) and columns (`widthOf`) of a tensor.
 */
export interface SegmentWalk {
  readonly members: readonly OverlayMember[];
  readonly input: string;
  readonly output: string;
  readonly config: SegmentConfig;
  readonly heightOf: (tensor: string) => number;
  readonly widthOf: (tensor: string) => number;
}

/** A window along one dim at iteration i: [i * stride + offset, + extent) clamped to [0, limit); whole when undefined. */
type Axis = ColumnWindow | undefined;

/**
 * Walks the iterations of a segment configuration in execution order: the window of the output
 * (`output`, written by the last member) and the windows of `input` every member reads. Returns the
 * iteration count. `heightOf` / `widthOf`: rows and columns of a tensor.
 */
function walkIterations(walk: SegmentWalk, visit?: WindowVisitor): number {
  const { members, input, output, config, heightOf, widthOf } = walk;
  const hx = heightOf(input);
  const wx = widthOf(input);
  const hy = heightOf(output);
  const wy = widthOf(output);
  // Row and column axes of the output's windows and of every read of the input; `outer` / `inner`
  // say which axis follows the outer loop (tiles: rows; patches: columns; line buffers: rows only).
  let rowsY: Axis;
  let colsY: Axis;
  const reads: { rows: Axis; cols: Axis }[] = [];
  let outer: number;
  let inner: number;
  let rowsOuter: boolean;
  if (config.tiles) {
    const { rows, cols } = config.tiles;
    rowsY = rows.tensors.get(output)!;
    colsY = cols.tensors.get(output)!;
    for (const m of members) {
      m.inputs.forEach((i, k) => {
        if (i.tensor !== input) return;
        const c = m.cols[k];
        reads.push({
          rows: i.rows.span === 0 ? undefined : readColumns(rows.tensors.get(m.output)!, i.rows, hx),
          cols: !c || c.span === 0 ? undefined : readColumns(cols.tensors.get(m.output)!, c, wx),
        });
      });
    }
    outer = rows.patches;
    inner = cols.patches;
    rowsOuter = true;
  } else {
    const g = config.geometry;
    const patch = config.patch;
    const ry = g.tensors.get(output)!;
    rowsY = { stride: ry.newRows, offset: ry.newOffset, extent: ry.newRows, limit: hy };
    colsY = patch ? patch.tensors.get(output)! : undefined;
    for (const m of members) {
      m.inputs.forEach((i, k) => {
        if (i.tensor !== input) return;
        const c = m.cols[k];
        reads.push({
          rows: i.rows.span === 0 ? undefined : { ...readWindow(g.tensors.get(m.output)!, i.rows), limit: hx },
          cols: !patch || !c || c.span === 0 ? undefined : readColumns(patch.tensors.get(m.output)!, c, wx),
        });
      });
    }
    outer = patch?.patches ?? 1;
    inner = g.bands;
    rowsOuter = false;
  }
  if (!visit) return outer * inner;
  const lo = (a: Axis, i: number) => (a ? Math.max(0, i * a.stride + a.offset) : 0);
  const hi = (a: Axis, i: number, whole: number) => (a ? Math.min(a.limit, i * a.stride + a.offset + a.extent) : whole);
  let n = 0;
  for (let o = 0; o < outer; o++) {
    for (let q = 0; q < inner; q++, n++) {
      const r = rowsOuter ? o : q;
      const c = rowsOuter ? q : o;
      visit.write(n, lo(rowsY, r), hi(rowsY, r, hy), lo(colsY, c), hi(colsY, c, wy));
      for (const x of reads) visit.read(n, lo(x.rows, r), hi(x.rows, r, hx), lo(x.cols, c), hi(x.cols, c, wx));
    }
  }
  return n;
}

/** The iterations of a segment configuration in execution order (walkIterations), as windows. */
export function segmentIterations(walk: SegmentWalk): SegmentIteration[] {
  const out: { write?: Window; reads: Window[] }[] = [];
  const it = (i: number) => (out[i] ??= { reads: [] });
  walkIterations(walk, {
    write(i, r0, r1, c0, c1) {
      it(i).write = { rows: [r0, r1], cols: [c0, c1] };
    },
    read(i, r0, r1, c0, c1) {
      it(i).reads.push({ rows: [r0, r1], cols: [c0, c1] });
    },
  });
  return out;
}

/** The lag of a segment configuration (overlayLagBytes over its iterations), without building them. */
export function segmentLagBytes(walk: SegmentWalk, x: TensorLayout, y: TensorLayout): number {
  const count = walkIterations(walk);
  return lagOf(count, (visit) => walkIterations(walk, visit), x, y);
}

/**
 * Channels-last staging of an NCHW output (the plain overlay's D is about |Y| there: each row of Y
 * spreads over the channel planes). The last member writes its windows into a staging buffer S that
 * holds the whole output in NHWC order (channel stride 1, column stride C, row stride W*C), placed
 * at offset(X) - D_s (D_s: the walk above with S's layout; S's rows are contiguous, so D_s is small).
 * After the iteration loop one copy transposes S into Y, placed at offset(X) + E with
 * E = alignUp(max(0, |S| - D_s)): S and Y never intersect, and by then all of X is dead. Possible when
 * E + |Y| <= |X|; the pair then takes D_s + |X| bytes (S, X and Y all inside [X - D_s, X + |X|)).
 */
export interface Staging {
  /** D_s: S sits this many bytes before X (aligned). */
  readonly lagBytes: number;
  /** E: Y sits this many bytes after the start of X (aligned). */
  readonly outputOffsetBytes: number;
}

/** The NHWC layout of an NCHW tensor's staging buffer (rank 4, dims 2 and 3), or undefined for any other layout. */
export function channelsLastLayout(y: TensorLayout): TensorLayout | undefined {
  if (y.shape.length !== 4 || y.dims[0] !== 2 || y.dims[1] !== 3) return undefined;
  const [n, c, h, w] = y.shape as [number, number, number, number];
  return { shape: [n, h, w, c], dims: [1, 2], elementBytes: y.elementBytes };
}

/**
 * The staging of a segment configuration's NCHW output (Staging), or undefined when Y does not fit
 * inside X after S (E + |Y| > |X|) or the output is not NCHW.
 */
export function segmentStaging(walk: SegmentWalk, x: TensorLayout, y: TensorLayout, alignmentBytes: number): Staging | undefined {
  const s = channelsLastLayout(y);
  if (!s) return undefined;
  const bytes = (t: TensorLayout) => t.shape.reduce((a, b) => a * b, 1) * t.elementBytes;
  const lag = alignLag(segmentLagBytes(walk, x, s), alignmentBytes);
  const offset = alignLag(Math.max(0, bytes(s) - lag), alignmentBytes);
  if (offset + bytes(y) > bytes(x)) return undefined;
  return { lagBytes: lag, outputOffsetBytes: offset };
}
