/* io_internal.h -- what the model-file reader (io.c), writer (io_save.c) and
 * the names-and-metadata section (io_strings.c) share: byte order, the
 * streaming buffer, byte sources and sinks. See docs/model-format.md. */
#ifndef MLPB_IO_INTERNAL_H
#define MLPB_IO_INTERNAL_H

#include "mlpb_internal.h"

#include <string.h>
#include <zlib.h>

#define FMT_VERSION_1 1u
#define FMT_VERSION   2u  /* written; MLPB_MODEL_FORMAT_VERSION */
#define FMT_MIN_SIZES 3u  /* d, one hidden layer, k */
#define FMT_MAX_SIZES 64u /* as mlpb_model_create */
#define FMT_FLAG_STD  1u  /* bit 0: standardisation present */
#define FMT_FLAG_IN   2u  /* bit 1: input names present (version 2) */
#define FMT_FLAG_OUT  4u  /* bit 2: output names present (version 2) */
/* Bytes of the fixed header: version 1 has no section length field. */
#define FMT_HEAD_V1(n) (20u + 8u * (n))
#define FMT_HEAD_V2(n) (28u + 8u * (n))
#define FMT_HEAD_MAX   FMT_HEAD_V2(FMT_MAX_SIZES)
/* Streaming buffer: a multiple of 4 (floats never straddle two chunks, as the
 * float region starts at a multiple of 4) and larger than any header. */
#define CHUNK 4096
_Static_assert(CHUNK % 4 == 0 && CHUNK >= FMT_HEAD_MAX, "CHUNK too small");

static inline uint32_t mlpb__get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t mlpb__get_u64(const unsigned char *p)
{
    return (uint64_t)mlpb__get_u32(p) | (uint64_t)mlpb__get_u32(p + 4) << 32;
}

static inline void mlpb__put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void mlpb__put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Architectures a file may hold (io.c); on success *n_params is the arena
 * length. */
bool mlpb__fmt_arch_ok(const size_t *sizes, size_t n_sizes, uint64_t *n_params);
/* Bytes of a whole image whose float region starts at head; false on
 * overflow. */
bool mlpb__fmt_image_bytes(uint64_t head, size_t d, bool std, uint64_t n_params,
                           uint64_t *total);

/* An image in memory, or an open regular file of known length. */
typedef struct mlpb_source {
    const unsigned char *mem; /* NULL for a file */
    int                  fd;
    uint64_t             len; /* real length in bytes */
} mlpb_source;

/* Read n bytes at off (off + n <= len, which the header checks guarantee). A
 * file that shrank since fstat reads short: MLPB_E_TRUNCATED. */
mlpb_status mlpb__source_read(const mlpb_source *s, uint64_t off, unsigned char *buf,
                              size_t n);

/* Bytes go through buf to memory or to a file; the CRC follows them. */
typedef struct mlpb_sink {
    unsigned char *mem; /* NULL for a file */
    int            fd;
    uint64_t       pos; /* bytes already passed on */
    size_t         used;
    uLong          crc;
    unsigned char  buf[CHUNK];
} mlpb_sink;

/* Append n bytes (through the buffer, into the CRC). */
mlpb_status mlpb__sink_bytes(mlpb_sink *s, const void *p, size_t n);

/* ------------------------------------------- names and metadata section */
/* What pass 1 learnt of a valid section: enough to allocate for pass 2. */
typedef struct mlpb_strings_plan {
    size_t in_bytes, out_bytes; /* string bytes of each name list, NULs included */
    size_t n_meta;
} mlpb_strings_plan;

/* Bytes of m's section, padding included (a multiple of 4), or false if it
 * does not fit 64 bits (it always does under the bounds). */
bool        mlpb__strings_size(const mlpb_model *m, uint64_t *bytes);
/* The flags bits of m's names. */
uint32_t    mlpb__strings_flags(const mlpb_model *m);
/* Write m's section. */
mlpb_status mlpb__strings_encode(const mlpb_model *m, mlpb_sink *s);
/* Check the section of len bytes at off (flags: FMT_FLAG_IN / FMT_FLAG_OUT;
 * d and k the model's widths) without allocating: every count and length
 * within its bound and the section, every string valid UTF-8, padding zero.
 * buf is CHUNK + 4 bytes of scratch. MLPB_E_CORRUPT when anything is wrong. */
mlpb_status mlpb__strings_check(const mlpb_source *src, uint64_t off, uint64_t len,
                                uint32_t flags, size_t d, size_t k, unsigned char *buf,
                                mlpb_strings_plan *plan);
/* Decode a checked section into m (which has no names or metadata yet),
 * allocating from m's allocator. MLPB_E_CORRUPT for a duplicate metadata key
 * or a section that changed since it was checked; MLPB_E_NOMEM. */
mlpb_status mlpb__strings_decode(const mlpb_source *src, uint64_t off, uint64_t len,
                                 uint32_t flags, const mlpb_strings_plan *plan,
                                 unsigned char *buf, mlpb_model *m);

#endif /* MLPB_IO_INTERNAL_H */
