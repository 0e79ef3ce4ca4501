/* bench.c -- mlpblas-bench: CPU throughput of a training step and of inference
 * through the public API, measured against the "GEMM floor" (exactly the
 * cblas_sgemm calls those passes need, back to back, on buffers of the same
 * shapes) and against the machine's practical peak (one large square sgemm);
 * and, with --memory, the peak memory of a whole mlpb_train run against the
 * budget its sizes imply. */
#include "mlpblas.h"

#include <cblas.h>
#include <errno.h>
#ifdef MLPB_BENCH_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#endif
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_SIZES 16   /* d, up to 14 hidden layers, k */
#define BENCH_MAX_CASES 64
#define BENCH_SWEEP_MAX 4096 /* --batch-sweep runs batches 1, 2, 4, ..., this */
#define BENCH_LR 1e-4f       /* small, so repeated steps on one batch stay finite */
#define BENCH_MODES 4        /* --modes: auto, blas, serial-small, split */

/* ------------------------------------------------------------------ rng */
/* splitmix64: a seeded, self-contained generator for the benchmark data. */
typedef struct bench_rng {
    uint64_t s;
} bench_rng;

static uint64_t rng_next(bench_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [-scale, scale): 24 random bits, exactly representable. */
static float rng_uniform(bench_rng *r, float scale)
{
    const float u = (float)(rng_next(r) >> 40) * (1.0f / 16777216.0f);
    return (2.0f * u - 1.0f) * scale;
}

static void fill_uniform(bench_rng *r, float *p, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        p[i] = rng_uniform(r, scale);
}

/* ---------------------------------------------------------------- cases */
typedef struct bench_case {
    char   name[64];
    size_t batch;
    size_t sizes[BENCH_MAX_SIZES]; /* d, hidden..., k */
    size_t n_sizes;
} bench_case;

typedef struct bench_opts {
    bench_case cases[BENCH_MAX_CASES];
    size_t     n_cases;
    int        sweep;
    int        reps;
    double     min_time;
    int        threads;      /* 0: leave the BLAS default */
    mlpb_threading threading; /* of the library's workspace (--blas, --serial-small, --split,
                                 --auto; AUTO, the library's default, unless told) */
    int        all_modes;    /* --modes: every threading mode, rounds interleaved */
    mlpb_precision precision; /* of the library's workspace (--precision); the floor
                                 stays fp32 cblas_sgemm */
    mlpb_gemm  gemm;         /* of the library's workspace (--gemm; AUTO); the floor and
                                the peak run on the backend it resolves to */
    int        onednn;       /* gemm resolved to MLPB_GEMM_ONEDNN */
    int        memory;       /* --memory: peak memory of a training run per case */
    size_t     rows;         /* --memory: dataset rows (0: 8 batches) */
    size_t     epochs;       /* --memory: training epochs */
    size_t     peak_size;
    uint64_t   seed;
    int        json;
    const char *csv_path;
    const char *svg_path;
} bench_opts;

/* Timing of one operation: seconds per call over the timed rounds. */
typedef struct bench_timing {
    double median_s, min_s;
} bench_timing;

typedef struct bench_result {
    const bench_case *c;
    const char *mode;          /* "train" or "forward" */
    double flops;              /* of the products, per call */
    bench_timing op, floor;
    double samples_per_s, gflops;
    double floor_samples_per_s, floor_gflops;
    double floor_ratio, peak_ratio, peak1_ratio; /* peak1: against 1-thread sgemm */
    mlpb_threading threading;  /* of the library's workspace */
    long   max_rss_kib;
} bench_result;

/* Flops of the products: forward 2*B*sum(in*out); train adds dW for every
 * layer and dH for every layer but the first. */
static double case_flops(const bench_case *c, int train)
{
    double fwd = 0.0, dh = 0.0;
    for (size_t l = 0; l + 1 < c->n_sizes; l++) {
        const double f = 2.0 * (double)c->batch * (double)c->sizes[l] * (double)c->sizes[l + 1];
        fwd += f;
        if (l > 0)
            dh += f;
    }
    return train ? 2.0 * fwd + dh : fwd;
}

static void case_hidden_str(const bench_case *c, char *buf, size_t len, char sep)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (size_t l = 1; l + 1 < c->n_sizes && pos + 1 < len; l++) {
        int w = snprintf(buf + pos, len - pos, "%s%zu", l > 1 ? (sep == ',' ? "," : "x") : "",
                         c->sizes[l]);
        if (w < 0)
            break;
        pos += (size_t)w;
    }
}

static void case_set_name(bench_case *c, const char *name)
{
    if (name != NULL) {
        snprintf(c->name, sizeof c->name, "%s", name);
        return;
    }
    char hid[48];
    case_hidden_str(c, hid, sizeof hid, 'x');
    snprintf(c->name, sizeof c->name, "%zux%zux%sx%zu", c->batch, c->sizes[0], hid,
             c->sizes[c->n_sizes - 1]);
}

static void case_init(bench_case *c, const char *name, size_t batch, size_t d, size_t h,
                      size_t k)
{
    c->batch = batch;
    c->sizes[0] = d;
    c->sizes[1] = h;
    c->sizes[2] = k;
    c->n_sizes = 3;
    case_set_name(c, name);
}

/* ---------------------------------------------------------------- clock */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static long max_rss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return ru.ru_maxrss; /* kilobytes on Linux */
}

typedef int (*bench_fn)(void *ctx); /* 0 on success */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Warm up for a quarter of min_time (at least one call); *iters gets the
 * number of calls that makes a round last about min_time. */
static int calibrate(bench_fn fn, void *ctx, double min_time, size_t *iters)
{
    const double t0 = now_s();
    double t = 0.0;
    size_t calls = 0;
    do {
        int rc = fn(ctx);
        if (rc != 0)
            return rc;
        calls++;
        t = now_s() - t0;
    } while (t < 0.25 * min_time);
    const double per_call = t / (double)calls;
    const double want = min_time / (per_call > 0.0 ? per_call : 1e-9);
    *iters = want < 1.0 ? 1 : want > 1e9 ? 1000000000u : (size_t)ceil(want);
    return 0;
}

/* Seconds per call over one round of iters calls. */
static int time_round(bench_fn fn, void *ctx, size_t iters, double *per_call)
{
    const double t0 = now_s();
    for (size_t i = 0; i < iters; i++) {
        int rc = fn(ctx);
        if (rc != 0)
            return rc;
    }
    *per_call = (now_s() - t0) / (double)iters;
    return 0;
}

static void summarise(double *times, int reps, bench_timing *out)
{
    qsort(times, (size_t)reps, sizeof times[0], cmp_double);
    out->min_s = times[0];
    out->median_s = reps % 2 ? times[reps / 2]
                             : 0.5 * (times[reps / 2 - 1] + times[reps / 2]);
}

/* After a threaded OpenBLAS call its idle threads spin before they sleep
 * (about 0.11 s of CPU here, its THREAD_TIMEOUT of 2^28 cycles). A program
 * that trains with MLPB_THREADING_SPLIT makes no threaded BLAS call, so its
 * threads find the cores free; the floor's calls would leave them busy for
 * the first half of the next round. Under --split the library's rounds
 * therefore start after a pause longer than that spin. */
#define SPLIT_SETTLE_NS 150000000L

static void settle(mlpb_threading t)
{
    if (t != MLPB_THREADING_SPLIT && t != MLPB_THREADING_AUTO)
        return;
    const struct timespec ts = {0, SPLIT_SETTLE_NS};
    nanosleep(&ts, NULL);
}

/* Times fn on each of the n contexts ctx[i] (the library in mode modes[i])
 * and, when floor_fn is not NULL, floor_fn, over o->reps rounds. They take
 * turns round by round, so that a burst of other load on a shared machine
 * hits all alike and their ratios stay meaningful. Returns 0, or fn's
 * error. */
static int time_group(bench_fn fn, void *const *ctx, const mlpb_threading *modes, size_t n,
                      bench_fn floor_fn, void *floor_arg, const bench_opts *o,
                      bench_timing *out, bench_timing *floor_out)
{
    size_t iters[BENCH_MODES], floor_iters = 1;
    double times[BENCH_MODES][64], floor_times[64];
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        settle(modes[i]);
        iters[i] = 1;
        rc = calibrate(fn, ctx[i], o->min_time, &iters[i]);
    }
    if (rc == 0 && floor_fn != NULL)
        rc = calibrate(floor_fn, floor_arg, o->min_time, &floor_iters);
    for (int r = 0; r < o->reps && rc == 0; r++) {
        for (size_t i = 0; i < n && rc == 0; i++) {
            settle(modes[i]);
            rc = time_round(fn, ctx[i], iters[i], &times[i][r]);
        }
        if (rc == 0 && floor_fn != NULL)
            rc = time_round(floor_fn, floor_arg, floor_iters, &floor_times[r]);
    }
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        summarise(times[i], o->reps, &out[i]);
    if (floor_fn != NULL)
        summarise(floor_times, o->reps, floor_out);
    return 0;
}

