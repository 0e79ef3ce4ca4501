/* read_libsvm.c -- the LIBSVM/svmlight scanner of the table reader:
 * "LABEL IDX:VAL ..." rows with increasing indices, "qid:N" tokens and
 * "# ..." comments skipped. A chunk of rows is staged sparse (index, value)
 * and then expanded densely into the caller's chunk, after two checks that
 * keep a few bytes naming feature 100000000 from costing gigabytes: the
 * density rule below and the caller's memory budget. */
#include "read/stream.h"
#include "read/table.h"
#include "read/table_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLASS_ID   65535        /* multi-label: ids 0..MAX_CLASS_ID; one label a
                                       row: -MAX_CLASS_ID..MAX_CLASS_ID */
#define MAX_FEATURE_ID 0x7fffffffu  /* indices fit a uint32 and a BLAS int */
/* Rows are expanded densely only while the n x (d + k) floats take at most
 * DENSE_RATIO floats per byte of their text, or DENSE_MIN_FLOATS (64 MB). */
#define DENSE_RATIO      64u
#define DENSE_MIN_FLOATS ((size_t)16 << 20)

enum { T_TOKEN, T_EOL, T_EOF, T_ERR };

typedef struct svm_stage {
    uint32_t *idx;           /* raw indices, as written */
    float    *val;
    size_t    nnz, idx_cap, val_cap;
    size_t   *rowp;          /* n + 1 entries into idx/val */
    size_t    rowp_cap;
    uint32_t *lab;           /* one label a row: its class id (int32_t), then its
                                0/1 value or output; multi-label: class ids */
    size_t    nlab, lab_cap;
    size_t   *labp;          /* multi-label: n + 1 entries into lab */
    size_t    labp_cap;
    uint32_t  max_id;        /* largest class id + 1 (0: none) */
} svm_stage;

void svm_free_stage(cli_table *t)
{
    svm_stage *s = t->stage;
    if (s == NULL)
        return;
    tbl_account(t, -(int64_t)(s->idx_cap * 4 + s->val_cap * 4 + s->rowp_cap * 8 +
                              s->lab_cap * 4 + s->labp_cap * 8));
    free(s->idx);
    free(s->val);
    free(s->rowp);
    free(s->lab);
    free(s->labp);
    free(s);
    t->stage = NULL;
}

/* Grow a staging array within the budget, accounted to the table. */
static mlpb_status stage_grow(cli_table *t, void *p, size_t *cap, size_t need, size_t elsize,
                              size_t line)
{
    if (need <= *cap)
        return MLPB_OK;
    size_t      old = *cap, nc = old < 64 ? 64 : old + old / 2;
    mlpb_status st  = tbl_budget(t, (uint64_t)(nc - old) * elsize, line, "reading the rows");
    if (st != MLPB_OK)
        return st;
    if ((st = cli_grow((void **)p, cap, nc > need ? nc : need, elsize)) != MLPB_OK)
        return cli_fail_nomem(&t->s, st);
    tbl_account(t, (int64_t)((*cap - old) * elsize));
    return MLPB_OK;
}

mlpb_status svm_open(cli_table *t)
{
    t->lab = t->o.ignore_labels ? LIBSVM_LAB_NONE
                                : (t->o.multilabel ? LIBSVM_LAB_MULTI : LIBSVM_LAB_BINARY);
    t->zero_based = t->o.base == CLI_BASE_ZERO;
    t->base_fixed = t->o.base != CLI_BASE_DETECT;
    t->ncols      = t->o.n_features;
    t->stage      = calloc(1, sizeof(svm_stage));
    if (t->stage == NULL)
        return cli_fail_nomem(&t->s, MLPB_E_NOMEM);
    return MLPB_OK;
}

/* Next whitespace-separated token of the current line into s->tok: T_TOKEN,
 * or T_EOL (newline or comment consumed), T_EOF. */
