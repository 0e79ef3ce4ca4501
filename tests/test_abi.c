/* test_abi.c -- the public structs that grow (mlpblas.h, "Structs that
 * grow"): their sizes and offsets are pinned, the *_default functions zero
 * the reserved words, calls refuse options with a reserved word set, and
 * results come back with their reserved words zeroed. */
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The layouts on LP64 (Linux, macOS on 64-bit CPUs): a field may be added only
 * by taking reserved words, which leaves every line here as it is. */
#if UINTPTR_MAX == UINT64_MAX && SIZE_MAX == UINT64_MAX
#define PIN_SIZE(t, n) _Static_assert(sizeof(t) == (n), "sizeof " #t " is part of the ABI")
#define PIN(t, f, off) \
    _Static_assert(offsetof(t, f) == (off), "offsetof(" #t ", " #f ") is part of the ABI")
PIN_SIZE(mlpb_optim_opts, 144);
PIN(mlpb_optim_opts, kind, 0);
PIN(mlpb_optim_opts, lr, 4);
PIN(mlpb_optim_opts, momentum, 8);
PIN(mlpb_optim_opts, beta1, 12);
PIN(mlpb_optim_opts, beta2, 16);
PIN(mlpb_optim_opts, rho, 20);
PIN(mlpb_optim_opts, eps, 24);
PIN(mlpb_optim_opts, weight_decay, 28);
PIN(mlpb_optim_opts, clip_norm, 32);
PIN(mlpb_optim_opts, schedule, 36);
PIN(mlpb_optim_opts, step_size, 40);
PIN(mlpb_optim_opts, gamma, 48);
PIN(mlpb_optim_opts, t_max, 56);
PIN(mlpb_optim_opts, lr_min, 64);
PIN(mlpb_optim_opts, warmup, 72);
PIN(mlpb_optim_opts, reserved, 80);

PIN_SIZE(mlpb_metrics, 128);
PIN(mlpb_metrics, loss, 0);
PIN(mlpb_metrics, accuracy, 8);
PIN(mlpb_metrics, precision, 16);
PIN(mlpb_metrics, recall, 24);
PIN(mlpb_metrics, f1, 32);
PIN(mlpb_metrics, auc, 40);
PIN(mlpb_metrics, ap, 48);
PIN(mlpb_metrics, reserved, 56);

PIN_SIZE(mlpb_epoch_info, 256);
PIN(mlpb_epoch_info, epoch, 0);
PIN(mlpb_epoch_info, epochs, 8);
PIN(mlpb_epoch_info, train_loss, 16);
PIN(mlpb_epoch_info, val_loss, 24);
PIN(mlpb_epoch_info, val, 32);
PIN(mlpb_epoch_info, seconds, 160);
PIN(mlpb_epoch_info, samples_per_s, 168);
PIN(mlpb_epoch_info, best_epoch, 176);
PIN(mlpb_epoch_info, refit, 184);
PIN(mlpb_epoch_info, reserved, 192);

PIN_SIZE(mlpb_train_opts, 376);
PIN(mlpb_train_opts, epochs, 0);
PIN(mlpb_train_opts, batch_size, 8);
PIN(mlpb_train_opts, optim, 16);
PIN(mlpb_train_opts, val_fraction, 160);
PIN(mlpb_train_opts, patience, 168);
PIN(mlpb_train_opts, min_delta, 176);
PIN(mlpb_train_opts, restore_best, 180);
PIN(mlpb_train_opts, standardize, 184);
PIN(mlpb_train_opts, pos_weight, 192);
PIN(mlpb_train_opts, seed, 200);
PIN(mlpb_train_opts, on_epoch, 208);
PIN(mlpb_train_opts, on_batch, 216);
PIN(mlpb_train_opts, ctx, 224);
PIN(mlpb_train_opts, threading, 232);
PIN(mlpb_train_opts, refit, 236);
PIN(mlpb_train_opts, precision, 240);
PIN(mlpb_train_opts, gemm, 244);
PIN(mlpb_train_opts, split_phase, 248);
PIN(mlpb_train_opts, split_seed, 256);
PIN(mlpb_train_opts, reserved, 264);

PIN_SIZE(mlpb_train_report, 664);
PIN(mlpb_train_report, last, 0);
PIN(mlpb_train_report, epochs_run, 256);
PIN(mlpb_train_report, best_epoch, 264);
PIN(mlpb_train_report, best_val_loss, 272);
PIN(mlpb_train_report, stopped_early, 280);
PIN(mlpb_train_report, stopped_by_callback, 284);
PIN(mlpb_train_report, fail_epoch, 288);
PIN(mlpb_train_report, fail_batch, 296);
PIN(mlpb_train_report, seconds, 304);
PIN(mlpb_train_report, best, 312);
PIN(mlpb_train_report, refit_epochs, 568);
PIN(mlpb_train_report, refit_train_loss, 576);
PIN(mlpb_train_report, n_train, 584);
PIN(mlpb_train_report, n_val, 592);
PIN(mlpb_train_report, reserved, 600);

PIN_SIZE(mlpb_train_comm, 104);
PIN(mlpb_train_comm, ctx, 64);
PIN(mlpb_train_comm, reserved, 72);
#endif

#define N_RESERVED(s) (sizeof(s).reserved / sizeof(s).reserved[0])

static bool reserved_zero(const uint64_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i] != 0)
            return false;
    return true;
}

