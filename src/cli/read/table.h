/* table.h -- the raw interface of the tool's data readers: a CSV or LIBSVM
 * file (plain or gzip, a path, "-" for standard input, or bytes in memory)
 * read as typed cells before any encoding, whole or in chunks of rows, in
 * memory bounded by the caller's budget. Choosing features and labels,
 * encoding labels and categories and imputing missing values is the schema
 * layer's work; this layer only reports what each cell is, where it was,
 * and what every column holds. Errors go to a caller buffer as one line,
 * "FILE:LINE:COLUMN: message" (1-based, COLUMN in bytes) where a position
 * is known; nothing here prints or exits.
 *
 * Typical use:
 *     cli_read_opts o; cli_read_opts_init(&o); o.max_bytes = budget;
 *     cli_table *t; cli_chunk c = {0};
 *     if (cli_table_open(path, &o, &t, err, sizeof err) != MLPB_OK) ...
 *     while ((st = cli_table_read(t, 4096, &c, err, sizeof err)) == MLPB_OK && c.n > 0)
 *         ... c.x[i * c.ncols + j], c.line[i], cli_table_column(t, j) ...
 *     cli_chunk_free(&c); cli_table_close(t);
 * (max_rows 0 reads the whole file as one chunk, as training does.) */
#ifndef MLPB_CLI_TABLE_H
#define MLPB_CLI_TABLE_H

#include "read/format.h"

#include "mlpblas.h" /* mlpb_status */

#include <stddef.h>
#include <stdint.h>

/* The default cap on distinct strings in one CSV column. */
#define CLI_MAX_LEVELS_DEFAULT 1000
/* Room for any name cli_table_name formats ("4294967296" and a NUL). */
#define CLI_NAME_BUF 24

typedef enum cli_header_mode {
    CLI_HEADER_DETECT = 0, /* the first record names the columns, but one made of
                              numbers only (and missing cells) is refused with a
                              message suggesting --no-header */
    CLI_HEADER_YES    = 1, /* the first record names the columns, whatever it holds */
    CLI_HEADER_NO     = 2  /* no header: columns are named "1", "2", ... */
} cli_header_mode;

typedef enum cli_index_base {
    CLI_BASE_DETECT = 0, /* 1-based, unless an index 0 appears (scikit-learn's
                            dump_svmlight_file writes 0-based files): then the
                            whole file is read as 0-based. In chunked reading an
                            index 0 after the first chunk is an error instead. */
    CLI_BASE_ONE    = 1, /* 1-based: index 0 is an error */
    CLI_BASE_ZERO   = 2  /* 0-based: index i is feature i + 1 */
} cli_index_base;

