/**
 * Two-pass recompute of squeeze-excitation (SE) blocks (--dram 0 choice only), so that the tensor T
 * the SE scale multiplies never exists whole:
 *
 *   T = chain(X)                     ->  P = AveragePool_rows(chain(X))   (pass 1: row means only)
 *   m = GlobalAveragePool(T)         ->  m = GlobalAveragePool(P)
 *   s = small ops(m)                     s = small ops(m)
 *   y = Mul(T, s) -> consumers           y = Mul(chain~recompute(X), s) -> consumers   (pass 2)
 *
 * Pass 1 and pass 2 are ordinary runs of layers: the depth-first chooser (choose.ts) makes them
 * segments (the first ends with the row pool, whose output is tiny; the second reads `s` whole as a
 * side input), so T lives only in line buffers. The chain from X to T runs twice: its clones are
 * the recomputed work (`OpNode.recomputeOf`).
 *
 * The mean of the row means of equal rows is the mean: AveragePool over [1, W] windows then
 * GlobalAveragePool gives the global average (within float rounding).
 *
 * Which blocks, from which X: greedy by trial, deterministic (chooseWithRecompute).
 */
import type { Graph, OpNode, TensorInfo } from '../../ir/graph.js';
import type { DtypeMode, GraphLiveness } from '../../liveness/graph-liveness.js';
import { graphLiveness } from '../../liveness/graph-liveness.js';
import type { ChooseOptions, ChosenSegments } from './choose.js';
import { chooseSegmentsDetailed } from './choose.js';
import { memberInfo } from './members.js';

/** Where an aliased tensor lives: the storage (another tensor's buffer) and its byte offset there. */
export interface AliasPlacement {
  readonly storage: string;
  readonly offsetBytes: number;
}

/** A squeeze-excitation block of a graph. */
export interface SeBlock {
  /** Steps of the GlobalAveragePool and the Mul. */
  readonly gap: number;
  readonly mul: number;
  /** T: the tensor pooled and multiplied. */
  readonly tensor: string;
  /**
   * Candidate chains producing T, shortest first: each lists the steps of consecutive layers (the
   * last produces T); the first reads X, the chain's input.
   */
  readonly chains: readonly (readonly number[])[];
  /** First and last step the block touches (its longest chain's first step .. the Mul's last consumer). */
  readonly span: readonly [number, number];
}

export const RECOMPUTE_SUFFIX = '~recompute';
export const ROWS_SUFFIX = '~rows';
/** Longest producer chain recomputed. */
const MAX_CHAIN = 4;

/** Tensors a node reads (its fused chain's too), activations only. */
function readsOf(graph: Graph, node: OpNode): string[] {
  const own = new Set([node.fusedInput ?? '', ...(node.fused ?? []).flatMap((f) => f.outputs)]);
  const out: string[] = [];
  for (const t of [...node.inputs, ...(node.fused ?? []).flatMap((f) => f.inputs)]) if (t !== '' && !own.has(t) && graph.tensors.has(t) && !out.includes(t)) out.push(t);
  return out;
}

/** The SE blocks of a graph (float NCHW, batch 1), in step order. */
export function findSeBlocks(graph: Graph): SeBlock[] {
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  graph.nodes.forEach((n, i) => {
    for (const o of n.outputs) if (o !== '') producer.set(o, i);
    for (const t of readsOf(graph, n)) (consumers.get(t) ?? consumers.set(t, []).get(t)!).push(i);
  });
  const outputs = new Set(graph.outputs);
  const blocks: SeBlock[] = [];
  graph.nodes.forEach((mul, mi) => {
    if (mul.opType !== 'Mul' || mul.domain !== '' || (mul.fused?.length ?? 0) > 0 || mul.segment || mul.inputs.length !== 2) return;
    const [a, b] = mul.inputs.map((t) => graph.tensors.get(t));
    if (!a || !b || a.name === b.name) return;
    const is4 = (t: TensorInfo) => t.dtype === 'float32' && t.shape.length === 4 && t.shape[0] === 1;
    if (!is4(a) || !is4(b)) return;
    const whole = (t: TensorInfo) => t.shape[2] === 1 && t.shape[3] === 1;
    const [T, s] = whole(a) && !whole(b) ? [b, a] : whole(b) && !whole(a) ? [a, b] : [undefined, undefined];
    if (!T || !s || T.shape[1] !== s.shape[1] || outputs.has(T.name)) return;
    const cons = consumers.get(T.name) ?? [];
    if (cons.length !== 2 || !cons.includes(mi)) return;
    const gi = cons.find((c) => c !== mi)!;
    const gap = graph.nodes[gi]!;
    if (gap.opType !== 'GlobalAveragePool' || gap.domain !== '' || (gap.fused?.length ?? 0) > 0 || gap.segment || gi > mi) return;
    const m = gap.outputs[0]!;
    // s derives from m alone, through layers between the pool and the Mul.
    const seen = new Set<number>();
    const stack = [s.name];
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (t === m) continue;
      const p = producer.get(t);
      if (p === undefined || p <= gi || p >= mi || seen.size > 8) return;
      if (seen.has(p)) continue;
      seen.add(p);
      stack.push(...readsOf(graph, graph.nodes[p]!));
    }
    // Chains: T's producer, then its producers back while each reads one activation, produced just
    // for the next one.
    const chains: number[][] = [];
    let cur = producer.get(T.name);
    const chain: number[] = [];
    while (cur !== undefined && chain.length < MAX_CHAIN) {
      const node = graph.nodes[cur]!;
      const info = memberInfo(graph, node);
      if (!info || node.outputs.filter((o) => o !== '').length !== 1) break;
      if (chain.length > 0 && (consumers.get(info.output) ?? []).length !== 1) break;
      if (chain.length > 0 && outputs.has(info.output)) break;
      const ins = info.inputs.map((i) => i.tensor);
      if (ins.length !== 1 || info.inputs[0]!.rows.span === 0) break;
      chain.unshift(cur);
      chains.push([...chain]);
      cur = producer.get(ins[0]!);
    }
    if (chains.length === 0) return;
    const longest = chains[chains.length - 1]!;
    const after = (consumers.get(mul.outputs[0]!) ?? [mi]).reduce((x, y) => Math.max(x, y), mi);
    blocks.push({ gap: gi, mul: mi, tensor: T.name, chains, span: [longest[0]!, after] });
  });
  return blocks;
}

/** A graph with some SE blocks transformed. */
export interface RecomputedGraph {
  readonly graph: Graph;
  /** Aliases of the transformed graph (the Mul's in-place output now lives in the recomputed T). */
  readonly aliases: ReadonlyMap<string, AliasPlacement>;
  /** For each step of `graph`, the steps of the given graph it runs (clones: their originals). */
  readonly sourceSteps: readonly (readonly number[])[];
}

/**
 * Transforms the blocks chosen: `chosen` maps a block (index into `blocks`) to the index of its chain.
 */
