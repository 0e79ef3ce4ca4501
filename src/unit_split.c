/* unit_split.c -- the unit split: the trainer's steps of a one-hidden-layer network
 * on a batch too small to split its rows, shared among the workspace's team
 * by hidden units.
 *
 * At the batches a training run usually takes (tens of rows) a row split
 * gives each core too few rows, and splitting any one product costs more
 * than it saves. Part p of the unit split owns hidden units [c0, c1): those
 * columns of W1 and b1, those rows of W2, and their optimiser state, and runs
 *   forward   H_p = relu(X W1[:, c0:c1] + b1[c0:c1]),  Z_p = H_p W2[c0:c1, :]
 *   backward  Z = sum_p Z_p + b2 (every part, in part order), dZ from the loss,
 *             dW2[c0:c1, :] = H_p^T dZ,  dA_p = (dZ W2[c0:c1, :]^T) (.) [H_p > 0],
 *             db1[c0:c1] = colsum(dA_p),  dW1[:, c0:c1] = X^T dA_p
 *   update    the optimiser on the part's parameters
 * as three jobs of the team, each part on its own thread (team.c). Only the
 * n x k partial logits cross between cores. The update waits for the check
 * of the whole gradient, so a failed step changes nothing, as unsplit.
 *
 * W1's columns of one part are strided in the model's row-major layout, and
 * two cores updating interleaved pieces of the same rows (weights, gradient
 * and moments) ran no faster than one core doing all of it: each core's
 * prefetcher pulls in the lines of the other's next piece. So for the
 * duration of an epoch the trainer keeps W1 and its moments in a blocked
 * order (mlpb__unit_layout), each part's columns as one contiguous
 * d x (c1 - c0) block; the rest of the arena is in parts already.
 * Every part computes the same things whichever thread runs it, so results
 * are fixed by the shape and the part count. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <math.h>
#include <string.h>

/* The first unit of part p: p h / parts rounded to a multiple of 16, so that
 * each part's block of W1 (and of its gradient and moments) starts on a cache
 * line: unaligned, every vector load and store of the part's update and
 * products spans two lines, and that part runs markedly slower than the
 * other (docs/bench.md, "The unit split"). The rule leaves at least 32 units
 * a part, so the parts stay non-empty. */
static size_t unit_c0(size_t p, size_t h, size_t parts)
{
    if (p == 0 || p == parts)
        return p == 0 ? 0 : h;
    return (mlpb__part_row(p, h, parts) + 8) / 16 * 16;
}

/* dst = src (d x h, row-major) in blocked order, or src (blocked) back in
 * row-major order. */
static void reorder(float *restrict dst, const float *restrict src, size_t d, size_t h,
                    size_t parts, bool blocked)
{
    for (size_t p = 0; p < parts; p++) {
        const size_t c0 = unit_c0(p, h, parts), hc = unit_c0(p + 1, h, parts) - c0;
        for (size_t i = 0; i < d; i++) {
            if (blocked)
                memcpy(dst + d * c0 + i * hc, src + i * h + c0, hc * sizeof(float));
            else
                memcpy(dst + i * h + c0, src + d * c0 + i * hc, hc * sizeof(float));
        }
    }
}

void mlpb__unit_layout(mlpb_model *m, mlpb_optim *o, size_t parts, bool blocked)
{
    const size_t d = m->sizes[0], h = m->sizes[1], off = m->w_off[0];
    float *m1, *m2;
    mlpb__optim_moments(o, &m1, &m2);
    float *arenas[3] = {m->params, m1, m2};
    float *scratch = m->grads + off;
    for (size_t a = 0; a < 3; a++) {
        if (arenas[a] == NULL)
            continue;
        reorder(scratch, arenas[a] + off, d, h, parts, blocked);
        memcpy(arenas[a] + off, scratch, d * h * sizeof(float));
    }
}

