/* test_doc_defaults.c -- the defaults that include/mlpblas.h documents are the
 * ones mlpb_optim_opts_default and mlpb_train_opts_default set.
 *
 * The header documents each option field's default as the last parenthesised
 * group of the field's comment: "(300)", "(0.9, 0.999)" for two fields,
 * "(30; 0 off)" and "(0: must be set)" (the value before ';' or ':'), an enum
 * constant or NULL. mlpb_train_opts.optim reads "(mlpb_optim_opts_default but
 * kind K, weight_decay X)": the optimiser's documented defaults with those
 * fields changed. This test parses those groups out of the header and compares
 * them with the functions' values, and fails on a field whose default is not
 * documented or that the test does not know how to read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlpblas.h"

#ifndef MLPB_HEADER_PATH
#error "MLPB_HEADER_PATH: the path of include/mlpblas.h"
#endif

/* K_WORDS: an array of words (the reserved ones), every word its default. */
enum kind { K_SIZE, K_U64, K_FLOAT, K_DOUBLE, K_INT, K_ENUM, K_PTR, K_OPTIM, K_WORDS };
typedef struct field {
    const char *name;
    enum kind   kind;
    size_t      off;
    size_t      size;
} field;

#define OPT(f, k)   {#f, k, offsetof(mlpb_optim_opts, f), sizeof(((mlpb_optim_opts *)0)->f)}
#define TRAIN(f, k) {#f, k, offsetof(mlpb_train_opts, f), sizeof(((mlpb_train_opts *)0)->f)}
static const field optim_fields[] = {
    OPT(kind, K_ENUM),     OPT(lr, K_FLOAT),          OPT(momentum, K_FLOAT),
    OPT(beta1, K_FLOAT),   OPT(beta2, K_FLOAT),       OPT(rho, K_FLOAT),
    OPT(eps, K_FLOAT),     OPT(weight_decay, K_FLOAT), OPT(clip_norm, K_FLOAT),
    OPT(schedule, K_ENUM), OPT(step_size, K_U64),     OPT(gamma, K_FLOAT),
    OPT(t_max, K_U64),     OPT(lr_min, K_FLOAT),      OPT(warmup, K_U64),
    OPT(reserved, K_WORDS),
};
static const field train_fields[] = {
    TRAIN(epochs, K_SIZE),     TRAIN(batch_size, K_SIZE),  TRAIN(optim, K_OPTIM),
    TRAIN(val_fraction, K_FLOAT), TRAIN(patience, K_SIZE), TRAIN(min_delta, K_FLOAT),
    TRAIN(restore_best, K_INT), TRAIN(standardize, K_INT), TRAIN(pos_weight, K_PTR),
    TRAIN(seed, K_U64),        TRAIN(on_epoch, K_PTR),     TRAIN(on_batch, K_PTR),
    TRAIN(ctx, K_PTR),         TRAIN(threading, K_ENUM),   TRAIN(refit, K_INT),
    TRAIN(precision, K_ENUM),  TRAIN(gemm, K_ENUM),      TRAIN(split_phase, K_DOUBLE),
    TRAIN(split_seed, K_U64),  TRAIN(reserved, K_WORDS),
};

static const struct {
    const char *name;
    int         value;
} enums[] = {
    {"MLPB_OPT_SGD", MLPB_OPT_SGD},
    {"MLPB_OPT_MOMENTUM", MLPB_OPT_MOMENTUM},
    {"MLPB_OPT_NESTEROV", MLPB_OPT_NESTEROV},
    {"MLPB_OPT_ADAM", MLPB_OPT_ADAM},
    {"MLPB_OPT_ADAMW", MLPB_OPT_ADAMW},
    {"MLPB_OPT_RMSPROP", MLPB_OPT_RMSPROP},
    {"MLPB_SCHED_CONSTANT", MLPB_SCHED_CONSTANT},
    {"MLPB_SCHED_STEP", MLPB_SCHED_STEP},
    {"MLPB_SCHED_COSINE", MLPB_SCHED_COSINE},
    {"MLPB_THREADING_AUTO", MLPB_THREADING_AUTO},
    {"MLPB_THREADING_BLAS", MLPB_THREADING_BLAS},
    {"MLPB_THREADING_SERIAL_SMALL", MLPB_THREADING_SERIAL_SMALL},
    {"MLPB_THREADING_SPLIT", MLPB_THREADING_SPLIT},
    {"MLPB_PRECISION_FP32", MLPB_PRECISION_FP32},
    {"MLPB_PRECISION_BF16", MLPB_PRECISION_BF16},
    {"MLPB_PRECISION_BF16_EMULATED", MLPB_PRECISION_BF16_EMULATED},
    {"MLPB_GEMM_AUTO", MLPB_GEMM_AUTO},
    {"MLPB_GEMM_BLAS", MLPB_GEMM_BLAS},
    {"MLPB_GEMM_ONEDNN", MLPB_GEMM_ONEDNN},
};

