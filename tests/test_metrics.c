/* test_metrics.c -- mlpb_metrics_compute against hand-computed values: log-loss
 * with clipping, threshold accuracy, precision/recall/F1 and their degenerate
 * cases, exact ROC AUC with ties, means over outputs, exact match, errors. */
#include "testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TOL 1e-6 /* float probabilities, double arithmetic */

/* Metrics of a single output. */
static mlpb_metrics one(const float *p, const float *y, size_t n)
{
    mlpb_metrics m;
    assert_int_equal(mlpb_metrics_compute(p, y, n, 1, NULL, &m, NULL, NULL), MLPB_OK);
    return m;
}

static void test_metrics_single_output_by_hand(void **state)
{
    (void)state;
    const float p[] = {0.1f, 0.4f, 0.35f, 0.8f}, y[] = {0, 0, 1, 1};
    mlpb_metrics m = one(p, y, 4);
    /* -(ln 0.9 + ln 0.6 + ln 0.35 + ln 0.8) / 4 */
    mlpbt_assert_close(m.loss, 0.47228795380917615, TOL);
    /* predictions 0 0 0 1: tp 1, fp 0, fn 1, three right */
    mlpbt_assert_close(m.accuracy, 0.75, 1e-15);
    mlpbt_assert_close(m.precision, 1.0, 1e-15);
    mlpbt_assert_close(m.recall, 0.5, 1e-15);
    mlpbt_assert_close(m.f1, 2.0 / 3.0, 1e-15);
    /* pairs (pos, neg): (.35,.1) (.35,.4)x (.8,.1) (.8,.4): 3 of 4 */
    mlpbt_assert_close(m.auc, 0.75, 1e-15);
}

static void test_metrics_auc_ties(void **state)
{
    (void)state;
    /* All scores equal: every pair is a tie, AUC 1/2. */
    const float p0[] = {0.5f, 0.5f, 0.5f, 0.5f}, y0[] = {0, 1, 0, 1};
    mlpb_metrics m = one(p0, y0, 4);
    mlpbt_assert_close(m.auc, 0.5, 1e-15);
    mlpbt_assert_close(m.loss, log(2.0), 1e-12);
    mlpbt_assert_close(m.precision, 0.5, 1e-15); /* 0.5 predicts 1 */
    mlpbt_assert_close(m.recall, 1.0, 1e-15);

    /* positives .2 .6 .9, negatives .2 .6; pairs:
     * (.2,.2) 1/2, (.2,.6) 0, (.6,.2) 1, (.6,.6) 1/2, (.9,.2) 1, (.9,.6) 1
     * = 4 of 6. */
    const float p1[] = {0.2f, 0.2f, 0.6f, 0.6f, 0.9f}, y1[] = {0, 1, 0, 1, 1};
    mlpbt_assert_close(one(p1, y1, 5).auc, 2.0 / 3.0, 1e-15);

    /* positives .3 .7, negatives .3 .3 .1 .7; pairs:
     * .3: 1/2 + 1/2 + 1 + 0 = 2; .7: 1 + 1 + 1 + 1/2 = 3.5; 5.5 of 8. */
    const float p2[] = {0.3f, 0.3f, 0.3f, 0.7f, 0.1f, 0.7f}, y2[] = {1, 0, 0, 1, 0, 0};
    mlpbt_assert_close(one(p2, y2, 6).auc, 0.6875, 1e-15);

    /* Reversed order of the same data: the sort, not the input order, counts. */
    const float p3[] = {0.7f, 0.1f, 0.7f, 0.3f, 0.3f, 0.3f}, y3[] = {0, 0, 1, 0, 0, 1};
    mlpbt_assert_close(one(p3, y3, 6).auc, 0.6875, 1e-15);

    /* Perfect and perfectly wrong rankings. */
    const float p4[] = {0.1f, 0.2f, 0.8f, 0.9f}, y4[] = {0, 0, 1, 1}, y5[] = {1, 1, 0, 0};
    mlpbt_assert_close(one(p4, y4, 4).auc, 1.0, 1e-15);
    assert_true(one(p4, y5, 4).auc == 0.0);
}

/* The AUC as the share of (positive, negative) pairs ranked right, ties
 * counting 1/2: O(n^2), independent of the sort. */
