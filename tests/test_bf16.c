/* test_bf16.c -- bf16 precision: the conversion kernels against hand-worked
 * bit patterns and the scalar reference, the fused passes and the products
 * against fp32 references, gradients against a double-precision reference
 * with an error bound derived from bf16's 8-bit mantissa, and training to the
 * fp32 accuracy on XOR, two moons and the breast-cancer data.
 *
 * Every bf16 test runs twice: with MLPB_PRECISION_BF16_EMULATED (any CPU:
 * the same roundings, products as sgemm on widened tiles) and with
 * MLPB_PRECISION_BF16 (oneDNN on native bf16), which is skipped -- reported
 * as skipped by cmocka -- where the build has no oneDNN or the CPU no
 * AVX512-BF16. The AVX512-BF16 conversion is likewise skipped without it.
 *
 * The gradient bound (docs/bf16.md). With u = 2^-8 (bf16's unit roundoff: 8
 * significant bits, round to nearest) and g_K = K 2^-24 / (1 - K 2^-24)
 * (fp32 summation of K terms in any order), a product c = sum_{p<K} a_p b_p
 * whose operands carry errors |a^ - a| <= e_a before rounding computes
 *     |c^ - c| <= sum_p [ |b_p| ((1+u) e_a,p + u |a_p|) + ... ]
 *               + g_K sum_p |a^_p| |b^_p|,
 * first term from rounding each operand (relative error <= u each; the
 * product of two bf16 values is exact in fp32), second from the fp32
 * accumulation. For exact operands it is (2u + u^2 + g_K (1+u)^2)
 * sum |a||b|: ~7.8e-3 times the sum of absolute terms for K = 64 (g_64 =
 * 3.8e-6). The reference below carries such a bound for every activation,
 * logit, delta and gradient element through the network in double: ReLU
 * is 1-Lipschitz (and a unit whose pre-activation is below -bound is exactly
 * 0), the logit gradient is (1/4)-Lipschitz in z (sigmoid' <= 1/4), and a
 * ReLU mask whose pre-activation lies within its bound of 0 may flip, which
 * costs the whole masked value. The library's gradients must lie within the
 * bound of the exact (double) gradient, element by element. */
#include "testutil.h"

#include "kernels.h"
#include "mlpb_internal.h"

#ifdef MLPB_TEST_HAVE_DATA
#include "read/data.h"
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define U_BF16 (1.0 / 256.0)
#define U_FP32 (1.0 / 16777216.0)

static double gam(size_t k)
{
    const double t = (double)k * U_FP32;
    return t / (1.0 - t);
}

static float f_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The precision a test runs with; skips the test if it is not available. */
static mlpb_precision mode_or_skip(mlpb_precision p)
{
    if (p == MLPB_PRECISION_BF16 && !mlpb_bf16_native()) {
        print_message("native bf16 not available (oneDNN %s, AVX512-BF16 %s): skipped\n",
                      mlpb__dnnl_built() ? "built" : "absent",
                      mlpb__cpu_has_avx512bf16() ? "present" : "absent");
        skip();
    }
    return p;
}

/* ------------------------------------------------------------ conversion */
typedef struct edge {
    uint32_t in;
    uint16_t out;
} edge;

/* Worked by hand: bf16 = the upper 16 bits after rounding the lower 16 to
 * nearest, ties to even. */
static const edge edges[] = {
    {0x00000000u, 0x0000}, /* +0 */
    {0x80000000u, 0x8000}, /* -0 */
    {0x3f800000u, 0x3f80}, /* 1 */
    {0xbf800000u, 0xbf80}, /* -1 */
    {0x3f808000u, 0x3f80}, /* 1 + 2^-8: a tie, kept bit 0 even: down */
    {0x3f818000u, 0x3f82}, /* 1 + 3 2^-8: a tie, kept bit 1 odd: up */
    {0x3f808001u, 0x3f81}, /* just above the tie: up */
    {0x3f807fffu, 0x3f80}, /* just below: down */
    {0xbf818000u, 0xbf82}, /* negative tie, odd: away from zero in magnitude */
    {0x3fffffffu, 0x4000}, /* all-ones mantissa: carry into the exponent */
    {0x7f7fffffu, 0x7f80}, /* max finite fp32: rounds past max bf16 to +Inf */
    {0xff7fffffu, 0xff80}, /* and its negative to -Inf */
    {0x7f7f7fffu, 0x7f7f}, /* just below the half-way point: max finite bf16 */
    {0x7f7f8000u, 0x7f80}, /* the tie above max bf16 (odd): Inf */
    {0x7f800000u, 0x7f80}, /* +Inf */
    {0xff800000u, 0xff80}, /* -Inf */
    {0x7fc00000u, 0x7fc0}, /* quiet NaN */
    {0xffc00000u, 0xffc0}, /* negative quiet NaN */
    {0x7f800001u, 0x7fc0}, /* signalling NaN, payload in the low half only: quietened, still NaN */
    {0x7fa00000u, 0x7fe0}, /* signalling NaN with upper payload: kept, quiet bit set */
    {0xff8fffffu, 0xffcf}, /* negative NaN: sign and upper payload kept */
    {0x00000001u, 0x0000}, /* smallest subnormal: zero */
    {0x807fffffu, 0x8000}, /* largest negative subnormal: -0 */
    {0x00400000u, 0x0000}, /* a subnormal with upper bits set: still zero */
    {0x00800000u, 0x0080}, /* smallest normal: kept */
    {0x00808000u, 0x0080}, /* smallest normal + a tie: even, down */
    {0x40490fdbu, 0x4049}, /* pi: 0x0fdb < 0x8000, down */
    {0x3dcccccdu, 0x3dcd}, /* 0.1: 0xcccd > 0x8000, up */
};
#define N_EDGES (sizeof edges / sizeof edges[0])

static void test_bf16_round_edge_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_EDGES; i++) {
        const uint16_t got = mlpb__bf16_round(f_of(edges[i].in));
        if (got != edges[i].out) {
            print_error("0x%08x -> 0x%04x, expected 0x%04x\n", (unsigned)edges[i].in, (unsigned)got,
                        (unsigned)edges[i].out);
            fail();
        }
    }
    /* NaN stays NaN through the round trip; widening is exact. */
    assert_true(isnan(mlpb__bf16_widen1(mlpb__bf16_round(f_of(0x7f800001u)))));
    assert_true(mlpb__bf16_widen1(0x3f81) == 1.0f + 1.0f / 128.0f);
    assert_true(mlpb__bf16_widen1(0xc2f7) == -123.5f);
}

