/**
 * What every emitter needs to know about an analysed model: the pools, where each buffer sits
 * (pool + constant offset from the verified plan), C names for buffers, layers and weights, and
 * the weights actually used by generated code. Built once per generation; deterministic.
 */
import type { ConstTensor, Graph, OpNode, TensorInfo } from '../ir/graph.js';
import type { LayerSchedule, LoopBuffer, ScheduledModel } from '../ir/loop.js';
import type { PlanResult } from '../../planner/types.js';
import { UnsupportedError, InternalError } from '../diagnostics/errors.js';
import { Codes } from '../diagnostics/codes.js';
import { NameTable, sanitize } from './names.js';
import type { CodegenInput } from './input.js';

export interface PoolInfo {
  /** Pool name in the plan (`sram`, `dram`, `local` ...). */
  readonly name: string;
  /** C array name, e.g. `mp_pool_sram`. */
  readonly cName: string;
  /** Upper-case tag for macros: MP_POOL_<TAG>_BYTES, MP_POOL_SECTION_<TAG>. */
  readonly tag: string;
  readonly usedBytes: number;
  /** One instance per core (local memory): `mp_pool_local[MP_CORES][...]`. */
  readonly perCore: boolean;
  readonly scope: 'sram' | 'global' | 'local' | 'other';
}

export interface Placement {
  readonly pool: PoolInfo;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
}

/** A weight as generated code sees it. */
export interface WeightRef {
  readonly name: string;
  readonly tensor: ConstTensor;
  /** C identifier of the array (dense) or the value macro (splat). */
  readonly cName: string;
}

export class CodegenError extends UnsupportedError {}

export function unsupported(node: OpNode | LayerSchedule, why: string): never {
  const name = node.name;
  const op = 'opType' in node ? node.opType : node.op;
  throw CodegenError.of(Codes.CodegenUnsupported, { forNode: ` for node '${name}' (${op})`, why }, { node: name, opType: op });
}

export class CodegenContext {
  readonly graph: Graph;
  readonly schedule: ScheduledModel;
  readonly plan: PlanResult;
  readonly bufferSet: CodegenInput['bufferSet'];
  readonly pools: readonly PoolInfo[];
  readonly cores: number;
  readonly alignment: number;
  private readonly placements = new Map<string, Placement>();
  private readonly bufferNames = new NameTable('B_');
  private readonly layerNames = new NameTable('layer_', [], 80);
  private readonly weightNames = new NameTable('mpw_');
  private readonly bufferByName = new Map<string, LoopBuffer>();
  /** Weights used by generated code, by name, in first-use order. */
  readonly usedWeights = new Map<string, WeightRef>();
  /** Weights that generated code needs transposed ([N][K] from [K][N]), by name. */
  readonly transposedWeights = new Map<string, WeightRef>();

  constructor(analysis: CodegenInput) {
    this.graph = analysis.graph;
    this.schedule = analysis.schedule;
    this.plan = analysis.plan;
    this.bufferSet = analysis.bufferSet;
    this.cores = Math.max(1, analysis.schedule.cores, ...analysis.schedule.layers.map((l) => l.tile.cores));
    this.alignment = Math.max(16, ...analysis.bufferSet.pools.map((p) => p.alignmentBytes ?? 1));
    const scopeOf = new Map<string, PoolInfo['scope']>();
    const pos = analysis.bufferSet.poolOfScope;
    scopeOf.set(pos.sram, 'sram');
    scopeOf.set(pos.global, 'global');
    scopeOf.set(pos.local, 'local');
    const tags = new NameTable('');
    this.pools = analysis.plan.pools.map((p) => {
      const tag = tags.get(p.name).toUpperCase();
      const scope = scopeOf.get(p.name) ?? 'other';
      return { name: p.name, cName: `mp_pool_${tag.toLowerCase()}`, tag, usedBytes: p.usedBytes, perCore: scope === 'local', scope };
    });
    const poolByName = new Map(this.pools.map((p) => [p.name, p]));
    for (const a of analysis.plan.allocations) {
      const pool = poolByName.get(a.pool);
      if (!pool) throw new InternalError(`allocation '${a.name}' names unknown pool '${a.pool}'`);
      this.placements.set(a.name, { pool, offsetBytes: a.offsetBytes, sizeBytes: a.sizeBytes });
    }
    if (analysis.plan.unplaced && analysis.plan.unplaced.length > 0) {
      throw CodegenError.of(Codes.CodegenUnsupported, {
        forNode: '',
        why: `the plan left ${analysis.plan.unplaced.length} buffer(s) unplaced (${analysis.plan.unplaced.slice(0, 3).join(', ')})`,
      });
    }
    for (const a of analysis.schedule.activations) this.bufferByName.set(a.name, a);
    for (const l of analysis.schedule.layers) for (const b of l.buffers) this.bufferByName.set(b.name, b);
  }

