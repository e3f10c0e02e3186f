/**
 * Tiling: conv / conv-transpose / pool computed tile by tile (output row tiles with their input halo,
 * output channel tiles, odd sizes, strides, dilations, padding, groups and depthwise) equal the
 * full-window result bit for bit. Input tiles are copied into exactly-sized tile buffers with the host
 * DMA hooks (copy at wait), so reading outside the tile is caught by AddressSanitizer in the sanitized
 * build, which must run clean too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDir, runtimeFiles } from '../../src/codegen/runtime-files.js';
import { compileC, compileObjects, makeTempDir, removeDir, runProgram, SANITIZE_FLAGS, STRICT_FLAGS } from '../helpers/c-build.js';

const DRIVER = String.raw`
#include "memplan_kernels.h"
#include "memplan_hooks.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OP_CONV, OP_CONVT, OP_MAX, OP_AVG, OP_AVG_INCL };

typedef struct {
  const char *name;
  int op;
  long n, c, h, w, m, groups, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  int ceil_mode;
  mp_act_kind act;
} config;

static unsigned long rng_state = 12345;
static float rnd(void) {
  rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
  return (float)((rng_state >> 33) % 2001) / 1000.0f - 1.0f;
}

static long out_len(long in, long k, long s, long d, long p0, long p1, int ceil_mode) {
  long span = in + p0 + p1 - ((k - 1) * d + 1);
  long q = ceil_mode ? (span + s - 1) / s : span / s;
  if (ceil_mode && q * s >= in + p0) q--; /* the last window must start inside input or left pad */
  return q + 1;
}

static long floor_div(long a, long b) { long q = a / b; if (a % b != 0 && a < 0) q--; return q; }

/* full output rows [oy0, oy0+oh) need input rows [*lo, *hi] (clamped to the input) */
static void rows_needed(const config *c, long oy0, long oh, long *lo, long *hi) {
  if (c->op == OP_CONVT) {
    *lo = -floor_div(-(oy0 + c->pt - (c->kh - 1) * c->dh), c->sh);
    *hi = floor_div(oy0 + oh - 1 + c->pt, c->sh);
  } else {
    *lo = oy0 * c->sh - c->pt;
    *hi = (oy0 + oh - 1) * c->sh - c->pt + (c->kh - 1) * c->dh;
  }
  if (*lo < 0) *lo = 0;
  if (*hi > c->h - 1) *hi = c->h - 1;
}

static int run_kernel(const config *c, const mp_window *x, mp_window *y, const float *wt, const float *bias) {
  mp_conv_params cp;
  mp_pool_params pp;
  cp.kh = c->kh; cp.kw = c->kw; cp.stride_h = c->sh; cp.stride_w = c->sw; cp.dil_h = c->dh; cp.dil_w = c->dw;
  cp.pad_top = c->pt; cp.pad_left = c->pl; cp.groups = c->groups; cp.act.kind = c->act; cp.act.a = 0.1f;
  cp.act.b = 0.5f;
  pp.kh = c->kh; pp.kw = c->kw; pp.stride_h = c->sh; pp.stride_w = c->sw; pp.dil_h = c->dh; pp.dil_w = c->dw;
  pp.pad_top = c->pt; pp.pad_left = c->pl; pp.pad_bottom = c->pb; pp.pad_right = c->pr;
  pp.count_include_pad = c->op == OP_AVG_INCL;
  switch (c->op) {
    case OP_CONV: return mp_conv2d(x, y, wt, bias, &cp);
    case OP_CONVT: return mp_conv_transpose2d(x, y, wt, bias, &cp);
    case OP_MAX: return mp_maxpool2d(x, y, &pp);
    default: return mp_avgpool2d(x, y, &pp);
  }
}

