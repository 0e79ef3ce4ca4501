/* test_refit.c -- the trainer's refit on all rows: bitwise the same model as
 * the manual two-stage run (a validated run to find the best epoch, then a
 * run without validation on all rows from the same initial parameters), with
 * the standardisation of all rows; refit batches larger than the validated
 * run's; the callbacks' view of the refit; no refit with a given validation
 * set, without held-out rows, with refit off or after a callback's stop; a
 * callback that stops the refit; allocation failures. (The split itself:
 * test_val_split.c.) */
#include "testutil.h"

#include "mlpb_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Gaussian blobs around (+-1, +-1), the label that of the sign of x0 * x1,
 * with some noise so that the validation loss has a minimum. Features on a
 * scale far from 1, so that standardisation matters. */
static void make_data(float *x, float *y, size_t n, size_t d, uint64_t seed)
{
    mlpb_rng r;
    mlpb__rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)(50.0 + 20.0 * mlpb__rng_normal(&r));
        const double a = (double)x[i * d] - 50.0, b = (double)x[i * d + 1] - 50.0;
        const bool flip = mlpb__rng_uniform(&r) < 0.1;
        y[i] = ((a * b > 0.0) != flip) ? 1.0f : 0.0f;
    }
}

static mlpb_train_opts opts_for(size_t batch, float val_fraction)
{
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.epochs = 200;
    o.batch_size = batch;
    o.optim.lr = 0.01f;
    o.val_fraction = val_fraction;
    o.patience = 5;
    o.seed = 9;
    return o;
}

typedef struct seen {
    size_t validated, refit, refit_epochs, last_refit_epoch, stop_at_refit;
    int    order_ok;
} seen;

static int on_epoch(const mlpb_epoch_info *e, void *ctx)
{
    seen *s = ctx;
    if (e->refit) {
        s->refit++;
        s->refit_epochs = e->epochs;
        /* Refit epochs count from 1 and have no validation. */
        if (e->epoch != s->last_refit_epoch + 1 || isfinite(e->val_loss) || e->best_epoch != 0)
            s->order_ok = 0;
        s->last_refit_epoch = e->epoch;
        return s->stop_at_refit != 0 && e->epoch == s->stop_at_refit;
    }
    /* No validated epoch after the refit began. */
    if (s->refit > 0 || !isfinite(e->val_loss))
        s->order_ok = 0;
    s->validated++;
    return 0;
}

/* The refit equals the manual two-stage run, bit for bit; with a schedule
 * whose length is left 0, each run derives its own. */
