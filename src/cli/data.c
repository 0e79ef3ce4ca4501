/* data.c -- streaming CSV and LIBSVM readers of the mlpblas tool (see data.h).
 * One pass over the input through a fixed window (zlib's gzread, which reads
 * uncompressed files as they are), appending to arrays that grow
 * geometrically: time is linear in the file size and no cell is allocated on
 * its own. Every error names its position as FILE:LINE:COLUMN (1-based bytes). */
#include "data.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define WINDOW_BYTES   (256u * 1024u)
#define MAX_CLASS_ID   65535        /* LIBSVM multi-label: ids 0..MAX_CLASS_ID */
#define MAX_FEATURE_ID 0x7fffffffu  /* LIBSVM indices fit a uint32 and a BLAS int */
/* LIBSVM data is expanded densely only while the n x (d + k) floats take at
 * most DENSE_RATIO floats per byte of text, or DENSE_MIN_FLOATS (64 MB). */
#define DENSE_RATIO      64u
#define DENSE_MIN_FLOATS ((size_t)16 << 20)

#if defined(__GNUC__)
#  define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#  define PRINTF_LIKE(f, a)
#endif

/* Terminators returned by the field/token scanners. */
enum { T_DELIM, T_EOL, T_EOF, T_TOKEN, T_ERR };

/* Bounds that keep a hostile or broken file (a 100 MB line) from costing more
 * than a few tens of MB before it is refused: no number or column name needs
 * a megabyte, and no dense model a million inputs. */
#define MAX_FIELD_BYTES (1 << 20)
#define MAX_COLUMNS     (1 << 20)

typedef struct reader {
    gzFile               gz;        /* NULL for memory input */
    const unsigned char *p, *end;   /* unread part of the window */
    unsigned char       *win;       /* WINDOW_BYTES, gz input only */
    int                  read_failed;
    uint64_t             bytes;     /* of text read so far (decompressed) */
    size_t               line, col; /* position of the next byte */
    const char          *name;
    char                *err;
    size_t               errlen;
    char                *tok;       /* the current field or token, NUL-terminated */
    size_t               tlen, tcap;
} reader;

/* Where a field or token started, and where its terminator was. */
typedef struct span {
    size_t line, col, end_line, end_col;
    int    quoted;
} span;

/* ------------------------------------------------------------ messages */
static mlpb_status PRINTF_LIKE(5, 6)
fail_at(reader *r, mlpb_status s, size_t line, size_t col, const char *fmt, ...)
{
    if (r->errlen > 0) {
        int     off = snprintf(r->err, r->errlen, "%s:%zu:%zu: ", r->name, line, col);
        va_list ap;
        va_start(ap, fmt);
        if (off >= 0 && (size_t)off < r->errlen)
            vsnprintf(r->err + off, r->errlen - (size_t)off, fmt, ap);
        va_end(ap);
    }
    return s;
}

static mlpb_status PRINTF_LIKE(3, 4) fail_file(reader *r, mlpb_status s, const char *fmt, ...)
{
    if (r->errlen > 0) {
        int     off = snprintf(r->err, r->errlen, "%s: ", r->name);
        va_list ap;
        va_start(ap, fmt);
        if (off >= 0 && (size_t)off < r->errlen)
            vsnprintf(r->err + off, r->errlen - (size_t)off, fmt, ap);
        va_end(ap);
    }
    return s;
}

static mlpb_status fail_nomem(reader *r, mlpb_status s)
{
    return fail_file(r, s, s == MLPB_E_OVERFLOW ? "data too large for this machine"
                                                : "out of memory");
}

/* A field as shown in a message: at most 40 bytes, non-printables as '?'. */
static const char *shown(const char *s, char *buf, size_t n)
{
    size_t i = 0;
    for (; s[i] != '\0' && i + 4 < n && i < 40; i++)
        buf[i] = (s[i] >= 32 && s[i] < 127) ? s[i] : '?';
    if (s[i] != '\0' && i + 3 < n) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

/* --------------------------------------------------------- growth */
/* Make *cap >= need elements of elsize bytes, doubling. */
static mlpb_status grow(void **p, size_t *cap, size_t need, size_t elsize)
{
    if (need <= *cap)
        return MLPB_OK;
    size_t nc = *cap ? *cap : 256;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return MLPB_E_OVERFLOW;
        nc *= 2;
    }
    if (nc > SIZE_MAX / elsize)
        return MLPB_E_OVERFLOW;
    void *q = realloc(*p, nc * elsize);
    if (q == NULL)
        return MLPB_E_NOMEM;
    *p   = q;
    *cap = nc;
    return MLPB_OK;
}

static mlpb_status mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return MLPB_E_OVERFLOW;
    *out = a * b;
    return MLPB_OK;
}

/* Names live in one growable block ("arena"), NUL-terminated one after the
 * other, referred to by offsets until the block stops growing: no allocation
 * per name, and one free. */
typedef struct arena {
    char  *buf;
    size_t len, cap;
} arena;

/* Append n bytes of s and a NUL; *off receives where they start. */
static mlpb_status arena_add(arena *a, const char *s, size_t n, size_t *off)
{
    mlpb_status st = grow((void **)&a->buf, &a->cap, a->len + n + 1, 1);
    if (st != MLPB_OK)
        return st;
    memcpy(a->buf + a->len, s, n);
    a->buf[a->len + n] = '\0';
    *off               = a->len;
    a->len += n + 1;
    return MLPB_OK;
}

