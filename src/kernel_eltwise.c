/* kernel_eltwise.c -- the fused elementwise passes around the products: bias +
 * ReLU, sigmoid, BCE with its logit gradient and bias gradient, the ReLU mask
 * with its column sum, standardisation, finiteness checks. Loops are written
 * so that the compiler vectorises them without -ffast-math (NaNs must
 * survive to the checks). */
#include "kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* MLPB_CLONES (kernels.h): each pass below that carries it is built for
 * AVX-512, AVX2 and the baseline, one chosen at load time. */

/* Helpers of the cloned passes: inlined into each build, so that they are
 * compiled (and vectorised) for its instruction set. */
#if defined(__GNUC__) || defined(__clang__)
#define MLPB_INLINE static inline __attribute__((always_inline))
#else
#define MLPB_INLINE static inline
#endif

/* Bit 31 set if the float is Inf or NaN: its exponent field plus one unit
 * carries out of the field exactly when the field is all ones. An integer
 * test (an and and an add; OR-ed together over a pass, then bit 31 read
 * once): it vectorises, and no compiler may fold it away. */
#define NON_FINITE_BIT 0x80000000u
static inline uint32_t non_finite(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return (u & 0x7f800000u) + 0x00800000u;
}

/* The row passes below work one row at a time through a helper whose
 * pointers are restrict: a single vector loop a row, with no run-time
 * overlap checks between the row and the bias (or column sum) vector. */
MLPB_INLINE uint32_t bias_relu_row(size_t m, float *restrict row, const float *restrict bias)
{
    uint32_t bad = 0;
    for (size_t j = 0; j < m; j++) {
        const float v = row[j] + bias[j];
        bad |= non_finite(v);
        row[j] = v < 0.0f ? 0.0f : v;
    }
    return bad;
}

MLPB_CLONES
bool mlpb__bias_relu(size_t n, size_t m, float *restrict a, const float *restrict bias)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= bias_relu_row(m, a + i * m, bias);
    return (bad & NON_FINITE_BIT) == 0;
}

MLPB_INLINE uint32_t bias_add_row(size_t m, float *restrict row, const float *restrict bias)
{
    uint32_t bad = 0;
    for (size_t j = 0; j < m; j++) {
        const float v = row[j] + bias[j];
        bad |= non_finite(v);
        row[j] = v;
    }
    return bad;
}

MLPB_CLONES
bool mlpb__bias_add(size_t n, size_t m, float *restrict a, const float *restrict bias)
{
    uint32_t bad = 0;
    if (m == 1) { /* one output: the bias is a scalar, the block a vector */
        const float b = bias[0];
        for (size_t i = 0; i < n; i++) {
            const float v = a[i] + b;
            bad |= non_finite(v);
            a[i] = v;
        }
        return (bad & NON_FINITE_BIT) == 0;
    }
    for (size_t i = 0; i < n; i++)
        bad |= bias_add_row(m, a + i * m, bias);
    return (bad & NON_FINITE_BIT) == 0;
}

/* exp(x) for x <= 0 (NaN passes through), branch-free so that a loop of it
 * vectorises: x = n ln2 + r with |r| <= ln2/2 (Cody and Waite's two-part
 * ln2, so n ln2_hi is exact), e^r from Moshier's degree-6 Cephes polynomial
 * (max error ~1 ulp), then 2^n in two factors, each a normal float, so that
 * a result below FLT_MIN rounds once into a subnormal instead of flushing.
 * Only adds, multiplies and selects, none contracted: every build of the
 * loops around it (SSE2, AVX2, AVX-512) gives bitwise the same values.
 * Arguments below -104 give e^-104, which rounds to 0 as e^x does. */
