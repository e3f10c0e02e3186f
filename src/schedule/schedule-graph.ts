/**
 * Stage entry: Graph -> ScheduledModel for a target and an SRAM size.
 *
 * 1. Views (Reshape, Flatten, ...) share their source's memory: tensors form buffer groups (bufferGroups).
 * 2. Residency round (residencyRound): the planner places the groups in SRAM or DRAM (fewest bytes
 *    spilled), with a reservation at each step for the scratch its layer needs when it streams.
 * 3. Tiling round (tilingRound): every layer chooses its tiles under the SRAM left at its step; a layer
 *    that cannot fit raises its reservation and residency is decided again, until stable.
 */
import type { Graph, OpNode } from '../ir/graph.js';
import type { LayerSchedule, LayerStats, LoopBuffer, ScheduledModel } from '../ir/loop.js';
import type { GraphLiveness, LiveInterval } from '../liveness/graph-liveness.js';
import { liveBytesPerStep } from '../liveness/graph-liveness.js';
import type { BufferInfo, Pool, PlanOptions, StrategyName } from '../../planner/types.js';
import { planMemory } from '../../planner/index.js';
import { rethrowPlannerError } from '../diagnostics/planner-errors.js';
import type { TargetSpec } from './target.js';
import { globalOf, sramOf, weightsViaDma } from './target.js';
import { withWeightOperands } from './templates/weights.js';
import { byteSize } from '../ir/graph.js';
import { classifyLayer } from './templates/index.js';
import { opTraits } from '../ir/op-traits.js';
import type { LayerKind } from './templates/index.js';
import { chooseTiling, splitsDeferred } from './tiling.js';
import type { TileChoiceResult, TilingOption } from './tiling.js';
import { isWeightOperand, lowerComputeLayer, lowerCopyLayer, lowerViewLayer } from './lower-layer.js';
import type { LowerContext } from './lower-layer.js';
import { lowerSegmentLayer, segmentScratchBytes } from './depth-first/index.js';

export interface ScheduleOptions {
  readonly target: TargetSpec;
  readonly doubleBuffer: boolean;
  readonly strategy?: StrategyName;
  readonly timeLimitMs?: number;
  readonly seed?: number;
  /** Bytes kept free at every step beyond the resident activations (absorbs plan fragmentation). */
  readonly slackBytes?: number;
  /**
   * Tensor -> the tensor whose buffer holds it and its byte offset there (graph optimizations:
   * in-place outputs and views at 0, Concat operands and Split/Slice pieces at their slice). The two
   * become one buffer group, like a view and its source.
   */
  readonly aliases?: ReadonlyMap<string, AliasPlacement>;
  /**
   * Nodes that move no data because their operands already sit in place (copy-free Concat,
   * Split/Slice views): lowered as views, no code. Each must read and write one buffer group.
   */
  readonly noCode?: ReadonlySet<string>;
}

/** Where an aliased tensor sits: inside the buffer of `storage`, at `offsetBytes`. */
export interface AliasPlacement {
  readonly storage: string;
  readonly offsetBytes: number;
}

/** A layer that cannot run in the SRAM it has, even with its smallest tile. */
export interface LayerFailure {
  readonly step: number;
  readonly layer: string;
  /** The memory that is too small: the shared SRAM, or each core's local memory (per core). */
  readonly scope: 'sram' | 'local';
  readonly neededBytes: number;
  readonly availableBytes: number;
}

export interface ScheduleResult {
  readonly model: ScheduledModel;
  /** Activation groups resident in SRAM (by buffer name). */
  readonly resident: ReadonlySet<string>;
  readonly failures: readonly LayerFailure[];
}

/** Tensors that share one buffer (a view and its source, aliased outputs): planned as one. */
export interface BufferGroup {
  /** The group's buffer name (its first tensor). */
  readonly name: string;
  readonly members: string[];
  /** Byte offset of each member inside the group's buffer. */
  readonly offsets: Map<string, number>;
  sizeBytes: number;
  startStep: number;
  endStep: number;
  kind: string;
}

const MAX_ROUNDS = 8;

/**
 * Step 1: the buffer groups. Every live tensor starts as its own group; a view layer's outputs join
 * its source's group, and each alias (tensor -> storage at an offset) joins the storage's. No-code
 * layers (copy-free Concat, Split/Slice views) must then read and write one group: they become views
 * in the returned kinds. Groups sorted by first step, then name.
 */
