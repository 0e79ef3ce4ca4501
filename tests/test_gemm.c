/* test_gemm.c -- the fp32 backends (mlpb_workspace_set_gemm): the API's
 * contract, MLPB_GEMM_AUTO's rule, oneDNN's gradients and predictions
 * against BLAS's and the double-precision reference in every threading
 * mode, determinism, the trainer's option, and that oneDNN is loaded only
 * when asked for. Without oneDNN the oneDNN
 * cases check that MLPB_GEMM_ONEDNN is refused and are reported skipped. */
#include "kernels.h"
#include "mlpb_internal.h"
#include "testutil.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether a library whose file name has `name` is mapped into this process
 * (-1: /proc/self/maps cannot be read). */
static int mapped(const char *name)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL)
        return -1;
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, name) != NULL;
    fclose(f);
    return found;
}

/* oneDNN is loaded on first use, not with the library: a training on the
 * BLAS leaves it out of the process; asking whether it is there loads it
 * where it is. Runs first, before any other test touches oneDNN. */
static void test_dnnl_loaded_on_demand(void **state)
{
    (void)state;
    if (mapped("libdnnl") < 0)
        skip();
    assert_int_equal(mapped("libdnnl"), 0);
    if (!mlpb__blas_fallback()) { /* else AUTO itself asks for oneDNN */
        const size_t sizes[] = {3, 4, 2};
        mlpb_model *m = mlpbt_model(sizes, 3, 1);
        mlpb_workspace *ws;
        assert_int_equal(mlpb_workspace_create(m, 8, NULL, &ws), MLPB_OK);
        float x[8 * 3], y[8 * 2], loss;
        for (size_t i = 0; i < 8 * 3; i++)
            x[i] = (float)i / 24.0f;
        for (size_t i = 0; i < 8 * 2; i++)
            y[i] = (float)(i % 2);
        assert_int_equal(mlpb_loss_grad(m, ws, x, y, 8, &loss), MLPB_OK);
        assert_int_equal(mlpb_workspace_gemm(ws), MLPB_GEMM_BLAS);
        assert_int_equal(mapped("libdnnl"), 0);
        mlpb_workspace_destroy(ws);
        mlpb_model_destroy(m);
    }
    printf("oneDNN %s\n", mlpb__dnnl_built() ? "loaded on request" : "not available");
    assert_int_equal(mapped("libdnnl"), mlpb__dnnl_built() ? 1 : 0);
}

static void test_gemm_api(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 4, 2};
    mlpb_model *m = mlpbt_model(sizes, 3, 1);
    mlpb_workspace *ws;
    assert_int_equal(mlpb_workspace_create(m, 8, NULL, &ws), MLPB_OK);
    /* A new workspace runs what AUTO resolves to. */
    assert_int_equal(mlpb_workspace_gemm(ws), mlpb_gemm_auto());
    assert_int_equal(mlpb_workspace_set_gemm(NULL, MLPB_GEMM_BLAS), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_workspace_set_gemm(ws, (mlpb_gemm)3), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_workspace_set_gemm(ws, MLPB_GEMM_BLAS), MLPB_OK);
    assert_int_equal(mlpb_workspace_gemm(ws), MLPB_GEMM_BLAS);
    if (mlpb__dnnl_built()) {
        assert_int_equal(mlpb_workspace_set_gemm(ws, MLPB_GEMM_ONEDNN), MLPB_OK);
        assert_int_equal(mlpb_workspace_gemm(ws), MLPB_GEMM_ONEDNN);
    } else {
        /* Refused, and the workspace keeps its backend. */
        assert_int_equal(mlpb_workspace_set_gemm(ws, MLPB_GEMM_ONEDNN), MLPB_E_UNSUPPORTED);
        assert_int_equal(mlpb_workspace_gemm(ws), MLPB_GEMM_BLAS);
    }
    assert_int_equal(mlpb_workspace_set_gemm(ws, MLPB_GEMM_AUTO), MLPB_OK);
    assert_int_equal(mlpb_workspace_gemm(ws), mlpb_gemm_auto());
    assert_int_equal(mlpb_workspace_gemm(NULL), MLPB_GEMM_BLAS);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* AUTO is oneDNN exactly where it is built and the BLAS fell back to kernels
 * without AVX2 on a CPU with AVX2 and FMA. */
