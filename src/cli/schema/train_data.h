/* train_data.h -- the training data of `train`: the column options as
 * given, their resolution against a table's header, the schema of a LIBSVM
 * file, and the dense dataset named by a schema. Shared by the one-process
 * reader (read_training_data) and the sharded one of train --mpi. */
#ifndef MLPB_CLI_TRAIN_DATA_H
#define MLPB_CLI_TRAIN_DATA_H

#include "read/data.h"
#include "read/table.h"
#include "schema/schema.h"

#define CLI_MAX_COLSPECS 64

/* The column options of train, as given. */
typedef struct train_cols {
    const char *label[CLI_MAX_COLSPECS], *ignore[CLI_MAX_COLSPECS];
    size_t      n_label, n_ignore;
    const char *categorical[CLI_MAX_COLSPECS]; /* --categorical: features read as
                                                   categories, numbers and all */
    size_t      n_categorical;
    const char *id;
    const char *positive[CLI_MAX_COLSPECS]; /* --positive VALUE or COLUMN=VALUE */
    size_t      n_positive;
    cli_missing missing;
    int         classify; /* --classify: a label of many numbers is a class column */
    int         quiet;    /* no notes */
} train_cols;

/* The columns of a CSV table chosen by tc: label, ignore (each malloc'd,
 * ncols entries, *n used) and id (-1: none); the id and ignored columns are
 * declared to the table as having no categories, so this comes before the
 * first read. A first column without a name (a row index: pandas' to_csv,
 * R's write.csv) is the id when no --id is given, else ignored, unless an
 * option names it; a note says so. The --categorical columns are declared
 * categorical (every cell a category, numbers included); one that is a
 * label, the id or ignored is refused. CLI_OK, or a message and CLI_EDATA
 * (label, ignore freed). */
int cli_train_columns(cli_table *t, const char *path, const train_cols *tc, size_t **label,
                      size_t *n_label, size_t **ignore, size_t *n_ignore, long *id);

/* The notes on how the file was read that train prints (unless quiet):
 * the decimal comma detected, header names repaired, and each feature read
 * as categories although some of its cells are numbers. */
void cli_train_notes(const cli_table *t, const cli_schema *s, const train_cols *tc);

/* A dataset of n rows of encoded x and y (taken), named by the schema. */
int cli_make_data(const cli_schema *s, size_t n, float *x, float *y, cli_data *d);
/* The schema of a LIBSVM file: d features, named by the feature numbers
 * feat (ascending; a compact read) or by position (feat NULL), k binary
 * labels (k 1) or a multi-label set; with the file's class ids
 * (cli_table_class_ids, increasing), one label of negative ids[0] and
 * positive ids[1] (n_ids 2) or a class column of the n_ids = k classes. */
int cli_libsvm_schema(size_t d, size_t k, const uint32_t *feat, const int32_t *ids,
                      size_t n_ids, cli_schema *s);

/* Read the training file whole, choose its columns and encode it. */
int cli_read_training_data(const char *path, const cli_read_opts *ro, const train_cols *tc,
                           cli_data *d, cli_schema *s);

#endif /* MLPB_CLI_TRAIN_DATA_H */