static void test_defaults_zero_reserved(void **state)
{
    (void)state;
    mlpb_train_opts t;
    memset(&t, 0xA5, sizeof t);
    mlpb_train_opts_default(&t);
    assert_true(reserved_zero(t.reserved, N_RESERVED(t)));
    assert_true(reserved_zero(t.optim.reserved, N_RESERVED(t.optim)));
    mlpb_optim_opts o;
    memset(&o, 0xA5, sizeof o);
    mlpb_optim_opts_default(&o);
    assert_true(reserved_zero(o.reserved, N_RESERVED(o)));
}

enum { N = 64, D = 3, K = 1 };

typedef struct fixture {
    float       x[N * D], y[N * K];
    mlpb_model *m;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    mlpbt_fill_uniform(f->x, N * D, -1.0f, 1.0f, 11);
    mlpbt_fill_labels(f->y, N * K, 12);
    const size_t sizes[3] = {D, 4, K};
    f->m = mlpbt_model(sizes, 3, 13);
    *state = f;
    return f->m == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mlpb_model_destroy(f->m);
    free(f);
    return 0;
}

static mlpb_train_opts small_opts(void)
{
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.epochs = 2;
    o.batch_size = 16;
    o.threading = MLPB_THREADING_BLAS;
    return o;
}

/* Train with o and expect status want; on a refusal the model and report
 * are untouched. */
static void expect_train(fixture *f, const mlpb_train_opts *o, mlpb_status want)
{
    const mlpb_dataset tr = {f->x, f->y, NULL, N};
    size_t np;
    const float *p = mlpb_model_params(f->m, &np);
    float before[64];
    assert_true(np <= 64);
    memcpy(before, p, np * sizeof(float));
    mlpb_train_report rep;
    memset(&rep, 0x5A, sizeof rep);
    const unsigned char mark = ((unsigned char *)&rep)[0];
    assert_int_equal(mlpb_train(f->m, &tr, NULL, o, NULL, &rep), want);
    if (want != MLPB_OK) {
        assert_memory_equal(before, p, np * sizeof(float));
        assert_int_equal(((unsigned char *)&rep)[0], mark);
    }
}

/* Every reserved word of mlpb_train_opts and of its mlpb_optim_opts, one at a
 * time: mlpb_train and mlpb_train_memory refuse, and the options train
 * again once it is cleared. */
static void test_train_refuses_reserved(void **state)
{
    fixture *f = *state;
    const size_t sizes[3] = {D, 4, K};
    size_t bytes;
    mlpb_train_opts o = small_opts();
    for (size_t i = 0; i < N_RESERVED(o); i++) {
        o.reserved[i] = (uint64_t)1 << (i % 64);
        expect_train(f, &o, MLPB_E_INVALID_ARG);
        assert_int_equal(mlpb_train_memory(sizes, 3, N, &o, &bytes), MLPB_E_INVALID_ARG);
        o.reserved[i] = 0;
    }
    for (size_t i = 0; i < N_RESERVED(o.optim); i++) {
        o.optim.reserved[i] = UINT64_C(1) << 63;
        expect_train(f, &o, MLPB_E_INVALID_ARG);
        assert_int_equal(mlpb_train_memory(sizes, 3, N, &o, &bytes), MLPB_E_INVALID_ARG);
        assert_int_equal(mlpb_train_memory_val(sizes, 3, N, 8, &o, &bytes),
                         MLPB_E_INVALID_ARG);
        o.optim.reserved[i] = 0;
    }
    expect_train(f, &o, MLPB_OK);
    assert_int_equal(mlpb_train_memory(sizes, 3, N, &o, &bytes), MLPB_OK);
}

static void test_optim_create_refuses_reserved(void **state)
{
    fixture *f = *state;
    mlpb_optim_opts o;
    mlpb_optim_opts_default(&o);
    for (size_t i = 0; i < N_RESERVED(o); i++) {
        o.reserved[i] = 1;
        mlpb_optim *opt = (mlpb_optim *)&o; /* any non-NULL value: must become NULL */
        assert_int_equal(mlpb_optim_create(f->m, &o, NULL, &opt), MLPB_E_INVALID_ARG);
        assert_null(opt);
        o.reserved[i] = 0;
    }
    mlpb_optim *opt = NULL;
    assert_int_equal(mlpb_optim_create(f->m, &o, NULL, &opt), MLPB_OK);
    mlpb_optim_destroy(opt);
}

/* Hooks of a run in one part: nothing to sum or gather, the gradient is
 * the local one, every status is its own. */
