/* cmd_train.c -- the commands that train: `train` (a data file to a model
 * file) and `demo` (the bundled breast-cancer data: split, train, test), on
 * the training routine of fit.c, and `plot` (the learning curve of a saved
 * --log). Every output file is opened before the work starts and committed
 * after the report on standard output is written. */
#include "classes.h"
#include "cli.h"
#include "demo_data.h"
#include "schema.h"
#include "train_data.h"
#ifdef MLPB_CLI_MPI
#  include "train_mpi.h"
#endif

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char train_help[] =
    "Usage: mlpblas train DATA --out MODEL [OPTIONS]\n"
    "\n"
    "Train a multilayer perceptron on DATA and save it to MODEL. The label is\n"
    "the last column unless --label names it; every other column but --id and\n"
    "--ignore ones is a feature. The model stores its schema (the feature\n"
    "columns in order, the labels and their values, classes, categories and\n"
    "imputation means), so eval and predict find the columns by name later.\n"
    "\n"
    "Labels: a two-valued column is a binary label: the --positive value is 1,\n"
    "else the second of 0/1, -1/+1, false/true, no/yes (any case), else the value\n"
    "that sorts second (the summary says which); several such columns make a\n"
    "multi-label model. One column of more than\n"
    "two values (integers or strings) is a class column: one output per class,\n"
    "the prediction the most probable class. A one-valued label is an error.\n"
    "Features: numbers, or a column of text is categorical: one input per\n"
    "category (at most 1000), in sorted order. Features are standardised with\n"
    "the training rows' means and deviations, which the model applies whenever\n"
    "it predicts. Missing cells (empty, NA, N/A, NaN, NULL, ?) follow --missing.\n"
    "LIBSVM files: the inputs are the feature indices that occur, in order.\n"
    "\n"
    "A stratified 15% of the rows is held out to choose the number of epochs:\n"
    "training stops when the validation loss has not improved for 30 epochs,\n"
    "then the model is trained again from the same start on all rows for the\n"
    "best epoch's count (--no-refit keeps the best epoch's weights instead).\n"
    "Progress goes to standard error (a bar fitted to the terminal, or one line\n"
    "an epoch when it is not a terminal); the validation metrics (of the run\n"
    "that chose the epochs) and the model path to standard output.\n"
    "docs/defaults.md (installed as PREFIX/share/doc/mlpblas/defaults.md)\n"
    "explains each default.\n"
    "\n"
    "Model:\n";
