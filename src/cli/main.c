/* main.c -- entry point of the mlpblas tool: the top-level help and the
 * dispatch to the commands (cmd/cmd.h); everything else lives in the rooms
 * of docs/layers.md ("The tool's rooms"). */
#include "base/msg.h"
#include "base/term.h"
#include "cmd/cmd.h"

#include "mlpblas.h"

#include <stdio.h>
#include <string.h>

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