/* Inputs for comparing variants: the edges, then values spread over the
 * exponent range with random low halves (ties included), any length to
 * cover the vector loops' tails. */
static void fill_mixed(float *x, size_t n, uint64_t seed)
{
    mlpb_rng r;
    mlpb__rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        if (i < N_EDGES) {
            u = edges[i].in;
        } else {
            u = (uint32_t)mlpb__rng_next(&r);
            if (i % 7 == 0)
                u = (u & 0xffff0000u) | 0x8000u; /* an exact tie */
        }
        x[i] = f_of(u);
    }
}

/* The scalar reference against the rounding by definition, in double:
 * nearest bf16 of the exact value, ties to even (normal inputs). */
static void test_bf16_round_matches_definition(void **state)
{
    (void)state;
    mlpb_rng r;
    mlpb__rng_seed(&r, 5);
    for (int i = 0; i < 100000; i++) {
        /* Normal finite values whose rounding stays finite. */
        const uint32_t u = ((uint32_t)mlpb__rng_next(&r) & 0x80ffffffu) |
                           ((uint32_t)(1 + mlpb__rng_below(&r, 253)) << 23);
        const double v = (double)f_of(u);
        const double lo = (double)mlpb__bf16_widen1((uint16_t)(u >> 16));
        const double hi = (double)mlpb__bf16_widen1((uint16_t)((u >> 16) + 1));
        const double dl = fabs(v - lo), dh = fabs(hi - v);
        const uint16_t expect = dl < dh   ? (uint16_t)(u >> 16)
                                : dh < dl ? (uint16_t)((u >> 16) + 1)
                                          : (uint16_t)((u >> 16) + ((u >> 16) & 1u));
        assert_int_equal(mlpb__bf16_round(f_of(u)), expect);
        /* |bf16(x) - x| <= 2^-8 |x|: the unit roundoff the bounds use. */
        assert_true(fabs((double)mlpb__bf16_widen1(expect) - v) <= U_BF16 * fabs(v));
    }
}

static void compare_variant(void (*fn)(size_t, const float *, uint16_t *))
{
    enum { N = 1000 };
    float x[N];
    uint16_t a[N + 1], b[N + 1];
    fill_mixed(x, N, 9);
    for (size_t n = 0; n <= 70; n++) {
        a[n] = b[n] = 0x5555; /* a guard past the end */
        mlpb__bf16_convert_ref(n, x, a);
        fn(n, x, b);
        assert_memory_equal(a, b, (n + 1) * sizeof *a);
    }
    mlpb__bf16_convert_ref(N, x, a);
    fn(N, x, b);
    assert_memory_equal(a, b, N * sizeof *a);
}

static void test_bf16_convert_dispatch_matches_reference(void **state)
{
    (void)state;
    compare_variant(mlpb__bf16_convert);
}

static void test_bf16_convert_avx512_matches_reference(void **state)
{
    (void)state;
    if (!mlpb__cpu_has_avx512bf16()) {
        print_message("CPU without AVX512-BF16: skipped\n");
        skip();
    }
    compare_variant(mlpb__bf16_convert_avx512);
}

/* ------------------------------------------------------ fused passes */
static void test_bf16_fused_passes_match_separate_ones(void **state)
{
    (void)state;
    enum { N = 13, M = 37 };
    float a[N * M], a2[N * M], bias[M], h[N * M], dh[N * M], dh2[N * M], db[M], db2[M];
    float mean[M], sd[M], row[M], xs[N * M];
    uint16_t c16[N * M], r16[N * M];
    mlpbt_fill_uniform(a, N * M, -2.0f, 2.0f, 1);
    mlpbt_fill_uniform(bias, M, -0.5f, 0.5f, 2);
    memcpy(a2, a, sizeof a);
    assert_true(mlpb__bias_relu_bf16(N, M, a, bias, c16));
    assert_true(mlpb__bias_relu(N, M, a2, bias));
    assert_memory_equal(a, a2, sizeof a);
    mlpb__bf16_convert_ref(N * M, a2, r16);
    assert_memory_equal(c16, r16, sizeof c16);
    /* A NaN is reported, and every row is still converted. */
    memcpy(a, a2, sizeof a);
    a[3] = NAN;
    assert_false(mlpb__bias_relu_bf16(N, M, a, bias, c16));

    mlpbt_fill_uniform(h, N * M, -1.0f, 1.0f, 3);
    mlpbt_fill_uniform(dh, N * M, -1.0f, 1.0f, 4);
    memcpy(dh2, dh, sizeof dh);
    mlpb__relu_grad_colsum_bf16(N, M, h, dh, db, c16);
    mlpb__relu_grad_colsum(N, M, h, dh2, db2);
    assert_memory_equal(dh, dh2, sizeof dh);
    assert_memory_equal(db, db2, sizeof db);
    mlpb__bf16_convert_ref(N * M, dh2, r16);
    assert_memory_equal(c16, r16, sizeof c16);

    mlpbt_fill_uniform(mean, M, -1.0f, 1.0f, 5);
    mlpbt_fill_uniform(sd, M, 0.5f, 2.0f, 6);
    mlpb__standardize_bf16(N, M, a2, mean, sd, row, c16);
    mlpb__standardize(N, M, a2, mean, sd, xs);
    mlpb__bf16_convert_ref(N * M, xs, r16);
    assert_memory_equal(c16, r16, sizeof c16);
}

/* ------------------------------------------------------------ products */
/* C = op(A) op(B) on bf16 operands against the double reference on the
 * widened operands: only the fp32 accumulation differs, so
 * |C - ref| <= g_K sum |a||b| (+ the beta term's rounding). */
