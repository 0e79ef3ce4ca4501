/* test_faults.c -- fault injection across the library: the allocator failing
 * at each allocation of every allocating entry point (MLPB_E_NOMEM, nothing
 * leaked, existing objects unchanged and usable; the trainer's epoch loop
 * allocates nothing), and model saves interrupted at every write, fsync,
 * close, rename, linkat and temporary-file creation, both through O_TMPFILE
 * and through the named fallback, by a file-size limit or by a full tmpfs, which
 * must leave the previous file intact and no temporary behind. System calls
 * fail through the linker's --wrap (see tests/CMakeLists.txt). */
/* unshare and mount, for the full-disk test on a private tmpfs. */
#define _GNU_SOURCE
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* ------------------------------------------------------ system-call faults */
/* Which call to break, and how. Test-only state: the wrappers below consult
 * it on every call, and it is armed only around one mlpb_model_save. */
typedef enum fault_fn { F_NONE, F_WRITE, F_FSYNC, F_CLOSE, F_RENAME, F_CREATE, F_LINK } fault_fn;
typedef enum fault_kind {
    K_FAIL,     /* return -1 with err */
    K_SHORT,    /* write half the bytes, then fail every later write with err */
    K_ZERO,     /* write returns 0 (no progress, no error) */
    K_INTR_ONCE /* fail once with EINTR, then behave */
} fault_kind;
static struct fault {
    fault_fn fn;
    fault_kind kind;
    size_t at; /* 0-based index of the call to break */
    int err;
    size_t calls; /* calls of fn seen since arming */
    int tripped;  /* K_SHORT: every write after the short one fails */
    int no_tmpfile; /* every O_TMPFILE open fails with EOPNOTSUPP (armed or not) */
} fault;

ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_fsync(int fd);
int __real_close(int fd);
int __real_rename(const char *from, const char *to);
int __real_open(const char *path, int flags, ...);
int __real_linkat(int fd1, const char *p1, int fd2, const char *p2, int flags);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_fsync(int fd);
int __wrap_close(int fd);
int __wrap_rename(const char *from, const char *to);
int __wrap_open(const char *path, int flags, ...);
int __wrap_linkat(int fd1, const char *p1, int fd2, const char *p2, int flags);

static void arm(fault_fn fn, fault_kind kind, size_t at, int err)
{
    fault.fn = fn;
    fault.kind = kind;
    fault.at = at;
    fault.err = err;
    fault.calls = 0;
    fault.tripped = 0;
}

/* O_TMPFILE includes O_DIRECTORY: test the whole mask. */
static int is_tmpfile(int flags)
{
#ifdef O_TMPFILE
    return (flags & O_TMPFILE) == O_TMPFILE;
#else
    (void)flags;
    return 0;
#endif
}

static void disarm(void)
{
    fault.fn = F_NONE;
}

/* True when this call of fn is the one to break. */
static int hit(fault_fn fn)
{
    return fault.fn == fn && fault.calls++ == fault.at;
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
    if (fault.fn == F_WRITE && fault.tripped) {
        errno = fault.err;
        return -1;
    }
    if (!hit(F_WRITE))
        return __real_write(fd, buf, n);
    if (fault.kind == K_SHORT) {
        fault.tripped = 1;
        return __real_write(fd, buf, n / 2 > 0 ? n / 2 : 1);
    }
    if (fault.kind == K_ZERO)
        return 0;
    errno = fault.kind == K_INTR_ONCE ? EINTR : fault.err;
    return -1;
}

int __wrap_fsync(int fd)
{
    if (!hit(F_FSYNC))
        return __real_fsync(fd);
    errno = fault.err;
    return -1;
}

/* Linux releases the descriptor even when close reports an error. */
int __wrap_close(int fd)
{
    if (!hit(F_CLOSE))
        return __real_close(fd);
    (void)__real_close(fd);
    errno = fault.err;
    return -1;
}

int __wrap_rename(const char *from, const char *to)
{
    if (!hit(F_RENAME))
        return __real_rename(from, to);
    errno = fault.err;
    return -1;
}

/* F_CREATE: the creation of the temporary file (O_TMPFILE or O_CREAT). */
int __wrap_open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if ((flags & O_CREAT) || is_tmpfile(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, unsigned);
        va_end(ap);
        if (fault.no_tmpfile && is_tmpfile(flags)) {
            errno = EOPNOTSUPP;
            return -1;
        }
        if (hit(F_CREATE)) {
            errno = fault.err;
            return -1;
        }
    }
    return __real_open(path, flags, mode);
}

int __wrap_linkat(int fd1, const char *p1, int fd2, const char *p2, int flags)
{
    if (!hit(F_LINK))
        return __real_linkat(fd1, p1, fd2, p2, flags);
    errno = fault.err;
    return -1;
}

