/* json.c -- the tool's JSON writer (out/json.h): objects and arrays
 * written as they go, strings escaped (valid UTF-8, safe on a terminal),
 * numbers that are not finite written as null. */
#include "out/json.h"

#include "base/term.h"
#include "base/utf8.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- JSON */
/* A JSON string: escapes for quotes, backslashes and control characters
 * (C1 and the bidirectional overrides too, so that the text is safe on a
 * terminal), and U+FFFD for bytes that are not UTF-8, so any input gives
 * valid JSON. */
static void put_string(FILE *f, const char *v)
{
    const unsigned char *s = (const unsigned char *)v;
    fputc('"', f);
    while (*s != '\0') {
        size_t n = cli_utf8_len(s);
        if (n == 0) {
            fputs("\\ufffd", f); /* not UTF-8: the replacement character */
            s++;
        } else if (n > 1) {
            unsigned long c = cli_utf8_control(s, n);
            if (c != 0)
                fprintf(f, "\\u%04lx", c - 1);
            else
                fwrite(s, 1, n, f);
            s += n;
        } else {
            switch (*s) {
            case '"': fputs("\\\"", f); break;
            case '\\': fputs("\\\\", f); break;
            case '\n': fputs("\\n", f); break;
            case '\r': fputs("\\r", f); break;
            case '\t': fputs("\\t", f); break;
            default:
                if (*s < 0x20 || *s == 0x7f)
                    fprintf(f, "\\u%04x", *s);
                else
                    fputc(*s, f);
            }
            s++;
        }
    }
    fputc('"', f);
}

static void json_sep(cli_json *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = 0;
    if (key != NULL) {
        put_string(j->f, key);
        fputc(':', j->f);
    }
}

void cli_json_str(cli_json *j, const char *key, const char *v)
{
    json_sep(j, key);
    put_string(j->f, v);
}

void cli_json_begin(cli_json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f        = f;
    j->first[0] = 1;
    fputc('{', f);
}

void cli_json_end(cli_json *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}

static void json_open(cli_json *j, const char *key, char c)
{
    json_sep(j, key);
    fputc(c, j->f);
    if (j->depth + 1 < (int)(sizeof j->first / sizeof j->first[0]))
        j->depth++;
    j->first[j->depth] = 1;
}

void cli_json_obj(cli_json *j, const char *key) { json_open(j, key, '{'); }
void cli_json_arr(cli_json *j, const char *key) { json_open(j, key, '['); }

void cli_json_close(cli_json *j, char c)
{
    fputc(c, j->f);
    if (j->depth > 0)
        j->depth--;
}

void cli_json_num(cli_json *j, const char *key, double v)
{
    json_sep(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.10g", v);
    else
        fputs("null", j->f);
}

void cli_json_float(cli_json *j, const char *key, float v)
{
    json_sep(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.7g", (double)v); /* a float's digits, not its binary tail */
    else
        fputs("null", j->f);
}

void cli_json_int(cli_json *j, const char *key, unsigned long long v)
{
    json_sep(j, key);
    fprintf(j->f, "%llu", v);
}

void cli_json_bool(cli_json *j, const char *key, int v)
{
    json_sep(j, key);
    fputs(v ? "true" : "false", j->f);
}

void cli_json_null(cli_json *j, const char *key)
{
    json_sep(j, key);
    fputs("null", j->f);
}

void cli_json_metrics(cli_json *j, const mlpb_metrics *m)
{
    cli_json_num(j, "loss", m->loss);
    cli_json_num(j, "accuracy", m->accuracy);
    cli_json_num(j, "precision", m->precision);
    cli_json_num(j, "recall", m->recall);
    cli_json_num(j, "f1", m->f1);
    cli_json_num(j, "auc", m->auc);
    cli_json_num(j, "ap", m->ap);
}
