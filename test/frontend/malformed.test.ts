/**
 * Graphs that are well-formed protobuf but wrong or unsupported as models, built with the fixture
 * writer: each gets exit 2, one `error MPnnn:` line naming what is wrong, and nothing on stdout.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';
import { OnnxGraphBuilder } from '../../fixtures/onnx-writer.js';
import {
  cycleModel,
  danglingInputModel,
  danglingOutputModel,
  duplicateProducerModel,
  externalDataModel,
  extraOutputModel,
  foreignDomainModel,
  hugeActivationModel,
  hugeInputModel,
  hugeSingleDimModel,
  initializersAsInputsModel,
  kernelLargerThanInputModel,
  missingInputModel,
  negativeDimModel,
  negativeReshapeModel,
  selfLoopModel,
  symbolicDimModel,
  unknownDimModel,
  unknownOpModel,
  unusedDomainModel,
  versionedModel,
  zeroDimModel,
} from '../../fixtures/models/broken-graphs.js';

async function run(bytes: Uint8Array, ...flags: string[]) {
  const m = memoryHost({ 'model.onnx': bytes }, false);
  const { exitCode } = await runCli(['model.onnx', '--sram', '64K', ...flags], m.host);
  return { exitCode, stdout: m.stdout, stderr: m.stderr };
}

/** Exit 2, empty stdout, exactly one line `error <code>: ...` that contains every `mentions`. */
async function expectRejected(bytes: Uint8Array, code: string, mentions: readonly string[], flags: readonly string[] = []) {
  const r = await run(bytes, ...flags);
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.slice(0, -1)).not.toContain('\n');
  expect(r.stderr).toMatch(new RegExp(`^error ${code}: `));
  for (const m of mentions) expect(r.stderr).toContain(m);
  expect(r.stderr).toContain('model.onnx');
  return r.stderr;
}

describe('broken graph structure', () => {
  it('a three-node cycle -> MP208 naming a node on the cycle', async () => {
    const line = await expectRejected(cycleModel(), 'MP208', []);
    expect(line).toMatch(/add_a|relu_b|relu_c/);
  });

  it('a node reading its own output -> MP208 naming it', async () => {
    await expectRejected(selfLoopModel(), 'MP208', ['add_self']);
  });

  it('a node reading a tensor nothing produces -> MP209 naming the tensor and the node', async () => {
    await expectRejected(danglingInputModel(), 'MP209', ['missing_tensor', 'add_dangling']);
  });

  it('a graph output nothing produces -> MP209 naming it', async () => {
    await expectRejected(danglingOutputModel(), 'MP209', ['never_written']);
  });

  it('a node with more outputs than its op defines -> exit 2 naming the node', async () => {
    const line = await expectRejected(extraOutputModel(), 'MP[23]\\d\\d', ['relu_two_outputs']);
    expect(line).toMatch(/output/);
  });

  it('a node missing a required input -> exit 2 naming the node', async () => {
    await expectRejected(missingInputModel(), 'MP[23]\\d\\d', ['conv_no_weight']);
  });
});

