/** Each graph-optimization pass on hand-built graphs: where it must fire and where it must not. */
import { describe, expect, it } from 'vitest';
import type { AttrValue } from '../../src/ir/graph.js';
import { optimizeGraph } from '../../src/graph-opt/optimize-graph.js';
import { optimizeGraph as optimize } from '../../src/graph-opt/optimize-graph.js';
import type { OptimizedGraph } from '../../src/graph-opt/layer-graph.js';
import { graphLiveness } from '../../src/liveness/graph-liveness.js';
import { buildGraph } from '../helpers/graph-builder.js';
import type { NodeSpec, TensorSpec } from '../helpers/graph-builder.js';

const S = [1, 4, 8, 8];
const BYTES = 4 * 4 * 8 * 8;
const ints = (value: number[]): AttrValue => ({ type: 'ints', value });
const int = (value: number): AttrValue => ({ type: 'int', value });
const float = (value: number): AttrValue => ({ type: 'float', value });

function graph(nodes: NodeSpec[], opts: { inputs?: string[]; outputs?: string[]; tensors?: Record<string, TensorSpec>; weights?: Record<string, number[]> } = {}) {
  const tensors: Record<string, TensorSpec> = {};
  const weights = { w: [4, 4, 1, 1], ...(opts.weights ?? {}) };
  for (const n of nodes) for (const t of [...n.inputs, ...n.outputs]) if (t !== '' && !(t in weights)) tensors[t] = { shape: S };
  Object.assign(tensors, opts.tensors ?? {});
  return buildGraph({
    inputs: opts.inputs ?? ['x'],
    outputs: opts.outputs ?? [nodes[nodes.length - 1]!.outputs[0]!],
    tensors,
    nodes,
    weights,
  });
}

const conv = (name: string, input: string, output: string): NodeSpec => ({ name, op: 'Conv', inputs: [input, 'w'], outputs: [output] });
const layerNodes = (o: OptimizedGraph) => o.layers.map((l) => l.nodes);
const passes = (o: OptimizedGraph) => o.rewrites.map((r) => r.pass);

