/* cmd_eval.c -- the commands that use a trained model: `eval` (metrics on
 * labelled data), `predict` (probabilities as CSV) and `info` (what a model
 * file holds). Model files record d and k but no column names, so the
 * columns are matched by count and position; the help texts say how. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char eval_help[] =
    "Usage: mlpblas eval MODEL DATA [OPTIONS]\n"
    "\n"
    "Evaluate MODEL on the labelled rows of DATA: mean binary cross-entropy,\n"
    "accuracy, precision, recall, F1 and ROC AUC of each output at threshold\n"
    "0.5, their mean over outputs and, for multi-label models, the exact-match\n"
    "accuracy (rows with every label right).\n"
    "\n"
    "A model records its number of inputs d and outputs k but no column names:\n"
    "the labels are the last k columns, or the columns --label names, and the\n"
    "other columns must be the d features in the order used for training.\n"
    "\n"
    "Options:\n"
    "  --label NAME[,NAME...]  label column(s), one for each output of the model\n"
    "  --json                  print one JSON object with every metric\n"
    "  --format csv|libsvm     file format (default: from the name, else csv)\n"
    "  --delimiter C           CSV delimiter: a character, 'tab' or 'space'\n"
    "                          (default: detected from the first line)\n"
    "  --no-header             the CSV has no header row; columns are named 1, 2, ...\n"
    "  --zero-based            LIBSVM indices start at 0 (detected when an index 0 appears)\n"
    "  --threads N             BLAS threads (default: the BLAS library's choice)\n";

static const char predict_help[] =
    "Usage: mlpblas predict MODEL DATA [--out FILE] [OPTIONS]\n"
    "\n"
    "Write the probabilities MODEL gives to the rows of DATA as CSV: one line a\n"
    "row, in file order, one probability (%.9g, exact for a float) an output,\n"
    "separated by commas, no header.\n"
    "\n"
    "Columns: with d the model's inputs and k its outputs, a file of d columns\n"
    "is used whole; a file of d + k columns (labelled data, as for training) has\n"
    "its label columns dropped: those --label names, else the last k. LIBSVM\n"
    "labels are ignored.\n"
    "\n"
    "Options:\n"
    "  --out FILE              write to FILE (atomically: replaced only when every\n"
    "                          row is written) instead of standard output\n"
    "  --label NAME[,NAME...]  label columns to drop\n"
    "  --format csv|libsvm     file format (default: from the name, else csv)\n"
    "  --delimiter C           CSV delimiter: a character, 'tab' or 'space'\n"
    "                          (default: detected from the first line)\n"
    "  --no-header             the CSV has no header row; columns are named 1, 2, ...\n"
    "  --zero-based            LIBSVM indices start at 0 (detected when an index 0 appears)\n"
    "  --threads N             BLAS threads (default: the BLAS library's choice)\n";

static const char info_help[] =
    "Usage: mlpblas info MODEL [--json]\n"
    "\n"
    "Describe a model file: its architecture (inputs, hidden layer widths,\n"
    "outputs), parameter count and whether it standardises its inputs. The file\n"
    "is fully validated (format version, sizes, CRC-32) as it is loaded.\n"
    "\n"
    "Options:\n"
    "  --json   print one JSON object\n";

/* Count comma-separated names. */
static size_t count_names(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        n += *s == ',';
    return n;
}

static int check_inputs(const char *path, const mlpb_data *d, size_t want)
{
    if (d->d == want)
        return CLI_OK;
    return cli_fail("%s:%zu:1: %zu feature column%s, but the model takes %zu", path,
                    d->first_line, d->d, d->d == 1 ? "" : "s", want);
}

/* The command line of eval and predict: MODEL DATA, then the options in defs
 * (the parser refuses any other). */
typedef struct model_data_args {
    const char    *model, *data;
    const char    *out;     /* --out, or NULL */
    const char    *labels;  /* --label, or NULL */
    int            json;    /* --json */
    mlpb_data_opts o;       /* the data options */
} model_data_args;

/* Parse argv into *m and apply --threads. Returns -1 to go on, or the exit
 * status for --help and usage errors. */
