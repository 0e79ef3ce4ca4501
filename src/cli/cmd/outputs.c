/* outputs.c -- the output files of train and demo (outputs.h). */
#include "cmd/outputs.h"

#include "base/msg.h"
#include "out/svg.h"
#include "out/write.h"
#include "train/fit.h"

#include <string.h>

/* Check and open every named output. A usage error (2) when two are one
 * file or --json would share standard output; 1 for the file checks. */
int cli_outputs_open(cli_outputs *o, const char *cmd, int json, const cli_inputs *in)
{
    int to_stdout = 0;
    o->report     = stdout;
    for (int i = 0; i < CLI_N_OUTS; i++)
        if (o->path[i] != NULL && o->path[i][0] == '\0')
            return cli_usage(cmd, "empty output file name");
    for (int i = 0; i < CLI_N_OUTS; i++)
        to_stdout += o->path[i] != NULL && strcmp(o->path[i], "-") == 0;
    if (to_stdout > 1)
        return cli_usage(cmd, "only one output can be standard output ('-')");
    if (to_stdout && json)
        return cli_usage(cmd, "--json prints to standard output, which an output "
                              "('-') already takes");
    if (to_stdout)
        o->report = stderr;
    if (cli_outs_distinct(o->path, CLI_N_OUTS) != 0)
        return CLI_EUSAGE;
    for (int i = 0; i < CLI_N_OUTS; i++)
        if (o->path[i] != NULL && cli_out_open(&o->w[i], o->path[i], in) != 0) {
            for (int j = 0; j < i; j++)
                cli_out_abort(&o->w[j]);
            return CLI_EDATA;
        }
    return CLI_OK;
}

void cli_outputs_abort(cli_outputs *o)
{
    for (int i = 0; i < CLI_N_OUTS; i++)
        cli_out_abort(&o->w[i]);
}

/* Flush the report, then commit every output: nothing is replaced when the
 * report could not be written. */
int cli_outputs_commit(cli_outputs *o, const char *cmd)
{
    if (o->report == stdout && cli_flush_stdout(cmd) != CLI_OK) {
        cli_outputs_abort(o);
        return CLI_EDATA;
    }
    int rc = CLI_OK;
    for (int i = 0; i < CLI_N_OUTS; i++) {
        if (o->path[i] == NULL)
            continue;
        if (rc == CLI_OK && cli_out_commit(&o->w[i]) != 0)
            rc = CLI_EDATA;
        else
            cli_out_abort(&o->w[i]);
    }
    return rc;
}

/* The model and the chart of a finished run, written to their (not yet
 * committed) outputs. */
int cli_write_results(cli_outputs *o, const cli_fit *fit, const char *title)
{
    if (o->path[CLI_OUT_MODEL] != NULL && cli_save_model(fit->model, &o->w[CLI_OUT_MODEL]) != 0)
        return CLI_EDATA;
    if (o->path[CLI_OUT_PLOT] != NULL &&
        cli_svg_learning_curve(o->w[CLI_OUT_PLOT].f, fit->hist, fit->n_hist, title) != 0)
        return CLI_EDATA;
    return CLI_OK;
}
