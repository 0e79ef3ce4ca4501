/* metrics.c -- classification metrics of n x k probabilities against 0/1
 * labels: log-loss, accuracy, precision, recall, F1, exact ROC AUC and
 * average precision per output, their mean over outputs, and multi-label exact-match accuracy. */
#include "mlpb_internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Probabilities are clipped before the logarithm so that a confident wrong
 * answer costs -log(1e-7) ~ 16.1 instead of infinity. */
#define CLIP_LO 1e-7
#define CLIP_HI (1.0 - 1e-7)

/* One sample of one output, sorted by score for the AUC. */
typedef struct scored {
    float s; /* probability */
    float y; /* label, 0 or 1 */
} scored;

/* The bits of a finite float as an unsigned key in the same order (-0 just
 * below +0, next to it: equal scores stay one run). */
static uint32_t score_key(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u ^ ((u >> 31) != 0 ? 0xFFFFFFFFu : 0x80000000u);
}

/* v in ascending score order: a stable LSD radix sort on the scores' keys,
 * a byte a pass through tmp (n more), a pass skipped where every score has
 * the same byte. Linear in n: validation sets are sorted every epoch, and
 * qsort's comparator calls and element copies were a tenth of a large
 * multi-class set's epoch (docs/bench-log.md). Only the order of the scores
 * matters to the metrics below, which treat equal scores as one run. */
static void sort_scored(scored *v, scored *tmp, size_t n)
{
    scored *src = v, *dst = tmp;
    for (unsigned shift = 0; shift < 32; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[(score_key(src[i].s) >> shift) & 0xFFu]++;
        if (count[(score_key(src[0].s) >> shift) & 0xFFu] == n)
            continue;
        size_t at = 0;
        for (size_t b = 0; b < 256; b++) {
            const size_t c = count[b];
            count[b] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(score_key(src[i].s) >> shift) & 0xFFu]++] = src[i];
        scored *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
}

/* ROC AUC as the Mann-Whitney statistic from rank sums: samples with equal
 * scores share their average rank, which counts each tied (positive,
 * negative) pair as 1/2. Sorts v (tmp: n more); NaN when one class is
 * absent. */
static double auc_sorted(scored *v, scored *tmp, size_t n)
{
    sort_scored(v, tmp, n);
    double rank_sum = 0.0; /* sum of the positives' 1-based ranks */
    size_t n_pos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, pos = 0;
        for (; j < n && v[j].s == v[i].s; j++)
            pos += v[j].y != 0.0f;
        /* Ranks i+1 .. j, all equal to their mean (i + 1 + j) / 2. */
        rank_sum += (double)pos * (((double)i + 1.0 + (double)j) / 2.0);
        n_pos += pos;
        i = j;
    }
    const size_t n_neg = n - n_pos;
    if (n_pos == 0 || n_neg == 0)
        return (double)NAN;
    const double p = (double)n_pos;
    return (rank_sum - p * (p + 1.0) / 2.0) / (p * (double)n_neg);
}

/* Average precision of v sorted by ascending score (auc_sorted's order), as
 * scikit-learn's average_precision_score: walking the distinct scores from
 * the highest down, each one a threshold (ties are one step), sum the recall
 * gained times the precision there. NaN without positives. */
static double ap_sorted(const scored *v, size_t n)
{
    size_t n_pos = 0;
    for (size_t i = 0; i < n; i++)
        n_pos += v[i].y != 0.0f;
    if (n_pos == 0)
        return (double)NAN;
    double ap = 0.0;
    size_t tp = 0, seen = 0;
    for (size_t i = n; i > 0;) {
        size_t j = i, pos = 0;
        for (; j > 0 && v[j - 1].s == v[i - 1].s; j--)
            pos += v[j - 1].y != 0.0f;
        tp += pos;
        seen += i - j;
        if (pos > 0)
            ap += ((double)pos / (double)n_pos) * ((double)tp / (double)seen);
        i = j;
    }
    return ap;
}

/* Metrics of output j; pairs is scratch for 2n samples. */
static void output_metrics(const float *prob, const float *y, size_t n, size_t k, size_t j,
                           scored *pairs, mlpb_metrics *out)
{
    double loss = 0.0;
    size_t correct = 0, tp = 0, fp = 0, fn = 0;
    *out = (mlpb_metrics){0}; /* the reserved words too */
    for (size_t i = 0; i < n; i++) {
        const float pf = prob[i * k + j];
        const bool label = y[i * k + j] != 0.0f;
        const bool pred = pf >= 0.5f;
        double p = (double)pf;
        p = p < CLIP_LO ? CLIP_LO : (p > CLIP_HI ? CLIP_HI : p);
        loss -= label ? log(p) : log1p(-p);
        correct += pred == label;
        tp += pred && label;
        fp += pred && !label;
        fn += !pred && label;
        pairs[i].s = pf;
        pairs[i].y = label ? 1.0f : 0.0f;
    }
    out->loss = loss / (double)n;
    out->accuracy = (double)correct / (double)n;
    out->precision = tp + fp == 0 ? 0.0 : (double)tp / (double)(tp + fp);
    out->recall = tp + fn == 0 ? 0.0 : (double)tp / (double)(tp + fn);
    const double pr = out->precision + out->recall;
    out->f1 = pr == 0.0 ? 0.0 : 2.0 * out->precision * out->recall / pr;
    out->auc = auc_sorted(pairs, pairs + n, n);
    out->ap = ap_sorted(pairs, n);
}

