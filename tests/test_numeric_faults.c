/* test_numeric_faults.c -- non-finite values at every boundary and huge
 * logits inside: NaN/Inf in inputs, targets and loss weights are refused with
 * MLPB_E_NUMERIC leaving the model unchanged; finite inputs that standardise
 * to infinity too; an optimiser step on a non-finite gradient changes
 * nothing; logits of +-1e4 deep inside a network give finite, exact losses
 * and gradients; training that diverges stops at the first non-finite value
 * with the last good parameters. */
#include "testutil.h"

#include "mlpb_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */
/* Bitwise copy of a model's parameters and standardisation. */
typedef struct snapshot {
    float *params;
    size_t n;
    float mean[16], std[16];
    int has_std;
} snapshot;

static void snap(mlpb_model *m, snapshot *s)
{
    const float *p = mlpb_model_params(m, &s->n);
    s->params = malloc(s->n * sizeof *s->params);
    assert_non_null(s->params);
    memcpy(s->params, p, s->n * sizeof *p);
    const size_t d = mlpb_model_n_inputs(m);
    assert_true(d <= 16);
    s->has_std = mlpb_model_mean(m) != NULL;
    if (s->has_std) {
        memcpy(s->mean, mlpb_model_mean(m), d * sizeof(float));
        memcpy(s->std, mlpb_model_std(m), d * sizeof(float));
    }
}

static void assert_snapshot(mlpb_model *m, const snapshot *s)
{
    size_t n;
    const float *p = mlpb_model_params(m, &n);
    assert_int_equal(n, s->n);
    assert_memory_equal(p, s->params, n * sizeof *p);
    const size_t d = mlpb_model_n_inputs(m);
    assert_int_equal(mlpb_model_mean(m) != NULL, s->has_std);
    if (s->has_std) {
        assert_memory_equal(mlpb_model_mean(m), s->mean, d * sizeof(float));
        assert_memory_equal(mlpb_model_std(m), s->std, d * sizeof(float));
    }
}

static const float bad_values[] = {NAN, INFINITY, -INFINITY};

/* -------------------------------------------------- inputs at the boundary */
/* Targets and loss weights are inputs too: a non-finite one anywhere makes
 * the loss non-finite, so loss and loss_grad refuse it. */
static void test_numeric_faults_targets_and_weights(void **state)
{
    (void)state;
    enum { N = 6, D = 3, K = 2 };
    const size_t s[] = {D, 5, K};
    mlpb_model *m = mlpbt_model(s, 3, 41);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 4, NULL, &ws), MLPB_OK); /* 2 chunks */
    float x[N * D], y[N * K], pw[K] = {1.5f, 0.5f}, sw[N];
    mlpbt_fill_uniform(x, N * D, -1, 1, 42);
    mlpbt_fill_labels(y, N * K, 43);
    mlpbt_fill_uniform(sw, N, 0.5f, 2.0f, 44);
    mlpb_loss_weights w = {pw, sw};
    float loss = 0.0f;
    assert_int_equal(mlpb_loss(m, ws, x, y, N, &w, &loss), MLPB_OK);
    assert_int_equal(mlpb_loss_grad_weighted(m, ws, x, y, 4, &w, &loss), MLPB_OK);
    snapshot before;
    snap(m, &before);
    for (size_t b = 0; b < 3; b++) {
        const float v = bad_values[b];
        /* first and last target (the last one sits in the second chunk) */
        const size_t at[] = {0, N * K - 1};
        for (size_t i = 0; i < 2; i++) {
            const float keep = y[at[i]];
            y[at[i]] = v;
            loss = 123.0f;
            assert_int_equal(mlpb_loss(m, ws, x, y, N, NULL, &loss), MLPB_E_NUMERIC);
            assert_true(loss == 123.0f);
            if (at[i] < 4 * K)
                assert_int_equal(mlpb_loss_grad(m, ws, x, y, 4, &loss), MLPB_E_NUMERIC);
            assert_true(loss == 123.0f);
            y[at[i]] = keep;
        }
        const float keep_pw = pw[1];
        pw[1] = v;
        assert_int_equal(mlpb_loss(m, ws, x, y, N, &w, &loss), MLPB_E_NUMERIC);
        assert_int_equal(mlpb_loss_grad_weighted(m, ws, x, y, 4, &w, &loss), MLPB_E_NUMERIC);
        pw[1] = keep_pw;
        const float keep_sw = sw[2];
        sw[2] = v;
        assert_int_equal(mlpb_loss(m, ws, x, y, N, &w, &loss), MLPB_E_NUMERIC);
        assert_int_equal(mlpb_loss_grad_weighted(m, ws, x, y, 4, &w, &loss), MLPB_E_NUMERIC);
        sw[2] = keep_sw;
        assert_true(loss == 123.0f);
    }
    assert_snapshot(m, &before);
    /* Still usable, with the same result as before. */
    float again = 0.0f;
    assert_int_equal(mlpb_loss(m, ws, x, y, N, &w, &again), MLPB_OK);
    assert_true(isfinite(again));
    free(before.params);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* Finite inputs that standardise to infinity ((3e38 - -3e38) / 1 overflows)
 * are as non-finite as an infinite input: refused by every pass. */