static const char train_help2[] =
    "  -o, --out MODEL         model file to write (required; replaced atomically)\n"
    "  --label COLS            label column(s): names, 1-based numbers or ranges\n"
    "                          (65-74), comma-separated; \"quote\" a name with a\n"
    "                          comma, or give it alone; repeatable (default: the\n"
    "                          last column)\n"
    "  --positive [COL=]VALUE  the label value that is 1: of column COL, or of the\n"
    "                          label column that has VALUE; repeatable (default:\n"
    "                          1, true, yes, else the value that sorts second)\n"
    "  --classify              the label is a class column even though it holds\n"
    "                          many distinct numbers (refused as continuous else)\n"
    "  --id COL                an id column: never a feature (predict carries it;\n"
    "                          default: a first column with no name, a row index)\n"
    "  --ignore COLS           columns that are not features (as --label; repeatable)\n"
    "  --missing MODE          error: a missing cell is an error naming it;\n"
    "                          mean: the training mean (categories: all zeros);\n"
    "                          indicator: as mean, plus a 0/1 was-missing input for\n"
    "                          each numeric column with missing cells (error)\n"

    "  --hidden N[,N...]       hidden layer widths (one layer: 64 units for one\n"
    "                          output, max(128, 8 x outputs) for more)\n"
    "Training:\n"
    "  --epochs N              maximum number of epochs (300)\n"
    "  --batch N               rows per mini-batch (32)\n"
    "  --optimizer NAME        sgd, momentum, nesterov, adam, adamw, rmsprop (adamw)\n"
    "  --lr X                  learning rate (0.001)\n"
    "  --weight-decay X        L2 penalty on the weights; decoupled for adamw (with\n"
    "                          adamw 0.1, times 1000 / rows above 1,000 rows;\n"
    "                          0 with another --optimizer)\n"
    "  --schedule NAME         learning rate over time: constant; step (x0.1 after\n"
    "                          each third of the epochs); cosine (down to 0 at the\n"
    "                          last epoch) (constant)\n"
    "  --val-split F           fraction held out for validation, 0 for none (0.15)\n"
    "  --patience N            stop after N epochs without a better validation\n"
    "                          loss; 0 never stops early (30)\n"
    "  --pos-weight X|auto     weight of the positive class in the loss; auto is\n"
    "                          negatives/positives of each label (1)\n"
    "  --no-refit              keep the best epoch's weights instead of training\n"
    "                          again on all rows for that many epochs\n"
    "  --no-standardize        use the features as they are\n"
    "  --seed N                seed of initialisation, split and shuffling (1)\n"
    "  -j, --threads N         threads (default: the BLAS library's count; with\n"
    "                          --mpi, that count divided by the ranks on the\n"
    "                          machine); each batch big enough is split in as\n"
    "                          many row blocks, one a thread\n"
    "  --precision P           fp32, bf16 (products in bf16 with fp32 sums; needs\n"
    "                          oneDNN and a CPU with AVX512-BF16) or bf16-emulated\n"
    "                          (the same roundings on any CPU, slower); the model\n"
    "                          file is fp32 either way (fp32)\n"
    "  --gemm auto|blas|onednn the library running the fp32 products: BLAS, or\n"
    "                          oneDNN where built with it; auto takes oneDNN only\n"
    "                          where the BLAS runs kernels older than the CPU (auto)\n"
    "  --max-memory SIZE       refuse to start a run needing more memory (bytes, or\n"
    "                          with K, M, G; default: half of what the process\n"
    "                          may use: RAM, ulimit -v and -d, cgroup limit;\n"
    "                          with --mpi, of each rank)\n"
    "  --mpi                   under mpirun: data-parallel over the ranks; each reads\n"
    "                          its own part of DATA (a plain file, not gzip), rank 0\n"
    "                          prints and writes (docs/cli.md; needs a build with MPI)\n"
    ;
/* In parts: C99 compilers need only support 4095-byte strings. */
static const char train_help3[] =
    "Data:\n"
    "  --format csv|libsvm     file format (default: from the name, else csv)\n"
    "  --delimiter C           CSV delimiter: a character, 'tab' or 'space'\n"
    "                          (default: detected from the first line)\n"
    "  --decimal .|,           CSV decimal mark (default: ',' when the delimiter is\n"
    "                          not ',' and the first rows hold numbers like 5,1)\n"
    "  --no-header             the CSV has no header row; columns are named 1, 2, ...\n"
    "                          (a first row of numbers only is refused otherwise)\n"
    "  --header                the first row is the header, even if all numbers\n"
    "  --multilabel            LIBSVM: rows of comma-separated class ids; otherwise\n"
    "                          one integer a row: 0/1 or two ids a binary label\n"
    "                          (the larger is 1), more ids a class column\n"
    "  --zero-based            LIBSVM feature indices start at 0 (detected when an\n"
    "                          index 0 appears)\n"
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

/* The end of train: with --mpi, rank 0's status after writing (the model,
 * the report) is every rank's. */
static int train_exit(int mpi, int rc)
{
#ifdef MLPB_CLI_MPI
    if (mpi)
        return cli_mpi_finish(rc);
#else
    (void)mpi;
#endif
    return rc;
}

