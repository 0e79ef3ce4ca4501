/* bench.c -- mlpblas-bench: CPU throughput of a training step and of inference
 * through the public API, measured against the "GEMM floor" (exactly the
 * cblas_sgemm calls those passes need, back to back, on buffers of the same
 * shapes) and against the machine's practical peak (one large square sgemm). */
#include "mlpblas.h"

#include <cblas.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BENCH_MAX_SIZES 16   /* d, up to 14 hidden layers, k */
#define BENCH_MAX_CASES 64
#define BENCH_SWEEP_MAX 4096 /* --batch-sweep runs batches 1, 2, 4, ..., this */
#define BENCH_LR 1e-4f       /* small, so repeated steps on one batch stay finite */

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
    int        serial_small; /* MLPB_THREADING_SERIAL_SMALL on the library's workspace */
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
    double floor_ratio, peak_ratio;
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

/* Times fn (and, when floor_fn is not NULL, floor_fn) over o->reps rounds.
 * The two alternate round by round, so that a burst of other load on a shared
 * machine hits both alike and their ratio stays meaningful. Returns 0, or
 * fn's error. */
static int time_pair(bench_fn fn, void *ctx, bench_fn floor_fn, void *floor_arg,
                     const bench_opts *o, bench_timing *out, bench_timing *floor_out)
{
    size_t iters = 1, floor_iters = 1;
    double times[64], floor_times[64];
    int rc = calibrate(fn, ctx, o->min_time, &iters);
    if (rc == 0 && floor_fn != NULL)
        rc = calibrate(floor_fn, floor_arg, o->min_time, &floor_iters);
    for (int r = 0; r < o->reps && rc == 0; r++) {
        rc = time_round(fn, ctx, iters, &times[r]);
        if (rc == 0 && floor_fn != NULL)
            rc = time_round(floor_fn, floor_arg, floor_iters, &floor_times[r]);
    }
    if (rc != 0)
        return rc;
    summarise(times, o->reps, out);
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
    if (b == 1) {
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
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)b, (blasint)s[l + 1],
                    (blasint)s[l], 1.0f, f->h[l], (blasint)s[l], f->w[l], (blasint)s[l + 1],
                    0.0f, f->h[l + 1], (blasint)s[l + 1]);
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
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)s[l], (blasint)s[l + 1],
                    (blasint)b, 1.0f, f->h[l], (blasint)s[l], delta, (blasint)s[l + 1], 0.0f,
                    f->dw[l], (blasint)s[l + 1]);
        if (l == 0)
            break;
        /* dH_l = dA_l . W_l^T   (B x s_l+1) . (s_l+1 x s_l); the next delta */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)b, (blasint)s[l],
                    (blasint)s[l + 1], 1.0f, delta, (blasint)s[l + 1], f->w[l],
                    (blasint)s[l + 1], 0.0f, f->d[l], (blasint)s[l]);
        delta = f->d[l];
    }
    return 0;
}

/* ---------------------------------------------------------------- peak */
typedef struct peak_ctx {
    size_t n;
    float *a, *b, *c;
} peak_ctx;

static int peak_op(void *p)
{
    const peak_ctx *k = p;
    const blasint n = (blasint)k->n;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, k->a, n, k->b, n,
                0.0f, k->c, n);
    return 0;
}