export function bufferGroups(
  graph: Graph,
  liveness: GraphLiveness,
  layerKinds: readonly LayerKind[],
  aliases?: ReadonlyMap<string, AliasPlacement>,
  noCode?: ReadonlySet<string>,
): { readonly groups: readonly BufferGroup[]; readonly groupOf: ReadonlyMap<string, BufferGroup>; readonly kinds: readonly LayerKind[] } {
  const kinds = [...layerKinds];
  const groupOf = new Map<string, BufferGroup>();
  for (const iv of liveness.intervals) {
    groupOf.set(iv.tensor, { name: iv.tensor, members: [iv.tensor], offsets: new Map([[iv.tensor, 0]]), sizeBytes: iv.sizeBytes, startStep: iv.startStep, endStep: iv.endStep, kind: iv.kind });
  }
  graph.nodes.forEach((node, i) => {
    const k = kinds[i]!;
    if (k.kind !== 'view') return;
    for (const out of node.outputs) mergeGroups(groupOf, k.source, out, 0);
  });
  for (const [tensor, at] of [...(aliases ?? [])].sort((a, b) => cmp(a[0], b[0]))) mergeGroups(groupOf, at.storage, tensor, at.offsetBytes);
  // Copy-free Concat, Split/Slice views and views of other domains (TFLite RESHAPE): every operand
  // already sits in its place inside one buffer.
  graph.nodes.forEach((node, i) => {
    if (!noCode?.has(node.name) || kinds[i]!.kind === 'view') return;
    // A Concat's operands are all data; a Split's or Slice's other inputs are its parameters.
    const data = opTraits(node.opType, node.domain).concat ? node.inputs : node.inputs.slice(0, 1);
    const tensors = [...data, ...node.outputs].filter((t) => t !== '' && groupOf.has(t));
    const g = groupOf.get(tensors[0] ?? '');
    if (!g || tensors.some((t) => groupOf.get(t) !== g)) throw new Error(`schedule: no-code layer '${node.name}' does not read and write one buffer`);
    kinds[i] = { kind: 'view', source: tensors[0]! };
  });
  const groups = [...new Set(groupOf.values())].sort((a, b) => a.startStep - b.startStep || cmp(a.name, b.name));
  return { groups, groupOf, kinds };
}

/** What a residency round decides with. */
export interface ResidencyInput {
  readonly groups: readonly BufferGroup[];
  /** SRAM bytes kept free at a step for the scratch its layer needs when it streams. */
  readonly reservations: ReadonlyMap<number, number>;
  readonly target: TargetSpec;
  readonly strategy?: StrategyName;
  readonly seed?: number;
  readonly timeLimitMs?: number;
}

/**
 * Step 2, the residency round: which buffer groups live in SRAM (the rest in DRAM). The planner
 * places the groups in SRAM or DRAM (fewest bytes spilled) beside one reservation buffer per step.
 * With an unbounded SRAM, or no DRAM (--dram 0), every group is resident: the plan's gate and
 * --min-sram then tell whether and where it fits.
 */
export async function residencyRound(input: ResidencyInput): Promise<Set<string>> {
  const { groups, target } = input;
  const sram = sramOf(target);
  const capacity = sram?.sizeBytes ?? null;
  const dram = globalOf(target);
  if (capacity === null || dram === undefined) return new Set(groups.map((g) => g.name));
  const sramName = sram?.name ?? 'sram';
  const dramName = dram.name;
  const buffers: BufferInfo[] = groups.map((g) => ({
    name: g.name,
    sizeBytes: g.sizeBytes,
    start: g.startStep,
    end: g.endStep,
    poolCandidates: [sramName, dramName],
  }));
  for (const [step, bytes] of [...input.reservations].sort((a, b) => a[0] - b[0])) {
    if (bytes > 0 && bytes <= capacity) buffers.push({ name: `\u0000reserve@${step}`, sizeBytes: bytes, start: step, end: step, poolCandidates: [sramName] });
  }
  const pools: Pool[] = [
    { name: sramName, sizeBytes: capacity, alignmentBytes: target.alignmentBytes },
    { name: dramName, sizeBytes: null, alignmentBytes: target.alignmentBytes },
  ];
  const plan = await planMemory(buffers, pools, planOptions(input, Math.min(input.timeLimitMs ?? 1000, 1000))).catch(rethrowPlannerError);
  return new Set(plan.allocations.filter((a) => a.pool === sramName && !a.name.startsWith('\u0000')).map((a) => a.name));
}

