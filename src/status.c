/* status.c -- library-wide queries: status descriptions, the version of the
 * linked library, and the public face of the BLAS threading calls. */
#include "kernels.h"
#include "mlpblas.h"

#define MLPB_STR_(x) #x
#define MLPB_STR(x)  MLPB_STR_(x)

unsigned mlpb_version_number(void)
{
    return MLPB_VERSION_NUMBER;
}

const char *mlpb_version_string(void)
{
    return MLPB_STR(MLPB_VERSION_MAJOR) "." MLPB_STR(MLPB_VERSION_MINOR) "." MLPB_STR(
        MLPB_VERSION_PATCH);
}

const char *mlpb_strerror(mlpb_status s)
{
    switch (s) {
    case MLPB_OK:            return "success";
    case MLPB_E_INVALID_ARG: return "invalid argument";
    case MLPB_E_OVERFLOW:    return "size overflow: the dimensions are too large";
    case MLPB_E_NOMEM:       return "out of memory";
    case MLPB_E_NUMERIC:     return "non-finite value (NaN or infinity)";
    case MLPB_E_IO:          return "input/output error";
    case MLPB_E_FORMAT:      return "not an mlpblas model file (bad magic)";
    case MLPB_E_VERSION:     return "unsupported model file version";
    case MLPB_E_TRUNCATED:   return "model file is truncated";
    case MLPB_E_CHECKSUM:    return "model file checksum mismatch";
    case MLPB_E_CORRUPT:     return "model file header is corrupt";
    case MLPB_E_TRAILING:    return "unexpected bytes after the end of the model file";
    case MLPB_E_MISMATCH:    return "shape does not match the model";
    case MLPB_E_UNSUPPORTED: return "not supported by this build or CPU (native bf16 needs oneDNN and AVX512-BF16)";
    }
    return "unknown status";
}

void mlpb_blas_set_threads(int n)
{
    mlpb__blas_set_threads(n);
}

int mlpb_blas_threads(void)
{
    return mlpb__blas_threads();
}

const char *mlpb_blas_config(void)
{
    return mlpb__blas_config();
}
