/* colsel.c -- column lists on the command line (--label, --ignore): names,
 * quoted names, 1-based column numbers and ranges, resolved against a
 * table's header. */
#include "schema.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long by_name(const cli_table *t, const char *s, size_t n)
{
    for (size_t j = 0; j < cli_table_ncols(t); j++) {
        const char *name = cli_table_column(t, j)->name;
        if (strlen(name) == n && memcmp(name, s, n) == 0)
            return (long)j;
    }
    return -1;
}

/* A decimal number in [1, max] spanning [s, s + n), or 0. */
static size_t number(const char *s, size_t n, size_t max)
{
    size_t v = 0;
    if (n == 0 || n > 12 || s[0] == '0')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    return v <= max ? v : 0;
}

static mlpb_status add(size_t j, size_t *cols, size_t cap, size_t *n, const char *shown,
                       int len, char *err, size_t errlen)
{
    for (size_t i = 0; i < *n; i++)
        if (cols[i] == j) {
            snprintf(err, errlen, "column \"%.*s\" named twice", len, shown);
            return MLPB_E_FORMAT;
        }
    if (*n == cap) {
        snprintf(err, errlen, "more than %zu columns", cap);
        return MLPB_E_INVALID_ARG;
    }
    cols[(*n)++] = j;
    return MLPB_OK;
}

mlpb_status cli_columns_select(const cli_table *t, const char *spec, size_t *cols,
                               size_t cap, size_t *n, char *err, size_t errlen)
{
    size_t ncols = cli_table_ncols(t);
    long   whole = by_name(t, spec, strlen(spec));
    if (whole >= 0)
        return add((size_t)whole, cols, cap, n, spec, (int)strlen(spec), err, errlen);
    const char *s = spec;
    for (;;) {
        while (*s == ' ')
            s++;
        if (*s == '"') {
            /* A quoted name, "" for a quote. */
            size_t len = strlen(s), m = 0;
            char  *name = malloc(len + 1);
            if (name == NULL)
                return MLPB_E_NOMEM;
            const char *p = s + 1;
            for (; *p; p++) {
                if (*p == '"') {
                    if (p[1] != '"')
                        break;
                    p++;
                }
                name[m++] = *p;
            }
            name[m] = '\0';
            if (*p != '"' || (p[1] != '\0' && p[1] != ',')) {
                snprintf(err, errlen, "unbalanced quotes in \"%s\"", spec);
                free(name);
                return MLPB_E_FORMAT;
            }
            long        j  = by_name(t, name, m);
            mlpb_status st = MLPB_OK;
            if (j < 0) {
                snprintf(err, errlen, "no column named \"%s\"", name);
                st = MLPB_E_FORMAT;
            } else {
                st = add((size_t)j, cols, cap, n, name, (int)m, err, errlen);
            }
            free(name);
            if (st != MLPB_OK)
                return st;
            s = p + 1;
        } else {
            const char *e   = strchr(s, ',');
            size_t      len = e ? (size_t)(e - s) : strlen(s);
            while (len > 0 && s[len - 1] == ' ')
                len--;
            if (len == 0) {
                snprintf(err, errlen, "an empty column name in \"%s\"", spec);
                return MLPB_E_FORMAT;
            }
            long        j    = by_name(t, s, len);
            const char *dash = memchr(s, '-', len);
            size_t      a = 0, b = 0;
            mlpb_status st;
            if (j >= 0) {
                st = add((size_t)j, cols, cap, n, s, (int)len, err, errlen);
            } else if ((a = number(s, len, ncols)) > 0) {
                st = add(a - 1, cols, cap, n, s, (int)len, err, errlen);
            } else if (dash != NULL && (a = number(s, (size_t)(dash - s), ncols)) > 0 &&
                       (b = number(dash + 1, len - (size_t)(dash - s) - 1, ncols)) >= a) {
                st = MLPB_OK;
                for (size_t c = a; c <= b && st == MLPB_OK; c++)
                    st = add(c - 1, cols, cap, n, cli_table_column(t, c - 1)->name,
                             (int)strlen(cli_table_column(t, c - 1)->name), err, errlen);
            } else {
                snprintf(err, errlen, "no column named \"%.*s\" (and not a column number "
                         "or range in 1..%zu)", (int)len, s, ncols);
                return MLPB_E_FORMAT;
            }
            if (st != MLPB_OK)
                return st;
            s += e ? (size_t)(e - s) : strlen(s);
        }
        if (*s == '\0')
            return MLPB_OK;
        s++; /* the comma */
    }
}



int cli_read_option(const char *cmd, const char *name, const char *value, cli_read_opts *o)
{
    if (strcmp(name, "--format") == 0) {
        if (strcmp(value, "csv") == 0)
            o->format = MLPB_FORMAT_CSV;
        else if (strcmp(value, "libsvm") == 0 || strcmp(value, "svmlight") == 0)
            o->format = MLPB_FORMAT_LIBSVM;
        else
            return cli_usage(cmd, "--format: '%s' is not csv or libsvm", value), -1;
        return 1;
    }
    if (strcmp(name, "--delimiter") == 0) {
        if (strcmp(value, "tab") == 0 || strcmp(value, "\\t") == 0)
            o->delimiter = '\t';
        else if (strcmp(value, "space") == 0)
            o->delimiter = ' ';
        else if (strlen(value) == 1 && value[0] != '"' && value[0] != '#' && value[0] != '\n')
            o->delimiter = value[0];
        else
            return cli_usage(cmd, "--delimiter: '%s' is not one character (or tab, space)",
                             value), -1;
        return 1;
    }
    if (strcmp(name, "--no-header") == 0) {
        o->header = CLI_HEADER_NO;
        return 1;
    }
    if (strcmp(name, "--header") == 0) {
        o->header = CLI_HEADER_YES;
        return 1;
    }
    if (strcmp(name, "--zero-based") == 0) {
        o->base = CLI_BASE_ZERO;
        return 1;
    }
    if (strcmp(name, "--multilabel") == 0) {
        o->multilabel = 1;
        return 1;
    }
    return 0;
}