static int parse_model_data(int argc, char **argv, const char *cmd, const cli_optdef *defs,
                            const char *help, model_data_args *m)
{
    const char *pos[2] = {NULL, NULL};
    size_t      npos = 0, threads = 0;
    int         r;
    cli_args    a;
    memset(m, 0, sizeof *m);
    mlpb_data_opts_init(&m->o);
    cli_args_init(&a, argc, argv, cmd, defs);
    while ((r = cli_args_next(&a)) != CLI_ARG_END) {
        if (r == CLI_ARG_HELP)
            return fputs(help, stdout), CLI_OK;
        if (r == CLI_ARG_BAD)
            return CLI_EUSAGE;
        if (r == CLI_ARG_POS) {
            if (npos == 2)
                return cli_usage(cmd, "unexpected argument '%s'", a.value);
            pos[npos++] = a.value;
            continue;
        }
        int used = cli_data_option(cmd, a.name, a.value, &m->o);
        if (used < 0)
            return CLI_EUSAGE;
        if (used)
            continue;
        if (strcmp(a.name, "--out") == 0)
            m->out = a.value;
        else if (strcmp(a.name, "--label") == 0)
            m->labels = a.value;
        else if (strcmp(a.name, "--json") == 0)
            m->json = 1;
        else if (strcmp(a.name, "--threads") == 0 &&
                 cli_parse_size(cmd, a.name, a.value, 1, CLI_MAX_THREADS, &threads) != 0)
            return CLI_EUSAGE;
    }
    if (npos < 2)
        return cli_usage(cmd, "needs MODEL and DATA");
    if (m->out != NULL && m->out[0] == '\0')
        return cli_usage(cmd, "--out: empty file name");
    if (m->labels != NULL && m->labels[0] == '\0')
        return cli_usage(cmd, "--label: empty list");
    if (threads > 0)
        mlpb_blas_set_threads((int)threads);
    m->model = pos[0];
    m->data = pos[1];
    return -1;
}

/* ---------------------------------------------------------------- eval */
int cli_cmd_eval(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--label", 1}, {"--json", 0}, {"--threads", 1}, CLI_DATA_OPTDEFS, {NULL, 0}};
    model_data_args args;
    const int parsed = parse_model_data(argc, argv, "eval", defs, eval_help, &args);
    if (parsed >= 0)
        return parsed;
    const char *pos[2] = {args.model, args.data};
    const int json = args.json;
    mlpb_data_opts o = args.o;
    o.labels = args.labels;

    mlpb_model *m = NULL;
    if (cli_load_model(pos[0], &m) != CLI_OK)
        return CLI_EDATA;
    size_t md = mlpb_model_n_inputs(m), mk = mlpb_model_n_outputs(m);
    if (o.labels != NULL && count_names(o.labels) != mk) {
        mlpb_model_destroy(m);
        return cli_usage("eval", "--label names %zu column%s, but the model has %zu output%s",
                         count_names(o.labels), count_names(o.labels) == 1 ? "" : "s", mk,
                         mk == 1 ? "" : "s");
    }
    o.n_labels   = mk;
    o.n_features = md;
    mlpb_data d;
    double    t0 = cli_now();
    int       rc = cli_read_data(pos[1], &o, &d);
    double    t_read = cli_now() - t0;
    if (rc == CLI_OK && d.k != mk)
        rc = cli_fail("%s:%zu:1: %zu label%s, but the model has %zu output%s", pos[1],
                      d.first_line, d.k, d.k == 1 ? "" : "s", mk, mk == 1 ? "" : "s");
    if (rc == CLI_OK)
        rc = check_inputs(pos[1], &d, md);
    cli_eval e;
    if (rc == CLI_OK)
        rc = cli_evaluate(m, &d, NULL, &e);
    if (rc != CLI_OK) {
        mlpb_data_free(&d);
        mlpb_model_destroy(m);
        return rc;
    }
    char arch[256];
    cli_arch_string(m, arch, sizeof arch);
    double sps = e.seconds > 0.0 ? (double)d.n / e.seconds : 0.0;
    if (json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "eval");
        cli_json_str(&j, "model", pos[0]);
        cli_json_str(&j, "data", pos[1]);
        cli_json_str(&j, "architecture", arch);
        cli_json_int(&j, "rows", d.n);
        cli_json_int(&j, "inputs", d.d);
        cli_json_int(&j, "outputs", d.k);
        cli_json_arr(&j, "labels");
        for (size_t l = 0; l < d.k; l++)
            cli_json_str(&j, NULL, d.label_names[l]);
        cli_json_close(&j, ']');
        cli_json_metrics(&j, &e.mean);
        cli_json_num(&j, "exact_match", e.exact);
        cli_json_arr(&j, "per_output");
        for (size_t l = 0; l < d.k; l++) {
            cli_json_obj(&j, NULL);
            cli_json_str(&j, "label", d.label_names[l]);
            cli_json_metrics(&j, &e.per[l]);
            cli_json_close(&j, '}');
        }
        cli_json_close(&j, ']');
        cli_json_obj(&j, "confusion");
        cli_json_int(&j, "true_positive", e.tp);
        cli_json_int(&j, "false_positive", e.fp);
        cli_json_int(&j, "true_negative", e.tn);
        cli_json_int(&j, "false_negative", e.fn);
        cli_json_close(&j, '}');
        cli_json_num(&j, "read_seconds", t_read);
        cli_json_num(&j, "seconds", e.seconds);
        cli_json_num(&j, "samples_per_second", sps);
        cli_json_end(&j);
    } else {
        printf("model  %s (%s)\n", pos[0], arch);
        printf("data   %s: %zu rows, %zu features, label%s", pos[1], d.n, d.d,
               d.k == 1 ? "" : "s");
        for (size_t l = 0; l < d.k; l++)
            printf("%s%s", l ? ", " : " ", d.label_names[l]);
        printf("\n");
        cli_print_metrics(stdout, "", &e, &d);
        printf("time   %.3g s to predict, %.3g samples/s\n", e.seconds, sps);
    }
    cli_eval_free(&e);
    mlpb_data_free(&d);
    mlpb_model_destroy(m);
    return cli_flush_stdout("eval");
}

