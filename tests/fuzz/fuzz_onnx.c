/* fuzz_onnx.c -- fuzz harness of mlpb_onnx_import_mem, the reader of
 * untrusted ONNX bytes. Any input must give a documented status, leave
 * *out NULL and a message on failure, and never take more memory than its
 * budget (libFuzzer's -rss_limit_mb catches a breach). An accepted model
 * must run a forward pass (or report a logit that overflows), export, and import again to bitwise the same
 * parameters. */
#include "fuzz.h"

#include "mlpblas_onnx.h"

#include <string.h>

static void roundtrip(mlpb_model *m)
{
    size_t          d = mlpb_model_n_inputs(m), k = mlpb_model_n_outputs(m);
    mlpb_workspace *ws = NULL;
    float           x[2 * 64] = {0}, p[2 * 64];
    if (d <= 64 && k <= 64 && mlpb_workspace_create(m, 2, NULL, &ws) == MLPB_OK) {
        /* Finite weights can still overflow a logit (MLPB_E_NUMERIC, as
         * for any model); otherwise the outputs are probabilities. */
        mlpb_status st = mlpb_predict(m, ws, x, 2, p);
        FUZZ_CHECK(st == MLPB_OK || st == MLPB_E_NUMERIC);
        for (size_t i = 0; st == MLPB_OK && i < 2 * k; i++)
            FUZZ_CHECK(p[i] >= 0.0f && p[i] <= 1.0f);
    }
    mlpb_workspace_destroy(ws);
    void  *buf = NULL;
    size_t len = 0;
    if (mlpb_onnx_export_mem(m, NULL, &buf, &len) != MLPB_OK)
        return; /* memory only: the model itself is valid */
    mlpb_model *m2 = NULL;
    char        msg[256];
    mlpb_status st = mlpb_onnx_import_mem(buf, len, NULL, &m2, NULL, msg, sizeof msg);
    FUZZ_CHECK(st == MLPB_OK || st == MLPB_E_NOMEM);
    if (st == MLPB_OK) {
        size_t n1, n2;
        float *a = mlpb_model_params(m, &n1), *b = mlpb_model_params(m2, &n2);
        FUZZ_CHECK(n1 == n2 && memcmp(a, b, n1 * sizeof(float)) == 0);
    }
    mlpb_model_destroy(m2);
    mlpb_onnx_free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mlpb_model           *m = (mlpb_model *)1;
    mlpb_onnx_import_info info;
    char                  msg[512];
    mlpb_status           st = mlpb_onnx_import_mem(data, size, NULL, &m, &info, msg, sizeof msg);
    FUZZ_CHECK(st == MLPB_OK || st == MLPB_E_FORMAT || st == MLPB_E_UNSUPPORTED ||
               st == MLPB_E_OVERFLOW || st == MLPB_E_NOMEM);
    FUZZ_CHECK(memchr(msg, '\0', sizeof msg) != NULL);
    if (st != MLPB_OK) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(st == MLPB_E_NOMEM || msg[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(m != NULL);
    roundtrip(m);
    mlpb_model_destroy(m);
    return 0;
}
