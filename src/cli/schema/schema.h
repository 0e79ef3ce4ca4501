/* schema.h -- what a model of the mlpblas tool knows about its data: the
 * feature columns in order (numbers, with their imputation value, or
 * categories one-hot encoded), the label columns and how their values were
 * encoded, the classes of a class column, the id and ignored columns. It is
 * kept in the model's metadata under CLI_SCHEMA_KEY as a versioned text
 * (docs/cli.md, "The schema in a model") that is parsed strictly, as model
 * files are untrusted input. The same layer turns raw table cells
 * (table.h) into the network's inputs and targets, at training time and,
 * by column name, for eval and predict. Nothing here prints; errors go to a
 * caller buffer as one line. */
#ifndef MLPB_CLI_SCHEMA_H
#define MLPB_CLI_SCHEMA_H

#include "mlpblas.h"
#include "read/format.h"
#include "read/table.h"

#include <stddef.h>
#include <stdint.h>

#define CLI_SCHEMA_KEY     "mlpblas.schema"
#define CLI_SCHEMA_VERSION 2 /* 2 adds "index" records; 1 is still read */
/* Bounds of a parsed schema (each checked before anything is allocated). */
#define CLI_SCHEMA_MAX_COLUMNS (1u << 20) /* features, labels, ignored columns */
#define CLI_SCHEMA_MAX_LEVELS  1000u      /* categories of a column, classes */
#define CLI_SCHEMA_MAX_INPUTS  (1u << 24) /* network inputs the schema expands to */

typedef enum cli_task {
    CLI_TASK_BINARY     = 0, /* one label column, two values: one output */
    CLI_TASK_MULTILABEL = 1, /* several two-valued label columns: one output each */
    CLI_TASK_MULTICLASS = 2  /* one class column: one output per class, argmax */
} cli_task;

typedef enum cli_missing {
    CLI_MISSING_ERROR     = 0, /* a missing cell is an error */
    CLI_MISSING_MEAN      = 1, /* numbers: the training mean; categories: all zeros */
    CLI_MISSING_INDICATOR = 2  /* as mean, plus a 0/1 input for each numeric column
                                  that had missing cells in training */
} cli_missing;

typedef struct cli_feature {
    char   *name;
    int     categorical; /* one-hot over levels, in this order */
    char  **levels;
    size_t  n_levels;
    int     impute;      /* numbers: a missing cell takes mean */
    double  mean;
    int     indicator;   /* numbers: a was-missing input follows the value */
} cli_feature;

typedef struct cli_label {
    char *name;
    char *neg, *pos;     /* two-valued labels: the texts read as 0 and 1 */
} cli_label;

typedef struct cli_schema {
    cli_data_format format;   /* CSV or LIBSVM (positional, no names) */
    cli_task         task;
    cli_missing      missing;
    char            *id;       /* id column, or NULL */
    char           **ignore;
    size_t           n_ignore;
    cli_feature     *features; /* CSV */
    size_t           n_features;
    cli_label       *labels;
    size_t           n_labels;
    char           **classes;  /* multi-class: output j is class j */
    size_t           n_classes;
    size_t           d, k;     /* network inputs and outputs */
    uint32_t        *svm_features; /* LIBSVM: the d feature numbers (index, or index + 1
                                  in a 0-based file), increasing, that the inputs are:
                                  the features that occurred in training; NULL: 1..d
                                  (models of schema version 1) */
} cli_schema;

void cli_schema_free(cli_schema *s);

/* The text of s, malloc'd, or NULL when out of memory. */
char *cli_schema_encode(const cli_schema *s);
/* Parse text strictly into *s (zeroed on failure). Returns MLPB_OK,
 * MLPB_E_FORMAT with a message, MLPB_E_NOMEM. */
mlpb_status cli_schema_decode(const char *text, cli_schema *s, char *err, size_t errlen);

/* Check what train guarantees of every schema it writes (cli_schema_decode
 * does): the columns named (id, ignored, labels, features) have distinct
 * names, but for ignored ones among themselves, as do each feature's levels
 * and the classes. O(n log n). Returns MLPB_OK, MLPB_E_FORMAT with a
 * message, MLPB_E_NOMEM. */
mlpb_status cli_schema_check(const cli_schema *s, char *err, size_t errlen);

/* Call fn(ctx, i, name) for each network input i, in order (the names of
 * cli_schema_input_name), in O(d) in all. */
void cli_schema_each_input(const cli_schema *s,
                           void (*fn)(void *ctx, size_t i, const char *name), void *ctx);

