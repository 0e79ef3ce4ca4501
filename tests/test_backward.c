/* test_backward.c -- the fused loss + backward pass against independent truth:
 * central differences of a double-precision reference network, the seed's
 * closed forms on a hand-sized case, the loss at extreme logits, the weighted
 * loss, error statuses, and plain gradient descent training XOR. */
#include "testutil.h"

#include "mlpb_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Compare every analytic gradient of a model of `sizes` on a random batch of n
 * rows with central differences of the double reference (step 1e-6 on each
 * parameter). The bound is tight enough that a transposed product, a wrong
 * mask or a missing 1/n (n > 1) fails by orders of magnitude. */
static void check_gradients(const size_t *sizes, size_t n_sizes, size_t n, bool weighted,
                            bool standardize, uint64_t seed)
{
    mlpb_model *m = mlpbt_model(sizes, n_sizes, seed);
    const size_t d = sizes[0], k = sizes[n_sizes - 1];
    float *x = calloc(n * d, sizeof *x), *y = calloc(n * k, sizeof *y);
    float pw[8], sw[64], mean[64], sd[64];
    assert_true(k <= 8 && n <= 64 && d <= 64);
    mlpbt_fill_uniform(x, n * d, -2.0f, 2.0f, seed + 1);
    mlpbt_fill_labels(y, n * k, seed + 2);
    mlpbt_fill_uniform(pw, k, 0.5f, 3.0f, seed + 3);
    mlpbt_fill_uniform(sw, n, 0.0f, 2.0f, seed + 4);
    mlpbt_fill_uniform(mean, d, -0.5f, 0.5f, seed + 5);
    mlpbt_fill_uniform(sd, d, 0.5f, 2.0f, seed + 6);
    /* Biases away from zero so that ReLU units are neither all on nor off. */
    size_t np;
    float *params = mlpb_model_params(m, &np);
    for (size_t l = 0; l < mlpb_model_n_layers(m); l++) {
        mlpb_layer ly;
        assert_int_equal(mlpb_model_layer(m, l, &ly), MLPB_OK);
        mlpbt_fill_uniform(ly.b, ly.out, -0.3f, 0.3f, seed + 10 + l);
    }
    if (standardize)
        assert_int_equal(mlpb_model_set_standardization(m, mean, sd), MLPB_OK);

    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, n, NULL, &ws), MLPB_OK);
    const mlpb_loss_weights w = {pw, sw};
    float loss;
    assert_int_equal(mlpb_loss_grad_weighted(m, ws, x, y, n, weighted ? &w : NULL, &loss),
                     MLPB_OK);

    double *p = mlpbt_params_double(m);
    double dmean[64], dsd[64];
    for (size_t j = 0; j < d; j++) {
        dmean[j] = (double)mean[j];
        dsd[j] = (double)sd[j];
    }
    mlpbt_net net = {sizes, n_sizes, p, standardize ? dmean : NULL, standardize ? dsd : NULL};
    const float *pwp = weighted ? pw : NULL, *swp = weighted ? sw : NULL;
    mlpbt_assert_close(loss, mlpbt_ref_loss(&net, x, y, n, pwp, swp), 1e-5);

    const float *g = mlpb_model_grads(m, NULL);
    double num = 0.0, den = 0.0, gmax = 0.0;
    for (size_t i = 0; i < np; i++)
        gmax = fmax(gmax, fabs((double)g[i]));
    for (size_t i = 0; i < np; i++) {
        const double h = 1e-6, keep = p[i];
        p[i] = keep + h;
        const double lp = mlpbt_ref_loss(&net, x, y, n, pwp, swp);
        p[i] = keep - h;
        const double lm = mlpbt_ref_loss(&net, x, y, n, pwp, swp);
        p[i] = keep;
        const double fd = (lp - lm) / (2.0 * h);
        const double diff = fabs(fd - (double)g[i]);
        num += diff * diff;
        den += fd * fd;
        if (diff > 1e-4 * gmax + 1e-6) {
            print_error("param %zu of %zu: analytic %.9g, central difference %.9g\n", i, np,
                        (double)g[i], fd);
            fail();
        }
    }
    print_message("shape n=%zu sizes[0]=%zu k=%zu layers=%zu: ||g - fd|| / ||fd|| = %.3g\n",
                  n, d, k, n_sizes - 1, sqrt(num / den));
    assert_true(den > 0.0);
    assert_true(sqrt(num / den) < 1e-4);
    (void)params;
    free(p);
    free(x);
    free(y);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

