/**
 * Row geometry of a depth-first segment in line-buffer mode (no recomputation).
 *
 * The segment runs a band loop `b = 0 .. bands-1`. In every band each member computes the next
 * `S` rows of its output tensor: rows [b*S + o, b*S + o + S), clamped to the tensor. S and o are
 * fixed per tensor, so every window is affine in b (the loop IR's TileRange): the output tensor
 * advances `bandRows` rows per band; a tensor read by a member of row stride s advances s times as
 * many, and its offset o is the smallest that covers the rows its consumers read in the same band.
 * The first bands may compute no output row at all (their output window lies above row 0): they only
 * fill the line buffers, which is the classic pipeline prologue expressed without special cases.
 *
 * An intermediate tensor lives in a line buffer of `rows` rows that holds, in band b, rows
 * [b*S + low, b*S + low + rows): from the lowest row a consumer still reads to the newest row
 * computed. Each band the window moves S rows on (the kept rows shift down), so every row of every
 * tensor is computed exactly once (also rows no consumer reads, as layer by layer): line-buffer
 * segments add no MACs.
 */

/** Rows of an input a member reads for output rows [a, e): [a*stride - pad, (e-1)*stride - pad + span). */
export interface RowRelation {
  readonly stride: number;
  readonly pad: number;
  /** Rows of one kernel window: (kernel - 1) * dilation + 1. */
  readonly span: number;
}

export const IDENTITY_ROWS: RowRelation = { stride: 1, pad: 0, span: 1 };

/** What the geometry needs of a member node. */
export interface MemberRows {
  readonly output: string;
  /** Activation inputs with the rows each output row reads. */
  readonly inputs: readonly { readonly tensor: string; readonly rows: RowRelation }[];
}

/** Band windows of one tensor of the segment (its intermediates and its output). */
export interface TensorRows {
  /** Rows computed per band (S). */
  readonly newRows: number;
  /** Offset of the rows computed in band b: [b*newRows + newOffset, + newRows). */
  readonly newOffset: number;
  /** Offset of the line buffer's window: [b*newRows + lowOffset, + lineRows). */
  readonly lowOffset: number;
  /** Rows the line buffer holds. */
  readonly lineRows: number;
}

export interface SegmentGeometry {
  readonly bandRows: number;
  /** Band loop iterations, including the prologue bands that only fill line buffers. */
  readonly bands: number;
  /** Per tensor produced in the segment (intermediates and the output). */
  readonly tensors: ReadonlyMap<string, TensorRows>;
}

/**
 * The band geometry of members (in execution order; the last one writes the segment's output) for
 * `bandRows` output rows per band, or undefined when the members cannot run in lockstep (a tensor
 * read at two different row rates, or an intermediate nobody reads). `heightOf` gives row counts.
 */
export function segmentGeometry(
  members: readonly MemberRows[],
  bandRows: number,
  heightOf: (tensor: string) => number,
  /**
   * The segment's input when it streams through a line buffer too (it lives in DRAM): its rows get
   * band windows like an intermediate's (filled by DMA instead of computed).
   */
  streamedInput?: string,
): SegmentGeometry | undefined {
  if (members.length === 0 || bandRows < 1) return undefined;
  const out = members[members.length - 1]!.output;
  const produced = new Set(members.map((m) => m.output));
  if (streamedInput !== undefined) produced.add(streamedInput);
  // Offsets before the prologue shift: c = newOffset, l = lowest row read, per band, at q = 0.
  const S = new Map<string, number>([[out, bandRows]]);
  const c = new Map<string, number>([[out, 0]]);
  const l = new Map<string, number>([[out, 0]]);
  for (let i = members.length - 1; i >= 0; i--) {
    const m = members[i]!;
    const su = S.get(m.output);
    const cu = c.get(m.output);
    if (su === undefined || cu === undefined) return undefined; // an intermediate nobody in the segment reads
    for (const input of m.inputs) {
      if (!produced.has(input.tensor)) continue; // the segment's input, a whole tensor in SRAM
      const r = input.rows;
      if (r.span === 0) return undefined; // read whole along the rows: only a whole input can be
      const sx = su * r.stride;
      const known = S.get(input.tensor);
      if (known !== undefined && known !== sx) return undefined;
      S.set(input.tensor, sx);
      const end = (cu + su - 1) * r.stride - r.pad + r.span;
      c.set(input.tensor, Math.max(c.get(input.tensor) ?? -Infinity, end - sx));
      l.set(input.tensor, Math.min(l.get(input.tensor) ?? Infinity, cu * r.stride - r.pad));
    }
  }
  // Prologue bands: enough that every tensor's first window starts at or above row 0.
  let q = 0;
  for (const [t, ct] of c) q = Math.max(q, Math.ceil(ct / S.get(t)!));
  const tensors = new Map<string, TensorRows>();
  for (const t of [...(streamedInput !== undefined && S.has(streamedInput) ? [streamedInput] : []), ...members.map((m) => m.output)]) {
    const st = S.get(t)!;
    const ct = c.get(t)!;
    const low = Math.min(l.get(t)!, ct);
    tensors.set(t, { newRows: st, newOffset: ct - q * st, lowOffset: low - q * st, lineRows: ct + st - low });
  }
  // Enough bands for the last row of every tensor: a row no consumer reads (the bottom row under a
  // stride-2 kernel without padding) is still computed, as layer-by-layer execution would.
  let bands = q + Math.ceil(heightOf(out) / bandRows);
  for (const [t, r] of tensors) bands = Math.max(bands, Math.ceil((heightOf(t) - r.newOffset) / r.newRows));
  return { bandRows, bands, tensors };
}

