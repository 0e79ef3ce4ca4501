/* progress.h -- what training shows on standard error (progress.c): a bar
 * on a terminal, else a line an epoch. Verbosity: --quiet 0, default 1,
 * --verbose 2. */
#ifndef MLPB_CLI_PROGRESS_H
#define MLPB_CLI_PROGRESS_H

#include "mlpblas.h"
#include <stddef.h>

typedef struct cli_progress {
    int    bar, lines, verbose;
    size_t epochs, n_rows, batch;
    double t_start, t_draw;
    double ema;          /* smoothed batch loss */
    size_t ema_n;
    int    drawn;
} cli_progress;
/* The width of the terminal at fd, 0 when it is not one. */
int  cli_term_columns(int fd);
void cli_progress_init(cli_progress *p, int verbosity, int lines, size_t epochs,
                       size_t n_rows, size_t batch);
/* The batch callback; ctx is a cli_train_ctx (fit.h). */
int  cli_progress_batch(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx);
void cli_progress_epoch(cli_progress *p, const mlpb_epoch_info *e);
void cli_progress_clear(cli_progress *p);

#endif /* MLPB_CLI_PROGRESS_H */
