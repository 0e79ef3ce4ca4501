/* forward.c -- the forward pass and everything built on it alone: chunked
 * prediction (probabilities or logits) and the loss without gradients.
 * Orchestration only: the products are mlpb__sgemm, the rest kernels. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <math.h>
#include <string.h>

mlpb_status mlpb__forward(const mlpb_model *m, mlpb_workspace *ws, const float *x, size_t n)
{
    if (ws->bf16 != NULL)
        return mlpb__forward_bf16(m, ws, x, n); /* precision.c */
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
        mlpb__product(ws, false, false, n, out, in, h, in, w, out, a, out);
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

/* What a chunk of rows is turned into after the forward pass. */
typedef enum chunk_out { OUT_PROB, OUT_LOGITS, OUT_LOSS } chunk_out;

typedef struct chunk_job {
    const mlpb_model *m;
    chunk_out         what;
    const float      *x, *y, *pw, *sw; /* y, pw, sw: OUT_LOSS only */
    float            *out;             /* rows x k; not OUT_LOSS */
} chunk_job;

/* Forward pass of rows rows on ws, then their probabilities, logits or loss
 * sum (*sum). */
static mlpb_status chunk(const chunk_job *j, mlpb_workspace *ws, size_t r0, size_t rows,
                         double *sum)
{
    const mlpb_model *m = j->m;
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1];
    MLPB_TRY(mlpb__forward(m, ws, j->x + r0 * d, rows));
    if (j->what == OUT_PROB)
        mlpb__sigmoid(rows * k, ws->z, j->out + r0 * k);
    else if (j->what == OUT_LOGITS)
        memcpy(j->out + r0 * k, ws->z, rows * k * sizeof(float));
    else
        *sum = mlpb__bce(rows, k, ws->z, j->y + r0 * k, j->pw, j->sw == NULL ? NULL : j->sw + r0);
    return MLPB_OK;
}

/* One chunk split in row blocks across the workspace's team. */
typedef struct split_job {
    const chunk_job *j;
    mlpb_workspace  *ws;
    size_t           r0, rows, parts;
    double           sum[MLPB_SPLIT_MAX_PARTS];
    mlpb_status      st[MLPB_SPLIT_MAX_PARTS];
} split_job;

static void split_part(void *ctx, size_t p)
{
    split_job *s = ctx;
    const size_t a = mlpb__part_row(p, s->rows, s->parts);
    const size_t b = mlpb__part_row(p + 1, s->rows, s->parts);
    s->sum[p] = 0.0;
    s->st[p] = chunk(s->j, &s->ws->split->views[p], s->r0 + a, b - a, &s->sum[p]);
}

/* Runs j on n rows in chunks of the workspace's max_batch; *sum gets the
 * loss sum (OUT_LOSS). */
static mlpb_status run_chunks(const chunk_job *j, mlpb_workspace *ws, size_t n, double *sum)
{
    *sum = 0.0;
    for (size_t r0 = 0; r0 < n; r0 += ws->max_batch) {
        const size_t rows = n - r0 < ws->max_batch ? n - r0 : ws->max_batch;
        const size_t parts = mlpb__split_parts(ws, rows, false);
        double part_sum = 0.0;
        if (parts == 1) {
            const int restore = mlpb__serial_begin(ws, rows);
            const mlpb_status st = chunk(j, ws, r0, rows, &part_sum);
            mlpb__serial_end(restore);
            MLPB_TRY(st);
            *sum += part_sum;
            continue;
        }
        split_job s = {.j = j, .ws = ws, .r0 = r0, .rows = rows, .parts = parts};
        mlpb__split_run(ws, split_part, &s);
        for (size_t p = 0; p < parts; p++) {
            MLPB_TRY(s.st[p]);
            *sum += s.sum[p];
        }
    }
    return MLPB_OK;
}

static mlpb_status predict(const mlpb_model *m, mlpb_workspace *ws, const float *x, size_t n,
                           float *out, chunk_out what)
{
    MLPB_TRY(check_batch(m, ws, x, n, out));
    mlpb__bf16_prepare(m, ws);
    const chunk_job j = {.m = m, .what = what, .x = x, .out = out};
    double unused;
    return run_chunks(&j, ws, n, &unused);
}

mlpb_status mlpb_predict(const mlpb_model *m, mlpb_workspace *ws, const float *x, size_t n,
                         float *prob)
{
    return predict(m, ws, x, n, prob, OUT_PROB);
}

mlpb_status mlpb_predict_logits(const mlpb_model *m, mlpb_workspace *ws, const float *x,
                                size_t n, float *logits)
{
    return predict(m, ws, x, n, logits, OUT_LOGITS);
}

mlpb_status mlpb_loss(const mlpb_model *m, mlpb_workspace *ws, const float *x, const float *y,
                      size_t n, const mlpb_loss_weights *w, float *loss)
{
    MLPB_TRY(check_batch(m, ws, x, n, loss));
    if (y == NULL)
        return MLPB_E_INVALID_ARG;
    mlpb__bf16_prepare(m, ws);
    const chunk_job j = {.m = m, .what = OUT_LOSS, .x = x, .y = y,
                         .pw = w == NULL ? NULL : w->pos_weight,
                         .sw = w == NULL ? NULL : w->sample_weight};
    double sum;
    MLPB_TRY(run_chunks(&j, ws, n, &sum));
    const double mean = sum / (double)n;
    if (!isfinite(mean) || !isfinite((float)mean))
        return MLPB_E_NUMERIC;
    *loss = (float)mean;
    return MLPB_OK;
}
