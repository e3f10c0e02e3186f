/**
 * Graph-level memory of a layer order, with DESIGN.md's liveness convention lifted to storages: a
 * storage is live from the first layer that writes any of its tensors (graph inputs: from the start)
 * to the last layer that reads any of them (graph outputs: to the end), inclusive. At a layer the live
 * sum is what was live before it plus the storages it starts, minus an output that overwrites an input
 * dying there (in place). The same step function serves the order search and the final accounting, so
 * the search optimizes exactly what is reported.
 */
import type { OptLayer } from './layer-graph.js';
import type { StorageForest } from './storage-forest.js';

/** The order-independent facts the step function needs, in flat arrays. */
export interface MemoryProblem {
  readonly layers: readonly OptLayer[];
  /** Storage index of each existing tensor. */
  readonly storageOf: ReadonlyMap<string, number>;
  readonly storageNames: readonly string[];
  readonly sizeBytes: readonly number[];
  readonly isInput: readonly boolean[];
  readonly isOutput: readonly boolean[];
  /** Layers writing / reading any member of each storage. */
  readonly writers: readonly (readonly number[])[];
  readonly readers: readonly (readonly number[])[];
  /** True when the storage is exactly one tensor's bytes, written by one layer (it may move in place). */
  readonly movable: readonly boolean[];
  /** Per layer: storages it writes, storages it reads or writes (each once). */
  readonly writes: readonly (readonly number[])[];
  readonly touches: readonly (readonly number[])[];
  /** Per layer: in-place candidates as storage pairs. */
  readonly candidates: readonly (readonly { readonly out: number; readonly inp: number; readonly output: string; readonly input: string }[])[];
  /** Layers each layer depends on. */
  readonly preds: readonly (readonly number[])[];
  /** Bytes live before the first layer (graph inputs). */
  readonly initialBytes: number;
}

export function buildMemoryProblem(
  layers: readonly OptLayer[],
  forest: StorageForest,
  graphInputs: readonly string[],
  graphOutputs: readonly string[],
): MemoryProblem {
  const storageNames = forest.storages();
  const index = new Map(storageNames.map((s, i) => [s, i] as const));
  const storageOf = new Map<string, number>();
  const sizeBytes = storageNames.map((s) => forest.extentBytes(s));
  const isInput = storageNames.map(() => false);
  const isOutput = storageNames.map(() => false);
  const writers: number[][] = storageNames.map(() => []);
  const readers: number[][] = storageNames.map(() => []);
  const of = (t: string) => {
    let s = storageOf.get(t);
    if (s === undefined) {
      s = index.get(forest.find(t).storage)!;
      storageOf.set(t, s);
    }
    return s;
  };
  for (const t of graphInputs) if (forest.has(t)) isInput[of(t)] = true;
  for (const t of graphOutputs) if (forest.has(t)) isOutput[of(t)] = true;
  const producerLayer = new Map<string, number>();
  const writes: number[][] = [];
  const touches: number[][] = [];
  layers.forEach((l, li) => {
    const w = [...new Set(l.writes.map(of))];
    const r = [...new Set(l.reads.map(of))];
    for (const s of w) writers[s]!.push(li);
    for (const s of r) readers[s]!.push(li);
    for (const t of l.writes) producerLayer.set(t, li);
    writes.push(w);
    touches.push([...new Set([...w, ...r])]);
  });
  const movable = storageNames.map((s, i) => writers[i]!.length === 1 && forest.isPureAliasOf(s) && !isInput[i] && !isOutput[i]);
  const candidates = layers.map((l) =>
    l.inPlaceCandidates.flatMap((c) => (forest.has(c.output) && forest.has(c.input) ? [{ out: of(c.output), inp: of(c.input), output: c.output, input: c.input }] : [])),
  );
  const preds = layers.map((l) => [...new Set(l.reads.flatMap((t) => (producerLayer.has(t) ? [producerLayer.get(t)!] : [])))].sort((a, b) => a - b));
  let initialBytes = 0;
  isInput.forEach((yes, s) => {
    if (yes) initialBytes += sizeBytes[s]!;
  });
  return { layers, storageOf, storageNames, sizeBytes, isInput, isOutput, writers, readers, movable, writes, touches, candidates, preds, initialBytes };
}

