/* term.h -- text for a terminal (term.c). */
#ifndef MLPB_CLI_TERM_H
#define MLPB_CLI_TERM_H

#include "base/msg.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Text for a terminal (term.c): every control byte (C0, DEL, C1, the
 * bidirectional overrides) and every byte that is not UTF-8 is written as
 * an escape (\n, \t, \x1B, \u009B), so that a name or cell from a file
 * cannot act on the terminal; keep_last_newline lets a final '\n' end the
 * line. cli_fail, cli_usage and the human-readable printers (info, the
 * metrics reports) write file-derived text through these. */
void cli_term_write(FILE *f, const char *text, int keep_last_newline);
/* For the valid UTF-8 sequence of n bytes at s: its code point + 1 when it
 * is one of the controls above, else 0. */
unsigned long cli_utf8_control(const unsigned char *s, size_t n);
void cli_term_vprintf(FILE *f, int keep_last_newline, const char *fmt, va_list ap)
    CLI_PRINTF(3, 0);
/* Formatted, escaped as above; only a final '\n' is kept as a line end. */
void cli_tprintf(FILE *f, const char *fmt, ...) CLI_PRINTF(2, 3);

#endif /* MLPB_CLI_TERM_H */
