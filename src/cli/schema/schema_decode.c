/* schema_decode.c -- the schema text of a model parsed strictly
 * (cli_schema_decode, schema.h): a model file is untrusted input, so every
 * record is checked for its place, its fields and its bounds before
 * anything is allocated, and the whole is checked by cli_schema_check. */
#include "read/format.h"
#include "schema/schema.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The decoder's state from one record to the next. */
typedef struct decoder {
    parser      ps;
    cli_schema *s;
    size_t      cap_ign, cap_lab, cap_cls, cap_feat;
    size_t      want_levels, d, k, n_index;
    int         ended, stage, version;
} decoder;

/* The records' checks: BAD returns MLPB_E_FORMAT with the message, GROW
 * makes room for one more entry (MLPB_E_NOMEM, or BAD past max). */
#define BAD(...) return cli_say(MLPB_E_FORMAT, ps->err, ps->errlen, __VA_ARGS__)
#define GROW(arr, cap, n, max)                                                         \
    do {                                                                               \
        int g_ = grow((void **)&(arr), &(cap), (n), sizeof *(arr), (max));             \
        if (g_ == -2) return MLPB_E_NOMEM;                                             \
        if (g_ == -1) BAD("schema line %zu: more than %zu entries", ps->line, (size_t)(max)); \
    } while (0)

/* The first line (the version) and the fixed head: format, task, missing,
 * inputs, outputs. */
static mlpb_status decode_head(decoder *dc)
{
    parser     *ps = &dc->ps;
    cli_schema *s  = dc->s;
    mlpb_status st = MLPB_OK;
    int         r;
    if ((r = next_line(ps, &st)) < 0)
        return st != MLPB_OK ? st : MLPB_E_FORMAT;
    if (r == 0 || ps->nf != 2 || strcmp(ps->f[0], "mlpblas-schema") != 0)
        BAD("not an mlpblas schema (no 'mlpblas-schema' first line)");
    if (strcmp(ps->f[1], "1") == 0)
        dc->version = 1;
    else if (strcmp(ps->f[1], "2") == 0)
        dc->version = 2;
    else
        BAD("schema version %.16s: this program reads versions 1 to %d", ps->f[1],
            CLI_SCHEMA_VERSION);
    /* The fixed head: format, task, missing, inputs, outputs. */
    static const char *const heads[] = {"format", "task", "missing", "inputs", "outputs"};
    for (int h = 0; h < 5; h++) {
        if ((r = next_line(ps, &st)) < 0)
            return st != MLPB_OK ? st : MLPB_E_FORMAT;
        if (r == 0 || !is_kw(ps, heads[h], 2))
            BAD("schema line %zu: '%s' expected", ps->line, heads[h]);
        int v = 0;
        if (h == 0) {
            static const char *const fm[] = {"csv", "libsvm"};
            if ((v = pick(ps->f[1], fm, 2)) < 0)
                BAD("schema line %zu: unknown format", ps->line);
            s->format = v ? CLI_FORMAT_LIBSVM : CLI_FORMAT_CSV;
        } else if (h == 1) {
            if ((v = pick(ps->f[1], cli_schema_task_names, 3)) < 0)
                BAD("schema line %zu: unknown task", ps->line);
            s->task = (cli_task)v;
        } else if (h == 2) {
            if ((v = pick(ps->f[1], cli_schema_missing_names, 3)) < 0)
                BAD("schema line %zu: unknown missing-value mode", ps->line);
            s->missing = (cli_missing)v;
        } else if (parse_count(ps->f[1], 1, h == 3 ? CLI_SCHEMA_MAX_INPUTS : 1u << 20,
                               h == 3 ? &s->d : &s->k) != 0) {
            BAD("schema line %zu: bad %s count", ps->line, heads[h]);
        }
    }
    return MLPB_OK;
}

/* A label record: its name, and a two-valued label's two values. */
static mlpb_status decode_label(decoder *dc)
{
    parser     *ps = &dc->ps;
    cli_schema *s  = dc->s;
    int         mc = s->task == CLI_TASK_MULTICLASS;
    if (dc->stage > 2 || ps->nf != (mc ? 2u : 4u) || empty_name(ps->f[1]))
        BAD("schema line %zu: misplaced or bad 'label'", ps->line);
    if (!mc && strcmp(ps->f[2], ps->f[3]) == 0)
        BAD("schema line %zu: a label's two values are the same", ps->line);
    dc->stage = 2;
    GROW(s->labels, dc->cap_lab, s->n_labels, CLI_SCHEMA_MAX_COLUMNS);
    cli_label *lb = &s->labels[s->n_labels++];
    memset(lb, 0, sizeof *lb);
    lb->name = take(ps, 1);
    if (!mc) {
        lb->neg = take(ps, 2);
        lb->pos = take(ps, 3);
    }
    return MLPB_OK;
}

