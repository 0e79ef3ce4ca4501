/* names.c -- the name index (FNV-1a hashing, open addressing), the repair of
 * a header's empty and repeated names, and "did you mean" (names.h). */
#include "names.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

/* The smallest power of two >= 2n (and >= 16). */
static size_t table_cap(size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    return cap;
}

uint64_t cli_name_index_bytes(size_t n)
{
    return (uint64_t)table_cap(n) * sizeof(uint32_t);
}

mlpb_status cli_name_index_init(cli_name_index *ix, const char *text, const size_t *off,
                                size_t n)
{
    memset(ix, 0, sizeof *ix);
    if (n > 0x7fffffffu)
        return MLPB_E_INVALID_ARG;
    ix->text = text;
    ix->off  = off;
    ix->n    = n;
    ix->cap  = table_cap(n);
    ix->slot = calloc(ix->cap, sizeof *ix->slot);
    if (ix->slot == NULL)
        return MLPB_E_NOMEM;
    for (size_t j = 0; j < n; j++) {
        const char *s   = text + off[j];
        size_t      len = strlen(s);
        if (cli_name_index_find(ix, s, len) >= 0)
            continue; /* a repeat: the first stays */
        size_t h = (size_t)hash_bytes(s, len) & (ix->cap - 1);
        while (ix->slot[h] != 0)
            h = (h + 1) & (ix->cap - 1);
        ix->slot[h] = (uint32_t)j + 1;
    }
    return MLPB_OK;
}

long cli_name_index_find(const cli_name_index *ix, const char *s, size_t len)
{
    if (ix->slot == NULL || memchr(s, '\0', len) != NULL)
        return -1;
    for (size_t h = (size_t)hash_bytes(s, len) & (ix->cap - 1); ix->slot[h] != 0;
         h = (h + 1) & (ix->cap - 1)) {
        size_t      j    = ix->slot[h] - 1;
        const char *name = ix->text + ix->off[j];
        if (strncmp(name, s, len) == 0 && name[len] == '\0')
            return (long)j;
    }
    return -1;
}

void cli_name_index_free(cli_name_index *ix)
{
    free(ix->slot);
    memset(ix, 0, sizeof *ix);
}

/* ------------------------------------------------------------ repair */
typedef struct counts {
    size_t *key;   /* offset in the output text + 1; 0 empty */
    size_t *count;
    size_t  cap;
} counts;

static size_t *count_of(counts *c, const char *out, const char *s, size_t len, int insert)
{
    size_t h = (size_t)hash_bytes(s, len) & (c->cap - 1);
    for (; c->key[h] != 0; h = (h + 1) & (c->cap - 1)) {
        const char *k = out + c->key[h] - 1;
        if (strncmp(k, s, len) == 0 && k[len] == '\0')
            return &c->count[h];
    }
    return insert ? &c->count[h] : NULL;
}

static mlpb_status put_text(char **out, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 256;
        while (nc < *len + n + 1)
            nc *= 2;
        char *p = realloc(*out, nc);
        if (p == NULL)
            return MLPB_E_NOMEM;
        *out = p;
        *cap = nc;
    }
    memcpy(*out + *len, s, n);
    (*out)[*len + n] = '\0';
    *len += n + 1;
    return MLPB_OK;
}

