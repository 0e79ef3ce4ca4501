/* stream.c -- the readers' byte source and shared helpers (see stream.h).
 * Gzip is inflated here with zlib's inflate rather than gzread, so that the
 * same code reads files, standard input and memory, counts every byte of
 * text against the caller's budget, and tells a damaged or truncated
 * stream from a plain end. */
#include "read/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW_BYTES (256u * 1024u)
#define IN_BYTES     WINDOW_BYTES /* plain input uses this buffer as its window */

/* ------------------------------------------------------------ messages */
static void vput(cli_stream *s, int off, const char *fmt, va_list ap) CLI_PRINTF_LIKE(3, 0);
static void vput(cli_stream *s, int off, const char *fmt, va_list ap)
{
    if (off >= 0 && (size_t)off < s->errlen)
        vsnprintf(s->err + off, s->errlen - (size_t)off, fmt, ap);
}

mlpb_status cli_fail_at(cli_stream *s, mlpb_status st, size_t line, size_t col,
                        const char *fmt, ...)
{
    if (s->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vput(s, snprintf(s->err, s->errlen, "%s:%zu:%zu: ", s->name, line, col), fmt, ap);
        va_end(ap);
    }
    return st;
}

mlpb_status cli_fail_file(cli_stream *s, mlpb_status st, const char *fmt, ...)
{
    if (s->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vput(s, snprintf(s->err, s->errlen, "%s: ", s->name), fmt, ap);
        va_end(ap);
    }
    return st;
}

mlpb_status cli_fail_nomem(cli_stream *s, mlpb_status st)
{
    return cli_fail_at(s, st, s->line, s->col, "%s",
                       st == MLPB_E_OVERFLOW ? "data too large for this machine"
                                             : "out of memory");
}

mlpb_status cli_read_error(cli_stream *s)
{
    if (s->failed == 2 || s->failed == 3)
        return cli_fail_at(s, s->failed == 2 ? MLPB_E_NOMEM : MLPB_E_FORMAT, s->line, s->col,
                           "%s", s->why);
    return cli_fail_file(s, MLPB_E_IO, "%s", s->why);
}

const char *cli_shown(const char *text, char *buf, size_t n)
{
    size_t i = 0;
    for (; text[i] != '\0' && i + 4 < n && i < 40; i++)
        buf[i] = (text[i] >= 32 && text[i] < 127) ? text[i] : '?';
    if (text[i] != '\0' && i + 3 < n) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

/* --------------------------------------------------------- growth */
mlpb_status cli_grow(void **p, size_t *cap, size_t need, size_t elsize)
{
    if (need <= *cap)
        return MLPB_OK;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 3)
            return MLPB_E_OVERFLOW;
        nc += nc / 2;
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

mlpb_status cli_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return MLPB_E_OVERFLOW;
    *out = a * b;
    return MLPB_OK;
}

size_t cli_put_size(char *buf, size_t v)
{
    char   t[24];
    size_t n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        buf[i] = t[n - 1 - i];
    buf[n] = '\0';
    return n;
}

mlpb_status cli_tok_append(cli_stream *s, const void *bytes, size_t n)
{
    if (s->tlen + n > CLI_MAX_FIELD_BYTES)
        return cli_fail_at(s, MLPB_E_FORMAT, s->line,
                           s->col + (CLI_MAX_FIELD_BYTES - s->tlen),
                           "field longer than %d bytes", CLI_MAX_FIELD_BYTES);
    mlpb_status st = cli_grow((void **)&s->tok, &s->tcap, s->tlen + n + 1, 1);
    if (st != MLPB_OK)
        return cli_fail_nomem(s, st);
    memcpy(s->tok + s->tlen, bytes, n);
    s->tlen += n;
    s->tok[s->tlen] = '\0';
    return MLPB_OK;
}

void cli_skip_line(cli_stream *s)
{
    int c;
    do {
        c = cli_get(s);
    } while (c >= 0 && c != '\n');
}

/* ------------------------------------------------------------ input */
static void set_failed(cli_stream *s, int kind, const char *fmt, ...) CLI_PRINTF_LIKE(3, 4);
static void set_failed(cli_stream *s, int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof s->why, fmt, ap);
    va_end(ap);
    s->failed = kind;
    s->p = s->end;
}