/** What a tiling round decides with. */
export interface TilingRoundInput {
  readonly graph: Graph;
  readonly kinds: readonly LayerKind[];
  /** Whether a tensor's buffer is resident in SRAM (the residency round's answer). */
  readonly isResident: (tensor: string) => boolean;
  /** Bytes of resident buffers live at each step. */
  readonly residentLive: readonly number[];
  /** The reservations the residency round was given. */
  readonly reservations: ReadonlyMap<number, number>;
  readonly target: TargetSpec;
  readonly doubleBuffer: boolean;
  readonly slackBytes?: number;
  readonly elementBytes: (tensor: string) => number;
  /** Tile choices memoized across rounds (a choice depends on its step, resident operands and budget). */
  readonly cache?: Map<string, TileChoiceResult>;
}

export interface TilingRound {
  /** Per layer (by step): the tiling chosen (or the smallest, for a layer that does not fit); undefined for views and copies. */
  readonly choices: readonly (TilingOption | undefined)[];
  /** Layers that cannot fit, even with a larger reservation. */
  readonly failures: readonly LayerFailure[];
  /** Steps whose reservation must rise (to these bytes) before residency is decided again; empty = stable. */
  readonly raise: ReadonlyMap<number, number>;
}

/**
 * Step 3, the tiling round: every compute layer chooses its tiles under the SRAM left at its step
 * (capacity minus resident bytes and slack). A layer that cannot fit asks for a reservation at its
 * step; one that already had it, or whose smallest tile overflows the memory itself, fails.
 */
export function tilingRound(input: TilingRoundInput): TilingRound {
  const { graph, kinds, target, residentLive: live } = input;
  const capacity = sramOf(target)?.sizeBytes ?? null;
  const localCapacity = target.memories.find((m) => m.kind === 'local')?.sizeBytes ?? null;
  const cache = input.cache ?? new Map<string, TileChoiceResult>();
  const failures: LayerFailure[] = [];
  const raise = new Map<number, number>();
  const choices = graph.nodes.map((node, i) => {
    const k = kinds[i]!;
    if (k.kind !== 'compute' || node.segment) return undefined;
    const budget = capacity === null ? Number.MAX_SAFE_INTEGER : Math.max(0, capacity - (live[node.step] ?? 0) - (input.slackBytes ?? 0));
    // The choice depends only on which operands are resident and on the budget: memoize across rounds.
    const operands = [...k.family.inputs, ...k.family.outputs].map((o) => (input.isResident(o.tensor) ? '1' : '0')).join('');
    const key = `${node.step}|${operands}|${budget}`;
    const r = cache.get(key) ?? chooseTiling(
      {
        family: k.family,
        isResident: input.isResident,
        elementBytes: input.elementBytes,
        target,
        cores: target.cores,
        doubleBuffer: input.doubleBuffer,
        localBytes: localCapacity,
      },
      budget,
    );
    cache.set(key, r);
    // A reduction split (or a last-resort split) is the last resort: first ask residency for room for
    // the smallest tiles that keep it whole, when the memories can hold them at all (a reservation at
    // this step).
    const w = r.smallestWhole;
    const wholeFits = w !== undefined && (capacity === null || w.sramBytes <= capacity) && (localCapacity === null || w.localBytes <= localCapacity);
    const reduces = r.chosen === undefined || splitsDeferred(k.family, r.chosen.sizes);
    if (wholeFits && reduces && (input.reservations.get(node.step) ?? 0) < w.sramBytes) {
      raise.set(node.step, w.sramBytes);
      return w;
    }
    if (r.chosen) return r.chosen;
    const need = r.smallest.sramBytes;
    if (localCapacity !== null && r.smallest.localBytes > localCapacity) {
      // Even the smallest tiles overflow each core's local memory: more shared SRAM cannot help.
      failures.push({ step: node.step, layer: node.name, scope: 'local', neededBytes: r.smallest.localBytes, availableBytes: localCapacity });
    } else if (capacity !== null && need > capacity) {
      failures.push({ step: node.step, layer: node.name, scope: 'sram', neededBytes: need, availableBytes: capacity });
    } else if ((input.reservations.get(node.step) ?? 0) < need) {
      raise.set(node.step, need);
    } else {
      failures.push({ step: node.step, layer: node.name, scope: 'sram', neededBytes: need + (live[node.step] ?? 0), availableBytes: capacity ?? 0 });
    }
    return r.smallest;
  });
  return { choices, failures, raise };
}

