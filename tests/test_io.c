/* test_io.c -- model files: the byte layout against an encoder written here
 * from docs/model-format.md, bit-exact round trips through memory and files,
 * every truncation and flipped byte, crafted headers, atomic-save failures
 * and OOM at every allocation of a load. */
#include "testutil.h"

#include "mlpb_internal.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ------------------------------------------------------------ helpers */
static const size_t small_sizes[] = {3, 4, 2}; /* 26 parameters */

/* A seeded model; with std, a standardisation with distinct values. */
static mlpb_model *make_model(const size_t *sizes, size_t n, uint64_t seed, int with_std)
{
    mlpb_model *m = mlpbt_model(sizes, n, seed);
    if (with_std) {
        float mean[128], sd[128];
        assert_true(sizes[0] <= 128);
        mlpbt_fill_uniform(mean, sizes[0], -3.0f, 3.0f, seed + 1);
        mlpbt_fill_uniform(sd, sizes[0], 0.25f, 4.0f, seed + 2);
        assert_int_equal(mlpb_model_set_standardization(m, mean, sd), MLPB_OK);
    }
    return m;
}

/* Little-endian writers of the test's own encoder. */
static size_t w32(unsigned char *p, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[at + (size_t)i] = (unsigned char)(v >> (8 * i));
    return at + 4;
}

static size_t w64(unsigned char *p, size_t at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[at + (size_t)i] = (unsigned char)(v >> (8 * i));
    return at + 8;
}

static size_t wf32(unsigned char *p, size_t at, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return w32(p, at, u);
}

/* CRC-32 of p[0..at) appended at at. */
static size_t wcrc(unsigned char *p, size_t at)
{
    return w32(p, at, (uint32_t)crc32(0L, p, (uInt)at));
}

/* Header: magic, version, sizes, flags, reserved. */
static size_t write_header(unsigned char *p, uint32_t version, const uint64_t *sizes,
                           uint32_t n_sizes, uint32_t flags, uint32_t reserved)
{
    memcpy(p, "MLPB", 4);
    size_t at = w32(p, 4, version);
    at = w32(p, at, n_sizes);
    for (uint32_t i = 0; i < n_sizes; i++)
        at = w64(p, at, sizes[i]);
    at = w32(p, at, flags);
    return w32(p, at, reserved);
}

static size_t wstr(unsigned char *p, size_t at, const char *s)
{
    const size_t n = strlen(s);
    at = w32(p, at, (uint32_t)n);
    memcpy(p + at, s, n);
    return at + n;
}

/* The file image of m per docs/model-format.md (buf large enough): version
 * 2, or version 1 (which has no names or metadata) when v1. */
static size_t ref_image_v(mlpb_model *m, unsigned char *buf, int v1)
{
    size_t ns, np;
    const size_t *sizes = mlpb_model_sizes(m, &ns);
    uint64_t s64[64];
    for (size_t i = 0; i < ns; i++)
        s64[i] = sizes[i];
    const float *mean = mlpb_model_mean(m), *sd = mlpb_model_std(m);
    const size_t d = sizes[0], k = sizes[ns - 1];
    const int in = mlpb_model_input_name(m, 0) != NULL, out = mlpb_model_output_name(m, 0) != NULL;
    const uint32_t flags = (mean != NULL ? 1u : 0u) | (in ? 2u : 0u) | (out ? 4u : 0u);
    size_t at = write_header(buf, v1 ? 1 : 2, s64, (uint32_t)ns, flags, 0);
    if (!v1) {
        const size_t len_at = at;
        at += 8;
        for (size_t i = 0; in && i < d; i++)
            at = wstr(buf, at, mlpb_model_input_name(m, i));
        for (size_t j = 0; out && j < k; j++)
            at = wstr(buf, at, mlpb_model_output_name(m, j));
        at = w32(buf, at, (uint32_t)mlpb_model_meta_count(m));
        for (size_t i = 0; i < mlpb_model_meta_count(m); i++) {
            const char *key, *value;
            assert_int_equal(mlpb_model_meta_at(m, i, &key, &value), MLPB_OK);
            at = wstr(buf, at, key);
            at = wstr(buf, at, value);
        }
        while ((at - len_at - 8) % 4 != 0)
            buf[at++] = 0;
        w64(buf, len_at, at - len_at - 8);
    }
    for (size_t j = 0; mean != NULL && j < sizes[0]; j++)
        at = wf32(buf, at, mean[j]);
    for (size_t j = 0; sd != NULL && j < sizes[0]; j++)
        at = wf32(buf, at, sd[j]);
    const float *params = mlpb_model_params(m, &np);
    for (size_t i = 0; i < np; i++)
        at = wf32(buf, at, params[i]);
    return wcrc(buf, at);
}