/* A documented field: its name and its default's text. */
#define MAX_DOC 64
typedef struct doc {
    char name[64];
    char value[160];
} doc;

static char *read_header(void)
{
    FILE *f = fopen(MLPB_HEADER_PATH, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", MLPB_HEADER_PATH);
    char  *buf = NULL;
    size_t len = 0, cap = 0, n;
    char   chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = 2 * (len + n + 1);
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    assert_non_null(buf);
    buf[len] = '\0';
    return buf;
}

static void trim(char *s)
{
    size_t a = strspn(s, " \t\n*"), n = strlen(s);
    while (n > a && strchr(" \t\n", s[n - 1]) != NULL)
        n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

/* The last top-level "(...)" group of comment [c, end), without the parens. */
static void last_group(const char *c, const char *end, char *out, size_t cap)
{
    const char *open = NULL, *best_open = NULL, *best_close = NULL;
    int         depth = 0;
    for (const char *p = c; p < end; p++) {
        if (*p == '(' && depth++ == 0)
            open = p;
        else if (*p == ')' && depth > 0 && --depth == 0) {
            best_open  = open;
            best_close = p;
        }
    }
    out[0] = '\0';
    if (best_open == NULL)
        return;
    size_t n = 0;
    for (const char *p = best_open + 1; p < best_close && n + 1 < cap; p++)
        out[n++] = (*p == '\n' || *p == '\t') ? ' ' : *p;
    out[n] = '\0';
    /* Collapse the comment's line-continuation indentation. */
    char *w = out;
    for (const char *r = out; *r != '\0'; r++)
        if (!(*r == ' ' && w > out && w[-1] == ' '))
            *w++ = *r;
    *w = '\0';
}

/* The documented fields of "typedef struct NAME { ... } NAME;". */
static size_t parse_struct(const char *hdr, const char *name, doc *docs)
{
    char head[96], tail[96];
    snprintf(head, sizeof head, "typedef struct %s {", name);
    snprintf(tail, sizeof tail, "} %s;", name);
    const char *p   = strstr(hdr, head);
    const char *end = p != NULL ? strstr(p, tail) : NULL;
    if (p == NULL || end == NULL)
        fail_msg("%s: no '%s' ... '%s'", MLPB_HEADER_PATH, head, tail);
    p += strlen(head);
    size_t n = 0;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (semi == NULL)
            break;
        char decl[256];
        size_t dl = (size_t)(semi - p) < sizeof decl - 1 ? (size_t)(semi - p) : sizeof decl - 1;
        memcpy(decl, p, dl);
        decl[dl] = '\0';
        /* The comment after the declaration, up to the next declaration. */
        const char *c = semi + 1, *cend = c;
        const char *copen = strstr(c, "/*");
        char value[160] = "";
        if (copen != NULL && copen < end && strcspn(c, "\n") >= (size_t)(copen - c)) {
            cend = strstr(copen, "*/");
            assert_non_null(cend);
            last_group(copen + 2, cend, value, sizeof value);
            cend += 2;
        }
        /* The names: the declarator list after the type. */
        char *names = decl;
        char *first_comma = strchr(decl, ',');
        char *lim = first_comma != NULL ? first_comma : decl + strlen(decl);
        while (lim > decl && strchr(" \t\n", lim[-1]) != NULL)
            lim--;
        char *start = lim;
        while (start > decl && strchr(" \t\n*", start[-1]) == NULL)
            start--;
        names = start;
        /* Split value by ", " when the declaration names several fields. */
        char  vbuf[160];
        char *vsave = NULL;
        snprintf(vbuf, sizeof vbuf, "%s", value);
        int   multi = first_comma != NULL;
        char *vtok  = multi ? strtok_r(vbuf, ",", &vsave) : vbuf;
        char *nsave = NULL;
        for (char *nm = strtok_r(names, ",", &nsave); nm != NULL;
             nm = strtok_r(NULL, ",", &nsave)) {
            assert_true(n < MAX_DOC);
            trim(nm);
            nm[strcspn(nm, "[")] = '\0'; /* "reserved[8]": the array's name */
            snprintf(docs[n].name, sizeof docs[n].name, "%s", nm);
            snprintf(docs[n].value, sizeof docs[n].value, "%s", vtok != NULL ? vtok : "");
            trim(docs[n].value);
            n++;
            if (multi)
                vtok = strtok_r(NULL, ",", &vsave);
        }
        p = cend > semi ? cend : semi + 1;
    }
    return n;
}

/* The value of a documented default, before any ';' or ':' remark. */
static void value_part(const char *text, char *out, size_t cap)
{
    snprintf(out, cap, "%s", text);
    out[strcspn(out, ";:")] = '\0';
    trim(out);
}

/* Check one field of the struct at base against its documented default. */
static void check_field(const char *st, const field *f, const void *base, const char *text)
{
    char v[160];
    value_part(text, v, sizeof v);
    if (v[0] == '\0')
        fail_msg("%s.%s: no documented default in %s", st, f->name, MLPB_HEADER_PATH);
    const char *p = (const char *)base + f->off;
    if (f->kind == K_ENUM) {
        int actual;
        memcpy(&actual, p, sizeof actual);
        for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++)
            if (strcmp(enums[i].name, v) == 0) {
                if (enums[i].value != actual)
                    fail_msg("%s.%s: documented %s (%d), the default is %d", st, f->name, v,
                             enums[i].value, actual);
                return;
            }
        fail_msg("%s.%s: documented '%s', not an enum constant this test knows", st, f->name,
                 v);
    }
    if (f->kind == K_WORDS) {
        for (size_t i = 0; i < f->size / sizeof(uint64_t); i++) {
            uint64_t w;
            memcpy(&w, p + i * sizeof w, sizeof w);
            if (strcmp(v, "0") != 0 || w != 0)
                fail_msg("%s.%s[%zu]: documented '%s', the default is %llu", st, f->name, i,
                         v, (unsigned long long)w);
        }
        return;
    }
    if (f->kind == K_PTR) {
        void *actual;
        memcpy(&actual, p, sizeof actual);
        if (strcmp(v, "NULL") != 0 || actual != NULL)
            fail_msg("%s.%s: documented '%s', the default is %s", st, f->name, v,
                     actual == NULL ? "NULL" : "not NULL");
        return;
    }
    char  *e;
    double d = strtod(v, &e);
    if (e == v || *e != '\0')
        fail_msg("%s.%s: documented '%s', not a number", st, f->name, v);
    double actual = 0;
    if (f->kind == K_SIZE) {
        size_t x;
        memcpy(&x, p, sizeof x);
        actual = (double)x;
    } else if (f->kind == K_U64) {
        uint64_t x;
        memcpy(&x, p, sizeof x);
        actual = (double)x;
    } else if (f->kind == K_INT) {
        int x;
        memcpy(&x, p, sizeof x);
        actual = x;
    } else if (f->kind == K_DOUBLE) {
        memcpy(&actual, p, sizeof actual);
    } else {
        /* The default is a float literal: the documented decimal rounds to it. */
        float x;
        memcpy(&x, p, sizeof x);
        if ((float)d != x)
            fail_msg("%s.%s: documented %s, the default is %.9g", st, f->name, v, (double)x);
        return;
    }
    if (d != actual)
        fail_msg("%s.%s: documented %s, the default is %.17g", st, f->name, v, actual);
}

