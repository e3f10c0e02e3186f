/**
 * Compile-time quantization parameters, computed exactly as TFLite Micro's Prepare functions do
 * (double arithmetic on the file's float32 scales; C's round = half away from zero): fixed-point
 * multipliers and shifts (QuantizeMultiplier), activation ranges, softmax input scaling.
 */
import type { Quantization, TensorInfo } from '../../ir/graph.js';
import { InternalError } from '../../diagnostics/errors.js';

/** C's round(): half away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/** TFLite's QuantizeMultiplier: m = q * 2^shift with q in [0.5, 1) as Q31 (int32). */
export function quantizeMultiplier(m: number): { multiplier: number; shift: number } {
  if (m === 0 || !Number.isFinite(m)) return { multiplier: 0, shift: 0 };
  let shift = Math.floor(Math.log2(Math.abs(m))) + 1;
  let q = m / 2 ** shift;
  while (Math.abs(q) >= 1) {
    q /= 2;
    shift++;
  }
  while (Math.abs(q) < 0.5) {
    q *= 2;
    shift--;
  }
  let fixed = roundHalfAway(q * 2 ** 31);
  if (fixed === 2 ** 31) {
    fixed /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: fixed, shift };
}

/** Integer range of a dtype. */
export function intRange(dtype: string): [number, number] {
  switch (dtype) {
    case 'int8': return [-128, 127];
    case 'uint8': return [0, 255];
    case 'int16': return [-32768, 32767];
    case 'int32': return [-2147483648, 2147483647];
    default: throw new InternalError(`no integer range for ${dtype}`);
  }
}

export function scaleOf(q: Quantization | undefined, what: string): number {
  const s = q?.scales[0];
  if (s === undefined) throw new InternalError(`${what} has no quantization`);
  return s;
}

export function zeroPointOf(q: Quantization | undefined): number {
  return q?.zeroPoints[0] ?? 0;
}

/**
 * TFLite's CalculateActivationRangeQuantized: the fused activation clamps, quantized with the output's
 * scale and zero point (f / scale in float32, rounded half away from zero), within the type's range.
 */
export function activationRange(activation: string, out: TensorInfo): [number, number] {
  const [qmin, qmax] = intRange(out.dtype);
  const scale = scaleOf(out.quantization, `tensor '${out.name}'`);
  const zp = zeroPointOf(out.quantization);
  const quantize = (f: number) => zp + roundHalfAway(Math.fround(f / scale));
  switch (activation) {
    case 'RELU': return [Math.max(qmin, quantize(0)), qmax];
    case 'RELU6': return [Math.max(qmin, quantize(0)), Math.min(qmax, quantize(6))];
    case 'RELU_N1_TO_1': return [Math.max(qmin, quantize(-1)), Math.min(qmax, quantize(1))];
    case 'NONE': return [qmin, qmax];
    default: throw new InternalError(`fused activation ${activation} has no integer range`);
  }
}

/** TFLite's softmax input scaling for int8: multiplier, left shift and diff_min (5 integer bits). */
export function softmaxParams(beta: number, inputScale: number): { multiplier: number; leftShift: number; diffMin: number } {
  const integerBits = 5;
  const real = Math.min(beta * inputScale * 2 ** (31 - integerBits), 2 ** 31 - 1);
  const { multiplier, shift } = quantizeMultiplier(real);
  const maxRescaled = (((1 << integerBits) - 1) * 2 ** (31 - integerBits)) / 2 ** shift;
  return { multiplier, leftShift: shift, diffMin: -Math.floor(maxRescaled) };
}