static int check(const config *c) {
  long oh, ow, oc, tile_h, tile_c, cin_g, cout_g, i, tiles = 0;
  long xcount, ycount, wcount;
  float *x, *y_full, *y_tiled, *wt, *bias;
  int rc, failures = 0;
  int is_pool = c->op == OP_MAX || c->op == OP_AVG || c->op == OP_AVG_INCL;
  if (c->op == OP_CONVT) {
    oh = (c->h - 1) * c->sh + (c->kh - 1) * c->dh + 1 - c->pt - c->pb;
    ow = (c->w - 1) * c->sw + (c->kw - 1) * c->dw + 1 - c->pl - c->pr;
  } else {
    oh = out_len(c->h, c->kh, c->sh, c->dh, c->pt, c->pb, c->ceil_mode);
    ow = out_len(c->w, c->kw, c->sw, c->dw, c->pl, c->pr, c->ceil_mode);
  }
  oc = is_pool ? c->c : c->m;
  cin_g = c->c / c->groups;
  cout_g = oc / c->groups;
  xcount = c->n * c->c * c->h * c->w;
  ycount = c->n * oc * oh * ow;
  wcount = c->op == OP_CONVT ? c->c * cout_g * c->kh * c->kw : oc * cin_g * c->kh * c->kw;
  x = malloc((size_t)xcount * sizeof(float));
  y_full = malloc((size_t)ycount * sizeof(float));
  y_tiled = malloc((size_t)ycount * sizeof(float));
  wt = malloc((size_t)wcount * sizeof(float));
  bias = malloc((size_t)oc * sizeof(float));
  if (!x || !y_full || !y_tiled || !wt || !bias) return 1;
  for (i = 0; i < xcount; i++) x[i] = rnd();
  for (i = 0; i < wcount; i++) wt[i] = rnd();
  for (i = 0; i < oc; i++) bias[i] = rnd();
  {
    mp_window xw = mp_window_full(x, c->n, c->c, c->h, c->w);
    mp_window yw = mp_window_full(y_full, c->n, oc, oh, ow);
    rc = run_kernel(c, &xw, &yw, wt, bias);
    if (rc != MP_OK) { printf("FAIL %s: full window rc %d\n", c->name, rc); return 1; }
  }
  for (i = 0; i < ycount; i++) {
    if (isnan(y_full[i]) || isinf(y_full[i])) { printf("FAIL %s: non-finite full output\n", c->name); return 1; }
  }
  /* every tiling: row tiles 1..oh, channel tiles of 1, cout_g, all, and an odd size */
  for (tile_h = 1; tile_h <= oh; tile_h += (tile_h < 4 ? 1 : 3)) {
    long ctiles[4];
    int ci;
    ctiles[0] = oc; ctiles[1] = 1; ctiles[2] = cout_g; ctiles[3] = oc > 2 ? (oc + 1) / 2 : oc;
    for (ci = 0; ci < 4; ci++) {
      long c0, oy0;
      tile_c = ctiles[ci];
      if (!is_pool && tile_c % cout_g != 0 && cout_g % tile_c != 0) continue;
      for (i = 0; i < ycount; i++) y_tiled[i] = NAN;
      for (c0 = 0; c0 < oc; c0 += tile_c) {
        long tc = c0 + tile_c > oc ? oc - c0 : tile_c;
        long ic0, ic1;
        if (is_pool) { ic0 = c0; ic1 = c0 + tc; }
        else { ic0 = (c0 / cout_g) * cin_g; ic1 = ((c0 + tc - 1) / cout_g + 1) * cin_g; }
        for (oy0 = 0; oy0 < oh; oy0 += tile_h) {
          long th = oy0 + tile_h > oh ? oh - oy0 : tile_h;
          long lo, hi, rows, nb, ch;
          float *xt, *yt;
          mp_window xw, yw;
          rows_needed(c, oy0, th, &lo, &hi);
          {
            long hlo, hhi, clo, chi;
            if (c->op == OP_CONVT) mp_conv_transpose_input_rows(c->kh, c->sh, c->dh, c->pt, c->h, oy0, th, &hlo, &hhi);
            else mp_conv_input_rows(c->kh, c->sh, c->dh, c->pt, c->h, oy0, th, &hlo, &hhi);
            if (hlo != lo || hhi != hi) { printf("FAIL %s: input rows helper [%ld,%ld] vs [%ld,%ld]\n", c->name, hlo, hhi, lo, hi); failures++; }
            if (!is_pool) {
              mp_conv_input_channels(c->groups, c->c, oc, c0, tc, &clo, &chi);
              if (clo != ic0 || chi != ic1) { printf("FAIL %s: input channels helper\n", c->name); failures++; }
            }
          }
          rows = hi >= lo ? hi - lo + 1 : 0;
          if (rows == 0) lo = 0;
          /* exactly-sized tile buffers (ASan catches any read outside them) */
          xt = malloc((size_t)(c->n * (ic1 - ic0) * (rows > 0 ? rows : 1) * c->w) * sizeof(float));
          yt = malloc((size_t)(c->n * tc * th * ow) * sizeof(float));
          if (!xt || !yt) return 1;
          for (nb = 0; nb < c->n; nb++) {
            for (ch = ic0; ch < ic1 && rows > 0; ch++) {
              mp_dma_token t = mp_dma_start((int)(ch % 4), xt + ((nb * (ic1 - ic0) + (ch - ic0)) * rows) * c->w,
                                            x + ((nb * c->c + ch) * c->h + lo) * c->w, (size_t)rows,
                                            (size_t)c->w * sizeof(float), (size_t)c->w * sizeof(float),
                                            (size_t)c->w * sizeof(float));
              mp_dma_wait(t);
            }
          }
          xw = mp_window_tile(xt, c->n, ic0, ic1 - ic0, lo, rows, c->c, c->h, c->w);
          yw = mp_window_tile(yt, c->n, c0, tc, oy0, th, oc, oh, ow);
          rc = run_kernel(c, &xw, &yw, wt, bias);
          if (rc != MP_OK) { printf("FAIL %s: tile rc %d\n", c->name, rc); return 1; }
          for (nb = 0; nb < c->n; nb++) {
            for (ch = 0; ch < tc; ch++) {
              mp_copy2d(y_tiled + ((nb * oc + c0 + ch) * oh + oy0) * ow, yt + (nb * tc + ch) * th * ow, th, ow, ow, ow);
            }
          }
          /* a window one halo row short is refused */
          if (rows > 1) {
            mp_window shortw = xw;
            mp_window yw2 = yw;
            float before = yt[0];
            shortw.h = rows - 1;
            rc = run_kernel(c, &shortw, &yw2, wt, bias);
            if (rc != MP_EWINDOW) { printf("FAIL %s: short window rc %d\n", c->name, rc); failures++; }
            if (memcmp(&before, &yt[0], sizeof before) != 0) { printf("FAIL %s: wrote on error\n", c->name); failures++; }
          }
          free(xt);
          free(yt);
          tiles++;
        }
      }
      if (memcmp(y_tiled, y_full, (size_t)ycount * sizeof(float)) != 0) {
        for (i = 0; i < ycount; i++) {
          if (memcmp(&y_tiled[i], &y_full[i], sizeof(float)) != 0) break;
        }
        printf("FAIL %s: tile_h %ld tile_c %ld differs at %ld: %.9g vs %.9g\n", c->name, tile_h, tile_c, i,
               (double)y_tiled[i], (double)y_full[i]);
        failures++;
      }
      /* the same tiles written in place into the full output through window strides */
      for (i = 0; i < ycount; i++) y_tiled[i] = NAN;
      for (c0 = 0; c0 < oc; c0 += tile_c) {
        long tc = c0 + tile_c > oc ? oc - c0 : tile_c;
        for (oy0 = 0; oy0 < oh; oy0 += tile_h) {
          long th = oy0 + tile_h > oh ? oh - oy0 : tile_h;
          mp_window xw = mp_window_full(x, c->n, c->c, c->h, c->w);
          mp_window yw = mp_window_in_full(y_tiled, c->n, c0, tc, oy0, th, oc, oh, ow);
          rc = run_kernel(c, &xw, &yw, wt, bias);
          if (rc != MP_OK) { printf("FAIL %s: in-place tile rc %d\n", c->name, rc); return 1; }
        }
      }
      if (memcmp(y_tiled, y_full, (size_t)ycount * sizeof(float)) != 0) {
        printf("FAIL %s: in-place tiles tile_h %ld tile_c %ld differ\n", c->name, tile_h, tile_c);
        failures++;
      }
    }
  }
  free(x); free(y_full); free(y_tiled); free(wt); free(bias);
  if (failures == 0) printf("ok %s %ldx%ld tiles=%ld\n", c->name, oh, ow, tiles);
  return failures != 0;
}

