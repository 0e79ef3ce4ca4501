/* test_optim.c -- the optimiser family against a double-precision reference
 * written from PyTorch's formulas: three steps of every kind (with weight
 * decay, clipping and schedules), schedules against hand values, clipping by
 * hand, non-finite gradients, reset, option checks and allocation counts. */
#include "testutil.h"

#include "mlpb_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 64

/* {3, 2, 2}: 3*2 + 2 + 2*2 + 2 = 14 parameters. */
static const size_t tiny_sizes[] = {3, 2, 2};
#define TINY_P 14

/* Parameters of magnitude 0.5 .. 1.5 with mixed signs, so that three small
 * updates keep them far from zero and relative errors stay meaningful. */
static void set_params(mlpb_model *m, uint64_t seed)
{
    size_t np;
    float *p = mlpb_model_params(m, &np);
    mlpbt_fill_uniform(p, np, 0.5f, 1.5f, seed);
    for (size_t i = 0; i < np; i++)
        if (i % 3 == 1)
            p[i] = -p[i];
}

/* Test-only access: the gradient arena is written through the internal
 * struct (the public pointer is const). */
static void set_grads(mlpb_model *m, uint64_t seed)
{
    mlpbt_fill_uniform(m->grads, m->n_params, -1.0f, 1.0f, seed);
}

/* ------------------------------------------------------------ reference */
typedef struct ref_state {
    double p[MAXP], m1[MAXP], m2[MAXP];
} ref_state;

/* One step number t (1-based) at learning rate lr, in double, written as the
 * PyTorch documentation states each algorithm (Adam in Kingma and Ba's form
 * with bias-corrected m^ and v^). */
static void ref_step(const mlpb_optim_opts *o, unsigned t, double lr, const float *g, size_t n,
                     ref_state *s)
{
    double c = 1.0;
    if (o->clip_norm > 0.0f) {
        double ss = 0.0;
        for (size_t i = 0; i < n; i++)
            ss += (double)g[i] * (double)g[i];
        const double coef = (double)o->clip_norm / (sqrt(ss) + 1e-6);
        c = coef < 1.0 ? coef : 1.0;
    }
    const double wd = (double)o->weight_decay, mu = (double)o->momentum;
    const double b1 = (double)o->beta1, b2 = (double)o->beta2, eps = (double)o->eps;
    const double rho = (double)o->rho;
    for (size_t i = 0; i < n; i++) {
        double gi = c * (double)g[i];
        double *p = &s->p[i], *m1 = &s->m1[i], *m2 = &s->m2[i];
        if (o->kind == MLPB_OPT_ADAMW)
            *p *= 1.0 - lr * wd;
        else
            gi += wd * *p;
        switch (o->kind) {
        case MLPB_OPT_SGD:
            *p -= lr * gi;
            break;
        case MLPB_OPT_MOMENTUM:
            *m1 = mu * *m1 + gi;
            *p -= lr * *m1;
            break;
        case MLPB_OPT_NESTEROV:
            *m1 = mu * *m1 + gi;
            *p -= lr * (gi + mu * *m1);
            break;
        case MLPB_OPT_ADAM:
        case MLPB_OPT_ADAMW: {
            *m1 = b1 * *m1 + (1.0 - b1) * gi;
            *m2 = b2 * *m2 + (1.0 - b2) * gi * gi;
            const double mh = *m1 / (1.0 - pow(b1, t)), vh = *m2 / (1.0 - pow(b2, t));
            *p -= lr * mh / (sqrt(vh) + eps);
            break;
        }
        case MLPB_OPT_RMSPROP:
            *m1 = rho * *m1 + (1.0 - rho) * gi * gi;
            *p -= lr * gi / (sqrt(*m1) + eps);
            break;
        }
    }
}

/* Three steps of o from seeded parameters and a fresh seeded gradient each
 * step, against the reference at learning rates lr[0..2], to 1e-6 relative. */
