/* test_onnx.c -- libmlpblas_onnx on its own: export then import gives
 * bitwise the original parameters, standardisation, names and metadata (to
 * memory and through a file); every truncation and every single bit flip
 * of an exported file gives a documented status and never a crash; a file
 * of many tiny messages is refused by the decoding budget, a graph of too
 * many nodes by count; bad arguments.
 * The graph's meaning is checked by independent runtimes in
 * export_ort.py and torch_import.py. */
#include "mlpblas_onnx.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The layouts on LP64 are part of the ABI (mlpblas.h, "Structs that grow";
 * tests/test_abi.c pins the core's). */
#if UINTPTR_MAX == UINT64_MAX && SIZE_MAX == UINT64_MAX
_Static_assert(sizeof(mlpb_onnx_export_opts) == 88, "ABI");
_Static_assert(offsetof(mlpb_onnx_export_opts, reserved) == 24, "ABI");
_Static_assert(sizeof(mlpb_onnx_import_info) == 64, "ABI");
_Static_assert(offsetof(mlpb_onnx_import_info, reserved) == 32, "ABI");
#endif

static int failures;
#define CHECK(c)                                                                   \
    do {                                                                           \
        if (!(c)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
            failures++;                                                            \
        }                                                                          \
    } while (0)

static mlpb_model *make(const size_t *sizes, size_t n, int standardize, int names)
{
    mlpb_config cfg = {sizes, n, 42, MLPB_INIT_FAN_IN};
    mlpb_model *m   = NULL;
    CHECK(mlpb_model_create(&cfg, NULL, &m) == MLPB_OK);
    size_t d = sizes[0], k = sizes[n - 1];
    if (standardize) {
        float *mean = malloc(d * sizeof *mean), *std = malloc(d * sizeof *std);
        for (size_t i = 0; i < d; i++) {
            mean[i] = 0.1f * (float)i - 0.3f;
            std[i]  = 1.0f / 3.0f + (float)i;
        }
        CHECK(mlpb_model_set_standardization(m, mean, std) == MLPB_OK);
        free(mean);
        free(std);
    }
    if (names) {
        const char *in[] = {"a", "b\\c", "line\nbreak", "d=e", "f", "g", "h", "i"};
        const char *out[] = {"yes", "no", "maybe", "p", "q"};
        CHECK(d <= 8 && k <= 5);
        CHECK(mlpb_model_set_input_names(m, in) == MLPB_OK);
        CHECK(mlpb_model_set_output_names(m, out) == MLPB_OK);
        CHECK(mlpb_model_set_meta(m, "mlpblas.schema", "a schema\twith tabs\n") == MLPB_OK);
        CHECK(mlpb_model_set_meta(m, "empty", "") == MLPB_OK);
    }
    return m;
}

static int same_model(mlpb_model *a, mlpb_model *b)
{
    size_t na, nb, sa, sb;
    float *pa = mlpb_model_params(a, &na), *pb = mlpb_model_params(b, &nb);
    const size_t *za = mlpb_model_sizes(a, &sa), *zb = mlpb_model_sizes(b, &sb);
    if (sa != sb || memcmp(za, zb, sa * sizeof *za) != 0 || na != nb ||
        memcmp(pa, pb, na * sizeof *pa) != 0)
        return 0;
    size_t d = mlpb_model_n_inputs(a), k = mlpb_model_n_outputs(a);
    if ((mlpb_model_mean(a) == NULL) != (mlpb_model_mean(b) == NULL))
        return 0;
    if (mlpb_model_mean(a) && (memcmp(mlpb_model_mean(a), mlpb_model_mean(b), d * 4) != 0 ||
                               memcmp(mlpb_model_std(a), mlpb_model_std(b), d * 4) != 0))
        return 0;
    for (size_t i = 0; i < d + k; i++) {
        const char *x = i < d ? mlpb_model_input_name(a, i) : mlpb_model_output_name(a, i - d);
        const char *y = i < d ? mlpb_model_input_name(b, i) : mlpb_model_output_name(b, i - d);
        if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
            return 0;
    }
    if (mlpb_model_meta_count(a) != mlpb_model_meta_count(b))
        return 0;
    for (size_t i = 0; i < mlpb_model_meta_count(a); i++) {
        const char *ka, *va, *kb, *vb;
        mlpb_model_meta_at(a, i, &ka, &va);
        mlpb_model_meta_at(b, i, &kb, &vb);
        if (strcmp(ka, kb) != 0 || strcmp(va, vb) != 0)
            return 0;
    }
    return 1;
}

