/* cmd_train.c -- the commands that train: `train` (a data file to a model
 * file) and `demo` (the bundled breast-cancer data: split, train, test), on
 * the training routine of fit.c, and `plot` (the learning curve of a saved
 * --log). Every output file is opened before the work starts and committed
 * after the report on standard output is written. */
#include "cli.h"
#include "demo_data.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char train_help[] =
    "Usage: mlpblas train DATA --out MODEL [OPTIONS]\n"
    "\n"
    "Train a multilayer perceptron on DATA and save it to MODEL. Label columns\n"
    "hold 0 or 1 (the last column unless --label names them; several make a\n"
    "multi-label model); every other column is a feature. Features are\n"
    "standardised with the training rows' means and deviations, which the\n"
    "model stores and applies whenever it predicts.\n"
    "\n"
    "A stratified 15% of the rows is held out to choose the number of epochs:\n"
    "training stops when the validation loss has not improved for 10 epochs,\n"
    "then the model is trained again from the same start on all rows for the\n"
    "best epoch's count (--no-refit keeps the best epoch's weights instead).\n"
    "Progress goes to standard error (a bar fitted to the terminal, or one line\n"
    "an epoch when it is not a terminal); the validation metrics (of the run\n"
    "that chose the epochs) and the model path to standard output.\n"
    "docs/defaults.md explains each default.\n"
    "\n"
    "Model:\n"
    "  -o, --out MODEL         model file to write (required; replaced atomically)\n"
    "  --label NAME[,NAME...]  label column(s) (default: the last column)\n"
    "  --hidden N[,N...]       hidden layer widths (64)\n"
    "Training:\n"
    "  --epochs N              maximum number of epochs (300)\n"
    "  --batch N               rows per mini-batch (32)\n"
    "  --optimizer NAME        sgd, momentum, nesterov, adam, adamw, rmsprop (adamw)\n"
    "  --lr X                  learning rate (0.001)\n"
    "  --weight-decay X        L2 penalty on the weights; decoupled for adamw (0.1\n"
    "                          with adamw, 0 with another --optimizer)\n"
    "  --schedule NAME         learning rate over time: constant; step (x0.1 after\n"
    "                          each third of the epochs); cosine (down to 0 at the\n"
    "                          last epoch) (constant)\n"
    "  --val-split F           fraction held out for validation, 0 for none (0.15)\n"
    "  --patience N            stop after N epochs without a better validation\n"
    "                          loss; 0 never stops early (10)\n"
    "  --pos-weight X|auto     weight of the positive class in the loss; auto is\n"
    "                          negatives/positives of each label (1)\n"
    "  --no-refit              keep the best epoch's weights instead of training\n"
    "                          again on all rows for that many epochs\n"
    "  --no-standardize        use the features as they are\n"
    "  --seed N                seed of initialisation, split and shuffling (1)\n"
    "  -j, --threads N         threads (default: the BLAS library's count); each\n"
    "                          batch big enough is split in as many row blocks,\n"
    "                          one a thread\n"
    "  --max-memory SIZE       refuse to start a run needing more memory (bytes, or\n"
    "                          with K, M, G; default: half the physical memory)\n"
    "Data:\n"
    "  --format csv|libsvm     file format (default: from the name, else csv)\n"
    "  --delimiter C           CSV delimiter: a character, 'tab' or 'space'\n"
    "                          (default: detected from the first line)\n"
    "  --no-header             the CSV has no header row; columns are named 1, 2, ...\n"
    "  --zero-based            LIBSVM indices start at 0 (detected when an index 0 appears)\n"
    "  --multilabel            LIBSVM labels are comma-separated class ids (else 0/1, -1/+1)\n"
    "Output ('-' for FILE is standard output; files are replaced only when the\n"
    "run succeeds):\n"
    "  --log FILE              the learning curve as CSV, one row an epoch\n"
    "  --plot FILE.svg         the learning curve as an SVG chart\n"
    "  --json                  print the result as one JSON object (docs/cli.md)\n"
    "  -q, --quiet             print nothing but errors\n"
    "  -v, --verbose           more detail in the epoch lines\n"
    "  -V, --version           print the version and exit\n";

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

