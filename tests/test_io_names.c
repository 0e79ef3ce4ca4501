/* test_io_names.c -- model file format version 2 and the calls around it:
 * names and metadata round trips, every truncation and flipped byte of an
 * image that has them, crafted sections (every bound and UTF-8 check, before
 * any allocation), the version-1 file kept in tests/data, header-only loads
 * (a file claiming 8 GB of parameters inspected with a few MB), streaming
 * verification, and OOM at every allocation of a load. The byte layout
 * without names is pinned in test_io.c. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const size_t small_sizes[] = {3, 4, 2};

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

static uint32_t r32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fix_crc(unsigned char *img, size_t len)
{
    w32(img, len - 4, (uint32_t)crc32(0L, img, (uInt)(len - 4)));
}

/* load_mem (and load_header_mem) of a bad image: no allocation, *out NULL.
 * Returns the full load's status. */
static mlpb_status load_status(const unsigned char *buf, size_t len)
{
    mlpbt_counter c;
    const mlpb_allocator a = mlpbt_counting_allocator(&c);
    mlpb_model *m = (mlpb_model *)&c;
    const mlpb_status s = mlpb_model_load_mem(buf, len, &a, &m);
    if (s != MLPB_OK) {
        assert_null(m);
        assert_int_equal(c.calls, 0);
    }
    mlpb_model_destroy(m);
    const mlpb_allocator b = mlpbt_counting_allocator(&c);
    m = (mlpb_model *)&c;
    const mlpb_status h = mlpb_model_load_header_mem(buf, len, &b, &m);
    if (h != MLPB_OK) {
        assert_null(m);
        assert_int_equal(c.calls, 0);
    }
    /* The header-only load skips the CRC and nothing else. */
    assert_true(h == s || (s == MLPB_E_CHECKSUM && (h == MLPB_OK || h == MLPB_E_CORRUPT)));
    mlpb_model_destroy(m);
    return s;
}

/* A model with names, metadata (UTF-8, an empty value, a 3-byte value that
 * needs padding) and a standardisation. */
static mlpb_model *named_model(uint64_t seed)
{
    mlpb_model *m = mlpbt_model(small_sizes, 3, seed);
    const char *in[] = {"age", "h\xc3\xb6he", "x,y"}, *out[] = {"even", "ge5"};
    assert_int_equal(mlpb_model_set_input_names(m, in), MLPB_OK);
    assert_int_equal(mlpb_model_set_output_names(m, out), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "schema", "{\"classes\":[\"a\",\"b\"]}"), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "empty", ""), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "\xe2\x82\xac", "abc"), MLPB_OK);
    const float mean[3] = {1, 2, 3}, sd[3] = {0.5f, 1, 2};
    assert_int_equal(mlpb_model_set_standardization(m, mean, sd), MLPB_OK);
    return m;
}

static void assert_same_strings(const mlpb_model *a, const mlpb_model *b)
{
    for (size_t i = 0; i <= mlpb_model_n_inputs(a); i++) {
        const char *x = mlpb_model_input_name(a, i), *y = mlpb_model_input_name(b, i);
        assert_true((x == NULL) == (y == NULL));
        if (x != NULL)
            assert_string_equal(x, y);
    }
    for (size_t j = 0; j <= mlpb_model_n_outputs(a); j++) {
        const char *x = mlpb_model_output_name(a, j), *y = mlpb_model_output_name(b, j);
        assert_true((x == NULL) == (y == NULL));
        if (x != NULL)
            assert_string_equal(x, y);
    }
    assert_int_equal(mlpb_model_meta_count(a), mlpb_model_meta_count(b));
    for (size_t i = 0; i < mlpb_model_meta_count(a); i++) {
        const char *ka, *va, *kb, *vb;
        assert_int_equal(mlpb_model_meta_at(a, i, &ka, &va), MLPB_OK);
        assert_int_equal(mlpb_model_meta_at(b, i, &kb, &vb), MLPB_OK);
        assert_string_equal(ka, kb);
        assert_string_equal(va, vb);
    }
}

