/**
 * One C function per scheduled layer, following its loop nest statement by statement:
 *  - loops become `for` loops; a loop marked parallel(cores) becomes a work function run on every
 *    core through mp_parallel_for_cores, each core taking a contiguous block of iterations;
 *  - dma-start / dma-wait become mpg_dma_start / mpg_dma_wait on views of the region (2-D strided
 *    transfers from the clamped window), token groups named after the IR tokens;
 *  - a pipelined loop (double buffering) starts the next iteration's input DMA into the other slot
 *    before computing the current one, and waits for an output DMA one iteration later;
 *    double-buffered tiles alternate slots `base + (i % 2) * tile elements`;
 *  - compute calls the runtime kernels on views of its operands (ops/, one file per kernel family).
 * Views are rebuilt from the region for each statement: start = loopVar*stride + offset clamped to
 * [0, limit), which is exactly the window the schedule and the liveness analysis assumed.
 */
import { constNumbers } from '../frontend/shape-inference/util.js';
import type { LayerSchedule, LoopBuffer, LoopStmt, Operand, Stmt, TileRange } from '../ir/loop.js';
import { byteSize, formatShape } from '../ir/graph.js';
import type { OpNode } from '../ir/graph.js';
import { fusedResiduals } from '../ir/graph.js';
import { cFloat } from './c-literals.js';
import { CWriter, safeComment } from './c-writer.js';
import type { CodegenContext } from './context.js';
import { unsupported } from './context.js';
import { NameTable, sanitize } from './names.js';
import type { Emit } from './ops/index.js';
import { emitCompute } from './ops/index.js';
import { emitTfliteCompute } from './int/emit-tflite.js';
import { emitQlinearCompute } from './int/emit-qlinear.js';
import { QLINEAR_DOMAIN } from '../frontend/qdq/fold-qdq.js';
import { InternalError } from '../diagnostics/errors.js';
import { floatAttr } from '../ir/attributes.js';
import { intRowsDim, resolvePads, tfliteRowWindow, tfliteSplitDim, windowAttrs, windowKernel, windowSpan } from '../ir/geometry.js';
import { TFLITE_OP_DOMAIN } from '../ir/op-table.js';

/** The loop variable of a segment's column patches (schedule/depth-first/lower-segment.ts). */
const SEGMENT_PATCH_LOOP = 'p';

interface Env {
  /** IR loop variable -> C expression of its current value. */
  readonly loopVars: ReadonlyMap<string, string>;
  /** C expression of the core index. */
  readonly core: string;
  /** C expression of the double-buffer slot of the innermost loop (undefined outside loops). */
  readonly slot?: string;
}

/** Per-function state: unique variable names and the token groups to declare. */
class FnState {
  private counter = 0;
  readonly groups = new Map<string, { cName: string; slots: boolean }>();
  private readonly groupNames = new NameTable('g_');
  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }
  group(token: string, slots: boolean): string {
    let g = this.groups.get(token);
    if (!g) {
      g = { cName: this.groupNames.get(token.slice(token.lastIndexOf('.') + 1)), slots };
      this.groups.set(token, g);
    } else if (slots && !g.slots) {
      g.slots = true;
    }
    return g.cName;
  }
}

export interface LayerEmission {
  /** C text of the layer's functions. */
  readonly text: string;
  /** Name of the function model_run calls (returns MP_OK or an error code). */
  readonly fn: string;
}

export function layerComment(ctx: CodegenContext, layer: LayerSchedule): string[] {
  const node = ctx.node(layer);
  const shape = (t: string) => {
    const ti = ctx.graph.tensors.get(t);
    if (ti) return `${t} ${ti.dtype}[${formatShape(ti.shape)}]`;
    const w = ctx.graph.weights.get(t);
    return w ? `${t} const ${w.dtype}[${formatShape(w.shape)}]` : t;
  };
  const lines = [`Layer ${layer.step}: ${layer.name} (${layer.op}) [${layer.template}]`];
  lines.push(`  inputs:  ${node.inputs.filter((i) => i !== '').map(shape).join(', ') || '-'}`);
  lines.push(`  outputs: ${node.outputs.filter((o) => o !== '').map(shape).join(', ') || '-'}`);
  const t = layer.tile;
  const tiles = t.splits.length === 0 ? 'whole' : t.splits.map((s) => (s.reduction ? `reduction over dim ${s.dim} of the input: ${s.size} of ${s.extent}` : `dim ${s.dim}: ${s.size} of ${s.extent}`)).join(', ');
  lines.push(`  tiles: ${tiles}; ${t.tileCount} tile(s)${t.doubleBuffered ? ', double-buffered' : ''}, ${t.cores} core(s)`);
  for (const b of layer.buffers) {
    lines.push(`  buffer ${b.name}: ${b.scope} ${b.dtype}[${formatShape(b.shape)}] ${b.sizeBytes} B x${b.copies}${b.perCore ? ' per core' : ''}`);
  }
  if (layer.aliasOf) {
    const node = ctx.node(layer);
    const sliced = [...node.inputs, ...node.outputs].filter((t) => t !== '' && ctx.graph.tensors.has(t) && ctx.offsetOf(t) > 0);
    if (layer.op === 'Concat') lines.push(`  copy-free: each operand was written into its slice of '${layer.aliasOf}' (no code)`);
    else lines.push(`  view: the output is the memory of '${layer.aliasOf}' (no code)`);
    for (const t of sliced) lines.push(`  ${t} at byte ${ctx.offsetOf(t)} of '${layer.aliasOf}'`);
  }
  return lines;
}