static void test_roundtrip(void)
{
    static const size_t s1[] = {3, 4, 2}, s2[] = {5, 8, 6, 4, 3}, s3[] = {8, 16, 1};
    const size_t *all[] = {s1, s2, s3};
    size_t        ns[]  = {3, 5, 3};
    for (int c = 0; c < 3; c++)
        for (int opt = 0; opt < 4; opt++) {
            mlpb_model *m = make(all[c], ns[c], opt & 1, opt & 2);
            void       *buf;
            size_t      len;
            mlpb_onnx_export_opts o;
            mlpb_onnx_export_opts_default(&o);
            if (all[c][ns[c] - 1] > 1 && opt == 3)
                o.task = MLPB_ONNX_TASK_MULTICLASS;
            CHECK(mlpb_onnx_export_mem(m, &o, &buf, &len) == MLPB_OK);
            mlpb_model           *r = NULL;
            mlpb_onnx_import_info info;
            char                  msg[256];
            CHECK(mlpb_onnx_import_mem(buf, len, NULL, &r, &info, msg, sizeof msg) == MLPB_OK);
            CHECK(r != NULL && same_model(m, r));
            CHECK(info.added_sigmoid == 0 && info.opset == 13 && info.ir_version == 8);
            CHECK(info.standardization == (opt & 1) && info.ignored_outputs == 1);
            CHECK(msg[0] == '\0');
            mlpb_model_destroy(r);
            mlpb_onnx_free(buf);
            mlpb_model_destroy(m);
        }
    /* Through a file. */
    char path[] = "/tmp/mlpb-onnx-XXXXXX";
    int  fd     = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    mlpb_model *m = make(s2, 5, 1, 1), *r = NULL;
    CHECK(mlpb_onnx_export(m, NULL, path) == MLPB_OK);
    CHECK(mlpb_onnx_import(path, NULL, &r, NULL, NULL, 0) == MLPB_OK && same_model(m, r));
    mlpb_model_destroy(r);
    mlpb_model_destroy(m);
    remove(path);
}

static int documented(mlpb_status s)
{
    return s == MLPB_OK || s == MLPB_E_FORMAT || s == MLPB_E_UNSUPPORTED ||
           s == MLPB_E_OVERFLOW || s == MLPB_E_NOMEM;
}

/* Every prefix and every single bit flip of a small exported model. */
static void test_damage(void)
{
    static const size_t s[] = {3, 4, 2};
    mlpb_model *m = make(s, 3, 1, 1);
    uint8_t    *buf;
    size_t      len;
    CHECK(mlpb_onnx_export_mem(m, NULL, (void **)&buf, &len) == MLPB_OK);
    size_t refused = 0, flips = 0;
    for (size_t cut = 0; cut < len; cut++) {
        mlpb_model *r = (mlpb_model *)buf;
        char        msg[256];
        mlpb_status st = mlpb_onnx_import_mem(buf, cut, NULL, &r, NULL, msg, sizeof msg);
        CHECK(documented(st));
        if (st != MLPB_OK) {
            CHECK(r == NULL && msg[0] != '\0');
            refused++;
        } else {
            /* A cut at a message boundary inside the metadata decodes. */
            size_t       na, nb;
            const float *pa = mlpb_model_params(m, &na), *pb = mlpb_model_params(r, &nb);
            CHECK(na == nb && memcmp(pa, pb, na * sizeof *pa) == 0);
        }
        mlpb_model_destroy(r);
    }
    CHECK(refused > len / 2);
    uint8_t *copy = malloc(len);
    for (size_t bit = 0; bit < 8 * len; bit++) {
        memcpy(copy, buf, len);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        mlpb_model *r  = NULL;
        mlpb_status st = mlpb_onnx_import_mem(copy, len, NULL, &r, NULL, NULL, 0);
        CHECK(documented(st));
        CHECK((st == MLPB_OK) == (r != NULL));
        flips += st != MLPB_OK;
        mlpb_model_destroy(r);
    }
    printf("onnx: %zu bytes; %zu of %zu truncations and %zu of %zu bit flips refused\n", len,
           refused, len, flips, 8 * len);
    free(copy);
    mlpb_onnx_free(buf);
    mlpb_model_destroy(m);
}

