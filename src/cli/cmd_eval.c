/* cmd_eval.c -- the commands that use a trained model on data: `eval`
 * (metrics on labelled data) and `predict` (probabilities and decisions, one
 * output row a data row). Both read their data in
 * chunks of CLI_CHUNK_ROWS rows, matched to the model's schema by column
 * name; predict writes each chunk as it goes, so its memory does not depend
 * on the file's length. `info` is in cmd_info.c. */
#include "classes.h"
#include "cli.h"
#include "schema.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Rows read, encoded and predicted at a time: at most CLI_CHUNK_ROWS, fewer
 * for wide rows, so that a chunk's buffers stay near CLI_CHUNK_BYTES. */
#define CLI_CHUNK_ROWS  4096
#define CLI_CHUNK_BYTES (16u << 20)

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
    "  --max-memory SIZE       refuse a model and buffers needing more memory (bytes,\n"
    "                          or with K, M, G; default: half of what the process\n"
    "                          may use: RAM, ulimit -v and -d, cgroup limit)\n"
    "  -V, --version           print the version and exit\n"
    "  --format csv|libsvm     file format (default: from the name, else csv)\n"
    "  --delimiter C           CSV delimiter: a character, 'tab' or 'space'\n"
    "                          (default: detected from the first line)\n"
    "  --decimal .|,           CSV decimal mark (default: ',' when the delimiter is\n"
    "                          not ',' and the first rows hold numbers like 5,1)\n"
    "  --no-header             the CSV has no header row; columns are named 1, 2, ...\n"
    "  --header                the first row is the header, even if all numbers\n"
    "  --zero-based            LIBSVM feature indices start at 0\n"
    "  --multilabel            LIBSVM: labels are comma-separated class ids (implied\n"
    "                          by a multi-label model)\n"
    "  -j, --threads N         BLAS threads (default: the BLAS library's choice)\n";

static const char predict_help[] =
    "Usage: mlpblas predict MODEL DATA [--out FILE] [OPTIONS]\n"
    "\n"
    "Predict the rows of DATA with MODEL. The model's feature columns are found in\n"
    "DATA by name, in any order; label and other columns are not used (a note on\n"
    "standard error names the others); a missing feature column is an error that\n"
    "names it. LIBSVM rows are matched by feature index to the features the\n"
    "model was trained on (other indices are ignored, a note says how many),\n"
    "their labels ignored.\n"
    "\n"
    "Output: a header row, then one row for each data row of DATA, in order\n"
    "(blank and comment lines and the header are not data rows):\n"
    "  [ID,] prob_LABEL[=VALUE]..., pred_LABEL...\n"
    "                                       binary and multi-label models: the\n"
    "                                       probability that each label is its\n"
    "                                       positive VALUE (named unless it is 1;\n"
    "                                       %.9g, exact for a float), then the\n"
    "                                       label's value decided at the threshold\n"
    "                                       (as written in training: 0/1, M/B...)\n"
    "  [ID,] LABEL, prob_CLASS...           multi-class models: the class with\n"
    "                                       the highest probability, then each\n"
    "                                       class's probability\n"
    "ID is the --id column (or the model's id column, when DATA has it).\n"
    "\n"
    "Options:\n"
    "  -o, --out FILE          write to FILE (atomically: replaced only when every\n"
    "                          row is written; '-': standard output, the default)\n"
    "  --id COL                carry column COL through, first\n"
    "  --threshold X[,X...]    decision threshold, one for all outputs or one per\n"
    "                          output (0.5)\n"
    "  --output-format csv|jsonl  CSV rows, or one JSON object a row (csv)\n"
    "  --max-memory SIZE       refuse a model and buffers needing more memory (bytes,\n"
    "                          or with K, M, G; default: half of what the process\n"
    "                          may use: RAM, ulimit -v and -d, cgroup limit)\n"
    "  -V, --version           print the version and exit\n"
    "  --format csv|libsvm     file format (default: from the name, else csv)\n"
    "  --delimiter C           CSV delimiter: a character, 'tab' or 'space'\n"
    "                          (default: detected from the first line)\n"
    "  --decimal .|,           CSV decimal mark (default: ',' when the delimiter is\n"
    "                          not ',' and the first rows hold numbers like 5,1)\n"
    "  --no-header             the CSV has no header row; columns are named 1, 2, ...\n"
    "  --header                the first row is the header, even if all numbers\n"
    "  --zero-based            LIBSVM feature indices start at 0\n"
    "  --multilabel            LIBSVM: labels are comma-separated class ids (implied\n"
    "                          by a multi-label model)\n"
    "  -j, --threads N         BLAS threads (default: the BLAS library's choice)\n";

