/* io.c -- the model file format (docs/model-format.md): encoding into memory
 * or a file, atomic save (temporary file, fsync, rename) and loading that
 * checks magic, version, sizes, length, CRC-32 and values before it allocates.
 * Every field is written byte by byte, so the code does not depend on the
 * host's byte order. */
#include "mlpb_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Floats travel as their IEEE-754 binary32 bit patterns. */
_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128,
               "model files need IEEE-754 binary32 floats");

#define FMT_VERSION   1u
#define FMT_MIN_SIZES 3u   /* d, one hidden layer, k */
#define FMT_MAX_SIZES 64u  /* as mlpb_model_create */
#define FMT_FLAG_STD  1u   /* bit 0: standardisation present */
#define FMT_HEAD(n)   (20u + 8u * (n)) /* bytes before mean/std or params */
#define FMT_HEAD_MAX  FMT_HEAD(FMT_MAX_SIZES)
/* Streaming buffer: a multiple of 4 (floats never straddle two chunks, as the
 * float region starts at a multiple of 4) and larger than any header. */
#define CHUNK 4096
_Static_assert(CHUNK % 4 == 0 && CHUNK >= FMT_HEAD_MAX, "CHUNK too small");

static const unsigned char fmt_magic[4] = {'M', 'L', 'P', 'B'};

/* ------------------------------------------------------------ byte order */
static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static float f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t bits_from_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* ------------------------------------------------------------ the header */
typedef struct header {
    size_t   n_sizes;
    size_t   sizes[FMT_MAX_SIZES];
    bool     std;      /* mean[d] and std[d] follow the header */
    uint64_t n_params; /* floats in the parameter arena */
    uint64_t head;     /* bytes of the header: FMT_HEAD(n_sizes) */
    uint64_t total;    /* bytes of the whole image, CRC included */
} header;

/* Which architectures a file may hold: those mlpb_model_create accepts (every
 * size >= 1 and <= INT_MAX, every layer's in*out <= INT_MAX, 3..64 sizes).
 * On success *n_params is the arena length. The bounds make every sum below
 * far smaller than 2^64; it is checked anyway, so that a change of the limits
 * cannot turn into a wrap-around. */
static bool arch_ok(const size_t *sizes, size_t n_sizes, uint64_t *n_params)
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
static bool image_bytes(uint64_t head, size_t d, bool std, uint64_t n_params, uint64_t *total)
{
    const uint64_t std_bytes = std ? 8u * (uint64_t)d : 0u; /* d <= INT_MAX */
    if (n_params > (UINT64_MAX - head - std_bytes - 4u) / 4u)
        return false;
    *total = head + std_bytes + 4u * n_params + 4u;
    return true;
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
    if (get_u32(p + 4) != FMT_VERSION)
        return MLPB_E_VERSION;
    if (len < 12)
        return MLPB_E_TRUNCATED;
    const uint32_t n_sizes = get_u32(p + 8);
    if (n_sizes < FMT_MIN_SIZES || n_sizes > FMT_MAX_SIZES)
        return MLPB_E_CORRUPT;
    h->n_sizes = n_sizes;
    h->head = FMT_HEAD(n_sizes);
    if (len < h->head)
        return MLPB_E_TRUNCATED;
    for (size_t i = 0; i < n_sizes; i++) {
        const uint64_t v = get_u64(p + 12 + 8 * i);
        if (v == 0 || v > (uint64_t)INT_MAX)
            return MLPB_E_CORRUPT;
        h->sizes[i] = (size_t)v;
    }
    const uint32_t flags = get_u32(p + 12 + 8 * (size_t)n_sizes);
    const uint32_t reserved = get_u32(p + 16 + 8 * (size_t)n_sizes);
    if ((flags & ~FMT_FLAG_STD) != 0 || reserved != 0)
        return MLPB_E_CORRUPT;
    h->std = (flags & FMT_FLAG_STD) != 0;
    if (!arch_ok(h->sizes, h->n_sizes, &h->n_params) ||
        !image_bytes(h->head, h->sizes[0], h->std, h->n_params, &h->total))
        return MLPB_E_CORRUPT;
    if (len < h->total)
        return MLPB_E_TRUNCATED;
    if (len > h->total)
        return MLPB_E_TRAILING;
    return MLPB_OK;
}

/* ------------------------------------------------------------- reading */
/* An image in memory, or an open regular file of known length. */
typedef struct source {
    const unsigned char *mem; /* NULL for a file */
    int                  fd;
    uint64_t             len; /* real length in bytes */
} source;

/* Read n bytes at off; off + n <= len, which the header checks guarantee. A
 * file that shrank since fstat reads short: MLPB_E_TRUNCATED. */
static mlpb_status source_read(const source *s, uint64_t off, unsigned char *buf, size_t n)
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

