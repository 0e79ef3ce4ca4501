/* data.c -- the dense dataset of data.h, built on the typed-cell reader of
 * table.h: a whole-file read, then the label columns chosen, every cell
 * checked (numbers only, none missing, labels 0 or 1 on their text), and
 * the features compacted in place so that peak memory is the file's cells
 * plus its labels. Also the dataset split and column removal. */
#include "read/data.h"

#include "read/format.h"
#include "read/table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_data_opts_init(cli_data_opts *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof *o);
    o->format   = CLI_FORMAT_AUTO;
    o->header   = 1;
    o->n_labels = 1;
}

void cli_data_free(cli_data *d)
{
    if (d == NULL)
        return;
    free(d->x);
    free(d->y);
    free(d->feature_names);
    free(d->label_names);
    free(d->names_buf);
    free(d->feature_ids);
    memset(d, 0, sizeof *d);
}

const char *cli_data_feature_name(const cli_data *d, size_t j, char *buf, size_t len)
{
    if (d != NULL && d->feature_names != NULL && j < d->d)
        return d->feature_names[j];
    if (buf == NULL || len < 24)
        return "";
    if (d != NULL && d->feature_ids != NULL && j < d->d)
        snprintf(buf, len, "%u", (unsigned)d->feature_ids[j]);
    else
        snprintf(buf, len, "%zu", j + 1);
    return buf;
}

/* ------------------------------------------------------------- reading */
typedef struct build {
    const char *name;
    char       *err;
    size_t      errlen;
} build;

static mlpb_status failf(const build *b, mlpb_status st, size_t line, size_t col,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static mlpb_status failf(const build *b, mlpb_status st, size_t line, size_t col,
                         const char *fmt, ...)
{
    if (b->errlen == 0)
        return st;
    int off = line ? snprintf(b->err, b->errlen, "%s:%zu:%zu: ", b->name, line, col)
                   : snprintf(b->err, b->errlen, "%s: ", b->name);
    va_list ap;
    va_start(ap, fmt);
    if (off >= 0 && (size_t)off < b->errlen)
        vsnprintf(b->err + off, b->errlen - (size_t)off, fmt, ap);
    va_end(ap);
    return st;
}

/* Names in one block: n strings, then pointers into it. */
static mlpb_status names_block(const char *const *src, size_t n, char **buf, size_t *len,
                               char ***out, size_t *off_out)
{
    size_t total = *len;
    for (size_t i = 0; i < n; i++)
        total += strlen(src[i]) + 1;
    char *nb = realloc(*buf, total ? total : 1);
    if (nb == NULL)
        return MLPB_E_NOMEM;
    *buf = nb;
    size_t at = *len;
    *off_out  = at;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(src[i]) + 1;
        memcpy(nb + at, src[i], k);
        at += k;
    }
    *len = total;
    (void)out;
    return MLPB_OK;
}

static mlpb_status point_names(char *buf, size_t off, size_t n, char ***out)
{
    *out = malloc((n ? n : 1) * sizeof(char *));
    if (*out == NULL)
        return MLPB_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        (*out)[i] = buf + off;
        off += strlen(buf + off) + 1;
    }
    return MLPB_OK;
}

/* The --label list against the header: role[j] = -(l + 1) for label l, 0
 * for a feature. Returns the label count through *k. */