static const config CONFIGS[] = {
  /* name                 op        n  c  h  w   m grp kh kw sh sw dh dw pt pl pb pr ceil act */
  {"conv3x3_pad1",        OP_CONV,  1, 3, 9, 7,  4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, MP_ACT_NONE},
  {"conv3x3_s2_odd",      OP_CONV,  2, 2, 11, 9, 3, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, MP_ACT_RELU},
  {"conv5x3_dil2",        OP_CONV,  1, 4, 13, 8, 6, 2, 5, 3, 1, 2, 2, 1, 2, 1, 3, 0, 0, MP_ACT_LEAKY},
  {"depthwise3x3_s2",     OP_CONV,  1, 6, 10, 10, 6, 6, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0, MP_ACT_RELU6},
  {"depthwise_mult2",     OP_CONV,  1, 3, 7, 6,  6, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, MP_ACT_HARDSWISH},
  {"pointwise",           OP_CONV,  1, 5, 6, 5,  7, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, MP_ACT_CLIP},
  {"conv_asym_pads_s3",   OP_CONV,  1, 2, 14, 9, 2, 1, 4, 2, 3, 1, 1, 2, 0, 2, 2, 1, 0, MP_ACT_SIGMOID},
  {"conv1d_k5",           OP_CONV,  2, 3, 1, 17, 4, 1, 1, 5, 1, 2, 1, 1, 0, 2, 0, 2, 0, MP_ACT_NONE},
  {"conv_big_pad",        OP_CONV,  1, 2, 5, 5,  3, 1, 3, 3, 1, 1, 1, 1, 3, 3, 3, 3, 0, MP_ACT_HARDSIGMOID},
  {"convT_s2",            OP_CONVT, 1, 3, 5, 4,  4, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, MP_ACT_NONE},
  {"convT_s3_dil_groups", OP_CONVT, 1, 4, 4, 5,  2, 2, 2, 3, 3, 2, 2, 1, 0, 1, 1, 0, 0, MP_ACT_RELU},
  {"maxpool3x3_s2_pad",   OP_MAX,   1, 3, 9, 9,  0, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, MP_ACT_NONE},
  {"maxpool2x2_ceil",     OP_MAX,   2, 2, 7, 7,  0, 1, 2, 2, 2, 2, 1, 1, 0, 0, 1, 1, 1, MP_ACT_NONE},
  {"maxpool_dil",         OP_MAX,   1, 2, 10, 8, 0, 1, 3, 2, 1, 2, 2, 1, 1, 0, 1, 0, 0, MP_ACT_NONE},
  {"avgpool3x3_excl",     OP_AVG,   1, 3, 8, 9,  0, 1, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 0, MP_ACT_NONE},
  {"avgpool3x3_incl",     OP_AVG_INCL, 1, 3, 8, 9, 0, 1, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 0, MP_ACT_NONE},
  {"avgpool_ceil_incl",   OP_AVG_INCL, 1, 2, 7, 6, 0, 1, 3, 2, 2, 2, 1, 1, 1, 0, 1, 0, 1, MP_ACT_NONE},
};

