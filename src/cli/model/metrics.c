/* metrics.c -- metrics from predicted probabilities: per output (the
 * library's mlpb_metrics_compute) and per class for multi-class models. */
#include "model/metrics.h"

#include "base/msg.h"

#include <stdlib.h>
#include <string.h>

void cli_eval_free(cli_eval *e)
{
    free(e->per);
    free(e->conf);
    e->per  = NULL;
    e->conf = NULL;
}

int cli_eval_probs(const float *prob, const float *y, size_t n, size_t k, cli_eval *e)
{
    memset(e, 0, sizeof *e);
    e->per  = calloc(k ? k : 1, sizeof *e->per);
    e->conf = calloc(k ? k : 1, sizeof *e->conf);
    if (e->per == NULL || e->conf == NULL) {
        cli_eval_free(e);
        return cli_fail("mlpblas: out of memory");
    }
    mlpb_status st = mlpb_metrics_compute(prob, y, n, k, NULL, e->per, &e->mean, &e->exact);
    if (st != MLPB_OK) {
        cli_eval_free(e);
        return cli_fail("mlpblas: metrics failed: %s", mlpb_strerror(st));
    }
    for (size_t i = 0; i < n; i++)
        for (size_t l = 0; l < k; l++) {
            int p = prob[i * k + l] >= 0.5f, t = y[i * k + l] >= 0.5f;
            e->conf[l][0] += p && t;
            e->conf[l][1] += p && !t;
            e->conf[l][2] += !p && !t;
            e->conf[l][3] += !p && t;
        }
    return CLI_OK;
}

size_t cli_argmax(const float *p, size_t k)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (p[j] > p[best])
            best = j;
    return best;
}

void cli_mc_free(cli_mc *m)
{
    if (m == NULL)
        return;
    free(m->confusion);
    free(m->support);
    free(m->precision);
    free(m->recall);
    free(m->f1);
    memset(m, 0, sizeof *m);
}

int cli_mc_alloc(size_t k, cli_mc *m)
{
    memset(m, 0, sizeof *m);
    m->k         = k;
    m->confusion = calloc(k > 0 ? k * k : 1, sizeof(size_t));
    m->support   = calloc(k ? k : 1, sizeof(size_t));
    m->precision = calloc(k ? k : 1, sizeof(double));
    m->recall    = calloc(k ? k : 1, sizeof(double));
    m->f1        = calloc(k ? k : 1, sizeof(double));
    if (!m->confusion || !m->support || !m->precision || !m->recall || !m->f1) {
        cli_mc_free(m);
        return cli_fail("mlpblas: out of memory");
    }
    return CLI_OK;
}

void cli_mc_count(cli_mc *m, const float *prob, const size_t *cls, const float *onehot,
                  size_t n)
{
    const size_t k = m->k;
    for (size_t i = 0; i < n; i++) {
        size_t t = cls != NULL ? cls[i] : cli_argmax(onehot + i * k, k);
        m->confusion[t * k + cli_argmax(prob + i * k, k)]++;
    }
}

void cli_mc_finish(cli_mc *m)
{
    const size_t k     = m->k;
    size_t       right = 0, n = 0;
    for (size_t c = 0; c < k; c++) {
        m->support[c] = 0;
        for (size_t p = 0; p < k; p++)
            m->support[c] += m->confusion[c * k + p];
        right += m->confusion[c * k + c];
        n += m->support[c];
    }
    m->n        = n;
    m->accuracy = n ? (double)right / (double)n : 0.0;
    double sp = 0.0, sr = 0.0, sf = 0.0;
    for (size_t c = 0; c < k; c++) {
        size_t tp = m->confusion[c * k + c], predicted = 0;
        for (size_t r = 0; r < k; r++)
            predicted += m->confusion[r * k + c];
        m->precision[c] = predicted ? (double)tp / (double)predicted : 0.0;
        m->recall[c]    = m->support[c] ? (double)tp / (double)m->support[c] : 0.0;
        double pr       = m->precision[c] + m->recall[c];
        m->f1[c]        = pr > 0.0 ? 2.0 * m->precision[c] * m->recall[c] / pr : 0.0;
        sp += m->precision[c];
        sr += m->recall[c];
        sf += m->f1[c];
    }
    /* Macro averages: the unweighted mean over every class of the model, as
     * scikit-learn's precision_recall_fscore_support(average="macro") with all
     * labels given. */
    m->macro_precision = k ? sp / (double)k : 0.0;
    m->macro_recall    = k ? sr / (double)k : 0.0;
    m->macro_f1        = k ? sf / (double)k : 0.0;
}

int cli_mc_compute(const float *prob, const size_t *cls, size_t n, size_t k, cli_mc *m)
{
    if (cli_mc_alloc(k, m) != CLI_OK)
        return CLI_EDATA;
    cli_mc_count(m, prob, cls, NULL, n);
    cli_mc_finish(m);
    return CLI_OK;
}

void cli_mc_apply(const cli_mc *m, mlpb_metrics *mean)
{
    mean->accuracy  = m->accuracy;
    mean->precision = m->macro_precision;
    mean->recall    = m->macro_recall;
    mean->f1        = m->macro_f1;
}
