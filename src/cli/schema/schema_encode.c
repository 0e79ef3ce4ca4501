/* schema_encode.c -- a schema built from the training file's raw cells
 * (table.h): which columns are labels and how their values read, which
 * features are categories, the imputation means; the rows of the training
 * file encoded with it. Encoding any later file is schema_bind.c's. */
#include "read/format.h"
#include "read/table.h"
#include "schema/schema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Does s read as a finite number? */
static int looks_numeric(const char *s)
{
    char *e = NULL;
    if (*s == '\0')
        return 0;
    double v = strtod(s, &e);
    return *e == '\0' && isfinite(v);
}

const char *cli_schema_where(const cli_table *t, char *buf, size_t len)
{
    size_t line = cli_table_header_line(t);
    if (line > 0)
        snprintf(buf, len, "%s:%zu", cli_table_path(t), line);
    else
        snprintf(buf, len, "%s", cli_table_path(t));
    return buf;
}

/* ------------------------------------------------------------- labels */
/* The distinct values of label column j (info ci), as texts, sorted
 * (numbers by value, strings bytewise), at most cap + 1 of them. *vals
 * malloc'd strings. */
static mlpb_status label_values(const cli_table *t, const cli_colinfo *ci, size_t j,
                                size_t cap, char ***vals, size_t *nv, char *err,
                                size_t errlen)
{
    const cli_column *col = cli_table_column(t, j);
    const char       *path = cli_table_path(t);
    *vals                  = NULL;
    *nv                    = 0;
    if (ci->n_missing > 0)
        return cli_say(MLPB_E_FORMAT, err, errlen,
                   "%s:%zu:%zu: label column \"%s\" has a missing value", path,
                   ci->first_missing_line, ci->first_missing_col, col->name);
    char **v = calloc(cap + 1, sizeof(char *));
    if (v == NULL)
        return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
    size_t n = 0;
    if (ci->is_string) {
        n = ci->n_levels < cap + 1 ? ci->n_levels : cap + 1;
        for (size_t i = 0; i < n; i++)
            if ((v[i] = cli_strdup(ci->levels[i])) == NULL)
                goto nomem;
        qsort(v, n, sizeof *v, cmp_str);
    } else {
        /* ci->values are distinct and sorted already. */
        for (size_t i = 0; i < ci->n_values && n < cap + 1; i++) {
            char buf[48];
            cli_num_text(ci->values[i], buf, sizeof buf);
            if ((v[n] = cli_strdup(buf)) == NULL)
                goto nomem;
            n++;
        }
    }
    *vals = v;
    *nv   = n;
    return MLPB_OK;
nomem:
    for (size_t i = 0; i <= cap; i++)
        free(v[i]);
    free(v);
    return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
}

