/**
 * Kernel contracts that the ONNX single-operator tests do not reach: fused activations equal the
 * separate unary op, element-range splitting, broadcasting helpers, error codes (nothing written on
 * error), pad modes, int8 rounding and saturation, numerically extreme inputs, window helpers.
 * Built strict and with ASan+UBSan; both must pass every check.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeDir, runtimeFiles } from '../../src/codegen/runtime-files.js';
import { compileC, makeTempDir, removeDir, runProgram, SANITIZE_FLAGS, STRICT_FLAGS } from '../helpers/c-build.js';

const DRIVER = String.raw`
#include "memplan_kernels.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static int checks = 0, failed = 0;
#define CHECK(cond) do { checks++; if (!(cond)) { failed++; printf("FAIL line %d: %s\n", __LINE__, #cond); } } while (0)
static int close_to(double got, double ref) { return fabs(got - ref) <= 1e-5 + 1e-4 * fabs(ref); }

static unsigned long rs = 7;
static float rnd(void) {
  rs = rs * 6364136223846793005UL + 1442695040888963407UL;
  return (float)((rs >> 33) % 20001) / 2000.0f - 5.0f;
}

static void test_fused_activations(void) {
  static float x[2 * 3 * 6 * 5], w[4 * 3 * 9], b[4], y_act[4 * 2 * 6 * 5], y_plain[4 * 2 * 6 * 5], y_sep[4 * 2 * 6 * 5];
  static const mp_act_kind acts[] = {MP_ACT_RELU, MP_ACT_RELU6, MP_ACT_CLIP, MP_ACT_LEAKY, MP_ACT_SIGMOID,
                                     MP_ACT_HARDSIGMOID, MP_ACT_HARDSWISH};
  static const mp_unop unops[] = {MP_UN_RELU, MP_UN_CLIP, MP_UN_CLIP, MP_UN_LEAKYRELU, MP_UN_SIGMOID,
                                  MP_UN_HARDSIGMOID, MP_UN_HARDSWISH};
  size_t i, k;
  for (i = 0; i < sizeof x / sizeof x[0]; i++) x[i] = rnd();
  for (i = 0; i < sizeof w / sizeof w[0]; i++) w[i] = rnd() * 0.5f;
  for (i = 0; i < 4; i++) b[i] = rnd();
  for (k = 0; k < sizeof acts / sizeof acts[0]; k++) {
    mp_window xw = mp_window_full(x, 2, 3, 6, 5), yw = mp_window_full(y_act, 2, 4, 6, 5), pw;
    mp_conv_params p = {3, 3, 1, 1, 1, 1, 1, 1, 1, {MP_ACT_NONE, 0.0f, 0.0f}};
    float a = acts[k] == MP_ACT_RELU6 ? 0.0f : (acts[k] == MP_ACT_CLIP ? -1.5f : 0.2f);
    float bb = acts[k] == MP_ACT_RELU6 ? 6.0f : (acts[k] == MP_ACT_CLIP ? 2.5f : 0.5f);
    if (acts[k] == MP_ACT_LEAKY) a = 0.1f;
    pw = mp_window_full(y_plain, 2, 4, 6, 5);
    CHECK(mp_conv2d(&xw, &pw, w, b, &p) == MP_OK);
    p.act.kind = acts[k];
    p.act.a = a;
    p.act.b = bb;
    CHECK(mp_conv2d(&xw, &yw, w, b, &p) == MP_OK);
    CHECK(mp_unary(unops[k], y_plain, y_sep, 2 * 4 * 6 * 5, a, bb) == MP_OK);
    CHECK(memcmp(y_act, y_sep, sizeof y_act) == 0);
    for (i = 0; i < 2 * 4 * 6 * 5; i++) CHECK(mp_act_apply(p.act, y_plain[i]) == y_sep[i]);
  }
  {
    /* gemm and matmul with a fused activation */
    float A[3 * 4], B[4 * 5], Y[15], Y2[15], Y3[15];
    mp_act none = {MP_ACT_NONE, 0.0f, 0.0f}, relu = {MP_ACT_RELU, 0.0f, 0.0f};
    for (i = 0; i < 12; i++) A[i] = rnd();
    for (i = 0; i < 20; i++) B[i] = rnd();
    mp_gemm(A, B, NULL, Y, 3, 5, 4, 0, 0, 1.0f, 0.0f, 1, 1, 0, 3, none);
    mp_gemm(A, B, NULL, Y2, 3, 5, 4, 0, 0, 1.0f, 0.0f, 1, 1, 0, 3, relu);
    CHECK(mp_matmul(A, B, Y3, 0, NULL, NULL, NULL, 3, 5, 4, relu) == MP_OK);
    for (i = 0; i < 15; i++) {
      CHECK(Y2[i] == (Y[i] > 0.0f ? Y[i] : 0.0f));
      CHECK(Y3[i] == Y2[i]);
    }
  }
}