/* Decimal digits of v into buf (>= 21 bytes); returns their count. */
static size_t put_size(char *buf, size_t v)
{
    char   t[24];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = t[n - 1 - i];
    return n;
}

/* Hand the arena to out, and point names[i] at offsets off[i]. */
static mlpb_status arena_names(arena *a, const size_t *off, size_t n, char ***names)
{
    *names = malloc((n ? n : 1) * sizeof(char *));
    if (*names == NULL)
        return MLPB_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        (*names)[i] = a->buf + off[i];
    return MLPB_OK;
}

/* ------------------------------------------------------------ input */
static int rd_fill(reader *r)
{
    if (r->gz == NULL || r->read_failed)
        return -1;
    int got = gzread(r->gz, r->win, WINDOW_BYTES);
    if (got <= 0) {
        /* gzread reports a truncated stream (Z_BUF_ERROR) as a plain end. */
        int zerr = Z_OK;
        gzerror(r->gz, &zerr);
        if (got < 0 || zerr != Z_OK)
            r->read_failed = 1;
        return -1;
    }
    r->p   = r->win;
    r->end = r->win + got;
    r->bytes += (uint64_t)got;
    return 0;
}

static int rd_peek(reader *r)
{
    if (r->p == r->end && rd_fill(r) != 0)
        return -1;
    return *r->p;
}

static int rd_get(reader *r)
{
    if (r->p == r->end && rd_fill(r) != 0)
        return -1;
    int c = *r->p++;
    if (c == '\n') {
        r->line++;
        r->col = 1;
    } else {
        r->col++;
    }
    return c;
}

/* The read error behind an early end of input, as a message. */
static mlpb_status read_error(reader *r)
{
    int         zerr = Z_OK;
    const char *msg  = gzerror(r->gz, &zerr);
    if (zerr == Z_ERRNO)
        msg = strerror(errno);
    /* zlib prefixes its messages with the path, which the caller adds too. */
    size_t n = strlen(r->name);
    if (strncmp(msg, r->name, n) == 0 && strncmp(msg + n, ": ", 2) == 0)
        msg += n + 2;
    return fail_file(r, MLPB_E_IO, "read error: %s", msg);
}

/* Append n bytes to the token; on failure the message is written. */
static mlpb_status tok_append(reader *r, const void *s, size_t n)
{
    if (r->tlen + n > MAX_FIELD_BYTES)
        return fail_at(r, MLPB_E_FORMAT, r->line, r->col,
                       "field longer than %d bytes", MAX_FIELD_BYTES);
    mlpb_status st = grow((void **)&r->tok, &r->tcap, r->tlen + n + 1, 1);
    if (st != MLPB_OK)
        return fail_nomem(r, st);
    memcpy(r->tok + r->tlen, s, n);
    r->tlen += n;
    r->tok[r->tlen] = '\0';
    return MLPB_OK;
}

static void skip_line(reader *r)
{
    int c;
    do {
        c = rd_get(r);
    } while (c >= 0 && c != '\n');
}

/* Decimal fast path (Clinger): for m < 2^53 and |e| <= 22, m * 10^e is one
 * correctly rounded double operation, and rounding that double to float is
 * then correct too unless it lies exactly halfway between two floats (or
 * outside the normal float range): those cases, and every other form (hex,
 * inf, nan, long mantissas), go to strtof. Returns 1 if *out was set. */
static int fast_float(const char *s, float *out)
{
#if FLT_EVAL_METHOD == 0
    static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const uint64_t limit = (uint64_t)1 << 53;
    const char    *p     = s;
    uint64_t       m     = 0;
    int            neg = 0, any = 0, e = 0, frac = 0;
    if (*p == '-')
        neg = 1, p++;
    for (; *p >= '0' && *p <= '9'; p++, any = 1) {
        if (m >= limit / 10)
            return 0;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, any = 1, frac++) {
            if (m >= limit / 10)
                return 0;
            m = m * 10 + (uint64_t)(*p - '0');
        }
    }
    if (!any)
        return 0;
    if (*p == 'e' || *p == 'E') {
        int es = 1;
        p++;
        if (*p == '-' || *p == '+')
            es = *p++ == '-' ? -1 : 1;
        if (*p < '0' || *p > '9')
            return 0;
        for (; *p >= '0' && *p <= '9'; p++)
            if ((e = e * 10 + (*p - '0')) > 1000)
                return 0;
        e *= es;
    }
    if (*p != '\0')
        return 0;
    e -= frac;
    if (e < -22 || e > 22)
        return 0;
    double d = e < 0 ? (double)m / p10[-e] : (double)m * p10[e];
    if (d != 0.0) {
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        if (d < 0x1p-126 || (bits & 0x1FFFFFFFu) == 0x10000000u)
            return 0;
    }
    float f = (float)d;
    *out    = neg ? -f : f;
    return 1;
#else
    (void)s;
    (void)out;
    return 0;
#endif
}

/* Strict float parse of a whole NUL-terminated string: 0 ok, 1 not a
 * number, 2 not finite. */
static int parse_float(const char *s, float *out)
{
    if (fast_float(s, out))
        return 0;
    char *end;
    float v = strtof(s, &end);
    if (end == s || *end != '\0')
        return 1;
    if (!isfinite(v))
        return 2;
    *out = v;
    return 0;
}

/* -------------------------------------------------------------- CSV */
static int is_blank(int c, char delim)
{
    return (c == ' ' || c == '\t' || c == '\r') && c != delim;
}

