/* test_train.c -- the mini-batch trainer: XOR and two moons learnt, early
 * stopping that restores the best weights bitwise, callbacks that stop,
 * divergence stopping at the last good weights, non-finite data refused, bitwise
 * determinism, the stratified split and standardisation on training rows,
 * both read in place (no copy of the data), loss weights and the partial last
 * batch, no allocation in the epoch loop, allocation failures, argument
 * checks, and the breast-cancer data. */
#include "testutil.h"

#include "mlpb_internal.h"

#ifdef MLPB_TEST_HAVE_DATA
#include "read/data.h"
#endif

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------- helpers */
static const float xor_x[] = {0, 0, 0, 1, 1, 0, 1, 1};
static const float xor_y[] = {0, 1, 1, 0};

/* Two interleaved half circles (scikit-learn's make_moons): class 0 on
 * (cos t, sin t), class 1 on (1 - cos t, 1/2 - sin t), t uniform in [0, pi),
 * plus Gaussian noise of standard deviation `noise`. */
static void make_moons(float *x, float *y, size_t n, double noise, uint64_t seed)
{
    mlpb_rng r;
    mlpb__rng_seed(&r, seed);
    const double pi = 3.14159265358979323846;
    for (size_t i = 0; i < n; i++) {
        const double t = pi * mlpb__rng_uniform(&r);
        const bool one = i % 2 == 1;
        const double a = one ? 1.0 - cos(t) : cos(t), b = one ? 0.5 - sin(t) : sin(t);
        x[2 * i] = (float)(a + noise * mlpb__rng_normal(&r));
        x[2 * i + 1] = (float)(b + noise * mlpb__rng_normal(&r));
        y[i] = one ? 1.0f : 0.0f;
    }
}

/* Fraction of rows whose thresholded first output equals its label. */
static double accuracy(const mlpb_model *m, const float *x, const float *y, size_t n)
{
    const size_t k = mlpb_model_n_outputs(m);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 64, NULL, &ws), MLPB_OK);
    float *p = malloc(n * k * sizeof *p);
    assert_non_null(p);
    assert_int_equal(mlpb_predict(m, ws, x, n, p), MLPB_OK);
    size_t right = 0;
    for (size_t i = 0; i < n; i++)
        right += (p[i * k] >= 0.5f) == (y[i * k] >= 0.5f);
    free(p);
    mlpb_workspace_destroy(ws);
    return (double)right / (double)n;
}

static float *params_copy(mlpb_model *m)
{
    size_t np;
    const float *p = mlpb_model_params(m, &np);
    float *c = malloc(np * sizeof *c);
    assert_non_null(c);
    memcpy(c, p, np * sizeof *c);
    return c;
}

static bool params_finite(mlpb_model *m)
{
    size_t np;
    const float *p = mlpb_model_params(m, &np);
    for (size_t i = 0; i < np; i++)
        if (!isfinite(p[i]))
            return false;
    return true;
}

/* The defaults but without the refit on all rows: these tests look at the
 * validated run itself (test_refit.c tests the refit). */
static mlpb_train_opts quiet_opts(void)
{
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.refit = 0;
    return o;
}

/* ------------------------------------------------------------ defaults */
/* The rules that depend on the data (docs/defaults.md): the hidden width
 * from the outputs, AdamW's decay from the rows (within float rounding of
 * 0.1 x 1000 / n), the ensemble from the rows and its refit from the
 * members. */
static void test_data_defaults(void **state)
{
    (void)state;
    assert_int_equal(mlpb_hidden_default(0), 64);
    assert_int_equal(mlpb_hidden_default(1), 64);
    assert_int_equal(mlpb_hidden_default(2), 128);
    assert_int_equal(mlpb_hidden_default(16), 128);
    assert_int_equal(mlpb_hidden_default(17), 136);
    assert_int_equal(mlpb_hidden_default(26), 208);
    assert_true(mlpb_hidden_default(SIZE_MAX) == SIZE_MAX);
    assert_int_equal(mlpb_ensemble_members_default(1), 8);
    assert_int_equal(mlpb_ensemble_members_default(999), 8);
    assert_int_equal(mlpb_ensemble_members_default(1000), 1);
    assert_int_equal(mlpb_ensemble_members_default(SIZE_MAX), 1);
    assert_int_equal(mlpb_refit_default(1), 1);
    assert_int_equal(mlpb_refit_default(2), 0);
    assert_int_equal(mlpb_refit_default(8), 0);
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    assert_int_equal(mlpb_refit_default(1), o.refit);
    assert_true(mlpb_weight_decay_default(0) == o.optim.weight_decay);
    assert_true(mlpb_weight_decay_default(1) == 0.1f);
    assert_true(mlpb_weight_decay_default(1000) == 0.1f);
    const size_t rows[] = {1001, 4000, 15000, 58000, 10000000};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double want = 0.1 * 1000.0 / (double)rows[i];
        double got  = (double)mlpb_weight_decay_default(rows[i]);
        assert_true(fabs(got - want) <= want * (double)FLT_EPSILON);
    }
}

static void test_train_defaults(void **state)
{
    (void)state;
    mlpb_train_opts o;
    memset(&o, 0xff, sizeof o);
    mlpb_train_opts_default(&o);
    assert_int_equal(o.epochs, 300);
    assert_int_equal(o.batch_size, 32);
    assert_int_equal(o.optim.kind, MLPB_OPT_ADAMW);
    assert_true(o.optim.lr == 1e-3f);
    assert_true(o.optim.weight_decay == 0.1f);
    assert_true(o.optim.beta1 == 0.9f && o.optim.beta2 == 0.999f && o.optim.eps == 1e-8f);
    assert_true(o.val_fraction == 0.15f);
    assert_int_equal(o.patience, 30);
    assert_true(o.min_delta == 0.0f);
    assert_int_equal(o.restore_best, 1);
    assert_int_equal(o.standardize, 1);
    assert_null(o.pos_weight);
    assert_null(o.on_epoch);
    assert_null(o.on_batch);
    assert_null(o.ctx);
    assert_int_equal(o.threading, MLPB_THREADING_AUTO);
    assert_int_equal(o.refit, 1);
    mlpb_train_opts_default(NULL);
}

/* ------------------------------------------------------------- learning */
static void test_train_xor(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 8, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 1);
    mlpb_train_opts o = quiet_opts();
    o.epochs = 300;
    o.batch_size = 4;
    o.optim.lr = 0.05f;
    o.val_fraction = 0.0f;
    o.seed = 1;
    const mlpb_dataset tr = {xor_x, xor_y, NULL, 4};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    assert_true(accuracy(m, xor_x, xor_y, 4) >= 0.99);
    assert_int_equal(rep.epochs_run, 300);
    assert_int_equal(rep.last.epoch, 300);
    assert_int_equal(rep.last.epochs, 300);
    assert_int_equal(rep.best_epoch, 0);
    assert_true(isnan(rep.best_val_loss) && isnan(rep.last.val_loss));
    assert_true(isnan(rep.last.val.accuracy));
    assert_true(rep.last.train_loss < 0.05);
    assert_false(rep.stopped_early || rep.stopped_by_callback);
    assert_int_equal(rep.fail_epoch, 0);
    assert_true(rep.seconds >= 0.0 && rep.last.seconds >= 0.0);
    /* Standardisation fitted on the four rows: mean 0.5, std 0.5. */
    assert_true(mlpb_model_mean(m)[0] == 0.5f && mlpb_model_std(m)[1] == 0.5f);
    /* The serial-small policy trains too, and hands BLAS back as it was. */
    const int threads = mlpb_blas_threads();
    o.threading = MLPB_THREADING_SERIAL_SMALL;
    assert_int_equal(mlpb_model_init(m, MLPB_INIT_HE_GLOROT, 1), MLPB_OK);
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    assert_true(accuracy(m, xor_x, xor_y, 4) >= 0.99);
    assert_int_equal(mlpb_blas_threads(), threads);
    mlpb_model_destroy(m);
}