/* ---------------------------------------------------------- fixtures */
/* A seeded model with a standardisation, so that every region of the file
 * format is present. */
static mlpb_model *std_model(const size_t *sizes, size_t n, uint64_t seed)
{
    mlpb_model *m = mlpbt_model(sizes, n, seed);
    float *mean = malloc(sizes[0] * sizeof *mean), *sd = malloc(sizes[0] * sizeof *sd);
    assert_non_null(mean);
    assert_non_null(sd);
    mlpbt_fill_uniform(mean, sizes[0], -2.0f, 2.0f, seed + 1);
    mlpbt_fill_uniform(sd, sizes[0], 0.5f, 3.0f, seed + 2);
    assert_int_equal(mlpb_model_set_standardization(m, mean, sd), MLPB_OK);
    free(mean);
    free(sd);
    return m;
}

/* ------------------------------------------------------- interrupted saves */
static const size_t old_sizes[] = {3, 4, 2};
static const size_t new_sizes[] = {100, 100, 2}; /* 10302 floats, about 41 KB */

/* A directory holding model.mlpb (the old model's file) and its bytes. */
typedef struct save_fixture {
    char dir[PATH_MAX], path[PATH_MAX];
    mlpb_model *old_m, *new_m;
    unsigned char *old_img;
    size_t old_len;
} save_fixture;

static void fixture_open(save_fixture *f)
{
    mlpbt_make_tmpdir(f->dir, sizeof f->dir, "faults");
    mlpbt_path_in(f->path, sizeof f->path, f->dir, "model.mlpb");
    f->old_m = std_model(old_sizes, 3, 11);
    f->new_m = std_model(new_sizes, 3, 12);
    assert_int_equal(mlpb_model_save(f->old_m, f->path), MLPB_OK);
    f->old_img = mlpbt_read_file(f->path, &f->old_len);
    size_t len;
    unsigned char *img = mlpbt_model_image(f->old_m, &len);
    assert_int_equal(len, f->old_len);
    assert_memory_equal(img, f->old_img, len);
    free(img);
}

static void fixture_close(save_fixture *f)
{
    free(f->old_img);
    mlpb_model_destroy(f->old_m);
    mlpb_model_destroy(f->new_m);
    mlpbt_remove_tmpdir(f->dir);
}

/* After a failed save: the old file is byte for byte as before, loads into
 * a model that re-encodes to those bytes, and is alone in its directory. */
static void assert_old_file_intact(const save_fixture *f)
{
    size_t len;
    unsigned char *now = mlpbt_read_file(f->path, &len);
    assert_int_equal(len, f->old_len);
    assert_memory_equal(now, f->old_img, len);
    free(now);
    mlpb_model *r = NULL;
    assert_int_equal(mlpb_model_load(f->path, NULL, &r), MLPB_OK);
    unsigned char *img = mlpbt_model_image(r, &len);
    assert_int_equal(len, f->old_len);
    assert_memory_equal(img, f->old_img, len);
    free(img);
    mlpb_model_destroy(r);
    char name[256];
    assert_int_equal(mlpbt_count_entries(f->dir, name, sizeof name), 1);
    assert_string_equal(name, "model.mlpb");
}

/* Save new_m over the old file with the fault armed; expect MLPB_E_IO with
 * errno want_errno, and the old file intact. */
static void expect_failed_save(const save_fixture *f, fault_fn fn, fault_kind kind, size_t at,
                               int err, int want_errno)
{
    arm(fn, kind, at, err);
    errno = 0;
    const mlpb_status s = mlpb_model_save(f->new_m, f->path);
    const int got_errno = errno;
    disarm();
    if (s != MLPB_E_IO || got_errno != want_errno)
        print_message("fault %d kind %d at %zu: status %d errno %d\n", (int)fn, (int)kind, at,
                      (int)s, got_errno);
    assert_int_equal(s, MLPB_E_IO);
    assert_int_equal(got_errno, want_errno);
    assert_old_file_intact(f);
}

/* How many times a clean save of new_m calls fn. */
static size_t calls_in_save(const save_fixture *f, fault_fn fn)
{
    char path[PATH_MAX];
    mlpbt_path_in(path, sizeof path, f->dir, "count.mlpb");
    arm(fn, K_FAIL, SIZE_MAX, 0);
    assert_int_equal(mlpb_model_save(f->new_m, path), MLPB_OK);
    const size_t n = fault.calls;
    disarm();
    assert_int_equal(unlink(path), 0);
    return n;
}

