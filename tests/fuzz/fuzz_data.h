/* fuzz_data.h -- the checks shared by the CSV and LIBSVM harnesses: read one
 * input with one set of options and verify everything data.h promises. */
#ifndef MLPB_FUZZ_DATA_H
#define MLPB_FUZZ_DATA_H

#include "data.h"

#include <stddef.h>
#include <stdint.h>

/* Read data[0..size) with o (errlen bytes of message buffer, on the heap so
 * that an overrun is caught) and check the result; then split and drop a
 * column of an accepted dataset. */
void fuzz_data_read(const uint8_t *data, size_t size, const char *name, const mlpb_data_opts *o,
                    size_t errlen);

#endif /* MLPB_FUZZ_DATA_H */
