/**
 * The host implementation of memplan_hooks.h: DMA copies only at the matching wait, token checks,
 * cores as threads with a working barrier, poison mode.
 */
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDir, runtimeFiles } from '../../src/codegen/runtime-files.js';
import { compileC, compileObjects, makeTempDir, removeDir, runProgram, SANITIZE_FLAGS, STRICT_FLAGS } from '../helpers/c-build.js';
import { importGraph, tsFilesBelow } from '../helpers/import-graph.js';

const DRIVER = String.raw`
#include "memplan_hooks.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



#define CHECK(cond) do { if (!(cond)) { printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #cond); return 1; } } while (0)

static int test_order(void) {
  float src[12], dst[12];
  int i;
  mp_dma_token t;
  for (i = 0; i < 12; i++) { src[i] = (float)(i + 1); dst[i] = -1.0f; }
  /* 3 rows of 2 floats, source stride 4 floats, destination stride 3 floats */
  t = mp_dma_start(1, dst, src, 3, 2 * sizeof(float), 3 * sizeof(float), 4 * sizeof(float));
  CHECK(t != 0);
  CHECK(mp_host_dma_in_flight() == 1);
  for (i = 0; i < 12; i++) CHECK(dst[i] == -1.0f);      /* read before wait: old data */
  src[4] = 100.0f;                                      /* a source write before the wait is copied */
  mp_dma_wait(t);
  CHECK(mp_host_dma_in_flight() == 0);
  CHECK(dst[0] == 1.0f && dst[1] == 2.0f && dst[2] == -1.0f);
  CHECK(dst[3] == 100.0f && dst[4] == 6.0f && dst[5] == -1.0f);
  CHECK(dst[6] == 9.0f && dst[7] == 10.0f && dst[8] == -1.0f);
  CHECK(dst[9] == -1.0f && dst[10] == -1.0f && dst[11] == -1.0f);
  printf("order ok\n");
  return 0;
}

static int test_many(void) {
  /* two transfers in flight, waited in reverse order; the tokens differ */
  int a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, da[4] = {0, 0, 0, 0}, db[4] = {0, 0, 0, 0};
  mp_dma_token ta = mp_dma_start(0, da, a, 1, sizeof a, sizeof a, sizeof a);
  mp_dma_token tb = mp_dma_start(0, db, b, 1, sizeof b, sizeof b, sizeof b);
  CHECK(ta != tb);
  CHECK(mp_host_dma_in_flight() == 2);
  mp_dma_wait(tb);
  CHECK(db[3] == 8 && da[0] == 0);
  mp_dma_wait(ta);
  CHECK(da[3] == 4);
  {
    /* a recycled slot gives a new token: the old one stays invalid (checked by the 'stale' mode) */
    int k;
    for (k = 0; k < 1000; k++) {
      mp_dma_token t = mp_dma_start(k % 4, da, b, 1, sizeof b, sizeof b, sizeof b);
      mp_dma_wait(t);
    }
  }
  printf("many ok\n");
  return 0;
}

static int counts[64];
static int phase_data[64];
static int barrier_errors = 0;
static int region_cores = 0;

static void count_core(int core, void *ctx) {
  int *base = (int *)ctx;
  base[core] += 1;
}

static void barrier_core(int core, void *ctx) {
  int round, j;
  (void)ctx;
  for (round = 1; round <= 200; round++) {
    phase_data[core] = round;
    mp_barrier();
    for (j = 0; j < region_cores; j++) {
      if (phase_data[j] != round) __atomic_add_fetch(&barrier_errors, 1, __ATOMIC_SEQ_CST);
    }
    mp_barrier();
  }
}

static int test_cores(void) {
  int n, i;
  for (n = 1; n <= 8; n++) {
    memset(counts, 0, sizeof counts);
    mp_parallel_for_cores(n, count_core, counts);
    for (i = 0; i < 64; i++) CHECK(counts[i] == (i < n ? 1 : 0));
  }
  for (n = 1; n <= 6; n++) {
    region_cores = n;
    barrier_errors = 0;
    mp_parallel_for_cores(n, barrier_core, NULL);
    CHECK(barrier_errors == 0);
  }
  mp_barrier(); /* outside a region: returns at once */
  printf("cores ok\n");
  return 0;
}

static int test_poison(void) {
  float buf[9];
  unsigned char raw[7];
  int i;
  for (i = 0; i < 9; i++) buf[i] = 1.5f;
  memset(raw, 0x11, sizeof raw);
  mp_poison(buf + 2, 5 * sizeof(float));
  mp_poison(raw + 1, 5);
#ifdef MP_POISON
  CHECK(buf[1] == 1.5f && buf[7] == 1.5f);
  for (i = 2; i < 7; i++) {
    uint32_t w;
    memcpy(&w, &buf[i], 4);
    CHECK(isnan(buf[i]));
    CHECK(w == 0x7FC0DEADu);
  }
  CHECK(raw[0] == 0x11 && raw[6] == 0x11);
  for (i = 1; i < 6; i++) CHECK(raw[i] != 0x11);
  printf("poison on\n");
#else
  for (i = 0; i < 9; i++) CHECK(buf[i] == 1.5f);
  for (i = 0; i < 7; i++) CHECK(raw[i] == 0x11);
  printf("poison off\n");
#endif
  return 0;
}

static void dma_core(int core, void *ctx) {
  float *mem = (float *)ctx; /* 8 cores x (16 src + 16 dst) */
  int k;
  for (k = 0; k < 50; k++) {
    mp_dma_token t;
    mem[core * 32] = (float)k;
    t = mp_dma_start(core % 4, mem + core * 32 + 16, mem + core * 32, 1, 16 * sizeof(float), 0, 0);
    mp_dma_wait(t);
    if (mem[core * 32 + 16] != (float)k) __atomic_add_fetch(&barrier_errors, 1, __ATOMIC_SEQ_CST);
  }
}

static int test_dma_threads(void) {
  static float mem[8 * 32];
  barrier_errors = 0;
  mp_parallel_for_cores(8, dma_core, mem);
  CHECK(barrier_errors == 0);
  CHECK(mp_host_dma_in_flight() == 0);
  printf("dma threads ok\n");
  return 0;
}

static void nest_core(int core, void *ctx) {
  if (core == 0) mp_parallel_for_cores(2, count_core, counts);
  (void)ctx;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  int x = 1, y = 0;
  if (strcmp(mode, "order") == 0) return test_order();
  if (strcmp(mode, "many") == 0) return test_many();
  if (strcmp(mode, "cores") == 0) return test_cores();
  if (strcmp(mode, "poison") == 0) return test_poison();
  if (strcmp(mode, "dma-threads") == 0) return test_dma_threads();
  if (strcmp(mode, "double") == 0) {
    mp_dma_token t = mp_dma_start(0, &y, &x, 1, sizeof x, sizeof x, sizeof x);
    mp_dma_wait(t);
    printf("first wait done y=%d\n", y);
    fflush(stdout);
    mp_dma_wait(t);
    printf("second wait returned\n");
    return 0;
  }
  if (strcmp(mode, "unknown") == 0) {
    mp_dma_wait((mp_dma_token)12345);
    printf("returned\n");
    return 0;
  }
  if (strcmp(mode, "zero") == 0) {
    mp_dma_wait((mp_dma_token)0);
    return 0;
  }
  if (strcmp(mode, "stale") == 0) {
    mp_dma_token t1 = mp_dma_start(0, &y, &x, 1, sizeof x, sizeof x, sizeof x), t2;
    mp_dma_wait(t1);
    t2 = mp_dma_start(0, &y, &x, 1, sizeof x, sizeof x, sizeof x); /* reuses the slot */
    (void)t2;
    mp_dma_wait(t1);
    return 0;
  }
  if (strcmp(mode, "overflow") == 0) {
    int i;
    for (i = 0; i < 1000; i++) (void)mp_dma_start(0, &y, &x, 1, sizeof x, sizeof x, sizeof x);
    printf("no overflow\n");
    return 0;
  }
  if (strcmp(mode, "channel") == 0) {
    (void)mp_dma_start(-1, &y, &x, 1, sizeof x, sizeof x, sizeof x);
    return 0;
  }
  if (strcmp(mode, "nullfn") == 0) {
    mp_parallel_for_cores(2, (mp_core_fn)0, NULL);
    return 0;
  }
  if (strcmp(mode, "nest") == 0) {
    mp_parallel_for_cores(2, nest_core, NULL);
    return 0;
  }
  printf("unknown mode\n");
  return 3;
}
`;