/* A NUL byte is never text: rather than let it end a C string early (a
 * cell "1\0002" read as 1), the window is cut just before it, and the next
 * fill fails there, so the readers report the line and column of the NUL
 * itself. The text budget cuts the window the same way at its last byte,
 * so that its message names the first byte over it, wherever the reads
 * split the input. */
static void cut_window(cli_stream *s)
{
    const unsigned char *z = memchr(s->p, 0, (size_t)(s->end - s->p));
    if (s->max_bytes != 0 && s->bytes > s->max_bytes) {
        const unsigned char *b = s->end - (s->bytes - s->max_bytes);
        if (z == NULL || b <= z) {
            s->end      = b;
            s->cut_kind = 2;
            snprintf(s->why, sizeof s->why, "more than %llu bytes of text%s, the limit of "
                     "this read (--max-memory)", (unsigned long long)s->max_bytes,
                     s->gz ? " once decompressed" : "");
            return;
        }
    }
    if (z != NULL) {
        s->end      = z;
        s->cut_kind = 3;
        snprintf(s->why, sizeof s->why, "a NUL byte: not a text file (binary, or UTF-16 text?)");
    }
}

/* Hand got bytes of the window to the readers. */
static void deliver(cli_stream *s, size_t got)
{
    s->bytes += got;
    s->p   = s->win;
    s->end = s->win + got;
    cut_window(s);
}

/* Read raw bytes of a descriptor into buf; returns the count, 0 at the end
 * (s->at_eof set), -1 on error (s->failed set). */
static long raw_read(cli_stream *s, unsigned char *buf, size_t cap)
{
    for (;;) {
        ssize_t got = read(s->fd, buf, cap);
        if (got > 0)
            return (long)got;
        if (got == 0) {
            s->at_eof = 1;
            return 0;
        }
        if (errno != EINTR) {
            set_failed(s, 1, "read error: %s", strerror(errno));
            return -1;
        }
    }
}

/* More compressed input for z; 0 when none is left. */
static long z_refill(cli_stream *s)
{
    if (s->fd < 0 || s->at_eof)
        return 0;
    long got = raw_read(s, s->in, IN_BYTES);
    if (got > 0) {
        s->z.next_in  = s->in;
        s->z.avail_in = (uInt)got;
    }
    return got;
}

/* A window of a ranged stream: never across the end of a segment, so that
 * the line count can jump to the next segment's first line exactly when the
 * readers reach it. */
static int fill_range(cli_stream *s)
{
    while (s->seg_left == 0) {
        if (!s->have_next) {
            s->at_eof = 1;
            return -1;
        }
        if (lseek(s->fd, (off_t)s->next_off, SEEK_SET) < 0) {
            set_failed(s, 1, "read error: cannot seek: %s", strerror(errno));
            return -1;
        }
        s->seg_left  = s->next_len;
        s->line      = s->next_line;
        s->col       = 1;
        s->have_next = 0;
    }
    size_t cap = WINDOW_BYTES;
    if ((uint64_t)cap > s->seg_left)
        cap = (size_t)s->seg_left;
    long got = raw_read(s, s->win, cap);
    if (got == 0) {
        set_failed(s, 1, "read error: the file is shorter than when it was split in shards");
        return -1;
    }
    if (got < 0)
        return -1;
    s->seg_left -= (uint64_t)got;
    deliver(s, (size_t)got);
    return 0;
}

