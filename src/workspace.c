/* workspace.c -- activation and delta buffers for batches of up to max_batch
 * rows, carved from one 64-byte-aligned block so that the passes allocate
 * nothing. One workspace per thread; the model itself stays read-only. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <limits.h>
#include <string.h>

/* Floats of the buffers for rows rows: h[0] (d) and h[1..L] (hidden widths),
 * z (k), and the deltas of hidden layers only (the output layer's lives in
 * z): one buffer for one hidden layer, two used in turn for deeper networks.
 * Each buffer is padded to a cache line. */
static mlpb_status buffer_floats(const size_t *sizes, size_t n_sizes, size_t rows,
                                 size_t *total)
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
static void carve(mlpb_workspace *ws, float *f, size_t rows, size_t row0)
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
    MLPB_TRY(buffer_floats(m->sizes, m->n_sizes, max_batch, &total));
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
    carve(ws, f, max_batch, 0);
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

/* ------------------------------------------------------------- splitting */
static void split_free(const mlpb_allocator *a, mlpb_split *s)
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
static mlpb_status split_create(mlpb_workspace *ws, size_t parts)
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
            split_free(a, s);
            return MLPB_E_NOMEM;
        }
    }
    const size_t k = ws->sizes[ws->n_sizes - 1];
    if (mlpb__units_possible(ws->sizes, ws->n_sizes, ws->max_batch, parts)) {
        /* Small by the rule's bounds: rows and k are capped. */
        s->unit_rows = ws->max_batch < MLPB_UNIT_MAX_ROWS ? ws->max_batch : MLPB_UNIT_MAX_ROWS;
        s->units = mlpb__alloc(a, parts * mlpb__unit_floats(s->unit_rows, k) * sizeof(float));
        if (s->units == NULL) {
            split_free(a, s);
            return MLPB_E_NOMEM;
        }
    }
    mlpb_status st = mlpb__team_create(a, parts, &s->team);
    if (st != MLPB_OK) {
        split_free(a, s);
        return st;
    }
    if (rows != ws->rows) {
        size_t total, fbytes;
        float *f = NULL;
        if ((st = buffer_floats(ws->sizes, ws->n_sizes, rows, &total)) == MLPB_OK &&
            (st = mlpb__mul_size(total, sizeof(float), &fbytes)) == MLPB_OK &&
            (f = mlpb__alloc(a, fbytes)) == NULL)
            st = MLPB_E_NOMEM;
        if (st != MLPB_OK) {
            split_free(a, s);
            return st;
        }
        mlpb__free(a, ws->floats);
        ws->floats = f;
        ws->rows = rows;
        carve(ws, f, rows, 0);
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
        carve(v, ws->floats, rows, p * part_rows);
    }
    ws->split = s;
    return MLPB_OK;
}

/* MLPB_THREADING_AUTO's thresholds, per part (row block), from the sweeps
 * in docs/bench.md (2 cores): a block needs at least MIN_ROWS rows and
 * MIN_MACS multiply-adds of forward pass. A training step splits later than
 * inference: each extra part writes a gradient arena that is then summed,
 * and its products on few rows run far below the sgemm rate. Inference
 * splits from the split's own minimum of rows a block (256 x 512 x 1 at
 * 16 rows: 1.24x unsplit on a Zen 4). */
#define AUTO_TRAIN_MIN_ROWS 32
#define AUTO_TRAIN_MIN_MACS ((size_t)1 << 18)
#define AUTO_FWD_MIN_ROWS   MLPB_SPLIT_MIN_ROWS
#define AUTO_FWD_MIN_MACS   ((size_t)1 << 17)