/* ---------------------------------------------------------------- train */
int cli_cmd_train(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--out", 1},     {"--label", 1},        {"--hidden", 1},    {"--epochs", 1},
        {"--batch", 1},   {"--lr", 1},           {"--optimizer", 1}, {"--weight-decay", 1},
        {"--schedule", 1}, {"--val-split", 1},   {"--patience", 1},  {"--pos-weight", 1},
        {"--seed", 1},    {"--threads", 1},      {"--log", 1},       {"--quiet", 0},
        {"--json", 0},    {"--no-standardize", 0}, {"--plot", 1},    {"--verbose", 0},
        {"--max-memory", 1}, {"--id", 1},        {"--ignore", 1},    {"--positive", 1},
        {"--missing", 1}, {"--no-refit", 0},     {"--precision", 1}, {"--mpi", 0},
        {"--gemm", 1},    {"--classify", 0},
        CLI_READ_OPTDEFS,
        {NULL, 0}};
    const char    *data_path = NULL;
    size_t         threads = 0;
    int            json = 0, mpi = 0, r;
    float          f;
    cli_train_cfg  c;
    cli_read_opts  o;
    cli_args       a;
    outputs        outs;
    train_cols     cols;
    memset(&outs, 0, sizeof outs);
    memset(&cols, 0, sizeof cols);
    cli_train_cfg_default(&c);
    cli_read_opts_init(&o);
    cli_args_init(&a, argc, argv, "train", defs);
    while ((r = cli_args_next(&a)) != CLI_ARG_END) {
        if (r == CLI_ARG_HELP)
            return fputs(train_help, stdout), fputs(train_help2, stdout),
                   fputs(train_help3, stdout), CLI_OK;
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
        int         used = cli_read_option("train", n, v, &o), bad = 0;
        if (used < 0)
            return CLI_EUSAGE;
        if (used)
            continue;
        if (strcmp(n, "--out") == 0) {
            outs.path[OUT_MODEL] = v;
        } else if (strcmp(n, "--label") == 0 || strcmp(n, "--ignore") == 0) {
            int          lab = n[2] == 'l';
            const char **l   = lab ? cols.label : cols.ignore;
            size_t      *nl  = lab ? &cols.n_label : &cols.n_ignore;
            if (v[0] == '\0')
                return cli_usage("train", "%s: empty list", n);
            if (*nl == CLI_MAX_COLSPECS)
                return cli_usage("train", "%s: given more than %d times", n,
                                 CLI_MAX_COLSPECS);
            l[(*nl)++] = v;
        } else if (strcmp(n, "--id") == 0) {
            if (v[0] == '\0')
                return cli_usage("train", "--id: empty column name");
            cols.id = v;
        } else if (strcmp(n, "--positive") == 0) {
            if (v[0] == '\0')
                return cli_usage("train", "--positive: empty value");
            if (cols.n_positive == CLI_MAX_COLSPECS)
                return cli_usage("train", "--positive: given more than %d times",
                                 CLI_MAX_COLSPECS);
            cols.positive[cols.n_positive++] = v;
        } else if (strcmp(n, "--classify") == 0) {
            cols.classify = 1;
        } else if (strcmp(n, "--missing") == 0) {
            if (strcmp(v, "error") == 0)
                cols.missing = CLI_MISSING_ERROR;
            else if (strcmp(v, "mean") == 0)
                cols.missing = CLI_MISSING_MEAN;
            else if (strcmp(v, "indicator") == 0)
                cols.missing = CLI_MISSING_INDICATOR;
            else
                return cli_usage("train", "--missing: '%s' is not error, mean or indicator",
                                 v);
        } else if (strcmp(n, "--hidden") == 0) {
            bad = cli_parse_sizes("train", n, v, c.hidden, CLI_MAX_HIDDEN, &c.n_hidden);
            c.hidden_given = 1;
        } else if (strcmp(n, "--epochs") == 0) {
            bad = cli_parse_size("train", n, v, 1, SIZE_MAX, &c.opts.epochs);
        } else if (strcmp(n, "--batch") == 0) {
            bad = cli_parse_size("train", n, v, 1, SIZE_MAX, &c.opts.batch_size);
        } else if (strcmp(n, "--lr") == 0) {
            bad = cli_parse_float("train", n, v, 1e-12, 1e3, &c.opts.optim.lr);
        } else if (strcmp(n, "--weight-decay") == 0) {
            bad = cli_parse_float("train", n, v, 0.0, 1e3, &c.opts.optim.weight_decay);
            c.wd_given = 1;
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
        } else if (strcmp(n, "--mpi") == 0) {
            mpi = 1;
        } else if (strcmp(n, "--no-standardize") == 0) {
            c.opts.standardize = 0;
        } else if (strcmp(n, "--gemm") == 0) {
            if (strcmp(v, "auto") == 0)
                c.opts.gemm = MLPB_GEMM_AUTO;
            else if (strcmp(v, "blas") == 0)
                c.opts.gemm = MLPB_GEMM_BLAS;
            else if (strcmp(v, "onednn") == 0)
                c.opts.gemm = MLPB_GEMM_ONEDNN;
            else
                return cli_usage("train", "--gemm: '%s' is not auto, blas or onednn", v);
        } else if (strcmp(n, "--precision") == 0) {
            if (strcmp(v, "fp32") == 0)
                c.opts.precision = MLPB_PRECISION_FP32;
            else if (strcmp(v, "bf16") == 0)
                c.opts.precision = MLPB_PRECISION_BF16;
            else if (strcmp(v, "bf16-emulated") == 0)
                c.opts.precision = MLPB_PRECISION_BF16_EMULATED;
            else
                return cli_usage("train", "--precision: '%s' is not fp32, bf16 or bf16-emulated",
                                 v);
        }
        if (bad)
            return CLI_EUSAGE;
    }
    /* The default decay is AdamW's, decoupled; another optimiser chosen
     * without --weight-decay gets none rather than that much L2. */
    if (!c.wd_given && c.opts.optim.kind != MLPB_OPT_ADAMW)
        c.opts.optim.weight_decay = 0.0f;
    if (data_path == NULL)
        return cli_usage("train", "needs a DATA file");
    if (outs.path[OUT_MODEL] == NULL || outs.path[OUT_MODEL][0] == '\0')
        return cli_usage("train", "needs --out MODEL");
    if (outs.path[OUT_LOG] != NULL && outs.path[OUT_LOG][0] == '\0')
        return cli_usage("train", "--log: empty file name");
    if (threads > 0)
        mlpb_blas_set_threads((int)threads);