/** Rows of `input` a member reads in band b: start offset (at b = 0) and extent, for its output's rows. */
export function readWindow(outRows: TensorRows, r: RowRelation): { readonly stride: number; readonly offset: number; readonly extent: number } {
  return {
    stride: outRows.newRows * r.stride,
    offset: outRows.newOffset * r.stride - r.pad,
    extent: (outRows.newRows - 1) * r.stride + r.span,
  };
}

/**
 * Patch segments: the segment's output columns split into patches of `patchCols` columns. In patch
 * p each tensor of the segment is computed (or read, for the segment's input) over the columns
 * [p*stride + offset, + extent), clamped to [0, limit): its consumers' windows plus their halo, so
 * neighbouring patches recompute the halo columns (never rows: the band loop inside a patch keeps
 * line buffers as in line-buffer mode, only patch-wide).
 */
export interface ColumnWindow {
  readonly stride: number;
  readonly offset: number;
  readonly extent: number;
  readonly limit: number;
}

/** What the column geometry needs of a member. */
export interface MemberCols extends MemberRows {
  readonly width: number;
  readonly cols: readonly (RowRelation | undefined)[];
}

export interface PatchGeometry {
  readonly patchCols: number;
  readonly patches: number;
  /** Per tensor produced in the segment, and the segment's input (the union of its reads). */
  readonly tensors: ReadonlyMap<string, ColumnWindow>;
}

/** Clamped length of window p. */
export function columnsIn(w: ColumnWindow, p: number): number {
  const s = p * w.stride + w.offset;
  return Math.max(0, Math.min(w.limit, s + w.extent) - Math.max(0, s));
}

/** Columns of `input` a member reads in patch p for its output's window (unclamped start at p = 0, stride, extent). */
export function readColumns(out: ColumnWindow, r: RowRelation, limit: number): ColumnWindow {
  return { stride: out.stride * r.stride, offset: out.offset * r.stride - r.pad, extent: (out.extent - 1) * r.stride + r.span, limit };
}

/**
 * Column windows of the members for `patchCols` output columns per patch, or undefined when a member
 * cannot run on column patches or a tensor is read at two column rates. `widthOf` gives columns.
 */
export function patchGeometry(members: readonly MemberCols[], patchCols: number, widthOf: (tensor: string) => number): PatchGeometry | undefined {
  if (members.length === 0 || patchCols < 1) return undefined;
  const last = members[members.length - 1]!;
  const W = last.width;
  const start = new Map<string, number>([[last.output, 0]]);
  const end = new Map<string, number>([[last.output, patchCols]]);
  const stride = new Map<string, number>([[last.output, patchCols]]);
  const patches = Math.ceil(W / patchCols);
  for (let i = members.length - 1; i >= 0; i--) {
    const m = members[i]!;
    const su = stride.get(m.output);
    if (su === undefined) return undefined;
    // Every column is computed, also one no consumer reads (the last column under a stride-2 kernel
    // without padding), as layer-by-layer execution would: the last patch reaches the last column.
    end.set(m.output, Math.max(end.get(m.output)!, m.width - (patches - 1) * su));
    const win: ColumnWindow = { stride: su, offset: start.get(m.output)!, extent: end.get(m.output)! - start.get(m.output)!, limit: m.width };
    for (let k = 0; k < m.inputs.length; k++) {
      const r = m.cols[k];
      if (r === undefined) return undefined;
      if (r.span === 0) continue; // read whole: one column, broadcast
      const t = m.inputs[k]!.tensor;
      const w = readColumns(win, r, widthOf(t));
      const known = stride.get(t);
      if (known !== undefined && known !== w.stride) return undefined;
      stride.set(t, w.stride);
      start.set(t, Math.min(start.get(t) ?? Infinity, w.offset));
      end.set(t, Math.max(end.get(t) ?? -Infinity, w.offset + w.extent));
    }
  }
  const tensors = new Map<string, ColumnWindow>();
  for (const [t, s] of stride) tensors.set(t, { stride: s, offset: start.get(t)!, extent: end.get(t)! - start.get(t)!, limit: widthOf(t) });
  return { patchCols, patches, tensors };
}

