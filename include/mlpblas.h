#ifndef MLPBLAS_H
#define MLPBLAS_H
/* mlpblas.h -- the whole public API of libmlpblas. This file is the reference:
 * a name not declared here is internal and may change without notice.
 *
 * mlpblas trains and runs multilayer perceptrons for binary and multi-label
 * classification: ReLU hidden layers, k independent sigmoid outputs, binary
 * cross-entropy. Every product of the forward and backward passes is one
 * cblas_sgemm call on a row-major batch (one sample a row).
 *
 * Conventions used throughout:
 *  - Matrices are row-major float arrays. A batch x is n x d, labels y and
 *    probabilities are n x k. Layer l maps in_l to out_l: a = h_prev . W + b,
 *    W is in_l x out_l.
 *  - The loss of a batch is the mean over samples of the seed's BCE, which sums
 *    over the k outputs:
 *        loss = (1/n) sum_i sum_j [ max(z,0) - z*y + log1p(exp(-|z|)) ]_ij
 *    computed from the logits z, so it is finite for every finite logit. The
 *    gradient with respect to the logits is (sigmoid(z) - y) / n.
 *  - Every fallible call returns mlpb_status. On failure outputs are left
 *    untouched (or set to NULL for created objects) and nothing leaks.
 *  - Nothing here prints, exits, aborts or keeps global state. Calls that take
 *    a const mlpb_model may run concurrently on one model, each thread with its
 *    own workspace; calls that take a non-const object need exclusive access.
 *  - Results are bitwise reproducible for a fixed seed and BLAS thread count.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(MLPB_SHARED) && defined(MLPB_BUILDING)
#  define MLPB_API __declspec(dllexport)
#elif defined(_WIN32) && defined(MLPB_SHARED)
#  define MLPB_API __declspec(dllimport)
#elif defined(__GNUC__)
#  define MLPB_API __attribute__((visibility("default")))
#else
#  define MLPB_API
#endif

/* ---------------------------------------------------------------- version */
/* The version is written here only; CMake parses these three lines. */
#define MLPB_VERSION_MAJOR 0
#define MLPB_VERSION_MINOR 3
#define MLPB_VERSION_PATCH 0
#define MLPB_VERSION_NUMBER \
    (MLPB_VERSION_MAJOR * 10000 + MLPB_VERSION_MINOR * 100 + MLPB_VERSION_PATCH)

/* Version of the library actually linked (compare with MLPB_VERSION_NUMBER). */
MLPB_API unsigned    mlpb_version_number(void);
/* "MAJOR.MINOR.PATCH" of the linked library; a static string. */
MLPB_API const char *mlpb_version_string(void);

/* ------------------------------------------------------ structs that grow */
/* The structs a caller fills with options (mlpb_optim_opts, mlpb_train_opts,
 * the hooks of mlpb_train_comm; mlpb_mpi_opts, mlpb_onnx_export_opts) and those the
 * library fills with results (mlpb_metrics, mlpb_epoch_info,
 * mlpb_train_report; mlpb_mpi_report, mlpb_onnx_import_info) end with
 * `uint64_t reserved[N]`, so that a release can add a field without moving
 * another or changing a size:
 *  - A new field takes whole words from the front of `reserved` (a 4-byte
 *    field a word of its own, padded explicitly) and the array shrinks by as
 *    many; every size and offset stays (tests/test_abi.c pins them on LP64).
 *  - Option structs: start from the *_default function, or zero the whole
 *    struct (`= {0}`), then set fields by name. The library refuses
 *    (MLPB_E_INVALID_ARG) an option struct whose reserved words are not all
 *    zero. A new option's zero value means the behaviour from before it
 *    existed, so a program built against an older header keeps its behaviour
 *    with a newer library, and a program built against a newer header that
 *    sets a newer option gets MLPB_E_INVALID_ARG from an older library rather
 *    than having the option silently ignored.
 *  - Result structs: the library zeroes the whole struct, reserved words
 *    included, before it fills it, so a field added in a later release reads
 *    0 from an older library; compare mlpb_version_number() before relying on
 *    one.
 *  - Structs that only point at the caller's memory (mlpb_allocator,
 *    mlpb_dataset, mlpb_loss_weights), the view mlpb_layer, and mlpb_config
 *    (the architecture a model file stores: a new kind of layer needs a new
 *    file format version too) are complete and do not grow: more would come
 *    as a new struct and a new function (an _ex variant).
 * Sizes and offsets are part of the ABI. Before 1.0 a minor release may still
 * change them (with a new soname: README, "Linking"); new fields take reserved
 * words all the same, so that the layouts settle before 1.0 fixes them for
 * the life of the major version. */

/* ----------------------------------------------------------------- status */
/* Values are pinned forever; new codes are appended. */
typedef enum mlpb_status {
    MLPB_OK            = 0,
    MLPB_E_INVALID_ARG = 1,  /* NULL pointer, zero size, n > max_batch, bad option */
    MLPB_E_OVERFLOW    = 2,  /* a size product does not fit size_t or a BLAS int */
    MLPB_E_NOMEM       = 3,  /* the allocator returned NULL; nothing leaked */
    MLPB_E_NUMERIC     = 4,  /* non-finite input, loss or gradient */
    MLPB_E_IO          = 5,  /* open/read/write/fsync/rename failed; errno is kept */
    MLPB_E_FORMAT      = 6,  /* not a model file: wrong magic */
    MLPB_E_VERSION     = 7,  /* model file of an unknown (newer) format version */
    MLPB_E_TRUNCATED   = 8,  /* model file shorter than its header says */
    MLPB_E_CHECKSUM    = 9,  /* model file CRC-32 mismatch */
    MLPB_E_CORRUPT     = 10, /* model header fields impossible or overflowing */
    MLPB_E_TRAILING    = 11, /* bytes after the end of the model */
    MLPB_E_MISMATCH    = 12, /* data shape does not match the model (e.g. width) */
    MLPB_E_UNSUPPORTED = 13  /* this build or CPU lacks what was asked (native bf16) */
} mlpb_status;

/* A static, human-readable description of s; never NULL; thread-safe. */
MLPB_API const char *mlpb_strerror(mlpb_status s);

/* -------------------------------------------------------------- allocator */
/* Optional custom allocator. NULL wherever one is accepted means the default
 * (aligned_alloc/free). Objects free with the allocator they were created with,
 * so the allocator must outlive them. alloc returns NULL on failure; align is a
 * power of two no larger than 64; free accepts NULL. */
typedef struct mlpb_allocator {
    void *(*alloc)(void *ctx, size_t size, size_t align);
    void  (*free)(void *ctx, void *ptr);
    void   *ctx;
} mlpb_allocator;

/* ------------------------------------------------------------------ model */
typedef enum mlpb_init {
    /* He-normal N(0, 2/in) for ReLU layers, Glorot-normal N(0, 2/(in+out)) for
     * the output layer; biases zero. */
    MLPB_INIT_HE_GLOROT = 0,
    /* Orthogonal: Q of the QR factorisation of a Gaussian matrix (LAPACKE
     * sgeqrf + sorgqr, signs fixed by diag(R)), scaled by sqrt(2) for ReLU
     * layers and 1 for the output layer; biases zero. */
    MLPB_INIT_ORTHOGONAL = 1,
    /* Weights and biases of every layer uniform in [-1/sqrt(in), 1/sqrt(in)]
     * (PyTorch's nn.Linear default): weight variance 1/(3 in), a sixth of
     * He's, and biases that spread the ReLU kinks. What `mlpblas train`
     * uses: on held-out accuracy it is ahead of He-normal (docs/defaults.md). */
    MLPB_INIT_FAN_IN = 2
} mlpb_init;

typedef struct mlpb_config {
    const size_t *sizes;   /* d, hidden_1 .. hidden_L (ReLU), k (sigmoid) */
    size_t        n_sizes; /* L + 2, with L >= 1 hidden layers */
    uint64_t      seed;    /* the same seed gives bitwise-identical parameters */
    mlpb_init     init;
} mlpb_config;

/* Parameters, gradients and input standardisation. Read-mostly: share one
 * const model between threads for inference. */
typedef struct mlpb_model mlpb_model;

/* Create a model with initialised parameters. Every size must be >= 1 and
 * every layer's in*out must fit an int (2^31 - 1 weights).
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, n_sizes < 3, a zero size, unknown
 * init), MLPB_E_OVERFLOW, MLPB_E_NOMEM. *out is NULL on failure. */