#ifndef MLPB_CLI_MPI
    if (mpi)
        return cli_usage("train", "--mpi: this mlpblas was built without MPI (build it with "
                                  "an MPI library installed, e.g. Debian's libopenmpi-dev, "
                                  "and -DMLPB_WITH_MPI=AUTO or ON)");
#endif

    cli_inputs in = {0};
    cli_inputs_add(&in, data_path);
    o.max_bytes = c.max_memory; /* the reader stops there, the trainer checks the rest */
    int rank = 0, rc = CLI_OK;
#ifdef MLPB_CLI_MPI
    int ranks = 1;
    if (mpi && cli_mpi_begin(&rank, &ranks) != CLI_OK)
        return CLI_EDATA;
    /* Ranks that share a machine share its cores, unless --threads says. */
    if (mpi && threads == 0)
        cli_mpi_share_cores();
    /* Only rank 0 writes: the others open no output. */
    if (rank == 0)
        rc = outputs_open(&outs, "train", json, &in);
    if (mpi && (rc = cli_mpi_agree(rc)) != CLI_OK) {
        if (rank == 0)
            outputs_abort(&outs);
        cli_mpi_end();
        return rc;
    }
    if (rank != 0) {
        c.verbosity = 0;
        json        = 0;
    }
#else
    rc = outputs_open(&outs, "train", json, &in);
