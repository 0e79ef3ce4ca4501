/* kernel_gemm.c -- the one door to BLAS: every matrix product of the library
 * goes through mlpb__sgemm (row-major cblas_sgemm), beside a plain-loop
 * reference used by the tests, and the BLAS threading queries. */
#include "kernels.h"

#include <cblas.h>
#include <string.h>

/* A product with a unit dimension is a matrix-vector product or an outer
 * product. OpenBLAS's sgemm packs and (for 2+ threads) splits such shapes like
 * any other and is several times slower than sgemv/sger on them; they are
 * common here (one output: z = H1.w2, dw2 = H1^T.dz, dH1 = dz.w2^T; one
 * sample: h = x.W). */
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

static void ger_k1(bool trans_a, bool trans_b, size_t m, size_t n, float alpha,
                   const float *a, size_t lda, const float *b, size_t ldb, float beta,
                   float *c, size_t ldc)
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
    cblas_sger(CblasRowMajor, (blasint)m, (blasint)n, alpha, a, trans_a ? 1 : (blasint)lda,
               b, trans_b ? (blasint)ldb : 1, c, (blasint)ldc);
}

static void product(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                    const float *a, size_t lda, const float *b, size_t ldb, float beta,
                    float *c, size_t ldc)
{
    /* Sizes were checked to fit an int where models and workspaces are made. */
    if (m == 1)
        gemv_m1(trans_a, trans_b, n, k, alpha, a, lda, b, ldb, beta, c);
    else if (n == 1)
        gemv_n1(trans_a, trans_b, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else if (k == 1)
        ger_k1(trans_a, trans_b, m, n, alpha, a, lda, b, ldb, beta, c, ldc);
    else
        cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                    trans_b ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n, (blasint)k,
                    alpha, a, (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
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