static size_t ref_image(mlpb_model *m, unsigned char *buf)
{
    return ref_image_v(m, buf, 0);
}

/* Models a and b are the same: sizes, parameters and standardisation bit for
 * bit, and bitwise-identical probabilities on a seeded batch. */
static void assert_same_model(mlpb_model *a, mlpb_model *b)
{
    size_t na, nb;
    const size_t *sa = mlpb_model_sizes(a, &na), *sb = mlpb_model_sizes(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(sa, sb, na * sizeof *sa);
    size_t pa, pb;
    const float *xa = mlpb_model_params(a, &pa), *xb = mlpb_model_params(b, &pb);
    assert_int_equal(pa, pb);
    assert_memory_equal(xa, xb, pa * sizeof(float));
    const size_t d = sa[0], k = sa[na - 1];
    assert_true((mlpb_model_mean(a) == NULL) == (mlpb_model_mean(b) == NULL));
    if (mlpb_model_mean(a) != NULL) {
        assert_memory_equal(mlpb_model_mean(a), mlpb_model_mean(b), d * sizeof(float));
        assert_memory_equal(mlpb_model_std(a), mlpb_model_std(b), d * sizeof(float));
    }
    enum { N = 37 };
    float *x = malloc(N * d * sizeof(float));
    float *pra = malloc(N * k * sizeof(float)), *prb = malloc(N * k * sizeof(float));
    assert_true(x != NULL && pra != NULL && prb != NULL);
    mlpbt_fill_uniform(x, N * d, -2.0f, 2.0f, 99);
    mlpb_workspace *ws;
    assert_int_equal(mlpb_workspace_create(a, 16, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_predict(a, ws, x, N, pra), MLPB_OK);
    assert_int_equal(mlpb_predict(b, ws, x, N, prb), MLPB_OK);
    assert_memory_equal(pra, prb, N * k * sizeof(float));
    mlpb_workspace_destroy(ws);
    free(x);
    free(pra);
    free(prb);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Whole file into a malloc'ed buffer. */
/* load_mem that must fail with want, allocate nothing and leave *out NULL. */
static mlpb_status load_mem_status(const unsigned char *buf, size_t len)
{
    mlpbt_counter c;
    const mlpb_allocator a = mlpbt_counting_allocator(&c);
    mlpb_model *m = (mlpb_model *)&c; /* must come back NULL */
    const mlpb_status s = mlpb_model_load_mem(buf, len, &a, &m);
    if (s != MLPB_OK) {
        assert_null(m);
        assert_int_equal(c.calls, 0); /* every rejection precedes allocation */
    } else {
        mlpb_model_destroy(m);
    }
    return s;
}

/* ------------------------------------------------------------ tests */
static void test_io_layout_matches_spec(void **state)
{
    (void)state;
    for (int with_std = 0; with_std <= 1; with_std++) {
        mlpb_model *m = make_model(small_sizes, 3, 11, with_std);
        /* Pin one parameter to a known bit pattern: 1.0f = 0x3f800000. */
        mlpb_model_params(m, NULL)[0] = 1.0f;
        /* 28 + 8*3 header, a 4-byte section (no entries), 2*3 std floats,
         * 3*4+4 + 4*2+2 = 26 params, CRC */
        const size_t want = 56 + (with_std ? 24u : 0u) + 104 + 4;
        assert_int_equal(mlpb_model_file_size(m), want);
        unsigned char ref[256], lib[257];
        assert_int_equal(ref_image(m, ref), want);
        memset(lib, 0xee, sizeof lib);
        assert_int_equal(mlpb_model_save_mem(m, lib, sizeof lib), MLPB_OK);
        assert_memory_equal(lib, ref, want);
        assert_int_equal(lib[want], 0xee); /* nothing written past the image */
        const unsigned char head[] = {'M', 'L', 'P', 'B', 2, 0, 0, 0, 3, 0, 0, 0,
                                      3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,
                                      2, 0, 0, 0, 0, 0, 0, 0};
        assert_memory_equal(lib, head, sizeof head);
        assert_int_equal(lib[36], with_std ? 1 : 0);
        const unsigned char sect[] = {4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assert_memory_equal(lib + 44, sect, sizeof sect); /* length 4: no entries */
        const size_t body = 56 + (with_std ? 24u : 0u);
        const unsigned char one[] = {0x00, 0x00, 0x80, 0x3f};
        assert_memory_equal(lib + body, one, 4);
        mlpb_model_destroy(m);
    }
}

static void test_io_round_trip_mem(void **state)
{
    (void)state;
    const size_t sizes[] = {5, 7, 6, 3};
    for (int with_std = 0; with_std <= 1; with_std++) {
        mlpb_model *m = make_model(sizes, 4, 21, with_std);
        size_t len;
        unsigned char *img = mlpbt_model_image(m, &len);
        mlpb_model *r = NULL;
        assert_int_equal(mlpb_model_load_mem(img, len, NULL, &r), MLPB_OK);
        assert_same_model(m, r);
        if (!with_std)
            assert_null(mlpb_model_mean(r));
        /* Re-encoding the loaded model gives the same bytes. */
        size_t len2;
        unsigned char *img2 = mlpbt_model_image(r, &len2);
        assert_int_equal(len2, len);
        assert_memory_equal(img2, img, len);
        free(img);
        free(img2);
        mlpb_model_destroy(m);
        mlpb_model_destroy(r);
    }
}

static void test_io_round_trip_file(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX], name[256];
    mlpbt_make_tmpdir(dir, sizeof dir, "io");
    mlpbt_path_in(path, sizeof path, dir, "model.mlpb");
    const size_t sizes[] = {6, 9, 2};
    mlpb_model *a = make_model(sizes, 3, 31, 1), *b = make_model(sizes, 3, 32, 0);
    mlpb_model *r = NULL;

    assert_int_equal(mlpb_model_save(a, path), MLPB_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644); /* a new file */
    assert_int_equal((size_t)st.st_size, mlpb_model_file_size(a));
    assert_int_equal(mlpb_model_load(path, NULL, &r), MLPB_OK);
    assert_same_model(a, r);
    mlpb_model_destroy(r);
    /* File and memory images are the same bytes. */
    size_t flen, mlen;
    unsigned char *fimg = mlpbt_read_file(path, &flen), *mimg = mlpbt_model_image(a, &mlen);
    assert_true(flen > 0);
    assert_int_equal(flen, mlen);
    assert_memory_equal(fimg, mimg, flen);
    free(fimg);
    free(mimg);

    /* Replace it with another model; the mode of the old file is kept. */
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(mlpb_model_save(b, path), MLPB_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(mlpb_model_load(path, NULL, &r), MLPB_OK);
    assert_same_model(b, r);
    mlpb_model_destroy(r);

    /* No temporary file left behind. */
    assert_int_equal(mlpbt_count_entries(dir, name, sizeof name), 1);
    assert_string_equal(name, "model.mlpb");
    mlpb_model_destroy(a);
    mlpb_model_destroy(b);
    mlpbt_remove_tmpdir(dir);
}

static void test_io_special_values_bit_exact(void **state)
{
    (void)state;
    mlpb_model *m = make_model(small_sizes, 3, 41, 1);
    size_t np;
    float *p = mlpb_model_params(m, &np);
    const uint32_t patterns[] = {
        0x80000000u, /* -0 */
        0x00000001u, /* smallest subnormal */
        0x807fffffu, /* largest negative subnormal */
        0x7f7fffffu, /* FLT_MAX */
        0x7f800000u, /* +inf */
        0xff800000u, /* -inf */
        0x7fc00001u, /* quiet NaN with a payload */
        0xffa5a5a5u, /* negative signalling NaN pattern */
    };
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++)
        memcpy(&p[i], &patterns[i], sizeof(float));
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    mlpb_model *r = NULL;
    assert_int_equal(mlpb_model_load_mem(img, len, NULL, &r), MLPB_OK);
    size_t nr;
    const float *q = mlpb_model_params(r, &nr);
    assert_int_equal(nr, np);
    assert_memory_equal(q, p, np * sizeof(float));
    free(img);
    mlpb_model_destroy(m);
    mlpb_model_destroy(r);
}

static void test_io_every_truncation(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "io");
    mlpbt_path_in(path, sizeof path, dir, "cut.mlpb");
    for (int with_std = 0; with_std <= 1; with_std++) {
        mlpb_model *m = make_model(small_sizes, 3, 51, with_std);
        size_t len;
        unsigned char *img = mlpbt_model_image(m, &len);
        for (size_t cut = 0; cut < len; cut++) {
            /* Every prefix of a valid image is consistent as far as it goes,
             * so the length check is what fails, whatever the cut. */
            assert_int_equal(load_mem_status(img, cut), MLPB_E_TRUNCATED);
            write_file(path, img, cut);
            mlpbt_counter c;
            const mlpb_allocator a = mlpbt_counting_allocator(&c);
            mlpb_model *r = (mlpb_model *)&c;
            assert_int_equal(mlpb_model_load(path, &a, &r), MLPB_E_TRUNCATED);
            assert_null(r);
            assert_int_equal(c.calls, 0);
        }
        assert_int_equal(load_mem_status(img, len), MLPB_OK);
        free(img);
        mlpb_model_destroy(m);
    }
    mlpbt_remove_tmpdir(dir);
}

/* Every byte flipped (three masks): rejected with the status of the field it
 * lands in, the same status each time, before any allocation. */
static void test_io_every_flipped_byte(void **state)
{
    (void)state;
    mlpb_model *m = make_model(small_sizes, 3, 61, 1);
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    const unsigned char masks[] = {0xff, 0x01, 0x80};
    size_t seen[16] = {0};
    for (size_t pos = 0; pos < len; pos++) {
        for (size_t k = 0; k < sizeof masks; k++) {
            img[pos] ^= masks[k];
            const mlpb_status s = load_mem_status(img, len);
            assert_int_equal(load_mem_status(img, len), s);
            seen[s]++;
            if (pos < 4)
                assert_int_equal(s, MLPB_E_FORMAT);
            else if (pos < 8)
                assert_int_equal(s, MLPB_E_VERSION);
            else if (pos < 12)
                assert_int_equal(s, MLPB_E_CORRUPT);       /* n_sizes */
            else if (pos < 36)                             /* sizes */
                assert_true(s == MLPB_E_CORRUPT || s == MLPB_E_TRUNCATED ||
                            s == MLPB_E_TRAILING);
            else if (pos < 40) /* flags: unknown bits, or the names bits (CRC) */
                assert_true(s == MLPB_E_CORRUPT || s == MLPB_E_TRUNCATED ||
                            s == MLPB_E_TRAILING || s == MLPB_E_CHECKSUM);
            else if (pos < 44)
                assert_int_equal(s, MLPB_E_CORRUPT);       /* reserved */
            else if (pos < 52)                             /* section length */
                assert_true(s == MLPB_E_CORRUPT || s == MLPB_E_TRUNCATED ||
                            s == MLPB_E_TRAILING);
            else
                assert_int_equal(s, MLPB_E_CHECKSUM);      /* body and CRC */
            img[pos] ^= masks[k];
        }
    }
    /* The size and flag flips reach all three length-related outcomes. */
    assert_true(seen[MLPB_E_TRUNCATED] > 0 && seen[MLPB_E_TRAILING] > 0);
    assert_int_equal(load_mem_status(img, len), MLPB_OK);
    free(img);
    mlpb_model_destroy(m);
}

/* Crafted images: each broken in one field, CRC recomputed so that the
 * field's own check is what rejects it. */
static void test_io_crafted_headers(void **state)
{
    (void)state;
    mlpb_model *m = make_model(small_sizes, 3, 71, 1);
    size_t len;
    unsigned char *good = mlpbt_model_image(m, &len);
    unsigned char *img = malloc(len + 1);
    assert_non_null(img);
    const size_t crc_at = len - 4;
#define RESET() memcpy(img, good, len)
#define FIXCRC() wcrc(img, crc_at)

    RESET();
    img[3] = 'X';
    assert_int_equal(load_mem_status(img, len), MLPB_E_FORMAT);
    assert_int_equal(load_mem_status(img, 3), MLPB_E_TRUNCATED); /* "MLP" */
    img[1] = 'X';
    assert_int_equal(load_mem_status(img, 2), MLPB_E_FORMAT);    /* "MX" */
    assert_int_equal(load_mem_status((const unsigned char *)"GIF89a", 6), MLPB_E_FORMAT);

    const uint32_t versions[] = {0, 3, 0xffffffffu};
    for (size_t i = 0; i < 3; i++) {
        RESET();
        w32(img, 4, versions[i]);
        FIXCRC();
        assert_int_equal(load_mem_status(img, len), MLPB_E_VERSION);
    }

    RESET();
    img[len] = 0;
    assert_int_equal(load_mem_status(img, len + 1), MLPB_E_TRAILING);

    const uint32_t n_sizes[] = {0, 2, 65, 0x80000000u};
    for (size_t i = 0; i < 4; i++) {
        RESET();
        w32(img, 8, n_sizes[i]);
        FIXCRC();
        assert_int_equal(load_mem_status(img, len), MLPB_E_CORRUPT);
    }

    /* A zero size, a size above INT_MAX, in every position. */
    const uint64_t bad_sizes[] = {0, (uint64_t)INT_MAX + 1, UINT64_MAX};
    for (size_t i = 0; i < 3; i++)
        for (size_t at = 12; at < 36; at += 8) {
            RESET();
            w64(img, at, bad_sizes[i]);
            FIXCRC();
            assert_int_equal(load_mem_status(img, len), MLPB_E_CORRUPT);
        }

    const uint32_t flags[] = {8, 9, 0x80000001u};
    for (size_t i = 0; i < 3; i++) {
        RESET();
        w32(img, 36, flags[i]);
        FIXCRC();
        assert_int_equal(load_mem_status(img, len), MLPB_E_CORRUPT);
    }
    RESET();
    w32(img, 40, 1);
    FIXCRC();
    assert_int_equal(load_mem_status(img, len), MLPB_E_CORRUPT);

    /* Standardisation values: mean[0..3) at 56, std[0..3) at 68. */
    const float bad_std[] = {0.0f, -0.0f, -1.0f, NAN, INFINITY};
    for (size_t i = 0; i < 5; i++) {
        RESET();
        wf32(img, 68 + 4, bad_std[i]);
        FIXCRC();
        assert_int_equal(load_mem_status(img, len), MLPB_E_CORRUPT);
        img[0] ^= 1; /* magic precedes the value checks */
        assert_int_equal(load_mem_status(img, len), MLPB_E_FORMAT);
    }
    const float bad_mean[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 3; i++) {
        RESET();
        wf32(img, 56 + 8, bad_mean[i]);
        FIXCRC();
        assert_int_equal(load_mem_status(img, len), MLPB_E_CORRUPT);
        img[crc_at] ^= 1; /* the CRC is checked before the values */
        assert_int_equal(load_mem_status(img, len), MLPB_E_CHECKSUM);
    }

    /* A CRC that does not match. */
    RESET();
    img[crc_at + 3] ^= 0x10;
    assert_int_equal(load_mem_status(img, len), MLPB_E_CHECKSUM);

    RESET();
    assert_int_equal(load_mem_status(img, len), MLPB_OK);
#undef RESET
#undef FIXCRC
    free(img);
    free(good);
    mlpb_model_destroy(m);
}

/* Headers claiming enormous models, in tiny files with a valid CRC: rejected
 * by the size or length checks before a single allocation. */
static void test_io_huge_claims_no_allocation(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "io");
    mlpbt_path_in(path, sizeof path, dir, "huge.mlpb");
    unsigned char img[1024];
    struct {
        uint64_t    sizes[8];
        uint32_t    n, flags;
        mlpb_status want;
    } cases[] = {
        /* 2^40 weights in layer 0: beyond what a BLAS int addresses */
        {{(uint64_t)1 << 20, (uint64_t)1 << 20, 1}, 3, 0, MLPB_E_CORRUPT},
        /* each layer fits (1.6e9 weights) but 7 of them need 45 GB */
        {{40000, 40000, 40000, 40000, 40000, 40000, 40000, 40000}, 8, 0, MLPB_E_TRUNCATED},
        /* INT_MAX inputs with standardisation: 16 GiB of mean/std */
        {{(uint64_t)INT_MAX, 1, 1}, 3, 1, MLPB_E_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t at = write_header(img, 1, cases[i].sizes, cases[i].n, cases[i].flags, 0);
        for (int j = 0; j < 16; j++) /* a few floats of "body" */
            at = wf32(img, at, 0.5f);
        at = wcrc(img, at);
        assert_int_equal(load_mem_status(img, at), cases[i].want);
        write_file(path, img, at);
        mlpbt_counter c;
        const mlpb_allocator a = mlpbt_counting_allocator(&c);
        mlpb_model *r = (mlpb_model *)&c;
        assert_int_equal(mlpb_model_load(path, &a, &r), cases[i].want);
        assert_null(r);
        assert_int_equal(c.calls, 0);
    }
    mlpbt_remove_tmpdir(dir);
}

static void test_io_load_arguments_and_io_errors(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "io");
    mlpb_model *r = (mlpb_model *)dir;
    const unsigned char byte = 'M';
    assert_int_equal(mlpb_model_load(NULL, NULL, &r), MLPB_E_INVALID_ARG);
    assert_null(r);
    assert_int_equal(mlpb_model_load(dir, NULL, NULL), MLPB_E_INVALID_ARG);
    r = (mlpb_model *)dir;
    assert_int_equal(mlpb_model_load_mem(NULL, 5, NULL, &r), MLPB_E_INVALID_ARG);
    assert_null(r);
    assert_int_equal(mlpb_model_load_mem(&byte, 1, NULL, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_load_mem(NULL, 0, NULL, &r), MLPB_E_TRUNCATED);

    mlpbt_path_in(path, sizeof path, dir, "missing.mlpb");
    r = (mlpb_model *)dir;
    errno = 0;
    assert_int_equal(mlpb_model_load(path, NULL, &r), MLPB_E_IO);
    assert_int_equal(errno, ENOENT);
    assert_null(r);
    r = (mlpb_model *)dir;
    errno = 0;
    assert_int_equal(mlpb_model_load(dir, NULL, &r), MLPB_E_IO); /* a directory */
    assert_int_equal(errno, EISDIR);
    assert_null(r);
    /* A FIFO is refused at once, without waiting for a writer. */
    mlpbt_path_in(path, sizeof path, dir, "fifo");
    assert_int_equal(mkfifo(path, 0600), 0);
    r = (mlpb_model *)dir;
    errno = 0;
    assert_int_equal(mlpb_model_load(path, NULL, &r), MLPB_E_IO);
    assert_int_equal(errno, EINVAL);
    assert_null(r);
    mlpbt_remove_tmpdir(dir);
}

static void test_io_save_arguments(void **state)
{
    (void)state;
    mlpb_model *m = make_model(small_sizes, 3, 81, 1);
    const size_t len = mlpb_model_file_size(m);
    unsigned char buf[512], copy[512];
    memset(buf, 0x5a, sizeof buf);
    memcpy(copy, buf, sizeof buf);
    assert_int_equal(mlpb_model_file_size(NULL), 0);
    assert_int_equal(mlpb_model_save_mem(NULL, buf, sizeof buf), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_save_mem(m, NULL, sizeof buf), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_save_mem(m, buf, len - 1), MLPB_E_INVALID_ARG);
    assert_memory_equal(buf, copy, sizeof buf); /* untouched */
    assert_int_equal(mlpb_model_save_mem(m, buf, len), MLPB_OK);
    assert_int_equal(mlpb_model_save(NULL, "x.mlpb"), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_save(m, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_save(m, ""), MLPB_E_INVALID_ARG);
    mlpb_model_destroy(m);
}

static void test_io_save_failures_create_nothing(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX], file[PATH_MAX], sub[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "io");
    mlpb_model *m = make_model(small_sizes, 3, 91, 1);

    /* The directory does not exist. */
    mlpbt_path_in(path, sizeof path, dir, "nodir/model.mlpb");
    errno = 0;
    assert_int_equal(mlpb_model_save(m, path), MLPB_E_IO);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(mlpbt_count_entries(dir, NULL, 0), 0);

    /* The "directory" is a regular file (also fails for root). */
    mlpbt_path_in(file, sizeof file, dir, "plain");
    write_file(file, "x", 1);
    mlpbt_path_in(path, sizeof path, file, "model.mlpb");
    errno = 0;
    assert_int_equal(mlpb_model_save(m, path), MLPB_E_IO);
    assert_int_equal(errno, ENOTDIR);
    assert_int_equal(mlpbt_count_entries(dir, NULL, 0), 1);

    /* The target is a directory: the rename fails after the whole file was
     * written, and the temporary file is removed. */
    mlpbt_path_in(sub, sizeof sub, dir, "adir");
    assert_int_equal(mkdir(sub, 0755), 0);
    errno = 0;
    assert_int_equal(mlpb_model_save(m, sub), MLPB_E_IO);
    assert_true(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
    assert_int_equal(mlpbt_count_entries(dir, NULL, 0), 2);
    assert_int_equal(mlpbt_count_entries(sub, NULL, 0), 0);

    mlpb_model_destroy(m);
    mlpbt_remove_tmpdir(dir);
}

/* A save that runs out of room half-way (RLIMIT_FSIZE, SIGXFSZ ignored, so
 * write fails with EFBIG even for root) leaves the old file as it was. */
static void test_io_failed_save_keeps_old_file(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX], name[256];
    mlpbt_make_tmpdir(dir, sizeof dir, "io");
    mlpbt_path_in(path, sizeof path, dir, "keep.mlpb");
    mlpb_model *small = make_model(small_sizes, 3, 101, 1);
    const size_t big_sizes[] = {100, 100, 2}; /* 10302 floats, ~41 KB */
    mlpb_model *big = make_model(big_sizes, 3, 102, 1);
    assert_int_equal(mlpb_model_save(small, path), MLPB_OK);
    size_t before_len;
    unsigned char *before = mlpbt_read_file(path, &before_len);
    assert_true(before_len > 0);

    struct rlimit old_lim, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
    lim = old_lim;
    lim.rlim_cur = 16384;
    assert_true(old_lim.rlim_cur == RLIM_INFINITY || old_lim.rlim_cur > lim.rlim_cur);
    struct sigaction ign, old_act;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    assert_int_equal(sigaction(SIGXFSZ, &ign, &old_act), 0);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    errno = 0;
    const mlpb_status s = mlpb_model_save(big, path);
    const int err = errno;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
    assert_int_equal(sigaction(SIGXFSZ, &old_act, NULL), 0);
    assert_int_equal(s, MLPB_E_IO);
    assert_int_equal(err, EFBIG);

    size_t after_len;
    unsigned char *after = mlpbt_read_file(path, &after_len);
    assert_int_equal(after_len, before_len);
    assert_memory_equal(after, before, before_len);
    mlpb_model *r = NULL;
    assert_int_equal(mlpb_model_load(path, NULL, &r), MLPB_OK);
    assert_same_model(small, r);
    assert_int_equal(mlpbt_count_entries(dir, name, sizeof name), 1);
    assert_string_equal(name, "keep.mlpb");

    /* Without the limit the same save succeeds. */
    assert_int_equal(mlpb_model_save(big, path), MLPB_OK);
    mlpb_model_destroy(r);
    assert_int_equal(mlpb_model_load(path, NULL, &r), MLPB_OK);
    assert_same_model(big, r);

    free(before);
    free(after);
    mlpb_model_destroy(r);
    mlpb_model_destroy(small);
    mlpb_model_destroy(big);
    mlpbt_remove_tmpdir(dir);
}

/* Fail the allocator at call 0, 1, ... until the load succeeds: every
 * failure is MLPB_E_NOMEM with nothing left allocated. */
static void test_io_oom_every_allocation(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "io");
    mlpbt_path_in(path, sizeof path, dir, "oom.mlpb");
    mlpb_model *m = make_model(small_sizes, 3, 111, 1);
    assert_int_equal(mlpb_model_save(m, path), MLPB_OK);
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    for (int from_file = 0; from_file <= 1; from_file++) {
        mlpbt_counter c;
        const mlpb_allocator a = mlpbt_counting_allocator(&c);
        size_t fail_at = 0;
        for (;; fail_at++) {
            (void)mlpbt_counting_allocator(&c);
            c.fail_at = fail_at;
            mlpb_model *r = (mlpb_model *)&c;
            const mlpb_status s = from_file ? mlpb_model_load(path, &a, &r)
                                            : mlpb_model_load_mem(img, len, &a, &r);
            if (s == MLPB_OK) {
                assert_same_model(m, r);
                mlpb_model_destroy(r);
                assert_int_equal(c.live, 0);
                break;
            }
            assert_int_equal(s, MLPB_E_NOMEM);
            assert_null(r);
            assert_int_equal(c.live, 0);
            assert_true(fail_at < 100);
        }
        assert_true(fail_at >= 1); /* there was at least one allocation to fail */
    }
    free(img);
    mlpb_model_destroy(m);
    mlpbt_remove_tmpdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io_layout_matches_spec),
        cmocka_unit_test(test_io_round_trip_mem),
        cmocka_unit_test(test_io_round_trip_file),
        cmocka_unit_test(test_io_special_values_bit_exact),
        cmocka_unit_test(test_io_every_truncation),
        cmocka_unit_test(test_io_every_flipped_byte),
        cmocka_unit_test(test_io_crafted_headers),
        cmocka_unit_test(test_io_huge_claims_no_allocation),
        cmocka_unit_test(test_io_load_arguments_and_io_errors),
        cmocka_unit_test(test_io_save_arguments),
        cmocka_unit_test(test_io_save_failures_create_nothing),
        cmocka_unit_test(test_io_failed_save_keeps_old_file),
        cmocka_unit_test(test_io_oom_every_allocation),
    };
    return cmocka_run_group_tests_name("io", tests, NULL, NULL);
}
