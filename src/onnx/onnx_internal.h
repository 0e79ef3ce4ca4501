/* onnx_internal.h -- what the ONNX exporter and importer share: the
 * generated protobuf-c code, the escaping of name lists in metadata, the
 * little-endian float bytes of raw_data, and the message buffer. */
#ifndef MLPB_ONNX_INTERNAL_H
#define MLPB_ONNX_INTERNAL_H

#include "mlpblas_onnx.h"
#include "onnx_subset.pb-c.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define MLPB_ONNX_IR_VERSION   8
#define MLPB_ONNX_OPSET        13
#define MLPB_ONNX_OPSET_MIN    9
#define MLPB_ONNX_OPSET_MAX    21
#define MLPB_ONNX_KEY_TASK     "mlpblas.task"
#define MLPB_ONNX_KEY_INPUTS   "mlpblas.input_names"
#define MLPB_ONNX_KEY_OUTPUTS  "mlpblas.output_names"

/* protobuf-c's messages take char * for strings that the exporter only
 * reads from; these drop the const without a cast warning. */
static inline char *S(const char *s)
{
    union { const char *c; char *m; } u = {s};
    return u.m;
}
static inline mlpb_model *mlpb__onnx_unconst(const mlpb_model *m)
{
    union { const mlpb_model *c; mlpb_model *m; } u = {m};
    return u.m;
}

/* Names one a line, each "\n" as "\\n" and "\\" as "\\\\": a malloc'd
 * string, or NULL when out of memory. */
char *mlpb__onnx_join_names(const char *const *names, size_t n);
/* The inverse: split text into exactly n malloc'd names (*out, n pointers,
 * free with mlpb__onnx_free_names). Returns MLPB_OK, MLPB_E_FORMAT (not n
 * names, a bad escape, an empty name), MLPB_E_NOMEM. */
mlpb_status mlpb__onnx_split_names(const char *text, size_t n, char ***out);
void        mlpb__onnx_free_names(char **names, size_t n);

/* n floats to and from little-endian bytes (4 n). */
void mlpb__onnx_put_f32(const float *x, size_t n, uint8_t *out);
void mlpb__onnx_get_f32(const uint8_t *in, size_t n, float *x);

/* printf into msg (msglen may be 0); returns s. */
mlpb_status mlpb__onnx_msg(mlpb_status s, char *msg, size_t msglen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif
