/**
 * Every shared .tflite model imports. Its tensor count, per-tensor bytes and peakLiveBytes are checked
 * against an independent reading of the file: a minimal flatbuffer walk written here (not the
 * importer's reader) and the liveness convention computed here from the operator lists.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../../src/frontend/tflite/import-tflite.js';
import { graphLiveness } from '../../../src/liveness/graph-liveness.js';
import { stateBytesOf } from '../../../src/liveness/state-buffers.js';

const TFLITE_DIR = path.resolve(import.meta.dirname, '../../../../shared/models/tflite');

/** Every .tflite under ../shared/models/tflite (top level and seanet/). */
function sharedModels(): string[] {
  if (!existsSync(TFLITE_DIR)) throw new Error(`missing ${TFLITE_DIR}: the shared TFLite models (../shared/models/tflite) are needed`);
  const top = readdirSync(TFLITE_DIR).filter((f) => f.endsWith('.tflite'));
  const seanet = readdirSync(path.join(TFLITE_DIR, 'seanet')).filter((f) => f.endsWith('.tflite')).map((f) => `seanet/${f}`);
  return [...top, ...seanet].sort();
}

/** The independent walk: only what the checks need, with plain DataView reads. */
function walk(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (p: number) => dv.getUint32(p, true);
  const field = (table: number, id: number): number | undefined => {
    const vt = table - dv.getInt32(table, true);
    const vtSize = dv.getUint16(vt, true);
    if (4 + 2 * id >= vtSize) return undefined;
    const off = dv.getUint16(vt + 4 + 2 * id, true);
    return off === 0 ? undefined : table + off;
  };
  const ref = (table: number, id: number) => {
    const p = field(table, id);
    return p === undefined ? undefined : p + u32(p);
  };
  const vecTables = (table: number, id: number): number[] => {
    const v = ref(table, id);
    if (v === undefined) return [];
    return Array.from({ length: u32(v) }, (_, i) => v + 4 + 4 * i + u32(v + 4 + 4 * i));
  };
  const vecI32 = (table: number, id: number): number[] => {
    const v = ref(table, id);
    if (v === undefined) return [];
    return Array.from({ length: u32(v) }, (_, i) => dv.getInt32(v + 4 + 4 * i, true));
  };
  const root = u32(0);
  const buffers = vecTables(root, 4).map((b) => {
    const d = ref(b, 0);
    return d === undefined ? 0 : u32(d);
  });
  const sg = vecTables(root, 2)[0]!;
  const ELEM = new Map([[0, 4], [1, 2], [2, 4], [3, 1], [4, 8], [6, 1], [7, 2], [9, 1], [10, 8]]);
  const tensors = vecTables(sg, 0).map((t) => {
    const typeP = field(t, 1);
    const type = typeP === undefined ? 0 : dv.getInt8(typeP);
    const bufP = field(t, 2);
    const buffer = bufP === undefined ? 0 : u32(bufP);
    const varP = field(t, 5);
    const shape = vecI32(t, 0);
    return {
      bytes: shape.reduce((a, b) => a * b, 1) * ELEM.get(type)!,
      isConst: (buffers[buffer] ?? 0) > 0,
      isVariable: varP !== undefined && dv.getUint8(varP) !== 0,
    };
  });
  const ops = vecTables(sg, 3).map((o) => ({ inputs: vecI32(o, 1), outputs: vecI32(o, 2) }));
  return { tensors, ops, inputs: vecI32(sg, 1), outputs: vecI32(sg, 2) };
}

