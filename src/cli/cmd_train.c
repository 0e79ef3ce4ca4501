/* cmd_train.c -- the commands that train: `train` (a data file to a model
 * file) and `demo` (the bundled breast-cancer data: split, train, test), on
 * one training routine with its progress display and learning-curve log. */
#include "cli.h"
#include "demo_data.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char train_help[] =
    "Usage: mlpblas train DATA --out MODEL [OPTIONS]\n"
    "\n"
    "Train a multilayer perceptron on DATA and save it to MODEL. Label columns\n"
    "hold 0 or 1 (the last column unless --label names them; several make a\n"
    "multi-label model); every other column is a feature. Features are\n"
    "standardised with the training rows' means and deviations, which the\n"
    "model stores and applies whenever it predicts.\n"
    "\n"
    "A stratified 15% of the rows is held out for validation: training stops\n"
    "when the validation loss has not improved for 10 epochs and keeps the\n"
    "weights of the best epoch. Progress goes to standard error (a bar when it\n"
    "is a terminal); the validation metrics and the model path to standard\n"
    "output.\n"
    "\n"
    "Model:\n"
    "  --out MODEL             model file to write (required; replaced atomically)\n"
    "  --label NAME[,NAME...]  label column(s) (default: the last column)\n"
    "  --hidden N[,N...]       hidden layer widths (64)\n"
    "Training:\n"
    "  --epochs N              maximum number of epochs (100)\n"
    "  --batch N               rows per mini-batch (32)\n"
    "  --optimizer NAME        sgd, momentum, nesterov, adam, adamw, rmsprop (adam)\n"
    "  --lr X                  learning rate (0.001)\n"
    "  --weight-decay X        L2 penalty on the weights; decoupled for adamw (0)\n"
    "  --schedule NAME         learning rate over time: constant; step (x0.1 after\n"
    "                          each third of the epochs); cosine (down to 0 at the\n"
    "                          last epoch) (constant)\n"
    "  --val-split F           fraction held out for validation, 0 for none (0.15)\n"
    "  --patience N            stop after N epochs without a better validation\n"
    "                          loss; 0 never stops early (10)\n"
    "  --pos-weight X|auto     weight of the positive class in the loss; auto is\n"
    "                          negatives/positives of each label (1)\n"
    "  --no-standardize        use the features as they are\n"
    "  --seed N                seed of initialisation, split and shuffling (1)\n"
    "  --threads N             threads (default: the BLAS library's count); each\n"
    "                          batch big enough is split in as many row blocks,\n"
    "                          one a thread\n"
    "  --precision P           fp32, bf16 (products in bf16 with fp32 sums; needs\n"
    "                          oneDNN and a CPU with AVX512-BF16) or bf16-emulated\n"
    "                          (the same roundings on any CPU, slower); the model\n"
    "                          file is fp32 either way (fp32)\n"
    "Data:\n"
    "  --format csv|libsvm     file format (default: from the name, else csv)\n"
    "  --delimiter C           CSV delimiter: a character, 'tab' or 'space'\n"
    "                          (default: detected from the first line)\n"
    "  --no-header             the CSV has no header row; columns are named 1, 2, ...\n"
    "  --zero-based            LIBSVM indices start at 0 (detected when an index 0 appears)\n"
    "  --multilabel            LIBSVM labels are comma-separated class ids (else 0/1, -1/+1)\n"
    "Output:\n"
    "  --log FILE              write the learning curve (one CSV row an epoch)\n"
    "  --quiet                 print nothing but errors\n"
    "  --json                  print the result as one JSON object\n";

