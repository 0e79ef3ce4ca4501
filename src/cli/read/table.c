/* table.c -- the reader handle of table.h: options, opening, the memory
 * budget, and the columns' levels (the CSV and LIBSVM scanners are in
 * read_csv.c and read_libsvm.c). */
#include "read/table.h"

#include "base/names.h"
#include "read/format.h"
#include "read/stream.h"
#include "read/table_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rough malloc overhead of one small block, so the budget does not
 * undercount a column of many short levels. */
#define BLOCK_OVERHEAD 16u

void cli_read_opts_init(cli_read_opts *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof *o);
    o->format     = CLI_FORMAT_AUTO;
    o->header     = CLI_HEADER_DETECT;
    o->max_levels = CLI_MAX_LEVELS_DEFAULT;
    o->base       = CLI_BASE_DETECT;
}

/* ------------------------------------------------------------- budget */
void tbl_account(cli_table *t, int64_t delta)
{
    t->held = (uint64_t)((int64_t)t->held + delta);
}

static double mb(uint64_t b)
{
    return (double)b / 1048576.0; /* MiB, as the tool prints sizes */
}

mlpb_status tbl_budget(cli_table *t, uint64_t extra, size_t line, const char *what)
{
    const uint64_t max = t->o.max_bytes, have = t->held + t->chunk_held;
    if (max == 0 || (extra <= max && have <= max - extra))
        return MLPB_OK;
    if (line > 0)
        return cli_fail_at(&t->s, MLPB_E_NOMEM, line, 1,
                           "%s needs more than the memory limit of %.1f MiB (%.1f MiB held, "
                           "%.1f MiB more asked)", what, mb(max), mb(have), mb(extra));
    return cli_fail_file(&t->s, MLPB_E_NOMEM,
                         "%s needs more than the memory limit of %.1f MiB (%.1f MiB held, "
                         "%.1f MiB more asked)", what, mb(max), mb(have), mb(extra));
}

mlpb_status tbl_grow_chunk(cli_table *t, void **p, size_t *cap, size_t need, size_t limit,
                           size_t elsize, size_t line)
{
    if (need <= *cap)
        return MLPB_OK;
    size_t nc = *cap < 64 ? 64 : *cap + *cap / 2;
    if (nc < *cap || nc < need)
        nc = need;
    if (limit != 0 && nc > limit)
        nc = limit > need ? limit : need; /* a chunk never needs more */
    if (nc > SIZE_MAX / elsize)
        return cli_fail_nomem(&t->s, MLPB_E_OVERFLOW);
    const uint64_t max = t->o.max_bytes, have = t->held + t->chunk_held;
    if (max != 0) {
        /* Grow into what the budget leaves rather than refuse early. */
        uint64_t room = *cap + (have < max ? max - have : 0) / elsize;
        if (need > room)
            return cli_fail_at(&t->s, MLPB_E_NOMEM, line, 1,
                               "the rows up to this line fill the memory limit of %.1f MiB "
                               "(%.1f MiB held): the file needs a larger limit, or reading "
                               "in chunks", mb(max), mb(have));
        if (nc > room)
            nc = (size_t)room;
    }
    void *q = realloc(*p, nc * elsize);
    if (q == NULL)
        return cli_fail_nomem(&t->s, MLPB_E_NOMEM);
    t->chunk_held += (uint64_t)(nc - *cap) * elsize;
    *p   = q;
    *cap = nc;
    return MLPB_OK;
}

/* ------------------------------------------------------------- levels */
int tbl_is_missing(const char *text, size_t len)
{
    /* By length first: this runs on every cell. */
    switch (len) {
    case 0:
        return 1;
    case 1:
        return text[0] == '?';
    case 2:
        return (text[0] | 0x20) == 'n' && (text[1] | 0x20) == 'a';
    case 3:
        return (text[0] | 0x20) == 'n' && (text[2] | 0x20) == (text[1] == '/' ? 'a' : 'n') &&
               (text[1] == '/' || (text[1] | 0x20) == 'a');
    case 4:
        return (text[0] | 0x20) == 'n' && (text[1] | 0x20) == 'u' && (text[2] | 0x20) == 'l' &&
               (text[3] | 0x20) == 'l';
    default:
        return 0;
    }
}