MLPB_API mlpb_status mlpb_model_create(const mlpb_config *cfg, const mlpb_allocator *alloc,
                                       mlpb_model **out);
/* Free a model; NULL is a no-op. */
MLPB_API void        mlpb_model_destroy(mlpb_model *m);
/* Re-initialise every parameter (weights and biases) as create would. Needs
 * LAPACKE workspace for MLPB_INIT_ORTHOGONAL, taken from the model's
 * allocator. Returns MLPB_OK, MLPB_E_INVALID_ARG, MLPB_E_NOMEM. */
MLPB_API mlpb_status mlpb_model_init(mlpb_model *m, mlpb_init init, uint64_t seed);
/* Deep copy (parameters, gradients, standardisation, names, metadata) using
 * src's allocator.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG, MLPB_E_NOMEM. */
MLPB_API mlpb_status mlpb_model_clone(const mlpb_model *src, mlpb_model **out);
/* Copy parameters and standardisation of src into dst of the same
 * architecture without allocating. Returns MLPB_OK, MLPB_E_INVALID_ARG,
 * MLPB_E_MISMATCH. */
MLPB_API mlpb_status mlpb_model_copy_params(mlpb_model *dst, const mlpb_model *src);

/* Shape queries; 0 for NULL. */
MLPB_API size_t mlpb_model_n_layers(const mlpb_model *m);  /* L + 1 (weight layers) */
MLPB_API size_t mlpb_model_n_inputs(const mlpb_model *m);  /* d */
MLPB_API size_t mlpb_model_n_outputs(const mlpb_model *m); /* k */
/* Layer sizes as given at creation: d, hidden..., k; n_sizes = n_layers + 1. */
MLPB_API const size_t *mlpb_model_sizes(const mlpb_model *m, size_t *n_sizes);

/* View of weight layer l (0-based). w (in x out) and b (out) may be written by
 * the caller; dw and db hold the gradient of the last mlpb_loss_grad. The
 * pointers stay valid for the model's lifetime.
 * Returns MLPB_OK or MLPB_E_INVALID_ARG (NULL, l out of range). */
typedef struct mlpb_layer {
    float       *w, *b;
    const float *dw, *db;
    size_t       in, out;
} mlpb_layer;
MLPB_API mlpb_status mlpb_model_layer(mlpb_model *m, size_t l, mlpb_layer *out);

/* The whole parameter arena, layer after layer (W then b), and the gradient
 * arena in the same order; *n receives the float count. NULL (and *n 0) for
 * NULL m or a header-only model (mlpb_model_load_header). */
MLPB_API float       *mlpb_model_params(mlpb_model *m, size_t *n);
MLPB_API const float *mlpb_model_grads(const mlpb_model *m, size_t *n);
/* The gradient arena, writable: for callers that replace the gradient
 * before mlpb_optim_step (a sum over processes, a custom scaling). */
MLPB_API float       *mlpb_model_grads_mut(mlpb_model *m, size_t *n);

/* Input standardisation, applied by every forward pass: x' = (x - mean) / std.
 * Off after create. set copies d means and d standard deviations (each std must
 * be finite and > 0); set with NULL mean and std turns it off. fit computes
 * them from n rows of x (population std; a constant column gets std 1), in
 * double precision, allocating nothing.
 * Return MLPB_OK, MLPB_E_INVALID_ARG, MLPB_E_NUMERIC (non-finite x/stats). */
MLPB_API mlpb_status mlpb_model_set_standardization(mlpb_model *m, const float *mean,
                                                    const float *std);
MLPB_API mlpb_status mlpb_model_fit_standardization(mlpb_model *m, const float *x, size_t n);
/* Pointers to the d means and stds, or NULL when standardisation is off. */
MLPB_API const float *mlpb_model_mean(const mlpb_model *m);
MLPB_API const float *mlpb_model_std(const mlpb_model *m);

/* ------------------------------------------------- names and metadata */
/* Optional names for the d inputs and k outputs, and an ordered list of
 * key/value metadata, all UTF-8 strings owned by the model: copied in by the
 * setters, copied by mlpb_model_clone, saved and loaded with the model file
 * (format version 2, docs/model-format.md) under its CRC. The library does
 * not interpret them. A valid string is NUL-terminated, well-formed UTF-8
 * (no overlong forms, no surrogates, nothing above U+10FFFF) and contains no
 * U+0000. Lengths are in bytes, without the terminating NUL. */
#define MLPB_NAME_MAX          4096u              /* an input or output name: 1 .. this */
#define MLPB_META_KEY_MAX      256u               /* a metadata key: 1 .. this */
#define MLPB_META_VALUE_MAX    (64u << 20)        /* a metadata value: 0 .. this (64 MiB) */
#define MLPB_META_MAX_ENTRIES  4096u              /* metadata entries in one model (lookup is
                                                     a linear search) */
#define MLPB_META_TOTAL_MAX    (256u << 20)       /* sum of all key and value lengths (256 MiB) */

/* Set the d input names (names[0 .. d-1]) or the k output names; NULL clears
 * them. All or nothing: on failure the previous names are kept. Names need
 * not be unique. Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL m, a NULL name, an
 * empty, too long or invalid UTF-8 name), MLPB_E_NOMEM. */
MLPB_API mlpb_status mlpb_model_set_input_names(mlpb_model *m, const char *const *names);
MLPB_API mlpb_status mlpb_model_set_output_names(mlpb_model *m, const char *const *names);
/* Name of input i / output j, or NULL when the model has no names or the
 * index is out of range. Valid until the names are set again or m is freed. */
MLPB_API const char *mlpb_model_input_name(const mlpb_model *m, size_t i);
MLPB_API const char *mlpb_model_output_name(const mlpb_model *m, size_t j);

/* Set key to value: an existing key keeps its place and gets the new value, a
 * new key is appended; value NULL removes the key (a no-op when absent). Keys
 * are compared byte for byte. On failure the metadata is unchanged. Returns
 * MLPB_OK, MLPB_E_INVALID_ARG (NULL m or key, a key or value empty/too long or
 * not valid UTF-8, or a set that would pass MLPB_META_MAX_ENTRIES or
 * MLPB_META_TOTAL_MAX), MLPB_E_NOMEM. */
MLPB_API mlpb_status mlpb_model_set_meta(mlpb_model *m, const char *key, const char *value);
/* Value of key, or NULL when absent (or m or key NULL). Valid until that key
 * is set or removed or m is freed. */
MLPB_API const char *mlpb_model_get_meta(const mlpb_model *m, const char *key);
/* Number of entries; 0 for NULL. */
MLPB_API size_t      mlpb_model_meta_count(const mlpb_model *m);
/* Entry i (0-based, insertion order; a removal closes the gap). key and value
 * may each be NULL when not wanted; valid as for mlpb_model_get_meta.
 * Returns MLPB_OK or MLPB_E_INVALID_ARG (NULL m, i >= count). */
MLPB_API mlpb_status mlpb_model_meta_at(const mlpb_model *m, size_t i, const char **key,
                                        const char **value);

/* Bytes mlpb_model_create (or a full mlpb_model_load) allocates for a model of
 * these sizes, names and metadata excluded (they take their lengths plus a few
 * pointers each). Returns MLPB_OK, MLPB_E_INVALID_ARG, MLPB_E_OVERFLOW. */
MLPB_API mlpb_status mlpb_model_memory(const size_t *sizes, size_t n_sizes, size_t *bytes);

/* -------------------------------------------------------------- workspace */
/* Activations and deltas for batches of up to max_batch rows. One per thread;
 * tied to the architecture of the model it was created for (any model of the
 * same sizes may use it). */
typedef struct mlpb_workspace mlpb_workspace;

/* The new workspace runs MLPB_THREADING_AUTO (see mlpb_workspace_set_threading).
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, max_batch 0), MLPB_E_OVERFLOW,
 * MLPB_E_NOMEM (memory, or a thread of the workspace's team). *out is NULL on
 * failure. */
MLPB_API mlpb_status mlpb_workspace_create(const mlpb_model *m, size_t max_batch,
                                           const mlpb_allocator *alloc,
                                           mlpb_workspace **out);
/* Free a workspace; NULL is a no-op. */
MLPB_API void        mlpb_workspace_destroy(mlpb_workspace *ws);
MLPB_API size_t      mlpb_workspace_max_batch(const mlpb_workspace *ws);

