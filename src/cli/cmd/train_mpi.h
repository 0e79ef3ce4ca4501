/* train_mpi.h -- `mlpblas train --mpi` (train_mpi.c, built when MPI is
 * found): the collective steps of a data-parallel training run under mpirun.
 * Every function is collective over MPI_COMM_WORLD and returns the same
 * status on every rank: a rank's error is held (cli_fail_hold), the ranks
 * agree on the first failing one, and rank 0 prints its message once. */
#ifndef MLPB_CLI_TRAIN_MPI_H
#define MLPB_CLI_TRAIN_MPI_H

#include "read/data.h"
#include "read/table.h"
#include "schema/schema.h"
#include "schema/train_data.h"
#include "train/fit.h"

/* MPI_Init (once), this process's rank and the number of ranks. */
int  cli_mpi_begin(int *rank, int *size);
/* Without --threads: the ranks on one machine divide its cores between them
 * (mlpb_mpi_node_threads) rather than each starting a BLAS thread a core. */
void cli_mpi_share_cores(void);
/* Hands messages back to stderr and calls MPI_Finalize. */
void cli_mpi_end(void);
/* The last step: every rank returns rank 0's rc (rank 0 wrote the outputs
 * and printed its own errors), then cli_mpi_end. */
int  cli_mpi_finish(int rc);
/* rc of the lowest rank whose rc is not CLI_OK (its held message printed by
 * rank 0), or CLI_OK. */
int  cli_mpi_agree(int rc);

/* Read this rank's shard of path (shard.h) and encode it with the schema
 * agreed over all ranks: every rank gets the same *s, and d holds its own
 * rows; *n_all the rows of all ranks. */
int  cli_mpi_read(const char *path, const cli_read_opts *ro, const train_cols *tc,
                  cli_data *d, cli_schema *s, size_t *n_all);

/* cli_train over the rows of all ranks (libmlpblas_mpi): the validation
 * split (cli_train's, over the rows of all ranks in file order), early
 * stopping and refit on the global rows; only rank 0 shows progress and
 * writes log. d's rows are reordered for the time of the call (in file
 * order again when it returns). On success every rank's f->model is the
 * same. */
int  cli_mpi_train(cli_data *d, size_t n_all, const cli_train_cfg *c, FILE *log,
                   cli_fit *f);

#endif /* MLPB_CLI_TRAIN_MPI_H */
