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
    double  accuracy, macro_f1;
} cli_mc;

/* From n x k probabilities and the n true classes. CLI_OK or CLI_EDATA. */
int  cli_mc_compute(const float *prob, const size_t *cls, size_t n, size_t k, cli_mc *m);
void cli_mc_free(cli_mc *m); /* NULL is a no-op */
/* Text report: accuracy, macro-F1, a line a class, the confusion matrix. */
void cli_mc_print(FILE *f, const char *prefix, const cli_mc *m, const char *const *classes);
/* JSON members: accuracy_argmax, macro_f1, per_class, confusion_matrix. */
void cli_mc_json(cli_json *j, const cli_mc *m, const char *const *classes);

#endif /* MLPB_CLI_CLASSES_H */