MLPB_INLINE float exp_nonpos(float x)
{
    const float xc = x >= -104.0f ? x : -104.0f; /* NaN too: no NaN to int */
    /* round(xc / ln2) by the 1.5 * 2^23 shifter (round to nearest even). */
    const float shifter = 12582912.0f;
    const float n = (xc * 1.44269504088896341f + shifter) - shifter;
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    const int ni = (int)n, n1 = ni / 2, n2 = ni - n1; /* each in [-76, 0] */
    const uint32_t b1 = (uint32_t)(n1 + 127) << 23, b2 = (uint32_t)(n2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    const float e = p * s1 * s2;
    return x != x ? x : e;
}

/* log(u) for u in [1, 2] (NaN passes through), branch-free: u = 2^e (1 + f)
 * with f in [sqrt(1/2) - 1, sqrt(2) - 1], log(1 + f) from Moshier's Cephes
 * logf polynomial (~1 ulp), e ln2 added in two parts. */
MLPB_INLINE float log_1_2(float u)
{
    const bool hi = u > 1.41421356237f;
    const float f = hi ? u * 0.5f - 1.0f : u - 1.0f; /* both exact (Sterbenz) */
    const float e = hi ? 1.0f : 0.0f;
    const float z = f * f;
    float y = 7.0376836292e-2f;
    y = y * f - 1.1514610310e-1f;
    y = y * f + 1.1676998740e-1f;
    y = y * f - 1.2420140846e-1f;
    y = y * f + 1.4249322787e-1f;
    y = y * f - 1.6668057665e-1f;
    y = y * f + 2.0000714765e-1f;
    y = y * f - 2.4999993993e-1f;
    y = y * f + 3.3333331174e-1f;
    y = y * f * z;
    y = y + e * -2.12194440e-4f;
    y = y - 0.5f * z;
    return (f + y) + e * 0.693359375f;
}

MLPB_CLONES
void mlpb__sigmoid(size_t n, const float *restrict z, float *restrict p)
{
    for (size_t i = 0; i < n; i++) {
        /* exp of a non-positive argument only: never overflows. */
        const float t = exp_nonpos(-fabsf(z[i]));
        p[i] = z[i] >= 0.0f ? 1.0f / (1.0f + t) : t / (1.0f + t);
    }
}

/* BCE of one logit: with t = exp(-|z|),
 *   softplus(z)  = max(z, 0) + log1p(t),   softplus(-z) = max(-z, 0) + log1p(t),
 *   sigmoid(z)   = 1 / (1 + t) for z >= 0, t / (1 + t) otherwise,
 * so one exp serves all three, nothing overflows for any finite z, and the
 * tiny loss of a confident right answer (log1p(e^-30) ~ 9e-14) is not lost
 * to cancellation as it would be in softplus(z) - z. In float: every step
 * is a ~1-ulp operation on a value of its own scale (no subtraction of
 * near-equal terms), so each term is good to a few ulps, as good as the
 * float logits it comes from; the sums are kept in double.
 * log1p(t) for t in [0, 1] comes from log(u), u = 1 + t rounded: log(u)
 * (u - 1)^-1 t corrects for exactly that rounding (Goldberg, "What every
 * computer scientist should know about floating-point arithmetic", theorem
 * 4: a few ulps). The loss and the unscaled gradient of len logits go to
 * loss[] and grad[]: one branch-free loop, which the compiler vectorises. */
MLPB_INLINE void bce_terms(size_t len, const float *restrict z, const float *restrict y,
                           const float *restrict pw, float *restrict loss, float *restrict grad)
{
    for (size_t i = 0; i < len; i++) {
        const float zi = z[i], yi = y[i], pwi = pw[i];
        const float t = exp_nonpos(-fabsf(zi));
        const float u = 1.0f + t;
        const float l = u == 1.0f ? t : log_1_2(u) * (t / (u == 1.0f ? 1.0f : u - 1.0f));
        const float sp = (zi > 0.0f ? zi : 0.0f) + l, spn = (zi < 0.0f ? -zi : 0.0f) + l;
        loss[i] = pwi * yi * spn + (1.0f - yi) * sp;
        /* d/dz = (1 - y) sigmoid(z) - pw y sigmoid(-z), i.e. sigmoid(z) - y
         * when pw = 1, with sigmoid(-z) = 1 - sigmoid(z) formed without
         * subtracting (a right answer's gradient is as small as its loss). */
        const float r = 1.0f / u;
        const float s = zi >= 0.0f ? r : t * r;
        const float sn = zi >= 0.0f ? t * r : r;
        grad[i] = (1.0f - yi) * s - pwi * yi * sn;
    }
}

/* Logits per bce_terms call: the flat n x k block is cut into spans of this
 * many, across rows, so that one output (k = 1) vectorises as well as many. */
#define BCE_SPAN 64

/* The loss sum of n x k logits z and, if zg is not NULL, the scaled
 * gradient in zg (z itself, or elsewhere) and its column sums in db. Each
 * row's terms are summed in double in column order, then weighted and added
 * in row order: the same order for every build and span length. */
MLPB_INLINE double bce_rows(size_t n, size_t k, const float *z, float *zg, const float *restrict y,
                            const float *restrict pw, const float *restrict sw, float scale,
                            float *restrict db)
{
    float pwe[BCE_SPAN], lt[BCE_SPAN], gt[BCE_SPAN];
    if (zg != NULL)
        for (size_t j = 0; j < k; j++)
            db[j] = 0.0f;
    if (pw == NULL)
        for (size_t s = 0; s < BCE_SPAN; s++)
            pwe[s] = 1.0f;
    double sum = 0.0, row = 0.0;
    size_t i = 0, j = 0; /* row and column of the span's next logit */
    float swi = sw == NULL || n == 0 ? 1.0f : sw[0];
    const size_t total = n * k; /* z holds that many floats */
    for (size_t e0 = 0; e0 < total; e0 += BCE_SPAN) {
        const size_t len = total - e0 < BCE_SPAN ? total - e0 : BCE_SPAN;
        if (pw != NULL)
            for (size_t s = 0, c = j; s < len; s++, c = c + 1 == k ? 0 : c + 1)
                pwe[s] = pw[c];
        bce_terms(len, z + e0, y + e0, pwe, lt, gt);
        for (size_t s = 0; s < len; s++) {
            row += (double)lt[s];
            if (zg != NULL) {
                const float gf = gt[s] * (swi * scale);
                zg[e0 + s] = gf;
                db[j] += gf;
            }
            if (++j == k) {
                sum += (double)swi * row;
                row = 0.0;
                j = 0;
                if (sw != NULL && ++i < n)
                    swi = sw[i];
            }
        }
    }
    return sum;
}

MLPB_CLONES
double mlpb__bce_grad(size_t n, size_t k, float *restrict z, const float *restrict y,
                      const float *restrict pw, const float *restrict sw, float scale,
                      float *restrict db)
{
    return bce_rows(n, k, z, db == NULL ? NULL : z, y, pw, sw, scale, db);
}

MLPB_CLONES
double mlpb__bce(size_t n, size_t k, const float *restrict z, const float *restrict y,
                 const float *restrict pw, const float *restrict sw)
{
    return bce_rows(n, k, z, NULL, y, pw, sw, 1.0f, NULL);
}

MLPB_INLINE void relu_grad_row(size_t m, const float *restrict h, float *restrict d,
                               float *restrict db)
{
    for (size_t j = 0; j < m; j++) {
        /* f'(a) from the activation: h > 0 exactly where a > 0. */
        const float g = h[j] > 0.0f ? d[j] : 0.0f;
        d[j] = g;
        db[j] += g;
    }
}

MLPB_CLONES
void mlpb__relu_grad_colsum(size_t n, size_t m, const float *restrict h, float *restrict dh,
                            float *restrict db)
{
    for (size_t j = 0; j < m; j++)
        db[j] = 0.0f;
    for (size_t i = 0; i < n; i++)
        relu_grad_row(m, h + i * m, dh + i * m, db);
}

/* relu_grad_row with the row's gradient made on the fly: the outer product
 * of one output's logit gradient s with that output's weights w. */
MLPB_INLINE void relu_outer_row(size_t m, const float *restrict h, float s,
                                const float *restrict w, float *restrict d,
                                float *restrict db)
{
    for (size_t j = 0; j < m; j++) {
        const float g = h[j] > 0.0f ? s * w[j] : 0.0f;
        d[j] = g;
        db[j] += g;
    }
}

MLPB_CLONES
void mlpb__relu_outer_colsum(size_t n, size_t m, const float *restrict h,
                             const float *restrict dz, const float *restrict w,
                             float *restrict dh, float *restrict db)
{
    for (size_t j = 0; j < m; j++)
        db[j] = 0.0f;
    for (size_t i = 0; i < n; i++)
        relu_outer_row(m, h + i * m, dz[i], w, dh + i * m, db);
}

MLPB_CLONES
void mlpb__standardize(size_t n, size_t d, const float *restrict x,
                       const float *restrict mean, const float *restrict std,
                       float *restrict xs)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            xs[i * d + j] = (x[i * d + j] - mean[j]) / std[j];
}

MLPB_CLONES
bool mlpb__all_finite(size_t n, const float *restrict x)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad |= non_finite(x[i]);
    return (bad & NON_FINITE_BIT) == 0;
}

MLPB_CLONES
void mlpb__add(size_t n, const float *restrict src, float *restrict dst)
{
    for (size_t i = 0; i < n; i++)
        dst[i] += src[i];
}

MLPB_CLONES
bool mlpb__add_finite(size_t n, const float *restrict src, float *restrict dst)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        dst[i] += src[i];
        bad |= non_finite(dst[i]);
    }
    return (bad & NON_FINITE_BIT) == 0;
}

MLPB_CLONES
void mlpb__axpy_neg(size_t n, float lr, const float *restrict g, float *restrict p)
{
    for (size_t i = 0; i < n; i++)
        p[i] -= lr * g[i];
}
