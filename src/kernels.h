/* kernels.h -- the numerical kernels of libmlpblas: pure functions on raw
 * row-major float arrays, no library types. kernel_gemm.c is the only file that
 * includes <cblas.h>; kernel_eltwise.c holds the fused elementwise passes.
 * Every kernel is tested against a double-precision reference loop. */
#ifndef MLPB_KERNELS_H
#define MLPB_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------- kernel_gemm.c */
/* C = alpha * op(A) . op(B) + beta * C, row-major, op(X) = X or X^T.
 * op(A) is m x k, op(B) is k x n, C is m x n. Dimensions fit an int (checked
 * where models and workspaces are created). A product with m*n*k below
 * serial_mnk runs on one BLAS thread (0: never force). */
void mlpb__sgemm(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                 float alpha, const float *a, size_t lda, const float *b, size_t ldb,
                 float beta, float *c, size_t ldc);
/* The same product by plain loops, accumulated in double: the reference the
 * tests compare against. */
void mlpb__sgemm_ref(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                     const float *a, size_t lda, const float *b, size_t ldb, float beta,
                     float *c, size_t ldc);
void        mlpb__blas_set_threads(int n);
int         mlpb__blas_threads(void);
/* True on a CPU with AVX2 and FMA where the BLAS library runs a kernel set
 * without them (it did not recognise the CPU): MLPB_GEMM_AUTO's rule. */
bool        mlpb__blas_fallback(void);
const char *mlpb__blas_config(void);

/* ---------------------------------------------------- kernel_eltwise.c */
/* The passes that touch every activation, delta, logit or parameter
 * (MLPB_CLONES) come in three builds, for AVX-512 (16 floats a vector), AVX2
 * (8) and the baseline (SSE2 on x86-64, 4), and the dynamic loader picks one
 * for the CPU once, when the library is loaded (an ifunc; nothing of ours is
 * written at run time). Every build does the same operations in the same
 * order on each element: neither "avx512f" nor "avx2" implies FMA, and
 * nothing is contracted (-std=c11), so every variant gives bitwise the same
 * results. Elsewhere (other compilers or CPUs) and in sanitizer builds,
 * whose instrumented resolver would run before the sanitizer's runtime is
 * up, there is one build. */
#if defined(__has_feature)
#if (__has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
     __has_feature(memory_sanitizer)) && !defined(MLPB_NO_CLONES)
#define MLPB_NO_CLONES 1
#endif
#endif
#if (defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)) && !defined(MLPB_NO_CLONES)
#define MLPB_NO_CLONES 1
#endif
/* GCC only: Clang 14 names a multiversioned function's dispatcher apart
 * from the function, so calls from other files do not link, and with the
 * attribute on every declaration too its clones returned wrong results. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(MLPB_NO_CLONES)
#define MLPB_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MLPB_CLONES
#endif

/* a (n x m) += bias (broadcast over rows), then ReLU in place. Returns false
 * if any pre-activation a + bias was Inf or NaN: a non-finite input or weight
 * always reaches the product it enters (Inf * w is Inf, or NaN for w = 0, and
 * NaN survives any sum), so this check costs no pass of its own. The ReLU
 * keeps a NaN (it is not < 0) rather than hiding it as 0. */
bool mlpb__bias_relu(size_t n, size_t m, float *restrict a, const float *restrict bias);
/* a (n x m) += bias (broadcast over rows); false if any result is not finite. */
bool mlpb__bias_add(size_t n, size_t m, float *restrict a, const float *restrict bias);
/* Numerically safe sigmoid of n values: p = 1 / (1 + exp(-z)) for z >= 0 and
 * exp(z) / (1 + exp(z)) for z < 0, so no exp overflows. */
void mlpb__sigmoid(size_t n, const float *restrict z, float *restrict p);
/* Fused BCE pass over n x k logits z, in place: returns
 *     sum_i sw_i sum_j [ pw_j y softplus(-z) + (1 - y) softplus(z) ]_ij
 * in double (not divided by n) and overwrites z with the logit gradient
 *     g = sw_i (pw_j y (sigmoid(z) - 1) + (1 - y) sigmoid(z)) * scale
 * (= (sigmoid(z) - y) * scale without weights), and writes colsum(g) to db
 * (k values, overwritten). pw (k) and sw (n) may be NULL (all ones). db may
 * be NULL (no gradient: z is left as is). */
double mlpb__bce_grad(size_t n, size_t k, float *restrict z, const float *restrict y,
                      const float *restrict pw, const float *restrict sw, float scale,
                      float *restrict db);
/* BCE sum of n x k logits without gradient (z unchanged). */
double mlpb__bce(size_t n, size_t k, const float *restrict z, const float *restrict y,
                 const float *restrict pw, const float *restrict sw);
/* dh (n x m) *= [h > 0] (the ReLU derivative, read from the activation), and
 * db (m values, overwritten) = colsum of the masked dh. */
void mlpb__relu_grad_colsum(size_t n, size_t m, const float *restrict h, float *restrict dh,
                            float *restrict db);
