/* test_mpi.c -- libmlpblas_mpi under mpirun. Every rank loads the whole
 * breast-cancer set (a tiny CSV reader here), takes its contiguous shard and
 * checks the data-parallel result against the single-process truth that it
 * computes itself:
 *   step   one mlpb_mpi_loss_grad on an uneven split of one batch (one rank
 *          may hold no row) equals mlpb_loss_grad on the whole batch, and the
 *          loss shares sum to its loss; the global standardisation equals
 *          mlpb_model_fit_standardization; overlap on and off; options
 *          that differ between ranks and a NaN on one rank are refused on
 *          every rank.
 *   train  mlpb_mpi_train equals mlpb_train with the same global batch, with
 *          and without the refit: loss curve within 1e-5 relative per epoch,
 *          same early stop, best epoch and refit, final parameters within
 *          tolerance, every probability within 1e-5, bitwise the same on
 *          every rank, and bitwise mlpb_train's with one rank. Equal and
 *          skewed shards, overlap on and off.
 *   diverge  a row that overflows the forward pass on rank 1: every rank
 *          stops at mlpb_train's epoch and batch, naming rank 1.
 *   corrupt  a NaN in rank 1's shard: every rank gets the same error and
 *          exits non-zero (the ctest wrapper checks that, and that it ends).
 * Exit status 0 when every check holds on this rank. */
#include "mlpblas_mpi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The layouts on LP64 are part of the ABI (mlpblas.h, "Structs that grow";
 * tests/test_abi.c pins the core's). */
#if UINTPTR_MAX == UINT64_MAX && SIZE_MAX == UINT64_MAX
_Static_assert(sizeof(mlpb_mpi_opts) == 64, "ABI");
_Static_assert(offsetof(mlpb_mpi_opts, reserved) == 8, "ABI");
_Static_assert(sizeof(mlpb_mpi_report) == 768, "ABI");
_Static_assert(offsetof(mlpb_mpi_report, comm_seconds) == 696, "ABI");
_Static_assert(offsetof(mlpb_mpi_report, reserved) == 704, "ABI");
#endif

static int g_rank, g_size, g_fail;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "rank %d: %s:%d: check failed: %s: ", g_rank,  \
                    __FILE__, __LINE__, #cond);                            \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            g_fail = 1;                                                    \
        }                                                                  \
    } while (0)

/* ------------------------------------------------------------- the data */
typedef struct data {
    float *x, *y;
    size_t n, d;
} data;

/* Numeric CSV, one header line, the label last. */
static int load_csv(const char *path, data *out)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[8192];
    if (fgets(line, sizeof line, f) == NULL) {
        fclose(f);
        return -1;
    }
    size_t cols = 1;
    for (const char *p = line; *p; p++)
        cols += *p == ',';
    size_t cap = 1024, n = 0, d = cols - 1;
    float *x = malloc(cap * d * sizeof(float)), *y = malloc(cap * sizeof(float));
    while (x != NULL && y != NULL && fgets(line, sizeof line, f) != NULL) {
        if (n == cap)
            break; /* more rows than this test needs */
        char *p = line, *end;
        for (size_t j = 0; j < cols; j++) {
            const float v = strtof(p, &end);
            if (end == p)
                goto bad;
            if (j < d)
                x[n * d + j] = v;
            else
                y[n] = v;
            p = *end == ',' ? end + 1 : end;
        }
        n++;
    }
    fclose(f);
    out->x = x, out->y = y, out->n = n, out->d = d;
    return n > 0 ? 0 : -1;
bad:
    fclose(f);
    free(x);
    free(y);
    return -1;
}

/* Rank r's rows [lo, hi): equal shares, or skewed (r^2 / P^2: rank 0 has
 * none, the last most). */
static void shard_of(size_t n, int skew, size_t *lo, size_t *hi)
{
    const size_t r = (size_t)g_rank, p = (size_t)g_size;
    if (skew) {
        *lo = n * r * r / (p * p);
        *hi = n * (r + 1) * (r + 1) / (p * p);
    } else {
        *lo = n * r / p;
        *hi = n * (r + 1) / p;
    }
}

