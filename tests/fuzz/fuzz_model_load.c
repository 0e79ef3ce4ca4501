/* fuzz_model_load.c -- fuzz harness of mlpb_model_load_mem. Any input must
 * give a documented status and leave *out NULL on failure; an accepted image
 * must re-encode to exactly the same bytes, support a forward pass, and fail
 * cleanly when any of its allocations fails. Each input is loaded twice: as
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

static void load_one(const uint8_t *data, size_t size)
{
    counter c = {0, 0, SIZE_MAX};
    const mlpb_allocator a = {count_alloc, count_free, &c};
    mlpb_model *m = (mlpb_model *)&c; /* must be overwritten */
    const mlpb_status s = mlpb_model_load_mem(data, size, &a, &m);
    FUZZ_CHECK(load_status_known(s));
    if (s != MLPB_OK) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(c.live == 0);
        /* Everything is validated before the first allocation. */
        FUZZ_CHECK(c.calls == 0 || s == MLPB_E_NOMEM);
        return;
    }
    FUZZ_CHECK(m != NULL);
    const size_t allocs = c.calls;

    /* The format is canonical: an accepted image re-encodes bit for bit. */
    FUZZ_CHECK(mlpb_model_file_size(m) == size);
    unsigned char *again = malloc(size);
    FUZZ_CHECK(again != NULL);
    FUZZ_CHECK(mlpb_model_save_mem(m, again, size) == MLPB_OK);
    FUZZ_CHECK(memcmp(again, data, size) == 0);
    free(again);
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
