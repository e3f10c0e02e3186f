/**
 * TFLite Micro's GreedyMemoryPlanner, restated from its published description (greedy_memory_planner.h:
 * "sort the buffers by size, largest first; place each at the lowest offset where it does not overlap
 * any already placed buffer whose lifetime overlaps its own"), for the benchmark only. Sizes are
 * rounded up to TFLite Micro's 16-byte buffer alignment; equal sizes keep the order the buffers were
 * added (TFLite Micro's stable sort), here first use then name. Variable tensors are persistent
 * allocations outside the planned arena in TFLite Micro; they are added after the plan.
 */
export interface TflmBuffer {
  readonly name: string;
  readonly sizeBytes: number;
  /** First and last step (inclusive). */
  readonly firstStep: number;
  readonly lastStep: number;
}

const ALIGN = 16;

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** The arena bytes GreedyMemoryPlanner needs for these buffers. */
export function tflmGreedyArenaBytes(buffers: readonly TflmBuffer[]): number {
  const added = [...buffers].sort((a, b) => a.firstStep - b.firstStep || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const order = added.map((b, i) => ({ b, i, size: alignUp(b.sizeBytes) })).sort((x, y) => y.size - x.size || x.i - y.i);
  const placed: { first: number; last: number; offset: number; end: number }[] = [];
  let arena = 0;
  for (const { b, size } of order) {
    const overlapping = placed
      .filter((p) => p.first <= b.lastStep && b.firstStep <= p.last)
      .sort((p, q) => p.offset - q.offset || p.end - q.end);
    let offset = 0;
    for (const p of overlapping) {
      if (offset + size <= p.offset) break;
      offset = Math.max(offset, p.end);
    }
    placed.push({ first: b.firstStep, last: b.lastStep, offset, end: offset + size });
    arena = Math.max(arena, offset + size);
  }
  return arena;
}
