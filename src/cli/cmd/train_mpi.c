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
/* The rows cli_train holds out: its stratified split's count per class
 * of the first output, from the global class counts. */
static size_t held_out(double fraction, size_t count)
{
    return (size_t)floor(fraction * (double)count + 0.5);
}

/* The failure of a run as a message (held), in cli_train's words. */
static int train_error(mlpb_status st, const mlpb_mpi_report *r, int refit)
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
                        t->fail_batch, refit ? " of the refit" : "", who);
    return cli_fail("mlpblas: training failed: %s%s", mlpb_strerror(st), who);
}

/* Class metrics: every rank's confusion counts added (cli_val_classes). */
static void reduce_counts(size_t *counts, size_t n)
{
    MPI_Datatype t = sizeof(size_t) == sizeof(unsigned long) ? MPI_UNSIGNED_LONG
                                                             : MPI_UNSIGNED_LONG_LONG;
    MPI_Allreduce(MPI_IN_PLACE, counts, (int)n, t, MPI_SUM, MPI_COMM_WORLD);
}

/* The validation rows of this rank: those cli_train's split
 * (cli_data_split_pick) holds out of the rows of all ranks in file order,
 * so that --mpi validates on the rows one process would. pick gets d->n
 * bytes; *n_pick this rank's count, *n_val all ranks'. */
static int split_rows(const cli_data *d, size_t n_all, const cli_train_cfg *c,
                      unsigned char *pick, size_t *n_pick, size_t *n_val)
{
    unsigned char *mine = malloc(d->n ? d->n : 1), *all = NULL, *gpick = NULL;
    int           *counts = NULL, *displs = NULL;
    float         *y = NULL;
    int            rc = mine == NULL ? cli_fail("mlpblas: out of memory") : CLI_OK;
    *n_pick = *n_val = 0;
    for (size_t i = 0; rc == CLI_OK && i < d->n; i++)
        mine[i] = d->y[i * d->k] >= 0.5f;
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto out;
    if ((rc = allgather_bytes(mine, d->n, &all, &counts, &displs)) != CLI_OK)
        goto out;
    y     = malloc(n_all * sizeof(float));
    gpick = malloc(n_all ? n_all : 1);
    if (y == NULL || gpick == NULL)
        rc = cli_fail("mlpblas: out of memory");
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto out;
    for (size_t i = 0; i < n_all; i++)
        y[i] = all[i];
    cli_data   g;
    float       x0 = 0.0f;
    memset(&g, 0, sizeof g);
    g.n = n_all, g.k = 1, g.x = &x0, g.y = y;
    mlpb_status st = cli_data_split_pick(&g, c->val_split, c->seed, gpick, n_val);
    if (st == MLPB_E_NOMEM)
        rc = cli_fail("mlpblas: out of memory");
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto out;
    if (st != MLPB_OK) {
        *n_val = 0;
        if (c->verbosity > 0 && g_mpi.rank == 0)
            fprintf(stderr, "mlpblas: too few rows to hold %.0f%% out for validation; "
                            "training without early stopping\n", c->val_split * 100.0);
        goto out;
    }
    memcpy(pick, gpick + displs[g_mpi.rank], d->n);
    for (size_t i = 0; i < d->n; i++)
        *n_pick += pick[i];
out:
    free(mine);
    free(all);
    free(counts);
    free(displs);
    free(y);
    free(gpick);
    return rc;
}

/* The class metrics of f->model on this rank's validation rows (d's last
 * n_pick rows), summed over the ranks, into f->val_mc. */
static int val_classes(cli_fit *f, const cli_data *d, size_t n_pick)
{
    cli_val_classes v;
    const size_t    n0 = d->n - n_pick;
    int rc = cli_val_classes_init(&v, f->model, d->x + n0 * d->d, d->y + n0 * d->k, n_pick,
                                  d->k);
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        return rc;
    memset(v.mc->confusion, 0, d->k * d->k * sizeof(size_t));
    if (n_pick > 0 && mlpb_predict(f->model, v.ws, v.x, n_pick, v.prob) != MLPB_OK)
        rc = cli_fail("mlpblas: prediction failed");
    if (rc == CLI_OK && n_pick > 0)
        cli_mc_count(v.mc, v.prob, NULL, v.y, n_pick);
    if ((rc = cli_mpi_agree(rc)) == CLI_OK) {
        reduce_counts(v.mc->confusion, d->k * d->k);
        cli_mc_finish(v.mc);
        f->val_mc = v.mc; /* taken */
        v.mc      = NULL;
    }
    cli_val_classes_free(&v);
    return rc;
}

/* --pos-weight auto as cli_train's: negatives over positives of each output
 * among the training rows of all ranks (n_tr of them; this rank's are the
 * first n_mine rows of d, its validation rows moved after them). */
