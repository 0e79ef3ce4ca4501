/* train.c -- the mini-batch trainer: the plan of a run and its buffers,
 * the seeded stratified validation split (train_split.c), standardisation
 * fitted on the training rows, shuffled epochs of gathered mini-batches
 * (train_epoch.c), early stopping that restores the best weights or a refit
 * on all rows for the best epoch count, callbacks, and the stop on a
 * non-finite loss or gradient. One trainer serves a single process
 * (mlpb_train) and a run in several parts (mlpb_train_ex: the same code with
 * the communication of mlpb_train_comm).
 * Everything is allocated before the first epoch; the caller's rows are read
 * through a row index and never copied whole. */
#include "kernels.h"
#include "trainer.h"

#include <math.h>
#include <string.h>
#include <time.h>

size_t mlpb_hidden_default(size_t n_outputs)
{
    /* docs/defaults.md: more outputs share the one hidden layer; from 2
     * outputs on, 128 units or 8 an output, whichever is more. */
    if (n_outputs <= 1)
        return 64;
    return n_outputs > 16 ? (n_outputs <= SIZE_MAX / 8 ? 8 * n_outputs : SIZE_MAX) : 128;
}

float mlpb_weight_decay_default(size_t n_rows)
{
    /* docs/defaults.md: AdamW's decoupled decay shrinks the weights at every
     * step; with n_rows / batch steps an epoch its pull against the data
     * would grow with the rows, so above 1,000 rows it falls as 1 / n_rows. */
    return n_rows > 1000 ? (float)(0.1 * 1000.0 / (double)n_rows) : 0.1f;
}

void mlpb_train_opts_default(mlpb_train_opts *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof *o);
    /* docs/defaults.md gives the measurements behind each value. */
    o->epochs = 300;
    o->batch_size = 32;
    mlpb_optim_opts_default(&o->optim);
    o->optim.kind = MLPB_OPT_ADAMW;
    o->optim.weight_decay = mlpb_weight_decay_default(0);
    o->val_fraction = 0.15f;
    o->patience = 30;
    o->min_delta = 0.0f;
    o->restore_best = 1;
    o->refit = 1;
    o->standardize = 1;
    o->pos_weight = NULL;
    o->seed = 0;
    o->on_epoch = NULL;
    o->on_batch = NULL;
    o->ctx = NULL;
    o->threading = MLPB_THREADING_AUTO;
    o->precision = MLPB_PRECISION_FP32;
    o->gemm      = MLPB_GEMM_AUTO;
    o->split_phase = 0.0;
    o->split_seed = 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------ layout */
/* All the trainer's buffers come from one block; each starts on a cache line. */
typedef struct layout {
    size_t      total;
    mlpb_status st;
} layout;

/* Reserve count * elem bytes; returns the offset (meaningless after an error). */
static size_t reserve(layout *l, size_t count, size_t elem)
{
    size_t bytes, off = l->total;
    if (l->st != MLPB_OK)
        return 0;
    if ((l->st = mlpb__mul_size(count, elem, &bytes)) != MLPB_OK)
        return 0;
    if ((l->st = mlpb__add_size(bytes, MLPB_ALIGN - 1, &bytes)) != MLPB_OK)
        return 0;
    bytes = bytes / MLPB_ALIGN * MLPB_ALIGN;
    l->st = mlpb__add_size(l->total, bytes, &l->total);
    return off;
}

static void *at(void *block, size_t off, size_t count)
{
    return count == 0 ? NULL : (char *)block + off;
}

/* How a run uses the rows of all parts: n_all rows in train, n_tr trained
 * on, n_va validated on (split: held out of train), batches of at most bs. */
typedef struct plan {
    size_t n_all, n_tr, n_va, bs;
    bool   split, has_sw;
    bool   copy_vy; /* the validation targets are gathered (not val->y itself) */
    bool   refit;   /* a refit follows: a snapshot of the initial parameters */
} plan;

/* Offsets of the trainer's buffers in its block. */
typedef struct offsets {
    size_t idx, pick, keys, vy, bx, by, bsw, vz, vp, scr, good, best, init;
} offsets;

