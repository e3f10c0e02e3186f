/**
 * Whole-tensor operators (Pad, Slice, Gather, Tile, Resize, Concat with a constant, Expand, Transpose,
 * MatMul of two activations, Softmax, ReduceMean) in one small model written with the fixture ONNX
 * writer, through generated C against onnxruntime-web.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, attr, tensor } from '../../fixtures/onnx-writer.js';
import { analyzeModel } from '../../src/pipeline.js';
import { DEFAULT_TARGET, applyOverrides } from '../../src/schedule/target.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { buildAndRun, compare, ortRun, seededFloats } from '../helpers/ort-reference.js';

const tmp = makeTempDir('memplan-emit-ops-');
afterAll(() => removeDir(tmp));

function model(): Uint8Array {
  const g = new OnnxGraphBuilder('ops');
  g.input('x', 'float32', [1, 4, 6, 8]);
  g.initializer('pads', tensor.int64([8], [0, 0, 1, 2, 0, 0, 2, 1]));
  g.node('Pad', ['x', 'pads'], ['p'], { attributes: { mode: attr.string('reflect') } }); // 1x4x9x11
  g.initializer('st', tensor.int64([2], [7, 1]));
  g.initializer('en', tensor.int64([2], [0, 11]));
  g.initializer('ax', tensor.int64([2], [2, 3]));
  g.initializer('sp', tensor.int64([2], [-2, 3]));
  g.node('Slice', ['p', 'st', 'en', 'ax', 'sp'], ['s']); // rows 7,5,3,1 cols 1,4,7,10 -> 1x4x4x4
  g.initializer('idx', tensor.int64([3], [3, 0, -2]));
  g.node('Gather', ['s', 'idx'], ['gt'], { attributes: { axis: attr.int(1) } }); // 1x3x4x4
  g.initializer('rep', tensor.int64([4], [1, 2, 1, 1]));
  g.node('Tile', ['gt', 'rep'], ['t']); // 1x6x4x4
  g.initializer('roi', tensor.float32([0], []));
  g.initializer('scales', tensor.float32([4], [1, 1, 2, 1.5]));
  g.node('Resize', ['t', 'roi', 'scales'], ['r'], { attributes: { mode: attr.string('linear') } }); // 1x6x8x6
  g.initializer('cst', tensor.float32([1, 2, 8, 6], Array.from({ length: 96 }, (_, i) => Math.sin(i))));
  g.node('Concat', ['r', 'cst'], ['c'], { attributes: { axis: attr.int(1) } }); // 1x8x8x6
  g.node('Transpose', ['c'], ['tr'], { attributes: { perm: attr.ints([0, 2, 3, 1]) } }); // 1x8x6x8
  g.node('MatMul', ['tr', 'c'], ['mm']); // [1,8,6,8] x [1,8,8,6] -> 1x8x6x6
  g.node('Softmax', ['mm'], ['sm'], { attributes: { axis: attr.int(-1) } });
  g.node('ReduceMean', ['sm'], ['rm'], { attributes: { axes: attr.ints([1]), keepdims: attr.int(1) } }); // 1x1x6x6
  g.initializer('shape', tensor.int64([4], [1, 3, 6, 6]));
  g.node('Expand', ['rm', 'shape'], ['y']);
  g.output('y', 'float32', [1, 3, 6, 6]);
  return g.encode({ opset: 13 });
}

describe('whole-tensor operators through generated C', () => {
  for (const [label, sram, cores] of [['256K', 256 * 1024, 1], ['4K 2 cores', 4 * 1024, 2]] as const) {
    it(label, async () => {
      const bytes = model();
      const a = await analyzeModel(bytes, { modelName: 'ops.onnx', target: applyOverrides(DEFAULT_TARGET, { sramBytes: sram, cores }) });
      const x = seededFloats(192, 3);
      const [ref] = await ortRun(bytes, [{ name: 'x', shape: [1, 4, 6, 8], data: x }], ['y']);
      const dir = join(tmp, label.replace(/\W+/g, '_'));
      expect(a.graph.tensors.get(a.graph.outputs[0]!)!.elementCount).toBe(108);
      // buildAndRun: generate, make model_host_poison (reusing cached runtime objects), run.
      const [got] = buildAndRun(a, dir, { label, poison: true }, [x]);
      expect(compare(got!, ref!).worst).toBe('');
    }, 60_000);
  }
});

/** Every inverse trigonometric and hyperbolic op on a 1x4x16x16 input (x in [-1, 1], halved where the domain needs it). */
function trigModel(): Uint8Array {
  const g = new OnnxGraphBuilder('trig');
  g.input('x', 'float32', [1, 4, 16, 16]);
  g.initializer('half', tensor.float32([], [0.5]));
  g.node('Mul', ['x', 'half'], ['h']);
  const outs: string[] = [];
  for (const [op, from] of [['Tan', 'x'], ['Atan', 'x'], ['Sinh', 'x'], ['Asinh', 'x'], ['Asin', 'h'], ['Acos', 'h'], ['Atanh', 'h'], ['Cosh', 'x']] as const) {
    g.node(op, [from], [op.toLowerCase()]);
    outs.push(op.toLowerCase());
  }
  g.node('Acosh', ['cosh'], ['acosh']);
  g.node('Sum', [...outs.filter((o) => o !== 'cosh'), 'acosh'], ['y']);
  g.output('y', 'float32', [1, 4, 16, 16]);
  return g.encode({ opset: 13 });
}

describe('trigonometric and hyperbolic operators tiled element-wise through generated C', () => {
  it('4K SRAM, 2 cores: row tiles of every op, as onnxruntime computes them', async () => {
    const bytes = trigModel();
    // Layer by layer: the element-wise template of each op is what is checked (with depth-first on, the
    // chain of element-wise layers may run as one segment instead).
    const a = await analyzeModel(bytes, { modelName: 'trig.onnx', target: applyOverrides(DEFAULT_TARGET, { sramBytes: 4 * 1024, cores: 2 }), depthFirst: false });
    // They used to get the whole-tensor template (one 4 KiB tile in, one out: more than the SRAM).
    const trig = a.schedule.layers.filter((l) => ['Tan', 'Atan', 'Sinh', 'Asinh', 'Asin', 'Acos', 'Atanh', 'Cosh', 'Acosh'].includes(a.graph.nodes[l.step]!.opType));
    expect(trig.length).toBe(9);
    for (const l of trig) expect(l.template, l.name).toBe('elementwise');
    const x = seededFloats(1024, 5);
    const [ref] = await ortRun(bytes, [{ name: 'x', shape: [1, 4, 16, 16], data: x }], ['y']);
    const [got] = buildAndRun(a, join(tmp, 'trig'), { label: 'trig', poison: true }, [x]);
    expect(compare(got!, ref!).worst).toBe('');
  }, 60_000);
});