static double pair_auc(const float *p, const float *y, size_t n)
{
    double wins = 0.0, pairs = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (y[i] == 1.0f && y[j] == 0.0f) {
                pairs += 1.0;
                wins += p[i] > p[j] ? 1.0 : (p[i] == p[j] ? 0.5 : 0.0);
            }
    return wins / pairs;
}

/* AUC on random data with many ties against the O(n^2) pair count. */
static void test_metrics_auc_random_vs_pairs(void **state)
{
    (void)state;
    enum { N = 301 };
    float p[N], y[N];
    for (uint64_t seed = 1; seed <= 5; seed++) {
        mlpbt_fill_uniform(p, N, 0.0f, 1.0f, seed);
        mlpbt_fill_labels(y, N, seed + 100);
        for (size_t i = 0; i < N; i++) /* 11 distinct scores: lots of ties */
            p[i] = (float)floor((double)p[i] * 10.0) / 10.0f;
        mlpbt_assert_close(one(p, y, N).auc, pair_auc(p, y, N), 1e-12);
    }
    /* Scores of every magnitude and sign, -0 and +0 among them (one tie):
     * every byte of the sort's keys varies. */
    enum { M = 2001 };
    static float q[M], z[M];
    mlpbt_fill_uniform(q, M, -1.0f, 1.0f, 31);
    mlpbt_fill_labels(z, M, 32);
    for (size_t i = 0; i < M; i++)
        q[i] = q[i] * (float)ldexp(1.0, (int)(i % 60) - 30);
    q[0] = -0.0f;
    q[1] = 0.0f;
    q[2] = q[3] = 0.25f;
    mlpbt_assert_close(one(q, z, M).auc, pair_auc(q, z, M), 1e-12);
}

static void test_metrics_one_class_auc_is_nan(void **state)
{
    (void)state;
    const float p[] = {0.1f, 0.7f, 0.4f}, zeros[] = {0, 0, 0}, ones[] = {1, 1, 1};
    assert_true(isnan(one(p, zeros, 3).auc));
    assert_true(isnan(one(p, ones, 3).auc));

    /* k = 2: output 0 as in the hand example, output 1 has only negatives.
     * The mean skips the NaN AUC but averages everything else. */
    const float p2[] = {0.1f, 0.9f, 0.4f, 0.2f, 0.35f, 0.1f, 0.8f, 0.3f};
    const float y2[] = {0, 0, 0, 0, 1, 0, 1, 0};
    mlpb_metrics per[2], mean;
    assert_int_equal(mlpb_metrics_compute(p2, y2, 4, 2, NULL, per, &mean, NULL), MLPB_OK);
    mlpbt_assert_close(per[0].auc, 0.75, 1e-15);
    assert_true(isnan(per[1].auc));
    mlpbt_assert_close(mean.auc, 0.75, 1e-15);
    /* output 1: predictions 1 0 0 0 against 0 0 0 0 */
    mlpbt_assert_close(per[1].accuracy, 0.75, 1e-15);
    mlpbt_assert_close(mean.accuracy, 0.75, 1e-15);
    /* -(ln .1 + ln .8 + ln .9 + ln .7) / 4 */
    mlpbt_assert_close(per[1].loss, 0.7469410259762035, TOL);
    mlpbt_assert_close(mean.loss, (0.47228795380917615 + 0.7469410259762035) / 2.0, TOL);
    mlpbt_assert_close(mean.precision, 0.5, 1e-15); /* (1 + 0) / 2 */
    mlpbt_assert_close(mean.recall, 0.25, 1e-15);   /* (0.5 + 0) / 2 */
    mlpbt_assert_close(mean.f1, 1.0 / 3.0, 1e-15);  /* (2/3 + 0) / 2 */

    /* Every output one-class: the mean AUC is NaN too. */
    mlpb_metrics m1;
    assert_int_equal(mlpb_metrics_compute(p, zeros, 3, 1, NULL, NULL, &m1, NULL), MLPB_OK);
    assert_true(isnan(m1.auc));
}