static void test_numeric_faults_standardized_overflow(void **state)
{
    (void)state;
    const size_t s[] = {2, 3, 1};
    mlpb_model *m = mlpbt_model(s, 3, 45);
    const float mean[] = {-3e38f, 0.0f}, sd[] = {1.0f, 1.0f};
    assert_int_equal(mlpb_model_set_standardization(m, mean, sd), MLPB_OK);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 2, NULL, &ws), MLPB_OK);
    float x[] = {1.0f, 2.0f, 3e38f, 0.5f}, y[] = {1.0f, 0.0f}, out[2], loss = 7.0f;
    assert_int_equal(mlpb_predict(m, ws, x, 1, out), MLPB_OK); /* first row is fine */
    assert_int_equal(mlpb_predict(m, ws, x, 2, out), MLPB_E_NUMERIC);
    assert_int_equal(mlpb_predict_logits(m, ws, x, 2, out), MLPB_E_NUMERIC);
    assert_int_equal(mlpb_loss(m, ws, x, y, 2, NULL, &loss), MLPB_E_NUMERIC);
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 2, &loss), MLPB_E_NUMERIC);
    assert_true(loss == 7.0f);
    /* Statistics of extreme but finite data are finite (computed in double),
     * and non-finite ones cannot be set: the fitted ones stay. */
    const float huge[] = {3e38f, 1.0f, 3e38f, 2.0f, -3e38f, 3.0f};
    assert_int_equal(mlpb_model_fit_standardization(m, huge, 3), MLPB_OK);
    const float nan_mean[] = {NAN, 0.0f}, inf_std[] = {1.0f, INFINITY};
    assert_int_equal(mlpb_model_set_standardization(m, nan_mean, sd), MLPB_E_NUMERIC);
    assert_int_equal(mlpb_model_set_standardization(m, mean, inf_std), MLPB_E_NUMERIC);
    for (size_t j = 0; j < 2; j++)
        assert_true(isfinite(mlpb_model_std(m)[j]) && mlpb_model_std(m)[j] > 0.0f);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* An optimiser step on a non-finite gradient is refused without touching
 * the parameters, the moments or the step counter: afterwards the optimiser
 * continues exactly as one that never saw the bad gradient. */
