/**
 * Persistent state (TFLite variable tensors: SVDF and LSTM state) as planned buffers: each lives for
 * the whole run (it carries values from one inference to the next), in SRAM, and is never part of the
 * graph-level live peaks (DESIGN.md: stateBytes).
 */
import type { Graph } from '../ir/graph.js';
import type { ScopedBufferSet } from './extract.js';

/** Kind of a state buffer in buffer sets and reports. */
export const STATE_KIND = 'state';

/** Bytes of all state tensors of the graph. */
export function stateBytesOf(graph: Graph): number {
  let total = 0;
  for (const t of graph.states?.values() ?? []) total += t.sizeBytes;
  return total;
}

/** The buffer set with one buffer per state tensor, live over the whole timeline, in SRAM. */
export function withStateBuffers(set: ScopedBufferSet, graph: Graph): ScopedBufferSet {
  if (!graph.states || graph.states.size === 0) return set;
  const lastSlot = Math.max(0, (set.layerStart[set.layerStart.length - 1] ?? 1) - 1);
  const states = [...graph.states.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t) => ({ name: t.name, sizeBytes: t.sizeBytes, start: 0, end: lastSlot, poolCandidates: [set.poolOfScope.sram], kind: STATE_KIND }));
  return { ...set, buffers: [...set.buffers, ...states] };
}
