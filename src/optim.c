/* optim.c -- the optimiser family over the flat parameter and gradient arenas:
 * SGD, momentum, Nesterov, Adam, AdamW and RMSprop with L2 or decoupled weight
 * decay, global-norm gradient clipping and learning-rate schedules. A step is a
 * read-only check of the gradient and one fused elementwise pass; the moments
 * are allocated once, at create. */
#include "kernels.h"
#include "mlpb_internal.h"

#include <math.h>
#include <string.h>

/* clip_grad_norm_'s guard against a zero norm: coefficient clip / (norm + eps). */
#define CLIP_EPS 1e-6

struct mlpb_optim {
    mlpb_allocator  alloc;
    mlpb_optim_opts o;
    size_t          n;       /* floats in one arena: the model's parameter count */
    size_t          n_sizes; /* the architecture the moments were sized for */
    size_t         *sizes;
    float          *m1;      /* momentum buffer / Adam m / RMSprop s; NULL for SGD */
    float          *m2;      /* Adam v; NULL otherwise */
    uint64_t        t;       /* steps taken; the next step uses lr_at(t) */
    void           *block;   /* sizes and moments in one allocation */
};

void mlpb_optim_opts_default(mlpb_optim_opts *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof *o);
    o->kind = MLPB_OPT_ADAM;
    o->lr = 1e-3f;
    o->momentum = 0.9f;
    o->beta1 = 0.9f;
    o->beta2 = 0.999f;
    o->rho = 0.99f;
    o->eps = 1e-8f;
    o->weight_decay = 0.0f;
    o->clip_norm = 0.0f;
    o->schedule = MLPB_SCHED_CONSTANT;
    o->step_size = 0;
    o->gamma = 0.1f;
    o->t_max = 0;
    o->lr_min = 0.0f;
    o->warmup = 0;
}

/* A decay rate: finite and in [0, 1). */
static bool unit_rate(float x)
{
    return isfinite(x) && x >= 0.0f && x < 1.0f;
}

/* Only the fields the chosen kind and schedule read are checked, and the
 * reserved words. */
static bool opts_valid(const mlpb_optim_opts *o)
{
    if (!MLPB_RESERVED_ZERO(o))
        return false;
    if (!(isfinite(o->lr) && o->lr > 0.0f))
        return false;
    if (!(isfinite(o->weight_decay) && o->weight_decay >= 0.0f))
        return false;
    if (!(isfinite(o->clip_norm) && o->clip_norm >= 0.0f))
        return false;
    switch (o->kind) {
    case MLPB_OPT_SGD:
        break;
    case MLPB_OPT_MOMENTUM:
    case MLPB_OPT_NESTEROV:
        if (!unit_rate(o->momentum))
            return false;
        break;
    case MLPB_OPT_ADAM:
    case MLPB_OPT_ADAMW:
        if (!unit_rate(o->beta1) || !unit_rate(o->beta2))
            return false;
        if (!(isfinite(o->eps) && o->eps > 0.0f))
            return false;
        break;
    case MLPB_OPT_RMSPROP:
        if (!unit_rate(o->rho) || !(isfinite(o->eps) && o->eps > 0.0f))
            return false;
        break;
    default:
        return false;
    }
    switch (o->schedule) {
    case MLPB_SCHED_CONSTANT:
        return true;
    case MLPB_SCHED_STEP:
        return o->step_size > 0 && isfinite(o->gamma) && o->gamma > 0.0f;
    case MLPB_SCHED_COSINE:
        return o->t_max > 0 && isfinite(o->lr_min) && o->lr_min >= 0.0f &&
               o->lr_min <= o->lr;
    default:
        return false;
    }
}

static size_t n_moments(mlpb_optimizer kind)
{
    switch (kind) {
    case MLPB_OPT_SGD:
        return 0;
    case MLPB_OPT_ADAM:
    case MLPB_OPT_ADAMW:
        return 2;
    default:
        return 1;
    }
}

/* The moments block: the sizes, then each moment arena on its own lines. */
static mlpb_status block_bytes(size_t n_sizes, size_t n_params, size_t n_mom, size_t *total,
                               size_t *sizes_bytes, size_t *arena_floats, size_t *mom_bytes)
{
    size_t mom_floats;
    MLPB_TRY(mlpb__mul_size(n_sizes, sizeof(size_t), sizes_bytes));
    *sizes_bytes = mlpb__alloc_size(*sizes_bytes); /* a few lines */
    *arena_floats = mlpb__pad_floats(n_params);
    MLPB_TRY(mlpb__mul_size(*arena_floats, n_mom, &mom_floats));
    MLPB_TRY(mlpb__mul_size(mom_floats, sizeof(float), mom_bytes));
    return mlpb__add_size(*sizes_bytes, *mom_bytes, total);
}

