/* predict.h -- a model's predictions over many rows, and its metrics on
 * labelled rows (predict.c). */
#ifndef MLPB_CLI_PREDICT_H
#define MLPB_CLI_PREDICT_H

#include "model/metrics.h"
#include "read/data.h"

#include "mlpblas.h"

/* Predict d's rows and compute e (metrics.h): per output (k entries), mean
 * and exact-match. prob (n x k) may be NULL. Returns CLI_OK or prints and
 * CLI_EDATA. */
int cli_evaluate(const mlpb_model *m, const cli_data *d, float *prob, cli_eval *e);
/* Predictions in chunks of CLI_PREDICT_BATCH rows (the same chunking in the
 * tests' reference program keeps the results bitwise equal). */
#define CLI_PREDICT_BATCH 256
int cli_predict_all(const mlpb_model *m, const float *x, size_t n, float *prob);

#endif /* MLPB_CLI_PREDICT_H */
