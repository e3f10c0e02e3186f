/*
 * memplan_kernels.h - portable C99 float32 (and int8 quantization) kernels called by memplan-generated code.
 *
 * No kernel allocates memory, keeps state between calls or depends on anything but its arguments:
 * results are deterministic. Sizes and indices are `long`; shapes are outermost first (ONNX order).
 *
 * Tensor windows (mp_window): a 4-D NCHW float32 tensor, or a part of it, as seen by one tile.
 * The window holds channels [c0, c0+c) and rows [h0, h0+h) of the full tensor (full_c x full_h x full_w),
 * all n images and the full width (w is never split, so w == full_w). `data` points at the window's
 * element (n=0, c=c0, h=h0, w=0); element (n, c0+ci, h0+hi, wi) is
 *   data[n*sn + ci*sc + hi*sh + wi*sw].
 * The window may live anywhere: in the full tensor (strides of the full tensor, data offset to the
 * origin) or in an SRAM tile buffer (compact strides). A kernel computes exactly one output window,
 * reading whatever input rows/channels it needs from the input window; input rows that fall outside
 * the FULL input (row < 0 or row >= full_h, likewise columns) are padding. Rows inside the full input
 * but outside the window are an error: the kernel returns MP_EWINDOW before writing anything.
 * Calling a kernel with full-tensor windows computes the whole layer; calling it per tile computes
 * bit-identical results (every output element is computed by the same operations in the same order).
 * Kernels never write through an input window (they take it as `const mp_window *`), so a window over
 * read-only data may be built with a cast of its pointer.
 *
 * The interface, for a port (the generated model.c calls only what this header declares):
 *   - Every kernel is a plain C99 function: arguments in, results written to the output pointer or
 *     window it is given, no global state, no allocation, no I/O. Windows and shapes are described above
 *     and at each declaration; float32 unless the name says otherwise (s8/u8/integer kernels).
 *   - Kernels that return `int` return MP_OK, or MP_EWINDOW / MP_EPARAM without having written
 *     anything; model.c stops the model with that code and model_error_layer() names the layer.
 *   - Outputs never alias inputs unless a declaration says so; memplan's plan guarantees it.
 *   - Replacing a kernel with the chip's own (SIMD intrinsics, CMSIS-NN, a vendor library): write a
 *     function with exactly the declared signature and meaning in your own .c file, and compile
 *     memplan_kernels.c with -DMP_REPLACE_<NAME> to leave memplan's definition out. Replaceable this
 *     way: MP_REPLACE_MP_CONV2D, MP_REPLACE_MP_GEMM, MP_REPLACE_MP_MATMUL, MP_REPLACE_MP_GLOBAL_AVGPOOL,
 *     MP_REPLACE_MP_SOFTMAX. The generated Makefile takes them as
 *       make USER_KERNELS=my_conv.c KERNEL_FLAGS=-DMP_REPLACE_MP_CONV2D
 *     A replacement must give the same results within float rounding for every window it is called
 *     with (tiles at any offset, padding rows outside the full tensor), which the host runner's outputs
 *     let you check against memplan's own kernels on the same input files.
 */
#ifndef MEMPLAN_KERNELS_H
#define MEMPLAN_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP_OK 0
/* The input window does not cover the rows/channels the output window needs, or the windows disagree. */
#define MP_EWINDOW 1
/* A parameter is out of range (bad rank, zero stride, unknown op ...). */
#define MP_EPARAM 2

/* Largest rank accepted by the N-d kernels (binary, transpose, pad, slice, resize, reduce). */
#define MP_MAX_RANK 8

typedef struct {
  float *data;              /* element (n=0, c=c0, h=h0, w=0) of the window */
  long n, c, h, w;          /* extents of the window */
  long c0, h0;              /* origin of the window in the full tensor */
  long full_c, full_h, full_w; /* dims of the full tensor (full_w == w) */
  long sn, sc, sh, sw;      /* element strides */
} mp_window;

/* A window covering the whole contiguous NCHW tensor at `data`. */
mp_window mp_window_full(float *data, long n, long c, long h, long w);
/*
 * A window of channels [c0, c0+c) and rows [h0, h0+h) of a tensor with dims (n, full_c, full_h, full_w),
 * stored compactly (strides c*h*w, h*w, w, 1) at `data` (e.g. an SRAM tile buffer).
 */
