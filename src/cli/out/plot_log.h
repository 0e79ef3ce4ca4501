/* plot_log.h -- the learning-curve CSV of train --log read back for plot
 * (plot_log.c). */
#ifndef MLPB_CLI_PLOT_LOG_H
#define MLPB_CLI_PLOT_LOG_H

#include "mlpblas.h"
#include <stddef.h>
#include <stdio.h>

/* Read a --log CSV from in (path for messages) into *h (n epochs, malloc'd).
 * CLI_OK, or a message and CLI_EDATA. */
int cli_read_log(const char *path, FILE *in, mlpb_epoch_info **h, size_t *n);

#endif /* MLPB_CLI_PLOT_LOG_H */