static void test_train_moons(void **state)
{
    (void)state;
    enum { N = 400 };
    float *x = malloc(2 * N * sizeof *x), *y = malloc(N * sizeof *y);
    float *tx = malloc(2 * N * sizeof *tx), *ty = malloc(N * sizeof *ty);
    assert_true(x && y && tx && ty);
    make_moons(x, y, N, 0.1, 11);
    make_moons(tx, ty, N, 0.1, 12);
    const size_t sizes[] = {2, 32, 32, 1};
    mlpb_model *m = mlpbt_model(sizes, 4, 2);
    mlpb_train_opts o = quiet_opts();
    o.epochs = 150;
    o.optim.lr = 0.01f;
    o.val_fraction = 0.2f;
    o.patience = 30;
    o.seed = 3;
    const mlpb_dataset tr = {x, y, NULL, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    const double acc = accuracy(m, tx, ty, N);
    print_message("moons: held-out accuracy %.4f after %zu epochs (best %zu)\n", acc,
                  rep.epochs_run, rep.best_epoch);
    assert_true(acc >= 0.99);
    assert_true(rep.best_epoch >= 1 && isfinite(rep.best_val_loss));
    assert_true(rep.last.val.accuracy >= 0.95 && rep.last.val.auc > 0.95);
    mlpb_model_destroy(m);
    free(x);
    free(y);
    free(tx);
    free(ty);
}

/* ------------------------------------------------------- early stopping */
typedef struct es_ctx {
    mlpb_model *m;
    float      *best, *last;
    size_t      best_epoch, calls;
} es_ctx;

static int record_epoch(const mlpb_epoch_info *info, void *ctx)
{
    es_ctx *c = ctx;
    size_t np;
    const float *p = mlpb_model_params(c->m, &np);
    c->calls++;
    assert_int_equal(info->epoch, c->calls);
    if (info->best_epoch == info->epoch) {
        memcpy(c->best, p, np * sizeof *p);
        c->best_epoch = info->epoch;
    }
    memcpy(c->last, p, np * sizeof *p);
    return 0;
}

/* Random labels: the validation loss can only get worse once the model
 * starts memorising, so patience runs out well before the epoch limit. */
static void run_overfit(int restore_best)
{
    enum { N = 80, D = 6 };
    float x[N * D], y[N];
    mlpbt_fill_uniform(x, N * D, -1.0f, 1.0f, 20);
    mlpbt_fill_labels(y, N, 21);
    const size_t sizes[] = {D, 64, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 22);
    es_ctx c = {m, params_copy(m), params_copy(m), 0, 0};
    mlpb_train_opts o = quiet_opts();
    o.epochs = 300;
    o.batch_size = 8;
    o.optim.lr = 0.01f;
    o.val_fraction = 0.3f;
    o.patience = 5;
    o.restore_best = restore_best;
    o.on_epoch = record_epoch;
    o.ctx = &c;
    const mlpb_dataset tr = {x, y, NULL, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    assert_true(rep.stopped_early);
    assert_false(rep.stopped_by_callback);
    assert_int_equal(rep.best_epoch, c.best_epoch);
    assert_int_equal(rep.epochs_run, rep.best_epoch + o.patience);
    assert_int_equal(rep.epochs_run, c.calls);
    assert_int_equal(rep.last.best_epoch, rep.best_epoch);
    assert_true(rep.best_val_loss < rep.last.val_loss);
    size_t np;
    const float *p = mlpb_model_params(m, &np);
    assert_memory_not_equal(c.best, c.last, np * sizeof *p);
    assert_memory_equal(p, restore_best ? c.best : c.last, np * sizeof *p);
    free(c.best);
    free(c.last);
    mlpb_model_destroy(m);
}

static void test_train_early_stopping_restores_best(void **state)
{
    (void)state;
    run_overfit(1);
    run_overfit(0);

    /* min_delta: no epoch improves on the first by 10, so patience runs out
     * at epoch 1 + patience. */
    float x[40], y[20];
    make_moons(x, y, 20, 0.1, 23);
    const size_t sizes[] = {2, 4, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 24);
    mlpb_train_opts o = quiet_opts();
    o.val_fraction = 0.25f;
    o.patience = 3;
    o.min_delta = 10.0f;
    const mlpb_dataset tr = {x, y, NULL, 20};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    assert_int_equal(rep.best_epoch, 1);
    assert_int_equal(rep.epochs_run, 4);
    assert_true(rep.stopped_early);
    mlpb_model_destroy(m);
}

/* ------------------------------------------------------------ callbacks */
typedef struct cb_ctx {
    size_t stop_epoch;                   /* on_epoch returns 1 here (0: never) */
    size_t stop_batch_epoch, stop_batch; /* on_batch returns 1 here */
    size_t epochs_seen, batches_seen, n_batches, next_batch;
} cb_ctx;

static int cb_epoch(const mlpb_epoch_info *info, void *ctx)
{
    cb_ctx *c = ctx;
    c->epochs_seen++;
    return info->epoch == c->stop_epoch;
}

static int cb_batch(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx)
{
    cb_ctx *c = ctx;
    assert_true(isfinite(loss) && loss > 0.0f);
    assert_int_equal(batch, c->next_batch);
    c->next_batch = batch == n_batches ? 1 : batch + 1;
    c->n_batches = n_batches;
    c->batches_seen++;
    return epoch == c->stop_batch_epoch && batch == c->stop_batch;
}

static void test_train_callback_stops(void **state)
{
    (void)state;
    enum { N = 50 };
    float x[2 * N], y[N];
    make_moons(x, y, N, 0.1, 30);
    const size_t sizes[] = {2, 8, 1};
    const mlpb_dataset tr = {x, y, NULL, N};
    mlpb_train_report rep;

    /* Epoch callback: stop after epoch 3. 50 rows of 16: 4 batches. */
    mlpb_model *m = mlpbt_model(sizes, 3, 31);
    cb_ctx c = {3, 0, 0, 0, 0, 0, 1};
    mlpb_train_opts o = quiet_opts();
    o.batch_size = 16;
    o.val_fraction = 0.0f;
    o.on_epoch = cb_epoch;
    o.on_batch = cb_batch;
    o.ctx = &c;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    assert_int_equal(rep.epochs_run, 3);
    assert_true(rep.stopped_by_callback);
    assert_false(rep.stopped_early);
    assert_int_equal(c.epochs_seen, 3);
    assert_int_equal(c.n_batches, 4);
    assert_int_equal(c.batches_seen, 12);
    mlpb_model_destroy(m);

    /* Batch callback: stop after batch 2 of epoch 2; the epoch is wound up. */
    m = mlpbt_model(sizes, 3, 31);
    c = (cb_ctx){0, 2, 2, 0, 0, 0, 1};
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    assert_int_equal(c.batches_seen, 4 + 2);
    assert_int_equal(c.epochs_seen, 2);
    assert_int_equal(rep.epochs_run, 2);
    assert_int_equal(rep.last.epoch, 2);
    assert_true(rep.stopped_by_callback);
    mlpb_model_destroy(m);
}

/* ----------------------------------------------------------- divergence */
typedef struct good_ctx {
    mlpb_model *m;
    float      *prev; /* parameters after the last successful batch */
    size_t      batches;
} good_ctx;

static int keep_params(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx)
{
    (void)epoch, (void)batch, (void)n_batches, (void)loss;
    good_ctx *c = ctx;
    size_t np;
    const float *p = mlpb_model_params(c->m, &np);
    memcpy(c->prev, p, np * sizeof *p);
    c->batches++;
    return 0;
}

/* A learning rate of 1e30 blows the logits up within a few steps: the run
 * stops with MLPB_E_NUMERIC where it happened, the model holding the (finite)
 * weights it had before the failing batch. */
static void test_train_diverging_lr_stops_at_last_good(void **state)
{
    (void)state;
    enum { N = 64 };
    float x[2 * N], y[N];
    make_moons(x, y, N, 0.2, 40);
    const size_t sizes[] = {2, 16, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 41);
    good_ctx c = {m, params_copy(m), 0};
    mlpb_train_opts o = quiet_opts();
    o.batch_size = 8;
    o.val_fraction = 0.25f;
    o.optim.kind = MLPB_OPT_SGD;
    o.optim.lr = 1e30f;
    o.on_batch = keep_params;
    o.ctx = &c;
    const mlpb_dataset tr = {x, y, NULL, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_E_NUMERIC);
    print_message("lr 1e30: failed at epoch %zu batch %zu after %zu good batches\n",
                  rep.fail_epoch, rep.fail_batch, c.batches);
    assert_true(rep.fail_epoch >= 1 && rep.fail_batch >= 1);
    assert_true(c.batches >= 1); /* at least one update went through */
    /* 48 training rows in batches of 8: 6 a epoch. */
    assert_int_equal(c.batches, (rep.fail_epoch - 1) * 6 + rep.fail_batch - 1);
    assert_int_equal(rep.epochs_run, rep.fail_epoch - 1);
    assert_true(params_finite(m));
    size_t np;
    const float *p = mlpb_model_params(m, &np);
    assert_memory_equal(p, c.prev, np * sizeof(float));
    free(c.prev);
    mlpb_model_destroy(m);
}

/* An update whose result overflows (gradient finite, lr * g beyond FLT_MAX)
 * leaves the weights of the start of that epoch. */
static void test_train_overflowing_update_restores_epoch_start(void **state)
{
    (void)state;
    enum { N = 16 };
    float x[2 * N], y[N];
    make_moons(x, y, N, 0.1, 42);
    for (size_t i = 0; i < 2 * N; i++)
        x[i] *= 1000.0f;
    const size_t sizes[] = {2, 4, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 43);
    float *start = params_copy(m);
    mlpb_train_opts o = quiet_opts();
    o.val_fraction = 0.0f;
    o.standardize = 0;
    o.optim.kind = MLPB_OPT_SGD;
    o.optim.lr = 1e38f;
    const mlpb_dataset tr = {x, y, NULL, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_E_NUMERIC);
    assert_int_equal(rep.fail_epoch, 1);
    assert_int_equal(rep.fail_batch, 1);
    assert_true(params_finite(m));
    size_t np;
    const float *p = mlpb_model_params(m, &np);
    assert_memory_equal(p, start, np * sizeof(float));
    free(start);
    mlpb_model_destroy(m);
}

/* Non-finite data -- a feature, target or sample weight of the training or
 * the validation set, in the last row so that a late check would come after
 * training on the others -- is refused before the model changes, standardised
 * or not. */
static void test_train_nonfinite_data_refused_up_front(void **state)
{
    (void)state;
    enum { N = 40 };
    float x[2 * N], y[N], sw[N], vx[2 * N], vy[N], vsw[N];
    const size_t sizes[] = {2, 8, 1};
    const float bad[2] = {NAN, -INFINITY};
    for (int where = 0; where < 6; where++) {
        for (int b = 0; b < 2; b++) {
            for (int stdz = 0; stdz < 2; stdz++) {
                make_moons(x, y, N, 0.1, 50);
                make_moons(vx, vy, N, 0.1, 51);
                mlpbt_fill_uniform(sw, N, 0.5f, 1.5f, 52);
                mlpbt_fill_uniform(vsw, N, 0.5f, 1.5f, 53);
                float *slot[6] = {&x[2 * N - 1], &y[N - 1], &sw[N - 1],
                                  &vx[2 * N - 1], &vy[N - 1], &vsw[N - 1]};
                *slot[where] = bad[b];
                mlpb_model *m = mlpbt_model(sizes, 3, 54);
                float *before = params_copy(m);
                mlpb_train_opts o = quiet_opts();
                o.epochs = 2;
                o.batch_size = 8;
                o.standardize = stdz;
                const mlpb_dataset tr = {x, y, sw, N}, va = {vx, vy, vsw, N};
                mlpb_train_report rep;
                memset(&rep, 0x5a, sizeof rep);
                assert_int_equal(mlpb_train(m, &tr, &va, &o, NULL, &rep), MLPB_E_NUMERIC);
                assert_int_equal(rep.fail_epoch, 0);
                assert_int_equal(rep.fail_batch, 0);
                assert_int_equal(rep.epochs_run, 0);
                size_t np;
                const float *p = mlpb_model_params(m, &np);
                assert_memory_equal(p, before, np * sizeof *p);
                assert_null(mlpb_model_mean(m));
                free(before);
                mlpb_model_destroy(m);
            }
        }
    }
}

/* ---------------------------------------------------------- determinism */
static float *train_moons_threading(uint64_t seed, mlpb_threading threading, size_t batch,
                                    size_t hidden, double *train_loss)
{
    enum { N = 120 };
    float x[2 * N], y[N];
    make_moons(x, y, N, 0.2, 60);
    const size_t sizes[] = {2, hidden, hidden, 1};
    mlpb_model *m = mlpbt_model(sizes, 4, 61);
    mlpb_train_opts o = quiet_opts();
    o.epochs = 15;
    o.batch_size = batch;
    o.optim.lr = 0.01f;
    o.val_fraction = 0.2f;
    o.seed = seed;
    o.threading = threading;
    const mlpb_dataset tr = {x, y, NULL, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    *train_loss = rep.last.train_loss;
    float *p = params_copy(m);
    mlpb_model_destroy(m);
    return p;
}

static float *train_moons_once(uint64_t seed, double *train_loss)
{
    return train_moons_threading(seed, MLPB_THREADING_BLAS, 10, 16, train_loss);
}

static void test_train_deterministic(void **state)
{
    (void)state;
    const size_t np = 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1;
    double la, lb, lc;
    float *a = train_moons_once(7, &la), *b = train_moons_once(7, &lb);
    float *c = train_moons_once(8, &lc);
    assert_memory_equal(a, b, np * sizeof *a);
    assert_true(la == lb);
    assert_memory_not_equal(a, c, np * sizeof *a);
    free(a);
    free(b);
    free(c);
}

/* A schedule left without a length takes the run's: t_max 0 trains as t_max
 * = batches an epoch x epochs, step_size 0 as a third of that; and the
 * derived schedule does change the run (it is not ignored). */
static float *train_sched(mlpb_schedule sched, uint64_t step_size, uint64_t t_max)
{
    enum { N = 120 };
    float x[2 * N], y[N];
    make_moons(x, y, N, 0.2, 60);
    const size_t sizes[] = {2, 16, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 61);
    mlpb_train_opts o = quiet_opts();
    o.epochs = 9;
    o.batch_size = 25; /* 5 batches an epoch, the last of 20 rows */
    o.optim.lr = 0.05f;
    o.val_fraction = 0.0f;
    o.optim.schedule = sched;
    o.optim.step_size = step_size;
    o.optim.t_max = t_max;
    const mlpb_dataset tr = {x, y, NULL, N};
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, NULL), MLPB_OK);
    float *p = params_copy(m);
    mlpb_model_destroy(m);
    return p;
}

static void test_train_schedule_lengths_from_run(void **state)
{
    (void)state;
    const size_t np = 2 * 16 + 16 + 16 + 1;
    float *c0 = train_sched(MLPB_SCHED_COSINE, 0, 0), *c1 = train_sched(MLPB_SCHED_COSINE, 0, 45);
    float *c2 = train_sched(MLPB_SCHED_COSINE, 0, 44);
    float *s0 = train_sched(MLPB_SCHED_STEP, 0, 0), *s1 = train_sched(MLPB_SCHED_STEP, 15, 0);
    float *k = train_sched(MLPB_SCHED_CONSTANT, 0, 0);
    assert_memory_equal(c0, c1, np * sizeof *c0);
    assert_memory_not_equal(c0, c2, np * sizeof *c0);
    assert_memory_equal(s0, s1, np * sizeof *s0);
    assert_memory_not_equal(s0, k, np * sizeof *s0);
    free(c0);
    free(c1);
    free(c2);
    free(s0);
    free(s1);
    free(k);
}

/* Batches of 30 split across 3 threads (10 rows of a 2-128-128-1 network
 * each): reproducible bit for bit for a fixed number of parts, and the same
 * training as unsplit up to rounding. */
static void test_train_split_deterministic(void **state)
{
    (void)state;
    const size_t np = 2 * 128 + 128 + 128 * 128 + 128 + 128 + 1;
    const int threads = mlpb_blas_threads();
    mlpb_blas_set_threads(3);
    double la, lb, lu;
    float *a = train_moons_threading(7, MLPB_THREADING_SPLIT, 30, 128, &la);
    float *b = train_moons_threading(7, MLPB_THREADING_SPLIT, 30, 128, &lb);
    mlpb_blas_set_threads(threads);
    float *u = train_moons_threading(7, MLPB_THREADING_BLAS, 30, 128, &lu);
    assert_memory_equal(a, b, np * sizeof *a);
    assert_true(la == lb);
    mlpbt_assert_close(la, lu, 1e-3);
    for (size_t i = 0; i < np; i++)
        assert_true(fabsf(a[i] - u[i]) <= 1e-3f * (1.0f + fabsf(u[i])));
    free(a);
    free(b);
    free(u);
}

/* Each epoch visits every row once, in a new seeded order: with one row a
 * batch and a learning rate too small to move the weights, each batch loss
 * names its row. */
typedef struct order_ctx {
    float  loss[3][20];
    size_t n;
} order_ctx;

static int record_order(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx)
{
    order_ctx *c = ctx;
    assert_int_equal(n_batches, 20);
    assert_true(epoch >= 1 && epoch <= 3);
    c->loss[epoch - 1][batch - 1] = loss;
    c->n++;
    return 0;
}

static void test_train_shuffles_every_epoch(void **state)
{
    (void)state;
    enum { N = 20 };
    float x[3 * N], y[N], row_loss[N];
    mlpbt_fill_uniform(x, 3 * N, -2.0f, 2.0f, 95);
    mlpbt_fill_labels(y, N, 96);
    const size_t sizes[] = {3, 5, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 97);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 1, NULL, &ws), MLPB_OK);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(mlpb_loss(m, ws, x + 3 * i, y + i, 1, NULL, &row_loss[i]), MLPB_OK);
    order_ctx c;
    memset(&c, 0, sizeof c);
    mlpb_train_opts o = quiet_opts();
    o.epochs = 3;
    o.batch_size = 1;
    o.val_fraction = 0.0f;
    o.standardize = 0;
    o.optim.kind = MLPB_OPT_SGD;
    o.optim.lr = 1e-30f;
    o.seed = 98;
    o.on_batch = record_order;
    o.ctx = &c;
    const mlpb_dataset tr = {x, y, NULL, N};
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, NULL), MLPB_OK);
    assert_int_equal(c.n, 3 * N);
    size_t order[3][N];
    for (size_t e = 0; e < 3; e++) {
        int seen[N] = {0};
        for (size_t b = 0; b < N; b++) {
            size_t hits = 0;
            for (size_t i = 0; i < N; i++) {
                if (mlpbt_rel_err((double)c.loss[e][b], (double)row_loss[i], 1e-6) < 1e-5) {
                    order[e][b] = i;
                    hits++;
                }
            }
            assert_int_equal(hits, 1);
            seen[order[e][b]]++;
        }
        for (size_t i = 0; i < N; i++)
            assert_int_equal(seen[i], 1); /* a permutation: every row once */
    }
    size_t in_place = 0;
    for (size_t b = 0; b < N; b++)
        in_place += order[0][b] == b;
    assert_true(in_place < N);
    assert_memory_not_equal(order[0], order[1], sizeof order[0]);
    assert_memory_not_equal(order[1], order[2], sizeof order[0]);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* ------------------------------------------- split and standardisation */
