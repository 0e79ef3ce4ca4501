/* fuzz_libsvm.c -- fuzz harness of the LIBSVM reader (mlpb_data_read_mem):
 * each input is read with three option sets (binary/multi-label detection,
 * labels ignored, three classes over exactly 16 features with a short message
 * buffer). */
#include "fuzz.h"
#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mlpb_data_opts o;
    mlpb_data_opts_init(&o);
    o.format = MLPB_FORMAT_LIBSVM;
    fuzz_data_read(data, size, "fuzz.svm", &o, 256);

    mlpb_data_opts_init(&o);
    o.format = MLPB_FORMAT_LIBSVM;
    o.n_labels = 0;
    fuzz_data_read(data, size, "fuzz.svm", &o, 256);

    mlpb_data_opts_init(&o);
    o.format = MLPB_FORMAT_LIBSVM;
    o.n_labels = 3;
    o.n_features = 16;
    fuzz_data_read(data, size, "fuzz.svm", &o, 12);
    return 0;
}