static mlpb_model *make_model(size_t d, uint64_t seed)
{
    const size_t sizes[] = {d, 16, 8, 1};
    const mlpb_config cfg = {sizes, 4, seed, MLPB_INIT_HE_GLOROT};
    mlpb_model *m = NULL;
    if (mlpb_model_create(&cfg, NULL, &m) != MLPB_OK)
        abort();
    return m;
}

static double max_rel(const float *a, const float *b, size_t n)
{
    double amax = 0.0, dmax = 0.0;
    for (size_t i = 0; i < n; i++) {
        amax = fmax(amax, fabs((double)b[i]));
        dmax = fmax(dmax, fabs((double)a[i] - (double)b[i]));
    }
    return amax > 0.0 ? dmax / amax : dmax;
}

/* Every rank's n floats equal rank 0's, bit for bit. */
static int same_on_all_ranks(const float *p, size_t n)
{
    float *r0 = malloc(n * sizeof(float));
    memcpy(r0, p, n * sizeof(float));
    MPI_Bcast(r0, (int)n, MPI_FLOAT, 0, MPI_COMM_WORLD);
    int same = memcmp(r0, p, n * sizeof(float)) == 0;
    MPI_Allreduce(MPI_IN_PLACE, &same, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    free(r0);
    return same;
}

/* ------------------------------------------------------------------ step */
static void test_step(const data *ds)
{
    /* A batch of 50 rows, split unevenly. */
    const size_t B = 50, d = ds->d;
    for (int skew = 0; skew <= 1; skew++) {
        for (int overlap = 0; overlap <= 1; overlap++) {
            mlpb_model *ref = make_model(d, 3), *m = make_model(d, 3);
            mlpb_workspace *ws = NULL;
            mlpb_mpi *c = NULL;
            CHECK(mlpb_workspace_create(ref, B, NULL, &ws) == MLPB_OK, "workspace");
            /* Standardisation: the global fit equals the local one. */
            size_t lo, hi;
            shard_of(ds->n, skew, &lo, &hi);
            CHECK(mlpb_model_fit_standardization(ref, ds->x, ds->n) == MLPB_OK, "fit");
            CHECK(mlpb_mpi_fit_standardization(m, hi > lo ? ds->x + lo * d : NULL, hi - lo,
                                               MPI_COMM_WORLD) == MLPB_OK, "mpi fit");
            CHECK(max_rel(mlpb_model_mean(m), mlpb_model_mean(ref), d) < 1e-6, "mean");
            CHECK(max_rel(mlpb_model_std(m), mlpb_model_std(ref), d) < 1e-6, "std");

            float ref_loss;
            const float pw = 1.7f;
            float sw[64];
            for (size_t i = 0; i < B; i++)
                sw[i] = 0.5f + (float)(i % 3) * 0.25f;
            const mlpb_loss_weights w = {&pw, sw};
            CHECK(mlpb_loss_grad_weighted(ref, ws, ds->x, ds->y, B, &w, &ref_loss) == MLPB_OK,
                  "reference pass");
            shard_of(B, skew, &lo, &hi);
            CHECK(mlpb_mpi_create(MPI_COMM_WORLD, m, B, NULL, &c) == MLPB_OK, "create");
            CHECK(mlpb_mpi_set_overlap(c, overlap) == MLPB_OK, "overlap");
            float share = -1.0f;
            int fr = 7;
            const mlpb_loss_weights lw = {&pw, sw + lo};
            const mlpb_status st = mlpb_mpi_loss_grad(c, m, ws, ds->x + lo * d, ds->y + lo,
                                                      hi - lo, B, &lw, &share, &fr);
            CHECK(st == MLPB_OK && fr == -1, "mpi pass: %s", mlpb_strerror(st));
            double total = (double)share;
            MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            CHECK(fabs(total - (double)ref_loss) <= 1e-6 * fabs((double)ref_loss),
                  "loss %.9g vs %.9g", total, (double)ref_loss);
            size_t np;
            const float *g = mlpb_model_grads(m, &np), *gr = mlpb_model_grads(ref, NULL);
            const double e = max_rel(g, gr, np);
            CHECK(e < 1e-5, "gradient off by %.3g (skew %d overlap %d)", e, skew, overlap);
            CHECK(same_on_all_ranks(g, np), "gradients differ between ranks");
            CHECK(mlpb_mpi_steps(c) == 1, "steps");

            /* A rank passing bad arguments: every rank gets its error. */
            const size_t too_many = g_rank == g_size - 1 ? B + 1 : 0;
            fr = 7;
            const mlpb_status bad = mlpb_mpi_loss_grad(c, m, ws, ds->x, ds->y, too_many, B,
                                                       NULL, NULL, &fr);
            CHECK(bad == MLPB_E_INVALID_ARG && fr == g_size - 1, "bad args: %s from %d",
                  mlpb_strerror(bad), fr);
            mlpb_mpi_destroy(c);
            mlpb_workspace_destroy(ws);
            mlpb_model_destroy(m);
            mlpb_model_destroy(ref);
        }
    }
}

/* ----------------------------------------------------------------- train */
typedef struct curve {
    double train[64], val[64];
    size_t n;
} curve;

static int record(const mlpb_epoch_info *info, void *ctx)
{
    curve *c = ctx;
    if (c->n < 64) {
        c->train[c->n] = info->train_loss;
        c->val[c->n] = info->val_loss;
        c->n++;
    }
    return 0;
}

static void train_opts(mlpb_train_opts *o, curve *cv, int refit)
{
    mlpb_train_opts_default(o);
    o->epochs = 12;
    o->batch_size = 64;
    o->val_fraction = 0.2f;
    o->patience = 3;
    o->seed = 11;
    o->optim.lr = 1e-2f;
    o->refit = refit;
    o->on_epoch = record;
    o->ctx = cv;
}

/* The largest difference between the probabilities of a and b on n rows. */
static double prob_diff(const mlpb_model *a, const mlpb_model *b, const float *x, size_t n)
{
    const size_t k = mlpb_model_n_outputs(a);
    float *pa = malloc(n * k * sizeof *pa), *pb = malloc(n * k * sizeof *pb);
    mlpb_workspace *wa = NULL, *wb = NULL;
    double e = (double)INFINITY;
    if (pa != NULL && pb != NULL && mlpb_workspace_create(a, n, NULL, &wa) == MLPB_OK &&
        mlpb_workspace_create(b, n, NULL, &wb) == MLPB_OK &&
        mlpb_predict(a, wa, x, n, pa) == MLPB_OK && mlpb_predict(b, wb, x, n, pb) == MLPB_OK) {
        e = 0.0;
        for (size_t i = 0; i < n * k; i++)
            e = fmax(e, fabs((double)pa[i] - (double)pb[i]));
    }
    mlpb_workspace_destroy(wa);
    mlpb_workspace_destroy(wb);
    free(pa);
    free(pb);
    return e;
}

static void test_train_refit(const data *ds, int refit)
{
    const size_t d = ds->d;
    mlpb_train_opts o;
    curve ref_curve = {{0}, {0}, 0};
    train_opts(&o, &ref_curve, refit);
    mlpb_model *ref = make_model(d, 5);
    mlpb_train_report rr;
    const mlpb_dataset all = {ds->x, ds->y, NULL, ds->n};
    CHECK(mlpb_train(ref, &all, NULL, &o, NULL, &rr) == MLPB_OK, "single-process train");
    CHECK(!refit || rr.refit_epochs == rr.best_epoch, "the reference refits");
    size_t np;
    const float *pref = mlpb_model_params(ref, &np);

    for (int skew = 0; skew <= 1; skew++) {
        for (int overlap = 0; overlap <= 1; overlap++) {
            curve cv = {{0}, {0}, 0};
            train_opts(&o, &cv, refit);
            /* Other ranks start from other weights: rank 0's are broadcast. */
            mlpb_model *m = make_model(d, g_rank == 0 ? 5 : 100 + (uint64_t)g_rank);
            size_t lo, hi;
            shard_of(ds->n, skew, &lo, &hi);
            const mlpb_dataset shard = {hi > lo ? ds->x + lo * d : NULL,
                                        hi > lo ? ds->y + lo : NULL, NULL, hi - lo};
            const mlpb_mpi_opts mo = {.overlap = overlap};
            mlpb_mpi_report rep;
            const mlpb_status st =
                mlpb_mpi_train(m, &shard, NULL, &o, &mo, MPI_COMM_WORLD, NULL, &rep);
            CHECK(st == MLPB_OK, "mpi train: %s", mlpb_strerror(st));
            CHECK(rep.train.epochs_run == rr.epochs_run && cv.n == ref_curve.n,
                  "epochs %zu vs %zu", rep.train.epochs_run, rr.epochs_run);
            CHECK(rep.train.best_epoch == rr.best_epoch, "best epoch %zu vs %zu",
                  rep.train.best_epoch, rr.best_epoch);
            CHECK(rep.train.refit_epochs == rr.refit_epochs, "refit epochs %zu vs %zu",
                  rep.train.refit_epochs, rr.refit_epochs);
            CHECK(rep.train.stopped_early == rr.stopped_early, "early stop");
            CHECK(rep.n_train + rep.n_val == ds->n, "rows");
            for (size_t e = 0; e < cv.n && e < ref_curve.n; e++) {
                const double rt = fabs(cv.train[e] - ref_curve.train[e]) / ref_curve.train[e];
                const double rv = !isfinite(ref_curve.val[e]) ? 0.0
                                  : fabs(cv.val[e] - ref_curve.val[e]) / ref_curve.val[e];
                CHECK(rt < 1e-5 && rv < 1e-5, "epoch %zu: train %.9g vs %.9g, val %.9g vs %.9g",
                      e + 1, cv.train[e], ref_curve.train[e], cv.val[e], ref_curve.val[e]);
            }
            const float *p = mlpb_model_params(m, NULL);
            const double e = max_rel(p, pref, np);
            const double pe = prob_diff(m, ref, ds->x, ds->n);
            CHECK(e < 1e-4, "parameters off by %.3g (skew %d overlap %d)", e, skew, overlap);
            CHECK(pe <= 1e-5, "probabilities off by %.3g (skew %d overlap %d)", pe, skew,
                  overlap);
            /* One rank: the single-process trainer's run, bit for bit. */
            if (g_size == 1)
                CHECK(memcmp(p, pref, np * sizeof *p) == 0, "one rank differs from mlpb_train");
            CHECK(max_rel(mlpb_model_mean(m), mlpb_model_mean(ref), d) < 1e-6, "mean");
            CHECK(same_on_all_ranks(p, np), "parameters differ between ranks");
            if (g_rank == 0)
                printf("train P=%d refit=%d skew=%d overlap=%d: %zu epochs, best %zu, refit "
                       "%zu, params within %.2g, probabilities within %.2g, %llu steps, %.4f s "
                       "in allreduce\n",
                       g_size, refit, skew, overlap, rep.train.epochs_run, rep.train.best_epoch,
                       rep.train.refit_epochs, e, pe, (unsigned long long)rep.steps,
                       rep.comm_seconds);
            mlpb_model_destroy(m);
        }
    }
    mlpb_model_destroy(ref);
}

static void test_train(const data *ds)
{
    test_train_refit(ds, 0);
    test_train_refit(ds, 1);
}

/* Collective refusals: options that differ between ranks, a NaN on the
 * last rank for the global standardisation. */
/* Every rank of these tests runs on this machine: the cores given are
 * divided by the number of ranks, at least 1 each, the same on every rank. */
static void test_node_threads(void)
{
    const int want8 = 8 / g_size > 1 ? 8 / g_size : 1;
    int got = mlpb_mpi_node_threads(MPI_COMM_WORLD, 8);
    CHECK(got == want8, "8 cores over %d ranks: %d threads, not %d", g_size, got, want8);
    got = mlpb_mpi_node_threads(MPI_COMM_WORLD, 1);
    CHECK(got == 1, "1 core over %d ranks: %d threads", g_size, got);
    /* This process's BLAS count (1 in these tests) is the default. */
    const int have = mlpb_blas_threads();
    const int want = have / g_size > 1 ? have / g_size : 1;
    got = mlpb_mpi_node_threads(MPI_COMM_WORLD, 0);
    CHECK(got == want, "the BLAS count %d over %d ranks: %d threads", have, g_size, got);
}

static void test_refusals(const data *ds)
{
    mlpb_train_opts o;
    curve cv = {{0}, {0}, 0};
    mlpb_model *m = make_model(ds->d, 5);
    size_t lo, hi;
    shard_of(ds->n, 0, &lo, &hi);
    const mlpb_dataset shard = {ds->x + lo * ds->d, ds->y + lo, NULL, hi - lo};
    mlpb_mpi_report rep;
    rep.steps = 12345;
    train_opts(&o, &cv, 0);
    o.seed += (uint64_t)(g_rank == g_size - 1 && g_size > 1);
    mlpb_status st = mlpb_mpi_train(m, &shard, NULL, &o, NULL, MPI_COMM_WORLD, NULL, &rep);
    CHECK(st == (g_size > 1 ? MLPB_E_INVALID_ARG : MLPB_OK), "different seeds: %s",
          mlpb_strerror(st));
    CHECK(g_size == 1 || rep.steps == 12345, "report written on an argument error");
    train_opts(&o, &cv, 0);
    o.epochs = 1;
    const mlpb_mpi_opts mo = {.overlap = g_rank == g_size - 1 && g_size > 1};
    st = mlpb_mpi_train(m, &shard, NULL, &o, &mo, MPI_COMM_WORLD, NULL, &rep);
    CHECK(st == (g_size > 1 ? MLPB_E_INVALID_ARG : MLPB_OK), "different overlap: %s",
          mlpb_strerror(st));

    /* A reserved word set on the last rank (an option of a newer header):
     * every rank refuses, and the report is not written. */
    const int last = g_rank == g_size - 1;
    for (int which = 0; which < 3; which++) {
        train_opts(&o, &cv, 0);
        mlpb_mpi_opts mr = {0};
        if (last && which == 0)
            o.reserved[0] = 1;
        if (last && which == 1)
            o.optim.reserved[7] = 1;
        if (last && which == 2)
            mr.reserved[6] = 1;
        rep.steps = 12345;
        st = mlpb_mpi_train(m, &shard, NULL, &o, &mr, MPI_COMM_WORLD, NULL, &rep);
        CHECK(st == MLPB_E_INVALID_ARG && rep.steps == 12345,
              "reserved word %d set on the last rank: %s", which, mlpb_strerror(st));
    }

    float *x = malloc((hi - lo) * ds->d * sizeof(float));
    memcpy(x, ds->x + lo * ds->d, (hi - lo) * ds->d * sizeof(float));
    if (g_rank == g_size - 1)
        x[ds->d + 2] = NAN;
    st = mlpb_mpi_fit_standardization(m, x, hi - lo, MPI_COMM_WORLD);
    CHECK(st == MLPB_E_NUMERIC, "NaN in the standardisation: %s", mlpb_strerror(st));
    st = mlpb_mpi_fit_standardization(m, NULL, 0, MPI_COMM_WORLD);
    CHECK(st == MLPB_E_INVALID_ARG, "no rows anywhere: %s", mlpb_strerror(st));
    free(x);
    mlpb_model_destroy(m);
}

/* --------------------------------------------------------------- diverge */
/* A finite row whose forward pass overflows (every feature FLT_MAX, no
 * standardisation) in the middle of rank 1's shard: training stops on every
 * rank at the batch that holds it, with rank 1 named, exactly where
 * mlpb_train stops, and with the parameters mlpb_train keeps. */
static void test_diverge(data *ds)
{
    size_t lo, hi;
    const int bad_rank = 1 % g_size;
    const size_t r_lo = ds->n * (size_t)bad_rank / (size_t)g_size;
    const size_t r_hi = ds->n * (size_t)(bad_rank + 1) / (size_t)g_size;
    const size_t bad = (r_lo + r_hi) / 2;
    for (size_t j = 0; j < ds->d; j++)
        ds->x[bad * ds->d + j] = 3.4e38f;
    mlpb_train_opts o;
    curve cv = {{0}, {0}, 0};
    train_opts(&o, &cv, 0);
    o.val_fraction = 0.0f;
    o.standardize = 0;
    mlpb_model *ref = make_model(ds->d, 5), *m = make_model(ds->d, 5);
    const mlpb_dataset all = {ds->x, ds->y, NULL, ds->n};
    mlpb_train_report rr;
    const mlpb_status rst = mlpb_train(ref, &all, NULL, &o, NULL, &rr);
    CHECK(rst == MLPB_E_NUMERIC, "single process: %s", mlpb_strerror(rst));
    shard_of(ds->n, 0, &lo, &hi);
    const mlpb_dataset shard = {ds->x + lo * ds->d, ds->y + lo, NULL, hi - lo};
    mlpb_mpi_report rep;
    const mlpb_status st = mlpb_mpi_train(m, &shard, NULL, &o, NULL, MPI_COMM_WORLD, NULL, &rep);
    CHECK(st == MLPB_E_NUMERIC, "mpi: %s", mlpb_strerror(st));
    CHECK(rep.fail_rank == bad_rank, "fail_rank %d", rep.fail_rank);
    CHECK(rep.train.fail_epoch == rr.fail_epoch && rep.train.fail_batch == rr.fail_batch,
          "failed at %zu/%zu, single process at %zu/%zu", rep.train.fail_epoch,
          rep.train.fail_batch, rr.fail_epoch, rr.fail_batch);
    CHECK(rep.train.fail_batch > 0, "a batch failed");
    size_t np;
    const float *p = mlpb_model_params(m, &np);
    CHECK(max_rel(p, mlpb_model_params(ref, NULL), np) < 1e-4, "kept parameters");
    CHECK(same_on_all_ranks(p, np), "parameters differ between ranks");
    mlpb_model_destroy(ref);
    mlpb_model_destroy(m);
}

/* --------------------------------------------------------------- corrupt */
/* As an application would: report the agreed error and exit non-zero. */
static int test_corrupt(data *ds)
{
    size_t lo, hi;
    shard_of(ds->n, 0, &lo, &hi);
    if (g_rank == 1 % g_size)
        ds->x[(lo + (hi - lo) / 2) * ds->d + 3] = NAN;
    mlpb_train_opts o;
    curve cv = {{0}, {0}, 0};
    train_opts(&o, &cv, 0);
    mlpb_model *m = make_model(ds->d, 5);
    const mlpb_dataset shard = {ds->x + lo * ds->d, ds->y + lo, NULL, hi - lo};
    mlpb_mpi_report rep;
    const mlpb_status st = mlpb_mpi_train(m, &shard, NULL, &o, NULL, MPI_COMM_WORLD, NULL, &rep);
    mlpb_model_destroy(m);
    if (st != MLPB_OK) {
        fprintf(stderr, "rank %d: training failed: %s (data of rank %d, epoch %zu)\n", g_rank,
                mlpb_strerror(st), rep.fail_rank, rep.train.fail_epoch);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    /* One BLAS thread a rank: the ranks share the cores. */
    mlpb_blas_set_threads(1);
    data ds;
    if (argc < 3 || load_csv(argv[2], &ds) != 0) {
        fprintf(stderr, "usage: test_mpi step|train|diverge|corrupt DATA.csv\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    int rc = 0;
    if (strcmp(argv[1], "step") == 0) {
        test_step(&ds);
        test_refusals(&ds);
        test_node_threads();
    }
    else if (strcmp(argv[1], "train") == 0)
        test_train(&ds);
    else if (strcmp(argv[1], "diverge") == 0)
        test_diverge(&ds);
    else if (strcmp(argv[1], "corrupt") == 0)
        rc = test_corrupt(&ds);
    else
        g_fail = 1;
    free(ds.x);
    free(ds.y);
    MPI_Finalize();
    return g_fail ? 1 : rc;
}
