/* fuzz_csv.c -- fuzz harness of the CSV reader: each input is read as a
 * dense dataset (cli_data_read_mem) with three option sets (header and
 * last-column label, headerless with ';' and no labels, named label columns
 * with a short message buffer), then as raw cells (table.h) in chunks of 3
 * rows with a small category cap and memory budget, whole with header
 * detection, and whole with a decimal comma and a space delimiter (R's
 * write.table and write.csv2 dialects, header names repaired). */
#include "fuzz.h"
#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.format    = CLI_FORMAT_CSV;
    o.max_bytes = (uint64_t)16 << 20;
    fuzz_data_read(data, size, "fuzz.csv", &o, 256);

    cli_data_opts_init(&o);
    o.format = CLI_FORMAT_CSV;
    o.header = 0;
    o.n_labels = 0;
    o.delimiter = ';';
    o.max_bytes = (uint64_t)16 << 20;
    fuzz_data_read(data, size, "fuzz.csv", &o, 256);

    cli_data_opts_init(&o);
    o.format = CLI_FORMAT_CSV;
    o.labels = "y, b";
    o.max_bytes = (uint64_t)16 << 20;
    fuzz_data_read(data, size, "fuzz.csv", &o, 12);

    cli_read_opts t;
    cli_read_opts_init(&t);
    t.format     = CLI_FORMAT_CSV;
    t.header     = CLI_HEADER_NO;
    t.max_levels = 4;
    t.max_bytes  = 1 << 20;
    fuzz_table_read(data, size, "fuzz.csv", &t, 3, 256);

    cli_read_opts_init(&t);
    t.format         = CLI_FORMAT_CSV;
    t.max_bytes      = (uint64_t)16 << 20;
    t.max_text_bytes = 1 << 16;
    fuzz_table_read(data, size, "fuzz.csv", &t, 0, 40);

    cli_read_opts_init(&t);
    t.format    = CLI_FORMAT_CSV;
    t.delimiter = ' ';
    t.decimal   = ',';
    t.max_bytes = (uint64_t)16 << 20;
    fuzz_table_read(data, size, "fuzz.csv", &t, 0, 40);
    return 0;
}
