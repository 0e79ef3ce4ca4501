/* kernel_gemm.c -- the one door to BLAS: every matrix product of the library
 * goes through mlpb__sgemm (row-major cblas_sgemm), beside a plain-loop
 * reference used by the tests, and the BLAS threading queries. */
#include "kernels.h"

#include <cblas.h>
#include <string.h>
#include <strings.h>

/* A product with very few rows is a few matrix-vector products, and one with
 * a single inner index an outer product. OpenBLAS's sgemm packs the whole of
 * the other operand (and, with 2+ threads, splits the work) however few rows
 * it has, so one sgemv a row is faster up to SMALL_ROWS rows, and sger for an
 * inner size of one; from an inner size of two on, sgemm wins on every
 * OpenBLAS kernel set measured (docs/bench.md, "Products with a tiny
 * dimension"). Such shapes are common here: one output (z = H.w,
 * dw = H^T.dz, dH = dz.w^T), one or a few samples (online inference and
 * training). */
#define SMALL_ROWS 3

static void gemv_m1(bool trans_a, bool trans_b, size_t n, size_t k, float alpha,
                    const float *a, size_t lda, const float *b, size_t ldb, float beta,
                    float *c)
{
    /* c (1 x n) = alpha op(a) (1 x k) . op(b) (k x n) + beta c, as
     * c^T = op(b)^T . op(a)^T. */
    const blasint inc_a = trans_a ? (blasint)lda : 1;
    if (trans_b) /* b stored n x k */
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)k, alpha, b,
                    (blasint)ldb, a, inc_a, beta, c, 1);
    else /* b stored k x n */
        cblas_sgemv(CblasRowMajor, CblasTrans, (blasint)k, (blasint)n, alpha, b, (blasint)ldb,
                    a, inc_a, beta, c, 1);
}

static void gemv_n1(bool trans_a, bool trans_b, size_t m, size_t k, float alpha,
                    const float *a, size_t lda, const float *b, size_t ldb, float beta,
                    float *c, size_t ldc)
{
    /* c (m x 1) = alpha op(a) (m x k) . op(b) (k x 1) + beta c. */
    const blasint inc_b = trans_b ? 1 : (blasint)ldb;
    if (trans_a) /* a stored k x m */
        cblas_sgemv(CblasRowMajor, CblasTrans, (blasint)k, (blasint)m, alpha, a, (blasint)lda,
                    b, inc_b, beta, c, (blasint)ldc);
    else
        cblas_sgemv(CblasRowMajor, CblasNoTrans, (blasint)m, (blasint)k, alpha, a,
                    (blasint)lda, b, inc_b, beta, c, (blasint)ldc);
}

static void ger_1(bool trans_a, bool trans_b, size_t m, size_t n, float alpha, const float *a,
                  size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc)
{
    /* c (m x n) = alpha op(a) (m x 1) . op(b) (1 x n) + beta c. sger only
     * accumulates, so beta is applied first (beta = 0 must ignore c's old
     * contents, NaN included, as sgemm does). */
    for (size_t i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (beta == 0.0f)
            memset(row, 0, n * sizeof *row);
        else if (beta != 1.0f)
            for (size_t j = 0; j < n; j++)
                row[j] *= beta;
    }
    /* op(a)'s one column: a stored 1 x m (trans) has it as its row. */
    cblas_sger(CblasRowMajor, (blasint)m, (blasint)n, alpha, a, trans_a ? 1 : (blasint)lda, b,
               trans_b ? (blasint)ldb : 1, c, (blasint)ldc);
}

static void product(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                    const float *a, size_t lda, const float *b, size_t ldb, float beta,
                    float *c, size_t ldc)
{
    /* Sizes were checked to fit an int where models and workspaces are made. */
    if (m <= SMALL_ROWS) {
        /* Row i of op(a): a stored m x k has it as row i, stored k x m as
         * column i. */
        for (size_t i = 0; i < m; i++)
            gemv_m1(trans_a, trans_b, n, k, alpha, trans_a ? a + i : a + i * lda, lda, b, ldb,
                    beta, c + i * ldc);
    } else if (n == 1) {
        gemv_n1(trans_a, trans_b, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
    } else if (k == 1) {
        ger_1(trans_a, trans_b, m, n, alpha, a, lda, b, ldb, beta, c, ldc);
    } else {
        /* OpenBLAS applies any beta other than 1 in a separate scalar pass
         * over C (sgemm_beta) before accumulating, a visible share of a small
         * step. Clearing C with memset and accumulating onto it with beta = 1
         * skips that pass; the result is the same. */
        if (beta == 0.0f) {
            for (size_t i = 0; i < m; i++)
                memset(c + i * ldc, 0, n * sizeof *c);
            beta = 1.0f;
        }
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                    trans_b ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n, (blasint)k,
                    alpha, a, (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
    }
}

void mlpb__sgemm(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                 float alpha, const float *a, size_t lda, const float *b, size_t ldb,
                 float beta, float *c, size_t ldc)
{
    /* In double: m*n*k of three int-sized factors may not fit a size_t. */
    const bool small = (double)m * (double)n * (double)k < (double)serial_mnk;
    const int threads = small ? openblas_get_num_threads() : 1;
    if (threads > 1)
        openblas_set_num_threads(1);
    product(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (threads > 1)
        openblas_set_num_threads(threads);
}

void mlpb__sgemm_ref(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                     const float *a, size_t lda, const float *b, size_t ldb, float beta,
                     float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            double acc = 0.0;
            for (size_t p = 0; p < k; p++) {
                const double av = (double)(trans_a ? a[p * lda + i] : a[i * lda + p]);
                const double bv = (double)(trans_b ? b[j * ldb + p] : b[p * ldb + j]);
                acc += av * bv;
            }
            /* beta = 0 must ignore C entirely (it may hold NaN), as BLAS does. */
            const double old = beta == 0.0f ? 0.0 : (double)beta * (double)c[i * ldc + j];
            c[i * ldc + j] = (float)((double)alpha * acc + old);
        }
    }
}

void mlpb__blas_set_threads(int n)
{
    if (n >= 1)
        openblas_set_num_threads(n);
}

int mlpb__blas_threads(void)
{
    return openblas_get_num_threads();
}

const char *mlpb__blas_config(void)
{
    const char *c = openblas_get_config();
    return c == NULL ? "unknown" : c;
}

/* OpenBLAS's kernel sets for x86 CPUs without AVX2 (its DYNAMIC_ARCH core
 * names). On a CPU with AVX2 and FMA one of these means that OpenBLAS did
 * not recognise the CPU and fell back to kernels far below the CPU's rate
 * (0.3.21 runs "Prescott", SSE3, on an Intel Xeon of family 6, model 207;
 * docs/bench.md, "The fp32 backend"). */
bool mlpb__blas_fallback(void)
{
#if defined(__x86_64__) || defined(__i386__)
    static const char *const pre_avx2[] = {
        "unknown",  "katmai",     "coppermine",   "northwood", "prescott",  "banias",
        "atom",     "core2",      "penryn",       "dunnington", "nehalem",  "sandybridge",
        "opteron",  "opteron_sse3", "barcelona",  "bobcat",    "bulldozer", "piledriver",
        "steamroller"};
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return false;
    const char *name = openblas_get_corename();
    if (name == NULL)
        return false;
    for (size_t i = 0; i < sizeof pre_avx2 / sizeof pre_avx2[0]; i++)
        if (strcasecmp(name, pre_avx2[i]) == 0)
            return true;
#endif
    return false;
}