/* -------------------------------------------------------------- outputs */
/* The files a command writes, opened before the work. */
enum { OUT_MODEL, OUT_LOG, OUT_PLOT, OUT_TRAIN, OUT_TEST, N_OUTS };
typedef struct outputs {
    const char *path[N_OUTS];
    cli_out     w[N_OUTS];
    FILE       *report;  /* stdout, or stderr when an output is stdout */
} outputs;

/* Check and open every named output. A usage error (2) when two are one
 * file or --json would share standard output; 1 for the file checks. */
static int outputs_open(outputs *o, const char *cmd, int json, const cli_inputs *in)
{
    int to_stdout = 0;
    o->report     = stdout;
    for (int i = 0; i < N_OUTS; i++)
        if (o->path[i] != NULL && o->path[i][0] == '\0')
            return cli_usage(cmd, "empty output file name");
    for (int i = 0; i < N_OUTS; i++)
        to_stdout += o->path[i] != NULL && strcmp(o->path[i], "-") == 0;
    if (to_stdout > 1)
        return cli_usage(cmd, "only one output can be standard output ('-')");
    if (to_stdout && json)
        return cli_usage(cmd, "--json prints to standard output, which an output "
                              "('-') already takes");
    if (to_stdout)
        o->report = stderr;
    if (cli_outs_distinct(o->path, N_OUTS) != 0)
        return CLI_EUSAGE;
    for (int i = 0; i < N_OUTS; i++)
        if (o->path[i] != NULL && cli_out_open(&o->w[i], o->path[i], in) != 0) {
            for (int j = 0; j < i; j++)
                cli_out_abort(&o->w[j]);
            return CLI_EDATA;
        }
    return CLI_OK;
}

static void outputs_abort(outputs *o)
{
    for (int i = 0; i < N_OUTS; i++)
        cli_out_abort(&o->w[i]);
}

/* Flush the report, then commit every output: nothing is replaced when the
 * report could not be written. */
static int outputs_commit(outputs *o, const char *cmd)
{
    if (o->report == stdout && cli_flush_stdout(cmd) != CLI_OK) {
        outputs_abort(o);
        return CLI_EDATA;
    }
    int rc = CLI_OK;
    for (int i = 0; i < N_OUTS; i++) {
        if (o->path[i] == NULL)
            continue;
        if (rc == CLI_OK && cli_out_commit(&o->w[i]) != 0)
            rc = CLI_EDATA;
        else
            cli_out_abort(&o->w[i]);
    }
    return rc;
}

/* The model and the chart of a finished run, written to their (not yet
 * committed) outputs. */
static int write_results(outputs *o, const cli_fit *fit, const char *title)
{
    if (o->path[OUT_MODEL] != NULL && cli_save_model(fit->model, &o->w[OUT_MODEL]) != 0)
        return CLI_EDATA;
    if (o->path[OUT_PLOT] != NULL &&
        cli_svg_learning_curve(o->w[OUT_PLOT].f, fit->hist, fit->n_hist, title) != 0)
        return CLI_EDATA;
    return CLI_OK;
}

/* Training throughput over the whole run, in rows (samples) a second. */
static double samples_per_s(const cli_fit *f)
{
    double rows = f->rows_seen;
    return f->seconds > 0.0 ? rows / f->seconds : 0.0;
}

