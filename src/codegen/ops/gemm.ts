/** Matrix products: Gemm (transA/transB, alpha, beta, broadcast C) and MatMul (batched when both operands are activations). */
import type { Stmt } from '../../ir/loop.js';
import { floatAttr, intAttr } from '../../ir/attributes.js';
import { cFloat } from '../c-literals.js';
import { unsupported } from '../context.js';
import type { Emit } from './operands.js';
import { check, requireFloat, wholePointer } from './operands.js';

/** The emitter of each op (the op table's 'gemm' kernel rows). */
export const GEMM_KERNELS: Readonly<Record<string, (e: Emit) => void>> = {
  Gemm: (e) => gemm(e, 'Gemm'),
  MatMul: (e) => gemm(e, 'MatMul'),
};

function gemm(e: Emit, op: string): void {
  const n = e.node;
  const isGemm = op === 'Gemm';
  const transA = isGemm ? intAttr(n, 'transA', 0) : 0;
  const transB = isGemm ? intAttr(n, 'transB', 0) : 0;
  const alpha = isGemm ? floatAttr(n, 'alpha', 1) : 1;
  const beta = isGemm ? floatAttr(n, 'beta', 1) : 1;
  const aName = n.inputs[0] ?? '';
  const bName = n.inputs[1] ?? '';
  const a = e.views.get(aName);
  if (a === undefined) unsupported(n, 'the A operand must be an activation');
  if (e.accumulate) return gemmSlice(e, a, op);
  if (!isGemm && e.views.has(bName) && e.layer.tile.splits.length === 0) return batchedMatmul(e, a, e.views.get(bName)!);
  const as = e.ctx.shapeOf(aName);
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  if (!isGemm && e.views.has(bName) && ys.length > 2) {
    // A tile of a batched MatMul of two activations (attention): batch, head, row and column windows.
    const K = as[as.length - 1]!;
    e.w.comment('a tile of a batched MatMul: the batch / head, row and column windows of y');
    check(e, `mpg_matmul(&${a}, &${e.views.get(bName)!}, &${e.outs[0]}, ${K})`);
    return;
  }
  const M = ys[ys.length - 2] ?? 1;
  if (transA && M !== 1) return gemmTransA(e, a, transB, alpha, beta);
  const bView = e.views.get(bName);
  const bref = bView === undefined ? e.ctx.kernelWeight(n, bName) : undefined;
  if (bView === undefined && !bref) unsupported(n, 'the B operand must be an activation or a weight');
  if (bref) requireFloat(e, bref);
  if ((bref ? bref.tensor.shape : e.ctx.shapeOf(bName)).length !== 2) unsupported(n, 'B must be a matrix');
  const K = transA ? as[as.length - 2]! : as[as.length - 1]!;
  const N = ys[ys.length - 1]!;
  const { c, cRows, cCols } = isGemm ? gemmC(e, M, N) : NO_C;
  // A with transA and one row is the same memory as A without it.
  if (bView !== undefined) {
    // B's window follows the output columns; a column window of a resident B is not contiguous.
    const colSplit = e.layer.tile.splits.some((sp) => sp.dim === ys.length - 1 && !sp.reduction);
    const bResident = !e.ctx.isTile(bufferOfView(e, bName));
    if (colSplit && bResident && !transB) unsupported(n, 'a column tile of a resident activation B has no contiguous kernel layout');
    check(e, `mpg_gemm_view_b(&${a}, &${bView}, ${transB}, ${c}, ${cRows}, ${cCols}, &${e.outs[0]}, ${K}, ${cFloat(alpha)}, ${cFloat(beta)})`);
    return;
  }
  if (bref!.tensor.data.kind === 'splat') {
    check(e, `mpg_gemm_splat_b(&${a}, ${bref!.cName}_VALUE, ${c}, ${cRows}, ${cCols}, &${e.outs[0]}, ${K}, ${cFloat(alpha)}, ${cFloat(beta)})`);
    return;
  }
  const bArr = transB ? bref!.cName : e.ctx.transposedWeight(bName).cName;
  if (!transB) e.w.comment(`B (${bName}) is stored transposed as [${N}][${K}] for the kernel`);
  check(e, `mpg_gemm_b(&${a}, ${bArr}, 1, ${N}, ${c}, ${cRows}, ${cCols}, &${e.outs[0]}, ${K}, ${cFloat(alpha)}, ${cFloat(beta)})`);
}

/**
 * One K slice of a 2-D MatMul or Gemm with a constant B, added into the accumulator tile (a reduction
 * split). Gemm: after the last slice, y = alpha * y + beta * C (mpg_gemm_finish: the same operations
 * as the unsplit kernel).
 */
