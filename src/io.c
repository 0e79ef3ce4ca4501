/* io.c -- reading model files (docs/model-format.md), versions 1 and 2:
 * loading that checks magic, version, sizes, length, CRC-32, the names and
 * metadata section and the values before it allocates; header-only loading
 * that never reads the parameters; and a streaming verification that
 * allocates nothing. Every field is read byte by byte, so the code does not
 * depend on the host's byte order. Writing is io_save.c. */
#include "io_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Floats travel as their IEEE-754 binary32 bit patterns. */
_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128,
               "model files need IEEE-754 binary32 floats");

static const unsigned char fmt_magic[4] = {'M', 'L', 'P', 'B'};

static float f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ------------------------------------------------------------ the header */
typedef struct header {
    uint32_t version;
    size_t   n_sizes;
    size_t   sizes[FMT_MAX_SIZES];
    uint32_t flags;
    bool     std;      /* mean[d] and std[d] follow the section */
    uint64_t n_params; /* floats in the parameter arena */
    uint64_t sect;     /* offset of the names-and-metadata section */
    uint64_t sect_len; /* its length (0 in version 1) */
    uint64_t head;     /* offset of the float region: sect + sect_len */
    uint64_t total;    /* bytes of the whole image, CRC included */
} header;

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
bool mlpb__fmt_image_bytes(uint64_t head, size_t d, bool std, uint64_t n_params,
                           uint64_t *total)
{
    const uint64_t std_bytes = std ? 8u * (uint64_t)d : 0u; /* d <= INT_MAX */
    if (head > UINT64_MAX - std_bytes - 4u ||
        n_params > (UINT64_MAX - head - std_bytes - 4u) / 4u)
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
static mlpb_status parse_header(const unsigned char *p, uint64_t len, header *h)
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

/* ------------------------------------------------------------- reading */
mlpb_status mlpb__source_read(const mlpb_source *s, uint64_t off, unsigned char *buf,
                              size_t n)
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

/* Bytes [from, to) of the float region (image offsets, from >= head, both
 * multiples of 4), through buf: with crc non-NULL every byte from `from`
 * goes into *crc; each float is checked (*bad: a mean not finite, or a std
 * not finite and > 0) and, with m non-NULL, stored into m. */
static mlpb_status walk_floats(const mlpb_source *src, const header *h, uint64_t from,
                               uint64_t to, mlpb_model *m, unsigned char *buf, uLong *crc,
                               bool *bad)
{
    const uint64_t d = h->std ? (uint64_t)h->sizes[0] : 0;
    for (uint64_t off = from; off < to;) {
        const size_t n = to - off < CHUNK ? (size_t)(to - off) : CHUNK;
        MLPB_TRY(mlpb__source_read(src, off, buf, n));
        if (crc != NULL)
            *crc = crc32(*crc, buf, (uInt)n);
        for (size_t b = 0; b < n; b += 4) {
            const uint64_t f = (off + b - h->head) / 4; /* float index in the body */
            const uint32_t bits = mlpb__get_u32(buf + b);
            if (f < d) {
                const float v = f32_from_bits(bits);
                *bad |= !isfinite(v);
                if (m != NULL)
                    m->mean[f] = v;
            } else if (f < 2 * d) {
                const float v = f32_from_bits(bits);
                *bad |= !(isfinite(v) && v > 0.0f);
                if (m != NULL)
                    m->std[f - d] = v;
            } else if (m != NULL) {
                memcpy(&m->params[f - 2 * d], &bits, sizeof bits);
            }
        }
        off += n;
    }
    return MLPB_OK;
}

/* One pass over the whole image after the header has been parsed: CRC-32 of
 * every byte before the stored CRC, and each float of the body (walk_floats).
 * Returns MLPB_E_CHECKSUM on a CRC mismatch, before any value check is
 * reported. */
static mlpb_status walk_image(const mlpb_source *src, const header *h, mlpb_model *m,
                              unsigned char *buf, bool *bad_values)
{
    const uint64_t end = h->total - 4;
    uLong crc = crc32(0L, Z_NULL, 0);
    /* The header and section: bytes only. */
    for (uint64_t off = 0; off < h->head;) {
        const size_t n = h->head - off < CHUNK ? (size_t)(h->head - off) : CHUNK;
        MLPB_TRY(mlpb__source_read(src, off, buf, n));
        crc = crc32(crc, buf, (uInt)n);
        off += n;
    }
    bool bad = false;
    MLPB_TRY(walk_floats(src, h, h->head, end, m, buf, &crc, &bad));
    unsigned char tail[4];
    MLPB_TRY(mlpb__source_read(src, end, tail, sizeof tail));
    if ((uint32_t)crc != mlpb__get_u32(tail))
        return MLPB_E_CHECKSUM;
    *bad_values = bad;
    return MLPB_OK;
}

/* Checks 1 to 13 of docs/model-format.md (the CRC, 12, only when crc):
 * header, CRC, section, values. Allocates nothing. */
static mlpb_status check_source(const mlpb_source *src, bool crc, header *h,
                                unsigned char *buf, mlpb_strings_plan *plan)
{
    const size_t have = src->len < FMT_HEAD_MAX ? (size_t)src->len : FMT_HEAD_MAX;
    MLPB_TRY(mlpb__source_read(src, 0, buf, have));
    MLPB_TRY(parse_header(buf, src->len, h));
    bool bad = false;
    if (crc)
        MLPB_TRY(walk_image(src, h, NULL, buf, &bad));
    memset(plan, 0, sizeof *plan);
    if (h->sect_len > 0)
        MLPB_TRY(mlpb__strings_check(src, h->sect, h->sect_len, h->flags, h->sizes[0],
                                     h->sizes[h->n_sizes - 1], buf, plan));
    if (!crc && h->std) /* the standardisation values, checked as walk_image does */
        MLPB_TRY(walk_floats(src, h, h->head, h->head + 8u * (uint64_t)h->sizes[0], NULL,
                             buf, NULL, &bad));
    return bad ? MLPB_E_CORRUPT : MLPB_OK;
}

/* Validate the whole image without allocating (header, length, CRC, section,
 * values), then create the model and decode into it. With header_only, skip
 * the CRC and the parameters: the model gets no arenas. The second pass of a
 * full load checks the CRC again, so a file rewritten in place between the
 * passes is not accepted. */
static mlpb_status load_source(const mlpb_source *src, const mlpb_allocator *alloc,
                               bool header_only, mlpb_model **out)
{
    unsigned char buf[CHUNK];
    header h;
    mlpb_strings_plan plan;
    MLPB_TRY(check_source(src, !header_only, &h, buf, &plan));

    /* Everything is proven consistent with the real length: allocate, without
     * initialising what the file is about to overwrite. */
    const mlpb_allocator a = mlpb__allocator(alloc);
    mlpb_model *m = NULL;
    mlpb_status s = header_only ? mlpb__model_alloc_header(h.sizes, h.n_sizes, &a, &m)
                                : mlpb__model_alloc(h.sizes, h.n_sizes, &a, &m);
    if (s != MLPB_OK)
        /* arch_ok mirrors create's checks, so only memory can fail here (or,
         * on a 32-bit host, arenas that do not fit size_t: no memory either). */
        return s == MLPB_E_NOMEM || s == MLPB_E_OVERFLOW ? MLPB_E_NOMEM : MLPB_E_CORRUPT;
    if (h.sect_len > 0 &&
        (s = mlpb__strings_decode(src, h.sect, h.sect_len, h.flags, &plan, buf, m)) != MLPB_OK)
        goto fail;
    bool bad = false;
    if (header_only) {
        if (h.std)
            s = walk_floats(src, &h, h.head, h.head + 8u * (uint64_t)h.sizes[0], m, buf, NULL,
                            &bad);
    } else {
        s = walk_image(src, &h, m, buf, &bad);
    }
    if (s != MLPB_OK)
        goto fail;
    if (h.std) {
        /* Decoded in place; the setter validates again and switches it on. */
        s = mlpb_model_set_standardization(m, m->mean, m->std);
        if (s != MLPB_OK) {
            s = MLPB_E_CORRUPT;
            goto fail;
        }
    }
    *out = m;
    return MLPB_OK;
fail:
    mlpb_model_destroy(m);
    return s;
}

static mlpb_status load_mem(const void *buf, size_t len, const mlpb_allocator *alloc,
                            bool header_only, mlpb_model **out)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || (buf == NULL && len > 0))
        return MLPB_E_INVALID_ARG;
    /* An empty image is truncated; memcmp wants a valid pointer even for 0. */
    static const unsigned char empty[1] = {0};
    const mlpb_source src = {buf == NULL ? empty : buf, -1, (uint64_t)len};
    return load_source(&src, alloc, header_only, out);
}

