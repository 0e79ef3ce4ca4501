/* fuzz_data.c -- see fuzz_data.h. */
#include "fuzz_data.h"

#include "fuzz.h"

#include <math.h>
#include <string.h>

static int all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

static void check_dataset(const cli_data *d)
{
    FUZZ_CHECK(d->n >= 1 && d->d >= 1);
    FUZZ_CHECK(d->x != NULL);
    /* LIBSVM features have no stored names (1..d). */
    FUZZ_CHECK((d->feature_names == NULL) == (d->format == CLI_FORMAT_LIBSVM));
    FUZZ_CHECK((d->k == 0) == (d->y == NULL));
    for (size_t i = 0; i < d->n * d->d; i++)
        FUZZ_CHECK(isfinite(d->x[i]));
    for (size_t i = 0; i < d->n * d->k; i++)
        FUZZ_CHECK(d->y[i] == 0.0f || d->y[i] == 1.0f);
    for (size_t j = 0; j < d->d && d->feature_names != NULL; j++)
        FUZZ_CHECK(d->feature_names[j] != NULL);
    for (size_t l = 0; l < d->k; l++)
        FUZZ_CHECK(d->label_names != NULL && d->label_names[l] != NULL);
    FUZZ_CHECK(d->format == CLI_FORMAT_CSV || d->format == CLI_FORMAT_LIBSVM);
}

/* Split and column removal on an accepted dataset keep every row. */
static void exercise(cli_data *d)
{
    cli_data train, test;
    const mlpb_status s = cli_data_split(d, 0.3, 7, &train, &test);
    if (s == MLPB_OK) {
        FUZZ_CHECK(train.n + test.n == d->n && train.n > 0 && test.n > 0);
        FUZZ_CHECK(train.d == d->d && test.k == d->k);
        cli_data_free(&train);
        cli_data_free(&test);
    } else {
        FUZZ_CHECK(s == MLPB_E_INVALID_ARG || s == MLPB_E_NOMEM);
        FUZZ_CHECK(all_zero(&train, sizeof train) && all_zero(&test, sizeof test));
    }
    if (d->d >= 2) {
        const size_t col = d->d - 1, old_d = d->d;
        FUZZ_CHECK(cli_data_drop_features(d, &col, 1) == MLPB_OK);
        FUZZ_CHECK(d->d == old_d - 1);
    }
}

void fuzz_data_read(const uint8_t *data, size_t size, const char *name, const cli_data_opts *o,
                    size_t errlen)
{
    char *err = malloc(errlen);
    FUZZ_CHECK(err != NULL);
    memset(err, 'x', errlen);
    cli_data d;
    memset(&d, 0x5a, sizeof d); /* must be overwritten */
    const mlpb_status s = cli_data_read_mem(data, size, name, o, &d, err, errlen);
    FUZZ_CHECK(memchr(err, '\0', errlen) != NULL);
    if (s == MLPB_OK) {
        FUZZ_CHECK(err[0] == '\0');
        check_dataset(&d);
        /* A dozen bytes of LIBSVM can describe millions of columns; reading
         * them is what is fuzzed, copying them again would only slow the
         * fuzzer down. */
        if (d.n * d.d <= ((size_t)1 << 20))
            exercise(&d);
        cli_data_free(&d);
        FUZZ_CHECK(all_zero(&d, sizeof d));
    } else {
        FUZZ_CHECK(s == MLPB_E_FORMAT || s == MLPB_E_NOMEM || s == MLPB_E_OVERFLOW ||
                   s == MLPB_E_IO); /* IO: damaged gzip data */
        FUZZ_CHECK(all_zero(&d, sizeof d));
        /* Every message names the input first (as much as fits). */
        const size_t nl = strlen(name);
        FUZZ_CHECK(err[0] != '\0' || errlen == 1);
        FUZZ_CHECK(strncmp(err, name, nl < errlen - 1 ? nl : errlen - 1) == 0);
        FUZZ_CHECK(strchr(err, '\n') == NULL);
    }
    free(err);
}