static void test_gemm_auto_rule(void **state)
{
    (void)state;
    const bool fallback = mlpb__blas_fallback();
    printf("BLAS: %s; CPU avx2+fma: %d; BLAS fell back: %d; oneDNN built: %d; auto: %s\n",
           openblas_get_corename(),
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), fallback,
           mlpb__dnnl_built(), mlpb_gemm_auto() == MLPB_GEMM_ONEDNN ? "onednn" : "blas");
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
        assert_false(fallback);
    assert_int_equal(mlpb_gemm_auto(),
                     mlpb__dnnl_built() && fallback ? MLPB_GEMM_ONEDNN : MLPB_GEMM_BLAS);
}

typedef struct run {
    float  loss;
    float *grads; /* n_params */
    float *prob;  /* n x k */
} run;

/* loss_grad and predict on one workspace set to (gemm, threading). */
static mlpb_status run_once(mlpb_model *m, size_t n, const float *x, const float *y,
                            mlpb_gemm g, mlpb_threading t, run *out)
{
    size_t np, k = mlpb_model_n_outputs(m);
    mlpb_workspace *ws;
    assert_int_equal(mlpb_workspace_create(m, n, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_threading(ws, t), MLPB_OK);
    const mlpb_status st = mlpb_workspace_set_gemm(ws, g);
    if (st == MLPB_OK) {
        assert_int_equal(mlpb_loss_grad(m, ws, x, y, n, &out->loss), MLPB_OK);
        const float *gr = mlpb_model_grads(m, &np);
        out->grads = malloc(np * sizeof(float));
        out->prob = malloc(n * k * sizeof(float));
        assert_non_null(out->grads);
        assert_non_null(out->prob);
        memcpy(out->grads, gr, np * sizeof(float));
        assert_int_equal(mlpb_predict(m, ws, x, n, out->prob), MLPB_OK);
    }
    mlpb_workspace_destroy(ws);
    return st;
}

static void run_free(run *r)
{
    free(r->grads);
    free(r->prob);
}

/* oneDNN's gradients and probabilities against BLAS's (fp32 rounding of
 * different summation orders: relative to the largest gradient, 1e-5), the
 * loss against the double-precision reference, and two oneDNN runs against
 * each other bit for bit. */
static void test_gemm_onednn_matches_blas(void **state)
{
    (void)state;
    if (!mlpb__dnnl_built()) {
        skip();
        return;
    }
    static const size_t s1[] = {3, 4, 2}, s2[] = {300, 64, 32, 5}, s3[] = {28, 300, 1};
    static const struct {
        const size_t *sizes;
        size_t n_sizes, n;
    } cases[] = {{s1, 3, 7}, {s2, 4, 37}, {s3, 3, 256}, {s3, 3, 1}, {s2, 4, 3}};
    static const mlpb_threading modes[] = {MLPB_THREADING_AUTO, MLPB_THREADING_BLAS,
                                           MLPB_THREADING_SERIAL_SMALL, MLPB_THREADING_SPLIT};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const size_t d = cases[c].sizes[0], n = cases[c].n;
        const size_t k = cases[c].sizes[cases[c].n_sizes - 1];
        mlpb_model *m = mlpbt_model(cases[c].sizes, cases[c].n_sizes, 7 + c);
        float *x = malloc(n * d * sizeof(float)), *y = malloc(n * k * sizeof(float));
        assert_non_null(x);
        assert_non_null(y);
        mlpbt_fill_uniform(x, n * d, -2.0f, 2.0f, 11 + c);
        mlpbt_fill_labels(y, n * k, 13 + c);
        double *p = mlpbt_params_double(m);
        const mlpbt_net net = {cases[c].sizes, cases[c].n_sizes, p, NULL, NULL};
        const double ref = mlpbt_ref_loss(&net, x, y, n, NULL, NULL);
        size_t np;
        (void)mlpb_model_params(m, &np);
        for (size_t t = 0; t < sizeof modes / sizeof modes[0]; t++) {
            run b, o, o2;
            assert_int_equal(run_once(m, n, x, y, MLPB_GEMM_BLAS, modes[t], &b), MLPB_OK);
            assert_int_equal(run_once(m, n, x, y, MLPB_GEMM_ONEDNN, modes[t], &o), MLPB_OK);
            assert_int_equal(run_once(m, n, x, y, MLPB_GEMM_ONEDNN, modes[t], &o2), MLPB_OK);
            double gmax = 0.0, gdiff = 0.0, pdiff = 0.0;
            for (size_t i = 0; i < np; i++) {
                gmax = fmax(gmax, fabs((double)b.grads[i]));
                gdiff = fmax(gdiff, fabs((double)b.grads[i] - (double)o.grads[i]));
            }
            for (size_t i = 0; i < n * k; i++)
                pdiff = fmax(pdiff, fabs((double)b.prob[i] - (double)o.prob[i]));
            printf("sizes[0]=%zu layers=%zu n=%zu mode %d: max |g_onednn - g_blas| / max |g| "
                   "%.2e, max |p diff| %.2e, loss %.9g (blas %.9g, double %.9g)\n",
                   d, cases[c].n_sizes - 1, n, (int)modes[t], gdiff / gmax, pdiff, (double)o.loss,
                   (double)b.loss, ref);
            assert_true(gdiff <= 1e-5 * gmax);
            assert_true(pdiff <= 1e-6);
            assert_true(fabs((double)o.loss - ref) <= 1e-5 * fmax(1.0, ref));
            assert_memory_equal(o.grads, o2.grads, np * sizeof(float));
            assert_memory_equal(o.prob, o2.prob, n * k * sizeof(float));
            run_free(&b);
            run_free(&o);
            run_free(&o2);
        }
        free(p);
        free(x);
        free(y);
        mlpb_model_destroy(m);
    }
}

