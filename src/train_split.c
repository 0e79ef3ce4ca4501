/* train_split.c -- the trainer's validation split, stratified by class: a
 * row's class is its label combination (the outputs >= 0.5), so binary,
 * one-hot multi-class and multi-label targets are all stratified on what
 * they are. The rows are grouped by class (classes in key order, rows in
 * data order), each group is shuffled, and systematic sampling over the
 * concatenated groups picks floor(fraction * n + h) rows: position p is
 * held out when floor((p + 1) f + h) > floor(p f + h), so that every class
 * gives floor or ceil of f times its count, and the total is exact. The
 * phase h is 1/2 (rounding) unless the options give one: runs with one
 * shuffle and phases spread over [0, 1) then hold out each position in
 * about f times their number (an ensemble's members). */
#include "mlpb_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A class key and its row, for the sort that groups the rows by class. */
typedef struct key_row {
    uint64_t key;
    size_t   row;
} key_row;

/* floor(p f + h): how many of the first p positions are held out. */
static size_t held_before(size_t p, float fraction, double phase)
{
    return (size_t)floor((double)p * (double)fraction + phase);
}

bool mlpb__split_opts_ok(const mlpb_train_opts *o)
{
    /* A split_seed without a phase would be ignored: refused instead. */
    return o->split_phase >= 0.0 && o->split_phase < 1.0 &&
           (o->split_phase > 0.0 || o->split_seed == 0);
}

double mlpb__split_phase(const mlpb_train_opts *o)
{
    return o->split_phase > 0.0 ? o->split_phase : 0.5;
}

uint64_t mlpb__split_seed(const mlpb_train_opts *o)
{
    return o->split_phase > 0.0 ? o->split_seed : o->seed;
}

size_t mlpb__split_count(size_t n, float fraction, double phase)
{
    return fraction > 0.0f ? held_before(n, fraction, phase) : 0;
}

mlpb_status mlpb__split_scratch_bytes(size_t n, size_t *bytes)
{
    size_t a, b;
    MLPB_TRY(mlpb__mul_size(n, sizeof(uint64_t), &a));
    MLPB_TRY(mlpb__mul_size(n, sizeof(key_row), &b));
    return mlpb__add_size(a, b, bytes);
}

/* The label combination of one row of k targets: its bits for k <= 64,
 * FNV-1a over the bits beyond (a collision merges two classes, which only
 * makes the stratification coarser). */
static uint64_t row_key(const float *y, size_t k)
{
    uint64_t key = 0;
    if (k <= 64) {
        for (size_t j = 0; j < k; j++)
            if (y[j] >= 0.5f)
                key |= (uint64_t)1 << j;
        return key;
    }
    key = 0xcbf29ce484222325u;
    for (size_t j = 0; j < k; j++) {
        key ^= (uint64_t)(y[j] >= 0.5f);
        key *= 0x100000001b3u;
    }
    return key;
}

void mlpb__split_keys(const float *y, size_t k, size_t n, uint64_t *keys)
{
    for (size_t i = 0; i < n; i++)
        keys[i] = row_key(y + i * k, k);
}

