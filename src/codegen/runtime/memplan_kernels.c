/*
 * memplan_kernels.c - portable C99 kernels for memplan-generated code. See memplan_kernels.h for the
 * contract of every function. No malloc, no static mutable state: every kernel is reentrant and can run
 * on several cores at once on disjoint outputs.
 */
#include "memplan_kernels.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ---- windows and activations ------------------------------------------------------------------- */

mp_window mp_window_full(float *data, long n, long c, long h, long w) {
  return mp_window_in_full(data, n, 0, c, 0, h, c, h, w);
}

/* A window of channels [c0, c0+c) and rows [h0, h0+h) with the given channel and batch strides. */
static mp_window window_with_strides(float *data, long n, long c0, long c, long h0, long h, long full_c, long full_h,
                                     long full_w, long sc, long sn) {
  mp_window v;
  v.data = data;
  v.n = n;
  v.c = c;
  v.h = h;
  v.w = full_w;
  v.c0 = c0;
  v.h0 = h0;
  v.full_c = full_c;
  v.full_h = full_h;
  v.full_w = full_w;
  v.sw = 1;
  v.sh = full_w;
  v.sc = sc;
  v.sn = sn;
  return v;
}

mp_window mp_window_tile(float *data, long n, long c0, long c, long h0, long h, long full_c, long full_h,
                         long full_w) {
  /* A compact tile: its own rows and channels only. */
  return window_with_strides(data, n, c0, c, h0, h, full_c, full_h, full_w, h * full_w, c * h * full_w);
}

mp_window mp_window_in_full(float *full, long n, long c0, long c, long h0, long h, long full_c, long full_h,
                            long full_w) {
  /* The same window seen inside the whole tensor. */
  long sc = full_h * full_w;
  return window_with_strides(full + c0 * sc + h0 * full_w, n, c0, c, h0, h, full_c, full_h, full_w, sc, full_c * sc);
}

float mp_act_apply(mp_act act, float x) {
  switch (act.kind) {
    case MP_ACT_NONE: return x;
    case MP_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case MP_ACT_RELU6: return x > 0.0f ? (x < 6.0f ? x : 6.0f) : 0.0f;
    case MP_ACT_CLIP: return x < act.a ? act.a : (x > act.b ? act.b : x);
    case MP_ACT_LEAKY: return x >= 0.0f ? x : act.a * x;
    case MP_ACT_SIGMOID: {
      if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
      {
        float e = expf(x);
        return e / (1.0f + e);
      }
    }
    case MP_ACT_HARDSIGMOID: {
      float v = act.a * x + act.b;
      return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
    }
    case MP_ACT_HARDSWISH: {
      float v = x / 6.0f + 0.5f;
      return x * (v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v));
    }
  }
  return x;
}

static long mp_floor_div(long a, long b) { /* b > 0 */
  long q = a / b;
  if ((a % b != 0) && (a < 0)) q--;
  return q;
}

static long mp_ceil_div(long a, long b) { /* b > 0 */
  return -mp_floor_div(-a, b);
}

/* Checks the basic shape of a window: inside its full tensor, full width. */
static int mp_window_ok(const mp_window *v) {
  if (v == NULL || v->data == NULL) return 0;
  if (v->n < 0 || v->c < 0 || v->h < 0 || v->w != v->full_w) return 0;
  if (v->c0 < 0 || v->h0 < 0 || v->c0 + v->c > v->full_c || v->h0 + v->h > v->full_h) return 0;
  return 1;
}

/* Rows [lo, hi] of the full input clamped to [0, full_h); returns 1 if the window covers them. */
static int mp_rows_covered(const mp_window *x, long lo, long hi) {
  if (lo < 0) lo = 0;
  if (hi > x->full_h - 1) hi = x->full_h - 1;
  if (lo > hi) return 1;
  return lo >= x->h0 && hi < x->h0 + x->h;
}

void mp_conv_input_rows(long kh, long stride_h, long dil_h, long pad_top, long full_in_h, long oy0, long oh,
                        long *lo, long *hi) {
  long a = oy0 * stride_h - pad_top, b = (oy0 + oh - 1) * stride_h - pad_top + (kh - 1) * dil_h;
  *lo = a < 0 ? 0 : a;
  *hi = b > full_in_h - 1 ? full_in_h - 1 : b;
}

void mp_conv_transpose_input_rows(long kh, long stride_h, long dil_h, long pad_top, long full_in_h, long oy0,
                                  long oh, long *lo, long *hi) {
  long a = mp_ceil_div(oy0 + pad_top - (kh - 1) * dil_h, stride_h);
  long b = mp_floor_div(oy0 + oh - 1 + pad_top, stride_h);
  *lo = a < 0 ? 0 : a;
  *hi = b > full_in_h - 1 ? full_in_h - 1 : b;
}

void mp_conv_input_channels(long groups, long full_in_c, long full_out_c, long oc0, long oc, long *c_lo,
                            long *c_hi) {
  long cin_g = full_in_c / groups, cout_g = full_out_c / groups;
  *c_lo = (oc0 / cout_g) * cin_g;
  *c_hi = ((oc0 + oc - 1) / cout_g + 1) * cin_g;
}

/* ---- convolution ------------------------------------------------------------------------------ */

/* 1 when x's window holds every input row that y's rows read through a kh-row window (stride, top padding, dilation). */
static int mp_window_rows_covered(const mp_window *x, const mp_window *y, long stride_h, long pad_top, long kh, long dil_h) {
  return mp_rows_covered(x, y->h0 * stride_h - pad_top, (y->h0 + y->h - 1) * stride_h - pad_top + (kh - 1) * dil_h);
}

static int mp_conv_params_ok(const mp_conv_params *p) {
  return p != NULL && p->kh >= 1 && p->kw >= 1 && p->stride_h >= 1 && p->stride_w >= 1 && p->dil_h >= 1 &&
         p->dil_w >= 1 && p->groups >= 1;
}

/* Checks shared by mp_conv2d and mp_conv_transpose2d. Sets the channels per group (*cin_g, *cout_g)
   and *empty when y has no element (nothing to compute); returns MP_OK or the error code. */
static int mp_conv_check(const mp_window *x, const mp_window *y, const float *weights,
                         const mp_conv_params *p, long *cin_g, long *cout_g, int *empty) {
  long g_first, g_last;
  *empty = 0;
  if (!mp_conv_params_ok(p) || weights == NULL) return MP_EPARAM;
  if (!mp_window_ok(x) || !mp_window_ok(y) || x->n != y->n) return MP_EWINDOW;
  if (x->full_c % p->groups != 0 || y->full_c % p->groups != 0) return MP_EPARAM;
  if (y->c == 0 || y->h == 0 || y->n == 0 || y->w == 0) {
    *empty = 1;
    return MP_OK;
  }
  *cin_g = x->full_c / p->groups;
  *cout_g = y->full_c / p->groups;
  g_first = y->c0 / *cout_g;
  g_last = (y->c0 + y->c - 1) / *cout_g;
  if (g_first * *cin_g < x->c0 || (g_last + 1) * *cin_g > x->c0 + x->c) return MP_EWINDOW;
  return MP_OK;
}


