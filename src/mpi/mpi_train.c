/* mpi_train.c -- mlpb_train across the ranks of a communicator. Every rank
 * runs mlpb_train's schedule on the global rows -- the same generator, the
 * same stratified split and per-epoch shuffle of the global row index -- and
 * computes the rows of each global batch that it holds (mlpb_mpi_loss_grad);
 * epoch figures are reduced on rank 0, which decides and broadcasts them, so
 * every rank takes the same branch. */
#include "mlpb_internal.h" /* mlpb_rng, built here under mlpbm__ names */
#include "mpi_internal.h"

#include <limits.h>
#include <math.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* mlpb_train's argument checks, on this rank's part. */
static mlpb_status check_local(const mlpb_model *m, const mlpb_dataset *tr,
                               const mlpb_dataset *val, const mlpb_train_opts *o)
{
    if (m == NULL || tr == NULL || o == NULL)
        return MLPB_E_INVALID_ARG;
    if (tr->n > 0 && (tr->x == NULL || tr->y == NULL))
        return MLPB_E_INVALID_ARG;
    if (val != NULL && val->n > 0 && (val->x == NULL || val->y == NULL))
        return MLPB_E_INVALID_ARG;
    if (o->epochs == 0 || o->batch_size == 0)
        return MLPB_E_INVALID_ARG;
    if (!(isfinite(o->val_fraction) && o->val_fraction >= 0.0f && o->val_fraction < 1.0f))
        return MLPB_E_INVALID_ARG;
    if (!(isfinite(o->min_delta) && o->min_delta >= 0.0f))
        return MLPB_E_INVALID_ARG;
    if (o->threading != MLPB_THREADING_BLAS && o->threading != MLPB_THREADING_SERIAL_SMALL &&
        o->threading != MLPB_THREADING_SPLIT && o->threading != MLPB_THREADING_AUTO)
        return MLPB_E_INVALID_ARG;
    if (o->precision != MLPB_PRECISION_FP32 && o->precision != MLPB_PRECISION_BF16 &&
        o->precision != MLPB_PRECISION_BF16_EMULATED)
        return MLPB_E_INVALID_ARG;
    if (o->gemm != MLPB_GEMM_AUTO && o->gemm != MLPB_GEMM_BLAS && o->gemm != MLPB_GEMM_ONEDNN)
        return MLPB_E_INVALID_ARG;
    const size_t d = mlpb_model_n_inputs(m), k = mlpb_model_n_outputs(m);
    if (o->pos_weight != NULL)
        for (size_t j = 0; j < k; j++)
            if (!(isfinite(o->pos_weight[j]) && o->pos_weight[j] > 0.0f))
                return MLPB_E_INVALID_ARG;
    const size_t w = d > k ? d : k;
    if (tr->n > SIZE_MAX / sizeof(float) / w ||
        (val != NULL && val->n > SIZE_MAX / sizeof(float) / w))
        return MLPB_E_OVERFLOW;
    return MLPB_OK;
}

/* What must be the same on every rank: the architecture, the options, and
 * whether there is a batch callback and overlap. */
static uint64_t opts_hash(const mlpb_model *m, const mlpb_train_opts *o,
                          const mlpb_mpi_opts *mo)
{
    uint64_t h = mlpbm__arch_hash(m);
    /* Both change which collectives a step runs. */
    const int coll[2] = {o->on_batch != NULL, mo != NULL && mo->overlap};
    h = mlpbm__hash(h, coll, sizeof coll);
    const size_t sz[3] = {o->epochs, o->batch_size, o->patience};
    h = mlpbm__hash(h, sz, sizeof sz);
    h = mlpbm__hash(h, &o->seed, sizeof o->seed);
    const float f[2] = {o->val_fraction, o->min_delta};
    h = mlpbm__hash(h, f, sizeof f);
    const int i[6] = {o->restore_best, o->standardize, (int)o->threading, o->pos_weight != NULL,
                      (int)o->precision, (int)o->gemm};
    h = mlpbm__hash(h, i, sizeof i);
    const mlpb_optim_opts *q = &o->optim;
    const float qf[9] = {q->lr, q->momentum, q->beta1, q->beta2, q->rho, q->eps,
                         q->weight_decay, q->clip_norm, q->gamma};
    h = mlpbm__hash(h, qf, sizeof qf);
    const uint64_t qu[5] = {(uint64_t)q->kind, (uint64_t)q->schedule, q->step_size, q->t_max,
                            q->warmup};
    h = mlpbm__hash(h, qu, sizeof qu);
    h = mlpbm__hash(h, &q->lr_min, sizeof q->lr_min);
    if (o->pos_weight != NULL)
        h = mlpbm__hash(h, o->pos_weight, mlpb_model_n_outputs(m) * sizeof(float));
    return h;
}

