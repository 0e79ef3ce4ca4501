/* demo.c -- `mlpblas demo`: the breast-cancer data built into the tool,
 * split, trained on with the defaults of train (train/fit.c) and tested on
 * the held-out rows; needs no file. */
#include "base/args.h"
#include "base/msg.h"
#include "cmd/cmd.h"
#include "cmd/demo_data.h"
#include "cmd/outputs.h"
#include "model/load.h"
#include "model/metrics.h"
#include "model/predict.h"
#include "out/csv.h"
#include "out/json.h"
#include "out/report.h"
#include "out/text.h"
#include "read/data.h"
#include "schema/schema.h"
#include "train/fit.h"

#include <errno.h>
#include <string.h>

static const char demo_help[] =
    "Usage: mlpblas demo [OPTIONS]\n"
    "\n"
    "Train and test a model on the Wisconsin Diagnostic Breast Cancer data built\n"
    "into this program (569 samples, 30 features, label 'benign'): a seeded,\n"
    "stratified split keeps 25% of the rows out of training; a model is trained\n"
    "on the rest with the defaults of 'mlpblas train' and tested on the held-out\n"
    "rows. Needs no file.\n"
    "\n"
    "Options ('-' for FILE is standard output):\n"
    "  --seed N          seed of the split and the training (42)\n"
    "  --epochs N        maximum number of epochs (300)\n"
    "  -j, --threads N   threads (default: the BLAS library's count); each batch\n"
    "                    big enough is split in as many row blocks, one a thread\n"
    "  -o, --out MODEL   also save the model\n"
    "  --train-out FILE  also write the training rows as CSV\n"
    "  --test-out FILE   also write the held-out rows as CSV (for 'mlpblas eval')\n"
    "  --log FILE        the learning curve as CSV, one row an epoch\n"
    "  --plot FILE.svg   the learning curve as an SVG chart\n"
    "  --json            print the result as one JSON object (docs/cli.md)\n"
    "  -q, --quiet       print nothing but errors\n"
    "  -v, --verbose     one line an epoch on standard error\n"
    "  -V, --version     print the version and exit\n";

/* As written in prose. */
static const char *optimizer_title(mlpb_optimizer o)
{
    static const char *const names[] = {"SGD", "SGD with momentum", "Nesterov SGD", "Adam",
                                        "AdamW", "RMSprop"};
    return (unsigned)o < 6 ? names[o] : "?";
}

/* The command line of demo into *c, *outs (the paths) and *json; applies
 * --threads. -1 to go on, or the exit status. */
static int demo_parse(int argc, char **argv, cli_train_cfg *c, cli_outputs *outs, int *json)
{
    static const cli_optdef defs[] = {
        {"--seed", 1},      {"--epochs", 1},   {"--threads", 1}, {"--out", 1},
        {"--train-out", 1}, {"--test-out", 1}, {"--json", 0},    {"--quiet", 0},
        {"--verbose", 0},   {"--log", 1},      {"--plot", 1},    {NULL, 0}};
    static const char *const help[] = {demo_help, NULL};
    size_t   threads = 0, npos = 0;
    int      r, rc, bad = 0;
    cli_args a;
    memset(outs, 0, sizeof *outs);
    *json = 0;
    cli_train_cfg_default(c);
    c->seed  = 42;
    c->lines = 0;
    cli_args_init(&a, argc, argv, "demo", defs);
    while ((r = cli_args_option(&a, help, NULL, 0, &npos, &rc)) > 0) {
        const char *n = a.name, *v = a.value;
        if (strcmp(n, "--seed") == 0)
            bad = cli_parse_u64("demo", n, v, &c->seed);
        else if (strcmp(n, "--epochs") == 0)
            bad = cli_parse_size("demo", n, v, 1, SIZE_MAX, &c->opts.epochs);
        else if (strcmp(n, "--threads") == 0)
            bad = cli_parse_size("demo", n, v, 1, CLI_MAX_THREADS, &threads);
        else if (strcmp(n, "--out") == 0)
            outs->path[CLI_OUT_MODEL] = v;
        else if (strcmp(n, "--train-out") == 0)
            outs->path[CLI_OUT_TRAIN] = v;
        else if (strcmp(n, "--test-out") == 0)
            outs->path[CLI_OUT_TEST] = v;
        else if (strcmp(n, "--log") == 0)
            outs->path[CLI_OUT_LOG] = v;
        else if (strcmp(n, "--plot") == 0)
            outs->path[CLI_OUT_PLOT] = v;
        else if (strcmp(n, "--json") == 0)
            *json = 1;
        else if (strcmp(n, "--quiet") == 0)
            c->verbosity = 0;
        else if (strcmp(n, "--verbose") == 0)
            c->verbosity = 2;
        if (bad)
            return CLI_EUSAGE;
    }
    if (r < 0)
        return rc;
    if (threads > 0)
        mlpb_blas_set_threads((int)threads);
    return -1;
}

