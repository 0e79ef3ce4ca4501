/* bench_bf16.c -- mlpblas-bench-bf16: fp32 against bf16 in one run. For each
 * default bench case, a training step (mlpb_loss_grad + mlpb_sgd_step) and a
 * forward pass (mlpb_predict) of the library in fp32 and in bf16, and the
 * fp32 GEMM floor (the same cblas_sgemm calls back to back), timed in
 * interleaved rounds; prints medians and the ratios bf16 / floor and
 * bf16 / fp32 library.
 *
 * usage: mlpblas-bench-bf16 [--emulated] [--threads N] [--reps N] [--min-time S]
 * --emulated times MLPB_PRECISION_BF16_EMULATED (any CPU) instead of
 * MLPB_PRECISION_BF16, which needs oneDNN and AVX512-BF16. */
#include <mlpblas.h>

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REPS 64

typedef struct bcase {
    const char *name;
    size_t batch, d, h, k;
} bcase;

typedef struct lib {
    mlpb_model *m;
    mlpb_workspace *ws;
    const float *x, *y;
    float *prob;
    size_t n;
    mlpb_status st;
} lib;

/* The floor: the five products of a step on buffers of the same shapes. */
typedef struct flr {
    size_t n, d, h, k;
    float *x, *w0, *w1, *a, *z, *dw0, *dw1, *dh;
} flr;

typedef int (*op_fn)(void *ctx, int train);

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static float *floats(size_t n, unsigned seed, float scale)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; p != NULL && i < n; i++)
        p[i] = scale * ((float)((i * 2654435761u + seed) % 2001u) / 1000.0f - 1.0f);
    return p;
}

static int lib_op(void *p, int train)
{
    lib *l = p;
    if (train) {
        float loss;
        l->st = mlpb_loss_grad(l->m, l->ws, l->x, l->y, l->n, &loss);
        if (l->st == MLPB_OK)
            l->st = mlpb_sgd_step(l->m, 1e-4f);
    } else {
        l->st = mlpb_predict(l->m, l->ws, l->x, l->n, l->prob);
    }
    return l->st != MLPB_OK;
}

static void sgemm(int ta, int tb, size_t m, size_t n, size_t k, const float *a, size_t lda,
                  const float *b, size_t ldb, float *c, size_t ldc)
{
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (blasint)m, (blasint)n, (blasint)k, 1.0f, a, (blasint)lda, b, (blasint)ldb, 0.0f, c,
                (blasint)ldc);
}

