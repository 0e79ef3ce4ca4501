#ifndef MLPBLAS_MPI_H
#define MLPBLAS_MPI_H
/* mlpblas_mpi.h -- the public API of libmlpblas_mpi: data-parallel training of
 * an mlpblas model across the processes of an MPI communicator. Optional: the
 * core library (mlpblas.h) never depends on MPI; this library links both.
 *
 * Synchronous data parallelism. Every rank holds the whole model and a shard
 * of the rows; shards are contiguous in rank order, so that rank 0's rows,
 * then rank 1's, ... form the global data set. After each local backward pass
 * the gradients of all parameters are summed with one MPI_Allreduce over the
 * model's single gradient arena, and every rank applies the same optimiser
 * step, so the parameters stay identical on every rank.
 *
 * How a global batch is split: training follows mlpb_train exactly on the
 * global rows -- the same seeded validation split and the same per-epoch
 * shuffle of the global row index, cut into global batches of batch_size rows
 * -- and each rank computes the rows of each global batch that it holds. A
 * rank with n of the batch's B rows weights its rows' loss by n / B, so that
 * the sum over ranks is the single-process mean over B rows (mlpb_loss_grad
 * divides by its own n). The price is that ranks share a batch in proportion
 * to the rows they hold of it (random, about B / P each), and that every rank
 * keeps the global row index (8 bytes a training row).
 *
 * Collective calls: every function here that takes a communicator or an
 * mlpb_mpi is collective over it and returns the same status on every rank;
 * a rank that fails (bad arguments, memory, non-finite data or gradients)
 * makes every rank return that rank's error, never a hang. MPI errors
 * themselves use the communicator's error handler (MPI_ERRORS_ARE_FATAL by
 * default: the job is aborted). */
#include <mpi.h>

#include "mlpblas.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Agree on a status: every rank passes its own, every rank gets the status
 * of the lowest-numbered rank whose status is not MLPB_OK (MLPB_OK when none
 * failed), and that rank's number in *fail_rank (may be NULL; -1 when none).
 * One MPI_Allreduce of one int. Collective over comm. */
MLPB_API mlpb_status mlpb_mpi_agree(mlpb_status local, MPI_Comm comm, int *fail_rank);

/* Copy rank root's parameters and standardisation to every rank (models of
 * the same architecture). Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, root
 * out of range, architectures that differ between ranks). */
MLPB_API mlpb_status mlpb_mpi_bcast_model(mlpb_model *m, int root, MPI_Comm comm);

/* mlpb_model_fit_standardization over the rows of all ranks: rank r passes
 * its n_r rows of x (n_r may be 0, x then may be NULL). The global mean and
 * population variance are exact two-pass statistics in double: sums and
 * counts are summed across ranks for the mean, then the centred sums of
 * squares around that global mean, so the result equals the single-process
 * fit on the concatenated rows up to the order of the double additions.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (no row on any rank), MLPB_E_NUMERIC
 * (a non-finite value on some rank), MLPB_E_NOMEM. */
MLPB_API mlpb_status mlpb_mpi_fit_standardization(mlpb_model *m, const float *x, size_t n,
                                                  MPI_Comm comm);

/* The BLAS thread count for each rank of comm so that the ranks on one node
 * divide its cores rather than each starting a thread per core: cores (when
 * cores <= 0, the lowest mlpb_blas_threads() of the node's ranks -- the BLAS
 * library's default, one a core unless OPENBLAS_NUM_THREADS says otherwise)
 * divided by the number of ranks of comm on this node (those that share its
 * memory, MPI_Comm_split_type with MPI_COMM_TYPE_SHARED), rounded down, at
 * least 1. Every rank of a node gets the same count. Sets nothing: pass the
 * count to mlpb_blas_set_threads. Collective over comm. */
MLPB_API int mlpb_mpi_node_threads(MPI_Comm comm, int cores);

/* ------------------------------------------------- the data-parallel step */
/* State for the data-parallel pass of one model architecture: a duplicate of
 * the communicator (so that its messages never mix with the caller's),
 * scratch for the row weights and for the overlapped reduction, and timers. */
typedef struct mlpb_mpi mlpb_mpi;

/* Collective. max_batch: the most rows this rank passes to one
 * mlpb_mpi_loss_grad. Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, max_batch 0,
 * models of different architectures), MLPB_E_NOMEM; *out is NULL on failure
 * on every rank. */
MLPB_API mlpb_status mlpb_mpi_create(MPI_Comm comm, const mlpb_model *m, size_t max_batch,
                                     const mlpb_allocator *alloc, mlpb_mpi **out);
/* Collective (frees the duplicate communicator); NULL is a no-op. */
MLPB_API void        mlpb_mpi_destroy(mlpb_mpi *c);
MLPB_API int         mlpb_mpi_rank(const mlpb_mpi *c);
MLPB_API int         mlpb_mpi_size(const mlpb_mpi *c);

/* Overlap: with on != 0 the output layer's gradients are summed with an
 * MPI_Iallreduce started as soon as the backward pass has them
 * (mlpb_workspace_set_grad_ready), while the hidden layers' gradients are
 * computed, and the rest with one MPI_Allreduce; off (the default), the
 * whole arena goes in one MPI_Allreduce. It must be the same on every rank
 * (the ranks' reductions must match). Returns MLPB_OK or MLPB_E_INVALID_ARG. */
MLPB_API mlpb_status mlpb_mpi_set_overlap(mlpb_mpi *c, int on);