mp_window mp_window_tile(float *data, long n, long c0, long c, long h0, long h,
                         long full_c, long full_h, long full_w);
/* The same window as it sits inside the contiguous full tensor `full` (strides of the full tensor). */
mp_window mp_window_in_full(float *full, long n, long c0, long c, long h0, long h,
                            long full_c, long full_h, long full_w);

/* Activation fused into conv / gemm / matmul outputs (applied after the bias). */
typedef enum {
  MP_ACT_NONE = 0,
  MP_ACT_RELU,        /* max(x, 0) */
  MP_ACT_RELU6,       /* min(max(x, 0), 6) */
  MP_ACT_CLIP,        /* min(max(x, a), b) */
  MP_ACT_LEAKY,       /* x >= 0 ? x : a*x */
  MP_ACT_SIGMOID,     /* 1 / (1 + exp(-x)) */
  MP_ACT_HARDSIGMOID, /* max(0, min(1, a*x + b)) */
  MP_ACT_HARDSWISH    /* x * max(0, min(1, x/6 + 1/2)) */
} mp_act_kind;

typedef struct {
  mp_act_kind kind;
  float a, b;
} mp_act;

/* Applies an activation to one value. */
float mp_act_apply(mp_act act, float x);

/* ---- convolution and pooling on windows ------------------------------------------------------ */

typedef struct {
  long kh, kw;               /* kernel size (1 x k for a 1-D convolution) */
  long stride_h, stride_w;   /* >= 1 */
  long dil_h, dil_w;         /* >= 1 */
  long pad_top, pad_left;    /* leading pads; trailing pads are implied by the output's full size */
  long groups;               /* >= 1; full_c of input and output are multiples of it */
  mp_act act;
} mp_conv_params;

/*
 * 2-D convolution (ONNX Conv, NCHW, any groups incl. depthwise). Computes the output window `y`
 * (channels [y->c0, y->c0+y->c), rows [y->h0, y->h0+y->h), all columns) from the input window `x`.
 * weights: [full output channels][x->full_c / groups][kh][kw]; bias: [full output channels] or NULL.
 * Output pixel (oy, ox) reads input rows oy*stride_h - pad_top + ky*dil_h (likewise columns); input
 * positions outside the full input are zero. `x` must cover, for every output channel of `y`, the
 * input channels of its group, and every input row inside the full input that the output rows read.
 * x->n == y->n; y must not overlap x (the output rows are used as accumulators).
 * Because windows carry their own strides, y may sit inside a larger tensor (e.g. a channel range of a
 * Concat output: data at the concat channel offset, c0/full_c those of the conv, sn of the concat), so
 * a Concat needs no copy. Returns MP_OK, MP_EWINDOW or MP_EPARAM (nothing written on error).
 */
int mp_conv2d(const mp_window *x, mp_window *y, const float *weights, const float *bias,
              const mp_conv_params *p);

/*
 * One input-channel slice of an ungrouped 2-D convolution (a reduction split): adds the taps of input
 * channels [x->c0, x->c0 + x->c) into the output window y, which accumulates the partial sums over
 * the slices (e.g. an SRAM accumulator tile). first != 0: y starts from the bias (or zero); last != 0:
 * the activation is applied after this slice. Calling it for consecutive slices that cover every
 * input channel, in order, computes exactly what one mp_conv2d call computes (same operations in the
 * same order per output element). groups must be 1. Returns MP_OK, MP_EWINDOW or MP_EPARAM.
 */
int mp_conv2d_slice(const mp_window *x, mp_window *y, const float *weights, const float *bias,
                    const mp_conv_params *p, int first, int last);

/*
 * 2-D transposed convolution (ONNX ConvTranspose). weights: [x->full_c][full_out_c / groups][kh][kw];
 * bias: [full_out_c] or NULL. Output pixel (oy, ox) = bias + sum over input pixels (iy, ix) with
 * oy = iy*stride_h - pad_top + ky*dil_h (likewise ox). output_padding is expressed by the caller's
 * output size. x must hold the needed input channels (those of the output channels' groups) and
 * every input row that contributes to an output row of y. Returns MP_OK / MP_EWINDOW / MP_EPARAM.
 */
