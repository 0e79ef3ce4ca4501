#ifndef MLPBLAS_ONNX_H
#define MLPBLAS_ONNX_H
/* mlpblas_onnx.h -- the public API of libmlpblas_onnx: an mlpblas model out
 * to ONNX, and an ONNX MLP (as torch.onnx.export writes one) in. Optional:
 * the core library (mlpblas.h) never depends on ONNX or protobuf; this
 * library links both (protobuf-c). docs/onnx.md has the details and the
 * figures.
 *
 * The exported graph (IR version 8, opset 13, float32 initializers):
 *   input          float [N, d], N dynamic: the model's d inputs in order
 *                  (for a model of the mlpblas tool, the encoded feature
 *                  vector: numbers as they are, categories one-hot, in the
 *                  schema's order; the input's doc_string lists them);
 *   Sub, Div       the standardisation (x - mean) / std, as nodes with the
 *                  model's own float means and stds (not folded into the
 *                  first layer, so the graph computes what mlpb_predict
 *                  computes, rounding for rounding); absent when off;
 *   Gemm, Relu     per hidden layer, B = W (in x out) as stored, transB 0;
 *   Gemm, Sigmoid  the output layer;
 *   probabilities  float [N, k];
 *   label          int64: binary, [N], 1 where the probability >= 0.5;
 *                  multi-class, [N], the index of the largest probability
 *                  (the first on a tie); multi-label, [N, k], 1 where >= 0.5.
 * metadata_props carries the model's own metadata entries (the tool's
 * schema among them) and "mlpblas.task", "mlpblas.input_names",
 * "mlpblas.output_names" (names one a line, "\n" and "\\" escaped). */
#include "mlpblas.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mlpb_onnx_task {
    MLPB_ONNX_TASK_AUTO       = 0, /* binary when k == 1, else multi-label */
    MLPB_ONNX_TASK_BINARY     = 1,
    MLPB_ONNX_TASK_MULTILABEL = 2,
    MLPB_ONNX_TASK_MULTICLASS = 3
} mlpb_onnx_task;

/* Options and import report grow as mlpblas.h's "Structs that grow" says:
 * start from mlpb_onnx_export_opts_default (or zero the struct); the export
 * refuses nonzero reserved words (MLPB_E_INVALID_ARG); the import zeroes
 * the info it fills, reserved words included. */
typedef struct mlpb_onnx_export_opts {
    mlpb_onnx_task task;     /* decides the label output */
    const char    *input_doc; /* the graph input's doc_string; NULL: one made from the
                                 input names (or "d float inputs" without names) */
    const char    *graph_name; /* NULL: "mlpblas" */
    uint64_t       reserved[8]; /* zero */
} mlpb_onnx_export_opts;

MLPB_API void mlpb_onnx_export_opts_default(mlpb_onnx_export_opts *o);

/* Write m as ONNX into a malloc'd buffer (*buf, *len; free it with
 * mlpb_onnx_free) or a file (written whole to PATH.tmp, then renamed: never
 * half-written). opts NULL: the defaults. Returns MLPB_OK,
 * MLPB_E_INVALID_ARG (NULL m, a header-only model, a bad task, a
 * multi-class task with k < 2, a reserved word set), MLPB_E_OVERFLOW (a tensor above 2 GiB, the
 * protobuf limit), MLPB_E_NOMEM, MLPB_E_IO (errno kept). */
MLPB_API mlpb_status mlpb_onnx_export_mem(const mlpb_model *m, const mlpb_onnx_export_opts *opts,
                                          void **buf, size_t *len);
MLPB_API mlpb_status mlpb_onnx_export(const mlpb_model *m, const mlpb_onnx_export_opts *opts,
                                      const char *path);
MLPB_API void        mlpb_onnx_free(void *buf);

/* What an import found. */
typedef struct mlpb_onnx_import_info {
    int64_t ir_version, opset;  /* of the file (opset of the default domain) */
    int     added_sigmoid;      /* the graph ended in a Gemm/Add: a Sigmoid was appended,
                                   so the model's outputs are sigmoid(logits) */
    int     standardization;    /* a Sub/Div pair was read as the standardisation */
    size_t  ignored_outputs;    /* outputs computed from the probabilities (a label head:
                                   ArgMax, GreaterOrEqual, Cast, Reshape ...), dropped */
    uint64_t reserved[4];       /* zeroed by the library */
} mlpb_onnx_import_info;

/* The largest ONNX input accepted (1 GiB), and how much memory decoding it
 * may take: MLPB_ONNX_DECODE_FACTOR times its length plus 16 MiB, checked
 * as it is allocated. The weights are then checked against the bytes that
 * hold them before the model is allocated. */
#define MLPB_ONNX_MAX_BYTES     ((size_t)1 << 30)
#define MLPB_ONNX_DECODE_FACTOR 4u

/* Read an MLP from ONNX bytes or a file into a new model (alloc as for
 * mlpb_model_create; NULL the default). Accepted: a graph of one float
 * input [N, d] and a chain of Gemm (alpha = beta = 1, transA 0, transB 0
 * or 1, a bias C of [out] or [1, out]) or MatMul + Add, with Relu between
 * layers and at most one Sigmoid at the end; Flatten (axis 1) and Identity
 * anywhere on the chain; an optional leading Sub + Div by constant [d]
 * tensors (the standardisation an mlpblas export writes); opsets 9 to 21 of
 * the default domain; weights as float raw_data (little-endian) or
 * float_data. Outputs computed from the chain's output by ArgMax,
 * ArgMin, Greater(OrEqual), Less(OrEqual), Cast, Reshape, Squeeze,
 * Unsqueeze or Flatten nodes are dropped. Metadata entries become the
 * model's metadata, "mlpblas.input_names"/"mlpblas.output_names" its names.
 * On failure msg gets one line that names the node, attribute or tensor
 * (msg may be NULL, msglen 0); on success the notes (a Sigmoid appended)
 * or "". info may be NULL. Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL
 * arguments), MLPB_E_FORMAT (not ONNX, truncated, inconsistent shapes,
 * a cycle), MLPB_E_UNSUPPORTED (a node, attribute, type or opset outside
 * the list above), MLPB_E_OVERFLOW (more than MLPB_ONNX_MAX_BYTES, or
 * decoding would pass its memory budget), MLPB_E_NOMEM, MLPB_E_IO. *out is
 * NULL on failure. */
MLPB_API mlpb_status mlpb_onnx_import_mem(const void *buf, size_t len,
                                          const mlpb_allocator *alloc, mlpb_model **out,
                                          mlpb_onnx_import_info *info, char *msg,
                                          size_t msglen);
MLPB_API mlpb_status mlpb_onnx_import(const char *path, const mlpb_allocator *alloc,
                                      mlpb_model **out, mlpb_onnx_import_info *info,
                                      char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif
#endif
