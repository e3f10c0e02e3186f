import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontend/import-onnx.js';
import { OnnxProto } from '../../src/frontend/onnx-decode.js';
import { failure } from './failure.js';




const FLOAT = 1;
const INT64 = 7;
const BOOL = 9;

type Dim = number | string | null;

function tensorType(elemType: number, dims: readonly Dim[] | null): Record<string, unknown> {
  return {
    tensorType: {
      elemType,
      ...(dims === null
        ? {}
        : { shape: { dim: dims.map((d) => (d === null ? {} : typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } }),
    },
  };
}

function input(name: string, dims: readonly Dim[] | null, elemType = FLOAT): Record<string, unknown> {
  return { name, type: tensorType(elemType, dims) };
}

function int64s(name: string, values: readonly number[], dims: readonly number[] = [values.length]): Record<string, unknown> {
  return { name, dataType: INT64, dims, int64Data: values };
}

function floats(name: string, values: readonly number[], dims: readonly number[] = [values.length]): Record<string, unknown> {
  return { name, dataType: FLOAT, dims, floatData: values };
}

interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  readonly attrs?: readonly Record<string, unknown>[];
}

function node(spec: NodeSpec): Record<string, unknown> {
  return {
    name: spec.name ?? '',
    opType: spec.op,
    domain: spec.domain ?? '',
    input: spec.inputs,
    output: spec.outputs,
    attribute: spec.attrs ?? [],
  };
}

const attr = {
  int: (name: string, i: number) => ({ name, type: 2, i }),
  ints: (name: string, ints: readonly number[]) => ({ name, type: 7, ints }),
  float: (name: string, f: number) => ({ name, type: 1, f }),
  floats: (name: string, floats: readonly number[]) => ({ name, type: 6, floats }),
  tensor: (name: string, t: Record<string, unknown>) => ({ name, type: 4, t }),
  graph: (name: string, g: Record<string, unknown>) => ({ name, type: 5, g }),
};

interface ModelSpec {
  readonly nodes: readonly NodeSpec[];
  readonly inputs: readonly Record<string, unknown>[];
  readonly outputs: readonly string[];
  readonly initializers?: readonly Record<string, unknown>[];
  readonly valueInfo?: readonly Record<string, unknown>[];
  readonly opset?: number;
  readonly irVersion?: number;
}

function buildModel(spec: ModelSpec): Uint8Array {
  const model = OnnxProto.ModelProto.create({
    irVersion: spec.irVersion ?? 8,
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes.map(node),
      input: spec.inputs,
      output: spec.outputs.map((name) => ({ name })),
      initializer: spec.initializers ?? [],
      valueInfo: spec.valueInfo ?? [],
    },
  } as never);
  return OnnxProto.ModelProto.encode(model).finish();
}

const file = { fileName: 't.onnx' };
const imp = (spec: ModelSpec, inputShapes?: Record<string, number[]>) =>
  importOnnx(buildModel(spec), { ...file, ...(inputShapes ? { inputShapes: new Map(Object.entries(inputShapes)) } : {}) });

