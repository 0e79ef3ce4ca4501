/* train_opts.c -- the command line of `mlpblas train` (train_opts.h): its
 * help, its options read into a cli_train_args, and their checks. */
#include "cmd/train_opts.h"

#include "base/args.h"
#include "base/msg.h"
#include "cmd/outputs.h"
#include "out/report.h"
#include "read/colsel.h"
#include "read/table.h"
#include "schema/schema.h"
#include "schema/train_data.h"
#include "train/fit.h"

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
    "Features: numbers, or a column of text (or one named by --categorical)\n"
    "is categorical: one input per category (at most 1000), in sorted order.\n"
    "Features are standardised with\n"
    "the training rows' means and deviations, which the model applies whenever\n"
    "it predicts. Missing cells (empty, NA, N/A, NaN, NULL, ?) follow --missing.\n"
    "LIBSVM files: the inputs are the feature indices that occur, in order.\n"
    "\n"
    "A stratified 15% of the rows is held out to choose the number of epochs:\n"
    "training stops when the validation loss has not improved for 30 epochs,\n"
    "then the model is trained again from the same start on all rows for the\n"
    "best epoch's count (--no-refit keeps the best epoch's weights instead).\n"
    "Under 1,000 rows 8 networks are trained, each holding out other rows\n"
    "(every row is held out by one or two of them) and keeping its best\n"
    "epoch's weights, and saved as one that averages them (--ensemble).\n"
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
    "  --categorical COLS      features whose cells are categories, numbers too\n"
    "                          (codes such as 1, 2, 3; \"4\" and \"4.0\" are one);\n"
    "                          a column with text is one already (as --label;\n"
    "                          repeatable)\n"
    "  --missing MODE          error: a missing cell is an error naming it;\n"
    "                          mean: the training mean (categories: all zeros);\n"
    "                          indicator: as mean, plus a 0/1 was-missing input for\n"
    "                          each numeric column with missing cells (error)\n"

    "  --hidden N[,N...]       hidden layer widths (one layer: 64 units for one\n"
    "                          output, max(128, 8 x outputs) for more)\n"
    ;
static const char train_help_training[] =
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
    "  --min-delta X           a validation loss counts as better when it is\n"
    "                          below the best so far minus X (0)\n"
    "  --pos-weight X|auto     weight of the positive class in the loss; auto is\n"
    "                          negatives/positives of each label (1)\n"
    "  --no-refit              keep the best epoch's weights instead of training\n"
    "                          again on all rows for that many epochs (the\n"
    "                          default for an ensemble)\n"
    "  --refit                 refit each network, an ensemble's members too\n"
    "  --no-standardize        use the features as they are\n"
    "  --ensemble N|auto       save one network averaging N, each from its own\n"
    "                          seeds (auto: 8 under 1,000 rows, else 1)\n"
    "  --seed N                seed of initialisation, split and shuffling (1)\n"
    "  -j, --threads N         threads (default: the BLAS library's count; with\n"
    "                          --mpi, that count divided by the ranks on the\n"
    "                          machine); each batch big enough is split in as\n"
    "                          many row blocks, one a thread; an ensemble's\n"
    "                          networks after the first train side by side,\n"
    "                          one a thread\n"
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

/* One option of train other than the reading options: -1 when it was
 * taken, else the exit status (a usage error, printed). */
