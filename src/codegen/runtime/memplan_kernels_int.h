/*
 * memplan_kernels_int.h - portable C99 integer kernels (int8 and int16x8) called by memplan-generated
 * code for quantized TFLite layers, with TensorFlow Lite Micro's reference arithmetic:
 *   - per-channel requantization by a fixed-point multiplier (Q31) and a power-of-two shift;
 *   - int32 accumulators for int8 activations (with the input offset), int64 for int16 activations;
 *   - rounding: saturating rounding doubling high multiply, then rounding divide by a power of two
 *     (the gemmlowp pair) for int32 values; for int64 accumulators the multiplier is reduced to
 *     Q15 and rounded once, as TFLite Micro does;
 *   - saturation to the activation range [act_min, act_max] of the layer's fused activation.
 * Layout is NHWC, filters OHWI (conv), 1HWC (depthwise), OI (fully connected).
 * No kernel allocates memory or keeps state; results are deterministic and identical on every host.
 * Each returns MP_OK (0) or MP_EPARAM (2) on a bad parameter.
 */
#ifndef MEMPLAN_KERNELS_INT_H
#define MEMPLAN_KERNELS_INT_H

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

/* ---- fixed-point primitives ------------------------------------------------------------------ */

/* round(a * b / 2^31), saturated (the only overflow: a == b == INT32_MIN). */
int32_t mpq_srdhm(int32_t a, int32_t b);
/* x / 2^exponent rounded to nearest, ties away from zero; 0 <= exponent <= 31. */
int32_t mpq_rdbpot(int32_t x, int exponent);
/* x * multiplier * 2^shift with multiplier in Q31 (shift < 0: right shift), int32 path. */
int32_t mpq_mul_by_qm(int32_t x, int32_t multiplier, int shift);
/* The same for an int64 accumulator (int16x8 layers): multiplier reduced to Q15, one rounding. */
int32_t mpq_mul_by_qm64(int64_t x, int32_t multiplier, int shift);

/* ---- convolution and dense ------------------------------------------------------------------- */

typedef struct {
  long batches, in_h, in_w, in_c;   /* input NHWC */
  long out_h, out_w, out_c;         /* output NHWC (same batches) */
  long k_h, k_w, k_c;               /* filter: [out_c][k_h][k_w][k_c] (conv), [1][k_h][k_w][out_c] (depthwise) */
  long stride_h, stride_w, dil_h, dil_w;
  long pad_h, pad_w;                /* padding before the first row / column */
  long depth_multiplier;            /* depthwise only */
  int32_t in_offset;                /* -(input zero point); 0 for int16 */
  int32_t out_offset;               /* output zero point */
  int32_t act_min, act_max;
  const int32_t *multiplier;        /* per output channel (Q31) */
  const int32_t *shift;             /* per output channel */
  long in_row;                      /* elements between input rows (a window of columns of a wider
                                       input, conv and depthwise); 0: in_w * in_c */
  long out_row;                     /* elements between output rows (a window of columns of a wider
                                       output, conv and depthwise); 0: out_w * out_c */
} mpq_conv_params;

