/* mlpb_prob.c -- probabilities of a model file on rows of numbers, for the
 * ONNX tests (tests/onnx/torch_import.py) and the latency figures:
 *   mlpb_prob MODEL IN.txt            IN.txt: "n d", then n rows of d numbers;
 *                                     prints n rows of k probabilities (%.9g)
 *   mlpb_prob MODEL IN.txt --time R   the median microseconds of one batch-1
 *                                     mlpb_predict over R calls */
#include "mlpblas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5)
        return fprintf(stderr, "usage: mlpb_prob MODEL IN.txt [--time REPS]\n"), 2;
    mlpb_model *m;
    mlpb_status st = mlpb_model_load(argv[1], NULL, &m);
    if (st != MLPB_OK)
        return fprintf(stderr, "%s: %s\n", argv[1], mlpb_strerror(st)), 1;
    FILE  *f = fopen(argv[2], "r");
    size_t n, d, k = mlpb_model_n_outputs(m);
    if (f == NULL || fscanf(f, "%zu %zu", &n, &d) != 2 || d != mlpb_model_n_inputs(m) || n == 0)
        return fprintf(stderr, "%s: bad input\n", argv[2]), 1;
    float *x = malloc(n * d * sizeof *x), *p = malloc(n * k * sizeof *p);
    for (size_t i = 0; i < n * d; i++)
        if (fscanf(f, "%f", &x[i]) != 1)
            return fprintf(stderr, "%s: bad input\n", argv[2]), 1;
    fclose(f);
    mlpb_workspace *ws;
    if (mlpb_workspace_create(m, n, NULL, &ws) != MLPB_OK)
        return 1;
    if (argc == 5) {
        size_t  reps = strtoul(argv[4], NULL, 10);
        double *t    = malloc(reps * sizeof *t);
        for (size_t r = 0; r < 200 + reps; r++) {
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            st = mlpb_predict(m, ws, x, 1, p);
            clock_gettime(CLOCK_MONOTONIC, &b);
            if (r >= 200)
                t[r - 200] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
        }
        qsort(t, reps, sizeof *t, cmp);
        printf("mlpb_predict %.2f us\n", t[reps / 2]);
        free(t);
    } else {
        st = mlpb_predict(m, ws, x, n, p);
        for (size_t i = 0; i < n && st == MLPB_OK; i++)
            for (size_t j = 0; j < k; j++)
                printf("%.9g%c", (double)p[i * k + j], j + 1 < k ? ' ' : '\n');
    }
    mlpb_workspace_destroy(ws);
    mlpb_model_destroy(m);
    free(x);
    free(p);
    return st == MLPB_OK ? 0 : 1;
}
