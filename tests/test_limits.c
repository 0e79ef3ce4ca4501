/* test_limits.c -- sizes at and beyond the limits: dimensions whose products
 * do not fit a BLAS int or whose byte counts overflow, batch counts whose
 * cell counts overflow, and data files whose few bytes describe enormous
 * matrices. Each must be refused with a clear status before any large
 * allocation is attempted. */
#include "testutil.h"

#include "read/data.h"
#include "mlpb_internal.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* An allocator that records every request and refuses anything above
 * 64 MiB: a size check that is missing shows up as a refused request (and
 * not as the machine running out of memory). */
typedef struct refuser {
    size_t calls, largest, live;
} refuser;

#define REFUSE_ABOVE ((size_t)64 << 20)

static void *refusing_alloc(void *ctx, size_t size, size_t align)
{
    refuser *r = ctx;
    r->calls++;
    if (size > r->largest)
        r->largest = size;
    if (size > REFUSE_ABOVE)
        return NULL;
    void *p = aligned_alloc(align, (size + align - 1) / align * align);
    if (p != NULL)
        r->live++;
    return p;
}

static void refusing_free(void *ctx, void *p)
{
    refuser *r = ctx;
    if (p != NULL) {
        r->live--;
        free(p);
    }
}

static mlpb_allocator refusing(refuser *r)
{
    memset(r, 0, sizeof *r);
    const mlpb_allocator a = {refusing_alloc, refusing_free, r};
    return a;
}

/* create with these sizes must give want, and allocate nothing. */
static void expect_create(const size_t *sizes, size_t n, mlpb_status want)
{
    refuser r;
    const mlpb_allocator a = refusing(&r);
    const mlpb_config cfg = {sizes, n, 1, MLPB_INIT_HE_GLOROT};
    mlpb_model *m = (mlpb_model *)&r;
    const mlpb_status s = mlpb_model_create(&cfg, &a, &m);
    if (s != want || r.calls != 0)
        print_message("sizes {%zu, %zu, ...}: status %d, %zu allocations, largest %zu\n", sizes[0],
                      sizes[1], (int)s, r.calls, r.largest);
    assert_int_equal(s, want);
    assert_null(m);
    assert_int_equal(r.calls, 0);
}

/* Every layer's in x out weight matrix must fit a BLAS int (as the header
 * documents, and as model files require); sizes must fit one too. */
static void test_limits_model_sizes(void **state)
{
    (void)state;
    const size_t imax = (size_t)INT_MAX;
    const size_t too_wide[] = {imax + 1, 1, 1};
    const size_t huge[] = {SIZE_MAX, 1, 1};
    const size_t square_2_32[] = {(size_t)1 << 16, (size_t)1 << 16, 1};
    const size_t just_over[] = {46341, 46341, 1}; /* 2147488281 weights */
    const size_t out_layer[] = {1, 2, (size_t)1 << 31};
    const size_t deep_over[] = {4, 46341, 46341, 2};
    expect_create(too_wide, 3, MLPB_E_OVERFLOW);
    expect_create(huge, 3, MLPB_E_OVERFLOW);
    expect_create(out_layer, 3, MLPB_E_OVERFLOW);
    expect_create(square_2_32, 3, MLPB_E_OVERFLOW);
    expect_create(just_over, 3, MLPB_E_OVERFLOW);
    expect_create(deep_over, 4, MLPB_E_OVERFLOW);

    /* 46340^2 = 2147395600 <= INT_MAX: a legal shape, so the (refused)
     * request for its ~17 GB is the allocator's to answer. */
    refuser r;
    const mlpb_allocator a = refusing(&r);
    const size_t legal[] = {46340, 46340, 1};
    const mlpb_config cfg = {legal, 3, 1, MLPB_INIT_HE_GLOROT};
    mlpb_model *m = NULL;
    assert_int_equal(mlpb_model_create(&cfg, &a, &m), MLPB_E_NOMEM);
    assert_null(m);
    assert_true(r.largest >= (size_t)46340 * 46340 * 2 * sizeof(float));
    assert_int_equal(r.live, 0);
}

/* Workspace byte counts: max_batch rows of every width. A fake model header
 * carries the widest legal shape, {1, INT_MAX, 1}, whose arenas could never
 * be allocated here; workspace_create reads only the sizes. */