/* ------------------------------------------------------- library ops */
typedef struct lib_ctx {
    mlpb_model     *m;
    mlpb_workspace *ws;
    const float    *x, *y;
    float          *prob;
    size_t          n;
    mlpb_status     st;
} lib_ctx;

static int lib_train(void *p)
{
    lib_ctx *c = p;
    float loss;
    c->st = mlpb_loss_grad(c->m, c->ws, c->x, c->y, c->n, &loss);
    if (c->st == MLPB_OK)
        c->st = mlpb_sgd_step(c->m, BENCH_LR);
    return c->st != MLPB_OK;
}

static int lib_forward(void *p)
{
    lib_ctx *c = p;
    c->st = mlpb_predict(c->m, c->ws, c->x, c->n, c->prob);
    return c->st != MLPB_OK;
}

/* ----------------------------------------------------------- products */
/* One product of the floor or the peak, C = op(A) op(B), on the backend the
 * library's products run on: cblas_sgemm, or oneDNN's dnnl_sgemm with its
 * OpenMP team at the BLAS thread count (as the library sets it). */
static void gemm(int onednn, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, size_t m, size_t n,
                 size_t k, const float *a, size_t lda, const float *b, size_t ldb, float *c,
                 size_t ldc)
{
#ifdef MLPB_BENCH_ONEDNN
    if (onednn) {
        const int t = openblas_get_num_threads();
        if (omp_get_max_threads() != t)
            omp_set_num_threads(t);
        dnnl_sgemm(ta == CblasTrans ? 'T' : 'N', tb == CblasTrans ? 'T' : 'N', (dnnl_dim_t)m,
                   (dnnl_dim_t)n, (dnnl_dim_t)k, 1.0f, a, (dnnl_dim_t)lda, b, (dnnl_dim_t)ldb,
                   0.0f, c, (dnnl_dim_t)ldc);
        return;
    }
#else
    (void)onednn;
#endif
    cblas_sgemm(CblasRowMajor, ta, tb, (blasint)m, (blasint)n, (blasint)k, 1.0f, a,
                (blasint)lda, b, (blasint)ldb, 0.0f, c, (blasint)ldc);
}

/* ---------------------------------------------------------- GEMM floor */
/* Buffers of the shapes the passes use. h[0] is x, h[l] (l >= 1) receives the
 * product of layer l-1 (the logits for the last); d[l] (1 <= l < n_layers)
 * receives dH of layer l and serves as the next delta; dout is dA of the
 * output layer. Nothing elementwise happens between the products. */
typedef struct floor_ctx {
    const bench_case *c;
    size_t n_layers;
    float *h[BENCH_MAX_SIZES];
    float *w[BENCH_MAX_SIZES], *dw[BENCH_MAX_SIZES];
    float *d[BENCH_MAX_SIZES];
    float *dout;
    int    onednn; /* the products on oneDNN (bench_opts.onednn) */
} floor_ctx;

static void floor_free(floor_ctx *f)
{
    for (size_t i = 0; i < BENCH_MAX_SIZES; i++) {
        free(f->h[i]);
        free(f->w[i]);
        free(f->dw[i]);
        free(f->d[i]);
    }
    free(f->dout);
    memset(f, 0, sizeof *f);
}

static float *alloc_floats(size_t n)
{
    return malloc(n * sizeof(float));
}

static int floor_init(floor_ctx *f, const bench_case *c, bench_rng *r)
{
    memset(f, 0, sizeof *f);
    f->c = c;
    f->n_layers = c->n_sizes - 1;
    const size_t b = c->batch;
    for (size_t l = 0; l < c->n_sizes; l++) {
        if ((f->h[l] = alloc_floats(b * c->sizes[l])) == NULL)
            goto fail;
    }
    fill_uniform(r, f->h[0], b * c->sizes[0], 1.0f);
    for (size_t l = 0; l < f->n_layers; l++) {
        const size_t in = c->sizes[l], out = c->sizes[l + 1];
        f->w[l] = alloc_floats(in * out);
        f->dw[l] = alloc_floats(in * out);
        if (f->w[l] == NULL || f->dw[l] == NULL)
            goto fail;
        /* 1/sqrt(in) scaling keeps every product O(1): no overflow, no denormals. */
        fill_uniform(r, f->w[l], in * out, 1.0f / sqrtf((float)in));
        if (l > 0 && (f->d[l] = alloc_floats(b * in)) == NULL)
            goto fail;
    }
    if ((f->dout = alloc_floats(b * c->sizes[c->n_sizes - 1])) == NULL)
        goto fail;
    fill_uniform(r, f->dout, b * c->sizes[c->n_sizes - 1], 1.0f / (float)b);
    return 0;
fail:
    floor_free(f);
    return 1;
}

static void floor_forward_products(const floor_ctx *f)
{
    const size_t b = f->c->batch;
    const size_t *s = f->c->sizes;
    if (b == 1 && !f->onednn) {
        /* One sample: the bare calls are matrix-vector products,
         * a_l = W_l^T . h_l, which OpenBLAS runs several times faster
         * than a one-row sgemm. */
        for (size_t l = 0; l < f->n_layers; l++)
            cblas_sgemv(CblasRowMajor, CblasTrans, (blasint)s[l], (blasint)s[l + 1], 1.0f,
                        f->w[l], (blasint)s[l + 1], f->h[l], 1, 0.0f, f->h[l + 1], 1);
        return;
    }
    for (size_t l = 0; l < f->n_layers; l++) {
        /* A_l = H_l . W_l   (B x s_l) . (s_l x s_l+1) */
        gemm(f->onednn, CblasNoTrans, CblasNoTrans, b, s[l + 1], s[l], f->h[l], s[l], f->w[l],
             s[l + 1], f->h[l + 1], s[l + 1]);
    }
}

static int floor_forward(void *p)
{
    floor_forward_products(p);
    return 0;
}

static int floor_train(void *p)
{
    const floor_ctx *f = p;
    const size_t b = f->c->batch;
    const size_t *s = f->c->sizes;
    floor_forward_products(f);
    const float *delta = f->dout;
    for (size_t l = f->n_layers; l-- > 0;) {
        /* dW_l = H_l^T . dA_l   (s_l x B) . (B x s_l+1) */
        gemm(f->onednn, CblasTrans, CblasNoTrans, s[l], s[l + 1], b, f->h[l], s[l], delta,
             s[l + 1], f->dw[l], s[l + 1]);
        if (l == 0)
            break;
        /* dH_l = dA_l . W_l^T   (B x s_l+1) . (s_l+1 x s_l); the next delta */
        gemm(f->onednn, CblasNoTrans, CblasTrans, b, s[l], s[l + 1], delta, s[l + 1], f->w[l],
             s[l + 1], f->d[l], s[l]);
        delta = f->d[l];
    }
    return 0;
}

/* ---------------------------------------------------------------- peak */
typedef struct peak_ctx {
    size_t n;
    float *a, *b, *c;
    int    onednn;
} peak_ctx;

static int peak_op(void *p)
{
    const peak_ctx *k = p;
    gemm(k->onednn, CblasNoTrans, CblasNoTrans, k->n, k->n, k->n, k->a, k->n, k->b, k->n, k->c,
         k->n);
    return 0;
}

static int measure_peak(const bench_opts *o, bench_rng *r, double *gflops)
{
    peak_ctx k = {o->peak_size, NULL, NULL, NULL, o->onednn};
    const size_t nn = k.n * k.n;
    int rc = 1;
    k.a = alloc_floats(nn);
    k.b = alloc_floats(nn);
    k.c = alloc_floats(nn);
    if (k.a != NULL && k.b != NULL && k.c != NULL) {
        bench_timing t;
        fill_uniform(r, k.a, nn, 1.0f);
        fill_uniform(r, k.b, nn, 1.0f / sqrtf((float)k.n));
        void *ctx = &k;
        const mlpb_threading none = MLPB_THREADING_BLAS;
        rc = time_group(peak_op, &ctx, &none, 1, NULL, NULL, o, &t, NULL);
        /* The best round, not the median: the peak is what the machine can do,
         * and on a loaded machine the median mostly measures the load. */
        *gflops = 2.0 * (double)k.n * (double)k.n * (double)k.n / t.min_s * 1e-9;
    }
    free(k.a);
    free(k.b);
    free(k.c);
    return rc;
}

/* The peak on the run's thread count and on one thread (when that differs),
 * so that each case can be read against both. */
static int measure_peaks(const bench_opts *o, bench_rng *r, int threads, double *peak,
                         double *peak1)
{
    if (measure_peak(o, r, peak) != 0)
        return 1;
    if (threads == 1) {
        *peak1 = *peak;
        return 0;
    }
    mlpb_blas_set_threads(1);
    const int rc = measure_peak(o, r, peak1);
    mlpb_blas_set_threads(threads);
    return rc;
}