static void test_numeric_faults_optim_step_refuses(void **state)
{
    (void)state;
    enum { N = 8, D = 4, K = 2 };
    const size_t s[] = {D, 6, K};
    float x[N * D], y[N * K];
    mlpbt_fill_uniform(x, N * D, -1, 1, 46);
    mlpbt_fill_labels(y, N * K, 47);
    const mlpb_optimizer kinds[] = {MLPB_OPT_SGD,  MLPB_OPT_MOMENTUM, MLPB_OPT_NESTEROV,
                                    MLPB_OPT_ADAM, MLPB_OPT_ADAMW,    MLPB_OPT_RMSPROP};
    for (size_t ki = 0; ki < sizeof kinds / sizeof *kinds; ki++) {
        for (int clip = 0; clip <= 1; clip++) {
            mlpb_model *a = mlpbt_model(s, 3, 48), *b = mlpbt_model(s, 3, 48);
            mlpb_workspace *ws = NULL;
            assert_int_equal(mlpb_workspace_create(a, N, NULL, &ws), MLPB_OK);
            mlpb_optim_opts o;
            mlpb_optim_opts_default(&o);
            o.kind = kinds[ki];
            o.lr = 0.05f;
            o.weight_decay = 0.01f;
            o.clip_norm = clip ? 0.5f : 0.0f;
            mlpb_optim *oa = NULL, *ob = NULL;
            assert_int_equal(mlpb_optim_create(a, &o, NULL, &oa), MLPB_OK);
            assert_int_equal(mlpb_optim_create(b, &o, NULL, &ob), MLPB_OK);
            for (int step = 0; step < 3; step++) {
                assert_int_equal(mlpb_loss_grad(a, ws, x, y, N, NULL), MLPB_OK);
                assert_int_equal(mlpb_loss_grad(b, ws, x, y, N, NULL), MLPB_OK);
                if (step == 1) {
                    /* a sees a poisoned gradient first, in every position kind */
                    for (size_t bv = 0; bv < 3; bv++) {
                        const size_t at = (bv * 7) % a->n_params;
                        const float keep = a->grads[at];
                        a->grads[at] = bad_values[bv];
                        snapshot before;
                        snap(a, &before);
                        const uint64_t t = mlpb_optim_steps(oa);
                        assert_int_equal(mlpb_optim_step(oa, a), MLPB_E_NUMERIC);
                        assert_snapshot(a, &before);
                        assert_int_equal(mlpb_optim_steps(oa), t);
                        free(before.params);
                        a->grads[at] = keep;
                    }
                }
                assert_int_equal(mlpb_optim_step(oa, a), MLPB_OK);
                assert_int_equal(mlpb_optim_step(ob, b), MLPB_OK);
                size_t n;
                const float *pa = mlpb_model_params(a, &n);
                assert_memory_equal(pa, mlpb_model_params(b, NULL), n * sizeof *pa);
            }
            mlpb_optim_destroy(oa);
            mlpb_optim_destroy(ob);
            mlpb_workspace_destroy(ws);
            mlpb_model_destroy(a);
            mlpb_model_destroy(b);
        }
    }
}

/* ------------------------------------------------------------ huge logits */
/* {2, 3, 2} with x = (1, 1): W0 sends 5000 + 5000 to hidden unit 0 only, W1
 * copies it to logit 0 and its negative to logit 1, so z = (1e4, -1e4) and
 * hidden activations are 1e4 too. Every value below is exact in float. */
static mlpb_model *huge_logit_model(void)
{
    const size_t s[] = {2, 3, 2};
    mlpb_model *m = mlpbt_model(s, 3, 49);
    size_t np;
    float *p = mlpb_model_params(m, &np);
    memset(p, 0, np * sizeof *p);
    mlpb_layer l0, l1;
    assert_int_equal(mlpb_model_layer(m, 0, &l0), MLPB_OK);
    assert_int_equal(mlpb_model_layer(m, 1, &l1), MLPB_OK);
    l0.w[0 * 3 + 0] = 5000.0f; /* W0[0][0] */
    l0.w[1 * 3 + 0] = 5000.0f; /* W0[1][0] */
    l1.w[0 * 2 + 0] = 1.0f;    /* W1[0][0] */
    l1.w[0 * 2 + 1] = -1.0f;   /* W1[0][1] */
    return m;
}

/* One row, logits (1e4, -1e4), targets y: loss and every gradient by hand.
 * With g = dL/dz = (sigmoid(z) - y) scaled by the weights,
 * dW1 = h^T g, db1 = g, dh = g W1^T masked by h > 0, dW0 = x^T dh, db0 = dh. */