/*
 * Adds to output row yr (input row origin iy0) the taps of input channels [0, cin) that fall inside the
 * input, in (ic, ky, kx) order for every pixel: the order per pixel does not depend on the window, so
 * tiles are bit-identical to the full call. xg: channel 0's plane in x; wbase: its weights.
 */
static void mp_conv_row(float *yr, long iy0, const mp_window *x, const mp_window *y, const mp_conv_params *p,
                        const float *xg, const float *wbase, long cin) {
  long ic, ky, kx, ox;
  long ky_lo = 0, ky_hi = p->kh; /* valid ky: 0 <= iy0 + ky*dil < full_h */
  while (ky_lo < p->kh && iy0 + ky_lo * p->dil_h < 0) ky_lo++;
  while (ky_hi > ky_lo && iy0 + (ky_hi - 1) * p->dil_h >= x->full_h) ky_hi--;
  for (ic = 0; ic < cin; ic++) {
    const float *wc = wbase + ic * p->kh * p->kw;
    const float *xc = xg + ic * x->sc;
    for (ky = ky_lo; ky < ky_hi; ky++) {
      const float *xr = xc + (iy0 + ky * p->dil_h - x->h0) * x->sh;
      for (kx = 0; kx < p->kw; kx++) {
        /* pixels ox whose column ox*stride - pad_left + kx*dil lies inside the input */
        long off = kx * p->dil_w - p->pad_left;
        long ox_lo = off >= 0 ? 0 : mp_ceil_div(-off, p->stride_w);
        long ox_hi = mp_floor_div(x->full_w - 1 - off, p->stride_w) + 1;
        float wv = wc[ky * p->kw + kx];
        if (ox_hi > y->w) ox_hi = y->w;
        if (y->sw == 1 && x->sw == 1 && p->stride_w == 1) {
          for (ox = ox_lo; ox < ox_hi; ox++) yr[ox] += xr[ox + off] * wv;
        } else {
          for (ox = ox_lo; ox < ox_hi; ox++) yr[ox * y->sw] += xr[(ox * p->stride_w + off) * x->sw] * wv;
        }
      }
    }
  }
}

#ifndef MP_REPLACE_MP_CONV2D /* defined: your own mp_conv2d is linked instead (see memplan_kernels.h) */
int mp_conv2d(const mp_window *x, mp_window *y, const float *weights, const float *bias,
              const mp_conv_params *p) {
  long cin_g, cout_g, n, oc, oy, ox;
  int empty, rc = mp_conv_check(x, y, weights, p, &cin_g, &cout_g, &empty);
  if (rc != MP_OK || empty) return rc;
  if (!mp_window_rows_covered(x, y, p->stride_h, p->pad_top, p->kh, p->dil_h)) return MP_EWINDOW;
  for (n = 0; n < y->n; n++) {
    for (oc = 0; oc < y->c; oc++) {
      long oc_full = y->c0 + oc;
      long g = oc_full / cout_g;
      const float *wbase = weights + oc_full * cin_g * p->kh * p->kw;
      const float *xg = x->data + n * x->sn + (g * cin_g - x->c0) * x->sc;
      float b0 = bias != NULL ? bias[oc_full] : 0.0f;
      float *yrow = y->data + n * y->sn + oc * y->sc;
      for (oy = 0; oy < y->h; oy++) {
        /* Accumulate in the output row: bias, then the taps. */
        float *yr = yrow + oy * y->sh;
        for (ox = 0; ox < y->w; ox++) yr[ox * y->sw] = b0;
        mp_conv_row(yr, (y->h0 + oy) * p->stride_h - p->pad_top, x, y, p, xg, wbase, cin_g);
        if (p->act.kind != MP_ACT_NONE) {
          for (ox = 0; ox < y->w; ox++) yr[ox * y->sw] = mp_act_apply(p->act, yr[ox * y->sw]);
        }
      }
    }
  }
  return MP_OK;
}
#endif

int mp_conv2d_slice(const mp_window *x, mp_window *y, const float *weights, const float *bias,
                    const mp_conv_params *p, int first, int last) {
  long cin, n, oc, oy, ox;
  if (!mp_conv_params_ok(p) || weights == NULL || p->groups != 1) return MP_EPARAM;
  if (!mp_window_ok(x) || !mp_window_ok(y) || x->n != y->n) return MP_EWINDOW;
  if (y->c == 0 || y->h == 0 || y->n == 0 || y->w == 0) return MP_OK;
  cin = x->full_c;
  if (!mp_window_rows_covered(x, y, p->stride_h, p->pad_top, p->kh, p->dil_h)) return MP_EWINDOW;
  for (n = 0; n < y->n; n++) {
    for (oc = 0; oc < y->c; oc++) {
      long oc_full = y->c0 + oc;
      const float *wbase = weights + (oc_full * cin + x->c0) * p->kh * p->kw;
      const float *xg = x->data + n * x->sn;
      float b0 = bias != NULL ? bias[oc_full] : 0.0f;
      float *yrow = y->data + n * y->sn + oc * y->sc;
      for (oy = 0; oy < y->h; oy++) {
        float *yr = yrow + oy * y->sh;
        if (first) {
          for (ox = 0; ox < y->w; ox++) yr[ox * y->sw] = b0;
        }
        mp_conv_row(yr, (y->h0 + oy) * p->stride_h - p->pad_top, x, y, p, xg, wbase, x->c);
        if (last && p->act.kind != MP_ACT_NONE) {
          for (ox = 0; ox < y->w; ox++) yr[ox * y->sw] = mp_act_apply(p->act, yr[ox * y->sw]);
        }
      }
    }
  }
  return MP_OK;
}