static void test_unary_references(void) {
  static const float xs[] = {-100.0f, -20.0f, -3.0f, -1.0f, -0.5f, 0.0f, 0.25f, 1.0f, 2.5f, 3.0f, 20.0f, 100.0f};
  size_t i;
  for (i = 0; i < sizeof xs / sizeof xs[0]; i++) {
    double x = xs[i];
    float y;
    mp_unary(MP_UN_GELU, &xs[i], &y, 1, 0, 0);
    CHECK(close_to(y, 0.5 * x * (1.0 + erf(x / sqrt(2.0)))));
    mp_unary(MP_UN_GELU_TANH, &xs[i], &y, 1, 0, 0);
    CHECK(close_to(y, 0.5 * x * (1.0 + tanh(sqrt(2.0 / 3.14159265358979323846) * (x + 0.044715 * x * x * x)))));
    mp_unary(MP_UN_SOFTPLUS, &xs[i], &y, 1, 0, 0);
    CHECK(close_to(y, x > 30 ? x : log1p(exp(x))));
    CHECK(!isinf(y) && !isnan(y));
    mp_unary(MP_UN_MISH, &xs[i], &y, 1, 0, 0);
    CHECK(close_to(y, x * tanh(x > 30 ? x : log1p(exp(x)))));
    mp_unary(MP_UN_SIGMOID, &xs[i], &y, 1, 0, 0);
    CHECK(close_to(y, 1.0 / (1.0 + exp(-x))));
    CHECK(!isnan(y));
    mp_unary(MP_UN_HARDSWISH, &xs[i], &y, 1, 0, 0);
    CHECK(close_to(y, x * fmin(1.0, fmax(0.0, x / 6.0 + 0.5))));
    mp_unary(MP_UN_SELU, &xs[i], &y, 1, 1.6732632f, 1.0507010f);
    CHECK(close_to(y, x > 0 ? 1.0507010 * x : 1.0507010 * 1.6732632 * (exp(x) - 1.0)));
    mp_unary(MP_UN_SCALE, &xs[i], &y, 1, 2.0f, -1.0f);
    CHECK(y == (float)(2.0 * x - 1.0));
  }
  {
    float r[6] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f}, y[6];
    mp_unary(MP_UN_ROUND, r, y, 6, 0, 0);
    CHECK(y[0] == 0.0f && y[1] == 2.0f && y[2] == 2.0f && y[3] == 0.0f && y[4] == -2.0f && y[5] == 2.0f);
  }
  CHECK(mp_unary((mp_unop)999, NULL, NULL, 0, 0, 0) == MP_EPARAM);
}