int mp_conv_transpose2d(const mp_window *x, mp_window *y, const float *weights, const float *bias,
                        const mp_conv_params *p);

typedef struct {
  long kh, kw;
  long stride_h, stride_w;
  long dil_h, dil_w;
  long pad_top, pad_left, pad_bottom, pad_right;
  int count_include_pad;     /* average pool only: divide by the window size clipped to the padded input */
} mp_pool_params;

/*
 * Max pool / average pool (ONNX MaxPool, AveragePool) of one output window; channels are pooled
 * independently, so y's channels [c0, c0+c) read the same channels of x. Max pool treats positions
 * outside the full input as -inf; average pool excludes them from the sum and, unless
 * count_include_pad, from the divisor (with count_include_pad the divisor counts the window positions
 * inside [-pad_top, full_h + pad_bottom) x [-pad_left, full_w + pad_right)). ceil_mode is expressed by
 * the caller's output size. Returns MP_OK / MP_EWINDOW / MP_EPARAM.
 */
int mp_maxpool2d(const mp_window *x, mp_window *y, const mp_pool_params *p);
int mp_avgpool2d(const mp_window *x, mp_window *y, const mp_pool_params *p);

/*
 * Tiling helpers: the rows [*lo, *hi] of the full input (clamped to [0, full_in_h), *lo > *hi when none)
 * that output rows [oy0, oy0 + oh) of mp_conv2d / mp_maxpool2d / mp_avgpool2d (use the same kh, stride_h,
 * dil_h, pad_top) or of mp_conv_transpose2d read, and the input channels [*c_lo, *c_hi) that output
 * channels [oc0, oc0 + oc) of a grouped convolution read. An input window holding exactly these is enough.
 */
void mp_conv_input_rows(long kh, long stride_h, long dil_h, long pad_top, long full_in_h, long oy0, long oh,
                        long *lo, long *hi);
void mp_conv_transpose_input_rows(long kh, long stride_h, long dil_h, long pad_top, long full_in_h, long oy0,
                                  long oh, long *lo, long *hi);
void mp_conv_input_channels(long groups, long full_in_c, long full_out_c, long oc0, long oc, long *c_lo,
                            long *c_hi);

/* GlobalAveragePool / GlobalMaxPool: x is [nc][hw] contiguous, y is [nc]. */
void mp_global_avgpool(const float *x, float *y, long nc, long hw);
void mp_global_maxpool(const float *x, float *y, long nc, long hw);

/*
 * BatchNormalization (inference): y[n][c][i] = (x[n][c][i] - mean[c]) / sqrt(var[c] + eps) * scale[c]
 * + bias[c] for x, y contiguous [n][c][hw]. y may equal x.
 */
void mp_batchnorm(const float *x, float *y, long n, long c, long hw, const float *scale, const float *bias,
                  const float *mean, const float *var, float eps);

/*
 * LRN across channels: y = x / (bias + alpha/size * sum of x^2 over channels
 * [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta. x, y contiguous [n][c][hw], y != x.
 */
void mp_lrn(const float *x, float *y, long n, long c, long hw, long size, float alpha, float beta, float bias);

/*
 * InstanceNormalization: per (n, c) over hw, y = scale[c] * (x - mean) / sqrt(var + eps) + bias[c].
 * y may equal x.
 */
void mp_instancenorm(const float *x, float *y, long n, long c, long hw, const float *scale, const float *bias,
                     float eps);

/*
 * LayerNormalization: x viewed as [outer][inner] (inner = product of the normalized dims, axis..end);
 * y = (x - mean) / sqrt(var + eps) * scale + bias per row, with scale/bias of `inner` elements
 * (or `scale_count`/`bias_count` == 1: one value for all). bias may be NULL. mean_out and inv_std_out
 * ([outer], optional, may be NULL) receive each row's mean and 1/sqrt(var + eps). y may equal x.
 */
void mp_layernorm(const float *x, float *y, long outer, long inner, const float *scale, long scale_count,
                  const float *bias, long bias_count, float eps, float *mean_out, float *inv_std_out);

/* ---- matrix products --------------------------------------------------------------------------- */

