import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel, OnnxProto } from '../../src/frontend/onnx-decode.js';
import { attributesFromProto, dtypeFromOnnx, tensorFromProto } from '../../src/frontend/onnx-tensor.js';
import { failure } from './failure.js';
import { sharedModel } from '../helpers/shared-data.js';

const MNASNET = 'torchvision/mnasnet0_5_96.onnx';

function encode(model: Record<string, unknown>): Uint8Array {
  return OnnxProto.ModelProto.encode(OnnxProto.ModelProto.create(model)).finish();
}

function tiny(extra: Record<string, unknown> = {}, graph: Record<string, unknown> = {}): Uint8Array {
  return encode({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      node: [{ name: 'r', opType: 'Relu', input: ['x'], output: ['y'] }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      ...graph,
    },
    ...extra,
  });
}

describe('decodeModel', () => {
  it('decodes a real model', () => {
    const m = decodeModel(readFileSync(sharedModel(MNASNET)), 'mnasnet.onnx');
    expect(m.graph?.node?.length).toBe(99);
  });

  it('rejects empty, text and garbage files', () => {
    expect(failure(() => decodeModel(new Uint8Array(), 'e.onnx')).code).toBe('MP201');
    expect(failure(() => decodeModel(new TextEncoder().encode('hello, this is not a model\n'), 't.onnx')).code).toMatch(/MP20[12]/);
    const bytes = new Uint8Array(64).map((_, i) => (i * 97 + 13) & 0xff);
    expect(failure(() => decodeModel(bytes, 'r.onnx')).code).toMatch(/MP20[123]/);
    const f = failure(() => decodeModel(new TextEncoder().encode('hello'), 'h.onnx'));
    expect(f.message).toContain('file h.onnx');
  });

  it('reports truncation as MP202', () => {
    const full = readFileSync(sharedModel(MNASNET));
    expect(failure(() => decodeModel(full.subarray(0, full.length - 1000), 'cut.onnx')).code).toBe('MP202');
  });

  it('accepts IR 3..10 and rejects others', () => {
    for (const ir of [3, 7, 8, 9, 10]) expect(decodeModel(tiny({ irVersion: ir }), 'a.onnx').graph?.name).toBe('g');
    expect(failure(() => decodeModel(tiny({ irVersion: 2 }), 'a.onnx')).code).toBe('MP203');
    expect(failure(() => decodeModel(tiny({ irVersion: 11 }), 'a.onnx')).code).toBe('MP203');
  });

  it('skips fields from IR 9/10 that the IR 8 schema does not know', () => {
    const base = tiny({ irVersion: 10 });
    // Append unknown ModelProto fields: field 30 varint, field 31 length-delimited "abc".
    const extra = Uint8Array.from([0xf0, 0x01, 0x05, 0xfa, 0x01, 0x03, 0x61, 0x62, 0x63]);
    const bytes = new Uint8Array(base.length + extra.length);
    bytes.set(base);
    bytes.set(extra, base.length);
    expect(decodeModel(bytes, 'a.onnx').graph?.node?.[0]?.opType).toBe('Relu');
  });

  it('checks the default-domain opset', () => {
    expect(failure(() => decodeModel(tiny({ opsetImport: [{ domain: '', version: 6 }] }), 'a.onnx')).code).toBe('MP204');
    expect(failure(() => decodeModel(tiny({ opsetImport: [{ domain: '', version: 22 }] }), 'a.onnx')).code).toBe('MP204');
    expect(failure(() => decodeModel(tiny({ opsetImport: [{ domain: 'ai.onnx.ml', version: 2 }] }), 'a.onnx')).code).toBe('MP204');
    // An unused import of another domain is fine; 'ai.onnx' is the default domain.
    const ok = tiny({ opsetImport: [{ domain: 'ai.onnx', version: 21 }, { domain: 'com.microsoft', version: 1 }] });
    expect(decodeModel(ok, 'a.onnx').graph?.name).toBe('g');
  });

  it('rejects external data naming the tensor', () => {
    const bytes = tiny({}, {
      initializer: [{ name: 'w', dims: [4], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }],
    });
    const f = failure(() => decodeModel(bytes, 'a.onnx'));
    expect(f.code).toBe('MP205');
    expect(f.message).toContain("'w'");
  });

  it('rejects ops of other domains that the model uses', () => {
    const bytes = tiny(
      { opsetImport: [{ domain: '', version: 13 }, { domain: 'com.microsoft', version: 1 }] },
      { node: [{ name: 'fg', opType: 'FusedGemm', domain: 'com.microsoft', input: ['x'], output: ['y'] }] },
    );
    const f = failure(() => decodeModel(bytes, 'a.onnx'));
    expect(f.code).toBe('MP206');
    expect(f.message).toContain("node 'fg'");
    expect(f.message).toContain('FusedGemm');
    expect(f.message).toContain('com.microsoft');
  });
});

