/* workspace.c -- activation and delta buffers for batches of up to max_batch
 * rows, carved from one 64-byte-aligned block so that the passes allocate
 * nothing. One workspace per thread; the model itself stays read-only. */
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
    const size_t L = m->n_sizes - 2, k = m->sizes[m->n_sizes - 1];

    /* Floats: h[0] (d) and h[1..L] (hidden widths), z (k), d0 and d1 (max
     * width), each max_batch rows, each padded to a cache line. */
    size_t total = 0, part;
    for (size_t l = 0; l <= L; l++) {
        MLPB_TRY(mlpb__mul_size(max_batch, m->sizes[l], &part));
        MLPB_TRY(mlpb__add_size(total, mlpb__pad_floats(part), &total));
        if (mlpb__pad_floats(part) < part)
            return MLPB_E_OVERFLOW;
    }
    MLPB_TRY(mlpb__mul_size(max_batch, k, &part));
    MLPB_TRY(mlpb__add_size(total, mlpb__pad_floats(part), &total));
    /* Deltas of hidden layers only (the output layer's lives in z): one
     * buffer for one hidden layer, two used in turn for deeper networks. */
    size_t hidden = 0;
    for (size_t l = 1; l <= L; l++)
        hidden = m->sizes[l] > hidden ? m->sizes[l] : hidden;
    MLPB_TRY(mlpb__mul_size(max_batch, hidden, &part));
    const size_t dpart = mlpb__pad_floats(part), n_deltas = L >= 2 ? 2 : 1;
    for (size_t i = 0; i < n_deltas; i++)
        MLPB_TRY(mlpb__add_size(total, dpart, &total));
    size_t bytes;
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
    ws->n_sizes = m->n_sizes;
    ws->sizes = (size_t *)(ws + 1);
    memcpy(ws->sizes, m->sizes, m->n_sizes * sizeof(size_t));
    ws->h = (float **)(ws->sizes + m->n_sizes);
    ws->floats = f;
    for (size_t l = 0; l <= L; l++) {
        ws->h[l] = f;
        f += mlpb__pad_floats(max_batch * m->sizes[l]);
    }
    ws->z = f;
    f += mlpb__pad_floats(max_batch * k);
    ws->d0 = f;
    ws->d1 = n_deltas == 2 ? f + dpart : NULL;
    *out = ws;
    return MLPB_OK;
}

void mlpb_workspace_destroy(mlpb_workspace *ws)
{
    if (ws == NULL)
        return;
    const mlpb_allocator a = ws->alloc;
    mlpb__free(&a, ws->floats);
    mlpb__free(&a, ws);
}

size_t mlpb_workspace_max_batch(const mlpb_workspace *ws)
{
    return ws == NULL ? 0 : ws->max_batch;
}

mlpb_status mlpb_workspace_set_threading(mlpb_workspace *ws, mlpb_threading t)
{
    if (ws == NULL || (t != MLPB_THREADING_BLAS && t != MLPB_THREADING_SERIAL_SMALL))
        return MLPB_E_INVALID_ARG;
    ws->serial_mnk = t == MLPB_THREADING_SERIAL_SMALL ? MLPB_SERIAL_SMALL_MNK : 0;
    return MLPB_OK;
}

mlpb_status mlpb__workspace_check(const mlpb_model *m, const mlpb_workspace *ws)
{
    return mlpb__same_arch(m->sizes, m->n_sizes, ws->sizes, ws->n_sizes) ? MLPB_OK
                                                                         : MLPB_E_INVALID_ARG;
}
