/* mpi_common.c -- the collective building blocks of libmlpblas_mpi: status
 * agreement, chunked reductions, the architecture check, the model broadcast
 * and the exact global standardisation statistics. */
#include "mpi_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void *mlpbm__alloc(const mlpb_allocator *a, size_t size)
{
    if (size == 0)
        return NULL;
    if (a != NULL && a->alloc != NULL)
        return a->alloc(a->ctx, size, 64);
    if (size > SIZE_MAX - 63)
        return NULL;
    return aligned_alloc(64, (size + 63) / 64 * 64);
}

void mlpbm__free(const mlpb_allocator *a, void *p)
{
    if (p == NULL)
        return;
    if (a != NULL && a->alloc != NULL)
        a->free(a->ctx, p);
    else
        free(p);
}

void mlpbm__allreduce_floats(float *buf, size_t n, MPI_Comm comm)
{
    for (size_t i = 0; i < n; i += MLPBM_MPI_CHUNK) {
        const size_t c = n - i < MLPBM_MPI_CHUNK ? n - i : MLPBM_MPI_CHUNK;
        MPI_Allreduce(MPI_IN_PLACE, buf + i, (int)c, MPI_FLOAT, MPI_SUM, comm);
    }
}

void mlpbm__allreduce_doubles(double *buf, size_t n, MPI_Comm comm)
{
    for (size_t i = 0; i < n; i += MLPBM_MPI_CHUNK) {
        const size_t c = n - i < MLPBM_MPI_CHUNK ? n - i : MLPBM_MPI_CHUNK;
        MPI_Allreduce(MPI_IN_PLACE, buf + i, (int)c, MPI_DOUBLE, MPI_SUM, comm);
    }
}

void mlpbm__bcast_floats(float *buf, size_t n, int root, MPI_Comm comm)
{
    for (size_t i = 0; i < n; i += MLPBM_MPI_CHUNK) {
        const size_t c = n - i < MLPBM_MPI_CHUNK ? n - i : MLPBM_MPI_CHUNK;
        MPI_Bcast(buf + i, (int)c, MPI_FLOAT, root, comm);
    }
}

bool mlpbm__all_finite(size_t n, const float *x)
{
    /* No early exit: a sum propagates NaN and the loop vectorises. */
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++)
        acc += x[i] * 0.0f;
    return acc == 0.0f;
}

mlpb_status mlpb_mpi_agree(mlpb_status local, MPI_Comm comm, int *fail_rank)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    /* The lowest failing rank and its status in one int: rank * 256 + status
     * (statuses are small); INT_MAX where none failed. */
    int key = INT_MAX;
    if (local != MLPB_OK)
        key = rank <= INT_MAX / 256 - 1 ? rank * 256 + (int)(local & 0xff) : INT_MAX - 1;
    MPI_Allreduce(MPI_IN_PLACE, &key, 1, MPI_INT, MPI_MIN, comm);
    if (fail_rank != NULL)
        *fail_rank = key == INT_MAX ? -1 : key / 256;
    return key == INT_MAX ? MLPB_OK : (mlpb_status)(key % 256);
}

uint64_t mlpbm__hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3u;
    }
    return h;
}

uint64_t mlpbm__arch_hash(const mlpb_model *m)
{
    if (m == NULL)
        return 0;
    size_t n;
    const size_t *sizes = mlpb_model_sizes(m, &n);
    uint64_t h = mlpbm__hash(MLPBM_FNV_INIT, &n, sizeof n);
    return mlpbm__hash(h, sizes, n * sizeof *sizes);
}

bool mlpbm__same_everywhere(uint64_t v, MPI_Comm comm)
{
    /* max(v) and max(~v) = ~min(v): equal everywhere iff min == max. */
    uint64_t mm[2] = {v, ~v};
    MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPI_UINT64_T, MPI_MAX, comm);
    return mm[0] == ~mm[1];
}