static void test_backward_fd_one_hidden(void **state)
{
    (void)state;
    const size_t s[] = {5, 7, 1};
    check_gradients(s, 3, 6, false, false, 11);
}

static void test_backward_fd_batch_one(void **state)
{
    (void)state;
    const size_t s[] = {4, 6, 1};
    check_gradients(s, 3, 1, false, false, 12);
}

static void test_backward_fd_multi_output(void **state)
{
    (void)state;
    const size_t s[] = {3, 8, 4};
    check_gradients(s, 3, 9, false, false, 13);
}

static void test_backward_fd_two_hidden(void **state)
{
    (void)state;
    const size_t s[] = {6, 5, 7, 3};
    check_gradients(s, 4, 10, false, false, 14);
}

static void test_backward_fd_three_hidden_weighted_standardized(void **state)
{
    (void)state;
    const size_t s[] = {4, 9, 3, 6, 2};
    check_gradients(s, 5, 7, true, true, 15);
}

static void test_backward_fd_weighted(void **state)
{
    (void)state;
    const size_t s[] = {5, 4, 3};
    check_gradients(s, 3, 8, true, false, 16);
}

/* The seed's closed forms on a 2-sample, 2-input, 2-hidden, 1-output network
 * with every value worked by hand:
 *   dW2 = h1^T (y^ - y) / n, db2 = colsum(y^ - y) / n,
 *   dW1 = X^T ((y^ - y) W2^T (.) f'(a1)) / n, db1 = colsum(...) / n. */
static void test_backward_seed_closed_forms(void **state)
{
    (void)state;
    const size_t s[] = {2, 2, 1};
    mlpb_model *m = mlpbt_model(s, 3, 1);
    mlpb_layer l0, l1;
    assert_int_equal(mlpb_model_layer(m, 0, &l0), MLPB_OK);
    assert_int_equal(mlpb_model_layer(m, 1, &l1), MLPB_OK);
    /* W1 = [[1, -1], [2, 1]], b1 = [0, 0.5], W2 = [[1], [-2]], b2 = [0]. */
    const float w1[] = {1, -1, 2, 1}, b1[] = {0, 0.5f}, w2[] = {1, -2}, b2[] = {0};
    memcpy(l0.w, w1, sizeof w1);
    memcpy(l0.b, b1, sizeof b1);
    memcpy(l1.w, w2, sizeof w2);
    memcpy(l1.b, b2, sizeof b2);
    /* x1 = [1, 1]: a1 = [3, 0.5], h1 = [3, 0.5], z = 3 - 1 = 2.
     * x2 = [1, -1]: a1 = [-1, -1.5], h1 = [0, 0], z = 0. */
    const float x[] = {1, 1, 1, -1}, y[] = {1, 0};
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 2, NULL, &ws), MLPB_OK);
    float loss;
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 2, &loss), MLPB_OK);
    const double s1 = 1.0 / (1.0 + exp(-2.0)), s2 = 0.5; /* y^ */
    const double e1 = s1 - 1.0, e2 = s2 - 0.0;            /* y^ - y */
    /* loss = (softplus(-2) + softplus(0)) / 2 */
    mlpbt_assert_close(loss, (log1p(exp(-2.0)) + log(2.0)) / 2.0, 1e-6);
    /* dW2 = h1^T e / 2 = [3 e1, 0.5 e1] / 2 (sample 2 has h1 = 0). */
    mlpbt_assert_close(l1.dw[0], 3.0 * e1 / 2.0, 1e-6);
    mlpbt_assert_close(l1.dw[1], 0.5 * e1 / 2.0, 1e-6);
    mlpbt_assert_close(l1.db[0], (e1 + e2) / 2.0, 1e-6);
    /* dA1 = e W2^T (.) f'(a1): sample 1 [e1, -2 e1]; sample 2 masked to 0.
     * dW1 = X^T dA1 / 2 = x1^T [e1, -2 e1] / 2. */
    mlpbt_assert_close(l0.dw[0], e1 / 2.0, 1e-6);
    mlpbt_assert_close(l0.dw[1], -2.0 * e1 / 2.0, 1e-6);
    mlpbt_assert_close(l0.dw[2], e1 / 2.0, 1e-6);
    mlpbt_assert_close(l0.dw[3], -2.0 * e1 / 2.0, 1e-6);
    mlpbt_assert_close(l0.db[0], e1 / 2.0, 1e-6);
    mlpbt_assert_close(l0.db[1], -2.0 * e1 / 2.0, 1e-6);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* Drive the logit to z through the output bias alone (all weights zero):
 * the loss must be finite and exact, the gradient sigmoid(z) - y. */
