/* kernel_bf16.c -- bfloat16 kernels: fp32 -> bf16 conversion (a scalar
 * reference and an AVX512-BF16 variant chosen at run time), the fused
 * elementwise passes that write bf16 copies of what they produce, and the
 * emulated bf16 product (cblas_sgemm, through mlpb__sgemm, on widened tiles).
 *
 * bf16 is the upper half of an fp32: same 8-bit exponent, 7 stored mantissa
 * bits (8 with the implicit one). The conversion rounds to nearest, ties to
 * even, and follows VCVTNE2PS2BF16 exactly, so that both variants give the
 * same bits: a NaN keeps its sign and upper payload and gets the quiet bit,
 * +-Inf stay, fp32 subnormals become zero of the same sign (the instruction
 * treats them as zero whatever MXCSR says), and values that round past the
 * largest finite bf16 become Inf. */
#include "kernels.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MLPB_BF16_X86 1
#else
#define MLPB_BF16_X86 0
#endif

uint16_t mlpb__bf16_round(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN: keep it, quiet */
        return (uint16_t)((u >> 16) | 0x0040u);
    if ((u & 0x7f800000u) == 0) /* zero or subnormal: signed zero */
        return (uint16_t)((u >> 16) & 0x8000u);
    /* Adding 0x7fff rounds half-way cases down, 0x8000 up: the lowest kept
     * bit decides, which is ties to even. Inf is left alone (its low half is
     * zero) and the carry out of a full mantissa bumps the exponent, up to
     * Inf past the largest finite value. */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

float mlpb__bf16_widen1(uint16_t b)
{
    const uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

void mlpb__bf16_convert_ref(size_t n, const float *restrict x, uint16_t *restrict y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = mlpb__bf16_round(x[i]);
}

#if MLPB_BF16_X86
#define MLPB_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

MLPB_BF16_TARGET static void convert_avx512(size_t n, const float *restrict x, uint16_t *restrict y)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m512 lo = _mm512_loadu_ps(x + i), hi = _mm512_loadu_ps(x + i + 16);
        /* The first operand fills the upper 16 lanes. */
        const __m512bh r = _mm512_cvtne2ps_pbh(hi, lo);
        _mm512_storeu_si512((void *)(y + i), (__m512i)r);
    }
    for (; i < n; i += 16) {
        const size_t left = n - i < 16 ? n - i : 16;
        const __mmask16 k = (__mmask16)((1u << left) - 1u);
        const __m256bh r = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(k, x + i));
        _mm256_mask_storeu_epi16((void *)(y + i), k, (__m256i)r);
    }
}

bool mlpb__cpu_has_avx512bf16(void)
{
    return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
}

void mlpb__bf16_convert_avx512(size_t n, const float *restrict x, uint16_t *restrict y)
{
    convert_avx512(n, x, y);
}
#else
bool mlpb__cpu_has_avx512bf16(void)
{
    return false;
}

void mlpb__bf16_convert_avx512(size_t n, const float *restrict x, uint16_t *restrict y)
{
    mlpb__bf16_convert_ref(n, x, y);
}
#endif

/* The CPU is asked once per kernel call, not per row. */
static void convert(bool fast, size_t n, const float *restrict x, uint16_t *restrict y)
{
#if MLPB_BF16_X86
    if (fast) {
        convert_avx512(n, x, y);
        return;
    }
#endif
    (void)fast;
    mlpb__bf16_convert_ref(n, x, y);
}

void mlpb__bf16_convert(size_t n, const float *restrict x, uint16_t *restrict y)
{
    convert(mlpb__cpu_has_avx512bf16(), n, x, y);
}

void mlpb__bf16_widen(size_t n, const uint16_t *restrict x, float *restrict y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = mlpb__bf16_widen1(x[i]);
}

/* The fused passes below do their fp32 work a row at a time and convert the
 * row just written while it is still in L1 (a row of the widest layer here,
 * 2048 floats, is 8 KB): one pass over the matrix, not two. */

