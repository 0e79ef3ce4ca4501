/* dnnl_sgemm.c -- mlpblas-dnnl-sgemm: oneDNN's fp32 sgemm against OpenBLAS's
 * on the five products of a one-hidden-layer training step of each bench
 * case (and five 1024^3 products), each through the library's door
 * (mlpb__sgemm, mlpb__dnnl_sgemm), in interleaved rounds; prints medians and
 * the speed ratio. Usage: mlpblas-dnnl-sgemm [BLAS threads]. */
#include "kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUNDS 15

typedef struct shape {
    const char *name;
    size_t n, d, h, k;
} shape;

typedef struct bufs {
    float *x, *w0, *w1, *h, *z, *g0, *g1, *dh;
} bufs;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float *floats(size_t n)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; p != NULL && i < n; i++)
        p[i] = (float)((i * 2654435761u) % 1000u) / 1000.0f - 0.5f;
    return p;
}

typedef bool (*gemm_fn)(size_t, bool, bool, size_t, size_t, size_t, float, const float *, size_t,
                        const float *, size_t, float, float *, size_t);

static bool blas_door(size_t s, bool ta, bool tb, size_t m, size_t n, size_t k, float al,
                      const float *a, size_t lda, const float *b, size_t ldb, float be, float *c,
                      size_t ldc)
{
    mlpb__sgemm(s, ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc);
    return true;
}

static bool step(gemm_fn g, const shape *s, const bufs *b)
{
    const size_t n = s->n, d = s->d, h = s->h, k = s->k;
    bool ok = g(0, false, false, n, h, d, 1.0f, b->x, d, b->w0, h, 0.0f, b->h, h);
    ok = ok && g(0, false, false, n, k, h, 1.0f, b->h, h, b->w1, k, 0.0f, b->z, k);
    ok = ok && g(0, true, false, h, k, n, 1.0f, b->h, h, b->z, k, 0.0f, b->g1, k);
    ok = ok && g(0, false, true, n, h, k, 1.0f, b->z, k, b->w1, k, 0.0f, b->dh, h);
    ok = ok && g(0, true, false, d, h, n, 1.0f, b->x, d, b->dh, h, 0.0f, b->g0, h);
    return ok;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (!mlpb__dnnl_built()) {
        fprintf(stderr, "mlpblas-dnnl-sgemm: built without oneDNN\n");
        return 1;
    }
    const int threads = argc > 1 ? atoi(argv[1]) : mlpb__blas_threads();
    if (threads < 1) {
        fprintf(stderr, "usage: mlpblas-dnnl-sgemm [BLAS threads >= 1]\n");
        return 2;
    }
    mlpb__blas_set_threads(threads);
    const shape shapes[] = {{"tiny", 64, 32, 64, 1},         {"higgs", 256, 28, 300, 1},
                            {"medium", 256, 256, 512, 1},    {"mnist", 1024, 784, 1024, 10},
                            {"large", 1024, 1024, 2048, 16}, {"1024^3", 1024, 1024, 1024, 1024}};
    printf("# threads %d; %s\n# case     openblas ms  GFLOP/s   onednn ms  GFLOP/s  "
           "onednn/openblas speed\n",
           threads, mlpb__blas_config());
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const shape *s = &shapes[i];
        bufs b = {floats(s->n * s->d), floats(s->d * s->h), floats(s->h * s->k),
                  floats(s->n * s->h), floats(s->n * s->k), floats(s->d * s->h),
                  floats(s->h * s->k), floats(s->n * s->h)};
        if (!b.x || !b.w0 || !b.w1 || !b.h || !b.z || !b.g0 || !b.g1 || !b.dh) {
            fprintf(stderr, "mlpblas-dnnl-sgemm: out of memory\n");
            return 1;
        }
        const double flops =
            2.0 * (double)s->n * (double)s->h * (2.0 * (double)s->d + 3.0 * (double)s->k);
        const int reps = flops > 1e9 ? 1 : (int)(1e9 / flops) + 1;
        double t[2][ROUNDS];
        const gemm_fn fn[2] = {blas_door, mlpb__dnnl_sgemm};
        for (int w = 0; w < 2; w++)
            if (!step(fn[w], s, &b)) {
                fprintf(stderr, "mlpblas-dnnl-sgemm: dnnl_sgemm failed\n");
                return 1;
            }
        for (int r = 0; r < ROUNDS; r++)
            for (int w = 0; w < 2; w++) {
                const double t0 = now_s();
                for (int j = 0; j < reps; j++)
                    step(fn[w], s, &b);
                t[w][r] = (now_s() - t0) / reps;
            }
        qsort(t[0], ROUNDS, sizeof t[0][0], cmp_double);
        qsort(t[1], ROUNDS, sizeof t[1][0], cmp_double);
        const double a = t[0][ROUNDS / 2], o = t[1][ROUNDS / 2];
        printf("%-8s %11.3f %8.1f %11.3f %8.1f  %.3f\n", s->name, a * 1e3, flops / a * 1e-9,
               o * 1e3, flops / o * 1e-9, a / o);
        free(b.x), free(b.w0), free(b.w1), free(b.h), free(b.z), free(b.g0), free(b.g1);
        free(b.dh);
    }
    return 0;
}
