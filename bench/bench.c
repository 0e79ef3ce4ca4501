/* bench.c -- mlpblas-bench: CPU throughput of a training step and of inference
 * through the public API, measured against the "GEMM floor" (exactly the
 * cblas_sgemm calls those passes need, back to back, on buffers of the same
 * shapes) and against the machine's practical peak (one large square sgemm);
 * and, with --memory, the peak memory of a whole mlpb_train run against the
 * budget its sizes imply. */
#include "bench.h"

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


/* ------------------------------------------------------------------ rng */

uint64_t rng_next(bench_rng *r)
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

void fill_uniform(bench_rng *r, float *p, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        p[i] = rng_uniform(r, scale);
}

/* ---------------------------------------------------------------- cases */

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

void case_hidden_str(const bench_case *c, char *buf, size_t len, char sep)
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

void case_set_name(bench_case *c, const char *name)
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

void case_init(bench_case *c, const char *name, size_t batch, size_t d, size_t h, size_t k)
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

float *alloc_floats(size_t n)
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
    if (o.profile_steps > 0)
        return run_profile(&o);
    if (o.members > 0)
        return run_members(&o, threads);

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