static void check_extreme_logit(float z, float y, double expect_loss, double expect_grad)
{
    const size_t s[] = {1, 1, 1};
    mlpb_model *m = mlpbt_model(s, 3, 2);
    size_t np;
    float *p = mlpb_model_params(m, &np);
    memset(p, 0, np * sizeof *p);
    mlpb_layer l1;
    assert_int_equal(mlpb_model_layer(m, 1, &l1), MLPB_OK);
    l1.b[0] = z;
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 1, NULL, &ws), MLPB_OK);
    const float x[] = {0.25f};
    float loss = NAN, prob = NAN;
    assert_int_equal(mlpb_loss_grad(m, ws, x, &y, 1, &loss), MLPB_OK);
    assert_true(isfinite(loss));
    if (expect_loss == 0.0)
        assert_true(loss == 0.0f);
    else
        mlpbt_assert_close(loss, expect_loss, 1e-6);
    assert_true(isfinite(l1.db[0]));
    if (expect_grad == 0.0)
        assert_true(fabsf(l1.db[0]) < 1e-30f);
    else
        mlpbt_assert_close(l1.db[0], expect_grad, 1e-6);
    assert_int_equal(mlpb_predict(m, ws, x, 1, &prob), MLPB_OK);
    assert_true(prob >= 0.0f && prob <= 1.0f);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

static void test_backward_loss_extreme_logits(void **state)
{
    (void)state;
    /* Wrong side: loss = |z| (+ log1p(e^-|z|), below float resolution at 1000). */
    check_extreme_logit(1000.0f, 0.0f, 1000.0, 1.0);
    check_extreme_logit(-1000.0f, 1.0f, 1000.0, -1.0);
    /* Right side: loss = log1p(e^-1000), which underflows to exactly 0. */
    check_extreme_logit(1000.0f, 1.0f, 0.0, 0.0);
    check_extreme_logit(-1000.0f, 0.0f, 0.0, 0.0);
    /* +-30: the small loss log1p(e^-30) ~ 9.36e-14 must survive, not round to 0. */
    check_extreme_logit(30.0f, 1.0f, log1p(exp(-30.0)), -exp(-30.0) / (1.0 + exp(-30.0)));
    check_extreme_logit(-30.0f, 0.0f, log1p(exp(-30.0)), exp(-30.0) / (1.0 + exp(-30.0)));
    check_extreme_logit(30.0f, 0.0f, 30.0 + log1p(exp(-30.0)), 1.0 / (1.0 + exp(-30.0)));
    check_extreme_logit(-30.0f, 1.0f, 30.0 + log1p(exp(-30.0)), -1.0 / (1.0 + exp(-30.0)));
    /* 1e4: the huge logits. */
    check_extreme_logit(1e4f, 0.0f, 1e4, 1.0);
}

