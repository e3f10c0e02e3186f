import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capacityFromFileName, parseMiniMallocCsv } from '../../src/bufferset/index.js';
import { inputErrorOf } from './input-error.js';
import { sharedPath } from '../helpers/shared-data.js';

const BENCH = sharedPath('planner-bench/minimalloc-challenging');

describe('parseMiniMallocCsv', () => {
  it('turns half-open [lower, upper) into inclusive steps and reads the capacity from the name', () => {
    const set = parseMiniMallocCsv('id,lower,upper,size\nb1,0,3,4\nb2,3,9,4\r\n\n', 'dir/example.input.12.csv');
    expect(set.pools).toEqual([{ name: 'sram', sizeBytes: 12 }]);
    expect(set.buffers).toEqual([
      { name: 'b1', sizeBytes: 4, start: 0, end: 2 },
      { name: 'b2', sizeBytes: 4, start: 3, end: 8 },
    ]);
  });

  it('accepts the columns in any order and leaves the pool unbounded without a capacity in the name', () => {
    const set = parseMiniMallocCsv('size,upper,id,lower\n16,10,x,4\n', 'problem.csv');
    expect(set.pools).toEqual([{ name: 'sram', sizeBytes: null }]);
    expect(set.buffers).toEqual([{ name: 'x', sizeBytes: 16, start: 4, end: 9 }]);
  });

  it('reads capacities only from NAME.NUMBER.csv', () => {
    expect(capacityFromFileName('/a/b/A.1048576.csv')).toBe(1048576);
    expect(capacityFromFileName('C:\\x\\K.1048576.CSV')).toBe(1048576);
    expect(capacityFromFileName('A.csv')).toBeNull();
    expect(capacityFromFileName('A.1048576.json')).toBeNull();
    expect(capacityFromFileName('A.99999999999999999999.csv')).toBeNull();
  });

  it('reads the public challenging instances (154 to 454 buffers, capacity 1048576)', () => {
    const counts: number[] = [];
    for (const letter of 'ABCDEFGHIJK') {
      const name = `${letter}.1048576.csv`;
      const set = parseMiniMallocCsv(readFileSync(join(BENCH, name), 'utf8'), name);
      expect(set.pools[0]?.sizeBytes).toBe(1048576);
      for (const b of set.buffers) expect(b.end! >= b.start!).toBe(true);
      counts.push(set.buffers.length);
    }
    expect(Math.min(...counts)).toBe(154);
    expect(Math.max(...counts)).toBe(454);
  });

  it.each([
    ['an empty file', '  \n', /empty CSV/, undefined],
    ['a header without size', 'id,lower,upper\n', /lacks column "size"/, undefined],
    ['a duplicate column', 'id,lower,upper,size,id\n', /names column "id" twice/, undefined],
    ['a short row', 'id,lower,upper,size\na,0,1\n', /line 2: expected 4 fields, got 3/, undefined],
    ['an empty id', 'id,lower,upper,size\n,0,1,4\n', /line 2: empty id/, undefined],
    ['a duplicate id', 'id,lower,upper,size\na,0,1,4\na,1,2,4\n', /line 3: duplicate id 'a'/, 'a'],
    ['a negative size', 'id,lower,upper,size\na,0,1,-4\n', /line 2: size must be a non-negative integer, got "-4"/, 'a'],
    ['a fractional lower', 'id,lower,upper,size\na,0.5,1,4\n', /lower must be a non-negative integer/, 'a'],
    ['a huge upper', 'id,lower,upper,size\na,0,99999999999999999999,4\n', /upper 99999999999999999999 is past 2\^53-1/, 'a'],
    ['an empty interval', 'id,lower,upper,size\na,3,3,4\n', /upper 3 must exceed lower 3/, 'a'],
  ])('rejects %s with MP601', (_label, text, message, buffer) => {
    const error = inputErrorOf(() => parseMiniMallocCsv(text, 'bad.csv'));
    expect(error.diagnostics[0]?.code).toBe('MP601');
    expect(error.message).toMatch(message);
    expect(error.diagnostics[0]?.location?.file).toBe('bad.csv');
    expect(error.diagnostics[0]?.location?.buffer).toBe(buffer);
  });
});