/* ------------------------------------------------------------- tests */
static void test_names_round_trip(void **state)
{
    (void)state;
    mlpb_model *m = named_model(3);
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    /* Header 52, section: names 3+3 (4+3, 4+6, 4+3, 4+4, 4+3) = 35, count 4,
     * entries (4+6+4+22) + (4+5+4+0) + (4+3+4+3) = 63: 102, padded to 104. */
    assert_int_equal(r32(img + 44), 104);
    assert_int_equal(r32(img + 36), 7); /* std, input names, output names */
    mlpb_model *r;
    assert_int_equal(mlpb_model_load_mem(img, len, NULL, &r), MLPB_OK);
    assert_same_strings(m, r);
    assert_int_equal(mlpb_model_file_size(r), len);
    unsigned char *again = mlpbt_model_image(r, &len);
    assert_memory_equal(again, img, len);
    free(again);
    mlpb_model_destroy(r);

    char dir[PATH_MAX], path[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "ionames");
    mlpbt_path_in(path, sizeof path, dir, "m.mlpb");
    assert_int_equal(mlpb_model_save(m, path), MLPB_OK);
    assert_int_equal(mlpb_model_verify_file(path), MLPB_OK);
    assert_int_equal(mlpb_model_load(path, NULL, &r), MLPB_OK);
    assert_same_strings(m, r);
    size_t np;
    const float *pr = mlpb_model_params(r, &np);
    assert_memory_equal(pr, mlpb_model_params(m, NULL), np * sizeof(float));
    mlpb_model_destroy(r);
    /* Removing everything gives the 4-byte empty section again. */
    assert_int_equal(mlpb_model_set_input_names(m, NULL), MLPB_OK);
    assert_int_equal(mlpb_model_set_output_names(m, NULL), MLPB_OK);
    while (mlpb_model_meta_count(m) > 0) {
        const char *k;
        assert_int_equal(mlpb_model_meta_at(m, 0, &k, NULL), MLPB_OK);
        assert_int_equal(mlpb_model_set_meta(m, k, NULL), MLPB_OK);
    }
    free(img);
    img = mlpbt_model_image(m, &len);
    assert_int_equal(r32(img + 44), 4);
    assert_int_equal(r32(img + 36), 1);
    free(img);
    mlpbt_remove_tmpdir(dir);
    mlpb_model_destroy(m);
}

static void test_names_every_truncation_and_flip(void **state)
{
    (void)state;
    mlpb_model *m = named_model(5);
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(load_status(img, cut), MLPB_E_TRUNCATED);
    const unsigned char masks[] = {0xff, 0x01, 0x80};
    const size_t sect_end = 52 + r32(img + 44);
    for (size_t pos = 52; pos < len; pos++) {
        for (size_t k = 0; k < sizeof masks; k++) {
            img[pos] ^= masks[k];
            assert_int_equal(load_status(img, len), MLPB_E_CHECKSUM);
            if (pos < sect_end) {
                /* With the CRC fixed, the section check sees the damage: most
                 * flips break a length, UTF-8 or padding; some give another
                 * valid string (a letter changed), which loads. */
                unsigned char *copy = malloc(len);
                assert_non_null(copy);
                memcpy(copy, img, len);
                fix_crc(copy, len);
                const mlpb_status s = load_status(copy, len);
                assert_true(s == MLPB_E_CORRUPT || s == MLPB_OK);
                free(copy);
            }
            img[pos] ^= masks[k];
        }
    }
    assert_int_equal(load_status(img, len), MLPB_OK);
    free(img);
    mlpb_model_destroy(m);
}

/* Build an image of sizes {3,4,2}, no std, with the section bytes given,
 * the length field set to sect_len (usually the real length). */
