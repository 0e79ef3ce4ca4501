/* test_data.c -- the CSV and LIBSVM readers of the mlpblas tool (src/cli/read/data.c):
 * values, names, quoting, line ends, comments, delimiters, gzip, and every
 * error with its exact FILE:LINE:COLUMN. */
#include "testutil.h"
#include "read/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char err_buf[512];

/* Read text as a file named name with options o (NULL: defaults). */
static mlpb_status rd_named(const char *text, const char *name, const cli_data_opts *o,
                            cli_data *d)
{
    cli_data_opts def;
    cli_data_opts_init(&def);
    return cli_data_read_mem(text, strlen(text), name, o ? o : &def, d, err_buf,
                              sizeof err_buf);
}

static mlpb_status rd(const char *text, const cli_data_opts *o, cli_data *d)
{
    return rd_named(text, "t.csv", o, d);
}

/* The read must fail with status s and exactly this message. */
static void expect_error(const char *text, const char *name, const cli_data_opts *o,
                         mlpb_status s, const char *msg)
{
    cli_data d;
    mlpb_status got = rd_named(text, name, o, &d);
    if (got != s || strcmp(err_buf, msg) != 0)
        print_error("input:\n%s\nexpected %d \"%s\"\n     got %d \"%s\"\n", text, (int)s, msg,
                    (int)got, err_buf);
    assert_int_equal(got, s);
    assert_string_equal(err_buf, msg);
    assert_null(d.x);
    assert_null(d.y);
    assert_int_equal(d.n, 0);
}

static void assert_floats(const float *got, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i])
            print_error("element %zu: got %g want %g\n", i, (double)got[i], (double)want[i]);
        assert_true(got[i] == want[i]);
    }
}

static void test_data_csv_basic(void **state)
{
    (void)state;
    cli_data d;
    assert_int_equal(rd("a,b,c\n1,2.5,0\n-3,4e2,1\n", NULL, &d), MLPB_OK);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.d, 2);
    assert_int_equal(d.k, 1);
    assert_int_equal(d.first_line, 1);
    assert_int_equal(d.delimiter, ',');
    assert_int_equal(d.format, CLI_FORMAT_CSV);
    assert_string_equal(d.feature_names[0], "a");
    assert_string_equal(d.feature_names[1], "b");
    assert_string_equal(d.label_names[0], "c");
    const float x[] = {1.0f, 2.5f, -3.0f, 400.0f}, y[] = {0.0f, 1.0f};
    assert_floats(d.x, x, 4);
    assert_floats(d.y, y, 2);
    cli_data_free(&d);
    assert_null(d.x);
    cli_data_free(&d); /* a zeroed dataset frees as a no-op */
    cli_data_free(NULL);
}

static void test_data_csv_quoting(void **state)
{
    (void)state;
    cli_data d;
    /* RFC 4180: delimiters, doubled quotes and a line break inside quotes. */
    const char *text = "\"x, one\",\"say \"\"hi\"\"\",\"multi\nline\"\n"
                       "\"1\", \"2\" ,1\n"
                       "3,4,\"0\"\n";
    assert_int_equal(rd(text, NULL, &d), MLPB_OK);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.feature_names[0], "x, one");
    assert_string_equal(d.feature_names[1], "say \"hi\"");
    assert_string_equal(d.label_names[0], "multi\nline");
    const float x[] = {1, 2, 3, 4}, y[] = {1, 0};
    assert_floats(d.x, x, 4);
    assert_floats(d.y, y, 2);
    cli_data_free(&d);
    /* Line numbers count the break inside the quoted header: the bad cell is
     * on line 4, column 3. */
    expect_error("a,\"b\nc\",y\n1,2,0\n3,?,1\n", "t.csv", NULL,
                 MLPB_E_FORMAT, "t.csv:4:3: missing value (empty, NA, NaN or ?): not supported here");
    expect_error("a,b\n1,\"2\n", "t.csv", NULL, MLPB_E_FORMAT,
                 "t.csv:2:3: quoted field not closed before the end of the file");
    expect_error("a,b\n1,\"2\"x\n", "t.csv", NULL, MLPB_E_FORMAT,
                 "t.csv:2:6: unexpected character after a closing quote");
}

