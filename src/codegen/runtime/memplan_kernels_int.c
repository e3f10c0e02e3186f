/*
 * memplan_kernels_int.c - integer kernels with TensorFlow Lite Micro's reference arithmetic (see the
 * header). Written for memplan from the published arithmetic (gemmlowp fixed point, TFLite's
 * quantization spec); every kernel reads its inputs only through const pointers.
 */
#include "memplan_kernels_int.h"

#include <math.h>
#include <string.h>

/* ---- fixed-point primitives ------------------------------------------------------------------ */

int32_t mpq_srdhm(int32_t a, int32_t b) {
  int64_t ab;
  int32_t nudge;
  if (a == b && a == INT32_MIN) return INT32_MAX;
  ab = (int64_t)a * (int64_t)b;
  nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  /* Division (truncation toward zero), not a shift: the rounding is that of gemmlowp. */
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

int32_t mpq_rdbpot(int32_t x, int exponent) {
  int32_t mask, remainder, threshold;
  if (exponent <= 0) return x;
  mask = (int32_t)((((int64_t)1) << exponent) - 1);
  remainder = x & mask;
  threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t mpq_mul_by_qm(int32_t x, int32_t multiplier, int shift) {
#ifdef MPQ_SINGLE_ROUNDING
  /* TFLite's single-rounding build (TFLITE_SINGLE_ROUNDING): one rounding of x * m / 2^(31 - shift). */
  int total = 31 - shift;
  int64_t round = (int64_t)1 << (total - 1);
  return (int32_t)(((int64_t)x * (int64_t)multiplier + round) >> total);
#else
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  return mpq_rdbpot(mpq_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
#endif
}

int32_t mpq_mul_by_qm64(int64_t x, int32_t multiplier, int shift) {
  int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  int total = 15 - shift;
  int64_t round = (int64_t)1 << (total - 1);
  int64_t r = x * (int64_t)reduced + round;
  return (int32_t)(r >> total);
}

static int32_t clamp32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

static int conv_params_ok(const mpq_conv_params *p) {
  return p != 0 && p->batches > 0 && (p->in_row == 0 || p->in_row >= p->in_w * p->in_c) && (p->out_row == 0 || p->out_row >= p->out_w * p->out_c) && p->in_h > 0 && p->in_w > 0 && p->in_c > 0 && p->out_h > 0 && p->out_w > 0 &&
         p->out_c > 0 && p->k_h > 0 && p->k_w > 0 && p->k_c > 0 && p->stride_h > 0 && p->stride_w > 0 &&
         p->dil_h > 0 && p->dil_w > 0 && p->multiplier != 0 && p->shift != 0;
}

/* ---- convolution -------------------------------------------------------------------------------- */

/*
 * The three convolutions share their loops over the output (b, oy, ox, then the channel loops of
 * each) and their tail: add output channel oc's bias to the accumulator, requantize with oc's
 * multiplier and shift (s8: int32 bias, mpq_mul_by_qm; s16: int64 or int32 bias, mpq_mul_by_qm64)
 * and store y[b][oy][ox][oc] clamped to the activation range. OUT_T is the output element type.
 */
#define MPQ_REQUANT_S8(A)                                                                              \
  if (bias != 0) A += bias[oc];                                                                        \
  v = mpq_mul_by_qm(A, p->multiplier[oc], p->shift[oc]) + p->out_offset;
#define MPQ_REQUANT_S16(A)                                                                             \
  if (bias64 != 0) A += bias64[oc];                                                                    \
  else if (bias32 != 0) A += bias32[oc];                                                               \
  v = mpq_mul_by_qm64(A, p->multiplier[oc], p->shift[oc]) + p->out_offset;
#define MPQ_STORE_OUT() y[(b * p->out_h + oy) * out_row + ox * out_px + oc] = (OUT_T)clamp32(v, p->act_min, p->act_max);

/* Every output pixel (b, oy, ox). */
#define MPQ_FOR_PIXELS(...)                                                                            \
  for (b = 0; b < p->batches; b++)                                                                     \
    for (oy = 0; oy < p->out_h; oy++)                                                                  \
      for (ox = 0; ox < p->out_w; ox++) {                                                              \
        __VA_ARGS__                                                                                    \
      }

/* The kernel taps (fy, fx) of a forward window at input origin (iy0, ix0) that fall inside the input. */
#define MPQ_FOR_TAPS(...)                                                                              \
  for (fy = 0; fy < p->k_h; fy++) {                                                                    \
    long iy = iy0 + p->dil_h * fy;                                                                     \
    if (iy < 0 || iy >= p->in_h) continue;                                                             \
    for (fx = 0; fx < p->k_w; fx++) {                                                                  \
      long ix = ix0 + p->dil_w * fx;                                                                   \
      if (ix < 0 || ix >= p->in_w) continue;                                                           \
      __VA_ARGS__                                                                                      \
    }                                                                                                  \
  }

/*
 * Grouped 2-D convolution: groups = in_c / k_c; output channel oc reads input channels
 * [g * k_c, (g + 1) * k_c) with g = oc / (out_c / groups).
 */
#define MPQ_CONV_BODY(ACC_T, X_OFFSET, REQUANT)                                                        \
  long b, oy, ox, oc, fy, fx, ic;                                                                      \
  long groups, per_group;                                                                              \
  const long in_row = p->in_row != 0 ? p->in_row : p->in_w * p->in_c;                                 \
  const long out_px = px != 0 ? px : p->out_c;                                                         \
  const long out_row = p->out_row != 0 ? p->out_row : p->out_w * out_px;                               \
  if (!conv_params_ok(p) || p->in_c % p->k_c != 0 || out_px < p->out_c || out_row < p->out_w * out_px) return MP_EPARAM; \
  groups = p->in_c / p->k_c;                                                                           \
  if (p->out_c % groups != 0) return MP_EPARAM;                                                        \
  per_group = p->out_c / groups;                                                                       \
  MPQ_FOR_PIXELS(for (oc = 0; oc < p->out_c; oc++) {                                                   \
    long c0 = (oc / per_group) * p->k_c;                                                               \
    long iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;                         \
    ACC_T acc = 0;                                                                                     \
    int32_t v;                                                                                         \
    MPQ_FOR_TAPS(                                                                                      \
      const int8_t *wp = w + ((oc * p->k_h + fy) * p->k_w + fx) * p->k_c;                              \
      for (ic = 0; ic < p->k_c; ic++) {                                                                \
        ACC_T xv = (ACC_T)x[(b * p->in_h + iy) * in_row + ix * p->in_c + c0 + ic] X_OFFSET;            \
        acc += (ACC_T)wp[ic] * xv;                                                                     \
      })                                                                                               \
    REQUANT(acc)                                                                                       \
    MPQ_STORE_OUT()                                                                                    \
  })                                                                                                   \
  return MP_OK;

/*
 * Depthwise: output channel oc = ic * depth_multiplier + m reads input channel ic; filter
 * [1][k_h][k_w][out_c], taps w_px apart (a window of channels of a wider filter: its full channels).
 */
#define MPQ_DW_BODY(ACC_T, X_OFFSET, REQUANT)                                                          \
  long b, oy, ox, ic, m, fy, fx;                                                                       \
  const long in_px = ipx != 0 ? ipx : p->in_c;                                                         \
  const long in_row = p->in_row != 0 ? p->in_row : p->in_w * in_px;                                   \
  const long out_px = px != 0 ? px : p->out_c;                                                         \
  const long out_row = p->out_row != 0 ? p->out_row : p->out_w * out_px;                               \
  const long w_px = wpx != 0 ? wpx : p->out_c;                                                         \
  if (!conv_params_ok(p) || p->depth_multiplier < 1 || p->in_c * p->depth_multiplier != p->out_c) return MP_EPARAM; \
  if (in_px < p->in_c || out_px < p->out_c || w_px < p->out_c || in_row < p->in_w * in_px || out_row < p->out_w * out_px) return MP_EPARAM; \
  MPQ_FOR_PIXELS(for (ic = 0; ic < p->in_c; ic++) for (m = 0; m < p->depth_multiplier; m++) {          \
    long oc = ic * p->depth_multiplier + m;                                                            \
    long iy0 = oy * p->stride_h - p->pad_h, ix0 = ox * p->stride_w - p->pad_w;                         \
    ACC_T acc = 0;                                                                                     \
    int32_t v;                                                                                         \
    MPQ_FOR_TAPS(                                                                                      \
      ACC_T xv = (ACC_T)x[(b * p->in_h + iy) * in_row + ix * in_px + ic] X_OFFSET;                     \
      acc += (ACC_T)w[(fy * p->k_w + fx) * w_px + oc] * xv;)                                           \
    REQUANT(acc)                                                                                       \
    MPQ_STORE_OUT()                                                                                    \
  })                                                                                                   \
  return MP_OK;

/*
 * Transpose conv, gathered: output (oy, ox) receives input (iy, ix) through filter tap (fy, fx) when
 * oy = iy * stride_h - pad_h + fy (likewise x). Integer sums do not depend on the order, so this equals
 * TFLite's scatter formulation exactly, without an accumulator buffer.
 */
#define MPQ_TCONV_BODY(ACC_T, X_OFFSET, REQUANT)                                                       \
  long b, oy, ox, oc, fy, fx, ic;                                                                      \
  const long out_px = p->out_c;                                                                        \
  const long out_row = p->out_row != 0 ? p->out_row : p->out_w * p->out_c;                             \
  if (!conv_params_ok(p) || p->k_c != p->in_c) return MP_EPARAM;                                       \
  MPQ_FOR_PIXELS(for (oc = 0; oc < p->out_c; oc++) {                                                   \
    ACC_T a = 0;                                                                                       \
    int32_t v;                                                                                         \
    for (fy = 0; fy < p->k_h; fy++) {                                                                  \
      long ty = oy + p->pad_h - fy, iy;                                                                \
      if (ty < 0 || ty % p->stride_h != 0) continue;                                                   \
      iy = ty / p->stride_h;                                                                           \
      if (iy >= p->in_h) continue;                                                                     \
      for (fx = 0; fx < p->k_w; fx++) {                                                                \
        long tx = ox + p->pad_w - fx, ix;                                                              \
        if (tx < 0 || tx % p->stride_w != 0) continue;                                                 \
        ix = tx / p->stride_w;                                                                         \
        if (ix >= p->in_w) continue;                                                                   \
        for (ic = 0; ic < p->in_c; ic++)                                                               \
          a += ((ACC_T)x[((b * p->in_h + iy) * p->in_w + ix) * p->in_c + ic] X_OFFSET) *               \
               (ACC_T)w[((oc * p->k_h + fy) * p->k_w + fx) * p->in_c + ic];                            \
      }                                                                                                \
    }                                                                                                  \
    REQUANT(a)                                                                                         \
    MPQ_STORE_OUT()                                                                                    \
  })                                                                                                   \
  return MP_OK;

/* The convolutions for int8 (int32 accumulators) and int16x8 (int64 accumulators) activations. */
#define OUT_T int8_t
int mpq_conv_px_s8(const mpq_conv_params *p, long px, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y) {
  MPQ_CONV_BODY(int32_t, + p->in_offset, MPQ_REQUANT_S8)
}
int mpq_conv_s8(const mpq_conv_params *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y) {
  return mpq_conv_px_s8(p, 0, x, w, bias, y);
}
int mpq_dwconv_px_s8(const mpq_conv_params *p, long ipx, long px, long wpx, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y) {
  MPQ_DW_BODY(int32_t, + p->in_offset, MPQ_REQUANT_S8)
}
int mpq_dwconv_s8(const mpq_conv_params *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y) {
  return mpq_dwconv_px_s8(p, 0, 0, 0, x, w, bias, y);
}
int mpq_tconv_s8(const mpq_conv_params *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y) {
  MPQ_TCONV_BODY(int32_t, + p->in_offset, MPQ_REQUANT_S8)
}
#undef OUT_T
#define OUT_T int16_t
int mpq_conv_px_s16(const mpq_conv_params *p, long px, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y) {
  MPQ_CONV_BODY(int64_t, + 0, MPQ_REQUANT_S16)
}
int mpq_conv_s16(const mpq_conv_params *p, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y) {
  return mpq_conv_px_s16(p, 0, x, w, bias64, bias32, y);
}
int mpq_dwconv_px_s16(const mpq_conv_params *p, long ipx, long px, long wpx, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y) {
  MPQ_DW_BODY(int64_t, + 0, MPQ_REQUANT_S16)
}
int mpq_dwconv_s16(const mpq_conv_params *p, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y) {
  return mpq_dwconv_px_s16(p, 0, 0, 0, x, w, bias64, bias32, y);
}
int mpq_tconv_s16(const mpq_conv_params *p, const int16_t *x, const int8_t *w, const int64_t *bias64, int16_t *y) {
  const int32_t *bias32 = 0; /* tconv_s16 takes an int64 bias only */
  MPQ_TCONV_BODY(int64_t, + 0, MPQ_REQUANT_S16)
}
#undef OUT_T

/* ---- fully connected ---------------------------------------------------------------------------- */

int mpq_fc_s8(const mpq_fc_params *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y) {
  long b, u, d;
  if (p == 0 || p->depth <= 0 || p->units <= 0 || p->batches <= 0) return MP_EPARAM;
  for (b = 0; b < p->batches; b++)
    for (u = 0; u < p->units; u++) {
      int32_t acc = 0;
      long k = p->per_channel ? u : 0;
      for (d = 0; d < p->depth; d++) acc += ((int32_t)w[u * p->depth + d] + p->w_offset) * ((int32_t)x[b * p->depth + d] + p->in_offset);
      if (bias != 0) acc += bias[u];
      acc = mpq_mul_by_qm(acc, p->multiplier[k], p->shift[k]) + p->out_offset;
      y[b * p->units + u] = (int8_t)clamp32(acc, p->act_min, p->act_max);
    }
  return MP_OK;
}

int mpq_fc_s16(const mpq_fc_params *p, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y) {
  long b, u, d;
  if (p == 0 || p->depth <= 0 || p->units <= 0 || p->batches <= 0) return MP_EPARAM;
  for (b = 0; b < p->batches; b++)
    for (u = 0; u < p->units; u++) {
      int64_t acc = 0;
      long k = p->per_channel ? u : 0;
      int32_t v;
      for (d = 0; d < p->depth; d++) acc += (int64_t)w[u * p->depth + d] * (int64_t)x[b * p->depth + d];
      if (bias64 != 0) acc += bias64[u];
      else if (bias32 != 0) acc += bias32[u];
      v = mpq_mul_by_qm64(acc, p->multiplier[k], p->shift[k]) + p->out_offset;
      y[b * p->units + u] = (int16_t)clamp32(v, p->act_min, p->act_max);
    }
  return MP_OK;
}

/* ---- elementwise ---------------------------------------------------------------------------- */

/* Visits every output index of a 6-d broadcast, giving the flat offsets into a and b. */
#define MPQ_BCAST_LOOP(S, BODY)                                                                        \
  {                                                                                                    \
    long i0, i1, i2, i3, i4, i5, ia, ib, iy = 0;                                                       \
    long sa[6], sb[6];                                                                                 \
    int d;                                                                                             \
    long ma = 1, mb = 1;                                                                               \
    for (d = 5; d >= 0; d--) {                                                                         \
      sa[d] = (S)->a[d] == 1 ? 0 : ma;                                                                 \
      sb[d] = (S)->b[d] == 1 ? 0 : mb;                                                                 \
      ma *= (S)->a[d];                                                                                 \
      mb *= (S)->b[d];                                                                                 \
    }                                                                                                  \
    for (i0 = 0; i0 < (S)->y[0]; i0++)                                                                 \
      for (i1 = 0; i1 < (S)->y[1]; i1++)                                                               \
        for (i2 = 0; i2 < (S)->y[2]; i2++)                                                             \
          for (i3 = 0; i3 < (S)->y[3]; i3++)                                                           \
            for (i4 = 0; i4 < (S)->y[4]; i4++)                                                         \
              for (i5 = 0; i5 < (S)->y[5]; i5++, iy++) {                                               \
                ia = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3] + i4 * sa[4] + i5 * sa[5];      \
                ib = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3] + i4 * sb[4] + i5 * sb[5];      \
                BODY                                                                                   \
              }                                                                                        \
  }

static int bcast_ok(const mpq_bcast *s) {
  int d;
  if (s == 0) return 0;
  for (d = 0; d < 6; d++) {
    if (s->y[d] < 1 || (s->a[d] != s->y[d] && s->a[d] != 1) || (s->b[d] != s->y[d] && s->b[d] != 1)) return 0;
  }
  return 1;
}

/* TFLite's MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0). */
static int32_t mul_smaller_than_one(int32_t x, int32_t multiplier, int shift) {
#ifdef MPQ_SINGLE_ROUNDING
  return mpq_mul_by_qm(x, multiplier, shift);
#else
  return mpq_rdbpot(mpq_srdhm(x, multiplier), -shift);
#endif
}

static int32_t add_one(const mpq_arith_params *p, int32_t a, int32_t b, int subtract) {
  int32_t va = (a + p->in1_offset) * (1 << p->left_shift);
  int32_t vb = (b + p->in2_offset) * (1 << p->left_shift);
  int32_t sa = mul_smaller_than_one(va, p->in1_multiplier, p->in1_shift);
  int32_t sb = mul_smaller_than_one(vb, p->in2_multiplier, p->in2_shift);
  int32_t sum = subtract ? sa - sb : sa + sb;
  int32_t out = mul_smaller_than_one(sum, p->out_multiplier, p->out_shift) + p->out_offset;
  return clamp32(out, p->act_min, p->act_max);
}

int mpq_add_s8(const mpq_arith_params *p, const mpq_bcast *s, const int8_t *a, const int8_t *b, int8_t *y, int subtract) {
  if (p == 0 || !bcast_ok(s)) return MP_EPARAM;
  MPQ_BCAST_LOOP(s, y[iy] = (int8_t)add_one(p, a[ia], b[ib], subtract);)
  return MP_OK;
}

int mpq_add_s16(const mpq_arith_params *p, const mpq_bcast *s, const int16_t *a, const int16_t *b, int16_t *y, int subtract) {
  if (p == 0 || !bcast_ok(s)) return MP_EPARAM;
  MPQ_BCAST_LOOP(s, y[iy] = (int16_t)add_one(p, a[ia], b[ib], subtract);)
  return MP_OK;
}

static int32_t mul_one(const mpq_arith_params *p, int32_t a, int32_t b) {
  int32_t prod = (a + p->in1_offset) * (b + p->in2_offset);
  int32_t out = mpq_mul_by_qm(prod, p->out_multiplier, p->out_shift) + p->out_offset;
  return clamp32(out, p->act_min, p->act_max);
}

int mpq_mul_s8(const mpq_arith_params *p, const mpq_bcast *s, const int8_t *a, const int8_t *b, int8_t *y) {
  if (p == 0 || !bcast_ok(s)) return MP_EPARAM;
  MPQ_BCAST_LOOP(s, y[iy] = (int8_t)mul_one(p, a[ia], b[ib]);)
  return MP_OK;
}

int mpq_mul_s16(const mpq_arith_params *p, const mpq_bcast *s, const int16_t *a, const int16_t *b, int16_t *y) {
  if (p == 0 || !bcast_ok(s)) return MP_EPARAM;
  MPQ_BCAST_LOOP(s, y[iy] = (int16_t)mul_one(p, a[ia], b[ib]);)
  return MP_OK;
}

/* ---- pooling and reduction --------------------------------------------------------------------- */

#define MPQ_POOL_BODY(IS_AVG)                                                                          \
  long b, oy, ox, c, fy, fx;                                                                           \
  long in_row, out_row;                                                                                \
  if (p == 0 || p->k_h < 1 || p->k_w < 1 || p->stride_h < 1 || p->stride_w < 1) return MP_EPARAM;      \
  in_row = p->in_row != 0 ? p->in_row : p->in_w * p->c;                                                \
  out_row = p->out_row != 0 ? p->out_row : p->out_w * p->c;                                            \
  for (b = 0; b < p->batches; b++)                                                                     \
    for (oy = 0; oy < p->out_h; oy++)                                                                  \
      for (ox = 0; ox < p->out_w; ox++)                                                                \
        for (c = 0; c < p->c; c++) {                                                                   \
          long y0 = oy * p->stride_h - p->pad_h, x0 = ox * p->stride_w - p->pad_w;                     \
          long fy0 = y0 < 0 ? -y0 : 0, fx0 = x0 < 0 ? -x0 : 0;                                         \
          long fy1 = p->in_h - y0 < p->k_h ? p->in_h - y0 : p->k_h;                                    \
          long fx1 = p->in_w - x0 < p->k_w ? p->in_w - x0 : p->k_w;                                    \
          int32_t acc = IS_AVG ? 0 : INT32_MIN;                                                        \
          int32_t count = 0;                                                                           \
          for (fy = fy0; fy < fy1; fy++)                                                               \
            for (fx = fx0; fx < fx1; fx++) {                                                           \
              int32_t v = x[(b * p->in_h + y0 + fy) * in_row + (x0 + fx) * p->c + c];                  \
              if (IS_AVG) acc += v;                                                                    \
              else if (v > acc) acc = v;                                                               \
              count++;                                                                                 \
            }                                                                                          \
          if (count == 0) return MP_EPARAM;                                                            \
          if (IS_AVG) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;           \
          y[(b * p->out_h + oy) * out_row + ox * p->c + c] = (OUT_T)clamp32(acc, p->act_min, p->act_max); \
        }                                                                                              \
  return MP_OK;

#define OUT_T int8_t
int mpq_avgpool_s8(const mpq_pool_params *p, const int8_t *x, int8_t *y) { MPQ_POOL_BODY(1) }
int mpq_maxpool_s8(const mpq_pool_params *p, const int8_t *x, int8_t *y) { MPQ_POOL_BODY(0) }
#undef OUT_T
#define OUT_T int16_t
int mpq_avgpool_s16(const mpq_pool_params *p, const int16_t *x, int16_t *y) { MPQ_POOL_BODY(1) }
int mpq_maxpool_s16(const mpq_pool_params *p, const int16_t *x, int16_t *y) { MPQ_POOL_BODY(0) }
#undef OUT_T

int mpq_mean_s8(long outer, long count, long inner, const int8_t *x, int8_t *y, int32_t in_zp, int32_t out_zp,
                int same_scale, int32_t multiplier, int shift) {
  return mpq_mean_px_s8(outer, count, inner, 0, 0, x, y, in_zp, out_zp, same_scale, multiplier, shift);
}

int mpq_mean_px_s8(long outer, long count, long inner, long ipx, long opx, const int8_t *x, int8_t *y, int32_t in_zp,
                   int32_t out_zp, int same_scale, int32_t multiplier, int shift) {
  long o, i, k;
  const long in_px = ipx != 0 ? ipx : inner, out_px = opx != 0 ? opx : inner;
  if (outer < 1 || count < 1 || inner < 1 || in_px < inner || out_px < inner) return MP_EPARAM;
  for (o = 0; o < outer; o++)
    for (i = 0; i < inner; i++) {
      int32_t sum = 0, v;
      for (k = 0; k < count; k++) sum += x[(o * count + k) * in_px + i];
      if (same_scale) {
        /* Mean of the raw values, rounded half away from zero (TFLite's integer mean). */
        int32_t s = sum - in_zp * (int32_t)count;
        v = (s >= 0 ? (s + (int32_t)count / 2) / (int32_t)count : (s - (int32_t)count / 2) / (int32_t)count) + out_zp;
      } else {
        v = mpq_mul_by_qm(sum - in_zp * (int32_t)count, multiplier, shift) + out_zp;
      }
      y[o * out_px + i] = (int8_t)clamp32(v, -128, 127);
    }
  return MP_OK;
}

/* ---- conversion and activations ---------------------------------------------------------------- */

static int32_t load_int(const void *p, long i, int bits) {
  switch (bits) {
    case 8: return ((const int8_t *)p)[i];
    case 16: return ((const int16_t *)p)[i];
    default: return ((const int32_t *)p)[i];
  }
}

static void store_int(void *p, long i, int bits, int32_t v) {
  switch (bits) {
    case 8: ((int8_t *)p)[i] = (int8_t)clamp32(v, -128, 127); break;
    case 16: ((int16_t *)p)[i] = (int16_t)clamp32(v, -32768, 32767); break;
    default: ((int32_t *)p)[i] = v; break;
  }
}

static int bits_ok(int bits) {
  return bits == 8 || bits == 16 || bits == 32;
}

int mpq_requantize(long n, const void *x, int x_bits, void *y, int y_bits, int32_t in_zp, int32_t out_zp,
                   int32_t multiplier, int shift) {
  long i;
  if (n < 0 || !bits_ok(x_bits) || !bits_ok(y_bits)) return MP_EPARAM;
  for (i = 0; i < n; i++) store_int(y, i, y_bits, mpq_mul_by_qm(load_int(x, i, x_bits) - in_zp, multiplier, shift) + out_zp);
  return MP_OK;
}

int mpq_quantize_f32(long n, const float *x, void *y, int y_bits, float scale, int32_t zp) {
  long i;
  if (n < 0 || !bits_ok(y_bits) || !(scale > 0.0f)) return MP_EPARAM;
  for (i = 0; i < n; i++) {
    float q = roundf(x[i] / scale);
    int32_t v = q > 2147483520.0f ? INT32_MAX : q < -2147483520.0f ? INT32_MIN : (int32_t)q;
    store_int(y, i, y_bits, v == INT32_MAX || v == INT32_MIN ? v : v + zp);
  }
  return MP_OK;
}

int mpq_dequantize(long n, const void *x, int x_bits, float *y, float scale, int32_t zp) {
  long i;
  if (n < 0 || !bits_ok(x_bits)) return MP_EPARAM;
  for (i = 0; i < n; i++) y[i] = scale * (float)(load_int(x, i, x_bits) - zp);
  return MP_OK;
}

int mpq_clamp(long n, const void *x, void *y, int bits, int32_t act_min, int32_t act_max) {
  long i;
  if (n < 0 || !bits_ok(bits)) return MP_EPARAM;
  for (i = 0; i < n; i++) store_int(y, i, bits, clamp32(load_int(x, i, bits), act_min, act_max));
  return MP_OK;
}

int mpq_leaky_relu(long n, const void *x, void *y, int bits, int32_t in_zp, int32_t out_zp, int32_t mult_identity,
                   int shift_identity, int32_t mult_alpha, int shift_alpha) {
  long i;
  if (n < 0 || (bits != 8 && bits != 16)) return MP_EPARAM;
  for (i = 0; i < n; i++) {
    int32_t v = load_int(x, i, bits) - in_zp;
    int32_t o = out_zp + (v >= 0 ? mpq_mul_by_qm(v, mult_identity, shift_identity) : mpq_mul_by_qm(v, mult_alpha, shift_alpha));
    store_int(y, i, bits, o);
  }
  return MP_OK;
}

int mpq_lut_s8(long n, const int8_t *x, int8_t *y, const int8_t *table) {
  long i;
  if (n < 0 || table == 0) return MP_EPARAM;
  for (i = 0; i < n; i++) y[i] = table[(uint8_t)x[i]];
  return MP_OK;
}

/* gemmlowp fixed point on int32: raw values with 31 - I fractional bits. */
static int32_t fp_mul(int32_t a, int32_t b) {
  return mpq_srdhm(a, b);
}

/* Saturating x * 2^e for e > 0 (gemmlowp's SaturatingRoundingMultiplyByPOT with a positive exponent). */
static int32_t fp_shl_sat(int32_t x, int e) {
  int32_t threshold = (int32_t)((1u << (31 - e)) - 1u);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << e);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static int32_t fp_exp_quarter(int32_t a) {
  const int32_t constant_term = 1895147668;  /* exp(-1/8) */
  const int32_t one_third = 715827883;
  int32_t x = a + (1 << 28);                 /* a + 1/8 */
  int32_t x2 = fp_mul(x, x);
  int32_t x3 = fp_mul(x2, x);
  int32_t x4 = fp_mul(x2, x2);
  int32_t x4_over_4 = mpq_rdbpot(x4, 2);
  int32_t poly = mpq_rdbpot(fp_mul(x4_over_4 + x3, one_third) + x2, 1);
  return constant_term + fp_mul(constant_term, x + poly);
}

/* exp(a) for a <= 0 given with 5 integer bits (Q5.26); result Q0.31. */
static int32_t fp_exp_neg(int32_t a) {
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  const int32_t quarter = 1 << 24;
  int32_t mod = (a & (quarter - 1)) - quarter;
  int32_t result = fp_exp_quarter(fp_shl_sat(mod, 5));
  int32_t remainder = mod - a;
  int k;
  for (k = 0; k < 7; k++) {
    if (remainder & (1 << (26 - 2 + k))) result = fp_mul(result, multipliers[k]);
  }
  return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + x) for x in [0, 1), Q0.31 in and out (Newton-Raphson, as gemmlowp). */
static int32_t fp_one_over_one_plus_x(int32_t a) {
  int64_t sum = (int64_t)a + INT32_MAX;
  int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  const int32_t c48_17 = 1515870810;
  const int32_t cneg32_17 = -1010580540;
  int32_t x = c48_17 + fp_mul(half_denominator, cneg32_17);
  int i;
  for (i = 0; i < 3; i++) {
    int32_t hdx = fp_mul(half_denominator, x);
    int32_t one_minus = (1 << 29) - hdx;
    x = x + fp_shl_sat(fp_mul(x, one_minus), 2);
  }
  return fp_shl_sat(x, 1);
}

static int clz32(uint32_t v) {
  int n = 0;
  if (v == 0) return 32;
  while ((v & 0x80000000u) == 0) {
    v <<= 1;
    n++;
  }
  return n;
}

int mpq_softmax_s8(long rows, long depth, const int8_t *x, void *y, int y_bits, int32_t input_multiplier,
                   int input_left_shift, int32_t diff_min) {
  long r, c;
  const int32_t out_min = y_bits == 8 ? -128 : -32768;
  const int32_t out_max = y_bits == 8 ? 127 : 32767;
  if (rows < 0 || depth < 1 || (y_bits != 8 && y_bits != 16)) return MP_EPARAM;
  for (r = 0; r < rows; r++) {
    const int8_t *in = x + r * depth;
    long o = r * depth;
    int32_t max = in[0], sum = 0, scale, headroom, bits_over;
    for (c = 1; c < depth; c++) if (in[c] > max) max = in[c];
    for (c = 0; c < depth; c++) {
      int32_t diff = in[c] - max;
      if (diff >= diff_min) {
        int32_t scaled = mpq_srdhm(diff * (1 << input_left_shift), input_multiplier);
        sum += mpq_rdbpot(fp_exp_neg(scaled), 12); /* Q0.31 -> Q12.19 */
      }
    }
    headroom = clz32((uint32_t)sum);
    bits_over = 12 - headroom;
    scale = fp_one_over_one_plus_x((int32_t)(((uint32_t)sum << headroom) - (1u << 31)));
    for (c = 0; c < depth; c++) {
      int32_t diff = in[c] - max;
      if (diff >= diff_min) {
        int32_t scaled = mpq_srdhm(diff * (1 << input_left_shift), input_multiplier);
        int32_t e = fp_exp_neg(scaled);
        int32_t v = mpq_rdbpot(fp_mul(scale, e), bits_over + 31 - y_bits) + out_min;
        store_int(y, o + c, y_bits, clamp32(v, out_min, out_max));
      } else {
        store_int(y, o + c, y_bits, out_min);
      }
    }
  }
  return MP_OK;
}

/* ---- data movement ---------------------------------------------------------------------------- */

static void copy_elem(void *y, long iy, const void *x, long ix, int bytes) {
  memcpy((uint8_t *)y + iy * bytes, (const uint8_t *)x + ix * bytes, (size_t)bytes);
}

int mpq_transpose(int rank, const long *x_dims, const int *perm, const void *x, void *y, int elem_bytes) {
  long xs[6], idx[6], total = 1, i;
  int d;
  if (rank < 1 || rank > 6) return MP_EPARAM;
  for (d = rank - 1; d >= 0; d--) {
    xs[d] = total;
    total *= x_dims[d];
    idx[d] = 0;
  }
  for (i = 0; i < total; i++) {
    long src = 0;
    for (d = 0; d < rank; d++) src += idx[d] * xs[perm[d]];
    copy_elem(y, i, x, src, elem_bytes);
    for (d = rank - 1; d >= 0; d--) {
      if (++idx[d] < x_dims[perm[d]]) break;
      idx[d] = 0;
    }
  }
  return MP_OK;
}

int mpq_pad(int rank, const long *x_dims, const long *before, const long *after, const void *x, void *y,
            int elem_bytes, int32_t pad_value) {
  long ys[6], yd[6], idx[6], total = 1, i;
  int d;
  if (rank < 1 || rank > 6) return MP_EPARAM;
  for (d = rank - 1; d >= 0; d--) {
    yd[d] = x_dims[d] + before[d] + after[d];
    ys[d] = total;
    total *= yd[d];
    idx[d] = 0;
  }
  (void)ys;
  for (i = 0; i < total; i++) {
    long src = 0, stride = 1;
    int inside = 1;
    for (d = rank - 1; d >= 0; d--) {
      long xi = idx[d] - before[d];
      if (xi < 0 || xi >= x_dims[d]) inside = 0;
      src += xi * stride;
      stride *= x_dims[d];
    }
    if (inside) copy_elem(y, i, x, src, elem_bytes);
    else store_int(y, i, elem_bytes * 8, pad_value);
    for (d = rank - 1; d >= 0; d--) {
      if (++idx[d] < yd[d]) break;
      idx[d] = 0;
    }
  }
  return MP_OK;
}

int mpq_strided_slice(int rank, const long *x_dims, const long *start, const long *stride, const long *count,
                      const void *x, void *y, int elem_bytes) {
  long xs[6], idx[6], total = 1, i, m = 1;
  int d;
  if (rank < 1 || rank > 6) return MP_EPARAM;
  for (d = rank - 1; d >= 0; d--) {
    xs[d] = m;
    m *= x_dims[d];
    total *= count[d];
    idx[d] = 0;
  }
  for (i = 0; i < total; i++) {
    long src = 0;
    for (d = 0; d < rank; d++) src += (start[d] + idx[d] * stride[d]) * xs[d];
    copy_elem(y, i, x, src, elem_bytes);
    for (d = rank - 1; d >= 0; d--) {
      if (++idx[d] < count[d]) break;
      idx[d] = 0;
    }
  }
  return MP_OK;
}

int mpq_concat(int n, const void *const *xs, const long *axis_lens, long outer, long inner, void *y, int elem_bytes) {
  long o, total_axis = 0, at;
  int k;
  if (n < 1) return MP_EPARAM;
  for (k = 0; k < n; k++) total_axis += axis_lens[k];
  for (o = 0; o < outer; o++) {
    at = 0;
    for (k = 0; k < n; k++) {
      size_t run = (size_t)(axis_lens[k] * inner * elem_bytes);
      memcpy((uint8_t *)y + (size_t)((o * total_axis + at) * inner * elem_bytes),
             (const uint8_t *)xs[k] + (size_t)o * run, run);
      at += axis_lens[k];
    }
  }
  return MP_OK;
}

/* ---- stateful ------------------------------------------------------------------------------- */

int mpq_svdf_s8(const mpq_svdf_params *p, const int8_t *x, const int8_t *w_feature, const int16_t *w_time,
                const int32_t *bias, int16_t *state, int8_t *y) {
  long b, f, c, j, u, r, total;
  if (p == 0 || p->rank < 1 || p->filters % p->rank != 0 || p->memory < 1) return MP_EPARAM;
  total = p->batches * p->filters * p->memory;
  /* The state moves one step back in time (the oldest value of each filter falls off). */
  if (total > 1) memmove(state, state + 1, (size_t)(total - 1) * sizeof(int16_t));
  /* Feature projection into the newest slot of each filter's memory. */
  for (b = 0; b < p->batches; b++)
    for (f = 0; f < p->filters; f++) {
      int32_t dot = 0;
      for (c = 0; c < p->input_size; c++) dot += (int32_t)w_feature[f * p->input_size + c] * ((int32_t)x[b * p->input_size + c] - p->input_zp);
      dot = clamp32(mpq_mul_by_qm(dot, p->mult_a, p->shift_a), -32768, 32767);
      state[(b * p->filters + f) * p->memory + p->memory - 1] = (int16_t)dot;
    }
  /* Time filter, summed over the rank into each unit, plus bias, requantized. */
  for (b = 0; b < p->batches; b++)
    for (u = 0; u < p->units; u++) {
      int32_t acc = bias != 0 ? bias[u] : 0;
      for (r = 0; r < p->rank; r++) {
        f = u * p->rank + r;
        for (j = 0; j < p->memory; j++) acc += (int32_t)w_time[f * p->memory + j] * (int32_t)state[(b * p->filters + f) * p->memory + j];
      }
      y[b * p->units + u] = (int8_t)clamp32(mpq_mul_by_qm(acc, p->mult_b, p->shift_b) + p->output_zp, p->act_min, p->act_max);
    }
  return MP_OK;
}
