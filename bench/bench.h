/* bench.h -- what the parts of mlpblas-bench share: the cases, the options,
 * the results, the data generator and the JSON writers (bench.c), the
 * --memory runs (bench_memory.c), the --members runs (bench_members.c) and the
 * --batch-sweep chart (bench_svg.c). */
#ifndef MLPB_BENCH_H
#define MLPB_BENCH_H

#include "mlpblas.h"

#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_SIZES 16   /* d, up to 14 hidden layers, k */
#define BENCH_MAX_CASES 64
#define BENCH_SWEEP_MAX 4096 /* --batch-sweep runs batches 1, 2, 4, ..., this */
#define BENCH_LR 1e-4f       /* small, so repeated steps on one batch stay finite */
#define BENCH_MODES 4        /* --modes: auto, blas, serial-small, split */
#define BENCH_MAX_MEMBERS 64 /* --members */

/* splitmix64: a seeded, self-contained generator for the benchmark data. */
typedef struct bench_rng {
    uint64_t s;
} bench_rng;

uint64_t rng_next(bench_rng *r);
/* Uniform in [-scale, scale) into p[0..n). */
void     fill_uniform(bench_rng *r, float *p, size_t n, float scale);
float   *alloc_floats(size_t n);

/* ---------------------------------------------------------------- cases */
typedef struct bench_case {
    char   name[64];
    size_t batch;
    size_t sizes[BENCH_MAX_SIZES]; /* d, hidden..., k */
    size_t n_sizes;
} bench_case;

typedef struct bench_opts {
    bench_case cases[BENCH_MAX_CASES];
    size_t     n_cases;
    int        sweep;
    int        reps;
    double     min_time;
    int        threads;      /* 0: leave the BLAS default */
    mlpb_threading threading; /* of the library's workspace (--blas, --serial-small, --split,
                                 --auto; AUTO, the library's default, unless told) */
    int        all_modes;    /* --modes: every threading mode, rounds interleaved */
    mlpb_precision precision; /* of the library's workspace (--precision); the floor
                                 stays fp32 cblas_sgemm */
    mlpb_gemm  gemm;         /* of the library's workspace (--gemm; AUTO); the floor and
                                the peak run on the backend it resolves to */
    int        onednn;       /* gemm resolved to MLPB_GEMM_ONEDNN */
    int        memory;       /* --memory: peak memory of a training run per case */
    size_t     rows;         /* --memory, --members: dataset rows (0: 8 batches) */
    size_t     epochs;       /* --memory, --members: training epochs */
    size_t     members;      /* --members: trainings timed one after another and side by
                                side (0: off) */
    long       profile_steps; /* --profile-steps: steps a case in a loop (0: off) */
    int        adamw;        /* --adamw: those steps update with AdamW, not SGD */
    size_t     peak_size;
    uint64_t   seed;
    int        json;
    const char *csv_path;
    const char *svg_path;
} bench_opts;

/* Timing of one operation: seconds per call over the timed rounds. */
typedef struct bench_timing {
    double median_s, min_s;
} bench_timing;

typedef struct bench_result {
    const bench_case *c;
    const char *mode;          /* "train" or "forward" */
    double flops;              /* of the products, per call */
    bench_timing op, floor;
    double samples_per_s, gflops;
    double floor_samples_per_s, floor_gflops;
    double floor_ratio, peak_ratio, peak1_ratio; /* peak1: against 1-thread sgemm */
    mlpb_threading threading;  /* of the library's workspace */
    long   max_rss_kib;
} bench_result;

/* The hidden widths of c joined by sep into buf. */
void        case_hidden_str(const bench_case *c, char *buf, size_t len, char sep);
const char *threading_name(mlpb_threading t);
/* A JSON string, and a "key":number member (null when not finite). */
void        json_string(FILE *f, const char *s);
void        json_number(FILE *f, const char *key, double v);

/* A case named name (NULL: from its shape) of one hidden layer. */
void case_init(bench_case *c, const char *name, size_t batch, size_t d, size_t h, size_t k);
/* c's name: name, or "BxDxH...xK" for NULL. */
void case_set_name(bench_case *c, const char *name);

/* The command line into o (bench_args.c): -1 to go on, else the exit
 * status (0 after --help, 2 for a bad command line). */
int  parse_args(int argc, char **argv, bench_opts *o);
/* The five default cases; the --batch-sweep cases (batches 1..4096 of the
 * first --case's shape, or 256-512-1). */
void default_cases(bench_opts *o);
void sweep_cases(bench_opts *o);

/* --memory: every case in a child process of its own (bench_memory.c). */
int  run_memory(const bench_opts *o, int threads);
/* bench_members.c: --members. */
int  run_members(const bench_opts *o, int threads);
/* bench_profile.c: --profile-steps. */
int  run_profile(const bench_opts *o);
/* The results (bench_output.c): a JSON line, a CSV row under CSV_HEADER,
 * a table row under its header (column widths from the cases' longest
 * names), and --modes' summary of auto against the best fixed mode. */
const char *threading_desc(mlpb_threading t);
void        print_json(const bench_result *r, int threads, double peak_gflops,
                       double peak1_gflops);
extern const char CSV_HEADER[];
void        print_csv(FILE *f, const bench_result *r, int threads, double peak_gflops);
typedef struct table_widths {
    int name, hidden;
} table_widths;
table_widths table_measure(const bench_opts *o);
void         print_table_header(table_widths w);
void         print_table_row(const bench_result *r, table_widths w);
void         print_auto_summary(const bench_result *res, size_t n_cases, size_t n_modes);

/* --batch-sweep --svg: samples/s against batch (bench_svg.c). */
void write_svg(FILE *f, const bench_result *res, size_t n, int threads, int threading);

#endif /* MLPB_BENCH_H */