static unsigned char *image_with_section(const unsigned char *sect, size_t n,
                                         uint64_t sect_len, uint32_t flags, size_t *len)
{
    mlpb_model *m = mlpbt_model(small_sizes, 3, 9);
    size_t plain;
    unsigned char *base = mlpbt_model_image(m, &plain); /* section: 4 bytes */
    mlpb_model_destroy(m);
    *len = plain - 4 + n;
    unsigned char *img = malloc(*len);
    assert_non_null(img);
    memcpy(img, base, 52);
    memcpy(img + 52, sect, n);
    memcpy(img + 52 + n, base + 56, plain - 56);
    w32(img, 36, flags);
    w64(img, 44, sect_len);
    fix_crc(img, *len);
    free(base);
    return img;
}

/* A section with input names given as (length, bytes), no output names, and
 * the metadata entries given; padded to 4 bytes. */
typedef struct sect {
    unsigned char b[1024];
    size_t n;
} sect;

static void put_str(sect *s, uint32_t len, const char *p, size_t real)
{
    s->n = w32(s->b, s->n, len);
    memcpy(s->b + s->n, p, real);
    s->n += real;
}

static void pad(sect *s)
{
    while (s->n % 4 != 0)
        s->b[s->n++] = 0;
}

static mlpb_status section_status(sect *s, uint32_t flags)
{
    size_t len;
    unsigned char *img = image_with_section(s->b, s->n, s->n, flags, &len);
    const mlpb_status st = load_status(img, len);
    free(img);
    return st;
}

static void test_names_crafted_sections(void **state)
{
    (void)state;
    sect s;
    /* Valid: three input names, two entries. */
#define NAMES3()                                                                   \
    do {                                                                           \
        s.n = 0;                                                                   \
        put_str(&s, 1, "a", 1);                                                    \
        put_str(&s, 1, "b", 1);                                                    \
        put_str(&s, 1, "c", 1);                                                    \
    } while (0)
    NAMES3();
    s.n = w32(s.b, s.n, 2);
    put_str(&s, 1, "k", 1);
    put_str(&s, 1, "v", 1);
    put_str(&s, 2, "k2", 2);
    put_str(&s, 0, "", 0);
    pad(&s);
    assert_int_equal(section_status(&s, 2), MLPB_OK);
    /* The same bytes without the names flag: the names read as a count. */
    assert_int_equal(section_status(&s, 0), MLPB_E_CORRUPT);
    /* ... with the output-names flag too: two names short. */
    assert_int_equal(section_status(&s, 6), MLPB_E_CORRUPT);

    /* Each name: empty, too long, running past the section, bad UTF-8, NUL. */
    static const struct {
        uint32_t len;
        const char *bytes;
        size_t real;
    } bad[] = {
        {0, "", 0},
        {MLPB_NAME_MAX + 1, "x", 1},
        {0xffffffffu, "x", 1},
        {40, "x", 1},
        {2, "\xc0\x80", 2},
        {3, "\xed\xa0\x80", 3},
        {1, "\x80", 1},
        {3, "a\0b", 3},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        s.n = 0;
        put_str(&s, 1, "a", 1);
        put_str(&s, bad[i].len, bad[i].bytes, bad[i].real);
        put_str(&s, 1, "c", 1);
        s.n = w32(s.b, s.n, 0);
        pad(&s);
        assert_int_equal(section_status(&s, 2), MLPB_E_CORRUPT);
    }
    /* Metadata: too many entries, key empty or too long, value too long (no
     * allocation of its claimed 4 GB), bad UTF-8 in a value, duplicate key. */
    const uint32_t counts[] = {MLPB_META_MAX_ENTRIES + 1, 0xffffffffu, 5};
    for (size_t i = 0; i < 3; i++) {
        s.n = w32(s.b, 0, counts[i]);
        put_str(&s, 1, "k", 1);
        put_str(&s, 1, "v", 1);
        assert_int_equal(section_status(&s, 0), MLPB_E_CORRUPT);
    }
    const struct {
        uint32_t kl;
        const char *k;
        uint32_t vl;
        const char *v;
    } entries[] = {
        {0, "", 1, "v"},
        {MLPB_META_KEY_MAX + 1, "k", 1, "v"},
        {1, "k", MLPB_META_VALUE_MAX + 1, "v"},
        {1, "k", 0xfffffff0u, "v"},
        {1, "k", 2, "\xc3("},
        {1, "\xff", 1, "v"},
    };
    for (size_t i = 0; i < sizeof entries / sizeof *entries; i++) {
        s.n = w32(s.b, 0, 1);
        put_str(&s, entries[i].kl, entries[i].k, strlen(entries[i].k));
        put_str(&s, entries[i].vl, entries[i].v, strlen(entries[i].v));
        pad(&s);
        assert_int_equal(section_status(&s, 0), MLPB_E_CORRUPT);
    }
    s.n = w32(s.b, 0, 3);
    put_str(&s, 3, "key", 3);
    put_str(&s, 1, "1", 1);
    put_str(&s, 4, "key2", 4);
    put_str(&s, 1, "2", 1);
    const size_t third = s.n + 4;
    put_str(&s, 3, "key", 3);
    put_str(&s, 1, "3", 1);
    pad(&s);
    assert_int_equal(section_status(&s, 0), MLPB_E_CORRUPT);
    memcpy(s.b + third, "kez", 3); /* no longer a duplicate */
    assert_int_equal(section_status(&s, 0), MLPB_OK);

    /* Padding: non-zero, or a whole spare word. */
    s.n = w32(s.b, 0, 1);
    put_str(&s, 1, "k", 1);
    put_str(&s, 1, "v", 1);
    pad(&s);
    assert_int_equal(section_status(&s, 0), MLPB_OK);
    s.b[s.n - 1] = 1;
    assert_int_equal(section_status(&s, 0), MLPB_E_CORRUPT);
    s.b[s.n - 1] = 0;
    s.n = w32(s.b, s.n, 0);
    assert_int_equal(section_status(&s, 0), MLPB_E_CORRUPT);

    /* The length field: not a multiple of 4, below 4, beyond any bound. */
    s.n = w32(s.b, 0, 0);
    size_t len;
    const uint64_t lens[] = {2, 0, 5, (uint64_t)1 << 60};
    for (size_t i = 0; i < 4; i++) {
        unsigned char *img = image_with_section(s.b, s.n, lens[i], 0, &len);
        assert_int_equal(load_status(img, len), MLPB_E_CORRUPT);
        free(img);
    }
    /* A length that is possible but wrong: the total no longer matches. */
    unsigned char *img = image_with_section(s.b, s.n, 8, 0, &len);
    assert_int_equal(load_status(img, len), MLPB_E_TRUNCATED);
    free(img);
    /* Names flags in a version-1 header are unknown flags. */
    img = image_with_section(s.b, s.n, 4, 2, &len);
    w32(img, 4, 1);
    fix_crc(img, len);
    assert_int_equal(load_status(img, len), MLPB_E_CORRUPT);
    free(img);
#undef NAMES3
}