static uint64_t hash_of(int isnum, float v, const char *text, size_t len)
{
    uint64_t h = 1469598103934665603u;
    if (isnum) {
        uint32_t b;
        memcpy(&b, &v, sizeof b);
        h ^= b;
        h *= 0x9e3779b97f4a7c15u;
        return h ^ (h >> 29) ^ 1u;
    }
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 1099511628211u;
    return h;
}

static int lev_equal(const col_state *cs, size_t i, int isnum, float v, const char *text,
                     size_t len)
{
    if (cs->lev_isnum[i] != isnum)
        return 0;
    if (isnum)
        return cs->lev_num[i] == v;
    return strlen(cs->pub.levels[i]) == len && memcmp(cs->pub.levels[i], text, len) == 0;
}

/* Index of the level, or -1. */
long tbl_lev_find(const col_state *cs, int isnum, float v, const char *text, size_t len)
{
    if (cs->hcap == 0)
        return -1;
    size_t m = cs->hcap - 1, h = (size_t)hash_of(isnum, v, text, len) & m;
    for (; cs->hash[h] != 0; h = (h + 1) & m)
        if (lev_equal(cs, cs->hash[h] - 1, isnum, v, text, len))
            return (long)cs->hash[h] - 1;
    return -1;
}

static void lev_release(cli_table *t, col_state *cs)
{
    for (size_t i = 0; i < cs->pub.n_levels; i++) {
        tbl_account(t, -(int64_t)(strlen(cs->pub.levels[i]) + 1 + BLOCK_OVERHEAD));
        free(cs->pub.levels[i]);
    }
    tbl_account(t, -(int64_t)(cs->lev_cap * (sizeof(char *) + sizeof(float) + 1) +
                              cs->hcap * sizeof(uint32_t)));
    free(cs->pub.levels);
    free(cs->lev_num);
    free(cs->lev_isnum);
    free(cs->hash);
    cs->pub.levels   = NULL;
    cs->lev_num      = NULL;
    cs->lev_isnum    = NULL;
    cs->hash         = NULL;
    cs->pub.n_levels = cs->lev_cap = cs->hcap = 0;
}

/* Append a level (not present); its index goes to *idx. */
mlpb_status tbl_lev_add(cli_table *t, col_state *cs, int isnum, float v, const char *text,
                           size_t len, size_t line, size_t *idx)
{
    size_t n = cs->pub.n_levels;
    if (n + 1 > cs->lev_cap) {
        size_t nc = cs->lev_cap ? cs->lev_cap * 2 : 8;
        mlpb_status st = tbl_budget(t, (nc - cs->lev_cap) * (sizeof(char *) + sizeof(float) + 1),
                                    line, "a category");
        if (st != MLPB_OK)
            return st;
        char         **l  = realloc(cs->pub.levels, nc * sizeof *l);
        if (l != NULL)
            cs->pub.levels = l;
        float         *nv = l ? realloc(cs->lev_num, nc * sizeof *nv) : NULL;
        if (nv != NULL)
            cs->lev_num = nv;
        unsigned char *ni = nv ? realloc(cs->lev_isnum, nc) : NULL;
        if (ni == NULL)
            return cli_fail_nomem(&t->s, MLPB_E_NOMEM);
        cs->lev_isnum = ni;
        tbl_account(t, (int64_t)((nc - cs->lev_cap) * (sizeof(char *) + sizeof(float) + 1)));
        cs->lev_cap = nc;
    }
    if (2 * (n + 1) > cs->hcap) {
        size_t    nh = cs->hcap ? cs->hcap * 2 : 16;
        mlpb_status st = tbl_budget(t, nh * sizeof(uint32_t), line, "a category");
        if (st != MLPB_OK)
            return st;
        uint32_t *h = calloc(nh, sizeof *h);
        if (h == NULL)
            return cli_fail_nomem(&t->s, MLPB_E_NOMEM);
        for (size_t i = 0; i < n; i++) {
            size_t k = (size_t)hash_of(cs->lev_isnum[i], cs->lev_num[i], cs->pub.levels[i],
                                       strlen(cs->pub.levels[i])) & (nh - 1);
            while (h[k] != 0)
                k = (k + 1) & (nh - 1);
            h[k] = (uint32_t)i + 1;
        }
        tbl_account(t, (int64_t)((nh - cs->hcap) * sizeof(uint32_t)));
        free(cs->hash);
        cs->hash = h;
        cs->hcap = nh;
    }
    mlpb_status st = tbl_budget(t, len + 1 + BLOCK_OVERHEAD, line, "a category");
    if (st != MLPB_OK)
        return st;
    char *s = malloc(len + 1);
    if (s == NULL)
        return cli_fail_nomem(&t->s, MLPB_E_NOMEM);
    memcpy(s, text, len);
    s[len] = '\0';
    tbl_account(t, (int64_t)(len + 1 + BLOCK_OVERHEAD));
    cs->pub.levels[n]  = s;
    cs->lev_num[n]     = v;
    cs->lev_isnum[n]   = (unsigned char)isnum;
    size_t k = (size_t)hash_of(isnum, v, text, len) & (cs->hcap - 1);
    while (cs->hash[k] != 0)
        k = (k + 1) & (cs->hcap - 1);
    cs->hash[k]      = (uint32_t)n + 1;
    cs->pub.n_levels = n + 1;
    *idx             = n;
    return MLPB_OK;
}

