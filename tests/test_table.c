/* test_table.c -- the typed-cell reader of the mlpblas tool (src/cli/read/table.h:
 * stream.c, table.c, read_csv.c, read_libsvm.c): raw cells, missing values,
 * string levels, header detection, chunks with line numbers, LIBSVM labels
 * and index bases, and memory bounds measured in child processes under an
 * address-space limit (never by timing). */
#include "testutil.h"
#include "read/data.h"
#include "read/table.h"
#include "read/stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static char err_buf[512];

static cli_table *open_text(const char *text, const char *name, const cli_read_opts *o)
{
    cli_read_opts def;
    cli_read_opts_init(&def);
    cli_table  *t  = NULL;
    mlpb_status st = cli_table_open_mem(text, strlen(text), name, o ? o : &def, &t, err_buf,
                                        sizeof err_buf);
    if (st != MLPB_OK)
        print_error("open %s: %s\n", name, err_buf);
    assert_int_equal(st, MLPB_OK);
    return t;
}

/* Open and read the whole text: the status, with the message in err_buf. */
static mlpb_status read_all(const char *text, const char *name, const cli_read_opts *o)
{
    cli_read_opts def;
    cli_read_opts_init(&def);
    cli_table  *t  = NULL;
    cli_chunk   c  = {0};
    mlpb_status st = cli_table_open_mem(text, strlen(text), name, o ? o : &def, &t, err_buf,
                                        sizeof err_buf);
    if (st == MLPB_OK)
        st = cli_table_read(t, 0, &c, err_buf, sizeof err_buf);
    cli_chunk_free(&c);
    cli_table_close(t);
    return st;
}

static void expect_fail(const char *text, const char *name, const cli_read_opts *o,
                        mlpb_status s, const char *msg)
{
    mlpb_status got = read_all(text, name, o);
    if (got != s || strcmp(err_buf, msg) != 0)
        print_error("input:\n%s\nexpected %d \"%s\"\n     got %d \"%s\"\n", text, (int)s, msg,
                    (int)got, err_buf);
    assert_int_equal(got, s);
    assert_string_equal(err_buf, msg);
}

static void test_table_cells_missing_and_positions(void **state)
{
    (void)state;
    cli_table *t = open_text("a,b,c\n1,,NA\n2.5,n/a,?\n-3,NaN,\"\"\n\n4,null,7\n", "m.csv", NULL);
    assert_int_equal(cli_table_ncols(t), 3);
    assert_int_equal(cli_table_header_line(t), 1);
    assert_string_equal(cli_table_column(t, 1)->name, "b");
    cli_chunk c = {0};
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.ncols, 3);
    const size_t lines[] = {2, 3, 4, 6};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(c.line[i], lines[i]);
    assert_true(c.x[0] == 1.0f && isnan(c.x[1]) && isnan(c.x[2]));
    assert_true(c.x[3] == 2.5f && c.x[6] == -3.0f && c.x[9] == 4.0f && c.x[11] == 7.0f);
    const cli_column *b = cli_table_column(t, 1), *cc = cli_table_column(t, 2);
    assert_int_equal(b->n_missing, 4);
    assert_int_equal(b->first_missing_line, 2);
    assert_int_equal(b->first_missing_col, 3);
    assert_false(b->is_string);
    assert_int_equal(cc->n_missing, 3);
    assert_int_equal(cc->first_missing_col, 4);
    assert_int_equal(cli_table_column(t, 0)->n_missing, 0);
    /* Every spelling of a missing value, in any case; near misses are text. */
    cli_table *m = open_text("m\nNA\nna\nN/A\nn/a\nnan\nNaN\nNULL\nnull\n?\n\"\"\nnul\nn/b\n"
                             "??\n", "s.csv", NULL);
    cli_chunk  mc = {0};
    assert_int_equal(cli_table_read(m, 0, &mc, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(cli_table_column(m, 0)->n_missing, 10);
    assert_int_equal(cli_table_column(m, 0)->n_levels, 3);
    assert_string_equal(cli_table_column(m, 0)->first_string_text, "nul");
    cli_chunk_free(&mc);
    cli_table_close(m);
    /* The end: an empty chunk, and again. */
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.n, 0);
    cli_chunk_free(&c);
    cli_table_close(t);
}

static void test_table_string_levels(void **state)
{
    (void)state;
    /* Numbers before the first string become levels too, by value: "1" and
     * "1.0" are one level, named by the first text. */
    cli_table *t = open_text("x,k\n1,1\n2,a\n3,1.0\n4,\n5,b\n6,2\n7,a\n", "s.csv", NULL);
    cli_chunk  c = {0};
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    const cli_column *k = cli_table_column(t, 1);
    assert_true(k->is_string);
    assert_int_equal(k->n_levels, 4);
    assert_string_equal(k->levels[0], "1");
    assert_string_equal(k->levels[1], "a");
    assert_string_equal(k->levels[2], "b");
    assert_string_equal(k->levels[3], "2");
    assert_int_equal(k->first_string_line, 3);
    assert_int_equal(k->first_string_col, 3);
    assert_string_equal(k->first_string_text, "a");
    const float want[] = {0, 1, 0, NAN, 2, 3, 1};
    for (size_t i = 0; i < 7; i++) {
        float v = c.x[i * 2 + 1];
        assert_true(isnan(want[i]) ? isnan(v) : v == want[i]);
        assert_true(c.x[i * 2] == (float)(i + 1));
    }
    assert_false(cli_table_column(t, 0)->is_string);
    cli_chunk_free(&c);
    cli_table_close(t);

    /* The cap on categories, with the cell's position. */
    cli_read_opts o;
    cli_read_opts_init(&o);
    o.max_levels = 3;
    expect_fail("k\na\nb\na\nc\nd\n", "cap.csv", &o, MLPB_E_FORMAT,
                "cap.csv:6:1: \"d\" would be category 4 of column \"k\": more than 3");
    expect_fail("k\n1\n2\n3\n4\nx\n", "cap.csv", &o, MLPB_E_FORMAT,
                "cap.csv:6:1: \"x\" in column \"k\" is not a number, and the column has more "
                "than 3 distinct numbers before it: too many to read it as categories");
    assert_int_equal(read_all("k\n1\n2\n3\n4\n5\n", "cap.csv", &o), MLPB_OK);
}

