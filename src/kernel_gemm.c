/* kernel_gemm.c -- the one door to BLAS: every matrix product of the library
 * goes through mlpb__sgemm (row-major cblas_sgemm), beside a plain-loop
 * reference used by the tests, and the BLAS threading queries. */
#include "kernels.h"

#include <cblas.h>

void mlpb__sgemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                 const float *a, size_t lda, const float *b, size_t ldb, float beta,
                 float *c, size_t ldc)
{
    /* Sizes were checked to fit an int where models and workspaces are made. */
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (blasint)m, (blasint)n, (blasint)k, alpha,
                a, (blasint)lda, b, (blasint)ldb, beta, c, (blasint)ldc);
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
