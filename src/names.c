/* names.c -- a model's optional input and output names and its ordered
 * key/value metadata: validation (UTF-8, bounds), storage through the model's
 * allocator, copy for clone. The library stores them and never interprets
 * them; the model file carries them (io_strings.c). */
#include "mlpb_internal.h"

#include <string.h>

/* ---------------------------------------------------------------- UTF-8 */
bool mlpb__utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        if (c == 0)
            return false; /* strings are NUL-terminated in the API */
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            else if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return false; /* continuation byte, C0, C1, F5..FF */
        }
        if (n - i < len)
            return false;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (size_t j = 2; j < len; j++)
            if (p[i + j] < 0x80 || p[i + j] > 0xBF)
                return false;
        i += len;
    }
    return true;
}

/* strnlen of s up to max + 1 bytes: a result > max means too long. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0')
        n++;
    return n;
}

/* ---------------------------------------------------------------- names */
mlpb_status mlpb__names_alloc(const mlpb_allocator *a, size_t n, size_t total, char ***out)
{
    size_t ptrs, bytes;
    MLPB_TRY(mlpb__mul_size(n, sizeof(char *), &ptrs));
    MLPB_TRY(mlpb__add_size(ptrs, total, &bytes));
    char **names = mlpb__alloc(a, bytes);
    if (names == NULL)
        return MLPB_E_NOMEM;
    names[0] = (char *)(names + n);
    *out = names;
    return MLPB_OK;
}

static mlpb_status set_names(mlpb_model *m, char ***slot, size_t count,
                             const char *const *names)
{
    if (names == NULL) {
        mlpb__free(&m->alloc, *slot);
        *slot = NULL;
        return MLPB_OK;
    }
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (names[i] == NULL)
            return MLPB_E_INVALID_ARG;
        const size_t len = bounded_len(names[i], MLPB_NAME_MAX);
        if (len == 0 || len > MLPB_NAME_MAX ||
            !mlpb__utf8_valid((const unsigned char *)names[i], len))
            return MLPB_E_INVALID_ARG;
        MLPB_TRY(mlpb__add_size(total, len + 1, &total));
    }
    char **block;
    MLPB_TRY(mlpb__names_alloc(&m->alloc, count, total, &block));
    char *p = block[0];
    for (size_t i = 0; i < count; i++) {
        const size_t len = strlen(names[i]);
        block[i] = p;
        memcpy(p, names[i], len + 1);
        p += len + 1;
    }
    mlpb__free(&m->alloc, *slot);
    *slot = block;
    return MLPB_OK;
}

mlpb_status mlpb_model_set_input_names(mlpb_model *m, const char *const *names)
{
    if (m == NULL)
        return MLPB_E_INVALID_ARG;
    return set_names(m, &m->strs.in_names, m->sizes[0], names);
}

mlpb_status mlpb_model_set_output_names(mlpb_model *m, const char *const *names)
{
    if (m == NULL)
        return MLPB_E_INVALID_ARG;
    return set_names(m, &m->strs.out_names, m->sizes[m->n_sizes - 1], names);
}

const char *mlpb_model_input_name(const mlpb_model *m, size_t i)
{
    if (m == NULL || m->strs.in_names == NULL || i >= m->sizes[0])
        return NULL;
    return m->strs.in_names[i];
}

const char *mlpb_model_output_name(const mlpb_model *m, size_t j)
{
    if (m == NULL || m->strs.out_names == NULL || j >= m->sizes[m->n_sizes - 1])
        return NULL;
    return m->strs.out_names[j];
}

/* ------------------------------------------------------------- metadata */
static mlpb_meta_entry *find(const mlpb_model *m, const char *key, size_t key_len)
{
    for (size_t i = 0; i < m->strs.n_meta; i++) {
        mlpb_meta_entry *e = &m->strs.meta[i];
        if (e->key_len == key_len && memcmp(e->key, key, key_len) == 0)
            return e;
    }
    return NULL;
}

/* A block "key\0value\0" filled into *e. */
static mlpb_status entry_make(const mlpb_allocator *a, const char *key, size_t key_len,
                              const char *value, size_t value_len, mlpb_meta_entry *e)
{
    char *b = mlpb__alloc(a, key_len + value_len + 2); /* both bounded far below SIZE_MAX */
    if (b == NULL)
        return MLPB_E_NOMEM;
    memcpy(b, key, key_len);
    b[key_len] = '\0';
    memcpy(b + key_len + 1, value, value_len);
    b[key_len + 1 + value_len] = '\0';
    e->key = b;
    e->value = b + key_len + 1;
    e->key_len = key_len;
    e->value_len = value_len;
    return MLPB_OK;
}

/* Room for one more entry. Capacity doubles, so n appends cost O(n). */
static mlpb_status reserve_entry(mlpb_model *m)
{
    mlpb_strings *s = &m->strs;
    if (s->n_meta < s->cap_meta)
        return MLPB_OK;
    const size_t cap = s->cap_meta == 0 ? 8 : 2 * s->cap_meta; /* <= 2 * MLPB_META_MAX_ENTRIES */
    mlpb_meta_entry *e = mlpb__alloc(&m->alloc, cap * sizeof *e);
    if (e == NULL)
        return MLPB_E_NOMEM;
    if (s->n_meta > 0)
        memcpy(e, s->meta, s->n_meta * sizeof *e);
    mlpb__free(&m->alloc, s->meta);
    s->meta = e;
    s->cap_meta = cap;
    return MLPB_OK;
}

