/* io_format.c -- the model file's byte layout (docs/model-format.md), under
 * the reader (io_load.c) and the writer (io_save.c): the header's encoding
 * and its checks, which architectures and image sizes a file may hold, and
 * the byte sources and CRC-32 sinks that both stream through. The names and
 * metadata section's encoding is io_strings.c, beside this file. Calls
 * nothing of the files above it. */
#include "io_format.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

static const unsigned char fmt_magic[4] = {'M', 'L', 'P', 'B'};

/* Which architectures a file may hold: those mlpb_model_create accepts (every
 * size >= 1 and <= INT_MAX, every layer's in*out <= INT_MAX, 3..64 sizes).
 * On success *n_params is the arena length. The bounds make every sum below
 * far smaller than 2^64; it is checked anyway, so that a change of the limits
 * cannot turn into a wrap-around. */
bool mlpb__fmt_arch_ok(const size_t *sizes, size_t n_sizes, uint64_t *n_params)
{
    if (n_sizes < FMT_MIN_SIZES || n_sizes > FMT_MAX_SIZES)
        return false;
    for (size_t i = 0; i < n_sizes; i++)
        if (sizes[i] == 0 || sizes[i] > (size_t)INT_MAX)
            return false;
    uint64_t total = 0;
    for (size_t l = 0; l + 1 < n_sizes; l++) {
        const uint64_t w = (uint64_t)sizes[l] * (uint64_t)sizes[l + 1]; /* < 2^62 */
        if (w > (uint64_t)INT_MAX)
            return false;
        const uint64_t layer = w + (uint64_t)sizes[l + 1];
        if (layer > UINT64_MAX - total)
            return false;
        total += layer;
    }
    *n_params = total;
    return true;
}

/* Bytes of the image of an architecture, or false on overflow. */
bool mlpb__fmt_image_bytes(uint64_t head, size_t d, bool std, uint64_t n_params, uint64_t *total)
{
    const uint64_t std_bytes = std ? 8u * (uint64_t)d : 0u; /* d <= INT_MAX */
    if (head > UINT64_MAX - std_bytes - 4u || n_params > (UINT64_MAX - head - std_bytes - 4u) / 4u)
        return false;
    *total = head + std_bytes + 4u * n_params + 4u;
    return true;
}

/* The largest section a model of widths d and k can have under the bounds:
 * every name at its longest, every entry, all metadata bytes, padding. */
static uint64_t max_section(size_t d, size_t k)
{
    return ((uint64_t)d + (uint64_t)k) * (4u + MLPB_NAME_MAX) + 4u +
           8u * (uint64_t)MLPB_META_MAX_ENTRIES + (uint64_t)MLPB_META_TOTAL_MAX + 3u;
}

/* Check the header in p, which holds the first min(len, FMT_HEAD_MAX) bytes
 * of an image whose real length is len. The order of the checks is the one
 * documented in docs/model-format.md; each needs only the bytes before it. */
mlpb_status mlpb__fmt_parse_header(const unsigned char *p, uint64_t len, mlpb_fmt_header *h)
{
    if (memcmp(p, fmt_magic, len < 4 ? (size_t)len : 4) != 0)
        return MLPB_E_FORMAT;
    if (len < 8)
        return MLPB_E_TRUNCATED;
    h->version = mlpb__get_u32(p + 4);
    if (h->version != FMT_VERSION_1 && h->version != FMT_VERSION)
        return MLPB_E_VERSION;
    if (len < 12)
        return MLPB_E_TRUNCATED;
    const uint32_t n_sizes = mlpb__get_u32(p + 8);
    if (n_sizes < FMT_MIN_SIZES || n_sizes > FMT_MAX_SIZES)
        return MLPB_E_CORRUPT;
    h->n_sizes = n_sizes;
    h->sect = h->version == FMT_VERSION_1 ? FMT_HEAD_V1(n_sizes) : FMT_HEAD_V2(n_sizes);
    if (len < h->sect)
        return MLPB_E_TRUNCATED;
    for (size_t i = 0; i < n_sizes; i++) {
        const uint64_t v = mlpb__get_u64(p + 12 + 8 * i);
        if (v == 0 || v > (uint64_t)INT_MAX)
            return MLPB_E_CORRUPT;
        h->sizes[i] = (size_t)v;
    }
    h->flags = mlpb__get_u32(p + 12 + 8 * (size_t)n_sizes);
    const uint32_t reserved = mlpb__get_u32(p + 16 + 8 * (size_t)n_sizes);
    const uint32_t known =
        h->version == FMT_VERSION_1 ? FMT_FLAG_STD : FMT_FLAG_STD | FMT_FLAG_IN | FMT_FLAG_OUT;
    if ((h->flags & ~known) != 0 || reserved != 0)
        return MLPB_E_CORRUPT;
    h->std = (h->flags & FMT_FLAG_STD) != 0;
    h->sect_len = 0;
    if (h->version != FMT_VERSION_1) {
        h->sect_len = mlpb__get_u64(p + 20 + 8 * (size_t)n_sizes);
        /* The section has at least its entry count, is padded to 4 bytes and
         * cannot exceed what the bounds allow. */
        if (h->sect_len < 4 || h->sect_len % 4 != 0 ||
            h->sect_len > max_section(h->sizes[0], h->sizes[n_sizes - 1]))
            return MLPB_E_CORRUPT;
    }
    h->head = h->sect + h->sect_len; /* < 2^46 */
    if (!mlpb__fmt_arch_ok(h->sizes, h->n_sizes, &h->n_params) ||
        !mlpb__fmt_image_bytes(h->head, h->sizes[0], h->std, h->n_params, &h->total))
        return MLPB_E_CORRUPT;
    if (len < h->total)
        return MLPB_E_TRUNCATED;
    if (len > h->total)
        return MLPB_E_TRAILING;
    return MLPB_OK;
}