/* mlpb_train takes the backend as an option: an unknown one is refused
 * before anything is allocated, oneDNN is refused where it is not built, and
 * the two backends reach the same loss on the same data up to rounding. */
static void test_gemm_train_option(void **state)
{
    (void)state;
    const size_t sizes[] = {8, 16, 1}, n = 200, d = 8;
    float *x = malloc(n * d * sizeof(float)), *y = malloc(n * sizeof(float));
    assert_non_null(x);
    assert_non_null(y);
    mlpbt_fill_uniform(x, n * d, -1.0f, 1.0f, 5);
    for (size_t i = 0; i < n; i++)
        y[i] = x[i * d] + x[i * d + 1] > 0.0f ? 1.0f : 0.0f;
    const mlpb_dataset ds = {x, y, NULL, n};
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.epochs = 20;
    o.seed = 3;
    mlpb_train_report rep;
    mlpb_model *m = mlpbt_model(sizes, 3, 2);
    o.gemm = (mlpb_gemm)9;
    assert_int_equal(mlpb_train(m, &ds, NULL, &o, NULL, &rep), MLPB_E_INVALID_ARG);
    double loss[2];
    for (int g = 0; g < 2; g++) {
        mlpb_model *mm = mlpbt_model(sizes, 3, 2);
        o.gemm = g == 0 ? MLPB_GEMM_BLAS : MLPB_GEMM_ONEDNN;
        const mlpb_status st = mlpb_train(mm, &ds, NULL, &o, NULL, &rep);
        if (g == 1 && !mlpb__dnnl_built()) {
            assert_int_equal(st, MLPB_E_UNSUPPORTED);
            loss[1] = loss[0];
        } else {
            assert_int_equal(st, MLPB_OK);
            loss[g] = rep.last.train_loss;
        }
        mlpb_model_destroy(mm);
    }
    printf("train loss after 20 epochs: blas %.7f, onednn %.7f\n", loss[0], loss[1]);
    assert_true(loss[0] < 0.65); /* below chance, log 2 */
    assert_true(fabs(loss[0] - loss[1]) <= 1e-3 * loss[0]);
    mlpb_model_destroy(m);
    free(x);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dnnl_loaded_on_demand),
        cmocka_unit_test(test_gemm_api),
        cmocka_unit_test(test_gemm_auto_rule),
        cmocka_unit_test(test_gemm_onednn_matches_blas),
        cmocka_unit_test(test_gemm_train_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