static void free_vals(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

/* Does text name value v of a label column (numbers compared as floats)? */
static int names_value(const char *text, const char *v, int numeric)
{
    return strcmp(v, text) == 0 ||
           (numeric && looks_numeric(text) && (float)strtod(text, NULL) == (float)strtod(v, NULL));
}

/* The label column a --positive item names as "COLUMN=VALUE" (its VALUE in
 * *value), or -1 when it is a plain VALUE (*value the whole item). */
static long positive_column(const cli_table *t, const cli_schema_spec *spec, const char *item,
                            const char **value)
{
    *value = item;
    for (size_t l = 0; l < spec->n_label_cols; l++) {
        const char *name = cli_table_column(t, spec->label_cols[l])->name;
        size_t      n    = strlen(name);
        if (strncmp(item, name, n) == 0 && item[n] == '=') {
            *value = item + n + 1;
            return (long)spec->label_cols[l];
        }
    }
    return -1;
}

/* Which of the two sorted values v of label column j is the positive one:
 *   1. a --positive COLUMN=VALUE item for this column;
 *   2. else the one plain --positive VALUE item among v;
 *   3. else the second of 0/1, -1/+1, false/true, no/yes (any case);
 *   4. else the value that sorts second (numbers by value, text by bytes),
 *      as scikit-learn's LabelBinarizer takes its classes_[1].
 * -1 and a message when an item
 * for this column names neither value, or two plain items name both. */
static int positive_of(const cli_table *t, const cli_schema_spec *spec, size_t j,
                       char *const *v, int numeric, char *err, size_t errlen)
{
    const char *col = cli_table_column(t, j)->name;
    int         plain = -1;
    for (size_t i = 0; i < spec->n_positive; i++) {
        const char *value;
        long        c = positive_column(t, spec, spec->positive[i], &value);
        if (c >= 0 && (size_t)c != j)
            continue;
        int hit = names_value(value, v[0], numeric) ? 0 : names_value(value, v[1], numeric) ? 1
                                                                                        : -1;
        if (c >= 0) {
            if (hit < 0)
                return cli_say(MLPB_E_FORMAT, err, errlen,
                               "%s: --positive %s: \"%s\" is not a value of label column "
                               "\"%s\" (\"%s\", \"%s\")", cli_table_path(t), spec->positive[i],
                               value, col, v[0], v[1]), -1;
            return hit;
        }
        if (hit >= 0 && plain >= 0 && hit != plain)
            return cli_say(MLPB_E_FORMAT, err, errlen,
                           "%s: --positive names both values of label column \"%s\" (\"%s\", "
                           "\"%s\"): say which with --positive %s=VALUE", cli_table_path(t),
                           col, v[0], v[1], col), -1;
        if (hit >= 0)
            plain = hit;
    }
    if (plain >= 0)
        return plain;
    static const char *const pairs[][2] = {
        {"0", "1"}, {"-1", "1"}, {"false", "true"}, {"no", "yes"}};
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
        for (int i = 0; i < 2; i++)
            if (strcasecmp(v[i], pairs[p][0]) == 0 && strcasecmp(v[1 - i], pairs[p][1]) == 0)
                return 1 - i;
    return 1;
}

/* Label l of the schema from column j. */
static mlpb_status build_label(const cli_table *t, const cli_colinfo *info, size_t j,
                               const cli_schema_spec *spec, cli_schema *s, char *err,
                               size_t errlen)
{
    const cli_column  *col = cli_table_column(t, j);
    const cli_colinfo *ci  = &info[j];
    char             **v   = NULL;
    size_t             nv  = 0;
    mlpb_status        st  = label_values(t, ci, j, CLI_SCHEMA_MAX_LEVELS, &v, &nv, err, errlen);
    if (st != MLPB_OK)
        return st;
    cli_label *lb = &s->labels[s->n_labels];
    memset(lb, 0, sizeof *lb);
    if ((lb->name = cli_strdup(col->name)) == NULL)
        goto nomem;
    s->n_labels++;
    if (nv == 1) {
        st = cli_say(MLPB_E_FORMAT, err, errlen,
                 "%s: label column \"%s\" has one value only (\"%s\"): nothing to learn",
                 cli_table_path(t), col->name, v[0]);
        goto out;
    }
    if (nv == 2 && !col->is_string && col->n_nonint > 0 &&
        ((strcmp(v[0], "0") == 0 && strcmp(v[1], "1") == 0) ||
         (strcmp(v[0], "1") == 0 && strcmp(v[1], "0") == 0))) {
        /* 0 and 1 once rounded to float, but some text is neither: "1e-300"
         * or "1.00000001" is not a 0/1 label, whatever its float. */
        st = cli_say(MLPB_E_FORMAT, err, errlen,
                 "%s:%zu:%zu: label column \"%s\": \"%s\" is not 0 or 1 (it only rounds to "
                 "one as a float)", cli_table_path(t), col->first_nonint_line,
                 col->first_nonint_col, col->name, col->first_nonint_text);
        goto out;
    }
    if (nv == 2) {
        int p = positive_of(t, spec, j, v, !ci->is_string, err, errlen);
        if (p < 0) {
            st = MLPB_E_FORMAT;
            goto out;
        }
        lb->pos = v[p];
        lb->neg = v[1 - p];
        v[0] = v[1] = NULL;
        goto out;
    }
    /* More than two values: a class column, alone. */
    if (spec->n_label_cols > 1) {
        st = cli_say(MLPB_E_FORMAT, err, errlen,
                 "%s: label column \"%s\" has more than two values; several label "
                 "columns must each have two (a class column is given alone)",
                 cli_table_path(t), col->name);
        goto out;
    }
    for (size_t i = 0; i < spec->n_positive; i++) {
        const char *value;
        if (positive_column(t, spec, spec->positive[i], &value) == (long)j ||
            spec->n_label_cols == 1) {
            st = cli_say(MLPB_E_FORMAT, err, errlen,
                     "%s: --positive: label column \"%s\" has more than two values",
                     cli_table_path(t), col->name);
            goto out;
        }
    }
    /* Numbers that are not integers, or about as many values as rows: a
     * regression target, which a classifier would learn as hundreds of
     * classes seen once or twice each. */
    if (!ci->is_string && ci->n_nonint > 0) {
        st = cli_say(MLPB_E_FORMAT, err, errlen,
                 "%s:%zu:%zu: label column \"%s\" looks continuous: \"%s\" is not an "
                 "integer, and it has %s%zu distinct values in %zu rows; mlpblas trains "
                 "classifiers, not regression (class labels are integers or strings)",
                 cli_table_path(t), ci->first_nonint_line, ci->first_nonint_col, col->name,
                 ci->first_nonint_text, nv > CLI_SCHEMA_MAX_LEVELS ? "more than " : "",
                 nv > CLI_SCHEMA_MAX_LEVELS ? (size_t)CLI_SCHEMA_MAX_LEVELS : nv, ci->count);
        goto out;
    }
    if (!ci->is_string && !spec->classify && nv > 20 && 3 * nv > ci->count) {
        st = cli_say(MLPB_E_FORMAT, err, errlen,
                 "%s: label column \"%s\" looks continuous: %s%zu distinct numbers in %zu "
                 "rows, fewer than 3 rows a value; mlpblas trains classifiers, not "
                 "regression: if these are classes, say so with --classify",
                 cli_table_path(t), col->name, nv > CLI_SCHEMA_MAX_LEVELS ? "more than " : "",
                 nv > CLI_SCHEMA_MAX_LEVELS ? (size_t)CLI_SCHEMA_MAX_LEVELS : nv, ci->count);
        goto out;
    }
    if (nv > CLI_SCHEMA_MAX_LEVELS) {
        st = cli_say(MLPB_E_FORMAT, err, errlen,
                 "%s: label column \"%s\" has more than %u distinct values",
                 cli_table_path(t), col->name, CLI_SCHEMA_MAX_LEVELS);
        goto out;
    }
    s->task      = CLI_TASK_MULTICLASS;
    s->classes   = v;
    s->n_classes = nv;
    v            = NULL;
    nv           = 0;
out:
    free_vals(v, nv);
    return st;
nomem:
    free_vals(v, nv);
    return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
}

/* Every plain --positive VALUE chose the positive value of some label
 * column: a value no column has is a typo, said rather than ignored. */
static mlpb_status check_positives(const cli_table *t, const cli_schema_spec *spec,
                                   const cli_schema *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < spec->n_positive; i++) {
        const char *value;
        if (positive_column(t, spec, spec->positive[i], &value) >= 0)
            continue;
        int used = 0;
        for (size_t l = 0; l < s->n_labels && !used; l++)
            used = s->labels[l].pos != NULL &&
                   names_value(value, s->labels[l].pos, looks_numeric(s->labels[l].pos));
        if (used)
            continue;
        if (s->n_labels == 1 && s->labels[0].pos != NULL)
            return cli_say(MLPB_E_FORMAT, err, errlen,
                           "%s: --positive \"%s\" is not a value of label column \"%s\" "
                           "(\"%s\", \"%s\")", cli_table_path(t), value, s->labels[0].name,
                           s->labels[0].neg, s->labels[0].pos);
        return cli_say(MLPB_E_FORMAT, err, errlen,
                       "%s: --positive \"%s\" is not a value of any two-valued label column "
                       "(give COLUMN=VALUE for one column)", cli_table_path(t), value);
    }
    return MLPB_OK;
}

