/**
 * Chooses depth-first segments: runs of consecutive layers that execute band by band, where that
 * lowers the SRAM peak of whole-tensor execution.
 *
 * Greedy over the peak, deterministic: find the step (or segment) with the most bytes live; among
 * the runs of consecutive eligible layers that contain it, and every band height (column patch
 * width, 2-D tile size with --dram 0), take the segment whose own footprint (the tensors live across
 * it, its input and output, its line buffers or the region buffers of its busiest member) is the
 * smallest; keep it when it is below the peak, and repeat. Ties: fewer bytes, then fewer members,
 * then more band rows, then the earliest start. The footprint counts a tensor and the in-place
 * outputs and views that share its buffer once (graph optimizations' aliases).
 */
import type { Graph, OpNode } from '../../ir/graph.js';
import type { GraphLiveness } from '../../liveness/graph-liveness.js';
import type { PatchGeometry, SegmentGeometry, TileGeometry } from './geometry.js';
import { largestWindow, patchExtraMacs, patchGeometry, segmentGeometry, tileExtraMacs, tileRowGeometry } from './geometry.js';
import type { MemberInfo } from './members.js';
import { foldPads, memberInfo, readsWhole } from './members.js';
import type { SegmentConfig, SegmentWalk, Staging } from './overlay.js';
import { alignLag, segmentLagBytes, segmentStaging } from './overlay.js';

export interface SegmentChoice {
  /** First and last step (inclusive) of the graph the segment replaces. */
  readonly first: number;
  readonly last: number;
  readonly members: readonly MemberInfo[];
  readonly input: string;
  /**
   * Side inputs: further tensors from outside the run that members read whole (no row relation,
   * e.g. a squeeze-excitation scale of shape 1xCx1x1 broadcast over a Mul); live while it runs.
   */
  readonly sides?: readonly string[];
  readonly output: string;
  readonly geometry: SegmentGeometry;
  /** Line buffer bytes per intermediate tensor. */
  readonly lineBytes: ReadonlyMap<string, number>;
  /** Bytes live while the segment runs (its estimate): tensors live across it plus line buffers. */
  readonly footprintBytes: number;
  /** Column patches (absent: line-buffer mode, full-width rows). */
  readonly patch?: PatchGeometry;
  /**
   * Tiles mode (2-D patches, no line buffers): every member computes the window of its output that
   * the tile needs into a region buffer; `lineBytes` then holds the region buffers' bytes, and the
   * footprint counts the busiest member's (buffers whose members do not overlap share memory).
   */
  readonly tiles?: TileGeometry;
  /** MACs recomputed in halo columns (and rows, in tiles mode); 0 in line-buffer mode. */
  readonly extraMacs: number;
  /**
   * The output written over the dead part of the input (overlay.ts): offset(output) =
   * offset(input) - lagBytes (aligned), so the pair takes max(lagBytes + |input|, |output|) bytes,
   * as `footprintBytes` counts. Absent when not eligible or no smaller.
   *
   * `staging` (NCHW outputs, overlay.ts Staging): the last member writes into a channels-last
   * staging buffer at offset(input) - staging.lagBytes, copied into the output at offset(input) +
   * staging.outputOffsetBytes after the loop; the pair then takes staging.lagBytes + |input| bytes
   * (`lagBytes` is then staging.lagBytes). Chosen only when smaller than the plain overlay.
   */
  readonly overlay?: { readonly lagBytes: number; readonly staging?: Staging };
}

export interface ChooseOptions {
  /** Longest run considered (members). */
  readonly maxMembers?: number;
  /**
   * With DRAM: choose runs whose intermediates would travel to DRAM (`isSpilled`), longest first
   * from left to right, with the tallest band whose line buffers (input and output streamed too, at
   * worst) take at most `budgetBytes`. Without it: the --dram 0 choice at the peak.
   */
  readonly streaming?: {
    readonly isSpilled: (tensor: string) => boolean;
    readonly budgetBytes: number;
    /** Bytes the run's members need besides line buffers (e.g. SRAM copies of weights the cores cannot read); counted in the budget. */
    readonly memberBytes?: (members: readonly OpNode[]) => number;
  };
  /**
   * --dram 0: also consider column patches (halo columns recomputed). Each segment finally takes the
   * configuration with the fewest extra MACs whose footprint stays within the peak the choice reached.
   */
  readonly patches?: boolean;
  /** --dram 0: also consider 2-D tiles (halo rows and columns recomputed, no line buffers); default: `patches`. */
  readonly tiles?: boolean;
  /**
   * --dram 0: let a segment write its output over the dead part of its input (overlay.ts) when
   * eligible; the lag is rounded up to this alignment (the SRAM pool's). Absent: no overlays.
   */
  readonly overlayAlignmentBytes?: number;
  /** Byte offset of a tensor in the storage `aliases` maps it to (absent: unknown, so no overlay over it). */
  readonly aliasOffsets?: ReadonlyMap<string, number>;
}