int cli_stream_fill(cli_stream *s)
{
    if (s->cut_kind != 0 && !s->failed) {
        s->failed = s->cut_kind; /* s->why is set */
        s->p      = s->end;
    }
    if (s->failed || s->win == NULL)
        return -1;
    if (!s->gz) {
        if (s->at_eof)
            return -1;
        if (s->ranged)
            return fill_range(s);
        long got = raw_read(s, s->win, WINDOW_BYTES);
        if (got <= 0)
            return -1;
        deliver(s, (size_t)got);
        return 0;
    }
    for (;;) {
        if (s->z.avail_in == 0 && z_refill(s) < 0)
            return -1;
        if (s->z_live == 2) {
            /* One member ended: another may follow, as gzip allows. */
            if (s->z.avail_in == 0) {
                if (s->fd < 0 || s->at_eof)
                    return -1;
                continue;
            }
            if (s->z.next_in[0] != 0x1f) {
                set_failed(s, 1, "read error: bytes after the end of the gzip data");
                return -1;
            }
            inflateReset(&s->z);
            s->z_live = 1;
        }
        s->z.next_out  = s->win;
        s->z.avail_out = WINDOW_BYTES;
        int    r       = inflate(&s->z, Z_NO_FLUSH);
        size_t got     = WINDOW_BYTES - s->z.avail_out;
        if (r == Z_STREAM_END) {
            s->z_live = 2;
            if (s->fd < 0 && s->z.avail_in == 0)
                s->at_eof = 1;
        } else if (r == Z_BUF_ERROR || (r == Z_OK && got == 0)) {
            if (s->z.avail_in == 0 && (s->fd < 0 || s->at_eof) && got == 0) {
                set_failed(s, 1, "read error: gzip data truncated");
                return -1;
            }
        } else if (r != Z_OK) {
            set_failed(s, 1, "read error: gzip data damaged: %s", s->z.msg ? s->z.msg : "inflate failed");
            return -1;
        }
        if (got > 0) {
            deliver(s, got);
            return 0;
        }
    }
}

static mlpb_status start(cli_stream *s, const char *name, uint64_t max_bytes, char *err,
                         size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->fd        = -1;
    s->line      = s->col = 1;
    s->name      = name;
    s->err       = err;
    s->errlen    = err ? errlen : 0;
    s->max_bytes = max_bytes;
    if (s->errlen > 0)
        err[0] = '\0';
    return MLPB_OK;
}

static mlpb_status start_gzip(cli_stream *s)
{
    s->gz  = 1;
    s->win = malloc(WINDOW_BYTES);
    if (s->win == NULL || inflateInit2(&s->z, 15 + 16) != Z_OK)
        return cli_fail_nomem(s, MLPB_E_NOMEM);
    s->z_live = 1;
    s->p = s->end = s->win;
    return MLPB_OK;
}

mlpb_status cli_stream_open_mem(cli_stream *s, const void *buf, size_t len, const char *name,
                                uint64_t max_bytes, char *err, size_t errlen)
{
    start(s, name, max_bytes, err, errlen);
    const unsigned char *b = buf;
    if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
        mlpb_status st = start_gzip(s);
        if (st != MLPB_OK)
            return st;
        s->z.next_in  = (unsigned char *)(uintptr_t)b; /* zlib does not write it */
        s->z.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
        if (len > UINT32_MAX)
            return cli_fail_file(s, MLPB_E_OVERFLOW, "gzip data over 4 GB in memory");
        return MLPB_OK;
    }
    s->p = b;
    s->end = b + len;
    s->bytes = len;
    if (max_bytes != 0 && len > max_bytes)
        return cli_fail_file(s, MLPB_E_NOMEM,
                             "more than %llu bytes of text, the limit of this read",
                             (unsigned long long)max_bytes);
    cut_window(s);
    return MLPB_OK;
}

mlpb_status cli_stream_open(cli_stream *s, const char *path, uint64_t max_bytes, char *err,
                            size_t errlen)
{
    start(s, path, max_bytes, err, errlen);
    if (strcmp(path, "-") == 0) {
        s->fd = STDIN_FILENO;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0)
            return cli_fail_file(s, errno == ENOMEM ? MLPB_E_NOMEM : MLPB_E_IO,
                                 "cannot open: %s", strerror(errno));
        s->own_fd = 1;
    }
    s->in = malloc(IN_BYTES);
    if (s->in == NULL)
        return cli_fail_nomem(s, MLPB_E_NOMEM);
    /* The first bytes say whether the input is gzip. */
    size_t have = 0;
    while (have < 2 && !s->failed && !s->at_eof) {
        long got = raw_read(s, s->in + have, IN_BYTES - have);
        if (got > 0)
            have += (size_t)got;
    }
    if (s->failed)
        return cli_read_error(s);
    if (have >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) {
        mlpb_status st = start_gzip(s);
        if (st != MLPB_OK)
            return st;
        s->z.next_in  = s->in;
        s->z.avail_in = (uInt)have;
        return MLPB_OK;
    }
    /* Plain: the raw buffer is the window. */
    s->win = s->in;
    s->in  = NULL;
    s->p   = s->win;
    s->end = s->win; /* have bytes wait in win: deliver them */
    if (have > 0)
        deliver(s, have);
    return MLPB_OK;
}