/* How the passes that use a workspace run their BLAS products.
 *
 * MLPB_THREADING_AUTO (the default of a new workspace and of mlpb_train)
 * chooses, for each call, what is fastest for its shape and the BLAS thread
 * count T read when the mode is set (at create for a new workspace): a batch
 * whose row blocks are big enough runs split as MLPB_THREADING_SPLIT does,
 * in T blocks; any other call runs unsplit, its small products on one BLAS
 * thread as MLPB_THREADING_SERIAL_SMALL does and the rest on T. The choice
 * is a fixed rule of the layer sizes, the rows of the call and T, never a
 * timing, so a fixed seed and T still give bitwise-identical results; the
 * rule and the reasons for it are in docs/bench.md, "The rule of
 * MLPB_THREADING_AUTO". With T = 1 it
 * runs everything unsplit on one thread and never touches the BLAS thread
 * count; a workspace that could split costs T - 1 threads and gradient
 * arenas, as MLPB_THREADING_SPLIT. In mlpb_train, with the products on
 * MLPB_GEMM_BLAS, a network with one hidden layer of at least 32 units a
 * thread whose batches (up to 256 rows) are too small to split their rows,
 * but have at least 2^23 multiply-adds of forward pass, runs the "unit
 * split" instead: each thread owns a slice of the hidden units, computes and
 * updates only its own parameters, and the threads exchange only the partial
 * logits.
 *
 * MLPB_THREADING_BLAS leaves every product to the BLAS library's thread
 * count and never changes it.
 *
 * MLPB_THREADING_SERIAL_SMALL runs products of fewer than
 * MLPB_SERIAL_SMALL_MNK multiply-adds (m*n*k) on one BLAS thread, where
 * OpenBLAS's thread start-up costs more than the second core saves
 * (docs/bench.md, "Small products on one thread"), and the rest with the
 * library's count.
 *
 * MLPB_THREADING_SPLIT splits each batch into P row blocks, P = the BLAS
 * thread count at the time of this call (capped at 64 and at max_batch), and
 * runs the whole pass of each block on a thread of the workspace's own with
 * one BLAS thread: one fork and one join per batch instead of one per
 * product. A batch splits when each block gets at least 8 rows and 2^17
 * multiply-adds of forward pass; smaller ones run unsplit on one BLAS thread.
 * Blocks are not bound to threads: a free thread, the caller included, takes
 * the next, so a helper that the system has not scheduled delays no more
 * than the block it holds. The blocks' gradients are summed in block order,
 * so results are reproducible for a given P and differ from the unsplit ones
 * only by rounding. It costs P - 1 threads, which wait between batches
 * (spinning for a few tens of microseconds, then blocked), and P - 1
 * gradient arenas.
 *
 * Every mode but MLPB_THREADING_BLAS calls openblas_set_num_threads around
 * its single-threaded work when the BLAS thread count is above one, which
 * changes process-wide state during the call: a program that calls the
 * library from several threads at once, or BLAS from another thread, should
 * set one BLAS thread (mlpb_blas_set_threads(1); the modes then leave it
 * alone) or use MLPB_THREADING_BLAS.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG, or MLPB_E_NOMEM (memory or a thread
 * could not be had for MLPB_THREADING_SPLIT or AUTO; the workspace then stays
 * usable, unsplit). */
typedef enum mlpb_threading {
    MLPB_THREADING_BLAS         = 0,
    MLPB_THREADING_SERIAL_SMALL = 1,
    MLPB_THREADING_SPLIT        = 2,
    MLPB_THREADING_AUTO         = 3
} mlpb_threading;
#define MLPB_SERIAL_SMALL_MNK ((size_t)1 << 23)
MLPB_API mlpb_status mlpb_workspace_set_threading(mlpb_workspace *ws, mlpb_threading t);
/* Bytes mlpb_workspace_create allocates for a model of these sizes and
 * max_batch rows, plus what mlpb_workspace_set_threading(ws, t) adds (for
 * MLPB_THREADING_SPLIT: views, a gradient arena per extra part, the team and
 * buffers grown to a whole number of parts' rows; the part count is the one
 * set_threading would choose now, from the current BLAS thread count). The
 * threads' own stacks are not counted: they do not come from the allocator.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG, MLPB_E_OVERFLOW. */
MLPB_API mlpb_status mlpb_workspace_memory(const size_t *sizes, size_t n_sizes,
                                           size_t max_batch, mlpb_threading t,
                                           size_t *bytes);

/* Optional hook for callers that combine gradients across processes (e.g.
 * libmlpblas_mpi, which starts the reduction of the output layer while the
 * lower layers are still computed). mlpb_loss_grad(_weighted) on ws calls
 * fn(layer, ctx) once per weight layer as soon as that layer's gradients (dW
 * then db, contiguous in the arena from mlpb_layer.dw) are final, output
 * layer first, down to layer 0. From the call on, the pass only reads that
 * slice of the arena. Layers are not reported once the pass has failed, and
 * a reported slice may hold non-finite values (the call's status says so).
 * With MLPB_THREADING_SPLIT every layer is reported after the blocks'
 * gradients are summed. fn NULL removes the hook.
 * Returns MLPB_OK or MLPB_E_INVALID_ARG (ws NULL). */
typedef void (*mlpb_grad_ready_fn)(size_t layer, void *ctx);
MLPB_API mlpb_status mlpb_workspace_set_grad_ready(mlpb_workspace *ws, mlpb_grad_ready_fn fn,
                                                   void *ctx);

/* Which library runs the fp32 products of the passes that use a workspace.
 *
 * MLPB_GEMM_BLAS: cblas_sgemm (with sgemv/sger for a dimension of 4 or
 * less), the library's own BLAS.
 *
 * MLPB_GEMM_ONEDNN: oneDNN's dnnl_sgemm, where the library was built with
 * oneDNN (MLPB_E_UNSUPPORTED otherwise). Its OpenMP team gets the BLAS
 * thread count, one thread where the threading mode runs a product on one.
 *
 * MLPB_GEMM_AUTO (the default of a new workspace and of mlpb_train): BLAS,
 * unless the library was built with oneDNN and the BLAS library has fallen
 * back to a kernel set without AVX2 on a CPU with AVX2 and FMA -- OpenBLAS
 * 0.3.21 does that on CPUs newer than it knows (on an Intel Xeon of family
 * 6, model 207, it runs its "Prescott" SSE3 kernels at a sixth of what
 * oneDNN reaches); then oneDNN. A fixed rule of the CPU and the BLAS
 * library's kernel choice, never a timing: a fixed seed and thread count
 * give bitwise-identical results on a machine. The backends' results differ
 * by rounding. The bf16 precisions are unaffected (their products are
 * oneDNN's or emulated).
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, unknown value) or
 * MLPB_E_UNSUPPORTED (MLPB_GEMM_ONEDNN without oneDNN; the workspace keeps
 * its backend). */
typedef enum mlpb_gemm {
    MLPB_GEMM_AUTO   = 0,
    MLPB_GEMM_BLAS   = 1,
    MLPB_GEMM_ONEDNN = 2
} mlpb_gemm;
MLPB_API mlpb_status mlpb_workspace_set_gemm(mlpb_workspace *ws, mlpb_gemm g);
/* The backend the workspace's fp32 products run on: MLPB_GEMM_BLAS or
 * MLPB_GEMM_ONEDNN (AUTO resolved); MLPB_GEMM_BLAS for NULL. */
MLPB_API mlpb_gemm   mlpb_workspace_gemm(const mlpb_workspace *ws);
/* What MLPB_GEMM_AUTO resolves to in this process (BLAS or ONEDNN). */
MLPB_API mlpb_gemm   mlpb_gemm_auto(void);