typedef struct unit_job {
    mlpb_model *m;
    mlpb_workspace *ws;
    mlpb_optim *o;
    const float *x0; /* the standardised input, or x itself */
    const float *y, *pw, *sw;
    size_t n, parts;
    float scale;
    bool clip;
    mlpb_optim_coef coef;
    double sum;                         /* part 0's loss sum */
    bool ok[MLPB_SPLIT_MAX_PARTS];      /* finite so far */
    double ss[MLPB_SPLIT_MAX_PARTS];    /* gradient sum of squares (clip) */
    uint32_t acc[MLPB_SPLIT_MAX_PARTS]; /* nonfinite bits of the update */
} unit_job;

/* Part p's units [c0, c0 + hc), the offsets of its parameters (the same in
 * the gradient arena), and its buffers: activations and deltas in the
 * workspace's h[1] and d0 (n x hc blocks, one after another), partial and
 * summed logits and a scratch bias gradient in the split's units. */
typedef struct unit_part {
    size_t c0, hc;
    size_t w1, b1, w2; /* W1's block (d x hc), b1 and W2 rows of the part */
    float *h, *dh, *zp, *z, *db;
} unit_part;

static float *unit_zp(const unit_job *j, size_t p)
{
    const size_t k = j->ws->sizes[2];
    return j->ws->split->units + p * mlpb__unit_floats(j->ws->split->unit_rows, k);
}

static unit_part part_of(const unit_job *j, size_t p)
{
    const mlpb_model *m = j->m;
    const size_t d = m->sizes[0], h = m->sizes[1], k = m->sizes[2];
    const size_t rows = j->ws->split->unit_rows;
    unit_part u;
    u.c0 = unit_c0(p, h, j->parts);
    u.hc = unit_c0(p + 1, h, j->parts) - u.c0;
    u.w1 = m->w_off[0] + d * u.c0;
    u.b1 = m->b_off[0] + u.c0;
    u.w2 = m->w_off[1] + u.c0 * k;
    u.h = j->ws->h[1] + j->n * u.c0;
    u.dh = j->ws->d0 + j->n * u.c0;
    u.zp = unit_zp(j, p);
    u.z = u.zp + mlpb__pad_floats(rows * k);
    u.db = u.z + mlpb__pad_floats(rows * k);
    return u;
}

static void unit_forward(void *ctx, size_t p)
{
    unit_job *j = ctx;
    const mlpb_model *m = j->m;
    const size_t d = m->sizes[0], k = m->sizes[2], n = j->n;
    const unit_part u = part_of(j, p);
    const float *w = m->params;
    mlpb__product(j->ws, false, false, n, u.hc, d, j->x0, d, w + u.w1, u.hc, u.h, u.hc);
    /* A non-finite input or weight shows here, as in mlpb__forward. */
    j->ok[p] = mlpb__bias_relu(n, u.hc, u.h, w + u.b1);
    mlpb__product(j->ws, false, false, n, k, u.hc, u.h, u.hc, w + u.w2, k, u.zp, k);
}

/* Whether g[0, len) is finite; adds its sum of squares to the part's instead
 * when clipping (which needs it anyway). */
static bool grads_ok(unit_job *j, size_t p, const float *g, size_t len)
{
    if (!j->clip)
        return mlpb__all_finite(len, g);
    j->ss[p] += mlpb__sum_squares(len, g);
    return true;
}

static void unit_backward(void *ctx, size_t p)
{
    unit_job *j = ctx;
    const mlpb_model *m = j->m;
    const size_t d = m->sizes[0], k = m->sizes[2], n = j->n;
    const unit_part u = part_of(j, p);
    const float *w = m->params;
    float *g = m->grads;

    /* The logits, the same sum in every part. */
    memcpy(u.z, unit_zp(j, 0), n * k * sizeof(float));
    for (size_t q = 1; q < j->parts; q++)
        mlpb__add(n * k, unit_zp(j, q), u.z);
    if (!mlpb__bias_add(n, k, u.z, w + m->b_off[1])) {
        j->ok[p] = false;
        return;
    }
    /* dZ in place of the logits; part 0 writes the output bias gradient. */
    float *db2 = p == 0 ? g + m->b_off[1] : u.db;
    const double sum = mlpb__bce_grad(n, k, u.z, j->y, j->pw, j->sw, j->scale, db2);
    if (p == 0)
        j->sum = sum;
    if (!isfinite(sum)) {
        j->ok[p] = false;
        return;
    }
    mlpb__product(j->ws, true, false, u.hc, k, n, u.h, u.hc, u.z, k, g + u.w2, k);
    mlpb__relu_backprop(j->ws, n, u.hc, k, u.z, w + u.w2, u.h, u.dh, g + u.b1);
    mlpb__product(j->ws, true, false, d, u.hc, n, j->x0, d, u.dh, u.hc, g + u.w1, u.hc);

    j->ss[p] = 0.0;
    bool ok = grads_ok(j, p, g + u.w1, d * u.hc);
    ok = grads_ok(j, p, g + u.b1, u.hc) && ok;
    ok = grads_ok(j, p, g + u.w2, u.hc * k) && ok;
    if (p == 0)
        ok = grads_ok(j, p, db2, k) && ok;
    j->ok[p] = ok;
}

