/* test_schema.c -- the schema text of the tool's models (src/cli/schema.c)
 * for LIBSVM data: version 1 (features by position) still reads, version 2
 * carries the feature numbers the inputs are as runs ("index A B"), and
 * the parser refuses a malformed list. */
#include "testutil.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>

#define HEAD(v, d)                                                                     \
    "mlpblas-schema\t" v "\nformat\tlibsvm\ntask\tbinary\nmissing\terror\ninputs\t" d \
    "\noutputs\t1\nlabel\tlabel\t0\t1\n"

static void test_schema_libsvm_v1(void **state)
{
    (void)state;
    cli_schema s;
    char       err[256], buf[32];
    assert_int_equal(cli_schema_decode(HEAD("1", "4") "end\n", &s, err, sizeof err), MLPB_OK);
    assert_null(s.svm_features);
    assert_string_equal(cli_schema_input_name(&s, 3, buf, sizeof buf), "4");
    char *text = cli_schema_encode(&s);
    assert_non_null(text);
    assert_string_equal(text, HEAD("1", "4") "end\n"); /* still version 1 */
    free(text);
    cli_schema_free(&s);
}

static void test_schema_libsvm_index(void **state)
{
    (void)state;
    cli_schema  s;
    char        err[256], buf[32];
    const char *in = HEAD("2", "5") "index\t3\nindex\t7\t9\nindex\t4000000\nend\n";
    assert_int_equal(cli_schema_decode(in, &s, err, sizeof err), MLPB_OK);
    assert_non_null(s.svm_features);
    const uint32_t want[] = {3, 7, 8, 9, 4000000};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(s.svm_features[i], want[i]);
    assert_string_equal(cli_schema_input_name(&s, 4, buf, sizeof buf), "4000000");
    char *text = cli_schema_encode(&s);
    assert_non_null(text);
    assert_string_equal(text, in);
    free(text);
    cli_schema_free(&s);

    const char *bad[] = {
        HEAD("1", "1") "index\t3\nend\n",                 /* index in version 1 */
        HEAD("2", "2") "index\t3\nindex\t3\nend\n",       /* repeated */
        HEAD("2", "2") "index\t5\nindex\t3\nend\n",       /* decreasing */
        HEAD("2", "3") "index\t3\t4\nend\n",              /* too few */
        HEAD("2", "2") "index\t3\t5\nend\n",              /* too many */
        HEAD("2", "1") "index\t4\t4\nend\n",              /* a run of one, as a run */
        HEAD("2", "1") "index\t0\nend\n",                 /* numbers start at 1 */
        HEAD("2", "1") "index\t2147483649\nend\n",        /* past 2^31 */
        HEAD("2", "1") "index\t04\nend\n",                /* not canonical */
        HEAD("2", "1") "index\tx\nend\n",
        HEAD("3", "1") "end\n",                           /* a later version */
        ("mlpblas-schema\t2\nformat\tcsv\ntask\tbinary\nmissing\terror\ninputs\t1\n"
         "outputs\t1\nlabel\ty\t0\t1\nindex\t1\nnum\ta\nend\n"), /* CSV */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (cli_schema_decode(bad[i], &s, err, sizeof err) != MLPB_E_FORMAT)
            print_error("accepted:\n%s\n", bad[i]);
        assert_int_equal(cli_schema_decode(bad[i], &s, err, sizeof err), MLPB_E_FORMAT);
        assert_true(err[0] != '\0');
        assert_null(s.svm_features);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_libsvm_v1),
        cmocka_unit_test(test_schema_libsvm_index),
    };
    return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
