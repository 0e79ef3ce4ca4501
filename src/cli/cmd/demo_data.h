/* demo_data.h -- the breast-cancer CSV compiled into the tool for `mlpblas
 * demo` (the array is generated from tests/data/breast_cancer.csv at build
 * time by embed.cmake). */
#ifndef MLPB_CLI_DEMO_DATA_H
#define MLPB_CLI_DEMO_DATA_H

#include <stddef.h>

extern const unsigned char cli_demo_csv[];  /* followed by a NUL byte */
extern const size_t        cli_demo_csv_len; /* without the NUL */

#endif /* MLPB_CLI_DEMO_DATA_H */