mlpb_status cli_stream_open_range(cli_stream *s, const char *path, uint64_t max_bytes,
                                  uint64_t head_len, uint64_t off, uint64_t len,
                                  size_t first_line, char *err, size_t errlen)
{
    start(s, path, max_bytes, err, errlen);
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0)
        return cli_fail_file(s, errno == ENOMEM ? MLPB_E_NOMEM : MLPB_E_IO,
                             "cannot open: %s", strerror(errno));
    s->own_fd = 1;
    unsigned char magic[2];
    if (pread(s->fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        return cli_fail_file(s, MLPB_E_FORMAT, "gzip data cannot be read in shards (--mpi); "
                                               "decompress the file first");
    s->win = malloc(WINDOW_BYTES);
    if (s->win == NULL)
        return cli_fail_nomem(s, MLPB_E_NOMEM);
    s->p = s->end = s->win;
    s->ranged     = 1;
    uint64_t first = head_len > 0 ? 0 : off;
    if (lseek(s->fd, (off_t)first, SEEK_SET) < 0)
        return cli_fail_file(s, MLPB_E_IO, "cannot seek: %s", strerror(errno));
    if (head_len > 0) {
        s->seg_left  = head_len;
        s->have_next = 1;
        s->next_off  = off;
        s->next_len  = len;
        s->next_line = first_line;
    } else {
        s->seg_left = len;
        s->line     = first_line;
    }
    return MLPB_OK;
}

void cli_stream_close(cli_stream *s)
{
    if (s == NULL)
        return;
    if (s->z_live)
        inflateEnd(&s->z);
    if (s->own_fd)
        close(s->fd);
    free(s->in);
    free(s->win);
    free(s->tok);
    s->win = s->in = NULL;
    s->tok = NULL;
    s->z_live = s->own_fd = 0;
}

/* ------------------------------------------------------------ numbers */
/* An optional exponent "e[+-]DIGITS" at *pp: its value into *e (0 without
 * one) and *pp past it. 0 for "e" without digits or |exponent| > 1000. */
static int read_exponent(const char **pp, int *e)
{
    const char *p = *pp;
    int         es = 1, v = 0;
    *e = 0;
    if (*p != 'e' && *p != 'E')
        return 1;
    p++;
    if (*p == '-' || *p == '+')
        es = *p++ == '-' ? -1 : 1;
    if (*p < '0' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((v = v * 10 + (*p - '0')) > 1000)
            return 0;
    *e  = v * es;
    *pp = p;
    return 1;
}

/* Decimal fast path (Clinger): for m < 2^53 and |e| <= 22, m * 10^e is one
 * correctly rounded double operation, and rounding that double to float is
 * then correct too unless it lies exactly halfway between two floats (or
 * outside the normal float range): those cases, and every other form (hex,
 * inf, nan, long mantissas), go to strtof. Returns 1 if *out was set. */
static int fast_float(const char *s, float *out, int *exact)
{
#if FLT_EVAL_METHOD == 0
    static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    static const float p10f[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f,
                                   1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    const uint64_t limit = (uint64_t)1 << 53;
    const char    *p     = s;
    uint64_t       m     = 0;
    int            neg = 0, any = 0, e = 0, frac = 0, frac_nz = 0;
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
            frac_nz |= *p != '0';
        }
    }
    if (!any)
        return 0;
    if (!read_exponent(&p, &e))
        return 0;
    if (*p != '\0')
        return 0;
    const int had_exp = e != 0;
    e -= frac;
    if (e < -22 || e > 22)
        return 0;
    float f;
    if (m < ((uint64_t)1 << 24) && e >= -10 && e <= 10) {
        /* Both operands exact floats: one correctly rounded float
         * operation, never subnormal (m >= 1 gives >= 1e-10) nor infinite. */
        f = e < 0 ? (float)m / p10f[-e] : (float)m * p10f[e];
    } else {
        double d = e < 0 ? (double)m / p10[-e] : (double)m * p10[e];
        if (d != 0.0) {
            uint64_t bits;
            memcpy(&bits, &d, sizeof bits);
            if (d < 0x1p-126 || (bits & 0x1FFFFFFFu) == 0x10000000u)
                return 0;
        }
        f = (float)d;
    }
    *out = neg ? -f : f;
    if (exact != NULL && !had_exp) {
        /* Without an exponent the value is an integer exactly when no
         * fraction digit is nonzero (no 64-bit division a cell). */
        if (frac_nz) {
            *exact = 0;
        } else {
            static const uint64_t u10[20] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
                                             10000000u, 100000000u, 1000000000u,
                                             10000000000u, 100000000000u, 1000000000000u,
                                             10000000000000u, 100000000000000u,
                                             1000000000000000u, 10000000000000000u,
                                             100000000000000000u, 1000000000000000000u,
                                             10000000000000000000u};
            const uint64_t v = frac < 20 ? m / u10[frac] : 0;
            *exact = frac < 20 && (double)f == (double)v;
        }
    } else if (exact != NULL) {
        /* A decimal integer held exactly: m * 10^e with no fraction left,
         * below 2^53, equal to the float. */
        static const uint64_t u10[20] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
                                         10000000u, 100000000u, 1000000000u, 10000000000u,
                                         100000000000u, 1000000000000u, 10000000000000u,
                                         100000000000000u, 1000000000000000u,
                                         10000000000000000u, 100000000000000000u,
                                         1000000000000000000u, 10000000000000000000u};
        uint64_t v = m;
        int      ok = 1;
        if (e < 0)
            ok = -e < 20 && m % u10[-e] == 0, v = ok ? m / u10[-e] : 0;
        else if (e > 0)
            ok = e < 20 && m <= limit / u10[e], v = ok ? m * u10[e] : 0;
        *exact = ok && v <= limit && (double)f == (double)v;
    }
    return 1;