  buffer(name: string): LoopBuffer {
    const b = this.bufferByName.get(name);
    if (!b) throw new InternalError(`unknown buffer '${name}'`);
    return b;
  }

  /** Byte offset of a tensor inside its activation buffer (copy-free Concat slices, Split pieces). */
  offsetOf(tensor: string): number {
    return this.schedule.offsetOfTensor?.get(tensor) ?? 0;
  }

  isTile(name: string): boolean {
    const b = this.bufferByName.get(name);
    return b !== undefined && (b.kind === 'tile' || b.kind === 'scratch' || b.kind === 'accumulator');
  }

  placement(allocation: string): Placement {
    const p = this.placements.get(allocation);
    if (!p) throw new InternalError(`buffer '${allocation}' has no allocation in the plan`);
    return p;
  }

  hasPlacement(allocation: string): boolean {
    return this.placements.has(allocation);
  }

  /** The allocations of a buffer: one, or one per core (`name@coreK`) for per-core SRAM tiles. */
  allocationsOf(b: LoopBuffer, cores: number): string[] {
    if (!b.perCore || b.scope === 'local') return [b.name];
    return Array.from({ length: cores }, (_, k) => `${b.name}@core${k}`);
  }

  bufferMacro(name: string): string {
    return this.bufferNames.get(name);
  }

  layerName(layer: LayerSchedule): string {
    return this.layerNames.get(`${layer.step}_${sanitize(layer.name, 40)}`);
  }

  tensor(name: string): TensorInfo {
    const t = this.graph.tensors.get(name);
    if (!t) throw new InternalError(`unknown tensor '${name}'`);
    return t;
  }

  /** The shape used in C for a tensor or a weight operand (a scalar is one element of rank 1). */
  shapeOf(name: string): number[] {
    const w = this.graph.tensors.has(name) ? undefined : this.graph.weights.get(name);
    const s = w ? w.shape : this.tensor(name).shape;
    return s.length === 0 ? [1] : [...s];
  }

  /** The element type of a tensor or of a weight operand (weight tiles: weights the cores cannot read). */
  dtypeOf(name: string): TensorInfo['dtype'] {
    const w = this.graph.tensors.has(name) ? undefined : this.graph.weights.get(name);
    return w ? w.dtype : this.tensor(name).dtype;
  }

  /**
   * The memory holding the weights when the cores cannot read it (ScheduledModel.weightsDmaFrom):
   * kernels then read every weight from its SRAM tile, never from the weight arrays.
   */
  get weightsDmaFrom(): string | undefined {
    return this.schedule.weightsDmaFrom;
  }

  /**
   * A weight a kernel reads in place (its array in model_weights.c, or its value macro for a splat).
   * Refused (MP701, naming the layer) for a dense weight when the cores cannot read the weights'
   * memory: such a kernel must read the weight's SRAM tile, which the schedule DMAs in.
   */
  kernelWeight(node: OpNode, name: string): WeightRef | undefined {
    const ref = this.weight(name);
    if (ref && this.weightsDmaFrom !== undefined && ref.tensor.data.kind !== 'splat') {
      unsupported(node, `its kernel would read weight '${name}' in place, but the cores cannot read memory '${this.weightsDmaFrom}' that holds the weights (no SRAM weight tile for this kernel${node.domain !== '' ? ': integer kernels read their weights in place' : ''})`);
    }
    return ref;
  }

  weight(name: string): WeightRef | undefined {
    const t = this.graph.weights.get(name);
    if (!t) return undefined;
    let ref = this.usedWeights.get(name);
    if (!ref) {
      ref = { name, tensor: t, cName: this.weightNames.get(name) };
      this.usedWeights.set(name, ref);
    }
    return ref;
  }

  /** A [K][N] matrix weight stored transposed as [N][K] (for the Gemm kernel's transB layout). */
  transposedWeight(name: string): WeightRef {
    if (this.weightsDmaFrom !== undefined) throw new InternalError(`transposed weight '${name}' asked for while the weights live in '${this.weightsDmaFrom}'`);
    let ref = this.transposedWeights.get(name);
    if (!ref) {
      const t = this.graph.weights.get(name)!;
      ref = { name, tensor: t, cName: this.weightNames.get(`${name}__transposed`) };
      this.transposedWeights.set(name, ref);
    }
    return ref;
  }

  node(layer: LayerSchedule): OpNode {
    const n = this.graph.nodes[layer.step];
    if (!n || n.name !== layer.name) throw new InternalError(`layer ${layer.step} '${layer.name}' has no matching node`);
    return n;
  }
}