int mp_conv_transpose2d(const mp_window *x, mp_window *y, const float *weights, const float *bias,
                        const mp_conv_params *p) {
  long cin_g, cout_g, n, oc, oy, ox, ic, ky, kx;
  int empty, rc = mp_conv_check(x, y, weights, p, &cin_g, &cout_g, &empty);
  if (rc != MP_OK || empty) return rc;
  /* iy*s + ky*d = oy + pad_top  =>  iy in [ceil((oy_lo + pt - (kh-1)d)/s), floor((oy_hi + pt)/s)] */
  if (!mp_rows_covered(x, mp_ceil_div(y->h0 + p->pad_top - (p->kh - 1) * p->dil_h, p->stride_h),
                       mp_floor_div(y->h0 + y->h - 1 + p->pad_top, p->stride_h))) {
    return MP_EWINDOW;
  }
  for (n = 0; n < y->n; n++) {
    for (oc = 0; oc < y->c; oc++) {
      long oc_full = y->c0 + oc;
      long g = oc_full / cout_g;
      long ocg = oc_full - g * cout_g;
      float b0 = bias != NULL ? bias[oc_full] : 0.0f;
      float *yrow = y->data + n * y->sn + oc * y->sc;
      for (oy = 0; oy < y->h; oy++) {
        long ty = y->h0 + oy + p->pad_top;
        for (ox = 0; ox < y->w; ox++) {
          long tx = ox + p->pad_left;
          float acc = b0;
          for (ic = 0; ic < cin_g; ic++) {
            long ic_full = g * cin_g + ic;
            const float *wc = weights + (ic_full * cout_g + ocg) * p->kh * p->kw;
            const float *xc = x->data + n * x->sn + (ic_full - x->c0) * x->sc;
            for (ky = 0; ky < p->kh; ky++) {
              long ry = ty - ky * p->dil_h, iy;
              if (ry < 0 || ry % p->stride_h != 0) continue;
              iy = ry / p->stride_h;
              if (iy >= x->full_h) continue;
              for (kx = 0; kx < p->kw; kx++) {
                long rx = tx - kx * p->dil_w, ix;
                if (rx < 0 || rx % p->stride_w != 0) continue;
                ix = rx / p->stride_w;
                if (ix >= x->full_w) continue;
                acc += xc[(iy - x->h0) * x->sh + ix * x->sw] * wc[ky * p->kw + kx];
              }
            }
          }
          yrow[oy * y->sh + ox * y->sw] = mp_act_apply(p->act, acc);
        }
      }
    }
  }
  return MP_OK;
}

/* ---- pooling ------------------------------------------------------------------------------------ */

static int mp_pool_check(const mp_window *x, const mp_window *y, const mp_pool_params *p) {
  if (p == NULL || p->kh < 1 || p->kw < 1 || p->stride_h < 1 || p->stride_w < 1 || p->dil_h < 1 ||
      p->dil_w < 1) {
    return MP_EPARAM;
  }
  if (!mp_window_ok(x) || !mp_window_ok(y) || x->n != y->n || x->full_c != y->full_c) return MP_EWINDOW;
  if (y->c == 0 || y->h == 0 || y->n == 0) return MP_OK;
  if (y->c0 < x->c0 || y->c0 + y->c > x->c0 + x->c) return MP_EWINDOW;
  if (!mp_window_rows_covered(x, y, p->stride_h, p->pad_top, p->kh, p->dil_h)) return MP_EWINDOW;
  return MP_OK;
}

static int mp_pool2d(const mp_window *x, mp_window *y, const mp_pool_params *p, int is_max) {
  long n, c, oy, ox, ky, kx;
  int rc = mp_pool_check(x, y, p);
  if (rc != MP_OK) return rc;
  for (n = 0; n < y->n; n++) {
    for (c = 0; c < y->c; c++) {
      const float *xc = x->data + n * x->sn + (y->c0 + c - x->c0) * x->sc;
      float *yc = y->data + n * y->sn + c * y->sc;
      for (oy = 0; oy < y->h; oy++) {
        long iy0 = (y->h0 + oy) * p->stride_h - p->pad_top;
        for (ox = 0; ox < y->w; ox++) {
          long ix0 = ox * p->stride_w - p->pad_left;
          float acc = is_max ? -INFINITY : 0.0f;
          long count = 0, padded_count = 0;
          for (ky = 0; ky < p->kh; ky++) {
            long iy = iy0 + ky * p->dil_h;
            int row_in = iy >= 0 && iy < x->full_h;
            int row_in_padded = iy >= -p->pad_top && iy < x->full_h + p->pad_bottom;
            for (kx = 0; kx < p->kw; kx++) {
              long ix = ix0 + kx * p->dil_w;
              if (row_in_padded && ix >= -p->pad_left && ix < x->full_w + p->pad_right) padded_count++;
              if (row_in && ix >= 0 && ix < x->full_w) {
                float v = xc[(iy - x->h0) * x->sh + ix * x->sw];
                if (is_max) {
                  if (v > acc || v != v) acc = v;
                } else {
                  acc += v;
                }
                count++;
              }
            }
          }
          if (!is_max) {
            long div = p->count_include_pad ? padded_count : count;
            acc = div > 0 ? acc / (float)div : 0.0f;
          }
          yc[oy * y->sh + ox * y->sw] = acc;
        }
      }
    }
  }
  return MP_OK;
}

int mp_maxpool2d(const mp_window *x, mp_window *y, const mp_pool_params *p) { return mp_pool2d(x, y, p, 1); }

int mp_avgpool2d(const mp_window *x, mp_window *y, const mp_pool_params *p) { return mp_pool2d(x, y, p, 0); }

#ifndef MP_REPLACE_MP_GLOBAL_AVGPOOL /* defined: your own mp_global_avgpool is linked instead (see memplan_kernels.h) */
void mp_global_avgpool(const float *x, float *y, long nc, long hw) {
  long i, j;
  for (i = 0; i < nc; i++) {
    float acc = 0.0f;
    for (j = 0; j < hw; j++) acc += x[i * hw + j];
    y[i] = hw > 0 ? acc / (float)hw : 0.0f;
  }
}
#endif

void mp_global_maxpool(const float *x, float *y, long nc, long hw) {
  long i, j;
  for (i = 0; i < nc; i++) {
    float acc = -INFINITY;
    for (j = 0; j < hw; j++) {
      float v = x[i * hw + j];
      if (v > acc || v != v) acc = v;
    }
    y[i] = acc;
  }
}

/* ---- normalisation ------------------------------------------------------------------------------ */

void mp_batchnorm(const float *x, float *y, long n, long c, long hw, const float *scale, const float *bias,
                  const float *mean, const float *var, float eps) {
  long i, j, k;
  for (j = 0; j < c; j++) {
    float s = scale[j] / sqrtf(var[j] + eps);
    float t = bias[j] - mean[j] * s;
    for (i = 0; i < n; i++) {
      const float *xp = x + (i * c + j) * hw;
      float *yp = y + (i * c + j) * hw;
      for (k = 0; k < hw; k++) yp[k] = xp[k] * s + t;
    }
  }
}

void mp_lrn(const float *x, float *y, long n, long c, long hw, long size, float alpha, float beta, float bias) {
  long i, j, k, q;
  long before = (size - 1) / 2, after = size - 1 - (size - 1) / 2;
  for (i = 0; i < n; i++) {
    for (j = 0; j < c; j++) {
      long lo = j - before < 0 ? 0 : j - before;
      long hi = j + after > c - 1 ? c - 1 : j + after;
      for (k = 0; k < hw; k++) {
        float sq = 0.0f, v;
        for (q = lo; q <= hi; q++) {
          v = x[(i * c + q) * hw + k];
          sq += v * v;
        }
        y[(i * c + j) * hw + k] = x[(i * c + j) * hw + k] / powf(bias + alpha / (float)size * sq, beta);
      }
    }
  }
}

