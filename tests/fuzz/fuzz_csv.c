/* fuzz_csv.c -- fuzz harness of the CSV reader (mlpb_data_read_mem): each
 * input is read with three option sets (header and last-column label,
 * headerless with ';' and no labels, named label columns with a short
 * message buffer). */
#include "fuzz.h"
#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mlpb_data_opts o;
    mlpb_data_opts_init(&o);
    o.format = MLPB_FORMAT_CSV;
    fuzz_data_read(data, size, "fuzz.csv", &o, 256);

    mlpb_data_opts_init(&o);
    o.format = MLPB_FORMAT_CSV;
    o.header = 0;
    o.n_labels = 0;
    o.delimiter = ';';
    fuzz_data_read(data, size, "fuzz.csv", &o, 256);

    mlpb_data_opts_init(&o);
    o.format = MLPB_FORMAT_CSV;
    o.labels = "y, b";
    fuzz_data_read(data, size, "fuzz.csv", &o, 12);
    return 0;
}