static void test_table_label_text_exactness(void **state)
{
    (void)state;
    cli_table *t = open_text("y,z\n0,1\n1,2\n1.0,3\n-0,16777217\n1e-300,0.5\n1.00000001,1e2\n",
                             "e.csv", NULL);
    cli_chunk  c = {0};
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    const cli_column *y = cli_table_column(t, 0), *z = cli_table_column(t, 1);
    /* 1e-300 reads as 0.0f and 1.00000001 as 1.0f: the text tells. */
    assert_true(c.x[8] == 0.0f && c.x[10] == 1.0f);
    assert_int_equal(y->n_not01, 2);
    assert_int_equal(y->first_not01_line, 6);
    assert_string_equal(y->first_not01_text, "1e-300");
    assert_int_equal(y->n_nonint, 2);
    assert_int_equal(z->n_nonint, 2); /* 16777217 is not held exactly; 0.5 */
    assert_int_equal(z->first_nonint_line, 5);
    assert_string_equal(z->first_nonint_text, "16777217");
    assert_int_equal(z->n_not01, 5);
    cli_chunk_free(&c);
    cli_table_close(t);
    /* And through the dense dataset: the label checks use the text. */
    cli_data      d;
    cli_data_opts o;
    cli_data_opts_init(&o);
    const char *tiny = "a,y\n1,0\n2,1e-300\n";
    assert_int_equal(cli_data_read_mem(tiny, strlen(tiny), "l.csv", &o, &d, err_buf,
                                        sizeof err_buf), MLPB_E_FORMAT);
    assert_string_equal(err_buf, "l.csv:3:3: label \"y\" must be 0 or 1, not 1e-300");
    const char *near1 = "a,y\n1,1.00000001\n";
    assert_int_equal(cli_data_read_mem(near1, strlen(near1), "l.csv", &o, &d, err_buf,
                                        sizeof err_buf), MLPB_E_FORMAT);
    assert_string_equal(err_buf, "l.csv:2:3: label \"y\" must be 0 or 1, not 1.00000001");
}

static uint64_t exact_rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z          = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The cell parse finds the number and its exactness in one pass: the
 * number is strtof's, bit for bit, and the flag cli_text_is_exact_int's,
 * for short and long mantissas with and without fractions (zero and
 * nonzero), exponents and signs. */
static void test_table_number_exactness_one_pass(void **state)
{
    (void)state;
    static const char *const special[] = {
        "1.0", "1.000", "10.50", "16777216", "16777217", "16777216.0", "-0.0", "0e5",
        "1.0e1", "1.5e1", "12.0e-1", "100e-2", "9999999999", "1e10", "0.0000000001",
        "123456.7890", "8388608.5", "16777215.0", "00012.000", "1e0", "5."};
    uint64_t r = 5;
    char     buf[64];
    for (size_t i = 0; i < 200000; i++) {
        const char *text = buf;
        if (i < sizeof special / sizeof special[0]) {
            text = special[i];
        } else {
            uint64_t u = exact_rng(&r);
            size_t   n = 0;
            int digits = 1 + (int)(u % 12), point = (int)((u >> 8) % (uint64_t)(digits + 2));
            if ((u >> 16) & 1)
                buf[n++] = '-';
            for (int k = 0; k < digits; k++) {
                if (k == point && k > 0)
                    buf[n++] = '.';
                /* Zeros often, so that fractions of zeros come up. */
                uint64_t v = exact_rng(&r) % 16;
                buf[n++]   = (char)('0' + (v >= 10 ? 0 : v));
            }
            if ((u >> 20) % 4 == 0)
                n += (size_t)sprintf(buf + n, "e%d", (int)((u >> 24) % 25) - 12);
            buf[n] = '\0';
        }
        float v = 0.0f;
        int   exact = -1;
        assert_int_equal(cli_text_to_float_ex(text, &v, &exact), 0);
        float want = strtof(text, NULL);
        if (memcmp(&v, &want, sizeof v) != 0 || exact != cli_text_is_exact_int(text, want))
            print_error("\"%s\": %.9g exact %d, want %.9g exact %d\n", text, (double)v, exact,
                        (double)want, cli_text_is_exact_int(text, want));
        assert_memory_equal(&v, &want, sizeof v);
        assert_int_equal(exact, cli_text_is_exact_int(text, want));
    }
}

