/* mlpb_internal.h -- struct definitions and cross-file helpers of libmlpblas.
 * Never installed: everything here may change. Cross-file internals are named
 * mlpb__*; the public API is include/mlpblas.h. */
#ifndef MLPB_INTERNAL_H
#define MLPB_INTERNAL_H

#include "kernels.h"
#include "mlpblas.h"
#include "reserved.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Propagate a non-OK status to the caller. */
#define MLPB_TRY(expr)                      \
    do {                                    \
        mlpb_status mlpb__s_ = (expr);      \
        if (mlpb__s_ != MLPB_OK)            \
            return mlpb__s_;                \
    } while (0)

/* Alignment of every float block: one cache line, and enough for AVX-512. */
#define MLPB_ALIGN 64

/* ------------------------------------------------------------- alloc.c */
/* The effective allocator: a copy of the caller's, or the default one. */
mlpb_allocator mlpb__allocator(const mlpb_allocator *a);
/* Allocate size bytes (rounded up to MLPB_ALIGN) aligned to MLPB_ALIGN; NULL
 * on failure or size 0. */
void *mlpb__alloc(const mlpb_allocator *a, size_t size);
void  mlpb__free(const mlpb_allocator *a, void *p);
/* *out = a * b, or MLPB_E_OVERFLOW. */
mlpb_status mlpb__mul_size(size_t a, size_t b, size_t *out);
/* *out = a + b, or MLPB_E_OVERFLOW. */
mlpb_status mlpb__add_size(size_t a, size_t b, size_t *out);
/* Round n floats up to a whole number of MLPB_ALIGN-byte lines. */
size_t mlpb__pad_floats(size_t n);

/* --------------------------------------------------------------- rng.c */
/* xoshiro256** seeded through splitmix64; the state is passed explicitly. */
typedef struct mlpb_rng {
    uint64_t s[4];
} mlpb_rng;
void     mlpb__rng_seed(mlpb_rng *r, uint64_t seed);
uint64_t mlpb__rng_next(mlpb_rng *r);
double   mlpb__rng_uniform(mlpb_rng *r);            /* [0, 1), 53 bits */
uint64_t mlpb__rng_below(mlpb_rng *r, uint64_t n);  /* unbiased [0, n), n > 0 */
double   mlpb__rng_normal(mlpb_rng *r);             /* N(0, 1) */
/* Fisher-Yates shuffle of idx[0..n). */
void     mlpb__rng_shuffle(mlpb_rng *r, size_t *idx, size_t n);

/* ------------------------------------------------------------- names.c */
/* One metadata entry: key and value in one block, "key\0value\0". */
typedef struct mlpb_meta_entry {
    char  *key, *value;
    size_t key_len, value_len;
} mlpb_meta_entry;

/* A model's names and metadata. A name list is one block: n pointers, then the
 * strings they point to. */
typedef struct mlpb_strings {
    char           **in_names;   /* d, or NULL */
    char           **out_names;  /* k, or NULL */
    mlpb_meta_entry *meta;       /* n_meta entries (cap_meta allocated), or NULL */
    size_t           n_meta, cap_meta;
    size_t           meta_bytes; /* sum of key and value lengths */
} mlpb_strings;

/* Whether p[0..n) is well-formed UTF-8 without U+0000. */
bool mlpb__utf8_valid(const unsigned char *p, size_t n);
/* A name list of n strings of lengths len[i] read by fill: allocates the block
 * for total bytes of strings (the caller has bounded it), lets the caller copy
 * the strings in. *out: the pointer array; strings are laid out in order,
 * each NUL-terminated, starting at (*out)[0]. */
mlpb_status mlpb__names_alloc(const mlpb_allocator *a, size_t n, size_t total, char ***out);
/* Append a metadata entry without checks (the loader has made them); the
 * strings are copied. */
mlpb_status mlpb__meta_append(mlpb_model *m, const char *key, size_t key_len,
                              const char *value, size_t value_len);
/* Append an entry of these lengths (unchecked) and let the caller fill its
 * key and value (NUL terminators already in place). */
mlpb_status mlpb__meta_append_raw(mlpb_model *m, size_t key_len, size_t value_len,
                                  char **key, char **value);