mlpb_status mlpb__meta_append_raw(mlpb_model *m, size_t key_len, size_t value_len,
                                  char **key, char **value)
{
    MLPB_TRY(reserve_entry(m));
    mlpb_strings *s = &m->strs;
    char *b = mlpb__alloc(&m->alloc, key_len + value_len + 2);
    if (b == NULL)
        return MLPB_E_NOMEM;
    mlpb_meta_entry *e = &s->meta[s->n_meta++];
    e->key = b;
    e->value = b + key_len + 1;
    e->key_len = key_len;
    e->value_len = value_len;
    e->key[key_len] = '\0';
    e->value[value_len] = '\0';
    s->meta_bytes += key_len + value_len;
    *key = e->key;
    *value = e->value;
    return MLPB_OK;
}

mlpb_status mlpb__meta_append(mlpb_model *m, const char *key, size_t key_len,
                              const char *value, size_t value_len)
{
    MLPB_TRY(reserve_entry(m));
    mlpb_strings *s = &m->strs;
    MLPB_TRY(entry_make(&m->alloc, key, key_len, value, value_len, &s->meta[s->n_meta]));
    s->n_meta++;
    s->meta_bytes += key_len + value_len;
    return MLPB_OK;
}

mlpb_status mlpb_model_set_meta(mlpb_model *m, const char *key, const char *value)
{
    if (m == NULL || key == NULL)
        return MLPB_E_INVALID_ARG;
    const size_t key_len = bounded_len(key, MLPB_META_KEY_MAX);
    if (key_len == 0 || key_len > MLPB_META_KEY_MAX ||
        !mlpb__utf8_valid((const unsigned char *)key, key_len))
        return MLPB_E_INVALID_ARG;
    mlpb_strings *s = &m->strs;
    mlpb_meta_entry *old = find(m, key, key_len);
    if (value == NULL) {
        if (old != NULL) {
            s->meta_bytes -= old->key_len + old->value_len;
            mlpb__free(&m->alloc, old->key);
            const size_t i = (size_t)(old - s->meta);
            memmove(old, old + 1, (s->n_meta - i - 1) * sizeof *old);
            s->n_meta--;
        }
        return MLPB_OK;
    }
    const size_t value_len = bounded_len(value, MLPB_META_VALUE_MAX);
    if (value_len > MLPB_META_VALUE_MAX ||
        !mlpb__utf8_valid((const unsigned char *)value, value_len))
        return MLPB_E_INVALID_ARG;
    const size_t freed = old != NULL ? old->key_len + old->value_len : 0;
    if (s->meta_bytes - freed + key_len + value_len > MLPB_META_TOTAL_MAX)
        return MLPB_E_INVALID_ARG;
    if (old != NULL) {
        mlpb_meta_entry e;
        MLPB_TRY(entry_make(&m->alloc, key, key_len, value, value_len, &e));
        mlpb__free(&m->alloc, old->key);
        *old = e;
        s->meta_bytes = s->meta_bytes - freed + key_len + value_len;
        return MLPB_OK;
    }
    if (s->n_meta >= MLPB_META_MAX_ENTRIES)
        return MLPB_E_INVALID_ARG;
    return mlpb__meta_append(m, key, key_len, value, value_len);
}

const char *mlpb_model_get_meta(const mlpb_model *m, const char *key)
{
    if (m == NULL || key == NULL)
        return NULL;
    const size_t key_len = bounded_len(key, MLPB_META_KEY_MAX);
    const mlpb_meta_entry *e = key_len > MLPB_META_KEY_MAX ? NULL : find(m, key, key_len);
    return e == NULL ? NULL : e->value;
}

size_t mlpb_model_meta_count(const mlpb_model *m)
{
    return m == NULL ? 0 : m->strs.n_meta;
}

mlpb_status mlpb_model_meta_at(const mlpb_model *m, size_t i, const char **key,
                               const char **value)
{
    if (m == NULL || i >= m->strs.n_meta)
        return MLPB_E_INVALID_ARG;
    if (key != NULL)
        *key = m->strs.meta[i].key;
    if (value != NULL)
        *value = m->strs.meta[i].value;
    return MLPB_OK;
}

/* ------------------------------------------------------- free and copy */
void mlpb__strings_free(mlpb_model *m)
{
    mlpb_strings *s = &m->strs;
    mlpb__free(&m->alloc, s->in_names);
    mlpb__free(&m->alloc, s->out_names);
    for (size_t i = 0; i < s->n_meta; i++)
        mlpb__free(&m->alloc, s->meta[i].key);
    mlpb__free(&m->alloc, s->meta);
    memset(s, 0, sizeof *s);
}

mlpb_status mlpb__strings_copy(mlpb_model *dst, const mlpb_model *src)
{
    const mlpb_strings *s = &src->strs;
    mlpb_status st = MLPB_OK;
    if (s->in_names != NULL)
        st = set_names(dst, &dst->strs.in_names, src->sizes[0],
                       (const char *const *)s->in_names);
    if (st == MLPB_OK && s->out_names != NULL)
        st = set_names(dst, &dst->strs.out_names, src->sizes[src->n_sizes - 1],
                       (const char *const *)s->out_names);
    for (size_t i = 0; st == MLPB_OK && i < s->n_meta; i++)
        st = mlpb__meta_append(dst, s->meta[i].key, s->meta[i].key_len, s->meta[i].value,
                               s->meta[i].value_len);
    if (st != MLPB_OK)
        mlpb__strings_free(dst); /* the caller destroys dst */
    return st;
}
