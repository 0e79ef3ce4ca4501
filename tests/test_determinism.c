/* test_determinism.c -- reproducibility of training: the same seed gives
 * bitwise-identical models run after run, and two trainings running at once
 * in two threads give exactly what they give one after the other (no shared
 * mutable state). With --save PATH the program trains one fixed model and
 * saves it, so that a script can compare the files of two processes
 * (tests/determinism.sh). */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 1200, D = 24, K = 3 };
static const size_t sizes[] = {D, 128, 96, K};

/* One seeded training job: data from the seed, a model from the seed, the
 * trainer with validation split, standardisation, weights and Adam. */
typedef struct job {
    uint64_t seed;
    mlpb_optimizer kind;
    size_t epochs;
    mlpb_threading threading;
    mlpb_model *m;
    mlpb_train_report report;
    mlpb_status st;
} job;

static job make_job(uint64_t seed, mlpb_optimizer kind, size_t epochs)
{
    job j;
    memset(&j, 0, sizeof j);
    j.seed = seed;
    j.kind = kind;
    j.epochs = epochs;
    j.threading = MLPB_THREADING_AUTO;
    return j;
}

static void *run_job(void *arg)
{
    job *j = arg;
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * K * sizeof *y);
    float *sw = malloc(N * sizeof *sw);
    j->st = MLPB_E_NOMEM;
    j->m = NULL;
    if (x != NULL && y != NULL && sw != NULL) {
        mlpbt_fill_uniform(x, N * D, -2.0f, 2.0f, j->seed + 1);
        mlpbt_fill_labels(y, N * K, j->seed + 2);
        mlpbt_fill_uniform(sw, N, 0.5f, 1.5f, j->seed + 3);
        const mlpb_config cfg = {sizes, 4, j->seed, MLPB_INIT_ORTHOGONAL};
        j->st = mlpb_model_create(&cfg, NULL, &j->m);
    }
    if (j->st == MLPB_OK) {
        const mlpb_dataset ds = {x, y, sw, N};
        mlpb_train_opts o;
        mlpb_train_opts_default(&o);
        o.epochs = j->epochs;
        o.batch_size = 256;
        o.optim.kind = j->kind;
        o.optim.lr = j->kind == MLPB_OPT_SGD ? 0.05f : 1e-3f;
        o.optim.clip_norm = 5.0f;
        o.val_fraction = 0.2f;
        o.patience = 0;
        o.seed = j->seed + 4;
        o.threading = j->threading;
        j->st = mlpb_train(j->m, &ds, NULL, &o, NULL, &j->report);
    }
    free(x);
    free(y);
    free(sw);
    return NULL;
}

static void assert_same_training(const job *a, const job *b)
{
    assert_int_equal(a->st, MLPB_OK);
    assert_int_equal(b->st, MLPB_OK);
    size_t na, nb;
    const float *pa = mlpb_model_params(a->m, &na), *pb = mlpb_model_params(b->m, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(pa, pb, na * sizeof *pa);
    assert_memory_equal(mlpb_model_mean(a->m), mlpb_model_mean(b->m), D * sizeof(float));
    assert_memory_equal(mlpb_model_std(a->m), mlpb_model_std(b->m), D * sizeof(float));
    /* The reports agree too, except for wall-clock fields. */
    assert_int_equal(a->report.epochs_run, b->report.epochs_run);
    assert_int_equal(a->report.best_epoch, b->report.best_epoch);
    assert_memory_equal(&a->report.best_val_loss, &b->report.best_val_loss, sizeof(double));
    assert_memory_equal(&a->report.last.train_loss, &b->report.last.train_loss, sizeof(double));
    assert_memory_equal(&a->report.last.val_loss, &b->report.last.val_loss, sizeof(double));
    assert_memory_equal(&a->report.last.val.auc, &b->report.last.val.auc, sizeof(double));
}

static void test_determinism_same_seed_same_model(void **state)
{
    (void)state;
    job a = make_job(11, MLPB_OPT_ADAM, 4);
    job b = a, c = a;
    c.seed = 12;
    run_job(&a);
    run_job(&b);
    run_job(&c);
    assert_same_training(&a, &b);
    /* A different seed gives a different model: the comparison can fail. */
    assert_int_equal(c.st, MLPB_OK);
    size_t n;
    const float *pa = mlpb_model_params(a.m, &n);
    assert_true(memcmp(pa, mlpb_model_params(c.m, NULL), n * sizeof *pa) != 0);
    mlpb_model_destroy(a.m);
    mlpb_model_destroy(b.m);
    mlpb_model_destroy(c.m);
}

/* Two trainers at once (different seeds and optimisers) equal the same two
 * one after the other. With more than one BLAS thread only
 * MLPB_THREADING_BLAS promises that: the other modes change the process's
 * BLAS thread count during their calls, which the other trainer would read
 * (mlpblas.h). With one BLAS thread the default mode qualifies too. */
static void two_trainers_in_threads(mlpb_threading threading)
{
    job serial[2] = {make_job(21, MLPB_OPT_ADAM, 4), make_job(22, MLPB_OPT_MOMENTUM, 4)};
    serial[0].threading = serial[1].threading = threading;
    job par[2];
    memcpy(par, serial, sizeof par);
    run_job(&serial[0]);
    run_job(&serial[1]);
    pthread_t tid[2];
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_create(&tid[t], NULL, run_job, &par[t]), 0);
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_join(tid[t], NULL), 0);
    for (int t = 0; t < 2; t++) {
        assert_same_training(&serial[t], &par[t]);
        mlpb_model_destroy(serial[t].m);
        mlpb_model_destroy(par[t].m);
    }
}

static void test_determinism_two_trainers_in_threads(void **state)
{
    (void)state;
    two_trainers_in_threads(MLPB_THREADING_BLAS);
    const int threads = mlpb_blas_threads();
    mlpb_blas_set_threads(1);
    two_trainers_in_threads(MLPB_THREADING_AUTO);
    mlpb_blas_set_threads(threads);
}

/* Train the fixed model and save it to path; the exit status says whether
 * that worked. */
static int save_mode(const char *path)
{
    job j = make_job(31, MLPB_OPT_ADAM, 6);
    run_job(&j);
    if (j.st == MLPB_OK)
        j.st = mlpb_model_save(j.m, path);
    mlpb_model_destroy(j.m);
    if (j.st != MLPB_OK) {
        fprintf(stderr, "test_determinism --save %s: %s\n", path, mlpb_strerror(j.st));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--save") == 0)
        return save_mode(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_determinism_same_seed_same_model),
        cmocka_unit_test(test_determinism_two_trainers_in_threads),
    };
    return cmocka_run_group_tests_name("determinism", tests, NULL, NULL);
}