/* Every count product below is at most n x d or n x k of a set, which
 * check_args proved to fit (mlpb_train_memory checks them itself); reserve
 * checks the byte sizes. The rows themselves are never copied: idx lists the
 * training rows (then, when splitting, the validation rows); the split's
 * keys and sort scratch live only until the split is made. */
static mlpb_status layout_of(const plan *p, size_t d, size_t k, size_t np, offsets *o,
                             size_t *total)
{
    layout l = {0, MLPB_OK};
    const size_t n_va = p->n_va, bs = p->bs;
    size_t split_bytes = 0;
    if (p->split)
        l.st = mlpb__split_scratch_bytes(p->n_all, &split_bytes);
    o->idx = reserve(&l, p->n_all, sizeof(size_t));
    o->pick = reserve(&l, p->split ? p->n_all : 0, 1);
    o->keys = reserve(&l, split_bytes, 1);
    o->vy = reserve(&l, p->copy_vy ? n_va * k : 0, sizeof(float));
    o->bx = reserve(&l, bs * d, sizeof(float));
    o->by = reserve(&l, bs * k, sizeof(float));
    o->bsw = reserve(&l, p->has_sw ? bs : 0, sizeof(float));
    o->vz = reserve(&l, n_va > 0 ? bs * k : 0, sizeof(float));
    o->vp = reserve(&l, n_va * k, sizeof(float));
    o->scr = reserve(&l, n_va > 0 ? mlpb__metrics_scratch_bytes(n_va) : 0, 1);
    o->good = reserve(&l, np, sizeof(float));
    o->best = reserve(&l, n_va > 0 ? np : 0, sizeof(float));
    o->init = reserve(&l, p->refit ? np : 0, sizeof(float));
    *total = l.total;
    return l.st;
}

/* Peak bytes of a run under plan p: the block, then the workspace (whose
 * set_threading may briefly hold two buffer sets), then the optimiser. */
static mlpb_status peak_bytes(const plan *p, const size_t *sizes, size_t n_sizes,
                              const mlpb_train_opts *o, size_t *bytes)
{
    const size_t d = sizes[0], k = sizes[n_sizes - 1];
    size_t np = 0, cells, block, ws_final, ws_peak, opt;
    for (size_t l = 0; l + 1 < n_sizes; l++)
        np += sizes[l] * sizes[l + 1] + sizes[l + 1]; /* sizes checked by the caller */
    MLPB_TRY(mlpb__mul_size(p->n_all, d, &cells));
    MLPB_TRY(mlpb__mul_size(p->n_all + p->n_va, k > d ? k : d, &cells));
    offsets off;
    MLPB_TRY(layout_of(p, d, k, np, &off, &block));
    block = mlpb__alloc_size(block);
    MLPB_TRY(mlpb__workspace_bytes(sizes, n_sizes, p->bs, o->threading, &ws_final, &ws_peak));
    MLPB_TRY(mlpb__optim_bytes(n_sizes, np, o->optim.kind, &opt));
    size_t a, b, bf16;
    MLPB_TRY(mlpb__bf16_bytes(sizes, n_sizes, p->bs, o->threading, o->precision, &bf16));
    MLPB_TRY(mlpb__add_size(block, ws_peak, &a));
    MLPB_TRY(mlpb__add_size(block, ws_final, &b));
    MLPB_TRY(mlpb__add_size(b, bf16, &b));
    MLPB_TRY(mlpb__add_size(b, opt, &b));
    *bytes = a > b ? a : b;
    return MLPB_OK;
}

/* The plan of a run on n_all rows with n_val_given rows of a val set (0:
 * none): false when the split would leave no row to train on. */
static bool plan_of(const mlpb_train_opts *o, size_t n_all, size_t n_val_given, bool has_sw,
                    bool copy_vy, plan *p)
{
    memset(p, 0, sizeof *p);
    p->n_all = n_all;
    const size_t n_split = mlpb__split_count(n_all, o->val_fraction, mlpb__split_phase(o));
    p->split = n_val_given == 0 && n_split > 0;
    p->n_va = p->split ? n_split : n_val_given;
    if (p->split && p->n_va >= n_all)
        return false;
    p->n_tr = p->split ? n_all - p->n_va : n_all;
    /* Only rows held out here can be given back to a refit. */
    p->refit = p->split && o->refit;
    /* The buffers take the larger of the two runs' batches: the refit's,
     * over all rows, may be larger. */
    const size_t cap = p->refit ? n_all : p->n_tr;
    p->bs = o->batch_size < cap ? o->batch_size : cap;
    p->has_sw = has_sw;
    p->copy_vy = p->split || copy_vy;
    return true;
}

