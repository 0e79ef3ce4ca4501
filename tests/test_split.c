/* test_split.c -- MLPB_THREADING_SPLIT: batches split in row blocks across a
 * workspace's own threads give the unsplit results up to rounding (and the
 * double-precision reference loss), bitwise the same from call to call, the
 * same errors, and no leak when memory runs out while the split is set up.
 * Also the fork-join team underneath: every part runs once per job, whether
 * its thread was spinning or asleep. */
#include "testutil.h"

#include "mlpb_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Parts are the BLAS thread count when the mode is set; the passes then run
 * on the workspace's threads with one BLAS thread each. Unsplit products stay
 * on one BLAS thread too, so that ThreadSanitizer sees only the library's own
 * threads (OpenBLAS is not instrumented). */
static mlpb_workspace *split_ws(const mlpb_model *m, size_t max_batch, int parts,
                                const mlpb_allocator *alloc)
{
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, max_batch, alloc, &ws), MLPB_OK);
    mlpb_blas_set_threads(parts);
    assert_int_equal(mlpb_workspace_set_threading(ws, MLPB_THREADING_SPLIT), MLPB_OK);
    mlpb_blas_set_threads(1);
    return ws;
}

static void assert_all_close(const float *a, const float *b, size_t n, double rel, double abs_)
{
    for (size_t i = 0; i < n; i++) {
        const double e = fabs((double)a[i] - (double)b[i]);
        if (!(e <= abs_ + rel * fabs((double)b[i]))) {
            print_error("element %zu: %.9g, expected %.9g\n", i, (double)a[i], (double)b[i]);
            fail();
        }
    }
}

/* Loss and every gradient of a split workspace against an unsplit one, for n
 * rows of a model of `sizes`, with or without weights and standardisation. */
static void check_grad(const size_t *sizes, size_t n_sizes, size_t max_batch, size_t n,
                       int parts, bool weighted, bool standardize, uint64_t seed)
{
    mlpb_model *m = mlpbt_model(sizes, n_sizes, seed);
    const size_t d = sizes[0], k = sizes[n_sizes - 1];
    float *x = malloc(n * d * sizeof *x), *y = malloc(n * k * sizeof *y);
    float *pw = malloc(k * sizeof *pw), *sw = malloc(n * sizeof *sw);
    mlpbt_fill_uniform(x, n * d, -2, 3, seed + 1);
    mlpbt_fill_labels(y, n * k, seed + 2);
    mlpbt_fill_uniform(pw, k, 0.5f, 3, seed + 3);
    mlpbt_fill_uniform(sw, n, 0, 2, seed + 4);
    if (standardize)
        assert_int_equal(mlpb_model_fit_standardization(m, x, n), MLPB_OK);
    const mlpb_loss_weights w = {pw, sw};
    const mlpb_loss_weights *wp = weighted ? &w : NULL;

    mlpb_workspace *plain = NULL;
    assert_int_equal(mlpb_workspace_create(m, max_batch, NULL, &plain), MLPB_OK);
    mlpb_workspace *ws = split_ws(m, max_batch, parts, NULL);

    size_t np;
    const float *g = mlpb_model_grads(m, &np);
    float *want = malloc(np * sizeof *want), *got = malloc(np * sizeof *got);
    float loss_plain, loss_split, loss_again;
    assert_int_equal(mlpb_loss_grad_weighted(m, plain, x, y, n, wp, &loss_plain), MLPB_OK);
    memcpy(want, g, np * sizeof *want);
    assert_int_equal(mlpb_loss_grad_weighted(m, ws, x, y, n, wp, &loss_split), MLPB_OK);
    memcpy(got, g, np * sizeof *got);

    /* Independent truth for the loss: the double-precision reference. */
    double *pd = mlpbt_params_double(m), dmean[256], dsd[256];
    assert_true(d <= 256);
    for (size_t j = 0; j < d && standardize; j++) {
        dmean[j] = (double)mlpb_model_mean(m)[j];
        dsd[j] = (double)mlpb_model_std(m)[j];
    }
    const mlpbt_net net = {sizes, n_sizes, pd, standardize ? dmean : NULL,
                           standardize ? dsd : NULL};
    const double ref = mlpbt_ref_loss(&net, x, y, n, weighted ? pw : NULL,
                                      weighted ? sw : NULL);
    mlpbt_assert_close(loss_split, ref, 2e-5);
    mlpbt_assert_close(loss_split, loss_plain, 2e-6);
    /* Rounding only: products over fewer rows, partial sums added at the end. */
    float gmax = 0.0f;
    for (size_t i = 0; i < np; i++)
        gmax = fmaxf(gmax, fabsf(want[i]));
    assert_true(gmax > 0.0f);
    assert_all_close(got, want, np, 1e-4, 1e-6 * (double)gmax);

    /* Bitwise the same on a second call: fixed blocks, fixed summing order,
     * whichever thread finishes first. */
    assert_int_equal(mlpb_loss_grad_weighted(m, ws, x, y, n, wp, &loss_again), MLPB_OK);
    assert_memory_equal(&loss_again, &loss_split, sizeof loss_split);
    assert_memory_equal(g, got, np * sizeof *got);

    free(pd);
    free(want);
    free(got);
    mlpb_workspace_destroy(ws);
    mlpb_workspace_destroy(plain);
    free(x);
    free(y);
    free(pw);
    free(sw);
    mlpb_model_destroy(m);
}

