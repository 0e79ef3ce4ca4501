/* forward.c -- the forward pass and everything built on it alone: chunked
 * prediction (probabilities or logits) and the loss without gradients.
 * Orchestration only: the products are mlpb__sgemm, the rest kernels. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <math.h>

mlpb_status mlpb__forward(const mlpb_model *m, mlpb_workspace *ws, const float *x, size_t n)
{
    const size_t d = m->sizes[0], n_layers = m->n_layers;
    const float *h = x;
    if (m->standardize) {
        mlpb__standardize(n, d, x, m->mean, m->std, ws->h[0]);
        h = ws->h[0];
    }
    for (size_t l = 0; l < n_layers; l++) {
        const size_t in = m->sizes[l], out = m->sizes[l + 1];
        const float *w = m->params + m->w_off[l], *b = m->params + m->b_off[l];
        const bool last = l + 1 == n_layers;
        float *a = last ? ws->z : ws->h[l + 1];
        /* A_l = H_{l-1} . W_l */
        mlpb__sgemm(ws->serial_mnk, false, false, n, out, in, 1.0f, h, in, w, out, 0.0f, a,
                    out);
        /* A non-finite input, standardised input or weight shows up in the
         * pre-activations of the first layer it enters: checked there, in
         * the bias pass, instead of by a pass over the input. */
        const bool finite = last ? mlpb__bias_add(n, out, a, b) : mlpb__bias_relu(n, out, a, b);
        if (!finite)
            return MLPB_E_NUMERIC;
        h = a;
    }
    return MLPB_OK;
}

/* Shared argument checks of the chunked calls. */
static mlpb_status check_batch(const mlpb_model *m, const mlpb_workspace *ws, const float *x,
                               size_t n, const void *out)
{
    if (m == NULL || ws == NULL || x == NULL || out == NULL || n == 0)
        return MLPB_E_INVALID_ARG;
    MLPB_TRY(mlpb__workspace_check(m, ws));
    size_t cells;
    MLPB_TRY(mlpb__mul_size(n, m->sizes[0], &cells));
    return mlpb__mul_size(n, m->sizes[m->n_sizes - 1], &cells);
}

static mlpb_status predict(const mlpb_model *m, mlpb_workspace *ws, const float *x, size_t n,
                           float *out, bool probabilities)
{
    MLPB_TRY(check_batch(m, ws, x, n, out));
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1];
    for (size_t i0 = 0; i0 < n; i0 += ws->max_batch) {
        const size_t rows = n - i0 < ws->max_batch ? n - i0 : ws->max_batch;
        MLPB_TRY(mlpb__forward(m, ws, x + i0 * d, rows));
        if (probabilities) {
            mlpb__sigmoid(rows * k, ws->z, out + i0 * k);
        } else {
            for (size_t i = 0; i < rows * k; i++)
                out[i0 * k + i] = ws->z[i];
        }
    }
    return MLPB_OK;
}

mlpb_status mlpb_predict(const mlpb_model *m, mlpb_workspace *ws, const float *x, size_t n,
                         float *prob)
{
    return predict(m, ws, x, n, prob, true);
}

mlpb_status mlpb_predict_logits(const mlpb_model *m, mlpb_workspace *ws, const float *x,
                                size_t n, float *logits)
{
    return predict(m, ws, x, n, logits, false);
}

mlpb_status mlpb_loss(const mlpb_model *m, mlpb_workspace *ws, const float *x, const float *y,
                      size_t n, const mlpb_loss_weights *w, float *loss)
{
    MLPB_TRY(check_batch(m, ws, x, n, loss));
    if (y == NULL)
        return MLPB_E_INVALID_ARG;
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1];
    const float *pw = w == NULL ? NULL : w->pos_weight;
    const float *sw = w == NULL ? NULL : w->sample_weight;
    double sum = 0.0;
    for (size_t i0 = 0; i0 < n; i0 += ws->max_batch) {
        const size_t rows = n - i0 < ws->max_batch ? n - i0 : ws->max_batch;
        MLPB_TRY(mlpb__forward(m, ws, x + i0 * d, rows));
        sum += mlpb__bce(rows, k, ws->z, y + i0 * k, pw, sw == NULL ? NULL : sw + i0);
    }
    const double mean = sum / (double)n;
    if (!isfinite(mean) || !isfinite((float)mean))
        return MLPB_E_NUMERIC;
    *loss = (float)mean;
    return MLPB_OK;
}