/* ------------------------------------------------------------- checks */
static bool all_binary(size_t n, const float *y)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0.0f && y[i] != 1.0f)
            return false;
    return true;
}

/* Features, targets and sample weights all finite (NULL or no row: yes). */
static bool data_finite(const mlpb_dataset *ds, size_t d, size_t k)
{
    return ds == NULL || ds->n == 0 ||
           (mlpb__all_finite(ds->n * d, ds->x) && mlpb__all_finite(ds->n * k, ds->y) &&
            (ds->sample_weight == NULL || mlpb__all_finite(ds->n, ds->sample_weight)));
}

/* The options that decide how much a run allocates and on what, in range:
 * epochs, batch, validation share, threading, precision and backend, and
 * reserved words that are zero (mlpb_train and the memory queries check them
 * alike), and a valid split phase. */
static bool opts_sized(const mlpb_train_opts *o)
{
    return MLPB_RESERVED_ZERO(o) && MLPB_RESERVED_ZERO(&o->optim) && o->epochs > 0 &&
           o->batch_size > 0 && isfinite(o->val_fraction) && o->val_fraction >= 0.0f &&
           o->val_fraction < 1.0f &&
           (o->threading == MLPB_THREADING_BLAS || o->threading == MLPB_THREADING_SERIAL_SMALL ||
            o->threading == MLPB_THREADING_SPLIT || o->threading == MLPB_THREADING_AUTO) &&
           (o->precision == MLPB_PRECISION_FP32 || o->precision == MLPB_PRECISION_BF16 ||
            o->precision == MLPB_PRECISION_BF16_EMULATED) &&
           (o->gemm == MLPB_GEMM_AUTO || o->gemm == MLPB_GEMM_BLAS || o->gemm == MLPB_GEMM_ONEDNN) &&
           mlpb__split_opts_ok(o);
}

/* A set of this part's rows: n may be 0 in a run of several parts. */
static bool set_ok(const mlpb_dataset *ds, size_t d, size_t k, bool may_be_empty)
{
    size_t cells;
    if (ds->n == 0)
        return may_be_empty;
    return ds->x != NULL && ds->y != NULL && mlpb__mul_size(ds->n, d, &cells) == MLPB_OK &&
           mlpb__mul_size(ds->n, k, &cells) == MLPB_OK;
}

static mlpb_status check_args(const mlpb_model *m, const mlpb_dataset *train,
                              const mlpb_dataset *val, const mlpb_train_opts *o,
                              const mlpb_train_comm *c)
{
    if (m == NULL || !mlpb__has_params(m) || train == NULL || o == NULL)
        return MLPB_E_INVALID_ARG;
    if (!opts_sized(o) || !(isfinite(o->min_delta) && o->min_delta >= 0.0f))
        return MLPB_E_INVALID_ARG;
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1];
    if (o->pos_weight != NULL)
        for (size_t j = 0; j < k; j++)
            if (!(isfinite(o->pos_weight[j]) && o->pos_weight[j] > 0.0f))
                return MLPB_E_INVALID_ARG;
    if (!set_ok(train, d, k, c != NULL) || (val != NULL && !set_ok(val, d, k, c != NULL)))
        return MLPB_E_INVALID_ARG;
    if (c == NULL)
        return MLPB_OK;
    /* The slices must lie inside the global sets. */
    const size_t nv = val != NULL ? val->n : 0;
    if (!MLPB_RESERVED_ZERO(c) || c->sum == NULL || c->gather == NULL || c->loss_grad == NULL ||
        c->agree == NULL || c->n_total == 0 || c->offset > c->n_total ||
        train->n > c->n_total - c->offset || c->val_offset > c->val_n_total ||
        nv > c->val_n_total - c->val_offset)
        return MLPB_E_INVALID_ARG;
    return MLPB_OK;
}

/* ------------------------------------------------------------- schedule */
/* The schedule's lengths for a run of epochs epochs of n rows in batches of
 * bs: those of o, or derived from the run where o leaves them 0. */
