/* json_check.c -- test helper for the mlpblas tool's --json output: reads
 * standard input, exits 0 if it is exactly one JSON object (RFC 8259: strict
 * numbers, escapes, UTF-8, no trailing data but whitespace) and 1 otherwise.
 * Each PATH argument (members separated by dots, array elements by number:
 * training.history.0.epoch) prints that value as written (strings without
 * quotes, null as "null") on its own line; PATH:TYPE[|TYPE...] checks the
 * value's type (object, array, string, number, bool, null), with [] for
 * every element of an array; @FILE checks each "PATH TYPES" line of FILE.
 * A missing member fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *s;
    size_t      pos, len;
    int         depth;
    const char *err;
} parser;

static void ws(parser *p)
{
    while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) != NULL && p->s[p->pos] != '\0')
        p->pos++;
}

static int fail(parser *p, const char *why)
{
    if (p->err == NULL)
        p->err = why;
    return -1;
}

static int lit(parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
        return fail(p, "bad literal");
    p->pos += n;
    return 0;
}

static int digits(parser *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    return p->pos > start ? 0 : fail(p, "digit expected");
}

static int number(parser *p)
{
    if (p->pos < p->len && p->s[p->pos] == '-')
        p->pos++;
    if (p->pos < p->len && p->s[p->pos] == '0') {
        p->pos++;
    } else if (digits(p) != 0) {
        return -1;
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (digits(p) != 0)
            return -1;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (digits(p) != 0)
            return -1;
    }
    return 0;
}

static int hex4(parser *p)
{
    for (int i = 0; i < 4; i++, p->pos++)
        if (p->pos >= p->len || strchr("0123456789abcdefABCDEF", p->s[p->pos]) == NULL ||
            p->s[p->pos] == '\0')
            return fail(p, "bad \\u escape");
    return 0;
}

static int string(parser *p)
{
    if (p->pos >= p->len || p->s[p->pos] != '"')
        return fail(p, "string expected");
    p->pos++;
    while (p->pos < p->len) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            return 0;
        }
        if (c < 0x20)
            return fail(p, "control character in a string");
        if (c == '\\') {
            p->pos++;
            if (p->pos >= p->len)
                break;
            char e = p->s[p->pos++];
            if (e == 'u') {
                if (hex4(p) != 0)
                    return -1;
            } else if (strchr("\"\\/bfnrt", e) == NULL || e == '\0') {
                return fail(p, "bad escape");
            }
            continue;
        }
        size_t n = c < 0x80 ? 1 : c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (n == 0 || c > 0xF4 || p->pos + n > p->len)
            return fail(p, "bad UTF-8");
        for (size_t i = 1; i < n; i++)
            if (((unsigned char)p->s[p->pos + i] & 0xC0) != 0x80)
                return fail(p, "bad UTF-8");
        p->pos += n;
    }
    return fail(p, "unterminated string");
}

static int value(parser *p);

static int members(parser *p, char close, int object)
{
    p->pos++;
    if (++p->depth > 64)
        return fail(p, "too deep");
    ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        p->depth--;
        return 0;
    }
    for (;;) {
        ws(p);
        if (object) {
            if (string(p) != 0)
                return -1;
            ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':')
                return fail(p, "':' expected");
            p->pos++;
        }
        if (value(p) != 0)
            return -1;
        ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            p->depth--;
            return 0;
        }
        return fail(p, "',' or a closing bracket expected");
    }
}

static int value(parser *p)
{
    ws(p);
    if (p->pos >= p->len)
        return fail(p, "value expected");
    switch (p->s[p->pos]) {
    case '{': return members(p, '}', 1);
    case '[': return members(p, ']', 0);
    case '"': return string(p);
    case 't': return lit(p, "true");
    case 'f': return lit(p, "false");
    case 'n': return lit(p, "null");
    default: return number(p);
    }
}

/* The end of the value at v (already validated). */
static size_t skip(const char *s, size_t len, size_t v)
{
    parser p = {s, v, len, 0, NULL};
    value(&p);
    return p.pos;
}

static size_t skip_ws(const char *s, size_t len, size_t i)
{
    while (i < len && strchr(" \t\r\n", s[i]) != NULL && s[i] != '\0')
        i++;
    return i;
}

static const char *type_of(char c)
{
    switch (c) {
    case '{': return "object";
    case '[': return "array";
    case '"': return "string";
    case 't':
    case 'f': return "bool";
    case 'n': return "null";
    default: return "number";
    }
}

