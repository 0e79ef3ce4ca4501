/* bench_args.c -- mlpblas-bench's command line: --help, the options into
 * bench_opts, and the default and --batch-sweep cases. */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mlpblas-bench [options]\n"
            "Throughput of one training step (mlpb_loss_grad + mlpb_sgd_step) and of\n"
            "inference (mlpb_predict) against the GEMM floor (the same cblas_sgemm calls\n"
            "back to back) and the peak rate of a large square sgemm.\n"
            "\n"
            "  --case B,D,H[,H2...],K  batch, inputs, hidden layer widths, outputs\n"
            "                          (repeatable; replaces the default cases)\n"
            "  --batch-sweep           batches 1, 2, 4, ..., %d for one shape (the first\n"
            "                          --case's D,H...,K, else 256,512,1)\n"
            "  --memory                instead of throughput: peak memory of a training run\n"
            "                          (mlpb_train, Adam) per case, each in a fresh process,\n"
            "                          against 1.2 x (params x 4 B x 4 + workspace + data)\n"
            "                          + 16 MiB\n"
            "  --members N             instead of throughput: N trainings of each case's\n"
            "                          network (mlpb_train, AdamW, no validation) one\n"
            "                          after another and side by side on the threads\n"
            "                          (mlpb_train_parallel), alternate rounds, the best\n"
            "                          of --reps each and their ratio\n"
            "  --rows N                with --memory or --members: dataset rows\n"
            "                          (default 8 batches)\n"
            "  --epochs N              with --memory or --members: training epochs\n"
            "                          (default 2; --members 20)\n"
            "  --profile-steps N       instead of timing: N training steps of each case on\n"
            "                          one batch in a loop and nothing else (no floor, no\n"
            "                          calibration), for perf record or callgrind\n"
            "  --adamw                 with --profile-steps: AdamW updates (the tool's\n"
            "                          optimiser) instead of mlpb_sgd_step\n"
            "  --reps N                timed rounds per measurement (default 5)\n"
            "  --min-time S            seconds per round, at least (default 0.2)\n"
            "  --threads N             BLAS threads (default: the BLAS library's)\n"
            "  --auto                  the library's default threading, chosen by shape\n"
            "                          (MLPB_THREADING_AUTO; the default here too)\n"
            "  --blas                  every product on the BLAS thread count\n"
            "                          (MLPB_THREADING_BLAS)\n"
            "  --modes                 every mode (auto, blas, serial-small, split), their\n"
            "                          rounds interleaved, and auto against the best\n"
            "  --serial-small          run the library's small products on one BLAS\n"
            "                          thread (MLPB_THREADING_SERIAL_SMALL); the floor\n"
            "                          stays the naive sgemm calls\n"
            "  --split                 split each batch of the library's passes into\n"
            "                          row blocks, one a thread, each with one BLAS\n"
            "                          thread (MLPB_THREADING_SPLIT)\n"
            "  --gemm G                auto (default), blas or onednn: the backend of the\n"
            "                          library's fp32 products (mlpb_workspace_set_gemm);\n"
            "                          the floor and the peak run on the same one\n"
            "  --precision P           fp32 (default), bf16 or bf16-emulated: the products\n"
            "                          of the library's passes (mlpb_workspace_set_precision);\n"
            "                          the floor stays fp32, so floor = bf16 / fp32 GEMMs\n"
            "  --peak-size N           side of the square sgemm for the peak (default 1024)\n"
            "  --seed N                data and parameter seed (default 1)\n"
            "  --json                  one JSON object per case and mode per line\n"
            "  --csv FILE              also write the results as CSV\n"
            "  --svg FILE              with --batch-sweep: chart samples/s against batch\n"
            "  -h, --help              this text\n"
            "  -V, --version           the version of mlpblas-bench and of the library\n"
            "\n"
            "Default cases (batch x inputs x hidden x outputs): tiny 64x32x64x1,\n"
            "higgs 256x28x300x1, medium 256x256x512x1, mnist 1024x784x1024x10,\n"
            "large 1024x1024x2048x16. Figures are medians over the rounds; floor and\n"
            "peak are ratios (1 = as fast as the floor / the peak), peak1 against the\n"
            "1-thread peak.\n",
            BENCH_SWEEP_MAX);
}

static int bad_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "mlpblas-bench: %s%s%s\n", msg, arg != NULL ? ": " : "",
            arg != NULL ? arg : "");
    fprintf(stderr, "try 'mlpblas-bench --help'\n");
    return 2;
}

/* A whole decimal number in [lo, hi]. */
static int parse_size(const char *s, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out)
{
    char *end;
    if (s == NULL || *s < '0' || *s > '9')
        return 1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return 1;
    *out = v;
    return 0;
}