static void lengths_of(const mlpb_optim_opts *o, size_t n, size_t bs, size_t epochs,
                       uint64_t *step_size, uint64_t *t_max)
{
    const uint64_t steps = (uint64_t)((n + bs - 1) / bs);
    *step_size = o->step_size;
    *t_max = o->t_max;
    if (o->schedule == MLPB_SCHED_STEP && o->step_size == 0)
        *step_size = steps * (uint64_t)(epochs / 3 ? epochs / 3 : 1);
    if (o->schedule == MLPB_SCHED_COSINE && o->t_max == 0)
        *t_max = steps * (uint64_t)epochs;
}

/* ---------------------------------------------------------------- rows */
/* The stretch [*a, *b) of the sorted global ids ids[0..n) that this part
 * holds (global rows [lo, lo + n_loc)). */
static void own_stretch(const size_t *ids, size_t n, size_t lo, size_t n_loc, size_t *a,
                        size_t *b)
{
    size_t i = 0;
    while (i < n && ids[i] < lo)
        i++;
    *a = i;
    while (i < n && ids[i] - lo < n_loc)
        i++;
    *b = i;
}

/* The rows of the run, before its first epoch: the split (every part makes
 * the same from the class keys of all rows, gathered), the row index, this
 * part's stretch of the validation rows, and every validation target. */
static mlpb_status prepare_rows(mlpb__run *r, const plan *p, void *block, const offsets *o)
{
    const mlpb_train_comm *c = r->comm;
    const size_t n_all = p->n_all, n_tr = p->n_tr, k = r->k, n_loc = r->train->n;
    size_t *idx = r->idx;
    if (p->split) {
        unsigned char *pick = at(block, o->pick, n_all);
        uint64_t *keys = at(block, o->keys, n_all);
        if (n_loc > 0)
            mlpb__split_keys(r->train->y, k, n_loc, keys + r->lo);
        if (c != NULL)
            MLPB_TRY(c->gather(keys, sizeof *keys, n_loc, n_all, c->ctx));
        /* The split's shuffles: the run's generator's first draws, or with a
         * phase a generator of the split's own seed. */
        const mlpb_train_opts *so = r->opts;
        const bool own = so->split_phase > 0.0;
        mlpb_rng own_rng;
        if (own)
            mlpb__rng_seed(&own_rng, mlpb__split_seed(so));
        mlpb__split_choose(keys, n_all, so->val_fraction, mlpb__split_phase(so),
                           own ? &own_rng : r->rng, keys + n_all, idx, pick);
        /* Both sides keep the rows' order in the data. */
        size_t ntr = 0, nva = 0;
        for (size_t i = 0; i < n_all; i++)
            idx[pick[i] ? n_tr + nva++ : ntr++] = i;
        /* This part's validation rows: a stretch of the sorted list. */
        r->vrows = idx + n_tr;
        own_stretch(r->vrows, p->n_va, r->lo, n_loc, &r->va0, &r->va1);
    } else {
        for (size_t i = 0; i < n_tr; i++)
            idx[i] = i;
        r->vrows = NULL;
        r->va0 = c != NULL ? c->val_offset : 0;
        r->va1 = r->va0 + (r->val != NULL ? r->val->n : 0);
    }
    if (p->n_va == 0)
        return MLPB_OK;
    if (p->copy_vy) {
        float *vy = at(block, o->vy, p->n_va * k);
        const mlpb_dataset *src = p->split ? r->train : r->val;
        const size_t base = p->split ? r->lo : r->va0;
        mlpb__gather_rows(src, r->d, k, r->vrows == NULL ? NULL : r->vrows + r->va0, base,
                          0, r->va1 - r->va0, NULL, vy + r->va0 * k, NULL);
        if (c != NULL)
            MLPB_TRY(c->gather(vy, k * sizeof(float), r->va1 - r->va0, p->n_va, c->ctx));
        r->vy = vy;
    } else {
        r->vy = r->val->y;
    }
    r->val_binary = all_binary(p->n_va * k, r->vy);
    return MLPB_OK;
}

/* The standardisation of the rows trained on: those of idx[0..n) that this
 * part holds (a stretch: idx is in data order here), or all its rows. */
