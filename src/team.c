/* team.c -- a fork-join team of threads owned by one workspace: the caller
 * and n - 1 helpers run fn(ctx, 0..n-1) together, and mlpb__team_run returns
 * when all parts are done.
 *
 * A training step of a small network lasts tens of microseconds, so two
 * things matter. Waking a sleeping thread (a futex round trip, several
 * microseconds) would eat much of what the second core gives: helpers spin
 * for a while before they block. And on a loaded machine a helper may not be
 * running at all when a job starts: parts are not bound to threads but
 * claimed, one at a time, by whoever is free, the caller included, so a
 * helper that is descheduled costs at most the part it already holds.
 * Which thread runs a part never changes what the part computes. */
#include "mlpb_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* Polls of the shared counters before blocking: a few tens of microseconds,
 * enough to bridge the optimiser update and the batch copy between two steps
 * without keeping an idle core busy for long. */
#define SPIN_POLLS 20000

struct mlpb_team {
    mlpb_allocator  alloc;
    size_t          n;         /* parts, and threads with the caller */
    size_t          started;   /* helpers running */
    pthread_t      *threads;   /* n - 1 helpers */
    pthread_mutex_t mu;
    pthread_cond_t  go;        /* a new job or quit */
    pthread_cond_t  done;      /* remaining reached 0 */
    /* Job number (high 32 bits) and next unclaimed part (low 32 bits) in one
     * word: a claim is a compare-and-swap that fails for a helper that saw
     * an older job, so it can never take a part of a job it has not read. */
    _Atomic uint64_t claim;
    atomic_size_t    remaining; /* parts of the current job not yet finished */
    atomic_bool      quit;
    uint32_t         job;       /* the caller's count of jobs */
    mlpb__team_fn    fn;        /* the current job: written before claim moves to
                                   it, and not again until remaining is 0 */
    void            *ctx;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Runs parts of job `job` until none is left unclaimed. */
static void work(mlpb_team *t, uint32_t job)
{
    uint64_t v = atomic_load_explicit(&t->claim, memory_order_acquire);
    for (;;) {
        const size_t part = (size_t)(v & 0xffffffffu);
        if ((uint32_t)(v >> 32) != job || part >= t->n)
            return;
        if (!atomic_compare_exchange_weak_explicit(&t->claim, &v, v + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue; /* v now holds the current value */
        t->fn(t->ctx, part);
        if (atomic_fetch_sub_explicit(&t->remaining, 1, memory_order_acq_rel) == 1) {
            /* Under the mutex, so that a caller between its check of
             * remaining and its wait cannot miss the signal. */
            pthread_mutex_lock(&t->mu);
            pthread_cond_signal(&t->done);
            pthread_mutex_unlock(&t->mu);
        }
        v = atomic_load_explicit(&t->claim, memory_order_acquire);
    }
}

static void *helper(void *p)
{
    mlpb_team *t = p;
    uint32_t seen = 0;
    for (;;) {
        uint32_t job = (uint32_t)(atomic_load_explicit(&t->claim, memory_order_acquire) >> 32);
        for (int i = 0; job == seen && i < SPIN_POLLS && !atomic_load(&t->quit); i++) {
            cpu_relax();
            job = (uint32_t)(atomic_load_explicit(&t->claim, memory_order_acquire) >> 32);
        }
        if (job == seen) {
            pthread_mutex_lock(&t->mu);
            while ((job = (uint32_t)(atomic_load_explicit(&t->claim, memory_order_acquire) >>
                                     32)) == seen &&
                   !atomic_load(&t->quit))
                pthread_cond_wait(&t->go, &t->mu);
            pthread_mutex_unlock(&t->mu);
        }
        if (atomic_load(&t->quit))
            return NULL;
        seen = job;
        work(t, job);
    }
}

size_t mlpb__team_bytes(size_t n)
{
    return sizeof(mlpb_team) + (n - 1) * sizeof(pthread_t);
}

mlpb_status mlpb__team_create(const mlpb_allocator *a, size_t n, mlpb_team **out)
{
    *out = NULL;
    if (n < 2 || n > UINT32_MAX)
        return MLPB_E_INVALID_ARG;
    size_t bytes;
    MLPB_TRY(mlpb__mul_size(n - 1, sizeof(pthread_t), &bytes));
    MLPB_TRY(mlpb__add_size(bytes, sizeof(mlpb_team), &bytes));
    mlpb_team *t = mlpb__alloc(a, bytes);
    if (t == NULL)
        return MLPB_E_NOMEM;
    memset(t, 0, sizeof *t);
    t->alloc = *a;
    t->n = n;
    t->threads = (pthread_t *)(t + 1);
    atomic_init(&t->claim, 0);
    atomic_init(&t->remaining, 0);
    atomic_init(&t->quit, false);
    if (pthread_mutex_init(&t->mu, NULL) != 0)
        goto no_mutex;
    if (pthread_cond_init(&t->go, NULL) != 0)
        goto no_go;
    if (pthread_cond_init(&t->done, NULL) != 0)
        goto no_done;
    for (size_t i = 0; i + 1 < n; i++) {
        if (pthread_create(&t->threads[i], NULL, helper, t) != 0) {
            mlpb__team_destroy(t); /* joins the ones started */
            return MLPB_E_NOMEM;   /* EAGAIN: out of threads or memory */
        }
        t->started++;
    }
    *out = t;
    return MLPB_OK;

no_done:
    pthread_cond_destroy(&t->go);
no_go:
    pthread_mutex_destroy(&t->mu);
no_mutex:
    mlpb__free(a, t);
    return MLPB_E_NOMEM;
}

void mlpb__team_destroy(mlpb_team *t)
{
    if (t == NULL)
        return;
    pthread_mutex_lock(&t->mu);
    atomic_store(&t->quit, true);
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);
    for (size_t i = 0; i < t->started; i++)
        pthread_join(t->threads[i], NULL);
    pthread_cond_destroy(&t->done);
    pthread_cond_destroy(&t->go);
    pthread_mutex_destroy(&t->mu);
    const mlpb_allocator a = t->alloc;
    mlpb__free(&a, t);
}

size_t mlpb__team_size(const mlpb_team *t)
{
    return t->n;
}

void mlpb__team_run(mlpb_team *t, mlpb__team_fn fn, void *ctx)
{
    t->fn = fn;
    t->ctx = ctx;
    atomic_store_explicit(&t->remaining, t->n, memory_order_relaxed);
    /* Job numbers wrap at 2^32; 0 is the helpers' initial "seen", so skip it. */
    if (++t->job == 0)
        t->job = 1;
    /* The release store publishes fn, ctx and remaining; the mutex pairs the
     * broadcast with helpers about to block. */
    pthread_mutex_lock(&t->mu);
    atomic_store_explicit(&t->claim, (uint64_t)t->job << 32, memory_order_release);
    pthread_cond_broadcast(&t->go);
    pthread_mutex_unlock(&t->mu);

    work(t, t->job);

    for (int i = 0; atomic_load_explicit(&t->remaining, memory_order_acquire) != 0 &&
                    i < SPIN_POLLS;
         i++)
        cpu_relax();
    if (atomic_load_explicit(&t->remaining, memory_order_acquire) != 0) {
        pthread_mutex_lock(&t->mu);
        while (atomic_load_explicit(&t->remaining, memory_order_acquire) != 0)
            pthread_cond_wait(&t->done, &t->mu);
        pthread_mutex_unlock(&t->mu);
    }
}
