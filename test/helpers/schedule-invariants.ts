/**
 * Independent checks of a scheduled model: every output element computed exactly once, every DMA
 * window inside its tensor and its tile buffer, input windows covering what the kernel reads
 * (recomputed from the node's attributes, not from the template), budgets and per-core copies.
 * A reduction split (compute.accumulate) finishes each output element on the last slice only, and its
 * slices must cover the reduced dimension of the first input exactly once per output tile.
 */
import type { Graph, OpNode } from '../../src/ir/graph.js';
import type { LayerSchedule, LoopStmt, Region, ScheduledModel, Stmt } from '../../src/ir/loop.js';
import type { ScopedBufferSet } from '../../src/liveness/extract.js';

type Env = Map<string, number>;

function clamp(region: Region, env: Env, dim: number, full: number): [number, number] {
  const r = region.ranges.find((g) => g.dim === dim);
  if (!r) return [0, full];
  const i = r.loopVar === '' ? 0 : env.get(r.loopVar);
  if (i === undefined) throw new Error(`loop variable ${r.loopVar} is not bound`);
  const start = i * r.stride + r.offset;
  return [Math.max(0, start), Math.min(r.limit, start + r.extent)];
}

/** Calls fn for every statement with the loop variables bound, iterating every loop fully. */
function walk(body: readonly Stmt[], env: Env, fn: (s: Stmt, env: Env) => void): void {
  for (const s of body) {
    if (s.kind === 'loop') {
      const loop = s as LoopStmt;
      for (let i = 0; i < loop.extent; i++) {
        env.set(loop.loopVar, i);
        walk(loop.body, env, fn);
      }
      env.delete(loop.loopVar);
    } else {
      fn(s, env);
    }
  }
}

/** The node a compute statement runs: a depth-first segment's member, or the layer's node. */
function nodeOf(graph: Graph, layer: LayerSchedule, member: string | undefined): OpNode {
  const node = graph.nodes[layer.step]!;
  return member === undefined ? node : node.segment!.members.find((m) => m.name === member)!;
}

function attrInts(node: OpNode, name: string): readonly number[] | undefined {
  const a = node.attributes.get(name);
  return a && a.type === 'ints' ? a.value : undefined;
}