static mlpb_status standardize(const mlpb__run *r, bool all_rows)
{
    const mlpb__parts_sum ps = {r->comm != NULL ? r->comm->sum : NULL,
                                r->comm != NULL ? r->comm->ctx : NULL};
    const mlpb__parts_sum *pp = r->comm != NULL ? &ps : NULL;
    if (all_rows)
        return mlpb__fit_standardization_parts(r->m, r->train->x, NULL, 0, r->train->n, pp);
    size_t a, b;
    own_stretch(r->idx, r->n, r->lo, r->train->n, &a, &b);
    return mlpb__fit_standardization_parts(r->m, r->train->x, r->idx + a, r->lo, b - a, pp);
}

/* Whether any part's epoch callback asks to stop. */
static bool epoch_callback(const mlpb__run *r, const mlpb_epoch_info *info)
{
    const mlpb_train_opts *o = r->opts;
    double stop = o->on_epoch != NULL && o->on_epoch(info, o->ctx) != 0;
    if (r->comm != NULL)
        r->comm->sum(&stop, 1, r->comm->ctx);
    return stop > 0.0;
}

/* ---------------------------------------------------------------- runs */
/* The validated run (or the only one, without validation): up to
 * opts->epochs epochs, early stopping, the best parameters kept in best. */
static mlpb_status validated_run(mlpb__run *r, float *best, mlpb_train_report *rep,
                                 bool *stop)
{
    const mlpb_train_opts *o = r->opts;
    double best_loss = (double)INFINITY;
    size_t wait = 0;
    for (size_t epoch = 1; epoch <= o->epochs; epoch++) {
        const double t0 = now_s();
        mlpb_epoch_info info;
        size_t fail_batch = 0;
        mlpb_status st = mlpb__run_epoch(r, epoch, &info, stop, &fail_batch);
        if (st == MLPB_OK && r->n_va > 0)
            st = mlpb__run_validate(r, &info); /* fail_batch 0: the validation pass */
        if (st != MLPB_OK) {
            rep->fail_epoch = epoch;
            rep->fail_batch = fail_batch;
            return st;
        }
        if (r->n_va > 0) {
            if (info.val_loss < best_loss - (double)o->min_delta) {
                best_loss = info.val_loss;
                rep->best_epoch = epoch;
                rep->best_val_loss = best_loss;
                wait = 0;
                if (o->restore_best)
                    memcpy(best, r->m->params, r->np * sizeof(float));
            } else {
                wait++;
            }
        }
        info.best_epoch = rep->best_epoch;
        info.seconds = now_s() - t0;
        if (rep->best_epoch == epoch)
            rep->best = info;
        rep->last = info;
        rep->epochs_run = epoch;
        if (epoch_callback(r, &info))
            *stop = true;
        if (*stop) {
            rep->stopped_by_callback = 1;
            break;
        }
        if (r->n_va > 0 && o->patience > 0 && wait >= o->patience) {
            rep->stopped_early = 1;
            break;
        }
    }
    return MLPB_OK;
}

/* The refit: exactly a run on all rows without validation for best_epoch
 * epochs from the same start -- the initial parameters, a fresh optimiser
 * with the schedule's lengths of that run, the standardisation of all rows
 * and the shuffling stream of the seed. */
static mlpb_status refit_run(mlpb__run *r, const float *init, size_t n_all,
                             mlpb_train_report *rep)
{
    const mlpb_train_opts *o = r->opts;
    memcpy(r->m->params, init, r->np * sizeof(float));
    mlpb_optim_reset(r->opt);
    mlpb__rng_seed(r->rng, o->seed);
    for (size_t i = 0; i < n_all; i++)
        r->idx[i] = i;
    r->n = n_all;
    r->bs = o->batch_size < n_all ? o->batch_size : n_all;
    r->epochs = rep->best_epoch;
    r->refit = 1;
    r->n_va = 0;
    uint64_t step_size, t_max;
    lengths_of(&o->optim, r->n, r->bs, r->epochs, &step_size, &t_max);
    mlpb__optim_set_lengths(r->opt, step_size, t_max);
    if (o->standardize)
        MLPB_TRY(standardize(r, true));
    bool stop = false;
    for (size_t epoch = 1; epoch <= rep->best_epoch && !stop; epoch++) {
        const double t0 = now_s();
        mlpb_epoch_info info;
        size_t fail_batch = 0;
        rep->refit_epochs = epoch;
        const mlpb_status st = mlpb__run_epoch(r, epoch, &info, &stop, &fail_batch);
        if (st != MLPB_OK) {
            rep->fail_epoch = epoch;
            rep->fail_batch = fail_batch;
            return st;
        }
        info.seconds = now_s() - t0;
        rep->refit_train_loss = info.train_loss;
        if (epoch_callback(r, &info))
            stop = true;
    }
    rep->stopped_by_callback = stop;
    return MLPB_OK;
}