static void check_two_stage(size_t n, size_t batch, float val_fraction, mlpb_schedule sched)
{
    enum { D = 5 };
    float *x = malloc(n * D * sizeof *x), *y = malloc(n * sizeof *y);
    assert_true(x != NULL && y != NULL);
    make_data(x, y, n, D, 31);
    const size_t sizes[] = {D, 16, 1};
    const mlpb_dataset all = {x, y, NULL, n};

    /* One call with refit. */
    mlpb_model *a = mlpbt_model(sizes, 3, 5);
    mlpb_train_opts o = opts_for(batch, val_fraction);
    o.optim.schedule = sched;
    seen s = {0, 0, 0, 0, 0, 1};
    o.on_epoch = on_epoch;
    o.ctx = &s;
    mlpb_train_report ra;
    assert_int_equal(mlpb_train(a, &all, NULL, &o, NULL, &ra), MLPB_OK);
    assert_true(ra.best_epoch >= 1);
    assert_int_equal(ra.refit_epochs, ra.best_epoch);
    assert_true(isfinite(ra.refit_train_loss));
    assert_int_equal(s.validated, ra.epochs_run);
    assert_int_equal(s.refit, ra.best_epoch);
    assert_int_equal(s.refit_epochs, ra.best_epoch);
    assert_true(s.order_ok);
    assert_false(ra.stopped_by_callback);
    /* The report's best epoch is the one of the validated run. */
    assert_int_equal(ra.best.epoch, ra.best_epoch);
    assert_true(ra.best.val_loss == ra.best_val_loss);

    /* By hand: the validated run without refit, then all rows from the
     * initial parameters for best_epoch epochs. */
    mlpb_model *b = mlpbt_model(sizes, 3, 5);
    o = opts_for(batch, val_fraction);
    o.optim.schedule = sched;
    o.refit = 0;
    mlpb_train_report rb;
    assert_int_equal(mlpb_train(b, &all, NULL, &o, NULL, &rb), MLPB_OK);
    assert_int_equal(rb.refit_epochs, 0);
    assert_int_equal(rb.best_epoch, ra.best_epoch);
    assert_int_equal(rb.epochs_run, ra.epochs_run);
    assert_true(rb.best_val_loss == ra.best_val_loss);
    assert_int_equal(mlpb_model_init(b, MLPB_INIT_HE_GLOROT, 5), MLPB_OK);
    o.val_fraction = 0.0f;
    o.epochs = rb.best_epoch;
    mlpb_train_report rc;
    assert_int_equal(mlpb_train(b, &all, NULL, &o, NULL, &rc), MLPB_OK);
    assert_true(rc.last.train_loss == ra.refit_train_loss);

    size_t np, npb;
    const float *pa = mlpb_model_params(a, &np), *pb = mlpb_model_params(b, &npb);
    assert_int_equal(np, npb);
    assert_memory_equal(pa, pb, np * sizeof *pa);
    assert_memory_equal(mlpb_model_mean(a), mlpb_model_mean(b), D * sizeof(float));
    assert_memory_equal(mlpb_model_std(a), mlpb_model_std(b), D * sizeof(float));

    /* The standardisation is that of all rows. */
    mlpb_model *c = mlpbt_model(sizes, 3, 5);
    assert_int_equal(mlpb_model_fit_standardization(c, x, n), MLPB_OK);
    assert_memory_equal(mlpb_model_mean(a), mlpb_model_mean(c), D * sizeof(float));
    assert_memory_equal(mlpb_model_std(a), mlpb_model_std(c), D * sizeof(float));

    /* And it differs from the validated run's model (b before its refit). */
    mlpb_model *v = mlpbt_model(sizes, 3, 5);
    o = opts_for(batch, val_fraction);
    o.optim.schedule = sched;
    o.refit = 0;
    assert_int_equal(mlpb_train(v, &all, NULL, &o, NULL, NULL), MLPB_OK);
    assert_memory_not_equal(mlpb_model_params(v, &np), pa, np * sizeof *pa);

    mlpb_model_destroy(a);
    mlpb_model_destroy(b);
    mlpb_model_destroy(c);
    mlpb_model_destroy(v);
    free(x);
    free(y);
}

static void test_refit_equals_two_stage_run(void **state)
{
    (void)state;
    check_two_stage(300, 32, 0.2f, MLPB_SCHED_CONSTANT);
    /* Batches of 36: 30 rows in the validated run, 36 in the refit's. */
    check_two_stage(40, 36, 0.25f, MLPB_SCHED_CONSTANT);
    /* Lengths from the run: the refit's are those of its own run. */
    check_two_stage(300, 32, 0.2f, MLPB_SCHED_COSINE);
    check_two_stage(300, 32, 0.2f, MLPB_SCHED_STEP);
}

/* Where refit cannot or must not apply, the result is that of refit off. */
static void check_no_refit(size_t n, float val_fraction, int with_val)
{
    enum { D = 3 };
    float *x = malloc(n * D * sizeof *x), *y = malloc(n * sizeof *y);
    assert_true(x != NULL && y != NULL);
    make_data(x, y, n, D, 41);
    const size_t sizes[] = {D, 8, 1};
    const mlpb_dataset all = {x, y, NULL, n};
    const mlpb_dataset val = {x, y, NULL, n < 20 ? n : 20};
    mlpb_model *m[2];
    mlpb_train_report r[2];
    for (int refit = 0; refit < 2; refit++) {
        m[refit] = mlpbt_model(sizes, 3, 6);
        mlpb_train_opts o = opts_for(16, val_fraction);
        o.epochs = 30;
        o.refit = refit;
        seen s = {0, 0, 0, 0, 0, 1};
        o.on_epoch = on_epoch;
        o.ctx = &s;
        assert_int_equal(mlpb_train(m[refit], &all, with_val ? &val : NULL, &o, NULL, &r[refit]),
                         MLPB_OK);
        assert_int_equal(r[refit].refit_epochs, 0);
        assert_int_equal(s.refit, 0);
    }
    size_t np;
    const float *p0 = mlpb_model_params(m[0], &np), *p1 = mlpb_model_params(m[1], &np);
    assert_memory_equal(p0, p1, np * sizeof *p0);
    assert_int_equal(r[0].epochs_run, r[1].epochs_run);
    mlpb_model_destroy(m[0]);
    mlpb_model_destroy(m[1]);
    free(x);
    free(y);
}

