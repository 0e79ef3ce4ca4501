/* test_threads.c -- no hidden shared state: several threads predicting with
 * one const model (each with its own workspace) get bitwise the serial
 * result, and two models trained at once equal the same two trained one
 * after the other. */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { N = 200, D = 16, H = 32, K = 2, THREADS = 4, STEPS = 30 };
static const size_t sizes[] = {D, H, H, K};

typedef struct job {
    const mlpb_model *m;
    const float      *x;
    float             prob[N * K];
    mlpb_status       st;
} job;

static void *predict_job(void *arg)
{
    job *j = arg;
    mlpb_workspace *ws = NULL;
    j->st = mlpb_workspace_create(j->m, 37, NULL, &ws);
    for (int rep = 0; rep < 20 && j->st == MLPB_OK; rep++)
        j->st = mlpb_predict(j->m, ws, j->x, N, j->prob);
    mlpb_workspace_destroy(ws);
    return NULL;
}

static void test_threads_shared_const_model(void **state)
{
    (void)state;
    mlpb_model *m = mlpbt_model(sizes, 4, 5);
    float *x = malloc(N * D * sizeof *x);
    mlpbt_fill_uniform(x, N * D, -2, 2, 6);
    job serial = {m, x, {0}, MLPB_OK};
    predict_job(&serial);
    assert_int_equal(serial.st, MLPB_OK);
    job *jobs = calloc(THREADS, sizeof *jobs);
    pthread_t tid[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t].m = m;
        jobs[t].x = x;
        assert_int_equal(pthread_create(&tid[t], NULL, predict_job, &jobs[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_join(tid[t], NULL), 0);
        assert_int_equal(jobs[t].st, MLPB_OK);
        assert_memory_equal(jobs[t].prob, serial.prob, sizeof serial.prob);
    }
    free(jobs);
    free(x);
    mlpb_model_destroy(m);
}

typedef struct train_job {
    uint64_t    seed;
    mlpb_model *m;
    mlpb_status st;
} train_job;

/* Full-batch gradient descent from a seed: model and data both seeded. */
static void *train_one(void *arg)
{
    train_job *j = arg;
    mlpb_config cfg = {sizes, 4, j->seed, MLPB_INIT_ORTHOGONAL};
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * K * sizeof *y);
    mlpb_workspace *ws = NULL;
    mlpbt_fill_uniform(x, N * D, -1, 1, j->seed + 1);
    mlpbt_fill_labels(y, N * K, j->seed + 2);
    j->st = mlpb_model_create(&cfg, NULL, &j->m);
    if (j->st == MLPB_OK)
        j->st = mlpb_workspace_create(j->m, N, NULL, &ws);
    for (int s = 0; s < STEPS && j->st == MLPB_OK; s++) {
        j->st = mlpb_loss_grad(j->m, ws, x, y, N, NULL);
        if (j->st == MLPB_OK)
            j->st = mlpb_sgd_step(j->m, 0.1f);
    }
    mlpb_workspace_destroy(ws);
    free(x);
    free(y);
    return NULL;
}

static void test_threads_two_trainings(void **state)
{
    (void)state;
    train_job serial[2] = {{100, NULL, MLPB_OK}, {200, NULL, MLPB_OK}};
    train_job par[2] = {{100, NULL, MLPB_OK}, {200, NULL, MLPB_OK}};
    train_one(&serial[0]);
    train_one(&serial[1]);
    pthread_t tid[2];
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_create(&tid[t], NULL, train_one, &par[t]), 0);
    for (int t = 0; t < 2; t++) {
        assert_int_equal(pthread_join(tid[t], NULL), 0);
        assert_int_equal(serial[t].st, MLPB_OK);
        assert_int_equal(par[t].st, MLPB_OK);
        size_t np;
        const float *a = mlpb_model_params(serial[t].m, &np);
        assert_memory_equal(a, mlpb_model_params(par[t].m, NULL), np * sizeof *a);
        mlpb_model_destroy(serial[t].m);
        mlpb_model_destroy(par[t].m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_shared_const_model),
        cmocka_unit_test(test_threads_two_trainings),
    };
    return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