/* Free all names and metadata of m. */
void        mlpb__strings_free(mlpb_model *m);
/* Deep copy of src's names and metadata into dst (which has none). */
mlpb_status mlpb__strings_copy(mlpb_model *dst, const mlpb_model *src);
/* ------------------------------------------------------------- model.c */
/* The most layer sizes a model may have (d, up to 62 hidden, k). */
#define MLPB_MAX_SIZES 64

struct mlpb_model {
    mlpb_allocator alloc;
    size_t  n_sizes;     /* L + 2 */
    size_t  n_layers;    /* L + 1 weight layers */
    size_t *sizes;       /* n_sizes entries */
    size_t *w_off;       /* per layer: offset of W in the arenas */
    size_t *b_off;       /* per layer: offset of b in the arenas */
    size_t  n_params;    /* floats in one arena */
    float  *params;      /* W0 b0 W1 b1 ... (packed) */
    float  *grads;       /* same layout */
    float  *mean;        /* d */
    float  *std;         /* d */
    bool    standardize; /* mean/std in use */
    void   *floats;      /* the one float block holding params, grads, mean, std
                            (only mean and std in a header-only model) */
    bool    has_params;  /* false for mlpb_model_load_header's models */
    mlpb_strings strs;   /* names and metadata (names.c) */
};

/* Whether the model has parameters (not header-only), for the calls that
 * need them. */
static inline bool mlpb__has_params(const mlpb_model *m)
{
    return m->has_params;
}

/* Check sizes and allocate a model with zeroed parameters and gradients,
 * standardisation off; a must be an effective allocator (mlpb__allocator). */
mlpb_status mlpb__model_alloc(const size_t *sizes, size_t n_sizes, const mlpb_allocator *a,
                              mlpb_model **out);
/* As mlpb__model_alloc without the parameter and gradient arenas (mean and
 * std only): a header-only model. */
mlpb_status mlpb__model_alloc_header(const size_t *sizes, size_t n_sizes,
                                     const mlpb_allocator *a, mlpb_model **out);
/* Same architecture (sizes) as b. */
bool mlpb__same_arch(const size_t *sa, size_t na, const size_t *sb, size_t nb);
/* mlpb_model_fit_standardization on the rows rows[0..n) of x (n x d row-major
 * rows, d = the model's inputs), in that order; rows NULL means 0..n-1. The
 * caller guarantees that every listed row lies inside x. */
mlpb_status mlpb__fit_standardization_rows(mlpb_model *m, const float *x, const size_t *rows,
                                           size_t n);
/* A sum over the parts of a training run in several parts (mlpb_train_comm's
 * sum and ctx). */
typedef struct mlpb__parts_sum {
    void (*sum)(double *v, size_t n, void *ctx);
    void *ctx;
} mlpb__parts_sum;
/* The same fitted on the rows of all parts: this part's are the rows
 * rows[i] - base (i < n; n may be 0) of x, or its first n rows when rows is
 * NULL; ps NULL: this part alone. Collective over the parts: every part
 * returns the same status, MLPB_E_INVALID_ARG when no part has a row. */
mlpb_status mlpb__fit_standardization_parts(mlpb_model *m, const float *x, const size_t *rows,
                                            size_t base, size_t n, const mlpb__parts_sum *ps);

/* -------------------------------------------------------------- init.c */
mlpb_status mlpb__init_params(mlpb_model *m, mlpb_init init, uint64_t seed);
bool        mlpb__init_valid(mlpb_init init); /* one of the mlpb_init values */

/* -------------------------------------------------------------- team.c */
/* A fork-join team: mlpb__team_run calls fn(ctx, p) for p = 0..n-1, part 0 on
 * the calling thread and the others on the team's n - 1 threads, and returns
 * when all are done. */
typedef struct mlpb_team mlpb_team;
typedef void (*mlpb__team_fn)(void *ctx, size_t part);
/* n >= 2. MLPB_E_NOMEM when memory or a thread cannot be had. */
mlpb_status mlpb__team_create(const mlpb_allocator *a, size_t n, mlpb_team **out);
void        mlpb__team_destroy(mlpb_team *t); /* NULL: no-op */
size_t      mlpb__team_size(const mlpb_team *t);
/* Bytes mlpb__team_create asks the allocator for (before rounding). */
size_t      mlpb__team_bytes(size_t n);
void        mlpb__team_run(mlpb_team *t, mlpb__team_fn fn, void *ctx);