/* 100 rows, 33 positive; feature 0 is the label. A 25% stratified split
 * holds out round(8.25) = 8 positives and round(16.75) = 17 negatives, so the
 * 75 training rows hold 25 positives: the fitted mean of feature 0 is 1/3,
 * not the 0.33 of all rows. */
static void test_train_split_is_stratified_and_fit_on_train_rows(void **state)
{
    (void)state;
    enum { N = 100 };
    float x[2 * N], y[N];
    for (size_t i = 0; i < N; i++) {
        y[i] = i % 3 == 0 && i < 99 ? 1.0f : 0.0f;
        x[2 * i] = y[i];
        x[2 * i + 1] = (float)i;
    }
    const size_t sizes[] = {2, 4, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 70);
    mlpb_train_opts o = quiet_opts();
    o.epochs = 1;
    o.val_fraction = 0.25f;
    const mlpb_dataset tr = {x, y, NULL, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    mlpbt_assert_close(mlpb_model_mean(m)[0], 1.0 / 3.0, 1e-6);
    mlpbt_assert_close(mlpb_model_std(m)[0], sqrt(2.0) / 3.0, 1e-6);
    assert_int_equal(rep.best_epoch, 1);
    assert_true(isfinite(rep.last.val_loss) && isfinite(rep.last.val.auc));

    /* An explicit validation set never enters the statistics. */
    float vx[4] = {100.0f, 100.0f, 100.0f, 100.0f}, vy[2] = {0.0f, 1.0f};
    const mlpb_dataset va = {vx, vy, NULL, 2};
    assert_int_equal(mlpb_train(m, &tr, &va, &o, NULL, &rep), MLPB_OK);
    mlpbt_assert_close(mlpb_model_mean(m)[0], 0.33, 1e-6);
    mlpbt_assert_close(mlpb_model_mean(m)[1], 49.5, 1e-6);

    /* Too few rows to hold any out (round(0.1 * 2) per class): trains
     * without validation. */
    o.val_fraction = 0.1f;
    const mlpb_dataset four = {xor_x, xor_y, NULL, 4};
    assert_int_equal(mlpb_train(m, &four, NULL, &o, NULL, &rep), MLPB_OK);
    assert_true(isnan(rep.last.val_loss));
    assert_int_equal(rep.best_epoch, 0);
    mlpb_model_destroy(m);
}

/* The split's rows are read where they lie. A first run, one row a batch and
 * a learning rate too small to move the weights, names each training row by
 * its batch loss; the rest are the validation rows. A second run with the
 * same seed (the same split), sample weights, pos_weight, standardisation and
 * batches of 3 (so 10 validation rows are evaluated in chunks of 3, 3, 3, 1)
 * then has: the standardisation of exactly the training rows, the validation
 * loss of the reference network on exactly the validation rows, their metrics,
 * and the same validation figures, bit for bit, as a run given those rows as
 * an explicit validation set. */
typedef struct rows_ctx {
    const float *row_loss;
    size_t       n, batches;
    int          seen[64];
} rows_ctx;

static int record_rows(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx)
{
    (void)epoch, (void)batch, (void)n_batches;
    rows_ctx *c = ctx;
    size_t hits = 0, hit = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (mlpbt_rel_err((double)loss, (double)c->row_loss[i], 1e-6) < 1e-5) {
            hits++;
            hit = i;
        }
    }
    assert_int_equal(hits, 1);
    c->seen[hit]++;
    c->batches++;
    return 0;
}

