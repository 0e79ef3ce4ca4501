/* mpi_step.c -- the data-parallel pass: local forward and backward on this
 * rank's rows of a global batch, weighted so that the ranks' gradients sum to
 * the global batch mean, then one MPI_Allreduce over the gradient arena (or,
 * overlapped, an MPI_Iallreduce of the output layer started from the
 * backward pass's grad-ready hook and one MPI_Allreduce of the rest). A rank
 * that fails still takes part in every reduction, with a NaN in its arena, so
 * that every rank sees a non-finite sum and no rank waits for it. */
#include "mpi_internal.h"

#include <math.h>
#include <string.h>
#include <time.h>

struct mlpb_mpi {
    mlpb_allocator alloc;
    bool      has_alloc;
    MPI_Comm  comm;       /* a duplicate of the caller's */
    int       rank, size;
    uint64_t  arch;       /* mlpbm__arch_hash of the model */
    size_t    max_batch;
    size_t    n_params;
    size_t    n_layers;
    size_t    tail_off;   /* offset of the output layer's dW in the arena */
    float    *sw;         /* max_batch row weights */
    float    *spare;      /* n_params: the overlapped receive buffer, and the
                             stand-in arena of a rank with no usable model */
    int       overlap;
    /* One pass in flight (overlap). */
    MPI_Request req;
    bool      started;
    float    *grads;
    double    comm_s;
    uint64_t  steps;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const mlpb_allocator *alloc_of(const mlpb_mpi *c)
{
    return c->has_alloc ? &c->alloc : NULL;
}

mlpb_status mlpb_mpi_create(MPI_Comm comm, const mlpb_model *m, size_t max_batch,
                            const mlpb_allocator *alloc, mlpb_mpi **out)
{
    mlpb_status st = MLPB_OK;
    if (out != NULL)
        *out = NULL;
    if (m == NULL || out == NULL || max_batch == 0 || max_batch > SIZE_MAX / sizeof(float))
        st = MLPB_E_INVALID_ARG;
    mlpb_mpi *c = NULL;
    if (st == MLPB_OK) {
        c = mlpbm__alloc(alloc, sizeof *c);
        if (c == NULL)
            st = MLPB_E_NOMEM;
    }
    if (c != NULL) {
        memset(c, 0, sizeof *c);
        if (alloc != NULL && alloc->alloc != NULL) {
            c->alloc = *alloc;
            c->has_alloc = true;
        }
        size_t np;
        (void)mlpb_model_grads(m, &np);
        c->n_params = np;
        c->n_layers = mlpb_model_n_layers(m);
        c->max_batch = max_batch;
        c->arch = mlpbm__arch_hash(m);
        /* The arena is packed, W0 b0 W1 b1 ... (mlpblas.h): the output
         * layer's dW starts after the others' weights and biases. */
        size_t ns;
        const size_t *sizes = mlpb_model_sizes(m, &ns);
        for (size_t l = 0; l + 2 < ns; l++)
            c->tail_off += sizes[l] * sizes[l + 1] + sizes[l + 1];
        c->sw = mlpbm__alloc(alloc, max_batch * sizeof(float));
        c->spare = np <= SIZE_MAX / sizeof(float) ? mlpbm__alloc(alloc, np * sizeof(float))
                                                   : NULL;
        if (c->sw == NULL || c->spare == NULL)
            st = MLPB_E_NOMEM;
    }
    st = mlpb_mpi_agree(st, comm, NULL);
    if (st == MLPB_OK && !mlpbm__same_everywhere(c->arch, comm))
        st = MLPB_E_INVALID_ARG;
    if (st != MLPB_OK) {
        if (c != NULL) {
            mlpbm__free(alloc, c->sw);
            mlpbm__free(alloc, c->spare);
            mlpbm__free(alloc, c);
        }
        return st;
    }
    MPI_Comm_dup(comm, &c->comm);
    MPI_Comm_rank(c->comm, &c->rank);
    MPI_Comm_size(c->comm, &c->size);
    *out = c;
    return MLPB_OK;
}

void mlpb_mpi_destroy(mlpb_mpi *c)
{
    if (c == NULL)
        return;
    MPI_Comm_free(&c->comm);
    const mlpb_allocator *a = alloc_of(c);
    const mlpb_allocator copy = c->alloc;
    mlpbm__free(a, c->sw);
    mlpbm__free(a, c->spare);
    mlpbm__free(a == NULL ? NULL : &copy, c);
}

int mlpb_mpi_rank(const mlpb_mpi *c)
{
    return c == NULL ? -1 : c->rank;
}

int mlpb_mpi_size(const mlpb_mpi *c)
{
    return c == NULL ? 0 : c->size;
}

mlpb_status mlpb_mpi_set_overlap(mlpb_mpi *c, int on)
{
    /* The output layer goes in one call (counts are int). */
    if (c == NULL || (on && c->n_params - c->tail_off > MLPBM_MPI_CHUNK))
        return MLPB_E_INVALID_ARG;
    c->overlap = on != 0;
    return MLPB_OK;
}

double mlpb_mpi_comm_seconds(const mlpb_mpi *c)
{
    return c == NULL ? 0.0 : c->comm_s;
}

uint64_t mlpb_mpi_steps(const mlpb_mpi *c)
{
    return c == NULL ? 0 : c->steps;
}

/* The output layer's slice [tail_off, n_params) of the arena, summed into
 * spare's slice (in place when the arena is spare itself). */
static void start_tail(mlpb_mpi *c)
{
    const size_t n = c->n_params - c->tail_off;
    const double t0 = now_s();
    float *recv = c->spare + c->tail_off;
    if (c->grads == c->spare)
        MPI_Iallreduce(MPI_IN_PLACE, recv, (int)n, MPI_FLOAT, MPI_SUM, c->comm, &c->req);
    else
        MPI_Iallreduce(c->grads + c->tail_off, recv, (int)n, MPI_FLOAT, MPI_SUM, c->comm,
                       &c->req);
    c->started = true;
    c->comm_s += now_s() - t0;
}

/* The backward pass's hook: the output layer starts the reduction, the
 * layers below it give MPI a chance to progress it. */
static void on_grad_ready(size_t layer, void *ctx)
{
    mlpb_mpi *c = ctx;
    if (layer == c->n_layers - 1) {
        start_tail(c);
    } else if (c->started) {
        int done;
        const double t0 = now_s();
        MPI_Test(&c->req, &done, MPI_STATUS_IGNORE);
        c->comm_s += now_s() - t0;
        if (done)
            c->req = MPI_REQUEST_NULL;
    }
}

mlpb_status mlpb_mpi_loss_grad(mlpb_mpi *c, mlpb_model *m, mlpb_workspace *ws,
                               const float *x, const float *y, size_t n, size_t n_global,
                               const mlpb_loss_weights *w, float *loss, int *fail_rank)
{
    if (fail_rank != NULL)
        *fail_rank = -1;
    if (c == NULL)
        return MLPB_E_INVALID_ARG; /* nothing to communicate with */
    mlpb_status st = MLPB_OK;
    size_t np = 0;
    float *grads = mlpb_model_grads_mut(m, &np);
    if (m == NULL || np != c->n_params || mlpbm__arch_hash(m) != c->arch) {
        /* Take part with the stand-in arena. */
        grads = c->spare;
        st = MLPB_E_INVALID_ARG;
    } else if (n > c->max_batch || n > n_global || (n > 0 && (x == NULL || y == NULL))) {
        st = MLPB_E_INVALID_ARG;
    }
    c->grads = grads;
    c->started = false;
    c->req = MPI_REQUEST_NULL;
    float share = 0.0f;
    if (st == MLPB_OK && n > 0) {
        /* Row weights n / n_global: mlpb_loss_grad divides by this rank's n,
         * the global mean by n_global. */
        const float scale = (float)((double)n / (double)n_global);
        const float *sw = w == NULL ? NULL : w->sample_weight;
        for (size_t i = 0; i < n; i++)
            c->sw[i] = (sw == NULL ? 1.0f : sw[i]) * scale;
        const mlpb_loss_weights lw = {w == NULL ? NULL : w->pos_weight, c->sw};
        /* ws NULL: mlpb_loss_grad_weighted says so. */
        const bool hook = c->overlap && ws != NULL;
        if (hook)
            (void)mlpb_workspace_set_grad_ready(ws, on_grad_ready, c);
        st = mlpb_loss_grad_weighted(m, ws, x, y, n, &lw, &share);
        if (hook)
            (void)mlpb_workspace_set_grad_ready(ws, NULL, NULL);
    } else if (st == MLPB_OK) {
        memset(grads, 0, np * sizeof(float));
    }
    if (st != MLPB_OK)
        grads[0] = NAN; /* every rank's sum turns non-finite */

    double t0;
    if (c->overlap) {
        if (!c->started)
            start_tail(c);
        t0 = now_s();
        mlpbm__allreduce_floats(grads, c->tail_off, c->comm);
        MPI_Wait(&c->req, MPI_STATUS_IGNORE);
        if (grads != c->spare)
            memcpy(grads + c->tail_off, c->spare + c->tail_off,
                   (c->n_params - c->tail_off) * sizeof(float));
    } else {
        t0 = now_s();
        mlpbm__allreduce_floats(grads, c->n_params, c->comm);
    }
    c->comm_s += now_s() - t0;
    c->steps++;

    /* The sums are the same on every rank, so is this test. */
    if (!mlpbm__all_finite(c->n_params, grads)) {
        int fr;
        const mlpb_status agreed = mlpb_mpi_agree(st, c->comm, &fr);
        if (fail_rank != NULL)
            *fail_rank = fr;
        return agreed == MLPB_OK ? MLPB_E_NUMERIC : agreed;
    }
    if (loss != NULL)
        *loss = share;
    return MLPB_OK;
}