function gemmSlice(e: Emit, a: string, op: string): void {
  const n = e.node;
  const isGemm = op === 'Gemm';
  const transB = isGemm ? intAttr(n, 'transB', 0) : 0;
  const alpha = isGemm ? floatAttr(n, 'alpha', 1) : 1;
  const beta = isGemm ? floatAttr(n, 'beta', 1) : 1;
  if (isGemm && intAttr(n, 'transA', 0) !== 0) unsupported(n, 'a reduction split of a Gemm with transA');
  const bName = n.inputs[1] ?? '';
  const kDim = e.ctx.shapeOf(n.inputs[0]!).length - 1;
  const bTile = e.views.get(bName);
  if (bTile !== undefined && e.ctx.weightsDmaFrom !== undefined) {
    // B in its SRAM tile (weights the cores cannot read): the slice's K rows of the tile's columns.
    if (e.ctx.shapeOf(bName).length !== 2) unsupported(n, 'a reduction split needs a constant 2-D B');
    e.w.comment(`K columns [${a}.start[${kDim}], +ext) of A times the B tile's rows of that slice, added into the accumulator`);
    check(e, `mpg_gemm_slice_view(&${a}, &${bTile}, ${transB}, &${e.outs[0]}, ${e.accumulate!.first})`);
  } else {
    const bref = e.ctx.weight(bName);
    if (!bref || bref.tensor.shape.length !== 2) unsupported(n, 'a reduction split needs a constant 2-D B');
    requireFloat(e, bref);
    if (bref.tensor.data.kind === 'splat') unsupported(n, `a reduction split of a ${op} with a constant-filled B`);
    const [K, N] = (transB ? [bref.tensor.shape[1], bref.tensor.shape[0]] : bref.tensor.shape) as [number, number];
    e.w.comment(`K columns [${a}.start[${kDim}], +ext) of A times B's rows, added into the accumulator`);
    check(e, `mpg_gemm_slice(&${a}, ${bref.cName}, ${transB}, ${N}, ${K}, &${e.outs[0]}, ${e.accumulate!.first})`);
  }
  if (!isGemm) return;
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const { c, cRows, cCols } = gemmC(e, ys[0]!, ys[1]!);
  if (c === 'NULL' && alpha === 1) return;
  e.w.block(`if ${e.accumulate!.last}`, () => check(e, `mpg_gemm_finish(&${e.outs[0]}, ${cFloat(alpha)}, ${c}, ${cRows}, ${cCols}, ${cFloat(beta)})`));
}

const NO_C = { c: 'NULL', cRows: 1, cCols: 1 } as const;

/**
 * Gemm's C operand as the kernels take it: a pointer expression and its rows and columns as it
 * broadcasts to [M][N] (NO_C without one). C in SRAM (an activation, or its tile when the cores cannot
 * read weights) is read whole; a constant-filled C becomes a one-element array.
 */
function gemmC(e: Emit, M: number, N: number): { c: string; cRows: number; cCols: number } {
  const n = e.node;
  const cName = n.inputs[2] ?? '';
  if (cName === '') return NO_C;
  const cv = e.views.get(cName);
  const cref = cv === undefined ? e.ctx.kernelWeight(n, cName) : undefined;
  if (cv === undefined && !cref) unsupported(n, 'the C operand must be constant');
  if (cref) requireFloat(e, cref);
  const cs = cref ? cref.tensor.shape : e.ctx.shapeOf(cName);
  const [cRows, cCols] = matrixDims(cs);
  if ((cCols !== 1 && cCols !== N) || (cRows !== 1 && cRows !== M) || cs.length > 2) unsupported(n, 'C does not broadcast to [M][N]');
  if (cv !== undefined) {
    e.w.line(`if (!mpg_is_whole(&${cv})) return MP_EPARAM; /* C is read whole */`);
    return { c: `${cv}.data`, cRows, cCols };
  }
  if (cref!.tensor.data.kind === 'splat') {
    const t = e.fresh();
    e.w.line(`static const float ${t}_c[1] = {${cref!.cName}_VALUE};`);
    return { c: `${t}_c`, cRows: 1, cCols: 1 };
  }
  return { c: cref!.cName, cRows, cCols };
}

/** Rows and columns of Gemm's C as it broadcasts to [M][N]: its last two dims, 1 where absent. */
function matrixDims(cs: readonly number[]): [number, number] {
  return [cs.length >= 2 ? cs[cs.length - 2]! : 1, cs.length >= 1 ? cs[cs.length - 1]! : 1];
}