static void check_huge_logits(const float y[2], const float *pw, float sw)
{
    mlpb_model *m = huge_logit_model();
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 1, NULL, &ws), MLPB_OK);
    const float x[] = {1.0f, 1.0f};
    float z[2];
    assert_int_equal(mlpb_predict_logits(m, ws, x, 1, z), MLPB_OK);
    assert_true(z[0] == 1e4f && z[1] == -1e4f);

    /* Exact per-output loss and logit gradient: sigmoid(+-1e4) is 1 or 0 in
     * float and log1p(exp(-1e4)) is 0. */
    double loss = 0.0;
    float g[2];
    for (int j = 0; j < 2; j++) {
        const double p = pw != NULL ? (double)pw[j] : 1.0;
        const double sp_pos = z[j] > 0 ? (double)z[j] : 0.0;  /* softplus(z) */
        const double sp_neg = z[j] < 0 ? -(double)z[j] : 0.0; /* softplus(-z) */
        loss += (double)sw * (p * (double)y[j] * sp_neg + (1.0 - (double)y[j]) * sp_pos);
        const double sig = z[j] > 0 ? 1.0 : 0.0;
        g[j] = (float)((double)sw * (p * (double)y[j] * (sig - 1.0) + (1.0 - (double)y[j]) * sig));
    }
    const float swv[1] = {sw};
    mlpb_loss_weights w = {pw, swv};
    float got = NAN;
    assert_int_equal(mlpb_loss(m, ws, x, y, 1, &w, &got), MLPB_OK);
    assert_true(isfinite(got));
    assert_true(got == (float)loss);
    got = NAN;
    assert_int_equal(mlpb_loss_grad_weighted(m, ws, x, y, 1, &w, &got), MLPB_OK);
    assert_true(got == (float)loss);

    mlpb_layer l0, l1;
    assert_int_equal(mlpb_model_layer(m, 0, &l0), MLPB_OK);
    assert_int_equal(mlpb_model_layer(m, 1, &l1), MLPB_OK);
    const float h0 = 1e4f;
    const float dh0 = g[0] * 1.0f + g[1] * -1.0f;
    const float want_dw1[6] = {h0 * g[0], h0 * g[1], 0, 0, 0, 0};
    const float want_dw0[6] = {dh0, 0, 0, dh0, 0, 0};
    const float want_db0[3] = {dh0, 0, 0};
    for (int i = 0; i < 6; i++) {
        assert_true(isfinite(l1.dw[i]) && isfinite(l0.dw[i]));
        assert_true(l1.dw[i] == want_dw1[i]);
        assert_true(l0.dw[i] == want_dw0[i]);
    }
    for (int j = 0; j < 2; j++)
        assert_true(l1.db[j] == g[j]);
    for (int j = 0; j < 3; j++)
        assert_true(l0.db[j] == want_db0[j]);

    /* Probabilities are exactly 1 and 0, and the metrics' clipped loss of
     * such certain predictions stays finite. */
    float prob[2];
    assert_int_equal(mlpb_predict(m, ws, x, 1, prob), MLPB_OK);
    assert_true(prob[0] == 1.0f && prob[1] == 0.0f);
    mlpb_metrics mean;
    assert_int_equal(mlpb_metrics_compute(prob, y, 1, 2, NULL, NULL, &mean, NULL), MLPB_OK);
    assert_true(isfinite(mean.loss));
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

static void test_numeric_faults_huge_logits_deep(void **state)
{
    (void)state;
    const float wrong[] = {0.0f, 1.0f}, right[] = {1.0f, 0.0f}, mixed[] = {1.0f, 1.0f};
    const float pw[] = {2.5f, 4.0f};
    check_huge_logits(wrong, NULL, 1.0f); /* loss 2e4, gradients +-1 */
    check_huge_logits(right, NULL, 1.0f); /* loss 0, gradients 0 */
    check_huge_logits(mixed, NULL, 1.0f); /* one of each */
    check_huge_logits(wrong, pw, 3.0f);   /* weighted: 3e4 + 1.2e5 */
    check_huge_logits(mixed, pw, 0.5f);
}

/* A batch mixing rows of logits +-1e4 and ordinary rows: the mean loss is the
 * double-precision reference's, and every gradient is finite. */
static void test_numeric_faults_huge_logits_batch(void **state)
{
    (void)state;
    mlpb_model *m = huge_logit_model();
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, 4, NULL, &ws), MLPB_OK);
    const float x[] = {1.0f, 1.0f, -1.0f, 0.5f, 1e-3f, 2e-3f, 1.0f, 1.0f};
    const float y[] = {0.0f, 1.0f, 1.0f, 1.0f, 0.0f, 0.0f, 1.0f, 0.0f};
    float loss = NAN;
    assert_int_equal(mlpb_loss_grad(m, ws, x, y, 4, &loss), MLPB_OK);
    double *pd = mlpbt_params_double(m);
    const size_t s[] = {2, 3, 2};
    const mlpbt_net net = {s, 3, pd, NULL, NULL};
    mlpbt_assert_close(loss, mlpbt_ref_loss(&net, x, y, 4, NULL, NULL), 1e-6);
    size_t ng;
    const float *gr = mlpb_model_grads(m, &ng);
    for (size_t i = 0; i < ng; i++)
        assert_true(isfinite(gr[i]));
    free(pd);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
}

