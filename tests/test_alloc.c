/* test_alloc.c -- overflow-checked size math, the default and custom
 * allocators, and the out-of-memory loop: model and workspace creation fail
 * cleanly at every allocation they make. */
#include "testutil.h"

#include "mlpb_internal.h"

#include <stdint.h>

static void test_alloc_size_math(void **state)
{
    (void)state;
    size_t r = 0;
    assert_int_equal(mlpb__mul_size(3, 5, &r), MLPB_OK);
    assert_int_equal(r, 15);
    assert_int_equal(mlpb__mul_size(0, SIZE_MAX, &r), MLPB_OK);
    assert_int_equal(r, 0);
    assert_int_equal(mlpb__mul_size(SIZE_MAX / 2 + 1, 2, &r), MLPB_E_OVERFLOW);
    assert_int_equal(mlpb__mul_size((size_t)1 << 32, (size_t)1 << 32, &r), MLPB_E_OVERFLOW);
    assert_int_equal(mlpb__add_size(SIZE_MAX - 1, 1, &r), MLPB_OK);
    assert_int_equal(r, SIZE_MAX);
    assert_int_equal(mlpb__add_size(SIZE_MAX, 1, &r), MLPB_E_OVERFLOW);
    assert_int_equal(mlpb__pad_floats(0), 0);
    assert_int_equal(mlpb__pad_floats(1), 16);
    assert_int_equal(mlpb__pad_floats(16), 16);
    assert_int_equal(mlpb__pad_floats(17), 32);
}

static void test_alloc_default_aligned(void **state)
{
    (void)state;
    const mlpb_allocator a = mlpb__allocator(NULL);
    for (size_t size = 1; size < 300; size += 37) {
        void *p = mlpb__alloc(&a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % MLPB_ALIGN, 0);
        mlpb__free(&a, p);
    }
    assert_null(mlpb__alloc(&a, 0));
    assert_null(mlpb__alloc(&a, SIZE_MAX));
    mlpb__free(&a, NULL);
}

static void test_alloc_custom_used(void **state)
{
    (void)state;
    mlpbt_counter c;
    const mlpb_allocator a = mlpbt_counting_allocator(&c);
    const size_t s[] = {4, 3, 2};
    mlpb_config cfg = {s, 3, 1, MLPB_INIT_HE_GLOROT};
    mlpb_model *m = NULL;
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_model_create(&cfg, &a, &m), MLPB_OK);
    assert_int_equal(mlpb_workspace_create(m, 10, &a, &ws), MLPB_OK);
    assert_true(c.calls >= 3);
    assert_true(c.live >= 3);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    assert_int_equal(c.live, 0);
    assert_int_equal(c.frees, c.calls);
}

/* Fail allocation k = 0, 1, ... until creation succeeds: every failure is
 * MLPB_E_NOMEM with *out NULL and nothing left allocated. */
static void oom_loop(mlpb_init init)
{
    mlpbt_counter c;
    const mlpb_allocator a = mlpbt_counting_allocator(&c);
    const size_t s[] = {5, 6, 4, 2};
    mlpb_config cfg = {s, 4, 3, init};
    size_t k;
    for (k = 0;; k++) {
        mlpbt_counting_allocator(&c);
        c.fail_at = k;
        mlpb_model *m = (mlpb_model *)&c; /* must be overwritten with NULL */
        const mlpb_status st = mlpb_model_create(&cfg, &a, &m);
        if (st == MLPB_OK) {
            mlpb_model_destroy(m);
            assert_int_equal(c.live, 0);
            break;
        }
        assert_int_equal(st, MLPB_E_NOMEM);
        assert_null(m);
        assert_int_equal(c.live, 0);
    }
    print_message("model_create(init %d): %zu failure points\n", (int)init, k);
    assert_true(k >= 2);

    mlpb_model *m = NULL;
    assert_int_equal(mlpb_model_create(&cfg, NULL, &m), MLPB_OK);
    for (k = 0;; k++) {
        mlpbt_counting_allocator(&c);
        c.fail_at = k;
        mlpb_workspace *ws = (mlpb_workspace *)&c;
        const mlpb_status st = mlpb_workspace_create(m, 7, &a, &ws);
        if (st == MLPB_OK) {
            mlpb_workspace_destroy(ws);
            break;
        }
        assert_int_equal(st, MLPB_E_NOMEM);
        assert_null(ws);
        assert_int_equal(c.live, 0);
    }
    assert_int_equal(k, 2);
    /* re-initialisation and clone fail cleanly too, leaving m usable. */
    if (init == MLPB_INIT_ORTHOGONAL) {
        mlpb_model *o = NULL;
        mlpbt_counting_allocator(&c);
        assert_int_equal(mlpb_model_create(&cfg, &a, &o), MLPB_OK);
        c.fail_at = c.calls;
        size_t np;
        const float first = mlpb_model_params(o, &np)[0];
        assert_int_equal(mlpb_model_init(o, MLPB_INIT_ORTHOGONAL, 99), MLPB_E_NOMEM);
        assert_true(mlpb_model_params(o, NULL)[0] == first);
        mlpb_model *cl = (mlpb_model *)&c;
        assert_int_equal(mlpb_model_clone(o, &cl), MLPB_E_NOMEM);
        assert_null(cl);
        c.fail_at = SIZE_MAX;
        assert_int_equal(mlpb_model_clone(o, &cl), MLPB_OK);
        mlpb_model_destroy(cl);
        mlpb_model_destroy(o);
        assert_int_equal(c.live, 0);
    }
    mlpb_model_destroy(m);
}

static void test_alloc_oom_he(void **state)
{
    (void)state;
    oom_loop(MLPB_INIT_HE_GLOROT);
}

static void test_alloc_oom_orthogonal(void **state)
{
    (void)state;
    oom_loop(MLPB_INIT_ORTHOGONAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_size_math),
        cmocka_unit_test(test_alloc_default_aligned),
        cmocka_unit_test(test_alloc_custom_used),
        cmocka_unit_test(test_alloc_oom_he),
        cmocka_unit_test(test_alloc_oom_orthogonal),
    };
    return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