static bool data_finite(const mlpb_dataset *ds, size_t d, size_t k)
{
    return ds == NULL || ds->n == 0 ||
           (mlpbm__all_finite(ds->n * d, ds->x) && mlpbm__all_finite(ds->n * k, ds->y) &&
            (ds->sample_weight == NULL || mlpbm__all_finite(ds->n, ds->sample_weight)));
}

/* mlpb_train's stratified split (train.c, choose_val_rows) on the global
 * class bytes cls[0..n): the same draws in the same order. */
static void choose_val_rows(const unsigned char *cls, size_t n, const size_t n_val[2],
                            mlpb_rng *rng, size_t *idx, unsigned char *pick)
{
    memset(pick, 0, n);
    for (int c = 0; c < 2; c++) {
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            if (cls[i] == (unsigned char)c)
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

static size_t held_out(double fraction, size_t count)
{
    return (size_t)floor(fraction * (double)count + 0.5);
}

/* BCE sum (as the core's, in double) of n rows of logits z; also turns z
 * into probabilities. */
static double bce_sum(size_t n, size_t k, float *z, const float *y, const float *pw,
                      const float *sw)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double row = 0.0;
        for (size_t j = 0; j < k; j++) {
            const double zz = (double)z[i * k + j], yy = (double)y[i * k + j];
            const double p = pw == NULL ? 1.0 : (double)pw[j];
            const double t = exp(-fabs(zz)), l = log1p(t);
            const double sp = (zz > 0.0 ? zz : 0.0) + l, spn = (zz < 0.0 ? -zz : 0.0) + l;
            row += p * yy * spn + (1.0 - yy) * sp;
            z[i * k + j] = (float)(zz >= 0.0 ? 1.0 / (1.0 + t) : t / (1.0 + t));
        }
        sum += (sw == NULL ? 1.0 : (double)sw[i]) * row;
    }
    return sum;
}

/* The rows of this rank: global rows [lo, lo + n). */
typedef struct rows_src {
    const mlpb_dataset *ds;
    size_t lo;
} rows_src;

static void gather(const rows_src *s, size_t d, size_t k, const size_t *grows, size_t n,
                   float *dx, float *dy, float *dsw)
{
    for (size_t i = 0; i < n; i++) {
        const size_t r = grows[i] - s->lo;
        memcpy(dx + i * d, s->ds->x + r * d, d * sizeof(float));
        if (dy != NULL)
            memcpy(dy + i * k, s->ds->y + r * k, k * sizeof(float));
        if (dsw != NULL)
            dsw[i] = s->ds->sample_weight == NULL ? 1.0f : s->ds->sample_weight[r];
    }
}

/* Every buffer of the trainer; NULL where unused. */
typedef struct bufs {
    size_t *idx;          /* n_all global row ids: training, then validation */
    unsigned char *cls;   /* n_all (split only) */
    unsigned char *pick;  /* n_all (split only) */
    size_t *lrows;        /* bs */
    size_t *vrow;         /* bs: global ids of a validation chunk */
    float *bx, *by, *bsw; /* bs rows */
    float *vz;            /* bs * k */
    float *vp;            /* this rank's validation probabilities, n_va_loc * k */
    float *gp, *gy;       /* rank 0: all validation probabilities and labels */
    float *good, *best;   /* np each */
    int *counts, *displs; /* size: the Gatherv layout */
} bufs;

static void bufs_free(const mlpb_allocator *a, bufs *b)
{
    void *all[] = {b->idx, b->cls, b->pick, b->lrows, b->vrow, b->bx, b->by, b->bsw, b->vz,
                   b->vp, b->gp, b->gy, b->good, b->best, b->counts, b->displs};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        mlpbm__free(a, all[i]);
}

/* Allocate count * elem bytes into *p (count 0: NULL); false on failure. */
static bool get(const mlpb_allocator *a, void *p, size_t count, size_t elem)
{
    void **pp = p;
    *pp = NULL;
    if (count == 0)
        return true;
    if (count > SIZE_MAX / elem)
        return false;
    return (*pp = mlpbm__alloc(a, count * elem)) != NULL;
}

