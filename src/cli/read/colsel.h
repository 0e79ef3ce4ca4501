/* colsel.h -- the command line's choices of columns and of how to read a
 * file (colsel.c): column lists (--label, --ignore) resolved against a
 * table's header, and the reading options of train, eval and predict. */
#ifndef MLPB_CLI_COLSEL_H
#define MLPB_CLI_COLSEL_H

#include "read/table.h"

/* Resolve the column list spec (--label, --ignore) against t's columns,
 * appending to cols (cap entries, *n used). spec as a whole naming a column
 * is that column (so a name with commas can be given alone); otherwise it
 * is split at commas into items: "QUOTED" (doubled quotes inside) is a
 * name; otherwise a column name, else a 1-based column number N, else a
 * range N-M. A column named twice is an error. Returns MLPB_OK,
 * MLPB_E_FORMAT (message names the item), MLPB_E_INVALID_ARG (over cap). */
mlpb_status cli_columns_select(const cli_table *t, const char *spec, size_t *cols,
                               size_t cap, size_t *n, char *err, size_t errlen);

/* The data options of train, eval and predict (--format, --delimiter,
 * --decimal, --no-header, --header, --zero-based, --multilabel) into o. Returns 1 if
 * name was one of them, 0 if not, -1 on a bad value (message printed). */
#define CLI_READ_OPTDEFS                                                                \
    {"--format", 1}, {"--delimiter", 1}, {"--decimal", 1}, {"--no-header", 0},          \
        {"--header", 0},                                                                \
        {"--zero-based", 0}, {"--multilabel", 0}
int cli_read_option(const char *cmd, const char *name, const char *value, cli_read_opts *o);

#endif /* MLPB_CLI_COLSEL_H */
