/* workspace.c -- the workspace object: activation and delta buffers for
 * batches of up to max_batch rows, carved from one 64-byte-aligned block
 * (workspace_layout.c) so that the passes allocate nothing; its threading
 * mode, which sets up the row split (row_split.c) with the part count the
 * threading policy chooses (threading_policy.c); its memory bound and its
 * product backend. One workspace per thread; the model stays read-only. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <limits.h>
#include <string.h>

mlpb_status mlpb_workspace_create(const mlpb_model *m, size_t max_batch,
                                  const mlpb_allocator *alloc, mlpb_workspace **out)
{
    if (out != NULL)
        *out = NULL;
    if (m == NULL || out == NULL || max_batch == 0)
        return MLPB_E_INVALID_ARG;
    if (max_batch > (size_t)INT_MAX)
        return MLPB_E_OVERFLOW; /* a BLAS dimension */
    const mlpb_allocator a = mlpb__allocator(alloc);
    const size_t L = m->n_sizes - 2;
    size_t total, bytes;
    MLPB_TRY(mlpb__ws_buffer_floats(m->sizes, m->n_sizes, max_batch, &total));
    MLPB_TRY(mlpb__mul_size(total, sizeof(float), &bytes));

    const size_t head =
        sizeof(mlpb_workspace) + m->n_sizes * sizeof(size_t) + (L + 1) * sizeof(float *);
    mlpb_workspace *ws = mlpb__alloc(&a, head);
    if (ws == NULL)
        return MLPB_E_NOMEM;
    float *f = mlpb__alloc(&a, bytes);
    if (f == NULL) {
        mlpb__free(&a, ws);
        return MLPB_E_NOMEM;
    }
    memset(ws, 0, sizeof *ws);
    ws->alloc = a;
    ws->max_batch = max_batch;
    ws->rows = max_batch;
    ws->n_params = m->n_params;
    ws->n_sizes = m->n_sizes;
    ws->sizes = (size_t *)(ws + 1);
    memcpy(ws->sizes, m->sizes, m->n_sizes * sizeof(size_t));
    ws->h = (float **)(ws->sizes + m->n_sizes);
    ws->floats = f;
    mlpb__ws_carve(ws, f, max_batch, 0);
    for (size_t l = 0; l + 1 < m->n_sizes; l++) {
        const size_t macs = m->sizes[l] * m->sizes[l + 1]; /* <= n_params: fits */
        ws->layer_macs = macs > ws->layer_macs ? macs : ws->layer_macs;
    }
    ws->onednn = mlpb_gemm_auto() == MLPB_GEMM_ONEDNN; /* views copy it */
    const mlpb_status st = mlpb_workspace_set_threading(ws, MLPB_THREADING_AUTO);
    if (st != MLPB_OK) {
        mlpb_workspace_destroy(ws);
        return st;
    }
    *out = ws;
    return MLPB_OK;
}

void mlpb_workspace_destroy(mlpb_workspace *ws)
{
    if (ws == NULL)
        return;
    const mlpb_allocator a = ws->alloc;
    mlpb__bf16_free(ws);
    mlpb__split_free(&a, ws->split);
    mlpb__free(&a, ws->floats);
    mlpb__free(&a, ws);
}

size_t mlpb_workspace_max_batch(const mlpb_workspace *ws)
{
    return ws == NULL ? 0 : ws->max_batch;
}

mlpb_status mlpb_workspace_set_threading(mlpb_workspace *ws, mlpb_threading t)
{
    if (ws == NULL || (t != MLPB_THREADING_BLAS && t != MLPB_THREADING_SERIAL_SMALL &&
                       t != MLPB_THREADING_SPLIT && t != MLPB_THREADING_AUTO))
        return MLPB_E_INVALID_ARG;
    const size_t parts = mlpb__workspace_parts(ws->sizes, ws->n_sizes, t, ws->max_batch);
    /* Until the new mode is fully set up, the workspace runs unsplit; calls
     * too small to split run as MLPB_THREADING_SERIAL_SMALL would. */
    ws->threading = MLPB_THREADING_SERIAL_SMALL;
    ws->serial_mnk = t == MLPB_THREADING_BLAS ? 0 : MLPB_SERIAL_SMALL_MNK;
    if (ws->split == NULL || ws->split->parts != parts) {
        mlpb__split_free(&ws->alloc, ws->split);
        ws->split = NULL;
        if (parts >= 2)
            MLPB_TRY(mlpb__split_create(ws, parts));
        /* bf16 copies for the new rows and views; without them, no split. */
        const mlpb_status st = mlpb__bf16_refit(ws);
        if (st != MLPB_OK) {
            mlpb__split_free(&ws->alloc, ws->split);
            ws->split = NULL;
            return st;
        }
    }
    ws->threading = t;
    return MLPB_OK;
}

/* Sizes of the blocks are far below SIZE_MAX once buffer_floats and the
 * parameter count have been checked; the sums are checked anyway. */
