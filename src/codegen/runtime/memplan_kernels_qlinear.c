/*
 * memplan_kernels_qlinear.c - integer kernels for quantized ONNX layers with onnxruntime's CPU
 * arithmetic (see the header). Written for memplan from the operator definitions and onnxruntime's
 * documented requantization (float multiplier, round half to even).
 */
#include "memplan_kernels_qlinear.h"

#include <math.h>
#include <string.h>

static int32_t ld(const void *p, int type, long i) {
  switch (type) {
    case MPQL_U8: return ((const uint8_t *)p)[i];
    case MPQL_S8: return ((const int8_t *)p)[i];
    default: return ((const int32_t *)p)[i];
  }
}

static void st(void *p, int type, long i, int32_t v) {
  switch (type) {
    case MPQL_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case MPQL_S8: ((int8_t *)p)[i] = (int8_t)v; break;
    default: ((int32_t *)p)[i] = v; break;
  }
}

static int valid_type(int t) { return t == MPQL_U8 || t == MPQL_S8 || t == MPQL_S32; }

static void range_of(int type, int32_t *lo, int32_t *hi) {
  if (type == MPQL_U8) { *lo = 0; *hi = 255; }
  else if (type == MPQL_S8) { *lo = -128; *hi = 127; }
  else { *lo = INT32_MIN; *hi = INT32_MAX; }
}

int32_t mpql_requantize(int32_t acc, float multiplier, int32_t zero_point, int32_t act_min, int32_t act_max) {
  float v = (float)acc * multiplier;
  const float lo = (float)(act_min - zero_point);
  const float hi = (float)(act_max - zero_point);
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  return (int32_t)nearbyintf(v) + zero_point;
}

/* The float path of onnxruntime's DequantizeLinear -> QuantizeLinear for one value, clamped to [lo, hi]. */
static int32_t requant_float(float v, float y_scale, int32_t y_zp, int32_t lo, int32_t hi) {
  float q = v / y_scale;
  const float flo = (float)(lo - y_zp);
  const float fhi = (float)(hi - y_zp);
  if (!(q >= flo)) q = flo; /* also NaN */
  if (q > fhi) q = fhi;
  return (int32_t)nearbyintf(q) + y_zp;
}

/* Elements between channel planes of x and y (0: a dense plane of hw / ohw); 0 when a stride is too short. */
static int plane_strides(long x_plane, long y_plane, long hw, long ohw, long *xcs, long *ycs) {
  if (x_plane < 0 || y_plane < 0 || (x_plane != 0 && x_plane < hw) || (y_plane != 0 && y_plane < ohw)) return 0;
  *xcs = x_plane != 0 ? x_plane : hw;
  *ycs = y_plane != 0 ? y_plane : ohw;
  return 1;
}

/* Plane offset iy * w + ix of tap (ky, kx) of output pixel (oy, ox) of a window over an h x w plane; -1 outside it. */
static long tap_offset(long h, long w, long stride_h, long stride_w, long pad_top, long pad_left, long dil_h, long dil_w,
                       long oy, long ox, long ky, long kx) {
  const long iy = oy * stride_h - pad_top + ky * dil_h;
  const long ix = ox * stride_w - pad_left + kx * dil_w;
  return iy < 0 || iy >= h || ix < 0 || ix >= w ? -1 : iy * w + ix;
}
#define MPQL_WINDOW(P) (P)->h, (P)->w, (P)->stride_h, (P)->stride_w, (P)->pad_top, (P)->pad_left, (P)->dil_h, (P)->dil_w