static const char demo_help[] =
    "Usage: mlpblas demo [OPTIONS]\n"
    "\n"
    "Train and test a model on the Wisconsin Diagnostic Breast Cancer data built\n"
    "into this program (569 samples, 30 features, label 'benign'): a seeded,\n"
    "stratified split keeps 25% of the rows out of training; a model is trained\n"
    "on the rest with the defaults of 'mlpblas train' and tested on the held-out\n"
    "rows. Needs no file.\n"
    "\n"
    "Options:\n"
    "  --seed N          seed of the split and the training (42)\n"
    "  --epochs N        maximum number of epochs (100)\n"
    "  --threads N       threads (default: the BLAS library's count); each batch\n"
    "                    big enough is split in as many row blocks, one a thread\n"
    "  --out MODEL       also save the model\n"
    "  --train-out FILE  also write the training rows as CSV\n"
    "  --test-out FILE   also write the held-out rows as CSV (for 'mlpblas eval')\n"
    "  --json            print the result as one JSON object\n"
    "  --quiet           print nothing but errors\n";

/* ------------------------------------------------------------ progress */
typedef struct progress {
    int    bar;      /* redraw a bar on stderr during each epoch */
    int    lines;    /* one line per epoch on stderr */
    FILE  *log;
    size_t epochs;
    double t_first;  /* end of the current epoch's first batch */
    double t_draw;   /* last redraw */
    int    drawn;
} progress;

static int on_batch(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx)
{
    progress *p = ctx;
    if (!p->bar)
        return 0;
    double now = cli_now();
    if (batch == 1)
        p->t_first = now;
    /* Redraw at most ten times a second: a terminal is slow. */
    if (batch < n_batches && now - p->t_draw < 0.1)
        return 0;
    p->t_draw   = now;
    double frac = n_batches ? (double)batch / (double)n_batches : 1.0;
    int    w    = 24, fill = (int)(frac * w + 0.5);
    fprintf(stderr, "\r\033[Kepoch %zu/%zu [%.*s%*s] %3.0f%%  loss %.4f", epoch, p->epochs,
            fill, "========================", w - fill, "", frac * 100.0, (double)loss);
    /* The time per batch is measured from the end of the first, which also
     * carries the epoch's setup. */
    if (batch > 1)
        fprintf(stderr, "  ETA %.1fs",
                (now - p->t_first) / (double)(batch - 1) * (double)(n_batches - batch));
    else
        fputs("  ETA --", stderr);
    fflush(stderr);
    p->drawn = 1;
    return 0;
}

static int on_epoch(const mlpb_epoch_info *e, void *ctx)
{
    progress *p = ctx;
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        p->drawn = 0;
    }
    if (p->lines) {
        fprintf(stderr, "epoch %4zu/%zu  train loss %.4f", e->epoch, e->epochs, e->train_loss);
        if (isfinite(e->val_loss))
            fprintf(stderr, "  val loss %.4f  val acc %.4f", e->val_loss, e->val.accuracy);
        fprintf(stderr, "  %.0f samples/s%s\n", e->samples_per_s,
                e->best_epoch == e->epoch && isfinite(e->val_loss) ? "  *best" : "");
    }
    if (p->log != NULL) {
        fprintf(p->log, "%zu,%.9g", e->epoch, e->train_loss);
        const double v[] = {e->val_loss,  e->val.accuracy, e->val.precision, e->val.recall,
                            e->val.f1,    e->val.auc};
        for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
            if (isfinite(v[i]))
                fprintf(p->log, ",%.9g", v[i]);
            else
                fputs(",", p->log);
        }
        fprintf(p->log, ",%.6g,%.6g,%zu\n", e->seconds, e->samples_per_s, e->best_epoch);
        fflush(p->log);
    }
    return 0;
}

/* ------------------------------------------------------------ training */
void cli_train_cfg_default(cli_train_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->hidden[0] = 64;
    c->n_hidden  = 1;
    mlpb_train_opts_default(&c->opts); /* MLPB_THREADING_AUTO */
    c->val_split  = 0.15;
    c->pos_weight = 1.0f;
    c->seed       = 1;
    c->lines      = 1;
}

void cli_fit_free(cli_fit *f)
{
    mlpb_model_destroy(f->model);
    mlpb_data_free(&f->train);
    mlpb_data_free(&f->val);
    cli_eval_free(&f->val_eval);
    memset(f, 0, sizeof *f);
}

