/* consumer_mpi.c -- a program built against the installed libmlpblas_mpi
 * (find_package(mlpblas COMPONENTS mpi)): one collective call through it. */
#include <mlpblas_mpi.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS)
        return 1;
    int         fail_rank = 0;
    mlpb_status s         = mlpb_mpi_agree(MLPB_OK, MPI_COMM_WORLD, &fail_rank);
    MPI_Finalize();
    if (s != MLPB_OK || fail_rank != -1) {
        fprintf(stderr, "consumer_mpi: %s, rank %d\n", mlpb_strerror(s), fail_rank);
        return 1;
    }
    printf("mlpblas_mpi %s: agree OK\n", mlpb_version_string());
    return 0;
}