export function emitLayer(ctx: CodegenContext, layer: LayerSchedule): LayerEmission {
  const fn = ctx.layerName(layer);
  const w = new CWriter();
  w.comment(layerComment(ctx, layer));
  const works: { fnName: string; loop: LoopStmt }[] = [];
  let parallelIndex = 0;
  // Work functions for parallel loops first (they must be declared before the layer function).
  for (const s of layer.body) {
    if (s.kind === 'loop' && s.parallel === 'cores') {
      const fnName = `${fn}_work${parallelIndex === 0 ? '' : parallelIndex}`;
      parallelIndex++;
      works.push({ fnName, loop: s });
      emitWork(ctx, layer, w, fnName, s);
    }
  }
  const state = new FnState();
  const body = new CWriter();
  body.indent(() => {
    for (const s of layer.body) {
      if (s.kind === 'loop' && s.parallel === 'cores') {
        const work = works.find((x) => x.loop === s)!;
        body.scope(() => {
          body.line(`int status[${layer.tile.cores}];`);
          body.line('int k;');
          body.line(`mp_parallel_for_cores(${layer.tile.cores}, ${work.fnName}_core, status);`);
          body.line(`for (k = 0; k < ${layer.tile.cores}; k++) MPG_CHECK(status[k]);`);
        });
      } else if (s.kind === 'barrier') {
        body.comment('barrier: the cores of the parallel loop above synchronised at its end (mp_barrier in each core)');
      } else {
        emitStmt(ctx, layer, body, s, { loopVars: new Map(), core: '0' }, state);
      }
    }
  });
  w.block(`static int ${fn}(void)`, () => {
    declareGroups(w, state);
    w.raw(body.toString().replace(/\n$/, ''));
    w.line('return MP_OK;');
  });
  return { text: w.toString(), fn };
}

function declareGroups(w: CWriter, state: FnState): void {
  for (const g of state.groups.values()) w.line(`mpg_dma_group ${g.cName}${g.slots ? '[2]' : ''};`);
}

/** The per-core work of a parallel loop, and the wrapper mp_parallel_for_cores calls. */
function emitWork(ctx: CodegenContext, layer: LayerSchedule, w: CWriter, fnName: string, loop: LoopStmt): void {
  const cores = layer.tile.cores;
  const state = new FnState();
  const body = new CWriter();
  body.indent(() => {
    body.line(`const long lo = ((long)${loop.extent} * core) / ${cores};`);
    body.line(`const long hi = ((long)${loop.extent} * (core + 1)) / ${cores};`);
    emitLoop(ctx, layer, body, loop, { loopVars: new Map(), core: 'core' }, state, 'lo', 'hi');
  });
  w.comment(`Loop '${loop.loopVar}' (${loop.extent} iterations) in ${cores} contiguous blocks, one per core.`);
  w.block(`static int ${fnName}(int core)`, () => {
    declareGroups(w, state);
    w.raw(body.toString().replace(/\n$/, ''));
    w.line('return MP_OK;');
  });
  w.block(`static void ${fnName}_core(int core, void *status)`, () => {
    w.line(`int rc = ${fnName}(core);`);
    w.line('mp_barrier(); /* every core finishes the layer before any result is used */');
    w.line('((int *)status)[core] = rc;');
  });
  w.blank();
}

function loopVarName(v: string): string {
  return `i_${sanitize(v)}`;
}

function emitStmt(ctx: CodegenContext, layer: LayerSchedule, w: CWriter, s: Stmt, env: Env, state: FnState): void {
  switch (s.kind) {
    case 'loop':
      emitLoop(ctx, layer, w, s, env, state, '0', `${s.extent}`);
      return;
    case 'barrier':
      w.line('mp_barrier();');
      return;
    case 'dma-start': {
      const slotted = dmaSlotted(ctx, s);
      const g = state.group(s.token, slotted);
      emitDmaStart(ctx, layer, w, s, env, state, slotted ? `${g}[${env.slot ?? '0'}]` : g);
      return;
    }
    case 'dma-wait': {
      const g = state.groups.get(s.token);
      if (!g) unsupported(layer, `dma-wait of token '${s.token}' before its dma-start`);
      w.line(`mpg_dma_wait(&${g.cName}${g.slots ? `[${env.slot ?? '0'}]` : ''}); /* ${safeComment(s.token)} */`);
      return;
    }
    case 'compute':
      emitComputeStmt(ctx, layer, w, s, env, state);
      return;
    case 'shift':
      emitShift(ctx, w, s, env);
      return;
    case 'copy':
      w.scope(() => {
        w.comment(`copy ${safeComment(s.src.buffer)} -> ${safeComment(s.dst.buffer)} (${s.bytes} B; not a MAC)`);
        const src = emitView(ctx, layer, w, s.src, env, state);
        const dst = emitView(ctx, layer, w, s.dst, env, state);
        w.line(`MPG_CHECK(mpg_copy(&${src}, &${dst}));`);
      });
      return;
  }
}

/** Whether a DMA moves a double-buffered tile (its token group then has one entry per slot). */
function dmaSlotted(ctx: CodegenContext, s: Stmt & { kind: 'dma-start' }): boolean {
  return isSlotted(ctx, s.src.buffer) || isSlotted(ctx, s.dst.buffer);
}

function isSlotted(ctx: CodegenContext, buffer: string): boolean {
  return ctx.isTile(buffer) && ctx.buffer(buffer).copies > 1;
}