#endif
    if (rc != CLI_OK)
        return rc;
    cols.quiet      = c.verbosity == 0;
    const char *out = outs.path[OUT_MODEL];
    mlpb_data   d;
    cli_schema  sc;
    cli_fit     fit;
    FILE       *log = outs.path[OUT_LOG] && rank == 0 ? outs.w[OUT_LOG].f : NULL;
#ifdef MLPB_CLI_MPI
    if (mpi) {
        size_t n_all = 0;
        if (cli_mpi_read(data_path, &o, &cols, &d, &sc, &n_all) != CLI_OK) {
            outputs_abort(&outs);
            cli_mpi_end();
            return CLI_EDATA;
        }
        c.class_metrics = sc.task == CLI_TASK_MULTICLASS;
        cli_train_cfg_for_data(&c, n_all, d.k);
        rc = cli_mpi_train(&d, n_all, &c, log, &fit);
        if (rc != CLI_OK) {
            outputs_abort(&outs);
            cli_schema_free(&sc);
            mlpb_data_free(&d);
            cli_mpi_end();
            return rc;
        }
        /* The model is the same on every rank: rank 0 reports and writes
         * it, the others are done. */
        if (rank != 0) {
            cli_schema_free(&sc);
            cli_fit_free(&fit);
            mlpb_data_free(&d);
            return train_exit(mpi, CLI_OK);
        }
        cli_fail_hold(NULL, 0); /* rank 0 alone from here: it prints its own errors */
    }
