/* read_csv.c -- the CSV scanner of the table reader: RFC 4180 quoting (""
 * inside quotes), CRLF or LF line ends, blank lines and lines starting with
 * '#' skipped, blanks around fields ignored. Each cell goes to
 * csv_cell, which types it (number, missing, or a level of a string column)
 * and keeps each column's summary. */
#include "base/names.h"
#include "read/stream.h"
#include "read/table.h"
#include "read/table_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* No dense model takes a million inputs. */
#define MAX_COLUMNS (1 << 20)

/* Terminators returned by the field scanner. */
enum { T_DELIM, T_EOL, T_EOF, T_ERR };

/* Where a field started, and where its terminator was. */
typedef struct span {
    size_t line, col, end_line, end_col;
    int    quoted;
} span;

static int is_blank(int c, char delim)
{
    return (c == ' ' || c == '\t' || c == '\r') && c != delim;
}

/* Scan one field into s->tok. Returns T_DELIM, T_EOL, T_EOF, or T_ERR with
 * the message written. Blanks (and a CR before LF) around a field go. */
/* The first of p[0, e - p) that is delim or a newline, or e. Sixteen bytes
 * a compare where SSE2 is (every x86-64): a number field is a few bytes, so
 * its end is mostly found in one step. */
static const unsigned char *field_end(const unsigned char *p, const unsigned char *e, char delim)
{
#ifdef __SSE2__
    const __m128i dl = _mm_set1_epi8(delim), nl = _mm_set1_epi8('\n');
    for (; e - p >= 16; p += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        const int     m = _mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, dl), _mm_cmpeq_epi8(v, nl)));
        if (m != 0)
            return p + __builtin_ctz((unsigned)m);
    }
#endif
    while (p < e && *p != (unsigned char)delim && *p != '\n')
        p++;
    return p;
}

static int csv_field(cli_stream *s, char delim, span *f, mlpb_status *st)
{
    int c;
    s->tlen = 0;
    if (s->tcap == 0 && (*st = cli_tok_append(s, "", 0)) != MLPB_OK)
        return T_ERR;
    s->tok[0] = '\0';
    while ((c = cli_peek(s)) >= 0 && is_blank(c, delim))
        cli_get(s);
    f->line   = s->line;
    f->col    = s->col;
    f->quoted = (c == '"');
    if (f->quoted) {
        cli_get(s);
        for (;;) {
            c = cli_peek(s);
            if (c < 0) {
                if (s->failed) {
                    *st = cli_read_error(s);
                    return T_ERR;
                }
                *st = cli_fail_at(s, MLPB_E_FORMAT, f->line, f->col,
                                  "quoted field not closed before the end of the file");
                return T_ERR;
            }
            if (c == '"') {
                cli_get(s);
                if (cli_peek(s) != '"')
                    break;
            }
            char ch = (char)c;
            if ((*st = cli_tok_append(s, &ch, 1)) != MLPB_OK)
                return T_ERR;
            cli_get(s);
        }
        while ((c = cli_peek(s)) >= 0 && is_blank(c, delim))
            cli_get(s);
        f->end_line = s->line;
        f->end_col  = s->col;
        if (c < 0)
            return T_EOF;
        if (c != delim && c != '\n') {
            *st = cli_fail_at(s, MLPB_E_FORMAT, s->line, s->col,
                              "unexpected character after a closing quote");
            return T_ERR;
        }
        cli_get(s);
        return c == '\n' ? T_EOL : T_DELIM;
    }
    /* Unquoted: copy whole runs of the window up to the terminator. */
    for (;;) {
        if (s->p == s->end && cli_stream_fill(s) != 0) {
            if (s->failed) {
                *st = cli_read_error(s);
                return T_ERR;
            }
            f->end_line = s->line;
            f->end_col  = s->col;
            c           = -1;
            break;
        }
        const unsigned char *q = field_end(s->p, s->end, delim);
        size_t               n = (size_t)(q - s->p);
        if (s->tlen + n < s->tcap && s->tlen + n <= CLI_MAX_FIELD_BYTES) {
            memcpy(s->tok + s->tlen, s->p, n); /* room for it: no call */
            s->tlen += n;
            s->tok[s->tlen] = '\0';
        } else if ((*st = cli_tok_append(s, s->p, n)) != MLPB_OK) {
            return T_ERR;
        }
        s->col += n;
        s->p = q;
        if (q < s->end) {
            f->end_line = s->line;
            f->end_col  = s->col;
            c           = cli_get(s);
            break;
        }
    }
    while (s->tlen > 0 && is_blank((unsigned char)s->tok[s->tlen - 1], delim))
        s->tok[--s->tlen] = '\0';
    return c < 0 ? T_EOF : (c == '\n' ? T_EOL : T_DELIM);
}

