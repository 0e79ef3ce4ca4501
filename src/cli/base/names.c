/* names.c -- the name index (FNV-1a hashing, open addressing), the repair of
 * a header's empty and repeated names, and "did you mean" (names.h). */
#include "base/names.h"

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
/* A map from strings to counts: keys kept in one growing text, open
 * addressing, doubled at half full. */
typedef struct strmap {
    char   *text;
    size_t  len, cap;
    size_t *key;   /* offset in text + 1; 0 empty */
    size_t *val;
    size_t  slots, used;
} strmap;

static void strmap_free(strmap *m)
{
    free(m->text);
    free(m->key);
    free(m->val);
}

static size_t strmap_slot(const strmap *m, const char *s, size_t len)
{
    size_t h = (size_t)hash_bytes(s, len) & (m->slots - 1);
    for (; m->key[h] != 0; h = (h + 1) & (m->slots - 1)) {
        const char *k = m->text + m->key[h] - 1;
        if (strncmp(k, s, len) == 0 && k[len] == '\0')
            break;
    }
    return h;
}

static size_t strmap_get(const strmap *m, const char *s, size_t len)
{
    if (m->slots == 0)
        return 0;
    size_t h = strmap_slot(m, s, len);
    return m->key[h] ? m->val[h] : 0;
}

static mlpb_status strmap_grow(strmap *m)
{
    strmap g = *m;
    g.slots  = m->slots ? m->slots * 2 : 64;
    g.key    = calloc(g.slots, sizeof *g.key);
    g.val    = calloc(g.slots, sizeof *g.val);
    if (g.key == NULL || g.val == NULL) {
        free(g.key);
        free(g.val);
        return MLPB_E_NOMEM;
    }
    for (size_t i = 0; i < m->slots; i++) {
        if (m->key[i] == 0)
            continue;
        const char *k = m->text + m->key[i] - 1;
        size_t      h = strmap_slot(&g, k, strlen(k));
        g.key[h]      = m->key[i];
        g.val[h]      = m->val[i];
    }
    free(m->key);
    free(m->val);
    *m = g;
    return MLPB_OK;
}

static mlpb_status strmap_set(strmap *m, const char *s, size_t len, size_t v)
{
    if (2 * (m->used + 1) > m->slots && strmap_grow(m) != MLPB_OK)
        return MLPB_E_NOMEM;
    size_t h = strmap_slot(m, s, len);
    if (m->key[h] == 0) {
        if (m->len + len + 1 > m->cap) {
            size_t nc = m->cap ? m->cap : 256;
            while (nc < m->len + len + 1)
                nc *= 2;
            char *p = realloc(m->text, nc);
            if (p == NULL)
                return MLPB_E_NOMEM;
            m->text = p;
            m->cap  = nc;
        }
        memcpy(m->text + m->len, s, len);
        m->text[m->len + len] = '\0';
        m->key[h]             = m->len + 1;
        m->len += len + 1;
        m->used++;
    }
    m->val[h] = v;
    return MLPB_OK;
}

static mlpb_status strmap_add(strmap *m, const char *s, size_t len, long delta)
{
    return strmap_set(m, s, len, (size_t)((long)strmap_get(m, s, len) + delta));
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

/* pandas' C parser (parsers.pyx, _get_header), step for step: an empty name
 * j is "Unnamed: j"; then, named columns first and unnamed ones after, a
 * name met before becomes NAME.k for the first k whose name is not in the
 * header as it stands and not counted yet. */
mlpb_status cli_names_repair(const char *text, size_t *off, size_t n, char **out,
                             size_t *out_len, size_t *changed)
{
    strmap      in_header = {0}, counts = {0};
    char       *hdr = NULL, *res = NULL, *cand = NULL;
    size_t      hlen = 0, hcap = 0, rlen = 0, rcap = 0, cand_cap = 0, m = 0;
    size_t     *order = malloc((n ? n : 1) * sizeof *order);
    size_t     *hoff  = malloc((n ? n : 1) * sizeof *hoff);
    mlpb_status st    = MLPB_E_NOMEM;
    *out     = NULL;
    *out_len = *changed = 0;
    if (order == NULL || hoff == NULL)
        goto done;
    /* The header as pandas first names it: its own text, in hdr. */
    for (size_t j = 0; j < n; j++) {
        const char *name = text + off[j];
        char        unnamed[40];
        size_t      nl = strlen(name);
        if (nl == 0) {
            nl   = (size_t)snprintf(unnamed, sizeof unnamed, "Unnamed: %zu", j);
            name = unnamed;
            (*changed)++;
        } else {
            order[m++] = j; /* named columns first */
        }
        hoff[j] = hlen;
        if (put_text(&hdr, &hlen, &hcap, name, nl) != MLPB_OK ||
            strmap_add(&in_header, name, nl, 1) != MLPB_OK)
            goto done;
    }
    for (size_t j = 0; j < n; j++)
        if (text[off[j]] == '\0')
            order[m++] = j; /* then the unnamed */
    for (size_t i = 0; i < n; i++) {
        size_t      j   = order[i];
        const char *old = hdr + hoff[j], *col = old;
        size_t      ol  = strlen(old), cl = ol;
        size_t      cur = strmap_get(&counts, old, ol);
        while (cur > 0) {
            if (strmap_set(&counts, old, ol, cur + 1) != MLPB_OK)
                goto done;
            if (cand_cap < ol + 32) {
                char *p = realloc(cand, ol + 32);
                if (p == NULL)
                    goto done;
                cand     = p;
                cand_cap = ol + 32;
            }
            memcpy(cand, old, ol);
            cl  = ol + (size_t)snprintf(cand + ol, 32, ".%zu", cur);
            col = cand;
            if (strmap_get(&in_header, cand, cl) > 0)
                cur++;
            else
                cur = strmap_get(&counts, cand, cl);
        }
        if (col != old) {
            *changed += text[off[j]] != '\0'; /* an unnamed one is counted */
            if (strmap_add(&in_header, old, ol, -1) != MLPB_OK ||
                strmap_add(&in_header, col, cl, 1) != MLPB_OK)
                goto done;
        }
        if (strmap_set(&counts, col, cl, cur + 1) != MLPB_OK)
            goto done;
        off[j] = rlen;
        if (put_text(&res, &rlen, &rcap, col, cl) != MLPB_OK)
            goto done;
    }
    *out     = res;
    *out_len = rlen;
    res      = NULL;
    st       = MLPB_OK;
done:
    free(order);
    free(hoff);
    free(hdr);
    free(res);
    free(cand);
    strmap_free(&in_header);
    strmap_free(&counts);
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
