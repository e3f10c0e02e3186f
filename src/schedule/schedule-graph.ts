/**
 * Stage entry: Graph -> ScheduledModel for a target and an SRAM size.
 *
 * 1. Views (Reshape, Flatten, ...) share their source's memory: tensors form buffer groups.
 * 2. Residency: the planner places the groups in SRAM or DRAM (fewest bytes spilled), with a
 *    reservation at each step for the scratch its layer needs when it streams.
 * 3. Every layer chooses its tiles under the SRAM left at its step; a layer that cannot fit raises its
 *    reservation and residency is decided again, until stable.
 */
import type { Graph, OpNode } from '../ir/graph.js';
import type { LayerSchedule, LayerStats, LoopBuffer, ScheduledModel } from '../ir/loop.js';
import type { GraphLiveness, LiveInterval } from '../liveness/graph-liveness.js';
import { liveBytesPerStep } from '../liveness/graph-liveness.js';
import type { BufferInfo, Pool, PlanOptions, StrategyName } from '../../planner/types.js';
import { planMemory } from '../../planner/index.js';
import { rethrowPlannerError } from '../diagnostics/planner-errors.js';
import type { TargetSpec } from './target.js';
import { globalOf, sramOf } from './target.js';
import { classifyLayer } from './templates/index.js';
import type { LayerKind } from './templates/index.js';
import { chooseTiling } from './tiling.js';
import type { TilingOption } from './tiling.js';
import { lowerComputeLayer, lowerCopyLayer, lowerViewLayer } from './lower-layer.js';
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
   * Tensor -> tensor whose buffer it shares (graph optimizations: in-place outputs, views). The two
   * become one buffer group, like a view and its source.
   */
  readonly aliases?: ReadonlyMap<string, string>;
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

interface Group {
  readonly name: string;
  readonly members: string[];
  sizeBytes: number;
  startStep: number;
  endStep: number;
  kind: string;
}

const MAX_ROUNDS = 8;