static void test_faults_save_every_write(void **state)
{
    (void)state;
    save_fixture f;
    fixture_open(&f);
    const size_t writes = calls_in_save(&f, F_WRITE);
    assert_true(writes >= 1);
    for (size_t at = 0; at < writes; at++) {
        expect_failed_save(&f, F_WRITE, K_FAIL, at, ENOSPC, ENOSPC);
        expect_failed_save(&f, F_WRITE, K_FAIL, at, EIO, EIO);
        /* A full disk: part of a chunk goes out, the rest fails. */
        expect_failed_save(&f, F_WRITE, K_SHORT, at, ENOSPC, ENOSPC);
        /* A write that makes no progress is an error, not a loop. */
        expect_failed_save(&f, F_WRITE, K_ZERO, at, 0, EIO);
    }
    print_message("save: %zu write calls, each failed 4 ways\n", writes);

    /* An interrupted write is retried: the save completes, bit for bit. */
    for (size_t at = 0; at < writes; at++) {
        arm(F_WRITE, K_INTR_ONCE, at, 0);
        const mlpb_status s = mlpb_model_save(f.new_m, f.path);
        disarm();
        assert_int_equal(s, MLPB_OK);
        size_t len, want_len;
        unsigned char *got = mlpbt_read_file(f.path, &len), *want = mlpbt_model_image(f.new_m, &want_len);
        assert_int_equal(len, want_len);
        assert_memory_equal(got, want, len);
        free(got);
        free(want);
        assert_int_equal(mlpb_model_save(f.old_m, f.path), MLPB_OK); /* back to old */
    }
    assert_old_file_intact(&f);
    fixture_close(&f);
}

/* Whether this system gives the save an O_TMPFILE file in dir. */
static int tmpfile_works(const char *dir)
{
#ifdef O_TMPFILE
    const int fd = open(dir, O_TMPFILE | O_WRONLY, 0600);
    if (fd >= 0)
        close(fd);
    return fd >= 0;
#else
    (void)dir;
    return 0;
#endif
}

static void save_syscall_faults(save_fixture *f, int tmpfile)
{
    /* The file's fsync (a second one, of the directory, comes after the
     * rename and is best effort), the temporary's creation, its link or
     * rename. */
    expect_failed_save(f, F_FSYNC, K_FAIL, 0, EIO, EIO);
    expect_failed_save(f, F_FSYNC, K_FAIL, 0, ENOSPC, ENOSPC);
    expect_failed_save(f, F_RENAME, K_FAIL, 0, EXDEV, EXDEV);
    expect_failed_save(f, F_RENAME, K_FAIL, 0, EACCES, EACCES);
    expect_failed_save(f, F_CREATE, K_FAIL, 0, EMFILE, EMFILE);
    expect_failed_save(f, F_CREATE, K_FAIL, 0, EACCES, EACCES);
    if (tmpfile) {
        expect_failed_save(f, F_LINK, K_FAIL, 0, EMLINK, EMLINK);
        /* linkat unable to name the file (no /proc, no AT_EMPTY_PATH
         * privilege): the named fallback saves it. */
        arm(F_LINK, K_FAIL, 0, ENOENT);
        assert_int_equal(mlpb_model_save(f->new_m, f->path), MLPB_OK);
        disarm();
        assert_int_equal(mlpb_model_save(f->old_m, f->path), MLPB_OK);
        assert_old_file_intact(f);
        /* After fsync and the link, the close cannot lose data: the save
         * stands. */
        arm(F_CLOSE, K_FAIL, 0, EIO);
        assert_int_equal(mlpb_model_save(f->new_m, f->path), MLPB_OK);
        disarm();
        assert_int_equal(mlpb_model_save(f->old_m, f->path), MLPB_OK);
    } else {
        expect_failed_save(f, F_CLOSE, K_FAIL, 0, EIO, EIO);
    }

    /* Without a previous file a failed save leaves nothing at all. */
    assert_int_equal(unlink(f->path), 0);
    const fault_fn fns[] = {F_WRITE, F_FSYNC, F_CLOSE, F_RENAME, F_CREATE, F_LINK};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
        arm(fns[i], K_FAIL, 0, EIO);
        const mlpb_status s = mlpb_model_save(f->new_m, f->path);
        const size_t calls = fault.calls;
        disarm();
        if (calls == 0 || (tmpfile && fns[i] == F_CLOSE)) {
            /* Not on this path (rename for a new O_TMPFILE file, linkat for
             * a named temporary), or harmless: the save went through. */
            assert_int_equal(s, MLPB_OK);
            assert_int_equal(unlink(f->path), 0);
            continue;
        }
        assert_int_equal(s, MLPB_E_IO);
        assert_int_equal(mlpbt_count_entries(f->dir, NULL, 0), 0);
    }
    /* The fixture's file again, so that closing finds what it expects. */
    assert_int_equal(mlpb_model_save(f->old_m, f->path), MLPB_OK);
    assert_old_file_intact(f);
}

