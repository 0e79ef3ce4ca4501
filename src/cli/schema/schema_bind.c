/* schema_bind.c -- a schema bound to a table (the columns of any later
 * file found by name, LIBSVM indices by the model's feature list) and rows
 * encoded with it into the network's inputs and targets, with the notes on
 * what the model does not use. */
#include "read/format.h"
#include "read/table.h"
#include "schema/schema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The class (or 0/1 value) index of cell v of label column col. */
long cli_schema_label_index(const cli_schema *s, size_t l, const cli_column *col, float v)
{
    char        buf[48];
    const char *text;
    if (col->is_string) {
        if (!(v >= 0.0f) || (size_t)v >= col->n_levels)
            return -1;
        text = col->levels[(size_t)v];
    } else {
        cli_num_text(v, buf, sizeof buf);
        text = buf;
    }
    if (s->task == CLI_TASK_MULTICLASS) {
        for (size_t c = 0; c < s->n_classes; c++)
            if (strcmp(s->classes[c], text) == 0)
                return (long)c;
        return -1;
    }
    if (strcmp(text, s->labels[l].pos) == 0)
        return 1;
    if (strcmp(text, s->labels[l].neg) == 0)
        return 0;
    return -1;
}

/* Slots of a memo's number table: above twice the most classes. */
#define MEMO_SLOTS 4096u

long cli_schema_label_index_memo(const cli_schema *s, size_t l, const cli_column *col, float v,
                                 cli_label_memo *memo)
{
    if (col->is_string) {
        if (!(v >= 0.0f) || (size_t)v >= col->n_levels)
            return -1;
        size_t lv = (size_t)v;
        if (memo->n_lev < col->n_levels) { /* levels grow across chunks */
            long *p = realloc(memo->lev, col->n_levels * sizeof *p);
            if (p == NULL)
                return cli_schema_label_index(s, l, col, v);
            for (size_t i = memo->n_lev; i < col->n_levels; i++)
                p[i] = -2;
            memo->lev   = p;
            memo->n_lev = col->n_levels;
        }
        if (memo->lev[lv] == -2)
            memo->lev[lv] = cli_schema_label_index(s, l, col, v);
        return memo->lev[lv];
    }
    /* Keyed by the bits: -0 and 0 are named apart ("-0", "0"). */
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    for (size_t i = 0; i < memo->n; i++)
        if (memo->bits[i] == bits)
            return memo->q[i];
    size_t h = 0;
    if (memo->n == sizeof memo->bits / sizeof memo->bits[0]) {
        if (memo->hq == NULL) {
            memo->hkey = malloc(MEMO_SLOTS * sizeof *memo->hkey);
            memo->hq   = malloc(MEMO_SLOTS * sizeof *memo->hq);
            if (memo->hkey == NULL || memo->hq == NULL) {
                cli_label_memo_free(memo);
                memo->n = sizeof memo->bits / sizeof memo->bits[0];
                return cli_schema_label_index(s, l, col, v);
            }
            for (size_t i = 0; i < MEMO_SLOTS; i++)
                memo->hq[i] = -2;
        }
        for (h = (bits * 2654435761u) & (MEMO_SLOTS - 1); memo->hq[h] != -2;
             h = (h + 1) & (MEMO_SLOTS - 1))
            if (memo->hkey[h] == bits)
                return memo->hq[h];
    }
    long q = cli_schema_label_index(s, l, col, v);
    if (memo->n < sizeof memo->bits / sizeof memo->bits[0]) {
        memo->bits[memo->n] = bits;
        memo->q[memo->n++]  = q;
    } else if (memo->hn < MEMO_SLOTS / 2) {
        memo->hkey[h] = bits;
        memo->hq[h]   = q;
        memo->hn++;
    }
    return q;
}

void cli_label_memo_free(cli_label_memo *memo)
{
    free(memo->lev);
    free(memo->hkey);
    free(memo->hq);
    memset(memo, 0, sizeof *memo);
}

void cli_binding_free(cli_binding *b)
{
    free(b->used);
    free(b->feat_col);
    free(b->label_col);
    free(b->unseen);
    memset(b, 0, sizeof *b);
}

