/* output.c -- what the mlpblas tool writes: JSON objects (escaped, valid
 * UTF-8), metric reports, CSV data files, and batched prediction with
 * evaluation. Files are opened and committed by write.c. */
#include "cli.h"
#include "schema.h" /* cli_utf8_len */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- JSON */
/* A JSON string: escapes for quotes, backslashes and control characters
 * (C1 and the bidirectional overrides too, so that the text is safe on a
 * terminal), and U+FFFD for bytes that are not UTF-8, so any input gives
 * valid JSON. */
static void put_string(FILE *f, const char *v)
{
    const unsigned char *s = (const unsigned char *)v;
    fputc('"', f);
    while (*s != '\0') {
        size_t n = cli_utf8_len(s);
        if (n == 0) {
            fputs("\\ufffd", f); /* not UTF-8: the replacement character */
            s++;
        } else if (n > 1) {
            unsigned long c = cli_utf8_control(s, n);
            if (c != 0)
                fprintf(f, "\\u%04lx", c - 1);
            else
                fwrite(s, 1, n, f);
            s += n;
        } else {
            switch (*s) {
            case '"': fputs("\\\"", f); break;
            case '\\': fputs("\\\\", f); break;
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            default:
                if (*s < 0x20 || *s == 0x7f)
                    fprintf(f, "\\u%04x", *s);
                else
                    fputc(*s, f);
            }
            s++;
        }
    }
    fputc('"', f);
}

static void json_sep(cli_json *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = 0;
    if (key != NULL) {
        put_string(j->f, key);
        fputc(':', j->f);
    }
}

void cli_json_str(cli_json *j, const char *key, const char *v)
{
    json_sep(j, key);
    put_string(j->f, v);
}

void cli_json_begin(cli_json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f        = f;
    j->first[0] = 1;
    fputc('{', f);
}

void cli_json_end(cli_json *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}

static void json_open(cli_json *j, const char *key, char c)
{
    json_sep(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < (int)(sizeof j->first / sizeof j->first[0]))
        j->depth++;
    j->first[j->depth] = 1;
}

void cli_json_obj(cli_json *j, const char *key) { json_open(j, key, '{'); }
void cli_json_arr(cli_json *j, const char *key) { json_open(j, key, '['); }

void cli_json_close(cli_json *j, char c)
{
    fputc(c, j->f);
    if (j->depth > 0)
        j->depth--;
}

void cli_json_num(cli_json *j, const char *key, double v)
{
    json_sep(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.10g", v);
    else
        fputs("null", j->f);
}

void cli_json_float(cli_json *j, const char *key, float v)
{
    json_sep(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.7g", (double)v); /* a float's digits, not its binary tail */
    else
        fputs("null", j->f);
}

void cli_json_int(cli_json *j, const char *key, unsigned long long v)
{
    json_sep(j, key);
    fprintf(j->f, "%llu", v);
}

void cli_json_bool(cli_json *j, const char *key, int v)
{
    json_sep(j, key);
    fputs(v ? "true" : "false", j->f);
}

void cli_json_null(cli_json *j, const char *key)
{
    json_sep(j, key);
    fputs("null", j->f);
}

void cli_json_metrics(cli_json *j, const mlpb_metrics *m)
{
    cli_json_num(j, "loss", m->loss);
    cli_json_num(j, "accuracy", m->accuracy);
    cli_json_num(j, "precision", m->precision);
    cli_json_num(j, "recall", m->recall);
    cli_json_num(j, "f1", m->f1);
    cli_json_num(j, "auc", m->auc);
    cli_json_num(j, "ap", m->ap);
}

/* ----------------------------------------------------------- prediction */
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

void cli_eval_free(cli_eval *e)
{
    free(e->per);
    free(e->conf);
    e->per  = NULL;
    e->conf = NULL;
}

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

void cli_arch_string(const mlpb_model *m, char *buf, size_t n)
{
    size_t        ns    = 0;
    const size_t *sizes = mlpb_model_sizes(m, &ns);
    size_t        off   = 0;
    buf[0]              = '\0';
    for (size_t i = 0; i < ns && off < n; i++) {
        int w = snprintf(buf + off, n - off, i ? "-%zu" : "%zu", sizes[i]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

void cli_csv_field(FILE *f, const char *s)
{
    if (s[0] != '\0' && strpbrk(s, ",\"\r\n \t#") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int cli_write_csv(FILE *f, const cli_data *d)
{
    for (size_t j = 0; j < d->d + d->k; j++) {
        if (j > 0)
            fputc(',', f);
        cli_csv_field(f, j < d->d ? d->feature_names[j] : d->label_names[j - d->d]);
    }
    fputc('\n', f);
    for (size_t i = 0; i < d->n; i++) {
        for (size_t j = 0; j < d->d; j++)
            fprintf(f, j ? ",%.9g" : "%.9g", (double)d->x[i * d->d + j]);
        for (size_t l = 0; l < d->k; l++)
            fprintf(f, ",%d", d->y[i * d->k + l] >= 0.5f);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}