static void test_metrics_degenerate_precision_recall(void **state)
{
    (void)state;
    /* Positives exist but nothing is predicted positive: tp = fp = 0. */
    const float p0[] = {0.1f, 0.2f, 0.3f}, y0[] = {1, 0, 1};
    mlpb_metrics m = one(p0, y0, 3);
    assert_true(m.precision == 0.0 && m.recall == 0.0 && m.f1 == 0.0);
    mlpbt_assert_close(m.accuracy, 1.0 / 3.0, 1e-15);
    /* No positives at all, some predicted positive: recall 0, precision 0. */
    const float p1[] = {0.9f, 0.2f}, y1[] = {0, 0};
    m = one(p1, y1, 2);
    assert_true(m.precision == 0.0 && m.recall == 0.0 && m.f1 == 0.0);
    /* No positives, none predicted: still 0, and accuracy 1. */
    const float p2[] = {0.1f, 0.2f};
    m = one(p2, y1, 2);
    assert_true(m.precision == 0.0 && m.recall == 0.0 && m.f1 == 0.0);
    assert_true(m.accuracy == 1.0);
}

static void test_metrics_threshold_and_clipping(void **state)
{
    (void)state;
    /* 0.5 predicts 1; the float just below predicts 0. */
    const float p[] = {0.5f, nextafterf(0.5f, 0.0f)}, y[] = {1, 1};
    mlpb_metrics m = one(p, y, 2);
    mlpbt_assert_close(m.accuracy, 0.5, 1e-15);
    mlpbt_assert_close(m.recall, 0.5, 1e-15);

    /* Certain and wrong: each costs -ln(1e-7), not infinity. */
    const float pw[] = {0.0f, 1.0f}, yw[] = {1, 0};
    m = one(pw, yw, 2);
    assert_true(isfinite(m.loss));
    mlpbt_assert_close(m.loss, 16.11809565095832, 1e-8);
    /* Certain and right: -ln(1 - 1e-7) ~ 1e-7 each, not 0. */
    const float yr[] = {0, 1};
    m = one(pw, yr, 2);
    mlpbt_assert_close(m.loss, 1.00000005e-7, 1e-6);
    /* -(ln .9 + ln .8) / 2 */
    const float ph[] = {0.9f, 0.2f}, yh[] = {1, 0};
    mlpbt_assert_close(one(ph, yh, 2).loss, 0.164252033486018, TOL);
}

static void test_metrics_multilabel_exact_match(void **state)
{
    (void)state;
    /* row 0 all right; row 1 output 1 wrong; row 2 right (0.5 -> 1);
     * row 3 output 2 wrong. */
    const float p[] = {0.9f, 0.1f, 0.6f, 0.9f, 0.7f, 0.2f,
                       0.5f, 0.4f, 0.1f, 0.2f, 0.2f, 0.2f};
    const float y[] = {1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1};
    double em = -1.0;
    mlpb_metrics per[3], mean;
    mlpbt_counter c;
    const mlpb_allocator a = mlpbt_counting_allocator(&c);
    assert_int_equal(mlpb_metrics_compute(p, y, 4, 3, &a, per, &mean, &em), MLPB_OK);
    mlpbt_assert_close(em, 0.5, 1e-15);
    mlpbt_assert_close(per[0].accuracy, 1.0, 1e-15);
    mlpbt_assert_close(per[1].accuracy, 0.75, 1e-15);
    mlpbt_assert_close(per[2].accuracy, 0.75, 1e-15);
    mlpbt_assert_close(mean.accuracy, 2.5 / 3.0, 1e-15);
    /* output 0: scores .9 .9 .5 .2 labels 1 1 1 0: perfect */
    mlpbt_assert_close(per[0].auc, 1.0, 1e-15);
    /* output 1: one class (all 0) -> NaN, skipped in the mean */
    assert_true(isnan(per[1].auc));
    /* output 2: positives .6 .2, negatives .2 .1: (.6 > both) 2, (.2: tie, win) 1.5 */
    mlpbt_assert_close(per[2].auc, 3.5 / 4.0, 1e-15);
    mlpbt_assert_close(mean.auc, (1.0 + 0.875) / 2.0, 1e-15);
    assert_int_equal(c.calls, 1); /* one scratch block, reused for every output */
    assert_int_equal(c.live, 0);

    /* Exact match alone needs no scratch memory. */
    em = -1.0;
    assert_int_equal(mlpb_metrics_compute(p, y, 4, 3, &a, NULL, NULL, &em), MLPB_OK);
    mlpbt_assert_close(em, 0.5, 1e-15);
    assert_int_equal(c.calls, 1);
}