/** Gemm with transA and several rows: computed whole by mp_gemm (A is [K][M]). */
function gemmTransA(e: Emit, a: string, transB: number, alpha: number, beta: number): void {
  const n = e.node;
  if (e.layer.tile.splits.length > 0) unsupported(n, 'a tiled Gemm with transA');
  const ys = e.ctx.shapeOf(n.outputs[0]!);
  const as = e.ctx.shapeOf(n.inputs[0]!);
  const [M, N] = [ys[0]!, ys[1]!];
  const K = as[0]!;
  const b = wholePointer(e, 1, 'B');
  if (!b || b.splat !== undefined) unsupported(n, 'a constant-filled B with transA');
  const c = wholePointer(e, 2, 'C');
  if (c?.splat !== undefined) unsupported(n, 'a constant-filled C with transA');
  const cs = c ? (e.views.has(n.inputs[2]!) ? e.ctx.shapeOf(n.inputs[2]!) : [...c.shape]) : [];
  const [cRows, cCols] = matrixDims(cs);
  const y = e.outs[0]!;
  e.w.line(`if (!mpg_is_whole(&${a}) || !mpg_is_whole(&${y})) return MP_EPARAM;`);
  e.w.line(`{ const mp_act none = {MP_ACT_NONE, 0.0f, 0.0f}; mp_gemm(${a}.data, ${b.ptr}, ${c ? c.ptr : 'NULL'}, ${y}.data, ${M}, ${N}, ${K}, 1, ${transB}, ${cFloat(alpha)}, ${cFloat(beta)}, ${cRows}, ${cCols}, 0, ${M}, none); }`);
}

/** MatMul of two activations computed whole, with ONNX batch broadcasting (mp_matmul). */
function batchedMatmul(e: Emit, a: string, b: string): void {
  const n = e.node;
  // B may be a weight in its SRAM tile (weights the cores cannot read), laid out as the weight.
  const shape = (t: string) => e.ctx.graph.tensors.get(t)?.shape ?? e.ctx.graph.weights.get(t)?.shape ?? e.ctx.tensor(t).shape;
  const as = shape(n.inputs[0]!);
  const bs = shape(n.inputs[1]!);
  if (as.length === 0 || bs.length === 0) unsupported(n, 'MatMul of scalars');
  const aM = as.length === 1 ? [1, as[0]!] : as.slice(-2);
  const bM = bs.length === 1 ? [bs[0]!, 1] : bs.slice(-2);
  const [M, K] = aM as [number, number];
  const N = bM[1]!;
  if (bM[0] !== K) unsupported(n, 'inner dimensions differ');
  const aBatch = as.length > 2 ? as.slice(0, -2) : [];
  const bBatch = bs.length > 2 ? bs.slice(0, -2) : [];
  const rank = Math.max(aBatch.length, bBatch.length);
  if (rank > 8) unsupported(n, 'more than 8 batch dims');
  const batch: number[] = [];
  const aStr: number[] = [];
  const bStr: number[] = [];
  const stridesOf = (dims: readonly number[], inner: number) => {
    const st: number[] = [];
    let acc = inner;
    for (let d = dims.length - 1; d >= 0; d--) {
      st[d] = acc;
      acc *= dims[d]!;
    }
    return st;
  };
  const aS = stridesOf(aBatch, M * K);
  const bS = stridesOf(bBatch, K * N);
  for (let d = 0; d < rank; d++) {
    const ad = d - (rank - aBatch.length);
    const bd = d - (rank - bBatch.length);
    const ae = ad >= 0 ? aBatch[ad]! : 1;
    const be = bd >= 0 ? bBatch[bd]! : 1;
    batch.push(Math.max(ae, be));
    aStr.push(ae === 1 ? 0 : aS[ad]!);
    bStr.push(be === 1 ? 0 : bS[bd]!);
  }
  const t = e.fresh();
  const arr = (xs: number[]) => (xs.length === 0 ? '{0}' : `{${xs.join(', ')}}`);
  e.w.line(`const long ${t}_batch[${Math.max(1, rank)}] = ${arr(batch)};`);
  e.w.line(`const long ${t}_as[${Math.max(1, rank)}] = ${arr(aStr)};`);
  e.w.line(`const long ${t}_bs[${Math.max(1, rank)}] = ${arr(bStr)};`);
  e.w.line(`const mp_act ${t}_act = {MP_ACT_NONE, 0.0f, 0.0f};`);
  e.w.line(`if (!mpg_is_whole(&${a}) || !mpg_is_whole(&${b}) || !mpg_is_whole(&${e.outs[0]})) return MP_EPARAM;`);
  check(e, `mp_matmul(${a}.data, ${b}.data, ${e.outs[0]}.data, ${rank}, ${t}_batch, ${t}_as, ${t}_bs, ${M}, ${N}, ${K}, ${t}_act)`);
}

/** The buffer holding an activation operand in this layer's compute statement. */
function bufferOfView(e: Emit, tensor: string): string {
  const find = (body: readonly Stmt[]): string | undefined => {
    for (const st of body) {
      if (st.kind === 'compute') {
        const o = st.inputs.find((x) => x.region.tensor === tensor);
        if (o) return o.buffer;
      } else if (st.kind === 'loop') {
        const r = find(st.body);
        if (r) return r;
      }
    }
    return undefined;
  };
  return find(e.layer.body) ?? '';
}
