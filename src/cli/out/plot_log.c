/* plot_log.c -- the learning-curve CSV of `train --log` read back for
 * `mlpblas plot`: columns found by name in the header, one epoch a row, the
 * epochs increasing. The file may come from anywhere, so every field is
 * checked; the fuzz harness tests/fuzz/fuzz_plot_log.c runs it. */
#include "out/plot_log.h"

#include "base/msg.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The log's columns that the chart uses, by name. */
enum { C_EPOCH, C_TRAIN, C_VAL, C_ACC, C_AUC, C_SECONDS, C_RATE, C_BEST, N_COLS };
static const char *const col_names[N_COLS] = {"epoch",   "train_loss", "val_loss",
                                              "val_accuracy", "val_auc", "seconds",
                                              "samples_per_s", "best_epoch"};

/* Split line at commas in place (no quoting: the log has none). */
static size_t split(char *line, char **field, size_t cap)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *s = line;; ) {
        if (n < cap)
            field[n] = s;
        n++;
        char *c = strchr(s, ',');
        if (c == NULL)
            break;
        *c = '\0';
        s  = c + 1;
    }
    return n;
}

/* An empty field is "none" (NaN); else a number, or -1 with *bad set. */
static double number(const char *s, int *bad)
{
    if (s[0] == '\0')
        return (double)NAN;
    char  *end;
    errno    = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        *bad = 1;
    return v;
}

int cli_read_log(const char *path, FILE *in, mlpb_epoch_info **out, size_t *n_out)
{
    char             line[4096];
    char            *field[64];
    int              col[N_COLS];
    size_t           n = 0, cap = 0, lineno = 1;
    mlpb_epoch_info *h = NULL;
    if (fgets(line, sizeof line, in) == NULL)
        return cli_fail("%s:1:1: empty file; expected the CSV of 'mlpblas train --log'", path);
    size_t nf = split(line, field, 64);
    for (int c = 0; c < N_COLS; c++) {
        col[c] = -1;
        for (size_t i = 0; i < nf && i < 64; i++)
            if (strcmp(field[i], col_names[c]) == 0)
                col[c] = (int)i;
    }
    if (col[C_EPOCH] < 0 || col[C_TRAIN] < 0)
        return cli_fail("%s:1:1: no \"epoch\" and \"train_loss\" columns; expected the CSV "
                        "of 'mlpblas train --log'", path);
    while (fgets(line, sizeof line, in) != NULL) {
        lineno++;
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        nf = split(line, field, 64);
        mlpb_epoch_info e;
        memset(&e, 0, sizeof e);
        double v[N_COLS];
        int    bad = 0;
        for (int c = 0; c < N_COLS; c++) {
            if (col[c] >= 0 && (size_t)col[c] >= nf) {
                free(h);
                return cli_fail("%s:%zu:1: %zu fields, expected at least %d", path, lineno,
                                nf, col[c] + 1);
            }
            v[c] = col[c] >= 0 ? number(field[col[c]], &bad) : (double)NAN;
            if (bad) {
                free(h);
                return cli_fail("%s:%zu: %s \"%s\" is not a number", path, lineno,
                                col_names[c], field[col[c]]);
            }
        }
        if (!(v[C_EPOCH] >= 1.0 && v[C_EPOCH] < 1e12) || v[C_EPOCH] != floor(v[C_EPOCH]) ||
            (n > 0 && (size_t)v[C_EPOCH] <= h[n - 1].epoch)) {
            free(h);
            return cli_fail("%s:%zu: epoch \"%s\" is not a whole number above the last",
                            path, lineno, field[col[C_EPOCH]]);
        }
        e.epoch        = (size_t)v[C_EPOCH];
        e.train_loss   = v[C_TRAIN];
        e.val_loss     = v[C_VAL];
        e.val.accuracy = v[C_ACC];
        e.val.auc      = v[C_AUC];
        e.seconds      = v[C_SECONDS];
        e.samples_per_s = v[C_RATE];
        e.best_epoch   = isfinite(v[C_BEST]) && v[C_BEST] >= 0.0 && v[C_BEST] < 1e12
                             ? (size_t)v[C_BEST] : 0;
        if (n == cap) {
            size_t           nc = cap ? 2 * cap : 64;
            mlpb_epoch_info *t  = realloc(h, nc * sizeof *t);
            if (t == NULL) {
                free(h);
                return cli_fail("mlpblas plot: out of memory");
            }
            h   = t;
            cap = nc;
        }
        h[n++] = e;
    }
    if (ferror(in)) {
        free(h);
        return cli_fail("%s: cannot read: %s", path, strerror(errno));
    }
    if (n == 0)
        return cli_fail("%s:2:1: no epochs in the log", path);
    *out   = h;
    *n_out = n;
    return CLI_OK;
}