int main(void) {
  size_t k;
  int bad = 0;
  for (k = 0; k < sizeof CONFIGS / sizeof CONFIGS[0]; k++) bad += check(&CONFIGS[k]);
  printf(bad ? "FAILED %d\n" : "ALL OK\n", bad);
  return bad != 0;
}
`;


const MULTICORE = String.raw`
#include "memplan_kernels.h"
#include "memplan_hooks.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two layers on 4 cores: conv 3x3 stride 1 pad 1 (8 -> 8 channels, 21 x 13) split by output rows, each core
   DMA-ing its input rows with halo into a per-core local tile; barrier; maxpool 2x2 stride 2 split by
   channels; then a gemm split by rows and an elementwise add split by element ranges. */
#define NC 4
#define C 8
#define H 21
#define W 13
#define PH 10
#define PW 6
static float x[C * H * W], wt[C * C * 9], bias[C], y1[C * H * W], y2[C * PH * PW];
static float ref1[C * H * W], ref2[C * PH * PW];
static float local_in[NC][C * 9 * W];   /* per-core local tile: up to (rows per core + 2) rows */
static float gA[7 * 11], gB[11 * 5], gC[5], gY[7 * 5], gref[7 * 5];
static float ea[6 * 5 * 4], eb[5 * 1], ey[6 * 5 * 4], eref[6 * 5 * 4];
static int mode_wrong = 0;      /* 1: read the tile before waiting for its DMA */
static int mode_short = 0;      /* 1: end the lifetime of layer 1's output before layer 2 reads it */
static int errors = 0;