/* The float stored little-endian at p, decoded without the library. */
static float rf32(const unsigned char *p)
{
    const uint32_t u = r32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* tests/data/model-v1.mlpb was written by mlpblas 0.1 (format version 1):
 * sizes {3, 4, 2}, a standardisation, no names. It loads, predicts what
 * the double-precision network of the file's own floats predicts (decoded
 * here from the bytes, not by the loader) to within the float rounding bound
 * of mlpbt_ref_logits_bound, on any CPU and BLAS kernel, and re-saves as
 * version 2 with the same parameters. */
static void test_names_version1_file_loads(void **state)
{
    (void)state;
    mlpb_model *m;
    const char *path = MLPB_TEST_DATA_DIR "/model-v1.mlpb";
    assert_int_equal(mlpb_model_verify_file(path), MLPB_OK);
    assert_int_equal(mlpb_model_load(path, NULL, &m), MLPB_OK);
    assert_null(mlpb_model_input_name(m, 0));
    assert_int_equal(mlpb_model_meta_count(m), 0);
    /* Version 1: a 44-byte header, mean[3] and std[3], then W0 b0 W1 b1
     * (3*4 + 4 + 4*2 + 2 = 26 floats), then the CRC. */
    size_t v1_len;
    unsigned char *v1 = mlpbt_read_file(path, &v1_len);
    assert_int_equal(v1_len, 44 + 4 * (6 + 26) + 4);
    double dmean[3], dsd[3], dp[26];
    for (size_t j = 0; j < 3; j++) {
        dmean[j] = (double)rf32(v1 + 44 + 4 * j);
        dsd[j] = (double)rf32(v1 + 56 + 4 * j);
    }
    for (size_t j = 0; j < 26; j++)
        dp[j] = (double)rf32(v1 + 68 + 4 * j);
    const mlpbt_net net = {small_sizes, 3, dp, dmean, dsd};
    const float x[12] = {0x0p+0f,  -0x1p-2f, -0x1p-1f, 0x1.8p-1f, 0x1p-1f,  -0x1p+0f,
                         0x1p-2f,  0x0p+0f,  -0x1p-2f, 0x1p+0f,   -0x1p-1f, -0x1.8p-1f};
    double z[8], zerr[8];
    mlpbt_ref_logits_bound(&net, x, 4, z, zerr);
    /* What 0.1 printed on the machine that wrote the file: another float
     * evaluation of the same network, so within twice the bound of z. */
    const float v01[8] = {0x1.9c3af2p-1f, 0x1.718746p-1f, 0x1.ca42dp-1f,  0x1.9d82fep-1f,
                          0x1.ab259p-1f,  0x1.7ea092p-1f, 0x1.9521aep-1f, 0x1.6b91a2p-1f};
    float prob[8], logit[8];
    mlpb_workspace *ws;
    assert_int_equal(mlpb_workspace_create(m, 4, NULL, &ws), MLPB_OK);
    /* The BLAS products, then oneDNN's (which sum in another order) where
     * it is built: the same bound holds for both. */
    for (int g = 0; g < 2; g++) {
        if (mlpb_workspace_set_gemm(ws, g == 0 ? MLPB_GEMM_BLAS : MLPB_GEMM_ONEDNN) != MLPB_OK)
            continue;
        assert_int_equal(mlpb_predict_logits(m, ws, x, 4, logit), MLPB_OK);
        assert_int_equal(mlpb_predict(m, ws, x, 4, prob), MLPB_OK);
        for (size_t i = 0; i < 8; i++) {
            const double pz = 1.0 / (1.0 + exp(-z[i])), pb = mlpbt_prob_bound(z[i], zerr[i]);
            if (!(fabs((double)logit[i] - z[i]) <= zerr[i] && fabs((double)prob[i] - pz) <= pb &&
                  fabs((double)v01[i] - pz) <= pb)) {
                print_error("output %zu: logit %.9g prob %.9g (0.1: %.9g), reference %.17g "
                            "(bound %.3g) prob %.17g (bound %.3g)\n",
                            i, (double)logit[i], (double)prob[i], (double)v01[i], z[i], zerr[i],
                            pz, pb);
                fail();
            }
        }
    }
    assert_int_equal(mlpb_workspace_set_gemm(ws, MLPB_GEMM_BLAS), MLPB_OK);
    assert_int_equal(mlpb_predict(m, ws, x, 4, prob), MLPB_OK);
    const float mean[3] = {1.0f, -2.0f, 0.5f}, sd[3] = {2.0f, 0.25f, 1.5f};
    assert_memory_equal(mlpb_model_mean(m), mean, sizeof mean);
    assert_memory_equal(mlpb_model_std(m), sd, sizeof sd);

    size_t len;
    unsigned char *v2 = mlpbt_model_image(m, &len);
    assert_int_equal(len, v1_len + 12); /* section length and an empty section */
    assert_int_equal(r32(v2 + 4), 2);
    /* Same floats after the header: v1's from 44, v2's from 56. */
    assert_memory_equal(v2 + 56, v1 + 44, v1_len - 44 - 4);
    mlpb_model *r;
    assert_int_equal(mlpb_model_load_mem(v2, len, NULL, &r), MLPB_OK);
    float prob2[8];
    assert_int_equal(mlpb_predict(r, ws, x, 4, prob2), MLPB_OK);
    assert_memory_equal(prob2, prob, sizeof prob); /* same machine, same products */
    mlpb_model_destroy(r);
    mlpb_model *h;
    assert_int_equal(mlpb_model_load_header(path, NULL, &h), MLPB_OK);
    assert_int_equal(mlpb_model_n_inputs(h), 3);
    assert_memory_equal(mlpb_model_std(h), sd, sizeof sd);
    mlpb_model_destroy(h);
    mlpb_workspace_destroy(ws);
    free(v1);
    free(v2);
    mlpb_model_destroy(m);
}