static void check_product(mlpb_precision p, bool ta, bool tb, size_t m, size_t n, size_t k,
                          float beta)
{
    const size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
    const size_t na = (ta ? k : m) * lda, nb = (tb ? n : k) * ldb, nc = m * ldc;
    float *af = malloc(na * sizeof *af), *bf = malloc(nb * sizeof *bf);
    float *c = malloc(nc * sizeof *c), *ref = malloc(nc * sizeof *ref);
    float *old = malloc(nc * sizeof *old);
    float *abs_a = malloc(na * sizeof *abs_a), *abs_b = malloc(nb * sizeof *abs_b);
    float *bound = malloc(nc * sizeof *bound);
    uint16_t *a16 = malloc(na * sizeof *a16), *b16 = malloc(nb * sizeof *b16);
    float *scratch = malloc(MLPB_BF16_SCRATCH_FLOATS * sizeof *scratch);
    assert_true(old && af && bf && c && ref && abs_a && abs_b && bound && a16 && b16 && scratch);
    mlpbt_fill_uniform(af, na, -1.0f, 1.0f, m * 7 + n);
    mlpbt_fill_uniform(bf, nb, -1.0f, 1.0f, k * 5 + 1);
    mlpbt_fill_uniform(c, nc, -1.0f, 1.0f, 3);
    mlpb__bf16_convert_ref(na, af, a16);
    mlpb__bf16_convert_ref(nb, bf, b16);
    mlpb__bf16_widen(na, a16, af);
    mlpb__bf16_widen(nb, b16, bf);
    for (size_t i = 0; i < na; i++)
        abs_a[i] = fabsf(af[i]);
    for (size_t i = 0; i < nb; i++)
        abs_b[i] = fabsf(bf[i]);
    memcpy(ref, c, nc * sizeof *c);
    memcpy(old, c, nc * sizeof *c);
    mlpb__sgemm_ref(ta, tb, m, n, k, 1.0f, af, lda, bf, ldb, beta, ref, ldc);
    mlpb__sgemm_ref(ta, tb, m, n, k, 1.0f, abs_a, lda, abs_b, ldb, 0.0f, bound, ldc);
    if (p == MLPB_PRECISION_BF16) {
        assert_true(
            mlpb__dnnl_gemm_bf16(0, ta, tb, m, n, k, 1.0f, a16, lda, b16, ldb, beta, c, ldc));
    } else {
        mlpb__gemm_bf16_emulated(0, ta, tb, m, n, k, 1.0f, a16, lda, b16, ldb, beta, c, ldc,
                                 scratch);
    }
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            const double scaled_old = fabs((double)(beta * old[i * ldc + j]));
            const double tol = gam(k + 2) * ((double)bound[i * ldc + j] + scaled_old) + 1e-30;
            if (fabs((double)c[i * ldc + j] - (double)ref[i * ldc + j]) > tol) {
                print_error("%c%c %zux%zux%zu beta %g: C[%zu,%zu] = %.9g, reference %.9g\n",
                            ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, (double)beta, i, j,
                            (double)c[i * ldc + j], (double)ref[i * ldc + j]);
                fail();
            }
        }
    free(old), free(af), free(bf), free(c), free(ref), free(abs_a), free(abs_b), free(bound);
    free(a16), free(b16), free(scratch);
}

static void products(mlpb_precision p)
{
    /* Shapes inside one tile, across tile edges (256) in every dimension,
     * and the thin ones the fp32 door sends to sgemv/sger. */
    const size_t shapes[][3] = {{7, 5, 3},   {1, 9, 17},   {33, 1, 40}, {20, 30, 2},
                                {300, 7, 9}, {5, 270, 11}, {9, 8, 513}, {260, 258, 257}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 4; t++)
            check_product(p, t & 1, t & 2, shapes[s][0], shapes[s][1], shapes[s][2],
                          s % 2 ? 0.0f : 0.5f);
}

static void test_bf16_products_emulated(void **state)
{
    (void)state;
    products(MLPB_PRECISION_BF16_EMULATED);
}

static void test_bf16_products_native(void **state)
{
    (void)state;
    products(mode_or_skip(MLPB_PRECISION_BF16));
}

/* --------------------------------------------- gradients against double */
/* The exact (double) loss and gradients of a model on a batch, and a bound on
 * how far the bf16 computation may be from each: see the derivation at the
 * top of this file. eg[i] bounds |g_bf16[i] - g[i]|, *eloss the loss's. */
typedef struct ref_out {
    double *g, *eg, loss, eloss;
} ref_out;

/* Rounding a computed value whose error is within e to bf16: the error of
 * the operand the product then sees. */
static double rounded(double v, double e)
{
    return e + U_BF16 * (fabs(v) + e);
}

