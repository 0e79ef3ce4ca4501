/* text.c -- the aligned text reports of metrics on standard output
 * (out/text.h): one binary output's figures, a table of several outputs,
 * and a multi-class model's classes with their confusion matrix. */
#include "out/text.h"

#include "base/term.h"
#include "model/metrics.h"
#include "read/data.h"

static void print_row(FILE *f, const char *prefix, const char *name, const mlpb_metrics *m)
{
    cli_tprintf(f, "%s%-14.14s %8.4f %8.4f %9.4f %8.4f %8.4f %8.4f\n", prefix, name, m->loss,
                m->accuracy, m->precision, m->recall, m->f1, m->auc);
}

void cli_print_metrics(FILE *f, const char *prefix, const cli_eval *e, const cli_data *d)
{
    if (d->k == 1) {
        const mlpb_metrics *m = &e->mean;
        const size_t       *c = e->conf[0];
        fprintf(f, "%saccuracy   %.4f  (%zu of %zu correct)\n", prefix, m->accuracy,
                c[0] + c[2], d->n);
        fprintf(f, "%sprecision  %.4f\n", prefix, m->precision);
        fprintf(f, "%srecall     %.4f\n", prefix, m->recall);
        fprintf(f, "%sf1         %.4f\n", prefix, m->f1);
        fprintf(f, "%sauc        %.4f\n", prefix, m->auc);
        fprintf(f, "%sloss       %.4f  (mean binary cross-entropy)\n", prefix, m->loss);
        fprintf(f, "%sconfusion  %zu true positive, %zu false positive, "
                   "%zu true negative, %zu false negative\n",
                prefix, c[0], c[1], c[2], c[3]);
        return;
    }
    fprintf(f, "%s%-14s %8s %8s %9s %8s %8s %8s\n", prefix, "label", "loss", "accuracy",
            "precision", "recall", "f1", "auc");
    for (size_t l = 0; l < d->k; l++)
        print_row(f, prefix, d->label_names[l], &e->per[l]);
    print_row(f, prefix, "(mean)", &e->mean);
    fprintf(f, "%sexact match  %.4f  (rows with every label right)\n", prefix, e->exact);
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
