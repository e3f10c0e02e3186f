import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGET, applyOverrides, parseTarget, sramOf, globalOf } from '../../src/schedule/target.js';

const good = {
  name: 'dual-dsp',
  cores: 2,
  memories: [
    { name: 'l2', kind: 'sram', sizeBytes: 524288, bandwidthBytesPerCycle: 32, latencyCycles: 2 },
    { name: 'l1', kind: 'local', sizeBytes: 65536 },
    { name: 'ddr', kind: 'global', sizeBytes: null },
  ],
  dma: { channels: 4, bytesPerCycle: 16, setupCycles: 50 },
  macsPerCycle: 32,
  alignmentBytes: 64,
};

describe('target files', () => {
  it('parses a full target and fills defaults', () => {
    const t = parseTarget(JSON.stringify(good), 't.json');
    expect(t.cores).toBe(2);
    expect(t.memories[1]).toEqual({ name: 'l1', kind: 'local', sizeBytes: 65536, perCore: true, bandwidthBytesPerCycle: 16, latencyCycles: 1 });
    expect(sramOf(t)?.name).toBe('l2');
    expect(globalOf(t)?.sizeBytes).toBeNull();
    expect(t.dma).toEqual({ channels: 4, bytesPerCycle: 16, setupCycles: 50 });
  });

  it('accepts sizes as the command line writes them ("256K", "2MiB", "1.5K")', () => {
    const text = (sram: unknown, ddr: unknown) => JSON.stringify({ ...good, memories: [{ ...good.memories[0], sizeBytes: sram }, good.memories[1], { ...good.memories[2], sizeBytes: ddr }] });
    const t = parseTarget(text('512K', '64MiB'), 't.json');
    expect(sramOf(t)?.sizeBytes).toBe(524288);
    expect(globalOf(t)?.sizeBytes).toBe(64 * 1024 * 1024);
    expect(sramOf(parseTarget(text('1.5k', null), 't.json'))?.sizeBytes).toBe(1536);
    expect(sramOf(parseTarget(text('4096', null), 't.json'))?.sizeBytes).toBe(4096);
    expect(t).toEqual(parseTarget(text(524288, 67108864), 't.json'));
    for (const bad of ['lots', '0', '-1K', '', '1.3', '12Q']) {
      expect(() => parseTarget(text(bad, null), 't.json')).toThrow(/^error MP501: target file 'memories\[0\]\.sizeBytes' must be a size such as 262144, "256K" or "2MiB"/);
    }
  });

  it('applies --sram, --dram and --cores overrides', () => {
    const t = applyOverrides(parseTarget(JSON.stringify(good), 't.json'), { sramBytes: 1024, dramBytes: 2048, cores: 8 });
    expect(sramOf(t)?.sizeBytes).toBe(1024);
    expect(globalOf(t)?.sizeBytes).toBe(2048);
    expect(t.cores).toBe(8);
    expect(sramOf(applyOverrides(DEFAULT_TARGET, {}))?.sizeBytes).toBe(262144);
  });

  it.each([
    ['not json', '{', /not valid JSON/],
    ['no memories', { name: 'x' }, /memories/],
    ['bad kind', { memories: [{ name: 'a', kind: 'flash', sizeBytes: 1 }] }, /kind/],
    ['duplicate', { memories: [{ name: 'a', kind: 'sram', sizeBytes: 1 }, { name: 'a', kind: 'sram', sizeBytes: 1 }] }, /duplicate memory name 'a'/],
    ['negative size', { memories: [{ name: 'a', kind: 'sram', sizeBytes: -4 }] }, /memories\[0\]\.sizeBytes/],
    ['no on-chip', { memories: [{ name: 'd', kind: 'global' }] }, /on-chip/],
    ['cores 0', { cores: 0, memories: [{ name: 'a', kind: 'sram', sizeBytes: 1 }] }, /cores/],
    ['alignment 3', { alignmentBytes: 3, memories: [{ name: 'a', kind: 'sram', sizeBytes: 1 }] }, /power of two/],
    ['unknown key', { memories: [{ name: 'a', kind: 'sram', sizeBytes: 1 }], sram: 5 }, /unknown field 'sram'/],
  ])('rejects %s', (_label, value, pattern) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    expect(() => parseTarget(text, 't.json')).toThrow(pattern);
    try {
      parseTarget(text, 't.json');
    } catch (e) {
      expect((e as Error).message).toMatch(/^error MP501: target file .* \(file t\.json\)$/);
    }
  });
});

describe('example targets under fixtures/targets', () => {
  const dir = new URL('../../fixtures/targets/', import.meta.url);
  it.each(['cortex-m7-512k.json', 'quad-dsp-l1.json', 'tiny-mcu-128k.json', 'dsp-dma-only.json', 'mcu-weights-in-sram.json'])('%s parses and drives a real analysis', async (file) => {
    const { readFileSync } = await import('node:fs');
    const { analyzeModel } = await import('../../src/pipeline.js');
    const t = parseTarget(readFileSync(new URL(file, dir), 'utf8'), file);
    expect(t.name).toBe(file.replace('.json', ''));
    const a = await analyzeModel(readFileSync(new URL('../../fixtures/models/resnet8.onnx', import.meta.url)), { modelName: 'resnet8.onnx', target: t });
    expect(a.report.target.name).toBe(t.name);
    expect(a.report.pools.map((p) => p.name)).toEqual(expect.arrayContaining([sramOf(t)!.name]));
    const local = t.memories.find((m) => m.kind === 'local');
    if (local) {
      // Per-core tiles go to the local memory, which is never exceeded.
      const pool = a.report.pools.find((p) => p.name === local.name);
      if (pool) expect(pool.usedBytes).toBeLessThanOrEqual(local.sizeBytes!);
    }
    expect(a.report.fits).toBe(true);
  });
});