/* ------------------------------------------------------------ one case */
static void fill_result(bench_result *res, const bench_case *c, const char *mode, int train)
{
    const double b = (double)c->batch;
    res->c = c;
    res->mode = mode;
    res->flops = case_flops(c, train);
    res->samples_per_s = b / res->op.median_s;
    res->gflops = res->flops / res->op.median_s * 1e-9;
    res->floor_samples_per_s = b / res->floor.median_s;
    res->floor_gflops = res->flops / res->floor.median_s * 1e-9;
    res->floor_ratio = res->samples_per_s / res->floor_samples_per_s;
    res->max_rss_kib = max_rss_kib();
}

/* The threading modes a run measures: the one chosen, or all (--modes). */
static size_t run_modes(const bench_opts *o, mlpb_threading *modes)
{
    if (!o->all_modes) {
        modes[0] = o->threading;
        return 1;
    }
    modes[0] = MLPB_THREADING_AUTO;
    modes[1] = MLPB_THREADING_BLAS;
    modes[2] = MLPB_THREADING_SERIAL_SMALL;
    modes[3] = MLPB_THREADING_SPLIT;
    return BENCH_MODES;
}

/* Runs train and forward for one case, in each mode of run_modes: res[2 i]
 * and res[2 i + 1] for mode i. Every mode has a model and workspace of its
 * own, made from the same seed. Returns 0, or 1 after printing why it
 * failed. */
static int run_case(const bench_case *c, const bench_opts *o, bench_result *res)
{
    bench_rng r = {o->seed ^ (0x51ED270B27F1A3C5u * (uint64_t)(c->batch + 1))};
    const size_t d = c->sizes[0], k = c->sizes[c->n_sizes - 1], b = c->batch;
    mlpb_threading modes[BENCH_MODES];
    const size_t n_modes = run_modes(o, modes);
    lib_ctx lc[BENCH_MODES];
    void *ctx[BENCH_MODES];
    floor_ctx fc;
    int rc = 1;
    float *x = NULL, *y = NULL, *prob = NULL;
    bench_timing op[BENCH_MODES], floor_t[2];

    memset(lc, 0, sizeof lc);
    memset(&fc, 0, sizeof fc);
    const mlpb_config cfg = {c->sizes, c->n_sizes, o->seed, MLPB_INIT_HE_GLOROT};
    mlpb_status st = MLPB_OK;
    for (size_t i = 0; i < n_modes && st == MLPB_OK; i++) {
        ctx[i] = &lc[i];
        st = mlpb_model_create(&cfg, NULL, &lc[i].m);
        if (st == MLPB_OK)
            st = mlpb_workspace_create(lc[i].m, b, NULL, &lc[i].ws);
        if (st == MLPB_OK)
            st = mlpb_workspace_set_threading(lc[i].ws, modes[i]);
        if (st == MLPB_OK)
            st = mlpb_workspace_set_precision(lc[i].ws, o->precision);
        if (st == MLPB_OK)
            st = mlpb_workspace_set_gemm(lc[i].ws, o->gemm);
    }
    if (st != MLPB_OK) {
        fprintf(stderr, "mlpblas-bench: %s: %s\n", c->name, mlpb_strerror(st));
        goto fail;
    }
    x = alloc_floats(b * d);
    y = alloc_floats(b * k);
    prob = alloc_floats(b * k);
    if (x == NULL || y == NULL || prob == NULL || floor_init(&fc, c, &r) != 0) {
        fprintf(stderr, "mlpblas-bench: %s: out of memory\n", c->name);
        goto fail;
    }
    fc.onednn = o->onednn;
    fill_uniform(&r, x, b * d, 1.0f);
    for (size_t i = 0; i < b * k; i++)
        y[i] = (float)(rng_next(&r) >> 63);
    for (size_t i = 0; i < n_modes; i++) {
        lc[i].x = x;
        lc[i].y = y;
        lc[i].prob = prob;
        lc[i].n = b;
    }

    for (int train = 1; train >= 0; train--) {
        if (time_group(train ? lib_train : lib_forward, ctx, modes, n_modes,
                       train ? floor_train : floor_forward, &fc, o, op,
                       &floor_t[train]) != 0) {
            for (size_t i = 0; i < n_modes; i++)
                if (lc[i].st != MLPB_OK)
                    fprintf(stderr, "mlpblas-bench: %s: %s\n", c->name,
                            mlpb_strerror(lc[i].st));
            goto fail;
        }
        for (size_t i = 0; i < n_modes; i++) {
            bench_result *rr = &res[2 * i + (train ? 0 : 1)];
            rr->op = op[i];
            rr->floor = floor_t[train];
            rr->threading = modes[i];
            fill_result(rr, c, train ? "train" : "forward", train);
        }
    }
    rc = 0;
fail:
    floor_free(&fc);
    free(x);
    free(y);
    free(prob);
    for (size_t i = 0; i < n_modes; i++) {
        mlpb_workspace_destroy(lc[i].ws);
        mlpb_model_destroy(lc[i].m);
    }
    return rc;
}

/* -------------------------------------------------------------- output */
static const char *threading_name(mlpb_threading t)
{
    return t == MLPB_THREADING_SERIAL_SMALL ? "serial-small"
           : t == MLPB_THREADING_SPLIT      ? "split"
           : t == MLPB_THREADING_AUTO       ? "auto"
                                            : "blas";
}

static const char *threading_desc(mlpb_threading t)
{
    return t == MLPB_THREADING_SERIAL_SMALL
               ? "serial-small (products < 2^23 multiply-adds on 1 thread)"
           : t == MLPB_THREADING_SPLIT
               ? "split (each batch in row blocks, one a thread, 1 BLAS thread each)"
           : t == MLPB_THREADING_AUTO
               ? "auto (the library's default: split or serial-small by shape)"
               : "blas (every product on the BLAS thread count)";
}

/* JSON strings: the BLAS config and case names are plain ASCII, but escape
 * anyway so the output is always valid. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        const unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* A finite number, or null (which no consumer can mistake for a figure). */
static void json_number(FILE *f, const char *key, double v)
{
    if (isfinite(v))
        fprintf(f, ",\"%s\":%.6g", key, v);
    else
        fprintf(f, ",\"%s\":null", key);
}

static void print_json(const bench_result *r, int threads, double peak_gflops,
                       double peak1_gflops)
{
    const bench_case *c = r->c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, ',');
    printf("{\"case\":");
    json_string(stdout, c->name);
    printf(",\"batch\":%zu,\"inputs\":%zu,\"hidden\":[%s],\"outputs\":%zu,\"mode\":\"%s\"",
           c->batch, c->sizes[0], hid, c->sizes[c->n_sizes - 1], r->mode);
    json_number(stdout, "samples_per_s", r->samples_per_s);
    json_number(stdout, "gflops", r->gflops);
    json_number(stdout, "floor_samples_per_s", r->floor_samples_per_s);
    json_number(stdout, "floor_gflops", r->floor_gflops);
    json_number(stdout, "floor_ratio", r->floor_ratio);
    json_number(stdout, "peak_gflops", peak_gflops);
    json_number(stdout, "peak_ratio", r->peak_ratio);
    json_number(stdout, "peak1_gflops", peak1_gflops);
    json_number(stdout, "peak1_ratio", r->peak1_ratio);
    json_number(stdout, "median_s", r->op.median_s);
    json_number(stdout, "min_s", r->op.min_s);
    json_number(stdout, "floor_median_s", r->floor.median_s);
    json_number(stdout, "floor_min_s", r->floor.min_s);
    json_number(stdout, "flops", r->flops);
    printf(",\"threads\":%d,\"threading\":\"%s\",\"max_rss_kib\":%ld}\n", threads,
           threading_name(r->threading), r->max_rss_kib);
    fflush(stdout);
}

static const char CSV_HEADER[] =
    "case,batch,inputs,hidden,outputs,mode,samples_per_s,gflops,floor_samples_per_s,"
    "floor_gflops,floor_ratio,peak_gflops,peak_ratio,median_s,min_s,floor_median_s,"
    "floor_min_s,flops,threads,max_rss_kib,threading,peak1_ratio\n";

static void print_csv(FILE *f, const bench_result *r, int threads, double peak_gflops)
{
    const bench_case *c = r->c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, 'x');
    fprintf(f, "%s,%zu,%zu,%s,%zu,%s,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,"
            "%.6g,%d,%ld,%s,%.6g\n",
            c->name, c->batch, c->sizes[0], hid, c->sizes[c->n_sizes - 1], r->mode,
            r->samples_per_s, r->gflops, r->floor_samples_per_s, r->floor_gflops,
            r->floor_ratio, peak_gflops, r->peak_ratio, r->op.median_s, r->op.min_s,
            r->floor.median_s, r->floor.min_s, r->flops, threads, r->max_rss_kib,
            threading_name(r->threading), r->peak1_ratio);
}

