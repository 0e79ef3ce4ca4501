/* test_ensemble.c -- mlpb_model_merge against the members it merges (double
 * references with bounds derived from float rounding, testutil.h), and
 * mlpb_train_ensemble against the trainings it is made of. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Member i of an ensemble: random weights, its own standardisation (or none
 * for i == 2, to be folded onto the first's). */
static mlpb_model *member(const size_t *sizes, size_t ns, size_t i, const float *x, size_t n)
{
    mlpb_model *m = mlpbt_model(sizes, ns, 100 + i);
    if (i != 2) {
        /* Each member fits its own rows: a different mean and std. */
        const size_t d = sizes[0], from = i * 7 % (n / 2);
        assert_int_equal(mlpb_model_fit_standardization(m, x + from * d, n / 2), MLPB_OK);
    }
    return m;
}

/* The merged model's logits are the mean of its members' within the float
 * evaluations' bounds: each member's reference bound, averaged, plus the
 * merged network's own (which also covers its weights' rounding when they
 * were folded or divided: a relative u on each weight moves a logit by at
 * most u sum |w h|, below the g(in + 1) sum |w h| of that bound). */
static void check_merge(const size_t *sizes, size_t ns, size_t n_members)
{
    enum { N = 40 };
    const size_t d = sizes[0], k = sizes[ns - 1];
    float *x = malloc(N * d * sizeof *x);
    mlpbt_fill_uniform(x, N * d, -3.0f, 5.0f, 17);
    mlpb_model *mm[4];
    double *zsum = calloc(N * k, sizeof *zsum), *esum = calloc(N * k, sizeof *esum);
    double *z = malloc(N * k * sizeof *z), *e = malloc(N * k * sizeof *e);
    for (size_t i = 0; i < n_members; i++) {
        mm[i] = member(sizes, ns, i, x, N);
        double *p = mlpbt_params_double(mm[i]);
        double mean[16], sd[16];
        const float *fm = mlpb_model_mean(mm[i]), *fs = mlpb_model_std(mm[i]);
        for (size_t j = 0; j < d && fm != NULL; j++) {
            mean[j] = (double)fm[j];
            sd[j] = (double)fs[j];
        }
        const mlpbt_net net = {sizes, ns, p, fm ? mean : NULL, fm ? sd : NULL};
        mlpbt_ref_logits_bound(&net, x, N, z, e);
        for (size_t t = 0; t < N * k; t++) {
            zsum[t] += z[t];
            esum[t] += e[t];
        }
        free(p);
    }
    mlpb_model *m = NULL;
    assert_int_equal(mlpb_model_merge((const mlpb_model *const *)mm, n_members, &m), MLPB_OK);
    size_t nsm;
    const size_t *sm = mlpb_model_sizes(m, &nsm);
    assert_int_equal(nsm, ns);
    for (size_t l = 1; l + 1 < ns; l++)
        assert_int_equal(sm[l], n_members * sizes[l]);
    /* The merged network in double, and its bound. */
    double *p = mlpbt_params_double(m);
    double mean[16], sd[16];
    const float *fm = mlpb_model_mean(m), *fs = mlpb_model_std(m);
    assert_non_null(fm);
    for (size_t j = 0; j < d; j++) {
        mean[j] = (double)fm[j];
        sd[j] = (double)fs[j];
    }
    const mlpbt_net net = {sm, nsm, p, mean, sd};
    mlpbt_ref_logits_bound(&net, x, N, z, e);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, N, NULL, &ws), MLPB_OK);
    float *got = malloc(N * k * sizeof *got);
    assert_int_equal(mlpb_predict_logits(m, ws, x, N, got), MLPB_OK);
    for (size_t t = 0; t < N * k; t++) {
        const double want = zsum[t] / (double)n_members;
        const double tol = esum[t] / (double)n_members + 2.0 * e[t];
        if (!(fabs((double)got[t] - want) <= tol))
            fail_msg("logit %zu: merged %.9g, mean of members %.9g, bound %.3g", t,
                     (double)got[t], want, tol);
    }
    free(got);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    free(p);
    for (size_t i = 0; i < n_members; i++)
        mlpb_model_destroy(mm[i]);
    free(x);
    free(zsum);
    free(esum);
    free(z);
    free(e);
}

