/* load.h -- model files read for the commands (load.c), and a model's
 * architecture as text. */
#ifndef MLPB_CLI_LOAD_H
#define MLPB_CLI_LOAD_H

#include "mlpblas.h"
#include <stddef.h>

/* Load a model, printing "PATH: what" on failure (CLI_EDATA). */
int cli_load_model(const char *path, mlpb_model **m);
/* Verify the whole model file (CRC-32 included, streamed through a small
 * buffer), then load its header alone: what the header says (the schema,
 * the sizes) is trusted only once the checksum holds. CLI_OK, or "PATH:
 * what" printed and CLI_EDATA. */
int cli_load_model_header(const char *path, mlpb_model **m);
/* "MODEL: what" for a failed model save or load status s. */
int cli_model_error(const char *path, const char *what, mlpb_status s);

/* "30-64-1" */
void cli_arch_string(const mlpb_model *m, char *buf, size_t n);

#endif /* MLPB_CLI_LOAD_H */
