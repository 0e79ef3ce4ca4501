/* test_train_memory.c -- mlpb_train_memory, mlpb_train_memory_val,
 * mlpb_workspace_memory and mlpb_model_memory against the bytes an allocator
 * that tracks live bytes actually sees: the model's bytes exactly, a
 * workspace's exactly, a training run's peak never above the bound and
 * within 3% of it (the bound assumes sample weights and the largest split). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* Live and peak bytes, by the size each block was asked for. */
typedef struct tracker {
    size_t live, peak, calls;
} tracker;

static void *track_alloc(void *ctx, size_t size, size_t align)
{
    tracker *t = ctx;
    /* A header of one alignment unit holds the size. */
    unsigned char *p = aligned_alloc(align, (size + align - 1) / align * align + align);
    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof size);
    t->live += size;
    t->calls++;
    if (t->live > t->peak)
        t->peak = t->live;
    return p + align;
}

static void track_free(void *ctx, void *q)
{
    tracker *t = ctx;
    if (q == NULL)
        return;
    unsigned char *p = (unsigned char *)q - 64; /* the library always aligns to 64 */
    size_t size;
    memcpy(&size, p, sizeof size);
    t->live -= size;
    free(p);
}

static void test_model_and_workspace_exact(void **state)
{
    (void)state;
    const size_t sizes[] = {20, 33, 17, 3};
    tracker t = {0, 0, 0};
    const mlpb_allocator a = {track_alloc, track_free, &t};
    const mlpb_config cfg = {sizes, 4, 1, MLPB_INIT_HE_GLOROT};
    mlpb_model *m;
    assert_int_equal(mlpb_model_create(&cfg, &a, &m), MLPB_OK);
    size_t want;
    assert_int_equal(mlpb_model_memory(sizes, 4, &want), MLPB_OK);
    assert_int_equal(t.live, want);
    const mlpb_threading modes[] = {MLPB_THREADING_BLAS, MLPB_THREADING_SPLIT};
    for (int threads = 1; threads <= 3; threads++) {
        mlpb_blas_set_threads(threads);
        for (size_t i = 0; i < 2; i++) {
            const size_t base = t.live;
            t.peak = base;
            mlpb_workspace *ws;
            assert_int_equal(mlpb_workspace_create(m, 61, &a, &ws), MLPB_OK);
            assert_int_equal(mlpb_workspace_set_threading(ws, modes[i]), MLPB_OK);
            assert_int_equal(mlpb_workspace_memory(sizes, 4, 61, modes[i], &want), MLPB_OK);
            assert_int_equal(t.peak - base, want);
            mlpb_workspace_destroy(ws);
            assert_int_equal(t.live, base);
        }
    }
    mlpb_blas_set_threads(1);
    mlpb_model_destroy(m);
    assert_int_equal(mlpb_model_memory(NULL, 4, &want), MLPB_E_INVALID_ARG);
    const size_t zero[] = {3, 0, 1};
    assert_int_equal(mlpb_model_memory(zero, 3, &want), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_workspace_memory(sizes, 4, 0, MLPB_THREADING_BLAS, &want),
                     MLPB_E_INVALID_ARG);
}

typedef struct config {
    const char *what;
    size_t n, n_val, batch, d, hidden, k;
    float val_fraction;
    mlpb_optimizer kind;
    mlpb_threading threading;
    int threads;
    int weights;
} config;

static void run_config(const config *c)
{
    const size_t sizes[] = {c->d, c->hidden, c->k};
    const size_t n_all = c->n + c->n_val;
    float *x = malloc(n_all * c->d * sizeof *x), *y = malloc(n_all * c->k * sizeof *y);
    float *sw = malloc(n_all * sizeof *sw);
    assert_true(x != NULL && y != NULL && sw != NULL);
    mlpbt_fill_uniform(x, n_all * c->d, -1.0f, 1.0f, 3);
    mlpbt_fill_labels(y, n_all * c->k, 4);
    for (size_t i = 0; i < n_all; i++)
        sw[i] = 1.0f;
    mlpb_blas_set_threads(c->threads);
    mlpb_model *m = mlpbt_model(sizes, 3, 5);
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.epochs = 2;
    o.batch_size = c->batch;
    o.val_fraction = c->val_fraction;
    o.optim.kind = c->kind;
    o.threading = c->threading;
    const mlpb_dataset tr = {x, y, c->weights ? sw : NULL, c->n};
    const mlpb_dataset va = {x + c->n * c->d, y + c->n * c->k, NULL, c->n_val};
    tracker t = {0, 0, 0};
    const mlpb_allocator a = {track_alloc, track_free, &t};
    assert_int_equal(mlpb_train(m, &tr, c->n_val > 0 ? &va : NULL, &o, &a, NULL), MLPB_OK);
    assert_int_equal(t.live, 0);
    size_t bound;
    if (c->n_val > 0)
        assert_int_equal(mlpb_train_memory_val(sizes, 3, c->n, c->n_val, &o, &bound), MLPB_OK);
    else
        assert_int_equal(mlpb_train_memory(sizes, 3, c->n, &o, &bound), MLPB_OK);
    print_message("%-34s peak %9zu bytes, bound %9zu (+%.2f%%)\n", c->what, t.peak, bound,
                  100.0 * ((double)bound / (double)t.peak - 1.0));
    assert_true(t.peak <= bound);
    assert_true((double)bound <= 1.03 * (double)t.peak);
    mlpb_model_destroy(m);
    mlpb_blas_set_threads(1);
    free(x);
    free(y);
    free(sw);
}

static void test_train_memory_matches(void **state)
{
    (void)state;
    const config cs[] = {
        {"adam, split 0.1, no weights", 1000, 0, 32, 20, 32, 2, 0.1f, MLPB_OPT_ADAM,
         MLPB_THREADING_BLAS, 1, 0},
        {"adam, split 0.25, weights", 800, 0, 64, 50, 64, 1, 0.25f, MLPB_OPT_ADAM,
         MLPB_THREADING_BLAS, 1, 1},
        {"sgd, no validation, weights", 500, 0, 500, 10, 16, 3, 0.0f, MLPB_OPT_SGD,
         MLPB_THREADING_SERIAL_SMALL, 1, 1},
        {"momentum, separate validation", 600, 150, 50, 30, 40, 2, 0.0f, MLPB_OPT_MOMENTUM,
         MLPB_THREADING_BLAS, 1, 1},
        {"adamw, split threading, 2 threads", 700, 0, 101, 64, 128, 2, 0.2f, MLPB_OPT_ADAMW,
         MLPB_THREADING_SPLIT, 2, 1},
        {"adam, split threading, 3 threads", 400, 0, 100, 40, 300, 4, 0.1f, MLPB_OPT_ADAM,
         MLPB_THREADING_SPLIT, 3, 1},
    };
    for (size_t i = 0; i < sizeof cs / sizeof *cs; i++)
        run_config(&cs[i]);
}

static void test_train_memory_args(void **state)
{
    (void)state;
    const size_t sizes[] = {4, 8, 1};
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    size_t b;
    assert_int_equal(mlpb_train_memory(sizes, 3, 0, &o, &b), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_memory(NULL, 3, 10, &o, &b), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_memory(sizes, 3, 10, NULL, &b), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_memory(sizes, 3, 10, &o, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_memory_val(sizes, 3, 10, 0, &o, &b), MLPB_E_INVALID_ARG);
    o.val_fraction = 1.0f;
    assert_int_equal(mlpb_train_memory(sizes, 3, 10, &o, &b), MLPB_E_INVALID_ARG);
    /* Arithmetic that cannot be done in size_t is an error, not a wrap. */
    mlpb_train_opts_default(&o);
    assert_int_equal(mlpb_train_memory(sizes, 3, SIZE_MAX / 2, &o, &b), MLPB_E_OVERFLOW);
    /* A huge model is answered by arithmetic, without allocating: 4M inputs x 64. */
    const size_t wide[] = {4000000, 64, 1};
    assert_int_equal(mlpb_train_memory(wide, 3, 1, &o, &b), MLPB_OK);
    assert_true(b > 3 * 4000000ull * 64 * 4); /* snapshot + moments at least */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_and_workspace_exact),
        cmocka_unit_test(test_train_memory_matches),
        cmocka_unit_test(test_train_memory_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
