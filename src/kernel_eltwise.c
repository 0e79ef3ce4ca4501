/* kernel_eltwise.c -- the fused elementwise passes around the products: bias +
 * ReLU, sigmoid, BCE with its logit gradient and bias gradient, the ReLU mask
 * with its column sum, standardisation, finiteness checks. Loops are written
 * so that the compiler vectorises them without -ffast-math (NaNs must
 * survive to the checks). */
#include "kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The passes that touch every activation, delta or parameter come in two
 * builds, one for AVX2 and the baseline one (SSE2 on x86-64), and the
 * dynamic loader picks one for the CPU once, when the library is loaded (an
 * ifunc; nothing of ours is written at run time). Both builds do the same
 * operations in the same order on each element: "avx2" implies no FMA, and
 * nothing is contracted (-std=c11), so every variant gives bitwise the same
 * results. Elsewhere (other compilers or CPUs) and in sanitizer builds,
 * whose instrumented resolver would run before the sanitizer's runtime is
 * up, there is one build. */
#if defined(__has_feature)
#if (__has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
     __has_feature(memory_sanitizer)) && !defined(MLPB_NO_CLONES)
#define MLPB_NO_CLONES 1
#endif
#endif
#if (defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)) && !defined(MLPB_NO_CLONES)
#define MLPB_NO_CLONES 1
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(MLPB_NO_CLONES)
#define MLPB_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MLPB_CLONES
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

MLPB_CLONES
bool mlpb__bias_relu(size_t n, size_t m, float *restrict a, const float *restrict bias)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        float *row = a + i * m;
        for (size_t j = 0; j < m; j++) {
            const float v = row[j] + bias[j];
            bad |= non_finite(v);
            row[j] = v < 0.0f ? 0.0f : v;
        }
    }
    return (bad & NON_FINITE_BIT) == 0;
}

MLPB_CLONES
bool mlpb__bias_add(size_t n, size_t m, float *restrict a, const float *restrict bias)
{
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        float *row = a + i * m;
        for (size_t j = 0; j < m; j++) {
            row[j] += bias[j];
            bad |= non_finite(row[j]);
        }
    }
    return (bad & NON_FINITE_BIT) == 0;
}

void mlpb__sigmoid(size_t n, const float *restrict z, float *restrict p)
{
    for (size_t i = 0; i < n; i++) {
        /* exp of a non-positive argument only: never overflows. */
        const float t = expf(-fabsf(z[i]));
        p[i] = z[i] >= 0.0f ? 1.0f / (1.0f + t) : t / (1.0f + t);
    }
}

/* BCE of one logit: with t = exp(-|z|),
 *   softplus(z)  = max(z, 0) + log1p(t),   softplus(-z) = max(-z, 0) + log1p(t),
 *   sigmoid(z)   = 1 / (1 + t) for z >= 0, t / (1 + t) otherwise,
 * so one exp serves all three, nothing overflows for any finite z, and the
 * tiny loss of a confident right answer (log1p(e^-30) ~ 9e-14) is not lost
 * to cancellation as it would be in softplus(z) - z. In float: every step
 * is a correctly rounded or ~1-ulp operation on a value of its own scale
 * (no subtraction of near-equal terms), so each term is good to a few ulps,
 * as good as the float logits it comes from; the sums are kept in double.
 * Double exp and log1p cost ~3x more here. */
/* log1p(t) for t in [0, 1] from logf, which is several times cheaper than
 * log1pf here: u = 1 + t is rounded, but log(u) (u - 1)^-1 t corrects for
 * exactly that rounding (Goldberg, "What every computer scientist should
 * know about floating-point arithmetic", theorem 4: a few ulps). */
static inline float log1p_unit(float t)
{
    const float u = 1.0f + t;
    return u == 1.0f ? t : logf(u) * (t / (u - 1.0f));
}

static inline float bce_term(float z, float y, float pw, float *grad)
{
    const float t = expf(-fabsf(z)), l = log1p_unit(t);
    const float sp = (z > 0.0f ? z : 0.0f) + l, spn = (z < 0.0f ? -z : 0.0f) + l;
    if (grad != NULL) {
        /* d/dz = (1 - y) sigmoid(z) - pw y sigmoid(-z), i.e. sigmoid(z) - y
         * when pw = 1, with sigmoid(-z) = 1 - sigmoid(z) formed without
         * subtracting (a right answer's gradient is as small as its loss). */
        const float r = 1.0f / (1.0f + t);
        const float s = z >= 0.0f ? r : t * r;
        const float sn = z >= 0.0f ? t * r : r;
        *grad = (1.0f - y) * s - pw * y * sn;
    }
    return pw * y * spn + (1.0f - y) * sp;
}

double mlpb__bce_grad(size_t n, size_t k, float *restrict z, const float *restrict y,
                      const float *restrict pw, const float *restrict sw, float scale,
                      float *restrict db)
{
    if (db == NULL)
        return mlpb__bce(n, k, z, y, pw, sw);
    for (size_t j = 0; j < k; j++)
        db[j] = 0.0f;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        const float swi = sw == NULL ? 1.0f : sw[i];
        const float gs = swi * scale;
        double row = 0.0;
        for (size_t j = 0; j < k; j++) {
            float g;
            row += (double)bce_term(z[i * k + j], y[i * k + j], pw == NULL ? 1.0f : pw[j], &g);
            const float gf = g * gs;
            z[i * k + j] = gf;
            db[j] += gf;
        }
        sum += (double)swi * row;
    }
    return sum;
}

double mlpb__bce(size_t n, size_t k, const float *restrict z, const float *restrict y,
                 const float *restrict pw, const float *restrict sw)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double row = 0.0;
        for (size_t j = 0; j < k; j++)
            row += (double)bce_term(z[i * k + j], y[i * k + j], pw == NULL ? 1.0f : pw[j],
                                    NULL);
        sum += (sw == NULL ? 1.0 : (double)sw[i]) * row;
    }
    return sum;
}

MLPB_CLONES
void mlpb__relu_grad_colsum(size_t n, size_t m, const float *restrict h, float *restrict dh,
                            float *restrict db)
{
    for (size_t j = 0; j < m; j++)
        db[j] = 0.0f;
    for (size_t i = 0; i < n; i++) {
        const float *hr = h + i * m;
        float *dr = dh + i * m;
        for (size_t j = 0; j < m; j++) {
            /* f'(a) from the activation: h > 0 exactly where a > 0. */
            const float g = hr[j] > 0.0f ? dr[j] : 0.0f;
            dr[j] = g;
            db[j] += g;
        }
    }
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
