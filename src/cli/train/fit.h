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
    int             hidden_given; /* --hidden given: cli_train_cfg_for_data keeps it */
    int             wd_given;     /* --weight-decay given: the same */
    int             refit_given;  /* --refit or --no-refit given: the same */
    mlpb_train_opts opts;        /* epochs, batch, optimiser, patience, standardize */
    double          val_split;   /* fraction held out for validation, 0 = none */
    float           pos_weight;  /* 0 = auto (negatives / positives per output) */
    uint64_t        seed;
    int             verbosity;
    int             lines;       /* one line per epoch at verbosity 1 */
    size_t          max_memory;  /* bytes the run may use */
    int             class_metrics; /* a class column: the validation rows' class
                                    metrics too (cli_fit.val_mc) */
    size_t          members;     /* networks averaged; 0: auto, as
                                    mlpb_ensemble_members_default */
} cli_train_cfg;

void cli_train_cfg_default(cli_train_cfg *c);
/* The defaults that depend on the data, for what the command line left
 * unset: without --hidden one hidden layer of mlpb_hidden_default(outputs)
 * units, without --weight-decay AdamW's mlpb_weight_decay_default(rows),
 * without --refit or --no-refit mlpb_refit_default of the members.
 * Idempotent. */
void cli_train_cfg_for_data(cli_train_cfg *c, size_t rows, size_t outputs);

typedef struct cli_fit {
    mlpb_model       *model;
    /* The training and validation rows' counts and names; while cli_train
     * runs, val's x and y are a copy of the validation rows (the rows
     * mlpb_train holds out); when it returns both are NULL. Both empty
     * without validation, and val under --mpi (each rank holds its own). */
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
    size_t            members;      /* networks merged into model (1: a single one) */
    float            *chosen;       /* with validation: the parameters, mean and std of
                                       the best epoch so far (cli_fit_on_epoch) */
    int               have_chosen;
    mlpb_epoch_info  *hist;         /* one record an epoch */
    size_t            n_hist, cap_hist;
} cli_fit;

/* Check the memory budget, create and train a model on d with mlpb_train
 * (which holds out the validation rows, stops early and refits), writing
 * the learning curve to log (may be NULL) as CSV; then the metrics of the
 * model the validated run chose on the held-out rows. d is not changed. On
 * failure a message is printed and CLI_EDATA returned; f holds nothing to
 * free. */
int  cli_train(cli_data *d, const cli_train_cfg *c, FILE *log, cli_fit *f);
void cli_fit_free(cli_fit *f);
/* The pieces of cli_train that train --mpi (cmd/train_mpi.c) shares. */
/* Small initial weights: ahead of He's on held-out accuracy over the data
 * sets of bench/accuracy.py (docs/defaults.md). */
#define CLI_INIT MLPB_INIT_FAN_IN
/* 0 if training fits c->max_memory, counting d, the model, mlpb_train's
 * allocations for n_rows rows with c's validation split, and extra bytes;
 * else the message and -1. */
int  cli_check_budget(const cli_data *d, const size_t *sizes, size_t ns,
                      const cli_train_cfg *c, size_t n_rows, double extra);
/* d's rows with pick[i] set (n_pick of them), copied to new *x, *y. */
int  cli_fit_val_rows(const cli_data *d, const unsigned char *pick, size_t n_pick, float **x,
                      float **y);
/* The positive weights into pw (k): c->pos_weight, or for auto (0)
 * negatives over positives of each output among the rows with pick[i] 0
 * (pick NULL: all), n_tr of them over all ranks; reduce (may be NULL) sums
 * the k counts over the ranks. */
int  cli_fit_pos_weights(const cli_data *d, const unsigned char *pick, size_t n_tr,
                         const cli_train_cfg *c, void (*reduce)(uint64_t *, size_t), float *pw);
/* An ensemble: members 2 .. n trained after f->model (member 1, whose
 * validation f describes) by train, all of them in one call, each with the
 * seeds of mlpb_ensemble_member (its weights, split and shuffles) and
 * options o otherwise, then merged into f->model (mlpb_model_merge). train
 * fills reps[0, n) and returns the first failure. The bytes the members and
 * the merged model hold, and those of at_once trainings of train_bytes
 * beside the first (the members trained side by side). */
typedef mlpb_status (*cli_members_fn)(mlpb_model *const *mm, const mlpb_train_opts *oo, size_t n,
                                      void *ctx, mlpb_train_report *reps);
int    cli_fit_members(cli_fit *f, const cli_train_cfg *c, const mlpb_train_opts *o,
                       size_t members, cli_members_fn train, void *ctx);
double cli_fit_members_bytes(const size_t *sizes, size_t ns, size_t members, size_t at_once,
                             double train_bytes);
/* The members of c for n_rows training rows (c->members, or the default). */
size_t cli_fit_members_for(const cli_train_cfg *c, size_t n_rows);
/* f->chosen for f->model (before training with validation); its bytes. */
int    cli_fit_chosen_alloc(cli_fit *f);
double cli_fit_chosen_bytes(const size_t *sizes, size_t ns);
/* The model the validated run chose: f->model itself, or after a refit a
 * new one (the caller destroys it when it is not f->model) with f->chosen. */
int  cli_fit_chosen(cli_fit *f, mlpb_model **out);
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