mlpb_status mlpb__optim_bytes(size_t n_sizes, size_t n_params, mlpb_optimizer kind,
                              size_t *bytes)
{
    size_t total, a, b, c;
    MLPB_TRY(block_bytes(n_sizes, n_params, n_moments(kind), &total, &a, &b, &c));
    return mlpb__add_size(mlpb__alloc_size(sizeof(mlpb_optim)), mlpb__alloc_size(total), bytes);
}

mlpb_status mlpb_optim_create(const mlpb_model *m, const mlpb_optim_opts *opts,
                              const mlpb_allocator *alloc, mlpb_optim **out)
{
    if (out == NULL)
        return MLPB_E_INVALID_ARG;
    *out = NULL;
    if (m == NULL || !mlpb__has_params(m) || opts == NULL || !opts_valid(opts))
        return MLPB_E_INVALID_ARG;
    const mlpb_allocator a = mlpb__allocator(alloc);
    const size_t n_mom = n_moments(opts->kind);

    size_t sizes_bytes, arena_floats, mom_bytes, total;
    MLPB_TRY(block_bytes(m->n_sizes, m->n_params, n_mom, &total, &sizes_bytes, &arena_floats,
                         &mom_bytes));

    mlpb_optim *o = mlpb__alloc(&a, sizeof *o);
    if (o == NULL)
        return MLPB_E_NOMEM;
    memset(o, 0, sizeof *o);
    o->block = mlpb__alloc(&a, total);
    if (o->block == NULL) {
        mlpb__free(&a, o);
        return MLPB_E_NOMEM;
    }
    o->alloc = a;
    o->o = *opts;
    o->n = m->n_params;
    o->n_sizes = m->n_sizes;
    o->sizes = o->block;
    memcpy(o->sizes, m->sizes, m->n_sizes * sizeof(size_t));
    float *mom = (float *)((char *)o->block + sizes_bytes);
    o->m1 = n_mom >= 1 ? mom : NULL;
    o->m2 = n_mom >= 2 ? mom + arena_floats : NULL;
    if (mom_bytes > 0)
        memset(mom, 0, mom_bytes);
    o->t = 0;
    *out = o;
    return MLPB_OK;
}

void mlpb_optim_destroy(mlpb_optim *o)
{
    if (o == NULL)
        return;
    const mlpb_allocator a = o->alloc;
    mlpb__free(&a, o->block);
    mlpb__free(&a, o);
}

void mlpb_optim_reset(mlpb_optim *o)
{
    if (o == NULL)
        return;
    if (o->m1 != NULL)
        memset(o->m1, 0, o->n * sizeof(float));
    if (o->m2 != NULL)
        memset(o->m2, 0, o->n * sizeof(float));
    o->t = 0;
}

void mlpb__optim_set_lengths(mlpb_optim *o, uint64_t step_size, uint64_t t_max)
{
    o->o.step_size = step_size;
    o->o.t_max = t_max;
}

uint64_t mlpb_optim_steps(const mlpb_optim *o)
{
    return o == NULL ? 0 : o->t;
}

/* The schedule in double:
 *   CONSTANT  lr
 *   STEP      lr * gamma^floor(t / step_size)            (PyTorch StepLR)
 *   COSINE    lr_min + (lr - lr_min) (1 + cos(pi t / t_max)) / 2 for t < t_max,
 *             lr_min from t_max on (CosineAnnealingLR's closed form, held at its
 *             minimum instead of rising again)
 * times the warm-up factor (t + 1) / warmup while t < warmup, so the warm-up
 * composes with every schedule: the first step runs at lr / warmup. */
static double lr_at(const mlpb_optim_opts *o, uint64_t t)
{
    const double lr = (double)o->lr;
    double r = lr;
    switch (o->schedule) {
    case MLPB_SCHED_STEP:
        r = lr * pow((double)o->gamma, (double)(t / o->step_size));
        break;
    case MLPB_SCHED_COSINE: {
        const double lo = (double)o->lr_min;
        if (t >= o->t_max) {
            r = lo;
        } else {
            const double pi = 3.14159265358979323846;
            r = lo + (lr - lo) * (1.0 + cos(pi * (double)t / (double)o->t_max)) / 2.0;
        }
        break;
    }
    default:
        break;
    }
    if (t < o->warmup)
        r *= ((double)t + 1.0) / (double)o->warmup;
    return r;
}

