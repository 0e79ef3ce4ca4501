/* onnx.c -- `mlpblas export` and `mlpblas import`: a model to ONNX and
 * an ONNX MLP to a model file, through libmlpblas_onnx (mlpblas_onnx.h).
 * In a build without the ONNX component both commands say so. */
#include "base/args.h"
#include "base/msg.h"
#include "base/term.h"
#include "cmd/cmd.h"
#include "model/load.h"
#include "out/write.h"
#include "read/format.h"
#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char export_help[] =
    "Usage: mlpblas export MODEL --onnx OUT.onnx\n"
    "\n"
    "Write MODEL as an ONNX model (IR version 8, opset 13) that computes what\n"
    "'mlpblas predict' computes, for onnxruntime and other ONNX runtimes. The\n"
    "graph's input 'input' is float32 [N, d], N any: the encoded feature vector\n"
    "in the order 'mlpblas info MODEL' lists the inputs (numbers as they are,\n"
    "a category one-hot over its levels, a 0/1 was-missing input after a\n"
    "column trained with missing-cell indicators); the standardisation is in the\n"
    "graph. Outputs: 'probabilities' float32 [N, k]; 'label' int64, [N] for a\n"
    "binary model (1 where the probability >= 0.5) and a multi-class one (the\n"
    "class index, the classes' order as in 'mlpblas info'), [N, k] for a\n"
    "multi-label one. The schema (feature and label names, classes) is in the\n"
    "model's metadata_props and the input's doc_string. See docs/onnx.md.\n"
    "\n"
    "Options:\n"
    "  --onnx FILE     the ONNX file to write (required)\n"
    "  -V, --version   print the version and exit\n";

static const char import_help[] =
    "Usage: mlpblas import MODEL.onnx --out MODEL.mlpb\n"
    "\n"
    "Read an MLP from ONNX, as torch.onnx.export writes nn.Sequential(Linear,\n"
    "ReLU, ..., Linear[, Sigmoid]) (Gemm or MatMul+Add, Relu, an optional final\n"
    "Sigmoid; opsets 9 to 21), and write it as an mlpblas model file. A graph\n"
    "without a final Sigmoid gets one: mlpblas outputs are sigmoids, so the\n"
    "model's probabilities are sigmoid(logits). Any other node, attribute or\n"
    "type is refused with a message naming it. Models written by 'mlpblas\n"
    "export' come back with their parameters, names and schema. See\n"
    "docs/onnx.md.\n"
    "\n"
    "Options:\n"
    "  --out FILE      the model file to write (required)\n"
    "  -V, --version   print the version and exit\n";

/* The command line of both commands: one positional and one option with a
 * value. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, const char *cmd, const char *opt,
                      const char *help, const char **pos, const char **val)
{
    const cli_optdef  defs[] = {{opt, 1}, {NULL, 0}};
    const char *const helps[] = {help, NULL};
    cli_args          a;
    size_t            npos = 0;
    int               r, rc;
    *pos = *val = NULL;
    cli_args_init(&a, argc, argv, cmd, defs);
    while ((r = cli_args_option(&a, helps, pos, 1, &npos, &rc)) > 0)
        *val = a.value;
    if (r < 0)
        return rc;
    if (*pos == NULL)
        return cli_usage(cmd, "needs a %s file", strcmp(cmd, "export") == 0 ? "MODEL" : "MODEL.onnx");
    if (*val == NULL || **val == '\0')
        return cli_usage(cmd, "needs %s FILE", opt);
    return -1;
}


#ifdef MLPB_CLI_ONNX
#include "mlpblas_onnx.h"

/* The input doc of a tool model: what each input is. */
static char *input_doc(const cli_schema *s, int has)
{
    size_t len = 512;
    char   buf[MLPB_NAME_MAX + 64];
    for (size_t i = 0; i < s->d; i++)
        len += strlen(cli_schema_input_name(s, i, buf, sizeof buf)) + 16;
    char *doc = malloc(len);
    if (doc == NULL)
        return NULL;
    int o = snprintf(doc, len,
                     "float32 [N, %zu]: the encoded feature vector, standardised inside the "
                     "graph. %s In order:", s->d,
                     !has ? "Inputs by position (the model has no schema)."
                     : s->format == CLI_FORMAT_LIBSVM
                         ? "LIBSVM feature values by feature number, 0 where absent."
                         : "Numeric columns as they are (a missing cell: the training mean), "
                           "categorical columns one-hot over their levels (NAME=LEVEL; all 0 "
                           "for a missing cell), NAME (missing) a 0/1 was-missing input; "
                           "the schema is in metadata 'mlpblas.schema'.");
    for (size_t i = 0; i < s->d && o > 0 && (size_t)o < len; i++)
        o += snprintf(doc + o, len - (size_t)o, "%s %zu: %s", i ? ";" : "", i,
                      cli_schema_input_name(s, i, buf, sizeof buf));
    return doc;
}

