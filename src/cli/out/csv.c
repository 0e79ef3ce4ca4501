/* csv.c -- CSV the tool writes (out/csv.h): one field quoted when it must
 * be, and a whole dataset with its header of names. */
#include "out/csv.h"

#include "read/data.h"

#include <string.h>

void cli_csv_field(FILE *f, const char *s)
{
    if (s[0] != '\0' && strpbrk(s, ",\"\r\n \t#") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int cli_write_csv(FILE *f, const cli_data *d)
{
    for (size_t j = 0; j < d->d + d->k; j++) {
        if (j > 0)
            fputc(',', f);
        cli_csv_field(f, j < d->d ? d->feature_names[j] : d->label_names[j - d->d]);
    }
    fputc('\n', f);
    for (size_t i = 0; i < d->n; i++) {
        for (size_t j = 0; j < d->d; j++)
            fprintf(f, j ? ",%.9g" : "%.9g", (double)d->x[i * d->d + j]);
        for (size_t l = 0; l < d->k; l++)
            fprintf(f, ",%d", d->y[i * d->k + l] >= 0.5f);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}