/* Precision of the products of the passes that use a workspace.
 *
 * MLPB_PRECISION_FP32 (the default): every product is fp32 (cblas_sgemm).
 *
 * MLPB_PRECISION_BF16: the five products of a step (A = H W forward,
 * dW = H^T dA and dH = dA W^T backward) take bfloat16 operands and
 * accumulate in fp32, through oneDNN's bf16 GEMM on a CPU with native bf16
 * arithmetic (AVX512-BF16 or AMX). The model's weights, the gradients (the
 * products' fp32 results), the optimiser state, the loss and every
 * elementwise step (bias, ReLU and its derivative, sigmoid, BCE) stay fp32.
 * The workspace keeps bf16 copies: of the weights, made at the start of each
 * call (predict, loss, loss_grad), so once per update in training; of the
 * activations and deltas, written by the fused elementwise passes that
 * produce them. Conversion rounds to nearest, ties to even; a NaN stays a
 * (quiet) NaN, +-Inf stay +-Inf, and fp32 subnormals (|x| < 2^-126) become
 * zero of the same sign, as the CPU's conversion instruction does. Each
 * operand so carries a relative error of at most 2^-8; see docs/bf16.md for
 * the error bound of a product. Model files stay fp32.
 *
 * MLPB_PRECISION_BF16_EMULATED: the same roundings, with each product run as
 * cblas_sgemm on fp32 copies of the bf16 operands (exact: a product of two
 * bf16 values fits fp32), a tile at a time. Results match
 * MLPB_PRECISION_BF16 up to the order of the fp32 sums. Runs on any CPU, at
 * below fp32 speed: for checking what bf16 does to a model, not for speed.
 *
 * mlpb_workspace_set_precision returns MLPB_E_UNSUPPORTED for
 * MLPB_PRECISION_BF16 when the library was built without oneDNN or the CPU
 * has no native bf16 (the workspace keeps its precision), MLPB_E_INVALID_ARG
 * for NULL or an unknown value, MLPB_E_NOMEM (workspace unchanged). */
typedef enum mlpb_precision {
    MLPB_PRECISION_FP32          = 0,
    MLPB_PRECISION_BF16          = 1,
    MLPB_PRECISION_BF16_EMULATED = 2
} mlpb_precision;
MLPB_API mlpb_status    mlpb_workspace_set_precision(mlpb_workspace *ws, mlpb_precision p);
/* MLPB_PRECISION_FP32 for NULL. */
MLPB_API mlpb_precision mlpb_workspace_precision(const mlpb_workspace *ws);
/* 1 if MLPB_PRECISION_BF16 is available (built with oneDNN, CPU with native
 * bf16), else 0. */
MLPB_API int            mlpb_bf16_native(void);

/* ------------------------------------------------------- forward/backward */
/* Probabilities sigmoid(z) for n rows of x (n x d) into prob (n x k). Any
 * n >= 1: rows are processed in chunks of the workspace's max_batch. Allocates
 * nothing; reentrant on a const model with one workspace per thread.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, n 0, workspace of another
 * architecture), MLPB_E_OVERFLOW, MLPB_E_NUMERIC (a NaN or infinity in x or
 * in the parameters; it is found in the pre-activations of the chunk it
 * enters, so rows of earlier chunks may already be written). */
MLPB_API mlpb_status mlpb_predict(const mlpb_model *m, mlpb_workspace *ws, const float *x,
                                  size_t n, float *prob);
/* As mlpb_predict but writes the logits z (n x k). */
MLPB_API mlpb_status mlpb_predict_logits(const mlpb_model *m, mlpb_workspace *ws,
                                         const float *x, size_t n, float *logits);

/* Optional loss weights, for class imbalance. pos_weight (k values, > 0)
 * multiplies the positive term of output j, as in BCE with pos_weight:
 *     l = pw_j * y * softplus(-z) + (1 - y) * softplus(z)
 * sample_weight (n values, >= 0) multiplies row i's loss. The mean stays a
 * division by n (not by the sum of the weights). NULL means all ones. */
typedef struct mlpb_loss_weights {
    const float *pos_weight;
    const float *sample_weight;
} mlpb_loss_weights;

/* Mean BCE of n rows (any n, chunked), without gradients. w may be NULL.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG, MLPB_E_NUMERIC (non-finite input,
 * parameter or loss; *loss is then untouched). */
MLPB_API mlpb_status mlpb_loss(const mlpb_model *m, mlpb_workspace *ws, const float *x,
                               const float *y, size_t n, const mlpb_loss_weights *w,
                               float *loss);

/* Forward and backward pass on one batch (n <= max_batch): writes the mean BCE
 * to *loss (may be NULL) and the gradient of that loss with respect to every
 * parameter into the model's gradient arena (overwriting it). y holds targets
 * in [0, 1]. Allocates nothing.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, n 0, n > max_batch),
 * MLPB_E_NUMERIC (non-finite input, parameter, loss or gradient; the
 * gradients are then unspecified but parameters are unchanged). */
MLPB_API mlpb_status mlpb_loss_grad(mlpb_model *m, mlpb_workspace *ws, const float *x,
                                    const float *y, size_t n, float *loss);
/* mlpb_loss_grad with optional loss weights (w may be NULL). */
MLPB_API mlpb_status mlpb_loss_grad_weighted(mlpb_model *m, mlpb_workspace *ws,
                                             const float *x, const float *y, size_t n,
                                             const mlpb_loss_weights *w, float *loss);

/* Plain gradient descent over the whole arena: p -= lr * g. lr must be finite.
 * Returns MLPB_OK or MLPB_E_INVALID_ARG. */
MLPB_API mlpb_status mlpb_sgd_step(mlpb_model *m, float lr);

/* ------------------------------------------------------------ optimisers */
/* Updates follow PyTorch's formulas (torch.optim.*, with its defaults for the
 * options not exposed: dampening 0, amsgrad off, RMSprop not centred). With g
 * the gradient arena, c the clip coefficient and wd the weight decay, every
 * kind but AdamW first forms g' = c g + wd p (L2 decay over all parameters,
 * biases included); AdamW uses g' = c g. t counts steps from 1. */
typedef enum mlpb_optimizer {
    MLPB_OPT_SGD      = 0, /* p -= lr g' */
    MLPB_OPT_MOMENTUM = 1, /* v = mu v + g';  p -= lr v */
    MLPB_OPT_NESTEROV = 2, /* v = mu v + g';  p -= lr (g' + mu v) */
    MLPB_OPT_ADAM     = 3, /* m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2;
                              p -= lr/(1-b1^t) m / (sqrt(v)/sqrt(1-b2^t) + eps) */
    MLPB_OPT_ADAMW    = 4, /* p *= 1 - lr wd (decoupled), then the Adam update */
    MLPB_OPT_RMSPROP  = 5  /* s = rho s + (1-rho) g'^2;  p -= lr g' / (sqrt(s) + eps) */
} mlpb_optimizer;

/* Learning rate at step t (0-based). Any schedule may be combined with a
 * linear warm-up: while t < warmup the rate is multiplied by (t+1)/warmup. */
typedef enum mlpb_schedule {
    MLPB_SCHED_CONSTANT = 0, /* lr */
    MLPB_SCHED_STEP     = 1, /* lr * gamma^floor(t / step_size) */
    MLPB_SCHED_COSINE   = 2  /* lr_min + (lr - lr_min)(1 + cos(pi t / t_max)) / 2 for
                                t < t_max, then lr_min */
} mlpb_schedule;

/* Options; defaults from mlpb_optim_opts_default in parentheses (tests/
 * test_doc_defaults.c checks them against the function). Only the fields the
 * chosen kind and schedule use are read and checked. */
typedef struct mlpb_optim_opts {
    mlpb_optimizer kind;    /* (MLPB_OPT_ADAM) */
    float    lr;            /* base learning rate, finite, > 0 (1e-3) */
    float    momentum;      /* mu for MOMENTUM / NESTEROV, in [0, 1) (0.9) */
    float    beta1, beta2;  /* Adam(W), each in [0, 1) (0.9, 0.999) */
    float    rho;           /* RMSprop decay, in [0, 1) (0.99) */
    float    eps;           /* Adam(W) / RMSprop denominator, > 0 (1e-8) */
    float    weight_decay;  /* >= 0; L2 added to g, decoupled for ADAMW (0) */
    float    clip_norm;     /* > 0: clip the global L2 norm of the whole gradient
                               arena as clip_grad_norm_ does, c = min(1, clip_norm /
                               (||g||_2 + 1e-6)), before the decay; 0 = off (0) */
    mlpb_schedule schedule; /* (MLPB_SCHED_CONSTANT) */
    uint64_t step_size;     /* STEP: steps between decays, > 0 (0: must be set, but
                               see mlpb_train) */
    float    gamma;         /* STEP: decay factor, > 0 (0.1) */
    uint64_t t_max;         /* COSINE: steps from lr down to lr_min, > 0 (0: must be set,
                               but see mlpb_train) */
    float    lr_min;        /* COSINE: floor, in [0, lr] (0) */
    uint64_t warmup;        /* steps of linear warm-up; the first runs at lr/warmup (0) */
    uint64_t reserved[8];   /* see "Structs that grow" above (0) */
} mlpb_optim_opts;

/* Fill o with the defaults noted above (Adam, lr 1e-3, constant schedule). */
MLPB_API void mlpb_optim_opts_default(mlpb_optim_opts *o);