/* An index record: a run of LIBSVM feature numbers, increasing, d in all. */
static mlpb_status decode_index(decoder *dc)
{
    parser     *ps = &dc->ps;
    cli_schema *s  = dc->s;
    size_t a, z;
    if (dc->version < 2 || s->format != CLI_FORMAT_LIBSVM || dc->stage > 4)
        BAD("schema line %zu: misplaced 'index'", ps->line);
    if (parse_count(ps->f[1], 1, 0x80000000u, &a) != 0 ||
        parse_count(ps->f[ps->nf - 1], 1, 0x80000000u, &z) != 0 || z < a ||
        (ps->nf == 3 && z == a) ||
        (dc->n_index > 0 && a <= s->svm_features[dc->n_index - 1]))
        BAD("schema line %zu: bad or unordered feature index", ps->line);
    if (z - a >= s->d - dc->n_index)
        BAD("schema line %zu: more feature indices than the %zu inputs", ps->line,
            s->d);
    /* d is bounded by CLI_SCHEMA_MAX_INPUTS, and the network's
     * parameters (checked by the caller) are larger still. */
    if (s->svm_features == NULL &&
        (s->svm_features = malloc(s->d * sizeof *s->svm_features)) == NULL)
        return MLPB_E_NOMEM;
    for (size_t v = a; v <= z; v++)
        s->svm_features[dc->n_index++] = (uint32_t)v;
    dc->stage = 4;
    return MLPB_OK;
}

/* A feature record: a number (with its imputation mean and indicator) or a
 * category column (its levels follow, one a line). */
static mlpb_status decode_feature(decoder *dc, int cat)
{
    parser     *ps = &dc->ps;
    cli_schema *s  = dc->s;
    if (s->format != CLI_FORMAT_CSV || empty_name(ps->f[1]))
        BAD("schema line %zu: misplaced or bad feature", ps->line);
    dc->stage = 4;
    GROW(s->features, dc->cap_feat, s->n_features, CLI_SCHEMA_MAX_COLUMNS);
    cli_feature *ft = &s->features[s->n_features];
    memset(ft, 0, sizeof *ft);
    size_t adds = 1;
    if (cat) {
        size_t nl;
        if (parse_count(ps->f[2], 1, CLI_SCHEMA_MAX_LEVELS, &nl) != 0)
            BAD("schema line %zu: bad level count", ps->line);
        if ((ft->levels = calloc(nl, sizeof(char *))) == NULL)
            return MLPB_E_NOMEM;
        ft->categorical = 1;
        dc->want_levels = nl;
        adds            = nl;
    } else if (ps->nf >= 4) {
        char *e = NULL;
        if (strcmp(ps->f[2], "mean") != 0 || (ps->nf == 5 && strcmp(ps->f[4],
                                                                 "indicator") != 0))
            BAD("schema line %zu: bad numeric feature", ps->line);
        errno    = 0;
        ft->mean = strtod(ps->f[3], &e);
        if (e == ps->f[3] || *e != '\0' || errno != 0 || !isfinite(ft->mean) ||
            fabs(ft->mean) > 3.4e38)
            BAD("schema line %zu: bad mean", ps->line);
        ft->impute    = 1;
        ft->indicator = ps->nf == 5;
        adds += (size_t)ft->indicator;
    }
    ft->name = take(ps, 1);
    s->n_features++;
    if (dc->d > CLI_SCHEMA_MAX_INPUTS - adds)
        BAD("schema line %zu: more than %u inputs", ps->line, CLI_SCHEMA_MAX_INPUTS);
    dc->d += adds;
    return MLPB_OK;
}

/* One record after the head, in this order: id, ignore, label, class,
 * features; end. */