static void test_split_grad_one_hidden(void **state)
{
    (void)state;
    const size_t sizes[] = {28, 300, 1};
    check_grad(sizes, 3, 256, 256, 2, false, false, 11);
    /* 77,702 parameters: the arenas are summed by the team, a slice each. */
    const size_t wide[] = {256, 300, 2};
    check_grad(wide, 3, 96, 96, 3, true, false, 10);
    check_grad(wide, 3, 96, 80, 2, false, true, 9);
}

static void test_split_grad_uneven_rows(void **state)
{
    (void)state;
    /* 257 rows on 2 parts (128 + 129), 35 rows on 4 (8 + 9 + 9 + 9), and a
     * max_batch that is no multiple of the parts (the buffers grow). */
    const size_t sizes[] = {128, 128, 3};
    check_grad(sizes, 3, 257, 257, 2, false, false, 12);
    check_grad(sizes, 3, 35, 35, 4, false, false, 13);
    check_grad(sizes, 3, 301, 150, 3, true, false, 14);
}

static void test_split_grad_deep_weighted_standardized(void **state)
{
    (void)state;
    const size_t two[] = {32, 64, 48, 4};
    const size_t three[] = {48, 64, 48, 32, 2};
    check_grad(two, 4, 64, 64, 2, true, true, 15);
    check_grad(three, 5, 100, 77, 3, true, true, 16);
}

static void test_split_small_batches_run_unsplit(void **state)
{
    (void)state;
    /* Fewer than MLPB_SPLIT_MIN_ROWS rows a part: the serial pass; just
     * enough: split. 128-128-2 has 16,640 multiply-adds a row, so 8 rows pass
     * MLPB_SPLIT_MIN_MACS. */
    const size_t sizes[] = {128, 128, 2};
    check_grad(sizes, 3, 64, 1, 2, false, false, 17);
    check_grad(sizes, 3, 64, 2 * MLPB_SPLIT_MIN_ROWS - 1, 2, true, false, 18);
    check_grad(sizes, 3, 64, 2 * MLPB_SPLIT_MIN_ROWS, 2, true, true, 19);
    check_grad(sizes, 3, 64, 8 * MLPB_SPLIT_MIN_ROWS - 1, 8, false, true, 20);
}

