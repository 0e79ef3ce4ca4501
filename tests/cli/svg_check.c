/* svg_check.c -- test helper for the mlpblas tool's SVG charts: reads an SVG
 * file on standard input and exits 0 only if it is well-formed XML (one root
 * element, balanced and properly nested tags, quoted attributes without
 * duplicates, only the five predefined or numeric entity references, no
 * control characters), its root is <svg>, and every point of a <polyline>
 * and every <circle> centre lies inside the rectangle of class "plot-area"
 * that precedes it. Prints "panels P polylines L points N circles C" and,
 * when an element with id "best-epoch" exists, "best-epoch E" (its
 * data-epoch attribute). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct area {
    double x, y, w, h;
    int    set;
} area;

static char  *buf;
static size_t len, pos;

static int fail(const char *why)
{
    size_t line = 1;
    for (size_t i = 0; i < pos && i < len; i++)
        line += buf[i] == '\n';
    fprintf(stderr, "svg_check: line %zu: %s\n", line, why);
    return 1;
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == ':' || c == '.';
}

/* Text or an attribute value up to stop: entities and characters checked. */
static int text_until(char stop)
{
    while (pos < len && buf[pos] != stop) {
        unsigned char c = (unsigned char)buf[pos];
        if (c == '<' && stop != '<')
            return fail("'<' in an attribute value");
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
            return fail("control character");
        if (c == '&') {
            const char *ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
            int         ok     = 0;
            for (int i = 0; i < 5 && !ok; i++)
                if (strncmp(buf + pos, ents[i], strlen(ents[i])) == 0) {
                    pos += strlen(ents[i]);
                    ok = 1;
                }
            if (!ok && strncmp(buf + pos, "&#", 2) == 0) {
                size_t e = pos + 2;
                while (e < len && ((buf[e] >= '0' && buf[e] <= '9') || buf[e] == 'x' ||
                                   (buf[e] >= 'a' && buf[e] <= 'f')))
                    e++;
                if (e < len && buf[e] == ';' && e > pos + 2) {
                    pos = e + 1;
                    ok  = 1;
                }
            }
            if (!ok)
                return fail("bad entity reference");
            continue;
        }
        pos++;
    }
    return 0;
}

/* The value of attribute name in the tag text [t0, t1), or NULL. */
static const char *attr(size_t t0, size_t t1, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    for (size_t i = t0; i + n + 2 < t1; i++) {
        if ((buf[i - 1] == ' ' || buf[i - 1] == '\n' || buf[i - 1] == '\t') &&
            strncmp(buf + i, name, n) == 0 && buf[i + n] == '=' && buf[i + n + 1] == '"') {
            const char *v = buf + i + n + 2;
            const char *e = memchr(v, '"', (size_t)(buf + t1 - v));
            if (e == NULL)
                return NULL;
            *vlen = (size_t)(e - v);
            return v;
        }
    }
    return NULL;
}

static double num_attr(size_t t0, size_t t1, const char *name, int *ok)
{
    size_t      n;
    const char *v = attr(t0, t1, name, &n);
    if (v == NULL) {
        *ok = 0;
        return 0.0;
    }
    return strtod(v, NULL);
}

static int inside(const area *a, double x, double y)
{
    const double eps = 0.01;
    return a->set && x >= a->x - eps && x <= a->x + a->w + eps && y >= a->y - eps &&
           y <= a->y + a->h + eps;
}