static void test_train_split_reads_rows_in_place(void **state)
{
    (void)state;
    enum { N = 40, D = 3, K = 2 };
    float x[N * D], y[N * K], sw[N], row_loss[N];
    const float pw[K] = {2.0f, 0.5f};
    mlpbt_fill_uniform(x, N * D, -2.0f, 3.0f, 120);
    mlpbt_fill_labels(y, N * K, 121);
    mlpbt_fill_uniform(sw, N, 0.25f, 2.0f, 122);
    const size_t sizes[] = {D, 6, K};
    mlpb_model *m0 = mlpbt_model(sizes, 3, 123), *mb = NULL, *mc = NULL;
    assert_int_equal(mlpb_model_clone(m0, &mb), MLPB_OK);
    assert_int_equal(mlpb_model_clone(m0, &mc), MLPB_OK);
    mlpb_workspace *ws1 = NULL, *ws3 = NULL;
    assert_int_equal(mlpb_workspace_create(m0, 1, NULL, &ws1), MLPB_OK);
    assert_int_equal(mlpb_workspace_create(m0, 3, NULL, &ws3), MLPB_OK);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(mlpb_loss(m0, ws1, x + D * i, y + K * i, 1, NULL, &row_loss[i]),
                         MLPB_OK);
    size_t pos = 0;
    for (size_t i = 0; i < N; i++)
        pos += y[K * i] >= 0.5f;
    const size_t n_va = (size_t)floor(0.25 * (double)pos + 0.5) +
                        (size_t)floor(0.25 * (double)(N - pos) + 0.5);
    assert_true(n_va == 10);

    rows_ctx rc;
    memset(&rc, 0, sizeof rc);
    rc.row_loss = row_loss;
    rc.n = N;
    mlpb_train_opts o = quiet_opts();
    o.epochs = 1;
    o.batch_size = 1;
    o.val_fraction = 0.25f;
    o.standardize = 0;
    o.optim.kind = MLPB_OPT_SGD;
    o.optim.lr = 1e-30f;
    o.seed = 124;
    o.on_batch = record_rows;
    o.ctx = &rc;
    const mlpb_dataset plain = {x, y, NULL, N};
    assert_int_equal(mlpb_train(m0, &plain, NULL, &o, NULL, NULL), MLPB_OK);
    assert_int_equal(rc.batches, N - n_va);

    /* T: the training rows, V: the validation rows, each in the data's order. */
    float tx[N * D], vx[N * D], vy[N * K], vsw[N];
    size_t nt = 0, nv = 0, vpos = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(rc.seen[i] <= 1);
        if (rc.seen[i]) {
            memcpy(tx + D * nt++, x + D * i, D * sizeof *x);
        } else {
            memcpy(vx + D * nv, x + D * i, D * sizeof *x);
            memcpy(vy + K * nv, y + K * i, K * sizeof *y);
            vsw[nv++] = sw[i];
            vpos += y[K * i] >= 0.5f;
        }
    }
    assert_int_equal(nv, n_va);
    assert_int_equal(vpos, (size_t)floor(0.25 * (double)pos + 0.5)); /* stratified */

    o.batch_size = 3;
    o.standardize = 1;
    o.pos_weight = pw;
    o.on_batch = NULL;
    const mlpb_dataset weighted = {x, y, sw, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(mb, &weighted, NULL, &o, NULL, &rep), MLPB_OK);
    assert_int_equal(rep.best_epoch, 1);

    /* The standardisation: population mean and std of T, in double. */
    double mean[D], sd[D];
    for (size_t j = 0; j < D; j++) {
        double s = 0.0, ss = 0.0;
        for (size_t i = 0; i < nt; i++)
            s += (double)tx[D * i + j];
        mean[j] = s / (double)nt;
        for (size_t i = 0; i < nt; i++)
            ss += ((double)tx[D * i + j] - mean[j]) * ((double)tx[D * i + j] - mean[j]);
        sd[j] = sqrt(ss / (double)nt);
        mlpbt_assert_close(mlpb_model_mean(mb)[j], mean[j], 1e-6);
        mlpbt_assert_close(mlpb_model_std(mb)[j], sd[j], 1e-6);
    }

    /* The validation loss: the reference network on V, weighted. */
    double *pd = mlpbt_params_double(mb), fm[D], fs[D];
    for (size_t j = 0; j < D; j++) {
        fm[j] = (double)mlpb_model_mean(mb)[j];
        fs[j] = (double)mlpb_model_std(mb)[j];
    }
    const mlpbt_net net = {sizes, 3, pd, fm, fs};
    mlpbt_assert_close(rep.last.val_loss, mlpbt_ref_loss(&net, vx, vy, n_va, pw, vsw), 1e-5);

    /* The metrics: those of V's probabilities. */
    float prob[N * K];
    mlpb_metrics mt;
    assert_int_equal(mlpb_predict(mb, ws3, vx, n_va, prob), MLPB_OK);
    assert_int_equal(mlpb_metrics_compute(prob, vy, n_va, K, NULL, NULL, &mt, NULL), MLPB_OK);
    assert_true(rep.last.val.accuracy == mt.accuracy);
    assert_true(rep.last.val.auc == mt.auc);
    assert_true(rep.last.val.f1 == mt.f1);

    /* T for training and V as an explicit validation set: the weights do
     * not move, so the same standardisation and validation figures, bitwise. */
    float ty[N * K], tsw[N];
    nt = 0;
    for (size_t i = 0; i < N; i++) {
        if (rc.seen[i]) {
            memcpy(ty + K * nt, y + K * i, K * sizeof *y);
            tsw[nt++] = sw[i];
        }
    }
    const mlpb_dataset ts = {tx, ty, tsw, nt}, vs = {vx, vy, vsw, n_va};
    mlpb_train_report rep_c;
    assert_int_equal(mlpb_train(mc, &ts, &vs, &o, NULL, &rep_c), MLPB_OK);
    assert_memory_equal(mlpb_model_mean(mc), mlpb_model_mean(mb), D * sizeof(float));
    assert_memory_equal(mlpb_model_std(mc), mlpb_model_std(mb), D * sizeof(float));
    assert_true(rep_c.last.val_loss == rep.last.val_loss);
    assert_memory_equal(&rep_c.last.val, &rep.last.val, sizeof rep.last.val);

    free(pd);
    mlpb_workspace_destroy(ws1);
    mlpb_workspace_destroy(ws3);
    mlpb_model_destroy(m0);
    mlpb_model_destroy(mb);
    mlpb_model_destroy(mc);
}