static mlpb_status pick_labels(const build *b, const cli_table *t, const cli_data_opts *o,
                               long *role, size_t *k_out)
{
    const size_t ncols = cli_table_ncols(t), hl = cli_table_header_line(t);
    const size_t at    = hl ? hl : 1;
    size_t       k     = 0;
    for (size_t j = 0; j < ncols; j++)
        role[j] = 0;
    if (o->labels != NULL) {
        const char *s = o->labels;
        for (;;) {
            const char *e = strchr(s, ',');
            size_t      n = e ? (size_t)(e - s) : strlen(s);
            while (n > 0 && (*s == ' ' || *s == '\t'))
                s++, n--;
            while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                n--;
            size_t hit = ncols, hits = 0;
            for (size_t j = 0; j < ncols; j++) {
                const char *nm = cli_table_column(t, j)->name;
                if (strlen(nm) == n && memcmp(nm, s, n) == 0) {
                    hit = j;
                    hits++;
                }
            }
            if (hits == 0)
                return failf(b, MLPB_E_FORMAT, at, 1, "no column named \"%.*s\" for the labels",
                             (int)n, s);
            if (hits > 1)
                return failf(b, MLPB_E_FORMAT, at, 1,
                             "label column name \"%.*s\" appears %zu times", (int)n, s, hits);
            if (role[hit] < 0)
                return failf(b, MLPB_E_FORMAT, at, 1, "label column \"%.*s\" named twice",
                             (int)n, s);
            role[hit] = -(long)(++k);
            if (e == NULL)
                break;
            s = e + 1;
        }
    } else {
        if (o->n_labels >= ncols)
            return failf(b, MLPB_E_FORMAT, at, 1,
                         "%zu column%s, too few for %zu label column%s and a feature", ncols,
                         ncols == 1 ? "" : "s", o->n_labels, o->n_labels == 1 ? "" : "s");
        for (size_t j = ncols - o->n_labels; j < ncols; j++)
            role[j] = -(long)(++k);
    }
    if (k == ncols)
        return failf(b, MLPB_E_FORMAT, at, 1, "every column is a label: no features left");
    *k_out = k;
    return MLPB_OK;
}

/* A cell's text as shown in a message: at most 40 bytes, then "...". */
static const char *shown(const char *text, char *buf)
{
    size_t i = 0;
    for (; text[i] != '\0' && i < 40; i++)
        buf[i] = (text[i] >= 32 && text[i] < 127) ? text[i] : '?';
    if (text[i] != '\0')
        memcpy(buf + i, "...", 3), i += 3;
    buf[i] = '\0';
    return buf;
}

static int earlier(size_t l1, size_t c1, size_t l2, size_t c2)
{
    return l2 == 0 || (l1 != 0 && (l1 < l2 || (l1 == l2 && c1 < c2)));
}

/* The first cell this dataset cannot hold (a string, a missing value, a
 * label other than 0/1), as a message. */
static mlpb_status check_cells(const build *b, const cli_table *t, const long *role)
{
    char   sbuf[48], tbuf[48];
    size_t line = 0, col = 0;
    char   msg[200];
    for (size_t j = 0; j < cli_table_ncols(t); j++) {
        const cli_column *c = cli_table_column(t, j);
        if (c->is_string && earlier(c->first_string_line, c->first_string_col, line, col)) {
            line = c->first_string_line;
            col  = c->first_string_col;
            if (role[j] < 0)
                snprintf(msg, sizeof msg, "label \"%s\" must be 0 or 1, not \"%s\"",
                         shown(c->name, sbuf), shown(c->first_string_text, tbuf));
            else
                snprintf(msg, sizeof msg, "\"%s\" is not a number",
                         shown(c->first_string_text, tbuf));
        }
        if (c->n_missing > 0 &&
            earlier(c->first_missing_line, c->first_missing_col, line, col)) {
            line = c->first_missing_line;
            col  = c->first_missing_col;
            snprintf(msg, sizeof msg, "missing value (empty, NA, NaN or ?): not supported here");
        }
        if (role[j] < 0 && c->n_not01 > 0 &&
            earlier(c->first_not01_line, c->first_not01_col, line, col)) {
            line = c->first_not01_line;
            col  = c->first_not01_col;
            snprintf(msg, sizeof msg, "label \"%s\" must be 0 or 1, not %s",
                     shown(c->name, sbuf), shown(c->first_not01_text, tbuf));
        }
    }
    if (line == 0)
        return MLPB_OK;
    return failf(b, MLPB_E_FORMAT, line, col, "%s", msg);
}