static int parse_case(const char *s, bench_case *c)
{
    char buf[256];
    size_t vals[BENCH_MAX_SIZES + 1], n = 0;
    if (strlen(s) >= sizeof buf)
        return 1;
    strcpy(buf, s);
    for (char *tok = buf, *next; tok != NULL; tok = next) {
        char *comma = strchr(tok, ',');
        next = comma != NULL ? comma + 1 : NULL;
        if (comma != NULL)
            *comma = '\0';
        unsigned long long v;
        if (n == BENCH_MAX_SIZES + 1 || parse_size(tok, 1, 1u << 30, &v) != 0)
            return 1;
        vals[n++] = (size_t)v;
    }
    if (n < 4)
        return 1;
    c->batch = vals[0];
    c->n_sizes = n - 1;
    memcpy(c->sizes, vals + 1, (n - 1) * sizeof vals[0]);
    case_set_name(c, NULL);
    return 0;
}

/* Returns -1 to go on, else the exit status. */
int parse_args(int argc, char **argv, bench_opts *o)
{
    int mode_set = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char key[32];
        const char *eq = strchr(a, '=');
        if (!strcmp(a, "-h"))
            a = "--help";
        else if (!strcmp(a, "-V"))
            a = "--version";
        if (strncmp(a, "--", 2) != 0)
            return bad_usage("unexpected argument", a);
        if (eq != NULL) {
            if ((size_t)(eq - a) >= sizeof key)
                return bad_usage("unknown option", a);
            memcpy(key, a, (size_t)(eq - a));
            key[eq - a] = '\0';
            val = eq + 1;
        } else {
            snprintf(key, sizeof key, "%s", a);
        }
        static const char *const valued[] = {"--case",      "--reps", "--min-time",
                                             "--threads",   "--peak-size", "--seed",
                                             "--csv",       "--svg",  "--rows",
                                             "--epochs", "--precision", "--gemm",
                                             "--profile-steps", "--members"};
        const int flag = !strcmp(key, "--help") || !strcmp(key, "--version") ||
                         !strcmp(key, "--json") ||
                         !strcmp(key, "--batch-sweep") || !strcmp(key, "--serial-small") ||
                         !strcmp(key, "--split") || !strcmp(key, "--blas") ||
                         !strcmp(key, "--auto") || !strcmp(key, "--modes") ||
                         !strcmp(key, "--memory") || !strcmp(key, "--adamw");
        int known = flag;
        for (size_t j = 0; j < sizeof valued / sizeof valued[0]; j++)
            known |= !strcmp(key, valued[j]);
        if (!known)
            return bad_usage("unknown option", a);
        if (flag && val != NULL)
            return bad_usage("option takes no value", a);
        if (!flag && val == NULL) {
            if (i + 1 >= argc)
                return bad_usage("option needs a value", a);
            val = argv[++i];
        }
        unsigned long long v;
        if (!strcmp(key, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(key, "--version")) {
            /* The header this was built with and the library it runs on. */
            printf("mlpblas-bench %d.%d.%d (libmlpblas %s)\n", MLPB_VERSION_MAJOR,
                   MLPB_VERSION_MINOR, MLPB_VERSION_PATCH, mlpb_version_string());
            return 0;
        } else if (!strcmp(key, "--json")) {
            o->json = 1;
        } else if (!strcmp(key, "--batch-sweep")) {
            o->sweep = 1;
        } else if (!strcmp(key, "--serial-small") || !strcmp(key, "--split") ||
                   !strcmp(key, "--blas") || !strcmp(key, "--auto") ||
                   !strcmp(key, "--modes")) {
            const mlpb_threading t = !strcmp(key, "--split")          ? MLPB_THREADING_SPLIT
                                     : !strcmp(key, "--serial-small") ? MLPB_THREADING_SERIAL_SMALL
                                     : !strcmp(key, "--blas")         ? MLPB_THREADING_BLAS
                                                                      : MLPB_THREADING_AUTO;
            const int all = !strcmp(key, "--modes");
            if (mode_set && (o->threading != t || o->all_modes != all))
                return bad_usage("--blas, --serial-small, --split, --auto and --modes exclude "
                                 "each other",
                                 NULL);
            mode_set = 1;
            o->threading = t;
            o->all_modes = all;
        } else if (!strcmp(key, "--memory")) {
            o->memory = 1;
        } else if (!strcmp(key, "--adamw")) {
            o->adamw = 1;
        } else if (!strcmp(key, "--members")) {
            if (parse_size(val, 1, BENCH_MAX_MEMBERS, &v) != 0)
                return bad_usage("--members wants an integer in 1..64", val);
            o->members = (size_t)v;
        } else if (!strcmp(key, "--profile-steps")) {
            if (parse_size(val, 1, 1000000000, &v) != 0)
                return bad_usage("--profile-steps wants an integer in 1..10^9", val);
            o->profile_steps = (long)v;
        } else if (!strcmp(key, "--gemm")) {
            if (!strcmp(val, "auto"))
                o->gemm = MLPB_GEMM_AUTO;
            else if (!strcmp(val, "blas"))
                o->gemm = MLPB_GEMM_BLAS;
            else if (!strcmp(val, "onednn"))
                o->gemm = MLPB_GEMM_ONEDNN;
            else
                return bad_usage("--gemm wants auto, blas or onednn", val);
        } else if (!strcmp(key, "--precision")) {
            if (!strcmp(val, "fp32"))
                o->precision = MLPB_PRECISION_FP32;
            else if (!strcmp(val, "bf16"))
                o->precision = MLPB_PRECISION_BF16;
            else if (!strcmp(val, "bf16-emulated"))
                o->precision = MLPB_PRECISION_BF16_EMULATED;
            else
                return bad_usage("--precision wants fp32, bf16 or bf16-emulated", val);
        } else if (!strcmp(key, "--rows")) {
            if (parse_size(val, 1, 1u << 30, &v) != 0)
                return bad_usage("--rows wants an integer in 1..2^30", val);
            o->rows = (size_t)v;
        } else if (!strcmp(key, "--epochs")) {
            if (parse_size(val, 1, 1000000, &v) != 0)
                return bad_usage("--epochs wants an integer in 1..1000000", val);
            o->epochs = (size_t)v;
        } else if (!strcmp(key, "--case")) {
            if (o->n_cases == BENCH_MAX_CASES)
                return bad_usage("too many --case options", NULL);
            if (parse_case(val, &o->cases[o->n_cases]) != 0)
                return bad_usage("--case wants B,D,H[,H2...],K (positive integers)", val);
            o->n_cases++;
        } else if (!strcmp(key, "--reps")) {
            if (parse_size(val, 1, 64, &v) != 0)
                return bad_usage("--reps wants an integer in 1..64", val);
            o->reps = (int)v;
        } else if (!strcmp(key, "--threads")) {
            if (parse_size(val, 1, 1024, &v) != 0)
                return bad_usage("--threads wants an integer in 1..1024", val);
            o->threads = (int)v;
        } else if (!strcmp(key, "--peak-size")) {
            if (parse_size(val, 1, 16384, &v) != 0)
                return bad_usage("--peak-size wants an integer in 1..16384", val);
            o->peak_size = (size_t)v;
        } else if (!strcmp(key, "--seed")) {
            if (parse_size(val, 0, UINT64_MAX, &v) != 0)
                return bad_usage("--seed wants a non-negative integer", val);
            o->seed = (uint64_t)v;
        } else if (!strcmp(key, "--min-time")) {
            char *end;
            errno = 0;
            double t = strtod(val, &end);
            if (errno != 0 || end == val || *end != '\0' || !(t > 0.0) || t > 60.0)
                return bad_usage("--min-time wants seconds in (0, 60]", val);
            o->min_time = t;
        } else if (!strcmp(key, "--csv")) {
            o->csv_path = val;
        } else if (!strcmp(key, "--svg")) {
            o->svg_path = val;
        } else {
            return bad_usage("unknown option", a);
        }
    }
    if (o->svg_path != NULL && !o->sweep)
        return bad_usage("--svg needs --batch-sweep", NULL);
    if (o->memory && o->precision != MLPB_PRECISION_FP32)
        return bad_usage("--precision does not apply to --memory", NULL);
    if (o->memory && o->all_modes)
        return bad_usage("--memory measures one mode; --modes goes without it", NULL);
    if (o->memory && (o->sweep || o->csv_path != NULL))
        return bad_usage("--memory goes with neither --batch-sweep nor --csv", NULL);
    if (o->memory && o->members > 0)
        return bad_usage("--memory and --members exclude each other", NULL);
    if (o->members > 0 && (o->sweep || o->csv_path != NULL || o->all_modes))
        return bad_usage("--members goes with none of --batch-sweep, --csv and --modes", NULL);
    if (!o->memory && o->members == 0 && (o->rows > 0 || o->epochs > 0))
        return bad_usage("--rows and --epochs need --memory or --members", NULL);
    if (o->epochs == 0)
        o->epochs = o->members > 0 ? 20 : 2;
    return -1;
}

void default_cases(bench_opts *o)
{
    case_init(&o->cases[0], "tiny", 64, 32, 64, 1);
    case_init(&o->cases[1], "higgs", 256, 28, 300, 1);
    case_init(&o->cases[2], "medium", 256, 256, 512, 1);
    case_init(&o->cases[3], "mnist", 1024, 784, 1024, 10);
    case_init(&o->cases[4], "large", 1024, 1024, 2048, 16);
    o->n_cases = 5;
}

/* The sweep: the shape of the first --case (or medium's) at every batch. */
void sweep_cases(bench_opts *o)
{
    bench_case shape;
    if (o->n_cases > 0)
        shape = o->cases[0];
    else
        case_init(&shape, NULL, 1, 256, 512, 1);
    o->n_cases = 0;
    for (size_t b = 1; b <= BENCH_SWEEP_MAX; b *= 2) {
        bench_case *c = &o->cases[o->n_cases++];
        *c = shape;
        c->batch = b;
        case_set_name(c, NULL);
    }
}