/* ------------------------------------------------------------- predict */
/* Drop the label columns from a file read with every column a feature. */
static int drop_labels(const char *path, const char *labels, size_t md, size_t mk,
                       mlpb_data *d)
{
    size_t cols[64], m = 0;
    if (labels != NULL) {
        const char *s = labels;
        for (;;) {
            const char *e = strchr(s, ',');
            size_t      n = e ? (size_t)(e - s) : strlen(s), j;
            for (j = 0; j < d->d; j++)
                if (strlen(d->feature_names[j]) == n && memcmp(d->feature_names[j], s, n) == 0)
                    break;
            if (j == d->d)
                return cli_fail("%s:%zu:1: no column named \"%.*s\" for the labels", path,
                                d->first_line, (int)n, s);
            for (size_t i = 0; i < m; i++)
                if (cols[i] == j)
                    return cli_fail("%s:%zu:1: label column \"%.*s\" named twice", path,
                                    d->first_line, (int)n, s);
            if (m == sizeof cols / sizeof cols[0])
                return cli_fail("%s: too many label columns", path);
            cols[m++] = j;
            if (e == NULL)
                break;
            s = e + 1;
        }
    } else if (d->d == md + mk && mk <= sizeof cols / sizeof cols[0]) {
        for (size_t l = 0; l < mk; l++)
            cols[m++] = md + l;
    } else {
        if (d->d == md)
            return CLI_OK;
        return cli_fail("%s:%zu:1: %zu columns, but the model takes %zu features "
                        "(or %zu with %zu label column%s)", path, d->first_line, d->d, md,
                        md + mk, mk, mk == 1 ? "" : "s");
    }
    if (m >= d->d)
        return check_inputs(path, d, md);
    if (mlpb_data_drop_features(d, cols, m) != MLPB_OK)
        return cli_fail("mlpblas: out of memory");
    return check_inputs(path, d, md);
}