/* Optimiser state for one model: the options, a step counter and the moment
 * arenas (none for SGD, one for MOMENTUM / NESTEROV / RMSPROP, two for Adam(W)),
 * each as large as the parameter arena, allocated once at create. */
typedef struct mlpb_optim mlpb_optim;

/* Create an optimiser for models of m's architecture; moments start at zero.
 * opts is copied. Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, an option out
 * of range or a reserved word set), MLPB_E_OVERFLOW, MLPB_E_NOMEM. *out is NULL on failure. */
MLPB_API mlpb_status mlpb_optim_create(const mlpb_model *m, const mlpb_optim_opts *opts,
                                       const mlpb_allocator *alloc, mlpb_optim **out);
MLPB_API void        mlpb_optim_destroy(mlpb_optim *o);  /* NULL: no-op */
/* One update of m's parameters from its gradient arena (which is only read) at
 * the learning rate the schedule gives for the current step, then advance the
 * step counter: a check of the gradient and one fused pass over the arena.
 * Allocates nothing. Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, m of another
 * architecture), MLPB_E_NUMERIC (an Inf or NaN gradient: parameters, moments
 * and step counter are unchanged). */
MLPB_API mlpb_status mlpb_optim_step(mlpb_optim *o, mlpb_model *m);
/* Learning rate the schedule gives at step t (0-based); 0 for NULL. */
MLPB_API float       mlpb_optim_lr_at(const mlpb_optim *o, uint64_t t);
/* Steps taken since create or reset; 0 for NULL. */
MLPB_API uint64_t    mlpb_optim_steps(const mlpb_optim *o);
/* Zero the moments and the step counter; NULL is a no-op. */
MLPB_API void        mlpb_optim_reset(mlpb_optim *o);

/* -------------------------------------------------------------- metrics */
typedef struct mlpb_metrics {
    double loss;       /* mean BCE from probabilities clipped to [1e-7, 1 - 1e-7] */
    double accuracy;   /* at threshold 0.5 (prob >= 0.5 predicts 1) */
    double precision;  /* 0 when nothing is predicted positive */
    double recall;     /* 0 when there are no positives */
    double f1;         /* 0 when precision + recall is 0 */
    double auc;        /* ROC AUC, exact, ties count 1/2; NaN with one class only */
    double ap;         /* average precision (area under the precision-recall curve
                          as scikit-learn's average_precision_score): sum over the
                          distinct scores t, highest first, of (R(t) - R(t_prev)) P(t),
                          where P, R are precision and recall predicting prob >= t
                          (tied scores form one threshold); NaN with no positives */
    uint64_t reserved[9]; /* zeroed by the library */
} mlpb_metrics;

/* Metrics of n x k probabilities against n x k labels in {0, 1}. per_output
 * (k entries, may be NULL) gets each output's metrics; mean (may be NULL) the
 * unweighted mean over outputs (NaN AUCs and APs skipped); exact_match (may be NULL)
 * the fraction of rows whose k thresholded outputs all equal their labels.
 * Sorting for the AUC takes O(n) memory from alloc.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG, MLPB_E_NOMEM, MLPB_E_NUMERIC. */
MLPB_API mlpb_status mlpb_metrics_compute(const float *prob, const float *y, size_t n,
                                          size_t k, const mlpb_allocator *alloc,
                                          mlpb_metrics *per_output, mlpb_metrics *mean,
                                          double *exact_match);

/* -------------------------------------------------------------- trainer */
/* An in-memory dataset: n rows, x n x d, y n x k (0/1), optional n sample
 * weights (>= 0). Not copied: it must outlive the call that uses it. */
typedef struct mlpb_dataset {
    const float *x;
    const float *y;
    const float *sample_weight; /* NULL: all ones */
    size_t       n;
} mlpb_dataset;

/* What the trainer reports after each epoch (and returns at the end). */
typedef struct mlpb_epoch_info {
    size_t       epoch;        /* 1-based */
    size_t       epochs;       /* planned */
    double       train_loss;   /* mean of the epoch's batch losses, weighted by rows */
    double       val_loss;     /* the training objective (pos_weight and sample
                                  weights included) on the validation rows; NaN
                                  without validation data */
    mlpb_metrics val;          /* mlpb_metrics_compute's mean over outputs on the
                                  validation rows; NaNs without validation data or
                                  when its labels are not all 0 or 1 */
    double       seconds;      /* wall time of the epoch, validation included */
    double       samples_per_s; /* training rows a second in the batch loop */
    size_t       best_epoch;   /* epoch of the lowest validation loss so far (0: none) */
    int          refit;        /* 1 for an epoch of the refit on all rows (see refit
                                  below): epoch counts from 1 within the refit, epochs
                                  is the refit's length, there is no validation */
    uint64_t     reserved[8];  /* zeroed by the library */
} mlpb_epoch_info;

/* Per-epoch callback, after the epoch's validation; return non-zero to stop
 * training after this epoch. */
typedef int (*mlpb_epoch_fn)(const mlpb_epoch_info *info, void *ctx);
/* Optional per-batch callback (progress display), after the batch's update:
 * batch is 1-based out of n_batches, loss is the batch's loss before the
 * update. Return non-zero to stop after this batch: the epoch is then wound up
 * (validation, on_epoch) as if it had ended there. Read the model in on_epoch,
 * not here: under the unit split (mlpb_workspace_set_threading) the first
 * layer's weights are held in another order during an epoch. */
typedef int (*mlpb_batch_fn)(size_t epoch, size_t batch, size_t n_batches, float loss,
                             void *ctx);

/* Options; defaults from mlpb_train_opts_default in parentheses (tests/
 * test_doc_defaults.c checks them against the function). Some defaults
 * depend on the data and so are the caller's to apply, as the mlpblas tool
 * and the Python package do (mlpb_hidden_default, mlpb_weight_decay_default
 * below; for an ensemble, mlpb_ensemble_members_default and
 * mlpb_refit_default; docs/defaults.md). */
typedef struct mlpb_train_opts {
    size_t          epochs;         /* >= 1 (300) */
    size_t          batch_size;     /* >= 1 (32); the last partial batch is used, with its
                                       own 1/n */
    mlpb_optim_opts optim;          /* the schedule counts steps (batches), not epochs
                                       (mlpb_optim_opts_default but kind MLPB_OPT_ADAMW,
                                       weight_decay 0.1) */
    float           val_fraction;   /* used when val is NULL: hold out this fraction,
                                       in [0, 1); 0 trains without validation (0.15) */
    size_t          patience;       /* early stopping: epochs without improvement (30; 0 off) */
    float           min_delta;      /* improvement needed to reset patience, >= 0 (0) */
    int             restore_best;   /* restore the best validation weights at the end (1) */
    int             standardize;    /* fit the model's standardisation on the train rows (1) */
    const float    *pos_weight;     /* k positive-class weights (> 0) or NULL (NULL) */
    uint64_t        seed;           /* shuffling and validation split (0) */
    mlpb_epoch_fn   on_epoch;       /* may be NULL (NULL) */
    mlpb_batch_fn   on_batch;       /* may be NULL (NULL) */
    void           *ctx;            /* passed to the callbacks (NULL) */
    mlpb_threading  threading;      /* of the trainer's workspace; see
                                       mlpb_workspace_set_threading (MLPB_THREADING_AUTO) */
    int             refit;          /* when the validation rows were held out here
                                       (val NULL, val_fraction > 0): afterwards train
                                       again on all rows for best_epoch epochs (1;
                                       an ensemble's members: mlpb_refit_default) */
    mlpb_precision  precision;      /* of the trainer's workspace, validation included;
                                       see mlpb_workspace_set_precision
                                       (MLPB_PRECISION_FP32) */
    mlpb_gemm       gemm;           /* of the trainer's workspace; see
                                       mlpb_workspace_set_gemm (MLPB_GEMM_AUTO) */
    double          split_phase;    /* the validation split's phase, in [0, 1); 0: the
                                       split of seed with phase 1/2; see mlpb_train,
                                       "Validation" (0) */
    uint64_t        split_seed;     /* with split_phase > 0, the seed the split is
                                       drawn with; else must be 0 (0) */
    uint64_t        reserved[14];   /* see "Structs that grow" above (0) */
} mlpb_train_opts;

MLPB_API void mlpb_train_opts_default(mlpb_train_opts *o);