int mpql_conv(const mpql_conv_params *p, const void *x, const void *w, const int32_t *bias, void *y) {
  long b, g, mo, oy, ox, ci, ky, kx;
  long cpg, mpg, xcs, ycs;
  if (p == NULL || x == NULL || w == NULL || y == NULL || p->group < 1 || p->c % p->group != 0 || p->m % p->group != 0) return MP_EPARAM;
  if (!plane_strides(p->x_plane, p->y_plane, p->h * p->w, p->oh * p->ow, &xcs, &ycs)) return MP_EPARAM;
  if (!valid_type(p->x_type) || !valid_type(p->w_type) || !valid_type(p->y_type)) return MP_EPARAM;
  if (p->y_type != MPQL_S32 && (p->multiplier == NULL || p->mult_count < 1)) return MP_EPARAM;
  cpg = p->c / p->group;
  mpg = p->m / p->group;
  for (b = 0; b < p->n; b++) {
    for (g = 0; g < p->group; g++) {
      for (mo = 0; mo < mpg; mo++) {
        const long m = g * mpg + mo;
        const int32_t wzp = p->w_zero_point == NULL ? 0 : p->w_zero_point[p->w_zp_count > 1 ? m : 0];
        const float mult = p->y_type == MPQL_S32 ? 0.0f : p->multiplier[p->mult_count > 1 ? m : 0];
        for (oy = 0; oy < p->oh; oy++) {
          for (ox = 0; ox < p->ow; ox++) {
            int32_t acc = bias != NULL ? bias[m] : 0;
            for (ci = 0; ci < cpg; ci++) {
              const long c = g * cpg + ci;
              for (ky = 0; ky < p->kh; ky++) {
                for (kx = 0; kx < p->kw; kx++) {
                  const long xo = tap_offset(MPQL_WINDOW(p), oy, ox, ky, kx);
                  if (xo < 0) continue;
                  acc += (ld(x, p->x_type, (b * p->c + c) * xcs + xo) - p->x_zero_point) *
                         (ld(w, p->w_type, ((m * cpg + ci) * p->kh + ky) * p->kw + kx) - wzp);
                }
              }
            }
            {
              const long yi = (b * p->m + m) * ycs + oy * p->ow + ox;
              if (p->y_type == MPQL_S32) st(y, MPQL_S32, yi, acc);
              else st(y, p->y_type, yi, mpql_requantize(acc, mult, p->y_zero_point, p->act_min, p->act_max));
            }
          }
        }
      }
    }
  }
  return MP_OK;
}

int mpql_gemm(const mpql_gemm_params *p, const void *a, const void *b, const int32_t *bias, void *y) {
  long i, j, k, ld_b;
  if (p == NULL || a == NULL || b == NULL || y == NULL) return MP_EPARAM;
  ld_b = p->b_ld != 0 ? p->b_ld : (p->trans_b ? p->k : p->n);
  if (ld_b < (p->trans_b ? p->k : p->n)) return MP_EPARAM;
  if (!valid_type(p->a_type) || !valid_type(p->b_type) || !valid_type(p->y_type)) return MP_EPARAM;
  if (p->y_type != MPQL_S32 && (p->multiplier == NULL || p->mult_count < 1)) return MP_EPARAM;
  for (i = 0; i < p->m; i++) {
    for (j = 0; j < p->n; j++) {
      const int32_t bzp = p->b_zero_point == NULL ? 0 : p->b_zero_point[p->b_zp_count > 1 ? j : 0];
      int32_t acc = bias != NULL ? bias[j] : 0;
      for (k = 0; k < p->k; k++) {
        const long bi = p->trans_b ? j * ld_b + k : k * ld_b + j;
        acc += (ld(a, p->a_type, i * p->k + k) - p->a_zero_point) * (ld(b, p->b_type, bi) - bzp);
      }
      if (p->y_type == MPQL_S32) st(y, MPQL_S32, i * p->n + j, acc);
      else st(y, p->y_type, i * p->n + j, mpql_requantize(acc, p->multiplier[p->mult_count > 1 ? j : 0], p->y_zero_point, p->act_min, p->act_max));
    }
  }
  return MP_OK;
}

