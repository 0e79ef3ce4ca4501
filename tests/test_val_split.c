/* test_val_split.c -- the trainer's validation split: mlpb_train_split and
 * mlpb_train_split_for name the rows mlpb_train holds out (the
 * standardisation fitted on the others is their mean, the best validation
 * loss the kept model's loss on the named rows, against double-precision
 * references), for one run and for an ensemble member's phase; an
 * ensemble's members hold out every row once or twice (8 members at 0.15),
 * each member stratified; the seed decides; refusals. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { N = 203, D = 3 };

/* Features uniform on [20, 80] (far from a unit scale, so that the
 * standardisation shows), the label the sign of (x0 - 50)(x1 - 50) with 10%
 * flipped, so that the validation loss has a minimum. */
static void make_data(float *x, float *y)
{
    float flip[N];
    mlpbt_fill_uniform(x, N * D, 20.0f, 80.0f, 17);
    mlpbt_fill_uniform(flip, N, 0.0f, 1.0f, 18);
    for (size_t i = 0; i < N; i++) {
        const float a = x[i * D] - 50.0f, b = x[i * D + 1] - 50.0f;
        y[i] = ((a * b > 0.0f) != (flip[i] < 0.1f)) ? 1.0f : 0.0f;
    }
}

typedef struct fixture {
    float        *x, *y;
    mlpb_dataset  all;
    unsigned char pick[N], other[N];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    *state = f;
    f->x = malloc(N * D * sizeof(float));
    f->y = malloc(N * sizeof(float));
    if (f->x == NULL || f->y == NULL)
        return -1;
    make_data(f->x, f->y);
    f->all = (mlpb_dataset){f->x, f->y, NULL, N};
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->x);
    free(f->y);
    free(f);
    return 0;
}

static mlpb_train_opts opts_for(float val_fraction)
{
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.epochs = 6;
    o.batch_size = 16;
    o.optim.lr = 0.01f;
    o.val_fraction = val_fraction;
    o.patience = 5;
    o.refit = 0;
    o.seed = 9;
    return o;
}

/* floor(f n + h) rows in all, and floor or ceil of f times each class's. */
static void check_counts(const fixture *f, const unsigned char *pick, size_t n_val,
                         float fraction, double phase)
{
    size_t pos = 0, pos_val = 0, held = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(pick[i] <= 1);
        held += pick[i];
        pos += f->y[i] >= 0.5f;
        pos_val += pick[i] && f->y[i] >= 0.5f;
    }
    assert_int_equal(held, n_val);
    assert_int_equal(n_val, (size_t)floor((double)fraction * (double)N + phase));
    assert_true(pos_val >= (size_t)floor((double)fraction * (double)pos) &&
                pos_val <= (size_t)ceil((double)fraction * (double)pos));
}

/* Train with o and check that the rows held out were pick's: the model's
 * standardisation is the mean of the other rows, and the best validation
 * loss is the kept model's loss on the picked rows. */
static void check_trainer_rows(const fixture *f, const mlpb_train_opts *o,
                               const unsigned char *pick, size_t n_val)
{
    const size_t sizes[] = {D, 8, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 5);
    mlpb_train_report r;
    assert_int_equal(mlpb_train(m, &f->all, NULL, o, NULL, &r), MLPB_OK);
    assert_true(r.best_epoch >= 1);
    assert_int_equal(r.n_val, n_val);
    const float *mean = mlpb_model_mean(m);
    assert_non_null(mean);
    for (size_t j = 0; j < D; j++) {
        double sum = 0.0;
        for (size_t i = 0; i < N; i++)
            sum += pick[i] ? 0.0 : (double)f->x[i * D + j];
        const double ref = sum / (double)(N - n_val);
        /* float rounding of a mean near 50; another row in or out moves it
         * by about 0.1. */
        assert_true(fabs((double)mean[j] - ref) <= 1e-4 * fabs(ref));
    }
    float p[N];
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, N, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_predict(m, ws, f->x, N, p), MLPB_OK);
    double loss = 0.0;
    for (size_t i = 0; i < N; i++)
        if (pick[i])
            loss -= f->y[i] >= 0.5f ? log((double)p[i]) : log1p(-(double)p[i]);
    loss /= (double)n_val;
    assert_true(fabs(loss - r.best_val_loss) <= 1e-4 * loss);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* One run's split: mlpb_train_split and mlpb_train_split_for agree and name
 * the trainer's rows; the seed decides; fraction 0 or too few rows hold
 * none out; the allocation; refusals. */