/* Scan one field into r->tok. Returns T_DELIM, T_EOL, T_EOF, or T_ERR with
 * the message written. Blanks (and a CR before LF) around a field go. */
static int csv_field(reader *r, char delim, span *f, mlpb_status *st)
{
    int c;
    r->tlen = 0;
    if ((*st = tok_append(r, "", 0)) != MLPB_OK)
        return T_ERR;
    while ((c = rd_peek(r)) >= 0 && is_blank(c, delim))
        rd_get(r);
    f->line   = r->line;
    f->col    = r->col;
    f->quoted = (c == '"');
    if (f->quoted) {
        rd_get(r);
        for (;;) {
            c = rd_get(r);
            if (c < 0) {
                if (r->read_failed) {
                    *st = read_error(r);
                    return T_ERR;
                }
                *st = fail_at(r, MLPB_E_FORMAT, f->line, f->col,
                              "quoted field not closed before the end of the file");
                return T_ERR;
            }
            if (c == '"') {
                if (rd_peek(r) != '"')
                    break;
                rd_get(r);
            }
            char ch = (char)c;
            if ((*st = tok_append(r, &ch, 1)) != MLPB_OK)
                return T_ERR;
        }
        while ((c = rd_peek(r)) >= 0 && is_blank(c, delim))
            rd_get(r);
        f->end_line = r->line;
        f->end_col  = r->col;
        if (c < 0)
            return T_EOF;
        if (c != delim && c != '\n') {
            *st = fail_at(r, MLPB_E_FORMAT, r->line, r->col,
                          "unexpected character after a closing quote");
            return T_ERR;
        }
        rd_get(r);
        return c == '\n' ? T_EOL : T_DELIM;
    }
    /* Unquoted: copy whole runs of the window up to the terminator. */
    for (;;) {
        if (r->p == r->end && rd_fill(r) != 0) {
            if (r->read_failed) {
                *st = read_error(r);
                return T_ERR;
            }
            f->end_line = r->line;
            f->end_col  = r->col;
            c           = -1;
            break;
        }
        const unsigned char *s = r->p;
        while (s < r->end && *s != (unsigned char)delim && *s != '\n')
            s++;
        size_t n = (size_t)(s - r->p);
        if ((*st = tok_append(r, r->p, n)) != MLPB_OK)
            return T_ERR;
        r->col += n;
        r->p = s;
        if (s < r->end) {
            f->end_line = r->line;
            f->end_col  = r->col;
            c           = rd_get(r);
            break;
        }
    }
    while (r->tlen > 0 && is_blank((unsigned char)r->tok[r->tlen - 1], delim))
        r->tok[--r->tlen] = '\0';
    return c < 0 ? T_EOF : (c == '\n' ? T_EOL : T_DELIM);
}

/* Pick ',' ';' or tab: the most frequent outside quotes on the first line that
 * is neither blank nor a comment, within the first window. */
static char detect_delimiter(reader *r)
{
    if (r->p == r->end)
        rd_fill(r);
    const unsigned char *s = r->p, *e = r->end;
    while (s < e) {
        const unsigned char *t = s;
        while (t < e && (*t == ' ' || *t == '\t' || *t == '\r'))
            t++;
        if (t < e && (*t == '\n' || *s == '#')) {
            while (s < e && *s != '\n')
                s++;
            s++;
            continue;
        }
        break;
    }
    size_t comma = 0, semi = 0, tab = 0;
    int    inq   = 0;
    for (; s < e && (inq || *s != '\n'); s++) {
        if (*s == '"')
            inq = !inq;
        else if (!inq)
            comma += (*s == ','), semi += (*s == ';'), tab += (*s == '\t');
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

/* One parsed cell of the current row, kept until the row is complete. */
typedef struct cell {
    float  v;
    size_t line, col;
} cell;

/* Split the --label list into names, matching header columns. role[j] is the
 * feature index of column j, or -(l + 1) for label l. The names (pointers
 * into out->names_buf) are sorted into out's feature and label lists. */
static mlpb_status build_columns(reader *r, const mlpb_data_opts *o, char **names,
                                 size_t ncols, long *role, mlpb_data *out)
{
    size_t k = 0;
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
                if (strlen(names[j]) == n && memcmp(names[j], s, n) == 0) {
                    hit = j;
                    hits++;
                }
            }
            if (hits == 0)
                return fail_at(r, MLPB_E_FORMAT, out->first_line, 1,
                               "no column named \"%.*s\" for the labels", (int)n, s);
            if (hits > 1)
                return fail_at(r, MLPB_E_FORMAT, out->first_line, 1,
                               "label column name \"%.*s\" appears %zu times", (int)n, s,
                               hits);
            if (role[hit] < 0)
                return fail_at(r, MLPB_E_FORMAT, out->first_line, 1,
                               "label column \"%.*s\" named twice", (int)n, s);
            role[hit] = -(long)(++k);
            if (e == NULL)
                break;
            s = e + 1;
        }
    } else {
        if (o->n_labels >= ncols)
            return fail_at(r, MLPB_E_FORMAT, out->first_line, 1,
                           "%zu column%s, too few for %zu label column%s and a feature",
                           ncols, ncols == 1 ? "" : "s", o->n_labels,
                           o->n_labels == 1 ? "" : "s");
        for (size_t j = ncols - o->n_labels; j < ncols; j++)
            role[j] = -(long)(++k);
    }
    size_t d = ncols - k;
    if (d == 0)
        return fail_at(r, MLPB_E_FORMAT, out->first_line, 1,
                       "every column is a label: no features left");
    out->feature_names = calloc(d, sizeof(char *));
    out->label_names   = calloc(k ? k : 1, sizeof(char *));
    if (out->feature_names == NULL || out->label_names == NULL)
        return fail_nomem(r, MLPB_E_NOMEM);
    size_t f = 0;
    for (size_t j = 0; j < ncols; j++) {
        if (role[j] < 0) {
            out->label_names[-role[j] - 1] = names[j];
        } else {
            role[j]                 = (long)f;
            out->feature_names[f++] = names[j];
        }
    }
    out->d = d;
    out->k = k;
    return MLPB_OK;
}