/* Header names as pandas reads them back; R's dialects. */
static void test_table_names_repaired(void **state)
{
    (void)state;
    cli_read_opts o;
    cli_read_opts_init(&o);
    /* pandas' to_csv() with repeated and empty names; pandas 1.5 reads the
     * header back as these names. */
    cli_table *t = open_text(",a,b,a,,a.1,a\n0,1,2,3,4,5,6\n", "n.csv", &o);
    const char *want[] = {"Unnamed: 0", "a", "b", "a.2", "Unnamed: 4", "a.1", "a.3"};
    for (size_t j = 0; j < 7; j++) {
        assert_string_equal(cli_table_column(t, j)->name, want[j]);
        assert_int_equal(cli_table_find(t, want[j], strlen(want[j])), (long)j);
    }
    assert_int_equal(cli_table_find(t, "a.4", 3), -1);
    assert_int_equal(cli_table_find(t, "", 0), -1);
    assert_int_equal(cli_table_index_column(t), 0);
    assert_int_equal(cli_table_renamed(t), 4);
    cli_table_close(t);
    /* R's write.table: ' ' between quoted names, one fewer than the rows. */
    t = open_text("\"x\" \"y\"\n\"1\" 5.5 \"a\"\n\"2\" 4 \"b\"\n", "r.txt", &o);
    assert_int_equal(cli_table_delimiter(t), ' ');
    assert_int_equal(cli_table_ncols(t), 3);
    assert_string_equal(cli_table_column(t, 0)->name, "Unnamed: 0");
    assert_int_equal(cli_table_index_column(t), 0);
    cli_table_close(t);
    /* A comma-separated header one short is a ragged file, not row names. */
    expect_fail("x,y\n1,2,3\n", "c.csv", &o, MLPB_E_FORMAT,
                "c.csv:2:5: too many fields: expected 2, as on line 1");
    /* A decimal comma, detected beside ';' (and a note's flag), or asked for. */
    t = open_text("a;b\n1;2,5\n", "d.csv", &o);
    int det = 0;
    assert_int_equal(cli_table_decimal(t, &det), ',');
    assert_int_equal(det, 1);
    cli_chunk c = {0};
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_true(c.x[1] == 2.5f);
    assert_int_equal(cli_table_column(t, 1)->is_string, 0);
    cli_chunk_free(&c);
    cli_table_close(t);
    o.decimal = '.';
    t         = open_text("a;b\n1;2,5\n", "d.csv", &o);
    assert_int_equal(cli_table_decimal(t, &det), '.');
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(cli_table_column(t, 1)->is_string, 1);
    cli_chunk_free(&c);
    cli_table_close(t);
    o.decimal   = ',';
    o.delimiter = ',';
    assert_int_equal(cli_table_open_mem("a\n", 2, "d.csv", &o, &t, err_buf, sizeof err_buf),
                     MLPB_E_INVALID_ARG);
}

/* A header of 2^20 names, half of them one repeated name: repaired and
 * each found through the index in O(1). A pairwise scan (10^12 steps)
 * would run into the test's time limit. */
static void test_table_names_many(void **state)
{
    (void)state;
    const size_t n   = (size_t)1 << 20;
    size_t       cap = n * 12 + 64, len = 0;
    char        *text = malloc(cap);
    assert_non_null(text);
    for (size_t j = 0; j < n; j++)
        len += (size_t)snprintf(text + len, cap - len, j % 2 ? "c%zu," : "x,", j);
    text[len - 1] = '\n';
    for (size_t j = 0; j < n; j++)
        len += (size_t)snprintf(text + len, cap - len, "1%c", j + 1 < n ? ',' : '\n');
    cli_read_opts o;
    cli_read_opts_init(&o);
    cli_table *t = NULL;
    assert_int_equal(cli_table_open_mem(text, len, "w.csv", &o, &t, err_buf, sizeof err_buf),
                     MLPB_OK);
    assert_int_equal(cli_table_ncols(t), n);
    assert_int_equal(cli_table_renamed(t), n / 2 - 1);
    char name[32];
    for (size_t j = 0; j < n; j++) {
        const char *nm = cli_table_column(t, j)->name;
        if (j % 2) {
            snprintf(name, sizeof name, "c%zu", j);
        } else if (j == 0) {
            snprintf(name, sizeof name, "x");
        } else {
            snprintf(name, sizeof name, "x.%zu", j / 2);
        }
        if (strcmp(nm, name) != 0)
            print_error("column %zu: \"%s\", want \"%s\"\n", j, nm, name);
        assert_string_equal(nm, name);
        assert_int_equal(cli_table_find(t, nm, strlen(nm)), (long)j);
    }
    cli_table_close(t);
    free(text);
}

static void test_table_header_detection(void **state)
{
    (void)state;
    cli_read_opts o;
    cli_read_opts_init(&o);
    cli_table *t = NULL;
    const char *nums = "1,2,3\n4,5,6\n";
    assert_int_equal(cli_table_open_mem(nums, strlen(nums), "h.csv", &o, &t, err_buf,
                                        sizeof err_buf), MLPB_E_FORMAT);
    assert_null(t);
    assert_string_equal(err_buf, "h.csv:1:1: the first line holds numbers only, not column "
                                 "names: if the file has no header, use --no-header");
    /* Without a header: columns 1..n, and the first line is data. */
    o.header = CLI_HEADER_NO;
    t        = open_text(nums, "h.csv", &o);
    assert_string_equal(cli_table_column(t, 2)->name, "3");
    assert_int_equal(cli_table_header_line(t), 0);
    cli_chunk c = {0};
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.n, 2);
    assert_true(c.x[0] == 1.0f && c.x[5] == 6.0f);
    assert_int_equal(c.line[0], 1);
    cli_chunk_free(&c);
    cli_table_close(t);
    /* Forced: the numbers are names. */
    o.header = CLI_HEADER_YES;
    t        = open_text(nums, "h.csv", &o);
    assert_string_equal(cli_table_column(t, 0)->name, "1");
    cli_table_close(t);
    /* A missing name does not make a header of numbers; names do. */
    cli_read_opts_init(&o);
    expect_fail("1,,3\n4,5,6\n", "h.csv", &o, MLPB_E_FORMAT,
                "h.csv:1:1: the first line holds numbers only, not column names: if the file "
                "has no header, use --no-header");
    assert_int_equal(read_all("a,b2\n4,5\n", "h.csv", &o), MLPB_OK);
    /* A number over a number is data, not a name (a header-less file whose
     * label is text); consecutive integers beside a name or over an index
     * are pandas' names of an unnamed frame's columns. */
    expect_fail("a,2\n4,5\n", "h.csv", &o, MLPB_E_FORMAT,
                "h.csv:1:3: the first line looks like data, not column names: \"2\" is a "
                "number over a column of numbers (\"5\" on line 2); if the file has no "
                "header, use --no-header (or --header to keep the line as names)");
    expect_fail("5.1,3.5,setosa\n4.9,3.0,setosa\n", "h.csv", &o, MLPB_E_FORMAT,
                "h.csv:1:1: the first line looks like data, not column names: \"5.1\" is a "
                "number over a column of numbers (\"4.9\" on line 2); if the file has no "
                "header, use --no-header (or --header to keep the line as names)");
    assert_int_equal(read_all("0,1,2,y\n4,5,6,a\n", "h.csv", &o), MLPB_OK);
    assert_int_equal(read_all(",0,1,2\n0,4,5,6\n", "h.csv", &o), MLPB_OK);
    /* A LIBSVM file read as CSV says so. */
    expect_fail("# comment\n+1 1:0.5 3:2\n", "x.csv", &o, MLPB_E_FORMAT,
                "x.csv:2:1: this looks like LIBSVM (LABEL INDEX:VALUE ...), not CSV: "
                "try --format libsvm");
    /* And the other way. */
    o.format = CLI_FORMAT_LIBSVM;
    expect_fail("a,b,c\n1,2,3\n", "x.svm", &o, MLPB_E_FORMAT,
                "x.svm:1:1: \"a,b,c\" is a list of class ids, in a file read as binary: use "
                "--multilabel for multi-label data (or --format csv if it is CSV)");
}