/* demo's report as text: the data, the split, the training, the test. */
static void demo_text(FILE *rf, const cli_train_cfg *c, const cli_data *all,
                      const cli_data *train, const cli_data *test, const cli_fit *fit,
                      const cli_eval *e, const char *arch)
{
    const mlpb_train_report *rep    = &fit->report;
    size_t                   benign = 0;
    for (size_t i = 0; i < all->n; i++)
        benign += all->y[i] >= 0.5f;
    fprintf(rf, "mlpblas %s demo: breast cancer diagnosis from cell nuclei measurements\n\n",
            mlpb_version_string());
    fprintf(rf, "Data: Wisconsin Diagnostic Breast Cancer (W. H. Wolberg, W. N. Street,\n"
                "O. L. Mangasarian; UCI, CC BY 4.0), built into this program: %zu\n"
                "fine-needle aspirates, %zu features each, label \"%s\" (1 = benign,\n"
                "0 = malignant; %zu benign, %zu malignant).\n\n",
            all->n, all->d, all->label_names[0], benign, all->n - benign);
    fprintf(rf, "1. Split (seed %llu, stratified): %zu rows to train on, %zu held out\n"
                "   for the test; both parts keep the benign/malignant mix.\n",
            (unsigned long long)c->seed, train->n, test->n);
    fprintf(rf, "2. Train a %s network (ReLU hidden layer, sigmoid output) on binary\n"
                "   cross-entropy with %s (learning rate %g, batches of %zu), features\n"
                "   standardised with the training rows' means and deviations. %zu of the\n"
                "   training rows watch for overfitting: their loss was lowest after %zu\n"
                "   epochs (of %zu run)",
            arch, optimizer_title(c->opts.optim.kind), (double)c->opts.optim.lr,
            c->opts.batch_size, fit->val.n, rep->best_epoch, rep->epochs_run);
    if (fit->refit_epochs > 0)
        fprintf(rf, ";\n   then the model was trained again on all %zu training rows for %zu\n"
                    "   epochs (%.2f s).\n", fit->n_train, fit->refit_epochs, fit->seconds);
    else
        fprintf(rf, ", whose weights were kept (%.2f s).\n", fit->seconds);
    fprintf(rf, "3. Test on the %zu held-out rows, never seen in training:\n", test->n);
    cli_print_metrics(rf, "     ", e, test);
    fprintf(rf, "\nAccuracy is the share of tumours classified right; precision and recall\n"
                "are those of the \"benign\" class; an AUC of 1 would rank every benign\n"
                "tumour above every malignant one.\n\n"
                "On your own data:\n"
                "  mlpblas train data.csv --out model.mlpb\n"
                "  mlpblas eval model.mlpb test->csv\n"
                "  mlpblas predict model.mlpb new.csv --out probabilities.csv\n");

}