describe('importOnnx: basics', () => {
  it('imports a tiny model with kinds, steps and weights', () => {
    const g = imp({
      inputs: [input('x', [1, 4])],
      initializers: [floats('w', [1, 2, 3, 4, 5, 6, 7, 8], [4, 2]), floats('b', [0.5, 0.25])],
      nodes: [
        { op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'], name: 'mm' },
        { op: 'Add', inputs: ['h', 'b'], outputs: ['a'] },
        { op: 'Relu', inputs: ['a'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    expect(g.opsetVersion).toBe(13);
    expect(g.irVersion).toBe(8);
    expect(g.inputs).toEqual(['x']);
    expect(g.outputs).toEqual(['y']);
    expect(g.nodes.map((n) => [n.name, n.opType, n.step])).toEqual([['mm', 'MatMul', 0], ['Add_1', 'Add', 1], ['Relu_2', 'Relu', 2]]);
    expect([...g.tensors.values()].map((t) => [t.name, t.kind, t.shape, t.sizeBytes])).toEqual([
      ['x', 'input', [1, 4], 16],
      ['h', 'activation', [1, 2], 8],
      ['a', 'activation', [1, 2], 8],
      ['y', 'output', [1, 2], 8],
    ]);
    expect([...g.weights.keys()]).toEqual(['w', 'b']);
    expect(g.weightBytes).toBe(40);
  });

  it('deduplicates node names', () => {
    const g = imp({
      inputs: [input('x', [2])],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'n' },
        { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'n' },
        { op: 'Relu', inputs: ['b'], outputs: ['c'], name: 'n_2' },
        { op: 'Relu', inputs: ['c'], outputs: ['d'] },
      ],
      outputs: ['d'],
    });
    expect(g.nodes.map((n) => n.name)).toEqual(['n', 'n_3', 'n_2', 'Relu_3']);
    expect(new Set(g.nodes.map((n) => n.name)).size).toBe(4);
  });

  it('keeps a valid model order and repairs an invalid one stably', () => {
    const nodes: NodeSpec[] = [
      { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'A' },
      { op: 'Sigmoid', inputs: ['x'], outputs: ['b'], name: 'B' },
      { op: 'Add', inputs: ['a', 'b'], outputs: ['c'], name: 'C' },
    ];
    const valid = imp({ inputs: [input('x', [3])], nodes, outputs: ['c'] });
    expect(valid.nodes.map((n) => n.name)).toEqual(['A', 'B', 'C']);
    const shuffled = imp({ inputs: [input('x', [3])], nodes: [nodes[2]!, nodes[1]!, nodes[0]!], outputs: ['c'] });
    expect(shuffled.nodes.map((n) => n.name)).toEqual(['B', 'A', 'C']);
    expect(shuffled.nodes.map((n) => n.step)).toEqual([0, 1, 2]);
  });

  it('treats an omitted optional input as undefined', () => {
    const g = imp({
      inputs: [input('x', [2, 3])],
      initializers: [floats('hi', [6], [])],
      nodes: [{ op: 'Clip', inputs: ['x', '', 'hi'], outputs: ['y'] }],
      outputs: ['y'],
    });
    expect(g.nodes[0]?.inputs).toEqual(['x', '', 'hi']);
    expect(g.tensors.get('y')?.shape).toEqual([2, 3]);
    expect([...g.weights.keys()]).toEqual(['hi']);
  });

  it('counts unused node outputs (a Dropout mask) as activations', () => {
    const g = imp({
      opset: 9,
      inputs: [input('x', [1, 8])],
      nodes: [{ op: 'Dropout', inputs: ['x'], outputs: ['y', 'mask'] }],
      outputs: ['y'],
    });
    expect(g.tensors.get('mask')?.kind).toBe('activation');
    expect(g.tensors.get('y')?.kind).toBe('output');
  });

  it('rejects an op memplan cannot size, naming node, op and domain', () => {
    const f = failure(() => imp({ inputs: [input('x', [2])], nodes: [{ op: 'NoSuchOp', inputs: ['x'], outputs: ['y'], name: 'weird' }], outputs: ['y'] }));
    expect(f.code).toBe('MP301');
    expect(f.message).toContain("node 'weird'");
    expect(f.message).toContain('NoSuchOp');
    expect(f.message).toContain('ai.onnx');
    expect(f.message).toContain('file t.onnx');
  });

  it('rejects a node with more outputs than its op produces', () => {
    const f = failure(() => imp({ inputs: [input('x', [2])], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y', 'z'], name: 'two' }], outputs: ['y'] }));
    expect(f.code).toBe('MP207');
    expect(f.message).toContain("node 'two' declares 2 outputs but Relu produces 1");
    const g = failure(() => imp({
      inputs: [input('x', [2])],
      nodes: [{ op: 'Shape', inputs: ['x'], outputs: ['s', 't'], name: 'shape2' }, { op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      outputs: ['y'],
    }));
    expect(g.code).toBe('MP207');
    expect(g.message).toContain("node 'shape2' declares 2 outputs but Shape produces 1");
  });

  it('adds the file to shape-function errors', () => {
    const f = failure(() => imp({
      inputs: [input('x', [2, 3]), input('z', [4, 5])],
      nodes: [{ op: 'Add', inputs: ['x', 'z'], outputs: ['y'], name: 'bad_add' }],
      outputs: ['y'],
    }));
    expect(f.code).toBe('MP303');
    expect(f.message).toContain('file t.onnx');
    expect(f.message).toContain("node 'bad_add'");
  });
});

describe('importOnnx: constant folding', () => {
  // PyTorch's flatten: Shape -> Gather(0) -> Unsqueeze -> Concat([n, -1]) -> Reshape.
  const chain: ModelSpec = {
    inputs: [input('x', [2, 3, 4, 4])],
    initializers: [int64s('zero', [0], []), int64s('minus1', [-1]), int64s('axes0', [0])],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu' },
      { op: 'Shape', inputs: ['r'], outputs: ['s'], name: 'shape' },
      { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], name: 'gather', attrs: [attr.int('axis', 0)] },
      { op: 'Unsqueeze', inputs: ['n', 'axes0'], outputs: ['n1'], name: 'unsq' },
      { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['target'], name: 'concat', attrs: [attr.int('axis', 0)] },
      { op: 'Reshape', inputs: ['r', 'target'], outputs: ['y'], name: 'reshape' },
    ],
    outputs: ['y'],
  };

  it('folds a PyTorch-style Shape/Gather/Unsqueeze/Concat/Reshape chain', () => {
    const g = imp(chain);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu', 'Reshape']);
    expect(g.tensors.get('y')?.shape).toEqual([2, 48]);
    expect([...g.tensors.keys()]).toEqual(['x', 'r', 'y']);
    const target = g.weights.get('target');
    expect(target?.dtype).toBe('int64');
    expect(target?.data).toEqual({ kind: 'dense', values: new BigInt64Array([2n, -1n]) });
    expect([...g.weights.keys()]).toEqual(['target']);
    expect(g.weightBytes).toBe(16);
  });

  it('same chain at opset 11 with Unsqueeze axes as an attribute', () => {
    const spec: ModelSpec = {
      ...chain,
      opset: 11,
      nodes: chain.nodes.map((n) => (n.op === 'Unsqueeze' ? { ...n, inputs: ['n'], attrs: [attr.ints('axes', [0])] } : n)),
    };
    const g = imp(spec);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu', 'Reshape']);
    expect(g.tensors.get('y')?.shape).toEqual([2, 48]);
  });

  it('keeps ConstantOfShape weights as splats, also through Unsqueeze and Cast', () => {
    const big = [4096, 4096, 3, 3]; // 151 M elements: must never be expanded
    const g = imp({
      inputs: [input('x', [1, 4096, 8, 8])],
      initializers: [int64s('wshape', big), int64s('bshape', [4096]), int64s('ax', [1, 2])],
      nodes: [
        { op: 'ConstantOfShape', inputs: ['wshape'], outputs: ['w'], attrs: [attr.tensor('value', floats('', [0.5], [1]))] },
        { op: 'ConstantOfShape', inputs: ['bshape'], outputs: ['b0'], attrs: [attr.tensor('value', floats('', [1], [1]))] },
        { op: 'Cast', inputs: ['b0'], outputs: ['b1'], attrs: [attr.int('to', 1)] },
        { op: 'Unsqueeze', inputs: ['b1', 'ax'], outputs: ['b'] },
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: [attr.ints('pads', [1, 1, 1, 1])] },
        { op: 'Add', inputs: ['c', 'b'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    expect(g.nodes.map((n) => n.opType)).toEqual(['Conv', 'Add']);
    expect(g.weights.get('w')).toEqual({ dtype: 'float32', shape: big, data: { kind: 'splat', value: 0.5 } });
    expect(g.weights.get('b')).toEqual({ dtype: 'float32', shape: [4096, 1, 1], data: { kind: 'splat', value: 1 } });
    expect(g.weightBytes).toBe(4096 * 4096 * 9 * 4 + 4096 * 4);
    expect(g.tensors.get('y')?.shape).toEqual([1, 4096, 8, 8]);
  });

  it('folds Constant nodes of every attribute form', () => {
    const g = imp({
      inputs: [input('x', [1, 3])],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['f'], attrs: [attr.float('value_float', 2)] },
        { op: 'Constant', inputs: [], outputs: ['fs'], attrs: [attr.floats('value_floats', [1, 2, 3])] },
        { op: 'Constant', inputs: [], outputs: ['t'], attrs: [attr.tensor('value', floats('', [1, 1, 1], [1, 3]))] },
        { op: 'Mul', inputs: ['fs', 'f'], outputs: ['fs2'] },
        { op: 'Add', inputs: ['fs2', 't'], outputs: ['k'] },
        { op: 'Mul', inputs: ['x', 'k'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    expect(g.nodes.map((n) => n.opType)).toEqual(['Mul']);
    expect(g.weights.get('k')?.data).toEqual({ kind: 'dense', values: new Float32Array([3, 5, 7]) });
    expect(g.weights.get('k')?.shape).toEqual([1, 3]);
  });

  it('folds DequantizeLinear of an int8 weight (QDQ models) into a float weight', () => {
    const g = imp({
      inputs: [input('x', [1, 2, 4, 4])],
      initializers: [
        { name: 'wq', dataType: 3, dims: [2, 2, 1, 1], int32Data: [1, -2, 3, -4] },
        floats('ws', [0.5, 0.25]),
      ],
      nodes: [
        { op: 'DequantizeLinear', inputs: ['wq', 'ws'], outputs: ['w'], attrs: [attr.int('axis', 0)] },
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    expect(g.nodes.map((n) => n.opType)).toEqual(['Conv']);
    expect(g.weights.get('w')?.data).toEqual({ kind: 'dense', values: new Float32Array([0.5, -1, 0.75, -1]) });
    expect([...g.tensors.keys()]).toEqual(['x', 'y']);
  });

  it('keeps an all-constant node without a kernel as a runtime node', () => {
    const g = imp({
      inputs: [input('x', [3])],
      initializers: [floats('c', [1, 2, 3])],
      nodes: [
        { op: 'Sigmoid', inputs: ['c'], outputs: ['s'] },
        { op: 'Add', inputs: ['x', 's'], outputs: ['y'] },
      ],
      outputs: ['y'],
    });
    expect(g.nodes.map((n) => n.opType)).toEqual(['Sigmoid', 'Add']);
    expect(g.tensors.get('s')?.kind).toBe('activation');
    expect([...g.weights.keys()]).toEqual(['c']);
  });

  it('reports a constant graph output as a weight', () => {
    const g = imp({
      inputs: [input('x', [3])],
      initializers: [int64s('a', [1, 2])],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['y'] },
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      ],
      outputs: ['y', 's'],
    });
    expect(g.outputs).toEqual(['y', 's']);
    expect(g.nodes.length).toBe(1);
    expect(g.tensors.has('s')).toBe(false);
    expect(g.weights.get('s')?.data).toEqual({ kind: 'dense', values: new BigInt64Array([3n]) });
  });

  it('rejects ConstantOfShape sizes past 2^53 bytes', () => {
    const f = failure(() => imp({
      inputs: [input('x', [1])],
      initializers: [int64s('s', [1 << 30, 1 << 30, 1 << 30])],
      nodes: [
        { op: 'ConstantOfShape', inputs: ['s'], outputs: ['w'] },
        { op: 'Add', inputs: ['x', 'w'], outputs: ['y'] },
      ],
      outputs: ['y'],
    }));
    expect(f.code).toBe('MP305');
  });

  it('inlines an If whose condition folds, and rejects one computed at run time', () => {
    const branch = (value: number) => ({
      name: 'b',
      node: [
        node({ op: 'Constant', inputs: [], outputs: [`k${value}`], attrs: [attr.tensor('value', floats('', [value], [1]))] }),
        node({ op: 'Mul', inputs: ['x', `k${value}`], outputs: [`o${value}`] }),
      ],
      output: [{ name: `o${value}` }],
    });
    const spec = (cond: string): ModelSpec => ({
      inputs: [input('x', [4]), input('flag', [], BOOL)],
      initializers: [{ name: 'yes', dataType: BOOL, dims: [], int32Data: [1] }],
      nodes: [
        { op: 'If', inputs: [cond], outputs: ['y'], name: 'iff', attrs: [attr.graph('then_branch', branch(2)), attr.graph('else_branch', branch(3))] },
      ],
      outputs: ['y'],
    });
    const g = imp(spec('yes'));
    expect(g.nodes.map((n) => n.opType)).toEqual(['Mul']);
    expect(g.nodes[0]?.outputs).toEqual(['y']);
    expect(g.weights.get('k2')?.data).toEqual({ kind: 'dense', values: new Float32Array([2]) });
    expect(g.tensors.get('y')?.kind).toBe('output');
    const f = failure(() => imp(spec('flag')));
    expect(f.code).toBe('MP301');
    expect(f.message).toContain("If node 'iff'");
    expect(f.message).toContain('run time');
  });

  it('rejects Loop with MP301', () => {
    const f = failure(() => imp({
      inputs: [input('x', [1])],
      initializers: [int64s('n', [3], []), { name: 'c', dataType: BOOL, dims: [], int32Data: [1] }],
      nodes: [{ op: 'Loop', inputs: ['n', 'c', 'x'], outputs: ['y'], name: 'loop', attrs: [attr.graph('body', { name: 'body' })] }],
      outputs: ['y'],
    }));
    expect(f.code).toBe('MP301');
    expect(f.message).toContain('Loop');
  });
});

describe('importOnnx: symbolic dimensions', () => {
  const spec: ModelSpec = {
    inputs: [input('x', [1, 3, 'height', 'width'])],
    initializers: [floats('w', new Array(3 * 3 * 9).fill(0.1), [3, 3, 3, 3])],
    nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
    outputs: ['y'],
  };

  it('names the input and the dimension', () => {
    const f = failure(() => imp(spec));
    expect(f.code).toBe('MP302');
    expect(f.message).toContain("input 'x' has symbolic dimension 'height' (dim 2)");
    expect(f.message).toContain('--input x=1x3x<height>x<width>');
  });

  it('is fixed by inputShapes', () => {
    const g = imp(spec, { x: [1, 3, 48, 192] });
    expect(g.tensors.get('x')?.shape).toEqual([1, 3, 48, 192]);
    expect(g.tensors.get('y')?.shape).toEqual([1, 3, 46, 190]);
  });

  it('rejects unknown names, rank mismatches and conflicts with fixed dims', () => {
    expect(failure(() => imp(spec, { x: [1, 3, 48, 192], nope: [1] })).code).toBe('MP103');
    expect(failure(() => imp(spec, { x: [1, 3, 48] })).code).toBe('MP103');
    const f = failure(() => imp(spec, { x: [1, 4, 48, 192] }));
    expect(f.code).toBe('MP103');
    expect(f.message).toContain('dimension 1 of 3');
  });

  it('rejects unknown dims and missing shapes', () => {
    expect(failure(() => imp({ ...spec, inputs: [input('x', [1, 3, null, 8])] })).message).toContain('unknown dimension (dim 2)');
    expect(failure(() => imp({ ...spec, inputs: [input('x', null)] })).code).toBe('MP302');
  });

  it('rejects negative dims and sizes past 2^53 bytes', () => {
    const relu = (dims: Dim[]): ModelSpec => ({ inputs: [input('x', dims)], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], outputs: ['y'] });
    expect(failure(() => imp(relu([1, -3]))).code).toBe('MP304');
    expect(failure(() => imp(relu([1 << 20, 1 << 20, 1 << 20]))).code).toBe('MP305');
    // A zero dim on an input means "unknown" (as some exporters write it) and can be fixed by --input.
    expect(failure(() => imp(relu([0, 3]))).message).toContain("input 'x' has a zero-size dimension, which memplan treats as unknown (dim 0)");
    expect(imp(relu([0, 3]), { x: [2, 3] }).tensors.get('y')?.shape).toEqual([2, 3]);
    // Zero-size tensors that a shape function produces (an empty Slice) are legal.
    const empty = imp({
      inputs: [input('x', [4, 3])],
      initializers: [int64s('s', [3]), int64s('e', [1])],
      nodes: [{ op: 'Slice', inputs: ['x', 's', 'e'], outputs: ['y'] }],
      outputs: ['y'],
    });
    expect(empty.tensors.get('y')).toMatchObject({ shape: [0, 3], elementCount: 0, sizeBytes: 0 });
  });
});

describe('importOnnx: malformed graphs', () => {
  it('detects cycles, naming a node in the cycle', () => {
    const f = failure(() => imp({
      inputs: [input('x', [2])],
      nodes: [
        { op: 'Add', inputs: ['x', 'b'], outputs: ['a'], name: 'first' },
        { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'second' },
        { op: 'Relu', inputs: ['a'], outputs: ['y'], name: 'out' },
      ],
      outputs: ['y'],
    }));
    expect(f.code).toBe('MP208');
    expect(f.message).toMatch(/'first'|'second'/);
    expect(f.message).not.toContain("'out'");
  });

  it('detects a self-loop', () => {
    const f = failure(() => imp({ inputs: [input('x', [2])], nodes: [{ op: 'Add', inputs: ['x', 'y'], outputs: ['y'], name: 'self' }], outputs: ['y'] }));
    expect(f.code).toBe('MP208');
    expect(f.message).toContain("'self'");
  });

  it('detects dangling inputs and unproduced outputs', () => {
    const f = failure(() => imp({ inputs: [input('x', [2])], nodes: [{ op: 'Add', inputs: ['x', 'ghost'], outputs: ['y'], name: 'add' }], outputs: ['y'] }));
    expect(f.code).toBe('MP209');
    expect(f.message).toContain("'ghost'");
    expect(f.message).toContain("node 'add'");
    const g = failure(() => imp({ inputs: [input('x', [2])], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], outputs: ['nothing'] }));
    expect(g.code).toBe('MP209');
    expect(g.message).toContain("'nothing'");
  });

  it('rejects tensors produced twice or overwriting an initializer', () => {
    const twice = failure(() => imp({
      inputs: [input('x', [2])],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'a' }, { op: 'Sigmoid', inputs: ['x'], outputs: ['y'], name: 'b' }],
      outputs: ['y'],
    }));
    expect(twice.code).toBe('MP207');
    const over = failure(() => imp({
      inputs: [input('x', [2])],
      initializers: [floats('w', [1, 2])],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['w'], name: 'a' }],
      outputs: ['w'],
    }));
    expect(over.code).toBe('MP207');
  });

  it('checks value_info against inference', () => {
    const spec: ModelSpec = {
      inputs: [input('x', [2, 3])],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['h'] }, { op: 'Relu', inputs: ['h'], outputs: ['y'] }],
      outputs: ['y'],
    };
    expect(imp({ ...spec, valueInfo: [input('h', [2, 'n'])] }).tensors.get('h')?.shape).toEqual([2, 3]);
    expect(failure(() => imp({ ...spec, valueInfo: [input('h', [2, 4])] })).code).toBe('MP303');
  });
});