static mlpb_status from_csv(const build *b, cli_table *t, const cli_data_opts *o,
                            cli_chunk *c, cli_data *out)
{
    const size_t ncols = cli_table_ncols(t), n = c->n;
    long        *role  = malloc(ncols * sizeof *role);
    const char **fn    = malloc(ncols * sizeof *fn);
    const char **ln    = malloc(ncols * sizeof *ln);
    size_t       k = 0, d, off_f = 0, off_l = 0;
    mlpb_status  st = MLPB_E_NOMEM;
    if (role == NULL || fn == NULL || ln == NULL)
        goto nomem;
    if ((st = pick_labels(b, t, o, role, &k)) != MLPB_OK ||
        (st = check_cells(b, t, role)) != MLPB_OK)
        goto done;
    d = ncols - k;
    for (size_t j = 0, f = 0; j < ncols; j++) {
        const char *nm = cli_table_column(t, j)->name;
        if (role[j] < 0)
            ln[-role[j] - 1] = nm;
        else
            fn[f++] = nm;
    }
    if ((st = names_block(fn, d, &out->names_buf, &out->names_len, NULL, &off_f)) != MLPB_OK ||
        (st = names_block(ln, k, &out->names_buf, &out->names_len, NULL, &off_l)) != MLPB_OK ||
        (st = point_names(out->names_buf, off_f, d, &out->feature_names)) != MLPB_OK ||
        (st = point_names(out->names_buf, off_l, k, &out->label_names)) != MLPB_OK)
        goto nomem;
    if (k > 0 && (out->y = malloc(n * k * sizeof(float))) == NULL)
        goto nomem;
    /* Labels out first, then features compacted forward in place: the write
     * position never passes the read position. */
    for (size_t i = 0; i < n; i++) {
        const float *src = c->x + i * ncols;
        for (size_t j = 0; j < ncols; j++)
            if (role[j] < 0)
                out->y[i * k + (size_t)(-role[j] - 1)] = src[j];
    }
    for (size_t i = 0; i < n; i++) {
        const float *src = c->x + i * ncols;
        float       *dst = c->x + i * d;
        size_t       w   = 0;
        for (size_t j = 0; j < ncols; j++)
            if (role[j] >= 0)
                dst[w++] = src[j];
    }
    out->x = k > 0 ? realloc(c->x, n * d * sizeof(float)) : c->x;
    if (out->x == NULL)
        out->x = c->x;
    c->x       = NULL;
    out->n     = n;
    out->d     = d;
    out->k     = k;
    st         = MLPB_OK;
    goto done;
nomem:
    st = failf(b, st, 0, 0, "out of memory");
done:
    free(role);
    free(fn);
    free(ln);
    return st;
}

static mlpb_status from_libsvm(const build *b, cli_chunk *c, cli_data *out)
{
    const size_t k = c->k;
    const char  *one[1]  = {"label"};
    char       **lnames  = NULL;
    size_t       off     = 0;
    /* Feature names are not stored: cli_data_feature_name formats them. */
    if (k == 1) {
        if (names_block(one, 1, &out->names_buf, &out->names_len, NULL, &off) != MLPB_OK)
            return failf(b, MLPB_E_NOMEM, 0, 0, "out of memory");
    } else {
        for (size_t l = 0; l < k; l++) {
            char        num[32];
            const char *p = num;
            snprintf(num, sizeof num, "label_%zu", l);
            if (names_block(&p, 1, &out->names_buf, &out->names_len, NULL, &off) != MLPB_OK)
                return failf(b, MLPB_E_NOMEM, 0, 0, "out of memory");
        }
        off = 0;
    }
    if (point_names(out->names_buf ? out->names_buf : "", 0, k, &lnames) != MLPB_OK)
        return failf(b, MLPB_E_NOMEM, 0, 0, "out of memory");
    out->label_names = lnames;
    out->x           = c->x;
    out->y           = k ? c->y : NULL;
    c->x             = NULL;
    if (k)
        c->y = NULL;
    out->n = c->n;
    out->d = c->ncols;
    out->k = k;
    return MLPB_OK;
}