static void test_faults_save_fsync_close_rename_create(void **state)
{
    (void)state;
    save_fixture f;
    fixture_open(&f);
    const int tmpfile = tmpfile_works(f.dir);
    print_message("O_TMPFILE %s here\n", tmpfile ? "works" : "is not supported");
    if (tmpfile)
        save_syscall_faults(&f, 1);
    /* The named fallback, as on a file system without O_TMPFILE. */
    fault.no_tmpfile = 1;
    save_syscall_faults(&f, 0);
    fault.no_tmpfile = 0;
    fixture_close(&f);
}

/* RLIMIT_FSIZE below the new file's size (SIGXFSZ ignored, so write fails
 * with EFBIG, for root too): every limit from 0 up to the size, in steps and
 * around each 4 KB chunk boundary, fails cleanly; the size itself succeeds. */
static void test_faults_save_fsize_sweep(void **state)
{
    (void)state;
    save_fixture f;
    fixture_open(&f);
    const size_t size = mlpb_model_file_size(f.new_m);
    struct rlimit old_lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
    if (old_lim.rlim_cur != RLIM_INFINITY && old_lim.rlim_cur < size) {
        print_message("RLIMIT_FSIZE already below %zu: skipped\n", size);
        fixture_close(&f);
        skip();
    }
    struct sigaction ign, old_act;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    assert_int_equal(sigaction(SIGXFSZ, &ign, &old_act), 0);

    size_t limits[256], n = 0;
    for (size_t l = 0; l < size; l += 1009)
        limits[n++] = l;
    for (size_t c = 4096; c < size; c += 4096) {
        limits[n++] = c - 1;
        limits[n++] = c;
        limits[n++] = c + 1;
    }
    limits[n++] = 1;
    limits[n++] = size - 4; /* everything but the CRC */
    limits[n++] = size - 1;
    assert_true(n <= sizeof limits / sizeof *limits);
    for (size_t i = 0; i < n; i++) {
        struct rlimit lim = old_lim;
        lim.rlim_cur = (rlim_t)limits[i];
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
        errno = 0;
        const mlpb_status s = mlpb_model_save(f.new_m, f.path);
        const int err = errno;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
        if (s != MLPB_E_IO || err != EFBIG)
            print_message("limit %zu: status %d errno %d\n", limits[i], (int)s, err);
        assert_int_equal(s, MLPB_E_IO);
        assert_int_equal(err, EFBIG);
        assert_old_file_intact(&f);
    }
    /* Exactly the file's size is enough. */
    struct rlimit lim = old_lim;
    lim.rlim_cur = (rlim_t)size;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    const mlpb_status s = mlpb_model_save(f.new_m, f.path);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
    assert_int_equal(sigaction(SIGXFSZ, &old_act, NULL), 0);
    assert_int_equal(s, MLPB_OK);
    mlpb_model *r = NULL;
    assert_int_equal(mlpb_model_load(f.path, NULL, &r), MLPB_OK);
    size_t got_len, want_len;
    unsigned char *got = mlpbt_model_image(r, &got_len), *want = mlpbt_model_image(f.new_m, &want_len);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, got_len);
    free(got);
    free(want);
    mlpb_model_destroy(r);
    print_message("save: %zu file-size limits in 0..%zu refused cleanly\n", n, size - 1);

    assert_int_equal(mlpb_model_save(f.old_m, f.path), MLPB_OK);
    fixture_close(&f);
}

/* A real full disk: in a child process with a private mount namespace, a
 * tmpfs of 8 KiB .. 64 KiB holds the old model's file, and saving the 41 KB
 * model over it runs out of space (ENOSPC) for every size too small, leaving
 * the old file intact and nothing else; large enough, the save succeeds.
 * Skipped where mounting is not permitted. The child reports through its exit
 * status (cmocka's checks must stay in the parent). */
enum { TMPFS_OK = 0, TMPFS_SKIP = 77 };