/* CRC-32 of n zero bytes, by doubling with crc32_combine. */
static uint32_t crc_zeros(uint64_t n)
{
    uLong result = crc32(0L, Z_NULL, 0), block;
    unsigned char z = 0;
    block = crc32(0L, &z, 1); /* CRC of 2^0 zeros */
    uint64_t len = 1;
    int have = 0;
    while (n > 0) {
        if (n & 1) {
            result = have ? crc32_combine(result, block, (z_off_t)len) : block;
            have = 1;
        }
        block = crc32_combine(block, block, (z_off_t)len);
        len *= 2;
        n >>= 1;
    }
    return (uint32_t)result;
}

/* A sparse file whose valid header claims 500000 x 4000 x 1 (2e9 weights,
 * 8 GB) with names and metadata and a valid CRC: the header-only load reads
 * shapes, names and metadata with a few MB (the standardisation-sized block
 * of 2 d floats and the names), never the parameters. */
static void test_names_header_only_huge(void **state)
{
    (void)state;
    const size_t d = 500000;
    mlpb_model *small = mlpbt_model(small_sizes, 3, 1);
    assert_int_equal(mlpb_model_set_meta(small, "schema", "huge"), MLPB_OK);
    const char *out[] = {"y0", "y1"};
    assert_int_equal(mlpb_model_set_output_names(small, out), MLPB_OK);
    size_t slen;
    unsigned char *simg = mlpbt_model_image(small, &slen);
    mlpb_model_destroy(small);
    /* Header with the huge sizes and k = 1 output name. */
    unsigned char head[256];
    memcpy(head, simg, 12);
    w64(head, 12, d);
    w64(head, 20, 4000);
    w64(head, 28, 1);
    w32(head, 36, 4); /* output names only */
    w32(head, 40, 0);
    size_t at = 52;
    at = w32(head, at, 2);
    memcpy(head + at, "y0", 2);
    at += 2;
    at = w32(head, at, 1);
    at = w32(head, at, 6);
    memcpy(head + at, "schema", 6);
    at += 6;
    at = w32(head, at, 4);
    memcpy(head + at, "huge", 4);
    at += 4;
    while ((at - 52) % 4 != 0)
        head[at++] = 0;
    w64(head, 44, at - 52);
    free(simg);
    const uint64_t n_params = (uint64_t)d * 4000 + 4000 + 4000 + 1;
    const uint64_t total = at + 4 * n_params + 4;
    const uint32_t crc = (uint32_t)crc32_combine(crc32(0L, head, (uInt)at),
                                                 crc_zeros(4 * n_params), (z_off_t)(4 * n_params));
    char dir[PATH_MAX], path[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "iohuge");
    mlpbt_path_in(path, sizeof path, dir, "huge.mlpb");
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    if (ftruncate(fd, (off_t)total) != 0) {
        close(fd);
        mlpbt_remove_tmpdir(dir);
        print_message("no sparse 8 GB file here: skipped\n");
        skip();
    }
    assert_int_equal(pwrite(fd, head, at, 0), (ssize_t)at);
    unsigned char c4[4];
    w32(c4, 0, crc);
    assert_int_equal(pwrite(fd, c4, 4, (off_t)(total - 4)), 4);
    assert_int_equal(close(fd), 0);

    mlpbt_counter c;
    const mlpb_allocator a = mlpbt_counting_allocator(&c);
    mlpb_model *h;
    assert_int_equal(mlpb_model_load_header(path, &a, &h), MLPB_OK);
    print_message("header-only load of an %.1f GB file: %zu allocations, largest %zu bytes\n",
                  (double)total / 1e9, c.calls, c.largest);
    assert_true(c.largest <= 8 * d + 4096); /* 2 d floats at most */
    assert_true(c.calls <= 8);
    assert_int_equal(mlpb_model_n_inputs(h), d);
    assert_string_equal(mlpb_model_output_name(h, 0), "y0");
    assert_string_equal(mlpb_model_get_meta(h, "schema"), "huge");
    assert_false(mlpb_model_has_params(h));
    size_t np;
    assert_null(mlpb_model_params(h, &np));
    assert_int_equal(np, 0);
    assert_null(mlpb_model_grads_mut(h, &np));
    assert_int_equal(np, 0);
    assert_null(mlpb_model_grads(h, NULL));
    assert_int_equal(mlpb_model_file_size(h), 0);
    mlpb_model *cl = (mlpb_model *)&c;
    assert_int_equal(mlpb_model_clone(h, &cl), MLPB_E_INVALID_ARG);
    assert_null(cl);
    mlpb_layer layer;
    assert_int_equal(mlpb_model_layer(h, 0, &layer), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_save(h, path), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_sgd_step(h, 0.1f), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_init(h, MLPB_INIT_HE_GLOROT, 1), MLPB_E_INVALID_ARG);
    mlpb_optim_opts oo;
    mlpb_optim_opts_default(&oo);
    mlpb_optim *opt = (mlpb_optim *)&c;
    assert_int_equal(mlpb_optim_create(h, &oo, NULL, &opt), MLPB_E_INVALID_ARG);
    mlpb_model_destroy(h);
    assert_int_equal(c.live, 0);
    mlpbt_remove_tmpdir(dir);
}

