/* train.c -- the mini-batch trainer: seeded stratified validation split,
 * standardisation fitted on the training rows, shuffled epochs of gathered
 * mini-batches, validation loss and metrics, early stopping that restores the
 * best weights or a refit on all rows for the best epoch count, callbacks,
 * and the stop on a non-finite loss or gradient.
 * Everything is allocated before the first epoch; the caller's rows are read
 * through a row index and never copied whole. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

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
    o->optim.weight_decay = 0.1f;
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

/* How a run uses its rows: n_all rows in train, n_tr trained on, n_va
 * validated on (split: held out of train), batches of bs. */
typedef struct plan {
    size_t n_all, n_tr, n_va, bs;
    bool   split, has_sw;
    bool   refit; /* a refit follows: a snapshot of the initial parameters */
} plan;

/* Offsets of the trainer's buffers in its block. */
typedef struct offsets {
    size_t idx, pick, vy, vsw, bx, by, bsw, vz, vp, scr, good, best, init;
} offsets;

/* Every count product below is at most n x d or n x k of a set, which
 * check_args proved to fit (mlpb_train_memory checks them itself); reserve
 * checks the byte sizes. The rows themselves are never copied: idx lists the
 * training rows (then, when splitting, the validation rows), and only the
 * validation targets and weights, n_va x (k + 1) floats, are gathered, for
 * the loss and metrics. */
static mlpb_status layout_of(const plan *p, size_t d, size_t k, size_t np, offsets *o,
                             size_t *total)
{
    layout l = {0, MLPB_OK};
    const size_t n_va = p->n_va, bs = p->bs;
    o->idx = reserve(&l, p->n_all, sizeof(size_t));
    o->pick = reserve(&l, p->split ? p->n_all : 0, 1);
    o->vy = reserve(&l, p->split ? n_va * k : 0, sizeof(float));
    o->vsw = reserve(&l, p->split && p->has_sw ? n_va : 0, sizeof(float));
    o->bx = reserve(&l, bs * d, sizeof(float));
    o->by = reserve(&l, bs * k, sizeof(float));
    o->bsw = reserve(&l, p->has_sw ? bs : 0, sizeof(float));
    o->vz = reserve(&l, n_va * k, sizeof(float));
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

/* ------------------------------------------------------------- helpers */
/* Copy the rows of src listed in rows[0..n) to contiguous dx, dy, dsw; each
 * destination may be NULL (not wanted), and dsw must be NULL when
 * src->sample_weight is. */
static void gather(const mlpb_dataset *src, size_t d, size_t k, const size_t *rows, size_t n,
                   float *dx, float *dy, float *dsw)
{
    for (size_t i = 0; i < n; i++) {
        const size_t r = rows[i];
        if (dx != NULL)
            memcpy(dx + i * d, src->x + r * d, d * sizeof(float));
        if (dy != NULL && k == 1) /* one label: no call for 4 bytes */
            dy[i] = src->y[r];
        else if (dy != NULL)
            memcpy(dy + i * k, src->y + r * k, k * sizeof(float));
        if (dsw != NULL)
            dsw[i] = src->sample_weight[r];
    }
}

/* Logits (n x k, into z) of the rows rows[0..n) of src, or of its first n
 * rows when rows is NULL. Listed rows are gathered bs at a time into bx (bs
 * = the workspace's max_batch), so that the products are exactly those
 * mlpb_predict_logits runs on the same rows stored contiguously. */
static mlpb_status logits_of_rows(const mlpb_model *m, mlpb_workspace *ws,
                                  const mlpb_dataset *src, const size_t *rows, size_t n,
                                  size_t bs, float *bx, float *z)
{
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1];
    if (rows == NULL)
        return mlpb_predict_logits(m, ws, src->x, n, z);
    for (size_t i0 = 0; i0 < n; i0 += bs) {
        const size_t nb = n - i0 < bs ? n - i0 : bs;
        gather(src, d, k, rows + i0, nb, bx, NULL, NULL);
        MLPB_TRY(mlpb_predict_logits(m, ws, bx, nb, z + i0 * k));
    }
    return MLPB_OK;
}

/* Rows whose first output is positive (>= 0.5) form class 1, the rest class 0. */
static bool class_of(const mlpb_dataset *ds, size_t k, size_t i)
{
    return ds->y[i * k] >= 0.5f;
}

