/* testutil.c -- see testutil.h. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void *counting_alloc(void *ctx, size_t size, size_t align)
{
    mlpbt_counter *c = ctx;
    const size_t call = c->calls++;
    if (size > c->largest)
        c->largest = size;
    if (call >= c->fail_at)
        return NULL;
    void *p = aligned_alloc(align, (size + align - 1) / align * align);
    if (p != NULL)
        c->live++;
    return p;
}

static void counting_free(void *ctx, void *p)
{
    mlpbt_counter *c = ctx;
    if (p != NULL) {
        c->frees++;
        c->live--;
        free(p);
    }
}

mlpb_allocator mlpbt_counting_allocator(mlpbt_counter *c)
{
    c->calls = c->frees = c->live = c->largest = 0;
    c->fail_at = SIZE_MAX;
    mlpb_allocator a = {counting_alloc, counting_free, c};
    return a;
}

double mlpbt_rel_err(double a, double b, double floor)
{
    double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    if (scale < floor)
        scale = floor;
    return fabs(a - b) / scale;
}

void mlpbt_assert_close_(double a, double b, double rel, const char *what, const char *file,
                         int line)
{
    const double e = mlpbt_rel_err(a, b, 1e-30);
    if (!(e <= rel)) {
        print_error("%s:%d: %s = %.17g, expected %.17g (rel err %.3g > %.3g)\n", file, line,
                    what, a, b, e, rel);
        fail();
    }
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void mlpbt_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        const double u = (double)(splitmix(&seed) >> 11) * 0x1.0p-53;
        x[i] = (float)((double)lo + u * (double)(hi - lo));
    }
}

void mlpbt_fill_labels(float *y, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++)
        y[i] = (float)(splitmix(&seed) >> 63);
}

/* m u / (1 - m u) for float and for double rounding together: the bound on
 * the relative error of m successive roundings, in either precision. */
static double gamma_of(size_t m)
{
    const double u = 0x1p-24 + 0x1p-53, mu = (double)m * u;
    return mu / (1.0 - mu);
}

/* Reference logits of row x into z and, when zerr is not NULL, the error
 * bound of mlpbt_ref_logits_bound; h, a, e, ea: width doubles each. */
static void ref_row(const mlpbt_net *net, const float *x, double *z, double *zerr, double *h,
                    double *a, double *e, double *ea)
{
    const size_t *s = net->sizes, ns = net->n_sizes, d = s[0];
    for (size_t j = 0; j < d; j++) {
        const double v = (double)x[j];
        h[j] = net->mean == NULL ? v : (v - net->mean[j]) / net->std[j];
        e[j] = net->mean == NULL ? 0.0 : gamma_of(2) * fabs(h[j]);
    }
    size_t off = 0;
    for (size_t l = 0; l + 1 < ns; l++) {
        const size_t in = s[l], out = s[l + 1];
        const double *w = net->params + off, *b = w + in * out;
        for (size_t o = 0; o < out; o++) {
            double acc = b[o], mag = fabs(b[o]), carried = 0.0;
            for (size_t p = 0; p < in; p++) {
                const double wp = w[p * out + o];
                acc += h[p] * wp;
                mag += fabs(wp) * (fabs(h[p]) + e[p]);
                carried += fabs(wp) * e[p];
            }
            a[o] = acc;
            ea[o] = carried + gamma_of(in + 1) * mag;
        }
        const int last = l + 2 == ns;
        for (size_t o = 0; o < out; o++) {
            h[o] = last || a[o] > 0.0 ? a[o] : 0.0;
            e[o] = ea[o];
        }
        off += in * out + out;
    }
    for (size_t o = 0; o < s[ns - 1]; o++) {
        z[o] = h[o];
        if (zerr != NULL)
            zerr[o] = e[o];
    }
}

void mlpbt_ref_logits_bound(const mlpbt_net *net, const float *x, size_t n, double *z,
                            double *zerr)
{
    const size_t *s = net->sizes, ns = net->n_sizes, d = s[0], k = s[ns - 1];
    size_t width = 0;
    for (size_t l = 0; l < ns; l++)
        width = s[l] > width ? s[l] : width;
    double *buf = calloc(4 * width, sizeof *buf);
    assert_non_null(buf);
    for (size_t i = 0; i < n; i++)
        ref_row(net, x + i * d, z + i * k, zerr == NULL ? NULL : zerr + i * k, buf,
                buf + width, buf + 2 * width, buf + 3 * width);
    free(buf);
}