int cli_train(const mlpb_data *d, const cli_train_cfg *c, cli_fit *f)
{
    memset(f, 0, sizeof *f);
    const mlpb_data *tr = d;
    mlpb_status      st;
    if (c->val_split > 0.0) {
        st = mlpb_data_split(d, c->val_split, c->seed, &f->train, &f->val);
        if (st == MLPB_OK) {
            tr = &f->train;
        } else if (st == MLPB_E_INVALID_ARG) {
            if (!c->quiet)
                fprintf(stderr, "mlpblas: too few rows to hold %.0f%% out for validation; "
                                "training without early stopping\n", c->val_split * 100.0);
        } else {
            return cli_fail("mlpblas: out of memory");
        }
    }

    size_t sizes[CLI_MAX_HIDDEN + 2], ns = 0;
    sizes[ns++] = d->d;
    for (size_t i = 0; i < c->n_hidden; i++)
        sizes[ns++] = c->hidden[i];
    sizes[ns++]     = d->k;
    mlpb_config cfg = {sizes, ns, c->seed, MLPB_INIT_HE_GLOROT};
    if ((st = mlpb_model_create(&cfg, NULL, &f->model)) != MLPB_OK) {
        cli_fit_free(f);
        return cli_fail("mlpblas: cannot create the model: %s", mlpb_strerror(st));
    }

    mlpb_train_opts o = c->opts;
    o.seed            = c->seed;
    o.val_fraction    = 0.0f; /* the split is made here, to evaluate on it afterwards */
    size_t batch      = o.batch_size ? o.batch_size : 1;
    size_t steps      = (tr->n + batch - 1) / batch;
    if (o.optim.schedule == MLPB_SCHED_STEP) {
        size_t third = o.epochs / 3 ? o.epochs / 3 : 1;
        o.optim.step_size = (uint64_t)(steps * third);
        o.optim.gamma     = 0.1f;
    } else if (o.optim.schedule == MLPB_SCHED_COSINE) {
        o.optim.t_max  = (uint64_t)(steps * o.epochs);
        o.optim.lr_min = 0.0f;
    }
    float *pw = malloc(d->k * sizeof(float));
    if (pw == NULL) {
        cli_fit_free(f);
        return cli_fail("mlpblas: out of memory");
    }
    for (size_t l = 0; l < d->k; l++) {
        pw[l] = c->pos_weight;
        if (c->pos_weight == 0.0f) {
            size_t pos = 0;
            for (size_t i = 0; i < tr->n; i++)
                pos += tr->y[i * d->k + l] >= 0.5f;
            pw[l] = pos > 0 && pos < tr->n ? (float)(tr->n - pos) / (float)pos : 1.0f;
        }
    }
    /* All ones is the unweighted loss: say so, and skip the weighting. */
    o.pos_weight = c->pos_weight == 1.0f ? NULL : pw;
    f->n_train   = tr->n;

    progress p = {0};
    p.bar      = !c->quiet && isatty(fileno(stderr));
    p.lines    = !c->quiet && c->lines;
    p.epochs   = o.epochs;
    if (c->log_path != NULL) {
        p.log = fopen(c->log_path, "w");
        if (p.log == NULL) {
            int e = errno;
            free(pw);
            cli_fit_free(f);
            return cli_fail("%s: cannot create the log: %s", c->log_path, strerror(e));
        }
        fputs("epoch,train_loss,val_loss,val_accuracy,val_precision,val_recall,val_f1,"
              "val_auc,seconds,samples_per_s,best_epoch\n", p.log);
    }
    o.on_batch = on_batch;
    o.on_epoch = on_epoch;
    o.ctx      = &p;

    mlpb_dataset train = {tr->x, tr->y, NULL, tr->n};
    mlpb_dataset val   = {f->val.x, f->val.y, NULL, f->val.n};
    double       t0    = cli_now();
    st                 = mlpb_train(f->model, &train, f->val.n ? &val : NULL, &o, NULL,
                                    &f->report);
    f->seconds         = cli_now() - t0;
    if (p.drawn)
        fputs("\r\033[K", stderr);
    free(pw);
    if (p.log != NULL && fclose(p.log) != 0 && st == MLPB_OK) {
        int e = errno;
        cli_fit_free(f);
        return cli_fail("%s: cannot write the log: %s", c->log_path, strerror(e));
    }
    if (st == MLPB_E_NUMERIC) {
        size_t ep = f->report.fail_epoch, b = f->report.fail_batch;
        cli_fit_free(f);
        return cli_fail("mlpblas: training diverged (non-finite loss or gradient) at epoch "
                        "%zu, batch %zu; try a smaller --lr", ep, b);
    }
    if (st != MLPB_OK) {
        cli_fit_free(f);
        return cli_fail("mlpblas: training failed: %s", mlpb_strerror(st));
    }
    if (f->val.n > 0 && cli_evaluate(f->model, &f->val, NULL, &f->val_eval) != CLI_OK) {
        cli_fit_free(f);
        return CLI_EDATA;
    }
    return CLI_OK;
}

