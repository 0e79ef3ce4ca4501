/* precision.c -- bf16 workspaces: the bf16 copies a workspace keeps, and the
 * forward and backward passes whose five products take bf16 operands with
 * fp32 accumulation (MLPB_PRECISION_BF16 through oneDNN, _EMULATED through
 * sgemm on widened tiles). Everything else -- weights, gradients, bias, ReLU,
 * sigmoid, the loss -- is the fp32 code's. Orchestration only: the
 * conversions are kernel_bf16.c's, the products kernel_dnnl.c's and
 * kernel_bf16.c's. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <math.h>
#include <string.h>

/* 16-bit elements of one buffer, padded to a cache line. */
static size_t pad16(size_t n)
{
    const size_t per_line = MLPB_ALIGN / sizeof(uint16_t);
    return (n + per_line - 1) / per_line * per_line;
}

/* Width of the delta buffer: the output layer's or the widest hidden one. */
static size_t delta_width(const size_t *sizes, size_t n_sizes)
{
    size_t w = sizes[n_sizes - 1];
    for (size_t l = 1; l + 1 < n_sizes; l++)
        w = sizes[l] > w ? sizes[l] : w;
    return w;
}

/* Byte layout of the block, from its start: the parent's mlpb_bf16 and the
 * views', their h arrays, then (each at a cache line) the weights, the h and
 * delta buffers for ws->rows rows, and one emulation scratch per thread. */
typedef struct layout {
    size_t parts; /* 1 unsplit */
    size_t off_w, off_h, off_d, off_scratch, total;
} layout;

static mlpb_status plan(const size_t *sizes, size_t n_sizes, size_t n_params, size_t rows,
                        size_t parts, mlpb_precision prec, layout *lo)
{
    const size_t L = n_sizes - 2;
    memset(lo, 0, sizeof *lo);
    lo->parts = parts;
    size_t t = (1 + lo->parts) * sizeof(mlpb_bf16) + (1 + lo->parts) * (L + 1) * sizeof(uint16_t *);
    t = (t + MLPB_ALIGN - 1) / MLPB_ALIGN * MLPB_ALIGN;
    size_t bytes, part;
    lo->off_w = t;
    MLPB_TRY(mlpb__mul_size(pad16(n_params), sizeof(uint16_t), &bytes));
    MLPB_TRY(mlpb__add_size(t, bytes, &t));
    lo->off_h = t;
    for (size_t l = 0; l <= L; l++) {
        MLPB_TRY(mlpb__mul_size(rows, sizes[l], &part));
        if (pad16(part) < part)
            return MLPB_E_OVERFLOW;
        MLPB_TRY(mlpb__mul_size(pad16(part), sizeof(uint16_t), &bytes));
        MLPB_TRY(mlpb__add_size(t, bytes, &t));
    }
    lo->off_d = t;
    MLPB_TRY(mlpb__mul_size(rows, delta_width(sizes, n_sizes), &part));
    if (pad16(part) < part)
        return MLPB_E_OVERFLOW;
    MLPB_TRY(mlpb__mul_size(pad16(part), sizeof(uint16_t), &bytes));
    MLPB_TRY(mlpb__add_size(t, bytes, &t));
    lo->off_scratch = t;
    if (prec == MLPB_PRECISION_BF16_EMULATED) {
        /* The parent and every view may run a product at once. */
        MLPB_TRY(mlpb__mul_size((size_t)MLPB_BF16_SCRATCH_FLOATS * sizeof(float), 1 + lo->parts,
                                &bytes));
        MLPB_TRY(mlpb__add_size(t, bytes, &t));
    }
    lo->total = t;
    return MLPB_OK;
}

/* Point the parent's (v = 0) and each view's state into block. View p holds
 * rows [p part_rows, (p + 1) part_rows) of the parent's buffers, as its fp32
 * buffers do (workspace_layout.c's mlpb__ws_carve). */
