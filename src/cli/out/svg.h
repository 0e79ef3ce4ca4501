/* svg.h -- the tool's charts as plain SVG (svg.c). */
#ifndef MLPB_CLI_SVG_H
#define MLPB_CLI_SVG_H

#include "mlpblas.h"
#include <stddef.h>
#include <stdio.h>

/* The learning curve of h (n epochs). 0, or -1 on a write error. */
int cli_svg_learning_curve(FILE *f, const mlpb_epoch_info *h, size_t n, const char *title);
/* ROC and precision-recall curves of the first 8 outputs; the first
 * output's AUC and average precision in *auc, *ap (may be NULL). */
int cli_svg_roc_pr(FILE *f, const float *prob, const float *y, size_t n, size_t k,
                   char *const *labels, const char *title, double *auc, double *ap);

#endif /* MLPB_CLI_SVG_H */