/* The command line of eval and predict. */
typedef struct model_data_args {
    const char   *model, *data;
    const char   *out;        /* --out, or NULL */
    const char   *id;         /* --id, or NULL */
    const char   *threshold;  /* --threshold, or NULL */
    const char   *plot;       /* --plot, or NULL */
    size_t        max_memory;
    int           json;       /* --json */
    int           jsonl;      /* --output-format jsonl */
    cli_read_opts o;
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
    m->max_memory = cli_default_max_memory();
    cli_read_opts_init(&m->o);
    cli_args_init(&a, argc, argv, cmd, defs);
    while ((r = cli_args_next(&a)) != CLI_ARG_END) {
        if (r == CLI_ARG_HELP)
            return fputs(help, stdout), CLI_OK;
        if (r == CLI_ARG_DONE)
            return CLI_OK;
        if (r == CLI_ARG_BAD)
            return CLI_EUSAGE;
        if (r == CLI_ARG_POS) {
            if (npos == 2)
                return cli_usage(cmd, "unexpected argument '%s'", a.value);
            pos[npos++] = a.value;
            continue;
        }
        int used = cli_read_option(cmd, a.name, a.value, &m->o);
        if (used < 0)
            return CLI_EUSAGE;
        if (used)
            continue;
        if (strcmp(a.name, "--out") == 0)
            m->out = a.value;
        else if (strcmp(a.name, "--id") == 0)
            m->id = a.value;
        else if (strcmp(a.name, "--threshold") == 0)
            m->threshold = a.value;
        else if (strcmp(a.name, "--json") == 0)
            m->json = 1;
        else if (strcmp(a.name, "--plot") == 0)
            m->plot = a.value;
        else if (strcmp(a.name, "--max-memory") == 0) {
            if (cli_parse_bytes(cmd, a.name, a.value, &m->max_memory) != 0)
                return CLI_EUSAGE;
        }
        else if (strcmp(a.name, "--output-format") == 0) {
            if (strcmp(a.value, "jsonl") == 0)
                m->jsonl = 1;
            else if (strcmp(a.value, "csv") != 0)
                return cli_usage(cmd, "--output-format: '%s' is not csv or jsonl", a.value);
        } else if (strcmp(a.name, "--threads") == 0 &&
                   cli_parse_size(cmd, a.name, a.value, 1, CLI_MAX_THREADS, &threads) != 0)
            return CLI_EUSAGE;
    }
    if (npos < 2)
        return cli_usage(cmd, "needs MODEL and DATA");
    if (m->out != NULL && m->out[0] == '\0')
        return cli_usage(cmd, "--out: empty file name");
    if (m->plot != NULL && m->plot[0] == '\0')
        return cli_usage(cmd, "--plot: empty file name");
    if (m->plot != NULL && m->json && strcmp(m->plot, "-") == 0)
        return cli_usage(cmd, "--json and --plot - cannot both take standard output");
    if (m->id != NULL && m->id[0] == '\0')
        return cli_usage(cmd, "--id: empty column name");
    if (threads > 0)
        mlpb_blas_set_threads((int)threads);
    m->model = pos[0];
    m->data  = pos[1];
    return -1;
}

/* A model, its schema, and DATA opened and matched to it. */
typedef struct session {
    mlpb_model     *m;
    cli_schema      s;
    int             has_schema;
    cli_table      *t;
    cli_binding     b;
    mlpb_workspace *ws;
    cli_chunk       c;
    float          *x, *y, *prob; /* one chunk's encoded rows and predictions */
    size_t         *cls;
    int32_t        *class_ids;    /* LIBSVM: the model's class ids, or NULL */
    size_t          rows;         /* rows a chunk */
    size_t          budget;       /* --max-memory */
    size_t          fixed;        /* bytes held whatever the file's length */
} session;

