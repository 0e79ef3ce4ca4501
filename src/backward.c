/* backward.c -- the fused loss + backward pass of one batch and plain
 * gradient descent. With dZ the logit gradient and H_l the activations,
 *   dW_l = H_{l-1}^T . dA_l,  db_l = colsum(dA_l),
 *   dA_{l-1} = (dA_l . W_l^T) (.) [H_{l-1} > 0],
 * which for one hidden layer are the seed's dW2 = h1^T (y^ - y) / n and
 * dW1 = X^T ((y^ - y) W2^T (.) f'(a1)) / n. No gradient is taken for X. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <math.h>

void mlpb__relu_backprop(const mlpb_workspace *ws, size_t n, size_t in, size_t out,
                         const float *delta, const float *w, const float *h, float *dh,
                         float *db)
{
    /* Into one output a rank-1 update would first clear dh, then write it
     * twice. */
    if (out == 1) {
        mlpb__relu_outer_colsum(n, in, h, delta, w, dh, db);
        return;
    }
    /* dH = delta . W^T */
    mlpb__product(ws, false, true, n, in, out, delta, out, w, out, dh, in);
    mlpb__relu_grad_colsum(n, in, h, dh, db);
}

/* Loss sum and gradients of n rows into grads (the model's layout), with the
 * logit gradient scaled by scale (1 / the whole batch's rows). */
static mlpb_status pass(const mlpb_model *m, mlpb_workspace *ws, const float *x,
                        const float *y, size_t n, const float *pw, const float *sw, float scale,
                        float *grads, double *sum)
{
    if (ws->bf16 != NULL) /* precision.c */
        return mlpb__pass_bf16(m, ws, x, y, n, pw, sw, scale, grads, sum);
    const size_t n_layers = m->n_layers, k = m->sizes[m->n_sizes - 1];
    MLPB_TRY(mlpb__forward(m, ws, x, n));
    /* The input the first layer saw: the standardised copy or x itself. */
    const float *h0 = m->standardize ? ws->h[0] : x;

    /* Loss, dZ = (sigmoid(z) - y) * scale in place of z, and db of the output
     * layer, in one pass over the logits. */
    const size_t out_l = n_layers - 1;
    *sum = mlpb__bce_grad(n, k, ws->z, y, pw, sw, scale, grads + m->b_off[out_l]);
    if (!isfinite(*sum))
        return MLPB_E_NUMERIC;

    float *delta = ws->z, *spare = ws->d0;
    for (size_t l = n_layers; l-- > 0;) {
        const size_t in = m->sizes[l], out = m->sizes[l + 1];
        const float *h_in = l == 0 ? h0 : ws->h[l];
        /* dW_l = H_{l-1}^T . dA_l */
        mlpb__product(ws, true, false, in, out, n, h_in, in, delta, out, grads + m->w_off[l],
                      out);
        /* db_l is already there: layer l is final (a split's views have no
         * hook; their sum is reported by the caller). */
        if (ws->grad_ready != NULL)
            ws->grad_ready(l, ws->grad_ready_ctx);
        if (l == 0)
            break;
        /* dA_{l-1} = (dA_l . W_l^T) (.) [H_{l-1} > 0], and db_{l-1}. */
        mlpb__relu_backprop(ws, n, in, out, delta, m->params + m->w_off[l], ws->h[l], spare,
                            grads + m->b_off[l - 1]);
        delta = spare;
        spare = spare == ws->d0 ? ws->d1 : ws->d0;
    }
    return MLPB_OK;
}

/* One call split in row blocks (mlpb_split): each block's pass on its view. */
typedef struct split_job {
    mlpb_model     *m;
    mlpb_workspace *ws;
    const float    *x, *y, *pw, *sw;
    size_t          n, parts;
    float           scale;
    double          sum[MLPB_SPLIT_MAX_PARTS];
    mlpb_status     st[MLPB_SPLIT_MAX_PARTS];
} split_job;

static void split_part(void *ctx, size_t p)
{
    split_job *j = ctx;
    const mlpb_model *m = j->m;
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1];
    const size_t r0 = mlpb__part_row(p, j->n, j->parts), r1 = mlpb__part_row(p + 1, j->n, j->parts);
    float *grads = p == 0 ? m->grads : j->ws->split->grads[p];
    j->st[p] = pass(m, &j->ws->split->views[p], j->x + r0 * d, j->y + r0 * k, r1 - r0, j->pw,
                    j->sw == NULL ? NULL : j->sw + r0, j->scale, grads, &j->sum[p]);
}

mlpb_status mlpb_loss_grad_weighted(mlpb_model *m, mlpb_workspace *ws, const float *x,
                                    const float *y, size_t n, const mlpb_loss_weights *w,
                                    float *loss)
{
    if (m == NULL || ws == NULL || x == NULL || y == NULL || n == 0)
        return MLPB_E_INVALID_ARG;
    MLPB_TRY(mlpb__workspace_check(m, ws));
    if (n > ws->max_batch)
        return MLPB_E_INVALID_ARG;
    mlpb__bf16_prepare(m, ws);
    const float *pw = w == NULL ? NULL : w->pos_weight;
    const float *sw = w == NULL ? NULL : w->sample_weight;
    const float scale = 1.0f / (float)n;
    double sum;
    bool finite;

    const size_t parts = mlpb__split_parts(ws, n, true);
    if (parts == 1) {
        const int restore = mlpb__serial_begin(ws, n);
        const mlpb_status st = pass(m, ws, x, y, n, pw, sw, scale, m->grads, &sum);
        mlpb__serial_end(restore);
        MLPB_TRY(st);
        finite = mlpb__all_finite(m->n_params, m->grads);
    } else {
        split_job j = {.m = m, .ws = ws, .x = x, .y = y, .pw = pw, .sw = sw, .n = n,
                       .parts = parts, .scale = scale};
        mlpb__split_run(ws, split_part, &j);
        sum = 0.0;
        for (size_t p = 0; p < parts; p++) {
            MLPB_TRY(j.st[p]);
            sum += j.sum[p];
        }
        finite = mlpb__split_sum(ws, m->grads);
        if (ws->grad_ready != NULL)
            for (size_t l = m->n_layers; l-- > 0;)
                ws->grad_ready(l, ws->grad_ready_ctx);
    }
    const double mean = sum / (double)n;
    if (!isfinite(mean) || !isfinite((float)mean) || !finite)
        return MLPB_E_NUMERIC;
    if (loss != NULL)
        *loss = (float)mean;
    return MLPB_OK;
}

mlpb_status mlpb_loss_grad(mlpb_model *m, mlpb_workspace *ws, const float *x, const float *y,
                           size_t n, float *loss)
{
    return mlpb_loss_grad_weighted(m, ws, x, y, n, NULL, loss);
}

mlpb_status mlpb_sgd_step(mlpb_model *m, float lr)
{
    if (m == NULL || !mlpb__has_params(m) || !isfinite(lr))
        return MLPB_E_INVALID_ARG;
    mlpb__axpy_neg(m->n_params, lr, m->grads, m->params);
    return MLPB_OK;
}
