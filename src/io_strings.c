/* io_strings.c -- the names-and-metadata section of a version-2 model file
 * (docs/model-format.md): its size and encoding, a first pass that checks
 * every count, length, UTF-8 string and the padding without allocating, and
 * a second pass that decodes into the model. Both passes read through one
 * CHUNK-sized window, so a section of any size streams from a file. */
#include "io_format.h"

/* A window onto the section: bytes buf[pos, have) are those at file offsets
 * next - (have - pos) .. next - 1; end is the section's end. */
typedef struct cursor {
    const mlpb_source *src;
    uint64_t           next, end;
    unsigned char     *buf; /* CHUNK bytes */
    size_t             pos, have;
} cursor;

static void cursor_init(cursor *c, const mlpb_source *src, uint64_t off, uint64_t len,
                        unsigned char *buf)
{
    c->src = src;
    c->next = off;
    c->end = off + len;
    c->buf = buf;
    c->pos = c->have = 0;
}

/* Bytes of the section not yet consumed. */
static uint64_t cursor_left(const cursor *c)
{
    return (uint64_t)(c->have - c->pos) + (c->end - c->next);
}

/* Make n <= CHUNK bytes available at buf + pos; MLPB_E_CORRUPT if the section
 * ends first. */
static mlpb_status need(cursor *c, size_t n)
{
    const size_t keep = c->have - c->pos;
    if (keep >= n)
        return MLPB_OK;
    if ((uint64_t)(n - keep) > c->end - c->next)
        return MLPB_E_CORRUPT;
    memmove(c->buf, c->buf + c->pos, keep);
    size_t want = CHUNK - keep;
    if ((uint64_t)want > c->end - c->next)
        want = (size_t)(c->end - c->next);
    MLPB_TRY(mlpb__source_read(c->src, c->next, c->buf + keep, want));
    c->next += want;
    c->pos = 0;
    c->have = keep + want;
    return MLPB_OK;
}

static mlpb_status take_u32(cursor *c, uint32_t *v)
{
    MLPB_TRY(need(c, 4));
    *v = mlpb__get_u32(c->buf + c->pos);
    c->pos += 4;
    return MLPB_OK;
}

/* Consume a string of len bytes, checking that it is valid UTF-8 without
 * U+0000, and copy it to dst unless dst is NULL. Pieces are cut before a
 * character's first byte, so that each piece is validated on its own. */
static mlpb_status take_string(cursor *c, uint64_t len, char *dst)
{
    if (len > cursor_left(c))
        return MLPB_E_CORRUPT;
    while (len > 0) {
        const size_t piece = len < CHUNK ? (size_t)len : CHUNK;
        MLPB_TRY(need(c, piece));
        const unsigned char *p = c->buf + c->pos;
        size_t cut = piece;
        if (piece < len) /* more follows: do not split a character */
            for (size_t i = 1; i <= 3; i++)
                if ((p[piece - i] & 0xC0) != 0x80) {
                    cut = piece - i;
                    break;
                }
        if (!mlpb__utf8_valid(p, cut))
            return MLPB_E_CORRUPT;
        if (dst != NULL) {
            memcpy(dst, p, cut);
            dst += cut;
        }
        c->pos += cut;
        len -= cut;
    }
    return MLPB_OK;
}

/* ------------------------------------------------------------- encoding */
uint32_t mlpb__strings_flags(const mlpb_model *m)
{
    return (m->strs.in_names != NULL ? FMT_FLAG_IN : 0u) |
           (m->strs.out_names != NULL ? FMT_FLAG_OUT : 0u);
}

static uint64_t names_bytes(char *const *names, size_t n)
{
    uint64_t b = 0;
    for (size_t i = 0; names != NULL && i < n; i++)
        b += 4u + strlen(names[i]);
    return b;
}

bool mlpb__strings_size(const mlpb_model *m, uint64_t *bytes)
{
    /* Each name <= MLPB_NAME_MAX bytes and d, k <= INT_MAX: < 2^44 each;
     * metadata <= MLPB_META_TOTAL_MAX + 8 bytes an entry. No overflow. */
    const mlpb_strings *s = &m->strs;
    uint64_t b = names_bytes(s->in_names, m->sizes[0]) +
                 names_bytes(s->out_names, m->sizes[m->n_sizes - 1]) + 4u +
                 8u * (uint64_t)s->n_meta + (uint64_t)s->meta_bytes;
    *bytes = (b + 3u) / 4u * 4u;
    return true;
}