static void session_close(session *se)
{
    cli_chunk_free(&se->c);
    cli_binding_free(&se->b);
    cli_table_close(se->t);
    cli_schema_free(&se->s);
    mlpb_workspace_destroy(se->ws);
    mlpb_model_destroy(se->m);
    free(se->x);
    free(se->y);
    free(se->prob);
    free(se->cls);
    free(se->class_ids);
    memset(se, 0, sizeof *se);
}

/* A LIBSVM file's labels for model s (table.h, class_ids): the classes of
 * a class column, increasing; a binary label's negative and positive
 * values; NULL for 0/1. 0, or -1 when they are not integers in order (or
 * out of memory). */
static int class_ids(const cli_schema *s, int32_t **ids, size_t *n)
{
    const int    classes = s->task == CLI_TASK_MULTICLASS;
    const size_t m       = classes ? s->n_classes : 2;
    *ids = NULL;
    *n   = 0;
    if (!classes && (s->n_labels != 1 || (strcmp(s->labels[0].neg, "0") == 0 &&
                                           strcmp(s->labels[0].pos, "1") == 0)))
        return 0;
    if ((*ids = malloc(m * sizeof(int32_t))) == NULL)
        return -1;
    for (size_t c = 0; c < m; c++) {
        const char *t = classes ? s->classes[c] : c ? s->labels[0].pos : s->labels[0].neg;
        char       *e = NULL;
        errno         = 0;
        long v        = strtol(t, &e, 10);
        if (e == t || *e != '\0' || errno != 0 || v < -2147483647L || v > 2147483647L ||
            (classes && c > 0 && v <= (*ids)[c - 1])) {
            free(*ids);
            *ids = NULL;
            return -1;
        }
        (*ids)[c] = (int32_t)v;
    }
    *n = m;
    return 0;
}

