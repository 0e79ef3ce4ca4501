/* bench_mpi.c -- mlpblas-bench-mpi: throughput of data-parallel training
 * steps (mlpb_mpi_loss_grad + mlpb_optim_step, Adam) under mpirun, with the
 * global batch fixed and split across the ranks, and the time of the
 * gradient reduction: in the step (mlpb_mpi_comm_seconds, the slowest rank)
 * and alone (MPI_Allreduce of the arena, no compute: the fastest of --steps
 * calls, each timed on the slowest rank), from which the
 * effective bus bandwidth 2 (P - 1) / P * bytes / t of a ring allreduce.
 * Rank 0 prints one line a case and mode. Synthetic data, fixed seed. */
#include "mlpblas_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct bcase {
    const char *name;
    size_t batch, d, h, k;
} bcase;

static const bcase cases[] = {
    {"higgs", 256, 28, 300, 1},   {"medium", 256, 256, 512, 1},
    {"mnist", 1024, 784, 1024, 10}, {"large", 1024, 1024, 2048, 16},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 33;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: mpirun -np P mlpblas-bench-mpi [--case NAME]... [--steps N]\n"
            "  cases: higgs medium mnist large (default: mnist large)\n"
            "  --steps N   timed steps per case and mode (default 20)\n");
    return 2;
}

static int run(const bcase *c, int overlap, int steps, int rank, int size)
{
    const size_t lo = c->batch * (size_t)rank / (size_t)size;
    const size_t n = c->batch * (size_t)(rank + 1) / (size_t)size - lo;
    const size_t sizes[] = {c->d, c->h, c->k};
    const mlpb_config cfg = {sizes, 3, 42, MLPB_INIT_HE_GLOROT};
    mlpb_model *m = NULL;
    mlpb_workspace *ws = NULL;
    mlpb_optim *opt = NULL;
    mlpb_mpi *mp = NULL;
    mlpb_optim_opts oo;
    mlpb_optim_opts_default(&oo);
    float *x = malloc((n > 0 ? n : 1) * c->d * sizeof(float));
    float *y = malloc((n > 0 ? n : 1) * c->k * sizeof(float));
    mlpb_status st = x == NULL || y == NULL ? MLPB_E_NOMEM : MLPB_OK;
    if (st == MLPB_OK)
        st = mlpb_model_create(&cfg, NULL, &m);
    if (st == MLPB_OK)
        st = mlpb_workspace_create(m, n > 0 ? n : 1, NULL, &ws);
    if (st == MLPB_OK)
        st = mlpb_optim_create(m, &oo, NULL, &opt);
    st = mlpb_mpi_agree(st, MPI_COMM_WORLD, NULL);
    if (st == MLPB_OK)
        st = mlpb_mpi_create(MPI_COMM_WORLD, m, n > 0 ? n : 1, NULL, &mp);
    if (st == MLPB_OK)
        st = mlpb_mpi_set_overlap(mp, overlap);
    if (st != MLPB_OK) {
        if (rank == 0)
            fprintf(stderr, "%s: set-up failed: %s\n", c->name, mlpb_strerror(st));
        return 1;
    }
    uint64_t s = 1234 + (uint64_t)rank;
    for (size_t i = 0; i < n * c->d; i++)
        x[i] = (float)lcg(&s) / 2147483648.0f - 0.5f;
    for (size_t i = 0; i < n * c->k; i++)
        y[i] = (float)(lcg(&s) & 1);

    int fr;
    for (int i = 0; i < 2 && st == MLPB_OK; i++) /* warm-up */
        if ((st = mlpb_mpi_loss_grad(mp, m, ws, x, y, n, c->batch, NULL, NULL, &fr)) == MLPB_OK)
            st = mlpb_optim_step(opt, m);
    MPI_Barrier(MPI_COMM_WORLD);
    const double comm0 = mlpb_mpi_comm_seconds(mp), t0 = now_s();
    for (int i = 0; i < steps && st == MLPB_OK; i++)
        if ((st = mlpb_mpi_loss_grad(mp, m, ws, x, y, n, c->batch, NULL, NULL, &fr)) == MLPB_OK)
            st = mlpb_optim_step(opt, m);
    double tt[2] = {now_s() - t0, mlpb_mpi_comm_seconds(mp) - comm0};
    MPI_Allreduce(MPI_IN_PLACE, tt, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);

    /* The reduction alone, on a copy of the arena. */
    size_t np;
    const float *g = mlpb_model_grads(m, &np);
    float *buf = malloc(np * sizeof(float));
    /* The fastest call, less sensitive than the mean to a rank that the
     * (shared) machine did not schedule. */
    double t_ar = 0.0;
    if (buf != NULL) {
        memcpy(buf, g, np * sizeof(float));
        t_ar = 1e30;
        for (int i = 0; i < steps; i++) {
            MPI_Barrier(MPI_COMM_WORLD);
            const double a0 = now_s();
            MPI_Allreduce(MPI_IN_PLACE, buf, (int)np, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            double t = now_s() - a0;
            MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            t_ar = t < t_ar ? t : t_ar;
        }
        free(buf);
    }
    if (rank == 0) {
        const double bytes = (double)np * sizeof(float);
        const double bus = size > 1 ? 2.0 * (size - 1) / size * bytes / t_ar / 1e9 : 0.0;
        printf("%-6s ranks=%d blas_threads=%d overlap=%d batch=%zu params=%zu "
               "samples_per_s=%.0f step_ms=%.2f allreduce_in_step_ms=%.3f (%.1f%%) "
               "allreduce_alone_min_ms=%.3f busbw_GBps=%.2f %s\n",
               c->name, size, mlpb_blas_threads(), overlap, c->batch, np,
               (double)c->batch * steps / tt[0], 1e3 * tt[0] / steps, 1e3 * tt[1] / steps,
               100.0 * tt[1] / tt[0], 1e3 * t_ar, bus, st == MLPB_OK ? "ok" : mlpb_strerror(st));
        fflush(stdout);
    }
    mlpb_mpi_destroy(mp);
    mlpb_optim_destroy(opt);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    free(x);
    free(y);
    return st == MLPB_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int want[sizeof cases / sizeof cases[0]] = {0}, any = 0, steps = 20;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) {
            size_t j = 0;
            while (j < sizeof cases / sizeof cases[0] && strcmp(cases[j].name, argv[i + 1]) != 0)
                j++;
            if (j == sizeof cases / sizeof cases[0]) {
                if (rank == 0)
                    usage();
                MPI_Finalize();
                return 2;
            }
            want[j] = any = 1;
            i++;
        } else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
            steps = atoi(argv[++i]);
            if (steps < 1 || steps > 100000)
                steps = 20;
        } else {
            if (rank == 0)
                usage();
            MPI_Finalize();
            return 2;
        }
    }
    if (!any)
        want[2] = want[3] = 1;
    int rc = 0;
    for (size_t j = 0; j < sizeof cases / sizeof cases[0]; j++)
        for (int ov = 0; ov <= 1 && want[j]; ov++)
            rc |= run(&cases[j], ov, steps, rank, size);
    MPI_Finalize();
    return rc;
}