/* Validation rows per class: round(fraction * count). */
static size_t held_out(double fraction, size_t count)
{
    return (size_t)floor(fraction * (double)count + 0.5);
}

/* The stratified split: pick[i] = 1 for the n_val[c] rows of each class c
 * chosen by a partial Fisher-Yates shuffle of that class's rows. idx is
 * scratch for n entries. */
static void choose_val_rows(const mlpb_dataset *ds, size_t k, const size_t n_val[2],
                            mlpb_rng *rng, size_t *idx, unsigned char *pick)
{
    memset(pick, 0, ds->n);
    for (int c = 0; c < 2; c++) {
        size_t cnt = 0;
        for (size_t i = 0; i < ds->n; i++)
            if (class_of(ds, k, i) == (c == 1))
                idx[cnt++] = i;
        for (size_t i = 0; i < n_val[c]; i++) {
            const size_t j = i + (size_t)mlpb__rng_below(rng, cnt - i);
            const size_t t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            pick[idx[i]] = 1;
        }
    }
}

/* The split's count of validation rows per class into n_val_cls; false
 * when it holds out no row (too few rows, or fraction 0): no validation. */
static bool plan_split(const mlpb_dataset *ds, size_t k, float fraction, size_t n_val_cls[2])
{
    n_val_cls[0] = n_val_cls[1] = 0;
    if (!(fraction > 0.0f))
        return false;
    size_t pos = 0;
    for (size_t i = 0; i < ds->n; i++)
        pos += class_of(ds, k, i);
    n_val_cls[0] = held_out((double)fraction, ds->n - pos);
    n_val_cls[1] = held_out((double)fraction, pos);
    return n_val_cls[0] + n_val_cls[1] > 0;
}

mlpb_status mlpb_train_split(const mlpb_dataset *train, size_t n_outputs, float val_fraction,
                             uint64_t seed, const mlpb_allocator *alloc, unsigned char *pick,
                             size_t *n_val)
{
    if (train == NULL || train->y == NULL || train->n == 0 || n_outputs == 0 || pick == NULL ||
        n_val == NULL || !isfinite(val_fraction) || val_fraction < 0.0f || val_fraction >= 1.0f)
        return MLPB_E_INVALID_ARG;
    size_t cells, bytes;
    MLPB_TRY(mlpb__mul_size(train->n, n_outputs, &cells));
    MLPB_TRY(mlpb__mul_size(train->n, sizeof(size_t), &bytes));
    size_t n_val_cls[2];
    if (!plan_split(train, n_outputs, val_fraction, n_val_cls)) {
        memset(pick, 0, train->n);
        *n_val = 0;
        return MLPB_OK;
    }
    const mlpb_allocator a = mlpb__allocator(alloc);
    size_t *idx = mlpb__alloc(&a, bytes);
    if (idx == NULL)
        return MLPB_E_NOMEM;
    /* mlpb_train's generator, seeded as there: the split is its first use. */
    mlpb_rng rng;
    mlpb__rng_seed(&rng, seed);
    choose_val_rows(train, n_outputs, n_val_cls, &rng, idx, pick);
    mlpb__free(&a, idx);
    *n_val = n_val_cls[0] + n_val_cls[1];
    return MLPB_OK;
}

static bool all_binary(size_t n, const float *y)
{
    for (size_t i = 0; i < n; i++)
        if (y[i] != 0.0f && y[i] != 1.0f)
            return false;
    return true;
}

/* Features, targets and sample weights all finite. */
static bool data_finite(const mlpb_dataset *ds, size_t d, size_t k)
{
    return mlpb__all_finite(ds->n * d, ds->x) && mlpb__all_finite(ds->n * k, ds->y) &&
           (ds->sample_weight == NULL || mlpb__all_finite(ds->n, ds->sample_weight));
}

static void nan_metrics(mlpb_metrics *mt)
{
    const double q = (double)NAN;
    mt->loss = mt->accuracy = mt->precision = mt->recall = mt->f1 = mt->auc = mt->ap = q;
}

/* The options that decide how much a run allocates and on what, in range:
 * epochs, batch, validation share, threading, precision and backend
 * (mlpb_train and the memory queries check them alike). */