let dir = '';
const bins: Record<string, string> = {};

beforeAll(() => {
  dir = makeTempDir('memplan-hooks-');
  const src = join(dir, 'hooks_test.c');
  writeFileSync(src, DRIVER);
  const host = runtimeFiles().find((f) => f.name === 'memplan_hooks_host.c')!.path;
  const base = { sources: [src, host], includeDirs: [runtimeDir()], libs: ['-lm', '-pthread'] };
  bins.plain = join(dir, 'hooks_plain');
  compileC({ ...base, output: bins.plain, flags: [...STRICT_FLAGS, '-pthread'] });
  bins.poison = join(dir, 'hooks_poison');
  compileC({ ...base, output: bins.poison, flags: [...STRICT_FLAGS, '-pthread', '-DMP_POISON'] });
  bins.san = join(dir, 'hooks_san');
  compileC({ ...base, output: bins.san, flags: [...STRICT_FLAGS, ...SANITIZE_FLAGS, '-pthread', '-DMP_POISON'] });
}, 60_000);

afterAll(() => {
  if (dir) removeDir(dir);
});

function expectAbort(bin: string, mode: string, message: RegExp): void {
  const r = runProgram(bin, [mode]);
  expect(r.status === 0).toBe(false);
  expect(r.signal === 'SIGABRT' || (r.status !== null && r.status !== 0)).toBe(true);
  expect(r.stderr).toMatch(message);
}