/* The trainer never copies the caller's rows: with a 10% split (or an
 * explicit validation set) of 4000 rows of 50 features, no block it allocates
 * comes near the data's size (a copy of the training rows alone would be 90%
 * of it); what grows with the rows is the row index and the validation
 * targets, logits and probabilities. */
static void test_train_never_copies_the_data(void **state)
{
    (void)state;
    enum { N = 4000, D = 50 };
    float *x = malloc((size_t)N * D * sizeof *x), *y = malloc(N * sizeof *y);
    float *sw = malloc(N * sizeof *sw);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(sw);
    mlpbt_fill_uniform(x, (size_t)N * D, -1.0f, 1.0f, 130);
    mlpbt_fill_labels(y, N, 131);
    mlpbt_fill_uniform(sw, N, 0.5f, 1.5f, 132);
    const size_t sizes[] = {D, 4, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 133);
    const size_t data_bytes = (size_t)N * (D + 1 + 1) * sizeof(float);

    mlpbt_counter cnt;
    mlpb_allocator a = mlpbt_counting_allocator(&cnt);
    mlpb_train_opts o = quiet_opts();
    o.epochs = 1;
    o.val_fraction = 0.1f;
    const mlpb_dataset all = {x, y, sw, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &all, NULL, &o, &a, &rep), MLPB_OK);
    assert_true(isfinite(rep.last.val_loss));
    assert_true(cnt.largest > 0 && cnt.largest < data_bytes / 4);
    assert_int_equal(cnt.live, 0);

    mlpbt_counting_allocator(&cnt);
    const mlpb_dataset tr = {x, y, sw, 3000}, va = {x + 3000 * D, y + 3000, sw + 3000, 1000};
    assert_int_equal(mlpb_train(m, &tr, &va, &o, &a, &rep), MLPB_OK);
    assert_true(isfinite(rep.last.val_loss));
    assert_true(cnt.largest > 0 && cnt.largest < data_bytes / 4);
    assert_int_equal(cnt.live, 0);
    mlpb_model_destroy(m);
    free(x);
    free(y);
    free(sw);
}