/** A run of layers that can be a segment: its input, output, members as computed, and the tensors it removes. */
interface Structure {
  readonly input: string;
  /** Tensors from outside the run that members read whole (besides the input); none when streaming. */
  readonly sides: readonly string[];
  readonly output: string;
  readonly members: MemberInfo[];
  /** Every member's output but the last (also those of folded PADs). */
  readonly internal: ReadonlySet<string>;
}

interface Group {
  sizeBytes: number;
  start: number;
  end: number;
}

/** Whether `t` is an operand of a Concat among `members` whose output is `host` (copy-free placement there). */
function concatOperandOf(members: readonly MemberInfo[], t: string, host: string): boolean {
  return members.some((m) => m.node.opType === 'Concat' && m.node.domain === '' && m.output === host && m.inputs.some((i) => i.tensor === t));
}

/** The segments chosen and the peak the choice reaches. */
export interface ChosenSegments {
  readonly segments: SegmentChoice[];
  /** The largest of the live bytes of the steps outside segments and the segments' footprints (0 when streaming). */
  readonly peakBytes: number;
  /** The places at that peak: [first, last] steps (a step, or a segment's run), in step order. */
  readonly peakPlaces: readonly (readonly [number, number])[];
}

export function chooseSegments(graph: Graph, liveness: GraphLiveness, aliases: ReadonlyMap<string, string>, options: ChooseOptions = {}): SegmentChoice[] {
  return chooseSegmentsDetailed(graph, liveness, aliases, options).segments;
}