static void test_data_csv_crlf_bom_no_final_newline(void **state)
{
    (void)state;
    cli_data d;
    assert_int_equal(rd("\xEF\xBB\xBF" "f1,f2,lab\r\n1,2,1\r\n\r\n3,4,0", NULL, &d), MLPB_OK);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.feature_names[0], "f1");
    assert_string_equal(d.label_names[0], "lab");
    const float x[] = {1, 2, 3, 4}, y[] = {1, 0};
    assert_floats(d.x, x, 4);
    assert_floats(d.y, y, 2);
    cli_data_free(&d);
    /* CRLF lines: the column of an error is still the byte column. */
    expect_error("a,b\r\n1,0\r\nx1,1\r\n", "t.csv", NULL, MLPB_E_FORMAT,
                 "t.csv:3:1: \"x1\" is not a number");
}

static void test_data_csv_comments_blanks_spaces(void **state)
{
    (void)state;
    cli_data d;
    const char *text = "# a comment before the header\n"
                       "\n"
                       "  a , b ,y\n"
                       "# a comment between rows, with, commas\n"
                       "   \n"
                       " 1 ,\t2\t, 1 \n"
                       "\n";
    assert_int_equal(rd(text, NULL, &d), MLPB_OK);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.first_line, 3);
    assert_string_equal(d.feature_names[0], "a");
    assert_string_equal(d.feature_names[1], "b");
    const float x[] = {1, 2}, y[] = {1};
    assert_floats(d.x, x, 2);
    assert_floats(d.y, y, 1);
    cli_data_free(&d);
}

static void test_data_csv_delimiters(void **state)
{
    (void)state;
    cli_data      d;
    cli_data_opts o;
    cli_data_opts_init(&o);
    /* Semicolons detected (the comma inside quotes does not count). */
    assert_int_equal(rd("\"a,1\";b;y\n1.5;2;0\n", NULL, &d), MLPB_OK);
    assert_int_equal(d.delimiter, ';');
    assert_int_equal(d.d, 2);
    assert_string_equal(d.feature_names[0], "a,1");
    cli_data_free(&d);
    /* Tabs detected; a comment line first is not used for detection. */
    assert_int_equal(rd("# x,y,z,w\na\tb\ty\n1\t2\t1\n", NULL, &d), MLPB_OK);
    assert_int_equal(d.delimiter, '\t');
    assert_int_equal(d.d, 2);
    const float x[] = {1, 2};
    assert_floats(d.x, x, 2);
    cli_data_free(&d);
    /* An explicit delimiter. */
    o.delimiter = '|';
    assert_int_equal(rd("a|b|y\n1|2|1\n", &o, &d), MLPB_OK);
    assert_int_equal(d.delimiter, '|');
    assert_int_equal(d.d, 2);
    cli_data_free(&d);
    /* One column only cannot hold a feature and a label. */
    expect_error("y\n1\n", "t.csv", NULL, MLPB_E_FORMAT,
                 "t.csv:1:1: 1 column, too few for 1 label column and a feature");
}