/* Column widths of the case name and hidden widths, from the longest. */
typedef struct table_widths {
    int name, hidden;
} table_widths;

static table_widths table_measure(const bench_opts *o)
{
    table_widths w = {4, 6};
    for (size_t i = 0; i < o->n_cases; i++) {
        char hid[64];
        case_hidden_str(&o->cases[i], hid, sizeof hid, ',');
        const size_t nl = strlen(o->cases[i].name), hl = strlen(hid);
        w.name = nl > (size_t)w.name ? (int)nl : w.name;
        w.hidden = hl > (size_t)w.hidden ? (int)hl : w.hidden;
    }
    return w;
}

static void print_table_header(table_widths w)
{
    printf("%-*s %5s %6s %-*s %4s %-7s %-12s %12s %8s %12s %6s %6s %6s %10s %10s\n", w.name,
           "case", "batch", "inputs", w.hidden, "hidden", "out", "mode", "threading",
           "samples/s", "GFLOP/s", "floor smp/s", "floor", "peak", "peak1", "median ms",
           "min ms");
}

static void print_table_row(const bench_result *r, table_widths w)
{
    const bench_case *c = r->c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, ',');
    printf("%-*s %5zu %6zu %-*s %4zu %-7s %-12s %12.0f %8.2f %12.0f %6.3f %6.3f %6.3f %10.4f "
           "%10.4f\n",
           w.name, c->name, c->batch, c->sizes[0], w.hidden, hid, c->sizes[c->n_sizes - 1],
           r->mode, threading_name(r->threading), r->samples_per_s, r->gflops,
           r->floor_samples_per_s, r->floor_ratio, r->peak_ratio, r->peak1_ratio,
           1e3 * r->op.median_s, 1e3 * r->op.min_s);
    fflush(stdout);
}

/* --modes: for each case and mode, auto's samples/s against the fastest
 * fixed mode's, from the same interleaved rounds. */
static void print_auto_summary(const bench_result *res, size_t n_cases, size_t n_modes)
{
    printf("# auto against the best fixed mode (samples/s ratio):\n");
    for (size_t i = 0; i < n_cases; i++) {
        for (size_t t = 0; t < 2; t++) {
            const bench_result *a = &res[2 * n_modes * i + t], *best = NULL;
            for (size_t m = 1; m < n_modes; m++) {
                const bench_result *q = &res[2 * n_modes * i + 2 * m + t];
                if (best == NULL || q->samples_per_s > best->samples_per_s)
                    best = q;
            }
            if (best != NULL)
                printf("#   %-12s %-7s auto/best %.3f (best: %s)\n", a->c->name, a->mode,
                       a->samples_per_s / best->samples_per_s, threading_name(best->threading));
        }
    }
}

/* -------------------------------------------------------------- memory */
/* --memory: each case trains once through mlpb_train (Adam, the default 0.1
 * validation split, so that the trainer's own buffers count) in a child
 * process of its own, so that the peak RSS is that run's alone and not left
 * over from an earlier case. The library's heap goes through a counting
 * allocator, so its own peak is known to the byte beside the RSS. The child
 * sends its figures back through a pipe. */
#define MIB (1024.0 * 1024.0)
#define MEM_FACTOR 1.2          /* the target: peak RSS <= 1.2 x budget + 16 MiB */
#define MEM_SLACK (16.0 * MIB)

typedef struct count_alloc {
    size_t live, peak, allocs;
} count_alloc;

/* Each block carries the size asked for and its header length in the two
 * words before the pointer handed out (mlpb_allocator.free gets no size). */
static void *count_alloc_fn(void *ctx, size_t size, size_t align)
{
    count_alloc *c = ctx;
    const size_t hdr = align < 2 * sizeof(size_t) ? 2 * sizeof(size_t) : align;
    if (size > SIZE_MAX - 2 * hdr)
        return NULL;
    char *base = aligned_alloc(hdr, (hdr + size + hdr - 1) / hdr * hdr);
    if (base == NULL)
        return NULL;
    size_t *meta = (size_t *)(void *)(base + hdr) - 2;
    meta[0] = size;
    meta[1] = hdr;
    c->live += size;
    c->allocs++;
    if (c->live > c->peak)
        c->peak = c->live;
    return base + hdr;
}

static void count_free_fn(void *ctx, void *p)
{
    count_alloc *c = ctx;
    if (p == NULL)
        return;
    const size_t *meta = (const size_t *)p - 2;
    c->live -= meta[0];
    free((char *)p - meta[1]);
}

/* VmRSS and VmHWM (peak RSS) of this process in KiB. Returns 0, or 1 when
 * /proc/self/status cannot be read (not Linux). */
static int proc_rss(long *rss_kib, long *hwm_kib)
{
    char line[256];
    long rss = -1, hwm = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return 1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            rss = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            hwm = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    if (rss < 0 || hwm < 0)
        return 1;
    *rss_kib = rss;
    *hwm_kib = hwm;
    return 0;
}

/* Reset VmHWM to the current RSS (Linux >= 4.0), so that the child's peak
 * starts from its own state. Returns 1 if that worked. */
static int reset_hwm(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL)
        return 0;
    const int ok = fputs("5", f) >= 0;
    return (fclose(f) == 0) & ok;
}

typedef struct mem_result {
    const bench_case *c;
    size_t rows, batch, params, epochs_run;
    /* The budget, from the sizes alone (bytes). */
    size_t state_bytes;     /* params x 4 x (2 + 2): parameters, gradients, Adam's moments */
    size_t workspace_bytes; /* batch x (d + sum(hidden) + k + 2 max_width) x 4 */
    size_t data_bytes;      /* rows x (d + k) x 4: the caller's dataset */
    size_t budget_bytes;
    double limit_bytes;     /* MEM_FACTOR x budget + MEM_SLACK */
    /* Measured, KiB: RSS at the child's start, after one tiny sgemm (the
     * BLAS library's first-use setup), the peak over the run, and RSS once
     * everything is freed again (what the BLAS library and libc keep). */
    long rss_start_kib, rss_blas_kib, peak_rss_kib, rss_end_kib;
    int  hwm_reset;         /* the peak was reset at the child's start */
    /* The library's heap through the counting allocator, bytes. */
    size_t heap_peak, heap_model, heap_workspace, heap_optim, heap_trainer, heap_allocs;
    double heap_ratio;      /* (heap_peak + data) / budget */
    double rss_ratio;       /* peak RSS / limit */
    double train_s;
} mem_result;

/* parts: the row blocks of MLPB_THREADING_SPLIT (1 otherwise), whose gradient
 * arenas beyond the model's own count as workspace. */
static void mem_budget(const bench_case *c, size_t rows, size_t parts, mem_result *res)
{
    const size_t d = c->sizes[0], k = c->sizes[c->n_sizes - 1];
    size_t params = 0, acts = 0, max_width = 0;
    for (size_t l = 0; l + 1 < c->n_sizes; l++) {
        params += c->sizes[l] * c->sizes[l + 1] + c->sizes[l + 1];
        acts += c->sizes[l]; /* d and the hidden widths */
        if (c->sizes[l + 1] > max_width)
            max_width = c->sizes[l + 1];
    }
    res->c = c;
    res->rows = rows;
    res->batch = c->batch < rows ? c->batch : rows;
    res->params = params;
    res->state_bytes = params * sizeof(float) * (2 + 2);
    res->workspace_bytes = (res->batch * (acts + k + 2 * max_width) +
                            (parts - 1) * params) * sizeof(float);
    res->data_bytes = rows * (d + k) * sizeof(float);
    res->budget_bytes = res->state_bytes + res->workspace_bytes + res->data_bytes;
    res->limit_bytes = MEM_FACTOR * (double)res->budget_bytes + MEM_SLACK;
}

