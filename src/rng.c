/* rng.c -- the library's own PRNG: xoshiro256** (Blackman & Vigna), seeded
 * through splitmix64 so that any 64-bit seed, 0 included, gives a good state.
 * The state is passed explicitly; there is no global generator. */
#include "mlpb_internal.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void mlpb__rng_seed(mlpb_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

uint64_t mlpb__rng_next(mlpb_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double mlpb__rng_uniform(mlpb_rng *r)
{
    return (double)(mlpb__rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t mlpb__rng_below(mlpb_rng *r, uint64_t n)
{
    /* Rejection on the top of the range keeps every value equally likely. */
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = mlpb__rng_next(r);
    } while (x >= limit);
    return x % n;
}

double mlpb__rng_normal(mlpb_rng *r)
{
    /* Box-Muller, one value per call: simpler than caching the pair, and the
     * generator is nowhere near the cost of anything that uses it. 1 - u keeps
     * the log argument in (0, 1]. */
    const double u1 = 1.0 - mlpb__rng_uniform(r);
    const double u2 = mlpb__rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void mlpb__rng_shuffle(mlpb_rng *r, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)mlpb__rng_below(r, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