export function recomputeGraph(graph: Graph, aliases: ReadonlyMap<string, AliasPlacement>, blocks: readonly SeBlock[], chosen: ReadonlyMap<number, number>): RecomputedGraph {
  const tensors = new Map(graph.tensors);
  const byGap = new Map<number, SeBlock>();
  const byMul = new Map<number, { block: SeBlock; chain: readonly number[] }>();
  for (const [k, c] of [...chosen].sort((x, y) => x[0] - y[0])) {
    const block = blocks[k]!;
    byGap.set(block.gap, block);
    byMul.set(block.mul, { block, chain: block.chains[c]! });
  }
  const out: OpNode[] = [];
  const sourceSteps: number[][] = [];
  const newAliases = new Map(aliases);
  const push = (node: OpNode, source: number) => {
    out.push({ ...node, step: out.length });
    sourceSteps.push([source]);
  };
  graph.nodes.forEach((node, i) => {
    const gapOf = byGap.get(i);
    if (gapOf) {
      // Row means, then the mean of the rows.
      const T = graph.tensors.get(gapOf.tensor)!;
      const [, C, H, W] = T.shape as [number, number, number, number];
      const rows = `${T.name}${ROWS_SUFFIX}`;
      tensors.set(rows, { name: rows, dtype: T.dtype, shape: [1, C, H, 1], elementCount: C * H, sizeBytes: (T.sizeBytes / (C * H * W)) * C * H, kind: 'activation' });
      push(
        {
          name: `${node.name}${ROWS_SUFFIX}`,
          opType: 'AveragePool',
          domain: '',
          inputs: [T.name],
          outputs: [rows],
          attributes: new Map([
            ['kernel_shape', { type: 'ints', value: [1, W] }],
            ['strides', { type: 'ints', value: [1, W] }],
          ]),
          step: 0,
        },
        i,
      );
      push({ ...node, inputs: [rows] }, i);
      return;
    }
    const mulOf = byMul.get(i);
    if (mulOf) {
      // Pass 2: the chain again, into tensors of its own, right before the Mul.
      const rename = new Map<string, string>();
      const name = (t: string) => rename.get(t) ?? t;
      for (const c of mulOf.chain) {
        const n = graph.nodes[c]!;
        for (const t of [...n.outputs, ...(n.fused ?? []).flatMap((f) => f.outputs)]) {
          if (t === '' || rename.has(t)) continue;
          const r = `${t}${RECOMPUTE_SUFFIX}`;
          rename.set(t, r);
          const info = graph.tensors.get(t);
          if (info) tensors.set(r, { ...info, name: r, kind: 'activation' });
        }
        const fusedInput = n.fusedInput !== undefined ? name(n.fusedInput) : undefined;
        const clone: OpNode = {
          ...n,
          name: `${n.name}${RECOMPUTE_SUFFIX}`,
          inputs: n.inputs.map(name),
          outputs: n.outputs.map(name),
          ...(n.fused ? { fused: n.fused.map((f) => ({ ...f, name: `${f.name}${RECOMPUTE_SUFFIX}`, inputs: f.inputs.map(name), outputs: f.outputs.map(name) })) } : {}),
          ...(fusedInput !== undefined ? { fusedInput } : {}),
          recomputeOf: n.name,
        };
        push(clone, c);
      }
      push({ ...node, inputs: node.inputs.map(name) }, i);
      // Aliases into the chain's tensors (the Mul computed in place on T) follow the clones.
      for (const [t, p] of aliases) if (rename.has(p.storage) && !rename.has(t)) newAliases.set(t, { ...p, storage: rename.get(p.storage)! });
      return;
    }
    push(node, i);
  });
  return { graph: { ...graph, nodes: out, tensors }, aliases: newAliases, sourceSteps };
}

/** Tensor -> the storage whose buffer holds it, and its offset there (the chooser's maps). */
export function aliasMaps(aliases: ReadonlyMap<string, AliasPlacement>): { readonly roots: ReadonlyMap<string, string>; readonly offsets: ReadonlyMap<string, number> } {
  return {
    roots: new Map([...aliases].map(([t, p]) => [t, p.storage] as const)),
    offsets: new Map([...aliases].map(([t, p]) => [t, p.offsetBytes] as const)),
  };
}

export interface RecomputeChoice extends RecomputedGraph {
  readonly liveness: GraphLiveness;
  readonly chosen: ChosenSegments;
  /** Blocks transformed: block index -> chain index. */
  readonly transforms: ReadonlyMap<number, number>;
}

/**
 * Segments with recompute where it lowers the peak the chooser reaches. Greedy by trial,
 * deterministic: choose segments; when a place at the peak lies in an SE block not yet transformed,
 * try each of its chains (shortest first), keep the transform that lowers the peak most (ties:
 * fewer places at the peak, then fewer recomputed MACs); repeat until nothing improves. Then drop
 * every transform the peak reached does not need, and shorten the chains kept where the peak allows.
 */
