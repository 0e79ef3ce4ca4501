/* schema.c -- the schema a model of the mlpblas tool was trained on: its
 * text encoding in the model's metadata (written here; parsed strictly, as
 * a model file is untrusted input, by schema_decode.c) and the names it
 * gives the network's inputs and outputs. Building a schema from training data and encoding rows
 * with it are in schema_encode.c and schema_bind.c. */
#include "schema/schema.h"

#include "base/utf8.h"
#include "read/format.h"
#include "read/table.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mlpb_status cli_say(mlpb_status st, char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

static void free_strv(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void cli_schema_free(cli_schema *s)
{
    if (s == NULL)
        return;
    free(s->id);
    free_strv(s->ignore, s->n_ignore);
    for (size_t f = 0; s->features != NULL && f < s->n_features; f++) {
        free(s->features[f].name);
        free_strv(s->features[f].levels, s->features[f].n_levels);
    }
    free(s->features);
    for (size_t l = 0; s->labels != NULL && l < s->n_labels; l++) {
        free(s->labels[l].name);
        free(s->labels[l].neg);
        free(s->labels[l].pos);
    }
    free(s->labels);
    free_strv(s->classes, s->n_classes);
    free(s->svm_features);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ writing */
typedef struct sbuf {
    char  *p;
    size_t len, cap;
    int    failed;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->p   = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* A field: tab, line ends, backslash and control bytes escaped, and bytes
 * that are not UTF-8 as \xHH, so that any column name gives a valid UTF-8
 * value with one record a line and one field between tabs. */
static void sb_field(sbuf *b, const char *v)
{
    const unsigned char *s = (const unsigned char *)v;
    char                 esc[8];
    sb_put(b, "\t", 1);
    while (*s) {
        size_t n = cli_utf8_len(s);
        if (n > 1) {
            sb_put(b, (const char *)s, n);
            s += n;
            continue;
        }
        switch (*s) {
        case '\\': sb_put(b, "\\\\", 2); break;
        case '\t': sb_put(b, "\\t", 2); break;
        case '\n': sb_put(b, "\\n", 2); break;
        case '\r': sb_put(b, "\\r", 2); break;
        default:
            if (n == 0 || *s < 0x20 || *s == 0x7f) {
                snprintf(esc, sizeof esc, "\\x%02x", *s);
                sb_str(b, esc);
            } else {
                sb_put(b, (const char *)s, 1);
            }
        }
        s++;
    }
}

static void sb_line(sbuf *b, const char *kw)
{
    sb_str(b, kw);
}

static void sb_size(sbuf *b, size_t v)
{
    char num[32];
    snprintf(num, sizeof num, "\t%zu", v);
    sb_str(b, num);
}

const char *const cli_schema_task_names[3]    = {"binary", "multilabel", "multiclass"};
const char *const cli_schema_missing_names[3] = {"error", "mean", "indicator"};

char *cli_schema_encode(const cli_schema *s)
{
    sbuf b = {0};
    char num[40];
    /* Version 1 where nothing of version 2 is used, so older programs read
     * every CSV model. */
    snprintf(num, sizeof num, "mlpblas-schema\t%d\n", s->svm_features ? 2 : 1);
    sb_str(&b, num);
    sb_str(&b, s->format == CLI_FORMAT_LIBSVM ? "format\tlibsvm\n" : "format\tcsv\n");
    sb_line(&b, "task");
    sb_field(&b, cli_schema_task_names[s->task]);
    sb_line(&b, "\nmissing");
    sb_field(&b, cli_schema_missing_names[s->missing]);
    sb_line(&b, "\ninputs");
    sb_size(&b, s->d);
    sb_line(&b, "\noutputs");
    sb_size(&b, s->k);
    sb_put(&b, "\n", 1);
    if (s->id != NULL) {
        sb_line(&b, "id");
        sb_field(&b, s->id);
        sb_put(&b, "\n", 1);
    }
    for (size_t i = 0; i < s->n_ignore; i++) {
        sb_line(&b, "ignore");
        sb_field(&b, s->ignore[i]);
        sb_put(&b, "\n", 1);
    }
    for (size_t l = 0; l < s->n_labels; l++) {
        sb_line(&b, "label");
        sb_field(&b, s->labels[l].name);
        if (s->task != CLI_TASK_MULTICLASS) {
            sb_field(&b, s->labels[l].neg);
            sb_field(&b, s->labels[l].pos);
        }
        sb_put(&b, "\n", 1);
    }
    for (size_t c = 0; c < s->n_classes; c++) {
        sb_line(&b, "class");
        sb_field(&b, s->classes[c]);
        sb_put(&b, "\n", 1);
    }
    for (size_t f = 0; f < s->n_features; f++) {
        const cli_feature *ft = &s->features[f];
        if (ft->categorical) {
            sb_line(&b, "cat");
            sb_field(&b, ft->name);
            sb_size(&b, ft->n_levels);
            sb_put(&b, "\n", 1);
            for (size_t v = 0; v < ft->n_levels; v++) {
                sb_line(&b, "level");
                sb_field(&b, ft->levels[v]);
                sb_put(&b, "\n", 1);
            }
        } else {
            sb_line(&b, "num");
            sb_field(&b, ft->name);
            if (ft->impute) {
                snprintf(num, sizeof num, "\tmean\t%.17g", ft->mean);
                sb_str(&b, num);
                if (ft->indicator)
                    sb_str(&b, "\tindicator");
            }
            sb_put(&b, "\n", 1);
        }
    }
    /* LIBSVM features as runs of consecutive numbers: "index A" or
     * "index A B" (A..B), so a dense file's 1..d is one line. */
    for (size_t i = 0; s->svm_features != NULL && i < s->d;) {
        size_t j = i;
        while (j + 1 < s->d && s->svm_features[j + 1] == s->svm_features[j] + 1)
            j++;
        sb_line(&b, "index");
        sb_size(&b, s->svm_features[i]);
        if (j > i)
            sb_size(&b, s->svm_features[j]);
        sb_put(&b, "\n", 1);
        i = j + 1;
    }
    sb_str(&b, "end\n");
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ------------------------------------------------------------- names */
char *cli_strdup(const char *s)
{
    size_t n = strlen(s);
    char  *p = malloc(n + 1);
    if (p != NULL)
        memcpy(p, s, n + 1);
    return p;
}

const char *cli_schema_input_name(const cli_schema *s, size_t i, char *buf, size_t len)
{
    for (size_t f = 0; f < s->n_features; f++) {
        const cli_feature *ft = &s->features[f];
        if (ft->categorical) {
            if (i < ft->n_levels) {
                snprintf(buf, len, "%s=%s", ft->name, ft->levels[i]);
                return buf;
            }
            i -= ft->n_levels;
            continue;
        }
        if (i == 0)
            return ft->name;
        if (ft->indicator && i == 1) {
            snprintf(buf, len, "%s (missing)", ft->name);
            return buf;
        }
        i -= 1 + (size_t)ft->indicator;
    }
    if (s->svm_features != NULL && i < s->d) {
        snprintf(buf, len, "%u", (unsigned)s->svm_features[i]);
        return buf;
    }
    snprintf(buf, len, "%zu", i + 1);
    return buf;
}

void cli_schema_each_input(const cli_schema *s,
                           void (*fn)(void *ctx, size_t i, const char *name), void *ctx)
{
    char   buf[MLPB_NAME_MAX + 64];
    size_t i = 0;
    for (size_t f = 0; f < s->n_features; f++) {
        const cli_feature *ft = &s->features[f];
        for (size_t v = 0; ft->categorical && v < ft->n_levels; v++, i++) {
            snprintf(buf, sizeof buf, "%s=%s", ft->name, ft->levels[v]);
            fn(ctx, i, buf);
        }
        if (ft->categorical)
            continue;
        fn(ctx, i++, ft->name);
        if (ft->indicator) {
            snprintf(buf, sizeof buf, "%s (missing)", ft->name);
            fn(ctx, i++, buf);
        }
    }
    for (; i < s->d; i++) /* positional: no features to walk */
        fn(ctx, i, cli_schema_input_name(s, i, buf, sizeof buf));
}

const char *cli_schema_output_name(const cli_schema *s, size_t j)
{
    if (s->task == CLI_TASK_MULTICLASS)
        return j < s->n_classes ? s->classes[j] : "?";
    return j < s->n_labels ? s->labels[j].name : "?";
}

/* The input names being collected for the model, a malloc'd copy each. */
typedef struct input_names {
    char      **v;
    mlpb_status st;
} input_names;

static void keep_name(void *ctx, size_t i, const char *name)
{
    input_names *in = ctx;
    if (in->st == MLPB_OK && (in->v[i] = cli_strdup(name)) == NULL)
        in->st = MLPB_E_NOMEM;
}

mlpb_status cli_schema_store(const cli_schema *s, mlpb_model *m)
{
    char *text = cli_schema_encode(s);
    if (text == NULL)
        return MLPB_E_NOMEM;
    mlpb_status st = mlpb_model_set_meta(m, CLI_SCHEMA_KEY, text);
    free(text);
    if (st != MLPB_OK)
        return st;
    /* Names are a courtesy to other programs reading the model; a name the
     * library refuses (too long, not UTF-8) leaves the names unset. */
    if (s->format == CLI_FORMAT_CSV) {
        input_names in = {calloc(s->d, sizeof(char *)), MLPB_OK};
        mlpb_status ns = in.v == NULL ? MLPB_E_NOMEM : MLPB_OK;
        if (ns == MLPB_OK) {
            cli_schema_each_input(s, keep_name, &in);
            ns = in.st;
        }
        if (ns == MLPB_OK)
            ns = mlpb_model_set_input_names(m, (const char *const *)in.v);
        free_strv(in.v, in.v ? s->d : 0);
        if (ns == MLPB_E_NOMEM)
            return ns;
    }
    const char **out = calloc(s->k, sizeof(char *));
    if (out == NULL)
        return MLPB_E_NOMEM;
    for (size_t j = 0; j < s->k; j++)
        out[j] = cli_schema_output_name(s, j);
    st = mlpb_model_set_output_names(m, out);
    free(out);
    return st == MLPB_E_NOMEM ? st : MLPB_OK;
}

mlpb_status cli_schema_numeric(cli_schema *s, char *const *features, size_t d,
                               char *const *labels, size_t k)
{
    memset(s, 0, sizeof *s);
    s->format   = CLI_FORMAT_CSV;
    s->task     = k == 1 ? CLI_TASK_BINARY : CLI_TASK_MULTILABEL;
    s->d        = d;
    s->k        = k;
    s->features = calloc(d ? d : 1, sizeof *s->features);
    s->labels   = calloc(k ? k : 1, sizeof *s->labels);
    if (s->features == NULL || s->labels == NULL)
        goto nomem;
    for (size_t f = 0; f < d; f++, s->n_features++)
        if ((s->features[f].name = cli_strdup(features[f])) == NULL)
            goto nomem;
    for (size_t l = 0; l < k; l++) {
        cli_label *lb = &s->labels[s->n_labels++];
        lb->name      = cli_strdup(labels[l]);
        lb->neg       = cli_strdup("0");
        lb->pos       = cli_strdup("1");
        if (lb->name == NULL || lb->neg == NULL || lb->pos == NULL)
            goto nomem;
    }
    return MLPB_OK;
nomem:
    cli_schema_free(s);
    return MLPB_E_NOMEM;
}

mlpb_status cli_schema_load(const mlpb_model *m, cli_schema *s, int *has, char *err,
                            size_t errlen)
{
    size_t      d = mlpb_model_n_inputs(m), k = mlpb_model_n_outputs(m);
    const char *text = mlpb_model_get_meta(m, CLI_SCHEMA_KEY);
    *has             = text != NULL;
    if (text != NULL) {
        char        why[256];
        mlpb_status st = cli_schema_decode(text, s, why, sizeof why);
        if (st != MLPB_OK)
            return cli_say(st, err, errlen, "bad schema in the model: %s", why);
        if (s->d != d || s->k != k) {
            cli_schema_free(s);
            return cli_say(MLPB_E_FORMAT, err, errlen,
                       "bad schema in the model: %zu inputs and %zu outputs, but the "
                       "network has %zu and %zu", s->d, s->k, d, k);
        }
        return MLPB_OK;
    }
    /* No schema: positional, as models were before schemas. */
    memset(s, 0, sizeof *s);
    s->format = CLI_FORMAT_AUTO;
    s->task   = k == 1 ? CLI_TASK_BINARY : CLI_TASK_MULTILABEL;
    s->d      = d;
    s->k      = k;
    if ((s->labels = calloc(k, sizeof *s->labels)) == NULL)
        return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
    s->n_labels = k;
    for (size_t j = 0; j < k; j++) {
        char        num[CLI_NAME_BUF];
        const char *n = mlpb_model_output_name(m, j);
        if (n == NULL) {
            snprintf(num, sizeof num, "%zu", j + 1);
            n = num;
        }
        s->labels[j].name = cli_strdup(n);
        s->labels[j].neg  = cli_strdup("0");
        s->labels[j].pos  = cli_strdup("1");
        if (!s->labels[j].name || !s->labels[j].neg || !s->labels[j].pos) {
            cli_schema_free(s);
            return cli_say(MLPB_E_NOMEM, err, errlen, "out of memory");
        }
    }
    return MLPB_OK;
}