static int measure_peak(const bench_opts *o, bench_rng *r, double *gflops)
{
    peak_ctx k = {o->peak_size, NULL, NULL, NULL};
    const size_t nn = k.n * k.n;
    int rc = 1;
    k.a = alloc_floats(nn);
    k.b = alloc_floats(nn);
    k.c = alloc_floats(nn);
    if (k.a != NULL && k.b != NULL && k.c != NULL) {
        bench_timing t;
        fill_uniform(r, k.a, nn, 1.0f);
        fill_uniform(r, k.b, nn, 1.0f / sqrtf((float)k.n));
        rc = time_pair(peak_op, &k, NULL, NULL, o, &t, NULL);
        /* The best round, not the median: the peak is what the machine can do,
         * and on a loaded machine the median mostly measures the load. */
        *gflops = 2.0 * (double)k.n * (double)k.n * (double)k.n / t.min_s * 1e-9;
    }
    free(k.a);
    free(k.b);
    free(k.c);
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

/* Runs train and forward for one case into res[0] and res[1]. Returns 0, or 1
 * after printing why it failed. */
static int run_case(const bench_case *c, const bench_opts *o, bench_result res[2])
{
    bench_rng r = {o->seed ^ (0x51ED270B27F1A3C5u * (uint64_t)(c->batch + 1))};
    const size_t d = c->sizes[0], k = c->sizes[c->n_sizes - 1], b = c->batch;
    lib_ctx lc;
    floor_ctx fc;
    int rc = 1;
    float *x = NULL, *y = NULL, *prob = NULL;

    memset(&lc, 0, sizeof lc);
    memset(&fc, 0, sizeof fc);
    const mlpb_config cfg = {c->sizes, c->n_sizes, o->seed, MLPB_INIT_HE_GLOROT};
    mlpb_status st = mlpb_model_create(&cfg, NULL, &lc.m);
    if (st == MLPB_OK)
        st = mlpb_workspace_create(lc.m, b, NULL, &lc.ws);
    if (st == MLPB_OK && o->serial_small)
        st = mlpb_workspace_set_threading(lc.ws, MLPB_THREADING_SERIAL_SMALL);
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
    fill_uniform(&r, x, b * d, 1.0f);
    for (size_t i = 0; i < b * k; i++)
        y[i] = (float)(rng_next(&r) >> 63);
    lc.x = x;
    lc.y = y;
    lc.prob = prob;
    lc.n = b;

    if (time_pair(lib_train, &lc, floor_train, &fc, o, &res[0].op, &res[0].floor) != 0 ||
        time_pair(lib_forward, &lc, floor_forward, &fc, o, &res[1].op, &res[1].floor) != 0) {
        fprintf(stderr, "mlpblas-bench: %s: %s\n", c->name, mlpb_strerror(lc.st));
        goto fail;
    }
    fill_result(&res[0], c, "train", 1);
    fill_result(&res[1], c, "forward", 0);
    rc = 0;
fail:
    floor_free(&fc);
    free(x);
    free(y);
    free(prob);
    mlpb_workspace_destroy(lc.ws);
    mlpb_model_destroy(lc.m);
    return rc;
}

/* -------------------------------------------------------------- output */
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

static void print_json(const bench_result *r, int threads, int serial_small,
                       double peak_gflops)
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
    json_number(stdout, "median_s", r->op.median_s);
    json_number(stdout, "min_s", r->op.min_s);
    json_number(stdout, "floor_median_s", r->floor.median_s);
    json_number(stdout, "floor_min_s", r->floor.min_s);
    json_number(stdout, "flops", r->flops);
    printf(",\"threads\":%d,\"threading\":\"%s\",\"max_rss_kib\":%ld}\n", threads,
           serial_small ? "serial-small" : "blas", r->max_rss_kib);
    fflush(stdout);
}

static const char CSV_HEADER[] =
    "case,batch,inputs,hidden,outputs,mode,samples_per_s,gflops,floor_samples_per_s,"
    "floor_gflops,floor_ratio,peak_gflops,peak_ratio,median_s,min_s,floor_median_s,"
    "floor_min_s,flops,threads,max_rss_kib\n";

static void print_csv(FILE *f, const bench_result *r, int threads, double peak_gflops)
{
    const bench_case *c = r->c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, 'x');
    fprintf(f, "%s,%zu,%zu,%s,%zu,%s,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,"
            "%.6g,%d,%ld\n",
            c->name, c->batch, c->sizes[0], hid, c->sizes[c->n_sizes - 1], r->mode,
            r->samples_per_s, r->gflops, r->floor_samples_per_s, r->floor_gflops,
            r->floor_ratio, peak_gflops, r->peak_ratio, r->op.median_s, r->op.min_s,
            r->floor.median_s, r->floor.min_s, r->flops, threads, r->max_rss_kib);
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
    printf("%-*s %5s %6s %-*s %4s %-7s %12s %8s %12s %6s %6s %10s %10s\n", w.name, "case",
           "batch", "inputs", w.hidden, "hidden", "out", "mode", "samples/s", "GFLOP/s",
           "floor smp/s", "floor", "peak", "median ms", "min ms");
}

static void print_table_row(const bench_result *r, table_widths w)
{
    const bench_case *c = r->c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, ',');
    printf("%-*s %5zu %6zu %-*s %4zu %-7s %12.0f %8.2f %12.0f %6.3f %6.3f %10.4f %10.4f\n",
           w.name, c->name, c->batch, c->sizes[0], w.hidden, hid, c->sizes[c->n_sizes - 1],
           r->mode, r->samples_per_s, r->gflops, r->floor_samples_per_s, r->floor_ratio,
           r->peak_ratio, 1e3 * r->op.median_s, 1e3 * r->op.min_s);
    fflush(stdout);
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

