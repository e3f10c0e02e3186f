/**
 * Golden files per stage for one small model (fixtures/models/kws-dscnn.onnx at 16 KiB of SRAM, where
 * layers are tiled and stream through DMA): what `memplan dump --stage graph|layers|schedule|buffers`
 * prints, and the model-specific C files `memplan --emit-c` writes (the C runtime, memplan_*, is
 * copied verbatim and model_support.[ch] is the same for every model: both have their own tests). Run through runCli, as the commands are typed; the greedy
 * strategy keeps the plan independent of time limits. Regenerate on purpose with
 * `npx vitest run -u test/cli/stage-goldens.test.ts` and review the diff like code.
 */
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';
import { runtimeFiles } from '../../src/codegen/runtime-files.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const KWS = path.join(ROOT, 'fixtures/models/kws-dscnn.onnx');
const FLAGS = ['--sram', '16K', '--strategy', 'greedy-size'];
const STEM = 'kws-dscnn-16k';

async function run(argv: readonly string[]) {
  const m = memoryHost({});
  const { exitCode } = await runCli(argv, m.host);
  return { exitCode, stdout: m.stdout, stderr: m.stderr, written: m.written };
}

describe(`memplan dump ${STEM}`, () => {
  it.each([
    ['graph', 'txt'],
    ['layers', 'txt'],
    ['schedule', 'txt'],
    ['buffers', 'json'],
  ])('--stage %s', async (stage, ext) => {
    const r = await run(['dump', KWS, '--stage', stage, ...FLAGS]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot(`../goldens/stages/${STEM}.${stage}.${ext}`);
  });
});

describe(`memplan --emit-c ${STEM}`, () => {
  const emitted = run([KWS, ...FLAGS, '--emit-c', 'out']);
  const runtime = new Set(runtimeFiles().map((f) => f.name));

  it('writes the runtime and the model files', async () => {
    const r = await emitted;
    expect(r.exitCode).toBe(0);
    const names = [...r.written.keys()].map((f) => path.relative('out', f)).sort();
    for (const f of runtime) expect(names).toContain(f);
    expect(names.filter((f) => !runtime.has(f))).toEqual([
      'Makefile', 'README.md', 'model.c', 'model.h', 'model_host.c', 'model_support.c', 'model_support.h', 'model_weights.c', 'model_weights.h',
    ]);
  });

  // model_support.[ch] are static too (src/codegen/support-c.ts, the same for every model): not kept here.
  it.each(['model.h', 'model.c', 'model_weights.h', 'model_weights.c', 'model_host.c'])('%s', async (name) => {
    const text = (await emitted).written.get(path.join('out', name));
    expect(typeof text).toBe('string');
    await expect(text).toMatchFileSnapshot(`../goldens/c/${STEM}/${name}`);
  });
});
