/* test_names.c -- input/output names and key/value metadata of a model:
 * setters and getters, bounds, UTF-8 validation, order, replacement and
 * removal, clone, and failing allocations. (Their place in the model file is
 * tested in test_io.c.) */
#include "testutil.h"

#include "mlpb_internal.h"

#include <stdio.h>

#include <stdlib.h>
#include <string.h>

static const size_t sizes[] = {3, 4, 2};

static void test_names_set_get(void **state)
{
    (void)state;
    mlpb_model *m = mlpbt_model(sizes, 3, 1);
    assert_null(mlpb_model_input_name(m, 0));
    assert_null(mlpb_model_output_name(m, 0));
    const char *in[] = {"age", "h\xc3\xb6he", "x,y"};
    const char *out[] = {"even", "ge5"};
    assert_int_equal(mlpb_model_set_input_names(m, in), MLPB_OK);
    assert_int_equal(mlpb_model_set_output_names(m, out), MLPB_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(mlpb_model_input_name(m, i), in[i]);
        assert_ptr_not_equal(mlpb_model_input_name(m, i), in[i]); /* copied */
    }
    assert_null(mlpb_model_input_name(m, 3));
    assert_string_equal(mlpb_model_output_name(m, 1), "ge5");
    assert_null(mlpb_model_output_name(m, 2));
    assert_null(mlpb_model_input_name(NULL, 0));

    /* All or nothing: a bad list keeps the old names. */
    const char *bad_empty[] = {"a", "", "c"};
    const char *bad_null[] = {"a", NULL, "c"};
    const char *bad_utf8[] = {"a", "\xc0\xaf", "c"};      /* overlong '/' */
    const char *bad_surr[] = {"a", "\xed\xa0\x80", "c"};  /* U+D800 */
    const char *bad_big[] = {"a", "\xf4\x90\x80\x80", "c"}; /* > U+10FFFF */
    const char *bad_cut[] = {"a", "\xe2\x82", "c"};       /* truncated sequence */
    const char *const *bads[] = {bad_empty, bad_null, bad_utf8, bad_surr, bad_big, bad_cut};
    for (size_t b = 0; b < sizeof bads / sizeof *bads; b++) {
        assert_int_equal(mlpb_model_set_input_names(m, bads[b]), MLPB_E_INVALID_ARG);
        assert_string_equal(mlpb_model_input_name(m, 1), "h\xc3\xb6he");
    }
    /* Length bound: MLPB_NAME_MAX bytes pass, one more fails. */
    char *longest = malloc(MLPB_NAME_MAX + 2);
    assert_non_null(longest);
    memset(longest, 'n', MLPB_NAME_MAX + 1);
    longest[MLPB_NAME_MAX + 1] = '\0';
    const char *too_long[] = {"a", longest, "c"};
    assert_int_equal(mlpb_model_set_input_names(m, too_long), MLPB_E_INVALID_ARG);
    longest[MLPB_NAME_MAX] = '\0';
    assert_int_equal(mlpb_model_set_input_names(m, too_long), MLPB_OK);
    assert_int_equal(strlen(mlpb_model_input_name(m, 1)), MLPB_NAME_MAX);
    free(longest);

    assert_int_equal(mlpb_model_set_input_names(m, NULL), MLPB_OK);
    assert_null(mlpb_model_input_name(m, 0));
    assert_int_equal(mlpb_model_set_input_names(NULL, in), MLPB_E_INVALID_ARG);
    mlpb_model_destroy(m);
}

static void test_utf8_validator(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"plain", true},
        {"\xc2\x80", true},           /* U+0080 */
        {"\xdf\xbf", true},           /* U+07FF */
        {"\xe0\xa0\x80", true},       /* U+0800 */
        {"\xef\xbf\xbf", true},       /* U+FFFF */
        {"\xf0\x90\x80\x80", true},   /* U+10000 */
        {"\xf4\x8f\xbf\xbf", true},   /* U+10FFFF */
        {"\xe2\x82\xac", true},       /* euro sign */
        {"\x80", false},              /* lone continuation */
        {"\xc1\xbf", false},          /* overlong */
        {"\xe0\x9f\xbf", false},      /* overlong */
        {"\xf0\x8f\xbf\xbf", false},  /* overlong */
        {"\xed\xbf\xbf", false},      /* surrogate */
        {"\xf5\x80\x80\x80", false},  /* above U+10FFFF */
        {"\xff", false},
        {"\xc3", false},              /* truncated */
        {"\xc3(", false},             /* bad continuation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(mlpb__utf8_valid((const unsigned char *)cases[i].s,
                                          strlen(cases[i].s)),
                         cases[i].ok);
    const unsigned char nul[] = {'a', 0, 'b'};
    assert_false(mlpb__utf8_valid(nul, sizeof nul)); /* U+0000 never */
}

