/* csv.h -- CSV the tool writes (csv.c). */
#ifndef MLPB_CLI_CSV_H
#define MLPB_CLI_CSV_H

#include "read/data.h"

#include <stdio.h>

/* One CSV field, quoted when it holds a delimiter, quote, blank or line end. */
void cli_csv_field(FILE *f, const char *s);
/* A dataset as CSV: header of names, then rows of %.9g. 0, or -1 on a
 * write error. */
int cli_write_csv(FILE *f, const cli_data *d);

#endif /* MLPB_CLI_CSV_H */