/* The defaults that depend on the data, the rules the mlpblas tool and the
 * Python package follow (docs/defaults.md gives the measurements).
 * mlpb_hidden_default: the width of the one hidden layer for a model of
 * n_outputs outputs: 64 for one (a binary label), max(128, 8 n_outputs) for
 * more (classes or labels), since they share the layer.
 * mlpb_weight_decay_default: AdamW's decoupled decay for n_rows training
 * rows: 0.1 up to 1,000 rows (and for n_rows 0: mlpb_train_opts_default's
 * value), 0.1 x 1000 / n_rows above, so that the decay's pull, applied at
 * every step, does not grow with the steps an epoch has. */
MLPB_API size_t mlpb_hidden_default(size_t n_outputs);
MLPB_API float  mlpb_weight_decay_default(size_t n_rows);

typedef struct mlpb_train_report {
    mlpb_epoch_info last;           /* the last completed epoch */
    size_t          epochs_run;
    size_t          best_epoch;     /* 0 without validation */
    double          best_val_loss;  /* NaN without validation */
    int             stopped_early;  /* patience ran out */
    int             stopped_by_callback;
    size_t          fail_epoch;     /* on MLPB_E_NUMERIC: where (1-based), else 0; in
                                       the refit's epochs when refit_epochs > 0 */
    size_t          fail_batch;     /* 1-based; 0 with fail_epoch > 0: the validation
                                       pass; both 0: non-finite data, refused before
                                       the first epoch */
    double          seconds;        /* wall time of the training, refit included */
    mlpb_epoch_info best;           /* the best epoch (its validation loss and metrics);
                                       as last without validation */
    size_t          refit_epochs;   /* epochs of the refit run (best_epoch when it
                                       completed), 0 without a refit */
    double          refit_train_loss; /* the refit's last epoch's train_loss; NaN
                                       without */
    size_t          n_train;        /* rows of the validated run (all parts') */
    size_t          n_val;          /* its validation rows (all parts'); 0 without */
    uint64_t        reserved[8];    /* zeroed by the library */
} mlpb_train_report;

/* Train m on train with mini-batch optimisation (a fresh mlpb_optim from
 * opts->optim), for up to opts->epochs epochs.
 *
 * Validation: val, or else, when opts->val_fraction > 0, a split of train
 * stratified by class: the rows are grouped by class -- a row's class is its
 * label combination, the set of outputs >= 0.5: the positive or negative of
 * a binary model, the class of a one-hot multi-class one, the label set of a
 * multi-label one -- each group is shuffled, and systematic sampling with
 * phase h over the groups in turn holds out position p when
 * floor((p + 1) f + h) > floor(p f + h), f = val_fraction: n_val =
 * floor(f train->n + h) rows in all, floor or ceil of f times each class's
 * count. By default (split_phase 0) the shuffles are opts->seed's first
 * draws, the same generator then shuffling the epochs, and h = 1/2 (n_val =
 * round(f train->n)). With split_phase > 0 they are drawn with split_seed
 * and h = split_phase: runs that share split_seed and whose phases are
 * spread over [0, 1) hold out rows spread evenly over them, each row by
 * about f times their number (as an ensemble's members do,
 * mlpb_ensemble_member). When n_val is 0, training runs without
 * validation. After each epoch the validation loss
 * decides early stopping: an epoch improves when its loss is below the best so
 * far minus min_delta; after patience epochs without improvement training
 * stops, and with restore_best the parameters of the best epoch are put back
 * at the end (whatever ended training, except a failure).
 *
 * Refit (opts->refit, on by default): when the validation rows were split off
 * train here, the validated run only chooses the number of epochs; then the
 * model is trained again on all of train's rows for best_epoch epochs, exactly
 * as a second call with the model's initial parameters, val_fraction 0 and
 * epochs = best_epoch would (a fresh optimiser, the standardisation fitted on
 * all rows, the shuffling stream of the same seed, batches of
 * min(batch_size, train->n) rows), and those parameters are the result:
 * restore_best does not apply. The callbacks see the refit's epochs with
 * info->refit = 1. No refit follows a run stopped by a callback; a callback
 * that stops the refit leaves the model part-way through it. With a val set
 * given, or no row held out, refit does nothing: those rows cannot be added.
 * It costs one more copy of the parameters and about best_epoch more epochs.
 *
 * Schedules: a STEP schedule with step_size 0 or a COSINE one with t_max 0
 * takes its length from the run: t_max = the run's steps (batches an epoch
 * times epochs), step_size = the steps of a third of the epochs (at least
 * one epoch); the refit derives them again for its own rows and epochs.
 *
 * Each epoch shuffles the training rows (opts->seed) and gathers batch_size of
 * them at a time into one contiguous batch. With opts->standardize the model's
 * standardisation is fitted on the training rows only, before the first
 * epoch. The rows are read where they lie, never copied whole. All memory (a
 * row index, batch and validation buffers, two parameter snapshots and a
 * third for the refit, workspace, optimiser) is allocated from alloc before the first epoch; the
 * epoch loop allocates nothing.
 *
 * On a non-finite loss or gradient training stops with MLPB_E_NUMERIC and
 * report names the epoch and batch; the model keeps the parameters it had
 * before the failing batch (neither the pass nor the update changes them when
 * it fails) -- or, if an update with a finite gradient overflowed a parameter
 * to Inf (a far too large learning rate), those it had at the start of that
 * epoch. Data is checked before the model changes: an Inf or NaN feature,
 * target or sample weight of either set returns MLPB_E_NUMERIC with
 * fail_epoch and fail_batch 0 and the model untouched.
 *
 * report (may be NULL) is written on MLPB_OK and MLPB_E_NUMERIC; on argument
 * and allocation errors (all found before training) it and the model are
 * untouched.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, zero rows, epochs or batch_size,
 * an option or optim option out of range, a reserved word of either set, a
 * split leaving no training row),
 * MLPB_E_NOMEM, MLPB_E_NUMERIC, MLPB_E_OVERFLOW, MLPB_E_UNSUPPORTED
 * (MLPB_PRECISION_BF16 where it is not available). */
MLPB_API mlpb_status mlpb_train(mlpb_model *m, const mlpb_dataset *train,
                                const mlpb_dataset *val, const mlpb_train_opts *opts,
                                const mlpb_allocator *alloc, mlpb_train_report *report);

/* ------------------------------------------------------------- ensembles */
/* One model whose logits are the mean of the logits of n_members models of
 * one architecture (d, h_1 .. h_L, k): a network d, n h_1 .. n h_L, k with
 * the members' first layers side by side, their deeper hidden layers as the
 * diagonal blocks of the merged ones (zero elsewhere), their output layers'
 * rows concatenated and divided by n, and the mean of their output biases.
 * It predicts, saves and exports as any model; the cost of a prediction is
 * that of the members together (more, for L >= 2: the zero blocks are
 * multiplied too). The standardisation is the first standardising member's;
 * a member that standardises otherwise has the difference folded into its
 * first layer (in double, then rounded). Names and metadata are the first
 * member's, and MLPB_META_ENSEMBLE holds the number of networks. Its logits equal the mean of the members' up to float rounding.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, n_members 0, a header-only
 * member), MLPB_E_MISMATCH (architectures differ), MLPB_E_NOMEM,
 * MLPB_E_OVERFLOW. */
MLPB_API mlpb_status mlpb_model_merge(const mlpb_model *const *members, size_t n_members,
                                      mlpb_model **out);
/* The metadata key mlpb_model_merge sets on the merged model: the number of
 * networks it averages, in decimal (a member that is itself a merge counts
 * as its own number). A reader divides the hidden widths by it to get a
 * member's architecture. */
#define MLPB_META_ENSEMBLE "mlpblas.ensemble"

/* Train n_members networks of cfg's architecture as mlpb_train does, member
 * i with the configuration and options of mlpb_ensemble_member (its own
 * initial weights, validation split and shuffles), and merge them
 * (mlpb_model_merge) into a new *out. Averaging members that differ in their
 * initial weights and in the rows that chose their epoch count lowers the
 * variance that a single small-data run shows from seed to seed; the members'
 * held-out rows are spread evenly over them, so that no row weighs more in
 * the ensemble than another for a seed's sake. reports:
 * n_members reports or NULL. Member 0 is trained first, as mlpb_train
 * would; then, when opts has no callback, the others with
 * mlpb_train_parallel on the BLAS thread count (so several at once, each on
 * one BLAS thread, with the peak memory of that many trainings); with a
 * callback they are trained one at a time and the callbacks see each
 * member's epochs in turn.
 * Returns as mlpb_model_create, mlpb_train and mlpb_model_merge; *out is
 * NULL on failure. */
