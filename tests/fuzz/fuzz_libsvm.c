/* fuzz_libsvm.c -- fuzz harness of the LIBSVM reader: each input is read as
 * a dense dataset (mlpb_data_read_mem) with three option sets (binary labels,
 * labels ignored, three classes over exactly 16 features with a short
 * message buffer), then as raw rows (table.h) in chunks of 2 with 0-based
 * detection against 16 features, and whole as multi-label 0-based. Every
 * read has a memory budget, as the tool gives one: a dozen bytes can name
 * feature 2^31 - 1. */
#include "fuzz.h"
#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mlpb_data_opts o;
    mlpb_data_opts_init(&o);
    o.format    = MLPB_FORMAT_LIBSVM;
    o.max_bytes = (uint64_t)16 << 20;
    fuzz_data_read(data, size, "fuzz.svm", &o, 256);

    mlpb_data_opts_init(&o);
    o.format    = MLPB_FORMAT_LIBSVM;
    o.n_labels  = 0;
    o.max_bytes = (uint64_t)16 << 20;
    fuzz_data_read(data, size, "fuzz.svm", &o, 256);

    mlpb_data_opts_init(&o);
    o.format     = MLPB_FORMAT_LIBSVM;
    o.n_labels   = 3;
    o.n_features = 16;
    o.max_bytes  = (uint64_t)16 << 20;
    fuzz_data_read(data, size, "fuzz.svm", &o, 12);

    cli_read_opts t;
    cli_read_opts_init(&t);
    t.format     = MLPB_FORMAT_LIBSVM;
    t.n_features = 16;
    t.max_bytes  = 1 << 20;
    fuzz_table_read(data, size, "fuzz.svm", &t, 2, 256);

    cli_read_opts_init(&t);
    t.format     = MLPB_FORMAT_LIBSVM;
    t.multilabel = 1;
    t.base       = CLI_BASE_ZERO;
    t.max_bytes  = (uint64_t)16 << 20;
    fuzz_table_read(data, size, "fuzz.svm", &t, 0, 40);
    return 0;
}
