/* shard.h -- one rank's contiguous share of a data file, for `train --mpi`:
 * rank r of P takes the bytes [r * size / P, (r + 1) * size / P), each end
 * moved forward to the start of a line, so that the shards are whole lines,
 * cover the file once and no rank reads another's. For a CSV file with a
 * header, the header's bytes are read by every rank in front of its shard
 * (rank 0's shard starts with them). The plan is computed by every rank on
 * its own from the file size and a few bytes around its two ends: no
 * communication, and the same boundaries on every rank.
 *
 * Limits: a plain file that can be seeked (not standard input, not gzip);
 * a quoted CSV field spanning lines would be cut where a boundary falls in
 * it (the rows on both sides are then refused as malformed, not misread
 * silently only if the cut leaves a field count that differs). */
#ifndef MLPB_CLI_SHARD_H
#define MLPB_CLI_SHARD_H

#include "mlpblas.h"

#include <stddef.h>
#include <stdint.h>

typedef struct cli_shard {
    uint64_t size;     /* of the file */
    uint64_t head_len; /* bytes of the header (comments and blank lines before it
                          included) that this rank reads before its range: 0 for
                          rank 0, LIBSVM or a CSV without header */
    uint64_t start;    /* this rank's range */
    uint64_t len;
    uint64_t newlines; /* line ends in the range: their sum over the ranks before
                          this one gives the range's first line number */
} cli_shard;

/* The shard of rank (< ranks) of path. csv_header: the file is CSV with a
 * header record. Returns MLPB_OK; MLPB_E_INVALID_ARG ("-", not a regular
 * file); MLPB_E_FORMAT (gzip); MLPB_E_IO; with a message in err. */
mlpb_status cli_shard_plan(const char *path, int csv_header, unsigned rank, unsigned ranks,
                           cli_shard *sh, char *err, size_t errlen);

#endif /* MLPB_CLI_SHARD_H */