static void test_binary(void) {
  /* a [3,1,5] op b [4,1] -> [3,4,5] */
  float a[15], b[4], whole[60], parts[60], ref[60];
  long as[3], bs[3];
  const long shape[3] = {3, 4, 5};
  long i, j, k, split;
  for (i = 0; i < 15; i++) a[i] = rnd();
  for (i = 0; i < 4; i++) b[i] = rnd();
  CHECK(mp_broadcast_strides(3, (const long[]){3, 1, 5}, 3, as) == MP_OK);
  CHECK(mp_broadcast_strides(2, (const long[]){4, 1}, 3, bs) == MP_OK);
  CHECK(as[0] == 5 && as[1] == 0 && as[2] == 1);
  CHECK(bs[0] == 0 && bs[1] == 1 && bs[2] == 0);
  CHECK(mp_broadcast_strides(3, (const long[]){1, 1, 1}, 2, bs) == MP_EPARAM);
  for (i = 0; i < 3; i++)
    for (j = 0; j < 4; j++)
      for (k = 0; k < 5; k++) ref[(i * 4 + j) * 5 + k] = a[i * 5 + k] - b[j];
  CHECK(mp_binary(MP_BIN_SUB, 3, shape, a, as, b, bs, whole, 0, 60) == MP_OK);
  CHECK(memcmp(whole, ref, sizeof ref) == 0);
  for (split = 0; split <= 60; split += 7) {
    for (i = 0; i < 60; i++) parts[i] = NAN;
    CHECK(mp_binary(MP_BIN_SUB, 3, shape, a, as, b, bs, parts, split, 60) == MP_OK);
    CHECK(mp_binary(MP_BIN_SUB, 3, shape, a, as, b, bs, parts, 0, split) == MP_OK);
    CHECK(memcmp(parts, ref, sizeof ref) == 0);
  }
  {
    /* rank 0, NaN propagation of max/min, PReLU with a per-channel slope */
    float s1 = 3.0f, s2 = -2.0f, out = 0.0f, nan = NAN, xs[4] = {-1.0f, 2.0f, -3.0f, 4.0f}, slope[2] = {0.5f, 0.25f}, y[4];
    CHECK(mp_binary(MP_BIN_POW, 0, NULL, &s1, NULL, &s2, NULL, &out, 0, 1) == MP_OK);
    CHECK(close_to(out, 1.0 / 9.0));
    CHECK(mp_binary(MP_BIN_MAX, 0, NULL, &s1, NULL, &nan, NULL, &out, 0, 1) == MP_OK && isnan(out));
    CHECK(mp_binary(MP_BIN_MIN, 0, NULL, &nan, NULL, &s1, NULL, &out, 0, 1) == MP_OK && isnan(out));
    CHECK(mp_binary(MP_BIN_PRELU, 2, (const long[]){2, 2}, xs, (const long[]){2, 1}, slope, (const long[]){1, 0}, y, 0, 4) == MP_OK);
    CHECK(y[0] == -0.5f && y[1] == 2.0f && y[2] == -0.75f && y[3] == 4.0f);
    CHECK(mp_binary(MP_BIN_ADD, MP_MAX_RANK + 1, shape, a, as, b, bs, whole, 0, 1) == MP_EPARAM);
  }
}

static void test_errors_write_nothing(void) {
  float x[2 * 3 * 4 * 4], y[2 * 2 * 4 * 4], w[2 * 3 * 9], sentinel[32];
  size_t i;
  mp_window xw, yw;
  mp_conv_params p = {3, 3, 1, 1, 1, 1, 1, 1, 1, {MP_ACT_NONE, 0.0f, 0.0f}};
  mp_pool_params pp = {2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0};
  for (i = 0; i < sizeof x / sizeof x[0]; i++) x[i] = 1.0f;
  for (i = 0; i < sizeof w / sizeof w[0]; i++) w[i] = 1.0f;
  for (i = 0; i < sizeof y / sizeof y[0]; i++) y[i] = 42.0f;
  xw = mp_window_full(x, 2, 3, 4, 4);
  yw = mp_window_full(y, 1, 2, 4, 4);
  CHECK(mp_conv2d(&xw, &yw, w, NULL, &p) == MP_EWINDOW); /* batch mismatch */
  yw = mp_window_full(y, 2, 2, 4, 4);
  p.groups = 2;
  CHECK(mp_conv2d(&xw, &yw, w, NULL, &p) == MP_EPARAM); /* 3 channels, 2 groups */
  p.groups = 1;
  p.stride_h = 0;
  CHECK(mp_conv2d(&xw, &yw, w, NULL, &p) == MP_EPARAM);
  p.stride_h = 1;
  xw = mp_window_in_full(x, 2, 1, 2, 0, 4, 3, 4, 4); /* channels 1..2 only: conv needs 0..2 */
  CHECK(mp_conv2d(&xw, &yw, w, NULL, &p) == MP_EWINDOW);
  xw = mp_window_full(x, 2, 3, 4, 4);
  xw.w = 3; /* the width is never split */
  CHECK(mp_conv2d(&xw, &yw, w, NULL, &p) == MP_EWINDOW);
  xw = mp_window_in_full(x, 2, 0, 2, 1, 3, 2, 4, 4); /* rows 1..3, pool of output row 0 needs row 0 */
  yw = mp_window_in_full(y, 2, 0, 2, 0, 1, 2, 2, 2);
  CHECK(mp_maxpool2d(&xw, &yw, &pp) == MP_EWINDOW);
  for (i = 0; i < sizeof y / sizeof y[0]; i++) CHECK(y[i] == 42.0f);
  for (i = 0; i < 32; i++) sentinel[i] = 42.0f;
  CHECK(mp_gather(x, sentinel, 1, 4, 2, (const int64_t[]){0, 4}, 2) == MP_EPARAM);
  CHECK(mp_gather(x, sentinel, 1, 4, 2, (const int64_t[]){-5}, 1) == MP_EPARAM);
  CHECK(mp_transpose(x, sentinel, 3, (const long[]){2, 2, 2}, (const int[]){0, 0, 1}) == MP_EPARAM);
  CHECK(mp_transpose(x, sentinel, 2, (const long[]){2, 2}, (const int[]){0, 2}) == MP_EPARAM);
  CHECK(mp_slice(x, sentinel, 1, (const long[]){4}, (const long[]){0}, (const long[]){0}, (const long[]){2}) == MP_EPARAM);
  CHECK(mp_slice(x, sentinel, 1, (const long[]){4}, (const long[]){2}, (const long[]){1}, (const long[]){3}) == MP_EPARAM);
  CHECK(mp_resize(x, sentinel, 0, NULL, NULL, NULL, MP_RESIZE_NEAREST, MP_COORD_ASYMMETRIC, MP_NEAREST_FLOOR, -0.75f, 0) == MP_EPARAM);
  CHECK(mp_reduce(MP_RED_SUM, x, sentinel, MP_MAX_RANK + 1, NULL, 0u) == MP_EPARAM);
  for (i = 0; i < 32; i++) CHECK(sentinel[i] == 42.0f);
  {
    /* gather with negative indices */
    float src[6] = {1, 2, 3, 4, 5, 6}, dst[4];
    CHECK(mp_gather(src, dst, 1, 3, 2, (const int64_t[]){-1, 0}, 2) == MP_OK);
    CHECK(dst[0] == 5.0f && dst[1] == 6.0f && dst[2] == 1.0f && dst[3] == 2.0f);
  }
}

