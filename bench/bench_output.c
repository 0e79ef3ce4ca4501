/* bench_output.c -- mlpblas-bench's results as JSON lines, CSV, a table and
 * the --modes summary (bench.h). */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *threading_name(mlpb_threading t)
{
    return t == MLPB_THREADING_SERIAL_SMALL ? "serial-small"
           : t == MLPB_THREADING_SPLIT      ? "split"
           : t == MLPB_THREADING_AUTO       ? "auto"
                                            : "blas";
}

const char *threading_desc(mlpb_threading t)
{
    return t == MLPB_THREADING_SERIAL_SMALL
               ? "serial-small (products < 2^23 multiply-adds on 1 thread)"
           : t == MLPB_THREADING_SPLIT
               ? "split (each batch in row blocks, one a thread, 1 BLAS thread each)"
           : t == MLPB_THREADING_AUTO
               ? "auto (the library's default: split or serial-small by shape)"
               : "blas (every product on the BLAS thread count)";
}

/* JSON strings: the BLAS config and case names are plain ASCII, but escape
 * anyway so the output is always valid. */
void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        const unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

/* A finite number, or null (which no consumer can mistake for a figure). */
void json_number(FILE *f, const char *key, double v)
{
    if (isfinite(v))
        fprintf(f, ",\"%s\":%.6g", key, v);
    else
        fprintf(f, ",\"%s\":null", key);
}

void print_json(const bench_result *r, int threads, double peak_gflops,
                       double peak1_gflops)
{
    const bench_case *c = r->c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, ',');
    printf("{\"case\":");
    json_string(stdout, c->name);
    printf(",\"batch\":%zu,\"inputs\":%zu,\"hidden\":[%s],\"outputs\":%zu,\"mode\":\"%s\"",
           c->batch, c->sizes[0], hid, c->sizes[c->n_sizes - 1], r->mode);
    json_number(stdout, "samples_per_s", r->samples_per_s);
    json_number(stdout, "gflops", r->gflops);
    json_number(stdout, "floor_samples_per_s", r->floor_samples_per_s);
    json_number(stdout, "floor_gflops", r->floor_gflops);
    json_number(stdout, "floor_ratio", r->floor_ratio);
    json_number(stdout, "peak_gflops", peak_gflops);
    json_number(stdout, "peak_ratio", r->peak_ratio);
    json_number(stdout, "peak1_gflops", peak1_gflops);
    json_number(stdout, "peak1_ratio", r->peak1_ratio);
    json_number(stdout, "median_s", r->op.median_s);
    json_number(stdout, "min_s", r->op.min_s);
    json_number(stdout, "floor_median_s", r->floor.median_s);
    json_number(stdout, "floor_min_s", r->floor.min_s);
    json_number(stdout, "flops", r->flops);
    printf(",\"threads\":%d,\"threading\":\"%s\",\"max_rss_kib\":%ld}\n", threads,
           threading_name(r->threading), r->max_rss_kib);
    fflush(stdout);
}

const char CSV_HEADER[] =
    "case,batch,inputs,hidden,outputs,mode,samples_per_s,gflops,floor_samples_per_s,"
    "floor_gflops,floor_ratio,peak_gflops,peak_ratio,median_s,min_s,floor_median_s,"
    "floor_min_s,flops,threads,max_rss_kib,threading,peak1_ratio\n";

void print_csv(FILE *f, const bench_result *r, int threads, double peak_gflops)
{
    const bench_case *c = r->c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, 'x');
    fprintf(f, "%s,%zu,%zu,%s,%zu,%s,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,"
            "%.6g,%d,%ld,%s,%.6g\n",
            c->name, c->batch, c->sizes[0], hid, c->sizes[c->n_sizes - 1], r->mode,
            r->samples_per_s, r->gflops, r->floor_samples_per_s, r->floor_gflops,
            r->floor_ratio, peak_gflops, r->peak_ratio, r->op.median_s, r->op.min_s,
            r->floor.median_s, r->floor.min_s, r->flops, threads, r->max_rss_kib,
            threading_name(r->threading), r->peak1_ratio);
}

table_widths table_measure(const bench_opts *o)
{
    table_widths w = {4, 6};
    for (size_t i = 0; i < o->n_cases; i++) {
        char hid[64];
        case_hidden_str(&o->cases[i], hid, sizeof hid, ',');
        const size_t nl = strlen(o->cases[i].name), hl = strlen(hid);
        w.name = nl > (size_t)w.name ? (int)nl : w.name;
        w.hidden = hl > (size_t)w.hidden ? (int)hl : w.hidden;
    }
    return w;
}

void print_table_header(table_widths w)
{
    printf("%-*s %5s %6s %-*s %4s %-7s %-12s %12s %8s %12s %6s %6s %6s %10s %10s\n", w.name,
           "case", "batch", "inputs", w.hidden, "hidden", "out", "mode", "threading",
           "samples/s", "GFLOP/s", "floor smp/s", "floor", "peak", "peak1", "median ms",
           "min ms");
}

void print_table_row(const bench_result *r, table_widths w)
{
    const bench_case *c = r->c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, ',');
    printf("%-*s %5zu %6zu %-*s %4zu %-7s %-12s %12.0f %8.2f %12.0f %6.3f %6.3f %6.3f %10.4f "
           "%10.4f\n",
           w.name, c->name, c->batch, c->sizes[0], w.hidden, hid, c->sizes[c->n_sizes - 1],
           r->mode, threading_name(r->threading), r->samples_per_s, r->gflops,
           r->floor_samples_per_s, r->floor_ratio, r->peak_ratio, r->peak1_ratio,
           1e3 * r->op.median_s, 1e3 * r->op.min_s);
    fflush(stdout);
}

/* --modes: for each case and mode, auto's samples/s against the fastest
 * fixed mode's, from the same interleaved rounds. */
void print_auto_summary(const bench_result *res, size_t n_cases, size_t n_modes)
{
    printf("# auto against the best fixed mode (samples/s ratio):\n");
    for (size_t i = 0; i < n_cases; i++) {
        for (size_t t = 0; t < 2; t++) {
            const bench_result *a = &res[2 * n_modes * i + t], *best = NULL;
            for (size_t m = 1; m < n_modes; m++) {
                const bench_result *q = &res[2 * n_modes * i + 2 * m + t];
                if (best == NULL || q->samples_per_s > best->samples_per_s)
                    best = q;
            }
            if (best != NULL)
                printf("#   %-12s %-7s auto/best %.3f (best: %s)\n", a->c->name, a->mode,
                       a->samples_per_s / best->samples_per_s, threading_name(best->threading));
        }
    }
}

