/* test_kernels.c -- every kernel against a double-precision reference loop:
 * the sgemm door in all four transpose cases, the fused elementwise passes,
 * the stable sigmoid and BCE at extreme logits, and the finiteness check. */
#include "testutil.h"

#include "kernels.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One product of every transpose case against the reference, with leading
 * dimensions wider than the matrices so that strides are exercised. */
static void check_sgemm(size_t m, size_t n, size_t k, size_t serial)
{
    const size_t pad = 3, big = (m + pad) * (k + pad) + (k + pad) * (n + pad);
    float *a = malloc(big * sizeof *a), *b = malloc(big * sizeof *b);
    float *c = malloc((m * (n + pad)) * sizeof *c), *r = malloc((m * (n + pad)) * sizeof *r);
    mlpbt_fill_uniform(a, big, -1, 1, 1 + m);
    mlpbt_fill_uniform(b, big, -1, 1, 2 + n);
    for (int ta = 0; ta < 2; ta++) {
        for (int tb = 0; tb < 2; tb++) {
            for (int acc = 0; acc < 3; acc++) {
                const float beta = acc == 0 ? 0.0f : acc == 1 ? 1.0f : 0.5f;
                const size_t ldc = n + pad;
                mlpbt_fill_uniform(c, m * ldc, -1, 1, 3);
                mlpbt_fill_uniform(r, m * ldc, -1, 1, 3);
                if (beta == 0.0f)
                    c[0] = NAN; /* beta = 0 ignores C, NaN included */
                /* op(A) is m x k: stored k x m when transposed. */
                const size_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad;
                mlpb__sgemm(serial, ta, tb, m, n, k, 1.5f, a, lda, b, ldb, beta, c, ldc);
                mlpb__sgemm_ref(ta, tb, m, n, k, 1.5f, a, lda, b, ldb, beta, r, ldc);
                for (size_t i = 0; i < m * ldc; i++) {
                    if (fabs((double)c[i] - (double)r[i]) > 1e-5 * (double)(k + 1)) {
                        print_error("%zux%zux%zu ta=%d tb=%d beta=%g: [%zu] %g vs %g\n", m, n,
                                    k, ta, tb, (double)beta, i, (double)c[i], (double)r[i]);
                        fail();
                    }
                }
            }
        }
    }
    free(a);
    free(b);
    free(c);
    free(r);
}

