/* classes.h -- metrics of the mlpblas tool computed from probabilities
 * already predicted (eval reads its data in chunks): the per-output metrics
 * of binary and multi-label models, and for a multi-class model (one output
 * per class, the prediction the highest) accuracy, macro-F1, per-class
 * precision, recall and F1 and the confusion matrix. */
#ifndef MLPB_CLI_CLASSES_H
#define MLPB_CLI_CLASSES_H

#include "cli.h"

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
/* Text report: accuracy, macro-F1, a line a class, the confusion matrix. */
void cli_mc_print(FILE *f, const char *prefix, const cli_mc *m, const char *const *classes);
/* JSON members: classes, class_accuracy, macro_precision, macro_recall, macro_f1,
 * per_class, confusion_matrix. */
void cli_mc_json(cli_json *j, const cli_mc *m, const char *const *classes);

#endif /* MLPB_CLI_CLASSES_H */
