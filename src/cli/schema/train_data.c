/* train_data.c -- the training data of `train` (train_data.h): column
 * options resolved against the header, the LIBSVM schema, the dataset named
 * by a schema, and the one-process reader of the whole file. */
#include "schema/train_data.h"

#include "base/msg.h"
#include "base/term.h"
#include "read/colsel.h"
#include "read/data.h"
#include "read/format.h"
#include "read/table.h"
#include "schema/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Input names into a dataset's one buffer: first their length (buf NULL),
 * then the names. */
typedef struct name_fill {
    cli_data *d;
    size_t     len;
} name_fill;

static void fill_name(void *ctx, size_t i, const char *name)
{
    name_fill *nf = ctx;
    size_t     l  = strlen(name) + 1;
    if (nf->d->names_buf != NULL) {
        memcpy(nf->d->names_buf + nf->len, name, l);
        nf->d->feature_names[i] = nf->d->names_buf + nf->len;
    }
    nf->len += l;
}

/* A dataset of n rows of encoded x and y (taken), named by the schema. */
int cli_make_data(const cli_schema *s, size_t n, float *x, float *y, cli_data *d)
{
    memset(d, 0, sizeof *d);
    /* LIBSVM features are named by position (cli_data_feature_name): a few
     * bytes of text may name millions of them, so no names are built. */
    const size_t named = s->format == CLI_FORMAT_LIBSVM ? 0 : s->d;
    name_fill    nf    = {d, 0};
    if (named)
        cli_schema_each_input(s, fill_name, &nf);
    size_t len = nf.len;
    for (size_t j = 0; j < s->k; j++)
        len += strlen(cli_schema_output_name(s, j)) + 1;
    d->n = n;
    d->d = s->d;
    d->k = s->k;
    d->x = x;
    d->y = y;
    d->names_buf     = malloc(len ? len : 1);
    d->names_len     = len;
    d->feature_names = named ? malloc(named * sizeof(char *)) : NULL;
    d->label_names   = malloc(s->k * sizeof(char *));
    d->format        = s->format;
    if (s->svm_features != NULL &&
        (d->feature_ids = malloc(s->d * sizeof *d->feature_ids)) != NULL)
        memcpy(d->feature_ids, s->svm_features, s->d * sizeof *d->feature_ids);
    if (d->names_buf == NULL || (named && d->feature_names == NULL) || d->label_names == NULL ||
        (s->svm_features != NULL && d->feature_ids == NULL)) {
        cli_data_free(d);
        return cli_fail("mlpblas: out of memory");
    }
    nf.len = 0;
    if (named)
        cli_schema_each_input(s, fill_name, &nf);
    size_t off = nf.len;
    for (size_t j = 0; j < s->k; j++) {
        const char *nm = cli_schema_output_name(s, j);
        size_t      l  = strlen(nm) + 1;
        memcpy(d->names_buf + off, nm, l);
        d->label_names[j] = d->names_buf + off;
        off += l;
    }
    return CLI_OK;
}

int cli_libsvm_schema(size_t d, size_t k, const uint32_t *feat, const int32_t *ids,
                      size_t n_ids, cli_schema *s)
{
    memset(s, 0, sizeof *s);
    const int classes = ids != NULL && n_ids > 2;
    size_t    nl      = classes ? 1 : k;
    s->format         = CLI_FORMAT_LIBSVM;
    s->task = classes ? CLI_TASK_MULTICLASS : k == 1 ? CLI_TASK_BINARY : CLI_TASK_MULTILABEL;
    s->d      = d;
    s->k      = k;
    s->labels = calloc(nl, sizeof *s->labels);
    if (classes && (s->classes = calloc(n_ids, sizeof *s->classes)) != NULL)
        for (size_t c = 0; c < n_ids; c++, s->n_classes++) {
            char num[16];
            snprintf(num, sizeof num, "%ld", (long)ids[c]);
            if ((s->classes[c] = cli_strdup(num)) == NULL)
                break;
        }
    if (feat != NULL && (s->svm_features = malloc(d * sizeof *feat)) != NULL)
        memcpy(s->svm_features, feat, d * sizeof *feat);
    if (s->labels == NULL || (feat != NULL && s->svm_features == NULL) ||
        (classes && (s->classes == NULL || s->n_classes < n_ids))) {
        cli_schema_free(s);
        return cli_fail("mlpblas: out of memory");
    }
    s->n_labels = nl;
    for (size_t l = 0; l < nl; l++) {
        char num[CLI_NAME_BUF], neg[16] = "0", pos[16] = "1";
        snprintf(num, sizeof num, "%zu", l);
        if (ids != NULL && n_ids == 2) {
            /* Two class ids other than 0/1, -1/+1: the larger is 1. */
            snprintf(neg, sizeof neg, "%ld", (long)ids[0]);
            snprintf(pos, sizeof pos, "%ld", (long)ids[1]);
        }
        s->labels[l].name = cli_strdup(nl == 1 ? "label" : num);
        s->labels[l].neg  = classes ? NULL : cli_strdup(neg);
        s->labels[l].pos  = classes ? NULL : cli_strdup(pos);
        if (!s->labels[l].name || (!classes && (!s->labels[l].neg || !s->labels[l].pos))) {
            cli_schema_free(s);
            return cli_fail("mlpblas: out of memory");
        }
    }
    return CLI_OK;
}

