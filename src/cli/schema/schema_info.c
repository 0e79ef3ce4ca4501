/* schema_info.c -- the column facts a schema is built from (cli_colinfo):
 * taken from one table's rows, or serialised and merged over the shards of
 * several processes (train --mpi), so that every process builds one schema. */
#include "read/table.h"
#include "schema/schema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_num_text(float v, char *buf, size_t len)
{
    /* Integers without a fraction, others with the digits that round-trip
     * a float. */
    if (v == floorf(v) && fabsf(v) < 1e15f)
        snprintf(buf, len, "%.0f", (double)v);
    else
        snprintf(buf, len, "%.9g", (double)v);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cli_colinfo_free(cli_colinfo *info, size_t ncols)
{
    for (size_t j = 0; info != NULL && j < ncols; j++) {
        for (size_t v = 0; v < info[j].n_levels; v++)
            free(info[j].levels[v]);
        free(info[j].levels);
        free(info[j].values);
        memset(&info[j], 0, sizeof info[j]);
    }
}

/* Sort v (n floats) and keep the distinct ones, at most cap; returns how many. */
static size_t distinct_floats(float *v, size_t n, size_t cap)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof(float), cmp_float);
    size_t m = 0;
    for (size_t i = 0; i < n && m < cap; i++)
        if (m == 0 || v[i] != v[m - 1])
            v[m++] = v[i];
    return m;
}

/* Sort v (n owned strings), drop repeats (freed), keep at most cap (the rest
 * freed); returns how many are left. */
static size_t distinct_strings(char **v, size_t n, size_t cap)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof(char *), cmp_str);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if ((m > 0 && strcmp(v[i], v[m - 1]) == 0) || m == cap)
            free(v[i]);
        else
            v[m++] = v[i];
    }
    return m;
}

static int is_label(const cli_schema_spec *spec, size_t j)
{
    for (size_t l = 0; l < spec->n_label_cols; l++)
        if (spec->label_cols[l] == j)
            return 1;
    return 0;
}

/* The sum and count of each number column's present cells, SUM_BLOCK
 * columns at a time, row by row, so that the rows are read in memory order;
 * each column's sum still runs over the rows in order. */
static void number_sums(const cli_chunk *c, size_t ncols, cli_colinfo *info)
{
    enum { SUM_BLOCK = 64 };
    double sum[SUM_BLOCK];
    size_t count[SUM_BLOCK];
    for (size_t j0 = 0; j0 < ncols; j0 += SUM_BLOCK) {
        const size_t w = ncols - j0 < SUM_BLOCK ? ncols - j0 : SUM_BLOCK;
        for (size_t j = 0; j < w; j++) {
            sum[j]   = 0.0;
            count[j] = 0;
        }
        for (size_t i = 0; i < c->n; i++) {
            const float *r = c->x + i * c->ncols + j0;
            for (size_t j = 0; j < w; j++) {
                if (!isnan(r[j])) {
                    sum[j] += (double)r[j];
                    count[j]++;
                }
            }
        }
        for (size_t j = 0; j < w; j++) {
            if (!info[j0 + j].is_string) {
                info[j0 + j].sum   = sum[j];
                info[j0 + j].count = count[j];
            }
        }
    }
}

