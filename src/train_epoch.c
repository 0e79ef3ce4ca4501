/* train_epoch.c -- one epoch of the trainer (shuffled mini-batches, one
 * update each) and one validation pass, on this part's rows of a run that
 * may be spread over several parts (trainer.h). With several parts, each
 * computes the rows it holds of every global batch and comm->loss_grad sums
 * the gradients; sums of losses and the validation probabilities go through
 * comm's other hooks, so that every part reaches the same figures. */
#include "kernels.h"
#include "trainer.h"

#include <math.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void mlpb__gather_rows(const mlpb_dataset *src, size_t d, size_t k, const size_t *rows,
                       size_t base, size_t first, size_t n, float *dx, float *dy, float *dsw)
{
    for (size_t i = 0; i < n; i++) {
        const size_t r = rows != NULL ? rows[i] - base : first + i;
        if (dx != NULL)
            memcpy(dx + i * d, src->x + r * d, d * sizeof(float));
        if (dy != NULL && k == 1) /* one label: no call for 4 bytes */
            dy[i] = src->y[r];
        else if (dy != NULL)
            memcpy(dy + i * k, src->y + r * k, k * sizeof(float));
        if (dsw != NULL)
            dsw[i] = src->sample_weight != NULL ? src->sample_weight[r] : 1.0f;
    }
}

void mlpb__nan_metrics(mlpb_metrics *mt)
{
    const double q = (double)NAN;
    mt->loss = mt->accuracy = mt->precision = mt->recall = mt->f1 = mt->auc = mt->ap = q;
}

mlpb_status mlpb__run_agree(const mlpb__run *r, mlpb_status st)
{
    return r->comm != NULL ? r->comm->agree(st, r->comm->ctx) : st;
}

/* Sum v[0..n) over the parts. */
static void parts_sum(const mlpb__run *r, double *v, size_t n)
{
    if (r->comm != NULL)
        r->comm->sum(v, n, r->comm->ctx);
}

/* This part's rows of the global batch idx[i0, i0 + nb), gathered; their
 * count. */
static size_t gather_batch(const mlpb__run *r, size_t i0, size_t nb)
{
    const size_t *g = r->idx + i0;
    const mlpb_dataset *t = r->train;
    float *bsw = t->sample_weight != NULL ? r->bsw : NULL;
    if (r->comm == NULL) {
        mlpb__gather_rows(t, r->d, r->k, g, 0, 0, nb, r->bx, r->by, bsw);
        return nb;
    }
    size_t nl = 0;
    for (size_t j = 0; j < nb; j++) {
        if (g[j] - r->lo >= t->n) /* unsigned: rows below lo wrap too */
            continue;
        mlpb__gather_rows(t, r->d, r->k, g + j, r->lo, 0, 1, r->bx + nl * r->d,
                          r->by + nl * r->k, bsw == NULL ? NULL : bsw + nl);
        nl++;
    }
    return nl;
}

/* One batch's gradient and update. *loss: the batch loss (this part's share
 * of it with several parts). */
static mlpb_status batch_step(const mlpb__run *r, size_t nl, size_t nb, size_t units,
                              float *loss)
{
    const mlpb_loss_weights bw = {r->opts->pos_weight,
                                  r->train->sample_weight != NULL ? r->bsw : NULL};
    bool finite = true;
    /* No step changes the parameters when it fails, so on MLPB_E_NUMERIC
     * the model still holds the weights before this batch. */
    mlpb_status st;
    if (r->comm != NULL) {
        st = r->comm->loss_grad(r->m, r->ws, r->bx, r->by, nl, nb, &bw, loss, r->comm->ctx);
        if (st == MLPB_OK) /* the summed gradient is finite, the same on every part */
            st = mlpb__optim_update_finite(r->opt, r->m, &finite);
    } else if (units >= 2) {
        st = mlpb__unit_step(r->m, r->ws, r->opt, r->bx, r->by, nb, units, &bw, loss, &finite);
    } else {
        st = mlpb_loss_grad_weighted(r->m, r->ws, r->bx, r->by, nb, &bw, loss);
        if (st == MLPB_OK)
            st = mlpb__optim_update_finite(r->opt, r->m, &finite); /* checked just now */
    }
    if (units >= 2 && (st != MLPB_OK || !finite))
        mlpb__unit_layout(r->m, r->opt, units, false);
    if (st == MLPB_OK && !finite) {
        /* The update itself overflowed: the weights before it are gone,
         * those of the start of the epoch are the last good. */
        memcpy(r->m->params, r->good, r->np * sizeof(float));
        st = MLPB_E_NUMERIC;
    }
    return st;
}

