/* io_load.c -- reading model files (docs/model-format.md), versions 1 and 2:
 * loading that checks magic, version, sizes, length, CRC-32, the names and
 * metadata section and the values before it allocates; header-only loading
 * that never reads the parameters; and a streaming verification that
 * allocates nothing. Every field is read byte by byte, so the code does not
 * depend on the host's byte order. The format itself is io_format.c and
 * io_strings.c; writing is io_save.c. */
#include "io_format.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes [from, to) of the float region (image offsets, from >= head, both
 * multiples of 4), through buf: with crc non-NULL every byte from `from`
 * goes into *crc; each float is checked (*bad: a mean not finite, or a std
 * not finite and > 0) and, with m non-NULL, stored into m. */
static mlpb_status walk_floats(const mlpb_source *src, const mlpb_fmt_header *h, uint64_t from,
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
                const float v = mlpb__f32_from_bits(bits);
                *bad |= !isfinite(v);
                if (m != NULL)
                    m->mean[f] = v;
            } else if (f < 2 * d) {
                const float v = mlpb__f32_from_bits(bits);
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
static mlpb_status walk_image(const mlpb_source *src, const mlpb_fmt_header *h, mlpb_model *m,
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
static mlpb_status check_source(const mlpb_source *src, bool crc, mlpb_fmt_header *h,
                                unsigned char *buf, mlpb_strings_plan *plan)
{
    const size_t have = src->len < FMT_HEAD_MAX ? (size_t)src->len : FMT_HEAD_MAX;
    MLPB_TRY(mlpb__source_read(src, 0, buf, have));
    MLPB_TRY(mlpb__fmt_parse_header(buf, src->len, h));
    bool bad = false;
    if (crc)
        MLPB_TRY(walk_image(src, h, NULL, buf, &bad));
    memset(plan, 0, sizeof *plan);
    if (h->sect_len > 0)
        MLPB_TRY(mlpb__strings_check(src, h->sect, h->sect_len, h->flags, h->sizes[0],
                                     h->sizes[h->n_sizes - 1], buf, plan));
    if (!crc && h->std) /* the standardisation values, checked as walk_image does */
        MLPB_TRY(walk_floats(src, h, h->head, h->head + 8u * (uint64_t)h->sizes[0], NULL, buf, NULL,
                             &bad));
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
    mlpb_fmt_header h;
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

mlpb_status mlpb_model_load_header_mem(const void *buf, size_t len, const mlpb_allocator *alloc,
                                       mlpb_model **out)
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

mlpb_status mlpb_model_load_header(const char *path, const mlpb_allocator *alloc, mlpb_model **out)
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
    mlpb_fmt_header h;
    mlpb_strings_plan plan;
    const mlpb_status s = check_source(&src, true, &h, buf, &plan);
    close_source(&src);
    return s;
}
