/* report.c -- the one JSON shape of train, eval and demo (docs/cli.md,
 * "JSON output"): the same top-level members in every command, null where a
 * command has nothing to say, and one metrics block wherever metrics are
 * reported. New members go into the object they describe; a metrics block
 * is written only by cli_json_eval_block. */
#include "out/report.h"

#include "model/load.h"
#include "model/metrics.h"
#include "out/json.h"
#include "read/data.h"
#include "schema/schema.h"
#include "train/fit.h"

#include <math.h>
#include <string.h>

void cli_json_head(cli_json *j, FILE *f, const char *command)
{
    cli_json_begin(j, f);
    cli_json_str(j, "command", command);
    cli_json_obj(j, "mlpblas");
    cli_json_str(j, "version", mlpb_version_string());
    cli_json_str(j, "blas", mlpb_blas_config());
    cli_json_int(j, "blas_threads", (unsigned long long)mlpb_blas_threads());
    cli_json_close(j, '}');
}

void cli_json_data(cli_json *j, const char *path, const cli_data *d, const cli_schema *s)
{
    cli_json_obj(j, "data");
    cli_json_str(j, "path", path);
    cli_json_int(j, "rows", d->n);
    cli_json_int(j, "features", d->d);
    cli_json_arr(j, "labels");
    for (size_t l = 0; l < d->k; l++)
        cli_json_str(j, NULL, d->label_names[l]);
    cli_json_close(j, ']');
    if (s != NULL && s->task == CLI_TASK_MULTICLASS) {
        cli_json_null(j, "positive");
    } else {
        cli_json_arr(j, "positive");
        for (size_t l = 0; l < d->k; l++)
            cli_json_str(j, NULL, s != NULL && l < s->n_labels ? s->labels[l].pos : "1");
        cli_json_close(j, ']');
    }
    cli_json_close(j, '}');
}

void cli_json_model(cli_json *j, const char *path, const mlpb_model *m)
{
    size_t        ns = 0, params = 0;
    const size_t *s  = mlpb_model_sizes(m, &ns);
    char          arch[256];
    cli_arch_string(m, arch, sizeof arch);
    for (size_t i = 0; i + 1 < ns; i++)
        params += s[i] * s[i + 1] + s[i + 1];
    cli_json_obj(j, "model");
    if (path != NULL && strcmp(path, "-") != 0)
        cli_json_str(j, "path", path);
    else
        cli_json_null(j, "path");
    cli_json_str(j, "architecture", arch);
    cli_json_int(j, "inputs", s[0]);
    cli_json_arr(j, "hidden");
    for (size_t i = 1; i + 1 < ns; i++)
        cli_json_int(j, NULL, s[i]);
    cli_json_close(j, ']');
    cli_json_int(j, "outputs", s[ns - 1]);
    cli_json_int(j, "parameters", params);
    cli_json_bool(j, "standardized", mlpb_model_mean(m) != NULL);
    cli_json_close(j, '}');
}

static void json_confusion(cli_json *j, const size_t c[4])
{
    cli_json_obj(j, "confusion");
    cli_json_num(j, "threshold", 0.5);
    cli_json_int(j, "true_positive", c[0]);
    cli_json_int(j, "false_positive", c[1]);
    cli_json_int(j, "true_negative", c[2]);
    cli_json_int(j, "false_negative", c[3]);
    cli_json_close(j, '}');
}

void cli_json_eval_block(cli_json *j, const char *key, const cli_eval *e, const cli_data *d,
                         const struct cli_mc *mc)
{
    if (e == NULL || d == NULL || d->n == 0) {
        cli_json_null(j, key);
        return;
    }
    cli_json_obj(j, key);
    cli_json_int(j, "rows", d->n);
    mlpb_metrics mean = e->mean;
    if (mc != NULL)
        cli_mc_apply(mc, &mean);
    cli_json_metrics(j, &mean);
    cli_json_num(j, "exact_match", e->exact);
    cli_json_arr(j, "per_output");
    for (size_t l = 0; l < d->k; l++) {
        cli_json_obj(j, NULL);
        cli_json_str(j, "label", d->label_names[l]);
        cli_json_metrics(j, &e->per[l]);
        json_confusion(j, e->conf[l]);
        cli_json_close(j, '}');
    }
    cli_json_close(j, ']');
    cli_json_num(j, "seconds", e->seconds);
    cli_json_close(j, '}');
}

static const char *const optimizer_names[] = {"sgd", "momentum", "nesterov", "adam", "adamw",
                                              "rmsprop"};
static const char *const schedule_names[]  = {"constant", "step", "cosine"};

const char *cli_optimizer_name(mlpb_optimizer o)
{
    return (unsigned)o < 6 ? optimizer_names[o] : "?";
}

int cli_parse_optimizer(const char *s, mlpb_optimizer *o)
{
    for (int i = 0; i < 6; i++)
        if (strcmp(s, optimizer_names[i]) == 0)
            return *o = (mlpb_optimizer)i, 0;
    return -1;
}

const char *cli_schedule_name(mlpb_schedule s)
{
    return (unsigned)s < 3 ? schedule_names[s] : "?";
}

int cli_parse_schedule(const char *s, mlpb_schedule *o)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, schedule_names[i]) == 0)
            return *o = (mlpb_schedule)i, 0;
    return -1;
}