static bool opts_sized(const mlpb_train_opts *o)
{
    return o->epochs > 0 && o->batch_size > 0 && isfinite(o->val_fraction) &&
           o->val_fraction >= 0.0f && o->val_fraction < 1.0f &&
           (o->threading == MLPB_THREADING_BLAS || o->threading == MLPB_THREADING_SERIAL_SMALL ||
            o->threading == MLPB_THREADING_SPLIT || o->threading == MLPB_THREADING_AUTO) &&
           (o->precision == MLPB_PRECISION_FP32 || o->precision == MLPB_PRECISION_BF16 ||
            o->precision == MLPB_PRECISION_BF16_EMULATED) &&
           (o->gemm == MLPB_GEMM_AUTO || o->gemm == MLPB_GEMM_BLAS || o->gemm == MLPB_GEMM_ONEDNN);
}

static mlpb_status check_args(const mlpb_model *m, const mlpb_dataset *train,
                              const mlpb_dataset *val, const mlpb_train_opts *o)
{
    if (m == NULL || !mlpb__has_params(m) || train == NULL || o == NULL)
        return MLPB_E_INVALID_ARG;
    if (train->x == NULL || train->y == NULL || train->n == 0)
        return MLPB_E_INVALID_ARG;
    if (val != NULL && (val->x == NULL || val->y == NULL || val->n == 0))
        return MLPB_E_INVALID_ARG;
    if (!opts_sized(o) || !(isfinite(o->min_delta) && o->min_delta >= 0.0f))
        return MLPB_E_INVALID_ARG;
    const size_t k = m->sizes[m->n_sizes - 1];
    if (o->pos_weight != NULL)
        for (size_t j = 0; j < k; j++)
            if (!(isfinite(o->pos_weight[j]) && o->pos_weight[j] > 0.0f))
                return MLPB_E_INVALID_ARG;
    /* Array extents n x d and n x k must exist. */
    size_t cells;
    MLPB_TRY(mlpb__mul_size(train->n, m->sizes[0], &cells));
    MLPB_TRY(mlpb__mul_size(train->n, k, &cells));
    if (val != NULL) {
        MLPB_TRY(mlpb__mul_size(val->n, m->sizes[0], &cells));
        MLPB_TRY(mlpb__mul_size(val->n, k, &cells));
    }
    return MLPB_OK;
}

/* ------------------------------------------------------------- trainer */
/* What the epochs of one stage (the validated run, or the refit) share. */
typedef struct stage {
    mlpb_model         *m;
    mlpb_workspace     *ws;
    mlpb_optim         *opt;
    const mlpb_dataset *train;
    const mlpb_train_opts *opts;
    mlpb_loss_weights   bw;
    size_t              d, k, np;
    size_t             *idx;      /* the rows trained on, reshuffled each epoch */
    size_t              n;        /* how many */
    size_t              bs;       /* rows a batch: min(batch_size, n) */
    size_t              epochs;   /* planned, as the callbacks see them */
    int                 refit;    /* as the callbacks see it */
    float              *bx, *by, *bsw, *good;
    mlpb_rng           *rng;
} stage;

/* Shuffle the rows, then one update a batch. Fills info's epoch, epochs,
 * train_loss and samples_per_s; sets *stop when on_batch asks to stop; on a
 * failure *fail_batch is the 1-based batch. */