/* How to read a file; cli_read_opts_init sets the defaults noted here. */
typedef struct cli_read_opts {
    cli_data_format format;     /* AUTO: by name (see cli_data_guess_format) */
    char             delimiter;  /* CSV: 0 detects ',' ';' tab or, on a line with none of
                                    them, ' ' (R's write.table) from the first line (0) */
    char             decimal;    /* CSV: the decimal mark of numbers, '.' or ','; 0
                                    detects ',' when the delimiter is not ',' and a
                                    cell of the first data row or of the rest of the
                                    first window reads as DIGITS,DIGITS (0) */
    cli_header_mode  header;     /* CSV (DETECT) */
    size_t           max_levels; /* CSV: distinct strings a column may hold; one more is
                                    an error at its FILE:LINE:COLUMN
                                    (CLI_MAX_LEVELS_DEFAULT) */
    /* LIBSVM */
    int              multilabel; /* 0: one label a row, an integer (a class id):
                                    0/1 make one 0/1 output; two other ids (-1/+1
                                    too) one output, 1 for the larger; more
                                    than two ids one output an id, one-hot, in
                                    increasing order (cli_table_class_ids); a
                                    class-id list or a non-integer is an error at its
                                    line. 1: comma-separated class ids
                                    0..n_classes-1, possibly none (0) */
    int              binary_labels; /* not multilabel: only 0/1 and -1/+1 (-1 reads as
                                    0) are labels, another is an error at its line
                                    (cli_data_read) (0) */
    const int32_t   *class_ids;  /* not multilabel: the ids a model was trained on
                                    (kept by the caller until close): 2, negative then
                                    positive, one 0/1 output; more, increasing, one
                                    output each; another id is an error at its line.
                                    NULL: decided by the file read whole as above, or
                                    in chunks 0/1 and -1/+1 (-1 reads as 0) (NULL) */
    size_t           n_class_ids;
    int              ignore_labels; /* 1: the label token is optional and discarded,
                                       k is 0 (0) */
    size_t           n_classes;  /* multilabel: k; 0 takes the largest id + 1 (whole-file
                                    reads only) (0) */
    size_t           n_features; /* d, fixed: an index above it is an error; 0 takes the
                                    largest index seen (whole-file reads only) (0) */
    cli_index_base   base;       /* DETECT */
    /* A LIBSVM file's feature number is its index (1-based files) or index + 1
     * (0-based files): the number a model's columns are named by. */
    int              compact;    /* whole-file reads without n_features: the columns
                                    are the features that occur, in increasing order
                                    (cli_table_features), not 1..the largest, as a
                                    feature that never occurs carries nothing (0) */
    const uint32_t  *features;   /* with n_features: column j holds feature number
                                    features[j] (n_features of them, increasing;
                                    kept by the caller until close); NULL: column j
                                    is feature j + 1 (NULL) */
    int              drop_unknown; /* with n_features: an index no column holds is
                                    skipped and counted (cli_table_dropped) rather
                                    than an error, as a model ignores what it was not
                                    trained on (0) */
    /* Bounds, for any caller (train, eval, predict) */
    uint64_t         max_bytes;  /* memory the table may hold at once: cells, line
                                    numbers, the columns' state (~300 bytes each),
                                    levels, names, sparse staging and the dense
                                    expansion of LIBSVM rows; over it the read fails
                                    (MLPB_E_NOMEM) with a message saying how much
                                    would be needed. Not counted: fixed buffers of
                                    about 0.6 MB and one field (at most 1 MiB).
                                    0: unlimited (0) */
    uint64_t         max_text_bytes; /* bytes of text (after decompression) the file may
                                        have; bounds a gzip bomb before it costs time.
                                        0: unlimited (0) */
} cli_read_opts;

/* What one CSV column has held so far (counts are cumulative over every
 * chunk read since the table was opened). Positions are 0 while none. */
typedef struct cli_column {
    const char *name;       /* header name; "1", "2", ... without a header */
    int         is_string;  /* a non-numeric, non-missing cell was seen, or the caller
                               declared the column categorical (cli_table_set_levels):
                               its cells are level indices from the chunk in which it
                               became one (a whole-file read: every row). A column
                               mixing numbers and strings is a string column; a
                               number in it is a level keyed by its value ("1" and
                               "1.0" are one level); a number read before the first
                               string is named by the shortest text that reads back
                               as its float ("1.0" and "1" -> "1", "0.10" -> "0.1"),
                               later ones by their own text. */
    int         declared;   /* categorical by cli_table_set_levels, not by its cells */
    char      **levels;     /* string column: the distinct texts, first-seen order */
    size_t      n_levels;
    size_t      first_string_line, first_string_col; /* the first non-numeric cell */
    char        first_string_text[48]; /* its text, cut to fit */
    /* Missing cells: empty (unquoted or ""), or one of NA, N/A, NaN, NULL, ?
     * (any case): a NAN cell, in numeric and string columns alike. */
    size_t      n_missing;
    size_t      first_missing_line, first_missing_col;
    /* Numeric cells whose text is not a decimal integer held exactly by its
     * float ("0.5", "1e-300", "1.00000001", "16777217", hex): with n_nonint 0,
     * a column whose floats are all 0 or 1 was written as integers 0 and 1. */
    size_t      n_nonint;
    size_t      first_nonint_line, first_nonint_col;
    char        first_nonint_text[48]; /* that cell's text, cut to fit */
    /* Numeric cells other than a text exactly 0 or 1 (as n_nonint, "1e-300" and
     * "1.00000001" count): the check of a 0/1 label column on its text. */
    size_t      n_not01;
    size_t      first_not01_line, first_not01_col;
    char        first_not01_text[48];
    size_t      n_unseen;   /* closed levels: cells outside them (cell -1) */
    size_t      n_numbers;  /* cells that read as numbers (in a string column too:
                               a mostly numeric column turned categorical by a few
                               texts has many) */
} cli_column;