/*
 * Gemm: Y[m][n] = act(alpha * sum_k A'[m][k] * B'[k][n] + beta * C[m % c_rows][n % c_cols]) for rows
 * m in [m_begin, m_end) of Y (Y is [M][N] contiguous; other rows untouched).
 * A' = transA ? A^T : A with A stored [M][K] (or [K][M] when transposed); likewise B [K][N] or [N][K].
 * C is NULL (no bias term) or [c_rows][c_cols] with c_rows in {1, M}, c_cols in {1, N}.
 * Y must not alias A, B or C. Rows may be split across cores (disjoint [m_begin, m_end) per core).
 */
void mp_gemm(const float *A, const float *B, const float *C, float *Y, long M, long N, long K, int transA,
             int transB, float alpha, float beta, long c_rows, long c_cols, long m_begin, long m_end, mp_act act);

/*
 * MatMul with broadcast batch dimensions: for every batch index i (row-major over batch_shape,
 * batch_rank 0..MP_MAX_RANK), Y_i[M][N] = A_i[M][K] * B_i[K][N], where A_i starts at
 * A + sum_d i_d * a_batch_strides[d] (0 for a broadcast dim), likewise B_i, and Y is contiguous
 * [batch..][M][N]. 1-D operands are passed as M == 1 or N == 1.
 * Returns MP_OK or MP_EPARAM.
 */
int mp_matmul(const float *A, const float *B, float *Y, int batch_rank, const long *batch_shape,
              const long *a_batch_strides, const long *b_batch_strides, long M, long N, long K, mp_act act);

/* ---- elementwise -------------------------------------------------------------------------------- */

typedef enum {
  MP_BIN_ADD = 0, MP_BIN_SUB, MP_BIN_MUL, MP_BIN_DIV, MP_BIN_POW, MP_BIN_MAX, MP_BIN_MIN,
  MP_BIN_PRELU,  /* a >= 0 ? a : a * b (b = slope) */
  MP_BIN_MOD_FMOD /* fmod(a, b) (ONNX Mod with fmod=1) */
} mp_binop;

/*
 * Binary op with ONNX multidirectional broadcasting. The output is contiguous with shape
 * out_shape[0..rank) (rank 0..MP_MAX_RANK); a_strides/b_strides give, per output dim, the element
 * stride of that dim in a/b (0 where the operand is broadcast). Computes output elements
 * [begin, end) (flat row-major indices) only. y may alias a or b when that operand is not broadcast.
 * MAX/MIN propagate NaN. Returns MP_OK or MP_EPARAM.
 */
int mp_binary(mp_binop op, int rank, const long *out_shape, const float *a, const long *a_strides,
              const float *b, const long *b_strides, float *y, long begin, long end);

/*
 * Fills strides[0..out_rank) for an operand of shape in_shape[0..in_rank) broadcast to an output of
 * rank out_rank (dims aligned right, size-1 dims get stride 0). Returns MP_OK or MP_EPARAM.
 */
int mp_broadcast_strides(int in_rank, const long *in_shape, int out_rank, long *strides);

typedef enum {
  MP_UN_RELU = 0, MP_UN_LEAKYRELU /* a = alpha */, MP_UN_SIGMOID, MP_UN_HARDSIGMOID /* a = alpha, b = beta */,
  MP_UN_HARDSWISH, MP_UN_TANH, MP_UN_CLIP /* a = min, b = max */, MP_UN_SQRT, MP_UN_EXP, MP_UN_LOG, MP_UN_ABS,
  MP_UN_NEG, MP_UN_RECIPROCAL, MP_UN_ERF, MP_UN_FLOOR, MP_UN_CEIL, MP_UN_ELU /* a = alpha */,
  MP_UN_SELU /* a = alpha, b = gamma */, MP_UN_SOFTPLUS, MP_UN_GELU /* exact (erf) */,
  MP_UN_GELU_TANH /* tanh approximation */, MP_UN_SOFTSIGN, MP_UN_SIGN, MP_UN_ROUND /* half to even */,
  MP_UN_SIN, MP_UN_COS, MP_UN_TAN, MP_UN_ASIN, MP_UN_ACOS, MP_UN_ATAN, MP_UN_SINH, MP_UN_COSH, MP_UN_ASINH,
  MP_UN_ACOSH, MP_UN_ATANH, MP_UN_THRESHOLDEDRELU /* a = alpha */, MP_UN_CELU /* a = alpha */,
  MP_UN_MISH, MP_UN_IDENTITY, MP_UN_SCALE /* a*x + b */, MP_UN_SHRINK /* a = lambd, b = bias */,
  MP_UN_SILU /* x * sigmoid(x): a fused x*Sigmoid(x) */,
  MP_UN_HARDSIGMOID_GATE /* x * max(0, min(1, a*x + b)): a fused x*HardSigmoid(x) */
} mp_unop;

