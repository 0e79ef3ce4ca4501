/* predict_ref.c -- test helper: the probabilities of MODEL for the rows of a
 * CSV DATA file computed straight through the library (mlpb_model_load,
 * mlpb_predict), printed as `mlpblas predict` prints them, so the test can
 * compare the tool's output with cmp. Columns: all of them when the file has
 * d, the first d when it has d + k (labels last). Usage: predict_ref MODEL DATA */
#include "read/data.h"
#include "mlpblas.h"

#include <stdio.h>
#include <stdlib.h>

/* The tool predicts in chunks of this many rows (CLI_PREDICT_BATCH); using
 * the same chunks keeps every BLAS call, and so every bit, the same. */
#define CHUNK 256

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: predict_ref MODEL DATA\n");
        return 2;
    }
    mlpb_model *m  = NULL;
    mlpb_status st = mlpb_model_load(argv[1], NULL, &m);
    if (st != MLPB_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], mlpb_strerror(st));
        return 1;
    }
    size_t         d = mlpb_model_n_inputs(m), k = mlpb_model_n_outputs(m);
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.n_labels = 0;
    cli_data data;
    char      err[512];
    if (cli_data_read(argv[2], &o, &data, err, sizeof err) != MLPB_OK) {
        fprintf(stderr, "%s\n", err);
        mlpb_model_destroy(m);
        return 1;
    }
    if (data.d != d && data.d != d + k) {
        fprintf(stderr, "%s: %zu columns for a model of %zu inputs\n", argv[2], data.d, d);
        cli_data_free(&data);
        mlpb_model_destroy(m);
        return 1;
    }
    /* Gather the first d columns of each row. */
    float *x    = malloc(data.n * d * sizeof(float));
    float *prob = malloc(data.n * k * sizeof(float));
    for (size_t i = 0; i < data.n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = data.x[i * data.d + j];
    mlpb_workspace *ws = NULL;
    st = mlpb_workspace_create(m, data.n < CHUNK ? data.n : CHUNK, NULL, &ws);
    if (st == MLPB_OK)
        st = mlpb_predict(m, ws, x, data.n, prob);
    if (st == MLPB_OK) {
        for (size_t i = 0; i < data.n; i++)
            for (size_t l = 0; l < k; l++)
                printf(l + 1 < k ? "%.9g," : "%.9g\n", (double)prob[i * k + l]);
    } else {
        fprintf(stderr, "predict: %s\n", mlpb_strerror(st));
    }
    mlpb_workspace_destroy(ws);
    free(x);
    free(prob);
    cli_data_free(&data);
    mlpb_model_destroy(m);
    return st == MLPB_OK ? 0 : 1;
}