function emitLoop(ctx: CodegenContext, layer: LayerSchedule, w: CWriter, loop: LoopStmt, env: Env, state: FnState, lo: string, hi: string): void {
  const v = loopVarName(loop.loopVar);
  const inner: Env = { ...env, loopVars: new Map([...env.loopVars, [loop.loopVar, v]]), slot: 'slot' };
  const slotExpr = lo === '0' ? `(int)(${v} & 1)` : `(int)((${v} - ${lo}) & 1)`;
  const usesSlots = loop.body.some((s) => (s.kind === 'dma-start' && dmaSlotted(ctx, s)) || (s.kind === 'compute' && [...s.inputs, ...s.outputs].some((o) => isSlotted(ctx, o.buffer))));
  const pattern = loop.pipelined ? pipelinePattern(ctx, loop) : undefined;
  const how = !loop.pipelined
    ? ''
    : !pattern
      ? ', double-buffered (DMA then wait per iteration)'
      : pattern.inStarts.length > 0
        ? ', pipelined: the next tile\'s input DMA overlaps this compute'
        : ', pipelined: each output DMA overlaps the next compute';
  w.comment(`loop '${loop.loopVar}': ${loop.extent} iteration(s)${loop.parallel === 'cores' ? ', this core\'s block' : ''}${how}`);
  w.block(`for (long ${v} = ${lo}; ${v} < ${hi}; ${v}++)`, () => {
    if (usesSlots || pattern) w.line(`const int slot = ${slotExpr};`);
    if (!pattern) {
      for (const s of loop.body) emitStmt(ctx, layer, w, s, inner, state);
      return;
    }
    for (const s of [...pattern.inStarts, ...pattern.outStarts]) {
      if (s.kind === 'dma-start') state.group(s.token, dmaSlotted(ctx, s));
    }
    const next: Env = { ...inner, loopVars: new Map([...env.loopVars, [loop.loopVar, `(${v} + 1)`]]), slot: 'slot ^ 1' };
    if (pattern.inStarts.length > 0) {
      w.block(`if (${v} == ${lo})`, () => {
        w.comment('the first tile: nothing was prefetched');
        for (const s of pattern.inStarts) emitStmt(ctx, layer, w, s, inner, state);
      });
      w.block(`if (${v} + 1 < ${hi})`, () => {
        w.comment('prefetch the next tile into the other slot');
        for (const s of pattern.inStarts) emitStmt(ctx, layer, w, s, next, state);
      });
    }
    for (const s of pattern.inWaits) emitStmt(ctx, layer, w, s, inner, state);
    for (const s of pattern.computes) emitStmt(ctx, layer, w, s, inner, state);
    if (pattern.outWaits.length > 0) {
      const prev: Env = { ...inner, slot: 'slot ^ 1' };
      w.block(`if (${v} > ${lo})`, () => {
        w.comment('the previous tile\'s output DMA must be done before its slot is reused');
        for (const s of pattern.outWaits) emitStmt(ctx, layer, w, s, prev, state);
      });
    }
    for (const s of pattern.outStarts) emitStmt(ctx, layer, w, s, inner, state);
  });
  if (pattern && pattern.outWaits.length > 0) {
    const last: Env = { ...inner, slot: /^\d+$/.test(hi) && lo === '0' ? `${(Number(hi) - 1) & 1}` : lo === '0' ? `(int)((${hi} - 1) & 1)` : `(int)((${hi} - 1 - ${lo}) & 1)` };
    const always = /^\d+$/.test(hi) && /^\d+$/.test(lo) && Number(hi) > Number(lo);
    const waitLast = () => {
      w.comment('the last tile\'s output DMA');
      for (const s of pattern.outWaits) emitStmt(ctx, layer, w, s, last, state);
    };
    if (always) waitLast();
    else w.block(`if (${hi} > ${lo})`, waitLast);
  }
}

interface Pipeline {
  readonly inStarts: readonly Stmt[];
  readonly inWaits: readonly Stmt[];
  readonly computes: readonly Stmt[];
  readonly outStarts: readonly Stmt[];
  readonly outWaits: readonly Stmt[];
}

/**
 * Recognises the body of a double-buffered loop: input DMAs (start, wait) into two-slot tiles, the
 * compute, output DMAs (start, wait) from two-slot tiles. Anything else runs sequentially.
 */
function pipelinePattern(ctx: CodegenContext, loop: LoopStmt): Pipeline | undefined {
  const inStarts: Stmt[] = [];
  const inWaits: Stmt[] = [];
  const computes: Stmt[] = [];
  const outStarts: Stmt[] = [];
  const outWaits: Stmt[] = [];
  const direction = new Map<string, 'in' | 'out' | 'copy'>();
  let phase = 0; // 0 inputs, 1 compute, 2 outputs
  for (const s of loop.body) {
    if (s.kind === 'dma-start') {
      direction.set(s.token, s.direction);
      if (s.direction === 'in' && phase === 0 && isSlotted(ctx, s.dst.buffer)) inStarts.push(s);
      else if (s.direction === 'out' && phase >= 1 && isSlotted(ctx, s.src.buffer)) {
        phase = 2;
        outStarts.push(s);
      } else return undefined;
    } else if (s.kind === 'dma-wait') {
      const d = direction.get(s.token);
      if (d === 'in' && phase === 0) inWaits.push(s);
      else if (d === 'out' && phase === 2) outWaits.push(s);
      else return undefined;
    } else if (s.kind === 'compute') {
      if (phase === 2) return undefined;
      phase = 1;
      computes.push(s);
    } else return undefined;
  }
  if (computes.length === 0 || (inStarts.length === 0 && outStarts.length === 0)) return undefined;
  return { inStarts, inWaits, computes, outStarts, outWaits };
}

/** C expression of the start of a range for the current loop values. */
function startExpr(env: Env, r: { loopVar: string; stride: number; offset: number }): string {
  if (r.loopVar === '') return `${r.offset}`;
  const v = env.loopVars.get(r.loopVar);
  if (v === undefined) throw new InternalError(`loop variable '${r.loopVar}' is not in scope`);
  const off = r.offset === 0 ? '' : r.offset > 0 ? ` + ${r.offset}` : ` - ${-r.offset}`;
  return `${v} * ${r.stride}${off}`;
}