static int svm_token(cli_stream *s, size_t *line, size_t *col, mlpb_status *st)
{
    int c;
    while ((c = cli_peek(s)) == ' ' || c == '\t' || c == '\r')
        cli_get(s);
    if (c < 0) {
        if (s->failed) {
            *st = cli_read_error(s);
            return T_ERR;
        }
        return T_EOF;
    }
    if (c == '\n' || c == '#') {
        cli_skip_line(s);
        return T_EOL;
    }
    s->tlen = 0;
    *line   = s->line;
    *col    = s->col;
    for (;;) {
        const unsigned char *q = s->p;
        while (q < s->end && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n' && *q != '#')
            q++;
        size_t n = (size_t)(q - s->p);
        if ((*st = cli_tok_append(s, s->p, n)) != MLPB_OK)
            return T_ERR;
        s->col += n;
        s->p = q;
        if (q < s->end)
            break;
        if (cli_stream_fill(s) != 0) {
            if (s->failed) {
                *st = cli_read_error(s);
                return T_ERR;
            }
            break;
        }
    }
    if (s->tlen == 0 && (*st = cli_tok_append(s, "", 0)) != MLPB_OK)
        return T_ERR;
    return T_TOKEN;
}

static mlpb_status svm_label(cli_table *t, svm_stage *g, size_t line, size_t col, int first)
{
    cli_stream *s = &t->s;
    char        sbuf[64];
    const char *p = s->tok;
    if (t->lab == LIBSVM_LAB_BINARY) {
        float v;
        if (strchr(p, ',') != NULL)
            return cli_fail_at(s, MLPB_E_FORMAT, line, col,
                               "\"%s\" is a list of class ids, in a file read as binary: "
                               "use --multilabel for multi-label data%s",
                               cli_shown(p, sbuf, sizeof sbuf),
                               first ? " (or --format csv if it is CSV)" : "");
        if (t->o.binary_labels &&
            (cli_text_to_float(p, &v) != 0 || (v != 0.0f && v != 1.0f && v != -1.0f)))
            return cli_fail_at(s, MLPB_E_FORMAT, line, col,
                               "label \"%s\": a binary label is 0/1 or -1/+1 "
                               "(use --multilabel for class ids)",
                               cli_shown(p, sbuf, sizeof sbuf));
        if (cli_text_to_float(p, &v) != 0 || !cli_text_is_exact_int(p, v) ||
            fabsf(v) > (float)MAX_CLASS_ID)
            return cli_fail_at(s, MLPB_E_FORMAT, line, col,
                               "label \"%s\" is not a class id (an integer, -%d..%d): "
                               "mlpblas classifies", cli_shown(p, sbuf, sizeof sbuf),
                               MAX_CLASS_ID, MAX_CLASS_ID);
        mlpb_status st = stage_grow(t, &g->lab, &g->lab_cap, g->nlab + 1, 4, line);
        if (st != MLPB_OK)
            return st;
        g->lab[g->nlab++] = (uint32_t)(int32_t)v;
        return MLPB_OK;
    }
    for (;;) {
        const char *e   = strchr(p, ',');
        size_t      n   = e ? (size_t)(e - p) : strlen(p);
        size_t      at  = col + (size_t)(p - s->tok);
        char        num[32];
        float       v;
        if (n == 0 || n >= sizeof num)
            return cli_fail_at(s, MLPB_E_FORMAT, line, at, "bad class-id list \"%s\"",
                               cli_shown(s->tok, sbuf, sizeof sbuf));
        memcpy(num, p, n);
        num[n] = '\0';
        if (cli_text_to_float(num, &v) != 0 || !cli_text_is_exact_int(num, v) || v < 0.0f ||
            v > (float)MAX_CLASS_ID)
            return cli_fail_at(s, MLPB_E_FORMAT, line, at,
                               "class id \"%s\" is not an integer 0..%d%s",
                               cli_shown(num, sbuf, sizeof sbuf), MAX_CLASS_ID,
                               first && strchr(s->tok, ':') == NULL && e != NULL
                                   ? " (or is this CSV? try --format csv)" : "");
        if (t->o.n_classes > 0 && v >= (float)t->o.n_classes)
            return cli_fail_at(s, MLPB_E_FORMAT, line, at,
                               "class id %s outside 0..%zu of the %zu classes",
                               cli_shown(num, sbuf, sizeof sbuf), t->o.n_classes - 1,
                               t->o.n_classes);
        mlpb_status st = stage_grow(t, &g->lab, &g->lab_cap, g->nlab + 1, 4, line);
        if (st != MLPB_OK)
            return st;
        g->lab[g->nlab++] = (uint32_t)v;
        if ((uint32_t)v + 1 > g->max_id)
            g->max_id = (uint32_t)v + 1;
        if (e == NULL)
            return MLPB_OK;
        p = e + 1;
    }
}

static mlpb_status svm_feature(cli_table *t, svm_stage *g, size_t line, size_t col,
                               size_t row_start)
{
    cli_stream *s = &t->s;
    char        sbuf[64];
    const char *tok = s->tok, *colon = strchr(tok, ':');
    if (colon == NULL || colon == tok)
        return cli_fail_at(s, MLPB_E_FORMAT, line, col, "\"%s\" is not INDEX:VALUE",
                           cli_shown(tok, sbuf, sizeof sbuf));
    if ((size_t)(colon - tok) == 3 && memcmp(tok, "qid", 3) == 0)
        return MLPB_OK;
    size_t idx = 0;
    for (const char *p = tok; p < colon; p++) {
        if (*p < '0' || *p > '9')
            return cli_fail_at(s, MLPB_E_FORMAT, line, col,
                               "feature index in \"%s\" is not a non-negative integer",
                               cli_shown(tok, sbuf, sizeof sbuf));
        idx = idx * 10 + (size_t)(*p - '0');
        if (idx > MAX_FEATURE_ID)
            return cli_fail_at(s, MLPB_E_FORMAT, line, col, "feature index too large");
    }
    if (idx == 0) {
        if (t->o.base == CLI_BASE_ONE)
            return cli_fail_at(s, MLPB_E_FORMAT, line, col,
                               "feature index 0: indices start at 1 here "
                               "(0-based files need --zero-based)");
        if (t->base_fixed && !t->zero_based)
            return cli_fail_at(s, MLPB_E_FORMAT, line, col,
                               "feature index 0 after rows read as 1-based: "
                               "give --zero-based for a 0-based file");
        t->saw_zero = 1;
    }
    const size_t d = t->o.n_features;
    if (d > 0 && !t->o.drop_unknown && t->o.features == NULL &&
        (idx > d || (t->zero_based && idx >= d)))
        return cli_fail_at(s, MLPB_E_FORMAT, line, col, "feature index %zu beyond the %zu features%s",
                           idx, d, t->zero_based ? " (0-based)" : "");
    size_t n_in_row = g->nnz - row_start;
    if (n_in_row > 0 && idx <= g->idx[g->nnz - 1])
        return cli_fail_at(s, MLPB_E_FORMAT, line, col,
                           "feature index %zu after %u: indices must increase", idx,
                           (unsigned)g->idx[g->nnz - 1]);
    float  v;
    size_t vcol = col + (size_t)(colon + 1 - tok);
    int    bad  = cli_text_to_float(colon + 1, &v);
    if (bad)
        return cli_fail_at(s, MLPB_E_FORMAT, line, vcol, "\"%s\" is %s",
                           cli_shown(colon + 1, sbuf, sizeof sbuf),
                           bad == 1 ? "not a number" : "not a finite number");
    mlpb_status st;
    if ((st = stage_grow(t, &g->idx, &g->idx_cap, g->nnz + 1, 4, line)) != MLPB_OK ||
        (st = stage_grow(t, &g->val, &g->val_cap, g->nnz + 1, 4, line)) != MLPB_OK)
        return st;
    g->idx[g->nnz] = (uint32_t)idx;
    g->val[g->nnz] = v;
    g->nnz++;
    if (!t->any_idx || idx > t->max_raw) {
        t->any_idx      = 1;
        t->max_raw      = idx;
        t->max_raw_line = line;
        t->max_raw_col  = col;
    }
    return MLPB_OK;
}

/* The column holding feature number f in the increasing list feat[0..d),
 * or d when none does. */
static size_t find_feature(const uint32_t *feat, size_t d, uint32_t f)
{
    size_t lo = 0, hi = d;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (feat[mid] < f)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d && feat[lo] == f ? lo : d;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* A whole-file read's columns become the features that occur (compact):
 * t->feat receives their numbers, increasing, *d their count, and g->idx
 * is rewritten to column numbers. A lookup table over the index range
 * when that is no larger than the staged indices, else a sorted copy of
 * them: either way at most about the staging's size more, within the
 * budget. */
static mlpb_status svm_compact(cli_table *t, svm_stage *g, size_t *d)
{
    const uint32_t zb  = (uint32_t)t->zero_based;
    const size_t   nnz = g->nnz;
    *d                 = 0;
    if (nnz == 0)
        return MLPB_OK; /* no features at all: the caller says so */
    const size_t range = t->max_raw + 1;
    uint32_t    *tmp, *feat;
    size_t       dc = 0;
    mlpb_status  st;
    if (range <= nnz + 65536) {
        if ((st = tbl_budget(t, (uint64_t)range * 4, 0, "mapping the feature indices")) != MLPB_OK)
            return st;
        if ((tmp = calloc(range, sizeof *tmp)) == NULL)
            return cli_fail_nomem(&t->s, MLPB_E_NOMEM);
        for (size_t e = 0; e < nnz; e++)
            tmp[g->idx[e]] = 1;
        for (size_t i = 0; i < range; i++)
            if (tmp[i] != 0)
                tmp[i] = (uint32_t)++dc; /* column + 1 */
        if ((st = tbl_budget(t, (uint64_t)range * 4 + dc * 4, 0,
                             "mapping the feature indices")) != MLPB_OK ||
            (feat = malloc(dc * sizeof *feat)) == NULL) {
            free(tmp);
            return st != MLPB_OK ? st : cli_fail_nomem(&t->s, MLPB_E_NOMEM);
        }
        for (size_t i = 0; i < range; i++)
            if (tmp[i] != 0)
                feat[tmp[i] - 1] = (uint32_t)i + zb;
        for (size_t e = 0; e < nnz; e++)
            g->idx[e] = tmp[g->idx[e]] - 1;
        free(tmp);
    } else {
        if ((st = tbl_budget(t, (uint64_t)nnz * 4, 0, "mapping the feature indices")) != MLPB_OK)
            return st;
        if ((tmp = malloc(nnz * sizeof *tmp)) == NULL)
            return cli_fail_nomem(&t->s, MLPB_E_NOMEM);
        memcpy(tmp, g->idx, nnz * sizeof *tmp);
        qsort(tmp, nnz, sizeof *tmp, cmp_u32);
        for (size_t e = 0; e < nnz; e++)
            if (dc == 0 || tmp[e] != tmp[dc - 1])
                tmp[dc++] = tmp[e];
        for (size_t e = 0; e < nnz; e++)
            g->idx[e] = (uint32_t)find_feature(tmp, dc, g->idx[e]);
        for (size_t j = 0; j < dc; j++)
            tmp[j] += zb;
        feat = realloc(tmp, dc * sizeof *feat);
        if (feat == NULL)
            feat = tmp;
    }
    free(t->feat);
    t->feat = feat;
    tbl_account(t, (int64_t)(dc * sizeof *feat));
    *d = dc;
    return MLPB_OK;
}

/* Stage up to max_rows rows (0: all); *n receives their count. */
static mlpb_status stage_rows(cli_table *t, svm_stage *g, size_t max_rows, cli_chunk *c,
                              size_t *n_out)
{
    cli_stream *s = &t->s;
    mlpb_status st = MLPB_OK;
    size_t      n = 0, line = 0, col = 0;
    g->nnz = g->nlab = 0;
    g->max_id        = 0;
    if ((st = stage_grow(t, &g->rowp, &g->rowp_cap, 1, sizeof(size_t), s->line)) != MLPB_OK ||
        (t->lab == LIBSVM_LAB_MULTI &&
         (st = stage_grow(t, &g->labp, &g->labp_cap, 1, sizeof(size_t), s->line)) != MLPB_OK))
        return st;
    g->rowp[0] = 0;
    if (g->labp)
        g->labp[0] = 0;
    while (max_rows == 0 || n < max_rows) {
        int tt = svm_token(s, &line, &col, &st);
        if (tt == T_ERR)
            return st;
        if (tt == T_EOF) {
            t->done = 1;
            break;
        }
        if (tt == T_EOL)
            continue;
        const size_t row_line = line, first = t->rows_read + n == 0;
        if (strchr(s->tok, ':') != NULL) {
            if (t->lab == LIBSVM_LAB_BINARY)
                return cli_fail_at(s, MLPB_E_FORMAT, line, col,
                                   "no label: a row is LABEL INDEX:VALUE ...");
        } else {
            if (t->lab != LIBSVM_LAB_NONE && (st = svm_label(t, g, line, col, first)) != MLPB_OK)
                return st;
            tt = svm_token(s, &line, &col, &st);
        }
        const size_t row_start = g->nnz;
        while (tt == T_TOKEN) {
            if ((st = svm_feature(t, g, line, col, row_start)) != MLPB_OK)
                return st;
            tt = svm_token(s, &line, &col, &st);
        }
        if (tt == T_ERR)
            return st;
        n++;
        if ((st = stage_grow(t, &g->rowp, &g->rowp_cap, n + 1, sizeof(size_t), row_line)) != MLPB_OK ||
            (t->lab == LIBSVM_LAB_MULTI &&
             (st = stage_grow(t, &g->labp, &g->labp_cap, n + 1, sizeof(size_t), row_line)) != MLPB_OK) ||
            (st = tbl_grow_chunk(t, (void **)&c->line, &c->cap_line, n, max_rows, sizeof(size_t),
                                 row_line)) != MLPB_OK)
            return st;
        g->rowp[n]     = g->nnz;
        if (t->lab == LIBSVM_LAB_MULTI)
            g->labp[n] = g->nlab;
        c->line[n - 1] = row_line;
        if (tt == T_EOF) {
            t->done = 1;
            break;
        }
    }
    if (s->failed)
        return cli_read_error(s);
    *n_out = n;
    return MLPB_OK;
}

/* The index of id among the n increasing ids, or -1. */
static long find_id(const int32_t *ids, size_t n, int32_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id ? (long)lo : -1;
}

/* One label a row (table.h, multilabel 0): the n rows' class ids in g->lab
 * become their output (*onehot) or 0/1 value; *k the outputs. With the
 * caller's class_ids, an id it does not list is an error at its line; read
 * whole without them, the ids decide (0/1 as they are, else t->class_ids);
 * in chunks without them (a model trained on 0/1), only 0/1 and -1/+1 are
 * labels, -1 read as 0. */
static mlpb_status svm_classes(cli_table *t, svm_stage *g, size_t n, const size_t *lines,
                               int whole, size_t *k, int *onehot)
{
    cli_stream    *s   = &t->s;
    const int32_t *ids = t->o.class_ids;
    size_t         nid = t->o.n_class_ids;
    *k      = 1;
    *onehot = 0;
    if (ids == NULL && whole && !t->o.binary_labels) {
        /* The distinct ids: a bit each of -MAX_CLASS_ID..MAX_CLASS_ID. */
        const size_t span = 2 * (size_t)MAX_CLASS_ID + 1;
        uint64_t    *seen = calloc((span + 63) / 64, sizeof(uint64_t));
        if (seen == NULL)
            return cli_fail_nomem(s, MLPB_E_NOMEM);
        for (size_t i = 0; i < n; i++) {
            size_t b = (size_t)((int32_t)g->lab[i] + MAX_CLASS_ID);
            seen[b / 64] |= (uint64_t)1 << (b % 64);
        }
        size_t cnt = 0, other = 0;
        for (size_t b = 0; b < span; b++)
            if (seen[b / 64] >> (b % 64) & 1) {
                long id = (long)b - MAX_CLASS_ID;
                cnt++;
                other += id != 0 && id != 1 && id != -1;
            }
        /* 0/1 need no names; -1/+1 keep theirs (a prediction prints -1). */
        int legacy = other == 0 &&
                     !(seen[(size_t)(MAX_CLASS_ID - 1) / 64] >> ((MAX_CLASS_ID - 1) % 64) & 1);
        if (!legacy) {
            mlpb_status st = tbl_budget(t, cnt * 4, 0, "the class ids");
            if (st != MLPB_OK || (t->class_ids = malloc(cnt * sizeof(int32_t))) == NULL) {
                free(seen);
                return st != MLPB_OK ? st : cli_fail_nomem(s, MLPB_E_NOMEM);
            }
            tbl_account(t, (int64_t)cnt * 4);
            t->n_class_ids = 0;
            for (size_t b = 0; b < span; b++)
                if (seen[b / 64] >> (b % 64) & 1)
                    t->class_ids[t->n_class_ids++] = (int32_t)((long)b - MAX_CLASS_ID);
            ids = t->class_ids;
            nid = t->n_class_ids;
        }
        free(seen);
        if (legacy || nid < 2) {
            /* 0/1, or one id only: one 0/1 output. */
            for (size_t i = 0; i < n; i++)
                g->lab[i] = (int32_t)g->lab[i] == 1;
            return MLPB_OK;
        }
    }
    if (ids == NULL) {
        for (size_t i = 0; i < n; i++) {
            int32_t v = (int32_t)g->lab[i];
            if (v != 0 && v != 1 && v != -1)
                return cli_fail_at(s, MLPB_E_FORMAT, lines[i], 1,
                                   "label %ld: the model's label is 0/1 or -1/+1", (long)v);
            g->lab[i] = v == 1;
        }
        return MLPB_OK;
    }
    if (nid == 2) {
        for (size_t i = 0; i < n; i++) {
            int32_t v = (int32_t)g->lab[i];
            if (v != ids[0] && v != ids[1])
                return cli_fail_at(s, MLPB_E_FORMAT, lines[i], 1,
                                   "label %ld is not one of the model's classes (%ld, %ld)",
                                   (long)v, (long)ids[0], (long)ids[1]);
            g->lab[i] = v == ids[1];
        }
        return MLPB_OK;
    }
    for (size_t i = 0; i < n; i++) {
        long q = find_id(ids, nid, (int32_t)g->lab[i]);
        if (q < 0)
            return cli_fail_at(s, MLPB_E_FORMAT, lines[i], 1,
                               "class id %ld is not one of the model's %zu classes (%ld..%ld)",
                               (long)(int32_t)g->lab[i], nid, (long)ids[0],
                               (long)ids[nid - 1]);
        g->lab[i] = (uint32_t)q;
    }
    *k      = nid;
    *onehot = 1;
    return MLPB_OK;
}

mlpb_status svm_read(cli_table *t, size_t max_rows, cli_chunk *c)
{
    cli_stream *s = &t->s;
    svm_stage  *g = t->stage;
    if (max_rows > 0 && (t->o.n_features == 0 ||
                         (t->lab == LIBSVM_LAB_MULTI && t->o.n_classes == 0)))
        return cli_fail_file(s, MLPB_E_INVALID_ARG,
                             "reading LIBSVM in chunks needs the feature%s count",
                             t->lab == LIBSVM_LAB_MULTI ? " and class" : "");
    const uint64_t text0 = s->bytes - (uint64_t)(s->end - s->p);
    size_t         n     = 0;
    mlpb_status    st    = stage_rows(t, g, max_rows, c, &n);
    if (st != MLPB_OK)
        return st;
    if (t->rows_read + n == 0)
        return cli_fail_at(s, MLPB_E_FORMAT, s->line, s->col, "empty file: no data rows");
    if (n == 0)
        return MLPB_OK;
    if (!t->base_fixed) {
        t->zero_based = t->saw_zero;
        t->base_fixed = 1;
    }
    const size_t nf = t->o.n_features;
    if (nf > 0 && !t->o.drop_unknown && t->o.features == NULL && t->zero_based &&
        t->any_idx && t->max_raw >= nf)
        return cli_fail_at(s, MLPB_E_FORMAT, t->max_raw_line, t->max_raw_col,
                           "feature index %zu beyond the %zu features (the file is 0-based)",
                           t->max_raw, nf);
    const int compact = nf == 0 && t->o.compact;
    size_t    d       = nf > 0 ? nf : (t->any_idx ? t->max_raw + (size_t)t->zero_based : 0);
    if (compact && (st = svm_compact(t, g, &d)) != MLPB_OK)
        return st;
    if (d == 0)
        return cli_fail_at(s, MLPB_E_FORMAT, c->line[0], 1, "no features: every row is empty");
    size_t k = 0;
    int    onehot = 0;
    if (t->lab == LIBSVM_LAB_BINARY &&
        (st = svm_classes(t, g, n, c->line, max_rows == 0, &k, &onehot)) != MLPB_OK)
        return st;
    if (t->lab == LIBSVM_LAB_MULTI)
        k = t->o.n_classes ? t->o.n_classes : g->max_id;
    if (t->lab == LIBSVM_LAB_MULTI && k == 0)
        return cli_fail_at(s, MLPB_E_FORMAT, c->line[0], 1, "no class id in any row");
    size_t nd, nk;
    if (cli_mul_size(n, d, &nd) != MLPB_OK || cli_mul_size(n, k, &nk) != MLPB_OK ||
        nd > SIZE_MAX / 8 - nk)
        return cli_fail_nomem(s, MLPB_E_OVERFLOW);
    /* A few bytes of text can name feature 100000000: expanding such rows
     * densely would take far more memory than the file. Any caller, with a
     * model's width or not, is held to this. */
    const uint64_t text = s->bytes - (uint64_t)(s->end - s->p) - text0;
    if (nd + nk > DENSE_MIN_FLOATS && (nd + nk) / DENSE_RATIO > text)
        return cli_fail_file(s, MLPB_E_FORMAT,
                             "%zu rows x %zu features is too sparse to expand densely "
                             "(%.0f MB from %llu bytes of text)", n, d,
                             (double)(nd + nk) * 4.0 / 1e6, (unsigned long long)text);
    const uint64_t extra = (uint64_t)(nd > c->cap_x ? nd - c->cap_x : 0) * 4 +
                           (uint64_t)(nk > c->cap_y ? nk - c->cap_y : 0) * 4;
    char what[96];
    snprintf(what, sizeof what, "expanding %zu rows x %zu features densely", n, d);
    if ((st = tbl_budget(t, extra, 0, what)) != MLPB_OK)
        return st;
    if ((st = tbl_grow_chunk(t, (void **)&c->x, &c->cap_x, nd, nd, sizeof(float), 0)) != MLPB_OK ||
        (k > 0 &&
         (st = tbl_grow_chunk(t, (void **)&c->y, &c->cap_y, nk, nk, sizeof(float), 0)) != MLPB_OK))
        return st;
    memset(c->x, 0, nd * sizeof(float));
    if (k > 0)
        memset(c->y, 0, nk * sizeof(float));
    /* The column of each pair: compact rewrote idx to columns already. */
    const size_t    shift = compact ? 0 : (t->zero_based ? 0 : 1);
    const uint32_t *feat  = compact ? NULL : t->o.features;
    for (size_t i = 0; i < n; i++) {
        float *row = c->x + i * d;
        for (size_t e = g->rowp[i]; e < g->rowp[i + 1]; e++) {
            size_t j = feat ? find_feature(feat, d, g->idx[e] + (uint32_t)t->zero_based)
                            : (size_t)g->idx[e] - shift;
            if (j >= d) { /* only with drop_unknown: checked when read otherwise */
                if (t->dropped++ == 0) {
                    t->drop_line  = c->line[i];
                    t->drop_index = g->idx[e];
                }
                continue;
            }
            row[j] = g->val[e];
        }
        if (t->lab == LIBSVM_LAB_BINARY && onehot)
            c->y[i * k + g->lab[i]] = 1.0f;
        else if (t->lab == LIBSVM_LAB_BINARY)
            c->y[i] = (float)g->lab[i];
        else if (t->lab == LIBSVM_LAB_MULTI)
            for (size_t e = g->labp[i]; e < g->labp[i + 1]; e++)
                c->y[i * k + g->lab[e]] = 1.0f;
    }
    t->ncols = d;
    c->ncols = d;
    c->k     = k;
    c->n     = n;
    if (max_rows == 0) {
        /* The whole file is in the chunk: the staging goes now. */
        svm_free_stage(t);
        if ((t->stage = calloc(1, sizeof(svm_stage))) == NULL)
            return cli_fail_nomem(s, MLPB_E_NOMEM);
    }
    return MLPB_OK;
}