int main(void)
{
    size_t cap = 1 << 16, got;
    buf        = malloc(cap + 1);
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, stdin)) > 0) {
        len += got;
        if (len == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    if (buf == NULL)
        return 2;
    buf[len] = '\0';

    char   stack[64][32];
    int    depth = 0, roots = 0, best = -1;
    size_t panels = 0, polylines = 0, points = 0, circles = 0;
    area   cur    = {0, 0, 0, 0, 0};
    if (strncmp(buf, "<?xml ", 6) == 0) {
        char *e = strstr(buf, "?>");
        if (e == NULL)
            return fail("unterminated XML declaration");
        pos = (size_t)(e - buf) + 2;
    }
    while (pos < len) {
        if (buf[pos] != '<') {
            if (depth == 0 && buf[pos] != ' ' && buf[pos] != '\n' && buf[pos] != '\t' &&
                buf[pos] != '\r')
                return fail("text outside the root element");
            if (text_until('<'))
                return 1;
            continue;
        }
        if (strncmp(buf + pos, "<!--", 4) == 0) {
            char *e = strstr(buf + pos + 4, "-->");
            if (e == NULL)
                return fail("unterminated comment");
            pos = (size_t)(e - buf) + 3;
            continue;
        }
        int closing = buf[pos + 1] == '/';
        pos += closing ? 2 : 1;
        size_t n0 = pos;
        while (pos < len && name_char(buf[pos]))
            pos++;
        size_t nlen = pos - n0;
        if (nlen == 0 || nlen >= 32)
            return fail("bad tag name");
        if (closing) {
            if (depth == 0 || strlen(stack[depth - 1]) != nlen ||
                strncmp(stack[depth - 1], buf + n0, nlen) != 0)
                return fail("mismatched closing tag");
            depth--;
            while (pos < len && buf[pos] == ' ')
                pos++;
            if (buf[pos] != '>')
                return fail("'>' expected");
            pos++;
            continue;
        }
        size_t t0 = pos;
        /* Attributes: name="value", each name once. */
        char seen[32][32];
        int  n_seen = 0;
        for (;;) {
            while (pos < len && (buf[pos] == ' ' || buf[pos] == '\n' || buf[pos] == '\t'))
                pos++;
            if (buf[pos] == '>' || (buf[pos] == '/' && buf[pos + 1] == '>'))
                break;
            size_t a0 = pos;
            while (pos < len && name_char(buf[pos]))
                pos++;
            size_t alen = pos - a0;
            if (alen == 0 || alen >= 32 || buf[pos] != '=' || buf[pos + 1] != '"')
                return fail("bad attribute");
            for (int i = 0; i < n_seen; i++)
                if (strlen(seen[i]) == alen && strncmp(seen[i], buf + a0, alen) == 0)
                    return fail("duplicate attribute");
            if (n_seen < 32)
                snprintf(seen[n_seen++], 32, "%.*s", (int)alen, buf + a0);
            pos += 2;
            if (text_until('"'))
                return 1;
            if (pos >= len)
                return fail("unterminated attribute value");
            pos++;
        }
        size_t t1   = pos;
        int    self = buf[pos] == '/';
        pos += self ? 2 : 1;
        if (depth == 0) {
            if (roots++ > 0)
                return fail("more than one root element");
            if (nlen != 3 || strncmp(buf + n0, "svg", 3) != 0)
                return fail("the root is not <svg>");
        }
        size_t      vl;
        const char *cls = attr(t0, t1, "class", &vl);
        if (nlen == 4 && strncmp(buf + n0, "rect", 4) == 0 && cls != NULL && vl == 9 &&
            strncmp(cls, "plot-area", 9) == 0) {
            int ok = 1;
            cur.x  = num_attr(t0, t1, "x", &ok);
            cur.y  = num_attr(t0, t1, "y", &ok);
            cur.w  = num_attr(t0, t1, "width", &ok);
            cur.h  = num_attr(t0, t1, "height", &ok);
            if (!ok || cur.w <= 0 || cur.h <= 0)
                return fail("plot-area without a size");
            cur.set = 1;
            panels++;
        }
        if (nlen == 8 && strncmp(buf + n0, "polyline", 8) == 0) {
            const char *v = attr(t0, t1, "points", &vl);
            if (v == NULL)
                return fail("polyline without points");
            polylines++;
            const char *p = v, *e = v + vl;
            while (p < e) {
                char  *q;
                double x = strtod(p, &q);
                if (q == p || *q != ',')
                    return fail("bad point");
                double y = strtod(q + 1, &q);
                if (!inside(&cur, x, y)) {
                    fprintf(stderr, "svg_check: point %g,%g outside the plot area\n", x, y);
                    return 1;
                }
                points++;
                p = q;
                while (p < e && *p == ' ')
                    p++;
            }
        }
        if (nlen == 6 && strncmp(buf + n0, "circle", 6) == 0) {
            int    ok = 1;
            double x = num_attr(t0, t1, "cx", &ok), y = num_attr(t0, t1, "cy", &ok);
            if (!ok || !inside(&cur, x, y)) {
                fprintf(stderr, "svg_check: circle at %g,%g outside the plot area\n", x, y);
                return 1;
            }
            circles++;
        }
        const char *id = attr(t0, t1, "id", &vl);
        if (id != NULL && vl == 10 && strncmp(id, "best-epoch", 10) == 0) {
            const char *e = attr(t0, t1, "data-epoch", &vl);
            best          = e != NULL ? atoi(e) : 0;
        }
        if (!self) {
            if (depth == 64)
                return fail("too deep");
            snprintf(stack[depth++], 32, "%.*s", (int)nlen, buf + n0);
        }
    }
    if (depth != 0)
        return fail("unclosed element");
    if (roots != 1)
        return fail("no root element");
    printf("panels %zu polylines %zu points %zu circles %zu\n", panels, polylines, points,
           circles);
    if (best >= 0)
        printf("best-epoch %d\n", best);
    free(buf);
    return 0;
}