static bool params_finite(mlpb_model *m)
{
    size_t np;
    const float *p = mlpb_model_params(m, &np);
    return mlpbm__all_finite(np, p);
}

mlpb_status mlpb_mpi_train(mlpb_model *m, const mlpb_dataset *shard, const mlpb_dataset *val,
                           const mlpb_train_opts *opts, const mlpb_mpi_opts *mopts,
                           MPI_Comm comm, const mlpb_allocator *alloc, mlpb_mpi_report *report)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    MLPBM_TRY_AGREED(check_local(m, shard, val, opts), comm);
    if (!mlpbm__same_everywhere(opts_hash(m, opts, mopts), comm))
        return MLPB_E_INVALID_ARG;

    const size_t d = mlpb_model_n_inputs(m), k = mlpb_model_n_outputs(m);
    size_t np;
    (void)mlpb_model_params(m, &np);
    const bool has_val = val != NULL && val->n > 0;

    /* Global layout: rank r's rows are [lo_r, lo_r + n_r); the same for the
     * validation sets. */
    unsigned long long mine[2] = {shard->n, has_val ? val->n : 0}, lo[2] = {0, 0}, tot[2];
    MPI_Exscan(mine, lo, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm);
    if (rank == 0)
        lo[0] = lo[1] = 0; /* Exscan leaves rank 0's undefined */
    MPI_Allreduce(mine, tot, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm);
    const size_t n_all = (size_t)tot[0], n_val_given = (size_t)tot[1];
    const size_t my_lo = (size_t)lo[0], my_n = shard->n;
    if (n_all == 0)
        return MLPB_E_INVALID_ARG;

    const mlpb_allocator *a = alloc;
    bufs b;
    memset(&b, 0, sizeof b);
    mlpb_status st = MLPB_OK;
    bool ok = true;

    /* The split needs every row's class: one byte a row, gathered. */
    const bool want_split = n_val_given == 0 && opts->val_fraction > 0.0f;
    if (want_split && n_all > (size_t)INT_MAX)
        st = MLPB_E_OVERFLOW; /* MPI_Allgatherv displacements are int */
    ok = st == MLPB_OK && get(a, &b.idx, n_all, sizeof(size_t)) &&
         get(a, &b.cls, want_split ? n_all : 0, 1) &&
         get(a, &b.pick, want_split ? n_all : 0, 1) &&
         get(a, &b.counts, (size_t)size, sizeof(int)) &&
         get(a, &b.displs, (size_t)size, sizeof(int));
    if (st == MLPB_OK && !ok)
        st = MLPB_E_NOMEM;
    if ((st = mlpb_mpi_agree(st, comm, NULL)) != MLPB_OK) {
        bufs_free(a, &b);
        return st;
    }
    size_t n_val_cls[2] = {0, 0};
    bool split = false;
    if (want_split) {
        for (size_t i = 0; i < my_n; i++)
            b.pick[i] = shard->y[i * k] >= 0.5f;
        int n_i = (int)my_n;
        MPI_Allgather(&n_i, 1, MPI_INT, b.counts, 1, MPI_INT, comm);
        for (int r = 0, off = 0; r < size; r++) {
            b.displs[r] = off;
            off += b.counts[r];
        }
        MPI_Allgatherv(b.pick, n_i, MPI_UNSIGNED_CHAR, b.cls, b.counts, b.displs,
                       MPI_UNSIGNED_CHAR, comm);
        size_t pos = 0;
        for (size_t i = 0; i < n_all; i++)
            pos += b.cls[i];
        n_val_cls[0] = held_out((double)opts->val_fraction, n_all - pos);
        n_val_cls[1] = held_out((double)opts->val_fraction, pos);
        split = n_val_cls[0] + n_val_cls[1] > 0;
    }
    const size_t n_va = split ? n_val_cls[0] + n_val_cls[1] : n_val_given;
    const size_t n_tr = split ? n_all - n_va : n_all;
    if (n_tr == 0) {
        bufs_free(a, &b);
        return MLPB_E_INVALID_ARG;
    }
    const size_t bs = opts->batch_size < n_tr ? opts->batch_size : n_tr;
    const size_t n_batches = (n_tr + bs - 1) / bs;

    mlpb_rng rng;
    mlpb__rng_seed(&rng, opts->seed);
    /* Global training rows in data order, then the validation rows. */
    if (split) {
        choose_val_rows(b.cls, n_all, n_val_cls, &rng, b.idx, b.pick);
        size_t ntr = 0, nva = 0;
        for (size_t i = 0; i < n_all; i++)
            b.idx[b.pick[i] ? n_tr + nva++ : ntr++] = i;
    } else {
        for (size_t i = 0; i < n_tr; i++)
            b.idx[i] = i;
    }
    /* This rank's training rows and (split) validation rows are runs of idx:
     * [tr0, tr1) and [va0, va1). */
    size_t tr0 = 0, tr1 = 0, va0 = n_tr, va1 = n_tr;
    while (tr0 < n_tr && b.idx[tr0] < my_lo)
        tr0++;
    for (tr1 = tr0; tr1 < n_tr && b.idx[tr1] < my_lo + my_n; tr1++)
        ;
    if (split) {
        while (va0 < n_all && b.idx[va0] < my_lo)
            va0++;
        for (va1 = va0; va1 < n_all && b.idx[va1] < my_lo + my_n; va1++)
            ;
    }
    const size_t n_va_loc = split ? va1 - va0 : (has_val ? val->n : 0);

    /* Everything else, then the step's state, workspace and optimiser. */
    ok = get(a, &b.lrows, bs, sizeof(size_t)) && get(a, &b.vrow, bs, sizeof(size_t)) &&
         get(a, &b.bx, bs * d, sizeof(float)) && get(a, &b.by, bs * k, sizeof(float)) &&
         get(a, &b.bsw, bs, sizeof(float)) && get(a, &b.vz, n_va > 0 ? bs * k : 0, sizeof(float)) &&
         get(a, &b.vp, n_va_loc * k, sizeof(float)) &&
         get(a, &b.gp, rank == 0 ? n_va * k : 0, sizeof(float)) &&
         get(a, &b.gy, rank == 0 ? n_va * k : 0, sizeof(float)) &&
         get(a, &b.good, np, sizeof(float)) && get(a, &b.best, n_va > 0 ? np : 0, sizeof(float));
    st = ok ? MLPB_OK : MLPB_E_NOMEM;
    if (n_va > 0 && n_va * k > (size_t)INT_MAX)
        st = MLPB_E_OVERFLOW; /* the Gatherv of the probabilities */
    mlpb_workspace *ws = NULL;
    mlpb_optim *opt = NULL;
    if (st == MLPB_OK && (st = mlpb_workspace_create(m, bs, alloc, &ws)) == MLPB_OK &&
        (st = mlpb_workspace_set_threading(ws, opts->threading)) == MLPB_OK &&
        (st = mlpb_workspace_set_precision(ws, opts->precision)) == MLPB_OK &&
        (st = mlpb_workspace_set_gemm(ws, opts->gemm)) == MLPB_OK)
        st = mlpb_optim_create(m, &opts->optim, alloc, &opt);
    if ((st = mlpb_mpi_agree(st, comm, NULL)) != MLPB_OK) {
        mlpb_optim_destroy(opt);
        mlpb_workspace_destroy(ws);
        bufs_free(a, &b);
        return st;
    }
    mlpb_mpi *c = NULL;
    if ((st = mlpb_mpi_create(comm, m, bs, alloc, &c)) == MLPB_OK && mopts != NULL &&
        mopts->overlap)
        st = mlpb_mpi_set_overlap(c, 1); /* the same on every rank: the same model */
    if (st == MLPB_OK)
        st = mlpb_mpi_bcast_model(m, 0, comm);
    if (st != MLPB_OK) {
        mlpb_mpi_destroy(c);
        mlpb_optim_destroy(opt);
        mlpb_workspace_destroy(ws);
        bufs_free(a, &b);
        return st;
    }

    /* Validation labels, gathered once on rank 0, in global order. */
    const rows_src tsrc = {shard, my_lo};
    const rows_src vsrc = split ? tsrc : (rows_src){val, 0};
    if (n_va > 0) {
        for (size_t i = 0; i < n_va_loc; i++) {
            const float *yr = split ? shard->y + (b.idx[va0 + i] - my_lo) * k : val->y + i * k;
            memcpy(b.vp + i * k, yr, k * sizeof(float));
        }
        int n_i = (int)(n_va_loc * k);
        MPI_Gather(&n_i, 1, MPI_INT, b.counts, 1, MPI_INT, 0, comm);
        if (rank == 0)
            for (int r = 0, off = 0; r < size; r++) {
                b.displs[r] = off;
                off += b.counts[r];
            }
        MPI_Gatherv(b.vp, n_i, MPI_FLOAT, b.gy, b.counts, b.displs, MPI_FLOAT, 0, comm);
    }
    int val_binary = 0;
    if (rank == 0 && n_va > 0) {
        val_binary = 1;
        for (size_t i = 0; i < n_va * k; i++)
            if (b.gy[i] != 0.0f && b.gy[i] != 1.0f)
                val_binary = 0;
    }

    mlpb_mpi_report rep;
    memset(&rep, 0, sizeof rep);
    rep.fail_rank = -1;
    rep.n_train = n_tr;
    rep.n_val = n_va;
    rep.train.best_val_loss = (double)NAN;
    rep.train.last.val_loss = (double)NAN;
    {
        const double q = (double)NAN;
        mlpb_metrics *mt = &rep.train.last.val;
        mt->loss = mt->accuracy = mt->precision = mt->recall = mt->f1 = mt->auc = q;
    }
    const double t_start = now_s();

    /* Data is checked before the model changes, on every rank. */
    st = data_finite(shard, d, k) && data_finite(has_val ? val : NULL, d, k) ? MLPB_OK
                                                                            : MLPB_E_NUMERIC;
    if ((st = mlpb_mpi_agree(st, comm, &rep.fail_rank)) != MLPB_OK)
        goto report;
    /* Standardisation on the global training rows. */
    if (opts->standardize &&
        (st = mlpbm__fit_rows(m, shard->x, b.idx + tr0, my_lo, tr1 - tr0, comm)) != MLPB_OK)
        goto report;

    const float *pw = opts->pos_weight;
    double best_loss = (double)INFINITY;
    size_t wait = 0;
    for (size_t epoch = 1; epoch <= opts->epochs; epoch++) {
        const double t0 = now_s();
        memcpy(b.good, mlpb_model_params(m, NULL), np * sizeof(float));
        mlpb__rng_shuffle(&rng, b.idx, n_tr);
        double loss_sum = 0.0;
        size_t rows = 0;
        int stop = 0;
        for (size_t bi = 0; bi < n_batches && !stop; bi++) {
            const size_t i0 = bi * bs, nb = n_tr - i0 < bs ? n_tr - i0 : bs;
            size_t nl = 0;
            for (size_t j = i0; j < i0 + nb; j++)
                if (b.idx[j] - my_lo < my_n) /* unsigned: below my_lo wraps */
                    b.lrows[nl++] = b.idx[j];
            gather(&tsrc, d, k, b.lrows, nl, b.bx, b.by, b.bsw);
            const mlpb_loss_weights bw = {pw, shard->sample_weight != NULL ? b.bsw : NULL};
            float share = 0.0f;
            int fr = -1;
            st = mlpb_mpi_loss_grad(c, m, ws, b.bx, b.by, nl, nb, &bw, &share, &fr);
            /* The gradient is the same everywhere and finite: so is the step. */
            if (st == MLPB_OK)
                st = mlpb_optim_step(opt, m);
            if (st != MLPB_OK) {
                /* An earlier update may have overflowed a parameter; the
                 * start of the epoch is then the last good state. */
                if (!params_finite(m))
                    memcpy(mlpb_model_params(m, NULL), b.good, np * sizeof(float));
                rep.fail_rank = fr;
                rep.train.fail_epoch = epoch;
                rep.train.fail_batch = bi + 1;
                goto report;
            }
            loss_sum += (double)share * (double)nb;
            rows += nb;
            if (opts->on_batch != NULL) {
                double bl = (double)share;
                MPI_Allreduce(MPI_IN_PLACE, &bl, 1, MPI_DOUBLE, MPI_SUM, comm);
                stop = opts->on_batch(epoch, bi + 1, n_batches, (float)bl, opts->ctx) != 0;
                MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, comm);
            }
        }
        const double t_train = now_s();

        /* This rank's validation loss sum and probabilities. */
        double sums[2] = {loss_sum, 0.0};
        if (n_va > 0) {
            for (size_t i0 = 0; i0 < n_va_loc && st == MLPB_OK; i0 += bs) {
                const size_t nb = n_va_loc - i0 < bs ? n_va_loc - i0 : bs;
                for (size_t i = 0; i < nb; i++)
                    b.vrow[i] = split ? b.idx[va0 + i0 + i] : i0 + i;
                gather(&vsrc, d, k, b.vrow, nb, b.bx, b.by, b.bsw);
                st = mlpb_predict_logits(m, ws, b.bx, nb, b.vz);
                const bool wsw = vsrc.ds->sample_weight != NULL;
                sums[1] += bce_sum(nb, k, b.vz, b.by, pw, wsw ? b.bsw : NULL);
                memcpy(b.vp + i0 * k, b.vz, nb * k * sizeof(float));
            }
            if (st == MLPB_OK && !isfinite(sums[1]))
                st = MLPB_E_NUMERIC;
            if (st != MLPB_OK)
                sums[1] = (double)NAN;
            int n_i = (int)(n_va_loc * k);
            MPI_Gatherv(b.vp, n_i, MPI_FLOAT, b.gp, b.counts, b.displs, MPI_FLOAT, 0, comm);
        }
        const mlpb_status my_val_st = st;
        MPI_Reduce(rank == 0 ? MPI_IN_PLACE : sums, sums, 2, MPI_DOUBLE, MPI_SUM, 0, comm);
        /* Rank 0 decides: train loss, validation loss, metrics, status. */
        double dec[9];
        for (size_t i = 0; i < 9; i++)
            dec[i] = (double)NAN;
        if (rank == 0) {
            dec[0] = sums[0] / (double)rows;
            dec[8] = 0.0;
            if (n_va > 0) {
                dec[1] = sums[1] / (double)n_va;
                if (!isfinite(dec[1])) {
                    dec[8] = (double)MLPB_E_NUMERIC;
                } else if (val_binary) {
                    mlpb_metrics mt;
                    const mlpb_status ms =
                        mlpb_metrics_compute(b.gp, b.gy, n_va, k, alloc, NULL, &mt, NULL);
                    if (ms != MLPB_OK) {
                        dec[8] = (double)ms;
                    } else {
                        dec[2] = mt.loss, dec[3] = mt.accuracy, dec[4] = mt.precision;
                        dec[5] = mt.recall, dec[6] = mt.f1, dec[7] = mt.auc;
                    }
                }
            }
        }
        MPI_Bcast(dec, 9, MPI_DOUBLE, 0, comm);
        if (dec[8] != 0.0) {
            st = (mlpb_status)(int)dec[8];
            rep.train.fail_epoch = epoch; /* fail_batch 0: the validation pass */
            (void)mlpb_mpi_agree(my_val_st, comm, &rep.fail_rank);
            goto report;
        }

        mlpb_epoch_info info;
        memset(&info, 0, sizeof info);
        info.epoch = epoch;
        info.epochs = opts->epochs;
        info.train_loss = dec[0];
        info.val_loss = dec[1];
        info.val.loss = dec[2], info.val.accuracy = dec[3], info.val.precision = dec[4];
        info.val.recall = dec[5], info.val.f1 = dec[6], info.val.auc = dec[7];
        if (n_va > 0) {
            if (info.val_loss < best_loss - (double)opts->min_delta) {
                best_loss = info.val_loss;
                rep.train.best_epoch = epoch;
                rep.train.best_val_loss = best_loss;
                wait = 0;
                if (opts->restore_best)
                    memcpy(b.best, mlpb_model_params(m, NULL), np * sizeof(float));
            } else {
                wait++;
            }
        }
        const double t_end = now_s();
        info.best_epoch = rep.train.best_epoch;
        info.seconds = t_end - t0;
        info.samples_per_s = t_train > t0 ? (double)rows / (t_train - t0) : 0.0;
        rep.train.last = info;
        rep.train.epochs_run = epoch;
        int cb = opts->on_epoch != NULL && opts->on_epoch(&info, opts->ctx) != 0;
        MPI_Allreduce(MPI_IN_PLACE, &cb, 1, MPI_INT, MPI_MAX, comm);
        if (stop || cb) {
            rep.train.stopped_by_callback = 1;
            break;
        }
        if (n_va > 0 && opts->patience > 0 && wait >= opts->patience) {
            rep.train.stopped_early = 1;
            break;
        }
    }
    if (n_va > 0 && opts->restore_best && rep.train.best_epoch > 0)
        memcpy(mlpb_model_params(m, NULL), b.best, np * sizeof(float));
    st = MLPB_OK;

report:
    rep.train.seconds = now_s() - t_start;
    rep.steps = mlpb_mpi_steps(c);
    rep.comm_seconds = mlpb_mpi_comm_seconds(c);
    if (report != NULL)
        *report = rep;
    mlpb_mpi_destroy(c);
    mlpb_optim_destroy(opt);
    mlpb_workspace_destroy(ws);
    bufs_free(a, &b);
    return st;
}