static void test_data_csv_no_header_and_label_choice(void **state)
{
    (void)state;
    cli_data      d;
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.header = 0;
    o.labels = "1";
    assert_int_equal(rd("1,5,6\n0,7,8\n", &o, &d), MLPB_OK);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.d, 2);
    assert_string_equal(d.label_names[0], "1");
    assert_string_equal(d.feature_names[0], "2");
    assert_string_equal(d.feature_names[1], "3");
    const float x[] = {5, 6, 7, 8}, y[] = {1, 0};
    assert_floats(d.x, x, 4);
    assert_floats(d.y, y, 2);
    cli_data_free(&d);

    /* Several labels by name, in the order named. */
    cli_data_opts_init(&o);
    o.labels = "q, p";
    assert_int_equal(rd("p,a,q,b\n1,2,0,3\n0,4,1,5\n", &o, &d), MLPB_OK);
    assert_int_equal(d.k, 2);
    assert_int_equal(d.d, 2);
    assert_string_equal(d.label_names[0], "q");
    assert_string_equal(d.label_names[1], "p");
    const float x2[] = {2, 3, 4, 5}, y2[] = {0, 1, 1, 0};
    assert_floats(d.x, x2, 4);
    assert_floats(d.y, y2, 4);
    cli_data_free(&d);

    /* The last two columns, or none at all. */
    cli_data_opts_init(&o);
    o.n_labels = 2;
    assert_int_equal(rd("a,p,q\n7,1,0\n", &o, &d), MLPB_OK);
    assert_int_equal(d.d, 1);
    assert_int_equal(d.k, 2);
    assert_string_equal(d.label_names[1], "q");
    cli_data_free(&d);
    o.n_labels = 0;
    assert_int_equal(rd("a,p,q\n7,1,5\n", &o, &d), MLPB_OK);
    assert_int_equal(d.d, 3);
    assert_int_equal(d.k, 0);
    assert_null(d.y);
    const float x3[] = {7, 1, 5};
    assert_floats(d.x, x3, 3);
    cli_data_free(&d);

    cli_data_opts_init(&o);
    o.labels = "nope";
    expect_error("# c\na,b\n1,0\n", "t.csv", &o, MLPB_E_FORMAT,
                 "t.csv:2:1: no column named \"nope\" for the labels");
    o.labels = "a,a";
    expect_error("a,b\n1,0\n", "t.csv", &o, MLPB_E_FORMAT,
                 "t.csv:1:1: label column \"a\" named twice");
    o.labels = "a,b";
    expect_error("a,b\n1,0\n", "t.csv", &o, MLPB_E_FORMAT,
                 "t.csv:1:1: every column is a label: no features left");
}

static void test_data_csv_errors_exact_position(void **state)
{
    (void)state;
    expect_error("", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:1:1: empty file: no header and no rows");
    expect_error("# only a comment\n\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:3:1: empty file: no header and no rows");
    expect_error("a,b\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:2:1: no data rows after the header");
    expect_error("a,b,y\n1,2,0\n1,abc,0\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:3:3: \"abc\" is not a number");
    expect_error("a,b,y\n1,2,0\n1,2\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:3:4: 2 fields, expected 3 as on line 1");
    expect_error("a,b,y\n1,2,0,9\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:2:7: too many fields: expected 3, as on line 1");
    expect_error("a,b,y\n1,2,0.5\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:2:5: label \"y\" must be 0 or 1, not 0.5");
    expect_error("a,b,y\n1,2,-1\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:2:5: label \"y\" must be 0 or 1, not -1");
    expect_error("a,b,y\n1,nan,1\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:2:3: missing value (empty, NA, NaN or ?): not supported here");
    expect_error("a,b,y\n  -inf,1,1\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:2:3: \"-inf\" is not a finite number");
    expect_error("a,b,y\n1e39,1,1\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:2:1: \"1e39\" is not a finite number");
    expect_error("a,b,y\n1,,1\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:2:3: missing value (empty, NA, NaN or ?): not supported here");
    expect_error("a,b,y\n1,2 3,1\n", "e.csv", NULL, MLPB_E_FORMAT,
                 "e.csv:2:3: \"2 3\" is not a number");
    /* A long field is shown shortened. */
    expect_error("a,y\nabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij,1\n", "e.csv", NULL,
                 MLPB_E_FORMAT,
                 "e.csv:2:1: \"abcdefghijabcdefghijabcdefghijabcdefghij...\" is not a number");
}

static void test_data_bad_options(void **state)
{
    (void)state;
    cli_data      d;
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.delimiter = '"';
    assert_int_equal(rd("a,y\n1,1\n", &o, &d), MLPB_E_INVALID_ARG);
    assert_non_null(strstr(err_buf, "delimiter"));
    o.delimiter = 0;
    o.labels    = "";
    assert_int_equal(rd("a,y\n1,1\n", &o, &d), MLPB_E_INVALID_ARG);
    assert_int_equal(cli_data_read_mem("a", 1, "t.csv", NULL, &d, NULL, 0),
                     MLPB_E_INVALID_ARG);
    assert_int_equal(cli_data_read_mem("a", 1, "t.csv", &o, NULL, NULL, 0),
                     MLPB_E_INVALID_ARG);
    cli_data_opts_init(&o);
    assert_int_equal(cli_data_read("/nonexistent/dir/x.csv", &o, &d, err_buf, sizeof err_buf),
                     MLPB_E_IO);
    assert_string_equal(err_buf, "/nonexistent/dir/x.csv: cannot open: No such file or directory");
}

static void test_data_libsvm_binary(void **state)
{
    (void)state;
    cli_data d;
    const char *text = "# svmlight file\n"
                       "+1 1:0.5 3:-2 # trailing comment\n"
                       "-1 qid:3 2:1.25\n"
                       "\n"
                       "1\n";
    assert_int_equal(rd_named(text, "t.svm", NULL, &d), MLPB_OK);
    assert_int_equal(d.format, CLI_FORMAT_LIBSVM);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.d, 3);
    assert_int_equal(d.k, 1);
    assert_int_equal(d.first_line, 2);
    assert_null(d.feature_names); /* LIBSVM names cost nothing: 1..d */
    char nbuf[24];
    assert_string_equal(cli_data_feature_name(&d, 2, nbuf, sizeof nbuf), "3");
    assert_string_equal(d.label_names[0], "label");
    const float x[] = {0.5f, 0, -2, 0, 1.25f, 0, 0, 0, 0}, y[] = {1, 0, 1};
    assert_floats(d.x, x, 9);
    assert_floats(d.y, y, 3);
    cli_data_free(&d);

    /* 0/1 labels and a fixed feature count wider than the indices used. */
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.format     = CLI_FORMAT_LIBSVM;
    o.n_features = 5;
    assert_int_equal(rd("0 2:1\n1 5:2\n", &o, &d), MLPB_OK);
    assert_int_equal(d.d, 5);
    const float x2[] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 2}, y2[] = {0, 1};
    assert_floats(d.x, x2, 10);
    assert_floats(d.y, y2, 2);
    cli_data_free(&d);
    expect_error("0 2:1\n1 6:2\n", "t.csv", &o, MLPB_E_FORMAT,
                 "t.csv:2:3: feature index 6 beyond the 5 features");
}