float mlpb_optim_lr_at(const mlpb_optim *o, uint64_t t)
{
    return o == NULL ? 0.0f : (float)lr_at(&o->o, t);
}

/* ------------------------------------------------------------ fused passes */
/* Every pass first forms the effective gradient of PyTorch's order of
 * operations, clipping (torch.nn.utils.clip_grad_norm_, before the step) and
 * then L2 decay (the optimiser's weight_decay):
 *     g' = c g + wd p
 * with c the clip coefficient (1 when off) and wd 0 for AdamW, whose decay is
 * decoupled. The model's gradient arena is only read.
 *
 * The passes are built for AVX-512, AVX2 and the baseline (MLPB_CLONES in
 * kernels.h); sqrt and division are correctly rounded and nothing is
 * contracted, so each build gives bitwise the same parameters.
 *
 * Each pass also ORs together, for every new parameter, its exponent bits plus
 * one exponent unit: bit 31 ends up set exactly when some parameter became Inf
 * or NaN. An integer reduction keeps the loop free of branches. */
static inline uint32_t nonfinite_bit(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return (u & 0x7f800000u) + 0x00800000u;
}

/* SGD: p -= lr g'. */
MLPB_CLONES
static uint32_t pass_sgd(size_t n, float lr, float c, float wd, const float *restrict g,
                         float *restrict p)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        const float gi = c * g[i] + wd * p[i];
        p[i] -= lr * gi;
        acc |= nonfinite_bit(p[i]);
    }
    return acc;
}

/* Heavy ball (torch.optim.SGD, momentum mu, dampening 0): v = mu v + g';
 * p -= lr v. Nesterov (nesterov=True): the same v, then p -= lr (g' + mu v). */
MLPB_CLONES
static uint32_t pass_momentum(size_t n, float lr, float c, float wd, float mu, bool nesterov,
                              const float *restrict g, float *restrict v, float *restrict p)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        const float gi = c * g[i] + wd * p[i];
        const float vi = mu * v[i] + gi;
        v[i] = vi;
        p[i] -= lr * (nesterov ? gi + mu * vi : vi);
        acc |= nonfinite_bit(p[i]);
    }
    return acc;
}

/* Adam / AdamW (torch.optim.Adam / AdamW, amsgrad off), step t = 1, 2, ...:
 *     m = b1 m + (1 - b1) g'           v = b2 v + (1 - b2) g'^2
 *     p = keep p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * keep = 1 - lr wd for AdamW (decoupled decay, applied to p before the Adam
 * update as AdamW does), 1 for Adam. step = lr / (1 - b1^t), isbc2 =
 * 1 / sqrt(1 - b2^t): a multiply where PyTorch divides, so that each
 * parameter costs one square root and one division, which share the
 * divider (1 ulp apart from dividing). */
MLPB_CLONES
static uint32_t pass_adam(size_t n, float step, float isbc2, float keep, float c, float wd,
                          float b1, float b2, float eps, const float *restrict g,
                          float *restrict m1, float *restrict m2, float *restrict p)
{
    const float ob1 = 1.0f - b1, ob2 = 1.0f - b2;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        const float gi = c * g[i] + wd * p[i];
        const float mi = b1 * m1[i] + ob1 * gi;
        const float vi = b2 * m2[i] + ob2 * gi * gi;
        m1[i] = mi;
        m2[i] = vi;
        p[i] = keep * p[i] - step * mi / (sqrtf(vi) * isbc2 + eps);
        acc |= nonfinite_bit(p[i]);
    }
    return acc;
}

/* RMSprop (torch.optim.RMSprop, alpha = rho, not centred, no momentum):
 *     s = rho s + (1 - rho) g'^2        p -= lr g' / (sqrt(s) + eps) */
MLPB_CLONES
static uint32_t pass_rmsprop(size_t n, float lr, float c, float wd, float rho, float eps,
                             const float *restrict g, float *restrict s, float *restrict p)
{
    const float orho = 1.0f - rho;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        const float gi = c * g[i] + wd * p[i];
        const float si = rho * s[i] + orho * gi * gi;
        s[i] = si;
        p[i] -= lr * gi / (sqrtf(si) + eps);
        acc |= nonfinite_bit(p[i]);
    }
    return acc;
}

/* Global L2 norm of the gradient in double; not finite exactly when some
 * gradient is Inf or NaN (a sum of squares of floats cannot overflow a
 * double), so it doubles as the finiteness check when clipping is on. */
double mlpb__sum_squares(size_t n, const float *g)
{
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (double)g[i] * (double)g[i];
    return ss;
}

static double grad_norm(size_t n, const float *g)
{
    return sqrt(mlpb__sum_squares(n, g));
}

