/* fuzz_libsvm.c -- fuzz harness of the LIBSVM reader: each input is read as
 * a dense dataset (cli_data_read_mem) with three option sets (binary labels,
 * labels ignored, three classes over exactly 16 features with a short
 * message buffer), then as raw rows (table.h) in chunks of 2 with 0-based
 * detection against 16 features, whole as multi-label 0-based, whole with
 * the columns compacted to the features that occur (as train reads), and
 * in chunks of 3 against a list of feature numbers, the others dropped (as
 * eval and predict read for such a model), and in chunks against a model's
 * class ids (three classes; two ids, negative first). Every
 * read has a memory budget, as the tool gives one: a dozen bytes can name
 * feature 2^31 - 1. */
#include "fuzz.h"
#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.format    = CLI_FORMAT_LIBSVM;
    o.max_bytes = (uint64_t)16 << 20;
    fuzz_data_read(data, size, "fuzz.svm", &o, 256);

    cli_data_opts_init(&o);
    o.format    = CLI_FORMAT_LIBSVM;
    o.n_labels  = 0;
    o.max_bytes = (uint64_t)16 << 20;
    fuzz_data_read(data, size, "fuzz.svm", &o, 256);

    cli_data_opts_init(&o);
    o.format     = CLI_FORMAT_LIBSVM;
    o.n_labels   = 3;
    o.n_features = 16;
    o.max_bytes  = (uint64_t)16 << 20;
    fuzz_data_read(data, size, "fuzz.svm", &o, 12);

    cli_read_opts t;
    cli_read_opts_init(&t);
    t.format     = CLI_FORMAT_LIBSVM;
    t.n_features = 16;
    t.max_bytes  = 1 << 20;
    fuzz_table_read(data, size, "fuzz.svm", &t, 2, 256);

    cli_read_opts_init(&t);
    t.format     = CLI_FORMAT_LIBSVM;
    t.multilabel = 1;
    t.base       = CLI_BASE_ZERO;
    t.max_bytes  = (uint64_t)16 << 20;
    fuzz_table_read(data, size, "fuzz.svm", &t, 0, 40);

    /* As train reads: whole, the columns the features that occur; their
     * numbers increase and each column holds some value's place. */
    cli_read_opts_init(&t);
    t.format    = CLI_FORMAT_LIBSVM;
    t.compact   = 1;
    t.max_bytes = (uint64_t)16 << 20;
    fuzz_table_read(data, size, "fuzz.svm", &t, 0, 256);
    cli_table *tb = NULL;
    cli_chunk  c  = {0};
    char       err[256];
    if (cli_table_open_mem(data, size, "fuzz.svm", &t, &tb, err, sizeof err) == MLPB_OK &&
        cli_table_read(tb, 0, &c, err, sizeof err) == MLPB_OK && c.n > 0) {
        size_t          nf;
        const uint32_t *f = cli_table_features(tb, &nf);
        FUZZ_CHECK(f != NULL && nf == c.ncols && nf >= 1 && nf <= c.n * (size_t)size);
        for (size_t j = 1; j < nf; j++)
            FUZZ_CHECK(f[j] > f[j - 1]);
        FUZZ_CHECK(f[0] >= 1);
        /* Class ids: increasing, more than one, and the outputs they make. */
        size_t         nid;
        const int32_t *ids = cli_table_class_ids(tb, &nid);
        for (size_t j = 1; ids != NULL && j < nid; j++)
            FUZZ_CHECK(ids[j] > ids[j - 1]);
        FUZZ_CHECK(c.k == (ids != NULL && nid > 2 ? nid : 1));
        for (size_t i = 0; i < c.n; i++) {
            float sum = 0.0f;
            for (size_t l = 0; l < c.k; l++) {
                FUZZ_CHECK(c.y[i * c.k + l] == 0.0f || c.y[i * c.k + l] == 1.0f);
                sum += c.y[i * c.k + l];
            }
            FUZZ_CHECK(c.k == 1 || sum == 1.0f);
        }
    }
    cli_chunk_free(&c);
    cli_table_close(tb);

    /* As eval and predict read for such a model: by its feature numbers,
     * in chunks, other indices dropped. */
    static const uint32_t feat[] = {1, 2, 5, 9, 100, 65536, 0x7fffffffu, 0x80000000u};
    cli_read_opts_init(&t);
    t.format       = CLI_FORMAT_LIBSVM;
    t.n_features   = sizeof feat / sizeof feat[0];
    t.features     = feat;
    t.drop_unknown = 1;
    t.max_bytes    = 1 << 20;
    fuzz_table_read(data, size, "fuzz.svm", &t, 3, 256);

    /* As eval reads for a model of class ids: three classes, then a binary
     * label of two ids, in chunks. */
    static const int32_t three[] = {-3, 2, 7}, two[] = {4, -1};
    cli_read_opts_init(&t);
    t.format      = CLI_FORMAT_LIBSVM;
    t.n_features  = 16;
    t.class_ids   = three;
    t.n_class_ids = 3;
    t.max_bytes   = 1 << 20;
    fuzz_table_read(data, size, "fuzz.svm", &t, 2, 256);
    t.class_ids   = two;
    t.n_class_ids = 2;
    fuzz_table_read(data, size, "fuzz.svm", &t, 3, 256);
    return 0;
}