/* types is "number", "number|null", ...: does the value's type match? */
static int type_ok(const char *types, char c)
{
    const char *t = type_of(c);
    size_t      n = strlen(t);
    for (const char *s = types; *s;) {
        size_t m = strcspn(s, "|");
        if (m == n && memcmp(s, t, n) == 0)
            return 1;
        s += m;
        if (*s == '|')
            s++;
    }
    return 0;
}

/* Follow path (segments separated by '.'; a number indexes an array; "[]"
 * is every element) from the value at v. At the end, print the value
 * (types NULL) or check its type. 0 or -1 with a message. */
static int walk(const char *s, size_t len, size_t v, const char *path, const char *full,
                const char *types)
{
    v = skip_ws(s, len, v);
    if (*path == '\0') {
        if (types == NULL) {
            size_t e = skip(s, len, v);
            if (s[v] == '"')
                printf("%.*s\n", (int)(e - v - 2), s + v + 1);
            else
                printf("%.*s\n", (int)(e - v), s + v);
            return 0;
        }
        if (type_ok(types, s[v]))
            return 0;
        fprintf(stderr, "json_check: %s is %s, expected %s\n", full, type_of(s[v]), types);
        return -1;
    }
    size_t      seg  = strcspn(path, ".");
    const char *rest = path[seg] == '.' ? path + seg + 1 : path + seg;
    int         all  = seg == 2 && memcmp(path, "[]", 2) == 0;
    char       *end;
    long        idx = strtol(path, &end, 10);
    int         num = end == path + seg && seg > 0;
    if (s[v] == '[' && (all || num)) {
        size_t i = skip_ws(s, len, v + 1);
        long   k = 0;
        if (s[i] == ']')
            return all ? 0 : (fprintf(stderr, "json_check: no element %s\n", full), -1);
        for (;; k++) {
            if (all || k == idx) {
                if (walk(s, len, i, rest, full, types) != 0)
                    return -1;
                if (!all)
                    return 0;
            }
            i = skip_ws(s, len, skip(s, len, i));
            if (s[i] == ']')
                break;
            i = skip_ws(s, len, i + 1);
        }
        if (all)
            return 0;
        fprintf(stderr, "json_check: no element %s\n", full);
        return -1;
    }
    if (s[v] != '{') {
        fprintf(stderr, "json_check: %s: %.*s of a %s\n", full, (int)seg, path, type_of(s[v]));
        return -1;
    }
    size_t i = skip_ws(s, len, v + 1);
    while (s[i] != '}') {
        size_t k0 = i, k1 = skip(s, len, i);
        size_t vv = skip_ws(s, len, skip_ws(s, len, k1) + 1);
        if (k1 - k0 - 2 == seg && memcmp(s + k0 + 1, path, seg) == 0)
            return walk(s, len, vv, rest, full, types);
        i = skip_ws(s, len, skip(s, len, vv));
        if (s[i] == ',')
            i = skip_ws(s, len, i + 1);
    }
    fprintf(stderr, "json_check: no member \"%s\"\n", full);
    return -1;
}

/* PATH prints a value; PATH:TYPES checks its type; @FILE checks every
 * "PATH TYPES" line of FILE (blank lines and # comments skipped). */
static int arg(const char *s, size_t len, const char *a)
{
    if (a[0] == '@') {
        FILE *f = fopen(a + 1, "r");
        if (f == NULL) {
            fprintf(stderr, "json_check: cannot open %s\n", a + 1);
            return -1;
        }
        char line[512];
        int  rc = 0;
        while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
            char path[256], types[256];
            if (line[0] == '#' || sscanf(line, "%255s %255s", path, types) != 2)
                continue;
            rc = walk(s, len, 0, path, path, types);
        }
        fclose(f);
        return rc;
    }
    const char *colon = strchr(a, ':');
    if (colon == NULL)
        return walk(s, len, 0, a, a, NULL);
    char path[256];
    snprintf(path, sizeof path, "%.*s", (int)(colon - a), a);
    return walk(s, len, 0, path, a, colon + 1);
}

int main(int argc, char **argv)
{
    size_t cap = 1 << 16, len = 0, got;
    char  *buf = malloc(cap + 1);
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    if (buf == NULL)
        return 2;
    buf[len] = '\0';
    parser p = {buf, 0, len, 0, NULL};
    ws(&p);
    if (p.pos >= len || buf[p.pos] != '{')
        fail(&p, "not an object");
    else if (value(&p) == 0) {
        ws(&p);
        if (p.pos != len)
            fail(&p, "trailing data");
    }
    if (p.err != NULL) {
        fprintf(stderr, "json_check: invalid JSON at byte %zu: %s\n", p.pos, p.err);
        free(buf);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (arg(buf, len, argv[i]) != 0) {
            free(buf);
            return 1;
        }
    }
    free(buf);
    return 0;
}
