/* train.c -- `mlpblas train`: a data file to a model file, on the training
 * routine of train/fit.c (or, with --mpi, of train_mpi.c). The command line
 * is read by train_opts.c; every output file is opened before the work
 * starts and committed after the report on standard output is written. */
#include "base/msg.h"
#include "base/term.h"
#include "cmd/cmd.h"
#include "cmd/outputs.h"
#include "cmd/train_opts.h"
#include "model/load.h"
#include "model/metrics.h"
#include "out/json.h"
#include "out/report.h"
#include "out/text.h"
#include "out/write.h"
#include "read/data.h"
#include "schema/schema.h"
#include "schema/train_data.h"
#include "train/fit.h"

#ifdef MLPB_CLI_MPI
#  include "cmd/train_mpi.h"
#endif

#include <string.h>

/* Training throughput over the whole run, in rows (samples) a second. */
static double samples_per_s(const cli_fit *f)
{
    double rows = f->rows_seen;
    return f->seconds > 0.0 ? rows / f->seconds : 0.0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The end of train: with --mpi, rank 0's status after writing (the model,
 * the report) is every rank's. */
static int train_exit(int mpi, int rc)
{
#ifdef MLPB_CLI_MPI
    if (mpi)
        return cli_mpi_finish(rc);
#else
    (void)mpi;
#endif
    return rc;
}

/* train's report as one JSON object (docs/cli.md, "JSON output"). */
static void train_json(const cli_train_args *t, const cli_data *d, const cli_schema *sc,
                       const cli_fit *fit)
{
    const cli_mc            *mc  = fit->val_mc;
    const mlpb_train_report *rep = &fit->report;
    const char              *out = t->outs.path[CLI_OUT_MODEL];
    cli_json j;
    cli_json_head(&j, stdout, "train");
    cli_json_data(&j, t->data_path, d, sc);
    cli_json_model(&j, out, fit->model);
    cli_json_config(&j, &t->c, fit);
    cli_json_training(&j, fit);
    cli_json_obj(&j, "metrics");
    if (fit->val.n == 0 && fit->n_val > 0) {
        /* --mpi: the best epoch's metrics over the ranks' validation rows. */
        cli_json_obj(&j, "validation");
        cli_json_int(&j, "rows", fit->n_val);
        cli_json_metrics(&j, &rep->best.val);
        cli_json_close(&j, '}');
    } else {
        cli_json_eval_block(&j, "validation", fit->val.n ? &fit->val_eval : NULL, &fit->val,
                            fit->val_mc);
    }
    cli_json_null(&j, "test");
    cli_json_close(&j, '}');
    if (mc != NULL) {
        cli_json_obj(&j, "classes");
        cli_json_str(&j, "label", sc->labels[0].name);
        cli_mc_json(&j, mc, (const char *const *)sc->classes);
        cli_json_close(&j, '}');
    } else {
        cli_json_null(&j, "classes");
    }
    cli_json_end(&j);
}

/* train's report as text: the run, the labels' positive values, the
 * validation metrics of the run that chose the epochs. */