/* Which calls split: enough rows a part, and enough work in them. */
static void test_split_which_calls_split(void **state)
{
    (void)state;
    const size_t wide[] = {128, 128, 2}, narrow[] = {30, 64, 1};
    mlpb_model *m = mlpbt_model(wide, 3, 1), *s = mlpbt_model(narrow, 3, 1);
    mlpb_workspace *ws = split_ws(m, 256, 2, NULL), *sws = split_ws(s, 256, 2, NULL);
    assert_int_equal(mlpb__split_parts(ws, 1, true), 1);
    assert_int_equal(mlpb__split_parts(ws, 2 * MLPB_SPLIT_MIN_ROWS - 1, true), 1);
    assert_int_equal(mlpb__split_parts(ws, 2 * MLPB_SPLIT_MIN_ROWS, true), 2);
    assert_int_equal(mlpb__split_parts(ws, 256, true), 2);
    /* 1,984 multiply-adds a row: 67 rows a part are needed. */
    assert_int_equal(mlpb__split_parts(sws, 133, true), 1);
    assert_int_equal(mlpb__split_parts(sws, 134, true), 2);
    mlpb_workspace *plain = NULL;
    assert_int_equal(mlpb_workspace_create(m, 256, NULL, &plain), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_threading(plain, MLPB_THREADING_BLAS), MLPB_OK);
    assert_int_equal(mlpb__split_parts(plain, 256, true), 1);
    mlpb_workspace_destroy(plain);
    mlpb_workspace_destroy(ws);
    mlpb_workspace_destroy(sws);
    mlpb_model_destroy(m);
    mlpb_model_destroy(s);
}

static void test_split_predict_and_loss(void **state)
{
    (void)state;
    const size_t sizes[] = {64, 96, 48, 3}, n = 250, d = 64, k = 3;
    mlpb_model *m = mlpbt_model(sizes, 4, 21);
    float *x = malloc(n * d * sizeof *x), *y = malloc(n * k * sizeof *y);
    float *p0 = malloc(n * k * sizeof *p0), *p1 = malloc(n * k * sizeof *p1);
    mlpbt_fill_uniform(x, n * d, -1, 1, 22);
    mlpbt_fill_labels(y, n * k, 23);
    mlpb_workspace *plain = NULL;
    assert_int_equal(mlpb_workspace_create(m, 64, NULL, &plain), MLPB_OK);
    /* 250 rows in chunks of 64 (the last 58), each chunk split in 3. */
    mlpb_workspace *ws = split_ws(m, 64, 3, NULL);

    assert_int_equal(mlpb_predict(m, plain, x, n, p0), MLPB_OK);
    assert_int_equal(mlpb_predict(m, ws, x, n, p1), MLPB_OK);
    assert_all_close(p1, p0, n * k, 1e-5, 1e-7);
    assert_int_equal(mlpb_predict_logits(m, plain, x, n, p0), MLPB_OK);
    assert_int_equal(mlpb_predict_logits(m, ws, x, n, p1), MLPB_OK);
    assert_all_close(p1, p0, n * k, 1e-5, 1e-6);

    double *pd = mlpbt_params_double(m);
    const mlpbt_net net = {sizes, 4, pd, NULL, NULL};
    float l0, l1;
    assert_int_equal(mlpb_loss(m, plain, x, y, n, NULL, &l0), MLPB_OK);
    assert_int_equal(mlpb_loss(m, ws, x, y, n, NULL, &l1), MLPB_OK);
    mlpbt_assert_close(l1, mlpbt_ref_loss(&net, x, y, n, NULL, NULL), 2e-5);
    mlpbt_assert_close(l1, l0, 2e-6);

    free(pd);
    mlpb_workspace_destroy(ws);
    mlpb_workspace_destroy(plain);
    free(x);
    free(y);
    free(p0);
    free(p1);
    mlpb_model_destroy(m);
}

static void test_split_nonfinite_in_any_part(void **state)
{
    (void)state;
    const size_t sizes[] = {128, 64, 1}, n = 40;
    mlpb_model *m = mlpbt_model(sizes, 3, 31);
    float x[40 * 128], y[40], prob[40], loss = 7.0f;
    mlpbt_fill_uniform(x, n * 128, -1, 1, 32);
    mlpbt_fill_labels(y, n, 33);
    mlpb_workspace *ws = split_ws(m, n, 2, NULL);
    /* A NaN in the first part's rows, then in the last part's: each is found
     * by the part that holds it. */
    for (size_t row = 0; row < n; row += n - 1) {
        const float keep = x[row * 128 + 2];
        x[row * 128 + 2] = NAN;
        assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, &loss), MLPB_E_NUMERIC);
        assert_int_equal(mlpb_predict(m, ws, x, n, prob), MLPB_E_NUMERIC);
        assert_int_equal(mlpb_loss(m, ws, x, y, n, NULL, &loss), MLPB_E_NUMERIC);
        x[row * 128 + 2] = keep;
    }
    assert_true(loss == 7.0f); /* untouched on failure */
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* The sum of the parts' gradient arenas, on one thread (small arenas) and
 * sliced across the team (large): every element summed in part order, and a
 * finite pair whose sum overflows found in any slice. */