static int train_option(const char *n, const char *v, cli_train_args *t)
{
    cli_train_cfg *c    = &t->c;
    train_cols    *cols = &t->cols;
    int            bad  = 0;
    float          f;
    if (strcmp(n, "--out") == 0) {
        t->outs.path[CLI_OUT_MODEL] = v;
    } else if (strcmp(n, "--label") == 0 || strcmp(n, "--ignore") == 0 ||
               strcmp(n, "--categorical") == 0) {
        const char **l  = cols->label;
        size_t      *nl = &cols->n_label;
        if (n[2] == 'i')
            l = cols->ignore, nl = &cols->n_ignore;
        else if (n[2] == 'c')
            l = cols->categorical, nl = &cols->n_categorical;
        if (v[0] == '\0')
            return cli_usage("train", "%s: empty list", n);
        if (*nl == CLI_MAX_COLSPECS)
            return cli_usage("train", "%s: given more than %d times", n,
                             CLI_MAX_COLSPECS);
        l[(*nl)++] = v;
    } else if (strcmp(n, "--id") == 0) {
        if (v[0] == '\0')
            return cli_usage("train", "--id: empty column name");
        cols->id = v;
    } else if (strcmp(n, "--positive") == 0) {
        if (v[0] == '\0')
            return cli_usage("train", "--positive: empty value");
        if (cols->n_positive == CLI_MAX_COLSPECS)
            return cli_usage("train", "--positive: given more than %d times",
                             CLI_MAX_COLSPECS);
        cols->positive[cols->n_positive++] = v;
    } else if (strcmp(n, "--classify") == 0) {
        cols->classify = 1;
    } else if (strcmp(n, "--missing") == 0) {
        if (strcmp(v, "error") == 0)
            cols->missing = CLI_MISSING_ERROR;
        else if (strcmp(v, "mean") == 0)
            cols->missing = CLI_MISSING_MEAN;
        else if (strcmp(v, "indicator") == 0)
            cols->missing = CLI_MISSING_INDICATOR;
        else
            return cli_usage("train", "--missing: '%s' is not error, mean or indicator",
                             v);
    } else if (strcmp(n, "--hidden") == 0) {
        bad = cli_parse_sizes("train", n, v, c->hidden, CLI_MAX_HIDDEN, &c->n_hidden);
        c->hidden_given = 1;
    } else if (strcmp(n, "--epochs") == 0) {
        bad = cli_parse_size("train", n, v, 1, SIZE_MAX, &c->opts.epochs);
    } else if (strcmp(n, "--batch") == 0) {
        bad = cli_parse_size("train", n, v, 1, SIZE_MAX, &c->opts.batch_size);
    } else if (strcmp(n, "--lr") == 0) {
        bad = cli_parse_float("train", n, v, 1e-12, 1e3, &c->opts.optim.lr);
    } else if (strcmp(n, "--weight-decay") == 0) {
        bad = cli_parse_float("train", n, v, 0.0, 1e3, &c->opts.optim.weight_decay);
        c->wd_given = 1;
    } else if (strcmp(n, "--optimizer") == 0) {
        if (cli_parse_optimizer(v, &c->opts.optim.kind) != 0)
            return cli_usage("train", "--optimizer: '%s' is not sgd, momentum, nesterov, "
                                      "adam, adamw or rmsprop", v);
    } else if (strcmp(n, "--schedule") == 0) {
        if (cli_parse_schedule(v, &c->opts.optim.schedule) != 0)
            return cli_usage("train", "--schedule: '%s' is not constant, step or cosine",
                             v);
    } else if (strcmp(n, "--val-split") == 0) {
        bad = cli_parse_float("train", n, v, 0.0, 0.9, &f);
        c->val_split = (double)f;
    } else if (strcmp(n, "--patience") == 0) {
        bad = cli_parse_size("train", n, v, 0, SIZE_MAX, &c->opts.patience);
    } else if (strcmp(n, "--min-delta") == 0) {
        bad = cli_parse_float("train", n, v, 0.0, 1e3, &c->opts.min_delta);
    } else if (strcmp(n, "--pos-weight") == 0) {
        if (strcmp(v, "auto") == 0)
            c->pos_weight = 0.0f;
        else
            bad = cli_parse_float("train", n, v, 1e-6, 1e6, &c->pos_weight);
    } else if (strcmp(n, "--seed") == 0) {
        bad = cli_parse_u64("train", n, v, &c->seed);
    } else if (strcmp(n, "--threads") == 0) {
        bad = cli_parse_size("train", n, v, 1, CLI_MAX_THREADS, &t->threads);
    } else if (strcmp(n, "--max-memory") == 0) {
        bad = cli_parse_bytes("train", n, v, &c->max_memory);
    } else if (strcmp(n, "--log") == 0) {
        t->outs.path[CLI_OUT_LOG] = v;
    } else if (strcmp(n, "--plot") == 0) {
        t->outs.path[CLI_OUT_PLOT] = v;
    } else if (strcmp(n, "--quiet") == 0) {
        c->verbosity = 0;
    } else if (strcmp(n, "--verbose") == 0) {
        c->verbosity = 2;
    } else if (strcmp(n, "--json") == 0) {
        t->json = 1;
    } else if (strcmp(n, "--no-refit") == 0 || strcmp(n, "--refit") == 0) {
        c->opts.refit = strcmp(n, "--refit") == 0;
        c->refit_given = 1;
    } else if (strcmp(n, "--ensemble") == 0) {
        if (strcmp(v, "auto") == 0)
            c->members = 0;
        else
            bad = cli_parse_size("train", n, v, 1, 64, &c->members);
    } else if (strcmp(n, "--mpi") == 0) {
        t->mpi = 1;
    } else if (strcmp(n, "--no-standardize") == 0) {
        c->opts.standardize = 0;
    } else if (strcmp(n, "--gemm") == 0) {
        if (strcmp(v, "auto") == 0)
            c->opts.gemm = MLPB_GEMM_AUTO;
        else if (strcmp(v, "blas") == 0)
            c->opts.gemm = MLPB_GEMM_BLAS;
        else if (strcmp(v, "onednn") == 0)
            c->opts.gemm = MLPB_GEMM_ONEDNN;
        else
            return cli_usage("train", "--gemm: '%s' is not auto, blas or onednn", v);
    } else if (strcmp(n, "--precision") == 0) {
        if (strcmp(v, "fp32") == 0)
            c->opts.precision = MLPB_PRECISION_FP32;
        else if (strcmp(v, "bf16") == 0)
            c->opts.precision = MLPB_PRECISION_BF16;
        else if (strcmp(v, "bf16-emulated") == 0)
            c->opts.precision = MLPB_PRECISION_BF16_EMULATED;
        else
            return cli_usage("train", "--precision: '%s' is not fp32, bf16 or bf16-emulated",
                             v);
    }
    return bad ? CLI_EUSAGE : -1;
}

