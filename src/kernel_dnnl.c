/* kernel_dnnl.c -- the one door to oneDNN, as kernel_gemm.c is to BLAS: its
 * bf16 x bf16 -> fp32 GEMM and its fp32 sgemm. Built without oneDNN
 * (MLPB_HAVE_ONEDNN undefined) every call reports that it cannot run.
 *
 * oneDNN's GEMMs are row-major like mlpb__sgemm: C = alpha op(A) op(B) +
 * beta C, op(A) m x k, transposition flags 'N'/'T' and leading dimensions as
 * stored. dnnl_gemm_bf16bf16f32 is exported by oneDNN 2.x (its benchmarks
 * call it) but not declared in its public header, so it is declared here
 * with bf16 as uint16_t (dnnl::impl::bfloat16_t is a 16-bit standard-layout
 * struct: the same bits). On a CPU without AVX-512 it returns
 * dnnl_unimplemented, and on AVX-512 without BF16 it runs a slow emulation:
 * mlpb__dnnl_bf16_native refuses both. */
#include "kernels.h"

#ifdef MLPB_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#if defined(MLPB_ONEDNN_OMP) && DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP
#include <omp.h>
#define MLPB_SET_THREADS 1
#endif

dnnl_status_t dnnl_gemm_bf16bf16f32(char transa, char transb, dnnl_dim_t M, dnnl_dim_t N,
                                    dnnl_dim_t K, float alpha, const uint16_t *A, dnnl_dim_t lda,
                                    const uint16_t *B, dnnl_dim_t ldb, float beta, float *C,
                                    dnnl_dim_t ldc);

/* oneDNN's OpenMP team follows the calling thread's OpenMP thread count.
 * Keep it to what the BLAS products get: one thread for a product below
 * serial_mnk and inside a split block (where BLAS is set to one thread), the
 * BLAS count otherwise. The count is per calling thread. */
static void set_threads(size_t serial_mnk, size_t m, size_t n, size_t k)
{
#ifdef MLPB_SET_THREADS
    const bool small = (double)m * (double)n * (double)k < (double)serial_mnk;
    const int want = small ? 1 : mlpb__blas_threads();
    if (want >= 1 && omp_get_max_threads() != want)
        omp_set_num_threads(want);
#else
    (void)serial_mnk, (void)m, (void)n, (void)k;
#endif
}

bool mlpb__dnnl_built(void)
{
    return true;
}

bool mlpb__dnnl_bf16_native(void)
{
    if (!mlpb__cpu_has_avx512bf16())
        return false;
    const uint16_t one = 0x3f80; /* 1.0 */
    float c = 0.0f;
    return dnnl_gemm_bf16bf16f32('N', 'N', 1, 1, 1, 1.0f, &one, 1, &one, 1, 0.0f, &c, 1) ==
               dnnl_success &&
           c == 1.0f;
}

bool mlpb__dnnl_gemm_bf16(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n,
                          size_t k, float alpha, const uint16_t *a, size_t lda, const uint16_t *b,
                          size_t ldb, float beta, float *c, size_t ldc)
{
    set_threads(serial_mnk, m, n, k);
    return dnnl_gemm_bf16bf16f32(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', (dnnl_dim_t)m,
                                 (dnnl_dim_t)n, (dnnl_dim_t)k, alpha, a, (dnnl_dim_t)lda, b,
                                 (dnnl_dim_t)ldb, beta, c, (dnnl_dim_t)ldc) == dnnl_success;
}

bool mlpb__dnnl_sgemm(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                      float alpha, const float *a, size_t lda, const float *b, size_t ldb,
                      float beta, float *c, size_t ldc)
{
    set_threads(serial_mnk, m, n, k);
    return dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', (dnnl_dim_t)m, (dnnl_dim_t)n,
                      (dnnl_dim_t)k, alpha, a, (dnnl_dim_t)lda, b, (dnnl_dim_t)ldb, beta, c,
                      (dnnl_dim_t)ldc) == dnnl_success;
}

#else /* no oneDNN */

bool mlpb__dnnl_built(void)
{
    return false;
}

bool mlpb__dnnl_bf16_native(void)
{
    return false;
}

bool mlpb__dnnl_gemm_bf16(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n,
                          size_t k, float alpha, const uint16_t *a, size_t lda, const uint16_t *b,
                          size_t ldb, float beta, float *c, size_t ldc)
{
    (void)serial_mnk, (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)alpha;
    (void)a, (void)lda, (void)b, (void)ldb, (void)beta, (void)c, (void)ldc;
    return false;
}

bool mlpb__dnnl_sgemm(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                      float alpha, const float *a, size_t lda, const float *b, size_t ldb,
                      float beta, float *c, size_t ldc)
{
    (void)serial_mnk, (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)alpha;
    (void)a, (void)lda, (void)b, (void)ldb, (void)beta, (void)c, (void)ldc;
    return false;
}
#endif
