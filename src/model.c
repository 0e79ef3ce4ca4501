/* model.c -- model creation and layout: configuration checks, the parameter
 * and gradient arenas (W0 b0 W1 b1 ..., packed), layer views and the input
 * standardisation that every forward pass applies. */
#include "mlpb_internal.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* Sizes are handed to BLAS as int (dimensions and leading dimensions). */
#define MLPB_MAX_DIM ((size_t)INT_MAX)
/* More layers than MLPB_MAX_SIZES (mlpb_internal.h) is certainly a mistake,
 * and the bound keeps the bookkeeping block small. */

bool mlpb__same_arch(const size_t *sa, size_t na, const size_t *sb, size_t nb)
{
    return na == nb && memcmp(sa, sb, na * sizeof *sa) == 0;
}

/* Check a configuration and compute the arena size in floats. */
static mlpb_status check_sizes(const size_t *sizes, size_t n_sizes, size_t *n_params)
{
    if (sizes == NULL || n_sizes < 3 || n_sizes > MLPB_MAX_SIZES)
        return MLPB_E_INVALID_ARG;
    size_t total = 0;
    for (size_t i = 0; i < n_sizes; i++) {
        if (sizes[i] == 0)
            return MLPB_E_INVALID_ARG;
        if (sizes[i] > MLPB_MAX_DIM)
            return MLPB_E_OVERFLOW;
    }
    for (size_t l = 0; l + 1 < n_sizes; l++) {
        size_t w;
        MLPB_TRY(mlpb__mul_size(sizes[l], sizes[l + 1], &w));
        /* A layer's weights are indexed (LAPACK, the model file) with an int. */
        if (w > MLPB_MAX_DIM)
            return MLPB_E_OVERFLOW;
        MLPB_TRY(mlpb__add_size(total, w, &total));
        MLPB_TRY(mlpb__add_size(total, sizes[l + 1], &total));
    }
    /* The float block holds two arenas plus two d-vectors, in bytes. */
    size_t bytes;
    MLPB_TRY(mlpb__mul_size(total, 2 * sizeof(float), &bytes));
    MLPB_TRY(mlpb__add_size(bytes, 4 * (size_t)MLPB_ALIGN + 2 * sizes[0] * sizeof(float),
                            &bytes));
    *n_params = total;
    return MLPB_OK;
}

/* Bytes of the two blocks of a model: bookkeeping, and floats (both arenas
 * with params, the two d-vectors always). */
static void block_bytes(const size_t *sizes, size_t n_sizes, size_t n_params, bool params,
                        size_t *head, size_t *floats)
{
    const size_t n_layers = n_sizes - 1;
    *head = sizeof(mlpb_model) + (n_sizes + 2 * n_layers) * sizeof(size_t);
    const size_t arena = params ? mlpb__pad_floats(n_params) : 0;
    *floats = (2 * arena + 2 * mlpb__pad_floats(sizes[0])) * sizeof(float);
}

static size_t rounded(size_t bytes)
{
    return (bytes + MLPB_ALIGN - 1) / MLPB_ALIGN * MLPB_ALIGN;
}

mlpb_status mlpb_model_memory(const size_t *sizes, size_t n_sizes, size_t *bytes)
{
    if (bytes == NULL)
        return MLPB_E_INVALID_ARG;
    size_t n_params, head, floats;
    MLPB_TRY(check_sizes(sizes, n_sizes, &n_params));
    block_bytes(sizes, n_sizes, n_params, true, &head, &floats); /* fits: check_sizes */
    return mlpb__add_size(rounded(head), rounded(floats), bytes);
}

static mlpb_status model_alloc(const size_t *sizes, size_t n_sizes, const mlpb_allocator *a,
                               bool params, mlpb_model **out);

mlpb_status mlpb__model_alloc(const size_t *sizes, size_t n_sizes, const mlpb_allocator *a,
                              mlpb_model **out)
{
    return model_alloc(sizes, n_sizes, a, true, out);
}

mlpb_status mlpb__model_alloc_header(const size_t *sizes, size_t n_sizes,
                                     const mlpb_allocator *a, mlpb_model **out)
{
    return model_alloc(sizes, n_sizes, a, false, out);
}