int cli_cmd_export(int argc, char **argv)
{
    const char *model, *onnx;
    int         rc = parse_args(argc, argv, "export", "--onnx", export_help, &model, &onnx);
    if (rc >= 0)
        return rc;
    mlpb_model *m;
    rc = cli_load_model(model, &m);
    if (rc != CLI_OK)
        return rc;
    cli_schema s;
    int        has;
    char       err[512];
    if (cli_schema_load(m, &s, &has, err, sizeof err) != MLPB_OK) {
        mlpb_model_destroy(m);
        return cli_fail("%s: %s", model, err);
    }
    mlpb_onnx_export_opts o;
    mlpb_onnx_export_opts_default(&o);
    o.task = s.task == CLI_TASK_MULTICLASS   ? MLPB_ONNX_TASK_MULTICLASS
             : s.task == CLI_TASK_MULTILABEL ? MLPB_ONNX_TASK_MULTILABEL
                                             : MLPB_ONNX_TASK_BINARY;
    if (s.task == CLI_TASK_BINARY && mlpb_model_n_outputs(m) > 1)
        o.task = MLPB_ONNX_TASK_MULTILABEL;
    char       *doc = input_doc(&s, has);
    void       *buf = NULL;
    size_t      len = 0;
    mlpb_status st  = doc ? MLPB_OK : MLPB_E_NOMEM;
    o.input_doc     = doc;
    if (st == MLPB_OK)
        st = mlpb_onnx_export_mem(m, &o, &buf, &len);
    free(doc);
    cli_schema_free(&s);
    mlpb_model_destroy(m);
    if (st != MLPB_OK)
        return cli_fail("%s: cannot export: %s", model, mlpb_strerror(st));
    cli_inputs in = {0};
    cli_out    out;
    memset(&out, 0, sizeof out);
    cli_inputs_add(&in, model);
    if (cli_out_open(&out, onnx, &in) != 0) {
        mlpb_onnx_free(buf);
        return CLI_EDATA;
    }
    size_t wrote = fwrite(buf, 1, len, out.f);
    mlpb_onnx_free(buf);
    if (wrote != len) {
        cli_out_abort(&out);
        return cli_fail("%s: write error", onnx);
    }
    return cli_out_commit(&out) == 0 ? CLI_OK : CLI_EDATA;
}

int cli_cmd_import(int argc, char **argv)
{
    const char *onnx, *outp;
    int         rc = parse_args(argc, argv, "import", "--out", import_help, &onnx, &outp);
    if (rc >= 0)
        return rc;
    cli_inputs in = {0};
    cli_out    out;
    memset(&out, 0, sizeof out);
    cli_inputs_add(&in, onnx);
    if (cli_out_open(&out, outp, &in) != 0)
        return CLI_EDATA;
    mlpb_model           *m = NULL;
    mlpb_onnx_import_info info;
    char                  msg[1024];
    mlpb_status           st = mlpb_onnx_import(onnx, NULL, &m, &info, msg, sizeof msg);
    if (st != MLPB_OK) {
        cli_out_abort(&out);
        return cli_fail("%s: %s", onnx, *msg ? msg : mlpb_strerror(st));
    }
    if (*msg)
        cli_tprintf(stderr, "mlpblas: %s: note: %s\n", onnx, msg);
    rc = cli_save_model(m, &out) == 0 && cli_out_commit(&out) == 0 ? CLI_OK : CLI_EDATA;
    if (rc != CLI_OK)
        cli_out_abort(&out);
    else
        fprintf(stderr, "mlpblas: imported %zu -> %zu outputs, %zu weight layers (opset %lld)%s\n",
                mlpb_model_n_inputs(m), mlpb_model_n_outputs(m), mlpb_model_n_layers(m),
                (long long)info.opset, info.standardization ? ", with standardisation" : "");
    mlpb_model_destroy(m);
    return rc;
}

#else /* no ONNX component */

static int no_onnx(const char *cmd, int argc, char **argv, const char *help)
{
    const char *pos, *val;
    int         rc = parse_args(argc, argv, cmd, strcmp(cmd, "export") == 0 ? "--onnx" : "--out",
                                help, &pos, &val);
    if (rc >= 0)
        return rc;
    return cli_fail("mlpblas %s: this mlpblas was built without ONNX support (the optional "
                    "libmlpblas_onnx: install protobuf-c, e.g. Debian's libprotobuf-c-dev and "
                    "protobuf-c-compiler, and configure with -DMLPB_WITH_ONNX=ON)", cmd);
}

int cli_cmd_export(int argc, char **argv)
{
    return no_onnx("export", argc, argv, export_help);
}

int cli_cmd_import(int argc, char **argv)
{
    return no_onnx("import", argc, argv, import_help);
}
#endif
