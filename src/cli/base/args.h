/* args.h -- the command line of every command (args.c): options in their
 * long, short and --opt=VALUE forms, and option values checked into
 * numbers (each prints a usage error, msg.h, on a bad value). */
#ifndef MLPB_CLI_ARGS_H
#define MLPB_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

typedef struct cli_optdef {
    const char *name;      /* "--epochs" */
    int         has_value;
} cli_optdef;

typedef struct cli_args {
    int               argc;
    char            **argv;
    int               i;
    const char       *cmd;      /* "train", for messages */
    const cli_optdef *defs;     /* terminated by a NULL name */
    int               only_pos; /* after "--" */
    const char       *name;     /* the option found, or NULL for a positional */
    const char       *value;    /* its value, or the positional argument */
} cli_args;

/* CLI_ARG_DONE: --version (-V) was printed; exit 0. */
enum { CLI_ARG_OPT, CLI_ARG_POS, CLI_ARG_END, CLI_ARG_HELP, CLI_ARG_BAD, CLI_ARG_DONE };

void cli_args_init(cli_args *a, int argc, char **argv, const char *cmd,
                   const cli_optdef *defs);
/* Next argument: an option (name, value), a positional (value), the end, a
 * request for help, or a bad option (message printed, with the nearest
 * option when one is close). Accepts --opt VALUE, --opt=VALUE and the short
 * forms -o (--out), -q (--quiet), -v (--verbose), -j (--threads), -h, -V. */
int cli_args_next(cli_args *a);
/* cli_args_next for a command, with all but its options handled here: 1 for
 * an option (a->name, a->value), 0 at the end, or -1 when the command is to
 * return *rc at once: CLI_OK after --help (help: the text, in pieces ending
 * with NULL) or --version, CLI_EUSAGE after a bad option or a positional
 * argument beyond max_pos (both with their message). Positional arguments
 * fill pos[*n_pos], counted in *n_pos. */
int cli_args_option(cli_args *a, const char *const *help, const char **pos, size_t max_pos,
                    size_t *n_pos, int *rc);

/* Option values; each returns 0 or prints a usage error and returns -1. */
int cli_parse_size(const char *cmd, const char *opt, const char *s, size_t min, size_t max,
                   size_t *out);
/* --threads: 1..CLI_MAX_THREADS. */
#define CLI_MAX_THREADS 4096
int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);
int cli_parse_float(const char *cmd, const char *opt, const char *s, double min, double max,
                    float *out);
int cli_parse_sizes(const char *cmd, const char *opt, const char *s, size_t *out, size_t cap,
                    size_t *n);

/* A SIZE option ("512M", "8G", "1000000"): 0, or a usage error and -1.
 * The memory budget's default is cli_default_max_memory (memlimit.h). */
int cli_parse_bytes(const char *cmd, const char *opt, const char *s, size_t *out);

#endif /* MLPB_CLI_ARGS_H */