mlpb_status cli_names_repair(const char *text, size_t *off, size_t n, char **out,
                             size_t *out_len, size_t *changed)
{
    counts      c   = {NULL, NULL, table_cap(n)};
    char       *o   = NULL, *cand = NULL;
    size_t      len = 0, cap = 0, cand_cap = 0;
    mlpb_status st  = MLPB_E_NOMEM;
    *out            = NULL;
    *out_len        = 0;
    *changed        = 0;
    c.key           = calloc(c.cap, sizeof *c.key);
    c.count         = calloc(c.cap, sizeof *c.count);
    if (c.key == NULL || c.count == NULL)
        goto done;
    for (size_t j = 0; j < n; j++) {
        const char *name = text + off[j];
        size_t      nl   = strlen(name);
        char        unnamed[40];
        if (nl == 0) {
            nl   = (size_t)snprintf(unnamed, sizeof unnamed, "Unnamed: %zu", j);
            name = unnamed;
        }
        /* pandas: while the name is taken, count it up and try NAME.count. */
        size_t *cnt = count_of(&c, o, name, nl, 0), cur = cnt ? *cnt : 0;
        if (cur > 0 || name == unnamed)
            (*changed)++;
        if (cur > 0) {
            if (cand_cap < nl + 32) {
                char *p = realloc(cand, nl + 32);
                if (p == NULL)
                    goto done;
                cand     = p;
                cand_cap = nl + 32;
            }
            memcpy(cand, name, nl);
            size_t base = nl;
            while (cur > 0) {
                *cnt = cur + 1;
                nl   = base + (size_t)snprintf(cand + base, 32, ".%zu", cur);
                cnt  = count_of(&c, o, cand, nl, 0);
                cur  = cnt ? *cnt : 0;
                /* A further round suffixes the candidate itself. */
                if (cur > 0 && cand_cap < nl + 32) {
                    char *p = realloc(cand, nl + 32);
                    if (p == NULL)
                        goto done;
                    cand     = p;
                    cand_cap = nl + 32;
                }
                base = nl;
            }
            name = cand;
        }
        size_t at = len;
        if ((st = put_text(&o, &len, &cap, name, nl)) != MLPB_OK)
            goto done;
        st       = MLPB_E_NOMEM;
        off[j]   = at;
        size_t h = (size_t)hash_bytes(name, nl) & (c.cap - 1);
        while (c.key[h] != 0)
            h = (h + 1) & (c.cap - 1);
        c.key[h]   = at + 1;
        c.count[h] = 1;
    }
    *out     = o;
    *out_len = len;
    o        = NULL;
    st       = MLPB_OK;
done:
    free(o);
    free(cand);
    free(c.key);
    free(c.count);
    return st;
}

/* -------------------------------------------------------- did you mean */
size_t cli_edit_distance(const char *a, size_t na, const char *b)
{
    enum { M = 40 };
    size_t nb = strlen(b);
    if (na >= M || nb >= M)
        return (size_t)-1;
    size_t dp[M][M];
    for (size_t i = 0; i <= na; i++)
        dp[i][0] = i;
    for (size_t j = 0; j <= nb; j++)
        dp[0][j] = j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            size_t best = dp[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (dp[i - 1][j] + 1 < best)
                best = dp[i - 1][j] + 1;
            if (dp[i][j - 1] + 1 < best)
                best = dp[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                dp[i - 2][j - 2] + 1 < best)
                best = dp[i - 2][j - 2] + 1;
            dp[i][j] = best;
        }
    return dp[na][nb];
}

static int same_but_case(const char *a, size_t na, const char *b)
{
    if (strlen(b) != na)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 0;
    return 1;
}

long cli_names_nearest(const char *want, size_t wlen, const char *(*name)(const void *, size_t),
                       const void *ctx, size_t n)
{
    long   best = -1;
    size_t bd   = (size_t)-1;
    for (size_t j = 0; j < n; j++) {
        const char *nm = name(ctx, j);
        size_t      nl = strlen(nm);
        if (same_but_case(want, wlen, nm))
            return (long)j;
        /* Only names within two bytes of the length can be two edits away:
         * a wide header costs one length compare a name. */
        if (nl + 2 < wlen || wlen + 2 < nl)
            continue;
        size_t d = cli_edit_distance(want, wlen, nm);
        if (d < bd) {
            bd   = d;
            best = (long)j;
        }
    }
    if (best >= 0 && bd > 0 && bd <= 2 && bd * 3 <= strlen(name(ctx, (size_t)best)))
        return best;
    return -1;
}

void cli_names_hint(const char *want, size_t wlen, const char *(*name)(const void *, size_t),
                    const void *ctx, size_t n, size_t max_list, char *buf, size_t len)
{
    size_t off = strlen(buf);
    long   j   = cli_names_nearest(want, wlen, name, ctx, n);
    if (j >= 0 && off < len)
        off += (size_t)snprintf(buf + off, len - off, "; did you mean \"%s\"?",
                                name(ctx, (size_t)j));
    if (n == 0 || n > max_list || off >= len)
        return;
    off += (size_t)snprintf(buf + off, len - off, " (the columns: ");
    for (size_t i = 0; i < n && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s\"%s\"", i ? ", " : "", name(ctx, i));
    if (off < len)
        snprintf(buf + off, len - off, ")");
}
