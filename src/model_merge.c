/* model_merge.c -- M models of one architecture as one model whose logits
 * are the mean of theirs: the hidden layers side by side (the first layer's
 * columns concatenated, deeper layers block-diagonal), the output layer's
 * rows concatenated and divided by M, its bias the mean of theirs. A network
 * of the usual kind, so every reader of model files (predict, the ONNX
 * export) serves the ensemble unchanged. Members that standardise their
 * inputs differently are brought to the first member's standardisation by
 * folding the difference into their first layer:
 *   (x - m_i) / s_i = x_c (s_c / s_i) + (m_c - m_i) / s_i,  x_c = (x - m_c) / s_c. */
#include "mlpb_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mlpb_status check_members(const mlpb_model *const *mm, size_t n)
{
    if (mm == NULL || n == 0)
        return MLPB_E_INVALID_ARG;
    for (size_t i = 0; i < n; i++) {
        if (mm[i] == NULL || !mlpb__has_params(mm[i]))
            return MLPB_E_INVALID_ARG;
        if (!mlpb__same_arch(mm[i]->sizes, mm[i]->n_sizes, mm[0]->sizes, mm[0]->n_sizes))
            return MLPB_E_MISMATCH;
    }
    return MLPB_OK;
}

/* Member i's first layer into columns [i h, (i + 1) h) of the merged one,
 * folded onto the standardisation mean c, std sc (NULL: none); the member's
 * own is mi, si (NULL: none, i.e. mean 0, std 1). */
static void first_layer(const mlpb_model *src, mlpb_model *dst, size_t i, const float *mc,
                        const float *sc)
{
    const size_t d = src->sizes[0], h = src->sizes[1], H = dst->sizes[1];
    const float *w = src->params + src->w_off[0], *b = src->params + src->b_off[0];
    float *W = dst->params + dst->w_off[0], *B = dst->params + dst->b_off[0];
    const float *mi = src->standardize ? src->mean : NULL, *si = src->standardize ? src->std : NULL;
    for (size_t c = 0; c < h; c++) {
        double bias = (double)b[c];
        for (size_t r = 0; r < d; r++) {
            const double m_c = mc != NULL ? (double)mc[r] : 0.0, s_c = sc != NULL ? (double)sc[r] : 1.0;
            const double m_i = mi != NULL ? (double)mi[r] : 0.0, s_i = si != NULL ? (double)si[r] : 1.0;
            const double wr = (double)w[r * h + c];
            /* The same member standardisation: the weights as they are. */
            const bool same = m_c == m_i && s_c == s_i;
            W[r * H + i * h + c] = same ? w[r * h + c] : (float)(wr * (s_c / s_i));
            if (!same)
                bias += wr * (m_c - m_i) / s_i;
        }
        B[i * h + c] = (float)bias;
    }
}

/* Member i's hidden layer l >= 1 as the i-th diagonal block (the merged
 * layer starts all zero). */
static void hidden_layer(const mlpb_model *src, mlpb_model *dst, size_t i, size_t l)
{
    const size_t in = src->sizes[l], out = src->sizes[l + 1], OUT = dst->sizes[l + 1];
    const float *w = src->params + src->w_off[l], *b = src->params + src->b_off[l];
    float *W = dst->params + dst->w_off[l], *B = dst->params + dst->b_off[l];
    for (size_t r = 0; r < in; r++)
        memcpy(W + (i * in + r) * OUT + i * out, w + r * out, out * sizeof(float));
    memcpy(B + i * out, b, out * sizeof(float));
}

/* The output layer: member i's rows divided by n; the bias the mean. */
static void output_layer(const mlpb_model *const *mm, size_t n, mlpb_model *dst)
{
    const mlpb_model *m0 = mm[0];
    const size_t l = m0->n_layers - 1, in = m0->sizes[l], k = m0->sizes[l + 1];
    float *W = dst->params + dst->w_off[l], *B = dst->params + dst->b_off[l];
    for (size_t j = 0; j < k; j++) {
        double bias = 0.0;
        for (size_t i = 0; i < n; i++)
            bias += (double)mm[i]->params[mm[i]->b_off[l] + j];
        B[j] = (float)(bias / (double)n);
    }
    for (size_t i = 0; i < n; i++) {
        const float *w = mm[i]->params + mm[i]->w_off[l];
        for (size_t r = 0; r < in; r++)
            for (size_t j = 0; j < k; j++)
                W[(i * in + r) * k + j] = n == 1 ? w[r * k + j]
                                                 : (float)((double)w[r * k + j] / (double)n);
    }
}

mlpb_status mlpb_model_merge(const mlpb_model *const *members, size_t n_members,
                             mlpb_model **out)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL)
        return MLPB_E_INVALID_ARG;
    MLPB_TRY(check_members(members, n_members));
    const mlpb_model *m0 = members[0];
    const size_t ns = m0->n_sizes;
    size_t sizes[MLPB_MAX_SIZES];
    if (ns > MLPB_MAX_SIZES)
        return MLPB_E_INVALID_ARG;
    sizes[0] = m0->sizes[0];
    sizes[ns - 1] = m0->sizes[ns - 1];
    for (size_t l = 1; l + 1 < ns; l++)
        MLPB_TRY(mlpb__mul_size(m0->sizes[l], n_members, &sizes[l]));
    mlpb_model *m;
    MLPB_TRY(mlpb__model_alloc(sizes, ns, &m0->alloc, &m));
    /* The members' common standardisation: the first member's, if any
     * member standardises; the others are folded onto it. */
    const mlpb_model *ref = m0;
    for (size_t i = 0; i < n_members && !ref->standardize; i++)
        ref = members[i];
    const float *mc = ref->standardize ? ref->mean : NULL, *sc = ref->standardize ? ref->std : NULL;
    memset(m->params, 0, m->n_params * sizeof(float));
    for (size_t i = 0; i < n_members; i++) {
        first_layer(members[i], m, i, mc, sc);
        for (size_t l = 1; l + 1 < m0->n_layers; l++)
            hidden_layer(members[i], m, i, l);
    }
    output_layer(members, n_members, m);
    if (mc != NULL) {
        memcpy(m->mean, mc, sizes[0] * sizeof(float));
        memcpy(m->std, sc, sizes[0] * sizeof(float));
        m->standardize = true;
    }
    mlpb_status st = mlpb__strings_copy(m, m0);
    /* How many networks: a member that is a merge counts as its own number. */
    size_t count = 0;
    for (size_t i = 0; i < n_members; i++) {
        const char *c = mlpb_model_get_meta(members[i], MLPB_META_ENSEMBLE);
        const unsigned long long v = c != NULL ? strtoull(c, NULL, 10) : 1;
        count += v >= 1 ? (size_t)v : 1;
    }
    char text[32];
    snprintf(text, sizeof text, "%zu", count);
    if (st == MLPB_OK)
        st = mlpb_model_set_meta(m, MLPB_META_ENSEMBLE, text);
    if (st != MLPB_OK) {
        mlpb_model_destroy(m);
        return st;
    }
    *out = m;
    return MLPB_OK;
}