/* ---------------------------------------------------------- workspace.c
 * The workspace and its threading, in layers (docs/layers.md): workspace.c
 * (the object) over row_split.c (the row split's machinery) and
 * threading_policy.c (which calls split, and how), over workspace_layout.c
 * (where the buffers lie). The unit split (unit_split.c) sits above the
 * passes. */
/* Batches split across threads (MLPB_THREADING_SPLIT): part p of a call on n
 * rows takes rows [p n / parts, (p + 1) n / parts) and runs the serial pass on
 * views[p], a workspace whose buffers are that part's slice of the parent's.
 * Part 0 writes gradients into the model; part p > 0 into grads[p]; the
 * caller sums them in part order, so results are reproducible for a given
 * number of parts. */
typedef struct mlpb_split {
    size_t          parts;      /* >= 2 */
    size_t          row_macs;   /* multiply-adds of one row's forward pass */
    mlpb_team      *team;
    mlpb_workspace *views;      /* parts views, no buffers of their own */
    float         **grads;      /* grads[0] unused (NULL) */
    float          *units;      /* the unit split's per-part buffers (unit_split.c), or NULL:
                                   parts x mlpb__unit_floats(unit_rows, k) */
    size_t          unit_rows;  /* min(max_batch, MLPB_UNIT_MAX_ROWS) */
} mlpb_split;

struct mlpb_workspace {
    mlpb_allocator alloc;
    size_t  max_batch;
    size_t  n_sizes;
    size_t *sizes;    /* copy of the model's sizes, to check compatibility */
    size_t  n_params; /* the model's, for the gradient arenas of a split */
    float **h;        /* h[0]: standardised input (max_batch x d); h[l], l = 1..L:
                         post-ReLU activations of hidden layer l */
    float  *z;        /* max_batch x k logits; the logit gradient in loss_grad */
    float  *d0, *d1;  /* max_batch x widest hidden layer: deltas used in turn
                         (d1 NULL with one hidden layer, which needs one) */
    void   *floats;     /* NULL in a view (mlpb_split) */
    size_t  rows;       /* rows the buffers hold: max_batch, or a whole number of
                           parts' worth when split */
    size_t  serial_mnk; /* products with m*n*k below this use one BLAS thread */
    size_t  layer_macs; /* the largest in x out of any layer: a pass on n rows has
                           no product above n * layer_macs multiply-adds */
    mlpb_threading threading;
    mlpb_split *split;  /* NULL unless MLPB_THREADING_SPLIT with 2+ parts, or
                           MLPB_THREADING_AUTO where max_batch rows may split */
    mlpb_grad_ready_fn grad_ready; /* mlpb_workspace_set_grad_ready; NULL in views */
    void   *grad_ready_ctx;
    struct mlpb_bf16 *bf16; /* NULL in fp32 (precision.c) */
    bool    onednn;     /* fp32 products on oneDNN (mlpb_workspace_set_gemm) */
};

/* -------------------------------------------------- workspace_layout.c */
/* Floats of a workspace's buffers for rows rows, each padded to a cache line. */
mlpb_status mlpb__ws_buffer_floats(const size_t *sizes, size_t n_sizes, size_t rows,
                                   size_t *total);
/* Point ws's buffers into f, laid out for rows rows, starting at row row0 of
 * each (a view's slice of its parent's buffers when row0 > 0). */
void        mlpb__ws_carve(mlpb_workspace *ws, float *f, size_t rows, size_t row0);

/* ---------------------------------------------------------- row_split.c */
/* The split of parts parts for ws: team, views and gradient arenas; ws's
 * buffers grow to a whole number of parts' rows if they must (at most
 * parts - 1 rows more). Freeing accepts NULL. */
mlpb_status mlpb__split_create(mlpb_workspace *ws, size_t parts);
void        mlpb__split_free(const mlpb_allocator *a, mlpb_split *s);