mlpb_status cli_table_set_levels(cli_table *t, size_t j, const char *const *levels, size_t n,
                                 int closed)
{
    if (t == NULL || t->broken || t->format != CLI_FORMAT_CSV || j >= t->ncols ||
        t->rows_read > 0 || (n > 0 && levels == NULL) || n > t->o.max_levels)
        return MLPB_E_INVALID_ARG;
    col_state *cs = &t->cols[j];
    lev_release(t, cs);
    for (size_t i = 0; i < n; i++) {
        mlpb_status st = MLPB_E_INVALID_ARG;
        float       v;
        size_t      len = levels[i] != NULL ? strlen(levels[i]) : 0, idx;
        int         isnum = levels[i] != NULL && cli_text_to_float(levels[i], &v) == 0;
        v                 = isnum ? tbl_num_key(v) : 0.0f;
        if (levels[i] != NULL && tbl_lev_find(cs, isnum, v, levels[i], len) < 0)
            st = tbl_lev_add(t, cs, isnum, v, levels[i], len, 0, &idx);
        if (st != MLPB_OK) {
            /* None of the list: the column reads as an undeclared one. */
            lev_release(t, cs);
            cs->pub.is_string = 0;
            cs->pub.declared  = 0;
            cs->closed        = 0;
            return st;
        }
    }
    cs->pub.is_string = 1;
    cs->pub.declared  = 1;
    cs->closed        = closed != 0;
    return MLPB_OK;
}

void tbl_free_columns(cli_table *t)
{
    for (size_t j = 0; t->cols != NULL && j < t->ncols; j++)
        lev_release(t, &t->cols[j]);
    free(t->cols);
    free(t->names);
    free(t->name_off);
    cli_name_index_free(&t->name_ix);
    t->cols     = NULL;
    t->names    = NULL;
    t->name_off = NULL;
}

/* ------------------------------------------------------------- handle */
static mlpb_status check_opts(const cli_read_opts *o, const char **why)
{
    *why = NULL;
    if (o->format != CLI_FORMAT_AUTO && o->format != CLI_FORMAT_CSV &&
        o->format != CLI_FORMAT_LIBSVM)
        *why = "unknown data format";
    else if (o->decimal != 0 && o->decimal != '.' && o->decimal != ',')
        *why = "the decimal mark must be '.' or ','";
    else if (o->decimal == ',' && o->delimiter == ',')
        *why = "the decimal mark and the delimiter cannot both be ','";
    else if (o->delimiter == '"' || o->delimiter == '\n' || o->delimiter == '\r' ||
             o->delimiter == '#')
        *why = "the delimiter cannot be a quote, a newline or '#'";
    else if (o->header != CLI_HEADER_DETECT && o->header != CLI_HEADER_YES &&
             o->header != CLI_HEADER_NO)
        *why = "unknown header mode";
    else if (o->base != CLI_BASE_DETECT && o->base != CLI_BASE_ONE && o->base != CLI_BASE_ZERO)
        *why = "unknown index base";
    else if (o->max_levels == 0 || o->max_levels > ((size_t)1 << 24))
        *why = "the category limit must be 1 to 16777216";
    else if (o->n_features > 0x7fffffffu || o->n_classes > 65536)
        *why = "too many features or classes";
    else if (o->features != NULL && o->n_features == 0)
        *why = "a feature list needs its count";
    return *why ? MLPB_E_INVALID_ARG : MLPB_OK;
}