static mlpb_status read_csv(reader *r, const mlpb_data_opts *o, mlpb_data *out)
{
    mlpb_status st       = MLPB_OK;
    char        delim    = o->delimiter ? o->delimiter : detect_delimiter(r);
    arena       nb       = {0};     /* the names, until they move to out */
    size_t     *noff     = NULL;    /* offset of each column's name in nb */
    size_t      noff_cap = 0;
    char      **names    = NULL;
    cell       *row      = NULL;
    size_t      row_cap  = 0;
    long       *role     = NULL;
    size_t      ncols    = 0;
    int         header   = o->header;
    size_t      x_cap = 0, y_cap = 0;
    char        sbuf[64];

    out->delimiter = delim;
    for (;;) {
        int c = rd_peek(r);
        if (c < 0)
            break;
        if (c == '#') {
            skip_line(r);
            continue;
        }
        size_t nf = 0, rec_line = r->line;
        int    t, blank = 0;
        span   f;
        do {
            t = csv_field(r, delim, &f, &st);
            if (t == T_ERR)
                goto fail;
            if (nf == 0 && t != T_DELIM && !f.quoted && r->tlen == 0) {
                blank = 1;
                break;
            }
            if (nf == 0)
                rec_line = f.line;
            if (nf == MAX_COLUMNS) {
                st = fail_at(r, MLPB_E_FORMAT, f.line, f.col, "more than %d fields on one line",
                             MAX_COLUMNS);
                goto fail;
            }
            if (ncols > 0 && nf >= ncols) {
                st = fail_at(r, MLPB_E_FORMAT, f.line, f.col,
                             "too many fields: expected %zu, as on line %zu", ncols,
                             out->first_line);
                goto fail;
            }
            if (header) {
                if ((st = grow((void **)&noff, &noff_cap, nf + 1, sizeof(size_t))) != MLPB_OK ||
                    (st = arena_add(&nb, r->tok, r->tlen, &noff[nf])) != MLPB_OK)
                    goto nomem;
            } else {
                if ((st = grow((void **)&row, &row_cap, nf + 1, sizeof(cell))) != MLPB_OK)
                    goto nomem;
                row[nf].line = f.line;
                row[nf].col  = f.col;
                if (r->tlen == 0) {
                    st = fail_at(r, MLPB_E_FORMAT, f.line, f.col,
                                 "empty field (missing values are not supported)");
                    goto fail;
                }
                int bad = parse_float(r->tok, &row[nf].v);
                if (bad) {
                    st = fail_at(r, MLPB_E_FORMAT, f.line, f.col, "\"%s\" is %s",
                                 shown(r->tok, sbuf, sizeof sbuf),
                                 bad == 1 ? "not a number" : "not a finite number");
                    goto fail;
                }
            }
            nf++;
        } while (t == T_DELIM);
        if (t == T_EOF && r->read_failed) {
            st = read_error(r);
            goto fail;
        }
        if (blank) {
            if (t == T_EOF)
                break;
            continue;
        }
        if (ncols == 0) {
            out->first_line = rec_line;
            ncols           = nf;
            if (!header) {
                if ((st = grow((void **)&noff, &noff_cap, nf, sizeof(size_t))) != MLPB_OK)
                    goto nomem;
                for (size_t j = 0; j < nf; j++) {
                    char num[24];
                    if ((st = arena_add(&nb, num, put_size(num, j + 1), &noff[j])) != MLPB_OK)
                        goto nomem;
                }
            }
            if ((role = malloc(ncols * sizeof *role)) == NULL ||
                (st = arena_names(&nb, noff, ncols, &names)) != MLPB_OK) {
                st = MLPB_E_NOMEM;
                goto nomem;
            }
            out->names_buf = nb.buf;
            out->names_len = nb.len;
            nb.buf         = NULL;
            if ((st = build_columns(r, o, names, ncols, role, out)) != MLPB_OK)
                goto fail;
            if (header) {
                header = 0;
                if (t == T_EOF)
                    break;
                continue;
            }
        }
        if (nf < ncols) {
            st = fail_at(r, MLPB_E_FORMAT, f.end_line, f.end_col,
                         "%zu field%s, expected %zu as on line %zu", nf, nf == 1 ? "" : "s",
                         ncols, out->first_line);
            goto fail;
        }
        size_t need;
        if ((st = mul_size(out->n + 1, out->d, &need)) != MLPB_OK ||
            (st = grow((void **)&out->x, &x_cap, need, sizeof(float))) != MLPB_OK)
            goto nomem;
        if (out->k > 0 &&
            ((st = mul_size(out->n + 1, out->k, &need)) != MLPB_OK ||
             (st = grow((void **)&out->y, &y_cap, need, sizeof(float))) != MLPB_OK))
            goto nomem;
        float *xr = out->x + out->n * out->d;
        float *yr = out->y ? out->y + out->n * out->k : NULL;
        for (size_t j = 0; j < ncols; j++) {
            if (role[j] >= 0) {
                xr[role[j]] = row[j].v;
                continue;
            }
            size_t l = (size_t)(-role[j] - 1);
            if (row[j].v != 0.0f && row[j].v != 1.0f) {
                st = fail_at(r, MLPB_E_FORMAT, row[j].line, row[j].col,
                             "label \"%s\" must be 0 or 1, not %g",
                             shown(out->label_names[l], sbuf, sizeof sbuf), (double)row[j].v);
                goto fail;
            }
            yr[l] = row[j].v;
        }
        out->n++;
        if (t == T_EOF)
            break;
    }
    if (r->read_failed) {
        st = read_error(r);
        goto fail;
    }
    if (ncols == 0) {
        st = fail_at(r, MLPB_E_FORMAT, r->line, r->col, "empty file: no header and no rows");
        goto fail;
    }
    if (out->n == 0) {
        st = fail_at(r, MLPB_E_FORMAT, r->line, r->col, "no data rows after the header");
        goto fail;
    }
    free(nb.buf);
    free(noff);
    free(names);
    free(row);
    free(role);
    return MLPB_OK;
nomem:
    st = fail_nomem(r, st);
fail:
    free(nb.buf);
    free(noff);
    free(names);
    free(row);
    free(role);
    return st;
}

