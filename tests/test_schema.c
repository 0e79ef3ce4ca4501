/* test_schema.c -- the schema text of the tool's models (src/cli/schema/)
 * for LIBSVM data: version 1 (features by position) still reads, version 2
 * carries the feature numbers the inputs are as runs ("index A B"), and
 * the parser refuses a malformed list; a CSV schema that names a column
 * twice (or repeats a level or class) is refused, in O(n log n) even for
 * a million names. */
#include "testutil.h"
#include "schema/schema.h"

#include <stdio.h>
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

#define CSV_HEAD(task, d, k)                                                              \
    "mlpblas-schema\t1\nformat\tcsv\ntask\t" task "\nmissing\terror\ninputs\t" d "\noutputs\t" k \
    "\n"

/* What train writes, and never more than once. */
static void test_schema_names_distinct(void **state)
{
    (void)state;
    cli_schema s;
    char       err[256];
    const char *good[] = {
        CSV_HEAD("binary", "2", "1") "id\ti\nignore\tz\nignore\tz\nlabel\ty\t0\t1\nnum\ta\nnum\tb\n"
                                     "end\n", /* ignored twice: older models */
        CSV_HEAD("multiclass", "2", "2") "label\ty\nclass\tp\nclass\tq\ncat\ta\t2\nlevel\tu\n"
                                         "level\tv\nend\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        mlpb_status st = cli_schema_decode(good[i], &s, err, sizeof err);
        if (st != MLPB_OK)
            print_error("refused: %s\n%s\n", err, good[i]);
        assert_int_equal(st, MLPB_OK);
        cli_schema_free(&s);
    }
    struct {
        const char *text, *msg;
    } bad[] = {
        {CSV_HEAD("binary", "2", "1") "label\ty\t0\t1\nnum\ta\nnum\ta\nend\n",
         "schema: column \"a\" named twice (a feature and a feature): a model written by "
         "mlpblas names each column once"},
        {CSV_HEAD("binary", "1", "1") "label\ty\t0\t1\nnum\ty\nend\n",
         "schema: column \"y\" named twice (a label and a feature): a model written by "
         "mlpblas names each column once"},
        {CSV_HEAD("multilabel", "1", "2") "label\ty\t0\t1\nlabel\ty\t0\t1\nnum\ta\nend\n",
         "schema: column \"y\" named twice (a label and a label): a model written by "
         "mlpblas names each column once"},
        {CSV_HEAD("binary", "1", "1") "id\ta\nlabel\ty\t0\t1\nnum\ta\nend\n",
         "schema: column \"a\" named twice (the id and a feature): a model written by "
         "mlpblas names each column once"},
        {CSV_HEAD("binary", "1", "1") "ignore\ta\nlabel\ty\t0\t1\nnum\ta\nend\n",
         "schema: column \"a\" named twice (an ignored column and a feature): a model "
         "written by mlpblas names each column once"},
        {CSV_HEAD("binary", "2", "1") "label\ty\t0\t1\ncat\ta\t2\nlevel\tu\nlevel\tu\nend\n",
         "schema: level \"u\" of feature \"a\" repeated"},
        {CSV_HEAD("multiclass", "1", "2") "label\ty\nclass\tp\nclass\tp\nnum\ta\nend\n",
         "schema: class \"p\" repeated"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(cli_schema_decode(bad[i].text, &s, err, sizeof err), MLPB_E_FORMAT);
        assert_string_equal(err, bad[i].msg);
        assert_null(s.features);
    }
}

/* A schema of 2^20 features, the last a repeat of the first, and one of 1000
 * levels: refused or read in O(n log n), where a pairwise check would make
 * 5 x 10^11 comparisons (the test's time limit fails it). */
static void test_schema_names_many(void **state)
{
    (void)state;
    const size_t n   = (size_t)1 << 20;
    size_t       cap = 200 + n * 24, len = 0;
    char        *text = malloc(cap), err[256];
    assert_non_null(text);
    char head[160];
    snprintf(head, sizeof head, "mlpblas-schema\t1\nformat\tcsv\ntask\tbinary\nmissing\terror\n"
             "inputs\t%zu\noutputs\t1\nlabel\ty\t0\t1\n", n);
    len += (size_t)snprintf(text + len, cap - len, "%s", head);
    for (size_t f = 0; f + 1 < n; f++)
        len += (size_t)snprintf(text + len, cap - len, "num\tf%zu\n", f);
    size_t last = len;
    len += (size_t)snprintf(text + len, cap - len, "num\tf0\nend\n");
    cli_schema s;
    assert_int_equal(cli_schema_decode(text, &s, err, sizeof err), MLPB_E_FORMAT);
    assert_string_equal(err, "schema: column \"f0\" named twice (a feature and a feature): "
                             "a model written by mlpblas names each column once");
    snprintf(text + last, cap - last, "num\tlast\nend\n");
    assert_int_equal(cli_schema_decode(text, &s, err, sizeof err), MLPB_OK);
    assert_int_equal(s.n_features, n);
    cli_schema_free(&s);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_libsvm_v1),
        cmocka_unit_test(test_schema_libsvm_index),
        cmocka_unit_test(test_schema_names_distinct),
        cmocka_unit_test(test_schema_names_many),
    };
    return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
