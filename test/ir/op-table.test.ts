/**
 * The op-capability table (src/ir/op-table.ts) is the one list of ops: every op the importers accept
 * has exactly one row, each stage's implementations cover exactly the rows that claim them, and the
 * lists derived from it agree with each other.
 */
import { describe, expect, it } from 'vitest';
import { SUPPORTED_OPS as SHAPE_OPS, shapeFunctionFor } from '../../src/frontend/shape-inference/registry.js';
import { foldableOps, constKernelFor } from '../../src/frontend/const-eval/index.js';
import { TFLITE_SHAPES } from '../../src/frontend/tflite/shapes.js';
import { TFLITE_DOMAIN } from '../../src/frontend/tflite/import-tflite.js';
import { KERNEL_FAMILIES, SUPPORTED_OPS as C_KERNEL_OPS } from '../../src/codegen/ops/index.js';
import { TFLITE_KERNEL_OPS, TFLITE_WINDOWED_OPS } from '../../src/codegen/int/emit-tflite.js';
import { QLINEAR_WINDOWED_OPS } from '../../src/codegen/int/emit-qlinear.js';
import { opTraits } from '../../src/ir/op-traits.js';
import type { KernelFamilyId } from '../../src/ir/op-table.js';
import { ONNX_OP_TABLE, QLINEAR_OP_DOMAIN, QLINEAR_OP_TABLE, TFLITE_OP_DOMAIN, TFLITE_OP_TABLE, cKernelOps, opEntry, opsWithKernel, opsWithTiling } from '../../src/ir/op-table.js';

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();
const onnxRows = [...ONNX_OP_TABLE];

describe('every op the importers accept has one row', () => {
  it('ONNX: the rows are exactly the ops with a shape function', () => {
    expect(sorted(ONNX_OP_TABLE.keys())).toEqual(sorted(SHAPE_OPS));
    for (const op of ONNX_OP_TABLE.keys()) expect(shapeFunctionFor(op, ''), op).toBeDefined();
  });

  it('TFLite: the rows are exactly the operators with a shape function', () => {
    expect(TFLITE_OP_DOMAIN).toBe(TFLITE_DOMAIN);
    expect(sorted(TFLITE_OP_TABLE.keys())).toEqual(sorted(TFLITE_SHAPES.keys()));
  });

  it('every constant-fold kernel is a row (folding never knows an op the importer rejects)', () => {
    const fold = foldableOps();
    expect(fold.length).toBeGreaterThan(30);
    for (const op of fold) {
      expect(ONNX_OP_TABLE.has(op), op).toBe(true);
      expect(constKernelFor(op, ''), op).toBeDefined();
    }
  });

  it('looks rows up by domain', () => {
    expect(opEntry('Conv', '')?.tiling).toBe('conv');
    expect(opEntry('Conv', 'ai.onnx')?.tiling).toBe('conv');
    expect(opEntry('CONV_2D', TFLITE_OP_DOMAIN)?.kernel).toBe('int');
    expect(opEntry('Conv', 'com.microsoft')).toBeUndefined();
    expect(opEntry('NoSuchOp', '')).toBeUndefined();
  });
});

