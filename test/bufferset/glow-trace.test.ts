import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGlowTrace } from '../../src/bufferset/index.js';
import type { InputError } from '../../src/diagnostics/errors.js';
import { inputErrorOf } from './input-error.js';
import { sharedPath } from '../helpers/shared-data.js';

const GLOW = sharedPath('planner-bench/glow/MemoryAllocatorTestModels.txt');

const SMALL = `# comment
MODEL tiny
ALIGN 64
ALLOC 1 100
ALLOC 2 64
FREE 1
ALLOC 3 10
FREE 2
FREE 3
MEM 192
EFF 1.000000
MODEL second
ALIGN 8
ALLOC a 3
FREE a
`;

function failure(text: string): InputError {
  return inputErrorOf(() => parseGlowTrace(text, 'trace.txt'));
}

describe('parseGlowTrace', () => {
  it('makes each event one step and each buffer live from ALLOC to FREE inclusive, sizes aligned', () => {
    const models = parseGlowTrace(SMALL, 'trace.txt');
    expect(models).toHaveLength(2);
    expect(models[0]).toEqual({
      name: 'tiny',
      alignmentBytes: 64,
      buffers: [
        { name: '1', sizeBytes: 128, alignmentBytes: 64, start: 0, end: 2 },
        { name: '2', sizeBytes: 64, alignmentBytes: 64, start: 1, end: 4 },
        { name: '3', sizeBytes: 64, alignmentBytes: 64, start: 3, end: 5 },
      ],
      pools: [{ name: 'sram', sizeBytes: null, alignmentBytes: 64 }],
      expectedMemBytes: 192,
      expectedEff: 1,
    });
    expect(models[1]).toMatchObject({ name: 'second', alignmentBytes: 8, expectedMemBytes: null, expectedEff: null });
    expect(models[1]?.buffers).toEqual([{ name: 'a', sizeBytes: 8, alignmentBytes: 8, start: 0, end: 1 }]);
  });

  it('reads the 79 public models with their published results', () => {
    const models = parseGlowTrace(readFileSync(GLOW, 'utf8'), 'MemoryAllocatorTestModels.txt');
    expect(models).toHaveLength(79);
    const resnet = models.find((m) => m.name === 'resnet50_v2.onnx');
    expect(resnet?.expectedMemBytes).toBe(8028160);
    expect(resnet?.expectedEff).toBeCloseTo(0.9, 1);
    const cifar = models[0];
    expect(cifar?.name).toBe('cifar10_quant.tflite');
    // Glow's MEM for cifar10 is the live sum at its worst step: 32768 + 8192.
    expect(cifar?.expectedMemBytes).toBe(40960);
    for (const model of models) {
      expect(model.buffers.length).toBeGreaterThanOrEqual(7);
      expect(model.buffers.length).toBeLessThanOrEqual(205);
      for (const b of model.buffers) expect(b.sizeBytes % 64).toBe(0);
    }
  });

  it.each([
    ['no model at all', '# only a comment\n', /no MODEL line/, undefined],
    ['an event before MODEL', 'ALLOC 1 4\n', /line 1: ALLOC before the first MODEL/, undefined],
    ['a model without ALIGN', 'MODEL m\nALLOC 1 4\nFREE 1\n', /model 'm' \(line 1\) has no ALIGN/, undefined],
    ['ALIGN not a power of two', 'MODEL m\nALIGN 48\n', /line 2: ALIGN must be a power of two, got 48/, undefined],
    ['ALIGN after events', 'MODEL m\nALIGN 8\nALLOC 1 4\nALIGN 16\n', /line 4: ALIGN after the first ALLOC/, undefined],
    ['a double ALLOC', 'MODEL m\nALIGN 8\nALLOC 1 4\nALLOC 1 4\n', /line 4: buffer 1 is allocated twice/, '1'],
    ['a bad size', 'MODEL m\nALIGN 8\nALLOC 1 -4\n', /line 3: ALLOC size must be a non-negative integer, got "-4"/, '1'],
    ['a FREE of an unknown buffer', 'MODEL m\nALIGN 8\nFREE 9\n', /line 3: FREE of buffer 9 that is not allocated/, '9'],
    ['a double FREE', 'MODEL m\nALIGN 8\nALLOC 1 4\nFREE 1\nFREE 1\n', /line 5: FREE of buffer 1/, '1'],
    ['a leaked buffer', 'MODEL m\nALIGN 8\nALLOC 1 4\nMODEL n\n', /model 'm': buffer 1 is allocated but never freed/, '1'],
    ['a wrong argument count', 'MODEL m\nALIGN 8\nALLOC 1\n', /line 3: ALLOC takes 2 arguments, got 1/, undefined],
    ['an unknown keyword', 'MODEL m\nALIGN 8\nMALLOC 1 4\n', /unknown keyword "MALLOC"/, undefined],
    ['a bad MEM', 'MODEL m\nALIGN 8\nMEM lots\n', /line 3: MEM must be a non-negative integer/, undefined],
    ['a bad EFF', 'MODEL m\nALIGN 8\nEFF -1\n', /line 3: EFF must be a decimal ratio/, undefined],
    ['a duplicate model', 'MODEL m\nALIGN 8\nMODEL m\n', /line 3: duplicate model name 'm'/, undefined],
  ])('rejects %s with MP601', (_label, text, message, buffer) => {
    const error = failure(text);
    expect(error.diagnostics[0]?.code).toBe('MP601');
    expect(error.message).toMatch(message);
    expect(error.diagnostics[0]?.location?.buffer).toBe(buffer);
  });
});