int cli_cmd_predict(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--out", 1}, {"--label", 1}, {"--threads", 1}, CLI_DATA_OPTDEFS, {NULL, 0}};
    model_data_args args;
    const int parsed = parse_model_data(argc, argv, "predict", defs, predict_help, &args);
    if (parsed >= 0)
        return parsed;
    const char *pos[2] = {args.model, args.data}, *out = args.out, *labels = args.labels;
    mlpb_data_opts o = args.o;

    mlpb_model *m = NULL;
    if (cli_load_model(pos[0], &m) != CLI_OK)
        return CLI_EDATA;
    size_t md = mlpb_model_n_inputs(m), mk = mlpb_model_n_outputs(m);
    o.n_labels = 0; /* every CSV column a feature; LIBSVM labels ignored */
    mlpb_data_format fmt = o.format ? o.format : mlpb_data_guess_format(pos[1]);
    if (fmt == MLPB_FORMAT_LIBSVM)
        o.n_features = md;
    mlpb_data d;
    float    *prob = NULL;
    cli_out   w    = {0};
    int       rc   = cli_read_data(pos[1], &o, &d);
    if (rc == CLI_OK)
        rc = fmt == MLPB_FORMAT_LIBSVM ? check_inputs(pos[1], &d, md)
                                       : drop_labels(pos[1], labels, md, mk, &d);
    if (rc == CLI_OK && (prob = malloc(d.n * mk * sizeof(float))) == NULL)
        rc = cli_fail("mlpblas: out of memory");
    if (rc == CLI_OK)
        rc = cli_predict_all(m, d.x, d.n, prob);
    if (rc == CLI_OK && out != NULL && cli_out_open(&w, out) != 0)
        rc = CLI_EDATA;
    if (rc == CLI_OK) {
        FILE *f = out ? w.f : stdout;
        for (size_t i = 0; i < d.n; i++)
            for (size_t l = 0; l < mk; l++)
                fprintf(f, l + 1 < mk ? "%.9g," : "%.9g\n", (double)prob[i * mk + l]);
        if (out != NULL)
            rc = cli_out_commit(&w) == 0 ? CLI_OK : CLI_EDATA;
        else
            rc = cli_flush_stdout("predict");
    }
    free(prob);
    mlpb_data_free(&d);
    mlpb_model_destroy(m);
    return rc;
}

/* ---------------------------------------------------------------- info */
int cli_cmd_info(int argc, char **argv)
{
    static const cli_optdef defs[] = {{"--json", 0}, {NULL, 0}};
    const char *path = NULL;
    int         json = 0, r;
    cli_args    a;
    cli_args_init(&a, argc, argv, "info", defs);
    while ((r = cli_args_next(&a)) != CLI_ARG_END) {
        if (r == CLI_ARG_HELP)
            return fputs(info_help, stdout), CLI_OK;
        if (r == CLI_ARG_BAD)
            return CLI_EUSAGE;
        if (r == CLI_ARG_POS) {
            if (path != NULL)
                return cli_usage("info", "unexpected argument '%s'", a.value);
            path = a.value;
        } else if (strcmp(a.name, "--json") == 0) {
            json = 1;
        }
    }
    if (path == NULL)
        return cli_usage("info", "needs MODEL");
    mlpb_model *m = NULL;
    if (cli_load_model(path, &m) != CLI_OK)
        return CLI_EDATA;
    size_t        ns    = 0;
    const size_t *sizes = mlpb_model_sizes(m, &ns);
    size_t        params = 0;
    for (size_t i = 0; i + 1 < ns; i++)
        params += sizes[i] * sizes[i + 1] + sizes[i + 1];
    struct stat sb;
    long long   bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
    int         stdz  = mlpb_model_mean(m) != NULL;
    char        arch[256];
    cli_arch_string(m, arch, sizeof arch);
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
        cli_json_int(&j, "parameters", params);
        cli_json_bool(&j, "standardized", stdz);
        cli_json_str(&j, "library_version", mlpb_version_string());
        cli_json_end(&j);
    } else {
        printf("model         %s", path);
        if (bytes >= 0)
            printf(" (%lld bytes)", bytes);
        printf("\narchitecture  %s: %zu inputs, ", arch, sizes[0]);
        if (ns == 3) {
            printf("1 hidden ReLU layer");
        } else {
            printf("%zu hidden ReLU layers", ns - 2);
        }
        printf(", %zu sigmoid output%s\n", sizes[ns - 1], sizes[ns - 1] == 1 ? "" : "s");
        printf("parameters    %zu\n", params);
        printf("standardized  %s\n",
               stdz ? "yes: inputs are centred and scaled with the training data's "
                      "means and deviations"
                    : "no: inputs are used as they are");
        printf("library       mlpblas %s\n", mlpb_version_string());
    }
    mlpb_model_destroy(m);
    return cli_flush_stdout("info");
}