static void check_three_steps(const mlpb_optim_opts *o, const double lr[3], uint64_t seed)
{
    mlpb_model *m = mlpbt_model(tiny_sizes, 3, seed);
    set_params(m, seed + 1);
    size_t np;
    float *p = mlpb_model_params(m, &np);
    assert_int_equal(np, TINY_P);
    ref_state s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < np; i++)
        s.p[i] = (double)p[i];

    mlpb_optim *opt = NULL;
    assert_int_equal(mlpb_optim_create(m, o, NULL, &opt), MLPB_OK);
    for (unsigned t = 0; t < 3; t++) {
        mlpbt_assert_close(mlpb_optim_lr_at(opt, t), lr[t], 1e-7);
        set_grads(m, seed + 10 + t);
        assert_int_equal(mlpb_optim_step(opt, m), MLPB_OK);
        ref_step(o, t + 1, lr[t], m->grads, np, &s);
        assert_int_equal(mlpb_optim_steps(opt), t + 1);
        for (size_t i = 0; i < np; i++)
            mlpbt_assert_close(p[i], s.p[i], 1e-6);
    }
    /* The updates moved the parameters by a visible amount. */
    set_params(m, seed + 1);
    double moved = 0.0;
    for (size_t i = 0; i < np; i++)
        moved = fmax(moved, fabs((double)p[i] - s.p[i]));
    assert_true(moved > 1e-3);
    mlpb_optim_destroy(opt);
    mlpb_model_destroy(m);
}

static mlpb_optim_opts opts_of(mlpb_optimizer kind, float lr, float wd, float clip)
{
    mlpb_optim_opts o;
    mlpb_optim_opts_default(&o);
    o.kind = kind;
    o.lr = lr;
    o.weight_decay = wd;
    o.clip_norm = clip;
    return o;
}

static void check_kind(mlpb_optimizer kind, float lr)
{
    const double l3[3] = {(double)lr, (double)lr, (double)lr};
    mlpb_optim_opts o = opts_of(kind, lr, 0.0f, 0.0f);
    check_three_steps(&o, l3, 100 + (uint64_t)kind);
    o = opts_of(kind, lr, 0.1f, 0.0f); /* weight decay */
    check_three_steps(&o, l3, 200 + (uint64_t)kind);
    o = opts_of(kind, lr, 0.05f, 0.5f); /* decay and active clipping */
    check_three_steps(&o, l3, 300 + (uint64_t)kind);
}

static void test_optim_sgd(void **state)
{
    (void)state;
    check_kind(MLPB_OPT_SGD, 0.02f);
}

static void test_optim_momentum(void **state)
{
    (void)state;
    check_kind(MLPB_OPT_MOMENTUM, 0.02f);
    mlpb_optim_opts o = opts_of(MLPB_OPT_MOMENTUM, 0.02f, 0.0f, 0.0f);
    o.momentum = 0.5f;
    const double l3[3] = {0.02, 0.02, 0.02};
    check_three_steps(&o, l3, 7);
}

static void test_optim_nesterov(void **state)
{
    (void)state;
    check_kind(MLPB_OPT_NESTEROV, 0.02f);
}

static void test_optim_adam(void **state)
{
    (void)state;
    check_kind(MLPB_OPT_ADAM, 0.02f);
    mlpb_optim_opts o = opts_of(MLPB_OPT_ADAM, 0.02f, 0.0f, 0.0f);
    o.beta1 = 0.5f;
    o.beta2 = 0.8f;
    o.eps = 1e-3f;
    const double l3[3] = {0.02, 0.02, 0.02};
    check_three_steps(&o, l3, 8);
}

static void test_optim_adamw(void **state)
{
    (void)state;
    check_kind(MLPB_OPT_ADAMW, 0.02f);
    /* A large decoupled decay, where Adam's L2 would differ by far. */
    mlpb_optim_opts o = opts_of(MLPB_OPT_ADAMW, 0.02f, 2.0f, 0.0f);
    const double l3[3] = {0.02, 0.02, 0.02};
    check_three_steps(&o, l3, 9);
}