export async function scheduleGraph(graph: Graph, liveness: GraphLiveness, options: ScheduleOptions): Promise<ScheduleResult> {
  const target = options.target;
  const capacity = sramOf(target)?.sizeBytes ?? null;
  const local = target.memories.find((m) => m.kind === 'local');
  const intervals = new Map<string, LiveInterval>(liveness.intervals.map((iv) => [iv.tensor, iv]));
  const bytesPerElement = new Map<string, number>();
  for (const [name, t] of graph.tensors) {
    const iv = intervals.get(name);
    bytesPerElement.set(name, iv && t.elementCount > 0 ? iv.sizeBytes / t.elementCount : 0);
  }
  // Weights the cores cannot read are streamed into SRAM tiles: they are operands too (their stored type).
  const dmaWeights = weightsViaDma(target) !== undefined;
  if (dmaWeights) for (const [name, w] of graph.weights) if (!bytesPerElement.has(name)) bytesPerElement.set(name, byteSize(w.dtype, 1));
  const elementBytes = (tensor: string) => bytesPerElement.get(tensor) ?? 0;

  // 1. Classify layers and build view groups.
  const layerKinds: LayerKind[] = graph.nodes.map((node) => {
    const k = classifyLayer({ node, graph });
    return dmaWeights && k.kind === 'compute' && !node.segment ? { kind: 'compute', family: withWeightOperands(node, graph, k.family) } : k;
  });
  const { groups, groupOf, kinds } = bufferGroups(graph, liveness, layerKinds, options.aliases, options.noCode);
  const bufferOf = (tensor: string) => groupOf.get(tensor)?.name ?? tensor;

  // 2-3. Residency and tiles, iterated until every layer fits its step or nothing changes.
  const reservations = new Map<number, number>();
  // Depth-first segments keep their line buffers in SRAM (with their input and output streamed, at worst),
  // and the SRAM copies of their members' weights when the cores cannot read them.
  for (const node of graph.nodes) if (node.segment) reservations.set(node.step, segmentScratchBytes({ graph, elementBytes }, node, true, true, dmaWeights));
  const cache = new Map<string, TileChoiceResult>();
  let resident = new Set<string>();
  let choices: readonly (TilingOption | undefined)[] = [];
  let failures: readonly LayerFailure[] = [];
  const residentLive = (res: ReadonlySet<string>): number[] =>
    liveBytesPerStep(groups.filter((g) => res.has(g.name)), graph.nodes.length + 1);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    resident = await residencyRound({ ...options, groups, reservations });
    const inSram = resident;
    const tiles = tilingRound({
      graph,
      kinds,
      isResident: (t) => inSram.has(bufferOf(t)),
      residentLive: residentLive(resident),
      reservations,
      target,
      doubleBuffer: options.doubleBuffer,
      ...(options.slackBytes !== undefined ? { slackBytes: options.slackBytes } : {}),
      elementBytes,
      cache,
    });
    choices = tiles.choices;
    failures = tiles.failures;
    for (const [step, bytes] of tiles.raise) reservations.set(step, bytes);
    if (tiles.raise.size === 0) break;
  }

  // Lower every layer with its final choice.
  const live = residentLive(resident);
  const ctx: LowerContext = {
    graph,
    target,
    bufferOf,
    elementBytes,
    perCoreScope: local ? 'local' : 'sram',
  };
  const layers: LayerSchedule[] = graph.nodes.map((node, i) => lowerLayer(node, kinds[i]!, choices[i], ctx, live[node.step] ?? 0, capacity, resident, bufferOf));

  const activations: LoopBuffer[] = groups.map((g) => {
    const t = graph.tensors.get(g.name)!;
    return {
      name: g.name,
      kind: g.kind === 'input' ? 'input' : g.kind === 'output' ? 'output' : 'activation',
      scope: resident.has(g.name) ? 'sram' : 'global',
      dtype: intervals.get(g.name)?.dtype ?? t.dtype,
      shape: t.shape,
      sizeBytes: g.sizeBytes,
      copies: 1,
      perCore: false,
    };
  });
  const bufferOfTensor = new Map([...groupOf].map(([tensor, g]) => [tensor, g.name] as const));
  const offsetOfTensor = new Map<string, number>();
  for (const [tensor, g] of [...groupOf].sort((a, b) => cmp(a[0], b[0]))) {
    const at = g.offsets.get(tensor) ?? 0;
    if (at !== 0) offsetOfTensor.set(tensor, at);
  }
  return {
    model: { targetName: target.name, cores: target.cores, activations, bufferOfTensor, offsetOfTensor, layers, ...(dmaWeights ? { weightsDmaFrom: weightsViaDma(target)!.name } : {}) },
    resident,
    failures,
  };
}