void mp_instancenorm(const float *x, float *y, long n, long c, long hw, const float *scale, const float *bias,
                     float eps) {
  long i, j, k;
  for (i = 0; i < n; i++) {
    for (j = 0; j < c; j++) {
      const float *xp = x + (i * c + j) * hw;
      float *yp = y + (i * c + j) * hw;
      float mean = 0.0f, var = 0.0f, s;
      for (k = 0; k < hw; k++) mean += xp[k];
      mean = hw > 0 ? mean / (float)hw : 0.0f;
      for (k = 0; k < hw; k++) var += (xp[k] - mean) * (xp[k] - mean);
      var = hw > 0 ? var / (float)hw : 0.0f;
      s = scale[j] / sqrtf(var + eps);
      for (k = 0; k < hw; k++) yp[k] = (xp[k] - mean) * s + bias[j];
    }
  }
}

void mp_layernorm(const float *x, float *y, long outer, long inner, const float *scale, long scale_count,
                  const float *bias, long bias_count, float eps, float *mean_out, float *inv_std_out) {
  long o, i;
  for (o = 0; o < outer; o++) {
    const float *xp = x + o * inner;
    float *yp = y + o * inner;
    float mean = 0.0f, var = 0.0f, inv;
    for (i = 0; i < inner; i++) mean += xp[i];
    mean = inner > 0 ? mean / (float)inner : 0.0f;
    for (i = 0; i < inner; i++) var += (xp[i] - mean) * (xp[i] - mean);
    var = inner > 0 ? var / (float)inner : 0.0f;
    inv = 1.0f / sqrtf(var + eps);
    if (mean_out != NULL) mean_out[o] = mean;
    if (inv_std_out != NULL) inv_std_out[o] = inv;
    for (i = 0; i < inner; i++) {
      float v = (xp[i] - mean) * inv * scale[scale_count == 1 ? 0 : i];
      if (bias != NULL) v += bias[bias_count == 1 ? 0 : i];
      yp[i] = v;
    }
  }
}

/* ---- matrix products ---------------------------------------------------------------------------- */

#ifndef MP_REPLACE_MP_GEMM /* defined: your own mp_gemm is linked instead (see memplan_kernels.h) */
void mp_gemm(const float *A, const float *B, const float *C, float *Y, long M, long N, long K, int transA,
             int transB, float alpha, float beta, long c_rows, long c_cols, long m_begin, long m_end, mp_act act) {
  long am = transA ? 1 : K, ak = transA ? M : 1;
  long bk = transB ? 1 : N, bn = transB ? K : 1;
  long m, n, k;
  if (m_begin < 0) m_begin = 0;
  if (m_end > M) m_end = M;
  for (m = m_begin; m < m_end; m++) {
    float *yr = Y + m * N;
    if (transB) {
      /* rows of B^T are contiguous: dot products */
      for (n = 0; n < N; n++) {
        float acc = 0.0f;
        for (k = 0; k < K; k++) acc += A[m * am + k * ak] * B[k * bk + n * bn];
        yr[n] = acc;
      }
    } else {
      /* same summation order (k ascending per element), streaming rows of B */
      for (n = 0; n < N; n++) yr[n] = 0.0f;
      for (k = 0; k < K; k++) {
        float av = A[m * am + k * ak];
        const float *br = B + k * bk;
        for (n = 0; n < N; n++) yr[n] += av * br[n];
      }
    }
    for (n = 0; n < N; n++) {
      float v = alpha * yr[n];
      if (C != NULL) v += beta * C[(c_rows == 1 ? 0 : m) * c_cols + (c_cols == 1 ? 0 : n)];
      yr[n] = mp_act_apply(act, v);
    }
  }
}
#endif

#ifndef MP_REPLACE_MP_MATMUL /* defined: your own mp_matmul is linked instead (see memplan_kernels.h) */
int mp_matmul(const float *A, const float *B, float *Y, int batch_rank, const long *batch_shape,
              const long *a_batch_strides, const long *b_batch_strides, long M, long N, long K, mp_act act) {
  long idx[MP_MAX_RANK];
  long total = 1, t, m, n, k;
  int d;
  if (batch_rank < 0 || batch_rank > MP_MAX_RANK) return MP_EPARAM;
  for (d = 0; d < batch_rank; d++) {
    idx[d] = 0;
    total *= batch_shape[d];
  }
  for (t = 0; t < total; t++) {
    long aoff = 0, boff = 0;
    float *y = Y + t * M * N;
    const float *a, *b;
    for (d = 0; d < batch_rank; d++) {
      aoff += idx[d] * a_batch_strides[d];
      boff += idx[d] * b_batch_strides[d];
    }
    a = A + aoff;
    b = B + boff;
    for (m = 0; m < M; m++) {
      float *yr = y + m * N;
      for (n = 0; n < N; n++) yr[n] = 0.0f;
      for (k = 0; k < K; k++) {
        float av = a[m * K + k];
        const float *br = b + k * N;
        for (n = 0; n < N; n++) yr[n] += av * br[n];
      }
      if (act.kind != MP_ACT_NONE) {
        for (n = 0; n < N; n++) yr[n] = mp_act_apply(act, yr[n]);
      }
    }
    for (d = batch_rank - 1; d >= 0; d--) {
      if (++idx[d] < batch_shape[d]) break;
      idx[d] = 0;
    }
  }
  return MP_OK;
}
#endif

/* ---- elementwise -------------------------------------------------------------------------------- */

static float mp_fmaxnan(float a, float b) { return (a != a || b != b) ? NAN : (a > b ? a : b); }
static float mp_fminnan(float a, float b) { return (a != a || b != b) ? NAN : (a < b ? a : b); }

static void mp_binary_run(mp_binop op, const float *a, long sa, const float *b, long sb, float *y, long count) {
  long j;
  switch (op) {
    case MP_BIN_ADD: for (j = 0; j < count; j++) y[j] = a[j * sa] + b[j * sb]; break;
    case MP_BIN_SUB: for (j = 0; j < count; j++) y[j] = a[j * sa] - b[j * sb]; break;
    case MP_BIN_MUL: for (j = 0; j < count; j++) y[j] = a[j * sa] * b[j * sb]; break;
    case MP_BIN_DIV: for (j = 0; j < count; j++) y[j] = a[j * sa] / b[j * sb]; break;
    case MP_BIN_POW: for (j = 0; j < count; j++) y[j] = powf(a[j * sa], b[j * sb]); break;
    case MP_BIN_MAX: for (j = 0; j < count; j++) y[j] = mp_fmaxnan(a[j * sa], b[j * sb]); break;
    case MP_BIN_MIN: for (j = 0; j < count; j++) y[j] = mp_fminnan(a[j * sa], b[j * sb]); break;
    case MP_BIN_PRELU:
      for (j = 0; j < count; j++) {
        float v = a[j * sa];
        y[j] = v >= 0.0f ? v : v * b[j * sb];
      }
      break;
    case MP_BIN_MOD_FMOD: for (j = 0; j < count; j++) y[j] = fmodf(a[j * sa], b[j * sb]); break;
  }
}