/* 4 MiB of empty metadata entries (2 bytes each, some 48 decoded): more
 * than the decoding budget of 4 x 4 MiB + 16 MiB. */
static void test_budget(void)
{
    size_t   len = (size_t)4 << 20;
    uint8_t *buf = malloc(len);
    for (size_t i = 0; i < len; i += 2) {
        buf[i]     = 0x72; /* field 14, length-delimited */
        buf[i + 1] = 0x00;
    }
    mlpb_model *r = NULL;
    char        msg[256];
    CHECK(mlpb_onnx_import_mem(buf, len, NULL, &r, NULL, msg, sizeof msg) == MLPB_E_OVERFLOW);
    CHECK(r == NULL && strstr(msg, "memory") != NULL);
    free(buf);
}

/* A graph of 16,449 empty nodes: refused by count, before any walk (whose
 * name lookups are linear). */
static void test_too_many_nodes(void)
{
    size_t   nodes = 16449, glen = 2 * nodes, len = 0;
    uint8_t *buf   = malloc(glen + 16);
    const uint8_t head[] = {0x08, 0x08,             /* ir_version 8 */
                            0x42, 0x02, 0x10, 0x0d, /* opset_import { version 13 } */
                            0x3a};                  /* graph, then its length */
    memcpy(buf, head, sizeof head);
    len = sizeof head;
    for (size_t v = glen; ; v >>= 7) {
        buf[len++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        if (v <= 0x7f)
            break;
    }
    for (size_t i = 0; i < nodes; i++) {
        buf[len++] = 0x0a; /* node {} */
        buf[len++] = 0x00;
    }
    mlpb_model *r = NULL;
    char        msg[256];
    CHECK(mlpb_onnx_import_mem(buf, len, NULL, &r, NULL, msg, sizeof msg) == MLPB_E_UNSUPPORTED);
    CHECK(r == NULL && strstr(msg, "16449 nodes") != NULL);
    free(buf);
}

static void test_args(void)
{
    static const size_t s[] = {3, 4, 1};
    mlpb_model *m = make(s, 3, 0, 0), *r = (mlpb_model *)1;
    void       *buf;
    size_t      len;
    mlpb_onnx_export_opts o;
    mlpb_onnx_export_opts_default(&o);
    o.task = MLPB_ONNX_TASK_MULTICLASS;
    CHECK(mlpb_onnx_export_mem(m, &o, &buf, &len) == MLPB_E_INVALID_ARG && buf == NULL);
    CHECK(mlpb_onnx_export_mem(NULL, NULL, &buf, &len) == MLPB_E_INVALID_ARG);
    /* A reserved word set (an option of a newer header) is refused; the
     * import's info comes back with its reserved words zeroed. */
    mlpb_onnx_export_opts_default(&o);
    for (size_t i = 0; i < sizeof o.reserved / sizeof o.reserved[0]; i++)
        CHECK(o.reserved[i] == 0);
    o.reserved[7] = 1;
    CHECK(mlpb_onnx_export_mem(m, &o, &buf, &len) == MLPB_E_INVALID_ARG && buf == NULL);
    o.reserved[7] = 0;
    CHECK(mlpb_onnx_export_mem(m, &o, &buf, &len) == MLPB_OK);
    mlpb_onnx_import_info info;
    memset(&info, 0xFF, sizeof info);
    CHECK(mlpb_onnx_import_mem(buf, len, NULL, &r, &info, NULL, 0) == MLPB_OK);
    for (size_t i = 0; i < sizeof info.reserved / sizeof info.reserved[0]; i++)
        CHECK(info.reserved[i] == 0);
    mlpb_model_destroy(r);
    r = (mlpb_model *)1;
    mlpb_onnx_free(buf);
    CHECK(mlpb_onnx_import_mem(NULL, 4, NULL, &r, NULL, NULL, 0) == MLPB_E_INVALID_ARG && r == NULL);
    CHECK(mlpb_onnx_import_mem("", 0, NULL, &r, NULL, NULL, 0) == MLPB_E_UNSUPPORTED);
    CHECK(mlpb_onnx_import("/nonexistent/x.onnx", NULL, &r, NULL, NULL, 0) == MLPB_E_IO);
    mlpb_model_destroy(m);
}

int main(void)
{
    test_roundtrip();
    test_damage();
    test_budget();
    test_too_many_nodes();
    test_args();
    if (failures)
        fprintf(stderr, "%d checks failed\n", failures);
    return failures != 0;
}