static void to_table_opts(const cli_data_opts *o, cli_read_opts *t)
{
    cli_read_opts_init(t);
    t->format         = o->format;
    t->delimiter      = o->delimiter;
    t->header         = o->header ? CLI_HEADER_DETECT : CLI_HEADER_NO;
    t->n_features     = o->n_features;
    t->ignore_labels  = o->n_labels == 0;
    t->multilabel     = o->n_labels > 1 || o->multilabel;
    t->binary_labels  = 1; /* class ids other than 0/1, -1/+1 are the tool's */
    t->n_classes      = o->n_labels > 1 ? o->n_labels : 0;
    t->base           = (cli_index_base)o->base;
    t->max_bytes      = o->max_bytes;
    t->max_text_bytes = o->max_text_bytes;
}

static mlpb_status read_table(cli_table *t, const cli_data_opts *o, cli_data *out,
                              char *err, size_t errlen, const char *name)
{
    build     b = {name, err, err ? errlen : 0};
    cli_chunk c = {0};
    mlpb_status st = cli_table_read(t, 0, &c, err, errlen);
    if (st == MLPB_OK) {
        out->format     = cli_table_format(t);
        out->delimiter  = cli_table_delimiter(t);
        out->first_line = cli_table_header_line(t) ? cli_table_header_line(t)
                                                   : (c.n ? c.line[0] : 1);
        st = out->format == CLI_FORMAT_LIBSVM ? from_libsvm(&b, &c, out)
                                               : from_csv(&b, t, o, &c, out);
    }
    cli_chunk_free(&c);
    cli_table_close(t);
    if (st != MLPB_OK)
        cli_data_free(out);
    return st;
}

static mlpb_status check_args(const cli_data_opts *o, cli_data *out, char *err,
                              size_t errlen, const char *name)
{
    if (out == NULL)
        return MLPB_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    const char *why = NULL;
    if (o == NULL || name == NULL)
        why = "missing argument";
    else if (o->labels != NULL && o->labels[0] == '\0')
        why = "empty list of label names";
    else if (o->base < 0 || o->base > 2)
        why = "unknown index base";
    if (why == NULL)
        return MLPB_OK;
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s: %s", name ? name : "(null)", why);
    return MLPB_E_INVALID_ARG;
}

mlpb_status cli_data_read_mem(const void *buf, size_t len, const char *name,
                               const cli_data_opts *o, cli_data *out, char *err,
                               size_t errlen)
{
    mlpb_status st = check_args(o, out, err, errlen, name);
    if (st != MLPB_OK)
        return st;
    cli_read_opts to;
    cli_table    *t;
    to_table_opts(o, &to);
    if ((st = cli_table_open_mem(buf, len, name, &to, &t, err, errlen)) != MLPB_OK)
        return st;
    return read_table(t, o, out, err, errlen, name);
}

mlpb_status cli_data_read(const char *path, const cli_data_opts *o, cli_data *out,
                           char *err, size_t errlen)
{
    mlpb_status st = check_args(o, out, err, errlen, path);
    if (st != MLPB_OK)
        return st;
    cli_read_opts to;
    cli_table    *t;
    to_table_opts(o, &to);
    if ((st = cli_table_open(path, &to, &t, err, errlen)) != MLPB_OK)
        return st;
    return read_table(t, o, out, err, errlen, path);
}

/* ------------------------------------------------------------ subsets */
/* The n names of src (pointers into from) as pointers into to. */
static char **rebase_names(char *const *src, size_t n, const char *from, char *to)
{
    char **d = malloc((n ? n : 1) * sizeof(char *));
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        d[i] = to + (src[i] - from);
    return d;
}