int cli_train_parse(int argc, char **argv, cli_train_args *t)
{
    static const cli_optdef defs[] = {
        {"--out", 1},     {"--label", 1},        {"--hidden", 1},    {"--epochs", 1},
        {"--batch", 1},   {"--lr", 1},           {"--optimizer", 1}, {"--weight-decay", 1},
        {"--schedule", 1}, {"--val-split", 1},   {"--patience", 1},  {"--pos-weight", 1},
        {"--seed", 1},    {"--threads", 1},      {"--log", 1},       {"--quiet", 0},
        {"--json", 0},    {"--no-standardize", 0}, {"--plot", 1},    {"--verbose", 0},
        {"--max-memory", 1}, {"--id", 1},        {"--ignore", 1},    {"--positive", 1},
        {"--categorical", 1},
        {"--missing", 1}, {"--no-refit", 0},     {"--precision", 1}, {"--mpi", 0},
        {"--gemm", 1},    {"--classify", 0},     {"--ensemble", 1},  {"--refit", 0},
        {"--min-delta", 1}, CLI_READ_OPTDEFS,
        {NULL, 0}};
    static const char *const help[] = {train_help, train_help2, train_help_training,
                                       train_help3, NULL};
    cli_args a;
    size_t   npos = 0;
    int      r, rc;
    memset(t, 0, sizeof *t);
    cli_train_cfg_default(&t->c);
    cli_read_opts_init(&t->o);
    cli_args_init(&a, argc, argv, "train", defs);
    while ((r = cli_args_option(&a, help, &t->data_path, 1, &npos, &rc)) > 0) {
        int used = cli_read_option("train", a.name, a.value, &t->o);
        if (used < 0)
            return CLI_EUSAGE;
        if (used)
            continue;
        const int st = train_option(a.name, a.value, t);
        if (st >= 0)
            return st;
    }
    if (r < 0)
        return rc;
    /* The default decay is AdamW's, decoupled; another optimiser chosen
     * without --weight-decay gets none rather than that much L2. */
    if (!t->c.wd_given && t->c.opts.optim.kind != MLPB_OPT_ADAMW)
        t->c.opts.optim.weight_decay = 0.0f;
    if (t->data_path == NULL)
        return cli_usage("train", "needs a DATA file");
    if (t->outs.path[CLI_OUT_MODEL] == NULL || t->outs.path[CLI_OUT_MODEL][0] == '\0')
        return cli_usage("train", "needs --out MODEL");
    if (t->outs.path[CLI_OUT_LOG] != NULL && t->outs.path[CLI_OUT_LOG][0] == '\0')
        return cli_usage("train", "--log: empty file name");
    if (t->threads > 0)
        mlpb_blas_set_threads((int)t->threads);
#ifndef MLPB_CLI_MPI
    if (t->mpi)
        return cli_usage("train", "--mpi: this mlpblas was built without MPI (build it with "
                                  "an MPI library installed, e.g. Debian's libopenmpi-dev, "
                                  "and -DMLPB_WITH_MPI=AUTO or ON)");
#endif
    return -1;
}
