/* json_check.c -- test helper for the mlpblas tool's --json output: reads
 * standard input, exits 0 if it is exactly one JSON object (RFC 8259: strict
 * numbers, escapes, UTF-8, no trailing data but whitespace) and 1 otherwise.
 * Each KEY argument prints that top-level member's value as written (strings
 * without quotes, null as "null") on its own line; a missing key fails. */
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

/* Print the top-level member key of the object text s (already validated). */
static int print_member(const char *s, size_t len, const char *key)
{
    parser p = {s, 0, len, 0, NULL};
    ws(&p);
    p.pos++; /* { */
    for (;;) {
        ws(&p);
        if (s[p.pos] == '}')
            return -1;
        size_t k0 = p.pos;
        string(&p);
        size_t k1 = p.pos;
        ws(&p);
        p.pos++; /* : */
        ws(&p);
        size_t v0 = p.pos;
        value(&p);
        size_t v1 = p.pos;
        if (k1 - k0 - 2 == strlen(key) && memcmp(s + k0 + 1, key, k1 - k0 - 2) == 0) {
            if (s[v0] == '"')
                v0++, v1--;
            printf("%.*s\n", (int)(v1 - v0), s + v0);
            return 0;
        }
        ws(&p);
        p.pos++; /* , or } */
        if (s[p.pos - 1] == '}')
            return -1;
    }
}

int main(int argc, char **argv)
{
    size_t cap = 1 << 16, len = 0, got;
    char  *buf = malloc(cap);
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    if (buf == NULL)
        return 2;
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
        if (print_member(buf, len, argv[i]) != 0) {
            fprintf(stderr, "json_check: no member \"%s\"\n", argv[i]);
            free(buf);
            return 1;
        }
    }
    free(buf);
    return 0;
}
