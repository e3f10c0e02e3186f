/**
 * Every torchvision model of ../shared/models/torchvision in QDQ form (fixtures/quantize-qdq.ts), with
 * uint8 and with int8 activations: planned by memplan at integer sizes (the peak below the float
 * model's) and run through the generated C (gcc) against onnxruntime-web within 1 LSB of the output's
 * quantization. Prints one line per model: max LSB difference, float and QDQ peakLiveBytes and
 * optimizedPeakBytes.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { sharedFiles } from '../helpers/shared-data.js';
import { analyzeBytes, runQdqModel } from './qdq-helpers.js';

const MODELS = sharedFiles('models/torchvision', '.onnx');
const tmp = makeTempDir('memplan-emit-qdq-slow-');
afterAll(() => removeDir(tmp));

describe('QDQ torchvision models through generated C against onnxruntime-web', () => {
  it('finds the torchvision models', () => {
    expect(MODELS.length).toBeGreaterThanOrEqual(6);
  });
  for (const file of MODELS) {
    const model = path.basename(file, '.onnx');
    for (const activations of ['uint8', 'int8'] as const) {
      it(`${model} ${activations} activations`, async () => {
        const r = await runQdqModel(file, path.join(tmp, `${model}-${activations}`), { activations });
        const float = await analyzeBytes(new Uint8Array(readFileSync(file)), `${model}.onnx`);
        process.stdout.write(`${model} ${activations}: max ${r.lsb.join(', ')} LSB; peakLiveBytes float ${float.report.peakLiveBytes}, QDQ ${r.analysis.report.peakLiveBytes}; optimizedPeakBytes float ${float.report.optimizedPeakBytes}, QDQ ${r.analysis.report.optimizedPeakBytes}\n`);
        for (const d of r.lsb) expect(d).toBeLessThanOrEqual(1);
        expect(r.analysis.report.peakLiveBytes).toBeLessThan(float.report.peakLiveBytes);
      }, 1_800_000);
    }
  }
});