export function chooseWithRecompute(
  graph: Graph,
  liveness: GraphLiveness,
  aliases: ReadonlyMap<string, AliasPlacement>,
  options: ChooseOptions,
  dtype: DtypeMode,
  /** Whether to keep alias offsets for the chooser (overlays). */
  withOffsets: boolean,
): RecomputeChoice {
  const blocks = findSeBlocks(graph);
  const memo = new Map<string, RecomputeChoice>();
  const evaluate = (transforms: ReadonlyMap<number, number>): RecomputeChoice => {
    const key = JSON.stringify([...transforms].sort((x, y) => x[0] - y[0]));
    const known = memo.get(key);
    if (known) return known;
    const r = evaluateNew(transforms);
    memo.set(key, r);
    return r;
  };
  const evaluateNew = (transforms: ReadonlyMap<number, number>): RecomputeChoice => {
    const t = transforms.size === 0 ? { graph, aliases, sourceSteps: graph.nodes.map((_, i) => [i]) } : recomputeGraph(graph, aliases, blocks, transforms);
    const lv = transforms.size === 0 ? liveness : graphLiveness(t.graph, dtype);
    const maps = aliasMaps(t.aliases);
    const chosen = chooseSegmentsDetailed(t.graph, lv, maps.roots, { ...options, ...(withOffsets ? { aliasOffsets: maps.offsets } : {}) });
    return { ...t, liveness: lv, chosen, transforms };
  };
  let best = evaluate(new Map());
  if (blocks.length === 0) return best;
  const macsOf = (transforms: ReadonlyMap<number, number>) => {
    let macs = 0;
    for (const [k, c] of transforms) {
      for (const step of blocks[k]!.chains[c]!) {
        const m = memberInfo(graph, graph.nodes[step]!);
        macs += m ? m.macsPerRow * m.height : 0;
      }
    }
    return macs;
  };
  const better = (x: RecomputeChoice, y: RecomputeChoice) =>
    x.chosen.peakBytes < y.chosen.peakBytes ||
    (x.chosen.peakBytes === y.chosen.peakBytes && (x.chosen.peakPlaces.length < y.chosen.peakPlaces.length || (x.chosen.peakPlaces.length === y.chosen.peakPlaces.length && macsOf(x.transforms) < macsOf(y.transforms))));
  for (let round = 0; round < blocks.length; round++) {
    // Steps of the given graph at the peak.
    const at = new Set<number>();
    for (const [a, b] of best.chosen.peakPlaces) for (let s = a; s <= b; s++) for (const src of best.sourceSteps[s] ?? []) at.add(src);
    let next: RecomputeChoice | undefined;
    blocks.forEach((block, k) => {
      if (best.transforms.has(k) || ![...at].some((s) => s >= block.span[0] && s <= block.span[1])) return;
      block.chains.forEach((_, c) => {
        const trial = evaluate(new Map([...best.transforms, [k, c]]));
        if (better(trial, next ?? best)) next = trial;
      });
    });
    if (!next) break;
    best = next;
  }
  // Drop what the peak reached does not need (the most recomputed MACs first); then the shortest
  // chains that keep it.
  const fewer = (x: RecomputeChoice, y: RecomputeChoice) => x.chosen.peakBytes <= y.chosen.peakBytes;
  const blockMacs = (k: number) => macsOf(new Map([[k, best.transforms.get(k)!]]));
  for (const k of [...best.transforms.keys()].sort((x, y) => blockMacs(y) - blockMacs(x) || x - y)) {
    const without = new Map(best.transforms);
    without.delete(k);
    const trial = evaluate(without);
    if (fewer(trial, best)) best = trial;
  }
  for (const [k, c] of [...best.transforms]) {
    for (let shorter = 0; shorter < c; shorter++) {
      const trial = evaluate(new Map([...best.transforms, [k, shorter]]));
      if (fewer(trial, best)) {
        best = trial;
        break;
      }
    }
  }
  return best;
}