/** Pointer expression (float *) of a buffer for the current core and slot. */
export function bufferPtr(ctx: CodegenContext, name: string, env: { core: string; slot?: string }): string {
  const b: LoopBuffer = ctx.buffer(name);
  const macro = ctx.bufferMacro(name);
  const base = b.perCore ? `${macro}(${env.core})` : macro;
  if (b.copies > 1 && ctx.isTile(name)) {
    if (b.dtype !== 'float32' || b.sizeBytes % 4 !== 0) return `((float *)((uint8_t *)${base} + (${env.slot ?? '0'}) * ${b.sizeBytes}))`;
    const elems = b.sizeBytes / 4;
    return `(${base} + (${env.slot ?? '0'}) * ${elems})`;
  }
  return base;
}

/**
 * Pointer expression (float *) of an operand's memory: a tile, or the tensor's place in its home
 * buffer (a copy-free Concat operand or a Split piece sits at a fixed byte offset there).
 */
export function homePtr(ctx: CodegenContext, o: Operand, env: { core: string; slot?: string }): string {
  const ptr = bufferPtr(ctx, o.buffer, env);
  const at = ctx.isTile(o.buffer) ? 0 : ctx.offsetOf(o.region.tensor);
  return at === 0 ? ptr : `((float *)((uint8_t *)${ptr} + ${at}))`;
}

/**
 * Rows of a conv / pool input window. The schedule clamps the halo extent to the input height
 * before applying the (negative) start offset, so when the halo is taller than the input the window
 * [start, start + extent) misses rows the kernel reads (e.g. a 5x5 depthwise conv on 2 rows).
 * Workaround: use the full halo (the clamped window never exceeds the tile, which holds min(halo, H)).
 */
function windowExtent(ctx: CodegenContext, layer: LayerSchedule, tensor: string, r: TileRange): number {
  const node = ctx.node(layer);
  const rows = !layer.template.startsWith('int-') ? 2 : node.domain === TFLITE_OP_DOMAIN ? tfliteSplitDim(node, ctx.shapeOf(node.outputs[0]!)) : intRowsDim(node);
  if (!/^(int-)?(conv|pool)/.test(layer.template) || r.dim !== rows || r.loopVar === '') return r.extent;
  if (node.inputs[0] !== tensor) return r.extent;
  const split = layer.tile.splits.find((s) => s.dim === rows && !s.reduction);
  if (!split) return r.extent;
  if (node.domain === TFLITE_OP_DOMAIN) {
    const shape = ctx.shapeOf(tensor);
    const win = tfliteRowWindow({ node, graph: ctx.graph }, shape[rows]!, ctx.shapeOf(node.outputs[0]!)[rows]!, rows as 1 | 2);
    return win ? Math.max(r.extent, windowSpan(split.size, win.kernel, win.stride, win.dilation)) : r.extent;
  }
  const kernel = windowKernel(node, ctx.graph.weights.get(node.inputs[1] ?? '')?.shape)?.[0] ?? 1;
  const a = windowAttrs(node, ctx.shapeOf(tensor).length - 2);
  return Math.max(r.extent, windowSpan(split.size, kernel, a.strides[0]!, a.dilations[0]!));
}

/** Bytes per element of a tensor in generated code. */
function elementSize(ctx: CodegenContext, layer: LayerSchedule, tensor: string): number {
  const w = ctx.graph.tensors.has(tensor) ? undefined : ctx.graph.weights.get(tensor);
  const t = w ? { elementCount: 1, sizeBytes: byteSize(w.dtype, 1), dtype: w.dtype } : ctx.tensor(tensor);
  const size = t.elementCount > 0 ? t.sizeBytes / t.elementCount : 0;
  if (![1, 2, 4, 8].includes(size)) unsupported(layer, `tensor '${tensor}' has ${t.dtype} elements of ${size} bytes`);
  return size;
}

/**
 * Declares and fills `mpg_view <var>` for an operand; returns the variable name. `absolute`: an
 * integer member of a segment, whose kernel takes the window as it lies in the tensor (starts in
 * tensor coordinates, no rebase of a patch's columns).
 */
function emitView(ctx: CodegenContext, layer: LayerSchedule, w: CWriter, o: Operand, env: Env, state: FnState, absolute = false): string {
  const v = state.fresh('v');
  const shape = ctx.shapeOf(o.region.tensor);
  const R = shape.length;
  const dtype = ctx.dtypeOf(o.region.tensor);
  if (dtype !== 'float32' && ctx.node(layer).domain === '') {
    unsupported(layer, `tensor '${o.region.tensor}' is ${dtype}; generated code handles float32 tensors only`);
  }
  w.line(`mpg_view ${v};`);
  // A weight's home (weights the cores cannot read): its array, only ever the source of a DMA.
  const weightHome = !ctx.isTile(o.buffer) && !ctx.graph.tensors.has(o.region.tensor) && ctx.graph.weights.has(o.region.tensor);
  const lines = weightHome ? undefined : ctx.buffer(o.buffer).lines;
  const colLines = lines?.cols !== undefined;
  w.line(`${colLines ? '' : 'const '}long ${v}_full[${R}] = {${shape.join(', ')}};`);
  w.line(`long ${v}_st[${R}] = {${shape.map(() => '0').join(', ')}};`);
  w.line(`long ${v}_ex[${R}] = {${shape.join(', ')}};`);
  for (const r of o.region.ranges) {
    if (r.dim >= R) throw new InternalError(`range on dim ${r.dim} of rank-${R} tensor '${o.region.tensor}'`);
    w.line(`mpg_clamp(&${v}_st[${r.dim}], &${v}_ex[${r.dim}], ${startExpr(env, r)}, ${windowExtent(ctx, layer, o.region.tensor, r)}, ${r.limit});`);
  }
  // Patch segments: the window's columns become a tensor of their own (mpg_view_rebase).
  const patchCols = !absolute && (layer.segment?.mode === 'patches' || layer.segment?.mode === 'tiles') ? segmentColumns(o.region.ranges) : undefined;
  if (lines) {
    const ptr = bufferPtr(ctx, o.buffer, env);
    // Integer line and region buffers: the same views with the element size.
    const typed = dtype === 'float32' ? '' : '_b';
    const esize = dtype === 'float32' ? '' : `, ${elementSize(ctx, layer, o.region.tensor)}`;
    const first = startExpr(env, lines);
    const full = `${v}_full`;
    if (lines.cols) {
      // The buffer holds the patch's columns [cs, cs + cw) of the tensor, rows of cw elements.
      const c = lines.cols;
      w.line(`long ${v}_cs, ${v}_cw;`);
      w.line(`mpg_clamp(&${v}_cs, &${v}_cw, ${startExpr(env, c)}, ${c.extent}, ${c.limit});`);
      w.line(`${full}[${c.dim}] = ${v}_cw;`);
      w.line(`${v}_st[${c.dim}] -= ${v}_cs;`);
    }
    if (lines.region) {
      // A tiles segment's region buffer: the tile's rows [rs, rs + rh), clamped, stored compactly.
      w.line(`long ${v}_rs, ${v}_rh;`);
      w.line(`mpg_clamp(&${v}_rs, &${v}_rh, ${first}, ${lines.rows}, ${shape[lines.dim]});`);
      w.line(`MPG_CHECK(mpg_view_lines${typed}(&${v}, ${ptr}${esize}, ${R}, ${full}, ${lines.dim}, ${v}_rs, ${v}_rh, ${v}_st, ${v}_ex)); /* ${safeComment(o.region.tensor)} in region buffer ${safeComment(o.buffer)} */`);
    } else w.line(`MPG_CHECK(mpg_view_lines${typed}(&${v}, ${ptr}${esize}, ${R}, ${full}, ${lines.dim}, ${first}, ${lines.rows}, ${v}_st, ${v}_ex)); /* ${safeComment(o.region.tensor)} in line buffer ${safeComment(o.buffer)} */`);
    if (absolute && lines.cols) w.line(`${v}.start[${lines.cols.dim}] += ${v}_cs; /* columns in tensor coordinates */`);
    if (patchCols) w.line(`mpg_view_rebase(&${v}, ${patchCols.dim});`);
    return v;
  }
  if (!weightHome && ctx.buffer(o.buffer).channelsLast) {
    // A segment's staging buffer: the whole tensor, channels-last (its windows at NHWC strides).
    if (dtype !== 'float32' || R !== 4) unsupported(layer, `staging buffer '${o.buffer}' holds a ${dtype} tensor of rank ${R} (float32, rank 4 only)`);
    w.line(`mpg_view_channels_last(&${v}, ${bufferPtr(ctx, o.buffer, env)}, ${v}_full, ${v}_st, ${v}_ex); /* ${safeComment(o.region.tensor)} in staging buffer ${safeComment(o.buffer)} (channels-last) */`);
    if (patchCols) w.line(`mpg_view_rebase(&${v}, ${patchCols.dim});`);
    return v;
  }
  const ptr = weightHome ? `(${dtype === 'float32' ? 'float' : 'void'} *)${ctx.weight(o.region.tensor)!.cName}` : homePtr(ctx, o, env);
  const fn = ctx.isTile(o.buffer) ? 'mpg_view_tile' : 'mpg_view_in';
  const at = ctx.isTile(o.buffer) ? 0 : ctx.offsetOf(o.region.tensor);
  const where = ctx.isTile(o.buffer) ? `tile ${o.buffer}` : weightHome ? `weight array in ${ctx.weightsDmaFrom ?? 'flash'} (DMA source only)` : o.buffer === o.region.tensor ? 'its home buffer' : `home buffer ${o.buffer}${at > 0 ? ` at byte ${at}` : ''}`;
  // Integer (and other non-float) tensors: the same window with their element size.
  const typed = dtype === 'float32' ? '' : `_b`;
  const esize = dtype === 'float32' ? '' : `, ${elementSize(ctx, layer, o.region.tensor)}`;
  w.line(`${fn}${typed}(&${v}, ${ptr}${esize}, ${R}, ${v}_full, ${v}_st, ${v}_ex); /* ${safeComment(o.region.tensor)}${dtype === 'float32' ? '' : ` (${dtype})`} in ${safeComment(where)} */`);
  if (patchCols) w.line(`mpg_view_rebase(&${v}, ${patchCols.dim});`);
  return v;
}

function emitDmaStart(ctx: CodegenContext, layer: LayerSchedule, w: CWriter, s: Stmt & { kind: 'dma-start' }, env: Env, state: FnState, group: string): void {
  w.scope(() => {
    w.comment(`${s.token}: DMA ${s.direction} ${s.src.buffer} -> ${s.dst.buffer} on channel ${s.channel} (up to ${s.bytes} B)`);
    const src = emitView(ctx, layer, w, s.src, env, state);
    const dst = emitView(ctx, layer, w, s.dst, env, state);
    w.line(`MPG_CHECK(mpg_dma_start(&${group}, ${s.channel}, &${dst}, &${src}));`);
  });
}

