/* test_model.c -- model and workspace creation: every status of the
 * configuration checks, the arena layout behind the layer views, shape
 * queries, standardisation, clone and copy. */
#include "testutil.h"

#include "mlpb_internal.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static mlpb_status create(const size_t *sizes, size_t n, mlpb_init init, mlpb_model **m)
{
    mlpb_config cfg = {sizes, n, 1, init};
    return mlpb_model_create(&cfg, NULL, m);
}

static void test_model_create_errors(void **state)
{
    (void)state;
    mlpb_model *m = (mlpb_model *)state; /* any non-NULL: must come back NULL */
    const size_t ok[] = {3, 4, 2}, zero[] = {3, 0, 2}, zero_k[] = {3, 4, 0};
    const size_t huge[] = {(size_t)INT_MAX + 1, 4, 2};
    const size_t wide[] = {SIZE_MAX / 2, SIZE_MAX / 2, 1};
    const size_t layer[] = {1 << 16, 1 << 15, 1}; /* 2^31 weights in one layer */
    const size_t overflow[] = {(size_t)1 << 31 >> 1, (size_t)1 << 31 >> 1, 1 << 30, 1};
    assert_int_equal(mlpb_model_create(NULL, NULL, &m), MLPB_E_INVALID_ARG);
    assert_null(m);
    mlpb_config cfg = {ok, 3, 1, MLPB_INIT_HE_GLOROT};
    assert_int_equal(mlpb_model_create(&cfg, NULL, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(create(NULL, 3, MLPB_INIT_HE_GLOROT, &m), MLPB_E_INVALID_ARG);
    assert_int_equal(create(ok, 2, MLPB_INIT_HE_GLOROT, &m), MLPB_E_INVALID_ARG);
    assert_int_equal(create(ok, 0, MLPB_INIT_HE_GLOROT, &m), MLPB_E_INVALID_ARG);
    assert_int_equal(create(zero, 3, MLPB_INIT_HE_GLOROT, &m), MLPB_E_INVALID_ARG);
    assert_int_equal(create(zero_k, 3, MLPB_INIT_HE_GLOROT, &m), MLPB_E_INVALID_ARG);
    assert_int_equal(create(ok, 3, (mlpb_init)7, &m), MLPB_E_INVALID_ARG);
    assert_int_equal(create(huge, 3, MLPB_INIT_HE_GLOROT, &m), MLPB_E_OVERFLOW);
    assert_int_equal(create(wide, 3, MLPB_INIT_HE_GLOROT, &m), MLPB_E_OVERFLOW);
    assert_int_equal(create(layer, 3, MLPB_INIT_HE_GLOROT, &m), MLPB_E_OVERFLOW);
    /* Each dimension fits an int, but the parameter bytes do not fit... or
     * the allocation fails: either way a status, never a crash. */
    const mlpb_status s = create(overflow, 4, MLPB_INIT_HE_GLOROT, &m);
    assert_true(s == MLPB_E_OVERFLOW || s == MLPB_E_NOMEM);
    assert_null(m);
    mlpb_model_destroy(NULL);
    mlpb_workspace_destroy(NULL);
}

static void test_model_layout_and_views(void **state)
{
    (void)state;
    const size_t s[] = {3, 4, 5, 2};
    mlpb_model *m = mlpbt_model(s, 4, 5);
    assert_int_equal(mlpb_model_n_layers(m), 3);
    assert_int_equal(mlpb_model_n_inputs(m), 3);
    assert_int_equal(mlpb_model_n_outputs(m), 2);
    size_t ns;
    const size_t *sz = mlpb_model_sizes(m, &ns);
    assert_int_equal(ns, 4);
    assert_memory_equal(sz, s, sizeof s);
    size_t np;
    float *p = mlpb_model_params(m, &np);
    size_t ng;
    const float *g = mlpb_model_grads(m, &ng);
    assert_int_equal(np, 3 * 4 + 4 + 4 * 5 + 5 + 5 * 2 + 2);
    assert_int_equal(ng, np);
    /* Layers are packed W then b, in order, in both arenas. */
    size_t off = 0;
    for (size_t l = 0; l < 3; l++) {
        mlpb_layer ly;
        assert_int_equal(mlpb_model_layer(m, l, &ly), MLPB_OK);
        assert_int_equal(ly.in, s[l]);
        assert_int_equal(ly.out, s[l + 1]);
        assert_ptr_equal(ly.w, p + off);
        assert_ptr_equal(ly.dw, g + off);
        off += ly.in * ly.out;
        assert_ptr_equal(ly.b, p + off);
        assert_ptr_equal(ly.db, g + off);
        off += ly.out;
        for (size_t j = 0; j < ly.out; j++)
            assert_true(ly.b[j] == 0.0f);
    }
    assert_int_equal(off, np);
    mlpb_layer ly;
    assert_int_equal(mlpb_model_layer(m, 3, &ly), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_layer(NULL, 0, &ly), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_layer(m, 0, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_n_layers(NULL), 0);
    assert_null(mlpb_model_params(NULL, &np));
    assert_int_equal(np, 0);
    assert_null(mlpb_model_sizes(NULL, &ns));
    mlpb_model_destroy(m);
}

static void test_model_standardization(void **state)
{
    (void)state;
    const size_t s[] = {3, 4, 1};
    mlpb_model *m = mlpbt_model(s, 3, 6);
    assert_null(mlpb_model_mean(m));
    /* Column 0: 1, 2, 3, 6 -> mean 3, population std sqrt(3.5);
     * column 1: constant -> std 1; column 2: -1, 1, -1, 1 -> mean 0, std 1. */
    const float x[] = {1, 5, -1, 2, 5, 1, 3, 5, -1, 6, 5, 1};
    assert_int_equal(mlpb_model_fit_standardization(m, x, 4), MLPB_OK);
    const float *mu = mlpb_model_mean(m), *sd = mlpb_model_std(m);
    assert_non_null(mu);
    mlpbt_assert_close(mu[0], 3.0, 1e-7);
    mlpbt_assert_close(sd[0], sqrt(3.5), 1e-7);
    assert_true(mu[1] == 5.0f && sd[1] == 1.0f);
    assert_true(mu[2] == 0.0f && sd[2] == 1.0f);

    float bad[12];
    memcpy(bad, x, sizeof bad);
    bad[7] = NAN;
    assert_int_equal(mlpb_model_fit_standardization(m, bad, 4), MLPB_E_NUMERIC);
    mlpbt_assert_close(mlpb_model_mean(m)[0], 3.0, 1e-7); /* unchanged */
    assert_int_equal(mlpb_model_fit_standardization(m, x, 0), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_fit_standardization(NULL, x, 4), MLPB_E_INVALID_ARG);

    const float mean[] = {1, 2, 3}, sdv[] = {1, 0, 2}, sdn[] = {1, NAN, 2};
    assert_int_equal(mlpb_model_set_standardization(m, mean, sdv), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_set_standardization(m, mean, sdn), MLPB_E_NUMERIC);
    assert_int_equal(mlpb_model_set_standardization(m, mean, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_set_standardization(m, NULL, NULL), MLPB_OK);
    assert_null(mlpb_model_mean(m));
    assert_null(mlpb_model_std(m));
    mlpb_model_destroy(m);
}

/* A width of several column blocks (the fit reads them 64 at a time, row by
 * row): bitwise the column-at-a-time double formula; a bad value in the last
 * block is refused before any column of the first is written. */
static void test_model_standardization_wide(void **state)
{
    (void)state;
    enum { N = 37, D = 131 };
    const size_t s[] = {D, 2, 1};
    mlpb_model *m = mlpbt_model(s, 3, 7);
    float      *x = malloc(N * D * sizeof *x);
    assert_non_null(x);
    mlpbt_fill_uniform(x, N * D, -3.0f, 9.0f, 8);
    for (size_t i = 0; i < N; i++)
        x[i * D + 70] = 2.5f; /* constant: std 1 */
    assert_int_equal(mlpb_model_fit_standardization(m, x, N), MLPB_OK);
    for (size_t j = 0; j < D; j++) {
        double sum = 0.0, ss = 0.0;
        for (size_t i = 0; i < N; i++)
            sum += (double)x[i * D + j];
        const double mu = sum / (double)N;
        for (size_t i = 0; i < N; i++) {
            const double dev = (double)x[i * D + j] - mu;
            ss += dev * dev;
        }
        const double sd = sqrt(ss / (double)N);
        assert_true(mlpb_model_mean(m)[j] == (float)mu);
        assert_true(mlpb_model_std(m)[j] == (j == 70 ? 1.0f : (float)sd));
    }
    float mean0 = mlpb_model_mean(m)[0];
    x[5 * D + 130] = INFINITY;
    x[0] += 1.0f;
    assert_int_equal(mlpb_model_fit_standardization(m, x, N), MLPB_E_NUMERIC);
    assert_true(mlpb_model_mean(m)[0] == mean0);
    free(x);
    mlpb_model_destroy(m);
}

static void test_model_clone_and_copy(void **state)
{
    (void)state;
    const size_t s[] = {3, 4, 2}, t[] = {3, 5, 2};
    mlpb_model *a = mlpbt_model(s, 3, 7), *b = mlpbt_model(s, 3, 8), *c = mlpbt_model(t, 3, 9);
    const float mean[] = {1, 2, 3}, sd[] = {1, 2, 3};
    assert_int_equal(mlpb_model_set_standardization(a, mean, sd), MLPB_OK);
    size_t np;
    float *pa = mlpb_model_params(a, &np), *pb = mlpb_model_params(b, NULL);
    assert_memory_not_equal(pa, pb, np * sizeof *pa);
    assert_int_equal(mlpb_model_copy_params(b, a), MLPB_OK);
    assert_memory_equal(pa, pb, np * sizeof *pa);
    assert_memory_equal(mlpb_model_std(b), sd, sizeof sd);
    assert_int_equal(mlpb_model_copy_params(c, a), MLPB_E_MISMATCH);
    assert_int_equal(mlpb_model_copy_params(NULL, a), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_copy_params(a, a), MLPB_OK);
    mlpb_model *d = NULL;
    assert_int_equal(mlpb_model_clone(a, &d), MLPB_OK);
    assert_memory_equal(mlpb_model_params(d, NULL), pa, np * sizeof *pa);
    assert_memory_equal(mlpb_model_mean(d), mean, sizeof mean);
    mlpb_model_destroy(d);
    assert_int_equal(mlpb_model_clone(NULL, &d), MLPB_E_INVALID_ARG);
    assert_null(d);
    mlpb_model_destroy(a);
    mlpb_model_destroy(b);
    mlpb_model_destroy(c);
}

static void test_model_workspace(void **state)
{
    (void)state;
    const size_t s[] = {3, 4, 2};
    mlpb_model *m = mlpbt_model(s, 3, 10);
    mlpb_workspace *ws = (mlpb_workspace *)state;
    assert_int_equal(mlpb_workspace_create(m, 0, NULL, &ws), MLPB_E_INVALID_ARG);
    assert_null(ws);
    assert_int_equal(mlpb_workspace_create(NULL, 4, NULL, &ws), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_workspace_create(m, 4, NULL, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_workspace_create(m, (size_t)INT_MAX + 1, NULL, &ws),
                     MLPB_E_OVERFLOW);
    /* Fits an int, but max_batch x width bytes are far beyond memory. */
    const size_t wide[] = {1 << 12, 8, 1};
    mlpb_model *w = mlpbt_model(wide, 3, 1);
    const mlpb_status st = mlpb_workspace_create(w, (size_t)INT_MAX, NULL, &ws);
    assert_true(st == MLPB_E_OVERFLOW || st == MLPB_E_NOMEM);
    assert_null(ws);
    mlpb_model_destroy(w);
    assert_int_equal(mlpb_workspace_create(m, 4, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_workspace_max_batch(ws), 4);
    assert_int_equal(mlpb_workspace_max_batch(NULL), 0);
    /* Buffers are aligned to a cache line. */
    assert_int_equal((uintptr_t)ws->z % 64, 0);
    assert_null(ws->d1); /* one hidden layer needs one delta buffer */
    assert_int_equal((uintptr_t)ws->d0 % 64, 0);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_create_errors),
        cmocka_unit_test(test_model_layout_and_views),
        cmocka_unit_test(test_model_standardization),
        cmocka_unit_test(test_model_standardization_wide),
        cmocka_unit_test(test_model_clone_and_copy),
        cmocka_unit_test(test_model_workspace),
    };
    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