mlpb_status cli_colinfo_local(const cli_table *t, const cli_chunk *c,
                              const cli_schema_spec *spec, cli_colinfo *info)
{
    size_t ncols = cli_table_ncols(t);
    memset(info, 0, ncols * sizeof *info);
    for (size_t j = 0; j < ncols; j++) {
        const cli_column *col = cli_table_column(t, j);
        cli_colinfo      *ci  = &info[j];
        ci->is_string          = col->is_string;
        ci->n_missing          = col->n_missing;
        ci->first_missing_line = col->first_missing_line;
        ci->first_missing_col  = col->first_missing_col;
        ci->n_nonint           = col->n_nonint;
        ci->first_nonint_line  = col->first_nonint_line;
        ci->first_nonint_col   = col->first_nonint_col;
        ci->first_string_line  = col->first_string_line;
        ci->first_string_col   = col->first_string_col;
        memcpy(ci->first_nonint_text, col->first_nonint_text, sizeof ci->first_nonint_text);
        memcpy(ci->first_string_text, col->first_string_text, sizeof ci->first_string_text);
        if (col->is_string) {
            if (col->n_levels > 0 && (ci->levels = calloc(col->n_levels, sizeof(char *))) == NULL)
                goto nomem;
            for (size_t v = 0; v < col->n_levels; v++) {
                if ((ci->levels[v] = cli_strdup(col->levels[v])) == NULL)
                    goto nomem;
                ci->n_levels++;
            }
            continue;
        }
        if (!is_label(spec, j) || c->n == 0)
            continue;
        if ((ci->values = malloc(c->n * sizeof(float))) == NULL)
            goto nomem;
        size_t m = 0;
        for (size_t i = 0; i < c->n; i++)
            if (!isnan(c->x[i * c->ncols + j]))
                ci->values[m++] = c->x[i * c->ncols + j];
        ci->n_values = distinct_floats(ci->values, m, CLI_SCHEMA_MAX_LEVELS + 1);
    }
    number_sums(c, ncols, info);
    return MLPB_OK;
nomem:
    cli_colinfo_free(info, ncols);
    return MLPB_E_NOMEM;
}

/* ------------------------------------------------------ serialisation */
/* Per column: the fixed part (a cli_colinfo with its pointers zeroed, the
 * same build on every process), then n_levels NUL-terminated texts, then
 * n_values floats. */
typedef struct packer {
    unsigned char *p;
    size_t         len, cap;
    int            failed;
} packer;

static void put(packer *k, const void *b, size_t n)
{
    if (k->failed)
        return;
    if (k->len + n > k->cap) {
        size_t         cap = k->cap ? k->cap : 4096;
        while (cap < k->len + n)
            cap *= 2;
        unsigned char *q = realloc(k->p, cap);
        if (q == NULL) {
            k->failed = 1;
            return;
        }
        k->p   = q;
        k->cap = cap;
    }
    memcpy(k->p + k->len, b, n);
    k->len += n;
}

mlpb_status cli_colinfo_pack(const cli_colinfo *info, size_t ncols, unsigned char **buf,
                             size_t *len)
{
    packer k = {0};
    for (size_t j = 0; j < ncols; j++) {
        cli_colinfo fixed = info[j];
        fixed.levels      = NULL;
        fixed.values      = NULL;
        put(&k, &fixed, sizeof fixed);
        for (size_t v = 0; v < info[j].n_levels; v++)
            put(&k, info[j].levels[v], strlen(info[j].levels[v]) + 1);
        if (info[j].n_values > 0)
            put(&k, info[j].values, info[j].n_values * sizeof(float));
    }
    if (k.failed) {
        free(k.p);
        return MLPB_E_NOMEM;
    }
    *buf = k.p;
    *len = k.len;
    return MLPB_OK;
}

/* One part's column at *off of buf (len bytes): the fixed part into *ci,
 * the texts and values left in place (*texts, *vals). */
static mlpb_status unpack(const unsigned char *buf, size_t len, size_t *off, cli_colinfo *ci,
                          const char **texts, const unsigned char **vals)
{
    if (len - *off < sizeof *ci)
        return MLPB_E_FORMAT;
    memcpy(ci, buf + *off, sizeof *ci);
    *off += sizeof *ci;
    if (ci->n_levels > CLI_SCHEMA_MAX_LEVELS + 1 || ci->n_values > CLI_SCHEMA_MAX_LEVELS + 1)
        return MLPB_E_FORMAT;
    *texts = (const char *)buf + *off;
    for (size_t v = 0; v < ci->n_levels; v++) {
        const unsigned char *nul = memchr(buf + *off, '\0', len - *off);
        if (nul == NULL)
            return MLPB_E_FORMAT;
        *off = (size_t)(nul - buf) + 1;
    }
    if ((len - *off) / sizeof(float) < ci->n_values)
        return MLPB_E_FORMAT;
    *vals = buf + *off;
    *off += ci->n_values * sizeof(float);
    return MLPB_OK;
}