/* ---------------------------------------------------------- the trainer */
enum { TN = 40, TD = 4, TK = 2 };
static const size_t tsizes[] = {TD, 8, 8, TK};

typedef struct train_data {
    float x[TN * TD], y[TN * TK], sw[TN], vx[TN * TD], vy[TN * TK], vsw[TN], pw[TK];
} train_data;

static void fill_train_data(train_data *t)
{
    mlpbt_fill_uniform(t->x, TN * TD, -1, 1, 50);
    mlpbt_fill_labels(t->y, TN * TK, 51);
    mlpbt_fill_uniform(t->sw, TN, 0.5f, 2.0f, 52);
    mlpbt_fill_uniform(t->vx, TN * TD, -1, 1, 53);
    mlpbt_fill_labels(t->vy, TN * TK, 54);
    mlpbt_fill_uniform(t->vsw, TN, 0.5f, 2.0f, 55);
    t->pw[0] = 2.0f;
    t->pw[1] = 0.5f;
}

/* A non-finite value anywhere in what mlpb_train is given (features,
 * targets, sample weights of the training or the validation set; the last
 * row, so that a late check would find it only after training on the rest)
 * is refused before the model changes. */
static void test_numeric_faults_train_rejects_nonfinite_inputs(void **state)
{
    (void)state;
    static train_data t;
    const char *where[] = {"train x (standardize off)",
                           "train x (standardize on)",
                           "train y",
                           "train sample_weight",
                           "val x",
                           "val y",
                           "val sample_weight"};
    int failures = 0;
    for (size_t w = 0; w < sizeof where / sizeof *where; w++) {
        for (size_t b = 0; b < 3; b++) {
            fill_train_data(&t);
            float *slot[] = {&t.x[TN * TD - 1], &t.x[TN * TD - 1],  &t.y[TN * TK - 1],
                             &t.sw[TN - 1],     &t.vx[TN * TD - 1], &t.vy[TN * TK - 1],
                             &t.vsw[TN - 1]};
            *slot[w] = bad_values[b];
            mlpb_model *m = mlpbt_model(tsizes, 4, 56);
            snapshot before;
            snap(m, &before);
            const mlpb_dataset tr = {t.x, t.y, t.sw, TN}, va = {t.vx, t.vy, t.vsw, TN};
            mlpb_train_opts o;
            mlpb_train_opts_default(&o);
            o.epochs = 2;
            o.batch_size = 8;
            o.standardize = w != 0;
            o.optim.kind = MLPB_OPT_SGD;
            o.optim.lr = 0.1f;
            mlpb_train_report r;
            const mlpb_status s = mlpb_train(m, &tr, &va, &o, NULL, &r);
            size_t n;
            const float *p = mlpb_model_params(m, &n);
            const int unchanged = memcmp(p, before.params, n * sizeof *p) == 0 &&
                                  (mlpb_model_mean(m) != NULL) == before.has_std;
            if (s != MLPB_E_NUMERIC || !unchanged) {
                print_message("non-finite %s (%g): status %d, model %s (fail at %zu/%zu)\n",
                              where[w], (double)bad_values[b], (int)s,
                              unchanged ? "unchanged" : "CHANGED", r.fail_epoch, r.fail_batch);
                failures++;
            }
            free(before.params);
            mlpb_model_destroy(m);
        }
    }
    assert_int_equal(failures, 0);

    /* Loss weights out of range are argument errors, also before any change. */
    fill_train_data(&t);
    t.pw[1] = NAN;
    mlpb_model *m = mlpbt_model(tsizes, 4, 56);
    snapshot before;
    snap(m, &before);
    const mlpb_dataset tr = {t.x, t.y, NULL, TN};
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.epochs = 1;
    o.pos_weight = t.pw;
    assert_int_equal(mlpb_train(m, &tr, NULL, &o, NULL, NULL), MLPB_E_INVALID_ARG);
    assert_snapshot(m, &before);
    free(before.params);
    mlpb_model_destroy(m);
}

/* What the batch callback saw: the parameters after each update. */
typedef struct trail {
    mlpb_model *m;
    size_t epoch, batch, calls;
    float *last; /* parameters after the last successful batch */
} trail;