/** DESIGN.md's convention, from the walk: inputs from step 0, outputs to the last step. */
function expectedPeak(w: ReturnType<typeof walk>): number {
  const start = new Map<number, number>();
  const end = new Map<number, number>();
  const isAct = (i: number) => i >= 0 && !w.tensors[i]!.isConst && !w.tensors[i]!.isVariable;
  for (const i of w.inputs) if (isAct(i)) { start.set(i, 0); end.set(i, 0); }
  w.ops.forEach((op, s) => {
    for (const i of op.inputs) if (isAct(i)) end.set(i, Math.max(end.get(i) ?? s, s));
    for (const o of op.outputs) if (isAct(o) && !start.has(o)) { start.set(o, s); end.set(o, s); }
  });
  for (const o of w.outputs) if (start.has(o)) end.set(o, w.ops.length - 1);
  let peak = 0;
  for (let s = 0; s < w.ops.length; s++) {
    let live = 0;
    for (const [i, a] of start) if (a <= s && s <= end.get(i)!) live += w.tensors[i]!.bytes;
    peak = Math.max(peak, live);
  }
  return peak;
}

describe('shared .tflite models import', () => {
  const models = sharedModels();
  it('finds the shared models (6 top-level, 16 seanet)', () => {
    expect(models.length).toBe(22);
  });
  it.each(models)('%s', (file) => {
    const bytes = readFileSync(path.join(TFLITE_DIR, file));
    const graph = importTflite(bytes, { fileName: path.basename(file) });
    const w = walk(bytes);
    const used = new Set<number>([...w.inputs, ...w.outputs, ...w.ops.flatMap((o) => [...o.inputs, ...o.outputs])].filter((i) => i >= 0));
    const usedTensors = [...used].map((i) => w.tensors[i]!);
    const acts = usedTensors.filter((t) => !t.isConst && !t.isVariable);
    const consts = usedTensors.filter((t) => t.isConst);
    const vars = usedTensors.filter((t) => t.isVariable);
    expect(graph.tensors.size).toBe(acts.length);
    expect(graph.weights.size).toBe(consts.length);
    expect(graph.states?.size ?? 0).toBe(vars.length);
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    expect(sorted([...graph.tensors.values()].map((t) => t.sizeBytes))).toEqual(sorted(acts.map((t) => t.bytes)));
    expect(graph.weightBytes).toBe(consts.reduce((a, t) => a + t.bytes, 0));
    expect(stateBytesOf(graph)).toBe(vars.reduce((a, t) => a + t.bytes, 0));
    expect(graph.nodes.length).toBe(w.ops.length);
    expect(graphLiveness(graph).peakLiveBytes).toBe(expectedPeak(w));
  });
  it('MobileNetV2-224 int8: the README baseline peak, 2451840 bytes', () => {
    const graph = importTflite(readFileSync(path.join(TFLITE_DIR, 'mobilenet_v2_quantized_1x3x224x224.tflite')), { fileName: 'm.tflite' });
    expect(graphLiveness(graph).peakLiveBytes).toBe(2451840);
  });
  it('carries quantization: person_detect has per-channel int8 filters and int8 activations', () => {
    const graph = importTflite(readFileSync(path.join(TFLITE_DIR, 'person_detect.tflite')), { fileName: 'p.tflite' });
    const conv = graph.nodes.find((n) => n.opType === 'CONV_2D')!;
    const filter = graph.weights.get(conv.inputs[1]!)!;
    expect(filter.dtype).toBe('int8');
    expect(filter.quantization?.axis).toBe(0);
    expect(filter.quantization?.scales.length).toBe(filter.shape[0]);
    const input = graph.tensors.get(graph.inputs[0]!)!;
    expect(input.dtype).toBe('int8');
    expect(input.shape).toEqual([1, 96, 96, 1]);
    expect(input.quantization?.scales.length).toBe(1);
    expect(conv.domain).toBe('tflite');
    expect(conv.attributes.get('fused_activation')).toEqual({ type: 'string', value: 'RELU6' });
  });
  it('keyword_scrambled: SVDF state is state, not activations', () => {
    const graph = importTflite(readFileSync(path.join(TFLITE_DIR, 'keyword_scrambled.tflite')), { fileName: 'k.tflite' });
    expect(graph.states?.size).toBeGreaterThan(0);
    for (const s of graph.states!.keys()) expect(graph.tensors.has(s)).toBe(false);
  });
});
