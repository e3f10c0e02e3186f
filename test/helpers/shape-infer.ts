/** Builders shared by the per-op shape-function tests. */
import type { AttrValue, DType } from '../../src/ir/graph.js';
import { shapeFunctionFor } from '../../src/frontend/shape-inference/registry.js';
import type { OutputType, ValueInfo } from '../../src/frontend/shape-inference/types.js';

/** A runtime tensor (no value). */
export const x = (shape: number[], dtype: DType = 'float32'): ValueInfo => ({ dtype, shape });
/** A constant float32 tensor. */
export const f32 = (values: number[], shape: number[] = [values.length]): ValueInfo => ({
  dtype: 'float32', shape, value: { dtype: 'float32', shape, data: { kind: 'dense', values: Float32Array.from(values) } },
});
export const int = (value: number): AttrValue => ({ type: 'int', value });
export const ints = (...value: number[]): AttrValue => ({ type: 'ints', value });
export const str = (value: string): AttrValue => ({ type: 'string', value });
export const floats = (...value: number[]): AttrValue => ({ type: 'floats', value });

export interface Opts { opset?: number; outputs?: number; attrs?: Record<string, AttrValue> }

/** Runs the registered shape function of `opType` on a node named `<opType>_0`. */
export function infer(opType: string, inputs: (ValueInfo | undefined)[], opts: Opts = {}): readonly OutputType[] {
  const fn = shapeFunctionFor(opType, '');
  if (fn === undefined) throw new Error(`no shape function for ${opType}`);
  const node = {
    name: `${opType}_0`, opType, domain: '',
    inputs: inputs.map((v, i) => (v === undefined ? '' : `in${i}`)),
    outputs: Array.from({ length: opts.outputs ?? 1 }, (_, i) => `out${i}`),
    attributes: new Map(Object.entries(opts.attrs ?? {})),
  };
  return fn({ node, opsetVersion: opts.opset ?? 17 }, inputs);
}

/** Shape of the first output. */
export const shapeOf = (opType: string, inputs: (ValueInfo | undefined)[], opts: Opts = {}): readonly number[] =>
  (infer(opType, inputs, opts)[0] as OutputType).shape;