static void ref_bf16(mlpb_model *m, const float *x, const float *y, size_t n, const float *pw,
                     const float *sw, ref_out *out)
{
    size_t ns, np;
    const size_t *sizes = mlpb_model_sizes(m, &ns);
    const size_t nl = ns - 1, k = sizes[ns - 1];
    const float *params = mlpb_model_params(m, &np);
    const float *mean = mlpb_model_mean(m), *sd = mlpb_model_std(m);
    size_t w_off[16], b_off[16];
    assert_true(nl <= 16);
    for (size_t l = 0; l < nl; l++) {
        mlpb_layer ly;
        assert_int_equal(mlpb_model_layer(m, l, &ly), MLPB_OK);
        w_off[l] = (size_t)(ly.w - params);
        b_off[l] = (size_t)(ly.b - params);
    }
    size_t width = 0;
    for (size_t l = 0; l < ns; l++)
        width = sizes[l] > width ? sizes[l] : width;
    /* Per layer input l: values h and the error bound of its bf16 operand;
     * per layer output: pre-activations a and their bounds ea. */
    double *h[17], *eh[17], *a[17], *ea[17];
    for (size_t l = 0; l < ns; l++) {
        h[l] = calloc(n * sizes[l], sizeof(double));
        eh[l] = calloc(n * sizes[l], sizeof(double));
        a[l] = calloc(n * sizes[l], sizeof(double));
        ea[l] = calloc(n * sizes[l], sizeof(double));
        assert_true(h[l] && eh[l] && a[l] && ea[l]);
    }
    double *dl = calloc(n * width, sizeof(double)), *edl = calloc(n * width, sizeof(double));
    double *dn = calloc(n * width, sizeof(double)), *edn = calloc(n * width, sizeof(double));
    out->g = calloc(np, sizeof(double));
    out->eg = calloc(np, sizeof(double));
    assert_true(dl && edl && dn && edn && out->g && out->eg);

    const size_t d = sizes[0];
    for (size_t i = 0; i < n * d; i++) {
        double v = (double)x[i], e = 0.0;
        if (mean != NULL) {
            v = ((double)x[i] - (double)mean[i % d]) / (double)sd[i % d];
            e = 3.0 * U_FP32 * fabs(v); /* fp32 subtract and divide */
        }
        h[0][i] = v;
        eh[0][i] = rounded(v, e);
    }
    /* a[l + 1] (n x sizes[l + 1]) are the outputs of weight layer l. */
    for (size_t l = 0; l < nl; l++) {
        const size_t in = sizes[l], o = sizes[l + 1];
        const float *w = params + w_off[l], *b = params + b_off[l];
        for (size_t r = 0; r < n; r++)
            for (size_t j = 0; j < o; j++) {
                double s = 0.0, e = 0.0, mag = 0.0;
                for (size_t i = 0; i < in; i++) {
                    const double hv = h[l][r * in + i], he = eh[l][r * in + i];
                    const double wv = fabs((double)w[i * o + j]);
                    s += hv * (double)w[i * o + j];
                    e += wv * ((1.0 + U_BF16) * he + U_BF16 * fabs(hv));
                    mag += (fabs(hv) + he) * wv * (1.0 + U_BF16);
                }
                s += (double)b[j];
                e += gam(in + 1) * (mag + fabs((double)b[j]));
                a[l + 1][r * o + j] = s;
                ea[l + 1][r * o + j] = e;
                if (l + 1 < nl) {
                    /* ReLU; certainly 0 when the pre-activation is below -e. */
                    const double hv = s > 0.0 ? s : 0.0, he = s <= -e ? 0.0 : e;
                    h[l + 1][r * o + j] = hv;
                    eh[l + 1][r * o + j] = rounded(hv, he);
                }
            }
    }
    /* Loss and logit gradient, scale 1/n. */
    const double *z = a[nl], *ez = ea[nl];
    double loss = 0.0, eloss = 0.0;
    double *gdb = out->g + b_off[nl - 1], *edb = out->eg + b_off[nl - 1];
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < k; j++) {
            const double zv = z[r * k + j], yv = (double)y[r * k + j];
            const double pwj = pw == NULL ? 1.0 : (double)pw[j];
            const double swr = sw == NULL ? 1.0 : (double)sw[r];
            const double sp_neg = fmax(-zv, 0.0) + log1p(exp(-fabs(zv))); /* softplus(-z) */
            const double sp_pos = fmax(zv, 0.0) + log1p(exp(-fabs(zv)));  /* softplus(z) */
            loss += swr * (pwj * yv * sp_neg + (1.0 - yv) * sp_pos);
            const double sig = 1.0 / (1.0 + exp(-zv)), c = swr * (pwj * yv + 1.0 - yv);
            eloss += c * ez[r * k + j] + 1e-6 * swr * (pwj * yv * sp_neg + (1.0 - yv) * sp_pos);
            const double g = swr * (pwj * yv * (sig - 1.0) + (1.0 - yv) * sig) / (double)n;
            /* sigmoid' <= 1/4; the fp32 evaluation adds a few ulps. */
            const double e =
                c / (double)n * (0.25 * ez[r * k + j] + 16.0 * U_FP32) + 16.0 * U_FP32 * fabs(g);
            dl[r * k + j] = g;
            edl[r * k + j] = e;
            gdb[j] += g;
            edb[j] += e + gam(n) * fabs(g);
        }
    out->loss = loss / (double)n;
    out->eloss = eloss / (double)n;
    /* dl now holds the delta of the last layer; edl its error before
     * rounding. */
    for (size_t l = nl; l-- > 0;) {
        const size_t in = sizes[l], o = sizes[l + 1];
        const float *w = params + w_off[l];
        double *gw = out->g + w_off[l], *egw = out->eg + w_off[l];
        for (size_t i = 0; i < n * o; i++)
            edl[i] = rounded(dl[i], edl[i]);
        /* dW = H^T delta */
        for (size_t i = 0; i < in; i++)
            for (size_t j = 0; j < o; j++) {
                double s = 0.0, e = 0.0, mag = 0.0;
                for (size_t r = 0; r < n; r++) {
                    const double hv = h[l][r * in + i], he = eh[l][r * in + i];
                    const double dv = dl[r * o + j], de = edl[r * o + j];
                    s += hv * dv;
                    e += he * fabs(dv) + fabs(hv) * de + he * de;
                    mag += (fabs(hv) + he) * (fabs(dv) + de);
                }
                gw[i * o + j] = s;
                egw[i * o + j] = e + gam(n) * mag;
            }
        if (l == 0)
            break;
        /* dH = delta W^T, then the mask of hidden layer l (pre-activation
         * a[l]) and db of layer l - 1. */
        double *gb = out->g + b_off[l - 1], *egb = out->eg + b_off[l - 1];
        for (size_t r = 0; r < n; r++)
            for (size_t i = 0; i < in; i++) {
                double s = 0.0, e = 0.0, mag = 0.0;
                for (size_t j = 0; j < o; j++) {
                    const double dv = dl[r * o + j], de = edl[r * o + j];
                    const double wv = fabs((double)w[i * o + j]);
                    s += dv * (double)w[i * o + j];
                    e += wv * ((1.0 + U_BF16) * de + U_BF16 * fabs(dv));
                    mag += (fabs(dv) + de) * wv * (1.0 + U_BF16);
                }
                e += gam(o) * mag;
                const double av = a[l][r * in + i], ae = ea[l][r * in + i];
                const bool on = av > ae, off = av <= -ae;
                const double v = av > 0.0 ? s : 0.0;                /* the exact mask */
                const double ev = on ? e : off ? 0.0 : fabs(s) + e; /* may flip */
                dn[r * in + i] = v;
                edn[r * in + i] = ev;
                gb[i] += v;
                egb[i] += ev + gam(n) * fabs(v);
            }
        double *t = dl;
        dl = dn, dn = t;
        t = edl, edl = edn, edn = t;
    }
    for (size_t l = 0; l < ns; l++)
        free(h[l]), free(eh[l]), free(a[l]), free(ea[l]);
    free(dl), free(edl), free(dn), free(edn);
}

/* The library's loss and gradients in precision p (threading t) against
 * ref_bf16, on the shapes of test_backward's fp32 checks. */
