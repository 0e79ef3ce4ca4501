/* test_unit_split.c -- the unit split (unit_split.c): steps with the hidden
 * units shared between two parts against the unsplit loss_grad + optimiser
 * step, their reproducibility, a failed step that changes nothing, and the
 * blocked order of the first layer and its moments round trip. */
#include "testutil.h"

#include "mlpb_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N 32
/* A step of N rows of this shape has 2^23 multiply-adds of forward pass
 * and more (N x (64 x 4096 + 4096 x 3)), the least the unit split takes. */
#define D 64
static const size_t sizes[] = {D, 4096, 3};

/* A workspace of N rows on BLAS, created with 2 BLAS threads (so AUTO sets
 * up a team of 2). */
static mlpb_workspace *unit_ws(mlpb_model *m)
{
    mlpb_workspace *ws = NULL;
    mlpb_blas_set_threads(2);
    assert_int_equal(mlpb_workspace_create(m, N, NULL, &ws), MLPB_OK);
    mlpb_blas_set_threads(1);
    assert_int_equal(mlpb_workspace_set_gemm(ws, MLPB_GEMM_BLAS), MLPB_OK);
    return ws;
}

static mlpb_optim *optim(const mlpb_model *m, mlpb_optimizer kind, float clip)
{
    mlpb_optim_opts oo;
    mlpb_optim_opts_default(&oo);
    oo.kind = kind;
    oo.lr = 0.05f;
    oo.weight_decay = 0.01f;
    oo.clip_norm = clip;
    /* Adam and RMSprop divide by the root of the squared gradient plus eps:
     * where a gradient is near zero (a cancellation over the rows) its
     * rounding, which differs between the unit split and the unsplit step,
     * moves a parameter by up to the whole step. A larger eps keeps the
     * comparison about the split, not about that division. */
    oo.eps = 1e-3f;
    mlpb_optim *o = NULL;
    assert_int_equal(mlpb_optim_create(m, &oo, NULL, &o), MLPB_OK);
    return o;
}

/* Three steps on the unit split (parameters out in row-major order). */
static void unit_steps(mlpb_model *m, mlpb_optim *o, const float *x, const float *y,
                       const mlpb_loss_weights *w, float *losses)
{
    mlpb_workspace *ws = unit_ws(m);
    assert_int_equal(mlpb__unit_parts(ws, N), 2);
    mlpb__unit_layout(m, o, 2, true);
    for (int s = 0; s < 3; s++) {
        bool finite = false;
        assert_int_equal(mlpb__unit_step(m, ws, o, x + s * N * D, y + s * N * 3, N - s, 2, w,
                                         &losses[s], &finite),
                         MLPB_OK);
        assert_true(finite);
    }
    mlpb__unit_layout(m, o, 2, false);
    mlpb_workspace_destroy(ws);
}

static void check_kind(mlpb_optimizer kind, float clip)
{
    float x[3 * N * D], y[3 * N * 3], sw[N], mean[D], sd[D];
    mlpbt_fill_uniform(x, sizeof x / sizeof *x, -2, 3, 5);
    mlpbt_fill_labels(y, sizeof y / sizeof *y, 6);
    mlpbt_fill_uniform(sw, N, 0.5f, 2, 7);
    for (size_t j = 0; j < D; j++) {
        mean[j] = 0.5f;
        sd[j] = 1.5f;
    }
    const float pw[3] = {1.0f, 2.0f, 0.5f};
    const mlpb_loss_weights w = {pw, sw};
    mlpb_model *a = mlpbt_model(sizes, 3, 11), *b = mlpbt_model(sizes, 3, 11),
               *c = mlpbt_model(sizes, 3, 11);
    assert_int_equal(mlpb_model_set_standardization(a, mean, sd), MLPB_OK);
    assert_int_equal(mlpb_model_set_standardization(b, mean, sd), MLPB_OK);
    assert_int_equal(mlpb_model_set_standardization(c, mean, sd), MLPB_OK);
    mlpb_optim *oa = optim(a, kind, clip), *ob = optim(b, kind, clip), *oc = optim(c, kind, clip);
    float la[3], lb[3], lc[3];
    unit_steps(a, oa, x, y, &w, la);
    unit_steps(c, oc, x, y, &w, lc);

    /* The reference: one thread, unsplit. */
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(b, N, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_gemm(ws, MLPB_GEMM_BLAS), MLPB_OK);
    assert_int_equal(mlpb__unit_parts(ws, N), 1);
    for (int s = 0; s < 3; s++) {
        assert_int_equal(
            mlpb_loss_grad_weighted(b, ws, x + s * N * D, y + s * N * 3, N - s, &w, &lb[s]),
            MLPB_OK);
        assert_int_equal(mlpb_optim_step(ob, b), MLPB_OK);
    }
    size_t np;
    const float *pa = mlpb_model_params(a, &np), *pb = mlpb_model_params(b, &np),
                *pc = mlpb_model_params(c, &np);
    for (int s = 0; s < 3; s++)
        assert_true(fabs((double)la[s] - (double)lb[s]) <= 1e-5 * fabs((double)lb[s]) + 1e-6);
    for (size_t i = 0; i < np; i++)
        assert_true(fabs((double)pa[i] - (double)pb[i]) <= 2e-5 * fabs((double)pb[i]) + 2e-6);
    /* The same shape and part count: bitwise the same. */
    assert_memory_equal(pa, pc, np * sizeof *pa);
    assert_memory_equal(la, lc, sizeof la);
    assert_int_equal(mlpb_optim_steps(oa), 3);
    mlpb_workspace_destroy(ws);
    mlpb_optim_destroy(oa);
    mlpb_optim_destroy(ob);
    mlpb_optim_destroy(oc);
    mlpb_model_destroy(a);
    mlpb_model_destroy(b);
    mlpb_model_destroy(c);
}

