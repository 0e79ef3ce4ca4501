/* test_init.c -- initialisation: He, Glorot and fan-in moments, orthogonality of
 * the QR-based initialiser (W^T W = gain^2 I or W W^T = gain^2 I), zero
 * biases, and bitwise determinism for a seed. */
#include "testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static mlpb_model *make(const size_t *s, size_t n, mlpb_init init, uint64_t seed)
{
    mlpb_config cfg = {s, n, seed, init};
    mlpb_model *m = NULL;
    assert_int_equal(mlpb_model_create(&cfg, NULL, &m), MLPB_OK);
    return m;
}

static void moments(const float *w, size_t n, double *mean, double *var)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++) {
        s += (double)w[i];
        ss += (double)w[i] * (double)w[i];
    }
    *mean = s / (double)n;
    *var = ss / (double)n - *mean * *mean;
}

static void test_init_he_glorot_moments(void **state)
{
    (void)state;
    const size_t s[] = {400, 300, 200};
    mlpb_model *m = make(s, 3, MLPB_INIT_HE_GLOROT, 1);
    mlpb_layer l0, l1;
    assert_int_equal(mlpb_model_layer(m, 0, &l0), MLPB_OK);
    assert_int_equal(mlpb_model_layer(m, 1, &l1), MLPB_OK);
    double mean, var;
    /* He: var 2/400 over 120000 samples (rel. std error of var ~ 0.4%). */
    moments(l0.w, 400 * 300, &mean, &var);
    assert_true(fabs(mean) < 3e-4);
    mlpbt_assert_close(var, 2.0 / 400.0, 0.03);
    /* Glorot: var 2/(300 + 200) over 60000 samples. */
    moments(l1.w, 300 * 200, &mean, &var);
    assert_true(fabs(mean) < 5e-4);
    mlpbt_assert_close(var, 2.0 / 500.0, 0.03);
    for (size_t j = 0; j < 300; j++)
        assert_true(l0.b[j] == 0.0f);
    mlpb_model_destroy(m);
}

static void test_init_fan_in_moments(void **state)
{
    (void)state;
    const size_t s[] = {400, 300, 200};
    mlpb_model *m = make(s, 3, MLPB_INIT_FAN_IN, 1);
    mlpb_layer l0, l1;
    assert_int_equal(mlpb_model_layer(m, 0, &l0), MLPB_OK);
    assert_int_equal(mlpb_model_layer(m, 1, &l1), MLPB_OK);
    double mean, var;
    /* U(-1/sqrt(in), 1/sqrt(in)): var 1/(3 in) in both layers, 1/1200 then
     * 1/900, every value inside the bound. */
    moments(l0.w, 400 * 300, &mean, &var);
    assert_true(fabs(mean) < 2e-4);
    mlpbt_assert_close(var, 1.0 / 1200.0, 0.03);
    moments(l1.w, 300 * 200, &mean, &var);
    assert_true(fabs(mean) < 3e-4);
    mlpbt_assert_close(var, 1.0 / 900.0, 0.03);
    for (size_t i = 0; i < 400 * 300; i++)
        assert_true(fabsf(l0.w[i]) <= 0.05f);
    /* The biases too: 300 of bound 1/20, 200 of bound 1/sqrt(300). */
    double bmax = 0.0;
    for (size_t j = 0; j < 300; j++)
        bmax = fmax(bmax, fabs((double)l0.b[j]));
    assert_true(bmax <= 0.05 && bmax > 0.045);
    moments(l1.b, 200, &mean, &var);
    mlpbt_assert_close(var, 1.0 / 900.0, 0.3);
    mlpb_model_destroy(m);
}

/* max |G - gain^2 I| for G = W^T W (tall) or W W^T (wide), in double. */
static double orthogonality_error(const float *w, size_t in, size_t out, double gain)
{
    const bool tall = in >= out;
    const size_t s = tall ? out : in, len = tall ? in : out;
    double worst = 0.0;
    for (size_t a = 0; a < s; a++) {
        for (size_t b = 0; b < s; b++) {
            double dot = 0.0;
            for (size_t t = 0; t < len; t++) {
                const double va = tall ? (double)w[t * out + a] : (double)w[a * out + t];
                const double vb = tall ? (double)w[t * out + b] : (double)w[b * out + t];
                dot += va * vb;
            }
            const double want = a == b ? gain * gain : 0.0;
            worst = fmax(worst, fabs(dot - want));
        }
    }
    return worst;
}

static void test_init_orthogonal(void **state)
{
    (void)state;
    /* Tall (30 x 20), wide (20 x 50), square (50 x 50) and the output (50 x 3). */
    const size_t s[] = {30, 20, 50, 50, 3};
    mlpb_model *m = make(s, 5, MLPB_INIT_ORTHOGONAL, 2);
    for (size_t l = 0; l < 4; l++) {
        mlpb_layer ly;
        assert_int_equal(mlpb_model_layer(m, l, &ly), MLPB_OK);
        const double gain = l < 3 ? sqrt(2.0) : 1.0;
        const double err = orthogonality_error(ly.w, ly.in, ly.out, gain);
        print_message("layer %zu (%zu x %zu): max |W'W - g^2 I| = %.3g\n", l, ly.in, ly.out,
                      err);
        assert_true(err < 1e-5);
        for (size_t j = 0; j < ly.out; j++)
            assert_true(ly.b[j] == 0.0f);
    }
    mlpb_model_destroy(m);
}

static void test_init_deterministic(void **state)
{
    (void)state;
    const size_t s[] = {7, 9, 5, 2};
    for (int init = 0; init < 3; init++) {
        mlpb_model *a = make(s, 4, (mlpb_init)init, 123), *b = make(s, 4, (mlpb_init)init, 123);
        mlpb_model *c = make(s, 4, (mlpb_init)init, 124);
        size_t np;
        const float *pa = mlpb_model_params(a, &np);
        assert_memory_equal(pa, mlpb_model_params(b, NULL), np * sizeof *pa);
        assert_memory_not_equal(pa, mlpb_model_params(c, NULL), np * sizeof *pa);
        /* Re-initialising with the creation seed reproduces the parameters. */
        float *before = malloc(np * sizeof *before);
        memcpy(before, pa, np * sizeof *pa);
        assert_int_equal(mlpb_model_init(c, (mlpb_init)init, 123), MLPB_OK);
        assert_memory_equal(mlpb_model_params(c, NULL), before, np * sizeof *pa);
        assert_int_equal(mlpb_model_init(c, (mlpb_init)5, 1), MLPB_E_INVALID_ARG);
        assert_int_equal(mlpb_model_init(NULL, (mlpb_init)init, 1), MLPB_E_INVALID_ARG);
        free(before);
        mlpb_model_destroy(a);
        mlpb_model_destroy(b);
        mlpb_model_destroy(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_he_glorot_moments),
        cmocka_unit_test(test_init_fan_in_moments),
        cmocka_unit_test(test_init_orthogonal),
        cmocka_unit_test(test_init_deterministic),
    };
    return cmocka_run_group_tests_name("init", tests, NULL, NULL);
}