/* ------------------------------------------------------------ LIBSVM */
/* Next whitespace-separated token of the current line into r->tok: T_TOKEN,
 * or T_EOL (newline or comment consumed), T_EOF. */
static int svm_token(reader *r, span *f, mlpb_status *st)
{
    int c;
    while ((c = rd_peek(r)) == ' ' || c == '\t' || c == '\r')
        rd_get(r);
    if (c < 0) {
        if (r->read_failed) {
            *st = read_error(r);
            return T_ERR;
        }
        return T_EOF;
    }
    if (c == '\n' || c == '#') {
        skip_line(r);
        return T_EOL;
    }
    r->tlen = 0;
    f->line = r->line;
    f->col  = r->col;
    while ((c = rd_peek(r)) >= 0 && c != ' ' && c != '\t' && c != '\r' && c != '\n' &&
           c != '#') {
        char ch = (char)rd_get(r);
        if ((*st = tok_append(r, &ch, 1)) != MLPB_OK)
            return T_ERR;
    }
    return T_TOKEN;
}

typedef struct svm_state {
    uint32_t *idx;
    float    *val;
    size_t    nnz, idx_cap, val_cap;
    size_t   *rowp;          /* n + 1 entries into idx/val */
    size_t    rowp_cap;
    int32_t  *lab;           /* label values or class ids, row after row */
    size_t    nlab, lab_cap;
    size_t   *labp;          /* n + 1 entries into lab */
    size_t    labp_cap;
    size_t    max_idx;
    long      max_id;
    /* Detection (n_labels == 1): a class-id row, and a -1 label, if seen. */
    size_t    multi_line, multi_col, neg_line, neg_col;
} svm_state;

static void svm_free(svm_state *s)
{
    free(s->idx);
    free(s->val);
    free(s->rowp);
    free(s->lab);
    free(s->labp);
}

static mlpb_status svm_label(reader *r, const mlpb_data_opts *o, svm_state *s, const span *f)
{
    char        sbuf[64];
    const char *p     = r->tok;
    size_t      count = 0;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t      n = e ? (size_t)(e - p) : strlen(p);
        size_t      col = f->col + (size_t)(p - r->tok);
        char        num[32];
        char       *end;
        if (n == 0 || n >= sizeof num)
            return fail_at(r, MLPB_E_FORMAT, f->line, col, "bad label \"%s\"",
                           shown(r->tok, sbuf, sizeof sbuf));
        memcpy(num, p, n);
        num[n]   = '\0';
        double v = strtod(num, &end);
        if (end == num || *end != '\0' || !isfinite(v) || v != floor(v) || v < -1.0 ||
            v > MAX_CLASS_ID)
            return fail_at(r, MLPB_E_FORMAT, f->line, col,
                           "label \"%s\" is not 0/1, -1/+1 or a class id",
                           shown(num, sbuf, sizeof sbuf));
        if (o->n_labels > 1 && (v < 0.0 || v >= (double)o->n_labels))
            return fail_at(r, MLPB_E_FORMAT, f->line, col,
                           "class id %s outside 0..%zu of the %zu labels",
                           shown(num, sbuf, sizeof sbuf), o->n_labels - 1, o->n_labels);
        if (v < 0.0 && s->neg_line == 0)
            s->neg_line = f->line, s->neg_col = col;
        if ((v > 1.0 || e != NULL || count > 0) && s->multi_line == 0)
            s->multi_line = f->line, s->multi_col = col;
        mlpb_status st = grow((void **)&s->lab, &s->lab_cap, s->nlab + 1, sizeof(int32_t));
        if (st != MLPB_OK)
            return fail_nomem(r, st);
        s->lab[s->nlab++] = (int32_t)v;
        if ((long)v > s->max_id)
            s->max_id = (long)v;
        count++;
        if (e == NULL)
            return MLPB_OK;
        p = e + 1;
    }
}