export interface StepResult {
  /** Live bytes while the layer runs. */
  readonly peakBytes: number;
  /** Live bytes after it (what the next layer starts from). */
  readonly afterBytes: number;
  /** In-place merges taken (output storage index, input storage index, tensors). */
  readonly inPlace: readonly { readonly out: number; readonly inp: number; readonly output: string; readonly input: string }[];
}

/**
 * Runs layer `l` from the state where `done(k)` tells which layers already ran and `memBytes` are live.
 */
export function stepLayer(p: MemoryProblem, l: number, done: (k: number) => boolean, memBytes: number): StepResult {
  const started = (s: number) => p.isInput[s]! || p.writers[s]!.some((w) => w !== l && done(w));
  let fresh = 0;
  const freshSet: number[] = [];
  for (const s of p.writes[l]!) {
    if (!started(s)) {
      fresh += p.sizeBytes[s]!;
      freshSet.push(s);
    }
  }
  const dies = (s: number) => !p.isOutput[s]! && p.readers[s]!.every((r) => r === l || done(r));
  const taken: { out: number; inp: number; output: string; input: string }[] = [];
  let reused = 0;
  for (const c of p.candidates[l]!) {
    if (c.out === c.inp || !p.movable[c.out]! || !freshSet.includes(c.out)) continue;
    if (p.isInput[c.inp]! || p.sizeBytes[c.inp] !== p.sizeBytes[c.out] || !started(c.inp) || !dies(c.inp)) continue;
    if (taken.some((t) => t.out === c.out || t.inp === c.inp)) continue;
    taken.push(c);
    reused += p.sizeBytes[c.out]!;
  }
  let freed = 0;
  for (const s of p.touches[l]!) {
    if ((p.isInput[s]! || p.writers[s]!.some((w) => w === l || done(w))) && dies(s)) freed += p.sizeBytes[s]!;
  }
  // Graph inputs nobody reads are live at the first layer only (as in the baseline convention).
  return { peakBytes: memBytes + fresh - reused, afterBytes: memBytes + fresh - freed, inPlace: taken };
}

export interface OrderEvaluation {
  readonly peakBytes: number;
  readonly peakIndex: number;
  readonly liveBytesByLayer: readonly number[];
  readonly inPlace: readonly { readonly output: string; readonly input: string }[];
}

/** Live bytes of every layer for an order (layer indices of `p.layers`). */
export function evaluateOrder(p: MemoryProblem, order: readonly number[]): OrderEvaluation {
  const isDone = new Uint8Array(p.layers.length);
  const done = (k: number) => isDone[k] === 1;
  let mem = p.initialBytes;
  let peakBytes = 0;
  let peakIndex = 0;
  const live: number[] = [];
  const inPlace: { output: string; input: string }[] = [];
  // Graph inputs that no layer reads count at the first layer only.
  const unread = p.isInput.flatMap((yes, s) => (yes && p.readers[s]!.length === 0 && !p.isOutput[s] ? [s] : []));
  order.forEach((l, i) => {
    const r = stepLayer(p, l, done, mem);
    live.push(r.peakBytes);
    if (r.peakBytes > peakBytes) {
      peakBytes = r.peakBytes;
      peakIndex = i;
    }
    for (const c of r.inPlace) inPlace.push({ output: c.output, input: c.input });
    mem = r.afterBytes;
    if (i === 0) for (const s of unread) mem -= p.sizeBytes[s]!;
    isDone[l] = 1;
  });
  if (order.length === 0) peakBytes = p.initialBytes;
  return { peakBytes, peakIndex, liveBytesByLayer: live, inPlace };
}