static void unit_update(void *ctx, size_t p)
{
    unit_job *j = ctx;
    mlpb_model *m = j->m;
    const size_t d = m->sizes[0], k = m->sizes[2];
    const unit_part u = part_of(j, p);
    const float *g = m->grads;
    float *w = m->params;
    uint32_t acc = mlpb__optim_apply(j->o, &j->coef, u.w1, d * u.hc, g, w);
    acc |= mlpb__optim_apply(j->o, &j->coef, u.b1, u.hc, g, w);
    acc |= mlpb__optim_apply(j->o, &j->coef, u.w2, u.hc * k, g, w);
    if (p == 0)
        acc |= mlpb__optim_apply(j->o, &j->coef, m->b_off[1], k, g, w);
    j->acc[p] = acc;
}

static bool all_ok(const unit_job *j)
{
    bool ok = true;
    for (size_t p = 0; p < j->parts; p++)
        ok = ok && j->ok[p];
    return ok;
}

mlpb_status mlpb__unit_step(mlpb_model *m, mlpb_workspace *ws, mlpb_optim *o, const float *x,
                            const float *y, size_t n, size_t parts, const mlpb_loss_weights *w,
                            float *loss, bool *params_finite)
{
    unit_job j = {.m = m,
                  .ws = ws,
                  .o = o,
                  .x0 = x,
                  .y = y,
                  .n = n,
                  .parts = parts,
                  .scale = 1.0f / (float)n,
                  .clip = mlpb__optim_clip_norm(o) > 0.0f};
    if (w != NULL) {
        j.pw = w->pos_weight;
        j.sw = w->sample_weight;
    }
    if (m->standardize) {
        mlpb__standardize(n, m->sizes[0], x, m->mean, m->std, ws->h[0]);
        j.x0 = ws->h[0];
    }
    /* Each part is a thread of its own: BLAS on one thread for the step, as
     * mlpb__split_run does. */
    const int threads = mlpb__blas_threads();
    if (threads > 1)
        mlpb__blas_set_threads(1);
    mlpb_status st = MLPB_E_NUMERIC;
    mlpb__team_run(ws->split->team, unit_forward, &j);
    if (!all_ok(&j))
        goto out;
    mlpb__team_run(ws->split->team, unit_backward, &j);
    const double mean = j.sum / (double)n;
    if (!all_ok(&j) || !isfinite(mean) || !isfinite((float)mean))
        goto out;
    float c = 1.0f;
    if (j.clip) {
        double ss = 0.0;
        for (size_t p = 0; p < parts; p++)
            ss += j.ss[p];
        if (!isfinite(ss))
            goto out;
        c = mlpb__optim_clip_coef(o, sqrt(ss));
    }
    mlpb__optim_coef(o, c, &j.coef);
    mlpb__team_run(ws->split->team, unit_update, &j);
    mlpb__optim_advance(o);
    uint32_t acc = 0;
    for (size_t p = 0; p < parts; p++)
        acc |= j.acc[p];
    *params_finite = (acc & 0x80000000u) == 0;
    if (loss != NULL)
        *loss = (float)mean;
    st = MLPB_OK;
out:
    if (threads > 1)
        mlpb__blas_set_threads(threads);
    return st;
}
