import { describe, expect, it } from 'vitest';
import { readBufferSets } from '../../src/bufferset/index.js';
import { InputError } from '../../src/diagnostics/errors.js';

describe('readBufferSets', () => {
  it('reads buffer-set JSON as one set named after the file', () => {
    const file = readBufferSets('{"buffers": [{"name": "a", "sizeBytes": 4, "start": 0, "end": 0}]}', 'dir/set.json');
    expect(file).toEqual({
      format: 'json',
      sets: [{ name: 'set.json', buffers: [{ name: 'a', sizeBytes: 4, start: 0, end: 0 }], pools: [{ name: 'sram', sizeBytes: null }], publishedBytes: null }],
    });
  });

  it('reads MiniMalloc CSV with its capacity', () => {
    const file = readBufferSets('id,lower,upper,size\nx,0,2,8\n', '/tmp/P.64.csv');
    expect(file.format).toBe('minimalloc-csv');
    expect(file.sets[0]).toMatchObject({ name: 'P.64.csv', pools: [{ name: 'sram', sizeBytes: 64 }] });
    expect(file.sets[0]?.buffers).toEqual([{ name: 'x', sizeBytes: 8, start: 0, end: 1 }]);
  });

  it('reads a Glow trace as one set per model, with Glow result', () => {
    const file = readBufferSets('MODEL a\nALIGN 4\nALLOC 1 4\nFREE 1\nMEM 4\nMODEL b\nALIGN 4\nALLOC 1 8\nFREE 1\n', 'trace.txt');
    expect(file.format).toBe('glow-trace');
    expect(file.sets.map((s) => [s.name, s.publishedBytes])).toEqual([['a', 4], ['b', null]]);
  });

  it('passes errors of the format through as MP601', () => {
    expect(() => readBufferSets('{"buffers": 3}', 'x.json')).toThrow(InputError);
    expect(() => readBufferSets('id,lower,upper,size\nx,3,1,8\n', 'x.csv')).toThrow(/upper 1 must exceed lower 3/);
    expect(() => readBufferSets('hello', 'model.onnx')).toThrow(/unrecognised buffer-set format/);
  });
});