mlpb_status mlpb__run_epoch(const mlpb__run *r, size_t epoch, mlpb_epoch_info *info,
                            bool *stop, size_t *fail_batch)
{
    const mlpb_train_opts *o = r->opts;
    const size_t n_batches = (r->n + r->bs - 1) / r->bs;
    const double t0 = now_s();
    /* The fallback for an update that overflows a parameter (batch_step). */
    memcpy(r->good, r->m->params, r->np * sizeof(float));
    mlpb__rng_shuffle(r->rng, r->idx, r->n);
    /* The unit split (unit_split.c) runs every batch of the epoch, the last and
     * smaller one too, on its blocked order of the first layer: in place
     * from here to the epoch's end. */
    const size_t units = r->comm == NULL ? mlpb__unit_parts(r->ws, r->bs) : 1;
    if (units >= 2)
        mlpb__unit_layout(r->m, r->opt, units, true);
    double loss_sum = 0.0;
    size_t rows = 0;
    for (size_t b = 0; b < n_batches && !*stop; b++) {
        const size_t i0 = b * r->bs, nb = r->n - i0 < r->bs ? r->n - i0 : r->bs;
        const size_t nl = gather_batch(r, i0, nb);
        float loss = 0.0f;
        const mlpb_status st = batch_step(r, nl, nb, units, &loss);
        if (st != MLPB_OK) {
            *fail_batch = b + 1;
            return st;
        }
        loss_sum += (double)loss * (double)nb;
        rows += nb;
        if (o->on_batch != NULL) {
            /* With several parts: the batch loss summed, and whether any
             * part's callback asks to stop. */
            double v = (double)loss;
            parts_sum(r, &v, 1);
            *stop = o->on_batch(epoch, b + 1, n_batches, (float)v, o->ctx) != 0;
            if (r->comm != NULL) {
                v = *stop;
                parts_sum(r, &v, 1);
                *stop = v > 0.0;
            }
        }
    }
    if (units >= 2)
        mlpb__unit_layout(r->m, r->opt, units, false);
    parts_sum(r, &loss_sum, 1);
    const double t1 = now_s();
    memset(info, 0, sizeof *info);
    info->epoch = epoch;
    info->epochs = r->epochs;
    info->train_loss = loss_sum / (double)rows;
    info->val_loss = (double)NAN;
    mlpb__nan_metrics(&info->val);
    info->samples_per_s = t1 > t0 ? (double)rows / (t1 - t0) : 0.0;
    info->refit = r->refit;
    return MLPB_OK;
}

mlpb_status mlpb__run_validate(const mlpb__run *r, mlpb_epoch_info *info)
{
    const size_t k = r->k;
    const mlpb_dataset *src = r->vrows != NULL ? r->train : r->val;
    const size_t base = r->vrows != NULL ? r->lo : r->va0;
    const bool wsw = src != NULL && src->sample_weight != NULL;
    /* This part's rows, a batch at a time: the loss from the logits (with
     * the training weights), and the probabilities for the metrics. */
    double loss = 0.0;
    mlpb_status st = MLPB_OK;
    for (size_t i0 = r->va0; i0 < r->va1 && st == MLPB_OK; i0 += r->bs) {
        const size_t nb = r->va1 - i0 < r->bs ? r->va1 - i0 : r->bs;
        mlpb__gather_rows(src, r->d, k, r->vrows == NULL ? NULL : r->vrows + i0, base, i0 - base,
                          nb, r->bx, r->by, wsw ? r->bsw : NULL);
        st = mlpb_predict_logits(r->m, r->ws, r->bx, nb, r->vz);
        if (st != MLPB_OK)
            break;
        loss += mlpb__bce(nb, k, r->vz, r->by, r->opts->pos_weight, wsw ? r->bsw : NULL);
        mlpb__sigmoid(nb * k, r->vz, r->vp + i0 * k);
    }
    MLPB_TRY(mlpb__run_agree(r, st));
    parts_sum(r, &loss, 1);
    info->val_loss = loss / (double)r->n_va;
    if (!isfinite(info->val_loss))
        return MLPB_E_NUMERIC;
    if (r->comm != NULL)
        MLPB_TRY(r->comm->gather(r->vp, k * sizeof(float), r->va1 - r->va0, r->n_va,
                                 r->comm->ctx));
    if (r->val_binary)
        MLPB_TRY(mlpb__metrics_work(r->vp, r->vy, r->n_va, k, r->scr, NULL, &info->val, NULL));
    return MLPB_OK;
}
