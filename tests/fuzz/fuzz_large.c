/* fuzz_large.c -- structure-aware fuzz harness of the CSV and LIBSVM
 * readers for inputs far larger than the fuzzer's own (capped at a few
 * KiB): each input is a recipe that the harness expands into a text of up
 * to a few MiB -- a header of up to 2^20 + 16 columns, a field around the
 * 2^20-byte bound, thousands of rows, a LIBSVM line of many pairs -- built
 * by repeating a tile taken from the input, optionally with a NUL byte put
 * at a chosen place and gzip-compressed. The text goes through the dataset
 * and table readers with the checks of fuzz_data.c, and through two
 * checks of its own: a text with a NUL byte is never read whole, and a
 * header of n names over numeric cells, read whole, has n columns.
 *
 * Recipe: byte 0 the shape (bits 0-1: wide header, long field, many rows,
 * long LIBSVM line; bit 2: a NUL; bit 3: gzip; bit 4: quote the fields),
 * bytes 1-3 a size (24 bits), bytes 4-5 where the NUL goes (16 bits, a
 * fraction of the text), the rest the tile (empty: "1"). */
#include "fuzz.h"
#include "fuzz_data.h"

#include <string.h>
#include <zlib.h>

#define MAX_TEXT ((size_t)6 << 20)

typedef struct text {
    unsigned char *p;
    size_t         n, cap;
} text;

static void put(text *t, const void *b, size_t n)
{
    if (t->n + n > t->cap)
        n = t->cap - t->n; /* the text stops at MAX_TEXT */
    memcpy(t->p + t->n, b, n);
    t->n += n;
}

static void put_c(text *t, char c)
{
    put(t, &c, 1);
}

/* The tile with the bytes that would end a field or a line left out, so
 * that a field of the tile is one field. */
static size_t clean_tile(const uint8_t *in, size_t n, char *tile, size_t cap, int libsvm)
{
    size_t m = 0;
    for (size_t i = 0; i < n && m < cap; i++) {
        const char c = (char)in[i];
        if (c == '\n' || c == '\r' || c == ',' || c == ';' || c == '\t' || c == '"' ||
            c == '#' || c == '\0' || (libsvm && (c == ' ' || c == ':')))
            continue;
        tile[m++] = c;
    }
    if (m == 0)
        tile[m++] = '1';
    return m;
}

static void field(text *t, const char *tile, size_t tn, size_t len, int quoted)
{
    if (quoted)
        put_c(t, '"');
    for (size_t i = 0; i < len && t->n < t->cap; i += tn)
        put(t, tile, len - i < tn ? len - i : tn);
    if (quoted)
        put_c(t, '"');
}

