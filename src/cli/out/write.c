/* write.c -- the one way the mlpblas tool writes a file: checked before any
 * work, written to an unnamed (O_TMPFILE) or short-named temporary file in
 * the target's directory, and renamed over the target only on commit, so a
 * failed or killed run never leaves a partial, clobbered or re-moded file.
 * "-" is standard output; a character device or a FIFO (/dev/null, a named
 * pipe) is written in place, as there is no file to replace. */
#define _GNU_SOURCE /* O_TMPFILE, AT_EMPTY_PATH (Linux); guarded below */
#include "out/write.h"

#include "base/msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The directory part of path ("." when there is none), in a fresh string. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    size_t n   = (size_t)(slash - path);
    char  *dir = malloc(n + 1);
    if (dir != NULL) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return dir;
}

/* dir + "/.mlpb-" + 12 hex digits: short, so that any valid file name in
 * dir also leaves room for the temporary one. The digits mix the pid, the
 * clock and a caller's counter; O_EXCL settles any collision. */
static char *temp_name(const char *dir, unsigned attempt)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t h = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_nsec ^
                 ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)attempt * 0xBF58476D1CE4E5B9ull);
    h ^= h >> 31;
    size_t len = strlen(dir) + 32;
    char  *s   = malloc(len);
    if (s != NULL)
        snprintf(s, len, "%s/.mlpb-%012llx", dir, (unsigned long long)(h & 0xFFFFFFFFFFFFull));
    return s;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* A file written in place rather than replaced: a character device or a FIFO. */
static int is_stream(const struct stat *st)
{
    return S_ISCHR(st->st_mode) || S_ISFIFO(st->st_mode);
}

/* Open a device or FIFO for writing, as the shell's '>' would (a FIFO waits
 * for its reader). What a failed run wrote there cannot be taken back. */
static int open_stream(cli_out *o, const char *path)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return cli_fail("%s: cannot write: %s", path, strerror(errno)), -1;
    o->f = fdopen(fd, "w");
    if (o->f == NULL) {
        int e = errno;
        close(fd);
        return cli_fail("%s: cannot write: %s", path, strerror(e)), -1;
    }
    o->is_stream = 1;
    return 0;
}

int cli_out_open(cli_out *o, const char *path, const cli_inputs *in)
{
    memset(o, 0, sizeof *o);
    o->fd   = -1;
    o->path = path;
    if (strcmp(path, "-") == 0) {
        o->f         = stdout;
        o->is_stdout = 1;
        return 0;
    }
    struct stat st, target;
    int         exists = lstat(path, &st) == 0;
    if (!exists && errno != ENOENT)
        return cli_fail("%s: cannot write: %s", path, strerror(errno)), -1;
    /* A character device or a FIFO (/dev/null, a named pipe, /dev/stdout on
     * a pipe or terminal), also through a link, is written as it is: there
     * is nothing to replace. */
    if (exists && S_ISLNK(st.st_mode) && stat(path, &target) == 0 && is_stream(&target))
        st = target;
    if (exists && S_ISLNK(st.st_mode)) {
        struct stat so;
        if (stat(path, &target) == 0 && fstat(1, &so) == 0 && same_file(&target, &so))
            return cli_fail("%s: is standard output, redirected to a file; give '-' for "
                            "standard output", path), -1;
        /* Writing through a link lets whoever made it choose what is
         * replaced; replacing the link itself surprises. Refuse both. */
        return cli_fail("%s: is a symbolic link; give the path of the file itself", path), -1;
    }
    if (exists && S_ISDIR(st.st_mode))
        return cli_fail("%s: is a directory", path), -1;
    if (exists && !S_ISREG(st.st_mode) && !is_stream(&st))
        return cli_fail("%s: is not a regular file, a character device or a FIFO", path), -1;
    for (size_t i = 0; exists && in != NULL && i < in->n; i++)
        if (in->have[i] && same_file(&st, &in->st[i]))
            return cli_fail("%s: is also an input (%s); write the output elsewhere", path,
                            in->path[i]), -1;
    if (exists && access(path, W_OK) != 0)
        return cli_fail("%s: cannot write: %s", path, strerror(errno)), -1;
    if (exists && is_stream(&st))
        return open_stream(o, path);
    o->exists = exists;
    o->mode   = exists ? (unsigned)(st.st_mode & 0777) : 0;

    char *dir = dir_of(path);
    if (dir == NULL)
        return cli_fail("mlpblas: out of memory"), -1;
    o->dir = dir;
    int fd = -1;
#ifdef O_TMPFILE
    /* An unnamed file: nothing is left behind if the process dies. Naming it
     * later goes through /proc/self/fd, so without /proc the named temporary
     * is used instead. */
    if (access("/proc/self/fd", X_OK) == 0) {
        fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
        if (fd >= 0)
            o->unnamed = 1;
    }
#endif
    for (unsigned attempt = 0; fd < 0 && attempt < 100; attempt++) {
        free(o->tmp);
        if ((o->tmp = temp_name(dir, attempt)) == NULL)
            break;
        /* 0666, less the umask, as any new file. */
        fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        cli_fail("%s: cannot write: %s: %s", path, dir, strerror(e));
        cli_out_abort(o);
        return -1;
    }
    o->fd = fd;
    /* A replaced file keeps its permission bits, but never setuid, setgid or
     * sticky ones. */
    if (exists && fchmod(fd, (mode_t)o->mode) != 0) {
        int e = errno;
        cli_out_abort(o);
        return cli_fail("%s: cannot set the mode: %s", path, strerror(e)), -1;
    }
    o->f = fdopen(fd, "w");
    if (o->f == NULL) {
        int e = errno;
        cli_out_abort(o);
        return cli_fail("%s: cannot create: %s", path, strerror(e)), -1;
    }
    o->fd = -1; /* owned by f now */
    return 0;
}