static void test_optim_rmsprop(void **state)
{
    (void)state;
    check_kind(MLPB_OPT_RMSPROP, 0.005f);
}

/* The step uses the scheduled rate of its own step number. */
static void test_optim_step_follows_schedule(void **state)
{
    (void)state;
    mlpb_optim_opts o = opts_of(MLPB_OPT_ADAM, 0.02f, 0.0f, 0.0f);
    o.schedule = MLPB_SCHED_STEP;
    o.step_size = 2;
    o.gamma = 0.5f;
    o.warmup = 2;
    /* t = 0: 0.02 * 1/2 (warm-up); t = 1: 0.02; t = 2: 0.02 * 0.5 (decay). */
    const double lr[3] = {(double)0.02f * 0.5, (double)0.02f, (double)0.02f * 0.5};
    check_three_steps(&o, lr, 11);
    o = opts_of(MLPB_OPT_MOMENTUM, 0.02f, 0.0f, 0.0f);
    o.schedule = MLPB_SCHED_COSINE;
    o.t_max = 2;
    o.lr_min = 0.01f;
    /* t = 0: 0.02; t = 1: 0.01 + 0.01 (1 + cos(pi/2)) / 2 = 0.015; t = 2: 0.01. */
    const double lc[3] = {(double)0.02f, (double)0.01f + ((double)0.02f - (double)0.01f) / 2,
                          (double)0.01f};
    check_three_steps(&o, lc, 12);
}

/* ------------------------------------------------------------- schedules */
static float lr_of(const mlpb_optim_opts *o, uint64_t t)
{
    mlpb_model *m = mlpbt_model(tiny_sizes, 3, 1);
    mlpb_optim *opt = NULL;
    assert_int_equal(mlpb_optim_create(m, o, NULL, &opt), MLPB_OK);
    const float r = mlpb_optim_lr_at(opt, t);
    mlpb_optim_destroy(opt);
    mlpb_model_destroy(m);
    return r;
}