/* Pick ',' ';' or tab: the most frequent outside quotes on the first line that
 * is neither blank nor a comment, within the first window; with none of them
 * but blanks between fields (and no ':'), ' ' (R's write.table). */
static char detect_delimiter(cli_stream *s)
{
    if (s->p == s->end)
        cli_stream_fill(s);
    const unsigned char *p = s->p, *e = s->end;
    while (p < e) {
        const unsigned char *q = p;
        while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < e && (*q == '\n' || *p == '#')) {
            while (p < e && *p != '\n')
                p++;
            p++;
            continue;
        }
        break;
    }
    size_t comma = 0, semi = 0, tab = 0, space = 0, colon = 0;
    int    inq   = 0;
    for (; p < e && (inq || *p != '\n'); p++) {
        if (*p == '"')
            inq = !inq;
        else if (!inq)
            comma += (*p == ','), semi += (*p == ';'), tab += (*p == '\t'), colon += (*p == ':'),
                space += (*p == ' ' && p + 1 < e && p[1] != ' ' && p[1] != '\r' &&
                          p[1] != '\n');
    }
    /* (Not a LIBSVM line's INDEX:VALUE pairs, which looks_libsvm names.) */
    if (comma == 0 && semi == 0 && tab == 0 && colon == 0 && space > 0)
        return ' ';
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

/* "LABEL INDEX:VALUE ...": a LIBSVM line read as CSV. */
static int looks_libsvm(const char *p)
{
    size_t pairs = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '+' || *p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        return 0;
    while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ':')
        p++;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return pairs > 0;
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q == p || *q != ':')
            return 0;
        for (p = q + 1; *p != '\0' && *p != ' ' && *p != '\t'; p++)
            ;
        pairs++;
    }
}

/* ------------------------------------------------------------- cells */
/* The shortest "%.Ng" that reads back as v (at most 9 digits for a float). */
static size_t shortest_text(float v, char *buf, size_t len)
{
    for (int prec = 1; prec <= 9; prec++) {
        int n = snprintf(buf, len, "%.*g", prec, (double)v);
        if (n > 0 && (size_t)n < len && strtof(buf, NULL) == v)
            return (size_t)n;
    }
    return (size_t)snprintf(buf, len, "%.9g", (double)v);
}

static void copy_text(char *dst, size_t cap, const char *text)
{
    size_t n = strlen(text);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, text, n);
    dst[n] = '\0';
}