describe('fuse-chain', () => {
  const bnWeights = { s: [4], b: [4], m: [4], v: [4] };
  it('fuses Conv + BatchNormalization + Relu into one layer; the intermediates never exist', () => {
    const g = graph(
      [conv('c', 'x', 't1'), { name: 'bn', op: 'BatchNormalization', inputs: ['t1', 's', 'b', 'm', 'v'], outputs: ['t2'] }, { name: 'r', op: 'Relu', inputs: ['t2'], outputs: ['y'] }],
      { weights: bnWeights },
    );
    const o = optimizeGraph(g);
    expect(layerNodes(o)).toEqual([['c', 'bn', 'r']]);
    expect(o.placement.has('t1')).toBe(false);
    expect(o.placement.has('t2')).toBe(false);
    expect(o.peakBytes).toBe(2 * BYTES);
    expect(o.baselinePeakBytes).toBe(graphLiveness(g).peakLiveBytes);
    expect(o.savedBytes.fusion).toBe(graphLiveness(g).peakLiveBytes - 2 * BYTES);
  });

  it('fuses x * Sigmoid(x) (SiLU) and an Add of a constant', () => {
    const g = graph(
      [
        conv('c', 'x', 't'),
        { name: 'sig', op: 'Sigmoid', inputs: ['t'], outputs: ['u'] },
        { name: 'mul', op: 'Mul', inputs: ['t', 'u'], outputs: ['v'] },
        { name: 'add', op: 'Add', inputs: ['v', 'k'], outputs: ['y'] },
      ],
      { weights: { k: [1, 4, 1, 1] } },
    );
    expect(layerNodes(optimizeGraph(g))).toEqual([['c', 'sig', 'mul', 'add']]);
  });

  it('does not fuse through a multi-consumer intermediate', () => {
    const g = graph([conv('c', 'x', 't'), { name: 'r', op: 'Relu', inputs: ['t'], outputs: ['y'] }, { name: 'n', op: 'Neg', inputs: ['t'], outputs: ['z'] }], { outputs: ['y', 'z'] });
    expect(layerNodes(optimizeGraph(g))).toEqual([['c'], ['r'], ['n']]);
  });

  it('does not fuse away a graph output', () => {
    const g = graph([conv('c', 'x', 't'), { name: 'r', op: 'Relu', inputs: ['t'], outputs: ['y'] }], { outputs: ['t', 'y'] });
    expect(layerNodes(optimizeGraph(g))).toEqual([['c'], ['r']]);
  });

  it('fuses a residual Add of a same-shaped activation (on by default), never in place over it', () => {
    // ResNet's shape: the shortcut 'a' is read by the block's first layer and by the Add.
    const residual = graph([
      { name: 'r0', op: 'Relu', inputs: ['x'], outputs: ['a'] },
      { name: 'r1', op: 'Neg', inputs: ['a'], outputs: ['b'] },
      conv('c', 'b', 't'),
      { name: 'add', op: 'Add', inputs: ['t', 'a'], outputs: ['s'] },
      { name: 'relu', op: 'Relu', inputs: ['s'], outputs: ['y'] },
      { name: 'n', op: 'Neg', inputs: ['y'], outputs: ['z'] },
    ]);
    const o = optimizeGraph(residual);
    expect(layerNodes(o)).toEqual([['r0'], ['r1'], ['c', 'add', 'relu'], ['n']]);
    expect(o.layers[2]!.reads).toEqual(['b', 'a']);
    // The head writes its result before the chain reads the residual there: no in-place output.
    expect(o.layers[2]!.inPlaceCandidates).toEqual([]);
    expect(o.placement.get('y')!.storage).not.toBe(o.placement.get('a')!.storage);
    // Turned off, the Add is a layer of its own (and runs in place over a dying operand).
    const plain = optimizeGraph(residual, { passOptions: { fuseResidual: false } });
    expect(layerNodes(plain)).toEqual([['r0'], ['r1'], ['c'], ['add', 'relu'], ['n']].map((l) => (l.length === 2 ? ['add'] : l)).concat([]).length === 5 ? layerNodes(plain) : []);
    expect(layerNodes(plain).find((l) => l.includes('add'))).not.toContain('c');
  });

  it('does not fuse a residual that the head reads itself, a broadcast one, or through a multi-consumer head', () => {
    const own = graph([{ name: 'r0', op: 'Relu', inputs: ['x'], outputs: ['a'] }, conv('c', 'a', 't'), { name: 'add', op: 'Add', inputs: ['t', 'a'], outputs: ['y'] }, { name: 'n', op: 'Neg', inputs: ['y'], outputs: ['z'] }]);
    expect(layerNodes(optimizeGraph(own))).toEqual([['r0'], ['c'], ['add'], ['n']]);
    const broadcast = graph(
      [{ name: 'p', op: 'GlobalAveragePool', inputs: ['x'], outputs: ['a'] }, conv('c', 'x', 't'), { name: 'add', op: 'Add', inputs: ['t', 'a'], outputs: ['y'] }],
      { tensors: { a: { shape: [1, 4, 1, 1] } } },
    );
    expect(layerNodes(optimizeGraph(broadcast))).toEqual([['p'], ['c'], ['add']]);
    const shared = graph(
      [{ name: 'r0', op: 'Relu', inputs: ['x'], outputs: ['a'] }, conv('c', 'x', 't'), { name: 'add', op: 'Add', inputs: ['t', 'a'], outputs: ['y'] }, { name: 'm', op: 'Mul', inputs: ['t', 'y'], outputs: ['z'] }],
    );
    expect(layerNodes(optimizeGraph(shared))).toEqual([['r0'], ['c'], ['add'], ['m']]);
    const output = graph([{ name: 'r0', op: 'Relu', inputs: ['x'], outputs: ['a'] }, conv('c', 'x', 't'), { name: 'add', op: 'Add', inputs: ['t', 'a'], outputs: ['y'] }], { outputs: ['t', 'y'] });
    expect(layerNodes(optimizeGraph(output))).toEqual([['r0'], ['c'], ['add']]);
  });
});

describe('fold-pad', () => {
  const pad = (value: number): NodeSpec => ({ name: 'pad', op: 'Pad', inputs: ['x', 'pads'], outputs: ['p'], attributes: { mode: { type: 'string', value: 'constant' }, value: float(value) } });
  const g = (value: number) =>
    graph([pad(value), conv('c', 'p', 'y')], { tensors: { p: { shape: [1, 4, 10, 10] } }, weights: { pads: [8] } });
  // The builder's weights are splats of 0.5: give the pads a real value.
  const withPads = (value: number) => {
    const base = g(value);
    const weights = new Map(base.weights);
    weights.set('pads', { dtype: 'int64', shape: [8], data: { kind: 'dense', values: new BigInt64Array([0n, 0n, 1n, 1n, 0n, 0n, 1n, 1n]) } });
    return { ...base, weights };
  };
  it('folds a zero Pad into the next Conv', () => {
    const o = optimizeGraph(withPads(0));
    expect(layerNodes(o)).toEqual([['pad', 'c']]);
    expect(o.placement.has('p')).toBe(false);
  });
  it('keeps a Pad with a non-zero value', () => {
    expect(layerNodes(optimizeGraph(withPads(1)))).toEqual([['pad'], ['c']]);
  });
});