static mlpb_status finish_open(cli_table *t, mlpb_status st, cli_table **out)
{
    if (st == MLPB_OK) {
        /* A UTF-8 byte-order mark, as spreadsheets write, is not data. */
        if (cli_peek(&t->s) == 0xEF && t->s.end - t->s.p >= 3 &&
            memcmp(t->s.p, "\xEF\xBB\xBF", 3) == 0)
            t->s.p += 3;
        st = t->format == CLI_FORMAT_LIBSVM ? svm_open(t) : csv_open(t);
    }
    if (st != MLPB_OK) {
        cli_table_close(t);
        return st;
    }
    *out = t;
    return MLPB_OK;
}

static mlpb_status new_table(const char *name, const cli_read_opts *o, cli_table **out,
                             char *err, size_t errlen, cli_table **t)
{
    if (out != NULL)
        *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    const char *why = "missing argument";
    if (out == NULL || o == NULL || name == NULL || check_opts(o, &why) != MLPB_OK) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: %s", name ? name : "(null)", why);
        return MLPB_E_INVALID_ARG;
    }
    *t = calloc(1, sizeof **t);
    if (*t == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: out of memory", name);
        return MLPB_E_NOMEM;
    }
    (*t)->o      = *o;
    (*t)->format = o->format != CLI_FORMAT_AUTO ? o->format : cli_data_guess_format(name);
    return MLPB_OK;
}

mlpb_status cli_table_open(const char *path, const cli_read_opts *o, cli_table **out,
                           char *err, size_t errlen)
{
    cli_table  *t;
    mlpb_status st = new_table(path, o, out, err, errlen, &t);
    if (st != MLPB_OK)
        return st;
    st = cli_stream_open(&t->s, path, o->max_text_bytes, err, errlen);
    return finish_open(t, st, out);
}

mlpb_status cli_table_open_range(const char *path, const cli_read_opts *o, uint64_t head_len,
                                 uint64_t start, uint64_t len, size_t first_line,
                                 cli_table **out, char *err, size_t errlen)
{
    cli_table  *t;
    mlpb_status st = new_table(path, o, out, err, errlen, &t);
    if (st != MLPB_OK)
        return st;
    st = cli_stream_open_range(&t->s, path, o->max_text_bytes, head_len, start, len,
                               first_line, err, errlen);
    return finish_open(t, st, out);
}

mlpb_status cli_table_open_mem(const void *buf, size_t len, const char *name,
                               const cli_read_opts *o, cli_table **out, char *err,
                               size_t errlen)
{
    cli_table  *t;
    mlpb_status st = new_table(name, o, out, err, errlen, &t);
    if (st != MLPB_OK)
        return st;
    if (buf == NULL && len > 0) {
        free(t);
        return MLPB_E_INVALID_ARG;
    }
    st = cli_stream_open_mem(&t->s, buf, len, name, o->max_text_bytes, err, errlen);
    return finish_open(t, st, out);
}

/* Buffers the caller took (pointer NULL) no longer count, nor their room. */
static void chunk_sync(cli_table *t, cli_chunk *c)
{
    if (c->x == NULL)
        c->cap_x = 0;
    if (c->y == NULL)
        c->cap_y = 0;
    if (c->line == NULL)
        c->cap_line = 0;
    t->chunk_held = (uint64_t)c->cap_x * sizeof(float) + (uint64_t)c->cap_y * sizeof(float) +
                    (uint64_t)c->cap_line * sizeof(size_t);
}

mlpb_status cli_table_read(cli_table *t, size_t max_rows, cli_chunk *c, char *err,
                           size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (t == NULL || c == NULL || t->broken)
        return MLPB_E_INVALID_ARG;
    t->s.err    = err;
    t->s.errlen = err ? errlen : 0;
    chunk_sync(t, c);
    c->n     = 0;
    c->ncols = t->ncols;
    c->k     = 0;
    if (t->done)
        return MLPB_OK;
    mlpb_status st = t->format == CLI_FORMAT_LIBSVM ? svm_read(t, max_rows, c)
                                                      : csv_read(t, max_rows, c);
    if (st != MLPB_OK) {
        t->broken = 1;
        c->n      = 0;
        return st;
    }
    if (max_rows == 0 && c->n > 0) {
        /* One whole-file chunk: give back the growth slack. */
        size_t nx = c->n * c->ncols;
        float *px = nx > 0 && nx < c->cap_x ? realloc(c->x, nx * sizeof(float)) : NULL;
        if (px != NULL)
            c->x = px, c->cap_x = nx;
        size_t *pl = c->n < c->cap_line ? realloc(c->line, c->n * sizeof(size_t)) : NULL;
        if (pl != NULL)
            c->line = pl, c->cap_line = c->n;
        chunk_sync(t, c);
    }
    t->rows_read += c->n;
    return MLPB_OK;
}