static void test_table_chunks(void **state)
{
    (void)state;
    char   text[4096];
    size_t len = (size_t)sprintf(text, "id,v\n");
    for (int i = 0; i < 10; i++)
        len += (size_t)sprintf(text + len, "%s%d,%s\n", i == 4 ? "# skip\n" : "", i,
                               i == 7 ? "q" : "1");
    cli_table *t = open_text(text, "c.csv", NULL);
    cli_chunk  c = {0};
    size_t     total = 0, reads = 0;
    for (;;) {
        assert_int_equal(cli_table_read(t, 3, &c, err_buf, sizeof err_buf), MLPB_OK);
        if (c.n == 0)
            break;
        assert_true(c.n <= 3);
        for (size_t i = 0; i < c.n; i++) {
            const size_t row = total + i;
            assert_true(c.x[i * 2] == (float)row);
            assert_int_equal(c.line[i], row + 2 + (row >= 4));
            /* Column v turns string in the third chunk (row 7): cells are
             * level indices from that chunk on. */
            if (reads < 2)
                assert_true(c.x[i * 2 + 1] == 1.0f);
            else
                assert_true(c.x[i * 2 + 1] == (row == 7 ? 1.0f : 0.0f));
        }
        if (reads >= 2)
            assert_true(cli_table_column(t, 1)->is_string);
        else
            assert_false(cli_table_column(t, 1)->is_string);
        total += c.n;
        reads++;
    }
    assert_int_equal(total, 10);
    assert_int_equal(reads, 4);
    cli_chunk_free(&c);
    cli_table_close(t);

    /* Declared categories: every cell a level; closed ones count the unseen. */
    t = open_text("k,x\nred,1\nblue,2\n3,3\ngreen,4\n", "k.csv", NULL);
    const char *levels[] = {"blue", "red", "3"};
    assert_int_equal(cli_table_set_levels(t, 0, levels, 3, 1), MLPB_OK);
    assert_int_equal(cli_table_set_levels(t, 5, levels, 3, 1), MLPB_E_INVALID_ARG);
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(cli_table_set_levels(t, 0, levels, 3, 1), MLPB_E_INVALID_ARG);
    assert_true(c.x[0] == 1.0f && c.x[2] == 0.0f);
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_true(c.x[0] == 2.0f && c.x[2] == -1.0f);
    assert_int_equal(cli_table_column(t, 0)->n_unseen, 1);
    assert_int_equal(cli_table_column(t, 0)->n_levels, 3);
    assert_true(cli_table_column(t, 0)->declared && !cli_table_column(t, 1)->declared);
    cli_chunk_free(&c);
    cli_table_close(t);

    /* Open, with no level given (train --categorical): numbers become
     * levels too, keyed by value, named by their first text. */
    t = open_text("k,x\n4,1\n6,2\n4.0,3\nnone,4\n", "k.csv", NULL);
    assert_int_equal(cli_table_set_levels(t, 0, levels, 0, 0), MLPB_OK);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_true(c.x[0] == 0.0f && c.x[2] == 1.0f && c.x[4] == 0.0f && c.x[6] == 2.0f);
    assert_int_equal(cli_table_column(t, 0)->n_levels, 3);
    assert_string_equal(cli_table_column(t, 0)->levels[0], "4");
    assert_true(cli_table_column(t, 0)->declared);
    cli_chunk_free(&c);
    cli_table_close(t);

    /* A list refused part-way (a repeated level; the memory limit) leaves
     * the column undeclared, not holding the levels before the refusal --
     * also where an earlier call had declared it. */
    const char *twice[] = {"blue", "red", "blue"};
    t = open_text("k,x\nred,1\n", "k.csv", NULL);
    assert_int_equal(cli_table_set_levels(t, 0, levels, 3, 1), MLPB_OK);
    assert_int_equal(cli_table_set_levels(t, 0, twice, 3, 1), MLPB_E_INVALID_ARG);
    assert_int_equal(cli_table_column(t, 0)->n_levels, 0);
    assert_false(cli_table_column(t, 0)->is_string);
    assert_false(cli_table_column(t, 0)->declared);
    cli_table_close(t);
    enum { BIG = 400, LEN = 1000 };
    char *lvtext = malloc((size_t)BIG * (LEN + 1));
    const char **many = malloc(BIG * sizeof *many);
    assert_true(lvtext != NULL && many != NULL);
    for (size_t i = 0; i < BIG; i++) {
        char *s = lvtext + i * (LEN + 1);
        memset(s, 'a', LEN);
        snprintf(s, LEN, "level%zu", i); /* distinct; the rest stays 'a' */
        s[strlen(s)] = 'a';
        s[LEN] = '\0';
        many[i] = s;
    }
    cli_read_opts small;
    cli_read_opts_init(&small);
    small.max_bytes = 200000; /* the table's own buffers fit; 400 kB of levels do not */
    t = open_text("k,x\nred,1\n", "k.csv", &small);
    assert_int_equal(cli_table_set_levels(t, 0, many, BIG, 1), MLPB_E_NOMEM);
    assert_int_equal(cli_table_column(t, 0)->n_levels, 0);
    assert_false(cli_table_column(t, 0)->is_string);
    /* The column then reads as an undeclared one: "red" is text. */
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.n, 1);
    assert_true(cli_table_column(t, 0)->is_string);
    cli_chunk_free(&c);
    cli_table_close(t);
    free(many);
    free(lvtext);
}

