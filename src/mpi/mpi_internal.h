/* mpi_internal.h -- helpers shared by the files of libmlpblas_mpi. Never
 * installed. The MPI library uses the core only through mlpblas.h. */
#ifndef MLPB_MPI_INTERNAL_H
#define MLPB_MPI_INTERNAL_H

#include "mlpblas_mpi.h"

#include <stdbool.h>
#include <stddef.h>

/* Largest element count handed to one MPI call (counts are int). */
#define MLPBM_MPI_CHUNK ((size_t)1 << 30)

/* Agree on st (mlpb_mpi_agree) and return the agreed status if not OK. */
#define MLPBM_TRY_AGREED(st, comm)                                   \
    do {                                                             \
        mlpb_status mlpbm__s_ = mlpb_mpi_agree((st), (comm), NULL);  \
        if (mlpbm__s_ != MLPB_OK)                                    \
            return mlpbm__s_;                                        \
    } while (0)

/* The caller's allocator or aligned_alloc/free. */
void *mlpbm__alloc(const mlpb_allocator *a, size_t size);
void  mlpbm__free(const mlpb_allocator *a, void *p);

/* In-place MPI_SUM of n floats / doubles, in chunks of MLPBM_MPI_CHUNK. */
void mlpbm__allreduce_floats(float *buf, size_t n, MPI_Comm comm);
void mlpbm__allreduce_doubles(double *buf, size_t n, MPI_Comm comm);
/* MPI_Bcast of n floats from root, chunked. */
void mlpbm__bcast_floats(float *buf, size_t n, int root, MPI_Comm comm);

/* Whether v is the same on every rank (one MPI_Allreduce of two values). */
bool mlpbm__same_everywhere(uint64_t v, MPI_Comm comm);
/* FNV-1a over bytes, chained from h (start with MLPBM_FNV_INIT). */
#define MLPBM_FNV_INIT 0xcbf29ce484222325u
uint64_t mlpbm__hash(uint64_t h, const void *p, size_t n);
/* A hash of m's architecture (sizes); 0 for NULL. */
uint64_t mlpbm__arch_hash(const mlpb_model *m);

/* The global fit of mlpb_mpi_fit_standardization on this rank's rows
 * rows[i] - base of x (rows NULL: rows 0..n-1). Collective; the status is
 * the same on every rank (the caller has agreed on everything before). */
mlpb_status mlpbm__fit_rows(mlpb_model *m, const float *x, const size_t *rows, size_t base,
                            size_t n, MPI_Comm comm);

/* true if all n values are finite. */
bool mlpbm__all_finite(size_t n, const float *x);

#endif /* MLPB_MPI_INTERNAL_H */