static void train_text(const cli_train_args *t, const cli_schema *sc, const cli_fit *fit)
{
    const cli_mc            *mc  = fit->val_mc;
    const mlpb_train_report *rep = &fit->report;
    const char              *out = t->outs.path[CLI_OUT_MODEL];
    FILE                    *rf  = t->outs.report;
    char                     arch[256];
    cli_arch_string(fit->model, arch, sizeof arch);
    if (fit->members > 1)
        fprintf(rf, "trained an ensemble of %zu networks in %.2f s (saved as one %s "
                    "network); member 1: ", fit->members, fit->seconds, arch);
    else
        fprintf(rf, "trained %s in %.2f s: ", arch, fit->seconds);
    fprintf(rf, "%zu epoch%s on %zu rows", rep->epochs_run, rep->epochs_run == 1 ? "" : "s",
            fit->train.n ? fit->train.n : fit->n_first ? fit->n_first : fit->n_train);
    if (fit->ranks > 0)
        fprintf(rf, " (%d rank%s)", fit->ranks, fit->ranks == 1 ? "" : "s");
    if (fit->val.n > 0 || fit->n_val > 0)
        fprintf(rf, ", best %zu%s", rep->best_epoch,
                rep->stopped_early ? " (stopped early)" : "");
    if (fit->refit_epochs > 0)
        fprintf(rf, ", then %zu on all %zu rows", fit->refit_epochs, fit->n_train);
    fprintf(rf, ", %.0f samples/s\n", samples_per_s(fit));
    /* Which value of a two-valued label is 1, where it is not the
     * value 1 itself (docs/cli.md, "Labels"). */
    for (size_t l = 0; sc->task != CLI_TASK_MULTICLASS && l < sc->n_labels; l++)
        if (strcmp(sc->labels[l].pos, "1") != 0)
            fprintf(rf, "label %s: 1 = \"%s\" (the positive value), 0 = \"%s\"%s\n",
                    sc->labels[l].name, sc->labels[l].pos, sc->labels[l].neg,
                    t->cols.n_positive ? "" : "; --positive chooses");
    if (fit->val.n > 0) {
        fputs("validation", rf);
        if (fit->members > 1)
            fprintf(rf, " of member 1 of %zu", fit->members);
        if (fit->refit_epochs > 0)
            fprintf(rf, " (%zu rows held out to choose the epochs; the saved\n"
                        "model was then trained on them too):\n", fit->val.n);
        else
            fprintf(rf, " (%zu rows held out from training):\n", fit->val.n);
        if (mc != NULL)
            cli_mc_print(rf, "  ", mc, (const char *const *)sc->classes);
        else
            cli_print_metrics(rf, "  ", &fit->val_eval, &fit->val);
    } else if (fit->n_val > 0) {
        /* --mpi: the rows are spread over the ranks; the trainer's
         * metrics of the best epoch, over all of them. */
        const mlpb_metrics *m = &rep->best.val;
        fprintf(rf, "validation (%zu rows of %d rank%s held out to choose the epochs%s),\n"
                    "best epoch:\n", fit->n_val, fit->ranks, fit->ranks == 1 ? "" : "s",
                fit->refit_epochs > 0 ? ";\nthe saved model was then trained on them too"
                                     : "");
        if (mc != NULL)
            cli_mc_print(rf, "  ", mc, (const char *const *)sc->classes);
        else
            fprintf(rf, "  loss %.4f  accuracy %.4f  precision %.4f  recall %.4f  "
                        "f1 %.4f  auc %.4f\n", rep->best_val_loss, m->accuracy,
                    m->precision, m->recall, m->f1, m->auc);
    }
    if (strcmp(out, "-") != 0)
        cli_tprintf(rf, "model saved to %s\n", out);
}

/* The report of a finished run: JSON with --json, else text unless --quiet.
 * A class column: the validation rows' class metrics too, of the model
 * that chose the epochs (as the other validation metrics). */
static void train_report(const cli_train_args *t, const cli_data *d, const cli_schema *sc,
                         const cli_fit *fit)
{
    if (t->json)
        train_json(t, d, sc, fit);
    else if (t->c.verbosity > 0)
        train_text(t, sc, fit);
}

