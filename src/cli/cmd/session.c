/* session.c -- what eval and predict share (session.h): their command line,
 * and a model with its schema and the DATA file opened and matched to it by
 * column name, read in chunks of CLI_CHUNK_ROWS rows. */
#include "cmd/session.h"

#include "base/args.h"
#include "base/memlimit.h"
#include "base/msg.h"
#include "base/term.h"
#include "model/load.h"
#include "model/predict.h"
#include "read/colsel.h"
#include "read/format.h"
#include "read/table.h"
#include "schema/schema.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Parse argv into *m and apply --threads. Returns -1 to go on, or the exit
 * status for --help and usage errors. */
int cli_parse_model_data(int argc, char **argv, const char *cmd, const cli_optdef *defs,
                         const char *help, cli_model_data_args *m)
{
    const char *pos[2] = {NULL, NULL};
    size_t      npos = 0, threads = 0;
    int         r;
    cli_args    a;
    memset(m, 0, sizeof *m);
    m->max_memory = cli_default_max_memory();
    cli_read_opts_init(&m->o);
    cli_args_init(&a, argc, argv, cmd, defs);
    const char *const helps[] = {help, NULL};
    int               rc;
    while ((r = cli_args_option(&a, helps, pos, 2, &npos, &rc)) > 0) {
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
    if (r < 0)
        return rc;
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

void cli_session_close(cli_session *se)
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
int cli_session_open(cli_session *se, const cli_model_data_args *a, int labels)
{
    char err[2048];
    memset(se, 0, sizeof *se);
    /* The header first (once the file's checksum holds): the schema and
     * sizes, to check the budget before the parameters are read. */
    if (cli_load_model_header(a->model, &se->m) != CLI_OK)
        return CLI_EDATA;
    if (cli_schema_load(se->m, &se->s, &se->has_schema, err, sizeof err) != MLPB_OK) {
        cli_session_close(se);
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
            cli_session_close(se);
            return cli_fail("%s: the model's classes are not LIBSVM class ids (integers)",
                            a->model);
        }
        o.class_ids = se->class_ids;
    }
    mlpb_status st = cli_table_open(a->data, &o, &se->t, err, sizeof err);
    if (st == MLPB_OK)
        st = cli_binding_init(&se->b, s, se->t, labels, a->id, err, sizeof err);
    if (st != MLPB_OK) {
        cli_session_close(se);
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
        cli_session_close(se);
        return cli_fail("%s: a model too large to use", a->model);
    }
    if (mlpb_workspace_memory(sz, ns, batch, MLPB_THREADING_BLAS, &ws_bytes) != MLPB_OK) {
        cli_session_close(se);
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
        cli_session_close(se);
        return cli_fail("mlpblas: the model (%zu inputs) and its buffers need %s; "
                        "--max-memory is %s", d, nb, bb);
    }
    mlpb_model_destroy(se->m);
    se->m = NULL;
    if (cli_load_model(a->model, &se->m) != CLI_OK) {
        cli_session_close(se);
        return CLI_EDATA;
    }
    if (mlpb_model_n_inputs(se->m) != d || mlpb_model_n_outputs(se->m) != k) {
        cli_session_close(se);
        return cli_fail("%s: the model file changed while it was read", a->model);
    }
    se->x    = malloc(se->rows * d * sizeof(float));
    se->y    = malloc(se->rows * k * sizeof(float));
    se->prob = malloc(se->rows * k * sizeof(float));
    se->cls  = malloc(se->rows * sizeof(size_t));
    if (!se->x || !se->y || !se->prob || !se->cls ||
        mlpb_workspace_create(se->m, batch, NULL, &se->ws) != MLPB_OK) {
        cli_session_close(se);
        return cli_fail("mlpblas: out of memory");
    }
    return CLI_OK;
}

/* Read, encode and predict the next chunk: CLI_OK with se->c.n rows (0 at
 * the end), or a message and CLI_EDATA. */
int cli_session_next(cli_session *se)
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

void cli_session_unseen_note(const cli_session *se)
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

/* The name of output j's probability (prob) or decision column, malloc'd:
 * prob_CLASS for a class; prob_LABEL for a label whose positive value is 1,
 * else prob_LABEL=VALUE, which says what it is the probability of;
 * pred_LABEL. NULL when out of memory. */
char *cli_output_key(const cli_schema *s, size_t j, int prob)
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