static void test_data_libsvm_multilabel(void **state)
{
    (void)state;
    cli_data d;
    /* Comma-separated class ids when multi-label is asked for; k = largest
     * id + 1; a row without a label token has no class. */
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.multilabel = 1;
    assert_int_equal(rd_named("0,2 1:1\n1 2:1\n 1:3\n", "m.libsvm", &o, &d), MLPB_OK);
    assert_int_equal(d.n, 3);
    assert_int_equal(d.k, 3);
    assert_int_equal(d.d, 2);
    assert_string_equal(d.label_names[2], "label_2");
    const float y[] = {1, 0, 1, 0, 1, 0, 0, 0, 0}, x[] = {1, 0, 0, 1, 3, 0};
    assert_floats(d.y, y, 9);
    assert_floats(d.x, x, 6);
    cli_data_free(&d);
    /* A known label count, and the labels ignored altogether. */
    cli_data_opts_init(&o);
    o.n_labels = 4;
    assert_int_equal(rd_named("1 1:1\n", "m.svm", &o, &d), MLPB_OK);
    assert_int_equal(d.k, 4);
    const float y2[] = {0, 1, 0, 0};
    assert_floats(d.y, y2, 4);
    cli_data_free(&d);
    expect_error("1 1:1\n4 1:1\n", "m.svm", &o, MLPB_E_FORMAT,
                 "m.svm:2:1: class id 4 outside 0..3 of the 4 classes");
    o.n_labels = 0;
    assert_int_equal(rd_named("7 1:1\n-3 2:1\n", "m.svm", &o, &d), MLPB_OK);
    assert_int_equal(d.k, 0);
    assert_null(d.y);
    cli_data_free(&d);
    /* Without multi-label, one stray class-id list or label is an error at
     * its line, not a multi-label file. */
    expect_error("-1 1:1\n0,1 1:1\n", "m.svm", NULL, MLPB_E_FORMAT,
                 "m.svm:2:1: \"0,1\" is a list of class ids, in a file read as binary: "
                 "use --multilabel for multi-label data");
    expect_error("1 1:1\n0 1:1\n2 2:1\n", "m.svm", NULL, MLPB_E_FORMAT,
                 "m.svm:3:1: label \"2\": a binary label is 0/1 or -1/+1 "
                 "(use --multilabel for class ids)");
    expect_error("1 1:1\n2:1\n", "m.svm", NULL, MLPB_E_FORMAT,
                 "m.svm:2:1: no label: a row is LABEL INDEX:VALUE ...");
    o.n_labels = 1;
    o.multilabel = 1;
    expect_error("-1 1:1\n", "m.svm", &o, MLPB_E_FORMAT,
                 "m.svm:1:1: class id \"-1\" is not an integer 0..65535");
}

