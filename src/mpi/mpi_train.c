/* mpi_train.c -- mlpb_train across the ranks of a communicator: the core's
 * one trainer (mlpb_train_ex) with MPI behind its hooks. Every rank runs the
 * trainer on the global rows; the hooks sum what must be summed (reduced on
 * rank 0 and broadcast, so that every rank holds the same bits), gather the
 * split's class keys and the validation probabilities, compute each global
 * batch's gradient with mlpb_mpi_loss_grad, and agree on failures. */
#include "mpi_internal.h"
#include "../reserved.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* What the hooks share. */
typedef struct mpi_ctx {
    MPI_Comm  comm;
    mlpb_mpi *c;
    int       rank, size;
    int      *counts, *displs; /* the Allgatherv layout: size each */
    int       fail_rank;       /* the rank of the first agreed failure; -1 */
} mpi_ctx;

static void hook_sum(double *v, size_t n, void *ctx)
{
    mpi_ctx *x = ctx;
    for (size_t i = 0; i < n; i += MLPBM_MPI_CHUNK) {
        const int c = (int)(n - i < MLPBM_MPI_CHUNK ? n - i : MLPBM_MPI_CHUNK);
        MPI_Reduce(x->rank == 0 ? MPI_IN_PLACE : v + i, v + i, c, MPI_DOUBLE, MPI_SUM, 0, x->comm);
        MPI_Bcast(v + i, c, MPI_DOUBLE, 0, x->comm);
    }
}

static mlpb_status hook_gather(void *all, size_t size, size_t n_local, size_t n_total,
                               void *ctx)
{
    mpi_ctx *x = ctx;
    /* Counts and displacements are ints of items of size bytes. */
    if (n_total > (size_t)INT_MAX || size > (size_t)INT_MAX)
        return MLPB_E_OVERFLOW; /* n_total and size are the same on every rank */
    const int mine = (int)n_local;
    MPI_Allgather(&mine, 1, MPI_INT, x->counts, 1, MPI_INT, x->comm);
    for (int r = 0, off = 0; r < x->size; r++) {
        x->displs[r] = off;
        off += x->counts[r];
    }
    MPI_Datatype item;
    MPI_Type_contiguous((int)size, MPI_BYTE, &item);
    MPI_Type_commit(&item);
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, x->counts, x->displs, item,
                   x->comm);
    MPI_Type_free(&item);
    return MLPB_OK;
}

static mlpb_status hook_loss_grad(mlpb_model *m, mlpb_workspace *ws, const float *xb,
                                  const float *y, size_t n, size_t n_global,
                                  const mlpb_loss_weights *w, float *loss, void *ctx)
{
    mpi_ctx *x = ctx;
    int fr = -1;
    const mlpb_status st = mlpb_mpi_loss_grad(x->c, m, ws, xb, y, n, n_global, w, loss, &fr);
    if (st != MLPB_OK && x->fail_rank < 0)
        x->fail_rank = fr;
    return st;
}

static mlpb_status hook_agree(mlpb_status local, void *ctx)
{
    mpi_ctx *x = ctx;
    int fr = -1;
    const mlpb_status st = mlpb_mpi_agree(local, x->comm, &fr);
    if (st != MLPB_OK && x->fail_rank < 0)
        x->fail_rank = fr;
    return st;
}

/* mlpb_train's argument checks that need no other rank, and the reserved
 * words of opts and mo (agreed before any other collective). */
static mlpb_status check_local(const mlpb_model *m, const mlpb_dataset *tr,
                               const mlpb_dataset *val, const mlpb_train_opts *o,
                               const mlpb_mpi_opts *mo)
{
    if (m == NULL || tr == NULL || o == NULL || o->batch_size == 0)
        return MLPB_E_INVALID_ARG;
    if (!MLPB_RESERVED_ZERO(o) || !MLPB_RESERVED_ZERO(&o->optim) ||
        (mo != NULL && !MLPB_RESERVED_ZERO(mo)))
        return MLPB_E_INVALID_ARG;
    const size_t d = mlpb_model_n_inputs(m), k = mlpb_model_n_outputs(m);
    const size_t w = d > k ? d : k;
    if (tr->n > SIZE_MAX / sizeof(float) / w ||
        (val != NULL && val->n > SIZE_MAX / sizeof(float) / w))
        return MLPB_E_OVERFLOW;
    return MLPB_OK;
}

/* What must be the same on every rank: the architecture, the options, and
 * whether there is a batch callback and overlap. */
static uint64_t opts_hash(const mlpb_model *m, const mlpb_train_opts *o,
                          const mlpb_mpi_opts *mo)
{
    uint64_t h = mlpbm__arch_hash(m);
    /* Both change which collectives a step runs. */
    const int coll[2] = {o->on_batch != NULL, mo != NULL && mo->overlap};
    h = mlpbm__hash(h, coll, sizeof coll);
    const size_t sz[3] = {o->epochs, o->batch_size, o->patience};
    h = mlpbm__hash(h, sz, sizeof sz);
    h = mlpbm__hash(h, &o->seed, sizeof o->seed);
    h = mlpbm__hash(h, &o->split_seed, sizeof o->split_seed);
    h = mlpbm__hash(h, &o->split_phase, sizeof o->split_phase);
    const float f[2] = {o->val_fraction, o->min_delta};
    h = mlpbm__hash(h, f, sizeof f);
    const int i[7] = {o->restore_best, o->standardize, (int)o->threading, o->pos_weight != NULL,
                      (int)o->precision, (int)o->gemm, o->refit};
    h = mlpbm__hash(h, i, sizeof i);
    const mlpb_optim_opts *q = &o->optim;
    const float qf[9] = {q->lr, q->momentum, q->beta1, q->beta2, q->rho, q->eps,
                         q->weight_decay, q->clip_norm, q->gamma};
    h = mlpbm__hash(h, qf, sizeof qf);
    const uint64_t qu[5] = {(uint64_t)q->kind, (uint64_t)q->schedule, q->step_size, q->t_max,
                            q->warmup};
    h = mlpbm__hash(h, qu, sizeof qu);
    h = mlpbm__hash(h, &q->lr_min, sizeof q->lr_min);
    if (o->pos_weight != NULL)
        h = mlpbm__hash(h, o->pos_weight, mlpb_model_n_outputs(m) * sizeof(float));
    return h;
}

