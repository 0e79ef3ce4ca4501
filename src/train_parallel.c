/* train_parallel.c -- several independent trainings at once (an ensemble's
 * members): each model is trained by mlpb_train exactly as on its own, on
 * one of up to `threads` threads, each with one BLAS thread.
 *
 * The networks the ensembles are for are small, and one training of them
 * keeps one core busy with BLAS calls too small to split; trainings side by
 * side use the other cores. Which thread trains a model, and in what order,
 * never changes its result: every model's training depends only on its own
 * options and the data, and runs on one BLAS thread whenever more than one
 * thread is used. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <pthread.h>
#include <stdatomic.h>

/* At most this many threads (helpers and the caller). */
#define MAX_THREADS 64

typedef struct job {
    mlpb_model *const     *models;
    size_t                 n;
    const mlpb_dataset    *train, *val;
    const mlpb_train_opts *opts;
    const mlpb_allocator  *alloc;
    mlpb_train_report     *reports;
    mlpb_status           *st;
    atomic_size_t          next; /* the next model not yet taken */
} job;

/* Take models until none is left. */
static void *worker(void *arg)
{
    job *j = arg;
    for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->n;)
        j->st[i] = mlpb_train(j->models[i], j->train, j->val, &j->opts[i], j->alloc,
                              j->reports != NULL ? &j->reports[i] : NULL);
    return NULL;
}

mlpb_status mlpb_train_parallel(mlpb_model *const *models, size_t n, const mlpb_dataset *train,
                                const mlpb_dataset *val, const mlpb_train_opts *opts,
                                size_t threads, const mlpb_allocator *alloc,
                                mlpb_train_report *reports)
{
    if (models == NULL || opts == NULL || n == 0)
        return MLPB_E_INVALID_ARG;
    if (threads == 0) {
        /* Side by side only where it pays: every model big enough. */
        const int t = mlpb__blas_threads();
        threads = t > 1 ? (size_t)t : 1;
        for (size_t i = 0; i < n && threads > 1; i++)
            if (models[i] != NULL)
                threads = mlpb__parallel_threads(models[i]->sizes, models[i]->n_sizes, threads);
    }
    /* Several threads: every training on one BLAS thread, so that a
     * model's result is the same whichever count was asked for. */
    const int restore = threads > 1 ? mlpb__blas_threads() : 0;
    if (threads > n)
        threads = n;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    size_t bytes;
    MLPB_TRY(mlpb__mul_size(n, sizeof(mlpb_status), &bytes));
    const mlpb_allocator a = mlpb__allocator(alloc);
    job j = {.models = models, .n = n, .train = train, .val = val, .opts = opts,
             .alloc = alloc, .reports = reports, .st = mlpb__alloc(&a, bytes)};
    if (j.st == NULL)
        return MLPB_E_NOMEM;
    atomic_init(&j.next, 0);
    if (restore > 1)
        mlpb__blas_set_threads(1);
    pthread_t helpers[MAX_THREADS];
    size_t started = 0;
    /* A helper that cannot start leaves its share to the others. */
    while (started + 1 < threads && pthread_create(&helpers[started], NULL, worker, &j) == 0)
        started++;
    worker(&j);
    for (size_t t = 0; t < started; t++)
        pthread_join(helpers[t], NULL);
    if (restore > 1)
        mlpb__blas_set_threads(restore);
    mlpb_status st = MLPB_OK;
    for (size_t i = 0; i < n && st == MLPB_OK; i++)
        st = j.st[i];
    mlpb__free(&a, j.st);
    return st;
}
