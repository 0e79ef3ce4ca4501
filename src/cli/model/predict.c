/* predict.c -- a model's predictions over many rows (model/predict.h), in
 * batches of CLI_PREDICT_BATCH rows, and its metrics on labelled rows. */
#include "model/predict.h"

#include "base/clock.h"
#include "base/msg.h"
#include "model/metrics.h"
#include "read/data.h"

#include <stdlib.h>
#include <string.h>

int cli_predict_all(const mlpb_model *m, const float *x, size_t n, float *prob)
{
    mlpb_workspace *ws = NULL;
    size_t          mb = n < CLI_PREDICT_BATCH ? n : CLI_PREDICT_BATCH;
    mlpb_status     st = mlpb_workspace_create(m, mb, NULL, &ws);
    if (st == MLPB_OK)
        st = mlpb_predict(m, ws, x, n, prob);
    mlpb_workspace_destroy(ws);
    if (st != MLPB_OK)
        return cli_fail("mlpblas: prediction failed: %s", mlpb_strerror(st));
    return CLI_OK;
}

int cli_evaluate(const mlpb_model *m, const cli_data *d, float *prob, cli_eval *e)
{
    memset(e, 0, sizeof *e);
    size_t k   = d->k;
    float *own = NULL;
    if (prob == NULL) {
        if ((own = malloc(d->n * k * sizeof(float))) == NULL)
            return cli_fail("mlpblas: out of memory");
        prob = own;
    }
    e->per  = calloc(k, sizeof *e->per);
    e->conf = calloc(k, sizeof *e->conf);
    if (e->per == NULL || e->conf == NULL) {
        free(own);
        cli_eval_free(e);
        return cli_fail("mlpblas: out of memory");
    }
    double t0 = cli_now();
    int    rc = cli_predict_all(m, d->x, d->n, prob);
    if (rc == CLI_OK) {
        mlpb_status st = mlpb_metrics_compute(prob, d->y, d->n, k, NULL, e->per, &e->mean,
                                              &e->exact);
        if (st != MLPB_OK)
            rc = cli_fail("mlpblas: metrics failed: %s", mlpb_strerror(st));
    }
    e->seconds = cli_now() - t0;
    for (size_t i = 0; i < d->n && rc == CLI_OK; i++)
        for (size_t l = 0; l < k; l++) {
            int p = prob[i * k + l] >= 0.5f, y = d->y[i * k + l] >= 0.5f;
            e->conf[l][0] += p && y;
            e->conf[l][1] += p && !y;
            e->conf[l][2] += !p && !y;
            e->conf[l][3] += !p && y;
        }
    free(own);
    if (rc != CLI_OK)
        cli_eval_free(e);
    return rc;
}