static void layer_core(int core, void *ctx) {
  long rows_per = (H + NC - 1) / NC, oy0 = core * rows_per, oh = oy0 + rows_per > H ? H - oy0 : rows_per;
  long lo, hi, ch, c0, cc;
  mp_window xw, yw;
  mp_conv_params p = {3, 3, 1, 1, 1, 1, 1, 1, 1, {MP_ACT_RELU, 0.0f, 0.0f}};
  mp_pool_params pp = {2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0};
  mp_dma_token t[C];
  (void)ctx;
  if (oh > 0) {
    mp_conv_input_rows(3, 1, 1, 1, H, oy0, oh, &lo, &hi);
    for (ch = 0; ch < C; ch++) {
      t[ch] = mp_dma_start(core, local_in[core] + ch * (hi - lo + 1) * W, x + (ch * H + lo) * W, (size_t)(hi - lo + 1),
                           W * sizeof(float), W * sizeof(float), W * sizeof(float));
    }
    if (!mode_wrong) for (ch = 0; ch < C; ch++) mp_dma_wait(t[ch]);
    xw = mp_window_tile(local_in[core], 1, 0, C, lo, hi - lo + 1, C, H, W);
    yw = mp_window_in_full(y1, 1, 0, C, oy0, oh, C, H, W);
    if (mp_conv2d(&xw, &yw, wt, bias, &p) != MP_OK) __atomic_add_fetch(&errors, 1, __ATOMIC_SEQ_CST);
    if (mode_wrong) for (ch = 0; ch < C; ch++) mp_dma_wait(t[ch]);
  }
  mp_barrier();
  if (mode_short) {
    if (core == 0) mp_poison(y1, sizeof y1);
    mp_barrier();
  }
  /* layer 2: channels split across cores, reading all rows written by every core */
  c0 = core * (C / NC);
  cc = C / NC;
  xw = mp_window_in_full(y1, 1, c0, cc, 0, H, C, H, W);
  yw = mp_window_in_full(y2, 1, c0, cc, 0, PH, C, PH, PW);
  if (mp_maxpool2d(&xw, &yw, &pp) != MP_OK) __atomic_add_fetch(&errors, 1, __ATOMIC_SEQ_CST);
  mp_barrier();
  /* gemm rows and elementwise ranges */
  {
    long m0 = core * 2, m1 = m0 + 2 > 7 ? 7 : m0 + 2;
    mp_act act = {MP_ACT_NONE, 0.0f, 0.0f};
    long total = 6 * 5 * 4, per = (total + NC - 1) / NC;
    long e0 = core * per, e1 = e0 + per > total ? total : e0 + per;
    mp_gemm(gA, gB, gC, gY, 7, 5, 11, 0, 0, 0.5f, 2.0f, 1, 5, m0, m1, act);
    if (mp_binary(MP_BIN_ADD, 3, (const long[]){6, 5, 4}, ea, (const long[]){20, 4, 1}, eb, (const long[]){0, 1, 0}, ey,
                  e0, e1) != MP_OK) {
      __atomic_add_fetch(&errors, 1, __ATOMIC_SEQ_CST);
    }
  }
}

