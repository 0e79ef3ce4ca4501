/* row_split.c -- the row split: a batch shared among the workspace's team by
 * rows. Part p of a call on n rows runs the serial pass on a view of the
 * workspace holding its slice of the rows (mlpb_split in mlpb_internal.h);
 * parts p > 0 write their own gradient arena, summed here in part order so
 * that results depend on the part count only. Which calls split, and on
 * how many parts, is the threading policy's (threading_policy.c). */
#include "kernels.h"
#include "mlpb_internal.h"

#include <string.h>

void mlpb__split_free(const mlpb_allocator *a, mlpb_split *s)
{
    if (s == NULL)
        return;
    mlpb__team_destroy(s->team);
    mlpb__free(a, s->units);
    for (size_t p = 1; p < s->parts; p++)
        mlpb__free(a, s->grads[p]);
    mlpb__free(a, s);
}

/* Team, views and gradient arenas for parts parts; ws's buffers grow to a
 * whole number of parts' rows if they must (at most parts - 1 rows more). */
mlpb_status mlpb__split_create(mlpb_workspace *ws, size_t parts)
{
    const mlpb_allocator *a = &ws->alloc;
    const size_t part_rows = (ws->max_batch + parts - 1) / parts, L = ws->n_sizes - 2;
    const size_t rows = part_rows * parts;
    size_t grad_bytes;
    MLPB_TRY(mlpb__mul_size(mlpb__pad_floats(ws->n_params), sizeof(float), &grad_bytes));

    /* The split, its views, their h arrays and the gradient pointers in one
     * block (sizes are small: parts <= MLPB_SPLIT_MAX_PARTS). */
    const size_t bytes = sizeof(mlpb_split) + parts * sizeof(mlpb_workspace) +
                         parts * (L + 1) * sizeof(float *) + parts * sizeof(float *);
    mlpb_split *s = mlpb__alloc(a, bytes);
    if (s == NULL)
        return MLPB_E_NOMEM;
    memset(s, 0, bytes);
    s->parts = parts;
    for (size_t l = 0; l + 1 < ws->n_sizes; l++)
        s->row_macs += ws->sizes[l] * ws->sizes[l + 1]; /* <= n_params: fits */
    s->views = (mlpb_workspace *)(s + 1);
    float **h_arrays = (float **)(s->views + parts);
    s->grads = h_arrays + parts * (L + 1);
    for (size_t p = 1; p < parts; p++) {
        if ((s->grads[p] = mlpb__alloc(a, grad_bytes)) == NULL) {
            mlpb__split_free(a, s);
            return MLPB_E_NOMEM;
        }
    }
    const size_t k = ws->sizes[ws->n_sizes - 1];
    if (mlpb__units_possible(ws->sizes, ws->n_sizes, ws->max_batch, parts)) {
        /* Small by the rule's bounds: rows and k are capped. */
        s->unit_rows = ws->max_batch < MLPB_UNIT_MAX_ROWS ? ws->max_batch : MLPB_UNIT_MAX_ROWS;
        s->units = mlpb__alloc(a, parts * mlpb__unit_floats(s->unit_rows, k) * sizeof(float));
        if (s->units == NULL) {
            mlpb__split_free(a, s);
            return MLPB_E_NOMEM;
        }
    }
    mlpb_status st = mlpb__team_create(a, parts, &s->team);
    if (st != MLPB_OK) {
        mlpb__split_free(a, s);
        return st;
    }
    if (rows != ws->rows) {
        size_t total, fbytes;
        float *f = NULL;
        if ((st = mlpb__ws_buffer_floats(ws->sizes, ws->n_sizes, rows, &total)) == MLPB_OK &&
            (st = mlpb__mul_size(total, sizeof(float), &fbytes)) == MLPB_OK &&
            (f = mlpb__alloc(a, fbytes)) == NULL)
            st = MLPB_E_NOMEM;
        if (st != MLPB_OK) {
            mlpb__split_free(a, s);
            return st;
        }
        mlpb__free(a, ws->floats);
        ws->floats = f;
        ws->rows = rows;
        mlpb__ws_carve(ws, f, rows, 0);
    }
    for (size_t p = 0; p < parts; p++) {
        mlpb_workspace *v = &s->views[p];
        v->alloc = ws->alloc;
        v->max_batch = part_rows;
        v->rows = part_rows;
        v->n_sizes = ws->n_sizes;
        v->sizes = ws->sizes;
        v->h = h_arrays + p * (L + 1);
        v->onednn = ws->onednn;
        mlpb__ws_carve(v, ws->floats, rows, p * part_rows);
    }
    ws->split = s;
    return MLPB_OK;
}

typedef struct sum_job {
    float *dst;
    float *const *src; /* src[1..parts-1] */
    size_t n, parts;
    bool finite[MLPB_SPLIT_MAX_PARTS];
} sum_job;

/* dst[lo, hi) += src[1][lo, hi) + ... in part order, whichever thread
 * finished first, so each element is summed the same way for any slicing;
 * the finiteness check rides on the last sum. */
static bool sum_slice(const sum_job *s, size_t lo, size_t hi)
{
    for (size_t p = 1; p + 1 < s->parts; p++)
        mlpb__add(hi - lo, s->src[p] + lo, s->dst + lo);
    return mlpb__add_finite(hi - lo, s->src[s->parts - 1] + lo, s->dst + lo);
}

static void sum_part(void *ctx, size_t p)
{
    sum_job *s = ctx;
    /* Slices on cache-line (16-float) boundaries. */
    const size_t lines = (s->n + 15) / 16;
    size_t lo = mlpb__part_row(p, lines, s->parts) * 16;
    size_t hi = mlpb__part_row(p + 1, lines, s->parts) * 16;
    hi = hi > s->n ? s->n : hi;
    lo = lo > hi ? hi : lo;
    s->finite[p] = sum_slice(s, lo, hi);
}

bool mlpb__split_sum(mlpb_workspace *ws, float *dst)
{
    const size_t n = ws->n_params, parts = ws->split->parts;
    sum_job s = {.dst = dst, .src = ws->split->grads, .n = n, .parts = parts};
    if (n < MLPB_SPLIT_TEAM_SUM)
        return sum_slice(&s, 0, n);
    mlpb__team_run(ws->split->team, sum_part, &s);
    bool finite = true;
    for (size_t p = 0; p < parts; p++)
        finite = finite && s.finite[p];
    return finite;
}

void mlpb__split_run(mlpb_workspace *ws, mlpb__team_fn fn, void *ctx)
{
    const int threads = mlpb__blas_threads();
    if (threads > 1)
        mlpb__blas_set_threads(1);
    mlpb__team_run(ws->split->team, fn, ctx);
    if (threads > 1)
        mlpb__blas_set_threads(threads);
}