static void test_table_libsvm(void **state)
{
    (void)state;
    cli_read_opts o;
    cli_read_opts_init(&o);
    o.format = CLI_FORMAT_LIBSVM;
    /* scikit-learn's dump_svmlight_file writes 0-based indices: detected. */
    cli_table *t = open_text("1 0:1.5 2:2\n0 1:3\n", "z.svm", &o);
    cli_chunk  c = {0};
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.ncols, 3);
    assert_true(cli_table_zero_based(t));
    const float x[] = {1.5f, 0, 2, 0, 3, 0};
    for (size_t i = 0; i < 6; i++)
        assert_true(c.x[i] == x[i]);
    assert_true(c.y[0] == 1.0f && c.y[1] == 0.0f && c.k == 1);
    assert_int_equal(c.line[1], 2);
    char nb[CLI_NAME_BUF];
    assert_string_equal(cli_table_name(t, 2, nb, sizeof nb), "3");
    cli_table_close(t);
    /* Without a 0, 1-based; given, 0-based. */
    t = open_text("1 1:1 3:1\n", "o.svm", &o);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.ncols, 3);
    assert_false(cli_table_zero_based(t));
    cli_table_close(t);
    o.base = CLI_BASE_ZERO;
    t      = open_text("1 1:1 3:1\n", "o.svm", &o);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.ncols, 4);
    cli_table_close(t);
    /* A model's d: an index beyond it is an error (0-based: d itself). */
    o.n_features = 3;
    expect_fail("1 0:1\n0 3:1\n", "d.svm", &o, MLPB_E_FORMAT,
                "d.svm:2:3: feature index 3 beyond the 3 features (0-based)");
    o.base = CLI_BASE_DETECT;
    expect_fail("1 3:1\n0 0:1\n", "d.svm", &o, MLPB_E_FORMAT,
                "d.svm:1:3: feature index 3 beyond the 3 features (the file is 0-based)");
    expect_fail("1 4:1\n", "d.svm", &o, MLPB_E_FORMAT,
                "d.svm:1:3: feature index 4 beyond the 3 features");
    /* Chunks need d; an index 0 after 1-based chunks is an error. */
    o.n_features = 0;
    t            = open_text("1 1:1\n", "k.svm", &o);
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_E_INVALID_ARG);
    cli_table_close(t);
    o.n_features = 3;
    t            = open_text("1 1:1\n0 2:1\n1 0:1\n", "k.svm", &o);
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_E_FORMAT);
    assert_string_equal(err_buf, "k.svm:3:3: feature index 0 after rows read as 1-based: "
                                 "give --zero-based for a 0-based file");
    cli_table_close(t);
    /* Multi-label with the model's class count; labels ignored. */
    o.multilabel = 1;
    o.n_classes  = 3;
    t            = open_text("0,2 1:1\n 2:1\n", "m.svm", &o);
    assert_int_equal(cli_table_read(t, 1, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.k, 3);
    assert_true(c.y[0] == 1.0f && c.y[1] == 0.0f && c.y[2] == 1.0f);
    assert_int_equal(cli_table_read(t, 1, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_true(c.y[0] == 0.0f && c.y[1] == 0.0f && c.y[2] == 0.0f && c.x[1] == 1.0f);
    cli_table_close(t);
    o.multilabel    = 0;
    o.ignore_labels = 1;
    t               = open_text("7 1:1\n2:5\n", "i.svm", &o);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.k, 0);
    assert_int_equal(c.n, 2);
    assert_true(c.x[4] == 5.0f);
    cli_table_close(t);
    cli_chunk_free(&c);
}

static void test_table_budgets(void **state)
{
    (void)state;
    cli_read_opts o;
    cli_read_opts_init(&o);
    char  *text = malloc(1 << 20);
    size_t len  = (size_t)sprintf(text, "a,b,c,d\n");
    while (len < (1 << 20) - 64)
        len += (size_t)sprintf(text + len, "1,2,3,4\n");
    /* 131071 rows x 4 floats + a line number each: over 2 MB, refused at
     * 1 MB with what it would take. */
    o.max_bytes    = 1000000;
    cli_table  *t  = NULL;
    cli_chunk   c  = {0};
    assert_int_equal(cli_table_open_mem(text, len, "b.csv", &o, &t, err_buf, sizeof err_buf),
                     MLPB_OK);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_E_NOMEM);
    assert_non_null(strstr(err_buf, "fill the memory limit of 1.0 MiB"));
    assert_true(c.cap_x * 4 + c.cap_line * 8 <= 1000000);
    /* Only close is allowed after an error. */
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_E_INVALID_ARG);
    cli_table_close(t);
    /* Chunks of 1000 rows fit. */
    cli_chunk_free(&c);
    assert_int_equal(cli_table_open_mem(text, len, "b.csv", &o, &t, err_buf, sizeof err_buf),
                     MLPB_OK);
    size_t rows = 0;
    while (cli_table_read(t, 1000, &c, err_buf, sizeof err_buf) == MLPB_OK && c.n > 0) {
        rows += c.n;
        /* Memory independent of the file's length: one chunk's worth. */
        assert_true(c.cap_x <= 1000 * 4 && c.cap_line <= 1000);
    }
    assert_int_equal(rows, (len - 8) / 8);
    cli_table_close(t);
    cli_chunk_free(&c);
    /* 100 000 one-letter names: 200 kB of header, ~30 MB of column state,
     * refused before it is allocated. */
    char *wide = malloc(200001);
    for (size_t j = 0; j < 100000; j++)
        memcpy(wide + 2 * j, j + 1 < 100000 ? "a," : "a\n", 2);
    cli_read_opts_init(&o);
    o.max_bytes = 1000000;
    assert_int_equal(cli_table_open_mem(wide, 200000, "w.csv", &o, &t, err_buf, sizeof err_buf),
                     MLPB_E_NOMEM);
    assert_null(t);
    assert_non_null(strstr(err_buf, "w.csv:1:1: reading the columns of this line needs more than the "
                                    "memory limit of 1.0 MiB"));
    free(wide);
    /* The text budget. */
    cli_read_opts_init(&o);
    o.max_text_bytes = 1000;
    assert_int_equal(cli_table_open_mem(text, len, "b.csv", &o, &t, err_buf, sizeof err_buf),
                     MLPB_E_NOMEM);
    assert_string_equal(err_buf, "b.csv: more than 1000 bytes of text, the limit of this read");
    free(text);
}

