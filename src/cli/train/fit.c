/* fit.c -- the training routine that `train` and `demo` share: the
 * validation split, the memory budget checked before the model exists, the
 * standardisation's range checked column by column, the class weights, and
 * the epoch callback that keeps the history, the --log rows and the
 * progress display. */
#include "train/fit.h"

#include "base/clock.h"
#include "base/memlimit.h"
#include "base/msg.h"
#include "model/metrics.h"
#include "model/predict.h"
#include "read/data.h"
#include "train/progress.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The schedule's step counts for epochs epochs of n rows. */
void cli_set_schedule(mlpb_train_opts *o, size_t n, size_t epochs)
{
    size_t batch = o->batch_size ? o->batch_size : 1;
    size_t steps = (n + batch - 1) / batch;
    o->epochs    = epochs;
    if (o->optim.schedule == MLPB_SCHED_STEP) {
        size_t third = epochs / 3 ? epochs / 3 : 1;
        o->optim.step_size = (uint64_t)(steps * third);
        o->optim.gamma     = 0.1f;
    } else if (o->optim.schedule == MLPB_SCHED_COSINE) {
        o->optim.t_max  = (uint64_t)(steps * epochs);
        o->optim.lr_min = 0.0f;
    }
}

void cli_train_cfg_default(cli_train_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->hidden[0] = 64;
    c->n_hidden  = 1;
    mlpb_train_opts_default(&c->opts); /* MLPB_THREADING_AUTO */
    c->val_split  = (double)c->opts.val_fraction;
    c->pos_weight = 1.0f;
    c->seed       = 1;
    c->verbosity  = 1;
    c->lines      = 1;
    c->max_memory = cli_default_max_memory();
}

void cli_fit_free(cli_fit *f)
{
    mlpb_model_destroy(f->model);
    cli_eval_free(&f->val_eval);
    cli_mc_free(f->val_mc);
    free(f->val_mc);
    free(f->pos_weight);
    free(f->hist);
    memset(f, 0, sizeof *f);
}