static void test_optim_schedules(void **state)
{
    (void)state;
    mlpb_optim_opts o = opts_of(MLPB_OPT_SGD, 0.1f, 0.0f, 0.0f);
    assert_true(lr_of(&o, 0) == 0.1f);
    assert_true(lr_of(&o, 123456) == 0.1f);

    /* Step: 0.1 for t = 0..2, 0.05 for 3..5, 0.025 from 6. */
    o.schedule = MLPB_SCHED_STEP;
    o.step_size = 3;
    o.gamma = 0.5f;
    const double step_want[8] = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025};
    for (uint64_t t = 0; t < 8; t++)
        mlpbt_assert_close(lr_of(&o, t), step_want[t], 1e-6);

    /* Cosine from 1 to 0 over t_max = 4: cos(pi t / 4) gives
     * 1, 0.8535534, 0.5, 0.1464466, 0, then held at 0. */
    o = opts_of(MLPB_OPT_SGD, 1.0f, 0.0f, 0.0f);
    o.schedule = MLPB_SCHED_COSINE;
    o.t_max = 4;
    o.lr_min = 0.0f;
    const double cos_want[5] = {1.0, 0.85355339059327373, 0.5, 0.14644660940672627, 0.0};
    for (uint64_t t = 0; t < 4; t++)
        mlpbt_assert_close(lr_of(&o, t), cos_want[t], 1e-6);
    assert_true(lr_of(&o, 4) == 0.0f);
    assert_true(lr_of(&o, 100) == 0.0f);
    o.lr_min = 0.2f; /* halfway point: 0.2 + 0.8 / 2 */
    mlpbt_assert_close(lr_of(&o, 2), 0.6, 1e-6);
    assert_true(lr_of(&o, 9) == 0.2f);

    /* Linear warm-up over 4 steps: 0.2, 0.4, 0.6, 0.8 of lr, then lr. */
    o = opts_of(MLPB_OPT_SGD, 0.8f, 0.0f, 0.0f);
    o.warmup = 4;
    const double warm_want[6] = {0.2, 0.4, 0.6, 0.8, 0.8, 0.8};
    for (uint64_t t = 0; t < 6; t++)
        mlpbt_assert_close(lr_of(&o, t), warm_want[t], 1e-6);

    /* Warm-up times a step schedule: step_size 2, gamma 0.1, warm-up 3:
     * t = 0: 1 * 1/3, t = 1: 1 * 2/3, t = 2: 0.1 * 3/3, t = 3: 0.1. */
    o = opts_of(MLPB_OPT_SGD, 1.0f, 0.0f, 0.0f);
    o.schedule = MLPB_SCHED_STEP;
    o.step_size = 2;
    o.gamma = 0.1f;
    o.warmup = 3;
    const double ws_want[4] = {1.0 / 3.0, 2.0 / 3.0, 0.1, 0.1};
    for (uint64_t t = 0; t < 4; t++)
        mlpbt_assert_close(lr_of(&o, t), ws_want[t], 1e-6);

    /* Warm-up times cosine: t_max 4, warm-up 2: t = 0: 1 * 1/2, t = 1:
     * 0.8535534 * 2/2. */
    o.schedule = MLPB_SCHED_COSINE;
    o.t_max = 4;
    o.lr_min = 0.0f;
    o.warmup = 2;
    mlpbt_assert_close(lr_of(&o, 0), 0.5, 1e-6);
    mlpbt_assert_close(lr_of(&o, 1), cos_want[1], 1e-6);
    mlpbt_assert_close(lr_of(&o, 2), 0.5, 1e-6);

    assert_true(mlpb_optim_lr_at(NULL, 0) == 0.0f);
    assert_int_equal(mlpb_optim_steps(NULL), 0);
}

/* ------------------------------------------------------------- clipping */
static void test_optim_clip(void **state)
{
    (void)state;
    mlpb_model *m = mlpbt_model(tiny_sizes, 3, 2);
    size_t np;
    float *p = mlpb_model_params(m, &np);
    float p0[TINY_P];
    set_params(m, 3);
    memcpy(p0, p, sizeof p0);
    /* 14 gradients of +-0.5 and 2 of them 1.5: ||g||^2 = 12 * 0.25 + 2 * 2.25
     * = 7.5. With clip 1, SGD at lr 1 moves p by g / (sqrt(7.5) + 1e-6). */
    for (size_t i = 0; i < np; i++)
        m->grads[i] = i % 2 ? 0.5f : -0.5f;
    m->grads[3] = 1.5f;
    m->grads[8] = -1.5f;
    const double norm = sqrt(7.5);

    mlpb_optim_opts o = opts_of(MLPB_OPT_SGD, 1.0f, 0.0f, 1.0f);
    mlpb_optim *opt = NULL;
    assert_int_equal(mlpb_optim_create(m, &o, NULL, &opt), MLPB_OK);
    assert_int_equal(mlpb_optim_step(opt, m), MLPB_OK);
    double moved = 0.0;
    for (size_t i = 0; i < np; i++) {
        const double want = (double)p0[i] - (double)m->grads[i] / (norm + 1e-6);
        mlpbt_assert_close(p[i], want, 1e-6);
        moved += ((double)p[i] - (double)p0[i]) * ((double)p[i] - (double)p0[i]);
    }
    mlpbt_assert_close(sqrt(moved), 1.0, 1e-6); /* the step has norm clip_norm */
    mlpb_optim_destroy(opt);

    /* A threshold above the norm leaves the gradient as it is. */
    memcpy(p, p0, sizeof p0);
    o.clip_norm = 3.0f;
    assert_int_equal(mlpb_optim_create(m, &o, NULL, &opt), MLPB_OK);
    assert_int_equal(mlpb_optim_step(opt, m), MLPB_OK);
    for (size_t i = 0; i < np; i++)
        assert_true(p[i] == p0[i] - m->grads[i]);
    mlpb_optim_destroy(opt);

    /* Clipping applies to the gradient before the L2 decay: with wd 1 the
     * move is g / (norm + 1e-6) + p. */
    memcpy(p, p0, sizeof p0);
    o.clip_norm = 1.0f;
    o.weight_decay = 1.0f;
    o.lr = 0.1f;
    assert_int_equal(mlpb_optim_create(m, &o, NULL, &opt), MLPB_OK);
    assert_int_equal(mlpb_optim_step(opt, m), MLPB_OK);
    for (size_t i = 0; i < np; i++) {
        const double g = (double)m->grads[i] / (norm + 1e-6) + (double)p0[i];
        mlpbt_assert_close(p[i], (double)p0[i] - (double)0.1f * g, 1e-6);
    }
    mlpb_optim_destroy(opt);
    mlpb_model_destroy(m);
}

