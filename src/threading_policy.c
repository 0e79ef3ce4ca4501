/* threading_policy.c -- how a workspace's calls use the cores: the part
 * count a threading mode sets up; MLPB_THREADING_AUTO's rule for when a call
 * splits its rows (row_split.c) and when a training step splits its hidden
 * units instead (unit_split.c); the serial rule that runs a call whose
 * products are all small on one BLAS thread; and when an ensemble's
 * trainings run side by side (train_parallel.c). Pure functions of the shape,
 * the row count and the thread count, so that the choice, and with it every
 * result, is fixed by them. The measurements behind the thresholds are in
 * docs/bench.md ("Threading: when a batch splits"). */
#include "kernels.h"
#include "mlpb_internal.h"

/* MLPB_THREADING_AUTO's thresholds, per part (row block): a block needs at
 * least MIN_ROWS rows and MIN_MACS multiply-adds of forward pass. A training
 * step splits later than inference: each extra part writes a gradient arena
 * that is then summed, and its products on few rows run far below the sgemm
 * rate. Inference splits from the split's own minimum of rows a block, where
 * it already pays (docs/bench.md, "The data behind the thresholds"). */
#define AUTO_TRAIN_MIN_ROWS 32
#define AUTO_TRAIN_MIN_MACS ((size_t)1 << 18)
#define AUTO_FWD_MIN_ROWS   MLPB_SPLIT_MIN_ROWS
#define AUTO_FWD_MIN_MACS   ((size_t)1 << 17)

size_t mlpb__auto_parts(const size_t *sizes, size_t n_sizes, size_t n, size_t threads, bool train)
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

size_t mlpb__parallel_threads(const size_t *sizes, size_t n_sizes, size_t threads)
{
    double row_macs = 0.0;
    for (size_t l = 0; l + 1 < n_sizes; l++)
        row_macs += (double)sizes[l] * (double)sizes[l + 1];
    return row_macs >= (double)MLPB_PARALLEL_MIN_ROW_MACS ? threads : 1;
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
    if (!units_shape(sizes, n_sizes, threads) || n > MLPB_UNIT_MAX_ROWS || !units_macs(sizes, n) ||
        mlpb__auto_parts(sizes, n_sizes, n, threads, true) > 1)
        return 1;
    return threads;
}

/* The multiply-adds only grow with the rows, and a batch that would split
 * its rows may still have smaller ones that split their units. */
bool mlpb__units_possible(const size_t *sizes, size_t n_sizes, size_t max_batch, size_t threads)
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

/* The part count set_threading chooses for t and max_batch. AUTO sets up a
 * team only where a call of max_batch rows may split (fewer rows split less,
 * never more). */
size_t mlpb__workspace_parts(const size_t *sizes, size_t n_sizes, mlpb_threading t,
                             size_t max_batch)
{
    size_t parts = 1;
    if (t == MLPB_THREADING_SPLIT || t == MLPB_THREADING_AUTO) {
        const int threads = mlpb__blas_threads();
        parts = threads > 1 ? (size_t)threads : 1;
        parts = parts > MLPB_SPLIT_MAX_PARTS ? MLPB_SPLIT_MAX_PARTS : parts;
        parts = parts > max_batch ? max_batch : parts;
    }
    if (t == MLPB_THREADING_AUTO && mlpb__auto_parts(sizes, n_sizes, max_batch, parts, false) < 2 &&
        mlpb__auto_parts(sizes, n_sizes, max_batch, parts, true) < 2 &&
        !mlpb__units_possible(sizes, n_sizes, max_batch, parts))
        parts = 1;
    return parts;
}

/* The unit split runs only under AUTO, on BLAS fp32 products, without a
 * gradient-ready hook, on a workspace whose split has its buffers. */
size_t mlpb__unit_parts(const mlpb_workspace *ws, size_t bs)
{
    const mlpb_split *s = ws->split;
    /* Not on oneDNN: its products of half the units cost more than half of
     * the whole one's, and slow each other down side by side, so the split
     * step is no faster than one thread (docs/bench.md, "The unit split"). */
    if (ws->threading != MLPB_THREADING_AUTO || s == NULL || s->units == NULL || ws->onednn ||
        ws->bf16 != NULL || ws->grad_ready != NULL || bs > s->unit_rows)
        return 1;
    return mlpb__auto_units(ws->sizes, ws->n_sizes, bs, s->parts);
}