/* JSON members for one evaluation: flat mean metrics, exact match, outputs. */
static void json_eval(cli_json *j, const cli_eval *e, const mlpb_data *d)
{
    cli_json_int(j, "rows", d->n);
    cli_json_metrics(j, &e->mean);
    cli_json_num(j, "exact_match", e->exact);
    cli_json_arr(j, "per_output");
    for (size_t l = 0; l < d->k; l++) {
        cli_json_obj(j, NULL);
        cli_json_str(j, "label", d->label_names[l]);
        cli_json_metrics(j, &e->per[l]);
        cli_json_close(j, '}');
    }
    cli_json_close(j, ']');
}

/* Training throughput over the whole run, in rows (samples) a second. */
static double samples_per_s(const cli_fit *f)
{
    double rows = (double)f->n_train * (double)f->report.epochs_run;
    return f->seconds > 0.0 ? rows / f->seconds : 0.0;
}

/* Option names of the optimisers and schedules, in enum order. */
static int parse_optimizer(const char *s, mlpb_optimizer *o)
{
    static const char *const names[] = {"sgd", "momentum", "nesterov", "adam", "adamw",
                                        "rmsprop"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, names[i]) == 0)
            return *o = (mlpb_optimizer)i, 0;
    return -1;
}

static int parse_schedule(const char *s, mlpb_schedule *o)
{
    static const char *const names[] = {"constant", "step", "cosine"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0)
            return *o = (mlpb_schedule)i, 0;
    return -1;
}

static const char *optimizer_name(mlpb_optimizer o)
{
    static const char *const names[] = {"sgd", "momentum", "nesterov", "adam", "adamw",
                                        "rmsprop"};
    return (unsigned)o < 6 ? names[o] : "?";
}

/* As written in prose. */
static const char *optimizer_title(mlpb_optimizer o)
{
    static const char *const names[] = {"SGD", "SGD with momentum", "Nesterov SGD", "Adam",
                                        "AdamW", "RMSprop"};
    return (unsigned)o < 6 ? names[o] : "?";
}

/* 0 if path's directory exists and is writable, else a message and -1, so
 * that a long training run does not end in a failed save. */
static int check_writable(const char *path)
{
    const char *slash = strrchr(path, '/');
    char        dir[4096];
    if (slash == NULL) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return 0;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    if (access(dir, W_OK | X_OK) != 0)
        return cli_fail("%s: cannot write: %s: %s", path, dir, strerror(errno)), -1;
    return 0;
}

