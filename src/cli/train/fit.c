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

void cli_train_cfg_default(cli_train_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->hidden[0] = mlpb_hidden_default(1);
    c->n_hidden  = 1;
    mlpb_train_opts_default(&c->opts); /* MLPB_THREADING_AUTO */
    c->val_split  = (double)c->opts.val_fraction;
    c->pos_weight = 1.0f;
    c->seed       = 1;
    c->verbosity  = 1;
    c->lines      = 1;
    c->max_memory = cli_default_max_memory();
}

void cli_train_cfg_for_data(cli_train_cfg *c, size_t rows, size_t outputs)
{
    if (!c->hidden_given) {
        c->hidden[0] = mlpb_hidden_default(outputs);
        c->n_hidden  = 1;
    }
    if (!c->wd_given && c->opts.optim.kind == MLPB_OPT_ADAMW)
        c->opts.optim.weight_decay = mlpb_weight_decay_default(rows);
    if (!c->refit_given)
        c->opts.refit = mlpb_refit_default(cli_fit_members_for(c, rows));
}

void cli_fit_free(cli_fit *f)
{
    mlpb_model_destroy(f->model);
    free(f->chosen);
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
 * counted: the data as read, the model (mlpb_model_memory), what mlpb_train
 * allocates for n_rows rows with c's validation split (mlpb_train_memory:
 * the row index, the split's scratch, snapshots, optimiser state,
 * workspace, batch and validation buffers), and extra bytes. */
