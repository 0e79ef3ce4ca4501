/* fit.h -- the training routine that train and demo share (fit.c), the
 * pieces of it that train --mpi shares, and the training's epoch callback
 * with its --log rows. */
#ifndef MLPB_CLI_FIT_H
#define MLPB_CLI_FIT_H

#include "model/metrics.h"
#include "read/data.h"
#include "train/progress.h"

#include "mlpblas.h"
#include <stdint.h>
#include <stdio.h>

#define CLI_MAX_HIDDEN 32

/* Verbosity: --quiet 0, default 1, --verbose 2. */
typedef struct cli_train_cfg {
    size_t          hidden[CLI_MAX_HIDDEN];
    size_t          n_hidden;
    mlpb_train_opts opts;        /* epochs, batch, optimiser, patience, standardize */
    double          val_split;   /* fraction held out for validation, 0 = none */
    float           pos_weight;  /* 0 = auto (negatives / positives per output) */
    uint64_t        seed;
    int             verbosity;
    int             lines;       /* one line per epoch at verbosity 1 */
    size_t          max_memory;  /* bytes the run may use */
    int             class_metrics; /* a class column: the validation rows' class
                                    metrics too (cli_fit.val_mc) */
} cli_train_cfg;

void cli_train_cfg_default(cli_train_cfg *c);

typedef struct cli_fit {
    mlpb_model       *model;
    /* The training and validation rows' counts and names. While cli_train
     * runs they are views of its data, partitioned in place (train rows
     * first); when it returns the data is in file order again and their x
     * and y are NULL. Both empty without validation. */
    cli_data         train, val;
    size_t            n_train;      /* rows the saved model was trained on */
    size_t            n_val;        /* train --mpi: rows held out over all ranks (val
                                       stays empty: each rank holds its own) */
    int               ranks;        /* train --mpi: processes; 0 otherwise */
    size_t            n_first;      /* train --mpi: training rows of the run that chose
                                       the epochs (over all ranks) */
    size_t            refit_epochs; /* epochs of the refit on all rows, 0 without */
    double            rows_seen;    /* training rows processed, both runs */
    size_t            k;
    float            *pos_weight;   /* k: the weights used */
    mlpb_train_report report;
    cli_eval          val_eval;     /* metrics on val of the model that chose the epochs */
    struct cli_mc    *val_mc;       /* with class_metrics: that model's class metrics on
                                       val, or NULL */
    double            seconds;
    mlpb_epoch_info  *hist;         /* one record an epoch */
    size_t            n_hist, cap_hist;
} cli_fit;

/* Choose validation rows, check the memory budget, create and train a
 * model on d, writing the learning curve to log (may be NULL) as CSV. The
 * validation rows are set apart by reordering d's rows in place, so the
 * data is held once; d is back in file order when this returns, success
 * or not. On failure a message is printed and CLI_EDATA returned; f holds
 * nothing to free. */
int  cli_train(cli_data *d, const cli_train_cfg *c, FILE *log, cli_fit *f);
void cli_fit_free(cli_fit *f);
/* The pieces of cli_train that train --mpi (cmd/train_mpi.c) shares. */
/* Small initial weights: ahead of He's on held-out accuracy over the data
 * sets of bench/accuracy.py (docs/defaults.md). */
#define CLI_INIT MLPB_INIT_FAN_IN
/* The schedule's step counts for epochs epochs of n rows. */
void cli_set_schedule(mlpb_train_opts *o, size_t n, size_t epochs);
/* 0 if training fits c->max_memory, counting d (with n_val > 0, also the
 * buffer that moves the validation rows and a byte a row marking them), the
 * model, mlpb_train's allocations for n_train and n_val rows, and extra
 * bytes; else the message and -1. */
int  cli_check_budget(const cli_data *d, const size_t *sizes, size_t ns,
                      const cli_train_cfg *c, size_t n_train, size_t n_val, double extra);
/* The epoch callback: progress, --log row, history (ctx a cli_train_ctx). */
int  cli_fit_on_epoch(const mlpb_epoch_info *e, void *ctx);
/* The header of the --log CSV and one row of it. */
#define CLI_LOG_HEADER "epoch,train_loss,val_loss,val_accuracy,val_precision,val_recall," \
                       "val_f1,val_auc,seconds,samples_per_s,best_epoch"
void cli_log_row(FILE *f, const mlpb_epoch_info *e);

/* A multi-class model's class metrics on the validation rows, each epoch:
 * the buffers, made before training so that an epoch allocates nothing. */
typedef struct cli_val_classes {
    const float    *x, *y;   /* this process's validation rows, y one-hot */
    size_t          n, k;
    float          *prob;    /* n x k */
    mlpb_workspace *ws;
    struct cli_mc  *mc;
    /* train --mpi: add the k x k confusion counts of every rank, in place
     * (collective: each rank's callback calls it at each epoch); NULL alone. */
    void          (*reduce)(size_t *counts, size_t n);
} cli_val_classes;
/* For model m's validation rows x, y (n of them; n may be 0 under --mpi).
 * CLI_OK, or a message and CLI_EDATA. */
int  cli_val_classes_init(cli_val_classes *v, const mlpb_model *m, const float *x,
                          const float *y, size_t n, size_t k);
void cli_val_classes_free(cli_val_classes *v);
/* Bytes cli_val_classes_init takes for n rows of a network of sizes[0..ns). */
double cli_val_classes_bytes(const size_t *sizes, size_t ns, size_t n);

typedef struct cli_train_ctx {
    cli_progress    *progress;
    FILE            *log;
    cli_fit         *fit;
    int              failed;    /* out of memory for the history */
    int              refitting; /* the epochs are the refit's, on all rows */
    cli_val_classes *classes;   /* a class column: the epoch's validation metrics are
                                   the class ones (cli_mc_apply); NULL otherwise */
} cli_train_ctx;

#endif /* MLPB_CLI_FIT_H */