static void check_sum(const size_t *sizes, int parts)
{
    mlpb_model *m = mlpbt_model(sizes, 3, 71);
    size_t np;
    mlpb_model_grads(m, &np);
    mlpb_workspace *ws = split_ws(m, 64, parts, NULL);
    float *dst = malloc(np * sizeof *dst), *want = malloc(np * sizeof *want);
    mlpbt_fill_uniform(dst, np, -1, 1, 72);
    for (int p = 1; p < parts; p++)
        mlpbt_fill_uniform(ws->split->grads[p], np, -1, 1, 72 + (uint64_t)p);
    for (size_t i = 0; i < np; i++) {
        want[i] = dst[i];
        for (int p = 1; p < parts; p++)
            want[i] += ws->split->grads[p][i];
    }
    assert_true(mlpb__split_sum(ws, dst));
    assert_memory_equal(dst, want, np * sizeof *dst);
    const size_t at[] = {0, np / 2, np - 1};
    for (size_t a = 0; a < 3; a++) {
        const float keep = ws->split->grads[parts - 1][at[a]];
        dst[at[a]] = FLT_MAX;
        ws->split->grads[parts - 1][at[a]] = FLT_MAX;
        assert_false(mlpb__split_sum(ws, dst));
        ws->split->grads[parts - 1][at[a]] = keep;
        memcpy(dst, want, np * sizeof *dst);
    }
    free(dst);
    free(want);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

static void test_split_sum_of_parts(void **state)
{
    (void)state;
    const size_t small[] = {28, 300, 1}, large[] = {256, 256, 5};
    check_sum(small, 2);
    check_sum(small, 3);
    check_sum(large, 2);
    check_sum(large, 3);
    check_sum(large, 4);
    size_t np;
    mlpb_model *m = mlpbt_model(large, 3, 1);
    mlpb_model_grads(m, &np);
    assert_true(np >= MLPB_SPLIT_TEAM_SUM); /* the sliced path is taken */
    mlpb_model_destroy(m);
}

/* mlpb_train_parallel's rule for threads 0, as its header says: side by
 * side from 2^10 multiply-adds of forward pass a row, else one at a time. */
static void test_split_parallel_rule(void **state)
{
    (void)state;
    const size_t iris[] = {4, 128, 3}, cancer[] = {30, 64, 1}, deep[] = {8, 16, 16, 16, 2};
    assert_int_equal(mlpb__parallel_threads(iris, 3, 4), 1);     /* 896 */
    assert_int_equal(mlpb__parallel_threads(cancer, 3, 4), 4);   /* 1,984 */
    assert_int_equal(mlpb__parallel_threads(cancer, 3, 1), 1);
    assert_int_equal(mlpb__parallel_threads(deep, 5, 2), 1);     /* 672 */
    const size_t at[] = {1, 512, 1}, below[] = {1, 511, 1};
    assert_int_equal(mlpb__parallel_threads(at, 3, 2), 2);       /* 1,024 */
    assert_int_equal(mlpb__parallel_threads(below, 3, 2), 1);    /* 1,022 */
}

/* MLPB_THREADING_AUTO's rule, as documented (docs/bench.md): with T >= 2
 * BLAS threads a training call splits in T parts when each gets at least 32
 * rows and 2^18 multiply-adds of forward pass, inference at 8 rows and
 * 2^17; with one thread never. */
static void test_split_auto_rule(void **state)
{
    (void)state;
    const size_t higgs[] = {28, 300, 1}, tiny[] = {32, 64, 1}, medium[] = {256, 512, 1};
    /* higgs: 8,700 multiply-adds a row. */
    assert_int_equal(mlpb__auto_parts(higgs, 3, 256, 1, true), 1);
    assert_int_equal(mlpb__auto_parts(higgs, 3, 32, 2, true), 1);  /* 16 rows a part */
    assert_int_equal(mlpb__auto_parts(higgs, 3, 63, 2, true), 1);  /* 31 */
    assert_int_equal(mlpb__auto_parts(higgs, 3, 64, 2, true), 2);  /* 32 x 8,700 >= 2^18 */
    assert_int_equal(mlpb__auto_parts(higgs, 3, 256, 2, true), 2);
    assert_int_equal(mlpb__auto_parts(higgs, 3, 31, 2, false), 1); /* 15 */
    assert_int_equal(mlpb__auto_parts(higgs, 3, 32, 2, false), 2); /* 16 x 8,700 >= 2^17 */
    /* tiny: 2,112 a row; 2^18 needs 125 rows a part, 2^17 63. */
    assert_int_equal(mlpb__auto_parts(tiny, 3, 64, 2, true), 1);
    assert_int_equal(mlpb__auto_parts(tiny, 3, 64, 2, false), 1);
    assert_int_equal(mlpb__auto_parts(tiny, 3, 249, 2, true), 1);
    assert_int_equal(mlpb__auto_parts(tiny, 3, 250, 2, true), 2);
    assert_int_equal(mlpb__auto_parts(tiny, 3, 125, 2, false), 1);
    assert_int_equal(mlpb__auto_parts(tiny, 3, 126, 2, false), 2);
    /* medium: 131,584 a row, so inference splits on rows alone: 8 a part. */
    assert_int_equal(mlpb__auto_parts(medium, 3, 15, 2, false), 1); /* 7 */
    assert_int_equal(mlpb__auto_parts(medium, 3, 16, 2, false), 2);
    assert_int_equal(mlpb__auto_parts(medium, 3, 32, 2, true), 1);  /* 16 */
    assert_int_equal(mlpb__auto_parts(medium, 3, 64, 2, true), 2);
    /* More threads: parts = threads, each block still needing its rows. */
    assert_int_equal(mlpb__auto_parts(medium, 3, 127, 4, true), 1);
    assert_int_equal(mlpb__auto_parts(medium, 3, 128, 4, true), 4);
    assert_int_equal(mlpb__auto_parts(medium, 3, 4096, 8, true), 8);
}

/* Train one step of `sizes` on n rows with a workspace in mode t (set with
 * `threads` BLAS threads); returns the gradient arena (malloc'd) and the
 * loss. */
static float *grads_in_mode(const size_t *sizes, size_t n, mlpb_threading t, int threads,
                            float *loss, size_t *np)
{
    mlpb_model *m = mlpbt_model(sizes, 3, 61);
    const size_t d = sizes[0];
    float *x = malloc(n * d * sizeof *x), *y = malloc(n * sizeof *y);
    mlpbt_fill_uniform(x, n * d, -2, 2, 62);
    mlpbt_fill_labels(y, n, 63);
    mlpb_workspace *ws = NULL;
    mlpb_blas_set_threads(threads);
    assert_int_equal(mlpb_workspace_create(m, n, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_threading(ws, t), MLPB_OK);
    mlpb_blas_set_threads(1);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, loss), MLPB_OK);
    const float *g = mlpb_model_grads(m, np);
    float *copy = malloc(*np * sizeof *copy);
    memcpy(copy, g, *np * sizeof *copy);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    free(x);
    free(y);
    return copy;
}