size_t mlpb__auto_parts(const size_t *sizes, size_t n_sizes, size_t n, size_t threads,
                        bool train)
{
    if (threads < 2)
        return 1;
    double row_macs = 0.0;
    for (size_t l = 0; l + 1 < n_sizes; l++)
        row_macs += (double)sizes[l] * (double)sizes[l + 1];
    const size_t rows = n / threads;
    const size_t min_rows = train ? AUTO_TRAIN_MIN_ROWS : AUTO_FWD_MIN_ROWS;
    const size_t min_macs = train ? AUTO_TRAIN_MIN_MACS : AUTO_FWD_MIN_MACS;
    if (rows < min_rows || (double)rows * row_macs < (double)min_macs)
        return 1;
    return threads;
}

/* The unit split's rule by shape alone: one hidden layer, at least
 * MLPB_UNIT_MIN_UNITS units a part, at most MLPB_UNIT_MAX_OUTPUTS outputs. */
static bool units_shape(const size_t *sizes, size_t n_sizes, size_t threads)
{
    return threads >= 2 && n_sizes == 3 && sizes[1] / threads >= MLPB_UNIT_MIN_UNITS &&
           sizes[2] <= MLPB_UNIT_MAX_OUTPUTS;
}

static bool units_macs(const size_t *sizes, size_t n)
{
    const double row_macs =
        (double)sizes[0] * (double)sizes[1] + (double)sizes[1] * (double)sizes[2];
    return (double)n * row_macs >= (double)MLPB_UNIT_MIN_MACS;
}

size_t mlpb__auto_units(const size_t *sizes, size_t n_sizes, size_t n, size_t threads)
{
    if (!units_shape(sizes, n_sizes, threads) || n > MLPB_UNIT_MAX_ROWS ||
        !units_macs(sizes, n) || mlpb__auto_parts(sizes, n_sizes, n, threads, true) > 1)
        return 1;
    return threads;
}

/* The multiply-adds only grow with the rows, and a batch that would split
 * its rows may still have smaller ones that split their units. */
bool mlpb__units_possible(const size_t *sizes, size_t n_sizes, size_t max_batch,
                          size_t threads)
{
    const size_t n = max_batch < MLPB_UNIT_MAX_ROWS ? max_batch : MLPB_UNIT_MAX_ROWS;
    return units_shape(sizes, n_sizes, threads) && units_macs(sizes, n);
}

size_t mlpb__split_parts(const mlpb_workspace *ws, size_t n, bool train)
{
    if (ws->split == NULL)
        return 1;
    if (ws->threading == MLPB_THREADING_AUTO)
        return mlpb__auto_parts(ws->sizes, ws->n_sizes, n, ws->split->parts, train);
    const size_t rows = n / ws->split->parts;
    /* rows <= INT_MAX and row_macs <= SIZE_MAX: compare in double. */
    if (rows < MLPB_SPLIT_MIN_ROWS ||
        (double)rows * (double)ws->split->row_macs < (double)MLPB_SPLIT_MIN_MACS)
        return 1;
    return ws->split->parts;
}

int mlpb__serial_begin(const mlpb_workspace *ws, size_t n)
{
    if (ws->serial_mnk == 0 || (double)n * (double)ws->layer_macs >= (double)ws->serial_mnk)
        return 0;
    /* oneDNN's fp32 products take their thread count per call from the
     * same serial_mnk rule (kernel_dnnl.c), so nothing here calls BLAS:
     * setting its count, a lock in OpenBLAS, would be a cost for nothing. */
    if (ws->onednn && ws->bf16 == NULL)
        return 0;
    const int threads = mlpb__blas_threads();
    if (threads <= 1)
        return 0;
    mlpb__blas_set_threads(1);
    return threads;
}

void mlpb__serial_end(int restore)
{
    if (restore > 1)
        mlpb__blas_set_threads(restore);
}