export function checkLayer(layer: LayerSchedule, graph: Graph): string[] {
  const errors: string[] = [];
  const err = (m: string) => errors.push(`${layer.name}: ${m}`);
  if (layer.aliasOf !== undefined || layer.template === 'concat') return errors;
  const buffers = new Map(layer.buffers.map((b) => [b.name, b]));
  // 1. Output coverage: count how often each output element is written.
  const counts = new Map<string, Uint8Array>();
  for (const out of layer.writes) counts.set(out, new Uint8Array(graph.tensors.get(out)!.elementCount));
  // Reduction slices seen per output tile (the loop values outside the reduction loop).
  const slices = new Map<string, Uint8Array>();
  walk(layer.body, new Map(), (s, env) => {
    if (s.kind === 'compute' && s.accumulate) {
      const a = s.accumulate;
      const x = s.inputs[0]!;
      const full = graph.tensors.get(x.region.tensor)!.shape[a.dim]!;
      const key = [...env].filter(([v]) => v !== a.loopVar).map(([v, i]) => `${v}=${i}`).join(',');
      const seen = slices.get(key) ?? new Uint8Array(full);
      slices.set(key, seen);
      const [lo, hi] = clamp(x.region, env, a.dim, full);
      for (let c = lo; c < hi; c++) seen[c] = Math.min(255, seen[c]! + 1);
      // Only the last slice finishes the output elements.
      if (env.get(a.loopVar) !== a.iterations - 1) return;
    }
    if (s.kind === 'compute') {
      for (const o of s.outputs) {
        const t = graph.tensors.get(o.region.tensor)!;
        // A segment's members write its intermediates (into line buffers) as well as its output.
        const c = counts.get(t.name) ?? counts.set(t.name, new Uint8Array(t.elementCount)).get(t.name)!;
        const box = t.shape.map((d, dim) => clamp(o.region, env, dim, d));
        forEachIndex(t.shape, box, (flat) => {
          c[flat] = Math.min(255, c[flat]! + 1);
        });
        // 3. Input windows cover what conv/pool kernels read.
        const node = nodeOf(graph, layer, s.node);
        // 4. A Conv weight tile (DMA'd weights) holds the output channels computed and the input
        //    channels read: those of the slice with a reduction split, else all (IC / group).
        const wOp = node.opType === 'Conv' ? s.inputs.find((i) => i.region.tensor === node.inputs[1]) : undefined;
        if (wOp && t.shape.length >= 3 && box[1]![1] > box[1]![0]) {
          const ws = graph.weights.get(wOp.region.tensor)!.shape;
          const [o0, o1] = clamp(wOp.region, env, 0, ws[0]!);
          const [i0, i1] = clamp(wOp.region, env, 1, ws[1]!);
          const [c0, c1] = box[1]!;
          if (o0 > c0 || o1 < c1) err(`weight tile channels [${o0},${o1}) do not cover output channels [${c0},${c1})`);
          const x = s.inputs[0]!;
          const want = s.accumulate ? clamp(x.region, env, 1, graph.tensors.get(x.region.tensor)!.shape[1]!) : [0, ws[1]!];
          if (i0 !== want[0] || i1 !== want[1]) err(`weight tile input channels [${i0},${i1}) are not the ones read [${want[0]},${want[1]})`);
        }
        if (['Conv', 'MaxPool', 'AveragePool'].includes(node.opType) && t.shape.length === 4 && box[2]![1] > box[2]![0]) {
          const x = s.inputs[0]!;
          const xs = graph.tensors.get(x.region.tensor)!.shape;
          const k = node.opType === 'Conv' ? (graph.weights.get(node.inputs[1]!)?.shape[2] ?? 1) : attrInts(node, 'kernel_shape')![0]!;
          const st = attrInts(node, 'strides')?.[0] ?? 1;
          const dl = attrInts(node, 'dilations')?.[0] ?? 1;
          const autoPad = node.attributes.get('auto_pad');
          const ap = autoPad && autoPad.type === 'string' ? autoPad.value : 'NOTSET';
          let pad = attrInts(node, 'pads')?.[0] ?? 0;
          if (ap === 'SAME_UPPER' || ap === 'SAME_LOWER') {
            const total = Math.max(0, (t.shape[2]! - 1) * st + (k - 1) * dl + 1 - xs[2]!);
            pad = ap === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
          } else if (ap === 'VALID') pad = 0;
          const [r0, r1] = box[2]!;
          const need: [number, number] = [Math.max(0, r0 * st - pad), Math.min(xs[2]!, (r1 - 1) * st - pad + (k - 1) * dl + 1)];
          const have = clamp(x.region, env, 2, xs[2]!);
          if (need[0] < need[1] && (have[0] > need[0] || have[1] < need[1])) {
            err(`input rows [${have}] do not cover the needed rows [${need}] for output rows [${r0},${r1})`);
          }
        }
      }
    }
    // 2. DMA windows inside the tensor and inside the tile buffer.
    if (s.kind === 'dma-start') {
      for (const side of [s.src, s.dst]) {
        // A weight operand (weights the cores cannot read, DMA'd into a tile) is a tensor of the weight's shape.
        const w = graph.tensors.has(side.region.tensor) ? undefined : graph.weights.get(side.region.tensor);
        const t = graph.tensors.get(side.region.tensor) ?? (w ? { name: side.region.tensor, shape: w.shape } : undefined);
        if (!t) {
          err(`DMA names unknown tensor ${side.region.tensor}`);
          continue;
        }
        let elems = 1;
        for (let dim = 0; dim < t.shape.length; dim++) {
          const [a, b] = clamp(side.region, env, dim, t.shape[dim]!);
          // A segment's first and last bands move no rows of its streamed input or output (empty windows);
          // a Pad's output tile wholly inside the padding reads no input rows (its output window is never empty).
          const emptyAllowed = layer.template === 'segment' || (layer.template === 'pad' && !layer.writes.includes(t.name));
          if (a < 0 || b > t.shape[dim]! || (a >= b && !emptyAllowed)) err(`DMA window [${a},${b}) of ${t.name} dim ${dim} is outside [0,${t.shape[dim]})`);
          elems *= b - a;
          const tile = buffers.get(side.buffer);
          if (tile && (tile.shape[dim] ?? 0) < b - a) err(`tile ${tile.name} dim ${dim} holds ${tile.shape[dim]} but the window has ${b - a}`);
        }
        const tile = buffers.get(side.buffer);
        if (tile && elems * (tile.sizeBytes / tile.shape.reduce((x, y) => x * y, 1)) > tile.sizeBytes) err(`tile ${tile.name} too small`);
        if (s.direction === 'copy' && buffers.has(side.buffer)) err('copy DMA through a tile');
      }
    }
  });
  for (const [key, seen] of slices) {
    if (seen.some((v) => v !== 1)) err(`reduction slices at ${key || 'the only tile'} do not cover the reduced dimension exactly once`);
  }
  for (const [name, c] of counts) {
    let bad = 0;
    for (const v of c) if (v !== 1) bad++;
    if (bad > 0) err(`${bad} elements of ${name} are not written exactly once`);
  }
  return errors;
}

function forEachIndex(shape: readonly number[], box: readonly [number, number][], fn: (flat: number) => void): void {
  const R = shape.length;
  const strides = new Array<number>(R).fill(1);
  for (let d = R - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  const rec = (d: number, base: number) => {
    if (d === R) return fn(base);
    for (let i = box[d]![0]; i < box[d]![1]; i++) rec(d + 1, base + i * strides[d]!);
  };
  rec(0, 0);
}

/** Per-core copies in the buffer set and scratch accounting, as DESIGN.md says. */
export function checkCopies(model: ScheduledModel, set: ScopedBufferSet): string[] {
  const errors: string[] = [];
  const byName = new Map(set.buffers.map((b) => [b.name, b]));
  for (const layer of model.layers) {
    let scratch = 0;
    for (const b of layer.buffers) {
      const bytes = b.sizeBytes * b.copies;
      if (b.perCore && b.scope === 'sram') {
        for (let k = 0; k < layer.tile.cores; k++) {
          const inst = byName.get(`${b.name}@core${k}`);
          if (!inst || inst.sizeBytes !== bytes) errors.push(`${b.name}: missing or wrong copy for core ${k}`);
        }
        if (byName.has(`${b.name}@core${layer.tile.cores}`)) errors.push(`${b.name}: more copies than cores`);
        scratch += bytes * layer.tile.cores;
      } else if (b.scope === 'sram') {
        if (byName.get(b.name)?.sizeBytes !== bytes) errors.push(`${b.name}: missing or wrong size in the buffer set`);
        scratch += bytes;
      } else if (byName.get(b.name)?.sizeBytes !== bytes) {
        errors.push(`${b.name}: missing from its ${b.scope} pool`);
      }
    }
    if (scratch !== layer.stats.scratchBytes) errors.push(`${layer.name}: scratch ${layer.stats.scratchBytes} but buffers add up to ${scratch}`);
  }
  return errors;
}
