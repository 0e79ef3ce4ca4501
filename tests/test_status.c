/* test_status.c -- status strings and the version of the linked library. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

static void test_status_strings_distinct(void **state)
{
    (void)state;
    const char *seen[14];
    for (int s = MLPB_OK; s <= MLPB_E_UNSUPPORTED; s++) {
        const char *msg = mlpb_strerror((mlpb_status)s);
        assert_non_null(msg);
        assert_true(strlen(msg) > 3);
        for (int t = 0; t < s; t++)
            assert_string_not_equal(msg, seen[t]);
        seen[s] = msg;
    }
    assert_string_equal(mlpb_strerror((mlpb_status)999), "unknown status");
}

static void test_status_codes_pinned(void **state)
{
    (void)state;
    /* Values are part of the ABI: they must never move. */
    assert_int_equal(MLPB_OK, 0);
    assert_int_equal(MLPB_E_INVALID_ARG, 1);
    assert_int_equal(MLPB_E_OVERFLOW, 2);
    assert_int_equal(MLPB_E_NOMEM, 3);
    assert_int_equal(MLPB_E_NUMERIC, 4);
    assert_int_equal(MLPB_E_IO, 5);
    assert_int_equal(MLPB_E_FORMAT, 6);
    assert_int_equal(MLPB_E_VERSION, 7);
    assert_int_equal(MLPB_E_TRUNCATED, 8);
    assert_int_equal(MLPB_E_CHECKSUM, 9);
    assert_int_equal(MLPB_E_CORRUPT, 10);
    assert_int_equal(MLPB_E_TRAILING, 11);
    assert_int_equal(MLPB_E_MISMATCH, 12);
    assert_int_equal(MLPB_E_UNSUPPORTED, 13);
}

static void test_status_version(void **state)
{
    (void)state;
    assert_int_equal(mlpb_version_number(), MLPB_VERSION_NUMBER);
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", MLPB_VERSION_MAJOR, MLPB_VERSION_MINOR,
             MLPB_VERSION_PATCH);
    assert_string_equal(mlpb_version_string(), buf);
}

static void test_status_blas_threads(void **state)
{
    (void)state;
    const int before = mlpb_blas_threads();
    assert_true(before >= 1);
    mlpb_blas_set_threads(1);
    assert_int_equal(mlpb_blas_threads(), 1);
    mlpb_blas_set_threads(0); /* ignored */
    assert_int_equal(mlpb_blas_threads(), 1);
    mlpb_blas_set_threads(before);
    assert_int_equal(mlpb_blas_threads(), before);
    assert_non_null(mlpb_blas_config());
    assert_true(strlen(mlpb_blas_config()) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_strings_distinct),
        cmocka_unit_test(test_status_codes_pinned),
        cmocka_unit_test(test_status_version),
        cmocka_unit_test(test_status_blas_threads),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