static void attach(mlpb_workspace *ws, mlpb_precision prec, const layout *lo, char *block)
{
    const size_t L = ws->n_sizes - 2, dw = delta_width(ws->sizes, ws->n_sizes);
    const size_t views = ws->split == NULL ? 0 : lo->parts;
    const size_t part_rows = views == 0 ? 0 : ws->split->views[0].max_batch;
    mlpb_bf16 *st = (mlpb_bf16 *)block;
    uint16_t **harr = (uint16_t **)(st + 1 + lo->parts);
    /* Entry 0 is the parent, entry 1 + i view i. */
    for (size_t v = 0; v <= views; v++) {
        const size_t row0 = v == 0 ? 0 : (v - 1) * part_rows;
        mlpb_bf16 *s = &st[v];
        s->prec = prec;
        s->w = (uint16_t *)(block + lo->off_w);
        s->h = harr + v * (L + 1);
        char *p = block + lo->off_h;
        for (size_t l = 0; l <= L; l++) {
            s->h[l] = (uint16_t *)p + row0 * ws->sizes[l];
            p += pad16(ws->rows * ws->sizes[l]) * sizeof(uint16_t);
        }
        s->d = (uint16_t *)(block + lo->off_d) + row0 * dw;
        s->scratch = prec == MLPB_PRECISION_BF16_EMULATED
                         ? (float *)(block + lo->off_scratch) + v * MLPB_BF16_SCRATCH_FLOATS
                         : NULL;
        s->block = NULL;
        s->views = NULL;
    }
    st[0].block = block;
    st[0].views = views == 0 ? NULL : st + 1;
    ws->bf16 = &st[0];
    for (size_t i = 0; i < views; i++)
        ws->split->views[i].bf16 = &st[1 + i];
}

static mlpb_status build(mlpb_workspace *ws, mlpb_precision prec)
{
    layout lo;
    MLPB_TRY(plan(ws->sizes, ws->n_sizes, ws->n_params, ws->rows,
                  ws->split == NULL ? 1 : ws->split->parts, prec, &lo));
    char *block = mlpb__alloc(&ws->alloc, lo.total);
    if (block == NULL)
        return MLPB_E_NOMEM;
    mlpb__bf16_free(ws);
    attach(ws, prec, &lo, block);
    return MLPB_OK;
}

void mlpb__bf16_free(mlpb_workspace *ws)
{
    if (ws->bf16 == NULL)
        return;
    void *block = ws->bf16->block;
    ws->bf16 = NULL;
    if (ws->split != NULL)
        for (size_t p = 0; p < ws->split->parts; p++)
            ws->split->views[p].bf16 = NULL;
    mlpb__free(&ws->alloc, block);
}

mlpb_status mlpb__bf16_bytes(const size_t *sizes, size_t n_sizes, size_t max_batch,
                             mlpb_threading t, mlpb_precision prec, size_t *bytes)
{
    *bytes = 0;
    if (prec == MLPB_PRECISION_FP32)
        return MLPB_OK;
    size_t n_params = 0;
    for (size_t l = 0; l + 1 < n_sizes; l++)
        n_params += sizes[l] * sizes[l + 1] + sizes[l + 1]; /* checked by the caller */
    const size_t parts = mlpb__workspace_parts(sizes, n_sizes, t, max_batch);
    const size_t rows = parts < 2 ? max_batch : (max_batch + parts - 1) / parts * parts;
    layout lo;
    MLPB_TRY(plan(sizes, n_sizes, n_params, rows, parts, prec, &lo));
    *bytes = mlpb__alloc_size(lo.total);
    return MLPB_OK;
}

mlpb_status mlpb__bf16_refit(mlpb_workspace *ws)
{
    return ws->bf16 == NULL ? MLPB_OK : build(ws, ws->bf16->prec);
}

mlpb_status mlpb_workspace_set_precision(mlpb_workspace *ws, mlpb_precision p)
{
    if (ws == NULL ||
        (p != MLPB_PRECISION_FP32 && p != MLPB_PRECISION_BF16 && p != MLPB_PRECISION_BF16_EMULATED))
        return MLPB_E_INVALID_ARG;
    if (p == MLPB_PRECISION_BF16 && !mlpb__dnnl_bf16_native())
        return MLPB_E_UNSUPPORTED;
    if (p == MLPB_PRECISION_FP32) {
        mlpb__bf16_free(ws);
        return MLPB_OK;
    }
    if (ws->bf16 != NULL && ws->bf16->prec == p)
        return MLPB_OK;
    return build(ws, p);
}

mlpb_precision mlpb_workspace_precision(const mlpb_workspace *ws)
{
    return ws == NULL || ws->bf16 == NULL ? MLPB_PRECISION_FP32 : ws->bf16->prec;
}

int mlpb_bf16_native(void)
{
    return mlpb__dnnl_bf16_native() ? 1 : 0;
}

