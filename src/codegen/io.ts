/** The model's runtime inputs and outputs as generated code sees them (each in its own type, fixed sizes). */
import { formatShape } from '../ir/graph.js';
import type { CodegenContext } from './context.js';
import { CodegenError } from './context.js';
import { Codes } from '../diagnostics/codes.js';
import { cTypeOf, hasCType } from './int/c-types.js';
import { InternalError } from '../diagnostics/errors.js';

export interface IoTensor {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly elements: number;
  readonly bytes: number;
  /** Element type in C (float, int8_t, int16_t ...). */
  readonly cType: string;
  readonly dtype: string;
  /** Activation buffer holding it. */
  readonly buffer: string;
  readonly describe: string;
}

function ioOf(ctx: CodegenContext, names: readonly string[], role: 'input' | 'output'): IoTensor[] {
  return names.map((name, index) => {
    const t = ctx.graph.tensors.get(name);
    if (!t) throw CodegenError.of(Codes.CodegenUnsupported, { forNode: '', why: `graph ${role} '${name}' is a constant` });
    if (!hasCType(t.dtype)) throw CodegenError.of(Codes.CodegenUnsupported, { forNode: '', why: `graph ${role} '${name}' is ${t.dtype}, which generated code cannot hold` });
    const buffer = ctx.schedule.bufferOfTensor.get(name);
    if (!buffer) throw new InternalError(`graph ${role} '${name}' has no buffer`);
    return { index, name, shape: t.shape, elements: t.elementCount, bytes: t.sizeBytes, cType: cTypeOf(t.dtype), dtype: t.dtype, buffer, describe: `${name}: ${t.dtype}[${formatShape(t.shape)}]` };
  });
}

export function inputsOf(ctx: CodegenContext): IoTensor[] {
  return ioOf(ctx, ctx.graph.inputs, 'input');
}

export function outputsOf(ctx: CodegenContext): IoTensor[] {
  return ioOf(ctx, ctx.graph.outputs, 'output');
}

/**
 * The C signature's element type of model_run's arrays: `float` when every input and output is
 * float32 (the float models' signature, unchanged), else `void` (each array in its tensor's type).
 */
export function ioElementType(ctx: CodegenContext): 'float' | 'void' {
  return [...inputsOf(ctx), ...outputsOf(ctx)].every((t) => t.dtype === 'float32') ? 'float' : 'void';
}
