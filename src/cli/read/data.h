/* data.h -- the dense dataset of the mlpblas tool: a CSV or LIBSVM/svmlight
 * file, plain or gzip-compressed, read (through the typed-cell reader of
 * table.h) into a dense row-major feature matrix and a 0/1 label matrix, for
 * commands that need numbers only. Errors are written to a caller buffer as
 * "FILE:LINE:COLUMN: message"; nothing here prints or exits. */
#ifndef MLPB_CLI_DATA_H
#define MLPB_CLI_DATA_H

#include "read/format.h"

#include "mlpblas.h" /* mlpb_status */

#include <stddef.h>
#include <stdint.h>

/* How to read a file; cli_data_opts_init sets the defaults noted here. */
typedef struct cli_data_opts {
    cli_data_format format;  /* AUTO */
    char        delimiter;    /* CSV: 0 detects ',' ';' or tab from the first line (0) */
    int         header;       /* CSV: the first record names the columns (1), but one of
                                 numbers only is refused (a header-less file: give 0);
                                 0: columns are named "1", "2", ... */
    const char *labels;       /* CSV: comma-separated names of the label columns, in the
                                 order of the outputs; NULL: see n_labels (NULL) */
    size_t      n_labels;     /* CSV with labels NULL: the last n_labels columns are the
                                 labels, 0 reads every column as a feature.
                                 LIBSVM: 0 ignores the labels; 1 reads one binary label
                                 a row (0/1, -1/+1) unless multilabel; k > 1 reads
                                 multi-label rows of class ids 0..k-1 (1) */
    int         multilabel;   /* LIBSVM with n_labels 1: comma-separated class ids,
                                 k = the largest + 1 (0) */
    int         base;         /* LIBSVM indices, as cli_index_base: 0 detects (an index
                                 0 makes the file 0-based), 1 one-based, 2 zero-based (0) */
    size_t      n_features;   /* LIBSVM: exact feature count d (a model's); an index
                                 beyond it is an error; 0 takes the largest seen (0) */
    uint64_t    max_bytes;    /* memory the reader may hold (table.h); 0 unlimited (0) */
    uint64_t    max_text_bytes; /* text after decompression; 0 unlimited (0) */
} cli_data_opts;

/* A dataset read from a file. Every pointer is owned; free with cli_data_free. */
typedef struct cli_data {
    size_t  n, d, k;          /* rows, features, labels (k may be 0) */
    float  *x;                /* n x d, row-major */
    float  *y;                /* n x k, row-major, values 0 or 1; NULL when k is 0 */
    char  **feature_names;    /* d strings; NULL for LIBSVM, whose features are named
                                 1..d (see cli_data_feature_name) */
    char  **label_names;      /* k strings */
    size_t  first_line;       /* line of the header (or of the first row) */
    cli_data_format format;  /* the format actually read */
    char    delimiter;        /* CSV: the delimiter actually used */
    uint32_t *feature_ids;    /* LIBSVM: d feature numbers naming the columns (the
                                 features that occur, when read so); NULL: 1..d */
    char   *names_buf;        /* private: the block every name points into */
    size_t  names_len;        /* private: its size in bytes */
} cli_data;

void cli_data_opts_init(cli_data_opts *o);

/* Read the whole file at path ("-" is standard input) into *out. Gzip input is
 * recognised by its magic bytes, whatever the name.
 * CSV: RFC 4180 quoting ("" inside quotes), CRLF or LF line ends, blank lines
 * and lines starting with '#' skipped, blanks around fields ignored. Every
 * cell must be a finite number (no strings, no missing values); labels must
 * be written 0 or 1 (checked on the text: "1e-300" is not 0).
 * LIBSVM: "LABEL IDX:VAL ..." with increasing indices, 1-based or 0-based
 * (see base), labels 0/1 or -1/+1 (-1 becomes 0), or comma-separated 0-based
 * class ids for multi-label; a row without a label is an error (unless
 * labels are ignored); "qid:N" tokens and "# ..." comments are skipped. Rows
 * are expanded densely, and data so sparse that the n x (d + k) floats would
 * exceed both 64 MB and 64 floats per byte of text is refused
 * (MLPB_E_FORMAT), n_features given or not, as a few bytes can name feature
 * 100000000.
 * Returns MLPB_OK; MLPB_E_INVALID_ARG (NULL argument, bad option);
 * MLPB_E_IO (cannot open or read; gzip stream damaged); MLPB_E_FORMAT (any
 * content error, with its position); MLPB_E_NOMEM (also over max_bytes or
 * max_text_bytes, with a message saying what was needed); MLPB_E_OVERFLOW.
 * On failure *out is zeroed and err (errlen bytes, may be 0) holds one line. */
mlpb_status cli_data_read(const char *path, const cli_data_opts *o, cli_data *out,
                           char *err, size_t errlen);

/* As cli_data_read, from len bytes in memory (plain or gzip); name
 * is used in error messages and for format detection. */
mlpb_status cli_data_read_mem(const void *buf, size_t len, const char *name,
                               const cli_data_opts *o, cli_data *out,
                               char *err, size_t errlen);

/* The name of feature j: feature_names[j], or for LIBSVM the decimal
 * feature_ids[j] (or j + 1) written into buf (len >= 24). */
const char *cli_data_feature_name(const cli_data *d, size_t j, char *buf, size_t len);

/* Free everything d owns and zero it; NULL or a zeroed d is a no-op. */
void cli_data_free(cli_data *d);

/* Split src into two new datasets by the library's stratified split
 * (mlpb_train_split with val_fraction test_fraction and seed; not
 * stratified when k is 0): its held-out rows go to *test, the others to
 * *train. Rows keep their file order. Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, fraction
 * outside (0, 1), a side left empty), MLPB_E_NOMEM; on failure both are zeroed. */
mlpb_status cli_data_split(const cli_data *src, double test_fraction, uint64_t seed,
                           cli_data *train, cli_data *test);


/* Remove the m feature columns listed in cols (distinct indices < d) from d,
 * in place, names included. Returns MLPB_OK or MLPB_E_INVALID_ARG. */
mlpb_status cli_data_drop_features(cli_data *d, const size_t *cols, size_t m);

#endif /* MLPB_CLI_DATA_H */