/* Standardisation fitted through a row list (in any order, repeats allowed)
 * equals the public fit on those rows gathered, bit for bit, and the double
 * reference; rows NULL is the public fit; unlisted rows are never read. */
static void test_train_fit_standardization_rows(void **state)
{
    (void)state;
    enum { N = 7, D = 3, R = 5 };
    float x[N * D];
    mlpbt_fill_uniform(x, N * D, -4.0f, 6.0f, 140);
    const size_t rows[R] = {5, 0, 5, 2, 6};
    for (size_t i = 0; i < R; i++)
        x[D * rows[i] + 2] = 1.5f; /* constant on the listed rows only */
    x[D * 3 + 0] = NAN;            /* rows 1, 3 and 4 are not listed */
    x[D * 4 + 1] = INFINITY;
    float g[R * D];
    for (size_t i = 0; i < R; i++)
        memcpy(g + D * i, x + D * rows[i], D * sizeof *x);

    const size_t sizes[] = {D, 2, 1};
    mlpb_model *a = mlpbt_model(sizes, 3, 141), *b = mlpbt_model(sizes, 3, 141);
    assert_int_equal(mlpb_model_fit_standardization(a, g, R), MLPB_OK);
    assert_int_equal(mlpb__fit_standardization_rows(b, x, rows, R), MLPB_OK);
    assert_memory_equal(mlpb_model_mean(a), mlpb_model_mean(b), D * sizeof(float));
    assert_memory_equal(mlpb_model_std(a), mlpb_model_std(b), D * sizeof(float));
    for (size_t j = 0; j < 2; j++) {
        double s = 0.0, ss = 0.0;
        for (size_t i = 0; i < R; i++)
            s += (double)g[D * i + j];
        const double mu = s / R;
        for (size_t i = 0; i < R; i++)
            ss += ((double)g[D * i + j] - mu) * ((double)g[D * i + j] - mu);
        mlpbt_assert_close(mlpb_model_mean(b)[j], mu, 1e-6);
        mlpbt_assert_close(mlpb_model_std(b)[j], sqrt(ss / R), 1e-6);
    }
    assert_true(mlpb_model_mean(b)[2] == 1.5f && mlpb_model_std(b)[2] == 1.0f);

    /* A non-finite value in a listed row: refused, the model untouched. */
    const size_t bad[2] = {0, 3};
    float before[2 * D];
    memcpy(before, mlpb_model_mean(b), D * sizeof(float));
    memcpy(before + D, mlpb_model_std(b), D * sizeof(float));
    assert_int_equal(mlpb__fit_standardization_rows(b, x, bad, 2), MLPB_E_NUMERIC);
    assert_memory_equal(mlpb_model_mean(b), before, D * sizeof(float));
    assert_memory_equal(mlpb_model_std(b), before + D, D * sizeof(float));

    /* rows NULL: the first n rows, as the public fit. */
    float y2[2 * D];
    mlpbt_fill_uniform(y2, 2 * D, -1.0f, 1.0f, 142);
    assert_int_equal(mlpb_model_fit_standardization(a, y2, 2), MLPB_OK);
    assert_int_equal(mlpb__fit_standardization_rows(b, y2, NULL, 2), MLPB_OK);
    assert_memory_equal(mlpb_model_mean(a), mlpb_model_mean(b), D * sizeof(float));
    assert_memory_equal(mlpb_model_std(a), mlpb_model_std(b), D * sizeof(float));
    mlpb_model_destroy(a);
    mlpb_model_destroy(b);
}

/* ------------------------------------------------ weights, partial batch */
/* One epoch of one full batch of plain SGD equals one mlpb_loss_grad_weighted
 * + mlpb_sgd_step on the same rows (in another order, hence a tolerance). */
