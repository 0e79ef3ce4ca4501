/* args.c -- the command line (base/args.h): options in their long, short
 * and --opt=VALUE forms, the nearest option suggested for a misspelt one,
 * and option values checked into numbers. */
#include "base/args.h"

#include "base/msg.h"
#include "base/names.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cli_args_init(cli_args *a, int argc, char **argv, const char *cmd,
                   const cli_optdef *defs)
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    a->i    = 1; /* argv[0] is the command */
    a->cmd  = cmd;
    a->defs = defs;
}

static const char *opt_name(const void *defs, size_t j)
{
    return ((const cli_optdef *)defs)[j].name;
}

/* The short forms and the long options they stand for (where the command
 * has that option). */
static const char *long_form(const char *arg)
{
    static const char *const map[][2] = {
        {"-o", "--out"}, {"-q", "--quiet"}, {"-v", "--verbose"}, {"-j", "--threads"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(arg, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

int cli_args_next(cli_args *a)
{
    a->name  = NULL;
    a->value = NULL;
    if (a->i >= a->argc)
        return CLI_ARG_END;
    const char *arg = a->argv[a->i++];
    if (a->only_pos || arg[0] != '-' || strcmp(arg, "-") == 0) {
        a->value = arg;
        return CLI_ARG_POS;
    }
    if (strcmp(arg, "--") == 0) {
        a->only_pos = 1;
        return cli_args_next(a);
    }
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
        return CLI_ARG_HELP;
    if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
        printf("mlpblas %s\n", mlpb_version_string());
        return CLI_ARG_DONE;
    }
    const char *lf = long_form(arg);
    /* A short option with its value attached, as in "-j2" or "-om.mlpb". */
    const char *attached = NULL;
    if (lf == NULL && arg[1] != '-' && arg[1] != '\0' && arg[2] != '\0') {
        const char two[3] = {arg[0], arg[1], '\0'};
        lf = long_form(two);
        if (lf != NULL)
            attached = arg + 2;
    }
    const char *orig = arg;
    if (lf != NULL)
        arg = lf;
    const char *eq  = attached != NULL ? NULL : strchr(arg, '=');
    size_t      len = eq ? (size_t)(eq - arg) : strlen(arg);
    for (const cli_optdef *d = a->defs; d->name != NULL; d++) {
        if (strlen(d->name) != len || memcmp(d->name, arg, len) != 0)
            continue;
        if (attached != NULL && !d->has_value)
            break; /* "-qv": no bundled flags */
        a->name = d->name;
        if (attached != NULL) {
            a->value = attached;
            return CLI_ARG_OPT;
        }
        if (!d->has_value) {
            if (eq != NULL) {
                cli_usage(a->cmd, "option %s takes no value", d->name);
                return CLI_ARG_BAD;
            }
            return CLI_ARG_OPT;
        }
        if (eq != NULL) {
            a->value = eq + 1;
        } else if (a->i < a->argc) {
            a->value = a->argv[a->i++];
        } else {
            cli_usage(a->cmd, "option %s needs a value", d->name);
            return CLI_ARG_BAD;
        }
        return CLI_ARG_OPT;
    }
    if (attached != NULL) {
        arg = orig;
        len = strlen(orig);
    }
    /* A near miss: the closest option (names.h, as for column names). */
    size_t n_defs = 0;
    while (a->defs[n_defs].name != NULL)
        n_defs++;
    long best = cli_names_nearest(arg, len, opt_name, a->defs, n_defs);
    if (best >= 0)
        cli_usage(a->cmd, "unknown option '%.*s'; did you mean '%s'?", (int)len, arg,
                  a->defs[best].name);
    else
        cli_usage(a->cmd, "unknown option '%.*s'", (int)len, arg);
    return CLI_ARG_BAD;
}

int cli_args_option(cli_args *a, const char *const *help, const char **pos, size_t max_pos,
                    size_t *n_pos, int *rc)
{
    for (;;) {
        const int r = cli_args_next(a);
        if (r == CLI_ARG_OPT)
            return 1;
        if (r == CLI_ARG_END)
            return 0;
        if (r == CLI_ARG_POS && *n_pos < max_pos) {
            pos[(*n_pos)++] = a->value;
            continue;
        }
        for (const char *const *h = help; r == CLI_ARG_HELP && *h != NULL; h++)
            fputs(*h, stdout);
        /* The version was printed by cli_args_next, a bad option's message
         * too. */
        *rc = r == CLI_ARG_POS ? cli_usage(a->cmd, "unexpected argument '%s'", a->value)
              : r == CLI_ARG_BAD ? CLI_EUSAGE
                                 : CLI_OK;
        return -1;
    }
}

int cli_parse_size(const char *cmd, const char *opt, const char *s, size_t min, size_t max,
                   size_t *out)
{
    char *end;
    errno                 = 0;
    unsigned long long v  = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max) {
        if (max == SIZE_MAX)
            cli_usage(cmd, "%s: '%s' is not an integer >= %zu", opt, s, min);
        else
            cli_usage(cmd, "%s: '%s' is not an integer from %zu to %zu", opt, s, min, max);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int cli_parse_u64(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    char *end;
    errno                = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0) {
        cli_usage(cmd, "%s: '%s' is not a non-negative integer", opt, s);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int cli_parse_float(const char *cmd, const char *opt, const char *s, double min, double max,
                    float *out)
{
    char *end;
    errno    = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v) || v < min || v > max) {
        cli_usage(cmd, "%s: '%s' is not a number in [%g, %g]", opt, s, min, max);
        return -1;
    }
    *out = (float)v;
    return 0;
}

int cli_parse_sizes(const char *cmd, const char *opt, const char *s, size_t *out, size_t cap,
                    size_t *n)
{
    size_t      count = 0;
    const char *p     = s;
    for (;;) {
        char  *end;
        errno                = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (*p < '0' || *p > '9' || errno != 0 || v < 1 || v > 1000000 ||
            (*end != ',' && *end != '\0') || count == cap) {
            cli_usage(cmd, "%s: '%s' is not a list of at most %zu widths 1..1000000 "
                           "separated by commas", opt, s, cap);
            return -1;
        }
        out[count++] = (size_t)v;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    *n = count;
    return 0;
}

int cli_parse_bytes(const char *cmd, const char *opt, const char *s, size_t *out)
{
    char  *end;
    errno    = 0;
    double v = strtod(s, &end);
    double m = 1.0;
    if (end != s && *end != '\0') {
        switch (*end == '\0' ? 0 : end[0]) {
        case 'k': case 'K': m = 1024.0; break;
        case 'm': case 'M': m = 1024.0 * 1024.0; break;
        case 'g': case 'G': m = 1024.0 * 1024.0 * 1024.0; break;
        case 't': case 'T': m = 1024.0 * 1024.0 * 1024.0 * 1024.0; break;
        default: m = 0.0;
        }
        end++;
        if (*end == 'B' || *end == 'b')
            end++;
    }
    if (end == s || *end != '\0' || m == 0.0 || errno != 0 || !isfinite(v) || v <= 0.0 ||
        s[0] < '0' || s[0] > '9') {
        cli_usage(cmd, "%s: '%s' is not a size (a number of bytes, or with K, M, G or T)",
                  opt, s);
        return -1;
    }
    /* (double)SIZE_MAX rounds up to 2^64 on 64-bit machines: every value
     * below it fits. A larger one is refused, not quietly capped. */
    double b = v * m;
    if (s[strspn(s, "0123456789")] == '\0') {
        /* Digits alone: exactly, up to SIZE_MAX itself. */
        errno                = 0;
        unsigned long long u = strtoull(s, NULL, 10);
        if (errno == 0 && u <= SIZE_MAX) {
            *out = (size_t)u;
            return 0;
        }
        b = HUGE_VAL;
    }
    if (!(b < (double)SIZE_MAX)) {
        cli_usage(cmd, "%s: '%s' is more bytes than this machine can address (at most %zu)",
                  opt, s, SIZE_MAX);
        return -1;
    }
    *out = (size_t)b;
    return 0;
}