static void report_init(mlpb_train_report *rep, const plan *p)
{
    memset(rep, 0, sizeof *rep);
    rep->best_val_loss = (double)NAN;
    rep->last.val_loss = (double)NAN;
    mlpb__nan_metrics(&rep->last.val);
    rep->best = rep->last;
    rep->refit_train_loss = (double)NAN;
    rep->n_train = p->n_tr;
    rep->n_val = p->n_va;
}

/* The run's workspace and optimiser (the schedule's lengths of the
 * validated run). */
static mlpb_status make_engine(mlpb_model *m, const plan *p, const mlpb_train_opts *o,
                               const mlpb_allocator *a, mlpb_workspace **ws, mlpb_optim **opt)
{
    MLPB_TRY(mlpb_workspace_create(m, p->bs, a, ws));
    MLPB_TRY(mlpb_workspace_set_threading(*ws, o->threading));
    MLPB_TRY(mlpb_workspace_set_precision(*ws, o->precision));
    MLPB_TRY(mlpb_workspace_set_gemm(*ws, o->gemm));
    mlpb_optim_opts oo = o->optim;
    const size_t bs = o->batch_size < p->n_tr ? o->batch_size : p->n_tr;
    lengths_of(&o->optim, p->n_tr, bs, o->epochs, &oo.step_size, &oo.t_max);
    return mlpb_optim_create(m, &oo, a, opt);
}

/* The run from its first epoch to the end, once everything is in place. */
static mlpb_status run_all(mlpb__run *r, const plan *p, float *best, const float *init,
                           mlpb_train_report *rep)
{
    const mlpb_train_opts *o = r->opts;
    /* All data is checked once, here, before the model changes, so that a
     * failure inside the loop can only mean that the model diverged. */
    const bool fin = data_finite(r->train, r->d, r->k) && data_finite(r->val, r->d, r->k);
    MLPB_TRY(mlpb__run_agree(r, fin ? MLPB_OK : MLPB_E_NUMERIC));
    if (o->standardize)
        MLPB_TRY(standardize(r, !p->split));
    bool stop = false;
    MLPB_TRY(validated_run(r, best, rep, &stop));
    if (p->refit && !stop && rep->best_epoch > 0)
        return refit_run(r, init, p->n_all, rep);
    if (r->n_va > 0 && o->restore_best && rep->best_epoch > 0)
        memcpy(r->m->params, best, r->np * sizeof(float));
    return MLPB_OK;
}

