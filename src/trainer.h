/* trainer.h -- what the trainer's files (train.c: plan, buffers, the run;
 * train_epoch.c: one epoch and one validation pass) share. Private. */
#ifndef MLPB_TRAINER_H
#define MLPB_TRAINER_H

#include "mlpb_internal.h"

/* One training run in progress, on this part's rows of all parts' (comm
 * NULL: a single part holding every row). Row ids are global: this part
 * holds [lo, lo + train->n). */
typedef struct mlpb__run {
    mlpb_model            *m;
    mlpb_workspace        *ws;
    mlpb_optim            *opt;
    const mlpb_train_opts *opts;
    const mlpb_train_comm *comm;
    const mlpb_dataset    *train; /* this part's rows */
    const mlpb_dataset    *val;   /* this part's rows of the val set, or NULL */
    size_t d, k, np;
    size_t lo;                    /* global id of this part's first row */
    size_t *idx;                  /* global ids: the rows trained on, then the
                                     validation rows of a split */
    size_t n;                     /* rows trained on (all parts) */
    size_t bs;                    /* rows a batch: min(batch_size, n) */
    size_t epochs;                /* planned, as the callbacks see them */
    int    refit;                 /* as the callbacks see it */
    float *bx, *by, *bsw;         /* a batch of this part's rows */
    float *good;                  /* the parameters at the start of the epoch */
    mlpb_rng *rng;
    /* Validation: n_va rows of all parts, in global order; this part's are
     * positions [va0, va1): rows vrows[va0..va1) of train (a split), or its
     * val rows (vrows NULL). */
    size_t        n_va, va0, va1;
    const size_t *vrows;
    float        *vz;             /* a chunk's logits, bs x k */
    float        *vp;             /* every validation row's probabilities, n_va x k */
    const float  *vy;             /* every validation row's targets, n_va x k */
    void         *scr;            /* metrics scratch */
    bool          val_binary;     /* vy all 0 or 1: metrics */
} mlpb__run;

/* Copy the rows rows[i] - base (rows NULL: first + i) of src, i < n, to
 * contiguous dx, dy, dsw (each may be NULL: not wanted; dsw gets 1 where
 * src has no sample weights). */
void mlpb__gather_rows(const mlpb_dataset *src, size_t d, size_t k, const size_t *rows,
                       size_t base, size_t first, size_t n, float *dx, float *dy, float *dsw);

/* Shuffle the rows trained on, then one update a batch. Fills info's epoch,
 * epochs, train_loss and samples_per_s; sets *stop when on_batch asks to
 * stop; on a failure *fail_batch is the 1-based batch. Collective. */
mlpb_status mlpb__run_epoch(const mlpb__run *r, size_t epoch, mlpb_epoch_info *info,
                            bool *stop, size_t *fail_batch);

/* The validation pass: info->val_loss (the training objective) and, for
 * 0/1 targets, info->val. MLPB_E_NUMERIC for a non-finite loss. Collective. */
mlpb_status mlpb__run_validate(const mlpb__run *r, mlpb_epoch_info *info);

/* Every metric NaN: no validation, or no metric for it. */
void mlpb__nan_metrics(mlpb_metrics *mt);

/* The parts' first failure (comm NULL: st itself). Collective. */
mlpb_status mlpb__run_agree(const mlpb__run *r, mlpb_status st);

#endif /* MLPB_TRAINER_H */