static void test_metrics_invalid_input(void **state)
{
    (void)state;
    const float p[] = {0.2f, 0.7f}, y[] = {0, 1};
    mlpb_metrics m, sentinel;
    memset(&sentinel, 0x5a, sizeof sentinel);
    m = sentinel;
    double em = 42.0;
    assert_int_equal(mlpb_metrics_compute(NULL, y, 2, 1, NULL, &m, NULL, NULL),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_metrics_compute(p, NULL, 2, 1, NULL, &m, NULL, NULL),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_metrics_compute(p, y, 0, 1, NULL, &m, NULL, NULL),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_metrics_compute(p, y, 2, 0, NULL, &m, NULL, NULL),
                     MLPB_E_INVALID_ARG);
    /* n * k overflows: rejected before any element is read. */
    assert_int_equal(mlpb_metrics_compute(p, y, SIZE_MAX, 2, NULL, &m, NULL, NULL),
                     MLPB_E_INVALID_ARG);

    const float bad_labels[][2] = {{0, 0.5f}, {2, 1}, {-1, 0}, {0, NAN}};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(mlpb_metrics_compute(p, bad_labels[i], 2, 1, NULL, &m, &m, &em),
                         MLPB_E_INVALID_ARG);
    const float bad_p[][2] = {{0.2f, NAN}, {INFINITY, 0.1f}, {-INFINITY, 0.1f}};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(mlpb_metrics_compute(bad_p[i], y, 2, 1, NULL, &m, &m, &em),
                         MLPB_E_NUMERIC);
    /* Both wrong: argument errors come first. */
    assert_int_equal(mlpb_metrics_compute(bad_p[0], bad_labels[0], 2, 1, NULL, &m, &m, &em),
                     MLPB_E_INVALID_ARG);
    /* Outputs untouched by every failure. */
    assert_memory_equal(&m, &sentinel, sizeof m);
    assert_true(em == 42.0);
}

static void test_metrics_oom(void **state)
{
    (void)state;
    const float p[] = {0.2f, 0.7f, 0.4f, 0.6f}, y[] = {0, 1, 1, 0};
    mlpb_metrics per[2], mean, sentinel[2];
    memset(sentinel, 0x5a, sizeof sentinel);
    memcpy(per, sentinel, sizeof per);
    mean = sentinel[0];
    double em = 42.0;
    mlpbt_counter c;
    const mlpb_allocator a = mlpbt_counting_allocator(&c);
    c.fail_at = 0;
    assert_int_equal(mlpb_metrics_compute(p, y, 2, 2, &a, per, &mean, &em), MLPB_E_NOMEM);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.live, 0);
    assert_memory_equal(per, sentinel, sizeof per);
    assert_memory_equal(&mean, &sentinel[0], sizeof mean);
    assert_true(em == 42.0);
    c.fail_at = SIZE_MAX;
    assert_int_equal(mlpb_metrics_compute(p, y, 2, 2, &a, per, &mean, &em), MLPB_OK);
    assert_int_equal(c.live, 0);
    assert_true(c.largest >= 2 * 2 * sizeof(float)); /* n (score, label) pairs */
}


/* Average precision: hand-computed cases (ties as one threshold), and three
 * random vectors whose expected values scikit-learn 1.2.1 computed
 * (average_precision_score on these float32 scores widened to double). */
static double ap_of(const float *p, const float *y, size_t n)
{
    mlpb_metrics m;
    assert_int_equal(mlpb_metrics_compute(p, y, n, 1, NULL, &m, NULL, NULL), MLPB_OK);
    return m.ap;
}