/* y[i] = op(x[i]) for i in [0, count); y may equal x. Returns MP_OK or MP_EPARAM (unknown op). */
int mp_unary(mp_unop op, const float *x, float *y, long count, float a, float b);

/*
 * Softmax / LogSoftmax over the middle dim of x viewed as [outer][axis_len][inner] (contiguous).
 * Opset >= 13: outer = prod(dims before axis), axis_len = dims[axis], inner = prod(dims after axis).
 * Opset < 13 (flatten semantics): outer = prod(dims before axis), axis_len = prod(dims from axis), inner = 1.
 * y may not alias x.
 */
void mp_softmax(const float *x, float *y, long outer, long axis_len, long inner, int log_softmax);

/* ---- data movement ------------------------------------------------------------------------------ */

/* Copies rows x row_elems floats: dst[r*dst_stride + i] = src[r*src_stride + i]. Non-overlapping. */
void mp_copy2d(float *dst, const float *src, long rows, long row_elems, long dst_stride, long src_stride);

/*
 * Concat along an axis, one input at a time: y is viewed as [outer][y_axis_inner], input x as
 * [outer][x_axis_inner] (axis_inner = dims[axis] * prod(dims after axis)); x is copied to columns
 * [offset, offset + x_axis_inner) of y. Call once per input with increasing offsets.
 */
void mp_concat_part(const float *x, float *y, long outer, long x_axis_inner, long y_axis_inner, long offset);

/*
 * Expand (broadcast copy): y (contiguous, shape y_shape, rank 0..MP_MAX_RANK) gets y[i] = x at the
 * offset given by x_strides (per output dim, 0 where x is broadcast; see mp_broadcast_strides).
 */
int mp_expand(const float *x, const long *x_strides, float *y, int rank, const long *y_shape);

/* Tile: y[i] = x[i mod x_shape] per dim, y_shape[d] a multiple of x_shape[d]. */
int mp_tile(const float *x, float *y, int rank, const long *x_shape, const long *y_shape);

/* Transpose: y = x with dims permuted, y_dims[i] = x_shape[perm[i]]. Returns MP_OK or MP_EPARAM. */
int mp_transpose(const float *x, float *y, int rank, const long *x_shape, const int *perm);

typedef enum { MP_PAD_CONSTANT = 0, MP_PAD_REFLECT, MP_PAD_EDGE, MP_PAD_WRAP } mp_pad_mode;

/*
 * Pad: y_shape[d] = x_shape[d] + pads_begin[d] + pads_end[d] (pads may be negative: cropping).
 * y[i] = x[i - pads_begin] where inside x, else per mode: constant `value`, reflect (mirror without
 * repeating the edge), edge (clamp), wrap (periodic). Returns MP_OK or MP_EPARAM.
 */
int mp_pad(const float *x, float *y, int rank, const long *x_shape, const long *pads_begin, const long *y_shape,
           mp_pad_mode mode, float value);

/*
 * Slice (copy): y[i] = x[starts + i * steps] per dim, y_shape given; starts already clamped/normalised
 * by the caller to valid indices (for every i < y_shape), steps non-zero (negative allowed).
 */
int mp_slice(const float *x, float *y, int rank, const long *x_shape, const long *starts, const long *steps,
             const long *y_shape);

/*
 * Gather along an axis with constant indices: x viewed as [outer][axis_len][inner], y as
 * [outer][nidx][inner]; y[o][j][i] = x[o][idx][i] with idx = indices[j] (+ axis_len if negative).
 * Returns MP_EPARAM if an index is out of range (nothing is written in that case).
 */
int mp_gather(const float *x, float *y, long outer, long axis_len, long inner, const int64_t *indices, long nidx);

