/* bench_memory.c -- mlpblas-bench --memory: the peak memory of a whole
 * mlpb_train run per case against the budget its sizes imply. */
#include "bench.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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
int run_memory(const bench_opts *o, int threads)
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

