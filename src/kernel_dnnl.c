/* kernel_dnnl.c -- the one door to oneDNN, as kernel_gemm.c is to BLAS: its
 * bf16 x bf16 -> fp32 GEMM and its fp32 sgemm. Built without oneDNN
 * (MLPB_HAVE_ONEDNN undefined) every call reports that it cannot run.
 *
 * oneDNN's GEMMs are row-major like mlpb__sgemm: C = alpha op(A) op(B) +
 * beta C, op(A) m x k, transposition flags 'N'/'T' and leading dimensions as
 * stored. dnnl_gemm_bf16bf16f32 is exported by oneDNN 2.x (its benchmarks
 * call it) but not declared in its public header, so its type is declared
 * here with bf16 as uint16_t (dnnl::impl::bfloat16_t is a 16-bit standard-layout
 * struct: the same bits). On a CPU without AVX-512 it returns
 * dnnl_unimplemented, and on AVX-512 without BF16 it runs a slow emulation:
 * mlpb__dnnl_bf16_native refuses both. */
#include "kernels.h"

#ifdef MLPB_HAVE_ONEDNN
#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>

typedef dnnl_status_t (*sgemm_fn)(char, char, dnnl_dim_t, dnnl_dim_t, dnnl_dim_t, float,
                                  const float *, dnnl_dim_t, const float *, dnnl_dim_t, float,
                                  float *, dnnl_dim_t);
typedef dnnl_status_t (*gemm_bf16_fn)(char, char, dnnl_dim_t, dnnl_dim_t, dnnl_dim_t, float,
                                      const uint16_t *, dnnl_dim_t, const uint16_t *,
                                      dnnl_dim_t, float, float *, dnnl_dim_t);

/* oneDNN is loaded on first use, not with libmlpblas: it is a large C++
 * library (with its C++ and OpenMP runtimes) that most processes never
 * call, and loading it with the library slowed every process's start
 * (docs/bench.md, "Start-up"). The table is written once, under
 * pthread_once, and only read after: the process-wide state of a loaded
 * library, like the BLAS's own. A oneDNN that cannot be loaded reads as one
 * not built. */
typedef struct dnnl_api {
    sgemm_fn     sgemm;
    gemm_bf16_fn gemm_bf16; /* NULL: not exported by this oneDNN */
    int  (*omp_get_max_threads)(void); /* NULL: oneDNN does not thread with OpenMP */
    void (*omp_set_num_threads)(int);
} dnnl_api;

static dnnl_api       api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

/* POSIX's dlsym returns an object pointer; a function pointer of the same
 * bits is how its callers use it. */
#define SYM(h, name, type) ((type)(uintptr_t)dlsym((h), (name)))

static void api_load(void)
{
    /* By soname, as a linked library would be found; else where the build
     * found it (a oneDNN outside the loader's paths). */
    void *h = dlopen(MLPB_DNNL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        h = dlopen(MLPB_DNNL_PATH, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return;
    api.gemm_bf16 = SYM(h, "dnnl_gemm_bf16bf16f32", gemm_bf16_fn);
#if DNNL_CPU_THREADING_RUNTIME == DNNL_RUNTIME_OMP
    /* oneDNN's OpenMP runtime, found through its dependencies. */
    api.omp_get_max_threads = SYM(h, "omp_get_max_threads", int (*)(void));
    api.omp_set_num_threads = SYM(h, "omp_set_num_threads", void (*)(int));
    if (api.omp_get_max_threads == NULL || api.omp_set_num_threads == NULL)
        api.omp_get_max_threads = NULL, api.omp_set_num_threads = NULL;
#endif
    api.sgemm = SYM(h, "dnnl_sgemm", sgemm_fn); /* last: non-NULL means loaded */
}

static const dnnl_api *dnnl(void)
{
    pthread_once(&api_once, api_load);
    return api.sgemm != NULL ? &api : NULL;
}

/* oneDNN's OpenMP team follows the calling thread's OpenMP thread count.
 * Keep it to what the BLAS products get: one thread for a product below
 * serial_mnk and inside a split block (where BLAS is set to one thread), the
 * BLAS count otherwise. The count is per calling thread. */
static void set_threads(const dnnl_api *a, size_t serial_mnk, size_t m, size_t n, size_t k)
{
    if (a->omp_set_num_threads == NULL)
        return;
    const bool small = (double)m * (double)n * (double)k < (double)serial_mnk;
    const int want = small ? 1 : mlpb__blas_threads();
    if (want >= 1 && a->omp_get_max_threads() != want)
        a->omp_set_num_threads(want);
}

bool mlpb__dnnl_built(void)
{
    return dnnl() != NULL;
}

bool mlpb__dnnl_bf16_native(void)
{
    const dnnl_api *a = dnnl();
    if (a == NULL || a->gemm_bf16 == NULL || !mlpb__cpu_has_avx512bf16())
        return false;
    const uint16_t one = 0x3f80; /* 1.0 */
    float c = 0.0f;
    return a->gemm_bf16('N', 'N', 1, 1, 1, 1.0f, &one, 1, &one, 1, 0.0f, &c, 1) == dnnl_success &&
           c == 1.0f;
}

bool mlpb__dnnl_gemm_bf16(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n,
                          size_t k, float alpha, const uint16_t *a, size_t lda, const uint16_t *b,
                          size_t ldb, float beta, float *c, size_t ldc)
{
    const dnnl_api *d = dnnl();
    if (d == NULL || d->gemm_bf16 == NULL)
        return false;
    set_threads(d, serial_mnk, m, n, k);
    return d->gemm_bf16(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', (dnnl_dim_t)m, (dnnl_dim_t)n,
                        (dnnl_dim_t)k, alpha, a, (dnnl_dim_t)lda, b, (dnnl_dim_t)ldb, beta, c,
                        (dnnl_dim_t)ldc) == dnnl_success;
}

bool mlpb__dnnl_sgemm(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                      float alpha, const float *a, size_t lda, const float *b, size_t ldb,
                      float beta, float *c, size_t ldc)
{
    const dnnl_api *d = dnnl();
    if (d == NULL)
        return false;
    set_threads(d, serial_mnk, m, n, k);
    return d->sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', (dnnl_dim_t)m, (dnnl_dim_t)n,
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