static void test_train_weights_reach_the_loss(void **state)
{
    (void)state;
    enum { N = 24, D = 3, K = 2 };
    float x[N * D], y[N * K], sw[N];
    const float pw[K] = {3.0f, 0.5f};
    mlpbt_fill_uniform(x, N * D, -1.0f, 1.0f, 80);
    mlpbt_fill_labels(y, N * K, 81);
    mlpbt_fill_uniform(sw, N, 0.0f, 2.0f, 82);
    const size_t sizes[] = {D, 5, K};
    mlpb_model *m = mlpbt_model(sizes, 3, 83), *ref = NULL, *plain = NULL;
    assert_int_equal(mlpb_model_clone(m, &ref), MLPB_OK);
    assert_int_equal(mlpb_model_clone(m, &plain), MLPB_OK);

    mlpb_train_opts o = quiet_opts();
    o.epochs = 1;
    o.batch_size = N;
    o.val_fraction = 0.0f;
    o.standardize = 0;
    o.optim.kind = MLPB_OPT_SGD;
    o.optim.lr = 0.5f;
    o.optim.weight_decay = 0.0f; /* plain SGD, without the default decay */
    o.pos_weight = pw;
    const mlpb_dataset tr = {x, y, sw, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);

    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(ref, N, NULL, &ws), MLPB_OK);
    const mlpb_loss_weights w = {pw, sw};
    float loss, loss_plain;
    assert_int_equal(mlpb_loss_grad_weighted(ref, ws, x, y, N, &w, &loss), MLPB_OK);
    assert_int_equal(mlpb_sgd_step(ref, 0.5f), MLPB_OK);
    assert_int_equal(mlpb_loss_grad(plain, ws, x, y, N, &loss_plain), MLPB_OK);
    assert_int_equal(mlpb_sgd_step(plain, 0.5f), MLPB_OK);
    mlpbt_assert_close(rep.last.train_loss, loss, 1e-6);
    assert_true(fabs((double)loss - (double)loss_plain) > 1e-2);

    size_t np;
    const float *p = mlpb_model_params(m, &np), *pr = mlpb_model_params(ref, NULL);
    const float *pp = mlpb_model_params(plain, NULL);
    double far = 0.0;
    for (size_t i = 0; i < np; i++) {
        assert_true(mlpbt_rel_err((double)p[i], (double)pr[i], 1e-2) < 1e-5);
        far = fmax(far, fabs((double)p[i] - (double)pp[i]));
    }
    assert_true(far > 1e-3); /* the weights made a difference */
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    mlpb_model_destroy(ref);
    mlpb_model_destroy(plain);
}

/* 5 rows in batches of 4: the second batch is one row, and its loss is that
 * row's own loss (divided by 1, not 4); the first batch's loss is the mean of
 * the other four at the initial weights. */
typedef struct pb_ctx {
    mlpb_model *m, *before; /* the live model; a copy of the weights before the batch */
    const float *x, *y;
    float        first_loss;
    size_t       last_row;
    mlpb_workspace *ws;
} pb_ctx;

static int partial_batch(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx)
{
    (void)epoch;
    pb_ctx *c = ctx;
    assert_int_equal(n_batches, 2);
    if (batch == 1) {
        c->first_loss = loss;
    } else {
        size_t hits = 0;
        for (size_t i = 0; i < 5; i++) {
            float li;
            assert_int_equal(mlpb_loss(c->before, c->ws, c->x + 2 * i, c->y + i, 1, NULL, &li),
                             MLPB_OK);
            if (mlpbt_rel_err((double)li, (double)loss, 1e-6) < 1e-5) {
                hits++;
                c->last_row = i;
            }
        }
        assert_int_equal(hits, 1);
    }
    /* The weights after this batch are those before the next one. */
    assert_int_equal(mlpb_model_copy_params(c->before, c->m), MLPB_OK);
    return 0;
}

static void test_train_partial_last_batch(void **state)
{
    (void)state;
    float x[10], y[5];
    make_moons(x, y, 5, 0.3, 90);
    const size_t sizes[] = {2, 6, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 91), *before = NULL, *init = NULL;
    assert_int_equal(mlpb_model_clone(m, &before), MLPB_OK);
    assert_int_equal(mlpb_model_clone(m, &init), MLPB_OK);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 5, NULL, &ws), MLPB_OK);
    pb_ctx c = {m, before, x, y, 0.0f, 99, ws};
    mlpb_train_opts o = quiet_opts();
    o.epochs = 1;
    o.batch_size = 4;
    o.val_fraction = 0.0f;
    o.standardize = 0;
    o.optim.kind = MLPB_OPT_SGD;
    o.optim.lr = 0.5f;
    o.on_batch = partial_batch;
    o.ctx = &c;
    const mlpb_dataset tr = {x, y, NULL, 5};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
    assert_true(c.last_row < 5);
    double sum = 0.0;
    for (size_t i = 0; i < 5; i++) {
        if (i == c.last_row)
            continue;
        float li;
        assert_int_equal(mlpb_loss(init, ws, x + 2 * i, y + i, 1, NULL, &li), MLPB_OK);
        sum += (double)li;
    }
    mlpbt_assert_close(c.first_loss, sum / 4.0, 1e-5);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    mlpb_model_destroy(before);
    mlpb_model_destroy(init);
}

/* ----------------------------------------------------------- allocation */
typedef struct alloc_ctx {
    const mlpbt_counter *c;
    size_t               calls_at_first; /* SIZE_MAX until the first callback */
    int                  changed;
} alloc_ctx;

static void note_calls(alloc_ctx *a)
{
    if (a->calls_at_first == SIZE_MAX)
        a->calls_at_first = a->c->calls;
    else if (a->c->calls != a->calls_at_first)
        a->changed = 1;
}

static int alloc_batch(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx)
{
    (void)epoch, (void)batch, (void)n_batches, (void)loss;
    note_calls(ctx);
    return 0;
}

static int alloc_epoch(const mlpb_epoch_info *info, void *ctx)
{
    (void)info;
    note_calls(ctx);
    return 0;
}

/* Training with a split, sample weights and validation metrics allocates only
 * before the first epoch; every allocation failure is clean. */
static void test_train_allocation(void **state)
{
    (void)state;
    enum { N = 90 };
    float x[2 * N], y[N], sw[N];
    make_moons(x, y, N, 0.2, 100);
    mlpbt_fill_uniform(sw, N, 0.5f, 1.5f, 101);
    const size_t sizes[] = {2, 8, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 102);
    float *init = params_copy(m);
    size_t np;
    mlpb_model_params(m, &np);

    mlpbt_counter cnt;
    mlpb_allocator a = mlpbt_counting_allocator(&cnt);
    alloc_ctx ac = {&cnt, SIZE_MAX, 0};
    mlpb_train_opts o = quiet_opts();
    o.epochs = 6;
    o.batch_size = 16;
    o.val_fraction = 0.3f;
    o.on_batch = alloc_batch;
    o.on_epoch = alloc_epoch;
    o.ctx = &ac;
    const mlpb_dataset tr = {x, y, sw, N};
    mlpb_train_report rep;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, &a, &rep), MLPB_OK);
    assert_true(ac.calls_at_first != SIZE_MAX && ac.calls_at_first > 0);
    assert_false(ac.changed);
    assert_int_equal(cnt.calls, ac.calls_at_first);
    assert_int_equal(cnt.live, 0);
    assert_true(isfinite(rep.last.val.auc));

    /* Fail at every allocation in turn: MLPB_E_NOMEM, no leak, the model and
     * the report untouched. */
    o.on_batch = NULL;
    o.on_epoch = NULL;
    o.epochs = 1;
    size_t fail_at = 0;
    for (;; fail_at++) {
        assert_int_equal(mlpb_model_set_standardization(m, NULL, NULL), MLPB_OK);
        memcpy(mlpb_model_params(m, NULL), init, np * sizeof *init);
        mlpbt_counting_allocator(&cnt);
        cnt.fail_at = fail_at;
        memset(&rep, 0xa5, sizeof rep);
        mlpb_train_report sentinel;
        memcpy(&sentinel, &rep, sizeof rep);
        const mlpb_status s = mlpb_train(m, &tr, NULL, &o, &a, &rep);
        assert_int_equal(cnt.live, 0);
        if (s == MLPB_OK)
            break;
        assert_int_equal(s, MLPB_E_NOMEM);
        assert_memory_equal(&rep, &sentinel, sizeof rep);
        assert_memory_equal(mlpb_model_params(m, NULL), init, np * sizeof *init);
        assert_null(mlpb_model_mean(m));
    }
    assert_true(fail_at >= 3);
    free(init);
    mlpb_model_destroy(m);
}