static int tmpfs_child(const char *dir, const save_fixture *f, size_t *n_full)
{
    if (unshare(CLONE_NEWNS) != 0)
        return TMPFS_SKIP;
    /* Keep the mounts below from propagating back to the parent's namespace. */
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
        return TMPFS_SKIP;
    char path[PATH_MAX + 16], name[256];
    snprintf(path, sizeof path, "%s/model.mlpb", dir);
    const size_t new_len = mlpb_model_file_size(f->new_m);
    int saw_success = 0;
    *n_full = 0;
    for (size_t kib = 8; kib <= 64; kib += 4) {
        char opts[32];
        snprintf(opts, sizeof opts, "size=%zuk", kib);
        if (mount("mlpbtest", dir, "tmpfs", 0, opts) != 0)
            return kib == 8 ? TMPFS_SKIP : 10;
        if (mlpb_model_save(f->old_m, path) != MLPB_OK)
            return 11;
        errno = 0;
        const mlpb_status s = mlpb_model_save(f->new_m, path);
        const int err = errno;
        size_t len;
        unsigned char *now = NULL;
        FILE *fp = fopen(path, "rb");
        if (fp != NULL) {
            now = malloc(new_len + f->old_len);
            len = now != NULL ? fread(now, 1, new_len + f->old_len, fp) : 0;
            fclose(fp);
        }
        if (now == NULL)
            return 12;
        if (mlpbt_count_entries(dir, name, sizeof name) != 1 || strcmp(name, "model.mlpb") != 0)
            return 13;
        if (s == MLPB_OK) {
            unsigned char *want = mlpbt_model_image(f->new_m, &len);
            const int same = memcmp(now, want, new_len) == 0;
            free(want);
            if (!same)
                return 14;
            saw_success = 1;
        } else {
            if (s != MLPB_E_IO || err != ENOSPC)
                return 15;
            if (len != f->old_len || memcmp(now, f->old_img, len) != 0)
                return 16;
            if (saw_success) /* more room cannot make it fail again */
                return 17;
            ++*n_full;
        }
        free(now);
        if (umount(dir) != 0)
            return 18;
    }
    return *n_full > 0 && saw_success ? TMPFS_OK : 19;
}

static void test_faults_save_full_tmpfs(void **state)
{
    (void)state;
    save_fixture f;
    fixture_open(&f);
    char dir[PATH_MAX];
    mlpbt_path_in(dir, sizeof dir, f.dir, "small");
    assert_int_equal(mkdir(dir, 0700), 0);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        size_t n_full = 0;
        const int code = tmpfs_child(dir, &f, &n_full);
        if (write(fds[1], &n_full, sizeof n_full) != (ssize_t)sizeof n_full)
            _exit(20);
        _exit(code);
    }
    close(fds[1]);
    size_t n_full = 0;
    const ssize_t got = read(fds[0], &n_full, sizeof n_full);
    close(fds[0]);
    int wst;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    assert_true(got == (ssize_t)sizeof n_full);
    assert_true(WIFEXITED(wst));
    assert_int_equal(rmdir(dir), 0);
    assert_old_file_intact(&f);
    fixture_close(&f);
    if (WEXITSTATUS(wst) == TMPFS_SKIP) {
        print_message("tmpfs: mounting not permitted here, skipped\n");
        skip();
    }
    assert_int_equal(WEXITSTATUS(wst), TMPFS_OK);
    print_message("save: full tmpfs (%zu sizes from 8 KiB) refused cleanly\n", n_full);
}

/* ------------------------------------------------------ allocation faults */
/* One allocating call under test. setup (may be NULL) makes the objects the
 * call is given, with allocations that are counted but never failed; call
 * runs with allocator a; release frees what a successful call made; check
 * (may be NULL) runs after each failure and verifies that the objects the
 * call was given are unchanged and usable; teardown (may be NULL) frees what
 * setup made. */
typedef struct alloc_case {
    const char *name;
    void (*setup)(void *ctx, const mlpb_allocator *a);
    mlpb_status (*call)(void *ctx, const mlpb_allocator *a);
    void (*release)(void *ctx);
    void (*check)(void *ctx);
    void (*teardown)(void *ctx);
    void *ctx;
} alloc_case;

/* Fail allocation k = 0, 1, ... of the call until it succeeds. Each failure
 * must be MLPB_E_NOMEM with nothing left live; the successful run must have
 * made exactly k allocations (so every one of them was failed once).
 * Returns k. */
static size_t sweep(const alloc_case *c)
{
    mlpbt_counter cnt;
    const mlpb_allocator a = mlpbt_counting_allocator(&cnt);
    size_t k;
    for (k = 0;; k++) {
        (void)mlpbt_counting_allocator(&cnt);
        if (c->setup != NULL)
            c->setup(c->ctx, &a);
        const size_t base = cnt.calls;
        cnt.fail_at = base + k;
        const mlpb_status s = c->call(c->ctx, &a);
        const size_t made = cnt.calls - base;
        if (s == MLPB_OK) {
            assert_int_equal(made, k);
            c->release(c->ctx);
        } else {
            if (s != MLPB_E_NOMEM)
                print_message("%s: allocation %zu failed gives status %d\n", c->name, k, (int)s);
            assert_int_equal(s, MLPB_E_NOMEM);
            if (c->check != NULL)
                c->check(c->ctx);
        }
        cnt.fail_at = SIZE_MAX;
        if (c->teardown != NULL)
            c->teardown(c->ctx);
        assert_int_equal(cnt.live, 0);
        if (s == MLPB_OK)
            break;
        assert_true(k < 10000);
    }
    print_message("%-34s %3zu allocation points\n", c->name, k);
    return k;
}