int main(int argc, char **argv) {
  long i;
  unsigned long s = 99;
  mp_window xw, yw;
  mp_conv_params p = {3, 3, 1, 1, 1, 1, 1, 1, 1, {MP_ACT_RELU, 0.0f, 0.0f}};
  mp_pool_params pp = {2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0};
  mp_act act = {MP_ACT_NONE, 0.0f, 0.0f};
  mode_wrong = argc > 1 && strcmp(argv[1], "wrong") == 0;
  mode_short = argc > 1 && strcmp(argv[1], "short-lifetime") == 0;
#define RND() (s = s * 6364136223846793005UL + 1442695040888963407UL, (float)((s >> 33) % 2001) / 1000.0f - 1.0f)
  for (i = 0; i < C * H * W; i++) x[i] = RND();
  for (i = 0; i < C * C * 9; i++) wt[i] = RND();
  for (i = 0; i < C; i++) bias[i] = RND();
  for (i = 0; i < 7 * 11; i++) gA[i] = RND();
  for (i = 0; i < 11 * 5; i++) gB[i] = RND();
  for (i = 0; i < 5; i++) gC[i] = RND();
  for (i = 0; i < 120; i++) ea[i] = RND();
  for (i = 0; i < 5; i++) eb[i] = RND();
  for (i = 0; i < NC; i++) memset(local_in[i], 0xFF, sizeof local_in[i]); /* NaN: stale tile contents */
  xw = mp_window_full(x, 1, C, H, W);
  yw = mp_window_full(ref1, 1, C, H, W);
  if (mp_conv2d(&xw, &yw, wt, bias, &p) != MP_OK) return 2;
  xw = mp_window_full(ref1, 1, C, H, W);
  yw = mp_window_full(ref2, 1, C, PH, PW);
  if (mp_maxpool2d(&xw, &yw, &pp) != MP_OK) return 2;
  mp_gemm(gA, gB, gC, gref, 7, 5, 11, 0, 0, 0.5f, 2.0f, 1, 5, 0, 7, act);
  mp_binary(MP_BIN_ADD, 3, (const long[]){6, 5, 4}, ea, (const long[]){20, 4, 1}, eb, (const long[]){0, 1, 0}, eref, 0, 120);
  mp_parallel_for_cores(NC, layer_core, NULL);
  printf("errors %d\n", errors);
  {
    int nans = 0;
    for (i = 0; i < C * PH * PW; i++) nans += isnan(y2[i]) != 0;
    printf("pool nans %d\n", nans);
  }
  printf("conv %s\n", memcmp(y1, ref1, sizeof y1) == 0 ? "same" : "differs");
  printf("pool %s\n", memcmp(y2, ref2, sizeof y2) == 0 ? "same" : "differs");
  printf("gemm %s\n", memcmp(gY, gref, sizeof gY) == 0 ? "same" : "differs");
  printf("add %s\n", memcmp(ey, eref, sizeof ey) == 0 ? "same" : "differs");
  return 0;
}
`;

let dir = '';
const bins: Record<string, string> = {};

beforeAll(() => {
  dir = makeTempDir('memplan-tiling-');
  const src = join(dir, 'tiling.c');
  writeFileSync(src, DRIVER);
  const runtime = runtimeFiles().filter((f) => f.name.endsWith('.c')).map((f) => f.path);
  const base = { includeDirs: [runtimeDir()], libs: ['-lm', '-pthread'] };
  const plainFlags = [...STRICT_FLAGS, '-pthread'];
  const sanFlags = [...STRICT_FLAGS, ...SANITIZE_FLAGS, '-pthread'];
  // The runtime is compiled once per flag set and linked into both drivers.
  const plainRt = compileObjects({ sources: runtime, outDir: join(dir, 'rt'), includeDirs: [runtimeDir()], flags: plainFlags });
  const sanRt = compileObjects({ sources: runtime, outDir: join(dir, 'rt_san'), includeDirs: [runtimeDir()], flags: sanFlags });
  bins.plain = join(dir, 'tiling');
  compileC({ ...base, sources: [src, ...plainRt], output: bins.plain, flags: plainFlags });
  bins.san = join(dir, 'tiling_san');
  compileC({ ...base, sources: [src, ...sanRt], output: bins.san, flags: sanFlags });
  const mc = join(dir, 'multicore.c');
  writeFileSync(mc, MULTICORE);
  bins.mc = join(dir, 'multicore');
  compileC({ ...base, sources: [mc, ...plainRt], output: bins.mc, flags: plainFlags });
  bins.mcPoison = join(dir, 'multicore_poison');
  compileC({ ...base, sources: [mc, ...runtime], output: bins.mcPoison, flags: [...plainFlags, '-DMP_POISON'] });
  bins.mcSan = join(dir, 'multicore_san');
  compileC({ ...base, sources: [mc, ...sanRt], output: bins.mcSan, flags: sanFlags });
}, 60_000);

afterAll(() => {
  if (dir) removeDir(dir);
});

describe('layers split across cores with per-core DMA tiles and barriers', () => {
  for (const variant of ['mc', 'mcSan'] as const) {
    it(`equal the single-core result bit for bit (${variant === 'mc' ? 'plain' : 'ASan+UBSan'})`, () => {
      const r = runProgram(bins[variant]!);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('errors 0');
      expect(r.stdout).toContain('conv same');
      expect(r.stdout).toContain('pool same');
      expect(r.stdout).toContain('gemm same');
      expect(r.stdout).toContain('add same');
      expect(r.status).toBe(0);
    });
  }

  it('a schedule that computes on a tile before waiting for its DMA gives wrong numbers', () => {
    const r = runProgram(bins.mc!, ['wrong']);
    expect(r.stdout).toContain('errors 0');
    expect(r.stdout).toContain('conv differs');
    expect(r.stdout).toContain('pool differs');
    expect(r.status).toBe(0);
  });

  it('in poison mode a buffer whose lifetime ends too early turns the next layer into NaNs', () => {
    const good = runProgram(bins.mcPoison!);
    expect(good.stdout).toContain('pool same');
    expect(good.stdout).toContain('pool nans 0');
    const bad = runProgram(bins.mcPoison!, ['short-lifetime']);
    expect(bad.stdout).toContain('pool differs');
    expect(bad.stdout).toContain(`pool nans ${8 * 10 * 6}`);
    // without MP_POISON the same mistake goes unnoticed: that is what poison mode is for
    const plain = runProgram(bins.mc!, ['short-lifetime']);
    expect(plain.stdout).toContain('pool same');
  });
});

describe('tiled conv / pool equal the full-window result', () => {
  it('every configuration and tiling matches bit for bit, short halos are refused', () => {
    const r = runProgram(bins.plain!);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout).toContain('ALL OK');
    expect(r.stdout.match(/^ok /gm)?.length).toBe(17);
    expect(r.status).toBe(0);
  });

  it('the AddressSanitizer + UndefinedBehaviorSanitizer build runs clean', () => {
    const r = runProgram(bins.san!, [], { ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('ALL OK');
    expect(r.status).toBe(0);
  });
});