/* The level list of a column declared with none (open or closed). */
static const char *const no_levels[1] = {""};

/* The --categorical columns (mark: 1 ignored, 2 the id, 4 a label), each
 * declared to the table with open levels: its cells become categories, in
 * the order seen, numbers keyed by value ("4" and "4.0" are one). */
static int declare_categorical(cli_table *t, const char *path, const train_cols *tc,
                               const unsigned char *mark)
{
    char    err[2048];
    size_t  ncols = cli_table_ncols(t), n = 0, hl = cli_table_header_line(t);
    size_t *cat = malloc((ncols ? ncols : 1) * sizeof(size_t));
    int     rc  = CLI_OK;
    if (cat == NULL)
        return cli_fail("mlpblas: out of memory");
    for (size_t i = 0; i < tc->n_categorical && rc == CLI_OK; i++)
        if (cli_columns_select(t, tc->categorical[i], cat, ncols, &n, err, sizeof err) !=
            MLPB_OK)
            rc = cli_fail("%s:%zu: --categorical: %s", path, hl, err);
    for (size_t i = 0; i < n && rc == CLI_OK; i++) {
        const char *name = cli_table_column(t, cat[i])->name;
        if (mark[cat[i]] != 0)
            rc = cli_fail("%s:%zu: --categorical: column \"%s\" is not a feature (it is %s)",
                          path, hl, name,
                          (mark[cat[i]] & 4) ? "a label; a label of numbers is a class "
                                               "column with --classify"
                          : (mark[cat[i]] & 2) ? "the id column"
                                               : "ignored");
        else if (cli_table_set_levels(t, cat[i], no_levels, 0, 0) != MLPB_OK)
            rc = cli_fail("mlpblas: out of memory");
    }
    free(cat);
    return rc;
}