/* An fp32 product of a pass, C = op(A) op(B) (beta 0), on the workspace's
 * backend: the one place the passes choose between the two doors. */
static inline void mlpb__product(const mlpb_workspace *ws, bool ta, bool tb, size_t m, size_t n,
                                 size_t k, const float *a, size_t lda, const float *b,
                                 size_t ldb, float *c, size_t ldc)
{
    /* dnnl_sgemm fails only on arguments the library never passes. */
    if (ws->onednn &&
        mlpb__dnnl_sgemm(ws->serial_mnk, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc))
        return;
    mlpb__sgemm(ws->serial_mnk, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}

/* A batch runs split only if each part gets at least this many rows: with
 * fewer, the parts' products turn into matrix-vector work (four rows or
 * fewer go to sgemv) and writing and summing a gradient arena per part
 * outweighs the rows it saves. */
#define MLPB_SPLIT_MIN_ROWS 8
/* ... and at least this many multiply-adds of forward pass: a fork and a
 * join cost a few microseconds, which a block of a small network does not
 * repay (docs/bench.md, "The split's minimum block"). */
#define MLPB_SPLIT_MIN_MACS ((size_t)1 << 17)
/* At most this many parts (the BLAS thread count, capped). */
#define MLPB_SPLIT_MAX_PARTS 64

/* --------------------------------------------------- threading_policy.c */
/* MLPB_THREADING_AUTO's rule: the parts (1: unsplit) that a call on n rows
 * of a network of these layer sizes runs in with `threads` BLAS threads, for
 * a training step (train) or inference. A pure function of its arguments, so
 * that the choice, and with it every result, is fixed by the shape and the
 * thread count (docs/bench.md, "The rule of MLPB_THREADING_AUTO"). */
size_t mlpb__auto_parts(const size_t *sizes, size_t n_sizes, size_t n, size_t threads,
                        bool train);
/* mlpb_train_parallel's rule for threads 0: the trainings side by side for
 * models of these layer sizes with `threads` BLAS threads: `threads` where a
 * forward pass is at least MLPB_PARALLEL_MIN_ROW_MACS multiply-adds a row,
 * else 1. The products of smaller networks are so short that two trainings'
 * BLAS calls at once slowed each other more than the second core gave
 * (docs/bench.md, "Trainings side by side"). */
#define MLPB_PARALLEL_MIN_ROW_MACS ((size_t)1 << 10)
size_t mlpb__parallel_threads(const size_t *sizes, size_t n_sizes, size_t threads);
/* Whether a call on n rows runs split (and on how many parts). */
size_t mlpb__split_parts(const mlpb_workspace *ws, size_t n, bool train);
/* Before an unsplit call on n rows: if none of its products reaches
 * ws->serial_mnk, drops BLAS to one thread for the whole call (one
 * openblas_set_num_threads pair a call instead of one a product) and
 * returns the count to restore; else 0. */
int  mlpb__serial_begin(const mlpb_workspace *ws, size_t n);
void mlpb__serial_end(int restore);
/* row_split.c: runs fn(ctx, p) for each part on ws's team, with BLAS on one
 * thread for the duration (each part is a thread of its own). */
void mlpb__split_run(mlpb_workspace *ws, mlpb__team_fn fn, void *ctx);
/* Gradient arenas of at least this many floats are summed by the whole team,
 * a slice a thread: a large arena's sum is a pass over megabytes a step,
 * while below this size one thread is quicker than a second fork and join. */
#define MLPB_SPLIT_TEAM_SUM ((size_t)1 << 16)
/* dst (part 0's gradients, the model's arena) += the arenas of parts
 * 1..parts-1 of a split workspace, each element summed in part order, so the
 * result does not depend on how the work is shared; large arenas are summed
 * by the team, a slice a thread. Returns true if every sum is finite. */
bool mlpb__split_sum(mlpb_workspace *ws, float *dst);
/* The unit split (unit_split.c): a training step of a network with one hidden
 * layer, on few rows, shares the hidden units among the team instead of the
 * rows. It runs for batches of at most this many rows (which bounds its
 * buffers), ... */
#define MLPB_UNIT_MAX_ROWS 256
/* ... with at least this many units a part ... */
#define MLPB_UNIT_MIN_UNITS 32
/* ... at least this many multiply-adds of forward pass a step: three
 * fork-joins a step, each waiting for the slower core, pay only on steps
 * long enough that a core's hiccup is small beside them (docs/bench.md,
 * "The unit split") ... */
#define MLPB_UNIT_MIN_MACS ((size_t)1 << 23)
/* ... and at most this many outputs (which bounds the buffers below). */
#define MLPB_UNIT_MAX_OUTPUTS 1024
/* MLPB_THREADING_AUTO's rule for a training step of n rows: the parts of the
 * unit split (1: none). A pure function of its arguments, like
 * mlpb__auto_parts, which it defers to: only a step that does not split its
 * rows may split its units. */
size_t mlpb__auto_units(const size_t *sizes, size_t n_sizes, size_t n, size_t threads);
/* Whether a workspace of max_batch rows with a team of `threads` may run the
 * unit split for some batch (and so needs the team and the buffers). */
bool mlpb__units_possible(const size_t *sizes, size_t n_sizes, size_t max_batch,
                          size_t threads);
/* Floats of one part's unit-split buffers: partial logits, the summed logits
 * (then their gradient) and a scratch output bias gradient, for rows rows
 * (<= MLPB_UNIT_MAX_ROWS) of k (<= MLPB_UNIT_MAX_OUTPUTS) outputs, each
 * padded to a cache line. */
static inline size_t mlpb__unit_floats(size_t rows, size_t k)
{
    return 2 * mlpb__pad_floats(rows * k) + mlpb__pad_floats(k);
}
/* First row of part p of n rows split in parts. */
static inline size_t mlpb__part_row(size_t p, size_t n, size_t parts)
{
    return (size_t)(((unsigned long long)p * n) / parts);
}

/* The split part count mlpb_workspace_set_threading(t) sets up
 * (threading_policy.c). */
size_t mlpb__workspace_parts(const size_t *sizes, size_t n_sizes, mlpb_threading t,
                             size_t max_batch);
/* The unit split's parts for an epoch of batches of bs rows on ws (1: none):
 * MLPB_THREADING_AUTO, fp32 products on BLAS, no grad_ready hook, and
 * mlpb__auto_units (threading_policy.c). */
size_t mlpb__unit_parts(const mlpb_workspace *ws, size_t bs);

/* --------------------------------------------------------- workspace.c */
/* Bytes a workspace of these sizes and max_batch holds once
 * mlpb_workspace_set_threading(t) has run (*final), and the most it holds on
 * the way there (*peak: buffers regrown for a split live twice for a moment),
 * each block rounded up to MLPB_ALIGN as mlpb__alloc asks for it. */
mlpb_status mlpb__workspace_bytes(const size_t *sizes, size_t n_sizes, size_t max_batch,
                                  mlpb_threading t, size_t *final, size_t *peak);
/* A block of bytes as mlpb__alloc asks the allocator for it. */
static inline size_t mlpb__alloc_size(size_t bytes)
{
    return (bytes + MLPB_ALIGN - 1) / MLPB_ALIGN * MLPB_ALIGN;
}

/* MLPB_OK if ws fits m's architecture. */
mlpb_status mlpb__workspace_check(const mlpb_model *m, const mlpb_workspace *ws);

/* ----------------------------------------------------------- forward.c */
/* Forward pass of n <= max_batch rows up to the logits (bias added) in ws->z.
 * Returns MLPB_E_NUMERIC for non-finite input. */
mlpb_status mlpb__forward(const mlpb_model *m, mlpb_workspace *ws, const float *x, size_t n);

/* ---------------------------------------------------------- backward.c */
/* A hidden layer's delta from the next layer's: dh (n x in) =
 * (delta (n x out) . w^T) (.) [h > 0], with w that layer's in x out weights
 * (row stride out), and db = colsum(dh), in one pass after the product; into
 * one output the product is an outer product, made inside that pass. */
void mlpb__relu_backprop(const mlpb_workspace *ws, size_t n, size_t in, size_t out,
                         const float *delta, const float *w, const float *h, float *dh,
                         float *db);

/* ------------------------------------------------------- train_split.c */
/* o's split_phase in [0, 1), and split_seed 0 unless a phase is given. */
bool        mlpb__split_opts_ok(const mlpb_train_opts *o);
/* The phase of o's split: split_phase, or 1/2 when that is 0. */
double      mlpb__split_phase(const mlpb_train_opts *o);
/* The seed of o's split's shuffles: split_seed with a phase, else seed. */
uint64_t    mlpb__split_seed(const mlpb_train_opts *o);
/* Validation rows of n at fraction and phase h (0 when fraction is 0):
 * floor(f n + h). */
size_t      mlpb__split_count(size_t n, float fraction, double phase);
/* Bytes of the split's scratch for n rows: their keys and mlpb__split_choose's
 * sort. */
mlpb_status mlpb__split_scratch_bytes(size_t n, size_t *bytes);
/* keys[i] = the class key (label combination) of row i of y (n x k). */
void        mlpb__split_keys(const float *y, size_t k, size_t n, uint64_t *keys);
/* The split of n rows by their keys: pick[i] = 1 for the
 * mlpb__split_count(n, fraction, phase) held-out rows, the classes' shuffles
 * drawn from rng. scratch: the part of mlpb__split_scratch_bytes(n) after
 * the n keys; order: n entries of scratch. */
void        mlpb__split_choose(const uint64_t *keys, size_t n, float fraction, double phase,
                               mlpb_rng *rng, void *scratch, size_t *order,
                               unsigned char *pick);

/* ----------------------------------------------------------- metrics.c */
/* Bytes of sorting scratch that mlpb__metrics_work needs for n rows (0 when
 * that overflows). */
size_t mlpb__metrics_scratch_bytes(size_t n);
/* mlpb_metrics_compute on caller scratch of mlpb__metrics_scratch_bytes(n)
 * bytes (may be NULL when per_output and mean are): allocates nothing. */
mlpb_status mlpb__metrics_work(const float *prob, const float *y, size_t n, size_t k,
                               void *scratch, mlpb_metrics *per_output, mlpb_metrics *mean,
                               double *exact_match);

/* ------------------------------------------------------------- optim.c */
/* mlpb_optim_step that also reports, through params_finite (may be NULL),
 * whether every updated parameter is finite: an update with a finite gradient
 * can still overflow a parameter (a huge learning rate), and the trainer must
 * know at that step. Found in the update pass itself, at no extra pass. */
mlpb_status mlpb__optim_update(mlpb_optim *o, mlpb_model *m, bool *params_finite);
/* The same after a caller that has just proved the gradient finite (a
 * successful mlpb_loss_grad): skips the optimiser's own read-only pass over
 * the gradient arena when clipping is off. */
mlpb_status mlpb__optim_update_finite(mlpb_optim *o, mlpb_model *m, bool *params_finite);
/* Replace the schedule's lengths (STEP's step_size, COSINE's t_max; each > 0
 * where its schedule uses it): the trainer's refit runs a run of another
 * length with the same optimiser. */
void mlpb__optim_set_lengths(mlpb_optim *o, uint64_t step_size, uint64_t t_max);
/* A step's update in pieces, for callers that update slices of the arena on
 * several threads (unit_split.c): the coefficients of the next step, once; then
 * any disjoint ranges [i0, i0 + n) of the arenas, each returning the
 * nonfinite bits of its new parameters (bit 31 set: some became Inf or NaN);
 * then advance the step counter, once. The same ranges in any order give the
 * same parameters as one whole-arena update with the same clip coefficient. */
typedef struct mlpb_optim_coef {
    float lr, c, wd;         /* rate, clip coefficient, L2 decay (0 for AdamW) */
    float step, isbc2, keep; /* Adam(W) only: see pass_adam */
} mlpb_optim_coef;
bool     mlpb__optim_fits(const mlpb_optim *o, const mlpb_model *m);
float    mlpb__optim_clip_norm(const mlpb_optim *o); /* 0: off */
/* The clip coefficient for a finite gradient norm (1: no clipping). */
float    mlpb__optim_clip_coef(const mlpb_optim *o, double norm);
void     mlpb__optim_coef(const mlpb_optim *o, float c, mlpb_optim_coef *k);
uint32_t mlpb__optim_apply(mlpb_optim *o, const mlpb_optim_coef *k, size_t i0, size_t n,
                           const float *g, float *p);
void     mlpb__optim_advance(mlpb_optim *o);
/* The moment arenas, laid out as the parameters (NULL where the kind has
 * fewer): for unit_split.c's reordering of the first layer. */
void     mlpb__optim_moments(mlpb_optim *o, float **m1, float **m2);
/* The sum of squares of g in double (not finite iff some g is Inf or NaN). */
double   mlpb__sum_squares(size_t n, const float *g);
/* Bytes mlpb_optim_create asks the allocator for (rounded as mlpb__alloc). */
mlpb_status mlpb__optim_bytes(size_t n_sizes, size_t n_params, mlpb_optimizer kind,
                              size_t *bytes);

/* -------------------------------------------------------- unit_split.c */
/* Reorders the first layer's weights and their optimiser moments into the
 * unit split's blocked order for parts parts (blocked true: each part's
 * columns as one contiguous d x (c1 - c0) block) or back. The gradient arena
 * serves as scratch and is left unspecified. */
void mlpb__unit_layout(mlpb_model *m, mlpb_optim *o, size_t parts, bool blocked);
/* One training step of n <= ws's unit rows on the unit split: the loss, the
 * gradient and the optimiser update of mlpb_loss_grad_weighted and
 * mlpb__optim_update_finite, on parameters in the blocked order. Nothing
 * changes when it fails. */
mlpb_status mlpb__unit_step(mlpb_model *m, mlpb_workspace *ws, mlpb_optim *o, const float *x,
                            const float *y, size_t n, size_t parts, const mlpb_loss_weights *w,
                            float *loss, bool *params_finite);

/* --------------------------------------------------------- precision.c */
/* A workspace's bf16 state (MLPB_PRECISION_BF16 and _EMULATED): bf16 copies
 * of the weights (shared with the split views) and, per workspace or view,
 * of the product inputs and of the delta, and the emulation's tile scratch. */
typedef struct mlpb_bf16 {
    mlpb_precision    prec;
    uint16_t         *w;       /* the model's arena layout; W slots only */
    uint16_t        **h;       /* h[l], l = 0..L: rows x sizes[l], the input of layer l */
    uint16_t         *d;       /* rows x max(k, widest hidden): the delta in flight */
    float            *scratch; /* MLPB_BF16_SCRATCH_FLOATS; NULL when native */
    void             *block;   /* the workspace's: one allocation for all of it */
    struct mlpb_bf16 *views;   /* one per split view, or NULL */
} mlpb_bf16;
/* Rebuild ws's bf16 state for its current rows and split (after the split
 * changed); no-op in fp32. On MLPB_E_NOMEM the old state is kept, which still
 * fits ws unsplit (the caller must then drop the split). */
mlpb_status mlpb__bf16_refit(mlpb_workspace *ws);
void        mlpb__bf16_free(mlpb_workspace *ws);
/* Bytes (as allocated) of the bf16 state of a workspace of max_batch rows
 * with threading t after mlpb_workspace_set_precision(prec); 0 for fp32. */
mlpb_status mlpb__bf16_bytes(const size_t *sizes, size_t n_sizes, size_t max_batch,
                             mlpb_threading t, mlpb_precision prec, size_t *bytes);
/* bf16 copies of m's weights into ws, at the start of each call that runs
 * passes (so once per update in training); no-op in fp32. */
void        mlpb__bf16_prepare(const mlpb_model *m, mlpb_workspace *ws);
/* mlpb__forward and backward.c's pass in bf16 (ws->bf16 != NULL). */
mlpb_status mlpb__forward_bf16(const mlpb_model *m, mlpb_workspace *ws, const float *x,
                               size_t n);
mlpb_status mlpb__pass_bf16(const mlpb_model *m, mlpb_workspace *ws, const float *x,
                            const float *y, size_t n, const float *pw, const float *sw,
                            float scale, float *grads, double *sum);

#endif /* MLPB_INTERNAL_H */
