/* train_opts.h -- the command line of `mlpblas train` (train_opts.c). */
#ifndef MLPB_CLI_TRAIN_OPTS_H
#define MLPB_CLI_TRAIN_OPTS_H

#include "cmd/outputs.h"
#include "read/table.h"
#include "schema/train_data.h"
#include "train/fit.h"

#include <stddef.h>

/* What the command line of train asks for. */
typedef struct cli_train_args {
    const char   *data_path;
    size_t        threads;   /* --threads, 0 when not given */
    int           json, mpi;
    cli_train_cfg c;
    cli_read_opts o;
    train_cols    cols;
    cli_outputs   outs;      /* the paths; opened by cli_outputs_open */
} cli_train_args;

/* Read argv into *t (zeroed first) and apply --threads. -1 to go on, or
 * the exit status: 0 after --help or --version, else a usage error
 * (printed). */
int cli_train_parse(int argc, char **argv, cli_train_args *t);

#endif /* MLPB_CLI_TRAIN_OPTS_H */