/* A small header-only model refuses the passes that need parameters. */
static void test_names_header_only_refuses_passes(void **state)
{
    (void)state;
    mlpb_model *m = named_model(8);
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    mlpb_model *h;
    assert_int_equal(mlpb_model_load_header_mem(img, len, NULL, &h), MLPB_OK);
    assert_same_strings(m, h);
    assert_memory_equal(mlpb_model_mean(h), mlpb_model_mean(m), 3 * sizeof(float));
    mlpb_workspace *ws;
    assert_int_equal(mlpb_workspace_create(h, 4, NULL, &ws), MLPB_OK);
    const float x[6] = {0}, y[4] = {0};
    float p[4], loss;
    assert_int_equal(mlpb_predict(h, ws, x, 2, p), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_predict_logits(h, ws, x, 2, p), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_loss(h, ws, x, y, 2, NULL, &loss), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_loss_grad(h, ws, x, y, 2, &loss), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_copy_params(h, m), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_copy_params(m, h), MLPB_E_INVALID_ARG);
    unsigned char buf[1024];
    assert_int_equal(mlpb_model_save_mem(h, buf, sizeof buf), MLPB_E_INVALID_ARG);
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    const mlpb_dataset ds = {x, y, NULL, 2};
    assert_int_equal(mlpb_train(h, &ds, NULL, &o, NULL, NULL), MLPB_E_INVALID_ARG);
    /* Names and metadata can still be changed. */
    assert_int_equal(mlpb_model_set_meta(h, "new", "1"), MLPB_OK);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(h);
    free(img);
    mlpb_model_destroy(m);
}

