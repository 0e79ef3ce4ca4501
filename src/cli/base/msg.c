/* msg.c -- the tool's messages (base/msg.h): usage errors, data errors
 * (held back under train --mpi until the ranks agree which to print), and
 * the check that standard output was written. */
#include "base/msg.h"

#include "base/term.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mlpblas %s: ", cmd);
    va_start(ap, fmt);
    cli_term_vprintf(stderr, 0, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see mlpblas %s --help)\n", cmd);
    return CLI_EUSAGE;
}

/* The one piece of process state of the tool: set by train --mpi only,
 * between its MPI_Init and MPI_Finalize. */
static char  *held_msg;
static size_t held_len;

void cli_fail_hold(char *buf, size_t len)
{
    held_msg = len > 0 ? buf : NULL;
    held_len = len;
    if (held_msg != NULL)
        held_msg[0] = '\0';
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (held_msg != NULL) {
        if (held_msg[0] == '\0')
            vsnprintf(held_msg, held_len, fmt, ap);
        va_end(ap);
        return CLI_EDATA;
    }
    cli_term_vprintf(stderr, 0, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EDATA;
}

int cli_flush_stdout(const char *cmd)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_fail("mlpblas %s: cannot write to standard output: %s", cmd,
                        strerror(errno));
    return CLI_OK;
}

void cli_format_bytes(char *buf, size_t n, double b)
{
    /* Binary units, as --max-memory reads its suffixes. */
    const double k = 1024.0;
    if (b >= k * k * k)
        snprintf(buf, n, "%.2f GiB", b / (k * k * k));
    else if (b >= k * k)
        snprintf(buf, n, "%.1f MiB", b / (k * k));
    else if (b >= k)
        snprintf(buf, n, "%.1f KiB", b / k);
    else
        snprintf(buf, n, "%.0f bytes", b);
}
