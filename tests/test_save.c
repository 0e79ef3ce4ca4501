/* test_save.c -- what mlpb_model_save creates: file modes (0666 less the
 * umask for a new file, the permission bits of a replaced one, never setuid,
 * setgid or sticky), a 250-byte file name, both through O_TMPFILE and
 * through the named fallback (open is wrapped, see tests/CMakeLists.txt, to
 * refuse O_TMPFILE on demand), and saves killed with SIGKILL at varied
 * points: the target is always the old or the new file, and a new file saved
 * through O_TMPFILE leaves nothing else behind. */
#define _GNU_SOURCE /* O_TMPFILE */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Test-only switch of the open wrapper: refuse O_TMPFILE like a file system
 * without it. */
static int no_tmpfile;

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);

static int is_tmpfile(int flags)
{
#ifdef O_TMPFILE
    return (flags & O_TMPFILE) == O_TMPFILE;
#else
    (void)flags;
    return 0;
#endif
}

int __wrap_open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if ((flags & O_CREAT) || is_tmpfile(flags)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, unsigned);
        va_end(ap);
        if (no_tmpfile && is_tmpfile(flags)) {
            errno = EOPNOTSUPP;
            return -1;
        }
    }
    return __real_open(path, flags, mode);
}

static int tmpfile_works(const char *dir)
{
#ifdef O_TMPFILE
    const int fd = __real_open(dir, O_TMPFILE | O_WRONLY, 0600);
    if (fd >= 0)
        close(fd);
    return fd >= 0;
#else
    (void)dir;
    return 0;
#endif
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void modes_once(const char *dir, mlpb_model *m)
{
    char path[PATH_MAX];
    mlpbt_path_in(path, sizeof path, dir, "new.mlpb");
    const mode_t masks[] = {022, 077, 0, 027};
    for (size_t i = 0; i < sizeof masks / sizeof *masks; i++) {
        const mode_t old = umask(masks[i]);
        assert_int_equal(mlpb_model_save(m, path), MLPB_OK);
        umask(old);
        assert_int_equal(mode_of(path), 0666 & ~masks[i]);
        assert_int_equal(unlink(path), 0);
    }
    /* Replacing keeps the permission bits, whatever the umask, and drops
     * setuid, setgid and sticky. */
    const mode_t before[] = {0640, 0600, 0444, 04755, 02775, 01777, 06711};
    const mode_t after[] = {0640, 0600, 0444, 0755, 0775, 0777, 0711};
    for (size_t i = 0; i < sizeof before / sizeof *before; i++) {
        assert_int_equal(mlpb_model_save(m, path), MLPB_OK);
        assert_int_equal(chmod(path, before[i]), 0);
        assert_int_equal(mode_of(path), before[i]);
        const mode_t old = umask(077);
        assert_int_equal(mlpb_model_save(m, path), MLPB_OK);
        umask(old);
        assert_int_equal(mode_of(path), after[i]);
        assert_int_equal(unlink(path), 0);
    }
    /* A 250-byte name (the temporary name is short, so it fits beside it),
     * created and then replaced. */
    char name[251];
    memset(name, 'n', 250);
    name[250] = '\0';
    mlpbt_path_in(path, sizeof path, dir, name);
    for (int round = 0; round < 2; round++) {
        errno = 0;
        const mlpb_status s = mlpb_model_save(m, path);
        if (s != MLPB_OK)
            print_message("250-byte name: %s (%s)\n", mlpb_strerror(s), strerror(errno));
        assert_int_equal(s, MLPB_OK);
        mlpb_model *r;
        assert_int_equal(mlpb_model_load(path, NULL, &r), MLPB_OK);
        mlpb_model_destroy(r);
    }
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mlpbt_count_entries(dir, NULL, 0), 0);
}

static void test_save_modes_and_long_name(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "savemodes");
    const size_t sizes[] = {3, 4, 2};
    mlpb_model *m = mlpbt_model(sizes, 3, 1);
    const int tmp = tmpfile_works(dir);
    print_message("O_TMPFILE %s here\n", tmp ? "works" : "is not supported");
    if (tmp)
        modes_once(dir, m);
    no_tmpfile = 1;
    modes_once(dir, m);
    no_tmpfile = 0;
    mlpb_model_destroy(m);
    mlpbt_remove_tmpdir(dir);
}

