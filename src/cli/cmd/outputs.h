/* outputs.h -- the output files of train and demo (outputs.c): every one
 * opened and checked before the work, committed after the report. */
#ifndef MLPB_CLI_OUTPUTS_H
#define MLPB_CLI_OUTPUTS_H

#include "out/write.h"
#include "train/fit.h"

#include <stdio.h>

/* The files a command writes, opened before the work. */
enum { CLI_OUT_MODEL, CLI_OUT_LOG, CLI_OUT_PLOT, CLI_OUT_TRAIN, CLI_OUT_TEST, CLI_N_OUTS };
typedef struct cli_outputs {
    const char *path[CLI_N_OUTS];
    cli_out     w[CLI_N_OUTS];
    FILE       *report;  /* stdout, or stderr when an output is stdout */
} cli_outputs;

/* Check and open every named output. A usage error (2) when two are one
 * file or --json would share standard output; 1 for the file checks. */
int cli_outputs_open(cli_outputs *o, const char *cmd, int json, const cli_inputs *in);

void cli_outputs_abort(cli_outputs *o);

/* Flush the report, then commit every output: nothing is replaced when the
 * report could not be written. */
int cli_outputs_commit(cli_outputs *o, const char *cmd);

/* The model and the chart of a finished run, written to their (not yet
 * committed) outputs. */
int cli_write_results(cli_outputs *o, const cli_fit *fit, const char *title);

#endif /* MLPB_CLI_OUTPUTS_H */