describe('each stage covers exactly the rows that claim it', () => {
  it('each float kernel family emits exactly its rows', () => {
    for (const [family, emitters] of Object.entries(KERNEL_FAMILIES)) {
      expect(sorted(Object.keys(emitters)), family).toEqual(opsWithKernel(family as KernelFamilyId));
    }
  });

  it("codegen's SUPPORTED_OPS is the table's kernel rows", () => {
    expect([...C_KERNEL_OPS]).toEqual(cKernelOps());
  });

  it('the TFLite integer kernels are the TFLite rows with an int kernel', () => {
    expect(sorted(TFLITE_KERNEL_OPS)).toEqual(opsWithKernel('int'));
    for (const [op, e] of TFLITE_OP_TABLE) {
      // Tiled (an int-* family) exactly when the integer emitter runs the op on a window.
      expect(e.tiling.startsWith('int-'), op).toBe(TFLITE_WINDOWED_OPS.has(op));
      if (!TFLITE_WINDOWED_OPS.has(op)) expect(e.tiling, op).toBe('whole');
      // Integer kernels take no fused chain, and CONCATENATION may requantize: never fusible or copy-free.
      expect(e.traits.fusible ?? false, op).toBe(false);
      expect(e.traits.concat ?? false, op).toBe(false);
    }
    const withTraits = [...TFLITE_OP_TABLE].filter(([, e]) => Object.keys(e.traits).length > 0).map(([op]) => op).sort();
    expect(withTraits).toEqual(['ADD', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'EXPAND_DIMS', 'MUL', 'PAD', 'PADV2', 'RELU', 'RELU6', 'RELU_N1_TO_1', 'RESHAPE', 'SQUEEZE', 'SUB']);
    // A PAD folds into the convolutions only (not the pools: TFLite's average excludes the padding).
    const pads = [...TFLITE_OP_TABLE].filter(([, e]) => e.traits.pad).map(([op]) => op).sort();
    const takers = [...TFLITE_OP_TABLE].filter(([, e]) => e.traits.acceptsZeroPad).map(([op]) => op).sort();
    expect([pads, takers]).toEqual([['PAD', 'PADV2'], ['CONV_2D', 'DEPTHWISE_CONV_2D']]);
  });

  it('quantized ONNX\u2019s integer layers are tiled where the qlinear kernels run on windows, and none fuses', () => {
    for (const [op, e] of QLINEAR_OP_TABLE) {
      expect(e.tiling.startsWith('int-'), op).toBe(QLINEAR_WINDOWED_OPS.has(op));
      if (!QLINEAR_WINDOWED_OPS.has(op)) expect(e.tiling, op).toBe('whole');
      expect(e.kernel, op).toBe('qlinear');
      expect(e.traits.fusible ?? false, op).toBe(false);
    }
  });

  it('one tiling family per op and domain: ONNX rows never take an int-* family, integer rows never a float op family', () => {
    for (const [op, e] of onnxRows) expect(e.tiling.startsWith('int-'), op).toBe(false);
    for (const [op, e] of [...TFLITE_OP_TABLE, ...QLINEAR_OP_TABLE]) expect(e.tiling === 'whole' || e.tiling.startsWith('int-'), op).toBe(true);
    expect(opEntry('Transpose', '')?.tiling).toBe('transpose');
    expect(opEntry('Pad', '')?.tiling).toBe('pad');
    expect(opEntry('TRANSPOSE', TFLITE_OP_DOMAIN)?.tiling).toBe('int-transpose');
    expect(opEntry('PAD', TFLITE_OP_DOMAIN)?.tiling).toBe('int-pad');
  });

  it('graph-opt traits are the rows\' traits, per domain (an ONNX op name means nothing in another domain)', () => {
    for (const [op, e] of onnxRows) expect(opTraits(op), op).toBe(e.traits);
    for (const [op, e] of TFLITE_OP_TABLE) expect(opTraits(op, TFLITE_OP_DOMAIN), op).toBe(e.traits);
    for (const [op, e] of QLINEAR_OP_TABLE) expect(opTraits(op, QLINEAR_OP_DOMAIN), op).toBe(e.traits);
    expect(opTraits('Relu', TFLITE_OP_DOMAIN)).toEqual({});
    expect(opTraits('RELU')).toEqual({});
    expect(opTraits('Relu', 'com.example')).toEqual({});
  });
});

describe('the derived lists agree', () => {
  const kernelOf = (op: string): KernelFamilyId | undefined => ONNX_OP_TABLE.get(op)?.kernel;

  it('every op with an element-wise C kernel tiles element-wise (or is a view)', () => {
    for (const op of opsWithKernel('elementwise')) expect(['elementwise', 'view'], op).toContain(ONNX_OP_TABLE.get(op)!.tiling);
  });

  it('every element-wise op of the graph rewrites tiles element-wise and runs in place', () => {
    for (const [op, e] of onnxRows) {
      if (e.traits.elementwise) {
        expect(e.tiling, op).toBe('elementwise');
        expect(e.traits.inPlaceSafe, op).toBe(true);
      }
      if (e.traits.inPlaceSafe) expect(e.traits.elementwise, op).toBeDefined();
    }
  });

  it('a fused chain can always be emitted: every fusible op has a C kernel', () => {
    for (const [op, e] of onnxRows) if (e.traits.fusible) expect(kernelOf(op), op).toBeDefined();
  });

  it('views, copies and splits agree between the rewrites and the tiling', () => {
    for (const [op, e] of onnxRows) {
      expect(e.traits.view === true, op).toBe(e.tiling === 'view');
      expect(e.traits.concat === true, op).toBe(e.tiling === 'copy');
    }
  });

  it('window and matrix ops with a kernel have their own tiling family', () => {
    for (const op of opsWithKernel('conv-pool')) expect(['conv', 'pool', 'global-pool'], op).toContain(ONNX_OP_TABLE.get(op)!.tiling);
    for (const op of opsWithKernel('gemm')) expect(ONNX_OP_TABLE.get(op)!.tiling, op).toBe('gemm');
    for (const op of ['conv', 'pool', 'global-pool', 'gemm', 'axis'] as const) expect(opsWithTiling(op).length, op).toBeGreaterThan(0);
  });

  it('the inverse trigonometric and hyperbolic ops tile element-wise (they used to get the whole-tensor template)', () => {
    for (const op of ['Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh']) {
      expect(ONNX_OP_TABLE.get(op), op).toMatchObject({ tiling: 'elementwise', kernel: 'elementwise' });
    }
  });
});
