/* classes.c -- metrics from predicted probabilities: per output (the
 * library's mlpb_metrics_compute) and per class for multi-class models. */
#include "classes.h"

#include <stdlib.h>
#include <string.h>

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

int cli_mc_compute(const float *prob, const size_t *cls, size_t n, size_t k, cli_mc *m)
{
    memset(m, 0, sizeof *m);
    m->k         = k;
    m->n         = n;
    m->confusion = calloc(k * k, sizeof(size_t));
    m->support   = calloc(k, sizeof(size_t));
    m->precision = calloc(k, sizeof(double));
    m->recall    = calloc(k, sizeof(double));
    m->f1        = calloc(k, sizeof(double));
    if (!m->confusion || !m->support || !m->precision || !m->recall || !m->f1) {
        cli_mc_free(m);
        return cli_fail("mlpblas: out of memory");
    }
    size_t right = 0;
    for (size_t i = 0; i < n; i++) {
        size_t p = cli_argmax(prob + i * k, k);
        m->confusion[cls[i] * k + p]++;
        m->support[cls[i]]++;
        right += p == cls[i];
    }
    m->accuracy = n ? (double)right / (double)n : 0.0;
    double sum  = 0.0;
    for (size_t c = 0; c < k; c++) {
        size_t tp = m->confusion[c * k + c], predicted = 0;
        for (size_t r = 0; r < k; r++)
            predicted += m->confusion[r * k + c];
        m->precision[c] = predicted ? (double)tp / (double)predicted : 0.0;
        m->recall[c]    = m->support[c] ? (double)tp / (double)m->support[c] : 0.0;
        double pr       = m->precision[c] + m->recall[c];
        m->f1[c]        = pr > 0.0 ? 2.0 * m->precision[c] * m->recall[c] / pr : 0.0;
        sum += m->f1[c];
    }
    /* Macro-F1: the unweighted mean over every class of the model, as
     * scikit-learn's f1_score(average="macro") with all labels given. */
    m->macro_f1 = k ? sum / (double)k : 0.0;
    return CLI_OK;
}

void cli_mc_print(FILE *f, const char *prefix, const cli_mc *m, const char *const *classes)
{
    size_t right = 0;
    for (size_t c = 0; c < m->k; c++)
        right += m->confusion[c * m->k + c];
    fprintf(f, "%saccuracy   %.4f  (%zu of %zu rows: the class with the highest "
               "probability)\n", prefix, m->accuracy, right, m->n);
    fprintf(f, "%smacro f1   %.4f  (mean F1 over the %zu classes)\n", prefix, m->macro_f1,
            m->k);
    fprintf(f, "%s%-14s %9s %8s %8s %8s\n", prefix, "class", "precision", "recall", "f1",
            "support");
    for (size_t c = 0; c < m->k; c++)
        cli_tprintf(f, "%s%-14.14s %9.4f %8.4f %8.4f %8zu\n", prefix, classes[c],
                    m->precision[c], m->recall[c], m->f1[c], m->support[c]);
    fprintf(f, "%sconfusion matrix (rows: true class, columns: predicted class)\n", prefix);
    fprintf(f, "%s%-10s", prefix, "");
    for (size_t c = 0; c < m->k; c++)
        cli_tprintf(f, " %7.7s", classes[c]);
    fputc('\n', f);
    for (size_t r = 0; r < m->k; r++) {
        cli_tprintf(f, "%s%-10.10s", prefix, classes[r]);
        for (size_t c = 0; c < m->k; c++)
            fprintf(f, " %7zu", m->confusion[r * m->k + c]);
        fputc('\n', f);
    }
}

void cli_mc_json(cli_json *j, const cli_mc *m, const char *const *classes)
{
    cli_json_arr(j, "classes");
    for (size_t c = 0; c < m->k; c++)
        cli_json_str(j, NULL, classes[c]);
    cli_json_close(j, ']');
    cli_json_num(j, "class_accuracy", m->accuracy);
    cli_json_num(j, "macro_f1", m->macro_f1);
    cli_json_arr(j, "per_class");
    for (size_t c = 0; c < m->k; c++) {
        cli_json_obj(j, NULL);
        cli_json_str(j, "class", classes[c]);
        cli_json_num(j, "precision", m->precision[c]);
        cli_json_num(j, "recall", m->recall[c]);
        cli_json_num(j, "f1", m->f1[c]);
        cli_json_int(j, "support", m->support[c]);
        cli_json_close(j, '}');
    }
    cli_json_close(j, ']');
    cli_json_arr(j, "confusion_matrix");
    for (size_t r = 0; r < m->k; r++) {
        cli_json_arr(j, NULL);
        for (size_t c = 0; c < m->k; c++)
            cli_json_int(j, NULL, m->confusion[r * m->k + c]);
        cli_json_close(j, ']');
    }
    cli_json_close(j, ']');
}
