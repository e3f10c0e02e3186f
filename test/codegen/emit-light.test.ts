/**
 * The light ONNX Model Zoo networks (weights are ConstantOfShape splats): generated C keeps every
 * constant compact (a value and a count, no expanded arrays) and reproduces the reference outputs
 * for input arange(n)/n.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensorFromProto } from '../../src/frontend/onnx-tensor.js';
import { OnnxProto } from '../../src/frontend/onnx-decode.js';
import { generateC } from '../../src/codegen/generate.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { analyzeModel, toCodegenInput } from '../../src/pipeline.js';
import { DEFAULT_TARGET } from '../../src/schedule/target.js';
import { compare, make, ortRun, runHost, writeGenerated } from '../helpers/ort-reference.js';
import { sharedModel } from '../helpers/shared-data.js';

/**
 * The light models' reference outputs are a softmax over equal logits (every weight of a layer is
 * the same value, so every class scores the same: 0.001 each). To check real numerics too, the
 * input of the last pooling layer (a feature map that varies over space) is made a second graph
 * output and compared with onnxruntime-web.
 */
function withFeatureOutput(bytes: Uint8Array): { bytes: Uint8Array; feature: string } {
  const model = OnnxProto.ModelProto.decode(bytes);
  const nodes = model.graph!.node ?? [];
  const pool = [...nodes].reverse().find((n) => n.opType === 'GlobalAveragePool' || n.opType === 'AveragePool' || n.opType === 'MaxPool');
  const feature = pool!.input![0]!;
  model.graph!.output!.push(OnnxProto.ValueInfoProto.create({ name: feature, type: { tensorType: { elemType: 1 } } }));
  return { bytes: OnnxProto.ModelProto.encode(model).finish(), feature };
}

const tmp = makeTempDir('memplan-emit-light-');
afterAll(() => removeDir(tmp));

export const LIGHT = (process.env.MEMPLAN_LIGHT ?? 'squeezenet,shufflenet,inception_v1,resnet50').split(',');

describe('light models through generated C', () => {
  for (const name of LIGHT) {
    it(name, async () => {
      const file = sharedModel(`light/light_${name}.onnx`);
      const { bytes, feature } = withFeatureOutput(new Uint8Array(readFileSync(file)));
      const a = await analyzeModel(bytes, { modelName: `light_${name}.onnx`, target: DEFAULT_TARGET });
      expect(a.graph.outputs[1]).toBe(feature);
      const gen = generateC(toCodegenInput(a));
      const weights = gen.files.find((f) => f.name === 'model_weights.c')!.text;
      // Compact: constant-filled weights are a value and a count; only the (small) dense ones are arrays.
      const splats = [...a.graph.weights.values()].filter((w) => w.data.kind === 'splat');
      const denseElements = [...a.graph.weights.values()].filter((w) => w.data.kind === 'dense').reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1), 0);
      expect(splats.length).toBeGreaterThan(0);
      expect(weights.length).toBeLessThan(1000 + 24 * denseElements);
      expect(weights.length * 20).toBeLessThan(a.graph.weightBytes);
      expect(gen.files.find((f) => f.name === 'model_weights.h')!.text).toMatch(/_VALUE .*f\n#define mpw_\w+_COUNT \d+L/);
      const dir = join(tmp, name);
      writeGenerated(gen, dir);
      make(dir, ['model_host']);
      expect(statSync(join(dir, 'model_host')).size).toBeLessThan(4_000_000);
      const input = a.graph.tensors.get(a.graph.inputs[0]!)!;
      const x = new Float32Array(input.elementCount);
      for (let i = 0; i < x.length; i++) x[i] = i / x.length;
      const wantT = tensorFromProto(OnnxProto.TensorProto.decode(readFileSync(file.replace(/\.onnx$/, '_output_0.pb'))));
      const want = Float32Array.from((wantT.data as { values: Float32Array }).values);
      const featureSize = a.graph.tensors.get(feature)!.elementCount;
      const got = runHost(join(dir, 'model_host'), dir, [x], [want.length, featureSize]);
      const c = compare(got[0]!, want);
      const [ref] = await ortRun(bytes, [{ name: a.graph.inputs[0]!, shape: input.shape, data: x }], [feature]);
      const f = compare(got[1]!, ref!);
      const distinct = new Set(Array.from(ref!, (v) => v.toPrecision(5))).size;
      console.log(`light ${name}: output max abs ${c.maxAbs.toExponential(2)}; feature map ${feature} (${distinct} distinct values) max abs ${f.maxAbs.toExponential(2)}, max rel ${f.maxRel.toExponential(2)}; model_weights.c ${weights.length} B for ${a.graph.weightBytes} B of weights`);
      expect(c.worst).toBe('');
      expect(f.worst).toBe('');
      expect(distinct).toBeGreaterThan(10);
    }, 600_000);
  }
});