void mlpb__standardize_bf16(size_t n, size_t d, const float *restrict x, const float *restrict mean,
                            const float *restrict std, float *restrict row, uint16_t *restrict xs16)
{
    const bool fast = mlpb__cpu_has_avx512bf16();
    for (size_t i = 0; i < n; i++) {
        mlpb__standardize(1, d, x + i * d, mean, std, row);
        convert(fast, d, row, xs16 + i * d);
    }
}

bool mlpb__bias_relu_bf16(size_t n, size_t m, float *restrict a, const float *restrict bias,
                          uint16_t *restrict a16)
{
    const bool fast = mlpb__cpu_has_avx512bf16();
    bool finite = true;
    for (size_t i = 0; i < n; i++) {
        /* & not &&: every row is converted whatever an earlier one held. */
        finite = mlpb__bias_relu(1, m, a + i * m, bias) & finite;
        convert(fast, m, a + i * m, a16 + i * m);
    }
    return finite;
}

void mlpb__relu_grad_colsum_bf16(size_t n, size_t m, const float *restrict h, float *restrict dh,
                                 float *restrict db, uint16_t *restrict dh16)
{
    const bool fast = mlpb__cpu_has_avx512bf16();
    memset(db, 0, m * sizeof *db);
    for (size_t i = 0; i < n; i++) {
        const float *hr = h + i * m;
        float *dr = dh + i * m;
        for (size_t j = 0; j < m; j++) {
            const float g = hr[j] > 0.0f ? dr[j] : 0.0f;
            dr[j] = g;
            db[j] += g;
        }
        convert(fast, m, dr, dh16 + i * m);
    }
}

/* Element (i, p) of op(x) for x stored row-major with leading dimension ld. */
static inline uint16_t at(const uint16_t *x, size_t ld, bool trans, size_t i, size_t p)
{
    return trans ? x[p * ld + i] : x[i * ld + p];
}

void mlpb__gemm_bf16_emulated(size_t serial_mnk, bool trans_a, bool trans_b, size_t m, size_t n,
                              size_t k, float alpha, const uint16_t *a, size_t lda,
                              const uint16_t *b, size_t ldb, float beta, float *c, size_t ldc,
                              float *scratch)
{
    /* Each tile of op(A) (MB x KB) and op(B) (KB x NB) is widened into
     * scratch, row-major and untransposed, and multiplied by sgemm; the k
     * tiles accumulate into C with beta = 1 after the first. Widening is
     * exact, so this is bf16 x bf16 with fp32 accumulation. B's tiles are
     * widened once per row tile of C: k n m / MB conversions against
     * 2 m n k flops. */
    const size_t T = MLPB_BF16_TILE;
    float *at_ = scratch, *bt = scratch + T * T;
    for (size_t j0 = 0; j0 < n; j0 += T) {
        const size_t nb = n - j0 < T ? n - j0 : T;
        for (size_t i0 = 0; i0 < m; i0 += T) {
            const size_t mb = m - i0 < T ? m - i0 : T;
            for (size_t p0 = 0; p0 < k; p0 += T) {
                const size_t kb = k - p0 < T ? k - p0 : T;
                for (size_t i = 0; i < mb; i++)
                    for (size_t p = 0; p < kb; p++)
                        at_[i * kb + p] = mlpb__bf16_widen1(at(a, lda, trans_a, i0 + i, p0 + p));
                for (size_t p = 0; p < kb; p++)
                    for (size_t j = 0; j < nb; j++)
                        bt[p * nb + j] = mlpb__bf16_widen1(at(b, ldb, trans_b, p0 + p, j0 + j));
                mlpb__sgemm(serial_mnk, false, false, mb, nb, kb, alpha, at_, kb, bt, nb,
                            p0 == 0 ? beta : 1.0f, c + i0 * ldc + j0, ldc);
            }
        }
    }
}
