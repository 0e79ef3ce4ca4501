/* info.c -- `mlpblas info`: what a model file holds, its architecture
 * and the schema it was trained on, read from the file's header after the
 * whole file has been verified by streaming (for files of up to 256 MiB, or
 * any size with --verify). */
#include "base/args.h"
#include "base/msg.h"
#include "base/term.h"
#include "cmd/cmd.h"
#include "model/load.h"
#include "out/json.h"
#include "read/format.h"
#include "schema/schema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char info_help[] =
    "Usage: mlpblas info MODEL [--json] [--verify]\n"
    "\n"
    "Describe a model file: its architecture (inputs, hidden layer widths,\n"
    "outputs), parameter count, whether it standardises its inputs, and the\n"
    "schema it was trained on: the feature columns in order (numbers, with the\n"
    "mean that imputes a missing cell, or categories), the label columns and\n"
    "how their values read, the classes, the id and ignored columns. A file of\n"
    "up to 256 MiB is checked whole first (parameters and CRC-32, read through\n"
    "a small buffer), so nothing damaged is shown as the model's; of a larger\n"
    "one only the header is read (its sizes, names, metadata and\n"
    "standardisation), so that it is described at once, and the output says\n"
    "that it was not verified: --verify checks it whatever its size.\n"
    "\n"
    "Options:\n"
    "  --json          print one JSON object (\"verified\": true, or null)\n"
    "  --verify        check the whole file (CRC-32 included) whatever its size\n"
    "  -V, --version   print the version and exit\n";

/* Files up to this size are verified whole before they are described. */
#define INFO_VERIFY_BYTES (256LL << 20)

/* ---------------------------------------------------------------- info */
static void print_schema(const cli_schema *s, int has)
{
    if (!has) {
        cli_tprintf(stdout, "schema        none (a model without column names: its %zu features and "
               "%zu labels are matched by position)\n", s->d, s->k);
        return;
    }
    static const char *const tasks[] = {"binary", "multi-label", "multi-class"};
    static const char *const miss[]  = {"an error", "the training mean",
                                        "the training mean, plus was-missing inputs"};
    cli_tprintf(stdout, "task          %s%s\n", tasks[s->task],
           s->format != CLI_FORMAT_LIBSVM ? ""
           : s->svm_features ? " (LIBSVM rows, by feature number)" : " (LIBSVM rows, by position)");
    if (s->svm_features != NULL) {
        /* Runs of consecutive numbers, the first 16 of them. */
        cli_tprintf(stdout, "features      %zu LIBSVM feature%s:", s->d, s->d == 1 ? "" : "s");
        size_t runs = 0;
        for (size_t i = 0; i < s->d; runs++) {
            size_t e = i;
            while (e + 1 < s->d && s->svm_features[e + 1] == s->svm_features[e] + 1)
                e++;
            if (runs < 16) {
                cli_tprintf(stdout, "%s %u", runs ? "," : "", (unsigned)s->svm_features[i]);
                if (e > i)
                    cli_tprintf(stdout, "-%u", (unsigned)s->svm_features[e]);
            }
            i = e + 1;
        }
        if (runs > 16)
            cli_tprintf(stdout, ", ... (%zu runs)", runs);
        cli_tprintf(stdout, "\n");
    }
    cli_tprintf(stdout, "missing       %s\n", miss[s->missing]);
    for (size_t l = 0; l < s->n_labels; l++) {
        if (s->task == CLI_TASK_MULTICLASS)
            cli_tprintf(stdout, "label         %s: %zu classes\n", s->labels[l].name, s->n_classes);
        else
            cli_tprintf(stdout, "label         %s: 1 = \"%s\", 0 = \"%s\"\n", s->labels[l].name,
                   s->labels[l].pos, s->labels[l].neg);
    }
    if (s->task == CLI_TASK_MULTICLASS) {
        cli_tprintf(stdout, "classes      ");
        for (size_t c = 0; c < s->n_classes; c++)
            cli_tprintf(stdout, " %s", s->classes[c]);
        cli_tprintf(stdout, "\n");
    }
    if (s->id != NULL)
        cli_tprintf(stdout, "id            %s\n", s->id);
    for (size_t i = 0; i < s->n_ignore; i++)
        cli_tprintf(stdout, "ignored       %s\n", s->ignore[i]);
    for (size_t f = 0; f < s->n_features; f++) {
        const cli_feature *ft = &s->features[f];
        if (ft->categorical) {
            cli_tprintf(stdout, "feature %-5zu %s: %zu categories:", f + 1, ft->name, ft->n_levels);
            for (size_t v = 0; v < ft->n_levels; v++)
                cli_tprintf(stdout, " %s", ft->levels[v]);
            cli_tprintf(stdout, "\n");
        } else if (ft->impute) {
            cli_tprintf(stdout, "feature %-5zu %s: number, missing = %.9g%s\n", f + 1, ft->name, ft->mean,
                   ft->indicator ? ", with a was-missing input" : "");
        } else {
            cli_tprintf(stdout, "feature %-5zu %s: number\n", f + 1, ft->name);
        }
    }
}