static void test_kernels_sgemm_matches_reference(void **state)
{
    (void)state;
    /* General shapes, and the tiny dimensions that go to sgemv / sger loops
     * (three rows or fewer, one column, an inner size of one), at and around
     * the thresholds. */
    const size_t shapes[][3] = {{7, 5, 9}, {5, 6, 5},  {1, 5, 9}, {7, 1, 9}, {7, 5, 1},
                                {1, 1, 9}, {1, 5, 1},  {7, 1, 1}, {1, 1, 1}, {33, 17, 2},
                                {2, 5, 9}, {4, 6, 7},  {3, 1, 8}, {9, 6, 3}, {8, 7, 4},
                                {2, 3, 2}, {4, 4, 4},  {6, 9, 5}, {3, 6, 7}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (size_t serial = 0; serial < 2; serial++)
            check_sgemm(shapes[s][0], shapes[s][1], shapes[s][2], serial ? SIZE_MAX : 0);
    /* The reference against hand values: [1 2; 3 4] . [5; 6] = [17; 39]. */
    const float ha[] = {1, 2, 3, 4}, hb[] = {5, 6};
    float hc[2] = {NAN, NAN};
    mlpb__sgemm_ref(false, false, 2, 1, 2, 1.0f, ha, 2, hb, 1, 0.0f, hc, 1);
    assert_true(hc[0] == 17.0f && hc[1] == 39.0f);
    mlpb__sgemm(0, true, false, 2, 1, 2, 1.0f, ha, 2, hb, 1, 0.0f, hc, 1); /* A^T b */
    assert_true(hc[0] == 23.0f && hc[1] == 34.0f);
}

static void test_kernels_bias_relu(void **state)
{
    (void)state;
    float a[] = {1, -2, 3, -4, 0.5f, NAN}, bias[] = {-1.5f, 1, 0};
    assert_false(mlpb__bias_relu(2, 3, a, bias));
    assert_true(a[0] == 0.0f && a[1] == 0.0f && a[2] == 3.0f);
    assert_true(a[3] == 0.0f && a[4] == 1.5f);
    assert_true(isnan(a[5])); /* a NaN is not hidden by the ReLU */
    float b[] = {1, 2, 3, 4};
    const float bb[] = {10, 20};
    assert_true(mlpb__bias_add(2, 2, b, bb));
    assert_true(b[0] == 11 && b[1] == 22 && b[2] == 13 && b[3] == 24);
    /* The flag sees every non-finite pre-activation, even one the ReLU zeroes. */
    const float nonfinite[] = {NAN, INFINITY, -INFINITY};
    for (int v = 0; v < 3; v++) {
        for (int at = 0; at < 40; at += 13) {
            float c[40], d[40];
            float zb[40] = {0};
            mlpbt_fill_uniform(c, 40, -1, 1, 9);
            memcpy(d, c, sizeof c);
            assert_true(mlpb__bias_relu(4, 10, c, zb));
            assert_true(mlpb__bias_add(4, 10, d, zb));
            c[at] = d[at] = nonfinite[v];
            assert_false(mlpb__bias_relu(4, 10, c, zb));
            assert_false(mlpb__bias_add(4, 10, d, zb));
        }
    }
    float big[] = {FLT_MAX, FLT_MAX}, one[] = {FLT_MAX, -FLT_MAX};
    assert_false(mlpb__bias_add(1, 2, big, one)); /* overflow to Inf in the add */
}

static void test_kernels_sigmoid_stable(void **state)
{
    (void)state;
    const float z[] = {-1000, -88, -30, -1, 0, 1, 30, 88, 1000, 1e30f};
    float p[10];
    mlpb__sigmoid(10, z, p);
    for (int i = 0; i < 10; i++) {
        const double ref = 1.0 / (1.0 + exp(-(double)z[i]));
        assert_true(isfinite(p[i]));
        assert_true(p[i] >= 0.0f && p[i] <= 1.0f);
        assert_true(fabs((double)p[i] - ref) <= 1e-7 * ref + 1e-45);
    }
    assert_true(p[0] == 0.0f && p[8] == 1.0f && p[4] == 0.5f);
    /* Deep negative logits keep their tiny probability (no 1 - 1 cancel). */
    mlpbt_assert_close(p[2], exp(-30.0) / (1.0 + exp(-30.0)), 1e-6);
}

/* Over the whole range where the float sigmoid is neither 0 nor 1, logit by
 * logit: within 2.5e-7 relative of the double formula (a few ulps: exp to
 * ~1 ulp, one add and one division). */
static void test_kernels_sigmoid_matches_double(void **state)
{
    (void)state;
    enum { N = 20001 };
    float *z = malloc(N * sizeof *z), *p = malloc(N * sizeof *p);
    for (int i = 0; i < N; i++)
        z[i] = (float)(i - N / 2) * 0.0104f; /* -104 .. 104 */
    mlpb__sigmoid(N, z, p);
    for (int i = 0; i < N; i++) {
        const double ref = 1.0 / (1.0 + exp(-(double)z[i]));
        if (!(fabs((double)p[i] - ref) <= 2.5e-7 * ref + 1e-45)) {
            print_error("z %.9g: %.9g, ref %.17g\n", (double)z[i], (double)p[i], ref);
            fail();
        }
    }
    free(z), free(p);
}

static double ref_bce(double z, double y, double pw)
{
    /* -[pw y log s + (1 - y) log(1 - s)] by the log-sum-exp identities. */
    const double ls = -(fmax(-z, 0) + log1p(exp(-fabs(z))));
    const double l1s = -(fmax(z, 0) + log1p(exp(-fabs(z))));
    return -(pw * y * ls + (1 - y) * l1s);
}

/* One n x k block against the reference, weighted and not: the loss sums,
 * the scaled gradient of every logit and the column sums. */
static void check_bce_block(size_t n, size_t k, uint64_t seed)
{
    const size_t nk = n * k;
    float *z = malloc(nk * sizeof *z), *z0 = malloc(nk * sizeof *z0);
    float *y = malloc(nk * sizeof *y), *pw = malloc(k * sizeof *pw);
    float *sw = malloc(n * sizeof *sw), *db = malloc(k * sizeof *db);
    double *dbref = malloc(k * sizeof *dbref);
    mlpbt_fill_uniform(z0, nk, -8, 8, seed);
    z0[0] = 1000.0f;
    if (nk > 3) {
        z0[1] = -1000.0f;
        z0[2] = 30.0f;
    }
    mlpbt_fill_labels(y, nk, seed + 1);
    y[0] = 0.0f;
    if (nk > 3) {
        y[1] = 1.0f;
        y[2] = 1.0f;
        y[3] = 0.3f; /* soft targets are allowed */
    }
    mlpbt_fill_uniform(pw, k, 0.5f, 4.0f, seed + 2);
    mlpbt_fill_uniform(sw, n, 0.0f, 2.0f, seed + 3);
    for (int weighted = 0; weighted < 2; weighted++) {
        memcpy(z, z0, nk * sizeof *z);
        const float *p = weighted ? pw : NULL, *s = weighted ? sw : NULL;
        const double sum = mlpb__bce_grad(n, k, z, y, p, s, 0.25f, db);
        const double plain = mlpb__bce(n, k, z0, y, p, s);
        double ref = 0.0;
        for (size_t j = 0; j < k; j++)
            dbref[j] = 0.0;
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < k; j++) {
                const double zz = (double)z0[i * k + j], yy = (double)y[i * k + j];
                const double pj = weighted ? (double)pw[j] : 1.0;
                const double si = weighted ? (double)sw[i] : 1.0;
                ref += si * ref_bce(zz, yy, pj);
                /* sigmoid(z) and 1 - sigmoid(z) = sigmoid(-z), each directly. */
                const double sg = 1.0 / (1.0 + exp(-zz)), sgn = 1.0 / (1.0 + exp(zz));
                const double g = si * ((1.0 - yy) * sg - pj * yy * sgn) * 0.25;
                if (!(fabs((double)z[i * k + j] - g) <= 1e-6 * fabs(g) + 1e-30)) {
                    print_error("%zux%zu [%zu,%zu]: grad %.9g, ref %.17g\n", n, k, i, j,
                                (double)z[i * k + j], g);
                    fail();
                }
                dbref[j] += (double)(float)g;
            }
        }
        /* Float terms (each good to a few ulps) summed in double. */
        mlpbt_assert_close(sum, ref, 1e-6);
        mlpbt_assert_close(plain, ref, 1e-6);
        for (size_t j = 0; j < k; j++)
            assert_true(fabs((double)db[j] - dbref[j]) < 1e-6);
    }
    free(z), free(z0), free(y), free(pw), free(sw), free(db), free(dbref);
}

