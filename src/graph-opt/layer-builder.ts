/**
 * The working state the layer passes rewrite (private to one optimizeGraph call): which layer each
 * node belongs to, which tensors no longer exist, the storage forest, and the in-place candidates.
 * `finish()` turns it into plain OptLayer values.
 */
import type { Graph, OpNode, TensorInfo } from '../ir/graph.js';
import { consumersOf, producersOf } from '../ir/graph-order.js';
import type { OpTraits } from '../ir/op-traits.js';
import { opTraits } from '../ir/op-traits.js';
import type { DtypeMode } from '../liveness/graph-liveness.js';
import { tensorBytes } from '../liveness/graph-liveness.js';
import type { OptLayer, OptimizationKind, RewriteRecord } from './layer-graph.js';
import { StorageForest } from './storage-forest.js';

/** Rewrites that can be turned off one by one (tests, comparisons); all on by default. */
export interface LayerPassOptions {
  /** Fuse a residual Add into the producer of one operand (the fused chain reads the other operand). */
  readonly fuseResidual: boolean;
  /** Copy-free Concat and Split/Slice views (tensors at a fixed offset inside another buffer). */
  readonly sliceViews: boolean;
}

export const DEFAULT_LAYER_PASS_OPTIONS: LayerPassOptions = { fuseResidual: true, sliceViews: true };

export class LayerBuilder {
  readonly graph: Graph;
  readonly forest = new StorageForest();
  readonly records: RewriteRecord[] = [];
  /** Tensors that never exist (fused intermediates). */
  readonly gone = new Set<string>();
  /** Layer id (index of its first node) of each node. */
  private readonly layerOf: number[];
  /** Nodes of each layer, by layer id. */
  private readonly nodesOf = new Map<number, number[]>();
  private readonly noCode = new Set<number>();
  private readonly inPlace = new Map<number, { output: string; input: string }[]>();
  private readonly producer: Map<string, number>;
  private readonly consumers: Map<string, number[]>;
  private readonly graphInputs: ReadonlySet<string>;
  private readonly graphOutputs: ReadonlySet<string>;

  constructor(
    graph: Graph,
    readonly dtype: DtypeMode,
    readonly options: LayerPassOptions = DEFAULT_LAYER_PASS_OPTIONS,
  ) {
    this.graph = graph;
    this.layerOf = graph.nodes.map((_, i) => i);
    graph.nodes.forEach((_, i) => this.nodesOf.set(i, [i]));
    this.producer = producersOf(graph.nodes);
    this.consumers = consumersOf(graph.nodes);
    this.graphInputs = new Set(graph.inputs);
    this.graphOutputs = new Set(graph.outputs);
    for (const [name, t] of graph.tensors) this.forest.add(name, tensorBytes(t, dtype));
  }

  node(i: number): OpNode {
    return this.graph.nodes[i]!;
  }

  traits(i: number): OpTraits {
    const n = this.node(i);
    return opTraits(n.opType, n.domain);
  }

  /** The runtime tensor (not a weight, not omitted), if it exists. */
  tensor(name: string): TensorInfo | undefined {
    return name === '' ? undefined : this.graph.tensors.get(name);
  }

  isWeight(name: string): boolean {
    return name !== '' && this.graph.weights.has(name);
  }

  sizeBytes(name: string): number {
    return this.forest.sizeOf(name);
  }

  isGraphInput(name: string): boolean {
    return this.graphInputs.has(name);
  }

  isGraphOutput(name: string): boolean {
    return this.graphOutputs.has(name);
  }

  /** Nodes reading a tensor (each once, ascending). */
  consumersOf(name: string): readonly number[] {
    return this.consumers.get(name) ?? [];
  }

  producerOf(name: string): number | undefined {
    return this.producer.get(name);
  }

  /** Outputs of a node that exist as runtime tensors. */
  outputsOf(i: number): string[] {
    return this.node(i).outputs.filter((o) => this.tensor(o) !== undefined);
  }

  /** Activation inputs of a node (runtime tensors, each once). */
  activationInputsOf(i: number): string[] {
    return [...new Set(this.node(i).inputs.filter((t) => this.tensor(t) !== undefined))];
  }

  layerIdOf(i: number): number {
    return this.layerOf[i]!;
  }

  layerNodes(layerId: number): readonly number[] {
    return this.nodesOf.get(layerId) ?? [];
  }

  /** True when the node is still a layer of its own (not fused into another). */
  isAlone(i: number): boolean {
    return this.layerOf[i] === i && this.layerNodes(i).length === 1;
  }

  /** Appends node `i` (a layer of its own) to the end of layer `layerId`. */
  appendToLayer(layerId: number, i: number): void {
    this.nodesOf.get(layerId)!.push(i);
    this.nodesOf.delete(i);
    this.layerOf[i] = layerId;
  }

  /** Moves every node of layer `second` to the end of layer `first`. */
  mergeLayers(first: number, second: number): void {
    for (const i of this.layerNodes(second)) {
      this.nodesOf.get(first)!.push(i);
      this.layerOf[i] = first;
    }
    this.nodesOf.delete(second);
    const moved = this.inPlace.get(second);
    if (moved) {
      this.inPlace.set(first, moved);
      this.inPlace.delete(second);
    }
  }

  /** Marks a tensor as never existing (it stays inside a fused layer). */
  remove(tensor: string): void {
    this.gone.add(tensor);
  }

  markNoCode(layerId: number): void {
    this.noCode.add(layerId);
  }

  addInPlaceCandidate(layerId: number, output: string, input: string): void {
    const list = this.inPlace.get(layerId) ?? [];
    if (!list.some((c) => c.output === output && c.input === input)) list.push({ output, input });
    this.inPlace.set(layerId, list);
  }

  record(pass: string, kind: OptimizationKind, nodes: readonly number[]): void {
    this.records.push({ pass, kind, nodes: nodes.map((i) => this.node(i).name) });
  }

  /** The layers, ordered by their last node (a topological order that keeps the file's order). */
  finish(): OptLayer[] {
    const layers: { last: number; layer: OptLayer }[] = [];
    for (const [id, nodeIndices] of this.nodesOf) {
      const inside = new Set<string>();
      const reads: string[] = [];
      const writes: string[] = [];
      for (const i of nodeIndices) {
        for (const t of this.node(i).inputs) {
          if (this.tensor(t) && !this.gone.has(t) && !inside.has(t) && !reads.includes(t)) reads.push(t);
        }
        for (const t of this.node(i).outputs) {
          if (!this.tensor(t)) continue;
          inside.add(t);
          if (!this.gone.has(t) && !writes.includes(t)) writes.push(t);
        }
      }
      const first = this.node(nodeIndices[0]!);
      layers.push({
        last: nodeIndices[nodeIndices.length - 1]!,
        layer: {
          name: first.name,
          op: first.opType,
          nodeIndices: [...nodeIndices],
          nodes: nodeIndices.map((i) => this.node(i).name),
          reads,
          writes,
          inPlaceCandidates: this.inPlace.get(id) ?? [],
          noCode: this.noCode.has(id),
        },
      });
    }
    return layers.sort((a, b) => a.last - b.last).map((l) => l.layer);
  }
}