/* A dataset of the rows of src with pick[i] == want, in order. */
static mlpb_status take_rows(const cli_data *src, const unsigned char *pick, int want,
                             size_t count, cli_data *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->n             = count;
    dst->d             = src->d;
    dst->k             = src->k;
    dst->first_line    = src->first_line;
    dst->format        = src->format;
    dst->delimiter     = src->delimiter;
    dst->x             = malloc(count * src->d * sizeof(float));
    dst->y             = src->k ? malloc(count * src->k * sizeof(float)) : NULL;
    dst->names_buf     = malloc(src->names_len ? src->names_len : 1);
    dst->names_len     = src->names_len;
    if (dst->names_buf != NULL) {
        if (src->names_len > 0)
            memcpy(dst->names_buf, src->names_buf, src->names_len);
        if (src->feature_names != NULL)
            dst->feature_names =
                rebase_names(src->feature_names, src->d, src->names_buf, dst->names_buf);
        dst->label_names = rebase_names(src->label_names, src->k, src->names_buf, dst->names_buf);
    }
    if (src->feature_ids != NULL &&
        (dst->feature_ids = malloc(src->d * sizeof *dst->feature_ids)) != NULL)
        memcpy(dst->feature_ids, src->feature_ids, src->d * sizeof *dst->feature_ids);
    if (dst->x == NULL || (src->k && dst->y == NULL) || dst->names_buf == NULL ||
        (src->feature_ids != NULL && dst->feature_ids == NULL) ||
        (src->feature_names != NULL && dst->feature_names == NULL) ||
        dst->label_names == NULL) {
        cli_data_free(dst);
        return MLPB_E_NOMEM;
    }
    size_t j = 0;
    for (size_t i = 0; i < src->n; i++) {
        if (pick[i] != want)
            continue;
        memcpy(dst->x + j * src->d, src->x + i * src->d, src->d * sizeof(float));
        if (src->k)
            memcpy(dst->y + j * src->k, src->y + i * src->k, src->k * sizeof(float));
        j++;
    }
    return MLPB_OK;
}

mlpb_status cli_data_split(const cli_data *src, double test_fraction, uint64_t seed,
                           cli_data *train, cli_data *test)
{
    if (train == NULL || test == NULL)
        return MLPB_E_INVALID_ARG;
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (src == NULL || src->x == NULL || src->n < 2 || !(test_fraction > 0.0) ||
        !(test_fraction < 1.0))
        return MLPB_E_INVALID_ARG;
    /* The library's stratified split (mlpb_train_split); without labels,
     * one class of all rows. */
    size_t         n_test = 0;
    unsigned char *pick   = malloc(src->n);
    float         *none   = src->k ? NULL : calloc(src->n, sizeof(float));
    if (pick == NULL || (src->k == 0 && none == NULL)) {
        free(pick);
        return MLPB_E_NOMEM;
    }
    const mlpb_dataset ds = {src->x, src->k ? src->y : none, NULL, src->n};
    mlpb_status st = mlpb_train_split(&ds, src->k ? src->k : 1, (float)test_fraction, seed, NULL,
                                      pick, &n_test);
    free(none);
    if (st == MLPB_OK && (n_test == 0 || n_test == src->n))
        st = MLPB_E_INVALID_ARG; /* a side left empty */
    if (st == MLPB_OK)
        st = take_rows(src, pick, 0, src->n - n_test, train);
    if (st == MLPB_OK && (st = take_rows(src, pick, 1, n_test, test)) != MLPB_OK)
        cli_data_free(train);
    free(pick);
    return st;
}

mlpb_status cli_data_drop_features(cli_data *d, const size_t *cols, size_t m)
{
    if (d == NULL || (m > 0 && cols == NULL) || m >= d->d)
        return MLPB_E_INVALID_ARG;
    unsigned char *drop = calloc(d->d, 1);
    if (drop == NULL)
        return MLPB_E_NOMEM;
    for (size_t i = 0; i < m; i++) {
        if (cols[i] >= d->d || drop[cols[i]]) {
            free(drop);
            return MLPB_E_INVALID_ARG;
        }
        drop[cols[i]] = 1;
    }
    size_t nd = d->d - m;
    /* Forward compaction: the write position never passes the read position. */
    for (size_t i = 0; i < d->n; i++) {
        const float *src = d->x + i * d->d;
        float       *dst = d->x + i * nd;
        size_t       w   = 0;
        for (size_t j = 0; j < d->d; j++)
            if (!drop[j])
                dst[w++] = src[j];
    }
    size_t w = 0;
    for (size_t j = 0; j < d->d && d->feature_names != NULL; j++)
        if (!drop[j])
            d->feature_names[w++] = d->feature_names[j];
    w = 0;
    for (size_t j = 0; j < d->d && d->feature_ids != NULL; j++)
        if (!drop[j])
            d->feature_ids[w++] = d->feature_ids[j];
    d->d = nd;
    free(drop);
    return MLPB_OK;
}
