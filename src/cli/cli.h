/* cli.h -- pieces shared by the commands of the mlpblas tool: exit codes,
 * option parsing, messages, JSON output, atomic output files, the training
 * progress display and the common training routine of `train` and `demo`. */
#ifndef MLPB_CLI_H
#define MLPB_CLI_H

#include "data.h"
#include "memlimit.h"
#include "mlpblas.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

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

/* CLI_ARG_DONE: --version (-V) was printed; exit 0. */
enum { CLI_ARG_OPT, CLI_ARG_POS, CLI_ARG_END, CLI_ARG_HELP, CLI_ARG_BAD, CLI_ARG_DONE };

void cli_args_init(cli_args *a, int argc, char **argv, const char *cmd,
                   const cli_optdef *defs);
/* Next argument: an option (name, value), a positional (value), the end, a
 * request for help, or a bad option (message printed, with the nearest
 * option when one is close). Accepts --opt VALUE, --opt=VALUE and the short
 * forms -o (--out), -q (--quiet), -v (--verbose), -j (--threads), -h, -V. */
int cli_args_next(cli_args *a);

/* "mlpblas CMD: message (see mlpblas CMD --help)" on stderr; returns CLI_EUSAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/* One line on stderr, as given (data errors start with FILE:LINE:COLUMN). */
int cli_fail(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Text for a terminal (term.c): every control byte (C0, DEL, C1, the
 * bidirectional overrides) and every byte that is not UTF-8 is written as
 * an escape (\n, \t, \x1B, \u009B), so that a name or cell from a file
 * cannot act on the terminal; keep_last_newline lets a final '\n' end the
 * line. cli_fail, cli_usage and the human-readable printers (info, the
 * metrics reports) write file-derived text through these. */
void cli_term_write(FILE *f, const char *text, int keep_last_newline);
/* For the valid UTF-8 sequence of n bytes at s: its code point + 1 when it
 * is one of the controls above, else 0. */
unsigned long cli_utf8_control(const unsigned char *s, size_t n);
void cli_term_vprintf(FILE *f, int keep_last_newline, const char *fmt, va_list ap)
    CLI_PRINTF(3, 0);
/* Formatted, escaped as above; only a final '\n' is kept as a line end. */
void cli_tprintf(FILE *f, const char *fmt, ...) CLI_PRINTF(2, 3);

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

/* One CSV field, quoted when it holds a delimiter, quote, blank or line end. */
void cli_csv_field(FILE *f, const char *s);
/* Load a model, printing "PATH: what" on failure (CLI_EDATA). */
int cli_load_model(const char *path, mlpb_model **m);
/* Verify the whole model file (CRC-32 included, streamed through a small
 * buffer), then load its header alone: what the header says (the schema,
 * the sizes) is trusted only once the checksum holds. CLI_OK, or "PATH:
 * what" printed and CLI_EDATA. */
int cli_load_model_header(const char *path, mlpb_model **m);
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
    size_t      (*conf)[4]; /* k: true/false positives, true/false negatives at 0.5 */
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
/* Every file the tool writes goes through cli_out (write.c). cli_out_open,
 * called before any long work, refuses a directory, a symbolic link, a file
 * that is also one of the inputs (same device and inode), and an unwritable
 * file or directory, then creates the temporary file in the target's
 * directory: unnamed (O_TMPFILE) where the file system allows it, else
 * DIR/.mlpb-XXXXXXXXXXXX. It is created 0666 less the umask; a file it
 * replaces keeps its permission bits (& 0777). cli_out_commit flushes,
 * fsyncs and renames it over the target; until then the target is untouched,
 * and cli_out_abort removes the temporary. "-" writes to standard output
 * (commit flushes it and reports a write error); a character device or a
 * FIFO, also named through a link (/dev/null, /dev/stdout on a pipe), is
 * opened and written in place (commit flushes and closes it). */
#define CLI_MAX_INPUTS 4
typedef struct cli_inputs {
    size_t      n;
    const char *path[CLI_MAX_INPUTS];
    struct stat st[CLI_MAX_INPUTS];
    int         have[CLI_MAX_INPUTS];  /* stat succeeded */
} cli_inputs;
/* Remember an input ("-": standard input) to refuse it as an output. */
void cli_inputs_add(cli_inputs *in, const char *path);
/* 0 if the non-NULL paths name different files, else a message and -1. */
int  cli_outs_distinct(const char *const *paths, size_t n);

typedef struct cli_out {
    FILE       *f;          /* write here */
    const char *path;
    char       *dir;        /* the target's directory */
    char       *tmp;        /* the temporary's name, when it has one */
    int         fd;
    int         unnamed;    /* O_TMPFILE */
    int         is_stdout;
    int         is_stream;  /* a character device or FIFO, written in place */
    int         exists;     /* replacing a file */
    unsigned    mode;       /* its permission bits */
} cli_out;
int  cli_out_open(cli_out *o, const char *path, const cli_inputs *in); /* 0 or -1, message */
int  cli_out_commit(cli_out *o);                     /* 0, or -1 with a message */
void cli_out_abort(cli_out *o);                      /* harmless on a zeroed cli_out */
/* Write m's file image to o (not committed). 0 or -1 with a message. */
int  cli_save_model(const mlpb_model *m, cli_out *o);
/* A dataset as CSV: header of names, then rows of %.9g. */
int cli_write_csv(FILE *f, const mlpb_data *d);

/* ------------------------------------------------------------ training */
#define CLI_MAX_HIDDEN 32

/* Verbosity: --quiet 0, default 1, --verbose 2. */
typedef struct cli_train_cfg {
    size_t          hidden[CLI_MAX_HIDDEN];
    size_t          n_hidden;
    int             hidden_given; /* --hidden given: cli_train_cfg_for_data keeps it */
    int             wd_given;     /* --weight-decay given: the same */
    mlpb_train_opts opts;        /* epochs, batch, optimiser, patience, standardize */
    double          val_split;   /* fraction held out for validation, 0 = none */
    float           pos_weight;  /* 0 = auto (negatives / positives per output) */
    uint64_t        seed;
    int             verbosity;
    int             lines;       /* one line per epoch at verbosity 1 */
    size_t          max_memory;  /* bytes the run may use */
    int             class_metrics; /* a class column: the validation rows' class
                                    metrics too (cli_fit.val_mc) */
} cli_train_cfg;

/* The defaults that depend on the data (docs/defaults.md), for what the
 * command line left unset. Without --hidden, one hidden layer of
 * CLI_HIDDEN_DEFAULT units for one output, and of the larger of
 * CLI_HIDDEN_MULTI and CLI_HIDDEN_PER_OUTPUT x outputs for more. Without
 * --weight-decay, AdamW's decay is the library's default times
 * min(1, CLI_DECAY_ROWS / rows). Idempotent. */
#define CLI_HIDDEN_DEFAULT    64
#define CLI_HIDDEN_MULTI      128
#define CLI_HIDDEN_PER_OUTPUT 8
#define CLI_DECAY_ROWS        1000
void cli_train_cfg_default(cli_train_cfg *c);
void cli_train_cfg_for_data(cli_train_cfg *c, size_t rows, size_t outputs);

typedef struct cli_fit {
    mlpb_model       *model;
    /* The training and validation rows' counts and names; while cli_train
     * runs, val's x and y are a copy of the validation rows (the rows
     * mlpb_train holds out); when it returns both are NULL. Both empty
     * without validation, and val under --mpi (each rank holds its own). */
    mlpb_data         train, val;
    size_t            n_train;      /* rows the saved model was trained on */
    size_t            n_val;        /* train --mpi: rows held out over all ranks (val
                                       stays empty: each rank holds its own) */
    int               ranks;        /* train --mpi: processes; 0 otherwise */
    size_t            n_first;      /* train --mpi: training rows of the run that chose
                                       the epochs (over all ranks) */
    size_t            refit_epochs; /* epochs of the refit on all rows, 0 without */
    double            rows_seen;    /* training rows processed, both runs */
    size_t            k;
    float            *pos_weight;   /* k: the weights used */
    mlpb_train_report report;
    cli_eval          val_eval;     /* metrics on val of the model that chose the epochs */
    struct cli_mc    *val_mc;       /* with class_metrics: that model's class metrics on
                                       val, or NULL */
    double            seconds;
    float            *chosen;       /* with validation: the parameters, mean and std of
                                       the best epoch so far (cli_fit_on_epoch) */
    int               have_chosen;
    mlpb_epoch_info  *hist;         /* one record an epoch */
    size_t            n_hist, cap_hist;
} cli_fit;

/* Check the memory budget, create and train a model on d with mlpb_train
 * (which holds out the validation rows, stops early and refits), writing
 * the learning curve to log (may be NULL) as CSV; then the metrics of the
 * model the validated run chose on the held-out rows. d is not changed. On
 * failure a message is printed and CLI_EDATA returned; f holds nothing to
 * free. */
int  cli_train(mlpb_data *d, const cli_train_cfg *c, FILE *log, cli_fit *f);
void cli_fit_free(cli_fit *f);
/* The pieces of cli_train that train --mpi (cmd_train_mpi.c) shares. */
/* Small initial weights: ahead of He's on held-out accuracy over the data
 * sets of bench/accuracy.py (docs/defaults.md). */
#define CLI_INIT MLPB_INIT_FAN_IN
/* 0 if training fits c->max_memory, counting d, the model, mlpb_train's
 * allocations for n_rows rows with c's validation split, and extra bytes;
 * else the message and -1. */
int  cli_check_budget(const mlpb_data *d, const size_t *sizes, size_t ns,
                      const cli_train_cfg *c, size_t n_rows, double extra);
/* d's rows with pick[i] set (n_pick of them), copied to new *x, *y. */
int  cli_fit_val_rows(const mlpb_data *d, const unsigned char *pick, size_t n_pick, float **x,
                      float **y);
/* The positive weights into pw (k): c->pos_weight, or for auto (0)
 * negatives over positives of each output among the rows with pick[i] 0
 * (pick NULL: all), n_tr of them over all ranks; reduce (may be NULL) sums
 * the k counts over the ranks. */
int  cli_fit_pos_weights(const mlpb_data *d, const unsigned char *pick, size_t n_tr,
                         const cli_train_cfg *c, void (*reduce)(uint64_t *, size_t), float *pw);
/* f->chosen for f->model (before training with validation); its bytes. */
int    cli_fit_chosen_alloc(cli_fit *f);
double cli_fit_chosen_bytes(const size_t *sizes, size_t ns);
/* The model the validated run chose: f->model itself, or after a refit a
 * new one (the caller destroys it when it is not f->model) with f->chosen. */
int  cli_fit_chosen(cli_fit *f, mlpb_model **out);
/* The epoch callback: progress, --log row, history (ctx a cli_train_ctx). */
int  cli_fit_on_epoch(const mlpb_epoch_info *e, void *ctx);
/* train --mpi: hold the first message of cli_fail in buf (len bytes)
 * instead of printing it, so that the ranks agree on one error and it is
 * printed once; NULL prints again. */
void cli_fail_hold(char *buf, size_t len);

/* The header of the --log CSV and one row of it. */
#define CLI_LOG_HEADER "epoch,train_loss,val_loss,val_accuracy,val_precision,val_recall," \
                       "val_f1,val_auc,seconds,samples_per_s,best_epoch"
void cli_log_row(FILE *f, const mlpb_epoch_info *e);
/* "30-64-1" */
void cli_arch_string(const mlpb_model *m, char *buf, size_t n);

/* Bytes: the memory budget's default (cli_default_max_memory, memlimit.h:
 * half of what the process may use), a SIZE option ("512M", "8G",
 * "1000000"), and "7.2 GB" for messages. */
int    cli_parse_bytes(const char *cmd, const char *opt, const char *s, size_t *out);
void   cli_format_bytes(char *buf, size_t n, double bytes);

/* ------------------------------------------------------------ progress */
typedef struct cli_progress {
    int    bar, lines, verbose;
    size_t epochs, n_rows, batch;
    double t_start, t_draw;
    double ema;          /* smoothed batch loss */
    size_t ema_n;
    int    drawn;
} cli_progress;
/* A multi-class model's class metrics on the validation rows, each epoch:
 * the buffers, made before training so that an epoch allocates nothing. */
typedef struct cli_val_classes {
    const float    *x, *y;   /* this process's validation rows, y one-hot */
    size_t          n, k;
    float          *prob;    /* n x k */
    mlpb_workspace *ws;
    struct cli_mc  *mc;
    /* train --mpi: add the k x k confusion counts of every rank, in place
     * (collective: each rank's callback calls it at each epoch); NULL alone. */
    void          (*reduce)(size_t *counts, size_t n);
} cli_val_classes;
/* For model m's validation rows x, y (n of them; n may be 0 under --mpi).
 * CLI_OK, or a message and CLI_EDATA. */
int  cli_val_classes_init(cli_val_classes *v, const mlpb_model *m, const float *x,
                          const float *y, size_t n, size_t k);
void cli_val_classes_free(cli_val_classes *v);
/* Bytes cli_val_classes_init takes for n rows of a network of sizes[0..ns). */
double cli_val_classes_bytes(const size_t *sizes, size_t ns, size_t n);

typedef struct cli_train_ctx {
    cli_progress    *progress;
    FILE            *log;
    cli_fit         *fit;
    int              failed;    /* out of memory for the history */
    int              refitting; /* the epochs are the refit's, on all rows */
    cli_val_classes *classes;   /* a class column: the epoch's validation metrics are
                                   the class ones (cli_mc_apply); NULL otherwise */
} cli_train_ctx;
int  cli_term_columns(int fd);
void cli_progress_init(cli_progress *p, int verbosity, int lines, size_t epochs,
                       size_t n_rows, size_t batch);
int  cli_progress_batch(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx);
void cli_progress_epoch(cli_progress *p, const mlpb_epoch_info *e);
void cli_progress_clear(cli_progress *p);

/* -------------------------------------------------------- JSON shape */
/* report.c: the members every command's JSON object has, in order:
 * command, mlpblas, data, model, config, training, metrics. */
void cli_json_head(cli_json *j, FILE *f, const char *command);
/* data: path, rows, features, labels (names) and positive: each label's
 * positive value (the one whose probability the model gives) from schema s
 * ("1" for every label when s is NULL: 0/1 labels), null for a class
 * column. */
struct cli_schema;
void cli_json_data(cli_json *j, const char *path, const mlpb_data *d,
                   const struct cli_schema *s);
void cli_json_model(cli_json *j, const char *path, const mlpb_model *m);
void cli_json_config(cli_json *j, const cli_train_cfg *c, const cli_fit *f);
void cli_json_training(cli_json *j, const cli_fit *f);
/* A metrics block (null when e is NULL): rows, the mean metrics,
 * exact_match, per_output (label, metrics, confusion), seconds. mc: a
 * multi-class model's class metrics on the same rows, whose accuracy and
 * macro precision, recall and F1 are the block's (cli_mc_apply); NULL for
 * binary and multi-label models. */
struct cli_mc;
void cli_json_eval_block(cli_json *j, const char *key, const cli_eval *e, const mlpb_data *d,
                         const struct cli_mc *mc);
const char *cli_optimizer_name(mlpb_optimizer o);
const char *cli_schedule_name(mlpb_schedule s);
int         cli_parse_optimizer(const char *s, mlpb_optimizer *o);
int         cli_parse_schedule(const char *s, mlpb_schedule *o);

/* ---------------------------------------------------------------- SVG */
/* Read a --log CSV from in (path for messages) into *h (n epochs, malloc'd).
 * CLI_OK, or a message and CLI_EDATA. */
int cli_read_log(const char *path, FILE *in, mlpb_epoch_info **h, size_t *n);
int cli_svg_learning_curve(FILE *f, const mlpb_epoch_info *h, size_t n, const char *title);
/* ROC and precision-recall curves of the first 8 outputs; the first
 * output's AUC and average precision in *auc, *ap (may be NULL). */
int cli_svg_roc_pr(FILE *f, const float *prob, const float *y, size_t n, size_t k,
                   char *const *labels, const char *title, double *auc, double *ap);

/* --------------------------------------------------------------- commands */
int cli_cmd_train(int argc, char **argv);
int cli_cmd_demo(int argc, char **argv);
int cli_cmd_eval(int argc, char **argv);
int cli_cmd_predict(int argc, char **argv);
int cli_cmd_info(int argc, char **argv);
int cli_cmd_plot(int argc, char **argv);
int cli_cmd_export(int argc, char **argv); /* cmd_onnx.c */
int cli_cmd_import(int argc, char **argv);

#endif /* MLPB_CLI_H */