export function chooseSegmentsDetailed(graph: Graph, liveness: GraphLiveness, aliases: ReadonlyMap<string, string>, options: ChooseOptions = {}): ChosenSegments {
  const n = graph.nodes.length;
  const maxMembers = options.maxMembers ?? 32;
  /** The segments chosen so far (the --dram 0 choice). */
  const chosen: SegmentChoice[] = [];
  // Row and column dims of every tensor (NCHW 2, 3; NHWC 1, 2): a layer that would give a tensor
  // other dims than an earlier one is no member.
  const dimsOf = new Map<string, readonly [number, number]>();
  const infos = graph.nodes.map((node) => {
    const info = memberInfo(graph, node);
    if (!info || [...info.dims].some(([t, d]) => dimsOf.has(t) && (dimsOf.get(t)![0] !== d[0] || dimsOf.get(t)![1] !== d[1]))) return undefined;
    for (const [t, d] of info.dims) dimsOf.set(t, d);
    return info;
  });
  if (!infos.some((i) => i !== undefined)) return { segments: [], peakBytes: 0, peakPlaces: [] }; // nothing to choose (the peak is not measured)
  const sizeOf = new Map(liveness.intervals.map((iv) => [iv.tensor, iv.sizeBytes]));
  const heightOf = (t: string) => graph.tensors.get(t)?.shape[dimsOf.get(t)?.[0] ?? 2] ?? 1;
  const rowBytes = (t: string) => (sizeOf.get(t) ?? 0) / heightOf(t);

  // Buffer groups: a tensor and its aliases (in-place outputs, views) are one buffer.
  const root = (t: string): string => {
    let r = t;
    for (let k = 0; k < 64 && aliases.has(r); k++) r = aliases.get(r)!;
    return r;
  };
  const groups = new Map<string, Group>();
  const groupOfTensor = new Map<string, string>();
  for (const iv of liveness.intervals) {
    const r = root(iv.tensor);
    groupOfTensor.set(iv.tensor, r);
    const g = groups.get(r);
    if (g) {
      g.sizeBytes = Math.max(g.sizeBytes, iv.sizeBytes);
      g.start = Math.min(g.start, iv.startStep);
      g.end = Math.max(g.end, iv.endStep);
    } else groups.set(r, { sizeBytes: iv.sizeBytes, start: iv.startStep, end: iv.endStep });
  }
  const aliasedBy = new Map<string, string[]>();
  for (const [k, v] of aliases) (aliasedBy.get(v) ?? aliasedBy.set(v, []).get(v)!).push(k);
  const consumers = new Map<string, number[]>();
  for (const node of graph.nodes) {
    const reads = new Set([...node.inputs, ...(node.fused ?? []).flatMap((f) => f.inputs)]);
    for (const t of reads) if (t !== '' && graph.tensors.has(t)) (consumers.get(t) ?? consumers.set(t, []).get(t)!).push(node.step);
  }
  const graphOutputs = new Set(graph.outputs);
  const live = new Array<number>(n).fill(0);
  for (const g of groups.values()) for (let s = Math.max(0, g.start); s <= Math.min(n - 1, g.end); s++) live[s]! += g.sizeBytes;

  /** Input and output of the run [a, b] when it can be a segment (structure only). */
  const structure = (a: number, b: number): Structure | undefined => {
    const all = infos.slice(a, b + 1) as MemberInfo[];
    // The members as the segment computes them (PADs folded into the convolutions that read them).
    const members = foldPads(all);
    const produced = new Set(members.map((m) => m.output));
    const output = all[all.length - 1]!.output;
    if (aliases.has(output)) return undefined;
    const internal = new Set(all.slice(0, -1).map((m) => m.output));
    for (const t of internal) {
      const cons = consumers.get(t) ?? [];
      if (graphOutputs.has(t) || cons.length === 0 || cons.some((s) => s <= a || s > b)) return undefined;
      // In-place and view aliases between intermediates vanish with them (each gets its own line
      // buffer); one that ties an intermediate to a whole tensor cannot be kept, except the copy-free
      // placement of a Concat member's operand in the Concat's output: the member copies the
      // operand's band from its own line buffer into the output.
      const host = aliases.get(t);
      if (host !== undefined && !internal.has(host) && !concatOperandOf(all, t, host)) return undefined;
      if ((aliasedBy.get(t) ?? []).some((k) => !internal.has(k))) return undefined;
    }
    let input: string | undefined;
    // External tensors read whole: side inputs, unless one is the run's only input (as before).
    const whole: string[] = [];
    for (const m of members) {
      for (const i of m.inputs) {
        if (produced.has(i.tensor)) {
          if (readsWhole(i.rows)) return undefined;
          continue;
        }
        if (readsWhole(i.rows)) {
          if (!whole.includes(i.tensor)) whole.push(i.tensor);
          continue;
        }
        if (input !== undefined && input !== i.tensor) return undefined;
        input = i.tensor;
      }
    }
    if (input === undefined) {
      if (whole.length !== 1) return undefined;
      input = whole[0]!;
    }
    const sides = whole.filter((t) => t !== input);
    // Side inputs only without DRAM (streamed segments read one input), none sharing the input's
    // or the output's buffer.
    if (sides.length > 0 && options.streaming) return undefined;
    if (sides.some((t) => root(t) === root(output) || root(t) === root(input!))) return undefined;
    // An input that shares the output's buffer (a Concat operand placed in it) would be overwritten.
    if (input === output || root(input) === root(output)) return undefined;
    return { input, sides, output, members, internal };
  };

  const widthOf = (t: string) => graph.tensors.get(t)?.shape[dimsOf.get(t)?.[1] ?? 3] ?? 1;
  /** Distinct tile lengths of a dimension of `size`: ceil(size / count) for every count. */
  const lengths = (size: number): number[] => {
    const out: number[] = [];
    for (let count = 1; count <= size; count++) {
      const l = Math.ceil(size / count);
      if (out[out.length - 1] !== l) out.push(l);
    }
    return out;
  };
  /**
   * Tiles configurations of a run: the smallest tiles (1 or 2 output rows and columns: region buffers
   * only grow with the tile) while the peak is searched, every tile size (`all`) for the final choice.
   */
  const tileConfigs = (a: number, b: number, s: Structure, acrossBytes: number, all: boolean): SegmentChoice[] => {
    const H = heightOf(s.output);
    const W = widthOf(s.output);
    const pick = (xs: number[]) => (all ? xs : xs.filter((x) => x <= 2));
    const rowGs = pick(lengths(H)).map((r) => tileRowGeometry(s.members, r, heightOf));
    const colGs = pick(lengths(W)).map((c) => patchGeometry(s.members, c, widthOf));
    if (rowGs.some((g) => !g) || colGs.some((g) => !g)) return [];
    const inner = s.members.slice(0, -1);
    const pixelBytes = (t: string) => rowBytes(t) / widthOf(t);
    // Largest clamped window per intermediate, per row geometry and per column geometry.
    const rowMax = rowGs.map((g) => inner.map((m) => largestWindow(g!.tensors.get(m.output)!, g!.patches)));
    const colMax = colGs.map((g) => inner.map((m) => largestWindow(g!.tensors.get(m.output)!, g!.patches) * pixelBytes(m.output)));
    // Member index ranges [producer, last consumer] of each intermediate.
    const lastUse = inner.map((m, i) => s.members.reduce((last, x, j) => (x.inputs.some((k) => k.tensor === m.output) ? Math.max(last, j) : last), i));
    const out: SegmentChoice[] = [];
    rowGs.forEach((rg, ri) => {
      colGs.forEach((cg, ci) => {
        if (rg!.patches === 1 && cg!.patches === 1) return; // one tile: the layers themselves, with extra buffers
        const bytes = inner.map((_, k) => rowMax[ri]![k]! * colMax[ci]![k]!);
        let peakBytes = 0;
        for (let i = 0; i < s.members.length; i++) {
          let live = 0;
          for (let k = 0; k < inner.length; k++) if (k <= i && i <= lastUse[k]!) live += bytes[k]!;
          peakBytes = Math.max(peakBytes, live);
        }
        const tiles: TileGeometry = { rows: rg!, cols: cg! };
        const lineBytes = new Map(inner.map((m, k) => [m.output, bytes[k]!] as const));
        const geometry: SegmentGeometry = { bandRows: rg!.patchCols, bands: rg!.patches, tensors: new Map() };
        out.push({ first: a, last: b, members: s.members, input: s.input, ...(s.sides.length > 0 ? { sides: s.sides } : {}), output: s.output, geometry, lineBytes, footprintBytes: acrossBytes + peakBytes, tiles, extraMacs: tileExtraMacs(s.members, tiles) });
      });
    });
    return out;
  };

  /** Byte offset of a tensor in the root of its buffer group, or undefined when unknown. */
  const offsetInRoot = (t: string): number | undefined => {
    let off = 0;
    let r = t;
    for (let k = 0; k < 64 && aliases.has(r); k++) {
      const o = options.aliasOffsets?.get(r);
      if (o === undefined) return undefined;
      off += o;
      r = aliases.get(r)!;
    }
    return off;
  };
  /**
   * Whether the run [a, b] may write its output over the dead part of its input (overlay.ts): no
   * DRAM (the --dram 0 choice), the input's buffer group (the input and its aliases, the input at
   * its start) holds nothing read after the run nor any graph output, the output's group (the output
   * alone, its root) starts in the run, both groups are just their tensors' bytes. The members run
   * their iterations serially, in the order overlay.ts walks them (lower-segment.ts: serial loops,
   * one core). No chains: the input must not be the output of another chosen segment written over
   * its own input, nor the output the input of one (the planner places pairs, not chains); chosen
   * segments inside [a, b] (merged into this run) do not count.
   */
  const overlayEligible = (a: number, b: number, s: Structure): boolean => {
    if (options.overlayAlignmentBytes === undefined || options.streaming) return false;
    for (const c of chosen) {
      if (!c.overlay || (c.first >= a && c.last <= b)) continue;
      if (root(c.output) === root(s.input) || root(c.input) === root(s.output)) return false;
    }
    const rx = root(s.input);
    const gx = groups.get(rx);
    const gy = groups.get(s.output);
    if (!gx || !gy || rx === s.output || root(s.output) !== s.output) return false;
    if (gx.end > b || gy.start < a) return false;
    if (gx.sizeBytes !== sizeOf.get(s.input) || gy.sizeBytes !== sizeOf.get(s.output) || offsetInRoot(s.input) !== 0) return false;
    for (const [t, g] of groupOfTensor) if (g === rx && graphOutputs.has(t)) return false;
    return true;
  };
  const layoutOf = (t: string) => {
    const tensor = graph.tensors.get(t)!;
    return { shape: tensor.shape, dims: dimsOf.get(t) ?? ([2, 3] as const), elementBytes: sizeOf.get(t)! / tensor.elementCount };
  };
  /**
   * Whether a configuration may stage its output channels-last: a float ONNX last member (conv,
   * pool, element-wise: their kernels take output windows of any strides; not a Concat member,
   * whose operands are copied in place) writing an NCHW output.
   */
  const stageable = (c: SegmentChoice): boolean => {
    const last = c.members[c.members.length - 1]!.node;
    const d = dimsOf.get(c.output) ?? ([2, 3] as const);
    return last.domain === '' && last.opType !== 'Concat' && d[0] === 2 && d[1] === 3 && graph.tensors.get(c.output)?.dtype === 'float32';
  };
  /** The configuration with its output written over its input when that takes fewer bytes. */
  const withOverlay = (c: SegmentChoice): SegmentChoice => {
    const config: SegmentConfig = { geometry: c.geometry, ...(c.patch ? { patch: c.patch } : {}), ...(c.tiles ? { tiles: c.tiles } : {}) };
    const walk: SegmentWalk = { members: c.members, input: c.input, output: c.output, config, heightOf, widthOf };
    const lag = alignLag(segmentLagBytes(walk, layoutOf(c.input), layoutOf(c.output)), options.overlayAlignmentBytes ?? 1);
    const x = sizeOf.get(c.input)!;
    const y = sizeOf.get(c.output)!;
    const pair = Math.max(lag + x, y);
    // Channels-last staging (NCHW outputs; a last member whose kernel writes strided windows).
    const staging = stageable(c) ? segmentStaging(walk, layoutOf(c.input), layoutOf(c.output), options.overlayAlignmentBytes ?? 1) : undefined;
    if (staging && staging.lagBytes + x < Math.min(pair, x + y)) {
      return { ...c, footprintBytes: c.footprintBytes - (y - staging.lagBytes), overlay: { lagBytes: staging.lagBytes, staging } };
    }
    if (pair >= x + y) return c;
    return { ...c, footprintBytes: c.footprintBytes - (x + y - pair), overlay: { lagBytes: lag } };
  };

  /**
   * Every configuration (band rows, patch columns) of a run, with its footprint (an overlay's saving
   * counted). `within(bytes)`: whether a configuration of that footprint may still matter; the lag
   * (a walk over the iterations) is computed only for those that may, once the overlay's largest
   * saving (the smaller of the input and the output) is taken off.
   */
  function* configs(a: number, b: number, s: Structure, acrossBytes: number, allTiles: boolean, within: (bytes: number) => boolean): Generator<SegmentChoice> {
    const out = rawConfigs(a, b, s, acrossBytes, allTiles) ?? [];
    const most = overlayEligible(a, b, s) ? Math.min(sizeOf.get(s.input)!, sizeOf.get(s.output)!) : undefined;
    for (const c of out) yield most !== undefined && within(c.footprintBytes - most) ? withOverlay(c) : c;
  }

  const rawConfigs = (a: number, b: number, s: Structure, acrossBytes: number, allTiles = false): SegmentChoice[] | undefined => {
    const out: SegmentChoice[] = [];
    const height = heightOf(s.output);
    const tileable = (options.tiles ?? options.patches) && s.members.every((m) => Number.isInteger(m.macsPerRow / m.width));
    const tiled = tileable ? tileConfigs(a, b, s, acrossBytes, allTiles) : [];
    for (let bandRows = 1; bandRows <= height; bandRows++) {
      const geometry = segmentGeometry(s.members, bandRows, heightOf);
      if (!geometry) return tiled.length > 0 ? tiled : undefined;
      const lineBytes = new Map<string, number>();
      let total = 0;
      for (const m of s.members.slice(0, -1)) {
        const rows = geometry.tensors.get(m.output)!.lineRows;
        const bytes = rows * rowBytes(m.output);
        lineBytes.set(m.output, bytes);
        total += bytes;
      }
      out.push({ first: a, last: b, members: s.members, input: s.input, ...(s.sides.length > 0 ? { sides: s.sides } : {}), output: s.output, geometry, lineBytes, footprintBytes: acrossBytes + total, extraMacs: 0 });
    }
    const W = widthOf(s.output);
    out.push(...tiled);
    if (!options.patches || W < 2 || !s.members.every((m) => Number.isInteger(m.macsPerRow / m.width))) return out;
    // Patches: one band row (line buffers only grow with more), every distinct patch width.
    const geometry = segmentGeometry(s.members, 1, heightOf)!;
    let prev = W;
    for (let count = 2; count <= W; count++) {
      const patchCols = Math.ceil(W / count);
      if (patchCols === prev) continue;
      prev = patchCols;
      const patch = patchGeometry(s.members, patchCols, widthOf);
      if (!patch) break;
      const lineBytes = new Map<string, number>();
      let total = 0;
      for (const m of s.members.slice(0, -1)) {
        const cols = patch.tensors.get(m.output)!;
        const bytes = geometry.tensors.get(m.output)!.lineRows * (rowBytes(m.output) / widthOf(m.output)) * Math.min(cols.extent, cols.limit);
        lineBytes.set(m.output, bytes);
        total += bytes;
      }
      out.push({ first: a, last: b, members: s.members, input: s.input, ...(s.sides.length > 0 ? { sides: s.sides } : {}), output: s.output, geometry, lineBytes, footprintBytes: acrossBytes + total, patch, extraMacs: patchExtraMacs(s.members, patch) });
    }
    return out;
  };

  /** The smallest footprint; ties: fewer extra MACs, then more band rows. */
  const evaluate = (a: number, b: number, s: Structure, acrossBytes: number): SegmentChoice | undefined => {
    let best: SegmentChoice | undefined;
    for (const c of configs(a, b, s, acrossBytes, false, (bytes) => !best || bytes <= best.footprintBytes)) {
      if (!best || c.footprintBytes < best.footprintBytes || (c.footprintBytes === best.footprintBytes && (c.extraMacs < best.extraMacs || (c.extraMacs === best.extraMacs && c.geometry.bandRows >= best.geometry.bandRows)))) best = c;
    }
    return best;
  };

  /**
   * The buffer groups a segment removes: its intermediates', but not the group of its output (a
   * Concat member's operands placed in the output's buffer belong to the output's group).
   */
  const internalGroups = (s: Structure): Set<string> => {
    const out = new Set([...s.internal].map((t) => groupOfTensor.get(t) ?? t));
    out.delete(groupOfTensor.get(s.output) ?? s.output);
    return out;
  };

  /** Bytes of the groups live at some step of [a, b] that the segment does not remove. */
  const across = (a: number, b: number, internal: ReadonlySet<string>): number => {
    let bytes = 0;
    for (const [name, g] of groups) if (g.start <= b && g.end >= a && !internal.has(name)) bytes += g.sizeBytes;
    return bytes;
  };

  if (options.streaming) {
    const { isSpilled, budgetBytes, memberBytes } = options.streaming;
    const out: SegmentChoice[] = [];
    for (let a = 0; a < n; a++) {
      if (!infos[a]) continue;
      let pick: SegmentChoice | undefined;
      for (let b = Math.min(n - 1, a + maxMembers - 1); b > a && !pick; b--) {
        if (infos.slice(a, b + 1).some((i) => !i)) continue;
        const st = structure(a, b);
        if (!st || !st.members.slice(0, -1).every((m) => isSpilled(m.output))) continue;
        const height = heightOf(st.output);
        const extra = memberBytes ? memberBytes(st.members.map((m) => m.node)) : 0;
        for (let bandRows = height; bandRows >= 1 && !pick && extra < budgetBytes; bandRows--) {
          const geometry = segmentGeometry(st.members, bandRows, heightOf, st.input);
          if (!geometry) break;
          const lineBytes = new Map<string, number>();
          let total = extra + geometry.tensors.get(st.input)!.lineRows * rowBytes(st.input) + geometry.tensors.get(st.output)!.newRows * rowBytes(st.output);
          for (const m of st.members.slice(0, -1)) {
            const bytes = geometry.tensors.get(m.output)!.lineRows * rowBytes(m.output);
            lineBytes.set(m.output, bytes);
            total += bytes;
          }
          if (total <= budgetBytes) pick = { first: a, last: b, members: st.members, input: st.input, output: st.output, geometry, lineBytes, footprintBytes: total, extraMacs: 0 };
        }
      }
      if (pick) {
        out.push(pick);
        a = pick.last;
      }
    }
    return { segments: out, peakBytes: 0, peakPlaces: [] };
  }

  const inSegment = new Array<boolean>(n).fill(false);
  for (let round = 0; round < n; round++) {
    let peak = -1;
    let peakStep = -1;
    let peakIsSegment = false;
    for (let s = 0; s < n; s++) {
      if (!inSegment[s] && live[s]! > peak) {
        peak = live[s]!;
        peakStep = s;
        peakIsSegment = false;
      }
    }
    for (const c of chosen) {
      if (c.footprintBytes > peak || (c.footprintBytes === peak && c.first < peakStep)) {
        peak = c.footprintBytes;
        peakStep = c.first;
        peakIsSegment = true;
      }
    }
    if (peakIsSegment || peakStep < 0 || !infos[peakStep]) break;
    // A run may swallow whole segments chosen before (they merge into the new one), never part of one.
    const segmentAt = (step: number) => chosen.find((c) => c.first <= step && step <= c.last);
    let best: SegmentChoice | undefined;
    for (let a = peakStep; a >= 0 && a > peakStep - maxMembers && infos[a]; a--) {
      if (inSegment[a] && segmentAt(a)!.first !== a) continue;
      for (let b = Math.max(peakStep, a + 1); b < n && b < a + maxMembers && infos[b]; b++) {
        if (inSegment[b] && segmentAt(b)!.last !== b) continue;
        const s = structure(a, b);
        if (!s) continue;
        const c = evaluate(a, b, s, across(a, b, internalGroups(s)));
        if (!c) continue;
        if (
          !best ||
          c.footprintBytes < best.footprintBytes ||
          (c.footprintBytes === best.footprintBytes &&
            (c.members.length < best.members.length ||
              (c.members.length === best.members.length && (c.geometry.bandRows > best.geometry.bandRows || (c.geometry.bandRows === best.geometry.bandRows && c.first < best.first)))))
        ) {
          best = c;
        }
      }
    }
    if (!best || best.footprintBytes >= peak) break;
    const kept = chosen.filter((c) => c.last < best!.first || c.first > best!.last);
    chosen.length = 0;
    chosen.push(...kept, best);
    for (let s = best.first; s <= best.last; s++) inSegment[s] = true;
  }
  if ((options.patches || options.tiles) && chosen.some((c) => c.patch || c.tiles)) {
    // The peak reached: each segment takes its cheapest configuration (fewest extra MACs, then the
    // smallest footprint, then more band rows) that stays within it.
    let peak = 0;
    for (let s = 0; s < n; s++) if (!inSegment[s]) peak = Math.max(peak, live[s]!);
    for (const c of chosen) peak = Math.max(peak, c.footprintBytes);
    for (let k = 0; k < chosen.length; k++) {
      const c = chosen[k]!;
      const s = structure(c.first, c.last)!;
      let pick = c;
      for (const x of configs(c.first, c.last, s, across(c.first, c.last, internalGroups(s)), true, (bytes) => bytes <= peak)) {
        if (x.footprintBytes > peak) continue;
        if (x.extraMacs < pick.extraMacs || (x.extraMacs === pick.extraMacs && (x.footprintBytes < pick.footprintBytes || (x.footprintBytes === pick.footprintBytes && x.geometry.bandRows > pick.geometry.bandRows)))) pick = x;
      }
      chosen[k] = pick;
    }
  }
  chosen.sort((x, y) => x.first - y.first);
  // The peak reached, and where.
  const places: [number, number, number][] = [];
  for (let s = 0; s < n; s++) if (!inSegment[s]) places.push([s, s, live[s]!]);
  for (const c of chosen) places.push([c.first, c.last, c.footprintBytes]);
  const peakBytes = places.reduce((m, p) => Math.max(m, p[2]), 0);
  const peakPlaces = places.filter((p) => p[2] === peakBytes).sort((x, y) => x[0] - y[0]).map((p) => [p[0], p[1]] as const);
  return { segments: chosen, peakBytes, peakPlaces };
}