/* As written in prose. */
static const char *optimizer_title(mlpb_optimizer o)
{
    static const char *const names[] = {"SGD", "SGD with momentum", "Nesterov SGD", "Adam",
                                        "AdamW", "RMSprop"};
    return (unsigned)o < 6 ? names[o] : "?";
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---------------------------------------------------------------- train */
int cli_cmd_train(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--out", 1},     {"--label", 1},        {"--hidden", 1},    {"--epochs", 1},
        {"--batch", 1},   {"--lr", 1},           {"--optimizer", 1}, {"--weight-decay", 1},
        {"--schedule", 1}, {"--val-split", 1},   {"--patience", 1},  {"--pos-weight", 1},
        {"--seed", 1},    {"--threads", 1},      {"--log", 1},       {"--quiet", 0},
        {"--json", 0},    {"--no-standardize", 0}, {"--no-refit", 0}, {"--plot", 1},    {"--verbose", 0},
        {"--max-memory", 1}, {"--multilabel", 0}, CLI_DATA_OPTDEFS,  {NULL, 0}};
    const char    *data_path = NULL;
    size_t         threads = 0;
    int            json = 0, wd_given = 0, r;
    float          f;
    cli_train_cfg  c;
    mlpb_data_opts o;
    cli_args       a;
    outputs        outs;
    memset(&outs, 0, sizeof outs);
    cli_train_cfg_default(&c);
    mlpb_data_opts_init(&o);
    cli_args_init(&a, argc, argv, "train", defs);
    while ((r = cli_args_next(&a)) != CLI_ARG_END) {
        if (r == CLI_ARG_HELP)
            return fputs(train_help, stdout), CLI_OK;
        if (r == CLI_ARG_DONE)
            return CLI_OK;
        if (r == CLI_ARG_BAD)
            return CLI_EUSAGE;
        if (r == CLI_ARG_POS) {
            if (data_path != NULL)
                return cli_usage("train", "unexpected argument '%s'", a.value);
            data_path = a.value;
            continue;
        }
        const char *n = a.name, *v = a.value;
        int         used = cli_data_option("train", n, v, &o), bad = 0;
        if (used < 0)
            return CLI_EUSAGE;
        if (used)
            continue;
        if (strcmp(n, "--out") == 0) {
            outs.path[OUT_MODEL] = v;
        } else if (strcmp(n, "--label") == 0) {
            o.labels = v;
        } else if (strcmp(n, "--hidden") == 0) {
            bad = cli_parse_sizes("train", n, v, c.hidden, CLI_MAX_HIDDEN, &c.n_hidden);
        } else if (strcmp(n, "--epochs") == 0) {
            bad = cli_parse_size("train", n, v, 1, SIZE_MAX, &c.opts.epochs);
        } else if (strcmp(n, "--batch") == 0) {
            bad = cli_parse_size("train", n, v, 1, SIZE_MAX, &c.opts.batch_size);
        } else if (strcmp(n, "--lr") == 0) {
            bad = cli_parse_float("train", n, v, 1e-12, 1e3, &c.opts.optim.lr);
        } else if (strcmp(n, "--weight-decay") == 0) {
            bad = cli_parse_float("train", n, v, 0.0, 1e3, &c.opts.optim.weight_decay);
            wd_given = 1;
        } else if (strcmp(n, "--optimizer") == 0) {
            if (cli_parse_optimizer(v, &c.opts.optim.kind) != 0)
                return cli_usage("train", "--optimizer: '%s' is not sgd, momentum, nesterov, "
                                          "adam, adamw or rmsprop", v);
        } else if (strcmp(n, "--schedule") == 0) {
            if (cli_parse_schedule(v, &c.opts.optim.schedule) != 0)
                return cli_usage("train", "--schedule: '%s' is not constant, step or cosine",
                                 v);
        } else if (strcmp(n, "--val-split") == 0) {
            bad = cli_parse_float("train", n, v, 0.0, 0.9, &f);
            c.val_split = (double)f;
        } else if (strcmp(n, "--patience") == 0) {
            bad = cli_parse_size("train", n, v, 0, SIZE_MAX, &c.opts.patience);
        } else if (strcmp(n, "--pos-weight") == 0) {
            if (strcmp(v, "auto") == 0)
                c.pos_weight = 0.0f;
            else
                bad = cli_parse_float("train", n, v, 1e-6, 1e6, &c.pos_weight);
        } else if (strcmp(n, "--seed") == 0) {
            bad = cli_parse_u64("train", n, v, &c.seed);
        } else if (strcmp(n, "--threads") == 0) {
            bad = cli_parse_size("train", n, v, 1, CLI_MAX_THREADS, &threads);
        } else if (strcmp(n, "--max-memory") == 0) {
            bad = cli_parse_bytes("train", n, v, &c.max_memory);
        } else if (strcmp(n, "--log") == 0) {
            outs.path[OUT_LOG] = v;
        } else if (strcmp(n, "--plot") == 0) {
            outs.path[OUT_PLOT] = v;
        } else if (strcmp(n, "--quiet") == 0) {
            c.verbosity = 0;
        } else if (strcmp(n, "--verbose") == 0) {
            c.verbosity = 2;
        } else if (strcmp(n, "--json") == 0) {
            json = 1;
        } else if (strcmp(n, "--no-refit") == 0) {
            c.opts.refit = 0;
        } else if (strcmp(n, "--no-standardize") == 0) {
            c.opts.standardize = 0;
        }
        if (bad)
            return CLI_EUSAGE;
    }
    /* The default decay is AdamW's, decoupled; another optimiser chosen
     * without --weight-decay gets none rather than that much L2. */
    if (!wd_given && c.opts.optim.kind != MLPB_OPT_ADAMW)
        c.opts.optim.weight_decay = 0.0f;
    if (data_path == NULL)
        return cli_usage("train", "needs a DATA file");
    if (outs.path[OUT_MODEL] == NULL || outs.path[OUT_MODEL][0] == '\0')
        return cli_usage("train", "needs --out MODEL");
    if (o.labels != NULL && o.labels[0] == '\0')
        return cli_usage("train", "--label: empty list");
    if (outs.path[OUT_LOG] != NULL && outs.path[OUT_LOG][0] == '\0')
        return cli_usage("train", "--log: empty file name");
    if (threads > 0)
        mlpb_blas_set_threads((int)threads);

    cli_inputs in = {0};
    cli_inputs_add(&in, data_path);
    o.max_bytes = c.max_memory; /* the reader stops there, the trainer checks the rest */
    int rc = outputs_open(&outs, "train", json, &in);
    if (rc != CLI_OK)
        return rc;
    const char *out = outs.path[OUT_MODEL];
    mlpb_data   d;
    if (cli_read_data(data_path, &o, &d) != CLI_OK) {
        outputs_abort(&outs);
        return CLI_EDATA;
    }
    cli_fit fit;
    FILE   *log = outs.path[OUT_LOG] ? outs.w[OUT_LOG].f : NULL;
    rc          = cli_train(&d, &c, log, &fit);
    if (rc == CLI_OK) {
        char title[320];
        snprintf(title, sizeof title, "Learning curve: %.280s", base_name(data_path));
        rc = write_results(&outs, &fit, title);
        if (rc != CLI_OK)
            cli_fit_free(&fit);
    }
    if (rc != CLI_OK) {
        outputs_abort(&outs);
        mlpb_data_free(&d);
        return rc;
    }

    char arch[256];
    cli_arch_string(fit.model, arch, sizeof arch);
    const mlpb_train_report *rep = &fit.report;
    FILE                    *rf  = outs.report;
    if (json) {
        cli_json j;
        cli_json_head(&j, stdout, "train");
        cli_json_data(&j, data_path, &d);
        cli_json_model(&j, out, fit.model);
        cli_json_config(&j, &c, &fit);
        cli_json_training(&j, &fit);
        cli_json_obj(&j, "metrics");
        cli_json_eval_block(&j, "validation", fit.val.n ? &fit.val_eval : NULL, &fit.val);
        cli_json_null(&j, "test");
        cli_json_close(&j, '}');
        cli_json_end(&j);
    } else if (c.verbosity > 0) {
        fprintf(rf, "trained %s in %.2f s: %zu epoch%s on %zu rows", arch, fit.seconds,
                rep->epochs_run, rep->epochs_run == 1 ? "" : "s",
                fit.train.n ? fit.train.n : fit.n_train);
        if (fit.val.n > 0)
            fprintf(rf, ", best %zu%s", rep->best_epoch,
                    rep->stopped_early ? " (stopped early)" : "");
        if (fit.refit_epochs > 0)
            fprintf(rf, ", then %zu on all %zu rows", fit.refit_epochs, fit.n_train);
        fprintf(rf, ", %.0f samples/s\n", samples_per_s(&fit));
        if (fit.val.n > 0) {
            if (fit.refit_epochs > 0)
                fprintf(rf, "validation (%zu rows held out to choose the epochs; the saved\n"
                            "model was then trained on them too):\n", fit.val.n);
            else
                fprintf(rf, "validation (%zu rows held out from training):\n", fit.val.n);
            cli_print_metrics(rf, "  ", &fit.val_eval, &fit.val);
        }
        if (strcmp(out, "-") != 0)
            fprintf(rf, "model saved to %s\n", out);
    }
    cli_fit_free(&fit);
    mlpb_data_free(&d);
    return outputs_commit(&outs, "train");
}