/* Blocks smaller than, equal to and larger than the kernel's span of 64
 * logits, spans that end inside a row, one output and several. */
static void test_kernels_bce_grad_matches_reference(void **state)
{
    (void)state;
    check_bce_block(6, 3, 4);
    check_bce_block(1, 1, 5);
    check_bce_block(64, 1, 6);
    check_bce_block(130, 1, 7);
    check_bce_block(50, 3, 8);
    check_bce_block(7, 100, 9);
}

/* The float BCE term against the double formula, logit by logit, over the
 * whole range where a float loss or gradient is not yet 0 or saturated, for
 * y = 0, 1 and a soft target, with and without a positive weight: the loss
 * within 1e-6 relative; the gradient within 1e-6 of the scale of its two
 * terms (1 - y) sigmoid(z) and pw y sigmoid(-z), which is its relative error
 * for y = 0 or 1 (one term is 0); a soft target near its optimum cancels
 * the terms, and no float formula does better there than the rounding of
 * sigmoid(z). */
static void test_kernels_bce_float_matches_double(void **state)
{
    (void)state;
    const float ys[] = {0.0f, 1.0f, 0.3f}, pws[] = {1.0f, 2.5f};
    for (int iz = -4000; iz <= 4000; iz++) {
        const float z0 = (float)iz * 0.0221f; /* -88.4 .. 88.4 */
        for (size_t a = 0; a < 3; a++) {
            for (size_t b = 0; b < 2; b++) {
                const float y = ys[a], pw = pws[b];
                float z = z0, db;
                const double loss = mlpb__bce_grad(1, 1, &z, &y, &pw, NULL, 1.0f, &db);
                const double zz = (double)z0, yy = (double)y, pj = (double)pw;
                const double ref = ref_bce(zz, yy, pj);
                const double g1 = (1.0 - yy) / (1.0 + exp(-zz)), g2 = pj * yy / (1.0 + exp(zz));
                const double g = g1 - g2;
                if (!(fabs(loss - ref) <= 1e-6 * ref + 1e-44) ||
                    !(fabs((double)z - g) <= 1e-6 * (g1 + g2) + 1e-44)) {
                    print_error("z %.9g y %g pw %g: loss %.17g (ref %.17g), grad %.9g "
                                "(ref %.17g)\n",
                                (double)z0, (double)y, (double)pw, loss, ref, (double)z, g);
                    fail();
                }
                assert_true(db == z);
            }
        }
    }
}

