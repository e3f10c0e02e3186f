import { describe, expect, it } from 'vitest';
import { graphLiveness, liveAt } from '../../src/liveness/graph-liveness.js';
import { buildGraph } from '../helpers/graph-builder.js';

// x -> A -> a -> B -> b -> D -> y ;  a -> C -> c -> D   (a diamond with a skip)
const diamond = buildGraph({
  inputs: ['x'],
  outputs: ['y'],
  tensors: {
    x: { shape: [1, 4] }, // 16 B
    a: { shape: [1, 8] }, // 32 B
    b: { shape: [1, 2] }, // 8 B
    c: { shape: [1, 16] }, // 64 B
    y: { shape: [1, 1] }, // 4 B
    unused: { shape: [1, 3] }, // 12 B, produced and never read
  },
  nodes: [
    { name: 'A', op: 'Relu', inputs: ['x'], outputs: ['a'] },
    { name: 'B', op: 'Relu', inputs: ['a'], outputs: ['b', 'unused'] },
    { name: 'C', op: 'Relu', inputs: ['a'], outputs: ['c'] },
    { name: 'D', op: 'Add', inputs: ['b', 'c'], outputs: ['y'] },
  ],
});

describe('graph liveness (DESIGN.md convention)', () => {
  const lv = graphLiveness(diamond);
  const byName = new Map(lv.intervals.map((iv) => [iv.tensor, iv]));

  it('gives each tensor the inclusive interval from producer to last reader', () => {
    expect(byName.get('x')).toMatchObject({ startStep: 0, endStep: 0, sizeBytes: 16, kind: 'input' });
    expect(byName.get('a')).toMatchObject({ startStep: 0, endStep: 2, sizeBytes: 32 });
    expect(byName.get('b')).toMatchObject({ startStep: 1, endStep: 3 });
    expect(byName.get('c')).toMatchObject({ startStep: 2, endStep: 3 });
    expect(byName.get('unused')).toMatchObject({ startStep: 1, endStep: 1 });
    expect(byName.get('y')).toMatchObject({ startStep: 3, endStep: 3, kind: 'output' });
  });

  it('sums live bytes per step and finds the peak', () => {
    // step0: x a = 48; step1: a b unused = 52; step2: a b c = 104; step3: b c y = 76
    expect(lv.liveBytesByStep).toEqual([48, 52, 104, 76]);
    expect(lv.peakLiveBytes).toBe(104);
    expect(lv.peakStep).toBe(2);
    expect(liveAt(lv, 2).map((iv) => iv.tensor)).toEqual(['c', 'a', 'b']);
  });

  it('keeps graph inputs live from step 0 and outputs to the last step', () => {
    const g = buildGraph({
      inputs: ['x', 'late'],
      outputs: ['early', 'z'],
      tensors: { x: { shape: [4] }, late: { shape: [2] }, early: { shape: [8] }, z: { shape: [1] } },
      nodes: [
        { name: 'n0', op: 'Relu', inputs: ['x'], outputs: ['early'] },
        { name: 'n1', op: 'Relu', inputs: ['x'], outputs: ['t'] },
        { name: 'n2', op: 'Add', inputs: ['late', 'x'], outputs: ['z'] },
      ],
    });
    const l = graphLiveness(g);
    const m = new Map(l.intervals.map((iv) => [iv.tensor, iv]));
    expect(m.get('late')).toMatchObject({ startStep: 0, endStep: 2 });
    expect(m.get('early')).toMatchObject({ startStep: 0, endStep: 2 });
    expect(m.get('x')).toMatchObject({ startStep: 0, endStep: 2 });
    // 't' has no TensorInfo (e.g. a folded constant): never an activation
    expect(m.has('t')).toBe(false);
  });

  it('re-sizes float activations for --dtype int8 and leaves integer tensors alone', () => {
    const g = buildGraph({
      inputs: ['x'],
      outputs: ['y', 'idx'],
      tensors: { x: { shape: [10] }, y: { shape: [10], dtype: 'float16' }, idx: { shape: [3], dtype: 'int64' } },
      nodes: [{ name: 'n', op: 'TopK', inputs: ['x'], outputs: ['y', 'idx'] }],
    });
    const asIs = graphLiveness(g, 'as-is');
    const int8 = graphLiveness(g, 'int8');
    const f32 = graphLiveness(g, 'float32');
    expect(asIs.peakLiveBytes).toBe(40 + 20 + 24);
    expect(int8.peakLiveBytes).toBe(10 + 10 + 24);
    expect(f32.peakLiveBytes).toBe(40 + 40 + 24);
  });
});