/* The measurement, in the child. Returns 0, or 1 after printing why. */
static int mem_child(const bench_case *c, const bench_opts *o, mem_result *res)
{
    const size_t d = c->sizes[0], k = c->sizes[c->n_sizes - 1];
    const size_t rows = o->rows > 0 ? o->rows : 8 * c->batch;
    long rss, hwm;
    float *x = NULL, *y = NULL;
    mlpb_model *m = NULL;
    count_alloc ca = {0, 0, 0};
    const mlpb_allocator al = {count_alloc_fn, count_free_fn, &ca};
    mlpb_status st = MLPB_OK;
    int rc = 1;

    const int threads = mlpb_blas_threads();
    mem_budget(c, rows,
               (o->threading == MLPB_THREADING_SPLIT || o->threading == MLPB_THREADING_AUTO) &&
                       threads > 1
                   ? (size_t)threads
                   : 1,
               res);
    res->hwm_reset = reset_hwm();
    if (proc_rss(&res->rss_start_kib, &hwm) != 0) {
        fprintf(stderr, "mlpblas-bench: --memory needs /proc/self/status (Linux)\n");
        return 1;
    }
    /* The BLAS library sets up its buffers and threads at its first call. */
    float a[64], b[64], p[64];
    for (int i = 0; i < 64; i++)
        a[i] = b[i] = 1.0f / 64.0f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 8, 8, 8, 1.0f, a, 8, b, 8, 0.0f, p,
                8);
    if (proc_rss(&res->rss_blas_kib, &hwm) != 0)
        return 1;

    bench_rng r = {o->seed ^ (0x9E3779B97F4A7C15u * (uint64_t)(rows + 1))};
    x = alloc_floats(rows * d);
    y = alloc_floats(rows * k);
    if (x == NULL || y == NULL) {
        fprintf(stderr, "mlpblas-bench: %s: out of memory\n", c->name);
        goto done;
    }
    fill_uniform(&r, x, rows * d, 1.0f);
    for (size_t i = 0; i < rows * k; i++)
        y[i] = (float)(rng_next(&r) >> 63);

    const mlpb_config cfg = {c->sizes, c->n_sizes, o->seed, MLPB_INIT_HE_GLOROT};
    if ((st = mlpb_model_create(&cfg, &al, &m)) != MLPB_OK)
        goto done;
    res->heap_model = ca.live;
    mlpb_train_opts to;
    mlpb_train_opts_default(&to);
    to.epochs = o->epochs;
    to.batch_size = c->batch;
    to.seed = o->seed;
    to.threading = o->threading;
    const mlpb_dataset ds = {x, y, NULL, rows};
    mlpb_train_report rep;
    if ((st = mlpb_train(m, &ds, NULL, &to, &al, &rep)) != MLPB_OK)
        goto done;
    if (proc_rss(&rss, &res->peak_rss_kib) != 0)
        goto done;
    res->heap_peak = ca.peak;
    res->heap_allocs = ca.allocs;
    res->epochs_run = rep.epochs_run;
    res->train_s = rep.seconds;

    /* What stays once everything is freed: the BLAS library's buffers and
     * threads, and whatever libc keeps. Read before the probes below, whose
     * freed blocks libc may keep too. */
    mlpb_model_destroy(m);
    m = NULL;
    free(x);
    free(y);
    x = y = NULL;
    if (proc_rss(&res->rss_end_kib, &hwm) != 0)
        goto done;

    /* The trainer's parts, each created alone on a fresh model after the run
     * (all smaller than its peak): what is left of the peak is the trainer's
     * own block (row index, batch and validation buffers, snapshots). */
    if ((st = mlpb_model_create(&cfg, &al, &m)) != MLPB_OK)
        goto done;
    size_t before = ca.live;
    mlpb_workspace *ws = NULL;
    if ((st = mlpb_workspace_create(m, res->batch, &al, &ws)) != MLPB_OK)
        goto done;
    res->heap_workspace = ca.live - before;
    mlpb_workspace_destroy(ws);
    mlpb_optim *opt = NULL;
    before = ca.live;
    if ((st = mlpb_optim_create(m, &to.optim, &al, &opt)) != MLPB_OK)
        goto done;
    res->heap_optim = ca.live - before;
    mlpb_optim_destroy(opt);
    res->heap_trainer = res->heap_peak - res->heap_model - res->heap_workspace - res->heap_optim;
    res->heap_ratio = (double)(res->heap_peak + res->data_bytes) / (double)res->budget_bytes;
    res->rss_ratio = (double)res->peak_rss_kib * 1024.0 / res->limit_bytes;
    rc = 0;
done:
    if (st != MLPB_OK)
        fprintf(stderr, "mlpblas-bench: %s: %s\n", c->name, mlpb_strerror(st));
    mlpb_model_destroy(m);
    free(x);
    free(y);
    return rc;
}

/* Runs one case in a child process. Returns 0, or 1 after printing why. */
static int mem_case(const bench_case *c, const bench_opts *o, mem_result *res)
{
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        fprintf(stderr, "mlpblas-bench: pipe: %s\n", strerror(errno));
        return 1;
    }
    const pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mlpblas-bench: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return 1;
    }
    if (pid == 0) {
        mem_result mine;
        memset(&mine, 0, sizeof mine);
        close(fds[0]);
        int rc = mem_child(c, o, &mine);
        /* Far below PIPE_BUF: one write, whole or nothing. */
        if (rc == 0 && write(fds[1], &mine, sizeof mine) != (ssize_t)sizeof mine)
            rc = 1;
        fflush(stderr);
        _exit(rc);
    }
    close(fds[1]);
    ssize_t got = 0;
    while (got < (ssize_t)sizeof *res) {
        const ssize_t n = read(fds[0], (char *)res + got, sizeof *res - (size_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += n;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != (ssize_t)sizeof *res) {
        fprintf(stderr, "mlpblas-bench: %s: the measuring process failed\n", c->name);
        return 1;
    }
    res->c = c;
    return 0;
}

static void print_mem_json(const mem_result *r, int threads)
{
    const bench_case *c = r->c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, ',');
    printf("{\"case\":");
    json_string(stdout, c->name);
    printf(",\"batch\":%zu,\"inputs\":%zu,\"hidden\":[%s],\"outputs\":%zu,\"mode\":\"memory\","
           "\"rows\":%zu,\"epochs\":%zu,\"optimizer\":\"adam\",\"params\":%zu",
           r->batch, c->sizes[0], hid, c->sizes[c->n_sizes - 1], r->rows, r->epochs_run,
           r->params);
    printf(",\"state_bytes\":%zu,\"workspace_bytes\":%zu,\"data_bytes\":%zu,\"budget_bytes\":%zu,"
           "\"limit_bytes\":%.0f",
           r->state_bytes, r->workspace_bytes, r->data_bytes, r->budget_bytes, r->limit_bytes);
    printf(",\"rss_start_kib\":%ld,\"rss_blas_kib\":%ld,\"peak_rss_kib\":%ld,\"rss_end_kib\":%ld,"
           "\"peak_reset\":%s",
           r->rss_start_kib, r->rss_blas_kib, r->peak_rss_kib, r->rss_end_kib,
           r->hwm_reset ? "true" : "false");
    printf(",\"heap_peak_bytes\":%zu,\"heap_model_bytes\":%zu,\"heap_workspace_bytes\":%zu,"
           "\"heap_optim_bytes\":%zu,\"heap_trainer_bytes\":%zu,\"heap_allocs\":%zu",
           r->heap_peak, r->heap_model, r->heap_workspace, r->heap_optim, r->heap_trainer,
           r->heap_allocs);
    json_number(stdout, "heap_ratio", r->heap_ratio);
    json_number(stdout, "rss_ratio", r->rss_ratio);
    json_number(stdout, "train_s", r->train_s);
    printf(",\"pass\":%s,\"threads\":%d}\n", r->rss_ratio <= 1.0 ? "true" : "false", threads);
    fflush(stdout);
}

static void print_mem_table(const mem_result *res, size_t n)
{
    int w = 4;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(res[i].c->name) > w)
            w = (int)strlen(res[i].c->name);
    printf("%-*s %6s %9s %8s %8s %6s %6s %8s %6s %8s %7s %7s %7s %8s %6s %6s %s\n", w, "case",
           "rows", "params", "budget", "limit", "start", "+blas", "peak", "end", "heap", "model",
           "wspace", "optim", "trainer", "heap/b", "peak/l", "target");
    for (size_t i = 0; i < n; i++) {
        const mem_result *r = &res[i];
        printf("%-*s %6zu %9zu %8.1f %8.1f %6.1f %6.1f %8.1f %6.1f %8.1f %7.1f %7.1f %7.1f "
               "%8.1f %6.3f %6.3f %s\n",
               w, r->c->name, r->rows, r->params, (double)r->budget_bytes / MIB,
               r->limit_bytes / MIB, (double)r->rss_start_kib / 1024.0,
               (double)(r->rss_blas_kib - r->rss_start_kib) / 1024.0,
               (double)r->peak_rss_kib / 1024.0, (double)r->rss_end_kib / 1024.0,
               (double)r->heap_peak / MIB,
               (double)r->heap_model / MIB, (double)r->heap_workspace / MIB,
               (double)r->heap_optim / MIB, (double)r->heap_trainer / MIB, r->heap_ratio,
               r->rss_ratio, r->rss_ratio <= 1.0 ? "pass" : "FAIL");
    }
    printf("# MiB throughout. budget = params x 4 B x (2 + 2 Adam moments) + workspace + data;"
           " limit = %.1f x budget + %.0f MiB;\n"
           "# start = RSS before anything, +blas = what one tiny sgemm adds, peak = peak RSS of"
           " the run, end = RSS once all is freed;\n"
           "# heap = the library's peak (model + workspace + optimiser + trainer's own block);"
           " heap/b = (heap + data) / budget;\n"
           "# peak/l = peak / limit\n",
           MEM_FACTOR, MEM_SLACK / MIB);
}