static void check_gradients(mlpb_precision p, mlpb_threading t, const size_t *sizes, size_t n_sizes,
                            size_t n, bool weighted, bool standardize, uint64_t seed)
{
    mlpb_model *m = mlpbt_model(sizes, n_sizes, seed);
    const size_t d = sizes[0], k = sizes[n_sizes - 1];
    float *x = calloc(n * d, sizeof *x), *y = calloc(n * k, sizeof *y);
    float *pw = calloc(k, sizeof *pw), *sw = calloc(n, sizeof *sw);
    float *mean = calloc(d, sizeof *mean), *sd = calloc(d, sizeof *sd);
    assert_true(x && y && pw && sw && mean && sd);
    mlpbt_fill_uniform(x, n * d, -2.0f, 2.0f, seed + 1);
    mlpbt_fill_labels(y, n * k, seed + 2);
    mlpbt_fill_uniform(pw, k, 0.5f, 3.0f, seed + 3);
    mlpbt_fill_uniform(sw, n, 0.0f, 2.0f, seed + 4);
    mlpbt_fill_uniform(mean, d, -0.5f, 0.5f, seed + 5);
    mlpbt_fill_uniform(sd, d, 0.5f, 2.0f, seed + 6);
    for (size_t l = 0; l < mlpb_model_n_layers(m); l++) {
        mlpb_layer ly;
        assert_int_equal(mlpb_model_layer(m, l, &ly), MLPB_OK);
        mlpbt_fill_uniform(ly.b, ly.out, -0.3f, 0.3f, seed + 10 + l);
    }
    if (standardize)
        assert_int_equal(mlpb_model_set_standardization(m, mean, sd), MLPB_OK);
    const mlpb_loss_weights w = {pw, sw};
    const mlpb_loss_weights *wp = weighted ? &w : NULL;

    /* fp32 first, for the check that bf16 changed something. */
    mlpb_workspace *ws = NULL;
    size_t np;
    assert_int_equal(mlpb_workspace_create(m, n, NULL, &ws), MLPB_OK);
    float loss32, loss;
    assert_int_equal(mlpb_loss_grad_weighted(m, ws, x, y, n, wp, &loss32), MLPB_OK);
    const float *g0 = mlpb_model_grads(m, &np);
    float *g32 = malloc(np * sizeof *g32);
    assert_non_null(g32);
    memcpy(g32, g0, np * sizeof *g32);

    assert_int_equal(mlpb_workspace_set_threading(ws, t), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_precision(ws, p), MLPB_OK);
    assert_int_equal(mlpb_workspace_precision(ws), p);
    assert_int_equal(mlpb_loss_grad_weighted(m, ws, x, y, n, wp, &loss), MLPB_OK);
    const float *g = mlpb_model_grads(m, NULL);

    ref_out r;
    ref_bf16(m, x, y, n, weighted ? pw : NULL, weighted ? sw : NULL, &r);
    double worst = 0.0, changed = 0.0, gmax = 0.0;
    for (size_t i = 0; i < np; i++) {
        const double err = fabs((double)g[i] - r.g[i]);
        if (err > r.eg[i]) {
            print_error("param %zu of %zu: bf16 %.9g, exact %.9g, |error| %.3g > bound %.3g\n", i,
                        np, (double)g[i], r.g[i], err, r.eg[i]);
            fail();
        }
        worst = fmax(worst, err / r.eg[i]);
        changed = fmax(changed, fabs((double)g[i] - (double)g32[i]));
        /* The reference itself agrees with the fp32 gradients, which
         * test_backward checks against central differences. */
        assert_true(fabs((double)g32[i] - r.g[i]) <= 1e-4 * fabs(r.g[i]) + 1e-6);
        gmax = fmax(gmax, fabs(r.g[i]));
    }
    assert_true(fabs((double)loss - r.loss) <= r.eloss);
    print_message("sizes[0]=%zu layers=%zu n=%zu: worst |error| / bound %.3f, "
                  "max |g_bf16 - g_fp32| / max |g| %.2e\n",
                  d, n_sizes - 1, n, worst, changed / gmax);
    /* The roundings are live: bf16 moved the gradient well past fp32's own
     * error (~1e-7 relative). */
    assert_true(changed > 1e-5 * gmax);
    free(r.g), free(r.eg), free(g32);
    free(x), free(y), free(pw), free(sw), free(mean), free(sd);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

static void gradients(mlpb_precision p, mlpb_threading t)
{
    const size_t s1[] = {5, 7, 1}, s2[] = {4, 6, 1}, s3[] = {3, 8, 4}, s4[] = {6, 5, 7, 3};
    const size_t s5[] = {4, 9, 3, 6, 2}, s6[] = {5, 4, 3};
    check_gradients(p, t, s1, 3, 6, false, false, 11);
    check_gradients(p, t, s2, 3, 1, false, false, 12);
    check_gradients(p, t, s3, 3, 9, false, false, 13);
    check_gradients(p, t, s4, 4, 10, false, false, 14);
    check_gradients(p, t, s5, 5, 7, true, true, 15);
    check_gradients(p, t, s6, 3, 8, true, false, 16);
    /* Wide enough that every product spans several emulation tiles. */
    const size_t s7[] = {300, 260, 40, 2};
    check_gradients(p, t, s7, 4, 270, true, true, 17);
}

static void test_bf16_gradients_emulated(void **state)
{
    (void)state;
    gradients(MLPB_PRECISION_BF16_EMULATED, MLPB_THREADING_BLAS);
}

static void test_bf16_gradients_native(void **state)
{
    (void)state;
    gradients(mode_or_skip(MLPB_PRECISION_BF16), MLPB_THREADING_BLAS);
}

/* Split batches: each block on its own view of the bf16 copies. */
static void test_bf16_gradients_split_emulated(void **state)
{
    (void)state;
    const int keep = mlpb_blas_threads();
    mlpb_blas_set_threads(2);
    const size_t s[] = {300, 260, 40, 2};
    check_gradients(MLPB_PRECISION_BF16_EMULATED, MLPB_THREADING_SPLIT, s, 4, 270, true, true, 18);
    mlpb_blas_set_threads(keep);
}

/* ------------------------------------------------------------------ API */
static void test_bf16_precision_api(void **state)
{
    (void)state;
    const size_t sizes[] = {6, 9, 2};
    mlpb_model *m = mlpbt_model(sizes, 3, 3);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 8, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_workspace_precision(ws), MLPB_PRECISION_FP32);
    assert_int_equal(mlpb_workspace_precision(NULL), MLPB_PRECISION_FP32);
    assert_int_equal(mlpb_workspace_set_precision(NULL, MLPB_PRECISION_FP32), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_workspace_set_precision(ws, (mlpb_precision)3), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_workspace_set_precision(ws, (mlpb_precision)-1), MLPB_E_INVALID_ARG);
    /* Native bf16 is there or it is refused with its own status, never
     * emulated behind the caller's back. */
    const mlpb_status st = mlpb_workspace_set_precision(ws, MLPB_PRECISION_BF16);
    if (mlpb_bf16_native()) {
        assert_int_equal(st, MLPB_OK);
        assert_int_equal(mlpb_workspace_precision(ws), MLPB_PRECISION_BF16);
    } else {
        assert_int_equal(st, MLPB_E_UNSUPPORTED);
        assert_int_equal(mlpb_workspace_precision(ws), MLPB_PRECISION_FP32);
    }
    if (!mlpb__dnnl_built() || !mlpb__cpu_has_avx512bf16())
        assert_false(mlpb_bf16_native());
    assert_non_null(strstr(mlpb_strerror(MLPB_E_UNSUPPORTED), "bf16"));

    /* Back to fp32: bitwise the fp32 results of a fresh workspace. */
    float x[8 * 6], y[8 * 2], p32[8 * 2], p16[8 * 2], pb[8 * 2];
    mlpbt_fill_uniform(x, sizeof x / sizeof x[0], -1.0f, 1.0f, 4);
    mlpbt_fill_labels(y, sizeof y / sizeof y[0], 5);
    mlpb_workspace *fresh = NULL;
    assert_int_equal(mlpb_workspace_create(m, 8, NULL, &fresh), MLPB_OK);
    assert_int_equal(mlpb_predict(m, fresh, x, 8, p32), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_precision(ws, MLPB_PRECISION_BF16_EMULATED), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_precision(ws, MLPB_PRECISION_BF16_EMULATED), MLPB_OK);
    assert_int_equal(mlpb_predict(m, ws, x, 8, p16), MLPB_OK);
    assert_memory_not_equal(p16, p32, sizeof p32);
    for (size_t i = 0; i < 16; i++)
        assert_true(fabsf(p16[i] - p32[i]) < 0.05f);
    /* Weights changed through the layer view are seen by the next call. */
    mlpb_layer ly;
    assert_int_equal(mlpb_model_layer(m, 1, &ly), MLPB_OK);
    const float keep = ly.w[0];
    ly.w[0] = 4.0f;
    assert_int_equal(mlpb_predict(m, ws, x, 8, pb), MLPB_OK);
    assert_memory_not_equal(pb, p16, sizeof p16);
    ly.w[0] = keep;
    assert_int_equal(mlpb_predict(m, ws, x, 8, pb), MLPB_OK);
    assert_memory_equal(pb, p16, sizeof p16);
    assert_int_equal(mlpb_workspace_set_precision(ws, MLPB_PRECISION_FP32), MLPB_OK);
    assert_int_equal(mlpb_predict(m, ws, x, 8, pb), MLPB_OK);
    assert_memory_equal(pb, p32, sizeof p32);

    /* Non-finite input is still MLPB_E_NUMERIC in bf16. */
    assert_int_equal(mlpb_workspace_set_precision(ws, MLPB_PRECISION_BF16_EMULATED), MLPB_OK);
    x[7] = NAN;
    assert_int_equal(mlpb_predict(m, ws, x, 8, pb), MLPB_E_NUMERIC);
    float loss;
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 8, &loss), MLPB_E_NUMERIC);
    x[7] = INFINITY;
    assert_int_equal(mlpb_loss(m, ws, x, y, 8, NULL, &loss), MLPB_E_NUMERIC);
    mlpb_workspace_destroy(fresh);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* Precision and threading in either order, and allocation failures leave the
 * workspace as it was and leak nothing. */