/* A model, its file image (to check "unchanged"), data, and the objects the
 * call under test makes. */
typedef struct model_ctx {
    mlpb_model *m;
    unsigned char *img;
    size_t img_len;
    mlpb_init init;
    size_t n;
    float *x, *y;
    mlpb_model *src;  /* made by a setup */
    mlpb_model *made; /* made by the call */
    mlpb_workspace *ws;
    mlpb_optim *opt;
    mlpb_optimizer kind;
} model_ctx;

static const size_t arch[] = {6, 8, 5, 3};
enum { ROWS = 40 };

static void ctx_open(model_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->init = MLPB_INIT_HE_GLOROT;
    c->m = std_model(arch, 4, 21);
    c->img = mlpbt_model_image(c->m, &c->img_len);
    c->n = ROWS;
    c->x = malloc(ROWS * arch[0] * sizeof *c->x);
    c->y = malloc(ROWS * arch[3] * sizeof *c->y);
    assert_non_null(c->x);
    assert_non_null(c->y);
    mlpbt_fill_uniform(c->x, ROWS * arch[0], -1.0f, 1.0f, 22);
    mlpbt_fill_labels(c->y, ROWS * arch[3], 23);
}

static void ctx_close(model_ctx *c)
{
    mlpb_model_destroy(c->m);
    free(c->img);
    free(c->x);
    free(c->y);
}

/* m is bit for bit the model of c->img, and a forward/backward pass on it
 * still works. */
static void assert_is_original(const model_ctx *c, mlpb_model *m)
{
    size_t len;
    unsigned char *img = mlpbt_model_image(m, &len);
    assert_int_equal(len, c->img_len);
    assert_memory_equal(img, c->img, len);
    free(img);
    mlpb_workspace *ws = NULL;
    assert_int_equal(mlpb_workspace_create(m, c->n, NULL, &ws), MLPB_OK);
    float loss = NAN;
    assert_int_equal(mlpb_loss_grad(m, ws, c->x, c->y, c->n, &loss), MLPB_OK);
    assert_true(isfinite(loss));
    mlpb_workspace_destroy(ws);
}

static void check_model_unchanged(void *ctx)
{
    model_ctx *c = ctx;
    assert_is_original(c, c->m);
}

static void check_src_unchanged(void *ctx)
{
    model_ctx *c = ctx;
    assert_is_original(c, c->src);
}

/* A copy of the model made with the counting allocator, for the calls that
 * allocate with a model's own allocator (clone, orthogonal init). */
static void setup_src(void *ctx, const mlpb_allocator *a)
{
    model_ctx *c = ctx;
    assert_int_equal(mlpb_model_load_mem(c->img, c->img_len, a, &c->src), MLPB_OK);
}

static void teardown_src(void *ctx)
{
    model_ctx *c = ctx;
    mlpb_model_destroy(c->src);
    c->src = NULL;
}

static void release_nothing(void *ctx)
{
    (void)ctx;
}

static void release_made(void *ctx)
{
    model_ctx *c = ctx;
    mlpb_model_destroy(c->made);
    c->made = NULL;
}

static mlpb_status call_create(void *ctx, const mlpb_allocator *a)
{
    model_ctx *c = ctx;
    const mlpb_config cfg = {arch, 4, 5, c->init};
    c->made = (mlpb_model *)c; /* must become NULL on failure */
    const mlpb_status s = mlpb_model_create(&cfg, a, &c->made);
    if (s != MLPB_OK)
        assert_null(c->made);
    return s;
}

static mlpb_status call_workspace(void *ctx, const mlpb_allocator *a)
{
    model_ctx *c = ctx;
    c->ws = (mlpb_workspace *)c;
    const mlpb_status s = mlpb_workspace_create(c->m, 17, a, &c->ws);
    if (s != MLPB_OK)
        assert_null(c->ws);
    return s;
}

static void release_ws(void *ctx)
{
    model_ctx *c = ctx;
    mlpb_workspace_destroy(c->ws);
    c->ws = NULL;
}

static mlpb_status call_clone(void *ctx, const mlpb_allocator *a)
{
    model_ctx *c = ctx;
    (void)a; /* the clone uses src's allocator, the counting one */
    c->made = (mlpb_model *)c;
    const mlpb_status s = mlpb_model_clone(c->src, &c->made);
    if (s != MLPB_OK)
        assert_null(c->made);
    return s;
}

