/* init.c -- parameter initialisation from the library's seeded PRNG:
 * He-normal / Glorot-normal, fan-in-scaled uniform, or orthogonal through a QR factorisation
 * (LAPACKE sgeqrf + sorgqr; the only LAPACKE user). Layers are filled in
 * order from one generator, so a seed fixes every parameter bit for bit. */
#include "mlpb_internal.h"

#include <lapacke.h>
#include <math.h>
#include <string.h>

/* w (in x out) from N(0, sd^2). */
static void fill_normal(mlpb_rng *r, float *w, size_t count, double sd)
{
    for (size_t i = 0; i < count; i++)
        w[i] = (float)(sd * mlpb__rng_normal(r));
}

/* w[0..count) uniform in [-bound, bound). */
static void fill_uniform(mlpb_rng *r, float *w, size_t count, double bound)
{
    for (size_t i = 0; i < count; i++)
        w[i] = (float)(bound * (2.0 * mlpb__rng_uniform(r) - 1.0));
}

/* w (in x out) = gain * a matrix with orthonormal columns (in >= out) or rows
 * (in < out): the Q of a Gaussian matrix's QR factorisation with the signs of
 * diag(R) folded in, which makes Q uniformly (Haar) distributed.
 * q holds p*s floats and tau s floats, with p = max(in, out), s = min(in, out);
 * work holds lwork floats. */
static mlpb_status fill_orthogonal(mlpb_rng *r, float *w, size_t in, size_t out, float gain,
                                   float *q, float *tau, float *work, lapack_int lwork)
{
    const size_t p = in > out ? in : out, s = in > out ? out : in;
    /* Column-major p x s Gaussian matrix. */
    fill_normal(r, q, p * s, 1.0);
    lapack_int info = LAPACKE_sgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)p, (lapack_int)s, q,
                                          (lapack_int)p, tau, work, lwork);
    if (info != 0)
        return MLPB_E_NUMERIC;
    /* sign(diag(R)), read before sorgqr overwrites R, times the gain. */
    float *sign = work; /* work[0..s) is free again after sgeqrf */
    for (size_t j = 0; j < s; j++)
        sign[j] = q[j * p + j] < 0.0f ? -gain : gain;
    info = LAPACKE_sorgqr_work(LAPACK_COL_MAJOR, (lapack_int)p, (lapack_int)s, (lapack_int)s,
                               q, (lapack_int)p, tau, work + s, lwork - (lapack_int)s);
    if (info != 0)
        return MLPB_E_NUMERIC;
    if (in >= out) {
        /* Row-major w[i][j] = Q(i, j) * sign_j: orthonormal columns. */
        for (size_t i = 0; i < in; i++)
            for (size_t j = 0; j < out; j++)
                w[i * out + j] = q[j * p + i] * sign[j];
    } else {
        /* w = Q^T: column-major Q (out x in) read as row-major in x out. */
        for (size_t i = 0; i < in; i++)
            for (size_t j = 0; j < out; j++)
                w[i * out + j] = q[i * p + j] * sign[i];
    }
    return MLPB_OK;
}

/* Workspace for the largest layer: sizes of q + tau, and LAPACK's lwork. */
static mlpb_status orthogonal_workspace(const mlpb_model *m, size_t *qt_floats,
                                        lapack_int *lwork)
{
    size_t best = 0, smax = 0;
    for (size_t l = 0; l < m->n_layers; l++) {
        const size_t in = m->sizes[l], out = m->sizes[l + 1];
        const size_t p = in > out ? in : out, s = in > out ? out : in;
        if (p > (size_t)INT32_MAX / s)
            return MLPB_E_OVERFLOW; /* LAPACK indexes with a 32-bit int */
        if (p * s + s > best)
            best = p * s + s;
        if (s > smax)
            smax = s;
    }
    /* Blocked QR wants about s * nb; 64 columns is a generous block. The
     * first s floats also carry the signs between the two calls. */
    const size_t lw = smax + smax * 64;
    if (lw > (size_t)INT32_MAX)
        return MLPB_E_OVERFLOW;
    *qt_floats = best;
    *lwork = (lapack_int)lw;
    return MLPB_OK;
}

bool mlpb__init_valid(mlpb_init init)
{
    return init == MLPB_INIT_HE_GLOROT || init == MLPB_INIT_ORTHOGONAL ||
           init == MLPB_INIT_FAN_IN;
}

mlpb_status mlpb__init_params(mlpb_model *m, mlpb_init init, uint64_t seed)
{
    mlpb_rng r;
    mlpb__rng_seed(&r, seed);
    float *scratch = NULL;
    size_t qt = 0;
    lapack_int lwork = 0;
    if (init == MLPB_INIT_ORTHOGONAL) {
        MLPB_TRY(orthogonal_workspace(m, &qt, &lwork));
        size_t bytes;
        MLPB_TRY(mlpb__mul_size(qt + (size_t)lwork, sizeof(float), &bytes));
        scratch = mlpb__alloc(&m->alloc, bytes);
        if (scratch == NULL)
            return MLPB_E_NOMEM;
    }
    mlpb_status s = MLPB_OK;
    for (size_t l = 0; l < m->n_layers && s == MLPB_OK; l++) {
        const size_t in = m->sizes[l], out = m->sizes[l + 1];
        const bool relu = l + 1 < m->n_layers; /* the last layer feeds the sigmoid */
        float *w = m->params + m->w_off[l];
        if (init == MLPB_INIT_FAN_IN) {
            fill_uniform(&r, w, in * out, 1.0 / sqrt((double)in));
        } else if (init == MLPB_INIT_ORTHOGONAL) {
            const size_t ps = (in > out ? in : out) * (in > out ? out : in);
            s = fill_orthogonal(&r, w, in, out, relu ? (float)sqrt(2.0) : 1.0f, scratch,
                                scratch + ps, scratch + qt, lwork);
        } else {
            /* He for ReLU layers keeps the activations' second moment constant;
             * Glorot for the sigmoid layer balances forward and backward. */
            const double var = relu ? 2.0 / (double)in : 2.0 / (double)(in + out);
            fill_normal(&r, w, in * out, sqrt(var));
        }
        if (init == MLPB_INIT_FAN_IN) {
            /* Weights, then biases, from the same generator. */
            const double bound = 1.0 / sqrt((double)in);
            fill_uniform(&r, m->params + m->b_off[l], out, bound);
        } else {
            memset(m->params + m->b_off[l], 0, out * sizeof(float));
        }
    }
    mlpb__free(&m->alloc, scratch);
    return s;
}
