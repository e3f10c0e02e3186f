/**
 * The generated support code's channels-last views (a depth-first segment's staging buffer,
 * schedule/depth-first/overlay.ts Staging) in C, under ASan + UBSan: mpg_view_channels_last places
 * element (n, c, h, w) at ((n * H + h) * W + w) * C + c; kernels that write a window of it at those
 * strides (mpg_batchnorm's per-element path, mpg_unary, a window kernel through mpg_window) fill
 * exactly that window; mpg_copy of the whole buffer into an NCHW tensor transposes it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRuntimeFiles } from '../../src/codegen/runtime-files.js';
import { SUPPORT_C, SUPPORT_H } from '../../src/codegen/support-c.js';
import { makeTempDir, removeDir } from '../helpers/c-build.js';

const tmp = makeTempDir('memplan-support-cl-');
afterAll(() => removeDir(tmp));

const TEST_C = String.raw`
#include <math.h>
#include <stdio.h>
#include "model_support.h"

#define N 1
#define C 3
#define H 5
#define W 4
static float x[N * C * H * W], s[N * C * H * W], y[N * C * H * W];
static const float scale[C] = {1.5f, -0.5f, 2.0f}, bias[C] = {0.25f, 1.0f, -1.0f}, mean[C] = {0.1f, -0.2f, 0.3f}, var[C] = {0.9f, 1.1f, 0.5f};

static long nchw(long c, long h, long w) { return (c * H + h) * W + w; }
static long nhwc(long c, long h, long w) { return (h * W + w) * C + c; }

int main(void) {
  const long full[4] = {N, C, H, W};
  long st[4] = {0, 0, 1, 1}, ex[4] = {N, C, 3, 2};
  long zero[4] = {0, 0, 0, 0};
  mpg_view vx, vs, vsw, vy;
  long c, h, w, i, bad = 0;
  for (i = 0; i < N * C * H * W; i++) { x[i] = (float)i * 0.5f - 7.0f; s[i] = NAN; y[i] = NAN; }
  /* Rows [1, 4) x columns [1, 3) of x, batch-normalized into the same window of the staging buffer. */
  mpg_view_in(&vx, x, 4, full, st, ex);
  mpg_view_channels_last(&vs, s, full, st, ex);
  if (vs.stride[1] != 1 || vs.stride[3] != C || vs.stride[2] != W * C || vs.data != s + nhwc(0, 1, 1)) { printf("strides\n"); return 1; }
  if (mpg_batchnorm(&vx, &vs, scale, bias, mean, var, 1e-3f) != MP_OK) { printf("batchnorm\n"); return 1; }
  for (c = 0; c < C; c++) for (h = 0; h < H; h++) for (w = 0; w < W; w++) {
    int inside = h >= 1 && h < 4 && w >= 1 && w < 3;
    float k = scale[c] / sqrtf(var[c] + 1e-3f), t = bias[c] - mean[c] * k;
    float want = x[nchw(c, h, w)] * k + t, got = s[nhwc(c, h, w)];
    if (inside ? got != want : !isnan(got)) { printf("bn (%ld,%ld,%ld): %g want %g\n", c, h, w, got, inside ? want : NAN); bad++; }
  }
  /* The rest of the staging buffer through mpg_unary (identity), then the whole of it into y (NCHW). */
  mpg_view_channels_last(&vsw, s, full, zero, full);
  mpg_view_in(&vx, x, 4, full, zero, full);
  for (h = 0; h < H; h++) for (w = 0; w < W; w++) {
    long a[4] = {0, 0, h, w}, e[4] = {N, C, 1, 1};
    mpg_view v1, v2;
    if (h >= 1 && h < 4 && w >= 1 && w < 3) continue;
    mpg_view_in(&v1, x, 4, full, a, e);
    mpg_view_channels_last(&v2, s, full, a, e);
    if (mpg_unary(MP_UN_IDENTITY, 0.0f, 0.0f, &v1, &v2) != MP_OK) { printf("unary\n"); return 1; }
  }
  mpg_view_in(&vy, y, 4, full, zero, full);
  if (mpg_copy(&vsw, &vy) != MP_OK) { printf("copy\n"); return 1; }
  for (c = 0; c < C; c++) for (h = 0; h < H; h++) for (w = 0; w < W; w++) {
    if (y[nchw(c, h, w)] != s[nhwc(c, h, w)]) { printf("copy (%ld,%ld,%ld)\n", c, h, w); bad++; }
    if ((h < 1 || h >= 4 || w < 1 || w >= 3) && y[nchw(c, h, w)] != x[nchw(c, h, w)]) { printf("unary (%ld,%ld,%ld)\n", c, h, w); bad++; }
  }
  /* A window of the staging buffer as a kernel window: channel stride 1, column stride C, row stride W*C. */
  {
    mp_window win;
    mpg_view r = vs;
    mpg_view_rebase(&r, 3); /* the columns as a tensor of their own (patch and tiles segments) */
    if (mpg_window(&r, &win) != MP_OK || win.data != s + nhwc(0, 1, 1) || win.sc != 1 || win.sw != C || win.sh != W * C || win.c != C || win.h != 3 || win.w != 2) { printf("window\n"); bad++; }
  }
  if (bad) return 1;
  printf("ok\n");
  return 0;
}
`;

describe('channels-last views in the generated support code', () => {
  it('batchnorm and unary write a window at NHWC strides; the copy transposes into NCHW (ASan + UBSan)', () => {
    const dir = path.join(tmp, 'cl');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model_support.h'), SUPPORT_H);
    writeFileSync(path.join(dir, 'model_support.c'), SUPPORT_C);
    for (const f of readRuntimeFiles()) writeFileSync(path.join(dir, f.name), f.text);
    writeFileSync(path.join(dir, 'test.c'), TEST_C);
    const sources = ['test.c', 'model_support.c', 'memplan_kernels.c', 'memplan_hooks_host.c'];
    const cc = spawnSync('cc', ['-std=c99', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-o', 'test', ...sources, '-lm'], { cwd: dir, encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    const run = spawnSync(path.join(dir, 'test'), [], { encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('ok');
    expect(run.status).toBe(0);
  }, 120_000);
});