static void test_data_libsvm_errors(void **state)
{
    (void)state;
    expect_error("", "e.svm", NULL, MLPB_E_FORMAT, "e.svm:1:1: empty file: no data rows");
    cli_data_opts one;
    cli_data_opts_init(&one);
    one.base = 1;
    expect_error("1 0:1\n", "e.svm", &one, MLPB_E_FORMAT,
                 "e.svm:1:3: feature index 0: indices start at 1 here "
                 "(0-based files need --zero-based)");
    expect_error("1 2:1 1:1\n", "e.svm", NULL, MLPB_E_FORMAT,
                 "e.svm:1:7: feature index 1 after 2: indices must increase");
    expect_error("1 2:1 2:1\n", "e.svm", NULL, MLPB_E_FORMAT,
                 "e.svm:1:7: feature index 2 after 2: indices must increase");
    expect_error("1 1:1\n0 3:x\n", "e.svm", NULL, MLPB_E_FORMAT,
                 "e.svm:2:5: \"x\" is not a number");
    expect_error("1 1:inf\n", "e.svm", NULL, MLPB_E_FORMAT,
                 "e.svm:1:5: \"inf\" is not a finite number");
    expect_error("1 a:1\n", "e.svm", NULL, MLPB_E_FORMAT,
                 "e.svm:1:3: feature index in \"a:1\" is not a non-negative integer");
    expect_error("1 7\n", "e.svm", NULL, MLPB_E_FORMAT, "e.svm:1:3: \"7\" is not INDEX:VALUE");
    expect_error("yes 1:1\n", "e.svm", NULL, MLPB_E_FORMAT,
                 "e.svm:1:1: label \"yes\": a binary label is 0/1 or -1/+1 "
                 "(use --multilabel for class ids)");
    expect_error("0.5 1:1\n", "e.svm", NULL, MLPB_E_FORMAT,
                 "e.svm:1:1: label \"0.5\": a binary label is 0/1 or -1/+1 "
                 "(use --multilabel for class ids)");
    expect_error("1\n0\n", "e.svm", NULL, MLPB_E_FORMAT,
                 "e.svm:1:1: no features: every row is empty");
    /* Fourteen bytes that would need 400 MB densely are refused. */
    expect_error("1 100000000:1\n", "e.svm", NULL, MLPB_E_FORMAT,
                 "e.svm: 1 rows x 100000000 features is too sparse to expand densely "
                 "(400 MB from 14 bytes of text)");
}

/* Write len bytes to path, gzip-compressed when gz. */
static void write_file(const char *path, const char *text, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(gzwrite(f, text, (unsigned)len), (int)len);
        assert_int_equal(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
    }
}

