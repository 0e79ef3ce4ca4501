/* test_rng.c -- the library's PRNG: known-answer values of xoshiro256**
 * seeded by splitmix64 (computed by an independent implementation), moments
 * of the uniform and normal samplers, bounded integers, and shuffling. */
#include "testutil.h"

#include "mlpb_internal.h"

#include <math.h>
#include <string.h>

static void test_rng_known_answers(void **state)
{
    (void)state;
    mlpb_rng r;
    mlpb__rng_seed(&r, 0);
    assert_true(mlpb__rng_next(&r) == 0x99ec5f36cb75f2b4u);
    assert_true(mlpb__rng_next(&r) == 0xbf6e1f784956452au);
    assert_true(mlpb__rng_next(&r) == 0x1a5f849d4933e6e0u);
    mlpb__rng_seed(&r, 12345);
    assert_true(mlpb__rng_next(&r) == 0xbe6a36374160d49bu);
    assert_true(mlpb__rng_next(&r) == 0x214aaa0637a688c6u);
    assert_true(mlpb__rng_next(&r) == 0xf69d16de9954d388u);
}

static void test_rng_uniform_and_normal_moments(void **state)
{
    (void)state;
    mlpb_rng r;
    mlpb__rng_seed(&r, 7);
    const int n = 200000;
    double su = 0, suu = 0, sn = 0, snn = 0, s4 = 0;
    for (int i = 0; i < n; i++) {
        const double u = mlpb__rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        su += u;
        suu += u * u;
        const double z = mlpb__rng_normal(&r);
        assert_true(isfinite(z));
        sn += z;
        snn += z * z;
        s4 += z * z * z * z;
    }
    /* Standard errors: uniform mean 6.5e-4, normal mean 2.2e-3, var 3.2e-3. */
    assert_true(fabs(su / n - 0.5) < 0.004);
    assert_true(fabs(suu / n - (su / n) * (su / n) - 1.0 / 12.0) < 0.002);
    assert_true(fabs(sn / n) < 0.012);
    assert_true(fabs(snn / n - 1.0) < 0.016);
    assert_true(fabs(s4 / n - 3.0) < 0.1); /* kurtosis of a Gaussian */
}

static void test_rng_below_and_shuffle(void **state)
{
    (void)state;
    mlpb_rng r;
    mlpb__rng_seed(&r, 9);
    size_t counts[6] = {0};
    for (int i = 0; i < 60000; i++) {
        const uint64_t v = mlpb__rng_below(&r, 6);
        assert_true(v < 6);
        counts[v]++;
    }
    for (int i = 0; i < 6; i++)
        assert_true(counts[i] > 9400 && counts[i] < 10600); /* 10000 +- 6 sigma */
    assert_true(mlpb__rng_below(&r, 1) == 0);

    size_t idx[100], seen[100] = {0};
    for (size_t i = 0; i < 100; i++)
        idx[i] = i;
    mlpb__rng_shuffle(&r, idx, 100);
    size_t fixed = 0;
    for (size_t i = 0; i < 100; i++) {
        seen[idx[i]]++;
        fixed += idx[i] == i;
    }
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(seen[i], 1);
    assert_true(fixed < 10);
    /* Same seed, same permutation. */
    size_t a[50], b[50];
    for (size_t i = 0; i < 50; i++)
        a[i] = b[i] = i;
    mlpb__rng_seed(&r, 3);
    mlpb__rng_shuffle(&r, a, 50);
    mlpb__rng_seed(&r, 3);
    mlpb__rng_shuffle(&r, b, 50);
    assert_memory_equal(a, b, sizeof a);
    mlpb__rng_shuffle(&r, a, 0); /* empty: no-op */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_known_answers),
        cmocka_unit_test(test_rng_uniform_and_normal_moments),
        cmocka_unit_test(test_rng_below_and_shuffle),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