/* --memory: every case, each in its own process, then the results. */
static int run_memory(const bench_opts *o, int threads)
{
    mem_result *res = calloc(o->n_cases, sizeof *res);
    if (res == NULL) {
        fprintf(stderr, "mlpblas-bench: out of memory\n");
        return 1;
    }
    FILE *hf = o->json ? stderr : stdout;
    fprintf(hf, "# mlpblas-bench --memory: mlpblas %s\n# BLAS: %s\n# BLAS threads: %d\n",
            mlpb_version_string(), mlpb_blas_config(), threads);
    char rows[32] = "8 x batch";
    if (o->rows > 0)
        snprintf(rows, sizeof rows, "%zu", o->rows);
    fprintf(hf, "# method: per case, a fresh process trains with mlpb_train (Adam, %zu epochs, "
                "batch = the case's, validation split 0.1) on %s seeded random rows\n",
            o->epochs, rows);
    fflush(hf);
    int rc = 0;
    for (size_t i = 0; i < o->n_cases && rc == 0; i++)
        rc = mem_case(&o->cases[i], o, &res[i]);
    if (rc == 0) {
        if (o->json)
            for (size_t i = 0; i < o->n_cases; i++)
                print_mem_json(&res[i], threads);
        else
            print_mem_table(res, o->n_cases);
    }
    free(res);
    return rc;
}

/* -------------------------------------------------------------- svg */
typedef struct svg_frame {
    double x0, x1, y0, y1; /* data range: log2 batch, log10 samples/s */
    double left, top, w, h;
} svg_frame;

static double svg_x(const svg_frame *f, double batch)
{
    return f->left + (log2(batch) - f->x0) / (f->x1 - f->x0) * f->w;
}

static double svg_y(const svg_frame *f, double v)
{
    return f->top + f->h - (log10(v) - f->y0) / (f->y1 - f->y0) * f->h;
}

/* One line: the results of `mode` (and, with threading >= 0, of that
 * threading mode only), their floor if is_floor, dashed if dashed. */
static void svg_line(FILE *f, const svg_frame *fr, const bench_result *res, size_t n,
                     const char *mode, int threading, int is_floor, int dashed,
                     const char *colour)
{
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", colour,
            dashed ? " stroke-dasharray=\"6 4\"" : "");
    for (size_t i = 0; i < n; i++) {
        if (strcmp(res[i].mode, mode) != 0 || (threading >= 0 && (int)res[i].threading != threading))
            continue;
        const double v = is_floor ? res[i].floor_samples_per_s : res[i].samples_per_s;
        fprintf(f, "%.1f,%.1f ", svg_x(fr, (double)res[i].c->batch), svg_y(fr, v));
    }
    fprintf(f, "\"/>\n");
    for (size_t i = 0; i < n && !is_floor; i++) {
        if (strcmp(res[i].mode, mode) == 0 &&
            (threading < 0 || (int)res[i].threading == threading))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                    svg_x(fr, (double)res[i].c->batch), svg_y(fr, res[i].samples_per_s), colour);
    }
}

/* Samples/s against batch for a sweep: log2 x axis, log10 y axis. For one
 * threading mode the train and forward lines solid and their GEMM floors
 * dashed; for every mode (threading < 0, --modes) a colour a mode, train
 * solid and forward dashed. */
static void write_svg(FILE *f, const bench_result *res, size_t n, int threads, int threading)
{
    svg_frame fr = {0.0, 1.0, 0.0, 1.0, 80.0, 50.0, 600.0, 340.0};
    double bmin = DBL_MAX, bmax = 0.0, vmin = DBL_MAX, vmax = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double b = (double)res[i].c->batch;
        bmin = fmin(bmin, b);
        bmax = fmax(bmax, b);
        vmin = fmin(vmin, fmin(res[i].samples_per_s, res[i].floor_samples_per_s));
        vmax = fmax(vmax, fmax(res[i].samples_per_s, res[i].floor_samples_per_s));
    }
    fr.x0 = log2(bmin);
    fr.x1 = log2(bmax) > fr.x0 ? log2(bmax) : fr.x0 + 1.0;
    fr.y0 = floor(log10(vmin));
    fr.y1 = ceil(log10(vmax));
    if (fr.y1 <= fr.y0)
        fr.y1 = fr.y0 + 1.0;

    const bench_case *c = res[0].c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, ',');
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"460\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"900\" height=\"460\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"450\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">mlpblas %s: "
               "samples/s against batch (inputs %zu, hidden %s, outputs %zu, %d BLAS "
               "threads, %s)</text>\n",
            mlpb_version_string(), c->sizes[0], hid, c->sizes[c->n_sizes - 1], threads,
            threading < 0 ? "every mode" : threading_name((mlpb_threading)threading));
    for (double e = fr.y0; e <= fr.y1 + 0.5; e += 1.0) {
        const double yy = svg_y(&fr, pow(10.0, e));
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                fr.left, yy, fr.left + fr.w, yy);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">1e%d</text>\n",
                fr.left - 6.0, yy + 4.0, (int)e);
    }
    for (double b = bmin; b <= bmax; b *= 2.0) {
        const double xx = svg_x(&fr, b);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
                xx, fr.top, xx, fr.top + fr.h);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", xx,
                fr.top + fr.h + 18.0, b);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"black\"/>\n",
            fr.left, fr.top, fr.w, fr.h);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">batch size (log2)</text>\n",
            fr.left + fr.w / 2.0, fr.top + fr.h + 38.0);
    fprintf(f, "<text transform=\"translate(22,%.1f) rotate(-90)\" text-anchor=\"middle\">"
               "samples/s (log10)</text>\n",
            fr.top + fr.h / 2.0);
    if (threading < 0) {
        static const char *const colours[BENCH_MODES] = {"#000000", "#1f77b4", "#2ca02c",
                                                         "#d62728"};
        static const mlpb_threading order[BENCH_MODES] = {
            MLPB_THREADING_AUTO, MLPB_THREADING_BLAS, MLPB_THREADING_SERIAL_SMALL,
            MLPB_THREADING_SPLIT};
        for (int m = 0; m < BENCH_MODES; m++) {
            svg_line(f, &fr, res, n, "train", (int)order[m], 0, 0, colours[m]);
            svg_line(f, &fr, res, n, "forward", (int)order[m], 0, 1, colours[m]);
            const double lx = fr.left + fr.w + 20.0, ly = fr.top + 10.0 + 22.0 * m;
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                       "stroke-width=\"2\"/>\n",
                    lx, ly, lx + 28.0, ly, colours[m]);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", lx + 36.0, ly + 4.0,
                    threading_name(order[m]));
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">solid: train</text>\n", fr.left + fr.w + 20.0,
                fr.top + 10.0 + 22.0 * BENCH_MODES + 4.0);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">dashed: forward</text>\n",
                fr.left + fr.w + 20.0, fr.top + 10.0 + 22.0 * (BENCH_MODES + 1) + 4.0);
        fprintf(f, "</svg>\n");
        return;
    }
    svg_line(f, &fr, res, n, "train", -1, 0, 0, "#1f77b4");
    svg_line(f, &fr, res, n, "train", -1, 1, 1, "#1f77b4");
    svg_line(f, &fr, res, n, "forward", -1, 0, 0, "#d62728");
    svg_line(f, &fr, res, n, "forward", -1, 1, 1, "#d62728");
    static const char *const labels[4] = {"train", "train GEMM floor", "forward",
                                          "forward GEMM floor"};
    for (int i = 0; i < 4; i++) {
        const double lx = fr.left + fr.w + 20.0, ly = fr.top + 10.0 + 22.0 * i;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"2\"%s/>\n",
                lx, ly, lx + 28.0, ly, i < 2 ? "#1f77b4" : "#d62728",
                i % 2 ? " stroke-dasharray=\"6 4\"" : "");
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", lx + 36.0, ly + 4.0,
                labels[i]);
    }
    fprintf(f, "</svg>\n");
}