mlpb_status mlpb_model_load_mem(const void *buf, size_t len, const mlpb_allocator *alloc,
                                mlpb_model **out)
{
    return load_mem(buf, len, alloc, false, out);
}

mlpb_status mlpb_model_load_header_mem(const void *buf, size_t len,
                                       const mlpb_allocator *alloc, mlpb_model **out)
{
    return load_mem(buf, len, alloc, true, out);
}

/* Open path as a regular file of known length into *src. */
static mlpb_status open_source(const char *path, mlpb_source *src)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer before fstat
     * rejects it; it changes nothing for regular files. */
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return MLPB_E_IO;
    struct stat st;
    mlpb_status s = MLPB_OK;
    if (fstat(fd, &st) != 0) {
        s = MLPB_E_IO;
    } else if (!S_ISREG(st.st_mode)) {
        /* The length must be known before reading: only regular files. */
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        s = MLPB_E_IO;
    }
    if (s != MLPB_OK) {
        const int err = errno;
        close(fd);
        errno = err;
        return s;
    }
    src->mem = NULL;
    src->fd = fd;
    src->len = (uint64_t)st.st_size;
    return MLPB_OK;
}

static void close_source(const mlpb_source *src)
{
    const int err = errno;
    close(src->fd); /* read-only: nothing to lose if close fails */
    errno = err;
}

static mlpb_status load_path(const char *path, const mlpb_allocator *alloc, bool header_only,
                             mlpb_model **out)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return MLPB_E_INVALID_ARG;
    mlpb_source src;
    MLPB_TRY(open_source(path, &src));
    const mlpb_status s = load_source(&src, alloc, header_only, out);
    close_source(&src);
    return s;
}

mlpb_status mlpb_model_load(const char *path, const mlpb_allocator *alloc, mlpb_model **out)
{
    return load_path(path, alloc, false, out);
}

mlpb_status mlpb_model_load_header(const char *path, const mlpb_allocator *alloc,
                                   mlpb_model **out)
{
    return load_path(path, alloc, true, out);
}

mlpb_status mlpb_model_verify_file(const char *path)
{
    if (path == NULL)
        return MLPB_E_INVALID_ARG;
    mlpb_source src;
    MLPB_TRY(open_source(path, &src));
    unsigned char buf[CHUNK];
    header h;
    mlpb_strings_plan plan;
    const mlpb_status s = check_source(&src, true, &h, buf, &plan);
    close_source(&src);
    return s;
}