static mlpb_status model_alloc(const size_t *sizes, size_t n_sizes, const mlpb_allocator *a,
                               bool params, mlpb_model **out)
{
    size_t n_params;
    MLPB_TRY(check_sizes(sizes, n_sizes, &n_params));
    const size_t n_layers = n_sizes - 1;
    const size_t d = sizes[0];

    /* One block for the struct and its three size_t arrays, one for floats. */
    size_t head, fbytes;
    block_bytes(sizes, n_sizes, n_params, params, &head, &fbytes);
    mlpb_model *m = mlpb__alloc(a, head);
    if (m == NULL)
        return MLPB_E_NOMEM;
    memset(m, 0, sizeof *m);
    m->alloc = *a;
    m->n_sizes = n_sizes;
    m->n_layers = n_layers;
    m->sizes = (size_t *)(m + 1);
    m->w_off = m->sizes + n_sizes;
    m->b_off = m->w_off + n_layers;
    memcpy(m->sizes, sizes, n_sizes * sizeof *sizes);
    m->n_params = n_params;

    size_t off = 0;
    for (size_t l = 0; l < n_layers; l++) {
        m->w_off[l] = off;
        off += sizes[l] * sizes[l + 1];
        m->b_off[l] = off;
        off += sizes[l + 1];
    }

    const size_t arena = params ? mlpb__pad_floats(n_params) : 0, dpad = mlpb__pad_floats(d);
    float *f = mlpb__alloc(a, fbytes); /* cannot overflow: check_sizes */
    if (f == NULL) {
        mlpb__free(a, m);
        return MLPB_E_NOMEM;
    }
    memset(f, 0, fbytes);
    m->floats = f;
    m->has_params = params;
    m->params = params ? f : NULL;
    m->grads = params ? f + arena : NULL;
    m->mean = f + 2 * arena;
    m->std = m->mean + dpad;
    for (size_t j = 0; j < d; j++)
        m->std[j] = 1.0f;
    *out = m;
    return MLPB_OK;
}

mlpb_status mlpb_model_create(const mlpb_config *cfg, const mlpb_allocator *alloc,
                              mlpb_model **out)
{
    if (out != NULL)
        *out = NULL;
    if (cfg == NULL || out == NULL)
        return MLPB_E_INVALID_ARG;
    if (!mlpb__init_valid(cfg->init))
        return MLPB_E_INVALID_ARG;
    const mlpb_allocator a = mlpb__allocator(alloc);
    mlpb_model *m;
    MLPB_TRY(mlpb__model_alloc(cfg->sizes, cfg->n_sizes, &a, &m));
    mlpb_status s = mlpb__init_params(m, cfg->init, cfg->seed);
    if (s != MLPB_OK) {
        mlpb_model_destroy(m);
        return s;
    }
    *out = m;
    return MLPB_OK;
}

void mlpb_model_destroy(mlpb_model *m)
{
    if (m == NULL)
        return;
    const mlpb_allocator a = m->alloc;
    mlpb__strings_free(m);
    mlpb__free(&a, m->floats);
    mlpb__free(&a, m);
}

mlpb_status mlpb_model_init(mlpb_model *m, mlpb_init init, uint64_t seed)
{
    if (m == NULL || !m->has_params || !mlpb__init_valid(init))
        return MLPB_E_INVALID_ARG;
    return mlpb__init_params(m, init, seed);
}

mlpb_status mlpb_model_clone(const mlpb_model *src, mlpb_model **out)
{
    if (out != NULL)
        *out = NULL;
    if (src == NULL || out == NULL || !src->has_params)
        return MLPB_E_INVALID_ARG;
    mlpb_model *m;
    MLPB_TRY(mlpb__model_alloc(src->sizes, src->n_sizes, &src->alloc, &m));
    memcpy(m->grads, src->grads, src->n_params * sizeof(float));
    mlpb_status s = mlpb_model_copy_params(m, src);
    if (s == MLPB_OK)
        s = mlpb__strings_copy(m, src);
    if (s != MLPB_OK) { /* copy_params cannot fail: same sizes by construction */
        mlpb_model_destroy(m);
        return s;
    }
    *out = m;
    return MLPB_OK;
}