/* ------------------------------------------------------------- options */
static void usage(FILE *f)
{
    fprintf(f,
            "usage: mlpblas-bench [options]\n"
            "Throughput of one training step (mlpb_loss_grad + mlpb_sgd_step) and of\n"
            "inference (mlpb_predict) against the GEMM floor (the same cblas_sgemm calls\n"
            "back to back) and the peak rate of a large square sgemm.\n"
            "\n"
            "  --case B,D,H[,H2...],K  batch, inputs, hidden layer widths, outputs\n"
            "                          (repeatable; replaces the default cases)\n"
            "  --batch-sweep           batches 1, 2, 4, ..., %d for one shape (the first\n"
            "                          --case's D,H...,K, else 256,512,1)\n"
            "  --memory                instead of throughput: peak memory of a training run\n"
            "                          (mlpb_train, Adam) per case, each in a fresh process,\n"
            "                          against 1.2 x (params x 4 B x 4 + workspace + data)\n"
            "                          + 16 MiB\n"
            "  --rows N                with --memory: dataset rows (default 8 batches)\n"
            "  --epochs N              with --memory: training epochs (default 2)\n"
            "  --reps N                timed rounds per measurement (default 5)\n"
            "  --min-time S            seconds per round, at least (default 0.2)\n"
            "  --threads N             BLAS threads (default: the BLAS library's)\n"
            "  --auto                  the library's default threading, chosen by shape\n"
            "                          (MLPB_THREADING_AUTO; the default here too)\n"
            "  --blas                  every product on the BLAS thread count\n"
            "                          (MLPB_THREADING_BLAS)\n"
            "  --modes                 every mode (auto, blas, serial-small, split), their\n"
            "                          rounds interleaved, and auto against the best\n"
            "  --serial-small          run the library's small products on one BLAS\n"
            "                          thread (MLPB_THREADING_SERIAL_SMALL); the floor\n"
            "                          stays the naive sgemm calls\n"
            "  --split                 split each batch of the library's passes into\n"
            "                          row blocks, one a thread, each with one BLAS\n"
            "                          thread (MLPB_THREADING_SPLIT)\n"
            "  --gemm G                auto (default), blas or onednn: the backend of the\n"
            "                          library's fp32 products (mlpb_workspace_set_gemm);\n"
            "                          the floor and the peak run on the same one\n"
            "  --precision P           fp32 (default), bf16 or bf16-emulated: the products\n"
            "                          of the library's passes (mlpb_workspace_set_precision);\n"
            "                          the floor stays fp32, so floor = bf16 / fp32 GEMMs\n"
            "  --peak-size N           side of the square sgemm for the peak (default 1024)\n"
            "  --seed N                data and parameter seed (default 1)\n"
            "  --json                  one JSON object per case and mode per line\n"
            "  --csv FILE              also write the results as CSV\n"
            "  --svg FILE              with --batch-sweep: chart samples/s against batch\n"
            "  --help                  this text\n"
            "\n"
            "Default cases (batch x inputs x hidden x outputs): tiny 64x32x64x1,\n"
            "higgs 256x28x300x1, medium 256x256x512x1, mnist 1024x784x1024x10,\n"
            "large 1024x1024x2048x16. Figures are medians over the rounds; floor and\n"
            "peak are ratios (1 = as fast as the floor / the peak), peak1 against the\n"
            "1-thread peak.\n",
            BENCH_SWEEP_MAX);
}

static int bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "mlpblas-bench: %s%s%s\n", msg, arg != NULL ? ": " : "",
            arg != NULL ? arg : "");
    fprintf(stderr, "try 'mlpblas-bench --help'\n");
    return 2;
}

/* A whole decimal number in [lo, hi]. */
static int parse_size(const char *s, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return 1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return 1;
    *out = v;
    return 0;
}

static int parse_case(const char *s, bench_case *c)
{
    char buf[256];
    size_t vals[BENCH_MAX_SIZES + 1], n = 0;
    if (strlen(s) >= sizeof buf)
        return 1;
    strcpy(buf, s);
    for (char *tok = buf, *next; tok != NULL; tok = next) {
        char *comma = strchr(tok, ',');
        next = comma != NULL ? comma + 1 : NULL;
        if (comma != NULL)
            *comma = '\0';
        unsigned long long v;
        if (n == BENCH_MAX_SIZES + 1 || parse_size(tok, 1, 1u << 30, &v) != 0)
            return 1;
        vals[n++] = (size_t)v;
    }
    if (n < 4)
        return 1;
    c->batch = vals[0];
    c->n_sizes = n - 1;
    memcpy(c->sizes, vals + 1, (n - 1) * sizeof vals[0]);
    case_set_name(c, NULL);
    return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, bench_opts *o)
{
    int mode_set = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char key[32];
        const char *eq = strchr(a, '=');
        if (strncmp(a, "--", 2) != 0)
            return bad_usage("unexpected argument", a);
        if (eq != NULL) {
            if ((size_t)(eq - a) >= sizeof key)
                return bad_usage("unknown option", a);
            memcpy(key, a, (size_t)(eq - a));
            key[eq - a] = '\0';
            val = eq + 1;
        } else {
            snprintf(key, sizeof key, "%s", a);
        }
        static const char *const valued[] = {"--case",      "--reps", "--min-time",
                                             "--threads",   "--peak-size", "--seed",
                                             "--csv",       "--svg",  "--rows",
                                             "--epochs", "--precision", "--gemm"};
        const int flag = !strcmp(key, "--help") || !strcmp(key, "--json") ||
                         !strcmp(key, "--batch-sweep") || !strcmp(key, "--serial-small") ||
                         !strcmp(key, "--split") || !strcmp(key, "--blas") ||
                         !strcmp(key, "--auto") || !strcmp(key, "--modes") ||
                         !strcmp(key, "--memory");
        int known = flag;
        for (size_t j = 0; j < sizeof valued / sizeof valued[0]; j++)
            known |= !strcmp(key, valued[j]);
        if (!known)
            return bad_usage("unknown option", a);
        if (flag && val != NULL)
            return bad_usage("option takes no value", a);
        if (!flag && val == NULL) {
            if (i + 1 >= argc)
                return bad_usage("option needs a value", a);
            val = argv[++i];
        }
        unsigned long long v;
        if (!strcmp(key, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(key, "--json")) {
            o->json = 1;
        } else if (!strcmp(key, "--batch-sweep")) {
            o->sweep = 1;
        } else if (!strcmp(key, "--serial-small") || !strcmp(key, "--split") ||
                   !strcmp(key, "--blas") || !strcmp(key, "--auto") ||
                   !strcmp(key, "--modes")) {
            const mlpb_threading t = !strcmp(key, "--split")          ? MLPB_THREADING_SPLIT
                                     : !strcmp(key, "--serial-small") ? MLPB_THREADING_SERIAL_SMALL
                                     : !strcmp(key, "--blas")         ? MLPB_THREADING_BLAS
                                                                      : MLPB_THREADING_AUTO;
            const int all = !strcmp(key, "--modes");
            if (mode_set && (o->threading != t || o->all_modes != all))
                return bad_usage("--blas, --serial-small, --split, --auto and --modes exclude "
                                 "each other",
                                 NULL);
            mode_set = 1;
            o->threading = t;
            o->all_modes = all;
        } else if (!strcmp(key, "--memory")) {
            o->memory = 1;
        } else if (!strcmp(key, "--gemm")) {
            if (!strcmp(val, "auto"))
                o->gemm = MLPB_GEMM_AUTO;
            else if (!strcmp(val, "blas"))
                o->gemm = MLPB_GEMM_BLAS;
            else if (!strcmp(val, "onednn"))
                o->gemm = MLPB_GEMM_ONEDNN;
            else
                return bad_usage("--gemm wants auto, blas or onednn", val);
        } else if (!strcmp(key, "--precision")) {
            if (!strcmp(val, "fp32"))
                o->precision = MLPB_PRECISION_FP32;
            else if (!strcmp(val, "bf16"))
                o->precision = MLPB_PRECISION_BF16;
            else if (!strcmp(val, "bf16-emulated"))
                o->precision = MLPB_PRECISION_BF16_EMULATED;
            else
                return bad_usage("--precision wants fp32, bf16 or bf16-emulated", val);
        } else if (!strcmp(key, "--rows")) {
            if (parse_size(val, 1, 1u << 30, &v) != 0)
                return bad_usage("--rows wants an integer in 1..2^30", val);
            o->rows = (size_t)v;
        } else if (!strcmp(key, "--epochs")) {
            if (parse_size(val, 1, 1000000, &v) != 0)
                return bad_usage("--epochs wants an integer in 1..1000000", val);
            o->epochs = (size_t)v;
        } else if (!strcmp(key, "--case")) {
            if (o->n_cases == BENCH_MAX_CASES)
                return bad_usage("too many --case options", NULL);
            if (parse_case(val, &o->cases[o->n_cases]) != 0)
                return bad_usage("--case wants B,D,H[,H2...],K (positive integers)", val);
            o->n_cases++;
        } else if (!strcmp(key, "--reps")) {
            if (parse_size(val, 1, 64, &v) != 0)
                return bad_usage("--reps wants an integer in 1..64", val);
            o->reps = (int)v;
        } else if (!strcmp(key, "--threads")) {
            if (parse_size(val, 1, 1024, &v) != 0)
                return bad_usage("--threads wants an integer in 1..1024", val);
            o->threads = (int)v;
        } else if (!strcmp(key, "--peak-size")) {
            if (parse_size(val, 1, 16384, &v) != 0)
                return bad_usage("--peak-size wants an integer in 1..16384", val);
            o->peak_size = (size_t)v;
        } else if (!strcmp(key, "--seed")) {
            if (parse_size(val, 0, UINT64_MAX, &v) != 0)
                return bad_usage("--seed wants a non-negative integer", val);
            o->seed = (uint64_t)v;
        } else if (!strcmp(key, "--min-time")) {
            char *end;
            errno = 0;
            double t = strtod(val, &end);
            if (errno != 0 || end == val || *end != '\0' || !(t > 0.0) || t > 60.0)
                return bad_usage("--min-time wants seconds in (0, 60]", val);
            o->min_time = t;
        } else if (!strcmp(key, "--csv")) {
            o->csv_path = val;
        } else if (!strcmp(key, "--svg")) {
            o->svg_path = val;
        } else {
            return bad_usage("unknown option", a);
        }
    }
    if (o->svg_path != NULL && !o->sweep)
        return bad_usage("--svg needs --batch-sweep", NULL);
    if (o->memory && o->precision != MLPB_PRECISION_FP32)
        return bad_usage("--precision does not apply to --memory", NULL);
    if (o->memory && o->all_modes)
        return bad_usage("--memory measures one mode; --modes goes without it", NULL);
    if (o->memory && (o->sweep || o->csv_path != NULL))
        return bad_usage("--memory goes with neither --batch-sweep nor --csv", NULL);
    if (!o->memory && (o->rows > 0 || o->epochs > 0))
        return bad_usage("--rows and --epochs need --memory", NULL);
    if (o->epochs == 0)
        o->epochs = 2;
    return -1;
}