/* Offset of the operand element for output index `idx` (6-D numpy broadcasting). */
static long bcast_offset(const long *shape, const long *y_shape, long idx) {
  long off = 0, stride = 1;
  int d;
  for (d = 5; d >= 0; d--) {
    const long coord = idx % y_shape[d];
    idx /= y_shape[d];
    if (shape[d] != 1) off += coord * stride;
    stride *= shape[d];
  }
  return off;
}

/*
 * onnxruntime's QLinearAdd / QLinearMul result: v / y_scale clamped to the range minus the zero point,
 * then the zero point added in float before the rounding (ties to even).
 */
static int32_t binary_result(float v, float y_scale, int32_t y_zp, int32_t lo, int32_t hi) {
  float q = v / y_scale;
  const float flo = (float)(lo - y_zp);
  const float fhi = (float)(hi - y_zp);
  if (!(q >= flo)) q = flo;
  if (q > fhi) q = fhi;
  return (int32_t)nearbyintf(q + (float)y_zp);
}

static int binary(const mpql_binary_params *p, const void *a, const void *b, void *y, int mul) {
  long count = 1, i;
  int d;
  if (p == NULL || a == NULL || b == NULL || y == NULL) return MP_EPARAM;
  if (!valid_type(p->a_type) || !valid_type(p->b_type) || !valid_type(p->y_type)) return MP_EPARAM;
  for (d = 0; d < 6; d++) {
    if ((p->a_shape[d] != 1 && p->a_shape[d] != p->y_shape[d]) || (p->b_shape[d] != 1 && p->b_shape[d] != p->y_shape[d])) return MP_EPARAM;
    count *= p->y_shape[d];
  }
  for (i = 0; i < count; i++) {
    const float va = p->a_scale * (float)(ld(a, p->a_type, bcast_offset(p->a_shape, p->y_shape, i)) - p->a_zero_point);
    const float vb = p->b_scale * (float)(ld(b, p->b_type, bcast_offset(p->b_shape, p->y_shape, i)) - p->b_zero_point);
    st(y, p->y_type, i, binary_result(mul ? va * vb : va + vb, p->y_scale, p->y_zero_point, p->act_min, p->act_max));
  }
  return MP_OK;
}

int mpql_add(const mpql_binary_params *p, const void *a, const void *b, void *y) { return binary(p, a, b, y, 0); }
int mpql_mul(const mpql_binary_params *p, const void *a, const void *b, void *y) { return binary(p, a, b, y, 1); }

int mpql_global_avgpool(long nc, long hw, const void *x, int x_type, int32_t x_zero_point, void *y, int y_type,
                        float multiplier, int32_t y_zero_point, int32_t act_min, int32_t act_max) {
  long i, k;
  if (x == NULL || y == NULL || hw < 1 || !valid_type(x_type) || !valid_type(y_type)) return MP_EPARAM;
  for (i = 0; i < nc; i++) {
    int32_t sum = 0;
    for (k = 0; k < hw; k++) sum += ld(x, x_type, i * hw + k) - x_zero_point;
    st(y, y_type, i, mpql_requantize(sum, multiplier, y_zero_point, act_min, act_max));
  }
  return MP_OK;
}

int mpql_maxpool(const mpql_maxpool_params *p, const void *x, void *y) {
  long nc, oy, ox, ky, kx, xcs, ycs;
  if (p == NULL || x == NULL || y == NULL || !valid_type(p->type)) return MP_EPARAM;
  if (!plane_strides(p->x_plane, p->y_plane, p->h * p->w, p->oh * p->ow, &xcs, &ycs)) return MP_EPARAM;
  for (nc = 0; nc < p->n * p->c; nc++) {
    for (oy = 0; oy < p->oh; oy++) {
      for (ox = 0; ox < p->ow; ox++) {
        int32_t best = INT32_MIN;
        int32_t v;
        for (ky = 0; ky < p->kh; ky++) {
          for (kx = 0; kx < p->kw; kx++) {
            const long xo = tap_offset(MPQL_WINDOW(p), oy, ox, ky, kx);
            if (xo < 0) continue;
            v = ld(x, p->type, nc * xcs + xo);
            if (v > best) best = v;
          }
        }
        if (p->same) v = best < p->act_min ? p->act_min : best > p->act_max ? p->act_max : best;
        else v = requant_float((float)(best - p->x_zero_point) * p->x_scale, p->y_scale, p->y_zero_point, p->act_min, p->act_max);
        st(y, p->type, nc * ycs + oy * p->ow + ox, v);
      }
    }
  }
  return MP_OK;
}