static mlpb_status csv_cell(cli_table *t, size_t j, const char *text, size_t len, size_t line,
                         size_t col, float *cell, float *x, size_t nrows)
{
    col_state *cs = &t->cols[j];
    char       sbuf[64];
    if (tbl_is_missing(text, len)) {
        if (cs->pub.n_missing++ == 0) {
            cs->pub.first_missing_line = line;
            cs->pub.first_missing_col  = col;
        }
        *cell = NAN;
        return MLPB_OK;
    }
    float       v = 0.0f;
    const char *ntext = text;
    char        dot[64];
    if (t->decimal == ',' && len < sizeof dot) {
        /* "5,1" reads as 5.1: one comma and no point. */
        const char *c = memchr(text, ',', len);
        if (c != NULL && memchr(c + 1, ',', len - (size_t)(c - text) - 1) == NULL &&
            memchr(text, '.', len) == NULL) {
            memcpy(dot, text, len + 1);
            dot[c - text] = '.';
            ntext         = dot;
        }
    }
    int exact = 0, bad = cli_text_to_float_ex(ntext, &v, &exact);
    if (bad == 0)
        cs->pub.n_numbers++;
    if (bad == 2)
        return cli_fail_at(&t->s, MLPB_E_FORMAT, line, col, "\"%s\" is not a finite number",
                           cli_shown(text, sbuf, sizeof sbuf));
    size_t      idx;
    mlpb_status st;
    if (bad == 1 && cs->pub.first_string_line == 0) {
        cs->pub.first_string_line = line;
        cs->pub.first_string_col  = col;
        copy_text(cs->pub.first_string_text, sizeof cs->pub.first_string_text, text);
    }
    if (!cs->pub.is_string) {
        if (bad == 0) {
            *cell = v;
            if (!exact && cs->pub.n_nonint++ == 0) {
                cs->pub.first_nonint_line = line;
                cs->pub.first_nonint_col  = col;
                copy_text(cs->pub.first_nonint_text, sizeof cs->pub.first_nonint_text, text);
            }
            if (!(exact && (v == 0.0f || v == 1.0f)) && cs->pub.n_not01++ == 0) {
                cs->pub.first_not01_line = line;
                cs->pub.first_not01_col  = col;
                copy_text(cs->pub.first_not01_text, sizeof cs->pub.first_not01_text, text);
            }
            return MLPB_OK;
        }
        /* The column turns out to hold strings: its numbers so far in this
         * chunk become levels, keyed by value and named by the shortest text
         * that reads back as that float. */
        for (size_t i = 0; i < nrows; i++) {
            float *p = &x[i * t->ncols + j];
            if (isnan(*p))
                continue;
            const float k = tbl_num_key(*p);
            long        f = tbl_lev_find(cs, 1, k, NULL, 0);
            if (f < 0) {
                if (cs->pub.n_levels >= t->o.max_levels)
                    return cli_fail_at(&t->s, MLPB_E_FORMAT, line, col,
                                       "\"%s\" in column \"%s\" is not a number, and the "
                                       "column has more than %zu distinct numbers before it: "
                                       "too many to read it as categories",
                                       cli_shown(text, sbuf, sizeof sbuf), cs->pub.name,
                                       t->o.max_levels);
                char   num[32];
                size_t n = shortest_text(k, num, sizeof num);
                if ((st = tbl_lev_add(t, cs, 1, k, num, n, line, &idx)) != MLPB_OK)
                    return st;
                f = (long)idx;
            }
            *p = (float)f;
        }
        cs->pub.is_string = 1;
    }
    const float key   = tbl_num_key(v);
    long        found = tbl_lev_find(cs, bad == 0, key, text, len);
    if (found >= 0) {
        *cell = (float)found;
        return MLPB_OK;
    }
    if (cs->closed) {
        cs->pub.n_unseen++;
        *cell = -1.0f;
        return MLPB_OK;
    }
    if (cs->pub.n_levels >= t->o.max_levels)
        return cli_fail_at(&t->s, MLPB_E_FORMAT, line, col,
                           "\"%s\" would be category %zu of column \"%s\": more than %zu",
                           cli_shown(text, sbuf, sizeof sbuf), cs->pub.n_levels + 1,
                           cs->pub.name, t->o.max_levels);
    if ((st = tbl_lev_add(t, cs, bad == 0, key, text, len, line, &idx)) != MLPB_OK)
        return st;
    *cell = (float)idx;
    return MLPB_OK;
}

/* The first record, kept until the first read when it is data (no header). */
typedef struct first_rec {
    char   *text;   /* the fields, NUL-separated */
    size_t  len, cap;
    size_t *off, *line, *col;
    size_t  n, fcap, rec_line;
} first_rec;

static void first_free(first_rec *r)
{
    free(r->text);
    free(r->off);
    free(r->line);
    free(r->col);
    memset(r, 0, sizeof *r);
}

/* Read the first record that is neither blank nor a comment into *r; with
 * none at all, r->n stays 0. */
