/* probe.c -- test helper of the tool's tests.
 *   probe tmpfile DIR   exits 0 if DIR's file system takes O_TMPFILE (so the
 *                       tool's outputs stay unnamed until committed), else 1
 *   probe rss CMD ARGS  runs CMD, prints its peak resident set size in KiB
 *                       (getrusage of the child) on stderr's last line, and
 *                       exits with CMD's status (128 + signal if killed) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "tmpfile") == 0) {
#ifdef O_TMPFILE
        int fd = open(argv[2], O_TMPFILE | O_WRONLY, 0600);
        if (fd >= 0 && access("/proc/self/fd", X_OK) == 0) {
            close(fd);
            return 0;
        }
#endif
        return 1;
    }
    if (argc >= 3 && strcmp(argv[1], "rss") == 0) {
        pid_t pid = fork();
        if (pid < 0)
            return 125;
        if (pid == 0) {
            execvp(argv[2], argv + 2);
            _exit(126);
        }
        int           st;
        struct rusage ru;
        if (wait4(pid, &st, 0, &ru) != pid)
            return 125;
        fprintf(stderr, "peak_rss_kib %ld\n", ru.ru_maxrss);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    fputs("usage: probe tmpfile DIR | probe rss CMD [ARGS...]\n", stderr);
    return 2;
}