static void test_meta(void **state)
{
    (void)state;
    mlpb_model *m = mlpbt_model(sizes, 3, 1);
    assert_int_equal(mlpb_model_meta_count(m), 0);
    assert_null(mlpb_model_get_meta(m, "a"));
    assert_int_equal(mlpb_model_set_meta(m, "schema", "{\"x\":1}"), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "empty", ""), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "z", "last"), MLPB_OK);
    assert_int_equal(mlpb_model_meta_count(m), 3);
    assert_string_equal(mlpb_model_get_meta(m, "empty"), "");
    /* Replacing keeps the place. */
    assert_int_equal(mlpb_model_set_meta(m, "schema", "v2"), MLPB_OK);
    const char *k, *v;
    assert_int_equal(mlpb_model_meta_at(m, 0, &k, &v), MLPB_OK);
    assert_string_equal(k, "schema");
    assert_string_equal(v, "v2");
    /* Removing closes the gap. */
    assert_int_equal(mlpb_model_set_meta(m, "empty", NULL), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "absent", NULL), MLPB_OK);
    assert_int_equal(mlpb_model_meta_count(m), 2);
    assert_int_equal(mlpb_model_meta_at(m, 1, &k, NULL), MLPB_OK);
    assert_string_equal(k, "z");
    assert_int_equal(mlpb_model_meta_at(m, 2, &k, &v), MLPB_E_INVALID_ARG);
    assert_null(mlpb_model_get_meta(m, "empty"));

    /* Bad keys and values change nothing. */
    assert_int_equal(mlpb_model_set_meta(m, "", "x"), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_set_meta(m, NULL, "x"), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_set_meta(m, "k\xff", "x"), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_set_meta(m, "z", "bad\xc3"), MLPB_E_INVALID_ARG);
    assert_string_equal(mlpb_model_get_meta(m, "z"), "last");
    char key[MLPB_META_KEY_MAX + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    assert_int_equal(mlpb_model_set_meta(m, key, "x"), MLPB_E_INVALID_ARG);
    assert_null(mlpb_model_get_meta(m, key));
    key[MLPB_META_KEY_MAX] = '\0';
    assert_int_equal(mlpb_model_set_meta(m, key, "x"), MLPB_OK);
    assert_string_equal(mlpb_model_get_meta(m, key), "x");
    assert_int_equal(mlpb_model_meta_count(m), 3);

    /* A value of MLPB_META_VALUE_MAX bytes passes, one more fails. */
    char *big = malloc((size_t)MLPB_META_VALUE_MAX + 2);
    assert_non_null(big);
    memset(big, 'v', (size_t)MLPB_META_VALUE_MAX + 1);
    big[MLPB_META_VALUE_MAX + 1] = '\0';
    assert_int_equal(mlpb_model_set_meta(m, "big", big), MLPB_E_INVALID_ARG);
    big[MLPB_META_VALUE_MAX] = '\0';
    assert_int_equal(mlpb_model_set_meta(m, "big", big), MLPB_OK);
    /* The total bound: four values of 64 MiB pass 256 MiB with the keys. */
    assert_int_equal(mlpb_model_set_meta(m, "big2", big), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "big3", big), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "big4", big), MLPB_E_INVALID_ARG);
    /* Replacing counts the old value as freed. */
    assert_int_equal(mlpb_model_set_meta(m, "big3", big), MLPB_OK);
    free(big);
    mlpb_model_destroy(m);
}