mlpb_status cli_colinfo_merge(const unsigned char *const *bufs, const size_t *lens, size_t n,
                              size_t ncols, cli_colinfo *out)
{
    memset(out, 0, ncols * sizeof *out);
    size_t *off = calloc(n ? n : 1, sizeof(size_t));
    if (off == NULL)
        return MLPB_E_NOMEM;
    mlpb_status st = MLPB_OK;
    for (size_t j = 0; j < ncols && st == MLPB_OK; j++) {
        cli_colinfo *m = &out[j];
        /* Every part's texts and values, then the sorted union. Numbers of
         * a part where the column held only numbers become texts of a
         * column that is text elsewhere (a label's classes). */
        size_t nt = 0, nv = 0, cap_t = 0, cap_v = 0;
        char **t = NULL;
        float *v = NULL;
        for (size_t r = 0; r < n && st == MLPB_OK; r++) {
            cli_colinfo          ci;
            const char          *texts;
            const unsigned char *vals;
            if ((st = unpack(bufs[r], lens[r], &off[r], &ci, &texts, &vals)) != MLPB_OK)
                break;
            m->is_string |= ci.is_string;
            if (ci.n_missing > 0 && m->n_missing == 0) {
                m->first_missing_line = ci.first_missing_line;
                m->first_missing_col  = ci.first_missing_col;
            }
            m->n_missing += ci.n_missing;
            if (ci.n_nonint > 0 && m->n_nonint == 0) {
                m->first_nonint_line = ci.first_nonint_line;
                m->first_nonint_col  = ci.first_nonint_col;
                memcpy(m->first_nonint_text, ci.first_nonint_text, sizeof ci.first_nonint_text);
            }
            m->n_nonint += ci.n_nonint;
            if (ci.is_string && m->first_string_line == 0) {
                m->first_string_line = ci.first_string_line;
                m->first_string_col  = ci.first_string_col;
                memcpy(m->first_string_text, ci.first_string_text, sizeof ci.first_string_text);
            }
            m->sum += ci.sum;
            m->count += ci.count;
            if (nt + ci.n_levels > cap_t) {
                size_t  c2 = (nt + ci.n_levels) * 2;
                char  **q  = realloc(t, c2 * sizeof(char *));
                if (q == NULL) {
                    st = MLPB_E_NOMEM;
                    break;
                }
                t     = q;
                cap_t = c2;
            }
            for (size_t i = 0; i < ci.n_levels; i++) {
                if ((t[nt] = cli_strdup(texts)) == NULL) {
                    st = MLPB_E_NOMEM;
                    break;
                }
                nt++;
                texts += strlen(texts) + 1;
            }
            if (st == MLPB_OK && nv + ci.n_values > cap_v) {
                size_t c2 = (nv + ci.n_values) * 2;
                float *q  = realloc(v, c2 * sizeof(float));
                if (q == NULL) {
                    st = MLPB_E_NOMEM;
                    break;
                }
                v     = q;
                cap_v = c2;
            }
            if (st == MLPB_OK && ci.n_values > 0) {
                memcpy(v + nv, vals, ci.n_values * sizeof(float));
                nv += ci.n_values;
            }
        }
        if (st == MLPB_OK && m->is_string && nv > 0) {
            /* Text elsewhere: the numbers join the texts. */
            char **q = realloc(t, (nt + nv) * sizeof(char *));
            if (q == NULL)
                st = MLPB_E_NOMEM;
            else
                t = q;
            for (size_t i = 0; st == MLPB_OK && i < nv; i++) {
                char buf[48];
                cli_num_text(v[i], buf, sizeof buf);
                if ((t[nt] = cli_strdup(buf)) == NULL)
                    st = MLPB_E_NOMEM;
                else
                    nt++;
            }
            nv = 0;
        }
        if (st == MLPB_OK) {
            m->n_levels = distinct_strings(t, nt, CLI_SCHEMA_MAX_LEVELS + 1);
            m->levels   = t;
            m->n_values = distinct_floats(v, nv, CLI_SCHEMA_MAX_LEVELS + 1);
            m->values   = v;
            if (m->n_levels == 0) {
                free(t);
                m->levels = NULL;
            }
            if (m->n_values == 0) {
                free(v);
                m->values = NULL;
            }
        } else {
            for (size_t i = 0; i < nt; i++)
                free(t[i]);
            free(t);
            free(v);
        }
    }
    for (size_t r = 0; st == MLPB_OK && r < n; r++)
        if (off[r] != lens[r])
            st = MLPB_E_FORMAT;
    free(off);
    if (st != MLPB_OK)
        cli_colinfo_free(out, ncols);
    return st;
}