static mlpb_status read_first(cli_table *t, first_rec *r)
{
    cli_stream *s = &t->s;
    mlpb_status st;
    span        f;
    for (;;) {
        int c = cli_peek(s);
        if (c < 0)
            return s->failed ? cli_read_error(s) : MLPB_OK;
        if (c == '#') {
            cli_skip_line(s);
            continue;
        }
        int tt;
        r->n = r->len = 0;
        do {
            tt = csv_field(s, t->delim, &f, &st);
            if (tt == T_ERR)
                return st;
            if (r->n == 0 && tt != T_DELIM && !f.quoted && s->tlen == 0)
                break; /* a blank line */
            if (r->n == 0)
                r->rec_line = f.line;
            if (r->n == MAX_COLUMNS)
                return cli_fail_at(s, MLPB_E_FORMAT, f.line, f.col,
                                   "more than %d fields on one line", MAX_COLUMNS);
            size_t i = r->n, fc = r->fcap;
            if ((st = cli_grow((void **)&r->off, &r->fcap, i + 1, sizeof(size_t))) != MLPB_OK)
                return cli_fail_nomem(s, st);
            if (r->fcap != fc) {
                size_t *lp = realloc(r->line, r->fcap * sizeof(size_t));
                if (lp != NULL)
                    r->line = lp;
                size_t *cp = lp ? realloc(r->col, r->fcap * sizeof(size_t)) : NULL;
                if (cp == NULL) {
                    r->fcap = fc; /* line and col keep fc entries */
                    return cli_fail_nomem(s, MLPB_E_NOMEM);
                }
                r->col = cp;
            }
            if ((st = cli_grow((void **)&r->text, &r->cap, r->len + s->tlen + 1, 1)) != MLPB_OK)
                return cli_fail_nomem(s, st);
            memcpy(r->text + r->len, s->tok, s->tlen + 1);
            r->off[i]  = r->len;
            r->line[i] = f.line;
            r->col[i]  = f.col;
            r->len += s->tlen + 1;
            r->n++;
        } while (tt == T_DELIM);
        if (r->n > 0 || tt == T_EOF)
            return s->failed ? cli_read_error(s) : MLPB_OK;
    }
}


/* R's write.table writes no name over the row names: an empty one goes in
 * front of the header's names. */
static mlpb_status prepend_empty(cli_stream *s, first_rec *r)
{
    size_t  n = r->n + 1;
    size_t *off = malloc(n * sizeof *off), *line = malloc(n * sizeof *line);
    size_t *col = malloc(n * sizeof *col);
    char   *text = malloc(r->len + 1);
    if (off == NULL || line == NULL || col == NULL || text == NULL) {
        free(off), free(line), free(col), free(text);
        return cli_fail_nomem(s, MLPB_E_NOMEM);
    }
    text[0] = '\0';
    memcpy(text + 1, r->text, r->len);
    off[0]  = 0;
    line[0] = r->rec_line;
    col[0]  = 1;
    for (size_t j = 0; j < r->n; j++) {
        off[j + 1]  = r->off[j] + 1;
        line[j + 1] = r->line[j];
        col[j + 1]  = r->col[j];
    }
    size_t rec_line = r->rec_line, len = r->len + 1;
    first_free(r);
    *r = (first_rec){text, len, len, off, line, col, n, n, rec_line};
    return MLPB_OK;
}

/* Are the numbers of header record r consecutive integers (0,1,2,... as
 * pandas names an unnamed frame's columns, or years)? Counts its cells:
 * numbers, missing, others. */
static int numbered_names(const first_rec *r, size_t *numbers, size_t *missing, size_t *others)
{
    float next = 0.0f;
    int   seq  = 1;
    *numbers = *missing = *others = 0;
    for (size_t j = 0; j < r->n; j++) {
        float       v;
        int         exact = 0;
        const char *f     = r->text + r->off[j];
        if (cli_text_to_float_ex(f, &v, &exact) != 0) {
            if (tbl_is_missing(f, strlen(f)))
                (*missing)++;
            else
                (*others)++;
            continue;
        }
        if (*numbers > 0 && (!exact || v != next))
            seq = 0;
        next = v + 1.0f;
        (*numbers)++;
    }
    return seq && *numbers >= 2;
}

/* CLI_HEADER_DETECT: refuse a first record r that is data (d: the record
 * after it, n 0 if none). A record of numbers is names only when they are
 * consecutive integers beside a name or over a row index (an empty first
 * cell, as pandas writes an unnamed frame); otherwise a number over a
 * number is data. */