/* Rows read by one cli_table_read. The caller owns it: zero it before the
 * first read; a later read reuses its buffers; free with cli_chunk_free. The
 * caller may take x, y or line (set the pointer to NULL before the next read
 * or free) to keep them, e.g. for training. */
typedef struct cli_chunk {
    size_t  n;      /* rows; 0 at the end of the file */
    size_t  ncols;  /* cells a row: CSV columns, or LIBSVM features d */
    float  *x;      /* n x ncols, row-major: the number; NAN for a missing cell; in a
                       string column the level index (exact as a float below 2^24,
                       the level cap's limit), -1 for a cell outside closed levels.
                       LIBSVM: the dense row, 0 where no INDEX:VALUE names it */
    size_t  k;      /* LIBSVM labels a row (1 binary, n_classes multi-label, 0 when
                       ignored); 0 for CSV, whose labels are columns of x */
    float  *y;      /* n x k, row-major, 0 or 1; NULL when k is 0 */
    size_t *line;   /* n: the source line of each row */
    size_t  cap_x, cap_y, cap_line; /* private: capacities in elements */
} cli_chunk;

typedef struct cli_table cli_table;

void cli_read_opts_init(cli_read_opts *o);

/* CSV header names: the header record's names with every empty name made
 * "Unnamed: J" (J the 0-based column) and every repeat made NAME.1, NAME.2,
 * ..., as pandas reads such a header back (names.h), so that the columns of
 * a table always have distinct names. A header one field shorter than the
 * first data row (R's write.table, with row names) gets an empty name in
 * front. Under CLI_HEADER_DETECT a first record is refused as a header
 * (MLPB_E_FORMAT, suggesting --no-header or --header) when it holds numbers
 * only, or numbers over numbers in the first data row, unless its numbers
 * are consecutive integers (pandas' names of an unnamed frame's columns). */

/* Open path ("-" is standard input; gzip recognised by its magic bytes,
 * whatever the name) and, for CSV, read the header record (or name the
 * columns 1..n from the first record with CLI_HEADER_NO). Returns MLPB_OK;
 * MLPB_E_INVALID_ARG (NULL, bad option); MLPB_E_IO (cannot open or read,
 * gzip stream damaged); MLPB_E_FORMAT (a content error, an all-number
 * first line under DETECT, an empty file); MLPB_E_NOMEM; MLPB_E_OVERFLOW.
 * On failure *out is NULL and err (errlen bytes, may be 0) holds one line. */
mlpb_status cli_table_open(const char *path, const cli_read_opts *o, cli_table **out,
                           char *err, size_t errlen);

/* As cli_table_open, from len bytes in memory (plain or gzip), which must
 * stay valid until cli_table_close; name is used in messages and for AUTO. */
mlpb_status cli_table_open_mem(const void *buf, size_t len, const char *name,
                               const cli_read_opts *o, cli_table **out, char *err,
                               size_t errlen);

/* As cli_table_open, reading only a byte range of a plain file: bytes
 * [start, start + len), the first counted as line first_line, after bytes
 * [0, head_len) when head_len > 0 (a CSV header that the range lacks). For
 * one rank's shard (shard.h); gzip is refused. */
mlpb_status cli_table_open_range(const char *path, const cli_read_opts *o, uint64_t head_len,
                                 uint64_t start, uint64_t len, size_t first_line,
                                 cli_table **out, char *err, size_t errlen);

/* Read up to max_rows rows (0: every remaining row) into *c. c->n is 0 at
 * the end of the file; a file with no data row at all is MLPB_E_FORMAT on the
 * first read. A LIBSVM chunked read (max_rows > 0) needs n_features, and a
 * multi-label one n_classes. Returns as cli_table_open; after an error the
 * table only accepts cli_table_close. */