static void json_schema(cli_json *j, const cli_schema *s, int has)
{
    if (!has) {
        cli_json_null(j, "schema");
        return;
    }
    static const char *const tasks[] = {"binary", "multilabel", "multiclass"};
    static const char *const miss[]  = {"error", "mean", "indicator"};
    cli_json_obj(j, "schema");
    cli_json_str(j, "format", s->format == CLI_FORMAT_LIBSVM ? "libsvm" : "csv");
    cli_json_str(j, "task", tasks[s->task]);
    cli_json_str(j, "missing", miss[s->missing]);
    if (s->id != NULL)
        cli_json_str(j, "id", s->id);
    else
        cli_json_null(j, "id");
    cli_json_arr(j, "ignore");
    for (size_t i = 0; i < s->n_ignore; i++)
        cli_json_str(j, NULL, s->ignore[i]);
    cli_json_close(j, ']');
    cli_json_arr(j, "labels");
    for (size_t l = 0; l < s->n_labels; l++) {
        cli_json_obj(j, NULL);
        cli_json_str(j, "name", s->labels[l].name);
        if (s->task != CLI_TASK_MULTICLASS) {
            cli_json_str(j, "negative", s->labels[l].neg);
            cli_json_str(j, "positive", s->labels[l].pos);
        }
        cli_json_close(j, '}');
    }
    cli_json_close(j, ']');
    if (s->task == CLI_TASK_MULTICLASS) {
        cli_json_arr(j, "classes");
        for (size_t c = 0; c < s->n_classes; c++)
            cli_json_str(j, NULL, s->classes[c]);
        cli_json_close(j, ']');
    } else {
        cli_json_null(j, "classes");
    }
    cli_json_arr(j, "features");
    for (size_t f = 0; f < s->n_features; f++) {
        const cli_feature *ft = &s->features[f];
        cli_json_obj(j, NULL);
        cli_json_str(j, "name", ft->name);
        cli_json_str(j, "type", ft->categorical ? "categorical" : "number");
        if (ft->categorical) {
            cli_json_arr(j, "categories");
            for (size_t v = 0; v < ft->n_levels; v++)
                cli_json_str(j, NULL, ft->levels[v]);
            cli_json_close(j, ']');
        } else if (ft->impute) {
            cli_json_num(j, "impute", ft->mean);
            cli_json_bool(j, "indicator", ft->indicator);
        } else {
            cli_json_null(j, "impute");
        }
        cli_json_close(j, '}');
    }
    cli_json_close(j, ']');
    /* LIBSVM: the feature numbers the inputs are, as [first, last] runs. */
    if (s->svm_features != NULL) {
        cli_json_arr(j, "feature_indices");
        for (size_t i = 0; i < s->d;) {
            size_t e = i;
            while (e + 1 < s->d && s->svm_features[e + 1] == s->svm_features[e] + 1)
                e++;
            cli_json_arr(j, NULL);
            cli_json_int(j, NULL, s->svm_features[i]);
            cli_json_int(j, NULL, s->svm_features[e]);
            cli_json_close(j, ']');
            i = e + 1;
        }
        cli_json_close(j, ']');
    } else {
        cli_json_null(j, "feature_indices");
    }
    cli_json_close(j, '}');
}

