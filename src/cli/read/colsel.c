/* colsel.c -- column lists on the command line (--label, --ignore): names,
 * quoted names, 1-based column numbers and ranges, resolved against a
 * table's header. */
#include "read/colsel.h"

#include "base/msg.h"
#include "read/format.h"
#include "read/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The column spec names: an O(1) lookup in the table's name index. */
static long by_name(const cli_table *t, const char *s, size_t n)
{
    return cli_table_find(t, s, n);
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

/* The list being built: cols[0, *n) of cap, and which columns are in it. */
typedef struct sel {
    size_t        *cols, cap, *n;
    unsigned char *in;
} sel;

static mlpb_status add(sel *l, size_t j, const char *shown, int len, char *err, size_t errlen)
{
    if (l->in[j]) {
        snprintf(err, errlen, "column \"%.*s\" named twice", len, shown);
        return MLPB_E_FORMAT;
    }
    if (*l->n == l->cap) {
        snprintf(err, errlen, "more than %zu columns", l->cap);
        return MLPB_E_INVALID_ARG;
    }
    l->in[j]             = 1;
    l->cols[(*l->n)++] = j;
    return MLPB_OK;
}

/* "no column named X" with the table's "did you mean" and, for a short
 * header, its names. */
static mlpb_status no_column(const cli_table *t, const char *name, size_t len, int numbers,
                             char *err, size_t errlen)
{
    snprintf(err, errlen, "no column named \"%.*s\"", (int)len, name);
    if (numbers) {
        size_t off = strlen(err);
        snprintf(err + off, errlen - off, " (and not a column number or range in 1..%zu)",
                 cli_table_ncols(t));
    }
    cli_table_name_hint(t, name, len, err, errlen);
    return MLPB_E_FORMAT;
}

static mlpb_status select_items(const cli_table *t, const char *spec, sel *l, char *err,
                                size_t errlen)
{
    size_t ncols = cli_table_ncols(t);
    long   whole = by_name(t, spec, strlen(spec));
    if (whole >= 0)
        return add(l, (size_t)whole, spec, (int)strlen(spec), err, errlen);
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
            mlpb_status st = j < 0 ? no_column(t, name, m, 0, err, errlen)
                                   : add(l, (size_t)j, name, (int)m, err, errlen);
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
                st = add(l, (size_t)j, s, (int)len, err, errlen);
            } else if ((a = number(s, len, ncols)) > 0) {
                st = add(l, a - 1, s, (int)len, err, errlen);
            } else if (dash != NULL && (a = number(s, (size_t)(dash - s), ncols)) > 0 &&
                       (b = number(dash + 1, len - (size_t)(dash - s) - 1, ncols)) >= a) {
                st = MLPB_OK;
                for (size_t c = a; c <= b && st == MLPB_OK; c++)
                    st = add(l, c - 1, cli_table_column(t, c - 1)->name,
                             (int)strlen(cli_table_column(t, c - 1)->name), err, errlen);
            } else {
                return no_column(t, s, len, 1, err, errlen);
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

mlpb_status cli_columns_select(const cli_table *t, const char *spec, size_t *cols,
                               size_t cap, size_t *n, char *err, size_t errlen)
{
    size_t ncols = cli_table_ncols(t);
    sel    l     = {cols, cap, n, calloc(ncols ? ncols : 1, 1)};
    if (l.in == NULL) {
        snprintf(err, errlen, "out of memory");
        return MLPB_E_NOMEM;
    }
    for (size_t i = 0; i < *n; i++)
        if (cols[i] < ncols)
            l.in[cols[i]] = 1;
    mlpb_status st = select_items(t, spec, &l, err, errlen);
    free(l.in);
    return st;
}

int cli_read_option(const char *cmd, const char *name, const char *value, cli_read_opts *o)
{
    if (strcmp(name, "--format") == 0) {
        if (strcmp(value, "csv") == 0)
            o->format = CLI_FORMAT_CSV;
        else if (strcmp(value, "libsvm") == 0 || strcmp(value, "svmlight") == 0)
            o->format = CLI_FORMAT_LIBSVM;
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
    if (strcmp(name, "--decimal") == 0) {
        if ((value[0] != '.' && value[0] != ',') || value[1] != '\0')
            return cli_usage(cmd, "--decimal: '%s' is not '.' or ','", value), -1;
        o->decimal = value[0];
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