/* AUTO does what its rule says: where the rule splits, bitwise what SPLIT
 * gives with the same parts; where it does not, bitwise the unsplit
 * result; and the same bits call after call. A new workspace is AUTO. */
static void test_split_auto_follows_rule(void **state)
{
    (void)state;
    const size_t higgs[] = {28, 300, 1};
    const size_t batches[] = {32, 256};
    for (size_t i = 0; i < 2; i++) {
        const size_t n = batches[i];
        const bool splits = mlpb__auto_parts(higgs, 3, n, 2, true) == 2;
        assert_true(splits == (n == 256));
        size_t np;
        float la, lb, lr;
        float *a = grads_in_mode(higgs, n, MLPB_THREADING_AUTO, 2, &la, &np);
        float *b = grads_in_mode(higgs, n, MLPB_THREADING_AUTO, 2, &lb, &np);
        float *r = grads_in_mode(higgs, n, splits ? MLPB_THREADING_SPLIT
                                                  : MLPB_THREADING_SERIAL_SMALL, 2, &lr, &np);
        float *other = grads_in_mode(higgs, n, splits ? MLPB_THREADING_SERIAL_SMALL
                                                      : MLPB_THREADING_SPLIT, 2, &lr, &np);
        assert_memory_equal(a, b, np * sizeof *a);
        assert_true(la == lb);
        assert_memory_equal(a, r, np * sizeof *a);
        /* The comparison can fail: split and unsplit differ by rounding. */
        if (splits)
            assert_true(memcmp(a, other, np * sizeof *a) != 0);
        free(a);
        free(b);
        free(r);
        free(other);
    }
    /* The default mode of a new workspace is AUTO, set up for 2 parts. */
    mlpb_model *m = mlpbt_model(higgs, 3, 1);
    mlpb_workspace *ws = NULL;
    mlpb_blas_set_threads(2);
    assert_int_equal(mlpb_workspace_create(m, 256, NULL, &ws), MLPB_OK);
    mlpb_blas_set_threads(1);
    assert_int_equal(ws->threading, MLPB_THREADING_AUTO);
    assert_non_null(ws->split);
    assert_int_equal(mlpb__split_parts(ws, 256, true), 2);
    assert_int_equal(mlpb__split_parts(ws, 32, true), 1);
    assert_int_equal(mlpb__split_parts(ws, 32, false), 2);
    mlpb_workspace_destroy(ws);
    /* A workspace too small ever to split its rows, of a network whose
     * units do not split (two hidden layers), gets no team. */
    const size_t deep[] = {28, 300, 300, 1};
    mlpb_model_destroy(m);
    m = mlpbt_model(deep, 4, 1);
    mlpb_blas_set_threads(2);
    assert_int_equal(mlpb_workspace_create(m, 15, NULL, &ws), MLPB_OK); /* 7 rows a part */
    mlpb_blas_set_threads(1);
    assert_null(ws->split);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

static void test_split_modes_switch(void **state)
{
    (void)state;
    const size_t sizes[] = {128, 64, 2}, n = 50;
    mlpb_model *m = mlpbt_model(sizes, 3, 41);
    float x[50 * 128], y[50 * 2], la, lb;
    mlpbt_fill_uniform(x, n * 128, -1, 1, 42);
    mlpbt_fill_labels(y, n * 2, 43);
    mlpb_workspace *ws = split_ws(m, n, 2, NULL);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, &la), MLPB_OK);
    /* Back to unsplit, to 3 parts (the buffers regrow), to 1 BLAS thread
     * (a split of one part is no split), and split again. */
    assert_int_equal(mlpb_workspace_set_threading(ws, MLPB_THREADING_BLAS), MLPB_OK);
    assert_null(ws->split);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, &lb), MLPB_OK);
    mlpbt_assert_close(lb, la, 1e-6);
    mlpb_blas_set_threads(3);
    assert_int_equal(mlpb_workspace_set_threading(ws, MLPB_THREADING_SPLIT), MLPB_OK);
    mlpb_blas_set_threads(1);
    assert_non_null(ws->split);
    assert_int_equal(ws->split->parts, 3);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, &lb), MLPB_OK);
    mlpbt_assert_close(lb, la, 1e-6);
    assert_int_equal(mlpb_workspace_set_threading(ws, MLPB_THREADING_SPLIT), MLPB_OK);
    assert_null(ws->split);
    assert_int_equal(mlpb_workspace_set_threading(ws, (mlpb_threading)9), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_workspace_set_threading(NULL, MLPB_THREADING_SPLIT),
                     MLPB_E_INVALID_ARG);
    mlpb_workspace_destroy(ws);
    /* Parts are capped by max_batch. */
    ws = split_ws(m, 2, 4, NULL);
    assert_int_equal(ws->split->parts, 2);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