static void test_bf16_precision_threading_and_memory(void **state)
{
    (void)state;
    const int keep = mlpb_blas_threads();
    mlpb_blas_set_threads(2);
    const size_t sizes[] = {40, 64, 3};
    mlpb_model *m = mlpbt_model(sizes, 3, 8);
    enum { N = 100 };
    float *x = malloc(N * 40 * sizeof *x), *y = malloc(N * 3 * sizeof *y);
    float *pa = malloc(N * 3 * sizeof *pa), *pb = malloc(N * 3 * sizeof *pb);
    assert_true(x && y && pa && pb);
    mlpbt_fill_uniform(x, N * 40, -1.0f, 1.0f, 9);
    mlpbt_fill_labels(y, N * 3, 10);
    mlpbt_counter c;
    const mlpb_allocator al = mlpbt_counting_allocator(&c);
    mlpb_workspace *a = NULL, *b = NULL;
    assert_int_equal(mlpb_workspace_create(m, N, &al, &a), MLPB_OK);
    assert_int_equal(mlpb_workspace_create(m, N, &al, &b), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_precision(a, MLPB_PRECISION_BF16_EMULATED), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_threading(a, MLPB_THREADING_SPLIT), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_threading(b, MLPB_THREADING_SPLIT), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_precision(b, MLPB_PRECISION_BF16_EMULATED), MLPB_OK);
    assert_int_equal(mlpb_predict(m, a, x, N, pa), MLPB_OK);
    assert_int_equal(mlpb_predict(m, b, x, N, pb), MLPB_OK);
    assert_memory_equal(pa, pb, N * 3 * sizeof *pa);
    /* Unsplit again: the same roundings, only fp32 sums may be reordered. */
    assert_int_equal(mlpb_workspace_set_threading(a, MLPB_THREADING_BLAS), MLPB_OK);
    assert_int_equal(mlpb_predict(m, a, x, N, pb), MLPB_OK);
    for (size_t i = 0; i < N * 3; i++)
        assert_true(fabsf(pa[i] - pb[i]) <= 1e-5f);

    /* Every allocation of set_precision and of a re-split failing in turn. */
    for (size_t fail_at = 0;; fail_at++) {
        mlpb_workspace *w = NULL;
        c.fail_at = SIZE_MAX;
        assert_int_equal(mlpb_workspace_create(m, N, &al, &w), MLPB_OK);
        c.fail_at = c.calls + fail_at;
        mlpb_status st = mlpb_workspace_set_precision(w, MLPB_PRECISION_BF16_EMULATED);
        if (st == MLPB_OK)
            st = mlpb_workspace_set_threading(w, MLPB_THREADING_SPLIT);
        c.fail_at = SIZE_MAX;
        if (st == MLPB_OK) {
            assert_int_equal(mlpb_predict(m, w, x, N, pb), MLPB_OK);
            assert_memory_equal(pa, pb, N * 3 * sizeof *pa);
            mlpb_workspace_destroy(w);
            break;
        }
        assert_int_equal(st, MLPB_E_NOMEM);
        /* Still usable, in whatever precision it has. */
        assert_int_equal(mlpb_predict(m, w, x, N, pb), MLPB_OK);
        if (mlpb_workspace_precision(w) == MLPB_PRECISION_BF16_EMULATED)
            assert_memory_equal(pa, pb, N * 3 * sizeof *pa);
        mlpb_workspace_destroy(w);
    }
    mlpb_workspace_destroy(a);
    mlpb_workspace_destroy(b);
    assert_int_equal(c.live, 0);
    free(x), free(y), free(pa), free(pb);
    mlpb_model_destroy(m);
    mlpb_blas_set_threads(keep);
}