/* ------------------------------------------------------------ non-finite */
/* For every kind, with and without clipping: a NaN or Inf gradient returns
 * MLPB_E_NUMERIC and changes nothing -- parameters bitwise, step count, and
 * the moments (the next good step equals that of an optimiser that never saw
 * the bad one). */
static void test_optim_nonfinite_changes_nothing(void **state)
{
    (void)state;
    const float bad[3] = {NAN, INFINITY, -INFINITY};
    for (int kind = MLPB_OPT_SGD; kind <= MLPB_OPT_RMSPROP; kind++) {
        for (int clip = 0; clip < 2; clip++) {
            for (int b = 0; b < 3; b++) {
                mlpb_model *m = mlpbt_model(tiny_sizes, 3, 4), *twin = NULL;
                set_params(m, 5);
                assert_int_equal(mlpb_model_clone(m, &twin), MLPB_OK);
                mlpb_optim_opts o = opts_of((mlpb_optimizer)kind, 0.01f, 0.1f,
                                            clip ? 0.5f : 0.0f);
                mlpb_optim *opt = NULL, *ref = NULL;
                assert_int_equal(mlpb_optim_create(m, &o, NULL, &opt), MLPB_OK);
                assert_int_equal(mlpb_optim_create(twin, &o, NULL, &ref), MLPB_OK);
                set_grads(m, 6);
                set_grads(twin, 6);
                assert_int_equal(mlpb_optim_step(opt, m), MLPB_OK);
                assert_int_equal(mlpb_optim_step(ref, twin), MLPB_OK);

                size_t np;
                float *p = mlpb_model_params(m, &np);
                float before[TINY_P];
                memcpy(before, p, sizeof before);
                set_grads(m, 7);
                m->grads[5] = bad[b];
                assert_int_equal(mlpb_optim_step(opt, m), MLPB_E_NUMERIC);
                assert_memory_equal(p, before, sizeof before);
                assert_int_equal(mlpb_optim_steps(opt), 1);

                set_grads(m, 8);
                set_grads(twin, 8);
                assert_int_equal(mlpb_optim_step(opt, m), MLPB_OK);
                assert_int_equal(mlpb_optim_step(ref, twin), MLPB_OK);
                assert_memory_equal(p, mlpb_model_params(twin, NULL), np * sizeof *p);
                mlpb_optim_destroy(opt);
                mlpb_optim_destroy(ref);
                mlpb_model_destroy(m);
                mlpb_model_destroy(twin);
            }
        }
    }
}