static void test_limits_workspace_sizes(void **state)
{
    (void)state;
    size_t sizes[] = {1, (size_t)INT_MAX, 1};
    mlpb_model fake;
    memset(&fake, 0, sizeof fake);
    fake.n_sizes = 3;
    fake.n_layers = 2;
    fake.sizes = sizes;
    refuser r;
    const mlpb_allocator a = refusing(&r);
    mlpb_workspace *ws = (mlpb_workspace *)&r;
    /* Rows beyond a BLAS int. */
    assert_int_equal(mlpb_workspace_create(&fake, (size_t)INT_MAX + 1, &a, &ws), MLPB_E_OVERFLOW);
    assert_null(ws);
    /* INT_MAX rows of INT_MAX floats (three times): 2^64 bytes and more. */
    ws = (mlpb_workspace *)&r;
    assert_int_equal(mlpb_workspace_create(&fake, (size_t)INT_MAX, &a, &ws), MLPB_E_OVERFLOW);
    assert_null(ws);
    assert_int_equal(r.calls, 0);
    /* Four rows: ~100 GB, representable, so refused by the allocator. */
    assert_int_equal(mlpb_workspace_create(&fake, 4, &a, &ws), MLPB_E_NOMEM);
    assert_null(ws);
    assert_int_equal(r.live, 0);
}

/* Row counts whose cell counts overflow: refused before x is read (the
 * pointers here are valid for a handful of floats only). */
static void test_limits_batch_counts(void **state)
{
    (void)state;
    const size_t s[] = {3, 4, 2};
    mlpb_model *m = mlpbt_model(s, 3, 5);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 8, NULL, &ws), MLPB_OK);
    float x[8] = {0}, y[8] = {0}, out[8], loss = 0.0f;
    const size_t n = SIZE_MAX / 2; /* n * 3 and n * 2 overflow */
    assert_int_equal(mlpb_predict(m, ws, x, n, out), MLPB_E_OVERFLOW);
    assert_int_equal(mlpb_predict_logits(m, ws, x, n, out), MLPB_E_OVERFLOW);
    assert_int_equal(mlpb_loss(m, ws, x, y, n, NULL, &loss), MLPB_E_OVERFLOW);
    assert_int_equal(mlpb_model_fit_standardization(m, x, n), MLPB_E_OVERFLOW);
    /* n * k overflows: metrics call it an impossible argument. */
    refuser r;
    const mlpb_allocator a = refusing(&r);
    mlpb_metrics mean;
    assert_int_equal(mlpb_metrics_compute(x, y, n, 2, &a, NULL, &mean, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(r.calls, 0);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* Model files whose headers claim 2^40 parameters (one 2^20 x 2^20 layer)
 * or 2^36 (63 legal layers): refused from the header and the real length,
 * with no allocation. */
static void test_limits_model_file_claims(void **state)
{
    (void)state;
    unsigned char img[12 + 8 * 64 + 8 + 64];
    const uint64_t wide[3] = {(uint64_t)1 << 20, (uint64_t)1 << 20, 1};
    const struct {
        const uint64_t *sizes;
        uint32_t n;
        mlpb_status want;
    } cases[] = {
        {wide, 3, MLPB_E_CORRUPT}, {NULL, 64, MLPB_E_TRUNCATED}, /* 64 sizes of 46340 */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        memset(img, 0, sizeof img);
        memcpy(img, "MLPB", 4);
        img[4] = 1;
        img[8] = (unsigned char)cases[c].n;
        for (uint32_t i = 0; i < cases[c].n; i++) {
            const uint64_t v = cases[c].sizes != NULL ? cases[c].sizes[i] : 46340u;
            for (int b = 0; b < 8; b++)
                img[12 + 8 * i + (uint32_t)b] = (unsigned char)(v >> (8 * b));
        }
        /* flags, reserved and a few body bytes are zero */
        const size_t len = 12 + 8 * (size_t)cases[c].n + 8 + 64;
        refuser r;
        const mlpb_allocator a = refusing(&r);
        mlpb_model *m = (mlpb_model *)&r;
        assert_int_equal(mlpb_model_load_mem(img, len, &a, &m), cases[c].want);
        assert_null(m);
        assert_int_equal(r.calls, 0);
    }
}

/* The data readers use malloc directly, so their appetite is measured in a
 * child process under an address-space limit. Sanitizers reserve terabytes of
 * shadow memory, which such a limit forbids: skipped there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MLPB_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define MLPB_TEST_SANITIZED 1
#endif
#endif

#ifndef MLPB_TEST_SANITIZED
/* What a read in a child process gave. */
typedef struct limited {
    int status; /* -1: the child died */
    size_t n, d, k;
    int has_message; /* err was not empty */
} limited;

/* The child's address space now, in bytes (from /proc/self/statm). */
static size_t address_space_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f != NULL) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* Read len bytes of text in a child whose address space may grow by at most
 * extra_mb beyond what it already has (libraries, the text itself). */
static limited read_limited(const char *text, size_t len, const char *name, const cli_data_opts *o,
                            size_t extra_mb)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        limited out = {100, 0, 0, 0, 0};
        const rlim_t cap = (rlim_t)(address_space_now() + (extra_mb << 20));
        const struct rlimit lim = {cap, cap};
        cli_data d;
        char err[256];
        if (address_space_now() > 0 && setrlimit(RLIMIT_AS, &lim) == 0) {
            out.status = (int)cli_data_read_mem(text, len, name, o, &d, err, sizeof err);
            out.n = d.n;
            out.d = d.d;
            out.k = d.k;
            out.has_message = err[0] != '\0';
            cli_data_free(&d);
        }
        if (write(fds[1], &out, sizeof out) != (ssize_t)sizeof out)
            _exit(2);
        _exit(0);
    }
    close(fds[1]);
    limited got;
    const ssize_t r = read(fds[0], &got, sizeof got);
    close(fds[0]);
    int wst;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    if (r != (ssize_t)sizeof got || !WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
        got.status = -1;
    return got;
}
#endif