static const field *find(const field *fs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fs[i].name, name) == 0)
            return &fs[i];
    return NULL;
}

/* Every documented field is known here and every known field documented. */
static void check_struct(const char *st, const doc *docs, size_t nd, const field *fs, size_t nf,
                         const void *base, const doc *optim_docs, size_t n_optim)
{
    for (size_t i = 0; i < nf; i++) {
        size_t j = 0;
        while (j < nd && strcmp(docs[j].name, fs[i].name) != 0)
            j++;
        if (j == nd)
            fail_msg("%s.%s: not found in %s", st, fs[i].name, MLPB_HEADER_PATH);
    }
    for (size_t j = 0; j < nd; j++) {
        const field *f = find(fs, nf, docs[j].name);
        if (f == NULL)
            fail_msg("%s.%s: a field this test does not check; add it to %s", st, docs[j].name,
                     __FILE__);
        if (f->kind != K_OPTIM) {
            check_field(st, f, base, docs[j].value);
            continue;
        }
        /* "mlpb_optim_opts_default but FIELD VALUE, FIELD VALUE". */
        const char *pre = "mlpb_optim_opts_default";
        const char *t   = docs[j].value;
        if (strncmp(t, pre, strlen(pre)) != 0)
            fail_msg("%s.%s: documented '%s', not '%s ...'", st, f->name, t, pre);
        doc over[MAX_DOC];
        size_t n_over = 0;
        t += strlen(pre);
        t += strspn(t, " ");
        if (strncmp(t, "but ", 4) == 0) {
            char  buf[160], *save = NULL;
            snprintf(buf, sizeof buf, "%s", t + 4);
            for (char *tok = strtok_r(buf, ",", &save); tok != NULL;
                 tok = strtok_r(NULL, ",", &save)) {
                trim(tok);
                char *sp = strchr(tok, ' ');
                if (sp == NULL)
                    fail_msg("%s.%s: '%s' is not 'FIELD VALUE'", st, f->name, tok);
                *sp = '\0';
                snprintf(over[n_over].name, sizeof over[n_over].name, "%s", tok);
                snprintf(over[n_over].value, sizeof over[n_over].value, "%s", sp + 1);
                trim(over[n_over].value);
                n_over++;
            }
        }
        doc merged[MAX_DOC];
        memcpy(merged, optim_docs, n_optim * sizeof merged[0]);
        for (size_t k = 0; k < n_over; k++) {
            size_t m = 0;
            while (m < n_optim && strcmp(merged[m].name, over[k].name) != 0)
                m++;
            if (m == n_optim)
                fail_msg("%s.%s: no optimiser field '%s'", st, f->name, over[k].name);
            merged[m] = over[k];
        }
        const mlpb_train_opts *to = base;
        check_struct("mlpb_train_opts.optim", merged, n_optim, optim_fields,
                     sizeof optim_fields / sizeof optim_fields[0], &to->optim, NULL, 0);
    }
}