/* An update that overflows a parameter is reported by the internal step. */
static void test_optim_reports_overflowed_params(void **state)
{
    (void)state;
    mlpb_model *m = mlpbt_model(tiny_sizes, 3, 4);
    set_params(m, 5);
    mlpb_optim_opts o = opts_of(MLPB_OPT_SGD, 1e30f, 0.0f, 0.0f);
    mlpb_optim *opt = NULL;
    assert_int_equal(mlpb_optim_create(m, &o, NULL, &opt), MLPB_OK);
    bool finite = false;
    set_grads(m, 6); /* |g| <= 1: p moves to ~1e30, still finite */
    assert_int_equal(mlpb__optim_update(opt, m, &finite), MLPB_OK);
    assert_true(finite);
    for (size_t i = 0; i < m->n_params; i++)
        m->grads[i] = 1e9f; /* 1e39 overflows a float */
    assert_int_equal(mlpb__optim_update(opt, m, &finite), MLPB_OK);
    assert_false(finite);
    mlpb_optim_destroy(opt);
    mlpb_model_destroy(m);
}

/* ---------------------------------------------------------- real gradients */
/* Through the real pipeline: SGD of the family equals mlpb_sgd_step bitwise,
 * on gradients from mlpb_loss_grad of a tiny fixed batch. */
static void test_optim_sgd_matches_sgd_step(void **state)
{
    (void)state;
    const size_t sizes[] = {3, 4, 2};
    mlpb_model *a = mlpbt_model(sizes, 3, 21), *b = NULL;
    assert_int_equal(mlpb_model_clone(a, &b), MLPB_OK);
    const float x[] = {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.75f};
    const float y[] = {1, 0, 0, 1};
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(a, 2, NULL, &ws), MLPB_OK);
    mlpb_optim_opts o = opts_of(MLPB_OPT_SGD, 0.3f, 0.0f, 0.0f);
    mlpb_optim *opt = NULL;
    assert_int_equal(mlpb_optim_create(a, &o, NULL, &opt), MLPB_OK);
    size_t np;
    float *pa = mlpb_model_params(a, &np), *pb = mlpb_model_params(b, NULL);
    float start[64];
    assert_true(np <= 64);
    memcpy(start, pa, np * sizeof *pa);
    for (int s = 0; s < 3; s++) {
        float la, lb;
        assert_int_equal(mlpb_loss_grad(a, ws, x, y, 2, &la), MLPB_OK);
        assert_int_equal(mlpb_loss_grad(b, ws, x, y, 2, &lb), MLPB_OK);
        assert_true(la == lb);
        assert_int_equal(mlpb_optim_step(opt, a), MLPB_OK);
        assert_int_equal(mlpb_sgd_step(b, 0.3f), MLPB_OK);
        assert_memory_equal(pa, pb, np * sizeof *pa);
    }
    assert_memory_not_equal(pa, start, np * sizeof *pa);
    mlpb_optim_destroy(opt);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(a);
    mlpb_model_destroy(b);
}

/* ---------------------------------------------------------------- reset */
static void test_optim_reset(void **state)
{
    (void)state;
    mlpb_model *m = mlpbt_model(tiny_sizes, 3, 30), *twin = NULL;
    set_params(m, 31);
    assert_int_equal(mlpb_model_clone(m, &twin), MLPB_OK);
    mlpb_optim_opts o = opts_of(MLPB_OPT_ADAM, 0.05f, 0.0f, 0.0f);
    o.warmup = 3;
    mlpb_optim *opt = NULL, *fresh = NULL;
    assert_int_equal(mlpb_optim_create(m, &o, NULL, &opt), MLPB_OK);
    assert_int_equal(mlpb_optim_create(m, &o, NULL, &fresh), MLPB_OK);
    for (int s = 0; s < 2; s++) {
        set_grads(twin, 32 + (uint64_t)s); /* moves twin; m is not touched */
        assert_int_equal(mlpb_optim_step(opt, twin), MLPB_OK);
    }
    mlpb_optim_reset(opt);
    assert_int_equal(mlpb_optim_steps(opt), 0);
    /* After reset, opt behaves like a fresh optimiser on the same parameters. */
    assert_int_equal(mlpb_model_copy_params(twin, m), MLPB_OK);
    for (int s = 0; s < 3; s++) {
        set_grads(m, 40 + (uint64_t)s);
        set_grads(twin, 40 + (uint64_t)s);
        assert_int_equal(mlpb_optim_step(fresh, m), MLPB_OK);
        assert_int_equal(mlpb_optim_step(opt, twin), MLPB_OK);
    }
    assert_memory_equal(mlpb_model_params(m, NULL), mlpb_model_params(twin, NULL),
                        TINY_P * sizeof(float));
    mlpb_optim_reset(NULL);
    mlpb_optim_destroy(NULL);
    mlpb_optim_destroy(opt);
    mlpb_optim_destroy(fresh);
    mlpb_model_destroy(m);
    mlpb_model_destroy(twin);
}

