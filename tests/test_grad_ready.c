/* test_grad_ready.c -- mlpb_workspace_set_grad_ready: the backward pass
 * reports each weight layer once, output layer first, and a reported layer's
 * gradient slice is already final (it equals the arena at the end of the
 * call); the same with MLPB_THREADING_SPLIT; no report once removed. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct seen {
    mlpb_model *m;
    size_t      order[8];
    size_t      n;
    float      *snap; /* copy of each slice when it was reported */
} seen;

/* The slice of layer l: dW then db, contiguous. */
static size_t slice(mlpb_model *m, size_t l, const float **start)
{
    mlpb_layer ly;
    assert_int_equal(mlpb_model_layer(m, l, &ly), MLPB_OK);
    *start = ly.dw;
    return ly.in * ly.out + ly.out;
}

static void on_ready(size_t layer, void *ctx)
{
    seen *s = ctx;
    const float *g0 = mlpb_model_grads(s->m, NULL), *p;
    const size_t n = slice(s->m, layer, &p);
    memcpy(s->snap + (p - g0), p, n * sizeof(float));
    if (s->n < 8)
        s->order[s->n] = layer;
    s->n++;
}

static void check(int parts)
{
    /* 256 rows: two blocks of 128 x 1480 multiply-adds, enough to split. */
    const size_t sizes[] = {20, 32, 24, 3}, n = 256;
    mlpb_model *m = mlpbt_model(sizes, 4, 9);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, n, NULL, &ws), MLPB_OK);
    if (parts > 1) {
        mlpb_blas_set_threads(parts);
        assert_int_equal(mlpb_workspace_set_threading(ws, MLPB_THREADING_SPLIT), MLPB_OK);
    }
    mlpb_blas_set_threads(1);
    float *x = malloc(n * sizes[0] * sizeof(float)), *y = malloc(n * 3 * sizeof(float));
    mlpbt_fill_uniform(x, n * sizes[0], -1.0f, 1.0f, 3);
    mlpbt_fill_labels(y, n * 3, 4);
    size_t np;
    (void)mlpb_model_grads(m, &np);
    seen s = {m, {0}, 0, calloc(np, sizeof(float))};
    assert_int_equal(mlpb_workspace_set_grad_ready(ws, on_ready, &s), MLPB_OK);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, NULL), MLPB_OK);
    assert_int_equal(s.n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(s.order[i], 2 - i);
    /* Every slice was final when reported: the snapshots are the arena. */
    const float *g = mlpb_model_grads(m, NULL);
    assert_memory_equal(s.snap, g, np * sizeof(float));
    /* Removed: no more reports. */
    assert_int_equal(mlpb_workspace_set_grad_ready(ws, NULL, &s), MLPB_OK);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, NULL), MLPB_OK);
    assert_int_equal(s.n, 3);
    /* A failing pass reports nothing (NaN input fails the forward pass). */
    assert_int_equal(mlpb_workspace_set_grad_ready(ws, on_ready, &s), MLPB_OK);
    x[5] = NAN;
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, NULL), MLPB_E_NUMERIC);
    assert_int_equal(s.n, 3);
    free(s.snap);
    free(x);
    free(y);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

static void test_unsplit(void **state)
{
    (void)state;
    check(1);
}

static void test_split(void **state)
{
    (void)state;
    check(2);
}

static void test_args(void **state)
{
    (void)state;
    assert_int_equal(mlpb_workspace_set_grad_ready(NULL, on_ready, NULL), MLPB_E_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unsplit),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