static void test_optim_defaults_documented(void **state)
{
    (void)state;
    char           *hdr = read_header();
    doc             docs[MAX_DOC];
    size_t          n = parse_struct(hdr, "mlpb_optim_opts", docs);
    mlpb_optim_opts o;
    mlpb_optim_opts_default(&o);
    check_struct("mlpb_optim_opts", docs, n, optim_fields,
                 sizeof optim_fields / sizeof optim_fields[0], &o, NULL, 0);
    free(hdr);
}

static void test_train_defaults_documented(void **state)
{
    (void)state;
    char           *hdr = read_header();
    doc             optim_docs[MAX_DOC], docs[MAX_DOC];
    size_t          n_optim = parse_struct(hdr, "mlpb_optim_opts", optim_docs);
    size_t          n       = parse_struct(hdr, "mlpb_train_opts", docs);
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    check_struct("mlpb_train_opts", docs, n, train_fields,
                 sizeof train_fields / sizeof train_fields[0], &o, optim_docs, n_optim);
    free(hdr);
}

/* The parser itself: a wrong documented value is caught. */
static void test_parser_reads_groups(void **state)
{
    (void)state;
    char v[64];
    value_part("30; 0 off", v, sizeof v);
    assert_string_equal(v, "30");
    value_part("0: must be set", v, sizeof v);
    assert_string_equal(v, "0");
    const char c[] = "c = min(1, x / (g + 1e-6)), before; 0 = off (0.25)";
    last_group(c, c + sizeof c - 1, v, sizeof v);
    assert_string_equal(v, "0.25");
    const char hdr[] = "typedef struct mlpb_x {\n"
                       "    float a, b;  /* two (see f(x)) (0.5, 2) */\n"
                       "    size_t n;    /* spans\n"
                       "                    lines (7; 0 off) */\n"
                       "} mlpb_x;\n";
    doc    d[MAX_DOC];
    size_t n = parse_struct(hdr, "mlpb_x", d);
    assert_int_equal(n, 3);
    assert_string_equal(d[0].name, "a");
    assert_string_equal(d[0].value, "0.5");
    assert_string_equal(d[1].name, "b");
    assert_string_equal(d[1].value, "2");
    assert_string_equal(d[2].name, "n");
    assert_string_equal(d[2].value, "7; 0 off");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_reads_groups),
        cmocka_unit_test(test_optim_defaults_documented),
        cmocka_unit_test(test_train_defaults_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