#else
    (void)s;
    (void)out;
    (void)exact;
    return 0;
#endif
}

int cli_text_to_float_ex(const char *text, float *out, int *exact)
{
    if (fast_float(text, out, exact))
        return 0;
    int bad = cli_text_to_float(text, out);
    if (bad == 0)
        *exact = cli_text_is_exact_int(text, *out);
    return bad;
}

int cli_text_to_float(const char *text, float *out)
{
    if (fast_float(text, out, NULL))
        return 0;
    char *end;
    float v = strtof(text, &end);
    if (end == text || *end != '\0')
        return 1;
    if (!isfinite(v))
        return 2;
    *out = v;
    return 0;
}

int cli_text_is_exact_int(const char *text, float v)
{
    const char *p = text;
    uint64_t    m = 0;
    int         digits = 0, any = 0, scale = 0, e; /* value = m * 10^scale */
    if (*p == '-' || *p == '+')
        p++;
    for (; *p >= '0' && *p <= '9'; p++, any = 1) {
        if (m == 0 && *p == '0')
            continue;
        if (++digits > 16)
            return 0;
        m = m * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, any = 1) {
            if (m == 0 && *p == '0') {
                scale--;
                continue;
            }
            if (++digits > 16)
                return 0;
            m = m * 10 + (uint64_t)(*p - '0');
            scale--;
        }
    }
    if (!any)
        return 0;
    if (!read_exponent(&p, &e))
        return 0;
    if (*p != '\0')
        return 0;
    if (m == 0)
        return v == 0.0f;
    long s10 = scale + e;
    while (s10 < 0 && m % 10 == 0)
        m /= 10, s10++;
    if (s10 < 0)
        return 0; /* a fraction */
    for (; s10 > 0; s10--) {
        if (m > ((uint64_t)1 << 53) / 10)
            return 0;
        m *= 10;
    }
    if (m > ((uint64_t)1 << 53))
        return 0;
    return fabs((double)v) == (double)m; /* exactly: both are integers below 2^53 */
}