/* ------------------------------------------------------------- training */
/* Accuracy of m on n rows, predicting in precision p. */
static double accuracy(const mlpb_model *m, mlpb_precision p, const float *x, const float *y,
                       size_t n)
{
    const size_t k = mlpb_model_n_outputs(m);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 64, NULL, &ws), MLPB_OK);
    assert_int_equal(mlpb_workspace_set_precision(ws, p), MLPB_OK);
    float *prob = malloc(n * k * sizeof *prob);
    assert_non_null(prob);
    assert_int_equal(mlpb_predict(m, ws, x, n, prob), MLPB_OK);
    size_t right = 0;
    for (size_t i = 0; i < n; i++)
        right += (prob[i * k] >= 0.5f) == (y[i * k] >= 0.5f);
    free(prob);
    mlpb_workspace_destroy(ws);
    return (double)right / (double)n;
}

typedef struct task {
    const char *name;
    const size_t *sizes;
    size_t n_sizes;
    mlpb_dataset train;
    const float *tx, *ty; /* held-out rows */
    size_t tn;
    mlpb_train_opts opts;
    double margin; /* bf16 may lose at most this much accuracy */
} task;

/* Train the same model from the same seed in fp32 and in p; the bf16 model
 * must reach the fp32 held-out accuracy within the task's margin, predicting
 * in fp32 and in bf16, also after a round trip through a (fp32) model file. */
static void train_both(const task *t, mlpb_precision p)
{
    mlpb_model *m32 = mlpbt_model(t->sizes, t->n_sizes, 1);
    mlpb_model *m16 = mlpbt_model(t->sizes, t->n_sizes, 1);
    mlpb_train_opts o = t->opts;
    mlpb_train_report rep;
    o.precision = MLPB_PRECISION_FP32;
    assert_int_equal(mlpb_train(m32, &t->train, NULL, &o, NULL, &rep), MLPB_OK);
    o.precision = p;
    assert_int_equal(mlpb_train(m16, &t->train, NULL, &o, NULL, &rep), MLPB_OK);
    const double a32 = accuracy(m32, MLPB_PRECISION_FP32, t->tx, t->ty, t->tn);
    const double a16 = accuracy(m16, MLPB_PRECISION_FP32, t->tx, t->ty, t->tn);
    const double a16b = accuracy(m16, p, t->tx, t->ty, t->tn);
    size_t len;
    unsigned char *img = mlpbt_model_image(m16, &len);
    mlpb_model *back = NULL;
    assert_int_equal(mlpb_model_load_mem(img, len, NULL, &back), MLPB_OK);
    const double aback = accuracy(back, p, t->tx, t->ty, t->tn);
    print_message("%s: held-out accuracy fp32 %.4f, bf16-trained %.4f (predicting in fp32), "
                  "%.4f (in bf16), %.4f (bf16, reloaded); margin %.3f\n",
                  t->name, a32, a16, a16b, aback, t->margin);
    assert_true(a16 >= a32 - t->margin);
    assert_true(a16b >= a32 - t->margin);
    assert_true(aback == a16b);
    free(img);
    mlpb_model_destroy(back);
    mlpb_model_destroy(m32);
    mlpb_model_destroy(m16);
}

static const float xor_x[] = {0, 0, 0, 1, 1, 0, 1, 1};
static const float xor_y[] = {0, 1, 1, 0};

/* scikit-learn's make_moons, as in test_train.c. */
static void make_moons(float *x, float *y, size_t n, double noise, uint64_t seed)
{
    mlpb_rng r;
    mlpb__rng_seed(&r, seed);
    const double pi = 3.14159265358979323846;
    for (size_t i = 0; i < n; i++) {
        const double t = pi * mlpb__rng_uniform(&r);
        const bool one = i % 2 == 1;
        const double a = one ? 1.0 - cos(t) : cos(t), b = one ? 0.5 - sin(t) : sin(t);
        x[2 * i] = (float)(a + noise * mlpb__rng_normal(&r));
        x[2 * i + 1] = (float)(b + noise * mlpb__rng_normal(&r));
        y[i] = one ? 1.0f : 0.0f;
    }
}

/* Margins: XOR none (4 rows, both must be exact); two moons 0.01 (4 of 400
 * held-out rows); breast cancer 0.021 (3 of 142 rows). */
static void training(mlpb_precision p)
{
    const size_t xs[] = {2, 8, 1};
    task t = {.name = "xor",
              .sizes = xs,
              .n_sizes = 3,
              .train = {xor_x, xor_y, NULL, 4},
              .tx = xor_x,
              .ty = xor_y,
              .tn = 4,
              .margin = 0.0};
    mlpb_train_opts_default(&t.opts);
    t.opts.epochs = 300;
    t.opts.batch_size = 4;
    t.opts.optim.lr = 0.05f;
    t.opts.val_fraction = 0.0f;
    t.opts.seed = 1;
    train_both(&t, p);

    enum { N = 400 };
    float *x = malloc(2 * N * sizeof *x), *y = malloc(N * sizeof *y);
    float *tx = malloc(2 * N * sizeof *tx), *ty = malloc(N * sizeof *ty);
    assert_true(x && y && tx && ty);
    make_moons(x, y, N, 0.1, 11);
    make_moons(tx, ty, N, 0.1, 12);
    const size_t ms[] = {2, 32, 32, 1};
    task mt = {.name = "two moons",
               .sizes = ms,
               .n_sizes = 4,
               .train = {x, y, NULL, N},
               .tx = tx,
               .ty = ty,
               .tn = N,
               .margin = 0.01};
    mlpb_train_opts_default(&mt.opts);
    mt.opts.epochs = 150;
    mt.opts.optim.lr = 0.01f;
    mt.opts.val_fraction = 0.2f;
    mt.opts.patience = 30;
    mt.opts.seed = 3;
    train_both(&mt, p);
    free(x), free(y), free(tx), free(ty);

#ifdef MLPB_TEST_HAVE_DATA
    cli_data_opts dopts;
    cli_data_opts_init(&dopts);
    cli_data all, tr, te;
    char err[256];
    assert_int_equal(
        cli_data_read(MLPB_TEST_DATA_DIR "/breast_cancer.csv", &dopts, &all, err, sizeof err),
        MLPB_OK);
    assert_int_equal(cli_data_split(&all, 0.25, 42, &tr, &te), MLPB_OK);
    const size_t bs[] = {30, 32, 1};
    task bt = {.name = "breast cancer",
               .sizes = bs,
               .n_sizes = 3,
               .train = {tr.x, tr.y, NULL, tr.n},
               .tx = te.x,
               .ty = te.y,
               .tn = te.n,
               .margin = 0.021};
    mlpb_train_opts_default(&bt.opts);
    bt.opts.seed = 42;
    train_both(&bt, p);
    cli_data_free(&all);
    cli_data_free(&tr);
    cli_data_free(&te);
#endif
}