int mpq_conv_s8(const mpq_conv_params *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
/* int16 activations, int8 weights; bias is int64 (bias64) or int32 (bias32) or absent (both NULL). */
int mpq_conv_s16(const mpq_conv_params *p, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y);
/*
 * The same on a window of output channels of a wider output: px elements between output pixels (0:
 * out_c; out_row then defaults to out_w * px), out_c channels from y; w, bias, multiplier and shift
 * start at the window's first channel.
 */
int mpq_conv_px_s8(const mpq_conv_params *p, long px, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
int mpq_conv_px_s16(const mpq_conv_params *p, long px, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y);
/*
 * Depthwise on a window of channels of a wider input and output (depth multiplier one): ipx / px
 * elements between input / output pixels (0: in_c / out_c), in_c == out_c channels from x and y; w
 * ([1][k_h][k_w][C], taps wpx elements apart: 0 for a filter of the window's channels only, C for the
 * whole filter read in place), bias, multiplier and shift start at the window's first channel.
 */
int mpq_dwconv_px_s8(const mpq_conv_params *p, long ipx, long px, long wpx, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
int mpq_dwconv_px_s16(const mpq_conv_params *p, long ipx, long px, long wpx, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y);
int mpq_dwconv_s8(const mpq_conv_params *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
int mpq_dwconv_s16(const mpq_conv_params *p, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y);

/*
 * Transpose convolution (TFLite's TRANSPOSE_CONV): output (oy, ox) sums input (iy, ix) through tap
 * (fy, fx) where oy = iy * stride_h - pad_h + fy; filter [out_c][k_h][k_w][in_c]; no scratch memory.
 */
int mpq_tconv_s8(const mpq_conv_params *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
int mpq_tconv_s16(const mpq_conv_params *p, const int16_t *x, const int8_t *w, const int64_t *bias64, int16_t *y);

typedef struct {
  long batches, depth, units;       /* y[b][u] = sum_d w[u][d] * x[b][d] */
  int32_t in_offset, w_offset, out_offset;
  int32_t act_min, act_max;
  const int32_t *multiplier;        /* per unit when per_channel, else one */
  const int32_t *shift;
  int per_channel;
} mpq_fc_params;

int mpq_fc_s8(const mpq_fc_params *p, const int8_t *x, const int8_t *w, const int32_t *bias, int8_t *y);
int mpq_fc_s16(const mpq_fc_params *p, const int16_t *x, const int8_t *w, const int64_t *bias64, const int32_t *bias32, int16_t *y);

/* ---- elementwise --------------------------------------------------------------------------- */

/* Shapes of a broadcast binary op, right-aligned to 6 dims (missing dims are 1). */
typedef struct {
  long a[6], b[6], y[6];
} mpq_bcast;

typedef struct {
  int32_t in1_offset, in2_offset, out_offset;   /* -(zero points) for inputs, + for the output */
  int left_shift;                               /* 20 for int8, 15 for int16 (add/sub) */
  int32_t in1_multiplier, in2_multiplier, out_multiplier;
  int in1_shift, in2_shift, out_shift;
  int32_t act_min, act_max;
} mpq_arith_params;

/* ADD / SUB: TFLite's general quantized path (inputs rescaled to a common scale, summed, rescaled). */
int mpq_add_s8(const mpq_arith_params *p, const mpq_bcast *s, const int8_t *a, const int8_t *b, int8_t *y, int subtract);
int mpq_add_s16(const mpq_arith_params *p, const mpq_bcast *s, const int16_t *a, const int16_t *b, int16_t *y, int subtract);
/* MUL: (a + off1) * (b + off2) requantized by out_multiplier / out_shift. */
int mpq_mul_s8(const mpq_arith_params *p, const mpq_bcast *s, const int8_t *a, const int8_t *b, int8_t *y);
int mpq_mul_s16(const mpq_arith_params *p, const mpq_bcast *s, const int16_t *a, const int16_t *b, int16_t *y);

/* ---- pooling and reduction --------------------------------------------------------------------- */

typedef struct {
  long batches, in_h, in_w, c, out_h, out_w;
  long k_h, k_w, stride_h, stride_w, pad_h, pad_w;
  int32_t act_min, act_max;
  long in_row, out_row;             /* elements between input / output rows (windows of columns of
                                       wider tensors); 0: in_w * c, out_w * c */
} mpq_pool_params;

int mpq_avgpool_s8(const mpq_pool_params *p, const int8_t *x, int8_t *y);
int mpq_avgpool_s16(const mpq_pool_params *p, const int16_t *x, int16_t *y);
int mpq_maxpool_s8(const mpq_pool_params *p, const int8_t *x, int8_t *y);
int mpq_maxpool_s16(const mpq_pool_params *p, const int16_t *x, int16_t *y);

/*
 * MEAN over the middle dims of [outer][count][inner] (e.g. H*W of NHWC): the sum of `count` values
 * per (outer, inner), minus count * input zero point, requantized by multiplier/shift (which carry
 * input_scale / (output_scale * count) when the scales differ), plus the output zero point.
 * When same_scale, TFLite's integer rounding division by count is used instead.
 */
int mpq_mean_s8(long outer, long count, long inner, const int8_t *x, int8_t *y, int32_t in_zp, int32_t out_zp,
                int same_scale, int32_t multiplier, int shift);
/*
 * The same on a window of the inner dim (a tile of channels of a wider tensor): x[o][k][i] at
 * (o * count + k) * ipx + i, y[o][i] at o * opx + i (ipx, opx >= inner; 0: inner).
 */
int mpq_mean_px_s8(long outer, long count, long inner, long ipx, long opx, const int8_t *x, int8_t *y, int32_t in_zp,
                   int32_t out_zp, int same_scale, int32_t multiplier, int shift);

/* ---- conversion and activations ---------------------------------------------------------------- */

/* Requantize: y = clamp(mul_by_qm(x - in_zp, multiplier, shift) + out_zp, out_min, out_max). */
int mpq_requantize(long n, const void *x, int x_bits, void *y, int y_bits, int32_t in_zp, int32_t out_zp,
                   int32_t multiplier, int shift);
/* QUANTIZE from float: y = clamp(round(x / scale) + zp) (the division in float, ties away from zero). */
int mpq_quantize_f32(long n, const float *x, void *y, int y_bits, float scale, int32_t zp);
/* DEQUANTIZE: y = scale * (x - zp) in float. */
int mpq_dequantize(long n, const void *x, int x_bits, float *y, float scale, int32_t zp);
/* Clamp to [act_min, act_max] (RELU, RELU6 and RELU_N1_TO_1 on the same scale as the input). */
int mpq_clamp(long n, const void *x, void *y, int bits, int32_t act_min, int32_t act_max);
/*
 * LEAKY_RELU (TFLite's QuantizeLeakyRelu): v = x - in_zp; y = out_zp + (v >= 0 ? v * identity : v * alpha),
 * both factors as multiplier/shift pairs; saturated to the type.
 */
int mpq_leaky_relu(long n, const void *x, void *y, int bits, int32_t in_zp, int32_t out_zp, int32_t mult_identity,
                   int shift_identity, int32_t mult_alpha, int shift_alpha);
/* A 256-entry lookup (int8 -> int8): LOGISTIC, TANH, LEAKY_RELU ... with the table built by codegen. */
int mpq_lut_s8(long n, const int8_t *x, int8_t *y, const int8_t *table);
/*
 * SOFTMAX over the last dim of [rows][depth], int8 in, int8 (y_bits 8; zero point -128, scale 1/256)
 * or int16 (y_bits 16; zero point -32768, scale 1/65536) out: TFLite Micro's integer algorithm
 * (gemmlowp fixed-point exp and reciprocal).
 */
int mpq_softmax_s8(long rows, long depth, const int8_t *x, void *y, int y_bits, int32_t input_multiplier,
                   int input_left_shift, int32_t diff_min);

/* ---- data movement ---------------------------------------------------------------------------- */

/* N-d transpose (rank <= 6): y[i_perm] = x[i]; elem_bytes 1, 2 or 4. */
int mpq_transpose(int rank, const long *x_dims, const int *perm, const void *x, void *y, int elem_bytes);
/* N-d constant pad (rank <= 6): before[d] / after[d] elements; padding value `pad_value`. */
int mpq_pad(int rank, const long *x_dims, const long *before, const long *after, const void *x, void *y,
            int elem_bytes, int32_t pad_value);
/* Strided slice (rank <= 6): y = x[start[d] :: stride[d]] for count[d] elements per dim. */
int mpq_strided_slice(int rank, const long *x_dims, const long *start, const long *stride, const long *count,
                      const void *x, void *y, int elem_bytes);
/* Concatenation along `axis` of n inputs with equal dims except on axis (outer x axis_len_i x inner). */
int mpq_concat(int n, const void *const *xs, const long *axis_lens, long outer, long inner, void *y, int elem_bytes);

/* ---- stateful ------------------------------------------------------------------------------- */

/*
 * SVDF, int8 input / int16 state / int8 output (TFLite Micro's EvalIntegerSvdfReference):
 * state [batches][filters][memory] shifts left by one element each call, the newest feature projection
 * is written at the end of each filter's memory; the time filter is summed over the rank per unit.
 */
typedef struct {
  long batches, input_size, filters, memory, rank, units;
  int32_t input_zp, output_zp;
  int32_t mult_a, mult_b;   /* feature projection -> state (int16), time -> output */
  int shift_a, shift_b;
  int32_t act_min, act_max;
} mpq_svdf_params;

int mpq_svdf_s8(const mpq_svdf_params *p, const int8_t *x, const int8_t *w_feature, const int16_t *w_time,
                const int32_t *bias, int16_t *state, int8_t *y);

#ifdef __cplusplus
}
#endif

#endif /* MEMPLAN_KERNELS_INT_H */