/* text gzip-compressed into buf (cap bytes); returns the length. */
static size_t gz_mem(const char *text, unsigned char *buf, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in   = (unsigned char *)(uintptr_t)text;
    z.avail_in  = (uInt)strlen(text);
    z.next_out  = buf;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return n;
}

static void test_table_gzip_members_and_damage(void **state)
{
    (void)state;
    unsigned char buf[512];
    /* Two members, as `cat a.gz b.gz` makes: one stream of rows. */
    size_t n = gz_mem("a,y\n1,0\n", buf, sizeof buf);
    n += gz_mem("2,1\n3,0\n", buf + n, sizeof buf - n);
    cli_read_opts o;
    cli_read_opts_init(&o);
    cli_table *t = NULL;
    cli_chunk  c = {0};
    assert_int_equal(cli_table_open_mem(buf, n, "m.csv.gz", &o, &t, err_buf, sizeof err_buf),
                     MLPB_OK);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.n, 3);
    assert_true(c.x[4] == 3.0f && c.line[2] == 4);
    cli_table_close(t);
    cli_chunk_free(&c);
    /* Truncated, damaged, and followed by junk: read errors, never short data. */
    n = gz_mem("a,y\n1,0\n2,1\n", buf, sizeof buf);
    assert_int_equal(cli_table_open_mem(buf, n - 6, "t.csv.gz", &o, &t, err_buf, sizeof err_buf),
                     MLPB_OK);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_E_IO);
    assert_string_equal(err_buf, "t.csv.gz: read error: gzip data truncated");
    cli_table_close(t);
    buf[12] ^= 0x55;
    mlpb_status st = cli_table_open_mem(buf, n, "d.csv.gz", &o, &t, err_buf, sizeof err_buf);
    if (st == MLPB_OK)
        st = cli_table_read(t, 0, &c, err_buf, sizeof err_buf);
    assert_true(st == MLPB_E_IO || st == MLPB_E_FORMAT);
    if (st == MLPB_E_IO)
        assert_non_null(strstr(err_buf, "d.csv.gz: read error: gzip data"));
    cli_table_close(t);
    buf[12] ^= 0x55;
    memcpy(buf + n, "junk", 4);
    assert_int_equal(cli_table_open_mem(buf, n + 4, "j.csv.gz", &o, &t, err_buf, sizeof err_buf),
                     MLPB_OK);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_E_IO);
    assert_string_equal(err_buf, "j.csv.gz: read error: bytes after the end of the gzip data");
    cli_table_close(t);
    cli_chunk_free(&c);
}

/* ------------------------------------------------------- memory bounds */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif

#ifndef SANITIZED
/* Valgrind runs the test in an address space of its own making, which a
 * limit on it breaks: the bounds are measured outside valgrind only. */
static int under_valgrind(void)
{
    const char *p = getenv("LD_PRELOAD");
    return p != NULL && strstr(p, "vgpreload") != NULL;
}

static size_t address_space_now(void)
{
    FILE         *f     = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f != NULL) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

typedef struct bounded {
    int    status; /* -1: the child died */
    size_t n, d;
    long   maxrss_kb;
    char   err[256];
} bounded;

/* Read path (or text) through the dense dataset in a child whose address
 * space may grow by extra_mb; report its status and peak RSS. */
static bounded read_bounded(const char *path, const char *text, size_t len,
                            const cli_data_opts *o, size_t extra_mb)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        bounded out;
        memset(&out, 0, sizeof out);
        out.status = 100;
        const rlim_t        cap = (rlim_t)(address_space_now() + (extra_mb << 20));
        const struct rlimit lim = {cap, cap};
        cli_data           d;
        if (address_space_now() > 0 && setrlimit(RLIMIT_AS, &lim) == 0) {
            out.status = (int)(path ? cli_data_read(path, o, &d, out.err, sizeof out.err)
                                    : cli_data_read_mem(text, len, "mem", o, &d, out.err,
                                                         sizeof out.err));
            out.n = d.n;
            out.d = d.d;
            cli_data_free(&d);
        }
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        out.maxrss_kb = ru.ru_maxrss;
        if (write(fds[1], &out, sizeof out) != (ssize_t)sizeof out)
            _exit(2);
        _exit(0);
    }
    close(fds[1]);
    bounded       got;
    const ssize_t r = read(fds[0], &got, sizeof got);
    close(fds[0]);
    int wst;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    if (r != (ssize_t)sizeof got || !WIFEXITED(wst) || WEXITSTATUS(wst) != 0)
        got.status = -1;
    return got;
}
#endif

