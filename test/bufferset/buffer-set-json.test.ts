import { describe, expect, it } from 'vitest';
import { parseBufferSetJson, bufferSetToJson, DEFAULT_POOL_NAME } from '../../src/bufferset/index.js';
import type { InputError } from '../../src/diagnostics/errors.js';
import { inputErrorOf } from './input-error.js';
import type { BufferInfo, Pool } from '../../planner/types.js';

const DESIGN_EXAMPLE = `{ "pools":   [ { "name": "sram", "sizeBytes": 262144, "alignment": 16 },
               { "name": "dram", "sizeBytes": null } ],
  "buffers": [ { "name": "conv1_out", "sizeBytes": 16384, "start": 0, "end": 2, "pools": ["sram", "dram"] },
               { "name": "tile_in",   "sizeBytes": 4096, "alignment": 64, "conflicts": ["conv1_out"] } ] }`;

function failure(text: string): InputError {
  return inputErrorOf(() => parseBufferSetJson(text, 'set.json'));
}

function withBuffer(buffer: Record<string, unknown>, pools?: unknown[]): string {
  return JSON.stringify({ ...(pools ? { pools } : {}), buffers: [{ name: 'a', sizeBytes: 8, start: 0, end: 1 }, buffer] });
}

describe('parseBufferSetJson', () => {
  it('maps the DESIGN.md example onto BufferInfo and Pool', () => {
    const set = parseBufferSetJson(DESIGN_EXAMPLE, 'design.json');
    expect(set.pools).toEqual([
      { name: 'sram', sizeBytes: 262144, alignmentBytes: 16 },
      { name: 'dram', sizeBytes: null },
    ]);
    expect(set.buffers).toEqual([
      { name: 'conv1_out', sizeBytes: 16384, start: 0, end: 2, poolCandidates: ['sram', 'dram'] },
      { name: 'tile_in', sizeBytes: 4096, alignmentBytes: 64, conflicts: ['conv1_out'] },
    ]);
  });

  it('gives one unbounded pool named sram when pools are absent, and ignores unknown top-level keys', () => {
    const set = parseBufferSetJson('{"comment": "x", "version": 3, "buffers": [{"name": "a", "sizeBytes": 0, "start": 2, "end": 2}]}', 'f.json');
    expect(DEFAULT_POOL_NAME).toBe('sram');
    expect(set.pools).toEqual([{ name: 'sram', sizeBytes: null }]);
    expect(set.buffers).toEqual([{ name: 'a', sizeBytes: 0, start: 2, end: 2 }]);
  });

  it('passes kind and spillCostByPool through', () => {
    const set = parseBufferSetJson(
      JSON.stringify({
        pools: [{ name: 's', sizeBytes: 10 }, { name: 'd', sizeBytes: null }],
        buffers: [{ name: 'a', sizeBytes: 4, start: 0, end: 0, kind: 'tile', spillCostByPool: { d: 12.5 } }],
      }),
      'f.json',
    );
    expect(set.buffers[0]).toEqual({ name: 'a', sizeBytes: 4, start: 0, end: 0, kind: 'tile', spillCostByPool: { d: 12.5 } });
  });

  it('reads an overlay, and writes it back out after the other fields', () => {
    const text = JSON.stringify({
      buffers: [
        { name: 'x', sizeBytes: 100, start: 0, end: 1 },
        { name: 'y', sizeBytes: 40, start: 1, end: 5, overlay: { buffer: 'x', offsetBytes: -10 } },
      ],
    });
    const set = parseBufferSetJson(text, 'o.json');
    expect(set.buffers[1]).toEqual({ name: 'y', sizeBytes: 40, start: 1, end: 5, overlay: { buffer: 'x', offsetBytes: -10 } });
    const written = bufferSetToJson(set.buffers, set.pools);
    expect(JSON.parse(written).buffers[1]).toEqual({ name: 'y', sizeBytes: 40, start: 1, end: 5, overlay: { buffer: 'x', offsetBytes: -10 } });
    expect(parseBufferSetJson(written, 'again.json')).toEqual(set);
  });

  it('rejects a chain of overlays, naming the buffer', () => {
    const text = JSON.stringify({
      buffers: [
        { name: 'x', sizeBytes: 8, start: 0, end: 1 },
        { name: 'y', sizeBytes: 8, start: 0, end: 1, overlay: { buffer: 'x', offsetBytes: 0 } },
        { name: 'z', sizeBytes: 8, start: 0, end: 1, overlay: { buffer: 'y', offsetBytes: 8 } },
      ],
    });
    const error = failure(text);
    expect(error.diagnostics[0]).toMatchObject({ code: 'MP601', location: { file: 'set.json', buffer: 'z' } });
    expect(error.message).toMatch(/overlay\.buffer names 'y', which itself overlays 'x' \(no chains of overlays\)/);
  });

  it('round-trips through bufferSetToJson', () => {
    const set = parseBufferSetJson(DESIGN_EXAMPLE, 'design.json');
    const text = bufferSetToJson(set.buffers, set.pools);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseBufferSetJson(text, 'again.json')).toEqual(set);
    expect(bufferSetToJson(parseBufferSetJson(text, 'x').buffers, parseBufferSetJson(text, 'x').pools)).toBe(text);
  });

  it('round-trips every optional field, with a stable key order', () => {
    const pools: Pool[] = [{ name: 'dram', sizeBytes: null, alignmentBytes: 4 }, { name: 'sram', sizeBytes: 1024 }];
    const buffers: BufferInfo[] = [
      { name: 'x', sizeBytes: 100, start: 0, end: 5, alignmentBytes: 32, conflicts: ['y'], poolCandidates: ['sram', 'dram'], kind: 'scratch', spillCostByPool: { sram: 0, dram: 300 } },
      { name: 'y', sizeBytes: 2 ** 53 - 1, conflicts: [] },
      { name: 'z', sizeBytes: 16, start: 0, end: 1, kind: 'activation', overlay: { buffer: 'x', offsetBytes: -16 } },
    ];
    const text = bufferSetToJson(buffers, pools);
    const back = parseBufferSetJson(text, 'r.json');
    expect(back.pools).toEqual(pools);
    expect(back.buffers).toEqual(buffers);
    expect(Object.keys(JSON.parse(text).buffers[0])).toEqual(['name', 'sizeBytes', 'start', 'end', 'alignment', 'conflicts', 'pools', 'kind', 'spillCostByPool']);
    expect(Object.keys(JSON.parse(text).buffers[2])).toEqual(['name', 'sizeBytes', 'start', 'end', 'kind', 'overlay']);
    expect(Object.keys(JSON.parse(text).buffers[2].overlay)).toEqual(['buffer', 'offsetBytes']);
    expect(text).toContain('\n  "pools": [\n    {\n      "name": "dram"');
  });

  it.each([
    ['not JSON', '{"buffers": [', /not valid JSON/, undefined],
    ['top level not an object', '[1,2]', /top level must be an object/, undefined],
    ['buffers missing', '{"pools": [{"name": "s", "sizeBytes": 1}]}', /"buffers" must be an array, got nothing/, undefined],
    ['pools empty', '{"pools": [], "buffers": []}', /"pools" is empty/, undefined],
    ['buffers not an array', '{"buffers": {}}', /"buffers" must be an array/, undefined],
    ['pools not an array', '{"pools": 3, "buffers": []}', /"pools" must be an array/, undefined],
    ['pool not an object', '{"pools": [3], "buffers": []}', /pools\[0\] must be an object/, undefined],
    ['pool without name', '{"pools": [{"sizeBytes": 1}], "buffers": []}', /pools\[0\]\.name must be a non-empty string/, undefined],
    ['pool unknown field', '{"pools": [{"name": "s", "sizeBytes": 1, "size": 3}], "buffers": []}', /unknown field "size"/, undefined],
    ['pool duplicate', '{"pools": [{"name": "s", "sizeBytes": 1}, {"name": "s", "sizeBytes": 2}], "buffers": []}', /duplicate pool name 's'/, undefined],
    ['pool size missing', '{"pools": [{"name": "s"}], "buffers": []}', /sizeBytes is missing \(use null/, undefined],
    ['pool size negative', '{"pools": [{"name": "s", "sizeBytes": -1}], "buffers": []}', /pools\[0\]\.sizeBytes must be null or an integer/, undefined],
    ['pool size fractional', '{"pools": [{"name": "s", "sizeBytes": 1.5}], "buffers": []}', /pools\[0\]\.sizeBytes/, undefined],
    ['pool size as string', '{"pools": [{"name": "s", "sizeBytes": "256K"}], "buffers": []}', /pools\[0\]\.sizeBytes/, undefined],
    ['pool alignment 3', '{"pools": [{"name": "s", "sizeBytes": null, "alignment": 3}], "buffers": []}', /pools\[0\]\.alignment must be a power of two, got 3/, undefined],
  ])('rejects %s', (_label, text, message, buffer) => {
    const error = failure(text);
    expect(error.diagnostics[0]?.code).toBe('MP601');
    expect(error.message).toMatch(message);
    expect(error.diagnostics[0]?.location?.file).toBe('set.json');
    expect(error.diagnostics[0]?.location?.buffer).toBe(buffer);
  });

  it.each([
    ['a buffer that is not an object', 5, /buffers\[1\] must be an object/],
    ['a missing name', { sizeBytes: 1, start: 0, end: 0 }, /buffers\[1\]\.name must be a non-empty string/],
    ['an empty name', { name: '', sizeBytes: 1, start: 0, end: 0 }, /buffers\[1\]\.name/],
    ['a duplicate name', { name: 'a', sizeBytes: 1, start: 0, end: 0 }, /duplicate buffer name 'a'/],
    ['an unknown field', { name: 'b', sizeBytes: 1, start: 0, end: 0, alignement: 4 }, /unknown field "alignement"/],
    ['a missing size', { name: 'b', start: 0, end: 0 }, /buffers\[1\]\.sizeBytes is missing/],
    ['a negative size', { name: 'b', sizeBytes: -4, start: 0, end: 0 }, /sizeBytes must be an integer from 0 to 2\^53-1, got -4/],
    ['a fractional size', { name: 'b', sizeBytes: 4.5, start: 0, end: 0 }, /got 4\.5/],
    ['a size past 2^53', { name: 'b', sizeBytes: 2 ** 53, start: 0, end: 0 }, /sizeBytes must be an integer from 0 to 2\^53-1/],
    ['a string size', { name: 'b', sizeBytes: '16', start: 0, end: 0 }, /got "16"/],
    ['start without end', { name: 'b', sizeBytes: 1, start: 0 }, /"start" without "end"/],
    ['end without start', { name: 'b', sizeBytes: 1, end: 0 }, /"end" without "start"/],
    ['a negative start', { name: 'b', sizeBytes: 1, start: -1, end: 0 }, /\.start must be a non-negative integer step/],
    ['a fractional end', { name: 'b', sizeBytes: 1, start: 0, end: 0.5 }, /\.end must be a non-negative integer step/],
    ['start after end', { name: 'b', sizeBytes: 1, start: 3, end: 2 }, /start 3 after end 2/],
    ['neither interval nor conflicts', { name: 'b', sizeBytes: 1 }, /neither an interval/],
    ['conflicts not an array', { name: 'b', sizeBytes: 1, conflicts: 'a' }, /conflicts must be an array of buffer names/],
    ['conflicts with a number', { name: 'b', sizeBytes: 1, conflicts: [1] }, /conflicts must be an array/],
    ['an unknown conflict', { name: 'b', sizeBytes: 1, conflicts: ['zzz'] }, /conflicts names unknown buffer 'zzz'/],
    ['a self conflict', { name: 'b', sizeBytes: 1, conflicts: ['b'] }, /conflicts lists the buffer itself/],
    ['alignment 0', { name: 'b', sizeBytes: 1, start: 0, end: 0, alignment: 0 }, /alignment must be a power of two, got 0/],
    ['alignment 24', { name: 'b', sizeBytes: 1, start: 0, end: 0, alignment: 24 }, /alignment must be a power of two, got 24/],
    ['pools empty', { name: 'b', sizeBytes: 1, start: 0, end: 0, pools: [] }, /pools must be a non-empty array/],
    ['an unknown pool', { name: 'b', sizeBytes: 1, start: 0, end: 0, pools: ['flash'] }, /pools names unknown pool 'flash'/],
    ['a pool twice', { name: 'b', sizeBytes: 1, start: 0, end: 0, pools: ['sram', 'sram'] }, /lists pool 'sram' twice/],
    ['a kind that is not a string', { name: 'b', sizeBytes: 1, start: 0, end: 0, kind: 3 }, /kind must be a string/],
    ['spillCostByPool not an object', { name: 'b', sizeBytes: 1, start: 0, end: 0, spillCostByPool: [1] }, /spillCostByPool must be an object/],
    ['spillCostByPool for an unknown pool', { name: 'b', sizeBytes: 1, start: 0, end: 0, spillCostByPool: { x: 1 } }, /unknown pool 'x'/],
    ['a negative spill cost', { name: 'b', sizeBytes: 1, start: 0, end: 0, spillCostByPool: { sram: -1 } }, /spillCostByPool\.sram must be a finite number/],
    ['an overlay that is not an object', { name: 'b', sizeBytes: 1, start: 0, end: 0, overlay: 'a' }, /buffers\[1\]\.overlay must be an object \{buffer, offsetBytes\}/],
    ['an overlay with an unknown field', { name: 'b', sizeBytes: 1, start: 0, end: 0, overlay: { buffer: 'a', offsetBytes: 0, offset: 1 } }, /overlay has unknown field "offset"/],
    ['an overlay without a target', { name: 'b', sizeBytes: 1, start: 0, end: 0, overlay: { offsetBytes: 0 } }, /overlay\.buffer must be a buffer name, got nothing/],
    ['an overlay without a distance', { name: 'b', sizeBytes: 1, start: 0, end: 0, overlay: { buffer: 'a' } }, /overlay\.offsetBytes must be an integer/],
    ['a fractional overlay distance', { name: 'b', sizeBytes: 1, start: 0, end: 0, overlay: { buffer: 'a', offsetBytes: -0.5 } }, /overlay\.offsetBytes must be an integer from -\(2\^53-1\) to 2\^53-1, got -0\.5/],
    ['an overlay of an unknown buffer', { name: 'b', sizeBytes: 1, start: 0, end: 0, overlay: { buffer: 'zzz', offsetBytes: 0 } }, /overlay\.buffer names unknown buffer 'zzz'/],
    ['a self-overlay', { name: 'b', sizeBytes: 1, start: 0, end: 0, overlay: { buffer: 'b', offsetBytes: 0 } }, /overlay\.buffer names the buffer itself/],
  ])('rejects %s, naming the buffer', (_label, buffer, message) => {
    const error = failure(withBuffer(buffer as Record<string, unknown>));
    expect(error.diagnostics).toHaveLength(1);
    expect(error.diagnostics[0]?.code).toBe('MP601');
    expect(error.message).toMatch(message);
    expect(error.message.includes('\n')).toBe(false);
    const name = typeof buffer === 'object' && buffer !== null ? (buffer as { name?: unknown }).name : undefined;
    if (typeof name === 'string' && name !== '') expect(error.diagnostics[0]?.location?.buffer).toBe(name);
  });
});
