/* cli.h -- pieces shared by the commands of the mlpblas tool: exit codes,
 * option parsing, messages, JSON output, atomic output files, the training
 * progress display and the common training routine of `train` and `demo`. */
#ifndef MLPB_CLI_H
#define MLPB_CLI_H

#include "data.h"
#include "mlpblas.h"

#include <stdio.h>

#if defined(__GNUC__)
#  define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define CLI_PRINTF(f, a)
#endif

/* Exit status: bad data, models or files are 1; bad command lines are 2. */
enum { CLI_OK = 0, CLI_EDATA = 1, CLI_EUSAGE = 2 };

/* ------------------------------------------------------------ options */
typedef struct cli_optdef {
    const char *name;      /* "--epochs" */
    int         has_value;
} cli_optdef;

typedef struct cli_args {
    int               argc;
    char            **argv;
    int               i;
    const char       *cmd;      /* "train", for messages */
    const cli_optdef *defs;     /* terminated by a NULL name */
    int               only_pos; /* after "--" */
    const char       *name;     /* the option found, or NULL for a positional */
    const char       *value;    /* its value, or the positional argument */
} cli_args;

enum { CLI_ARG_OPT, CLI_ARG_POS, CLI_ARG_END, CLI_ARG_HELP, CLI_ARG_BAD };

void cli_args_init(cli_args *a, int argc, char **argv, const char *cmd,
                   const cli_optdef *defs);
/* Next argument: an option (name, value), a positional (value), the end, a
 * request for help, or a bad option (message printed). Accepts --opt VALUE
 * and --opt=VALUE. */
int cli_args_next(cli_args *a);

/* "mlpblas CMD: message (see mlpblas CMD --help)" on stderr; returns CLI_EUSAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/* One line on stderr, as given (data errors start with FILE:LINE:COLUMN). */
int cli_fail(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Option values; each returns 0 or prints a usage error and returns -1. */
int cli_parse_size(const char *cmd, const char *opt, const char *s, size_t min, size_t max,
                   size_t *out);
/* --threads: 1..CLI_MAX_THREADS. */
#define CLI_MAX_THREADS 4096
int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);
int cli_parse_float(const char *cmd, const char *opt, const char *s, double min, double max,
                    float *out);
int cli_parse_sizes(const char *cmd, const char *opt, const char *s, size_t *out, size_t cap,
                    size_t *n);

/* The data options every reading command shares (--format, --delimiter,
 * --no-header). Returns 1 if the option was one of them (0 if not, -1 on a
 * bad value, message printed). */
int cli_data_option(const char *cmd, const char *name, const char *value, mlpb_data_opts *o);
#define CLI_DATA_OPTDEFS {"--format", 1}, {"--delimiter", 1}, {"--no-header", 0}, \
    {"--zero-based", 0}

/* Read a data file, printing the reader's message on failure (CLI_EDATA). */
int cli_read_data(const char *path, const mlpb_data_opts *o, mlpb_data *d);
/* Load a model, printing "PATH: what" on failure (CLI_EDATA). */
int cli_load_model(const char *path, mlpb_model **m);
/* "MODEL: what" for a failed model save or load status s. */
int cli_model_error(const char *path, const char *what, mlpb_status s);

/* Flush standard output: CLI_OK, or a message and CLI_EDATA when it could
 * not be written (a full disk, a closed pipe). */
int cli_flush_stdout(const char *cmd);
/* Monotonic seconds. */
double cli_now(void);

/* -------------------------------------------------------------- JSON */
typedef struct cli_json {
    FILE *f;
    int   depth;
    int   first[16];
} cli_json;