void cli_json_config(cli_json *j, const cli_train_cfg *c, const cli_fit *f)
{
    const mlpb_train_opts *o = &c->opts;
    cli_json_obj(j, "config");
    cli_json_arr(j, "hidden");
    for (size_t i = 0; i < c->n_hidden; i++)
        cli_json_int(j, NULL, c->hidden[i]);
    cli_json_close(j, ']');
    cli_json_int(j, "epochs", o->epochs);
    cli_json_int(j, "batch", o->batch_size);
    cli_json_str(j, "optimizer", cli_optimizer_name(o->optim.kind));
    cli_json_float(j, "lr", o->optim.lr);
    cli_json_str(j, "schedule", cli_schedule_name(o->optim.schedule));
    cli_json_float(j, "weight_decay", o->optim.weight_decay);
    cli_json_num(j, "val_split", c->val_split);
    cli_json_int(j, "patience", o->patience);
    cli_json_float(j, "min_delta", o->min_delta);
    cli_json_bool(j, "refit", o->refit);
    cli_json_obj(j, "pos_weight");
    if (c->pos_weight == 0.0f)
        cli_json_str(j, "requested", "auto");
    else
        cli_json_float(j, "requested", c->pos_weight);
    cli_json_arr(j, "used");
    for (size_t l = 0; l < f->k; l++)
        cli_json_float(j, NULL, f->pos_weight[l]);
    cli_json_close(j, ']');
    cli_json_close(j, '}');
    cli_json_bool(j, "standardize", o->standardize);
    cli_json_int(j, "seed", c->seed);
    cli_json_int(j, "threads", (unsigned long long)mlpb_blas_threads());
    cli_json_str(j, "threading", o->threading == MLPB_THREADING_AUTO          ? "auto"
                                 : o->threading == MLPB_THREADING_SPLIT        ? "split"
                                 : o->threading == MLPB_THREADING_SERIAL_SMALL ? "serial-small"
                                                                               : "blas");
    cli_json_str(j, "gemm", o->gemm == MLPB_GEMM_ONEDNN ? "onednn"
                            : o->gemm == MLPB_GEMM_BLAS  ? "blas"
                            : mlpb_gemm_auto() == MLPB_GEMM_ONEDNN ? "auto: onednn"
                                                                   : "auto: blas");
    cli_json_int(j, "max_memory", c->max_memory);
    cli_json_close(j, '}');
}

static void json_epoch(cli_json *j, const mlpb_epoch_info *e)
{
    cli_json_obj(j, NULL);
    cli_json_int(j, "epoch", e->epoch);
    cli_json_num(j, "train_loss", e->train_loss);
    if (isfinite(e->val_loss)) {
        cli_json_num(j, "val_loss", e->val_loss);
        cli_json_obj(j, "val");
        cli_json_metrics(j, &e->val);
        cli_json_close(j, '}');
    } else {
        cli_json_null(j, "val_loss");
        cli_json_null(j, "val");
    }
    cli_json_num(j, "seconds", e->seconds);
    cli_json_num(j, "rows_per_second", e->samples_per_s);
    cli_json_close(j, '}');
}

void cli_json_training(cli_json *j, const cli_fit *f)
{
    const mlpb_train_report *r = &f->report;
    cli_json_obj(j, "training");
    cli_json_int(j, "train_rows", f->n_train);
    size_t n_val = f->val.n ? f->val.n : f->n_val; /* train --mpi: over all ranks */
    cli_json_int(j, "validation_rows", n_val);
    if (f->ranks > 0)
        cli_json_int(j, "mpi_ranks", (unsigned long long)f->ranks);
    /* An ensemble: the figures below are member 1's. */
    cli_json_int(j, "ensemble_members", f->members > 0 ? f->members : 1);
    cli_json_int(j, "epochs_run", r->epochs_run);
    if (n_val > 0 && r->best_epoch > 0) {
        cli_json_int(j, "best_epoch", r->best_epoch);
        cli_json_num(j, "best_val_loss", r->best_val_loss);
    } else {
        cli_json_null(j, "best_epoch");
        cli_json_null(j, "best_val_loss");
    }
    cli_json_bool(j, "stopped_early", r->stopped_early);
    cli_json_int(j, "refit_epochs", f->refit_epochs);
    cli_json_num(j, "final_train_loss", r->last.train_loss);
    cli_json_num(j, "seconds", f->seconds);
    if (f->seconds > 0.0)
        cli_json_num(j, "rows_per_second", f->rows_seen / f->seconds);
    else
        cli_json_null(j, "rows_per_second");
    cli_json_arr(j, "history");
    for (size_t i = 0; i < f->n_hist; i++)
        json_epoch(j, &f->hist[i]);
    cli_json_close(j, ']');
    cli_json_close(j, '}');
}

void cli_mc_json(cli_json *j, const cli_mc *m, const char *const *classes)
{
    cli_json_arr(j, "classes");
    for (size_t c = 0; c < m->k; c++)
        cli_json_str(j, NULL, classes[c]);
    cli_json_close(j, ']');
    cli_json_num(j, "class_accuracy", m->accuracy);
    cli_json_num(j, "macro_precision", m->macro_precision);
    cli_json_num(j, "macro_recall", m->macro_recall);
    cli_json_num(j, "macro_f1", m->macro_f1);
    cli_json_arr(j, "per_class");
    for (size_t c = 0; c < m->k; c++) {
        cli_json_obj(j, NULL);
        cli_json_str(j, "class", classes[c]);
        cli_json_num(j, "precision", m->precision[c]);
        cli_json_num(j, "recall", m->recall[c]);
        cli_json_num(j, "f1", m->f1[c]);
        cli_json_int(j, "support", m->support[c]);
        cli_json_close(j, '}');
    }
    cli_json_close(j, ']');
    cli_json_arr(j, "confusion_matrix");
    for (size_t r = 0; r < m->k; r++) {
        cli_json_arr(j, NULL);
        for (size_t c = 0; c < m->k; c++)
            cli_json_int(j, NULL, m->confusion[r * m->k + c]);
        cli_json_close(j, ']');
    }
    cli_json_close(j, ']');
}