static void test_data_gzip_files(void **state)
{
    (void)state;
    cli_data      d;
    cli_data_opts o;
    cli_data_opts_init(&o);
    const char *csv = "a,b,y\n1,2,1\n3,4,0\n";
    write_file("test_data_tmp.csv.gz", csv, strlen(csv), 1);
    assert_int_equal(cli_data_read("test_data_tmp.csv.gz", &o, &d, err_buf, sizeof err_buf),
                     MLPB_OK);
    assert_int_equal(d.n, 2);
    const float x[] = {1, 2, 3, 4};
    assert_floats(d.x, x, 4);
    cli_data_free(&d);
    /* .svm.gz is LIBSVM by its name. */
    const char *svm = "1 1:2 2:3\n-1 2:4\n";
    write_file("test_data_tmp.svm.gz", svm, strlen(svm), 1);
    assert_int_equal(cli_data_read("test_data_tmp.svm.gz", &o, &d, err_buf, sizeof err_buf),
                     MLPB_OK);
    assert_int_equal(d.format, CLI_FORMAT_LIBSVM);
    const float x2[] = {2, 3, 0, 4}, y2[] = {1, 0};
    assert_floats(d.x, x2, 4);
    assert_floats(d.y, y2, 2);
    cli_data_free(&d);
    /* Errors inside compressed data still give their line and column. */
    const char *bad = "a,b,y\n1,2,1\n3,z,0\n";
    write_file("test_data_tmp.csv.gz", bad, strlen(bad), 1);
    assert_int_equal(cli_data_read("test_data_tmp.csv.gz", &o, &d, err_buf, sizeof err_buf),
                     MLPB_E_FORMAT);
    assert_string_equal(err_buf, "test_data_tmp.csv.gz:3:3: \"z\" is not a number");
    /* A truncated gzip stream is a read error, not silently short data. */
    char  *big = malloc(200000);
    size_t len = 0;
    assert_non_null(big);
    len += (size_t)sprintf(big, "a,b,y\n");
    for (int i = 0; len < 190000; i++)
        len += (size_t)sprintf(big + len, "%d,%d,%d\n", i, i * 7 % 1000, i & 1);
    write_file("test_data_tmp.csv.gz", big, len, 1);
    FILE *f = fopen("test_data_tmp.csv.gz", "rb");
    assert_non_null(f);
    char  *comp  = malloc(len);
    size_t clen  = fread(comp, 1, len, f);
    fclose(f);
    write_file("test_data_tmp.csv.gz", comp, clen / 2, 0);
    assert_int_equal(cli_data_read("test_data_tmp.csv.gz", &o, &d, err_buf, sizeof err_buf),
                     MLPB_E_IO);
    assert_non_null(strstr(err_buf, "test_data_tmp.csv.gz: read error: "));
    free(comp);
    free(big);
    unlink("test_data_tmp.csv.gz");
    unlink("test_data_tmp.svm.gz");
}

/* A file larger than the read window, with a long field and rows that cross
 * window boundaries, reads exactly. */
static void test_data_large_file_window_crossing(void **state)
{
    (void)state;
    size_t rows = 30000, cap = 4u << 20, len = 0;
    char  *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)sprintf(text, "%s", "id,");
    /* A 600 kB header name: longer than the window. */
    for (int i = 0; i < 600000; i++)
        text[len++] = (char)('a' + i % 26);
    len += (size_t)sprintf(text + len, ",y\n");
    for (size_t i = 0; i < rows; i++)
        len += (size_t)sprintf(text + len, "%zu,%zu.25,%zu\n", i, i % 977, i % 2);
    write_file("test_data_tmp_big.csv", text, len, 0);
    cli_data      d;
    cli_data_opts o;
    cli_data_opts_init(&o);
    assert_int_equal(cli_data_read("test_data_tmp_big.csv", &o, &d, err_buf, sizeof err_buf),
                     MLPB_OK);
    assert_int_equal(d.n, rows);
    assert_int_equal(d.d, 2);
    assert_int_equal(strlen(d.feature_names[1]), 600000);
    for (size_t i = 0; i < rows; i++) {
        assert_true(d.x[2 * i] == (float)i);
        assert_true(d.x[2 * i + 1] == (float)(i % 977) + 0.25f);
        assert_true(d.y[i] == (float)(i % 2));
    }
    cli_data_free(&d);
    unlink("test_data_tmp_big.csv");
    free(text);
}

static uint64_t test_rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z          = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Every number reads as the C library's strtof reads it, bit for bit: short
 * and long mantissas, exponents, signs, zeros, float halfway cases, values
 * near the ends of the float range. */