static void test_merge_one_hidden_layer(void **state)
{
    (void)state;
    const size_t sizes[] = {5, 7, 3};
    check_merge(sizes, 3, 1);
    check_merge(sizes, 3, 3);
}

static void test_merge_deep(void **state)
{
    (void)state;
    const size_t sizes[] = {4, 6, 5, 2};
    check_merge(sizes, 4, 4);
}

static void test_merge_refusals(void **state)
{
    (void)state;
    const size_t a[] = {4, 6, 1}, b[] = {4, 5, 1};
    mlpb_model *ma = mlpbt_model(a, 3, 1), *mb = mlpbt_model(b, 3, 2), *out = NULL;
    const mlpb_model *pair[2] = {ma, mb};
    assert_int_equal(mlpb_model_merge(pair, 2, &out), MLPB_E_MISMATCH);
    assert_null(out);
    assert_int_equal(mlpb_model_merge(pair, 0, &out), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_merge(NULL, 1, &out), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_merge(pair, 1, NULL), MLPB_E_INVALID_ARG);
    mlpb_model_destroy(ma);
    mlpb_model_destroy(mb);
}

/* mlpb_train_ensemble is its members' trainings, merged: member i equals
 * mlpb_train with mlpb_ensemble_member's seeds and split phases, bit for
 * bit; member 0 and an ensemble of one are the plain run; nearby seeds share
 * no member. (How the phases spread the held-out rows: test_val_split.) */
