/* msg.h -- the tool's messages (msg.c): exit codes, usage and data errors
 * on standard error (written through the terminal escapes of term.h), the
 * check that standard output was written, and byte counts for messages. */
#ifndef MLPB_CLI_MSG_H
#define MLPB_CLI_MSG_H

#include <stddef.h>

#if defined(__GNUC__)
#  define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#  define CLI_PRINTF(f, a)
#endif

/* Exit status: bad data, models or files are 1; bad command lines are 2. */
enum { CLI_OK = 0, CLI_EDATA = 1, CLI_EUSAGE = 2 };

/* "mlpblas CMD: message (see mlpblas CMD --help)" on stderr; returns CLI_EUSAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/* One line on stderr, as given (data errors start with FILE:LINE:COLUMN). */
int cli_fail(const char *fmt, ...) CLI_PRINTF(1, 2);
/* train --mpi: hold the first message of cli_fail in buf (len bytes)
 * instead of printing it, so that the ranks agree on one error and it is
 * printed once; NULL prints again. */
void cli_fail_hold(char *buf, size_t len);

/* Flush standard output: CLI_OK, or a message and CLI_EDATA when it could
 * not be written (a full disk, a closed pipe). */
int cli_flush_stdout(const char *cmd);

/* "7.2 GiB" for messages (binary units, as --max-memory reads them). */
void cli_format_bytes(char *buf, size_t n, double bytes);

#endif /* MLPB_CLI_MSG_H */
