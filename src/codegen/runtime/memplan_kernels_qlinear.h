/*
 * memplan_kernels_qlinear.h - portable C99 integer kernels for quantized ONNX layers (QLinearConv,
 * QLinearMatMul, ConvInteger, MatMulInteger and the QDQ patterns memplan folds into them), with
 * onnxruntime's CPU arithmetic:
 *   - int32 accumulators of (x - x_zero_point) * (w - w_zero_point), plus the int32 bias;
 *   - requantization by a float multiplier (x_scale * w_scale[channel] / y_scale, computed in float
 *     by the generator): v = (float)acc * multiplier, clamped to [act_min - y_zp, act_max - y_zp],
 *     rounded to nearest with ties to even (nearbyintf in the default rounding mode), plus y_zp;
 *   - element-wise ops, pools and conversions in float on dequantized values, as onnxruntime's
 *     QLinearAdd / QLinearMul and its QuantizeLinear (round half to even after division by the scale).
 * Layout NCHW; weights [m][c/group][kh][kw] (conv), [k][n] or [n][k] (gemm). Element types are given
 * by a code (MPQL_U8, MPQL_S8, MPQL_S32). No kernel allocates memory or keeps state. Each returns
 * MP_OK (0) or MP_EPARAM (2) on a bad parameter.
 */
#ifndef MEMPLAN_KERNELS_QLINEAR_H
#define MEMPLAN_KERNELS_QLINEAR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MP_OK
#define MP_OK 0
#endif
#ifndef MP_EPARAM
#define MP_EPARAM 2
#endif

/* Element type codes. */
#define MPQL_U8 0
#define MPQL_S8 1
#define MPQL_S32 2

/* onnxruntime's requantization of one accumulator (see the file comment). */
int32_t mpql_requantize(int32_t acc, float multiplier, int32_t zero_point, int32_t act_min, int32_t act_max);

typedef struct {
  long n, c, h, w;               /* input NCHW */
  long m, oh, ow;                /* output channels and size */
  long kh, kw, group;
  long stride_h, stride_w, dil_h, dil_w;
  long pad_top, pad_left;
  int x_type, w_type, y_type;    /* y_type MPQL_S32: the accumulators themselves (ConvInteger) */
  int32_t x_zero_point, y_zero_point;
  const int32_t *w_zero_point;   /* w_zp_count values: 1 or m */
  long w_zp_count;
  const float *multiplier;       /* mult_count values: 1 or m; unused for MPQL_S32 */
  long mult_count;
  int32_t act_min, act_max;      /* output clamp (fused Relu/Clip), within the type's range */
  long x_plane, y_plane;         /* elements between channel planes (a window of rows in a taller tensor); 0: h*w, oh*ow */
} mpql_conv_params;

/* QLinearConv / ConvInteger: bias int32 [m] or NULL. */
int mpql_conv(const mpql_conv_params *p, const void *x, const void *w, const int32_t *bias, void *y);

typedef struct {
  long m, k, n;                  /* y[m][n] = a[m][k] * b */
  int trans_b;                   /* b is [n][k] when set, else [k][n] */
  int a_type, b_type, y_type;
  int32_t a_zero_point, y_zero_point;
  const int32_t *b_zero_point;   /* b_zp_count values: 1 or n */
  long b_zp_count;
  const float *multiplier;       /* mult_count values: 1 or n */
  long mult_count;
  int32_t act_min, act_max;
  long b_ld;                     /* elements between rows of b (a column window of a wider b); 0: k (trans_b) or n */
} mpql_gemm_params;

/* QLinearMatMul / QGemm / MatMulInteger: bias int32 [n] or NULL. */
int mpql_gemm(const mpql_gemm_params *p, const void *a, const void *b, const int32_t *bias, void *y);

typedef struct {
  long a_shape[6], b_shape[6], y_shape[6]; /* numpy broadcasting, right-aligned, padded with 1 */
  int a_type, b_type, y_type;
  float a_scale, b_scale, y_scale;
  int32_t a_zero_point, b_zero_point, y_zero_point;
  int32_t act_min, act_max;
} mpql_binary_params;

/*
 * QLinearAdd: y = round_even(clamp((a_scale (a - a_zp) + b_scale (b - b_zp)) / y_scale) + y_zp), the zero
 * point added in float before the rounding as onnxruntime's portable kernel does; QLinearMul likewise.
 */
int mpql_add(const mpql_binary_params *p, const void *a, const void *b, void *y);
/* QLinearMul: y = round_even(clamp(a_scale (a - a_zp) * b_scale (b - b_zp) / y_scale) + y_zp). */
int mpql_mul(const mpql_binary_params *p, const void *a, const void *b, void *y);

/* Global average pool over [n*c][hw]: sum of (x - x_zp) requantized by multiplier (x_scale / (y_scale hw)). */
int mpql_global_avgpool(long nc, long hw, const void *x, int x_type, int32_t x_zero_point, void *y, int y_type,
                        float multiplier, int32_t y_zero_point, int32_t act_min, int32_t act_max);

typedef struct {
  long n, c, h, w, oh, ow, kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
  int type;                      /* input and output element type */
  int same;                      /* 1: output parameters equal the input's (the max is stored as is) */
  float x_scale, y_scale;
  int32_t x_zero_point, y_zero_point, act_min, act_max;
  long x_plane, y_plane;         /* elements between channel planes; 0: h*w, oh*ow */
} mpql_maxpool_params;

/* MaxPool of integers (padding never wins); requantized in float when the parameters differ. */
int mpql_maxpool(const mpql_maxpool_params *p, const void *x, void *y);

/*
 * x (integers) -> y (integers): y = clamp(round_even(((x - x_zp) * x_scale) / y_scale) + y_zp, lo, hi)
 * in float (onnxruntime's DequantizeLinear then QuantizeLinear); a plain copy when the parameters and
 * types are equal and the clamp is the type's range.
 */
int mpql_requantize_copy(long count, const void *x, int x_type, float x_scale, int32_t x_zero_point, void *y,
                         int y_type, float y_scale, int32_t y_zero_point, int32_t lo, int32_t hi);

/* Concatenation of `count` inputs along an axis: input i is [outer][lens[i] * inner]. */
int mpql_concat(int count, const void *const *xs, const long *lens, const int *x_types, const float *x_scales,
                const int32_t *x_zero_points, long outer, long inner, void *y, int y_type, float y_scale,
                int32_t y_zero_point, int32_t lo, int32_t hi);

/* y[i] = table[x[i] - first code] (256 entries: uint8 0..255, int8 -128..127); Sigmoid, Tanh. */
int mpql_lookup(long count, const void *x, int x_type, const int32_t *table, void *y, int y_type);

/* QuantizeLinear: q = saturate(round_even(x / scale) + zero_point) (division, then clamp, then round). */
int mpql_quantize(long count, const float *x, void *y, int y_type, float scale, int32_t zero_point);
/* DequantizeLinear: x = (float)(q - zero_point) * scale. */
int mpql_dequantize(long count, const void *q, int q_type, float scale, int32_t zero_point, float *y);

#ifdef __cplusplus
}
#endif

#endif /* MEMPLAN_KERNELS_QLINEAR_H */
