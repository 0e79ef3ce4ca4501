/* workspace_layout.c -- where a workspace's buffers lie in its block of
 * floats: how many floats the buffers for a number of rows take, and the
 * pointers into them, for a workspace and for the row split's views of it.
 * The bottom of the workspace's files: it calls nothing of theirs. */
#include "mlpb_internal.h"

/* Floats of the buffers for rows rows: h[0] (d) and h[1..L] (hidden widths),
 * z (k), and the deltas of hidden layers only (the output layer's lives in
 * z): one buffer for one hidden layer, two used in turn for deeper networks.
 * Each buffer is padded to a cache line. */
mlpb_status mlpb__ws_buffer_floats(const size_t *sizes, size_t n_sizes, size_t rows, size_t *total)
{
    const size_t L = n_sizes - 2;
    size_t part, hidden = 0;
    *total = 0;
    for (size_t l = 0; l < n_sizes; l++) {
        MLPB_TRY(mlpb__mul_size(rows, sizes[l], &part));
        if (mlpb__pad_floats(part) < part)
            return MLPB_E_OVERFLOW;
        MLPB_TRY(mlpb__add_size(*total, mlpb__pad_floats(part), total));
        if (l >= 1 && l <= L && sizes[l] > hidden)
            hidden = sizes[l];
    }
    MLPB_TRY(mlpb__mul_size(rows, hidden, &part));
    if (mlpb__pad_floats(part) < part)
        return MLPB_E_OVERFLOW;
    for (size_t i = 0; i < (L >= 2 ? 2u : 1u); i++)
        MLPB_TRY(mlpb__add_size(*total, mlpb__pad_floats(part), total));
    return MLPB_OK;
}

/* Point ws's buffers into f, laid out for rows rows, starting at row row0 of
 * each (a view's slice of its parent's buffers when row0 > 0). */
void mlpb__ws_carve(mlpb_workspace *ws, float *f, size_t rows, size_t row0)
{
    const size_t n_sizes = ws->n_sizes, L = n_sizes - 2;
    size_t hidden = 0;
    for (size_t l = 1; l <= L; l++)
        hidden = ws->sizes[l] > hidden ? ws->sizes[l] : hidden;
    for (size_t l = 0; l <= L; l++) {
        ws->h[l] = f + row0 * ws->sizes[l];
        f += mlpb__pad_floats(rows * ws->sizes[l]);
    }
    ws->z = f + row0 * ws->sizes[n_sizes - 1];
    f += mlpb__pad_floats(rows * ws->sizes[n_sizes - 1]);
    ws->d0 = f + row0 * hidden;
    ws->d1 = L >= 2 ? f + mlpb__pad_floats(rows * hidden) + row0 * hidden : NULL;
}