bool mlpb__optim_fits(const mlpb_optim *o, const mlpb_model *m)
{
    return o != NULL && m != NULL && mlpb__has_params(m) &&
           mlpb__same_arch(o->sizes, o->n_sizes, m->sizes, m->n_sizes);
}

float mlpb__optim_clip_norm(const mlpb_optim *o)
{
    return o->o.clip_norm;
}

float mlpb__optim_clip_coef(const mlpb_optim *o, double norm)
{
    const double coef = (double)o->o.clip_norm / (norm + CLIP_EPS);
    return coef < 1.0 ? (float)coef : 1.0f;
}

void mlpb__optim_coef(const mlpb_optim *o, float c, mlpb_optim_coef *k)
{
    const mlpb_optim_opts *op = &o->o;
    const double lr = lr_at(op, o->t);
    const bool decoupled = op->kind == MLPB_OPT_ADAMW;
    k->lr = (float)lr;
    k->c = c;
    k->wd = decoupled ? 0.0f : op->weight_decay;
    k->step = k->isbc2 = k->keep = 1.0f;
    if (op->kind == MLPB_OPT_ADAM || decoupled) {
        /* Bias corrections of step t + 1 (PyTorch counts steps from 1). */
        const double t1 = (double)o->t + 1.0;
        const double bc1 = 1.0 - pow((double)op->beta1, t1);
        const double bc2 = 1.0 - pow((double)op->beta2, t1);
        k->keep = decoupled ? (float)(1.0 - lr * (double)op->weight_decay) : 1.0f;
        k->step = (float)(lr / bc1);
        k->isbc2 = (float)(1.0 / sqrt(bc2));
    }
}

uint32_t mlpb__optim_apply(mlpb_optim *o, const mlpb_optim_coef *k, size_t i0, size_t n,
                           const float *g, float *p)
{
    const mlpb_optim_opts *op = &o->o;
    g += i0;
    p += i0;
    switch (op->kind) {
    case MLPB_OPT_SGD:
        return pass_sgd(n, k->lr, k->c, k->wd, g, p);
    case MLPB_OPT_MOMENTUM:
    case MLPB_OPT_NESTEROV:
        return pass_momentum(n, k->lr, k->c, k->wd, op->momentum,
                             op->kind == MLPB_OPT_NESTEROV, g, o->m1 + i0, p);
    case MLPB_OPT_ADAM:
    case MLPB_OPT_ADAMW:
        return pass_adam(n, k->step, k->isbc2, k->keep, k->c, k->wd, op->beta1, op->beta2,
                         op->eps, g, o->m1 + i0, o->m2 + i0, p);
    default: /* RMSprop; the kind was checked at create */
        return pass_rmsprop(n, k->lr, k->c, k->wd, op->rho, op->eps, g, o->m1 + i0, p);
    }
}

void mlpb__optim_moments(mlpb_optim *o, float **m1, float **m2)
{
    *m1 = o->m1;
    *m2 = o->m2;
}

void mlpb__optim_advance(mlpb_optim *o)
{
    o->t++;
}

static mlpb_status update(mlpb_optim *o, mlpb_model *m, bool grads_finite, bool *params_finite)
{
    if (!mlpb__optim_fits(o, m))
        return MLPB_E_INVALID_ARG;
    const size_t n = o->n;
    const float *g = m->grads;

    /* Nothing is written before the gradient is known to be finite. */
    float c = 1.0f;
    if (o->o.clip_norm > 0.0f) {
        const double norm = grad_norm(n, g);
        if (!isfinite(norm))
            return MLPB_E_NUMERIC;
        c = mlpb__optim_clip_coef(o, norm);
    } else if (!grads_finite && !mlpb__all_finite(n, g)) {
        return MLPB_E_NUMERIC;
    }
    mlpb_optim_coef k;
    mlpb__optim_coef(o, c, &k);
    const uint32_t acc = mlpb__optim_apply(o, &k, 0, n, g, m->params);
    mlpb__optim_advance(o);
    if (params_finite != NULL)
        *params_finite = (acc & 0x80000000u) == 0;
    return MLPB_OK;
}

mlpb_status mlpb__optim_update(mlpb_optim *o, mlpb_model *m, bool *params_finite)
{
    return update(o, m, false, params_finite);
}

mlpb_status mlpb__optim_update_finite(mlpb_optim *o, mlpb_model *m, bool *params_finite)
{
    return update(o, m, true, params_finite);
}

mlpb_status mlpb_optim_step(mlpb_optim *o, mlpb_model *m)
{
    return mlpb__optim_update(o, m, NULL);
}