size_t mlpb__fmt_put_header(unsigned char *p, const size_t *sizes, size_t n_sizes, uint32_t flags,
                            uint64_t sect_len)
{
    const size_t n = n_sizes;
    memcpy(p, fmt_magic, 4);
    mlpb__put_u32(p + 4, FMT_VERSION);
    mlpb__put_u32(p + 8, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        mlpb__put_u64(p + 12 + 8 * i, (uint64_t)sizes[i]);
    mlpb__put_u32(p + 12 + 8 * n, flags);
    mlpb__put_u32(p + 16 + 8 * n, 0u);
    mlpb__put_u64(p + 20 + 8 * n, sect_len);
    return FMT_HEAD_V2(n);
}

/* ------------------------------------------------------ sources and sinks */
mlpb_status mlpb__source_read(const mlpb_source *s, uint64_t off, unsigned char *buf, size_t n)
{
    if (s->mem != NULL) {
        memcpy(buf, s->mem + off, n);
        return MLPB_OK;
    }
    while (n > 0) {
        const ssize_t r = pread(s->fd, buf, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return MLPB_E_IO;
        if (r == 0)
            return MLPB_E_TRUNCATED;
        buf += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return MLPB_OK;
}

static mlpb_status write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        const ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return MLPB_E_IO;
        if (w == 0) { /* no progress and no error: do not spin */
            errno = EIO;
            return MLPB_E_IO;
        }
        p += w;
        n -= (size_t)w;
    }
    return MLPB_OK;
}

/* Pass on the buffered bytes, adding them to the CRC when with_crc. */
static mlpb_status sink_flush(mlpb_sink *s, bool with_crc)
{
    if (with_crc)
        s->crc = crc32(s->crc, s->buf, (uInt)s->used);
    if (s->mem != NULL)
        memcpy(s->mem + s->pos, s->buf, s->used);
    else
        MLPB_TRY(write_all(s->fd, s->buf, s->used));
    s->pos += s->used;
    s->used = 0;
    return MLPB_OK;
}

void mlpb__sink_init(mlpb_sink *s, unsigned char *mem, int fd)
{
    s->mem = mem;
    s->fd = fd;
    s->pos = 0;
    s->used = 0;
    s->crc = crc32(0L, Z_NULL, 0);
}

mlpb_status mlpb__sink_bytes(mlpb_sink *s, const void *p, size_t n)
{
    const unsigned char *b = p;
    while (n > 0) {
        if (s->used == CHUNK)
            MLPB_TRY(sink_flush(s, true));
        const size_t room = CHUNK - s->used, take = n < room ? n : room;
        memcpy(s->buf + s->used, b, take);
        s->used += take;
        b += take;
        n -= take;
    }
    return MLPB_OK;
}

mlpb_status mlpb__sink_floats(mlpb_sink *s, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s->used + 4 > CHUNK)
            MLPB_TRY(sink_flush(s, true));
        mlpb__put_u32(s->buf + s->used, mlpb__bits_from_f32(v[i]));
        s->used += 4;
    }
    return MLPB_OK;
}

mlpb_status mlpb__sink_finish(mlpb_sink *s)
{
    MLPB_TRY(sink_flush(s, true));
    mlpb__put_u32(s->buf, (uint32_t)s->crc);
    s->used = 4;
    return sink_flush(s, false);
}