mlpb_status mlpb_model_copy_params(mlpb_model *dst, const mlpb_model *src)
{
    if (dst == NULL || src == NULL || !dst->has_params || !src->has_params)
        return MLPB_E_INVALID_ARG;
    if (!mlpb__same_arch(dst->sizes, dst->n_sizes, src->sizes, src->n_sizes))
        return MLPB_E_MISMATCH;
    if (dst == src)
        return MLPB_OK;
    const size_t d = src->sizes[0];
    memcpy(dst->params, src->params, src->n_params * sizeof(float));
    memcpy(dst->mean, src->mean, d * sizeof(float));
    memcpy(dst->std, src->std, d * sizeof(float));
    dst->standardize = src->standardize;
    return MLPB_OK;
}

size_t mlpb_model_n_layers(const mlpb_model *m)
{
    return m == NULL ? 0 : m->n_layers;
}

size_t mlpb_model_n_inputs(const mlpb_model *m)
{
    return m == NULL ? 0 : m->sizes[0];
}

size_t mlpb_model_n_outputs(const mlpb_model *m)
{
    return m == NULL ? 0 : m->sizes[m->n_sizes - 1];
}

const size_t *mlpb_model_sizes(const mlpb_model *m, size_t *n_sizes)
{
    if (n_sizes != NULL)
        *n_sizes = m == NULL ? 0 : m->n_sizes;
    return m == NULL ? NULL : m->sizes;
}

mlpb_status mlpb_model_layer(mlpb_model *m, size_t l, mlpb_layer *out)
{
    if (m == NULL || out == NULL || l >= m->n_layers || !m->has_params)
        return MLPB_E_INVALID_ARG;
    out->w = m->params + m->w_off[l];
    out->b = m->params + m->b_off[l];
    out->dw = m->grads + m->w_off[l];
    out->db = m->grads + m->b_off[l];
    out->in = m->sizes[l];
    out->out = m->sizes[l + 1];
    return MLPB_OK;
}

float *mlpb_model_params(mlpb_model *m, size_t *n)
{
    if (n != NULL)
        *n = m == NULL || !m->has_params ? 0 : m->n_params;
    return m == NULL ? NULL : m->params;
}

const float *mlpb_model_grads(const mlpb_model *m, size_t *n)
{
    if (n != NULL)
        *n = m == NULL || !m->has_params ? 0 : m->n_params;
    return m == NULL ? NULL : m->grads;
}

float *mlpb_model_grads_mut(mlpb_model *m, size_t *n)
{
    if (n != NULL)
        *n = m == NULL || !m->has_params ? 0 : m->n_params;
    return m == NULL ? NULL : m->grads;
}

mlpb_status mlpb_model_set_standardization(mlpb_model *m, const float *mean, const float *std)
{
    if (m == NULL || (mean == NULL) != (std == NULL))
        return MLPB_E_INVALID_ARG;
    const size_t d = m->sizes[0];
    if (mean == NULL) {
        m->standardize = false;
        for (size_t j = 0; j < d; j++) {
            m->mean[j] = 0.0f;
            m->std[j] = 1.0f;
        }
        return MLPB_OK;
    }
    for (size_t j = 0; j < d; j++) {
        if (!isfinite(mean[j]) || !isfinite(std[j]))
            return MLPB_E_NUMERIC;
        if (!(std[j] > 0.0f))
            return MLPB_E_INVALID_ARG;
    }
    memmove(m->mean, mean, d * sizeof(float));
    memmove(m->std, std, d * sizeof(float));
    m->standardize = true;
    return MLPB_OK;
}

mlpb_status mlpb_model_fit_standardization(mlpb_model *m, const float *x, size_t n)
{
    if (m == NULL || x == NULL || n == 0)
        return MLPB_E_INVALID_ARG;
    size_t cells;
    MLPB_TRY(mlpb__mul_size(n, m->sizes[0], &cells));
    return mlpb__fit_standardization_rows(m, x, NULL, n);
}