function emitComputeStmt(ctx: CodegenContext, layer: LayerSchedule, w: CWriter, s: Stmt & { kind: 'compute' }, env: Env, state: FnState): void {
  const node = ctx.node(layer);
  if (node.domain === TFLITE_OP_DOMAIN || node.domain === QLINEAR_DOMAIN) {
    w.scope(() => {
      const tiled = [...s.inputs, ...s.outputs].some((o) => o.region.ranges.length > 0);
      w.comment(`compute ${node.domain === TFLITE_OP_DOMAIN ? 'TFLite' : 'quantized ONNX'} ${node.opType} (${s.macs} MACs${tiled ? ' per tile' : ''})`);
      const site = tiled ? windowOperands(ctx, layer, w, s, env, state) : { pointers: wholeOperandPointers(ctx, s, env) };
      if (node.domain === TFLITE_OP_DOMAIN) emitTfliteCompute({ ctx, w, node, layer, ...site });
      else emitQlinearCompute({ ctx, w, node, layer, ...site });
    });
    return;
  }
  if (s.node !== undefined) {
    emitMemberCompute(ctx, layer, w, s, env, state);
    return;
  }
  w.scope(() => {
    w.comment(`compute ${s.op} (${s.macs} MACs per tile)`);
    const views = new Map<string, string>();
    // A fused residual is read at the output's window (the schedule appends its operand last).
    const residuals = new Set(fusedResiduals(node, ctx.graph));
    const own = s.inputs.filter((o) => !residuals.has(o.region.tensor));
    for (const o of own) if (!views.has(o.region.tensor)) views.set(o.region.tensor, emitView(ctx, layer, w, o, env, state));
    const chainViews = new Map(views);
    for (const o of s.inputs) if (residuals.has(o.region.tensor)) chainViews.set(o.region.tensor, emitView(ctx, layer, w, o, env, state));
    const outs = s.outputs.map((o) => emitView(ctx, layer, w, o, env, state));
    const accumulate = s.accumulate ? accumulateConditions(env, s.accumulate) : undefined;
    const site: Emit = { ctx, w, node, layer, views, outs, fresh: () => state.fresh('t'), ...(accumulate ? { accumulate } : {}) };
    emitCompute(site);
    if (node.fused && accumulate) {
      w.block(`if ${accumulate.last}`, () => {
        w.comment('after the last slice of the reduction: the fused steps run once, on the accumulator');
        const { accumulate: _slice, ...whole } = site;
        emitFusedChain({ ...whole, views: chainViews });
      });
    } else if (node.fused) emitFusedChain({ ...site, views: chainViews });
  });
}

/** C conditions of the first and last slice of a reduction loop. */
function accumulateConditions(env: Env, a: { loopVar: string; iterations: number }): { first: string; last: string } {
  const v = env.loopVars.get(a.loopVar);
  if (v === undefined) throw new InternalError(`reduction loop variable '${a.loopVar}' is not in scope`);
  return { first: `(${v} == 0)`, last: `(${v} == ${a.iterations - 1})` };
}

/**
 * A member of a depth-first segment: its new rows of this band (none in the prologue bands of a
 * later member, or past the last row), from windows of line buffers or of the segment's input.
 * MP_COUNT_MACS (a host build option) adds the MACs of every row computed to mp_mac_count.
 */
function emitMemberCompute(ctx: CodegenContext, layer: LayerSchedule, w: CWriter, s: Stmt & { kind: 'compute' }, env: Env, state: FnState): void {
  const seg = ctx.node(layer).segment;
  const node = seg?.members.find((m) => m.name === s.node);
  if (!node) unsupported(layer, `compute of '${s.node ?? ''}', which is not a member of this segment`);
  if (node.domain === TFLITE_OP_DOMAIN) {
    emitIntMemberCompute(ctx, layer, w, s, env, state, node);
    return;
  }
  w.scope(() => {
    const out = s.outputs[0]!;
    const rows = out.region.ranges.find((r) => r.loopVar !== '')!;
    w.comment(
      layer.segment?.mode === 'tiles'
        ? `${safeComment(node.name)} (${s.op}): its window of ${safeComment(out.region.tensor)} for this tile, up to ${rows.extent} row(s) (${s.macs} MACs)`
        : `${safeComment(node.name)} (${s.op}): ${rows.extent} new row(s) of ${safeComment(out.region.tensor)} per band (${s.macs} MACs)`,
    );
    const views = new Map<string, string>();
    // A fused residual is read at the output's rows (its operand comes last, like a layer's).
    const residuals = new Set(fusedResiduals(node, ctx.graph));
    for (const o of s.inputs) if (!residuals.has(o.region.tensor) && !views.has(o.region.tensor)) views.set(o.region.tensor, emitView(ctx, layer, w, o, env, state));
    const chainViews = new Map(views);
    for (const o of s.inputs) if (residuals.has(o.region.tensor)) chainViews.set(o.region.tensor, emitView(ctx, layer, w, o, env, state));
    const outs = s.outputs.map((o) => emitView(ctx, layer, w, o, env, state));
    const cols = segmentColumns(out.region.ranges);
    if (!cols) {
      w.block(`if (${outs[0]}.ext[${rows.dim}] > 0)`, () => {
        w.line(`MPG_COUNT_MACS(${s.macs / rows.extent}L * ${outs[0]}.ext[${rows.dim}]);`);
        const site: Emit = { ctx, w, node, layer, views, outs, fresh: () => state.fresh('t') };
        emitCompute(site);
        if (node.fused) emitFusedChain({ ...site, views: chainViews });
      });
      return;
    }
    // A column patch: the rows of this band over the patch's columns (its halo columns included).
    w.block(`if (${outs[0]}.ext[${rows.dim}] > 0 && ${outs[0]}.ext[${cols.dim}] > 0)`, () => {
      w.line(`MPG_COUNT_MACS(${s.macs / (rows.extent * cols.extent)}L * ${outs[0]}.ext[${rows.dim}] * ${outs[0]}.ext[${cols.dim}]);`);
      const variants = patchPadVariants(ctx, layer, node, s, cols);
      const patchVar = env.loopVars.get(cols.loopVar)!;
      variants.forEach((variant, k) => {
        const emit = () => {
          const site: Emit = { ctx, w, node: variant.node, layer, views, outs, fresh: () => state.fresh('t') };
          emitCompute(site);
          if (node.fused) emitFusedChain({ ...site, views: chainViews });
        };
        if (variants.length === 1) emit();
        else if (k === 0) w.block(`if (${patchVar} < ${variant.until})`, emit);
        else if (k < variants.length - 1) w.block(`else if (${patchVar} < ${variant.until})`, emit);
        else w.block('else', emit);
      });
    });
  });
}