/* ----------------------------------------------------------- features */
/* Feature j: its kind, categories and mean from info ci; the map from this
 * table's own level order (c's cells) to the schema's in *remap. */
static mlpb_status build_feature(const cli_table *t, const cli_chunk *c, const cli_colinfo *ci,
                                 size_t j, cli_missing mode, cli_feature *ft, size_t **remap,
                                 char *err, size_t errlen)
{
    const cli_column *col  = cli_table_column(t, j);
    const char       *path = cli_table_path(t);
    memset(ft, 0, sizeof *ft);
    *remap = NULL;
    if (ci->n_missing > 0 && mode == CLI_MISSING_ERROR)
        return cli_say(MLPB_E_FORMAT, err, errlen,
                   "%s:%zu:%zu: missing value in column \"%s\" (train with --missing mean "
                   "or --missing indicator to impute)", path, ci->first_missing_line,
                   ci->first_missing_col, col->name);
    if (ci->is_string) {
        /* Mostly numbers with a stray text is a typo, not a category --
         * unless --categorical said the column holds categories. */
        size_t numeric = 0;
        for (size_t v = 0; v < ci->n_levels; v++)
            numeric += (size_t)looks_numeric(ci->levels[v]);
        if (!col->declared && numeric * 2 >= ci->n_levels)
            return cli_say(MLPB_E_FORMAT, err, errlen,
                       "%s:%zu:%zu: \"%s\" is not a number (column \"%s\" holds numbers; "
                       "--categorical \"%s\" reads its cells as categories)",
                       path, ci->first_string_line, ci->first_string_col,
                       ci->first_string_text, col->name, col->name);
        if (ci->n_levels > CLI_SCHEMA_MAX_LEVELS)
            return cli_say(MLPB_E_FORMAT, err, errlen,
                       "%s: column \"%s\" has more than %u categories", path, col->name,
                       CLI_SCHEMA_MAX_LEVELS);
        if (ci->n_levels == 0)
            return cli_say(MLPB_E_FORMAT, err, errlen, "%s: column \"%s\" has no values", path,
                       col->name);
        if (!col->is_string)
            for (size_t i = 0; i < c->n; i++)
                if (!isnan(c->x[i * c->ncols + j]))
                    return cli_say(MLPB_E_FORMAT, err, errlen,
                               "%s:%zu: column \"%s\" holds only numbers in this part of "
                               "the file but text elsewhere (first at line %zu: \"%s\"); "
                               "its numbers cannot be named as categories here", path,
                               c->line[i], col->name, ci->first_string_line,
                               ci->first_string_text);
        ft->categorical = 1;
        ft->levels      = calloc(ci->n_levels, sizeof(char *));
        *remap          = malloc((col->n_levels ? col->n_levels : 1) * sizeof(size_t));
        if (ft->levels == NULL || *remap == NULL)
            return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
        for (size_t v = 0; v < ci->n_levels; v++) {
            if ((ft->levels[v] = cli_strdup(ci->levels[v])) == NULL)
                return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
            ft->n_levels++;
        }
        /* A fixed order, whatever the order of the rows: sorted bytewise. */
        qsort(ft->levels, ft->n_levels, sizeof(char *), cmp_str);
        for (size_t v = 0; v < col->n_levels; v++) {
            char *const *hit = bsearch(&col->levels[v], ft->levels, ft->n_levels,
                                       sizeof(char *), cmp_str);
            /* Not among them (cannot happen when info covers this table):
             * the cell encodes as an unseen category. */
            (*remap)[v] = hit ? (size_t)(hit - ft->levels) : ft->n_levels;
        }
    } else if (mode != CLI_MISSING_ERROR) {
        if (ci->count == 0)
            return cli_say(MLPB_E_FORMAT, err, errlen,
                       "%s: column \"%s\" has no values to take a mean of", path, col->name);
        ft->impute    = 1;
        ft->mean      = ci->sum / (double)ci->count;
        ft->indicator = mode == CLI_MISSING_INDICATOR && ci->n_missing > 0;
    }
    if ((ft->name = cli_strdup(col->name)) == NULL)
        return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
    return MLPB_OK;
}

