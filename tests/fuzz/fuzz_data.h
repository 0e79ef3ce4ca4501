/* fuzz_data.h -- the checks shared by the CSV and LIBSVM harnesses: read one
 * input with one set of options and verify everything data.h (the dense
 * dataset) or table.h (raw cells, in chunks) promises. */
#ifndef MLPB_FUZZ_DATA_H
#define MLPB_FUZZ_DATA_H

#include "read/data.h"
#include "read/table.h"

#include <stddef.h>
#include <stdint.h>

/* Read data[0..size) with o (errlen bytes of message buffer, on the heap so
 * that an overrun is caught) and check the result; then split and drop a
 * column of an accepted dataset. */
void fuzz_data_read(const uint8_t *data, size_t size, const char *name, const cli_data_opts *o,
                    size_t errlen);

/* Read data[0..size) as a table with o in chunks of max_rows (0: whole),
 * checking every chunk: row count, increasing line numbers, cells finite or
 * NAN (or level indices below the column's level count, -1 for closed
 * levels), LIBSVM labels 0/1, one-line messages that name the input. */
void fuzz_table_read(const uint8_t *data, size_t size, const char *name, const cli_read_opts *o,
                     size_t max_rows, size_t errlen);

#endif /* MLPB_FUZZ_DATA_H */
