/* eval.c -- `mlpblas eval`: a trained model's metrics on labelled data, read
 * in chunks and matched to the model's schema by column name (session.c). */
#include "base/args.h"
#include "base/clock.h"
#include "base/msg.h"
#include "base/term.h"
#include "cmd/cmd.h"
#include "cmd/session.h"
#include "model/load.h"
#include "model/metrics.h"
#include "out/json.h"
#include "out/report.h"
#include "out/svg.h"
#include "out/text.h"
#include "out/write.h"
#include "read/colsel.h"
#include "read/data.h"
#include "schema/schema.h"

#include <stdlib.h>
#include <string.h>

static const char eval_help[] =
    "Usage: mlpblas eval MODEL DATA [OPTIONS]\n"
    "\n"
    "Evaluate MODEL on the labelled rows of DATA. The model knows the columns it\n"
    "was trained on: they are found in DATA by name, in any order; other columns\n"
    "are ignored (a note on standard error says which); a missing feature or\n"
    "label column is an error that names it. LIBSVM rows are matched by feature\n"
    "index to the features the model was trained on; other indices are ignored\n"
    "(a note says how many).\n"
    "\n"
    "Binary and multi-label models: mean binary cross-entropy, accuracy,\n"
    "precision, recall, F1 and ROC AUC of each output at threshold 0.5, their\n"
    "mean over outputs and the exact-match accuracy (rows with every label\n"
    "right). Multi-class models (a class column): the accuracy is the share of\n"
    "rows whose class of highest probability is the true one (in --json too);\n"
    "macro-F1, each class's precision, recall and F1, and the confusion matrix.\n"
    "\n"
    "Options:\n"
    "  --json                  print one JSON object with every metric (docs/cli.md)\n"
    "  --plot FILE.svg         ROC and precision-recall curves as an SVG chart\n"
    "                          ('-': standard output; replaced atomically)\n"
    CLI_SESSION_HELP;