int mp_broadcast_strides(int in_rank, const long *in_shape, int out_rank, long *strides) {
  long s = 1;
  int d;
  if (in_rank < 0 || out_rank < in_rank || out_rank > MP_MAX_RANK) return MP_EPARAM;
  for (d = out_rank - 1; d >= 0; d--) {
    int id = d - (out_rank - in_rank);
    if (id < 0 || in_shape[id] == 1) {
      strides[d] = 0;
    } else {
      strides[d] = s;
    }
    if (id >= 0) s *= in_shape[id];
  }
  return MP_OK;
}

int mp_binary(mp_binop op, int rank, const long *out_shape, const float *a, const long *a_strides,
              const float *b, const long *b_strides, float *y, long begin, long end) {
  long idx[MP_MAX_RANK], shape[MP_MAX_RANK], sa[MP_MAX_RANK], sb[MP_MAX_RANK];
  long rem, aoff = 0, boff = 0, i;
  int d, r = rank;
  if (rank < 0 || rank > MP_MAX_RANK || (int)op < 0 || op > MP_BIN_MOD_FMOD) return MP_EPARAM;
  if (rank == 0) {
    r = 1;
    shape[0] = 1;
    sa[0] = 0;
    sb[0] = 0;
  } else {
    for (d = 0; d < rank; d++) {
      shape[d] = out_shape[d];
      sa[d] = a_strides[d];
      sb[d] = b_strides[d];
    }
  }
  if (begin < 0) begin = 0;
  if (begin >= end) return MP_OK;
  rem = begin;
  for (d = r - 1; d >= 0; d--) {
    if (shape[d] <= 0) return MP_OK;
    idx[d] = rem % shape[d];
    rem /= shape[d];
    aoff += idx[d] * sa[d];
    boff += idx[d] * sb[d];
  }
  i = begin;
  while (i < end) {
    long inner = shape[r - 1] - idx[r - 1];
    if (inner > end - i) inner = end - i;
    mp_binary_run(op, a + aoff, sa[r - 1], b + boff, sb[r - 1], y + i, inner);
    i += inner;
    idx[r - 1] += inner;
    aoff += inner * sa[r - 1];
    boff += inner * sb[r - 1];
    for (d = r - 1; d > 0 && idx[d] == shape[d]; d--) {
      aoff -= shape[d] * sa[d];
      boff -= shape[d] * sb[d];
      idx[d] = 0;
      idx[d - 1]++;
      aoff += sa[d - 1];
      boff += sb[d - 1];
    }
  }
  return MP_OK;
}

static float mp_erf_gelu(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

static float mp_softplus(float x) { return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x)); }

static float mp_unary1(mp_unop op, float x, float a, float b) {
  switch (op) {
    case MP_UN_RELU: return x > 0.0f ? x : 0.0f;
    case MP_UN_LEAKYRELU: return x >= 0.0f ? x : a * x;
    case MP_UN_SIGMOID: {
      float e;
      if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
      e = expf(x);
      return e / (1.0f + e);
    }
    case MP_UN_HARDSIGMOID: {
      float v = a * x + b;
      return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
    }
    case MP_UN_HARDSWISH: {
      float v = x / 6.0f + 0.5f;
      return x * (v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v));
    }
    case MP_UN_TANH: return tanhf(x);
    case MP_UN_CLIP: return x < a ? a : (x > b ? b : x);
    case MP_UN_SQRT: return sqrtf(x);
    case MP_UN_EXP: return expf(x);
    case MP_UN_LOG: return logf(x);
    case MP_UN_ABS: return fabsf(x);
    case MP_UN_NEG: return -x;
    case MP_UN_RECIPROCAL: return 1.0f / x;
    case MP_UN_ERF: return erff(x);
    case MP_UN_FLOOR: return floorf(x);
    case MP_UN_CEIL: return ceilf(x);
    case MP_UN_ELU: return x >= 0.0f ? x : a * expm1f(x);
    case MP_UN_SELU: return x > 0.0f ? b * x : b * a * expm1f(x);
    case MP_UN_SOFTPLUS: return mp_softplus(x);
    case MP_UN_GELU: return mp_erf_gelu(x);
    case MP_UN_GELU_TANH:
      return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case MP_UN_SOFTSIGN: return x / (1.0f + fabsf(x));
    case MP_UN_SIGN: return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);
    case MP_UN_ROUND: return nearbyintf(x);
    case MP_UN_SIN: return sinf(x);
    case MP_UN_COS: return cosf(x);
    case MP_UN_TAN: return tanf(x);
    case MP_UN_ASIN: return asinf(x);
    case MP_UN_ACOS: return acosf(x);
    case MP_UN_ATAN: return atanf(x);
    case MP_UN_SINH: return sinhf(x);
    case MP_UN_COSH: return coshf(x);
    case MP_UN_ASINH: return asinhf(x);
    case MP_UN_ACOSH: return acoshf(x);
    case MP_UN_ATANH: return atanhf(x);
    case MP_UN_THRESHOLDEDRELU: return x > a ? x : 0.0f;
    case MP_UN_CELU: {
      float neg = a * expm1f(x / a);
      return (x > 0.0f ? x : 0.0f) + (neg < 0.0f ? neg : 0.0f);
    }
    case MP_UN_MISH: return x * tanhf(mp_softplus(x));
    case MP_UN_IDENTITY: return x;
    case MP_UN_SCALE: return a * x + b;
    case MP_UN_SHRINK: return x < -a ? x + b : (x > a ? x - b : 0.0f);
    case MP_UN_SILU: return x * mp_unary1(MP_UN_SIGMOID, x, 0.0f, 0.0f);
    case MP_UN_HARDSIGMOID_GATE: return x * mp_unary1(MP_UN_HARDSIGMOID, x, a, b);
  }
  return x;
}

int mp_unary(mp_unop op, const float *x, float *y, long count, float a, float b) {
  long i;
  if ((int)op < 0 || op > MP_UN_HARDSIGMOID_GATE) return MP_EPARAM;
  for (i = 0; i < count; i++) y[i] = mp_unary1(op, x[i], a, b);
  return MP_OK;
}

