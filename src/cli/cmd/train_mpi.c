/* train_mpi.c -- `mlpblas train --mpi` (train_mpi.h): each rank reads
 * its own shard of the file, the schema is agreed from every rank's column
 * facts, and libmlpblas_mpi trains on the rows of all ranks. */
#include "cmd/train_mpi.h"

#include "base/clock.h"
#include "base/msg.h"
#include "base/term.h"
#include "model/metrics.h"
#include "read/data.h"
#include "read/format.h"
#include "read/shard.h"
#include "read/table.h"
#include "schema/schema.h"
#include "schema/train_data.h"
#include "train/fit.h"
#include "train/progress.h"

#include <math.h>
#include <mlpblas_mpi.h>
#include <stdlib.h>
#include <string.h>

#define MSG_BYTES 4096

/* The rank's held message (cli_fail_hold): state of the MPI mode only. */
typedef struct mpi_state {
    int  rank, size;
    char msg[MSG_BYTES];
} mpi_state;
static mpi_state g_mpi;

int cli_mpi_begin(int *rank, int *size)
{
    int init = 0;
    MPI_Initialized(&init);
    if (!init && MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return cli_fail("mlpblas train --mpi: MPI_Init failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &g_mpi.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_mpi.size);
    *rank = g_mpi.rank;
    *size = g_mpi.size;
    cli_fail_hold(g_mpi.msg, sizeof g_mpi.msg);
    return CLI_OK;
}

void cli_mpi_share_cores(void)
{
    mlpb_blas_set_threads(mlpb_mpi_node_threads(MPI_COMM_WORLD, 0));
}

void cli_mpi_end(void)
{
    cli_fail_hold(NULL, 0);
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin)
        MPI_Finalize();
}

int cli_mpi_finish(int rc)
{
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    cli_mpi_end();
    return rc;
}

int cli_mpi_agree(int rc)
{
    int key = rc != CLI_OK ? g_mpi.rank : g_mpi.size, first = g_mpi.size;
    MPI_Allreduce(&key, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == g_mpi.size)
        return CLI_OK;
    int frc = rc;
    MPI_Bcast(&frc, 1, MPI_INT, first, MPI_COMM_WORLD);
    MPI_Bcast(g_mpi.msg, MSG_BYTES, MPI_CHAR, first, MPI_COMM_WORLD);
    g_mpi.msg[MSG_BYTES - 1] = '\0';
    if (g_mpi.rank == 0) {
        cli_tprintf(stderr, "%s", g_mpi.msg[0] ? g_mpi.msg : "mlpblas: failed");
        if (g_mpi.size > 1)
            fprintf(stderr, " [rank %d of %d]", first, g_mpi.size);
        fputc('\n', stderr);
    }
    g_mpi.msg[0] = '\0';
    return frc != CLI_OK ? frc : CLI_EDATA;
}

/* ------------------------------------------------------------ reading */
/* Every rank's bytes, gathered on every rank (an int count each). */
static int allgather_bytes(const unsigned char *mine, size_t len, unsigned char **all,
                           int **counts, int **displs)
{
    int n = g_mpi.size, rc = CLI_OK;
    *all    = NULL;
    *counts = calloc((size_t)n, sizeof(int));
    *displs = calloc((size_t)n, sizeof(int));
    if (*counts == NULL || *displs == NULL)
        rc = cli_fail("mlpblas: out of memory");
    else if (len > (size_t)INT32_MAX)
        rc = cli_fail("mlpblas: the column summary of this rank is over 2 GB");
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        return rc;
    int mine_n = (int)len;
    MPI_Allgather(&mine_n, 1, MPI_INT, *counts, 1, MPI_INT, MPI_COMM_WORLD);
    size_t total = 0;
    for (int r = 0; r < n; r++) {
        (*displs)[r] = (int)total;
        total += (size_t)(*counts)[r];
    }
    if (total > (size_t)INT32_MAX)
        rc = cli_fail("mlpblas: the column summaries of all ranks are over 2 GB");
    else if ((*all = malloc(total ? total : 1)) == NULL)
        rc = cli_fail("mlpblas: out of memory");
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        return rc;
    MPI_Allgatherv(mine, mine_n, MPI_UNSIGNED_CHAR, *all, *counts, *displs, MPI_UNSIGNED_CHAR,
                   MPI_COMM_WORLD);
    return CLI_OK;
}

/* The schema of a CSV shard from the merged facts of every rank's columns;
 * this rank's rows encoded with it. */
static int csv_shard(cli_table *t, cli_chunk *c, const cli_schema_spec *spec, cli_schema *s,
                     float **x, float **y)
{
    char           err[2048];
    size_t         ncols = cli_table_ncols(t);
    cli_colinfo   *mine  = calloc(ncols ? ncols : 1, sizeof *mine);
    cli_colinfo   *all   = calloc(ncols ? ncols : 1, sizeof *all);
    unsigned char *buf = NULL, *gathered = NULL;
    size_t         len = 0;
    int           *counts = NULL, *displs = NULL;
    int            rc = CLI_OK;
    if (mine == NULL || all == NULL || cli_colinfo_local(t, c, spec, mine) != MLPB_OK ||
        cli_colinfo_pack(mine, ncols, &buf, &len) != MLPB_OK)
        rc = cli_fail("mlpblas: out of memory");
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto out;
    if ((rc = allgather_bytes(buf, len, &gathered, &counts, &displs)) != CLI_OK)
        goto out;
    {
        size_t                n = (size_t)g_mpi.size;
        const unsigned char **parts = malloc(n * sizeof *parts);
        size_t               *lens  = malloc(n * sizeof *lens);
        mlpb_status           st    = MLPB_E_NOMEM;
        if (parts != NULL && lens != NULL) {
            for (size_t r = 0; r < n; r++) {
                parts[r] = gathered + displs[r];
                lens[r]  = (size_t)counts[r];
            }
            st = cli_colinfo_merge(parts, lens, n, ncols, all);
        }
        free(parts);
        free(lens);
        if (st != MLPB_OK)
            rc = cli_fail("mlpblas: cannot merge the ranks' column summaries: %s",
                          mlpb_strerror(st));
    }
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto out;
    if (cli_schema_build_from(t, c, spec, all, s, x, y, err, sizeof err) != MLPB_OK)
        rc = cli_fail("%s", err);
    rc = cli_mpi_agree(rc);
    if (rc != CLI_OK) {
        cli_schema_free(s);
        free(*x);
        free(*y);
        *x = *y = NULL;
    }
out:
    cli_colinfo_free(mine, ncols);
    cli_colinfo_free(all, ncols);
    free(mine);
    free(all);
    free(buf);
    free(gathered);
    free(counts);
    free(displs);
    return rc;
}

/* Are a LIBSVM shard's labels 0/1 or -1/+1 (-1 read as 0), the labels
 * the ranks can agree on without exchanging their class ids? */
static int plus_minus_one(const cli_table *t)
{
    size_t         n;
    const int32_t *ids = cli_table_class_ids(t, &n);
    for (size_t i = 0; ids != NULL && i < n; i++)
        if (ids[i] != -1 && ids[i] != 1)
            return 0;
    return 1;
}

/* LIBSVM: the feature count, index base and label count agreed over the
 * ranks (each read its own shard: the largest index, an index 0 and the
 * largest class id it saw), its rows moved to those. */
static int libsvm_shard(cli_table *t, cli_chunk *c, cli_schema *s, float **x, float **y)
{
    int      zb = cli_table_zero_based(t), any_zb = 0, rc = CLI_OK;
    uint64_t dk[2], gdk[2];
    MPI_Allreduce(&zb, &any_zb, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    /* Read as 1-based (index i in column i - 1) while another rank saw an
     * index 0 (index i in column i): every column one to the right. */
    size_t shift = any_zb && !zb ? 1 : 0;
    dk[0] = (uint64_t)(c->ncols + shift);
    dk[1] = (uint64_t)c->k;
    MPI_Allreduce(dk, gdk, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    size_t D = (size_t)gdk[0], K = (size_t)gdk[1], n = c->n;
    float *nx = NULL, *ny = NULL;
    if (K == 0)
        rc = cli_fail("%s: no labels", cli_table_path(t));
    else if (!plus_minus_one(t))
        rc = cli_fail("%s: class ids other than 0/1 and -1/+1 (a multi-class LIBSVM file): "
                      "train --mpi does not read them yet; train without --mpi, or use CSV",
                      cli_table_path(t));
    else if ((nx = calloc((n ? n : 1) * D, sizeof(float))) == NULL ||
             (ny = calloc((n ? n : 1) * K, sizeof(float))) == NULL)
        rc = cli_fail("mlpblas: out of memory");
    if (rc == CLI_OK) {
        for (size_t i = 0; i < n; i++) {
            memcpy(nx + i * D + shift, c->x + i * c->ncols, c->ncols * sizeof(float));
            memcpy(ny + i * K, c->y + i * c->k, c->k * sizeof(float));
        }
        rc = cli_libsvm_schema(D, K, NULL, NULL, 0, s); /* by position: 1..D */
    }
    if ((rc = cli_mpi_agree(rc)) != CLI_OK) {
        free(nx);
        free(ny);
        return rc;
    }
    *x = nx;
    *y = ny;
    return CLI_OK;
}

int cli_mpi_read(const char *path, const cli_read_opts *ro, const train_cols *tc,
                 cli_data *d, cli_schema *s, size_t *n_all)
{
    char             err[2048];
    cli_shard        sh;
    cli_table       *t = NULL;
    cli_chunk        c;
    size_t          *label = NULL, *ignore = NULL, n_label = 0, n_ignore = 0;
    long             id = -1;
    float           *x = NULL, *y = NULL;
    int              rc = CLI_OK;
    cli_data_format fmt = ro->format != CLI_FORMAT_AUTO ? ro->format
                                                          : cli_data_guess_format(path);
    memset(&c, 0, sizeof c);
    memset(d, 0, sizeof *d);
    memset(s, 0, sizeof *s);
    *n_all = 0;
    int csv_header = fmt == CLI_FORMAT_CSV && ro->header != CLI_HEADER_NO;
    if (cli_shard_plan(path, csv_header, (unsigned)g_mpi.rank, (unsigned)g_mpi.size, &sh, err,
                       sizeof err) != MLPB_OK)
        rc = cli_fail("%s", err);
    else if (fmt == CLI_FORMAT_LIBSVM && (tc->n_label || tc->n_ignore || tc->id || tc->n_positive))
        rc = cli_fail("%s: --label, --ignore, --id and --positive name CSV columns; LIBSVM rows "
                      "have none", path);
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        return rc;
    /* The shard's first line: the line ends of the shards before it. */
    uint64_t before = 0;
    MPI_Exscan(&sh.newlines, &before, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (g_mpi.rank == 0)
        before = 0;
    if (sh.len == 0)
        rc = cli_fail("%s: the share of rank %d is empty: the file has too few lines for %d "
                      "ranks", path, g_mpi.rank, g_mpi.size);
    else if (cli_table_open_range(path, ro, sh.head_len, sh.start, sh.len, (size_t)before + 1,
                                  &t, err, sizeof err) != MLPB_OK)
        rc = cli_fail("%s", err);
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto out;
    fmt = cli_table_format(t);
    if (fmt == CLI_FORMAT_CSV) {
        uint64_t nc[2] = {cli_table_ncols(t), ~(uint64_t)cli_table_ncols(t)}, g[2];
        MPI_Allreduce(nc, g, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
        if (g[0] != nc[0] || ~g[1] != nc[0])
            rc = cli_fail("%s: the ranks' shards have different numbers of columns (%llu on "
                          "rank %d); with --no-header every row must have the same count",
                          path, (unsigned long long)nc[0], g_mpi.rank);
        else
            rc = cli_train_columns(t, path, tc, &label, &n_label, &ignore, &n_ignore, &id);
        if ((rc = cli_mpi_agree(rc)) != CLI_OK)
            goto out;
    }
    if (cli_table_read(t, 0, &c, err, sizeof err) != MLPB_OK)
        rc = cli_fail("%s", err);
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto out;
    if (fmt == CLI_FORMAT_LIBSVM) {
        rc = libsvm_shard(t, &c, s, &x, &y);
    } else {
        cli_schema_spec spec = {label,        n_label,        id,          ignore,     n_ignore,
                                tc->positive, tc->n_positive, tc->missing, tc->classify};
        rc = csv_shard(t, &c, &spec, s, &x, &y);
    }
    if (rc != CLI_OK)
        goto out;
    rc = cli_make_data(s, c.n, x, y, d);
    if ((rc = cli_mpi_agree(rc)) != CLI_OK) {
        cli_schema_free(s);
        cli_data_free(d);
        goto out;
    }
    uint64_t n = d->n, total = 0;
    MPI_Allreduce(&n, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    *n_all = (size_t)total;
out:
    free(label);
    free(ignore);
    cli_chunk_free(&c);
    cli_table_close(t);
    return rc;
}

/* ----------------------------------------------------------- training */
/* The failure of a run as a message (held), in cli_train's words. */
static int train_error(mlpb_status st, const mlpb_mpi_report *r)
{
    const mlpb_train_report *t = &r->train;
    char                     who[64] = "";
    if (r->fail_rank >= 0 && g_mpi.size > 1)
        snprintf(who, sizeof who, " (rows of rank %d)", r->fail_rank);
    if (st == MLPB_E_NUMERIC && t->fail_epoch == 0)
        return cli_fail("mlpblas: the training data hold a non-finite value%s", who);
    if (st == MLPB_E_NUMERIC)
        return cli_fail("mlpblas: training diverged (non-finite loss or gradient) at epoch "
                        "%zu, batch %zu%s%s; try a smaller --lr", t->fail_epoch,
                        t->fail_batch, t->refit_epochs > 0 ? " of the refit" : "", who);
    return cli_fail("mlpblas: training failed: %s%s", mlpb_strerror(st), who);
}

/* Class metrics: every rank's confusion counts added (cli_val_classes). */
static void reduce_counts(size_t *counts, size_t n)
{
    MPI_Datatype t = sizeof(size_t) == sizeof(unsigned long) ? MPI_UNSIGNED_LONG
                                                             : MPI_UNSIGNED_LONG_LONG;
    MPI_Allreduce(MPI_IN_PLACE, counts, (int)n, t, MPI_SUM, MPI_COMM_WORLD);
}

/* --pos-weight auto: the positives of every rank's training rows. */
static void reduce_positives(uint64_t *pos, size_t k)
{
    MPI_Allreduce(MPI_IN_PLACE, pos, (int)k, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
}

/* The validation rows of this rank: those mlpb_mpi_train holds out of the
 * rows of all ranks (mlpb_mpi_train_split). pick gets d->n bytes; *n_pick
 * this rank's count, *n_val all ranks' (0: no validation). */
static int split_rows(const cli_data *d, const cli_train_cfg *c, unsigned char *pick,
                      size_t *n_pick, size_t *n_val)
{
    *n_pick = *n_val = 0;
    const mlpb_dataset ds = {d->x, d->y, NULL, d->n};
    const mlpb_status  st = mlpb_mpi_train_split(&ds, d->k, (float)c->val_split, c->seed,
                                                 MPI_COMM_WORLD, NULL, pick, n_val);
    if (st == MLPB_E_NOMEM || st == MLPB_E_OVERFLOW)
        return cli_mpi_agree(cli_fail("mlpblas: out of memory"));
    if (st != MLPB_OK) {
        *n_val = 0;
        if (c->verbosity > 0 && g_mpi.rank == 0)
            fprintf(stderr, "mlpblas: too few rows to hold %.0f%% out for validation; "
                            "training without early stopping\n", c->val_split * 100.0);
        return CLI_OK;
    }
    for (size_t i = 0; i < d->n; i++)
        *n_pick += pick[i];
    return CLI_OK;
}

/* The class metrics of the chosen model on this rank's validation rows,
 * summed over the ranks, into f->val_mc. */
static int val_classes(cli_fit *f, const float *vx, const float *vy, size_t n_pick)
{
    cli_val_classes v;
    mlpb_model     *m  = NULL;
    int             rc = cli_fit_chosen(f, &m);
    if (rc == CLI_OK)
        rc = cli_val_classes_init(&v, m, vx, vy, n_pick, f->k);
    if ((rc = cli_mpi_agree(rc)) != CLI_OK) {
        if (m != f->model)
            mlpb_model_destroy(m);
        return rc;
    }
    memset(v.mc->confusion, 0, f->k * f->k * sizeof(size_t));
    if (n_pick > 0 && mlpb_predict(m, v.ws, v.x, n_pick, v.prob) != MLPB_OK)
        rc = cli_fail("mlpblas: prediction failed");
    if (rc == CLI_OK && n_pick > 0)
        cli_mc_count(v.mc, v.prob, NULL, v.y, n_pick);
    if ((rc = cli_mpi_agree(rc)) == CLI_OK) {
        reduce_counts(v.mc->confusion, f->k * f->k);
        cli_mc_finish(v.mc);
        f->val_mc = v.mc; /* taken */
        v.mc      = NULL;
    }
    cli_val_classes_free(&v);
    if (m != f->model)
        mlpb_model_destroy(m);
    return rc;
}

/* The other ensemble members on the rows of all ranks, one after another
 * (ctx: this rank's mlpb_dataset). */
static mlpb_status train_members(mlpb_model *const *mm, const mlpb_train_opts *oo, size_t n,
                                 void *ctx, mlpb_train_report *reps)
{
    mlpb_status st = MLPB_OK;
    for (size_t i = 0; i < n && st == MLPB_OK; i++) {
        mlpb_mpi_report     r;
        const mlpb_mpi_opts mo = {0};
        st      = mlpb_mpi_train(mm[i], ctx, NULL, &oo[i], &mo, MPI_COMM_WORLD, NULL, &r);
        reps[i] = r.train;
    }
    return st;
}

/* This rank's memory budget: its rows and the model, what mlpb_mpi_train
 * allocates (mlpb_train_memory on the rows of all ranks: every rank keeps
 * the global row index and split; rank 0 also gathers nothing more), the
 * validation probabilities and labels of all ranks, the split's marks, the
 * copy of this rank's validation rows, the chosen epoch's parameters and,
 * for a class column, each epoch's class metrics on them. */
static int budget(const cli_data *d, size_t n_all, size_t n_val, size_t n_pick,
                  const cli_train_cfg *c, const size_t *sizes, size_t ns)
{
    double extra = 0.0;
    if (n_val > 0)
        extra = 8.0 * (double)d->k * (double)n_val + (double)d->n +
                4.0 * (double)(d->d + d->k) * (double)n_pick + cli_fit_chosen_bytes(sizes, ns);
    if (c->class_metrics && n_val > 0)
        extra += cli_val_classes_bytes(sizes, ns, n_pick);
    extra += cli_fit_members_bytes(sizes, ns, cli_fit_members_for(c, n_all), 1, 0.0);
    return cli_mpi_agree(cli_check_budget(d, sizes, ns, c, n_all, extra) != 0 ? CLI_EDATA
                                                                                : CLI_OK);
}

/* The run itself, every rank: mlpb_mpi_train on all rows of all ranks,
 * which splits, stops early and refits. */
static int run_training(cli_data *d, size_t n_all, const cli_train_cfg *c, FILE *log,
                        cli_fit *f, cli_val_classes *vc, mlpb_train_opts *used,
                        mlpb_status *st, mlpb_mpi_report *r)
{
    mlpb_train_opts o = c->opts;
    o.seed            = c->seed;
    o.val_fraction    = (float)c->val_split;
    o.pos_weight      = c->pos_weight == 1.0f ? NULL : f->pos_weight;
    /* Epoch lines only (no per-batch bar: it would cost two reductions a
     * batch), from rank 0; every rank keeps the same history. */
    cli_progress  p;
    cli_train_ctx t = {&p, g_mpi.rank == 0 ? log : NULL, f, 0, 0, vc->mc ? vc : NULL};
    cli_progress_init(&p, g_mpi.rank == 0 ? c->verbosity : 0, 1, o.epochs, n_all - f->n_val,
                      o.batch_size ? o.batch_size : 1);
    if (t.log != NULL)
        fputs(CLI_LOG_HEADER "\n", t.log);
    o.on_batch = NULL;
    o.on_epoch = cli_fit_on_epoch;
    o.ctx      = &t;
    mlpb_dataset  shard = {d->x, d->y, NULL, d->n};
    mlpb_mpi_opts mo    = {0};
    *st = mlpb_mpi_train(f->model, &shard, NULL, &o, &mo, MPI_COMM_WORLD, NULL, r);
    cli_progress_clear(&p);
    *used = o;
    f->report       = r->train;
    f->n_val        = r->n_val;
    f->n_first      = r->n_train;
    f->refit_epochs = r->train.refit_epochs;
    f->n_train      = f->refit_epochs > 0 ? n_all : r->n_train;
    f->rows_seen    = (double)r->n_train * (double)r->train.epochs_run +
                   (double)n_all * (double)f->refit_epochs;
    /* The best epoch's record with the tool's class metrics, from the
     * history. */
    for (size_t i = 0; i < f->n_hist; i++)
        if (f->hist[i].epoch == r->train.best_epoch)
            f->report.best = f->hist[i];
    return t.failed ? cli_fail("mlpblas: out of memory for the training history") : CLI_OK;
}

int cli_mpi_train(cli_data *d, size_t n_all, const cli_train_cfg *c, FILE *log, cli_fit *f)
{
    memset(f, 0, sizeof *f);
    f->k     = d->k;
    f->ranks = g_mpi.size;
    size_t sizes[CLI_MAX_HIDDEN + 2], ns = 0;
    sizes[ns++] = d->d;
    for (size_t i = 0; i < c->n_hidden; i++)
        sizes[ns++] = c->hidden[i];
    sizes[ns++] = d->k;

    unsigned char  *pick   = malloc(d->n ? d->n : 1);
    float          *vx = NULL, *vy = NULL, *pw = malloc((d->k ? d->k : 1) * sizeof(float));
    size_t          n_pick = 0, n_val = 0;
    cli_val_classes vc;
    memset(&vc, 0, sizeof vc);
    cli_train_cfg cc = *c;
    int rc = pick == NULL || pw == NULL ? cli_fail("mlpblas: out of memory") : CLI_OK;
    f->pos_weight = pw;
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto fail;
    if (c->val_split > 0.0 && (rc = split_rows(d, c, pick, &n_pick, &n_val)) != CLI_OK)
        goto fail;
    if (n_val == 0) {
        cc.val_split = 0.0;
        memset(pick, 0, d->n);
    }
    f->n_val = n_val;
    if ((rc = budget(d, n_all, n_val, n_pick, &cc, sizes, ns)) != CLI_OK)
        goto fail;
    if (n_val > 0)
        rc = cli_fit_val_rows(d, pick, n_pick, &vx, &vy);
    if (rc == CLI_OK)
        rc = cli_fit_pos_weights(d, pick, n_all - n_val, c, reduce_positives, pw);
    mlpb_config cfg = {sizes, ns, c->seed, CLI_INIT};
    mlpb_status st  = MLPB_OK;
    if (rc == CLI_OK && (st = mlpb_model_create(&cfg, NULL, &f->model)) != MLPB_OK)
        rc = cli_fail("mlpblas: cannot create the model: %s", mlpb_strerror(st));
    if (rc == CLI_OK && n_val > 0)
        rc = cli_fit_chosen_alloc(f);
    if (rc == CLI_OK && c->class_metrics && n_val > 0) {
        rc        = cli_val_classes_init(&vc, f->model, vx, vy, n_pick, d->k);
        vc.reduce = reduce_counts;
    }
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto fail;

    mlpb_mpi_report r;
    mlpb_train_opts o;
    double          t0 = cli_now();
    rc = run_training(d, n_all, &cc, log, f, &vc, &o, &st, &r);
    cli_val_classes_free(&vc);
    if (rc == CLI_OK && st != MLPB_OK)
        rc = train_error(st, &r);
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto fail;
    /* The class metrics of the model that chose the epochs, as cli_train
     * reports them; then the other members of an ensemble. */
    if (c->class_metrics && n_val > 0 && (rc = val_classes(f, vx, vy, n_pick)) != CLI_OK)
        goto fail;
    mlpb_dataset shard = {d->x, d->y, NULL, d->n};
    rc = cli_fit_members(f, c, &o, cli_fit_members_for(c, n_all), train_members, &shard);
    f->seconds = cli_now() - t0;
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto fail;
    free(pick);
    free(vx);
    free(vy);
    return CLI_OK;
fail:
    cli_val_classes_free(&vc);
    free(pick);
    free(vx);
    free(vy);
    cli_fit_free(f);
    return rc;
}