static mlpb_status svm_feature(reader *r, const mlpb_data_opts *o, svm_state *s,
                               const span *f, size_t prev)
{
    char        sbuf[64];
    const char *colon = strchr(r->tok, ':');
    if (colon == NULL || colon == r->tok)
        return fail_at(r, MLPB_E_FORMAT, f->line, f->col,
                       "\"%s\" is not INDEX:VALUE", shown(r->tok, sbuf, sizeof sbuf));
    if ((size_t)(colon - r->tok) == 3 && memcmp(r->tok, "qid", 3) == 0)
        return MLPB_OK;
    size_t idx = 0;
    for (const char *p = r->tok; p < colon; p++) {
        if (*p < '0' || *p > '9' || idx > MAX_FEATURE_ID)
            return fail_at(r, MLPB_E_FORMAT, f->line, f->col,
                           "feature index in \"%s\" is not a positive integer",
                           shown(r->tok, sbuf, sizeof sbuf));
        idx = idx * 10 + (size_t)(*p - '0');
    }
    if (idx == 0)
        return fail_at(r, MLPB_E_FORMAT, f->line, f->col, "feature index 0: indices start at 1");
    if (idx > MAX_FEATURE_ID)
        return fail_at(r, MLPB_E_FORMAT, f->line, f->col, "feature index %zu too large", idx);
    if (o->n_features > 0 && idx > o->n_features)
        return fail_at(r, MLPB_E_FORMAT, f->line, f->col,
                       "feature index %zu beyond the %zu features", idx, o->n_features);
    if (idx <= prev)
        return fail_at(r, MLPB_E_FORMAT, f->line, f->col,
                       "feature index %zu after %zu: indices must increase", idx, prev);
    float  v;
    size_t vcol = f->col + (size_t)(colon + 1 - r->tok);
    int    bad  = parse_float(colon + 1, &v);
    if (bad)
        return fail_at(r, MLPB_E_FORMAT, f->line, vcol, "\"%s\" is %s",
                       shown(colon + 1, sbuf, sizeof sbuf),
                       bad == 1 ? "not a number" : "not a finite number");
    mlpb_status st;
    if ((st = grow((void **)&s->idx, &s->idx_cap, s->nnz + 1, sizeof(uint32_t))) != MLPB_OK ||
        (st = grow((void **)&s->val, &s->val_cap, s->nnz + 1, sizeof(float))) != MLPB_OK)
        return fail_nomem(r, st);
    s->idx[s->nnz] = (uint32_t)idx;
    s->val[s->nnz] = v;
    s->nnz++;
    if (idx > s->max_idx)
        s->max_idx = idx;
    return MLPB_OK;
}