static void test_backward_errors(void **state)
{
    (void)state;
    const size_t s[] = {3, 4, 2}, other[] = {3, 5, 2};
    mlpb_model *m = mlpbt_model(s, 3, 3), *o = mlpbt_model(other, 3, 3);
    mlpb_workspace *ws = NULL, *wo = NULL;
    assert_int_equal(mlpb_workspace_create(m, 4, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_workspace_create(o, 4, NULL, &wo), MLPB_OK);
    float x[15] = {0}, y[10] = {0}, loss = 123.0f;
    assert_int_equal(mlpb_loss_grad(NULL, ws, x, y, 2, &loss), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_loss_grad(m, NULL, x, y, 2, &loss), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_loss_grad(m, ws, NULL, y, 2, &loss), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_loss_grad(m, ws, x, NULL, 2, &loss), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 0, &loss), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 5, &loss), MLPB_E_INVALID_ARG); /* > max */
    assert_int_equal(mlpb_loss_grad(m, wo, x, y, 2, &loss), MLPB_E_INVALID_ARG); /* arch */
    assert_true(loss == 123.0f);
    /* loss may be NULL. */
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 2, NULL), MLPB_OK);
    /* Non-finite input or parameters: MLPB_E_NUMERIC, parameters unchanged. */
    x[4] = NAN;
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 2, &loss), MLPB_E_NUMERIC);
    x[4] = INFINITY;
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 2, &loss), MLPB_E_NUMERIC);
    x[4] = 0.0f;
    mlpb_layer l1;
    assert_int_equal(mlpb_model_layer(m, 1, &l1), MLPB_OK);
    l1.w[0] = NAN;
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 2, &loss), MLPB_E_NUMERIC);
    assert_true(isnan(l1.w[0]));
    assert_true(loss == 123.0f);
    assert_int_equal(mlpb_sgd_step(NULL, 0.1f), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_sgd_step(m, NAN), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_sgd_step(m, INFINITY), MLPB_E_INVALID_ARG);
    mlpb_workspace_destroy(ws);
    mlpb_workspace_destroy(wo);
    mlpb_model_destroy(m);
    mlpb_model_destroy(o);
}

/* sgd_step is p -= lr * g over the whole arena. */
static void test_backward_sgd_step_exact(void **state)
{
    (void)state;
    const size_t s[] = {3, 4, 2};
    mlpb_model *m = mlpbt_model(s, 3, 4);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 5, NULL, &ws), MLPB_OK);
    float x[15], y[10];
    mlpbt_fill_uniform(x, 15, -1, 1, 5);
    mlpbt_fill_labels(y, 10, 6);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 5, NULL), MLPB_OK);
    size_t np;
    float *p = mlpb_model_params(m, &np);
    const float *g = mlpb_model_grads(m, NULL);
    float *before = malloc(np * sizeof *before);
    memcpy(before, p, np * sizeof *p);
    assert_int_equal(mlpb_sgd_step(m, 0.25f), MLPB_OK);
    for (size_t i = 0; i < np; i++)
        assert_true(p[i] == before[i] - 0.25f * g[i]);
    free(before);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* Plain full-batch gradient descent learns XOR: the loss falls below 0.05
 * within 2000 steps, and every point is classified right. */
static void test_backward_sgd_trains_xor(void **state)
{
    (void)state;
    const size_t s[] = {2, 8, 1};
    mlpb_model *m = mlpbt_model(s, 3, 42);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 4, NULL, &ws), MLPB_OK);
    const float x[] = {0, 0, 0, 1, 1, 0, 1, 1}, y[] = {0, 1, 1, 0};
    float loss = INFINITY, first = 0.0f;
    int step;
    for (step = 0; step < 2000 && loss > 0.05f; step++) {
        assert_int_equal(mlpb_loss_grad(m, ws, x, y, 4, &loss), MLPB_OK);
        if (step == 0)
            first = loss;
        assert_int_equal(mlpb_sgd_step(m, 0.5f), MLPB_OK);
    }
    print_message("XOR: loss %.4f -> %.4f in %d steps\n", (double)first, (double)loss, step);
    assert_true(loss <= 0.05f);
    float prob[4];
    assert_int_equal(mlpb_predict(m, ws, x, 4, prob), MLPB_OK);
    for (int i = 0; i < 4; i++)
        assert_true((prob[i] >= 0.5f) == (y[i] == 1.0f));
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* A batch smaller than the workspace uses its own 1/n, and the hot calls
 * allocate nothing. */