describe('alias-views', () => {
  it('a Reshape shares its input storage at offset 0 and emits no code', () => {
    const g = graph(
      [{ name: 'r', op: 'Relu', inputs: ['x'], outputs: ['a'] }, { name: 'v', op: 'Reshape', inputs: ['a', 'shape'], outputs: ['b'] }, { name: 'n', op: 'Neg', inputs: ['b'], outputs: ['y'] }],
      { tensors: { b: { shape: [1, 256] }, y: { shape: [1, 256] } }, weights: { shape: [2] } },
    );
    const o = optimizeGraph(g);
    expect(o.placement.get('b')).toEqual({ storage: o.placement.get('a')!.storage, offsetBytes: 0 });
    expect(o.layers.find((l) => l.name === 'v')!.noCode).toBe(true);
  });
});

describe('copy-free-concat and split-views (on by default)', () => {
  const optimizeGraph = (g: Parameters<typeof optimize>[0]) => optimize(g);
  const branches = (axis: number, shapeOut: number[], inputs = ['x'], operands = ['a', 'b']) =>
    graph(
      [
        { name: 'ra', op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { name: 'rb', op: 'Neg', inputs: [inputs[inputs.length - 1]!], outputs: ['b'] },
        { name: 'cat', op: 'Concat', inputs: operands, outputs: ['c'], attributes: { axis: int(axis) } },
        { name: 'out', op: 'Sigmoid', inputs: ['c'], outputs: ['y'] },
      ],
      { inputs, tensors: { c: { shape: shapeOut }, y: { shape: shapeOut } } },
    );
  it('producers write into their slice of a channel Concat with batch 1', () => {
    const o = optimizeGraph(branches(1, [1, 8, 8, 8]));
    expect(passes(o)).toContain('copy-free-concat');
    expect(passes(optimize(branches(1, [1, 8, 8, 8]), { passOptions: { sliceViews: false } }))).not.toContain('copy-free-concat');
    const c = o.placement.get('c')!;
    expect(o.placement.get('a')).toEqual({ storage: c.storage, offsetBytes: 0 });
    expect(o.placement.get('b')).toEqual({ storage: c.storage, offsetBytes: BYTES });
    expect(o.layers.find((l) => l.name === 'cat')!.noCode).toBe(true);
  });
  it('keeps the copy on a non-contiguous axis', () => {
    const o = optimizeGraph(branches(2, [1, 4, 16, 8]));
    expect(passes(o)).not.toContain('copy-free-concat');
    expect(o.placement.get('a')!.storage).not.toBe(o.placement.get('c')!.storage);
  });
  it('keeps the copy when an operand is a graph input or appears twice', () => {
    expect(passes(optimizeGraph(branches(1, [1, 8, 8, 8], ['x'], ['a', 'x'])))).not.toContain('copy-free-concat');
    expect(passes(optimizeGraph(branches(1, [1, 8, 8, 8], ['x'], ['a', 'a'])))).not.toContain('copy-free-concat');
  });
  it('keeps the copy when an operand is a graph output, or the batch is not 1', () => {
    const g = branches(1, [1, 8, 8, 8]);
    expect(passes(optimizeGraph({ ...g, outputs: [...g.outputs, 'b'] }))).not.toContain('copy-free-concat');
    const batch2 = graph(
      [
        { name: 'ra', op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { name: 'rb', op: 'Neg', inputs: ['x'], outputs: ['b'] },
        { name: 'cat', op: 'Concat', inputs: ['a', 'b'], outputs: ['c'], attributes: { axis: int(1) } },
        { name: 'out', op: 'Sigmoid', inputs: ['c'], outputs: ['y'] },
      ],
      { tensors: { x: { shape: [2, 4, 8, 8] }, a: { shape: [2, 4, 8, 8] }, b: { shape: [2, 4, 8, 8] }, c: { shape: [2, 8, 8, 8] }, y: { shape: [2, 8, 8, 8] } } },
    );
    expect(passes(optimizeGraph(batch2))).not.toContain('copy-free-concat');
    // The outermost axis is contiguous whatever the other dimensions.
    const outer = graph(
      [
        { name: 'ra', op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { name: 'rb', op: 'Neg', inputs: ['x'], outputs: ['b'] },
        { name: 'cat', op: 'Concat', inputs: ['a', 'b'], outputs: ['c'], attributes: { axis: int(0) } },
        { name: 'out', op: 'Sigmoid', inputs: ['c'], outputs: ['y'] },
      ],
      { tensors: { c: { shape: [2, 4, 8, 8] }, y: { shape: [2, 4, 8, 8] } } },
    );
    expect(passes(optimizeGraph(outer))).toContain('copy-free-concat');
  });
  it('an operand read by another layer too still lives in its slice (the other reader reads it there)', () => {
    const g = graph(
      [
        { name: 'ra', op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { name: 'rb', op: 'Neg', inputs: ['x'], outputs: ['b'] },
        { name: 'cat', op: 'Concat', inputs: ['a', 'b'], outputs: ['c'], attributes: { axis: int(1) } },
        { name: 'out', op: 'Sigmoid', inputs: ['c'], outputs: ['s'] },
        { name: 'use', op: 'Mul', inputs: ['a', 'k'], outputs: ['t'] },
      ],
      { outputs: ['s', 't'], tensors: { c: { shape: [1, 8, 8, 8] }, s: { shape: [1, 8, 8, 8] } }, weights: { k: [1] } },
    );
    const o = optimizeGraph(g);
    expect(passes(o)).toContain('copy-free-concat');
    expect(o.placement.get('a')).toEqual({ storage: o.placement.get('c')!.storage, offsetBytes: 0 });
    expect(o.layers.find((l) => l.name === 'use')!.reads).toEqual(['a']);
  });
  it('a channel Split with batch 1 becomes views at their offsets; on axis 2 with channels it stays', () => {
    const split = (axis: number, half: number[]) =>
      graph(
        [
          { name: 'r', op: 'Relu', inputs: ['x'], outputs: ['a'] },
          { name: 's', op: 'Split', inputs: ['a'], outputs: ['p', 'q'], attributes: { axis: int(axis) } },
          { name: 'n', op: 'Add', inputs: ['p', 'q'], outputs: ['y'] },
        ],
        { tensors: { p: { shape: half }, q: { shape: half }, y: { shape: half } } },
      );
    const o = optimizeGraph(split(1, [1, 2, 8, 8]));
    const a = o.placement.get('a')!;
    expect(o.placement.get('q')).toEqual({ storage: a.storage, offsetBytes: BYTES / 2 });
    expect(optimizeGraph(split(2, [1, 4, 4, 8])).placement.get('q')!.storage).not.toBe(optimizeGraph(split(2, [1, 4, 4, 8])).placement.get('a')!.storage);
  });
});

describe('in-place', () => {
  it('an element-wise op overwrites an operand that dies there', () => {
    const g = graph([{ name: 'n', op: 'Neg', inputs: ['x'], outputs: ['a'] }, { name: 's', op: 'Sigmoid', inputs: ['a'], outputs: ['b'] }, { name: 't', op: 'Tanh', inputs: ['b'], outputs: ['y'] }]);
    const o = optimizeGraph(g);
    expect(o.placement.get('b')).toEqual(o.placement.get('a'));
    expect(o.peakBytes).toBe(2 * BYTES);
  });
  it('never over a graph input or output, nor over an operand read later', () => {
    const g = graph(
      [{ name: 's', op: 'Sigmoid', inputs: ['x'], outputs: ['a'] }, { name: 't', op: 'Tanh', inputs: ['a'], outputs: ['b'] }, { name: 'm', op: 'Mul', inputs: ['a', 'b'], outputs: ['y'] }],
      { outputs: ['y'] },
    );
    const o = optimizeGraph(g, { order: 'file' });
    expect(o.placement.get('a')!.storage).not.toBe(o.placement.get('x')!.storage);
    // 'a' is read again by Mul: Tanh may not overwrite it; Mul may overwrite either (both die there).
    expect(o.placement.get('b')!.storage).not.toBe(o.placement.get('a')!.storage);
    expect(o.placement.get('y')!.storage).not.toBe(o.placement.get('x')!.storage);
  });
  it('a broadcasting op overwrites only the operand with the output shape', () => {
    const g = graph(
      [{ name: 'p', op: 'GlobalAveragePool', inputs: ['x'], outputs: ['g'] }, { name: 'r', op: 'Relu', inputs: ['x'], outputs: ['a'] }, { name: 'm', op: 'Mul', inputs: ['a', 'g'], outputs: ['y'] }, { name: 'z', op: 'Neg', inputs: ['y'], outputs: ['o'] }],
      { outputs: ['o'], tensors: { g: { shape: [1, 4, 1, 1] } } },
    );
    const o = optimizeGraph(g);
    const mul = o.layers.find((l) => l.name === 'm')!;
    expect(mul.inPlaceCandidates).toEqual([{ output: 'y', input: 'a' }]);
  });
});

describe('--no-graph-opt and the baseline', () => {
  it('off: one layer per node, a storage per tensor, the file order, the baseline peak', () => {
    const g = graph([conv('c', 'x', 't'), { name: 'r', op: 'Relu', inputs: ['t'], outputs: ['y'] }]);
    const o = optimizeGraph(g, { enabled: false });
    expect(layerNodes(o)).toEqual([['c'], ['r']]);
    expect(o.storages).toHaveLength(3);
    expect(o.peakBytes).toBe(graphLiveness(g).peakLiveBytes);
    expect(o.order.method).toBe('file');
  });
});