mlpb_status cli_table_read(cli_table *t, size_t max_rows, cli_chunk *c, char *err,
                           size_t errlen);

/* Declare column j (CSV, before the first read) categorical with the n
 * levels given (n may be 0), in that order: every cell of it becomes a level
 * index, numbers included. closed 1: a cell outside them reads as -1 and is
 * counted in n_unseen, none is added (predict with a model's categories);
 * closed 0: new ones are appended (up to max_levels). Returns MLPB_OK,
 * MLPB_E_INVALID_ARG (j out of range, after a read, LIBSVM, a repeated or
 * NULL level), MLPB_E_NOMEM (memory, or the levels would pass max_bytes: the
 * table's message says so). On an error the column keeps no level of the
 * list and reads as an undeclared one. */
mlpb_status cli_table_set_levels(cli_table *t, size_t j, const char *const *levels, size_t n,
                                 int closed);

/* Columns of the table: CSV columns; LIBSVM: n_features, or the largest
 * feature index seen so far. */
size_t cli_table_ncols(const cli_table *t);

/* CSV column j (< ncols), valid until cli_table_close (its levels pointer
 * may change across reads); NULL for LIBSVM or j out of range. */
const cli_column *cli_table_column(const cli_table *t, size_t j);

/* The name of column j: the CSV column's name, or for LIBSVM (and out of
 * range) the decimal feature number of the column (j + 1 unless compact or
 * features) formatted into buf (len >= CLI_NAME_BUF bytes), so that a
 * million features cost no names. */
const char *cli_table_name(const cli_table *t, size_t j, char *buf, size_t len);

cli_data_format cli_table_format(const cli_table *t);
char             cli_table_delimiter(const cli_table *t);  /* CSV: the one used */
size_t           cli_table_header_line(const cli_table *t); /* 0 without a header */
const char      *cli_table_path(const cli_table *t);        /* the name given */
/* CSV: the column named name (len bytes), or -1; O(1). */
long             cli_table_find(const cli_table *t, const char *name, size_t len);
/* CSV: 0 when the header's first name was empty (a row index, as pandas'
 * to_csv and R's write.csv and write.table write it), else -1. */
long             cli_table_index_column(const cli_table *t);
/* CSV: header names changed to make them distinct and non-empty. */
size_t           cli_table_renamed(const cli_table *t);
/* CSV: the decimal mark read ('.' or ','); *detected 1 when it was ','
 * by detection rather than asked for (detected may be NULL). */
char             cli_table_decimal(const cli_table *t, int *detected);
/* A hint for a column name not found ("; did you mean ...", the list of
 * the columns when there are few) appended to buf. */
void             cli_table_name_hint(const cli_table *t, const char *name, size_t len,
                                     char *buf, size_t buflen);
/* LIBSVM: 1 if the file was read as 0-based (given or detected). */
int              cli_table_zero_based(const cli_table *t);
/* LIBSVM read whole with compact: the feature numbers of the columns
 * (*n = cli_table_ncols of them, increasing), valid until close; NULL
 * otherwise. */
const uint32_t  *cli_table_features(const cli_table *t, size_t *n);
/* LIBSVM read whole, one label a row, without class_ids: the distinct
 * class ids, increasing (*n of them), when they are not 0/1 (then c->k is 1
 * for two of them, else *n); valid until close; NULL otherwise. */
const int32_t   *cli_table_class_ids(const cli_table *t, size_t *n);
/* LIBSVM with drop_unknown: INDEX:VALUE pairs skipped so far, and the line
 * and index of the first (either pointer may be NULL). */
uint64_t         cli_table_dropped(const cli_table *t, size_t *first_line,
                                   size_t *first_index);
/* Bytes of memory the table holds now, its own (levels, names, staging). */
uint64_t         cli_table_bytes(const cli_table *t);

/* Free everything t owns; NULL is a no-op. Chunks stay the caller's. */
void cli_table_close(cli_table *t);

/* Free the buffers c owns and zero it; NULL is a no-op. */
void cli_chunk_free(cli_chunk *c);

#endif /* MLPB_CLI_TABLE_H */