static void test_split_out_of_memory(void **state)
{
    (void)state;
    const size_t sizes[] = {6, 10, 10, 2}, n = 33;
    mlpb_model *m = mlpbt_model(sizes, 4, 51);
    float x[33 * 6], y[33 * 2], want, got;
    mlpbt_fill_uniform(x, n * 6, -1, 1, 52);
    mlpbt_fill_labels(y, n * 2, 53);
    mlpb_workspace *plain = NULL;
    assert_int_equal(mlpb_workspace_create(m, n, NULL, &plain), MLPB_OK);
    assert_int_equal(mlpb_loss_grad(m, plain, x, y, n, &want), MLPB_OK);
    mlpb_workspace_destroy(plain);

    /* Fail each allocation of setting up 3 parts in turn: MLPB_E_NOMEM, the
     * workspace still works unsplit, and nothing leaks. */
    bool done = false;
    for (size_t fail_at = 0; !done; fail_at++) {
        mlpbt_counter c;
        const mlpb_allocator a = mlpbt_counting_allocator(&c);
        mlpb_workspace *ws = NULL;
        assert_int_equal(mlpb_workspace_create(m, n, &a, &ws), MLPB_OK);
        c.fail_at = c.calls + fail_at;
        mlpb_blas_set_threads(3);
        const mlpb_status st = mlpb_workspace_set_threading(ws, MLPB_THREADING_SPLIT);
        mlpb_blas_set_threads(1);
        if (st == MLPB_OK) {
            done = true;
            assert_true(fail_at >= 3); /* split block, 2 gradient arenas, team, buffers */
        } else {
            assert_int_equal(st, MLPB_E_NOMEM);
            assert_null(ws->split);
        }
        c.fail_at = SIZE_MAX;
        assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, &got), MLPB_OK);
        mlpbt_assert_close(got, want, 1e-6);
        mlpb_workspace_destroy(ws);
        assert_int_equal(c.live, 0);
    }
    mlpb_model_destroy(m);
}