/* ------------------------------------------------------------- memory */
/* "4,000,000" */
static void thousands(char *buf, size_t n, size_t v)
{
    char   tmp[32];
    int    len = snprintf(tmp, sizeof tmp, "%zu", v);
    size_t o   = 0;
    for (int i = 0; i < len && o + 2 < n; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
}

/* "256M", "1.2k", "870" */
static void short_count(char *buf, size_t n, double v)
{
    if (v >= 1e9)
        snprintf(buf, n, "%.3gG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, n, "%.3gM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%.3gk", v / 1e3);
    else
        snprintf(buf, n, "%.0f", v);
}

/* 0 if training fits the budget, else the message and -1. What is
 * counted: the data as read and, with a validation split, the buffer of
 * the validation rows that reorders them (cli_data_partition) and one
 * byte a row that marks them; the model (mlpb_model_memory); and what
 * mlpb_train allocates (mlpb_train_memory_val: snapshots, optimiser state,
 * workspace and split arenas, batch and validation buffers). */
int cli_check_budget(const cli_data *d, const size_t *sizes, size_t ns,
                     const cli_train_cfg *c, size_t n_train, size_t n_val, double extra)
{
    mlpb_train_opts o = c->opts;
    o.val_fraction    = 0.0f;
    size_t model = 0, train = 0;
    double data  = 4.0 * (double)(d->n + n_val) * (double)(d->d + d->k) +
                  (n_val > 0 ? (double)d->n : 0.0);
    int    over  = mlpb_model_memory(sizes, ns, &model) != MLPB_OK;
    if (!over)
        over = (n_val > 0 ? mlpb_train_memory_val(sizes, ns, n_train, n_val, &o, &train)
                          : mlpb_train_memory(sizes, ns, n_train, &o, &train)) != MLPB_OK;
    double need = over ? (double)INFINITY : (double)model + (double)train + extra;
    if (!over && data + need <= (double)c->max_memory)
        return 0;
    double params = 0.0;
    for (size_t i = 0; i + 1 < ns; i++)
        params += (double)sizes[i] * (double)sizes[i + 1] + (double)sizes[i + 1];
    char feat[32], p[32], nb[32], db[32], mb[32];
    thousands(feat, sizeof feat, sizes[0]);
    short_count(p, sizeof p, params);
    if (over)
        snprintf(nb, sizeof nb, "more than the address space");
    else
        cli_format_bytes(nb, sizeof nb, need);
    cli_format_bytes(db, sizeof db, data);
    cli_format_bytes(mb, sizeof mb, (double)c->max_memory);
    cli_fail("mlpblas: %s features x %zu hidden = %s weights, %s for training (and %s of "
             "data); --max-memory is %s",
             feat, sizes[1], p, nb, db, mb);
    return -1;
}

/* 0 if standardising every column stays in float range, else a message
 * naming the first column that does not and -1. The model's fit is in
 * double, but the standardised values x - mean are computed in float. */
static int check_standardisation(const cli_data *d, const cli_data *tr)
{
    /* CHECK_BLOCK columns at a time, row by row, so that each pass reads the
     * rows in memory order; every column's sums still run over the rows in
     * order (as the model's own fit does). */
    enum { CHECK_BLOCK = 64 };
    double sum[CHECK_BLOCK], mu[CHECK_BLOCK], far[CHECK_BLOCK], ss[CHECK_BLOCK];
    char   name[32];
    for (size_t j0 = 0; j0 < tr->d; j0 += CHECK_BLOCK) {
        const size_t w = tr->d - j0 < CHECK_BLOCK ? tr->d - j0 : CHECK_BLOCK;
        for (size_t j = 0; j < w; j++)
            sum[j] = far[j] = ss[j] = 0.0;
        for (size_t i = 0; i < tr->n; i++) {
            const float *r = tr->x + i * tr->d + j0;
            for (size_t j = 0; j < w; j++)
                sum[j] += (double)r[j];
        }
        for (size_t j = 0; j < w; j++)
            mu[j] = sum[j] / (double)tr->n;
        for (size_t i = 0; i < tr->n; i++) {
            const float *r = tr->x + i * tr->d + j0;
            for (size_t j = 0; j < w; j++) {
                double dev = (double)r[j] - mu[j];
                ss[j] += dev * dev;
                far[j] = fabs(dev) > far[j] ? fabs(dev) : far[j];
            }
        }
        for (size_t j = 0; j < w; j++) {
            double sd = sqrt(ss[j] / (double)tr->n);
            if (isfinite(sum[j]) && far[j] <= (double)FLT_MAX && sd <= (double)FLT_MAX)
                continue;
            return cli_fail("mlpblas: column \"%s\": deviations from its mean of up to %.3g "
                            "exceed the float range (%.3g), so standardising it overflows; "
                            "rescale the column, or train with --no-standardize",
                            cli_data_feature_name(d, j0 + j, name, sizeof name),
                            isfinite(far[j]) ? far[j] : fabs(sum[j]), (double)FLT_MAX),
                   -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ epochs */
void cli_log_row(FILE *f, const mlpb_epoch_info *e)
{
    fprintf(f, "%zu,%.9g", e->epoch, e->train_loss);
    const double v[] = {e->val_loss, e->val.accuracy, e->val.precision, e->val.recall,
                        e->val.f1,   e->val.auc};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (isfinite(v[i]))
            fprintf(f, ",%.9g", v[i]);
        else
            fputs(",", f);
    }
    fprintf(f, ",%.6g,%.6g,%zu\n", e->seconds, e->samples_per_s, e->best_epoch);
}

int cli_val_classes_init(cli_val_classes *v, const mlpb_model *m, const float *x,
                         const float *y, size_t n, size_t k)
{
    memset(v, 0, sizeof *v);
    v->x = x;
    v->y = y;
    v->n = n;
    v->k = k;
    v->mc = calloc(1, sizeof *v->mc);
    if (v->mc == NULL || cli_mc_alloc(k, v->mc) != CLI_OK) {
        free(v->mc);
        v->mc = NULL;
        return cli_fail("mlpblas: out of memory");
    }
    if (n > 0) {
        size_t batch = n < CLI_PREDICT_BATCH ? n : CLI_PREDICT_BATCH;
        v->prob      = malloc(n * k * sizeof(float));
        if (v->prob == NULL || mlpb_workspace_create(m, batch, NULL, &v->ws) != MLPB_OK) {
            cli_val_classes_free(v);
            return cli_fail("mlpblas: out of memory");
        }
    }
    return CLI_OK;
}

void cli_val_classes_free(cli_val_classes *v)
{
    if (v == NULL)
        return;
    cli_mc_free(v->mc);
    free(v->mc);
    free(v->prob);
    mlpb_workspace_destroy(v->ws);
    memset(v, 0, sizeof *v);
}

double cli_val_classes_bytes(const size_t *sizes, size_t ns, size_t n)
{
    size_t ws = 0, batch = n < CLI_PREDICT_BATCH ? n : CLI_PREDICT_BATCH;
    size_t k  = sizes[ns - 1];
    if (n > 0 && mlpb_workspace_memory(sizes, ns, batch, MLPB_THREADING_BLAS, &ws) != MLPB_OK)
        return (double)INFINITY;
    return 4.0 * (double)n * (double)k + (double)ws + 40.0 * (double)k * (double)(k + 1);
}

/* The class metrics of the model as it is at the end of an epoch on the
 * validation rows, into the epoch's mean metrics. 0, or -1 when the
 * prediction failed. */
static int epoch_classes(cli_val_classes *v, const mlpb_model *m, mlpb_metrics *val)
{
    cli_mc *mc = v->mc;
    int     rc = 0;
    memset(mc->confusion, 0, mc->k * mc->k * sizeof(size_t));
    if (v->n > 0) {
        if (mlpb_predict(m, v->ws, v->x, v->n, v->prob) == MLPB_OK)
            cli_mc_count(mc, v->prob, NULL, v->y, v->n);
        else
            rc = -1;
    }
    /* Every rank takes part in the reduction, whatever its own outcome. */
    if (v->reduce != NULL)
        v->reduce(mc->confusion, mc->k * mc->k);
    cli_mc_finish(mc);
    cli_mc_apply(mc, val);
    return rc;
}

int cli_fit_on_epoch(const mlpb_epoch_info *e, void *ctx)
{
    cli_train_ctx  *t  = ctx;
    cli_fit        *f  = t->fit;
    mlpb_epoch_info ep = *e;
    ep.refit           = ep.refit || t->refitting;
    /* A class column: accuracy is the class accuracy here as everywhere. */
    if (t->classes != NULL && !ep.refit && isfinite(ep.val_loss) &&
        epoch_classes(t->classes, f->model, &ep.val) != 0) {
        t->failed = 1;
        return 1;
    }
    cli_progress_epoch(t->progress, &ep);
    /* The log and the history are the validated run's learning curve. */
    if (ep.refit)
        return 0;
    if (t->log != NULL) {
        cli_log_row(t->log, &ep);
        fflush(t->log);
    }
    /* The history grows by doubling: once an epoch at most, amortised. */
    if (f->n_hist == f->cap_hist) {
        size_t           cap = f->cap_hist ? 2 * f->cap_hist : 64;
        mlpb_epoch_info *h   = realloc(f->hist, cap * sizeof *h);
        if (h == NULL) {
            t->failed = 1;
            return 1;
        }
        f->hist     = h;
        f->cap_hist = cap;
    }
    f->hist[f->n_hist++] = ep;
    return 0;
}

/* A view of rows [from, from + n) of d: its names, not owned. */
static cli_data rows_view(const cli_data *d, size_t from, size_t n)
{
    cli_data v   = *d;
    v.n           = n;
    v.x           = d->x + from * d->d;
    v.y           = d->k ? d->y + from * d->k : NULL;
    v.names_buf   = NULL;
    v.names_len   = 0;
    return v;
}

/* The class metrics of the model on the validation rows (one-hot targets). */
static int val_class_metrics(cli_fit *f, const float *prob)
{
    size_t  n = f->val.n, k = f->val.k;
    size_t *cls = malloc(n * sizeof(size_t));
    f->val_mc   = calloc(1, sizeof *f->val_mc);
    if (cls == NULL || f->val_mc == NULL) {
        free(cls);
        return cli_fail("mlpblas: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        cls[i] = cli_argmax(f->val.y + i * k, k);
    int rc = cli_mc_compute(prob, cls, n, k, f->val_mc);
    free(cls);
    return rc;
}

/* The validated run on d's rows, partitioned: f->train first, f->val after;
 * the network's layer sizes are sizes[0..ns). */
static int train_validated(cli_data *d, const size_t *sizes, size_t ns,
                           const cli_train_cfg *c, FILE *log, cli_fit *f, mlpb_train_opts *o,
                           cli_train_ctx *t, mlpb_status *st)
{
    const cli_data *tr = &f->train;
    if (c->opts.standardize && check_standardisation(d, tr) != 0)
        return CLI_EDATA;
    mlpb_config cfg = {sizes, ns, c->seed, CLI_INIT};
    if ((*st = mlpb_model_create(&cfg, NULL, &f->model)) != MLPB_OK)
        return cli_fail("mlpblas: cannot create the model: %s", mlpb_strerror(*st));

    *o             = c->opts;
    o->seed        = c->seed;
    o->val_fraction = 0.0f; /* the split is made here, to evaluate on it afterwards */
    size_t batch   = o->batch_size ? o->batch_size : 1;
    cli_set_schedule(o, tr->n, c->opts.epochs);
    float *pw = malloc(d->k * sizeof(float));
    if (pw == NULL)
        return cli_fail("mlpblas: out of memory");
    f->pos_weight = pw;
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
    o->pos_weight = c->pos_weight == 1.0f ? NULL : pw;
    f->n_train    = tr->n;

    cli_progress_init(t->progress, c->verbosity, c->lines, o->epochs, tr->n, batch);
    if (log != NULL)
        fputs(CLI_LOG_HEADER "\n", log);
    o->on_batch = cli_progress_batch;
    o->on_epoch = cli_fit_on_epoch;
    o->ctx      = t;
    cli_val_classes vc;
    memset(&vc, 0, sizeof vc);
    if (c->class_metrics && f->val.n > 0) {
        if (cli_val_classes_init(&vc, f->model, f->val.x, f->val.y, f->val.n, d->k) != CLI_OK)
            return CLI_EDATA;
        t->classes = &vc;
    }

    mlpb_dataset train = {tr->x, tr->y, NULL, tr->n};
    mlpb_dataset val   = {f->val.x, f->val.y, NULL, f->val.n};
    *st                = mlpb_train(f->model, &train, f->val.n ? &val : NULL, o, NULL,
                                    &f->report);
    t->classes         = NULL;
    cli_val_classes_free(&vc);
    f->rows_seen       = (double)tr->n * (double)f->report.epochs_run;
    /* The metrics on the held-out rows are those of the model they chose. */
    if (*st == MLPB_OK && !t->failed && f->val.n > 0) {
        float *prob = malloc(f->val.n * d->k * sizeof(float));
        int    rc   = prob ? cli_evaluate(f->model, &f->val, prob, &f->val_eval)
                           : cli_fail("mlpblas: out of memory");
        if (rc == CLI_OK && c->class_metrics)
            rc = val_class_metrics(f, prob);
        free(prob);
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

int cli_train(cli_data *d, const cli_train_cfg *c, FILE *log, cli_fit *f)
{
    memset(f, 0, sizeof *f);
    f->k = d->k;
    mlpb_status    st;
    unsigned char *pick  = NULL;
    size_t         n_val = 0;
    if (c->val_split > 0.0) {
        /* The rows cli_data_split would hold out, marked: they are moved
         * after the others in place rather than copied. */
        if ((pick = malloc(d->n ? d->n : 1)) == NULL)
            return cli_fail("mlpblas: out of memory");
        st = cli_data_split_pick(d, c->val_split, c->seed, pick, &n_val);
        if (st == MLPB_E_INVALID_ARG) {
            if (c->verbosity > 0)
                fprintf(stderr, "mlpblas: too few rows to hold %.0f%% out for validation; "
                                "training without early stopping\n", c->val_split * 100.0);
        } else if (st != MLPB_OK) {
            free(pick);
            return cli_fail("mlpblas: out of memory");
        }
        if (n_val == 0) {
            free(pick);
            pick = NULL;
        }
    }

    size_t sizes[CLI_MAX_HIDDEN + 2], ns = 0;
    sizes[ns++] = d->d;
    for (size_t i = 0; i < c->n_hidden; i++)
        sizes[ns++] = c->hidden[i];
    sizes[ns++] = d->k;
    double classes = c->class_metrics && n_val > 0 ? cli_val_classes_bytes(sizes, ns, n_val)
                                                   : 0.0;
    if (cli_check_budget(d, sizes, ns, c, d->n - n_val, n_val, classes) != 0) {
        free(pick);
        return CLI_EDATA;
    }
    if (n_val > 0 && cli_data_partition(d, pick, n_val) != MLPB_OK) {
        free(pick);
        return cli_fail("mlpblas: out of memory");
    }
    f->train = rows_view(d, 0, d->n - n_val);
    if (n_val > 0)
        f->val = rows_view(d, d->n - n_val, n_val);

    cli_progress    p;
    cli_train_ctx   t = {&p, log, f, 0, 0, NULL};
    memset(&p, 0, sizeof p); /* cleared below even when never started */
    mlpb_train_opts o;
    double          t0 = cli_now();
    st                 = MLPB_OK;
    int rc             = train_validated(d, sizes, ns, c, log, f, &o, &t, &st);
    /* File order again, for the refit (its shuffling is that of the rows in
     * file order) and for the caller. */
    if (n_val > 0 && cli_data_unpartition(d, pick, n_val) != MLPB_OK) {
        /* Cannot happen but for memory: the caller must not use d. */
        free(pick);
        cli_progress_clear(&p);
        cli_fit_free(f);
        return cli_fail("mlpblas: out of memory putting the rows back in order");
    }
    free(pick);
    f->train.x = f->train.y = NULL;
    f->val.x = f->val.y = NULL;
    if (rc != CLI_OK) {
        cli_progress_clear(&p);
        cli_fit_free(f);
        return CLI_EDATA;
    }
    /* The refit, as mlpb_train's own (mlpb_train_opts.refit): the same
     * initial parameters, trained on all rows for the chosen epoch count. */
    if (st == MLPB_OK && !t.failed && c->opts.refit && f->val.n > 0 &&
        f->report.best_epoch > 0 && !f->report.stopped_by_callback) {
        mlpb_train_report r2;
        mlpb_dataset      all = {d->x, d->y, NULL, d->n};
        cli_set_schedule(&o, d->n, f->report.best_epoch);
        st          = mlpb_model_init(f->model, CLI_INIT, c->seed);
        t.refitting = 1;
        if (st == MLPB_OK)
            st = mlpb_train(f->model, &all, NULL, &o, NULL, &r2);
        if (st == MLPB_OK) {
            f->refit_epochs = r2.epochs_run;
            f->n_train      = d->n;
            f->rows_seen += (double)d->n * (double)r2.epochs_run;
        } else if (st == MLPB_E_NUMERIC) {
            /* Where it failed, in the refit's terms. */
            f->report.fail_epoch = r2.fail_epoch;
            f->report.fail_batch = r2.fail_batch;
        }
    }
    f->seconds         = cli_now() - t0;
    cli_progress_clear(&p);
    if (t.failed) {
        cli_fit_free(f);
        return cli_fail("mlpblas: out of memory for the training history");
    }
    if (st == MLPB_E_NUMERIC) {
        size_t ep = f->report.fail_epoch, b = f->report.fail_batch;
        cli_fit_free(f);
        if (ep == 0)
            return cli_fail("mlpblas: the training data hold a non-finite value");
        return cli_fail("mlpblas: training diverged (non-finite loss or gradient) at epoch "
                        "%zu, batch %zu; try a smaller --lr", ep, b);
    }
    if (st != MLPB_OK) {
        cli_fit_free(f);
        return cli_fail("mlpblas: training failed: %s", mlpb_strerror(st));
    }
    return CLI_OK;
}