/** The column range of a segment operand (patch and tiles modes: the one on the patch loop), if any. */
function segmentColumns(ranges: readonly TileRange[]): TileRange | undefined {
  return ranges.find((r) => r.loopVar === SEGMENT_PATCH_LOOP);
}

/**
 * An integer (TFLite) member of a segment: its kernel on the windows of its operands as they lie in
 * their buffers (line, region or whole buffers; rows and columns at any strides, channels whole), the
 * padding moved by where the windows start (int/emit-tflite.ts, `segment`).
 */
function emitIntMemberCompute(ctx: CodegenContext, layer: LayerSchedule, w: CWriter, s: Stmt & { kind: 'compute' }, env: Env, state: FnState, node: OpNode): void {
  w.scope(() => {
    const out = s.outputs[0]!;
    const rows = out.region.ranges.find((r) => r.loopVar !== '')!;
    const cols = segmentColumns(out.region.ranges);
    w.comment(
      layer.segment?.mode === 'tiles'
        ? `${safeComment(node.name)} (TFLite ${s.op}): its window of ${safeComment(out.region.tensor)} for this tile, up to ${rows.extent} row(s) (${s.macs} MACs)`
        : `${safeComment(node.name)} (TFLite ${s.op}): ${rows.extent} new row(s) of ${safeComment(out.region.tensor)} per band (${s.macs} MACs)`,
    );
    const pointers = new Map<string, string>();
    const views = new Map<string, string>();
    for (const o of [...s.inputs, ...s.outputs]) {
      if (views.has(o.region.tensor)) continue;
      const v = emitView(ctx, layer, w, o, env, state, true);
      views.set(o.region.tensor, v);
      pointers.set(o.region.tensor, `${v}.ptr`);
    }
    // A PAD folded into this convolution (schedule/depth-first/members.ts, foldPads): the kernel reads
    // the PAD's input, its padding added to the convolution's own.
    const x = node.inputs[0] ?? '';
    let kernelNode = node;
    let foldedPad: { top: number; left: number } | undefined;
    if (s.inputs.length > 0 && s.inputs[0]!.region.tensor !== x) {
      const pad = ctx.node(layer).segment!.members.find((m) => m.outputs[0] === x && (m.opType === 'PAD' || m.opType === 'PADV2'));
      const p = pad && ctx.graph.weights.get(pad.inputs[1] ?? '');
      if (!pad || !p || p.data.kind !== 'dense' || pad.inputs[0] !== s.inputs[0]!.region.tensor) unsupported(layer, `'${node.name}' reads '${s.inputs[0]!.region.tensor}', which is not its input or a PAD's input`);
      const values = constNumbers(p);
      foldedPad = { top: values[2]!, left: values[4]! };
      kernelNode = { ...node, inputs: [pad.inputs[0]!, ...node.inputs.slice(1)] };
    }
    const y = views.get(out.region.tensor)!;
    const nonEmpty = cols ? `${y}.ext[${rows.dim}] > 0 && ${y}.ext[${cols.dim}] > 0` : `${y}.ext[${rows.dim}] > 0`;
    w.block(`if (${nonEmpty})`, () => {
      if (cols) w.line(`MPG_COUNT_MACS(${s.macs / (rows.extent * cols.extent)}L * ${y}.ext[${rows.dim}] * ${y}.ext[${cols.dim}]);`);
      else w.line(`MPG_COUNT_MACS(${s.macs / rows.extent}L * ${y}.ext[${rows.dim}]);`);
      emitTfliteCompute({ ctx, w, node: kernelNode, layer, pointers, views, segment: true, ...(foldedPad ? { foldedPad } : {}) });
    });
  });
}

/**
 * A window kernel (Conv, MaxPool, AveragePool) on a column patch sees the patch's input columns
 * [lo_in, ...) as a whole tensor, its output columns [lo_out, ...) too: output column j reads
 * input column (lo_out + j) * stride - pad_left + k*dil, i.e. local column j * stride - pad' + k*dil
 * with pad' = pad_left - lo_out * stride + lo_in. pad' depends on the patch (the first patches keep
 * some of the padding): one node variant with explicit pads per run of patches with the same pad'.
 */
function patchPadVariants(ctx: CodegenContext, layer: LayerSchedule, node: OpNode, s: Stmt & { kind: 'compute' }, cols: TileRange): { node: OpNode; until: number }[] {
  const patches = layer.segment?.patches ?? 1;
  if (node.opType !== 'Conv' && node.opType !== 'MaxPool' && node.opType !== 'AveragePool') return [{ node, until: patches }];
  const x = node.inputs[0]!;
  const input = s.inputs.find((o) => o.region.tensor === x);
  const inCols = input?.region.ranges.find((r) => r.dim === 3 && r.loopVar !== '');
  if (!inCols) return [{ node, until: patches }];
  const xs = ctx.shapeOf(x);
  const ys = ctx.shapeOf(node.outputs[0]!);
  const kernel = windowKernel(node, ctx.graph.weights.get(node.inputs[1] ?? '')?.shape ?? ctx.graph.tensors.get(node.inputs[1] ?? '')?.shape);
  if (!kernel || kernel.length !== 2 || xs.length !== 4) unsupported(layer, `'${node.name}' cannot run on column patches`);
  const a = windowAttrs(node, 2);
  const { begin, end } = resolvePads(a.autoPad, { inSizes: xs.slice(2), outSizes: ys.slice(2), kernel, strides: a.strides, dilations: a.dilations, pads: a.pads });
  const stride = a.strides[1]!;
  const out: { node: OpNode; until: number }[] = [];
  for (let p = 0; p < patches; p++) {
    const loOut = Math.max(0, p * cols.stride + cols.offset);
    const loIn = Math.max(0, p * inCols.stride + inCols.offset);
    const pad = begin[1]! - loOut * stride + loIn;
    const last = out[out.length - 1];
    const padOf = (n: OpNode) => (n.attributes.get('pads')?.value as readonly number[] | undefined)?.[1];
    if (last && padOf(last.node) === pad) {
      last.until = p + 1;
      continue;
    }
    const attributes = new Map(node.attributes);
    attributes.set('auto_pad', { type: 'string', value: 'NOTSET' });
    attributes.set('pads', { type: 'ints', value: [begin[0]!, pad, end[0]!, end[1]!] });
    out.push({ node: { ...node, attributes }, until: p + 1 });
  }
  return out;
}