/* The column named name, or -1: O(1) through the table's name index, whose
 * names are distinct (table.h). */
static long find_col(const cli_table *t, const char *name)
{
    return cli_table_find(t, name, strlen(name));
}

/* Append ", \"name\"" to a message buffer, keeping it terminated. */
static void append_name(char *buf, size_t len, size_t *off, const char *name)
{
    if (*off >= len)
        return;
    int w = snprintf(buf + *off, len - *off, "%s\"%s\"", *off ? ", " : "", name);
    if (w > 0)
        *off += (size_t)w;
}

mlpb_status cli_binding_init(cli_binding *b, const cli_schema *s, cli_table *t,
                             int need_labels, const char *id, char *err, size_t errlen)
{
    char wb[1100];
    memset(b, 0, sizeof *b);
    b->s           = s;
    b->t           = t;
    b->id_col      = -1;
    b->with_labels = need_labels;
    const char *path = cli_table_path(t);
    size_t      ncols = cli_table_ncols(t);

    if (cli_table_format(t) == CLI_FORMAT_LIBSVM) {
        /* By position: a CSV model's features are LIBSVM indices 1..d when
         * each is one number. */
        if (s->format == CLI_FORMAT_CSV &&
            (s->d != s->n_features || s->task == CLI_TASK_MULTICLASS))
            return cli_say(MLPB_E_FORMAT, err, errlen,
                       "%s: a LIBSVM file, but the model's inputs are not its CSV columns "
                       "one for one (categories, indicators or classes)", path);
        if (id != NULL)
            return cli_say(MLPB_E_INVALID_ARG, err, errlen, "%s: --id: LIBSVM rows have no "
                       "columns", path);
        return MLPB_OK;
    }

    b->unseen    = calloc(s->n_features ? s->n_features : 1, sizeof(size_t));
    b->feat_col  = calloc(s->n_features ? s->n_features : 1, sizeof(size_t));
    b->label_col = calloc(s->n_labels ? s->n_labels : 1, sizeof(size_t));
    /* used[j]: 1 the model uses column j (extra_note), 2 its cells are read. */
    unsigned char *used = b->used = calloc(ncols ? ncols : 1, 1);
    if (!b->unseen || !b->feat_col || !b->label_col || !used) {
        cli_binding_free(b);
        return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
    }
    mlpb_status st = MLPB_OK;
    if (s->format != CLI_FORMAT_CSV) {
        /* A model without a schema, or trained on LIBSVM rows: by position,
         * the labels last. */
        size_t d = s->d, k = s->k;
        if (ncols != d && !(ncols == d + k)) {
            st = cli_say(MLPB_E_FORMAT, err, errlen,
                     "%s: %zu columns, but the model takes %zu features (or %zu with %zu "
                     "label column%s); it has no column names to match",
                     cli_schema_where(t, wb, sizeof wb), ncols, d, d + k, k, k == 1 ? "" : "s");
            goto out;
        }
        if (need_labels && ncols != d + k) {
            st = cli_say(MLPB_E_FORMAT, err, errlen,
                     "%s: %zu columns: no label columns for the model's %zu output%s", path,
                     ncols, k, k == 1 ? "" : "s");
            goto out;
        }
        b->with_labels = ncols == d + k && need_labels;
        for (size_t l = 0; l < k && b->with_labels; l++)
            b->label_col[l] = d + l;
        goto out;
    }
    char   missing[1024];
    size_t off = 0, n_missing = 0;
    missing[0] = '\0';
    for (size_t f = 0; f < s->n_features; f++) {
        long j = find_col(t, s->features[f].name);
        if (j == -1) {
            append_name(missing, sizeof missing, &off, s->features[f].name);
            n_missing++;
            continue;
        }
        b->feat_col[f] = (size_t)j;
        used[j]        = 3;
        if (s->features[f].categorical &&
            (st = cli_table_set_levels(t, (size_t)j,
                                       (const char *const *)s->features[f].levels,
                                       s->features[f].n_levels, 1)) != MLPB_OK) {
            st = cli_say(st, err, errlen, "%s: cannot declare the categories of \"%s\"", path,
                     s->features[f].name);
            goto out;
        }
    }
    if (n_missing > 0) {
        st = cli_say(MLPB_E_FORMAT, err, errlen, "%s: no column%s %s (the model's feature%s)",
                 cli_schema_where(t, wb, sizeof wb), n_missing == 1 ? "" : "s", missing,
                 n_missing == 1 ? "" : "s");
        goto out;
    }
    for (size_t l = 0; l < s->n_labels; l++) {
        long j = find_col(t, s->labels[l].name);
        if (j == -1 && need_labels) {
            st = cli_say(MLPB_E_FORMAT, err, errlen,
                     "%s: no label column \"%s\": eval needs the labels",
                     cli_schema_where(t, wb, sizeof wb), s->labels[l].name);
            goto out;
        }
        if (j >= 0) {
            used[j] |= 1;
            if (need_labels) {
                b->label_col[l] = (size_t)j;
                used[j] |= 2;
            }
        }
    }
    const char *want_id = id != NULL ? id : s->id;
    if (want_id != NULL) {
        long j = find_col(t, want_id);
        if (j == -1 && id != NULL) {
            st = cli_say(MLPB_E_FORMAT, err, errlen, "%s: --id: no column named \"%s\"",
                         cli_schema_where(t, wb, sizeof wb), want_id);
            cli_table_name_hint(t, want_id, strlen(want_id), err, errlen);
            goto out;
        }
        if (j >= 0) {
            b->id_col = j;
            used[j] |= 3;
        }
    }
    for (size_t i = 0; i < s->n_ignore; i++) {
        long j = find_col(t, s->ignore[i]);
        if (j >= 0)
            used[j] |= 1;
    }
    for (size_t j = 0; j < ncols; j++)
        b->n_extra += !used[j];
    /* Columns not read (extras, ignored ones, labels for predict) are declared
     * to have no categories, so that their texts are not kept: a free-text
     * column of a million rows costs nothing. */
    for (size_t j = 0; j < ncols; j++) {
        static const char *const none[1] = {""};
        if (!(used[j] & 2) && (st = cli_table_set_levels(t, j, none, 0, 1)) != MLPB_OK) {
            st = cli_say(st, err, errlen, "%s: cannot skip column %zu", path, j + 1);
            goto out;
        }
    }
out:
    if (st != MLPB_OK)
        cli_binding_free(b);
    return st;
}