MLPB_API mlpb_status mlpb_train_ensemble(const mlpb_config *cfg, size_t n_members,
                                         const mlpb_dataset *train, const mlpb_dataset *val,
                                         const mlpb_train_opts *opts,
                                         const mlpb_allocator *alloc, mlpb_model **out,
                                         mlpb_train_report *reports);

/* Train models[i] as mlpb_train(models[i], train, val, &opts[i], alloc,
 * &reports[i]) would, for i in [0, n): up to `threads` of them at once, on
 * the calling thread and threads - 1 started for the call. threads 0 is the
 * BLAS thread count (mlpb_blas_threads) where every model's forward pass is
 * at least 2^10 multiply-adds a row, else 1: smaller networks' BLAS calls
 * are so short that two trainings side by side slowed each other more than
 * the second core gave (docs/bench.md). With threads >= 2 every training
 * runs on one BLAS thread (the count is set to 1 process-wide for the call,
 * and restored), so that a model's result does not depend on how many
 * threads were asked for or which thread trained it; with threads 1 they
 * are trained one after another on the BLAS threads as set. This is how
 * ensembles use a machine's cores: a small network's training cannot use
 * more than one. Each model's callbacks are called from the thread that
 * trains it, and alloc from any of them: with threads >= 2 both must be
 * safe to call from several threads at once (NULL callbacks are). reports:
 * n reports or NULL. Memory: that of up to `threads` trainings at once.
 * Every model is trained whatever the others' outcome. Returns MLPB_OK, or
 * the status of the first model (in order) whose training failed;
 * MLPB_E_INVALID_ARG (models or opts NULL, n 0), MLPB_E_NOMEM. */
MLPB_API mlpb_status mlpb_train_parallel(mlpb_model *const *models, size_t n,
                                         const mlpb_dataset *train, const mlpb_dataset *val,
                                         const mlpb_train_opts *opts, size_t threads,
                                         const mlpb_allocator *alloc,
                                         mlpb_train_report *reports);

/* The configuration and options of member i (0-based) of an ensemble, those
 * mlpb_train_ensemble trains it with: cfg and opts, with member i >= 1's
 * seeds (cfg->seed for the initial weights, opts->seed for the shuffles of
 * the epochs) moved i steps along a Weyl sequence, seed + i *
 * 0x9E3779B97F4A7C15 (mod 2^64), and its validation split the shuffle of
 * member 0's (split_seed = opts->seed) taken at phase frac(1/2 + i / g), g
 * the golden ratio (split_phase; computed exactly as the top 53 bits of
 * 2^63 + i * 0x9E3779B97F4A7C15 mod 2^64, over 2^53). Member 0 is the plain
 * run of cfg and opts; ensembles from nearby seeds (s and s + 1) share no
 * member; and the phases of any number of members lie evenly in [0, 1), so
 * that each row is held out by about val_fraction times the members (8
 * members at 0.15: every row by one or two of them, where seeds of their
 * own would leave some rows held out by none and others by three or
 * more). opts must not set split_phase itself. For callers that train the members
 * themselves (with their own callbacks, or in several parts). Returns
 * MLPB_OK or MLPB_E_INVALID_ARG (NULL, opts->split_phase not 0). */
MLPB_API mlpb_status mlpb_ensemble_member(const mlpb_config *cfg, const mlpb_train_opts *opts,
                                          size_t i, mlpb_config *cfg_i,
                                          mlpb_train_opts *opts_i);

/* The members an ensemble of mlpb_train_ensemble has by default for a
 * training set of n_rows rows, the rule the mlpblas tool and the Python
 * package follow: 8 under 1,000 rows, where a single network's accuracy
 * varies most with its seed and the trainings are cheap; 1 (a single
 * network) from 1,000 rows on. docs/defaults.md gives the measurements. */
MLPB_API size_t mlpb_ensemble_members_default(size_t n_rows);
/* The default of opts->refit for the members of an ensemble of n_members,
 * the rule the mlpblas tool and the Python package follow: 1 for a single
 * network (mlpb_train_opts_default's), 0 for an ensemble, whose members
 * each held out other rows (their own seeds' splits), so that together they
 * have learnt from every row; a refit would double the cost and, measured,
 * gain nothing (docs/defaults.md). */
MLPB_API int    mlpb_refit_default(size_t n_members);

/* ------------------------------------------------ training in several parts */
/* mlpb_train_ex runs mlpb_train on rows spread over several cooperating
 * processes ("parts": the ranks of libmlpblas_mpi's mlpb_mpi_train, which is
 * this with MPI calls). The parts hold contiguous slices of the global rows,
 * in part order; every part runs the same trainer on the global row index --
 * the same split, shuffles and batches -- and computes the rows of each
 * global batch that it holds. The hooks below are all the communication the
 * trainer needs. Each is collective: every part calls it at the same point
 * with the same sizes, and it must give every part the same result, bit for
 * bit (a reduction that rounds differently on different parts would make
 * them take different branches). With one part and hooks that change nothing
 * mlpb_train_ex is mlpb_train. */
typedef struct mlpb_train_comm {
    size_t n_total;     /* training rows of all parts, >= 1 */
    size_t offset;      /* this part's rows are global rows [offset, offset + train->n) */
    size_t val_n_total; /* rows of the parts' val sets (0: no part has one) */
    size_t val_offset;  /* this part's val rows' first global index */
    /* v[0..n) := its sum over all parts. */
    void (*sum)(double *v, size_t n, void *ctx);
    /* all holds n_total items of size bytes, of which this part's n_local
     * sit at the position of the lower parts' n_local summed; afterwards all
     * holds every part's. Returns MLPB_OK or, on every part, MLPB_E_OVERFLOW
     * (too many items for the transport). */
    mlpb_status (*gather)(void *all, size_t size, size_t n_local, size_t n_total, void *ctx);
    /* The gradient of a global batch of n_global rows, this part's n of
     * which (n may be 0) are x, y, w as for mlpb_loss_grad_weighted: on
     * MLPB_OK every part's gradient arena holds the gradient of the batch's
     * mean loss, finite, and *loss this part's share of that mean. The
     * status is the same on every part. */
    mlpb_status (*loss_grad)(mlpb_model *m, mlpb_workspace *ws, const float *x,
                             const float *y, size_t n, size_t n_global,
                             const mlpb_loss_weights *w, float *loss, void *ctx);
    /* The first failure among the parts' statuses (MLPB_OK when none). */
    mlpb_status (*agree)(mlpb_status local, void *ctx);
    void *ctx;
    uint64_t reserved[4]; /* zero (see "Structs that grow" above): a later hook
                             is NULL when absent */
} mlpb_train_comm;

/* mlpb_train on the rows of all parts: train is this part's slice (n may be
 * 0; x and y then may be NULL), val this part's slice of the validation set
 * or NULL. comm NULL: mlpb_train. The model must start the same on every
 * part (parameters and standardisation), opts too (callbacks apart); the
 * callbacks run on every part with the same values, and training stops
 * where any part's callback asks it to (with on_batch set, each batch costs
 * one more sum). Every part returns the same status and report (timings
 * apart). Memory per part: as mlpb_train's for n_total rows, less the
 * rows it does not hold in the batch buffers; the validation probabilities
 * and labels of all parts. The unit split of MLPB_THREADING_SPLIT is not
 * used: comm->loss_grad computes every gradient. A comm with a hook NULL,
 * slices outside its totals or a reserved word set is refused
 * (MLPB_E_INVALID_ARG), here and by mlpb_train_split_ex. */
MLPB_API mlpb_status mlpb_train_ex(mlpb_model *m, const mlpb_dataset *train,
                                   const mlpb_dataset *val, const mlpb_train_opts *opts,
                                   const mlpb_train_comm *comm, const mlpb_allocator *alloc,
                                   mlpb_train_report *report);

/* The validation rows mlpb_train holds out of train when it is given no val
 * set and val_fraction > 0 with seed as opts->seed: pick[i] = 1 for each
 * held-out row i of train (n_outputs values a row in train->y), 0 for the
 * others, and *n_val their count. The split is the one mlpb_train makes, by
 * the same code (see mlpb_train, "Validation"). For callers that need the
 * rows themselves (to evaluate on them after training, or count their
 * classes) while letting mlpb_train split, early-stop and refit. train->x is
 * not read. pick: train->n bytes. Scratch (24 bytes a row) comes from alloc
 * (NULL: the default).
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, zero rows or outputs,
 * val_fraction outside [0, 1) or not finite, a split that would leave no
 * training row), MLPB_E_OVERFLOW, MLPB_E_NOMEM. */