static void test_split_names_the_trainers_rows(void **state)
{
    fixture *f = *state;
    const mlpb_dataset *all = &f->all;
    size_t n_val = 0, n_other = 0;
    assert_int_equal(mlpb_train_split(all, 1, 0.2f, 9, NULL, f->pick, &n_val), MLPB_OK);
    check_counts(f, f->pick, n_val, 0.2f, 0.5);
    const mlpb_train_opts o = opts_for(0.2f);
    assert_int_equal(mlpb_train_split_for(all, 1, &o, NULL, f->other, &n_other), MLPB_OK);
    assert_int_equal(n_other, n_val);
    assert_memory_equal(f->pick, f->other, N);
    check_trainer_rows(f, &o, f->pick, n_val);

    assert_int_equal(mlpb_train_split(all, 1, 0.2f, 10, NULL, f->other, &n_other), MLPB_OK);
    assert_int_equal(n_other, n_val);
    assert_true(memcmp(f->pick, f->other, N) != 0);
    assert_int_equal(mlpb_train_split(all, 1, 0.0f, 9, NULL, f->other, &n_other), MLPB_OK);
    assert_int_equal(n_other, 0);
    const mlpb_dataset one = {f->x, f->y, NULL, 1};
    f->other[0] = 7;
    assert_int_equal(mlpb_train_split(&one, 1, 0.2f, 9, NULL, f->other, &n_other), MLPB_OK);
    assert_int_equal(n_other, 0);
    assert_int_equal(f->other[0], 0);
    /* Its one allocation failing: MLPB_E_NOMEM, nothing left allocated. */
    mlpbt_counter c;
    mlpb_allocator al = mlpbt_counting_allocator(&c);
    c.fail_at = 0;
    assert_int_equal(mlpb_train_split(all, 1, 0.2f, 9, &al, f->other, &n_other), MLPB_E_NOMEM);
    assert_int_equal(mlpb_train_split_for(all, 1, &o, &al, f->other, &n_other), MLPB_E_NOMEM);
    assert_int_equal(c.live, 0);
    c.fail_at = SIZE_MAX;
    assert_int_equal(mlpb_train_split(all, 1, 0.2f, 9, &al, f->other, &n_other), MLPB_OK);
    assert_int_equal(c.live, 0);
    assert_memory_equal(f->pick, f->other, N);
    /* Refused: fractions outside [0, 1), NULLs, no outputs. */
    const float bad[] = {1.0f, -0.1f, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(mlpb_train_split(all, 1, bad[i], 9, NULL, f->other, &n_other),
                         MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_split(NULL, 1, 0.2f, 9, NULL, f->other, &n_other),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_split(all, 0, 0.2f, 9, NULL, f->other, &n_other),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_split(all, 1, 0.2f, 9, NULL, NULL, &n_other),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_split(all, 1, 0.2f, 9, NULL, f->other, NULL),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_split_for(all, 1, NULL, NULL, f->other, &n_other),
                     MLPB_E_INVALID_ARG);
}

/* An ensemble's members (mlpb_ensemble_member): member 0 holds out the
 * plain run's rows; every member's split is stratified, with the count of
 * its phase, and is the one its training uses; together 8 members at 0.15
 * hold out every row once or twice, where 8 splits of their own seeds would
 * leave rows held out by none or by three or more. */
static void test_members_spread_their_rows(void **state)
{
    fixture *f = *state;
    enum { M = 8 };
    const float fraction = 0.15f;
    const size_t sizes[] = {D, 8, 1};
    const mlpb_config cfg = {sizes, 3, 21, MLPB_INIT_FAN_IN};
    const mlpb_train_opts o = opts_for(fraction);
    unsigned char times[N] = {0}, alone[N] = {0};
    for (size_t i = 0; i < M; i++) {
        mlpb_config c;
        mlpb_train_opts oi;
        size_t n_val = 0;
        assert_int_equal(mlpb_ensemble_member(&cfg, &o, i, &c, &oi), MLPB_OK);
        assert_int_equal(mlpb_train_split_for(&f->all, 1, &oi, NULL, f->other, &n_val),
                         MLPB_OK);
        check_counts(f, f->other, n_val, fraction, i == 0 ? 0.5 : oi.split_phase);
        if (i == 0) {
            size_t n0 = 0;
            assert_int_equal(mlpb_train_split(&f->all, 1, fraction, o.seed, NULL, f->pick, &n0),
                             MLPB_OK);
            assert_memory_equal(f->pick, f->other, N);
        } else if (i == 3) {
            check_trainer_rows(f, &oi, f->other, n_val);
        }
        for (size_t r = 0; r < N; r++)
            times[r] += f->other[r];
        /* The same members with splits of their own seeds, for contrast. */
        size_t n_own = 0;
        assert_int_equal(mlpb_train_split(&f->all, 1, fraction, oi.seed, NULL, f->pick, &n_own),
                         MLPB_OK);
        for (size_t r = 0; r < N; r++)
            alone[r] += f->pick[r];
    }
    size_t lo = M, hi = 0, lo_alone = M, hi_alone = 0;
    for (size_t r = 0; r < N; r++) {
        lo = times[r] < lo ? times[r] : lo;
        hi = times[r] > hi ? times[r] : hi;
        lo_alone = alone[r] < lo_alone ? alone[r] : lo_alone;
        hi_alone = alone[r] > hi_alone ? alone[r] : hi_alone;
    }
    assert_int_equal(lo, 1); /* floor(8 x 0.15) */
    assert_int_equal(hi, 2); /* ceil(8 x 0.15) */
    assert_true(lo_alone == 0 && hi_alone >= 3);
}

/* A phase outside [0, 1) or a split_seed without one: refused by the
 * trainer, its memory query and mlpb_train_split_for; a member of options
 * that already have a phase is refused too. */
static void test_phase_refusals(void **state)
{
    fixture *f = *state;
    const size_t sizes[] = {D, 8, 1};
    const mlpb_config cfg = {sizes, 3, 21, MLPB_INIT_FAN_IN};
    mlpb_model *m = mlpbt_model(sizes, 3, 5);
    const double bad_phase[] = {1.0, -0.25, (double)NAN, (double)INFINITY, -1e-300};
    for (size_t i = 0; i < sizeof bad_phase / sizeof bad_phase[0] + 1; i++) {
        mlpb_train_opts o = opts_for(0.15f);
        if (i < sizeof bad_phase / sizeof bad_phase[0])
            o.split_phase = bad_phase[i];
        else
            o.split_seed = 3; /* no phase */
        size_t n_val = 0, bytes = 0;
        assert_int_equal(mlpb_train(m, &f->all, NULL, &o, NULL, NULL), MLPB_E_INVALID_ARG);
        assert_int_equal(mlpb_train_memory(sizes, 3, N, &o, &bytes), MLPB_E_INVALID_ARG);
        assert_int_equal(mlpb_train_split_for(&f->all, 1, &o, NULL, f->other, &n_val),
                         MLPB_E_INVALID_ARG);
    }
    mlpb_train_opts o = opts_for(0.15f), oi;
    mlpb_config c;
    o.split_phase = 0.25;
    assert_int_equal(mlpb_ensemble_member(&cfg, &o, 1, &c, &oi), MLPB_E_INVALID_ARG);
    /* A phase near 1: the count is floor(f n + h), here one more. */
    o.split_phase = nextafter(1.0, 0.0);
    size_t n_val = 0;
    assert_int_equal(mlpb_train_split_for(&f->all, 1, &o, NULL, f->other, &n_val), MLPB_OK);
    check_counts(f, f->other, n_val, 0.15f, o.split_phase);
    mlpb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_names_the_trainers_rows),
        cmocka_unit_test(test_members_spread_their_rows),
        cmocka_unit_test(test_phase_refusals),
    };
    return cmocka_run_group_tests_name("val_split", tests, setup, teardown);
}