mlpb_status mlpb_mpi_bcast_model(mlpb_model *m, int root, MPI_Comm comm)
{
    int size;
    MPI_Comm_size(comm, &size);
    mlpb_status st = (m == NULL || root < 0 || root >= size) ? MLPB_E_INVALID_ARG : MLPB_OK;
    const size_t d = mlpb_model_n_inputs(m);
    float *stats = NULL;
    if (st == MLPB_OK && (stats = malloc(2 * d * sizeof(float))) == NULL)
        st = MLPB_E_NOMEM;
    st = mlpb_mpi_agree(st, comm, NULL);
    if (st == MLPB_OK && !mlpbm__same_everywhere(mlpbm__arch_hash(m), comm))
        st = MLPB_E_INVALID_ARG;
    if (st != MLPB_OK) {
        free(stats);
        return st;
    }
    size_t np;
    float *p = mlpb_model_params(m, &np);
    mlpbm__bcast_floats(p, np, root, comm);
    /* Standardisation: a flag, then the means and stds when it is on. */
    int rank, on = 0;
    MPI_Comm_rank(comm, &rank);
    if (rank == root && mlpb_model_mean(m) != NULL) {
        on = 1;
        memcpy(stats, mlpb_model_mean(m), d * sizeof(float));
        memcpy(stats + d, mlpb_model_std(m), d * sizeof(float));
    }
    MPI_Bcast(&on, 1, MPI_INT, root, comm);
    if (on)
        mlpbm__bcast_floats(stats, 2 * d, root, comm);
    /* Valid on the root, hence everywhere. */
    st = on ? mlpb_model_set_standardization(m, stats, stats + d)
            : mlpb_model_set_standardization(m, NULL, NULL);
    free(stats);
    return st;
}

mlpb_status mlpbm__fit_rows(mlpb_model *m, const float *x, const size_t *rows, size_t base,
                            size_t n, MPI_Comm comm)
{
    const size_t d = mlpb_model_n_inputs(m);
    /* d + 1 sums (the count last), d centred sums, 2 d floats. */
    double *acc = malloc((2 * d + 1) * sizeof(double) + 2 * d * sizeof(float));
    mlpb_status st = mlpb_mpi_agree(acc == NULL ? MLPB_E_NOMEM : MLPB_OK, comm, NULL);
    if (st != MLPB_OK) {
        free(acc);
        return st;
    }
    double *ss = acc + d + 1;
    float *fs = (float *)(ss + d);
    memset(acc, 0, (2 * d + 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        const float *r = x + (rows == NULL ? i : rows[i] - base) * d;
        for (size_t j = 0; j < d; j++)
            acc[j] += (double)r[j];
    }
    acc[d] = (double)n;
    mlpbm__allreduce_doubles(acc, d + 1, comm);
    /* Every rank holds the same sums from here on, hence takes the same path. */
    const double total = acc[d];
    if (total == 0.0)
        st = MLPB_E_INVALID_ARG;
    for (size_t j = 0; j < d && st == MLPB_OK; j++)
        if (!isfinite(acc[j]))
            st = MLPB_E_NUMERIC;
    if (st != MLPB_OK) {
        free(acc);
        return st;
    }
    /* Second pass around the exact global mean, as the single-process fit. */
    for (size_t j = 0; j < d; j++)
        acc[j] /= total;
    for (size_t i = 0; i < n; i++) {
        const float *r = x + (rows == NULL ? i : rows[i] - base) * d;
        for (size_t j = 0; j < d; j++) {
            const double dev = (double)r[j] - acc[j];
            ss[j] += dev * dev;
        }
    }
    mlpbm__allreduce_doubles(ss, d, comm);
    for (size_t j = 0; j < d; j++) {
        const double sd = sqrt(ss[j] / total);
        fs[j] = (float)acc[j];
        /* A constant column would divide by zero; std 1 leaves it centred. */
        fs[d + j] = (sd > 0.0 && (float)sd > 0.0f && isfinite((float)sd)) ? (float)sd : 1.0f;
    }
    st = mlpb_model_set_standardization(m, fs, fs + d);
    free(acc);
    return st;
}

mlpb_status mlpb_mpi_fit_standardization(mlpb_model *m, const float *x, size_t n,
                                         MPI_Comm comm)
{
    mlpb_status st = (m == NULL || (n > 0 && x == NULL)) ? MLPB_E_INVALID_ARG : MLPB_OK;
    if (st == MLPB_OK && n > SIZE_MAX / sizeof(float) / mlpb_model_n_inputs(m))
        st = MLPB_E_OVERFLOW;
    MLPBM_TRY_AGREED(st, comm);
    if (!mlpbm__same_everywhere(mlpbm__arch_hash(m), comm))
        return MLPB_E_INVALID_ARG;
    return mlpbm__fit_rows(m, x, NULL, 0, n, comm);
}

int mlpb_mpi_node_threads(MPI_Comm comm, int cores)
{
    MPI_Comm node;
    int      rank, on_node = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &on_node);
    int have = cores > 0 ? cores : mlpb_blas_threads();
    MPI_Allreduce(MPI_IN_PLACE, &have, 1, MPI_INT, MPI_MIN, node);
    MPI_Comm_free(&node);
    const int share = have / (on_node > 0 ? on_node : 1);
    return share > 1 ? share : 1;
}
