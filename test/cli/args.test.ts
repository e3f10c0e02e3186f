import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { parseSize } from '../../src/cli/sizes.js';
import { ConfigError } from '../../src/diagnostics/errors.js';

async function errorOf(argv: string[]): Promise<string> {
  try {
    await parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error(`expected ${argv.join(' ')} to fail`);
}

describe('sizes', () => {
  it.each([
    ['256K', 262144], ['256KiB', 262144], ['256k', 262144], ['1M', 1048576], ['1MiB', 1048576],
    ['4096', 4096], ['2G', 2147483648], ['1.5K', 1536], ['100B', 100],
  ])('%s = %d bytes', (text, bytes) => {
    expect(parseSize(text, '--sram')).toBe(bytes);
  });
  it.each(['abc', '-1', '0', '', '1.3', '12Q', '9999999999999999G', 'K'])('rejects %j', (text) => {
    expect(() => parseSize(text, '--sram')).toThrow(/--sram/);
  });
});

describe('parseArgs', () => {
  it('parses the analyze command with every flag', async () => {
    const c = await parseArgs([
      'm.onnx', '--sram', '256K', '--dram', '8M', '--cores', '4', '--input', 'x=1x3x48x192', '--input', 'y=2',
      '--dtype', 'int8', '--strategy', 'exact', '--time-limit', '1.5', '--format', 'json', '--report', 'out', '--seed', '7',
      '--no-graph-opt', '--order', 'file', '--no-depth-first',
    ]);
    expect(c).toEqual({
      kind: 'analyze', model: 'm.onnx', sramBytes: 262144, dramBytes: 8388608, cores: 4,
      inputs: [{ name: 'x', shape: [1, 3, 48, 192] }, { name: 'y', shape: [2] }],
      dtype: 'int8', strategy: 'exact', timeLimitMs: 1500, format: 'json', reportDir: 'out', seed: 7, doubleBuffer: true, minSram: false, headroom: 0,
      verbose: false, show: 'layers', graphOpt: false, depthFirst: false, order: 'file',
    });
  });

  it('has defaults', async () => {
    expect(await parseArgs(['m.onnx'])).toEqual({ kind: 'analyze', model: 'm.onnx', inputs: [], dtype: 'as-is', strategy: 'auto', format: 'table', seed: 1, doubleBuffer: true, minSram: false, headroom: 0, graphOpt: true, depthFirst: true, order: 'search', verbose: false, show: 'layers' });
  });

  it('--max-slowdown takes a percentage with its sign (depth-first segments with DRAM)', async () => {
    expect(await parseArgs(['m.onnx', '--max-slowdown', '25%'])).toMatchObject({ maxSlowdown: 0.25, depthFirst: true });
    expect(await parseArgs(['m.onnx', '--no-depth-first'])).toMatchObject({ depthFirst: false });
    await expect(parseArgs(['m.onnx', '--max-slowdown', '25'])).rejects.toThrow(/--max-slowdown.*percentage/);
    await expect(parseArgs(['m.onnx', '--max-slowdown', '2000%'])).rejects.toThrow(/--max-slowdown.*1000%/);
  });

  it('--dram 0 means no DRAM; --order takes search or file', async () => {
    expect(await parseArgs(['m.onnx', '--dram', '0'])).toMatchObject({ dramBytes: 0 });
    await expect(parseArgs(['m.onnx', '--order', 'random'])).rejects.toThrow(/--order.*search, file/);
  });

  it('parses the plan command', async () => {
    expect(await parseArgs(['plan', 'b.json', '--format', 'json', '--strategy', 'ilp', '--time-limit', '2'])).toEqual({
      kind: 'plan', file: 'b.json', format: 'json', strategy: 'ilp', seed: 1, timeLimitMs: 2000, capacities: [],
    });
    expect(await parseArgs(['plan', 'b.json', '--capacity', 'sram=256K', '--capacity', 'l1=4096', '--format', 'csv'])).toMatchObject({
      format: 'csv', capacities: [{ pool: 'sram', sizeBytes: 262144 }, { pool: 'l1', sizeBytes: 4096 }],
    });
  });

  it('prints help and version as text', async () => {
    const help = await parseArgs(['--help']);
    expect(help.kind).toBe('text');
    expect(help.kind === 'text' && help.text).toMatch(/--sram/);
    const version = await parseArgs(['--version']);
    expect(version).toEqual({ kind: 'text', text: '0.1.0\n' });
  });

  it.each([
    [['m.onnx', '--sram', 'abc'], /--sram/],
    [['m.onnx', '--sram', '-1'], /--sram/],
    [['m.onnx', '--cores', '0'], /--cores/],
    [['m.onnx', '--cores', 'two'], /--cores/],
    [['m.onnx', '--format', 'xml'], /--format.*table, json, markdown, csv/],
    [['m.onnx', '--strategy', 'nope'], /--strategy/],
    [['m.onnx', '--dtype', 'int4'], /--dtype/],
    [['m.onnx', '--time-limit', '-3'], /--time-limit/],
    [['m.onnx', '--time-limit', 'soon'], /--time-limit/],
    [['m.onnx', '--input', 'bad'], /--input/],
    [['m.onnx', '--input', 'x=1x0x3'], /--input/],
    [['m.onnx', '--input', 'x=1', '--input', 'x=2'], /twice/],
    [['m.onnx', '--foo'], /unknown option --foo/],
    [['m.onnx', '--sram', '1K', '--sram', '2K'], /more than once/],
    [['m.onnx', '--emit-c', ''], /--emit-c/],
    [['plan', 'b.json', '--format', 'markdown'], /--format/],
    [['plan', 'b.json', '--capacity', 'sram'], /--capacity.*POOL=SIZE/],
    [['plan', 'b.json', '--capacity', 'sram=lots'], /--capacity/],
    [['m.onnx', '--show', 'everything'], /--show.*layers, buffers, all/],
    [[], /missing model file/],
  ])('rejects %j', async (argv, pattern) => {
    const msg = await errorOf(argv);
    expect(msg).toMatch(pattern);
    expect(msg).toMatch(/^error MP1\d\d: /);
    expect(msg.split('\n')).toHaveLength(1);
  });

  it('splits --input at the last =', async () => {
    expect(await parseArgs(['m.onnx', '--input', 'a=b=1x2'])).toMatchObject({ inputs: [{ name: 'a=b', shape: [1, 2] }] });
  });
});