mlpb_status mlpb_train_ex(mlpb_model *m, const mlpb_dataset *train, const mlpb_dataset *val,
                          const mlpb_train_opts *opts, const mlpb_train_comm *comm,
                          const mlpb_allocator *alloc, mlpb_train_report *report)
{
    mlpb_status st = check_args(m, train, val, opts, comm);
    if (comm != NULL)
        st = comm->agree(st, comm->ctx);
    MLPB_TRY(st);
    const mlpb_allocator a = mlpb__allocator(alloc);
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1], np = m->n_params;
    const size_t n_all = comm != NULL ? comm->n_total : train->n;
    const size_t n_val_given = comm != NULL ? comm->val_n_total : (val != NULL ? val->n : 0);
    const bool has_sw = train->sample_weight != NULL || (val != NULL && val->sample_weight);
    /* The plan follows from the counts alone, so that every buffer can be
     * sized before anything is allocated. */
    plan p;
    offsets o;
    size_t block_bytes = 0;
    st = plan_of(opts, n_all, n_val_given, has_sw, comm != NULL, &p) ? MLPB_OK
                                                                      : MLPB_E_INVALID_ARG;
    if (st == MLPB_OK)
        st = layout_of(&p, d, k, np, &o, &block_bytes);
    mlpb_workspace *ws = NULL;
    mlpb_optim *opt = NULL;
    void *block = st == MLPB_OK ? mlpb__alloc(&a, block_bytes) : NULL;
    if (st == MLPB_OK && block == NULL)
        st = MLPB_E_NOMEM;
    if (st == MLPB_OK)
        st = make_engine(m, &p, opts, &a, &ws, &opt);
    if (comm != NULL)
        st = comm->agree(st, comm->ctx);
    if (st != MLPB_OK)
        goto done;

    mlpb_rng rng;
    mlpb__rng_seed(&rng, opts->seed);
    mlpb__run r = {
        .m = m, .ws = ws, .opt = opt, .opts = opts, .comm = comm, .train = train, .val = val,
        .d = d, .k = k, .np = np, .lo = comm != NULL ? comm->offset : 0,
        .idx = at(block, o.idx, n_all), .n = p.n_tr,
        .bs = opts->batch_size < p.n_tr ? opts->batch_size : p.n_tr, .epochs = opts->epochs,
        .bx = at(block, o.bx, p.bs * d), .by = at(block, o.by, p.bs * k),
        .bsw = at(block, o.bsw, has_sw ? p.bs : 0), .good = at(block, o.good, np),
        .rng = &rng, .n_va = p.n_va, .vz = at(block, o.vz, p.n_va > 0 ? p.bs * k : 0),
        .vp = at(block, o.vp, p.n_va * k), .scr = at(block, o.scr, p.n_va)};
    float *best = at(block, o.best, p.n_va > 0 ? np : 0);
    float *init = at(block, o.init, p.refit ? np : 0);
    if ((st = prepare_rows(&r, &p, block, &o)) != MLPB_OK)
        goto done;
    if (p.refit)
        memcpy(init, m->params, np * sizeof(float));

    mlpb_train_report rep;
    report_init(&rep, &p);
    const double t_start = now_s();
    st = run_all(&r, &p, best, init, &rep);
    rep.seconds = now_s() - t_start;
    if (report != NULL)
        *report = rep;
done:
    mlpb_optim_destroy(opt);
    mlpb_workspace_destroy(ws);
    mlpb__free(&a, block);
    return st;
}

mlpb_status mlpb_train(mlpb_model *m, const mlpb_dataset *train, const mlpb_dataset *val,
                       const mlpb_train_opts *opts, const mlpb_allocator *alloc,
                       mlpb_train_report *report)
{
    return mlpb_train_ex(m, train, val, opts, NULL, alloc, report);
}

/* ------------------------------------------------------- memory bounds */
static mlpb_status memory_args(const size_t *sizes, size_t n_sizes, size_t n_rows,
                               const mlpb_train_opts *o, size_t *bytes)
{
    size_t model;
    if (sizes == NULL || o == NULL || bytes == NULL || n_rows == 0 || !opts_sized(o))
        return MLPB_E_INVALID_ARG;
    return mlpb_model_memory(sizes, n_sizes, &model); /* the sizes are valid */
}

mlpb_status mlpb_train_memory(const size_t *sizes, size_t n_sizes, size_t n_rows,
                              const mlpb_train_opts *opts, size_t *bytes)
{
    MLPB_TRY(memory_args(sizes, n_sizes, n_rows, opts, bytes));
    plan p;
    if (!plan_of(opts, n_rows, 0, true, false, &p))
        return MLPB_E_INVALID_ARG;
    return peak_bytes(&p, sizes, n_sizes, opts, bytes);
}

mlpb_status mlpb_train_memory_val(const size_t *sizes, size_t n_sizes, size_t n_train,
                                  size_t n_val, const mlpb_train_opts *opts, size_t *bytes)
{
    MLPB_TRY(memory_args(sizes, n_sizes, n_train, opts, bytes));
    if (n_val == 0)
        return MLPB_E_INVALID_ARG;
    plan p;
    (void)plan_of(opts, n_train, n_val, true, false, &p);
    return peak_bytes(&p, sizes, n_sizes, opts, bytes);
}