int cli_check_budget(const cli_data *d, const size_t *sizes, size_t ns,
                     const cli_train_cfg *c, size_t n_rows, double extra)
{
    mlpb_train_opts o = c->opts;
    o.val_fraction    = (float)c->val_split;
    size_t model = 0, train = 0;
    double data  = 4.0 * (double)d->n * (double)(d->d + d->k);
    int    over  = mlpb_model_memory(sizes, ns, &model) != MLPB_OK ||
               mlpb_train_memory(sizes, ns, n_rows, &o, &train) != MLPB_OK;
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

/* f->chosen: the model's parameters, then its mean and std. */
static void keep_chosen(cli_fit *f)
{
    size_t       np;
    const float *p = mlpb_model_params(f->model, &np);
    const size_t d = mlpb_model_n_inputs(f->model);
    memcpy(f->chosen, p, np * sizeof(float));
    const float *mean = mlpb_model_mean(f->model), *sd = mlpb_model_std(f->model);
    if (mean != NULL) {
        memcpy(f->chosen + np, mean, d * sizeof(float));
        memcpy(f->chosen + np + d, sd, d * sizeof(float));
    }
    f->have_chosen = 1;
}

int cli_fit_chosen_alloc(cli_fit *f)
{
    size_t np;
    (void)mlpb_model_params(f->model, &np);
    f->chosen = malloc((np + 2 * mlpb_model_n_inputs(f->model)) * sizeof(float));
    return f->chosen != NULL ? CLI_OK : cli_fail("mlpblas: out of memory");
}

double cli_fit_chosen_bytes(const size_t *sizes, size_t ns)
{
    double np = 0.0;
    for (size_t i = 0; i + 1 < ns; i++)
        np += (double)sizes[i] * (double)sizes[i + 1] + (double)sizes[i + 1];
    return 4.0 * (np + 2.0 * (double)sizes[0]);
}

size_t cli_fit_members_for(const cli_train_cfg *c, size_t n_rows)
{
    return c->members > 0 ? c->members : mlpb_ensemble_members_default(n_rows);
}

double cli_fit_members_bytes(const size_t *sizes, size_t ns, size_t members, size_t at_once,
                             double train_bytes)
{
    size_t wide[CLI_MAX_HIDDEN + 2], one = 0, all = 0;
    if (members <= 1)
        return 0.0;
    for (size_t l = 0; l < ns; l++)
        wide[l] = l == 0 || l + 1 == ns ? sizes[l] : sizes[l] * members;
    if (mlpb_model_memory(sizes, ns, &one) != MLPB_OK ||
        mlpb_model_memory(wide, ns, &all) != MLPB_OK)
        return (double)INFINITY;
    const double more = at_once > 1 ? (double)(at_once - 1) * train_bytes : 0.0;
    return (double)members * (double)one + (double)all + more;
}

int cli_fit_members(cli_fit *f, const cli_train_cfg *c, const mlpb_train_opts *o,
                    size_t members, cli_members_fn train, void *ctx)
{
    f->members = 1;
    if (members <= 1)
        return CLI_OK;
    mlpb_model       **mm   = calloc(members, sizeof *mm);
    mlpb_train_opts   *oo   = calloc(members, sizeof *oo);
    mlpb_train_report *reps = calloc(members, sizeof *reps);
    if (mm == NULL || oo == NULL || reps == NULL) {
        free(mm), free(oo), free(reps);
        return cli_fail("mlpblas: out of memory");
    }
    size_t sizes[CLI_MAX_HIDDEN + 2], ns = 0;
    const size_t *s = mlpb_model_sizes(f->model, &ns);
    memcpy(sizes, s, ns * sizeof *s);
    mm[0]          = f->model;
    mlpb_status st = MLPB_OK;
    for (size_t i = 1; i < members && st == MLPB_OK; i++) {
        /* Member i as mlpb_train_ensemble trains it (its seeds). */
        const mlpb_config cfg = {sizes, ns, c->seed, CLI_INIT};
        mlpb_config       ci;
        if ((st = mlpb_ensemble_member(&cfg, o, i, &ci, &oo[i])) == MLPB_OK) {
            oo[i].on_epoch = NULL;
            oo[i].on_batch = NULL;
            st             = mlpb_model_create(&ci, NULL, &mm[i]);
        }
    }
    if (st == MLPB_OK)
        st = train(mm + 1, oo + 1, members - 1, ctx, reps + 1);
    for (size_t i = 1; i < members && st == MLPB_OK; i++) {
        const mlpb_train_report *rep = &reps[i];
        f->rows_seen += (double)rep->n_train * (double)rep->epochs_run +
                        (double)(rep->n_train + rep->n_val) * (double)rep->refit_epochs;
        if (c->verbosity > 1)
            fprintf(stderr, "mlpblas: member %zu of %zu: %zu epochs, best %zu, refit %zu\n",
                    i + 1, members, rep->epochs_run, rep->best_epoch, rep->refit_epochs);
    }
    free(oo);
    free(reps);
    mlpb_model *merged = NULL;
    if (st == MLPB_OK)
        st = mlpb_model_merge((const mlpb_model *const *)mm, members, &merged);
    for (size_t i = 1; i < members; i++)
        mlpb_model_destroy(mm[i]);
    free(mm);
    if (st == MLPB_E_NUMERIC)
        return cli_fail("mlpblas: training an ensemble member diverged (non-finite loss or "
                        "gradient); try a smaller --lr, or --ensemble 1");
    if (st != MLPB_OK)
        return cli_fail("mlpblas: training the ensemble failed: %s", mlpb_strerror(st));
    mlpb_model_destroy(f->model);
    f->model   = merged;
    f->members = members;
    return CLI_OK;
}

int cli_fit_chosen(cli_fit *f, mlpb_model **out)
{
    *out = f->model;
    if (f->refit_epochs == 0 || !f->have_chosen)
        return CLI_OK; /* no refit: the model itself is the validated run's */
    if (mlpb_model_clone(f->model, out) != MLPB_OK)
        return cli_fail("mlpblas: out of memory");
    size_t       np;
    float       *p = mlpb_model_params(*out, &np);
    const size_t d = mlpb_model_n_inputs(*out);
    memcpy(p, f->chosen, np * sizeof(float));
    if (mlpb_model_mean(f->model) != NULL &&
        mlpb_model_set_standardization(*out, f->chosen + np, f->chosen + np + d) != MLPB_OK) {
        mlpb_model_destroy(*out);
        *out = NULL;
        return cli_fail("mlpblas: out of memory");
    }
    return CLI_OK;
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
    /* The epoch the validated run would keep so far: its parameters and
     * standardisation, for the metrics of the chosen model after a refit. */
    if (!ep.refit && f->chosen != NULL && ep.best_epoch == ep.epoch)
        keep_chosen(f);
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

/* A view of d's names with n rows x, y (not owned). */
static cli_data rows_view(const cli_data *d, size_t n, float *x, float *y)
{
    cli_data v   = *d;
    v.n           = n;
    v.x           = x;
    v.y           = y;
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

int cli_fit_val_rows(const cli_data *d, const unsigned char *pick, size_t n_pick, float **x,
                     float **y)
{
    const size_t nx = n_pick * d->d, ny = n_pick * d->k;
    *x = malloc((nx > 0 ? nx : 1) * sizeof(float));
    *y = malloc((ny > 0 ? ny : 1) * sizeof(float));
    if (*x == NULL || *y == NULL) {
        free(*x);
        free(*y);
        *x = *y = NULL;
        return cli_fail("mlpblas: out of memory");
    }
    for (size_t i = 0, j = 0; i < d->n; i++) {
        if (!pick[i])
            continue;
        memcpy(*x + j * d->d, d->x + i * d->d, d->d * sizeof(float));
        memcpy(*y + j * d->k, d->y + i * d->k, d->k * sizeof(float));
        j++;
    }
    return CLI_OK;
}

int cli_fit_pos_weights(const cli_data *d, const unsigned char *pick, size_t n_tr,
                        const cli_train_cfg *c, void (*reduce)(uint64_t *, size_t), float *pw)
{
    for (size_t l = 0; l < d->k; l++)
        pw[l] = c->pos_weight;
    if (c->pos_weight != 0.0f)
        return CLI_OK;
    uint64_t *pos = calloc(d->k ? d->k : 1, sizeof(uint64_t));
    if (pos == NULL)
        return cli_fail("mlpblas: out of memory");
    for (size_t i = 0; i < d->n; i++)
        if (pick == NULL || !pick[i])
            for (size_t l = 0; l < d->k; l++)
                pos[l] += d->y[i * d->k + l] >= 0.5f;
    if (reduce != NULL)
        reduce(pos, d->k);
    for (size_t l = 0; l < d->k; l++) {
        const size_t p = (size_t)pos[l];
        pw[l]          = p > 0 && p < n_tr ? (float)(n_tr - p) / (float)p : 1.0f;
    }
    free(pos);
    return CLI_OK;
}

/* The validation rows mlpb_train will hold out of d (pick, d->n bytes),
 * their count in *n_val: 0 without validation, or when the split would
 * leave no row to train on (said at verbosity 1). */
static int val_pick(const cli_data *d, const cli_train_cfg *c, unsigned char **pick,
                    size_t *n_val)
{
    *pick  = NULL;
    *n_val = 0;
    if (!(c->val_split > 0.0))
        return CLI_OK;
    if ((*pick = malloc(d->n ? d->n : 1)) == NULL)
        return cli_fail("mlpblas: out of memory");
    const mlpb_dataset ds = {d->x, d->y, NULL, d->n};
    mlpb_status st = mlpb_train_split(&ds, d->k, (float)c->val_split, c->seed, NULL, *pick, n_val);
    if (st == MLPB_E_INVALID_ARG && c->verbosity > 0)
        fprintf(stderr, "mlpblas: too few rows to hold %.0f%% out for validation; "
                        "training without early stopping\n", c->val_split * 100.0);
    if (st == MLPB_E_NOMEM || st == MLPB_E_OVERFLOW) {
        free(*pick);
        *pick = NULL;
        return cli_fail("mlpblas: out of memory");
    }
    if (st != MLPB_OK || *n_val == 0) {
        *n_val = 0;
        free(*pick);
        *pick = NULL;
    }
    return CLI_OK;
}

/* The training on all of d: the split, early stopping and refit are
 * mlpb_train's; here the options, the callback and its buffers. */
static int run_training(cli_data *d, const cli_train_cfg *c, FILE *log, cli_fit *f,
                        const unsigned char *pick, size_t n_val, mlpb_train_opts *used,
                        mlpb_status *st)
{
    /* All rows: the refit standardises on all of them. */
    if (c->opts.standardize && check_standardisation(d, d) != 0)
        return CLI_EDATA;
    mlpb_train_opts o = c->opts;
    o.seed            = c->seed;
    o.val_fraction    = n_val > 0 ? (float)c->val_split : 0.0f;
    size_t batch      = o.batch_size ? o.batch_size : 1;
    float *pw         = malloc((d->k ? d->k : 1) * sizeof(float));
    if (pw == NULL)
        return cli_fail("mlpblas: out of memory");
    f->pos_weight = pw;
    if (cli_fit_pos_weights(d, pick, d->n - n_val, c, NULL, pw) != CLI_OK)
        return CLI_EDATA;
    /* All ones is the unweighted loss: say so, and skip the weighting. */
    o.pos_weight = c->pos_weight == 1.0f ? NULL : pw;

    cli_progress  p;
    cli_train_ctx t = {&p, log, f, 0, 0, NULL};
    cli_progress_init(&p, c->verbosity, c->lines, o.epochs, d->n - n_val, batch);
    if (log != NULL)
        fputs(CLI_LOG_HEADER "\n", log);
    o.on_batch = cli_progress_batch;
    o.on_epoch = cli_fit_on_epoch;
    o.ctx      = &t;
    cli_val_classes vc;
    memset(&vc, 0, sizeof vc);
    int rc = CLI_OK;
    if (c->class_metrics && n_val > 0) {
        rc = cli_val_classes_init(&vc, f->model, f->val.x, f->val.y, n_val, d->k);
        t.classes = &vc;
    }
    if (rc == CLI_OK && n_val > 0)
        rc = cli_fit_chosen_alloc(f);
    if (rc == CLI_OK) {
        mlpb_dataset all = {d->x, d->y, NULL, d->n};
        *st              = mlpb_train(f->model, &all, NULL, &o, NULL, &f->report);
    }
    *used = o;
    cli_val_classes_free(&vc);
    cli_progress_clear(&p);
    if (rc != CLI_OK)
        return rc;
    f->refit_epochs = f->report.refit_epochs;
    f->n_train      = f->refit_epochs > 0 ? d->n : d->n - n_val;
    f->rows_seen    = (double)(d->n - n_val) * (double)f->report.epochs_run +
                   (double)d->n * (double)f->refit_epochs;
    if (t.failed)
        return cli_fail("mlpblas: out of memory for the training history");
    return CLI_OK;
}

/* The most members after the first that mlpb_train_parallel trains at
 * once: one a BLAS thread (fewer for small networks, which it trains one
 * after another). */
static size_t members_at_once(size_t members)
{
    const int    t = mlpb_blas_threads();
    const size_t n = t > 1 ? (size_t)t : 1;
    return members <= 1 ? 0 : n < members - 1 ? n : members - 1;
}

/* The bytes mlpb_train allocates for n_rows rows with c's options (0 where
 * it cannot say: cli_check_budget then refuses on its own count). */
static double train_bytes(const size_t *sizes, size_t ns, const cli_train_cfg *c, size_t n_rows)
{
    mlpb_train_opts o = c->opts;
    o.val_fraction    = (float)c->val_split;
    size_t bytes      = 0;
    return mlpb_train_memory(sizes, ns, n_rows, &o, &bytes) == MLPB_OK ? (double)bytes : 0.0;
}

/* The other ensemble members, on all rows (ctx: the mlpb_dataset), side by
 * side on the threads of --threads. */
static mlpb_status train_members(mlpb_model *const *mm, const mlpb_train_opts *oo, size_t n,
                                 void *ctx, mlpb_train_report *reps)
{
    return mlpb_train_parallel(mm, n, ctx, NULL, oo, 0, NULL, reps);
}

/* The metrics on the held-out rows of the model the validated run chose
 * (before a refit). */
static int val_metrics(cli_fit *f, const cli_train_cfg *c)
{
    mlpb_model *m    = NULL;
    float      *prob = malloc(f->val.n * f->k * sizeof(float));
    int         rc   = prob != NULL ? cli_fit_chosen(f, &m) : cli_fail("mlpblas: out of memory");
    if (rc == CLI_OK)
        rc = cli_evaluate(m, &f->val, prob, &f->val_eval);
    if (rc == CLI_OK && c->class_metrics)
        rc = val_class_metrics(f, prob);
    if (m != f->model)
        mlpb_model_destroy(m);
    free(prob);
    return rc;
}

int cli_train(cli_data *d, const cli_train_cfg *c, FILE *log, cli_fit *f)
{
    memset(f, 0, sizeof *f);
    f->k = d->k;
    unsigned char *pick  = NULL;
    size_t         n_val = 0;
    if (val_pick(d, c, &pick, &n_val) != CLI_OK)
        return CLI_EDATA;

    size_t sizes[CLI_MAX_HIDDEN + 2], ns = 0;
    sizes[ns++] = d->d;
    for (size_t i = 0; i < c->n_hidden; i++)
        sizes[ns++] = c->hidden[i];
    sizes[ns++] = d->k;
    /* Beside the trainer: the copy of the validation rows, the split's
     * marks, the chosen epoch's parameters, the class metrics. */
    double extra = n_val > 0 ? 4.0 * (double)n_val * (double)(d->d + d->k) + (double)d->n +
                                   cli_fit_chosen_bytes(sizes, ns)
                             : 0.0;
    if (c->class_metrics && n_val > 0)
        extra += cli_val_classes_bytes(sizes, ns, n_val);
    const size_t members = cli_fit_members_for(c, d->n);
    extra += cli_fit_members_bytes(sizes, ns, members, members_at_once(members),
                                   train_bytes(sizes, ns, c, d->n));
    cli_train_cfg cc = *c;
    if (n_val == 0)
        cc.val_split = 0.0;
    float *vx = NULL, *vy = NULL;
    if (cli_check_budget(d, sizes, ns, &cc, d->n, extra) != 0 ||
        (n_val > 0 && cli_fit_val_rows(d, pick, n_val, &vx, &vy) != CLI_OK)) {
        free(pick);
        return CLI_EDATA;
    }
    /* The counts and names of both sides; the validation rows, copied. */
    f->train = rows_view(d, d->n - n_val, NULL, NULL);
    f->val   = rows_view(d, n_val, vx, vy);
    f->n_val = n_val;

    mlpb_status     st = MLPB_OK;
    double          t0 = cli_now();
    mlpb_config     cfg = {sizes, ns, c->seed, CLI_INIT};
    mlpb_train_opts o;
    int             rc;
    if ((st = mlpb_model_create(&cfg, NULL, &f->model)) != MLPB_OK)
        rc = cli_fail("mlpblas: cannot create the model: %s", mlpb_strerror(st));
    else
        rc = run_training(d, &cc, log, f, pick, n_val, &o, &st);
    free(pick);
    /* The validation of member 1 (the chosen model), then the others. */
    if (rc == CLI_OK && st == MLPB_OK && n_val > 0)
        rc = val_metrics(f, c);
    if (rc == CLI_OK && st == MLPB_OK) {
        mlpb_dataset all = {d->x, d->y, NULL, d->n};
        rc = cli_fit_members(f, c, &o, members, train_members, &all);
    }
    f->seconds = cli_now() - t0;
    f->val.x = f->val.y = NULL;
    free(vx);
    free(vy);
    if (rc != CLI_OK) {
        cli_fit_free(f);
        return CLI_EDATA;
    }
    if (st == MLPB_E_NUMERIC) {
        size_t ep = f->report.fail_epoch, b = f->report.fail_batch;
        int    in_refit = f->report.refit_epochs > 0;
        cli_fit_free(f);
        if (ep == 0)
            return cli_fail("mlpblas: the training data hold a non-finite value");
        return cli_fail("mlpblas: training diverged (non-finite loss or gradient) at epoch "
                        "%zu, batch %zu%s; try a smaller --lr", ep, b,
                        in_refit ? " of the refit" : "");
    }
    if (st == MLPB_E_UNSUPPORTED && c->opts.gemm == MLPB_GEMM_ONEDNN) {
        cli_fit_free(f);
        return cli_fail("mlpblas: --gemm onednn: oneDNN is not available (this build has "
                        "none, or its library could not be loaded)");
    }
    if (st != MLPB_OK) {
        cli_fit_free(f);
        return cli_fail("mlpblas: training failed: %s", mlpb_strerror(st));
    }
    return CLI_OK;
}