/** MACs the patches compute beyond the members' own (halo columns computed by two patches). */
export function patchExtraMacs(members: readonly (MemberCols & { readonly macsPerRow: number; readonly height: number })[], g: PatchGeometry): number {
  let extra = 0;
  for (const m of members) {
    const w = g.tensors.get(m.output)!;
    let cols = 0;
    for (let p = 0; p < g.patches; p++) cols += columnsIn(w, p);
    extra += macsPerPixel(m) * m.height * (cols - m.width);
  }
  return extra;
}

/** MACs of one output element (row and column) of a member: an integer for every member kind. */
export function macsPerPixel(m: { readonly macsPerRow: number; readonly width: number }): number {
  return Math.round(m.macsPerRow / m.width);
}

/**
 * Tiles segments (2-D patches, MCUNetV2's patch-based inference): the segment's output is split into
 * tiles of `rows` x `cols` elements; in tile (b, p) every member computes just the window of its
 * output that the tile needs, rows [b*stride + offset, + extent) x columns [p*stride + offset,
 * + extent) clamped to the tensor, into a region buffer that holds that window alone. The halo is
 * recomputed in both dimensions and nothing outlives a tile. The row windows are the column
 * windows' computation (patchGeometry) over the row relations.
 */
export interface TileGeometry {
  /** Windows along the rows (patchCols: output rows per tile; patches: row tiles). */
  readonly rows: PatchGeometry;
  /** Windows along the columns (patchCols: output columns per tile; patches: column tiles). */
  readonly cols: PatchGeometry;
}

export function tileGeometry(
  members: readonly (MemberCols & { readonly height: number })[],
  tileRows: number,
  tileCols: number,
  heightOf: (tensor: string) => number,
  widthOf: (tensor: string) => number,
): TileGeometry | undefined {
  const rows = tileRowGeometry(members, tileRows, heightOf);
  const cols = rows && patchGeometry(members, tileCols, widthOf);
  return rows && cols ? { rows, cols } : undefined;
}

/** The row windows of a tiles segment (patchGeometry with rows for columns). */
export function tileRowGeometry(members: readonly (MemberRows & { readonly height: number })[], tileRows: number, heightOf: (tensor: string) => number): PatchGeometry | undefined {
  return patchGeometry(
    members.map((m) => ({ output: m.output, inputs: m.inputs, width: m.height, cols: m.inputs.map((i) => i.rows) })),
    tileRows,
    heightOf,
  );
}

/** The largest clamped length of a window over its iterations. */
export function largestWindow(w: ColumnWindow, iterations: number): number {
  let most = 0;
  for (let p = 0; p < iterations; p++) most = Math.max(most, columnsIn(w, p));
  return most;
}

/** Elements (rows x columns, per channel) computed over all tiles of a window pair. */
function elementsOver(rows: ColumnWindow, rowTiles: number, cols: ColumnWindow, colTiles: number): number {
  let r = 0;
  for (let b = 0; b < rowTiles; b++) r += columnsIn(rows, b);
  let c = 0;
  for (let p = 0; p < colTiles; p++) c += columnsIn(cols, p);
  return r * c;
}

/** MACs the tiles compute beyond the members' own (halo rows and columns computed by several tiles). */
export function tileExtraMacs(members: readonly (MemberCols & { readonly macsPerRow: number; readonly height: number })[], g: TileGeometry): number {
  let extra = 0;
  for (const m of members) {
    const done = elementsOver(g.rows.tensors.get(m.output)!, g.rows.patches, g.cols.tensors.get(m.output)!, g.cols.patches);
    extra += macsPerPixel(m) * (done - m.height * m.width);
  }
  return extra;
}

/**
 * Region buffers of a tiles segment's intermediates: bytes of each (its largest clamped window times
 * `bytesPerPixel(tensor)`), the members (indices) between its producer and its last consumer, and
 * the bytes live at the busiest member (what the segment's scratch needs when buffers whose members
 * do not overlap share memory).
 */
export function tileRegionBuffers(
  members: readonly MemberRows[],
  g: TileGeometry,
  bytesPerPixel: (tensor: string) => number,
): { readonly buffers: ReadonlyMap<string, { readonly bytes: number; readonly first: number; readonly last: number }>; readonly peakBytes: number } {
  const buffers = new Map<string, { bytes: number; first: number; last: number }>();
  members.slice(0, -1).forEach((m, i) => {
    const bytes = largestWindow(g.rows.tensors.get(m.output)!, g.rows.patches) * largestWindow(g.cols.tensors.get(m.output)!, g.cols.patches) * bytesPerPixel(m.output);
    buffers.set(m.output, { bytes, first: i, last: i });
  });
  members.forEach((m, i) => {
    for (const input of m.inputs) {
      const b = buffers.get(input.tensor);
      if (b) b.last = Math.max(b.last, i);
    }
  });
  let peakBytes = 0;
  for (let i = 0; i < members.length; i++) {
    let live = 0;
    for (const b of buffers.values()) if (b.first <= i && i <= b.last) live += b.bytes;
    peakBytes = Math.max(peakBytes, live);
  }
  return { buffers, peakBytes };
}
