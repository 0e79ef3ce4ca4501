/* session.h -- what eval and predict share (session.c): their command line,
 * and a model with its schema and DATA opened and matched to it. */
#ifndef MLPB_CLI_SESSION_H
#define MLPB_CLI_SESSION_H

#include "base/args.h"
#include "read/table.h"
#include "schema/schema.h"

#include "mlpblas.h"

#include <stddef.h>
#include <stdint.h>

/* The options eval and predict share, for their --help (the end of it). */
#define CLI_SESSION_HELP \
    "  --max-memory SIZE       refuse a model and buffers needing more memory (bytes,\n" \
    "                          or with K, M, G; default: half of what the process\n" \
    "                          may use: RAM, ulimit -v and -d, cgroup limit)\n" \
    "  -V, --version           print the version and exit\n" \
    "  --format csv|libsvm     file format (default: from the name, else csv)\n" \
    "  --delimiter C           CSV delimiter: a character, 'tab' or 'space'\n" \
    "                          (default: detected from the first line)\n" \
    "  --decimal .|,           CSV decimal mark (default: ',' when the delimiter is\n" \
    "                          not ',' and the first rows hold numbers like 5,1)\n" \
    "  --no-header             the CSV has no header row; columns are named 1, 2, ...\n" \
    "  --header                the first row is the header, even if all numbers\n" \
    "  --zero-based            LIBSVM feature indices start at 0\n" \
    "  --multilabel            LIBSVM: labels are comma-separated class ids (implied\n" \
    "                          by a multi-label model)\n" \
    "  -j, --threads N         BLAS threads (default: the BLAS library's choice)\n"

/* Rows read, encoded and predicted at a time: at most CLI_CHUNK_ROWS, fewer
 * for wide rows, so that a chunk's buffers stay near CLI_CHUNK_BYTES. */
#define CLI_CHUNK_ROWS  4096
#define CLI_CHUNK_BYTES (16u << 20)

/* The command line of eval and predict. */
typedef struct cli_model_data_args {
    const char   *model, *data;
    const char   *out;        /* --out, or NULL */
    const char   *id;         /* --id, or NULL */
    const char   *threshold;  /* --threshold, or NULL */
    const char   *plot;       /* --plot, or NULL */
    size_t        max_memory;
    int           json;       /* --json */
    int           jsonl;      /* --output-format jsonl */
    cli_read_opts o;
} cli_model_data_args;

/* A model, its schema, and DATA opened and matched to it. */
typedef struct cli_session {
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
} cli_session;

/* Parse argv into *m and apply --threads. Returns -1 to go on, or the exit
 * status for --help and usage errors. */
int cli_parse_model_data(int argc, char **argv, const char *cmd, const cli_optdef *defs,
                         const char *help, cli_model_data_args *m);

/* Free everything se holds (harmless on a zeroed one). */
void cli_session_close(cli_session *se);

/* Load the model and open DATA for it. labels: eval (1) or predict (0). */
int cli_session_open(cli_session *se, const cli_model_data_args *a, int labels);

/* Read, encode and predict the next chunk: CLI_OK with se->c.n rows (0 at
 * the end), or a message and CLI_EDATA. */
int cli_session_next(cli_session *se);

/* The note on LIBSVM features the model was not trained on, if any. */
void cli_session_unseen_note(const cli_session *se);

/* The name of output j's probability (prob) or decision column, malloc'd:
 * prob_CLASS for a class; prob_LABEL for a label whose positive value is 1,
 * else prob_LABEL=VALUE, which says what it is the probability of;
 * pred_LABEL. NULL when out of memory. */
char *cli_output_key(const cli_schema *s, size_t j, int prob);

#endif /* MLPB_CLI_SESSION_H */