/* One pass over the image after the header has been parsed: CRC-32 of every
 * byte before the stored CRC, and each float of the body. With m NULL the
 * floats are only checked (*bad_values: a mean not finite, or a std not
 * finite and > 0); otherwise they are stored into m. Returns MLPB_E_CHECKSUM
 * on a CRC mismatch, before any value check is reported. */
static mlpb_status walk_body(const source *src, const header *h, mlpb_model *m,
                             unsigned char *buf, bool *bad_values)
{
    const uint64_t end = h->total - 4;
    const uint64_t d = h->std ? (uint64_t)h->sizes[0] : 0;
    uLong crc = crc32(0L, Z_NULL, 0);
    bool bad = false;
    for (uint64_t off = 0; off < end;) {
        const size_t n = end - off < CHUNK ? (size_t)(end - off) : CHUNK;
        MLPB_TRY(source_read(src, off, buf, n));
        crc = crc32(crc, buf, (uInt)n);
        /* Floats of this chunk: image offsets >= head, 4-aligned in buf. */
        const size_t first = off >= h->head ? 0 : (size_t)(h->head - off);
        for (size_t b = first; b < n; b += 4) {
            const uint64_t f = (off + b - h->head) / 4; /* float index in the body */
            const uint32_t bits = get_u32(buf + b);
            if (f < d) {
                const float v = f32_from_bits(bits);
                bad |= !isfinite(v);
                if (m != NULL)
                    m->mean[f] = v;
            } else if (f < 2 * d) {
                const float v = f32_from_bits(bits);
                bad |= !(isfinite(v) && v > 0.0f);
                if (m != NULL)
                    m->std[f - d] = v;
            } else if (m != NULL) {
                memcpy(&m->params[f - 2 * d], &bits, sizeof bits);
            }
        }
        off += n;
    }
    unsigned char tail[4];
    MLPB_TRY(source_read(src, end, tail, sizeof tail));
    if ((uint32_t)crc != get_u32(tail))
        return MLPB_E_CHECKSUM;
    *bad_values = bad;
    return MLPB_OK;
}

/* Validate the whole image without allocating (header, length, CRC, values),
 * then create the model and decode into it. The second pass checks the CRC
 * again, so a file rewritten in place between the passes is not accepted. */
static mlpb_status load_source(const source *src, const mlpb_allocator *alloc,
                               mlpb_model **out)
{
    unsigned char buf[CHUNK];
    header h;
    const size_t have = src->len < FMT_HEAD_MAX ? (size_t)src->len : FMT_HEAD_MAX;
    MLPB_TRY(source_read(src, 0, buf, have));
    MLPB_TRY(parse_header(buf, src->len, &h));
    bool bad = false;
    MLPB_TRY(walk_body(src, &h, NULL, buf, &bad));
    if (bad)
        return MLPB_E_CORRUPT;

    /* Everything is proven consistent with the real length: allocate, without
     * initialising what the file is about to overwrite. */
    const mlpb_allocator a = mlpb__allocator(alloc);
    mlpb_model *m = NULL;
    mlpb_status s = mlpb__model_alloc(h.sizes, h.n_sizes, &a, &m);
    if (s != MLPB_OK)
        /* arch_ok mirrors create's checks, so only memory can fail here (or,
         * on a 32-bit host, arenas that do not fit size_t: no memory either). */
        return s == MLPB_E_NOMEM || s == MLPB_E_OVERFLOW ? MLPB_E_NOMEM : MLPB_E_CORRUPT;
    s = walk_body(src, &h, m, buf, &bad);
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

mlpb_status mlpb_model_load_mem(const void *buf, size_t len, const mlpb_allocator *alloc,
                                mlpb_model **out)
{
    if (out != NULL)
        *out = NULL;
    if (out == NULL || (buf == NULL && len > 0))
        return MLPB_E_INVALID_ARG;
    /* An empty image is truncated; memcmp wants a valid pointer even for 0. */
    static const unsigned char empty[1] = {0};
    const source src = {buf == NULL ? empty : buf, -1, (uint64_t)len};
    return load_source(&src, alloc, out);
}

mlpb_status mlpb_model_load(const char *path, const mlpb_allocator *alloc, mlpb_model **out)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return MLPB_E_INVALID_ARG;
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
    } else {
        const source src = {NULL, fd, (uint64_t)st.st_size};
        s = load_source(&src, alloc, out);
    }
    const int err = errno;
    close(fd); /* read-only: nothing to lose if close fails */
    errno = err;
    return s;
}

/* ------------------------------------------------------------- writing */
/* Bytes go through buf to memory or to a file; the CRC follows them. */
typedef struct sink {
    unsigned char *mem; /* NULL for a file */
    int            fd;
    uint64_t       pos; /* bytes already passed on */
    size_t         used;
    uLong          crc;
    unsigned char  buf[CHUNK];
} sink;

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
static mlpb_status sink_flush(sink *s, bool with_crc)
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

