/* test_forward.c -- the forward pass against the double-precision reference
 * network (logits and probabilities within the float rounding bound of
 * mlpbt_ref_logits_bound, so on any CPU and BLAS kernel) and the loss, with
 * standardisation, several layers and outputs, chunking over the workspace's
 * batch, and errors. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

enum { N = 23, D = 6, K = 3 };
static const size_t sizes[] = {D, 8, 5, K};

typedef struct fixture {
    mlpb_model *m;
    double     *p;
    float       x[N * D], y[N * K], mean[D], sd[D];
    double      dmean[D], dsd[D];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->m = mlpbt_model(sizes, 4, 31);
    mlpbt_fill_uniform(f->x, N * D, -3, 3, 32);
    mlpbt_fill_labels(f->y, N * K, 33);
    mlpbt_fill_uniform(f->mean, D, -1, 1, 34);
    mlpbt_fill_uniform(f->sd, D, 0.5f, 2, 35);
    for (size_t l = 0; l < 3; l++) {
        mlpb_layer ly;
        mlpb_model_layer(f->m, l, &ly);
        mlpbt_fill_uniform(ly.b, ly.out, -0.5f, 0.5f, 36 + l);
    }
    mlpb_model_set_standardization(f->m, f->mean, f->sd);
    for (int j = 0; j < D; j++) {
        f->dmean[j] = (double)f->mean[j];
        f->dsd[j] = (double)f->sd[j];
    }
    f->p = mlpbt_params_double(f->m);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mlpb_model_destroy(f->m);
    free(f->p);
    free(f);
    return 0;
}

static void test_forward_matches_reference(void **state)
{
    fixture *f = *state;
    const mlpbt_net net = {sizes, 4, f->p, f->dmean, f->dsd};
    double z[N * K], zerr[N * K];
    mlpbt_ref_logits_bound(&net, f->x, N, z, zerr);
    /* Workspaces smaller than, equal to and larger than the batch. */
    const size_t batches[] = {1, 4, N, 64};
    for (size_t b = 0; b < 4; b++) {
        mlpb_workspace *ws = NULL;
        assert_int_equal(mlpb_workspace_create(f->m, batches[b], NULL, &ws), MLPB_OK);
        float prob[N * K], logit[N * K];
        assert_int_equal(mlpb_predict(f->m, ws, f->x, N, prob), MLPB_OK);
        assert_int_equal(mlpb_predict_logits(f->m, ws, f->x, N, logit), MLPB_OK);
        for (int i = 0; i < N * K; i++) {
            const double pr = 1.0 / (1.0 + exp(-z[i]));
            assert_true(fabs((double)logit[i] - z[i]) <= zerr[i]);
            assert_true(fabs((double)prob[i] - pr) <= mlpbt_prob_bound(z[i], zerr[i]));
        }
        float loss;
        assert_int_equal(mlpb_loss(f->m, ws, f->x, f->y, N, NULL, &loss), MLPB_OK);
        mlpbt_assert_close(loss, mlpbt_ref_loss(&net, f->x, f->y, N, NULL, NULL), 1e-5);
        const float pw[K] = {2, 0.5f, 1}, sw[N] = {[0] = 3, [5] = 0.25f, [22] = 1};
        const mlpb_loss_weights w = {pw, sw};
        assert_int_equal(mlpb_loss(f->m, ws, f->x, f->y, N, &w, &loss), MLPB_OK);
        mlpbt_assert_close(loss, mlpbt_ref_loss(&net, f->x, f->y, N, pw, sw), 1e-5);
        mlpb_workspace_destroy(ws);
    }
}

/* Without standardisation the input goes to the first product as it is. */
static void test_forward_without_standardization(void **state)
{
    fixture *f = *state;
    mlpb_model *m = NULL;
    assert_int_equal(mlpb_model_clone(f->m, &m), MLPB_OK);
    assert_int_equal(mlpb_model_set_standardization(m, NULL, NULL), MLPB_OK);
    const mlpbt_net net = {sizes, 4, f->p, NULL, NULL};
    double z[N * K], zerr[N * K];
    mlpbt_ref_logits_bound(&net, f->x, N, z, zerr);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 8, NULL, &ws), MLPB_OK);
    float logit[N * K];
    assert_int_equal(mlpb_predict_logits(m, ws, f->x, N, logit), MLPB_OK);
    for (int i = 0; i < N * K; i++)
        assert_true(fabs((double)logit[i] - z[i]) <= zerr[i]);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

