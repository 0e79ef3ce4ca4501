/* io_save.c -- writing model files (docs/model-format.md, version 2): the
 * image encoded into memory or streamed to a file, and the atomic save:
 * an unnamed O_TMPFILE file linked in place when complete where the file
 * system supports it, else a short temporary name in the same directory;
 * fsync before the rename; the mode of the file replaced (permission bits
 * only) or 0666 less the umask. */
#define _GNU_SOURCE /* O_TMPFILE, linkat's AT_SYMLINK_FOLLOW */
#include "io_format.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* The image of m, in file order. */
static mlpb_status encode(const mlpb_model *m, mlpb_sink *s)
{
    const size_t n = m->n_sizes;
    uint64_t sect;
    mlpb__strings_size(m, &sect);
    unsigned char head[FMT_HEAD_MAX];
    const uint32_t flags = (m->standardize ? FMT_FLAG_STD : 0u) | mlpb__strings_flags(m);
    MLPB_TRY(mlpb__sink_bytes(s, head, mlpb__fmt_put_header(head, m->sizes, n, flags, sect)));
    MLPB_TRY(mlpb__strings_encode(m, s));
    if (m->standardize) {
        MLPB_TRY(mlpb__sink_floats(s, m->mean, m->sizes[0]));
        MLPB_TRY(mlpb__sink_floats(s, m->std, m->sizes[0]));
    }
    MLPB_TRY(mlpb__sink_floats(s, m->params, m->n_params));
    return mlpb__sink_finish(s);
}

/* Image size of m, or 0 if the format cannot hold it (or m has no params). */
static size_t image_size(const mlpb_model *m)
{
    uint64_t n_params, total, sect;
    if (!mlpb__has_params(m) || !mlpb__fmt_arch_ok(m->sizes, m->n_sizes, &n_params) ||
        !mlpb__strings_size(m, &sect) ||
        !mlpb__fmt_image_bytes(FMT_HEAD_V2(m->n_sizes) + sect, m->sizes[0], m->standardize,
                               n_params, &total) ||
        total > SIZE_MAX)
        return 0;
    return (size_t)total;
}

size_t mlpb_model_file_size(const mlpb_model *m)
{
    return m == NULL ? 0 : image_size(m);
}

mlpb_status mlpb_model_save_mem(const mlpb_model *m, void *buf, size_t len)
{
    if (m == NULL || buf == NULL)
        return MLPB_E_INVALID_ARG;
    const size_t size = image_size(m);
    if (size == 0 || len < size)
        return MLPB_E_INVALID_ARG;
    mlpb_sink s;
    mlpb__sink_init(&s, buf, -1);
    return encode(m, &s); /* cannot fail in memory */
}

/* ------------------------------------------------------------- the save */
/* The directory of path into dir ("." when path has no slash). */
static bool dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        memcpy(dir, ".", 2);
        return true;
    }
    const size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= cap)
        return false;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return true;
}

/* Make the rename durable: fsync the directory. Best effort, as some file
 * systems refuse fsync on directories; the file itself is synced. */
static void sync_dir(const char *dir)
{
    const int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        (void)close(fd);
    }
}

/* A temporary name "<dir>/.mlpb-XXXXXX" (short, so that any valid target
 * name in dir leaves room), varied by attempt; no global state. */
static void temp_name(char *out, size_t cap, const char *dir, unsigned attempt)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 16) ^
                 (uint64_t)(uintptr_t)out ^ attempt;
    x = (x ^ (x >> 31)) * 0x9e3779b97f4a7c15ull; /* mix */
    x ^= x >> 29;
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char tag[7];
    for (int i = 0; i < 6; i++) {
        tag[i] = digits[x % 36];
        x /= 36;
    }
    tag[6] = '\0';
    snprintf(out, cap, "%s/.mlpb-%s", dir, tag);
}

/* Write the image to fd and fsync it. */
static mlpb_status write_image(const mlpb_model *m, int fd)
{
    mlpb_sink s;
    mlpb__sink_init(&s, NULL, fd);
    MLPB_TRY(encode(m, &s));
    return fsync(fd) == 0 ? MLPB_OK : MLPB_E_IO;
}

/* Give an unnamed O_TMPFILE file the name to: linkat through /proc (no
 * privilege needed), or AT_EMPTY_PATH where /proc is absent. */
static int link_fd(int fd, const char *to)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW) == 0)
        return 0;
#ifdef AT_EMPTY_PATH
    if (errno == ENOENT)
        return linkat(fd, "", AT_FDCWD, to, AT_EMPTY_PATH);
#endif
    return -1;
}

typedef enum tmp_result { TMP_DONE, TMP_UNSUPPORTED } tmp_result;

