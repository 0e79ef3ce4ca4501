/* main.c -- entry point of the mlpblas tool: the command dispatch, the
 * top-level help, option parsing and the messages and loaders every command
 * shares. The commands themselves are in cmd_train.c and cmd_eval.c. */
#include "cli.h"
#include "names.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
    "Usage: mlpblas COMMAND [ARGS...]\n"
    "\n"
    "Train and run multilayer perceptrons (ReLU hidden layers, sigmoid outputs,\n"
    "binary cross-entropy) for binary, multi-label and multi-class classification\n"
    "of tabular data (multi-class: one output per class, the prediction the most\n"
    "probable class). Every heavy product is a cblas_sgemm call.\n"
    "\n"
    "Commands:\n"
    "  train DATA --out MODEL   train a model on a CSV or LIBSVM file\n"
    "  eval MODEL DATA          metrics of a model on labelled data\n"
    "  predict MODEL DATA       probabilities as CSV, one row a sample\n"
    "  info MODEL               architecture and settings of a model file\n"
    "  demo                     split, train and test on the bundled breast-cancer data\n"
    "  plot LOG --out FILE.svg  the learning curve of a 'train --log' file as SVG\n"
    "  export MODEL --onnx F    write a model as ONNX (for onnxruntime and others)\n"
    "  import F.onnx --out M    read an ONNX MLP (e.g. PyTorch's) into a model file\n"
    "\n"
    "Options:\n"
    "  -h, --help               this text; 'mlpblas COMMAND --help' for a command\n"
    "  -V, --version            the version (also after any command)\n"
    "\n"
    "Data files are CSV with a header row (the delimiter ',' ';' or tab is\n"
    "detected) or LIBSVM/svmlight text (.svm, .libsvm, .svmlight), either one\n"
    "optionally gzip-compressed (.gz); '-' reads standard input. The label is the\n"
    "last column unless --label names it: a two-valued column (binary; several\n"
    "make a multi-label model) or a class column of more values (multi-class).\n"
    "\n"
    "Exit status: 0 on success, 1 for bad data, models or files (the message\n"
    "starts with FILE:LINE:COLUMN: or MODEL:), 2 for a bad command line.\n"
    "\n"
    "Documentation: 'man mlpblas', and the .md files named in the help texts, in\n"
    "docs/ of the source and in PREFIX/share/doc/mlpblas where installed.\n"
    "\n"
    "Example:\n"
    "  mlpblas demo\n"
    "  mlpblas train data.csv --out model.mlpb\n"
    "  mlpblas eval model.mlpb test.csv\n"
    "  mlpblas predict model.mlpb new.csv --out probabilities.csv\n";

/* Run command cmd with argv[0] == cmd; -1 if there is no such command. */
static int dispatch(const char *cmd, int argc, char **argv)
{
    if (strcmp(cmd, "train") == 0)
        return cli_cmd_train(argc, argv);
    if (strcmp(cmd, "eval") == 0)
        return cli_cmd_eval(argc, argv);
    if (strcmp(cmd, "predict") == 0)
        return cli_cmd_predict(argc, argv);
    if (strcmp(cmd, "info") == 0)
        return cli_cmd_info(argc, argv);
    if (strcmp(cmd, "demo") == 0)
        return cli_cmd_demo(argc, argv);
    if (strcmp(cmd, "plot") == 0)
        return cli_cmd_plot(argc, argv);
    if (strcmp(cmd, "export") == 0)
        return cli_cmd_export(argc, argv);
    if (strcmp(cmd, "import") == 0)
        return cli_cmd_import(argc, argv);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return CLI_EUSAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "help") == 0 && argc > 2) {
        /* "mlpblas help train" is "mlpblas train --help". */
        char  help[] = "--help";
        char *args[] = {argv[2], help, NULL};
        int   rc     = dispatch(argv[2], 2, args);
        return rc >= 0 ? rc : cli_usage("help", "unknown command '%s'", argv[2]);
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("mlpblas %s\n", mlpb_version_string());
        return CLI_OK;
    }
    int rc = dispatch(cmd, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    cli_tprintf(stderr, "mlpblas: unknown command '%s' (see mlpblas --help)\n", cmd);
    return CLI_EUSAGE;
}

/* ------------------------------------------------------------ messages */
int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mlpblas %s: ", cmd);
    va_start(ap, fmt);
    cli_term_vprintf(stderr, 0, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see mlpblas %s --help)\n", cmd);
    return CLI_EUSAGE;
}

/* The one piece of process state of the tool: set by train --mpi only,
 * between its MPI_Init and MPI_Finalize. */
static char  *held_msg;
static size_t held_len;

void cli_fail_hold(char *buf, size_t len)
{
    held_msg = len > 0 ? buf : NULL;
    held_len = len;
    if (held_msg != NULL)
        held_msg[0] = '\0';
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (held_msg != NULL) {
        if (held_msg[0] == '\0')
            vsnprintf(held_msg, held_len, fmt, ap);
        va_end(ap);
        return CLI_EDATA;
    }
    cli_term_vprintf(stderr, 0, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EDATA;
}

/* ------------------------------------------------------------- options */
void cli_args_init(cli_args *a, int argc, char **argv, const char *cmd,
                   const cli_optdef *defs)
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    a->i    = 1; /* argv[0] is the command */
    a->cmd  = cmd;
    a->defs = defs;
}

static const char *opt_name(const void *defs, size_t j)
{
    return ((const cli_optdef *)defs)[j].name;
}

/* The short forms and the long options they stand for (where the command
 * has that option). */
