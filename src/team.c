/* team.c -- a fork-join team of threads owned by one workspace: the caller
 * and n - 1 helpers run fn(ctx, 0..n-1) together, and mlpb__team_run returns
 * when all parts are done.
 *
 * A training step of a small network lasts tens of microseconds, so two
 * things matter. Waking a sleeping thread (a futex round trip, several
 * microseconds) would eat much of what the second core gives: helpers spin
 * for a while before they block. Part p is first tried by thread p (the
 * caller runs part 0, helper i part i + 1), so that a part's data stay in one
 * core's cache from job to job: the unit split (unit_split.c) keeps each part's
 * weights and moments on its own core. And on a loaded machine a helper may
 * not be running at all when a job starts: a thread done with its own part
 * takes any part not yet claimed, so a helper that is descheduled costs at
 * most the part it already holds. Which thread runs a part never changes
 * what the part computes. */
#include "mlpb_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* Polls of the shared counters before blocking: a few tens of microseconds,
 * enough to bridge the optimiser update and the batch copy between two steps
 * without keeping an idle core busy for long. */
#define SPIN_POLLS 20000

/* A part's claim, alone on its cache line: the number of the last job that
 * claimed it. */
typedef struct slot {
    _Alignas(64) _Atomic uint32_t job;
} slot;

struct mlpb_team {
    mlpb_allocator  alloc;
    size_t          n;         /* parts, and threads with the caller */
    size_t          started;   /* helpers running */
    pthread_t      *threads;   /* n - 1 helpers */
    slot           *slots;     /* n claims */
    pthread_mutex_t mu;
    pthread_cond_t  go;        /* a new job or quit */
    pthread_cond_t  done;      /* remaining reached 0 */
    /* The current job's number. A part is claimed for job j by moving its
     * slot from j - 1 to j: every slot holds j - 1 when job j is published,
     * so a helper that read an older number can never claim a part of a job
     * it has not read. */
    _Atomic uint32_t current;
    atomic_size_t    remaining; /* parts of the current job not yet finished */
    atomic_bool      quit;
    /* Who is blocked (or about to block) on a condition variable: helpers
     * on go, the caller on done. While every thread spins, a job is
     * published and finished without the mutex (see mlpb__team_run). */
    atomic_size_t    sleepers;
    atomic_bool      caller_asleep;
    uint32_t         job;       /* the caller's count of jobs */
    mlpb__team_fn    fn;        /* the current job: written before current moves to
                                   it, and not again until remaining is 0 */
    void            *ctx;
};

/* What helper i is started with. */
typedef struct helper_arg {
    mlpb_team *t;
    size_t     self; /* the part it tries first: i + 1 */
} helper_arg;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Job numbers run 1, 2, ..., UINT32_MAX, 1, ... (0 is never used). */
static inline uint32_t prev_job(uint32_t job)
{
    return job == 1 ? UINT32_MAX : job - 1;
}

/* Runs part self of job `job` if it is still unclaimed, then any other part
 * that is. */
static void work(mlpb_team *t, uint32_t job, size_t self)
{
    for (size_t i = 0; i < t->n; i++) {
        const size_t part = self + i < t->n ? self + i : self + i - t->n;
        uint32_t expect = prev_job(job);
        if (atomic_load_explicit(&t->slots[part].job, memory_order_relaxed) != expect ||
            !atomic_compare_exchange_strong_explicit(&t->slots[part].job, &expect, job,
                                                     memory_order_acq_rel,
                                                     memory_order_relaxed))
            continue;
        t->fn(t->ctx, part);
        /* seq_cst: the last part's decrement and the caller's
         * caller_asleep pair as sleepers and current do in mlpb__team_run. */
        if (atomic_fetch_sub(&t->remaining, 1) == 1 && atomic_load(&t->caller_asleep)) {
            /* Under the mutex, so that a caller between its check of
             * remaining and its wait cannot miss the signal. */
            pthread_mutex_lock(&t->mu);
            pthread_cond_signal(&t->done);
            pthread_mutex_unlock(&t->mu);
        }
    }
}