double mlpbt_prob_bound(double z, double zerr)
{
    const double p = 1.0 / (1.0 + exp(-z));
    return zerr / 4.0 + 4.0 * 0x1p-24 * (p + zerr / 4.0);
}

void mlpbt_ref_logits(const mlpbt_net *net, const float *x, size_t n, double *z)
{
    mlpbt_ref_logits_bound(net, x, n, z, NULL);
}

double mlpbt_ref_loss(const mlpbt_net *net, const float *x, const float *y, size_t n,
                      const float *pw, const float *sw)
{
    const size_t k = net->sizes[net->n_sizes - 1];
    double *z = calloc(n * k, sizeof *z);
    assert_non_null(z);
    mlpbt_ref_logits(net, x, n, z);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < k; j++) {
            const double zz = z[i * k + j], yy = (double)y[i * k + j];
            /* -log(sigmoid(z)) and -log(1 - sigmoid(z)), each in the form
             * that neither overflows nor cancels. */
            const double nls = zz >= 0 ? log1p(exp(-zz)) : -zz + log1p(exp(zz));
            const double nl1s = zz >= 0 ? zz + log1p(exp(-zz)) : log1p(exp(zz));
            const double p = pw == NULL ? 1.0 : (double)pw[j];
            const double w = sw == NULL ? 1.0 : (double)sw[i];
            sum += w * (p * yy * nls + (1.0 - yy) * nl1s);
        }
    }
    free(z);
    return sum / (double)n;
}

double *mlpbt_params_double(mlpb_model *m)
{
    size_t n;
    const float *p = mlpb_model_params(m, &n);
    double *d = calloc(n, sizeof *d);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (double)p[i];
    return d;
}

mlpb_model *mlpbt_model(const size_t *sizes, size_t n_sizes, uint64_t seed)
{
    mlpb_config cfg = {sizes, n_sizes, seed, MLPB_INIT_HE_GLOROT};
    mlpb_model *m = NULL;
    assert_int_equal(mlpb_model_create(&cfg, NULL, &m), MLPB_OK);
    assert_non_null(m);
    return m;
}

void mlpbt_make_tmpdir(char *dir, size_t cap, const char *tag)
{
    /* The build tree's scratch folder (CMake), not $TMPDIR: the tests must
     * not depend on what the environment's temporary folder allows. */
    const char *base = MLPB_TEST_SCRATCH_DIR;
    if (mkdir(base, 0777) != 0 && errno != EEXIST) {
        print_error("cannot make a temporary folder: mkdir(\"%s\"): %s\n", base,
                    strerror(errno));
        fail();
    }
    char templ[PATH_MAX];
    const size_t len = (size_t)snprintf(templ, sizeof templ, "%s/mlpb-%s-XXXXXX", base, tag);
    assert_true(len < sizeof templ && len < cap);
    memcpy(dir, templ, len + 1);
    if (mkdtemp(dir) == NULL) {
        print_error("cannot make a temporary folder: mkdtemp(\"%s\"): %s\n", templ,
                    strerror(errno));
        fail();
    }
}

void mlpbt_path_in(char *out, size_t cap, const char *dir, const char *name)
{
    assert_true((size_t)snprintf(out, cap, "%s/%s", dir, name) < cap);
}

size_t mlpbt_count_entries(const char *dir, char *first, size_t cap)
{
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    size_t n = 0;
    const struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n++ == 0 && first != NULL)
            snprintf(first, cap, "%s", e->d_name);
    }
    closedir(dp);
    return n;
}

void mlpbt_remove_tmpdir(const char *dir)
{
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    const struct dirent *e;
    char p[PATH_MAX];
    while ((e = readdir(dp)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        mlpbt_path_in(p, sizeof p, dir, e->d_name);
        if (unlink(p) != 0)
            assert_int_equal(rmdir(p), 0);
    }
    closedir(dp);
    assert_int_equal(rmdir(dir), 0);
}

unsigned char *mlpbt_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    const long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

unsigned char *mlpbt_model_image(const mlpb_model *m, size_t *len)
{
    *len = mlpb_model_file_size(m);
    assert_true(*len > 0);
    unsigned char *buf = malloc(*len);
    assert_non_null(buf);
    assert_int_equal(mlpb_model_save_mem(m, buf, *len), MLPB_OK);
    return buf;
}