/* The same for a layer feeding one output: dh (n x m) = (dz . w^T) (.) [h > 0]
 * with dz the n logit gradients and w the m weights of that output, and db
 * its column sum, in one pass. Bitwise the product dz . w^T (one rounding
 * a cell, as BLAS's rank-1 update from zero) followed by
 * mlpb__relu_grad_colsum, without writing dh twice. */
void mlpb__relu_outer_colsum(size_t n, size_t m, const float *restrict h,
                             const float *restrict dz, const float *restrict w,
                             float *restrict dh, float *restrict db);
/* xs (n x d) = (x - mean) / std, row by row. */
void mlpb__standardize(size_t n, size_t d, const float *restrict x,
                       const float *restrict mean, const float *restrict std,
                       float *restrict xs);
/* true if all n values are finite (no NaN, no Inf). */
bool mlpb__all_finite(size_t n, const float *restrict x);
/* dst[i] += src[i]. */
void mlpb__add(size_t n, const float *restrict src, float *restrict dst);
/* dst[i] += src[i]; true if every sum is finite. */
bool mlpb__add_finite(size_t n, const float *restrict src, float *restrict dst);
/* p[i] -= lr * g[i]. */
void mlpb__axpy_neg(size_t n, float lr, const float *restrict g, float *restrict p);

/* ------------------------------------------------------- kernel_bf16.c */
/* fp32 -> bf16, round to nearest even; NaN -> quiet NaN, subnormals -> signed
 * zero (as VCVTNE2PS2BF16 does, so both variants agree bit for bit). */
uint16_t mlpb__bf16_round(float f);
float    mlpb__bf16_widen1(uint16_t b); /* exact */
/* y = bf16(x), n values: the AVX512-BF16 variant where the CPU has it. */
void mlpb__bf16_convert(size_t n, const float *restrict x, uint16_t *restrict y);
void mlpb__bf16_convert_ref(size_t n, const float *restrict x, uint16_t *restrict y);
/* Only where mlpb__cpu_has_avx512bf16() (else the reference). */
void mlpb__bf16_convert_avx512(size_t n, const float *restrict x, uint16_t *restrict y);
bool mlpb__cpu_has_avx512bf16(void);
void mlpb__bf16_widen(size_t n, const uint16_t *restrict x, float *restrict y);
/* mlpb__standardize of n x d rows into bf16 only, through row (d floats of
 * scratch). */
void mlpb__standardize_bf16(size_t n, size_t d, const float *restrict x,
                            const float *restrict mean, const float *restrict std,
                            float *restrict row, uint16_t *restrict xs16);
/* mlpb__bias_relu, and a16 = bf16 of the activations, in one pass. */
bool mlpb__bias_relu_bf16(size_t n, size_t m, float *restrict a, const float *restrict bias,
                          uint16_t *restrict a16);
/* mlpb__relu_grad_colsum, and dh16 = bf16 of the masked dh, in one pass. */
void mlpb__relu_grad_colsum_bf16(size_t n, size_t m, const float *restrict h,
                                 float *restrict dh, float *restrict db,
                                 uint16_t *restrict dh16);
/* Tile edge of the emulated product; its scratch is 2 T^2 floats. */
#define MLPB_BF16_TILE 256
#define MLPB_BF16_SCRATCH_FLOATS (2 * MLPB_BF16_TILE * MLPB_BF16_TILE)
/* mlpb__sgemm's contract on bf16 operands: widened to fp32 a tile at a time
 * into scratch (MLPB_BF16_SCRATCH_FLOATS) and multiplied by mlpb__sgemm. */
void mlpb__gemm_bf16_emulated(size_t serial_mnk, bool trans_a, bool trans_b, size_t m,
                              size_t n, size_t k, float alpha, const uint16_t *a, size_t lda,
                              const uint16_t *b, size_t ldb, float beta, float *c, size_t ldc,
                              float *scratch);

/* -------------------------------------------------------- kernel_dnnl.c */
/* The one file that includes oneDNN's header. Without oneDNN (or on a CPU
 * where oneDNN's bf16 GEMM is unimplemented) these report so and compute
 * nothing. */
bool mlpb__dnnl_built(void);
/* Built with oneDNN, the CPU has AVX512-BF16, and a 1x1x1 bf16 product runs. */
bool mlpb__dnnl_bf16_native(void);
/* mlpb__sgemm's contract with bf16 operands and fp32 C; false if oneDNN
 * refused (then C is unspecified). */
bool mlpb__dnnl_gemm_bf16(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n,
                          size_t k, float alpha, const uint16_t *a, size_t lda,
                          const uint16_t *b, size_t ldb, float beta, float *c, size_t ldc);
/* The same with fp32 operands (dnnl_sgemm). */
bool mlpb__dnnl_sgemm(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n,
                      size_t k, float alpha, const float *a, size_t lda, const float *b,
                      size_t ldb, float beta, float *c, size_t ldc);

#endif /* MLPB_KERNELS_H */