void cli_json_begin(cli_json *j, FILE *f);   /* { */
void cli_json_end(cli_json *j);              /* }\n */
void cli_json_obj(cli_json *j, const char *key);  /* key NULL inside arrays */
void cli_json_arr(cli_json *j, const char *key);
void cli_json_close(cli_json *j, char c);    /* ']' or '}' */
void cli_json_str(cli_json *j, const char *key, const char *v);
void cli_json_num(cli_json *j, const char *key, double v);  /* null if not finite */
void cli_json_float(cli_json *j, const char *key, float v); /* 7 digits */
void cli_json_int(cli_json *j, const char *key, unsigned long long v);
void cli_json_bool(cli_json *j, const char *key, int v);
void cli_json_null(cli_json *j, const char *key);
/* The fields of one metrics record. */
void cli_json_metrics(cli_json *j, const mlpb_metrics *m);

/* ------------------------------------------------------------ metrics */
/* Predict n rows and compute per-output (k entries), mean and exact-match
 * metrics. prob (n x k) may be NULL. Returns CLI_OK or prints and CLI_EDATA. */
typedef struct cli_eval {
    mlpb_metrics *per;     /* k */
    mlpb_metrics  mean;
    double        exact;
    double        seconds;
    size_t        tp, fp, tn, fn; /* first output, at 0.5 */
} cli_eval;
int  cli_evaluate(const mlpb_model *m, const mlpb_data *d, float *prob, cli_eval *e);
void cli_eval_free(cli_eval *e);
/* Aligned text report of e for the labels of d, each line prefixed. */
void cli_print_metrics(FILE *f, const char *prefix, const cli_eval *e, const mlpb_data *d);
/* Predictions in chunks of CLI_PREDICT_BATCH rows (the same chunking in the
 * tests' reference program keeps the results bitwise equal). */
#define CLI_PREDICT_BATCH 256
int cli_predict_all(const mlpb_model *m, const float *x, size_t n, float *prob);

/* ------------------------------------------------------- output files */
/* Write to a temporary file beside path, renamed over path only by
 * cli_out_commit, so a failure never leaves a partial or clobbered file. */
typedef struct cli_out {
    FILE *f;
    char *tmp;
    const char *path;
} cli_out;
int  cli_out_open(cli_out *o, const char *path);    /* 0, or -1 with a message */
int  cli_out_commit(cli_out *o);                     /* 0, or -1 with a message */
void cli_out_abort(cli_out *o);
/* A dataset as CSV: header of names, then rows of %.9g. */
int cli_write_csv(FILE *f, const mlpb_data *d);

/* ------------------------------------------------------------ training */
#define CLI_MAX_HIDDEN 32

typedef struct cli_train_cfg {
    size_t          hidden[CLI_MAX_HIDDEN];
    size_t          n_hidden;
    mlpb_train_opts opts;        /* epochs, batch, optimiser, patience, standardize, seed */
    double          val_split;   /* fraction held out for validation, 0 = none */
    float           pos_weight;  /* 0 = auto (negatives / positives per output) */
    uint64_t        seed;
    int             quiet;       /* no progress output at all */
    int             lines;       /* one line per epoch when not quiet */
    const char     *log_path;    /* per-epoch CSV, or NULL */
} cli_train_cfg;

void cli_train_cfg_default(cli_train_cfg *c);

typedef struct cli_fit {
    mlpb_model       *model;
    mlpb_data         train, val;   /* both empty without validation */
    size_t            n_train;      /* rows trained on */
    mlpb_train_report report;
    cli_eval          val_eval;     /* metrics of the final model on val */
    double            seconds;
} cli_fit;

/* Split off validation rows, create and train a model on d. On failure a
 * message is printed and CLI_EDATA returned; f holds nothing to free. */
int  cli_train(const mlpb_data *d, const cli_train_cfg *c, cli_fit *f);
void cli_fit_free(cli_fit *f);
/* "30-64-1" */
void cli_arch_string(const mlpb_model *m, char *buf, size_t n);

/* --------------------------------------------------------------- commands */
int cli_cmd_train(int argc, char **argv);
int cli_cmd_demo(int argc, char **argv);
int cli_cmd_eval(int argc, char **argv);
int cli_cmd_predict(int argc, char **argv);
int cli_cmd_info(int argc, char **argv);

#endif /* MLPB_CLI_H */