/* Expand the recipe into t; returns 1 for LIBSVM, 0 for CSV. */
static int expand(const uint8_t *data, size_t size, text *t, size_t *header_cols,
                  int *numeric_tile)
{
    const unsigned shape  = data[0] & 3u, quoted = (data[0] >> 4) & 1u;
    const size_t   amount = (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
    char           tile[65];
    const int      libsvm = shape == 3;
    const size_t   tn     = clean_tile(data + 6, size - 6, tile, sizeof tile - 1, libsvm);
    tile[tn]              = '\0';
    *header_cols          = 0;
    *numeric_tile         = strspn(tile, "0123456789") >= tn && tn < 8;
    if (shape == 0) {
        /* A header of up to 2^20 + 16 names c0,c1,..., then two rows. */
        const size_t cols = amount % (((size_t)1 << 20) + 17) + 1;
        char         name[24];
        for (size_t j = 0; j < cols && t->n < t->cap; j++) {
            int w = snprintf(name, sizeof name, "%sc%zu", j ? "," : "", j);
            put(t, name, (size_t)w);
        }
        put_c(t, '\n');
        for (int r = 0; r < 2; r++) {
            for (size_t j = 0; j < cols && t->n < t->cap; j++) {
                if (j)
                    put_c(t, ',');
                field(t, tile, tn, tn, quoted);
            }
            put_c(t, '\n');
        }
        *header_cols = cols;
    } else if (shape == 1) {
        /* A field of about 2^20 bytes, either side of the bound. */
        const size_t len = ((size_t)1 << 20) - 64 + amount % 192;
        put(t, "a,b\n", 4);
        field(t, tile, tn, len, quoted);
        put(t, ",1\n1,0\n", 7);
    } else if (shape == 2) {
        /* Many rows of three cells. */
        const size_t rows = amount % 200000 + 1;
        put(t, "x,y,z\n", 6);
        for (size_t r = 0; r < rows && t->n < t->cap; r++) {
            field(t, tile, tn, tn, quoted);
            put(t, r % 2 ? ",1,0\n" : ",2,1\n", 5);
        }
    } else {
        /* A LIBSVM line of many pairs, the values from the tile, and
         * indices increasing (or, from bit 23 of the size, one out of
         * order). */
        const size_t pairs = amount % 300000 + 1;
        char         idx[32];
        put(t, "1", 1);
        for (size_t i = 0; i < pairs && t->n < t->cap; i++) {
            size_t k = i + 1;
            if ((amount >> 23) && i == pairs / 2)
                k = 1;
            int w = snprintf(idx, sizeof idx, " %zu:", k);
            put(t, idx, (size_t)w);
            put(t, tile, tn);
        }
        put(t, "\n0 1:1\n", 7);
    }
    return libsvm;
}

/* gzip of in[0, n) into a new block (fast level); NULL if it fails. */
static unsigned char *gzip_mem(const unsigned char *in, size_t n, size_t *out_n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    const size_t   cap = deflateBound(&z, (uLong)n);
    unsigned char *out = malloc(cap);
    if (out == NULL) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in   = (unsigned char *)(uintptr_t)in;
    z.avail_in  = (uInt)n;
    z.next_out  = out;
    z.avail_out = (uInt)cap;
    int r       = deflate(&z, Z_FINISH);
    *out_n      = cap - z.avail_out;
    deflateEnd(&z);
    if (r != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6)
        return 0;
    text t = {malloc(MAX_TEXT), 0, MAX_TEXT};
    FUZZ_CHECK(t.p != NULL);
    size_t    header_cols;
    int       numeric_tile;
    const int libsvm = expand(data, size, &t, &header_cols, &numeric_tile);
    const int has_nul = (data[0] >> 2) & 1u, gz = (data[0] >> 3) & 1u;
    if (has_nul && t.n > 0) {
        const size_t at = (((size_t)data[4] << 8 | data[5]) * t.n) >> 16;
        t.p[at]         = '\0';
    }
    const unsigned char *in = t.p;
    size_t               n  = t.n;
    unsigned char       *z  = NULL;
    if (gz && (z = gzip_mem(t.p, t.n, &n)) != NULL)
        in = z;
    else
        n = t.n;
    const char *name = libsvm ? "large.svm" : "large.csv";

    cli_data_opts o;
    cli_data_opts_init(&o);
    o.format    = libsvm ? CLI_FORMAT_LIBSVM : CLI_FORMAT_CSV;
    o.max_bytes = (uint64_t)64 << 20;
    char        err[512];
    cli_data   d;
    mlpb_status s = cli_data_read_mem(in, n, name, &o, &d, err, sizeof err);
    if (s == MLPB_OK) {
        /* A NUL byte anywhere is never read past: the text is not read whole. */
        FUZZ_CHECK(!has_nul);
        /* Every name of a header read whole is a column (numbers only: a
         * text tile would make one-hot inputs). */
        if (header_cols > 0 && t.n < t.cap && d.feature_names != NULL && numeric_tile)
            FUZZ_CHECK(d.d + d.k == header_cols);
        cli_data_free(&d);
    }
    fuzz_data_read(in, n, name, &o, 256);

    cli_read_opts r;
    cli_read_opts_init(&r);
    r.format    = o.format;
    r.max_bytes = (uint64_t)64 << 20;
    fuzz_table_read(in, n, name, &r, 1000, 256);
    free(z);
    free(t.p);
    return 0;
}