void cli_out_abort(cli_out *o)
{
    if (o->is_stdout) {
        memset(o, 0, sizeof *o);
        return;
    }
    if (o->is_stream) {
        if (o->f != NULL)
            fclose(o->f);
        memset(o, 0, sizeof *o);
        o->fd = -1;
        return;
    }
    if (o->f != NULL)
        fclose(o->f);
    else if (o->dir != NULL && o->fd >= 0)
        close(o->fd);
    if (o->tmp != NULL && !o->unnamed)
        unlink(o->tmp);
    free(o->tmp);
    free(o->dir);
    memset(o, 0, sizeof *o);
    o->fd = -1;
}

/* Give the unnamed file f a name: path itself when nothing is there, else a
 * temporary name that rename then moves over path. 0 or -1 with errno. */
static int name_unnamed(cli_out *o)
{
#ifdef O_TMPFILE
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(o->f));
    if (!o->exists) {
        if (linkat(AT_FDCWD, proc, AT_FDCWD, o->path, AT_SYMLINK_FOLLOW) == 0)
            return 0;
        if (errno != EEXIST)
            return -1;
    }
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        free(o->tmp);
        if ((o->tmp = temp_name(o->dir, attempt)) == NULL)
            return errno = ENOMEM, -1;
        if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0) {
            o->unnamed = 0; /* abort unlinks it now */
            return rename(o->tmp, o->path);
        }
        if (errno != EEXIST)
            return -1;
    }
    return errno = EEXIST, -1;
#else
    return errno = ENOTSUP, -1;
#endif
}

int cli_out_commit(cli_out *o)
{
    if (o->is_stdout) {
        int failed = fflush(stdout) != 0 || ferror(stdout);
        memset(o, 0, sizeof *o);
        if (failed)
            return cli_fail("mlpblas: cannot write to standard output: %s", strerror(errno)),
                   -1;
        return 0;
    }
    if (o->is_stream) {
        int failed = ferror(o->f) || fflush(o->f) != 0;
        int err    = failed && errno == 0 ? EIO : errno;
        if (fclose(o->f) != 0 && !failed) {
            failed = 1;
            err    = errno;
        }
        const char *path = o->path;
        memset(o, 0, sizeof *o);
        o->fd = -1;
        if (failed)
            return cli_fail("%s: cannot write: %s", path, strerror(err)), -1;
        return 0;
    }
    int failed = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
    int err    = failed && errno == 0 ? EIO : errno;
    if (!failed && (o->unnamed ? name_unnamed(o) : rename(o->tmp, o->path)) != 0) {
        failed = 1;
        err    = errno;
    }
    if (failed) {
        cli_fail("%s: cannot write: %s", o->path, strerror(err));
        cli_out_abort(o);
        return -1;
    }
    /* The rename is durable once the directory is. */
    int dfd = open(o->dir, O_RDONLY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    fclose(o->f);
    free(o->tmp);
    free(o->dir);
    memset(o, 0, sizeof *o);
    o->fd = -1;
    return 0;
}

void cli_inputs_add(cli_inputs *in, const char *path)
{
    if (in->n == CLI_MAX_INPUTS)
        return;
    size_t i   = in->n++;
    in->path[i] = path;
    in->have[i] = strcmp(path, "-") == 0 ? fstat(0, &in->st[i]) == 0
                                         : stat(path, &in->st[i]) == 0;
}

int cli_outs_distinct(const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct stat dev;
        /* A character device (/dev/null) may take several outputs. */
        if (paths[i] == NULL ||
            (strcmp(paths[i], "-") != 0 && stat(paths[i], &dev) == 0 && S_ISCHR(dev.st_mode)))
            continue;
        for (size_t j = i + 1; j < n; j++) {
            if (paths[j] == NULL)
                continue;
            if (strcmp(paths[i], paths[j]) == 0)
                return cli_fail("%s: named for two outputs", paths[i]), -1;
            struct stat a, b;
            if (strcmp(paths[i], "-") != 0 && stat(paths[i], &a) == 0 &&
                stat(paths[j], &b) == 0 && same_file(&a, &b))
                return cli_fail("%s and %s: the same file named for two outputs", paths[i],
                                paths[j]), -1;
        }
    }
    return 0;
}

int cli_save_model(const mlpb_model *m, cli_out *o)
{
    size_t n   = mlpb_model_file_size(m);
    void  *buf = malloc(n ? n : 1);
    if (buf == NULL)
        return cli_fail("%s: out of memory for the model image", o->path), -1;
    mlpb_status st = mlpb_model_save_mem(m, buf, n);
    if (st != MLPB_OK) {
        free(buf);
        return cli_fail("%s: cannot save the model: %s", o->path, mlpb_strerror(st)), -1;
    }
    size_t w = fwrite(buf, 1, n, o->f);
    free(buf);
    if (w != n)
        return cli_fail("%s: cannot write: %s", o->path, strerror(errno)), -1;
    return 0;
}