static int floor_op(void *p, int train)
{
    const flr *f = p;
    const size_t n = f->n, d = f->d, h = f->h, k = f->k;
    sgemm(0, 0, n, h, d, f->x, d, f->w0, h, f->a, h);
    sgemm(0, 0, n, k, h, f->a, h, f->w1, k, f->z, k);
    if (train) {
        sgemm(1, 0, h, k, n, f->a, h, f->z, k, f->dw1, k);
        sgemm(0, 1, n, h, k, f->z, k, f->w1, k, f->dh, h);
        sgemm(1, 0, d, h, n, f->x, d, f->dh, h, f->dw0, h);
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Seconds per call of each of the three ops: rounds interleaved, each op
 * run iters[i] times a round (calibrated to min_time), median of reps. */
static int time3(op_fn fn[3], void *ctx[3], int train, int reps, double min_time, double med[3])
{
    size_t iters[3];
    double t[3][MAX_REPS];
    for (int i = 0; i < 3; i++) {
        iters[i] = 1;
        for (;;) {
            const double t0 = now_s();
            for (size_t j = 0; j < iters[i]; j++)
                if (fn[i](ctx[i], train) != 0)
                    return 1;
            if (now_s() - t0 >= min_time || iters[i] > ((size_t)1 << 30))
                break;
            iters[i] *= 2;
        }
    }
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < 3; i++) {
            const double t0 = now_s();
            for (size_t j = 0; j < iters[i]; j++)
                fn[i](ctx[i], train);
            t[i][r] = (now_s() - t0) / (double)iters[i];
        }
    for (int i = 0; i < 3; i++) {
        qsort(t[i], (size_t)reps, sizeof t[i][0], cmp_double);
        med[i] = t[i][reps / 2];
    }
    return 0;
}

static int run(const bcase *c, mlpb_precision prec, int reps, double min_time)
{
    const size_t sizes[] = {c->d, c->h, c->k};
    const mlpb_config cfg = {sizes, 3, 1, MLPB_INIT_HE_GLOROT};
    lib l[2];
    flr f = {c->batch, c->d, c->h, c->k, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    int rc = 1;
    memset(l, 0, sizeof l);
    float *x = floats(c->batch * c->d, 1, 1.0f), *y = floats(c->batch * c->k, 2, 1.0f);
    float *prob = floats(c->batch * c->k, 3, 1.0f);
    f.x = x;
    f.w0 = floats(c->d * c->h, 4, 1.0f / sqrtf((float)c->d));
    f.w1 = floats(c->h * c->k, 5, 1.0f / sqrtf((float)c->h));
    f.a = floats(c->batch * c->h, 6, 1.0f);
    f.z = floats(c->batch * c->k, 7, 1.0f / (float)c->batch);
    f.dw0 = floats(c->d * c->h, 8, 1.0f);
    f.dw1 = floats(c->h * c->k, 9, 1.0f);
    f.dh = floats(c->batch * c->h, 10, 1.0f);
    if (!x || !y || !prob || !f.w0 || !f.w1 || !f.a || !f.z || !f.dw0 || !f.dw1 || !f.dh) {
        fprintf(stderr, "mlpblas-bench-bf16: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < c->batch * c->k; i++)
        y[i] = y[i] > 0.0f ? 1.0f : 0.0f;
    for (int i = 0; i < 2; i++) {
        mlpb_status st = mlpb_model_create(&cfg, NULL, &l[i].m);
        if (st == MLPB_OK)
            st = mlpb_workspace_create(l[i].m, c->batch, NULL, &l[i].ws);
        if (st == MLPB_OK && i == 1)
            st = mlpb_workspace_set_precision(l[i].ws, prec);
        if (st != MLPB_OK) {
            fprintf(stderr, "mlpblas-bench-bf16: %s: %s\n", c->name, mlpb_strerror(st));
            goto done;
        }
        l[i].x = x, l[i].y = y, l[i].prob = prob, l[i].n = c->batch;
    }
    op_fn fn[3] = {lib_op, lib_op, floor_op};
    void *ctx[3] = {&l[0], &l[1], &f};
    for (int train = 1; train >= 0; train--) {
        double med[3];
        if (time3(fn, ctx, train, reps, min_time, med) != 0) {
            fprintf(stderr, "mlpblas-bench-bf16: %s: %s\n", c->name,
                    mlpb_strerror(l[0].st != MLPB_OK ? l[0].st : l[1].st));
            goto done;
        }
        const double b = (double)c->batch;
        printf("%-7s %-7s %11.0f %11.0f %11.0f %9.3f %9.3f %9.3f\n", c->name,
               train ? "train" : "forward", b / med[0], b / med[1], b / med[2], med[2] / med[0],
               med[2] / med[1], med[0] / med[1]);
    }
    fflush(stdout);
    rc = 0;
done:
    for (int i = 0; i < 2; i++) {
        mlpb_workspace_destroy(l[i].ws);
        mlpb_model_destroy(l[i].m);
    }
    free(x), free(y), free(prob), free(f.w0), free(f.w1), free(f.a), free(f.z);
    free(f.dw0), free(f.dw1), free(f.dh);
    return rc;
}

int main(int argc, char **argv)
{
    mlpb_precision prec = MLPB_PRECISION_BF16;
    int reps = 5;
    double min_time = 0.2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--emulated")) {
            prec = MLPB_PRECISION_BF16_EMULATED;
        } else if (!strcmp(a, "--threads") && v != NULL && atoi(v) >= 1) {
            mlpb_blas_set_threads(atoi(v));
            i++;
        } else if (!strcmp(a, "--reps") && v != NULL && atoi(v) >= 1 && atoi(v) <= MAX_REPS) {
            reps = atoi(v);
            i++;
        } else if (!strcmp(a, "--min-time") && v != NULL && atof(v) > 0.0 && atof(v) <= 60.0) {
            min_time = atof(v);
            i++;
        } else {
            fprintf(stderr,
                    "usage: mlpblas-bench-bf16 [--emulated] [--threads N] [--reps "
                    "1..%d] [--min-time S]\n",
                    MAX_REPS);
            return !strcmp(a, "--help") ? 0 : 2;
        }
    }
    if (prec == MLPB_PRECISION_BF16 && !mlpb_bf16_native()) {
        fprintf(stderr, "mlpblas-bench-bf16: %s; --emulated times the emulation\n",
                mlpb_strerror(MLPB_E_UNSUPPORTED));
        return 1;
    }
    static const bcase cases[] = {{"tiny", 64, 32, 64, 1},
                                  {"higgs", 256, 28, 300, 1},
                                  {"medium", 256, 256, 512, 1},
                                  {"mnist", 1024, 784, 1024, 10},
                                  {"large", 1024, 1024, 2048, 16}};
    printf("# mlpblas-bench-bf16: mlpblas %s, %s, BLAS threads %d, threading auto\n"
           "# bf16 = %s; %d interleaved rounds of >= %.3g s, medians; samples/s\n"
           "# case   mode      fp32 lib    bf16 lib  fp32 floor fp32/flr  bf16/flr bf16/fp32\n",
           mlpb_version_string(), mlpb_blas_config(), mlpb_blas_threads(),
           prec == MLPB_PRECISION_BF16 ? "native (oneDNN)" : "emulated", reps, min_time);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (run(&cases[i], prec, reps, min_time) != 0)
            return 1;
    return 0;
}