static int stop_at_3(const mlpb_epoch_info *e, void *ctx)
{
    (void)ctx;
    return e->epoch == 3 && !e->refit;
}

static void test_refit_only_where_it_applies(void **state)
{
    (void)state;
    check_no_refit(100, 0.2f, 1); /* a validation set given: its rows cannot be added */
    check_no_refit(100, 0.0f, 0); /* no validation */
    check_no_refit(3, 0.1f, 0); /* round(0.1 * count) holds no row out */

    /* A callback's stop during the validated run: no refit, best weights kept. */
    enum { N = 100, D = 3 };
    float x[N * D], y[N];
    make_data(x, y, N, D, 43);
    const size_t sizes[] = {D, 8, 1};
    const mlpb_dataset all = {x, y, NULL, N};
    mlpb_model *m = mlpbt_model(sizes, 3, 7);
    mlpb_train_opts o = opts_for(16, 0.2f);
    o.on_epoch = stop_at_3;
    mlpb_train_report r;
    assert_int_equal(mlpb_train(m, &all, NULL, &o, NULL, &r), MLPB_OK);
    assert_true(r.stopped_by_callback);
    assert_int_equal(r.epochs_run, 3);
    assert_int_equal(r.refit_epochs, 0);
    assert_true(isnan(r.refit_train_loss));
    mlpb_model_destroy(m);
}

/* A callback that stops the refit: stopped_by_callback, refit_epochs where
 * it stopped. */
static void test_refit_stopped_by_callback(void **state)
{
    (void)state;
    enum { N = 300, D = 4 };
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * sizeof *y);
    assert_true(x != NULL && y != NULL);
    make_data(x, y, N, D, 51);
    const size_t sizes[] = {D, 16, 1};
    const mlpb_dataset all = {x, y, NULL, N};
    mlpb_model *m = mlpbt_model(sizes, 3, 8);
    mlpb_train_opts o = opts_for(32, 0.2f);
    seen s = {0, 0, 0, 0, 2, 1};
    o.on_epoch = on_epoch;
    o.ctx = &s;
    mlpb_train_report r;
    assert_int_equal(mlpb_train(m, &all, NULL, &o, NULL, &r), MLPB_OK);
    assert_true(r.best_epoch > 2);
    assert_true(r.stopped_by_callback);
    assert_int_equal(r.refit_epochs, 2);
    assert_int_equal(s.refit, 2);
    assert_true(s.order_ok);
    mlpb_model_destroy(m);
    free(x);
    free(y);
}

/* Every allocation of a refitting run may fail: MLPB_E_NOMEM, model and
 * report untouched, nothing leaked (the counting allocator checks). */
static void test_refit_allocation_failures(void **state)
{
    (void)state;
    enum { N = 60, D = 3 };
    float x[N * D], y[N];
    make_data(x, y, N, D, 61);
    const size_t sizes[] = {D, 8, 1};
    const mlpb_dataset all = {x, y, NULL, N};
    mlpb_train_opts o = opts_for(16, 0.2f);
    o.epochs = 5;
    for (size_t fail_at = 0;; fail_at++) {
        mlpbt_counter c;
        mlpb_allocator al = mlpbt_counting_allocator(&c);
        c.fail_at = fail_at;
        mlpb_model *m = mlpbt_model(sizes, 3, 9);
        size_t len, len2;
        unsigned char *before = mlpbt_model_image(m, &len);
        mlpb_train_report r, untouched;
        memset(&r, 0x5a, sizeof r);
        memcpy(&untouched, &r, sizeof r);
        const mlpb_status st = mlpb_train(m, &all, NULL, &o, &al, &r);
        assert_int_equal(c.live, 0);
        if (st == MLPB_OK) {
            assert_true(fail_at > 0);
            assert_true(r.refit_epochs > 0);
            free(before);
            mlpb_model_destroy(m);
            break;
        }
        assert_int_equal(st, MLPB_E_NOMEM);
        assert_memory_equal(&r, &untouched, sizeof r);
        unsigned char *after = mlpbt_model_image(m, &len2);
        assert_int_equal(len, len2);
        assert_memory_equal(before, after, len);
        free(after);
        free(before);
        mlpb_model_destroy(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refit_equals_two_stage_run),
        cmocka_unit_test(test_refit_only_where_it_applies),
        cmocka_unit_test(test_refit_stopped_by_callback),
        cmocka_unit_test(test_refit_allocation_failures),
    };
    return cmocka_run_group_tests_name("refit", tests, NULL, NULL);
}