static mlpb_status call_reinit_orthogonal(void *ctx, const mlpb_allocator *a)
{
    model_ctx *c = ctx;
    (void)a; /* LAPACK workspace comes from the model's allocator */
    return mlpb_model_init(c->src, MLPB_INIT_ORTHOGONAL, 77);
}

static mlpb_status call_load_mem(void *ctx, const mlpb_allocator *a)
{
    model_ctx *c = ctx;
    c->made = (mlpb_model *)c;
    const mlpb_status s = mlpb_model_load_mem(c->img, c->img_len, a, &c->made);
    if (s != MLPB_OK)
        assert_null(c->made);
    return s;
}

static char load_path[PATH_MAX];

static mlpb_status call_load_file(void *ctx, const mlpb_allocator *a)
{
    model_ctx *c = ctx;
    c->made = (mlpb_model *)c;
    const mlpb_status s = mlpb_model_load(load_path, a, &c->made);
    if (s != MLPB_OK)
        assert_null(c->made);
    return s;
}

static mlpb_status call_optim(void *ctx, const mlpb_allocator *a)
{
    model_ctx *c = ctx;
    mlpb_optim_opts o;
    mlpb_optim_opts_default(&o);
    o.kind = c->kind;
    c->opt = (mlpb_optim *)c;
    const mlpb_status s = mlpb_optim_create(c->m, &o, a, &c->opt);
    if (s != MLPB_OK)
        assert_null(c->opt);
    return s;
}

static void release_optim(void *ctx)
{
    model_ctx *c = ctx;
    mlpb_optim_destroy(c->opt);
    c->opt = NULL;
}

static mlpb_status call_metrics(void *ctx, const mlpb_allocator *a)
{
    model_ctx *c = ctx;
    const size_t k = arch[3];
    float *prob = malloc(c->n * k * sizeof *prob);
    assert_non_null(prob);
    mlpbt_fill_uniform(prob, c->n * k, 0.0f, 1.0f, 31);
    mlpb_metrics per[3], mean;
    double exact = -1.0;
    memset(&mean, 0x5a, sizeof mean);
    const mlpb_status s = mlpb_metrics_compute(prob, c->y, c->n, k, a, per, &mean, &exact);
    free(prob);
    if (s == MLPB_OK)
        assert_true(exact >= 0.0 && exact <= 1.0);
    return s;
}

static void test_faults_alloc_core_and_io(void **state)
{
    (void)state;
    model_ctx c;
    ctx_open(&c);
    const alloc_case cases[] = {
        {"model_create (He/Glorot)", NULL, call_create, release_made, NULL, NULL, &c},
        {"model_create (orthogonal)", NULL, call_create, release_made, NULL, NULL, &c},
        {"model_clone", setup_src, call_clone, release_made, check_src_unchanged, teardown_src, &c},
        {"model_init (orthogonal)", setup_src, call_reinit_orthogonal, release_nothing,
         check_src_unchanged, teardown_src, &c},
        {"workspace_create", NULL, call_workspace, release_ws, check_model_unchanged, NULL, &c},
        {"model_load_mem", NULL, call_load_mem, release_made, NULL, NULL, &c},
        {"model_load (file)", NULL, call_load_file, release_made, NULL, NULL, &c},
        {"metrics_compute", NULL, call_metrics, release_nothing, NULL, NULL, &c},
    };
    char dir[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "faults");
    mlpbt_path_in(load_path, sizeof load_path, dir, "load.mlpb");
    assert_int_equal(mlpb_model_save(c.m, load_path), MLPB_OK);
    size_t total = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        c.init = i == 1 ? MLPB_INIT_ORTHOGONAL : MLPB_INIT_HE_GLOROT;
        const size_t k = sweep(&cases[i]);
        assert_true(k >= 1);
        total += k;
    }
    print_message("core and io: %zu allocation points in all\n", total);
    mlpbt_remove_tmpdir(dir);
    ctx_close(&c);
}

static void test_faults_alloc_optim(void **state)
{
    (void)state;
    model_ctx c;
    ctx_open(&c);
    static const char *names[] = {"optim_create (sgd)",      "optim_create (momentum)",
                                  "optim_create (nesterov)", "optim_create (adam)",
                                  "optim_create (adamw)",    "optim_create (rmsprop)"};
    const mlpb_optimizer kinds[] = {MLPB_OPT_SGD,  MLPB_OPT_MOMENTUM, MLPB_OPT_NESTEROV,
                                    MLPB_OPT_ADAM, MLPB_OPT_ADAMW,    MLPB_OPT_RMSPROP};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        c.kind = kinds[i];
        const alloc_case oc = {names[i], NULL, call_optim, release_optim, check_model_unchanged,
                               NULL,     &c};
        (void)sweep(&oc);
    }
    ctx_close(&c);
}