/* ----------------------------------------------------------------- demo */
int cli_cmd_demo(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--seed", 1},      {"--epochs", 1},   {"--threads", 1}, {"--out", 1},
        {"--train-out", 1}, {"--test-out", 1}, {"--json", 0},    {"--quiet", 0},
        {"--verbose", 0},   {"--log", 1},      {"--plot", 1},    {NULL, 0}};
    size_t        threads = 0;
    int           json = 0, r, bad = 0;
    cli_train_cfg c;
    cli_args      a;
    outputs       outs;
    memset(&outs, 0, sizeof outs);
    cli_train_cfg_default(&c);
    c.seed  = 42;
    c.lines = 0;
    cli_args_init(&a, argc, argv, "demo", defs);
    while ((r = cli_args_next(&a)) != CLI_ARG_END) {
        if (r == CLI_ARG_HELP)
            return fputs(demo_help, stdout), CLI_OK;
        if (r == CLI_ARG_DONE)
            return CLI_OK;
        if (r == CLI_ARG_BAD)
            return CLI_EUSAGE;
        if (r == CLI_ARG_POS)
            return cli_usage("demo", "unexpected argument '%s'", a.value);
        const char *n = a.name, *v = a.value;
        if (strcmp(n, "--seed") == 0)
            bad = cli_parse_u64("demo", n, v, &c.seed);
        else if (strcmp(n, "--epochs") == 0)
            bad = cli_parse_size("demo", n, v, 1, SIZE_MAX, &c.opts.epochs);
        else if (strcmp(n, "--threads") == 0)
            bad = cli_parse_size("demo", n, v, 1, CLI_MAX_THREADS, &threads);
        else if (strcmp(n, "--out") == 0)
            outs.path[OUT_MODEL] = v;
        else if (strcmp(n, "--train-out") == 0)
            outs.path[OUT_TRAIN] = v;
        else if (strcmp(n, "--test-out") == 0)
            outs.path[OUT_TEST] = v;
        else if (strcmp(n, "--log") == 0)
            outs.path[OUT_LOG] = v;
        else if (strcmp(n, "--plot") == 0)
            outs.path[OUT_PLOT] = v;
        else if (strcmp(n, "--json") == 0)
            json = 1;
        else if (strcmp(n, "--quiet") == 0)
            c.verbosity = 0;
        else if (strcmp(n, "--verbose") == 0)
            c.verbosity = 2;
        if (bad)
            return CLI_EUSAGE;
    }
    if (threads > 0)
        mlpb_blas_set_threads((int)threads);
    int rc = outputs_open(&outs, "demo", json, NULL);
    if (rc != CLI_OK)
        return rc;

    char           err[512];
    mlpb_data      all, train, test;
    mlpb_data_opts o;
    mlpb_data_opts_init(&o);
    mlpb_status st = mlpb_data_read_mem(mlpb_demo_csv, mlpb_demo_csv_len, "breast_cancer.csv",
                                        &o, &all, err, sizeof err);
    if (st != MLPB_OK) {
        outputs_abort(&outs);
        return cli_fail("%s", err);
    }
    st = mlpb_data_split(&all, 0.25, c.seed, &train, &test);
    if (st != MLPB_OK) {
        outputs_abort(&outs);
        mlpb_data_free(&all);
        return cli_fail("mlpblas demo: cannot split the data: %s", mlpb_strerror(st));
    }
    size_t benign = 0;
    for (size_t i = 0; i < all.n; i++)
        benign += all.y[i] >= 0.5f;

    cli_fit  fit;
    cli_eval e;
    FILE    *log = outs.path[OUT_LOG] ? outs.w[OUT_LOG].f : NULL;
    rc           = cli_train(&train, &c, log, &fit);
    if (rc == CLI_OK) {
        rc = cli_evaluate(fit.model, &test, NULL, &e);
        if (rc != CLI_OK)
            cli_fit_free(&fit);
    }
    if (rc == CLI_OK) {
        rc = write_results(&outs, &fit, "Learning curve: breast cancer demo");
        if (rc == CLI_OK && outs.path[OUT_TRAIN] != NULL &&
            cli_write_csv(outs.w[OUT_TRAIN].f, &train) != 0)
            rc = cli_fail("%s: cannot write: %s", outs.path[OUT_TRAIN], strerror(errno));
        if (rc == CLI_OK && outs.path[OUT_TEST] != NULL &&
            cli_write_csv(outs.w[OUT_TEST].f, &test) != 0)
            rc = cli_fail("%s: cannot write: %s", outs.path[OUT_TEST], strerror(errno));
        if (rc != CLI_OK) {
            cli_eval_free(&e);
            cli_fit_free(&fit);
        }
    }
    if (rc != CLI_OK) {
        outputs_abort(&outs);
        mlpb_data_free(&all);
        mlpb_data_free(&train);
        mlpb_data_free(&test);
        return rc;
    }

    char arch[256];
    cli_arch_string(fit.model, arch, sizeof arch);
    const mlpb_train_report *rep = &fit.report;
    FILE                    *rf  = outs.report;
    if (json) {
        cli_json j;
        cli_json_head(&j, stdout, "demo");
        cli_json_data(&j, "breast_cancer.csv (built in)", &all);
        cli_json_model(&j, outs.path[OUT_MODEL], fit.model);
        cli_json_config(&j, &c, &fit);
        cli_json_training(&j, &fit);
        cli_json_obj(&j, "metrics");
        cli_json_eval_block(&j, "validation", fit.val.n ? &fit.val_eval : NULL, &fit.val);
        cli_json_eval_block(&j, "test", &e, &test);
        cli_json_close(&j, '}');
        cli_json_end(&j);
    } else if (c.verbosity > 0) {
        fprintf(rf, "mlpblas %s demo: breast cancer diagnosis from cell nuclei measurements\n\n",
                mlpb_version_string());
        fprintf(rf, "Data: Wisconsin Diagnostic Breast Cancer (W. H. Wolberg, W. N. Street,\n"
                    "O. L. Mangasarian; UCI, CC BY 4.0), built into this program: %zu\n"
                    "fine-needle aspirates, %zu features each, label \"%s\" (1 = benign,\n"
                    "0 = malignant; %zu benign, %zu malignant).\n\n",
                all.n, all.d, all.label_names[0], benign, all.n - benign);
        fprintf(rf, "1. Split (seed %llu, stratified): %zu rows to train on, %zu held out\n"
                    "   for the test; both parts keep the benign/malignant mix.\n",
                (unsigned long long)c.seed, train.n, test.n);
        fprintf(rf, "2. Train a %s network (ReLU hidden layer, sigmoid output) on binary\n"
                    "   cross-entropy with %s (learning rate %g, batches of %zu), features\n"
                    "   standardised with the training rows' means and deviations. %zu of the\n"
                    "   training rows watch for overfitting: their loss was lowest after %zu\n"
                    "   epochs (of %zu run)",
                arch, optimizer_title(c.opts.optim.kind), (double)c.opts.optim.lr,
                c.opts.batch_size, fit.val.n, rep->best_epoch, rep->epochs_run);
        if (fit.refit_epochs > 0)
            fprintf(rf, ";\n   then the model was trained again on all %zu training rows for %zu\n"
                        "   epochs (%.2f s).\n", fit.n_train, fit.refit_epochs, fit.seconds);
        else
            fprintf(rf, ", whose weights were kept (%.2f s).\n", fit.seconds);
        fprintf(rf, "3. Test on the %zu held-out rows, never seen in training:\n", test.n);
        cli_print_metrics(rf, "     ", &e, &test);
        fprintf(rf, "\nAccuracy is the share of tumours classified right; precision and recall\n"
                    "are those of the \"benign\" class; an AUC of 1 would rank every benign\n"
                    "tumour above every malignant one.\n\n"
                    "On your own data:\n"
                    "  mlpblas train data.csv --out model.mlpb\n"
                    "  mlpblas eval model.mlpb test.csv\n"
                    "  mlpblas predict model.mlpb new.csv --out probabilities.csv\n");
    }
    cli_eval_free(&e);
    cli_fit_free(&fit);
    mlpb_data_free(&all);
    mlpb_data_free(&train);
    mlpb_data_free(&test);
    return outputs_commit(&outs, "demo");
}
