/** Imports a model file of either format, recognised by content: TFLite has `TFL3` at byte 4. */
import type { Graph } from '../ir/graph.js';
import type { ImportOptions } from './import-onnx.js';
import { importOnnx } from './import-onnx.js';
import { isTflite } from './tflite/decode-tflite.js';
import { importTflite } from './tflite/import-tflite.js';

export function importModelFile(bytes: Uint8Array, options: ImportOptions): Graph {
  return isTflite(bytes) ? importTflite(bytes, { fileName: options.fileName }) : importOnnx(bytes, options);
}
