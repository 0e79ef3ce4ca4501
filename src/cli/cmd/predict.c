/* predict.c -- `mlpblas predict`: probabilities and decisions, one output
 * row a data row, each chunk written as it is read (session.c), so that the
 * memory does not depend on the file's length. */
#include "base/args.h"
#include "base/msg.h"
#include "cmd/cmd.h"
#include "cmd/session.h"
#include "model/metrics.h"
#include "out/csv.h"
#include "out/json.h"
#include "out/write.h"
#include "read/colsel.h"
#include "read/table.h"
#include "schema/schema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char predict_help[] =
    "Usage: mlpblas predict MODEL DATA [--out FILE] [OPTIONS]\n"
    "\n"
    "Predict the rows of DATA with MODEL. The model's feature columns are found in\n"
    "DATA by name, in any order; label and other columns are not used (a note on\n"
    "standard error names the others); a missing feature column is an error that\n"
    "names it. LIBSVM rows are matched by feature index to the features the\n"
    "model was trained on (other indices are ignored, a note says how many),\n"
    "their labels ignored.\n"
    "\n"
    "Output: a header row, then one row for each data row of DATA, in order\n"
    "(blank and comment lines and the header are not data rows):\n"
    "  [ID,] prob_LABEL[=VALUE]..., pred_LABEL...\n"
    "                                       binary and multi-label models: the\n"
    "                                       probability that each label is its\n"
    "                                       positive VALUE (named unless it is 1;\n"
    "                                       %.9g, exact for a float), then the\n"
    "                                       label's value decided at the threshold\n"
    "                                       (as written in training: 0/1, M/B...)\n"
    "  [ID,] LABEL, prob_CLASS...           multi-class models: the class with\n"
    "                                       the highest probability, then each\n"
    "                                       class's probability\n"
    "ID is the --id column (or the model's id column, when DATA has it).\n"
    "\n"
    "Options:\n"
    "  -o, --out FILE          write to FILE (atomically: replaced only when every\n"
    "                          row is written; '-': standard output, the default)\n"
    "  --id COL                carry column COL through, first\n"
    "  --threshold X[,X...]    decision threshold, one for all outputs or one per\n"
    "                          output (0.5)\n"
    "  --output-format csv|jsonl  CSV rows, or one JSON object a row (csv)\n"
    CLI_SESSION_HELP;

/* The name of an output column that the id column (or a multi-class
 * model's class column) would repeat, or NULL: "--id prob_y" wrote prob_y
 * twice, and a reader of the file would take one for the other. keys are
 * cli_output_key's 2k names (the decision columns only for a model that is not
 * multi-class). */
static const char *output_clash(char *const *keys, size_t k, int mc, const char *id_name,
                                const char *label_col)
{
    if (id_name != NULL && label_col != NULL && strcmp(id_name, label_col) == 0)
        return id_name;
    for (int i = 0; i < 2; i++) {
        const char *n = i == 0 ? id_name : label_col;
        for (size_t j = 0; n != NULL && j < (mc ? k : 2 * k); j++)
            if (strcmp(n, keys[j]) == 0)
                return n;
    }
    return NULL;
}

/* A label's value in a JSON row: a number when it is an integer (0/1,
 * -1/+1), else its text. */
static void json_label_value(cli_json *j, const char *key, const char *text)
{
    const char *p = text + (text[0] == '-' || text[0] == '+');
    int         integer = *p != '\0' && strlen(p) < 16;
    for (; integer && *p != '\0'; p++)
        integer = *p >= '0' && *p <= '9';
    if (integer)
        cli_json_num(j, key, strtod(text, NULL));
    else
        cli_json_str(j, key, text);
}

/* The text of the id cell of row i. */
static const char *id_text(const cli_session *se, size_t i, char *buf, size_t len)
{
    const cli_column *col = cli_table_column(se->t, (size_t)se->b.id_col);
    float             v   = se->c.x[i * se->c.ncols + (size_t)se->b.id_col];
    if (isnan(v))
        return "";
    if (col->is_string)
        return v >= 0.0f && (size_t)v < col->n_levels ? col->levels[(size_t)v] : "";
    if (v == floorf(v) && fabsf(v) < 1e15f)
        snprintf(buf, len, "%.0f", (double)v);
    else
        snprintf(buf, len, "%.9g", (double)v);
    return buf;
}

/* --threshold: one value, or one for each of k outputs. */
static int parse_thresholds(const char *s, size_t k, float *t)
{
    size_t n = 0;
    for (size_t j = 0; j < k; j++)
        t[j] = 0.5f;
    if (s == NULL)
        return CLI_OK;
    const char *p = s;
    for (;;) {
        char *e = NULL;
        double v = strtod(p, &e);
        if (e == p || !(v >= 0.0 && v <= 1.0) || (*e != ',' && *e != '\0'))
            return cli_usage("predict", "--threshold: '%s' is not a list of numbers in [0, 1]",
                             s);
        if (n == k)
            return cli_usage("predict", "--threshold: more values than the model's %zu "
                             "output%s", k, k == 1 ? "" : "s");
        t[n++] = (float)v;
        if (*e == '\0')
            break;
        p = e + 1;
    }
    if (n == 1)
        for (size_t j = 1; j < k; j++)
            t[j] = t[0];
    else if (n != k)
        return cli_usage("predict", "--threshold: %zu values for %zu outputs", n, k);
    return CLI_OK;
}

/* The CSV header: the id column, the class column (label_col, NULL for
 * labels), the k probability columns, and for labels the k decisions. */