static int by_key_row(const void *a, const void *b)
{
    const key_row *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

void mlpb__split_choose(const uint64_t *keys, size_t n, float fraction, double phase,
                        mlpb_rng *rng, void *scratch, size_t *order, unsigned char *pick)
{
    key_row *kr = scratch;
    for (size_t i = 0; i < n; i++)
        kr[i] = (key_row){keys[i], i};
    qsort(kr, n, sizeof *kr, by_key_row);
    for (size_t i = 0; i < n; i++)
        order[i] = kr[i].row;
    /* Shuffle each class's rows, classes in key order. */
    for (size_t s = 0, e; s < n; s = e) {
        for (e = s + 1; e < n && kr[e].key == kr[s].key; e++)
            ;
        mlpb__rng_shuffle(rng, order + s, e - s);
    }
    memset(pick, 0, n);
    for (size_t p = 0; p < n; p++)
        if (held_before(p + 1, fraction, phase) > held_before(p, fraction, phase))
            pick[order[p]] = 1;
}

static mlpb_status split_rows(const mlpb_dataset *train, size_t n_outputs, float val_fraction,
                              uint64_t seed, double phase, const mlpb_train_comm *comm,
                              const mlpb_allocator *alloc, unsigned char *pick, size_t *n_val);

mlpb_status mlpb_train_split(const mlpb_dataset *train, size_t n_outputs, float val_fraction,
                             uint64_t seed, const mlpb_allocator *alloc, unsigned char *pick,
                             size_t *n_val)
{
    return split_rows(train, n_outputs, val_fraction, seed, 0.5, NULL, alloc, pick, n_val);
}

mlpb_status mlpb_train_split_ex(const mlpb_dataset *train, size_t n_outputs,
                                float val_fraction, uint64_t seed, const mlpb_train_comm *comm,
                                const mlpb_allocator *alloc, unsigned char *pick, size_t *n_val)
{
    return split_rows(train, n_outputs, val_fraction, seed, 0.5, comm, alloc, pick, n_val);
}

mlpb_status mlpb_train_split_for(const mlpb_dataset *train, size_t n_outputs,
                                 const mlpb_train_opts *opts, const mlpb_allocator *alloc,
                                 unsigned char *pick, size_t *n_val)
{
    if (opts == NULL || !mlpb__split_opts_ok(opts))
        return MLPB_E_INVALID_ARG;
    return split_rows(train, n_outputs, opts->val_fraction, mlpb__split_seed(opts),
                      mlpb__split_phase(opts), NULL, alloc, pick, n_val);
}

static mlpb_status split_args(const mlpb_dataset *train, size_t n_outputs, float val_fraction,
                              const mlpb_train_comm *c, const unsigned char *pick,
                              const size_t *n_val)
{
    size_t cells;
    if (train == NULL || n_outputs == 0 || n_val == NULL || !isfinite(val_fraction) ||
        val_fraction < 0.0f || val_fraction >= 1.0f)
        return MLPB_E_INVALID_ARG;
    if (train->n > 0 && (train->y == NULL || pick == NULL))
        return MLPB_E_INVALID_ARG;
    if (c == NULL ? train->n == 0
                  : (!MLPB_RESERVED_ZERO(c) || c->gather == NULL || c->agree == NULL ||
                     c->n_total == 0 || c->offset > c->n_total ||
                     train->n > c->n_total - c->offset))
        return MLPB_E_INVALID_ARG;
    return mlpb__mul_size(train->n, n_outputs, &cells);
}

/* The split of the rows of all parts at this phase, the classes' shuffles
 * the first draws of seed's generator (as the trainer draws them). */
static mlpb_status split_rows(const mlpb_dataset *train, size_t n_outputs, float val_fraction,
                              uint64_t seed, double phase, const mlpb_train_comm *comm,
                              const mlpb_allocator *alloc, unsigned char *pick, size_t *n_val)
{
    mlpb_status st = split_args(train, n_outputs, val_fraction, comm, pick, n_val);
    if (comm != NULL)
        st = comm->agree(st, comm->ctx);
    MLPB_TRY(st);
    const size_t n = comm != NULL ? comm->n_total : train->n, lo = comm != NULL ? comm->offset : 0;
    const size_t nv = mlpb__split_count(n, val_fraction, phase);
    if (nv >= n)
        return MLPB_E_INVALID_ARG; /* no training row would be left (the same everywhere) */
    if (train->n > 0)
        memset(pick, 0, train->n);
    *n_val = nv;
    if (nv == 0)
        return MLPB_OK;
    /* The keys, the sort's scratch, the order and every row's pick. */
    size_t scratch, order, bytes;
    st = mlpb__split_scratch_bytes(n, &scratch);
    if (st == MLPB_OK)
        st = mlpb__mul_size(n, sizeof(size_t) + 1, &order);
    if (st == MLPB_OK)
        st = mlpb__add_size(scratch, order, &bytes);
    const mlpb_allocator a = mlpb__allocator(alloc);
    uint64_t *keys = st == MLPB_OK ? mlpb__alloc(&a, bytes) : NULL;
    if (st == MLPB_OK && keys == NULL)
        st = MLPB_E_NOMEM;
    if (comm != NULL)
        st = comm->agree(st, comm->ctx);
    if (st != MLPB_OK) {
        mlpb__free(&a, keys);
        return st;
    }
    size_t *ord = (size_t *)(keys + n);
    void *kr = ord + n;
    unsigned char *all = (unsigned char *)kr + (scratch - n * sizeof(uint64_t));
    mlpb__split_keys(train->y, n_outputs, train->n, keys + lo);
    if (comm != NULL)
        st = comm->gather(keys, sizeof *keys, train->n, n, comm->ctx);
    if (st == MLPB_OK) {
        /* mlpb_train's generator, seeded as there: the split is its first use. */
        mlpb_rng rng;
        mlpb__rng_seed(&rng, seed);
        mlpb__split_choose(keys, n, val_fraction, phase, &rng, kr, ord, all);
        if (train->n > 0)
            memcpy(pick, all + lo, train->n);
    }
    mlpb__free(&a, keys);
    return st;
}