static mlpb_status check_header(cli_table *t, const first_rec *r, const first_rec *d)
{
    size_t numbers, missing, others;
    int    seq = numbered_names(r, &numbers, &missing, &others);
    if (seq && (others > 0 || r->text[r->off[0]] == '\0'))
        return MLPB_OK;
    if (others == 0 && numbers > 0)
        return cli_fail_at(&t->s, MLPB_E_FORMAT, r->rec_line, 1,
                           "the first line holds numbers only, not column names: "
                           "if the file has no header, use --no-header");
    for (size_t j = 0; d->n == r->n && j < r->n; j++) {
        const char *h = r->text + r->off[j], *c = d->text + d->off[j];
        float       v;
        char        b1[48], b2[48];
        if (cli_text_to_float(h, &v) != 0 || cli_text_to_float(c, &v) != 0)
            continue;
        return cli_fail_at(&t->s, MLPB_E_FORMAT, r->line[j], r->col[j],
                           "the first line looks like data, not column names: \"%s\" is a "
                           "number over a column of numbers (\"%s\" on line %zu); if the "
                           "file has no header, use --no-header (or --header to keep the "
                           "line as names)", cli_shown(h, b1, sizeof b1), cli_shown(c, b2,
                           sizeof b2), d->line[j]);
    }
    return MLPB_OK;
}

/* "DIGITS,DIGITS" with an optional sign: a number with a decimal comma. */
static int comma_number(const unsigned char *p, const unsigned char *e)
{
    if (p < e && (*p == '+' || *p == '-'))
        p++;
    const unsigned char *q = p;
    while (q < e && *q >= '0' && *q <= '9')
        q++;
    if (q == p || q >= e || *q != ',')
        return 0;
    p = ++q;
    while (q < e && *q >= '0' && *q <= '9')
        q++;
    return q > p && q == e;
}

/* The decimal mark: as asked, else ',' when the delimiter is not ',' and a
 * cell of rec (the first data row) or of the rest of the window is a
 * number with a decimal comma. */
static void set_decimal(cli_table *t, const first_rec *rec)
{
    t->decimal = t->o.decimal ? t->o.decimal : '.';
    if (t->o.decimal != 0 || t->delim == ',')
        return;
    int found = 0;
    for (size_t j = 0; rec != NULL && j < rec->n && !found; j++) {
        const unsigned char *f = (const unsigned char *)rec->text + rec->off[j];
        found = comma_number(f, f + strlen((const char *)f));
    }
    const unsigned char *p = t->s.p, *e = t->s.end, *start = p;
    if (e - p > 65536)
        e = p + 65536;
    for (; p <= e && !found; p++) {
        if (p < e && *p != (unsigned char)t->delim && *p != '\n' && *p != '\r')
            continue;
        found = comma_number(start, p);
        start = p + 1;
    }
    if (found) {
        t->decimal          = ',';
        t->decimal_detected = 1;
    }
}

/* The header's names (r, taken), made distinct and non-empty and indexed;
 * the first data record d becomes pending. */
static mlpb_status set_names(cli_table *t, first_rec *r, first_rec *d)
{
    cli_stream *s = &t->s;
    mlpb_status st;
    size_t      len;
    t->header_line = r->rec_line;
    if (r->n > 1 && r->text[r->off[0]] == '\0')
        t->index_col = 0;
    if ((st = cli_names_repair(r->text, r->off, r->n, &t->names, &len, &t->renamed)) !=
        MLPB_OK)
        return cli_fail_nomem(s, st);
    t->name_off = r->off;
    r->off      = NULL;
    tbl_account(t, (int64_t)(len + r->n * sizeof(size_t)));
    for (size_t j = 0; j < r->n; j++)
        t->cols[j].pub.name = t->names + t->name_off[j];
    if (d->n > 0 && d->n != r->n) {
        size_t j = d->n > r->n ? r->n : d->n - 1;
        return cli_fail_at(s, MLPB_E_FORMAT, d->line[j], d->col[j],
                           d->n > r->n ? "too many fields: expected %zu, as on line %zu"
                                       : "too few fields: expected %zu, as on line %zu",
                           r->n, r->rec_line);
    }
    if (d->n > 0) {
        first_rec *p = malloc(sizeof *p);
        if (p == NULL)
            return cli_fail_nomem(s, MLPB_E_NOMEM);
        *p         = *d;
        memset(d, 0, sizeof *d);
        t->pending = p;
    }
    return MLPB_OK;
}