void cli_binding_extra_note(const cli_binding *b, char *buf, size_t len)
{
    buf[0] = '\0';
    if (b->n_extra == 0 || b->s->format != CLI_FORMAT_CSV)
        return;
    size_t off = 0;
    int    w   = snprintf(buf, len, "%s: ignoring %zu column%s the model does not use: ",
                          cli_table_path(b->t), b->n_extra, b->n_extra == 1 ? "" : "s");
    if (w < 0)
        return;
    off = (size_t)w;
    size_t shown = 0, ncols = cli_table_ncols(b->t);
    for (size_t j = 0; j < ncols && off < len; j++) {
        if (b->used != NULL && b->used[j])
            continue;
        if (shown == 8) {
            snprintf(buf + off, len - off, ", ...");
            break;
        }
        size_t before = off;
        append_name(buf, len, &off, cli_table_column(b->t, j)->name);
        if (shown == 0 && off > before && before + 2 <= off) {
            /* append_name put ", " before the first name: drop it. */
            memmove(buf + before, buf + before + 2, off - before - 1);
            off -= 2;
        }
        shown++;
    }
}

void cli_binding_unseen_note(const cli_binding *b, char *buf, size_t len)
{
    buf[0] = '\0';
    if (b->unseen == NULL)
        return;
    size_t total = 0, off = 0;
    for (size_t f = 0; f < b->s->n_features; f++)
        total += b->unseen[f];
    if (total == 0)
        return;
    int w = snprintf(buf, len, "%s: %zu cell%s held categories not seen in training, "
                     "encoded as all zeros:", cli_table_path(b->t), total,
                     total == 1 ? "" : "s");
    if (w < 0)
        return;
    off = (size_t)w;
    for (size_t f = 0; f < b->s->n_features && off < len; f++) {
        if (b->unseen[f] == 0)
            continue;
        w = snprintf(buf + off, len - off, " \"%s\" %zu", b->s->features[f].name,
                     b->unseen[f]);
        if (w < 0)
            return;
        off += (size_t)w;
    }
}