static void test_backward_no_allocation(void **state)
{
    (void)state;
    mlpbt_counter c;
    const mlpb_allocator a = mlpbt_counting_allocator(&c);
    const size_t s[] = {3, 4, 2};
    mlpb_config cfg = {s, 3, 7, MLPB_INIT_ORTHOGONAL};
    mlpb_model *m = NULL;
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_model_create(&cfg, &a, &m), MLPB_OK);
    assert_int_equal(mlpb_workspace_create(m, 8, &a, &ws), MLPB_OK);
    const size_t calls = c.calls;
    float x[24], y[16], prob[16], loss;
    mlpbt_fill_uniform(x, 24, -1, 1, 8);
    mlpbt_fill_labels(y, 16, 9);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mlpb_loss_grad(m, ws, x, y, 8, &loss), MLPB_OK);
        assert_int_equal(mlpb_loss_grad(m, ws, x, y, 3, &loss), MLPB_OK);
        assert_int_equal(mlpb_sgd_step(m, 0.1f), MLPB_OK);
        assert_int_equal(mlpb_predict(m, ws, x, 8, prob), MLPB_OK);
        assert_int_equal(mlpb_loss(m, ws, x, y, 8, NULL, &loss), MLPB_OK);
    }
    assert_int_equal(c.calls, calls);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    assert_int_equal(c.live, 0);
}

/* The serial-small policy gives the same gradients (to rounding) and hands
 * the BLAS thread count back as it found it. */
static void test_backward_threading_policy(void **state)
{
    (void)state;
    const size_t s[] = {28, 300, 1};
    mlpb_model *m = mlpbt_model(s, 3, 21);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 64, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_threading(NULL, MLPB_THREADING_BLAS),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_workspace_set_threading(ws, (mlpb_threading)9), MLPB_E_INVALID_ARG);
    float *x = malloc(64 * 28 * sizeof *x), y[64], l0, l1;
    mlpbt_fill_uniform(x, 64 * 28, -1, 1, 22);
    mlpbt_fill_labels(y, 64, 23);
    size_t np;
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 64, &l0), MLPB_OK);
    const float *g = mlpb_model_grads(m, &np);
    float *g0 = malloc(np * sizeof *g0);
    memcpy(g0, g, np * sizeof *g0);
    const int threads = mlpb_blas_threads();
    assert_int_equal(mlpb_workspace_set_threading(ws, MLPB_THREADING_SERIAL_SMALL), MLPB_OK);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 64, &l1), MLPB_OK);
    assert_int_equal(mlpb_blas_threads(), threads);
    mlpbt_assert_close(l1, l0, 1e-6);
    for (size_t i = 0; i < np; i++)
        assert_true(fabsf(g[i] - g0[i]) <= 1e-6f * (1.0f + fabsf(g0[i])));
    free(g0);
    free(x);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backward_fd_one_hidden),
        cmocka_unit_test(test_backward_fd_batch_one),
        cmocka_unit_test(test_backward_fd_multi_output),
        cmocka_unit_test(test_backward_fd_two_hidden),
        cmocka_unit_test(test_backward_fd_three_hidden_weighted_standardized),
        cmocka_unit_test(test_backward_fd_weighted),
        cmocka_unit_test(test_backward_seed_closed_forms),
        cmocka_unit_test(test_backward_loss_extreme_logits),
        cmocka_unit_test(test_backward_errors),
        cmocka_unit_test(test_backward_sgd_step_exact),
        cmocka_unit_test(test_backward_sgd_trains_xor),
        cmocka_unit_test(test_backward_no_allocation),
        cmocka_unit_test(test_backward_threading_policy),
    };
    return cmocka_run_group_tests_name("backward", tests, NULL, NULL);
}