/* A 13-byte LIBSVM file whose one feature index is 30 000 000 describes a
 * dense 1 x 30e6 matrix (120 MB). Reading it may succeed in a small multiple
 * of that, or be refused with a format or overflow error; it must not run
 * out of memory under 512 MB (as it did with one heap string per feature
 * name: ~1.1 GB). */
static void test_limits_libsvm_large_index(void **state)
{
    (void)state;
#ifdef MLPB_TEST_SANITIZED
    skip();
#else
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.format = CLI_FORMAT_LIBSVM;
    const char *text = "1 30000000:1\n";
    const limited r = read_limited(text, strlen(text), "wide.svm", &o, 512);
    print_message("1 30000000:1 within 512 MB more: status %d, n %zu d %zu\n", r.status, r.n, r.d);
    assert_true(r.status >= 0);
    if (r.status == MLPB_OK) {
        assert_int_equal(r.n, 1);
        assert_int_equal(r.d, 30000000);
    } else {
        assert_true(r.status == MLPB_E_FORMAT || r.status == MLPB_E_OVERFLOW);
        assert_true(r.has_message);
    }
#endif
}

/* A CSV field of 24 MB read with only 16 MB of room to grow: the reader runs
 * out of memory growing its field buffer, and must say so in the message
 * (every failure writes one line to err). */
static void test_limits_csv_out_of_memory_message(void **state)
{
    (void)state;
#ifdef MLPB_TEST_SANITIZED
    skip();
#else
    const size_t field = (size_t)24 << 20;
    char *text = malloc(field + 16);
    assert_non_null(text);
    memcpy(text, "a,y\n", 4);
    memset(text + 4, '1', field);
    memcpy(text + 4 + field, ",0\n", 3);
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.format = CLI_FORMAT_CSV;
    const limited r = read_limited(text, field + 7, "long.csv", &o, 16);
    free(text);
    print_message("24 MB field within 16 MB more: status %d, message %s\n", r.status,
                  r.has_message ? "written" : "EMPTY");
    assert_true(r.status >= 0);
    assert_true(r.status != MLPB_OK); /* 24 MB of digits is not a finite float anyway */
    assert_true(r.has_message);
#endif
}

/* A CSV of 200 000 columns (two rows, no header): read right, in memory
 * linear in the line length. */
static void test_limits_csv_wide_rows(void **state)
{
    (void)state;
    enum { COLS = 200000 };
    char *text = malloc(2 * (size_t)COLS * 2 + 1);
    assert_non_null(text);
    size_t at = 0;
    for (int row = 0; row < 2; row++)
        for (int j = 0; j < COLS; j++) {
            /* the last column is the label: 0, then 1 */
            text[at++] = (char)('0' + (j + 1 == COLS ? row : (j + row) % 10));
            text[at++] = j + 1 == COLS ? '\n' : ',';
        }
    text[at] = '\0';
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.format = CLI_FORMAT_CSV;
    o.header = 0;
    o.n_labels = 1;
    cli_data d;
    char err[256];
    assert_int_equal(cli_data_read_mem(text, at, "wide.csv", &o, &d, err, sizeof err), MLPB_OK);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.d, COLS - 1);
    assert_int_equal(d.k, 1);
    assert_true(d.y[0] == 0.0f && d.y[1] == 1.0f);
    for (int row = 0; row < 2; row++)
        for (int j = 0; j < COLS - 1; j++)
            assert_true(d.x[(size_t)row * (COLS - 1) + (size_t)j] == (float)((j + row) % 10));
    cli_data_free(&d);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_model_sizes),
        cmocka_unit_test(test_limits_workspace_sizes),
        cmocka_unit_test(test_limits_batch_counts),
        cmocka_unit_test(test_limits_model_file_claims),
        cmocka_unit_test(test_limits_libsvm_large_index),
        cmocka_unit_test(test_limits_csv_out_of_memory_message),
        cmocka_unit_test(test_limits_csv_wide_rows),
    };
    return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