/** A line buffer's window moves on: kept rows move down (nothing to keep before the first band). */
function emitShift(ctx: CodegenContext, w: CWriter, s: Stmt & { kind: 'shift' }, env: Env): void {
  const b = ctx.buffer(s.buffer);
  const lines = b.lines;
  if (!lines) throw new InternalError(`shift of '${s.buffer}', which is not a line buffer`);
  const v = env.loopVars.get(lines.loopVar);
  if (v === undefined) throw new InternalError(`loop variable '${lines.loopVar}' is not in scope`);
  const full = ctx.shapeOf(b.tensor ?? '');
  w.block(`if (${v} > 0)`, () => {
    if (lines.cols) {
      // A patch's line buffer: rows of the patch's (clamped) width.
      w.line(`long full[${full.length}] = {${full.join(', ')}}, cs, cw;`);
      w.line(`mpg_clamp(&cs, &cw, ${startExpr(env, lines.cols)}, ${lines.cols.extent}, ${lines.cols.limit});`);
      w.line(`full[${lines.cols.dim}] = cw;`);
    } else w.line(`static const long full[${full.length}] = {${full.join(', ')}};`);
    if (b.dtype !== 'float32') {
      const esize = byteSize(b.dtype, 1);
      w.line(`mpg_shift_lines_b(${bufferPtr(ctx, s.buffer, env)}, ${esize}, ${full.length}, full, ${lines.dim}, ${lines.rows}, ${s.rows}); /* ${safeComment(s.buffer)}: keep ${lines.rows - s.rows} row(s) */`);
    } else w.line(`mpg_shift_lines(${bufferPtr(ctx, s.buffer, env)}, ${full.length}, full, ${lines.dim}, ${lines.rows}, ${s.rows}); /* ${safeComment(s.buffer)}: keep ${lines.rows - s.rows} row(s) */`);
  });
}

/** An integer layer computed whole: the pointer of each operand's buffer (a whole tile or the home buffer). */
function wholeOperandPointers(ctx: CodegenContext, s: Stmt & { kind: 'compute' }, env: Env): Map<string, string> {
  const pointers = new Map<string, string>();
  for (const o of [...s.inputs, ...s.outputs]) pointers.set(o.region.tensor, homePtr(ctx, o, env));
  return pointers;
}

/**
 * An integer layer computed on windows: a view of each operand's window (in its tile or its home
 * buffer); the integer emitters call their kernel on the window's first element with the window's
 * sizes (int/window.ts), and refuse (MP701) an op that cannot run on a window.
 */
function windowOperands(ctx: CodegenContext, layer: LayerSchedule, w: CWriter, s: Stmt & { kind: 'compute' }, env: Env, state: FnState): { pointers: Map<string, string>; views: Map<string, string> } {
  const pointers = new Map<string, string>();
  const views = new Map<string, string>();
  for (const o of [...s.inputs, ...s.outputs]) {
    if (views.has(o.region.tensor)) continue;
    const v = emitView(ctx, layer, w, o, env, state);
    views.set(o.region.tensor, v);
    pointers.set(o.region.tensor, `${v}.ptr`);
  }
  return { pointers, views };
}

/**
 * The chain fused into a node (graph optimizations): each step runs in place on the output window
 * the node just computed, inside the same tile iteration, so the intermediate tensors never exist.
 * x*f(x) gates (SiLU, PyTorch's HardSwish) run as one step.
 */
function emitFusedChain(site: Emit): void {
  const { ctx, w, node, views, outs } = site;
  const out = outs[0]!;
  const chain = node.fused ?? [];
  // The tensor the head node computed: the chain's first step reads it (as either operand: Add(bias, x) too).
  let current = node.fusedInput ?? chain[0]?.inputs.find((name) => name !== '' && !ctx.graph.weights.has(name)) ?? '';
  for (let i = 0; i < chain.length; i++) {
    const step = chain[i]!;
    const next = chain[i + 1];
    const gate = gateOf(step, next, current);
    w.comment(`fused ${gate ? `${step.opType} gate` : step.opType} (${safeComment(step.name)}${gate ? `, ${safeComment(next!.name)}` : ''}) in place on the output`);
    if (gate) {
      w.line(`MPG_CHECK(mpg_unary(${gate}, &${out}, &${out}));`);
      current = next!.outputs[0]!;
      i += 1;
      continue;
    }
    const stepViews = new Map(views);
    stepViews.set(current, out);
    emitCompute({ ...site, node: step, views: stepViews, outs: [out] });
    current = step.outputs[0]!;
  }
}

/** `op, a, b` of the runtime's gate for x * f(x) (f = Sigmoid or HardSigmoid, then Mul), if it is one. */
function gateOf(f: OpNode, mul: OpNode | undefined, x: string): string | undefined {
  if (!mul || mul.opType !== 'Mul' || f.inputs[0] !== x) return undefined;
  const ins = [...mul.inputs].sort();
  const want = [x, f.outputs[0]!].sort();
  if (ins[0] !== want[0] || ins[1] !== want[1]) return undefined;
  if (f.opType === 'Sigmoid') return 'MP_UN_SILU, 0.0f, 0.0f';
  if (f.opType === 'HardSigmoid') return `MP_UN_HARDSIGMOID_GATE, ${cFloat(floatAttr(f, 'alpha', 0.2))}, ${cFloat(floatAttr(f, 'beta', 0.5))}`;
  return undefined;
}