/* FILE:LINE:COLUMN of the first missing cell of column j when it is on
 * line, else FILE:LINE. */
static void cell_pos(const cli_table *t, size_t j, size_t line, int missing, char *buf,
                     size_t len)
{
    const cli_column *col = cli_table_column(t, j);
    size_t            l   = missing ? col->first_missing_line : col->first_string_line;
    size_t            c   = missing ? col->first_missing_col : col->first_string_col;
    if (l == line && c > 0)
        snprintf(buf, len, "%s:%zu:%zu", cli_table_path(t), line, c);
    else
        snprintf(buf, len, "%s:%zu", cli_table_path(t), line);
}

enum { MEMOS = 4 }; /* label memos an encode keeps */
static mlpb_status encode_named(cli_binding *b, const cli_chunk *c, float *x, float *y,
                                size_t *cls, cli_label_memo *memo, char *err, size_t errlen);

mlpb_status cli_binding_encode(cli_binding *b, const cli_chunk *c, float *x, float *y,
                               size_t *cls, char *err, size_t errlen)
{
    const cli_schema *s = b->s;
    const size_t      d = s->d, k = s->k, nc = c->ncols;
    char              pos[512];
    if (cli_table_format(b->t) == CLI_FORMAT_LIBSVM || s->format != CLI_FORMAT_CSV) {
        /* Positional: the cells are the inputs (LIBSVM's dense rows, or a
         * schema-less model's first d columns), labels as read. */
        for (size_t i = 0; i < c->n; i++) {
            for (size_t j = 0; j < d; j++) {
                float v = j < nc ? c->x[i * nc + j] : 0.0f;
                if (isnan(v)) {
                    cell_pos(b->t, j, c->line[i], 1, pos, sizeof pos);
                    return cli_say(MLPB_E_FORMAT, err, errlen, "%s: missing value", pos);
                }
                if (cli_table_format(b->t) == CLI_FORMAT_CSV &&
                    cli_table_column(b->t, j)->is_string) {
                    cell_pos(b->t, j, c->line[i], 0, pos, sizeof pos);
                    return cli_say(MLPB_E_FORMAT, err, errlen, "%s: not a number", pos);
                }
                x[i * d + j] = v;
            }
            if (y == NULL || !b->with_labels)
                continue;
            for (size_t l = 0; l < k; l++) {
                float v = cli_table_format(b->t) == CLI_FORMAT_LIBSVM
                              ? (l < c->k ? c->y[i * c->k + l] : 0.0f)
                              : c->x[i * nc + b->label_col[l]];
                if (v != 0.0f && v != 1.0f) {
                    snprintf(pos, sizeof pos, "%s:%zu", cli_table_path(b->t), c->line[i]);
                    return cli_say(MLPB_E_FORMAT, err, errlen, "%s: label %zu must be 0 or 1",
                               pos, l + 1);
                }
                y[i * k + l] = v;
            }
            /* A LIBSVM class column: the class is the one-hot output set. */
            if (cls != NULL && s->task == CLI_TASK_MULTICLASS) {
                size_t q = 0;
                while (q + 1 < k && y[i * k + q] != 1.0f)
                    q++;
                cls[i] = q;
            }
        }
        return MLPB_OK;
    }
    /* Memos for the first labels (most schemas have one). */
    cli_label_memo memo[MEMOS] = {{0}};
    mlpb_status    st = encode_named(b, c, x, y, cls, memo, err, errlen);
    for (size_t l = 0; l < MEMOS; l++)
        cli_label_memo_free(&memo[l]);
    return st;
}