typedef enum { MP_RESIZE_NEAREST = 0, MP_RESIZE_LINEAR, MP_RESIZE_CUBIC } mp_resize_mode;
typedef enum {
  MP_COORD_HALF_PIXEL = 0, MP_COORD_ASYMMETRIC, MP_COORD_ALIGN_CORNERS, MP_COORD_PYTORCH_HALF_PIXEL,
  MP_COORD_TF_HALF_PIXEL_FOR_NN, MP_COORD_HALF_PIXEL_SYMMETRIC
} mp_coord_mode;
typedef enum {
  MP_NEAREST_ROUND_PREFER_FLOOR = 0, MP_NEAREST_ROUND_PREFER_CEIL, MP_NEAREST_FLOOR, MP_NEAREST_CEIL
} mp_nearest_mode;

/*
 * Resize (and Upsample): output dims y_shape, per-dim scale factors `scales` (y = x * scale; when the
 * model gives sizes, the caller passes y_shape[d] / x_shape[d]). Output index o maps to the input coordinate
 *   half_pixel (o + 0.5)/scale - 0.5; asymmetric o/scale; pytorch_half_pixel like half_pixel but 0 when
 *   the output length is 1; tf_half_pixel_for_nn (o + 0.5)/scale; align_corners
 *   o * (in - 1) / (in*scale - 1) (0 when in*scale == 1); half_pixel_symmetric as in ONNX opset 19.
 * Nearest rounds the coordinate per `nearest` and clamps it to the input. Linear interpolates the two
 * neighbours floor(x), floor(x)+1, cubic the four floor(x)-1 .. floor(x)+2 with the cubic convolution
 * coefficients of parameter `cubic_a` (ONNX cubic_coeff_a, usually -0.75); neighbours outside the input
 * take the edge value, or, with exclude_outside, get weight 0 and the other weights are renormalised.
 * Every dim is interpolated (dims with scale 1 and integer coordinates cost nothing).
 * Returns MP_OK or MP_EPARAM.
 */
int mp_resize(const float *x, float *y, int rank, const long *x_shape, const long *y_shape, const float *scales,
              mp_resize_mode mode, mp_coord_mode coord, mp_nearest_mode nearest, float cubic_a,
              int exclude_outside);

typedef enum {
  MP_RED_SUM = 0, MP_RED_MEAN, MP_RED_MAX, MP_RED_MIN, MP_RED_PROD, MP_RED_L1, MP_RED_L2, MP_RED_LOGSUM,
  MP_RED_LOGSUMEXP, MP_RED_SUMSQUARE
} mp_reduce_op;

/*
 * Reduce over the dims d with axes_mask bit d set (bit 0 = outermost). y has x's shape with the
 * reduced dims set to 1 (keepdims or not, the layout is the same). An empty mask copies x (per op,
 * e.g. SUMSQUARE squares). Returns MP_OK or MP_EPARAM.
 */
int mp_reduce(mp_reduce_op op, const float *x, float *y, int rank, const long *x_shape, unsigned axes_mask);

/* ---- int8 quantization --------------------------------------------------------------------------- */

/*
 * QuantizeLinear: q = saturate(round_half_even(x / scale) + zero_point), per tensor (axis_len == 1,
 * inner == count) or per axis (x viewed as [outer][axis_len][inner], one scale/zero point per axis index).
 * int8 saturates to [-128, 127], uint8 to [0, 255]. zero_point NULL means 0.
 */
void mp_quantize_s8(const float *x, int8_t *q, long outer, long axis_len, long inner, const float *scale,
                    const int8_t *zero_point);
void mp_quantize_u8(const float *x, uint8_t *q, long outer, long axis_len, long inner, const float *scale,
                    const uint8_t *zero_point);
/* DequantizeLinear: x = (q - zero_point) * scale, same layout rules as quantize. */
void mp_dequantize_s8(const int8_t *q, float *x, long outer, long axis_len, long inner, const float *scale,
                      const int8_t *zero_point);
void mp_dequantize_u8(const uint8_t *q, float *x, long outer, long axis_len, long inner, const float *scale,
                      const uint8_t *zero_point);

#ifdef __cplusplus
}
#endif

#endif /* MEMPLAN_KERNELS_H */