typedef struct sum_job {
    float        *dst;
    float *const *src; /* src[1..parts-1] */
    size_t        n, parts;
    bool          finite[MLPB_SPLIT_MAX_PARTS];
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

void mlpb_workspace_destroy(mlpb_workspace *ws)
{
    if (ws == NULL)
        return;
    const mlpb_allocator a = ws->alloc;
    mlpb__bf16_free(ws);
    split_free(&a, ws->split);
    mlpb__free(&a, ws->floats);
    mlpb__free(&a, ws);
}

size_t mlpb_workspace_max_batch(const mlpb_workspace *ws)
{
    return ws == NULL ? 0 : ws->max_batch;
}

static size_t parts_for(const size_t *sizes, size_t n_sizes, mlpb_threading t,
                        size_t max_batch);

mlpb_status mlpb_workspace_set_threading(mlpb_workspace *ws, mlpb_threading t)
{
    if (ws == NULL || (t != MLPB_THREADING_BLAS && t != MLPB_THREADING_SERIAL_SMALL &&
                       t != MLPB_THREADING_SPLIT && t != MLPB_THREADING_AUTO))
        return MLPB_E_INVALID_ARG;
    const size_t parts = parts_for(ws->sizes, ws->n_sizes, t, ws->max_batch);
    /* Until the new mode is fully set up, the workspace runs unsplit; calls
     * too small to split run as MLPB_THREADING_SERIAL_SMALL would. */
    ws->threading = MLPB_THREADING_SERIAL_SMALL;
    ws->serial_mnk = t == MLPB_THREADING_BLAS ? 0 : MLPB_SERIAL_SMALL_MNK;
    if (ws->split == NULL || ws->split->parts != parts) {
        split_free(&ws->alloc, ws->split);
        ws->split = NULL;
        if (parts >= 2)
            MLPB_TRY(split_create(ws, parts));
        /* bf16 copies for the new rows and views; without them, no split. */
        const mlpb_status st = mlpb__bf16_refit(ws);
        if (st != MLPB_OK) {
            split_free(&ws->alloc, ws->split);
            ws->split = NULL;
            return st;
        }
    }
    ws->threading = t;
    return MLPB_OK;
}

/* The part count set_threading chooses for t and max_batch. AUTO sets up a
 * team only where a call of max_batch rows may split (fewer rows split less,
 * never more). */
static size_t parts_for(const size_t *sizes, size_t n_sizes, mlpb_threading t,
                        size_t max_batch)
{
    size_t parts = 1;
    if (t == MLPB_THREADING_SPLIT || t == MLPB_THREADING_AUTO) {
        const int threads = mlpb__blas_threads();
        parts = threads > 1 ? (size_t)threads : 1;
        parts = parts > MLPB_SPLIT_MAX_PARTS ? MLPB_SPLIT_MAX_PARTS : parts;
        parts = parts > max_batch ? max_batch : parts;
    }
    if (t == MLPB_THREADING_AUTO &&
        mlpb__auto_parts(sizes, n_sizes, max_batch, parts, false) < 2 &&
        mlpb__auto_parts(sizes, n_sizes, max_batch, parts, true) < 2 &&
        !mlpb__units_possible(sizes, n_sizes, max_batch, parts))
        parts = 1;
    return parts;
}

size_t mlpb__workspace_parts(const size_t *sizes, size_t n_sizes, mlpb_threading t,
                             size_t max_batch)
{
    return parts_for(sizes, n_sizes, t, max_batch);
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
    MLPB_TRY(buffer_floats(sizes, n_sizes, max_batch, &total));
    MLPB_TRY(mlpb__mul_size(total, sizeof(float), &bytes));
    const size_t old_floats = mlpb__alloc_size(bytes);
    size_t sum = mlpb__alloc_size(sizeof(mlpb_workspace) + n_sizes * sizeof(size_t) +
                                  (L + 1) * sizeof(float *));
    size_t floats = old_floats, extra = 0;
    const size_t parts = parts_for(sizes, n_sizes, t, max_batch);
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
            MLPB_TRY(buffer_floats(sizes, n_sizes, rows, &total));
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
    return mlpb__dnnl_built() && mlpb__blas_fallback() ? MLPB_GEMM_ONEDNN : MLPB_GEMM_BLAS;
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