static void check_message(const char *err, size_t errlen, const char *name)
{
    FUZZ_CHECK(memchr(err, '\0', errlen) != NULL);
    const size_t nl = strlen(name);
    FUZZ_CHECK(err[0] != '\0' || errlen == 1);
    FUZZ_CHECK(strncmp(err, name, nl < errlen - 1 ? nl : errlen - 1) == 0);
    FUZZ_CHECK(strchr(err, '\n') == NULL);
}

static int status_expected(mlpb_status s)
{
    return s == MLPB_E_FORMAT || s == MLPB_E_NOMEM || s == MLPB_E_OVERFLOW || s == MLPB_E_IO ||
           s == MLPB_E_INVALID_ARG;
}

void fuzz_table_read(const uint8_t *data, size_t size, const char *name, const cli_read_opts *o,
                     size_t max_rows, size_t errlen)
{
    char *err = malloc(errlen);
    FUZZ_CHECK(err != NULL);
    memset(err, 'x', errlen);
    cli_table  *t = (cli_table *)(uintptr_t)1;
    mlpb_status s = cli_table_open_mem(data, size, name, o, &t, err, errlen);
    if (s != MLPB_OK) {
        FUZZ_CHECK(t == NULL);
        FUZZ_CHECK(status_expected(s));
        check_message(err, errlen, name);
        free(err);
        return;
    }
    FUZZ_CHECK(err[0] == '\0' || errlen == 0);
    const int csv   = cli_table_format(t) == CLI_FORMAT_CSV;
    cli_chunk c     = {0};
    size_t    last  = 0, rows = 0;
    /* A declared closed column, to reach that path too. */
    if (csv && cli_table_ncols(t) > 1) {
        const char *lv[] = {"a", "1"};
        /* Refused only by the memory limit (a table of very many columns
         * holds most of it), which leaves the column undeclared. */
        const mlpb_status ls = cli_table_set_levels(t, 1, lv, 2, 1);
        FUZZ_CHECK(ls == MLPB_OK || ls == MLPB_E_NOMEM);
    }
    for (int reads = 0; reads < 1000; reads++) {
        s = cli_table_read(t, max_rows, &c, err, errlen);
        if (s != MLPB_OK) {
            FUZZ_CHECK(status_expected(s));
            check_message(err, errlen, name);
            break;
        }
        if (c.n == 0)
            break;
        FUZZ_CHECK(max_rows == 0 || c.n <= max_rows);
        FUZZ_CHECK(c.ncols == cli_table_ncols(t) && c.ncols >= 1);
        for (size_t i = 0; i < c.n; i++) {
            FUZZ_CHECK(c.line[i] > last);
            last = c.line[i];
            for (size_t j = 0; j < c.ncols; j++) {
                const float v = c.x[i * c.ncols + j];
                if (csv && cli_table_column(t, j)->is_string)
                    FUZZ_CHECK(isnan(v) || v == -1.0f ||
                               (v >= 0.0f && v < (float)cli_table_column(t, j)->n_levels &&
                                v == floorf(v)));
                else
                    FUZZ_CHECK(isfinite(v) || (csv && isnan(v)));
            }
            for (size_t l = 0; l < c.k; l++)
                FUZZ_CHECK(c.y[i * c.k + l] == 0.0f || c.y[i * c.k + l] == 1.0f);
        }
        FUZZ_CHECK(!csv || c.k == 0);
        rows += c.n;
    }
    for (size_t j = 0; csv && j < cli_table_ncols(t); j++) {
        const cli_column *col = cli_table_column(t, j);
        FUZZ_CHECK(col != NULL && col->name != NULL);
        FUZZ_CHECK(col->n_levels <= o->max_levels);
        FUZZ_CHECK((col->n_missing == 0) == (col->first_missing_line == 0));
        for (size_t l = 0; col->is_string && l < col->n_levels; l++)
            FUZZ_CHECK(col->levels[l] != NULL);
    }
    (void)rows;
    cli_chunk_free(&c);
    cli_table_close(t);
    free(err);
}