/* verify_file agrees with load on every flipped byte and truncation. */
static void test_names_verify_file(void **state)
{
    (void)state;
    mlpb_model *m = named_model(12);
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    char dir[PATH_MAX], path[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "ioverify");
    mlpbt_path_in(path, sizeof path, dir, "m.mlpb");
    for (size_t pos = 0; pos < len; pos += 3) {
        img[pos] ^= 0x5a;
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(img, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
        mlpb_model *r = NULL;
        const mlpb_status s = mlpb_model_load(path, NULL, &r);
        mlpb_model_destroy(r);
        assert_int_not_equal(s, MLPB_OK);
        assert_int_equal(mlpb_model_verify_file(path), s);
        img[pos] ^= 0x5a;
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, len - 1, f), len - 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(mlpb_model_verify_file(path), MLPB_E_TRUNCATED);
    assert_int_equal(mlpb_model_verify_file(dir), MLPB_E_IO);
    assert_int_equal(mlpb_model_verify_file(NULL), MLPB_E_INVALID_ARG);
    mlpbt_path_in(path, sizeof path, dir, "missing");
    errno = 0;
    assert_int_equal(mlpb_model_verify_file(path), MLPB_E_IO);
    assert_int_equal(errno, ENOENT);
    mlpbt_remove_tmpdir(dir);
    free(img);
    mlpb_model_destroy(m);
}

/* Every allocation of a load (full and header-only) of a named model failing
 * in turn: MLPB_E_NOMEM and nothing left. */
static void test_names_oom_loop(void **state)
{
    (void)state;
    mlpb_model *m = named_model(13);
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    for (int header = 0; header <= 1; header++) {
        size_t fail = 0;
        for (;; fail++) {
            mlpbt_counter c;
            const mlpb_allocator a = mlpbt_counting_allocator(&c);
            c.fail_at = fail;
            mlpb_model *r = (mlpb_model *)&c;
            const mlpb_status s = header ? mlpb_model_load_header_mem(img, len, &a, &r)
                                         : mlpb_model_load_mem(img, len, &a, &r);
            if (s == MLPB_OK) {
                assert_same_strings(m, r);
                mlpb_model_destroy(r);
                assert_int_equal(c.live, 0);
                break;
            }
            assert_int_equal(s, MLPB_E_NOMEM);
            assert_null(r);
            assert_int_equal(c.live, 0);
        }
        /* model blocks 2, names 2, entries 3 and their array */
        assert_true(fail >= 7);
    }
    free(img);
    mlpb_model_destroy(m);
}


/* The example of docs/model-format.md, byte for byte. */
static void test_names_doc_example(void **state)
{
    (void)state;
    static const unsigned char doc[140] = {
        0x4d, 0x4c, 0x50, 0x42, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x61, 0x01, 0x00, 0x00, 0x00, 0x62, 0x01, 0x00, 0x00, 0x00, 0x79, 0x01, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x6b, 0x01, 0x00, 0x00, 0x00, 0x76, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x20, 0x41, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x80, 0x40, 0x00, 0x00,
        0x00, 0x3f, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x80, 0x3e,
        0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3e, 0x00, 0x00,
        0xc0, 0x3f, 0x00, 0x00, 0x40, 0xbf, 0xcd, 0xcc, 0xcc, 0x3d, 0xfe, 0x0d, 0x4d, 0xfe};
    const size_t sizes[] = {2, 2, 1};
    mlpb_model *m = mlpbt_model(sizes, 3, 1);
    const float mean[2] = {10, -2}, sd[2] = {4, 0.5f};
    assert_int_equal(mlpb_model_set_standardization(m, mean, sd), MLPB_OK);
    const float v[9] = {0.5f, -1, 0.25f, 2, 0, 0.125f, 1.5f, -0.75f, 0.1f};
    memcpy(mlpb_model_params(m, NULL), v, sizeof v);
    const char *in[] = {"a", "b"}, *out[] = {"y"};
    assert_int_equal(mlpb_model_set_input_names(m, in), MLPB_OK);
    assert_int_equal(mlpb_model_set_output_names(m, out), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "k", "v"), MLPB_OK);
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    assert_int_equal(len, sizeof doc);
    assert_memory_equal(img, doc, sizeof doc);
    assert_int_equal((uint32_t)crc32(0L, doc, 136), 0xfe4d0dfeu);
    free(img);
    mlpb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_names_every_truncation_and_flip),
        cmocka_unit_test(test_names_crafted_sections),
        cmocka_unit_test(test_names_version1_file_loads),
        cmocka_unit_test(test_names_header_only_huge),
        cmocka_unit_test(test_names_header_only_refuses_passes),
        cmocka_unit_test(test_names_verify_file),
        cmocka_unit_test(test_names_oom_loop),
        cmocka_unit_test(test_names_doc_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
