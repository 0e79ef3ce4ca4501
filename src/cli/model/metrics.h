/* metrics.h -- metrics of the mlpblas tool computed from probabilities
 * already predicted (eval reads its data in chunks): the per-output metrics
 * of binary and multi-label models, and for a multi-class model (one output
 * per class, the prediction the highest) accuracy, macro-F1, per-class
 * precision, recall and F1 and the confusion matrix. */
#ifndef MLPB_CLI_METRICS_H
#define MLPB_CLI_METRICS_H

#include "mlpblas.h"

#include <stddef.h>

/* Per-output (k entries), mean and exact-match metrics of n rows. */
typedef struct cli_eval {
    mlpb_metrics *per;     /* k */
    mlpb_metrics  mean;
    double        exact;
    double        seconds;
    size_t      (*conf)[4]; /* k: true/false positives, true/false negatives at 0.5 */
} cli_eval;
void cli_eval_free(cli_eval *e);

/* e from n x k probabilities and labels (e->seconds left 0). CLI_OK, or a
 * message and CLI_EDATA. */
int cli_eval_probs(const float *prob, const float *y, size_t n, size_t k, cli_eval *e);

/* The index of the largest of k probabilities (the first on a tie). */
size_t cli_argmax(const float *p, size_t k);

typedef struct cli_mc {
    size_t  k, n;
    size_t *confusion;     /* k x k: row the true class, column the predicted */
    size_t *support;       /* k: rows of each true class */
    double *precision, *recall, *f1; /* k; 0 where undefined */
    double  accuracy;      /* rows whose class of highest probability is the true one */
    double  macro_precision, macro_recall, macro_f1; /* unweighted means over the k classes */
} cli_mc;

/* From n x k probabilities and the n true classes. CLI_OK or CLI_EDATA. */
int  cli_mc_compute(const float *prob, const size_t *cls, size_t n, size_t k, cli_mc *m);
/* The pieces of cli_mc_compute, for counts gathered in parts (each epoch's
 * validation, rows spread over processes): a zeroed m of k classes (CLI_OK,
 * or a message and CLI_EDATA); add n rows to the confusion matrix, the true
 * class of row i cls[i] or, with cls NULL, the largest of onehot's k values;
 * the metrics from the confusion matrix (support and n included). */
int  cli_mc_alloc(size_t k, cli_mc *m);
void cli_mc_count(cli_mc *m, const float *prob, const size_t *cls, const float *onehot,
                  size_t n);
void cli_mc_finish(cli_mc *m);
/* What "accuracy", "precision", "recall" and "f1" mean for a multi-class
 * model wherever the tool reports a metrics record (text, JSON, the epoch
 * lines, --log, MPI): the class accuracy and the macro averages of m, put
 * into mean in place of the one-vs-rest means at threshold 0.5. The loss, AUC
 * and AP stay the means over the outputs (one-vs-rest). */
void cli_mc_apply(const cli_mc *m, mlpb_metrics *mean);
void cli_mc_free(cli_mc *m); /* NULL is a no-op */

#endif /* MLPB_CLI_METRICS_H */