mlpb_status mlpb__workspace_bytes(const size_t *sizes, size_t n_sizes, size_t max_batch,
                                  mlpb_threading t, size_t *final, size_t *peak)
{
    if (sizes == NULL || n_sizes < 3 || max_batch == 0 ||
        (t != MLPB_THREADING_BLAS && t != MLPB_THREADING_SERIAL_SMALL &&
         t != MLPB_THREADING_SPLIT && t != MLPB_THREADING_AUTO))
        return MLPB_E_INVALID_ARG;
    if (max_batch > (size_t)INT_MAX)
        return MLPB_E_OVERFLOW;
    size_t n_params;
    MLPB_TRY(mlpb_model_memory(sizes, n_sizes, &n_params)); /* checks the sizes */
    n_params = 0;
    for (size_t l = 0; l + 1 < n_sizes; l++)
        n_params += sizes[l] * sizes[l + 1] + sizes[l + 1]; /* checked by model_memory */
    const size_t L = n_sizes - 2;
    size_t total, bytes;
    MLPB_TRY(mlpb__ws_buffer_floats(sizes, n_sizes, max_batch, &total));
    MLPB_TRY(mlpb__mul_size(total, sizeof(float), &bytes));
    const size_t old_floats = mlpb__alloc_size(bytes);
    size_t sum = mlpb__alloc_size(sizeof(mlpb_workspace) + n_sizes * sizeof(size_t) +
                                  (L + 1) * sizeof(float *));
    size_t floats = old_floats, extra = 0;
    const size_t parts = mlpb__workspace_parts(sizes, n_sizes, t, max_batch);
    if (parts >= 2) {
        const size_t part_rows = (max_batch + parts - 1) / parts, rows = part_rows * parts;
        MLPB_TRY(mlpb__add_size(sum, mlpb__alloc_size(sizeof(mlpb_split) +
                                                      parts * sizeof(mlpb_workspace) +
                                                      parts * (L + 1) * sizeof(float *) +
                                                      parts * sizeof(float *)),
                                &sum));
        size_t grads;
        MLPB_TRY(mlpb__mul_size(mlpb__pad_floats(n_params), sizeof(float), &grads));
        MLPB_TRY(mlpb__mul_size(mlpb__alloc_size(grads), parts - 1, &grads));
        MLPB_TRY(mlpb__add_size(sum, grads, &sum));
        MLPB_TRY(mlpb__add_size(sum, mlpb__alloc_size(mlpb__team_bytes(parts)), &sum));
        if (mlpb__units_possible(sizes, n_sizes, max_batch, parts)) {
            const size_t ur = max_batch < MLPB_UNIT_MAX_ROWS ? max_batch : MLPB_UNIT_MAX_ROWS;
            const size_t ub = parts * mlpb__unit_floats(ur, sizes[n_sizes - 1]) * sizeof(float);
            MLPB_TRY(mlpb__add_size(sum, mlpb__alloc_size(ub), &sum));
        }
        if (rows != max_batch) {
            MLPB_TRY(mlpb__ws_buffer_floats(sizes, n_sizes, rows, &total));
            MLPB_TRY(mlpb__mul_size(total, sizeof(float), &bytes));
            floats = mlpb__alloc_size(bytes);
            extra = old_floats; /* freed only once the new buffers exist */
        }
    }
    MLPB_TRY(mlpb__add_size(sum, floats, final));
    return mlpb__add_size(*final, extra, peak);
}

mlpb_status mlpb_workspace_memory(const size_t *sizes, size_t n_sizes, size_t max_batch,
                                  mlpb_threading t, size_t *bytes)
{
    if (bytes == NULL)
        return MLPB_E_INVALID_ARG;
    size_t final, peak;
    MLPB_TRY(mlpb__workspace_bytes(sizes, n_sizes, max_batch, t, &final, &peak));
    *bytes = peak;
    return MLPB_OK;
}

mlpb_status mlpb_workspace_set_grad_ready(mlpb_workspace *ws, mlpb_grad_ready_fn fn,
                                          void *ctx)
{
    if (ws == NULL)
        return MLPB_E_INVALID_ARG;
    ws->grad_ready = fn;
    ws->grad_ready_ctx = fn == NULL ? NULL : ctx;
    return MLPB_OK;
}

mlpb_status mlpb__workspace_check(const mlpb_model *m, const mlpb_workspace *ws)
{
    if (!mlpb__has_params(m))
        return MLPB_E_INVALID_ARG; /* a header-only model cannot run */
    return mlpb__same_arch(m->sizes, m->n_sizes, ws->sizes, ws->n_sizes) ? MLPB_OK
                                                                         : MLPB_E_INVALID_ARG;
}

/* ------------------------------------------------------------ backends */
mlpb_gemm mlpb_gemm_auto(void)
{
    /* The BLAS first: asking whether oneDNN is there loads it. */
    return mlpb__blas_fallback() && mlpb__dnnl_built() ? MLPB_GEMM_ONEDNN : MLPB_GEMM_BLAS;
}

mlpb_status mlpb_workspace_set_gemm(mlpb_workspace *ws, mlpb_gemm g)
{
    if (ws == NULL || (g != MLPB_GEMM_AUTO && g != MLPB_GEMM_BLAS && g != MLPB_GEMM_ONEDNN))
        return MLPB_E_INVALID_ARG;
    if (g == MLPB_GEMM_ONEDNN && !mlpb__dnnl_built())
        return MLPB_E_UNSUPPORTED;
    const bool onednn = g == MLPB_GEMM_AUTO ? mlpb_gemm_auto() == MLPB_GEMM_ONEDNN
                                            : g == MLPB_GEMM_ONEDNN;
    ws->onednn = onednn;
    if (ws->split != NULL)
        for (size_t p = 0; p < ws->split->parts; p++)
            ws->split->views[p].onednn = onednn;
    return MLPB_OK;
}

mlpb_gemm mlpb_workspace_gemm(const mlpb_workspace *ws)
{
    return ws != NULL && ws->onednn ? MLPB_GEMM_ONEDNN : MLPB_GEMM_BLAS;
}