int mpql_requantize_copy(long count, const void *x, int x_type, float x_scale, int32_t x_zero_point, void *y,
                         int y_type, float y_scale, int32_t y_zero_point, int32_t lo, int32_t hi) {
  long i;
  int32_t tlo, thi;
  if (x == NULL || y == NULL || !valid_type(x_type) || !valid_type(y_type) || y_type == MPQL_S32) return MP_EPARAM;
  range_of(y_type, &tlo, &thi);
  if (x_type == y_type && x_scale == y_scale && x_zero_point == y_zero_point && lo <= tlo && hi >= thi) {
    if (x != y) memmove(y, x, (size_t)count * (y_type == MPQL_S32 ? 4u : 1u));
    return MP_OK;
  }
  for (i = 0; i < count; i++) st(y, y_type, i, requant_float((float)(ld(x, x_type, i) - x_zero_point) * x_scale, y_scale, y_zero_point, lo, hi));
  return MP_OK;
}

int mpql_concat(int count, const void *const *xs, const long *lens, const int *x_types, const float *x_scales,
                const int32_t *x_zero_points, long outer, long inner, void *y, int y_type, float y_scale,
                int32_t y_zero_point, int32_t lo, int32_t hi) {
  long o, total = 0, at = 0;
  int i;
  if (xs == NULL || lens == NULL || y == NULL || count < 1 || y_type == MPQL_S32) return MP_EPARAM;
  for (i = 0; i < count; i++) {
    if (x_types[i] == MPQL_S32) return MP_EPARAM;
    total += lens[i] * inner;
  }
  for (o = 0; o < outer; o++) {
    at = 0;
    for (i = 0; i < count; i++) {
      const long chunk = lens[i] * inner;
      void *dst = (uint8_t *)y + (o * total + at);
      const void *src = (const uint8_t *)xs[i] + o * chunk;
      int rc = mpql_requantize_copy(chunk, src, x_types[i], x_scales[i], x_zero_points[i], dst, y_type, y_scale, y_zero_point, lo, hi);
      if (rc != MP_OK) return rc;
      at += chunk;
    }
  }
  return MP_OK;
}

int mpql_lookup(long count, const void *x, int x_type, const int32_t *table, void *y, int y_type) {
  long i;
  if (x == NULL || y == NULL || table == NULL || x_type == MPQL_S32 || y_type == MPQL_S32 || !valid_type(x_type) || !valid_type(y_type)) return MP_EPARAM;
  for (i = 0; i < count; i++) st(y, y_type, i, table[ld(x, x_type, i) - (x_type == MPQL_S8 ? -128 : 0)]);
  return MP_OK;
}

int mpql_quantize(long count, const float *x, void *y, int y_type, float scale, int32_t zero_point) {
  long i;
  int32_t lo, hi;
  if (x == NULL || y == NULL || y_type == MPQL_S32 || !valid_type(y_type)) return MP_EPARAM;
  range_of(y_type, &lo, &hi);
  for (i = 0; i < count; i++) st(y, y_type, i, requant_float(x[i], scale, zero_point, lo, hi));
  return MP_OK;
}

int mpql_dequantize(long count, const void *q, int q_type, float scale, int32_t zero_point, float *y) {
  long i;
  if (q == NULL || y == NULL || !valid_type(q_type)) return MP_EPARAM;
  for (i = 0; i < count; i++) y[i] = (float)(ld(q, q_type, i) - zero_point) * scale;
  return MP_OK;
}
