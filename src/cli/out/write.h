/* write.h -- the one way the tool writes a file (write.c). */
#ifndef MLPB_CLI_WRITE_H
#define MLPB_CLI_WRITE_H

#include "mlpblas.h"
#include <stdio.h>
#include <sys/stat.h>

/* Every file the tool writes goes through cli_out (write.c). cli_out_open,
 * called before any long work, refuses a directory, a symbolic link, a file
 * that is also one of the inputs (same device and inode), and an unwritable
 * file or directory, then creates the temporary file in the target's
 * directory: unnamed (O_TMPFILE) where the file system allows it, else
 * DIR/.mlpb-XXXXXXXXXXXX. It is created 0666 less the umask; a file it
 * replaces keeps its permission bits (& 0777). cli_out_commit flushes,
 * fsyncs and renames it over the target; until then the target is untouched,
 * and cli_out_abort removes the temporary. "-" writes to standard output
 * (commit flushes it and reports a write error); a character device or a
 * FIFO, also named through a link (/dev/null, /dev/stdout on a pipe), is
 * opened and written in place (commit flushes and closes it). */
#define CLI_MAX_INPUTS 4
typedef struct cli_inputs {
    size_t      n;
    const char *path[CLI_MAX_INPUTS];
    struct stat st[CLI_MAX_INPUTS];
    int         have[CLI_MAX_INPUTS];  /* stat succeeded */
} cli_inputs;
/* Remember an input ("-": standard input) to refuse it as an output. */
void cli_inputs_add(cli_inputs *in, const char *path);
/* 0 if the non-NULL paths name different files, else a message and -1. */
int  cli_outs_distinct(const char *const *paths, size_t n);

typedef struct cli_out {
    FILE       *f;          /* write here */
    const char *path;
    char       *dir;        /* the target's directory */
    char       *tmp;        /* the temporary's name, when it has one */
    int         fd;
    int         unnamed;    /* O_TMPFILE */
    int         is_stdout;
    int         is_stream;  /* a character device or FIFO, written in place */
    int         exists;     /* replacing a file */
    unsigned    mode;       /* its permission bits */
} cli_out;
int  cli_out_open(cli_out *o, const char *path, const cli_inputs *in); /* 0 or -1, message */
int  cli_out_commit(cli_out *o);                     /* 0, or -1 with a message */
void cli_out_abort(cli_out *o);                      /* harmless on a zeroed cli_out */
/* Write m's file image to o (not committed). 0 or -1 with a message. */
int  cli_save_model(const mlpb_model *m, cli_out *o);

#endif /* MLPB_CLI_WRITE_H */