/** Planner options from the user's strategy and seed, with a time limit (undefined = the default). */
export function planOptions(
  o: { readonly strategy?: StrategyName; readonly seed?: number },
  timeLimitMs?: number,
  onProgress?: PlanOptions['onProgress'],
): PlanOptions {
  return {
    ...(o.strategy !== undefined ? { strategy: o.strategy } : {}),
    ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    ...(onProgress ? { onProgress } : {}),
  };
}

function lowerLayer(
  node: OpNode,
  kind: LayerKind,
  option: TilingOption | undefined,
  ctx: LowerContext,
  residentBytes: number,
  capacity: number | null,
  resident: ReadonlySet<string>,
  bufferOf: (t: string) => string,
): LayerSchedule {
  if (node.segment) return lowerSegmentLayer(node, ctx, residentBytes, capacity, (t) => resident.has(bufferOf(t)));
  if (kind.kind === 'view') {
    const stats: LayerStats = {
      residentBytes, scratchBytes: 0, localBytes: 0, sramBytes: residentBytes, dmaInBytes: 0, dmaOutBytes: 0,
      cycles: 0, cyclesSingleBuffered: 0, doubleBufferBytes: 0, fits: capacity === null || residentBytes <= capacity,
    };
    return lowerViewLayer(node, kind.source, ctx, stats);
  }
  if (kind.kind === 'copy') return lowerCopyLayer(node, ctx, (t) => !resident.has(bufferOf(t)), residentBytes, capacity);
  const o = option!;
  const doubleBufferBytes = o.windows.reduce((a, w) => a + (w.copies - 1) * w.bytes * (w.perCore && ctx.perCoreScope === 'sram' ? o.coresUsed : 1), 0);
  const weightTiles = o.windows.filter((w) => isWeightOperand(ctx.graph, w.tensor));
  const weightTileBytes = weightTiles.reduce((a, w) => a + w.copies * w.bytes * (w.perCore && ctx.perCoreScope === 'sram' ? o.coresUsed : 1), 0);
  const sramBytes = residentBytes + o.sramBytes;
  return lowerComputeLayer(node, kind.family, o, ctx, {
    residentBytes,
    scratchBytes: o.sramBytes,
    localBytes: o.localBytes,
    sramBytes,
    dmaInBytes: o.dmaInBytes,
    dmaOutBytes: o.dmaOutBytes,
    cycles: o.cycles,
    cyclesSingleBuffered: o.cyclesSingleBuffered,
    doubleBufferBytes,
    ...(o.accumulatorBytes > 0 ? { accumulatorBytes: o.accumulatorBytes } : {}),
    ...(weightsViaDma(ctx.target) !== undefined ? { weightTileBytes } : {}),
    fits: capacity === null || sramBytes <= capacity,
  });
}

/**
 * Moves the group of `tensor` into the group of `host` so that `tensor` sits `offsetBytes` after
 * `host` (one buffer: the union of the lifetimes). A merge inside one group must agree with it.
 */
function mergeGroups(groupOf: Map<string, BufferGroup>, host: string, tensor: string, offsetBytes: number): void {
  const src = groupOf.get(host);
  const g = groupOf.get(tensor);
  if (!src || !g) return;
  const want = (src.offsets.get(host) ?? 0) + offsetBytes;
  if (g === src) {
    if ((src.offsets.get(tensor) ?? 0) !== want) throw new Error(`schedule: '${tensor}' would sit at two offsets of buffer '${src.name}'`);
    return;
  }
  const shift = want - (g.offsets.get(tensor) ?? 0);
  if (shift < 0) {
    // The incoming group starts before the host's buffer: the host's buffer moves up inside it.
    mergeGroups(groupOf, tensor, host, -offsetBytes);
    return;
  }
  for (const m of g.members) {
    src.members.push(m);
    src.offsets.set(m, (g.offsets.get(m) ?? 0) + shift);
    groupOf.set(m, src);
  }
  src.sizeBytes = Math.max(src.sizeBytes, g.sizeBytes + shift);
  src.startStep = Math.min(src.startStep, g.startStep);
  src.endStep = Math.max(src.endStep, g.endStep);
  if (src.kind !== 'input' && g.kind === 'output') src.kind = 'output';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
