/**
 * Liveness over the scheduled IR: buffer sets per storage scope, on a timeline of statements.
 * Each layer occupies a range of time slots (one per statement, in program order); an activation is
 * live over the layers of its graph-level interval; a tile is live over the statement range of the
 * outermost loop that uses it (the whole pipelined loop for double buffers), so tiles of one layer
 * conflict exactly when their ranges overlap, and every tile conflicts with the activations live at
 * its layer. Per-core tiles exist once per core (N buffers in SRAM) or once in each core's local pool.
 */
import type { LayerSchedule, LoopBuffer, ScheduledModel, Stmt } from '../ir/loop.js';
import type { BufferInfo, Pool } from '../../planner/types.js';
import type { TargetSpec } from '../schedule/target.js';
import { globalOf, sramOf } from '../schedule/target.js';
import type { GraphLiveness } from './graph-liveness.js';
import { InternalError } from '../diagnostics/errors.js';

export interface ScopedBufferSet {
  /** The buffers; their `start`/`end` are statement slots (layerStart maps a slot to its layer's step). */
  readonly buffers: readonly BufferInfo[];
  /** Pools, planned unbounded (sizeBytes null) so the plan tells what each needs. */
  readonly pools: readonly Pool[];
  /** Capacity of each pool (null = unbounded), per core for local pools. */
  readonly capacities: ReadonlyMap<string, number | null>;
  /** First time slot of each layer, by step (length = layers + 1). */
  readonly layerStart: readonly number[];
  /** Name of the pool of each scope. */
  readonly poolOfScope: Readonly<Record<'sram' | 'global' | 'local', string>>;
}

/** Statements in preorder with the index range each one spans (a loop spans its body). */
function spans(body: readonly Stmt[], base: number, out: Map<Stmt, [number, number]>): number {
  let next = base;
  for (const s of body) {
    const start = next;
    next += 1;
    if (s.kind === 'loop') next = spans(s.body, next, out);
    out.set(s, [start, next - 1]);
  }
  return next;
}

/** Buffers a statement touches. */
function touched(s: Stmt): string[] {
  switch (s.kind) {
    case 'dma-start':
      return [s.src.buffer, s.dst.buffer];
    case 'compute':
      return [...s.inputs, ...s.outputs].map((o) => o.buffer);
    case 'shift':
      return [s.buffer];
    case 'copy':
      return [s.src.buffer, s.dst.buffer];
    default:
      return [];
  }
}

/** [first, last] slot of each buffer declared by the layer, extended to its outermost enclosing loop. */
function tileRanges(layer: LayerSchedule, base: number): Map<string, [number, number]> {
  const span = new Map<Stmt, [number, number]>();
  spans(layer.body, base, span);
  const declared = new Set(layer.buffers.map((b) => b.name));
  // Region buffers of tiles segments hold values within one iteration only: their own statements.
  const regions = new Set(layer.buffers.filter((b) => b.lines?.region).map((b) => b.name));
  const ranges = new Map<string, [number, number]>();
  const visit = (body: readonly Stmt[], outerLoop: [number, number] | undefined) => {
    for (const s of body) {
      const own = span.get(s)!;
      for (const b of touched(s)) {
        if (!declared.has(b)) continue;
        const range = regions.has(b) ? own : (outerLoop ?? own);
        const r = ranges.get(b);
        ranges.set(b, r ? [Math.min(r[0], own[0], range[0]), Math.max(r[1], range[1])] : [Math.min(own[0], range[0]), range[1]]);
      }
      if (s.kind === 'loop') visit(s.body, outerLoop ?? own);
    }
  };
  visit(layer.body, undefined);
  // A DMA'd-in tile is live from its DMA start, even when that sits before the loop using it.
  return ranges;
}

function statementCount(body: readonly Stmt[]): number {
  let n = 0;
  for (const s of body) n += 1 + (s.kind === 'loop' ? statementCount(s.body) : 0);
  return n;
}

