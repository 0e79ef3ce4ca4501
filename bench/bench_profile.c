/* bench_profile.c -- mlpblas-bench --profile-steps N: N training steps of each
 * case on one batch in a loop and nothing else, so that `perf record` or
 * `valgrind --tool=callgrind` shows where a step's time goes outside the
 * products (a timing run spends much of its time on calibration, the floor
 * and the peak). The data and the workspace are as the timing run's: the
 * bench's seed and initialisation, its threading, precision and backend
 * options; the update is mlpb_sgd_step, or AdamW with --adamw. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>

static int profile_case(const bench_case *c, const bench_opts *o)
{
    const size_t d = c->sizes[0], k = c->sizes[c->n_sizes - 1], b = c->batch;
    const mlpb_config cfg = {c->sizes, c->n_sizes, o->seed, MLPB_INIT_HE_GLOROT};
    bench_rng r = {o->seed ^ (0x51ED270B27F1A3C5u * (uint64_t)(b + 1))};
    mlpb_model *m = NULL;
    mlpb_workspace *ws = NULL;
    mlpb_optim *opt = NULL;
    float *x = alloc_floats(b * d), *y = alloc_floats(b * k), loss = 0.0f;
    mlpb_status st = x == NULL || y == NULL ? MLPB_E_NOMEM : MLPB_OK;
    if (st == MLPB_OK)
        st = mlpb_model_create(&cfg, NULL, &m);
    if (st == MLPB_OK)
        st = mlpb_workspace_create(m, b, NULL, &ws);
    if (st == MLPB_OK)
        st = mlpb_workspace_set_threading(ws, o->threading);
    if (st == MLPB_OK)
        st = mlpb_workspace_set_precision(ws, o->precision);
    if (st == MLPB_OK)
        st = mlpb_workspace_set_gemm(ws, o->gemm);
    if (st == MLPB_OK && o->adamw) {
        mlpb_optim_opts oo;
        mlpb_optim_opts_default(&oo);
        oo.kind = MLPB_OPT_ADAMW;
        oo.lr = BENCH_LR;
        oo.weight_decay = 0.1f;
        st = mlpb_optim_create(m, &oo, NULL, &opt);
    }
    if (st == MLPB_OK) {
        fill_uniform(&r, x, b * d, 1.0f);
        for (size_t i = 0; i < b * k; i++)
            y[i] = (float)(rng_next(&r) >> 63);
    }
    for (long s = 0; s < o->profile_steps && st == MLPB_OK; s++) {
        st = mlpb_loss_grad(m, ws, x, y, b, &loss);
        if (st == MLPB_OK)
            st = opt != NULL ? mlpb_optim_step(opt, m) : mlpb_sgd_step(m, BENCH_LR);
    }
    if (st == MLPB_OK)
        printf("%s: loss %.6g after %ld steps (%s)\n", c->name, (double)loss, o->profile_steps,
               opt != NULL ? "adamw" : "sgd");
    else
        fprintf(stderr, "mlpblas-bench: %s: %s\n", c->name, mlpb_strerror(st));
    mlpb_optim_destroy(opt);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    free(x);
    free(y);
    return st == MLPB_OK ? 0 : 1;
}

int run_profile(const bench_opts *o)
{
    for (size_t i = 0; i < o->n_cases; i++)
        if (profile_case(&o->cases[i], o) != 0)
            return 1;
    return 0;
}