#ifndef MP_REPLACE_MP_SOFTMAX /* defined: your own mp_softmax is linked instead (see memplan_kernels.h) */
void mp_softmax(const float *x, float *y, long outer, long axis_len, long inner, int log_softmax) {
  long o, i, k;
  for (o = 0; o < outer; o++) {
    for (i = 0; i < inner; i++) {
      const float *xp = x + o * axis_len * inner + i;
      float *yp = y + o * axis_len * inner + i;
      float mx = -INFINITY, sum = 0.0f;
      for (k = 0; k < axis_len; k++) {
        if (xp[k * inner] > mx) mx = xp[k * inner];
      }
      for (k = 0; k < axis_len; k++) {
        float e = expf(xp[k * inner] - mx);
        if (!log_softmax) yp[k * inner] = e;
        sum += e;
      }
      if (log_softmax) {
        float ls = logf(sum);
        for (k = 0; k < axis_len; k++) yp[k * inner] = xp[k * inner] - mx - ls;
      } else {
        for (k = 0; k < axis_len; k++) yp[k * inner] /= sum;
      }
    }
  }
}
#endif

/* ---- data movement ------------------------------------------------------------------------------ */

void mp_copy2d(float *dst, const float *src, long rows, long row_elems, long dst_stride, long src_stride) {
  long r;
  if (row_elems <= 0) return;
  for (r = 0; r < rows; r++) {
    memcpy(dst + r * dst_stride, src + r * src_stride, (size_t)row_elems * sizeof(float));
  }
}

void mp_concat_part(const float *x, float *y, long outer, long x_axis_inner, long y_axis_inner, long offset) {
  mp_copy2d(y + offset, x, outer, x_axis_inner, y_axis_inner, x_axis_inner);
}