/* The global layout: this rank's rows are [lo[0], lo[0] + shard->n) of
 * tot[0]; the same for the validation sets in lo[1], tot[1]. */
static void layout_of(const mlpb_dataset *shard, const mlpb_dataset *val, MPI_Comm comm,
                      unsigned long long lo[2], unsigned long long tot[2])
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    unsigned long long mine[2] = {shard->n, val != NULL ? val->n : 0};
    lo[0] = lo[1] = 0;
    MPI_Exscan(mine, lo, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm);
    if (rank == 0)
        lo[0] = lo[1] = 0; /* Exscan leaves rank 0's undefined */
    MPI_Allreduce(mine, tot, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm);
}

/* The hooks' context on comm (counts allocated from alloc). */
static mlpb_status ctx_init(mpi_ctx *x, MPI_Comm comm, const mlpb_allocator *alloc)
{
    memset(x, 0, sizeof *x);
    x->comm = comm;
    x->fail_rank = -1;
    MPI_Comm_rank(comm, &x->rank);
    MPI_Comm_size(comm, &x->size);
    x->counts = mlpbm__alloc(alloc, 2 * (size_t)x->size * sizeof(int));
    if (x->counts != NULL)
        x->displs = x->counts + x->size;
    return mlpb_mpi_agree(x->counts != NULL ? MLPB_OK : MLPB_E_NOMEM, comm, NULL);
}

mlpb_status mlpb_mpi_train_split(const mlpb_dataset *shard, size_t n_outputs,
                                 float val_fraction, uint64_t seed, MPI_Comm comm,
                                 const mlpb_allocator *alloc, unsigned char *pick,
                                 size_t *n_val)
{
    MLPBM_TRY_AGREED(shard == NULL ? MLPB_E_INVALID_ARG : MLPB_OK, comm);
    unsigned long long lo[2], tot[2];
    layout_of(shard, NULL, comm, lo, tot);
    mpi_ctx x;
    mlpb_status st = ctx_init(&x, comm, alloc);
    if (st != MLPB_OK)
        return st;
    const mlpb_train_comm tc = {.n_total = (size_t)tot[0], .offset = (size_t)lo[0],
                                .sum = hook_sum, .gather = hook_gather,
                                .loss_grad = hook_loss_grad, .agree = hook_agree, .ctx = &x};
    st = mlpb_train_split_ex(shard, n_outputs, val_fraction, seed, &tc, alloc, pick, n_val);
    mlpbm__free(alloc, x.counts);
    return st;
}

mlpb_status mlpb_mpi_train(mlpb_model *m, const mlpb_dataset *shard, const mlpb_dataset *val,
                           const mlpb_train_opts *opts, const mlpb_mpi_opts *mopts,
                           MPI_Comm comm, const mlpb_allocator *alloc, mlpb_mpi_report *report)
{
    MLPBM_TRY_AGREED(check_local(m, shard, val, opts, mopts), comm);
    if (!mlpbm__same_everywhere(opts_hash(m, opts, mopts), comm))
        return MLPB_E_INVALID_ARG;

    unsigned long long lo[2], tot[2];
    layout_of(shard, val, comm, lo, tot);
    if (tot[0] == 0)
        return MLPB_E_INVALID_ARG;

    /* The most rows this rank passes to one gradient: a batch, the refit's
     * included, of at most batch_size rows. */
    const size_t n_all = (size_t)tot[0];
    const size_t max_batch = opts->batch_size < n_all ? opts->batch_size : n_all;
    mpi_ctx x;
    mlpb_status st = ctx_init(&x, comm, alloc);
    if (st != MLPB_OK)
        return st;
    if ((st = mlpb_mpi_create(comm, m, max_batch, alloc, &x.c)) == MLPB_OK && mopts != NULL &&
        mopts->overlap)
        st = mlpb_mpi_set_overlap(x.c, 1); /* the same on every rank: the same model */
    if (st == MLPB_OK)
        st = mlpb_mpi_bcast_model(m, 0, comm);

    mlpb_mpi_report rep;
    memset(&rep, 0, sizeof rep);
    if (st == MLPB_OK) {
        const mlpb_train_comm tc = {.n_total = n_all, .offset = (size_t)lo[0],
                                    .val_n_total = (size_t)tot[1], .val_offset = (size_t)lo[1],
                                    .sum = hook_sum, .gather = hook_gather,
                                    .loss_grad = hook_loss_grad, .agree = hook_agree,
                                    .ctx = &x};
        st = mlpb_train_ex(m, shard, tot[1] > 0 ? val : NULL, opts, &tc, alloc, &rep.train);
    }
    rep.fail_rank = st == MLPB_OK ? -1 : x.fail_rank;
    rep.n_train = rep.train.n_train;
    rep.n_val = rep.train.n_val;
    if (x.c != NULL) {
        rep.steps = mlpb_mpi_steps(x.c);
        rep.comm_seconds = mlpb_mpi_comm_seconds(x.c);
    }
    if (report != NULL)
        *report = rep;
    mlpb_mpi_destroy(x.c);
    mlpbm__free(alloc, x.counts);
    return st;
}
