/* fuzz_model_load.c -- fuzz harness of mlpb_model_load_mem and
 * mlpb_model_load_header_mem. Any input must give a documented status and
 * leave *out NULL on failure; an accepted version-2 image must re-encode to
 * exactly the same bytes (a version-1 image to a version-2 image that does),
 * support a forward pass, agree with its header-only load on shapes, names
 * and metadata, and fail cleanly when any of its allocations fails. Each input is loaded twice: as
 * it is, and with its last four bytes replaced by the CRC-32 of the others,
 * so that mutations reach the checks behind the checksum too. */
#include "fuzz.h"

#include "mlpblas.h"

#include <string.h>
#include <zlib.h>

/* Fails every allocation numbered >= fail_at (0-based); counts live blocks. */
typedef struct counter {
    size_t calls, live, fail_at;
} counter;

static void *count_alloc(void *ctx, size_t size, size_t align)
{
    counter *c = ctx;
    if (c->calls++ >= c->fail_at)
        return NULL;
    void *p = aligned_alloc(align, (size + align - 1) / align * align);
    if (p != NULL)
        c->live++;
    return p;
}

static void count_free(void *ctx, void *p)
{
    counter *c = ctx;
    if (p != NULL) {
        c->live--;
        free(p);
    }
}

static int load_status_known(mlpb_status s)
{
    switch (s) {
    case MLPB_OK:
    case MLPB_E_FORMAT:
    case MLPB_E_VERSION:
    case MLPB_E_TRUNCATED:
    case MLPB_E_CHECKSUM:
    case MLPB_E_CORRUPT:
    case MLPB_E_TRAILING:
    case MLPB_E_NOMEM: return 1;
    default: return 0;
    }
}

/* A forward pass of a few rows of the loaded model must not fault, whatever
 * the parameters (NaN and infinities included). */
static void exercise(mlpb_model *m)
{
    const size_t d = mlpb_model_n_inputs(m), k = mlpb_model_n_outputs(m);
    enum { ROWS = 3 };
    float *x = malloc(ROWS * d * sizeof *x), *p = malloc(ROWS * k * sizeof *p);
    FUZZ_CHECK(x != NULL && p != NULL);
    for (size_t i = 0; i < ROWS * d; i++)
        x[i] = (float)(i % 7) - 3.0f;
    mlpb_workspace *ws = NULL;
    FUZZ_CHECK(mlpb_workspace_create(m, 2, NULL, &ws) == MLPB_OK);
    const mlpb_status s = mlpb_predict(m, ws, x, ROWS, p);
    FUZZ_CHECK(s == MLPB_OK || s == MLPB_E_NUMERIC);
    mlpb_workspace_destroy(ws);
    free(x);
    free(p);
}

/* The header-only load of any input: a documented status, nothing left on
 * failure; it accepts whatever the full load accepts. */
static void load_header_one(const uint8_t *data, size_t size, mlpb_status full)
{
    counter c = {0, 0, SIZE_MAX};
    const mlpb_allocator a = {count_alloc, count_free, &c};
    mlpb_model *m = (mlpb_model *)&c;
    const mlpb_status s = mlpb_model_load_header_mem(data, size, &a, &m);
    FUZZ_CHECK(load_status_known(s) && s != MLPB_E_CHECKSUM);
    FUZZ_CHECK(full != MLPB_OK || s == MLPB_OK);
    if (s != MLPB_OK) {
        FUZZ_CHECK(m == NULL && c.live == 0);
        FUZZ_CHECK(c.calls == 0 || s == MLPB_E_NOMEM);
        return;
    }
    FUZZ_CHECK(m != NULL);
    mlpb_model_destroy(m);
    FUZZ_CHECK(c.live == 0);
}