static void test_bf16_training_emulated(void **state)
{
    (void)state;
    training(MLPB_PRECISION_BF16_EMULATED);
}

static void test_bf16_training_native(void **state)
{
    (void)state;
    training(mode_or_skip(MLPB_PRECISION_BF16));
}

static void test_bf16_train_option_checked(void **state)
{
    (void)state;
    const size_t xs[] = {2, 8, 1};
    mlpb_model *m = mlpbt_model(xs, 3, 1);
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    assert_int_equal(o.precision, MLPB_PRECISION_FP32);
    o.epochs = 2;
    o.val_fraction = 0.0f;
    const mlpb_dataset tr = {xor_x, xor_y, NULL, 4};
    size_t np;
    const float *p = mlpb_model_params(m, &np);
    float before[64];
    assert_true(np <= 64);
    memcpy(before, p, np * sizeof *p);
    o.precision = (mlpb_precision)7;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, NULL), MLPB_E_INVALID_ARG);
    o.precision = MLPB_PRECISION_BF16;
    const mlpb_status st = mlpb_train(m, &tr, NULL, &o, NULL, NULL);
    assert_int_equal(st, mlpb_bf16_native() ? MLPB_OK : MLPB_E_UNSUPPORTED);
    if (st != MLPB_OK)
        assert_memory_equal(before, p, np * sizeof *p); /* untouched */
    mlpb_model_destroy(m);
}

/* The trainer's memory bound covers the bf16 state: a run's peak (by the
 * sizes asked for) is never above mlpb_train_memory and within 3% of it. */
typedef struct tracker {
    size_t live, peak;
} tracker;

static void *track_alloc(void *ctx, size_t size, size_t align)
{
    tracker *t = ctx;
    unsigned char *p = aligned_alloc(align, (size + align - 1) / align * align + align);
    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof size);
    t->live += size;
    t->peak = t->live > t->peak ? t->live : t->peak;
    return p + align;
}

static void track_free(void *ctx, void *q)
{
    tracker *t = ctx;
    if (q == NULL)
        return;
    unsigned char *p = (unsigned char *)q - MLPB_ALIGN;
    size_t size;
    memcpy(&size, p, sizeof size);
    t->live -= size;
    free(p);
}

static void test_bf16_train_memory_bound(void **state)
{
    (void)state;
    enum { N = 600, D = 20, K = 2 };
    const size_t sizes[] = {D, 48, K};
    float *x = malloc(N * D * sizeof *x), *y = malloc(N * K * sizeof *y);
    assert_true(x && y);
    mlpbt_fill_uniform(x, N * D, -1.0f, 1.0f, 3);
    mlpbt_fill_labels(y, N * K, 4);
    const int keep = mlpb_blas_threads();
    const mlpb_threading modes[] = {MLPB_THREADING_BLAS, MLPB_THREADING_SPLIT};
    for (int i = 0; i < 2; i++) {
        mlpb_blas_set_threads(i + 1);
        mlpb_model *m = mlpbt_model(sizes, 3, 5);
        mlpb_train_opts o;
        mlpb_train_opts_default(&o);
        o.epochs = 2;
        o.batch_size = 64;
        o.threading = modes[i];
        o.precision = MLPB_PRECISION_BF16_EMULATED;
        tracker t = {0, 0};
        const mlpb_allocator a = {track_alloc, track_free, &t};
        const mlpb_dataset tr = {x, y, NULL, N};
        assert_int_equal(mlpb_train(m, &tr, NULL, &o, &a, NULL), MLPB_OK);
        assert_int_equal(t.live, 0);
        size_t bound, bound32;
        assert_int_equal(mlpb_train_memory(sizes, 3, N, &o, &bound), MLPB_OK);
        o.precision = MLPB_PRECISION_FP32;
        assert_int_equal(mlpb_train_memory(sizes, 3, N, &o, &bound32), MLPB_OK);
        print_message("threads %d: peak %zu bytes, bound %zu (fp32 bound %zu)\n", i + 1, t.peak,
                      bound, bound32);
        assert_true(t.peak <= bound && (double)bound <= 1.03 * (double)t.peak);
        assert_true(bound > bound32);
        o.precision = (mlpb_precision)9;
        assert_int_equal(mlpb_train_memory(sizes, 3, N, &o, &bound), MLPB_E_INVALID_ARG);
        mlpb_model_destroy(m);
    }
    mlpb_blas_set_threads(keep);
    free(x), free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bf16_round_edge_values),
        cmocka_unit_test(test_bf16_round_matches_definition),
        cmocka_unit_test(test_bf16_convert_dispatch_matches_reference),
        cmocka_unit_test(test_bf16_convert_avx512_matches_reference),
        cmocka_unit_test(test_bf16_fused_passes_match_separate_ones),
        cmocka_unit_test(test_bf16_products_emulated),
        cmocka_unit_test(test_bf16_products_native),
        cmocka_unit_test(test_bf16_gradients_emulated),
        cmocka_unit_test(test_bf16_gradients_native),
        cmocka_unit_test(test_bf16_gradients_split_emulated),
        cmocka_unit_test(test_bf16_precision_api),
        cmocka_unit_test(test_bf16_precision_threading_and_memory),
        cmocka_unit_test(test_bf16_training_emulated),
        cmocka_unit_test(test_bf16_training_native),
        cmocka_unit_test(test_bf16_train_option_checked),
        cmocka_unit_test(test_bf16_train_memory_bound),
    };
    return cmocka_run_group_tests_name("bf16", tests, NULL, NULL);
}
