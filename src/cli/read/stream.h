/* stream.h -- the byte source under the CSV and LIBSVM readers (private to
 * them): a file descriptor or a memory block, plain or gzip (recognised by
 * its magic bytes, every member of a multi-member file), delivered through
 * a fixed window with the line and column of the next byte, and bounded by
 * a budget of text bytes so that a gzip bomb stops early. Also the pieces
 * both readers share: the current token, messages, number parsing. */
#ifndef MLPB_CLI_STREAM_H
#define MLPB_CLI_STREAM_H

#include "mlpblas.h"

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#if defined(__GNUC__)
#  define CLI_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#  define CLI_PRINTF_LIKE(f, a)
#endif

/* No number or column name needs a megabyte. */
#define CLI_MAX_FIELD_BYTES (1 << 20)

typedef struct cli_stream {
    int                  fd;        /* -1 for memory input */
    int                  own_fd;
    const unsigned char *mem, *mem_end; /* memory input, not yet consumed */
    int                  gz;        /* input is gzip */
    z_stream             z;
    int                  z_live;    /* z is initialised */
    unsigned char       *in;        /* fd input: raw bytes read */
    unsigned char       *win;       /* the window of text (NULL for plain memory) */
    const unsigned char *p, *end;   /* unread part of the window */
    int                  at_eof;    /* the raw input is exhausted */
    int                  failed;    /* 1 a read error or damaged gzip, 2 the text budget,
                                       3 a NUL byte (2 and 3 at line, col) */
    int                  cut_kind;  /* the window ends just before the first byte over
                                       the budget (2) or a NUL byte (3) */
    char                 why[160];  /* what failed */
    uint64_t             bytes;     /* of text delivered so far */
    uint64_t             max_bytes; /* 0: unlimited */
    size_t               line, col; /* position of the next byte */
    const char          *name;
    char                *err;
    size_t               errlen;
    /* A byte range of a file (cli_stream_open_range): the bytes left in the
     * current segment, and the segment that follows it, if any. */
    int                  ranged;
    uint64_t             seg_left;
    int                  have_next;
    uint64_t             next_off, next_len;
    size_t               next_line;
    char                *tok;       /* the current field or token, NUL-terminated */
    size_t               tlen, tcap;
} cli_stream;

/* Open path ("-": standard input) or len bytes at buf. max_bytes bounds the
 * text. On failure the message is written to err. */
mlpb_status cli_stream_open(cli_stream *s, const char *path, uint64_t max_bytes, char *err,
                            size_t errlen);
mlpb_status cli_stream_open_mem(cli_stream *s, const void *buf, size_t len, const char *name,
                                uint64_t max_bytes, char *err, size_t errlen);
/* Open a plain (not gzip) file and deliver only bytes [start, start + len),
 * the first of them counted as line first_line; with head_len > 0, bytes
 * [0, head_len) (whole lines: a CSV header) come first, counted from line
 * 1. Used to read one rank's shard of a file (shard.h). Gzip input is
 * refused (MLPB_E_FORMAT): it cannot be entered in the middle. */
mlpb_status cli_stream_open_range(cli_stream *s, const char *path, uint64_t max_bytes,
                                  uint64_t head_len, uint64_t start, uint64_t len,
                                  size_t first_line, char *err, size_t errlen);
void        cli_stream_close(cli_stream *s);

/* Refill the window; 0 if bytes came, -1 at the end or on failure (then
 * s->failed says which). */
int cli_stream_fill(cli_stream *s);

static inline int cli_peek(cli_stream *s)
{
    if (s->p == s->end && cli_stream_fill(s) != 0)
        return -1;
    return *s->p;
}

static inline int cli_get(cli_stream *s)
{
    if (s->p == s->end && cli_stream_fill(s) != 0)
        return -1;
    int c = *s->p++;
    if (c == '\n') {
        s->line++;
        s->col = 1;
    } else {
        s->col++;
    }
    return c;
}

void cli_skip_line(cli_stream *s);

/* Messages, written to s->err; each returns st. */
mlpb_status CLI_PRINTF_LIKE(5, 6) cli_fail_at(cli_stream *s, mlpb_status st, size_t line,
                                              size_t col, const char *fmt, ...);
mlpb_status CLI_PRINTF_LIKE(3, 4) cli_fail_file(cli_stream *s, mlpb_status st,
                                                const char *fmt, ...);
mlpb_status cli_fail_nomem(cli_stream *s, mlpb_status st);
/* The failure behind an early end of input (s->failed), as a message. */
mlpb_status cli_read_error(cli_stream *s);

/* A field as shown in a message: at most 40 bytes, non-printables as '?'. */
const char *cli_shown(const char *text, char *buf, size_t n);

/* Append n bytes to the token (bounded by CLI_MAX_FIELD_BYTES). The bytes
 * are the next ones of the line, at s->col and not yet counted, so that a
 * field over the bound is reported at the column of its first byte too
 * many, wherever the reads happened to split the input. */
mlpb_status cli_tok_append(cli_stream *s, const void *bytes, size_t n);

/* Strict float parse of a whole NUL-terminated string: 0 ok, 1 not a
 * number, 2 not finite. */
int cli_text_to_float(const char *text, float *out);
/* As cli_text_to_float; *exact receives cli_text_is_exact_int of a number,
 * found in the same pass for plain decimals. */
int cli_text_to_float_ex(const char *text, float *out, int *exact);
/* 1 if text is a decimal integer ("-3", "1.0", "2e3") that v holds exactly. */
int cli_text_is_exact_int(const char *text, float v);

/* Make *cap >= need elements of elsize bytes, growing by half (not
 * doubling, so the overshoot at the end is at most a third). */
mlpb_status cli_grow(void **p, size_t *cap, size_t need, size_t elsize);
mlpb_status cli_mul_size(size_t a, size_t b, size_t *out);
/* Decimal digits of v into buf (>= 21 bytes); returns their count. */
size_t      cli_put_size(char *buf, size_t v);

#endif /* MLPB_CLI_STREAM_H */