/* ------------------------------------------------------ argument checks */
static void test_train_invalid_args(void **state)
{
    (void)state;
    const size_t sizes[] = {2, 4, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 110);
    float *init = params_copy(m);
    size_t np;
    mlpb_model_params(m, &np);
    const mlpb_dataset tr = {xor_x, xor_y, NULL, 4};
    mlpb_train_opts ok = quiet_opts(), o;
    mlpb_train_report rep, sentinel;
    memset(&sentinel, 0x5a, sizeof sentinel);
#define EXPECT_INVALID(model, train, val, opts)                                       \
    do {                                                                              \
        rep = sentinel;                                                               \
        assert_int_equal(mlpb_train(model, train, val, opts, NULL, &rep),             \
                         MLPB_E_INVALID_ARG);                                         \
        assert_memory_equal(&rep, &sentinel, sizeof rep);                             \
    } while (0)
    EXPECT_INVALID(NULL, &tr, NULL, &ok);
    EXPECT_INVALID(m, NULL, NULL, &ok);
    EXPECT_INVALID(m, &tr, NULL, NULL);
    const mlpb_dataset empty = {xor_x, xor_y, NULL, 0}, nox = {NULL, xor_y, NULL, 4};
    const mlpb_dataset noy = {xor_x, NULL, NULL, 4};
    EXPECT_INVALID(m, &empty, NULL, &ok);
    EXPECT_INVALID(m, &nox, NULL, &ok);
    EXPECT_INVALID(m, &noy, NULL, &ok);
    EXPECT_INVALID(m, &tr, &empty, &ok);
    EXPECT_INVALID(m, &tr, &nox, &ok);
    o = ok;
    o.epochs = 0;
    EXPECT_INVALID(m, &tr, NULL, &o);
    o = ok;
    o.batch_size = 0;
    EXPECT_INVALID(m, &tr, NULL, &o);
    o = ok;
    o.val_fraction = 1.0f;
    EXPECT_INVALID(m, &tr, NULL, &o);
    o.val_fraction = -0.1f;
    EXPECT_INVALID(m, &tr, NULL, &o);
    o.val_fraction = NAN;
    EXPECT_INVALID(m, &tr, NULL, &o);
    o = ok;
    o.min_delta = -1.0f;
    EXPECT_INVALID(m, &tr, NULL, &o);
    o = ok;
    const float bad_pw[1] = {0.0f};
    o.pos_weight = bad_pw;
    EXPECT_INVALID(m, &tr, NULL, &o);
    o = ok;
    o.optim.lr = -1.0f;
    EXPECT_INVALID(m, &tr, NULL, &o);
    o = ok;
    o.optim.schedule = MLPB_SCHED_COSINE;
    o.optim.lr_min = 2.0f * o.optim.lr; /* above lr */
    EXPECT_INVALID(m, &tr, NULL, &o);
    o = ok;
    o.threading = (mlpb_threading)5;
    EXPECT_INVALID(m, &tr, NULL, &o);
    /* A split that leaves no training row: 1 row, half held out. */
    o = ok;
    o.val_fraction = 0.6f;
    const mlpb_dataset one = {xor_x, xor_y, NULL, 1};
    EXPECT_INVALID(m, &one, NULL, &o);
    /* Overflowing extents. */
    const mlpb_dataset huge = {xor_x, xor_y, NULL, SIZE_MAX / 2};
    rep = sentinel;
    o = ok;
    o.val_fraction = 0.0f;
    assert_int_equal(mlpb_train(m, &huge, NULL, &o, NULL, &rep), MLPB_E_OVERFLOW);
#undef EXPECT_INVALID
    assert_memory_equal(mlpb_model_params(m, NULL), init, np * sizeof *init);
    assert_null(mlpb_model_mean(m));
    /* report may be NULL. */
    o = ok;
    o.epochs = 2;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, NULL), MLPB_OK);
    free(init);
    mlpb_model_destroy(m);
}

/* -------------------------------------------------------- breast cancer */
#ifdef MLPB_TEST_HAVE_DATA
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The Wisconsin diagnostic data: a fixed stratified 75/25 split, a 30-32-1
 * model trained with Adam (defaults: standardised, 10% of the training rows
 * for early stopping) reaches >= 0.96 accuracy on the held-out quarter. */
static void test_train_breast_cancer(void **state)
{
    (void)state;
    cli_data_opts dopts;
    cli_data_opts_init(&dopts);
    cli_data all, tr, te;
    char err[256];
    assert_int_equal(cli_data_read(MLPB_TEST_DATA_DIR "/breast_cancer.csv", &dopts, &all,
                                    err, sizeof err),
                     MLPB_OK);
    assert_int_equal(all.n, 569);
    assert_int_equal(all.d, 30);
    assert_int_equal(all.k, 1);
    assert_int_equal(cli_data_split(&all, 0.25, 42, &tr, &te), MLPB_OK);
    assert_int_equal(te.n, 142); /* round(0.25 * 357) + round(0.25 * 212) = 89 + 53 */

    const size_t sizes[] = {30, 32, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 42);
    mlpb_train_opts o = quiet_opts();
    o.seed = 42;
    const mlpb_dataset ds = {tr.x, tr.y, NULL, tr.n};
    mlpb_train_report rep;
    const double t0 = now_s();
    assert_int_equal(mlpb_train(m, &ds, NULL, &o, NULL, &rep), MLPB_OK);
    const double secs = now_s() - t0;
    const double acc = accuracy(m, te.x, te.y, te.n);
    print_message("breast cancer: held-out accuracy %.4f (%zu rows), %zu epochs (best %zu, "
                  "val loss %.4f), %.3f s\n",
                  acc, te.n, rep.epochs_run, rep.best_epoch, rep.best_val_loss, secs);
    assert_true(acc >= 0.96);
    mlpb_model_destroy(m);
    cli_data_free(&all);
    cli_data_free(&tr);
    cli_data_free(&te);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_defaults),
        cmocka_unit_test(test_data_defaults),
        cmocka_unit_test(test_train_xor),
        cmocka_unit_test(test_train_moons),
        cmocka_unit_test(test_train_early_stopping_restores_best),
        cmocka_unit_test(test_train_callback_stops),
        cmocka_unit_test(test_train_diverging_lr_stops_at_last_good),
        cmocka_unit_test(test_train_overflowing_update_restores_epoch_start),
        cmocka_unit_test(test_train_nonfinite_data_refused_up_front),
        cmocka_unit_test(test_train_deterministic),
        cmocka_unit_test(test_train_schedule_lengths_from_run),
        cmocka_unit_test(test_train_split_deterministic),
        cmocka_unit_test(test_train_shuffles_every_epoch),
        cmocka_unit_test(test_train_split_is_stratified_and_fit_on_train_rows),
        cmocka_unit_test(test_train_split_reads_rows_in_place),
        cmocka_unit_test(test_train_never_copies_the_data),
        cmocka_unit_test(test_train_fit_standardization_rows),
        cmocka_unit_test(test_train_weights_reach_the_loss),
        cmocka_unit_test(test_train_partial_last_batch),
        cmocka_unit_test(test_train_allocation),
        cmocka_unit_test(test_train_invalid_args),
#ifdef MLPB_TEST_HAVE_DATA
        cmocka_unit_test(test_train_breast_cancer),
#endif
    };
    return cmocka_run_group_tests_name("train", tests, NULL, NULL);
}