/* Load the model and open DATA for it. labels: eval (1) or predict (0). */
static int session_open(session *se, const model_data_args *a, int labels)
{
    char err[2048];
    memset(se, 0, sizeof *se);
    /* The header first (once the file's checksum holds): the schema and
     * sizes, to check the budget before the parameters are read. */
    if (cli_load_model_header(a->model, &se->m) != CLI_OK)
        return CLI_EDATA;
    if (cli_schema_load(se->m, &se->s, &se->has_schema, err, sizeof err) != MLPB_OK) {
        session_close(se);
        return cli_fail("%s: %s", a->model, err);
    }
    cli_read_opts o = a->o;
    const cli_schema *s = &se->s;
    cli_data_format fmt = o.format ? o.format : cli_data_guess_format(a->data);
    if (fmt == CLI_FORMAT_LIBSVM) {
        o.n_features    = s->d;
        o.features      = s->svm_features; /* NULL: by position, 1..d */
        o.drop_unknown  = 1;
        o.ignore_labels = !labels;
        o.multilabel    = s->task == CLI_TASK_MULTILABEL || o.multilabel;
        o.n_classes     = o.multilabel ? s->k : 0;
        if (!o.multilabel && class_ids(s, &se->class_ids, &o.n_class_ids) != 0) {
            session_close(se);
            return cli_fail("%s: the model's classes are not LIBSVM class ids (integers)",
                            a->model);
        }
        o.class_ids = se->class_ids;
    }
    mlpb_status st = cli_table_open(a->data, &o, &se->t, err, sizeof err);
    if (st == MLPB_OK)
        st = cli_binding_init(&se->b, s, se->t, labels, a->id, err, sizeof err);
    if (st != MLPB_OK) {
        session_close(se);
        return cli_fail("%s", err);
    }
    char note[2048];
    cli_binding_extra_note(&se->b, note, sizeof note);
    if (note[0] != '\0')
        cli_tprintf(stderr, "note: %s\n", note);
    /* The memory budget: the model, a chunk's raw cells and encoded rows, and
     * the prediction workspace; eval's n x k probabilities and labels are
     * checked as they grow. */
    size_t d = s->d, k = s->k, ncols = cli_table_ncols(se->t);
    double row_bytes = 4.0 * ((double)ncols + (double)d + 2.0 * (double)k + 8.0);
    double rows      = (double)CLI_CHUNK_BYTES / row_bytes;
    se->rows         = rows >= CLI_CHUNK_ROWS ? CLI_CHUNK_ROWS : rows < 1.0 ? 1 : (size_t)rows;
    size_t        batch = se->rows < CLI_PREDICT_BATCH ? se->rows : CLI_PREDICT_BATCH;
    size_t        ns = 0, ws_bytes = 0, model_bytes = 0;
    const size_t *sz = mlpb_model_sizes(se->m, &ns);
    if (mlpb_model_memory(sz, ns, &model_bytes) != MLPB_OK) {
        session_close(se);
        return cli_fail("%s: a model too large to use", a->model);
    }
    if (mlpb_workspace_memory(sz, ns, batch, MLPB_THREADING_BLAS, &ws_bytes) != MLPB_OK) {
        session_close(se);
        return cli_fail("%s: a model too large to use", a->model);
    }
    /* Wide hidden layers: fewer rows a batch, so the activations stay
     * within a chunk's size (a 1-1000000-1 model took 1 GB for 256 rows).
     * Models of ordinary width keep CLI_PREDICT_BATCH, as the tests'
     * reference program does. */
    while (batch > 1 && ws_bytes > 4 * (size_t)CLI_CHUNK_BYTES &&
           mlpb_workspace_memory(sz, ns, batch / 2, MLPB_THREADING_BLAS, &ws_bytes) == MLPB_OK)
        batch /= 2;
    double need = (double)model_bytes + (double)ws_bytes + row_bytes * (double)se->rows;
    se->budget  = a->max_memory;
    se->fixed   = need < (double)SIZE_MAX ? (size_t)need : SIZE_MAX;
    if (need > (double)a->max_memory) {
        char nb[32], bb[32];
        cli_format_bytes(nb, sizeof nb, need);
        cli_format_bytes(bb, sizeof bb, (double)a->max_memory);
        session_close(se);
        return cli_fail("mlpblas: the model (%zu inputs) and its buffers need %s; "
                        "--max-memory is %s", d, nb, bb);
    }
    mlpb_model_destroy(se->m);
    se->m = NULL;
    if (cli_load_model(a->model, &se->m) != CLI_OK) {
        session_close(se);
        return CLI_EDATA;
    }
    if (mlpb_model_n_inputs(se->m) != d || mlpb_model_n_outputs(se->m) != k) {
        session_close(se);
        return cli_fail("%s: the model file changed while it was read", a->model);
    }
    se->x    = malloc(se->rows * d * sizeof(float));
    se->y    = malloc(se->rows * k * sizeof(float));
    se->prob = malloc(se->rows * k * sizeof(float));
    se->cls  = malloc(se->rows * sizeof(size_t));
    if (!se->x || !se->y || !se->prob || !se->cls ||
        mlpb_workspace_create(se->m, batch, NULL, &se->ws) != MLPB_OK) {
        session_close(se);
        return cli_fail("mlpblas: out of memory");
    }
    return CLI_OK;
}

/* Read, encode and predict the next chunk: CLI_OK with se->c.n rows (0 at
 * the end), or a message and CLI_EDATA. */
static int session_next(session *se)
{
    char        err[2048];
    mlpb_status st = cli_table_read(se->t, se->rows, &se->c, err, sizeof err);
    if (st == MLPB_OK && se->c.n > 0)
        st = cli_binding_encode(&se->b, &se->c, se->x, se->b.with_labels ? se->y : NULL,
                                se->cls, err, sizeof err);
    if (st != MLPB_OK)
        return cli_fail("%s", err);
    if (se->c.n == 0)
        return CLI_OK;
    /* mlpb_predict goes through the chunk in batches of the workspace's rows
     * (CLI_PREDICT_BATCH), as the reference program does. */
    st = mlpb_predict(se->m, se->ws, se->x, se->c.n, se->prob);
    if (st != MLPB_OK)
        return cli_fail("mlpblas: prediction failed: %s", mlpb_strerror(st));
    return CLI_OK;
}

static void session_unseen_note(const session *se)
{
    char note[2048];
    cli_binding_unseen_note(&se->b, note, sizeof note);
    if (note[0] != '\0')
        cli_tprintf(stderr, "warning: %s\n", note);
    /* LIBSVM indices the model has no input for: ignored, as a CSV file's
     * columns the model does not use are, and said once. */
    size_t   line, idx;
    uint64_t n = cli_table_dropped(se->t, &line, &idx);
    if (n > 0)
        cli_tprintf(stderr, "note: %s: ignored %llu value%s of feature indices the model was "
                            "not trained on (the first: index %zu on line %zu)\n",
                    cli_table_path(se->t), (unsigned long long)n, n == 1 ? "" : "s", idx, line);
}

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