static mlpb_status run_epoch(const stage *s, size_t epoch, mlpb_epoch_info *info, bool *stop,
                             size_t *fail_batch)
{
    const size_t n_batches = (s->n + s->bs - 1) / s->bs;
    const double t0 = now_s();
    /* The fallback for an update that overflows a parameter (see below). */
    memcpy(s->good, s->m->params, s->np * sizeof(float));
    mlpb__rng_shuffle(s->rng, s->idx, s->n);
    /* The unit split (unit_split.c) runs every batch of the epoch, the last and
     * smaller one too, on its blocked order of the first layer: in place
     * from here to the epoch's end. */
    const size_t units = mlpb__unit_parts(s->ws, s->bs);
    if (units >= 2)
        mlpb__unit_layout(s->m, s->opt, units, true);
    double loss_sum = 0.0;
    size_t rows = 0;
    for (size_t b = 0; b < n_batches && !*stop; b++) {
        const size_t i0 = b * s->bs, nb = s->n - i0 < s->bs ? s->n - i0 : s->bs;
        gather(s->train, s->d, s->k, s->idx + i0, nb, s->bx, s->by, s->bsw);
        float loss = 0.0f;
        bool finite = true;
        /* No step changes the parameters when it fails, so on
         * MLPB_E_NUMERIC the model still holds the weights before this
         * batch. */
        mlpb_status st;
        if (units >= 2) {
            st = mlpb__unit_step(s->m, s->ws, s->opt, s->bx, s->by, nb, units, &s->bw, &loss,
                                 &finite);
        } else {
            st = mlpb_loss_grad_weighted(s->m, s->ws, s->bx, s->by, nb, &s->bw, &loss);
            if (st == MLPB_OK)
                st = mlpb__optim_update_finite(s->opt, s->m, &finite); /* checked just now */
        }
        if (units >= 2 && (st != MLPB_OK || !finite))
            mlpb__unit_layout(s->m, s->opt, units, false);
        if (st == MLPB_OK && !finite) {
            /* The update itself overflowed: the weights before it are gone,
             * those of the start of the epoch are the last good. */
            memcpy(s->m->params, s->good, s->np * sizeof(float));
            st = MLPB_E_NUMERIC;
        }
        if (st != MLPB_OK) {
            *fail_batch = b + 1;
            return st;
        }
        loss_sum += (double)loss * (double)nb;
        rows += nb;
        if (s->opts->on_batch != NULL &&
            s->opts->on_batch(epoch, b + 1, n_batches, loss, s->opts->ctx) != 0)
            *stop = true;
    }
    if (units >= 2)
        mlpb__unit_layout(s->m, s->opt, units, false);
    const double t1 = now_s();
    memset(info, 0, sizeof *info);
    info->epoch = epoch;
    info->epochs = s->epochs;
    info->train_loss = loss_sum / (double)rows;
    info->val_loss = (double)NAN;
    nan_metrics(&info->val);
    info->samples_per_s = t1 > t0 ? (double)rows / (t1 - t0) : 0.0;
    info->refit = s->refit;
    return MLPB_OK;
}