/* --------------------------------------------------------------- team */
typedef struct count_job {
    size_t runs[8];
} count_job;

static void count_part(void *ctx, size_t part)
{
    ((count_job *)ctx)->runs[part]++;
}

/* The last part naps, so that the caller runs out of polls and waits
 * asleep for it. */
static void count_part_slow_last(void *ctx, size_t part)
{
    if (part == 3) {
        const struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    count_part(ctx, part);
}

static void test_split_team_runs_each_part_once(void **state)
{
    (void)state;
    const mlpb_allocator a = mlpb__allocator(NULL);
    mlpb_team *t = NULL;
    assert_int_equal(mlpb__team_create(&a, 1, &t), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb__team_create(&a, 4, &t), MLPB_OK);
    assert_int_equal(mlpb__team_size(t), 4);
    count_job j;
    memset(&j, 0, sizeof j);
    /* Back to back (helpers spinning), then with pauses long enough for the
     * helpers to block and be woken, then with a part long enough for the
     * caller to block until it is done. */
    for (int i = 0; i < 2000; i++)
        mlpb__team_run(t, count_part, &j);
    const struct timespec pause = {0, 5 * 1000 * 1000};
    for (int i = 0; i < 10; i++) {
        nanosleep(&pause, NULL);
        mlpb__team_run(t, count_part, &j);
    }
    for (int i = 0; i < 10; i++) {
        mlpb__team_run(t, count_part_slow_last, &j);
        mlpb__team_run(t, count_part, &j); /* right after a wait asleep */
    }
    for (size_t p = 0; p < 4; p++)
        assert_int_equal(j.runs[p], 2030);
    for (size_t p = 4; p < 8; p++)
        assert_int_equal(j.runs[p], 0);
    mlpb__team_destroy(t);
    mlpb__team_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_grad_one_hidden),
        cmocka_unit_test(test_split_grad_uneven_rows),
        cmocka_unit_test(test_split_grad_deep_weighted_standardized),
        cmocka_unit_test(test_split_small_batches_run_unsplit),
        cmocka_unit_test(test_split_which_calls_split),
        cmocka_unit_test(test_split_predict_and_loss),
        cmocka_unit_test(test_split_nonfinite_in_any_part),
        cmocka_unit_test(test_split_sum_of_parts),
        cmocka_unit_test(test_split_auto_rule),
        cmocka_unit_test(test_split_parallel_rule),
        cmocka_unit_test(test_split_auto_follows_rule),
        cmocka_unit_test(test_split_modes_switch),
        cmocka_unit_test(test_split_out_of_memory),
        cmocka_unit_test(test_split_team_runs_each_part_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