static void svg_line(FILE *f, const svg_frame *fr, const bench_result *res, size_t n,
                     const char *mode, int is_floor, const char *colour)
{
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", colour,
            is_floor ? " stroke-dasharray=\"6 4\"" : "");
    for (size_t i = 0; i < n; i++) {
        if (strcmp(res[i].mode, mode) != 0)
            continue;
        const double v = is_floor ? res[i].floor_samples_per_s : res[i].samples_per_s;
        fprintf(f, "%.1f,%.1f ", svg_x(fr, (double)res[i].c->batch), svg_y(fr, v));
    }
    fprintf(f, "\"/>\n");
    for (size_t i = 0; i < n && !is_floor; i++) {
        if (strcmp(res[i].mode, mode) == 0)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                    svg_x(fr, (double)res[i].c->batch), svg_y(fr, res[i].samples_per_s), colour);
    }
}

/* Samples/s against batch for a sweep: log2 x axis, log10 y axis, the train
 * and forward lines solid and their GEMM floors dashed. */
static void write_svg(FILE *f, const bench_result *res, size_t n, int threads)
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
               "threads)</text>\n",
            mlpb_version_string(), c->sizes[0], hid, c->sizes[c->n_sizes - 1], threads);
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
    svg_line(f, &fr, res, n, "train", 0, "#1f77b4");
    svg_line(f, &fr, res, n, "train", 1, "#1f77b4");
    svg_line(f, &fr, res, n, "forward", 0, "#d62728");
    svg_line(f, &fr, res, n, "forward", 1, "#d62728");
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
            "  --reps N                timed rounds per measurement (default 5)\n"
            "  --min-time S            seconds per round, at least (default 0.2)\n"
            "  --threads N             BLAS threads (default: the BLAS library's)\n"
            "  --serial-small          run the library's small products on one BLAS\n"
            "                          thread (MLPB_THREADING_SERIAL_SMALL); the floor\n"
            "                          stays the naive sgemm calls\n"
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
            "peak are ratios (1 = as fast as the floor / the peak).\n",
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
        static const char *const valued[] = {"--case", "--reps", "--min-time", "--threads",
                                             "--peak-size", "--seed", "--csv", "--svg"};
        const int flag = !strcmp(key, "--help") || !strcmp(key, "--json") ||
                         !strcmp(key, "--batch-sweep") || !strcmp(key, "--serial-small");
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
        } else if (!strcmp(key, "--serial-small")) {
            o->serial_small = 1;
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
    res = calloc(2 * o.n_cases, sizeof *res);
    if (res == NULL) {
        fprintf(stderr, "mlpblas-bench: out of memory\n");
        rc = 1;
        goto done;
    }

    /* The header goes to stderr under --json so stdout stays one object a line. */
    FILE *hf = o.json ? stderr : stdout;
    fprintf(hf, "# mlpblas-bench: mlpblas %s\n# BLAS: %s\n# BLAS threads: %d\n",
            mlpb_version_string(), mlpb_blas_config(), threads);
    fprintf(hf, "# library threading: %s\n",
            o.serial_small ? "serial-small (products < 2^23 multiply-adds on 1 thread)"
                           : "blas (every product on the BLAS thread count)");
    fprintf(hf, "# method: warm-up, then %d rounds of >= %.3g s each; figures are medians; "
                "floor = samples/s / GEMM-floor samples/s, peak = GFLOP/s / peak\n",
            o.reps, o.min_time);
    fflush(hf);

    /* The peak is taken before and after the cases and the higher one kept, so
     * that a burst of other load on a shared machine does not set it. */
    bench_rng r = {o.seed};
    double peak_before = 0.0, peak_after = 0.0;
    if (measure_peak(&o, &r, &peak_before) != 0) {
        fprintf(stderr, "mlpblas-bench: out of memory for the peak sgemm\n");
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < o.n_cases; i++) {
        if (run_case(&o.cases[i], &o, &res[2 * i]) != 0) {
            rc = 1;
            goto done;
        }
    }
    if (measure_peak(&o, &r, &peak_after) != 0) {
        fprintf(stderr, "mlpblas-bench: out of memory for the peak sgemm\n");
        rc = 1;
        goto done;
    }
    const double peak = fmax(peak_before, peak_after);
    fprintf(hf, "# peak: sgemm %zux%zux%zu %.2f GFLOP/s (best round; %.2f before the cases, "
                "%.2f after)\n",
            o.peak_size, o.peak_size, o.peak_size, peak, peak_before, peak_after);
    fflush(hf);

    const table_widths tw = table_measure(&o);
    if (!o.json)
        print_table_header(tw);
    for (size_t i = 0; i < 2 * o.n_cases; i++) {
        res[i].peak_ratio = res[i].gflops / peak;
        if (o.json)
            print_json(&res[i], threads, o.serial_small, peak);
        else
            print_table_row(&res[i], tw);
        if (csv != NULL)
            print_csv(csv, &res[i], threads, peak);
    }
    fprintf(hf, "# max RSS: %.1f MiB\n", (double)max_rss_kib() / 1024.0);
    if (svg != NULL)
        write_svg(svg, res, 2 * o.n_cases, threads);
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