static void csv_header(FILE *f, const char *id_name, const char *label_col, char *const *keys,
                       size_t k)
{
    int first = 1;
    if (id_name != NULL) {
        cli_csv_field(f, id_name);
        first = 0;
    }
    if (label_col != NULL) {
        if (!first)
            fputc(',', f);
        cli_csv_field(f, label_col);
        first = 0;
    }
    for (size_t j = 0; j < k; j++) {
        if (!first)
            fputc(',', f);
        cli_csv_field(f, keys[j]);
        first = 0;
    }
    for (size_t j = 0; j < k && label_col == NULL; j++) {
        fputc(',', f);
        cli_csv_field(f, keys[k + j]);
    }
    fputc('\n', f);
}

int cli_cmd_predict(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--out", 1},           {"--id", 1},      {"--threshold", 1}, {"--output-format", 1},
        {"--threads", 1},       {"--max-memory", 1}, CLI_READ_OPTDEFS, {NULL, 0}};
    cli_model_data_args args;
    const int parsed = cli_parse_model_data(argc, argv, "predict", defs, predict_help, &args);
    if (parsed >= 0)
        return parsed;
    cli_inputs in = {0};
    cli_inputs_add(&in, args.model);
    cli_inputs_add(&in, args.data);
    cli_out w = {0};
    if (cli_out_open(&w, args.out != NULL ? args.out : "-", &in) != 0)
        return CLI_EDATA;
    cli_session se;
    if (cli_session_open(&se, &args, 0) != CLI_OK) {
        cli_out_abort(&w);
        return CLI_EDATA;
    }
    const cli_schema *s  = &se.s;
    const size_t      k  = s->k;
    const int         mc = s->task == CLI_TASK_MULTICLASS;
    float            *th = malloc(k * sizeof(float));
    int               rc = th == NULL ? cli_fail("mlpblas: out of memory") : CLI_OK;
    if (rc == CLI_OK && args.threshold != NULL && mc)
        rc = cli_usage("predict", "--threshold: a multi-class model predicts the class of "
                       "the highest probability");
    if (rc == CLI_OK)
        rc = parse_thresholds(args.threshold, k, th);
    if (rc != CLI_OK) {
        cli_out_abort(&w);
        free(th);
        cli_session_close(&se);
        return rc;
    }
    FILE       *f = w.f;
    const char *id_name =
        se.b.id_col >= 0 ? cli_table_column(se.t, (size_t)se.b.id_col)->name : NULL;
    const char *label_col = mc ? s->labels[0].name : NULL;
    /* The column names (CSV header, JSON keys), made once. */
    char **keys = calloc(2 * k, sizeof(char *));
    for (size_t j = 0; keys != NULL && j < 2 * k; j++)
        keys[j] = cli_output_key(s, j % k, j < k);
    for (size_t j = 0; keys != NULL && j < 2 * k; j++)
        if (keys[j] == NULL)
            rc = cli_fail("mlpblas: out of memory");
    if (keys == NULL)
        rc = cli_fail("mlpblas: out of memory");
    const char *clash = rc == CLI_OK ? output_clash(keys, k, mc, id_name, label_col) : NULL;
    if (clash != NULL)
        rc = cli_fail("%s: the output would have two columns named \"%s\" (%s): rename "
                      "the id column", args.data, clash,
                      clash == id_name ? "the --id column and a prediction's"
                                       : "the class column and a probability's");
    /* The CSV header once the first rows have been read and encoded, so
     * that a file refused at its first rows writes nothing at all. */
    for (int head = !args.jsonl; rc == CLI_OK; head = 0) {
        if ((rc = cli_session_next(&se)) != CLI_OK)
            break;
        if (head)
            csv_header(f, id_name, label_col, keys, k);
        if (se.c.n == 0)
            break;
        for (size_t i = 0; i < se.c.n; i++) {
            const float *p = se.prob + i * k;
            char         idb[48];
            if (args.jsonl) {
                cli_json j;
                cli_json_begin(&j, f);
                if (id_name != NULL)
                    cli_json_str(&j, id_name, id_text(&se, i, idb, sizeof idb));
                if (mc)
                    cli_json_str(&j, label_col, s->classes[cli_argmax(p, k)]);
                for (size_t q = 0; q < k; q++)
                    cli_json_num(&j, keys[q], (double)p[q]);
                for (size_t q = 0; q < k && !mc; q++)
                    json_label_value(&j, keys[k + q], p[q] >= th[q] ? s->labels[q].pos
                                                                    : s->labels[q].neg);
                cli_json_end(&j);
                continue;
            }
            int first = 1;
            if (id_name != NULL) {
                cli_csv_field(f, id_text(&se, i, idb, sizeof idb));
                first = 0;
            }
            if (mc) {
                if (!first)
                    fputc(',', f);
                cli_csv_field(f, s->classes[cli_argmax(p, k)]);
                first = 0;
            }
            for (size_t q = 0; q < k; q++) {
                fprintf(f, first ? "%.9g" : ",%.9g", (double)p[q]);
                first = 0;
            }
            for (size_t q = 0; q < k && !mc; q++) {
                fputc(',', f);
                cli_csv_field(f, p[q] >= th[q] ? s->labels[q].pos : s->labels[q].neg);
            }
            fputc('\n', f);
        }
        if (ferror(f))
            rc = cli_fail("%s: cannot write", args.out ? args.out : "standard output");
    }
    for (size_t j = 0; keys != NULL && j < 2 * k; j++)
        free(keys[j]);
    free(keys);
    if (rc == CLI_OK)
        cli_session_unseen_note(&se);
    if (rc == CLI_OK)
        rc = cli_out_commit(&w) == 0 ? CLI_OK : CLI_EDATA;
    else
        cli_out_abort(&w);
    free(th);
    cli_session_close(&se);
    return rc;
}