static mlpb_status read_libsvm(reader *r, const mlpb_data_opts *o, mlpb_data *out)
{
    svm_state   s = {0};
    mlpb_status st;
    span        f;
    size_t      n   = 0;
    arena       nb  = {0};
    size_t     *off = NULL;
    s.max_id      = -1;

    if ((st = grow((void **)&s.rowp, &s.rowp_cap, 1, sizeof(size_t))) != MLPB_OK ||
        (st = grow((void **)&s.labp, &s.labp_cap, 1, sizeof(size_t))) != MLPB_OK)
        goto nomem;
    s.rowp[0] = s.labp[0] = 0;
    for (;;) {
        int t = svm_token(r, &f, &st);
        if (t == T_ERR)
            goto fail;
        if (t == T_EOF)
            break;
        if (t == T_EOL)
            continue;
        if (n == 0)
            out->first_line = f.line;
        size_t prev = 0;
        if (strchr(r->tok, ':') != NULL) {
            /* No label token: an empty class-id set, so a multi-label file. */
            if (o->n_labels == 1 && s.multi_line == 0)
                s.multi_line = f.line, s.multi_col = f.col;
        } else {
            if (o->n_labels > 0 && (st = svm_label(r, o, &s, &f)) != MLPB_OK)
                goto fail;
            t = svm_token(r, &f, &st);
        }
        while (t == T_TOKEN) {
            if ((st = svm_feature(r, o, &s, &f, prev)) != MLPB_OK)
                goto fail;
            if (s.nnz > s.rowp[n])
                prev = s.idx[s.nnz - 1];
            t = svm_token(r, &f, &st);
        }
        if (t == T_ERR)
            goto fail;
        n++;
        if ((st = grow((void **)&s.rowp, &s.rowp_cap, n + 1, sizeof(size_t))) != MLPB_OK ||
            (st = grow((void **)&s.labp, &s.labp_cap, n + 1, sizeof(size_t))) != MLPB_OK)
            goto nomem;
        s.rowp[n] = s.nnz;
        s.labp[n] = s.nlab;
        if (t == T_EOF)
            break;
    }
    if (r->read_failed) {
        st = read_error(r);
        goto fail;
    }
    if (n == 0) {
        st = fail_at(r, MLPB_E_FORMAT, r->line, r->col, "empty file: no data rows");
        goto fail;
    }
    int multi = o->n_labels > 1 || (o->n_labels == 1 && s.multi_line != 0);
    if (multi && s.neg_line != 0) {
        st = fail_at(r, MLPB_E_FORMAT, s.neg_line, s.neg_col,
                     "label -1 in a multi-label file (class ids from line %zu)", s.multi_line);
        goto fail;
    }
    size_t d = o->n_features ? o->n_features : s.max_idx;
    size_t k = o->n_labels == 0 ? 0 : (multi ? (o->n_labels > 1 ? o->n_labels
                                                                : (size_t)s.max_id + 1)
                                             : 1);
    if (d == 0) {
        st = fail_at(r, MLPB_E_FORMAT, out->first_line, 1, "no features: every row is empty");
        goto fail;
    }
    if (multi && k == 0) {
        st = fail_at(r, MLPB_E_FORMAT, out->first_line, 1, "no class id in any row");
        goto fail;
    }
    size_t nd, nk;
    if ((st = mul_size(n, d, &nd)) != MLPB_OK || (st = mul_size(n, k, &nk)) != MLPB_OK ||
        nd > SIZE_MAX - nk) {
        st = MLPB_E_OVERFLOW;
        goto nomem;
    }
    /* A few bytes of text can name feature 100000000: expanding such data
     * densely would take far more memory than the file, so refuse it unless
     * the caller fixed the width. */
    if (o->n_features == 0 && nd + nk > DENSE_MIN_FLOATS && (nd + nk) / DENSE_RATIO > r->bytes) {
        st = fail_file(r, MLPB_E_FORMAT,
                       "%zu rows x %zu features is too sparse to expand densely "
                       "(%.0f MB from %llu bytes of text)", n, d,
                       (double)(nd + nk) * 4.0 / 1e6, (unsigned long long)r->bytes);
        goto fail;
    }
    out->x = calloc(nd, sizeof(float));
    out->y = k ? calloc(nk, sizeof(float)) : NULL;
    if ((off = malloc((d + k) * sizeof(size_t))) == NULL || out->x == NULL ||
        (k && out->y == NULL)) {
        st = MLPB_E_NOMEM;
        goto nomem;
    }
    out->n = n;
    out->d = d;
    out->k = k;
    for (size_t i = 0; i < n; i++) {
        for (size_t e = s.rowp[i]; e < s.rowp[i + 1]; e++)
            out->x[i * d + s.idx[e] - 1] = s.val[e];
        for (size_t e = s.labp[i]; e < s.labp[i + 1] && k > 0; e++) {
            if (multi)
                out->y[i * k + (size_t)s.lab[e]] = 1.0f;
            else
                out->y[i] = s.lab[e] == 1 ? 1.0f : 0.0f;
        }
    }
    for (size_t j = 0; j < d + k; j++) {
        char   num[32];
        size_t len;
        if (j < d) {
            len = put_size(num, j + 1);
        } else {
            memcpy(num, "label_", 6);
            len = multi ? 6 + put_size(num + 6, j - d) : 5;
        }
        if ((st = arena_add(&nb, num, len, &off[j])) != MLPB_OK)
            goto nomem;
    }
    if ((st = arena_names(&nb, off, d, &out->feature_names)) != MLPB_OK ||
        (st = arena_names(&nb, off + d, k, &out->label_names)) != MLPB_OK)
        goto nomem;
    out->names_buf = nb.buf;
    out->names_len = nb.len;
    free(off);
    svm_free(&s);
    return MLPB_OK;
nomem:
    st = fail_nomem(r, st);
fail:
    free(nb.buf);
    free(off);
    svm_free(&s);
    return st;
}

/* ------------------------------------------------------------- public */
void mlpb_data_opts_init(mlpb_data_opts *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof *o);
    o->format   = MLPB_FORMAT_AUTO;
    o->header   = 1;
    o->n_labels = 1;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

mlpb_data_format mlpb_data_guess_format(const char *path)
{
    if (path == NULL)
        return MLPB_FORMAT_CSV;
    size_t n = strlen(path);
    if (ends_with(path, n, ".gz"))
        n -= 3;
    if (ends_with(path, n, ".svm") || ends_with(path, n, ".libsvm") ||
        ends_with(path, n, ".svmlight"))
        return MLPB_FORMAT_LIBSVM;
    return MLPB_FORMAT_CSV;
}

void mlpb_data_free(mlpb_data *d)
{
    if (d == NULL)
        return;
    free(d->x);
    free(d->y);
    free(d->feature_names);
    free(d->label_names);
    free(d->names_buf);
    memset(d, 0, sizeof *d);
}

static mlpb_status read_any(reader *r, const mlpb_data_opts *o, mlpb_data *out)
{
    mlpb_data_format fmt = o->format;
    if (fmt == MLPB_FORMAT_AUTO)
        fmt = mlpb_data_guess_format(r->name);
    /* A UTF-8 byte-order mark, as spreadsheets write, is not part of the data. */
    if (rd_peek(r) == 0xEF && r->end - r->p >= 3 && memcmp(r->p, "\xEF\xBB\xBF", 3) == 0)
        r->p += 3;
    out->format     = fmt;
    out->first_line = 1;
    mlpb_status st  = fmt == MLPB_FORMAT_LIBSVM ? read_libsvm(r, o, out) : read_csv(r, o, out);
    free(r->tok);
    if (st != MLPB_OK)
        mlpb_data_free(out);
    return st;
}

static mlpb_status check_args(const mlpb_data_opts *o, mlpb_data *out, char *err,
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
    else if (o->format != MLPB_FORMAT_AUTO && o->format != MLPB_FORMAT_CSV &&
             o->format != MLPB_FORMAT_LIBSVM)
        why = "unknown data format";
    else if (o->delimiter == '"' || o->delimiter == '\n' || o->delimiter == '\r' ||
             o->delimiter == '#')
        why = "the delimiter cannot be a quote, a newline or '#'";
    else if (o->labels != NULL && o->labels[0] == '\0')
        why = "empty list of label names";
    if (why == NULL)
        return MLPB_OK;
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s: %s", name ? name : "(null)", why);
    return MLPB_E_INVALID_ARG;
}