MLPB_API mlpb_status mlpb_train_split(const mlpb_dataset *train, size_t n_outputs,
                                      float val_fraction, uint64_t seed,
                                      const mlpb_allocator *alloc, unsigned char *pick,
                                      size_t *n_val);

/* The validation rows mlpb_train(m, train, NULL, opts, ...) holds out, as
 * mlpb_train_split for opts' val_fraction and seed, or for its split_seed
 * and split_phase when that is set (an ensemble's members,
 * mlpb_ensemble_member). Returns as mlpb_train_split, and
 * MLPB_E_INVALID_ARG for opts NULL or a split_phase or split_seed that
 * mlpb_train refuses. */
MLPB_API mlpb_status mlpb_train_split_for(const mlpb_dataset *train, size_t n_outputs,
                                          const mlpb_train_opts *opts,
                                          const mlpb_allocator *alloc, unsigned char *pick,
                                          size_t *n_val);

/* mlpb_train_split for a run in several parts (mlpb_train_ex): train is
 * this part's slice, pick gets its train->n bytes, *n_val counts the
 * held-out rows of all parts. comm's gather and agree are used (collective);
 * comm NULL: mlpb_train_split. Scratch: 33 bytes a row of all parts. */
MLPB_API mlpb_status mlpb_train_split_ex(const mlpb_dataset *train, size_t n_outputs,
                                         float val_fraction, uint64_t seed,
                                         const mlpb_train_comm *comm,
                                         const mlpb_allocator *alloc, unsigned char *pick,
                                         size_t *n_val);

/* Peak bytes mlpb_train(m, train, NULL, opts, alloc, report) holds from alloc
 * for a model of these sizes and train->n = n_rows, validation by
 * opts->val_fraction: the row index, the split's bookkeeping, validation
 * targets, logits, probabilities and metrics scratch, the batch buffers, the
 * two parameter snapshots (three with opts->refit and validation by
 * val_fraction), the workspace (with its split arenas and team for
 * opts->threading, as mlpb_workspace_memory), and the optimiser's moments, each
 * block counted as the allocator is asked for it (rounded up to 64 bytes).
 * NOT included: the model itself (see mlpb_model_memory), the caller's data,
 * thread stacks, and BLAS's own buffers. It is an upper bound, exact but for
 * one guess made without the data: sample weights are assumed present
 * (bs floats). The split's scratch (24 bytes a row) is counted.
 * Returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, zero rows, epochs or batch_size,
 * an option out of range, a reserved word set), MLPB_E_OVERFLOW. */
MLPB_API mlpb_status mlpb_train_memory(const size_t *sizes, size_t n_sizes, size_t n_rows,
                                       const mlpb_train_opts *opts, size_t *bytes);
/* As mlpb_train_memory for mlpb_train(m, train, val, ...) with a separate
 * validation set: train->n = n_train, val->n = n_val (>= 1). */
MLPB_API mlpb_status mlpb_train_memory_val(const size_t *sizes, size_t n_sizes,
                                           size_t n_train, size_t n_val,
                                           const mlpb_train_opts *opts, size_t *bytes);

/* ----------------------------------------------------------- model files */
/* Binary, versioned, little-endian; see docs/model-format.md. save writes
 * format version MLPB_MODEL_FORMAT_VERSION; load reads versions 1 (no names,
 * no metadata) and 2.
 *
 * save is atomic: on Linux the image is written to an unnamed file in the
 * target's directory (O_TMPFILE) and fsynced; a new file is then linked at
 * its name (linkat), so a killed process leaves nothing behind; a replaced
 * file is linked at a short temporary name (".mlpb-XXXXXX") and renamed over
 * the target, so only a kill between those two calls leaves that name.
 * Where the file system lacks O_TMPFILE (or the file cannot be linked: no
 * /proc) the image goes to such a temporary name from the start, fsynced, then renamed; it is removed on failure.
 * Either way the target is at every moment the old file or the complete new
 * one, and a failed save leaves an existing file untouched. The new file's mode is 0666 & ~umask, or when it replaces
 * a regular file, that file's permission bits (mode & 0777: setuid, setgid
 * and sticky are never copied); it belongs to the calling process.
 * save returns MLPB_OK, MLPB_E_INVALID_ARG (NULL, empty path, a header-only
 * model), MLPB_E_IO (errno kept).
 * load validates magic, version, sizes, length and CRC before allocating and
 * returns MLPB_OK, MLPB_E_INVALID_ARG, MLPB_E_IO, MLPB_E_FORMAT, MLPB_E_VERSION,
 * MLPB_E_TRUNCATED, MLPB_E_CHECKSUM, MLPB_E_CORRUPT, MLPB_E_TRAILING,
 * MLPB_E_NOMEM; *out is NULL on failure. */
MLPB_API mlpb_status mlpb_model_save(const mlpb_model *m, const char *path);
MLPB_API mlpb_status mlpb_model_load(const char *path, const mlpb_allocator *alloc,
                                     mlpb_model **out);
MLPB_API mlpb_status mlpb_model_load_mem(const void *buf, size_t len,
                                         const mlpb_allocator *alloc, mlpb_model **out);
/* Size in bytes of m's file image, and encode it into buf (len >= that size). */
MLPB_API size_t      mlpb_model_file_size(const mlpb_model *m);
MLPB_API mlpb_status mlpb_model_save_mem(const mlpb_model *m, void *buf, size_t len);
#define MLPB_MODEL_FORMAT_VERSION 2

/* Loading and verifying use about 70 KiB of stack (a 4 KiB buffer, and the
 * duplicate-key check of up to MLPB_META_MAX_ENTRIES keys), no heap until the
 * file has been checked. */
/* Header-only loading, for inspecting a file of any size: reads the sizes,
 * names, metadata and standardisation, never the parameters, and allocates
 * only the model's bookkeeping, its names and metadata, and 2 d floats for
 * the standardisation -- all lengths the real file length has confirmed. It
 * runs every check of mlpb_model_load but the CRC and, for the parameters,
 * nothing at all (use mlpb_model_verify_file for those). The model it returns
 * has no parameter or gradient arenas: mlpb_model_has_params is 0,
 * mlpb_model_params, mlpb_model_grads and mlpb_model_grads_mut return NULL
 * with a count of 0 (the sizes give the count), mlpb_model_file_size
 * returns 0, and mlpb_model_layer, mlpb_model_init, mlpb_model_clone,
 * mlpb_model_copy_params, mlpb_predict, mlpb_predict_logits, mlpb_loss,
 * mlpb_loss_grad(_weighted), mlpb_sgd_step, mlpb_optim_create, mlpb_optim_step,
 * mlpb_train, mlpb_model_save and mlpb_model_save_mem return
 * MLPB_E_INVALID_ARG. Shape queries, names, metadata, standardisation and
 * mlpb_model_destroy work as usual. Returns the statuses of mlpb_model_load
 * except MLPB_E_CHECKSUM. */
MLPB_API mlpb_status mlpb_model_load_header(const char *path, const mlpb_allocator *alloc,
                                            mlpb_model **out);
MLPB_API mlpb_status mlpb_model_load_header_mem(const void *buf, size_t len,
                                                const mlpb_allocator *alloc,
                                                mlpb_model **out);
/* 1 if m holds parameters (every model but a header-only one), 0 otherwise. */
MLPB_API int         mlpb_model_has_params(const mlpb_model *m);
/* Every check mlpb_model_load makes, CRC included, reading the file once
 * through a 4 KiB buffer and allocating nothing: MLPB_OK exactly when
 * mlpb_model_load would succeed given the memory. Returns the statuses of
 * mlpb_model_load but MLPB_E_NOMEM. */
MLPB_API mlpb_status mlpb_model_verify_file(const char *path);

/* --------------------------------------------------------------- threads */
/* BLAS threading is process-global; the library never changes it on its own.
 * These wrap the BLAS library's calls for programs that do not link it
 * directly. set_threads with n < 1 is ignored. blas_config is a static string
 * describing the BLAS build and core ("unknown" if not reported). */
MLPB_API void        mlpb_blas_set_threads(int n);
MLPB_API int         mlpb_blas_threads(void);
MLPB_API const char *mlpb_blas_config(void);

#ifdef __cplusplus
}
#endif
#endif /* MLPBLAS_H */