describe('model-level problems', () => {
  it('two nodes writing one tensor -> MP207 naming the tensor', async () => {
    await expectRejected(duplicateProducerModel(), 'MP207', ["'y'"]);
  });

  it('a weight in an external data file -> MP205 naming the tensor', async () => {
    await expectRejected(externalDataModel(), 'MP205', ['conv.weight']);
  });

  it.each([
    [2, 13, 'MP203', '2'],
    [7, 6, 'MP204', '6'],
    [10, 22, 'MP204', '22'],
  ])('IR version %i with opset %i -> %s naming the version', async (ir, opset, code, shown) => {
    await expectRejected(versionedModel(ir, opset), code, [shown]);
  });

  it.each([
    [3, 7],
    [7, 13],
    [10, 21],
  ])('IR version %i with opset %i (the supported ends) -> analyzed', async (ir, opset) => {
    const r = await run(versionedModel(ir, opset), '--format', 'json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).peakLiveBytes).toBe(2 * 8 * 4);
  });

  it('an extra domain imported but not used -> analyzed', async () => {
    const r = await run(unusedDomainModel());
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('initializers also listed as graph inputs (IR 3) -> weights, not inputs', async () => {
    const r = await run(initializersAsInputsModel(), '--format', 'json');
    expect(r.exitCode, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.weightBytes).toBe(8 * 4 * 4);
    expect(json.peakLiveBytes).toBe(8 * 4 + 4 * 4);
  });
});

describe('bad dimensions and sizes', () => {
  it('a zero dimension on a graph input -> exit 2 naming the input; --input fixes it', async () => {
    // The importer reads dim_value 0 on an input as "unknown" (several exporters write 0 for that),
    // so MP302 with an --input hint; MP304 (a zero-size input) would be as right.
    await expectRejected(zeroDimModel(), 'MP30[24]', ["'x'", 'dim 1']);
    const r = await run(zeroDimModel(), '--input', 'x=1x2x8x8', '--format', 'json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).peakLiveBytes).toBe(2 * 2 * 8 * 8 * 4);
  });

  it('a Conv whose output would be 0x0 -> MP304 naming the node', async () => {
    await expectRejected(kernelLargerThanInputModel(), 'MP304', ['conv_too_big']);
  });

  it('a Reshape to a negative dimension other than -1 -> MP304 naming the node', async () => {
    await expectRejected(negativeReshapeModel(), 'MP304', ['reshape_negative']);
  });

  it('a negative dimension -> MP304 naming the input and the value', async () => {
    await expectRejected(negativeDimModel(), 'MP304', ["'x'", '-3']);
  });

  it('an input of 2^54 bytes -> MP305 naming the input', async () => {
    await expectRejected(hugeInputModel(), 'MP305', ["'x'"]);
  });

  it('a dimension of 2^60 -> MP305 naming the input', async () => {
    await expectRejected(hugeSingleDimModel(), 'MP305', ["'x'"]);
  });

  it('an activation expanded to 2^54 bytes -> MP305 naming the node', async () => {
    await expectRejected(hugeActivationModel(), 'MP305', ['expand_huge']);
  });
});

describe('unsupported operators', () => {
  it('an op from another domain that the graph uses -> MP206 naming node, op and domain', async () => {
    await expectRejected(foreignDomainModel(), 'MP206', ['custom_node', 'MyCustomOp', 'com.example']);
  });

  it('an unknown default-domain op -> MP301 naming node and op', async () => {
    await expectRejected(unknownOpModel(), 'MP301', ['frob', 'FrobnicateTensor']);
  });
});

describe('symbolic dimensions', () => {
  it('left symbolic -> MP302 naming the input and the dimension', async () => {
    await expectRejected(symbolicDimModel(), 'MP302', ["'x'", 'height']);
  });

  it('fixed with --input -> analyzed, with the exact peak', async () => {
    const r = await run(symbolicDimModel(), '--input', 'x=1x3x8x8', '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    // Relu of 1x3x8x8 float32: input and output both live at the one step.
    expect(JSON.parse(r.stdout).peakLiveBytes).toBe(2 * 3 * 8 * 8 * 4);
  });

  it('a dimension with neither value nor name -> exit 2 naming the input; --input fixes it', async () => {
    await expectRejected(unknownDimModel(), 'MP302', ["'x'"]);
    const r = await run(unknownDimModel(), '--input', 'x=1x5x8x8', '--format', 'json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).peakLiveBytes).toBe(2 * 5 * 8 * 8 * 4);
  });

  it.each([
    [['--input', 'y=1x3x8x8'], "'y'"],
    [['--input', 'x=1x3x8'], "'x'"],
    [['--input', 'x=1x4x8x8'], 'x=1x4x8x8'],
  ])('a wrong --input %j -> exit 2 naming %s', async (flags, name) => {
    const r = await run(symbolicDimModel(), ...flags);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error MP\d{3}: [^\n]*\n$/);
    expect(r.stderr).toContain(name);
  });
});

describe('names from the file stay on one line', () => {
  it('a node name with a newline and control characters, in an error -> still one line', async () => {
    const g = new OnnxGraphBuilder('names');
    g.input('x', 'float32', [1, 8]);
    g.node('FrobnicateTensor', ['x'], ['y'], { name: 'evil\nname\r\u0007\u001b[31m' });
    g.output('y', 'float32', [1, 8]);
    const line = await expectRejected(g.encode(), 'MP301', ['FrobnicateTensor']);
    expect(line.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f]/);
  });
});