int cli_cmd_info(int argc, char **argv)
{
    static const cli_optdef defs[] = {{"--json", 0}, {"--verify", 0}, {NULL, 0}};
    static const char *const help[] = {info_help, NULL};
    const char *path = NULL;
    size_t      npos = 0;
    int         json = 0, verify = 0, r, rc;
    cli_args    a;
    cli_args_init(&a, argc, argv, "info", defs);
    while ((r = cli_args_option(&a, help, &path, 1, &npos, &rc)) > 0) {
        if (strcmp(a.name, "--json") == 0)
            json = 1;
        else if (strcmp(a.name, "--verify") == 0)
            verify = 1;
    }
    if (r < 0)
        return rc;
    if (path == NULL)
        return cli_usage("info", "needs MODEL");
    struct stat sb;
    long long   bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
    if (bytes >= 0 && bytes <= INFO_VERIFY_BYTES)
        verify = 1;
    /* Verified, the whole file first: a damaged one is reported as damaged,
     * never described from the header it carries. */
    mlpb_model *m = NULL;
    if (verify) {
        if (cli_load_model_header(path, &m) != CLI_OK)
            return CLI_EDATA;
    } else {
        errno          = 0;
        mlpb_status st = mlpb_model_load_header(path, NULL, &m);
        if (st != MLPB_OK)
            return cli_model_error(path, "cannot load the model", st);
    }
    cli_schema sc;
    int        has = 0;
    char       err[1024];
    if (cli_schema_load(m, &sc, &has, err, sizeof err) != MLPB_OK) {
        mlpb_model_destroy(m);
        return cli_fail("%s: %s", path, err);
    }
    size_t        ns    = 0;
    const size_t *sizes = mlpb_model_sizes(m, &ns);
    size_t        params = 0;
    for (size_t i = 0; i + 1 < ns; i++)
        params += sizes[i] * sizes[i + 1] + sizes[i + 1];
    int         stdz  = mlpb_model_mean(m) != NULL;
    char        arch[256];
    cli_arch_string(m, arch, sizeof arch);
    /* An ensemble saved as one network (mlpb_model_merge): its members'
     * count, when it divides every hidden width. */
    const char *ens     = mlpb_model_get_meta(m, MLPB_META_ENSEMBLE);
    size_t      members = ens != NULL ? (size_t)strtoull(ens, NULL, 10) : 1;
    for (size_t i = 1; i + 1 < ns; i++)
        if (members == 0 || sizes[i] % members != 0)
            members = 1;
    if (json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "info");
        cli_json_str(&j, "model", path);
        if (bytes >= 0)
            cli_json_int(&j, "file_bytes", (unsigned long long)bytes);
        cli_json_str(&j, "architecture", arch);
        cli_json_int(&j, "inputs", sizes[0]);
        cli_json_arr(&j, "hidden");
        for (size_t i = 1; i + 1 < ns; i++)
            cli_json_int(&j, NULL, sizes[i]);
        cli_json_close(&j, ']');
        cli_json_int(&j, "outputs", sizes[ns - 1]);
        cli_json_int(&j, "ensemble_members", members);
        cli_json_int(&j, "parameters", params);
        cli_json_bool(&j, "standardized", stdz);
        if (verify)
            cli_json_bool(&j, "verified", 1);
        else
            cli_json_null(&j, "verified");
        json_schema(&j, &sc, has);
        cli_json_str(&j, "library_version", mlpb_version_string());
        cli_json_end(&j);
    } else {
        cli_tprintf(stdout, "model         %s", path);
        if (bytes >= 0)
            printf(" (%lld bytes)", bytes);
        printf("\n");
        if (verify)
            printf("verified      yes: parameters and CRC-32 checked\n");
        else
            printf("verified      NO: only the header was read and its CRC-32 is not "
                   "checked (--verify reads the whole file)\n");
        printf("architecture  %s: %zu inputs, ", arch, sizes[0]);
        if (ns == 3)
            printf("1 hidden ReLU layer");
        else
            printf("%zu hidden ReLU layers", ns - 2);
        printf(", %zu sigmoid output%s\n", sizes[ns - 1], sizes[ns - 1] == 1 ? "" : "s");
        if (members > 1) {
            printf("ensemble      %zu networks of %zu", members, sizes[0]);
            for (size_t i = 1; i < ns; i++)
                printf("-%zu", i + 1 < ns ? sizes[i] / members : sizes[i]);
            printf(", their logits averaged (mlpb_model_merge)\n");
        }
        printf("parameters    %zu\n", params);
        printf("standardized  %s\n",
               stdz ? "yes: inputs are centred and scaled with the training data's "
                      "means and deviations"
                    : "no: inputs are used as they are");
        print_schema(&sc, has);
        printf("library       mlpblas %s\n", mlpb_version_string());
    }
    cli_schema_free(&sc);
    mlpb_model_destroy(m);
    return cli_flush_stdout("info");
}
