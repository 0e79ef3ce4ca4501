/* testutil.h -- shared helpers of the mlpblas tests: a counting allocator that
 * can fail at the N-th call, relative-error checks, seeded test data, and a
 * double-precision reference network that the library is checked against. */
#ifndef MLPB_TESTUTIL_H
#define MLPB_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mlpblas.h"

/* ------------------------------------------------------------ allocator */
/* Counts calls and live blocks; fails every call numbered >= fail_at (0-based;
 * SIZE_MAX: never). largest is the largest size ever requested. */
typedef struct mlpbt_counter {
    size_t calls, frees, live, fail_at, largest;
} mlpbt_counter;
/* Reset c (never failing) and return an allocator that uses it. */
mlpb_allocator mlpbt_counting_allocator(mlpbt_counter *c);

/* ------------------------------------------------------------ numerics */
/* |a - b| / max(|a|, |b|, floor). */
double mlpbt_rel_err(double a, double b, double floor);
/* Assert that a and b agree to rel relative error (printing both if not). */
#define mlpbt_assert_close(a, b, rel)                                                   \
    mlpbt_assert_close_((double)(a), (double)(b), (rel), #a, __FILE__, __LINE__)
void mlpbt_assert_close_(double a, double b, double rel, const char *what, const char *file,
                         int line);

/* n floats uniform in [lo, hi) from seed (splitmix64, independent of the
 * library's generator). */
void mlpbt_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t seed);
/* n floats, each 0 or 1, from seed. */
void mlpbt_fill_labels(float *y, size_t n, uint64_t seed);

/* -------------------------------------------------- reference network */
/* A network in double precision, laid out as the library's arena. */
typedef struct mlpbt_net {
    const size_t *sizes;
    size_t        n_sizes;
    const double *params;      /* W0 b0 W1 b1 ..., as mlpb_model_params */
    const double *mean, *std;  /* NULL: no standardisation */
} mlpbt_net;
/* Logits (n x k) of the reference network in double. */
void mlpbt_ref_logits(const mlpbt_net *net, const float *x, size_t n, double *z);
/* As mlpbt_ref_logits, and into zerr (n x k) a bound on how far any float32
 * evaluation of the same network (the library's forward pass: standardise,
 * then per layer a product, a bias add and a ReLU) can be from z, whatever
 * the product's summation order, blocking or FMA use, so on any CPU and BLAS
 * kernel. Derived from float rounding (Higham, Accuracy and Stability of
 * Numerical Algorithms, 3.1): with u = 2^-24 and g(m) = m u / (1 - m u),
 *   standardised input (x - mean) / std, two roundings: err <= g(2) |h|;
 *   a layer a = b + sum_p h_p w_p over `in` inputs that carry errors e_p:
 *     err(a) <= sum_p |w_p| e_p + g(in + 1) (|b| + sum_p |w_p| (|h_p| + e_p));
 *   the ReLU is 1-Lipschitz, so it passes the bound on unchanged.
 * The double reference's own error (u = 2^-53 in place of 2^-24) is added. */
void mlpbt_ref_logits_bound(const mlpbt_net *net, const float *x, size_t n, double *z,
                            double *zerr);
/* The bound on |p - sigmoid(z)| for the library's float probability p of a
 * float logit within zerr of z: sigmoid's slope is at most 1/4, and the
 * float sigmoid is within 4 ulps of the sigmoid of its float argument (exp
 * to ~1 ulp after its argument reduction, one add, one division; checked
 * in test_kernels). */
double mlpbt_prob_bound(double z, double zerr);
/* Mean weighted BCE of the reference network, summing over outputs; pw and sw
 * may be NULL. Computed as max(z,0) - z y + log1p(exp(-|z|)) in double. */
double mlpbt_ref_loss(const mlpbt_net *net, const float *x, const float *y, size_t n,
                      const float *pw, const float *sw);
/* Copy a model's parameters (and standardisation) into a double array of
 * mlpb_model_params's length (caller frees with free()). */
double *mlpbt_params_double(mlpb_model *m);

/* ------------------------------------------------------- scratch files */
/* The whole file at path, malloc'ed (one spare byte), its size into *len;
 * fails the test if it cannot be read. */
unsigned char *mlpbt_read_file(const char *path, size_t *len);
/* The model file image of m (mlpb_model_save_mem), malloc'ed. */
unsigned char *mlpbt_model_image(const mlpb_model *m, size_t *len);
/* A fresh directory, named after tag, into dir: under the build tree's
 * tests/scratch (MLPB_TEST_SCRATCH_DIR), whatever $TMPDIR is; fails the test
 * with the path tried and the reason when it cannot be made. */
void mlpbt_make_tmpdir(char *dir, size_t cap, const char *tag);
/* out = dir/name; fails the test if it does not fit. */
void mlpbt_path_in(char *out, size_t cap, const char *dir, const char *name);
/* Entries of dir other than . and ..; the first one's name into first (may
 * be NULL). */
size_t mlpbt_count_entries(const char *dir, char *first, size_t cap);
/* Remove dir and what is in it (files and empty directories). */
void mlpbt_remove_tmpdir(const char *dir);

/* Create a model with the given sizes, He/Glorot init and seed; fails the
 * test on error. */
mlpb_model *mlpbt_model(const size_t *sizes, size_t n_sizes, uint64_t seed);

#endif /* MLPB_TESTUTIL_H */
