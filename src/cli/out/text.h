/* text.h -- the aligned text reports of metrics (text.c). */
#ifndef MLPB_CLI_TEXT_H
#define MLPB_CLI_TEXT_H

#include "model/metrics.h"
#include "read/data.h"

#include <stdio.h>

/* Aligned text report of e for the labels of d, each line prefixed. */
void cli_print_metrics(FILE *f, const char *prefix, const cli_eval *e, const cli_data *d);
/* A multi-class model's report: accuracy, macro-F1, a line a class, the
 * confusion matrix. */
void cli_mc_print(FILE *f, const char *prefix, const cli_mc *m, const char *const *classes);

#endif /* MLPB_CLI_TEXT_H */