static void test_meta_entry_bound(void **state)
{
    (void)state;
    mlpb_model *m = mlpbt_model(sizes, 3, 1);
    char key[32];
    for (unsigned i = 0; i < MLPB_META_MAX_ENTRIES; i++) {
        snprintf(key, sizeof key, "k%u", i);
        assert_int_equal(mlpb_model_set_meta(m, key, ""), MLPB_OK);
    }
    assert_int_equal(mlpb_model_set_meta(m, "one-more", "x"), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_model_set_meta(m, "k7", "replaced"), MLPB_OK); /* not a new one */
    assert_int_equal(mlpb_model_meta_count(m), MLPB_META_MAX_ENTRIES);
    mlpb_model_destroy(m);
}

static void fill(mlpb_model *m)
{
    const char *in[] = {"a", "b", "c"}, *out[] = {"y0", "y1"};
    assert_int_equal(mlpb_model_set_input_names(m, in), MLPB_OK);
    assert_int_equal(mlpb_model_set_output_names(m, out), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "k1", "v1"), MLPB_OK);
    assert_int_equal(mlpb_model_set_meta(m, "k2", "v2"), MLPB_OK);
}

static void test_clone_copies(void **state)
{
    (void)state;
    mlpb_model *m = mlpbt_model(sizes, 3, 1);
    fill(m);
    mlpb_model *c;
    assert_int_equal(mlpb_model_clone(m, &c), MLPB_OK);
    mlpb_model_destroy(m); /* the clone owns copies */
    assert_string_equal(mlpb_model_input_name(c, 2), "c");
    assert_string_equal(mlpb_model_output_name(c, 0), "y0");
    assert_int_equal(mlpb_model_meta_count(c), 2);
    const char *k;
    assert_int_equal(mlpb_model_meta_at(c, 1, &k, NULL), MLPB_OK);
    assert_string_equal(k, "k2");
    mlpb_model_destroy(c);
}

/* Every allocation of the setters and of clone failing in turn: the call
 * fails with MLPB_E_NOMEM, the model keeps what it had, nothing leaks. */
static void test_oom(void **state)
{
    (void)state;
    mlpbt_counter c;
    const mlpb_allocator a = mlpbt_counting_allocator(&c);
    const mlpb_config cfg = {sizes, 3, 1, MLPB_INIT_HE_GLOROT};
    mlpb_model *m;
    assert_int_equal(mlpb_model_create(&cfg, &a, &m), MLPB_OK);
    fill(m);
    const size_t live = c.live;
    for (size_t fail = 0;; fail++) {
        c.calls = 0;
        c.fail_at = fail;
        mlpb_model *cl = NULL;
        const mlpb_status s = mlpb_model_clone(m, &cl);
        c.fail_at = SIZE_MAX;
        if (s == MLPB_OK) {
            assert_true(fail > 0);
            assert_string_equal(mlpb_model_get_meta(cl, "k2"), "v2");
            mlpb_model_destroy(cl);
            break;
        }
        assert_int_equal(s, MLPB_E_NOMEM);
        assert_null(cl);
        assert_int_equal(c.live, live);
    }
    /* Setters: at most a few allocations each. */
    for (size_t fail = 0; fail < 3; fail++) {
        c.calls = 0;
        c.fail_at = fail;
        const char *in[] = {"p", "q", "r"};
        const mlpb_status s1 = mlpb_model_set_input_names(m, in);
        const mlpb_status s2 = mlpb_model_set_meta(m, "new", "x");
        c.fail_at = SIZE_MAX;
        assert_true(s1 == MLPB_OK || s1 == MLPB_E_NOMEM);
        assert_true(s2 == MLPB_OK || s2 == MLPB_E_NOMEM);
        assert_string_equal(mlpb_model_input_name(m, 0), s1 == MLPB_OK ? "p" : "a");
        assert_true((mlpb_model_get_meta(m, "new") != NULL) == (s2 == MLPB_OK));
        mlpb_model_set_meta(m, "new", NULL);
        const char *old[] = {"a", "b", "c"};
        assert_int_equal(mlpb_model_set_input_names(m, old), MLPB_OK);
    }
    mlpb_model_destroy(m);
    assert_int_equal(c.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_set_get),  cmocka_unit_test(test_utf8_validator),
        cmocka_unit_test(test_meta),           cmocka_unit_test(test_meta_entry_bound),
        cmocka_unit_test(test_clone_copies),   cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