static void test_metrics_average_precision(void **state)
{
    (void)state;
    /* thresholds .9 (P 1, R 1/2), .8 (R unchanged), .7 (P 2/3, R 1):
     * 1/2 * 1 + 1/2 * 2/3 = 5/6 */
    const float p1[] = {0.9f, 0.8f, 0.7f, 0.1f}, y1[] = {1, 0, 1, 0};
    mlpbt_assert_close(ap_of(p1, y1, 4), 5.0 / 6.0, 1e-15);
    /* one tie of all rows: one threshold, P 1/2, R 1 */
    const float p2[] = {0.5f, 0.5f, 0.5f, 0.5f}, y2[] = {0, 1, 1, 0};
    mlpbt_assert_close(ap_of(p2, y2, 4), 0.5, 1e-15);
    /* ties .9 (1 of 2), .4 (2 of 4), .1 (3 of 5): 1/3 (1/2 + 1/2 + 3/5) */
    const float p3[] = {0.9f, 0.9f, 0.4f, 0.4f, 0.1f}, y3[] = {1, 0, 1, 0, 1};
    mlpbt_assert_close(ap_of(p3, y3, 5), (0.5 + 0.5 + 0.6) / 3.0, 1e-15);
    /* perfect ranking: 1; all positives: 1 */
    const float p4[] = {0.1f, 0.2f, 0.8f, 0.9f}, y4[] = {0, 0, 1, 1}, y5[] = {1, 1, 1, 1};
    mlpbt_assert_close(ap_of(p4, y4, 4), 1.0, 1e-15);
    mlpbt_assert_close(ap_of(p4, y5, 4), 1.0, 1e-15);
    /* no positives: NaN, and skipped in the mean over outputs */
    const float y6[] = {0, 0, 0, 0};
    assert_true(isnan(ap_of(p4, y6, 4)));
    float p2k[8], y2k[8];
    for (size_t i = 0; i < 4; i++) {
        p2k[2 * i] = p4[i];
        y2k[2 * i] = y6[i];
        p2k[2 * i + 1] = p1[i];
        y2k[2 * i + 1] = y1[i];
    }
    mlpb_metrics per[2], mean;
    assert_int_equal(mlpb_metrics_compute(p2k, y2k, 4, 2, NULL, per, &mean, NULL), MLPB_OK);
    assert_true(isnan(per[0].ap));
    mlpbt_assert_close(mean.ap, 5.0 / 6.0, 1e-15);

    static const float ya[] = {1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0};
    static const float pa[] = {0.380941123f, 0.0659363493f, 0.288145602f, 0.909593523f,
                               0.213385358f, 0.45212397f,   0.931206048f, 0.0248992275f,
                               0.600548923f, 0.950129509f,  0.230302885f, 0.548489928f};
    mlpbt_assert_close(ap_of(pa, ya, 12), 0.26190476190476192, 1e-12);
    static const float yb[] = {0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0,
                               1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1};
    static const float pb[] = {0.625f, 0.375f, 0.375f, 0.625f, 0.5f,   0.375f, 0.0f,
                               0.0f,   0.625f, 0.5f,   0.625f, 0.875f, 0.625f, 0.0f,
                               0.25f,  0.5f,   0.125f, 0.875f, 0.875f, 0.75f,  0.375f,
                               0.75f,  0.125f, 0.25f,  0.375f};
    mlpbt_assert_close(ap_of(pb, yb, 25), 0.37952516619183285, 1e-12);
    static const float yc[] = {0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
                               1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0};
    static const float pc[] = {
        0.800000012f, 0.800000012f, 0.0f,         0.200000003f, 0.600000024f, 0.0f,
        0.200000003f, 0.400000006f, 0.0f,         0.600000024f, 0.800000012f, 0.0f,
        0.400000006f, 0.600000024f, 0.800000012f, 0.200000003f, 0.0f,         0.800000012f,
        0.800000012f, 0.0f,         0.400000006f, 0.600000024f, 0.800000012f, 0.0f,
        0.600000024f, 0.800000012f, 0.400000006f, 0.0f,         0.0f,         0.200000003f,
        0.800000012f, 0.0f,         0.0f,         0.200000003f, 0.0f,         0.0f,
        0.0f,         0.400000006f, 0.600000024f, 0.400000006f};
    mlpbt_assert_close(ap_of(pc, yc, 40), 0.26530321530321527, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_single_output_by_hand),
        cmocka_unit_test(test_metrics_auc_ties),
        cmocka_unit_test(test_metrics_auc_random_vs_pairs),
        cmocka_unit_test(test_metrics_one_class_auc_is_nan),
        cmocka_unit_test(test_metrics_degenerate_precision_recall),
        cmocka_unit_test(test_metrics_threshold_and_clipping),
        cmocka_unit_test(test_metrics_multilabel_exact_match),
        cmocka_unit_test(test_metrics_invalid_input),
        cmocka_unit_test(test_metrics_oom),
        cmocka_unit_test(test_metrics_average_precision),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