static void test_pad_modes(void) {
  const float x[5] = {1, 2, 3, 4, 5};
  float y[19];
  long i;
  /* index i of y maps to x index i - 7, reflect period 8, wrap period 5 */
  CHECK(mp_pad(x, y, 1, (const long[]){5}, (const long[]){7}, (const long[]){19}, MP_PAD_REFLECT, 0.0f) == MP_OK);
  for (i = 0; i < 19; i++) {
    long t = ((i - 7) % 8 + 8) % 8;
    if (t >= 5) t = 8 - t;
    CHECK(y[i] == x[t]);
  }
  CHECK(mp_pad(x, y, 1, (const long[]){5}, (const long[]){7}, (const long[]){19}, MP_PAD_WRAP, 0.0f) == MP_OK);
  for (i = 0; i < 19; i++) CHECK(y[i] == x[((i - 7) % 5 + 5) % 5]);
  CHECK(mp_pad(x, y, 1, (const long[]){5}, (const long[]){7}, (const long[]){19}, MP_PAD_EDGE, 0.0f) == MP_OK);
  for (i = 0; i < 19; i++) CHECK(y[i] == x[i < 7 ? 0 : (i > 11 ? 4 : i - 7)]);
  CHECK(mp_pad(x, y, 1, (const long[]){5}, (const long[]){-2}, (const long[]){2}, MP_PAD_CONSTANT, 9.0f) == MP_OK);
  CHECK(y[0] == 3.0f && y[1] == 4.0f); /* negative pads crop */
  CHECK(mp_pad(x, y, 1, (const long[]){5}, (const long[]){1}, (const long[]){7}, MP_PAD_CONSTANT, -9.0f) == MP_OK);
  CHECK(y[0] == -9.0f && y[1] == 1.0f && y[5] == 5.0f && y[6] == -9.0f);
}

static void test_quantization(void) {
  const float x[8] = {2.5f, 3.5f, -2.5f, -3.5f, 1000.0f, -1000.0f, NAN, 0.49f};
  int8_t q[8];
  uint8_t u[8];
  float back[8];
  mp_quantize_s8(x, q, 1, 1, 8, (const float[]){1.0f}, NULL);
  CHECK(q[0] == 2 && q[1] == 4 && q[2] == -2 && q[3] == -4 && q[4] == 127 && q[5] == -128 && q[7] == 0);
  mp_quantize_u8(x, u, 1, 1, 8, (const float[]){1.0f}, (const uint8_t[]){128});
  CHECK(u[0] == 130 && u[1] == 132 && u[2] == 126 && u[4] == 255 && u[5] == 0 && u[7] == 128);
  /* per axis: 2 channels of 4, scales 0.5 and 2, zero points 1 and -1 */
  mp_quantize_s8(x, q, 1, 2, 4, (const float[]){0.5f, 2.0f}, (const int8_t[]){1, -1});
  CHECK(q[0] == 6 && q[1] == 8 && q[2] == -4 && q[3] == -6);
  CHECK(q[4] == 127 && q[5] == -128 && q[7] == -1);
  mp_dequantize_s8(q, back, 1, 2, 4, (const float[]){0.5f, 2.0f}, (const int8_t[]){1, -1});
  CHECK(back[0] == 2.5f && back[3] == -3.5f && back[4] == 256.0f && back[7] == 0.0f);
  mp_dequantize_u8(u, back, 2, 1, 4, (const float[]){0.25f}, (const uint8_t[]){128});
  CHECK(back[0] == 0.5f && back[4] == 31.75f && back[5] == -32.0f);
}