/* ---------------------------------------------------------------- train */
int cli_cmd_train(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--out", 1},     {"--label", 1},        {"--hidden", 1},    {"--epochs", 1},
        {"--batch", 1},   {"--lr", 1},           {"--optimizer", 1}, {"--weight-decay", 1},
        {"--schedule", 1}, {"--val-split", 1},   {"--patience", 1},  {"--pos-weight", 1},
        {"--seed", 1},    {"--threads", 1},      {"--log", 1},       {"--quiet", 0},
        {"--json", 0},    {"--no-standardize", 0}, {"--multilabel", 0}, {"--precision", 1},
        CLI_DATA_OPTDEFS, {NULL, 0}};
    const char    *data_path = NULL, *out = NULL;
    size_t         threads = 0;
    int            json = 0, r;
    float          f;
    cli_train_cfg  c;
    mlpb_data_opts o;
    cli_args       a;
    cli_train_cfg_default(&c);
    mlpb_data_opts_init(&o);
    cli_args_init(&a, argc, argv, "train", defs);
    while ((r = cli_args_next(&a)) != CLI_ARG_END) {
        if (r == CLI_ARG_HELP)
            return fputs(train_help, stdout), CLI_OK;
        if (r == CLI_ARG_BAD)
            return CLI_EUSAGE;
        if (r == CLI_ARG_POS) {
            if (data_path != NULL)
                return cli_usage("train", "unexpected argument '%s'", a.value);
            data_path = a.value;
            continue;
        }
        const char *n = a.name, *v = a.value;
        int         used = cli_data_option("train", n, v, &o), bad = 0;
        if (used < 0)
            return CLI_EUSAGE;
        if (used)
            continue;
        if (strcmp(n, "--out") == 0) {
            out = v;
        } else if (strcmp(n, "--label") == 0) {
            o.labels = v;
        } else if (strcmp(n, "--hidden") == 0) {
            bad = cli_parse_sizes("train", n, v, c.hidden, CLI_MAX_HIDDEN, &c.n_hidden);
        } else if (strcmp(n, "--epochs") == 0) {
            bad = cli_parse_size("train", n, v, 1, SIZE_MAX, &c.opts.epochs);
        } else if (strcmp(n, "--batch") == 0) {
            bad = cli_parse_size("train", n, v, 1, SIZE_MAX, &c.opts.batch_size);
        } else if (strcmp(n, "--lr") == 0) {
            bad = cli_parse_float("train", n, v, 1e-12, 1e3, &c.opts.optim.lr);
        } else if (strcmp(n, "--weight-decay") == 0) {
            bad = cli_parse_float("train", n, v, 0.0, 1e3, &c.opts.optim.weight_decay);
        } else if (strcmp(n, "--optimizer") == 0) {
            if (parse_optimizer(v, &c.opts.optim.kind) != 0)
                return cli_usage("train", "--optimizer: '%s' is not sgd, momentum, nesterov, "
                                          "adam, adamw or rmsprop", v);
        } else if (strcmp(n, "--schedule") == 0) {
            if (parse_schedule(v, &c.opts.optim.schedule) != 0)
                return cli_usage("train", "--schedule: '%s' is not constant, step or cosine",
                                 v);
        } else if (strcmp(n, "--val-split") == 0) {
            bad = cli_parse_float("train", n, v, 0.0, 0.9, &f);
            c.val_split = (double)f;
        } else if (strcmp(n, "--patience") == 0) {
            bad = cli_parse_size("train", n, v, 0, SIZE_MAX, &c.opts.patience);
        } else if (strcmp(n, "--pos-weight") == 0) {
            if (strcmp(v, "auto") == 0)
                c.pos_weight = 0.0f;
            else
                bad = cli_parse_float("train", n, v, 1e-6, 1e6, &c.pos_weight);
        } else if (strcmp(n, "--seed") == 0) {
            bad = cli_parse_u64("train", n, v, &c.seed);
        } else if (strcmp(n, "--threads") == 0) {
            bad = cli_parse_size("train", n, v, 1, CLI_MAX_THREADS, &threads);
        } else if (strcmp(n, "--log") == 0) {
            c.log_path = v;
        } else if (strcmp(n, "--quiet") == 0) {
            c.quiet = 1;
        } else if (strcmp(n, "--json") == 0) {
            json = 1;
        } else if (strcmp(n, "--no-standardize") == 0) {
            c.opts.standardize = 0;
        } else if (strcmp(n, "--precision") == 0) {
            if (strcmp(v, "fp32") == 0)
                c.opts.precision = MLPB_PRECISION_FP32;
            else if (strcmp(v, "bf16") == 0)
                c.opts.precision = MLPB_PRECISION_BF16;
            else if (strcmp(v, "bf16-emulated") == 0)
                c.opts.precision = MLPB_PRECISION_BF16_EMULATED;
            else
                return cli_usage("train", "--precision: '%s' is not fp32, bf16 or bf16-emulated",
                                 v);
        }
        if (bad)
            return CLI_EUSAGE;
    }
    if (data_path == NULL)
        return cli_usage("train", "needs a DATA file");
    if (out == NULL || out[0] == '\0')
        return cli_usage("train", "needs --out MODEL");
    if (o.labels != NULL && o.labels[0] == '\0')
        return cli_usage("train", "--label: empty list");
    if (c.log_path != NULL && c.log_path[0] == '\0')
        return cli_usage("train", "--log: empty file name");
    if (threads > 0)
        mlpb_blas_set_threads((int)threads);
    if (check_writable(out) != 0)
        return CLI_EDATA;

    mlpb_data d;
    if (cli_read_data(data_path, &o, &d) != CLI_OK)
        return CLI_EDATA;
    cli_fit fit;
    int     rc = cli_train(&d, &c, &fit);
    if (rc != CLI_OK) {
        mlpb_data_free(&d);
        return rc;
    }
    errno          = 0;
    mlpb_status st = mlpb_model_save(fit.model, out);
    if (st != MLPB_OK) {
        cli_model_error(out, "cannot save the model", st);
        cli_fit_free(&fit);
        mlpb_data_free(&d);
        return CLI_EDATA;
    }

    char arch[256];
    cli_arch_string(fit.model, arch, sizeof arch);
    const mlpb_train_report *rep = &fit.report;
    size_t                   n_train = fit.n_train;
    if (json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "train");
        cli_json_str(&j, "data", data_path);
        cli_json_str(&j, "model", out);
        cli_json_str(&j, "architecture", arch);
        cli_json_arr(&j, "labels");
        for (size_t l = 0; l < d.k; l++)
            cli_json_str(&j, NULL, d.label_names[l]);
        cli_json_close(&j, ']');
        cli_json_int(&j, "rows", d.n);
        cli_json_int(&j, "train_rows", n_train);
        cli_json_int(&j, "validation_rows", fit.val.n);
        cli_json_str(&j, "optimizer", optimizer_name(c.opts.optim.kind));
        cli_json_float(&j, "lr", c.opts.optim.lr);
        cli_json_int(&j, "batch", c.opts.batch_size);
        cli_json_int(&j, "seed", c.seed);
        cli_json_int(&j, "epochs_run", rep->epochs_run);
        cli_json_int(&j, "best_epoch", rep->best_epoch);
        cli_json_bool(&j, "stopped_early", rep->stopped_early);
        cli_json_num(&j, "final_train_loss", rep->last.train_loss);
        cli_json_num(&j, "seconds", fit.seconds);
        cli_json_num(&j, "samples_per_second", samples_per_s(&fit));
        if (fit.val.n > 0) {
            cli_json_obj(&j, "validation");
            json_eval(&j, &fit.val_eval, &fit.val);
            cli_json_close(&j, '}');
        } else {
            cli_json_null(&j, "validation");
        }
        cli_json_end(&j);
    } else if (!c.quiet) {
        printf("trained %s on %zu rows in %.2f s: %zu epoch%s", arch, n_train, fit.seconds,
               rep->epochs_run, rep->epochs_run == 1 ? "" : "s");
        if (fit.val.n > 0)
            printf(", best %zu%s", rep->best_epoch,
                   rep->stopped_early ? " (stopped early)" : "");
        printf(", %.0f samples/s\n", samples_per_s(&fit));
        if (fit.val.n > 0) {
            printf("validation (%zu rows held out from training):\n", fit.val.n);
            cli_print_metrics(stdout, "  ", &fit.val_eval, &fit.val);
        }
        printf("model saved to %s\n", out);
    }
    cli_fit_free(&fit);
    mlpb_data_free(&d);
    return cli_flush_stdout("train");
}