static void test_data_numbers_match_strtof(void **state)
{
    (void)state;
    static const char *const special[] = {
        "16777217", "16777219", "-16777217", "0.1", "-0", "0.0", "-0.0e5", "1e22", "1e23",
        "3.4028235e38", "3.40282356e38", "1.17549435e-38", "1.1754942e-38", "1.4e-45",
        "7e-46", "4.9e-324", "123456789012345678", "9007199254740993", "9007199254740992",
        "0.5000000298023223876953125", "33554431", "33554433", "+1.5", "1E5", "2.5e+3",
        "000123.4500", ".5", "5.", "0x1p3", "1e-22", "8388609.5", "0.000000059604644775390625"};
    size_t   n_special = sizeof special / sizeof special[0];
    size_t   rows = 60000, cap = rows * 48 + 4096, len = 0;
    char    *text = malloc(cap);
    char   **strs = malloc(rows * sizeof(char *));
    uint64_t s    = 99;
    assert_non_null(text);
    assert_non_null(strs);
    len += (size_t)sprintf(text, "v,y\n");
    for (size_t i = 0; i < rows; i++) {
        char *p = text + len;
        strs[i] = p;
        if (i < n_special) {
            len += (size_t)sprintf(p, "%s", special[i]);
        } else {
            uint64_t r      = test_rng(&s);
            int      digits = 1 + (int)(r % 18), point = (int)((r >> 8) % (uint64_t)(digits + 1));
            if ((r >> 16) & 1)
                text[len++] = '-';
            for (int k = 0; k < digits; k++) {
                if (k == point && k > 0)
                    text[len++] = '.';
                text[len++] = (char)('0' + test_rng(&s) % 10);
            }
            if ((r >> 20) % 3 == 0)
                len += (size_t)sprintf(text + len, "e%d", (int)((r >> 24) % 61) - 45);
        }
        text[len] = '\0';
        strs[i]   = p;
        /* Keep a NUL-terminated copy: replace the row end after reading. */
        len += (size_t)sprintf(text + len, ",1\n");
    }
    cli_data d;
    if (rd(text, NULL, &d) != MLPB_OK)
        print_error("%s\n", err_buf);
    assert_non_null(d.x);
    assert_int_equal(d.n, rows);
    for (size_t i = 0; i < rows; i++) {
        char *comma = strchr(strs[i], ',');
        *comma      = '\0';
        float want  = strtof(strs[i], NULL);
        if (memcmp(&want, &d.x[i], sizeof want) != 0)
            print_error("\"%s\": read %.9g, strtof %.9g\n", strs[i], (double)d.x[i],
                        (double)want);
        assert_memory_equal(&want, &d.x[i], sizeof want);
        *comma = ',';
    }
    cli_data_free(&d);
    free(strs);
    free(text);
}

static void test_data_split_stratified(void **state)
{
    (void)state;
    cli_data src, a, b, a2, b2;
    /* 40 rows: 8 positives. x holds the row number. */
    char   text[2048];
    size_t len = (size_t)sprintf(text, "i,y\n");
    for (int i = 0; i < 40; i++)
        len += (size_t)sprintf(text + len, "%d,%d\n", i, i % 5 == 0);
    assert_int_equal(rd(text, NULL, &src), MLPB_OK);
    assert_int_equal(cli_data_split(&src, 0.25, 7, &a, &b), MLPB_OK);
    assert_int_equal(a.n, 30);
    assert_int_equal(b.n, 10);
    size_t pos_b = 0;
    int    seen[40] = {0};
    for (size_t i = 0; i < b.n; i++) {
        pos_b += b.y[i] == 1.0f;
        seen[(int)b.x[i]]++;
        if (i > 0)
            assert_true(b.x[i] > b.x[i - 1]); /* file order kept */
    }
    for (size_t i = 0; i < a.n; i++)
        seen[(int)a.x[i]]++;
    for (int i = 0; i < 40; i++)
        assert_int_equal(seen[i], 1); /* a partition */
    assert_int_equal(pos_b, 2);      /* 0.25 * 8 */
    assert_string_equal(b.feature_names[0], "i");
    /* The same seed gives the same split; another seed another. */
    assert_int_equal(cli_data_split(&src, 0.25, 7, &a2, &b2), MLPB_OK);
    assert_memory_equal(b.x, b2.x, b.n * sizeof(float));
    cli_data_free(&a2);
    cli_data_free(&b2);
    assert_int_equal(cli_data_split(&src, 0.25, 8, &a2, &b2), MLPB_OK);
    assert_true(memcmp(b.x, b2.x, b.n * sizeof(float)) != 0);
    cli_data_free(&a2);
    cli_data_free(&b2);
    assert_int_equal(cli_data_split(&src, 1.0, 7, &a2, &b2), MLPB_E_INVALID_ARG);
    assert_int_equal(cli_data_split(&src, 0.0, 7, &a2, &b2), MLPB_E_INVALID_ARG);
    assert_null(a2.x);
    cli_data_free(&a);
    cli_data_free(&b);
    cli_data_free(&src);
}