static mlpb_status decode_record(decoder *dc)
{
    parser     *ps = &dc->ps;
    cli_schema *s  = dc->s;
    if (dc->want_levels > 0) {
        cli_feature *ft = &s->features[s->n_features - 1];
        if (!is_kw(ps, "level", 2))
            BAD("schema line %zu: %zu more levels of \"%.64s\" expected", ps->line,
                dc->want_levels, ft->name);
        ft->levels[ft->n_levels++] = take(ps, 1);
        dc->want_levels--;
        return MLPB_OK;
    }
    if (dc->ended)
        BAD("schema line %zu: text after 'end'", ps->line);
    if (is_kw(ps, "end", 1)) {
        dc->ended = 1;
        return MLPB_OK;
    }
    if (is_kw(ps, "id", 2)) {
        if (dc->stage > 0 || s->id != NULL || empty_name(ps->f[1]))
            BAD("schema line %zu: misplaced or bad 'id'", ps->line);
        s->id = take(ps, 1);
        dc->stage = 0;
        return MLPB_OK;
    }
    if (is_kw(ps, "ignore", 2)) {
        if (dc->stage > 1 || empty_name(ps->f[1]))
            BAD("schema line %zu: misplaced or bad 'ignore'", ps->line);
        dc->stage = 1;
        GROW(s->ignore, dc->cap_ign, s->n_ignore, CLI_SCHEMA_MAX_COLUMNS);
        s->ignore[s->n_ignore++] = take(ps, 1);
        return MLPB_OK;
    }
    if (strcmp(ps->f[0], "label") == 0)
        return decode_label(dc);
    if (is_kw(ps, "class", 2)) {
        if (dc->stage > 3 || s->task != CLI_TASK_MULTICLASS)
            BAD("schema line %zu: misplaced 'class'", ps->line);
        dc->stage = 3;
        GROW(s->classes, dc->cap_cls, s->n_classes, CLI_SCHEMA_MAX_LEVELS);
        s->classes[s->n_classes++] = take(ps, 1);
        return MLPB_OK;
    }
    if (strcmp(ps->f[0], "index") == 0 && (ps->nf == 2 || ps->nf == 3))
        return decode_index(dc);
    int cat = strcmp(ps->f[0], "cat") == 0, num = strcmp(ps->f[0], "num") == 0;
    if ((cat && ps->nf == 3) || (num && (ps->nf == 2 || ps->nf == 4 || ps->nf == 5)))
        return decode_feature(dc, cat);
    BAD("schema line %zu: unknown or malformed record '%.32s'", ps->line, ps->f[0]);
}

/* The whole: an end, and the counts the head promised. */
static mlpb_status decode_check(decoder *dc)
{
    parser     *ps = &dc->ps;
    cli_schema *s  = dc->s;
    if (!dc->ended)
        BAD("schema: no 'end' line");
    /* Consistency: the counts the head promised. */
    if (s->n_labels == 0)
        BAD("schema: no label");
    if (s->task == CLI_TASK_MULTICLASS) {
        if (s->n_labels != 1 || s->n_classes < 2)
            BAD("schema: a class column needs one label and two or more classes");
        dc->k = s->n_classes;
    } else {
        if ((s->task == CLI_TASK_BINARY) != (s->n_labels == 1))
            BAD("schema: task and label count disagree");
        dc->k = s->n_labels;
    }
    if (s->format == CLI_FORMAT_CSV) {
        if (s->n_features == 0)
            BAD("schema: no feature");
        if (dc->d != s->d)
            BAD("schema: the features make %zu inputs, not %zu", dc->d, s->d);
    }
    if (s->svm_features != NULL && dc->n_index != s->d)
        BAD("schema: %zu feature indices for %zu inputs", dc->n_index, s->d);
    if (dc->k != s->k)
        BAD("schema: the labels make %zu outputs, not %zu", dc->k, s->k);
    return cli_schema_check(s, ps->err, ps->errlen);
}
#undef BAD
#undef GROW

mlpb_status cli_schema_decode(const char *text, cli_schema *s, char *err, size_t errlen)
{
    decoder     dc = {{text, 0, {NULL}, 0, err, errlen}, s, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    mlpb_status st = MLPB_OK;
    int         r  = 0;
    memset(s, 0, sizeof *s);
    if (text == NULL)
        return cli_say(MLPB_E_FORMAT, err, errlen, "no schema");
    st = decode_head(&dc);
    while (st == MLPB_OK && (r = next_line(&dc.ps, &st)) > 0)
        st = decode_record(&dc);
    if (st == MLPB_OK && r < 0)
        st = MLPB_E_FORMAT;
    if (st == MLPB_OK)
        st = decode_check(&dc);
    fields_free(&dc.ps);
    if (st == MLPB_OK)
        return MLPB_OK;
    /* A feature is counted as soon as its levels are allocated, so this frees
     * everything, a list of levels cut short included. */
    cli_schema_free(s);
    if (st == MLPB_E_NOMEM)
        cli_say(st, err, errlen, "out of memory");
    return st;
}