static void sink_init(sink *s, unsigned char *mem, int fd)
{
    s->mem = mem;
    s->fd = fd;
    s->pos = 0;
    s->used = 0;
    s->crc = crc32(0L, Z_NULL, 0);
}

static mlpb_status sink_floats(sink *s, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s->used == CHUNK)
            MLPB_TRY(sink_flush(s, true));
        put_u32(s->buf + s->used, bits_from_f32(v[i]));
        s->used += 4;
    }
    return MLPB_OK;
}

/* The image of m, in file order. */
static mlpb_status encode(const mlpb_model *m, sink *s)
{
    const size_t n = m->n_sizes;
    unsigned char *p = s->buf; /* the header fits the empty buffer */
    memcpy(p, fmt_magic, 4);
    put_u32(p + 4, FMT_VERSION);
    put_u32(p + 8, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        put_u64(p + 12 + 8 * i, (uint64_t)m->sizes[i]);
    put_u32(p + 12 + 8 * n, m->standardize ? FMT_FLAG_STD : 0u);
    put_u32(p + 16 + 8 * n, 0u);
    s->used = FMT_HEAD(n);
    if (m->standardize) {
        MLPB_TRY(sink_floats(s, m->mean, m->sizes[0]));
        MLPB_TRY(sink_floats(s, m->std, m->sizes[0]));
    }
    MLPB_TRY(sink_floats(s, m->params, m->n_params));
    MLPB_TRY(sink_flush(s, true));
    put_u32(s->buf, (uint32_t)s->crc);
    s->used = 4;
    return sink_flush(s, false);
}

/* Image size of m, or 0 if the format cannot hold it. */
static size_t image_size(const mlpb_model *m)
{
    uint64_t n_params, total;
    if (!mlpb__has_params(m) || !arch_ok(m->sizes, m->n_sizes, &n_params) ||
        !image_bytes(FMT_HEAD(m->n_sizes), m->sizes[0], m->standardize, n_params, &total) ||
        total > SIZE_MAX)
        return 0;
    return (size_t)total;
}

size_t mlpb_model_file_size(const mlpb_model *m)
{
    return m == NULL ? 0 : image_size(m);
}

mlpb_status mlpb_model_save_mem(const mlpb_model *m, void *buf, size_t len)
{
    if (m == NULL || buf == NULL)
        return MLPB_E_INVALID_ARG;
    const size_t size = image_size(m);
    if (size == 0 || len < size)
        return MLPB_E_INVALID_ARG;
    sink s;
    sink_init(&s, buf, -1);
    return encode(m, &s); /* cannot fail in memory */
}

/* Make the rename durable: fsync the directory holding path. Best effort, as
 * some file systems refuse fsync on directories; the file itself is synced. */
static void sync_dir(const char *path, char *scratch, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        memcpy(scratch, ".", 2);
    } else {
        const size_t n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= cap)
            return;
        memcpy(scratch, path, n);
        scratch[n] = '\0';
    }
    const int fd = open(scratch, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        (void)close(fd);
    }
}

mlpb_status mlpb_model_save(const mlpb_model *m, const char *path)
{
    if (m == NULL || path == NULL || path[0] == '\0' || image_size(m) == 0)
        return MLPB_E_INVALID_ARG;
    static const char suffix[] = ".XXXXXX";
    char tmp[PATH_MAX + sizeof suffix];
    const size_t plen = strlen(path);
    if (plen > PATH_MAX) {
        errno = ENAMETOOLONG;
        return MLPB_E_IO;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof suffix);
    const int fd = mkstemp(tmp);
    if (fd < 0)
        return MLPB_E_IO;

    /* mkstemp creates mode 0600. A replaced file keeps its mode; a new one
     * gets 0644 (the umask cannot be read without changing it). Best effort:
     * some file systems have no modes. */
    struct stat st;
    (void)fchmod(fd, stat(path, &st) == 0 && S_ISREG(st.st_mode) ? st.st_mode & 07777 : 0644);

    /* The sink's buffer is on the stack: saving allocates nothing. */
    sink s;
    sink_init(&s, NULL, fd);
    int err = 0;
    mlpb_status status = encode(m, &s);
    if (status != MLPB_OK)
        err = errno;
    if (status == MLPB_OK && fsync(fd) != 0) {
        status = MLPB_E_IO;
        err = errno;
    }
    if (close(fd) != 0 && status == MLPB_OK) {
        status = MLPB_E_IO;
        err = errno;
    }
    if (status == MLPB_OK && rename(tmp, path) != 0) {
        status = MLPB_E_IO;
        err = errno;
    }
    if (status != MLPB_OK) {
        (void)unlink(tmp);
        errno = err;
        return status;
    }
    sync_dir(path, tmp, sizeof tmp);
    return MLPB_OK;
}