mlpb_status mlpb_data_read_mem(const void *buf, size_t len, const char *name,
                               const mlpb_data_opts *o, mlpb_data *out, char *err,
                               size_t errlen)
{
    mlpb_status st = check_args(o, out, err, errlen, name);
    if (st != MLPB_OK)
        return st;
    if (buf == NULL && len > 0)
        return MLPB_E_INVALID_ARG;
    reader r = {0};
    r.p      = buf;
    r.end    = r.p + len;
    r.bytes  = len;
    r.line   = r.col = 1;
    r.name   = name;
    r.err    = err;
    r.errlen = err ? errlen : 0;
    if (len >= 2 && r.p[0] == 0x1f && r.p[1] == 0x8b)
        return fail_file(&r, MLPB_E_FORMAT, "gzip data is read from files only");
    return read_any(&r, o, out);
}

mlpb_status mlpb_data_read(const char *path, const mlpb_data_opts *o, mlpb_data *out,
                           char *err, size_t errlen)
{
    mlpb_status st = check_args(o, out, err, errlen, path);
    if (st != MLPB_OK)
        return st;
    reader r = {0};
    r.line   = r.col = 1;
    r.name   = path;
    r.err    = err;
    r.errlen = err ? errlen : 0;
    if (strcmp(path, "-") == 0) {
        int fd = dup(STDIN_FILENO);
        r.gz   = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (r.gz == NULL && fd >= 0)
            close(fd);
    } else {
        errno = 0;
        r.gz  = gzopen(path, "rb");
    }
    if (r.gz == NULL)
        return fail_file(&r, errno == ENOMEM || errno == 0 ? MLPB_E_NOMEM : MLPB_E_IO,
                         "cannot open: %s", errno ? strerror(errno) : "out of memory");
    r.win = malloc(WINDOW_BYTES);
    if (r.win == NULL || gzbuffer(r.gz, WINDOW_BYTES) != 0) {
        free(r.win);
        gzclose(r.gz);
        return fail_nomem(&r, MLPB_E_NOMEM);
    }
    r.p = r.end = r.win;
    st          = read_any(&r, o, out);
    free(r.win);
    gzclose(r.gz);
    return st;
}

/* ------------------------------------------------------------ subsets */
/* splitmix64: a small seeded generator; the state is the caller's. */
static uint64_t split_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z          = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0, without modulo bias. */
static size_t split_below(uint64_t *s, size_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do {
        v = split_next(s);
    } while (v >= lim);
    return (size_t)(v % n);
}

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
static mlpb_status take_rows(const mlpb_data *src, const unsigned char *pick, int want,
                             size_t count, mlpb_data *dst)
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
        memcpy(dst->names_buf, src->names_buf, src->names_len);
        dst->feature_names =
            rebase_names(src->feature_names, src->d, src->names_buf, dst->names_buf);
        dst->label_names = rebase_names(src->label_names, src->k, src->names_buf, dst->names_buf);
    }
    if (dst->x == NULL || (src->k && dst->y == NULL) || dst->names_buf == NULL ||
        dst->feature_names == NULL || dst->label_names == NULL) {
        mlpb_data_free(dst);
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

mlpb_status mlpb_data_split(const mlpb_data *src, double test_fraction, uint64_t seed,
                            mlpb_data *train, mlpb_data *test)
{
    if (train == NULL || test == NULL)
        return MLPB_E_INVALID_ARG;
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (src == NULL || src->x == NULL || src->n < 2 || !(test_fraction > 0.0) ||
        !(test_fraction < 1.0))
        return MLPB_E_INVALID_ARG;
    size_t        n    = src->n;
    unsigned char *pick = calloc(n, 1);
    size_t        *idx  = malloc(n * sizeof(size_t));
    mlpb_status    st   = MLPB_E_NOMEM;
    if (pick == NULL || idx == NULL)
        goto done;
    uint64_t s      = seed;
    size_t   n_test = 0;
    for (int cls = 0; cls < 2; cls++) {
        /* Class 1: rows whose first label is 1; class 0: the rest (all rows if k = 0). */
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            int c = src->k ? src->y[i * src->k] >= 0.5f : 0;
            if (c == cls)
                idx[m++] = i;
        }
        size_t t = (size_t)floor(test_fraction * (double)m + 0.5);
        /* Partial Fisher-Yates: the first t of a random permutation. */
        for (size_t i = 0; i < t; i++) {
            size_t j = i + split_below(&s, m - i);
            size_t tmp = idx[i];
            idx[i]     = idx[j];
            idx[j]     = tmp;
            pick[idx[i]] = 1;
        }
        n_test += t;
    }
    st = MLPB_E_INVALID_ARG;
    if (n_test == 0 || n_test == n)
        goto done;
    if ((st = take_rows(src, pick, 0, n - n_test, train)) != MLPB_OK)
        goto done;
    if ((st = take_rows(src, pick, 1, n_test, test)) != MLPB_OK)
        mlpb_data_free(train);
done:
    free(pick);
    free(idx);
    return st;
}

mlpb_status mlpb_data_drop_features(mlpb_data *d, const size_t *cols, size_t m)
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
    for (size_t j = 0; j < d->d; j++)
        if (!drop[j])
            d->feature_names[w++] = d->feature_names[j];
    d->d = nd;
    free(drop);
    return MLPB_OK;
}