static void test_numerics_and_layout(void) {
  float x[6] = {1000.0f, 1001.0f, 1002.0f, -1000.0f, -1001.0f, -1002.0f}, y[6], z[6];
  long i;
  mp_softmax(x, y, 2, 3, 1, 0);
  mp_softmax(x, z, 2, 3, 1, 1);
  for (i = 0; i < 6; i++) CHECK(!isnan(y[i]) && !isnan(z[i]) && close_to(logf(y[i]), z[i]));
  CHECK(close_to(y[0] + y[1] + y[2], 1.0) && close_to(y[3] + y[4] + y[5], 1.0));
  CHECK(mp_reduce(MP_RED_LOGSUMEXP, x, y, 2, (const long[]){2, 3}, 2u) == MP_OK);
  CHECK(close_to(y[0], 1002.0 + log(1.0 + exp(-1.0) + exp(-2.0))));
  CHECK(mp_reduce(MP_RED_SUMSQUARE, x, y, 2, (const long[]){2, 3}, 0u) == MP_OK); /* empty mask: per element */
  CHECK(y[1] == 1001.0f * 1001.0f);
  CHECK(mp_reduce(MP_RED_MEAN, x, y, 2, (const long[]){2, 3}, 1u) == MP_OK);
  CHECK(y[0] == 0.0f && y[2] == 0.0f);
  {
    /* windows: tile and in-full strides address the same element */
    float full[2 * 5 * 4 * 3];
    mp_window a, b;
    for (i = 0; i < 120; i++) full[i] = (float)i;
    a = mp_window_in_full(full, 2, 1, 3, 2, 2, 5, 4, 3);
    CHECK(a.data == full + 1 * 12 + 2 * 3 && a.sc == 12 && a.sn == 60 && a.sh == 3 && a.sw == 1);
    CHECK(a.data[1 * a.sn + 2 * a.sc + 1 * a.sh + 2] == full[60 + 3 * 12 + 3 * 3 + 2]);
    b = mp_window_tile(full, 2, 1, 3, 2, 2, 5, 4, 3);
    CHECK(b.sn == 18 && b.sc == 6 && b.sh == 3 && b.c0 == 1 && b.h0 == 2 && b.full_c == 5 && b.full_h == 4);
  }
  {
    /* batchnorm and layernorm in place; tile and expand */
    float t[8] = {1, 2, 3, 4, 5, 6, 7, 8}, mean[2], inv[2], e[12];
    mp_batchnorm(t, t, 1, 2, 4, (const float[]){2.0f, 1.0f}, (const float[]){0.0f, 1.0f}, (const float[]){1.0f, 0.0f},
                 (const float[]){3.0f, 0.0f}, 1.0f);
    CHECK(t[0] == 0.0f && t[1] == 1.0f && t[4] == 6.0f && t[7] == 9.0f);
    mp_layernorm(t, t, 2, 4, (const float[]){1.0f}, 1, NULL, 0, 0.0f, mean, inv);
    CHECK(close_to(mean[0], 1.5) && close_to(inv[0], 1.0 / sqrt(1.25)) && close_to(t[0], -1.5 / sqrt(1.25)));
    CHECK(mp_tile((const float[]){1, 2, 3}, e, 2, (const long[]){1, 3}, (const long[]){2, 6}) == MP_OK);
    CHECK(e[0] == 1 && e[3] == 1 && e[5] == 3 && e[6] == 1 && e[11] == 3);
    CHECK(mp_expand((const float[]){1, 2}, (const long[]){1, 0}, e, 2, (const long[]){2, 3}) == MP_OK);
    CHECK(e[0] == 1 && e[2] == 1 && e[3] == 2 && e[5] == 2);
  }
  {
    /* resize half_pixel_symmetric against its formula, linear, 1-D 4 -> 6 */
    float in[4] = {1, 3, 7, 15}, out[6];
    CHECK(mp_resize(in, out, 1, (const long[]){4}, (const long[]){6}, (const float[]){1.5f}, MP_RESIZE_LINEAR,
                    MP_COORD_HALF_PIXEL_SYMMETRIC, MP_NEAREST_FLOOR, -0.75f, 0) == MP_OK);
    for (i = 0; i < 6; i++) {
      double adj = 6.0 / (1.5 * 4.0), c = 2.0 * (1.0 - adj) + (i + 0.5) / 1.5 - 0.5, f, r, v;
      long i0, i1;
      if (c < 0) c = 0;
      f = floor(c);
      r = c - f;
      i0 = (long)f;
      i1 = i0 + 1 > 3 ? 3 : i0 + 1;
      v = in[i0] * (1 - r) + in[i1] * r;
      CHECK(close_to(out[i], v));
    }
  }
}

