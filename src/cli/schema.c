/* schema.c -- the schema a model of the mlpblas tool was trained on: its
 * text encoding in the model's metadata (written here, parsed strictly,
 * since a model file is untrusted input) and the names it gives the network's
 * inputs and outputs. Building a schema from training data and encoding rows
 * with it are in schema_encode.c and schema_bind.c. */
#include "schema.h"

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

size_t cli_utf8_len(const unsigned char *s)
{
    size_t n;
    if (s[0] < 0x80)
        return s[0] != 0;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4;
    else
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
        return 0;
    return n;
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

static const char *const task_names[]    = {"binary", "multilabel", "multiclass"};
static const char *const missing_names[] = {"error", "mean", "indicator"};

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
    sb_field(&b, task_names[s->task]);
    sb_line(&b, "\nmissing");
    sb_field(&b, missing_names[s->missing]);
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

/* ------------------------------------------------------------ reading */
#define MAX_FIELDS 6

typedef struct parser {
    const char *p;       /* next line */
    size_t      line;
    char       *f[MAX_FIELDS];
    size_t      nf;
    char       *err;
    size_t      errlen;
} parser;

static void fields_free(parser *ps)
{
    for (size_t i = 0; i < ps->nf; i++)
        free(ps->f[i]);
    ps->nf = 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* One escaped field [s, e) into a new string; NULL with the status in *st. */
static char *unescape(parser *ps, const char *s, const char *e, mlpb_status *st)
{
    char  *out = malloc((size_t)(e - s) + 1);
    size_t n   = 0;
    if (out == NULL) {
        *st = MLPB_E_NOMEM;
        return NULL;
    }
    while (s < e) {
        if (*s != '\\') {
            if ((unsigned char)*s < 0x20 || *s == 0x7f) {
                free(out);
                *st = cli_say(MLPB_E_FORMAT, ps->err, ps->errlen,
                          "schema line %zu: a control byte not escaped", ps->line);
                return NULL;
            }
            out[n++] = *s++;
            continue;
        }
        if (s + 1 >= e)
            goto bad;
        char c = s[1];
        s += 2;
        if (c == '\\')
            out[n++] = '\\';
        else if (c == 't')
            out[n++] = '\t';
        else if (c == 'n')
            out[n++] = '\n';
        else if (c == 'r')
            out[n++] = '\r';
        else if (c == 'x') {
            int hi = s < e ? hexval(s[0]) : -1, lo = s + 1 < e ? hexval(s[1]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                goto bad;
            out[n++] = (char)(hi * 16 + lo);
            s += 2;
        } else {
            goto bad;
        }
    }
    out[n] = '\0';
    return out;
bad:
    free(out);
    *st = cli_say(MLPB_E_FORMAT, ps->err, ps->errlen, "schema line %zu: a bad escape", ps->line);
    return NULL;
}

/* Split the next line into fields: 1 a line, 0 at the end of the text. */
static int next_line(parser *ps, mlpb_status *st)
{
    fields_free(ps);
    if (*ps->p == '\0')
        return 0;
    ps->line++;
    const char *e = strchr(ps->p, '\n');
    if (e == NULL) {
        *st = cli_say(MLPB_E_FORMAT, ps->err, ps->errlen, "schema line %zu: no line end",
                  ps->line);
        return -1;
    }
    const char *s = ps->p;
    ps->p         = e + 1;
    while (s <= e) {
        const char *t = memchr(s, '\t', (size_t)(e - s));
        if (t == NULL)
            t = e;
        if (ps->nf == MAX_FIELDS) {
            *st = cli_say(MLPB_E_FORMAT, ps->err, ps->errlen, "schema line %zu: too many fields",
                      ps->line);
            return -1;
        }
        if ((ps->f[ps->nf] = unescape(ps, s, t, st)) == NULL)
            return -1;
        ps->nf++;
        s = t + 1;
    }
    return 1;
}

static int is_kw(const parser *ps, const char *kw, size_t nf)
{
    return ps->nf == nf && strcmp(ps->f[0], kw) == 0;
}

/* A decimal count in [min, max]. */
static int parse_count(const char *s, size_t min, size_t max, size_t *out)
{
    size_t v = 0;
    if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (max - (size_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    if (v < min)
        return -1;
    *out = v;
    return 0;
}

static int pick(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* Grow an array of elsize elements to hold n + 1, at most max. */
static int grow(void **p, size_t *cap, size_t n, size_t elsize, size_t max)
{
    if (n + 1 > max)
        return -1;
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 8;
    if (nc > max)
        nc = max;
    void *q = realloc(*p, nc * elsize);
    if (q == NULL)
        return -2;
    *p   = q;
    *cap = nc;
    return 0;
}

static char *take(parser *ps, size_t i)
{
    char *s  = ps->f[i];
    ps->f[i] = NULL;
    return s;
}

static int empty_name(const char *s)
{
    return s[0] == '\0';
}

mlpb_status cli_schema_decode(const char *text, cli_schema *s, char *err, size_t errlen)
{
    parser      ps = {text, 0, {NULL}, 0, err, errlen};
    mlpb_status st = MLPB_OK;
    size_t      cap_ign = 0, cap_lab = 0, cap_cls = 0, cap_feat = 0;
    size_t      want_levels = 0, d = 0, k = 0, n_index = 0;
    int         r, ended = 0, stage = 0, version = 1;
    memset(s, 0, sizeof *s);
    if (text == NULL)
        return cli_say(MLPB_E_FORMAT, err, errlen, "no schema");

#define BAD(...) do { st = cli_say(MLPB_E_FORMAT, err, errlen, __VA_ARGS__); goto fail; } while (0)
#define GROW(arr, cap, n, max)                                                         \
    do {                                                                               \
        int g_ = grow((void **)&(arr), &(cap), (n), sizeof *(arr), (max));             \
        if (g_ == -2) { st = MLPB_E_NOMEM; goto fail; }                                \
        if (g_ == -1) BAD("schema line %zu: more than %zu entries", ps.line, (size_t)(max)); \
    } while (0)

    if ((r = next_line(&ps, &st)) < 0)
        goto fail;
    if (r == 0 || ps.nf != 2 || strcmp(ps.f[0], "mlpblas-schema") != 0)
        BAD("not an mlpblas schema (no 'mlpblas-schema' first line)");
    if (strcmp(ps.f[1], "1") == 0)
        version = 1;
    else if (strcmp(ps.f[1], "2") == 0)
        version = 2;
    else
        BAD("schema version %.16s: this program reads versions 1 to %d", ps.f[1],
            CLI_SCHEMA_VERSION);
    /* The fixed head: format, task, missing, inputs, outputs. */
    static const char *const heads[] = {"format", "task", "missing", "inputs", "outputs"};
    for (int h = 0; h < 5; h++) {
        if ((r = next_line(&ps, &st)) < 0)
            goto fail;
        if (r == 0 || !is_kw(&ps, heads[h], 2))
            BAD("schema line %zu: '%s' expected", ps.line, heads[h]);
        int v = 0;
        if (h == 0) {
            static const char *const fm[] = {"csv", "libsvm"};
            if ((v = pick(ps.f[1], fm, 2)) < 0)
                BAD("schema line %zu: unknown format", ps.line);
            s->format = v ? CLI_FORMAT_LIBSVM : CLI_FORMAT_CSV;
        } else if (h == 1) {
            if ((v = pick(ps.f[1], task_names, 3)) < 0)
                BAD("schema line %zu: unknown task", ps.line);
            s->task = (cli_task)v;
        } else if (h == 2) {
            if ((v = pick(ps.f[1], missing_names, 3)) < 0)
                BAD("schema line %zu: unknown missing-value mode", ps.line);
            s->missing = (cli_missing)v;
        } else if (parse_count(ps.f[1], 1, h == 3 ? CLI_SCHEMA_MAX_INPUTS : 1u << 20,
                               h == 3 ? &s->d : &s->k) != 0) {
            BAD("schema line %zu: bad %s count", ps.line, heads[h]);
        }
    }
    /* Then, in this order: id, ignore, label, class, features; end. */
    while ((r = next_line(&ps, &st)) > 0) {
        if (want_levels > 0) {
            cli_feature *ft = &s->features[s->n_features - 1];
            if (!is_kw(&ps, "level", 2))
                BAD("schema line %zu: %zu more levels of \"%.64s\" expected", ps.line,
                    want_levels, ft->name);
            ft->levels[ft->n_levels++] = take(&ps, 1);
            want_levels--;
            continue;
        }
        if (ended)
            BAD("schema line %zu: text after 'end'", ps.line);
        if (is_kw(&ps, "end", 1)) {
            ended = 1;
            continue;
        }
        if (is_kw(&ps, "id", 2)) {
            if (stage > 0 || s->id != NULL || empty_name(ps.f[1]))
                BAD("schema line %zu: misplaced or bad 'id'", ps.line);
            s->id = take(&ps, 1);
            stage = 0;
            continue;
        }
        if (is_kw(&ps, "ignore", 2)) {
            if (stage > 1 || empty_name(ps.f[1]))
                BAD("schema line %zu: misplaced or bad 'ignore'", ps.line);
            stage = 1;
            GROW(s->ignore, cap_ign, s->n_ignore, CLI_SCHEMA_MAX_COLUMNS);
            s->ignore[s->n_ignore++] = take(&ps, 1);
            continue;
        }
        if (strcmp(ps.f[0], "label") == 0) {
            int mc = s->task == CLI_TASK_MULTICLASS;
            if (stage > 2 || ps.nf != (mc ? 2u : 4u) || empty_name(ps.f[1]))
                BAD("schema line %zu: misplaced or bad 'label'", ps.line);
            if (!mc && strcmp(ps.f[2], ps.f[3]) == 0)
                BAD("schema line %zu: a label's two values are the same", ps.line);
            stage = 2;
            GROW(s->labels, cap_lab, s->n_labels, CLI_SCHEMA_MAX_COLUMNS);
            cli_label *lb = &s->labels[s->n_labels++];
            memset(lb, 0, sizeof *lb);
            lb->name = take(&ps, 1);
            if (!mc) {
                lb->neg = take(&ps, 2);
                lb->pos = take(&ps, 3);
            }
            continue;
        }
        if (is_kw(&ps, "class", 2)) {
            if (stage > 3 || s->task != CLI_TASK_MULTICLASS)
                BAD("schema line %zu: misplaced 'class'", ps.line);
            stage = 3;
            GROW(s->classes, cap_cls, s->n_classes, CLI_SCHEMA_MAX_LEVELS);
            s->classes[s->n_classes++] = take(&ps, 1);
            continue;
        }
        if (strcmp(ps.f[0], "index") == 0 && (ps.nf == 2 || ps.nf == 3)) {
            /* Runs of LIBSVM feature numbers, increasing, d in all. */
            size_t a, z;
            if (version < 2 || s->format != CLI_FORMAT_LIBSVM || stage > 4)
                BAD("schema line %zu: misplaced 'index'", ps.line);
            if (parse_count(ps.f[1], 1, 0x80000000u, &a) != 0 ||
                parse_count(ps.f[ps.nf - 1], 1, 0x80000000u, &z) != 0 || z < a ||
                (ps.nf == 3 && z == a) ||
                (n_index > 0 && a <= s->svm_features[n_index - 1]))
                BAD("schema line %zu: bad or unordered feature index", ps.line);
            if (z - a >= s->d - n_index)
                BAD("schema line %zu: more feature indices than the %zu inputs", ps.line,
                    s->d);
            /* d is bounded by CLI_SCHEMA_MAX_INPUTS, and the network's
             * parameters (checked by the caller) are larger still. */
            if (s->svm_features == NULL &&
                (s->svm_features = malloc(s->d * sizeof *s->svm_features)) == NULL) {
                st = MLPB_E_NOMEM;
                goto fail;
            }
            for (size_t v = a; v <= z; v++)
                s->svm_features[n_index++] = (uint32_t)v;
            stage = 4;
            continue;
        }
        int cat = strcmp(ps.f[0], "cat") == 0, num = strcmp(ps.f[0], "num") == 0;
        if ((cat && ps.nf == 3) || (num && (ps.nf == 2 || ps.nf == 4 || ps.nf == 5))) {
            if (s->format != CLI_FORMAT_CSV || empty_name(ps.f[1]))
                BAD("schema line %zu: misplaced or bad feature", ps.line);
            stage = 4;
            GROW(s->features, cap_feat, s->n_features, CLI_SCHEMA_MAX_COLUMNS);
            cli_feature *ft = &s->features[s->n_features];
            memset(ft, 0, sizeof *ft);
            size_t adds = 1;
            if (cat) {
                size_t nl;
                if (parse_count(ps.f[2], 1, CLI_SCHEMA_MAX_LEVELS, &nl) != 0)
                    BAD("schema line %zu: bad level count", ps.line);
                if ((ft->levels = calloc(nl, sizeof(char *))) == NULL) {
                    st = MLPB_E_NOMEM;
                    goto fail;
                }
                ft->categorical = 1;
                want_levels     = nl;
                adds            = nl;
            } else if (ps.nf >= 4) {
                char *e = NULL;
                if (strcmp(ps.f[2], "mean") != 0 || (ps.nf == 5 && strcmp(ps.f[4],
                                                                         "indicator") != 0))
                    BAD("schema line %zu: bad numeric feature", ps.line);
                errno    = 0;
                ft->mean = strtod(ps.f[3], &e);
                if (e == ps.f[3] || *e != '\0' || errno != 0 || !isfinite(ft->mean) ||
                    fabs(ft->mean) > 3.4e38)
                    BAD("schema line %zu: bad mean", ps.line);
                ft->impute    = 1;
                ft->indicator = ps.nf == 5;
                adds += (size_t)ft->indicator;
            }
            ft->name = take(&ps, 1);
            s->n_features++;
            if (d > CLI_SCHEMA_MAX_INPUTS - adds)
                BAD("schema line %zu: more than %u inputs", ps.line, CLI_SCHEMA_MAX_INPUTS);
            d += adds;
            continue;
        }
        BAD("schema line %zu: unknown or malformed record '%.32s'", ps.line, ps.f[0]);
    }
    if (r < 0)
        goto fail;
    if (!ended)
        BAD("schema: no 'end' line");
    /* Consistency: the counts the head promised. */
    if (s->n_labels == 0)
        BAD("schema: no label");
    if (s->task == CLI_TASK_MULTICLASS) {
        if (s->n_labels != 1 || s->n_classes < 2)
            BAD("schema: a class column needs one label and two or more classes");
        k = s->n_classes;
    } else {
        if ((s->task == CLI_TASK_BINARY) != (s->n_labels == 1))
            BAD("schema: task and label count disagree");
        k = s->n_labels;
    }
    if (s->format == CLI_FORMAT_CSV) {
        if (s->n_features == 0)
            BAD("schema: no feature");
        if (d != s->d)
            BAD("schema: the features make %zu inputs, not %zu", d, s->d);
    }
    if (s->svm_features != NULL && n_index != s->d)
        BAD("schema: %zu feature indices for %zu inputs", n_index, s->d);
    if (k != s->k)
        BAD("schema: the labels make %zu outputs, not %zu", k, s->k);
    if ((st = cli_schema_check(s, err, errlen)) != MLPB_OK)
        goto fail;
    fields_free(&ps);
    return MLPB_OK;
#undef BAD
#undef GROW
fail:
    fields_free(&ps);
    /* A feature is counted as soon as its levels are allocated, so this frees
     * everything, a list of levels cut short included. */
    cli_schema_free(s);
    if (st == MLPB_E_NOMEM)
        cli_say(st, err, errlen, "out of memory");
    return st == MLPB_OK ? MLPB_E_FORMAT : st;
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