/* Without a header: names "1".."n"; the first record (r, taken) waits for
 * the first read. */
static mlpb_status set_numbers(cli_table *t, first_rec *r)
{
    cli_stream *s   = &t->s;
    size_t      len = 0, cap = 0;
    char        num[CLI_NAME_BUF];
    mlpb_status st;
    if ((t->name_off = malloc(r->n * sizeof *t->name_off)) == NULL)
        return cli_fail_nomem(s, MLPB_E_NOMEM);
    for (size_t j = 0; j < r->n; j++) {
        size_t k = cli_put_size(num, j + 1);
        if ((st = cli_grow((void **)&t->names, &cap, len + k + 1, 1)) != MLPB_OK)
            return cli_fail_nomem(s, st);
        memcpy(t->names + len, num, k + 1);
        t->name_off[j] = len;
        len += k + 1;
    }
    for (size_t j = 0; j < r->n; j++)
        t->cols[j].pub.name = t->names + t->name_off[j];
    tbl_account(t, (int64_t)(cap + r->n * sizeof(size_t)));
    first_rec *p = malloc(sizeof *p);
    if (p == NULL)
        return cli_fail_nomem(s, MLPB_E_NOMEM);
    *p = *r;
    memset(r, 0, sizeof *r);
    t->pending = p;
    return MLPB_OK;
}

mlpb_status csv_open(cli_table *t)
{
    cli_stream *s = &t->s;
    t->delim      = t->o.delimiter ? t->o.delimiter : detect_delimiter(s);
    t->index_col  = -1;
    first_rec   r = {0}, d = {0}; /* the first record; with a header, the next */
    mlpb_status st = read_first(t, &r);
    if (st != MLPB_OK)
        goto done;
    if (r.n == 0) {
        st = cli_fail_at(s, MLPB_E_FORMAT, s->line, s->col, "empty file: no header and no rows");
        goto done;
    }
    if (t->o.header != CLI_HEADER_YES && looks_libsvm(r.text)) {
        st = cli_fail_at(s, MLPB_E_FORMAT, r.rec_line, 1,
                         "this looks like LIBSVM (LABEL INDEX:VALUE ...), not CSV: "
                         "try --format libsvm");
        goto done;
    }
    if (t->o.header != CLI_HEADER_NO) {
        if ((st = read_first(t, &d)) != MLPB_OK)
            goto done;
        /* R's write.table (' ' or tab between fields) names no row-name
         * column: a header one short. */
        if ((t->delim == ' ' || t->delim == '\t') && d.n == r.n + 1 &&
            (st = prepend_empty(s, &r)) != MLPB_OK)
            goto done;
    }
    if (t->o.header == CLI_HEADER_DETECT && (st = check_header(t, &r, &d)) != MLPB_OK)
        goto done;
    set_decimal(t, t->o.header == CLI_HEADER_NO ? &r : &d);
    t->ncols      = r.n;
    t->first_line = r.rec_line;
    /* A column's state is a few hundred bytes: a header of short names can
     * ask for far more than its own size, so the budget comes first. */
    if ((st = tbl_budget(t, (uint64_t)r.n * sizeof *t->cols + cli_name_index_bytes(r.n),
                         r.rec_line, "reading the columns of this line")) != MLPB_OK)
        goto done;
    t->cols = calloc(r.n, sizeof *t->cols);
    if (t->cols == NULL) {
        st = cli_fail_nomem(s, MLPB_E_NOMEM);
        goto done;
    }
    tbl_account(t, (int64_t)(r.n * sizeof *t->cols));
    st = t->o.header != CLI_HEADER_NO ? set_names(t, &r, &d) : set_numbers(t, &r);
    if (st == MLPB_OK) {
        st = cli_name_index_init(&t->name_ix, t->names, t->name_off, t->ncols);
        if (st != MLPB_OK)
            st = cli_fail_nomem(s, st);
        else
            tbl_account(t, (int64_t)cli_name_index_bytes(t->ncols));
    }
done:
    first_free(&r);
    first_free(&d);
    return st;
}