static void *helper(void *p)
{
    const helper_arg *arg = p;
    mlpb_team *t = arg->t;
    const size_t self = arg->self;
    uint32_t seen = 0;
    for (;;) {
        uint32_t job = atomic_load_explicit(&t->current, memory_order_acquire);
        for (int i = 0; job == seen && i < SPIN_POLLS && !atomic_load(&t->quit); i++) {
            cpu_relax();
            job = atomic_load_explicit(&t->current, memory_order_acquire);
        }
        if (job == seen) {
            pthread_mutex_lock(&t->mu);
            atomic_fetch_add(&t->sleepers, 1);
            while ((job = atomic_load(&t->current)) == seen && !atomic_load(&t->quit))
                pthread_cond_wait(&t->go, &t->mu);
            atomic_fetch_sub(&t->sleepers, 1);
            pthread_mutex_unlock(&t->mu);
        }
        if (atomic_load(&t->quit))
            return NULL;
        seen = job;
        work(t, job, self);
    }
}

/* The team, its slots (each on its own cache line), the helpers' threads
 * and arguments, in one block. */
static size_t team_bytes(size_t n)
{
    return sizeof(mlpb_team) + sizeof(slot) - 1 + n * sizeof(slot) +
           (n - 1) * (sizeof(pthread_t) + sizeof(helper_arg));
}

size_t mlpb__team_bytes(size_t n)
{
    return team_bytes(n);
}

mlpb_status mlpb__team_create(const mlpb_allocator *a, size_t n, mlpb_team **out)
{
    *out = NULL;
    if (n < 2 || n > MLPB_SPLIT_MAX_PARTS)
        return MLPB_E_INVALID_ARG;
    const size_t bytes = team_bytes(n); /* small: n is capped */
    mlpb_team *t = mlpb__alloc(a, bytes);
    if (t == NULL)
        return MLPB_E_NOMEM;
    memset(t, 0, bytes);
    t->alloc = *a;
    t->n = n;
    const uintptr_t after = (uintptr_t)(t + 1);
    t->slots = (slot *)((after + sizeof(slot) - 1) / sizeof(slot) * sizeof(slot));
    t->threads = (pthread_t *)(t->slots + n);
    helper_arg *args = (helper_arg *)(t->threads + (n - 1));
    for (size_t p = 0; p < n; p++)
        atomic_init(&t->slots[p].job, UINT32_MAX); /* prev_job(1) */
    atomic_init(&t->current, 0);
    atomic_init(&t->remaining, 0);
    atomic_init(&t->quit, false);
    atomic_init(&t->sleepers, 0);
    atomic_init(&t->caller_asleep, false);
    if (pthread_mutex_init(&t->mu, NULL) != 0)
        goto no_mutex;
    if (pthread_cond_init(&t->go, NULL) != 0)
        goto no_go;
    if (pthread_cond_init(&t->done, NULL) != 0)
        goto no_done;
    for (size_t i = 0; i + 1 < n; i++) {
        args[i] = (helper_arg){t, i + 1};
        if (pthread_create(&t->threads[i], NULL, helper, &args[i]) != 0) {
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
    /* The store publishes fn, ctx and remaining. A helper counts itself in
     * sleepers before its last look at current, and the caller looks at
     * sleepers after its store, both seq_cst: either the helper sees the
     * new job or the caller sees the sleeper and wakes it, under the mutex
     * that the helper holds until it waits. With the helpers spinning, a
     * job costs no lock (a contended one costs a futex call each side). */
    atomic_store(&t->current, t->job);
    if (atomic_load(&t->sleepers) > 0) {
        pthread_mutex_lock(&t->mu);
        pthread_cond_broadcast(&t->go);
        pthread_mutex_unlock(&t->mu);
    }

    work(t, t->job, 0);

    for (int i = 0; atomic_load_explicit(&t->remaining, memory_order_acquire) != 0 &&
                    i < SPIN_POLLS;
         i++)
        cpu_relax();
    if (atomic_load_explicit(&t->remaining, memory_order_acquire) != 0) {
        /* As for sleepers above: caller_asleep before the last look at
         * remaining, the last part's decrement before its look at
         * caller_asleep. */
        pthread_mutex_lock(&t->mu);
        atomic_store(&t->caller_asleep, true);
        while (atomic_load(&t->remaining) != 0)
            pthread_cond_wait(&t->done, &t->mu);
        atomic_store_explicit(&t->caller_asleep, false, memory_order_relaxed);
        pthread_mutex_unlock(&t->mu);
    }
}
