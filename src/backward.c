/* backward.c -- the fused loss + backward pass of one batch and plain
 * gradient descent. With dZ the logit gradient and H_l the activations,
 *   dW_l = H_{l-1}^T . dA_l,  db_l = colsum(dA_l),
 *   dA_{l-1} = (dA_l . W_l^T) (.) [H_{l-1} > 0],
 * which for one hidden layer are the seed's dW2 = h1^T (y^ - y) / n and
 * dW1 = X^T ((y^ - y) W2^T (.) f'(a1)) / n. No gradient is taken for X. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <math.h>

mlpb_status mlpb_loss_grad_weighted(mlpb_model *m, mlpb_workspace *ws, const float *x,
                                    const float *y, size_t n, const mlpb_loss_weights *w,
                                    float *loss)
{
    if (m == NULL || ws == NULL || x == NULL || y == NULL || n == 0)
        return MLPB_E_INVALID_ARG;
    MLPB_TRY(mlpb__workspace_check(m, ws));
    if (n > ws->max_batch)
        return MLPB_E_INVALID_ARG;
    const size_t n_layers = m->n_layers, k = m->sizes[m->n_sizes - 1];
    const float *pw = w == NULL ? NULL : w->pos_weight;
    const float *sw = w == NULL ? NULL : w->sample_weight;

    MLPB_TRY(mlpb__forward(m, ws, x, n));
    /* The input the first layer saw: the standardised copy or x itself. */
    const float *h0 = m->standardize ? ws->h[0] : x;

    /* Loss, dZ = (sigmoid(z) - y) / n in place of z, and db of the output
     * layer, in one pass over the logits. */
    const size_t out_l = n_layers - 1;
    const double sum = mlpb__bce_grad(n, k, ws->z, y, pw, sw, 1.0f / (float)n,
                                      m->grads + m->b_off[out_l]);
    const double mean = sum / (double)n;
    if (!isfinite(mean) || !isfinite((float)mean))
        return MLPB_E_NUMERIC;

    float *delta = ws->z, *spare = ws->d0;
    for (size_t l = n_layers; l-- > 0;) {
        const size_t in = m->sizes[l], out = m->sizes[l + 1];
        const float *h_in = l == 0 ? h0 : ws->h[l];
        /* dW_l = H_{l-1}^T . dA_l */
        mlpb__sgemm(ws->serial_mnk, true, false, in, out, n, 1.0f, h_in, in, delta, out,
                    0.0f, m->grads + m->w_off[l], out);
        if (l == 0)
            break;
        /* dH_{l-1} = dA_l . W_l^T, then the ReLU mask and db_{l-1} in one pass. */
        mlpb__sgemm(ws->serial_mnk, false, true, n, in, out, 1.0f, delta, out,
                    m->params + m->w_off[l], out, 0.0f, spare, in);
        mlpb__relu_grad_colsum(n, in, ws->h[l], spare, m->grads + m->b_off[l - 1]);
        delta = spare;
        spare = spare == ws->d0 ? ws->d1 : ws->d0;
    }
    if (!mlpb__all_finite(m->n_params, m->grads))
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
    if (m == NULL || !isfinite(lr))
        return MLPB_E_INVALID_ARG;
    mlpb__axpy_neg(m->n_params, lr, m->grads, m->params);
    return MLPB_OK;
}