/* Which columns are not features (labels, ignored, the id): one mark a
 * column, so choosing the features is linear in the columns. NULL when out
 * of memory. */
static unsigned char *not_features(const cli_schema_spec *spec, size_t ncols)
{
    unsigned char *m = calloc(ncols ? ncols : 1, 1);
    if (m == NULL)
        return NULL;
    for (size_t l = 0; l < spec->n_label_cols; l++)
        m[spec->label_cols[l]] = 1;
    for (size_t i = 0; i < spec->n_ignore; i++)
        m[spec->ignore_cols[i]] = 1;
    if (spec->id_col >= 0)
        m[spec->id_col] = 1;
    return m;
}

mlpb_status cli_schema_build(const cli_table *t, cli_chunk *c,
                             const cli_schema_spec *spec, cli_schema *s, float **x,
                             float **y, char *err, size_t errlen)
{
    size_t       ncols = cli_table_ncols(t);
    cli_colinfo *info  = calloc(ncols ? ncols : 1, sizeof *info);
    memset(s, 0, sizeof *s);
    *x = *y = NULL;
    if (info == NULL || cli_colinfo_local(t, c, spec, info) != MLPB_OK) {
        free(info);
        return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
    }
    mlpb_status st = cli_schema_build_from(t, c, spec, info, s, x, y, err, errlen);
    cli_colinfo_free(info, ncols);
    free(info);
    return st;
}