/* Store s in m: the metadata entry and the input and output names. */
mlpb_status cli_schema_store(const cli_schema *s, mlpb_model *m);
/* The schema m was trained with. A model without one (format version 1, or
 * written by another program) gets a positional one: features "1".."d" that
 * are matched by position, labels the last k columns. *has is 1 when the
 * model carried a schema. d and k are checked against the network. */
mlpb_status cli_schema_load(const mlpb_model *m, cli_schema *s, int *has, char *err,
                            size_t errlen);

/* The schema of d numeric features and k 0/1 labels with these names, as
 * train builds it for a CSV file of numbers (the demo's data). Returns MLPB_OK
 * or MLPB_E_NOMEM. */
mlpb_status cli_schema_numeric(cli_schema *s, char *const *features, size_t d,
                               char *const *labels, size_t k);

/* Name of network input i (< s->d) / output j (< s->k) into buf. */
const char *cli_schema_input_name(const cli_schema *s, size_t i, char *buf, size_t len);
const char *cli_schema_output_name(const cli_schema *s, size_t j);

/* --------------------------------------------------------- training */
/* What train was asked for; every column index is a table column. */
typedef struct cli_schema_spec {
    const size_t *label_cols;  /* the label columns, in output order */
    size_t        n_label_cols;
    long          id_col;      /* -1: none */
    const size_t *ignore_cols;
    size_t        n_ignore;
    const char *const *positive; /* --positive items: VALUE, or COLUMN=VALUE for one
                                    label column (docs/cli.md, "Labels") */
    size_t        n_positive;
    cli_missing   missing;
    int           classify;    /* 1: a label column of many distinct numbers is a class
                                  column all the same (--classify) */
} cli_schema_spec;

/* What the schema needs to know of one CSV column, from the rows of one
 * table or (train --mpi) summed over the shards of every rank: the facts of
 * cli_column (table.h) that decide the schema, with the same meanings, plus
 * the sum and count of its numbers (imputation means) and, for a label
 * column of numbers, its distinct values. Positions are those of the first
 * cell in file order. */
typedef struct cli_colinfo {
    int     is_string;
    char  **levels;      /* string column: distinct texts (owned) */
    size_t  n_levels;
    size_t  n_missing, first_missing_line, first_missing_col;
    size_t  n_nonint, first_nonint_line, first_nonint_col;
    char    first_nonint_text[48];
    size_t  first_string_line, first_string_col;
    char    first_string_text[48];
    double  sum;         /* of the numeric, non-missing cells */
    size_t  count;       /* how many */
    float  *values;      /* label column of numbers: distinct values, sorted, at most
                            CLI_SCHEMA_MAX_LEVELS + 1 (owned) */
    size_t  n_values;
} cli_colinfo;

/* The ncols infos of t's columns from chunk c (the table read whole); the
 * values of the label columns of spec. Returns MLPB_OK or MLPB_E_NOMEM. */
mlpb_status cli_colinfo_local(const cli_table *t, const cli_chunk *c,
                              const cli_schema_spec *spec, cli_colinfo *info);
void        cli_colinfo_free(cli_colinfo *info, size_t ncols);
/* Serialise ncols infos into *buf (malloc'd, *len bytes); merge the
 * serialised infos of n parts, in part (file) order, into out (ncols):
 * counts and sums added, first positions from the first part that has one,
 * levels and values the sorted union. The same inputs give the same result
 * on every machine of one build. Return MLPB_OK, MLPB_E_NOMEM, MLPB_E_FORMAT
 * (a buffer that does not parse). */
mlpb_status cli_colinfo_pack(const cli_colinfo *info, size_t ncols, unsigned char **buf,
                             size_t *len);
mlpb_status cli_colinfo_merge(const unsigned char *const *bufs, const size_t *lens, size_t n,
                              size_t ncols, cli_colinfo *out);
/* A number as the text a label or level of it is named by. */
void cli_num_text(float v, char *buf, size_t len);
/* "FILE:LINE" of t's header, or "FILE" without one, into buf. */
const char *cli_schema_where(const cli_table *t, char *buf, size_t len);
/* The class (multi-class) or 0/1 index of cell v of label column col for
 * label l of s; -1 if it is neither. */
long cli_schema_label_index(const cli_schema *s, size_t l, const cli_column *col, float v);
/* The answers of cli_schema_label_index for the cells of one label column
 * seen so far (a label column holds a few distinct values; naming a number
 * takes a printf and a class a search of the classes): each distinct value
 * is looked up once, then in O(1) (a text column's by its level, numbers by
 * their bits: eight in place, more in a table). Zero it before the column's
 * first row; free it with cli_label_memo_free. Out of memory, it looks up
 * again instead. */