void mlpb__bf16_prepare(const mlpb_model *m, mlpb_workspace *ws)
{
    if (ws->bf16 == NULL)
        return;
    /* Converting at each call rather than tracking a parameter version: the
     * weights can change behind the library's back (mlpb_model_layer hands
     * out writable pointers), and the pass costs one read of the weights
     * against the 2 n reads of each in a batch of n rows' products. */
    for (size_t l = 0; l < m->n_layers; l++) {
        const size_t n = m->sizes[l] * m->sizes[l + 1];
        mlpb__bf16_convert(n, m->params + m->w_off[l], ws->bf16->w + m->w_off[l]);
    }
}

/* C = op(A) op(B) (+ C with accumulate) on bf16 operands. */
static mlpb_status product(const mlpb_workspace *ws, bool ta, bool tb, size_t m, size_t n, size_t k,
                           const uint16_t *a, size_t lda, const uint16_t *b, size_t ldb, float *c,
                           size_t ldc)
{
    const mlpb_bf16 *s = ws->bf16;
    if (s->prec == MLPB_PRECISION_BF16_EMULATED) {
        mlpb__gemm_bf16_emulated(ws->serial_mnk, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c,
                                 ldc, s->scratch);
        return MLPB_OK;
    }
    return mlpb__dnnl_gemm_bf16(ws->serial_mnk, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc)
               ? MLPB_OK
               : MLPB_E_UNSUPPORTED;
}

mlpb_status mlpb__forward_bf16(const mlpb_model *m, mlpb_workspace *ws, const float *x, size_t n)
{
    const mlpb_bf16 *s = ws->bf16;
    const size_t d = m->sizes[0], n_layers = m->n_layers;
    /* The first product's input: standardised (through h[0], a row at a
     * time) or x itself, converted. A NaN or Inf in x stays one in bf16 and
     * is found in the first bias pass, as in fp32. */
    if (m->standardize)
        mlpb__standardize_bf16(n, d, x, m->mean, m->std, ws->h[0], s->h[0]);
    else
        mlpb__bf16_convert(n * d, x, s->h[0]);
    for (size_t l = 0; l < n_layers; l++) {
        const size_t in = m->sizes[l], out = m->sizes[l + 1];
        const bool last = l + 1 == n_layers;
        float *a = last ? ws->z : ws->h[l + 1];
        /* A_l = H_{l-1} . W_l */
        MLPB_TRY(
            product(ws, false, false, n, out, in, s->h[l], in, s->w + m->w_off[l], out, a, out));
        const float *b = m->params + m->b_off[l];
        const bool finite =
            last ? mlpb__bias_add(n, out, a, b) : mlpb__bias_relu_bf16(n, out, a, b, s->h[l + 1]);
        if (!finite)
            return MLPB_E_NUMERIC;
    }
    return MLPB_OK;
}

mlpb_status mlpb__pass_bf16(const mlpb_model *m, mlpb_workspace *ws, const float *x, const float *y,
                            size_t n, const float *pw, const float *sw, float scale, float *grads,
                            double *sum)
{
    const mlpb_bf16 *s = ws->bf16;
    const size_t n_layers = m->n_layers, k = m->sizes[m->n_sizes - 1];
    MLPB_TRY(mlpb__forward_bf16(m, ws, x, n));
    const size_t out_l = n_layers - 1;
    *sum = mlpb__bce_grad(n, k, ws->z, y, pw, sw, scale, grads + m->b_off[out_l]);
    if (!isfinite(*sum))
        return MLPB_E_NUMERIC;
    /* The logit gradient is n x k, k the few outputs: its conversion is the
     * one pass of its own here, k / (widest layer) of a hidden layer's. */
    mlpb__bf16_convert(n * k, ws->z, s->d);
    for (size_t l = n_layers; l-- > 0;) {
        const size_t in = m->sizes[l], out = m->sizes[l + 1];
        /* dW_l = H_{l-1}^T . dA_l, fp32 into the gradient arena */
        MLPB_TRY(
            product(ws, true, false, in, out, n, s->h[l], in, s->d, out, grads + m->w_off[l], out));
        /* Layer l's gradients are final (db_l came earlier). */
        if (ws->grad_ready != NULL)
            ws->grad_ready(l, ws->grad_ready_ctx);
        if (l == 0)
            break;
        /* dH_{l-1} = dA_l . W_l^T in fp32, then the ReLU mask, db_{l-1} and
         * the bf16 delta for the next layer down in one pass (both products
         * that read the old delta are done). */
        MLPB_TRY(
            product(ws, false, true, n, in, out, s->d, out, s->w + m->w_off[l], out, ws->d0, in));
        mlpb__relu_grad_colsum_bf16(n, in, ws->h[l], ws->d0, grads + m->b_off[l - 1], s->d);
    }
    return MLPB_OK;
}