static void test_kernels_relu_grad_colsum(void **state)
{
    (void)state;
    const float h[] = {0, 1, 2, 0, 3, 0};
    float dh[] = {5, 6, 7, 8, 9, 10}, db[3] = {NAN, NAN, NAN};
    mlpb__relu_grad_colsum(2, 3, h, dh, db);
    const float want[] = {0, 6, 7, 0, 9, 0};
    for (int i = 0; i < 6; i++)
        assert_true(dh[i] == want[i]);
    assert_true(db[0] == 0.0f && db[1] == 15.0f && db[2] == 7.0f);
}

/* The one-output form: bitwise the rank-1 product through BLAS (from zero)
 * then the mask and column sum, on rows long enough for every vector width
 * and a tail, with zero, negative and positive activations. */
static void test_kernels_relu_outer_colsum(void **state)
{
    (void)state;
    enum { N = 7, M = 67 };
    float h[N * M], dz[N], w[M];
    mlpbt_fill_uniform(h, N * M, -1, 1, 21);
    mlpbt_fill_uniform(dz, N, -1, 1, 22);
    mlpbt_fill_uniform(w, M, -2, 2, 23);
    for (size_t j = 0; j < M; j += 5)
        h[j] = 0.0f;
    float dh[N * M], db[M], want_dh[N * M], want_db[M];
    for (size_t i = 0; i < N * M; i++)
        dh[i] = NAN; /* every cell is written */
    mlpb__sgemm(0, false, true, N, M, 1, 1.0f, dz, 1, w, 1, 0.0f, want_dh, M);
    mlpb__relu_grad_colsum(N, M, h, want_dh, want_db);
    mlpb__relu_outer_colsum(N, M, h, dz, w, dh, db);
    assert_memory_equal(dh, want_dh, sizeof dh);
    assert_memory_equal(db, want_db, sizeof db);
    /* Against the formula in double. */
    for (size_t j = 0; j < M; j++) {
        double sum = 0.0, abs_sum = 0.0;
        for (size_t i = 0; i < N; i++) {
            const double g = h[i * M + j] > 0.0f ? (double)dz[i] * (double)w[j] : 0.0;
            assert_true(fabs((double)dh[i * M + j] - g) <= 1e-7 * fabs(g));
            sum += g;
            abs_sum += fabs(g);
        }
        /* N float additions: at most N units of 2^-24 of the sum of magnitudes. */
        assert_true(fabs((double)db[j] - sum) <= N * 0x1p-24 * abs_sum);
    }
}