/* "1 4000000:1" is 12 bytes: 16 MB of floats densely, and no names (they
 * took ~24 bytes a feature, ~100 MB here). */
static void test_table_bound_wide_index(void **state)
{
    (void)state;
#ifdef SANITIZED
    skip();
#else
    if (under_valgrind())
        skip();
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.format     = CLI_FORMAT_LIBSVM;
    bounded r    = read_bounded(NULL, "1 4000000:1\n", 12, &o, 40);
    print_message("1 4000000:1: status %d, d %zu, peak RSS %ld kB, within 40 MB more\n",
                  r.status, r.d, r.maxrss_kb);
    assert_int_equal(r.status, MLPB_OK);
    assert_int_equal(r.d, 4000000);
    assert_true(r.maxrss_kb < 40 * 1024);
#endif
}

/* 600 bytes of label-only rows against a model of 4 000 000 inputs (eval,
 * predict): 4.8 GB densely, refused by the density rule at a small peak. */
static void test_table_bound_empty_rows_wide_model(void **state)
{
    (void)state;
#ifdef SANITIZED
    skip();
#else
    if (under_valgrind())
        skip();
    char text[601];
    for (int i = 0; i < 300; i++)
        memcpy(text + 2 * i, "0\n", 2);
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.format     = CLI_FORMAT_LIBSVM;
    o.n_features = 4000000;
    bounded r    = read_bounded(NULL, text, 600, &o, 64);
    print_message("300 empty rows, d 4e6: status %d, peak RSS %ld kB: %s\n", r.status,
                  r.maxrss_kb, r.err);
    assert_int_equal(r.status, MLPB_E_FORMAT);
    assert_non_null(strstr(r.err, "too sparse to expand densely"));
    assert_true(r.maxrss_kb < 32 * 1024);
#endif
}

/* A gzip bomb: 200 MB of "0,1\n" in ~200 kB. With a 64 MB budget it fails
 * with a message, at a peak near the budget; with a text budget earlier. */
static void test_table_bound_gzip_bomb(void **state)
{
    (void)state;
#ifdef SANITIZED
    skip();
#else
    if (under_valgrind())
        skip();
    const char *path = "test_table_bomb.csv.gz";
    gzFile      f    = gzopen(path, "wb9");
    assert_non_null(f);
    char *block = malloc(1 << 20);
    assert_non_null(block);
    memcpy(block, "a,y\n", 4);
    for (size_t i = 4; i < (1 << 20); i += 4)
        memcpy(block + i, "0,1\n", 4);
    for (int i = 0; i < 200; i++)
        assert_int_equal(gzwrite(f, i ? block : block, 1 << 20), 1 << 20);
    assert_int_equal(gzclose(f), Z_OK);
    memcpy(block, "0,1\n", 4);
    free(block);
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.max_bytes = (uint64_t)64 << 20;
    bounded r   = read_bounded(path, NULL, 0, &o, 160);
    print_message("200 MB gzip bomb, 64 MB budget: status %d, peak RSS %ld kB: %s\n",
                  r.status, r.maxrss_kb, r.err);
    assert_int_equal(r.status, MLPB_E_NOMEM);
    assert_non_null(strstr(r.err, "fill the memory limit of 64.0 MiB"));
    assert_true(r.maxrss_kb < 100 * 1024);
    cli_data_opts_init(&o);
    o.max_text_bytes = (uint64_t)8 << 20;
    r                = read_bounded(path, NULL, 0, &o, 160);
    print_message("200 MB gzip bomb, 8 MB of text: status %d, peak RSS %ld kB: %s\n",
                  r.status, r.maxrss_kb, r.err);
    assert_int_equal(r.status, MLPB_E_NOMEM);
    assert_non_null(strstr(r.err, "bytes of text once decompressed"));
    assert_true(r.maxrss_kb < 100 * 1024);
    unlink(path);
#endif
}

/* train's read: the columns are the features that occur (compact), by both
 * ways of mapping (a lookup table over a small index range, a sorted copy
 * for a sparse one); eval's and predict's: by a model's feature numbers,
 * other indices dropped and counted. */