/* ------------------------------------------------------ argument checks */
static void test_optim_defaults(void **state)
{
    (void)state;
    mlpb_optim_opts o;
    memset(&o, 0xff, sizeof o);
    mlpb_optim_opts_default(&o);
    assert_int_equal(o.kind, MLPB_OPT_ADAM);
    assert_true(o.lr == 1e-3f && o.momentum == 0.9f && o.beta1 == 0.9f);
    assert_true(o.beta2 == 0.999f && o.rho == 0.99f && o.eps == 1e-8f);
    assert_true(o.weight_decay == 0.0f && o.clip_norm == 0.0f && o.gamma == 0.1f);
    assert_int_equal(o.schedule, MLPB_SCHED_CONSTANT);
    assert_int_equal(o.warmup, 0);
    mlpb_optim_opts_default(NULL);
}

static void expect_invalid(const mlpb_model *m, const mlpb_optim_opts *o)
{
    mlpb_optim *opt = (mlpb_optim *)&opt; /* any non-NULL value */
    assert_int_equal(mlpb_optim_create(m, o, NULL, &opt), MLPB_E_INVALID_ARG);
    assert_null(opt);
}

static void test_optim_invalid_args(void **state)
{
    (void)state;
    mlpb_model *m = mlpbt_model(tiny_sizes, 3, 50);
    mlpb_optim_opts ok, o;
    mlpb_optim_opts_default(&ok);
    mlpb_optim *opt = NULL;
    assert_int_equal(mlpb_optim_create(m, &ok, NULL, NULL), MLPB_E_INVALID_ARG);
    expect_invalid(NULL, &ok);
    expect_invalid(m, NULL);
#define BAD(field, value)    \
    do {                     \
        o = ok;              \
        o.field = value;     \
        expect_invalid(m, &o); \
    } while (0)
    BAD(kind, (mlpb_optimizer)6);
    BAD(lr, 0.0f);
    BAD(lr, -1.0f);
    BAD(lr, NAN);
    BAD(lr, INFINITY);
    BAD(weight_decay, -0.1f);
    BAD(weight_decay, NAN);
    BAD(clip_norm, -1.0f);
    BAD(clip_norm, INFINITY);
    BAD(beta1, 1.0f);
    BAD(beta2, -0.1f);
    BAD(eps, 0.0f);
    BAD(schedule, (mlpb_schedule)3);
    o = ok;
    o.schedule = MLPB_SCHED_STEP; /* step_size 0 */
    expect_invalid(m, &o);
    o.step_size = 10;
    o.gamma = 0.0f;
    expect_invalid(m, &o);
    o = ok;
    o.schedule = MLPB_SCHED_COSINE; /* t_max 0 */
    expect_invalid(m, &o);
    o.t_max = 10;
    o.lr_min = 2e-3f; /* above lr */
    expect_invalid(m, &o);
    o = ok;
    o.kind = MLPB_OPT_MOMENTUM;
    o.momentum = 1.0f;
    expect_invalid(m, &o);
    o.kind = MLPB_OPT_NESTEROV;
    o.momentum = -0.5f;
    expect_invalid(m, &o);
    o = ok;
    o.kind = MLPB_OPT_RMSPROP;
    o.rho = 1.5f;
    expect_invalid(m, &o);
    /* Fields of other kinds are not read: momentum is ignored by Adam. */
    o = ok;
    o.momentum = 7.0f;
    assert_int_equal(mlpb_optim_create(m, &o, NULL, &opt), MLPB_OK);

    /* A model of another architecture, and NULLs, at step time. */
    const size_t other[] = {3, 3, 2};
    mlpb_model *m2 = mlpbt_model(other, 3, 51);
    size_t np;
    float *p = mlpb_model_params(m2, &np);
    float before[64];
    memcpy(before, p, np * sizeof *p);
    assert_int_equal(mlpb_optim_step(opt, m2), MLPB_E_INVALID_ARG);
    assert_memory_equal(p, before, np * sizeof *p);
    assert_int_equal(mlpb_optim_step(NULL, m), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_optim_step(opt, NULL), MLPB_E_INVALID_ARG);
    assert_int_equal(mlpb_optim_steps(opt), 0);
    mlpb_optim_destroy(opt);
    mlpb_model_destroy(m2);
    mlpb_model_destroy(m);
#undef BAD
}