int cli_cmd_demo(int argc, char **argv)
{
    cli_train_cfg c;
    cli_outputs   outs;
    int           json;
    int           rc = demo_parse(argc, argv, &c, &outs, &json);
    if (rc >= 0)
        return rc;
    rc = cli_outputs_open(&outs, "demo", json, NULL);
    if (rc != CLI_OK)
        return rc;

    char           err[512];
    cli_data      all, train, test;
    cli_data_opts o;
    cli_data_opts_init(&o);
    mlpb_status st = cli_data_read_mem(cli_demo_csv, cli_demo_csv_len, "breast_cancer.csv",
                                        &o, &all, err, sizeof err);
    if (st != MLPB_OK) {
        cli_outputs_abort(&outs);
        return cli_fail("%s", err);
    }
    st = cli_data_split(&all, 0.25, c.seed, &train, &test);
    if (st != MLPB_OK) {
        cli_outputs_abort(&outs);
        cli_data_free(&all);
        return cli_fail("mlpblas demo: cannot split the data: %s", mlpb_strerror(st));
    }
    cli_fit  fit;
    cli_eval e;
    FILE    *log = outs.path[CLI_OUT_LOG] ? outs.w[CLI_OUT_LOG].f : NULL;
    cli_train_cfg_for_data(&c, train.n, train.k);
    rc = cli_train(&train, &c, log, &fit);
    if (rc == CLI_OK) {
        rc = cli_evaluate(fit.model, &test, NULL, &e);
        if (rc != CLI_OK)
            cli_fit_free(&fit);
    }
    if (rc == CLI_OK) {
        /* The schema train gives the same rows written as CSV. */
        cli_schema sc;
        if (cli_schema_numeric(&sc, train.feature_names, train.d, train.label_names,
                               train.k) != MLPB_OK ||
            cli_schema_store(&sc, fit.model) != MLPB_OK)
            rc = cli_fail("mlpblas: out of memory");
        cli_schema_free(&sc);
        if (rc != CLI_OK)
            cli_fit_free(&fit);
    }
    if (rc == CLI_OK) {
        rc = cli_write_results(&outs, &fit, "Learning curve: breast cancer demo");
        if (rc == CLI_OK && outs.path[CLI_OUT_TRAIN] != NULL &&
            cli_write_csv(outs.w[CLI_OUT_TRAIN].f, &train) != 0)
            rc = cli_fail("%s: cannot write: %s", outs.path[CLI_OUT_TRAIN], strerror(errno));
        if (rc == CLI_OK && outs.path[CLI_OUT_TEST] != NULL &&
            cli_write_csv(outs.w[CLI_OUT_TEST].f, &test) != 0)
            rc = cli_fail("%s: cannot write: %s", outs.path[CLI_OUT_TEST], strerror(errno));
        if (rc != CLI_OK) {
            cli_eval_free(&e);
            cli_fit_free(&fit);
        }
    }
    if (rc != CLI_OK) {
        cli_outputs_abort(&outs);
        cli_data_free(&all);
        cli_data_free(&train);
        cli_data_free(&test);
        return rc;
    }

    char arch[256];
    cli_arch_string(fit.model, arch, sizeof arch);
    if (json) {
        cli_json j;
        cli_json_head(&j, stdout, "demo");
        cli_json_data(&j, "breast_cancer.csv (built in)", &all, NULL);
        cli_json_model(&j, outs.path[CLI_OUT_MODEL], fit.model);
        cli_json_config(&j, &c, &fit);
        cli_json_training(&j, &fit);
        cli_json_obj(&j, "metrics");
        cli_json_eval_block(&j, "validation", fit.val.n ? &fit.val_eval : NULL, &fit.val, NULL);
        cli_json_eval_block(&j, "test", &e, &test, NULL);
        cli_json_close(&j, '}');
        cli_json_end(&j);
    } else if (c.verbosity > 0) {
        demo_text(outs.report, &c, &all, &train, &test, &fit, &e, arch);
    }
    cli_eval_free(&e);
    cli_fit_free(&fit);
    cli_data_free(&all);
    cli_data_free(&train);
    cli_data_free(&test);
    return cli_outputs_commit(&outs, "demo");
}