static const char *long_form(const char *arg)
{
    static const char *const map[][2] = {
        {"-o", "--out"}, {"-q", "--quiet"}, {"-v", "--verbose"}, {"-j", "--threads"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(arg, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

int cli_args_next(cli_args *a)
{
    a->name  = NULL;
    a->value = NULL;
    if (a->i >= a->argc)
        return CLI_ARG_END;
    const char *arg = a->argv[a->i++];
    if (a->only_pos || arg[0] != '-' || strcmp(arg, "-") == 0) {
        a->value = arg;
        return CLI_ARG_POS;
    }
    if (strcmp(arg, "--") == 0) {
        a->only_pos = 1;
        return cli_args_next(a);
    }
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
        return CLI_ARG_HELP;
    if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
        printf("mlpblas %s\n", mlpb_version_string());
        return CLI_ARG_DONE;
    }
    const char *lf = long_form(arg);
    /* A short option with its value attached, as in "-j2" or "-om.mlpb". */
    const char *attached = NULL;
    if (lf == NULL && arg[1] != '-' && arg[1] != '\0' && arg[2] != '\0') {
        const char two[3] = {arg[0], arg[1], '\0'};
        lf = long_form(two);
        if (lf != NULL)
            attached = arg + 2;
    }
    const char *orig = arg;
    if (lf != NULL)
        arg = lf;
    const char *eq  = attached != NULL ? NULL : strchr(arg, '=');
    size_t      len = eq ? (size_t)(eq - arg) : strlen(arg);
    for (const cli_optdef *d = a->defs; d->name != NULL; d++) {
        if (strlen(d->name) != len || memcmp(d->name, arg, len) != 0)
            continue;
        if (attached != NULL && !d->has_value)
            break; /* "-qv": no bundled flags */
        a->name = d->name;
        if (attached != NULL) {
            a->value = attached;
            return CLI_ARG_OPT;
        }
        if (!d->has_value) {
            if (eq != NULL) {
                cli_usage(a->cmd, "option %s takes no value", d->name);
                return CLI_ARG_BAD;
            }
            return CLI_ARG_OPT;
        }
        if (eq != NULL) {
            a->value = eq + 1;
        } else if (a->i < a->argc) {
            a->value = a->argv[a->i++];
        } else {
            cli_usage(a->cmd, "option %s needs a value", d->name);
            return CLI_ARG_BAD;
        }
        return CLI_ARG_OPT;
    }
    if (attached != NULL) {
        arg = orig;
        len = strlen(orig);
    }
    /* A near miss: the closest option (names.h, as for column names). */
    size_t n_defs = 0;
    while (a->defs[n_defs].name != NULL)
        n_defs++;
    long best = cli_names_nearest(arg, len, opt_name, a->defs, n_defs);
    if (best >= 0)
        cli_usage(a->cmd, "unknown option '%.*s'; did you mean '%s'?", (int)len, arg,
                  a->defs[best].name);
    else
        cli_usage(a->cmd, "unknown option '%.*s'", (int)len, arg);
    return CLI_ARG_BAD;
}

int cli_parse_size(const char *cmd, const char *opt, const char *s, size_t min, size_t max,
                   size_t *out)
{
    char *end;
    errno                 = 0;
    unsigned long long v  = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
        if (max == SIZE_MAX)
            cli_usage(cmd, "%s: '%s' is not an integer >= %zu", opt, s, min);
        else
            cli_usage(cmd, "%s: '%s' is not an integer from %zu to %zu", opt, s, min, max);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno                = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0) {
        cli_usage(cmd, "%s: '%s' is not a non-negative integer", opt, s);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int cli_parse_float(const char *cmd, const char *opt, const char *s, double min, double max,
                    float *out)
{
    char *end;
    errno    = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v) || v < min || v > max) {
        cli_usage(cmd, "%s: '%s' is not a number in [%g, %g]", opt, s, min, max);
        return -1;
    }
    *out = (float)v;
    return 0;
}

int cli_parse_sizes(const char *cmd, const char *opt, const char *s, size_t *out, size_t cap,
                    size_t *n)
{
    size_t      count = 0;
    const char *p     = s;
    for (;;) {
        char  *end;
        errno                = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (*p < '0' || *p > '9' || errno != 0 || v < 1 || v > 1000000 ||
            (*end != ',' && *end != '\0') || count == cap) {
            cli_usage(cmd, "%s: '%s' is not a list of at most %zu widths 1..1000000 "
                           "separated by commas", opt, s, cap);
            return -1;
        }
        out[count++] = (size_t)v;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    *n = count;
    return 0;
}

/* ------------------------------------------------------- data and models */
int cli_model_error(const char *path, const char *what, mlpb_status s)
{
    if (s == MLPB_E_IO)
        return cli_fail("%s: %s: %s", path, what, strerror(errno));
    return cli_fail("%s: %s: %s", path, what, mlpb_strerror(s));
}

int cli_load_model(const char *path, mlpb_model **m)
{
    errno          = 0;
    mlpb_status st = mlpb_model_load(path, NULL, m);
    if (st != MLPB_OK)
        return cli_model_error(path, "cannot load the model", st);
    return CLI_OK;
}

int cli_load_model_header(const char *path, mlpb_model **m)
{
    *m             = NULL;
    errno          = 0;
    mlpb_status st = mlpb_model_verify_file(path);
    if (st != MLPB_OK)
        return cli_model_error(path, "cannot load the model", st);
    errno = 0;
    st    = mlpb_model_load_header(path, NULL, m);
    if (st != MLPB_OK)
        return cli_model_error(path, "cannot load the model", st);
    return CLI_OK;
}

int cli_flush_stdout(const char *cmd)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_fail("mlpblas %s: cannot write to standard output: %s", cmd,
                        strerror(errno));
    return CLI_OK;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