/* ----------------------------------------------------------- allocation */
/* create fails cleanly at every allocation; step never allocates. */
static void test_optim_alloc(void **state)
{
    (void)state;
    const size_t sizes[] = {20, 30, 3};
    mlpb_model *m = mlpbt_model(sizes, 3, 60);
    for (int kind = MLPB_OPT_SGD; kind <= MLPB_OPT_RMSPROP; kind++) {
        mlpb_optim_opts o = opts_of((mlpb_optimizer)kind, 0.01f, 0.0f, 1.0f);
        mlpbt_counter c;
        mlpb_allocator a = mlpbt_counting_allocator(&c);
        mlpb_optim *opt = NULL;
        size_t fail_at = 0;
        for (;; fail_at++) {
            mlpbt_counting_allocator(&c);
            c.fail_at = fail_at;
            opt = (mlpb_optim *)&opt;
            const mlpb_status s = mlpb_optim_create(m, &o, &a, &opt);
            if (s == MLPB_OK)
                break;
            assert_int_equal(s, MLPB_E_NOMEM);
            assert_null(opt);
            assert_int_equal(c.live, 0);
        }
        assert_true(fail_at >= 1);
        /* Moments are as large as the arena: one block holds them all. */
        const size_t np = m->n_params;
        const size_t want = kind == MLPB_OPT_SGD ? 0 : (kind >= MLPB_OPT_ADAM &&
                                                        kind != MLPB_OPT_RMSPROP ? 2 : 1);
        assert_true(c.largest >= want * np * sizeof(float));
        const size_t calls = c.calls;
        for (int s = 0; s < 5; s++) {
            set_grads(m, 61 + (uint64_t)s);
            assert_int_equal(mlpb_optim_step(opt, m), MLPB_OK);
        }
        assert_int_equal(c.calls, calls);
        mlpb_optim_destroy(opt);
        assert_int_equal(c.live, 0);
    }
    mlpb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_optim_defaults),
        cmocka_unit_test(test_optim_sgd),
        cmocka_unit_test(test_optim_momentum),
        cmocka_unit_test(test_optim_nesterov),
        cmocka_unit_test(test_optim_adam),
        cmocka_unit_test(test_optim_adamw),
        cmocka_unit_test(test_optim_rmsprop),
        cmocka_unit_test(test_optim_step_follows_schedule),
        cmocka_unit_test(test_optim_schedules),
        cmocka_unit_test(test_optim_clip),
        cmocka_unit_test(test_optim_nonfinite_changes_nothing),
        cmocka_unit_test(test_optim_reports_overflowed_params),
        cmocka_unit_test(test_optim_sgd_matches_sgd_step),
        cmocka_unit_test(test_optim_reset),
        cmocka_unit_test(test_optim_invalid_args),
        cmocka_unit_test(test_optim_alloc),
    };
    return cmocka_run_group_tests_name("optim", tests, NULL, NULL);
}