static void default_cases(bench_opts *o)
{
    case_init(&o->cases[0], "tiny", 64, 32, 64, 1);
    case_init(&o->cases[1], "higgs", 256, 28, 300, 1);
    case_init(&o->cases[2], "medium", 256, 256, 512, 1);
    case_init(&o->cases[3], "mnist", 1024, 784, 1024, 10);
    case_init(&o->cases[4], "large", 1024, 1024, 2048, 16);
    o->n_cases = 5;
}

/* The sweep: the shape of the first --case (or medium's) at every batch. */
static void sweep_cases(bench_opts *o)
{
    bench_case shape;
    if (o->n_cases > 0)
        shape = o->cases[0];
    else
        case_init(&shape, NULL, 1, 256, 512, 1);
    o->n_cases = 0;
    for (size_t b = 1; b <= BENCH_SWEEP_MAX; b *= 2) {
        bench_case *c = &o->cases[o->n_cases++];
        *c = shape;
        c->batch = b;
        case_set_name(c, NULL);
    }
}

int main(int argc, char **argv)
{
    bench_opts o;
    memset(&o, 0, sizeof o);
    o.reps = 5;
    o.min_time = 0.2;
    o.peak_size = 1024;
    o.seed = 1;
    o.threading = MLPB_THREADING_AUTO;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.sweep)
        sweep_cases(&o);
    else if (o.n_cases == 0)
        default_cases(&o);

    if (mlpb_version_number() != MLPB_VERSION_NUMBER) {
        fprintf(stderr, "mlpblas-bench: built for mlpblas %d.%d.%d, linked %s\n",
                MLPB_VERSION_MAJOR, MLPB_VERSION_MINOR, MLPB_VERSION_PATCH,
                mlpb_version_string());
        return 1;
    }
    if (o.threads > 0)
        mlpb_blas_set_threads(o.threads);
    const int threads = mlpb_blas_threads();
    if (o.memory)
        return run_memory(&o, threads);

    /* Output files are opened first, so that a bad path fails before the run. */
    FILE *csv = NULL, *svg = NULL;
    bench_result *res = NULL;
    if (o.csv_path != NULL && (csv = fopen(o.csv_path, "w")) == NULL) {
        fprintf(stderr, "mlpblas-bench: %s: %s\n", o.csv_path, strerror(errno));
        rc = 1;
        goto done;
    }
    if (o.svg_path != NULL && (svg = fopen(o.svg_path, "w")) == NULL) {
        fprintf(stderr, "mlpblas-bench: %s: %s\n", o.svg_path, strerror(errno));
        rc = 1;
        goto done;
    }
    if (csv != NULL)
        fputs(CSV_HEADER, csv);
    mlpb_threading modes[BENCH_MODES];
    const size_t n_modes = run_modes(&o, modes), per_case = 2 * n_modes;
    res = calloc(per_case * o.n_cases, sizeof *res);
    if (res == NULL) {
        fprintf(stderr, "mlpblas-bench: out of memory\n");
        rc = 1;
        goto done;
    }

    o.onednn = o.gemm == MLPB_GEMM_ONEDNN ||
               (o.gemm == MLPB_GEMM_AUTO && mlpb_gemm_auto() == MLPB_GEMM_ONEDNN);
#ifndef MLPB_BENCH_ONEDNN
    if (o.onednn) {
        fprintf(stderr, "mlpblas-bench: --gemm onednn: built without oneDNN\n");
        rc = 1;
        goto done;
    }
#endif
    /* The header goes to stderr under --json so stdout stays one object a line. */
    FILE *hf = o.json ? stderr : stdout;
    fprintf(hf, "# mlpblas-bench: mlpblas %s\n# BLAS: %s\n# BLAS threads: %d\n",
            mlpb_version_string(), mlpb_blas_config(), threads);
    if (o.all_modes)
        fprintf(hf, "# library threading: every mode (auto, blas, serial-small, split), "
                    "rounds interleaved\n");
    else
        fprintf(hf, "# library threading: %s\n", threading_desc(o.threading));
    fprintf(hf, "# library precision: %s\n",
            o.precision == MLPB_PRECISION_FP32   ? "fp32"
            : o.precision == MLPB_PRECISION_BF16 ? "bf16 (oneDNN, native)"
                                                 : "bf16 emulated (sgemm on widened bf16)");
    fprintf(hf, "# fp32 products: %s%s; the floor and the peak on the same\n",
            o.onednn ? "oneDNN dnnl_sgemm" : "BLAS cblas_sgemm",
            o.gemm != MLPB_GEMM_AUTO ? " (--gemm)"
            : o.onednn ? " (auto: the BLAS runs kernels without AVX2 on a CPU with AVX2)"
                       : " (auto)");
    fprintf(hf, "# method: warm-up, then %d rounds of >= %.3g s each; figures are medians; "
                "floor = samples/s / GEMM-floor samples/s, peak = GFLOP/s / peak\n",
            o.reps, o.min_time);
    fflush(hf);

    /* The peak is taken before and after the cases and the higher one kept, so
     * that a burst of other load on a shared machine does not set it. */
    bench_rng r = {o.seed};
    double peak_before = 0.0, peak_after = 0.0, peak1_before = 0.0, peak1_after = 0.0;
    if (measure_peaks(&o, &r, threads, &peak_before, &peak1_before) != 0) {
        fprintf(stderr, "mlpblas-bench: out of memory for the peak sgemm\n");
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < o.n_cases; i++) {
        if (run_case(&o.cases[i], &o, &res[per_case * i]) != 0) {
            rc = 1;
            goto done;
        }
    }
    if (measure_peaks(&o, &r, threads, &peak_after, &peak1_after) != 0) {
        fprintf(stderr, "mlpblas-bench: out of memory for the peak sgemm\n");
        rc = 1;
        goto done;
    }
    const double peak = fmax(peak_before, peak_after);
    const double peak1 = fmax(peak1_before, peak1_after);
    fprintf(hf, "# peak: %s %zux%zux%zu %.2f GFLOP/s on %d threads (best round; %.2f "
                "before the cases, %.2f after), %.2f on 1 thread (%.2f, %.2f)\n",
            o.onednn ? "dnnl_sgemm" : "sgemm", o.peak_size, o.peak_size, o.peak_size, peak,
            threads, peak_before, peak_after,
            peak1, peak1_before, peak1_after);
    fflush(hf);

    const table_widths tw = table_measure(&o);
    if (!o.json)
        print_table_header(tw);
    for (size_t i = 0; i < per_case * o.n_cases; i++) {
        res[i].peak_ratio = res[i].gflops / peak;
        res[i].peak1_ratio = res[i].gflops / peak1;
        if (o.json)
            print_json(&res[i], threads, peak, peak1);
        else
            print_table_row(&res[i], tw);
        if (csv != NULL)
            print_csv(csv, &res[i], threads, peak);
    }
    if (o.all_modes && !o.json)
        print_auto_summary(res, o.n_cases, n_modes);
    fprintf(hf, "# max RSS: %.1f MiB\n", (double)max_rss_kib() / 1024.0);
    if (svg != NULL)
        write_svg(svg, res, per_case * o.n_cases, threads, o.all_modes ? -1 : (int)o.threading);
    rc = 0;
done:
    if (csv != NULL && fclose(csv) != 0) {
        fprintf(stderr, "mlpblas-bench: %s: %s\n", o.csv_path, strerror(errno));
        rc = 1;
    }
    if (svg != NULL && fclose(svg) != 0) {
        fprintf(stderr, "mlpblas-bench: %s: %s\n", o.svg_path, strerror(errno));
        rc = 1;
    }
    free(res);
    return rc;
}