long cli_table_find(const cli_table *t, const char *name, size_t len)
{
    if (t == NULL || t->format != CLI_FORMAT_CSV)
        return -1;
    return cli_name_index_find(&t->name_ix, name, len);
}

long cli_table_index_column(const cli_table *t)
{
    return t != NULL && t->format == CLI_FORMAT_CSV ? t->index_col : -1;
}

size_t cli_table_renamed(const cli_table *t)
{
    return t != NULL && t->format == CLI_FORMAT_CSV ? t->renamed : 0;
}

char cli_table_decimal(const cli_table *t, int *detected)
{
    if (detected != NULL)
        *detected = t != NULL && t->decimal_detected;
    return t != NULL && t->decimal == ',' ? ',' : '.';
}

static const char *col_name(const void *ctx, size_t j)
{
    return cli_table_column((const cli_table *)ctx, j)->name;
}

void cli_table_name_hint(const cli_table *t, const char *name, size_t len, char *buf,
                         size_t buflen)
{
    if (t == NULL || t->format != CLI_FORMAT_CSV)
        return;
    cli_names_hint(name, len, col_name, t, t->ncols, 12, buf, buflen);
}

size_t cli_table_ncols(const cli_table *t)
{
    return t ? t->ncols : 0;
}

const cli_column *cli_table_column(const cli_table *t, size_t j)
{
    if (t == NULL || t->format != CLI_FORMAT_CSV || j >= t->ncols)
        return NULL;
    return &t->cols[j].pub;
}

const char *cli_table_name(const cli_table *t, size_t j, char *buf, size_t len)
{
    if (t != NULL && t->format == CLI_FORMAT_CSV && j < t->ncols)
        return t->cols[j].pub.name;
    if (buf == NULL || len < CLI_NAME_BUF)
        return "";
    size_t f = j + 1;
    if (t != NULL && t->feat != NULL && j < t->ncols)
        f = t->feat[j];
    else if (t != NULL && t->o.features != NULL && j < t->o.n_features)
        f = t->o.features[j];
    cli_put_size(buf, f);
    return buf;
}

const int32_t *cli_table_class_ids(const cli_table *t, size_t *n)
{
    if (n != NULL)
        *n = t && t->class_ids ? t->n_class_ids : 0;
    return t ? t->class_ids : NULL;
}

const uint32_t *cli_table_features(const cli_table *t, size_t *n)
{
    if (n != NULL)
        *n = t && t->feat ? t->ncols : 0;
    return t ? t->feat : NULL;
}

uint64_t cli_table_dropped(const cli_table *t, size_t *first_line, size_t *first_index)
{
    if (first_line != NULL)
        *first_line = t ? t->drop_line : 0;
    if (first_index != NULL)
        *first_index = t ? t->drop_index : 0;
    return t ? t->dropped : 0;
}

cli_data_format cli_table_format(const cli_table *t)
{
    return t ? t->format : CLI_FORMAT_AUTO;
}

char cli_table_delimiter(const cli_table *t)
{
    return t ? t->delim : 0;
}

size_t cli_table_header_line(const cli_table *t)
{
    return t ? t->header_line : 0;
}

const char *cli_table_path(const cli_table *t)
{
    return t ? t->s.name : NULL;
}

int cli_table_zero_based(const cli_table *t)
{
    return t ? t->zero_based : 0;
}

uint64_t cli_table_bytes(const cli_table *t)
{
    return t ? t->held : 0;
}

void cli_table_close(cli_table *t)
{
    if (t == NULL)
        return;
    tbl_free_columns(t);
    csv_free_pending(t);
    svm_free_stage(t);
    free(t->feat);
    free(t->class_ids);
    cli_stream_close(&t->s);
    free(t);
}

void cli_chunk_free(cli_chunk *c)
{
    if (c == NULL)
        return;
    free(c->x);
    free(c->y);
    free(c->line);
    memset(c, 0, sizeof *c);
}