static void test_table_libsvm_features(void **state)
{
    (void)state;
    cli_read_opts o;
    cli_read_opts_init(&o);
    o.format  = CLI_FORMAT_LIBSVM;
    o.compact = 1;
    cli_chunk       c = {0};
    size_t          nf;
    char            nb[CLI_NAME_BUF];
    const char     *texts[] = {"1 3:1 7:2\n0 3:5 9:1\n1\n",          /* table */
                               "1 3:1 7:2\n0 3:5 9000000:1\n1\n"};   /* sorted */
    const uint32_t  want[2][3] = {{3, 7, 9}, {3, 7, 9000000}};
    for (int v = 0; v < 2; v++) {
        cli_table *t = open_text(texts[v], "c.svm", &o);
        assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
        assert_int_equal(c.n, 3);
        assert_int_equal(c.ncols, 3);
        const uint32_t *f = cli_table_features(t, &nf);
        assert_non_null(f);
        assert_int_equal(nf, 3);
        for (size_t j = 0; j < 3; j++)
            assert_int_equal(f[j], want[v][j]);
        const float x[9] = {1, 2, 0, 5, 0, 1, 0, 0, 0};
        for (size_t i = 0; i < 9; i++)
            assert_true(c.x[i] == x[i]);
        assert_string_equal(cli_table_name(t, 2, nb, sizeof nb),
                            v ? "9000000" : "9");
        cli_table_close(t);
    }
    /* 0-based: feature numbers are index + 1. */
    o.base       = CLI_BASE_DETECT;
    cli_table *t = open_text("1 0:1 4:2\n", "z.svm", &o);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    const uint32_t *f = cli_table_features(t, &nf);
    assert_int_equal(nf, 2);
    assert_int_equal(f[0], 1);
    assert_int_equal(f[1], 5);
    cli_table_close(t);
    /* The 12-byte file: one column, not 4000000. */
    t = open_text("1 4000000:1\n", "w.svm", &o);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.ncols, 1);
    assert_int_equal(cli_table_features(t, &nf)[0], 4000000);
    cli_table_close(t);
    /* Without compact: 1..the largest, no list. */
    o.compact = 0;
    t         = open_text("1 3:1\n", "p.svm", &o);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.ncols, 3);
    assert_null(cli_table_features(t, &nf));
    cli_table_close(t);

    /* By a model's list, in chunks of 2: 8 and 11 are dropped, counted. */
    static const uint32_t feat[] = {3, 7, 9000000};
    cli_read_opts_init(&o);
    o.format       = CLI_FORMAT_LIBSVM;
    o.n_features   = 3;
    o.features     = feat;
    o.drop_unknown = 1;
    t = open_text("1 3:1 8:4 9000000:2\n0 7:5\n1 11:1\n", "m.svm", &o);
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.n, 2);
    const float x1[6] = {1, 0, 2, 0, 5, 0};
    for (size_t i = 0; i < 6; i++)
        assert_true(c.x[i] == x1[i]);
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.n, 1);
    assert_true(c.x[0] == 0 && c.x[1] == 0 && c.x[2] == 0);
    size_t line, idx;
    assert_int_equal(cli_table_dropped(t, &line, &idx), 2);
    assert_int_equal(line, 1);
    assert_int_equal(idx, 8);
    assert_string_equal(cli_table_name(t, 2, nb, sizeof nb), "9000000");
    cli_table_close(t);
    /* 0-based against the list: index 2 is feature 3. */
    o.base = CLI_BASE_ZERO;
    t      = open_text("1 2:1 6:3\n", "m0.svm", &o);
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_true(c.x[0] == 1 && c.x[1] == 3 && c.x[2] == 0);
    assert_int_equal(cli_table_dropped(t, NULL, NULL), 0);
    cli_table_close(t);
    /* Positional (a model without a list), dropping beyond d. */
    o.features = NULL;
    o.base     = CLI_BASE_DETECT;
    t          = open_text("1 1:1 5:1\n", "p.svm", &o);
    assert_int_equal(cli_table_read(t, 2, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_true(c.x[0] == 1 && c.x[1] == 0 && c.x[2] == 0);
    assert_int_equal(cli_table_dropped(t, NULL, &idx), 1);
    assert_int_equal(idx, 5);
    cli_table_close(t);
    /* A list without its count is refused. */
    o.features   = feat;
    o.n_features = 0;
    cli_table *bad = (cli_table *)1;
    assert_int_equal(cli_table_open_mem("1 1:1\n", 6, "b.svm", &o, &bad, err_buf,
                                        sizeof err_buf), MLPB_E_INVALID_ARG);
    assert_null(bad);
    cli_chunk_free(&c);
}

/* Numbers below the float range read as the nearest float (a subnormal,
 * or a signed 0), those above it are refused; the reference is computed in
 * double from the subnormal spacing 2^-149. */
static void test_table_float_range_edges(void **state)
{
    (void)state;
    const double ulp = ldexp(1.0, -149);
    static const char *const texts[] = {"1e-40", "8e-46", "1.17e-38", "-3.3e-42"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        float  v      = 1.0f;
        double want_d = strtod(texts[i], NULL);
        want_d        = nearbyint(want_d / ulp) * ulp; /* subnormal: a multiple of 2^-149 */
        assert_int_equal(cli_text_to_float(texts[i], &v), 0);
        assert_true((double)v == want_d);
        assert_true(v != 0.0f);
    }
    float v = 1.0f;
    assert_int_equal(cli_text_to_float("1e-46", &v), 0);
    assert_true(v == 0.0f && !signbit(v));
    assert_int_equal(cli_text_to_float("-1e-46", &v), 0);
    assert_true(v == 0.0f && signbit(v));
    assert_int_equal(cli_text_to_float("1e39", &v), 2);
    assert_int_equal(cli_text_to_float("-1e39", &v), 2);
    /* A cell and a label: the cell reads as the nearest float, the label
     * is refused (exactly 0 or 1 as written). */
    cli_table *t = open_text("a,y\n1e-46,0\n1e-40,1\n", "u.csv", NULL);
    assert_non_null(t);
    cli_chunk c;
    memset(&c, 0, sizeof c);
    assert_int_equal(cli_table_read(t, 0, &c, err_buf, sizeof err_buf), MLPB_OK);
    assert_int_equal(c.n, 2);
    assert_true(c.x[0] == 0.0f);
    assert_true((double)c.x[2] == nearbyint(1e-40 / ulp) * ulp);
    cli_chunk_free(&c);
    cli_table_close(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_cells_missing_and_positions),
        cmocka_unit_test(test_table_string_levels),
        cmocka_unit_test(test_table_label_text_exactness),
        cmocka_unit_test(test_table_number_exactness_one_pass),
        cmocka_unit_test(test_table_header_detection),
        cmocka_unit_test(test_table_names_repaired),
        cmocka_unit_test(test_table_names_many),
        cmocka_unit_test(test_table_chunks),
        cmocka_unit_test(test_table_libsvm),
        cmocka_unit_test(test_table_libsvm_features),
        cmocka_unit_test(test_table_budgets),
        cmocka_unit_test(test_table_gzip_members_and_damage),
        cmocka_unit_test(test_table_bound_wide_index),
        cmocka_unit_test(test_table_bound_empty_rows_wide_model),
        cmocka_unit_test(test_table_bound_gzip_bomb),
        cmocka_unit_test(test_table_float_range_edges),
    };
    return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
