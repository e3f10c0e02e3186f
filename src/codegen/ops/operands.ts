/**
 * What every C kernel emitter shares: the emission site of a compute statement (views of the
 * operands, the writer, fresh names), operand access (activation views, weight views, whole-tensor
 * pointers, constant inputs) and the MPG_CHECK call form.
 */
import type { ConstTensor, OpNode } from '../../ir/graph.js';
import type { LayerSchedule } from '../../ir/loop.js';
import type { CWriter } from '../c-writer.js';
import { safeComment } from '../c-writer.js';
import type { CodegenContext, WeightRef } from '../context.js';
import { unsupported } from '../context.js';
import { InternalError } from '../../diagnostics/errors.js';

/** One compute statement being emitted. */
export interface Emit {
  readonly ctx: CodegenContext;
  readonly w: CWriter;
  readonly node: OpNode;
  readonly layer: LayerSchedule;
  /** Activation input tensor -> view variable. */
  readonly views: ReadonlyMap<string, string>;
  readonly outs: readonly string[];
  readonly fresh: () => string;
  /**
   * A reduction split: the output views are accumulator tiles and this call adds one slice of the
   * reduction; `first` / `last` are C conditions (start from the bias or zero; apply the rest once).
   * Emitters that cannot accumulate must refuse it (MP701).
   */
  readonly accumulate?: { readonly first: string; readonly last: string };
}

/** A scalar float from a constant (first element; splat value). */
export function scalarOf(t: ConstTensor): number {
  if (t.data.kind === 'splat') return Number(t.data.value);
  if (t.data.kind === 'dense') {
    const v = t.data.values[0];
    return v === undefined ? 0 : Number(v);
  }
  throw new InternalError('string constant');
}

/** Every element of a numeric constant as a number (a splat expanded); throws on strings. */
export function numbersOf(t: ConstTensor): number[] {
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.kind === 'splat') return Array.from({ length: count }, () => Number((t.data as { value: number | bigint }).value));
  if (t.data.kind === 'dense') return Array.from(t.data.values as ArrayLike<number | bigint>, (v) => Number(v));
  throw new InternalError('string constant');
}

/** The view of node input i: an activation view, or a weight view (dense or splat) built here. */
export function inputView(e: Emit, i: number, outView?: string): string {
  const name = e.node.inputs[i] ?? '';
  if (name === '') unsupported(e.node, `input ${i} is missing`);
  const v = e.views.get(name);
  if (v !== undefined) return v;
  const wref = e.ctx.kernelWeight(e.node, name);
  if (!wref) unsupported(e.node, `input '${name}' is neither an activation operand nor a weight`);
  requireFloat(e, wref);
  const shape = wref.tensor.shape.length === 0 ? [1] : [...wref.tensor.shape];
  const R = shape.length;
  const t = e.fresh();
  if (wref.tensor.data.kind === 'splat') {
    e.w.line(`static const float ${t}_value[1] = {${wref.cName}_VALUE};`);
    e.w.line(`mpg_view ${t};`);
    // One value broadcast along every dim (extent 1, stride 0), whatever window of the output is computed.
    e.w.line(`const long ${t}_ex[${R}] = {${shape.map(() => '1').join(', ')}};`);
    e.w.line(`mpg_view_splat(&${t}, ${t}_value, ${R}, ${t}_ex); /* ${safeComment(name)}: one value for all ${shape.reduce((a, b) => a * b, 1)} elements */`);
    return t;
  }
  e.w.line(`mpg_view ${t};`);
  e.w.line(`const long ${t}_full[${R}] = {${shape.join(', ')}};`);
  e.w.line(`long ${t}_st[${R}] = {${shape.map(() => '0').join(', ')}};`);
  e.w.line(`long ${t}_ex[${R}] = {${shape.join(', ')}};`);
  if (outView !== undefined) {
    // A weight dim that matches a split output dim is read at the output's window.
    const outShape = e.ctx.shapeOf(e.node.outputs[0]!);
    const off = outShape.length - R;
    for (let d = 0; d < R; d++) {
      if (shape[d]! > 1 && d + off >= 0 && shape[d] === outShape[d + off]) {
        e.w.line(`${t}_st[${d}] = ${outView}.start[${d + off}];`);
        e.w.line(`${t}_ex[${d}] = ${outView}.ext[${d + off}];`);
      }
    }
  }
  e.w.line(`mpg_view_in(&${t}, (float *)${wref.cName}, ${R}, ${t}_full, ${t}_st, ${t}_ex); /* weight ${safeComment(name)} */`);
  return t;
}

/**
 * A whole-tensor float pointer for input i: a dense weight array, or an activation operand whose
 * window is the whole tensor (checked at run time). Splat weights return undefined.
 */
export function wholePointer(e: Emit, i: number, what: string): { ptr: string; splat?: string; shape: readonly number[] } | undefined {
  const name = e.node.inputs[i] ?? '';
  if (name === '') return undefined;
  const v = e.views.get(name);
  if (v !== undefined) {
    e.w.line(`if (!mpg_is_whole(&${v})) return MP_EPARAM; /* ${what} is read whole */`);
    return { ptr: `${v}.data`, shape: e.ctx.shapeOf(name) };
  }
  const wref = e.ctx.kernelWeight(e.node, name);
  if (!wref) unsupported(e.node, `${what} '${name}' is neither an activation nor a weight`);
  requireFloat(e, wref);
  if (wref.tensor.data.kind === 'splat') return { ptr: 'NULL', splat: `${wref.cName}_VALUE`, shape: wref.tensor.shape };
  return { ptr: wref.cName, shape: wref.tensor.shape };
}

export function requireFloat(e: Emit, w: WeightRef): void {
  if (w.tensor.dtype !== 'float32') unsupported(e.node, `weight '${w.name}' is ${w.tensor.dtype}; only float32 weights have kernels`);
}

export function check(e: Emit, call: string): void {
  e.w.line(`MPG_CHECK(${call});`);
}

/** The whole-tensor views of the input (activation) and the output, checked whole at run time. */
export function wholeInOut(e: Emit): [string, string] {
  const x = e.views.get(e.node.inputs[0] ?? '');
  if (x === undefined) unsupported(e.node, 'the data input must be an activation');
  const y = e.outs[0]!;
  e.w.line(`if (!mpg_is_whole(&${x}) || !mpg_is_whole(&${y})) return MP_EPARAM;`);
  return [x, y];
}

/** Constant input i (undefined when the input is absent; MP701 when it is not a constant). */
export function constInput(e: Emit, i: number, what: string): ConstTensor | undefined {
  const name = e.node.inputs[i] ?? '';
  if (name === '') return undefined;
  const t = e.ctx.graph.weights.get(name);
  if (!t) unsupported(e.node, `${what} must be constant`);
  return t;
}

/** Integer values of a constant input (undefined when the input is absent). */
export function constInts(e: Emit, i: number, what: string): number[] | undefined {
  const t = constInput(e, i, what);
  return t && numbersOf(t);
}

export function constFloats(e: Emit, i: number, what: string): number[] | undefined {
  const t = constInput(e, i, what);
  if (!t) return undefined;
  if (t.data.kind !== 'splat' && t.data.kind !== 'dense') unsupported(e.node, `${what} is not numeric`);
  return numbersOf(t);
}

export function longArray(e: Emit, name: string, vs: readonly number[]): string {
  e.w.line(`const long ${name}[${Math.max(1, vs.length)}] = {${vs.length === 0 ? '0' : vs.join(', ')}};`);
  return name;
}