static mlpb_status put_string(mlpb_sink *s, const char *p, size_t len)
{
    unsigned char n[4];
    mlpb__put_u32(n, (uint32_t)len);
    MLPB_TRY(mlpb__sink_bytes(s, n, 4));
    return mlpb__sink_bytes(s, p, len);
}

mlpb_status mlpb__strings_encode(const mlpb_model *m, mlpb_sink *s)
{
    const mlpb_strings *st = &m->strs;
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1];
    for (size_t i = 0; st->in_names != NULL && i < d; i++)
        MLPB_TRY(put_string(s, st->in_names[i], strlen(st->in_names[i])));
    for (size_t j = 0; st->out_names != NULL && j < k; j++)
        MLPB_TRY(put_string(s, st->out_names[j], strlen(st->out_names[j])));
    unsigned char n[4];
    mlpb__put_u32(n, (uint32_t)st->n_meta);
    MLPB_TRY(mlpb__sink_bytes(s, n, 4));
    for (size_t i = 0; i < st->n_meta; i++) {
        MLPB_TRY(put_string(s, st->meta[i].key, st->meta[i].key_len));
        MLPB_TRY(put_string(s, st->meta[i].value, st->meta[i].value_len));
    }
    uint64_t size;
    mlpb__strings_size(m, &size);
    const uint64_t raw = names_bytes(st->in_names, d) + names_bytes(st->out_names, k) + 4u +
                         8u * (uint64_t)st->n_meta + (uint64_t)st->meta_bytes;
    static const unsigned char zeros[3] = {0, 0, 0};
    return mlpb__sink_bytes(s, zeros, (size_t)(size - raw));
}

/* ------------------------------------------------------------- decoding */
/* One name list of count names; with dst (a block of plan bytes) decoded
 * into it, else only checked, its string bytes (NULs included) into *bytes. */
static mlpb_status take_names(cursor *c, size_t count, char **dst, size_t cap,
                              size_t *bytes)
{
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t len;
        MLPB_TRY(take_u32(c, &len));
        if (len == 0 || len > MLPB_NAME_MAX)
            return MLPB_E_CORRUPT;
        if (dst != NULL) {
            if (len + 1u > cap - used) /* the file changed since pass 1 */
                return MLPB_E_CORRUPT;
            dst[i] = dst[0] + used;
            MLPB_TRY(take_string(c, len, dst[i]));
            dst[i][len] = '\0';
        } else {
            MLPB_TRY(take_string(c, len, NULL));
        }
        used += len + 1u; /* <= section length + count: fits */
    }
    *bytes = used;
    return MLPB_OK;
}

/* FNV-1a of a key, to find duplicate keys without storing them. */
static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Whether the keys at offsets a and b (each preceded by its u32 length) of
 * the source are equal. Keys are short (<= MLPB_META_KEY_MAX). */
static mlpb_status same_key(const mlpb_source *src, uint64_t a, uint64_t b, bool *same)
{
    unsigned char ka[4 + MLPB_META_KEY_MAX], kb[4 + MLPB_META_KEY_MAX];
    MLPB_TRY(mlpb__source_read(src, a, ka, 4));
    MLPB_TRY(mlpb__source_read(src, b, kb, 4));
    const uint32_t la = mlpb__get_u32(ka), lb = mlpb__get_u32(kb);
    *same = false;
    if (la != lb)
        return MLPB_OK;
    MLPB_TRY(mlpb__source_read(src, a + 4, ka + 4, la));
    MLPB_TRY(mlpb__source_read(src, b + 4, kb + 4, lb));
    *same = memcmp(ka + 4, kb + 4, la) == 0;
    return MLPB_OK;
}

/* Offset in the file of the cursor's next byte. */
static uint64_t cursor_at(const cursor *c)
{
    return c->next - (uint64_t)(c->have - c->pos);
}

