/**
 * Signal processing (opset 17): HannWindow, HammingWindow, BlackmanWindow, DFT, STFT, MelWeightMatrix.
 * Their sizes come from constant scalar inputs.
 */
import { Codes } from '../../diagnostics/codes.js';
import type { DType } from '../../ir/graph.js';
import { dtypeFromOnnx } from '../onnx-tensor.js';
import type { InferContext, ShapeFn } from './types.js';
import { attrInt, checkDims, constIntInput, fail, fmt, type Inputs, normalizeAxis, requireInput, where } from './util.js';

function scalarInt(ctx: InferContext, inputs: Inputs, i: number, label: string): number {
  const v = constIntInput(ctx, inputs, i, label);
  if (v.length !== 1) fail(ctx, Codes.ShapeMismatch, `${label} must be a scalar, got ${v.length} values`);
  return v[0] as number;
}

function outputDtype(ctx: InferContext): DType {
  return dtypeFromOnnx(attrInt(ctx, 'output_datatype', 1), where(ctx));
}

const window: ShapeFn = (ctx, inputs) => [{ dtype: outputDtype(ctx), shape: checkDims(ctx, [scalarInt(ctx, inputs, 0, 'size')]) }];

/** DFT(input [batch, ..., 1|2], dft_length?): the axis takes dft_length (halved+1 when onesided), last dim 2. */
const dft: ShapeFn = (ctx, inputs) => {
  const x = requireInput(ctx, inputs, 0, 'input');
  const rank = x.shape.length;
  const last = x.shape[rank - 1];
  if (rank < 2 || (last !== 1 && last !== 2)) fail(ctx, Codes.ShapeMismatch, `input ${fmt(x.shape)} must end in a dimension of 1 or 2`);
  const axis = normalizeAxis(ctx, attrInt(ctx, 'axis', 1), rank - 1);
  const length = inputs[1] !== undefined ? scalarInt(ctx, inputs, 1, 'dft_length') : (x.shape[axis] as number);
  const out = [...x.shape];
  out[axis] = attrInt(ctx, 'onesided', 0) !== 0 ? Math.floor(length / 2) + 1 : length;
  out[rank - 1] = 2;
  return [{ dtype: x.dtype, shape: checkDims(ctx, out) }];
};

/** STFT(signal [batch, length, 1|2], frame_step, window?, frame_length?) -> [batch, frames, bins, 2]. */
const stft: ShapeFn = (ctx, inputs) => {
  const signal = requireInput(ctx, inputs, 0, 'signal');
  if (signal.shape.length !== 3) fail(ctx, Codes.ShapeMismatch, `signal ${fmt(signal.shape)} must be [batch, length, 1 or 2]`);
  const step = scalarInt(ctx, inputs, 1, 'frame_step');
  const win = inputs[2];
  const frameLength = inputs[3] !== undefined ? scalarInt(ctx, inputs, 3, 'frame_length') : win?.shape[0];
  if (frameLength === undefined) return fail(ctx, Codes.ShapeMismatch, 'needs a window or a frame_length');
  const length = signal.shape[1] as number;
  if (step < 1 || frameLength < 1 || frameLength > length) {
    fail(ctx, Codes.BadDimension, `frame length ${frameLength} and step ${step} do not suit ${length} samples`);
  }
  const frames = Math.floor((length - frameLength) / step) + 1;
  const bins = attrInt(ctx, 'onesided', 1) !== 0 ? Math.floor(frameLength / 2) + 1 : frameLength;
  return [{ dtype: signal.dtype, shape: [signal.shape[0] as number, frames, bins, 2] }];
};

/** MelWeightMatrix(num_mel_bins, dft_length, ...) -> [dft_length/2 + 1, num_mel_bins]. */
const melWeightMatrix: ShapeFn = (ctx, inputs) => {
  const bins = scalarInt(ctx, inputs, 0, 'num_mel_bins');
  const dftLength = scalarInt(ctx, inputs, 1, 'dft_length');
  return [{ dtype: outputDtype(ctx), shape: checkDims(ctx, [Math.floor(dftLength / 2) + 1, bins]) }];
};

export const SIGNAL_OPS: Readonly<Record<string, ShapeFn>> = {
  HannWindow: window,
  HammingWindow: window,
  BlackmanWindow: window,
  DFT: dft,
  STFT: stft,
  MelWeightMatrix: melWeightMatrix,
};