/* The trainer allocates everything before its first epoch: failing any of
 * those allocations leaves the model exactly as it was (parameters and
 * standardisation) and usable. Several configurations, since the buffers
 * depend on the split, the weights and the optimiser. */
typedef struct train_ctx {
    model_ctx *c;
    mlpb_dataset train, val;
    int use_val;
    mlpb_train_opts opts;
    mlpb_train_report report;
} train_ctx;

static mlpb_status call_train(void *ctx, const mlpb_allocator *a)
{
    train_ctx *t = ctx;
    return mlpb_train(t->c->m, &t->train, t->use_val ? &t->val : NULL, &t->opts, a, &t->report);
}

/* A successful run changed the model: put the original back for the next
 * configuration. */
static void release_train(void *ctx)
{
    train_ctx *t = ctx;
    mlpb_model *orig = NULL;
    assert_int_equal(mlpb_model_load_mem(t->c->img, t->c->img_len, NULL, &orig), MLPB_OK);
    assert_int_equal(mlpb_model_copy_params(t->c->m, orig), MLPB_OK);
    mlpb_model_destroy(orig);
    assert_is_original(t->c, t->c->m);
}

static void check_train_unchanged(void *ctx)
{
    train_ctx *t = ctx;
    assert_is_original(t->c, t->c->m);
}

static void test_faults_alloc_train(void **state)
{
    (void)state;
    model_ctx c;
    ctx_open(&c);
    float sw[ROWS], pw[3] = {2.0f, 0.5f, 1.0f};
    mlpbt_fill_uniform(sw, ROWS, 0.5f, 1.5f, 24);
    train_ctx t;
    memset(&t, 0, sizeof t);
    t.c = &c;
    t.train = (mlpb_dataset){c.x, c.y, NULL, 30};
    t.val = (mlpb_dataset){c.x + 30 * arch[0], c.y + 30 * arch[3], NULL, 10};
    static const char *names[] = {
        "train (adam, split)", "train (sgd, no validation)", "train (rmsprop, val, weights)",
        "train (momentum, split, weights)", "train (adamw, val, restore off)"};
    for (int cfg = 0; cfg < 5; cfg++) {
        mlpb_train_opts_default(&t.opts);
        t.opts.epochs = 3;
        t.opts.batch_size = 8;
        t.opts.seed = 25;
        t.use_val = 0;
        t.train.sample_weight = NULL;
        t.val.sample_weight = NULL;
        switch (cfg) {
        case 1:
            t.opts.optim.kind = MLPB_OPT_SGD;
            t.opts.val_fraction = 0.0f;
            t.opts.standardize = 0;
            break;
        case 2:
            t.opts.optim.kind = MLPB_OPT_RMSPROP;
            t.use_val = 1;
            t.train.sample_weight = sw;
            t.val.sample_weight = sw + 30;
            t.opts.pos_weight = pw;
            break;
        case 3:
            t.opts.optim.kind = MLPB_OPT_MOMENTUM;
            t.opts.val_fraction = 0.3f;
            t.train.sample_weight = sw;
            break;
        case 4:
            t.opts.optim.kind = MLPB_OPT_ADAMW;
            t.use_val = 1;
            t.opts.restore_best = 0;
            break;
        default: break;
        }
        const alloc_case tc = {names[cfg], NULL, call_train, release_train, check_train_unchanged,
                               NULL,       &t};
        const size_t k = sweep(&tc);
        assert_true(k >= 3); /* block, workspace, optimiser */

        /* The epoch loop allocates nothing: ten times the epochs, the same
         * number of allocations. */
        mlpbt_counter cnt;
        const mlpb_allocator a = mlpbt_counting_allocator(&cnt);
        t.opts.epochs = 30;
        t.opts.patience = 0;
        assert_int_equal(call_train(&t, &a), MLPB_OK);
        assert_int_equal(t.report.epochs_run, 30);
        assert_int_equal(cnt.calls, k);
        assert_int_equal(cnt.live, 0);
        release_train(&t);
    }
    ctx_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faults_save_every_write),
        cmocka_unit_test(test_faults_save_fsync_close_rename_create),
        cmocka_unit_test(test_faults_save_fsize_sweep),
        cmocka_unit_test(test_faults_save_full_tmpfs),
        cmocka_unit_test(test_faults_alloc_core_and_io),
        cmocka_unit_test(test_faults_alloc_optim),
        cmocka_unit_test(test_faults_alloc_train),
    };
    return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