static void test_kernels_standardize_and_axpy(void **state)
{
    (void)state;
    const float x[] = {1, 10, 3, 30}, mean[] = {2, 20}, sd[] = {0.5f, 10};
    float xs[4];
    mlpb__standardize(2, 2, x, mean, sd, xs);
    assert_true(xs[0] == -2.0f && xs[1] == -1.0f && xs[2] == 2.0f && xs[3] == 1.0f);
    float p[] = {1, 2, 3};
    const float g[] = {1, -1, 0.5f};
    mlpb__axpy_neg(3, 0.5f, g, p);
    assert_true(p[0] == 0.5f && p[1] == 2.5f && p[2] == 2.75f);
}

static void test_kernels_all_finite(void **state)
{
    (void)state;
    float v[37];
    mlpbt_fill_uniform(v, 37, -1, 1, 8);
    v[3] = FLT_MAX;
    v[4] = -FLT_MAX;
    v[5] = FLT_MIN / 4; /* subnormal: finite */
    v[6] = -0.0f;
    assert_true(mlpb__all_finite(37, v));
    assert_true(mlpb__all_finite(0, v));
    const float bad[] = {NAN, INFINITY, -INFINITY};
    for (int b = 0; b < 3; b++) {
        for (size_t at = 0; at < 37; at += 12) {
            const float keep = v[at];
            v[at] = bad[b];
            assert_false(mlpb__all_finite(37, v));
            v[at] = keep;
        }
    }
}

static void test_kernels_add(void **state)
{
    (void)state;
    float a[41], b[41], c[41];
    mlpbt_fill_uniform(a, 41, -1, 1, 9);
    mlpbt_fill_uniform(b, 41, -1, 1, 10);
    memcpy(c, b, sizeof c);
    mlpb__add(41, a, b);
    for (size_t i = 0; i < 41; i++)
        assert_true(b[i] == c[i] + a[i]);
    memcpy(b, c, sizeof b);
    assert_true(mlpb__add_finite(41, a, b));
    for (size_t i = 0; i < 41; i++)
        assert_true(b[i] == c[i] + a[i]);
    /* Finite addends whose sum overflows, and a NaN, at either end. */
    b[0] = FLT_MAX;
    a[0] = FLT_MAX;
    assert_false(mlpb__add_finite(41, a, b));
    assert_true(isinf(b[0]));
    memcpy(b, c, sizeof b);
    a[0] = 0.5f;
    a[40] = NAN;
    assert_false(mlpb__add_finite(41, a, b));
    assert_true(mlpb__add_finite(0, a, b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernels_sgemm_matches_reference),
        cmocka_unit_test(test_kernels_bias_relu),
        cmocka_unit_test(test_kernels_sigmoid_stable),
        cmocka_unit_test(test_kernels_sigmoid_matches_double),
        cmocka_unit_test(test_kernels_bce_grad_matches_reference),
        cmocka_unit_test(test_kernels_bce_float_matches_double),
        cmocka_unit_test(test_kernels_relu_grad_colsum),
        cmocka_unit_test(test_kernels_relu_outer_colsum),
        cmocka_unit_test(test_kernels_standardize_and_axpy),
        cmocka_unit_test(test_kernels_all_finite),
        cmocka_unit_test(test_kernels_add),
    };
    return cmocka_run_group_tests_name("kernels", tests, NULL, NULL);
}