/* Grow *p to hold n elements of size el, doubling. */
static int reserve(void **p, size_t *cap, size_t n, size_t el)
{
    if (n <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 4096;
    while (nc < n)
        nc *= 2;
    void *q = realloc(*p, nc * el);
    if (q == NULL)
        return -1;
    *p   = q;
    *cap = nc;
    return 0;
}

/* --plot: the ROC and precision-recall curves of the n rows' probabilities
 * prob and labels y (n x k), to the opened plot. CLI_OK or CLI_EDATA. */
static int eval_plot(cli_out *plot, const cli_model_data_args *a, const cli_schema *s,
                     const float *prob, const float *y, size_t n, char *const *names)
{
    const size_t k  = s->k;
    const int    mc = s->task == CLI_TASK_MULTICLASS;
    int          rc = CLI_OK;
    char         title[320];
    const char  *bn = strrchr(a->data, '/');
    snprintf(title, sizeof title, "Evaluation: %.280s", bn ? bn + 1 : a->data);
    /* A curve is of a label's positive value: "y=M" where it is not 1. */
    char **keys = calloc(k, sizeof(char *)), **shown = calloc(k, sizeof(char *));
    for (size_t q = 0; keys != NULL && shown != NULL && q < k; q++) {
        keys[q]  = mc ? NULL : cli_output_key(s, q, 1);
        shown[q] = keys[q] != NULL ? keys[q] + 5 : names[q]; /* after "prob_" */
    }
    if (keys == NULL || shown == NULL)
        rc = cli_fail("mlpblas: out of memory");
    else if (cli_svg_roc_pr(plot->f, prob, y, n, k, shown, title, NULL, NULL) != 0)
        rc = CLI_EDATA;
    for (size_t q = 0; keys != NULL && q < k; q++)
        free(keys[q]);
    free(keys);
    free(shown);
    return rc;
}

/* eval's report as one JSON object (docs/cli.md, "JSON output"); mcm: a
 * multi-class model's class metrics, else NULL. */
static void eval_json(const cli_model_data_args *a, const mlpb_model *m, const cli_schema *s,
                      const cli_data *view, const cli_eval *e, const cli_mc *mcm,
                      const char *const *names)
{
    const int mc = mcm != NULL;
    cli_json j;
    cli_json_head(&j, stdout, "eval");
    cli_json_data(&j, a->data, view, s);
    cli_json_model(&j, a->model, m);
    cli_json_null(&j, "config");
    cli_json_null(&j, "training");
    cli_json_obj(&j, "metrics");
    cli_json_null(&j, "validation");
    cli_json_eval_block(&j, "test", e, view, mcm);
    cli_json_close(&j, '}');
    if (mc) {
        cli_json_obj(&j, "classes");
        cli_json_str(&j, "label", s->labels[0].name);
        cli_mc_json(&j, mcm, names);
        cli_json_close(&j, '}');
    } else {
        cli_json_null(&j, "classes");
    }
    cli_json_end(&j);
}

int cli_cmd_eval(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--json", 0},       {"--threads", 1}, {"--plot", 1}, {"--max-memory", 1},
        CLI_READ_OPTDEFS, {NULL, 0}};
    cli_model_data_args args;
    const int parsed = cli_parse_model_data(argc, argv, "eval", defs, eval_help, &args);
    if (parsed >= 0)
        return parsed;
    cli_inputs in = {0};
    cli_inputs_add(&in, args.model);
    cli_inputs_add(&in, args.data);
    cli_out plot = {0};
    if (args.plot != NULL && cli_out_open(&plot, args.plot, &in) != 0)
        return CLI_EDATA;
    cli_session se;
    if (cli_session_open(&se, &args, 1) != CLI_OK) {
        cli_out_abort(&plot);
        return CLI_EDATA;
    }
    const cli_schema *s  = &se.s;
    const size_t      k  = s->k;
    const int         mc = s->task == CLI_TASK_MULTICLASS;
    /* The metrics need every probability and label: n x k floats each. */
    float  *prob = NULL, *y = NULL;
    size_t *cls = NULL, n = 0, cap_p = 0, cap_y = 0, cap_c = 0;
    int     rc  = CLI_OK;
    double  t0  = cli_now(), t_pred = 0.0;
    for (;;) {
        double tc = cli_now();
        if ((rc = cli_session_next(&se)) != CLI_OK || se.c.n == 0)
            break;
        t_pred += cli_now() - tc;
        size_t m = se.c.n;
        double grown = (double)se.fixed + (8.0 * (double)k + 8.0) * (double)(n + m) * 2.0;
        if (grown > (double)se.budget) {
            char nb[32], bb[32];
            cli_format_bytes(nb, sizeof nb, grown);
            cli_format_bytes(bb, sizeof bb, (double)se.budget);
            rc = cli_fail("mlpblas: %zu rows of %zu probabilities and labels need %s; "
                          "--max-memory is %s", n + m, k, nb, bb);
            break;
        }
        if (reserve((void **)&prob, &cap_p, (n + m) * k, sizeof(float)) != 0 ||
            reserve((void **)&y, &cap_y, (n + m) * k, sizeof(float)) != 0 ||
            (mc && reserve((void **)&cls, &cap_c, n + m, sizeof(size_t)) != 0)) {
            rc = cli_fail("mlpblas: out of memory");
            break;
        }
        memcpy(prob + n * k, se.prob, m * k * sizeof(float));
        memcpy(y + n * k, se.y, m * k * sizeof(float));
        if (mc)
            memcpy(cls + n, se.cls, m * sizeof(size_t));
        n += m;
    }
    double   seconds = cli_now() - t0;
    cli_eval e;
    cli_mc   mcm;
    memset(&e, 0, sizeof e);
    memset(&mcm, 0, sizeof mcm);
    if (rc == CLI_OK)
        rc = cli_eval_probs(prob, y, n, k, &e);
    if (rc == CLI_OK && mc)
        rc = cli_mc_compute(prob, cls, n, k, &mcm);
    e.seconds = t_pred;
    if (rc == CLI_OK) {
        cli_session_unseen_note(&se);
        char arch[256];
        cli_arch_string(se.m, arch, sizeof arch);
        char **names = malloc(k * sizeof(char *));
        if (names == NULL) {
            rc = cli_fail("mlpblas: out of memory");
            goto done;
        }
        for (size_t j = 0; j < k; j++) {
            /* The report only reads them: copy the pointer, not the string. */
            const char *nm = cli_schema_output_name(s, j);
            memcpy(&names[j], &nm, sizeof nm);
        }
        double   sps = seconds > 0.0 ? (double)n / seconds : 0.0;
        cli_data view;
        memset(&view, 0, sizeof view);
        view.n           = n;
        view.d           = s->d;
        view.k           = k;
        view.label_names = names;
        if (rc == CLI_OK && args.plot != NULL)
            rc = eval_plot(&plot, &args, s, prob, y, n, names);
        FILE *rf = args.plot != NULL && strcmp(args.plot, "-") == 0 ? stderr : stdout;
        if (rc != CLI_OK) {
            /* nothing to report */
        } else if (args.json) {
            eval_json(&args, se.m, s, &view, &e, mc ? &mcm : NULL, (const char *const *)names);
        } else {
            cli_tprintf(rf, "model  %s (%s)\n", args.model, arch);
            if (mc)
                cli_tprintf(rf, "data   %s: %zu rows, class column %s (%zu classes)\n",
                            args.data, n, s->labels[0].name, k);
            else {
                cli_tprintf(rf, "data   %s: %zu rows, label%s", args.data, n, k == 1 ? "" : "s");
                for (size_t l = 0; l < k; l++) {
                    /* Precision and recall are of the positive value: named
                     * when it is not 1. */
                    cli_tprintf(rf, "%s%s", l ? ", " : " ", names[l]);
                    if (strcmp(s->labels[l].pos, "1") != 0)
                        cli_tprintf(rf, " (positive \"%s\", negative \"%s\")", s->labels[l].pos,
                                s->labels[l].neg);
                }
                fprintf(rf, "\n");
            }
            if (mc)
                cli_mc_print(rf, "", &mcm, (const char *const *)names);
            else
                cli_print_metrics(rf, "", &e, &view);
            fprintf(rf, "time   %.3g s, %.3g samples/s\n", seconds, sps);
        }
        free(names);
        if (rc == CLI_OK && rf == stdout)
            rc = cli_flush_stdout("eval");
        if (rc == CLI_OK && args.plot != NULL && cli_out_commit(&plot) != 0)
            rc = CLI_EDATA;
    }
done:
    cli_out_abort(&plot);
    cli_mc_free(&mcm);
    cli_eval_free(&e);
    free(prob);
    free(y);
    free(cls);
    cli_session_close(&se);
    return rc;
}