/* Rows of a CSV table through a CSV schema, the columns found by name. */
static mlpb_status encode_named(cli_binding *b, const cli_chunk *c, float *x, float *y,
                                size_t *cls, cli_label_memo *memo, char *err, size_t errlen)
{
    const cli_schema *s = b->s;
    const size_t      d = s->d, k = s->k, nc = c->ncols;
    char              pos[512];
    for (size_t i = 0; i < c->n; i++) {
        const float *row = c->x + i * nc;
        float       *xr  = x + i * d;
        size_t       o   = 0;
        for (size_t f = 0; f < s->n_features; f++) {
            const cli_feature *ft  = &s->features[f];
            size_t             j   = b->feat_col[f];
            float              v   = row[j];
            const cli_column  *col = cli_table_column(b->t, j);
            if (ft->categorical) {
                for (size_t q = 0; q < ft->n_levels; q++)
                    xr[o + q] = 0.0f;
                if (isnan(v)) {
                    if (s->missing == CLI_MISSING_ERROR) {
                        cell_pos(b->t, j, c->line[i], 1, pos, sizeof pos);
                        return cli_say(MLPB_E_FORMAT, err, errlen,
                                   "%s: missing value in column \"%s\"", pos, ft->name);
                    }
                } else if (v < 0.0f) {
                    b->unseen[f]++;
                } else {
                    size_t q = (size_t)v;
                    if (b->remap != NULL)
                        q = q < col->n_levels ? b->remap[f][q] : ft->n_levels;
                    if (q < ft->n_levels)
                        xr[o + q] = 1.0f;
                    else
                        b->unseen[f]++;
                }
                o += ft->n_levels;
                continue;
            }
            if (col->is_string) {
                cell_pos(b->t, j, col->first_string_line, 0, pos, sizeof pos);
                return cli_say(MLPB_E_FORMAT, err, errlen,
                           "%s: \"%s\" is not a number (column \"%s\" is numeric in the "
                           "model)", pos, col->first_string_text, ft->name);
            }
            int miss = isnan(v);
            if (miss && !ft->impute) {
                cell_pos(b->t, j, c->line[i], 1, pos, sizeof pos);
                return cli_say(MLPB_E_FORMAT, err, errlen,
                           "%s: missing value in column \"%s\" (the model was trained with "
                           "--missing error)", pos, ft->name);
            }
            xr[o++] = miss ? (float)ft->mean : v;
            if (ft->indicator)
                xr[o++] = miss ? 1.0f : 0.0f;
        }
        if (y == NULL || !b->with_labels)
            continue;
        float *yr = y + i * k;
        for (size_t q = 0; q < k; q++)
            yr[q] = 0.0f;
        for (size_t l = 0; l < s->n_labels; l++) {
            size_t            j   = b->label_col[l];
            const cli_column *col = cli_table_column(b->t, j);
            float             v   = row[j];
            if (isnan(v)) {
                cell_pos(b->t, j, c->line[i], 1, pos, sizeof pos);
                return cli_say(MLPB_E_FORMAT, err, errlen, "%s: label \"%s\": missing value",
                           pos, s->labels[l].name);
            }
            long q = l < MEMOS ? cli_schema_label_index_memo(s, l, col, v, &memo[l])
                               : cli_schema_label_index(s, l, col, v);
            if (q < 0) {
                snprintf(pos, sizeof pos, "%s:%zu", cli_table_path(b->t), c->line[i]);
                if (s->task == CLI_TASK_MULTICLASS)
                    return cli_say(MLPB_E_FORMAT, err, errlen,
                               "%s: label \"%s\": a value that is not one of the model's "
                               "%zu classes", pos, s->labels[l].name, s->n_classes);
                return cli_say(MLPB_E_FORMAT, err, errlen,
                           "%s: label \"%s\": a value that is neither \"%s\" nor \"%s\"", pos,
                           s->labels[l].name, s->labels[l].neg, s->labels[l].pos);
            }
            if (s->task == CLI_TASK_MULTICLASS) {
                yr[q] = 1.0f;
                if (cls != NULL)
                    cls[i] = (size_t)q;
            } else {
                yr[l] = (float)q;
            }
        }
    }
    return MLPB_OK;
}