#ifdef O_TMPFILE
/* The O_TMPFILE path. TMP_UNSUPPORTED (status OK) when the file system has
 * no O_TMPFILE: nothing was created, the caller falls back. */
static mlpb_status save_tmpfile(const mlpb_model *m, const char *path, const char *dir,
                                bool replacing, mode_t mode, tmp_result *r)
{
    *r = TMP_DONE;
    /* The kernel applies the umask to 0666, as for any created file. */
    const int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0) {
        if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
            *r = TMP_UNSUPPORTED;
            return MLPB_OK;
        }
        return MLPB_E_IO;
    }
    if (replacing)
        (void)fchmod(fd, mode); /* best effort: some file systems have no modes */
    mlpb_status st = write_image(m, fd);
    int err = errno;
    if (st == MLPB_OK && !replacing) {
        /* A new file: linked at its name directly, nothing to clean up. */
        if (link_fd(fd, path) == 0)
            goto done;
        if (errno == ENOENT)
            goto no_link;
        if (errno != EEXIST) {
            st = MLPB_E_IO;
            err = errno;
            goto done;
        }
        /* Someone created path meanwhile: replace it as below. */
    }
    if (st == MLPB_OK) {
        /* Replacing needs a name to rename from: the only moment a killed
         * process can leave a temporary behind is between these two calls. */
        char tmp[PATH_MAX + 16];
        int linked = -1;
        for (unsigned attempt = 0; attempt < 100 && linked != 0; attempt++) {
            temp_name(tmp, sizeof tmp, dir, attempt);
            linked = link_fd(fd, tmp);
            if (linked != 0 && errno != EEXIST)
                break;
        }
        if (linked != 0 && errno == ENOENT)
            goto no_link;
        if (linked != 0) {
            st = MLPB_E_IO;
            err = errno;
        } else if (rename(tmp, path) != 0) {
            st = MLPB_E_IO;
            err = errno;
            (void)unlink(tmp);
        }
    }
done:
    /* After fsync and the link a close error cannot lose data: ignored. */
    (void)close(fd);
    errno = err;
    return st;
no_link:
    /* Neither /proc nor AT_EMPTY_PATH can name the file (no /proc mounted,
     * no CAP_DAC_READ_SEARCH): the unnamed file vanishes with its
     * descriptor, and the caller falls back to a named temporary. (A
     * directory removed meanwhile fails there with ENOENT as well.) */
    (void)close(fd);
    *r = TMP_UNSUPPORTED;
    return MLPB_OK;
}
#endif

/* The fallback: a temporary name in dir, created 0666 less the umask. */
static mlpb_status save_named(const mlpb_model *m, const char *path, const char *dir,
                              bool replacing, mode_t mode)
{
    char tmp[PATH_MAX + 16];
    int fd = -1;
    for (unsigned attempt = 0; attempt < 100 && fd < 0; attempt++) {
        temp_name(tmp, sizeof tmp, dir, attempt);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return MLPB_E_IO;
    if (replacing)
        (void)fchmod(fd, mode);
    mlpb_status st = write_image(m, fd);
    int err = errno;
    if (close(fd) != 0 && st == MLPB_OK) {
        st = MLPB_E_IO;
        err = errno;
    }
    if (st == MLPB_OK && rename(tmp, path) != 0) {
        st = MLPB_E_IO;
        err = errno;
    }
    if (st != MLPB_OK)
        (void)unlink(tmp);
    errno = err;
    return st;
}

mlpb_status mlpb_model_save(const mlpb_model *m, const char *path)
{
    if (m == NULL || path == NULL || path[0] == '\0' || image_size(m) == 0)
        return MLPB_E_INVALID_ARG;
    char dir[PATH_MAX];
    if (strlen(path) >= PATH_MAX || !dir_of(path, dir, sizeof dir)) {
        errno = ENAMETOOLONG;
        return MLPB_E_IO;
    }
    /* A replaced file lends its permission bits, never setuid, setgid or
     * sticky; a directory is refused before anything is written. */
    struct stat st;
    bool replacing = false;
    mode_t mode = 0;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return MLPB_E_IO;
        }
        replacing = S_ISREG(st.st_mode);
        mode = st.st_mode & 0777;
    }
    mlpb_status s;
#ifdef O_TMPFILE
    tmp_result r;
    s = save_tmpfile(m, path, dir, replacing, mode, &r);
    if (r == TMP_UNSUPPORTED)
        s = save_named(m, path, dir, replacing, mode);
#else
    s = save_named(m, path, dir, replacing, mode);
#endif
    if (s == MLPB_OK)
        sync_dir(dir);
    return s;
}