#endif
    if (!mpi && cli_read_training_data(data_path, &o, &cols, &d, &sc) != CLI_OK) {
        outputs_abort(&outs);
        return CLI_EDATA;
    }
    c.class_metrics = sc.task == CLI_TASK_MULTICLASS;
    if (!mpi) {
        cli_train_cfg_for_data(&c, d.n, d.k);
        rc = cli_train(&d, &c, log, &fit);
    }
    if (rc == CLI_OK) {
        mlpb_status st = cli_schema_store(&sc, fit.model);
        if (st != MLPB_OK) {
            rc = cli_fail("%s: cannot store the schema in the model: %s", out,
                          mlpb_strerror(st));
            cli_fit_free(&fit);
        }
    }
    if (rc == CLI_OK) {
        char title[320];
        snprintf(title, sizeof title, "Learning curve: %.280s", base_name(data_path));
        rc = write_results(&outs, &fit, title);
        if (rc != CLI_OK)
            cli_fit_free(&fit);
    }
    if (rc != CLI_OK) {
        outputs_abort(&outs);
        cli_schema_free(&sc);
        mlpb_data_free(&d);
        return train_exit(mpi, rc);
    }

    /* A class column: the validation rows' class metrics too, of the model
     * that chose the epochs (as the other validation metrics). */
    const cli_mc *mc      = fit.val_mc;
    int           have_mc = mc != NULL;

    char arch[256];
    cli_arch_string(fit.model, arch, sizeof arch);
    const mlpb_train_report *rep = &fit.report;
    FILE                    *rf  = outs.report;
    if (json) {
        cli_json j;
        cli_json_head(&j, stdout, "train");
        cli_json_data(&j, data_path, &d, &sc);
        cli_json_model(&j, out, fit.model);
        cli_json_config(&j, &c, &fit);
        cli_json_training(&j, &fit);
        cli_json_obj(&j, "metrics");
        if (fit.val.n == 0 && fit.n_val > 0) {
            /* --mpi: the best epoch's metrics over the ranks' validation rows. */
            cli_json_obj(&j, "validation");
            cli_json_int(&j, "rows", fit.n_val);
            cli_json_metrics(&j, &rep->best.val);
            cli_json_close(&j, '}');
        } else {
            cli_json_eval_block(&j, "validation", fit.val.n ? &fit.val_eval : NULL, &fit.val,
                                fit.val_mc);
        }
        cli_json_null(&j, "test");
        cli_json_close(&j, '}');
        if (have_mc) {
            cli_json_obj(&j, "classes");
            cli_json_str(&j, "label", sc.labels[0].name);
            cli_mc_json(&j, mc, (const char *const *)sc.classes);
            cli_json_close(&j, '}');
        } else {
            cli_json_null(&j, "classes");
        }
        cli_json_end(&j);
    } else if (c.verbosity > 0) {
        fprintf(rf, "trained %s in %.2f s: %zu epoch%s on %zu rows", arch, fit.seconds,
                rep->epochs_run, rep->epochs_run == 1 ? "" : "s",
                fit.train.n ? fit.train.n : fit.n_first ? fit.n_first : fit.n_train);
        if (fit.ranks > 0)
            fprintf(rf, " (%d rank%s)", fit.ranks, fit.ranks == 1 ? "" : "s");
        if (fit.val.n > 0 || fit.n_val > 0)
            fprintf(rf, ", best %zu%s", rep->best_epoch,
                    rep->stopped_early ? " (stopped early)" : "");
        if (fit.refit_epochs > 0)
            fprintf(rf, ", then %zu on all %zu rows", fit.refit_epochs, fit.n_train);
        fprintf(rf, ", %.0f samples/s\n", samples_per_s(&fit));
        /* Which value of a two-valued label is 1, where it is not the
         * value 1 itself (docs/cli.md, "Labels"). */
        for (size_t l = 0; sc.task != CLI_TASK_MULTICLASS && l < sc.n_labels; l++)
            if (strcmp(sc.labels[l].pos, "1") != 0)
                fprintf(rf, "label %s: 1 = \"%s\" (the positive value), 0 = \"%s\"%s\n",
                        sc.labels[l].name, sc.labels[l].pos, sc.labels[l].neg,
                        cols.n_positive ? "" : "; --positive chooses");
        if (fit.val.n > 0) {
            if (fit.refit_epochs > 0)
                fprintf(rf, "validation (%zu rows held out to choose the epochs; the saved\n"
                            "model was then trained on them too):\n", fit.val.n);
            else
                fprintf(rf, "validation (%zu rows held out from training):\n", fit.val.n);
            if (have_mc)
                cli_mc_print(rf, "  ", mc, (const char *const *)sc.classes);
            else
                cli_print_metrics(rf, "  ", &fit.val_eval, &fit.val);
        } else if (fit.n_val > 0) {
            /* --mpi: the rows are spread over the ranks; the trainer's
             * metrics of the best epoch, over all of them. */
            const mlpb_metrics *m = &rep->best.val;
            fprintf(rf, "validation (%zu rows of %d rank%s held out to choose the epochs%s),\n"
                        "best epoch:\n", fit.n_val, fit.ranks, fit.ranks == 1 ? "" : "s",
                    fit.refit_epochs > 0 ? ";\nthe saved model was then trained on them too"
                                         : "");
            if (have_mc)
                cli_mc_print(rf, "  ", mc, (const char *const *)sc.classes);
            else
                fprintf(rf, "  loss %.4f  accuracy %.4f  precision %.4f  recall %.4f  "
                            "f1 %.4f  auc %.4f\n", rep->best_val_loss, m->accuracy,
                        m->precision, m->recall, m->f1, m->auc);
        }
        if (strcmp(out, "-") != 0)
            cli_tprintf(rf, "model saved to %s\n", out);
    }
    cli_schema_free(&sc);
    cli_fit_free(&fit);
    mlpb_data_free(&d);
    return train_exit(mpi, outputs_commit(&outs, "train"));
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
        cli_json_data(&j, "breast_cancer.csv (built in)", &all, NULL);
        cli_json_model(&j, outs.path[OUT_MODEL], fit.model);
        cli_json_config(&j, &c, &fit);
        cli_json_training(&j, &fit);
        cli_json_obj(&j, "metrics");
        cli_json_eval_block(&j, "validation", fit.val.n ? &fit.val_eval : NULL, &fit.val, NULL);
        cli_json_eval_block(&j, "test", &e, &test, NULL);
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
