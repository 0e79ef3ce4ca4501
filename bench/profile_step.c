/* mlpblas-profile-step: N training steps of one shape in a loop and nothing
 * else, for a profiler: `perf record mlpblas-profile-step ...` or
 * `valgrind --tool=callgrind ...` then show where a step's time goes
 * outside the products (mlpblas-bench times the same step but spends much of
 * its run on calibration and the floor).
 *
 * Usage: mlpblas-profile-step STEPS B,D,H[,H2...],K [sgd|adamw]
 * One batch of B rows (fixed inputs and 0/1 labels), mlpb_loss_grad then
 * mlpb_sgd_step (lr 0.01) or an AdamW update (the tool's default
 * optimiser), on the workspace defaults (MLPB_THREADING_AUTO,
 * MLPB_GEMM_AUTO). Prints the final loss. */
#include <mlpblas.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZES 16

static int parse_case(const char *s, size_t *batch, size_t *sizes, size_t *n_sizes)
{
    size_t v[MAX_SIZES + 1], n = 0;
    while (*s != '\0' && n < MAX_SIZES + 1) {
        char *end;
        const unsigned long long x = strtoull(s, &end, 10);
        if (end == s || x == 0 || (*end != ',' && *end != '\0'))
            return 1;
        v[n++] = (size_t)x;
        s = *end == ',' ? end + 1 : end;
    }
    if (*s != '\0' || n < 4)
        return 1;
    *batch = v[0];
    *n_sizes = n - 1;
    memcpy(sizes, v + 1, (n - 1) * sizeof *sizes);
    return 0;
}

int main(int argc, char **argv)
{
    size_t batch, sizes[MAX_SIZES], n_sizes;
    const long steps = argc > 1 ? atol(argv[1]) : 0;
    const char *opt = argc > 3 ? argv[3] : "sgd";
    if (argc < 3 || argc > 4 || steps <= 0 || parse_case(argv[2], &batch, sizes, &n_sizes) ||
        (strcmp(opt, "sgd") != 0 && strcmp(opt, "adamw") != 0)) {
        fprintf(stderr, "usage: mlpblas-profile-step STEPS B,D,H[,H2...],K [sgd|adamw]\n");
        return 2;
    }
    const size_t d = sizes[0], k = sizes[n_sizes - 1];
    const mlpb_config cfg = {sizes, n_sizes, 1, MLPB_INIT_FAN_IN};
    mlpb_model *m = NULL;
    mlpb_workspace *ws = NULL;
    mlpb_optim *o = NULL;
    float *x = malloc(batch * d * sizeof *x), *y = malloc(batch * k * sizeof *y);
    int rc = 1;
    if (x == NULL || y == NULL || mlpb_model_create(&cfg, NULL, &m) != MLPB_OK ||
        mlpb_workspace_create(m, batch, NULL, &ws) != MLPB_OK)
        goto done;
    if (strcmp(opt, "adamw") == 0) {
        mlpb_optim_opts oo;
        mlpb_optim_opts_default(&oo);
        oo.kind = MLPB_OPT_ADAMW;
        oo.weight_decay = 0.1f;
        if (mlpb_optim_create(m, &oo, NULL, &o) != MLPB_OK)
            goto done;
    }
    for (size_t i = 0; i < batch * d; i++)
        x[i] = (float)((i * 7919u) % 101u) / 50.0f - 1.0f;
    for (size_t i = 0; i < batch * k; i++)
        y[i] = (float)((i * 31u) % 7u < 3u);
    float loss = 0.0f;
    for (long s = 0; s < steps; s++) {
        if (mlpb_loss_grad(m, ws, x, y, batch, &loss) != MLPB_OK ||
            (o != NULL ? mlpb_optim_step(o, m) : mlpb_sgd_step(m, 0.01f)) != MLPB_OK)
            goto done;
    }
    printf("loss %.6g after %ld steps\n", (double)loss, steps);
    rc = 0;
done:
    if (rc != 0)
        fprintf(stderr, "mlpblas-profile-step: the library refused the case\n");
    mlpb_optim_destroy(o);
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    free(x);
    free(y);
    return rc;
}
