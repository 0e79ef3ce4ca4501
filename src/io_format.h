/* io_format.h -- the model file's format layer (docs/model-format.md): byte
 * order, the header, the streaming buffer, byte sources and CRC-32 sinks
 * (io_format.c), and the names-and-metadata section (io_strings.c). The
 * reader (io_load.c) and the writer (io_save.c) call down into it and never
 * into each other; io_strings.c calls only io_format.c. */
#ifndef MLPB_IO_FORMAT_H
#define MLPB_IO_FORMAT_H

#include "mlpb_internal.h"

#include <float.h>
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
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
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

/* Floats travel as their IEEE-754 binary32 bit patterns. */
_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128,
               "model files need IEEE-754 binary32 floats");

static inline float mlpb__f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t mlpb__bits_from_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* ------------------------------------------------------------ the header */
typedef struct mlpb_fmt_header {
    uint32_t version;
    size_t n_sizes;
    size_t sizes[FMT_MAX_SIZES];
    uint32_t flags;
    bool std;          /* mean[d] and std[d] follow the section */
    uint64_t n_params; /* floats in the parameter arena */
    uint64_t sect;     /* offset of the names-and-metadata section */
    uint64_t sect_len; /* its length (0 in version 1) */
    uint64_t head;     /* offset of the float region: sect + sect_len */
    uint64_t total;    /* bytes of the whole image, CRC included */
} mlpb_fmt_header;

/* Check the header in p, which holds the first min(len, FMT_HEAD_MAX) bytes
 * of an image whose real length is len, into *h. The order of the checks is
 * the one documented in docs/model-format.md; each needs only the bytes
 * before it. */
mlpb_status mlpb__fmt_parse_header(const unsigned char *p, uint64_t len, mlpb_fmt_header *h);
/* Write a version-2 header of these sizes, flags and section length into p
 * (FMT_HEAD_MAX bytes of room); returns its length, FMT_HEAD_V2(n_sizes). */
size_t mlpb__fmt_put_header(unsigned char *p, const size_t *sizes, size_t n_sizes, uint32_t flags,
                            uint64_t sect_len);

/* Architectures a file may hold: those mlpb_model_create accepts. On success
 * *n_params is the arena length. */
bool mlpb__fmt_arch_ok(const size_t *sizes, size_t n_sizes, uint64_t *n_params);
/* Bytes of a whole image whose float region starts at head; false on
 * overflow. */
bool mlpb__fmt_image_bytes(uint64_t head, size_t d, bool std, uint64_t n_params, uint64_t *total);

/* An image in memory, or an open regular file of known length. */
typedef struct mlpb_source {
    const unsigned char *mem; /* NULL for a file */
    int fd;
    uint64_t len; /* real length in bytes */
} mlpb_source;

/* Read n bytes at off (off + n <= len, which the header checks guarantee). A
 * file that shrank since fstat reads short: MLPB_E_TRUNCATED. */
mlpb_status mlpb__source_read(const mlpb_source *s, uint64_t off, unsigned char *buf, size_t n);

/* Bytes go through buf to memory or to a file; the CRC follows them. */
typedef struct mlpb_sink {
    unsigned char *mem; /* NULL for a file */
    int fd;
    uint64_t pos; /* bytes already passed on */
    size_t used;
    uLong crc;
    unsigned char buf[CHUNK];
} mlpb_sink;

/* An empty sink into mem (fd ignored), or into the file fd when mem is NULL. */
void mlpb__sink_init(mlpb_sink *s, unsigned char *mem, int fd);
/* Append n bytes (through the buffer, into the CRC). */
mlpb_status mlpb__sink_bytes(mlpb_sink *s, const void *p, size_t n);
/* Append n floats as their bit patterns (through the buffer, into the CRC). */
mlpb_status mlpb__sink_floats(mlpb_sink *s, const float *v, size_t n);
/* Pass on the buffered bytes, then the CRC-32 of every byte before it: the
 * end of an image. */
mlpb_status mlpb__sink_finish(mlpb_sink *s);

/* ------------------------------------------- names and metadata section */
/* What pass 1 learnt of a valid section: enough to allocate for pass 2. */
typedef struct mlpb_strings_plan {
    size_t in_bytes, out_bytes; /* string bytes of each name list, NULs included */
    size_t n_meta;
} mlpb_strings_plan;

/* Bytes of m's section, padding included (a multiple of 4), or false if it
 * does not fit 64 bits (it always does under the bounds). */
bool mlpb__strings_size(const mlpb_model *m, uint64_t *bytes);
/* The flags bits of m's names. */
uint32_t mlpb__strings_flags(const mlpb_model *m);
/* Write m's section. */
mlpb_status mlpb__strings_encode(const mlpb_model *m, mlpb_sink *s);
/* Check the section of len bytes at off (flags: FMT_FLAG_IN / FMT_FLAG_OUT;
 * d and k the model's widths) without allocating: every count and length
 * within its bound and the section, every string valid UTF-8, padding zero.
 * buf is CHUNK + 4 bytes of scratch. MLPB_E_CORRUPT when anything is wrong. */
mlpb_status mlpb__strings_check(const mlpb_source *src, uint64_t off, uint64_t len, uint32_t flags,
                                size_t d, size_t k, unsigned char *buf, mlpb_strings_plan *plan);
/* Decode a checked section into m (which has no names or metadata yet),
 * allocating from m's allocator. MLPB_E_CORRUPT for a duplicate metadata key
 * or a section that changed since it was checked; MLPB_E_NOMEM. */
mlpb_status mlpb__strings_decode(const mlpb_source *src, uint64_t off, uint64_t len, uint32_t flags,
                                 const mlpb_strings_plan *plan, unsigned char *buf, mlpb_model *m);

#endif /* MLPB_IO_FORMAT_H */