static void one_sum(double *v, size_t n, void *ctx)
{
    (void)v, (void)n, (void)ctx;
}

static mlpb_status one_gather(void *all, size_t size, size_t n_local, size_t n_total, void *ctx)
{
    (void)all, (void)size, (void)n_local, (void)n_total, (void)ctx;
    return MLPB_OK;
}

static mlpb_status one_loss_grad(mlpb_model *m, mlpb_workspace *ws, const float *x,
                                 const float *y, size_t n, size_t n_global,
                                 const mlpb_loss_weights *w, float *loss, void *ctx)
{
    (void)n_global, (void)ctx;
    return mlpb_loss_grad_weighted(m, ws, x, y, n, w, loss);
}

static mlpb_status one_agree(mlpb_status local, void *ctx)
{
    (void)ctx;
    return local;
}

/* Every reserved word of mlpb_train_comm, one at a time: mlpb_train_ex and
 * mlpb_train_split_ex refuse the hooks; cleared, they run. */
static void test_train_comm_refuses_reserved(void **state)
{
    fixture *f = *state;
    const mlpb_dataset tr = {f->x, f->y, NULL, N};
    mlpb_train_comm c = {.n_total = N, .sum = one_sum, .gather = one_gather,
                         .loss_grad = one_loss_grad, .agree = one_agree};
    const mlpb_train_opts o = small_opts();
    unsigned char pick[N];
    size_t n_val = 12345;
    for (size_t i = 0; i < N_RESERVED(c); i++) {
        c.reserved[i] = 1;
        mlpb_train_report rep;
        rep.epochs_run = 12345;
        assert_int_equal(mlpb_train_ex(f->m, &tr, NULL, &o, &c, NULL, &rep),
                         MLPB_E_INVALID_ARG);
        assert_int_equal(rep.epochs_run, 12345);
        assert_int_equal(mlpb_train_split_ex(&tr, K, 0.25f, 1, &c, NULL, pick, &n_val),
                         MLPB_E_INVALID_ARG);
        assert_int_equal(n_val, 12345);
        c.reserved[i] = 0;
    }
    mlpb_train_report rep;
    assert_int_equal(mlpb_train_ex(f->m, &tr, NULL, &o, &c, NULL, &rep), MLPB_OK);
    assert_int_equal(rep.epochs_run, o.epochs);
    assert_int_equal(mlpb_train_split_ex(&tr, K, 0.25f, 1, &c, NULL, pick, &n_val), MLPB_OK);
    assert_true(n_val > 0);
}

static bool epoch_info_zeroed(const mlpb_epoch_info *e)
{
    return reserved_zero(e->reserved, N_RESERVED(*e)) &&
           reserved_zero(e->val.reserved, N_RESERVED(e->val));
}

static int check_epoch(const mlpb_epoch_info *info, void *ctx)
{
    size_t *bad = ctx;
    *bad += !epoch_info_zeroed(info);
    return 0;
}

/* The report, its two epoch records and their metrics, and what the epoch
 * callback sees, come back with zero reserved words over a report (and a
 * stack) full of garbage; with validation and refit, and without. */
static void test_train_zeroes_reports(void **state)
{
    fixture *f = *state;
    const mlpb_dataset tr = {f->x, f->y, NULL, N};
    for (int with_val = 0; with_val < 2; with_val++) {
        mlpb_train_opts o = small_opts();
        o.val_fraction = with_val ? 0.25f : 0.0f;
        size_t bad = 0;
        o.on_epoch = check_epoch;
        o.ctx = &bad;
        mlpb_train_report rep;
        memset(&rep, 0xFF, sizeof rep);
        assert_int_equal(mlpb_train(f->m, &tr, NULL, &o, NULL, &rep), MLPB_OK);
        assert_int_equal(bad, 0);
        assert_true(reserved_zero(rep.reserved, N_RESERVED(rep)));
        assert_true(epoch_info_zeroed(&rep.last));
        assert_true(epoch_info_zeroed(&rep.best));
    }
}

static void test_metrics_zero_reserved(void **state)
{
    fixture *f = *state;
    float prob[N * K];
    for (size_t i = 0; i < N * K; i++)
        prob[i] = (float)i / (float)(N * K);
    mlpb_metrics per[K], mean;
    memset(per, 0xFF, sizeof per);
    memset(&mean, 0xFF, sizeof mean);
    assert_int_equal(mlpb_metrics_compute(prob, f->y, N, K, NULL, per, &mean, NULL), MLPB_OK);
    assert_true(reserved_zero(mean.reserved, N_RESERVED(mean)));
    for (size_t j = 0; j < K; j++)
        assert_true(reserved_zero(per[j].reserved, N_RESERVED(per[j])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_zero_reserved),
        cmocka_unit_test_setup_teardown(test_train_refuses_reserved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_optim_create_refuses_reserved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_train_comm_refuses_reserved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_train_zeroes_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_zero_reserved, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