void csv_free_pending(cli_table *t)
{
    first_rec *p = t->pending;
    if (p != NULL) {
        first_free(p);
        free(p);
        t->pending = NULL;
    }
}

mlpb_status csv_read(cli_table *t, size_t max_rows, cli_chunk *c)
{
    cli_stream *s     = &t->s;
    size_t      ncols = t->ncols, n = 0;
    mlpb_status st;
    span        f;
    first_rec  *p = t->pending;
    size_t      lim_x = 0;
    if (max_rows > 0 && cli_mul_size(max_rows, ncols, &lim_x) != MLPB_OK)
        lim_x = 0;
    if (p != NULL) {
        if ((st = tbl_grow_chunk(t, (void **)&c->x, &c->cap_x, ncols, lim_x, sizeof(float),
                                 p->rec_line)) != MLPB_OK ||
            (st = tbl_grow_chunk(t, (void **)&c->line, &c->cap_line, 1, max_rows, sizeof(size_t),
                                 p->rec_line)) != MLPB_OK)
            return st;
        for (size_t j = 0; j < ncols; j++) {
            const char *txt = p->text + p->off[j];
            if ((st = csv_cell(t, j, txt, strlen(txt), p->line[j], p->col[j], &c->x[j],
                                   c->x, 0)) != MLPB_OK)
                return st;
        }
        c->line[0] = p->rec_line;
        n          = 1;
        csv_free_pending(t);
    }
    while (max_rows == 0 || n < max_rows) {
        int ch = cli_peek(s);
        if (ch < 0) {
            t->done = 1;
            break;
        }
        if (ch == '#') {
            cli_skip_line(s);
            continue;
        }
        size_t need;
        if ((st = cli_mul_size(n + 1, ncols, &need)) != MLPB_OK)
            return cli_fail_nomem(s, st);
        if ((st = tbl_grow_chunk(t, (void **)&c->x, &c->cap_x, need, lim_x, sizeof(float),
                                 s->line)) != MLPB_OK ||
            (st = tbl_grow_chunk(t, (void **)&c->line, &c->cap_line, n + 1, max_rows,
                                 sizeof(size_t),
                                 s->line)) != MLPB_OK)
            return st;
        float *row = c->x + n * ncols;
        size_t nf = 0, rec_line = s->line;
        int    tt, blank = 0;
        do {
            tt = csv_field(s, t->delim, &f, &st);
            if (tt == T_ERR)
                return st;
            if (nf == 0 && tt != T_DELIM && !f.quoted && s->tlen == 0) {
                blank = 1;
                break;
            }
            if (nf == 0)
                rec_line = f.line;
            if (nf >= ncols)
                return cli_fail_at(s, MLPB_E_FORMAT, f.line, f.col,
                                   "too many fields: expected %zu, as on line %zu", ncols,
                                   t->first_line);
            if ((st = csv_cell(t, nf, s->tok, s->tlen, f.line, f.col, &row[nf], c->x,
                                   n)) != MLPB_OK)
                return st;
            nf++;
        } while (tt == T_DELIM);
        if (tt == T_EOF && s->failed)
            return cli_read_error(s);
        if (!blank) {
            if (nf < ncols)
                return cli_fail_at(s, MLPB_E_FORMAT, f.end_line, f.end_col,
                                   "%zu field%s, expected %zu as on line %zu", nf,
                                   nf == 1 ? "" : "s", ncols, t->first_line);
            c->line[n++] = rec_line;
        }
        if (tt == T_EOF) {
            t->done = 1;
            break;
        }
    }
    if (s->failed)
        return cli_read_error(s);
    if (t->done && t->rows_read + n == 0)
        return cli_fail_at(s, MLPB_E_FORMAT, s->line, s->col,
                           t->header_line ? "no data rows after the header"
                                          : "empty file: no header and no rows");
    c->n = n;
    return MLPB_OK;
}