mlpb_status mlpb_train(mlpb_model *m, const mlpb_dataset *train, const mlpb_dataset *val,
                       const mlpb_train_opts *opts, const mlpb_allocator *alloc,
                       mlpb_train_report *report)
{
    MLPB_TRY(check_args(m, train, val, opts));
    const mlpb_allocator a = mlpb__allocator(alloc);
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1], np = m->n_params;
    const size_t n_all = train->n;
    const bool has_sw = train->sample_weight != NULL;

    /* Plan the split from the class counts alone, so that every buffer can be
     * sized before anything is allocated. */
    size_t n_val_cls[2] = {0, 0};
    const bool split = val == NULL && plan_split(train, k, opts->val_fraction, n_val_cls);
    const size_t n_va = split ? n_val_cls[0] + n_val_cls[1] : (val != NULL ? val->n : 0);
    const size_t n_tr = split ? n_all - n_va : n_all;
    if (n_tr == 0)
        return MLPB_E_INVALID_ARG;
    /* Only rows held out here can be given back to a refit. */
    const bool refit = split && opts->refit;
    const size_t bs = opts->batch_size < n_tr ? opts->batch_size : n_tr;
    /* The refit's batches, over all rows, may be larger. */
    const size_t bs_max = refit && opts->batch_size > bs
                              ? (opts->batch_size < n_all ? opts->batch_size : n_all)
                              : bs;

    /* The buffers take the larger of the two runs' batches. */
    const plan pl = {n_all, n_tr, n_va, bs_max, split, has_sw, refit};
    offsets o;
    size_t block_bytes;
    MLPB_TRY(layout_of(&pl, d, k, np, &o, &block_bytes));
    const size_t o_idx = o.idx, o_pick = o.pick, o_vy = o.vy, o_vsw = o.vsw, o_bx = o.bx,
                 o_by = o.by, o_bsw = o.bsw, o_vz = o.vz, o_vp = o.vp, o_scr = o.scr,
                 o_good = o.good, o_best = o.best, o_init = o.init;

    mlpb_status st = MLPB_OK;
    mlpb_workspace *ws = NULL;
    mlpb_optim *opt = NULL;
    void *block = mlpb__alloc(&a, block_bytes);
    if (block == NULL)
        return MLPB_E_NOMEM;
    if ((st = mlpb_workspace_create(m, bs_max, &a, &ws)) != MLPB_OK)
        goto fail;
    if ((st = mlpb_workspace_set_threading(ws, opts->threading)) != MLPB_OK)
        goto fail;
    if ((st = mlpb_workspace_set_precision(ws, opts->precision)) != MLPB_OK)
        goto fail;
    if ((st = mlpb_workspace_set_gemm(ws, opts->gemm)) != MLPB_OK)
        goto fail;
    if ((st = mlpb_optim_create(m, &opts->optim, &a, &opt)) != MLPB_OK)
        goto fail;

    size_t *idx = at(block, o_idx, n_all);
    float *bx = at(block, o_bx, bs_max * d), *by = at(block, o_by, bs_max * k);
    float *bsw = at(block, o_bsw, has_sw ? bs_max : 0);
    float *vz = at(block, o_vz, n_va * k), *vp = at(block, o_vp, n_va * k);
    float *good = at(block, o_good, np), *best = at(block, o_best, n_va > 0 ? np : 0);
    float *init = at(block, o_init, refit ? np : 0);
    void *scr = at(block, o_scr, n_va);

    mlpb_rng rng;
    mlpb__rng_seed(&rng, opts->seed);
    /* The validation rows: those of val (vrows NULL: all, in order), or the
     * split's, listed in vrows. vy, vsw: their targets and weights. */
    const mlpb_dataset *vsrc = val;
    const size_t *vrows = NULL;
    const float *vy = val != NULL ? val->y : NULL;
    const float *vsw = val != NULL ? val->sample_weight : NULL;
    if (split) {
        unsigned char *pick = at(block, o_pick, n_all);
        choose_val_rows(train, k, n_val_cls, &rng, idx, pick);
        /* Both sides keep the rows' order in the data. */
        size_t ntr = 0, nva = 0;
        for (size_t i = 0; i < n_all; i++)
            idx[pick[i] ? n_tr + nva++ : ntr++] = i;
        float *gy = at(block, o_vy, n_va * k), *gsw = at(block, o_vsw, has_sw ? n_va : 0);
        gather(train, d, k, idx + n_tr, n_va, NULL, gy, gsw);
        vsrc = train;
        vrows = idx + n_tr;
        vy = gy;
        vsw = gsw;
    } else {
        for (size_t i = 0; i < n_tr; i++)
            idx[i] = i;
    }
    const bool val_binary = n_va > 0 && all_binary(n_va * k, vy);
    if (refit)
        memcpy(init, m->params, np * sizeof(float));

    mlpb_train_report rep;
    memset(&rep, 0, sizeof rep);
    rep.best_val_loss = (double)NAN;
    rep.last.val_loss = (double)NAN;
    nan_metrics(&rep.last.val);
    rep.best = rep.last;
    rep.refit_train_loss = (double)NAN;
    const double t_start = now_s();

    /* All data is checked once, here, before the model changes, so that a
     * failure inside the loop can only mean that the model diverged. */
    if (!data_finite(train, d, k) || (val != NULL && !data_finite(val, d, k))) {
        st = MLPB_E_NUMERIC;
        goto report;
    }
    /* On the training rows in the data's order (idx is not shuffled yet). */
    if (opts->standardize &&
        (st = mlpb__fit_standardization_rows(m, train->x, split ? idx : NULL, n_tr)) != MLPB_OK)
        goto report;

    stage s = {m,  ws, opt, train, opts, {opts->pos_weight, has_sw ? bsw : NULL},
               d,  k,  np,  idx,   n_tr, bs, opts->epochs, 0, bx, by, has_sw ? bsw : NULL,
               good, &rng};
    double best_loss = (double)INFINITY;
    size_t wait = 0;
    bool stop = false;
    for (size_t epoch = 1; epoch <= opts->epochs; epoch++) {
        const double t0 = now_s();
        mlpb_epoch_info info;
        size_t fail_batch = 0;
        if ((st = run_epoch(&s, epoch, &info, &stop, &fail_batch)) != MLPB_OK) {
            rep.fail_epoch = epoch;
            rep.fail_batch = fail_batch;
            goto report;
        }
        if (n_va > 0) {
            /* One forward pass gives both the loss (from the logits, with the
             * training weights) and the probabilities for the metrics. */
            st = logits_of_rows(m, ws, vsrc, vrows, n_va, bs, bx, vz);
            if (st != MLPB_OK)
                goto report;
            info.val_loss = mlpb__bce(n_va, k, vz, vy, opts->pos_weight, vsw) / (double)n_va;
            if (!isfinite(info.val_loss)) {
                /* fail_batch 0: the validation pass. */
                rep.fail_epoch = epoch;
                st = MLPB_E_NUMERIC;
                goto report;
            }
            mlpb__sigmoid(n_va * k, vz, vp);
            if (val_binary) {
                st = mlpb__metrics_work(vp, vy, n_va, k, scr, NULL, &info.val, NULL);
                if (st != MLPB_OK)
                    goto report;
            }
            if (info.val_loss < best_loss - (double)opts->min_delta) {
                best_loss = info.val_loss;
                rep.best_epoch = epoch;
                rep.best_val_loss = best_loss;
                wait = 0;
                if (opts->restore_best)
                    memcpy(best, m->params, np * sizeof(float));
            } else {
                wait++;
            }
        }
        info.best_epoch = rep.best_epoch;
        info.seconds = now_s() - t0;
        if (rep.best_epoch == epoch)
            rep.best = info;
        rep.last = info;
        rep.epochs_run = epoch;
        if (opts->on_epoch != NULL && opts->on_epoch(&info, opts->ctx) != 0)
            stop = true;
        if (stop) {
            rep.stopped_by_callback = 1;
            break;
        }
        if (n_va > 0 && opts->patience > 0 && wait >= opts->patience) {
            rep.stopped_early = 1;
            break;
        }
    }

    if (refit && !stop && rep.best_epoch > 0) {
        /* The refit: exactly a run on all rows without validation for
         * best_epoch epochs from the same start -- the initial parameters, a
         * fresh optimiser, the standardisation of all rows and the shuffling
         * stream of the seed. */
        memcpy(m->params, init, np * sizeof(float));
        mlpb_optim_reset(opt);
        mlpb__rng_seed(&rng, opts->seed);
        for (size_t i = 0; i < n_all; i++)
            idx[i] = i;
        if (opts->standardize &&
            (st = mlpb__fit_standardization_rows(m, train->x, NULL, n_all)) != MLPB_OK)
            goto report;
        s.n = n_all;
        s.bs = opts->batch_size < n_all ? opts->batch_size : n_all;
        s.epochs = rep.best_epoch;
        s.refit = 1;
        for (size_t epoch = 1; epoch <= rep.best_epoch && !stop; epoch++) {
            const double t0 = now_s();
            mlpb_epoch_info info;
            size_t fail_batch = 0;
            rep.refit_epochs = epoch;
            if ((st = run_epoch(&s, epoch, &info, &stop, &fail_batch)) != MLPB_OK) {
                rep.fail_epoch = epoch;
                rep.fail_batch = fail_batch;
                goto report;
            }
            info.seconds = now_s() - t0;
            rep.refit_train_loss = info.train_loss;
            if (opts->on_epoch != NULL && opts->on_epoch(&info, opts->ctx) != 0)
                stop = true;
        }
        rep.stopped_by_callback = stop;
    } else if (n_va > 0 && opts->restore_best && rep.best_epoch > 0) {
        memcpy(m->params, best, np * sizeof(float));
    }
    st = MLPB_OK;

