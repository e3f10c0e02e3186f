import { describe, expect, it } from 'vitest';
import { detectBufferSetFormat, planToJson } from '../../src/bufferset/index.js';
import { InputError } from '../../src/diagnostics/errors.js';
import { inputErrorOf } from './input-error.js';
import type { PlanResult } from '../../planner/types.js';

describe('detectBufferSetFormat', () => {
  it.each([
    ['\uFEFF  {"buffers": []}', 'x.txt', 'json'],
    ['id,lower,upper,size\n0,1,2,3\n', 'x.json', 'minimalloc-csv'],
    ['\n size, id ,lower,upper\n', 'noext', 'minimalloc-csv'],
    ['#####\n# header\nMODEL a\nALIGN 64\n', 'x.csv', 'glow-trace'],
    ['', 'empty.json', 'json'],
    ['garbage', 'set.CSV', 'minimalloc-csv'],
    ['garbage', 'models.txt', 'glow-trace'],
  ] as const)('recognises %j (%s) as %s', (text, name, format) => {
    expect(detectBufferSetFormat(text, name)).toBe(format);
  });

  it('rejects what it cannot recognise with MP601 naming the file', () => {
    expect(() => detectBufferSetFormat('hello', 'model.onnx')).toThrow(InputError);
    expect(inputErrorOf(() => detectBufferSetFormat('hello', 'model.onnx')).diagnostics[0]).toMatchObject({ code: 'MP601', location: { file: 'model.onnx' } });
  });
});

describe('planToJson', () => {
  const plan: PlanResult = {
    strategy: 'hill-climb',
    fits: true,
    optimal: false,
    pools: [{ name: 'sram', sizeBytes: 262144, usedBytes: 200704, lowerBoundBytes: 199680 }],
    allocations: [{ name: 'conv1_out', pool: 'sram', offsetBytes: 0, sizeBytes: 16384 }],
    unplaced: [],
  };

  it('writes the DESIGN.md plan JSON with its key order, 2-space indent and a trailing newline', () => {
    expect(planToJson(plan)).toBe(`{
  "schemaVersion": 1,
  "strategy": "hill-climb",
  "fits": true,
  "optimal": false,
  "pools": [
    {
      "name": "sram",
      "sizeBytes": 262144,
      "usedBytes": 200704,
      "lowerBoundBytes": 199680
    }
  ],
  "allocations": [
    {
      "name": "conv1_out",
      "pool": "sram",
      "offset": 0,
      "sizeBytes": 16384
    }
  ],
  "unplaced": []
}
`);
  });

  it('keeps unbounded pools as null, lists unplaced buffers, and ignores key order of the input objects', () => {
    const shuffled = {
      unplaced: ['big'],
      allocations: [{ sizeBytes: 8, offsetBytes: 64, pool: 'dram', name: 'a' }],
      pools: [{ lowerBoundBytes: 8, usedBytes: 72, sizeBytes: null, name: 'dram' }],
      optimal: false,
      fits: false,
      strategy: 'auto',
    } as PlanResult;
    const parsed = JSON.parse(planToJson(shuffled));
    expect(Object.keys(parsed)).toEqual(['schemaVersion', 'strategy', 'fits', 'optimal', 'pools', 'allocations', 'unplaced']);
    expect(parsed.pools[0]).toEqual({ name: 'dram', sizeBytes: null, usedBytes: 72, lowerBoundBytes: 8 });
    expect(Object.keys(parsed.allocations[0])).toEqual(['name', 'pool', 'offset', 'sizeBytes']);
    expect(parsed.allocations[0].offset).toBe(64);
    expect(parsed.unplaced).toEqual(['big']);
  });
});