/* One data-parallel forward and backward pass. This rank passes its n rows (n
 * may be 0, x and y then may be NULL; n <= max_batch) of a global batch of
 * n_global rows (the same on every rank, the sum of the ranks' n). On
 * MLPB_OK every rank's gradient arena holds the gradient of the global
 * batch's mean loss (w as in mlpb_loss_grad_weighted, w's sample weights for
 * this rank's rows), and *loss (may be NULL) this rank's share of that mean:
 * the shares of all ranks sum to it. The reduced gradient is checked for
 * finiteness, so the status is the same on every rank.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG, MLPB_E_NUMERIC (a non-finite input,
 * loss or gradient on some rank, or a sum that overflowed; the parameters
 * are unchanged), with the failing rank in *fail_rank (may be NULL; -1 when
 * no rank failed on its own, i.e. the sum overflowed). */
MLPB_API mlpb_status mlpb_mpi_loss_grad(mlpb_mpi *c, mlpb_model *m, mlpb_workspace *ws,
                                        const float *x, const float *y, size_t n,
                                        size_t n_global, const mlpb_loss_weights *w,
                                        float *loss, int *fail_rank);

/* Seconds this rank spent in the gradient reduction (MPI calls only: start,
 * wait and blocking reduction) and the number of steps since create. */
MLPB_API double      mlpb_mpi_comm_seconds(const mlpb_mpi *c);
MLPB_API uint64_t    mlpb_mpi_steps(const mlpb_mpi *c);

/* ----------------------------------------------------------- the trainer */
/* Options and report grow as mlpblas.h's "Structs that grow" says: zero the
 * whole options struct (`= {0}`; NULL means all defaults) before setting
 * fields; mlpb_mpi_train refuses nonzero reserved words (MLPB_E_INVALID_ARG)
 * and zeroes the report, reserved words included. */
typedef struct mlpb_mpi_opts {
    int      overlap;     /* mlpb_mpi_set_overlap (0) */
    uint64_t reserved[7]; /* zero */
} mlpb_mpi_opts;

typedef struct mlpb_mpi_report {
    mlpb_train_report train;    /* as mlpb_train's, the same on every rank but for
                                   the timings (seconds, samples_per_s: this rank's) */
    int      fail_rank;         /* the rank whose error stopped training; -1 */
    size_t   n_train;           /* training rows over all ranks */
    size_t   n_val;             /* validation rows over all ranks */
    uint64_t steps;             /* optimiser steps */
    double   comm_seconds;      /* this rank's time in the gradient reduction */
    uint64_t reserved[8];       /* zeroed by the library */
} mlpb_mpi_report;

/* The validation rows mlpb_mpi_train holds out of the ranks' rows (val NULL
 * everywhere, val_fraction > 0, seed as opts->seed): pick[i] = 1 for each
 * held-out row i of this rank's shard (shard->n bytes), *n_val the count
 * over all ranks; mlpb_train_split_ex over MPI. Collective; returns as
 * mlpb_train_split, the same status on every rank. */
MLPB_API mlpb_status mlpb_mpi_train_split(const mlpb_dataset *shard, size_t n_outputs,
                                          float val_fraction, uint64_t seed, MPI_Comm comm,
                                          const mlpb_allocator *alloc, unsigned char *pick,
                                          size_t *n_val);

/* mlpb_train on the rows of all ranks of comm, data-parallel. Collective.
 * It is the core's trainer itself, mlpb_train_ex, with MPI behind the hooks
 * of mlpb_train_comm: the split, early stopping, the refit and every other
 * option behave exactly as in mlpb_train on the concatenated rows.
 *
 * shard: this rank's rows (n may be 0: then x and y may be NULL); val: this
 * rank's validation rows or NULL (validation is used when some rank has
 * any; val_fraction is then ignored as in mlpb_train). opts (callbacks apart,
 * but whether on_batch is set included), mopts and m's architecture must be
 * the same on every rank (checked: MLPB_E_INVALID_ARG). The parameters and
 * standardisation of rank 0's model are copied to every rank first. Sums
 * (losses, the standardisation's, the callbacks' stop requests) are reduced
 * on rank 0 and broadcast, so every rank holds the same bits and takes the
 * same branches; the split's class keys (8 bytes a row) and the validation
 * probabilities are gathered on every rank. Callbacks run on every rank with
 * the same values; the training stops where any rank's callback asks it to.
 * With on_batch set, each batch costs two more small reductions, for the
 * batch loss and the stop request.
 *
 * The result does not depend on the number of ranks beyond float rounding
 * (the gradient sums); with one rank it is mlpb_train's, bit for bit, but
 * for MLPB_THREADING_SPLIT's unit split, which a run in parts does not use.
 *
 * Memory per rank: as mlpb_train's on all rows (the global row index, 8
 * bytes a row, and the split's scratch, 24 bytes a row while it is made),
 * plus the validation probabilities and labels of all ranks (2 k floats a
 * validation row).
 *
 * On failure every rank returns the same status with report->fail_rank the
 * rank it came from (-1: none alone, e.g. a gradient sum that overflowed).
 * Returns as mlpb_train. */
MLPB_API mlpb_status mlpb_mpi_train(mlpb_model *m, const mlpb_dataset *shard,
                                    const mlpb_dataset *val, const mlpb_train_opts *opts,
                                    const mlpb_mpi_opts *mopts, MPI_Comm comm,
                                    const mlpb_allocator *alloc, mlpb_mpi_report *report);

#ifdef __cplusplus
}
#endif
#endif /* MLPBLAS_MPI_H */