export function extractBufferSets(model: ScheduledModel, graphLiveness: GraphLiveness, target: TargetSpec): ScopedBufferSet {
  const sram = sramOf(target);
  const dram = globalOf(target);
  const local = target.memories.find((m) => m.kind === 'local');
  const poolOfScope = { sram: sram?.name ?? 'sram', global: dram?.name ?? 'dram', local: local?.name ?? 'local' } as const;

  const layerStart: number[] = [];
  let slot = 0;
  for (const layer of model.layers) {
    layerStart.push(slot);
    slot += Math.max(1, statementCount(layer.body));
  }
  layerStart.push(slot);
  const layerEnd = (step: number) => (layerStart[step + 1] ?? slot) - 1;

  const buffers: BufferInfo[] = [];
  // Activations: graph-level interval of the group, on the slot timeline.
  // One pass over the tensors: the union of the intervals of the tensors each buffer holds.
  const span = new Map<string, [number, number]>();
  for (const iv of graphLiveness.intervals) {
    const buf = model.bufferOfTensor.get(iv.tensor);
    if (buf === undefined) continue;
    const r = span.get(buf);
    span.set(buf, r ? [Math.min(r[0], iv.startStep), Math.max(r[1], iv.endStep)] : [iv.startStep, iv.endStep]);
  }
  // Depth-first segments that write their output over the dead part of their input: the output's
  // buffer sits at a fixed distance before the input's (schedule/depth-first/overlay.ts).
  const overlays = new Map<string, { readonly buffer: string; readonly offsetBytes: number }>();
  for (const layer of model.layers) {
    const o = layer.segment?.overlay;
    if (!o) continue;
    const scope = (name: string) => model.activations.find((a) => a.name === name)?.scope;
    const x = span.get(o.input);
    const y = span.get(o.output);
    // The input's buffer dies in the segment, the output's is born there, both in the SRAM pool.
    if (!x || !y || x[1] !== layer.step || y[0] !== layer.step || scope(o.input) !== 'sram' || scope(o.output) !== 'sram' || overlays.has(o.output)) {
      throw new InternalError(`segment '${layer.name}': its output '${o.output}' cannot be written over its input '${o.input}' (lifetimes or memories do not allow it)`);
    }
    if (o.staging) {
      // Channels-last staging: the staging buffer before the input, the output after it (overlay.ts Staging).
      overlays.set(o.staging.buffer, { buffer: o.input, offsetBytes: -o.lagBytes });
      overlays.set(o.output, { buffer: o.input, offsetBytes: o.staging.outputOffsetBytes });
    } else overlays.set(o.output, { buffer: o.input, offsetBytes: -o.lagBytes });
  }
  // Pairs, not chains (chooseSegments keeps them apart).
  for (const [output, o] of overlays) if (overlays.has(o.buffer)) throw new InternalError(`'${output}' is written over '${o.buffer}', itself written over '${overlays.get(o.buffer)!.buffer}'`);
  for (const a of model.activations) {
    const r = span.get(a.name);
    if (!r) continue;
    const [start, end] = r;
    const overlay = overlays.get(a.name);
    buffers.push({
      name: a.name,
      sizeBytes: a.sizeBytes,
      start: layerStart[start] ?? 0,
      end: model.layers.length === 0 ? 0 : layerEnd(end),
      poolCandidates: [a.scope === 'sram' ? poolOfScope.sram : poolOfScope.global],
      kind: a.kind,
      ...(overlay ? { overlay } : {}),
    });
  }
  // Tiles and scratch.
  model.layers.forEach((layer) => {
    const ranges = tileRanges(layer, layerStart[layer.step]!);
    for (const b of layer.buffers) {
      const r = ranges.get(b.name) ?? [layerStart[layer.step]!, layerEnd(layer.step)];
      const overlay = overlays.get(b.name);
      if (overlay && (b.perCore || b.copies !== 1 || b.scope !== 'sram')) throw new InternalError(`staging buffer '${b.name}' must be one SRAM copy`);
      for (const copy of copiesOf(b, layer.tile.cores)) {
        buffers.push({
          name: copy.name,
          sizeBytes: b.sizeBytes * b.copies,
          start: r[0],
          end: r[1],
          poolCandidates: [poolOfScope[b.scope]],
          kind: b.kind === 'accumulator' ? 'accumulator' : b.copies > 1 ? 'double-buffer' : b.perCore ? 'scratch' : 'tile',
          ...(overlay ? { overlay } : {}),
        });
      }
    }
  });
  const capacities = new Map<string, number | null>([
    [poolOfScope.sram, sram?.sizeBytes ?? null],
    [poolOfScope.global, dram?.sizeBytes ?? null],
  ]);
  if (local) capacities.set(poolOfScope.local, local.sizeBytes);
  const used = new Set(buffers.map((b) => b.poolCandidates![0]!));
  const pools: Pool[] = [...capacities.keys()]
    .filter((p) => used.has(p) || p === poolOfScope.sram)
    .map((name) => ({ name, sizeBytes: null, alignmentBytes: target.alignmentBytes }));
  return { buffers, pools, capacities, layerStart, poolOfScope };
}

/** The instances of a buffer: one, or one per core in shared SRAM (`name@coreK`). */
function copiesOf(b: LoopBuffer, cores: number): { name: string }[] {
  if (!b.perCore || b.scope === 'local') return [{ name: b.name }];
  return Array.from({ length: cores }, (_, k) => ({ name: `${b.name}@core${k}` }));
}

/** The layer step a slot of the timeline belongs to (`layerStart` has one entry per layer, plus the end). */
export function stepOfSlot(layerStart: readonly number[], slot: number): number {
  let lo = 0;
  let hi = layerStart.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((layerStart[mid] ?? 0) <= slot) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}