describe('host hooks', () => {
  it('the runtime files exist and are found from src/', () => {
    expect(runtimeFiles().map((f) => f.name)).toEqual([
      'memplan_kernels.h',
      'memplan_kernels.c',
      'memplan_kernels_int.h',
      'memplan_kernels_int.c',
      'memplan_kernels_qlinear.h',
      'memplan_kernels_qlinear.c',
      'memplan_hooks.h',
      'memplan_hooks_host.c',
    ]);
    for (const f of runtimeFiles()) expect(readFileSync(f.path, 'utf8')).toContain('memplan');
  });

  it('the runtime compiles warning-free with extra warnings (-Wpedantic -Wshadow -Wmissing-prototypes ...)', () => {
    compileObjects({
      sources: runtimeFiles().filter((r) => r.name.endsWith('.c')).map((f) => f.path),
      outDir: join(dir, 'pedantic'),
      includeDirs: [runtimeDir()],
      flags: [...STRICT_FLAGS, '-O2', '-Wpedantic', '-Wshadow', '-Wstrict-prototypes', '-Wmissing-prototypes',
        '-Wcast-qual', '-Wundef', '-pthread'],
    });
    const all = runtimeFiles().map((f) => readFileSync(f.path, 'utf8')).join('\n');
    expect(all).not.toMatch(/\b(malloc|calloc|realloc|free)\s*\(/);
  });

  it('the compiled module finds the runtime from dist/src/codegen/ (tsc does not copy .c files)', () => {
    // A repo-shaped tree: <root>/dist/src/codegen/runtime-files.js and <root>/src/codegen/runtime -> the sources.
    const root = join(dir, 'repo');
    const here = dirname(fileURLToPath(import.meta.url));
    // The module and every module it imports (its error type), compiled into dist/ as tsc would.
    const { edges } = importGraph(tsFilesBelow('src'));
    const modules = new Set(['src/codegen/runtime-files.ts']);
    for (const m of modules) for (const t of edges.get(m) ?? []) if (t.startsWith('src/')) modules.add(t);
    expect([...modules]).toContain('src/diagnostics/errors.ts');
    for (const module of modules) {
      const source = readFileSync(join(here, '..', '..', module), 'utf8');
      const js = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const out = join(root, 'dist', module.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, js);
    }
    mkdirSync(join(root, 'src', 'codegen'), { recursive: true });
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    symlinkSync(runtimeDir(), join(root, 'src', 'codegen', 'runtime'));
    const r = runProgram(process.execPath, [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(join(root, 'dist', 'src', 'codegen', 'runtime-files.js'))});` +
        'console.log(m.runtimeDir()); console.log(m.runtimeFiles().length);',
    ]);
    expect(r.stderr).toBe('');
    const [found, n] = r.stdout.trim().split('\n');
    expect(found).toBe(join(root, 'src', 'codegen', 'runtime'));
    expect(realpathSync(found!)).toBe(realpathSync(runtimeDir()));
    expect(n).toBe('8');
  });

  for (const variant of ['plain', 'san'] as const) {
    it(`DMA copies only at the wait, 2-D strides respected (${variant})`, () => {
      const r = runProgram(bins[variant]!, ['order']);
      expect(r.stdout + r.stderr).toContain('order ok');
      expect(r.status).toBe(0);
    });

    it(`several transfers in flight, waited out of order, slots recycled (${variant})`, () => {
      const r = runProgram(bins[variant]!, ['many']);
      expect(r.stdout + r.stderr).toContain('many ok');
      expect(r.status).toBe(0);
    });

    it(`parallel_for_cores runs every core once and the barrier separates phases (${variant})`, () => {
      const r = runProgram(bins[variant]!, ['cores']);
      expect(r.stdout + r.stderr).toContain('cores ok');
      expect(r.status).toBe(0);
    });

    it(`DMA from several cores at once (${variant})`, () => {
      const r = runProgram(bins[variant]!, ['dma-threads']);
      expect(r.stdout + r.stderr).toContain('dma threads ok');
      expect(r.status).toBe(0);
    });
  }

  it('waiting twice on a token aborts with a message', () => {
    const r = runProgram(bins.plain!, ['double']);
    expect(r.stdout).toContain('first wait done y=1');
    expect(r.stdout).not.toContain('second wait returned');
    expect(r.signal).toBe('SIGABRT');
    expect(r.stderr).toMatch(/unknown token, or a transfer waited for twice/);
  });

  it('unknown, zero and stale tokens abort', () => {
    expectAbort(bins.plain!, 'unknown', /mp_dma_wait: unknown token/);
    expectAbort(bins.plain!, 'zero', /mp_dma_wait: unknown token/);
    expectAbort(bins.plain!, 'stale', /mp_dma_wait: unknown token/);
  });

  it('a full in-flight table, a bad channel, a null core function and nested regions abort', () => {
    expectAbort(bins.plain!, 'overflow', /too many transfers in flight/);
    expectAbort(bins.plain!, 'channel', /channel out of range/);
    expectAbort(bins.plain!, 'nullfn', /null function/);
    expectAbort(bins.plain!, 'nest', /parallel regions do not nest/);
  });

  it('poison mode fills dead buffers with the NaN pattern; without it mp_poison is a no-op', () => {
    const on = runProgram(bins.poison!, ['poison']);
    expect(on.stdout).toContain('poison on');
    expect(on.status).toBe(0);
    const off = runProgram(bins.plain!, ['poison']);
    expect(off.stdout).toContain('poison off');
    expect(off.status).toBe(0);
    const san = runProgram(bins.san!, ['poison']);
    expect(san.stdout).toContain('poison on');
    expect(san.status).toBe(0);
  });
});