mlpb_status cli_schema_build_from(const cli_table *t, cli_chunk *c,
                                  const cli_schema_spec *spec, const cli_colinfo *info,
                                  cli_schema *s, float **x, float **y, char *err,
                                  size_t errlen)
{
    float         *tmp  = NULL;
    unsigned char *skip = NULL;
    size_t      ncols = cli_table_ncols(t);
    mlpb_status st    = MLPB_OK;
    cli_binding b;
    memset(s, 0, sizeof *s);
    memset(&b, 0, sizeof b);
    *x = *y = NULL;
    s->format  = CLI_FORMAT_CSV;
    s->missing = spec->missing;
    s->task    = spec->n_label_cols == 1 ? CLI_TASK_BINARY : CLI_TASK_MULTILABEL;
    if (spec->n_label_cols == 0)
        return cli_say(MLPB_E_INVALID_ARG, err, errlen, "no label column");

    s->labels   = calloc(spec->n_label_cols, sizeof *s->labels);
    s->features = calloc(ncols, sizeof *s->features);
    b.remap     = calloc(ncols, sizeof *b.remap);
    b.feat_col  = calloc(ncols, sizeof *b.feat_col);
    b.unseen    = calloc(ncols, sizeof *b.unseen);
    if (!s->labels || !s->features || !b.remap || !b.feat_col || !b.unseen)
        goto nomem;
    if (spec->id_col >= 0 && (s->id = cli_strdup(cli_table_column(t, (size_t)spec->id_col)
                                                  ->name)) == NULL)
        goto nomem;
    if (spec->n_ignore > 0) {
        if ((s->ignore = calloc(spec->n_ignore, sizeof(char *))) == NULL)
            goto nomem;
        for (size_t i = 0; i < spec->n_ignore; i++) {
            if ((s->ignore[i] = cli_strdup(cli_table_column(t, spec->ignore_cols[i])->name)) ==
                NULL)
                goto nomem;
            s->n_ignore++;
        }
    }
    for (size_t l = 0; l < spec->n_label_cols; l++)
        if ((st = build_label(t, info, spec->label_cols[l], spec, s, err, errlen)) != MLPB_OK)
            goto fail;
    if ((st = check_positives(t, spec, s, err, errlen)) != MLPB_OK)
        goto fail;
    /* The table's names are distinct (table.h), so the features' are. */
    if ((skip = not_features(spec, ncols)) == NULL)
        goto nomem;
    for (size_t j = 0; j < ncols; j++) {
        if (skip[j])
            continue;
        cli_feature *ft = &s->features[s->n_features];
        st = build_feature(t, c, &info[j], j, spec->missing, ft, &b.remap[s->n_features], err,
                           errlen);
        if (st != MLPB_OK) {
            s->n_features++; /* free what it holds */
            goto fail;
        }
        b.feat_col[s->n_features++] = j;
        s->d += ft->categorical ? ft->n_levels : 1 + (size_t)ft->indicator;
        if (s->d > CLI_SCHEMA_MAX_INPUTS) {
            st = cli_say(MLPB_E_FORMAT, err, errlen, "%s: more than %u inputs",
                     cli_table_path(t), CLI_SCHEMA_MAX_INPUTS);
            goto fail;
        }
    }
    if (s->n_features == 0) {
        st = cli_say(MLPB_E_FORMAT, err, errlen, "%s: no feature columns left",
                 cli_table_path(t));
        goto fail;
    }
    s->k = s->task == CLI_TASK_MULTICLASS ? s->n_classes : s->n_labels;

    /* Encode: the labels here, then the features through a binding in the
     * training file's own level order. */
    b.s      = s;
    b.t      = t;
    b.id_col = -1;
    if ((*y = calloc((c->n ? c->n : 1) * s->k, sizeof(float))) == NULL)
        goto nomem;
    for (size_t l = 0; l < spec->n_label_cols; l++) {
        size_t            j   = spec->label_cols[l];
        const cli_column *col = cli_table_column(t, j);
        cli_label_memo    memo = {0};
        for (size_t i = 0; i < c->n; i++) {
            long v = cli_schema_label_index_memo(s, l, col, c->x[i * c->ncols + j], &memo);
            if (v < 0) { /* cannot happen: the values came from this column */
                cli_label_memo_free(&memo);
                st = cli_say(MLPB_E_FORMAT, err, errlen, "%s:%zu: label \"%s\": bad value",
                         cli_table_path(t), c->line[i], col->name);
                goto fail;
            }
            if (s->task == CLI_TASK_MULTICLASS)
                (*y)[i * s->k + (size_t)v] = 1.0f;
            else
                (*y)[i * s->k + l] = (float)v;
        }
        cli_label_memo_free(&memo);
    }
    if (s->d <= c->ncols && c->n > 0) {
        /* In place, so the data is held once: row i's inputs go to
         * [i d, i d + d), which ends before row i + 1's cells; the row is
         * encoded from a copy of its own cells. */
        cli_chunk one = *c;
        one.n         = 1;
        if ((tmp = malloc(c->ncols * sizeof(float))) == NULL)
            goto nomem;
        one.x = tmp;
        for (size_t i = 0; i < c->n; i++) {
            memcpy(tmp, c->x + i * c->ncols, c->ncols * sizeof(float));
            one.line = c->line + i;
            if ((st = cli_binding_encode(&b, &one, c->x + i * s->d, NULL, NULL, err,
                                         errlen)) != MLPB_OK)
                goto fail;
        }
        free(tmp);
        tmp = NULL;
        *x  = c->x;
        c->x = NULL; /* taken */
        float *px = s->d < c->ncols ? realloc(*x, c->n * s->d * sizeof(float)) : NULL;
        if (px != NULL)
            *x = px;
    } else {
        if ((*x = malloc((c->n ? c->n : 1) * s->d * sizeof(float))) == NULL)
            goto nomem;
        if ((st = cli_binding_encode(&b, c, *x, NULL, NULL, err, errlen)) != MLPB_OK)
            goto fail;
    }
    for (size_t f = 0; f < s->n_features; f++)
        free(b.remap[f]);
    free(b.remap);
    free(b.feat_col);
    free(b.unseen);
    free(skip);
    return MLPB_OK;
nomem:
    st = cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
fail:
    if (b.remap != NULL)
        for (size_t f = 0; f < ncols; f++)
            free(b.remap[f]);
    free(b.remap);
    free(b.feat_col);
    free(b.unseen);
    free(skip);
    free(tmp);
    free(*x);
    free(*y);
    *x = *y = NULL;
    cli_schema_free(s);
    return st;
}