static void test_train_ensemble(void **state)
{
    (void)state;
    enum { N = 150, D = 4, M = 3 };
    float x[N * D], y[N];
    mlpbt_fill_uniform(x, N * D, -1.0f, 1.0f, 5);
    for (size_t i = 0; i < N; i++)
        y[i] = x[i * D] + 0.5f * x[i * D + 1] > 0.1f ? 1.0f : 0.0f;
    const size_t sizes[] = {D, 8, 1};
    const mlpb_config cfg = {sizes, 3, 21, MLPB_INIT_FAN_IN};
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.epochs = 12;
    o.seed = 4;
    const mlpb_dataset tr = {x, y, NULL, N};
    mlpb_model *ens = NULL, *one = NULL;
    mlpb_train_report rep[M];
    assert_int_equal(mlpb_train_ensemble(&cfg, M, &tr, NULL, &o, NULL, &ens, rep), MLPB_OK);
    mlpb_model *mm[M];
    for (size_t i = 0; i < M; i++) {
        mlpb_config c;
        mlpb_train_opts oi;
        assert_int_equal(mlpb_ensemble_member(&cfg, &o, i, &c, &oi), MLPB_OK);
        /* What the header says member i is: seeds i Weyl steps on. */
        const uint64_t step = 0x9E3779B97F4A7C15u;
        assert_true(oi.seed == o.seed + i * step && c.seed == cfg.seed + i * step);
        /* Its split: member 0's, the others that shuffle at phase
         * frac(1/2 + i / golden ratio). */
        if (i == 0) {
            assert_true(oi.split_phase == 0.0 && oi.split_seed == 0);
        } else {
            const double h = fmod(0.5 + (double)i * 0.6180339887498949, 1.0);
            assert_true(oi.split_seed == o.seed && fabs(oi.split_phase - h) < 1e-12);
        }
        assert_true(oi.epochs == o.epochs && oi.val_fraction == o.val_fraction &&
                    oi.refit == o.refit && c.sizes == cfg.sizes && c.init == cfg.init);
        /* The ensemble of seed + 1 has none of these members. */
        for (size_t j = 0; j < M; j++) {
            mlpb_train_opts o1 = o, oj;
            mlpb_config cj;
            o1.seed = o.seed + 1;
            assert_int_equal(mlpb_ensemble_member(&cfg, &o1, j, &cj, &oj), MLPB_OK);
            assert_true(oj.seed != oi.seed);
        }
        assert_int_equal(mlpb_model_create(&c, NULL, &mm[i]), MLPB_OK);
        mlpb_train_report r;
        /* Members after the first train side by side, each on one BLAS
         * thread (mlpb_train_parallel). */
        const int keep = mlpb_blas_threads();
        if (i > 0)
            mlpb_blas_set_threads(1);
        assert_int_equal(mlpb_train(mm[i], &tr, NULL, &oi, NULL, &r), MLPB_OK);
        mlpb_blas_set_threads(keep);
        assert_int_equal(r.best_epoch, rep[i].best_epoch);
        assert_int_equal(r.refit_epochs, rep[i].refit_epochs);
    }
    mlpb_model *byhand = NULL;
    assert_int_equal(mlpb_model_merge((const mlpb_model *const *)mm, M, &byhand), MLPB_OK);
    size_t n1, n2;
    const float *p1 = mlpb_model_params(ens, &n1), *p2 = mlpb_model_params(byhand, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(p1, p2, n1 * sizeof *p1);
    /* One member: the plain run's model. */
    assert_int_equal(mlpb_train_ensemble(&cfg, 1, &tr, NULL, &o, NULL, &one, NULL), MLPB_OK);
    p1 = mlpb_model_params(one, &n1);
    p2 = mlpb_model_params(mm[0], &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(p1, p2, n1 * sizeof *p1);
    assert_memory_equal(mlpb_model_mean(one), mlpb_model_mean(mm[0]), D * sizeof(float));
    for (size_t i = 0; i < M; i++)
        mlpb_model_destroy(mm[i]);
    mlpb_model_destroy(byhand);
    mlpb_model_destroy(one);
    mlpb_model_destroy(ens);
    /* Refusals. */
    assert_int_equal(mlpb_train_ensemble(&cfg, 0, &tr, NULL, &o, NULL, &ens, NULL),
                     MLPB_E_INVALID_ARG);
    assert_null(ens);
    mlpb_config c;
    mlpb_train_opts oi;
    assert_int_equal(mlpb_ensemble_member(NULL, &o, 0, &c, &oi), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_ensemble_member(&cfg, NULL, 0, &c, &oi), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_ensemble_member(&cfg, &o, 0, NULL, &oi), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_ensemble_member(&cfg, &o, 0, &c, NULL), MLPB_E_INVALID_ARG);
}

/* Data of test_train_parallel: a noisy linear rule on D inputs. */
enum { PN = 120, PD = 5, PM = 5 };

static void parallel_data(float *x, float *y)
{
    mlpbt_fill_uniform(x, PN * PD, -1.0f, 1.0f, 8);
    for (size_t i = 0; i < PN; i++)
        y[i] = x[i * PD] - 0.7f * x[i * PD + 2] + 0.3f * x[i * PD + 4] > 0.0f ? 1.0f : 0.0f;
}

/* PM models of sizes with options differing in seed, epochs and refit. */
static void parallel_models(const size_t *sizes, mlpb_model **mm, mlpb_train_opts *oo)
{
    for (size_t i = 0; i < PM; i++) {
        const mlpb_config cfg = {sizes, 3, 100 + i, MLPB_INIT_FAN_IN};
        assert_int_equal(mlpb_model_create(&cfg, NULL, &mm[i]), MLPB_OK);
        mlpb_train_opts_default(&oo[i]);
        oo[i].epochs = 6 + 3 * i;
        oo[i].seed = 7 * i + 1;
        oo[i].refit = (int)(i % 2);
    }
}

/* mlpb_train_parallel trains each model as mlpb_train does on one BLAS
 * thread, bit for bit, whatever the thread count asked for (1, 3, more than
 * the models); it restores the BLAS thread count; a failing model is
 * reported in order while the others are still trained. */
static void test_train_parallel(void **state)
{
    (void)state;
    float x[PN * PD], y[PN];
    parallel_data(x, y);
    const mlpb_dataset tr = {x, y, NULL, PN};
    const size_t sizes[] = {PD, 16, 1};
    const int keep = mlpb_blas_threads();
    mlpb_model *ref[PM];
    mlpb_train_opts oo[PM];
    mlpb_train_report rref[PM];
    parallel_models(sizes, ref, oo);
    mlpb_blas_set_threads(1);
    for (size_t i = 0; i < PM; i++)
        assert_int_equal(mlpb_train(ref[i], &tr, NULL, &oo[i], NULL, &rref[i]), MLPB_OK);
    mlpb_blas_set_threads(keep);
    const size_t asked[] = {1, 3, 0, 2 * PM};
    for (size_t a = 0; a < sizeof asked / sizeof asked[0]; a++) {
        mlpb_model *mm[PM];
        mlpb_train_report rep[PM];
        parallel_models(sizes, mm, oo);
        if (asked[a] == 1)
            mlpb_blas_set_threads(1); /* one thread: on the BLAS threads as set */
        assert_int_equal(mlpb_train_parallel(mm, PM, &tr, NULL, oo, asked[a], NULL, rep), MLPB_OK);
        assert_int_equal(mlpb_blas_threads(), asked[a] == 1 ? 1 : keep);
        mlpb_blas_set_threads(keep);
        for (size_t i = 0; i < PM; i++) {
            size_t n1, n2;
            const float *p1 = mlpb_model_params(mm[i], &n1), *p2 = mlpb_model_params(ref[i], &n2);
            assert_int_equal(n1, n2);
            assert_memory_equal(p1, p2, n1 * sizeof *p1);
            assert_int_equal(rep[i].epochs_run, rref[i].epochs_run);
            assert_int_equal(rep[i].best_epoch, rref[i].best_epoch);
            assert_int_equal(rep[i].refit_epochs, rref[i].refit_epochs);
            mlpb_model_destroy(mm[i]);
        }
    }
    /* Model 1 refused (no epochs): its status; the others trained as before. */
    mlpb_model *mm[PM];
    mlpb_train_report rep[PM];
    parallel_models(sizes, mm, oo);
    oo[1].epochs = 0;
    memset(rep, 0, sizeof rep);
    assert_int_equal(mlpb_train_parallel(mm, PM, &tr, NULL, oo, 2, NULL, rep),
                     MLPB_E_INVALID_ARG);
    for (size_t i = 0; i < PM; i++) {
        size_t n1, n2;
        const float *p1 = mlpb_model_params(mm[i], &n1), *p2 = mlpb_model_params(ref[i], &n2);
        if (i != 1)
            assert_memory_equal(p1, p2, n1 * sizeof *p1);
        assert_int_equal(rep[i].epochs_run, i == 1 ? 0 : rref[i].epochs_run);
        mlpb_model_destroy(mm[i]);
        mlpb_model_destroy(ref[i]);
    }
    assert_int_equal(mlpb_train_parallel(NULL, PM, &tr, NULL, oo, 2, NULL, NULL),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_train_parallel(mm, 0, &tr, NULL, oo, 2, NULL, NULL),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_blas_threads(), keep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_one_hidden_layer),
        cmocka_unit_test(test_merge_deep),
        cmocka_unit_test(test_merge_refusals),
        cmocka_unit_test(test_train_ensemble),
        cmocka_unit_test(test_train_parallel),
    };
    return cmocka_run_group_tests_name("ensemble", tests, NULL, NULL);
}