/* The columns are summed STD_BLOCK at a time, row after row, so that each
 * pass reads the rows once in memory order: a column at a time, every pass
 * read each row's cache lines once per column (docs/bench.md, "Before the
 * first step"). Each column's sum still runs over the rows in order, so the
 * results are bitwise those of the column-at-a-time loop. */
#define STD_BLOCK 64

static const float *std_row(const float *x, const size_t *rows, size_t base, size_t i,
                            size_t d, size_t j0)
{
    return x + (rows == NULL ? i : rows[i] - base) * d + j0;
}

/* sum[j] = the sum over the rows of column j0 + j, for j < w; sum[w] = the
 * row count; then, with a sum hook, both summed over all parts. */
static void std_sums(const float *x, const size_t *rows, size_t base, size_t n, size_t d,
                     size_t j0, size_t w, const mlpb__parts_sum *ps, double *sum)
{
    for (size_t j = 0; j < w; j++)
        sum[j] = 0.0;
    for (size_t i = 0; i < n; i++) {
        const float *r = std_row(x, rows, base, i, d, j0);
        for (size_t j = 0; j < w; j++)
            sum[j] += (double)r[j];
    }
    sum[w] = (double)n;
    if (ps != NULL)
        ps->sum(sum, w + 1, ps->ctx);
}

mlpb_status mlpb__fit_standardization_rows(mlpb_model *m, const float *x, const size_t *rows,
                                           size_t n)
{
    if (m == NULL || x == NULL || n == 0)
        return MLPB_E_INVALID_ARG;
    return mlpb__fit_standardization_parts(m, x, rows, 0, n, NULL);
}

mlpb_status mlpb__fit_standardization_parts(mlpb_model *m, const float *x, const size_t *rows,
                                            size_t base, size_t n, const mlpb__parts_sum *ps)
{
    const size_t d = m->sizes[0];
    double       sum[STD_BLOCK + 1], mu[STD_BLOCK], ss[STD_BLOCK + 1];
    /* Two passes per column in double (mean, then squared deviations): exact
     * enough for any realistic data and needs no scratch memory. The results
     * land in the model only when every column is finite. Every part sees
     * the same sums, so takes the same branches. */
    for (size_t j0 = 0; j0 < d; j0 += STD_BLOCK) {
        const size_t w = d - j0 < STD_BLOCK ? d - j0 : STD_BLOCK;
        std_sums(x, rows, base, n, d, j0, w, ps, sum);
        if (sum[w] == 0.0)
            return MLPB_E_INVALID_ARG; /* no row on any part */
        for (size_t j = 0; j < w; j++)
            if (!isfinite(sum[j]))
                return MLPB_E_NUMERIC;
    }
    for (size_t j0 = 0; j0 < d; j0 += STD_BLOCK) {
        const size_t w = d - j0 < STD_BLOCK ? d - j0 : STD_BLOCK;
        std_sums(x, rows, base, n, d, j0, w, ps, sum);
        const double total = sum[w];
        for (size_t j = 0; j < w; j++) {
            mu[j] = sum[j] / total;
            ss[j] = 0.0;
        }
        for (size_t i = 0; i < n; i++) {
            const float *r = std_row(x, rows, base, i, d, j0);
            for (size_t j = 0; j < w; j++) {
                const double dev = (double)r[j] - mu[j];
                ss[j] += dev * dev;
            }
        }
        if (ps != NULL)
            ps->sum(ss, w, ps->ctx);
        for (size_t j = 0; j < w; j++) {
            const double sd = sqrt(ss[j] / total);
            m->mean[j0 + j] = (float)mu[j];
            /* A constant column would divide by zero; std 1 leaves it
             * centred. */
            m->std[j0 + j] =
                (sd > 0.0 && (float)sd > 0.0f && isfinite((float)sd)) ? (float)sd : 1.0f;
        }
    }
    m->standardize = true;
    return MLPB_OK;
}

const float *mlpb_model_mean(const mlpb_model *m)
{
    return (m == NULL || !m->standardize) ? NULL : m->mean;
}

const float *mlpb_model_std(const mlpb_model *m)
{
    return (m == NULL || !m->standardize) ? NULL : m->std;
}

int mlpb_model_has_params(const mlpb_model *m)
{
    return m != NULL && m->has_params;
}