report:
    rep.seconds = now_s() - t_start;
    if (report != NULL)
        *report = rep;
fail:
    mlpb_optim_destroy(opt);
    mlpb_workspace_destroy(ws);
    mlpb__free(&a, block);
    return st;
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
    /* The split holds out round(f n0) + round(f n1) <= floor(f n) + 1 rows,
     * and leaves at least one to train on. */
    size_t n_va = 0;
    if (opts->val_fraction > 0.0f) {
        n_va = (size_t)floor((double)opts->val_fraction * (double)n_rows) + 1;
        if (n_va > n_rows - 1)
            n_va = n_rows - 1;
    }
    const size_t bs = opts->batch_size < n_rows ? opts->batch_size : n_rows;
    const plan p = {n_rows, n_rows - n_va, n_va, bs, n_va > 0, true, n_va > 0 && opts->refit};
    return peak_bytes(&p, sizes, n_sizes, opts, bytes);
}

mlpb_status mlpb_train_memory_val(const size_t *sizes, size_t n_sizes, size_t n_train,
                                  size_t n_val, const mlpb_train_opts *opts, size_t *bytes)
{
    MLPB_TRY(memory_args(sizes, n_sizes, n_train, opts, bytes));
    if (n_val == 0)
        return MLPB_E_INVALID_ARG;
    const size_t bs = opts->batch_size < n_train ? opts->batch_size : n_train;
    const plan p = {n_train, n_train, n_val, bs, false, true, false};
    return peak_bytes(&p, sizes, n_sizes, opts, bytes);
}