static void test_step_adamw_clipped(void **state)
{
    (void)state;
    check_kind(MLPB_OPT_ADAMW, 0.5f);
}

static void test_step_momentum(void **state)
{
    (void)state;
    check_kind(MLPB_OPT_MOMENTUM, 0.0f);
}

static void test_step_rmsprop_clipped(void **state)
{
    (void)state;
    check_kind(MLPB_OPT_RMSPROP, 0.1f);
}

/* A non-finite input fails the step and leaves parameters, moments and the
 * step count as they were. */
static void test_step_failure_changes_nothing(void **state)
{
    (void)state;
    float x[N * D], y[N * 3];
    mlpbt_fill_uniform(x, N * D, -1, 1, 8);
    mlpbt_fill_labels(y, N * 3, 9);
    mlpb_model *m = mlpbt_model(sizes, 3, 12);
    mlpb_optim *o = optim(m, MLPB_OPT_ADAM, 0.0f);
    mlpb_workspace *ws = unit_ws(m);
    size_t np;
    float *p = mlpb_model_params(m, &np);
    float *before = malloc(np * sizeof *p);
    assert_non_null(before);
    float loss;
    bool finite;
    mlpb__unit_layout(m, o, 2, true);
    assert_int_equal(mlpb__unit_step(m, ws, o, x, y, N, 2, NULL, &loss, &finite), MLPB_OK);
    memcpy(before, p, np * sizeof *p);
    const float loss_before = loss;
    x[5 * D + 7] = NAN;
    assert_int_equal(mlpb__unit_step(m, ws, o, x, y, N, 2, NULL, &loss, &finite), MLPB_E_NUMERIC);
    assert_memory_equal(before, p, np * sizeof *p);
    assert_true(loss == loss_before);
    assert_int_equal(mlpb_optim_steps(o), 1);
    mlpb__unit_layout(m, o, 2, false);
    free(before);
    mlpb_workspace_destroy(ws);
    mlpb_optim_destroy(o);
    mlpb_model_destroy(m);
}

/* The blocked order and back is the identity, for parts whose widths are
 * not multiples of 16. */
static void test_step_layout_round_trip(void **state)
{
    (void)state;
    const size_t s3[] = {7, 150, 2};
    mlpb_model *m = mlpbt_model(s3, 3, 13);
    mlpb_optim *o = optim(m, MLPB_OPT_ADAM, 0.0f);
    size_t np;
    float *p = mlpb_model_params(m, &np);
    float *copy = malloc(np * sizeof *p);
    assert_non_null(copy);
    memcpy(copy, p, np * sizeof *p);
    mlpb__unit_layout(m, o, 3, true);
    assert_true(memcmp(copy, p, np * sizeof *p) != 0);
    /* Everything after the first layer's weights stays in place. */
    assert_memory_equal(copy + 7 * 150, p + 7 * 150, (np - 7 * 150) * sizeof *p);
    mlpb__unit_layout(m, o, 3, false);
    assert_memory_equal(copy, p, np * sizeof *p);
    free(copy);
    mlpb_optim_destroy(o);
    mlpb_model_destroy(m);
}

/* The rule: one hidden layer of 32+ units a part, not on oneDNN, not in the
 * other modes, and only batches that do not split their rows. */
static void test_step_rule(void **state)
{
    (void)state;
    const size_t deep[] = {D, 4096, 80, 3}, narrow[] = {D, 60, 3};
    assert_int_equal(mlpb__auto_units(sizes, 3, N, 2), 2);
    assert_int_equal(mlpb__auto_units(sizes, 3, N, 1), 1);
    assert_int_equal(mlpb__auto_units(deep, 4, N, 2), 1);
    assert_int_equal(mlpb__auto_units(narrow, 3, N, 2), 1);
    assert_int_equal(mlpb__auto_units(sizes, 3, 30, 2), 1); /* too few multiply-adds */
    /* 256 x 512 x 1: 2^23 from 64 rows, where the rows split instead. */
    const size_t wide[] = {256, 512, 1}, wider[] = {784, 1024, 10};
    assert_int_equal(mlpb__auto_units(wide, 3, 32, 2), 1);
    assert_int_equal(mlpb__auto_units(wide, 3, 64, 2), 1);
    assert_int_equal(mlpb__auto_units(wider, 3, 10, 2), 1); /* 10 x 813,056 < 2^23 */
    assert_int_equal(mlpb__auto_units(wider, 3, 32, 2), 2);
    assert_int_equal(mlpb__auto_units(wider, 3, 64, 2), 1); /* the rows split */
    mlpb_model *m = mlpbt_model(sizes, 3, 14);
    mlpb_workspace *ws = unit_ws(m);
    assert_int_equal(mlpb__unit_parts(ws, N), 2);
    assert_int_equal(mlpb_workspace_set_threading(ws, MLPB_THREADING_SPLIT), MLPB_OK);
    assert_int_equal(mlpb__unit_parts(ws, N), 1);
    assert_int_equal(mlpb_workspace_set_threading(ws, MLPB_THREADING_AUTO), MLPB_OK);
    if (mlpb__dnnl_built()) {
        assert_int_equal(mlpb_workspace_set_gemm(ws, MLPB_GEMM_ONEDNN), MLPB_OK);
        assert_int_equal(mlpb__unit_parts(ws, N), 1);
    }
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_adamw_clipped),
        cmocka_unit_test(test_step_momentum),
        cmocka_unit_test(test_step_rmsprop_clipped),
        cmocka_unit_test(test_step_failure_changes_nothing),
        cmocka_unit_test(test_step_layout_round_trip),
        cmocka_unit_test(test_step_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
