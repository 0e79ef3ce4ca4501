/* bench_members.c -- mlpblas-bench --members N: N trainings of each case's
 * network (an ensemble's members) one after another and side by side
 * (mlpb_train_parallel on the bench's thread count), the two in alternate
 * rounds, and the ratio of their times. Data: --rows rows (default 8
 * batches) of the bench's generator, targets from the first input's sign;
 * each training runs --epochs epochs (default 20) of the case's batch with
 * AdamW, without validation, model i from seed + i. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One round: n fresh models trained on threads (1: one after another). */
static mlpb_status round_of(const bench_case *c, const bench_opts *o, size_t n,
                            const mlpb_dataset *tr, size_t threads, double *seconds)
{
    mlpb_model *mm[BENCH_MAX_MEMBERS] = {0};
    mlpb_train_opts oo[BENCH_MAX_MEMBERS];
    mlpb_status st = MLPB_OK;
    for (size_t i = 0; i < n && st == MLPB_OK; i++) {
        const mlpb_config cfg = {c->sizes, c->n_sizes, o->seed + i, MLPB_INIT_FAN_IN};
        st = mlpb_model_create(&cfg, NULL, &mm[i]);
        mlpb_train_opts_default(&oo[i]);
        oo[i].epochs = o->epochs;
        oo[i].batch_size = c->batch;
        oo[i].val_fraction = 0.0f;
        oo[i].seed = o->seed + i;
    }
    const double t0 = now_s();
    if (st == MLPB_OK)
        st = mlpb_train_parallel(mm, n, tr, NULL, oo, threads, NULL, NULL);
    *seconds = now_s() - t0;
    for (size_t i = 0; i < n; i++)
        mlpb_model_destroy(mm[i]);
    return st;
}

static int members_case(const bench_case *c, const bench_opts *o, int threads)
{
    const size_t d = c->sizes[0], k = c->sizes[c->n_sizes - 1];
    const size_t rows = o->rows > 0 ? o->rows : 8 * c->batch;
    bench_rng r = {o->seed ^ 0xA24BAED4963EE407u};
    float *x = alloc_floats(rows * d), *y = alloc_floats(rows * k);
    mlpb_status st = x == NULL || y == NULL ? MLPB_E_NOMEM : MLPB_OK;
    double one = 1e300, side = 1e300;
    if (st == MLPB_OK) {
        fill_uniform(&r, x, rows * d, 1.0f);
        for (size_t i = 0; i < rows * k; i++)
            y[i] = x[(i / k) * d] > 0.0f ? 1.0f : 0.0f;
        const mlpb_dataset tr = {x, y, NULL, rows};
        /* The best of the rounds of each, taken in turn. */
        for (int rep = 0; rep < o->reps && st == MLPB_OK; rep++) {
            double t1 = 0.0, t2 = 0.0;
            st = round_of(c, o, o->members, &tr, 1, &t1);
            if (st == MLPB_OK)
                st = round_of(c, o, o->members, &tr, (size_t)threads, &t2);
            one = t1 < one ? t1 : one;
            side = t2 < side ? t2 : side;
        }
    }
    if (st == MLPB_OK && o->json) {
        printf("{\"case\":");
        json_string(stdout, c->name);
        printf(",\"mode\":\"members\",\"members\":%zu,\"threads\":%d,\"rows\":%zu,"
               "\"epochs\":%zu", o->members, threads, rows, o->epochs);
        json_number(stdout, "one_after_another_s", one);
        json_number(stdout, "side_by_side_s", side);
        json_number(stdout, "speedup", one / side);
        printf("}\n");
    } else if (st == MLPB_OK) {
        printf("%-20s %3zu members %2d threads %7zu rows %5zu epochs: %9.4f s one after "
               "another, %9.4f s side by side, %.2fx\n",
               c->name, o->members, threads, rows, o->epochs, one, side, one / side);
    } else {
        fprintf(stderr, "mlpblas-bench: %s: %s\n", c->name, mlpb_strerror(st));
    }
    free(x);
    free(y);
    return st == MLPB_OK ? 0 : 1;
}

int run_members(const bench_opts *o, int threads)
{
    for (size_t i = 0; i < o->n_cases; i++)
        if (members_case(&o->cases[i], o, threads) != 0)
            return 1;
    return 0;
}