static char *output_key(const cli_schema *s, size_t j, int prob);

/* ---------------------------------------------------------------- eval */
int cli_cmd_eval(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--json", 0},       {"--threads", 1}, {"--plot", 1}, {"--max-memory", 1},
        CLI_READ_OPTDEFS, {NULL, 0}};
    model_data_args args;
    const int parsed = parse_model_data(argc, argv, "eval", defs, eval_help, &args);
    if (parsed >= 0)
        return parsed;
    cli_inputs in = {0};
    cli_inputs_add(&in, args.model);
    cli_inputs_add(&in, args.data);
    cli_out plot = {0};
    if (args.plot != NULL && cli_out_open(&plot, args.plot, &in) != 0)
        return CLI_EDATA;
    session se;
    if (session_open(&se, &args, 1) != CLI_OK) {
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
        if ((rc = session_next(&se)) != CLI_OK || se.c.n == 0)
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
        session_unseen_note(&se);
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
        if (rc == CLI_OK && args.plot != NULL) {
            char        title[320];
            const char *bn = strrchr(args.data, '/');
            snprintf(title, sizeof title, "Evaluation: %.280s", bn ? bn + 1 : args.data);
            /* A curve is of a label's positive value: "y=M" where it is not 1. */
            char **keys = calloc(k, sizeof(char *)), **shown = calloc(k, sizeof(char *));
            for (size_t q = 0; keys != NULL && shown != NULL && q < k; q++) {
                keys[q]  = mc ? NULL : output_key(s, q, 1);
                shown[q] = keys[q] != NULL ? keys[q] + 5 : names[q]; /* after "prob_" */
            }
            if (keys == NULL || shown == NULL)
                rc = cli_fail("mlpblas: out of memory");
            else if (cli_svg_roc_pr(plot.f, prob, y, n, k, shown, title, NULL, NULL) != 0)
                rc = CLI_EDATA;
            for (size_t q = 0; keys != NULL && q < k; q++)
                free(keys[q]);
            free(keys);
            free(shown);
        }
        FILE *rf = args.plot != NULL && strcmp(args.plot, "-") == 0 ? stderr : stdout;
        if (rc != CLI_OK) {
            /* nothing to report */
        } else if (args.json) {
            cli_json j;
            cli_json_head(&j, stdout, "eval");
            cli_json_data(&j, args.data, &view, s);
            cli_json_model(&j, args.model, se.m);
            cli_json_null(&j, "config");
            cli_json_null(&j, "training");
            cli_json_obj(&j, "metrics");
            cli_json_null(&j, "validation");
            cli_json_eval_block(&j, "test", &e, &view, mc ? &mcm : NULL);
            cli_json_close(&j, '}');
            if (mc) {
                cli_json_obj(&j, "classes");
                cli_json_str(&j, "label", s->labels[0].name);
                cli_mc_json(&j, &mcm, (const char *const *)names);
                cli_json_close(&j, '}');
            } else {
                cli_json_null(&j, "classes");
            }
            cli_json_end(&j);
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
    session_close(&se);
    return rc;
}

/* ------------------------------------------------------------- predict */
/* The name of output j's probability (prob) or decision column, malloc'd:
 * prob_CLASS for a class; prob_LABEL for a label whose positive value is 1,
 * else prob_LABEL=VALUE, which says what it is the probability of;
 * pred_LABEL. NULL when out of memory. */
static char *output_key(const cli_schema *s, size_t j, int prob)
{
    const char *name = cli_schema_output_name(s, j);
    const char *pos  = s->task != CLI_TASK_MULTICLASS && prob ? s->labels[j].pos : NULL;
    if (pos != NULL && strcmp(pos, "1") == 0)
        pos = NULL;
    size_t nn = strlen(name), np = pos ? strlen(pos) + 1 : 0;
    char  *key = malloc(5 + nn + np + 1);
    if (key == NULL)
        return NULL;
    memcpy(key, prob ? "prob_" : "pred_", 5);
    memcpy(key + 5, name, nn);
    if (pos != NULL) {
        key[5 + nn] = '=';
        memcpy(key + 6 + nn, pos, np - 1);
    }
    key[5 + nn + np] = '\0';
    return key;
}

/* The name of an output column that the id column (or a multi-class
 * model's class column) would repeat, or NULL: "--id prob_y" wrote prob_y
 * twice, and a reader of the file would take one for the other. keys are
 * output_key's 2k names (the decision columns only for a model that is not
 * multi-class). */
static const char *output_clash(char *const *keys, size_t k, int mc, const char *id_name,
                                const char *label_col)
{
    if (id_name != NULL && label_col != NULL && strcmp(id_name, label_col) == 0)
        return id_name;
    for (int i = 0; i < 2; i++) {
        const char *n = i == 0 ? id_name : label_col;
        for (size_t j = 0; n != NULL && j < (mc ? k : 2 * k); j++)
            if (strcmp(n, keys[j]) == 0)
                return n;
    }
    return NULL;
}

/* A label's value in a JSON row: a number when it is an integer (0/1,
 * -1/+1), else its text. */
static void json_label_value(cli_json *j, const char *key, const char *text)
{
    const char *p = text + (text[0] == '-' || text[0] == '+');
    int         integer = *p != '\0' && strlen(p) < 16;
    for (; integer && *p != '\0'; p++)
        integer = *p >= '0' && *p <= '9';
    if (integer)
        cli_json_num(j, key, strtod(text, NULL));
    else
        cli_json_str(j, key, text);
}

/* The text of the id cell of row i. */
static const char *id_text(const session *se, size_t i, char *buf, size_t len)
{
    const cli_column *col = cli_table_column(se->t, (size_t)se->b.id_col);
    float             v   = se->c.x[i * se->c.ncols + (size_t)se->b.id_col];
    if (isnan(v))
        return "";
    if (col->is_string)
        return v >= 0.0f && (size_t)v < col->n_levels ? col->levels[(size_t)v] : "";
    if (v == floorf(v) && fabsf(v) < 1e15f)
        snprintf(buf, len, "%.0f", (double)v);
    else
        snprintf(buf, len, "%.9g", (double)v);
    return buf;
}

/* --threshold: one value, or one for each of k outputs. */
static int parse_thresholds(const char *s, size_t k, float *t)
{
    size_t n = 0;
    for (size_t j = 0; j < k; j++)
        t[j] = 0.5f;
    if (s == NULL)
        return CLI_OK;
    const char *p = s;
    for (;;) {
        char *e = NULL;
        double v = strtod(p, &e);
        if (e == p || !(v >= 0.0 && v <= 1.0) || (*e != ',' && *e != '\0'))
            return cli_usage("predict", "--threshold: '%s' is not a list of numbers in [0, 1]",
                             s);
        if (n == k)
            return cli_usage("predict", "--threshold: more values than the model's %zu "
                             "output%s", k, k == 1 ? "" : "s");
        t[n++] = (float)v;
        if (*e == '\0')
            break;
        p = e + 1;
    }
    if (n == 1)
        for (size_t j = 1; j < k; j++)
            t[j] = t[0];
    else if (n != k)
        return cli_usage("predict", "--threshold: %zu values for %zu outputs", n, k);
    return CLI_OK;
}

int cli_cmd_predict(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--out", 1},           {"--id", 1},      {"--threshold", 1}, {"--output-format", 1},
        {"--threads", 1},       {"--max-memory", 1}, CLI_READ_OPTDEFS, {NULL, 0}};
    model_data_args args;
    const int parsed = parse_model_data(argc, argv, "predict", defs, predict_help, &args);
    if (parsed >= 0)
        return parsed;
    cli_inputs in = {0};
    cli_inputs_add(&in, args.model);
    cli_inputs_add(&in, args.data);
    cli_out w = {0};
    if (cli_out_open(&w, args.out != NULL ? args.out : "-", &in) != 0)
        return CLI_EDATA;
    session se;
    if (session_open(&se, &args, 0) != CLI_OK) {
        cli_out_abort(&w);
        return CLI_EDATA;
    }
    const cli_schema *s  = &se.s;
    const size_t      k  = s->k;
    const int         mc = s->task == CLI_TASK_MULTICLASS;
    float            *th = malloc(k * sizeof(float));
    int               rc = th == NULL ? cli_fail("mlpblas: out of memory") : CLI_OK;
    if (rc == CLI_OK && args.threshold != NULL && mc)
        rc = cli_usage("predict", "--threshold: a multi-class model predicts the class of "
                       "the highest probability");
    if (rc == CLI_OK)
        rc = parse_thresholds(args.threshold, k, th);
    if (rc != CLI_OK) {
        cli_out_abort(&w);
        free(th);
        session_close(&se);
        return rc;
    }
    FILE       *f = w.f;
    const char *id_name =
        se.b.id_col >= 0 ? cli_table_column(se.t, (size_t)se.b.id_col)->name : NULL;
    const char *label_col = mc ? s->labels[0].name : NULL;
    /* The column names (CSV header, JSON keys), made once. */
    char **keys = calloc(2 * k, sizeof(char *));
    for (size_t j = 0; keys != NULL && j < 2 * k; j++)
        keys[j] = output_key(s, j % k, j < k);
    for (size_t j = 0; keys != NULL && j < 2 * k; j++)
        if (keys[j] == NULL)
            rc = cli_fail("mlpblas: out of memory");
    if (keys == NULL)
        rc = cli_fail("mlpblas: out of memory");
    const char *clash = rc == CLI_OK ? output_clash(keys, k, mc, id_name, label_col) : NULL;
    if (clash != NULL)
        rc = cli_fail("%s: the output would have two columns named \"%s\" (%s): rename "
                      "the id column", args.data, clash,
                      clash == id_name ? "the --id column and a prediction's"
                                       : "the class column and a probability's");
    if (!args.jsonl && rc == CLI_OK) {
        int first = 1;
        if (id_name != NULL) {
            cli_csv_field(f, id_name);
            first = 0;
        }
        if (mc) {
            if (!first)
                fputc(',', f);
            cli_csv_field(f, label_col);
            first = 0;
        }
        for (size_t j = 0; j < k; j++) {
            if (!first)
                fputc(',', f);
            cli_csv_field(f, keys[j]);
            first = 0;
        }
        for (size_t j = 0; j < k && !mc; j++) {
            fputc(',', f);
            cli_csv_field(f, keys[k + j]);
        }
        fputc('\n', f);
    }
    while (rc == CLI_OK) {
        if ((rc = session_next(&se)) != CLI_OK || se.c.n == 0)
            break;
        for (size_t i = 0; i < se.c.n; i++) {
            const float *p = se.prob + i * k;
            char         idb[48];
            if (args.jsonl) {
                cli_json j;
                cli_json_begin(&j, f);
                if (id_name != NULL)
                    cli_json_str(&j, id_name, id_text(&se, i, idb, sizeof idb));
                if (mc)
                    cli_json_str(&j, label_col, s->classes[cli_argmax(p, k)]);
                for (size_t q = 0; q < k; q++)
                    cli_json_num(&j, keys[q], (double)p[q]);
                for (size_t q = 0; q < k && !mc; q++)
                    json_label_value(&j, keys[k + q], p[q] >= th[q] ? s->labels[q].pos
                                                                    : s->labels[q].neg);
                cli_json_end(&j);
                continue;
            }
            int first = 1;
            if (id_name != NULL) {
                cli_csv_field(f, id_text(&se, i, idb, sizeof idb));
                first = 0;
            }
            if (mc) {
                if (!first)
                    fputc(',', f);
                cli_csv_field(f, s->classes[cli_argmax(p, k)]);
                first = 0;
            }
            for (size_t q = 0; q < k; q++) {
                fprintf(f, first ? "%.9g" : ",%.9g", (double)p[q]);
                first = 0;
            }
            for (size_t q = 0; q < k && !mc; q++) {
                fputc(',', f);
                cli_csv_field(f, p[q] >= th[q] ? s->labels[q].pos : s->labels[q].neg);
            }
            fputc('\n', f);
        }
        if (ferror(f))
            rc = cli_fail("%s: cannot write", args.out ? args.out : "standard output");
    }
    for (size_t j = 0; keys != NULL && j < 2 * k; j++)
        free(keys[j]);
    free(keys);
    if (rc == CLI_OK)
        session_unseen_note(&se);
    if (rc == CLI_OK)
        rc = cli_out_commit(&w) == 0 ? CLI_OK : CLI_EDATA;
    else
        cli_out_abort(&w);
    free(th);
    session_close(&se);
    return rc;
}
