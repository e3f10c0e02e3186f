/**
 * The README.md of an --emit-c directory is followed as written: its `sh` block builds and runs the
 * host runner (which prints one line naming the files it read and wrote), and its kernel-replacement
 * command links a kernel of our own behind the same signature, giving the same outputs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as path from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { memoryHost } from '../../src/host.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';
import { sharedModel } from '../helpers/shared-data.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const work = makeTempDir('memplan-readme-');
afterAll(() => removeDir(work));

/** The lines of the first fenced block of the given language. */
function codeBlock(readme: string, lang: string): string[] {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(readme);
  if (!m) throw new Error(`README.md has no \`\`\`${lang} block`);
  return m[1]!.split('\n').filter((l) => l.trim() !== '');
}

function sh(command: string, cwd: string) {
  const r = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run sh (${r.error.message}): install a POSIX shell, make and gcc (apt-get install -y build-essential)`);
  return r;
}

async function emit(dir: string, extra: readonly string[] = ['--sram', '32K'], model = join(ROOT, 'fixtures/models/resnet8.onnx')): Promise<string> {
  const m = memoryHost();
  const { exitCode } = await runCli([model, ...extra, '--emit-c', dir], m.host, { memplanVersion: 'test' });
  expect(exitCode).toBe(0);
  expect(m.stderr).toBe(`memplan: C written to ${dir}/ (build and run: see ${join(dir, 'README.md')})\n`);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of m.written) writeFileSync(file, text);
  return readFileSync(join(dir, 'README.md'), 'utf8');
}

/** A plain softmax of our own, with memplan_kernels.h's signature (a stand-in for a vendor kernel). */
const MY_SOFTMAX = `#include <math.h>
#include "memplan_kernels.h"
void mp_softmax(const float *x, float *y, long outer, long axis_len, long inner, int log_softmax) {
  long o, i, k;
  for (o = 0; o < outer; o++) {
    for (i = 0; i < inner; i++) {
      const float *xp = x + o * axis_len * inner + i;
      float *yp = y + o * axis_len * inner + i;
      double mx = xp[0], sum = 0.0;
      for (k = 1; k < axis_len; k++) if (xp[k * inner] > mx) mx = xp[k * inner];
      for (k = 0; k < axis_len; k++) sum += exp(xp[k * inner] - mx);
      for (k = 0; k < axis_len; k++) {
        double v = xp[k * inner] - mx;
        yp[k * inner] = (float)(log_softmax ? v - log(sum) : exp(v) / sum);
      }
    }
  }
}
`;

describe('the emitted C folder\u2019s README', () => {
  it('says what each file is, how to port the hooks and replace a kernel', async () => {
    const dir = join(work, 'doc');
    const readme = await emit(dir);
    for (const f of readdirNames(dir)) expect(readme, f).toContain(`\`${f}\``);
    expect(readme).toMatch(/## Porting to a chip/);
    for (const hook of ['mp_dma_start', 'mp_dma_wait', 'mp_parallel_for_cores', 'mp_barrier', 'mp_poison']) expect(readme).toContain(hook);
    expect(readme).toMatch(/## Replacing a kernel/);
    expect(readme).toMatch(/MP_REPLACE_MP_SOFTMAX/);
  });

  it('names the memories as the target does (psram, not dram)', async () => {
    const dir = join(work, 'psram');
    const readme = await emit(dir, ['--target', join(ROOT, 'fixtures/targets/tiny-mcu-128k.json'), '--sram', '32K']);
    const header = readFileSync(join(dir, 'model.h'), 'utf8');
    expect(header).toMatch(/^#define MP_POOL_PSRAM_BYTES \d+$/m);
    expect(readme).toContain('`MP_POOL_PSRAM_BYTES`');
    for (const text of [header, readme, readFileSync(join(dir, 'model.c'), 'utf8')]) expect(text).not.toMatch(/\bdram\b/i);
  });

  it('gives an integer model\u2019s signature and file types as they are (int8, not float)', async () => {
    const dir = join(work, 'int8');
    const readme = await emit(dir, [], sharedModel('tflite/hello_world_int8.tflite'));
    const header = readFileSync(join(dir, 'model.h'), 'utf8');
    const signature = /int model_run\(const \w+ \*const \*inputs, \w+ \*const \*outputs\)/.exec(header)![0];
    expect(signature).toBe('int model_run(const void *const *inputs, void *const *outputs)');
    expect(readme).toContain(`\`${signature}\``);
    expect(readme).not.toMatch(/float32/);
    const commands = codeBlock(readme, 'sh');
    expect(commands[1]).toMatch(/^head -c 1 \/dev\/zero > in0\.bin +# input 0 '[^']+': int8\[1x1\]$/);
    expect(readme).toMatch(/^- `out0\.bin`: output 0 `[^`]+`, int8\[1x1\], 1 bytes$/m);
    for (const c of commands) {
      const r = sh(c, dir);
      expect(r.status, `${c}\n${r.stdout}${r.stderr}`).toBe(0);
    }
    expect(statSync(join(dir, 'out0.bin')).size).toBe(1);
  }, 120_000);

  it('its build-and-run commands work as written', async () => {
    const dir = join(work, 'build');
    const readme = await emit(dir);
    const commands = codeBlock(readme, 'sh');
    expect(commands[0]).toBe('make');
    let last = '';
    for (const c of commands) {
      const r = sh(c, dir);
      expect(r.status, `${c}\n${r.stdout}${r.stderr}`).toBe(0);
      last = r.stdout;
    }
    // model_host prints one line: the inputs read and the outputs written.
    expect(last).toBe("model_host: read in0.bin (input 'input', 12288 bytes); wrote out0.bin (output 'probs', 40 bytes)\n");
    expect(statSync(join(dir, 'out0.bin')).size).toBe(40);

    // Replacing a kernel as the README says: our mp_softmax is linked, memplan's is left out.
    const replace = codeBlock(readme, 'text');
    expect(replace).toHaveLength(1);
    const reference = readFileSync(join(dir, 'out0.bin'));
    writeFileSync(join(dir, 'my_softmax.c'), MY_SOFTMAX);
    const r = sh(replace[0]!, dir);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const nm = sh('nm memplan_kernels.o my_softmax.o', dir);
    expect(nm.status, `nm: ${nm.stderr} (install binutils)`).toBe(0);
    expect(nm.stdout).toMatch(/^my_softmax\.o:\n(?:.*\n)*?[0-9a-f]+ T mp_softmax$/m);
    expect(nm.stdout.split('my_softmax.o:')[0]).not.toMatch(/ T mp_softmax$/m);
    const run = sh(commands.at(-1)!, dir);
    expect(run.status, run.stderr).toBe(0);
    const a = new Float32Array(reference.buffer.slice(reference.byteOffset, reference.byteOffset + reference.byteLength));
    const bBytes = readFileSync(join(dir, 'out0.bin'));
    const b = new Float32Array(bBytes.buffer.slice(bBytes.byteOffset, bBytes.byteOffset + bBytes.byteLength));
    expect(b.length).toBe(10);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-6);
  }, 120_000);
});

function readdirNames(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f !== 'README.md').sort() : [];
}