static int pos_weights(const cli_data *d, size_t n_mine, size_t n_tr, const cli_train_cfg *c,
                       float *pw)
{
    if (c->pos_weight != 0.0f)
        return CLI_OK;
    uint64_t *pos = calloc(d->k ? d->k : 1, sizeof(uint64_t));
    int       rc  = cli_mpi_agree(pos == NULL ? cli_fail("mlpblas: out of memory") : CLI_OK);
    if (rc != CLI_OK) {
        free(pos);
        return rc;
    }
    for (size_t i = 0; i < n_mine; i++)
        for (size_t l = 0; l < d->k; l++)
            pos[l] += d->y[i * d->k + l] >= 0.5f;
    MPI_Allreduce(MPI_IN_PLACE, pos, (int)d->k, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    for (size_t l = 0; l < d->k; l++) {
        const size_t p = (size_t)pos[l];
        pw[l]          = p > 0 && p < n_tr ? (float)(n_tr - p) / (float)p : 1.0f;
    }
    free(pos);
    return CLI_OK;
}

/* The global counts (the positives of the first output: the split's
 * classes; f->pos_weight allocated, pos_weights fills it), the validation rows of all
 * ranks (*n_val) and the memory budget of this rank. CLI_OK or the agreed
 * failure. */
static int plan(const cli_data *d, size_t n_all, const cli_train_cfg *c, const size_t *sizes,
                size_t ns, cli_fit *f, size_t *n_val_out)
{
    uint64_t      *pos  = calloc(d->k ? d->k : 1, sizeof(uint64_t));
    uint64_t      *gpos = calloc(d->k ? d->k : 1, sizeof(uint64_t));
    float         *pw   = malloc((d->k ? d->k : 1) * sizeof(float));
    int            rc   = CLI_OK;
    size_t         n_val = 0;
    if (pos == NULL || gpos == NULL || pw == NULL)
        rc = cli_fail("mlpblas: out of memory");
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto out;
    for (size_t i = 0; i < d->n; i++)
        for (size_t l = 0; l < d->k; l++)
            pos[l] += d->y[i * d->k + l] >= 0.5f;
    MPI_Allreduce(pos, gpos, (int)d->k, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (c->val_split > 0.0)
        n_val = held_out(c->val_split, n_all - (size_t)gpos[0]) +
                held_out(c->val_split, (size_t)gpos[0]);
    if (n_val >= n_all)
        n_val = 0;
    for (size_t l = 0; l < d->k; l++)
        pw[l] = c->pos_weight; /* auto (0): counted on the training rows, pos_weights */
    f->pos_weight = pw;
    pw            = NULL;

    /* This rank's memory: its rows, the model and the trainer's buffers for
     * its share (mlpb_train_memory on this rank's rows, an upper bound of
     * the batch it computes), plus what mlpb_mpi_train keeps for the global
     * rows (the row index, 8 bytes, and its split, 2 bytes a row; rank 0 the
     * validation probabilities and labels of all ranks), the split made here
     * (a class byte, a float, a pick byte and an index of 8 bytes a global
     * row), the buffer that moves the validation rows and, for a class
     * column, each epoch's class metrics on them. */
    size_t my_val = n_val < d->n ? n_val : d->n;
    double extra  = 10.0 * (double)n_all + (n_val > 0 ? 14.0 * (double)n_all : 0.0) +
                   4.0 * (double)(d->d + d->k) * (double)my_val;
    if (g_mpi.rank == 0)
        extra += 8.0 * (double)d->k * (double)n_val;
    if (c->class_metrics && n_val > 0)
        extra += cli_val_classes_bytes(sizes, ns, my_val);
    if (cli_check_budget(d, sizes, ns, c, d->n ? d->n : 1, 0, extra) != 0)
        rc = CLI_EDATA;
    rc         = cli_mpi_agree(rc);
    *n_val_out = n_val;
out:
    free(pos);
    free(gpos);
    free(pw);
    return rc;
}

int cli_mpi_train(cli_data *d, size_t n_all, const cli_train_cfg *c, FILE *log, cli_fit *f)
{
    memset(f, 0, sizeof *f);
    f->k     = d->k;
    f->ranks = g_mpi.size;
    int rc   = CLI_OK;
    size_t sizes[CLI_MAX_HIDDEN + 2], ns = 0;
    sizes[ns++] = d->d;
    for (size_t i = 0; i < c->n_hidden; i++)
        sizes[ns++] = c->hidden[i];
    sizes[ns++] = d->k;

    unsigned char *pick   = malloc(d->n ? d->n : 1);
    size_t         n_pick = 0, n_val = 0;
    int            parted = 0; /* d's validation rows moved last */
    cli_val_classes vc;
    memset(&vc, 0, sizeof vc);
    if (pick == NULL)
        rc = cli_fail("mlpblas: out of memory");
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto fail;
    if ((rc = plan(d, n_all, c, sizes, ns, f, &n_val)) != CLI_OK)
        goto fail;
    if (n_val > 0 && (rc = split_rows(d, n_all, c, pick, &n_pick, &n_val)) != CLI_OK)
        goto fail;
    if (n_val > 0) {
        if (cli_data_partition(d, pick, n_pick) == MLPB_OK)
            parted = 1;
        else
            rc = cli_fail("mlpblas: out of memory");
    }
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto fail;
    if ((rc = pos_weights(d, d->n - n_pick, n_all - n_val, c, f->pos_weight)) != CLI_OK)
        goto fail;
    mlpb_config cfg = {sizes, ns, c->seed, CLI_INIT};
    mlpb_status st  = mlpb_model_create(&cfg, NULL, &f->model);
    if (st != MLPB_OK)
        rc = cli_fail("mlpblas: cannot create the model: %s", mlpb_strerror(st));
    if (rc == CLI_OK && c->class_metrics && n_val > 0) {
        const size_t n0 = d->n - n_pick;
        rc = cli_val_classes_init(&vc, f->model, d->x + n0 * d->d, d->y + n0 * d->k, n_pick,
                                  d->k);
        vc.reduce = reduce_counts;
    }
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto fail;

    size_t n_tr = n_all - n_val;
    mlpb_train_opts o = c->opts;
    o.seed            = c->seed;
    o.val_fraction    = 0.0f; /* the split is made here, as cli_train's */
    o.pos_weight      = c->pos_weight == 1.0f ? NULL : f->pos_weight;
    cli_set_schedule(&o, n_tr, c->opts.epochs);
    f->n_train = n_tr;

    /* Epoch lines only (no per-batch bar: it would cost two reductions a
     * batch), from rank 0; every rank keeps the same history. */
    cli_progress  p;
    cli_train_ctx t = {&p, g_mpi.rank == 0 ? log : NULL, f, 0, 0, vc.mc ? &vc : NULL};
    cli_progress_init(&p, g_mpi.rank == 0 ? c->verbosity : 0, 1, o.epochs, n_tr,
                      o.batch_size ? o.batch_size : 1);
    if (t.log != NULL)
        fputs(CLI_LOG_HEADER "\n", t.log);
    o.on_batch = NULL;
    o.on_epoch = cli_fit_on_epoch;
    o.ctx      = &t;

    mlpb_dataset    shard = {d->x, d->y, NULL, d->n - n_pick};
    mlpb_dataset    val   = {n_pick ? d->x + (d->n - n_pick) * d->d : NULL,
                             n_pick ? d->y + (d->n - n_pick) * d->k : NULL, NULL, n_pick};
    mlpb_mpi_opts   mo    = {0};
    mlpb_mpi_report r;
    double          t0 = cli_now();
    st = mlpb_mpi_train(f->model, &shard, n_val > 0 ? &val : NULL, &o, &mo, MPI_COMM_WORLD,
                        NULL, &r);
    t.classes          = NULL;
    cli_val_classes_free(&vc);
    f->report          = r.train;
    f->n_val           = r.n_val;
    f->n_train         = r.n_train;
    f->rows_seen       = (double)r.n_train * (double)r.train.epochs_run;
    f->n_first         = r.n_train;
    /* The best epoch's record (metrics included) from the history, which
     * mlpb_mpi_train does not fill in. */
    for (size_t i = 0; i < f->n_hist; i++)
        if (f->hist[i].epoch == r.train.best_epoch)
            f->report.best = f->hist[i];
    /* The class metrics of the model that chose the epochs (restore_best
     * put the best epoch's parameters back), as cli_train reports them. */
    if (st == MLPB_OK && !t.failed && c->class_metrics && r.n_val > 0 &&
        (rc = val_classes(f, d, n_pick)) != CLI_OK)
        goto fail;
    /* File order again, for the refit (its shuffling is that of the rows in
     * file order). */
    if (parted && cli_data_unpartition(d, pick, n_pick) != MLPB_OK)
        rc = cli_fail("mlpblas: out of memory putting the rows back in order");
    parted = 0;
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto fail;
    int refit          = 0;
    /* The refit, as cli_train's: the same initial parameters on every rank,
     * trained on all rows of all ranks for the chosen epoch count. */
    if (st == MLPB_OK && !t.failed && c->opts.refit && r.n_val > 0 && r.train.best_epoch > 0 &&
        !r.train.stopped_by_callback) {
        refit          = 1;
        cli_set_schedule(&o, n_all, r.train.best_epoch);
        st          = mlpb_model_init(f->model, CLI_INIT, c->seed);
        t.refitting = 1;
        mlpb_mpi_report r2;
        shard.n = d->n;
        if (st == MLPB_OK)
            st = mlpb_mpi_train(f->model, &shard, NULL, &o, &mo, MPI_COMM_WORLD, NULL, &r2);
        if (st == MLPB_OK) {
            f->refit_epochs = r2.train.epochs_run;
            f->n_train      = r2.n_train;
            f->rows_seen += (double)r2.n_train * (double)r2.train.epochs_run;
        } else {
            r = r2;
        }
    }
    f->seconds = cli_now() - t0;
    cli_progress_clear(&p);
    if (st != MLPB_OK)
        rc = train_error(st, &r, refit);
    else if (t.failed)
        rc = cli_fail("mlpblas: out of memory for the training history");
    if ((rc = cli_mpi_agree(rc)) != CLI_OK)
        goto fail;
    free(pick);
    return CLI_OK;
fail:
    cli_val_classes_free(&vc);
    /* d in file order again, whatever failed (every rank agreed to stop). */
    if (parted)
        (void)cli_data_unpartition(d, pick, n_pick);
    free(pick);
    cli_fit_free(f);
    return rc;
}