static void test_concat_in_place(void) {
  /* a conv (3 -> 4 channels) writes straight into channels [2, 6) of a 7-channel concat buffer through
     window strides; equal to conv into its own tensor then mp_concat_part */
  static float x[3 * 5 * 4], w[4 * 3 * 9], own[4 * 5 * 4], cat[7 * 5 * 4], ref[7 * 5 * 4];
  mp_window xw, yw;
  mp_conv_params p = {3, 3, 1, 1, 1, 1, 1, 1, 1, {MP_ACT_RELU, 0.0f, 0.0f}};
  long i;
  for (i = 0; i < 60; i++) x[i] = rnd();
  for (i = 0; i < 108; i++) w[i] = rnd();
  for (i = 0; i < 140; i++) cat[i] = ref[i] = -7.0f;
  xw = mp_window_full(x, 1, 3, 5, 4);
  yw = mp_window_full(own, 1, 4, 5, 4);
  CHECK(mp_conv2d(&xw, &yw, w, NULL, &p) == MP_OK);
  mp_concat_part(own, ref, 1, 80, 140, 2 * 20);
  /* the conv's own output window (c0 = 0, full_c = 4) stored with the concat tensor's strides */
  yw = mp_window_full(cat + 2 * 20, 1, 4, 5, 4);
  yw.sn = 7 * 20;
  CHECK(mp_conv2d(&xw, &yw, w, NULL, &p) == MP_OK);
  CHECK(memcmp(cat, ref, sizeof cat) == 0);
  /* and in two row tiles */
  for (i = 0; i < 140; i++) cat[i] = -7.0f;
  for (i = 0; i < 5; i += 3) {
    long th = i + 3 > 5 ? 5 - i : 3;
    yw = mp_window_in_full(cat + 2 * 20, 1, 0, 4, i, th, 4, 5, 4);
    yw.sn = 7 * 20;
    CHECK(mp_conv2d(&xw, &yw, w, NULL, &p) == MP_OK);
  }
  CHECK(memcmp(cat, ref, sizeof cat) == 0);
}

int main(void) {
  test_concat_in_place();
  test_fused_activations();
  test_unary_references();
  test_binary();
  test_errors_write_nothing();
  test_pad_modes();
  test_quantization();
  test_numerics_and_layout();
  printf("%d checks, %d failed\n", checks, failed);
  return failed != 0;
}
`;

let dir = '';
const bins: Record<string, string> = {};

beforeAll(() => {
  dir = makeTempDir('memplan-kernels-');
  const src = join(dir, 'kernels_test.c');
  writeFileSync(src, DRIVER);
  const kernels = runtimeFiles().find((f) => f.name === 'memplan_kernels.c')!.path;
  const base = { sources: [src, kernels], includeDirs: [runtimeDir()] };
  bins.plain = join(dir, 'kernels_test');
  compileC({ ...base, output: bins.plain, flags: STRICT_FLAGS });
  bins.san = join(dir, 'kernels_test_san');
  compileC({ ...base, output: bins.san, flags: [...STRICT_FLAGS, ...SANITIZE_FLAGS] });
}, 60_000);

afterAll(() => {
  if (dir) removeDir(dir);
});

describe('kernel contracts', () => {
  for (const variant of ['plain', 'san'] as const) {
    it(`all checks pass (${variant === 'plain' ? 'strict build' : 'ASan+UBSan'})`, () => {
      const r = runProgram(bins[variant]!);
      expect(r.stdout).not.toContain('FAIL');
      expect(r.stdout).toMatch(/^\d{3,} checks, 0 failed$/m);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }
});