/* ---------------------------------------------------------- kill loop */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Whether the file at path holds exactly img. */
static int holds(const char *path, const unsigned char *img, size_t len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    unsigned char *b = malloc(len + 1);
    assert_non_null(b);
    const size_t got = fread(b, 1, len + 1, f);
    fclose(f);
    const int same = got == len && memcmp(b, img, len) == 0;
    free(b);
    return same;
}

/* Children save a and b (about 1.4 MB each) to target in turn (replace), or
 * save a to fresh names (create), until killed at a point spread over about
 * two saves. */
static void kill_loop(const char *dir, mlpb_model *a, mlpb_model *b, int create, int tmp)
{
    char target[PATH_MAX];
    mlpbt_path_in(target, sizeof target, dir, "model.mlpb");
    size_t la, lb;
    unsigned char *ia = mlpbt_model_image(a, &la), *ib = mlpbt_model_image(b, &lb);
    double t0 = now_s();
    assert_int_equal(mlpb_model_save(a, target), MLPB_OK);
    const double t_save = now_s() - t0;
    enum { KILLS = 20 };
    size_t leftovers = 0, fresh_seen = 0;
    for (int i = 0; i < KILLS; i++) {
        const pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            char fresh[PATH_MAX], leaf[64];
            for (unsigned k = 0;; k++) {
                if (create) {
                    snprintf(leaf, sizeof leaf, "fresh-%d-%u", i, k);
                    mlpbt_path_in(fresh, sizeof fresh, dir, leaf);
                    if (mlpb_model_save(a, fresh) != MLPB_OK)
                        _exit(2);
                } else if (mlpb_model_save(k % 2 ? b : a, target) != MLPB_OK) {
                    _exit(2);
                }
            }
        }
        /* Spread the kill points over about two saves (7 is prime to 20). */
        const double frac = (double)((i * 7) % KILLS) / KILLS;
        const double delay = 0.0005 + 2.0 * t_save * frac;
        struct timespec ts = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status)); /* no save failed */
        /* The target is complete: the old or the new image. */
        assert_true(holds(target, ia, la) || holds(target, ib, lb));
        char name[256];
        DIR *dp = opendir(dir);
        assert_non_null(dp);
        struct dirent *e;
        while ((e = readdir(dp)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
                strcmp(e->d_name, "model.mlpb") == 0)
                continue;
            char p[PATH_MAX];
            snprintf(name, sizeof name, "%s", e->d_name);
            mlpbt_path_in(p, sizeof p, dir, name);
            if (strncmp(name, "fresh-", 6) == 0) {
                /* A new file exists only once complete. */
                assert_true(holds(p, ia, la));
                fresh_seen++;
            } else {
                /* Only a temporary of the documented form can be left, and
                 * only by the named fallback or the replace path's moment
                 * between linkat and rename. */
                assert_int_equal(strncmp(name, ".mlpb-", 6), 0);
                assert_true(!create || !tmp);
                leftovers++;
            }
            assert_int_equal(unlink(p), 0);
        }
        closedir(dp);
    }
    print_message("%s%s: %d kills over %.1f ms saves, %zu complete new files, %zu temporaries "
                  "left\n",
                  create ? "create" : "replace", tmp ? " (O_TMPFILE)" : " (named)", KILLS,
                  t_save * 1e3, fresh_seen, leftovers);
    free(ia);
    free(ib);
}

static void test_save_killed(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    mlpbt_make_tmpdir(dir, sizeof dir, "savekill");
    const size_t sizes[] = {600, 600, 1}; /* about 1.4 MB */
    mlpb_model *a = mlpbt_model(sizes, 3, 1), *b = mlpbt_model(sizes, 3, 2);
    const int tmp = tmpfile_works(dir);
    if (tmp) {
        kill_loop(dir, a, b, 1, 1);
        kill_loop(dir, a, b, 0, 1);
    }
    no_tmpfile = 1;
    kill_loop(dir, a, b, 0, 0);
    no_tmpfile = 0;
    mlpb_model_destroy(a);
    mlpb_model_destroy(b);
    mlpbt_remove_tmpdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_modes_and_long_name),
        cmocka_unit_test(test_save_killed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