describe('tensorFromProto', () => {
  it('reads raw little-endian data of every width', () => {
    const raw = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const f32 = tensorFromProto({ name: 'a', dims: [2], dataType: 1, rawData: raw(new Float32Array([1.5, -2])) });
    expect(f32).toEqual({ dtype: 'float32', shape: [2], data: { kind: 'dense', values: new Float32Array([1.5, -2]) } });
    const i64 = tensorFromProto({ name: 'b', dims: [2], dataType: 7, rawData: raw(new BigInt64Array([-1n, 1n << 40n])) });
    expect(i64.data).toEqual({ kind: 'dense', values: new BigInt64Array([-1n, 1n << 40n]) });
    // Unaligned raw data (a subarray at an odd offset) must still decode.
    const buf = new Uint8Array(9);
    buf.set(raw(new Int32Array([7, -9])), 1);
    expect(tensorFromProto({ name: 'c', dims: [2], dataType: 6, rawData: buf.subarray(1) }).data)
      .toEqual({ kind: 'dense', values: new Int32Array([7, -9]) });
    // float16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff
    const h = tensorFromProto({ name: 'h', dims: [3], dataType: 10, rawData: raw(new Uint16Array([0x3c00, 0xc000, 0x7bff])) });
    expect(h.dtype).toBe('float16');
    expect(Array.from((h.data as { values: Float32Array }).values)).toEqual([1, -2, 65504]);
  });

  it('reads typed fields incl. int64 Longs from a decoded message', () => {
    const model = OnnxProto.ModelProto.decode(tiny({}, {
      initializer: [{ name: 'shape', dims: [3], dataType: 7, int64Data: [1, -1, 9007199254740993] }],
    }));
    const t = tensorFromProto(model.graph!.initializer![0]!);
    expect(t.shape).toEqual([3]);
    expect(t.data.kind).toBe('dense');
    // 9007199254740993 is not representable as a JS number; protobufjs encodes the rounded value.
    expect((t.data as { values: BigInt64Array }).values[0]).toBe(1n);
    expect((t.data as { values: BigInt64Array }).values[1]).toBe(-1n);
    expect((t.data as { values: BigInt64Array }).values[2]).toBe(9007199254740992n);
  });

  it('checks element counts against dims', () => {
    expect(failure(() => tensorFromProto({ name: 'x', dims: [2, 3], dataType: 1, floatData: [1, 2] })).code).toBe('MP207');
    expect(failure(() => tensorFromProto({ name: 'x', dims: [3], dataType: 1, rawData: new Uint8Array(8) })).code).toBe('MP207');
    expect(failure(() => tensorFromProto({ name: 'x', dims: [-1], dataType: 1 })).code).toBe('MP304');
    expect(failure(() => tensorFromProto({ name: 'x', dims: [1 << 30, 1 << 30, 1 << 30], dataType: 1 })).code).toBe('MP305');
    expect(failure(() => tensorFromProto({ name: 'x', dims: [1], dataType: 99, floatData: [1] })).code).toBe('MP307');
  });

  it('maps dtype codes', () => {
    expect(dtypeFromOnnx(1)).toBe('float32');
    expect(dtypeFromOnnx(7)).toBe('int64');
    expect(dtypeFromOnnx(16)).toBe('bfloat16');
    expect(dtypeFromOnnx(22)).toBe('int4');
    expect(failure(() => dtypeFromOnnx(0)).code).toBe('MP307');
  });

  it('converts attributes', () => {
    const attrs = attributesFromProto([
      { name: 'axis', type: 2, i: 3 },
      { name: 'alpha', type: 1, f: 0.5 },
      { name: 'mode', type: 3, s: new TextEncoder().encode('nearest') },
      { name: 'pads', type: 7, ints: [0, 1] },
      { name: 'value', type: 4, t: { dims: [1], dataType: 7, int64Data: [4] } },
    ]);
    expect(attrs.get('axis')).toEqual({ type: 'int', value: 3 });
    expect(attrs.get('alpha')).toEqual({ type: 'float', value: 0.5 });
    expect(attrs.get('mode')).toEqual({ type: 'string', value: 'nearest' });
    expect(attrs.get('pads')).toEqual({ type: 'ints', value: [0, 1] });
    expect(attrs.get('value')).toEqual({ type: 'tensor', value: { dtype: 'int64', shape: [1], data: { kind: 'dense', values: new BigInt64Array([4n]) } } });
  });
});

describe('decodeModel: nesting', () => {
  it('rejects absurdly deep subgraph nesting without a stack overflow', () => {
    let g: Record<string, unknown> = { name: 'leaf', node: [] };
    for (let i = 0; i < 40; i++) {
      g = { name: `g${i}`, node: [{ opType: 'If', input: ['c'], output: ['o'], attribute: [{ name: 'then_branch', type: 5, g }] }] };
    }
    const bytes = tiny({}, { node: [{ name: 'top', opType: 'If', input: ['x'], output: ['y'], attribute: [{ name: 'then_branch', type: 5, g }] }] });
    expect(failure(() => decodeModel(bytes, 'deep.onnx')).code).toBe('MP207');
  });
});