/* Contiguous strides of a shape. */
static void mp_strides(int rank, const long *shape, long *strides) {
  long s = 1;
  int d;
  for (d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
}

static long mp_count(int rank, const long *shape) {
  long n = 1;
  int d;
  for (d = 0; d < rank; d++) n *= shape[d];
  return n;
}

/*
 * y (row-major, shape y_shape) from x read with x_strides elements per step along each dim (0: the
 * dim is broadcast): the walk of Expand and Transpose. rank is checked by the caller.
 */
static void mp_strided_read(const float *x, const long *x_strides, float *y, int rank, const long *y_shape) {
  long idx[MP_MAX_RANK];
  long total, i, off = 0;
  int d;
  for (d = 0; d < rank; d++) idx[d] = 0;
  total = mp_count(rank, y_shape);
  for (i = 0; i < total; i++) {
    y[i] = x[off];
    for (d = rank - 1; d >= 0; d--) {
      off += x_strides[d];
      if (++idx[d] < y_shape[d]) break;
      off -= x_strides[d] * y_shape[d];
      idx[d] = 0;
    }
  }
}

int mp_expand(const float *x, const long *x_strides, float *y, int rank, const long *y_shape) {
  if (rank < 0 || rank > MP_MAX_RANK) return MP_EPARAM;
  mp_strided_read(x, x_strides, y, rank, y_shape);
  return MP_OK;
}

int mp_tile(const float *x, float *y, int rank, const long *x_shape, const long *y_shape) {
  long xs[MP_MAX_RANK], idx[MP_MAX_RANK], xi[MP_MAX_RANK];
  long total, i, off = 0;
  int d;
  if (rank < 0 || rank > MP_MAX_RANK) return MP_EPARAM;
  for (d = 0; d < rank; d++) {
    if (x_shape[d] <= 0 && y_shape[d] > 0) return MP_EPARAM;
    idx[d] = 0;
    xi[d] = 0;
  }
  mp_strides(rank, x_shape, xs);
  total = mp_count(rank, y_shape);
  for (i = 0; i < total; i++) {
    y[i] = x[off];
    for (d = rank - 1; d >= 0; d--) {
      if (++xi[d] == x_shape[d]) {
        xi[d] = 0;
        off -= xs[d] * (x_shape[d] - 1);
      } else {
        off += xs[d];
      }
      if (++idx[d] < y_shape[d]) break;
      idx[d] = 0;
      off -= xs[d] * xi[d];
      xi[d] = 0;
    }
  }
  return MP_OK;
}

int mp_transpose(const float *x, float *y, int rank, const long *x_shape, const int *perm) {
  long xs[MP_MAX_RANK], ys[MP_MAX_RANK], ps[MP_MAX_RANK];
  int d, seen = 0;
  if (rank < 0 || rank > MP_MAX_RANK) return MP_EPARAM;
  for (d = 0; d < rank; d++) {
    if (perm[d] < 0 || perm[d] >= rank || (seen & (1 << perm[d]))) return MP_EPARAM;
    seen |= 1 << perm[d];
  }
  mp_strides(rank, x_shape, xs);
  for (d = 0; d < rank; d++) {
    ys[d] = x_shape[perm[d]];
    ps[d] = xs[perm[d]];
  }
  mp_strided_read(x, ps, y, rank, ys);
  return MP_OK;
}

static long mp_mod(long a, long n) {
  long r = a % n;
  return r < 0 ? r + n : r;
}

int mp_pad(const float *x, float *y, int rank, const long *x_shape, const long *pads_begin, const long *y_shape,
           mp_pad_mode mode, float value) {
  long xs[MP_MAX_RANK], idx[MP_MAX_RANK];
  long total, i;
  int d;
  if (rank < 0 || rank > MP_MAX_RANK || (int)mode < 0 || mode > MP_PAD_WRAP) return MP_EPARAM;
  for (d = 0; d < rank; d++) {
    idx[d] = 0;
    if (x_shape[d] <= 0 && y_shape[d] > 0 && mode != MP_PAD_CONSTANT) return MP_EPARAM;
  }
  mp_strides(rank, x_shape, xs);
  total = mp_count(rank, y_shape);
  for (i = 0; i < total; i++) {
    long off = 0;
    int inside = 1;
    for (d = 0; d < rank; d++) {
      long n = x_shape[d], xi = idx[d] - pads_begin[d];
      if (xi < 0 || xi >= n) {
        switch (mode) {
          case MP_PAD_CONSTANT: inside = 0; break;
          case MP_PAD_REFLECT:
            if (n == 1) {
              xi = 0;
            } else {
              xi = mp_mod(xi, 2 * (n - 1));
              if (xi >= n) xi = 2 * (n - 1) - xi;
            }
            break;
          case MP_PAD_EDGE: xi = xi < 0 ? 0 : n - 1; break;
          case MP_PAD_WRAP: xi = mp_mod(xi, n); break;
        }
      }
      off += xi * xs[d];
    }
    y[i] = inside ? x[off] : value;
    for (d = rank - 1; d >= 0; d--) {
      if (++idx[d] < y_shape[d]) break;
      idx[d] = 0;
    }
  }
  return MP_OK;
}

int mp_slice(const float *x, float *y, int rank, const long *x_shape, const long *starts, const long *steps,
             const long *y_shape) {
  long xs[MP_MAX_RANK], idx[MP_MAX_RANK];
  long total, i, off = 0;
  int d;
  if (rank < 0 || rank > MP_MAX_RANK) return MP_EPARAM;
  mp_strides(rank, x_shape, xs);
  for (d = 0; d < rank; d++) {
    if (steps[d] == 0) return MP_EPARAM;
    if (y_shape[d] > 0) {
      long last = starts[d] + (y_shape[d] - 1) * steps[d];
      if (starts[d] < 0 || starts[d] >= x_shape[d] || last < 0 || last >= x_shape[d]) return MP_EPARAM;
    }
    idx[d] = 0;
    off += starts[d] * xs[d];
  }
  total = mp_count(rank, y_shape);
  for (i = 0; i < total; i++) {
    y[i] = x[off];
    for (d = rank - 1; d >= 0; d--) {
      off += steps[d] * xs[d];
      if (++idx[d] < y_shape[d]) break;
      off -= steps[d] * xs[d] * y_shape[d];
      idx[d] = 0;
    }
  }
  return MP_OK;
}

int mp_gather(const float *x, float *y, long outer, long axis_len, long inner, const int64_t *indices, long nidx) {
  long o, j;
  for (j = 0; j < nidx; j++) {
    if (indices[j] < -(int64_t)axis_len || indices[j] >= (int64_t)axis_len) return MP_EPARAM;
  }
  for (o = 0; o < outer; o++) {
    for (j = 0; j < nidx; j++) {
      long idx = (long)(indices[j] < 0 ? indices[j] + axis_len : indices[j]);
      mp_copy2d(y + (o * nidx + j) * inner, x + (o * axis_len + idx) * inner, 1, inner, inner, inner);
    }
  }
  return MP_OK;
}

/* Input coordinate of output index `o` along one dim. */
static float mp_resize_coord(mp_coord_mode coord, long o, long in_len, long out_len, float scale) {
  float of = (float)o;
  switch (coord) {
    case MP_COORD_HALF_PIXEL: return (of + 0.5f) / scale - 0.5f;
    case MP_COORD_ASYMMETRIC: return of / scale;
    case MP_COORD_ALIGN_CORNERS: {
      /* the resized length is in_len * scale (== out_len when the model gives sizes) */
      float resized = (float)in_len * scale;
      (void)out_len;
      return resized - 1.0f == 0.0f ? 0.0f : of * (float)(in_len - 1) / (resized - 1.0f);
    }
    case MP_COORD_PYTORCH_HALF_PIXEL: return out_len > 1 ? (of + 0.5f) / scale - 0.5f : 0.0f;
    case MP_COORD_TF_HALF_PIXEL_FOR_NN: return (of + 0.5f) / scale;
    case MP_COORD_HALF_PIXEL_SYMMETRIC: {
      float adjustment = (float)out_len / (scale * (float)in_len);
      float center = (float)in_len / 2.0f;
      float offset = center * (1.0f - adjustment);
      return offset + (of + 0.5f) / scale - 0.5f;
    }
  }
  return of / scale;
}

static long mp_clampl(long v, long lo, long hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Cubic convolution coefficients of the 4 neighbours floor(x)-1 .. floor(x)+2 for fraction r. */
static void mp_cubic_coeffs(float r, float A, float *c) {
  float r1 = r + 1.0f, r2 = 1.0f - r, r3 = 2.0f - r;
  c[0] = ((A * r1 - 5.0f * A) * r1 + 8.0f * A) * r1 - 4.0f * A;
  c[1] = ((A + 2.0f) * r - (A + 3.0f)) * r * r + 1.0f;
  c[2] = ((A + 2.0f) * r2 - (A + 3.0f)) * r2 * r2 + 1.0f;
  c[3] = ((A * r3 - 5.0f * A) * r3 + 8.0f * A) * r3 - 4.0f * A;
}

int mp_resize(const float *x, float *y, int rank, const long *x_shape, const long *y_shape, const float *scales,
              mp_resize_mode mode, mp_coord_mode coord, mp_nearest_mode nearest, float cubic_a,
              int exclude_outside) {
  long xs[MP_MAX_RANK], idx[MP_MAX_RANK], tap_idx[MP_MAX_RANK][4], tap[MP_MAX_RANK];
  float tap_w[MP_MAX_RANK][4];
  int ntaps[MP_MAX_RANK];
  long total, i;
  int d;
  if (rank < 1 || rank > MP_MAX_RANK || (int)mode < 0 || mode > MP_RESIZE_CUBIC) return MP_EPARAM;
  for (d = 0; d < rank; d++) {
    if (x_shape[d] <= 0 || !(scales[d] > 0.0f)) return MP_EPARAM;
    idx[d] = 0;
  }
  mp_strides(rank, x_shape, xs);
  total = mp_count(rank, y_shape);
  for (i = 0; i < total; i++) {
    float acc = 0.0f;
    int more;
    for (d = 0; d < rank; d++) {
      float c = mp_resize_coord(coord, idx[d], x_shape[d], y_shape[d], scales[d]);
      float fl = floorf(c), r = c - fl;
      long n = x_shape[d];
      if (mode == MP_RESIZE_NEAREST) {
        long v;
        switch (nearest) {
          case MP_NEAREST_ROUND_PREFER_FLOOR: v = (long)(r == 0.5f ? fl : floorf(c + 0.5f)); break;
          case MP_NEAREST_ROUND_PREFER_CEIL: v = (long)floorf(c + 0.5f); break;
          case MP_NEAREST_FLOOR: v = (long)fl; break;
          default: v = (long)ceilf(c); break;
        }
        ntaps[d] = 1;
        tap_idx[d][0] = mp_clampl(v, 0, n - 1);
        tap_w[d][0] = 1.0f;
      } else if (r == 0.0f) {
        /* integer coordinate: every interpolation weight but the one on it is 0 */
        ntaps[d] = 1;
        tap_idx[d][0] = mp_clampl((long)fl, 0, n - 1);
        tap_w[d][0] = 1.0f;
      } else if (mode == MP_RESIZE_LINEAR) {
        ntaps[d] = 2;
        tap_idx[d][0] = mp_clampl((long)fl, 0, n - 1);
        tap_idx[d][1] = mp_clampl((long)fl + 1, 0, n - 1);
        tap_w[d][0] = 1.0f - r;
        tap_w[d][1] = r;
      } else {
        float cc[4], sum = 0.0f;
        int k;
        mp_cubic_coeffs(r, cubic_a, cc);
        ntaps[d] = 4;
        for (k = 0; k < 4; k++) {
          long at = (long)fl - 1 + k;
          if (exclude_outside && (at < 0 || at >= n)) cc[k] = 0.0f;
          sum += cc[k];
          tap_idx[d][k] = mp_clampl(at, 0, n - 1);
        }
        for (k = 0; k < 4; k++) tap_w[d][k] = exclude_outside ? cc[k] / sum : cc[k];
      }
      tap[d] = 0;
    }
    do {
      float wgt = 1.0f;
      long off = 0;
      for (d = 0; d < rank; d++) {
        wgt *= tap_w[d][tap[d]];
        off += tap_idx[d][tap[d]] * xs[d];
      }
      acc += wgt * x[off];
      more = 0;
      for (d = rank - 1; d >= 0; d--) {
        if (++tap[d] < ntaps[d]) {
          more = 1;
          break;
        }
        tap[d] = 0;
      }
    } while (more);
    y[i] = acc;
    for (d = rank - 1; d >= 0; d--) {
      if (++idx[d] < y_shape[d]) break;
      idx[d] = 0;
    }
  }
  return MP_OK;
}

/* Advances a counter over dims (shape, strides); returns 0 when it wraps to all zeros. */
static int mp_next(int r, long *idx, const long *shape, const long *strides, long *off) {
  int d;
  for (d = r - 1; d >= 0; d--) {
    *off += strides[d];
    if (++idx[d] < shape[d]) return 1;
    *off -= strides[d] * shape[d];
    idx[d] = 0;
  }
  return 0;
}

int mp_reduce(mp_reduce_op op, const float *x, float *y, int rank, const long *x_shape, unsigned axes_mask) {
  long xs[MP_MAX_RANK], ks[MP_MAX_RANK], kst[MP_MAX_RANK], rs[MP_MAX_RANK], rst[MP_MAX_RANK];
  long kidx[MP_MAX_RANK], ridx[MP_MAX_RANK];
  long koff = 0, yi = 0, rcount = 1;
  int d, kr = 0, rr = 0;
  if (rank < 0 || rank > MP_MAX_RANK || (int)op < 0 || op > MP_RED_SUMSQUARE) return MP_EPARAM;
  mp_strides(rank, x_shape, xs);
  for (d = 0; d < rank; d++) {
    if (x_shape[d] <= 0) return MP_EPARAM;
    if (axes_mask & (1u << d)) {
      rs[rr] = x_shape[d];
      rst[rr] = xs[d];
      ridx[rr] = 0;
      rcount *= x_shape[d];
      rr++;
    } else {
      ks[kr] = x_shape[d];
      kst[kr] = xs[d];
      kidx[kr] = 0;
      kr++;
    }
  }
  do {
    long roff = 0;
    float acc, mx = -INFINITY;
    switch (op) {
      case MP_RED_MAX: acc = -INFINITY; break;
      case MP_RED_MIN: acc = INFINITY; break;
      case MP_RED_PROD: acc = 1.0f; break;
      default: acc = 0.0f; break;
    }
    if (op == MP_RED_LOGSUMEXP) {
      do {
        float v = x[koff + roff];
        if (v > mx) mx = v;
      } while (mp_next(rr, ridx, rs, rst, &roff));
      if (mx == -INFINITY) mx = 0.0f;
    }
    do {
      float v = x[koff + roff];
      switch (op) {
        case MP_RED_SUM:
        case MP_RED_MEAN:
        case MP_RED_LOGSUM: acc += v; break;
        case MP_RED_MAX: if (v > acc || v != v) acc = v; break;
        case MP_RED_MIN: if (v < acc || v != v) acc = v; break;
        case MP_RED_PROD: acc *= v; break;
        case MP_RED_L1: acc += fabsf(v); break;
        case MP_RED_L2:
        case MP_RED_SUMSQUARE: acc += v * v; break;
        case MP_RED_LOGSUMEXP: acc += expf(v - mx); break;
      }
    } while (mp_next(rr, ridx, rs, rst, &roff));
    switch (op) {
      case MP_RED_MEAN: acc /= (float)rcount; break;
      case MP_RED_L2: acc = sqrtf(acc); break;
      case MP_RED_LOGSUM: acc = logf(acc); break;
      case MP_RED_LOGSUMEXP: acc = logf(acc) + mx; break;
      default: break;
    }
    y[yi++] = acc;
  } while (mp_next(kr, kidx, ks, kst, &koff));
  return MP_OK;
}

/* ---- int8 quantization --------------------------------------------------------------------------- */

static float mp_quant_value(float x, float scale, float zp, float lo, float hi) {
  float v = nearbyintf(x / scale) + zp;
  if (!(v >= lo)) v = lo; /* also NaN */
  if (v > hi) v = hi;
  return v;
}

/*
 * (De)quantization along an axis: element i of channel a of block o is at (o * axis_len + a) * inner
 * + i; channel a has scale[a] and zero point zero_point[a] (0 when zero_point is NULL).
 */
#define MP_FOR_QUANT_CHANNELS(ZP_T, ZP_DEFAULT, BODY)                                                   \
  long o, a, i;                                                                                        \
  for (o = 0; o < outer; o++) {                                                                        \
    for (a = 0; a < axis_len; a++) {                                                                   \
      ZP_T zp = zero_point != NULL ? (ZP_T)zero_point[a] : ZP_DEFAULT;                                 \
      long base = (o * axis_len + a) * inner;                                                          \
      for (i = 0; i < inner; i++) BODY;                                                                \
    }                                                                                                  \
  }

void mp_quantize_s8(const float *x, int8_t *q, long outer, long axis_len, long inner, const float *scale,
                    const int8_t *zero_point) {
  MP_FOR_QUANT_CHANNELS(float, 0.0f, q[base + i] = (int8_t)mp_quant_value(x[base + i], scale[a], zp, -128.0f, 127.0f))
}

void mp_quantize_u8(const float *x, uint8_t *q, long outer, long axis_len, long inner, const float *scale,
                    const uint8_t *zero_point) {
  MP_FOR_QUANT_CHANNELS(float, 0.0f, q[base + i] = (uint8_t)mp_quant_value(x[base + i], scale[a], zp, 0.0f, 255.0f))
}

void mp_dequantize_s8(const int8_t *q, float *x, long outer, long axis_len, long inner, const float *scale,
                      const int8_t *zero_point) {
  MP_FOR_QUANT_CHANNELS(long, 0, x[base + i] = (float)((long)q[base + i] - zp) * scale[a])
}

void mp_dequantize_u8(const uint8_t *q, float *x, long outer, long axis_len, long inner, const float *scale,
                      const uint8_t *zero_point) {
  MP_FOR_QUANT_CHANNELS(long, 0, x[base + i] = (float)((long)q[base + i] - zp) * scale[a])
}