/* ----------------------------------------------------------------- demo */
/* Write d as CSV to path, atomically; 0 or -1 (message printed). */
static int save_csv(const char *path, const mlpb_data *d)
{
    cli_out w;
    if (cli_out_open(&w, path) != 0)
        return -1;
    if (cli_write_csv(w.f, d) != 0) {
        cli_fail("%s: cannot write: %s", path, strerror(errno));
        cli_out_abort(&w);
        return -1;
    }
    return cli_out_commit(&w);
}

int cli_cmd_demo(int argc, char **argv)
{
    static const cli_optdef defs[] = {
        {"--seed", 1},     {"--epochs", 1},   {"--threads", 1}, {"--out", 1},
        {"--train-out", 1}, {"--test-out", 1}, {"--json", 0},    {"--quiet", 0},
        {NULL, 0}};
    const char   *out = NULL, *train_out = NULL, *test_out = NULL;
    size_t        threads = 0;
    int           json = 0, r, bad = 0;
    cli_train_cfg c;
    cli_args      a;
    cli_train_cfg_default(&c);
    c.seed  = 42;
    c.lines = 0;
    cli_args_init(&a, argc, argv, "demo", defs);
    while ((r = cli_args_next(&a)) != CLI_ARG_END) {
        if (r == CLI_ARG_HELP)
            return fputs(demo_help, stdout), CLI_OK;
        if (r == CLI_ARG_BAD)
            return CLI_EUSAGE;
        if (r == CLI_ARG_POS)
            return cli_usage("demo", "unexpected argument '%s'", a.value);
        const char *n = a.name, *v = a.value;
        if (strcmp(n, "--seed") == 0)
            bad = cli_parse_u64("demo", n, v, &c.seed);
        else if (strcmp(n, "--epochs") == 0)
            bad = cli_parse_size("demo", n, v, 1, SIZE_MAX, &c.opts.epochs);
        else if (strcmp(n, "--threads") == 0)
            bad = cli_parse_size("demo", n, v, 1, CLI_MAX_THREADS, &threads);
        else if (strcmp(n, "--out") == 0)
            out = v;
        else if (strcmp(n, "--train-out") == 0)
            train_out = v;
        else if (strcmp(n, "--test-out") == 0)
            test_out = v;
        else if (strcmp(n, "--json") == 0)
            json = 1;
        else if (strcmp(n, "--quiet") == 0)
            c.quiet = 1;
        if (bad)
            return CLI_EUSAGE;
    }
    if (threads > 0)
        mlpb_blas_set_threads((int)threads);

    char           err[512];
    mlpb_data      all, train, test;
    mlpb_data_opts o;
    mlpb_data_opts_init(&o);
    mlpb_status st = mlpb_data_read_mem(mlpb_demo_csv, mlpb_demo_csv_len, "breast_cancer.csv",
                                        &o, &all, err, sizeof err);
    if (st != MLPB_OK)
        return cli_fail("%s", err);
    st = mlpb_data_split(&all, 0.25, c.seed, &train, &test);
    if (st != MLPB_OK) {
        mlpb_data_free(&all);
        return cli_fail("mlpblas demo: cannot split the data: %s", mlpb_strerror(st));
    }
    size_t benign = 0;
    for (size_t i = 0; i < all.n; i++)
        benign += all.y[i] >= 0.5f;

    cli_fit  fit;
    cli_eval e;
    int      rc = cli_train(&train, &c, &fit);
    if (rc == CLI_OK) {
        rc = cli_evaluate(fit.model, &test, NULL, &e);
        if (rc != CLI_OK)
            cli_fit_free(&fit);
    }
    if (rc != CLI_OK) {
        mlpb_data_free(&all);
        mlpb_data_free(&train);
        mlpb_data_free(&test);
        return rc;
    }
    if (out != NULL) {
        errno = 0;
        st    = mlpb_model_save(fit.model, out);
        if (st != MLPB_OK)
            rc = cli_model_error(out, "cannot save the model", st);
    }
    if (rc == CLI_OK && train_out != NULL && save_csv(train_out, &train) != 0)
        rc = CLI_EDATA;
    if (rc == CLI_OK && test_out != NULL && save_csv(test_out, &test) != 0)
        rc = CLI_EDATA;

    char arch[256];
    cli_arch_string(fit.model, arch, sizeof arch);
    const mlpb_train_report *rep = &fit.report;
    if (rc == CLI_OK && json) {
        cli_json j;
        cli_json_begin(&j, stdout);
        cli_json_str(&j, "command", "demo");
        cli_json_str(&j, "data", "breast_cancer.csv (built in)");
        cli_json_int(&j, "seed", c.seed);
        cli_json_str(&j, "architecture", arch);
        cli_json_int(&j, "train_rows", fit.n_train);
        cli_json_int(&j, "validation_rows", fit.val.n);
        cli_json_int(&j, "test_rows", test.n);
        cli_json_int(&j, "epochs_run", rep->epochs_run);
        cli_json_int(&j, "best_epoch", rep->best_epoch);
        cli_json_num(&j, "seconds", fit.seconds);
        cli_json_num(&j, "samples_per_second", samples_per_s(&fit));
        cli_json_obj(&j, "test");
        json_eval(&j, &e, &test);
        cli_json_close(&j, '}');
        cli_json_metrics(&j, &e.mean);
        cli_json_end(&j);
    } else if (rc == CLI_OK && !c.quiet) {
        printf("mlpblas %s demo: breast cancer diagnosis from cell nuclei measurements\n\n",
               mlpb_version_string());
        printf("Data: Wisconsin Diagnostic Breast Cancer (W. H. Wolberg, W. N. Street,\n"
               "O. L. Mangasarian; UCI, CC BY 4.0), built into this program: %zu\n"
               "fine-needle aspirates, %zu features each, label \"%s\" (1 = benign,\n"
               "0 = malignant; %zu benign, %zu malignant).\n\n",
               all.n, all.d, all.label_names[0], benign, all.n - benign);
        printf("1. Split (seed %llu, stratified): %zu rows to train on, %zu held out\n"
               "   for the test; both parts keep the benign/malignant mix.\n",
               (unsigned long long)c.seed, train.n, test.n);
        printf("2. Train a %s network (ReLU hidden layer, sigmoid output) on binary\n"
               "   cross-entropy with %s (learning rate %g, batches of %zu), features\n"
               "   standardised with the training rows' means and deviations. %zu of the\n"
               "   training rows watch for overfitting: training ran %zu epochs and kept\n"
               "   the weights of epoch %zu, where their loss was lowest (%.2f s).\n",
               arch, optimizer_title(c.opts.optim.kind), (double)c.opts.optim.lr,
               c.opts.batch_size, fit.val.n, rep->epochs_run, rep->best_epoch, fit.seconds);
        printf("3. Test on the %zu held-out rows, never seen in training:\n", test.n);
        cli_print_metrics(stdout, "     ", &e, &test);
        printf("\nAccuracy is the share of tumours classified right; precision and recall\n"
               "are those of the \"benign\" class; an AUC of 1 would rank every benign\n"
               "tumour above every malignant one.\n\n"
               "On your own data:\n"
               "  mlpblas train data.csv --out model.mlpb\n"
               "  mlpblas eval model.mlpb test.csv\n"
               "  mlpblas predict model.mlpb new.csv --out probabilities.csv\n");
    }
    cli_eval_free(&e);
    cli_fit_free(&fit);
    mlpb_data_free(&all);
    mlpb_data_free(&train);
    mlpb_data_free(&test);
    return rc == CLI_OK ? cli_flush_stdout("demo") : rc;
}