static int record_batch(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx)
{
    (void)n_batches;
    trail *t = ctx;
    assert_true(isfinite(loss));
    size_t n;
    const float *p = mlpb_model_params(t->m, &n);
    memcpy(t->last, p, n * sizeof *p);
    t->epoch = epoch;
    t->batch = batch;
    t->calls++;
    return 0;
}

static void all_finite_params(mlpb_model *m)
{
    size_t n;
    const float *p = mlpb_model_params(m, &n);
    for (size_t i = 0; i < n; i++)
        assert_true(isfinite(p[i]));
}

/* A learning rate of 1e30: the first update leaves huge but finite weights,
 * whose logits overflow on the next batch. Training stops there with
 * MLPB_E_NUMERIC, names that batch, and keeps the weights of the last
 * successful update (bit for bit what the callback saw). */
static void test_numeric_faults_train_diverges_in_loss(void **state)
{
    (void)state;
    static train_data t;
    fill_train_data(&t);
    mlpb_model *m = mlpbt_model(tsizes, 4, 57);
    size_t np;
    (void)mlpb_model_params(m, &np);
    trail tr = {m, 0, 0, 0, malloc(np * sizeof(float))};
    assert_non_null(tr.last);
    const mlpb_dataset ds = {t.x, t.y, NULL, TN};
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.epochs = 5;
    o.batch_size = 8;
    o.val_fraction = 0.0f;
    o.standardize = 0;
    o.optim.kind = MLPB_OPT_SGD;
    o.optim.lr = 1e30f;
    o.on_batch = record_batch;
    o.ctx = &tr;
    mlpb_train_report r;
    assert_int_equal(mlpb_train(m, &ds, NULL, &o, NULL, &r), MLPB_E_NUMERIC);
    print_message("lr 1e30: stopped at epoch %zu batch %zu after %zu good batches\n", r.fail_epoch,
                  r.fail_batch, tr.calls);
    assert_true(tr.calls >= 1);
    /* the failing batch directly follows the last good one */
    if (r.fail_batch > 1) {
        assert_int_equal(r.fail_epoch, tr.epoch);
        assert_int_equal(r.fail_batch, tr.batch + 1);
    } else {
        assert_int_equal(r.fail_batch, 1);
        assert_int_equal(r.fail_epoch, tr.epoch + 1);
    }
    all_finite_params(m);
    assert_memory_equal(mlpb_model_params(m, NULL), tr.last, np * sizeof(float));
    free(tr.last);
    mlpb_model_destroy(m);
}

/* Adam at lr 3e38: lr / (1 - beta1) is infinite, so the very first update
 * overflows every parameter it moves. The trainer notices, restores the
 * weights it started the epoch with (here the initial ones) and stops. */
static void test_numeric_faults_train_diverges_in_update(void **state)
{
    (void)state;
    static train_data t;
    fill_train_data(&t);
    mlpb_model *m = mlpbt_model(tsizes, 4, 58);
    snapshot before;
    snap(m, &before);
    const mlpb_dataset ds = {t.x, t.y, NULL, TN};
    mlpb_train_opts o;
    mlpb_train_opts_default(&o);
    o.epochs = 3;
    o.batch_size = 8;
    o.val_fraction = 0.0f;
    o.standardize = 0;
    o.optim.kind = MLPB_OPT_ADAM;
    o.optim.lr = 3e38f;
    mlpb_train_report r;
    assert_int_equal(mlpb_train(m, &ds, NULL, &o, NULL, &r), MLPB_E_NUMERIC);
    assert_int_equal(r.fail_epoch, 1);
    assert_int_equal(r.fail_batch, 1);
    all_finite_params(m);
    assert_snapshot(m, &before);
    free(before.params);
    mlpb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_faults_targets_and_weights),
        cmocka_unit_test(test_numeric_faults_standardized_overflow),
        cmocka_unit_test(test_numeric_faults_optim_step_refuses),
        cmocka_unit_test(test_numeric_faults_huge_logits_deep),
        cmocka_unit_test(test_numeric_faults_huge_logits_batch),
        cmocka_unit_test(test_numeric_faults_train_rejects_nonfinite_inputs),
        cmocka_unit_test(test_numeric_faults_train_diverges_in_loss),
        cmocka_unit_test(test_numeric_faults_train_diverges_in_update),
    };
    return cmocka_run_group_tests_name("numeric_faults", tests, NULL, NULL);
}