static void load_one(const uint8_t *data, size_t size)
{
    counter c = {0, 0, SIZE_MAX};
    const mlpb_allocator a = {count_alloc, count_free, &c};
    mlpb_model *m = (mlpb_model *)&c; /* must be overwritten */
    const mlpb_status s = mlpb_model_load_mem(data, size, &a, &m);
    FUZZ_CHECK(load_status_known(s));
    load_header_one(data, size, s);
    if (s != MLPB_OK) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(c.live == 0);
        /* Everything is validated before the first allocation. */
        FUZZ_CHECK(c.calls == 0 || s == MLPB_E_NOMEM);
        return;
    }
    FUZZ_CHECK(m != NULL);
    const size_t allocs = c.calls;

    /* The format is canonical: an accepted image re-encodes bit for bit. A
     * version-1 image becomes version 2: 8 bytes of section length and an
     * empty section of 4 bytes more, and that image re-encodes exactly. */
    const int v1 = data[4] == 1;
    const size_t want = v1 ? size + 12 : size;
    FUZZ_CHECK(mlpb_model_file_size(m) == want);
    unsigned char *again = malloc(want);
    FUZZ_CHECK(again != NULL);
    FUZZ_CHECK(mlpb_model_save_mem(m, again, want) == MLPB_OK);
    if (v1) {
        mlpb_model *m2 = NULL;
        FUZZ_CHECK(mlpb_model_load_mem(again, want, NULL, &m2) == MLPB_OK);
        unsigned char *third = malloc(want);
        FUZZ_CHECK(third != NULL);
        FUZZ_CHECK(mlpb_model_save_mem(m2, third, want) == MLPB_OK);
        FUZZ_CHECK(memcmp(again, third, want) == 0);
        free(third);
        mlpb_model_destroy(m2);
    } else {
        FUZZ_CHECK(memcmp(again, data, size) == 0);
    }
    free(again);

    /* The header-only load sees the same shapes, names and metadata. */
    mlpb_model *h = NULL;
    FUZZ_CHECK(mlpb_model_load_header_mem(data, size, NULL, &h) == MLPB_OK);
    FUZZ_CHECK(!mlpb_model_has_params(h) && mlpb_model_params(h, NULL) == NULL);
    size_t na, nb;
    const size_t *sa = mlpb_model_sizes(m, &na), *sb = mlpb_model_sizes(h, &nb);
    FUZZ_CHECK(na == nb && memcmp(sa, sb, na * sizeof *sa) == 0);
    for (size_t i = 0; i < sa[0]; i++) {
        const char *x = mlpb_model_input_name(m, i), *y = mlpb_model_input_name(h, i);
        FUZZ_CHECK((x == NULL) == (y == NULL) && (x == NULL || strcmp(x, y) == 0));
    }
    FUZZ_CHECK(mlpb_model_meta_count(m) == mlpb_model_meta_count(h));
    for (size_t i = 0; i < mlpb_model_meta_count(m); i++) {
        const char *k1, *v1s, *k2, *v2s;
        FUZZ_CHECK(mlpb_model_meta_at(m, i, &k1, &v1s) == MLPB_OK);
        FUZZ_CHECK(mlpb_model_meta_at(h, i, &k2, &v2s) == MLPB_OK);
        FUZZ_CHECK(strcmp(k1, k2) == 0 && strcmp(v1s, v2s) == 0);
        FUZZ_CHECK(mlpb_model_get_meta(m, k1) == v1s); /* keys are unique */
    }
    mlpb_model_destroy(h);
    exercise(m);
    mlpb_model_destroy(m);
    FUZZ_CHECK(c.live == 0);

    /* The same image with each allocation failing in turn: MLPB_E_NOMEM,
     * nothing left behind. */
    for (size_t k = 0; k < allocs; k++) {
        c.calls = 0;
        c.fail_at = k;
        m = (mlpb_model *)&c;
        FUZZ_CHECK(mlpb_model_load_mem(data, size, &a, &m) == MLPB_E_NOMEM);
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(c.live == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_one(data, size);
    if (size < 8)
        return 0;
    /* An exactly sized copy, so that reads past the end are still caught. */
    uint8_t *fixed = malloc(size);
    FUZZ_CHECK(fixed != NULL);
    memcpy(fixed, data, size);
    const uint32_t crc = (uint32_t)crc32(0L, fixed, (uInt)(size - 4));
    for (int i = 0; i < 4; i++)
        fixed[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    load_one(fixed, size);
    free(fixed);
    return 0;
}