export async function scheduleGraph(graph: Graph, liveness: GraphLiveness, options: ScheduleOptions): Promise<ScheduleResult> {
  const target = options.target;
  const sram = sramOf(target);
  const capacity = sram?.sizeBytes ?? null;
  const local = target.memories.find((m) => m.kind === 'local');
  const intervals = new Map<string, LiveInterval>(liveness.intervals.map((iv) => [iv.tensor, iv]));
  const bytesPerElement = new Map<string, number>();
  for (const [name, t] of graph.tensors) {
    const iv = intervals.get(name);
    bytesPerElement.set(name, iv && t.elementCount > 0 ? iv.sizeBytes / t.elementCount : 0);
  }
  const elementBytes = (tensor: string) => bytesPerElement.get(tensor) ?? 0;

  // 1. Classify layers and build view groups.
  const kinds: LayerKind[] = graph.nodes.map((node) => classifyLayer({ node, graph }));
  const groupOf = new Map<string, Group>();
  for (const iv of liveness.intervals) {
    groupOf.set(iv.tensor, { name: iv.tensor, members: [iv.tensor], sizeBytes: iv.sizeBytes, startStep: iv.startStep, endStep: iv.endStep, kind: iv.kind });
  }
  graph.nodes.forEach((node, i) => {
    const k = kinds[i]!;
    if (k.kind !== 'view') return;
    for (const out of node.outputs) mergeGroups(groupOf, k.source, out);
  });
  for (const [tensor, host] of [...(options.aliases ?? [])].sort((a, b) => cmp(a[0], b[0]))) mergeGroups(groupOf, host, tensor);
  const groups = [...new Set(groupOf.values())].sort((a, b) => a.startStep - b.startStep || cmp(a.name, b.name));
  const bufferOf = (tensor: string) => groupOf.get(tensor)?.name ?? tensor;

  const sramName = sram?.name ?? 'sram';
  const dramMem = globalOf(target);
  const dramName = dramMem?.name ?? 'dram';

  // 2-3. Residency and tiles, iterated until every layer fits its step or nothing changes.
  const reservations = new Map<number, number>();
  // Depth-first segments keep their line buffers in SRAM (with their input and output streamed, at worst).
  for (const node of graph.nodes) if (node.segment) reservations.set(node.step, segmentScratchBytes({ graph, elementBytes }, node, true, true));
  const choiceCache = new Map<string, ReturnType<typeof chooseTiling>>();
  let resident = new Set<string>();
  let choices: (TilingOption | undefined)[] = [];
  let failures: LayerFailure[] = [];
  const residentLive = (res: ReadonlySet<string>): number[] =>
    liveBytesPerStep(groups.filter((g) => res.has(g.name)), graph.nodes.length + 1);
  // Without DRAM (--dram 0) every activation stays in SRAM as a whole tensor; the plan's gate and
  // --min-sram then tell whether and where it fits.
  const noDram = globalOf(target) === undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (capacity === null || noDram) {
      resident = new Set(groups.map((g) => g.name));
    } else {
      const buffers: BufferInfo[] = groups.map((g) => ({
        name: g.name,
        sizeBytes: g.sizeBytes,
        startStep: g.startStep,
        endStep: g.endStep,
        poolCandidates: [sramName, dramName],
      }));
      for (const [step, bytes] of [...reservations].sort((a, b) => a[0] - b[0])) {
        if (bytes > 0 && bytes <= capacity) buffers.push({ name: `\u0000reserve@${step}`, sizeBytes: bytes, startStep: step, endStep: step, poolCandidates: [sramName] });
      }
      const pools: Pool[] = [
        { name: sramName, sizeBytes: capacity, alignmentBytes: target.alignmentBytes },
        { name: dramName, sizeBytes: null, alignmentBytes: target.alignmentBytes },
      ];
      const plan = await planMemory(buffers, pools, planOptions(options, Math.min(options.timeLimitMs ?? 1000, 1000))).catch(rethrowPlannerError);
      resident = new Set(plan.allocations.filter((a) => a.pool === sramName && !a.name.startsWith('\u0000')).map((a) => a.name));
    }
    const live = residentLive(resident);
    let changed = false;
    failures = [];
    choices = graph.nodes.map((node, i) => {
      const k = kinds[i]!;
      if (k.kind !== 'compute' || node.segment) return undefined;
      const budget = capacity === null ? Number.MAX_SAFE_INTEGER : Math.max(0, capacity - (live[node.step] ?? 0) - (options.slackBytes ?? 0));
      // The choice depends only on which operands are resident and on the budget: memoize across rounds.
      const operands = [...k.family.inputs, ...k.family.outputs].map((o) => (resident.has(bufferOf(o.tensor)) ? '1' : '0')).join('');
      const key = `${node.step}|${operands}|${budget}`;
      const r = choiceCache.get(key) ?? chooseTiling(
        {
          family: k.family,
          isResident: (t) => resident.has(bufferOf(t)),
          elementBytes,
          target,
          cores: target.cores,
          doubleBuffer: options.doubleBuffer,
          localBytes: local?.sizeBytes ?? null,
        },
        budget,
      );
      choiceCache.set(key, r);
      if (r.chosen) return r.chosen;
      const need = r.smallest.sramBytes;
      const localCapacity = local?.sizeBytes ?? null;
      if (localCapacity !== null && r.smallest.localBytes > localCapacity) {
        // Even the smallest tiles overflow each core's local memory: more shared SRAM cannot help.
        failures.push({ step: node.step, layer: node.name, scope: 'local', neededBytes: r.smallest.localBytes, availableBytes: localCapacity });
      } else if (capacity !== null && need > capacity) {
        failures.push({ step: node.step, layer: node.name, scope: 'sram', neededBytes: need, availableBytes: capacity });
      } else if ((reservations.get(node.step) ?? 0) < need) {
        reservations.set(node.step, need);
        changed = true;
      } else {
        failures.push({ step: node.step, layer: node.name, scope: 'sram', neededBytes: need + (live[node.step] ?? 0), availableBytes: capacity ?? 0 });
      }
      return r.smallest;
    });
    if (!changed) break;
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
  return {
    model: { targetName: target.name, cores: target.cores, activations, bufferOfTensor, layers },
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
    fits: capacity === null || sramBytes <= capacity,
  });
}

/** Moves the group of `tensor` into the group of `host` (one buffer: the union of the lifetimes). */
function mergeGroups(groupOf: Map<string, Group>, host: string, tensor: string): void {
  const src = groupOf.get(host);
  const g = groupOf.get(tensor);
  if (!src || !g || g === src) return;
  for (const m of g.members) {
    src.members.push(m);
    groupOf.set(m, src);
  }
  src.sizeBytes = Math.max(src.sizeBytes, g.sizeBytes);
  src.startStep = Math.min(src.startStep, g.startStep);
  src.endStep = Math.max(src.endStep, g.endStep);
  if (src.kind !== 'input' && g.kind === 'output') src.kind = 'output';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