static void test_forward_errors(void **state)
{
    fixture *f = *state;
    const size_t other[] = {D, 8, 6, K};
    mlpb_model *o = mlpbt_model(other, 4, 1);
    mlpb_workspace *ws = NULL, *wo = NULL;
    assert_int_equal(mlpb_workspace_create(f->m, 4, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_workspace_create(o, 4, NULL, &wo), MLPB_OK);
    float prob[N * K], loss = 7.0f;
    assert_int_equal(mlpb_predict(NULL, ws, f->x, N, prob), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_predict(f->m, NULL, f->x, N, prob), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_predict(f->m, ws, NULL, N, prob), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_predict(f->m, ws, f->x, N, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_predict(f->m, ws, f->x, 0, prob), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_predict(f->m, wo, f->x, N, prob), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_predict(f->m, ws, f->x, SIZE_MAX / 2, prob), MLPB_E_OVERFLOW);
    assert_int_equal(mlpb_loss(f->m, ws, f->x, NULL, N, NULL, &loss), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_loss(f->m, ws, f->x, f->y, N, NULL, NULL), MLPB_E_INVALID_ARG);
    float x[N * D];
    for (int i = 0; i < N * D; i++)
        x[i] = f->x[i];
    x[N * D - 1] = NAN; /* in the last chunk */
    assert_int_equal(mlpb_predict(f->m, ws, x, N, prob), MLPB_E_NUMERIC);
    assert_int_equal(mlpb_loss(f->m, ws, x, f->y, N, NULL, &loss), MLPB_E_NUMERIC);
    x[N * D - 1] = -INFINITY;
    assert_int_equal(mlpb_predict_logits(f->m, ws, x, N, prob), MLPB_E_NUMERIC);
    assert_true(loss == 7.0f);
    mlpb_workspace_destroy(ws);
    mlpb_workspace_destroy(wo);
    mlpb_model_destroy(o);
}

/* Finite inputs whose products overflow inside the network are caught in
 * the pre-activations of the layer where they overflow, not returned as NaN
 * probabilities. */
static void test_forward_overflow_inside(void **state)
{
    (void)state;
    const size_t s[] = {2, 3, 3, 1};
    mlpb_model *m = mlpbt_model(s, 4, 77);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 2, NULL, &ws), MLPB_OK);
    const float x[] = {1, 2, 3, 4};
    float prob[2];
    assert_int_equal(mlpb_predict(m, ws, x, 2, prob), MLPB_OK);
    /* Layer 0: all weights 1 and biases 1, so every hidden unit is on (a
     * = 4 and 8); layer 1: weights of 3e38, whose sums overflow to Inf. */
    mlpb_layer l0, l1;
    assert_int_equal(mlpb_model_layer(m, 0, &l0), MLPB_OK);
    assert_int_equal(mlpb_model_layer(m, 1, &l1), MLPB_OK);
    for (size_t i = 0; i < 6; i++)
        l0.w[i] = 1.0f;
    for (size_t j = 0; j < 3; j++)
        l0.b[j] = 1.0f;
    for (size_t i = 0; i < 9; i++)
        l1.w[i] = 3e38f;
    assert_int_equal(mlpb_predict(m, ws, x, 2, prob), MLPB_E_NUMERIC);
    float loss;
    const float y[] = {0, 1};
    assert_int_equal(mlpb_loss(m, ws, x, y, 2, NULL, &loss), MLPB_E_NUMERIC);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_matches_reference),
        cmocka_unit_test(test_forward_without_standardization),
        cmocka_unit_test(test_forward_errors),
        cmocka_unit_test(test_forward_overflow_inside),
    };
    return cmocka_run_group_tests_name("forward", tests, setup, teardown);
}