int cli_train_columns(cli_table *t, const char *path, const train_cols *tc, size_t **label_out,
                      size_t *n_label_out, size_t **ignore_out, size_t *n_ignore_out,
                      long *id_out)
{
    char    err[2048];
    size_t  ncols = cli_table_ncols(t), n_label = 0, n_ignore = 0;
    size_t *label = malloc((ncols ? ncols : 1) * sizeof(size_t));
    size_t *ignore = malloc((ncols ? ncols : 1) * sizeof(size_t));
    long    id = -1, ix = cli_table_index_column(t);
    int     rc = CLI_EDATA;
    unsigned char *mark = NULL;
    if (label == NULL || ignore == NULL) {
        rc = cli_fail("mlpblas: out of memory");
        goto fail;
    }
    size_t hl = cli_table_header_line(t);
    if (tc->id != NULL) {
        size_t one = 0, n1 = 0;
        if (cli_columns_select(t, tc->id, &one, 1, &n1, err, sizeof err) != MLPB_OK) {
            rc = cli_fail("%s:%zu: --id: %s", path, hl, err);
            goto fail;
        }
        id = (long)one;
    }
    for (size_t i = 0; i < tc->n_ignore; i++)
        if (cli_columns_select(t, tc->ignore[i], ignore, ncols, &n_ignore, err, sizeof err) !=
            MLPB_OK) {
            rc = cli_fail("%s:%zu: --ignore: %s", path, hl, err);
            goto fail;
        }
    for (size_t i = 0; i < tc->n_label; i++)
        if (cli_columns_select(t, tc->label[i], label, ncols, &n_label, err, sizeof err) !=
            MLPB_OK) {
            rc = cli_fail("%s:%zu: --label: %s", path, hl, err);
            goto fail;
        }
    /* Marks: 1 ignored, 2 the id, 4 a label; in O(1) a column. */
    mark = calloc(ncols ? ncols : 1, 1);
    if (mark == NULL) {
        rc = cli_fail("mlpblas: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n_ignore; i++)
        mark[ignore[i]] |= 1;
    if (id >= 0)
        mark[id] |= 2;
    for (size_t l = 0; l < n_label; l++)
        mark[label[l]] |= 4;
    if (tc->n_label == 0) {
        /* The last column that is neither the id nor ignored nor the index. */
        for (size_t j = ncols; j-- > 0 && n_label == 0;)
            if (mark[j] == 0 && (long)j != ix) {
                label[n_label++] = j;
                mark[j] |= 4;
            }
    }
    if (ix >= 0 && mark[ix] == 0) {
        /* An unnamed first column: a row index, never a feature. */
        if (id < 0) {
            id = ix;
            mark[ix] |= 2;
        } else {
            ignore[n_ignore++] = (size_t)ix;
            mark[ix] |= 1;
        }
        if (!tc->quiet)
            cli_tprintf(stderr, "note: %s:%zu: column 1 has no name: read as the row index (%s), "
                    "not as a feature\n", path, hl, id == ix ? "the id column" : "ignored");
    }
    for (size_t l = 0; l < n_label; l++) {
        int clash = (mark[label[l]] & 3) != 0;
        if (clash) {
            rc = cli_fail("%s:%zu: column \"%s\" is a label and also --id or --ignore'd",
                          path, hl, cli_table_column(t, label[l])->name);
            goto fail;
        }
    }
    if (n_label == 0) {
        rc = cli_fail("%s: no label column", path);
        goto fail;
    }
    if ((rc = declare_categorical(t, path, tc, mark)) != CLI_OK)
        goto fail;
    /* The id and ignored columns' texts are not kept. */
    for (size_t i = 0; i < n_ignore; i++)
        cli_table_set_levels(t, ignore[i], no_levels, 0, 1);
    if (id >= 0 && id != (long)label[0])
        cli_table_set_levels(t, (size_t)id, no_levels, 0, 1);
    free(mark);
    *label_out    = label;
    *n_label_out  = n_label;
    *ignore_out   = ignore;
    *n_ignore_out = n_ignore;
    *id_out       = id;
    return CLI_OK;
fail:
    free(mark);
    free(label);
    free(ignore);
    return rc;
}

/* "DIGITS,DIGITS" (a sign allowed): a number written with a decimal comma. */
static int comma_number(const char *p)
{
    size_t a = 0, b = 0;
    p += *p == '+' || *p == '-';
    while (p[a] >= '0' && p[a] <= '9')
        a++;
    if (a == 0 || p[a] != ',')
        return 0;
    p += a + 1;
    while (p[b] >= '0' && p[b] <= '9')
        b++;
    return b > 0 && p[b] == '\0';
}

void cli_train_notes(const cli_table *t, const cli_schema *s, const train_cols *tc)
{
    const char *path = cli_table_path(t);
    int         detected;
    if (tc->quiet || cli_table_format(t) != CLI_FORMAT_CSV)
        return;
    if (cli_table_decimal(t, &detected) == ',' && detected)
        cli_tprintf(stderr, "note: %s: numbers are read with a decimal comma (\"5,1\" is 5.1), "
                "as the file holds such numbers; --decimal . reads them as text\n", path);
    /* The index's own name is told by its note. */
    size_t renamed = cli_table_renamed(t) - (cli_table_index_column(t) == 0);
    if (renamed > 0)
        cli_tprintf(stderr, "note: %s:%zu: %zu column name%s empty or repeated: named as pandas "
                "reads them back (\"Unnamed: J\" for column J counted from 0, NAME.1 for the "
                "second NAME); mlpblas info lists them\n", path, cli_table_header_line(t),
                renamed, renamed == 1 ? " was" : "s were");
    for (size_t f = 0; f < s->n_features; f++) {
        const cli_feature *ft = &s->features[f];
        long               j  = cli_table_find(t, ft->name, strlen(ft->name));
        if (!ft->categorical || j < 0)
            continue;
        const cli_column *col   = cli_table_column(t, (size_t)j);
        int               comma = comma_number(col->first_string_text);
        if (col->declared || (col->n_numbers == 0 && !comma))
            continue;
        char some[64] = "";
        if (col->n_numbers > 0)
            snprintf(some, sizeof some, ", though %zu of its cells are", col->n_numbers);
        cli_tprintf(stderr, "note: %s:%zu:%zu: column \"%s\" is read as %zu categories, not as "
                "numbers: \"%s\" is not a number%s%s\n", path, col->first_string_line,
                col->first_string_col, ft->name, ft->n_levels, col->first_string_text, some,
                comma && cli_table_decimal(t, NULL) == '.' ? " (a decimal comma? try "
                                                             "--decimal ,)" : "");
    }
}

/* The feature numbers of a compactly read LIBSVM table of d columns. */
static const uint32_t *libsvm_features(const cli_table *t, size_t d)
{
    size_t          nf;
    const uint32_t *feat = cli_table_features(t, &nf);
    return feat != NULL && nf == d ? feat : NULL;
}

int cli_read_training_data(const char *path, const cli_read_opts *ro, const train_cols *tc,
                           cli_data *d, cli_schema *s)
{
    char        err[2048];
    cli_table  *t = NULL;
    cli_chunk   c;
    size_t     *label = NULL, *ignore = NULL, n_label = 0, n_ignore = 0, n_ids = 0;
    long        id = -1;
    int         rc = CLI_EDATA;
    /* LIBSVM: the features that never occur carry nothing, and a few bytes
     * can name index 4000000: the model's inputs are those that occur. */
    cli_read_opts o = *ro;
    o.compact       = 1;
    mlpb_status st = cli_table_open(path, &o, &t, err, sizeof err);
    memset(&c, 0, sizeof c);
    memset(d, 0, sizeof *d);
    memset(s, 0, sizeof *s);
    if (st != MLPB_OK)
        return cli_fail("%s", err);
    if (cli_table_format(t) == CLI_FORMAT_LIBSVM) {
        if (tc->n_label || tc->n_ignore || tc->id || tc->n_positive)
            rc = cli_fail("%s: --label, --ignore, --id and --positive name CSV columns; "
                          "LIBSVM rows have none", path);
        else if ((st = cli_table_read(t, 0, &c, err, sizeof err)) != MLPB_OK)
            rc = cli_fail("%s", err);
        else if (c.k == 0)
            rc = cli_fail("%s: no labels", path);
        else if (cli_table_class_ids(t, &n_ids) != NULL && n_ids < 2)
            rc = cli_fail("%s: every row's label is %ld: nothing to learn", path,
                          (long)cli_table_class_ids(t, NULL)[0]);
        else if ((rc = cli_libsvm_schema(c.ncols, c.k, libsvm_features(t, c.ncols),
                                         cli_table_class_ids(t, NULL), n_ids, s)) == CLI_OK) {
            rc = cli_make_data(s, c.n, c.x, c.y, d);
            c.x = c.y = NULL; /* taken by d, or freed by it on failure */
            if (rc != CLI_OK)
                cli_schema_free(s);
        }
        goto out;
    }
    if ((rc = cli_train_columns(t, path, tc, &label, &n_label, &ignore, &n_ignore, &id)) !=
        CLI_OK)
        goto out;
    rc = CLI_EDATA;
    if ((st = cli_table_read(t, 0, &c, err, sizeof err)) != MLPB_OK) {
        rc = cli_fail("%s", err);
        goto out;
    }
    cli_schema_spec spec = {label,        n_label,        id,          ignore,     n_ignore,
                            tc->positive, tc->n_positive, tc->missing, tc->classify};
    float          *x = NULL, *y = NULL;
    if ((st = cli_schema_build(t, &c, &spec, s, &x, &y, err, sizeof err)) != MLPB_OK) {
        rc = cli_fail("%s", err);
        goto out;
    }
    cli_train_notes(t, s, tc);
    if ((rc = cli_make_data(s, c.n, x, y, d)) != CLI_OK)
        cli_schema_free(s);
out:
    free(label);
    free(ignore);
    cli_chunk_free(&c);
    cli_table_close(t);
    return rc;
}