size_t mlpb__metrics_scratch_bytes(size_t n)
{
    size_t bytes;
    return mlpb__mul_size(n, 2 * sizeof(scored), &bytes) == MLPB_OK ? bytes : 0;
}

/* Check labels, then probabilities (argument errors before numeric ones),
 * before anything is written. */
static mlpb_status check_inputs(const float *prob, const float *y, size_t n, size_t k)
{
    size_t cells;
    if (prob == NULL || y == NULL || n == 0 || k == 0)
        return MLPB_E_INVALID_ARG;
    /* Arrays this large cannot exist, so the arguments are wrong. */
    if (mlpb__mul_size(n, k, &cells) != MLPB_OK || mlpb__metrics_scratch_bytes(n) == 0)
        return MLPB_E_INVALID_ARG;
    for (size_t c = 0; c < cells; c++)
        if (y[c] != 0.0f && y[c] != 1.0f)
            return MLPB_E_INVALID_ARG;
    for (size_t c = 0; c < cells; c++)
        if (!isfinite(prob[c]))
            return MLPB_E_NUMERIC;
    return MLPB_OK;
}

mlpb_status mlpb__metrics_work(const float *prob, const float *y, size_t n, size_t k,
                               void *scratch, mlpb_metrics *per_output, mlpb_metrics *mean,
                               double *exact_match)
{
    MLPB_TRY(check_inputs(prob, y, n, k));
    if (per_output != NULL || mean != NULL) {
        if (scratch == NULL)
            return MLPB_E_INVALID_ARG;
        mlpb_metrics sum = {0};
        size_t n_auc = 0, n_ap = 0;
        for (size_t j = 0; j < k; j++) {
            mlpb_metrics mj;
            output_metrics(prob, y, n, k, j, scratch, &mj);
            if (per_output != NULL)
                per_output[j] = mj;
            sum.loss += mj.loss;
            sum.accuracy += mj.accuracy;
            sum.precision += mj.precision;
            sum.recall += mj.recall;
            sum.f1 += mj.f1;
            if (!isnan(mj.auc)) {
                sum.auc += mj.auc;
                n_auc++;
            }
            if (!isnan(mj.ap)) {
                sum.ap += mj.ap;
                n_ap++;
            }
        }
        if (mean != NULL) {
            const double kd = (double)k;
            *mean = (mlpb_metrics){0}; /* the reserved words too */
            mean->loss = sum.loss / kd;
            mean->accuracy = sum.accuracy / kd;
            mean->precision = sum.precision / kd;
            mean->recall = sum.recall / kd;
            mean->f1 = sum.f1 / kd;
            mean->auc = n_auc == 0 ? (double)NAN : sum.auc / (double)n_auc;
            mean->ap = n_ap == 0 ? (double)NAN : sum.ap / (double)n_ap;
        }
    }
    if (exact_match != NULL) {
        size_t rows = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < k && (prob[i * k + j] >= 0.5f) == (y[i * k + j] != 0.0f))
                j++;
            rows += j == k;
        }
        *exact_match = (double)rows / (double)n;
    }
    return MLPB_OK;
}

mlpb_status mlpb_metrics_compute(const float *prob, const float *y, size_t n, size_t k,
                                 const mlpb_allocator *alloc, mlpb_metrics *per_output,
                                 mlpb_metrics *mean, double *exact_match)
{
    /* Argument and numeric errors come before the allocation. */
    MLPB_TRY(check_inputs(prob, y, n, k));
    if (per_output == NULL && mean == NULL)
        return mlpb__metrics_work(prob, y, n, k, NULL, NULL, NULL, exact_match);
    const mlpb_allocator a = mlpb__allocator(alloc);
    void *scratch = mlpb__alloc(&a, mlpb__metrics_scratch_bytes(n));
    if (scratch == NULL)
        return MLPB_E_NOMEM;
    const mlpb_status s =
        mlpb__metrics_work(prob, y, n, k, scratch, per_output, mean, exact_match);
    mlpb__free(&a, scratch);
    return s;
}
