/**
 * Node ordering for dataflow graphs: producers, consumers, cycle detection and a stable topological order.
 * The only importer of @dagrejs/graphlib.
 */
import { alg, Graph as DiGraph } from '@dagrejs/graphlib';
import { Codes } from '../diagnostics/codes.js';
import type { Location } from '../diagnostics/diagnostic.js';
import { InputError } from '../diagnostics/errors.js';

/** What ordering needs of a node: its name and the tensor names it reads and writes ('' = omitted). */
export interface OrderItem {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/**
 * Maps each tensor name to the index of the node that produces it.
 * A tensor produced twice -> InputError MP207 naming the second producer.
 */
export function producersOf(items: readonly OrderItem[], where?: Location): Map<string, number> {
  const producers = new Map<string, number>();
  items.forEach((item, i) => {
    for (const out of item.outputs) {
      if (out === '') continue;
      const first = producers.get(out);
      if (first !== undefined) {
        throw InputError.one(
          Codes.MalformedGraph,
          `tensor '${out}' is produced twice, by node '${items[first]?.name ?? ''}' and by node '${item.name}'`,
          { ...where, node: item.name },
        );
      }
      producers.set(out, i);
    }
  });
  return producers;
}

/** Maps each tensor name to the indices of the nodes that read it (ascending, each node once). */
export function consumersOf(items: readonly OrderItem[]): Map<string, number[]> {
  const consumers = new Map<string, number[]>();
  items.forEach((item, i) => {
    for (const input of new Set(item.inputs)) {
      if (input === '') continue;
      const list = consumers.get(input);
      if (list) list.push(i);
      else consumers.set(input, [i]);
    }
  });
  return consumers;
}

/** Builds the node-level dependency graph (node ids are the indices as strings). */
function dependencyGraph(items: readonly OrderItem[], producers: ReadonlyMap<string, number>): DiGraph {
  const g = new DiGraph({ directed: true });
  items.forEach((_, i) => g.setNode(String(i)));
  items.forEach((item, i) => {
    for (const input of item.inputs) {
      const p = input === '' ? undefined : producers.get(input);
      if (p !== undefined) g.setEdge(String(p), String(i));
    }
  });
  return g;
}

/** A binary min-heap of node indices. */
class MinHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= v) break;
      a[i] = a[p] as number;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && (a[r] as number) < (a[l] as number) ? r : l;
        if ((a[c] as number) >= last) break;
        a[i] = a[c] as number;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * A topological order of `items` (indices). Stable: among ready nodes the one earliest in the model
 * comes first, so a model whose order is already valid keeps it exactly. Inputs that no item produces
 * are treated as available from the start (the caller checks them). A cycle -> InputError MP208 naming
 * a node in it. `producers` may be passed when the caller already has producersOf(items).
 */
export function topologicalOrder(
  items: readonly OrderItem[],
  where?: Location,
  producers: ReadonlyMap<string, number> = producersOf(items, where),
): number[] {
  const g = dependencyGraph(items, producers);
  const indegree = items.map((_, i) => g.predecessors(String(i))?.length ?? 0);
  const ready = new MinHeap();
  indegree.forEach((d, i) => {
    if (d === 0) ready.push(i);
  });
  const order: number[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(i);
    for (const s of g.successors(String(i)) ?? []) {
      const j = Number(s);
      const d = (indegree[j] as number) - 1;
      indegree[j] = d;
      if (d === 0) ready.push(j);
    }
  }
  if (order.length < items.length) {
    const cycles = alg.findCycles(g).map((c) => c.map(Number).sort((a, b) => a - b));
    cycles.sort((a, b) => (a[0] as number) - (b[0] as number));
    const cycle = cycles[0] ?? [];
    const first = items[cycle[0] ?? order.length]?.name ?? '';
    const names = cycle.slice(0, 4).map((k) => `'${items[k]?.name ?? ''}'`);
    throw InputError.one(
      Codes.GraphCycle,
      `the graph has a cycle through node ${names.join(', ')}${cycle.length > 4 ? ` and ${cycle.length - 4} more` : ''}`,
      { ...where, node: first },
    );
  }
  return order;
}