static void test_data_drop_features(void **state)
{
    (void)state;
    cli_data      d;
    cli_data_opts o;
    cli_data_opts_init(&o);
    o.n_labels = 0;
    assert_int_equal(rd("a,b,c,d\n1,2,3,4\n5,6,7,8\n", &o, &d), MLPB_OK);
    const size_t cols[] = {3, 1};
    assert_int_equal(cli_data_drop_features(&d, cols, 2), MLPB_OK);
    assert_int_equal(d.d, 2);
    const float x[] = {1, 3, 5, 7};
    assert_floats(d.x, x, 4);
    assert_string_equal(d.feature_names[0], "a");
    assert_string_equal(d.feature_names[1], "c");
    const size_t twice[] = {0, 0}, out[] = {2};
    assert_int_equal(cli_data_drop_features(&d, twice, 2), MLPB_E_INVALID_ARG);
    assert_int_equal(cli_data_drop_features(&d, out, 1), MLPB_E_INVALID_ARG);
    assert_int_equal(d.d, 2);
    cli_data_free(&d);
}

static void test_data_guess_format(void **state)
{
    (void)state;
    assert_int_equal(cli_data_guess_format("a.csv"), CLI_FORMAT_CSV);
    assert_int_equal(cli_data_guess_format("a.csv.gz"), CLI_FORMAT_CSV);
    assert_int_equal(cli_data_guess_format("a.txt"), CLI_FORMAT_CSV);
    assert_int_equal(cli_data_guess_format("a.svm"), CLI_FORMAT_LIBSVM);
    assert_int_equal(cli_data_guess_format("dir/a.LIBSVM.gz"), CLI_FORMAT_LIBSVM);
    assert_int_equal(cli_data_guess_format("a.svmlight"), CLI_FORMAT_LIBSVM);
    assert_int_equal(cli_data_guess_format(".gz"), CLI_FORMAT_CSV);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_csv_basic),
        cmocka_unit_test(test_data_csv_quoting),
        cmocka_unit_test(test_data_csv_crlf_bom_no_final_newline),
        cmocka_unit_test(test_data_csv_comments_blanks_spaces),
        cmocka_unit_test(test_data_csv_delimiters),
        cmocka_unit_test(test_data_csv_no_header_and_label_choice),
        cmocka_unit_test(test_data_csv_errors_exact_position),
        cmocka_unit_test(test_data_bad_options),
        cmocka_unit_test(test_data_libsvm_binary),
        cmocka_unit_test(test_data_libsvm_multilabel),
        cmocka_unit_test(test_data_libsvm_errors),
        cmocka_unit_test(test_data_gzip_files),
        cmocka_unit_test(test_data_large_file_window_crossing),
        cmocka_unit_test(test_data_numbers_match_strtof),
        cmocka_unit_test(test_data_split_stratified),
        cmocka_unit_test(test_data_drop_features),
        cmocka_unit_test(test_data_guess_format),
    };
    return cmocka_run_group_tests_name("data", tests, NULL, NULL);
}