int cli_cmd_train(int argc, char **argv)
{
    cli_train_args t;
    int            prc = cli_train_parse(argc, argv, &t);
    if (prc >= 0)
        return prc;
    cli_inputs in = {0};
    cli_inputs_add(&in, t.data_path);
    t.o.max_bytes = t.c.max_memory; /* the reader stops there, the trainer checks the rest */
    int rank = 0, rc = CLI_OK;
#ifdef MLPB_CLI_MPI
    int ranks = 1;
    if (t.mpi && cli_mpi_begin(&rank, &ranks) != CLI_OK)
        return CLI_EDATA;
    /* Ranks that share a machine share its cores, unless --threads says. */
    if (t.mpi && t.threads == 0)
        cli_mpi_share_cores();
    /* Only rank 0 writes: the others open no output. */
    if (rank == 0)
        rc = cli_outputs_open(&t.outs, "train", t.json, &in);
    if (t.mpi && (rc = cli_mpi_agree(rc)) != CLI_OK) {
        if (rank == 0)
            cli_outputs_abort(&t.outs);
        cli_mpi_end();
        return rc;
    }
    if (rank != 0) {
        t.c.verbosity = 0;
        t.json = 0;
    }
#else
    rc = cli_outputs_open(&t.outs, "train", t.json, &in);
#endif
    if (rc != CLI_OK)
        return rc;
    t.cols.quiet      = t.c.verbosity == 0;
    const char *out = t.outs.path[CLI_OUT_MODEL];
    cli_data   d;
    cli_schema  sc;
    cli_fit     fit;
    FILE       *log = t.outs.path[CLI_OUT_LOG] && rank == 0 ? t.outs.w[CLI_OUT_LOG].f : NULL;
#ifdef MLPB_CLI_MPI
    if (t.mpi) {
        size_t n_all = 0;
        if (cli_mpi_read(t.data_path, &t.o, &t.cols, &d, &sc, &n_all) != CLI_OK) {
            cli_outputs_abort(&t.outs);
            cli_mpi_end();
            return CLI_EDATA;
        }
        t.c.class_metrics = sc.task == CLI_TASK_MULTICLASS;
        cli_train_cfg_for_data(&t.c, n_all, d.k);
        rc = cli_mpi_train(&d, n_all, &t.c, log, &fit);
        if (rc != CLI_OK) {
            cli_outputs_abort(&t.outs);
            cli_schema_free(&sc);
            cli_data_free(&d);
            cli_mpi_end();
            return rc;
        }
        /* The model is the same on every rank: rank 0 reports and writes
         * it, the others are done. */
        if (rank != 0) {
            cli_schema_free(&sc);
            cli_fit_free(&fit);
            cli_data_free(&d);
            return train_exit(t.mpi, CLI_OK);
        }
        cli_fail_hold(NULL, 0); /* rank 0 alone from here: it prints its own errors */
    }
#endif
    if (!t.mpi && cli_read_training_data(t.data_path, &t.o, &t.cols, &d, &sc) != CLI_OK) {
        cli_outputs_abort(&t.outs);
        return CLI_EDATA;
    }
    t.c.class_metrics = sc.task == CLI_TASK_MULTICLASS;
    if (!t.mpi) {
        cli_train_cfg_for_data(&t.c, d.n, d.k);
        rc = cli_train(&d, &t.c, log, &fit);
    }
    if (rc == CLI_OK) {
        mlpb_status st = cli_schema_store(&sc, fit.model);
        if (st != MLPB_OK) {
            rc = cli_fail("%s: cannot store the schema in the model: %s", out,
                          mlpb_strerror(st));
            cli_fit_free(&fit);
        }
    }
    if (rc == CLI_OK) {
        char title[320];
        snprintf(title, sizeof title, "Learning curve: %.280s", base_name(t.data_path));
        rc = cli_write_results(&t.outs, &fit, title);
        if (rc != CLI_OK)
            cli_fit_free(&fit);
    }
    if (rc != CLI_OK) {
        cli_outputs_abort(&t.outs);
        cli_schema_free(&sc);
        cli_data_free(&d);
        return train_exit(t.mpi, rc);
    }

    train_report(&t, &d, &sc, &fit);
    cli_schema_free(&sc);
    cli_fit_free(&fit);
    cli_data_free(&d);
    return train_exit(t.mpi, cli_outputs_commit(&t.outs, "train"));
}
