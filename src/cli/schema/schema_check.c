/* schema_check.c -- what train guarantees of every schema it writes, checked
 * when a model's schema is read (cli_schema_check), in O(n log n) of its
 * names whatever the file holds. */
#include "schema/schema.h"

#include <stdlib.h>
#include <string.h>

typedef struct named {
    const char *name;
    int         kind; /* 0 id, 1 ignore, 2 label, 3 feature */
} named;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Is some string of v (n) repeated? The first repeat in *dup. Sorted copy:
 * O(n log n) whatever the file holds. -1 when out of memory. */
static int repeated(char *const *v, size_t n, const char **dup)
{
    if (n < 2)
        return 0;
    const char **c = malloc(n * sizeof *c);
    if (c == NULL)
        return -1;
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_cstr);
    int r = 0;
    for (size_t i = 1; i < n && !r; i++)
        if (strcmp(c[i - 1], c[i]) == 0) {
            r    = 1;
            *dup = c[i]; /* a string of v, which outlives c */
        }
    free(c);
    return r;
}

/* What train guarantees of every schema it writes, checked on reading: the
 * columns it names (the id, ignored columns, labels, features) have
 * distinct names, as do a feature's levels and the classes. A model whose
 * schema names a column twice would bind both to one column of a data file
 * and predict from the wrong inputs. (Ignored columns may repeat a name
 * among themselves: older versions wrote that, and it binds nothing.) */
mlpb_status cli_schema_check(const cli_schema *s, char *err, size_t errlen)
{
    static const char *const kinds[] = {"the id", "an ignored column", "a label",
                                        "a feature"};
    const char *dup = NULL;
    int         r   = repeated(s->classes, s->n_classes, &dup);
    if (r > 0)
        return cli_say(MLPB_E_FORMAT, err, errlen, "schema: class \"%.64s\" repeated", dup);
    for (size_t f = 0; f < s->n_features && r == 0; f++)
        if ((r = repeated(s->features[f].levels, s->features[f].n_levels, &dup)) > 0)
            return cli_say(MLPB_E_FORMAT, err, errlen,
                           "schema: level \"%.64s\" of feature \"%.64s\" repeated", dup,
                           s->features[f].name);
    size_t n = (s->id != NULL) + s->n_ignore + s->n_labels + s->n_features, m = 0;
    named *v = r == 0 ? malloc((n ? n : 1) * sizeof *v) : NULL;
    if (v == NULL)
        return MLPB_E_NOMEM;
    if (s->id != NULL)
        v[m++] = (named){s->id, 0};
    for (size_t i = 0; i < s->n_ignore; i++)
        v[m++] = (named){s->ignore[i], 1};
    for (size_t l = 0; l < s->n_labels; l++)
        v[m++] = (named){s->labels[l].name, 2};
    for (size_t f = 0; f < s->n_features; f++)
        v[m++] = (named){s->features[f].name, 3};
    qsort(v, m, sizeof *v, cmp_named);
    mlpb_status st = MLPB_OK;
    for (size_t i = 1; i < m && st == MLPB_OK; i++) {
        if (strcmp(v[i - 1].name, v[i].name) != 0 || (v[i - 1].kind == 1 && v[i].kind == 1))
            continue;
        int a = v[i - 1].kind < v[i].kind ? v[i - 1].kind : v[i].kind;
        int b = v[i - 1].kind < v[i].kind ? v[i].kind : v[i - 1].kind;
        st    = cli_say(MLPB_E_FORMAT, err, errlen,
                        "schema: column \"%.64s\" named twice (%s and %s): a model written "
                        "by mlpblas names each column once", v[i].name, kinds[a], kinds[b]);
    }
    free(v);
    return st;
}