typedef struct cli_label_memo {
    size_t    n;
    uint32_t  bits[8];
    long      q[8];
    long     *lev;   /* private: by level, -2 not looked up yet */
    size_t    n_lev;
    uint32_t *hkey;  /* private: numbers past the eight, open addressing */
    long     *hq;    /* -2: empty */
    size_t    hn;
} cli_label_memo;
long cli_schema_label_index_memo(const cli_schema *s, size_t l, const cli_column *col, float v,
                                 cli_label_memo *memo);
void cli_label_memo_free(cli_label_memo *memo);

/* Build the schema from a CSV table read whole (chunk c) and encode its rows
 * into x (n x d) and y (n x k), malloc'd. When the inputs are no more than
 * the columns (no one-hot widening), x is c->x encoded in place and taken
 * (c->x set to NULL), so the data is not held twice. Labels of two values:
 * the --positive one (for the column, or the one plain item among them),
 * else the second of 0/1, -1/+1, false/true, no/yes, else the value that
 * sorts second, is 1 (schema_encode.c, positive_of); a single label column
 * of more than two values is a class column. Missing cells follow
 * spec->missing. Returns MLPB_OK, MLPB_E_FORMAT with FILE:LINE:COLUMN,
 * MLPB_E_NOMEM. */
mlpb_status cli_schema_build(const cli_table *t, cli_chunk *c,
                             const cli_schema_spec *spec, cli_schema *s, float **x,
                             float **y, char *err, size_t errlen);

/* As cli_schema_build, the schema decided by info (ncols, cli_colinfo_local
 * or a merge over the shards of several processes) rather than by this
 * table's rows alone: every process that passes the same info builds the
 * same schema, and encodes its own rows with it. A column that is text in
 * info but holds numbers in this table is refused (MLPB_E_FORMAT): its
 * numbers cannot be named as the levels of the other parts. */
mlpb_status cli_schema_build_from(const cli_table *t, cli_chunk *c,
                                  const cli_schema_spec *spec, const cli_colinfo *info,
                                  cli_schema *s, float **x, float **y, char *err,
                                  size_t errlen);

/* ----------------------------------------------------- eval, predict */
/* Where each part of a schema is in one file's columns. */
typedef struct cli_binding {
    const cli_schema *s;
    const cli_table  *t;
    size_t           *feat_col;   /* n_features table columns */
    size_t           *label_col;  /* n_labels table columns, when with_labels */
    int               with_labels;
    long              id_col;     /* -1: none */
    size_t            n_extra;    /* table columns the model does not use */
    size_t           *unseen;     /* n_features: cells of unknown categories */
    size_t          **remap;      /* private: training's first-seen level order to the
                                     schema's, per feature (NULL after training) */
    unsigned char    *used;       /* private: per table column, used by the model */
} cli_binding;

/* Match a CSV table's columns to s by name (LIBSVM: positionally, nothing to
 * match). need_labels: 1 the labels must be there (eval), 0 they are not
 * used (predict). id: the id column wanted (--id), or NULL for the
 * schema's own when the file has it. Declares the categories and classes to
 * the table as closed levels, so this comes before the first read. Returns
 * MLPB_OK, MLPB_E_FORMAT naming every missing column, MLPB_E_NOMEM. */
mlpb_status cli_binding_init(cli_binding *b, const cli_schema *s, cli_table *t,
                             int need_labels, const char *id, char *err, size_t errlen);
void        cli_binding_free(cli_binding *b);
/* Encode chunk c: x (c->n x d) and, with labels, y (c->n x k) and for a
 * multi-class schema cls (c->n class indices; may be NULL). Returns MLPB_OK
 * or MLPB_E_FORMAT (FILE:LINE:COLUMN: a missing cell, a number expected, a
 * label value the model does not know). */
mlpb_status cli_binding_encode(cli_binding *b, const cli_chunk *c, float *x, float *y,
                               size_t *cls, char *err, size_t errlen);
/* The extra-column and unseen-category notes, one line each, or "" when there
 * is nothing to say. */
void cli_binding_extra_note(const cli_binding *b, char *buf, size_t len);
void cli_binding_unseen_note(const cli_binding *b, char *buf, size_t len);

/* Text helpers of the schema room. */
#if defined(__GNUC__)
#  define CLI_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#  define CLI_PRINTF_LIKE(f, a)
#endif
/* The schema text's names of cli_task and cli_missing values, by value. */
extern const char *const cli_schema_task_names[3];
extern const char *const cli_schema_missing_names[3];
/* Write the message to err (errlen bytes, err may be NULL) and return st. */
mlpb_status CLI_PRINTF_LIKE(4, 5) cli_say(mlpb_status st, char *err, size_t errlen,
                                          const char *fmt, ...);
/* A malloc'd copy of s, or NULL. */
char *cli_strdup(const char *s);

#endif /* MLPB_CLI_SCHEMA_H */
