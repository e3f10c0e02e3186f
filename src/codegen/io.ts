/** The model's runtime inputs and outputs as generated code sees them (float32, fixed sizes). */
import { formatShape } from '../ir/graph.js';
import type { CodegenContext } from './context.js';
import { CodegenError } from './context.js';
import { Codes } from '../diagnostics/codes.js';

export interface IoTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly elements: number;
  readonly bytes: number;
  /** Activation buffer holding it. */
  readonly buffer: string;
  readonly describe: string;
}

function ioOf(ctx: CodegenContext, names: readonly string[], role: 'input' | 'output'): IoTensor[] {
  return names.map((name, index) => {
    const t = ctx.graph.tensors.get(name);
    if (!t) throw CodegenError.one(Codes.CodegenUnsupported, `cannot generate C: graph ${role} '${name}' is a constant`);
    if (t.dtype !== 'float32') throw CodegenError.one(Codes.CodegenUnsupported, `cannot generate C: graph ${role} '${name}' is ${t.dtype}; only float32 inputs and outputs are supported`);
    const buffer = ctx.schedule.bufferOfTensor.get(name);
    if (!buffer) throw new Error(`graph ${role} '${name}' has no buffer`);
    return { index, name, shape: t.shape, elements: t.elementCount, bytes: t.sizeBytes, buffer, describe: `${name}: float32[${formatShape(t.shape)}]` };
  });
}

export function inputsOf(ctx: CodegenContext): IoTensor[] {
  return ioOf(ctx, ctx.graph.inputs, 'input');
}

export function outputsOf(ctx: CodegenContext): IoTensor[] {
  return ioOf(ctx, ctx.graph.outputs, 'output');
}