mlpb_status mlpb__strings_check(const mlpb_source *src, uint64_t off, uint64_t len,
                                uint32_t flags, size_t d, size_t k, unsigned char *buf,
                                mlpb_strings_plan *plan)
{
    cursor c;
    cursor_init(&c, src, off, len, buf);
    memset(plan, 0, sizeof *plan);
    if (flags & FMT_FLAG_IN)
        MLPB_TRY(take_names(&c, d, NULL, 0, &plan->in_bytes));
    if (flags & FMT_FLAG_OUT)
        MLPB_TRY(take_names(&c, k, NULL, 0, &plan->out_bytes));
    uint32_t n_meta;
    MLPB_TRY(take_u32(&c, &n_meta));
    if (n_meta > MLPB_META_MAX_ENTRIES)
        return MLPB_E_CORRUPT;
    /* Duplicate keys: compare hashes, and the keys themselves on a match. */
    uint64_t hash[MLPB_META_MAX_ENTRIES], at[MLPB_META_MAX_ENTRIES];
    uint64_t total = 0;
    for (uint32_t i = 0; i < n_meta; i++) {
        uint32_t kl, vl;
        at[i] = cursor_at(&c);
        MLPB_TRY(take_u32(&c, &kl));
        if (kl == 0 || kl > MLPB_META_KEY_MAX)
            return MLPB_E_CORRUPT;
        MLPB_TRY(need(&c, kl));
        hash[i] = fnv1a(0xcbf29ce484222325ull, c.buf + c.pos, kl);
        MLPB_TRY(take_string(&c, kl, NULL));
        MLPB_TRY(take_u32(&c, &vl));
        if (vl > MLPB_META_VALUE_MAX)
            return MLPB_E_CORRUPT;
        MLPB_TRY(take_string(&c, vl, NULL));
        total += (uint64_t)kl + vl;
        if (total > MLPB_META_TOTAL_MAX)
            return MLPB_E_CORRUPT;
        for (uint32_t j = 0; j < i; j++) {
            if (hash[j] != hash[i])
                continue;
            bool same;
            MLPB_TRY(same_key(src, at[j], at[i], &same));
            if (same)
                return MLPB_E_CORRUPT;
        }
    }
    plan->n_meta = n_meta;
    /* Padding: fewer than 4 zero bytes up to the section's end. */
    const uint64_t pad = cursor_left(&c);
    if (pad >= 4)
        return MLPB_E_CORRUPT;
    MLPB_TRY(need(&c, (size_t)pad));
    for (size_t i = 0; i < (size_t)pad; i++)
        if (c.buf[c.pos + i] != 0)
            return MLPB_E_CORRUPT;
    return MLPB_OK;
}

mlpb_status mlpb__strings_decode(const mlpb_source *src, uint64_t off, uint64_t len,
                                 uint32_t flags, const mlpb_strings_plan *plan,
                                 unsigned char *buf, mlpb_model *m)
{
    const size_t d = m->sizes[0], k = m->sizes[m->n_sizes - 1];
    cursor c;
    cursor_init(&c, src, off, len, buf);
    size_t used;
    if (flags & FMT_FLAG_IN) {
        MLPB_TRY(mlpb__names_alloc(&m->alloc, d, plan->in_bytes, &m->strs.in_names));
        MLPB_TRY(take_names(&c, d, m->strs.in_names, plan->in_bytes, &used));
    }
    if (flags & FMT_FLAG_OUT) {
        MLPB_TRY(mlpb__names_alloc(&m->alloc, k, plan->out_bytes, &m->strs.out_names));
        MLPB_TRY(take_names(&c, k, m->strs.out_names, plan->out_bytes, &used));
    }
    uint32_t n_meta;
    MLPB_TRY(take_u32(&c, &n_meta));
    if (n_meta != plan->n_meta)
        return MLPB_E_CORRUPT;
    for (uint32_t i = 0; i < n_meta; i++) {
        uint32_t kl, vl;
        MLPB_TRY(take_u32(&c, &kl));
        if (kl == 0 || kl > MLPB_META_KEY_MAX)
            return MLPB_E_CORRUPT;
        /* The value's length follows the key: peek at it to size the entry. */
        MLPB_TRY(need(&c, kl + 4u));
        vl = mlpb__get_u32(c.buf + c.pos + kl);
        if (vl > MLPB_META_VALUE_MAX || m->strs.meta_bytes + kl + vl > MLPB_META_TOTAL_MAX)
            return MLPB_E_CORRUPT;
        char *key, *value;
        MLPB_TRY(mlpb__meta_append_raw(m, kl, vl, &key, &value));
        MLPB_TRY(take_string(&c, kl, key));
        c.pos += 4;
        MLPB_TRY(take_string(&c, vl, value));
    }
    return MLPB_OK;
}
